// Transport security: the pure parts (token files, loopback detection, PEM checks, the
// verifier, the rate-limited log), LoadServerSecurity over real files, and bearer tokens
// enforced by a real server on a real socket, plaintext and TLS.
#include "transport/security.h"

#include <gmock/gmock.h>
#include <grpc/grpc_security_constants.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "test_root.h"
#include "transport/listen_address.h"

namespace pynq_remote::transport {
namespace {

using ::testing::HasSubstr;

// Throwaway credentials made for this test only (openssl req -x509 -newkey ec, 100 years):
// a self-signed certificate for CN=security_test, its key, and a key of another pair.
constexpr char kCert[] = R"(-----BEGIN CERTIFICATE-----
MIIBiDCCAS2gAwIBAgIUXPyesjLsCPd9bfJZDeKYx1ijSQswCgYIKoZIzj0EAwIw
GDEWMBQGA1UEAwwNc2VjdXJpdHlfdGVzdDAgFw0yNjExMjMyMTM0MjJaGA8yMTI2
MTAzMDIxMzQyMlowGDEWMBQGA1UEAwwNc2VjdXJpdHlfdGVzdDBZMBMGByqGSM49
AgEGCCqGSM49AwEHA0IABB8/A5XYIJM1gVhsbH5VjEjigtl//JQ7HwkNDB4Yr06c
60ss9iAQ+a7A4/5hvwusFtO9skgbcUjDr3fHd+YEKlijUzBRMB0GA1UdDgQWBBS3
taQ2avbMx48vXDAcyKHqpqBxgDAfBgNVHSMEGDAWgBS3taQ2avbMx48vXDAcyKHq
pqBxgDAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0kAMEYCIQD1odj+jT6a
N2BoWf52ZCiTnWKj+po+ayAhtFXkxXTj+AIhAMxLd29Ywj4+ZkSGWX6l2jtIwyRm
xdvxrTpBEi25EUey
-----END CERTIFICATE-----
)";
constexpr char kKey[] = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg8+B+xyf0BUz3IGe8
NkQVPV5CW3x3ioxo1UpORnRj7uihRANCAAQfPwOV2CCTNYFYbGx+VYxI4oLZf/yU
Ox8JDQweGK9OnOtLLPYgEPmuwOP+Yb8LrBbTvbJIG3FIw693x3fmBCpY
-----END PRIVATE KEY-----
)";
constexpr char kOtherKey[] = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg2VODCiGqg2ZKtNiO
K2+WdNYinmKxn04Hp2N+hBoqENqhRANCAASyLUgCU+sH8OzJj3ADJ6V71SAwbYXI
U/L3J9BSgR7jxEVP8afzwXtkgGoq5CqUGlAHBLFCEbkDmjvt5BcoiEZU
-----END PRIVATE KEY-----
)";

void ExpectError(const Status& status, const std::string& part) {
  ASSERT_FALSE(status.ok()) << "accepted; wanted an error with: " << part;
  EXPECT_THAT(status.error().message, HasSubstr(part));
}

// -- listen addresses -----------------------------------------------------------------------

TEST(ListenHostTest, StripsPortAndBrackets) {
  EXPECT_EQ(ListenHost("127.0.0.1:7967"), "127.0.0.1");
  EXPECT_EQ(ListenHost("[::1]:7967"), "::1");
  EXPECT_EQ(ListenHost("localhost:0"), "localhost");
  EXPECT_EQ(ListenHost("0.0.0.0:7967"), "0.0.0.0");
}

TEST(LoopbackTest, OnlyThisMachine) {
  for (const char* host : {"127.0.0.1", "127.1.2.3", "127.255.255.254", "::1", "localhost",
                           "LocalHost", "::ffff:127.0.0.1", "0:0:0:0:0:0:0:1"}) {
    EXPECT_TRUE(IsLoopbackHost(host)) << host;
  }
  for (const char* host : {"0.0.0.0", "::", "10.0.0.1", "192.168.1.10", "128.0.0.1",
                           "::ffff:10.0.0.1", "board.local", "localhost.example.com", ""}) {
    EXPECT_FALSE(IsLoopbackHost(host)) << host;
  }
}

TEST(InsecureListenWarningTest, NonLoopbackPlaintextOnly) {
  ServerSecurity plaintext;
  EXPECT_FALSE(InsecureListenWarning("127.0.0.1:7967", plaintext));
  EXPECT_FALSE(InsecureListenWarning("[::1]:7967", plaintext));
  EXPECT_FALSE(InsecureListenWarning("localhost:7967", plaintext));
  std::optional<std::string> warning = InsecureListenWarning("0.0.0.0:7967", plaintext);
  ASSERT_TRUE(warning);
  EXPECT_THAT(*warning, HasSubstr("0.0.0.0:7967"));
  EXPECT_THAT(*warning, HasSubstr("--tls-cert"));
  EXPECT_THAT(*warning, HasSubstr("--token-file"));
  EXPECT_THAT(*warning, ::testing::Not(HasSubstr("bearer tokens cross")));
  plaintext.tokens = 1;
  EXPECT_THAT(*InsecureListenWarning("[::]:7967", plaintext), HasSubstr("bearer tokens cross"));
  ServerSecurity tls;
  tls.tls = true;
  EXPECT_FALSE(InsecureListenWarning("0.0.0.0:7967", tls));
  // A unix socket is this machine's only.
  EXPECT_FALSE(InsecureListenWarning("unix:/run/pynq-remote/pynq-remote.sock", plaintext));
}

TEST(ListenAddressTest, TcpAndUnixForms) {
  Result<ListenAddress> tcp = ParseListenAddress("127.0.0.1:0");
  ASSERT_TRUE(tcp.ok());
  EXPECT_FALSE(tcp.value().is_unix());
  EXPECT_EQ(tcp.value().grpc_target(), "127.0.0.1:0");
  EXPECT_EQ(tcp.value().Describe(4711), "127.0.0.1:4711");
  EXPECT_EQ(ParseListenAddress("[::1]:7967").value().Describe(7967), "[::1]:7967");
  for (const char* text : {"unix:/run/p.sock", "unix:///run/p.sock"}) {
    Result<ListenAddress> local = ParseListenAddress(text);
    ASSERT_TRUE(local.ok()) << text;
    EXPECT_EQ(local.value().unix_path, "/run/p.sock");
    EXPECT_EQ(local.value().grpc_target(), "unix:/run/p.sock");
    EXPECT_EQ(local.value().Describe(1), "unix:/run/p.sock");
  }
  // 107 bytes fit sun_path with its NUL; 108 do not.
  EXPECT_TRUE(ParseListenAddress("unix:/" + std::string(106, 'a')).ok());
}

TEST(ListenAddressTest, RefusalsSayWhatToWrite) {
  const std::pair<std::string, std::string> cases[] = {
      {"7967", "want HOST:PORT"},
      {"host:", "want HOST:PORT"},
      {"host:http", "the port must be a number"},
      {"host:70000", "the port must be a number"},
      {"unix:", "no path after unix:"},
      {"unix:run/p.sock", "run/p.sock is a relative path"},
      {"unix://run/p.sock", "write unix:/absolute/path or unix:///absolute/path"},
      {"unix:/run/", "names a directory"},
      {"unix:/" + std::string(107, 'a'), "the path is 108 bytes"},
  };
  for (const auto& [text, message] : cases) {
    Result<ListenAddress> address = ParseListenAddress(text);
    ASSERT_FALSE(address.ok()) << text;
    EXPECT_THAT(address.error().message, HasSubstr(message)) << text;
    EXPECT_THAT(address.error().message, HasSubstr("--listen " + text));
  }
}

TEST(ListenAddressTest, SocketMode) {
  EXPECT_EQ(ParseSocketMode("0660"), 0660u);
  EXPECT_EQ(ParseSocketMode("600"), 0600u);
  EXPECT_EQ(ParseSocketMode("0777"), 0777u);
  for (const char* bad : {"", "0999", "1777", "rw-rw----", "06600"}) {
    EXPECT_FALSE(ParseSocketMode(bad)) << bad;
  }
}

// -- token files ----------------------------------------------------------------------------

TEST(ParseTokensTest, OneALineWithComments) {
  Result<std::vector<std::string>> tokens =
      ParseTokens("# lab tokens\n\nalpha-1\r\n  beta_2  \n\t# indented comment\ngamma\n", "F");
  ASSERT_TRUE(tokens.ok()) << tokens.error().message;
  EXPECT_EQ(tokens.value(), (std::vector<std::string>{"alpha-1", "beta_2", "gamma"}));
}

TEST(ParseTokensTest, NoFinalNewline) {
  Result<std::vector<std::string>> tokens = ParseTokens("only", "F");
  ASSERT_TRUE(tokens.ok());
  EXPECT_EQ(tokens.value(), std::vector<std::string>{"only"});
}

TEST(ParseTokensTest, EmptyOrOnlyCommentsIsAnError) {
  for (const char* text : {"", "\n\n", "# nothing yet\n", "   \n# x\n"}) {
    Result<std::vector<std::string>> tokens = ParseTokens(text, "--token-file t.txt");
    ASSERT_FALSE(tokens.ok()) << text;
    EXPECT_THAT(tokens.error().message, HasSubstr("--token-file t.txt: no token"));
  }
}

TEST(ParseTokensTest, WhitespaceInsideATokenNamesTheLine) {
  Result<std::vector<std::string>> tokens = ParseTokens("good\nbad token\n", "--token-file t");
  ASSERT_FALSE(tokens.ok());
  EXPECT_THAT(tokens.error().message, HasSubstr("--token-file t line 2"));
  EXPECT_THAT(tokens.error().message, HasSubstr("whitespace"));
  // An inline comment is whitespace inside a token too.
  EXPECT_FALSE(ParseTokens("tok # note\n", "F").ok());
}

TEST(ParseTokensTest, NonPrintableIsAnError) {
  Result<std::vector<std::string>> tokens = ParseTokens("caf\xc3\xa9\n", "F");
  ASSERT_FALSE(tokens.ok());
  EXPECT_THAT(tokens.error().message, HasSubstr("printable ASCII"));
  EXPECT_FALSE(ParseTokens(std::string("a\0b\n", 4), "F").ok());
}

TEST(TokenProblemTest, EnvironmentTokens) {
  EXPECT_FALSE(TokenProblem("s3cr3t-Token_with.punct~"));
  EXPECT_TRUE(TokenProblem(""));
  EXPECT_THAT(*TokenProblem("two words"), HasSubstr("whitespace"));
  EXPECT_THAT(*TokenProblem("trailing\n"), HasSubstr("whitespace"));
}

// -- PEM ------------------------------------------------------------------------------------

TEST(PemShapeTest, GoodCertificateAndKey) {
  EXPECT_TRUE(CheckPemShape(kCert, PemKind::kCertificate, "c").ok());
  EXPECT_TRUE(CheckPemShape(kKey, PemKind::kPrivateKey, "k").ok());
  // One file holding both serves as either.
  std::string both = std::string(kCert) + kKey;
  EXPECT_TRUE(CheckPemShape(both, PemKind::kCertificate, "c").ok());
  EXPECT_TRUE(CheckPemShape(both, PemKind::kPrivateKey, "k").ok());
}

TEST(PemShapeTest, SaysWhatTheFileIsInstead) {
  ExpectError(CheckPemShape("", PemKind::kCertificate, "--tls-cert c.pem"),
              "--tls-cert c.pem: the file is empty");
  ExpectError(CheckPemShape("\x30\x82\x01\x88garbage", PemKind::kCertificate, "c"), "not PEM");
  ExpectError(CheckPemShape(kKey, PemKind::kCertificate, "c"), "swapped");
  ExpectError(CheckPemShape(kCert, PemKind::kPrivateKey, "k"), "swapped");
  ExpectError(CheckPemShape("-----BEGIN CERTIFICATE-----\nMIIB\n", PemKind::kCertificate, "c"),
              "cut short");
  ExpectError(CheckPemShape("-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIH\n-----END ENCRYPTED "
                            "PRIVATE KEY-----\n",
                            PemKind::kPrivateKey, "k"),
              "encrypted");
  ExpectError(CheckPemShape("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n",
                            PemKind::kPrivateKey, "k"),
              "encrypted");
  ExpectError(CheckPemShape("-----BEGIN X509 CRL-----\n-----END X509 CRL-----\n",
                            PemKind::kCertificate, "c"),
              "no '-----BEGIN CERTIFICATE-----' block");
}

TEST(KeyPairTest, MatchingPairPasses) {
  Status pair = CheckKeyPair(kCert, kKey, "--tls-cert c", "--tls-key k");
  EXPECT_TRUE(pair.ok()) << pair.error().message;
}

TEST(KeyPairTest, MismatchNamesBothFiles) {
  Status pair = CheckKeyPair(kCert, kOtherKey, "--tls-cert c.pem", "--tls-key other.key");
  ExpectError(pair, "--tls-key other.key is not the key of the certificate in --tls-cert c.pem");
  EXPECT_THAT(pair.error().message, HasSubstr("CN=security_test"));
}

TEST(KeyPairTest, CorruptPemDoesNotParse) {
  std::string cert = kCert;
  cert.replace(cert.find("MIIB"), 4, "!!!!");
  ExpectError(CheckKeyPair(cert, kKey, "--tls-cert c", "--tls-key k"),
              "--tls-cert c: the certificate does not parse");
  std::string key = kKey;
  key.replace(key.find("MIGH"), 4, "AAAA");
  ExpectError(CheckKeyPair(kCert, key, "--tls-cert c", "--tls-key k"),
              "--tls-key k: the key does not parse");
  ExpectError(CheckCertificates("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
                                "--tls-client-ca ca"),
              "--tls-client-ca ca: no certificate in it parses");
  EXPECT_TRUE(CheckCertificates(kCert, "ca").ok());
}

// -- the verifier and the log ---------------------------------------------------------------

TEST(TokenVerifierTest, Verdicts) {
  TokenVerifier verifier({"alpha", "beta", "alpha"});
  EXPECT_EQ(verifier.size(), 2u);
  using V = TokenVerifier::Verdict;
  EXPECT_EQ(verifier.Check("Bearer alpha"), V::kAccepted);
  EXPECT_EQ(verifier.Check("bearer beta"), V::kAccepted);
  EXPECT_EQ(verifier.Check("BEARER beta"), V::kAccepted);
  EXPECT_EQ(verifier.Check("Bearer gamma"), V::kRejected);
  EXPECT_EQ(verifier.Check("Bearer alph"), V::kRejected);
  EXPECT_EQ(verifier.Check("Bearer alphaa"), V::kRejected);
  EXPECT_EQ(verifier.Check("Bearer  alpha"), V::kRejected);
  EXPECT_EQ(verifier.Check("Bearer "), V::kMissing);
  EXPECT_EQ(verifier.Check(""), V::kMissing);
  EXPECT_EQ(verifier.Check("alpha"), V::kMissing);
  EXPECT_EQ(verifier.Check("Basic YWxwaGE6"), V::kMissing);
}

TEST(TokenVerifierTest, HealthAndReflectionAreExempt) {
  EXPECT_TRUE(TokenVerifier::IsExempt("/grpc.health.v1.Health/Check"));
  EXPECT_TRUE(TokenVerifier::IsExempt("/grpc.health.v1.Health/Watch"));
  EXPECT_TRUE(
      TokenVerifier::IsExempt("/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"));
  EXPECT_TRUE(TokenVerifier::IsExempt("/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"));
  EXPECT_FALSE(TokenVerifier::IsExempt("/mmio.Mmio/write"));
  EXPECT_FALSE(TokenVerifier::IsExempt("/pynq_remote.v1.Board/GetInfo"));
  EXPECT_FALSE(TokenVerifier::IsExempt("/grpc.health.v1.HealthX/Check"));
  EXPECT_FALSE(TokenVerifier::IsExempt(""));
}

TEST(RejectionLogTest, FirstAtOnceThenOneLinePerInterval) {
  RejectionLog log(std::chrono::seconds(10));
  auto t0 = RejectionLog::Clock::time_point();
  std::optional<std::string> first = log.Record(true, "/a from x", t0);
  ASSERT_TRUE(first);
  EXPECT_THAT(*first, HasSubstr("refused 1 call (1 without a token, 0 with a wrong one)"));
  EXPECT_THAT(*first, HasSubstr("latest: /a from x"));
  for (int i = 0; i < 1000; ++i) {
    EXPECT_FALSE(log.Record(i % 2 == 0, "/b", t0 + std::chrono::milliseconds(i)));
  }
  std::optional<std::string> next = log.Record(false, "/c", t0 + std::chrono::seconds(10));
  ASSERT_TRUE(next);
  EXPECT_THAT(*next, HasSubstr("refused 1001 calls (500 without a token, 501 with a wrong one) "
                               "since the last report; latest: /c"));
  EXPECT_FALSE(log.Record(false, "/d", t0 + std::chrono::seconds(11)));
}

// -- LoadServerSecurity over real files -----------------------------------------------------

class LoadTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(dir_.path().empty()); }
  std::string Write(const std::string& name, const std::string& text, mode_t mode = 0600) {
    std::string path = dir_.path() + "/" + name;
    std::ofstream(path, std::ios::binary) << text;
    chmod(path.c_str(), mode);
    return path;
  }
  Result<ServerSecurity> Load(const SecurityFlags& flags, const char* env_token = nullptr) {
    return LoadServerSecurity(flags, env_token, [](const std::string&) {});
  }
  void ExpectLoadError(const SecurityFlags& flags, const std::string& part,
                       const char* env_token = nullptr) {
    Result<ServerSecurity> security = Load(flags, env_token);
    ASSERT_FALSE(security.ok()) << "accepted; wanted: " << part;
    EXPECT_THAT(security.error().message, HasSubstr(part));
  }

  pynq_remote::testing::TestRoot dir_;
};

TEST_F(LoadTest, NothingMeansPlaintextWithoutTokens) {
  Result<ServerSecurity> security = Load({});
  ASSERT_TRUE(security.ok());
  EXPECT_TRUE(security.value().credentials);
  EXPECT_FALSE(security.value().tls);
  EXPECT_EQ(security.value().tokens, 0u);
  EXPECT_EQ(security.value().Describe(), "plaintext, no bearer token");
  // An empty variable is an unset one.
  Result<ServerSecurity> empty_env = Load({}, "");
  ASSERT_TRUE(empty_env.ok());
  EXPECT_EQ(empty_env.value().tokens, 0u);
}

TEST_F(LoadTest, TlsWithClientCertificatesAndTokens) {
  SecurityFlags flags;
  flags.tls_cert = Write("server.pem", kCert);
  flags.tls_key = Write("server.key", kKey);
  flags.tls_client_ca = Write("ca.pem", kCert);
  flags.token_file = Write("tokens", "# two\none\ntwo\n");
  Result<ServerSecurity> security = Load(flags, "three");
  ASSERT_TRUE(security.ok()) << security.error().message;
  EXPECT_TRUE(security.value().tls);
  EXPECT_TRUE(security.value().client_certificates);
  EXPECT_EQ(security.value().tokens, 3u);
  EXPECT_TRUE(security.value().warnings.empty());
  EXPECT_EQ(security.value().Describe(), "TLS, client certificates required, 3 bearer tokens");
}

TEST_F(LoadTest, FlagCombinations) {
  SecurityFlags key_only;
  key_only.tls_key = Write("server.key", kKey);
  ExpectLoadError(key_only, "--tls-key needs --tls-cert");
  SecurityFlags cert_only;
  cert_only.tls_cert = Write("server.pem", kCert);
  ExpectLoadError(cert_only, "--tls-cert needs --tls-key");
  SecurityFlags ca_only;
  ca_only.tls_client_ca = Write("ca.pem", kCert);
  ExpectLoadError(ca_only, "--tls-client-ca needs --tls-cert");
}

TEST_F(LoadTest, MissingFilesAreNamed) {
  SecurityFlags flags;
  flags.tls_cert = dir_.path() + "/nope.pem";
  flags.tls_key = Write("server.key", kKey);
  ExpectLoadError(flags, "--tls-cert " + dir_.path() + "/nope.pem: No such file or directory");
  SecurityFlags tokens;
  tokens.token_file = dir_.path();
  ExpectLoadError(tokens, "--token-file " + dir_.path() + ": is a directory");
  tokens.token_file = dir_.path() + "/missing-tokens";
  ExpectLoadError(tokens, "missing-tokens: No such file or directory");
}

TEST_F(LoadTest, BadContentIsRefused) {
  SecurityFlags flags;
  flags.tls_cert = Write("server.pem", kCert);
  flags.tls_key = Write("other.key", kOtherKey);
  ExpectLoadError(flags, "other.key is not the key of the certificate in --tls-cert");
  flags.tls_key = Write("server.pem.copy", kCert);
  ExpectLoadError(flags, "swapped");
  SecurityFlags tokens;
  tokens.token_file = Write("empty", "");
  ExpectLoadError(tokens, "no token in it");
  tokens.token_file = Write("spaced", "a b\n");
  ExpectLoadError(tokens, "line 1: a token cannot contain whitespace");
  ExpectLoadError({}, "PYNQ_REMOTE_TOKEN: a token cannot contain whitespace", "a b");
}

TEST_F(LoadTest, LooseModesAreWarnedAbout) {
  SecurityFlags flags;
  flags.token_file = Write("tokens", "t\n", 0644);
  Result<ServerSecurity> security = Load(flags);
  ASSERT_TRUE(security.ok());
  ASSERT_EQ(security.value().warnings.size(), 1u);
  EXPECT_THAT(security.value().warnings[0], HasSubstr("readable by other users (mode 0644)"));
}

// -- enforcement by a real server -----------------------------------------------------------

// A zero-length message: a default ByteBuffer holds no message at all, which gRPC refuses.
grpc::ByteBuffer EmptyMessage() {
  grpc::Slice nothing("", 0);
  return grpc::ByteBuffer(&nothing, 1);
}

// Answers every method it is asked for with an empty message, counting the calls that reach
// it: a refused call must never get this far.
class CountingService final : public grpc::CallbackGenericService {
 public:
  std::atomic<int> calls{0};

 private:
  class Reactor final : public grpc::ServerGenericBidiReactor {
   public:
    Reactor() : empty_(EmptyMessage()) {
      StartWriteAndFinish(&empty_, grpc::WriteOptions(), grpc::Status::OK);
    }
    void OnDone() override { delete this; }

   private:
    grpc::ByteBuffer empty_;
  };
  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext*) override {
    ++calls;
    return new Reactor;
  }
};

struct CallResult {
  grpc::StatusCode code;
  std::string message;
};

CallResult Call(const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
                const std::string& authorization) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  if (!authorization.empty()) context.AddMetadata("authorization", authorization);
  grpc::ByteBuffer request = EmptyMessage();
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, method, grpc::StubOptions(), &request, &response,
                 [&done](grpc::Status status) { done.set_value(status); });
  grpc::Status status = done.get_future().get();
  return {status.error_code(), status.error_message()};
}

class EnforcementTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    SecurityFlags flags;
    flags.token_file = dir_.path() + "/tokens";
    std::ofstream(flags.token_file) << "right-token\n";
    if (GetParam()) {
      flags.tls_cert = dir_.path() + "/server.pem";
      flags.tls_key = dir_.path() + "/server.key";
      std::ofstream(flags.tls_cert) << kCert;
      std::ofstream(flags.tls_key) << kKey;
    }
    Result<ServerSecurity> security =
        LoadServerSecurity(flags, nullptr, [this](const std::string&) { warnings_++; });
    ASSERT_TRUE(security.ok()) << security.error().message;
    grpc::EnableDefaultHealthCheckService(true);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", security.value().credentials, &port);
    builder.RegisterCallbackGenericService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_TRUE(server_);
    ASSERT_NE(port, 0);
    std::string target = "127.0.0.1:" + std::to_string(port);
    if (GetParam()) {
      grpc::SslCredentialsOptions options;
      options.pem_root_certs = kCert;
      grpc::ChannelArguments args;
      args.SetSslTargetNameOverride("security_test");
      channel_ = grpc::CreateCustomChannel(target, grpc::SslCredentials(options), args);
    } else {
      channel_ = grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
    }
  }
  void TearDown() override {
    if (server_) server_->Shutdown(std::chrono::system_clock::now());
  }

  pynq_remote::testing::TestRoot dir_;
  CountingService service_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::atomic<int> warnings_{0};
};

TEST_P(EnforcementTest, RefusedCallsNeverReachTheHandler) {
  CallResult missing = Call(channel_, "/test.Board/Write", "");
  EXPECT_EQ(missing.code, grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(missing.message,
            "this server requires a bearer token: pass token= to RemoteDevice or set "
            "PYNQ_REMOTE_TOKEN");
  CallResult wrong = Call(channel_, "/test.Board/Write", "Bearer wrong-token");
  EXPECT_EQ(wrong.code, grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(wrong.message, "bearer token rejected");
  EXPECT_EQ(service_.calls, 0);
  // The first refusal is logged, the second waits for the next report.
  EXPECT_EQ(warnings_, 1);

  CallResult right = Call(channel_, "/test.Board/Write", "Bearer right-token");
  EXPECT_EQ(right.code, grpc::StatusCode::OK) << right.message;
  EXPECT_EQ(service_.calls, 1);
}

TEST_P(EnforcementTest, HealthNeedsNoToken) {
  // grpc.health.v1.HealthCheckRequest{} serialises to nothing; SERVING is field 1 = 1.
  CallResult health = Call(channel_, "/grpc.health.v1.Health/Check", "");
  EXPECT_EQ(health.code, grpc::StatusCode::OK) << health.message;
  EXPECT_EQ(service_.calls, 0);
}

INSTANTIATE_TEST_SUITE_P(PlaintextAndTls, EnforcementTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Tls" : "Plaintext";
                         });

}  // namespace
}  // namespace pynq_remote::transport
