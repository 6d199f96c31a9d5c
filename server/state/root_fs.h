// The target-root sandbox: every file RPC names a path on the "board", which lives under
// one host directory (--root). Nothing may leave the root: no "..", no NUL, control bytes or
// invalid UTF-8 in a path, and no symlink, however it is swapped in, resolves outside it.
#ifndef PYNQ_REMOTE_SERVER_STATE_ROOT_FS_H_
#define PYNQ_REMOTE_SERVER_STATE_ROOT_FS_H_

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "device/device_error.h"
#include "device/open_in_root.h"

namespace pynq_remote {

/// The identity of a file (device and inode): "is this fpga0/state?" compared on what was
/// opened, so a rename between the check and the use cannot fool it.
struct FileId {
  dev_t dev = 0;
  ino_t ino = 0;
  bool operator==(const FileId& other) const { return dev == other.dev && ino == other.ino; }
};

/// The FileId of an open descriptor. Errors: kInternal with errno text.
Result<FileId> FileIdOf(int fd);

/// The target root. Every path resolves beneath one directory descriptor held for the life of
/// the object, in one kernel call (device/open_in_root.h): a symlink or directory swapped in
/// while a call runs cannot lead outside, and symlinks resolve as on the board, with the root
/// as "/". Only regular files are read or written, and directories created; FIFOs, sockets and
/// devices are refused by name before anything opens them, so no call blocks on one.
class RootFs {
 public:
  /// `dir` must exist; it is canonicalised (realpath). Errors: kInvalidArgument.
  static Result<RootFs> Open(const std::string& dir);

  /// The canonical host directory of the root (for messages and logs; never reopened).
  const std::string& dir() const { return dir_; }

  /// Whether the path names something (a file or directory). Errors: as CheckPathSyntax;
  /// kInvalidArgument for a symlink loop or a magic link.
  Result<bool> Exists(const std::string& target_path) const;
  /// The identity of what the path names. Errors: kUnknownId when it does not exist.
  Result<FileId> Identify(const std::string& target_path) const;
  /// Opens a regular file for reading (non-blocking). Errors: kUnknownId when it does not
  /// exist; kInvalidArgument naming the type of anything else (a FIFO, a device, ...).
  Result<UniqueFd> OpenRead(const std::string& target_path) const;
  /// Opens a regular file for writing, creating it (0644) if its directory exists. With
  /// `truncate` false the contents stay until the caller has checked what it opened (FileIdOf)
  /// and truncates it itself. Errors: as OpenRead; kInvalidArgument for the root itself.
  Result<UniqueFd> OpenWrite(const std::string& target_path, bool truncate = true) const;
  /// Creates the directory and any missing parents (0755). Errors: as Exists; kInternal.
  Status MakeDirectories(const std::string& target_path) const;

  /// One entry of a directory listing (List): a symlink is shown as one, not followed.
  struct Entry {
    enum class Kind { kFile, kDirectory, kSymlink, kOther };
    std::string name;
    Kind kind = Kind::kOther;
    uint64_t size = 0;  // a regular file's bytes; 0 for the rest
  };
  /// The entries of a directory (without "." and ".."), sorted by name, at most
  /// `max_entries` of them (*truncated says whether there were more). Errors: as Exists;
  /// kUnknownId when it does not exist; kInvalidArgument naming the type of anything that is
  /// not a directory.
  Result<std::vector<Entry>> List(const std::string& target_path, size_t max_entries,
                                  bool* truncated) const;

  /// Whole-file helpers. ReadAll fails with kNoMemory above max_bytes.
  Result<std::string> ReadAll(const std::string& target_path, size_t max_bytes) const;
  Status WriteAll(const std::string& target_path, const std::string& data) const;

 private:
  RootFs(std::string dir, UniqueFd fd) : dir_(std::move(dir)), fd_(std::move(fd)) {}
  /// An O_PATH descriptor of what the path names, or the error for `verb` ("read", ...).
  Result<UniqueFd> OpenPath(const std::string& target_path, const char* verb) const;

  std::string dir_;
  UniqueFd fd_;  // O_PATH | O_DIRECTORY: every lookup starts here, never at dir_
};

/// Checks a target path's spelling only: non-empty, at most 4096 bytes, valid UTF-8, no
/// NUL/control bytes or backslashes, no ".." component.
Status CheckPathSyntax(const std::string& target_path);

/// Reads up to `len` bytes from a descriptor RootFs opened, retrying EINTR. Returns the count
/// (0 at the end). Errors: kInvalidArgument when the file would block (it is not an ordinary
/// file, e.g. /proc/kmsg), kInternal with errno text otherwise.
Result<size_t> ReadSome(int fd, char* data, size_t len, const std::string& what);

/// Writes all of `data` to fd, retrying short writes. Errors: kInternal with errno text.
Status WriteFully(int fd, const char* data, size_t len, const std::string& what);

}  // namespace pynq_remote

#endif  // PYNQ_REMOTE_SERVER_STATE_ROOT_FS_H_
