// pr_axis_switch (PG085 AXI4-Stream Switch). Built twice (CMakeLists.txt):
//   ROUTING 0: 3 SIs, 2 MIs by TDEST: every beat reaches the MI its TDEST names, in order per
//              SI, packets never interleave on an MI; a TDEST naming no MI is dropped without
//              blocking its SI.
//   ROUTING 1: 3 SIs, 4 MIs by the control registers, written as PYNQ's
//              pynq/lib/axiswitch.py StreamSwitch writes them (every MI_MUX, then CTRL = 0x2):
//              reset state, read-back, double buffering, the commit's soft reset, lowest MI
//              wins a shared SI, disabled MIs.
// The beat's data says where it came from: SI in bits 31:28, TDEST 27:24, sequence 23:0.
#include <gtest/gtest.h>

#include <deque>
#include <memory>

#include MODEL_HEADER
#include "tb.h"

namespace pynq_remote::tb {
namespace {

constexpr int kSi = NUM_SI, kMi = NUM_MI;
constexpr uint32_t kCtrl = 0x00, kMux0 = 0x40, kDisable = 0x80000000u;

std::vector<StreamPins> SiPins(MODEL& m) {
  return {PR_STREAM_PINS(m, s00_axis_), PR_STREAM_PINS(m, s01_axis_), PR_STREAM_PINS(m, s02_axis_),
          PR_STREAM_PINS(m, s03_axis_), PR_STREAM_PINS(m, s04_axis_), PR_STREAM_PINS(m, s05_axis_),
          PR_STREAM_PINS(m, s06_axis_), PR_STREAM_PINS(m, s07_axis_)};
}
std::vector<StreamPins> MiPins(MODEL& m) {
  return {PR_STREAM_PINS(m, m00_axis_), PR_STREAM_PINS(m, m01_axis_), PR_STREAM_PINS(m, m02_axis_),
          PR_STREAM_PINS(m, m03_axis_), PR_STREAM_PINS(m, m04_axis_), PR_STREAM_PINS(m, m05_axis_),
          PR_STREAM_PINS(m, m06_axis_), PR_STREAM_PINS(m, m07_axis_)};
}
std::vector<CData*> SiDest(MODEL& m) {
  return {&m.s00_axis_tdest, &m.s01_axis_tdest, &m.s02_axis_tdest, &m.s03_axis_tdest,
          &m.s04_axis_tdest, &m.s05_axis_tdest, &m.s06_axis_tdest, &m.s07_axis_tdest};
}

/// A StreamSource that also drives TDEST, from its own queue kept in step with the beats.
class DestSource : public Agent {
 public:
  DestSource(StreamPins pins, CData* tdest) : source_(std::move(pins)), tdest_(tdest) {}
  void Push(const Beat& b, uint8_t dest) {
    source_.Push(b);
    dests_.push_back(dest);
  }
  StreamSource& source() { return source_; }
  void Drive() override {
    source_.Drive();
    *tdest_ = dests_.empty() ? 0 : dests_.front();
  }
  void Sample() override { source_.Sample(); }
  void Update() override {
    const size_t before = source_.pending();
    source_.Update();
    if (source_.pending() < before) dests_.pop_front();
  }

 private:
  StreamSource source_;
  CData* tdest_;
  std::deque<uint8_t> dests_;
};

uint64_t Tag(int si, int dest, uint32_t seq) {
  return static_cast<uint64_t>(si) << 28 | static_cast<uint64_t>(dest) << 24 | seq;
}
int SiOf(const Beat& b) { return static_cast<int>(b.data >> 28 & 0xF); }
int DestOf(const Beat& b) { return static_cast<int>(b.data >> 24 & 0xF); }

class SwitchTest : public ::testing::Test {
 protected:
  SwitchTest() : clock_(model_), bus_(clock_, PR_AXIL_PINS(model_, s_axi_ctrl_)) {
    std::vector<StreamPins> si = SiPins(model_), mi = MiPins(model_);
    std::vector<CData*> dest = SiDest(model_);
    for (int i = 0; i < 8; ++i) {
      sources_.push_back(std::make_unique<DestSource>(si[i], dest[i]));
      clock_.Add(sources_.back().get());
      sinks_.push_back(std::make_unique<StreamSink>(mi[i]));
      clock_.Add(sinks_.back().get());
    }
    clock_.Reset();
  }

  /// Queues `packets` packets of 1..5 beats on SI `si`, each to a destination from `dests`;
  /// returns the beats sent.
  std::vector<Beat> Packets(int si, int packets, const std::vector<int>& dests, uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<Beat> sent;
    for (int p = 0; p < packets; ++p) {
      const int dest = dests[rng() % dests.size()];
      const int len = 1 + rng() % 5;
      for (int b = 0; b < len; ++b) {
        Beat beat{Tag(si, dest, seq_[si]++), static_cast<uint8_t>(rng() & 0xF), b == len - 1};
        sources_[si]->Push(beat, static_cast<uint8_t>(dest));
        sent.push_back(beat);
      }
    }
    return sent;
  }
  size_t Received() const {
    size_t n = 0;
    for (const auto& s : sinks_) n += s->beats().size();
    return n;
  }
  /// Every MI's beats in whole packets, each packet from one SI; returns for each (SI, MI)
  /// the beats that went that way, in order.
  std::map<std::pair<int, int>, std::vector<Beat>> Split() {
    std::map<std::pair<int, int>, std::vector<Beat>> out;
    for (int m = 0; m < 8; ++m) {
      const std::vector<Beat>& beats = sinks_[m]->beats();
      int packet_si = -1;
      for (const Beat& b : beats) {
        if (packet_si >= 0) {
          EXPECT_EQ(SiOf(b), packet_si) << "MI " << m << ": packets interleave";
        }
        packet_si = b.last ? -1 : SiOf(b);
        out[{SiOf(b), m}].push_back(b);
      }
      EXPECT_EQ(packet_si, -1) << "MI " << m << " ends inside a packet";
      EXPECT_TRUE(sinks_[m]->violations().empty()) << "MI " << m;
    }
    return out;
  }
  void Write(uint32_t addr, uint32_t data) { ASSERT_EQ(bus_.Write(addr, data), 0); }

  MODEL model_;
  Clock<MODEL> clock_;
  AxiLiteMaster<MODEL> bus_;
  std::vector<std::unique_ptr<DestSource>> sources_;
  std::vector<std::unique_ptr<StreamSink>> sinks_;
  uint32_t seq_[8] = {};
};

#if ROUTING == 0  // ---- by TDEST ---------------------------------------------------------------

TEST_F(SwitchTest, EveryBeatReachesItsTdestInWholePackets) {
  std::vector<Beat> sent[kSi];
  size_t total = 0;
  for (int s = 0; s < kSi; ++s) {
    sources_[s]->source().set_gaps(0.2 * s, 200 + s);
    sent[s] = Packets(s, 300, {0, 1}, 300 + s);
    total += sent[s].size();
  }
  for (int m = 0; m < kMi; ++m) sinks_[m]->set_backpressure(0.3 + 0.3 * m, 400 + m);
  clock_.RunUntil([&] { return Received() == total; }, 200000, "every beat");
  clock_.Run(10);
  EXPECT_EQ(Received(), total);
  auto routes = Split();
  for (int s = 0; s < kSi; ++s) {
    for (int m = 0; m < kMi; ++m) {
      std::vector<Beat> want;
      for (const Beat& b : sent[s]) {
        if (DestOf(b) == m) want.push_back(b);
      }
      EXPECT_EQ(routes[std::make_pair(s, m)], want) << "SI " << s << " -> MI " << m;
    }
  }
  EXPECT_EQ(model_.busy, 0);
}

TEST_F(SwitchTest, BothMisServeAtOnce) {
  // SI 0 to MI 0 and SI 1 to MI 1, neither stalled: two beats per cycle after the grants.
  std::vector<Beat> a = Packets(0, 1, {0}, 1), b = Packets(1, 1, {1}, 2);
  for (int i = 0; i < 200; ++i) {
    Beat x{Tag(0, 0, seq_[0]++), 0xF, i == 199};
    sources_[0]->Push(x, 0);
    Beat y{Tag(1, 1, seq_[1]++), 0xF, i == 199};
    sources_[1]->Push(y, 1);
  }
  const size_t total = a.size() + b.size() + 400;
  const uint64_t cycles = clock_.RunUntil([&] { return Received() == total; }, 2000, "both");
  EXPECT_LE(cycles, 200 + 12u);
}

TEST_F(SwitchTest, TdestNamingNoMiIsDroppedWithoutBlocking) {
  Beat lost{Tag(2, 7, 0), 0xF, true};
  sources_[2]->Push(lost, 7);  // no MI 7 on a 2-MI switch
  Beat kept{Tag(2, 1, 1), 0xF, true};
  sources_[2]->Push(kept, 1);
  clock_.RunUntil([&] { return Received() == 1; }, 100, "the beat after the dropped one");
  clock_.Run(5);
  EXPECT_TRUE(sources_[2]->source().empty());
  EXPECT_TRUE(sinks_[0]->beats().empty());
  ASSERT_EQ(sinks_[1]->beats().size(), 1u);
  EXPECT_EQ(sinks_[1]->beats()[0], kept);
}

TEST_F(SwitchTest, GrantHeldUntilTlast) {
  // SI 0 starts a packet to MI 0 and pauses mid-packet; SI 1's packet to MI 0 must wait.
  Beat first{Tag(0, 0, 0), 0xF, false};
  sources_[0]->Push(first, 0);
  clock_.Run(10);
  Packets(1, 1, {0}, 5);
  clock_.Run(30);
  ASSERT_EQ(sinks_[0]->beats().size(), 1u);  // SI 1 waits for SI 0's TLAST
  Beat end{Tag(0, 0, 1), 0xF, true};
  sources_[0]->Push(end, 0);
  clock_.RunUntil([&] { return sources_[1]->source().empty(); }, 100, "SI 1 after TLAST");
  clock_.Run(5);
  EXPECT_EQ(sinks_[0]->beats()[1], end);
  Split();
}

#else  // ---- by control registers -------------------------------------------------------------

// PYNQ's StreamSwitch._populate_routing: every MI_MUX, then the commit.
void Route(AxiLiteMaster<MODEL>& bus, const std::vector<int64_t>& mi) {
  for (int i = 0; i < kMi; ++i) {
    const uint32_t v = i < static_cast<int>(mi.size()) && mi[i] >= 0 ? mi[i] : kDisable;
    ASSERT_EQ(bus.Write(kMux0 + 4 * i, v), 0);
  }
  ASSERT_EQ(bus.Write(kCtrl, 0x2), 0);
}

TEST_F(SwitchTest, ResetStateEveryMiDisabledNothingFlows) {
  EXPECT_EQ(bus_.Read32(kCtrl), 0u);
  for (int i = 0; i < kMi; ++i) EXPECT_EQ(bus_.Read32(kMux0 + 4 * i), kDisable) << i;
  EXPECT_EQ(bus_.Read32(kMux0 + 4 * kMi), 0u);  // beyond NUM_MI: reserved
  Packets(0, 2, {0}, 7);
  clock_.Run(50);
  EXPECT_EQ(Received(), 0u);
  EXPECT_EQ(model_.s00_axis_tready, 0);
  EXPECT_EQ(model_.busy, 0);
}

TEST_F(SwitchTest, PynqExampleRoutesAndReadsBack) {
  // The docstring's example: [-1, 2, 1, 0]: MI 0 disabled, SI 2 -> MI 1, SI 1 -> MI 2,
  // SI 0 -> MI 3.
  Route(bus_, {-1, 2, 1, 0});
  EXPECT_EQ(bus_.Read32(kMux0), kDisable);
  EXPECT_EQ(bus_.Read32(kMux0 + 4), 2u);
  EXPECT_EQ(bus_.Read32(kMux0 + 8), 1u);
  EXPECT_EQ(bus_.Read32(kMux0 + 12), 0u);
  clock_.RunUntil([&] { return bus_.Read32(kCtrl) == 0; }, 100, "commit done");
  std::vector<Beat> sent[kSi];
  size_t total = 0;
  for (int s = 0; s < kSi; ++s) {
    sources_[s]->source().set_gaps(0.3, 500 + s);
    sent[s] = Packets(s, 100, {0}, 600 + s);  // TDEST is ignored in this mode
    total += sent[s].size();
  }
  for (int m = 0; m < kMi; ++m) sinks_[m]->set_backpressure(0.4, 700 + m);
  clock_.RunUntil([&] { return Received() == total; }, 100000, "every beat");
  auto routes = Split();
  EXPECT_EQ(routes[std::make_pair(2, 1)], sent[2]);
  EXPECT_EQ(routes[std::make_pair(1, 2)], sent[1]);
  EXPECT_EQ(routes[std::make_pair(0, 3)], sent[0]);
  EXPECT_TRUE(sinks_[0]->beats().empty());
}

TEST_F(SwitchTest, CommitIsDoubleBufferedAndSoftResets) {
  Route(bus_, {0});
  clock_.Run(20);
  ASSERT_EQ(bus_.Read32(kCtrl), 0u);
  Write(kMux0, 1);  // not committed: SI 0 still goes to MI 0
  Packets(0, 1, {0}, 9);
  Packets(1, 1, {0}, 10);
  clock_.Run(30);
  EXPECT_EQ(sinks_[0]->beats().size(), Received());
  EXPECT_TRUE(sources_[0]->source().empty());
  EXPECT_FALSE(sources_[1]->source().empty());
  const size_t before = Received();
  ASSERT_EQ(bus_.Write(kCtrl, 0x2), 0);
  EXPECT_EQ(bus_.Read32(kCtrl), 0x2u);  // soft reset in progress
  EXPECT_EQ(model_.s01_axis_tready, 0);
  clock_.RunUntil([&] { return bus_.Read32(kCtrl) == 0; }, 100, "commit done");
  clock_.RunUntil([&] { return sources_[1]->source().empty(); }, 100, "SI 1 now routed");
  EXPECT_GT(Received(), before);
  Split();
}

TEST_F(SwitchTest, LowestMiWinsASharedSi) {
  Route(bus_, {-1, 2, 2, 2});  // SI 2 asked for by MIs 1, 2, 3: MI 1 gets it
  clock_.Run(20);
  std::vector<Beat> sent = Packets(2, 20, {0}, 11);
  clock_.RunUntil([&] { return Received() == sent.size(); }, 1000, "SI 2");
  clock_.Run(10);
  EXPECT_EQ(sinks_[1]->beats(), sent);
  EXPECT_TRUE(sinks_[2]->beats().empty());
  EXPECT_TRUE(sinks_[3]->beats().empty());
}

TEST_F(SwitchTest, StrobesAndUnselectedSiHeld) {
  ASSERT_EQ(bus_.Write(kMux0 + 4, 0x80000003u, 0x1), 0);  // low byte only: bit 31 untouched
  EXPECT_EQ(bus_.Read32(kMux0 + 4), kDisable | 3u);
  ASSERT_EQ(bus_.Write(kMux0 + 4, 0x00000000u, 0x8), 0);  // high byte: enable
  EXPECT_EQ(bus_.Read32(kMux0 + 4), 3u);
  ASSERT_EQ(bus_.Write(kCtrl, 0x2), 0);
  clock_.Run(30);
  Packets(0, 1, {0}, 13);  // SI 0: no MI selects it
  clock_.Run(30);
  EXPECT_EQ(Received(), 0u);
  EXPECT_FALSE(sources_[0]->source().empty());
}

#endif

}  // namespace
}  // namespace pynq_remote::tb
