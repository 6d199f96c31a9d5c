// The one place a DeviceError reaches the wire: as a gRPC status with its token in the
// trailing metadata, or as a 3.1 answer's `msg` and `error_code` (the table of codes is in
// server/README.md, "Errors"). Handlers build no grpc::Status of their own.
#ifndef PYNQ_REMOTE_SERVER_SERVICE_ERROR_MAPPING_H_
#define PYNQ_REMOTE_SERVER_SERVICE_ERROR_MAPPING_H_

#include <grpcpp/grpcpp.h>

#include <string>
#include <type_traits>
#include <utility>

#include "device/device_error.h"

namespace pynq_remote::service {

template <typename Response, typename = void>
struct HasStatusField : std::false_type {};
template <typename Response>
struct HasStatusField<Response,
                      std::void_t<decltype(std::declval<Response&>().set_status(false))>>
    : std::true_type {};

grpc::StatusCode ToGrpcCode(ErrorCode code);

/// Trailing-metadata keys of a failed call: the error's stable token (ErrorCodeToken) and,
/// when the error concerns one, its address ("0xA0000010"). Clients key their exception
/// types on the token; the status code alone cannot tell SLVERR from DECERR.
inline constexpr char kErrorCodeKey[] = "pynq-remote-error-code";
inline constexpr char kErrorAddrKey[] = "pynq-remote-error-addr";

/// The status for `error`: its code (ToGrpcCode) and its text (ErrorText).
grpc::Status ToGrpcStatus(const DeviceError& error);

/// As ToGrpcStatus(error), and the token and address go into `context`'s trailing metadata
/// (kErrorCodeKey, kErrorAddrKey). Every service returns a DeviceError through this one;
/// sync (ServerContext) and callback (CallbackServerContext) handlers alike.
grpc::Status ToGrpcStatus(grpc::ServerContextBase* context, const DeviceError& error);

/// The text a person reads: the message, or the code's name when the message is empty.
/// 3.1 services put exactly this in `msg`.
std::string ErrorText(const DeviceError& error);

/// A 3.1 answer that failed: `msg` (ErrorText), our `error_code` token and, for answers
/// that have one, `status` false. The call itself succeeds, as PYNQ 3.1's server does.
template <typename Response>
grpc::Status FailIn31Answer(Response* response, const DeviceError& error) {
  if constexpr (HasStatusField<Response>::value) response->set_status(false);
  response->set_msg(ErrorText(error));
  response->set_error_code(ErrorCodeToken(error.code));
  return grpc::Status::OK;
}

}  // namespace pynq_remote::service

#endif  // PYNQ_REMOTE_SERVER_SERVICE_ERROR_MAPPING_H_
