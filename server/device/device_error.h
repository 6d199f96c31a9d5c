// The error model of the Device seam: a typed code, a message a person can act on, and the
// address it concerns. No exception crosses the seam; every call returns Result<T>.
#ifndef PYNQ_REMOTE_SERVER_DEVICE_DEVICE_ERROR_H_
#define PYNQ_REMOTE_SERVER_DEVICE_DEVICE_ERROR_H_

#include <cstdint>
#include <string>
#include <utility>
#include <variant>

namespace pynq_remote {

enum class ErrorCode {
  kInvalidArgument,   // a malformed request: bad width, zero or huge size
  kUnaligned,         // address or size not aligned to the access width
  kBadBitstream,      // unknown design, corrupt container, wrong part
  kOutOfWindow,       // address outside every bus window or outside a buffer
  kUnknownId,         // no such buffer / handle / interrupt line
  kNotProgrammed,     // the PL holds no design
  kBusSlvErr,         // the addressed slave answered SLVERR
  kBusDecErr,         // nothing decoded the address (DECERR)
  kTimeout,           // the bus or the device did not answer in time
  kNoMemory,          // the board's allocator ran out
  kLimitExceeded,     // a configured server limit (per session or in total) would be passed
  kPermissionDenied,  // the access policy forbids it (MMIO outside the overlay, path escape)
  kUnsupported,       // this backend cannot do that
  kCancelled,         // a long call stopped early: cancelled, past its deadline, or shutdown
  kDeadlineExceeded,  // the client's deadline passed while the call ran
  kUnavailable,       // the server is stopping: try again once it is back
  kInternal,          // a bug or an unexpected host failure
  kFailedPrecondition,  // well formed, but not now: a trace already running, or none to stop
};

/// Words for a person: "AXI SLVERR", "out of window".
const char* ErrorCodeName(ErrorCode code);
/// A stable token for the wire and for client exception classes: "BUS_SLVERR", "TIMEOUT".
/// Never renamed once shipped; clients key their exception types on it.
const char* ErrorCodeToken(ErrorCode code);

struct DeviceError {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;  // says what, where, why: "4-byte write at 0xA0000010: AXI SLVERR"
  uint64_t addr = 0;
};

/// A value or a DeviceError, in the spirit of absl::StatusOr, kept to what the seam needs.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}            // NOLINT: implicit by design
  Result(DeviceError error) : v_(std::move(error)) {}  // NOLINT
  bool ok() const { return v_.index() == 0; }
  const T& value() const& { return std::get<0>(v_); }
  T& value() & { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const DeviceError& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, DeviceError> v_;
};

/// Result<void>: success or a DeviceError.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(DeviceError error) : ok_(false), error_(std::move(error)) {}  // NOLINT
  bool ok() const { return ok_; }
  const DeviceError& error() const { return error_; }

 private:
  bool ok_ = true;
  DeviceError error_;
};

using Status = Result<void>;

inline DeviceError MakeError(ErrorCode code, std::string message, uint64_t addr = 0) {
  return DeviceError{code, std::move(message), addr};
}

/// "0xA0000010": the hex spelling used in every message.
std::string Hex(uint64_t value);

}  // namespace pynq_remote

#endif  // PYNQ_REMOTE_SERVER_DEVICE_DEVICE_ERROR_H_
