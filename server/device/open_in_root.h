// Opening a path beneath a directory that stands for a filesystem root, in a way no concurrent
// rename or symlink swap can lead outside it. The target root of the file RPCs (the sim's
// root, a fake board tree, "/" on a board) and the hardware backend's firmware directory
// both open files this way, so there is one resolver to get right.
//
// Paths resolve as if the directory were "/" (chroot semantics): an absolute symlink starts
// again at the root, ".." at the root stays there, and /proc magic links are refused. The
// kernel does that in one call, openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS), on Linux
// 5.6 and later; elsewhere (older kernels, seccomp filters that do not know the call,
// qemu-user) a walker does the same one component at a time with openat(O_NOFOLLOW) from
// directory descriptors it holds, never by path again.
#ifndef PYNQ_REMOTE_SERVER_DEVICE_OPEN_IN_ROOT_H_
#define PYNQ_REMOTE_SERVER_DEVICE_OPEN_IN_ROOT_H_

#include <sys/stat.h>
#include <sys/types.h>

#include <string>
#include <vector>

namespace pynq_remote {

/// A file descriptor closed on destruction.
class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release();

 private:
  int fd_;
};

/// Opens `path` (components separated by '/', a leading '/' meaning the root) beneath the
/// directory `root_fd` with open(2) `flags` and `mode`, as described above. O_CLOEXEC is
/// always added. Returns the descriptor, or -errno: ENOENT, ENOTDIR, ELOOP (more than 40
/// symlinks, or a magic link), EACCES, and the errors of open(2) for the last component.
int OpenInRoot(int root_fd, const std::string& path, int flags, mode_t mode = 0);

/// Opens an O_PATH descriptor of a regular file again with `flags` (O_RDONLY, O_WRONLY),
/// through /proc/self/fd: the same inode, whatever has been renamed since, and no device
/// open(2) can run because the caller checked the type on the O_PATH descriptor first.
/// Returns the descriptor or -errno.
int ReopenPathFd(int path_fd, int flags);

/// The components of a '/'-separated path, without the empty ones ("//", a leading or
/// trailing '/'); "." and ".." are kept for the caller to judge.
std::vector<std::string> PathComponents(const std::string& path);

/// "a FIFO (named pipe)", "a character device", ... for the file type bits of `mode`.
const char* FileTypeName(mode_t mode);

/// Whether OpenInRoot uses the kernel's openat2 (false: the walker). Decided by the first
/// call that reaches the kernel.
bool OpenInRootUsesOpenat2();

/// Tests only: makes OpenInRoot use the walker even where openat2 exists, so both paths run.
void ForceOpenInRootWalkerForTesting(bool force);

}  // namespace pynq_remote

#endif  // PYNQ_REMOTE_SERVER_DEVICE_OPEN_IN_ROOT_H_
