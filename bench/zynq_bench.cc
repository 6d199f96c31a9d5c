// The hardware backend's own cost, on a fake board tree (hil-tests/fake_board/): an MMIO
// read and a 64 MiB buffer write/read through ZynqDevice, each beside the same access done
// raw on the same kind of mapping (a volatile load; memcpy). On a board the mappings are
// /dev/mem and u-dma-buf; here they are files, so the figures are the backend's overhead
// (window lookup, chunk table, allocation lookup, locking), not the board's bus.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "zynq/zynq_device.h"

namespace {

using pynq_remote::Allocation;
using pynq_remote::Device;

constexpr size_t kBig = 64u << 20;

// One fake board for the whole run, removed at exit.
class FakeBoard {
 public:
  FakeBoard() {
    char pattern[] = "/tmp/pynq-remote-bench-board.XXXXXX";
    if (mkdtemp(pattern) == nullptr) std::abort();
    root_ = pattern;
    const std::string make = std::string("/usr/bin/python3 ") + PYNQ_REMOTE_FAKE_BOARD + " " +
                             root_ + " --udmabuf-mb 160 > /dev/null";
    if (std::system(make.c_str()) != 0) std::abort();
    pynq_remote::zynq::ZynqOptions options;
    options.root = root_;
    std::string error;
    device_ = pynq_remote::zynq::CreateZynqDevice(options, &error);
    if (!device_) {
      std::fprintf(stderr, "zynq_bench: %s\n", error.c_str());
      std::abort();
    }
  }
  ~FakeBoard() {
    device_.reset();
    nftw(
        root_.c_str(),
        [](const char* p, const struct stat*, int, struct FTW*) { return std::remove(p); }, 16,
        FTW_DEPTH | FTW_PHYS);
  }
  Device& device() { return *device_; }
  const std::string& root() const { return root_; }

 private:
  std::string root_;
  std::unique_ptr<Device> device_;
};

FakeBoard& Board() {
  static FakeBoard board;
  return board;
}

void BM_Raw_VolatileRead(benchmark::State& state) {
  int fd = open((Board().root() + "/dev/mem").c_str(), O_RDWR);
  void* page = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0xA0000000);
  close(fd);
  auto* reg = static_cast<volatile uint32_t*>(page);
  for (auto _ : state) benchmark::DoNotOptimize(*reg);
  munmap(page, 4096);
}
BENCHMARK(BM_Raw_VolatileRead);

void BM_ZynqMmioRead(benchmark::State& state) {
  Device& device = Board().device();
  if (!device.MmioRead(0xA0000000, 4).ok()) state.SkipWithError("MMIO read failed");
  for (auto _ : state) benchmark::DoNotOptimize(device.MmioRead(0xA0000000, 4).value());
}
BENCHMARK(BM_ZynqMmioRead);

void BM_Raw_Memcpy64MiB(benchmark::State& state) {
  std::vector<char> a(kBig, 1), b(kBig);
  for (auto _ : state) {
    std::memcpy(b.data(), a.data(), kBig);
    benchmark::DoNotOptimize(b.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * kBig);
}
BENCHMARK(BM_Raw_Memcpy64MiB)->UseRealTime()->Unit(benchmark::kMillisecond);

void MemBench(benchmark::State& state, bool write, bool cacheable) {
  Device& device = Board().device();
  pynq_remote::Result<Allocation> a = device.Alloc(kBig, 4096, cacheable);
  if (!a.ok()) {
    state.SkipWithError(a.error().message.c_str());
    return;
  }
  std::vector<char> host(kBig, 3);
  for (auto _ : state) {
    pynq_remote::Status s = write ? device.MemWrite(a.value().phys, host.data(), kBig)
                                  : device.MemRead(a.value().phys, host.data(), kBig);
    if (!s.ok()) state.SkipWithError(s.error().message.c_str());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * kBig);
  (void)device.Free(a.value().handle);
}

void BM_ZynqMemWrite64MiB(benchmark::State& state) { MemBench(state, true, true); }
BENCHMARK(BM_ZynqMemWrite64MiB)->UseRealTime()->Unit(benchmark::kMillisecond);
void BM_ZynqMemRead64MiB(benchmark::State& state) { MemBench(state, false, true); }
BENCHMARK(BM_ZynqMemRead64MiB)->UseRealTime()->Unit(benchmark::kMillisecond);
// Non-cacheable: a u-dma-buf sync (four sysfs writes) around every access.
void BM_ZynqMemWrite64MiB_Uncached(benchmark::State& state) { MemBench(state, true, false); }
BENCHMARK(BM_ZynqMemWrite64MiB_Uncached)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
