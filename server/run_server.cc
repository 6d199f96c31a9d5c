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

// The text of --listen `address` for board `index` of a --boards server: PORT+index (port 0
// stays 0: each board's is chosen by the kernel), and a -index suffix on a unix socket.
Result<transport::ListenAddress> BoardListenAddress(const transport::ListenAddress& address,
                                                    size_t index, size_t boards) {
  if (boards == 1) return address;
  std::string text;
  if (address.is_unix()) {
    text = "unix:" + PerBoardPath(address.unix_path, index);
  } else {
    const size_t colon = address.text.rfind(':');
    const unsigned long port = std::strtoul(address.text.c_str() + colon + 1, nullptr, 10);
    if (port != 0 && port + boards - 1 > 65535) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "--listen " + address.text + " with --boards " + std::to_string(boards) +
                           ": the boards' ports " + std::to_string(port) + ".." +
                           std::to_string(port + boards - 1) +
                           " go past 65535; use a lower port, or port 0 to let each board "
                           "pick one");
    }
    text = address.text.substr(0, colon + 1) + std::to_string(port == 0 ? 0 : port + index);
  }
  return transport::ParseListenAddress(text);
}

// Creates DIR (mode `mode`) unless it exists; false with *error naming `flag`.
bool MakeDir(const std::string& dir, mode_t mode, const std::string& flag, std::string* error) {
  if (mkdir(dir.c_str(), mode) == 0 || errno == EEXIST) return true;
  *error = flag + ": cannot create " + dir + ": " + std::strerror(errno);
  return false;
}

// One board the process serves: its Device, services, gRPC server and sockets. Members are
// destroyed in reverse order: the queue is stopped (after the server shut down) before the
// reflection and health services whose calls it carries go, and the device last.
struct BoardServer {
  size_t index = 0;
  std::optional<TempDir> temp_root;
  std::string root;
  std::vector<transport::ListenAddress> listens;
  std::vector<int> ports;  // gRPC writes each chosen port here (1 for a unix socket)
  std::vector<transport::UnixSocketFile> sockets;
  std::unique_ptr<Device> device;
  std::unique_ptr<Services> services;
  std::unique_ptr<service::ReflectionService> reflection;
  std::unique_ptr<service::HealthService> health;
  std::unique_ptr<grpc::ResourceQuota> quota;
  struct StopQueueFirst {
    service::AsyncQueue* queue = nullptr;
    ~StopQueueFirst() {
      if (queue) queue->Stop();
    }
  } stop_queue_first;
  std::unique_ptr<grpc::Server> server;

  // What names this board in the server's log: "" when the process serves one.
  std::string Label(size_t boards) const {
    return boards > 1 ? "board " + std::to_string(index) + ": " : "";
  }
};

// Builds and starts board `index`. Null with *error (the caller logs it) if it cannot.
std::unique_ptr<BoardServer> StartBoard(const ServerFlags& flags, size_t index,
                                        const std::vector<transport::ListenAddress>& listens,
                                        const transport::ServerSecurity& security,
                                        std::string* error) {
  const BackendInfo& backend = *flags.backend;
  const size_t boards = flags.boards;
  auto board = std::make_unique<BoardServer>();
  board->index = index;
  const std::string suffix = boards > 1 ? "/board-" + std::to_string(index) : "";
  std::string state_dir = flags.state_dir;
  if (!state_dir.empty()) {
    if (!MakeDir(state_dir, 0700, "--state-dir " + flags.state_dir, error)) return nullptr;
    state_dir += suffix;
    if (!MakeDir(state_dir, 0700, "--state-dir " + flags.state_dir, error)) return nullptr;
  }
  std::string root = flags.root;
  if (!root.empty() && boards > 1) {
    root += suffix;
    if (!MakeDir(root, 0755, "--root " + flags.root, error)) return nullptr;
  }
  if (root.empty() && backend.root == DefaultRoot::kSystem) root = "/";  // the board's own
  if (root.empty() && !state_dir.empty()) {
    root = state_dir + "/root";
    if (!MakeDir(root, 0755, "--state-dir " + flags.state_dir, error)) return nullptr;
  }
  if (root.empty()) {
    board->temp_root.emplace();
    root = board->temp_root->path();
    if (root.empty()) {
      *error = "cannot create a temporary root directory";
      return nullptr;
    }
  }
  board->root = root;
  for (const transport::ListenAddress& address : listens) {
    Result<transport::ListenAddress> own = BoardListenAddress(address, index, boards);
    if (!own.ok()) {
      *error = own.error().message;
      return nullptr;
    }
    board->listens.push_back(std::move(own).value());
  }

  BackendContext context;
  context.root = root;
  context.state_dir = state_dir;
  context.extra_windows = flags.mmio_allow;
  context.boards = boards;
  context.board_index = index;
  board->device = flags.config->Create(context, error);
  if (!board->device) return nullptr;

  // Unix socket paths are checked as late as possible before gRPC binds them, which leaves
  // the least time for another server to appear there.
  for (const transport::ListenAddress& address : board->listens) {
    if (!address.is_unix()) continue;
    Result<transport::UnixSocketFile> socket =
        transport::UnixSocketFile::Prepare(address.unix_path);
    if (!socket.ok()) {
      *error = socket.error().message;
      return nullptr;
    }
    if (!socket.value().removed_stale().empty()) LogWarn(socket.value().removed_stale());
    board->sockets.push_back(std::move(socket).value());
  }

  ServiceOptions options;
  options.max_message_bytes = flags.max_message_mb << 20;
  options.server_version = PYNQ_REMOTE_VERSION;
  options.limits = flags.limits;
  options.state_dir = state_dir;
  options.mmio_policy = flags.mmio_policy;
  options.mmio_allow.insert(options.mmio_allow.end(), flags.mmio_allow.begin(),
                            flags.mmio_allow.end());
  Result<std::unique_ptr<Services>> services =
      Services::Create(*board->device, root, backend.populate_root, options);
  if (!services.ok()) {
    *error = "cannot start the services (target root " + root + "): " + services.error().message;
    return nullptr;
  }
  board->services = std::move(services).value();

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
  // figure by StreamGuard, and refused past it). Each board has its own: a busy board
  // cannot starve the others of threads.
  board->quota = std::make_unique<grpc::ResourceQuota>("pynq-remote-server");
  board->quota->SetMaxThreads(flags.max_threads);
  board->quota->Resize(flags.limits.max_call_bytes);
  builder.SetResourceQuota(*board->quota);
  board->ports.assign(board->listens.size(), 0);
  for (size_t i = 0; i < board->listens.size(); ++i) {
    builder.AddListeningPort(board->listens[i].grpc_target(), security.credentials,
                             &board->ports[i]);
  }
  board->services->RegisterWith(builder);
  // Reflection lists what this server registers: Services' services and the health check
  // (ReflectionService adds its own two).
  std::vector<std::string> served = board->services->ServiceNames();
  served.push_back("grpc.health.v1.Health");
  service::AsyncQueue& queue = board->services->queue();
  board->reflection = std::make_unique<service::ReflectionService>(
      std::move(served), &board->services->state().idle_streams);
  board->reflection->RegisterWith(builder, queue);
  // Not gRPC's default health service: it is on the callback API (health_service.h).
  board->health = std::make_unique<service::HealthService>(&board->services->state().idle_streams);
  board->health->RegisterWith(builder, queue);
  // Reflection's and health's calls are on Services' queue: it is stopped (the server shut
  // down first, by the stopper or by ~grpc::Server on an early return) before they go.
  board->stop_queue_first.queue = &queue;
  // A unix socket is created with the umask's mode, and chmod-ed to --listen-mode once bound;
  // in between only the owner may connect. The umask is the process's: a file another thread
  // creates meanwhile gets owner-only permissions too, which is at worst stricter.
  const mode_t umask_before = board->sockets.empty() ? 0 : umask(0177);
  board->server = builder.BuildAndStart();
  if (!board->sockets.empty()) umask(umask_before);
  if (!board->server) {
    // gRPC stops at the first address it cannot bind, leaving its port 0.
    size_t failed = 0;
    while (failed + 1 < board->listens.size() && board->ports[failed] != 0) ++failed;
    const transport::ListenAddress& address = board->listens[failed];
    *error = "cannot listen on " + address.text +
             (address.is_unix() ? " (see gRPC's message above" : " (address in use or not local?") +
             (security.tls ? " or gRPC refused the TLS files: see its message above)" : ")");
    return nullptr;
  }
  for (transport::UnixSocketFile& socket : board->sockets) {
    Status bound = socket.Bound(flags.listen_mode);
    if (!bound.ok()) {
      *error = bound.error().message;
      return nullptr;
    }
  }
  return board;
}

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
  if (!flags.root.empty() && flags.boards > 1) {
    std::string error;
    if (!MakeDir(flags.root, 0755, "--root " + flags.root, &error)) {
      LogError(error);
      return 1;
    }
  }

  // Every board is started before the first "listening on" line: a script that reads those
  // lines may use any board at once. Boards started before one that fails are shut down by
  // their destructors.
  std::vector<std::unique_ptr<BoardServer>> boards;
  for (size_t index = 0; index < flags.boards; ++index) {
    std::string error;
    std::unique_ptr<BoardServer> board =
        StartBoard(flags, index, listens, security.value(), &error);
    if (!board) {
      LogError((flags.boards > 1 ? "board " + std::to_string(index) + ": " : "") + error);
      return 1;
    }
    boards.push_back(std::move(board));
  }

  // SIGINT/SIGTERM are blocked in every thread (see main); this one waits for them. The
  // server is gone within kStopLimit of the signal whatever it is doing: long calls stop at
  // once (BeginShutdown), others get kStopGrace to finish and are then cancelled, and a call
  // stuck where nothing can reach it (the kernel) is left behind by the backstop. Every
  // board shares the one deadline.
  std::thread stopper([&boards] {
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
    const auto deadline = std::chrono::system_clock::now() + kStopGrace;
    for (auto& board : boards) {
      board->health->SetNotServing();
      board->services->BeginShutdown();
    }
    for (auto& board : boards) board->server->Shutdown(deadline);
  });

  for (const auto& board : boards) {
    LogInfo(board->Label(flags.boards) + "backend " + backend.name + ", root " + board->root +
            ", max message " + std::to_string(flags.max_message_mb) + " MiB, " +
            security.value().Describe());
  }
  // One line per address, board after board, each in --listen's order: scripts and tests
  // take the first (with --boards, board K's are the K-th group).
  for (const auto& board : boards) {
    for (size_t i = 0; i < board->listens.size(); ++i) {
      std::printf("pynq-remote-server listening on %s\n",
                  board->listens[i].Describe(board->ports[i]).c_str());
    }
  }
  std::fflush(stdout);
  for (auto& board : boards) board->server->Wait();
  g_calls_done = true;
  stopper.join();
  // No new client can find a stopped server's socket; a server killed before this point
  // leaves a stale one, which the next start on that path removes.
  for (auto& board : boards) {
    for (transport::UnixSocketFile& socket : board->sockets) socket.Remove();
  }
  // Every RPC has finished. Destroying the last grpc::Server runs gRPC 1.51's library
  // teardown, which can sit out a 10 s executor poll while a client still holds its
  // connection open; nothing of ours needs it, so the stopped servers are left to the OS
  // (the rest of each board, its device and temporary root, goes as usual). A static keeps
  // them reachable, so LeakSanitizer does not report them as leaks.
  [[maybe_unused]] static std::vector<grpc::Server*>* volatile stopped_servers = nullptr;
  stopped_servers = new std::vector<grpc::Server*>;
  for (auto& board : boards) stopped_servers->push_back(board->server.release());
  boards.clear();
  LogInfo("stopped");
  return 0;
}

}  // namespace pynq_remote
