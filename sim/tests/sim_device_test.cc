#include "sim/sim_device.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "bitstream/sim_bitstream.h"
#include "device/ps_clocks.h"

namespace pynq_remote::sim {
namespace {

constexpr uint64_t kRegs = 0xA0000000, kAccel = 0xA0010000;
constexpr uint64_t kId = 0x00, kVersion = 0x04, kScratch0 = 0x10, kCycleLo = 0x20, kCycleHi = 0x24,
                   kStall = 0x28;
// How long WaitRunnerIdle may wait for a window of a few hundred cycles: far beyond it, on
// any machine; a runner that never goes idle fails the test instead of hanging it.
constexpr std::chrono::seconds kIdleLimit(60);
constexpr uint64_t kCtrl = 0x00, kGier = 0x04, kIer = 0x08, kIsr = 0x0C, kSrc = 0x10, kDst = 0x1C,
                   kLength = 0x28, kOp = 0x30, kConst = 0x38;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string RefBit() {
  return ReadFile(std::string(PYNQ_REMOTE_DESIGNS_DIR) + "/ref_accel/ref_accel.bit");
}

uint64_t CpuMicros() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1000000ull + u.ru_utime.tv_usec +
         u.ru_stime.tv_usec;
}

class SimDeviceTest : public ::testing::Test {
 protected:
  void Make(SimOptions options = {}) {
    dev_.reset();
    dev_ = CreateSimDevice(options);
    ASSERT_NE(dev_, nullptr);
  }
  void MakeProgrammed(SimOptions options = {}) {
    Make(options);
    Status s = dev_->Program(RefBit(), "ref_accel.bit", false);
    ASSERT_TRUE(s.ok()) << s.error().message;
  }
  uint64_t Read(uint64_t addr, int width = 4) {
    Result<uint64_t> r = dev_->MmioRead(addr, width);
    EXPECT_TRUE(r.ok()) << Hex(addr) << ": " << (r.ok() ? "" : r.error().message);
    return r.ok() ? r.value() : ~0ull;
  }
  void Write(uint64_t addr, uint64_t value, int width = 4) {
    Status s = dev_->MmioWrite(addr, width, value);
    EXPECT_TRUE(s.ok()) << Hex(addr) << ": " << (s.ok() ? "" : s.error().message);
  }
  // Sets up the accelerator: `words` 32-bit words from src to dst.
  void Start(uint64_t src, uint64_t dst, uint32_t bytes, uint32_t op, uint32_t k) {
    Write(kAccel + kSrc, src & 0xFFFFFFFF);
    Write(kAccel + kSrc + 4, src >> 32);
    Write(kAccel + kDst, dst & 0xFFFFFFFF);
    Write(kAccel + kDst + 4, dst >> 32);
    Write(kAccel + kLength, bytes);
    Write(kAccel + kOp, op);
    Write(kAccel + kConst, k);
    Write(kAccel + kCtrl, 1);
  }

  std::unique_ptr<Device> dev_;
};

TEST_F(SimDeviceTest, OnePerProcess) {
  Make();
  EXPECT_EQ(CreateSimDevice({}), nullptr);
  dev_.reset();
  dev_ = CreateSimDevice({});
  EXPECT_NE(dev_, nullptr);
}

TEST_F(SimDeviceTest, InfoDescribesTheBoard) {
  Make();
  DeviceInfo info = dev_->Info();
  EXPECT_EQ(info.board, "ZCU104");
  EXPECT_EQ(info.backend, "sim");
  EXPECT_EQ(info.arch, "aarch64");
  EXPECT_EQ(info.part, "xczu7ev-ffvc1156-2-e");
  ASSERT_EQ(info.pl_clocks_mhz.size(), 4u);
  EXPECT_NEAR(info.pl_clocks_mhz[0], 100.0, 0.01);
  std::vector<std::string> names;
  for (const AddressWindow& w : info.windows) names.push_back(w.name);
  for (const char* n : {"M_AXI_HPM0_FPD", "M_AXI_HPM1_FPD", "M_AXI_HPM0_LPD", "CRF_APB", "CRL_APB",
                        "FPD_SLCR", "LPD_SLCR", "AFIFM_HP0", "AFIFM_LPD"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
  }
  // ref_accel first; the generated designs (rtl/designs, tests in designs_test.cc) follow.
  ASSERT_FALSE(RegisteredDesigns().empty());
  EXPECT_EQ(RegisteredDesigns().front(), "ref_accel");
  EXPECT_EQ(dev_->State().state, "unknown");
}

TEST_F(SimDeviceTest, NotProgrammed) {
  Make();
  Result<uint64_t> r = dev_->MmioRead(kRegs, 4);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kNotProgrammed);
  // The PS registers answer without a design.
  EXPECT_EQ(Read(0xFF5E00C0), 0x01010F00u);
}

TEST_F(SimDeviceTest, ProgramAcceptsBitBinAndSwappedBin) {
  Make();
  const std::string bit = RefBit();
  Result<SimBitstream> parsed = ParseSimBitstream(bit);
  ASSERT_TRUE(parsed.ok());
  const std::string payload = MakeSimPayload(parsed.value().design, parsed.value().content_hash);
  for (const std::string& bytes : {bit, payload, SwapWords(payload)}) {
    Status s = dev_->Program(bytes, "ref_accel", false);
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(dev_->State().state, "operating");
    EXPECT_EQ(dev_->State().design, "ref_accel");
    EXPECT_EQ(Read(kRegs + kId), 0x52454641u);
  }
}

TEST_F(SimDeviceTest, BadBitstreamsLeaveThePlEmpty) {
  MakeProgrammed();
  const std::string good_hash(64, '0');
  struct Case {
    std::string bytes, fragment;
  } cases[] = {
      {"garbage!", "not a pynq-remote sim bitstream"},
      {RefBit().substr(0, 40), "truncated"},
      {MakeSimPayload("no_such_design", good_hash), "not built into this board"},
      {MakeSimPayload("ref_accel", good_hash), "built from other sources"},
      {MakeBitFile("ref_accel", "xc7z020clg400-1",
                   MakeSimPayload("ref_accel", ParseSimBitstream(RefBit()).value().content_hash)),
       "built for a Zynq-7000 part (xc7z020clg400-1), this board is a Zynq UltraScale+ board"},
      {MakeBitFile("ref_accel", "xczu9eg-ffvb1156-2-e",
                   MakeSimPayload("ref_accel", ParseSimBitstream(RefBit()).value().content_hash)),
       "built for part xczu9eg-ffvb1156-2-e"},
  };
  for (const Case& c : cases) {
    Status s = dev_->Program(c.bytes, "x.bit", false);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, ErrorCode::kBadBitstream);
    EXPECT_NE(s.error().message.find(c.fragment), std::string::npos) << s.error().message;
    FpgaState st = dev_->State();
    EXPECT_EQ(st.state, "unknown");
    EXPECT_EQ(st.design, "");
    EXPECT_EQ(st.error, s.error().message);
    EXPECT_EQ(dev_->MmioRead(kRegs, 4).error().code, ErrorCode::kNotProgrammed);
  }
}

TEST_F(SimDeviceTest, RegistersAtEveryWidth) {
  MakeProgrammed();
  EXPECT_EQ(Read(kRegs + kId), 0x52454641u);
  EXPECT_EQ(Read(kRegs + kVersion), 0x00010000u);
  Write(kRegs + kScratch0, 0x11223344);
  EXPECT_EQ(Read(kRegs + kScratch0), 0x11223344u);
  Write(kRegs + kScratch0 + 1, 0xAB, 1);
  EXPECT_EQ(Read(kRegs + kScratch0), 0x1122AB44u);
  EXPECT_EQ(Read(kRegs + kScratch0 + 2, 2), 0x1122u);
  EXPECT_EQ(Read(kRegs + kScratch0 + 1, 1), 0xABu);
  Write(kRegs + kScratch0 + 2, 0xBEEF, 2);
  EXPECT_EQ(Read(kRegs + kScratch0), 0xBEEFAB44u);
  Write(kRegs + kScratch0 + 8, 0x0123456789ABCDEFull, 8);
  EXPECT_EQ(Read(kRegs + kScratch0 + 8), 0x89ABCDEFu);  // low word first, at the low address
  EXPECT_EQ(Read(kRegs + kScratch0 + 12), 0x01234567u);
  EXPECT_EQ(Read(kRegs + kScratch0 + 8, 8), 0x0123456789ABCDEFull);
}

TEST_F(SimDeviceTest, HighPlWindowsReachThePlWithTheLow32Bits) {
  // M_AXI_HPM0_FPD's and M_AXI_HPM1_FPD's windows above 4 GiB are PL windows too; the shell's
  // AXI4-Lite address is the low 32 bits (rtl/README.md), so ref_accel, which decodes
  // 0xA0000000, answers at 0x4_A000_0000 as well. (pynq-remote-design refuses a real design
  // whose high-window instance would alias a low window like this.)
  MakeProgrammed();
  DeviceInfo info = dev_->Info();
  int hpm0 = 0;
  for (const AddressWindow& w : info.windows) {
    if (w.name == "M_AXI_HPM0_FPD") ++hpm0;
  }
  EXPECT_EQ(hpm0, 2);
  EXPECT_EQ(Read(0x4A0000000 + kId), 0x52454641u);
  Write(0x4A0000000 + kScratch0, 0x0BADCAFE);
  EXPECT_EQ(Read(kRegs + kScratch0), 0x0BADCAFEu);
  EXPECT_EQ(Read(0x5A0000000 + kScratch0), 0x0BADCAFEu);  // HPM1's high window
  EXPECT_EQ(Read(0x4A0000000 + kScratch0 + 8, 8), Read(kRegs + kScratch0 + 8, 8));
  // 0x4_0000_0010 reaches the PL as 0x10, where ref_accel decodes nothing: the design's DECERR,
  // not the board's window check.
  Result<uint64_t> low = dev_->MmioRead(0x400000010, 4);
  ASSERT_FALSE(low.ok());
  EXPECT_EQ(low.error().code, ErrorCode::kBusDecErr) << low.error().message;
  EXPECT_EQ(dev_->MmioRead(0x600000000, 4).error().code, ErrorCode::kOutOfWindow);
}

TEST_F(SimDeviceTest, CycleCounterAdvancesAndReprogramResets) {
  MakeProgrammed({.deterministic = true});
  const uint64_t a = Read(kRegs + kCycleLo, 8);
  const uint64_t b = Read(kRegs + kCycleLo, 8);
  EXPECT_GT(b, a);
  ASSERT_TRUE(dev_->Advance(10000, {}).ok());
  const uint64_t c = Read(kRegs + kCycleLo, 8);
  EXPECT_GE(c - b, 10000u);
  Write(kRegs + kScratch0, 77);
  ASSERT_TRUE(dev_->Program(RefBit(), "ref_accel.bit", false).ok());
  EXPECT_EQ(Read(kRegs + kScratch0), 0u);
  EXPECT_LT(Read(kRegs + kCycleLo), 100u);
  DeviceInfo info = dev_->Info();
  EXPECT_GT(info.pl_cycles, 10000u);
  EXPECT_EQ(info.sim_time_ps, info.pl_cycles * 10000);
}

TEST_F(SimDeviceTest, BusErrors) {
  MakeProgrammed();
  struct Case {
    uint64_t addr;
    int width;
    ErrorCode code;
  } cases[] = {
      {kRegs + 0x2000, 4, ErrorCode::kBusDecErr},  // inside HPM0, no instance
      {0xB0000000, 4, ErrorCode::kBusDecErr},      // HPM1: nothing there
      {kRegs + 0x08, 4, ErrorCode::kBusSlvErr},    // a hole in ref_regs
      {kAccel + 0x800, 4, ErrorCode::kBusSlvErr},  // a hole in mem_accel
      {0x90000000, 4, ErrorCode::kBusDecErr},      // HPM0_LPD: nothing there
      {0xC0000000, 4, ErrorCode::kOutOfWindow},   {kRegs + 2, 4, ErrorCode::kUnaligned},
      {kRegs + 4, 8, ErrorCode::kUnaligned},      {kRegs, 3, ErrorCode::kInvalidArgument},
  };
  for (const Case& c : cases) {
    Result<uint64_t> r = dev_->MmioRead(c.addr, c.width);
    ASSERT_FALSE(r.ok()) << Hex(c.addr);
    EXPECT_EQ(r.error().code, c.code) << Hex(c.addr) << ": " << r.error().message;
    EXPECT_NE(r.error().message.find(Hex(c.addr)), std::string::npos) << r.error().message;
  }
  EXPECT_EQ(dev_->MmioWrite(kRegs + kId, 4, 1).error().code, ErrorCode::kBusSlvErr);
  // The board still works afterwards.
  EXPECT_EQ(Read(kRegs + kId), 0x52454641u);
}

TEST_F(SimDeviceTest, StalledSlaveTimesOut) {
  MakeProgrammed({.mmio_timeout_cycles = 1000});
  Write(kRegs + kStall, 3000);
  Result<uint64_t> r = dev_->MmioRead(kRegs + kId, 4);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kTimeout);
  EXPECT_NE(r.error().message.find("1000 PL cycles"), std::string::npos) << r.error().message;
  // The late answer is drained; the next accesses get their own answers.
  ASSERT_TRUE(dev_->Advance(3000, {}).ok());
  EXPECT_EQ(Read(kRegs + kVersion), 0x00010000u);
  EXPECT_EQ(Read(kRegs + kId), 0x52454641u);
}

// A read stalled past the timeout and the read right after it (no Advance between): the
// second waits out the rest of the stall behind the first and gets its own answer, not the
// late one (VERSION, not ID).
TEST_F(SimDeviceTest, LateAnswerOfATimedOutReadGoesNowhere) {
  MakeProgrammed({.mmio_timeout_cycles = 1000});
  Write(kRegs + kStall, 1500);
  Result<uint64_t> r = dev_->MmioRead(kRegs + kId, 4);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kTimeout);
  EXPECT_EQ(r.error().addr, kRegs + kId);
  EXPECT_EQ(Read(kRegs + kVersion), 0x00010000u);
  EXPECT_EQ(Read(kRegs + kId), 0x52454641u);
  Write(kRegs + kScratch0, 0x1234);
  EXPECT_EQ(Read(kRegs + kScratch0), 0x1234u);
}

// A slave stuck for good: its reads keep timing out (the abandoned request holds the
// channel), the rest of the board answers, the FPGA state is readable at once, and
// programming the design again gives a clean board.
TEST_F(SimDeviceTest, StuckSlaveLeavesTheBoardUsableAndReprogrammingClearsIt) {
  MakeProgrammed({.mmio_timeout_cycles = 2000});
  Write(kRegs + kStall, 0xFFFFFFFF);  // 43 s of simulated time
  for (uint64_t reg : {kId, kVersion}) {
    Result<uint64_t> r = dev_->MmioRead(kRegs + reg, 4);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::kTimeout) << r.error().message;
  }
  Write(kRegs + kScratch0, 7);                  // the write channel is free
  EXPECT_EQ(Read(0xFF5E00C0), 0x01010F00u);     // PS registers answer
  EXPECT_EQ(dev_->State().state, "operating");  // so does the FPGA manager state
  Status s = dev_->Program(RefBit(), "ref_accel.bit", false);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(Read(kRegs + kId), 0x52454641u);
  EXPECT_EQ(Read(kRegs + kScratch0), 0u);
}

// State() and Info() do not wait for a bus access that is sitting out its timeout. The timeout
// is far longer than the test (minutes of wall time): the access ends only when Shutdown()
// aborts it, so State() and Info() returning while it still runs shows they did not wait,
// whatever the machine's load. (Were the read not on the bus yet, they pass trivially.)
TEST_F(SimDeviceTest, StateAnswersWhileAnAccessWaitsForItsTimeout) {
  MakeProgrammed({.mmio_timeout_cycles = 4000000000ull});
  Write(kRegs + kStall, 0xFFFFFFFF);
  std::atomic<bool> done{false};
  std::thread stalled([&] {
    (void)dev_->MmioRead(kRegs + kId, 4);
    done = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(dev_->State().state, "operating");
  EXPECT_EQ(dev_->Info().board, "ZCU104");
  EXPECT_FALSE(done.load()) << "State() or Info() waited for the stalled access";
  dev_->Shutdown();  // ends the access
  stalled.join();
}

// Long calls end when asked (the client, its deadline) and when the server stops, having run
// what they ran; the board goes on.
TEST_F(SimDeviceTest, AdvanceStopsWhenItsTokenAsks) {
  MakeProgrammed({.deterministic = true});
  int asked = 0;
  Result<uint64_t> r = dev_->Advance(UINT64_MAX, StopToken([&asked] { return ++asked > 3; }));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kCancelled);
  EXPECT_NE(r.error().message.find("Advance stopped after"), std::string::npos)
      << r.error().message;
  const uint64_t ran = dev_->Info().pl_cycles;
  EXPECT_GT(ran, 0u);
  ASSERT_TRUE(dev_->Advance(100, {}).ok());
  EXPECT_EQ(dev_->Info().pl_cycles, ran + 100);
}

TEST_F(SimDeviceTest, ShutdownEndsAdvanceWaitIrqAndABusWait) {
  MakeProgrammed({.mmio_timeout_cycles = 4000000000ull});  // minutes of wall time
  Write(kRegs + kStall, 0xFFFFFFFF);
  Result<uint64_t> advanced = 0;
  Result<bool> waited = true;
  Result<uint64_t> read = 0;
  std::thread advance([&] { advanced = dev_->Advance(UINT64_MAX, {}); });
  std::thread wait([&] { waited = dev_->WaitIrq(3, std::chrono::minutes(10), {}); });
  std::thread stalled([&] { read = dev_->MmioRead(kRegs + kId, 4); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  dev_->Shutdown();
  // Each would block this test for minutes if it ignored the stop.
  advance.join();
  wait.join();
  stalled.join();
  ASSERT_FALSE(advanced.ok());
  EXPECT_EQ(advanced.error().code, ErrorCode::kCancelled);
  ASSERT_FALSE(waited.ok());
  EXPECT_EQ(waited.error().code, ErrorCode::kCancelled);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code, ErrorCode::kTimeout);
  // After the stop, long calls end at once; short ones still answer, PL accesses too.
  EXPECT_FALSE(dev_->Advance(1, {}).ok());
  EXPECT_TRUE(dev_->MmioRead(0xFF5E00C0, 4).ok());                    // PL0_REF_CTRL, a PS register
  ASSERT_TRUE(dev_->Program(RefBit(), "ref_accel.bit", false).ok());  // unsticks the slave
  EXPECT_EQ(Read(kRegs + kId), 0x52454641u);                          // "REFA"
}

// --bus-timeout-us: simulated microseconds, so the cycle budget follows PL clock 0.
TEST_F(SimDeviceTest, TimeoutInMicrosecondsFollowsThePlClock) {
  MakeProgrammed({.mmio_timeout_us = 20});
  Write(kRegs + kStall, 0xFFFFFFFF);
  Result<uint64_t> r = dev_->MmioRead(kRegs + kId, 4);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("2000 PL cycles (20 us"), std::string::npos)
      << r.error().message;
  ASSERT_TRUE(dev_->SetPlClock(0, 50.0).ok());
  r = dev_->MmioRead(kRegs + kId, 4);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("1000 PL cycles (20 us"), std::string::npos)
      << r.error().message;
}

TEST_F(SimDeviceTest, BatchPaysOneHandOff) {
  MakeProgrammed();
  std::vector<MmioOp> ops;
  for (int i = 0; i < 100; ++i) {
    ops.push_back({MmioOp::Kind::kWrite, kRegs + kScratch0 + 4 * (i % 4), 4, uint64_t(i)});
    ops.push_back({MmioOp::Kind::kRead, kRegs + kScratch0 + 4 * (i % 4), 4, 0});
  }
  ops.push_back({MmioOp::Kind::kRead, kRegs + 0x2000, 4, 0});
  ops.push_back({MmioOp::Kind::kRead, kRegs, 4, 0});
  Device::BatchResult r = dev_->MmioBatch(ops);
  EXPECT_EQ(r.completed, 200u);
  EXPECT_EQ(r.status.error().code, ErrorCode::kBusDecErr);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(ops[2 * i + 1].value, uint64_t(i));
}

TEST_F(SimDeviceTest, AcceleratorCopiesAndAddsWithInterrupt) {
  MakeProgrammed();
  Allocation src = dev_->Alloc(64 * 1024, 4096, true).value();
  Allocation dst = dev_->Alloc(64 * 1024, 4096, true).value();
  const uint32_t words = 10000 + 1;  // not a multiple of a burst, odd word count
  std::vector<uint32_t> in(words), out(words, 0);
  for (uint32_t i = 0; i < words; ++i) in[i] = i * 2654435761u;
  ASSERT_TRUE(dev_->MemWrite(src.phys, in.data(), words * 4).ok());
  // A guard word after the destination must survive the half-beat at the end.
  const uint32_t guard = 0xCAFEF00D;
  ASSERT_TRUE(dev_->MemWrite(dst.phys + words * 4, &guard, 4).ok());
  for (uint32_t op : {0u, 1u, 2u}) {
    Write(kAccel + kGier, 1);
    Write(kAccel + kIer, 1);
    Start(src.phys, dst.phys, words * 4, op, 0x01010101);
    Result<bool> fired = dev_->WaitIrq(0, std::chrono::seconds(10), {});
    ASSERT_TRUE(fired.ok());
    ASSERT_TRUE(fired.value()) << "op " << op;
    const uint64_t ctrl = Read(kAccel + kCtrl);
    EXPECT_EQ(ctrl & 0x6, 0x6u) << Hex(ctrl);   // ap_done, ap_idle
    EXPECT_EQ(Read(kAccel + kCtrl) & 0x2, 0u);  // ap_done cleared on read
    ASSERT_TRUE(dev_->MemRead(dst.phys, out.data(), words * 4).ok());
    for (uint32_t i = 0; i < words; ++i) {
      const uint32_t want = op == 0 ? in[i] : op == 1 ? in[i] + 0x01010101 : in[i] ^ 0x01010101;
      ASSERT_EQ(out[i], want) << "op " << op << " word " << i;
    }
    uint32_t g = 0;
    ASSERT_TRUE(dev_->MemRead(dst.phys + words * 4, &g, 4).ok());
    EXPECT_EQ(g, guard);
    Write(kAccel + kIsr, 1);  // toggle: acknowledge
    EXPECT_EQ(Read(kAccel + kIsr), 0u);
    EXPECT_FALSE(dev_->WaitIrq(0, std::chrono::milliseconds(0), {}).value());
  }
}

TEST_F(SimDeviceTest, AcceleratorFinishesWithoutPollingOrInterrupt) {
  MakeProgrammed();
  Allocation buf = dev_->Alloc(1 << 20, 4096, false).value();
  std::vector<uint8_t> in(1 << 19, 0x5A);
  ASSERT_TRUE(dev_->MemWrite(buf.phys, in.data(), in.size()).ok());
  Start(buf.phys, buf.phys + in.size(), static_cast<uint32_t>(in.size()), 0, 0);
  // Nobody touches the board: the runner keeps simulating while the design is busy.
  std::vector<uint8_t> out(in.size());
  for (int i = 0; i < 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_TRUE(dev_->MemRead(buf.phys + in.size(), out.data(), out.size()).ok());
    if (out == in) break;
  }
  EXPECT_EQ(out, in);
  EXPECT_EQ(Read(kAccel + kCtrl) & 0x2, 0x2u);
}

TEST_F(SimDeviceTest, DeterministicModeWaitsForAdvance) {
  MakeProgrammed({.deterministic = true});
  Allocation buf = dev_->Alloc(8192, 4096, false).value();
  std::vector<uint32_t> in(1024, 7);
  ASSERT_TRUE(dev_->MemWrite(buf.phys, in.data(), 4096).ok());
  Write(kAccel + kGier, 1);
  Write(kAccel + kIer, 1);
  Start(buf.phys, buf.phys + 4096, 4096, 1, 1);
  const uint64_t cycles = dev_->Info().pl_cycles;
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(dev_->Info().pl_cycles, cycles);
  EXPECT_FALSE(dev_->WaitIrq(0, std::chrono::milliseconds(50), {}).value());
  EXPECT_EQ(Read(kAccel + kCtrl) & 0x2, 0u);
  Result<uint64_t> after = dev_->Advance(5000, {});
  ASSERT_TRUE(after.ok());
  EXPECT_GE(after.value(), cycles + 5000);
  EXPECT_TRUE(dev_->WaitIrq(0, std::chrono::milliseconds(0), {}).value());
  uint32_t v = 0;
  ASSERT_TRUE(dev_->MemRead(buf.phys + 4096 + 4092, &v, 4).ok());
  EXPECT_EQ(v, 8u);
}

TEST_F(SimDeviceTest, PlClockFollowsPsRegisters) {
  MakeProgrammed({.deterministic = true});
  EXPECT_EQ(Read(0xFF5E00C0), 0x01010F00u);
  ASSERT_TRUE(dev_->SetPlClock(0, 250.0).ok());
  EXPECT_NEAR(dev_->Info().pl_clocks_mhz[0], 250.0, 0.1);
  DeviceInfo before = dev_->Info();
  ASSERT_TRUE(dev_->Advance(1000, {}).ok());
  DeviceInfo after = dev_->Info();
  EXPECT_EQ(after.sim_time_ps - before.sim_time_ps, (after.pl_cycles - before.pl_cycles) * 4000);
  // The PYNQ client's way: write PL0_REF_CTRL through MMIO.
  Write(0xFF5E00C0, 0x01010A00);  // IOPLL / 10 = 150 MHz
  EXPECT_NEAR(dev_->Info().pl_clocks_mhz[0], 150.0, 0.1);
  EXPECT_EQ(dev_->SetPlClock(4, 100).error().code, ErrorCode::kInvalidArgument);
}

const AddressWindow* FindWindow(const DeviceInfo& info, const std::string& name) {
  for (const AddressWindow& w : info.windows) {
    if (w.name == name) return &w;
  }
  return nullptr;
}

TEST_F(SimDeviceTest, PynqZ2IsAZynq7000Board) {
  Make({.board = "Pynq-Z2"});
  DeviceInfo info = dev_->Info();
  EXPECT_EQ(info.board, "Pynq-Z2");
  EXPECT_EQ(info.arch, "armv7l");
  EXPECT_EQ(info.part, "xc7z020clg400-1");
  const AddressWindow* gp0 = FindWindow(info, "M_AXI_GP0");
  const AddressWindow* gp1 = FindWindow(info, "M_AXI_GP1");
  ASSERT_NE(gp0, nullptr);
  ASSERT_NE(gp1, nullptr);
  EXPECT_EQ(gp0->base, 0x40000000u);
  EXPECT_EQ(gp0->size, 1ull << 30);
  EXPECT_EQ(gp1->base, 0x80000000u);
  EXPECT_EQ(gp1->size, 1ull << 30);
  for (const char* n : {"SLCR", "AFI0", "AFI3"}) EXPECT_NE(FindWindow(info, n), nullptr) << n;
  for (const char* n : {"M_AXI_HPM0_FPD", "CRL_APB", "AFIFM_HP0"}) {
    EXPECT_EQ(FindWindow(info, n), nullptr) << n;
  }
  ASSERT_EQ(info.pl_clocks_mhz.size(), 4u);
  EXPECT_EQ(info.pl_clocks_mhz[0], 100.0);

  // GP0 and GP1 without a design: not programmed; past GP1 and the ZynqMP pages: nothing.
  for (uint64_t addr : {0x40000000ull, 0x7FFFFFFCull, 0x80000000ull}) {
    Result<uint64_t> r = dev_->MmioRead(addr, 4);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::kNotProgrammed) << Hex(addr);
  }
  EXPECT_EQ(dev_->MmioRead(0xA0000000, 4).error().code, ErrorCode::kNotProgrammed);  // GP1
  EXPECT_EQ(dev_->MmioRead(0xC0000000, 4).error().code, ErrorCode::kOutOfWindow);
  EXPECT_EQ(dev_->MmioRead(0xFF5E00C0, 4).error().code, ErrorCode::kOutOfWindow);

  // 512 MiB of DDR, buffers from its upper half.
  uint8_t byte = 7;
  EXPECT_TRUE(dev_->MemWrite((512ull << 20) - 1, &byte, 1).ok());
  EXPECT_EQ(dev_->MemWrite(512ull << 20, &byte, 1).error().code, ErrorCode::kOutOfWindow);
  Allocation a = dev_->Alloc(4096, 4096, false).value();
  EXPECT_GE(a.phys, 0x10000000u);
  EXPECT_LT(a.phys, 0x20000000u);

  // PL clock 0 through FPGA0_CLK_CTRL, as the PYNQ client writes it: IO PLL / 20 = 50 MHz,
  // and the PL runs at that rate.
  Write(kSlcrBase + kSlcrFpga0ClkCtrl, 0x00101400);
  EXPECT_EQ(dev_->Info().pl_clocks_mhz[0], 50.0);
  EXPECT_TRUE(dev_->SetPlClock(0, 142.86).ok());
  EXPECT_NEAR(dev_->Info().pl_clocks_mhz[0], 1000.0 / 7, 1e-6);
  EXPECT_EQ(Read(kSlcrBase + kSlcrFpga0ClkCtrl), 0x00100700u);

  // IRQ_F2P has 16 lines.
  EXPECT_EQ(dev_->WaitIrq(15, std::chrono::milliseconds(1), {}).value(), false);
  EXPECT_EQ(dev_->WaitIrq(16, std::chrono::milliseconds(1), {}).error().code,
            ErrorCode::kUnknownId);

  // A ZynqMP design's bitstream is refused, naming both parts, and the PL stays empty.
  Status s = dev_->Program(RefBit(), "ref_accel.bit", false);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kBadBitstream);
  EXPECT_NE(s.error().message.find("xc7z020clg400-1"), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find("xczu7ev"), std::string::npos) << s.error().message;
  EXPECT_EQ(dev_->MmioRead(0x40000000, 4).error().code, ErrorCode::kNotProgrammed);
}

TEST_F(SimDeviceTest, PynqZ2ByItsBoardPartAndAdvanceAtItsClock) {
  Make({.board = "tul.com.tw:pynq-z2:part0:1.0", .pl_clock_mhz = 50.0, .deterministic = true});
  EXPECT_EQ(dev_->Info().board, "Pynq-Z2");
  EXPECT_EQ(dev_->Info().pl_clocks_mhz[0], 50.0);
  DeviceInfo before = dev_->Info();
  ASSERT_TRUE(dev_->Advance(1000, {}).ok());
  DeviceInfo after = dev_->Info();
  EXPECT_EQ(after.sim_time_ps - before.sim_time_ps, (after.pl_cycles - before.pl_cycles) * 20000);
}

TEST_F(SimDeviceTest, Kv260AndZcu102AreZynqMpBoards) {
  Make({.board = "kv260"});
  DeviceInfo kv = dev_->Info();
  EXPECT_EQ(kv.board, "KV260");
  EXPECT_EQ(kv.arch, "aarch64");
  EXPECT_EQ(kv.part, "xck26-sfvc784-2LV-c");
  ASSERT_NE(FindWindow(kv, "M_AXI_HPM0_LPD"), nullptr);
  EXPECT_EQ(FindWindow(kv, "M_AXI_HPM0_LPD")->base, 0x80000000u);
  EXPECT_EQ(FindWindow(kv, "M_AXI_HPM0_LPD")->size, 512ull << 20);
  EXPECT_EQ(FindWindow(kv, "M_AXI_GP0"), nullptr);
  EXPECT_EQ(dev_->MmioRead(0x80000000, 4).error().code, ErrorCode::kNotProgrammed);
  EXPECT_EQ(dev_->MmioRead(0xB0000000, 4).error().code, ErrorCode::kNotProgrammed);
  EXPECT_EQ(Read(0xFF5E00C0), 0x01010F00u);  // PL0_REF_CTRL: IOPLL / 15 = 100 MHz
  uint8_t byte = 1;
  EXPECT_TRUE(dev_->MemWrite((2ull << 30) - 1, &byte, 1).ok());
  // Built for the ZCU104's part: refused.
  Status s = dev_->Program(RefBit(), "ref_accel.bit", false);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("xck26-sfvc784-2LV-c"), std::string::npos);

  Make({.board = "ZCU102"});
  DeviceInfo zcu = dev_->Info();
  EXPECT_EQ(zcu.board, "ZCU102");
  EXPECT_EQ(zcu.part, "xczu9eg-ffvb1156-2-e");
  EXPECT_EQ(zcu.arch, "aarch64");
  EXPECT_NE(FindWindow(zcu, "M_AXI_HPM1_FPD"), nullptr);
  EXPECT_NE(FindWindow(zcu, "AFIFM_HP5"), nullptr);
}

TEST_F(SimDeviceTest, ProfileIsFixedPerBoardAndTheNextBoardBootsItsOwn) {
  Make({.board = "Pynq-Z1"});
  Write(kSlcrBase + kSlcrFpga0ClkCtrl, 0x00101400);
  EXPECT_EQ(dev_->Info().pl_clocks_mhz[0], 50.0);
  Make();  // back to the ZCU104: ZynqMP pages at their boot values
  EXPECT_EQ(dev_->Info().board, "ZCU104");
  EXPECT_EQ(Read(0xFF5E00C0), 0x01010F00u);
  EXPECT_EQ(dev_->MmioRead(kSlcrBase + kSlcrFpga0ClkCtrl, 4).error().code, ErrorCode::kOutOfWindow);
  Make({.board = "ZC702"});
  EXPECT_EQ(Read(kSlcrBase + kSlcrFpga0ClkCtrl), 0x00100A00u);
  EXPECT_EQ(dev_->Info().part, "xc7z020clg484-1");
}

TEST_F(SimDeviceTest, UnknownBoardOrAMapThatCollidesIsRefused) {
  dev_.reset();
  std::string error;
  EXPECT_EQ(CreateSimDevice({.board = "ZedBoard"}, &error), nullptr);
  EXPECT_EQ(error,
            "no board profile 'ZedBoard'; known boards: ZCU104, ZCU102, KV260, Ultra96-V2, "
            "Pynq-Z1, Pynq-Z2, ZC702");
  EXPECT_EQ(BoardProfileNames().size(), 7u);
  error.clear();
  // 2 GiB of DDR on a Zynq-7000 would run into GP0 at 1 GiB.
  EXPECT_EQ(CreateSimDevice({.board = "Pynq-Z2", .ddr_size = 2ull << 30}, &error), nullptr);
  EXPECT_NE(error.find("overlaps M_AXI_GP0"), std::string::npos) << error;
  // Neither refusal took the board: the next one is made.
  Make({.board = "Pynq-Z2"});
}

TEST_F(SimDeviceTest, MemoryBoundsAndAllocErrors) {
  Make({.ddr_size = 1ull << 30, .cma_base = 0x20000000, .cma_size = 1 << 24});
  EXPECT_EQ(dev_->Alloc(0, 4096, true).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(dev_->Alloc(1ull << 30, 4096, true).error().code, ErrorCode::kNoMemory);
  Allocation a = dev_->Alloc(100, 4096, true).value();
  EXPECT_EQ(a.phys, 0x20000000u);
  uint8_t byte = 1;
  EXPECT_EQ(dev_->MemWrite((1ull << 30) - 1, &byte, 2).error().code, ErrorCode::kOutOfWindow);
  EXPECT_TRUE(dev_->MemWrite((1ull << 30) - 1, &byte, 1).ok());
  EXPECT_TRUE(dev_->Free(a.handle).ok());
  EXPECT_EQ(dev_->Free(a.handle).error().code, ErrorCode::kUnknownId);
  EXPECT_EQ(dev_->WaitIrq(16, std::chrono::milliseconds(1), {}).error().code,
            ErrorCode::kUnknownId);
}

TEST_F(SimDeviceTest, ConcurrentHostThreadsWhileTheAcceleratorRuns) {
  MakeProgrammed();
  Allocation buf = dev_->Alloc(4 << 20, 4096, false).value();
  std::vector<uint32_t> in(1 << 19);
  for (size_t i = 0; i < in.size(); ++i) in[i] = static_cast<uint32_t>(i);
  ASSERT_TRUE(dev_->MemWrite(buf.phys, in.data(), in.size() * 4).ok());
  Write(kAccel + kGier, 1);
  Write(kAccel + kIer, 1);
  Start(buf.phys, buf.phys + (2 << 20), 2 << 20, 1, 3);
  std::vector<std::thread> threads;
  std::atomic<int> errors{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      const uint64_t reg = kRegs + kScratch0 + 4 * t;
      for (uint32_t i = 0; i < 500; ++i) {
        if (!dev_->MmioWrite(reg, 4, i * 4 + t).ok()) ++errors;
        Result<uint64_t> r = dev_->MmioRead(reg, 4);
        if (!r.ok() || r.value() != i * 4 + t) ++errors;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  ASSERT_TRUE(dev_->WaitIrq(0, std::chrono::seconds(20), {}).value());
  std::vector<uint32_t> out(in.size());
  ASSERT_TRUE(dev_->MemRead(buf.phys + (2 << 20), out.data(), out.size() * 4).ok());
  for (size_t i = 0; i < out.size(); ++i) ASSERT_EQ(out[i], in[i] + 3) << i;
}

TEST_F(SimDeviceTest, IdleBoardCostsNoCpu) {
  MakeProgrammed();
  EXPECT_EQ(Read(kRegs + kId), 0x52454641u);
  ASSERT_TRUE(WaitRunnerIdle(*dev_, kIdleLimit));  // any window ends
  const uint64_t cycles = dev_->Info().pl_cycles;
  const uint64_t cpu0 = CpuMicros();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const uint64_t cpu = CpuMicros() - cpu0;
  EXPECT_LT(cpu, 10000u) << cpu << " us of CPU in 1 s idle";
  EXPECT_EQ(dev_->Info().pl_cycles, cycles);
}

// ref_accel's generated top ORs both cores' busy (DesignEntry::busy_complete): a read leaves
// nothing for the runner, so it runs no PL cycles until a write or the design asks for them.
TEST_F(SimDeviceTest, ReadsOfADesignWithCompleteBusyLeaveThePlAlone) {
  MakeProgrammed();
  const std::optional<uint64_t> ran = WaitRunnerIdle(*dev_, kIdleLimit);  // programming's window
  ASSERT_TRUE(ran);
  EXPECT_EQ(*ran, SimOptions{}.settle_cycles);
  const uint64_t cycles = dev_->Info().pl_cycles;
  const uint64_t first = Read(kRegs + kCycleLo);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(Read(kRegs + kId), 0x52454641u);
  const uint64_t last = Read(kRegs + kCycleLo);
  EXPECT_EQ(WaitRunnerIdle(*dev_, kIdleLimit), ran);
  // The cycles between the two CYCLE_LO reads are the reads' own: each as long as the last.
  const uint64_t per_read = (dev_->Info().pl_cycles - cycles) / 52;
  EXPECT_EQ(dev_->Info().pl_cycles - cycles, 52 * per_read);
  EXPECT_EQ(last - first, 51 * per_read);
  // A write arms the short window (a start bit shows on busy in it); so does a GPIO write.
  Write(kRegs + kScratch0, 1);
  EXPECT_EQ(WaitRunnerIdle(*dev_, kIdleLimit), *ran + SimOptions{}.settle_cycles);
  ASSERT_TRUE(dev_->GpioSetDirection(420, GpioDirection::kOut).ok());
  EXPECT_EQ(WaitRunnerIdle(*dev_, kIdleLimit), *ran + 2 * SimOptions{}.settle_cycles);
  ASSERT_TRUE(dev_->GpioWrite(420, 1).ok());
  EXPECT_EQ(WaitRunnerIdle(*dev_, kIdleLimit), *ran + 3 * SimOptions{}.settle_cycles);
  // A batch with a write is a write; one of reads only is a read.
  std::vector<MmioOp> reads = {{MmioOp::Kind::kRead, kRegs + kId, 4, 0},
                               {MmioOp::Kind::kRead, kRegs + kVersion, 4, 0}};
  EXPECT_TRUE(dev_->MmioBatch(reads).status.ok());
  EXPECT_EQ(WaitRunnerIdle(*dev_, kIdleLimit), *ran + 3 * SimOptions{}.settle_cycles);
  std::vector<MmioOp> mixed = {{MmioOp::Kind::kRead, kRegs + kId, 4, 0},
                               {MmioOp::Kind::kWrite, kRegs + kScratch0, 4, 2}};
  EXPECT_TRUE(dev_->MmioBatch(mixed).status.ok());
  EXPECT_EQ(WaitRunnerIdle(*dev_, kIdleLimit), *ran + 4 * SimOptions{}.settle_cycles);
}

// --trailing-cycles (always_trail): every access, reads too, keeps the PL running that long.
TEST_F(SimDeviceTest, AlwaysTrailRunsTheWindowAfterEveryAccess) {
  MakeProgrammed({.trailing_cycles = 300, .always_trail = true});
  const std::optional<uint64_t> ran = WaitRunnerIdle(*dev_, kIdleLimit);
  ASSERT_TRUE(ran);
  EXPECT_EQ(*ran, 300u);
  EXPECT_EQ(Read(kRegs + kId), 0x52454641u);
  EXPECT_EQ(WaitRunnerIdle(*dev_, kIdleLimit), *ran + 300);
  Write(kRegs + kScratch0, 1);
  EXPECT_EQ(WaitRunnerIdle(*dev_, kIdleLimit), *ran + 600);
}

// The accelerator finishes while the client polls its control register as fast as it can:
// busy keeps the runner going between the reads, which arm no window.
TEST_F(SimDeviceTest, AcceleratorFinishesUnderATightReadPoll) {
  MakeProgrammed();
  Allocation buf = dev_->Alloc(1 << 20, 4096, false).value();
  std::vector<uint32_t> in(1 << 17);
  for (size_t i = 0; i < in.size(); ++i) in[i] = static_cast<uint32_t>(i * 7);
  ASSERT_TRUE(dev_->MemWrite(buf.phys, in.data(), in.size() * 4).ok());
  Start(buf.phys, buf.phys + (1 << 19), 1 << 19, 2, 0xFF);
  uint64_t ctrl = 0;
  for (int i = 0; i < 10000000 && (ctrl & 0x2) == 0; ++i) ctrl = Read(kAccel + kCtrl);
  ASSERT_EQ(ctrl & 0x6, 0x6u) << Hex(ctrl);  // ap_done, ap_idle
  std::vector<uint32_t> out(in.size());
  ASSERT_TRUE(dev_->MemRead(buf.phys + (1 << 19), out.data(), out.size() * 4).ok());
  for (size_t i = 0; i < out.size(); ++i) ASSERT_EQ(out[i], in[i] ^ 0xFF) << i;
  ASSERT_TRUE(WaitRunnerIdle(*dev_, kIdleLimit));
  EXPECT_FALSE(dev_->Info().pl_active);
}

TEST_F(SimDeviceTest, WaveformTrace) {
  const std::string path = ::testing::TempDir() + "/sim_trace.fst";
  std::remove(path.c_str());
  {
    MakeProgrammed({.deterministic = true, .trace_path = path});
    Write(kRegs + kScratch0, 5);
    ASSERT_TRUE(dev_->Advance(100, {}).ok());
    dev_.reset();
  }
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_GT(st.st_size, 100);
}

// A window trace (Board.StartTrace): exactly the cycles run between start and stop, bounded by
// max_cycles, one at a time, scopes checked, ended by a reprogram (and saying so).
TEST_F(SimDeviceTest, WindowTrace) {
  const std::string path = ::testing::TempDir() + "/sim_window.fst";
  auto size_of = [](const std::string& p) {
    struct stat st {};
    return stat(p.c_str(), &st) == 0 ? st.st_size : -1;
  };
  MakeProgrammed({.deterministic = true});
  EXPECT_EQ(dev_->StopTrace().error().code, ErrorCode::kFailedPrecondition);
  Result<TraceReport> bad = dev_->StartTrace({path, {"nope"}, 0});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.error().message.find("'nope'"), std::string::npos) << bad.error().message;

  Result<TraceReport> started = dev_->StartTrace({path, {}, 0});
  ASSERT_TRUE(started.ok()) << started.error().message;
  EXPECT_EQ(started.value().design, "ref_accel");
  EXPECT_EQ(dev_->StartTrace({path + ".2", {}, 0}).error().code, ErrorCode::kFailedPrecondition);
  ASSERT_TRUE(dev_->Advance(100, {}).ok());
  Result<TraceReport> stopped = dev_->StopTrace();
  ASSERT_TRUE(stopped.ok());
  EXPECT_EQ(stopped.value().end_cycle - stopped.value().start_cycle, 100u);
  EXPECT_FALSE(stopped.value().truncated);
  EXPECT_EQ(stopped.value().ended, "");
  EXPECT_GT(size_of(path), 100);

  ASSERT_TRUE(dev_->StartTrace({path, {}, 50}).ok());
  ASSERT_TRUE(dev_->Advance(100, {}).ok());
  stopped = dev_->StopTrace();
  ASSERT_TRUE(stopped.ok());
  EXPECT_TRUE(stopped.value().truncated);
  EXPECT_EQ(stopped.value().end_cycle - stopped.value().start_cycle, 50u);

  ASSERT_TRUE(dev_->StartTrace({path, {}, 0}).ok());
  ASSERT_TRUE(dev_->Advance(10, {}).ok());
  ASSERT_TRUE(dev_->Program(RefBit(), "ref_accel.bit", false).ok());
  ASSERT_TRUE(dev_->Advance(10, {}).ok());
  stopped = dev_->StopTrace();
  ASSERT_TRUE(stopped.ok());
  EXPECT_NE(stopped.value().ended.find("reprogrammed"), std::string::npos) << stopped.value().ended;
  EXPECT_EQ(stopped.value().end_cycle - stopped.value().start_cycle, 10u);
  EXPECT_GT(size_of(path), 100);
}

TEST_F(SimDeviceTest, NoWindowTraceWhileTheWholeRunIsTraced) {
  const std::string path = ::testing::TempDir() + "/sim_whole.fst";
  MakeProgrammed({.deterministic = true, .trace_path = path});
  Result<TraceReport> refused = dev_->StartTrace({path + ".window", {}, 0});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(refused.error().message.find("--trace " + path), std::string::npos)
      << refused.error().message;
}

// The PS GPIO in Linux numbering (gpio-zynq): ZynqMP gpiochip338, 78 MIO then 96 EMIO;
// Zynq-7000 gpiochip906, 54 MIO then 64 EMIO. No design needed: the controller is the PS's.
TEST_F(SimDeviceTest, PsGpioChipsInLinuxNumbering) {
  Make({.deterministic = true});
  std::vector<GpioChipInfo> chips = dev_->GpioChips();
  ASSERT_EQ(chips.size(), 1u);
  EXPECT_EQ(chips[0].name, "gpiochip338");
  EXPECT_EQ(chips[0].label, "zynqmp_gpio");
  EXPECT_EQ(chips[0].base, 338);
  EXPECT_EQ(chips[0].ngpio, 174);
  EXPECT_EQ(chips[0].mio_pins, 78);
  const DeviceInfo info = dev_->Info();
  const AddressWindow* gpio = FindWindow(info, "GPIO");
  ASSERT_NE(gpio, nullptr);
  EXPECT_EQ(gpio->base, 0xFF0A0000u);
  // gpio 420 is EMIO 4: bank 3 bit 4. Through the Device seam, seen in the registers.
  ASSERT_TRUE(dev_->GpioSetDirection(420, GpioDirection::kOut).ok());
  EXPECT_EQ(Read(0xFF0A0000 + 0x204 + 0x40 * 3) & 0x10, 0x10u);  // DIRM_3
  EXPECT_EQ(Read(0xFF0A0000 + 0x208 + 0x40 * 3) & 0x10, 0x10u);  // OEN_3
  EXPECT_EQ(dev_->GpioRead(420).value(), 0);                     // an output starts at 0
  ASSERT_TRUE(dev_->GpioWrite(420, 1).ok());
  EXPECT_EQ(Read(0xFF0A0000 + 0x4C), 0x10u);  // DATA_3
  EXPECT_EQ(dev_->GpioRead(420).value(), 1);
  // The last MIO pin (gpio 415: bank 2 bit 25) and the last EMIO pin (511: bank 5 bit 31).
  ASSERT_TRUE(dev_->GpioSetDirection(415, GpioDirection::kOut).ok());
  ASSERT_TRUE(dev_->GpioWrite(415, 1).ok());
  EXPECT_EQ(Read(0xFF0A0000 + 0x48), 1u << 25);  // DATA_2
  EXPECT_EQ(Read(0xFF0A0000 + 0x68), 1u << 25);  // DATA_2_RO: an MIO pad reads back
  ASSERT_TRUE(dev_->GpioSetDirection(511, GpioDirection::kOut).ok());
  ASSERT_TRUE(dev_->GpioWrite(511, 1).ok());
  EXPECT_EQ(Read(0xFF0A0000 + 0x54), 1u << 31);  // DATA_5
  // MMIO writes are what PYNQ-style code does: masked write of EMIO 4 back to 0.
  Write(0xFF0A0000 + 0x18, (~(1u << 4) & 0xFFFFu) << 16);  // MASK_DATA_3_LSW
  EXPECT_EQ(dev_->GpioRead(420).value(), 0);
  // The controller's APB port takes words: a halfword is a slave error, not a partial access.
  Result<uint64_t> half = dev_->MmioRead(0xFF0A0000 + 0x4C, 2);
  ASSERT_FALSE(half.ok());
  EXPECT_EQ(half.error().code, ErrorCode::kBusSlvErr);
  // Released: an input again, and the PL's (empty: 0) level reads.
  ASSERT_TRUE(dev_->GpioRelease(511).ok());
  EXPECT_EQ(Read(0xFF0A0000 + 0x204 + 0x40 * 5), 0u);
  EXPECT_EQ(dev_->GpioRead(511).value(), 0);

  auto expect_error = [&](Status s, ErrorCode code, const std::string& text) {
    ASSERT_FALSE(s.ok()) << text;
    EXPECT_EQ(s.error().code, code) << s.error().message;
    EXPECT_NE(s.error().message.find(text), std::string::npos) << s.error().message;
  };
  for (int bad : {337, 512, -1, 0}) {
    expect_error(dev_->GpioSetDirection(bad, GpioDirection::kIn), ErrorCode::kInvalidArgument,
                 "gpiochip338 (zynqmp_gpio) has gpio 338..511 (78 MIO, then 96 EMIO from 416)");
    Result<int> r = dev_->GpioRead(bad);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    expect_error(dev_->GpioWrite(bad, 0), ErrorCode::kInvalidArgument, std::to_string(bad));
    expect_error(dev_->GpioRelease(bad), ErrorCode::kInvalidArgument, std::to_string(bad));
  }
  expect_error(dev_->GpioWrite(420, 2), ErrorCode::kInvalidArgument,
               "gpio 420 (EMIO 4 of gpiochip338): value 2 is neither 0 nor 1");
  expect_error(dev_->GpioWrite(420, -1), ErrorCode::kInvalidArgument, "value -1");
  expect_error(dev_->GpioWrite(340, 1), ErrorCode::kPermissionDenied,
               "gpio 340 (MIO 2 of gpiochip338) is an input");
  ASSERT_TRUE(dev_->GpioSetDirection(420, GpioDirection::kIn).ok());
  expect_error(dev_->GpioWrite(420, 1), ErrorCode::kPermissionDenied,
               "gpio 420 (EMIO 4 of gpiochip338) is an input");
}

TEST_F(SimDeviceTest, PsGpioOnPynqZ2IsGpiochip906) {
  Make({.board = "Pynq-Z2", .deterministic = true});
  std::vector<GpioChipInfo> chips = dev_->GpioChips();
  ASSERT_EQ(chips.size(), 1u);
  EXPECT_EQ(chips[0].name, "gpiochip906");
  EXPECT_EQ(chips[0].label, "zynq_gpio");
  EXPECT_EQ(chips[0].base, 906);
  EXPECT_EQ(chips[0].ngpio, 118);
  EXPECT_EQ(chips[0].mio_pins, 54);
  const DeviceInfo info = dev_->Info();
  const AddressWindow* gpio = FindWindow(info, "GPIO");
  ASSERT_NE(gpio, nullptr);
  EXPECT_EQ(gpio->base, 0xE000A000u);
  // EMIO 0 is gpio 960: bank 2 bit 0; gpio 959 is MIO 53, bank 1 bit 21.
  ASSERT_TRUE(dev_->GpioSetDirection(960, GpioDirection::kOut).ok());
  ASSERT_TRUE(dev_->GpioWrite(960, 1).ok());
  EXPECT_EQ(Read(0xE000A000 + 0x48), 1u);  // DATA_2
  ASSERT_TRUE(dev_->GpioSetDirection(959, GpioDirection::kOut).ok());
  ASSERT_TRUE(dev_->GpioWrite(959, 1).ok());
  EXPECT_EQ(Read(0xE000A000 + 0x44), 1u << 21);  // DATA_1
  Status s = dev_->GpioWrite(1023, 1);           // EMIO 63, an input
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("gpio 1023 (EMIO 63 of gpiochip906) is an input"),
            std::string::npos)
      << s.error().message;
  Result<int> out = dev_->GpioRead(1024);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.error().message.find("gpiochip906 (zynq_gpio) has gpio 906..1023"),
            std::string::npos)
      << out.error().message;
  // The ZynqMP controller's page is not on this board.
  EXPECT_FALSE(dev_->MmioRead(0xFF0A0000, 4).ok());
}

}  // namespace
}  // namespace pynq_remote::sim
