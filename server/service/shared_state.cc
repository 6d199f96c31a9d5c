#include "service/shared_state.h"

#include <utility>

namespace pynq_remote::service {
namespace {

constexpr uint64_t kBufferAlign = 4096;

}  // namespace

SharedState::SharedState(Device& device_in, RootFs root_in, ServiceOptions options_in)
    : device(device_in),
      root(std::move(root_in)),
      options(std::move(options_in)),
      windows(device_in.Info().windows),
      fpga(device_in, root, options.max_message_bytes) {}

Result<BufferEntry> FindBuffer(const SharedState& state, const std::string& buffer_id) {
  std::optional<BufferEntry> entry = state.buffers.Find(buffer_id);
  if (!entry) {
    return MakeError(ErrorCode::kUnknownId,
                     "no buffer with id \"" + buffer_id + "\" (never allocated, or already freed)");
  }
  return *entry;
}

Result<std::string> AllocateBuffer(SharedState& state, uint64_t size, const std::string& dtype,
                                   bool cacheable) {
  if (size == 0) {
    return MakeError(ErrorCode::kInvalidArgument, "cannot allocate a buffer of 0 bytes");
  }
  Result<Allocation> allocation = state.device.Alloc(size, kBufferAlign, cacheable);
  if (!allocation.ok()) return allocation.error();
  return state.buffers.Add(BufferEntry{allocation.value(), size, dtype, cacheable});
}

Status FreeBuffer(SharedState& state, const std::string& buffer_id) {
  std::optional<BufferEntry> entry = state.buffers.Remove(buffer_id);
  if (!entry) return FindBuffer(state, buffer_id).error();
  return state.device.Free(entry->allocation.handle);
}

Status BufferWriteCursor::Append(const char* data, size_t len) {
  if (len > range_.end - next_) {
    return MakeError(ErrorCode::kOutOfWindow,
                     "buffer write of " + std::to_string(written() + len) + " bytes overruns the " +
                         std::to_string(range_.size()) + "-byte range [" +
                         std::to_string(range_.begin) + ", " + std::to_string(range_.end) + ")");
  }
  if (len == 0) return {};
  Status status = device_.MemWrite(buffer_.allocation.phys + next_, data, len);
  if (!status.ok()) return status;
  next_ += len;
  return {};
}

}  // namespace pynq_remote::service
