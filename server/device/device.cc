#include "device/device.h"

#include <cstdio>

namespace pynq_remote {

std::string DescribeGpio(const std::vector<GpioChipInfo>& chips, int gpio) {
  const std::string number = "gpio " + std::to_string(gpio);
  for (const GpioChipInfo& chip : chips) {
    if (gpio < chip.base || gpio - chip.base >= chip.ngpio) continue;
    const int offset = gpio - chip.base;
    if (offset < chip.mio_pins) {
      return number + " (MIO " + std::to_string(offset) + " of " + chip.name + ")";
    }
    if (chip.mio_pins > 0) {
      return number + " (EMIO " + std::to_string(offset - chip.mio_pins) + " of " + chip.name + ")";
    }
    return number + " (line " + std::to_string(offset) + " of " + chip.name + ")";
  }
  return number;
}

const char* ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "invalid argument";
    case ErrorCode::kUnaligned:
      return "unaligned access";
    case ErrorCode::kBadBitstream:
      return "bad bitstream";
    case ErrorCode::kOutOfWindow:
      return "out of window";
    case ErrorCode::kUnknownId:
      return "unknown id";
    case ErrorCode::kNotProgrammed:
      return "not programmed";
    case ErrorCode::kBusSlvErr:
      return "AXI SLVERR";
    case ErrorCode::kBusDecErr:
      return "AXI DECERR";
    case ErrorCode::kTimeout:
      return "timeout";
    case ErrorCode::kNoMemory:
      return "out of memory";
    case ErrorCode::kLimitExceeded:
      return "limit exceeded";
    case ErrorCode::kPermissionDenied:
      return "permission denied";
    case ErrorCode::kUnsupported:
      return "unsupported";
    case ErrorCode::kCancelled:
      return "cancelled";
    case ErrorCode::kDeadlineExceeded:
      return "deadline exceeded";
    case ErrorCode::kUnavailable:
      return "unavailable";
    case ErrorCode::kInternal:
      return "internal error";
    case ErrorCode::kFailedPrecondition:
      return "failed precondition";
  }
  return "unknown error";
}

const char* ErrorCodeToken(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "INVALID_ARGUMENT";
    case ErrorCode::kUnaligned:
      return "UNALIGNED";
    case ErrorCode::kBadBitstream:
      return "BAD_BITSTREAM";
    case ErrorCode::kOutOfWindow:
      return "OUT_OF_WINDOW";
    case ErrorCode::kUnknownId:
      return "UNKNOWN_ID";
    case ErrorCode::kNotProgrammed:
      return "NOT_PROGRAMMED";
    case ErrorCode::kBusSlvErr:
      return "BUS_SLVERR";
    case ErrorCode::kBusDecErr:
      return "BUS_DECERR";
    case ErrorCode::kTimeout:
      return "TIMEOUT";
    case ErrorCode::kNoMemory:
      return "NO_MEMORY";
    case ErrorCode::kLimitExceeded:
      return "LIMIT_EXCEEDED";
    case ErrorCode::kPermissionDenied:
      return "PERMISSION_DENIED";
    case ErrorCode::kUnsupported:
      return "UNSUPPORTED";
    case ErrorCode::kDeadlineExceeded:
      return "DEADLINE_EXCEEDED";
    case ErrorCode::kUnavailable:
      return "UNAVAILABLE";
    case ErrorCode::kCancelled:
      return "CANCELLED";
    case ErrorCode::kInternal:
      return "INTERNAL";
    case ErrorCode::kFailedPrecondition:
      return "FAILED_PRECONDITION";
  }
  return "INTERNAL";
}

std::string Hex(uint64_t value) {
  char text[24];
  std::snprintf(text, sizeof text, "0x%llX", static_cast<unsigned long long>(value));
  return text;
}

Device::BatchResult Device::MmioBatch(std::vector<MmioOp>& ops) {
  BatchResult result;
  for (MmioOp& op : ops) {
    if (op.kind == MmioOp::Kind::kRead) {
      Result<uint64_t> value = MmioRead(op.addr, op.width);
      if (!value.ok()) {
        result.status = value.error();
        return result;
      }
      op.value = value.value();
    } else {
      Status status = MmioWrite(op.addr, op.width, op.value);
      if (!status.ok()) {
        result.status = status;
        return result;
      }
    }
    ++result.completed;
  }
  return result;
}

}  // namespace pynq_remote
