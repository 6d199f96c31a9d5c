// pynq_remote.v1.Inventory: what each session holds, for `pynq-remote buffers`. Read-only, over
// the shared registries; another session's id and buffer ids never leave the server (a session
// id is its owner's credential), only a label that tells that session apart.
#ifndef PYNQ_REMOTE_SERVER_SERVICE_INVENTORY_SERVICE_H_
#define PYNQ_REMOTE_SERVER_SERVICE_INVENTORY_SERVICE_H_

#include <string>

#include "pynq_remote/v1/board.grpc.pb.h"
#include "service/service_state.h"

namespace pynq_remote::service {

class InventoryService final : public v1::Inventory::Service {
 public:
  explicit InventoryService(ServiceState& state) : state_(state) {}

  /// Every live buffer, grouped by session: the caller's first, then the sessionless pool,
  /// then the others. Errors: UNAUTHENTICATED-free; NOT_FOUND for a caller naming a session
  /// that is not open (as every call).
  grpc::Status ListBuffers(grpc::ServerContext* context, const v1::ListBuffersRequest* request,
                           v1::ListBuffersResponse* response) override;
  /// A directory of the target root (at most kMaxListedFiles entries). Errors: those of
  /// RootFs::List, mapped as every file call's.
  grpc::Status ListFiles(grpc::ServerContext* context, const v1::ListFilesRequest* request,
                         v1::ListFilesResponse* response) override;
  static constexpr size_t kMaxListedFiles = 10000;

 private:
  /// The label another session is shown by: stable while this server runs, not its id.
  std::string LabelOf(const std::string& session) const;

  ServiceState& state_;
};

}  // namespace pynq_remote::service

#endif  // PYNQ_REMOTE_SERVER_SERVICE_INVENTORY_SERVICE_H_
