#include "device/open_in_root.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <deque>
#include <vector>

namespace pynq_remote {
namespace {

// Linux's own limit on symlinks followed in one lookup (MAXSYMLINKS).
constexpr int kMaxSymlinks = 40;
// A rename racing the lookup makes openat2 answer EAGAIN, and can make the walker find a
// symlink where it just saw a file; either retries this often before giving up.
constexpr int kMaxRetries = 8;

enum class Openat2 { kUnknown, kWorks, kMissing };
std::atomic<Openat2> g_openat2{Openat2::kUnknown};
std::atomic<bool> g_force_walker{false};

std::deque<std::string> SplitComponents(const std::string& path) {
  std::vector<std::string> parts = PathComponents(path);
  return std::deque<std::string>(parts.begin(), parts.end());
}

int KernelOpenInRoot(int root_fd, const std::string& path, int flags, mode_t mode) {
  struct open_how how = {};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  // openat2 refuses a mode without O_CREAT/O_TMPFILE (EINVAL), where openat ignores it.
  how.mode = (flags & (O_CREAT | O_TMPFILE)) != 0 ? mode : 0;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  const char* name = path.empty() ? "." : path.c_str();
  long fd = -1;
  for (int attempt = 0; attempt < kMaxRetries; ++attempt) {
    fd = syscall(SYS_openat2, root_fd, name, &how, sizeof how);
    if (fd >= 0 || errno != EAGAIN) break;
  }
  return fd >= 0 ? static_cast<int>(fd) : -errno;
}

// The walker: RESOLVE_IN_ROOT one component at a time. Every step is relative to a directory
// descriptor already held, so a directory renamed or swapped for a symlink after it was
// checked cannot redirect what follows; ".." goes back to the descriptor it came from.
int WalkOpenInRoot(int root_fd, const std::string& path, int flags, mode_t mode) {
  std::deque<std::string> todo = SplitComponents(path);
  std::vector<UniqueFd> dirs;  // the directories descended into; empty: at the root
  auto here = [&] { return dirs.empty() ? root_fd : dirs.back().get(); };
  int links = 0;
  int retries = 0;
  for (;;) {
    if (todo.empty()) {  // the path names a directory reached already (the root, "x/..")
      int fd = openat(here(), ".", (flags | O_CLOEXEC) & ~O_CREAT, 0);
      return fd >= 0 ? fd : -errno;
    }
    const std::string name = todo.front();
    todo.pop_front();
    if (name == ".") continue;
    if (name == "..") {
      if (!dirs.empty()) dirs.pop_back();
      continue;
    }
    const bool last = todo.empty();
    UniqueFd probe(openat(here(), name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!probe.valid()) {
      const int err = errno;
      if (err != ENOENT || !last || (flags & O_CREAT) == 0) return -err;
      int fd = openat(here(), name.c_str(), flags | O_NOFOLLOW | O_CLOEXEC, mode);
      if (fd >= 0) return fd;
      // Something appeared under the name meanwhile (a symlink: ELOOP): look again.
      if ((errno == ELOOP || errno == EEXIST) && (flags & O_EXCL) == 0 && ++retries < kMaxRetries) {
        todo.push_front(name);
        continue;
      }
      return -errno;
    }
    struct stat st;
    if (fstat(probe.get(), &st) != 0) return -errno;
    if (S_ISLNK(st.st_mode)) {
      if (++links > kMaxSymlinks) return -ELOOP;
      char target[PATH_MAX];
      ssize_t n = readlinkat(probe.get(), "", target, sizeof target);
      if (n < 0) return -errno;
      if (static_cast<size_t>(n) >= sizeof target) return -ENAMETOOLONG;
      std::deque<std::string> parts = SplitComponents(std::string(target, n));
      todo.insert(todo.begin(), parts.begin(), parts.end());
      if (n > 0 && target[0] == '/') dirs.clear();  // absolute: from the root again
      continue;
    }
    if (!last) {
      if (!S_ISDIR(st.st_mode)) return -ENOTDIR;
      dirs.push_back(std::move(probe));
      continue;
    }
    if ((flags & O_CREAT) != 0 && (flags & O_EXCL) != 0) return -EEXIST;
    if ((flags & O_PATH) != 0) {
      if ((flags & O_DIRECTORY) != 0 && !S_ISDIR(st.st_mode)) return -ENOTDIR;
      return probe.release();
    }
    int fd = openat(here(), name.c_str(), (flags | O_NOFOLLOW | O_CLOEXEC) & ~O_CREAT, 0);
    if (fd >= 0) return fd;
    if (errno == ELOOP && ++retries < kMaxRetries) {  // swapped for a symlink meanwhile
      todo.push_front(name);
      continue;
    }
    return -errno;
  }
}

}  // namespace

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = other.release();
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) close(fd_);
}

int UniqueFd::release() {
  int fd = fd_;
  fd_ = -1;
  return fd;
}

int OpenInRoot(int root_fd, const std::string& path, int flags, mode_t mode) {
  if (g_force_walker.load() || g_openat2.load() == Openat2::kMissing) {
    return WalkOpenInRoot(root_fd, path, flags, mode);
  }
  int fd = KernelOpenInRoot(root_fd, path, flags, mode);
  // ENOSYS: a kernel before 5.6, or qemu-user; E2BIG: an open_how it does not know.
  if (fd == -ENOSYS || fd == -E2BIG) {
    g_openat2.store(Openat2::kMissing);
    return WalkOpenInRoot(root_fd, path, flags, mode);
  }
  // EPERM may be a seccomp filter that does not know openat2 (older container runtimes):
  // the walker answers this call, and gives EPERM again if the file itself refuses.
  if (fd == -EPERM) return WalkOpenInRoot(root_fd, path, flags, mode);
  g_openat2.store(Openat2::kWorks);
  return fd;
}

int ReopenPathFd(int path_fd, int flags) {
  const std::string proc = "/proc/self/fd/" + std::to_string(path_fd);
  int fd = open(proc.c_str(), flags | O_CLOEXEC | O_NOCTTY);
  return fd >= 0 ? fd : -errno;
}

std::vector<std::string> PathComponents(const std::string& path) {
  std::vector<std::string> parts;
  size_t begin = 0;
  while (begin <= path.size()) {
    size_t end = path.find('/', begin);
    if (end == std::string::npos) end = path.size();
    if (end > begin) parts.push_back(path.substr(begin, end - begin));
    begin = end + 1;
  }
  return parts;
}

const char* FileTypeName(mode_t mode) {
  if (S_ISREG(mode)) return "a regular file";
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISLNK(mode)) return "a symbolic link";
  return "a special file";
}

bool OpenInRootUsesOpenat2() {
  return !g_force_walker.load() && g_openat2.load() == Openat2::kWorks;
}

void ForceOpenInRootWalkerForTesting(bool force) { g_force_walker.store(force); }

}  // namespace pynq_remote
