#include "service/error_mapping.h"

namespace pynq_remote::service {

grpc::StatusCode ToGrpcCode(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kUnaligned:
    case ErrorCode::kBadBitstream:
      return grpc::StatusCode::INVALID_ARGUMENT;
    case ErrorCode::kOutOfWindow:
      return grpc::StatusCode::OUT_OF_RANGE;
    case ErrorCode::kUnknownId:
      return grpc::StatusCode::NOT_FOUND;
    case ErrorCode::kNotProgrammed:
    case ErrorCode::kFailedPrecondition:
      return grpc::StatusCode::FAILED_PRECONDITION;
    case ErrorCode::kBusSlvErr:
    case ErrorCode::kBusDecErr:
      return grpc::StatusCode::ABORTED;
    case ErrorCode::kTimeout:
      return grpc::StatusCode::DEADLINE_EXCEEDED;
    case ErrorCode::kNoMemory:
    case ErrorCode::kLimitExceeded:
      return grpc::StatusCode::RESOURCE_EXHAUSTED;
    case ErrorCode::kPermissionDenied:
      return grpc::StatusCode::PERMISSION_DENIED;
    case ErrorCode::kUnsupported:
      return grpc::StatusCode::UNIMPLEMENTED;
    case ErrorCode::kCancelled:
      return grpc::StatusCode::CANCELLED;
    case ErrorCode::kDeadlineExceeded:
      return grpc::StatusCode::DEADLINE_EXCEEDED;
    case ErrorCode::kUnavailable:
      return grpc::StatusCode::UNAVAILABLE;
    case ErrorCode::kInternal:
      return grpc::StatusCode::INTERNAL;
  }
  return grpc::StatusCode::INTERNAL;
}

grpc::Status ToGrpcStatus(const DeviceError& error) {
  return grpc::Status(ToGrpcCode(error.code), ErrorText(error));
}

grpc::Status ToGrpcStatus(grpc::ServerContextBase* context, const DeviceError& error) {
  if (context != nullptr) {
    context->AddTrailingMetadata(kErrorCodeKey, ErrorCodeToken(error.code));
    // 0 is "no address": no error the services report concerns physical address 0.
    if (error.addr != 0) context->AddTrailingMetadata(kErrorAddrKey, Hex(error.addr));
  }
  return ToGrpcStatus(error);
}

std::string ErrorText(const DeviceError& error) {
  if (!error.message.empty()) return error.message;
  return std::string(ErrorCodeName(error.code)) + " at " + Hex(error.addr);
}

}  // namespace pynq_remote::service
