// libFuzzer target: the target-root sandbox (server/state/root_fs.h). One root is built
// once, with the shapes an escape would use: a directory, files, symlinks pointing out
// (absolute and relative), a symlink loop, a self-loop, a dangling link, links that stay
// inside, and a FIFO. Each input is an operation byte, a resolver byte (the kernel's openat2
// or the walker) and a path (raw bytes: NULs, "..", "//", "%2e%2e", overlong UTF-8 all reach
// the sandbox as they are). The invariants: whatever the sandbox opens is inside the root,
// checked by the kernel's view (/proc/self/fd of the opened file), not by the sandbox's own
// logic; nothing appears outside it; and no call blocks (a FIFO opened would hang the run).
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <string>

#include "state/root_fs.h"

namespace {

using pynq_remote::Result;
using pynq_remote::RootFs;
using pynq_remote::UniqueFd;

constexpr char kFileText[] = "inside\n";
constexpr char kSecretText[] = "outside: a sandbox escape read this\n";

[[noreturn]] void Fail(const std::string& what, const std::string& path) {
  std::fprintf(stderr, "fuzz_root_fs: %s (path %zu bytes: \"%.200s\")\n", what.c_str(), path.size(),
               path.c_str());
  std::abort();
}

std::string RealPath(const std::string& path) {
  char* real = realpath(path.c_str(), nullptr);
  if (real == nullptr) return "";
  std::string out(real);
  std::free(real);
  return out;
}

bool IsInside(const std::string& root, const std::string& path) {
  return path == root || (path.size() > root.size() && path.compare(0, root.size(), root) == 0 &&
                          path[root.size()] == '/');
}

void WriteText(const std::string& path, const char* text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

struct Fixture {
  std::string top;   // holds root/ and outside/
  std::string root;  // canonical
  std::string outside;
  std::set<std::string> files;
  std::set<std::string> dirs;  // the fixture's own; any other directory was made by a call

  Fixture() {
    char pattern[] = "/tmp/pynq-remote-fuzz-root.XXXXXX";
    if (mkdtemp(pattern) == nullptr) std::abort();
    top = RealPath(pattern);
    root = top + "/root";
    outside = top + "/outside";
    mkdir(root.c_str(), 0755);
    mkdir(outside.c_str(), 0755);
    mkdir((root + "/dir").c_str(), 0755);
    mkdir((root + "/lib").c_str(), 0755);
    mkdir((root + "/lib/firmware").c_str(), 0755);
    WriteText(outside + "/secret", kSecretText);
    files = {root + "/file", root + "/dir/file.txt", root + "/lib/firmware/design.bit"};
    dirs = {root, root + "/dir", root + "/lib", root + "/lib/firmware"};
    RestoreFiles();
    mkfifo((root + "/fifo").c_str(), 0644);
    symlink("fifo", (root + "/lib/firmware/fifo.bin").c_str());
    // Out: absolute, relative, through a directory, and to the parent of the root.
    symlink(outside.c_str(), (root + "/link_out").c_str());
    symlink("../outside/secret", (root + "/link_out_rel").c_str());
    symlink("../../outside", (root + "/dir/link_out_up").c_str());
    symlink("..", (root + "/link_parent").c_str());
    symlink("/", (root + "/link_slash").c_str());
    symlink("/etc/passwd", (root + "/link_passwd").c_str());
    // Loops and nowhere.
    symlink("loop_b", (root + "/loop_a").c_str());
    symlink("loop_a", (root + "/loop_b").c_str());
    symlink("self", (root + "/self").c_str());
    symlink("missing/target", (root + "/dangling").c_str());
    // Inside: relative, absolute, up and back, a chain, and an up-link that lands on the root.
    symlink("dir", (root + "/link_in").c_str());
    symlink((root + "/dir/file.txt").c_str(), (root + "/link_abs_in").c_str());
    symlink("../file", (root + "/dir/link_up_in").c_str());
    symlink("..", (root + "/dir/link_root").c_str());
    symlink("link_in", (root + "/link_chain").c_str());
  }
  ~Fixture() {
    nftw(
        top.c_str(),
        [](const char* p, const struct stat*, int, struct FTW*) { return std::remove(p); }, 16,
        FTW_DEPTH | FTW_PHYS);
  }

  void RestoreFiles() const {
    for (const std::string& f : files) WriteText(f, kFileText);
  }

  // Directories a call made inside the root go again (they are empty: only MakeDirectories
  // makes them); anything new outside is an escape.
  void CheckAndTidy(const std::string& path) const {
    static const std::set<std::string>* known;
    known = &dirs;
    nftw(
        root.c_str(),
        [](const char* p, const struct stat* st, int, struct FTW*) {
          if (S_ISDIR(st->st_mode) && known->count(p) == 0) rmdir(p);
          return 0;
        },
        16, FTW_DEPTH | FTW_PHYS);
    DIR* dir = opendir(outside.c_str());
    int entries = 0;
    while (dir != nullptr && readdir(dir) != nullptr) ++entries;
    if (dir != nullptr) closedir(dir);
    if (entries != 3) Fail("something appeared outside the root", path);  // ., .., secret
  }
};

// What an open fd refers to, as the kernel says.
std::string FdPath(int fd) {
  char link[PATH_MAX + 1];
  const std::string proc = "/proc/self/fd/" + std::to_string(fd);
  ssize_t n = readlink(proc.c_str(), link, PATH_MAX);
  if (n < 0) return "";
  return std::string(link, static_cast<size_t>(n));
}

void CheckFd(const Fixture& fx, const std::string& path, const UniqueFd& fd) {
  const std::string opened = FdPath(fd.get());
  if (!IsInside(fx.root, opened)) Fail("opened outside the root: " + opened, path);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Built once: a root per input would cost more than the sandbox itself. Removed at exit
  // (libFuzzer's time limit exits normally; a crash leaves it for inspection).
  static Fixture* fx = [] {
    static Fixture* made = new Fixture();
    std::atexit([] { delete made; });
    return made;
  }();
  static const RootFs root = [] {
    Result<RootFs> opened = RootFs::Open(fx->root);
    if (!opened.ok()) Fail("RootFs::Open: " + opened.error().message, fx->root);
    return std::move(opened).value();
  }();
  if (root.dir() != fx->root) Fail("root not canonical: " + root.dir(), fx->root);

  if (size < 2) return 0;
  const uint8_t op = data[0] % 6;
  pynq_remote::ForceOpenInRootWalkerForTesting(data[1] & 1);
  const std::string path(reinterpret_cast<const char*>(data + 2), size - 2);

  switch (op) {
    case 0:
      (void)root.Exists(path);
      break;
    case 1: {
      Result<pynq_remote::FileId> id = root.Identify(path);
      (void)id;
      break;
    }
    case 2: {
      Result<UniqueFd> fd = root.OpenRead(path);
      if (fd.ok()) CheckFd(*fx, path, fd.value());
      break;
    }
    case 3: {
      Result<std::string> text = root.ReadAll(path, 1 << 16);
      if (text.ok() && text.value() == kSecretText) Fail("read the file outside the root", path);
      break;
    }
    case 4: {
      Result<UniqueFd> fd = root.OpenWrite(path, /*truncate=*/false);
      if (!fd.ok()) break;
      CheckFd(*fx, path, fd.value());
      const std::string written = FdPath(fd.value().get());
      // Keep the root as built: fixtures keep their text, new files go.
      if (fx->files.count(written) == 0) unlink(written.c_str());
      break;
    }
    case 5:
      (void)root.MakeDirectories(path);
      break;
  }
  fx->CheckAndTidy(path);
  return 0;
}
