// pr_axis_dwidth_converter, one binary per width pair (CMakeLists.txt: MODEL, S_BYTES,
// M_BYTES): random packets of random byte lengths under random gaps and back-pressure come
// out byte for byte, M bytes a beat, the packet's last byte on a TLAST beat whose TKEEP
// covers exactly the bytes left; input TKEEP drops null bytes; the narrower side moves a beat
// every cycle; busy only while a beat moves.
#include <gtest/gtest.h>

#include MODEL_HEADER
#include "tb.h"

namespace pynq_remote::tb {
namespace {

// PR_STREAM_PINS captures the model by reference: it needs a named reference, not a member.
StreamPins InPins(MODEL& m) { return PR_STREAM_PINS(m, s_axis_); }
StreamPins OutPins(MODEL& m) { return PR_STREAM_PINS(m, m_axis_); }

constexpr int kS = S_BYTES, kM = M_BYTES;

class ConverterTest : public ::testing::Test {
 protected:
  ConverterTest() : clock_(model_), source_(InPins(model_)), sink_(OutPins(model_)) {
    clock_.Add(&source_);
    clock_.Add(&sink_);
    clock_.Reset();
  }
  // Input beats of one packet; with `sparse`, some beats carry null bytes (TKEEP 0 there).
  void SendPacket(const std::vector<uint8_t>& bytes, std::mt19937& rng, bool sparse) {
    size_t i = 0;
    while (i < bytes.size()) {
      Beat b;
      b.data = 0;
      b.keep = 0;
      for (int lane = 0; lane < kS && i < bytes.size(); ++lane) {
        if (sparse && rng() % 4 == 0) continue;  // a null byte in this lane
        b.data |= static_cast<uint64_t>(bytes[i++]) << (8 * lane);
        b.keep |= 1 << lane;
      }
      b.last = i == bytes.size();
      source_.Push(b);
    }
  }
  static std::vector<Beat> Expected(const std::vector<uint8_t>& bytes) {
    std::vector<Beat> out;
    for (size_t i = 0; i < bytes.size(); i += kM) {
      Beat b;
      b.data = 0;
      b.keep = 0;
      for (int lane = 0; lane < kM && i + lane < bytes.size(); ++lane) {
        b.data |= static_cast<uint64_t>(bytes[i + lane]) << (8 * lane);
        b.keep |= 1 << lane;
      }
      b.last = i + kM >= bytes.size();
      out.push_back(b);
    }
    return out;
  }
  void RunRandom(double gaps, double backpressure, bool sparse, uint32_t seed) {
    std::mt19937 rng(seed);
    source_.set_gaps(gaps, seed + 1);
    sink_.set_backpressure(backpressure, seed + 2);
    std::vector<Beat> expected;
    for (int p = 0; p < 300; ++p) {
      std::vector<uint8_t> bytes(1 + rng() % (p % 10 == 0 ? 200 : 20));
      for (uint8_t& x : bytes) x = static_cast<uint8_t>(rng());
      SendPacket(bytes, rng, sparse);
      for (const Beat& b : Expected(bytes)) expected.push_back(b);
    }
    clock_.RunUntil([&] { return sink_.beats().size() >= expected.size() && source_.empty(); },
                    200000, "all packets");
    clock_.Run(20);
    ASSERT_EQ(sink_.beats().size(), expected.size());
    for (size_t i = 0; i < expected.size(); ++i) {
      ASSERT_EQ(sink_.beats()[i], expected[i])
          << "beat " << i << ": got data " << Hex(sink_.beats()[i].data) << " keep "
          << Hex(sink_.beats()[i].keep) << " last " << sink_.beats()[i].last << ", want "
          << Hex(expected[i].data) << " keep " << Hex(expected[i].keep) << " last "
          << expected[i].last;
    }
    EXPECT_TRUE(sink_.violations().empty());
    EXPECT_EQ(model_.busy, 0);
  }
  MODEL model_;
  Clock<MODEL> clock_;
  StreamSource source_;
  StreamSink sink_;
};

TEST_F(ConverterTest, RandomPacketsNoStalls) { RunRandom(0, 0, false, 100); }
TEST_F(ConverterTest, RandomPacketsGapsAndBackpressure) { RunRandom(0.3, 0.4, false, 200); }
TEST_F(ConverterTest, RandomPacketsHeavyBackpressure) { RunRandom(0.1, 0.8, false, 300); }
TEST_F(ConverterTest, NullBytesDropped) { RunRandom(0.2, 0.3, true, 400); }

TEST_F(ConverterTest, NarrowerSideMovesEveryCycle) {
  const size_t n = kS * kM * 400;  // whole beats on both sides
  std::vector<uint8_t> bytes(n);
  for (size_t i = 0; i < n; ++i) bytes[i] = static_cast<uint8_t>(i * 13 + 1);
  std::mt19937 rng(5);
  SendPacket(bytes, rng, false);
  const std::vector<Beat> expected = Expected(bytes);
  const uint64_t cycles =
      clock_.RunUntil([&] { return sink_.beats().size() == expected.size(); }, 100000, "stream");
  const uint64_t ideal = n / std::min(kS, kM);
  std::printf("%d->%d: %zu bytes in %llu cycles (ideal %llu)\n", kS, kM, n,
              static_cast<unsigned long long>(cycles), static_cast<unsigned long long>(ideal));
  EXPECT_LE(cycles, ideal + 4);
  EXPECT_EQ(sink_.beats(), expected);
}

TEST_F(ConverterTest, HeldBytesWaitingForTheConsumerAreNotBusy) {
  EXPECT_EQ(model_.busy, 0);
  sink_.set_backpressure(1.0);
  Beat b;
  b.data = 0x0102030405060708ull;
  b.keep = static_cast<uint8_t>((1u << kS) - 1);
  b.last = true;
  source_.Push(b);
  clock_.Run(5);
  EXPECT_EQ(model_.busy, 0);  // holding a beat the consumer refuses is waiting, not work
  EXPECT_EQ(model_.m_axis_tvalid, 1);
  sink_.set_backpressure(0);
  clock_.Run(5);
  EXPECT_EQ(model_.busy, 0);
  ASSERT_FALSE(sink_.beats().empty());
  EXPECT_TRUE(sink_.beats().back().last);
}

}  // namespace
}  // namespace pynq_remote::tb
