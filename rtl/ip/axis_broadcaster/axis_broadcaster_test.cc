// pr_axis_broadcaster: every master gets every beat exactly once, in order, with TKEEP and
// TLAST, whatever each master's readiness (no beat duplicated to a master that took it early,
// none lost to one that is slow); the slave side waits for the slowest master; masters beyond
// NUM_MI stay idle; busy only while a beat moves.
// Built for two parameter sets (CMakeLists.txt): MODEL, NUM_MI, NUM_BYTES.
#include <gtest/gtest.h>

#include <memory>

#include MODEL_HEADER
#include "tb.h"

namespace pynq_remote::tb {
namespace {

constexpr int kMi = NUM_MI, kBytes = NUM_BYTES;
constexpr uint64_t kDataMask = kBytes == 8 ? ~0ull : (1ull << (8 * kBytes)) - 1;
constexpr uint8_t kKeepMask = static_cast<uint8_t>((1u << kBytes) - 1);

StreamPins InPins(MODEL& m) { return PR_STREAM_PINS(m, s_axis_); }
std::vector<StreamPins> OutPins(MODEL& m) {
  return {PR_STREAM_PINS(m, m00_axis_), PR_STREAM_PINS(m, m01_axis_), PR_STREAM_PINS(m, m02_axis_),
          PR_STREAM_PINS(m, m03_axis_), PR_STREAM_PINS(m, m04_axis_), PR_STREAM_PINS(m, m05_axis_),
          PR_STREAM_PINS(m, m06_axis_), PR_STREAM_PINS(m, m07_axis_)};
}

class BroadcasterTest : public ::testing::Test {
 protected:
  BroadcasterTest() : clock_(model_), source_(InPins(model_)) {
    clock_.Add(&source_);
    std::vector<StreamPins> pins = OutPins(model_);
    for (int i = 0; i < 8; ++i) {
      sinks_.push_back(std::make_unique<StreamSink>(pins[i]));
      clock_.Add(sinks_.back().get());  // the unused ones too: they keep TREADY high
    }
    clock_.Reset();
  }
  std::vector<Beat> RandomBeats(size_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<Beat> beats(n);
    for (Beat& b : beats) {
      b.data = (static_cast<uint64_t>(rng()) << 32 | rng()) & kDataMask;
      b.keep = static_cast<uint8_t>(rng()) & kKeepMask;
      b.last = rng() % 6 == 0;
      source_.Push(b);
    }
    return beats;
  }
  bool AllHave(size_t n) const {
    for (int i = 0; i < kMi; ++i) {
      if (sinks_[i]->beats().size() < n) return false;
    }
    return true;
  }
  MODEL model_;
  Clock<MODEL> clock_;
  StreamSource source_;
  std::vector<std::unique_ptr<StreamSink>> sinks_;
};

TEST_F(BroadcasterTest, EveryMasterGetsEveryBeatOnceWhateverItsReadiness) {
  source_.set_gaps(0.2, 81);
  // Each master its own back-pressure: from always ready to mostly stalled.
  for (int i = 0; i < kMi; ++i) sinks_[i]->set_backpressure(0.1 * i, 90 + i);
  std::vector<Beat> sent = RandomBeats(3000, 82);
  clock_.RunUntil([&] { return AllHave(sent.size()); }, 200000, "every master");
  clock_.Run(20);
  for (int i = 0; i < kMi; ++i) {
    EXPECT_EQ(sinks_[i]->beats(), sent) << "master " << i;
    EXPECT_TRUE(sinks_[i]->violations().empty()) << "master " << i;
  }
  for (int i = kMi; i < 8; ++i) EXPECT_TRUE(sinks_[i]->beats().empty()) << "master " << i;
  EXPECT_EQ(model_.busy, 0);
}

TEST_F(BroadcasterTest, OneStalledMasterHoldsTheSlaveButOthersGetTheBeatOnce) {
  sinks_[kMi - 1]->set_backpressure(1.0);
  std::vector<Beat> sent = RandomBeats(3, 101);
  clock_.Run(30);
  for (int i = 0; i < kMi - 1; ++i) {
    ASSERT_EQ(sinks_[i]->beats().size(), 1u) << "master " << i << " took the first beat";
    EXPECT_EQ(sinks_[i]->beats()[0], sent[0]);
    EXPECT_EQ(*OutPins(model_)[i].valid, 0) << "master " << i << " sees the beat again";
  }
  EXPECT_TRUE(sinks_[kMi - 1]->beats().empty());
  EXPECT_EQ(source_.pending(), 3u);  // the first beat has not left: one master lacks it
  EXPECT_EQ(model_.s_axis_tready, 0);
  EXPECT_EQ(model_.busy, 0);  // waiting for a master is not busy
  sinks_[kMi - 1]->set_backpressure(0.0);
  clock_.RunUntil([&] { return AllHave(sent.size()); }, 100, "release");
  clock_.Run(5);
  for (int i = 0; i < kMi; ++i) EXPECT_EQ(sinks_[i]->beats(), sent) << "master " << i;
}

TEST_F(BroadcasterTest, OneBeatPerCycleWhenAllReady) {
  const size_t n = 500;
  std::vector<Beat> sent = RandomBeats(n, 111);
  const uint64_t cycles = clock_.RunUntil([&] { return AllHave(n); }, 5000, "stream");
  EXPECT_LE(cycles, n + 1);
  for (int i = 0; i < kMi; ++i) EXPECT_EQ(sinks_[i]->beats(), sent) << "master " << i;
}

}  // namespace
}  // namespace pynq_remote::tb
