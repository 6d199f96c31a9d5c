// pynq-remote-health: asks a server the standard gRPC health check (grpc.health.v1 Check) and
// says so in its exit status, for container health checks (the Dockerfile's HEALTHCHECK,
// deploy/compose/) and scripts. Kubernetes probes the same service natively.
//
//   pynq-remote-health [--timeout-s S] [--service NAME] [--tls-ca FILE] [--tls-name NAME]
//                      [HOST:PORT | unix:PATH]          (default 127.0.0.1:7967)
//
// Exit status: 0 SERVING; 1 an answer other than SERVING, or no answer within the timeout;
// 2 a usage error. The health service needs no token (transport/security.cc), so there is
// no --token.
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "grpc/health/v1/health.grpc.pb.h"

namespace {

constexpr char kUsage[] =
    "usage: pynq-remote-health [--timeout-s S] [--service NAME] [--tls-ca FILE] "
    "[--tls-name NAME] [HOST:PORT | unix:PATH]\n"
    "  asks a pynq-remote server the gRPC health check (grpc.health.v1.Health/Check)\n"
    "  HOST:PORT | unix:PATH  the server (default 127.0.0.1:7967)\n"
    "  --timeout-s S          give up after S seconds, waiting for the server to come up\n"
    "                         meanwhile (default 3)\n"
    "  --service NAME         one service's status (default \"\": the whole server)\n"
    "  --tls-ca FILE          the server serves TLS: trust this PEM CA (its --tls-cert's)\n"
    "  --tls-name NAME        the name its certificate carries, when not the HOST dialled\n"
    "exit status: 0 SERVING, 1 anything else or no answer, 2 usage error\n";

int Usage(const std::string& problem) {
  std::fprintf(stderr, "pynq-remote-health: %s\n%s", problem.c_str(), kUsage);
  return 2;
}

// The names gRPC gives its codes, for the answers a health service can give.
const char* CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED (no health service)";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    default:
      return "error";
  }
}

const char* StatusName(grpc::health::v1::HealthCheckResponse::ServingStatus status) {
  switch (status) {
    case grpc::health::v1::HealthCheckResponse::SERVING:
      return "SERVING";
    case grpc::health::v1::HealthCheckResponse::NOT_SERVING:
      return "NOT_SERVING";
    case grpc::health::v1::HealthCheckResponse::SERVICE_UNKNOWN:
      return "SERVICE_UNKNOWN";
    default:
      return "UNKNOWN";
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string target = "127.0.0.1:7967";
  std::string service;
  std::string tls_ca;
  std::string tls_name;
  double timeout_s = 3;
  bool target_given = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto next_value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (arg == "--timeout-s" || arg == "--service" || arg == "--tls-ca" ||
               arg == "--tls-name") {
      const char* v = next_value();
      if (!v) return Usage(arg + " needs a value");
      if (arg == "--timeout-s") {
        char* end = nullptr;
        timeout_s = std::strtod(v, &end);
        if (end == v || *end != '\0' || !(timeout_s > 0) || timeout_s > 3600) {
          return Usage("--timeout-s wants seconds between 0 and 3600, not '" + std::string(v) +
                       "'");
        }
      } else if (arg == "--service") {
        service = v;
      } else if (arg == "--tls-ca") {
        tls_ca = v;
      } else {
        tls_name = v;
      }
    } else if (!arg.empty() && arg[0] == '-') {
      return Usage("unknown flag " + arg);
    } else if (target_given) {
      return Usage("one server only; got '" + target + "' and '" + arg + "'");
    } else {
      target = arg;
      target_given = true;
    }
  }

  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  grpc::ChannelArguments channel_args;
  if (!tls_ca.empty()) {
    std::ifstream file(tls_ca);
    std::stringstream pem;
    pem << file.rdbuf();
    if (!file || pem.str().empty()) {
      return Usage("--tls-ca " + tls_ca + ": cannot read it (a PEM CA certificate)");
    }
    grpc::SslCredentialsOptions options;
    options.pem_root_certs = pem.str();
    credentials = grpc::SslCredentials(options);
    if (!tls_name.empty()) channel_args.SetSslTargetNameOverride(tls_name);
  } else if (!tls_name.empty()) {
    return Usage("--tls-name is for TLS: give --tls-ca too");
  }

  auto channel = grpc::CreateCustomChannel(target, credentials, channel_args);
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::milliseconds(static_cast<int64_t>(timeout_s * 1000)));
  context.set_wait_for_ready(true);  // a server still starting gets the whole timeout
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  grpc::health::v1::HealthCheckResponse response;
  const grpc::Status status = stub->Check(&context, request, &response);
  if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    std::fprintf(stderr,
                 "pynq-remote-health: no server answered at %s within %g s: is it running, and "
                 "is that its --listen address%s?\n",
                 target.c_str(), timeout_s,
                 tls_ca.empty() ? " (or does it serve TLS: --tls-ca)" : "");
    return 1;
  }
  if (!status.ok()) {
    std::fprintf(stderr, "pynq-remote-health: %s: %s: %s\n", target.c_str(),
                 CodeName(status.error_code()), status.error_message().c_str());
    return 1;
  }
  const char* name = StatusName(response.status());
  std::printf("%s%s%s: %s\n", target.c_str(), service.empty() ? "" : " service ", service.c_str(),
              name);
  return response.status() == grpc::health::v1::HealthCheckResponse::SERVING ? 0 : 1;
}
