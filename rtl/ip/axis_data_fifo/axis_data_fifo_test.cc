// pr_axis_data_fifo: beats come out in order with TKEEP/TLAST intact, under random gaps and
// back-pressure; it holds exactly DEPTH beats when the output is blocked; with neither gaps
// nor back-pressure a beat moves every cycle; busy only while a beat moves.
// Built for two parameter sets (CMakeLists.txt): MODEL, NUM_BYTES, DEPTH.
#include <gtest/gtest.h>

#include MODEL_HEADER
#include "tb.h"

namespace pynq_remote::tb {
namespace {

// PR_STREAM_PINS captures the model by reference: it needs a named reference, not a member.
StreamPins InPins(MODEL& m) { return PR_STREAM_PINS(m, s_axis_); }
StreamPins OutPins(MODEL& m) { return PR_STREAM_PINS(m, m_axis_); }

constexpr int kBytes = NUM_BYTES, kDepth = DEPTH;
constexpr uint64_t kDataMask = kBytes == 8 ? ~0ull : (1ull << (8 * kBytes)) - 1;
constexpr uint8_t kKeepMask = static_cast<uint8_t>((1u << kBytes) - 1);

class FifoTest : public ::testing::Test {
 protected:
  FifoTest() : clock_(model_), source_(InPins(model_)), sink_(OutPins(model_)) {
    clock_.Add(&source_);
    clock_.Add(&sink_);
    clock_.Reset();
  }
  std::vector<Beat> RandomBeats(size_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<Beat> beats(n);
    for (Beat& b : beats) {
      b.data = (static_cast<uint64_t>(rng()) << 32 | rng()) & kDataMask;
      b.keep = static_cast<uint8_t>(rng()) & kKeepMask;
      b.last = rng() % 5 == 0;
      source_.Push(b);
    }
    return beats;
  }
  MODEL model_;
  Clock<MODEL> clock_;
  StreamSource source_;
  StreamSink sink_;
};

TEST_F(FifoTest, OrderKeepAndLastUnderGapsAndBackpressure) {
  source_.set_gaps(0.3, 11);
  sink_.set_backpressure(0.5, 12);
  std::vector<Beat> sent = RandomBeats(3000, 13);
  clock_.RunUntil([&] { return sink_.beats().size() == sent.size(); }, 100000, "all beats");
  clock_.Run(10);
  EXPECT_EQ(sink_.beats(), sent);
  EXPECT_TRUE(sink_.violations().empty());
  EXPECT_EQ(model_.busy, 0);
}

TEST_F(FifoTest, HoldsDepthBeatsWhenBlockedThenDrains) {
  EXPECT_EQ(model_.busy, 0);
  EXPECT_EQ(model_.m_axis_tvalid, 0);
  sink_.set_backpressure(1.0);  // never ready
  std::vector<Beat> sent = RandomBeats(kDepth + 5, 21);
  clock_.Run(kDepth + 20);
  EXPECT_EQ(source_.pending(), 5u);  // exactly DEPTH taken
  EXPECT_EQ(model_.s_axis_tready, 0);
  EXPECT_EQ(model_.busy, 0);  // full and blocked: waiting is not busy
  EXPECT_TRUE(sink_.beats().empty());
  sink_.set_backpressure(0.0);
  clock_.RunUntil([&] { return sink_.beats().size() == sent.size(); }, 1000, "drain");
  EXPECT_EQ(sink_.beats(), sent);
  clock_.Run(2);
  EXPECT_EQ(model_.busy, 0);
  EXPECT_EQ(model_.s_axis_tready, 1);
}

TEST_F(FifoTest, OneBeatPerCycle) {
  const size_t n = 2000;
  std::vector<Beat> sent = RandomBeats(n, 31);
  const uint64_t cycles =
      clock_.RunUntil([&] { return sink_.beats().size() == n; }, 10000, "stream");
  EXPECT_LE(cycles, n + 2) << "a bubble in the FIFO";
  EXPECT_EQ(sink_.beats(), sent);
}

}  // namespace
}  // namespace pynq_remote::tb
