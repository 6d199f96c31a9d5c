// The server's command line: its own flags, and the chosen backend's, which the backend
// parses itself (device/backend_registry.h).
#ifndef PYNQ_REMOTE_SERVER_SERVER_FLAGS_H_
#define PYNQ_REMOTE_SERVER_SERVER_FLAGS_H_

#include <sys/types.h>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "device/backend_registry.h"
#include "device/device.h"
#include "state/log.h"
#include "state/mmio_policy.h"
#include "state/sessions.h"
#include "transport/listen_address.h"
#include "transport/security.h"

namespace pynq_remote {

struct ServerFlags {
  const BackendInfo* backend = nullptr;   // --backend (else DefaultBackend())
  std::unique_ptr<BackendConfig> config;  // the backend's own flags, parsed
  // --listen, repeatable: HOST:PORT or unix:/abs/path; 127.0.0.1:7967 when none is given.
  std::vector<std::string> listen;
  mode_t listen_mode = transport::kDefaultUnixSocketMode;  // --listen-mode, unix sockets only
  std::string root;
  size_t boards = 1;  // --boards: boards served by this process (backend's several_per_process)
  LogLevel log_level = LogLevel::kInfo;
  size_t max_message_mb = 64;
  std::string state_dir;
  Limits limits;
  int max_threads = 256;
  MmioPolicyMode mmio_policy = MmioPolicyMode::kOverlay;
  std::vector<AddressWindow> mmio_allow;
  // Transport security: file names only; server/transport/ reads and checks them.
  transport::SecurityFlags security;
};

/// The flags, or exit: 0 after --help/--version, 2 for a malformed command line (what is wrong
/// is printed, with the usage).
ServerFlags ParseServerFlags(int argc, char** argv);

}  // namespace pynq_remote

#endif  // PYNQ_REMOTE_SERVER_SERVER_FLAGS_H_
