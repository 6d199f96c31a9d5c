#include "service/buffer_service.h"

#include <limits>
#include <optional>
#include <string>

#include "service/buffer_stream.h"
#include "service/caller.h"
#include "service/error_mapping.h"

namespace pynq_remote::service {
namespace {

// 3.1's int32 start/end, or our 64-bit fields when set. Negative 3.1 values are errors.
Result<ByteRange> RequestRange(uint64_t size, int32_t start, int32_t end, bool has64,
                               uint64_t start64, uint64_t end64) {
  if (has64) return ResolveRange(size, start64, end64);
  if (start < 0 || end < 0) {
    return MakeError(
        ErrorCode::kInvalidArgument,
        "negative buffer range [" + std::to_string(start) + ", " + std::to_string(end) + ")");
  }
  return ResolveRange(size, static_cast<uint64_t>(start), static_cast<uint64_t>(end));
}

// Cache maintenance over a whole buffer (flush or invalidate): the 3.1 `msg` on failure.
template <typename Response>
grpc::Status SyncWholeBuffer(ServiceState& state, grpc::ServerContext* context,
                             const std::string& buffer_id, Status (Device::*sync)(uint64_t, size_t),
                             Response* response) {
  Result<BufferEntry> entry = FindBufferFor(state, context, buffer_id);
  if (!entry.ok()) return FailIn31Answer(response, entry.error());
  Status status = (state.device.*sync)(entry.value().allocation.phys, entry.value().size);
  if (!status.ok()) return FailIn31Answer(response, status.error());
  return grpc::Status::OK;
}

}  // namespace

grpc::Status BufferService::allocate(grpc::ServerContext* context,
                                     const buffer::AllocateRequest* request,
                                     buffer::AllocateResponse* response) {
  Result<std::string> caller = CallerSession(context, state_.sessions);
  if (!caller.ok()) return FailIn31Answer(response, caller.error());
  if (!request->has_size64() && request->size() <= 0) {
    return FailIn31Answer(response, MakeError(ErrorCode::kInvalidArgument,
                                              "cannot allocate a buffer of " +
                                                  std::to_string(request->size()) + " bytes"));
  }
  uint64_t size = request->has_size64() ? request->size64() : request->size();
  Result<std::string> id =
      AllocateBuffer(state_, caller.value(), size, request->dtype(), request->cacheable());
  if (!id.ok()) return FailIn31Answer(response, id.error());
  Result<BufferEntry> found = FindBuffer(state_, caller.value(), id.value());
  if (!found.ok()) return FailIn31Answer(response, found.error());  // freed already by another call
  const BufferEntry& entry = found.value();
  response->set_buffer_id(id.value());
  response->set_size(entry.size);
  response->set_physical_address(entry.allocation.phys);
  return grpc::Status::OK;
}

grpc::Status BufferService::write(grpc::ServerContext* context,
                                  grpc::ServerReader<buffer::BufferWriteRequest>* reader,
                                  buffer::BufferWriteResponse* response) {
  Result<std::unique_ptr<StreamGuard>> guard = StartStream(state_, context, "buffer write");
  if (!guard.ok()) return FailIn31Answer(response, guard.error());
  buffer::BufferWriteRequest request;
  if (!guard.value()->Read(reader, &request)) {
    return FailIn31Answer(response, MakeError(ErrorCode::kInvalidArgument,
                                              "buffer write: the stream carried no message"));
  }
  Result<BufferEntry> entry = FindBufferFor(state_, context, request.buffer_id());
  if (!entry.ok()) return FailIn31Answer(response, entry.error());
  const std::string buffer_id = request.buffer_id();
  std::optional<BufferWriteCursor> cursor;
  do {
    if (!request.buffer_id().empty() && request.buffer_id() != buffer_id) {
      return FailIn31Answer(response, MakeError(ErrorCode::kInvalidArgument,
                                                "buffer write: one stream names two buffers"));
    }
    // A chunk that names a range starts writing there; one that does not continues where
    // the last ended. The first chunk without a range means the whole buffer (3.1).
    const bool names_range =
        request.start() != 0 || request.end() != 0 || request.has_start64() || request.has_end64();
    if (!cursor || names_range) {
      Result<ByteRange> range = RequestRange(entry.value().size, request.start(), request.end(),
                                             request.has_start64() || request.has_end64(),
                                             request.start64(), request.end64());
      if (!range.ok()) return FailIn31Answer(response, range.error());
      cursor.emplace(state_.device, entry.value(), range.value());
    }
    Status status = cursor->Append(request.data().data(), request.data().size());
    if (!status.ok()) return FailIn31Answer(response, status.error());
  } while (guard.value()->Read(reader, &request));
  if (!StreamFinished(context, *guard.value())) {
    return ToGrpcStatus(
        context, MakeError(ErrorCode::kCancelled, "buffer write: the stream did not finish"));
  }
  return grpc::Status::OK;
}

grpc::Status BufferService::read(grpc::ServerContext* context,
                                 const buffer::BufferReadRequest* request,
                                 grpc::ServerWriter<buffer::BufferReadResponse>* writer) {
  Result<std::unique_ptr<StreamGuard>> guard = StartStream(state_, context, "buffer read");
  if (!guard.ok()) return ToGrpcStatus(context, guard.error());
  Result<BufferEntry> entry = FindBufferFor(state_, context, request->buffer_id());
  if (!entry.ok()) return ToGrpcStatus(context, entry.error());
  Result<ByteRange> range = RequestRange(entry.value().size, request->start(), request->end(),
                                         request->has_start64() || request->has_end64(),
                                         request->start64(), request->end64());
  if (!range.ok()) return ToGrpcStatus(context, range.error());
  return StreamBufferRange(context, state_.device, entry.value(), range.value(), writer,
                           *guard.value(), [](buffer::BufferReadResponse&, uint64_t) {});
}

grpc::Status BufferService::freebuffer(grpc::ServerContext* context,
                                       const buffer::FreeBufferRequest* request,
                                       buffer::FreeBufferResponse* response) {
  Result<std::string> caller = CallerSession(context, state_.sessions);
  if (!caller.ok()) return FailIn31Answer(response, caller.error());
  Status status = FreeBuffer(state_, caller.value(), request->buffer_id());
  if (!status.ok()) return FailIn31Answer(response, status.error());
  return grpc::Status::OK;
}

grpc::Status BufferService::flush(grpc::ServerContext* context, const buffer::FlushRequest* request,
                                  buffer::FlushResponse* response) {
  return SyncWholeBuffer(state_, context, request->buffer_id(), &Device::Flush, response);
}

grpc::Status BufferService::invalidate(grpc::ServerContext* context,
                                       const buffer::InvalidateRequest* request,
                                       buffer::InvalidateResponse* response) {
  return SyncWholeBuffer(state_, context, request->buffer_id(), &Device::Invalidate, response);
}

grpc::Status BufferService::physical_address(grpc::ServerContext* context,
                                             const buffer::AddressRequest* request,
                                             buffer::AddressResponse* response) {
  Result<BufferEntry> entry = FindBufferFor(state_, context, request->buffer_id());
  if (!entry.ok()) return FailIn31Answer(response, entry.error());
  response->set_address(entry.value().allocation.phys);
  return grpc::Status::OK;
}

// A remote client has no use for a server-process pointer: the board-side CPU view of a
// buffer is its physical address (identity-mapped on the simulated board).
grpc::Status BufferService::virtual_address(grpc::ServerContext* context,
                                            const buffer::AddressRequest* request,
                                            buffer::AddressResponse* response) {
  Result<BufferEntry> entry = FindBufferFor(state_, context, request->buffer_id());
  if (!entry.ok()) return FailIn31Answer(response, entry.error());
  response->set_address(entry.value().allocation.phys);
  return grpc::Status::OK;
}

grpc::Status BufferService::cacheable(grpc::ServerContext* context,
                                      const buffer::CacheableRequest* request,
                                      buffer::CacheableResponse* response) {
  Result<BufferEntry> entry = FindBufferFor(state_, context, request->buffer_id());
  if (!entry.ok()) return FailIn31Answer(response, entry.error());
  response->set_cacheable(entry.value().cacheable);
  return grpc::Status::OK;
}

}  // namespace pynq_remote::service
