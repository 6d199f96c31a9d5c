// pr_axi_intc against PG099's register map and the exact accesses PYNQ's pynq/interrupt.py
// (_InterruptController) makes. Built twice (CMakeLists.txt), PR_INTC_CONFIG selects the tests:
//   1: 8 inputs; 0..3 edge (0, 1, 3 rising, 2 falling), 4..7 level (4..6 high, 7 low)
//   2: 32 inputs, all level high (the default kind), C_HAS_ILR = 1
#include <gtest/gtest.h>

#include PR_INTC_HEADER
#include "tb.h"

namespace pynq_remote::tb {
namespace {

using Model = PR_INTC_MODEL;
constexpr uint32_t kIsr = 0x00, kIpr = 0x04, kIer = 0x08, kIar = 0x0C, kSie = 0x10, kCie = 0x14,
                   kIvr = 0x18, kMer = 0x1C, kImr = 0x20, kIlr = 0x24;
constexpr uint32_t kNone = 0xFFFFFFFF;

class IntcTest : public ::testing::Test {
 protected:
  IntcTest() : clock_(model_), bus_(clock_, PR_AXIL_PINS(model_, s_axi_)) {
    model_.intr = kIdle;
    clock_.Reset();
  }
  // Drive the interrupt inputs and let the core see them.
  void SetIntr(uint32_t v) {
    model_.intr = v;
    clock_.Run(3);
  }
  void Pulse(uint32_t bits) {  // one cycle high on top of the idle levels
    model_.intr = kIdle | bits;
    clock_.Tick();
    SetIntr(kIdle);
  }
  void Write(uint32_t addr, uint32_t data) {
    ASSERT_EQ(bus_.Write(addr, data), 0) << "write at " << Hex(addr);
  }
  uint32_t Read(uint32_t addr) { return bus_.Read32(addr); }

#if PR_INTC_CONFIG == 1
  static constexpr uint32_t kIdle = 0x84;  // bit 2 (falling edge) and bit 7 (active low) high
#else
  static constexpr uint32_t kIdle = 0;
#endif
  Model model_;
  Clock<Model> clock_;
  AxiLiteMaster<Model> bus_;
};

TEST_F(IntcTest, ResetValues) {
  EXPECT_EQ(Read(kIsr), 0u);
  EXPECT_EQ(Read(kIpr), 0u);
  EXPECT_EQ(Read(kIer), 0u);
  EXPECT_EQ(Read(kIvr), kNone);
  EXPECT_EQ(Read(kMer), 0u);
  EXPECT_EQ(Read(kImr), 0u);
  for (uint32_t wo : {kIar, kSie, kCie}) EXPECT_EQ(Read(wo), 0u) << Hex(wo);
  EXPECT_EQ(model_.irq, 0);
  EXPECT_EQ(bus_.Read(0x28).resp, 0);  // reserved: OKAY, 0
  EXPECT_EQ(bus_.Read(0x100).data, 0u);
  EXPECT_EQ(bus_.Write(0x100, 0xFFFFFFFF), 0);
}

#if PR_INTC_CONFIG == 1  // ---- 8 inputs, edge and level ---------------------------------------

TEST_F(IntcTest, BitsAboveTheInputsReadZero) {
  Write(kIer, 0xFFFFFFFF);
  EXPECT_EQ(Read(kIer), 0xFFu);
  Write(kIsr, 0xFFFFFFFF);  // software interrupts while HIE = 0
  EXPECT_EQ(Read(kIsr), 0xFFu);
  Write(kIar, 0xFFFFFFFF);
  EXPECT_EQ(Read(kIsr), 0u);
  Write(kCie, 0xFFFFFFFF);
  Write(kSie, 0x100);
  EXPECT_EQ(Read(kIer), 0u);
  EXPECT_EQ(Read(kIlr), 0u);  // no ILR in this configuration
}

// _InterruptController: __init__ writes IER = 0; add_event(n) writes SIE(1 << n) and
// MER = 3; set() reads IPR, writes CIE(1 << irq) for each pending bit, then IAR(irqs).
// Input 4 is a level-high source (an HLS block's interrupt, a GPIO's ip2intc_irpt).
TEST_F(IntcTest, PynqInterruptPySequenceOnALevelInput) {
  const uint32_t n = 4, bit = 1u << n;
  Write(kIer, 0);    // __init__
  Write(kSie, bit);  // add_event: first waiter of line n
  Write(kMer, 0x3);  // add_event: enable
  EXPECT_EQ(Read(kIer), bit);
  EXPECT_EQ(Read(kMer), 0x3u);
  clock_.Run(10);
  EXPECT_EQ(model_.irq, 0);
  model_.intr = kIdle | bit;  // the source raises its interrupt
  clock_.RunUntil([&] { return model_.irq != 0; }, 5, "irq");
  EXPECT_EQ(Read(kIvr), n);
  const uint32_t irqs = Read(kIpr);  // set()
  EXPECT_EQ(irqs, bit);
  Write(kCie, bit);
  EXPECT_EQ(model_.irq, 0);  // disabled line: irq drops at once
  Write(kIar, irqs);
  // The source is still high (its driver clears it later), so the level input sets its ISR
  // bit again after the acknowledge; IER = 0 keeps irq low.
  EXPECT_EQ(Read(kIsr), bit);
  EXPECT_EQ(Read(kIpr), 0u);
  EXPECT_EQ(Read(kIvr), kNone);
  EXPECT_EQ(model_.irq, 0);
  SetIntr(kIdle);              // the driver clears its source (e.g. ISR toggle)
  EXPECT_EQ(Read(kIsr), bit);  // the INTC's status stays until acknowledged
  // The next wait: add_event re-enables; the stale bit fires once (PYNQ's waiters re-check
  // their condition), set() acknowledges it, and now the line is quiet.
  Write(kSie, bit);
  Write(kMer, 0x3);
  EXPECT_EQ(model_.irq, 1);
  EXPECT_EQ(Read(kIpr), bit);
  Write(kCie, bit);
  Write(kIar, bit);
  EXPECT_EQ(Read(kIsr), 0u);
  Write(kSie, bit);
  Write(kMer, 0x3);
  clock_.Run(10);
  EXPECT_EQ(model_.irq, 0);
  model_.intr = kIdle | bit;
  clock_.RunUntil([&] { return model_.irq != 0; }, 5, "irq again");
  SetIntr(kIdle);  // a source cleared before the acknowledge
  Write(kCie, Read(kIpr));
  Write(kIar, bit);
  EXPECT_EQ(Read(kIsr), 0u);  // leaves nothing behind
}

TEST_F(IntcTest, PynqSequenceOnAnEdgeInput) {
  Write(kIer, 0);
  Write(kSie, 1u << 1);
  Write(kMer, 0x3);
  Pulse(1u << 1);  // one-cycle pulse, caught
  EXPECT_EQ(model_.irq, 1);
  const uint32_t irqs = Read(kIpr);
  EXPECT_EQ(irqs, 0x2u);
  Write(kCie, 0x2);
  Write(kIar, irqs);
  EXPECT_EQ(Read(kIsr), 0u);  // an edge does not come back
  Write(kSie, 0x2);
  EXPECT_EQ(model_.irq, 0);
}

TEST_F(IntcTest, EdgeInputs) {
  Write(kMer, 0x3);
  Write(kIer, 0xFF);
  SetIntr(kIdle | 0x1);  // rising edge on 0, held high: one event
  EXPECT_EQ(Read(kIsr), 0x1u);
  Write(kIar, 0x1);
  EXPECT_EQ(Read(kIsr), 0u);  // still high, but no new edge
  SetIntr(kIdle);             // falling on 0: nothing
  EXPECT_EQ(Read(kIsr), 0u);
  SetIntr(kIdle & ~0x4u);  // falling edge on 2 (C_KIND_OF_EDGE bit 2 = 0)
  EXPECT_EQ(Read(kIsr), 0x4u);
  Write(kIar, 0x4);
  SetIntr(kIdle);  // rising on 2: nothing
  EXPECT_EQ(Read(kIsr), 0u);
  Pulse(0x8);  // 1-cycle pulse on 3
  EXPECT_EQ(Read(kIsr), 0x8u);
  EXPECT_EQ(model_.irq, 1);
  Write(kIar, 0x8);
  EXPECT_EQ(model_.irq, 0);
}

TEST_F(IntcTest, LevelInputs) {
  Write(kMer, 0x3);
  Write(kIer, 0xFF);
  SetIntr(kIdle | 0x20);  // level high on 5
  EXPECT_EQ(Read(kIsr), 0x20u);
  Write(kIar, 0x20);
  EXPECT_EQ(Read(kIsr), 0x20u);  // still active: set again
  SetIntr(kIdle);
  EXPECT_EQ(Read(kIsr), 0x20u);  // latched until acknowledged
  Write(kIar, 0x20);
  EXPECT_EQ(Read(kIsr), 0u);
  SetIntr(kIdle & ~0x80u);  // bit 7 is active low (C_KIND_OF_LVL bit 7 = 0)
  EXPECT_EQ(Read(kIsr), 0x80u);
  EXPECT_EQ(model_.irq, 1);
  SetIntr(kIdle);
  Write(kIar, 0x80);
  EXPECT_EQ(Read(kIsr), 0u);
  EXPECT_EQ(model_.irq, 0);
}

TEST_F(IntcTest, IerMasksAndSieCieSetAndClear) {
  Write(kMer, 0x3);
  SetIntr(kIdle | 0x30);
  EXPECT_EQ(Read(kIsr), 0x30u);
  EXPECT_EQ(Read(kIpr), 0u);
  EXPECT_EQ(model_.irq, 0);
  Write(kSie, 0x20);
  EXPECT_EQ(Read(kIer), 0x20u);
  EXPECT_EQ(Read(kIpr), 0x20u);
  EXPECT_EQ(model_.irq, 1);
  Write(kSie, 0x10);
  EXPECT_EQ(Read(kIer), 0x30u);
  Write(kCie, 0x20);
  EXPECT_EQ(Read(kIer), 0x10u);
  EXPECT_EQ(Read(kIpr), 0x10u);
  Write(kCie, 0x10);
  EXPECT_EQ(model_.irq, 0);
  Write(kIer, 0x5A);  // plain write
  EXPECT_EQ(Read(kIer), 0x5Au);
}

TEST_F(IntcTest, MerGatesHardwareAndOutput) {
  Write(kIer, 0xFF);
  SetIntr(kIdle | 0x10);
  EXPECT_EQ(Read(kIsr), 0u);  // HIE = 0: hardware inputs are not recorded
  Write(kMer, 0x1);           // ME alone
  SetIntr(kIdle | 0x11);
  EXPECT_EQ(Read(kIsr), 0u);
  EXPECT_EQ(model_.irq, 0);
  Write(kMer, 0x2);  // HIE alone: recorded, irq still off
  clock_.Run(3);
  EXPECT_EQ(Read(kIsr), 0x10u);  // the level input; the edge on 0 came before HIE and is lost
  EXPECT_EQ(Read(kIpr), 0x10u);
  EXPECT_EQ(model_.irq, 0);
  Write(kMer, 0x3);
  EXPECT_EQ(model_.irq, 1);
  Write(kMer, 0x0);  // HIE is write-once; ME clears
  EXPECT_EQ(Read(kMer), 0x2u);
  EXPECT_EQ(model_.irq, 0);
  Write(kMer, 0x1);
  EXPECT_EQ(Read(kMer), 0x3u);
  EXPECT_EQ(model_.irq, 1);
}

TEST_F(IntcTest, SoftwareInterruptsOnlyBeforeHie) {
  Write(kIer, 0x3);
  Write(kMer, 0x1);
  Write(kIsr, 0x2);
  EXPECT_EQ(Read(kIsr), 0x2u);
  EXPECT_EQ(model_.irq, 1);
  EXPECT_EQ(Read(kIvr), 1u);
  Write(kIar, 0x2);
  EXPECT_EQ(model_.irq, 0);
  Write(kMer, 0x3);
  Write(kIsr, 0x1);  // ignored once HIE is set
  EXPECT_EQ(Read(kIsr), 0u);
  EXPECT_EQ(model_.irq, 0);
}

TEST_F(IntcTest, MultiplePendingAndIvrPriority) {
  Write(kMer, 0x3);
  Write(kIer, 0xFF);
  SetIntr((kIdle | 0x70) & ~0x80u);  // levels 4, 5, 6 and 7 (active low)
  Pulse(0x70 | 0x2);                 // keep 4..6 high, edge on 1
  SetIntr((kIdle | 0x70) & ~0x80u);
  EXPECT_EQ(Read(kIsr), 0xF2u);
  EXPECT_EQ(Read(kIpr), 0xF2u);
  EXPECT_EQ(Read(kIvr), 1u);  // lowest number first
  Write(kIar, 0x2);
  EXPECT_EQ(Read(kIvr), 4u);
  Write(kCie, 0x10);
  EXPECT_EQ(Read(kIvr), 5u);
  Write(kCie, 0x60);
  EXPECT_EQ(Read(kIvr), 7u);
  EXPECT_EQ(model_.irq, 1);
  // PYNQ's set() over several pending lines: one read, a CIE per bit, one IAR
  Write(kIer, 0xFF);
  SetIntr(kIdle);
  const uint32_t irqs = Read(kIpr);
  EXPECT_EQ(irqs, 0xF0u);
  for (int i = 0; i < 8; ++i) {
    if (irqs >> i & 1) Write(kCie, 1u << i);
  }
  Write(kIar, irqs);
  EXPECT_EQ(Read(kIsr), 0u);
  EXPECT_EQ(Read(kIer), 0x0Fu);  // only the pending lines were disabled
  EXPECT_EQ(Read(kIvr), kNone);
  EXPECT_EQ(model_.irq, 0);
}

#elif PR_INTC_CONFIG == 2  // ---- 32 level inputs and the Interrupt Level Register -----------

TEST_F(IntcTest, AllThirtyTwoInputs) {
  Write(kMer, 0x3);
  Write(kIer, 0xFFFFFFFF);
  EXPECT_EQ(Read(kIer), 0xFFFFFFFFu);
  SetIntr(0x80000000u);
  EXPECT_EQ(Read(kIsr), 0x80000000u);
  EXPECT_EQ(Read(kIvr), 31u);
  EXPECT_EQ(model_.irq, 1);
  SetIntr(0xFFFFFFFFu);
  EXPECT_EQ(Read(kIpr), 0xFFFFFFFFu);
  EXPECT_EQ(Read(kIvr), 0u);
}

TEST_F(IntcTest, IlrMasksLowerPriorities) {
  EXPECT_EQ(Read(kIlr), 0xFFFFFFFFu);
  Write(kMer, 0x3);
  Write(kIer, 0xFFFFFFFF);
  SetIntr(0x80000008u);
  EXPECT_EQ(Read(kIvr), 3u);
  Write(kIlr, 3);  // only 0..2 may interrupt
  EXPECT_EQ(Read(kIlr), 3u);
  EXPECT_EQ(model_.irq, 0);
  EXPECT_EQ(Read(kIvr), kNone);
  EXPECT_EQ(Read(kIpr), 0x80000008u);  // still pending
  Write(kIlr, 4);
  EXPECT_EQ(model_.irq, 1);
  EXPECT_EQ(Read(kIvr), 3u);
}

#endif

}  // namespace
}  // namespace pynq_remote::tb
