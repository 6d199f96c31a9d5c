// SimDevice: Device on the simulated board. Threading: the SystemC kernel is run by whichever
// thread holds board_mu_ (host calls, Advance, the runner). The runner thread runs quanta
// while the PL is busy or inside the window a host access (or busy falling) armed, releasing
// the mutex between quanta so host calls interleave; otherwise it sleeps on a condition
// variable. Which accesses arm how long a window: SimOptions::trailing_cycles.
// The FPGA state has a mutex of its own, so reading it never waits for a bus access that is
// sitting out its timeout.
#include "sim_device.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <exception>
#include <mutex>
#include <thread>

#include "bitstream/sim_bitstream.h"
#include "board/board_profile.h"
#include "board/board_top.h"
#include "device/mmio_access.h"
#include "device/region_allocator.h"
#include "memory/sparse_store.h"
#include "pl/design_catalog.h"
#include "pl/design_registry.h"

// libsystemc's main() wants an sc_main; executables with their own main never call it.
int __attribute__((weak)) sc_main(int, char**) { return 1; }

namespace pynq_remote::sim {
namespace {

const char* Verb(const MmioOp& op) { return op.kind == MmioOp::Kind::kWrite ? "write" : "read"; }

std::string Describe(const MmioOp& op) {
  return std::to_string(op.width) + "-byte " + Verb(op) + " at " + Hex(op.addr);
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

/// Whether a .bit header's part names the board's part. Vivado writes "7z020clg400" for
/// xc7z020clg400-1 (no "xc", no speed grade) and the full name for others; either matches.
bool SamePart(const std::string& header_part, const std::string& board_part) {
  auto bare = [](const std::string& p) {
    std::string l = Lower(p);
    return l.rfind("xc", 0) == 0 ? l.substr(2) : l;
  };
  const std::string a = bare(header_part), b = bare(board_part);
  return a == b || b.rfind(a + "-", 0) == 0 || a.rfind(b + "-", 0) == 0;
}

class SimDevice final : public Device {
 public:
  // options as Resolve() completed them from profile.
  SimDevice(const SimOptions& options, const BoardProfile& profile, BoardTop& board);
  ~SimDevice() override;

  DeviceInfo Info() const override;
  Status Program(const std::string& bitstream, const std::string& name, bool partial) override;
  FpgaState State() const override;
  std::string LoadedDesignHwhPath() const override;
  Result<uint64_t> MmioRead(uint64_t addr, int width) override;
  Status MmioWrite(uint64_t addr, int width, uint64_t value) override;
  BatchResult MmioBatch(std::vector<MmioOp>& ops) override;
  Result<Allocation> Alloc(uint64_t size, uint64_t align, bool cacheable) override;
  Status Free(uint64_t handle) override;
  Result<Allocation> Restore(uint64_t phys, uint64_t size) override;
  const std::string& StoreError() const { return store_.error(); }
  bool StoreOk() const { return store_.data() != nullptr; }
  Status MemRead(uint64_t phys, void* dst, size_t len) override;
  Status MemWrite(uint64_t phys, const void* src, size_t len) override;
  Status Flush(uint64_t phys, size_t len) override;
  Status Invalidate(uint64_t phys, size_t len) override;
  Result<bool> WaitIrq(int line, std::chrono::milliseconds timeout, const StopToken& stop) override;
  uint64_t IrqRaisedAtPs(int line) const override;
  std::vector<GpioChipInfo> GpioChips() const override;
  Status GpioSetDirection(int gpio, GpioDirection direction) override;
  Result<int> GpioRead(int gpio) override;
  Status GpioWrite(int gpio, int value) override;
  Status GpioRelease(int gpio) override;
  Status SetPlClock(int index, double mhz) override;
  Result<uint64_t> Advance(uint64_t cycles, const StopToken& stop) override;
  Result<TraceReport> StartTrace(const TraceOptions& options) override;
  Result<TraceReport> StopTrace() override;
  void Shutdown() override;

  /// WaitRunnerIdle (sim_device.h).
  std::optional<uint64_t> WaitRunnerIdle(std::chrono::milliseconds limit);

 private:
  /// Takes board_mu_ ahead of the runner (which yields while a host call waits). Every
  /// lock taken outside the runner goes through here: std::mutex is not fair, and a runner
  /// simulating a busy design would otherwise starve the caller.
  std::unique_lock<std::mutex> LockBoard() const;
  BatchResult RunOps(MmioOp* ops, size_t count);
  /// Width, alignment, window and programmed checks, before anything reaches the bus.
  Status CheckOp(const MmioOp& op) const;
  /// What a host call did to the PL, for the window after it (SimOptions::trailing_cycles).
  enum class Access { kNone, kRead, kWrite };
  /// After any simulation: arm the window `access` asks for, publish counters and irq, follow
  /// PL clock 0, wake the runner.
  void AfterRunLocked(Access access);
  bool NeedsRunLocked() const;
  void RunnerLoop();
  void ApplyClockLocked();
  Status CheckDdr(uint64_t phys, size_t len, const char* what) const;
  /// A Linux GPIO number of the PS chip as its bank and bit, and its name for messages
  /// ("gpio 420 (EMIO 4 of gpiochip338)"); kInvalidArgument outside the chip.
  struct GpioPin {
    int bank = 0, bit = 0;
    std::string name;
  };
  Result<GpioPin> FindGpio(int gpio) const;
  // The controller's registers, as gpio-zynq reaches them; board_mu_ held.
  uint32_t GpioRegLocked(uint64_t offset);
  void SetGpioRegLocked(uint64_t offset, uint32_t value);
  /// Puts `design` into the PL (null: empties it); a window trace of the design it replaces
  /// ends, `why` saying how. board_mu_ held.
  void LoadLocked(std::unique_ptr<PlDesign> design, const std::string& why);
  /// Closes the window trace of traced_ and fills in how far *report got. board_mu_ held.
  void EndTraceLocked(TraceReport* report);
  /// Empties the PL, records `error` as the FPGA state and returns it.
  Status FailProgram(DeviceError error);
  /// Loads a new model of `found`'s design into the PL.
  Status LoadEntry(const CatalogEntry& found);
  /// The package a Vivado .bit, raw .bin or byte-swapped .bin was imported from (by SHA-256,
  /// design.json "vivado_bitstreams"), or null: then *error (the sim parser's) either stays,
  /// for a damaged sim bitstream or .bit header, or says why the bytes are refused.
  const CatalogEntry* MatchVivadoBitstream(const std::string& bytes, DeviceError* error) const;

  const SimOptions options_;
  const BoardProfile& profile_;  // one of BoardProfiles(), which live as long as the process
  BoardTop& board_;
  SparseStore store_;
  RegionAllocator allocator_;
  std::vector<AddressWindow> windows_;

  mutable std::mutex board_mu_;
  mutable std::mutex state_mu_;  // guards state_; taken after board_mu_ when both are held
  std::condition_variable runner_cv_;
  std::condition_variable idle_cv_;  // the runner ran out of work (WaitRunnerIdle)
  mutable std::atomic<int> host_waiting_{0};
  bool stop_ = false;
  uint64_t run_until_ = 0;  // PL cycle up to which the trailing window extends
  // The loaded design's DesignEntry::busy_complete: reads arm no window. Guarded by board_mu_,
  // as are the two below.
  bool busy_complete_ = false;
  bool was_busy_ = false;       // busy after the last run: a fall arms the settle window
  uint64_t runner_cycles_ = 0;  // PL cycles the runner ran (WaitRunnerIdle)
  uint64_t clock_generation_ = ~0ull;
  FpgaState state_;              // guarded by state_mu_
  std::string loaded_hwh_path_;  // guarded by state_mu_: the loaded package's .hwh, or ""
  // The design in the PL (PlSocket owns it), and the window trace (StartTrace) until
  // StopTrace, ended or not; both guarded by board_mu_.
  PlDesign* design_ = nullptr;
  std::optional<TraceReport> trace_;
  PlDesign* traced_ = nullptr;  // the design trace_ is written from; null once it ended

  // Set by Shutdown: Advance and WaitIrq end, and a bus access waiting out its timeout
  // inside the PL stops waiting (PlSocket reads it every cycle of such a wait).
  std::atomic<bool> shutting_down_{false};

  std::atomic<uint64_t> pl_cycles_{0};
  std::atomic<uint64_t> time_ps_{0};
  std::atomic<bool> pl_active_{false};
  mutable std::mutex irq_mu_;  // guards irq_, irq_rose_ps_
  std::condition_variable irq_cv_;
  uint16_t irq_ = 0;
  // Per line, the simulated time the irq word was first published with it high: the end of
  // the quantum or host access in which it rose (the PL is sampled no finer than that).
  std::array<uint64_t, 16> irq_rose_ps_{};

  std::thread runner_;
  // Built-in designs and the packages of options.design_dirs, loaded once (never unloaded).
  const DesignCatalog catalog_;
};

SimDevice::SimDevice(const SimOptions& options, const BoardProfile& profile, BoardTop& board)
    : options_(options),
      profile_(profile),
      board_(board),
      store_(options.ddr_size, options.ddr_file),
      allocator_(options.cma_base,
                 options.cma_base < options.ddr_size
                     ? std::min(options.cma_size, options.ddr_size - options.cma_base)
                     : 0),
      catalog_(LoadDesignCatalog(options.design_dirs,
                                 {profile.name, profile.family_id, options.part},
                                 options.log_packages)) {
  {
    std::lock_guard<std::mutex> lock(board_mu_);
    board_.ps_regs.Reset(profile_.family);  // the family's pages, boot values
    board_.ps_gpio.Reset(profile_.family);  // its GPIO controller, as Linux left it
    board_.ps_regs.SetPlClock(0, options_.pl_clock_mhz);
    board_.ddr.SetStore(&store_);
    board_.bus.Configure(store_.size(), profile_.pl_windows);
    LoadLocked(nullptr, "");
    board_.pl.ResetCounters();
    board_.pl.axil_bridge.SetTimeoutCycles(options_.mmio_timeout_cycles);
    board_.pl.SetAbortFlag(&shutting_down_);
    ApplyClockLocked();
  }
  windows_ = profile_.pl_windows;
  for (const AddressWindow& w : board_.ps_regs.windows()) windows_.push_back(w);
  windows_.push_back(board_.ps_gpio.window());
  if (!options_.deterministic) runner_ = std::thread([this] { RunnerLoop(); });
}

SimDevice::~SimDevice() {
  {
    std::unique_lock<std::mutex> lock = LockBoard();
    stop_ = true;
  }
  runner_cv_.notify_all();
  if (runner_.joinable()) runner_.join();
  std::unique_lock<std::mutex> lock = LockBoard();
  LoadLocked(nullptr, "the board was shut down");
  board_.pl.SetAbortFlag(nullptr);
  board_.ddr.SetStore(nullptr);
  lock.unlock();
  BoardTop::Release(&board_);
}

std::unique_lock<std::mutex> SimDevice::LockBoard() const {
  ++host_waiting_;
  std::unique_lock<std::mutex> lock(board_mu_);
  --host_waiting_;
  return lock;
}

void SimDevice::ApplyClockLocked() {
  const uint64_t generation = board_.ps_regs.clock_generation();
  if (generation == clock_generation_) return;
  clock_generation_ = generation;
  const double mhz = board_.ps_regs.PlClockMhz(0);
  if (mhz > 0) board_.pl.SetPeriodPs(static_cast<uint64_t>(std::llround(1e6 / mhz)));
  // A timeout in microseconds is simulated time: the cycle budget follows the clock, in
  // whole cycles of the period the PL actually runs at (at least the time asked for).
  if (options_.mmio_timeout_us > 0) {
    const uint64_t period = board_.pl.period_ps();
    board_.pl.axil_bridge.SetTimeoutCycles(
        std::max<uint64_t>(1, (options_.mmio_timeout_us * 1000000 + period - 1) / period));
  }
}

bool SimDevice::NeedsRunLocked() const {
  return !stop_ && !options_.deterministic && board_.pl.loaded() &&
         (board_.pl.busy() || board_.pl.cycles() < run_until_);
}

void SimDevice::AfterRunLocked(Access access) {
  ApplyClockLocked();
  const uint64_t cycles = board_.pl.cycles();
  const bool busy = board_.pl.busy();
  // A design whose busy covers all its activity moves on its own only while busy, so a read
  // needs no cycles after it: the client's next call does not race a runner for the cores.
  // A write may set a start bit or a pin that shows on busy (or reaches an interrupt
  // controller) a few cycles later, and so may the end of a busy spell; settle_cycles cover
  // those. Any other design gets the long window after every access.
  uint64_t window = 0;
  if (!busy_complete_ || options_.always_trail) {
    if (access != Access::kNone) window = options_.trailing_cycles;
  } else if (access == Access::kWrite || (was_busy_ && !busy)) {
    window = options_.settle_cycles;
  }
  if (window > 0) run_until_ = std::max(run_until_, cycles + window);
  was_busy_ = busy;
  pl_cycles_ = cycles;
  time_ps_ = board_.pl.time_ps();
  pl_active_ = busy;
  const uint16_t irq = board_.pl.irq();
  {
    std::lock_guard<std::mutex> lock(irq_mu_);
    if (irq != irq_) {
      const uint16_t rose = irq & ~irq_;
      for (size_t line = 0; line < irq_rose_ps_.size(); ++line) {
        if ((rose >> line) & 1) irq_rose_ps_[line] = time_ps_.load();
      }
      irq_ = irq;
      irq_cv_.notify_all();
    }
  }
  if (NeedsRunLocked()) runner_cv_.notify_one();
}

void SimDevice::RunnerLoop() {
  std::unique_lock<std::mutex> lock(board_mu_);
  while (true) {
    runner_cv_.wait(lock, [this] { return stop_ || NeedsRunLocked(); });
    if (stop_) return;
    uint64_t quantum = options_.quantum_cycles;
    const uint64_t start = board_.pl.cycles();
    if (!board_.pl.busy()) quantum = std::min(quantum, run_until_ - start);
    try {
      board_.RunQuantum(std::max<uint64_t>(quantum, 1));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "pynq-remote sim: simulation error, PL emptied: %s\n", e.what());
      LoadLocked(nullptr, std::string("a simulation error emptied the PL: ") + e.what());
      std::lock_guard<std::mutex> state_lock(state_mu_);
      state_ = FpgaState{"unknown", "", std::string("simulation error: ") + e.what()};
    }
    runner_cycles_ += board_.pl.cycles() - start;
    AfterRunLocked(Access::kNone);
    if (!NeedsRunLocked()) idle_cv_.notify_all();
    // Let a waiting host call in before the next quantum.
    if (host_waiting_.load() > 0) {
      lock.unlock();
      while (host_waiting_.load() > 0) std::this_thread::yield();
      lock.lock();
    }
  }
}

DeviceInfo SimDevice::Info() const {
  DeviceInfo info;
  info.board = profile_.name;
  info.part = options_.part;
  info.arch = profile_.arch;
  info.backend = "sim";
  info.capabilities = {"sim_time", "deterministic", "irq", "advance", "waveforms"};
  info.windows = windows_;
  for (int i = 0; i < 4; ++i) info.pl_clocks_mhz.push_back(board_.ps_regs.PlClockMhz(i));
  info.sim_time_ps = time_ps_;
  info.pl_cycles = pl_cycles_;
  info.deterministic = options_.deterministic;
  info.pl_active = pl_active_;
  return info;
}

Status SimDevice::FailProgram(DeviceError error) {
  std::unique_lock<std::mutex> lock = LockBoard();
  LoadLocked(nullptr, "programming failed and emptied the PL (" + error.message + ")");
  std::lock_guard<std::mutex> state_lock(state_mu_);
  state_ = FpgaState{"unknown", "", error.message};
  return error;
}

Status SimDevice::Program(const std::string& bitstream, const std::string& name, bool partial) {
  if (partial) {
    return FailProgram(MakeError(ErrorCode::kUnsupported,
                                 "partial reconfiguration is not modelled on the simulated board"));
  }
  Result<SimBitstream> parsed = ParseSimBitstream(bitstream);
  if (!parsed.ok()) {
    // Not a sim bitstream: perhaps the Vivado bitstream a package was imported from. Hashed
    // only here, so programming a sim bitstream costs no SHA-256.
    DeviceError e = parsed.error();
    const CatalogEntry* vivado = MatchVivadoBitstream(bitstream, &e);
    if (vivado != nullptr) return LoadEntry(*vivado);
    if (!name.empty()) e.message = name + ": " + e.message;
    return FailProgram(e);
  }
  const SimBitstream& bit = parsed.value();
  const CatalogEntry* found = catalog_.Find(bit.design);
  if (found == nullptr) {
    std::string known;
    for (const std::string& n : catalog_.Names()) known += (known.empty() ? "" : ", ") + n;
    return FailProgram(MakeError(ErrorCode::kBadBitstream, "bad bitstream: design '" + bit.design +
                                                               "' is not built into this board (" +
                                                               "known: " + known + ")"));
  }
  const DesignEntry* entry = &found->design;
  if (entry->content_hash != bit.content_hash) {
    return FailProgram(MakeError(ErrorCode::kBadBitstream,
                                 "bad bitstream: design '" + bit.design +
                                     "' was built from other " + "sources (bitstream hash " +
                                     bit.content_hash.substr(0, 12) + "..., board has " +
                                     entry->content_hash.substr(0, 12) + "...)"));
  }
  // A .bin carries no header: the design's own part tells its family then. A design for the
  // other family's PS cannot run here, whatever the bitstream says.
  const std::string& design_part = bit.part.empty() ? entry->part : bit.part;
  const std::string bit_family = FamilyOfPart(design_part);
  if (!bit_family.empty() && bit_family != profile_.family_id) {
    return FailProgram(MakeError(ErrorCode::kBadBitstream,
                                 "bad bitstream: built for a " + FamilyDisplayName(bit_family) +
                                     " part (" + design_part + "), this board is a " +
                                     FamilyDisplayName(profile_.family_id) + " board (" +
                                     profile_.name + ", " + options_.part + ")"));
  }
  if (!bit.part.empty() && bit.part != options_.part) {
    return FailProgram(
        MakeError(ErrorCode::kBadBitstream,
                  "bad bitstream: built for part " + bit.part + ", the board is " + options_.part));
  }
  return LoadEntry(*found);
}

const CatalogEntry* SimDevice::MatchVivadoBitstream(const std::string& bytes,
                                                    DeviceError* error) const {
  std::string data, part;
  const bool has_header = HasBitHeader(bytes);
  if (has_header) {
    Result<std::string> stripped = StripBitHeader(bytes, &part);
    if (!stripped.ok()) return nullptr;  // a broken .bit header: the parse error says so
    data = std::move(stripped).value();
  }
  // A sim bitstream that failed its checks (CRC, format): its own error is the right one.
  if (HasSimMagic(has_header ? data : bytes)) return nullptr;
  if (has_header && !part.empty() && !SamePart(part, options_.part)) {
    // Vivado writes the part without "xc" and speed grade for some families (7z020clg400).
    const std::string family = FamilyOfPart(part.rfind("xc", 0) == 0 ? part : "xc" + part);
    error->message = "bad bitstream: a Vivado bitstream for part " + part +
                     (family.empty() ? "" : " (" + FamilyDisplayName(family) + ")") +
                     ", this board (" + profile_.name + ") is " + options_.part + " (" +
                     FamilyDisplayName(profile_.family_id) + ")";
    return nullptr;
  }
  // The file as uploaded; its configuration data (.bit); or, without a header, the data as
  // PYNQ 3.1's client sends it (bit2bin: every 32-bit word byte-swapped) put back in order.
  const std::string hashes[] = {Sha256Hex(bytes),
                                has_header ? Sha256Hex(data) : Sha256Hex(SwapWords(bytes))};
  for (const std::string& hash : hashes) {
    if (const CatalogEntry* found = catalog_.FindVivado(hash)) return found;
  }
  error->message +=
      "; a Vivado bitstream (.bit, or the .bin made from it) is accepted only when a design "
      "package on this board was imported from it (`pynq-remote-design import --bit`), and "
      "none was imported from this one (SHA-256 " +
      hashes[0].substr(0, 16) + "...)";
  return nullptr;
}

Status SimDevice::LoadEntry(const CatalogEntry& found) {
  const DesignEntry* entry = &found.design;
  DesignOptions design_options;
  design_options.trace_path = options_.trace_path;
  // A new model every time, never the one the PL held: the design starts from its power-on
  // state (Verilog initial values included) as a real reconfiguration does.
  std::unique_ptr<PlDesign> design = entry->create(design_options);
  if (design == nullptr) {
    return FailProgram(MakeError(
        ErrorCode::kInternal, "design '" + entry->name + "' (" + found.origin + ") made no model"));
  }
  // A package's model whose pins do not match its master ports is refused here, before the
  // PL socket would throw on it.
  const std::string mismatch = PlSocket::CheckDesign(*design);
  if (!mismatch.empty()) {
    return FailProgram(MakeError(ErrorCode::kBadBitstream,
                                 "bad design package (" + found.origin + "): " + mismatch));
  }
  std::unique_lock<std::mutex> lock = LockBoard();
  LoadLocked(std::move(design), "the PL was reprogrammed (design " + entry->name + ")");
  {
    std::lock_guard<std::mutex> state_lock(state_mu_);
    state_ = FpgaState{"operating", entry->name, ""};
    loaded_hwh_path_ = found.hwh_path;
  }
  busy_complete_ = entry->busy_complete;
  was_busy_ = false;
  AfterRunLocked(Access::kWrite);
  return Status();
}

void SimDevice::EndTraceLocked(TraceReport* report) {
  const PlTraceState state = traced_->StopTrace();
  traced_ = nullptr;
  report->truncated = state.truncated;
  report->end_cycle = report->start_cycle + state.cycles;
  // A window that reached its bound ended at its last cycle, not now.
  report->end_ps = state.truncated ? report->start_ps + state.cycles * board_.pl.period_ps()
                                   : board_.pl.time_ps();
}

void SimDevice::LoadLocked(std::unique_ptr<PlDesign> design, const std::string& why) {
  if (trace_ && traced_ != nullptr) {
    EndTraceLocked(&*trace_);
    if (!trace_->truncated) {
      trace_->ended = why + " at PL cycle " + std::to_string(board_.pl.cycles());
    }
  }
  design_ = design.get();
  board_.pl.Load(std::move(design));
}

Result<TraceReport> SimDevice::StartTrace(const TraceOptions& options) {
  std::unique_lock<std::mutex> lock = LockBoard();
  if (trace_) {
    return MakeError(ErrorCode::kFailedPrecondition,
                     "a trace is already running on this board (since PL cycle " +
                         std::to_string(trace_->start_cycle) + ", to " + trace_->path +
                         (trace_->ended.empty() ? "" : "; it has ended: " + trace_->ended) +
                         "): stop it first (StopTrace)");
  }
  if (design_ == nullptr) {
    return MakeError(ErrorCode::kNotProgrammed,
                     "the PL holds no design to trace (program a bitstream first)");
  }
  PlTraceRequest request{options.path, options.scopes, board_.pl.time_ps(), options.max_cycles};
  std::string message;
  switch (design_->StartTrace(request, &message)) {
    case PlTraceResult::kStarted:
      break;
    case PlTraceResult::kNotBuiltIn:
      return MakeError(ErrorCode::kUnsupported, message);
    case PlTraceResult::kBusy:
      return MakeError(ErrorCode::kFailedPrecondition, message);
    case PlTraceResult::kUnknownScope:
      return MakeError(ErrorCode::kInvalidArgument, message);
    case PlTraceResult::kCannotOpen:
      return MakeError(ErrorCode::kInternal, message);
  }
  TraceReport report;
  report.path = options.path;
  report.design = design_->name();
  report.scopes = design_->TraceState().scopes;
  report.start_cycle = report.end_cycle = board_.pl.cycles();
  report.start_ps = report.end_ps = board_.pl.time_ps();
  trace_ = report;
  traced_ = design_;
  return report;
}

Result<TraceReport> SimDevice::StopTrace() {
  std::unique_lock<std::mutex> lock = LockBoard();
  if (!trace_) {
    return MakeError(ErrorCode::kFailedPrecondition,
                     "no trace is running on this board: start one first (StartTrace)");
  }
  TraceReport report = *trace_;
  trace_.reset();
  if (traced_ != nullptr) EndTraceLocked(&report);
  return report;
}

std::string SimDevice::LoadedDesignHwhPath() const {
  std::lock_guard<std::mutex> lock(state_mu_);
  return state_.state == "operating" ? loaded_hwh_path_ : "";
}

FpgaState SimDevice::State() const {
  std::lock_guard<std::mutex> lock(state_mu_);
  return state_;
}

Status SimDevice::CheckOp(const MmioOp& op) const {
  Status access = CheckMmioAccess(windows_, op.addr, op.width);  // device/mmio_access.h
  if (!access.ok()) return access;
  if (board_.bus.InPl(op.addr, op.width) && !board_.pl.loaded()) {
    return MakeError(ErrorCode::kNotProgrammed,
                     Describe(op) + ": the PL holds no design (program a bitstream first)",
                     op.addr);
  }
  return Status();
}

Device::BatchResult SimDevice::RunOps(MmioOp* ops, size_t count) {
  BatchResult result;
  std::unique_lock<std::mutex> lock = LockBoard();
  // Validate up front: the bus only sees the prefix that is well formed.
  size_t valid = 0;
  Status first_error;
  for (; valid < count; ++valid) {
    first_error = CheckOp(ops[valid]);
    if (!first_error.ok()) break;
  }
  tlm::tlm_response_status status = tlm::TLM_OK_RESPONSE;
  try {
    if (valid > 0) {
      std::unique_lock<std::mutex> kernel = BoardTop::KernelLock();
      result.completed = board_.host.Run(ops, valid, &status);
    }
  } catch (const std::exception& e) {  // a SystemC report: never let it cross the seam
    result.status = MakeError(ErrorCode::kInternal, std::string("simulation error: ") + e.what());
    return result;
  }
  bool wrote = false;  // any write that reached the bus (or would have: a window too many)
  for (size_t i = 0; i < valid; ++i) wrote |= ops[i].kind == MmioOp::Kind::kWrite;
  AfterRunLocked(wrote ? Access::kWrite : Access::kRead);
  if (status != tlm::TLM_OK_RESPONSE) {
    const MmioOp& op = ops[result.completed];
    switch (status) {
      case tlm::TLM_ADDRESS_ERROR_RESPONSE:
        result.status =
            MakeError(ErrorCode::kBusDecErr,
                      Describe(op) + ": AXI DECERR (nothing decodes the address)", op.addr);
        break;
      case tlm::TLM_GENERIC_ERROR_RESPONSE:
        result.status = MakeError(ErrorCode::kBusSlvErr, Describe(op) + ": AXI SLVERR", op.addr);
        break;
      case tlm::TLM_INCOMPLETE_RESPONSE: {
        const uint64_t cycles = board_.pl.axil_bridge.timeout_cycles();
        char us[32];
        std::snprintf(us, sizeof us, "%.6g", cycles * board_.pl.period_ps() / 1e6);
        result.status = MakeError(ErrorCode::kTimeout,
                                  Describe(op) + ": no AXI response within " +
                                      std::to_string(cycles) + " PL cycles (" + us +
                                      " us of simulated time); the slave may still be stuck",
                                  op.addr);
        break;
      }
      default:
        result.status = MakeError(
            ErrorCode::kInternal,
            Describe(op) + ": TLM status " + std::to_string(static_cast<int>(status)), op.addr);
    }
  } else if (valid < count) {
    result.status = first_error;
  }
  return result;
}

Result<uint64_t> SimDevice::MmioRead(uint64_t addr, int width) {
  MmioOp op{MmioOp::Kind::kRead, addr, width, 0};
  BatchResult r = RunOps(&op, 1);
  if (!r.status.ok()) return r.status.error();
  return op.value;
}

Status SimDevice::MmioWrite(uint64_t addr, int width, uint64_t value) {
  MmioOp op{MmioOp::Kind::kWrite, addr, width, value};
  return RunOps(&op, 1).status;
}

Device::BatchResult SimDevice::MmioBatch(std::vector<MmioOp>& ops) {
  return RunOps(ops.data(), ops.size());
}

Result<Allocation> SimDevice::Alloc(uint64_t size, uint64_t align, bool) {
  Result<Allocation> allocation = allocator_.Alloc(size, align);
  // A new buffer reads 0, as the kernel's DMA allocator hands memory out, also where it
  // reuses a freed buffer's memory: PYNQ's scatter-gather DMA driver never writes its
  // descriptors' STATUS words and counts on them being 0 (a stale Cmplt is SGIntErr).
  if (allocation.ok()) store_.Zero(allocation.value().phys, size);
  return allocation;
}

Status SimDevice::Free(uint64_t handle) { return allocator_.Free(handle); }

Result<Allocation> SimDevice::Restore(uint64_t phys, uint64_t size) {
  if (options_.ddr_file.empty()) {
    return MakeError(ErrorCode::kUnsupported,
                     "the simulated DDR is not kept in a file: nothing to restore at " + Hex(phys));
  }
  return allocator_.AllocAt(phys, size);
}

Status SimDevice::CheckDdr(uint64_t phys, size_t len, const char* what) const {
  if (!store_.Contains(phys, len)) {
    return MakeError(ErrorCode::kOutOfWindow,
                     std::string(what) + " of " + std::to_string(len) + " bytes at " + Hex(phys) +
                         ": outside DDR (0x0.." + Hex(store_.size()) + ")",
                     phys);
  }
  return Status();
}

Status SimDevice::MemRead(uint64_t phys, void* dst, size_t len) {
  Status s = CheckDdr(phys, len, "memory read");
  if (s.ok() && len > 0) std::memcpy(dst, store_.data() + phys, len);
  return s;
}

Status SimDevice::MemWrite(uint64_t phys, const void* src, size_t len) {
  Status s = CheckDdr(phys, len, "memory write");
  if (s.ok() && len > 0) std::memcpy(store_.data() + phys, src, len);
  return s;
}

Status SimDevice::Flush(uint64_t phys, size_t len) { return CheckDdr(phys, len, "flush"); }
Status SimDevice::Invalidate(uint64_t phys, size_t len) {
  return CheckDdr(phys, len, "invalidate");
}

Result<bool> SimDevice::WaitIrq(int line, std::chrono::milliseconds timeout,
                                const StopToken& stop) {
  const int lines = static_cast<int>(profile_.irq_lines());
  if (line < 0 || line >= lines) {
    return MakeError(ErrorCode::kUnknownId, "interrupt line " + std::to_string(line) + ": the " +
                                                profile_.name + "'s PL has lines 0.." +
                                                std::to_string(lines - 1));
  }
  // The irq word changes under irq_cv_; the token is a question, so it is asked in slices.
  constexpr std::chrono::milliseconds kStopCheck(50);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock<std::mutex> lock(irq_mu_);
  for (;;) {
    if ((irq_ >> line) & 1) return true;
    if (shutting_down_.load() || stop.StopRequested()) {
      return MakeError(ErrorCode::kCancelled,
                       "waiting on PL interrupt line " + std::to_string(line) + " was cancelled");
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return false;
    irq_cv_.wait_until(lock, std::min(deadline, now + kStopCheck));
  }
}

uint64_t SimDevice::IrqRaisedAtPs(int line) const {
  std::lock_guard<std::mutex> lock(irq_mu_);
  if (line < 0 || static_cast<size_t>(line) >= irq_rose_ps_.size()) return 0;
  return irq_rose_ps_[line];
}

std::vector<GpioChipInfo> SimDevice::GpioChips() const {
  const PsGpioProfile& g = profile_.ps_gpio;
  return {GpioChipInfo{"gpiochip" + std::to_string(g.base), g.label, g.base,
                       g.mio_pins + g.emio_pins, g.mio_pins}};
}

Result<SimDevice::GpioPin> SimDevice::FindGpio(int gpio) const {
  const PsGpioProfile& g = profile_.ps_gpio;
  const std::string chip = "gpiochip" + std::to_string(g.base);
  const int pin = gpio - g.base, ngpio = g.mio_pins + g.emio_pins;
  GpioPin found;
  if (gpio < g.base || pin >= ngpio || !board_.ps_gpio.BankOf(pin, &found.bank, &found.bit)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "gpio " + std::to_string(gpio) + " is on no GPIO chip of the " +
                         profile_.name + ": " + chip + " (" + g.label + ") has gpio " +
                         std::to_string(g.base) + ".." + std::to_string(g.base + ngpio - 1) + " (" +
                         std::to_string(g.mio_pins) + " MIO, then " + std::to_string(g.emio_pins) +
                         " EMIO from " + std::to_string(g.base + g.mio_pins) + ")");
  }
  found.name = "gpio " + std::to_string(gpio) + " (" +
               (pin < g.mio_pins ? "MIO " + std::to_string(pin)
                                 : "EMIO " + std::to_string(pin - g.mio_pins)) +
               " of " + chip + ")";
  return found;
}

uint32_t SimDevice::GpioRegLocked(uint64_t offset) {
  uint64_t value = 0;
  board_.ps_gpio.Read(board_.ps_gpio.window().base + offset, 4, &value);
  return static_cast<uint32_t>(value);
}

void SimDevice::SetGpioRegLocked(uint64_t offset, uint32_t value) {
  board_.ps_gpio.Write(board_.ps_gpio.window().base + offset, 4, value);
}

// The register sequences of Linux's gpio-zynq (zynq_gpio_dir_out / _dir_in / _set_value /
// _get_value), each under the board lock: the simulation sees the pin change between PL
// cycles, never half done. Afterwards the PL runs the window of a write (AfterRunLocked), so
// a change reaches the PL, and the PL's answer the PS, without another host access.
Status SimDevice::GpioSetDirection(int gpio, GpioDirection direction) {
  Result<GpioPin> pin = FindGpio(gpio);
  if (!pin.ok()) return pin.error();
  const int bank = pin.value().bank;
  const uint32_t bit = 1u << pin.value().bit;
  std::unique_lock<std::mutex> lock = LockBoard();
  if (direction == GpioDirection::kOut) {
    // The value first (gpio-zynq sets it after the direction; nothing runs in between here).
    const uint64_t half = pin.value().bit < 16 ? GpioMaskDataLsw(bank) : GpioMaskDataMsw(bank);
    SetGpioRegLocked(half, (~(bit >> (pin.value().bit < 16 ? 0 : 16)) & 0xFFFFu) << 16);
    SetGpioRegLocked(GpioDirm(bank), GpioRegLocked(GpioDirm(bank)) | bit);
    SetGpioRegLocked(GpioOen(bank), GpioRegLocked(GpioOen(bank)) | bit);
  } else {
    SetGpioRegLocked(GpioDirm(bank), GpioRegLocked(GpioDirm(bank)) & ~bit);
  }
  AfterRunLocked(Access::kWrite);
  return Status();
}

Result<int> SimDevice::GpioRead(int gpio) {
  Result<GpioPin> pin = FindGpio(gpio);
  if (!pin.ok()) return pin.error();
  const int bank = pin.value().bank, bit = pin.value().bit;
  std::unique_lock<std::mutex> lock = LockBoard();
  // An output reads as driven (the DATA register); an input as it arrives (DATA_RO).
  const bool output = (GpioRegLocked(GpioDirm(bank)) >> bit) & 1;
  return static_cast<int>((GpioRegLocked(output ? GpioData(bank) : GpioDataRo(bank)) >> bit) & 1);
}

Status SimDevice::GpioWrite(int gpio, int value) {
  Result<GpioPin> pin = FindGpio(gpio);
  if (!pin.ok()) return pin.error();
  if (value != 0 && value != 1) {
    return MakeError(ErrorCode::kInvalidArgument,
                     pin.value().name + ": value " + std::to_string(value) + " is neither 0 nor 1");
  }
  const int bank = pin.value().bank, bit = pin.value().bit;
  std::unique_lock<std::mutex> lock = LockBoard();
  if (((GpioRegLocked(GpioDirm(bank)) >> bit) & 1) == 0) {
    return MakeError(ErrorCode::kPermissionDenied,
                     pin.value().name + " is an input: set it as an output to write it");
  }
  // One masked write, as gpio-zynq's zynq_gpio_set_value: mask everything but the pin.
  const int shift = bit < 16 ? 0 : 16;
  const uint32_t half_bit = 1u << (bit - shift);
  SetGpioRegLocked(shift == 0 ? GpioMaskDataLsw(bank) : GpioMaskDataMsw(bank),
                   ((~half_bit & 0xFFFFu) << 16) | (value ? half_bit : 0));
  AfterRunLocked(Access::kWrite);
  return Status();
}

Status SimDevice::GpioRelease(int gpio) {
  Result<GpioPin> pin = FindGpio(gpio);
  if (!pin.ok()) return pin.error();
  const int bank = pin.value().bank;
  const uint32_t bit = 1u << pin.value().bit;
  std::unique_lock<std::mutex> lock = LockBoard();
  // Unexported: an input again, and not driven.
  SetGpioRegLocked(GpioDirm(bank), GpioRegLocked(GpioDirm(bank)) & ~bit);
  SetGpioRegLocked(GpioOen(bank), GpioRegLocked(GpioOen(bank)) & ~bit);
  AfterRunLocked(Access::kWrite);
  return Status();
}

Status SimDevice::SetPlClock(int index, double mhz) {
  if (index < 0 || index > 3 || !(mhz > 0) || mhz > 1000) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "PL clock " + std::to_string(index) + " at " + std::to_string(mhz) +
                         " MHz: index must be 0..3 and the rate in (0, 1000] MHz");
  }
  std::unique_lock<std::mutex> lock = LockBoard();
  board_.ps_regs.SetPlClock(index, mhz);
  ApplyClockLocked();
  return Status();
}

Result<uint64_t> SimDevice::Advance(uint64_t cycles, const StopToken& stop) {
  uint64_t left = cycles;
  while (left > 0) {
    // Asked once a chunk (a few thousand cycles, well under a millisecond): a count no
    // client can wait for still ends with its call, its deadline or the server.
    if (shutting_down_.load() || stop.StopRequested()) {
      return MakeError(ErrorCode::kCancelled, "Advance stopped after " +
                                                  std::to_string(cycles - left) + " of " +
                                                  std::to_string(cycles) + " PL cycles");
    }
    const uint64_t chunk =
        std::min<uint64_t>(left, std::max<uint64_t>(options_.quantum_cycles, 1) * 8);
    std::unique_lock<std::mutex> lock = LockBoard();
    try {
      board_.RunQuantum(chunk);
    } catch (const std::exception& e) {
      return MakeError(ErrorCode::kInternal, std::string("simulation error: ") + e.what());
    }
    AfterRunLocked(Access::kNone);
    left -= chunk;
  }
  return pl_cycles_.load();
}

std::optional<uint64_t> SimDevice::WaitRunnerIdle(std::chrono::milliseconds limit) {
  if (options_.deterministic) return std::nullopt;
  std::unique_lock<std::mutex> lock = LockBoard();
  if (!idle_cv_.wait_for(lock, limit, [this] { return !NeedsRunLocked(); })) return std::nullopt;
  return runner_cycles_;
}

void SimDevice::Shutdown() {
  shutting_down_ = true;
  std::lock_guard<std::mutex> lock(irq_mu_);
  irq_cv_.notify_all();
}

// options with what it leaves to the profile filled in, checked against the profile's map.
Result<SimOptions> Resolve(const SimOptions& options, const BoardProfile& profile) {
  SimOptions r = options;
  r.board = profile.name;
  if (r.part.empty()) r.part = profile.part;
  if (r.ddr_size == 0) r.ddr_size = profile.ddr_size;
  if (r.cma_size == 0) {
    r.cma_base = profile.cma_base;
    r.cma_size = profile.cma_size;
  }
  for (const AddressWindow& w : profile.pl_windows) {
    if (w.base < r.ddr_size) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "a DDR of " + Hex(r.ddr_size) + " bytes overlaps " + w.name + " at " +
                           Hex(w.base) + " on the " + profile.name + " (its DDR is " +
                           Hex(profile.ddr_size) + " bytes)");
    }
  }
  return r;
}

}  // namespace

bool ReserveSimBoards(size_t count, std::string* error) {
  if (BoardTop::SetPoolSize(count)) return true;
  if (error) {
    *error = count == 0 ? "a process needs at least one simulated board"
                        : "the simulated boards of this process were made already (" +
                              std::to_string(BoardTop::PoolSize()) + "); reserve " +
                              std::to_string(count) + " before the first board is created";
  }
  return false;
}

std::unique_ptr<Device> CreateSimDevice(const SimOptions& options, std::string* error) {
  const BoardProfile* profile = FindBoardProfile(options.board);
  if (profile == nullptr) {
    if (error) *error = UnknownBoardMessage(options.board);
    return nullptr;
  }
  Result<SimOptions> resolved = Resolve(options, *profile);
  if (!resolved.ok()) {
    if (error) *error = resolved.error().message;
    return nullptr;
  }
  BoardTop* board = BoardTop::Acquire();
  if (board == nullptr) {
    if (error) {
      const size_t pool = BoardTop::PoolSize();
      *error = pool == 1
                   ? "a simulated board already exists in this process"
                   : "all " + std::to_string(pool) + " simulated boards of this process are in use";
    }
    return nullptr;
  }
  auto device = std::make_unique<SimDevice>(resolved.value(), *profile, *board);
  if (!device->StoreOk()) {
    if (error) *error = "the simulated DDR: " + device->StoreError();
    return nullptr;
  }
  return device;
}

BoardSummary DescribeBoard(const std::string& name_or_board_part) {
  BoardSummary s;
  const BoardProfile* p = FindBoardProfile(name_or_board_part);
  if (p == nullptr) {
    s.error = UnknownBoardMessage(name_or_board_part);
    return s;
  }
  s.found = true;
  s.name = p->name;
  s.family = p->family_id;
  s.part = p->part;
  s.board_part = p->board_part;
  s.arch = p->arch;
  return s;
}

std::optional<uint64_t> WaitRunnerIdle(Device& device, std::chrono::milliseconds limit) {
  SimDevice* sim = dynamic_cast<SimDevice*>(&device);
  return sim != nullptr ? sim->WaitRunnerIdle(limit) : std::nullopt;
}

std::vector<std::string> RegisteredDesigns() {
  std::vector<std::string> names;
  for (const DesignEntry& e : BuiltinDesigns()) names.push_back(e.name);
  return names;
}

}  // namespace pynq_remote::sim
