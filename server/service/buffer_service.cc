#include "service/buffer_service.h"

#include <grpc/slice.h>
#include <grpcpp/impl/rpc_service_method.h>
#include <grpcpp/support/method_handler.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "service/caller.h"
#include "service/error_mapping.h"
#include "service/stream_guard.h"
#include "state/access.h"

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

// One write chunk as it came off the wire: its fields other than `data` parsed into
// `request` (so protobuf's rules hold for them), and where `data` lies in the received slices.
struct WireChunk {
  buffer::BufferWriteRequest request;  // data left empty
  std::vector<grpc::Slice> slices;     // keep the bytes `pieces` point into alive
  std::vector<std::pair<const char*, size_t>> pieces;
  size_t data_size = 0;
};

// Reads a serialized message across the slices it arrived in.
class SliceCursor {
 public:
  explicit SliceCursor(const std::vector<grpc::Slice>& slices) : slices_(slices) { SkipEmpty(); }
  bool done() const { return slice_ == slices_.size(); }
  bool Varint(uint64_t* value) {
    *value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (done()) return false;
      const uint8_t byte = slices_[slice_].begin()[pos_];
      Advance(1);
      *value |= static_cast<uint64_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) return true;
    }
    return false;
  }
  // Passes `n` bytes; each contiguous piece of them goes to `piece(ptr, len)`.
  template <typename Piece>
  bool Take(uint64_t n, Piece piece) {
    while (n > 0) {
      if (done()) return false;
      const size_t here = std::min<uint64_t>(n, slices_[slice_].size() - pos_);
      piece(reinterpret_cast<const char*>(slices_[slice_].begin()) + pos_, here);
      Advance(here);
      n -= here;
    }
    return true;
  }

 private:
  void Advance(size_t n) {
    pos_ += n;
    if (pos_ == slices_[slice_].size()) {
      ++slice_;
      pos_ = 0;
      SkipEmpty();
    }
  }
  void SkipEmpty() {
    while (slice_ < slices_.size() && slices_[slice_].size() == 0) ++slice_;
  }
  const std::vector<grpc::Slice>& slices_;
  size_t slice_ = 0, pos_ = 0;
};

void AppendVarint(uint64_t value, std::string* out) {
  while (value >= 0x80) {
    out->push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<char>(value));
}

// Splits `message` into WireChunk. Every field but `data` (field 2) is copied, tag and all,
// into a small message protobuf then parses; the last `data` wins, as in protobuf. A message
// protobuf could parse but this scan does not follow (groups) is parsed whole instead.
// False: not a valid BufferWriteRequest.
bool SplitChunk(const grpc::ByteBuffer& message, WireChunk* chunk) {
  chunk->pieces.clear();
  chunk->data_size = 0;
  if (!message.Dump(&chunk->slices).ok()) return false;
  SliceCursor cursor(chunk->slices);
  std::string rest;
  auto copy_to_rest = [&rest](const char* p, size_t n) { rest.append(p, n); };
  bool scanned = true;
  while (scanned && !cursor.done()) {
    uint64_t tag = 0, len = 0, value = 0;
    if (!cursor.Varint(&tag) || (tag >> 3) == 0) return false;
    if (tag == ((2 << 3) | 2)) {  // data: length-delimited
      if (!cursor.Varint(&len)) return false;
      chunk->pieces.clear();
      chunk->data_size = len;
      if (!cursor.Take(len, [chunk](const char* p, size_t n) { chunk->pieces.emplace_back(p, n); }))
        return false;
      continue;
    }
    AppendVarint(tag, &rest);
    switch (tag & 7) {
      case 0:
        if (!cursor.Varint(&value)) return false;
        AppendVarint(value, &rest);
        break;
      case 1:
        if (!cursor.Take(8, copy_to_rest)) return false;
        break;
      case 2:
        if (!cursor.Varint(&len)) return false;
        AppendVarint(len, &rest);
        if (!cursor.Take(len, copy_to_rest)) return false;
        break;
      case 5:
        if (!cursor.Take(4, copy_to_rest)) return false;
        break;
      default:
        scanned = false;
    }
  }
  if (scanned) return chunk->request.ParseFromString(rest);
  std::string whole;
  SliceCursor all(chunk->slices);
  all.Take(message.Length(), [&whole](const char* p, size_t n) { whole.append(p, n); });
  if (!chunk->request.ParseFromString(whole)) return false;
  chunk->pieces.clear();
  chunk->data_size = chunk->request.data().size();
  if (chunk->data_size > 0)
    chunk->pieces.emplace_back(chunk->request.data().data(), chunk->data_size);
  return true;
}

// Streams `range` of `buffer` as serialized BufferReadResponse messages of at most
// kChunkBytes of data, each the `data` field's tag and length followed by the bytes, read
// from the Device straight into the slice gRPC sends (protobuf would copy them twice).
grpc::Status StreamRangeAsMessages(grpc::ServerContext* context, Device& device,
                                   const BufferEntry& buffer, ByteRange range,
                                   grpc::ServerWriter<grpc::ByteBuffer>* writer,
                                   StreamGuard& guard) {
  constexpr uint8_t kDataTag = (3 << 3) | 2;  // BufferReadResponse.data, length-delimited
  for (uint64_t at = range.begin; at < range.end;) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(kChunkBytes, range.end - at));
    std::string header(1, static_cast<char>(kDataTag));
    AppendVarint(n, &header);
    // Never inlined (grpc_slice_malloc keeps small ones inside the struct, which is copied).
    grpc_slice raw = grpc_slice_malloc_large(header.size() + n);
    uint8_t* bytes = GRPC_SLICE_START_PTR(raw);
    std::memcpy(bytes, header.data(), header.size());
    grpc::Slice slice(raw, grpc::Slice::STEAL_REF);
    Status status = device.MemRead(buffer.allocation.phys + at, bytes + header.size(), n);
    if (!status.ok()) return ToGrpcStatus(context, status.error());
    grpc::ByteBuffer message(&slice, 1);
    if (!guard.Write(writer, message)) {
      return grpc::Status(grpc::StatusCode::CANCELLED, "client went away");
    }
    at += n;
  }
  return grpc::Status::OK;
}

}  // namespace

BufferService::BufferService(ServiceState& state) : state_(state) {
  namespace gi = grpc::internal;
  // The names buffer.proto gives (RemoteBuffer_method_names of the generated code).
  AddUnary("/buffer.RemoteBuffer/allocate", &BufferService::allocate);
  AddMethod(new gi::RpcServiceMethod(
      "/buffer.RemoteBuffer/write", gi::RpcMethod::CLIENT_STREAMING,
      new gi::ClientStreamingHandler<BufferService, grpc::ByteBuffer, buffer::BufferWriteResponse>(
          [](BufferService* service, grpc::ServerContext* context,
             grpc::ServerReader<grpc::ByteBuffer>* reader, buffer::BufferWriteResponse* response) {
            return service->write(context, reader, response);
          },
          this)));
  AddMethod(new gi::RpcServiceMethod(
      "/buffer.RemoteBuffer/read", gi::RpcMethod::SERVER_STREAMING,
      new gi::ServerStreamingHandler<BufferService, buffer::BufferReadRequest, grpc::ByteBuffer>(
          [](BufferService* service, grpc::ServerContext* context,
             const buffer::BufferReadRequest* request,
             grpc::ServerWriter<grpc::ByteBuffer>* writer) {
            return service->read(context, request, writer);
          },
          this)));
  AddUnary("/buffer.RemoteBuffer/freebuffer", &BufferService::freebuffer);
  AddUnary("/buffer.RemoteBuffer/flush", &BufferService::flush);
  AddUnary("/buffer.RemoteBuffer/invalidate", &BufferService::invalidate);
  AddUnary("/buffer.RemoteBuffer/physical_address", &BufferService::physical_address);
  AddUnary("/buffer.RemoteBuffer/virtual_address", &BufferService::virtual_address);
  AddUnary("/buffer.RemoteBuffer/cacheable", &BufferService::cacheable);
}

template <typename Request, typename Response>
void BufferService::AddUnary(const char* name,
                             grpc::Status (BufferService::*method)(grpc::ServerContext*,
                                                                   const Request*, Response*)) {
  namespace gi = grpc::internal;
  AddMethod(new gi::RpcServiceMethod(
      name, gi::RpcMethod::NORMAL_RPC,
      new gi::RpcMethodHandler<BufferService, Request, Response>(
          [method](BufferService* service, grpc::ServerContext* context, const Request* request,
                   Response* response) { return (service->*method)(context, request, response); },
          this)));
}

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
                                  grpc::ServerReader<grpc::ByteBuffer>* reader,
                                  buffer::BufferWriteResponse* response) {
  Result<std::unique_ptr<StreamGuard>> guard = StartStream(state_, context, "buffer write");
  if (!guard.ok()) return FailIn31Answer(response, guard.error());
  auto not_a_chunk = [](uint64_t index) {
    return MakeError(ErrorCode::kInvalidArgument, "buffer write: message " + std::to_string(index) +
                                                      " of the stream is not a BufferWriteRequest");
  };
  grpc::ByteBuffer message;
  WireChunk chunk;
  if (!guard.value()->Read(reader, &message)) {
    return FailIn31Answer(response, MakeError(ErrorCode::kInvalidArgument,
                                              "buffer write: the stream carried no message"));
  }
  if (!SplitChunk(message, &chunk)) return FailIn31Answer(response, not_a_chunk(0));
  const buffer::BufferWriteRequest& request = chunk.request;
  Result<BufferEntry> entry = FindBufferFor(state_, context, request.buffer_id());
  if (!entry.ok()) return FailIn31Answer(response, entry.error());
  const std::string buffer_id = request.buffer_id();
  std::optional<BufferWriteCursor> cursor;
  uint64_t room = 0;  // bytes left in the cursor's range
  uint64_t index = 0;
  do {
    if (index > 0 && !SplitChunk(message, &chunk)) {
      return FailIn31Answer(response, not_a_chunk(index));
    }
    ++index;
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
      room = range.value().size();
    }
    // All or nothing per chunk: one that overruns the range is refused before a byte of it
    // is written (Append checks the length before it reads the data).
    if (chunk.data_size > room) {
      const char* any = chunk.pieces.empty() ? "" : chunk.pieces.front().first;
      return FailIn31Answer(response, cursor->Append(any, chunk.data_size).error());
    }
    for (const auto& [data, size] : chunk.pieces) {
      Status status = cursor->Append(data, size);
      if (!status.ok()) return FailIn31Answer(response, status.error());
    }
    room -= chunk.data_size;
    chunk.slices.clear();  // gives the message's memory back before the next Read
  } while (guard.value()->Read(reader, &message));
  if (!StreamFinished(context, *guard.value())) {
    return ToGrpcStatus(
        context, MakeError(ErrorCode::kCancelled, "buffer write: the stream did not finish"));
  }
  return grpc::Status::OK;
}

grpc::Status BufferService::read(grpc::ServerContext* context,
                                 const buffer::BufferReadRequest* request,
                                 grpc::ServerWriter<grpc::ByteBuffer>* writer) {
  Result<std::unique_ptr<StreamGuard>> guard = StartStream(state_, context, "buffer read");
  if (!guard.ok()) return ToGrpcStatus(context, guard.error());
  Result<BufferEntry> entry = FindBufferFor(state_, context, request->buffer_id());
  if (!entry.ok()) return ToGrpcStatus(context, entry.error());
  Result<ByteRange> range = RequestRange(entry.value().size, request->start(), request->end(),
                                         request->has_start64() || request->has_end64(),
                                         request->start64(), request->end64());
  if (!range.ok()) return ToGrpcStatus(context, range.error());
  return StreamRangeAsMessages(context, state_.device, entry.value(), range.value(), writer,
                               *guard.value());
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
