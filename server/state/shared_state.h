// What every service shares: the Device, the target root, the fpga_manager view and the
// id registries. Protobuf- and gRPC-free (service/service_state.h adds what only calls need);
// each member is thread-safe on its own.
#ifndef PYNQ_REMOTE_SERVER_STATE_SHARED_STATE_H_
#define PYNQ_REMOTE_SERVER_STATE_SHARED_STATE_H_

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "device/device.h"
#include "state/access.h"
#include "state/fpga_manager.h"
#include "state/gpio_pins.h"
#include "state/mmio_policy.h"
#include "state/registry.h"
#include "state/root_fs.h"
#include "state/sessions.h"
#include "state/state_journal.h"

namespace pynq_remote {

struct ServiceOptions {
  size_t max_message_bytes = 64u << 20;  // gRPC send/receive limit; also the largest bitstream
  std::string server_version = "0.1.0";
  std::string device_name = "pynq-remote-sim";  // the answer to readfile("xrt_device")
  Limits limits;
  MmioPolicyMode mmio_policy = MmioPolicyMode::kOverlay;
  std::vector<AddressWindow> mmio_allow = DefaultPsAllowlist();  // PS pages always reachable
  std::string state_dir;  // non-empty: keep the journal there and restore from it at start
};

struct SharedState {
  SharedState(Device& device, RootFs root, ServiceOptions options);
  SharedState(const SharedState&) = delete;
  SharedState& operator=(const SharedState&) = delete;

  Device& device;
  const RootFs root;
  const ServiceOptions options;
  const std::vector<AddressWindow> windows;  // Device::Info().windows, fixed at start
  const std::string server_instance;         // new on every start: clients spot a restart
  FpgaManager fpga;
  IdRegistry<MmioRegion> mmios{"mmio"};
  IdRegistry<BufferEntry> buffers{"buf"};
  GpioPins gpios;  // PS GPIO ids (not journaled: a restart gives every pin back)
  SessionTable sessions;
  StreamSlots streams;
  CallMemory call_memory;
  std::atomic<bool> stopping{false};  // SIGTERM: long calls end, new streams are refused
  MmioPolicy policy;
  std::unique_ptr<StateJournal> journal;  // set with --state-dir: what clients hold survives
};

/// The MMIO windows the .hwh beside lib/firmware/<firmware> declares (<stem>.hwh), or
/// nullopt when there is none or it cannot be read (logged).
std::optional<std::vector<AddressWindow>> OverlayWindowsFor(const RootFs& root,
                                                            const std::string& firmware);

/// The buffer if `caller` may use it (its own, or a sessionless one), else kUnknownId
/// naming the id: another session's handles are not revealed to exist.
Result<BufferEntry> FindBuffer(const SharedState& state, const std::string& caller,
                               const std::string& buffer_id);
/// Allocates `size` bytes (4096-aligned), charged to `caller`, and registers them.
/// Errors: kInvalidArgument (size 0), kLimitExceeded, kNoMemory, as Device::Alloc.
Result<std::string> AllocateBuffer(SharedState& state, const std::string& caller, uint64_t size,
                                   const std::string& dtype, bool cacheable);
/// Unregisters and frees. Errors: kUnknownId, as Device::Free.
Status FreeBuffer(SharedState& state, const std::string& caller, const std::string& buffer_id);

/// An MMIO grant for `caller` over [base, base+length): the same id again for the same
/// window (3.1 clients never release them), else a new one charged as a handle.
/// Errors: as CheckMmioRegion, kPermissionDenied (policy), kLimitExceeded.
Result<std::string> GrantMmio(SharedState& state, const std::string& caller, uint64_t base,
                              uint64_t length);
/// The grant if `caller` may use it. Errors: kUnknownId.
Result<MmioRegion> FindMmio(const SharedState& state, const std::string& caller,
                            const std::string& mmio_id);

/// One MMIO access: inside a device window (else kOutOfWindow etc., CheckMmioAccess), then
/// allowed by the access policy (else kPermissionDenied).
Status CheckMmioAllowed(const SharedState& state, uint64_t addr, int width);

/// Brings back what the journal in options.state_dir says was live: buffers (at their
/// physical addresses, through Device::Restore), MMIO grants, their sessions (detached,
/// waiting for their clients) and the loaded firmware (reprogrammed: the PL restarts).
/// Errors: as StateJournal::Open. A buffer that cannot be restored is logged and dropped.
Status RestoreState(SharedState& state);

/// Frees every buffer, MMIO handle and GPIO id of a session that has gone (the reaper calls it).
void ReleaseSessionHandles(SharedState& state, const std::string& session);

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

}  // namespace pynq_remote

#endif  // PYNQ_REMOTE_SERVER_STATE_SHARED_STATE_H_
