// The one place a DeviceError becomes a gRPC status (STYLE.md's table).
#ifndef PYNQ_REMOTE_SERVER_SERVICE_ERROR_MAPPING_H_
#define PYNQ_REMOTE_SERVER_SERVICE_ERROR_MAPPING_H_

#include <grpcpp/grpcpp.h>

#include <string>

#include "device/device_error.h"

namespace pynq_remote::service {

grpc::StatusCode ToGrpcCode(ErrorCode code);

/// Trailing-metadata keys of a failed call: the error's stable token (ErrorCodeToken) and,
/// when the error concerns one, its address ("0xA0000010"). Clients key their exception
/// types on the token; the status code alone cannot tell SLVERR from DECERR.
inline constexpr char kErrorCodeKey[] = "pynq-remote-error-code";
inline constexpr char kErrorAddrKey[] = "pynq-remote-error-addr";

/// The status for `error`: its code per STYLE.md and its text (ErrorText).
grpc::Status ToGrpcStatus(const DeviceError& error);

/// As ToGrpcStatus(error), and the token and address go into `context`'s trailing metadata
/// (kErrorCodeKey, kErrorAddrKey). Every service returns a DeviceError through this one;
/// sync (ServerContext) and callback (CallbackServerContext) handlers alike.
grpc::Status ToGrpcStatus(grpc::ServerContextBase* context, const DeviceError& error);

/// The text a person reads: the message, or the code's name when the message is empty.
/// 3.1 services put exactly this in `msg`.
std::string ErrorText(const DeviceError& error);

}  // namespace pynq_remote::service

#endif  // PYNQ_REMOTE_SERVER_SERVICE_ERROR_MAPPING_H_
