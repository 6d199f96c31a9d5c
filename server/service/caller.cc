#include "service/caller.h"

#include <chrono>

#include "service/error_mapping.h"

namespace pynq_remote::service {

Result<std::string> CallerSession(const grpc::ServerContextBase* context,
                                  const SessionTable& sessions) {
  if (context == nullptr) return std::string();
  const auto& metadata = context->client_metadata();
  auto it = metadata.find(kSessionMetadataKey);
  if (it == metadata.end()) return std::string();
  std::string id(it->second.data(), it->second.size());
  Status open = sessions.CheckCaller(id);
  if (!open.ok()) return open.error();
  return id;
}

Result<BufferEntry> FindBufferFor(const ServiceState& state, const grpc::ServerContextBase* context,
                                  const std::string& buffer_id) {
  Result<std::string> caller = CallerSession(context, state.sessions);
  if (!caller.ok()) return caller.error();
  return FindBuffer(state, caller.value(), buffer_id);
}

Result<std::unique_ptr<StreamGuard>> StartStream(ServiceState& state, grpc::ServerContext* context,
                                                 const std::string& what) {
  Result<std::string> caller = CallerSession(context, state.sessions);
  if (!caller.ok()) return caller.error();
  return StreamGuard::Start(context, state.streams, state.sessions, state.call_memory,
                            state.watchdog, what, caller.value());
}

StopToken StopTokenFor(const grpc::ServerContext* context, const ServiceState& state) {
  // IsCancelled is true once the client cancels or its deadline passes (gRPC cancels the
  // call then); the deadline is also compared directly, in case the check runs first.
  const std::chrono::system_clock::time_point deadline = context->deadline();
  return StopToken([context, deadline, &state] {
    return state.stopping.load() || std::chrono::system_clock::now() >= deadline ||
           context->IsCancelled();
  });
}

grpc::Status StoppedStatus(grpc::ServerContext* context, const ServiceState& state,
                           DeviceError error) {
  if (error.code != ErrorCode::kCancelled) return ToGrpcStatus(context, error);
  if (state.stopping.load()) {
    return ToGrpcStatus(
        context, MakeError(ErrorCode::kUnavailable,
                           error.message + ": the server is stopping; retry when it is back"));
  }
  if (std::chrono::system_clock::now() >= context->deadline()) {
    return ToGrpcStatus(context, MakeError(ErrorCode::kDeadlineExceeded,
                                           error.message + ": the call's deadline passed"));
  }
  return ToGrpcStatus(context,
                      MakeError(ErrorCode::kCancelled, error.message + ": the call was cancelled"));
}

bool StreamFinished(grpc::ServerContext* context, const StreamGuard& guard) {
  return !guard.ended_idle() && !context->IsCancelled();
}

}  // namespace pynq_remote::service
