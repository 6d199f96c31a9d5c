#include "ps/ps_registers.h"

#include <gtest/gtest.h>

#include <cmath>

#include "device/ps_clocks.h"

namespace pynq_remote::sim {
namespace {

TEST(PsRegisters, BootValuesGiveAHundredMegahertz) {
  PsRegisters ps;
  uint64_t iopll = 0, pl0 = 0;
  ASSERT_TRUE(ps.Read(kCrlApbBase + kIopllCtrl, 4, &iopll));
  EXPECT_NEAR(ZynqMpPllMhz(static_cast<uint32_t>(iopll)), 1500.0, 0.1);
  ASSERT_TRUE(ps.Read(kCrlApbBase + kPl0RefCtrl, 4, &pl0));
  EXPECT_EQ(pl0, 0x01010F00u);
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(ps.PlClockMhz(i), 100.0, 0.01);
  // The PLLs PYNQ reads are all non-zero (a zero makes the client divide by zero).
  for (uint64_t off : {kApllCtrl, kDpllCtrl, kVpllCtrl, kAcpuCtrl}) {
    uint64_t v = 0;
    ASSERT_TRUE(ps.Read(kCrfApbBase + off, 4, &v));
    EXPECT_NE(v, 0u) << off;
  }
  uint64_t axi_fs = 0;
  ASSERT_TRUE(ps.Read(0xFD615000, 4, &axi_fs));
  EXPECT_EQ(axi_fs, 0xA00u);
}

TEST(PsRegisters, SetPlClockWritesDivisors) {
  PsRegisters ps;
  ASSERT_TRUE(ps.SetPlClock(0, 250.0));
  EXPECT_NEAR(ps.PlClockMhz(0), 250.0, 0.1);
  ASSERT_TRUE(ps.SetPlClock(1, 50.0));
  EXPECT_NEAR(ps.PlClockMhz(1), 50.0, 0.1);
  // Writing the register directly is what the PYNQ client does.
  ASSERT_TRUE(ps.Write(kCrlApbBase + kPl0RefCtrl, 4, 0x01010A00));  // 1500 / 10
  EXPECT_NEAR(ps.PlClockMhz(0), 150.0, 0.1);
  ASSERT_TRUE(ps.Write(kCrlApbBase + kPl0RefCtrl, 4, 0x00010A00));  // CLKACT off
  EXPECT_EQ(ps.PlClockMhz(0), 0.0);
}

TEST(PsRegisters, AfifmAndSlcrAreReadWrite) {
  PsRegisters ps;
  for (uint64_t base : {0xFD360000ull, 0xFD3B0000ull, 0xFF9B0000ull}) {
    ASSERT_TRUE(ps.Write(base + 0x14, 4, 1));
    uint64_t v = 9;
    ASSERT_TRUE(ps.Read(base + 0x14, 4, &v));
    EXPECT_EQ(v, 1u);
  }
  uint64_t v;
  EXPECT_FALSE(ps.Read(0xFD3C0000, 4, &v));
}

// PYNQ's Zynq-7000 clock math (pynq/ps.py), restated: a PLL is PS_CLK (50 MHz) * PLL_FDIV;
// FPGAn_CLK_CTRL's SRCSEL 0/1 pick the IO PLL, 2 the ARM PLL, 3 the DDR PLL; the PL clock is
// round(pll / DIVISOR0 / DIVISOR1, 6).
double PynqZynq7000PlClock(const PsRegisters& ps, int index) {
  uint64_t ctrl = 0, pll = 0;
  EXPECT_TRUE(ps.Read(kSlcrBase + kSlcrFpga0ClkCtrl + 0x10 * index, 4, &ctrl));
  const uint64_t plls[] = {kSlcrIoPllCtrl, kSlcrIoPllCtrl, kSlcrArmPllCtrl, kSlcrDdrPllCtrl};
  EXPECT_TRUE(ps.Read(kSlcrBase + plls[(ctrl >> 4) & 3], 4, &pll));
  const double pll_mhz = 50.0 * ((pll >> 12) & 0x7F);
  const double div0 = (ctrl >> 8) & 0x3F, div1 = (ctrl >> 20) & 0x3F;
  return std::round(pll_mhz / (div0 * div1) * 1e6) / 1e6;
}

TEST(PsRegistersZynq7000, BootValuesAreAPynqZ2s) {
  PsRegisters ps(PsFamily::kZynq7000);
  EXPECT_EQ(ps.family(), PsFamily::kZynq7000);
  uint64_t v = 0;
  ASSERT_TRUE(ps.Read(kSlcrBase + kSlcrIoPllCtrl, 4, &v));
  EXPECT_EQ(Zynq7000PllMhz(static_cast<uint32_t>(v)), 1000.0);
  ASSERT_TRUE(ps.Read(kSlcrBase + kSlcrFpga0ClkCtrl, 4, &v));
  EXPECT_EQ(v, 0x00100A00u);  // IO PLL / 10 / 1
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(ps.PlClockMhz(i), 100.0) << i;
    EXPECT_EQ(PynqZynq7000PlClock(ps, i), 100.0) << i;
  }
  // The CPU clock PYNQ reads: ARM_CLK_CTRL SRCSEL 0 (ARM PLL), DIVISOR 2.
  uint64_t arm_clk = 0, arm_pll = 0;
  ASSERT_TRUE(ps.Read(kSlcrBase + kSlcrArmClkCtrl, 4, &arm_clk));
  ASSERT_TRUE(ps.Read(kSlcrBase + kSlcrArmPllCtrl, 4, &arm_pll));
  EXPECT_EQ((arm_clk >> 4) & 3, 0u);
  EXPECT_EQ(Zynq7000PllMhz(static_cast<uint32_t>(arm_pll)) / ((arm_clk >> 8) & 0x3F), 650.0);
  ASSERT_TRUE(ps.Read(kSlcrBase + kSlcrDdrPllCtrl, 4, &v));
  EXPECT_NE((v >> 12) & 0x7F, 0u);
  // No ZynqMP page answers on a Zynq-7000, and the other way round.
  EXPECT_FALSE(ps.Read(kCrlApbBase + kPl0RefCtrl, 4, &v));
  EXPECT_FALSE(ps.Read(0xFD615000, 4, &v));
  EXPECT_FALSE(PsRegisters().Read(kSlcrBase + kSlcrFpga0ClkCtrl, 4, &v));
}

TEST(PsRegistersZynq7000, SetAndReadBackAsPynqComputes) {
  PsRegisters ps(PsFamily::kZynq7000);
  // 1000 / 20 = 50, 1000 / 10 = 100, 1000 / 7 = 142.857143: what PYNQ's fclk setters ask for.
  const struct {
    int index;
    double mhz, expect;
  } cases[] = {{0, 50.0, 50.0}, {1, 100.0, 100.0}, {2, 142.86, 142.857143}, {3, 200.0, 200.0}};
  for (const auto& c : cases) {
    const uint64_t before = ps.clock_generation();
    ASSERT_TRUE(ps.SetPlClock(c.index, c.mhz)) << c.mhz;
    EXPECT_GT(ps.clock_generation(), before);
    EXPECT_EQ(PynqZynq7000PlClock(ps, c.index), c.expect) << c.mhz;
    EXPECT_NEAR(ps.PlClockMhz(c.index), c.expect, 1e-6) << c.mhz;
  }
  // The divisors PYNQ would have written for 50 MHz: DIVISOR0 20, DIVISOR1 1.
  uint64_t ctrl = 0;
  ASSERT_TRUE(ps.Read(kSlcrBase + kSlcrFpga0ClkCtrl, 4, &ctrl));
  EXPECT_EQ(ctrl, 0x00101400u);
  // The client's own write of FPGA1_CLK_CTRL (IO PLL / 5 / 2 = 100 MHz) moves the clock too.
  const uint64_t before = ps.clock_generation();
  ASSERT_TRUE(ps.Write(kSlcrBase + kSlcrFpga0ClkCtrl + 0x10, 4, 0x00200500));
  EXPECT_GT(ps.clock_generation(), before);
  EXPECT_EQ(ps.PlClockMhz(1), 100.0);
  // From the ARM PLL (SRCSEL 2): 1300 / 13 = 100.
  ASSERT_TRUE(ps.Write(kSlcrBase + kSlcrFpga0ClkCtrl + 0x20, 4, 0x00100D20));
  EXPECT_EQ(ps.PlClockMhz(2), 100.0);
  EXPECT_EQ(PynqZynq7000PlClock(ps, 2), 100.0);
  EXPECT_FALSE(ps.SetPlClock(4, 100.0));
}

TEST(PsRegistersZynq7000, AfiWidthRegistersAreReadWrite) {
  PsRegisters ps(PsFamily::kZynq7000);
  for (int n = 0; n < 4; ++n) {
    const uint64_t afi = kAfi0Base + 0x1000ull * n;
    uint64_t rd = 9, wr = 9;
    ASSERT_TRUE(ps.Read(afi + kAfiRdChanCtrl, 4, &rd));
    ASSERT_TRUE(ps.Read(afi + kAfiWrChanCtrl, 4, &wr));
    EXPECT_EQ(rd & 1, 0u);  // 32BitEn clear: 64-bit
    EXPECT_EQ(wr, 0xF00u);
    ASSERT_TRUE(ps.Write(afi + kAfiRdChanCtrl, 4, 1));  // 32-bit
    ASSERT_TRUE(ps.Read(afi + kAfiRdChanCtrl, 4, &rd));
    EXPECT_EQ(rd, 1u);
  }
  uint64_t v = 0;
  EXPECT_FALSE(ps.Read(kAfi0Base + 0x4000, 4, &v));
  // Reset to the other family and back: boot values again.
  ps.Reset(PsFamily::kZynqMP);
  EXPECT_EQ(ps.family(), PsFamily::kZynqMP);
  EXPECT_FALSE(ps.Read(kAfi0Base, 4, &v));
  EXPECT_NEAR(ps.PlClockMhz(0), 100.0, 0.01);
  ps.Reset(PsFamily::kZynq7000);
  ASSERT_TRUE(ps.Read(kAfi0Base + kAfiRdChanCtrl, 4, &v));
  EXPECT_EQ(v, 0u);
}

}  // namespace
}  // namespace pynq_remote::sim
