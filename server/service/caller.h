// Who a request acts for: the session named in its metadata, or the sessionless pool.
#ifndef PYNQ_REMOTE_SERVER_SERVICE_CALLER_H_
#define PYNQ_REMOTE_SERVER_SERVICE_CALLER_H_

#include <grpcpp/grpcpp.h>

#include <string>

#include "device/device_error.h"
#include "service/shared_state.h"

namespace pynq_remote::service {

/// The metadata key a session's requests carry its id in (lower case: HTTP/2 headers).
inline constexpr char kSessionMetadataKey[] = "pynq-remote-session";

/// The caller's session id, "" when the request names none (PYNQ 3.1 clients).
/// Errors: kUnknownId when it names a session that is not open.
Result<std::string> CallerSession(const grpc::ServerContext* context,
                                  const SessionTable& sessions);

/// The buffer `buffer_id` if the request's caller may use it (FindBuffer).
Result<BufferEntry> FindBufferFor(const SharedState& state, const grpc::ServerContext* context,
                                  const std::string& buffer_id);

}  // namespace pynq_remote::service

#endif  // PYNQ_REMOTE_SERVER_SERVICE_CALLER_H_
