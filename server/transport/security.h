// Transport security for pynq-remote-server: TLS, mutual TLS and bearer tokens.
//
// The flags name files (so secrets never show in `ps`); LoadServerSecurity reads and checks
// them all before the server listens, and yields the credentials to listen with.
//
// Bearer tokens are checked by a gRPC core auth-metadata processor, not by a server
// interceptor: a C++ server interceptor in gRPC 1.51 cannot stop an RPC from reaching its
// handler (grpc/grpc#24017), so an MMIO write would run before its rejection. The processor
// fails the call before any handler sees it. gRPC installs it only on secure credentials,
// so the insecure listener with tokens is built from core insecure credentials, which do go
// through the auth filter (CoreServerCredentials in security.cc).
#ifndef PYNQ_REMOTE_SERVER_TRANSPORT_SECURITY_H_
#define PYNQ_REMOTE_SERVER_TRANSPORT_SECURITY_H_

#include <grpcpp/security/server_credentials.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "device/device_error.h"

namespace pynq_remote::transport {

/// The security flags as given on the command line: file names, never contents.
struct SecurityFlags {
  std::string tls_cert;       // --tls-cert: PEM certificate chain, leaf first
  std::string tls_key;        // --tls-key: its PEM private key, unencrypted
  std::string tls_client_ca;  // --tls-client-ca: PEM CA that client certificates must chain to
  std::string token_file;     // --token-file: bearer tokens, one a line

  /// Whether `flag` ("--tls-cert", ...) is one of these; each takes one value.
  static bool Has(const std::string& flag);
  /// Stores `value` for `flag`; false when `flag` is not a security flag.
  bool Set(const std::string& flag, const std::string& value);
};

/// The environment variable that adds one bearer token (for launchers that cannot write a
/// file); the Python client reads the same name.
inline constexpr char kTokenEnv[] = "PYNQ_REMOTE_TOKEN";

/// What the server listens with.
struct ServerSecurity {
  std::shared_ptr<grpc::ServerCredentials> credentials;
  bool tls = false;
  bool client_certificates = false;   // mutual TLS
  size_t tokens = 0;                  // distinct bearer tokens accepted; 0: none required
  std::vector<std::string> warnings;  // e.g. an expired certificate: worth a log line

  /// "TLS, client certificates required, 2 bearer tokens" / "plaintext, no token".
  std::string Describe() const;
};

/// Reads and checks every file the flags name and `env_token` (the value of
/// PYNQ_REMOTE_TOKEN, or null). `warn` receives the rate-limited lines about refused tokens
/// while the server runs. Errors name the flag and the file and say what to fix: a missing
/// or unreadable file, PEM that does not parse, a key that does not match the certificate,
/// --tls-key or --tls-client-ca without --tls-cert, a token file without tokens, a token
/// with whitespace.
Result<ServerSecurity> LoadServerSecurity(const SecurityFlags& flags, const char* env_token,
                                          std::function<void(const std::string&)> warn);

/// The warning for serving plaintext on an address other hosts can reach, naming the risk
/// and the flags that remove it; nullopt for TLS, a loopback address or a unix socket.
std::optional<std::string> InsecureListenWarning(const std::string& listen,
                                                 const ServerSecurity& security);

// -- the pure parts, exposed for tests ----------------------------------------------------

/// HOST of "HOST:PORT", without the brackets of "[v6]:PORT".
std::string ListenHost(const std::string& listen);

/// 127.0.0.0/8, ::1, ::ffff:127.x.y.z and "localhost": only this machine can connect.
bool IsLoopbackHost(const std::string& host);

/// The tokens in a token file's text: one a line, blank lines and lines starting with '#'
/// skipped, spaces around a token ignored. `source` names the file in errors. Fails for a
/// token with whitespace inside or a character that cannot travel in an HTTP/2 header, and
/// for a text without any token.
Result<std::vector<std::string>> ParseTokens(const std::string& text, const std::string& source);

/// Why `token` cannot be a bearer token (whitespace, non-printable), or nullopt.
std::optional<std::string> TokenProblem(std::string_view token);

enum class PemKind { kCertificate, kPrivateKey };

/// Checks the PEM armour of `text` before OpenSSL sees it, so the error can say what the file
/// is instead (a key where a certificate belongs, DER, an encrypted key). `source` names the
/// flag and file: "--tls-cert server.pem".
Status CheckPemShape(const std::string& text, PemKind kind, const std::string& source);

/// Parses a certificate chain and its key and checks that they belong together.
Status CheckKeyPair(const std::string& cert_pem, const std::string& key_pem,
                    const std::string& cert_source, const std::string& key_source);

/// Checks that `pem` holds at least one certificate that parses.
Status CheckCertificates(const std::string& pem, const std::string& source);

/// The bearer tokens a server accepts, kept as SHA-256 digests and compared in constant time
/// (every digest is compared, whatever matched first).
class TokenVerifier {
 public:
  enum class Verdict { kAccepted, kMissing, kRejected };

  explicit TokenVerifier(const std::vector<std::string>& tokens);

  /// The verdict on one `authorization` metadata value. Anything but "Bearer <token>" (the
  /// scheme in any case) counts as missing.
  Verdict Check(std::string_view authorization) const;

  /// Whether `path` ("/package.Service/Method") is served without a token: gRPC health
  /// checking and server reflection, so orchestrators can probe the server.
  static bool IsExempt(std::string_view path);

  size_t size() const { return digests_.size(); }

 private:
  std::vector<std::array<uint8_t, 32>> digests_;
};

/// Counts refused calls and says when to log them: the first at once, then at most one line
/// per `interval`, carrying the counts since the last line, so an attack costs few lines.
class RejectionLog {
 public:
  using Clock = std::chrono::steady_clock;

  explicit RejectionLog(Clock::duration interval) : interval_(interval) {}

  /// Records one refused call (`missing`: no token at all, else a wrong one) described by
  /// `what` ("/pynq.Mmio/write from grpc-python/1.51.1"); returns the line to log, if due.
  std::optional<std::string> Record(bool missing, const std::string& what, Clock::time_point now);

 private:
  std::mutex mu_;
  const Clock::duration interval_;
  std::optional<Clock::time_point> last_line_;
  uint64_t missing_ = 0;
  uint64_t wrong_ = 0;
};

}  // namespace pynq_remote::transport

#endif  // PYNQ_REMOTE_SERVER_TRANSPORT_SECURITY_H_
