// pynq-remote-server: serves the PYNQ.remote services (and ours) over one Device backend,
// chosen by --backend from those built in (device/backend_registry.h).
#include <malloc.h>
#include <signal.h>

#include "run_server.h"
#include "server_flags.h"

int main(int argc, char** argv) {
  // gRPC reads a bulk stream's chunks into fresh heap memory on its poller threads. With
  // glibc's defaults such a thread's arena hands the pages back (madvise) as soon as a chunk
  // is freed, and the next chunk faults them in again, zeroed: 8-12k page faults per 64 MiB
  // buffer write, a fifth of the server's time on a VM and the larger part of why that
  // figure swung by 2x (bench/README.md). Keep up to 32 MiB of free heap per arena instead;
  // a block past 4 MiB (a larger message) still gets its own mapping, unmapped when freed.
  mallopt(M_MMAP_THRESHOLD, 4 << 20);
  mallopt(M_TRIM_THRESHOLD, 32 << 20);
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
