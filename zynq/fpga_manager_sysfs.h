// Programming through the Linux FPGA manager, as PYNQ does on a board: the bitstream goes to
// /lib/firmware/<name>, `flags` says full (0) or partial (1), writing <name> to `firmware`
// makes the kernel load it, and `state` says how that went ("operating" or an error state).
#ifndef PYNQ_REMOTE_SERVER_ZYNQ_FPGA_MANAGER_SYSFS_H_
#define PYNQ_REMOTE_SERVER_ZYNQ_FPGA_MANAGER_SYSFS_H_

#include <memory>
#include <mutex>
#include <string>

#include "device/device.h"
#include "zynq/board_files.h"

namespace pynq_remote::zynq {

inline constexpr char kFpgaManagerDir[] = "/sys/class/fpga_manager/fpga0";
inline constexpr char kFirmwareDir[] = "/lib/firmware";

class SysfsFpgaManager {
 public:
  /// Checks that fpga0 and its flags/firmware/state files and /lib/firmware are there.
  /// Errors say which is missing and the likely cause.
  static Result<std::unique_ptr<SysfsFpgaManager>> Open(const BoardFiles& files);

  /// Stores `bitstream` as lib/firmware/<name> unless that file already holds exactly these
  /// bytes (the service layer may have written it), then programs it. A .bit is converted to
  /// the .bin the FPGA manager takes. kBadBitstream with the kernel's answer and the state
  /// when the FPGA manager refuses or ends in an error state.
  Status Program(const std::string& bitstream, const std::string& name, bool partial);

  /// The state file's word, the design this server loaded last (its firmware name without
  /// .bin/.bit), and the last error.
  FpgaState State() const;
  /// fpga0/name, e.g. "Xilinx ZynqMP FPGA Manager".
  const std::string& manager_name() const { return manager_name_; }

 private:
  SysfsFpgaManager(const BoardFiles& files, std::string manager_name);
  Status StoreFirmware(const std::string& name, const std::string& bin);

  const BoardFiles& files_;
  const std::string manager_name_;
  mutable std::mutex mu_;
  std::string design_;
  std::string error_;
};

/// A .bit file (Xilinx header, then the configuration data) as the byte-swapped .bin the
/// FPGA manager loads. Anything without a .bit header is returned unchanged. Errors:
/// kBadBitstream for a truncated or malformed header.
Result<std::string> BitToBin(const std::string& bitstream);

}  // namespace pynq_remote::zynq

#endif  // PYNQ_REMOTE_SERVER_ZYNQ_FPGA_MANAGER_SYSFS_H_
