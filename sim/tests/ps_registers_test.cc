#include "ps/ps_registers.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace pynq_remote::sim
