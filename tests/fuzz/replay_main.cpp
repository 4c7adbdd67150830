// Runs a fuzz target's entry point over files, without libFuzzer: the seed
// corpus and the regression inputs of every target run this way in the
// ordinary test suite (any compiler, any preset, sanitizers when the preset
// has them). Usage:
//   <target>_replay [--max-ms N] PATH...
// A PATH is a file or a directory of files (not recursive). Fails when an
// input crashes the process, when one takes longer than --max-ms, or when no
// input was found at all (a corpus that went missing must not pass).

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

namespace fs = std::filesystem;

std::vector<fs::path> inputs_of(const fs::path& path) {
  std::vector<fs::path> out;
  if (fs::is_directory(path)) {
    for (const auto& entry : fs::directory_iterator(path)) {
      if (entry.is_regular_file()) out.push_back(entry.path());
    }
    std::sort(out.begin(), out.end());
  } else if (fs::is_regular_file(path)) {
    out.push_back(path);
  }
  return out;
}

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

int main(int argc, char** argv) {
  long max_ms = 0;
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--max-ms" && i + 1 < argc) {
      max_ms = std::strtol(argv[++i], nullptr, 10);
      continue;
    }
    if (!fs::exists(arg)) {
      std::cerr << arg << ": no such file or directory\n";
      return 2;
    }
    auto found = inputs_of(arg);
    files.insert(files.end(), found.begin(), found.end());
  }
  if (files.empty()) {
    std::cerr << "no inputs: give corpus directories or files\n";
    return 2;
  }
  int slow = 0;
  for (const auto& file : files) {
    const std::string bytes = read_all(file);
    std::cerr << "running " << file.string() << " (" << bytes.size() << " bytes)\n";
    const auto start = std::chrono::steady_clock::now();
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - start)
                        .count();
    if (max_ms > 0 && ms > max_ms) {
      std::cerr << file.string() << ": took " << ms << " ms, over the limit of " << max_ms
                << " ms\n";
      ++slow;
    }
  }
  std::cerr << files.size() << " inputs run, " << slow << " over the time limit\n";
  return slow == 0 ? 0 : 1;
}
