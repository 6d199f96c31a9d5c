#include "state/sessions.h"

#include <cstdio>
#include <utility>

#include "state/registry.h"

namespace pynq_remote {
namespace {

std::string Describe(const std::string& owner) {
  return owner.empty() ? std::string("the sessionless pool") : "session " + owner;
}

}  // namespace

std::string FormatBytes(uint64_t bytes) {
  char text[32];
  if (bytes >= (1ull << 30) && bytes % (1ull << 30) == 0) {
    std::snprintf(text, sizeof text, "%llu GiB", static_cast<unsigned long long>(bytes >> 30));
  } else if (bytes >= (1ull << 20)) {
    std::snprintf(text, sizeof text, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  } else if (bytes >= (1ull << 10)) {
    std::snprintf(text, sizeof text, "%.1f KiB", static_cast<double>(bytes) / (1 << 10));
  } else {
    std::snprintf(text, sizeof text, "%llu bytes", static_cast<unsigned long long>(bytes));
  }
  return text;
}

Result<std::string> SessionTable::Open(const std::string& client_name) {
  std::lock_guard<std::mutex> lock(mu_);
  if (limits_.max_sessions != 0 && sessions_.size() >= limits_.max_sessions) {
    return MakeError(ErrorCode::kLimitExceeded,
                     "cannot open a session: " + std::to_string(sessions_.size()) + " of " +
                         std::to_string(limits_.max_sessions) +
                         " sessions are open (--max-sessions); dropped clients free theirs " +
                         "after " + std::to_string(limits_.grace.count()) + " ms");
  }
  std::string id = NewId("ses");
  sessions_.emplace(id, Session{client_name, true, {}, {}});
  return id;
}

Status SessionTable::Resume(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) {
    return MakeError(ErrorCode::kUnknownId,
                     "session " + id + " cannot be resumed: it expired (its client was gone " +
                         "longer than " + std::to_string(limits_.grace.count()) +
                         " ms) or the server restarted without --state-dir; its buffers are gone");
  }
  it->second.attached = true;
  return {};
}

void SessionTable::Restore(const std::string& id, Usage usage, std::chrono::milliseconds grace) {
  std::lock_guard<std::mutex> lock(mu_);
  Session& session = sessions_[id];
  session.attached = false;
  session.expires = Clock::now() + grace;
  session.usage = usage;
  total_.bytes += usage.bytes;
  total_.handles += usage.handles;
}

void SessionTable::Detach(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return;
  it->second.attached = false;
  it->second.expires = Clock::now() + limits_.grace;
}

Status SessionTable::CheckCaller(const std::string& id) const {
  if (id.empty()) return {};
  std::lock_guard<std::mutex> lock(mu_);
  if (sessions_.count(id) != 0) return {};
  return MakeError(ErrorCode::kUnknownId,
                   "session " + id + " is not open on this server: it expired or the server " +
                       "restarted; reconnect (its buffers and MMIO handles are gone)");
}

Usage* SessionTable::UsageLocked(const std::string& owner) {
  if (owner.empty()) return &sessionless_;
  auto it = sessions_.find(owner);
  return it == sessions_.end() ? nullptr : &it->second.usage;
}

Status SessionTable::Reserve(const std::string& owner, uint64_t bytes, uint32_t handles,
                             const std::string& action) {
  const std::string doing = action.empty() ? "allocating " + FormatBytes(bytes) : action;
  std::lock_guard<std::mutex> lock(mu_);
  Usage* usage = UsageLocked(owner);
  if (usage == nullptr) {
    return MakeError(ErrorCode::kUnknownId, "session " + owner + " is not open on this server");
  }
  // Unlimited still counts: a charge the counters cannot hold would wrap them, and Release
  // (which clamps at zero) would then lose what the other buffers hold (found by fuzz_rpc).
  if (bytes > UINT64_MAX - total_.bytes || handles > UINT32_MAX - total_.handles) {
    return MakeError(ErrorCode::kLimitExceeded, doing + " is more than the server can count");
  }
  // Sessions have one limit each; the sessionless pool, shared by every PYNQ 3.1 client
  // (they open no session), has one of its own.
  const uint64_t owner_limit =
      owner.empty() ? limits_.max_sessionless_bytes : limits_.max_session_bytes;
  if (owner_limit != 0 && bytes > owner_limit - std::min(usage->bytes, owner_limit)) {
    return MakeError(ErrorCode::kLimitExceeded,
                     doing + " would bring " + Describe(owner) + " to " +
                         FormatBytes(usage->bytes + bytes) + ", past its limit of " +
                         FormatBytes(owner_limit) +
                         (owner.empty() ? " (--max-sessionless-memory-mb; PYNQ 3.1 clients, "
                                          "which open no session, share it; "
                                        : " (--max-session-memory-mb; ") +
                         FormatBytes(usage->bytes) + " held now)");
  }
  if (limits_.max_total_bytes != 0 &&
      bytes > limits_.max_total_bytes - std::min(total_.bytes, limits_.max_total_bytes)) {
    return MakeError(ErrorCode::kLimitExceeded,
                     doing + " would bring the server to " + FormatBytes(total_.bytes + bytes) +
                         ", past its limit of " + FormatBytes(limits_.max_total_bytes) +
                         " (--max-total-memory-mb; " + FormatBytes(usage->bytes) + " held by " +
                         Describe(owner) + ")");
  }
  if (limits_.max_session_handles != 0 &&
      handles >
          limits_.max_session_handles - std::min(usage->handles, limits_.max_session_handles)) {
    return MakeError(ErrorCode::kLimitExceeded, Describe(owner) + " holds " +
                                                    std::to_string(usage->handles) +
                                                    " buffer and MMIO handles, the limit is " +
                                                    std::to_string(limits_.max_session_handles) +
                                                    " (--max-handles); free some first");
  }
  usage->bytes += bytes;
  usage->handles += handles;
  total_.bytes += bytes;
  total_.handles += handles;
  return {};
}

void SessionTable::Release(const std::string& owner, uint64_t bytes, uint32_t handles) {
  std::lock_guard<std::mutex> lock(mu_);
  Usage* usage = UsageLocked(owner);
  // An expired session's usage left the totals with it (TakeExpired); its handles are
  // freed afterwards and must not be subtracted twice.
  if (usage == nullptr) return;
  usage->bytes -= std::min(usage->bytes, bytes);
  usage->handles -= std::min(usage->handles, handles);
  total_.bytes -= std::min(total_.bytes, bytes);
  total_.handles -= std::min(total_.handles, handles);
}

std::vector<std::string> SessionTable::TakeExpired(Clock::time_point now) {
  std::vector<std::string> expired;
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (!it->second.attached && it->second.expires <= now) {
      total_.bytes -= std::min(total_.bytes, it->second.usage.bytes);
      total_.handles -= std::min(total_.handles, it->second.usage.handles);
      expired.push_back(it->first);
      it = sessions_.erase(it);
    } else {
      ++it;
    }
  }
  return expired;
}

SessionTable::Clock::time_point SessionTable::NextExpiry() const {
  std::lock_guard<std::mutex> lock(mu_);
  Clock::time_point next = Clock::time_point::max();
  for (const auto& [id, session] : sessions_) {
    if (!session.attached && session.expires < next) next = session.expires;
  }
  return next;
}

uint32_t SessionTable::open_sessions() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<uint32_t>(sessions_.size());
}

Usage SessionTable::total() const {
  std::lock_guard<std::mutex> lock(mu_);
  return total_;
}

Usage SessionTable::usage(const std::string& owner) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (owner.empty()) return sessionless_;
  auto it = sessions_.find(owner);
  return it == sessions_.end() ? Usage{} : it->second.usage;
}

SessionReaper::SessionReaper(SessionTable& table, std::function<void(const std::string&)> expire)
    : table_(table), expire_(std::move(expire)), thread_([this] { Run(); }) {}

SessionReaper::~SessionReaper() { Stop(); }

void SessionReaper::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void SessionReaper::Poke() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    poked_ = true;
  }
  cv_.notify_all();
}

void SessionReaper::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    SessionTable::Clock::time_point next = table_.NextExpiry();
    if (next == SessionTable::Clock::time_point::max()) {
      cv_.wait(lock, [this] { return stop_ || poked_; });
    } else {
      cv_.wait_until(lock, next, [this] { return stop_ || poked_; });
    }
    poked_ = false;
    if (stop_) break;
    lock.unlock();
    for (const std::string& id : table_.TakeExpired(SessionTable::Clock::now())) expire_(id);
    lock.lock();
  }
}

Result<StreamSlots::Slot> StreamSlots::Acquire(const std::string& what) {
  uint32_t now = active_.fetch_add(1) + 1;
  if (max_ != 0 && now > max_) {
    active_.fetch_sub(1);
    return MakeError(ErrorCode::kLimitExceeded,
                     what + ": " + std::to_string(max_) +
                         " streaming transfers are already in progress, the server's limit " +
                         "(--max-streams); retry when one finishes");
  }
  return Slot(this);
}

Status CallMemory::Reserve(uint64_t bytes, const std::string& action) {
  uint64_t held = held_.load();
  do {
    if (limit_ != 0 && (bytes > limit_ || held > limit_ - bytes)) {
      return MakeError(ErrorCode::kLimitExceeded,
                       action + " would bring the memory of calls in flight to " +
                           FormatBytes(held + bytes) + ", past the server's limit of " +
                           FormatBytes(limit_) + " (--max-call-memory-mb)");
    }
  } while (!held_.compare_exchange_weak(held, held + bytes));
  return {};
}

void CallMemory::Release(uint64_t bytes) { held_.fetch_sub(bytes); }

}  // namespace pynq_remote
