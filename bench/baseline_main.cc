// baseline-server: the bare gRPC baseline as a process, for the Python end-to-end bench.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "baseline_server.h"

int main(int argc, char** argv) {
  const std::string address = argc > 1 ? argv[1] : "127.0.0.1:0";
  int port = 0;
  auto server = pynq_remote::bench::StartBaselineServer(address, &port);
  if (!server) {
    std::fprintf(stderr, "baseline-server: cannot listen on %s\n", address.c_str());
    return 1;
  }
  std::printf("baseline-server listening on port %d\n", port);
  std::fflush(stdout);
  server->Wait();
  return 0;
}
