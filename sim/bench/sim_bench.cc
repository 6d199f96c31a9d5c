// Simulated-board throughput: the raw Verilated ref_accel clock loop vs the same RTL inside
// the board (SimDevice::Advance, temporal decoupling), the same for a running copy (ref_accel)
// and a running AXI DMA loopback (dma_loopback), MMIO latency and batched MMIO rate.
// bench/sim_figures.py reports the board/raw pairs.
// Counters: cycles_per_second / ops_per_second.
#include <benchmark/benchmark.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <thread>
#include <vector>

#include "Vdma_loopback_binding.h"
#include "Vref_accel_binding.h"
#include "sim/sim_device.h"
#include "verilated.h"

namespace pynq_remote::sim {
namespace {

constexpr uint64_t kChunk = 100000;

std::string DesignBit(const std::string& name) {
  std::ifstream in(std::string(PYNQ_REMOTE_DESIGNS_DIR) + "/" + name + "/" + name + ".bit",
                   std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string RefBit() { return DesignBit("ref_accel"); }

// The board, shared by the benchmarks of this process (one SimDevice at a time); remade when
// a benchmark wants the other mode (free-running: the background runner thread is live).
Device& Board(bool deterministic = true) {
  static std::unique_ptr<Device> dev;
  static bool mode = false;
  if (!dev || mode != deterministic) {
    dev.reset();
    SimOptions options;
    options.deterministic = mode = deterministic;
    dev = CreateSimDevice(options);
    if (!dev || !dev->Program(RefBit(), "ref_accel.bit", false).ok()) std::abort();
  }
  return *dev;
}

// The pins of ref_accel's top come through its generated binding (gen_binding.py), so the
// harnesses do not depend on the shell's port names.
using RefBinding = Binding_ref_accel;

ShellPins RefPins() {
  ShellPins pins;
  pins.m_axi.resize(RefBinding::Ports().size());
  return pins;
}

// Raw: the same V-class, clk toggled in a tight loop, inputs idle.
void BM_RawVerilatedCycles(benchmark::State& state) {
  VerilatedContext context;
  Vref_accel model(&context, "raw");
  ShellPins pins = RefPins();
  RefBinding::Drive(model, pins);
  for (int i = 0; i < 8; ++i) {
    model.clk = 0;
    model.eval();
    model.clk = 1;
    model.eval();
  }
  pins.rst_n = true;
  pins.s_axil.bready = true;
  pins.s_axil.rready = true;
  for (AxiMasterPins& m : pins.m_axi) m.arready = m.awready = true;
  RefBinding::Drive(model, pins);
  for (auto _ : state) {
    for (uint64_t i = 0; i < kChunk; ++i) {
      model.clk = 0;
      model.eval();
      model.clk = 1;
      model.eval();
    }
  }
  state.counters["cycles_per_second"] = benchmark::Counter(
      static_cast<double>(state.iterations() * kChunk), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RawVerilatedCycles)->Unit(benchmark::kMillisecond)->UseRealTime();

// Board: Advance(N) through SystemC, bridges on every cycle, quanta of 2000 cycles.
void BM_BoardAdvanceCycles(benchmark::State& state) {
  Device& dev = Board();
  for (auto _ : state) {
    benchmark::DoNotOptimize(dev.Advance(kChunk, {}));
  }
  state.counters["cycles_per_second"] = benchmark::Counter(
      static_cast<double>(state.iterations() * kChunk), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_BoardAdvanceCycles)->Unit(benchmark::kMillisecond)->UseRealTime();

// -- the accelerator running: the figure the board must keep to >= 50% of raw --------------

constexpr uint64_t kAccel = 0xA0010000;  // mem_accel_0 (rtl/designs/ref_accel/manifest.json)
constexpr uint64_t kSrc = 0x40000000, kDst = 0x48000000;
constexpr uint32_t kLongCopy = 0xFFFFFF00;  // keeps the accelerator busy through every run

// Raw: a design's V-class alone with the leanest memory a harness can have (an array
// answering one beat per cycle on its one 64-bit master port; no TLM, no SystemC). The
// ceiling the board is measured against.
template <typename Model, typename Binding>
class RawHarness {
 public:
  explicit RawHarness(const char* name) : model_(&context_, name), mem_(kMemWords, 0) {
    pins_.m_axi.resize(Binding::Ports().size());
    if (pins_.m_axi.size() != 1 || Binding::Ports()[0].data_bits != 64) std::abort();
    pins_.rst_n = false;
    for (int i = 0; i < 8; ++i) Tick();
    pins_.rst_n = true;
    pins_.s_axil.bready = true;
    pins_.s_axil.rready = true;
  }

  // AXI-Lite writes of {offset, value} pairs at `base`, in order.
  template <size_t N>
  void WriteRegisters(uint64_t base, const uint32_t (&regs)[N][2]) {
    for (const auto& reg : regs) AxiLiteWrite(uint32_t(base) + reg[0], reg[1]);
  }

  void Tick() {
    // Drive what a one-beat-per-cycle memory offers this cycle.
    AxiMasterPins& m = pins_.m_axi[0];
    m.arready = !reading_;
    m.rvalid = reading_;
    const uint64_t rdata = reading_ ? mem_[(read_addr_ >> 3) & kMask] : 0;
    m.rdata[0] = static_cast<uint32_t>(rdata);
    m.rdata[1] = static_cast<uint32_t>(rdata >> 32);
    m.rlast = reading_ && read_left_ == 0;
    m.rresp = 0;
    m.awready = !writing_ && !b_pending_;
    m.wready = writing_;
    m.bvalid = b_pending_;
    m.bresp = 0;
    Binding::Drive(model_, pins_);
    model_.clk = 0;
    model_.eval();
    Binding::Sample(model_, pins_);
    // Handshakes as the flops see them at the rising edge.
    const bool ar = m.arvalid && m.arready;
    const bool r = m.rvalid && m.rready;
    const bool aw = m.awvalid && m.awready;
    const bool w = m.wvalid && m.wready;
    const bool b = m.bvalid && m.bready;
    const uint64_t araddr = m.araddr, awaddr = m.awaddr;
    const int arlen = m.arlen;
    const uint64_t wdata = m.wdata[0] | static_cast<uint64_t>(m.wdata[1]) << 32;
    const bool wlast = m.wlast;
    model_.clk = 1;
    model_.eval();
    if (r) {
      if (read_left_ == 0) reading_ = false;
      --read_left_;
      read_addr_ += 8;
    }
    if (ar) {
      reading_ = true;
      read_addr_ = araddr;
      read_left_ = arlen;
    }
    if (w) {
      mem_[(write_addr_ >> 3) & kMask] = wdata;
      write_addr_ += 8;
      if (wlast) writing_ = false, b_pending_ = true;
    }
    if (aw) writing_ = true, write_addr_ = awaddr;
    if (b) b_pending_ = false;
  }

  bool busy() const { return model_.busy != 0; }

 private:
  static constexpr size_t kMemWords = 1 << 20;  // 8 MiB, addresses wrap: only speed matters
  static constexpr uint64_t kMask = kMemWords - 1;

  void AxiLiteWrite(uint32_t addr, uint32_t value) {
    pins_.s_axil.awaddr = addr;
    pins_.s_axil.wdata = value;
    pins_.s_axil.wstrb = 0xF;
    pins_.s_axil.awvalid = pins_.s_axil.wvalid = true;
    for (int i = 0; i < 100 && !pins_.s_axil.bvalid; ++i) Tick();
    pins_.s_axil.awvalid = pins_.s_axil.wvalid = false;
    Tick();
  }

  VerilatedContext context_;
  Model model_;
  ShellPins pins_;
  std::vector<uint64_t> mem_;
  bool reading_ = false, writing_ = false, b_pending_ = false;
  uint64_t read_addr_ = 0, write_addr_ = 0;
  int read_left_ = 0;
};

// The register writes that start one long copy of the accelerator (ref_accel's manifest).
constexpr uint32_t kAccelStart[][2] = {{0x10, uint32_t(kSrc)},
                                       {0x14, 0},
                                       {0x1C, uint32_t(kDst)},
                                       {0x20, 0},
                                       {0x28, kLongCopy},
                                       {0x30, 0},
                                       {0x00, 1}};

void BM_RawVerilatedAcceleratorCycles(benchmark::State& state) {
  RawHarness<Vref_accel, RefBinding> harness("raw_accel");
  harness.WriteRegisters(kAccel, kAccelStart);
  for (auto _ : state) {
    for (uint64_t i = 0; i < kChunk; ++i) harness.Tick();
  }
  if (!harness.busy()) state.SkipWithError("the accelerator was not running");
  state.counters["cycles_per_second"] = benchmark::Counter(
      static_cast<double>(state.iterations() * kChunk), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RawVerilatedAcceleratorCycles)->Unit(benchmark::kMillisecond)->UseRealTime();

// Board: the same copy started by register writes, data moving through the AXI4->TLM
// bridge into the DDR model, time advanced in quanta by SimDevice::Advance.
void BM_BoardAcceleratorCycles(benchmark::State& state) {
  Device& dev = Board();
  for (const auto& reg : kAccelStart) {
    if (!dev.MmioWrite(kAccel + reg[0], 4, reg[1]).ok()) state.SkipWithError("MMIO failed");
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(dev.Advance(kChunk, {}));
  }
  Result<uint64_t> ctrl = dev.MmioRead(kAccel, 4);
  if (!ctrl.ok() || (ctrl.value() & 0x4)) state.SkipWithError("the accelerator was not running");
  state.counters["cycles_per_second"] = benchmark::Counter(
      static_cast<double>(state.iterations() * kChunk), benchmark::Counter::kIsRate);
  // Reprogramming stops it for the benchmarks after.
  if (!dev.Program(RefBit(), "ref_accel.bit", false).ok()) state.SkipWithError("reprogram");
}
BENCHMARK(BM_BoardAcceleratorCycles)->Unit(benchmark::kMillisecond)->UseRealTime();

// -- an AXI DMA loopback running (dma_loopback: MM2S -> stream FIFO -> S2MM, both through
// one 64-bit HP port): the figure of issue 18 point 5 -----------------------------------------

constexpr uint64_t kDma = 0xA0000000;       // axi_dma_0 (rtl/designs/dma_loopback/manifest.json)
constexpr uint32_t kDmaLength = 0x3FFFFFF;  // the largest transfer (26 length bits): 64 MiB

// The register writes that start one loopback of kDmaLength bytes (PG021 direct mode).
constexpr uint32_t kDmaStart[][2] = {
    {0x30, 1}, {0x48, uint32_t(kDst)}, {0x4C, 0}, {0x58, kDmaLength},
    {0x00, 1}, {0x18, uint32_t(kSrc)}, {0x1C, 0}, {0x28, kDmaLength}};

void BM_RawVerilatedDmaCycles(benchmark::State& state) {
  // As the accelerator's: the dma_loopback V-class beside an array memory.
  RawHarness<Vdma_loopback, Binding_dma_loopback> harness("raw_dma");
  harness.WriteRegisters(kDma, kDmaStart);
  for (auto _ : state) {
    if (!harness.busy()) harness.WriteRegisters(kDma, kDmaStart);
    for (uint64_t i = 0; i < kChunk; ++i) harness.Tick();
  }
  if (!harness.busy()) state.SkipWithError("the DMA was not running");
  state.counters["cycles_per_second"] = benchmark::Counter(
      static_cast<double>(state.iterations() * kChunk), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RawVerilatedDmaCycles)->Unit(benchmark::kMillisecond)->UseRealTime();

// Board: the same loopback started by MMIO, both channels' bursts through the AXI4->TLM
// bridge into the DDR model, time advanced by SimDevice::Advance (deterministic).
void BM_BoardDmaCycles(benchmark::State& state) {
  Device& dev = Board();
  if (!dev.Program(DesignBit("dma_loopback"), "dma_loopback.bit", false).ok()) std::abort();
  auto start = [&] {
    for (const auto& reg : kDmaStart) {
      if (!dev.MmioWrite(kDma + reg[0], 4, reg[1]).ok()) state.SkipWithError("MMIO failed");
    }
  };
  start();
  for (auto _ : state) {
    benchmark::DoNotOptimize(dev.Advance(kChunk, {}));
    state.PauseTiming();
    Result<uint64_t> sr = dev.MmioRead(kDma + 0x34, 4);  // S2MM_DMASR: Idle once done
    if (sr.ok() && (sr.value() & 0x2)) start();
    state.ResumeTiming();
  }
  Result<uint64_t> sr = dev.MmioRead(kDma + 0x34, 4);
  if (!sr.ok() || (sr.value() & 0x70)) state.SkipWithError("the DMA failed");
  state.counters["cycles_per_second"] = benchmark::Counter(
      static_cast<double>(state.iterations() * kChunk), benchmark::Counter::kIsRate);
  if (!dev.Program(RefBit(), "ref_accel.bit", false).ok()) state.SkipWithError("reprogram");
}
BENCHMARK(BM_BoardDmaCycles)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_MmioRead(benchmark::State& state) {
  Device& dev = Board();
  for (auto _ : state) {
    benchmark::DoNotOptimize(dev.MmioRead(0xA0000000, 4));
  }
  state.counters["ops_per_second"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_MmioRead)->Unit(benchmark::kMicrosecond);

// Free-running board: every access re-arms the trailing window, so the runner thread
// competes for the board between accesses (the server's normal mode).
void BM_MmioReadFreeRunning(benchmark::State& state) {
  Device& dev = Board(false);
  for (auto _ : state) {
    benchmark::DoNotOptimize(dev.MmioRead(0xA0000000, 4));
  }
  state.counters["ops_per_second"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_MmioReadFreeRunning)->Unit(benchmark::kMicrosecond)->UseRealTime();

// Free-running, idle board (trailing window over): one read, then a pause.
void BM_MmioReadIdleBoard(benchmark::State& state) {
  Device& dev = Board(false);
  for (auto _ : state) {
    state.PauseTiming();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    state.ResumeTiming();
    benchmark::DoNotOptimize(dev.MmioRead(0xA0000000, 4));
  }
}
BENCHMARK(BM_MmioReadIdleBoard)->Unit(benchmark::kMicrosecond)->UseRealTime()->Iterations(300);

void BM_MmioWrite(benchmark::State& state) {
  Device& dev = Board();
  uint64_t v = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(dev.MmioWrite(0xA0000010, 4, ++v));
  }
  state.counters["ops_per_second"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_MmioWrite)->Unit(benchmark::kMicrosecond);

void BM_PsRegisterRead(benchmark::State& state) {
  Device& dev = Board();
  for (auto _ : state) {
    benchmark::DoNotOptimize(dev.MmioRead(0xFF5E00C0, 4));
  }
  state.counters["ops_per_second"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_PsRegisterRead)->Unit(benchmark::kMicrosecond);

void BM_MmioBatch(benchmark::State& state) {
  Device& dev = Board();
  std::vector<MmioOp> ops;
  for (int i = 0; i < state.range(0); ++i) {
    ops.push_back({i % 2 ? MmioOp::Kind::kRead : MmioOp::Kind::kWrite,
                   0xA0000010 + 4 * uint64_t(i / 2 % 4), 4, uint64_t(i)});
  }
  for (auto _ : state) {
    Device::BatchResult r = dev.MmioBatch(ops);
    if (r.completed != ops.size()) state.SkipWithError("batch failed");
  }
  state.counters["ops_per_second"] = benchmark::Counter(
      static_cast<double>(state.iterations() * ops.size()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_MmioBatch)->Arg(1000)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
}  // namespace pynq_remote::sim

BENCHMARK_MAIN();
