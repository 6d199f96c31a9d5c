#include "service/mmio_poll.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace pynq_remote::service {
namespace {

// Quick to notice a register that changes soon; then a read about every loopback round trip
// (never later than a client reading as fast as it can); in a long wait, one every eighth of
// the time waited so far, up to 1 ms: a simulated board's PL shares the host with the server,
// and each read takes the board from it for a moment.
constexpr std::chrono::microseconds kFirstInterval{20};
constexpr std::chrono::microseconds kRoundTrip{250};
constexpr std::chrono::microseconds kLongest{1000};

std::string Describe(const MmioPollSpec& spec) {
  return "MmioPoll of the " + std::to_string(spec.width) + "-byte register at " + Hex(spec.addr) +
         " for (value & " + Hex(spec.mask) + ") " + (spec.equal ? "== " : "!= ") + Hex(spec.value);
}

}  // namespace

Status CheckMmioPollSpec(const SharedState& state, const MmioPollSpec& spec) {
  Status allowed = CheckMmioAllowed(state, spec.addr, spec.width);
  if (!allowed.ok()) return allowed;
  const uint64_t width_mask =
      spec.width == 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * spec.width)) - 1;
  if (spec.mask == 0) {
    return MakeError(ErrorCode::kInvalidArgument,
                     Describe(spec) + ": mask 0 compares no bit; set the bits to compare");
  }
  if (spec.mask & ~width_mask) {
    return MakeError(ErrorCode::kInvalidArgument, Describe(spec) +
                                                      ": the mask has bits above the register's " +
                                                      std::to_string(8 * spec.width) + " bits");
  }
  if (spec.value & ~spec.mask) {
    return MakeError(ErrorCode::kInvalidArgument,
                     Describe(spec) + ": the value has bits outside the mask, so the masked " +
                         "register can never equal it");
  }
  return Status();
}

MmioPoller::~MmioPoller() {
  std::vector<Completion> completions;
  {
    std::lock_guard<std::mutex> lock(mu_);
    shutdown_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  for (auto& [ticket, poll] : polls_) {
    completions.emplace_back(std::move(poll.done),
                             Stopped(poll, ErrorCode::kUnavailable, "the server is stopping"));
  }
  polls_.clear();
  for (auto& [done, outcome] : completions) done(outcome);
}

Result<uint64_t> MmioPoller::Start(const MmioPollSpec& spec, Done done) {
  Status valid = CheckMmioPollSpec(state_, spec);
  if (!valid.ok()) return valid.error();
  if (state_.stopping.load()) {
    return MakeError(ErrorCode::kUnavailable,
                     Describe(spec) + ": the server is stopping; retry when it is back");
  }
  const bool advance = spec.advance_cycles > 0 && state_.device.Info().deterministic;
  std::lock_guard<std::mutex> lock(mu_);
  if (polls_.size() >= kMaxPolls) {
    return MakeError(ErrorCode::kLimitExceeded,
                     Describe(spec) + ": " + std::to_string(kMaxPolls) +
                         " polls are in progress, the most the server runs at once");
  }
  const uint64_t ticket = next_ticket_++;
  Poll& poll = polls_[ticket];
  poll.spec = spec;
  poll.done = std::move(done);
  poll.advance = advance;
  const Clock::time_point now = Clock::now();
  if (spec.timeout.count() > 0) poll.deadline = now + spec.timeout;
  poll.due = now;
  poll.started = now;
  if (!thread_.joinable()) thread_ = std::thread([this] { Run(); });
  cv_.notify_all();
  return ticket;
}

void MmioPoller::Cancel(uint64_t ticket, const std::string& why) {
  Completion completion;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = polls_.find(ticket);
    if (it == polls_.end()) return;
    Poll& poll = it->second;
    if (poll.running) {  // the thread ends it after its step
      poll.why = why;
      poll.cancel = true;
      return;
    }
    completion = {std::move(poll.done), Stopped(poll, ErrorCode::kCancelled, why)};
    polls_.erase(it);
  }
  cv_.notify_all();
  completion.first(completion.second);
}

size_t MmioPoller::active() const {
  std::lock_guard<std::mutex> lock(mu_);
  return polls_.size();
}

MmioPollOutcome MmioPoller::Stopped(const Poll& poll, ErrorCode code, const std::string& why) {
  MmioPollOutcome outcome;
  outcome.kind = MmioPollOutcome::Kind::kStopped;
  outcome.value = poll.last;
  outcome.reads = poll.reads;
  outcome.error = MakeError(
      code, Describe(poll.spec) + " stopped after " + std::to_string(poll.reads) + " reads: " + why,
      poll.spec.addr);
  return outcome;
}

Result<uint64_t> MmioPoller::Step(Poll& poll) {
  if (poll.advance && poll.reads > 0) {
    const Clock::time_point deadline = poll.deadline;
    StopToken stop([this, &poll, deadline] {
      return poll.cancel.load() || state_.stopping.load() || Clock::now() >= deadline;
    });
    Result<uint64_t> cycles = state_.device.Advance(poll.spec.advance_cycles, stop);
    if (!cycles.ok() && cycles.error().code != ErrorCode::kCancelled) return cycles.error();
    // Stopped by its deadline: the read below is the poll's last; by a cancel: Settle ends it.
  }
  Status allowed = CheckMmioAllowed(state_, poll.spec.addr, poll.spec.width);
  if (!allowed.ok()) return allowed.error();
  return state_.device.MmioRead(poll.spec.addr, poll.spec.width);
}

bool MmioPoller::Settle(Poll& poll, const Result<uint64_t>& read, MmioPollOutcome* outcome) {
  outcome->reads = poll.reads;
  if (!read.ok()) {
    outcome->kind = MmioPollOutcome::Kind::kError;
    outcome->value = poll.last;
    outcome->error = read.error();
    return true;
  }
  poll.last = read.value();
  outcome->value = poll.last;
  const bool equal = (poll.last & poll.spec.mask) == poll.spec.value;
  if (equal == poll.spec.equal) {
    outcome->kind = MmioPollOutcome::Kind::kMatched;
    return true;
  }
  if (poll.cancel.load()) {
    *outcome = Stopped(poll, ErrorCode::kCancelled, poll.why);
    return true;
  }
  if (state_.stopping.load()) {
    *outcome = Stopped(poll, ErrorCode::kUnavailable, "the server is stopping");
    return true;
  }
  const Clock::time_point now = Clock::now();
  if (now >= poll.deadline) {
    outcome->kind = MmioPollOutcome::Kind::kTimeout;
    return true;
  }
  // With advance_cycles, the Advance is the wait: read again at once.
  if (!poll.advance) {
    const auto waited = std::chrono::duration_cast<std::chrono::microseconds>(now - poll.started);
    const auto most = std::clamp(waited / 8, kRoundTrip, kLongest);
    poll.interval = poll.interval.count() == 0 ? kFirstInterval : std::min(poll.interval * 2, most);
  }
  poll.due = std::min(now + poll.interval, poll.deadline);
  return false;
}

void MmioPoller::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!shutdown_) {
    // The server stopping ends every poll that is not in a step (those end after it).
    if (state_.stopping.load() && !polls_.empty()) {
      std::vector<Completion> stopped;
      for (auto it = polls_.begin(); it != polls_.end();) {
        stopped.emplace_back(
            std::move(it->second.done),
            Stopped(it->second, ErrorCode::kUnavailable, "the server is stopping"));
        it = polls_.erase(it);
      }
      lock.unlock();
      for (auto& [done, outcome] : stopped) done(outcome);
      lock.lock();
      continue;
    }
    auto next = polls_.end();
    for (auto it = polls_.begin(); it != polls_.end(); ++it) {
      if (next == polls_.end() || it->second.due < next->second.due) next = it;
    }
    if (next == polls_.end()) {
      cv_.wait(lock);
      continue;
    }
    // A copy: wait_until reads the time again after waking, and a Cancel made meanwhile
    // may have erased the poll (found by ASan).
    const Clock::time_point due = next->second.due;
    if (due > Clock::now()) {
      cv_.wait_until(lock, due);
      continue;
    }
    Poll& poll = next->second;
    poll.running = true;
    lock.unlock();
    Result<uint64_t> read = Step(poll);
    lock.lock();
    poll.running = false;
    ++poll.reads;
    MmioPollOutcome outcome;
    if (Settle(poll, read, &outcome)) {
      Done done = std::move(poll.done);
      polls_.erase(next);
      lock.unlock();
      done(outcome);
      lock.lock();
    }
  }
}

}  // namespace pynq_remote::service
