// Runs the server the flags describe until SIGINT or SIGTERM. The caller blocks both
// signals in every thread first (main does, before any thread exists); a thread of
// RunServer's own waits for them.
#ifndef PYNQ_REMOTE_SERVER_RUN_SERVER_H_
#define PYNQ_REMOTE_SERVER_RUN_SERVER_H_

#include "server_flags.h"

namespace pynq_remote {

/// 0 after a clean stop; 1 when the server cannot start (why is logged) or calls were
/// abandoned at the stop signal.
int RunServer(const ServerFlags& flags);

}  // namespace pynq_remote

#endif  // PYNQ_REMOTE_SERVER_RUN_SERVER_H_
