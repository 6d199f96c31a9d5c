// The board's files as the hardware backend sees them: every path the backend touches
// (/sys, /proc, /dev, /lib/firmware) is taken under one configurable root, "/" on a board
// and a fake board tree in CI (hil-tests/fake_board/). Nothing here is reachable by clients;
// the service layer's RootFs sandboxes what they name.
#ifndef PYNQ_REMOTE_SERVER_ZYNQ_BOARD_FILES_H_
#define PYNQ_REMOTE_SERVER_ZYNQ_BOARD_FILES_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "device/device_error.h"

namespace pynq_remote::zynq {

class BoardFiles {
 public:
  /// `root`: "/" (or empty) for the running system, else a directory standing in for it.
  explicit BoardFiles(std::string root);

  /// The host path of a board path: Path("/sys/class/fpga_manager") under the root.
  std::string Path(const std::string& board_path) const;
  const std::string& root() const { return root_; }
  bool is_system_root() const { return root_.empty(); }

  bool Exists(const std::string& board_path) const;
  bool IsDirectory(const std::string& board_path) const;
  /// Entry names of a directory, sorted, without "." and "..". Empty when it is missing.
  std::vector<std::string> List(const std::string& board_path) const;

  /// A whole small file (sysfs attribute, device-tree property). kUnknownId when missing,
  /// kNoMemory past max_bytes, kInternal with errno text otherwise.
  Result<std::string> Read(const std::string& board_path, size_t max_bytes = 1 << 16) const;
  /// Read() with surrounding whitespace and trailing NULs removed.
  Result<std::string> ReadTrimmed(const std::string& board_path) const;
  /// A number in a sysfs attribute: decimal, or hex with 0x. kInvalidArgument if malformed.
  Result<uint64_t> ReadNumber(const std::string& board_path) const;

  /// Writes `text` into an existing file in one write(2), as sysfs attributes want (no
  /// create). The kernel's answer comes back as kInternal with errno text.
  Status WriteAttribute(const std::string& board_path, const std::string& text) const;

 private:
  std::string root_;  // without a trailing slash; empty for "/"
};

/// "Operation not permitted" for errno, for messages.
std::string ErrnoText(int err);

}  // namespace pynq_remote::zynq

#endif  // PYNQ_REMOTE_SERVER_ZYNQ_BOARD_FILES_H_
