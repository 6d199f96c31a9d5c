// The target-root sandbox: every file RPC names a path on the "board", which lives under
// one host directory (--root). Paths are checked component by component; nothing may
// leave the root (no "..", no symlink out, no NUL, control bytes or invalid UTF-8).
#ifndef PYNQ_REMOTE_SERVER_SERVICE_ROOT_FS_H_
#define PYNQ_REMOTE_SERVER_SERVICE_ROOT_FS_H_

#include <cstddef>
#include <string>

#include "device/device_error.h"

namespace pynq_remote::service {

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
  int release();

 private:
  int fd_;
};

class RootFs {
 public:
  /// `dir` must exist; it is canonicalised (realpath). Errors: kInvalidArgument.
  static Result<RootFs> Open(const std::string& dir);

  /// The canonical host directory of the root.
  const std::string& dir() const { return dir_; }

  /// Maps a target path ("/proc/version", "lib/firmware/x.bin": both relative to the
  /// root) to a host path inside it. Intermediate and final symlinks are followed only
  /// while they stay inside the root. Errors: kInvalidArgument (malformed or escaping).
  Result<std::string> Resolve(const std::string& target_path) const;

  /// Whether the path names an existing file or directory. Errors as Resolve.
  Result<bool> Exists(const std::string& target_path) const;
  /// Opens a regular file for reading. Errors: as Resolve; kUnknownId when it does not exist.
  Result<UniqueFd> OpenRead(const std::string& target_path) const;
  /// Creates or truncates a regular file; its directory must exist.
  Result<UniqueFd> OpenWrite(const std::string& target_path) const;

  /// Whole-file helpers. ReadAll fails with kNoMemory above max_bytes.
  Result<std::string> ReadAll(const std::string& target_path, size_t max_bytes) const;
  Status WriteAll(const std::string& target_path, const std::string& data) const;

 private:
  explicit RootFs(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;
};

/// Checks a target path's spelling only: non-empty, at most 4096 bytes, valid UTF-8, no
/// NUL/control bytes or backslashes, no ".." component.
Status CheckPathSyntax(const std::string& target_path);

/// Writes all of `data` to fd, retrying short writes. Errors: kInternal with errno text.
Status WriteFully(int fd, const char* data, size_t len, const std::string& what);

}  // namespace pynq_remote::service

#endif  // PYNQ_REMOTE_SERVER_SERVICE_ROOT_FS_H_
