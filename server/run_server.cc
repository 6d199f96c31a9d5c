// The server's life: check the flags' files, create the backend, register the services,
// serve until SIGINT/SIGTERM and stop within a bounded time.
#include "run_server.h"

#include <ftw.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/resource_quota.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "service/health_service.h"
#include "service/reflection_service.h"
#include "service/services.h"
#include "state/log.h"
#include "transport/listen_address.h"
#include "transport/security.h"

namespace pynq_remote {
namespace {

using service::Services;

// SIGTERM: calls in progress get kStopGrace to finish; the process is gone by kStopLimit.
// A sanitizer build runs several times slower and checks for leaks at exit, which the
// backstop would skip: it gets five times as long.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr int kStopSlowdown = 5;
#else
constexpr int kStopSlowdown = 1;
#endif
constexpr std::chrono::milliseconds kStopGrace(1000 * kStopSlowdown);
constexpr std::chrono::milliseconds kStopLimit(1900 * kStopSlowdown);
// Set once every call has returned (grpc::Server::Wait): the backstop then abandons none.
std::atomic<bool> g_calls_done{false};

// A fresh temporary root, removed (recursively) when destroyed.
class TempDir {
 public:
  TempDir() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/pynq-remote-root.XXXXXX";
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    if (path_.empty()) return;
    nftw(
        path_.c_str(),
        [](const char* path, const struct stat*, int, struct FTW*) { return remove(path); }, 16,
        FTW_DEPTH | FTW_PHYS);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace

int RunServer(const ServerFlags& flags) {
  const BackendInfo& backend = *flags.backend;
  std::vector<transport::ListenAddress> listens;
  for (const std::string& text : flags.listen) {
    Result<transport::ListenAddress> address = transport::ParseListenAddress(text);
    if (!address.ok()) {
      LogError(address.error().message);
      return 1;
    }
    for (const transport::ListenAddress& earlier : listens) {
      if (earlier.grpc_target() == address.value().grpc_target()) {
        LogError("--listen " + text + " is given twice");
        return 1;
      }
    }
    listens.push_back(std::move(address).value());
  }
  // Transport security, checked before anything starts so that a bad file stops the server
  // here, with the file named.
  Result<transport::ServerSecurity> security =
      transport::LoadServerSecurity(flags.security, std::getenv(transport::kTokenEnv), LogWarn);
  if (!security.ok()) {
    LogError(security.error().message);
    return 1;
  }
  for (const std::string& warning : security.value().warnings) LogWarn(warning);
  for (const transport::ListenAddress& address : listens) {
    if (std::optional<std::string> warning =
            transport::InsecureListenWarning(address.text, security.value())) {
      LogWarn(*warning);
    }
  }

  std::optional<TempDir> temp_root;
  std::string root = flags.root;
  if (root.empty() && backend.root == DefaultRoot::kSystem) root = "/";  // the board's own files
  if (root.empty() && !flags.state_dir.empty()) {
    root = flags.state_dir + "/root";
    if ((mkdir(flags.state_dir.c_str(), 0700) != 0 && errno != EEXIST) ||
        (mkdir(root.c_str(), 0755) != 0 && errno != EEXIST)) {
      LogError("--state-dir " + flags.state_dir + ": cannot create " + root + ": " +
               std::strerror(errno));
      return 1;
    }
  }
  if (root.empty()) {
    temp_root.emplace();
    root = temp_root->path();
    if (root.empty()) {
      LogError("cannot create a temporary root directory");
      return 1;
    }
  }

  if (!flags.state_dir.empty() && mkdir(flags.state_dir.c_str(), 0700) != 0 && errno != EEXIST) {
    LogError("--state-dir " + flags.state_dir + ": cannot create it: " + std::strerror(errno));
    return 1;
  }
  BackendContext context;
  context.root = root;
  context.state_dir = flags.state_dir;
  context.extra_windows = flags.mmio_allow;
  std::string error;
  std::unique_ptr<Device> device = flags.config->Create(context, &error);
  if (!device) {
    LogError(error);
    return 1;
  }

  // Unix socket paths are checked as late as possible before gRPC binds them, which leaves
  // the least time for another server to appear there.
  std::vector<transport::UnixSocketFile> sockets;
  for (const transport::ListenAddress& address : listens) {
    if (!address.is_unix()) continue;
    Result<transport::UnixSocketFile> socket =
        transport::UnixSocketFile::Prepare(address.unix_path);
    if (!socket.ok()) {
      LogError(socket.error().message);
      return 1;
    }
    if (!socket.value().removed_stale().empty()) LogWarn(socket.value().removed_stale());
    sockets.push_back(std::move(socket).value());
  }

  ServiceOptions options;
  options.max_message_bytes = flags.max_message_mb << 20;
  options.server_version = PYNQ_REMOTE_VERSION;
  options.limits = flags.limits;
  options.state_dir = flags.state_dir;
  options.mmio_policy = flags.mmio_policy;
  options.mmio_allow.insert(options.mmio_allow.end(), flags.mmio_allow.begin(),
                            flags.mmio_allow.end());
  Result<std::unique_ptr<service::Services>> services =
      service::Services::Create(*device, root, backend.populate_root, options);
  if (!services.ok()) {
    LogError("cannot start the services (target root " + root + "): " + services.error().message);
    return 1;
  }

  grpc::ServerBuilder builder;
  // Without this Linux lets a second server bind the same port (SO_REUSEPORT).
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // A client that vanishes without closing its connection (power cut, cable pulled) is
  // found by keepalive pings, so its session's handles are freed within seconds.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 2000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 2000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // What gRPC itself may use, whatever clients do: threads to run calls on (a sync call in
  // progress holds one; past the ceiling calls are refused with RESOURCE_EXHAUSTED) and
  // memory for its connection and message buffers (under pressure gRPC shrinks flow-control
  // windows and sheds idle connections; what our streams hold is counted against the same
  // figure by StreamGuard, and refused past it).
  grpc::ResourceQuota quota("pynq-remote-server");
  quota.SetMaxThreads(flags.max_threads);
  quota.Resize(flags.limits.max_call_bytes);
  builder.SetResourceQuota(quota);
  // gRPC writes each chosen port here when the server starts (1 for a unix socket).
  std::vector<int> ports(listens.size(), 0);
  for (size_t i = 0; i < listens.size(); ++i) {
    builder.AddListeningPort(listens[i].grpc_target(), security.value().credentials, &ports[i]);
  }
  services.value()->RegisterWith(builder);
  // Reflection lists what this server registers: Services' services and the health check
  // (ReflectionService adds its own two).
  std::vector<std::string> served = services.value()->ServiceNames();
  served.push_back("grpc.health.v1.Health");
  service::AsyncQueue& queue = services.value()->queue();
  service::ReflectionService reflection(std::move(served), &services.value()->state().idle_streams);
  reflection.RegisterWith(builder, queue);
  // Not gRPC's default health service: it is on the callback API (health_service.h).
  service::HealthService health(&services.value()->state().idle_streams);
  health.RegisterWith(builder, queue);
  // Reflection's and health's calls are on Services' queue: it is stopped (the server shut
  // down first, by the stopper or by ~grpc::Server on an early return) before they go.
  struct StopQueueFirst {
    service::AsyncQueue& queue;
    ~StopQueueFirst() { queue.Stop(); }
  } stop_queue_first{queue};
  // A unix socket is created with the umask's mode, and chmod-ed to --listen-mode once bound;
  // in between only the owner may connect. The umask is the process's: a file another thread
  // creates meanwhile gets owner-only permissions too, which is at worst stricter.
  const mode_t umask_before = sockets.empty() ? 0 : umask(0177);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!sockets.empty()) umask(umask_before);
  if (!server) {
    // gRPC stops at the first address it cannot bind, leaving its port 0.
    size_t failed = 0;
    while (failed + 1 < listens.size() && ports[failed] != 0) ++failed;
    LogError(
        "cannot listen on " + listens[failed].text +
        (listens[failed].is_unix() ? " (see gRPC's message above"
                                   : " (address in use or not local?") +
        (security.value().tls ? " or gRPC refused the TLS files: see its message above)" : ")"));
    return 1;
  }
  for (transport::UnixSocketFile& socket : sockets) {
    Status bound = socket.Bound(flags.listen_mode);
    if (!bound.ok()) {
      LogError(bound.error().message);
      return 1;
    }
  }

  // SIGINT/SIGTERM are blocked in every thread (see main); this one waits for them. The
  // server is gone within kStopLimit of the signal whatever it is doing: long calls stop at
  // once (BeginShutdown), others get kStopGrace to finish and are then cancelled, and a call
  // stuck where nothing can reach it (the kernel) is left behind by the backstop.
  Services* running = services.value().get();
  std::thread stopper([&server, running, &health] {
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    int signal = 0;
    sigwait(&stop, &signal);
    LogInfo(std::string("received ") + (signal == SIGINT ? "SIGINT" : "SIGTERM") +
            ", shutting down");
    std::thread([] {
      std::this_thread::sleep_for(kStopLimit);
      // Nothing acknowledged is lost by not waiting: the state journal and the DDR file are
      // written as changes are made. Exit 1 says calls were abandoned; 0, that only the
      // teardown after them was slow.
      const bool abandoned = !g_calls_done.load();
      LogError(abandoned ? "calls still running " + std::to_string(kStopLimit.count()) +
                               " ms after the stop signal; exiting without them"
                         : "teardown still running " + std::to_string(kStopLimit.count()) +
                               " ms after the stop signal; exiting");
      std::_Exit(abandoned ? 1 : 0);
    }).detach();
    health.SetNotServing();
    running->BeginShutdown();
    server->Shutdown(std::chrono::system_clock::now() + kStopGrace);
  });

  LogInfo("backend " + backend.name + ", root " + root + ", max message " +
          std::to_string(flags.max_message_mb) + " MiB, " + security.value().Describe());
  // One line per address, in --listen's order: scripts and tests take the first.
  for (size_t i = 0; i < listens.size(); ++i) {
    std::printf("pynq-remote-server listening on %s\n", listens[i].Describe(ports[i]).c_str());
  }
  std::fflush(stdout);
  server->Wait();
  g_calls_done = true;
  stopper.join();
  // No new client can find a stopped server's socket; a server killed before this point
  // leaves a stale one, which the next start on that path removes.
  for (transport::UnixSocketFile& socket : sockets) socket.Remove();
  // Every RPC has finished. Destroying the last grpc::Server runs gRPC 1.51's library
  // teardown, which can sit out a 10 s executor poll while a client still holds its
  // connection open; nothing of ours needs it, so the stopped server is left to the OS.
  // A static keeps it reachable, so LeakSanitizer does not report it as a leak; volatile,
  // so the compiler cannot drop a store nothing reads.
  [[maybe_unused]] static grpc::Server* volatile stopped_server = nullptr;
  stopped_server = server.release();
  LogInfo("stopped");
  return 0;
}

}  // namespace pynq_remote
