#include "service/idle_streams.h"

#include <grpc/grpc.h>

namespace pynq_remote::service {
namespace {

constexpr char kStopping[] = "the server is stopping; reconnect when it is back";

// The core call carries our text; a pending read or write then completes with ok=false and
// the call finishes as it does when a client goes away.
void End(grpc::ServerContextBase* context) {
  grpc_call_cancel_with_status(context->c_call(), GRPC_STATUS_UNAVAILABLE, kStopping, nullptr);
}

}  // namespace

void IdleStreams::Add(grpc::ServerContextBase* context) {
  std::lock_guard<std::mutex> lock(mu_);
  if (ended_) {
    End(context);
    return;
  }
  open_.insert(context);
}

void IdleStreams::Remove(grpc::ServerContextBase* context) {
  std::lock_guard<std::mutex> lock(mu_);
  open_.erase(context);
}

void IdleStreams::EndAll() {
  std::lock_guard<std::mutex> lock(mu_);
  ended_ = true;
  for (grpc::ServerContextBase* context : open_) End(context);
}

}  // namespace pynq_remote::service
