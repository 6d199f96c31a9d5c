#include "service/inventory_service.h"

#include <cstdio>
#include <functional>
#include <map>
#include <utility>
#include <vector>

#include "service/caller.h"
#include "service/error_mapping.h"

namespace pynq_remote::service {

std::string InventoryService::LabelOf(const std::string& session) const {
  // Salted with the server's instance so a label says nothing across restarts; 32 bits are
  // enough to tell a board's few sessions apart and reveal nothing usable of a 128-bit id.
  size_t hash = std::hash<std::string>{}(state_.server_instance + "/" + session);
  char label[32];
  std::snprintf(label, sizeof(label), "session-%08x", static_cast<unsigned>(hash & 0xFFFFFFFFu));
  return label;
}

grpc::Status InventoryService::ListBuffers(grpc::ServerContext* context,
                                           const v1::ListBuffersRequest*,
                                           v1::ListBuffersResponse* response) {
  Result<std::string> caller = CallerSession(context, state_.sessions);
  if (!caller.ok()) return ToGrpcStatus(context, caller.error());
  // Order: the caller's own (rank 0), the sessionless pool (1), the others (2) by label.
  std::map<std::pair<int, std::string>, v1::SessionBuffers> groups;
  for (const auto& [id, entry] : state_.buffers.Snapshot()) {
    bool yours = !caller.value().empty() && entry.owner == caller.value();
    bool sessionless = entry.owner.empty();
    bool visible = yours || sessionless;
    int rank = yours ? 0 : sessionless ? 1 : 2;
    std::string name = visible ? entry.owner : LabelOf(entry.owner);
    v1::SessionBuffers& group = groups[{rank, name}];
    group.set_session(name);
    group.set_yours(yours);
    group.set_sessionless(sessionless);
    group.set_bytes(group.bytes() + entry.size);
    v1::BufferRecord* record = group.add_buffers();
    if (visible) record->set_buffer_id(id);
    record->set_size(entry.size);
    record->set_dtype(entry.dtype);
    record->set_cacheable(entry.cacheable);
    record->set_physical_address(entry.allocation.phys);
  }
  for (auto& [key, group] : groups) *response->add_sessions() = std::move(group);
  return grpc::Status::OK;
}

grpc::Status InventoryService::ListFiles(grpc::ServerContext* context,
                                         const v1::ListFilesRequest* request,
                                         v1::ListFilesResponse* response) {
  Result<std::string> caller = CallerSession(context, state_.sessions);
  if (!caller.ok()) return ToGrpcStatus(context, caller.error());
  bool truncated = false;
  Result<std::vector<RootFs::Entry>> entries =
      state_.root.List(request->path(), kMaxListedFiles, &truncated);
  if (!entries.ok()) return ToGrpcStatus(context, entries.error());
  for (const RootFs::Entry& entry : entries.value()) {
    v1::FileRecord* record = response->add_entries();
    record->set_name(entry.name);
    record->set_size(entry.size);
    switch (entry.kind) {
      case RootFs::Entry::Kind::kFile:
        record->set_kind(v1::FileRecord::FILE);
        break;
      case RootFs::Entry::Kind::kDirectory:
        record->set_kind(v1::FileRecord::DIRECTORY);
        break;
      case RootFs::Entry::Kind::kSymlink:
        record->set_kind(v1::FileRecord::SYMLINK);
        break;
      case RootFs::Entry::Kind::kOther:
        record->set_kind(v1::FileRecord::OTHER);
        break;
    }
  }
  response->set_truncated(truncated);
  return grpc::Status::OK;
}

}  // namespace pynq_remote::service
