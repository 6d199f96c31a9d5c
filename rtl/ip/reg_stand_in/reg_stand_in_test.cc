// pr_reg_stand_in: every word 0 after reset, reads back what was written with byte strobes
// honoured, words independent of each other; offsets at or beyond 4*WORDS read 0, ignore
// writes and answer OKAY; busy stays 0. Built for WORDS 64 and 5 (CMakeLists.txt).
#include <gtest/gtest.h>

#include <random>

#include MODEL_HEADER
#include "tb.h"

namespace pynq_remote::tb {
namespace {

constexpr uint32_t kWords = WORDS;

class StandInTest : public ::testing::Test {
 protected:
  StandInTest() : clock_(model_), bus_(clock_, PR_AXIL_PINS(model_, s_axi_)) { clock_.Reset(); }
  void Write(uint32_t addr, uint32_t data, uint8_t strb = 0xF) {
    ASSERT_EQ(bus_.Write(addr, data, strb), AxiLiteMaster<MODEL>::kOkay) << Hex(addr);
  }
  uint32_t Read(uint32_t addr) { return bus_.Read32(addr); }
  MODEL model_;
  Clock<MODEL> clock_;
  AxiLiteMaster<MODEL> bus_;
};

TEST_F(StandInTest, ZeroAfterReset) {
  for (uint32_t w = 0; w < kWords; ++w) EXPECT_EQ(Read(4 * w), 0u) << w;
  EXPECT_EQ(model_.busy, 0);
}

TEST_F(StandInTest, EveryWordKeepsWhatWasWritten) {
  std::mt19937 rng(17);
  std::vector<uint32_t> want(kWords);
  for (uint32_t w = 0; w < kWords; ++w) Write(4 * w, want[w] = rng());
  for (uint32_t w = 0; w < kWords; ++w) EXPECT_EQ(Read(4 * w), want[w]) << w;
  // random strobed writes against a model
  for (int i = 0; i < 400; ++i) {
    const uint32_t w = rng() % kWords, data = rng();
    const uint8_t strb = rng() & 0xF;
    Write(4 * w, data, strb);
    for (int b = 0; b < 4; ++b) {
      if (strb >> b & 1) want[w] = (want[w] & ~(0xFFu << 8 * b)) | (data & 0xFFu << 8 * b);
    }
    EXPECT_EQ(Read(4 * w), want[w]) << "word " << w << " strobes " << int(strb);
  }
  EXPECT_EQ(model_.busy, 0);
  clock_.Reset();  // and reset clears them again
  for (uint32_t w = 0; w < kWords; ++w) EXPECT_EQ(Read(4 * w), 0u) << w;
}

TEST_F(StandInTest, BeyondTheWordsReadsZeroIgnoresWritesOkay) {
  Write(0, 0x11111111);
  for (uint32_t addr : {4 * kWords, 4 * kWords + 4, 4 * kWords * 2, 0x1000u}) {
    EXPECT_EQ(bus_.Write(addr, 0xDEADBEEF), AxiLiteMaster<MODEL>::kOkay) << Hex(addr);
    const auto r = bus_.Read(addr);
    EXPECT_EQ(r.resp, AxiLiteMaster<MODEL>::kOkay) << Hex(addr);
    EXPECT_EQ(r.data, 0u) << Hex(addr);
  }
  EXPECT_EQ(Read(0), 0x11111111u);          // no alias wrote word 0
  Write(4 * (kWords - 1) + 2, 0x22222222);  // the byte-in-word bits are ignored
  EXPECT_EQ(Read(4 * (kWords - 1)), 0x22222222u);
}

}  // namespace
}  // namespace pynq_remote::tb
