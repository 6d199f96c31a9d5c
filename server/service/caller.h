// Who a request acts for: the session named in its metadata, or the sessionless pool.
#ifndef PYNQ_REMOTE_SERVER_SERVICE_CALLER_H_
#define PYNQ_REMOTE_SERVER_SERVICE_CALLER_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "device/device.h"
#include "device/device_error.h"
#include "service/service_state.h"
#include "service/stream_guard.h"

namespace pynq_remote::service {

/// The metadata key a session's requests carry its id in (lower case: HTTP/2 headers).
inline constexpr char kSessionMetadataKey[] = "pynq-remote-session";

/// The caller's session id, "" when the request names none (PYNQ 3.1 clients).
/// Errors: kUnknownId when it names a session that is not open.
Result<std::string> CallerSession(const grpc::ServerContextBase* context,
                                  const SessionTable& sessions);

/// The buffer `buffer_id` if the request's caller may use it (FindBuffer).
Result<BufferEntry> FindBufferFor(const ServiceState& state, const grpc::ServerContextBase* context,
                                  const std::string& buffer_id);

/// The guard a streaming handler holds (a --max-streams slot, the idle watchdog, memory
/// charged to the caller). Errors: as CallerSession; kLimitExceeded (--max-streams).
Result<std::unique_ptr<StreamGuard>> StartStream(ServiceState& state, grpc::ServerContext* context,
                                                 const std::string& what);

/// The StopToken of a long Device call made for this request: it asks to stop once the
/// client cancels, its deadline passes, or the server begins to stop.
StopToken StopTokenFor(const grpc::ServerContext* context, const ServiceState& state);

/// The status of a call that a stop ended (`error` from the Device, kCancelled): UNAVAILABLE
/// when the server is stopping, DEADLINE_EXCEEDED past the client's deadline, else CANCELLED;
/// any other error maps as usual.
grpc::Status StoppedStatus(grpc::ServerContext* context, const ServiceState& state,
                           DeviceError error);

/// Whether a client stream ended by the client finishing it (true), or by a cancellation,
/// deadline or the idle watchdog (false: what arrived is incomplete and must not be used).
bool StreamFinished(grpc::ServerContext* context, const StreamGuard& guard);

}  // namespace pynq_remote::service

#endif  // PYNQ_REMOTE_SERVER_SERVICE_CALLER_H_
