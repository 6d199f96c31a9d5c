#include "state/gpio_pins.h"

#include <set>

#include "state/log.h"

namespace pynq_remote {
namespace {

bool Visible(const std::string& owner, const std::string& caller) {
  return owner.empty() || owner == caller;
}

std::string Range(const GpioChipInfo& chip) {
  return std::to_string(chip.base) + ".." + std::to_string(chip.base + chip.ngpio - 1);
}

}  // namespace

const char* GpioDirectionName(GpioDirection direction) {
  return direction == GpioDirection::kOut ? "out" : "in";
}

Result<GpioChipInfo> ChipOfGpio(const std::vector<GpioChipInfo>& chips, int gpio) {
  if (chips.empty()) {
    return MakeError(ErrorCode::kUnsupported, "this board serves no PS GPIO (no gpiochip found)");
  }
  std::string ranges;
  for (const GpioChipInfo& chip : chips) {
    if (gpio >= chip.base && gpio - chip.base < chip.ngpio) return chip;
    ranges +=
        (ranges.empty() ? "" : "; ") + chip.name + " \"" + chip.label + "\" serves " + Range(chip);
    if (chip.mio_pins > 0 && chip.mio_pins < chip.ngpio) {
      const int emio0 = chip.base + chip.mio_pins;
      ranges += " (MIO " + std::to_string(chip.base) + ".." + std::to_string(emio0 - 1) +
                "; EMIO pin k is " + std::to_string(chip.base) + " + " +
                std::to_string(chip.mio_pins) + " + k = " + std::to_string(emio0) +
                " + k, k in 0.." + std::to_string(chip.ngpio - chip.mio_pins - 1) + ")";
    }
  }
  return MakeError(ErrorCode::kInvalidArgument,
                   "GPIO index " + std::to_string(gpio) +
                       " is outside every GPIO chip of this board: " + ranges +
                       ". The index is the absolute Linux number (get_gpio_base_path's base "
                       "plus the pin)");
}

std::optional<GpioChipInfo> PsGpioChip(const std::vector<GpioChipInfo>& chips) {
  for (const GpioChipInfo& chip : chips) {
    if (chip.label == "zynqmp_gpio" || chip.label == "zynq_gpio") return chip;
  }
  return std::nullopt;
}

Result<std::string> GpioPins::Get(Device& device, SessionTable& sessions, const std::string& caller,
                                  int gpio, GpioDirection direction) {
  const std::vector<GpioChipInfo> chips = device.GpioChips();
  Result<GpioChipInfo> chip = ChipOfGpio(chips, gpio);
  if (!chip.ok()) return chip.error();
  std::lock_guard<std::mutex> lock(mu_);
  size_t holders = 0;
  size_t other_direction = 0;
  for (const auto& [id, entry] : ids_.Snapshot()) {
    if (entry.gpio != gpio) continue;
    ++holders;
    if (entry.direction != direction) ++other_direction;
  }
  if (other_direction > 0) {
    const GpioDirection held =
        direction == GpioDirection::kIn ? GpioDirection::kOut : GpioDirection::kIn;
    return MakeError(ErrorCode::kPermissionDenied,
                     DescribeGpio(chips, gpio) + " is in use as \"" + GpioDirectionName(held) +
                         "\" by " + std::to_string(other_direction) +
                         " other id(s): a pin has one direction at a time; unexport those "
                         "first");
  }
  Status reserved = sessions.Reserve(caller, 0, 1);
  if (!reserved.ok()) return reserved.error();
  if (holders == 0) {
    Status claimed = device.GpioSetDirection(gpio, direction);
    if (!claimed.ok()) {
      sessions.Release(caller, 0, 1);
      return claimed.error();
    }
  }
  std::string id;
  do {
    id = "gpio_" + std::to_string(next_++);
  } while (!ids_.Insert(id, GpioEntry{gpio, direction, caller}));
  return id;
}

Result<GpioEntry> GpioPins::Find(const std::string& caller, const std::string& id) const {
  std::optional<GpioEntry> entry = ids_.Find(id);
  if (!entry || !Visible(entry->owner, caller)) {
    return MakeError(ErrorCode::kUnknownId,
                     "no GPIO with id \"" + id +
                         "\" (never made by get_gpio, already unexported, or another "
                         "session's)");
  }
  return *entry;
}

Status GpioPins::Release(Device& device, SessionTable& sessions, const std::string& caller,
                         const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<GpioEntry> visible = Find(caller, id);
  if (!visible.ok()) return visible.error();
  std::optional<GpioEntry> entry = ids_.Remove(id);
  if (!entry) return Find(caller, id).error();
  sessions.Release(entry->owner, 0, 1);
  return ReleasePinIfUnheldLocked(device, entry->gpio);
}

size_t GpioPins::ReleaseSession(Device& device, const std::string& session) {
  if (session.empty()) return 0;
  std::lock_guard<std::mutex> lock(mu_);
  auto removed = ids_.RemoveIf([&](const GpioEntry& entry) { return entry.owner == session; });
  std::set<int> pins;
  for (const auto& [id, entry] : removed) pins.insert(entry.gpio);
  for (int gpio : pins) {
    Status released = ReleasePinIfUnheldLocked(device, gpio);
    if (!released.ok()) {
      LogWarn("releasing gpio " + std::to_string(gpio) + " of " + session + ": " +
              released.error().message);
    }
  }
  return removed.size();
}

Status GpioPins::ReleasePinIfUnheldLocked(Device& device, int gpio) {
  if (ids_.FindIdIf([gpio](const GpioEntry& entry) { return entry.gpio == gpio; })) return {};
  Status released = device.GpioRelease(gpio);
  if (!released.ok()) {
    return MakeError(released.error().code, "the id is released, but giving back " +
                                                DescribeGpio(device.GpioChips(), gpio) +
                                                " failed: " + released.error().message);
  }
  return {};
}

}  // namespace pynq_remote
