#include "state/fpga_manager.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>

#include "state/log.h"

namespace pynq_remote {
namespace {

constexpr size_t kBoardNameBytes = 32;  // pynq_board is NUL-padded to this size

std::string FpgaFile(const char* leaf) { return std::string(kFpgaManagerDir) + "/" + leaf; }

std::string Trim(const std::string& s) {
  size_t begin = s.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return "";
  size_t end = s.find_last_not_of(" \t\r\n");
  return s.substr(begin, end - begin + 1);
}

std::string LinuxVersion(const std::string& arch) {
  return "Linux version 6.6.10-xilinx-v2024.1 (pynq-remote-sim@" + arch + ") (" + arch +
         "-linux-gnu-gcc (GCC) 12.2.0) #1 SMP PREEMPT " + arch + "\n";
}

}  // namespace

Status PopulateSimRoot(const RootFs& root, const DeviceInfo& info,
                       const std::vector<GpioChipInfo>& gpio_chips) {
  for (const char* dir : {"/proc/device-tree/chosen", kFpgaManagerDir, kFirmwareDir}) {
    Status made = root.MakeDirectories(dir);
    if (!made.ok()) return made;
  }
  std::string board = info.board;
  board.resize(std::max(kBoardNameBytes, board.size() + 1), '\0');
  const std::pair<std::string, std::string> files[] = {
      {"/proc/version", LinuxVersion(info.arch.empty() ? "aarch64" : info.arch)},
      {"/proc/device-tree/chosen/pynq_board", board},
      {FpgaFile("flags"), "0\n"},
      {FpgaFile("firmware"), "\n"},
      {FpgaFile("state"), "unknown\n"},
      {FpgaFile("name"), "Xilinx ZynqMP FPGA Manager\n"},
  };
  for (const auto& [path, text] : files) {
    Status written = root.WriteAll(path, text);
    if (!written.ok()) return written;
  }
  for (const GpioChipInfo& chip : gpio_chips) {
    const std::string dir = "/sys/class/gpio/" + chip.name;
    Status made = root.MakeDirectories(dir);
    if (!made.ok()) return made;
    const std::pair<std::string, std::string> gpio_files[] = {
        {dir + "/label", chip.label + "\n"},
        {dir + "/base", std::to_string(chip.base) + "\n"},
        {dir + "/ngpio", std::to_string(chip.ngpio) + "\n"},
    };
    for (const auto& [path, text] : gpio_files) {
      Status written = root.WriteAll(path, text);
      if (!written.ok()) return written;
    }
  }
  return {};
}

Status CheckFirmwareName(const std::string& name) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "firmware name \"" + name + "\" must be one file name under /lib/firmware");
  }
  return CheckPathSyntax(name);
}

FpgaManager::FpgaManager(Device& device, const RootFs& root, size_t max_bitstream_bytes)
    : device_(device), root_(root), max_bitstream_bytes_(max_bitstream_bytes) {}

// Compares file identities: on a board /sys/class/fpga_manager/fpga0 is a symlink into
// /sys/devices, and a name can be renamed over; the inode a client opened is what counts.
bool FpgaManager::IsFirmwareTrigger(const FileId& opened) const {
  Result<FileId> trigger = root_.Identify(FpgaFile("firmware"));
  return trigger.ok() && trigger.value() == opened;
}

bool FpgaManager::IsReadOnly(const FileId& opened) const {
  for (const char* leaf : {"state", "name"}) {
    Result<FileId> file = root_.Identify(FpgaFile(leaf));
    if (file.ok() && file.value() == opened) return true;
  }
  return false;
}

Result<bool> FpgaManager::ReadPartialFlag() const {
  Result<std::string> text = root_.ReadAll(FpgaFile("flags"), 64);
  if (!text.ok()) return false;  // no flags file: full reconfiguration, as Linux defaults
  std::string flags = Trim(text.value());
  if (flags.empty()) return false;
  char* end = nullptr;
  unsigned long value = std::strtoul(flags.c_str(), &end, 0);
  if (*end != '\0') {
    return MakeError(ErrorCode::kInvalidArgument,
                     "fpga_manager flags \"" + flags + "\" is not a number (0 full, 1 partial)");
  }
  return (value & 1) != 0;
}

Status FpgaManager::ProgramFirmware(const std::string& written_name) {
  std::string name = Trim(written_name);
  Status valid = CheckFirmwareName(name);
  if (!valid.ok()) return valid;
  std::lock_guard<std::mutex> lock(mu_);
  Result<bool> partial = ReadPartialFlag();
  if (!partial.ok()) return partial.error();
  Result<std::string> bits =
      root_.ReadAll(std::string(kFirmwareDir) + "/" + name, max_bitstream_bytes_);
  if (!bits.ok()) {
    if (bits.error().code == ErrorCode::kUnknownId) {
      return MakeError(ErrorCode::kUnknownId,
                       "no firmware /lib/firmware/" + name + ": write it there first");
    }
    return bits.error();
  }
  return ProgramLocked(name, bits.value(), partial.value());
}

Status FpgaManager::SetAttrs(const std::string& binfile_name, bool partial) {
  Status valid = CheckFirmwareName(binfile_name);
  if (!valid.ok()) return valid;
  std::lock_guard<std::mutex> lock(mu_);
  attrs_name_ = binfile_name;
  attrs_partial_ = partial;
  return {};
}

Status FpgaManager::Download(const std::string& bitstream) {
  std::lock_guard<std::mutex> lock(mu_);
  if (attrs_name_.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "download before set_bitstream_attrs: no file name for the bitstream");
  }
  Status stored = root_.WriteAll(std::string(kFirmwareDir) + "/" + attrs_name_, bitstream);
  if (!stored.ok()) return stored;
  return ProgramLocked(attrs_name_, bitstream, attrs_partial_);
}

void FpgaManager::RunHooks(const std::string& name, bool ok) {
  if (programmed_hook_) programmed_hook_(name, ok);
  for (const ProgrammedHook& hook : extra_hooks_) hook(name, ok);
}

Status FpgaManager::ProgramLocked(const std::string& name, const std::string& bits, bool partial) {
  LogInfo("programming " + std::string(partial ? "partial " : "") + "bitstream " + name + " (" +
          std::to_string(bits.size()) + " bytes)");
  Status programmed = device_.Program(bits, name, partial);
  if (sysfs_is_kernels_) {
    RunHooks(name, programmed.ok());
    if (!programmed.ok()) LogWarn("programming " + name + " failed: " + programmed.error().message);
    return programmed;
  }
  Status recorded = root_.WriteAll(FpgaFile("firmware"), name + "\n");
  if (!recorded.ok()) LogWarn("cannot record the firmware name: " + recorded.error().message);
  FpgaState state = device_.State();
  std::string word = programmed.ok() ? state.state : "unknown";
  Status written = root_.WriteAll(FpgaFile("state"), word + "\n");
  RunHooks(name, programmed.ok());
  if (!programmed.ok()) {
    LogWarn("programming " + name + " failed: " + programmed.error().message);
    return programmed;
  }
  return written;
}

Status FpgaManager::RefreshState() {
  if (sysfs_is_kernels_) return {};
  std::lock_guard<std::mutex> lock(mu_);
  FpgaState state = device_.State();
  return root_.WriteAll(FpgaFile("state"), state.state + "\n");
}

}  // namespace pynq_remote
