#include "rewind/cli/app.hpp"

int main(int argc, char** argv) { return rwd::cli::run(argc, argv); }
