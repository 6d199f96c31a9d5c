#include "ps/ps_gpio.h"

#include <gtest/gtest.h>

namespace pynq_remote::sim {
namespace {

constexpr uint64_t kMp = kZynqMpGpioBase;

uint32_t Rd(PsGpio& g, uint64_t off, uint64_t base = kMp) {
  uint64_t v = 0xDEAD;
  EXPECT_TRUE(g.Read(base + off, 4, &v)) << off;
  return static_cast<uint32_t>(v);
}

void Wr(PsGpio& g, uint64_t off, uint32_t v, uint64_t base = kMp) {
  EXPECT_TRUE(g.Write(base + off, 4, v)) << off;
}

TEST(PsGpio, ZynqMpBanksAndWindow) {
  PsGpio g(PsFamily::kZynqMP);
  EXPECT_EQ(g.window().base, 0xFF0A0000u);
  EXPECT_EQ(g.window().size, 0x1000u);
  EXPECT_EQ(g.banks(), 6);
  EXPECT_EQ(g.mio_pins(), 78);
  EXPECT_EQ(g.emio_pins(), 96);
  for (int b = 0; b < 3; ++b) EXPECT_EQ(g.bank_pins(b), 26);
  for (int b = 3; b < 6; ++b) EXPECT_EQ(g.bank_pins(b), 32);
  int bank = -1, bit = -1;
  ASSERT_TRUE(g.BankOf(77, &bank, &bit));
  EXPECT_EQ(bank, 2);
  EXPECT_EQ(bit, 25);
  ASSERT_TRUE(g.BankOf(78 + 4, &bank, &bit));  // EMIO 4
  EXPECT_EQ(bank, 3);
  EXPECT_EQ(bit, 4);
  ASSERT_TRUE(g.BankOf(173, &bank, &bit));
  EXPECT_EQ(bank, 5);
  EXPECT_EQ(bit, 31);
  EXPECT_FALSE(g.BankOf(174, &bank, &bit));
  EXPECT_FALSE(g.BankOf(-1, &bank, &bit));
  // After the driver's probe every interrupt is masked; INT_TYPE at its reset value (edge).
  EXPECT_EQ(Rd(g, GpioIntMask(0)), 0x03FFFFFFu);
  EXPECT_EQ(Rd(g, GpioIntType(3)), 0xFFFFFFFFu);
}

TEST(PsGpio, Zynq7000BanksAndWindow) {
  PsGpio g(PsFamily::kZynq7000);
  EXPECT_EQ(g.window().base, 0xE000A000u);
  EXPECT_EQ(g.banks(), 4);
  EXPECT_EQ(g.mio_pins(), 54);
  EXPECT_EQ(g.emio_pins(), 64);
  EXPECT_EQ(g.bank_pins(0), 32);
  EXPECT_EQ(g.bank_pins(1), 22);
  int bank = -1, bit = -1;
  ASSERT_TRUE(g.BankOf(53, &bank, &bit));
  EXPECT_EQ(bank, 1);
  EXPECT_EQ(bit, 21);
  ASSERT_TRUE(g.BankOf(54, &bank, &bit));
  EXPECT_EQ(bank, 2);
  EXPECT_EQ(bit, 0);
  EXPECT_FALSE(g.BankOf(118, &bank, &bit));
  // Bank 1 has 22 pins: the bits above read 0 whatever is written.
  Wr(g, GpioDirm(1), 0xFFFFFFFF, kZynq7000GpioBase);
  EXPECT_EQ(Rd(g, GpioDirm(1), kZynq7000GpioBase), 0x003FFFFFu);
  // The ZynqMP address decodes nothing here.
  EXPECT_FALSE(g.Decodes(kMp, 4));
  EXPECT_TRUE(g.Decodes(kZynq7000GpioBase + 0x204, 4));
}

TEST(PsGpio, MaskedWritesChangeOnlyUnmaskedBits) {
  PsGpio g;
  Wr(g, GpioData(3), 0xF0F0F0F0);
  // As gpio-zynq writes one pin: mask ~(1 << bit) in the upper half, the value in the lower.
  Wr(g, GpioMaskDataLsw(3), (~(1u << 4) & 0xFFFFu) << 16 | 0x0000);
  EXPECT_EQ(Rd(g, GpioData(3)), 0xF0F0F0E0u);
  Wr(g, GpioMaskDataLsw(3), (~(1u << 0) & 0xFFFFu) << 16 | 0x0001);
  EXPECT_EQ(Rd(g, GpioData(3)), 0xF0F0F0E1u);
  // MSW: pins 31:16, bit 15 of the half is pin 31.
  Wr(g, GpioMaskDataMsw(3), (~(1u << 15) & 0xFFFFu) << 16 | 0x0000);
  EXPECT_EQ(Rd(g, GpioData(3)), 0x70F0F0E1u);
  // All masked: nothing changes.
  Wr(g, GpioMaskDataMsw(3), 0xFFFF0000);
  EXPECT_EQ(Rd(g, GpioData(3)), 0x70F0F0E1u);
  EXPECT_EQ(Rd(g, GpioMaskDataLsw(3)), 0xF0E1u);
  EXPECT_EQ(Rd(g, GpioMaskDataMsw(3)), 0x70F0u);
}

TEST(PsGpio, EmioOutputsNeedOenAndInputsReachDataRo) {
  PsGpio g;
  EmioBits o{}, t{};
  const uint64_t gen0 = g.emio_generation();
  Wr(g, GpioDirm(3), 0xFF);
  Wr(g, GpioData(3), 0xA5);
  g.EmioOutputs(&o, &t);
  EXPECT_EQ(o[0], 0u);  // not enabled yet
  EXPECT_EQ(t[0], 0xFFFFFFFFu);
  Wr(g, GpioOen(3), 0x0F);
  EXPECT_GT(g.emio_generation(), gen0);
  g.EmioOutputs(&o, &t);
  EXPECT_EQ(o[0], 0x05u);
  EXPECT_EQ(t[0], 0xFFFFFFF0u);
  // Direction input (gpio-zynq clears DIRM alone) stops driving too.
  Wr(g, GpioDirm(3), 0xFE);
  g.EmioOutputs(&o, &t);
  EXPECT_EQ(o[0], 0x04u);
  EXPECT_EQ(t[0], 0xFFFFFFF1u);
  EXPECT_EQ(o[1], 0u);
  EXPECT_EQ(o[2], 0u);
  // Bank 5 is EMIO 64..95, word 2.
  Wr(g, GpioDirm(5), 0x80000000);
  Wr(g, GpioOen(5), 0x80000000);
  Wr(g, GpioData(5), 0x80000000);
  g.EmioOutputs(&o, &t);
  EXPECT_EQ(o[2], 0x80000000u);
  // EMIO inputs are separate signals: DATA_RO reads them, not the outputs.
  EXPECT_EQ(Rd(g, GpioDataRo(3)), 0u);
  g.SetEmioInputs({0x1234, 0x5678, 0x9ABC});
  EXPECT_EQ(Rd(g, GpioDataRo(3)), 0x1234u);
  EXPECT_EQ(Rd(g, GpioDataRo(4)), 0x5678u);
  EXPECT_EQ(Rd(g, GpioDataRo(5)), 0x9ABCu);
  // An MIO output reads back on its pad; an MIO input with nothing attached reads 0.
  Wr(g, GpioDirm(0), 0x3);
  Wr(g, GpioOen(0), 0x3);
  Wr(g, GpioData(0), 0x2);
  EXPECT_EQ(Rd(g, GpioDataRo(0)), 0x2u);
  Wr(g, GpioOen(0), 0x1);
  EXPECT_EQ(Rd(g, GpioDataRo(0)), 0x0u);
}

TEST(PsGpio, InterruptStatusLatchesByTypeAndPolarity) {
  PsGpio g;
  // Bank 3 (EMIO 0..31): pin 0 rising edge, pin 1 falling, pin 2 any edge, pin 3 level high,
  // pin 4 level low; the rest falling edges that never come.
  Wr(g, GpioIntType(3), ~0x18u);
  Wr(g, GpioIntPolarity(3), 0x09);
  Wr(g, GpioIntAny(3), 0x04);
  Wr(g, GpioIntStat(3), 0xFFFFFFFF);  // pin 4 is low: its level latches again at once
  EXPECT_EQ(Rd(g, GpioIntStat(3)), 0x10u);
  g.SetEmioInputs({0x0F, 0, 0});  // pins 0..3 rise, 4 stays low
  EXPECT_EQ(Rd(g, GpioIntStat(3)), 0x1Du);
  Wr(g, GpioIntStat(3), 0x1F);  // W1C: the active levels (3 high, 4 low) stay
  EXPECT_EQ(Rd(g, GpioIntStat(3)), 0x18u);
  g.SetEmioInputs({0x10, 0, 0});  // 0..3 fall, 4 rises
  // 1 (falling) and 2 (any) latch; 0 (rising) does not; 3 was latched and stays until cleared.
  EXPECT_EQ(Rd(g, GpioIntStat(3)), 0x1Eu);
  Wr(g, GpioIntStat(3), 0x1F);
  EXPECT_EQ(Rd(g, GpioIntStat(3)), 0x00u);
  // INT_EN / INT_DIS move INT_MASK and read 0; the mask does not stop the latching.
  Wr(g, GpioIntEn(3), 0x3);
  EXPECT_EQ(Rd(g, GpioIntMask(3)), 0xFFFFFFFCu);
  EXPECT_EQ(Rd(g, GpioIntEn(3)), 0u);
  Wr(g, GpioIntDis(3), 0x1);
  EXPECT_EQ(Rd(g, GpioIntMask(3)), 0xFFFFFFFDu);
}

TEST(PsGpio, OnlyWordAccessesInsideTheWindow) {
  PsGpio g;
  uint64_t v = 0;
  EXPECT_FALSE(g.Read(kMp + GpioDirm(3), 2, &v));
  EXPECT_FALSE(g.Write(kMp + GpioDirm(3), 8, 1));
  EXPECT_FALSE(g.Read(kMp + 0x1000, 4, &v));
  EXPECT_FALSE(g.Read(kMp + 0x2, 4, &v));
  // A hole reads 0 and ignores writes.
  EXPECT_TRUE(g.Write(kMp + 0x100, 4, 0xFFFFFFFF));
  EXPECT_EQ(Rd(g, 0x100), 0u);
  // Reset to the other family moves the window.
  g.Reset(PsFamily::kZynq7000);
  EXPECT_FALSE(g.Decodes(kMp, 4));
  EXPECT_EQ(g.emio_pins(), 64);
}

}  // namespace
}  // namespace pynq_remote::sim
