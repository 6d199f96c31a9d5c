// The test-bench toolkit against a known design (ref_accel): the AXI-Lite master reads and
// writes registers and sees SLVERR/DECERR, the AXI4 memory serves the accelerator's bursts
// with and without stalls and checks the protocol.
#include <gtest/gtest.h>

#include "Vtb_toolkit_test.h"
#include "tb.h"

namespace pynq_remote::tb {
namespace {

constexpr uint32_t kRegs = 0xA0000000, kAccel = 0xA0010000;

class ToolkitTest : public ::testing::TestWithParam<double> {
 protected:
  ToolkitTest()
      : clock_(model_),
        bus_(clock_, PR_AXIL_PINS(model_, s_axil_)),
        rd_(PR_AXI4_READ_PINS(model_, m_axi_hp0_)),
        wr_(PR_AXI4_WRITE_PINS(model_, m_axi_hp0_)),
        memory_(&rd_, &wr_) {
    clock_.Add(&memory_);
    clock_.Reset();
  }
  Vtb_toolkit_test model_;
  Clock<Vtb_toolkit_test> clock_;
  AxiLiteMaster<Vtb_toolkit_test> bus_;
  Axi4ReadPins rd_;
  Axi4WritePins wr_;
  Axi4Memory memory_;
};

TEST_P(ToolkitTest, RegistersAndResponses) {
  EXPECT_EQ(bus_.Read32(kRegs + 0x0), 0x52454641u);
  EXPECT_EQ(bus_.Write(kRegs + 0x10, 0xCAFEF00D), 0);
  EXPECT_EQ(bus_.Read32(kRegs + 0x10), 0xCAFEF00Du);
  EXPECT_EQ(bus_.Write(kRegs + 0x10, 0x000000AA, 0x1), 0);  // one byte lane
  EXPECT_EQ(bus_.Read32(kRegs + 0x10), 0xCAFEF0AAu);
  EXPECT_EQ(bus_.Read(kRegs + 0x800).resp, 2);  // a hole inside an instance: SLVERR
  EXPECT_EQ(bus_.Read(0xA0F00000).resp, 3);     // nothing decodes it: DECERR
}

TEST_P(ToolkitTest, MemoryServesTheAcceleratorsBursts) {
  memory_.set_stall(GetParam());
  const uint64_t src = 0x40000000, dst = 0x40100000;
  const size_t n = 8192;
  std::vector<uint8_t> data(n);
  for (size_t i = 0; i < n; ++i) data[i] = static_cast<uint8_t>(i * 7 + 3);
  memory_.Write(src, data);
  const uint32_t args[][2] = {{0x10, uint32_t(src)}, {0x14, 0}, {0x1C, uint32_t(dst)},
                              {0x20, 0}, {0x28, n}, {0x30, 0}, {0x00, 1}};
  for (auto [offset, value] : args) ASSERT_EQ(bus_.Write(kAccel + offset, value), 0);
  clock_.RunUntil([&] { return (bus_.Read32(kAccel) & 0x2) != 0; }, 200000, "ap_done");
  EXPECT_EQ(memory_.Read(dst, n), data);
  EXPECT_EQ(memory_.read_beats(), n / 8);
  EXPECT_EQ(memory_.write_beats(), n / 8);
  EXPECT_TRUE(memory_.violations().empty()) << memory_.violations().front();
}

INSTANTIATE_TEST_SUITE_P(Stalls, ToolkitTest, ::testing::Values(0.0, 0.3));

}  // namespace
}  // namespace pynq_remote::tb
