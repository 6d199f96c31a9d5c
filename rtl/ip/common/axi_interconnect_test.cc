// pr_axi_interconnect (common/axi_interconnect.v) with N masters in front of the test-bench
// memory: every read beat and write response reaches the master that asked for it, bursts of
// several masters interleave (reads and writes at once, memory stalls, masters that hold back
// RREADY/BREADY/WVALID, W offered before AW), the grants go round-robin (masters that all keep
// asking are served in turn; none waits for more than N - 1 other bursts), and the memory
// sees only well-formed bursts. One binary per configuration (CMakeLists.txt: MODEL,
// N_MASTERS, DATA_BYTES).
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include MODEL_HEADER
#include "tb.h"

namespace pynq_remote::tb {
namespace {

constexpr int kN = N_MASTERS;
constexpr int kBytes = DATA_BYTES;  // one beat
constexpr int kAw = 40;

// Bit fields of a packed per-master vector, whatever type Verilator gave it.
template <typename T>
bool GetBit(const T& v, int i) {
  return (v >> i) & 1;
}
template <std::size_t W>
bool GetBit(const VlWide<W>& v, int i) {
  return (v.at(i / 32) >> (i % 32)) & 1;
}
template <typename T>
void PutBit(T& v, int i, bool b) {
  if (b) {
    v |= static_cast<T>(1) << i;
  } else {
    v &= ~(static_cast<T>(1) << i);
  }
}
template <std::size_t W>
void PutBit(VlWide<W>& v, int i, bool b) {
  if (b) {
    v.at(i / 32) |= 1u << (i % 32);
  } else {
    v.at(i / 32) &= ~(1u << (i % 32));
  }
}
template <typename T>
uint64_t Field(const T& v, int lsb, int width) {
  uint64_t out = 0;
  for (int i = width - 1; i >= 0; --i) out = out << 1 | GetBit(v, lsb + i);
  return out;
}
template <typename T>
void PutField(T& v, int lsb, int width, uint64_t x) {
  for (int i = 0; i < width; ++i) PutBit(v, lsb + i, (x >> i) & 1);
}

// Which master the port granted, in order: one entry per AR (reads) or AW (writes) handshake.
struct GrantLog {
  std::vector<int> reads, writes;
};

// One AXI4 master on slice `id` of the interconnect's s_* vectors. It keeps up to two reads
// outstanding (the arbiter still serves one burst at a time), checks that R beats and B
// responses come only while it waits for them, and records what it received.
class Master : public Agent {
 public:
  struct Burst {
    uint64_t addr;
    int beats;
    std::vector<uint8_t> data;  // writes: beats * kBytes bytes
    int aw_delay = 0;           // writes: cycles W is offered before AWVALID
  };

  Master(MODEL& m, int id, GrantLog& log, uint32_t seed) : m_(m), id_(id), log_(log), rng_(seed) {}

  void set_hesitation(double p) { hesitate_ = p; }
  void Read(uint64_t addr, int beats) { reads_.push_back({addr, beats, {}}); }
  void Write(const Burst& b) { writes_.push_back(b); }
  bool done() const {
    return reads_.empty() && in_flight_.empty() && writes_.empty() && w_queue_.empty() &&
           b_due_ == 0;
  }
  const std::vector<std::vector<uint8_t>>& read_data() const { return read_data_; }
  int writes_done() const { return writes_done_; }
  int max_grants_waited() const { return max_waited_; }
  const std::vector<std::string>& violations() const { return violations_; }

  void Drive() override {
    // AR: once valid, held until taken
    if (!ar_hold_) ar_offer_ = !reads_.empty() && in_flight_.size() < 2;
    PutBit(m_.s_arvalid, id_, ar_offer_);
    if (ar_offer_) {
      PutField(m_.s_araddr, id_ * kAw, kAw, reads_.front().addr);
      PutField(m_.s_arlen, id_ * 8, 8, reads_.front().beats - 1);
      PutField(m_.s_arsize, id_ * 3, 3, __builtin_ctz(kBytes));
      PutField(m_.s_arburst, id_ * 2, 2, 1);
    }
    PutBit(m_.s_rready, id_, !Chance());
    // AW after its burst's W has been offered for aw_delay cycles (W may lead AW)
    if (!aw_hold_) {
      aw_offer_ = !writes_.empty() && w_queue_.size() < 2 &&
                  (!w_queue_.empty() || w_started_ >= writes_.front().aw_delay);
    }
    PutBit(m_.s_awvalid, id_, aw_offer_);
    if (aw_offer_) {
      PutField(m_.s_awaddr, id_ * kAw, kAw, writes_.front().addr);
      PutField(m_.s_awlen, id_ * 8, 8, writes_.front().beats - 1);
      PutField(m_.s_awsize, id_ * 3, 3, __builtin_ctz(kBytes));
      PutField(m_.s_awburst, id_ * 2, 2, 1);
    }
    // W of the oldest burst not fully written: the one whose AW went, or the next one early
    const Burst* w =
        w_queue_.empty() ? (writes_.empty() ? nullptr : &writes_.front()) : &w_queue_.front();
    if (!w_hold_) w_offer_ = w != nullptr && !Chance();
    PutBit(m_.s_wvalid, id_, w_offer_);
    if (w_offer_) {
      for (int k = 0; k < kBytes; ++k) {
        PutField(m_.s_wdata, (id_ * kBytes + k) * 8, 8, w->data[w_beat_ * kBytes + k]);
      }
      PutField(m_.s_wstrb, id_ * kBytes, kBytes, (1ull << kBytes) - 1);
      PutBit(m_.s_wlast, id_, w_beat_ == w->beats - 1);
    }
    PutBit(m_.s_bready, id_, !Chance());
  }

  void Sample() override {
    ar_ = ar_offer_ && GetBit(m_.s_arready, id_);
    aw_ = aw_offer_ && GetBit(m_.s_awready, id_);
    w_ = w_offer_ && GetBit(m_.s_wready, id_);
    r_ = GetBit(m_.s_rvalid, id_) && GetBit(m_.s_rready, id_);
    r_valid_ = GetBit(m_.s_rvalid, id_);
    b_ = GetBit(m_.s_bvalid, id_) && GetBit(m_.s_bready, id_);
    b_valid_ = GetBit(m_.s_bvalid, id_);
    if (r_) {
      rbeat_.resize(kBytes);
      for (int k = 0; k < kBytes; ++k) {
        rbeat_[k] = static_cast<uint8_t>(Field(m_.s_rdata, 8 * k, 8));
      }
      rlast_ = m_.s_rlast;
      rresp_ = m_.s_rresp;
    }
    bresp_ = m_.s_bresp;
  }

  void Update() override {
    // fairness: grants to others while this master's request waited
    if (ar_offer_ && !ar_) {
      if (ar_wait_from_ < 0) ar_wait_from_ = static_cast<int>(log_.reads.size());
    }
    if (ar_) {
      if (ar_wait_from_ >= 0) {
        max_waited_ = std::max(max_waited_, static_cast<int>(log_.reads.size()) - ar_wait_from_);
      }
      ar_wait_from_ = -1;
      log_.reads.push_back(id_);
      in_flight_.push_back(reads_.front());
      reads_.pop_front();
    }
    ar_hold_ = ar_offer_ && !ar_;
    if (r_valid_ && in_flight_.empty()) Violation("R beat with no read outstanding");
    if (r_ && !in_flight_.empty()) {
      if (rresp_ != 0) Violation("RRESP " + std::to_string(rresp_));
      current_.insert(current_.end(), rbeat_.begin(), rbeat_.end());
      const bool last_expected =
          static_cast<int>(current_.size()) == in_flight_.front().beats * kBytes;
      if (rlast_ != last_expected) Violation("RLAST " + std::to_string(rlast_) + " misplaced");
      if (last_expected) {
        read_data_.push_back(current_);
        current_.clear();
        in_flight_.pop_front();
      }
    }
    // writes
    if (aw_wait_from_ < 0 && aw_offer_ && !aw_) {
      aw_wait_from_ = static_cast<int>(log_.writes.size());
    }
    if (aw_) {
      if (aw_wait_from_ >= 0) {
        max_waited_ = std::max(max_waited_, static_cast<int>(log_.writes.size()) - aw_wait_from_);
      }
      aw_wait_from_ = -1;
      log_.writes.push_back(id_);
      w_queue_.push_back(writes_.front());
      writes_.pop_front();
      ++aw_sent_;
    }
    aw_hold_ = aw_offer_ && !aw_;
    if (w_offer_) ++w_started_;
    if (w_) {
      const Burst& w = w_queue_.empty() ? writes_.front() : w_queue_.front();
      if (++w_beat_ == w.beats) {
        w_beat_ = 0;
        w_started_ = 0;
        ++b_due_;
        if (!w_queue_.empty()) {
          w_queue_.pop_front();
        } else {
          Violation("a whole burst written before its AW");  // the arbiter waits for AW
        }
      }
    }
    w_hold_ = w_offer_ && !w_;
    if (b_valid_ && b_due_ == 0) Violation("B response with no write outstanding");
    if (b_ && b_due_ > 0) {
      if (bresp_ != 0) Violation("BRESP " + std::to_string(bresp_));
      --b_due_;
      ++writes_done_;
    }
  }

 private:
  bool Chance() {
    return hesitate_ > 0 && std::uniform_real_distribution<>(0, 1)(rng_) < hesitate_;
  }
  void Violation(const std::string& what) {
    violations_.push_back("master " + std::to_string(id_) + ": " + what);
  }

  MODEL& m_;
  int id_;
  GrantLog& log_;
  std::mt19937 rng_;
  double hesitate_ = 0;
  std::deque<Burst> reads_, in_flight_, writes_, w_queue_;
  bool ar_offer_ = false, ar_hold_ = false, aw_offer_ = false, aw_hold_ = false;
  bool w_offer_ = false, w_hold_ = false;
  bool ar_ = false, aw_ = false, w_ = false, r_ = false, r_valid_ = false, b_ = false,
       b_valid_ = false, rlast_ = false;
  uint8_t rresp_ = 0, bresp_ = 0;
  std::vector<uint8_t> rbeat_, current_;
  std::vector<std::vector<uint8_t>> read_data_;
  int w_beat_ = 0, w_started_ = 0, b_due_ = 0, writes_done_ = 0, aw_sent_ = 0;
  int ar_wait_from_ = -1, aw_wait_from_ = -1, max_waited_ = 0;
  std::vector<std::string> violations_;
};

uint8_t Pattern(uint64_t addr) { return static_cast<uint8_t>(addr * 7 + (addr >> 8) * 13 + 1); }

class InterconnectTest : public ::testing::Test {
 protected:
  InterconnectTest()
      : clock_(model_),
        rd_(PR_AXI4_READ_PINS(model_, m_)),
        wr_(PR_AXI4_WRITE_PINS(model_, m_)),
        memory_(&rd_, &wr_) {
    for (int i = 0; i < kN; ++i) {
      masters_.emplace_back(new Master(model_, i, log_, 100 + i));
    }
    for (auto& m : masters_) clock_.Add(m.get());
    clock_.Add(&memory_);
    clock_.Reset();
  }
  ~InterconnectTest() override {
    EXPECT_TRUE(memory_.violations().empty()) << memory_.violations().front();
    for (auto& m : masters_) {
      EXPECT_TRUE(m->violations().empty()) << m->violations().front();
    }
  }

  static uint64_t ReadBase(int master) { return 0x10000000ull + 0x100000ull * master; }
  static uint64_t WriteBase(int master) { return 0x20000000ull + 0x100000ull * master; }
  void Preload(uint64_t addr, size_t n) {
    for (size_t i = 0; i < n; ++i) memory_.SetByte(addr + i, Pattern(addr + i));
  }
  std::vector<uint8_t> Expected(uint64_t addr, size_t n) {
    std::vector<uint8_t> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = Pattern(addr + i);
    return v;
  }
  void RunAll(uint64_t budget = 200000) {
    clock_.RunUntil(
        [&] {
          for (auto& m : masters_) {
            if (!m->done()) return false;
          }
          return true;
        },
        budget, "all masters done");
  }

  MODEL model_;
  Clock<MODEL> clock_;
  Axi4ReadPins rd_;
  Axi4WritePins wr_;
  Axi4Memory memory_;
  GrantLog log_;
  std::vector<std::unique_ptr<Master>> masters_;
};

TEST_F(InterconnectTest, ReadsGoBackToTheirMasterInTurn) {
  constexpr int kBursts = 12;
  for (int i = 0; i < kN; ++i) {
    Preload(ReadBase(i), kBursts * 16 * kBytes);
    for (int b = 0; b < kBursts; ++b) masters_[i]->Read(ReadBase(i) + b * 16 * kBytes, 16);
  }
  RunAll();
  ASSERT_EQ(log_.reads.size(), static_cast<size_t>(kN * kBursts));
  // All keep asking, so the port serves them strictly in turn, master 0 first.
  for (size_t g = 0; g < log_.reads.size(); ++g) {
    EXPECT_EQ(log_.reads[g], static_cast<int>(g % kN)) << "grant " << g;
  }
  for (int i = 0; i < kN; ++i) {
    const auto& got = masters_[i]->read_data();
    ASSERT_EQ(got.size(), static_cast<size_t>(kBursts)) << "master " << i;
    for (int b = 0; b < kBursts; ++b) {
      EXPECT_EQ(got[b], Expected(ReadBase(i) + b * 16 * kBytes, 16 * kBytes))
          << "master " << i << " burst " << b;
    }
  }
}

TEST_F(InterconnectTest, WritesLandFromTheirMasterInTurn) {
  constexpr int kBursts = 10;
  for (int i = 0; i < kN; ++i) {
    for (int b = 0; b < kBursts; ++b) {
      Master::Burst w{WriteBase(i) + b * 16 * kBytes, 16, {}};
      for (int k = 0; k < 16 * kBytes; ++k) {
        w.data.push_back(static_cast<uint8_t>(i * 64 + b * 5 + k));
      }
      masters_[i]->Write(w);
    }
  }
  RunAll();
  ASSERT_EQ(log_.writes.size(), static_cast<size_t>(kN * kBursts));
  for (size_t g = 0; g < log_.writes.size(); ++g) {
    EXPECT_EQ(log_.writes[g], static_cast<int>(g % kN)) << "grant " << g;
  }
  for (int i = 0; i < kN; ++i) {
    EXPECT_EQ(masters_[i]->writes_done(), kBursts) << "B responses of master " << i;
    for (int b = 0; b < kBursts; ++b) {
      const auto got = memory_.Read(WriteBase(i) + b * 16 * kBytes, 16 * kBytes);
      for (int k = 0; k < 16 * kBytes; ++k) {
        ASSERT_EQ(got[k], static_cast<uint8_t>(i * 64 + b * 5 + k))
            << "master " << i << " burst " << b << " byte " << k;
      }
    }
  }
}

// Reads and writes of every master at once, random burst lengths, W offered ahead of AW,
// memory stalls and masters that hold back their READYs and WVALID.
TEST_F(InterconnectTest, InterleavedBurstsUnderStalls) {
  memory_.set_stall(0.3, 7);
  std::mt19937 rng(11);
  std::vector<std::vector<std::pair<uint64_t, int>>> reads(kN);
  std::vector<std::vector<Master::Burst>> writes(kN);
  for (int i = 0; i < kN; ++i) {
    masters_[i]->set_hesitation(0.25);
    Preload(ReadBase(i), 0x10000);
    uint64_t ra = ReadBase(i), wa = WriteBase(i);
    const int n = 20 + i * 3;  // unequal amounts of work
    for (int b = 0; b < n; ++b) {
      const int beats = 1 + static_cast<int>(rng() % 16);
      masters_[i]->Read(ra, beats);
      reads[i].push_back({ra, beats});
      ra += 0x100;
      Master::Burst w{wa, 1 + static_cast<int>(rng() % 16), {}, static_cast<int>(rng() % 3)};
      for (int k = 0; k < w.beats * kBytes; ++k) w.data.push_back(static_cast<uint8_t>(rng()));
      masters_[i]->Write(w);
      writes[i].push_back(w);
      wa += 0x100;
    }
  }
  RunAll(1000000);
  for (int i = 0; i < kN; ++i) {
    const auto& got = masters_[i]->read_data();
    ASSERT_EQ(got.size(), reads[i].size()) << "master " << i;
    for (size_t b = 0; b < got.size(); ++b) {
      EXPECT_EQ(got[b], Expected(reads[i][b].first, reads[i][b].second * kBytes))
          << "master " << i << " read " << b;
    }
    EXPECT_EQ(masters_[i]->writes_done(), static_cast<int>(writes[i].size()));
    for (const auto& w : writes[i]) {
      EXPECT_EQ(memory_.Read(w.addr, w.data.size()), w.data)
          << "master " << i << " write at " << Hex(w.addr);
    }
    // round-robin: a waiting master sees at most N - 1 other bursts granted before its own
    EXPECT_LE(masters_[i]->max_grants_waited(), kN - 1) << "master " << i;
  }
  // Both directions were busy together: reads and writes interleaved on the port.
  EXPECT_EQ(log_.reads.size(), log_.writes.size());
}

// A master alone on the port is served back to back; a late one gets the next turn.
TEST_F(InterconnectTest, LateMasterGetsTheNextTurn) {
  Preload(ReadBase(0), 0x4000);
  Preload(ReadBase(kN - 1), 0x4000);
  for (int b = 0; b < 8; ++b) masters_[0]->Read(ReadBase(0) + b * 0x100, 16);
  clock_.RunUntil([&] { return log_.reads.size() >= 3; }, 10000, "master 0 under way");
  masters_[kN - 1]->Read(ReadBase(kN - 1), 4);
  RunAll();
  // master 0 holds the port; once the late one asks, it gets the burst after the current one
  size_t late = 0;
  for (size_t g = 0; g < log_.reads.size(); ++g) {
    if (log_.reads[g] == kN - 1) late = g;
  }
  EXPECT_LE(late, 5u) << "the late master waited for " << late << " grants";
  EXPECT_EQ(masters_[kN - 1]->read_data().at(0), Expected(ReadBase(kN - 1), 4 * kBytes));
  EXPECT_EQ(masters_[0]->read_data().size(), 8u);
}

}  // namespace
}  // namespace pynq_remote::tb
