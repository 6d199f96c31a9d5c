#include "device/device.h"

#include <cstdio>

namespace pynq_remote {

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
    case ErrorCode::kUnsupported:
      return "unsupported";
    case ErrorCode::kInternal:
      return "internal error";
  }
  return "unknown error";
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
