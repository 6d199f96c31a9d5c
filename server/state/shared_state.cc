#include "state/shared_state.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <utility>

#include "overlay/hwh_address_map.h"
#include "state/log.h"

namespace pynq_remote {
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
      call_memory(options.limits.max_call_bytes),
      policy(options.mmio_policy, windows, options.mmio_allow) {
  // Programming can also fail half-way (an empty PL): the policy then allows only the PS.
  fpga.SetProgrammedHook([this](const std::string& name, bool ok) {
    if (!ok) {
      policy.ClearOverlay();
      if (journal) journal->Loaded("");
      return;
    }
    policy.SetOverlay(name, OverlayWindowsFor(root, name));
    if (journal) journal->Loaded(name);
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
  LogInfo(firmware + ": MMIO allowed in the " + std::to_string(windows.size()) + " windows " +
          hwh_path + " maps");
  return windows;
}

namespace {

// Bytes a buffer is charged: what it occupies on the board, whole pages.
uint64_t ChargedBytes(uint64_t size) {
  return (size + kBufferAlign - 1) / kBufferAlign * kBufferAlign;
}

bool Visible(const std::string& owner, const std::string& caller) {
  return owner.empty() || owner == caller;
}

}  // namespace

Result<BufferEntry> FindBuffer(const SharedState& state, const std::string& caller,
                               const std::string& buffer_id) {
  std::optional<BufferEntry> entry = state.buffers.Find(buffer_id);
  if (!entry || !Visible(entry->owner, caller)) {
    return MakeError(ErrorCode::kUnknownId, "no buffer with id \"" + buffer_id +
                                                "\" (never allocated, already freed, " +
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
  BufferEntry entry{allocation.value(), size, dtype, cacheable, caller};
  std::string id = state.buffers.Add(entry);
  if (state.journal) state.journal->BufferAdded(id, entry);
  return id;
}

Status FreeBuffer(SharedState& state, const std::string& caller, const std::string& buffer_id) {
  Result<BufferEntry> visible = FindBuffer(state, caller, buffer_id);
  if (!visible.ok()) return visible.error();
  std::optional<BufferEntry> entry = state.buffers.Remove(buffer_id);
  if (!entry) return FindBuffer(state, caller, buffer_id).error();  // freed meanwhile
  state.sessions.Release(entry->owner, ChargedBytes(entry->size), 1);
  if (state.journal) state.journal->BufferFreed(buffer_id);
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
  MmioRegion region{base, length, caller};
  std::string id = state.mmios.Add(region);
  if (state.journal) state.journal->MmioAdded(id, region);
  return id;
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

Status RestoreState(SharedState& state) {
  JournalState saved;
  Result<std::unique_ptr<StateJournal>> journal =
      StateJournal::Open(state.options.state_dir, &saved);
  if (!journal.ok()) return journal.error();
  if (saved.torn_lines > 0) {
    LogWarn(std::to_string(saved.torn_lines) + " torn or unknown journal records ignored");
  }
  std::map<std::string, Usage> owners;
  size_t restored = 0;
  // A restore maps every buffer back (a real board's carve-out, the sim's DDR file): said
  // before it starts and, when it takes a while, every second as it goes.
  const auto start = std::chrono::steady_clock::now();
  auto last_said = start;
  if (!saved.buffers.empty()) {
    uint64_t bytes = 0;
    for (const auto& [id, entry] : saved.buffers) bytes += entry.size;
    LogInfo("restoring " + std::to_string(saved.buffers.size()) + " buffers (" +
            std::to_string((bytes + (1 << 20) - 1) >> 20) + " MiB) and " +
            std::to_string(saved.mmios.size()) + " MMIO grants from " + state.options.state_dir);
  }
  for (auto& [id, entry] : saved.buffers) {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_said >= std::chrono::seconds(1)) {
      last_said = now;
      LogInfo("restoring: " + std::to_string(restored) + " of " +
              std::to_string(saved.buffers.size()) + " buffers");
    }
    Result<Allocation> allocation = state.device.Restore(entry.allocation.phys, entry.size);
    if (!allocation.ok()) {
      LogWarn("buffer " + id + " not restored: " + allocation.error().message);
      continue;
    }
    entry.allocation = allocation.value();
    state.buffers.Insert(id, entry);
    owners[entry.owner].bytes += ChargedBytes(entry.size);
    owners[entry.owner].handles += 1;
    ++restored;
  }
  for (const auto& [id, region] : saved.mmios) {
    state.mmios.Insert(id, region);
    owners[region.owner].handles += 1;
  }
  // Sessions come back detached: their clients reattach (the keeper thread retries) or,
  // past a grace period long enough for a restart, the reaper frees what they held.
  const auto grace = std::max(state.sessions.limits().grace, std::chrono::milliseconds(10000));
  for (const auto& [owner, usage] : owners) {
    if (owner.empty()) {
      (void)state.sessions.Reserve("", usage.bytes, 0);  // 3.1 clients: bounded by the total
    } else {
      state.sessions.Restore(owner, usage, grace);
    }
  }
  state.journal = std::move(journal).value();
  // The compacted log already holds the restored state; replaying the firmware load
  // through fpga_manager re-records it.
  if (!saved.firmware.empty()) {
    Status programmed = state.fpga.ProgramFirmware(saved.firmware);
    if (!programmed.ok()) {
      LogWarn("reloading " + saved.firmware + ": " + programmed.error().message);
    }
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  LogInfo("restored " + std::to_string(restored) + " buffers, " +
          std::to_string(saved.mmios.size()) + " MMIO grants and " +
          std::to_string(owners.size() - owners.count("")) + " sessions from " +
          state.options.state_dir + (saved.firmware.empty() ? "" : "; reloaded " + saved.firmware) +
          " in " + std::to_string(ms) + " ms");
  return {};
}

void ReleaseSessionHandles(SharedState& state, const std::string& session) {
  if (session.empty()) return;
  auto buffers =
      state.buffers.RemoveIf([&](const BufferEntry& entry) { return entry.owner == session; });
  uint64_t bytes = 0;
  for (const auto& [id, entry] : buffers) {
    bytes += entry.size;
    if (state.journal) state.journal->BufferFreed(id);
    Status freed = state.device.Free(entry.allocation.handle);
    if (!freed.ok()) LogWarn("freeing " + id + " of " + session + ": " + freed.error().message);
  }
  auto mmios =
      state.mmios.RemoveIf([&](const MmioRegion& region) { return region.owner == session; });
  if (state.journal) {
    for (const auto& [id, region] : mmios) state.journal->MmioRemoved(id);
  }
  const size_t gpios = state.gpios.ReleaseSession(state.device, session);
  LogInfo("session " + session + " ended: freed " + std::to_string(buffers.size()) + " buffers (" +
          FormatBytes(bytes) + "), " + std::to_string(mmios.size()) + " MMIO handles and " +
          std::to_string(gpios) + " GPIO ids");
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

}  // namespace pynq_remote
