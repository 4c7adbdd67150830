#include "rewind/cli/app.hpp"

int main(int argc, char** argv) { return rewind::cli::run(argc, argv); }
