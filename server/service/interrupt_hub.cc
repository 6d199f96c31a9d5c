#include "service/interrupt_hub.h"

#include <algorithm>
#include <cctype>
#include <fstream>

#include "device/pl_irq.h"
#include "overlay/hwh_address_map.h"
#include "state/log.h"

namespace pynq_remote::service {
namespace {

using Clock = std::chrono::steady_clock;

// How long one Device::WaitIrq of a dispatcher lasts at most: a bound on how late a
// timeout is noticed and on how long an idle dispatcher outlives its last waiter.
constexpr std::chrono::milliseconds kSlice(20);
constexpr uint32_t kIntcInputs = 32;

std::string Stem(const std::string& firmware) {
  const size_t dot = firmware.rfind('.');
  return dot == std::string::npos ? firmware : firmware.substr(0, dot);
}

IrqWaitOutcome Outcome(IrqWaitOutcome::Kind kind, std::string message = "", uint64_t ps = 0) {
  IrqWaitOutcome o;
  o.kind = kind;
  o.message = std::move(message);
  o.sim_ps = ps;
  return o;
}

bool Visible(const std::string& owner, const std::string& caller) {
  return owner.empty() || owner == caller;
}

// "irq_12" -> 12, else -1.
int64_t IdNumber(const std::string& id) {
  if (id.size() < 5 || id.compare(0, 4, "irq_") != 0 || id.size() > 24) return -1;
  int64_t n = 0;
  for (size_t i = 4; i < id.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(id[i]))) return -1;
    n = n * 10 + (id[i] - '0');
  }
  return n;
}

std::string Printable(const std::string& s) {
  std::string out;
  for (char c : s.substr(0, 80)) {
    out += std::isprint(static_cast<unsigned char>(c)) ? c : '?';
  }
  return s.size() > 80 ? out + "..." : out;
}

// A file of the server's own (not inside the served root), at most `limit` bytes.
Result<std::string> ReadHostFile(const std::string& path, size_t limit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return MakeError(ErrorCode::kInternal, "cannot open " + path);
  std::string text(limit + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) return MakeError(ErrorCode::kInternal, "cannot read " + path);
  if (static_cast<size_t>(in.gcount()) > limit) {
    return MakeError(ErrorCode::kInvalidArgument, path + " is larger than " + FormatBytes(limit));
  }
  text.resize(static_cast<size_t>(in.gcount()));
  return text;
}

}  // namespace

InterruptHub::InterruptHub(SharedState& state)
    : state_(state), zynqmp_(state.device.Info().arch != "armv7l") {
  state_.fpga.AddProgrammedHook(
      [this](const std::string& name, bool ok) { OnProgrammed(name, ok); });
  const FpgaState now = state_.device.State();
  if (now.state == "operating" && !now.design.empty()) {
    design_ = now.design;
    hwh_ = LoadHwh(now.design);
  }
}

InterruptHub::~InterruptHub() { Shutdown(); }

std::shared_ptr<const overlay::HwhInterrupts> InterruptHub::LoadHwh(
    const std::string& firmware) const {
  // The .hwh the MMIO policy reads too (OverlayWindowsFor): beside the firmware, where our
  // client uploads it and the board's own PYNQ keeps it.
  // Else the board's own copy: a sim design package carries its .hwh (a user's Vivado file
  // byte for byte when imported), which PYNQ 3.1's client never uploads.
  std::string path = std::string(kFirmwareDir) + "/" + Stem(firmware) + ".hwh";
  Result<bool> exists = state_.root.Exists(path);
  Result<std::string> text = std::string();
  if (exists.ok() && exists.value()) {
    text = state_.root.ReadAll(path, overlay::kMaxHwhBytes);
  } else {
    path = state_.device.LoadedDesignHwhPath();
    if (path.empty()) return nullptr;
    text = ReadHostFile(path, overlay::kMaxHwhBytes);
  }
  if (!text.ok()) {
    LogWarn("interrupts: cannot read " + path + ": " + text.error().message);
    return nullptr;
  }
  Result<overlay::HwhInterrupts> parsed = overlay::ParseHwhInterrupts(text.value(), path);
  if (!parsed.ok()) {
    LogWarn("interrupts: ignoring " + path + ": " + parsed.error().message);
    return nullptr;
  }
  LogInfo("interrupts: " + path + " wires " + std::to_string(parsed.value().pins.size()) +
          " interrupt pins");
  return std::make_shared<const overlay::HwhInterrupts>(std::move(parsed).value());
}

void InterruptHub::OnProgrammed(const std::string& firmware, bool ok) {
  std::shared_ptr<const overlay::HwhInterrupts> hwh = ok ? LoadHwh(firmware) : nullptr;
  std::vector<Completion> done;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const std::string now = ok ? "the PL was reprogrammed with " + firmware
                               : "programming " + firmware + " failed and left the PL empty";
    for (auto& [id, reg] : regs_) {
      if (!reg.invalid.empty()) continue;
      reg.invalid = id + " was " + reg.pin + " of " +
                    (reg.design.empty() ? "a design" : reg.design) +
                    ", which was replaced: " + now + "; release it and register the pin again";
      reg.pending = false;
    }
    EndWaitsLocked([](const Waiter&) { return true; },
                   Outcome(IrqWaitOutcome::Kind::kCancelled,
                           now + ": every interrupt registration of the design before ended"),
                   &done);
    design_ = ok ? firmware : "";
    design_error_ = ok ? "" : now;
    hwh_ = std::move(hwh);
    initialized_.clear();
  }
  Run(done);
}

Status InterruptHub::ResolveLocked(const IrqRegistration& request, Reg* reg) const {
  const std::string design = design_.empty() ? "the loaded design" : design_;
  const std::string base_text = Hex(request.controller);
  if (request.controller != 0 && request.pin_index >= kIntcInputs) {
    return MakeError(ErrorCode::kInvalidArgument, "pin_index " + std::to_string(request.pin_index) +
                                                      ": an AXI INTC has inputs 0.." +
                                                      std::to_string(kIntcInputs - 1));
  }
  int raw_line = -1;
  if (request.raw_irq != 0) {
    raw_line = PlIrqLineOfGicId(static_cast<int>(request.raw_irq), zynqmp_);
    if (raw_line < 0) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "raw_irq " + std::to_string(request.raw_irq) +
                           " is no PL interrupt's GIC number on this board (" +
                           (zynqmp_ ? "121..128, 136..143" : "61..68, 84..91") + ")");
    }
  }
  if (!request.pin_name.empty()) {
    const std::string pin = Printable(request.pin_name);
    if (hwh_ != nullptr) {
      const overlay::HwhInterruptPin* found = hwh_->FindPin(request.pin_name);
      if (found == nullptr) {
        const bool unwired = std::find(hwh_->unwired.begin(), hwh_->unwired.end(),
                                       request.pin_name) != hwh_->unwired.end();
        return MakeError(
            ErrorCode::kUnknownId,
            unwired ? "pin " + pin + " of " + design +
                          " is not wired to an interrupt controller or to the PS (its output "
                          "goes nowhere in the .hwh); wired interrupt pins: " +
                          hwh_->PinList()
                    : "no interrupt pin " + pin + " in " + design +
                          "'s .hwh; its interrupt pins: " + hwh_->PinList());
      }
      if (found->ps_line < 0) {
        return MakeError(ErrorCode::kUnknownId,
                         "pin " + pin + " reaches " + found->controller +
                             ", whose irq output reaches no PS interrupt line (a cascaded "
                             "controller): not served");
      }
      if (request.controller != 0) {
        if (found->controller.empty()) {
          return MakeError(ErrorCode::kInvalidArgument,
                           "pin " + pin + " is wired straight to the PS (" +
                               PlIrqPortName(found->ps_line, zynqmp_) + ") in " + design +
                               "'s .hwh, but the request names the controller at " + base_text +
                               ", input " + std::to_string(request.pin_index));
        }
        if (found->controller_base != request.controller ||
            static_cast<uint32_t>(found->index) != request.pin_index) {
          return MakeError(ErrorCode::kInvalidArgument,
                           "pin " + pin + " is input " + std::to_string(found->index) + " of " +
                               found->controller + " at " + Hex(found->controller_base) + " in " +
                               design + "'s .hwh, but the request says input " +
                               std::to_string(request.pin_index) + " of the controller at " +
                               base_text + ": they must agree");
        }
      }
      reg->pin = found->path;
      reg->base = found->controller.empty() ? 0 : found->controller_base;
      reg->index = found->controller.empty() ? 0 : found->index;
      reg->line = found->ps_line;
      return {};
    }
    if (request.controller == 0 && raw_line < 0) {
      return MakeError(ErrorCode::kUnknownId,
                       "pin " + pin + ": the board holds no .hwh for " + design +
                           " (lib/firmware/<name>.hwh), so the server cannot tell where it is "
                           "wired; load the overlay with pynq_remote (it uploads the .hwh), or "
                           "send controller_phys_addr and pin_index");
    }
    reg->pin = pin;
  }
  if (request.controller != 0) {
    int line = raw_line >= 0 ? raw_line : 0;
    if (hwh_ != nullptr) {
      const overlay::HwhIntc* intc = hwh_->FindController(request.controller);
      if (intc == nullptr) {
        std::string known;
        for (const overlay::HwhIntc& c : hwh_->controllers) {
          known += (known.empty() ? "" : ", ") + c.instance + " at " + Hex(c.base);
        }
        return MakeError(ErrorCode::kUnknownId,
                         "no AXI INTC at " + base_text + " in " + design +
                             "'s .hwh; its controllers: " + (known.empty() ? "none" : known));
      }
      if (intc->ps_line < 0) {
        return MakeError(ErrorCode::kUnknownId,
                         intc->instance + " at " + base_text +
                             ": its irq output reaches no PS interrupt line: not served");
      }
      line = intc->ps_line;
    }
    if (reg->pin.empty()) {
      reg->pin = "input " + std::to_string(request.pin_index) + " of the AXI INTC at " + base_text;
    }
    reg->base = request.controller;
    reg->index = static_cast<int>(request.pin_index);
    reg->line = line;
    return {};
  }
  if (raw_line >= 0) {
    if (reg->pin.empty()) reg->pin = PlIrqPortName(raw_line, zynqmp_);
    reg->base = 0;
    reg->line = raw_line;
    return {};
  }
  return MakeError(ErrorCode::kInvalidArgument,
                   "nothing to register: send pin_name (the .hwh pin path, e.g. "
                   "\"axi_dma_0/s2mm_introut\"), or controller_phys_addr and pin_index, or the "
                   "raw_irq of a pin wired straight to the PS");
}

Result<std::string> InterruptHub::Register(const std::string& caller,
                                           const IrqRegistration& request) {
  const FpgaState fpga = state_.device.State();
  if (fpga.state != "operating") {
    return MakeError(ErrorCode::kNotProgrammed,
                     "the PL holds no design" +
                         (fpga.error.empty() ? std::string() : " (" + fpga.error + ")") +
                         ": program an overlay before registering interrupts");
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_) return MakeError(ErrorCode::kCancelled, "the server is stopping");
  Reg reg;
  Status resolved = ResolveLocked(request, &reg);
  if (!resolved.ok()) return resolved.error();
  if (reg.base != 0) {
    for (uint64_t offset : {uint64_t{0}, kIntcMer}) {
      Status allowed = CheckMmioAllowed(state_, reg.base + offset, 4);
      if (!allowed.ok()) {
        return MakeError(allowed.error().code,
                         "the AXI INTC at " + Hex(reg.base) + ": " + allowed.error().message);
      }
    }
  }
  Status reserved = state_.sessions.Reserve(caller, 0, 1);
  if (!reserved.ok()) return reserved.error();
  if (reg.base != 0 && initialized_.count(reg.base) == 0) {
    // PR #1566's target: the first registration on a controller after programming starts
    // it with every input disabled and the irq output and hardware inputs enabled.
    Status s = state_.device.MmioWrite(reg.base + kIntcIer, 4, 0);
    if (s.ok()) s = state_.device.MmioWrite(reg.base + kIntcMer, 4, 3);
    if (!s.ok()) {
      state_.sessions.Release(caller, 0, 1);
      return MakeError(s.error().code,
                       "setting up the AXI INTC at " + Hex(reg.base) + ": " + s.error().message);
    }
    initialized_.insert(reg.base);
  }
  reg.owner = caller;
  reg.design = design_;
  const std::string id = "irq_" + std::to_string(next_id_++);
  LogInfo("interrupt " + id + ": " + reg.pin + " (PS line " + std::to_string(reg.line) + ")" +
          (caller.empty() ? "" : " for session " + caller));
  regs_.emplace(id, std::move(reg));
  return id;
}

std::string InterruptHub::UnknownIdMessage(const std::string& id) const {
  const int64_t n = IdNumber(id);
  if (n >= 0 && static_cast<uint64_t>(n) < next_id_) {
    return "interrupt " + id +
           " was released (or the session that registered it ended): register the pin again";
  }
  return "no interrupt with id \"" + Printable(id) + "\": register_interrupt gives ids like irq_0";
}

uint64_t InterruptHub::Wait(const std::string& caller, const std::string& id, uint32_t timeout_ms,
                            WaitDone done) {
  IrqWaitOutcome now;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = regs_.find(id);
    if (stopping_) {
      now = Outcome(IrqWaitOutcome::Kind::kCancelled, "the server is stopping");
    } else if (it == regs_.end() || !Visible(it->second.owner, caller)) {
      now = Outcome(IrqWaitOutcome::Kind::kError, UnknownIdMessage(id));
    } else if (!it->second.invalid.empty()) {
      now = Outcome(IrqWaitOutcome::Kind::kError, it->second.invalid);
    } else if (it->second.pending) {
      it->second.pending = false;
      now = Outcome(IrqWaitOutcome::Kind::kFired, "", it->second.sim_ps);
    } else {
      Reg& reg = it->second;
      if (reg.base != 0) {
        // Re-arm: the input fires again if its source is (still, or again) high.
        Status armed = state_.device.MmioWrite(reg.base + kIntcSie, 4, 1u << reg.index);
        if (!armed.ok()) {
          now = Outcome(IrqWaitOutcome::Kind::kError,
                        "enabling input " + std::to_string(reg.index) + " of the AXI INTC at " +
                            Hex(reg.base) + ": " + armed.error().message);
        }
      }
      if (now.message.empty()) {
        Waiter w;
        w.id = id;
        w.base = reg.base;
        w.line = reg.line;
        w.deadline = timeout_ms == 0 ? Clock::time_point::max()
                                     : Clock::now() + std::chrono::milliseconds(timeout_ms);
        w.done = std::move(done);
        const uint64_t ticket = next_ticket_++;
        waiters_.emplace(ticket, std::move(w));
        EnsureDispatcherLocked(reg.base, reg.line);
        return ticket;
      }
    }
  }
  done(now);
  return 0;
}

void InterruptHub::CancelWait(uint64_t ticket, const std::string& why) {
  std::vector<Completion> done;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = waiters_.find(ticket);
    if (it == waiters_.end()) return;
    done.emplace_back(std::move(it->second.done), Outcome(IrqWaitOutcome::Kind::kCancelled, why));
    waiters_.erase(it);
  }
  Run(done);
}

Status InterruptHub::Release(const std::string& caller, const std::string& id) {
  std::vector<Completion> done;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = regs_.find(id);
    if (it == regs_.end() || !Visible(it->second.owner, caller)) {
      return MakeError(ErrorCode::kUnknownId, UnknownIdMessage(id));
    }
    RemoveLocked(id, "interrupt " + id + " was released", &done);
  }
  Run(done);
  return {};
}

void InterruptHub::ReleaseSession(const std::string& session) {
  if (session.empty()) return;
  std::vector<Completion> done;
  size_t count = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> ids;
    for (const auto& [id, reg] : regs_) {
      if (reg.owner == session) ids.push_back(id);
    }
    for (const std::string& id : ids) {
      RemoveLocked(id, "interrupt " + id + " was released: its session " + session + " ended",
                   &done);
    }
    count = ids.size();
  }
  Run(done);
  if (count > 0) {
    LogInfo("session " + session + " ended: released " + std::to_string(count) + " interrupts");
  }
}

void InterruptHub::RemoveLocked(const std::string& id, const std::string& why,
                                std::vector<Completion>* out) {
  auto it = regs_.find(id);
  if (it == regs_.end()) return;
  const Reg reg = it->second;
  regs_.erase(it);
  state_.sessions.Release(reg.owner, 0, 1);
  EndWaitsLocked([&id](const Waiter& w) { return w.id == id; },
                 Outcome(IrqWaitOutcome::Kind::kCancelled, why), out);
  if (reg.base == 0 || !reg.invalid.empty() || initialized_.count(reg.base) == 0) return;
  const bool shared = std::any_of(regs_.begin(), regs_.end(), [&reg](const auto& entry) {
    return entry.second.invalid.empty() && entry.second.base == reg.base &&
           entry.second.index == reg.index;
  });
  // Nobody listens to the input any more: leave it disabled, as PYNQ leaves an input it
  // has stopped waiting on.
  if (!shared) (void)state_.device.MmioWrite(reg.base + kIntcCie, 4, 1u << reg.index);
}

template <class Pred>
void InterruptHub::EndWaitsLocked(Pred pred, const IrqWaitOutcome& outcome,
                                  std::vector<Completion>* out) {
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    if (pred(it->second)) {
      out->emplace_back(std::move(it->second.done), outcome);
      it = waiters_.erase(it);
    } else {
      ++it;
    }
  }
}

void InterruptHub::Run(std::vector<Completion>& completions) {
  for (auto& [done, outcome] : completions) done(outcome);
  completions.clear();
}

void InterruptHub::EnsureDispatcherLocked(uint64_t base, int line) {
  std::unique_ptr<Dispatcher>& d = dispatchers_[{base, line}];
  if (d == nullptr) {
    d = std::make_unique<Dispatcher>();
    d->base = base;
    d->line = line;
  }
  if (d->running) return;
  // A thread that has left its loop needs no lock to finish: joining here is brief.
  if (d->thread.joinable()) d->thread.join();
  d->running = true;
  Dispatcher* raw = d.get();
  d->thread = std::thread([this, raw] { RunDispatcher(raw); });
}

void InterruptHub::RunDispatcher(Dispatcher* d) {
  const StopToken stop([this] { return stop_flag_.load(); });
  auto mine = [d](const Waiter& w) { return w.base == d->base && w.line == d->line; };
  std::vector<Completion> done;
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    const auto now = Clock::now();
    auto nearest = Clock::time_point::max();
    bool any = false;
    for (const auto& [ticket, w] : waiters_) {
      if (!mine(w)) continue;
      any = true;
      nearest = std::min(nearest, w.deadline);
    }
    if (stopping_ || !any) {
      d->running = false;
      return;
    }
    std::chrono::milliseconds slice = kSlice;
    if (nearest != Clock::time_point::max()) {
      slice = std::clamp(std::chrono::ceil<std::chrono::milliseconds>(nearest - now),
                         std::chrono::milliseconds(0), kSlice);
    }
    const auto slice_end = now + slice;
    lock.unlock();
    Result<bool> fired = state_.device.WaitIrq(d->line, slice, stop);
    lock.lock();
    if (stopping_) continue;
    // A backend that answers "not fired" before the slice is out (one that cannot wait)
    // must not make this loop spin.
    if (fired.ok() && !fired.value() && Clock::now() < slice_end) {
      cv_.wait_until(lock, slice_end, [this] { return stopping_; });
    }
    if (!fired.ok()) {
      EndWaitsLocked(mine,
                     Outcome(IrqWaitOutcome::Kind::kError,
                             "waiting on PL interrupt line " + std::to_string(d->line) + " (" +
                                 PlIrqPortName(d->line, zynqmp_) + "): " + fired.error().message),
                     &done);
    } else if (fired.value()) {
      uint32_t inputs = ~0u;  // a pin straight to the PS: the line is the event
      if (d->base != 0) {
        Result<uint64_t> ipr = state_.device.MmioRead(d->base + kIntcIpr, 4);
        Status s = ipr.ok() ? Status() : Status(ipr.error());
        inputs = ipr.ok() ? static_cast<uint32_t>(ipr.value()) : 0;
        if (s.ok() && inputs != 0) s = state_.device.MmioWrite(d->base + kIntcCie, 4, inputs);
        if (s.ok() && inputs != 0) s = state_.device.MmioWrite(d->base + kIntcIar, 4, inputs);
        if (!s.ok()) {
          EndWaitsLocked(
              mine,
              Outcome(IrqWaitOutcome::Kind::kError,
                      "serving the AXI INTC at " + Hex(d->base) + ": " + s.error().message),
              &done);
        } else if (inputs == 0) {
          // The line is high for something else (another controller's input on it, or an
          // event this one already took): do not spin on it.
          cv_.wait_for(lock, std::chrono::milliseconds(1));
        }
      }
      const uint64_t ps = state_.device.IrqRaisedAtPs(d->line);
      for (auto& [id, reg] : regs_) {
        if (!reg.invalid.empty() || reg.base != d->base || reg.line != d->line) continue;
        if (d->base != 0 && ((inputs >> reg.index) & 1) == 0) continue;
        reg.pending = true;
        reg.sim_ps = ps;
      }
    }
    const auto after = Clock::now();
    // Every wait on a pending registration sees the event (a client may wait on one id
    // from several tasks); the flag is consumed once they all have.
    std::vector<Reg*> consumed;
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      if (!mine(it->second)) {
        ++it;
        continue;
      }
      auto reg = regs_.find(it->second.id);
      if (reg != regs_.end() && reg->second.pending) {
        consumed.push_back(&reg->second);
        done.emplace_back(std::move(it->second.done),
                          Outcome(IrqWaitOutcome::Kind::kFired, "", reg->second.sim_ps));
      } else if (after >= it->second.deadline) {
        done.emplace_back(std::move(it->second.done), Outcome(IrqWaitOutcome::Kind::kTimeout));
      } else {
        ++it;
        continue;
      }
      it = waiters_.erase(it);
    }
    for (Reg* reg : consumed) reg->pending = false;
    if (!done.empty()) {
      lock.unlock();
      Run(done);
      lock.lock();
    }
  }
}

void InterruptHub::Shutdown() {
  std::vector<Completion> done;
  std::vector<Dispatcher*> dispatchers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    stop_flag_ = true;
    cv_.notify_all();
    EndWaitsLocked(
        [](const Waiter&) { return true; },
        Outcome(IrqWaitOutcome::Kind::kCancelled, "the server is stopping: the wait ended with it"),
        &done);
    for (auto& [key, d] : dispatchers_) dispatchers.push_back(d.get());
  }
  Run(done);
  // Dispatchers are never removed from the map, and none starts once stopping_ is set.
  for (Dispatcher* d : dispatchers) {
    if (d->thread.joinable()) d->thread.join();
  }
}

size_t InterruptHub::waiters() const {
  std::lock_guard<std::mutex> lock(mu_);
  return waiters_.size();
}

size_t InterruptHub::registrations() const {
  std::lock_guard<std::mutex> lock(mu_);
  return regs_.size();
}

size_t InterruptHub::running_dispatchers() const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = 0;
  for (const auto& [key, d] : dispatchers_) n += d->running ? 1 : 0;
  return n;
}

}  // namespace pynq_remote::service
