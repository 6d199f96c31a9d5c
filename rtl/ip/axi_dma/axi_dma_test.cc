// pr_axi_dma (Direct Register mode, PG021) against the test-bench toolkit: register reset
// values and access types, soft reset, MM2S of many lengths and start alignments checked byte
// for byte on the stream (TKEEP/TLAST), S2MM ending at TLAST or at LENGTH, both channels
// looped back, memory stalls and stream back-pressure, DECERR from the memory (status bits,
// halt, interrupt, recovery by soft reset), soft reset of channels stuck on their streams or
// waiting for the memory, DMAIntErr, interrupts, and the throughput of a long loopback. One
// binary per stream and memory-map width (CMakeLists.txt: MODEL, STREAM_BYTES, MEMORY_BYTES).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

#include MODEL_HEADER
#include "tb.h"

namespace pynq_remote::tb {
namespace {

constexpr int kNb = STREAM_BYTES;
constexpr int kMb = MEMORY_BYTES;  // memory-map beat
constexpr uint32_t kMm2sCr = 0x00, kMm2sSr = 0x04, kMm2sSa = 0x18, kMm2sSaMsb = 0x1C,
                   kMm2sLen = 0x28, kS2mmCr = 0x30, kS2mmSr = 0x34, kS2mmDa = 0x48,
                   kS2mmDaMsb = 0x4C, kS2mmLen = 0x58;
constexpr uint32_t kRs = 1u << 0, kReset = 1u << 2, kIocEn = 1u << 12, kErrEn = 1u << 14;
constexpr uint32_t kHalted = 1u << 0, kIdle = 1u << 1, kIntErr = 1u << 4, kSlvErr = 1u << 5,
                   kDecErr = 1u << 6, kIocIrq = 1u << 12, kErrIrq = 1u << 14;
// The memory answers DECERR outside [0, kWindow): the top 256 MiB of the 40-bit space.
constexpr uint64_t kWindow = (1ull << 40) - (1ull << 28);

StreamPins Mm2sPins(MODEL& m) { return PR_STREAM_PINS(m, m_axis_mm2s_); }

// Drives the S2MM stream input: either queued beats (like StreamSource, with gaps) or, in
// loopback mode, the MM2S stream output (MM2S TREADY follows S2MM TREADY; optional random
// stalls gate both). Added after the MM2S sink so its TREADY wins in loopback mode.
class S2mmDriver : public Agent {
 public:
  explicit S2mmDriver(MODEL& m) : m_(m) {}
  void Push(const Beat& b) { queue_.push_back(b); }
  void set_gaps(double p, uint32_t seed = 7) { gap_ = p, rng_.seed(seed); }
  void set_loopback(bool on) { loopback_ = on; }
  size_t pending() const { return queue_.size(); }
  void Clear() { queue_.clear(), offer_ = holding_ = false; }  // only while TREADY is low
  uint64_t taken() const { return taken_count_; }

  void Drive() override {
    const bool stall = gap_ > 0 && std::uniform_real_distribution<double>(0, 1)(rng_) < gap_;
    if (loopback_) {
      m_.s_axis_s2mm_tvalid = m_.m_axis_mm2s_tvalid && !stall;
      m_.s_axis_s2mm_tdata = m_.m_axis_mm2s_tdata;
      m_.s_axis_s2mm_tkeep = m_.m_axis_mm2s_tkeep;
      m_.s_axis_s2mm_tlast = m_.m_axis_mm2s_tlast;
      m_.m_axis_mm2s_tready = m_.s_axis_s2mm_tready && !stall;
      return;
    }
    if (!holding_) offer_ = !queue_.empty() && !stall;
    m_.s_axis_s2mm_tvalid = offer_;
    if (offer_) {
      m_.s_axis_s2mm_tdata = queue_.front().data;
      m_.s_axis_s2mm_tkeep = queue_.front().keep;
      m_.s_axis_s2mm_tlast = queue_.front().last;
    }
  }
  void Sample() override { taken_ = m_.s_axis_s2mm_tvalid && m_.s_axis_s2mm_tready; }
  void Update() override {
    if (taken_) ++taken_count_;
    if (loopback_) return;
    if (taken_) {
      queue_.pop_front();
      holding_ = false;
    } else {
      holding_ = offer_;
    }
  }

 private:
  MODEL& m_;
  std::deque<Beat> queue_;
  double gap_ = 0;
  std::mt19937 rng_{7};
  bool loopback_ = false, offer_ = false, holding_ = false, taken_ = false;
  uint64_t taken_count_ = 0;
};

std::vector<uint8_t> RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> v(n);
  for (uint8_t& x : v) x = static_cast<uint8_t>(rng());
  return v;
}

class DmaTest : public ::testing::Test {
 protected:
  DmaTest()
      : clock_(model_),
        bus_(clock_, PR_AXIL_PINS(model_, s_axi_lite_)),
        rd_(PR_AXI4_READ_PINS(model_, m_axi_mm2s_)),
        wr_(PR_AXI4_WRITE_PINS(model_, m_axi_s2mm_)),
        memory_(&rd_, &wr_, 0, kWindow),
        sink_(Mm2sPins(model_)),
        s2mm_(model_) {
    clock_.Add(&memory_);
    clock_.Add(&sink_);
    clock_.Add(&s2mm_);
    clock_.Reset();
  }
  ~DmaTest() override {
    EXPECT_TRUE(memory_.violations().empty()) << memory_.violations().front();
    EXPECT_TRUE(sink_.violations().empty()) << sink_.violations().front();
  }

  void W(uint32_t off, uint32_t v) { ASSERT_EQ(bus_.Write(off, v), 0) << Hex(off); }
  uint32_t R(uint32_t off) { return bus_.Read32(off); }

  // PYNQ's _SDMAChannel.start(): RS (and IOC_IrqEn), then wait for Halted to clear.
  void Start(uint32_t cr_off, uint32_t extra = kIocEn | kErrEn) {
    W(cr_off, kRs | extra);
    clock_.RunUntil([&] { return (R(cr_off + 4) & kHalted) == 0; }, 100, "running");
  }
  // PYNQ's transfer(): address low/high, then LENGTH.
  void Transfer(uint32_t cr_off, uint64_t addr, uint32_t len) {
    W(cr_off + 0x18, static_cast<uint32_t>(addr));
    W(cr_off + 0x1C, static_cast<uint32_t>(addr >> 32));
    W(cr_off + 0x28, len);
  }
  // PYNQ's wait(): poll DMASR until Idle (or an error bit).
  uint32_t WaitIdle(uint32_t cr_off, uint64_t budget = 2000000) {
    uint32_t sr = 0;
    clock_.RunUntil(
        [&] {
          sr = R(cr_off + 4);
          return (sr & (kIdle | kIntErr | kSlvErr | kDecErr)) != 0;
        },
        budget, "channel idle");
    return sr;
  }

  // Stream bytes of the MM2S beats seen since `from`, checking TKEEP and TLAST: full beats,
  // the last one (and only it) with TLAST and low-byte TKEEP.
  std::vector<uint8_t> StreamBytes(size_t from) {
    std::vector<uint8_t> out;
    const auto& beats = sink_.beats();
    const uint8_t full = static_cast<uint8_t>((1u << kNb) - 1);
    for (size_t i = from; i < beats.size(); ++i) {
      const Beat& b = beats[i];
      const bool last = i + 1 == beats.size();
      EXPECT_EQ(b.last, last) << "TLAST on beat " << i - from;
      if (!last) {
        EXPECT_EQ(b.keep, full) << "TKEEP on beat " << i - from;
      }
      EXPECT_NE(b.keep, 0) << "empty beat";
      EXPECT_EQ(b.keep & (b.keep + 1), 0) << "TKEEP not low bytes: " << Hex(b.keep);
      for (int k = 0; k < kNb; ++k) {
        if (b.keep >> k & 1) out.push_back(static_cast<uint8_t>(b.data >> (8 * k)));
      }
    }
    return out;
  }

  void Mm2sOnce(uint64_t addr, uint32_t len, uint32_t seed) {
    const std::vector<uint8_t> data = RandomBytes(len, seed);
    memory_.Write(addr, data);
    const size_t from = sink_.beats().size();
    Transfer(kMm2sCr, addr, len);
    const uint32_t sr = WaitIdle(kMm2sCr);
    ASSERT_EQ(sr & (kIntErr | kSlvErr | kDecErr), 0u) << Hex(sr);
    ASSERT_EQ(sink_.beats().size() - from, (len + kNb - 1) / kNb)
        << "beats for " << len << " bytes at " << Hex(addr);
    ASSERT_EQ(StreamBytes(from), data) << len << " bytes at " << Hex(addr);
    EXPECT_EQ(model_.mm2s_introut, 1);
    W(kMm2sSr, kIocIrq);
    EXPECT_EQ(model_.mm2s_introut, 0);
  }

  // Pushes `bytes` as stream beats of kNb bytes; TLAST on the last one if `tlast`.
  void PushPacket(const std::vector<uint8_t>& bytes, bool tlast) {
    for (size_t i = 0; i < bytes.size(); i += kNb) {
      Beat b;
      b.data = 0;
      b.keep = 0;
      for (int k = 0; k < kNb && i + k < bytes.size(); ++k) {
        b.data |= static_cast<uint64_t>(bytes[i + k]) << (8 * k);
        b.keep |= 1 << k;
      }
      b.last = tlast && i + kNb >= bytes.size();
      s2mm_.Push(b);
    }
  }

  // S2MM of a `sent`-byte packet into a LENGTH-byte buffer at `addr` (guard bytes around it
  // must stay untouched); returns the bytes the channel reports.
  uint32_t S2mmOnce(uint64_t addr, uint32_t length, uint32_t sent, bool tlast, uint32_t seed) {
    const std::vector<uint8_t> data = RandomBytes(sent, seed);
    const uint32_t guard = 24;
    memory_.Write(addr - guard, std::vector<uint8_t>(length + 2 * guard, 0xA5));
    Transfer(kS2mmCr, addr, length);
    PushPacket(data, tlast);
    const uint32_t sr = WaitIdle(kS2mmCr);
    EXPECT_EQ(sr & (kIntErr | kSlvErr | kDecErr), 0u) << Hex(sr);
    const uint32_t got = R(kS2mmLen);
    const uint32_t expect = std::min(length, sent);
    EXPECT_EQ(got, expect) << "S2MM_LENGTH";
    std::vector<uint8_t> want(data.begin(), data.begin() + expect);
    EXPECT_EQ(memory_.Read(addr, expect), want)
        << sent << " of " << length << " bytes at " << Hex(addr);
    EXPECT_EQ(memory_.Read(addr - guard, guard), std::vector<uint8_t>(guard, 0xA5))
        << "written below the buffer";
    EXPECT_EQ(memory_.Read(addr + expect, guard), std::vector<uint8_t>(guard, 0xA5))
        << "written past the data";
    EXPECT_EQ(model_.s2mm_introut, 1);
    W(kS2mmSr, kIocIrq);
    return got;
  }

  // Both channels at once, MM2S stream looped into S2MM.
  void Loopback(uint64_t src, uint64_t dst, uint32_t len, uint32_t seed) {
    const std::vector<uint8_t> data = RandomBytes(len, seed);
    memory_.Write(src, data);
    Transfer(kS2mmCr, dst, len);
    Transfer(kMm2sCr, src, len);
    EXPECT_EQ(WaitIdle(kS2mmCr) & (kIntErr | kSlvErr | kDecErr), 0u);
    EXPECT_EQ(WaitIdle(kMm2sCr) & (kIntErr | kSlvErr | kDecErr), 0u);
    EXPECT_EQ(R(kS2mmLen), len);
    EXPECT_EQ(memory_.Read(dst, len), data) << len << " bytes " << Hex(src) << " -> " << Hex(dst);
  }

  MODEL model_;
  Clock<MODEL> clock_;
  AxiLiteMaster<MODEL> bus_;
  Axi4ReadPins rd_;
  Axi4WritePins wr_;
  Axi4Memory memory_;
  StreamSink sink_;
  S2mmDriver s2mm_;
};

const uint32_t kLengths[] = {1,   2,    3,    4,    5,    7,    8,     9,     15,   16,
                             17,  31,   63,   64,   65,   100,  127,   128,   129,  255,
                             256, 1000, 4095, 4096, 4097, 8191, 12345, 65535, 65536};
const uint32_t kOffsets[] = {0, 1, 2, 3, 4, 5, 7, 0xFF9};

TEST_F(DmaTest, ResetValues) {
  EXPECT_EQ(R(kMm2sCr), 0x00010002u);
  EXPECT_EQ(R(kS2mmCr), 0x00010002u);
  EXPECT_EQ(R(kMm2sSr), 0x00000001u);
  EXPECT_EQ(R(kS2mmSr), 0x00000001u);
  for (uint32_t off : {kMm2sSa, kMm2sSaMsb, kMm2sLen, kS2mmDa, kS2mmDaMsb, kS2mmLen}) {
    EXPECT_EQ(R(off), 0u) << Hex(off);
  }
  EXPECT_EQ(model_.mm2s_introut, 0);
  EXPECT_EQ(model_.s2mm_introut, 0);
  EXPECT_EQ(model_.busy, 0);
  EXPECT_EQ(model_.s_axis_s2mm_tready, 0);
  EXPECT_EQ(model_.m_axis_mm2s_tvalid, 0);
}

TEST_F(DmaTest, RegisterAccess) {
  W(kMm2sSa, 0x12345678);
  W(kMm2sSaMsb, 0x000000AB);
  W(kS2mmDa, 0x9ABCDEF0);
  W(kS2mmDaMsb, 0x00000012);
  EXPECT_EQ(R(kMm2sSa), 0x12345678u);
  EXPECT_EQ(R(kMm2sSaMsb), 0xABu);
  EXPECT_EQ(R(kS2mmDa), 0x9ABCDEF0u);
  EXPECT_EQ(R(kS2mmDaMsb), 0x12u);
  EXPECT_EQ(bus_.Write(kMm2sSa, 0x000000FF, 0x1), 0);  // one byte lane
  EXPECT_EQ(R(kMm2sSa), 0x123456FFu);
  // LENGTH keeps C_SG_LENGTH_WIDTH (26) bits; written while halted it starts nothing
  W(kMm2sLen, 0xFC000010);
  EXPECT_EQ(R(kMm2sLen), 0x10u);
  EXPECT_EQ(R(kMm2sSr), kHalted);
  // DMACR: reserved bit1 reads 1, IRQ enables and threshold/delay fields are kept
  W(kMm2sCr, 0xFFFFFFFA);  // all but RS and Reset
  EXPECT_EQ(R(kMm2sCr), 0xFFFF701Au);
  W(kMm2sCr, 0x00010002);
  EXPECT_EQ(R(kMm2sCr), 0x00010002u);
  // DMASR: read-only bits ignore writes
  W(kMm2sSr, 0xFFFFFFFF);
  EXPECT_EQ(R(kMm2sSr), kHalted);
  // reserved offsets read 0 and ignore writes, with OKAY
  for (uint32_t off :
       {0x08u, 0x10u, 0x20u, 0x2Cu, 0x38u, 0x44u, 0x50u, 0x5Cu, 0x60u, 0x100u, 0xFFFCu}) {
    EXPECT_EQ(bus_.Write(off, 0xFFFFFFFF), 0) << Hex(off);
    EXPECT_EQ(bus_.Read(off).resp, 0) << Hex(off);
    EXPECT_EQ(bus_.Read(off).data, 0u) << Hex(off);
  }
  EXPECT_EQ(R(kMm2sCr), 0x00010002u);
  EXPECT_EQ(R(kMm2sSa), 0x123456FFu);
}

TEST_F(DmaTest, RunStopAndSoftReset) {
  Start(kMm2sCr, kIocEn);
  EXPECT_EQ(R(kMm2sSr), 0u);  // running, not idle before the first transfer
  EXPECT_EQ(R(kS2mmSr), kHalted);
  Start(kS2mmCr, kErrEn);
  EXPECT_EQ(R(kS2mmSr), 0u);
  EXPECT_EQ(model_.s_axis_s2mm_tready, 0);  // nothing to receive yet
  W(kS2mmCr, 0);                            // PYNQ stop()
  clock_.RunUntil([&] { return (R(kS2mmSr) & kHalted) != 0; }, 100, "halted");
  W(kMm2sSa, 0x1000);
  W(kS2mmDa, 0x2000);
  // Reset on either channel resets both, and clears itself
  W(kS2mmCr, kReset);
  clock_.RunUntil([&] { return (R(kS2mmCr) & kReset) == 0; }, 100, "reset done");
  EXPECT_EQ(R(kMm2sCr), 0x00010002u);
  EXPECT_EQ(R(kS2mmCr), 0x00010002u);
  EXPECT_EQ(R(kMm2sSr), kHalted);
  EXPECT_EQ(R(kS2mmSr), kHalted);
  EXPECT_EQ(R(kMm2sSa), 0u);
  EXPECT_EQ(R(kS2mmDa), 0u);
}

TEST_F(DmaTest, Mm2sLengthsAndAlignments) {
  Start(kMm2sCr);
  uint32_t seed = 1;
  for (uint32_t off : kOffsets) {
    for (uint32_t len : kLengths) {
      if (len > 20000 && off % 2 == 0 && off != 0) continue;  // keep the run short
      Mm2sOnce(0x10000000ull + off + 0x40000ull * (seed % 4), len, seed);
      ++seed;
      if (HasFatalFailure()) return;
    }
  }
}

TEST_F(DmaTest, Mm2sHighAddressAndPageCrossings) {
  Start(kMm2sCr);
  Mm2sOnce(0x123456FFDull, 9000, 5);  // above 4 GiB through SA_MSB
  Mm2sOnce(kWindow - 9001, 9001, 8);  // up to the last byte of the memory
  Mm2sOnce(0x00000FFFull, 2, 6);      // two pages, one byte each
  Mm2sOnce(0x00001FF8ull, 24, 7);
}

TEST_F(DmaTest, Mm2sUnderStallsAndBackpressure) {
  Start(kMm2sCr);
  memory_.set_stall(0.3, 41);
  sink_.set_backpressure(0.4, 42);
  uint32_t seed = 100;
  for (uint32_t len : {1u, 13u, 128u, 1000u, 4099u, 30001u}) {
    for (uint32_t off : {0u, 3u, 6u}) Mm2sOnce(0x20000000ull + off, len, seed++);
  }
  sink_.set_backpressure(0.95, 43);  // a consumer that rarely takes
  Mm2sOnce(0x20100005ull, 2000, seed++);
}

TEST_F(DmaTest, S2mmTlastEarlyAndAtLength) {
  Start(kS2mmCr);
  uint32_t seed = 200;
  for (uint32_t off : {0u, 1u, 3u, 4u, 7u}) {
    for (uint32_t sent : {1u, 3u, 4u, 8u, 9u, 17u, 100u, 129u, 1000u, 4097u, 20000u}) {
      const uint64_t addr = 0x30000000ull + off + 0x10000ull * (seed % 8);
      EXPECT_EQ(S2mmOnce(addr, sent + 123, sent, true, seed++), sent);  // TLAST early
      EXPECT_EQ(S2mmOnce(addr, sent, sent, true, seed++), sent);        // TLAST at LENGTH
      if (HasFailure()) return;
    }
  }
  EXPECT_EQ(S2mmOnce(0x30FFFFF9ull, 5000, 5000, true, seed++), 5000u);  // across pages
}

TEST_F(DmaTest, S2mmStopsAtLengthWithoutTlast) {
  Start(kS2mmCr);
  // 100 bytes arrive (no TLAST yet) for a 60-byte buffer: done at 60, TREADY then stays low
  const std::vector<uint8_t> data = RandomBytes(100, 300);
  memory_.Write(0x31000000, std::vector<uint8_t>(128, 0));
  Transfer(kS2mmCr, 0x31000000, 61);
  PushPacket(data, true);
  WaitIdle(kS2mmCr);
  EXPECT_EQ(R(kS2mmLen), 61u);
  EXPECT_EQ(memory_.Read(0x31000000, 61), std::vector<uint8_t>(data.begin(), data.begin() + 61));
  EXPECT_EQ(memory_.Read(0x31000000 + 61, 20), std::vector<uint8_t>(20, 0));
  const uint64_t taken = s2mm_.taken();
  clock_.Run(100);
  EXPECT_EQ(s2mm_.taken(), taken);
  EXPECT_EQ(model_.s_axis_s2mm_tready, 0);
  EXPECT_EQ(s2mm_.pending(), (100 - 64 + kNb - 1) / kNb);  // the rest waits in the source
}

TEST_F(DmaTest, S2mmUnderGapsAndStalls) {
  Start(kS2mmCr);
  memory_.set_stall(0.4, 51);
  s2mm_.set_gaps(0.3, 52);
  uint32_t seed = 400;
  for (uint32_t sent : {1u, 7u, 64u, 513u, 4096u, 30000u}) {
    for (uint32_t off : {0u, 2u, 5u}) {
      EXPECT_EQ(S2mmOnce(0x32000000ull + off, sent + (seed % 3) * 8, sent, true, seed), sent);
      ++seed;
    }
  }
}

TEST_F(DmaTest, LoopbackBothChannels) {
  Start(kMm2sCr);
  Start(kS2mmCr);
  s2mm_.set_loopback(true);
  uint32_t seed = 500;
  std::mt19937 rng(9);
  for (int i = 0; i < 40; ++i) {
    const uint32_t len = 1 + rng() % (i % 5 == 0 ? 70000 : 3000);
    Loopback(0x40000000ull + rng() % 4096, 0x48000000ull + rng() % 4096, len, seed++);
    W(kMm2sSr, kIocIrq);
    W(kS2mmSr, kIocIrq);
    if (HasFailure()) return;
  }
}

TEST_F(DmaTest, LoopbackUnderStallsAndBackpressure) {
  Start(kMm2sCr);
  Start(kS2mmCr);
  s2mm_.set_loopback(true);
  s2mm_.set_gaps(0.3, 61);
  memory_.set_stall(0.3, 62);
  uint32_t seed = 600;
  for (uint32_t len : {5u, 100u, 4096u, 20001u}) {
    for (uint32_t off : {0u, 3u}) {
      Loopback(0x40000000ull + off, 0x48000000ull + 7 - off, len, seed++);
    }
  }
}

TEST_F(DmaTest, DecodeErrorHaltsAndInterruptsUntilReset) {
  Start(kMm2sCr, kErrEn);
  Transfer(kMm2sCr, kWindow + 0x1000, 4096);  // outside the memory window: DECERR
  uint32_t sr = WaitIdle(kMm2sCr, 10000);
  clock_.RunUntil([&] { return ((sr = R(kMm2sSr)) & kHalted) != 0; }, 1000, "halted");
  EXPECT_EQ(sr & (kDecErr | kSlvErr | kIntErr | kErrIrq | kIdle | kHalted),
            kDecErr | kErrIrq | kHalted);
  EXPECT_EQ(R(kMm2sCr) & kRs, 0u);  // RS cleared by the error
  EXPECT_EQ(model_.mm2s_introut, 1);
  EXPECT_EQ(model_.busy, 0);
  // RS cannot restart an errored channel
  W(kMm2sCr, kRs | kErrEn);
  clock_.Run(5);
  EXPECT_NE(R(kMm2sSr) & kHalted, 0u);
  // Err_Irq is W1C; the error bits stay until reset
  W(kMm2sSr, kErrIrq);
  EXPECT_EQ(model_.mm2s_introut, 0);
  EXPECT_EQ(R(kMm2sSr) & (kDecErr | kErrIrq), kDecErr);
  // S2MM to outside the window
  Start(kS2mmCr, kErrEn);
  Transfer(kS2mmCr, kWindow + 0x2000, 4096);
  PushPacket(RandomBytes(1000, 700), true);
  WaitIdle(kS2mmCr, 10000);
  clock_.RunUntil([&] { return ((sr = R(kS2mmSr)) & kHalted) != 0; }, 1000, "halted");
  EXPECT_EQ(sr & (kDecErr | kSlvErr | kIntErr | kErrIrq | kHalted), kDecErr | kErrIrq | kHalted);
  EXPECT_EQ(model_.s2mm_introut, 1);
  // soft reset recovers both
  s2mm_.Clear();  // the rest of the refused packet
  W(kMm2sCr, kReset);
  clock_.RunUntil([&] { return (R(kMm2sCr) & kReset) == 0; }, 1000, "reset done");
  EXPECT_EQ(R(kMm2sSr), kHalted);
  EXPECT_EQ(R(kS2mmSr), kHalted);
  EXPECT_EQ(model_.mm2s_introut, 0);
  EXPECT_EQ(model_.s2mm_introut, 0);
  Start(kMm2sCr);
  Mm2sOnce(0x10000003, 777, 701);
  Start(kS2mmCr);
  EXPECT_EQ(S2mmOnce(0x30000005, 900, 800, true, 702), 800u);
}

TEST_F(DmaTest, DecodeErrorMidTransfer) {
  Start(kMm2sCr, kErrEn);
  // starts inside the window and runs out of it after 4 KiB
  Transfer(kMm2sCr, kWindow - 4096, 16384);
  clock_.RunUntil([&] { return (R(kMm2sSr) & kHalted) != 0; }, 20000, "halted");
  EXPECT_NE(R(kMm2sSr) & kDecErr, 0u);
  EXPECT_EQ(model_.busy, 0);
  Start(kS2mmCr, kErrEn);
  Transfer(kS2mmCr, kWindow - 4096, 16384);
  PushPacket(RandomBytes(16384, 703), true);
  clock_.RunUntil([&] { return (R(kS2mmSr) & kHalted) != 0; }, 20000, "halted");
  EXPECT_NE(R(kS2mmSr) & kDecErr, 0u);
  EXPECT_EQ(model_.s_axis_s2mm_tready, 0);
  EXPECT_EQ(model_.busy, 0);
}

TEST_F(DmaTest, ZeroLengthIsInternalError) {
  Start(kS2mmCr, kErrEn);
  Transfer(kS2mmCr, 0x1000, 0);
  const uint32_t sr = R(kS2mmSr);
  EXPECT_EQ(sr & (kIntErr | kErrIrq | kHalted), kIntErr | kErrIrq | kHalted);
  EXPECT_EQ(model_.s2mm_introut, 1);
  EXPECT_EQ(R(kMm2sSr), kHalted);  // the other channel is untouched
}

TEST_F(DmaTest, InterruptsFollowEnables) {
  Start(kMm2sCr, 0);  // IOC_IrqEn off: status bit only
  memory_.Write(0x1000, RandomBytes(64, 800));
  Transfer(kMm2sCr, 0x1000, 64);
  WaitIdle(kMm2sCr);
  EXPECT_NE(R(kMm2sSr) & kIocIrq, 0u);
  EXPECT_EQ(model_.mm2s_introut, 0);
  W(kMm2sCr, kRs | kIocEn);  // enabling it raises the line for the pending IOC
  EXPECT_EQ(model_.mm2s_introut, 1);
  W(kMm2sSr, kIocIrq);
  EXPECT_EQ(model_.mm2s_introut, 0);
  EXPECT_EQ(R(kMm2sSr) & kIocIrq, 0u);
  EXPECT_NE(R(kMm2sSr) & kIdle, 0u);  // Idle stays until the next LENGTH write
  Transfer(kMm2sCr, 0x1000, 64);
  EXPECT_EQ(R(kMm2sSr) & kIdle, 0u);
  WaitIdle(kMm2sCr);
  EXPECT_EQ(model_.mm2s_introut, 1);
  EXPECT_EQ(model_.s2mm_introut, 0);
}

TEST_F(DmaTest, BusyOnlyWhileMovingData) {
  Start(kS2mmCr);
  Transfer(kS2mmCr, 0x2000, 1000);
  clock_.Run(50);
  EXPECT_EQ(model_.busy, 0);  // waiting for a stream that does not come
  PushPacket(RandomBytes(40, 900), false);
  clock_.Run(30);
  EXPECT_EQ(model_.busy, 0);  // 40 bytes buffered wait for the rest of their burst
  PushPacket(RandomBytes(8, 901), true);
  WaitIdle(kS2mmCr);
  clock_.Run(2);
  EXPECT_EQ(model_.busy, 0);
}

TEST_F(DmaTest, Mm2sStalledByItsConsumerIsNotBusy) {
  sink_.set_backpressure(1.0);  // a consumer that never takes a beat
  Start(kMm2sCr);
  memory_.Write(0x3000, RandomBytes(4096, 902));
  Transfer(kMm2sCr, 0x3000, 4096);
  clock_.Run(400);  // reads fill the FIFO, then the channel can only wait
  EXPECT_EQ(model_.busy, 0);
  EXPECT_EQ(R(kMm2sSr) & kIdle, 0u);
  sink_.set_backpressure(0.0);  // the consumer wakes up: the transfer completes
  WaitIdle(kMm2sCr);
  EXPECT_EQ(sink_.beats().size(), 4096u / kNb);
}

// PG021: a soft reset takes effect once the channels have no AXI transaction outstanding.
// A channel stuck on its stream (a consumer that never takes a beat, a producer that never
// sends the rest) holds no memory transaction, so the reset completes at once: the stream
// beat on offer is withdrawn, the bytes buffered for it are dropped, and the channel is
// usable again. PYNQ's recovery for a DMA wait() that cannot finish.
TEST_F(DmaTest, SoftResetRecoversChannelsStuckOnTheirStreams) {
  sink_.set_backpressure(1.0);  // MM2S: a consumer that never takes a beat
  Start(kMm2sCr);
  memory_.Write(0x3000, RandomBytes(4096, 910));
  Transfer(kMm2sCr, 0x3000, 4096);
  Start(kS2mmCr);  // S2MM: 40 of 1000 bytes, then nothing
  memory_.Write(0x8000, std::vector<uint8_t>(64, 0xA5));
  Transfer(kS2mmCr, 0x8000, 1000);
  PushPacket(RandomBytes(40, 911), false);
  clock_.Run(400);
  ASSERT_EQ(model_.busy, 0);  // both wait for the outside, neither can finish
  ASSERT_EQ(R(kMm2sSr) & kIdle, 0u);
  ASSERT_EQ(R(kS2mmSr) & kIdle, 0u);
  ASSERT_EQ(model_.m_axis_mm2s_tvalid, 1);
  const size_t beats = sink_.beats().size();

  W(kS2mmCr, kReset);  // either channel's Reset resets both
  clock_.RunUntil([&] { return (R(kS2mmCr) & kReset) == 0; }, 200, "reset done");
  EXPECT_EQ(R(kMm2sSr), kHalted);
  EXPECT_EQ(R(kS2mmSr), kHalted);
  EXPECT_EQ(model_.m_axis_mm2s_tvalid, 0);
  EXPECT_EQ(model_.s_axis_s2mm_tready, 0);
  EXPECT_EQ(model_.busy, 0);
  EXPECT_EQ(memory_.Read(0x8000, 64), std::vector<uint8_t>(64, 0xA5)) << "dropped bytes landed";

  sink_.set_backpressure(0.0);
  clock_.Run(20);
  EXPECT_EQ(sink_.beats().size(), beats) << "a beat of the reset transfer went out";
  Start(kMm2sCr);
  Mm2sOnce(0x10000003, 777, 912);
  Start(kS2mmCr);
  EXPECT_EQ(S2mmOnce(0x30000005, 900, 800, true, 913), 800u);
}

// The other half of PG021's rule: with a memory read outstanding, the reset waits for it.
TEST_F(DmaTest, SoftResetWaitsForOutstandingMemoryReads) {
  Start(kMm2sCr);
  memory_.Write(0x4000, RandomBytes(8192, 920));
  Transfer(kMm2sCr, 0x4000, 8192);
  clock_.RunUntil([&] { return memory_.read_beats() > 0; }, 100, "reads under way");
  memory_.set_stall(1.0);  // the memory stops answering mid-burst
  W(kMm2sCr, kReset);
  clock_.Run(500);
  EXPECT_NE(R(kMm2sCr) & kReset, 0u) << "reset completed with a read outstanding";
  EXPECT_EQ(model_.busy, 1);
  memory_.set_stall(0.0);
  clock_.RunUntil([&] { return (R(kMm2sCr) & kReset) == 0; }, 1000, "reset done");
  EXPECT_EQ(R(kMm2sSr), kHalted);
  Start(kMm2sCr);
  Mm2sOnce(0x10000000, 4096, 921);
}

TEST_F(DmaTest, ThroughputLoopback) {
  const uint32_t len = (kNb == 4 ? 8u : 2u) << 20;
  const std::vector<uint8_t> data = RandomBytes(len, 1000);
  memory_.Write(0x40000000, data);
  Start(kMm2sCr);
  Start(kS2mmCr);
  s2mm_.set_loopback(true);
  Transfer(kS2mmCr, 0x50000000, len);
  Transfer(kMm2sCr, 0x40000000, len);
  const uint64_t cycles =
      clock_.RunUntil([&] { return model_.s2mm_introut != 0; }, 4ull * len, "loopback");
  const double ideal = static_cast<double>(len) / kNb;
  std::printf(
      "loopback of %u bytes, %d-byte stream: %llu cycles, %.3f bytes/cycle, %.1f%% of "
      "a beat per cycle\n",
      len, kNb, static_cast<unsigned long long>(cycles), len / double(cycles),
      100.0 * ideal / cycles);
  // A memory side twice the stream's keeps the stream busy; an equal one loses the cycles
  // between bursts (the memory model takes the next address after the last beat).
  if (kNb == 4 && kMb > kNb) {
    EXPECT_LE(cycles, 1.11 * ideal);
  } else if (kNb == kMb) {
    EXPECT_LE(cycles, 1.25 * ideal);
  }
  EXPECT_EQ(R(kS2mmLen), len);
  EXPECT_EQ(memory_.Read(0x50000000, len), data);
}

}  // namespace
}  // namespace pynq_remote::tb
