// The backends a server can run over, by name (--backend NAME). Each backend folder (sim/,
// zynq/) has one file that describes it here: its name, its flags and their help, and a factory
// that turns its parsed flags into a Device. The server knows backends only through this
// table, so it includes no backend's headers and a new backend is one file plus one
// pynq_remote_register_backend() line in its CMakeLists.txt.
#ifndef PYNQ_REMOTE_SERVER_DEVICE_BACKEND_REGISTRY_H_
#define PYNQ_REMOTE_SERVER_DEVICE_BACKEND_REGISTRY_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "device/device.h"

namespace pynq_remote {

/// What the server settles on before it creates the backend, from its own flags.
struct BackendContext {
  std::string root;                          // the target root (see BackendInfo::root)
  std::string state_dir;                     // --state-dir, "" when none
  std::vector<AddressWindow> extra_windows;  // --mmio-allow
  // --boards: this process serves `boards` boards; this Device is number `board_index`.
  size_t boards = 1;
  size_t board_index = 0;
};

/// One backend's flags as they are parsed, then the Device they describe.
class BackendConfig {
 public:
  virtual ~BackendConfig() = default;
  /// Takes one of this backend's flags (`value` is "" for a switch). False with *error for a
  /// value it cannot use; the server exits 2 with the flag named.
  virtual bool Set(const std::string& flag, const std::string& value, std::string* error) = 0;
  /// The board. Null with *error saying why (the server logs it and exits 1).
  virtual std::unique_ptr<Device> Create(const BackendContext& context, std::string* error) = 0;
};

struct BackendFlag {
  std::string name;  // "--memory"
  bool takes_value = true;
};

/// Where a backend's target root is when --root is not given.
enum class DefaultRoot {
  kSystem,     // "/": the board's own files (zynq)
  kTemporary,  // --state-dir/root, else a fresh temporary directory removed at exit (sim)
};

struct BackendInfo {
  std::string name;     // "sim"
  std::string summary;  // one line for --backend in --help
  std::string help;     // this backend's section of --help: its flags, two-space indented
  std::vector<BackendFlag> flags;
  DefaultRoot root = DefaultRoot::kSystem;
  // The server writes the board's files (fpga_manager, firmware) into the root itself: a
  // simulated board has no kernel to provide them.
  bool populate_root = false;
  // One process may serve several boards of this backend (--boards): each Create makes
  // another. A real board is the one the process runs on.
  bool several_per_process = false;
  // The default --backend is the registered backend with the highest rank.
  int default_rank = 0;
  std::function<std::unique_ptr<BackendConfig>()> make_config;
};

/// Board `index`'s own copy of a file name the flags give once, when one process serves
/// several boards (--boards): "-INDEX" before the extension ("wave.fst" -> "wave-3.fst",
/// "pynq.sock" -> "pynq-3.sock", "dir" -> "dir-3").
std::string PerBoardPath(const std::string& path, size_t index);

/// A flag's value as a whole number in [lo, hi], for the server's flags and backends' alike.
/// nullopt with *error = "wants a whole number in LO..HI, not \"TEXT\"".
std::optional<uint64_t> ParseFlagCount(const std::string& text, uint64_t lo, uint64_t hi,
                                       std::string* error);

/// Every backend built into this executable, in name order.
const std::vector<BackendInfo>& Backends();
/// The backend called `name`, or null.
const BackendInfo* FindBackend(const std::string& name);
/// The backend --backend defaults to (null only when none is built in).
const BackendInfo* DefaultBackend();
/// The backend that owns `flag`, or null when no backend has it.
const BackendInfo* BackendOwningFlag(const std::string& flag);

}  // namespace pynq_remote

#endif  // PYNQ_REMOTE_SERVER_DEVICE_BACKEND_REGISTRY_H_
