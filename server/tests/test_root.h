// A temporary directory for a test, removed with everything under it.
#ifndef PYNQ_REMOTE_SERVER_TESTS_TEST_ROOT_H_
#define PYNQ_REMOTE_SERVER_TESTS_TEST_ROOT_H_

#include <ftw.h>
#include <stdlib.h>

#include <cstdio>
#include <string>

namespace pynq_remote::testing {

class TestRoot {
 public:
  TestRoot() {
    std::string pattern = "/tmp/pynq-remote-test.XXXXXX";
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TestRoot() {
    nftw(
        path_.c_str(),
        [](const char* p, const struct stat*, int, struct FTW*) { return std::remove(p); }, 16,
        FTW_DEPTH | FTW_PHYS);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace pynq_remote::testing

#endif  // PYNQ_REMOTE_SERVER_TESTS_TEST_ROOT_H_
