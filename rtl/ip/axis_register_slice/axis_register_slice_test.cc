// pr_axis_register_slice: beats pass in order with TKEEP/TLAST under random gaps and
// back-pressure; a beat every cycle when neither side stalls (the skid buffer's point); it
// holds exactly two beats when the consumer stops; no output follows an input within a cycle
// (every output is a flop); busy only while a beat moves.
// Built for two beat widths (CMakeLists.txt): MODEL, NUM_BYTES.
#include <gtest/gtest.h>

#include MODEL_HEADER
#include "tb.h"

namespace pynq_remote::tb {
namespace {

StreamPins InPins(MODEL& m) { return PR_STREAM_PINS(m, s_axis_); }
StreamPins OutPins(MODEL& m) { return PR_STREAM_PINS(m, m_axis_); }

constexpr int kBytes = NUM_BYTES;
constexpr uint64_t kDataMask = kBytes == 8 ? ~0ull : (1ull << (8 * kBytes)) - 1;
constexpr uint8_t kKeepMask = static_cast<uint8_t>((1u << kBytes) - 1);

class RegisterSliceTest : public ::testing::Test {
 protected:
  RegisterSliceTest() : clock_(model_), source_(InPins(model_)), sink_(OutPins(model_)) {
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
      b.last = rng() % 4 == 0;
      source_.Push(b);
    }
    return beats;
  }
  MODEL model_;
  Clock<MODEL> clock_;
  StreamSource source_;
  StreamSink sink_;
};

TEST_F(RegisterSliceTest, OrderKeepAndLastUnderGapsAndBackpressure) {
  for (auto [gap, stall] : {std::pair{0.3, 0.5}, {0.0, 0.7}, {0.6, 0.1}}) {
    source_.set_gaps(gap, 41);
    sink_.set_backpressure(stall, 42);
    const size_t before = sink_.beats().size();
    std::vector<Beat> sent = RandomBeats(2000, 43);
    clock_.RunUntil([&] { return sink_.beats().size() == before + sent.size(); }, 100000,
                    "all beats");
    EXPECT_EQ(std::vector<Beat>(sink_.beats().begin() + before, sink_.beats().end()), sent)
        << "gaps " << gap << ", back-pressure " << stall;
  }
  clock_.Run(5);
  EXPECT_TRUE(sink_.violations().empty());
  EXPECT_EQ(model_.busy, 0);
  EXPECT_EQ(model_.m_axis_tvalid, 0);
}

TEST_F(RegisterSliceTest, OneBeatPerCycle) {
  const size_t n = 1000;
  std::vector<Beat> sent = RandomBeats(n, 51);
  const uint64_t cycles =
      clock_.RunUntil([&] { return sink_.beats().size() == n; }, 10000, "stream");
  EXPECT_LE(cycles, n + 2) << "a bubble in the slice";
  EXPECT_EQ(sink_.beats(), sent);
}

TEST_F(RegisterSliceTest, HoldsTwoBeatsWhenBlockedThenDrains) {
  sink_.set_backpressure(1.0);
  std::vector<Beat> sent = RandomBeats(6, 61);
  clock_.Run(20);
  EXPECT_EQ(source_.pending(), 4u);  // the output register and the skid register
  EXPECT_EQ(model_.s_axis_tready, 0);
  EXPECT_EQ(model_.m_axis_tvalid, 1);
  EXPECT_EQ(model_.busy, 0);  // blocked: waiting, not busy
  sink_.set_backpressure(0.0);
  clock_.RunUntil([&] { return sink_.beats().size() == sent.size(); }, 100, "drain");
  EXPECT_EQ(sink_.beats(), sent);
}

TEST_F(RegisterSliceTest, NoCombinationalPathThroughTheSlice) {
  // Fill the output register, then flip each side's inputs without a clock edge: the other
  // side's outputs must not move (they come from flops).
  sink_.set_backpressure(1.0);
  RandomBeats(1, 71);
  clock_.Run(5);
  ASSERT_EQ(model_.m_axis_tvalid, 1);
  const uint8_t ready = model_.s_axis_tready;
  const auto data = model_.m_axis_tdata;
  for (int v : {1, 0, 1}) {
    model_.m_axis_tready = v;
    model_.s_axis_tvalid = v;
    model_.s_axis_tdata = v ? kDataMask : 0;
    model_.eval();
    EXPECT_EQ(model_.s_axis_tready, ready);
    EXPECT_EQ(model_.m_axis_tvalid, 1);
    EXPECT_EQ(model_.m_axis_tdata, data);
  }
}

}  // namespace
}  // namespace pynq_remote::tb
