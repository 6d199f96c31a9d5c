// The binding end to end: a Verilated top with two master ports of different widths
// (tests/rtl/multi_port.v: hp0 at 128 bits write-only, hpc0 at 64 bits read/write), its pins
// bound by the binding gen_binding.py generated, loaded into the board's PL socket. Both ports
// write DDR in the same cycles through their own bridges; hpc0 then reads hp0's data back and
// writes a copy.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>

#include "Vmulti_port_binding.h"
#include "board/board_top.h"
#include "memory/sparse_store.h"
#include "pl/verilated_design.h"

namespace pynq_remote::sim {
namespace {

using MultiPort = VerilatedDesign<Vmulti_port, Binding_multi_port>;

uint32_t Word32(const SparseStore& store, uint64_t addr) {
  uint32_t v;
  std::memcpy(&v, store.data() + addr, 4);
  return v;
}

uint64_t Word64(const SparseStore& store, uint64_t addr) {
  uint64_t v;
  std::memcpy(&v, store.data() + addr, 8);
  return v;
}

// The process-wide board with a private DDR store; the PL and store are released after.
class MultiPortDesign : public ::testing::Test {
 protected:
  void SetUp() override {
    std::memset(store_.data(), 0xEE, 0x4000);
    board_.ddr.SetStore(&store_);
  }
  void TearDown() override {
    board_.pl.Load(nullptr);
    board_.ddr.SetStore(nullptr);
  }
  // Runs the PL until the design is idle (bounded).
  void RunUntilIdle() {
    for (int i = 0; i < 100 && board_.pl.busy(); ++i) board_.RunQuantum(10);
  }

  BoardTop& board_ = BoardTop::Get();
  SparseStore store_{1 << 20};
};

TEST_F(MultiPortDesign, BindingDescribesBothPorts) {
  MultiPort design("multi_port", DesignOptions{});
  const std::vector<MasterPortInfo>& ports = design.master_ports();
  ASSERT_EQ(ports.size(), 2u);
  EXPECT_EQ(ports[0].ps_port, "S_AXI_HP0_FPD");
  EXPECT_EQ(ports[0].data_bits, 128u);
  EXPECT_FALSE(ports[0].reads);
  EXPECT_TRUE(ports[0].writes);
  EXPECT_EQ(ports[1].ps_port, "S_AXI_HPC0_FPD");
  EXPECT_EQ(ports[1].data_bits, 64u);
  EXPECT_TRUE(ports[1].reads && ports[1].writes);
  EXPECT_EQ(design.pins().m_axi.size(), 2u);
  EXPECT_EQ(PlSocket::CheckDesign(design), "");
}

TEST_F(MultiPortDesign, TwoPortsOfDifferentWidthsWriteDdr) {
  board_.pl.Load(std::make_unique<MultiPort>("multi_port", DesignOptions{}));
  ASSERT_EQ(board_.pl.master_bridges().size(), 2u);
  EXPECT_EQ(board_.pl.master_bridges()[0]->bus_bytes(), 16u);
  EXPECT_EQ(board_.pl.master_bridges()[1]->bus_bytes(), 8u);
  EXPECT_TRUE(board_.pl.busy());
  RunUntilIdle();
  ASSERT_FALSE(board_.pl.busy());
  EXPECT_EQ(board_.pl.irq(), 1);
  // hp0: 4 beats of 128 bits at 0x1000, beat i word k = 0xA0000000 + 4i + k
  for (unsigned w = 0; w < 16; ++w) {
    EXPECT_EQ(Word32(store_, 0x1000 + 4 * w), 0xA0000000u + w) << "hp0 word " << w;
  }
  EXPECT_EQ(Word32(store_, 0x1040), 0xEEEEEEEEu);
  // hpc0: 4 beats of 64 bits at 0x2000
  for (unsigned i = 0; i < 4; ++i) {
    EXPECT_EQ(Word64(store_, 0x2000 + 8 * i), (uint64_t{0xB1000000u + i} << 32) | (0xB0000000u + i))
        << "hpc0 beat " << i;
  }
  EXPECT_EQ(Word32(store_, 0x2020), 0xEEEEEEEEu);
  // hpc0's copy of the first 32 bytes hp0 wrote, read as 64-bit beats, each plus 1
  for (unsigned i = 0; i < 4; ++i) {
    const uint64_t expect = Word64(store_, 0x1000 + 8 * i) + 1;
    EXPECT_EQ(Word64(store_, 0x3000 + 8 * i), expect) << "copy beat " << i;
  }
  EXPECT_EQ(Word32(store_, 0x3020), 0xEEEEEEEEu);
  EXPECT_EQ(board_.pl.master_bridges()[0]->beats_written(), 4u);
  EXPECT_EQ(board_.pl.master_bridges()[1]->beats_written(), 8u);
  EXPECT_EQ(board_.pl.master_bridges()[1]->beats_read(), 4u);
}

// A reset while both ports are mid-burst: the bridges forget their bursts and the design
// starts over from reset, completing everything again.
TEST_F(MultiPortDesign, ResetMidBurstStartsOver) {
  board_.pl.Load(std::make_unique<MultiPort>("multi_port", DesignOptions{}));
  board_.RunQuantum(3);  // address handshakes done, data beats under way
  ASSERT_TRUE(board_.pl.master_bridges()[0]->Active());
  board_.pl.Reset();
  std::memset(store_.data(), 0xEE, 0x4000);
  RunUntilIdle();
  ASSERT_FALSE(board_.pl.busy());
  for (unsigned w = 0; w < 16; ++w) EXPECT_EQ(Word32(store_, 0x1000 + 4 * w), 0xA0000000u + w);
  for (unsigned i = 0; i < 4; ++i) {
    EXPECT_EQ(Word64(store_, 0x3000 + 8 * i), Word64(store_, 0x1000 + 8 * i) + 1);
  }
}

// A design whose pins do not match its ports is refused by name, and the PL stays empty.
class BrokenDesign final : public PlDesign {
 public:
  explicit BrokenDesign(unsigned bits) { ports_.push_back({"S_AXI_HP0_FPD", bits, true, true}); }
  const std::string& name() const override { return name_; }
  ShellPins& pins() override { return pins_; }
  const std::vector<MasterPortInfo>& master_ports() const override { return ports_; }
  uint64_t Run(uint64_t cycles, EdgeHook&) override { return cycles; }
  bool OpenTrace(const std::string&) override { return false; }
  void SetHalfPeriodPs(uint64_t) override {}
  void AddPins() { pins_.m_axi.resize(1); }

 private:
  std::string name_ = "broken";
  std::vector<MasterPortInfo> ports_;
  ShellPins pins_;
};

TEST_F(MultiPortDesign, MismatchedDesignIsRefused) {
  auto no_pins = std::make_unique<BrokenDesign>(64);
  EXPECT_NE(PlSocket::CheckDesign(*no_pins).find("1 master ports but 0 pin bundles"),
            std::string::npos);
  EXPECT_THROW(board_.pl.Load(std::move(no_pins)), std::invalid_argument);
  EXPECT_FALSE(board_.pl.loaded());
  auto odd = std::make_unique<BrokenDesign>(48);
  odd->AddPins();
  EXPECT_NE(PlSocket::CheckDesign(*odd).find("S_AXI_HP0_FPD is 48 bits wide"), std::string::npos);
}

}  // namespace
}  // namespace pynq_remote::sim
