// The generated top of designs/dual_dma with the test-bench memory on both of its ports: the
// two DMAs loop data back at the same time, their MM2S bursts sharing S_AXI_HP0_FPD
// (m_axi_hp0_*, 128 bits, read-only) and their S2MM bursts sharing S_AXI_HP1_FPD
// (m_axi_hp1_*, 64 bits, write-only) through the top's arbiters; every byte lands where its
// DMA was told, both DMAs are served in turn, and the INTC raises irq[0] for all four
// channel interrupts. The AXI4-Lite accesses go through the shell's full-address decoder.
#include <gtest/gtest.h>

#include <vector>

#include "Vdual_dma_test.h"
#include "tb.h"

namespace pynq_remote::tb {
namespace {

using Model = Vdual_dma_test;
constexpr uint32_t kDma[2] = {0xA0000000, 0xA0010000};
constexpr uint32_t kIntc = 0xA0020000;
constexpr uint32_t kMm2sCr = 0x00, kMm2sSr = 0x04, kMm2sSa = 0x18, kMm2sLen = 0x28, kS2mmCr = 0x30,
                   kS2mmSr = 0x34, kS2mmDa = 0x48, kS2mmLen = 0x58;
constexpr uint32_t kRs = 1, kIocEn = 1u << 12, kIdle = 1u << 1, kIocIrq = 1u << 12;
constexpr uint32_t kIntcIsr = 0x00, kIntcIer = 0x08, kIntcMer = 0x1C;

// Which DMA each HP0 read burst belongs to, from its address (the two sources are apart).
class ArLog : public Agent {
 public:
  explicit ArLog(Model& m) : m_(m) {}
  void Sample() override {
    if (m_.m_axi_hp0_arvalid && m_.m_axi_hp0_arready) owners_.push_back(m_.m_axi_hp0_araddr);
  }
  const std::vector<uint64_t>& addrs() const { return owners_; }

 private:
  Model& m_;
  std::vector<uint64_t> owners_;
};

class DualDmaTest : public ::testing::TestWithParam<double> {
 protected:
  DualDmaTest()
      : clock_(model_),
        bus_(clock_, PR_AXIL_PINS(model_, s_axil_)),
        rd_(PR_AXI4_READ_PINS(model_, m_axi_hp0_)),
        wr_(PR_AXI4_WRITE_PINS(model_, m_axi_hp1_)),
        hp0_(&rd_, nullptr),
        hp1_(nullptr, &wr_),
        log_(model_) {
    clock_.Add(&hp0_);
    clock_.Add(&hp1_);
    clock_.Add(&log_);
    clock_.Reset();
  }
  ~DualDmaTest() override {
    EXPECT_TRUE(hp0_.violations().empty()) << hp0_.violations().front();
    EXPECT_TRUE(hp1_.violations().empty()) << hp1_.violations().front();
  }
  void W(uint32_t addr, uint32_t v) { ASSERT_EQ(bus_.Write(addr, v), 0) << Hex(addr); }
  uint32_t R(uint32_t addr) { return bus_.Read32(addr); }

  Model model_;
  Clock<Model> clock_;
  AxiLiteMaster<Model> bus_;
  Axi4ReadPins rd_;
  Axi4WritePins wr_;
  Axi4Memory hp0_, hp1_;
  ArLog log_;
};

TEST_P(DualDmaTest, BothDmasLoopBackAtOnce) {
  hp0_.set_stall(GetParam(), 5);
  hp1_.set_stall(GetParam(), 6);
  const uint64_t src[2] = {0x10000004, 0x20000000};  // DMA 0 starts off a 16-byte beat
  const uint64_t dst[2] = {0x30000000, 0x38000003};  // DMA 1 off an 8-byte beat
  const uint32_t len[2] = {40000, 32768};
  std::vector<std::vector<uint8_t>> data(2);
  for (int d = 0; d < 2; ++d) {
    for (uint32_t i = 0; i < len[d]; ++i) data[d].push_back(static_cast<uint8_t>(i * 13 + d * 101));
    hp0_.Write(src[d], data[d]);
  }
  W(kIntc + kIntcIer, 0xF);
  W(kIntc + kIntcMer, 0x3);
  // PYNQ's order: both channels running, receive armed, then the send; both DMAs before
  // waiting on either.
  for (int d = 0; d < 2; ++d) {
    W(kDma[d] + kS2mmCr, kRs | kIocEn);
    W(kDma[d] + kMm2sCr, kRs | kIocEn);
    W(kDma[d] + kS2mmDa, static_cast<uint32_t>(dst[d]));
    W(kDma[d] + kS2mmLen, len[d]);
  }
  for (int d = 0; d < 2; ++d) {
    W(kDma[d] + kMm2sSa, static_cast<uint32_t>(src[d]));
    W(kDma[d] + kMm2sLen, len[d]);
  }
  clock_.RunUntil([&] { return (R(kDma[0] + kS2mmSr) & kIdle) && (R(kDma[1] + kS2mmSr) & kIdle); },
                  2000000, "both loopbacks");
  for (int d = 0; d < 2; ++d) {
    EXPECT_EQ(R(kDma[d] + kS2mmLen), len[d]) << "DMA " << d;
    EXPECT_EQ(hp1_.Read(dst[d], len[d]), data[d]) << "DMA " << d;
    EXPECT_NE(R(kDma[d] + kMm2sSr) & kIocIrq, 0u) << "DMA " << d;
    EXPECT_NE(R(kDma[d] + kS2mmSr) & kIocIrq, 0u) << "DMA " << d;
  }
  // The MM2S bursts of both DMAs took turns on HP0: neither ran all of its transfer first.
  std::vector<int> owner;
  for (uint64_t a : log_.addrs()) owner.push_back(a >= 0x20000000 ? 1 : 0);
  ASSERT_FALSE(owner.empty());
  int switches = 0;
  for (size_t i = 1; i < owner.size(); ++i) switches += owner[i] != owner[i - 1];
  EXPECT_GT(switches, 100) << "of " << owner.size() << " read bursts";
  EXPECT_EQ(hp0_.read_beats(), (len[0] + 4 + 15) / 16 + len[1] / 16);
  // All four channel interrupts reached the INTC, and its output irq[0].
  EXPECT_EQ(R(kIntc + kIntcIsr), 0xFu);
  EXPECT_EQ(model_.irq, 1u);
}

INSTANTIATE_TEST_SUITE_P(Stalls, DualDmaTest, ::testing::Values(0.0, 0.3));

}  // namespace
}  // namespace pynq_remote::tb
