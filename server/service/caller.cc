#include "service/caller.h"

namespace pynq_remote::service {

Result<std::string> CallerSession(const grpc::ServerContext* context,
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

Result<BufferEntry> FindBufferFor(const SharedState& state, const grpc::ServerContext* context,
                                  const std::string& buffer_id) {
  Result<std::string> caller = CallerSession(context, state.sessions);
  if (!caller.ok()) return caller.error();
  return FindBuffer(state, caller.value(), buffer_id);
}

}  // namespace pynq_remote::service
