// A main for a libFuzzer target without libFuzzer: runs LLVMFuzzerTestOneInput once on every
// file it is given (directories: every regular file in them, sorted), as libFuzzer does when
// handed files instead of a corpus to grow. The sanitizer trees (ci/sanitize.sh) build each
// fuzz target with it and replay the committed corpus, seeds and regressions alike, under
// ASan+UBSan as a ctest, so every input that ever found a bug is re-run by `.ci/run` without
// clang or a fuzzing budget. ci/fuzz.sh is where new inputs are found.
// Exits 0 when every input ran; a crash or sanitizer report ends the process, naming the file
// on stderr first (libFuzzer's own "Running: FILE" line).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
// Optional in a target (fuzz_rpc has one): weak, so a target without it links.
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace {

namespace fs = std::filesystem;

// The files named, directories expanded; false (with the reason printed) when one is missing,
// so a moved corpus fails the test instead of replaying nothing.
bool CollectInputs(int argc, char** argv, std::vector<fs::path>* inputs) {
  for (int i = 1; i < argc; ++i) {
    const fs::path path = argv[i];
    std::error_code error;
    if (fs::is_directory(path, error)) {
      std::vector<fs::path> files;
      for (const fs::directory_entry& entry : fs::directory_iterator(path, error)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
      }
      if (error) {
        std::fprintf(stderr, "replay: cannot list %s: %s\n", argv[i], error.message().c_str());
        return false;
      }
      std::sort(files.begin(), files.end());
      inputs->insert(inputs->end(), files.begin(), files.end());
    } else if (fs::is_regular_file(path, error)) {
      inputs->push_back(path);
    } else {
      std::fprintf(stderr, "replay: %s is no file or directory\n", argv[i]);
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR_OR_FILE...\n", argv[0]);
    return 2;
  }
  std::vector<fs::path> inputs;
  if (!CollectInputs(argc, argv, &inputs)) return 1;
  if (inputs.empty()) {
    std::fprintf(stderr, "replay: no inputs in what was named: an empty corpus tests nothing\n");
    return 1;
  }
  if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
  for (const fs::path& input : inputs) {
    std::ifstream file(input, std::ios::binary);
    const std::vector<char> bytes{std::istreambuf_iterator<char>(file),
                                  std::istreambuf_iterator<char>()};
    if (!file.good() && !file.eof()) {
      std::fprintf(stderr, "replay: cannot read %s\n", input.c_str());
      return 1;
    }
    std::fprintf(stderr, "Running: %s\n", input.c_str());
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  }
  std::fprintf(stderr, "replay: %zu inputs ran\n", inputs.size());
  return 0;
}
