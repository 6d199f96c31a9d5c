// PS GPIO ids (gpio.Gpio, PYNQ 4.0): "gpio_N" handles on Linux-numbered pins, charged to the
// caller's session as one handle each, like buffers and MMIO grants. get_gpio makes a new id
// every call; ids share a pin when their directions agree (several readers, or several
// drivers as PYNQ's shared sysfs GPIO object allows), and the pin is given back to the board
// (Device::GpioRelease) when its last id goes: unexport, or the end of the owning session.
#ifndef PYNQ_REMOTE_SERVER_STATE_GPIO_PINS_H_
#define PYNQ_REMOTE_SERVER_STATE_GPIO_PINS_H_

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "device/device.h"
#include "state/registry.h"
#include "state/sessions.h"

namespace pynq_remote {

/// A get_gpio grant.
struct GpioEntry {
  int gpio = 0;  // absolute Linux number
  GpioDirection direction = GpioDirection::kIn;
  std::string owner;  // the session that made it; "" for sessionless clients
};

/// "in" / "out".
const char* GpioDirectionName(GpioDirection direction);

/// The chip serving `gpio`, or kInvalidArgument giving every chip's range and the EMIO
/// formula (kUnsupported when the board has no GPIO chip at all).
Result<GpioChipInfo> ChipOfGpio(const std::vector<GpioChipInfo>& chips, int gpio);

/// The PS's controller: the chip labelled zynqmp_gpio or zynq_gpio. nullopt when none is.
std::optional<GpioChipInfo> PsGpioChip(const std::vector<GpioChipInfo>& chips);

class GpioPins {
 public:
  /// A new id for `caller` on pin `gpio`, claiming the pin with `direction` when no id holds
  /// it yet. Errors: as ChipOfGpio; kPermissionDenied when other ids hold the pin in the other
  /// direction; kLimitExceeded (handles); as Device::GpioSetDirection.
  Result<std::string> Get(Device& device, SessionTable& sessions, const std::string& caller,
                          int gpio, GpioDirection direction);
  /// The grant if `caller` may use it (its own or a sessionless one), else kUnknownId naming
  /// the id: another session's ids are not revealed to exist.
  Result<GpioEntry> Find(const std::string& caller, const std::string& id) const;
  /// Drops the id; the pin goes back to the board once no id holds it.
  /// Errors: as Find; as Device::GpioRelease (the id is gone all the same).
  Status Release(Device& device, SessionTable& sessions, const std::string& caller,
                 const std::string& id);
  /// Drops every id of a session that has ended (its usage is no longer counted) and gives
  /// back the pins no other id holds. Returns how many ids went.
  size_t ReleaseSession(Device& device, const std::string& session);

  std::vector<std::pair<std::string, GpioEntry>> Snapshot() const { return ids_.Snapshot(); }
  /// Under mu_: a count taken while a session's ids are being dropped waits until their pins
  /// have gone back too, so a caller that sees the ids gone also sees the pins released.
  size_t size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return ids_.size();
  }

 private:
  // Gives `gpio` back to the board unless an id still holds it. Caller holds mu_.
  Status ReleasePinIfUnheldLocked(Device& device, int gpio);

  // Claims, releases and the holder checks between them happen under one lock: a pin never
  // ends up given back while a new id believes it holds it.
  mutable std::mutex mu_;
  uint64_t next_ = 0;  // guarded by mu_: the N of the next "gpio_N"
  IdRegistry<GpioEntry> ids_{"gpio"};
};

}  // namespace pynq_remote

#endif  // PYNQ_REMOTE_SERVER_STATE_GPIO_PINS_H_
