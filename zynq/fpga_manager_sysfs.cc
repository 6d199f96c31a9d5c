#include "zynq/fpga_manager_sysfs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "device/bit_file.h"
#include "device/open_in_root.h"

namespace pynq_remote::zynq {
namespace {

std::string FpgaFile(const char* leaf) { return std::string(kFpgaManagerDir) + "/" + leaf; }

// What each fpga_manager error state means for the person reading the message.
std::string StateAdvice(const std::string& state) {
  if (state == "firmware request error") {
    return "the kernel could not read the file from /lib/firmware";
  }
  if (state == "write init error") {
    return "the FPGA refused the bitstream's start: wrong part, or a partial bitstream "
           "loaded as full (or the reverse)";
  }
  if (state == "write error" || state == "write complete error") {
    return "the configuration data was rejected: a corrupt bitstream, or one built for "
           "another part";
  }
  return "see the kernel log (dmesg) for the FPGA manager's message";
}

}  // namespace

Result<std::unique_ptr<SysfsFpgaManager>> SysfsFpgaManager::Open(const BoardFiles& files) {
  if (!files.IsDirectory(kFpgaManagerDir)) {
    return MakeError(ErrorCode::kUnsupported,
                     "no FPGA manager: " + files.Path(kFpgaManagerDir) +
                         " is missing (a kernel without CONFIG_FPGA_MGR_ZYNQMP_FPGA / "
                         "CONFIG_FPGA_MGR_ZYNQ_FPGA, or a Xilinx kernel without its sysfs "
                         "firmware interface)");
  }
  for (const char* leaf : {"flags", "firmware", "state"}) {
    if (!files.Exists(FpgaFile(leaf))) {
      return MakeError(ErrorCode::kUnsupported,
                       "the FPGA manager has no " + files.Path(FpgaFile(leaf)) +
                           ": this kernel cannot load bitstreams from /lib/firmware (the "
                           "Xilinx linux-xlnx kernel's fpga_manager sysfs files are needed)");
    }
  }
  if (!files.IsDirectory(kFirmwareDir)) {
    return MakeError(ErrorCode::kUnsupported,
                     "no " + files.Path(kFirmwareDir) +
                         " directory: the FPGA manager loads bitstreams from there; create it");
  }
  if (access(files.Path(kFirmwareDir).c_str(), W_OK) != 0) {
    return MakeError(ErrorCode::kUnsupported, "cannot write to " + files.Path(kFirmwareDir) + ": " +
                                                  ErrnoText(errno) + " (the server needs root)");
  }
  Result<std::string> name = files.ReadTrimmed(FpgaFile("name"));
  return std::unique_ptr<SysfsFpgaManager>(
      new SysfsFpgaManager(files, name.ok() ? name.value() : "FPGA manager"));
}

SysfsFpgaManager::SysfsFpgaManager(const BoardFiles& files, std::string manager_name)
    : files_(files), manager_name_(std::move(manager_name)) {}

namespace {

// Whether the entry `name` in `dir` is a regular file holding exactly `bytes`. Looked at
// through O_PATH first: a FIFO or device put there is never opened (it could block, or run a
// driver's open), only replaced.
bool HoldsExactly(int dir, const std::string& name, const std::string& bytes) {
  UniqueFd path(openat(dir, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
  struct stat st;
  if (!path.valid() || fstat(path.get(), &st) != 0 || !S_ISREG(st.st_mode) ||
      static_cast<uint64_t>(st.st_size) != bytes.size()) {
    return false;
  }
  UniqueFd fd(ReopenPathFd(path.get(), O_RDONLY | O_NONBLOCK));
  if (!fd.valid()) return false;
  std::string data(bytes.size(), '\0');
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = read(fd.get(), data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return data == bytes;
}

}  // namespace

Status SysfsFpgaManager::StoreFirmware(const std::string& name, const std::string& bin) {
  // lib/firmware is opened once, beneath the board's root as the file RPCs open paths
  // (device/open_in_root.h), and every step after is relative to that descriptor: a symlink
  // or FIFO swapped in by anyone who can write there cannot redirect or block the write.
  const std::string where = files_.Path(kFirmwareDir);
  UniqueFd root(open(files_.is_system_root() ? "/" : files_.root().c_str(),
                     O_PATH | O_DIRECTORY | O_CLOEXEC));
  const int dir =
      root.valid() ? OpenInRoot(root.get(), kFirmwareDir, O_PATH | O_DIRECTORY) : -errno;
  if (dir < 0)
    return MakeError(ErrorCode::kInternal, "cannot open " + where + ": " + ErrnoText(-dir));
  UniqueFd firmware(dir);
  if (HoldsExactly(firmware.get(), name, bin)) return {};  // written already, byte for byte
  // Written beside it and renamed, so the kernel never reads a half-written file.
  const std::string temp = name + ".part-" + std::to_string(getpid());
  unlinkat(firmware.get(), temp.c_str(), 0);  // a leftover of a process that had our pid
  UniqueFd fd(openat(firmware.get(), temp.c_str(),
                     O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (!fd.valid()) {
    return MakeError(ErrorCode::kInternal,
                     "cannot create " + where + "/" + temp + ": " + ErrnoText(errno));
  }
  size_t done = 0;
  while (done < bin.size()) {
    ssize_t n = write(fd.get(), bin.data() + done, bin.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = errno;
      unlinkat(firmware.get(), temp.c_str(), 0);
      return MakeError(ErrorCode::kInternal,
                       "cannot write " + where + "/" + temp + ": " + ErrnoText(err));
    }
    done += static_cast<size_t>(n);
  }
  if (close(fd.release()) != 0 ||
      renameat(firmware.get(), temp.c_str(), firmware.get(), name.c_str()) != 0) {
    const int err = errno;
    unlinkat(firmware.get(), temp.c_str(), 0);
    return MakeError(ErrorCode::kInternal,
                     "cannot store " + where + "/" + name + ": " + ErrnoText(err));
  }
  return {};
}

Status SysfsFpgaManager::Program(const std::string& bitstream, const std::string& name,
                                 bool partial) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos ||
      name.find('\0') != std::string::npos || name.find('\n') != std::string::npos) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "firmware name \"" + name + "\" must be one file name under /lib/firmware");
  }
  if (bitstream.empty()) {
    return MakeError(ErrorCode::kBadBitstream, "bad bitstream: " + name + " is empty");
  }
  Result<std::string> bin = BitToBin(bitstream);
  if (!bin.ok()) return bin.error();

  std::lock_guard<std::mutex> lock(mu_);
  auto fail = [this](DeviceError error) {
    design_.clear();
    error_ = error.message;
    return error;
  };
  Status stored = StoreFirmware(name, bin.value());
  if (!stored.ok()) return fail(stored.error());
  Status flags = files_.WriteAttribute(FpgaFile("flags"), partial ? "1" : "0");
  if (!flags.ok()) return fail(flags.error());
  // The kernel programs the PL inside this write and answers with its result.
  Status written = files_.WriteAttribute(FpgaFile("firmware"), name);
  Result<std::string> state = files_.ReadTrimmed(FpgaFile("state"));
  const std::string word = state.ok() ? state.value() : "unreadable";
  if (!written.ok() || word != "operating") {
    std::string message = "the FPGA manager (" + manager_name_ + ") did not load " +
                          std::string(partial ? "partial " : "") + "bitstream " + name + ": ";
    if (!written.ok()) message += written.error().message + "; ";
    message += "its state is \"" + word + "\": " + StateAdvice(word);
    return fail(MakeError(ErrorCode::kBadBitstream, message));
  }
  // The design's name, as the simulated board reports it: the file name without .bin/.bit.
  const size_t dot = name.rfind('.');
  const std::string ext = dot == std::string::npos ? "" : name.substr(dot);
  design_ = ext == ".bin" || ext == ".bit" ? name.substr(0, dot) : name;
  error_.clear();
  return {};
}

FpgaState SysfsFpgaManager::State() const {
  FpgaState state;
  Result<std::string> word = files_.ReadTrimmed(FpgaFile("state"));
  state.state = word.ok() && !word.value().empty() ? word.value() : "unknown";
  std::lock_guard<std::mutex> lock(mu_);
  state.design = design_;
  state.error = error_;
  return state;
}

Result<std::string> BitToBin(const std::string& bitstream) {
  if (!HasBitHeader(bitstream)) return bitstream;
  std::string part;
  Result<std::string> data = StripBitHeader(bitstream, &part);
  if (!data.ok()) return data.error();
  if (data.value().size() % 4 != 0) {
    return MakeError(ErrorCode::kBadBitstream, "bad bitstream: the .bit's configuration data is " +
                                                   std::to_string(data.value().size()) +
                                                   " bytes, not whole 32-bit words");
  }
  return SwapWords(data.value());
}

}  // namespace pynq_remote::zynq
