// The PS GPIO controller (MIO and EMIO pins) for Device::Gpio*, in Linux numbering.
//
// Chips are found as PYNQ finds them: /sys/class/gpio/gpiochipN/{label,base,ngpio}, the PS's
// labelled zynqmp_gpio (78 MIO pins, then EMIO) or zynq_gpio (54 MIO). Pins go through the
// GPIO character device of their chip (/dev/gpiochipM, named by the gpiochipM entry of the
// chip's device directory or of /sys/bus/gpio/devices) with libgpiod, when the build has it
// and the device opens; otherwise through the sysfs interface PYNQ itself uses (export,
// gpioN/direction, gpioN/value, unexport). The sysfs interface is deprecated in newer
// kernels but present on every PYNQ image; the character device is what they move to.
//
// In a fake board tree (CI) the sysfs files are plain files: the kernel's part (export making
// gpioN/) is played by whoever builds the tree, and /dev/gpiochipM, a regular file, fails to
// open as a GPIO chip, so the sysfs route is what runs there.
#ifndef PYNQ_REMOTE_SERVER_ZYNQ_PS_GPIO_H_
#define PYNQ_REMOTE_SERVER_ZYNQ_PS_GPIO_H_

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "device/device.h"
#include "device/device_error.h"
#include "zynq/board_files.h"

namespace pynq_remote::zynq {

/// Whether this build can use the GPIO character device (libgpiod found at build time).
bool PsGpioHasLibgpiod();

class PsGpio {
 public:
  /// Scans <root>/sys/class/gpio through `files` (which must outlive the object). Never null:
  /// a board without GPIO chips gets an object whose calls say so.
  static std::unique_ptr<PsGpio> Discover(const BoardFiles& files);
  ~PsGpio();
  PsGpio(const PsGpio&) = delete;
  PsGpio& operator=(const PsGpio&) = delete;

  /// The chips, the PS's first. Empty when there are none.
  const std::vector<GpioChipInfo>& Chips() const { return chips_; }
  /// One line for the start-up log: each chip, its range and the route its pins take.
  std::string Describe() const;

  /// Device::GpioSetDirection and friends; their errors (device.h), plus kInternal with the
  /// kernel's answer when export, a request or a sysfs file fails, and kPermissionDenied for
  /// a pin another driver or process holds (naming it when the kernel says who).
  Status SetDirection(int gpio, GpioDirection direction);
  Result<int> Read(int gpio);
  Status Write(int gpio, int value);
  Status Release(int gpio);

  /// Which route `gpio` took when claimed: "cdev" or "sysfs"; "" when not claimed. For tests.
  std::string RouteOf(int gpio) const;

 private:
  struct Chip;
  struct Pin;
  explicit PsGpio(const BoardFiles& files);

  // The chip of `gpio`, or kInvalidArgument giving every chip's range and the EMIO formula.
  Result<const GpioChipInfo*> ChipOf(int gpio) const;
  std::string Describe(int gpio) const;
  // The character device of chips_[index], opened on first use; null when it cannot be (the
  // reason is logged once and the chip's pins use sysfs). Caller holds mu_.
  void* CdevLocked(size_t index);
  Status SysfsClaim(int gpio, GpioDirection direction);
  Status SysfsRelease(int gpio, GpioDirection direction);

  const BoardFiles& files_;
  std::vector<GpioChipInfo> chips_;
  std::vector<std::string> cdev_paths_;       // per chip: "/dev/gpiochipM", "" when none is found
  mutable std::mutex mu_;                     // guards everything below
  std::vector<std::unique_ptr<Chip>> cdevs_;  // per chip, once tried
  std::map<int, std::unique_ptr<Pin>> pins_;  // claimed pins by Linux number
};

}  // namespace pynq_remote::zynq

#endif  // PYNQ_REMOTE_SERVER_ZYNQ_PS_GPIO_H_
