// Simulated-board throughput: the raw Verilated ref_accel clock loop vs the same RTL inside
// the board (SimDevice::Advance, temporal decoupling), MMIO latency and batched MMIO rate.
// Counters: cycles_per_second / ops_per_second.
#include <benchmark/benchmark.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include "Vref_accel.h"
#include "sim/sim_device.h"
#include "verilated.h"

namespace pynq_remote::sim {
namespace {

constexpr uint64_t kChunk = 100000;

std::string RefBit() {
  std::ifstream in(std::string(PYNQ_REMOTE_DESIGNS_DIR) + "/ref_accel/ref_accel.bit",
                   std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

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

// Raw: the same V-class, clk toggled in a tight loop, inputs idle.
void BM_RawVerilatedCycles(benchmark::State& state) {
  VerilatedContext context;
  Vref_accel model(&context, "raw");
  model.rst_n = 0;
  for (int i = 0; i < 8; ++i) {
    model.clk = 0;
    model.eval();
    model.clk = 1;
    model.eval();
  }
  model.rst_n = 1;
  model.s_axil_bready = 1;
  model.s_axil_rready = 1;
  model.m_axi_arready = 1;
  model.m_axi_awready = 1;
  for (auto _ : state) {
    for (uint64_t i = 0; i < kChunk; ++i) {
      model.clk = 0;
      model.eval();
      model.clk = 1;
      model.eval();
    }
  }
  state.counters["cycles_per_second"] =
      benchmark::Counter(static_cast<double>(state.iterations() * kChunk),
                         benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RawVerilatedCycles)->Unit(benchmark::kMillisecond)->UseRealTime();

// Board: Advance(N) through SystemC, bridges on every cycle, quanta of 2000 cycles.
void BM_BoardAdvanceCycles(benchmark::State& state) {
  Device& dev = Board();
  for (auto _ : state) {
    benchmark::DoNotOptimize(dev.Advance(kChunk));
  }
  state.counters["cycles_per_second"] =
      benchmark::Counter(static_cast<double>(state.iterations() * kChunk),
                         benchmark::Counter::kIsRate);
}
BENCHMARK(BM_BoardAdvanceCycles)->Unit(benchmark::kMillisecond)->UseRealTime();

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
