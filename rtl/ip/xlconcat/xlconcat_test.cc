// pr_xlconcat: dout = {In<NUM_PORTS-1>, .., In1, In0}, In0 in the low bits; inputs from
// In<NUM_PORTS> up do not reach dout. CONFIG 1: widths 1, 5, 7; CONFIG 2: 32 one-bit inputs
// (the interrupt concat of a PYNQ overlay).
#include <gtest/gtest.h>

#include <random>

#include MODEL_HEADER

namespace {

TEST(XlconcatTest, ConcatenatesInOrderLowFirst) {
  MODEL m;
  std::mt19937 rng(5);
#if CONFIG == 1
  static_assert(sizeof(m.dout) == 2, "dout is 13 bits");
  for (int i = 0; i < 500; ++i) {
    const uint32_t a = rng() & 1, b = rng() & 0x1F, c = rng() & 0x7F;
    m.In0 = a;
    m.In1 = b;
    m.In2 = c;
    m.In3 = rng() & 1;  // beyond NUM_PORTS: ignored
    m.In31 = rng() & 1;
    m.eval();
    EXPECT_EQ(m.dout, c << 6 | b << 1 | a);
  }
#else
  for (int i = 0; i < 500; ++i) {
    const uint32_t bits = rng();
    CData* in[32] = {&m.In0,  &m.In1,  &m.In2,  &m.In3,  &m.In4,  &m.In5,  &m.In6,  &m.In7,
                     &m.In8,  &m.In9,  &m.In10, &m.In11, &m.In12, &m.In13, &m.In14, &m.In15,
                     &m.In16, &m.In17, &m.In18, &m.In19, &m.In20, &m.In21, &m.In22, &m.In23,
                     &m.In24, &m.In25, &m.In26, &m.In27, &m.In28, &m.In29, &m.In30, &m.In31};
    for (int b = 0; b < 32; ++b) *in[b] = bits >> b & 1;
    m.eval();
    EXPECT_EQ(m.dout, bits);
  }
#endif
}

}  // namespace
