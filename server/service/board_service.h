// pynq_remote.v1.Board: our extension. Full-width MMIO by physical address, batches,
// simulated time, 64-bit buffer ranges. Errors are gRPC status codes (error_mapping.h).
#ifndef PYNQ_REMOTE_SERVER_SERVICE_BOARD_SERVICE_H_
#define PYNQ_REMOTE_SERVER_SERVICE_BOARD_SERVICE_H_

#include "pynq_remote/v1/board.grpc.pb.h"
#include "service/async_queue.h"
#include "service/board_trace.h"
#include "service/mmio_poll.h"
#include "service/service_state.h"

namespace pynq_remote::service {

namespace v1 = ::pynq_remote::v1;

// MmioPoll is on the async API (async_queue.h: a poll holds no server thread); the rest are
// sync.
class BoardService final : public v1::Board::WithAsyncMethod_MmioPoll<v1::Board::Service> {
 public:
  explicit BoardService(ServiceState& state) : state_(state), poller_(state), trace_(state) {}

  /// On `queue`'s thread once the server has started: waits for the first MmioPoll.
  void Start(AsyncQueue& queue);

  grpc::Status GetInfo(grpc::ServerContext* context, const v1::GetInfoRequest* request,
                       v1::BoardInfo* response) override;
  grpc::Status MmioRead(grpc::ServerContext* context, const v1::MmioReadRequest* request,
                        v1::MmioReadResponse* response) override;
  grpc::Status MmioWrite(grpc::ServerContext* context, const v1::MmioWriteRequest* request,
                         v1::MmioWriteResponse* response) override;
  grpc::Status MmioBatch(grpc::ServerContext* context, const v1::MmioBatchRequest* request,
                         v1::MmioBatchResponse* response) override;
  grpc::Status Advance(grpc::ServerContext* context, const v1::AdvanceRequest* request,
                       v1::AdvanceResponse* response) override;
  grpc::Status AllocateBuffer(grpc::ServerContext* context,
                              const v1::AllocateBufferRequest* request,
                              v1::AllocateBufferResponse* response) override;
  grpc::Status ReadBuffer(grpc::ServerContext* context, const v1::ReadBufferRequest* request,
                          grpc::ServerWriter<v1::BufferChunk>* writer) override;
  grpc::Status WriteBuffer(grpc::ServerContext* context,
                           grpc::ServerReader<v1::BufferChunk>* reader,
                           v1::WriteBufferResponse* response) override;
  grpc::Status ReadBufferRange(grpc::ServerContext* context, const v1::ReadBufferRequest* request,
                               v1::BufferChunk* response) override;
  grpc::Status WriteBufferRange(grpc::ServerContext* context, const v1::BufferChunk* request,
                                v1::WriteBufferResponse* response) override;
  // Waveforms (board_trace.cc).
  grpc::Status StartTrace(grpc::ServerContext* context, const v1::StartTraceRequest* request,
                          v1::StartTraceResponse* response) override;
  grpc::Status StopTrace(grpc::ServerContext* context, const v1::StopTraceRequest* request,
                         v1::StopTraceResponse* response) override;

  /// A session has gone (the reaper): a trace it started stops.
  void ReleaseSession(const std::string& session) { trace_.ReleaseSession(session); }

 private:
  ServiceState& state_;
  MmioPoller poller_;
  TraceKeeper trace_;
};

/// Capabilities the service layer adds to the Device's own.
inline constexpr const char* kServerCapabilities[] = {"mmio64", "mmio_batch", "mmio_poll",
                                                      "buffer_range64", "fpga_manager"};

}  // namespace pynq_remote::service

#endif  // PYNQ_REMOTE_SERVER_SERVICE_BOARD_SERVICE_H_
