#include "device/ps_clocks.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

namespace pynq_remote {
namespace {

// A register map with post-boot values; a read of an unset address fails the way a bus does.
class FakeRegs {
 public:
  std::map<uint64_t, uint32_t> regs;
  int writes = 0;

  ReadReg32 Reader() {
    return [this](uint64_t addr) -> Result<uint32_t> {
      auto it = regs.find(addr);
      if (it == regs.end()) {
        return MakeError(ErrorCode::kBusDecErr, "4-byte read at " + Hex(addr) + ": DECERR", addr);
      }
      return it->second;
    };
  }
  WriteReg32 Writer() {
    return [this](uint64_t addr, uint32_t value) -> Status {
      ++writes;
      regs[addr] = value;
      return {};
    };
  }
};

// ZynqMP *PLL_CTRL with DIV2 set: 33.333 * fbdiv / 2.
constexpr uint32_t ZuPll(uint32_t fbdiv) { return (1u << 16) | (fbdiv << 8); }
constexpr uint32_t ZuClk(uint32_t div0, uint32_t div1, uint32_t srcsel, bool clkact = true) {
  return (clkact ? 1u << 24 : 0) | (div1 << 16) | (div0 << 8) | srcsel;
}
// Zynq-7000 *_PLL_CTRL and FPGAn_CLK_CTRL.
constexpr uint32_t Z7Pll(uint32_t fdiv) { return fdiv << 12; }
constexpr uint32_t Z7Clk(uint32_t div0, uint32_t div1, uint32_t srcsel) {
  return (div1 << 20) | (div0 << 8) | (srcsel << 4);
}

// A ZCU104 after FSBL: IOPLL 1500, RPLL 1200, DPLL 1066 MHz; PL clocks IOPLL / 15 = 100 MHz.
FakeRegs ZynqMpBoard() {
  FakeRegs f;
  f.regs[kCrlApbBase + kIopllCtrl] = ZuPll(90);
  f.regs[kCrlApbBase + kRpllCtrl] = ZuPll(72);
  f.regs[kCrfApbBase + kDpllCtrl] = ZuPll(64);
  for (int n = 0; n < 4; ++n) f.regs[kCrlApbBase + kPl0RefCtrl + 4 * n] = ZuClk(15, 1, 0);
  return f;
}

// A Pynq-Z2: ARM PLL 1300 (FDIV 26), DDR PLL 1050 (21), IO PLL 1000 (20); FCLKn IO / 10.
FakeRegs Zynq7000Board() {
  FakeRegs f;
  f.regs[kSlcrBase + kSlcrArmPllCtrl] = Z7Pll(26);
  f.regs[kSlcrBase + kSlcrDdrPllCtrl] = Z7Pll(21);
  f.regs[kSlcrBase + kSlcrIoPllCtrl] = Z7Pll(20);
  for (int n = 0; n < 4; ++n) f.regs[kSlcrBase + kSlcrFpga0ClkCtrl + 0x10 * n] = Z7Clk(10, 1, 0);
  return f;
}

TEST(PsClocks, Names) {
  EXPECT_STREQ(PsFamilyName(PsFamily::kZynqMP), "Zynq UltraScale+");
  EXPECT_STREQ(PsFamilyName(PsFamily::kZynq7000), "Zynq-7000");
}

TEST(PsClocks, PllRates) {
  EXPECT_NEAR(ZynqMpPllMhz(ZuPll(90)), 1499.985, 1e-9);
  EXPECT_NEAR(ZynqMpPllMhz(90u << 8), 2999.97, 1e-9);  // DIV2 clear
  EXPECT_EQ(ZynqMpPllMhz(0), 0.0);
  EXPECT_EQ(Zynq7000PllMhz(Z7Pll(20)), 1000.0);
  EXPECT_EQ(Zynq7000PllMhz(Z7Pll(26) | 0x18), 1300.0);  // bypass bits are not the divisor
}

TEST(PsClocks, ControlRegisterAddresses) {
  EXPECT_EQ(PlClockCtrlAddr(PsFamily::kZynqMP, 0), 0xFF5E00C0u);
  EXPECT_EQ(PlClockCtrlAddr(PsFamily::kZynqMP, 3), 0xFF5E00CCu);
  EXPECT_EQ(PlClockCtrlAddr(PsFamily::kZynq7000, 0), 0xF8000170u);
  EXPECT_EQ(PlClockCtrlAddr(PsFamily::kZynq7000, 3), 0xF80001A0u);
}

TEST(PsClocks, NearestDivisors) {
  PlClockDivisors d = NearestPlClockDivisors(1500, 100);
  EXPECT_EQ(d.div0, 15u);  // DIVISOR1 stays 1 where it can, as in PYNQ
  EXPECT_EQ(d.div1, 1u);
  EXPECT_EQ(d.mhz, 100.0);
  d = NearestPlClockDivisors(1500, 10);
  EXPECT_EQ(d.div0 * d.div1, 150u);
  EXPECT_EQ(d.div1, 3u);  // 150 needs DIVISOR1 > 2 with 6-bit DIVISOR0
  // Beyond the reach of 63 * 63: the slowest rate there is.
  d = NearestPlClockDivisors(1500, 0.001);
  EXPECT_EQ(d.div0, 63u);
  EXPECT_EQ(d.div1, 63u);
  // Faster than the source: undivided.
  d = NearestPlClockDivisors(1000, 2000);
  EXPECT_EQ(d.div0, 1u);
  EXPECT_EQ(d.div1, 1u);
  EXPECT_EQ(d.mhz, 1000.0);
  // Nearest in rate: 1500 / 7.5 lies between 214.3 (/7) and 187.5 (/8); 187.5 is nearer 200.
  d = NearestPlClockDivisors(1500, 200);
  EXPECT_EQ(d.div0, 8u);
}

TEST(PsClocks, ZynqMpBootValues) {
  FakeRegs f = ZynqMpBoard();
  for (int n = 0; n < 4; ++n) {
    Result<double> mhz = ReadPlClockMhz(PsFamily::kZynqMP, n, f.Reader());
    ASSERT_TRUE(mhz.ok()) << mhz.error().message;
    EXPECT_NEAR(mhz.value(), 99.999, 1e-9);
  }
}

TEST(PsClocks, ZynqMpSourceFollowsSrcsel) {
  FakeRegs f = ZynqMpBoard();
  const uint64_t pl1 = kCrlApbBase + kPl0RefCtrl + 4;
  f.regs[pl1] = ZuClk(12, 1, 2);  // RPLL / 12
  EXPECT_NEAR(ReadPlClockMhz(PsFamily::kZynqMP, 1, f.Reader()).value(), 99.999, 1e-9);
  f.regs[pl1] = ZuClk(4, 2, 3);  // DPLL / 8
  EXPECT_NEAR(ReadPlClockMhz(PsFamily::kZynqMP, 1, f.Reader()).value(), 1066.656 / 8, 1e-9);
  for (uint32_t reserved : {1u, 4u, 7u}) {
    f.regs[pl1] = ZuClk(15, 1, reserved);
    Result<double> r = ReadPlClockMhz(PsFamily::kZynqMP, 1, f.Reader());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::kUnsupported);
    EXPECT_NE(r.error().message.find("PL1_REF_CTRL at 0xFF5E00C4"), std::string::npos)
        << r.error().message;
    EXPECT_NE(r.error().message.find("SRCSEL " + std::to_string(reserved)), std::string::npos);
  }
}

TEST(PsClocks, ZynqMpPllFromAnotherReferenceIsUnsupported) {
  FakeRegs f = ZynqMpBoard();
  f.regs[kCrlApbBase + kIopllCtrl] = ZuPll(90) | (1u << 20);  // PRE_SRC = VIDEO_REF_CLK
  Result<double> r = ReadPlClockMhz(PsFamily::kZynqMP, 0, f.Reader());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnsupported);
  EXPECT_NE(r.error().message.find("IOPLL_CTRL at 0xFF5E0020"), std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find("PRE_SRC 1"), std::string::npos);
  EXPECT_FALSE(SetPlClockMhz(PsFamily::kZynqMP, 0, 100, f.Reader(), f.Writer()).ok());
  EXPECT_EQ(f.writes, 0);
}

TEST(PsClocks, ClockOffReadsZero) {
  FakeRegs f = ZynqMpBoard();
  const uint64_t pl0 = kCrlApbBase + kPl0RefCtrl;
  f.regs[pl0] = ZuClk(15, 1, 0, /*clkact=*/false);
  EXPECT_EQ(ReadPlClockMhz(PsFamily::kZynqMP, 0, f.Reader()).value(), 0.0);
  // Off wins over a reserved source: nothing runs, so nothing is unknown.
  f.regs[pl0] = ZuClk(15, 1, 1, /*clkact=*/false);
  EXPECT_EQ(ReadPlClockMhz(PsFamily::kZynqMP, 0, f.Reader()).value(), 0.0);
  f.regs[pl0] = ZuClk(0, 1, 0);
  EXPECT_EQ(ReadPlClockMhz(PsFamily::kZynqMP, 0, f.Reader()).value(), 0.0);
  f.regs[pl0] = ZuClk(15, 0, 0);
  EXPECT_EQ(ReadPlClockMhz(PsFamily::kZynqMP, 0, f.Reader()).value(), 0.0);

  FakeRegs z = Zynq7000Board();
  const uint64_t fclk2 = kSlcrBase + kSlcrFpga0ClkCtrl + 0x20;
  z.regs[fclk2] = Z7Clk(0, 1, 0);
  EXPECT_EQ(ReadPlClockMhz(PsFamily::kZynq7000, 2, z.Reader()).value(), 0.0);
  z.regs[fclk2] = Z7Clk(5, 0, 0);
  EXPECT_EQ(ReadPlClockMhz(PsFamily::kZynq7000, 2, z.Reader()).value(), 0.0);
}

TEST(PsClocks, ZynqMpSetKeepsOtherBitsAndSetsClkact) {
  FakeRegs f = ZynqMpBoard();
  const uint64_t pl2 = kCrlApbBase + kPl0RefCtrl + 8;
  // CLKACT off and a stray high bit: the write keeps the bit and turns the clock on.
  f.regs[pl2] = ZuClk(15, 1, 0, /*clkact=*/false) | (1u << 30);
  Result<double> set = SetPlClockMhz(PsFamily::kZynqMP, 2, 250, f.Reader(), f.Writer());
  ASSERT_TRUE(set.ok()) << set.error().message;
  EXPECT_NEAR(set.value(), 1499.985 / 6, 1e-9);
  EXPECT_EQ(f.regs[pl2], (1u << 30) | ZuClk(6, 1, 0));
  EXPECT_EQ(f.writes, 1);
  EXPECT_NEAR(ReadPlClockMhz(PsFamily::kZynqMP, 2, f.Reader()).value(), set.value(), 1e-12);
  // The other clocks and the PLLs are untouched.
  EXPECT_EQ(f.regs[kCrlApbBase + kPl0RefCtrl], ZuClk(15, 1, 0));
  EXPECT_EQ(f.regs[kCrlApbBase + kIopllCtrl], ZuPll(90));
}

TEST(PsClocks, ZynqMpSetDividesTheSelectedPll) {
  FakeRegs f = ZynqMpBoard();
  const uint64_t pl3 = kCrlApbBase + kPl0RefCtrl + 12;
  f.regs[pl3] = ZuClk(15, 1, 2);  // RPLL 1200
  Result<double> set = SetPlClockMhz(PsFamily::kZynqMP, 3, 200, f.Reader(), f.Writer());
  ASSERT_TRUE(set.ok()) << set.error().message;
  EXPECT_NEAR(set.value(), 1199.988 / 6, 1e-9);
  EXPECT_EQ(f.regs[pl3], ZuClk(6, 1, 2));  // SRCSEL kept
}

TEST(PsClocks, Zynq7000ReadsAndSets) {
  FakeRegs z = Zynq7000Board();
  for (int n = 0; n < 4; ++n) {
    EXPECT_EQ(ReadPlClockMhz(PsFamily::kZynq7000, n, z.Reader()).value(), 100.0);
  }
  const uint64_t fclk1 = kSlcrBase + kSlcrFpga0ClkCtrl + 0x10;
  z.regs[fclk1] = Z7Clk(13, 1, 1);  // SRCSEL 1 is the IO PLL too
  EXPECT_NEAR(ReadPlClockMhz(PsFamily::kZynq7000, 1, z.Reader()).value(), 1000.0 / 13, 1e-9);
  z.regs[fclk1] = Z7Clk(13, 1, 2);  // ARM PLL
  EXPECT_EQ(ReadPlClockMhz(PsFamily::kZynq7000, 1, z.Reader()).value(), 100.0);
  z.regs[fclk1] = Z7Clk(7, 3, 3);  // DDR PLL
  EXPECT_EQ(ReadPlClockMhz(PsFamily::kZynq7000, 1, z.Reader()).value(), 50.0);

  // Bits outside the fields (reserved, and SRCSEL) survive the write.
  z.regs[fclk1] = Z7Clk(10, 1, 0) | 0x3;
  Result<double> set = SetPlClockMhz(PsFamily::kZynq7000, 1, 40, z.Reader(), z.Writer());
  ASSERT_TRUE(set.ok()) << set.error().message;
  EXPECT_EQ(set.value(), 40.0);
  EXPECT_EQ(z.regs[fclk1], Z7Clk(25, 1, 0) | 0x3);
  EXPECT_EQ(ReadPlClockMhz(PsFamily::kZynq7000, 1, z.Reader()).value(), 40.0);
}

// PYNQ warns when the rate it reaches is more than 1% off; these common rates never are.
TEST(PsClocks, CommonRatesWithinPynqsOnePercent) {
  for (double mhz : {100.0, 50.0, 200.0, 125.0, 10.0}) {
    FakeRegs z = Zynq7000Board();
    Result<double> set = SetPlClockMhz(PsFamily::kZynq7000, 0, mhz, z.Reader(), z.Writer());
    ASSERT_TRUE(set.ok()) << set.error().message;
    EXPECT_NEAR(set.value(), mhz, 0.01 * mhz) << "Zynq-7000 " << mhz;
    EXPECT_EQ(ReadPlClockMhz(PsFamily::kZynq7000, 0, z.Reader()).value(), set.value());

    // ZynqMP: 200 MHz is out of IOPLL's 1% reach (1500 / 7.5), so it runs from RPLL.
    FakeRegs f = ZynqMpBoard();
    if (mhz == 200.0) f.regs[kCrlApbBase + kPl0RefCtrl] = ZuClk(15, 1, 2);
    set = SetPlClockMhz(PsFamily::kZynqMP, 0, mhz, f.Reader(), f.Writer());
    ASSERT_TRUE(set.ok()) << set.error().message;
    EXPECT_NEAR(set.value(), mhz, 0.01 * mhz) << "ZynqMP " << mhz;
    EXPECT_EQ(ReadPlClockMhz(PsFamily::kZynqMP, 0, f.Reader()).value(), set.value());
  }
}

TEST(PsClocks, BadIndexAndRate) {
  FakeRegs f = ZynqMpBoard();
  for (int index : {-1, 4}) {
    Result<double> r = ReadPlClockMhz(PsFamily::kZynqMP, index, f.Reader());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(r.error().message.find("PL clock " + std::to_string(index)), std::string::npos);
    r = SetPlClockMhz(PsFamily::kZynq7000, index, 100, f.Reader(), f.Writer());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  }
  for (double mhz : {0.0, -5.0, 1000.5, std::nan("")}) {
    Result<double> r = SetPlClockMhz(PsFamily::kZynqMP, 0, mhz, f.Reader(), f.Writer());
    ASSERT_FALSE(r.ok()) << mhz;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(r.error().message.find("(0, 1000] MHz"), std::string::npos) << r.error().message;
  }
  Result<double> r = SetPlClockMhz(PsFamily::kZynqMP, 1, 1500, f.Reader(), f.Writer());
  EXPECT_NE(r.error().message.find("PL clock 1 at 1500 MHz"), std::string::npos)
      << r.error().message;
  EXPECT_TRUE(SetPlClockMhz(PsFamily::kZynqMP, 0, 1000, f.Reader(), f.Writer()).ok());
  EXPECT_EQ(f.writes, 1);
}

TEST(PsClocks, RegisterErrorsPassThrough) {
  FakeRegs f = ZynqMpBoard();
  f.regs.erase(kCrfApbBase + kDpllCtrl);
  f.regs[kCrlApbBase + kPl0RefCtrl] = ZuClk(15, 1, 3);  // DPLL, now unreadable
  Result<double> r = ReadPlClockMhz(PsFamily::kZynqMP, 0, f.Reader());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kBusDecErr);
  EXPECT_EQ(r.error().addr, kCrfApbBase + kDpllCtrl);
  f.regs.erase(kCrlApbBase + kPl0RefCtrl);
  r = SetPlClockMhz(PsFamily::kZynqMP, 0, 100, f.Reader(), f.Writer());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kBusDecErr);
  EXPECT_EQ(r.error().addr, kCrlApbBase + kPl0RefCtrl);

  FakeRegs z = Zynq7000Board();
  WriteReg32 refuse = [](uint64_t addr, uint32_t) -> Status {
    return MakeError(ErrorCode::kBusSlvErr, "4-byte write at " + Hex(addr) + ": SLVERR", addr);
  };
  r = SetPlClockMhz(PsFamily::kZynq7000, 0, 50, z.Reader(), refuse);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kBusSlvErr);
  EXPECT_EQ(r.error().addr, kSlcrBase + kSlcrFpga0ClkCtrl);
}

TEST(PsClocks, SourcePllAtZeroCannotBeDivided) {
  FakeRegs z = Zynq7000Board();
  z.regs[kSlcrBase + kSlcrIoPllCtrl] = 0;
  Result<double> r = SetPlClockMhz(PsFamily::kZynq7000, 0, 100, z.Reader(), z.Writer());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnsupported);
  EXPECT_NE(r.error().message.find("IO_PLL_CTRL at 0xF8000108"), std::string::npos)
      << r.error().message;
  EXPECT_EQ(z.writes, 0);
}

TEST(PsClocks, Windows) {
  std::vector<AddressWindow> zu = PsClockWindows(PsFamily::kZynqMP);
  ASSERT_EQ(zu.size(), 2u);
  EXPECT_EQ(zu[0].name, "CRL_APB");
  EXPECT_EQ(zu[0].base, kCrlApbBase);
  EXPECT_EQ(zu[1].name, "CRF_APB");
  EXPECT_EQ(zu[1].base, kCrfApbBase);
  std::vector<AddressWindow> z7 = PsClockWindows(PsFamily::kZynq7000);
  ASSERT_EQ(z7.size(), 1u);
  EXPECT_EQ(z7[0].name, "SLCR");
  // Every register the clock code touches lies in a window.
  for (int n = 0; n < 4; ++n) {
    EXPECT_TRUE(zu[0].Contains(PlClockCtrlAddr(PsFamily::kZynqMP, n), 4));
    EXPECT_TRUE(z7[0].Contains(PlClockCtrlAddr(PsFamily::kZynq7000, n), 4));
  }
  EXPECT_TRUE(zu[0].Contains(kCrlApbBase + kIopllCtrl, 4));
  EXPECT_TRUE(zu[0].Contains(kCrlApbBase + kRpllCtrl, 4));
  EXPECT_TRUE(zu[1].Contains(kCrfApbBase + kDpllCtrl, 4));
  for (uint64_t off : {kSlcrArmPllCtrl, kSlcrDdrPllCtrl, kSlcrIoPllCtrl}) {
    EXPECT_TRUE(z7[0].Contains(kSlcrBase + off, 4));
  }
}

}  // namespace
}  // namespace pynq_remote
