#include "transport/listen_address.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <utility>

namespace pynq_remote::transport {
namespace {

constexpr char kUnixScheme[] = "unix:";
// bind(2) needs the path and its NUL inside sockaddr_un::sun_path (108 bytes on Linux).
constexpr size_t kMaxUnixPath = sizeof(sockaddr_un{}.sun_path) - 1;
constexpr char kForms[] =
    "want HOST:PORT (e.g. 127.0.0.1:7967) or unix:/absolute/path (e.g. "
    "unix:/run/pynq-remote/pynq-remote.sock)";

DeviceError Invalid(std::string message) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(message));
}

std::string Errno(int error) { return std::strerror(error); }

// "a regular file", for the message that refuses to delete it.
const char* FileKind(mode_t mode) {
  if (S_ISREG(mode)) return "a regular file";
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISLNK(mode)) return "a symbolic link";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  return "not a socket";
}

// " (pid 1234, pynq-remote-serv)": who holds the listening end of `fd`'s peer, when the
// kernel says (SO_PEERCRED: the process that created the listening socket).
std::string PeerName(int fd) {
  ucred cred{};
  socklen_t size = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &size) != 0 || cred.pid <= 0) return "";
  std::string text = " (pid " + std::to_string(cred.pid);
  std::ifstream comm("/proc/" + std::to_string(cred.pid) + "/comm");
  std::string name;
  if (std::getline(comm, name) && !name.empty()) text += ", " + name;
  return text + ")";
}

// Whether a server accepts connections on the socket at `path`: true (and who) when a
// connect succeeds or the backlog is full, false when the kernel refuses it (nothing
// listens: stale), an error otherwise.
Result<std::optional<std::string>> LiveListener(const std::string& path) {
  if (path.size() > kMaxUnixPath) return Invalid("unix socket path too long: " + path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return Invalid("cannot make a unix socket to probe " + path + ": " + Errno(errno));
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  const int rc = connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address);
  const int error = errno;
  std::optional<std::string> who;
  if (rc == 0) who = PeerName(fd);
  close(fd);
  if (rc == 0) return who;
  if (error == EAGAIN) return std::optional<std::string>("");  // listening, backlog full
  if (error == ECONNREFUSED) return std::optional<std::string>();
  return Invalid("--listen unix:" + path + ": a socket is there, and probing whether a server " +
                 "uses it failed: " + Errno(error) + ". If no server does, remove it");
}

}  // namespace

std::string ListenAddress::Describe(int bound_port) const {
  if (is_unix()) return kUnixScheme + unix_path;
  return text.substr(0, text.rfind(':')) + ":" + std::to_string(bound_port);
}

Result<ListenAddress> ParseListenAddress(const std::string& text) {
  ListenAddress address;
  address.text = text;
  if (text.rfind(kUnixScheme, 0) == 0) {
    std::string path = text.substr(sizeof kUnixScheme - 1);
    // unix:///abs is the URI spelling of unix:/abs; unix://NAME would put NAME where a URI
    // has its authority, which gRPC does not accept for unix sockets.
    if (path.rfind("//", 0) == 0) {
      path = path.substr(2);
      if (path.empty() || path[0] != '/') {
        return Invalid("--listen " + text + ": unix://" + path +
                       " has no absolute path: write unix:/absolute/path or "
                       "unix:///absolute/path");
      }
    }
    if (path.empty()) return Invalid("--listen " + text + ": no path after unix:; " + kForms);
    if (path[0] != '/') {
      return Invalid("--listen " + text + ": " + path +
                     " is a relative path, which clients would have to resolve from the "
                     "server's working directory: give an absolute one, e.g. unix:/run/"
                     "pynq-remote/pynq-remote.sock");
    }
    if (path.size() > kMaxUnixPath) {
      return Invalid("--listen " + text + ": the path is " + std::to_string(path.size()) +
                     " bytes, and a unix socket's path holds at most " +
                     std::to_string(kMaxUnixPath) +
                     " (sockaddr_un's sun_path): choose a shorter one, e.g. under /run or /tmp");
    }
    if (path.back() == '/') {
      return Invalid("--listen " + text + ": " + path + " names a directory: add the socket's " +
                     "file name, e.g. " + path + "pynq-remote.sock");
    }
    address.unix_path = path;
    return address;
  }
  size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    return Invalid("--listen " + text + ": " + kForms);
  }
  std::string port = text.substr(colon + 1);
  if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(port) > 65535) {
    return Invalid("--listen " + text + ": the port must be a number 0..65535; " + kForms);
  }
  return address;
}

std::optional<mode_t> ParseSocketMode(const std::string& text) {
  if (text.empty() || text.size() > 4 || text.find_first_not_of("01234567") != std::string::npos) {
    return std::nullopt;
  }
  unsigned long mode = std::strtoul(text.c_str(), nullptr, 8);
  if (mode > 0777) return std::nullopt;
  return static_cast<mode_t>(mode);
}

Result<UnixSocketFile> UnixSocketFile::Prepare(const std::string& path) {
  const std::string flag = "--listen unix:" + path;
  size_t slash = path.rfind('/');
  const std::string directory = slash == 0 ? "/" : path.substr(0, slash);
  struct stat st {};
  if (stat(directory.c_str(), &st) != 0) {
    const int error = errno;
    if (error == ENOENT) {
      return Invalid(flag + ": the directory " + directory + " does not exist: create it " +
                     "first (mkdir -p " + directory + "; under systemd, RuntimeDirectory=)");
    }
    return Invalid(flag + ": cannot reach the directory " + directory + ": " + Errno(error));
  }
  if (!S_ISDIR(st.st_mode)) {
    return Invalid(flag + ": " + directory + " is not a directory");
  }
  if (access(directory.c_str(), W_OK | X_OK) != 0) {
    return Invalid(flag + ": cannot create a socket in " + directory + ": " + Errno(errno) +
                   " (the server runs as uid " + std::to_string(geteuid()) + ")");
  }
  UnixSocketFile file(path);
  if (lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return file;
    return Invalid(flag + ": " + Errno(errno));
  }
  if (!S_ISSOCK(st.st_mode)) {
    return Invalid(flag + ": " + path + " exists and is " + FileKind(st.st_mode) +
                   ", not a socket; the server will not delete it: choose another path, or " +
                   "remove it yourself");
  }
  Result<std::optional<std::string>> live = LiveListener(path);
  if (!live.ok()) return live.error();
  if (live.value()) {
    return Invalid(flag + ": another server is serving there" + *live.value() +
                   ": stop it first, or choose another path");
  }
  if (unlink(path.c_str()) != 0 && errno != ENOENT) {
    return Invalid(
        flag + ": cannot remove the stale socket there (no server accepts on it): " + Errno(errno));
  }
  file.removed_stale_ = "removed the stale socket " + path +
                        ": no server accepted connections on it (one that stopped without "
                        "cleaning up left it)";
  return file;
}

Status UnixSocketFile::Bound(mode_t mode) {
  if (chmod(path_.c_str(), mode) != 0) {
    return Invalid("cannot set the mode of the socket " + path_ + ": " + Errno(errno));
  }
  struct stat st {};
  if (lstat(path_.c_str(), &st) != 0) {
    return Invalid("the socket " + path_ + " vanished after it was bound: " + Errno(errno));
  }
  bound_ = true;
  dev_ = st.st_dev;
  ino_ = st.st_ino;
  return {};
}

void UnixSocketFile::Remove() {
  if (!bound_) return;
  bound_ = false;
  struct stat st {};
  // Another server may have taken the path over meanwhile (after removing this socket as
  // stale, say): its socket is not ours to delete.
  if (lstat(path_.c_str(), &st) == 0 && S_ISSOCK(st.st_mode) && st.st_dev == dev_ &&
      st.st_ino == ino_) {
    unlink(path_.c_str());
  }
}

}  // namespace pynq_remote::transport
