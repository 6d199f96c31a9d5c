#include "transport/security.h"

#include <arpa/inet.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>
#include <grpcpp/security/server_credentials.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

namespace pynq_remote::transport {
namespace {

// The status messages a client sees; the Python client shows them as they are.
constexpr char kMissingTokenMessage[] =
    "this server requires a bearer token: pass token= to RemoteDevice or set PYNQ_REMOTE_TOKEN";
constexpr char kRejectedTokenMessage[] = "bearer token rejected";

// One line per this interval at most, however fast refused calls arrive.
constexpr std::chrono::seconds kRejectionLogInterval(10);

DeviceError Invalid(std::string message) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(message));
}

std::string Trim(std::string_view text) {
  size_t begin = text.find_first_not_of(" \t\r");
  if (begin == std::string_view::npos) return "";
  size_t end = text.find_last_not_of(" \t\r");
  return std::string(text.substr(begin, end - begin + 1));
}

bool Contains(const std::string& text, const char* needle) {
  return text.find(needle) != std::string::npos;
}

// The file's bytes; errors name the flag, the file and the reason.
Result<std::string> ReadFile(const std::string& path, const std::string& flag) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    return Invalid(flag + " " + path + ": " + std::strerror(errno));
  }
  if (S_ISDIR(st.st_mode)) return Invalid(flag + " " + path + ": is a directory, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Invalid(flag + " " + path + ": cannot open: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Invalid(flag + " " + path + ": read error");
  return text.str();
}

// Secrets readable by other users are worth a warning, not a refusal: mounted secrets and
// CI checkouts often have loose modes the operator cannot change.
void WarnIfShared(const std::string& path, const std::string& flag,
                  std::vector<std::string>* warnings) {
  struct stat st {};
  if (stat(path.c_str(), &st) == 0 && (st.st_mode & (S_IRGRP | S_IROTH)) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    warnings->push_back(flag + " " + path + " is readable by other users (mode " + mode +
                        "): chmod 600 it");
  }
}

// The OpenSSL error queue as one line, then emptied (it would leak into gRPC's own checks).
std::string TakeOpenSslError() {
  unsigned long code = ERR_get_error();
  std::string text = "unknown OpenSSL error";
  if (code != 0) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    text = buffer;
  }
  ERR_clear_error();
  return text;
}

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using Bio = std::unique_ptr<BIO, BioFree>;
using Cert = std::unique_ptr<X509, X509Free>;
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

Bio MemoryBio(const std::string& text) {
  return Bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

// Every certificate in `pem`, leaf first; empty when none parses (the error is queued).
std::vector<Cert> ParseCertificates(const std::string& pem) {
  std::vector<Cert> certs;
  Bio bio = MemoryBio(pem);
  while (bio) {
    Cert cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert) break;
    certs.push_back(std::move(cert));
  }
  if (!certs.empty()) ERR_clear_error();  // the end-of-input "no start line"
  return certs;
}

std::string Subject(X509* cert) {
  char buffer[256];
  X509_NAME_oneline(X509_get_subject_name(cert), buffer, sizeof buffer);
  return buffer;
}

// A caller-chosen string made safe for one log line: printable ASCII, and not too long.
std::string Printable(std::string_view text) {
  constexpr size_t kMax = 160;
  std::string out;
  for (char c : text.substr(0, kMax)) {
    auto byte = static_cast<unsigned char>(c);
    out += byte >= 0x20 && byte < 0x7f ? c : '?';
  }
  if (text.size() > kMax) out += "...";
  return out;
}

std::string_view View(const grpc_slice& slice) {
  return std::string_view(reinterpret_cast<const char*>(GRPC_SLICE_START_PTR(slice)),
                          GRPC_SLICE_LENGTH(slice));
}

// The state of the auth-metadata processor: owned by the core credentials, destroyed by them.
struct AuthState {
  AuthState(const std::vector<std::string>& tokens, std::function<void(const std::string&)> warn)
      : verifier(tokens), log(kRejectionLogInterval), warn(std::move(warn)) {}
  TokenVerifier verifier;
  RejectionLog log;
  std::function<void(const std::string&)> warn;
};

// Runs in gRPC's core for every incoming call, before the call reaches a handler. Answers
// synchronously: the check is a few hashes.
void ProcessAuthMetadata(void* state, grpc_auth_context* context, const grpc_metadata* md,
                         size_t count, grpc_process_auth_metadata_done_cb done, void* user_data) {
  auto* auth = static_cast<AuthState*>(state);
  std::string_view path;
  std::string_view agent;
  bool accepted = false;
  bool wrong = false;
  for (size_t i = 0; i < count && !accepted; ++i) {
    std::string_view key = View(md[i].key);
    if (key == ":path") {
      path = View(md[i].value);
    } else if (key == "user-agent") {
      agent = View(md[i].value);
    } else if (key == "authorization") {
      TokenVerifier::Verdict verdict = auth->verifier.Check(View(md[i].value));
      accepted = verdict == TokenVerifier::Verdict::kAccepted;
      wrong = wrong || verdict == TokenVerifier::Verdict::kRejected;
    }
  }
  // A call without :path cannot be routed anyway; it gets no exemption.
  if (accepted || (!path.empty() && TokenVerifier::IsExempt(path))) {
    done(user_data, nullptr, 0, nullptr, 0, GRPC_STATUS_OK, nullptr);
    return;
  }
  // gRPC 1.51 gives this hook no peer address (grpc/grpc#28807); a client certificate's
  // name and the user agent are what there is to tell callers apart.
  std::string what = path.empty() ? "(no method)" : Printable(path);
  if (!agent.empty()) what += " from " + Printable(agent);
  if (context != nullptr) {
    grpc_auth_property_iterator names =
        grpc_auth_context_find_properties_by_name(context, GRPC_X509_CN_PROPERTY_NAME);
    if (const grpc_auth_property* name = grpc_auth_property_iterator_next(&names)) {
      what += ", client certificate CN=" + Printable({name->value, name->value_length});
    }
  }
  if (std::optional<std::string> line =
          auth->log.Record(!wrong, what, RejectionLog::Clock::now())) {
    auth->warn(*line);
  }
  done(user_data, nullptr, 0, nullptr, 0, GRPC_STATUS_UNAUTHENTICATED,
       wrong ? kRejectedTokenMessage : kMissingTokenMessage);
}

void DestroyAuthState(void* state) { delete static_cast<AuthState*>(state); }

// grpc::ServerCredentials over core credentials we build ourselves. The C++ API offers
// SetAuthMetadataProcessor only for secure credentials and runs it on a thread pool; core
// credentials take a synchronous processor, on insecure ones too.
class CoreServerCredentials final : public grpc::ServerCredentials {
 public:
  // `make` runs after grpc_init: core credentials must not be created before it.
  explicit CoreServerCredentials(const std::function<grpc_server_credentials*()>& make)
      : init_(), creds_(make()) {}
  ~CoreServerCredentials() override { grpc_server_credentials_release(creds_); }

  void SetAuthMetadataProcessor(
      const std::shared_ptr<grpc::AuthMetadataProcessor>& /*processor*/) override {
    // A second processor would silently replace the token check: refuse loudly.
    std::fprintf(stderr,
                 "pynq-remote-server: SetAuthMetadataProcessor is not supported on "
                 "transport::CoreServerCredentials\n");
    std::abort();
  }

 private:
  struct Init {
    Init() { grpc_init(); }
    ~Init() { grpc_shutdown(); }
  };

  int AddPortToServer(const std::string& addr, grpc_server* server) override {
    return grpc_server_add_http2_port(server, addr.c_str(), creds_);
  }

  Init init_;
  grpc_server_credentials* creds_;
};

}  // namespace

// -- flags ----------------------------------------------------------------------------------

bool SecurityFlags::Has(const std::string& flag) {
  return flag == "--tls-cert" || flag == "--tls-key" || flag == "--tls-client-ca" ||
         flag == "--token-file";
}

bool SecurityFlags::Set(const std::string& flag, const std::string& value) {
  if (flag == "--tls-cert") {
    tls_cert = value;
  } else if (flag == "--tls-key") {
    tls_key = value;
  } else if (flag == "--tls-client-ca") {
    tls_client_ca = value;
  } else if (flag == "--token-file") {
    token_file = value;
  } else {
    return false;
  }
  return true;
}

// -- pure parts -----------------------------------------------------------------------------

std::string ListenHost(const std::string& listen) {
  size_t colon = listen.rfind(':');
  std::string host = colon == std::string::npos ? listen : listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return host;
}

bool IsLoopbackHost(const std::string& host) {
  std::string lower;
  for (char c : host) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
  }
  return false;
}

std::optional<std::string> TokenProblem(std::string_view token) {
  if (token.empty()) return "an empty token";
  for (char c : token) {
    auto byte = static_cast<unsigned char>(c);
    if (byte == ' ' || byte == '\t' || byte == '\r' || byte == '\n' || byte == '\v' ||
        byte == '\f') {
      return "a token cannot contain whitespace";
    }
    // Plain (non -bin) HTTP/2 header values carry printable ASCII only.
    if (byte < 0x21 || byte > 0x7e) {
      return "a token must be printable ASCII (it travels in an HTTP/2 header)";
    }
  }
  return std::nullopt;
}

Result<std::vector<std::string>> ParseTokens(const std::string& text, const std::string& source) {
  std::vector<std::string> tokens;
  std::istringstream lines(text);
  std::string line;
  for (int number = 1; std::getline(lines, line); ++number) {
    std::string token = Trim(line);
    if (token.empty() || token[0] == '#') continue;
    if (std::optional<std::string> problem = TokenProblem(token)) {
      return Invalid(source + " line " + std::to_string(number) + ": " + *problem +
                     " ('#' starts a comment only at the start of a line)");
    }
    tokens.push_back(std::move(token));
  }
  if (tokens.empty()) {
    return Invalid(source + ": no token in it (one token a line; lines starting with '#' are " +
                   "comments)");
  }
  return tokens;
}

Status CheckPemShape(const std::string& text, PemKind kind, const std::string& source) {
  if (Trim(text).empty()) return Invalid(source + ": the file is empty");
  bool has_cert = Contains(text, "-----BEGIN CERTIFICATE-----");
  bool has_key = Contains(text, "PRIVATE KEY-----");
  bool has_pem = Contains(text, "-----BEGIN ");
  if (!has_pem) {
    return Invalid(source + ": not PEM (no '-----BEGIN' line); convert DER with openssl " +
                   (kind == PemKind::kCertificate ? "x509" : "pkey") +
                   " -inform der -in FILE -out FILE.pem");
  }
  if (kind == PemKind::kCertificate) {
    if (!has_cert && has_key) {
      return Invalid(source + ": holds a private key, not a certificate (are --tls-cert and " +
                     "--tls-key swapped?)");
    }
    if (!has_cert) return Invalid(source + ": holds no '-----BEGIN CERTIFICATE-----' block");
    if (!Contains(text, "-----END CERTIFICATE-----")) {
      return Invalid(source + ": the certificate is cut short (no '-----END CERTIFICATE-----')");
    }
    return {};
  }
  if (Contains(text, "ENCRYPTED PRIVATE KEY") || Contains(text, "Proc-Type: 4,ENCRYPTED")) {
    return Invalid(source + ": the key is encrypted, and the server cannot ask for its " +
                   "passphrase; decrypt it with openssl pkey -in KEY -out PLAIN.key and keep " +
                   "that readable only by the server's user");
  }
  if (!has_key && has_cert) {
    return Invalid(source + ": holds a certificate, not a private key (are --tls-cert and " +
                   "--tls-key swapped?)");
  }
  if (!has_key) return Invalid(source + ": holds no '-----BEGIN ... PRIVATE KEY-----' block");
  if (!Contains(text, "-----END ")) {
    return Invalid(source + ": the key is cut short (no '-----END' line)");
  }
  return {};
}

Status CheckCertificates(const std::string& pem, const std::string& source) {
  if (ParseCertificates(pem).empty()) {
    return Invalid(source + ": no certificate in it parses: " + TakeOpenSslError());
  }
  return {};
}

Status CheckKeyPair(const std::string& cert_pem, const std::string& key_pem,
                    const std::string& cert_source, const std::string& key_source) {
  std::vector<Cert> chain = ParseCertificates(cert_pem);
  if (chain.empty()) {
    return Invalid(cert_source + ": the certificate does not parse: " + TakeOpenSslError());
  }
  Bio bio = MemoryBio(key_pem);
  // No passphrase callback answer: an encrypted key fails here instead of prompting.
  auto no_passphrase = [](char*, int, int, void*) -> int { return -1; };
  Pkey key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr) : nullptr);
  if (!key) return Invalid(key_source + ": the key does not parse: " + TakeOpenSslError());
  if (X509_check_private_key(chain[0].get(), key.get()) != 1) {
    ERR_clear_error();
    return Invalid(key_source + " is not the key of the certificate in " + cert_source + " (" +
                   Subject(chain[0].get()) + "); the first certificate in the " +
                   "chain must be the server's own");
  }
  return {};
}

// -- tokens ---------------------------------------------------------------------------------

namespace {

std::array<uint8_t, 32> Sha256(std::string_view text) {
  std::array<uint8_t, 32> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest.data());
  return digest;
}

}  // namespace

TokenVerifier::TokenVerifier(const std::vector<std::string>& tokens) {
  for (const std::string& token : tokens) {
    std::array<uint8_t, 32> digest = Sha256(token);
    bool seen = false;
    for (const auto& known : digests_) seen = seen || known == digest;
    if (!seen) digests_.push_back(digest);
  }
}

TokenVerifier::Verdict TokenVerifier::Check(std::string_view authorization) const {
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size()) return Verdict::kMissing;
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != kScheme[i]) {
      return Verdict::kMissing;
    }
  }
  // Comparing digests of equal length hides the tokens' lengths; comparing every digest
  // hides which one matched.
  std::array<uint8_t, 32> presented = Sha256(authorization.substr(kScheme.size()));
  int matched = 0;
  for (const auto& digest : digests_) {
    matched |= CRYPTO_memcmp(presented.data(), digest.data(), digest.size()) == 0;
  }
  return matched ? Verdict::kAccepted : Verdict::kRejected;
}

bool TokenVerifier::IsExempt(std::string_view path) {
  for (std::string_view prefix :
       {"/grpc.health.v1.Health/", "/grpc.reflection.v1alpha.ServerReflection/",
        "/grpc.reflection.v1.ServerReflection/"}) {
    if (path.substr(0, prefix.size()) == prefix) return true;
  }
  return false;
}

std::optional<std::string> RejectionLog::Record(bool missing, const std::string& what,
                                                Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mu_);
  ++(missing ? missing_ : wrong_);
  if (last_line_ && now - *last_line_ < interval_) return std::nullopt;
  uint64_t total = missing_ + wrong_;
  std::string line = "bearer token: refused " + std::to_string(total) +
                     (total == 1 ? " call" : " calls") + " (" + std::to_string(missing_) +
                     " without a token, " + std::to_string(wrong_) + " with a wrong one)";
  if (last_line_) line += " since the last report";
  line += "; latest: " + what;
  missing_ = wrong_ = 0;
  last_line_ = now;
  return line;
}

// -- the server's credentials ---------------------------------------------------------------

std::string ServerSecurity::Describe() const {
  std::string text =
      tls ? (client_certificates ? "TLS, client certificates required" : "TLS") : "plaintext";
  if (tokens == 0) return text + ", no bearer token";
  return text + ", " + std::to_string(tokens) + (tokens == 1 ? " bearer token" : " bearer tokens");
}

Result<ServerSecurity> LoadServerSecurity(const SecurityFlags& flags, const char* env_token,
                                          std::function<void(const std::string&)> warn) {
  ServerSecurity security;
  if (!flags.tls_key.empty() && flags.tls_cert.empty()) {
    return Invalid("--tls-key needs --tls-cert: the certificate chain the key belongs to");
  }
  if (!flags.tls_cert.empty() && flags.tls_key.empty()) {
    return Invalid("--tls-cert needs --tls-key: the certificate's private key");
  }
  if (!flags.tls_client_ca.empty() && flags.tls_cert.empty()) {
    return Invalid("--tls-client-ca needs --tls-cert and --tls-key: mutual TLS is TLS first");
  }

  std::string cert;
  std::string key;
  std::string client_ca;
  if (!flags.tls_cert.empty()) {
    const std::string cert_source = "--tls-cert " + flags.tls_cert;
    const std::string key_source = "--tls-key " + flags.tls_key;
    Result<std::string> cert_text = ReadFile(flags.tls_cert, "--tls-cert");
    if (!cert_text.ok()) return cert_text.error();
    Result<std::string> key_text = ReadFile(flags.tls_key, "--tls-key");
    if (!key_text.ok()) return key_text.error();
    cert = cert_text.value();
    key = key_text.value();
    Status shape = CheckPemShape(cert, PemKind::kCertificate, cert_source);
    if (!shape.ok()) return shape.error();
    shape = CheckPemShape(key, PemKind::kPrivateKey, key_source);
    if (!shape.ok()) return shape.error();
    Status pair = CheckKeyPair(cert, key, cert_source, key_source);
    if (!pair.ok()) return pair.error();
    std::vector<Cert> chain = ParseCertificates(cert);
    if (X509_cmp_current_time(X509_get0_notAfter(chain[0].get())) < 0) {
      security.warnings.push_back(cert_source + ": the certificate has expired; clients will " +
                                  "refuse the handshake");
    }
    WarnIfShared(flags.tls_key, "--tls-key", &security.warnings);
    security.tls = true;
  }
  if (!flags.tls_client_ca.empty()) {
    const std::string source = "--tls-client-ca " + flags.tls_client_ca;
    Result<std::string> text = ReadFile(flags.tls_client_ca, "--tls-client-ca");
    if (!text.ok()) return text.error();
    client_ca = text.value();
    Status shape = CheckPemShape(client_ca, PemKind::kCertificate, source);
    if (!shape.ok()) return shape.error();
    Status parsed = CheckCertificates(client_ca, source);
    if (!parsed.ok()) return parsed.error();
    security.client_certificates = true;
  }

  std::vector<std::string> tokens;
  if (!flags.token_file.empty()) {
    Result<std::string> text = ReadFile(flags.token_file, "--token-file");
    if (!text.ok()) return text.error();
    Result<std::vector<std::string>> parsed =
        ParseTokens(text.value(), "--token-file " + flags.token_file);
    if (!parsed.ok()) return parsed.error();
    tokens = std::move(parsed).value();
    WarnIfShared(flags.token_file, "--token-file", &security.warnings);
  }
  if (env_token != nullptr && *env_token != '\0') {
    if (std::optional<std::string> problem = TokenProblem(env_token)) {
      return Invalid(std::string(kTokenEnv) + ": " + *problem);
    }
    tokens.emplace_back(env_token);
  }

  if (!security.tls && tokens.empty()) {
    security.credentials = grpc::InsecureServerCredentials();
    return security;
  }
  auto* state = tokens.empty() ? nullptr : new AuthState(tokens, std::move(warn));
  security.tokens = state ? state->verifier.size() : 0;
  const bool tls = security.tls;
  const bool require_client_cert = security.client_certificates;
  security.credentials = std::make_shared<CoreServerCredentials>([&]() {
    grpc_server_credentials* creds = nullptr;
    if (tls) {
      grpc_ssl_pem_key_cert_pair pair{key.c_str(), cert.c_str()};
      creds = grpc_ssl_server_credentials_create_ex(
          require_client_cert ? client_ca.c_str() : nullptr, &pair, 1,
          require_client_cert ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                              : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE,
          nullptr);
    } else {
      creds = grpc_insecure_server_credentials_create();
    }
    if (state != nullptr) {
      grpc_server_credentials_set_auth_metadata_processor(
          creds, grpc_auth_metadata_processor{ProcessAuthMetadata, DestroyAuthState, state});
    }
    return creds;
  });
  return security;
}

std::optional<std::string> InsecureListenWarning(const std::string& listen,
                                                 const ServerSecurity& security) {
  // A unix socket is reachable from this machine only, as loopback is.
  if (listen.rfind("unix:", 0) == 0) return std::nullopt;
  if (security.tls || IsLoopbackHost(ListenHost(listen))) return std::nullopt;
  std::string warning =
      "--listen " + listen + " serves plaintext gRPC beyond this machine: anyone who can " +
      "reach it can program the FPGA, read and write board memory and the target's files";
  if (security.tokens > 0) {
    warning += ", and the bearer tokens cross the network readable by anyone on the path";
  }
  warning +=
      ". Serve TLS with --tls-cert FILE --tls-key FILE, admit only your clients with "
      "--tls-client-ca FILE (mutual TLS) or --token-file FILE, or listen on 127.0.0.1 and "
      "reach it through an SSH tunnel";
  return warning;
}

}  // namespace pynq_remote::transport
