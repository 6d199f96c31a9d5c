// A throwaway client for the session tests: opens a session, allocates buffers in it,
// prints "ready" and waits to be killed (or, with --close, closes cleanly). The tests run
// it hundreds of times, so it is C++: a Python client would spend its life importing.
//
// usage: session_client HOST:PORT BUFFERS BYTES [--close]
#include <grpcpp/grpcpp.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "pynq_remote/v1/board.grpc.pb.h"
#include "pynq_remote/v1/session.grpc.pb.h"

namespace v1 = ::pynq_remote::v1;

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: session_client HOST:PORT BUFFERS BYTES [--close]\n");
    return 2;
  }
  const std::string target = argv[1];
  const int buffers = std::atoi(argv[2]);
  const uint64_t bytes = std::strtoull(argv[3], nullptr, 10);
  const bool close = argc > 4 && std::string(argv[4]) == "--close";

  auto channel = grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
  auto sessions = v1::Session::NewStub(channel);
  auto board = v1::Board::NewStub(channel);

  grpc::ClientContext attach_context;
  auto stream = sessions->Attach(&attach_context);
  v1::SessionRequest hello;
  hello.set_client_name("session_client pid " + std::to_string(getpid()));
  v1::SessionEvent event;
  if (!stream->Write(hello) || !stream->Read(&event)) {
    std::fprintf(stderr, "session_client: Attach failed: %s\n",
                 stream->Finish().error_message().c_str());
    return 1;
  }
  for (int i = 0; i < buffers; ++i) {
    grpc::ClientContext context;
    context.AddMetadata("pynq-remote-session", event.session_id());
    v1::AllocateBufferRequest request;
    request.set_size(bytes);
    v1::AllocateBufferResponse response;
    grpc::Status status = board->AllocateBuffer(&context, request, &response);
    if (!status.ok()) {
      std::fprintf(stderr, "session_client: AllocateBuffer: %s\n",
                   status.error_message().c_str());
      return 1;
    }
  }
  std::printf("ready %s\n", event.session_id().c_str());
  std::fflush(stdout);
  if (close) {
    stream->WritesDone();
    attach_context.TryCancel();
    return 0;
  }
  for (;;) std::this_thread::sleep_for(std::chrono::seconds(60));
}
