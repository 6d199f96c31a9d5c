// The fpga_manager view of the target root: sys/class/fpga_manager/fpga0/{flags,firmware,
// state,name} and lib/firmware/, as Linux presents them to PYNQ. Writing `firmware`
// programs the Device with lib/firmware/<name>, honouring `flags`; `state` follows.
#ifndef PYNQ_REMOTE_SERVER_STATE_FPGA_MANAGER_H_
#define PYNQ_REMOTE_SERVER_STATE_FPGA_MANAGER_H_

#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "device/device.h"
#include "state/root_fs.h"

namespace pynq_remote {

inline constexpr char kFpgaManagerDir[] = "/sys/class/fpga_manager/fpga0";
inline constexpr char kFirmwareDir[] = "/lib/firmware";

/// Creates what the PYNQ client reads on connect and before a download: proc/version (an
/// `arch` Linux version string), proc/device-tree/chosen/pynq_board (NUL-padded board
/// name), the fpga_manager files and lib/firmware/. For the sim backend's fresh root. With
/// `gpio_chips`, also /sys/class/gpio/gpiochipN/{label,base,ngpio} for each, as Linux shows
/// them, so discovery that reads sysfs finds the PS GPIO there too.
Status PopulateSimRoot(const RootFs& root, const DeviceInfo& info,
                       const std::vector<GpioChipInfo>& gpio_chips = {});

/// A firmware file name as fpga_manager takes it: one path component under lib/firmware.
Status CheckFirmwareName(const std::string& name);

class FpgaManager {
 public:
  /// Bitstreams larger than max_bitstream_bytes are refused (kNoMemory).
  FpgaManager(Device& device, const RootFs& root, size_t max_bitstream_bytes);

  /// On a real board (the zynq backend) the fpga_manager files are the kernel's: the Device
  /// writes flags and firmware itself and state is the kernel's to report, so this class
  /// must not write them. The simulated board's root holds plain files it keeps up to date.
  void SetSysfsIsKernels(bool kernels) { sysfs_is_kernels_ = kernels; }

  /// True when the opened file is fpga0/firmware (compared by FileId, after symlinks).
  bool IsFirmwareTrigger(const FileId& opened) const;
  /// True for the fpga0 files a client may not write (state, name).
  bool IsReadOnly(const FileId& opened) const;

  /// What writing `firmware` does: programs lib/firmware/<name> (name as written, trailing
  /// whitespace ignored), full or partial per the `flags` file. Errors: kBadBitstream,
  /// kUnknownId (no such firmware), kInvalidArgument (bad name or flags).
  Status ProgramFirmware(const std::string& written_name);

  /// set_bitstream_attrs: remembers the name and kind `download` will use.
  Status SetAttrs(const std::string& binfile_name, bool partial);
  /// download: stores `bitstream` as lib/firmware/<attrs name>, then programs it.
  /// Errors: kInvalidArgument when no attrs were set, else as Device::Program.
  Status Download(const std::string& bitstream);

  /// Rewrites fpga0/state and fpga0/firmware from Device::State().
  Status RefreshState();

  /// Called after every programming attempt, under the programming lock, with the
  /// firmware name and whether it succeeded (the access policy follows the overlay).
  using ProgrammedHook = std::function<void(const std::string& name, bool ok)>;
  void SetProgrammedHook(ProgrammedHook hook) { programmed_hook_ = std::move(hook); }
  /// Another hook, called after that one (the interrupt service ends its registrations).
  /// Add hooks before any programming can start; they must outlive this object's use.
  void AddProgrammedHook(ProgrammedHook hook) { extra_hooks_.push_back(std::move(hook)); }

 private:
  Status ProgramLocked(const std::string& name, const std::string& bits, bool partial);
  Result<bool> ReadPartialFlag() const;
  void RunHooks(const std::string& name, bool ok);

  Device& device_;
  const RootFs& root_;
  size_t max_bitstream_bytes_;
  mutable std::mutex mu_;   // serialises programming and the sysfs files
  std::string attrs_name_;  // set_bitstream_attrs: binfile_name
  bool attrs_partial_ = false;
  ProgrammedHook programmed_hook_;
  std::vector<ProgrammedHook> extra_hooks_;
  bool sysfs_is_kernels_ = false;
};

}  // namespace pynq_remote

#endif  // PYNQ_REMOTE_SERVER_STATE_FPGA_MANAGER_H_
