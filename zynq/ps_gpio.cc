#include "zynq/ps_gpio.h"

#include <limits.h>
#include <stdlib.h>

#include <algorithm>
#include <cerrno>

#include "state/log.h"

#ifdef PYNQ_REMOTE_WITH_LIBGPIOD
#include <gpiod.h>
#endif

namespace pynq_remote::zynq {
namespace {

constexpr char kClassGpio[] = "/sys/class/gpio";
constexpr char kConsumer[] = "pynq-remote";

// MIO pins before EMIO, by the PS controller's Linux label.
int MioPins(const std::string& label) {
  if (label == "zynqmp_gpio") return 78;
  if (label == "zynq_gpio") return 54;
  return 0;
}

bool IsPsLabel(const std::string& label) { return MioPins(label) > 0; }

// "gpiochip" followed by digits only: a GPIO device (character device) name.
bool IsGpiochipName(const std::string& name) {
  const std::string prefix = "gpiochip";
  if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) return false;
  return std::all_of(name.begin() + prefix.size(), name.end(),
                     [](char c) { return c >= '0' && c <= '9'; });
}

std::string RealPath(const std::string& path) {
  char resolved[PATH_MAX];
  if (realpath(path.c_str(), resolved) == nullptr) return "";
  return resolved;
}

// The /dev/gpiochipM of the sysfs chip `name`: the gpiochipM entry of its device directory
// (where the kernel puts the GPIO device beside the sysfs class entry), else the entry of
// /sys/bus/gpio/devices whose parent is that same device.
std::string FindCdev(const BoardFiles& files, const std::string& name) {
  const std::string device = std::string(kClassGpio) + "/" + name + "/device";
  for (const std::string& entry : files.List(device)) {
    if (IsGpiochipName(entry)) return "/dev/" + entry;
  }
  const std::string real_device = RealPath(files.Path(device));
  if (real_device.empty()) return "";
  const std::string bus = "/sys/bus/gpio/devices";
  for (const std::string& entry : files.List(bus)) {
    if (!IsGpiochipName(entry)) continue;
    const std::string real = RealPath(files.Path(bus + "/" + entry));
    const size_t slash = real.rfind('/');
    if (slash != std::string::npos && real.substr(0, slash) == real_device) return "/dev/" + entry;
  }
  return "";
}

std::string Range(const GpioChipInfo& chip) {
  return std::to_string(chip.base) + ".." + std::to_string(chip.base + chip.ngpio - 1);
}

}  // namespace

#ifdef PYNQ_REMOTE_WITH_LIBGPIOD
bool PsGpioHasLibgpiod() { return true; }
struct PsGpio::Chip {
  gpiod_chip* chip = nullptr;  // null: the chip's pins use sysfs
  ~Chip() {
    if (chip != nullptr) gpiod_chip_close(chip);
  }
};
struct PsGpio::Pin {
  GpioDirection direction = GpioDirection::kIn;
  gpiod_line* line = nullptr;  // null: claimed through sysfs
};
#else
bool PsGpioHasLibgpiod() { return false; }
struct PsGpio::Chip {};
struct PsGpio::Pin {
  GpioDirection direction = GpioDirection::kIn;
  void* line = nullptr;  // always sysfs
};
#endif

PsGpio::PsGpio(const BoardFiles& files) : files_(files) {}

std::unique_ptr<PsGpio> PsGpio::Discover(const BoardFiles& files) {
  std::unique_ptr<PsGpio> gpio(new PsGpio(files));
  for (const std::string& name : files.List(kClassGpio)) {
    if (!IsGpiochipName(name)) continue;
    const std::string dir = std::string(kClassGpio) + "/" + name;
    Result<std::string> label = files.ReadTrimmed(dir + "/label");
    Result<uint64_t> base = files.ReadNumber(dir + "/base");
    Result<uint64_t> ngpio = files.ReadNumber(dir + "/ngpio");
    if (!label.ok() || !base.ok() || !ngpio.ok() || base.value() > INT_MAX / 2 ||
        ngpio.value() == 0 || ngpio.value() > 4096) {
      LogWarn("ignoring " + files.Path(dir) + ": want label, base and ngpio files (base " +
              (base.ok() ? std::to_string(base.value()) : base.error().message) + ", ngpio " +
              (ngpio.ok() ? std::to_string(ngpio.value()) : ngpio.error().message) + ")");
      continue;
    }
    GpioChipInfo chip{name, label.value(), static_cast<int>(base.value()),
                      static_cast<int>(ngpio.value()), MioPins(label.value())};
    if (chip.mio_pins >= chip.ngpio) chip.mio_pins = 0;
    gpio->chips_.push_back(chip);
  }
  // The PS's controller first (Device::GpioChips), then by base.
  std::stable_sort(gpio->chips_.begin(), gpio->chips_.end(),
                   [](const GpioChipInfo& a, const GpioChipInfo& b) {
                     if (IsPsLabel(a.label) != IsPsLabel(b.label)) return IsPsLabel(a.label);
                     return a.base < b.base;
                   });
  for (const GpioChipInfo& chip : gpio->chips_) {
    gpio->cdev_paths_.push_back(FindCdev(files, chip.name));
    gpio->cdevs_.push_back(nullptr);
  }
  return gpio;
}

PsGpio::~PsGpio() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [gpio, pin] : pins_) {
#ifdef PYNQ_REMOTE_WITH_LIBGPIOD
    if (pin->line != nullptr) {
      gpiod_line_release(pin->line);
      continue;
    }
#endif
    // What this server exported goes back, as a pin it gives up by Release would.
    Status released = SysfsRelease(gpio, pin->direction);
    if (!released.ok()) LogWarn(released.error().message);
  }
}

std::string PsGpio::Describe() const {
  if (chips_.empty()) {
    return "PS GPIO: none (no gpiochip in " + files_.Path(kClassGpio) + ")";
  }
  std::string text = "PS GPIO:";
  for (size_t i = 0; i < chips_.size(); ++i) {
    const GpioChipInfo& chip = chips_[i];
    text += (i == 0 ? " " : "; ") + chip.name + " \"" + chip.label + "\" " + Range(chip);
    if (!PsGpioHasLibgpiod()) {
      text += " via sysfs";
    } else if (cdev_paths_[i].empty()) {
      text += " via sysfs (no GPIO character device found for it)";
    } else {
      text += " via " + cdev_paths_[i] + " (libgpiod; sysfs if it does not open)";
    }
  }
  if (!PsGpioHasLibgpiod()) {
    text += ". Built without libgpiod: pins use the sysfs GPIO interface only";
  }
  return text;
}

Result<const GpioChipInfo*> PsGpio::ChipOf(int gpio) const {
  if (chips_.empty()) {
    return MakeError(ErrorCode::kUnsupported,
                     "this board serves no PS GPIO: no gpiochip in " + std::string(kClassGpio));
  }
  std::string ranges;
  for (const GpioChipInfo& chip : chips_) {
    if (gpio >= chip.base && gpio - chip.base < chip.ngpio) return &chip;
    ranges +=
        (ranges.empty() ? "" : "; ") + chip.name + " \"" + chip.label + "\" serves " + Range(chip);
    if (chip.mio_pins > 0) {
      ranges += " (EMIO pin k is " + std::to_string(chip.base) + " + " +
                std::to_string(chip.mio_pins) + " + k)";
    }
  }
  return MakeError(ErrorCode::kInvalidArgument,
                   "gpio " + std::to_string(gpio) + " is outside every GPIO chip: " + ranges);
}

std::string PsGpio::Describe(int gpio) const { return DescribeGpio(chips_, gpio); }

void* PsGpio::CdevLocked(size_t index) {
#ifdef PYNQ_REMOTE_WITH_LIBGPIOD
  if (cdevs_[index]) return cdevs_[index]->chip;
  cdevs_[index] = std::make_unique<Chip>();
  const GpioChipInfo& info = chips_[index];
  if (cdev_paths_[index].empty()) {
    LogInfo(info.name + ": no GPIO character device found; its pins use sysfs");
    return nullptr;
  }
  const std::string path = files_.Path(cdev_paths_[index]);
  gpiod_chip* chip = gpiod_chip_open(path.c_str());
  if (chip == nullptr) {
    LogWarn(info.name + ": cannot open " + path + " as a GPIO chip (" + ErrnoText(errno) +
            "); its pins use sysfs");
    return nullptr;
  }
  const unsigned lines = gpiod_chip_num_lines(chip);
  if (lines != static_cast<unsigned>(info.ngpio)) {
    LogWarn(info.name + ": " + path + " has " + std::to_string(lines) + " lines, sysfs says " +
            std::to_string(info.ngpio) + "; not the same chip, so its pins use sysfs");
    gpiod_chip_close(chip);
    return nullptr;
  }
  cdevs_[index]->chip = chip;
  LogInfo(info.name + ": pins through " + path + " (libgpiod)");
  return chip;
#else
  (void)index;
  return nullptr;
#endif
}

Status PsGpio::SetDirection(int gpio, GpioDirection direction) {
  Result<const GpioChipInfo*> chip = ChipOf(gpio);
  if (!chip.ok()) return chip.error();
  std::lock_guard<std::mutex> lock(mu_);
  auto held = pins_.find(gpio);
  if (held != pins_.end()) {
    Pin& pin = *held->second;
#ifdef PYNQ_REMOTE_WITH_LIBGPIOD
    if (pin.line != nullptr) {
      const int rc = direction == GpioDirection::kOut ? gpiod_line_set_direction_output(pin.line, 0)
                                                      : gpiod_line_set_direction_input(pin.line);
      if (rc != 0) {
        return MakeError(ErrorCode::kInternal,
                         "setting " + Describe(gpio) + " to \"" +
                             (direction == GpioDirection::kOut ? "out" : "in") +
                             "\": " + ErrnoText(errno));
      }
      pin.direction = direction;
      return {};
    }
#endif
    Status set = SysfsClaim(gpio, direction);
    if (set.ok()) pin.direction = direction;
    return set;
  }
  auto pin = std::make_unique<Pin>();
  pin->direction = direction;
#ifdef PYNQ_REMOTE_WITH_LIBGPIOD
  const size_t index = static_cast<size_t>(chip.value() - chips_.data());
  if (auto* cdev = static_cast<gpiod_chip*>(CdevLocked(index))) {
    gpiod_line* line = gpiod_chip_get_line(cdev, static_cast<unsigned>(gpio - chip.value()->base));
    if (line == nullptr) {
      return MakeError(ErrorCode::kInternal,
                       "getting " + Describe(gpio) + " from its GPIO chip: " + ErrnoText(errno));
    }
    const int rc = direction == GpioDirection::kOut ? gpiod_line_request_output(line, kConsumer, 0)
                                                    : gpiod_line_request_input(line, kConsumer);
    if (rc != 0) {
      const int err = errno;
      if (err == EBUSY) {
        const char* consumer = gpiod_line_consumer(line);
        return MakeError(ErrorCode::kPermissionDenied,
                         Describe(gpio) + " is in use by " +
                             (consumer != nullptr ? "\"" + std::string(consumer) + "\""
                                                  : std::string("another driver or process")));
      }
      return MakeError(ErrorCode::kInternal,
                       "requesting " + Describe(gpio) + ": " + ErrnoText(err));
    }
    pin->line = line;
    pins_[gpio] = std::move(pin);
    return {};
  }
#endif
  Status claimed = SysfsClaim(gpio, direction);
  if (!claimed.ok()) return claimed;
  pins_[gpio] = std::move(pin);
  return {};
}

Result<int> PsGpio::Read(int gpio) {
  Result<const GpioChipInfo*> chip = ChipOf(gpio);
  if (!chip.ok()) return chip.error();
  std::lock_guard<std::mutex> lock(mu_);
  auto held = pins_.find(gpio);
  if (held == pins_.end()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     Describe(gpio) + " is not claimed: set its direction first");
  }
#ifdef PYNQ_REMOTE_WITH_LIBGPIOD
  if (held->second->line != nullptr) {
    const int value = gpiod_line_get_value(held->second->line);
    if (value < 0) {
      return MakeError(ErrorCode::kInternal, "reading " + Describe(gpio) + ": " + ErrnoText(errno));
    }
    return value;
  }
#endif
  const std::string path = std::string(kClassGpio) + "/gpio" + std::to_string(gpio) + "/value";
  Result<std::string> text = files_.ReadTrimmed(path);
  if (!text.ok()) {
    return MakeError(ErrorCode::kInternal,
                     "reading " + Describe(gpio) + ": " + text.error().message);
  }
  if (text.value() != "0" && text.value() != "1") {
    return MakeError(ErrorCode::kInternal, "reading " + Describe(gpio) + ": " + files_.Path(path) +
                                               " holds \"" + text.value() + "\", not 0 or 1");
  }
  return text.value() == "1" ? 1 : 0;
}

Status PsGpio::Write(int gpio, int value) {
  Result<const GpioChipInfo*> chip = ChipOf(gpio);
  if (!chip.ok()) return chip.error();
  if (value != 0 && value != 1) {
    return MakeError(ErrorCode::kInvalidArgument, "GPIO value " + std::to_string(value) + " for " +
                                                      Describe(gpio) + ": want 0 or 1");
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto held = pins_.find(gpio);
  if (held == pins_.end() || held->second->direction != GpioDirection::kOut) {
    return MakeError(ErrorCode::kPermissionDenied,
                     Describe(gpio) + (held == pins_.end() ? " is not claimed" : " is an input") +
                         ": set it to \"out\" to drive it");
  }
#ifdef PYNQ_REMOTE_WITH_LIBGPIOD
  if (held->second->line != nullptr) {
    if (gpiod_line_set_value(held->second->line, value) != 0) {
      return MakeError(ErrorCode::kInternal, "writing " + Describe(gpio) + ": " + ErrnoText(errno));
    }
    return {};
  }
#endif
  Status written = files_.WriteAttribute(
      std::string(kClassGpio) + "/gpio" + std::to_string(gpio) + "/value", value ? "1" : "0");
  if (!written.ok()) {
    return MakeError(ErrorCode::kInternal,
                     "writing " + Describe(gpio) + ": " + written.error().message);
  }
  return {};
}

Status PsGpio::Release(int gpio) {
  Result<const GpioChipInfo*> chip = ChipOf(gpio);
  if (!chip.ok()) return chip.error();
  std::lock_guard<std::mutex> lock(mu_);
  auto held = pins_.find(gpio);
  if (held == pins_.end()) return {};  // nothing claimed: already given back
  std::unique_ptr<Pin> pin = std::move(held->second);
  pins_.erase(held);
#ifdef PYNQ_REMOTE_WITH_LIBGPIOD
  if (pin->line != nullptr) {
    // Released lines keep their last direction in the controller: stop driving first.
    if (pin->direction == GpioDirection::kOut && gpiod_line_set_direction_input(pin->line) != 0) {
      LogWarn("releasing " + Describe(gpio) + ": cannot make it an input: " + ErrnoText(errno));
    }
    gpiod_line_release(pin->line);
    return {};
  }
#endif
  return SysfsRelease(gpio, pin->direction);
}

std::string PsGpio::RouteOf(int gpio) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto held = pins_.find(gpio);
  if (held == pins_.end()) return "";
  return held->second->line != nullptr ? "cdev" : "sysfs";
}

// PYNQ's sequence (pynq/gpio.py): export unless gpioN/ is there already, then direction.
// "low" makes an output that drives 0 from the start, with no glitch to a stale 1.
Status PsGpio::SysfsClaim(int gpio, GpioDirection direction) {
  const std::string number = std::to_string(gpio);
  const std::string dir = std::string(kClassGpio) + "/gpio" + number;
  if (!files_.IsDirectory(dir)) {
    Status exported = files_.WriteAttribute(std::string(kClassGpio) + "/export", number);
    if (!exported.ok()) {
      return MakeError(ErrorCode::kInternal,
                       "exporting " + Describe(gpio) + ": " + exported.error().message +
                           " (a busy pin is held by another driver, e.g. MIO given to a "
                           "peripheral in the device tree)");
    }
    if (!files_.IsDirectory(dir)) {
      return MakeError(ErrorCode::kInternal, "exporting " + Describe(gpio) + ": wrote " + number +
                                                 " to " + files_.Path(kClassGpio) + "/export, " +
                                                 "but " + files_.Path(dir) + " did not appear");
    }
  }
  Status set =
      files_.WriteAttribute(dir + "/direction", direction == GpioDirection::kOut ? "low" : "in");
  if (!set.ok()) {
    return MakeError(ErrorCode::kInternal,
                     "setting the direction of " + Describe(gpio) + ": " + set.error().message);
  }
  return {};
}

Status PsGpio::SysfsRelease(int gpio, GpioDirection direction) {
  const std::string number = std::to_string(gpio);
  const std::string dir = std::string(kClassGpio) + "/gpio" + number;
  if (!files_.IsDirectory(dir)) return {};  // unexported behind our back: nothing to give
  if (direction == GpioDirection::kOut) {
    // Unexporting leaves the controller's direction as it was: stop driving first.
    Status input = files_.WriteAttribute(dir + "/direction", "in");
    if (!input.ok()) {
      return MakeError(ErrorCode::kInternal,
                       "releasing " + Describe(gpio) + ": " + input.error().message);
    }
  }
  Status unexported = files_.WriteAttribute(std::string(kClassGpio) + "/unexport", number);
  if (!unexported.ok()) {
    return MakeError(ErrorCode::kInternal,
                     "unexporting " + Describe(gpio) + ": " + unexported.error().message);
  }
  return {};
}

}  // namespace pynq_remote::zynq
