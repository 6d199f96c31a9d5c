#include "service/shared_state.h"

#include <utility>

#include "overlay/hwh_address_map.h"
#include "service/log.h"

namespace pynq_remote::service {
namespace {

constexpr uint64_t kBufferAlign = 4096;

}  // namespace

SharedState::SharedState(Device& device_in, RootFs root_in, ServiceOptions options_in)
    : device(device_in),
      root(std::move(root_in)),
      options(std::move(options_in)),
      windows(device_in.Info().windows),
      server_instance(NewId("srv")),
      fpga(device_in, root, options.max_message_bytes),
      sessions(options.limits),
      streams(options.limits.max_concurrent_streams),
      policy(options.mmio_policy, windows, options.mmio_allow) {
  // Programming can also fail half-way (an empty PL): the policy then allows only the PS.
  fpga.SetProgrammedHook([this](const std::string& name, bool ok) {
    if (!ok) {
      policy.ClearOverlay();
      return;
    }
    policy.SetOverlay(name, OverlayWindowsFor(root, name));
  });
}

std::optional<std::vector<AddressWindow>> OverlayWindowsFor(const RootFs& root,
                                                            const std::string& firmware) {
  size_t dot = firmware.rfind('.');
  std::string hwh_path = std::string(kFirmwareDir) + "/" +
                         (dot == std::string::npos ? firmware : firmware.substr(0, dot)) + ".hwh";
  Result<bool> exists = root.Exists(hwh_path);
  if (!exists.ok() || !exists.value()) {
    LogInfo(firmware + ": no " + hwh_path + " on the board; MMIO policy without an address map");
    return std::nullopt;
  }
  Result<std::string> text = root.ReadAll(hwh_path, overlay::kMaxHwhBytes);
  if (!text.ok()) {
    LogWarn("cannot read " + hwh_path + ": " + text.error().message);
    return std::nullopt;
  }
  Result<std::vector<overlay::OverlayWindow>> map =
      overlay::ParseHwhAddressMap(text.value(), hwh_path);
  if (!map.ok()) {
    LogWarn("ignoring " + hwh_path + ": " + map.error().message);
    return std::nullopt;
  }
  std::vector<AddressWindow> windows;
  for (const overlay::OverlayWindow& w : map.value()) {
    windows.push_back(AddressWindow{w.instance + "/" + w.slave_interface, w.base, w.size});
  }
  LogInfo(firmware + ": MMIO allowed in the " + std::to_string(windows.size()) +
          " windows " + hwh_path + " maps");
  return windows;
}

namespace {

// Bytes a buffer is charged: what it occupies on the board, whole pages.
uint64_t ChargedBytes(uint64_t size) { return (size + kBufferAlign - 1) / kBufferAlign * kBufferAlign; }

bool Visible(const std::string& owner, const std::string& caller) {
  return owner.empty() || owner == caller;
}

}  // namespace

Result<BufferEntry> FindBuffer(const SharedState& state, const std::string& caller,
                               const std::string& buffer_id) {
  std::optional<BufferEntry> entry = state.buffers.Find(buffer_id);
  if (!entry || !Visible(entry->owner, caller)) {
    return MakeError(ErrorCode::kUnknownId,
                     "no buffer with id \"" + buffer_id + "\" (never allocated, already freed, " +
                         "or another session's)");
  }
  return *entry;
}

Result<std::string> AllocateBuffer(SharedState& state, const std::string& caller, uint64_t size,
                                   const std::string& dtype, bool cacheable) {
  if (size == 0) {
    return MakeError(ErrorCode::kInvalidArgument, "cannot allocate a buffer of 0 bytes");
  }
  if (size > UINT64_MAX - kBufferAlign) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "cannot allocate a buffer of " + std::to_string(size) + " bytes");
  }
  Status reserved = state.sessions.Reserve(caller, ChargedBytes(size), 1);
  if (!reserved.ok()) return reserved.error();
  Result<Allocation> allocation = state.device.Alloc(size, kBufferAlign, cacheable);
  if (!allocation.ok()) {
    state.sessions.Release(caller, ChargedBytes(size), 1);
    return allocation.error();
  }
  return state.buffers.Add(BufferEntry{allocation.value(), size, dtype, cacheable, caller});
}

Status FreeBuffer(SharedState& state, const std::string& caller, const std::string& buffer_id) {
  Result<BufferEntry> visible = FindBuffer(state, caller, buffer_id);
  if (!visible.ok()) return visible.error();
  std::optional<BufferEntry> entry = state.buffers.Remove(buffer_id);
  if (!entry) return FindBuffer(state, caller, buffer_id).error();  // freed meanwhile
  state.sessions.Release(entry->owner, ChargedBytes(entry->size), 1);
  return state.device.Free(entry->allocation.handle);
}

Result<std::string> GrantMmio(SharedState& state, const std::string& caller, uint64_t base,
                              uint64_t length) {
  Status valid = CheckMmioRegion(state.windows, base, length);
  if (!valid.ok()) return valid.error();
  Status allowed = state.policy.Check(base, length);
  if (!allowed.ok()) return allowed.error();
  std::optional<std::string> existing = state.mmios.FindIdIf([&](const MmioRegion& region) {
    return region.owner == caller && region.base == base && region.length == length;
  });
  if (existing) return *existing;
  Status reserved = state.sessions.Reserve(caller, 0, 1);
  if (!reserved.ok()) return reserved.error();
  return state.mmios.Add(MmioRegion{base, length, caller});
}

Result<MmioRegion> FindMmio(const SharedState& state, const std::string& caller,
                            const std::string& mmio_id) {
  std::optional<MmioRegion> region = state.mmios.Find(mmio_id);
  if (!region || !Visible(region->owner, caller)) {
    return MakeError(ErrorCode::kUnknownId,
                     "no MMIO region with id \"" + mmio_id + "\": call get_mmio first");
  }
  return *region;
}

Status CheckMmioAllowed(const SharedState& state, uint64_t addr, int width) {
  Status valid = CheckMmioAccess(state.windows, addr, width);
  if (!valid.ok()) return valid;
  return state.policy.Check(addr, static_cast<uint64_t>(width));
}

void ReleaseSessionHandles(SharedState& state, const std::string& session) {
  if (session.empty()) return;
  auto buffers =
      state.buffers.RemoveIf([&](const BufferEntry& entry) { return entry.owner == session; });
  uint64_t bytes = 0;
  for (const auto& [id, entry] : buffers) {
    bytes += entry.size;
    Status freed = state.device.Free(entry.allocation.handle);
    if (!freed.ok()) LogWarn("freeing " + id + " of " + session + ": " + freed.error().message);
  }
  auto mmios =
      state.mmios.RemoveIf([&](const MmioRegion& region) { return region.owner == session; });
  LogInfo("session " + session + " ended: freed " + std::to_string(buffers.size()) +
          " buffers (" + FormatBytes(bytes) + ") and " + std::to_string(mmios.size()) +
          " MMIO handles");
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
