// The server's command line. Its own flags are parsed here; a backend's flags go to that
// backend's BackendConfig, and --help lists each backend's section from the registry.
#include "server_flags.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>

namespace pynq_remote {
namespace {

constexpr uint64_t kMaxBoards = 4096;

// The flags every backend shares; UsageText() adds --backend and each backend's own.
constexpr char kCommonFlags[] =
    "  --listen HOST:PORT     address to serve on (default 127.0.0.1:7967; port 0 picks one)\n"
    "  --listen unix:PATH     or a unix socket at the absolute PATH, for clients on this\n"
    "                         machine (no TCP); repeat --listen to serve on several\n"
    "  --listen-mode MODE     permissions of unix sockets, octal (default 0660: owner and\n"
    "                         group may connect)\n"
    "  --boards N             serve N boards from this one process (sim; default 1), each\n"
    "                         with its own port (PORT+K for board K; port 0: each picks\n"
    "                         one), root (DIR/board-K), state (DIR/board-K), sessions and\n"
    "                         health service; unix:PATH and --trace FILE get a -K suffix.\n"
    "                         They share gRPC's timers and one SystemC kernel: many idle\n"
    "                         boards cost little, but their simulations take turns\n"
    "  --root DIR             the target's filesystem root (default: / for zynq; a fresh\n"
    "                         temporary directory for sim, removed at exit). For zynq, a\n"
    "                         fake board tree stands in for the board (tests)\n"
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

std::string UsageText() {
  std::string names;
  for (const BackendInfo& backend : Backends()) {
    names += (names.empty() ? "" : "|") + backend.name;
  }
  const BackendInfo* fallback = DefaultBackend();
  std::string text = "usage: pynq-remote-server [flags]\n";
  text += "  --backend " + names + "\n";
  text += "                         the board behind the server (default " +
          (fallback ? fallback->name : std::string("none")) + "):\n";
  for (const BackendInfo& backend : Backends()) {
    text += "                           " + backend.name + ": " + backend.summary + "\n";
  }
  text += kCommonFlags;
  for (const BackendInfo& backend : Backends()) {
    if (!backend.help.empty()) text += backend.name + " backend:\n" + backend.help;
  }
  return text;
}

// Exits 2. The whole usage follows only a flag the server does not know: for a bad value,
// the message names the flag and what it wants.
[[noreturn]] void BadCommandLine(const std::string& message, bool with_usage = false) {
  std::fprintf(stderr, "pynq-remote-server: %s\n%s", message.c_str(),
               with_usage ? UsageText().c_str() : "");
  std::exit(2);
}

// A whole number in [lo, hi], or exit 2 naming the flag.
uint64_t ParseCount(const std::string& name, const std::string& text, uint64_t lo, uint64_t hi) {
  std::string error;
  std::optional<uint64_t> value = ParseFlagCount(text, lo, hi, &error);
  if (!value) BadCommandLine(name + " " + error);
  return *value;
}

}  // namespace

ServerFlags ParseServerFlags(int argc, char** argv) {
  ServerFlags flags;
  bool sessionless_limit_set = false;  // else it follows --max-session-memory-mb
  bool call_memory_set = false;        // else a quarter of RAM, at most 512 MiB
  std::string backend_name;
  // Each backend's flags, as given; only the chosen backend's may be.
  std::map<std::string, std::unique_ptr<BackendConfig>> configs;
  std::map<std::string, std::string> first_flag;  // per backend, for the message
  auto value = [&](int& i, const std::string& name) -> std::string {
    if (i + 1 >= argc) {
      BadCommandLine(name + " needs a value", /*with_usage=*/true);
    }
    return argv[++i];
  };
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::printf("%s", UsageText().c_str());
      std::exit(0);
    } else if (arg == "--version") {
      std::printf("pynq-remote-server %s\n", PYNQ_REMOTE_VERSION);
      std::exit(0);
    } else if (arg == "--backend") {
      backend_name = value(i, arg);
    } else if (arg == "--listen") {
      flags.listen.push_back(value(i, arg));
    } else if (arg == "--listen-mode") {
      std::string text = value(i, arg);
      std::optional<mode_t> mode = transport::ParseSocketMode(text);
      if (!mode) {
        BadCommandLine("--listen-mode wants an octal mode up to 0777, e.g. 0660, not \"" + text +
                       "\"");
      }
      flags.listen_mode = *mode;
    } else if (arg == "--boards") {
      flags.boards = ParseCount(arg, value(i, arg), 1, kMaxBoards);
    } else if (arg == "--root") {
      flags.root = value(i, arg);
    } else if (arg == "--log-level") {
      std::optional<LogLevel> level = ParseLogLevel(value(i, arg));
      if (!level) {
        BadCommandLine("--log-level is error|warn|info|debug");
      }
      flags.log_level = *level;
    } else if (arg == "--max-message-mb") {
      std::string text = value(i, arg);
      char* end = nullptr;
      unsigned long mb = std::strtoul(text.c_str(), &end, 10);
      if (*end != '\0' || mb < 4 || mb > 2000) {
        BadCommandLine("--max-message-mb wants 4..2000");
      }
      flags.max_message_mb = mb;
    } else if (arg == "--state-dir") {
      flags.state_dir = value(i, arg);
    } else if (arg == "--max-session-memory-mb") {
      flags.limits.max_session_bytes = ParseCount(arg, value(i, arg), 0, 1u << 20) << 20;
    } else if (arg == "--max-sessionless-memory-mb") {
      flags.limits.max_sessionless_bytes = ParseCount(arg, value(i, arg), 0, 1u << 20) << 20;
      sessionless_limit_set = true;
    } else if (arg == "--stream-idle-s") {
      flags.limits.stream_idle = std::chrono::seconds(ParseCount(arg, value(i, arg), 0, 86400));
    } else if (arg == "--max-threads") {
      flags.max_threads = static_cast<int>(ParseCount(arg, value(i, arg), 8, 1u << 16));
    } else if (arg == "--max-call-memory-mb") {
      flags.limits.max_call_bytes = ParseCount(arg, value(i, arg), 16, 1u << 20) << 20;
      call_memory_set = true;
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
      std::optional<MmioPolicyMode> mode = ParseMmioPolicyMode(value(i, arg));
      if (!mode) {
        BadCommandLine("--mmio-policy is overlay|strict|open");
      }
      flags.mmio_policy = *mode;
    } else if (arg == "--mmio-allow") {
      std::string text = value(i, arg);
      std::optional<AddressWindow> window = ParseWindowSpec(text);
      if (!window) {
        BadCommandLine(
            "--mmio-allow wants BASE:SIZE with SIZE > 0, e.g. 0xA0000000:0x1000, not \"" + text +
            "\"");
      }
      flags.mmio_allow.push_back(*window);
    } else if (transport::SecurityFlags::Has(arg)) {
      // --tls-cert, --tls-key, --tls-client-ca, --token-file: see server/transport/.
      flags.security.Set(arg, value(i, arg));
    } else if (const BackendInfo* owner = BackendOwningFlag(arg)) {
      const bool switch_only =
          std::any_of(owner->flags.begin(), owner->flags.end(),
                      [&](const BackendFlag& f) { return f.name == arg && !f.takes_value; });
      std::string text = switch_only ? "" : value(i, arg);
      std::unique_ptr<BackendConfig>& config = configs[owner->name];
      if (!config) config = owner->make_config();
      std::string error;
      if (!config->Set(arg, text, &error)) BadCommandLine(arg + " " + error);
      first_flag.emplace(owner->name, arg);  // checked once --backend is known
    } else {
      BadCommandLine("unknown flag " + arg, /*with_usage=*/true);
    }
  }
  flags.backend = backend_name.empty() ? DefaultBackend() : FindBackend(backend_name);
  if (!flags.backend) {
    std::string names;
    for (const BackendInfo& backend : Backends()) names += " " + backend.name;
    BadCommandLine("--backend " + backend_name + ": unknown backend (built in:" + names + ")");
  }
  for (auto& [name, config] : configs) {
    if (name != flags.backend->name) {
      BadCommandLine(first_flag[name] + " is a flag of --backend " + name +
                     ", but the backend is " + flags.backend->name);
    }
  }
  auto chosen = configs.find(flags.backend->name);
  flags.config = chosen != configs.end() ? std::move(chosen->second) : flags.backend->make_config();
  if (flags.boards > 1 && !flags.backend->several_per_process) {
    BadCommandLine("--boards " + std::to_string(flags.boards) + ": the " + flags.backend->name +
                   " backend serves the one board it runs on; start one server per board");
  }
  if (flags.listen.empty()) flags.listen.push_back("127.0.0.1:7967");
  if (!sessionless_limit_set) {
    flags.limits.max_sessionless_bytes = flags.limits.max_session_bytes;
  }
  if (!call_memory_set) {
    // A board has 0.5 to 4 GiB; what calls in flight hold must leave it room.
    const uint64_t ram = static_cast<uint64_t>(sysconf(_SC_PHYS_PAGES)) *
                         static_cast<uint64_t>(sysconf(_SC_PAGE_SIZE));
    flags.limits.max_call_bytes = std::clamp<uint64_t>(ram / 4, 64ull << 20, 512ull << 20);
  }
  return flags;
}

}  // namespace pynq_remote
