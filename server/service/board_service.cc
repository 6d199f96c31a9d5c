#include "service/board_service.h"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "service/buffer_stream.h"
#include "service/caller.h"
#include "service/error_mapping.h"
#include "state/access.h"

namespace pynq_remote::service {
namespace {

// A unary range answer must fit one message with room for its envelope.
constexpr uint64_t kMaxUnaryRange = 16u << 20;
constexpr uint64_t kEnvelopeBytes = 4096;

// offset/length of a v1 request as a byte range of the buffer; length 0 = to the end.
Result<ByteRange> RequestedRange(const BufferEntry& entry, const v1::ReadBufferRequest& request) {
  uint64_t end = request.length() == 0 ? 0 : request.offset() + request.length();
  if (request.length() != 0 && end < request.offset()) end = UINT64_MAX;  // overflow
  return ResolveRange(entry.size, request.offset(), end);
}

// Validates every op up to the first bad one; returns how many are valid and why the
// next is not.
size_t ValidOpsPrefix(const ServiceState& state, const std::vector<MmioOp>& ops, Status* why) {
  for (size_t i = 0; i < ops.size(); ++i) {
    *why = CheckMmioAllowed(state, ops[i].addr, ops[i].width);
    if (!why->ok()) return i;
  }
  return ops.size();
}

std::vector<MmioOp> ToOps(const v1::MmioBatchRequest& request) {
  std::vector<MmioOp> ops;
  ops.reserve(request.ops_size());
  for (const v1::MmioOp& op : request.ops()) {
    MmioOp::Kind kind = op.kind() == v1::MmioOp::WRITE ? MmioOp::Kind::kWrite : MmioOp::Kind::kRead;
    int width = op.width() > 8 ? 0 : static_cast<int>(op.width());
    ops.push_back(MmioOp{kind, op.address(), width, op.value()});
  }
  return ops;
}

// One MmioPoll. The poller calls Complete exactly once, from its thread, from inside Start or
// from Cancel; the outcome goes back to the queue's thread (Handoff), which answers.
class PollCall final : public AsyncUnaryCall<v1::MmioPollRequest, v1::MmioPollResponse> {
 public:
  PollCall(BoardService& service, MmioPoller& poller, const ServiceState& state, AsyncQueue& queue)
      : AsyncUnaryCall(queue), service_(service), poller_(poller), state_(state) {}

 private:
  void RequestCall() override {
    service_.RequestMmioPoll(&context_, &request_, &responder_, queue_.cq(), queue_.cq(),
                             arrived_tag());
  }
  void Spawn() override { (new PollCall(service_, poller_, state_, queue_))->Listen(); }

  void Handle() override {
    if (!v1::MmioPollRequest::Condition_IsValid(request_.condition())) {
      Reply(ToGrpcStatus(&context_,
                         MakeError(ErrorCode::kInvalidArgument,
                                   "MmioPoll: condition " + std::to_string(request_.condition()) +
                                       " is neither EQUAL (0) nor NOT_EQUAL (1)")));
      return;
    }
    MmioPollSpec spec;
    spec.addr = request_.address();
    spec.width = request_.width() > 8 ? 0 : static_cast<int>(request_.width());
    spec.mask = request_.mask();
    spec.value = request_.value();
    spec.equal = request_.condition() != v1::MmioPollRequest::NOT_EQUAL;
    spec.timeout = std::chrono::milliseconds(request_.timeout_ms());
    spec.advance_cycles = request_.advance_cycles();
    Result<uint64_t> ticket =
        poller_.Start(spec, [this](const MmioPollOutcome& outcome) { Complete(outcome); });
    if (!ticket.ok()) {
      Reply(ToGrpcStatus(&context_, ticket.error()));
      return;
    }
    ticket_ = ticket.value();
  }

  // The poller calls Complete at most once more (kStopped, or what it had already decided).
  void Cancelled() override {
    if (ticket_ != 0) poller_.Cancel(ticket_, "the client cancelled the call");
  }

  void Complete(const MmioPollOutcome& outcome) { outcome_.Put(outcome, queue_, &completed_tag_); }

  void Answer() {
    const MmioPollOutcome outcome = outcome_.Take();
    switch (outcome.kind) {
      case MmioPollOutcome::Kind::kMatched:
      case MmioPollOutcome::Kind::kTimeout:
        response_.set_value(outcome.value);
        response_.set_matched(outcome.kind == MmioPollOutcome::Kind::kMatched);
        response_.set_reads(outcome.reads);
        Reply(grpc::Status::OK);
        return;
      case MmioPollOutcome::Kind::kError:
        Reply(ToGrpcStatus(&context_, outcome.error));
        return;
      case MmioPollOutcome::Kind::kStopped:
        Reply(ToGrpcStatus(&context_, StoppedError(outcome.error)));
        return;
    }
  }

  // As StoppedStatus: the server stopping, the client's deadline, or its cancel.
  DeviceError StoppedError(DeviceError error) const {
    if (error.code == ErrorCode::kUnavailable || state_.stopping.load()) {
      error.code = ErrorCode::kUnavailable;
      error.message += "; retry when the server is back";
    } else if (std::chrono::system_clock::now() >= context_.deadline()) {
      error.code = ErrorCode::kDeadlineExceeded;
      error.message += " (the call's deadline passed)";
    }
    return error;
  }

  BoardService& service_;
  MmioPoller& poller_;
  const ServiceState& state_;
  uint64_t ticket_ = 0;               // the queue's thread only
  Handoff<MmioPollOutcome> outcome_;  // from the poller's thread
  AsyncQueue::FnTag completed_tag_{[this](bool) { Answer(); }};
};

}  // namespace

grpc::Status BoardService::GetInfo(grpc::ServerContext*, const v1::GetInfoRequest*,
                                   v1::BoardInfo* response) {
  DeviceInfo info = state_.device.Info();
  FpgaState fpga = state_.device.State();
  response->set_board(info.board);
  response->set_part(info.part);
  response->set_arch(info.arch);
  response->set_backend(info.backend);
  response->set_server_version(state_.options.server_version);
  for (const std::string& cap : info.capabilities) response->add_capabilities(cap);
  for (const char* cap : kServerCapabilities) response->add_capabilities(cap);
  for (const AddressWindow& window : info.windows) {
    v1::AddressWindow* out = response->add_windows();
    out->set_name(window.name);
    out->set_base(window.base);
    out->set_size(window.size);
  }
  for (double mhz : info.pl_clocks_mhz) response->add_pl_clocks_mhz(mhz);
  response->set_sim_time_ps(info.sim_time_ps);
  response->set_pl_cycles(info.pl_cycles);
  response->set_deterministic(info.deterministic);
  response->set_pl_active(info.pl_active);
  response->set_loaded_design(fpga.design);
  response->set_fpga_state(fpga.state);
  response->set_fpga_error(fpga.error);
  response->set_max_message_bytes(state_.options.max_message_bytes);
  v1::ServerUsage* usage = response->mutable_usage();
  Usage total = state_.sessions.total();
  usage->set_open_sessions(state_.sessions.open_sessions());
  usage->set_buffers(static_cast<uint32_t>(state_.buffers.size()));
  usage->set_buffer_bytes(total.bytes);
  usage->set_mmio_handles(static_cast<uint32_t>(state_.mmios.size()));
  usage->set_active_streams(state_.streams.active());
  return grpc::Status::OK;
}

grpc::Status BoardService::MmioRead(grpc::ServerContext* context,
                                    const v1::MmioReadRequest* request,
                                    v1::MmioReadResponse* response) {
  int width = request->width() > 8 ? 0 : static_cast<int>(request->width());
  Status valid = CheckMmioAllowed(state_, request->address(), width);
  if (!valid.ok()) return ToGrpcStatus(context, valid.error());
  Result<uint64_t> value = state_.device.MmioRead(request->address(), width);
  if (!value.ok()) return ToGrpcStatus(context, value.error());
  response->set_value(value.value());
  return grpc::Status::OK;
}

grpc::Status BoardService::MmioWrite(grpc::ServerContext* context,
                                     const v1::MmioWriteRequest* request, v1::MmioWriteResponse*) {
  int width = request->width() > 8 ? 0 : static_cast<int>(request->width());
  Status valid = CheckMmioAllowed(state_, request->address(), width);
  if (!valid.ok()) return ToGrpcStatus(context, valid.error());
  Status status = state_.device.MmioWrite(request->address(), width, request->value());
  if (!status.ok()) return ToGrpcStatus(context, status.error());
  return grpc::Status::OK;
}

grpc::Status BoardService::MmioBatch(grpc::ServerContext*, const v1::MmioBatchRequest* request,
                                     v1::MmioBatchResponse* response) {
  std::vector<MmioOp> ops = ToOps(*request);
  Status invalid;
  size_t valid = ValidOpsPrefix(state_, ops, &invalid);
  std::vector<MmioOp> runnable(ops.begin(), ops.begin() + valid);
  Device::BatchResult result = state_.device.MmioBatch(runnable);
  for (size_t i = 0; i < result.completed; ++i) response->add_values(runnable[i].value);
  response->set_completed(static_cast<uint32_t>(result.completed));
  const Status& failure = result.status.ok() ? invalid : result.status;
  if (!failure.ok()) {
    v1::MmioBatchError* error = response->mutable_error();
    error->set_op_index(static_cast<uint32_t>(result.completed));
    error->set_grpc_code(static_cast<int32_t>(ToGrpcCode(failure.error().code)));
    error->set_message("op " + std::to_string(result.completed) + ": " +
                       ErrorText(failure.error()));
    error->set_address(failure.error().addr);
    error->set_error_code(ErrorCodeToken(failure.error().code));
  }
  return grpc::Status::OK;
}

void BoardService::Start(AsyncQueue& queue) {
  (new PollCall(*this, poller_, state_, queue))->Listen();
}

grpc::Status BoardService::Advance(grpc::ServerContext* context, const v1::AdvanceRequest* request,
                                   v1::AdvanceResponse* response) {
  Result<uint64_t> cycles = state_.device.Advance(request->cycles(), StopTokenFor(context, state_));
  if (!cycles.ok()) return StoppedStatus(context, state_, cycles.error());
  response->set_pl_cycles(cycles.value());
  response->set_sim_time_ps(state_.device.Info().sim_time_ps);
  return grpc::Status::OK;
}

grpc::Status BoardService::AllocateBuffer(grpc::ServerContext* context,
                                          const v1::AllocateBufferRequest* request,
                                          v1::AllocateBufferResponse* response) {
  Result<std::string> caller = CallerSession(context, state_.sessions);
  if (!caller.ok()) return ToGrpcStatus(context, caller.error());
  Result<std::string> id = ::pynq_remote::AllocateBuffer(state_, caller.value(), request->size(),
                                                         request->dtype(), request->cacheable());
  if (!id.ok()) return ToGrpcStatus(context, id.error());
  Result<BufferEntry> found = FindBuffer(state_, caller.value(), id.value());
  if (!found.ok()) return ToGrpcStatus(context, found.error());  // freed already by another call
  const BufferEntry& entry = found.value();
  response->set_buffer_id(id.value());
  response->set_size(entry.size);
  response->set_physical_address(entry.allocation.phys);
  return grpc::Status::OK;
}

grpc::Status BoardService::ReadBuffer(grpc::ServerContext* context,
                                      const v1::ReadBufferRequest* request,
                                      grpc::ServerWriter<v1::BufferChunk>* writer) {
  Result<std::unique_ptr<StreamGuard>> guard = StartStream(state_, context, "ReadBuffer");
  if (!guard.ok()) return ToGrpcStatus(context, guard.error());
  Result<BufferEntry> entry = FindBufferFor(state_, context, request->buffer_id());
  if (!entry.ok()) return ToGrpcStatus(context, entry.error());
  Result<ByteRange> range = RequestedRange(entry.value(), *request);
  if (!range.ok()) return ToGrpcStatus(context, range.error());
  return StreamBufferRange(context, state_.device, entry.value(), range.value(), writer,
                           *guard.value(),
                           [](v1::BufferChunk& chunk, uint64_t at) { chunk.set_offset(at); });
}

grpc::Status BoardService::WriteBuffer(grpc::ServerContext* context,
                                       grpc::ServerReader<v1::BufferChunk>* reader,
                                       v1::WriteBufferResponse* response) {
  Result<std::unique_ptr<StreamGuard>> guard = StartStream(state_, context, "WriteBuffer");
  if (!guard.ok()) return ToGrpcStatus(context, guard.error());
  v1::BufferChunk chunk;
  if (!guard.value()->Read(reader, &chunk)) {
    return ToGrpcStatus(context, MakeError(ErrorCode::kInvalidArgument,
                                           "WriteBuffer: the stream carried no chunk"));
  }
  Result<BufferEntry> entry = FindBufferFor(state_, context, chunk.buffer_id());
  if (!entry.ok()) return ToGrpcStatus(context, entry.error());
  Result<ByteRange> range = ResolveRange(entry.value().size, chunk.offset(), 0);
  if (!range.ok()) return ToGrpcStatus(context, range.error());
  const std::string buffer_id = chunk.buffer_id();
  BufferWriteCursor cursor(state_.device, entry.value(), range.value());
  do {
    if (!chunk.buffer_id().empty() && chunk.buffer_id() != buffer_id) {
      return ToGrpcStatus(context, MakeError(ErrorCode::kInvalidArgument,
                                             "WriteBuffer: one stream names two buffers (" +
                                                 buffer_id + ", " + chunk.buffer_id() + ")"));
    }
    Status status = cursor.Append(chunk.data().data(), chunk.data().size());
    if (!status.ok()) return ToGrpcStatus(context, status.error());
  } while (guard.value()->Read(reader, &chunk));
  if (!StreamFinished(context, *guard.value())) {
    return ToGrpcStatus(context,
                        MakeError(ErrorCode::kCancelled, "WriteBuffer: the stream did not finish"));
  }
  response->set_bytes_written(cursor.written());
  return grpc::Status::OK;
}

grpc::Status BoardService::ReadBufferRange(grpc::ServerContext* context,
                                           const v1::ReadBufferRequest* request,
                                           v1::BufferChunk* response) {
  Result<BufferEntry> entry = FindBufferFor(state_, context, request->buffer_id());
  if (!entry.ok()) return ToGrpcStatus(context, entry.error());
  Result<ByteRange> range = RequestedRange(entry.value(), *request);
  if (!range.ok()) return ToGrpcStatus(context, range.error());
  const uint64_t length = range.value().end - range.value().begin;
  const uint64_t limit =
      std::min<uint64_t>(kMaxUnaryRange, state_.options.max_message_bytes - kEnvelopeBytes);
  if (length > limit) {
    return ToGrpcStatus(context, MakeError(ErrorCode::kOutOfWindow,
                                           "ReadBufferRange: " + std::to_string(length) +
                                               " bytes is more than the " + std::to_string(limit) +
                                               " one call carries; use ReadBuffer"));
  }
  std::string* data = response->mutable_data();
  data->resize(length);
  Status status = state_.device.MemRead(entry.value().allocation.phys + range.value().begin,
                                        data->data(), length);
  if (!status.ok()) return ToGrpcStatus(context, status.error());
  response->set_buffer_id(request->buffer_id());
  response->set_offset(range.value().begin);
  return grpc::Status::OK;
}

grpc::Status BoardService::WriteBufferRange(grpc::ServerContext* context,
                                            const v1::BufferChunk* request,
                                            v1::WriteBufferResponse* response) {
  Result<BufferEntry> entry = FindBufferFor(state_, context, request->buffer_id());
  if (!entry.ok()) return ToGrpcStatus(context, entry.error());
  Result<ByteRange> range = ResolveRange(entry.value().size, request->offset(), 0);
  if (!range.ok()) return ToGrpcStatus(context, range.error());
  BufferWriteCursor cursor(state_.device, entry.value(), range.value());
  Status status = cursor.Append(request->data().data(), request->data().size());
  if (!status.ok()) return ToGrpcStatus(context, status.error());
  response->set_bytes_written(cursor.written());
  return grpc::Status::OK;
}

}  // namespace pynq_remote::service
