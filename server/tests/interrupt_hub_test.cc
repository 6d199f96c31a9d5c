// InterruptHub alone, over the fake device with a small AXI INTC model (PG099's ISR, IER,
// IAR, SIE, CIE, MER; irq = ME & |(ISR & IER)) on PL interrupt line 0: the pending flag,
// and many threads waiting, cancelling, releasing and re-registering while the input fires,
// with every wait ending exactly once and nothing left behind (run it under TSan too).
#include "service/interrupt_hub.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "fake_device.h"
#include "state/fpga_manager.h"
#include "test_root.h"

namespace pynq_remote::service {
namespace {

constexpr uint64_t kIntc = testing::FakeDevice::kPlBase;

class IntcFakeDevice : public testing::FakeDevice {
 public:
  Result<uint64_t> MmioRead(uint64_t addr, int width) override {
    if (addr < kIntc || addr >= kIntc + 0x20) return FakeDevice::MmioRead(addr, width);
    std::lock_guard<std::mutex> lock(mu_);
    switch (addr - kIntc) {
      case 0x00:
        return isr_;
      case kIntcIpr:
        return isr_ & ier_;
      case kIntcIer:
        return ier_;
      case kIntcMer:
        return mer_;
      default:
        return 0;
    }
  }
  Status MmioWrite(uint64_t addr, int width, uint64_t value) override {
    if (addr < kIntc || addr >= kIntc + 0x20) return FakeDevice::MmioWrite(addr, width, value);
    std::lock_guard<std::mutex> lock(mu_);
    const uint32_t v = static_cast<uint32_t>(value);
    switch (addr - kIntc) {
      case kIntcIer:
        ier_ = v;
        break;
      case kIntcIar:
        isr_ &= ~v;
        isr_ |= level_ & v;  // a level input still high sets its bit again
        break;
      case kIntcSie:
        ier_ |= v;
        break;
      case kIntcCie:
        ier_ &= ~v;
        break;
      case kIntcMer:
        mer_ = v;
        break;
      default:
        break;
    }
    cv_.notify_all();
    return {};
  }
  Result<bool> WaitIrq(int line, std::chrono::milliseconds timeout,
                       const StopToken& stop) override {
    const auto end = std::chrono::steady_clock::now() + timeout;
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      if (line == 0 && (mer_ & 1) && (isr_ & ier_)) return true;
      if (stop.StopRequested()) return MakeError(ErrorCode::kCancelled, "stopped");
      if (std::chrono::steady_clock::now() >= end) return false;
      cv_.wait_until(
          lock, std::min(end, std::chrono::steady_clock::now() + std::chrono::milliseconds(5)));
    }
  }
  // The source of input `bit` goes high (recorded in ISR: MER.HIE) or low.
  void Source(int bit, bool high) {
    std::lock_guard<std::mutex> lock(mu_);
    if (high) {
      level_ |= 1u << bit;
      if (mer_ & 2) isr_ |= 1u << bit;
    } else {
      level_ &= ~(1u << bit);
    }
    cv_.notify_all();
  }
  uint32_t ier() {
    std::lock_guard<std::mutex> lock(mu_);
    return ier_;
  }
  // What a sim board with a design package answers: the package's own .hwh.
  std::string LoadedDesignHwhPath() const override { return hwh_path; }
  std::string hwh_path;

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  uint32_t isr_ = 0, ier_ = 0, mer_ = 0, level_ = 0;
};

class InterruptHubTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(root_.path().empty());
    ASSERT_TRUE(PopulateSimRoot(RootFs::Open(root_.path()).value(), device_.Info()).ok());
    Result<RootFs> root = RootFs::Open(root_.path());
    ASSERT_TRUE(root.ok());
    state_ = std::make_unique<SharedState>(device_, std::move(root).value(), ServiceOptions());
    hub_ = std::make_unique<InterruptHub>(*state_);
    std::ofstream(root_.path() + "/lib/firmware/d.bin") << "GOOD";
    ASSERT_TRUE(state_->fpga.ProgramFirmware("d.bin").ok());
  }
  void TearDown() override {
    if (hub_) hub_->Shutdown();
  }

  std::string Register() {
    Result<std::string> id = hub_->Register("", IrqRegistration{"", 0, 0, kIntc});
    EXPECT_TRUE(id.ok()) << id.error().message;
    return id.ok() ? id.value() : "";
  }
  // A wait whose outcome the test collects.
  IrqWaitOutcome::Kind WaitFor(const std::string& id, uint32_t timeout_ms) {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    IrqWaitOutcome::Kind kind{};
    hub_->Wait("", id, timeout_ms, [&](const IrqWaitOutcome& o) {
      std::lock_guard<std::mutex> lock(mu);
      kind = o.kind;
      done = true;
      cv.notify_all();
    });
    std::unique_lock<std::mutex> lock(mu);
    EXPECT_TRUE(cv.wait_for(lock, std::chrono::seconds(30), [&] { return done; }));
    return kind;
  }

  testing::TestRoot root_;
  IntcFakeDevice device_;
  std::unique_ptr<SharedState> state_;
  std::unique_ptr<InterruptHub> hub_;
};

TEST_F(InterruptHubTest, PendingFlagAndReArm) {
  const std::string a = Register(), b = Register();
  device_.Source(0, true);
  EXPECT_EQ(WaitFor(a, 0), IrqWaitOutcome::Kind::kFired);
  EXPECT_EQ(device_.ier() & 1, 0u);  // the dispatcher disabled the input
  device_.Source(0, false);
  // b was not waiting: the event waits for it.
  EXPECT_EQ(WaitFor(b, 10), IrqWaitOutcome::Kind::kFired);
  EXPECT_EQ(WaitFor(a, 10), IrqWaitOutcome::Kind::kFired);  // the latched late one
  EXPECT_EQ(WaitFor(a, 10), IrqWaitOutcome::Kind::kTimeout);
  EXPECT_EQ(device_.ier() & 1, 1u);  // re-armed by the wait
}

// A design package's .hwh, for a client (PYNQ 3.1's) that put none beside the firmware: the
// board's copy resolves pin paths, and a disagreeing index is refused against it.
TEST_F(InterruptHubTest, PinPathsResolveThroughTheBoardsOwnHwh) {
  EXPECT_FALSE(hub_->Register("", IrqRegistration{"src/irq_out", 0, 0, 0}).ok());
  device_.hwh_path = root_.path() + "/../package.hwh";
  std::ofstream(device_.hwh_path) << R"(<?xml version="1.0"?>
<EDKSYSTEM><MODULES>
<MODULE FULLNAME="/src" INSTANCE="src" MODTYPE="axi_gpio"><PORTS>
<PORT DIR="O" NAME="irq_out" SIGIS="INTERRUPT"><CONNECTIONS><CONNECTION INSTANCE="intc" PORT="intr"/></CONNECTIONS></PORT>
</PORTS></MODULE>
<MODULE FULLNAME="/intc" INSTANCE="intc" MODTYPE="axi_intc"><PORTS>
<PORT DIR="I" LEFT="0" NAME="intr" RIGHT="0" SIGIS="INTERRUPT"><CONNECTIONS><CONNECTION INSTANCE="src" PORT="irq_out"/></CONNECTIONS></PORT>
<PORT DIR="O" NAME="irq" SIGIS="INTERRUPT"><CONNECTIONS><CONNECTION INSTANCE="ps" PORT="pl_ps_irq0"/></CONNECTIONS></PORT>
</PORTS></MODULE>
<MODULE FULLNAME="/ps" INSTANCE="ps" MODTYPE="zynq_ultra_ps_e"><MEMORYMAP>
<MEMRANGE BASEVALUE="0xA0000000" HIGHVALUE="0xA000FFFF" INSTANCE="intc" MEMTYPE="REGISTER" SLAVEBUSINTERFACE="s_axi"/>
</MEMORYMAP><PORTS>
<PORT DIR="I" LEFT="0" NAME="pl_ps_irq0" RIGHT="0" SIGIS="INTERRUPT"><CONNECTIONS><CONNECTION INSTANCE="intc" PORT="irq"/></CONNECTIONS></PORT>
</PORTS></MODULE>
</MODULES></EDKSYSTEM>
)";
  ASSERT_TRUE(state_->fpga.ProgramFirmware("d.bin").ok());  // the hub reads .hwh files now
  Result<std::string> wrong = hub_->Register("", IrqRegistration{"src/irq_out", 3, 0, kIntc});
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().message.find("input 3"), std::string::npos) << wrong.error().message;
  Result<std::string> id = hub_->Register("", IrqRegistration{"src/irq_out", 0, 0, 0});
  ASSERT_TRUE(id.ok()) << id.error().message;
  device_.Source(0, true);
  EXPECT_EQ(WaitFor(id.value(), 0), IrqWaitOutcome::Kind::kFired);
  std::remove(device_.hwh_path.c_str());
}

TEST_F(InterruptHubTest, ManyThreadsEveryWaitEndsOnce) {
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) ids.push_back(Register());
  std::atomic<int> started{0}, ended{0};
  std::atomic<bool> stop{false};
  std::thread source([&] {
    bool high = false;
    while (!stop) {
      high = !high;
      device_.Source(0, high);
      std::this_thread::sleep_for(std::chrono::microseconds(300));
    }
  });
  std::mutex ids_mu;
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(t);
      for (int i = 0; i < 300; ++i) {
        std::string id;
        {
          std::lock_guard<std::mutex> lock(ids_mu);
          id = ids[rng() % ids.size()];
        }
        ++started;
        const uint64_t ticket =
            hub_->Wait("", id, rng() % 3, [&](const IrqWaitOutcome&) { ++ended; });
        if (ticket != 0 && rng() % 4 == 0) hub_->CancelWait(ticket, "test");
        if (rng() % 50 == 0) {
          std::lock_guard<std::mutex> lock(ids_mu);
          const size_t k = rng() % ids.size();
          (void)hub_->Release("", ids[k]);
          Result<std::string> fresh = hub_->Register("", IrqRegistration{"", 0, 0, kIntc});
          if (fresh.ok()) ids[k] = fresh.value();
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  // Waits with a timeout end by themselves; the hub keeps none past that.
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (ended.load() != started.load() && std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  EXPECT_EQ(ended.load(), started.load())
      << "IER " << device_.ier() << " IPR " << device_.MmioRead(kIntc + kIntcIpr, 4).value()
      << " dispatchers " << hub_->running_dispatchers() << " waiters " << hub_->waiters();
  stop = true;
  source.join();
  EXPECT_EQ(hub_->waiters(), 0u);
  EXPECT_EQ(state_->sessions.usage("").handles, hub_->registrations());
}

TEST_F(InterruptHubTest, ShutdownEndsForeverWaitsAndLaterOnes) {
  const std::string id = Register();
  std::atomic<int> cancelled{0};
  for (int i = 0; i < 5; ++i) {
    hub_->Wait("", id, 0, [&](const IrqWaitOutcome& o) {
      if (o.kind == IrqWaitOutcome::Kind::kCancelled) ++cancelled;
    });
  }
  hub_->Shutdown();
  EXPECT_EQ(cancelled.load(), 5);
  EXPECT_EQ(WaitFor(id, 0), IrqWaitOutcome::Kind::kCancelled);
  EXPECT_EQ(hub_->running_dispatchers(), 0u);
}

}  // namespace
}  // namespace pynq_remote::service
