// The addresses the server listens on: TCP (HOST:PORT) and unix domain sockets
// (unix:/abs/path), which spare a client on the same machine the TCP stack.
//
// gRPC binds unix sockets itself, but before binding it unlinks whatever socket sits at the
// path, live or not: two servers started on one path would both start, and the first would
// lose its clients without a word. UnixSocketFile checks the path first (a live server there
// is refused, naming it; a stale socket is removed and said so), sets the socket's mode once
// bound, and removes it at a clean stop.
#ifndef PYNQ_REMOTE_SERVER_TRANSPORT_LISTEN_ADDRESS_H_
#define PYNQ_REMOTE_SERVER_TRANSPORT_LISTEN_ADDRESS_H_

#include <sys/types.h>

#include <optional>
#include <string>

#include "device/device_error.h"

namespace pynq_remote::transport {

/// The mode a unix socket gets without --listen-mode: owner and group may connect.
inline constexpr mode_t kDefaultUnixSocketMode = 0660;

/// One --listen value, parsed.
struct ListenAddress {
  std::string text;       // as given: "127.0.0.1:0", "unix:///run/pynq-remote.sock"
  std::string unix_path;  // the socket's absolute path; empty for TCP

  bool is_unix() const { return !unix_path.empty(); }
  /// What gRPC binds: `text` for TCP, "unix:PATH" for a unix socket.
  std::string grpc_target() const { return is_unix() ? "unix:" + unix_path : text; }
  /// What the "listening on" line shows: "unix:/run/pynq-remote.sock", or HOST:PORT with the
  /// port gRPC chose (for --listen HOST:0).
  std::string Describe(int bound_port) const;
};

/// Parses HOST:PORT ([v6]:PORT; port 0..65535), unix:/abs/path or unix:///abs/path. Errors
/// name the flag and say what to write instead: a missing port, a relative socket path (the
/// server and its clients would have to share a working directory), a path longer than
/// sockaddr_un's sun_path holds (107 bytes and its NUL).
Result<ListenAddress> ParseListenAddress(const std::string& text);

/// "0660" -> 0660: an octal mode of at most 0777, or nullopt.
std::optional<mode_t> ParseSocketMode(const std::string& text);

/// A unix socket file the server listens on: checked before gRPC binds it, its mode set and
/// its identity (device, inode) noted after, and removed at a clean stop unless something else
/// has replaced it meanwhile.
class UnixSocketFile {
 public:
  /// Gets `path` ready for bind(2). Fails, saying why and what to do, when its directory does
  /// not exist, is not a directory or cannot be written; when something other than a socket
  /// is there (never deleted: it may be a user's file); when a server accepts connections on
  /// the socket there (named by its pid and command when the kernel tells them); when the
  /// socket cannot be probed or removed. A stale socket (nothing accepts on it: its server
  /// died without cleaning up) is removed; `removed_stale()` then holds a line to log.
  static Result<UnixSocketFile> Prepare(const std::string& path);

  /// Once gRPC has bound the socket: sets its mode (chmod(2)) and notes its identity.
  Status Bound(mode_t mode);

  /// Unlinks the socket if it is still the one Bound() saw. Safe to call more than once.
  void Remove();

  const std::string& path() const { return path_; }
  const std::string& removed_stale() const { return removed_stale_; }

 private:
  explicit UnixSocketFile(std::string path) : path_(std::move(path)) {}

  std::string path_;
  std::string removed_stale_;
  bool bound_ = false;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
};

}  // namespace pynq_remote::transport

#endif  // PYNQ_REMOTE_SERVER_TRANSPORT_LISTEN_ADDRESS_H_
