// pr_axi_dma in scatter-gather mode (C_INCLUDE_SG = 1, PG021) against the test-bench toolkit:
// SG register map and reset values, descriptor chains on both channels (packets spread over
// several descriptors with SOF/EOF, S2MM status with the bytes received and RXSOF/RXEOF),
// the tail pointer (pause, Idle, restart with the descriptor after the tail), PYNQ 3.1's
// _SGDMAChannel sequence on a loopback, errors (descriptor fetch DECERR -> SGDecErr, stale
// descriptor -> SGIntErr, data DECERR -> DMADecErr in DMASR and the descriptor's STATUS,
// zero-length descriptor -> DMAIntErr), IOC with IRQThreshold, the delay interrupt, busy.
// The descriptors live in their own memory on the m_axi_sg_ master (a separate sparse
// memory from the data one: their addresses never overlap here).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

#include MODEL_HEADER
#include "tb.h"

namespace pynq_remote::tb {
namespace {

constexpr int kNb = STREAM_BYTES;
constexpr uint32_t kMm2sCr = 0x00, kS2mmCr = 0x30, kSr = 0x04, kCur = 0x08, kCurMsb = 0x0C,
                   kTail = 0x10, kTailMsb = 0x14, kSgCtl = 0x2C;
constexpr uint32_t kRs = 1u << 0, kReset = 1u << 2, kIocEn = 1u << 12, kDlyEn = 1u << 13,
                   kErrEn = 1u << 14;
constexpr uint32_t kHalted = 1u << 0, kIdle = 1u << 1, kSgIncld = 1u << 3, kIntErr = 1u << 4,
                   kSlvErr = 1u << 5, kDecErr = 1u << 6, kSgIntErr = 1u << 8, kSgSlvErr = 1u << 9,
                   kSgDecErr = 1u << 10, kIocIrq = 1u << 12, kDlyIrq = 1u << 13, kErrIrq = 1u << 14;
constexpr uint32_t kAnyErr = 0x770;  // what PYNQ's error property tests
// descriptor CONTROL / STATUS bits
constexpr uint32_t kSof = 1u << 27, kEof = 1u << 26, kCmplt = 1u << 31, kStDecErr = 1u << 30,
                   kStSlvErr = 1u << 29, kLenMask = 0x03FFFFFF;
// Both memories answer DECERR outside [0, kWindow): the top 256 MiB of the 40-bit space.
constexpr uint64_t kWindow = (1ull << 40) - (1ull << 28);
constexpr uint64_t kDesc = 0x10000000;  // descriptors: 64-byte slots from here

std::vector<uint8_t> RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> v(n);
  for (uint8_t& x : v) x = static_cast<uint8_t>(rng());
  return v;
}

// Drives the S2MM stream from queued beats, or in loopback mode from the MM2S output.
class S2mmDriver : public Agent {
 public:
  explicit S2mmDriver(MODEL& m) : m_(m) {}
  void Push(const Beat& b) { queue_.push_back(b); }
  void set_loopback(bool on) { loopback_ = on; }
  size_t pending() const { return queue_.size(); }

  void Drive() override {
    if (loopback_) {
      m_.s_axis_s2mm_tvalid = m_.m_axis_mm2s_tvalid;
      m_.s_axis_s2mm_tdata = m_.m_axis_mm2s_tdata;
      m_.s_axis_s2mm_tkeep = m_.m_axis_mm2s_tkeep;
      m_.s_axis_s2mm_tlast = m_.m_axis_mm2s_tlast;
      m_.m_axis_mm2s_tready = m_.s_axis_s2mm_tready;
      return;
    }
    m_.s_axis_s2mm_tvalid = !queue_.empty();
    if (!queue_.empty()) {
      m_.s_axis_s2mm_tdata = queue_.front().data;
      m_.s_axis_s2mm_tkeep = queue_.front().keep;
      m_.s_axis_s2mm_tlast = queue_.front().last;
    }
  }
  void Sample() override { taken_ = m_.s_axis_s2mm_tvalid && m_.s_axis_s2mm_tready; }
  void Update() override {
    if (taken_ && !loopback_) queue_.pop_front();
  }

 private:
  MODEL& m_;
  std::deque<Beat> queue_;
  bool loopback_ = false, taken_ = false;
};

struct Desc {
  uint64_t buf;
  uint32_t len;
  uint32_t flags;  // kSof / kEof (MM2S)
};

class DmaSgTest : public ::testing::Test {
 protected:
  DmaSgTest()
      : clock_(model_),
        bus_(clock_, PR_AXIL_PINS(model_, s_axi_lite_)),
        rd_(PR_AXI4_READ_PINS(model_, m_axi_mm2s_)),
        wr_(PR_AXI4_WRITE_PINS(model_, m_axi_s2mm_)),
        sg_rd_(PR_AXI4_READ_PINS(model_, m_axi_sg_)),
        sg_wr_(PR_AXI4_WRITE_PINS(model_, m_axi_sg_)),
        memory_(&rd_, &wr_, 0, kWindow),
        sg_mem_(&sg_rd_, &sg_wr_, 0, kWindow),
        sink_(PR_STREAM_PINS(model_, m_axis_mm2s_)),
        s2mm_(model_) {
    clock_.Add(&memory_);
    clock_.Add(&sg_mem_);
    clock_.Add(&sink_);
    clock_.Add(&s2mm_);
    clock_.Reset();
  }
  ~DmaSgTest() override {
    EXPECT_TRUE(memory_.violations().empty()) << memory_.violations().front();
    EXPECT_TRUE(sg_mem_.violations().empty()) << sg_mem_.violations().front();
    EXPECT_TRUE(sink_.violations().empty()) << sink_.violations().front();
  }

  void W(uint32_t off, uint32_t v) { ASSERT_EQ(bus_.Write(off, v), 0) << Hex(off); }
  uint32_t R(uint32_t off) { return bus_.Read32(off); }

  uint32_t Word(uint64_t addr) {
    const std::vector<uint8_t> b = sg_mem_.Read(addr, 4);
    return b[0] | b[1] << 8 | b[2] << 16 | static_cast<uint32_t>(b[3]) << 24;
  }
  void SetWord(uint64_t addr, uint32_t v) {
    sg_mem_.Write(addr, {static_cast<uint8_t>(v), static_cast<uint8_t>(v >> 8),
                         static_cast<uint8_t>(v >> 16), static_cast<uint8_t>(v >> 24)});
  }
  static uint64_t Slot(uint64_t base, size_t i) { return base + 64 * i; }
  uint32_t Status(uint64_t base, size_t i) { return Word(Slot(base, i) + 0x1C); }

  // A chain of 13-word descriptors in 64-byte slots from `base`, each pointing at the next
  // (the last at `next_of_last`, default: the slot after it), STATUS and APP words zero.
  void Chain(uint64_t base, const std::vector<Desc>& descs, uint64_t next_of_last = 0) {
    for (size_t i = 0; i < descs.size(); ++i) {
      const uint64_t d = Slot(base, i);
      const uint64_t next =
          i + 1 == descs.size() && next_of_last != 0 ? next_of_last : Slot(base, i + 1);
      SetWord(d + 0x00, static_cast<uint32_t>(next));
      SetWord(d + 0x04, static_cast<uint32_t>(next >> 32));
      SetWord(d + 0x08, static_cast<uint32_t>(descs[i].buf));
      SetWord(d + 0x0C, static_cast<uint32_t>(descs[i].buf >> 32));
      SetWord(d + 0x10, 0);
      SetWord(d + 0x14, 0);
      SetWord(d + 0x18, descs[i].len | descs[i].flags);
      for (uint32_t w = 0x1C; w <= 0x30; w += 4) SetWord(d + w, 0);
    }
  }

  // PYNQ 3.1 _SGDMAChannel: stop (wait Halted), CURDESC, start (wait !Halted), TAILDESC.
  void Stop(uint32_t cr) {
    W(cr, 0);
    clock_.RunUntil([&] { return (R(cr + kSr) & kHalted) != 0; }, 2000, "halted");
  }
  void Start(uint32_t cr, uint64_t first, uint32_t extra = kIocEn | kErrEn) {
    Stop(cr);
    W(cr + kCur, static_cast<uint32_t>(first));
    W(cr + kCurMsb, static_cast<uint32_t>(first >> 32));
    W(cr, kRs | extra);
    clock_.RunUntil([&] { return (R(cr + kSr) & kHalted) == 0; }, 100, "running");
  }
  void Tail(uint32_t cr, uint64_t tail) {
    W(cr + kTail, static_cast<uint32_t>(tail));
    W(cr + kTailMsb, static_cast<uint32_t>(tail >> 32));
  }
  // PYNQ's wait(): poll DMASR until Idle or Halted, failing on error bits.
  uint32_t WaitIdleOrHalted(uint32_t cr, uint64_t budget = 2000000) {
    uint32_t sr = 0;
    clock_.RunUntil(
        [&] {
          sr = R(cr + kSr);
          return (sr & (kIdle | kHalted)) != 0;
        },
        budget, "channel idle or halted");
    return sr;
  }
  uint64_t CurDesc(uint32_t cr) {
    return R(cr + kCur) | static_cast<uint64_t>(R(cr + kCurMsb)) << 32;
  }

  // Stream bytes of the MM2S beats since `from`; `packets` gets the byte count of each
  // TLAST-terminated packet. Full beats except a packet's last.
  std::vector<uint8_t> StreamBytes(size_t from, std::vector<size_t>* packets) {
    std::vector<uint8_t> out;
    size_t in_packet = 0;
    for (size_t i = from; i < sink_.beats().size(); ++i) {
      const Beat& b = sink_.beats()[i];
      for (int k = 0; k < kNb; ++k) {
        if (b.keep >> k & 1) out.push_back(static_cast<uint8_t>(b.data >> (8 * k))), ++in_packet;
      }
      if (b.last) packets->push_back(in_packet), in_packet = 0;
    }
    EXPECT_EQ(in_packet, 0u) << "bytes after the last TLAST";
    return out;
  }

  void PushPacket(const std::vector<uint8_t>& bytes) {
    for (size_t i = 0; i < bytes.size(); i += kNb) {
      Beat b;
      b.data = 0;
      b.keep = 0;
      for (int k = 0; k < kNb && i + k < bytes.size(); ++k) {
        b.data |= static_cast<uint64_t>(bytes[i + k]) << (8 * k);
        b.keep |= 1 << k;
      }
      b.last = i + kNb >= bytes.size();
      s2mm_.Push(b);
    }
  }

  // PYNQ 3.1's descriptor layout for `nbytes` at `buf`: blocks of max_size rounded down to
  // the alignment, at least two descriptors (half the buffer each); SOF on the first, EOF
  // (MM2S) on the last.
  std::vector<Desc> PynqDescs(uint64_t buf, uint32_t nbytes, uint32_t align,
                              uint32_t max_size = (1u << 26) - 1) {
    uint32_t blk = max_size - max_size % align;
    if (blk > nbytes) blk = nbytes / 2 - (nbytes / 2) % align;
    std::vector<Desc> out;
    uint32_t remain = nbytes;
    for (uint32_t i = 0; remain > 0; ++i) {
      const uint32_t len = std::min(remain, blk);
      remain -= len;
      out.push_back({buf + i * blk, len, (i == 0 ? kSof : 0) | (remain == 0 ? kEof : 0)});
    }
    return out;
  }

  MODEL model_;
  Clock<MODEL> clock_;
  AxiLiteMaster<MODEL> bus_;
  Axi4ReadPins rd_;
  Axi4WritePins wr_;
  Axi4ReadPins sg_rd_;
  Axi4WritePins sg_wr_;
  Axi4Memory memory_;
  Axi4Memory sg_mem_;
  StreamSink sink_;
  S2mmDriver s2mm_;
};

TEST_F(DmaSgTest, ResetValuesAndRegisterMap) {
  for (uint32_t cr : {kMm2sCr, kS2mmCr}) {
    EXPECT_EQ(R(cr), 0x00010002u);
    // Halted, SGIncld, IRQThresholdSts = 1
    EXPECT_EQ(R(cr + kSr), 0x00010000u | kSgIncld | kHalted) << Hex(cr);
    for (uint32_t off : {kCur, kCurMsb, kTail, kTailMsb}) EXPECT_EQ(R(cr + off), 0u);
    // the Direct Register mode address and LENGTH registers are reserved here
    for (uint32_t off : {0x18u, 0x1Cu, 0x28u}) {
      W(cr + off, 0xFFFFFFFF);
      EXPECT_EQ(R(cr + off), 0u) << Hex(cr + off);
    }
  }
  EXPECT_EQ(R(kSgCtl), 0x3u);  // SG_CACHE 0011b
  W(kSgCtl, 0xFFFFFFFF);
  EXPECT_EQ(R(kSgCtl), 0xF0Fu);
  EXPECT_EQ(model_.m_axi_sg_arcache, 0xF);
  EXPECT_EQ(model_.m_axi_sg_awcache, 0xF);
  // CURDESC: 16-word aligned, writable while halted
  W(kMm2sCr + kCur, 0x12345678);
  W(kMm2sCr + kCurMsb, 0x000000AB);
  EXPECT_EQ(R(kMm2sCr + kCur), 0x12345640u);
  EXPECT_EQ(R(kMm2sCr + kCurMsb), 0xABu);
  W(kS2mmCr + kTail, 0xFFFFFFFF);
  EXPECT_EQ(R(kS2mmCr + kTail), 0xFFFFFFC0u);
  // IRQThreshold: a 0 written is ignored, as PG021 has it; a new one reloads the count
  W(kMm2sCr, 0x00050000);
  EXPECT_EQ(R(kMm2sCr) >> 16 & 0xFF, 5u);
  EXPECT_EQ(R(kMm2sCr + kSr) >> 16 & 0xFF, 5u);
  W(kMm2sCr, 0x00000000);
  EXPECT_EQ(R(kMm2sCr) >> 16 & 0xFF, 5u);
  // a soft reset restores everything
  W(kMm2sCr, kReset);
  clock_.RunUntil([&] { return (R(kMm2sCr) & kReset) == 0; }, 1000, "reset");
  EXPECT_EQ(R(kMm2sCr + kCur), 0u);
  EXPECT_EQ(R(kS2mmCr + kTail), 0u);
  EXPECT_EQ(R(kSgCtl), 0x3u);
  EXPECT_EQ(R(kMm2sCr), 0x00010002u);
  EXPECT_EQ(model_.busy, 0);
}

TEST_F(DmaSgTest, CurdescIsReadOnlyWhileRunning) {
  Start(kMm2sCr, kDesc);
  W(kMm2sCr + kCur, 0x4000);
  EXPECT_EQ(CurDesc(kMm2sCr), kDesc);
  // no tail written: running, not idle, nothing fetched
  EXPECT_EQ(R(kMm2sCr + kSr) & (kIdle | kHalted), 0u);
  clock_.Run(100);
  EXPECT_EQ(sg_mem_.read_beats(), 0u);
  EXPECT_EQ(model_.busy, 0);
}

TEST_F(DmaSgTest, Mm2sPacketsOverSeveralDescriptors) {
  // two packets: 3 descriptors (SOF, -, EOF) and 1 (SOF|EOF), unaligned buffers
  const std::vector<uint32_t> lens = {64, 4 * kNb * 10, 37, 1001};
  std::vector<Desc> d = {{0x20000003, lens[0], kSof},
                         {0x20010000, lens[1], 0},
                         {0x20020005, lens[2], kEof},
                         {0x20030001, lens[3], kSof | kEof}};
  std::vector<uint8_t> want;
  for (size_t i = 0; i < d.size(); ++i) {
    const std::vector<uint8_t> data = RandomBytes(d[i].len, 10 + i);
    memory_.Write(d[i].buf, data);
    want.insert(want.end(), data.begin(), data.end());
  }
  Chain(kDesc, d);
  Start(kMm2sCr, kDesc);
  Tail(kMm2sCr, Slot(kDesc, 3));
  const uint32_t sr = WaitIdleOrHalted(kMm2sCr);
  EXPECT_EQ(sr & (kIdle | kHalted | kAnyErr), kIdle) << Hex(sr);
  std::vector<size_t> packets;
  EXPECT_EQ(StreamBytes(0, &packets), want);
  EXPECT_EQ(packets, (std::vector<size_t>{lens[0] + lens[1] + lens[2], lens[3]}));
  for (size_t i = 0; i < d.size(); ++i) EXPECT_EQ(Status(kDesc, i), kCmplt | lens[i]) << i;
  EXPECT_EQ(CurDesc(kMm2sCr), Slot(kDesc, 3));
  // one 32-byte fetch burst and one STATUS beat per descriptor
  EXPECT_EQ(sg_mem_.read_beats(), 4 * 32 / sizeof(model_.m_axi_sg_rdata));
  EXPECT_EQ(sg_mem_.write_beats(), 4u);
  EXPECT_NE(sr & kIocIrq, 0u);
  EXPECT_EQ(model_.mm2s_introut, 1);
  W(kMm2sCr + kSr, kIocIrq);
  EXPECT_EQ(model_.mm2s_introut, 0);
  EXPECT_EQ(model_.busy, 0);
}

TEST_F(DmaSgTest, S2mmStatusCountsBytesAndMarksPackets) {
  // 8 descriptors of 256 bytes; packets of 1000, 256 and 100 bytes
  std::vector<Desc> d;
  for (uint32_t i = 0; i < 8; ++i) d.push_back({0x30000000ull + 0x1000 * i, 256, 0});
  Chain(kDesc, d);
  const std::vector<uint8_t> p1 = RandomBytes(1000, 1), p2 = RandomBytes(256, 2),
                             p3 = RandomBytes(100, 3);
  Start(kS2mmCr, kDesc);
  Tail(kS2mmCr, Slot(kDesc, 5));
  PushPacket(p1);
  PushPacket(p2);
  PushPacket(p3);
  const uint32_t sr = WaitIdleOrHalted(kS2mmCr);
  EXPECT_EQ(sr & (kIdle | kHalted | kAnyErr), kIdle) << Hex(sr);
  const uint32_t kRxSof = kSof, kRxEof = kEof;
  const std::vector<uint32_t> want = {
      kRxSof | 256, 256, 256, kRxEof | 232, kRxSof | kRxEof | 256, kRxSof | kRxEof | 100};
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(Status(kDesc, i), kCmplt | want[i]) << i;
  EXPECT_EQ(Status(kDesc, 6), 0u);  // past the tail: not touched
  std::vector<uint8_t> got;
  for (size_t i = 0; i < 4; ++i) {
    const std::vector<uint8_t> part = memory_.Read(d[i].buf, want[i] & kLenMask);
    got.insert(got.end(), part.begin(), part.end());
  }
  EXPECT_EQ(got, p1);
  EXPECT_EQ(memory_.Read(d[4].buf, 256), p2);
  EXPECT_EQ(memory_.Read(d[5].buf, 100), p3);
  EXPECT_EQ(model_.s2mm_introut, 1);
}

TEST_F(DmaSgTest, TailPausesAndRestartsWithTheNextDescriptor) {
  std::vector<Desc> d;
  std::vector<std::vector<uint8_t>> data;
  for (uint32_t i = 0; i < 4; ++i) {
    d.push_back({0x20000000ull + 0x1000 * i, 128, kSof | kEof});
    data.push_back(RandomBytes(128, 40 + i));
    memory_.Write(d[i].buf, data[i]);
  }
  Chain(kDesc, d);
  // a tail written while halted does nothing
  Tail(kMm2sCr, Slot(kDesc, 1));
  clock_.Run(50);
  EXPECT_EQ(sg_mem_.read_beats(), 0u);
  Start(kMm2sCr, kDesc);
  EXPECT_EQ(R(kMm2sCr + kSr) & kIdle, 0u);
  Tail(kMm2sCr, Slot(kDesc, 1));
  EXPECT_EQ(WaitIdleOrHalted(kMm2sCr) & (kIdle | kHalted | kAnyErr), kIdle);
  EXPECT_EQ(sink_.beats().size(), 2 * 128u / kNb);
  EXPECT_EQ(CurDesc(kMm2sCr), Slot(kDesc, 1));
  EXPECT_EQ(Status(kDesc, 1), kCmplt | 128);
  EXPECT_EQ(Status(kDesc, 2), 0u);
  clock_.Run(200);
  EXPECT_EQ(model_.busy, 0);  // paused at the tail
  EXPECT_EQ(sink_.beats().size(), 2 * 128u / kNb);
  // moving the tail restarts with the descriptor after the old tail
  Tail(kMm2sCr, Slot(kDesc, 3));
  EXPECT_EQ(R(kMm2sCr + kSr) & kIdle, 0u);  // Idle clears with the write
  EXPECT_EQ(WaitIdleOrHalted(kMm2sCr) & (kIdle | kHalted | kAnyErr), kIdle);
  std::vector<size_t> packets;
  std::vector<uint8_t> want;
  for (const auto& v : data) want.insert(want.end(), v.begin(), v.end());
  EXPECT_EQ(StreamBytes(0, &packets), want);
  EXPECT_EQ(packets, (std::vector<size_t>(4, 128)));
  EXPECT_EQ(CurDesc(kMm2sCr), Slot(kDesc, 3));
}

TEST_F(DmaSgTest, PynqSequenceLoopback) {
  s2mm_.set_loopback(true);
  std::mt19937 rng(5);
  const uint32_t align = sizeof(model_.m_axi_mm2s_rdata);  // PYNQ: memory-map data width
  for (int i = 0; i < 12; ++i) {
    const uint32_t n = align * (2 + rng() % (i % 4 == 0 ? 4000 : 300));
    const uint64_t src = 0x20000000ull + align * (rng() % 64), dst = 0x28000000ull;
    const std::vector<uint8_t> data = RandomBytes(n, 100 + i);
    memory_.Write(src, data);
    memory_.Write(dst, std::vector<uint8_t>(n + 64, 0xA5));
    const uint64_t tx_desc = kDesc + 0x100000 * i, rx_desc = tx_desc + 0x80000;
    const std::vector<Desc> tx = PynqDescs(src, n, align), rx = PynqDescs(dst, n, align);
    Chain(tx_desc, tx, tx_desc);  // PYNQ: the last points back at the first
    Chain(rx_desc, rx, rx_desc);
    Start(kS2mmCr, rx_desc);
    Tail(kS2mmCr, Slot(rx_desc, rx.size() - 1));
    Start(kMm2sCr, tx_desc);
    Tail(kMm2sCr, Slot(tx_desc, tx.size() - 1));
    for (uint32_t cr : {kMm2sCr, kS2mmCr}) {
      const uint32_t sr = WaitIdleOrHalted(cr);
      ASSERT_EQ(sr & (kIdle | kHalted | kAnyErr), kIdle) << Hex(sr);
    }
    uint32_t sent = 0, got = 0;
    for (size_t k = 0; k < tx.size(); ++k) {
      EXPECT_EQ(Status(tx_desc, k) & 0x30000000u, 0u);
      sent += Status(tx_desc, k) & kLenMask;
    }
    for (size_t k = 0; k < rx.size(); ++k) got += Status(rx_desc, k) & kLenMask;
    EXPECT_EQ(sent, n);
    EXPECT_EQ(got, n);
    EXPECT_NE(Status(rx_desc, rx.size() - 1) & kEof, 0u) << "RXEOF";
    EXPECT_EQ(memory_.Read(dst, n), data) << n << " bytes";
    EXPECT_EQ(memory_.Read(dst + n, 64), std::vector<uint8_t>(64, 0xA5));
    Stop(kMm2sCr);
    Stop(kS2mmCr);
    W(kMm2sCr + kSr, kIocIrq);
    W(kS2mmCr + kSr, kIocIrq);
    if (HasFailure()) return;
  }
}

TEST_F(DmaSgTest, FetchDecodeErrorSetsSgDecErr) {
  // the first descriptor is fine, its NXTDESC points outside the memory
  memory_.Write(0x20000000, RandomBytes(64, 7));
  const uint64_t bad = kWindow + 0x1000;
  Chain(kDesc, {{0x20000000, 64, kSof | kEof}}, bad);
  Start(kMm2sCr, kDesc);
  Tail(kMm2sCr, bad);
  const uint32_t sr = WaitIdleOrHalted(kMm2sCr);
  EXPECT_EQ(sr & (kHalted | kIdle | kAnyErr | kErrIrq), kHalted | kSgDecErr | kErrIrq) << Hex(sr);
  EXPECT_EQ(Status(kDesc, 0), kCmplt | 64);
  EXPECT_EQ(CurDesc(kMm2sCr), bad);
  EXPECT_EQ(R(kMm2sCr) & kRs, 0u);
  EXPECT_EQ(model_.mm2s_introut, 1);
  // RS cannot be set again until a reset
  W(kMm2sCr, kRs);
  clock_.Run(20);
  EXPECT_NE(R(kMm2sCr + kSr) & kHalted, 0u);
  W(kMm2sCr, kReset);
  clock_.RunUntil([&] { return (R(kMm2sCr) & kReset) == 0; }, 1000, "reset");
  EXPECT_EQ(R(kMm2sCr + kSr), 0x00010000u | kSgIncld | kHalted);
  EXPECT_EQ(model_.mm2s_introut, 0);
}

TEST_F(DmaSgTest, FirstFetchDecodeErrorOnS2mm) {
  const uint64_t bad = kWindow + 0x40;
  Start(kS2mmCr, bad);
  Tail(kS2mmCr, bad);
  const uint32_t sr = WaitIdleOrHalted(kS2mmCr);
  EXPECT_EQ(sr & (kHalted | kAnyErr), kHalted | kSgDecErr) << Hex(sr);
  EXPECT_EQ(model_.s2mm_introut, 1);
  EXPECT_EQ(model_.mm2s_introut, 0);
}

TEST_F(DmaSgTest, StaleDescriptorIsSgIntErr) {
  Chain(kDesc, {{0x20000000, 64, kSof | kEof}});
  SetWord(Slot(kDesc, 0) + 0x1C, kCmplt | 64);
  Start(kMm2sCr, kDesc);
  Tail(kMm2sCr, kDesc);
  const uint32_t sr = WaitIdleOrHalted(kMm2sCr);
  EXPECT_EQ(sr & (kHalted | kAnyErr), kHalted | kSgIntErr) << Hex(sr);
  EXPECT_EQ(sink_.beats().size(), 0u);
}

TEST_F(DmaSgTest, ZeroLengthDescriptorIsDmaIntErr) {
  Chain(kDesc, {{0x20000000, 0, kSof | kEof}});
  Start(kMm2sCr, kDesc);
  Tail(kMm2sCr, kDesc);
  const uint32_t sr = WaitIdleOrHalted(kMm2sCr);
  EXPECT_EQ(sr & (kHalted | kAnyErr), kHalted | kIntErr) << Hex(sr);
}

TEST_F(DmaSgTest, DataDecodeErrorIsWrittenBack) {
  std::vector<Desc> d;
  for (uint32_t i = 0; i < 3; ++i) d.push_back({0x30000000ull + 0x1000 * i, 256, 0});
  d[1].buf = kWindow + 0x2000;
  Chain(kDesc, d);
  Start(kS2mmCr, kDesc);
  Tail(kS2mmCr, Slot(kDesc, 2));
  PushPacket(RandomBytes(700, 9));
  const uint32_t sr = WaitIdleOrHalted(kS2mmCr);
  EXPECT_EQ(sr & (kHalted | kAnyErr), kHalted | kDecErr) << Hex(sr);
  EXPECT_EQ(Status(kDesc, 0), kCmplt | kSof | 256);
  EXPECT_EQ(Status(kDesc, 1) & (kCmplt | kStDecErr | kStSlvErr), kCmplt | kStDecErr);
  EXPECT_EQ(Status(kDesc, 2), 0u);
  EXPECT_EQ(CurDesc(kS2mmCr), Slot(kDesc, 1));
}

TEST_F(DmaSgTest, IocAfterThresholdDescriptors) {
  std::vector<Desc> d;
  for (uint32_t i = 0; i < 7; ++i) {
    d.push_back({0x20000000ull + 0x100 * i, 16, kSof | kEof});
    memory_.Write(d[i].buf, RandomBytes(16, 60 + i));
  }
  Chain(kDesc, d);
  Start(kMm2sCr, kDesc, kIocEn | kErrEn | 3u << 16);
  EXPECT_EQ(R(kMm2sCr + kSr) >> 16 & 0xFF, 3u);
  Tail(kMm2sCr, Slot(kDesc, 1));
  WaitIdleOrHalted(kMm2sCr);
  EXPECT_EQ(R(kMm2sCr + kSr) & kIocIrq, 0u) << "2 of 3";
  EXPECT_EQ(R(kMm2sCr + kSr) >> 16 & 0xFF, 1u);
  EXPECT_EQ(model_.mm2s_introut, 0);
  Tail(kMm2sCr, Slot(kDesc, 2));
  WaitIdleOrHalted(kMm2sCr);
  EXPECT_NE(R(kMm2sCr + kSr) & kIocIrq, 0u) << "3 of 3";
  EXPECT_EQ(R(kMm2sCr + kSr) >> 16 & 0xFF, 3u);
  EXPECT_EQ(model_.mm2s_introut, 1);
  W(kMm2sCr + kSr, kIocIrq);
  Tail(kMm2sCr, Slot(kDesc, 6));
  WaitIdleOrHalted(kMm2sCr);
  EXPECT_NE(R(kMm2sCr + kSr) & kIocIrq, 0u) << "6 of 7";
  EXPECT_EQ(R(kMm2sCr + kSr) >> 16 & 0xFF, 2u);
  W(kMm2sCr + kSr, kIocIrq);
  EXPECT_EQ(model_.mm2s_introut, 0);
}

TEST_F(DmaSgTest, DelayInterruptAfterQuietPeriod) {
  Chain(kDesc, {{0x20000000, 32, kSof | kEof}});
  // threshold 4 (not reached), IRQDelay 2 units of C_DLYTMR_RESOLUTION (125) clocks
  Start(kMm2sCr, kDesc, kDlyEn | kErrEn | 4u << 16 | 2u << 24);
  Tail(kMm2sCr, kDesc);
  WaitIdleOrHalted(kMm2sCr);
  EXPECT_EQ(R(kMm2sCr + kSr) & (kIocIrq | kDlyIrq), 0u);
  EXPECT_EQ(model_.busy, 1);  // the timer runs on its own
  const uint64_t cycles =
      clock_.RunUntil([&] { return model_.mm2s_introut != 0; }, 1000, "delay interrupt");
  EXPECT_LE(cycles, 250u);
  EXPECT_EQ(R(kMm2sCr + kSr) & (kIocIrq | kDlyIrq), kDlyIrq);
  EXPECT_EQ(R(kMm2sCr + kSr) >> 16 & 0xFF, 4u);  // the delay interrupt resets the count
  clock_.Run(2);
  EXPECT_EQ(model_.busy, 0);
}

TEST_F(DmaSgTest, StopMidChainHalts) {
  sink_.set_backpressure(1.0);  // nothing taken: the chain cannot finish
  std::vector<Desc> d;
  for (uint32_t i = 0; i < 3; ++i) d.push_back({0x20000000ull + 0x1000 * i, 512, 0});
  Chain(kDesc, d);
  Start(kMm2sCr, kDesc);
  Tail(kMm2sCr, Slot(kDesc, 2));
  clock_.Run(300);
  Stop(kMm2sCr);
  EXPECT_EQ(R(kMm2sCr + kSr) & (kIdle | kAnyErr), 0u);
  EXPECT_EQ(model_.m_axis_mm2s_tvalid, 0);
  EXPECT_EQ(model_.busy, 0);
  // and runs again from a new CURDESC after a restart
  sink_.set_backpressure(0.0);
  memory_.Write(0x20000000, RandomBytes(512, 3));
  Chain(kDesc, {{0x20000000, 512, kSof | kEof}});
  const size_t from = sink_.beats().size();
  Start(kMm2sCr, kDesc);
  Tail(kMm2sCr, kDesc);
  EXPECT_EQ(WaitIdleOrHalted(kMm2sCr) & (kIdle | kHalted | kAnyErr), kIdle);
  std::vector<size_t> packets;
  EXPECT_EQ(StreamBytes(from, &packets), RandomBytes(512, 3));
}

}  // namespace
}  // namespace pynq_remote::tb
