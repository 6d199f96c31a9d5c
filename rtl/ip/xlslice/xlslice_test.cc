// pr_xlslice: Dout = Din[DIN_FROM:DIN_TO] (FROM, TO from CMakeLists.txt).
#include <gtest/gtest.h>

#include <random>

#include MODEL_HEADER

namespace {

TEST(XlsliceTest, PicksTheBits) {
  MODEL m;
  std::mt19937 rng(7);
  constexpr uint32_t kMask = FROM - TO == 31 ? ~0u : (1u << (FROM - TO + 1)) - 1;
  for (int i = 0; i < 500; ++i) {
    const uint32_t din = rng();
    m.Din = din;  // 16 or 32 bits: Verilator's SData/IData take the low bits
    m.eval();
    EXPECT_EQ(m.Dout, (static_cast<uint32_t>(m.Din) >> TO) & kMask);
    EXPECT_EQ(m.Dout, (din >> TO) & kMask);
  }
}

}  // namespace
