#include "service/root_fs.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

namespace pynq_remote::service {
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

std::vector<std::string> SplitComponents(const std::string& path) {
  std::vector<std::string> parts;
  size_t begin = 0;
  while (begin <= path.size()) {
    size_t end = path.find('/', begin);
    if (end == std::string::npos) end = path.size();
    std::string part = path.substr(begin, end - begin);
    if (!part.empty() && part != ".") parts.push_back(part);
    begin = end + 1;
  }
  return parts;
}

bool IsInside(const std::string& root, const std::string& path) {
  return path == root || (path.size() > root.size() && path.compare(0, root.size(), root) == 0 &&
                          path[root.size()] == '/');
}

std::string RealPath(const std::string& path) {
  std::unique_ptr<char, decltype(&std::free)> real(realpath(path.c_str(), nullptr), &std::free);
  return real ? std::string(real.get()) : std::string();
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
  for (const std::string& part : SplitComponents(path)) {
    if (part == "..")
      return PathError(path, "\"..\" is not allowed (the path must stay in the root)");
  }
  return {};
}

Result<RootFs> RootFs::Open(const std::string& dir) {
  std::string real = RealPath(dir);
  struct stat st;
  if (real.empty() || stat(real.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return MakeError(ErrorCode::kInvalidArgument, "root \"" + dir + "\" is not a directory");
  }
  return RootFs(real);
}

Result<std::string> RootFs::Resolve(const std::string& target_path) const {
  Status syntax = CheckPathSyntax(target_path);
  if (!syntax.ok()) return syntax.error();
  std::string host = dir_;
  std::vector<std::string> parts = SplitComponents(target_path);
  bool exists = true;  // every component so far exists; after a missing one, none can
  for (size_t i = 0; i < parts.size(); ++i) {
    host += "/" + parts[i];
    struct stat st;
    if (!exists || lstat(host.c_str(), &st) != 0) {
      exists = false;
      continue;
    }
    if (!S_ISLNK(st.st_mode)) continue;
    std::string real = RealPath(host);
    if (real.empty()) return PathError(target_path, "a symlink in it points nowhere");
    if (!IsInside(dir_, real)) return PathError(target_path, "a symlink in it leaves the root");
    host = real;
  }
  return host;
}

Result<bool> RootFs::Exists(const std::string& target_path) const {
  Result<std::string> host = Resolve(target_path);
  if (!host.ok()) return host.error();
  struct stat st;
  return lstat(host.value().c_str(), &st) == 0;
}

Result<UniqueFd> RootFs::OpenRead(const std::string& target_path) const {
  Result<std::string> host = Resolve(target_path);
  if (!host.ok()) return host.error();
  UniqueFd fd(open(host.value().c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (fd.get() < 0) {
    int err = errno;
    ErrorCode code = err == ENOENT ? ErrorCode::kUnknownId : ErrorCode::kInvalidArgument;
    return MakeError(code, "cannot read \"" + target_path + "\": " + ErrnoText(err));
  }
  struct stat st;
  if (fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return PathError(target_path, "not a regular file");
  }
  return fd;
}

Result<UniqueFd> RootFs::OpenWrite(const std::string& target_path) const {
  Result<std::string> host = Resolve(target_path);
  if (!host.ok()) return host.error();
  if (host.value() == dir_) return PathError(target_path, "is the root directory");
  UniqueFd fd(
      open(host.value().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (fd.get() < 0) {
    int err = errno;
    ErrorCode code = err == ENOENT ? ErrorCode::kUnknownId : ErrorCode::kInvalidArgument;
    return MakeError(code, "cannot write \"" + target_path + "\": " + ErrnoText(err));
  }
  return fd;
}

Result<std::string> RootFs::ReadAll(const std::string& target_path, size_t max_bytes) const {
  Result<UniqueFd> fd = OpenRead(target_path);
  if (!fd.ok()) return fd.error();
  std::string data;
  char chunk[65536];
  for (;;) {
    ssize_t n = read(fd.value().get(), chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return MakeError(ErrorCode::kInternal,
                       "reading \"" + target_path + "\": " + ErrnoText(errno));
    }
    if (n == 0) break;
    if (data.size() + static_cast<size_t>(n) > max_bytes) {
      return MakeError(ErrorCode::kNoMemory, "\"" + target_path + "\" is larger than " +
                                                 std::to_string(max_bytes) + " bytes");
    }
    data.append(chunk, static_cast<size_t>(n));
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

}  // namespace pynq_remote::service
