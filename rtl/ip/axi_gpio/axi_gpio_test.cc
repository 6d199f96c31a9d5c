// pr_axi_gpio against PG144's register map and the accesses PYNQ's pynq/lib/axigpio.py makes.
// Built three times (CMakeLists.txt); PR_GPIO_CONFIG selects the tests of each parameter set:
//   1: dual, channel 1 8 bits, channel 2 32 bits, interrupts   2: every default
//   3: single channel of 4 bits, all outputs, C_DOUT_DEFAULT = 5
#include <gtest/gtest.h>

#include PR_GPIO_HEADER
#include "tb.h"

namespace pynq_remote::tb {
namespace {

using Model = PR_GPIO_MODEL;
constexpr uint32_t kData = 0x000, kTri = 0x004, kData2 = 0x008, kTri2 = 0x00C, kGier = 0x11C,
                   kIsr = 0x120, kIer = 0x128;

class GpioTest : public ::testing::Test {
 protected:
  GpioTest() : clock_(model_), bus_(clock_, PR_AXIL_PINS(model_, s_axi_)) {
    model_.gpio_io_i = 0;
    model_.gpio2_io_i = 0;
    clock_.Reset();
  }
  // Drive the input pins and let the core sample them.
  void SetInputs(uint32_t ch1, uint32_t ch2 = 0) {
    model_.gpio_io_i = ch1;
    model_.gpio2_io_i = ch2;
    clock_.Run(3);
  }
  void Write(uint32_t addr, uint32_t data, uint8_t strb = 0xF) {
    ASSERT_EQ(bus_.Write(addr, data, strb), 0) << "write at " << Hex(addr);
  }
  uint32_t Read(uint32_t addr) { return bus_.Read32(addr); }

  Model model_;
  Clock<Model> clock_;
  AxiLiteMaster<Model> bus_;
};

#if PR_GPIO_CONFIG == 1  // ---- dual channel with interrupts --------------------------------

TEST_F(GpioTest, ResetValues) {
  EXPECT_EQ(Read(kData), 0u);
  EXPECT_EQ(Read(kTri), 0xFFu);  // C_TRI_DEFAULT all inputs, 8 bits wide
  EXPECT_EQ(Read(kData2), 0u);
  EXPECT_EQ(Read(kTri2), 0xFFFFFFFFu);
  EXPECT_EQ(Read(kGier), 0u);
  EXPECT_EQ(Read(kIsr), 0u);
  EXPECT_EQ(Read(kIer), 0u);
  EXPECT_EQ(model_.gpio_io_t, 0xFFu);
  EXPECT_EQ(model_.gpio_io_o, 0u);
  EXPECT_EQ(model_.gpio2_io_t, 0xFFFFFFFFu);
  EXPECT_EQ(model_.gpio2_io_o, 0u);
  EXPECT_EQ(model_.ip2intc_irpt, 0);
}

TEST_F(GpioTest, ReservedOffsetsReadZeroAndAcceptWrites) {
  for (uint32_t addr : {0x010u, 0x100u, 0x118u, 0x124u, 0x12Cu, 0x1FCu}) {
    EXPECT_EQ(bus_.Write(addr, 0xFFFFFFFF), 0) << Hex(addr);
    EXPECT_EQ(bus_.Read(addr).resp, 0) << Hex(addr);
    EXPECT_EQ(bus_.Read(addr).data, 0u) << Hex(addr);
  }
}

TEST_F(GpioTest, DataReadsInputsForInputBitsAndTheOutputRegisterForOutputs) {
  SetInputs(0xA5);
  EXPECT_EQ(Read(kData), 0xA5u);  // all inputs
  Write(kData, 0x3C);
  EXPECT_EQ(model_.gpio_io_o, 0x3Cu);  // the register holds the value, the pins stay 3-state
  EXPECT_EQ(model_.gpio_io_t, 0xFFu);
  EXPECT_EQ(Read(kData), 0xA5u);
  Write(kTri, 0x0F);  // low nibble in, high nibble out
  EXPECT_EQ(model_.gpio_io_t, 0x0Fu);
  EXPECT_EQ(Read(kTri), 0x0Fu);
  EXPECT_EQ(Read(kData), 0x35u);  // 0xA5 & 0x0F | 0x3C & 0xF0
  Write(kTri, 0);
  EXPECT_EQ(Read(kData), 0x3Cu);
  SetInputs(0x5A);
  EXPECT_EQ(Read(kData), 0x3Cu);  // outputs do not see the pins
}

TEST_F(GpioTest, WidthsBelow32ReadUpperBitsZero) {
  Write(kTri, 0xFFFFFF00);
  EXPECT_EQ(Read(kTri), 0u);
  Write(kData, 0xFFFFFFFF);
  EXPECT_EQ(Read(kData), 0xFFu);
  EXPECT_EQ(model_.gpio_io_o, 0xFFu);
  Write(kTri, 0xFFFFFFFF);
  EXPECT_EQ(Read(kTri), 0xFFu);
  SetInputs(0xFFFFFFFF);  // the port is 8 bits; nothing above reaches the register
  EXPECT_EQ(Read(kData), 0xFFu);
}

TEST_F(GpioTest, SecondChannelIsIndependent) {
  SetInputs(0x11, 0xDEADBEEF);
  EXPECT_EQ(Read(kData2), 0xDEADBEEFu);
  EXPECT_EQ(Read(kData), 0x11u);
  Write(kTri2, 0xFFFF0000);
  Write(kData2, 0x12345678);
  EXPECT_EQ(model_.gpio2_io_o, 0x12345678u);
  EXPECT_EQ(model_.gpio2_io_t, 0xFFFF0000u);
  EXPECT_EQ(Read(kData2), 0xDEAD5678u);
  EXPECT_EQ(Read(kTri), 0xFFu);  // channel 1 untouched
  EXPECT_EQ(model_.gpio_io_o, 0u);
  Write(kData2, 0x0000AB00, 0x2);  // one byte lane
  EXPECT_EQ(Read(kData2), 0xDEADAB78u);
}

TEST_F(GpioTest, InputChangeSetsStatusInterruptNeedsIerAndGier) {
  SetInputs(0x01);
  EXPECT_EQ(Read(kIsr), 0x1u);  // recorded even while disabled
  EXPECT_EQ(model_.ip2intc_irpt, 0);
  Write(kIer, 0x1);
  EXPECT_EQ(model_.ip2intc_irpt, 0);  // GIER still 0
  Write(kGier, 0x80000000);
  EXPECT_EQ(Read(kGier), 0x80000000u);
  EXPECT_EQ(model_.ip2intc_irpt, 1);
  Write(kGier, 0x7FFFFFFF);  // only bit 31 counts
  EXPECT_EQ(Read(kGier), 0u);
  EXPECT_EQ(model_.ip2intc_irpt, 0);
  Write(kGier, 0x80000000);
  Write(kIer, 0);
  EXPECT_EQ(model_.ip2intc_irpt, 0);
  EXPECT_EQ(Read(kIsr), 0x1u);
  Write(kIer, 0x1);
  EXPECT_EQ(model_.ip2intc_irpt, 1);
  Write(kIsr, 0x1);  // toggle on write clears it
  EXPECT_EQ(Read(kIsr), 0u);
  EXPECT_EQ(model_.ip2intc_irpt, 0);
  Write(kIsr, 0x1);  // and a second toggle sets it
  EXPECT_EQ(Read(kIsr), 0x1u);
  EXPECT_EQ(model_.ip2intc_irpt, 1);
  Write(kIsr, 0x1);
  Write(kIsr, 0x0);  // a 0 changes nothing
  EXPECT_EQ(Read(kIsr), 0u);
}

TEST_F(GpioTest, EachChannelHasItsStatusBit) {
  Write(kGier, 0x80000000);
  Write(kIer, 0x3);
  SetInputs(0, 0x100);
  EXPECT_EQ(Read(kIsr), 0x2u);
  EXPECT_EQ(model_.ip2intc_irpt, 1);
  Write(kIer, 0x1);  // channel 2 masked
  EXPECT_EQ(model_.ip2intc_irpt, 0);
  SetInputs(0x80, 0x100);
  EXPECT_EQ(Read(kIsr), 0x3u);
  EXPECT_EQ(model_.ip2intc_irpt, 1);
  Write(kIsr, 0x3);
  EXPECT_EQ(Read(kIsr), 0u);
  SetInputs(0x00, 0x000);  // a falling change is a change too
  EXPECT_EQ(Read(kIsr), 0x3u);
}

TEST_F(GpioTest, OutputBitsDoNotInterrupt) {
  Write(kGier, 0x80000000);
  Write(kIer, 0x1);
  Write(kTri, 0xF0);  // low nibble outputs
  SetInputs(0x0F);
  EXPECT_EQ(Read(kIsr), 0u);
  EXPECT_EQ(model_.ip2intc_irpt, 0);
  SetInputs(0x1F);
  EXPECT_EQ(Read(kIsr), 0x1u);
}

// AxiGPIO.__init__ writes GIER; Channel.wait_for_interrupt_async enables its IER bit (read,
// or, write), waits for ip2intc_irpt, clears ISR if set, then disables IER again.
TEST_F(GpioTest, PynqWaitForValueSequence) {
  Write(kGier, 0x80000000);
  const uint32_t mask = 1u << 0;     // channel1 is _channel 0
  EXPECT_EQ(Read(kData) & 0x1, 0u);  // Input.read(): not the value yet
  Write(kIer, Read(kIer) | mask);
  clock_.Run(20);
  EXPECT_EQ(model_.ip2intc_irpt, 0);
  model_.gpio_io_i = 0x1;
  clock_.RunUntil([&] { return model_.ip2intc_irpt != 0; }, 10, "ip2intc_irpt");
  if (Read(kIsr) & mask) Write(kIsr, mask);
  EXPECT_EQ(model_.ip2intc_irpt, 0);
  Write(kIer, Read(kIer) & ~mask);
  EXPECT_EQ(Read(kIer), 0u);
  EXPECT_EQ(Read(kData) & 0x1, 1u);  // the loop sees the value and ends
  // channel2 (_channel 1) uses ISR/IER bit 1 and the registers at 0x08/0x0C
  Write(kIer, Read(kIer) | 0x2);
  model_.gpio2_io_i = 0x4;
  clock_.RunUntil([&] { return model_.ip2intc_irpt != 0; }, 10, "ip2intc_irpt channel 2");
  EXPECT_EQ(Read(kIsr), 0x2u);
  Write(kIsr, 0x2);
  EXPECT_EQ(model_.ip2intc_irpt, 0);
  EXPECT_EQ(Read(1 * 8), 0x4u);
}

#elif PR_GPIO_CONFIG == 2  // ---- every parameter at its default ------------------------------

TEST_F(GpioTest, DefaultResetValues) {
  SetInputs(0xCAFEF00D);
  EXPECT_EQ(Read(kData), 0xCAFEF00Du);
  EXPECT_EQ(Read(kTri), 0xFFFFFFFFu);
  EXPECT_EQ(model_.gpio_io_t, 0xFFFFFFFFu);
  EXPECT_EQ(model_.gpio_io_o, 0u);
  Write(kData, 0x12345678);
  Write(kTri, 0x0000FFFF);
  EXPECT_EQ(Read(kData), 0x1234F00Du);
  EXPECT_EQ(model_.gpio_io_o, 0x12345678u);
}

TEST_F(GpioTest, NoSecondChannelNoInterrupt) {
  Write(kData2, 0xFFFFFFFF);
  Write(kTri2, 0);
  SetInputs(0, 0xFFFFFFFF);
  EXPECT_EQ(Read(kData2), 0u);
  EXPECT_EQ(Read(kTri2), 0u);
  EXPECT_EQ(model_.gpio2_io_o, 0u);
  EXPECT_EQ(model_.gpio2_io_t, 0xFFFFFFFFu);
  Write(kGier, 0x80000000);
  Write(kIer, 0x3);
  SetInputs(0x1, 0);
  EXPECT_EQ(Read(kGier), 0u);
  EXPECT_EQ(Read(kIer), 0u);
  EXPECT_EQ(Read(kIsr), 0u);
  EXPECT_EQ(model_.ip2intc_irpt, 0);
}

#elif PR_GPIO_CONFIG == 3  // ---- single channel of 4 bits, all outputs -----------------------

TEST_F(GpioTest, AllOutputsResetToDoutDefault) {
  EXPECT_EQ(Read(kData), 0x5u);
  EXPECT_EQ(model_.gpio_io_o, 0x5u);
  EXPECT_EQ(model_.gpio_io_t, 0x0u);
  EXPECT_EQ(Read(kTri), 0u);
}

TEST_F(GpioTest, AllOutputsIgnoreTriAndPins) {
  Write(kTri, 0xFFFFFFFF);  // direction is fixed
  EXPECT_EQ(Read(kTri), 0u);
  EXPECT_EQ(model_.gpio_io_t, 0x0u);
  SetInputs(0xF);
  EXPECT_EQ(Read(kData), 0x5u);
  Write(kData, 0xFFFFFFFA);
  EXPECT_EQ(Read(kData), 0xAu);
  EXPECT_EQ(model_.gpio_io_o, 0xAu);
  EXPECT_EQ(Read(kData2), 0u);
  EXPECT_EQ(Read(kIsr), 0u);
}

TEST_F(GpioTest, FullWidthAddressDecodes) {
  EXPECT_EQ(bus_.Read(0x10000).resp, 0);  // 17-bit address: far offsets read 0
  EXPECT_EQ(bus_.Read(0x10000).data, 0u);
  EXPECT_EQ(bus_.Write(0x10000, 0x3), 0);  // not an alias of GPIO_DATA
  EXPECT_EQ(Read(kData), 0x5u);
}

#endif

}  // namespace
}  // namespace pynq_remote::tb
