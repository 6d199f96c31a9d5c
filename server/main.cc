// pynq-remote-server: serves the PYNQ.remote services (and ours) over one Device backend.
// main reads the flags; RunServer builds the backend, registers the services and waits
// until SIGINT/SIGTERM.
#include <ftw.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/resource_quota.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
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

#include "service/log.h"
#include "service/reflection_service.h"
#include "service/services.h"
#include "transport/security.h"
#include "zynq/zynq_device.h"
#ifdef PYNQ_REMOTE_WITH_SIM
#include "sim/sim_device.h"
#endif

namespace pynq_remote {
namespace {

using service::LogError;
using service::LogInfo;
using service::LogWarn;
using service::Services;

constexpr char kUsage[] =
    "usage: pynq-remote-server [flags]\n"
    "  --backend sim|zynq     the board behind the server: sim, the simulated board (default\n"
    "                         where built), or zynq, the Zynq / Zynq UltraScale+ board this\n"
    "                         server runs on (FPGA manager, /dev/mem, u-dma-buf)\n"
    "  --listen HOST:PORT     address to serve on (default 127.0.0.1:7967; port 0 picks one)\n"
    "  --root DIR             the target's filesystem root (default: / for zynq; a fresh\n"
    "                         temporary directory for sim, removed at exit). For zynq, a\n"
    "                         fake board tree stands in for the board (tests)\n"
    "zynq backend:\n"
    "  --memory SOURCE        where buffers come from (default udmabuf):\n"
    "                           udmabuf[:NAME,...]   u-dma-buf devices (default: every one)\n"
    "                           carveout:BASE:SIZE   a reserved-memory region via /dev/mem\n"
    "                           carveout:NODE        the device tree's /reserved-memory/NODE\n"
    "                           xrt                  XRT (zocl) buffer objects, if built in\n"
    "                           none                 no buffers (MMIO only)\n"
    "  --board NAME           board name to report (default: from the device tree)\n"
    "  --part PART            FPGA part to report (default: from the board's name)\n"
    "  --deterministic        sim: time moves only through Board.Advance\n"
    "  --pl-clock-mhz MHZ     sim: PL clock 0 frequency (default 100)\n"
    "  --trace FILE           sim: write a waveform of the PL (FST/VCD)\n"
    "  --bus-timeout-us N     sim: simulated microseconds (1..60000000) a bus access with\n"
    "                         no response waits before it fails with TIMEOUT (default:\n"
    "                         100000 PL cycles, 1000 us at 100 MHz)\n"
    "  --log-level LEVEL      error|warn|info|debug (default info)\n"
    "  --max-message-mb N     largest gRPC message, in MiB (default 64)\n"
    "  --state-dir DIR        keep buffers, sessions and the loaded design in DIR so a\n"
    "                         restarted server gives clients back what they held (sim: the\n"
    "                         DDR too, and the root defaults to DIR/root; zynq: u-dma-buf\n"
    "                         and carve-out memory outlive the server by themselves)\n"
    "limits (0 = unlimited; past one a call gets RESOURCE_EXHAUSTED, the server stays up):\n"
    "  --max-session-memory-mb N  buffer memory one session may hold (default 0)\n"
    "  --max-sessionless-memory-mb N\n"
    "                             buffer memory PYNQ 3.1 clients (which open no session) may\n"
    "                             hold together (default: --max-session-memory-mb)\n"
    "  --max-total-memory-mb N    buffer memory all clients together may hold (default 0)\n"
    "  --max-handles N            buffer + MMIO handles per session (default 4096)\n"
    "  --max-sessions N           sessions open at once (default 256)\n"
    "  --max-streams N            streaming transfers in progress at once (default 16); a\n"
    "                             bitstream being downloaded counts as session memory\n"
    "  --stream-idle-s S          a stream whose client sends or takes nothing for S seconds\n"
    "                             is ended with DEADLINE_EXCEEDED (default 30; 0: never)\n"
    "  --max-threads N            threads gRPC may run calls on; past it calls get\n"
    "                             RESOURCE_EXHAUSTED (default 256)\n"
    "  --max-call-memory-mb N     memory for calls in flight: bitstreams being downloaded,\n"
    "                             and gRPC's connection and message buffers (its resource\n"
    "                             quota) (default: a quarter of RAM, at most 512)\n"
    "  --max-file-mb N            largest file a client may write (default 1024)\n"
    "  --session-grace-ms MS      a dropped session's handles are freed after this (1000)\n"
    "access:\n"
    "  --mmio-policy MODE         overlay (default): the loaded overlay's .hwh windows plus\n"
    "                             the PS registers PYNQ needs; strict: as overlay, but no PL\n"
    "                             access without a .hwh; open: every bus window (PYNQ 3.1)\n"
    "  --mmio-allow BASE:SIZE     also allow this window (repeatable), e.g. 0xA0000000:0x1000\n"
    "transport security (default plaintext, with a warning off loopback):\n"
    "  --tls-cert FILE            serve TLS with this PEM certificate chain (needs --tls-key)\n"
    "  --tls-key FILE             the certificate's PEM private key, unencrypted\n"
    "  --tls-client-ca FILE       mutual TLS: clients must present a certificate this PEM CA\n"
    "                             signed\n"
    "  --token-file FILE          every call must carry 'authorization: Bearer TOKEN' with a\n"
    "                             TOKEN from FILE (one a line, '#' comments); the environment\n"
    "                             variable PYNQ_REMOTE_TOKEN adds one. gRPC health checks and\n"
    "                             reflection stay open without a token, for probes\n"
    "  --help, --version\n";

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

#ifdef PYNQ_REMOTE_WITH_SIM
constexpr char kDefaultBackend[] = "sim";
#else
constexpr char kDefaultBackend[] = "zynq";
#endif

struct Flags {
  std::string backend = kDefaultBackend;
  std::string listen = "127.0.0.1:7967";
  std::string root;
  bool deterministic = false;
  double pl_clock_mhz = 100.0;
  std::string trace;
  uint64_t bus_timeout_us = 0;  // 0: SimOptions' cycle count
  service::LogLevel log_level = service::LogLevel::kInfo;
  size_t max_message_mb = 64;
  std::string state_dir;
  service::Limits limits;
  bool sessionless_limit_set = false;  // else it follows --max-session-memory-mb
  int max_threads = 256;
  bool call_memory_set = false;  // else a quarter of RAM, at most 512 MiB
  service::MmioPolicyMode mmio_policy = service::MmioPolicyMode::kOverlay;
  std::vector<AddressWindow> mmio_allow;
  zynq::MemorySpec memory;
  std::string board;
  std::string part;
  // Transport security: file names only; server/transport/ reads and checks them.
  transport::SecurityFlags security;
};

// A whole number in [lo, hi], or exit 2 naming the flag.
uint64_t ParseCount(const std::string& name, const std::string& text, uint64_t lo, uint64_t hi) {
  char* end = nullptr;
  errno = 0;
  unsigned long long value = std::strtoull(text.c_str(), &end, 10);
  if (text.empty() || text[0] == '-' || errno != 0 || *end != '\0' || value < lo || value > hi) {
    std::fprintf(stderr, "pynq-remote-server: %s wants a whole number in %llu..%llu, not \"%s\"\n",
                 name.c_str(), static_cast<unsigned long long>(lo),
                 static_cast<unsigned long long>(hi), text.c_str());
    std::exit(2);
  }
  return value;
}

// Exits 0 for --help/--version, 2 for a malformed command line.
Flags ParseFlags(int argc, char** argv) {
  Flags flags;
  auto value = [&](int& i, const std::string& name) -> std::string {
    if (i + 1 >= argc) {
      std::fprintf(stderr, "pynq-remote-server: %s needs a value\n%s", name.c_str(), kUsage);
      std::exit(2);
    }
    return argv[++i];
  };
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::printf("%s", kUsage);
      std::exit(0);
    } else if (arg == "--version") {
      std::printf("pynq-remote-server %s\n", PYNQ_REMOTE_VERSION);
      std::exit(0);
    } else if (arg == "--backend") {
      flags.backend = value(i, arg);
    } else if (arg == "--listen") {
      flags.listen = value(i, arg);
    } else if (arg == "--root") {
      flags.root = value(i, arg);
    } else if (arg == "--deterministic") {
      flags.deterministic = true;
    } else if (arg == "--pl-clock-mhz") {
      std::string text = value(i, arg);
      char* end = nullptr;
      flags.pl_clock_mhz = std::strtod(text.c_str(), &end);
      if (*end != '\0' || !(flags.pl_clock_mhz > 0)) {
        std::fprintf(stderr, "pynq-remote-server: --pl-clock-mhz wants a positive number\n");
        std::exit(2);
      }
    } else if (arg == "--trace") {
      flags.trace = value(i, arg);
    } else if (arg == "--bus-timeout-us") {
      flags.bus_timeout_us = ParseCount(arg, value(i, arg), 1, 60000000);
    } else if (arg == "--log-level") {
      std::optional<service::LogLevel> level = service::ParseLogLevel(value(i, arg));
      if (!level) {
        std::fprintf(stderr, "pynq-remote-server: --log-level is error|warn|info|debug\n");
        std::exit(2);
      }
      flags.log_level = *level;
    } else if (arg == "--max-message-mb") {
      std::string text = value(i, arg);
      char* end = nullptr;
      unsigned long mb = std::strtoul(text.c_str(), &end, 10);
      if (*end != '\0' || mb < 4 || mb > 2000) {
        std::fprintf(stderr, "pynq-remote-server: --max-message-mb wants 4..2000\n");
        std::exit(2);
      }
      flags.max_message_mb = mb;
    } else if (arg == "--state-dir") {
      flags.state_dir = value(i, arg);
    } else if (arg == "--max-session-memory-mb") {
      flags.limits.max_session_bytes = ParseCount(arg, value(i, arg), 0, 1u << 20) << 20;
    } else if (arg == "--max-sessionless-memory-mb") {
      flags.limits.max_sessionless_bytes = ParseCount(arg, value(i, arg), 0, 1u << 20) << 20;
      flags.sessionless_limit_set = true;
    } else if (arg == "--stream-idle-s") {
      flags.limits.stream_idle = std::chrono::seconds(ParseCount(arg, value(i, arg), 0, 86400));
    } else if (arg == "--max-threads") {
      flags.max_threads = static_cast<int>(ParseCount(arg, value(i, arg), 8, 1u << 16));
    } else if (arg == "--max-call-memory-mb") {
      flags.limits.max_call_bytes = ParseCount(arg, value(i, arg), 16, 1u << 20) << 20;
      flags.call_memory_set = true;
    } else if (arg == "--max-total-memory-mb") {
      flags.limits.max_total_bytes = ParseCount(arg, value(i, arg), 0, 1u << 20) << 20;
    } else if (arg == "--max-handles") {
      flags.limits.max_session_handles = ParseCount(arg, value(i, arg), 0, 1u << 24);
    } else if (arg == "--max-sessions") {
      flags.limits.max_sessions = ParseCount(arg, value(i, arg), 0, 1u << 20);
    } else if (arg == "--max-streams") {
      flags.limits.max_concurrent_streams = ParseCount(arg, value(i, arg), 0, 1u << 16);
    } else if (arg == "--max-file-mb") {
      flags.limits.max_file_bytes = ParseCount(arg, value(i, arg), 0, 1u << 20) << 20;
    } else if (arg == "--session-grace-ms") {
      flags.limits.grace = std::chrono::milliseconds(ParseCount(arg, value(i, arg), 0, 3600000));
    } else if (arg == "--mmio-policy") {
      std::optional<service::MmioPolicyMode> mode = service::ParseMmioPolicyMode(value(i, arg));
      if (!mode) {
        std::fprintf(stderr, "pynq-remote-server: --mmio-policy is overlay|strict|open\n");
        std::exit(2);
      }
      flags.mmio_policy = *mode;
    } else if (arg == "--mmio-allow") {
      std::string text = value(i, arg);
      std::optional<AddressWindow> window = service::ParseWindowSpec(text);
      if (!window) {
        std::fprintf(stderr,
                     "pynq-remote-server: --mmio-allow wants BASE:SIZE with SIZE > 0, e.g. "
                     "0xA0000000:0x1000, not \"%s\"\n",
                     text.c_str());
        std::exit(2);
      }
      flags.mmio_allow.push_back(*window);
    } else if (arg == "--memory") {
      std::string text = value(i, arg);
      std::string error;
      std::optional<zynq::MemorySpec> memory = zynq::ParseMemorySpec(text, &error);
      if (!memory) {
        std::fprintf(stderr, "pynq-remote-server: --memory %s: %s\n", text.c_str(), error.c_str());
        std::exit(2);
      }
      flags.memory = *memory;
    } else if (arg == "--board") {
      flags.board = value(i, arg);
    } else if (arg == "--part") {
      flags.part = value(i, arg);
    } else if (transport::SecurityFlags::Has(arg)) {
      // --tls-cert, --tls-key, --tls-client-ca, --token-file: see server/transport/.
      flags.security.Set(arg, value(i, arg));
    } else {
      std::fprintf(stderr, "pynq-remote-server: unknown flag %s\n%s", arg.c_str(), kUsage);
      std::exit(2);
    }
  }
  if (!flags.sessionless_limit_set) {
    flags.limits.max_sessionless_bytes = flags.limits.max_session_bytes;
  }
  if (!flags.call_memory_set) {
    // A board has 0.5 to 4 GiB; what calls in flight hold must leave it room.
    const uint64_t ram = static_cast<uint64_t>(sysconf(_SC_PHYS_PAGES)) *
                         static_cast<uint64_t>(sysconf(_SC_PAGE_SIZE));
    flags.limits.max_call_bytes = std::clamp<uint64_t>(ram / 4, 64ull << 20, 512ull << 20);
  }
  return flags;
}

// HOST:PORT with a numeric port 0..65535; HOST may be [v6].
bool ValidListenAddress(const std::string& address) {
  size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == address.size()) return false;
  std::string port = address.substr(colon + 1);
  if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) return false;
  return std::stoul(port) <= 65535;
}

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

// The backend the flags name, or nullptr after logging why not. `root`: the target root
// RunServer settled on (for zynq, the board's own files).
std::unique_ptr<Device> CreateBackend(const Flags& flags, const std::string& root) {
  std::string error;
  if (flags.backend == "zynq") {
    zynq::ZynqOptions options;
    options.root = root;
    options.memory = flags.memory;
    options.extra_windows = flags.mmio_allow;
    options.board = flags.board;
    options.part = flags.part;
    std::unique_ptr<Device> device = zynq::CreateZynqDevice(options, &error);
    if (!device) LogError("cannot use this board (--backend zynq): " + error);
    return device;
  }
#ifdef PYNQ_REMOTE_WITH_SIM
  sim::SimOptions sim_options;
  sim_options.deterministic = flags.deterministic;
  sim_options.pl_clock_mhz = flags.pl_clock_mhz;
  sim_options.trace_path = flags.trace;
  sim_options.mmio_timeout_us = flags.bus_timeout_us;
  if (!flags.state_dir.empty()) sim_options.ddr_file = flags.state_dir + "/ddr.img";
  std::unique_ptr<Device> device = sim::CreateSimDevice(sim_options, &error);
  if (!device) LogError("cannot create the simulated board: " + error);
  return device;
#else
  (void)root;
  LogError(
      "--backend sim: this server was built without the simulated board "
      "(PYNQ_REMOTE_WITH_SIM=OFF); use --backend zynq");
  return nullptr;
#endif
}

int RunServer(const Flags& flags) {
  if (flags.backend != "sim" && flags.backend != "zynq") {
    LogError("--backend " + flags.backend + ": unknown backend (sim or zynq)");
    return 1;
  }
  const bool sim = flags.backend == "sim";
  if (!ValidListenAddress(flags.listen)) {
    LogError("--listen " + flags.listen + ": want HOST:PORT, e.g. 127.0.0.1:7967");
    return 1;
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
  if (std::optional<std::string> warning =
          transport::InsecureListenWarning(flags.listen, security.value())) {
    LogWarn(*warning);
  }

  std::optional<TempDir> temp_root;
  std::string root = flags.root;
  if (root.empty() && !sim) root = "/";  // the board's own filesystem
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
  std::unique_ptr<Device> device = CreateBackend(flags, root);
  if (!device) return 1;

  service::ServiceOptions options;
  options.max_message_bytes = flags.max_message_mb << 20;
  options.server_version = PYNQ_REMOTE_VERSION;
  options.limits = flags.limits;
  options.state_dir = flags.state_dir;
  options.mmio_policy = flags.mmio_policy;
  options.mmio_allow.insert(options.mmio_allow.end(), flags.mmio_allow.begin(),
                            flags.mmio_allow.end());
  Result<std::unique_ptr<service::Services>> services =
      service::Services::Create(*device, root, /*populate_sim_root=*/sim, options);
  if (!services.ok()) {
    LogError("cannot start the services (target root " + root + "): " + services.error().message);
    return 1;
  }

  grpc::EnableDefaultHealthCheckService(true);
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
  int port = 0;
  builder.AddListeningPort(flags.listen, security.value().credentials, &port);
  services.value()->RegisterWith(builder);
  // Reflection lists what this server registers: Services' services and the health check
  // (ReflectionService adds its own two).
  std::vector<std::string> served = services.value()->ServiceNames();
  served.push_back("grpc.health.v1.Health");
  service::ReflectionService reflection(std::move(served), &services.value()->state().idle_streams);
  reflection.RegisterWith(builder);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || port == 0) {
    LogError(
        "cannot listen on " + flags.listen + " (address in use or not local?" +
        (security.value().tls ? " or gRPC refused the TLS files: see its message above)" : ")"));
    return 1;
  }

  // SIGINT/SIGTERM are blocked in every thread (see main); this one waits for them. The
  // server is gone within kStopLimit of the signal whatever it is doing: long calls stop at
  // once (BeginShutdown), others get kStopGrace to finish and are then cancelled, and a call
  // stuck where nothing can reach it (the kernel) is left behind by the backstop.
  Services* running = services.value().get();
  std::thread stopper([&server, running] {
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
    running->BeginShutdown();
    server->Shutdown(std::chrono::system_clock::now() + kStopGrace);
  });

  std::string host = flags.listen.substr(0, flags.listen.rfind(':'));
  LogInfo("backend " + flags.backend + ", root " + root + ", max message " +
          std::to_string(flags.max_message_mb) + " MiB, " + security.value().Describe());
  std::printf("pynq-remote-server listening on %s:%d\n", host.c_str(), port);
  std::fflush(stdout);
  server->Wait();
  g_calls_done = true;
  stopper.join();
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

}  // namespace
}  // namespace pynq_remote

int main(int argc, char** argv) {
  pynq_remote::Flags flags = pynq_remote::ParseFlags(argc, argv);
  pynq_remote::service::SetLogLevel(flags.log_level);
  // Block the stop signals before any thread exists, so only the stopper thread sees them.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  return pynq_remote::RunServer(flags);
}
