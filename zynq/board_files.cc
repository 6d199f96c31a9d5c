#include "zynq/board_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace pynq_remote::zynq {

BoardFiles::BoardFiles(std::string root) : root_(std::move(root)) {
  while (!root_.empty() && root_.back() == '/') root_.pop_back();
}

std::string BoardFiles::Path(const std::string& board_path) const {
  if (board_path.empty() || board_path[0] != '/') return root_ + "/" + board_path;
  return root_ + board_path;
}

bool BoardFiles::Exists(const std::string& board_path) const {
  struct stat st;
  return stat(Path(board_path).c_str(), &st) == 0;
}

bool BoardFiles::IsDirectory(const std::string& board_path) const {
  struct stat st;
  return stat(Path(board_path).c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::vector<std::string> BoardFiles::List(const std::string& board_path) const {
  std::vector<std::string> names;
  DIR* dir = opendir(Path(board_path).c_str());
  if (dir == nullptr) return names;
  while (struct dirent* entry = readdir(dir)) {
    std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

Result<std::string> BoardFiles::Read(const std::string& board_path, size_t max_bytes) const {
  const std::string path = Path(board_path);
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    return MakeError(err == ENOENT ? ErrorCode::kUnknownId : ErrorCode::kInternal,
                     "cannot read " + path + ": " + ErrnoText(err));
  }
  std::string data;
  char chunk[4096];
  for (;;) {
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      close(fd);
      return MakeError(ErrorCode::kInternal, "cannot read " + path + ": " + ErrnoText(err));
    }
    if (n == 0) break;
    data.append(chunk, static_cast<size_t>(n));
    if (data.size() > max_bytes) {
      close(fd);
      return MakeError(ErrorCode::kNoMemory,
                       path + " is larger than " + std::to_string(max_bytes) + " bytes");
    }
  }
  close(fd);
  return data;
}

Result<std::string> BoardFiles::ReadTrimmed(const std::string& board_path) const {
  Result<std::string> text = Read(board_path);
  if (!text.ok()) return text;
  std::string s = std::move(text).value();
  const char* space = " \t\r\n";
  while (!s.empty() && (s.back() == '\0' || std::strchr(space, s.back()) != nullptr)) s.pop_back();
  size_t begin = s.find_first_not_of(space);
  return begin == std::string::npos ? std::string() : s.substr(begin);
}

Result<uint64_t> BoardFiles::ReadNumber(const std::string& board_path) const {
  Result<std::string> text = ReadTrimmed(board_path);
  if (!text.ok()) return text.error();
  const std::string& s = text.value();
  char* end = nullptr;
  errno = 0;
  unsigned long long value = std::strtoull(s.c_str(), &end, 0);
  if (s.empty() || s[0] == '-' || errno != 0 || *end != '\0') {
    return MakeError(ErrorCode::kInvalidArgument,
                     Path(board_path) + " holds \"" + s + "\", not a number");
  }
  return static_cast<uint64_t>(value);
}

Status BoardFiles::WriteAttribute(const std::string& board_path, const std::string& text) const {
  const std::string path = Path(board_path);
  // O_TRUNC as `echo x > attr` does: sysfs ignores it, and a fake tree's plain file then
  // holds just the new value, as the attribute would.
  int fd = open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    return MakeError(err == ENOENT ? ErrorCode::kUnknownId : ErrorCode::kInternal,
                     "cannot open " + path + " for writing: " + ErrnoText(err));
  }
  ssize_t n;
  do {
    n = write(fd, text.data(), text.size());
  } while (n < 0 && errno == EINTR);
  int err = errno;
  close(fd);
  if (n < 0) {
    return MakeError(ErrorCode::kInternal,
                     "writing \"" + text + "\" to " + path + " failed: " + ErrnoText(err));
  }
  if (static_cast<size_t>(n) != text.size()) {
    return MakeError(ErrorCode::kInternal, "writing \"" + text + "\" to " + path + " took only " +
                                               std::to_string(n) + " bytes");
  }
  return {};
}

std::string ErrnoText(int err) {
  char buf[256];
  // GNU strerror_r returns the message (which may not be buf).
  return strerror_r(err, buf, sizeof buf);
}

}  // namespace pynq_remote::zynq
