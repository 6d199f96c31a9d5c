// pr_axi_upsizer: a narrow AXI4 master's INCR bursts through the upsizer into tb.h's
// Axi4Memory on the wide side, which checks every wide burst (AxSIZE the bus width, no 4 KiB
// crossing, WLAST in place). Writes with random strobes, starting on any narrow lane, land
// byte for byte; reads give back the bytes at each narrow beat's address; under random
// stalls on both sides. Built for 32 -> 64, 64 -> 128, 32 -> 128 bits (CMakeLists.txt).
#include <gtest/gtest.h>

#include <deque>
#include <map>

#include MODEL_HEADER
#include "tb.h"

namespace pynq_remote::tb {
namespace {

constexpr int kNb = NARROW_BYTES;

/// A narrow AXI4 master: one read burst and one write burst at a time, random gaps in its
/// W VALID and R/B READY.
class NarrowMaster : public Agent {
 public:
  NarrowMaster(MODEL& m) : m_(m) {}
  void set_stall(double p, uint32_t seed) {
    stall_ = p;
    rng_.seed(seed);
  }
  void Read(uint64_t addr, int beats) { rd_ = {true, addr, beats, false, {}}; }
  void Write(uint64_t addr, const std::vector<uint8_t>& bytes, const std::vector<uint8_t>& strb) {
    wr_ = {true, addr, static_cast<int>(bytes.size()) / kNb, false, 0, bytes, strb};
  }
  bool read_done() const { return !rd_.active; }
  bool write_done() const { return !wr_.active; }
  const std::vector<uint8_t>& read_bytes() const { return rd_.got; }
  std::vector<std::string> errors;

  void Drive() override {
    const bool stall = stall_ > 0 && std::uniform_real_distribution<double>(0, 1)(rng_) < stall_;
    m_.s_araddr = rd_.addr;
    m_.s_arlen = rd_.beats - 1;
    m_.s_arsize = kNb == 4 ? 2 : 3;
    m_.s_arburst = 1;
    m_.s_arvalid = rd_.active && !rd_.addr_taken;
    m_.s_rready = rd_.active && rd_.addr_taken && !stall;
    m_.s_awaddr = wr_.addr;
    m_.s_awlen = wr_.beats - 1;
    m_.s_awsize = kNb == 4 ? 2 : 3;
    m_.s_awburst = 1;
    m_.s_awvalid = wr_.active && !wr_.addr_taken;
    // once offered, a W beat stays valid until taken
    if (!w_holding_) w_offer_ = wr_.active && wr_.sent < wr_.beats && !stall;
    m_.s_wvalid = w_offer_;
    uint64_t data = 0;
    uint32_t strb = 0;
    for (int i = kNb - 1; i >= 0 && wr_.active && wr_.sent < wr_.beats; --i) {
      data = data << 8 | wr_.bytes[wr_.sent * kNb + i];
      strb = strb << 1 | wr_.strb[wr_.sent * kNb + i];
    }
    m_.s_wdata = data;
    m_.s_wstrb = strb;
    m_.s_wlast = wr_.sent == wr_.beats - 1;
    m_.s_bready = wr_.active && !stall;
  }
  void Sample() override {
    ar_ = m_.s_arvalid && m_.s_arready;
    r_ = m_.s_rvalid && m_.s_rready;
    aw_ = m_.s_awvalid && m_.s_awready;
    w_ = m_.s_wvalid && m_.s_wready;
    b_ = m_.s_bvalid && m_.s_bready;
    rdata_ = m_.s_rdata;
    rlast_ = m_.s_rlast;
    rresp_ = m_.s_rresp;
    bresp_ = m_.s_bresp;
  }
  void Update() override {
    if (ar_) rd_.addr_taken = true;
    if (r_) {
      for (int i = 0; i < kNb; ++i) rd_.got.push_back(static_cast<uint8_t>(rdata_ >> (8 * i)));
      const bool last = static_cast<int>(rd_.got.size()) == rd_.beats * kNb;
      if (rlast_ != last)
        errors.push_back("RLAST " + std::to_string(rlast_) + " on beat " +
                         std::to_string(rd_.got.size() / kNb));
      if (rresp_ != 0) errors.push_back("RRESP " + std::to_string(rresp_));
      if (last) rd_.active = false;
    }
    if (aw_) wr_.addr_taken = true;
    if (w_) ++wr_.sent;
    w_holding_ = w_offer_ && !w_;
    if (b_) {
      if (wr_.sent != wr_.beats) errors.push_back("B before the last W beat");
      if (bresp_ != 0) errors.push_back("BRESP " + std::to_string(bresp_));
      wr_.active = false;
    }
  }

 private:
  struct ReadOp {
    bool active = false;
    uint64_t addr = 0;
    int beats = 1;
    bool addr_taken = false;
    std::vector<uint8_t> got;
  };
  struct WriteOp {
    bool active = false;
    uint64_t addr = 0;
    int beats = 1;
    bool addr_taken = false;
    int sent = 0;
    std::vector<uint8_t> bytes, strb;
  };
  MODEL& m_;
  double stall_ = 0;
  std::mt19937 rng_{1};
  ReadOp rd_;
  WriteOp wr_;
  bool w_offer_ = false, w_holding_ = false;
  bool ar_ = false, r_ = false, aw_ = false, w_ = false, b_ = false, rlast_ = false;
  uint64_t rdata_ = 0;
  uint8_t rresp_ = 0, bresp_ = 0;
};

class UpsizerTest : public ::testing::Test {
 protected:
  UpsizerTest()
      : clock_(model_),
        master_(model_),
        rd_pins_(PR_AXI4_READ_PINS(model_, m_)),
        wr_pins_(PR_AXI4_WRITE_PINS(model_, m_)),
        memory_(&rd_pins_, &wr_pins_) {
    clock_.Add(&master_);
    clock_.Add(&memory_);
    clock_.Reset();
  }
  /// A burst start: narrow-aligned, any lane, `beats` narrow beats not crossing 4 KiB.
  uint64_t Start(std::mt19937& rng, int beats) {
    const uint64_t page = 0x800000000ull + (rng() % 64) * 0x1000;
    const uint64_t span = beats * kNb;
    return page + (rng() % ((0x1000 - span) / kNb + 1)) * kNb;
  }
  void RunWrite(uint64_t addr, const std::vector<uint8_t>& bytes,
                const std::vector<uint8_t>& strb) {
    master_.Write(addr, bytes, strb);
    clock_.RunUntil([&] { return master_.write_done(); }, 20000, "write burst");
    for (size_t i = 0; i < bytes.size(); ++i) {
      if (strb[i]) model_bytes_[addr + i] = bytes[i];
    }
  }
  std::vector<uint8_t> RunRead(uint64_t addr, int beats) {
    master_.Read(addr, beats);
    clock_.RunUntil([&] { return master_.read_done(); }, 20000, "read burst");
    return master_.read_bytes();
  }
  uint8_t Expected(uint64_t addr) const {
    auto it = model_bytes_.find(addr);
    return it == model_bytes_.end() ? 0 : it->second;
  }

  MODEL model_;
  Clock<MODEL> clock_;
  NarrowMaster master_;
  Axi4ReadPins rd_pins_;
  Axi4WritePins wr_pins_;
  Axi4Memory memory_;
  std::map<uint64_t, uint8_t> model_bytes_;
};

TEST_F(UpsizerTest, WritesLandAndReadsReturnByAddress) {
  std::mt19937 rng(21);
  for (double stall : {0.0, 0.3}) {
    master_.set_stall(stall, 22);
    memory_.set_stall(stall, 23);
    for (int op = 0; op < 150; ++op) {
      const int beats = 1 + rng() % (op % 3 == 0 ? 256 : 17);
      const uint64_t addr = Start(rng, beats);
      std::vector<uint8_t> bytes(beats * kNb), strb(beats * kNb);
      for (size_t i = 0; i < bytes.size(); ++i) {
        bytes[i] = static_cast<uint8_t>(rng());
        strb[i] = rng() % 8 != 0;
      }
      RunWrite(addr, bytes, strb);
      for (size_t i = 0; i < bytes.size(); ++i) {
        ASSERT_EQ(memory_.Byte(addr + i), Expected(addr + i))
            << "write at " << Hex(addr) << " of " << beats << " beats, byte " << i;
      }
      // read back a burst overlapping it, from another lane
      const int rbeats = 1 + rng() % 40;
      const uint64_t raddr = Start(rng, rbeats) % 0x1000 + (addr & ~0xFFFull);
      std::vector<uint8_t> got = RunRead(raddr, rbeats);
      ASSERT_EQ(got.size(), static_cast<size_t>(rbeats * kNb));
      for (size_t i = 0; i < got.size(); ++i) {
        ASSERT_EQ(got[i], Expected(raddr + i))
            << "read at " << Hex(raddr) << " of " << rbeats << " beats, byte " << i;
      }
    }
  }
  EXPECT_TRUE(master_.errors.empty()) << master_.errors.front();
  EXPECT_TRUE(memory_.violations().empty()) << memory_.violations().front();
  clock_.Run(3);
  EXPECT_EQ(model_.busy, 0);
}

TEST_F(UpsizerTest, ReadsAndWritesAtOnce) {
  std::mt19937 rng(31);
  for (uint64_t i = 0; i < 0x2000; ++i) {
    memory_.SetByte(0x900000000ull + i, static_cast<uint8_t>(i * 7));
  }
  std::vector<uint8_t> bytes(64 * kNb), strb(64 * kNb, 1);
  for (auto& b : bytes) b = static_cast<uint8_t>(rng());
  master_.Write(0x900001000ull + kNb, bytes, strb);  // the second lane of a wide beat
  master_.Read(0x900000000ull + kNb, 100);
  clock_.RunUntil([&] { return master_.read_done() && master_.write_done(); }, 20000, "both");
  const std::vector<uint8_t>& got = master_.read_bytes();
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i], static_cast<uint8_t>((kNb + i) * 7)) << i;
  }
  for (size_t i = 0; i < bytes.size(); ++i) {
    ASSERT_EQ(memory_.Byte(0x900001000ull + kNb + i), bytes[i]) << i;
  }
  EXPECT_EQ(memory_.Byte(0x900001000ull), static_cast<uint8_t>(0x1000 * 7)) << "lane 0 kept";
  EXPECT_TRUE(master_.errors.empty());
  EXPECT_TRUE(memory_.violations().empty());
}

}  // namespace
}  // namespace pynq_remote::tb
