// The one place a DeviceError becomes a gRPC status (STYLE.md's table).
#ifndef PYNQ_REMOTE_SERVER_SERVICE_ERROR_MAPPING_H_
#define PYNQ_REMOTE_SERVER_SERVICE_ERROR_MAPPING_H_

#include <grpcpp/grpcpp.h>

#include <string>

#include "device/device_error.h"

namespace pynq_remote::service {

grpc::StatusCode ToGrpcCode(ErrorCode code);

/// The status for `error`: its code per STYLE.md and its text (ErrorText).
grpc::Status ToGrpcStatus(const DeviceError& error);

/// The text a person reads: the message, or the code's name when the message is empty.
/// 3.1 services put exactly this in `msg`.
std::string ErrorText(const DeviceError& error);

}  // namespace pynq_remote::service

#endif  // PYNQ_REMOTE_SERVER_SERVICE_ERROR_MAPPING_H_
