// pynq-remote-server: serves the PYNQ.remote services (and ours) over one Device backend,
// chosen by --backend from those built in (device/backend_registry.h).
#include <signal.h>

#include "run_server.h"
#include "server_flags.h"

int main(int argc, char** argv) {
  pynq_remote::ServerFlags flags = pynq_remote::ParseServerFlags(argc, argv);
  pynq_remote::SetLogLevel(flags.log_level);
  // Block the stop signals before any thread exists, so only RunServer's stopper sees them.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  return pynq_remote::RunServer(flags);
}
