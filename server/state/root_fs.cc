#include "state/root_fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

namespace pynq_remote {
namespace {

constexpr size_t kMaxPathBytes = 4096;

DeviceError PathError(const std::string& path, const std::string& why) {
  return MakeError(ErrorCode::kInvalidArgument, "path \"" + path + "\": " + why);
}

std::string ErrnoText(int err) { return std::strerror(err); }

// Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool IsValidUtf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t extra;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= s.size()) return false;
    for (size_t k = 1; k <= extra; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static const uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += extra + 1;
  }
  return true;
}

std::string RealPath(const std::string& path) {
  std::unique_ptr<char, decltype(&std::free)> real(realpath(path.c_str(), nullptr), &std::free);
  return real ? std::string(real.get()) : std::string();
}

}  // namespace

Status CheckPathSyntax(const std::string& path) {
  if (path.empty()) return PathError(path, "empty path");
  if (path.size() > kMaxPathBytes) return PathError(path.substr(0, 64), "longer than 4096 bytes");
  for (char ch : path) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c == 0) return PathError("", "contains a NUL byte");
    if (c < 0x20 || c == 0x7F) return PathError("", "contains a control character");
    if (c == '\\') return PathError(path, "contains a backslash");
  }
  if (!IsValidUtf8(path)) return PathError("", "not valid UTF-8");
  for (const std::string& part : PathComponents(path)) {
    if (part == "..")
      return PathError(path, "\"..\" is not allowed (the path must stay in the root)");
  }
  return {};
}

namespace {

// The error of opening `path` for `verb`, from -errno. A missing file is kUnknownId (the 3.1
// client tells "no such file" apart); everything else is the request's fault.
DeviceError OpenError(const std::string& path, const char* verb, int err) {
  ErrorCode code =
      err == ENOENT || err == ENOTDIR ? ErrorCode::kUnknownId : ErrorCode::kInvalidArgument;
  std::string why = ErrnoText(err);
  if (err == ELOOP) why = "too many symbolic links, or a /proc magic link";
  return MakeError(code, std::string("cannot ") + verb + " \"" + path + "\": " + why);
}

// The file was found and checked; opening it again through /proc/self/fd failed. ENOENT
// there means no /proc, not a missing file.
DeviceError ReopenError(const std::string& path, const char* verb, int err) {
  if (err != ENOENT) return OpenError(path, verb, err);
  return MakeError(ErrorCode::kInternal, std::string("cannot ") + verb + " \"" + path +
                                             "\": /proc/self/fd is missing (is /proc mounted?)");
}

DeviceError NotRegular(const std::string& path, const char* verb, mode_t mode) {
  return MakeError(ErrorCode::kInvalidArgument, std::string("cannot ") + verb + " \"" + path +
                                                    "\": it is " + FileTypeName(mode) +
                                                    "; only regular files can be read and written");
}

}  // namespace

Result<RootFs> RootFs::Open(const std::string& dir) {
  std::string real = RealPath(dir);
  UniqueFd fd(real.empty() ? -1 : open(real.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) {
    return MakeError(ErrorCode::kInvalidArgument, "root \"" + dir + "\" is not a directory");
  }
  return RootFs(real, std::move(fd));
}

Result<UniqueFd> RootFs::OpenPath(const std::string& target_path, const char* verb) const {
  Status syntax = CheckPathSyntax(target_path);
  if (!syntax.ok()) return syntax.error();
  int fd = OpenInRoot(fd_.get(), target_path, O_PATH);
  if (fd < 0) return OpenError(target_path, verb, -fd);
  return UniqueFd(fd);
}

Result<bool> RootFs::Exists(const std::string& target_path) const {
  Result<UniqueFd> fd = OpenPath(target_path, "look up");
  if (fd.ok()) return true;
  if (fd.error().code == ErrorCode::kUnknownId) return false;
  return fd.error();
}

Result<FileId> RootFs::Identify(const std::string& target_path) const {
  Result<UniqueFd> fd = OpenPath(target_path, "look up");
  if (!fd.ok()) return fd.error();
  return FileIdOf(fd.value().get());
}

Result<UniqueFd> RootFs::OpenRead(const std::string& target_path) const {
  Result<UniqueFd> path = OpenPath(target_path, "read");
  if (!path.ok()) return path.error();
  struct stat st;
  if (fstat(path.value().get(), &st) != 0) return OpenError(target_path, "read", errno);
  if (!S_ISREG(st.st_mode)) return NotRegular(target_path, "read", st.st_mode);
  // Non-blocking stays on: a regular file that blocks (/proc/kmsg) fails in ReadSome instead
  // of pinning the handler.
  int fd = ReopenPathFd(path.value().get(), O_RDONLY | O_NONBLOCK);
  if (fd < 0) return ReopenError(target_path, "read", -fd);
  return UniqueFd(fd);
}

Result<std::vector<RootFs::Entry>> RootFs::List(const std::string& target_path, size_t max_entries,
                                                bool* truncated) const {
  *truncated = false;
  Result<UniqueFd> path = OpenPath(target_path, "list");
  if (!path.ok()) return path.error();
  struct stat st;
  if (fstat(path.value().get(), &st) != 0) return OpenError(target_path, "list", errno);
  if (!S_ISDIR(st.st_mode)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "cannot list \"" + target_path + "\": it is not a directory");
  }
  int fd = ReopenPathFd(path.value().get(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return ReopenError(target_path, "list", -fd);
  DIR* dir = fdopendir(fd);  // owns fd from here
  if (dir == nullptr) {
    const int error = errno;
    close(fd);
    return OpenError(target_path, "list", error);
  }
  std::vector<Entry> entries;
  while (struct dirent* found = readdir(dir)) {
    const std::string name = found->d_name;
    if (name == "." || name == "..") continue;
    if (entries.size() == max_entries) {
      *truncated = true;
      break;
    }
    Entry entry;
    entry.name = name;
    struct stat info;
    // Relative to the directory's own descriptor, never followed: what is there, not where
    // a link points (which may be outside the root).
    if (fstatat(dirfd(dir), found->d_name, &info, AT_SYMLINK_NOFOLLOW) == 0) {
      if (S_ISREG(info.st_mode)) {
        entry.kind = Entry::Kind::kFile;
        entry.size = static_cast<uint64_t>(info.st_size);
      } else if (S_ISDIR(info.st_mode)) {
        entry.kind = Entry::Kind::kDirectory;
      } else if (S_ISLNK(info.st_mode)) {
        entry.kind = Entry::Kind::kSymlink;
      }
    }
    entries.push_back(std::move(entry));
  }
  closedir(dir);
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.name < b.name; });
  return entries;
}

Result<UniqueFd> RootFs::OpenWrite(const std::string& target_path, bool truncate) const {
  Status syntax = CheckPathSyntax(target_path);
  if (!syntax.ok()) return syntax.error();
  // An existing file is looked at before it is opened for writing (no device's open runs, no
  // FIFO blocks); a missing one is created exclusively, so what is opened is what was made.
  // A rename racing the two steps sends the loop round again.
  for (int attempt = 0; attempt < 8; ++attempt) {
    int found = OpenInRoot(fd_.get(), target_path, O_PATH);
    if (found >= 0) {
      UniqueFd path(found);
      struct stat st;
      if (fstat(path.get(), &st) != 0) return OpenError(target_path, "write", errno);
      if (S_ISDIR(st.st_mode)) {
        Result<FileId> root = FileIdOf(fd_.get());
        const bool is_root = root.ok() && root.value() == FileId{st.st_dev, st.st_ino};
        return MakeError(ErrorCode::kInvalidArgument,
                         "cannot write \"" + target_path + "\": it is " +
                             (is_root ? "the root directory" : "a directory"));
      }
      if (!S_ISREG(st.st_mode)) return NotRegular(target_path, "write", st.st_mode);
      int fd = ReopenPathFd(path.get(), O_WRONLY | O_NONBLOCK | (truncate ? O_TRUNC : 0));
      if (fd < 0) return ReopenError(target_path, "write", -fd);
      return UniqueFd(fd);
    }
    if (found != -ENOENT) return OpenError(target_path, "write", -found);
    int fd = OpenInRoot(fd_.get(), target_path, O_WRONLY | O_CREAT | O_EXCL | O_NONBLOCK, 0644);
    if (fd >= 0) return UniqueFd(fd);
    if (fd != -EEXIST) return OpenError(target_path, "write", -fd);
  }
  return MakeError(ErrorCode::kInvalidArgument,
                   "cannot write \"" + target_path +
                       "\": it keeps changing under the server, or is a symlink to nothing");
}

Status RootFs::MakeDirectories(const std::string& target_path) const {
  Status syntax = CheckPathSyntax(target_path);
  if (!syntax.ok()) return syntax;
  std::string parent;
  for (const std::string& part : PathComponents(target_path)) {
    int found = OpenInRoot(fd_.get(), parent.empty() ? "/" : parent, O_PATH | O_DIRECTORY);
    if (found < 0) return OpenError(parent, "create a directory in", -found);
    UniqueFd dir(found);
    if (mkdirat(dir.get(), part.c_str(), 0755) != 0 && errno != EEXIST) {
      return MakeError(ErrorCode::kInternal, "cannot create directory \"" + parent + "/" + part +
                                                 "\": " + ErrnoText(errno));
    }
    parent += "/" + part;
  }
  return {};
}

Result<FileId> FileIdOf(int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0) {
    return MakeError(ErrorCode::kInternal, std::string("fstat: ") + ErrnoText(errno));
  }
  return FileId{st.st_dev, st.st_ino};
}

Result<size_t> ReadSome(int fd, char* data, size_t len, const std::string& what) {
  for (;;) {
    ssize_t n = read(fd, data, len);
    if (n >= 0) return static_cast<size_t>(n);
    if (errno == EINTR) continue;
    if (errno == EAGAIN) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "reading " + what + " would block: it is not an ordinary file");
    }
    return MakeError(ErrorCode::kInternal, "reading " + what + ": " + ErrnoText(errno));
  }
}

Result<std::string> RootFs::ReadAll(const std::string& target_path, size_t max_bytes) const {
  Result<UniqueFd> fd = OpenRead(target_path);
  if (!fd.ok()) return fd.error();
  std::string data;
  char chunk[65536];
  for (;;) {
    Result<size_t> n = ReadSome(fd.value().get(), chunk, sizeof chunk, "\"" + target_path + "\"");
    if (!n.ok()) return n.error();
    if (n.value() == 0) break;
    if (data.size() + n.value() > max_bytes) {
      return MakeError(ErrorCode::kNoMemory, "\"" + target_path + "\" is larger than " +
                                                 std::to_string(max_bytes) + " bytes");
    }
    data.append(chunk, n.value());
  }
  return data;
}

Status WriteFully(int fd, const char* data, size_t len, const std::string& what) {
  while (len > 0) {
    ssize_t n = write(fd, data, len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return MakeError(ErrorCode::kInternal, "writing " + what + ": " + ErrnoText(errno));
    data += n;
    len -= static_cast<size_t>(n);
  }
  return {};
}

Status RootFs::WriteAll(const std::string& target_path, const std::string& data) const {
  Result<UniqueFd> fd = OpenWrite(target_path);
  if (!fd.ok()) return fd.error();
  return WriteFully(fd.value().get(), data.data(), data.size(), "\"" + target_path + "\"");
}

}  // namespace pynq_remote
