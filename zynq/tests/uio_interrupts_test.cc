// UioInterrupts against fake board trees: /proc/interrupts and /sys/class/uio as files, and
// /dev/uioN as a FIFO into which a test writes 4 bytes to fire the interrupt.
#include "zynq/uio_interrupts.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>

#include "tests/test_root.h"

namespace pynq_remote::zynq {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

class UioInterruptsTest : public ::testing::Test {
 protected:
  void WriteFile(const std::string& board_path, const std::string& text) {
    const std::string path = files_.Path(board_path);
    Mkdirs(path.substr(0, path.rfind('/')));
    std::ofstream(path) << text;
  }

  // A UIO device as the fake board has it: its sysfs name and a FIFO for /dev/uioN.
  void AddUio(const std::string& device, const std::string& name) {
    WriteFile("/sys/class/uio/" + device + "/name", name + "\n");
    Mkdirs(files_.Path("/dev"));
    ASSERT_EQ(mkfifo(files_.Path("/dev/" + device).c_str(), 0600), 0);
  }

  // What the interrupt does to /dev/uioN: one 4-byte event count.
  void Fire(const std::string& device) {
    const int fd = open(files_.Path("/dev/" + device).c_str(), O_WRONLY | O_NONBLOCK);
    ASSERT_GE(fd, 0);
    const uint32_t count = 1;
    EXPECT_EQ(write(fd, &count, sizeof count), 4);
    close(fd);
  }

  static void Mkdirs(const std::string& path) {
    for (size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
      mkdir(path.substr(0, slash).c_str(), 0755);
      if (slash == std::string::npos) break;
    }
  }

  // A ZynqMP board: line 0 (GIC 121) is uio0 "fabric", as on PYNQ images.
  std::unique_ptr<UioInterrupts> ZynqMpLine0() {
    WriteFile("/proc/interrupts",
              "           CPU0       CPU1       CPU2       CPU3\n"
              " 11:      1000        900        800        700     GICv2  30 Level     "
              "arch_timer\n"
              " 48:         0          0          0          0     GICv2 121 Level     "
              "fabric\n");
    AddUio("uio0", "fabric");
    return UioInterrupts::Discover(files_, /*zynqmp=*/true);
  }

  testing::TestRoot root_;
  BoardFiles files_{root_.path()};
};

TEST(PlIrqGicIdTest, MapsBothFamilies) {
  EXPECT_EQ(PlIrqGicId(0, true), 121);
  EXPECT_EQ(PlIrqGicId(7, true), 128);
  EXPECT_EQ(PlIrqGicId(8, true), 136);
  EXPECT_EQ(PlIrqGicId(15, true), 143);
  EXPECT_EQ(PlIrqGicId(0, false), 61);
  EXPECT_EQ(PlIrqGicId(7, false), 68);
  EXPECT_EQ(PlIrqGicId(8, false), 84);
  EXPECT_EQ(PlIrqGicId(15, false), 91);
  EXPECT_EQ(PlIrqGicId(16, true), -1);
  EXPECT_EQ(PlIrqGicId(-1, false), -1);
  EXPECT_EQ(PlIrqPortName(9, true), "pl_ps_irq1[1]");
  EXPECT_EQ(PlIrqPortName(9, false), "IRQ_F2P[9]");
}

TEST_F(UioInterruptsTest, FiresWhenTheInterruptArrives) {
  auto irqs = ZynqMpLine0();
  EXPECT_EQ(irqs->Describe(), "line 0 via uio0");
  std::thread firer([&] {
    std::this_thread::sleep_for(milliseconds(50));
    Fire("uio0");
  });
  const Clock::time_point start = Clock::now();
  Result<bool> fired = irqs->Wait(0, milliseconds(5000), {});
  const auto took = Clock::now() - start;
  firer.join();
  ASSERT_TRUE(fired.ok()) << fired.error().message;
  EXPECT_TRUE(fired.value());
  EXPECT_GE(took, milliseconds(40));
  EXPECT_LT(took, milliseconds(2000));
}

TEST_F(UioInterruptsTest, TimesOutOnTime) {
  auto irqs = ZynqMpLine0();
  const Clock::time_point start = Clock::now();
  Result<bool> fired = irqs->Wait(0, milliseconds(100), {});
  const auto took = Clock::now() - start;
  ASSERT_TRUE(fired.ok()) << fired.error().message;
  EXPECT_FALSE(fired.value());
  EXPECT_GE(took, milliseconds(100));
  EXPECT_LT(took, milliseconds(600));

  Result<bool> at_once = irqs->Wait(0, milliseconds(0), {});
  ASSERT_TRUE(at_once.ok());
  EXPECT_FALSE(at_once.value());
}

TEST_F(UioInterruptsTest, PendingInterruptIsReportedAtOnce) {
  auto irqs = ZynqMpLine0();
  Fire("uio0");
  Result<bool> fired = irqs->Wait(0, milliseconds(0), {});
  ASSERT_TRUE(fired.ok()) << fired.error().message;
  EXPECT_TRUE(fired.value());
  // Reported once: the next wait sees nothing.
  Result<bool> again = irqs->Wait(0, milliseconds(20), {});
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again.value());
}

TEST_F(UioInterruptsTest, ConcurrentWaitersAllSeeOneFiring) {
  auto irqs = ZynqMpLine0();
  Result<bool> first = false;
  Result<bool> second = false;
  std::thread a([&] { first = irqs->Wait(0, milliseconds(5000), {}); });
  std::thread b([&] { second = irqs->Wait(0, milliseconds(5000), {}); });
  std::this_thread::sleep_for(milliseconds(100));  // both are waiting by now
  Fire("uio0");
  a.join();
  b.join();
  ASSERT_TRUE(first.ok()) << first.error().message;
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_TRUE(first.value());
  EXPECT_TRUE(second.value());
  Result<bool> after = irqs->Wait(0, milliseconds(20), {});
  ASSERT_TRUE(after.ok());
  EXPECT_FALSE(after.value());
}

TEST_F(UioInterruptsTest, ShortWaiterHandsPollingToALongerOne) {
  auto irqs = ZynqMpLine0();
  Result<bool> short_wait = true;
  Result<bool> long_wait = false;
  std::thread a([&] { short_wait = irqs->Wait(0, milliseconds(80), {}); });
  std::this_thread::sleep_for(milliseconds(20));  // `a` polls first
  std::thread b([&] { long_wait = irqs->Wait(0, milliseconds(5000), {}); });
  std::this_thread::sleep_for(milliseconds(400));  // `a` has given up; `b` polls now
  Fire("uio0");
  a.join();
  b.join();
  ASSERT_TRUE(short_wait.ok());
  EXPECT_FALSE(short_wait.value());
  ASSERT_TRUE(long_wait.ok()) << long_wait.error().message;
  EXPECT_TRUE(long_wait.value());
}

TEST_F(UioInterruptsTest, DestructionEndsAWait) {
  auto irqs = ZynqMpLine0();
  Result<bool> waited = true;
  UioInterrupts* raw = irqs.get();  // the thread must not read `irqs` while it is reset
  std::thread waiter([&waited, raw] { waited = raw->Wait(0, milliseconds(10000), {}); });
  std::this_thread::sleep_for(milliseconds(50));
  const Clock::time_point start = Clock::now();
  irqs.reset();
  EXPECT_LT(Clock::now() - start, milliseconds(2000));
  waiter.join();
  ASSERT_FALSE(waited.ok());
  EXPECT_EQ(waited.error().code, ErrorCode::kCancelled);
}

TEST_F(UioInterruptsTest, ShutdownEndsAWaitAndTheOnesAfterIt) {
  auto irqs = ZynqMpLine0();
  Result<bool> waited = true;
  std::thread waiter([&waited, &irqs] { waited = irqs->Wait(0, milliseconds(10000), {}); });
  std::this_thread::sleep_for(milliseconds(50));
  irqs->Shutdown();
  waiter.join();
  ASSERT_FALSE(waited.ok());
  EXPECT_EQ(waited.error().code, ErrorCode::kCancelled);
  Result<bool> later = irqs->Wait(0, milliseconds(10000), {});
  ASSERT_FALSE(later.ok());
  EXPECT_EQ(later.error().code, ErrorCode::kCancelled);
}

TEST_F(UioInterruptsTest, AStopTokenEndsAWait) {
  auto irqs = ZynqMpLine0();
  std::atomic<bool> stop{false};
  Result<bool> waited = true;
  std::thread waiter([&] {
    waited = irqs->Wait(0, milliseconds(60000), StopToken([&stop] { return stop.load(); }));
  });
  std::this_thread::sleep_for(milliseconds(50));
  stop = true;
  waiter.join();  // a wait that ignored the token would block this test for 60 s
  ASSERT_FALSE(waited.ok());
  EXPECT_EQ(waited.error().code, ErrorCode::kCancelled);
  // The line still works for the next waiter.
  Fire("uio0");
  Result<bool> fired = irqs->Wait(0, milliseconds(5000), {});
  ASSERT_TRUE(fired.ok()) << fired.error().message;
  EXPECT_TRUE(fired.value());
}

TEST_F(UioInterruptsTest, DestructionWithoutWaitersIsClean) {
  auto irqs = ZynqMpLine0();
  Fire("uio0");  // a pending event nobody reads
  irqs.reset();
}

TEST_F(UioInterruptsTest, Zynq7000LinesAndZynqMpSecondBank) {
  WriteFile("/proc/interrupts",
            "           CPU0       CPU1\n"
            " 46:         0          0     GIC-0  61 Level     irq_a\n"
            " 47:         0          0     GIC-0  91 Level     irq_b\n"
            " 48:         0          0     GIC-0 136 Level     irq_c\n");
  AddUio("uio0", "irq_a");
  AddUio("uio1", "irq_b");
  AddUio("uio2", "irq_c");
  auto zynq = UioInterrupts::Discover(files_, /*zynqmp=*/false);
  EXPECT_EQ(zynq->Describe(), "lines 0,15 via uio0,uio1");
  auto zynqmp = UioInterrupts::Discover(files_, /*zynqmp=*/true);
  EXPECT_EQ(zynqmp->Describe(), "line 8 via uio2");

  Fire("uio1");
  Result<bool> fired = zynq->Wait(15, milliseconds(1000), {});
  ASSERT_TRUE(fired.ok()) << fired.error().message;
  EXPECT_TRUE(fired.value());
}

TEST_F(UioInterruptsTest, LineOutsideTheRangeIsUnknown) {
  auto irqs = ZynqMpLine0();
  for (int line : {-1, 16, 1000}) {
    Result<bool> fired = irqs->Wait(line, milliseconds(10), {});
    ASSERT_FALSE(fired.ok());
    EXPECT_EQ(fired.error().code, ErrorCode::kUnknownId);
    EXPECT_NE(fired.error().message.find("0..15"), std::string::npos);
  }
}

TEST_F(UioInterruptsTest, LineWithoutUioTellsTheWholeStory) {
  auto irqs = ZynqMpLine0();
  Result<bool> fired = irqs->Wait(3, milliseconds(10), {});
  ASSERT_FALSE(fired.ok());
  EXPECT_EQ(fired.error().code, ErrorCode::kUnknownId);
  const std::string& message = fired.error().message;
  EXPECT_NE(message.find("pl_ps_irq0[3], GIC interrupt 124"), std::string::npos) << message;
  EXPECT_NE(message.find(files_.Path("/proc/interrupts")), std::string::npos) << message;
  EXPECT_NE(message.find("uio0 'fabric'"), std::string::npos) << message;
  EXPECT_NE(message.find("interrupts = <0 92 4>"), std::string::npos) << message;
  EXPECT_NE(message.find("\"generic-uio\""), std::string::npos) << message;
  EXPECT_NE(message.find("uio_pdrv_genirq.of_id=generic-uio"), std::string::npos) << message;
}

TEST_F(UioInterruptsTest, NoUioDeviceAtAll) {
  WriteFile("/proc/interrupts",
            "           CPU0\n"
            " 48:         0     GICv2 121 Level     xilinx-axi-intc\n");
  auto irqs = UioInterrupts::Discover(files_, /*zynqmp=*/true);
  EXPECT_EQ(irqs->Describe(), "no UIO device serves a PL interrupt");
  Result<bool> fired = irqs->Wait(0, milliseconds(10), {});
  ASSERT_FALSE(fired.ok());
  EXPECT_EQ(fired.error().code, ErrorCode::kUnknownId);
  const std::string& message = fired.error().message;
  EXPECT_NE(message.find("'xilinx-axi-intc'"), std::string::npos) << message;
  EXPECT_NE(message.find("a kernel driver, not UIO"), std::string::npos) << message;
  EXPECT_NE(message.find("There are no UIO devices"), std::string::npos) << message;
}

TEST_F(UioInterruptsTest, NoProcInterrupts) {
  auto irqs = UioInterrupts::Discover(files_, /*zynqmp=*/true);
  Result<bool> fired = irqs->Wait(0, milliseconds(10), {});
  ASSERT_FALSE(fired.ok());
  EXPECT_EQ(fired.error().code, ErrorCode::kUnknownId);
  EXPECT_NE(fired.error().message.find("cannot read " + files_.Path("/proc/interrupts")),
            std::string::npos)
      << fired.error().message;
}

TEST_F(UioInterruptsTest, UioDeviceAppearingLaterIsFound) {
  WriteFile("/proc/interrupts", "");
  auto irqs = UioInterrupts::Discover(files_, /*zynqmp=*/true);
  EXPECT_FALSE(irqs->Wait(0, milliseconds(10), {}).ok());
  // An overlay with a generic-uio node is loaded.
  WriteFile("/proc/interrupts", " 48:  0  GICv2 121 Level  fabric\n");
  AddUio("uio0", "fabric");
  // The FIFO has no reader (so no writer can open it) until the wait has found the device.
  std::thread firer([&] {
    std::this_thread::sleep_for(milliseconds(50));
    Fire("uio0");
  });
  Result<bool> fired = irqs->Wait(0, milliseconds(5000), {});
  firer.join();
  ASSERT_TRUE(fired.ok()) << fired.error().message;
  EXPECT_TRUE(fired.value());
  EXPECT_EQ(irqs->Describe(), "line 0 via uio0");
}

TEST_F(UioInterruptsTest, MalformedAndForeignLinesAreIgnored) {
  WriteFile("/proc/interrupts",
            "           CPU0       CPU1\n"
            "IPI0:        10         20       Rescheduling interrupts\n"
            "IPI1:         0          0  121  Function call interrupts\n"
            "Err:          0\n"
            "garbage line with words 121 Level fabric\n"
            "\n"
            " 47:          0          0  zynq-gpio 121 Edge      button\n"
            " 49:          0          0     GICv2 12x Level     fabric\n"
            " 50:          0          0     GICv2 122 Level     gpio_irq\n");
  AddUio("uio0", "fabric");
  AddUio("uio1", "button");
  AddUio("uio2", "gpio_irq");
  auto irqs = UioInterrupts::Discover(files_, /*zynqmp=*/true);
  EXPECT_EQ(irqs->Describe(), "line 1 via uio2");
}

TEST_F(UioInterruptsTest, AmbiguousNamesAreRefused) {
  WriteFile("/proc/interrupts",
            " 48:  0  GICv2 121 Level  fabric\n"
            " 49:  0  GICv2 122 Level  fabric\n");
  AddUio("uio0", "fabric");
  AddUio("uio1", "fabric");
  auto irqs = UioInterrupts::Discover(files_, /*zynqmp=*/true);
  Result<bool> fired = irqs->Wait(0, milliseconds(10), {});
  ASSERT_FALSE(fired.ok());
  EXPECT_NE(fired.error().message.find("ambiguous (2 UIO devices and 2 GIC interrupts"),
            std::string::npos)
      << fired.error().message;
}

TEST_F(UioInterruptsTest, OneUioNameOnTwoInterruptsIsRefused) {
  WriteFile("/proc/interrupts",
            " 48:  0  GICv2 121 Level  fabric\n"
            " 49:  0  GICv2 122 Level  fabric\n");
  AddUio("uio0", "fabric");
  auto irqs = UioInterrupts::Discover(files_, /*zynqmp=*/true);
  EXPECT_EQ(irqs->Describe(), "no UIO device serves a PL interrupt");
}

}  // namespace
}  // namespace pynq_remote::zynq
