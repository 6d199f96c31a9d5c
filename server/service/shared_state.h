// What every service shares: the Device, the target root, the fpga_manager view and the
// id registries. Protobuf-free; each member is thread-safe on its own.
#ifndef PYNQ_REMOTE_SERVER_SERVICE_SHARED_STATE_H_
#define PYNQ_REMOTE_SERVER_SERVICE_SHARED_STATE_H_

#include <cstddef>
#include <string>
#include <vector>

#include "device/device.h"
#include "service/access.h"
#include "service/fpga_manager.h"
#include "service/registry.h"
#include "service/root_fs.h"

namespace pynq_remote::service {

struct ServiceOptions {
  size_t max_message_bytes = 64u << 20;  // gRPC send/receive limit; also the largest bitstream
  std::string server_version = "0.1.0";
  std::string device_name = "pynq-remote-sim";  // the answer to readfile("xrt_device")
};

struct SharedState {
  SharedState(Device& device, RootFs root, ServiceOptions options);

  Device& device;
  const RootFs root;
  const ServiceOptions options;
  const std::vector<AddressWindow> windows;  // Device::Info().windows, fixed at start
  FpgaManager fpga;
  IdRegistry<MmioRegion> mmios{"mmio"};
  IdRegistry<BufferEntry> buffers{"buf"};
};

/// The buffer, or kUnknownId naming the id.
Result<BufferEntry> FindBuffer(const SharedState& state, const std::string& buffer_id);
/// Allocates `size` bytes (4096-aligned) and registers them. Errors: kInvalidArgument
/// (size 0), kNoMemory, as Device::Alloc.
Result<std::string> AllocateBuffer(SharedState& state, uint64_t size, const std::string& dtype,
                                   bool cacheable);
/// Unregisters and frees. Errors: kUnknownId, as Device::Free.
Status FreeBuffer(SharedState& state, const std::string& buffer_id);

/// Writes a stream of chunks into a buffer range, in order, with no staging copy.
class BufferWriteCursor {
 public:
  BufferWriteCursor(Device& device, const BufferEntry& buffer, ByteRange range)
      : device_(device), buffer_(buffer), range_(range), next_(range.begin) {}
  /// Errors: kOutOfWindow when the data runs past the range's end; as Device::MemWrite.
  Status Append(const char* data, size_t len);
  uint64_t written() const { return next_ - range_.begin; }

 private:
  Device& device_;
  BufferEntry buffer_;
  ByteRange range_;
  uint64_t next_;
};

}  // namespace pynq_remote::service

#endif  // PYNQ_REMOTE_SERVER_SERVICE_SHARED_STATE_H_
