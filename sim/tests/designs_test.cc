// The generated (manifest format 2) designs on the simulated board: each is programmed through
// SimDevice and moves real data, with interrupts seen through the AXI interrupt controller on
// pl_ps_irq0[0]. Register maps: PG021 (axi_dma direct mode), PG144 (axi_gpio), PG099
// (axi_intc), UG1399 (the HLS control block). Address maps: rtl/README.md.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "sim/sim_device.h"

namespace pynq_remote::sim {
namespace {

// axi_dma (PG021, direct register mode)
constexpr uint64_t kMm2sCr = 0x00, kMm2sSr = 0x04, kMm2sSa = 0x18, kMm2sSaMsb = 0x1C,
                   kMm2sLength = 0x28, kS2mmCr = 0x30, kS2mmSr = 0x34, kS2mmDa = 0x48,
                   kS2mmDaMsb = 0x4C, kS2mmLength = 0x58;
constexpr uint32_t kCrRun = 1u << 0, kCrIocIrqEn = 1u << 12, kSrIdle = 1u << 1,
                   kSrIocIrq = 1u << 12;
// axi_intc (PG099)
constexpr uint64_t kIsr = 0x00, kIpr = 0x04, kIar = 0x0C, kSie = 0x10, kMer = 0x1C;
// axi_gpio (PG144)
constexpr uint64_t kGpioData = 0x00, kGpio2Data = 0x08, kGier = 0x11C, kIpIsr = 0x120,
                   kIpIer = 0x128;
// HLS stream_scale (UG1399 s_axilite layout)
constexpr uint64_t kCtrl = 0x00, kHlsGier = 0x04, kHlsIer = 0x08, kHlsIsr = 0x0C, kHlsLength = 0x10,
                   kScale = 0x18, kOffset = 0x20;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Hex(uint64_t v) {
  std::ostringstream s;
  s << "0x" << std::hex << v;
  return s.str();
}

class DesignsTest : public ::testing::Test {
 protected:
  // Programs `name` (its generated .bit); skips when this build has not got the design.
  bool Load(const std::string& name) {
    bool known = false;
    for (const std::string& d : RegisteredDesigns()) known |= d == name;
    if (!known) return false;
    dev_ = CreateSimDevice({});
    EXPECT_NE(dev_, nullptr);
    if (!dev_) return false;
    const std::string bit =
        ReadFile(std::string(PYNQ_REMOTE_DESIGNS_DIR) + "/" + name + "/" + name + ".bit");
    Status s = dev_->Program(bit, name + ".bit", false);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
    return s.ok();
  }
  uint32_t Read(uint64_t addr) {
    Result<uint64_t> r = dev_->MmioRead(addr, 4);
    EXPECT_TRUE(r.ok()) << Hex(addr) << ": " << (r.ok() ? "" : r.error().message);
    return r.ok() ? static_cast<uint32_t>(r.value()) : ~0u;
  }
  void Write(uint64_t addr, uint32_t value) {
    Status s = dev_->MmioWrite(addr, 4, value);
    EXPECT_TRUE(s.ok()) << Hex(addr) << ": " << (s.ok() ? "" : s.error().message);
  }
  // Waits for pl_ps_irq0[0] and returns the INTC's pending bits, acknowledging them after
  // `ack` has cleared the sources (the inputs are level: IAR alone would not stick).
  template <class Ack>
  uint32_t WaitIntc(uint64_t intc, Ack ack) {
    Result<bool> fired = dev_->WaitIrq(0, std::chrono::seconds(5), {});
    EXPECT_TRUE(fired.ok() && fired.value()) << "no interrupt on pl_ps_irq0[0]";
    if (!fired.ok() || !fired.value()) return 0;
    const uint32_t pending = Read(intc + kIpr);
    ack(pending);
    Write(intc + kIar, pending);
    return pending;
  }
  // Starts S2MM then MM2S (direct mode, both with the completion interrupt).
  void StartDma(uint64_t dma, uint64_t src, uint64_t dst, uint32_t out_bytes, uint32_t in_bytes) {
    Write(dma + kS2mmCr, kCrRun | kCrIocIrqEn);
    Write(dma + kS2mmDa, static_cast<uint32_t>(dst));
    Write(dma + kS2mmDaMsb, static_cast<uint32_t>(dst >> 32));
    Write(dma + kS2mmLength, in_bytes);
    Write(dma + kMm2sCr, kCrRun | kCrIocIrqEn);
    Write(dma + kMm2sSa, static_cast<uint32_t>(src));
    Write(dma + kMm2sSaMsb, static_cast<uint32_t>(src >> 32));
    Write(dma + kMm2sLength, out_bytes);
  }
  // Waits until both DMA interrupts (INTC inputs 0 and 1) have been seen.
  void WaitDmaDone(uint64_t dma, uint64_t intc) {
    uint32_t seen = 0;
    for (int i = 0; i < 4 && (seen & 3) != 3; ++i) {
      seen |= WaitIntc(intc, [&](uint32_t pending) {
        if (pending & 1) Write(dma + kMm2sSr, kSrIocIrq);  // W1C
        if (pending & 2) Write(dma + kS2mmSr, kSrIocIrq);
      });
    }
    EXPECT_EQ(seen & 3, 3u) << "interrupts seen " << Hex(seen) << "; MM2S_DMASR "
                            << Hex(Read(dma + kMm2sSr)) << ", S2MM_DMASR "
                            << Hex(Read(dma + kS2mmSr)) << ", S2MM_LENGTH "
                            << Hex(Read(dma + kS2mmLength)) << ", INTC ISR "
                            << Hex(Read(intc + kIsr)) << " IER " << Hex(Read(intc + 0x08))
                            << " MER " << Hex(Read(intc + kMer));
    EXPECT_TRUE(Read(dma + kMm2sSr) & kSrIdle);
    EXPECT_TRUE(Read(dma + kS2mmSr) & kSrIdle);
  }
  void EnableIntc(uint64_t intc, uint32_t inputs) {
    Write(intc + kSie, inputs);
    Write(intc + kMer, 3);  // ME | HIE
  }

  std::unique_ptr<Device> dev_;
};

TEST_F(DesignsTest, AllRegistered) {
  std::vector<std::string> names = RegisteredDesigns();
  for (const char* want : {"ref_accel", "dma_loopback", "gpio_intc", "stream_scale"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), want), names.end()) << want;
  }
}

// emio_gpio_loop (ZCU104, gpiochip338: EMIO k is Linux gpio 416 + k): PS EMIO outputs 0..7 ->
// axi_gpio_0 channel 2 inputs (interrupt -> axi_intc_0 input 0 -> pl_ps_irq0[0]); axi_gpio_0
// channel 1 outputs -> PS EMIO inputs 8..15.
constexpr int kEmio0 = 338 + 78;

TEST_F(DesignsTest, EmioGpioLoopCarriesPsGpioIntoThePlAndBack) {
  if (!Load("emio_gpio_loop")) GTEST_SKIP() << "emio_gpio_loop not in this build";
  constexpr uint64_t kGpio = 0xA0000000, kIntc = 0xA0010000;
  for (int k = 0; k < 8; ++k) {
    ASSERT_TRUE(dev_->GpioSetDirection(kEmio0 + k, GpioDirection::kOut).ok());
  }
  EXPECT_EQ(Read(kGpio + kGpio2Data), 0u);
  for (uint32_t v : {0xA5u, 0x00u, 0xFFu, 0x3Cu}) {
    for (int k = 0; k < 8; ++k) {
      Status s = dev_->GpioWrite(kEmio0 + k, (v >> k) & 1);
      ASSERT_TRUE(s.ok()) << s.error().message;
    }
    EXPECT_EQ(Read(kGpio + kGpio2Data), v);  // the PS's EMIO pins, in the PL
    for (int k = 0; k < 8; ++k) EXPECT_EQ(dev_->GpioRead(kEmio0 + k).value(), int((v >> k) & 1));
  }
  // Back: AXI GPIO channel 1 outputs arrive at EMIO inputs 8..15 (DATA_RO).
  for (uint32_t v : {0x5Au, 0x81u, 0x00u}) {
    Write(kGpio + kGpioData, v);
    uint32_t got = 0;
    for (int k = 0; k < 8; ++k) {
      Result<int> bit = dev_->GpioRead(kEmio0 + 8 + k);
      ASSERT_TRUE(bit.ok()) << bit.error().message;
      got |= static_cast<uint32_t>(bit.value()) << k;
    }
    EXPECT_EQ(got, v);
    // The controller's own registers say the same: bank 3 DATA_RO bits 15:8 (0xFF0A0060 + 12).
    EXPECT_EQ((Read(0xFF0A006C) >> 8) & 0xFF, v);
  }
  // A PS GPIO write raises the PL interrupt: channel 2 input change -> INTC -> pl_ps_irq0[0].
  Write(kGpio + kIpIsr, Read(kGpio + kIpIsr));  // the changes above: acknowledge them
  Write(kGpio + kGier, 0x80000000u);
  Write(kGpio + kIpIer, 0x2);
  EnableIntc(kIntc, 0x1);
  EXPECT_FALSE(dev_->WaitIrq(0, std::chrono::milliseconds(0), {}).value());
  ASSERT_TRUE(dev_->GpioWrite(kEmio0 + 0, 1).ok());  // 0x3C -> 0x3D: a change
  const uint32_t pending = WaitIntc(kIntc, [&](uint32_t) {
    EXPECT_EQ(Read(kGpio + kIpIsr) & 0x2, 0x2u);
    Write(kGpio + kIpIsr, 0x2);
  });
  EXPECT_EQ(pending, 0x1u);
  EXPECT_EQ(Read(kGpio + kGpio2Data), 0x3Du);
  // Released: not driven any more (emio_gpio_o 0 where emio_gpio_t is 1).
  ASSERT_TRUE(dev_->GpioRelease(kEmio0 + 0).ok());
  EXPECT_EQ(Read(kGpio + kGpio2Data), 0x3Cu);
  // An EMIO input cannot be written.
  Status denied = dev_->GpioWrite(kEmio0 + 8, 1);
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().code, ErrorCode::kPermissionDenied);
  EXPECT_NE(denied.error().message.find("gpio 424 (EMIO 8 of gpiochip338)"), std::string::npos)
      << denied.error().message;
}

TEST_F(DesignsTest, DmaLoopbackMovesBytesWithInterrupts) {
  if (!Load("dma_loopback")) GTEST_SKIP() << "dma_loopback not in this build";
  constexpr uint64_t kDma = 0xA0000000, kIntc = 0xA0010000;
  EXPECT_EQ(Read(kIntc + kIsr), 0u);
  EnableIntc(kIntc, 0x3);
  Allocation src = dev_->Alloc(64 * 1024, 4096, true).value();
  Allocation dst = dev_->Alloc(64 * 1024, 4096, true).value();
  std::mt19937 rng(7);
  for (uint32_t bytes : {5000u, 4096u, 12u}) {
    std::vector<uint8_t> in(bytes), out(bytes + 8, 0xEE);
    for (uint8_t& b : in) b = static_cast<uint8_t>(rng());
    ASSERT_TRUE(dev_->MemWrite(src.phys, in.data(), bytes).ok());
    ASSERT_TRUE(dev_->MemWrite(dst.phys, out.data(), out.size()).ok());
    StartDma(kDma, src.phys, dst.phys, bytes, bytes + 8);
    WaitDmaDone(kDma, kIntc);
    EXPECT_EQ(Read(kDma + kS2mmLength), bytes);  // bytes actually received (TLAST)
    ASSERT_TRUE(dev_->MemRead(dst.phys, out.data(), out.size()).ok());
    ASSERT_EQ(0, std::memcmp(in.data(), out.data(), bytes)) << bytes << " bytes";
    for (size_t i = bytes; i < out.size(); ++i) ASSERT_EQ(out[i], 0xEE) << "byte " << i;
    EXPECT_FALSE(dev_->WaitIrq(0, std::chrono::milliseconds(0), {}).value());
  }
}

TEST_F(DesignsTest, DmaLoopbackDecodesAddresses) {
  if (!Load("dma_loopback")) GTEST_SKIP() << "dma_loopback not in this build";
  // Reset values (PG021): DMACR 0x00010002, DMASR halted.
  EXPECT_EQ(Read(0xA0000000 + kMm2sCr), 0x00010002u);
  EXPECT_EQ(Read(0xA0000000 + kMm2sSr) & 1u, 1u);
  Write(0xA0010000 + kSie, 0x3);
  EXPECT_EQ(Read(0xA0010000 + 0x08), 0x3u);  // IER
  // Nothing at 0xA0020000: DECERR, for reads and writes.
  Result<uint64_t> r = dev_->MmioRead(0xA0020000, 4);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kBusDecErr);
  Status w = dev_->MmioWrite(0xA0030004, 4, 1);
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().code, ErrorCode::kBusDecErr);
  // Still answering after the errors.
  EXPECT_EQ(Read(0xA0010000 + 0x08), 0x3u);
}

TEST_F(DesignsTest, GpioLoopbackAndInterrupt) {
  if (!Load("gpio_intc")) GTEST_SKIP() << "gpio_intc not in this build";
  constexpr uint64_t kGpio = 0xA0000000, kIntc = 0xA0010000;
  for (uint32_t v : {0xA5u, 0x00u, 0xFFu, 0x3Cu}) {
    Write(kGpio + kGpioData, v);
    EXPECT_EQ(Read(kGpio + kGpio2Data), v);  // channel 1 outputs wired to channel 2 inputs
  }
  Write(kGpio + 0x04, 0xFF);        // channel 1 is all outputs: TRI stays
  Write(kGpio + kGpioData, 0x1FF);  // 8 bits wide
  EXPECT_EQ(Read(kGpio + kGpio2Data), 0xFFu);
  // Channel 2 input change -> GPIO interrupt -> INTC input 0 -> pl_ps_irq0[0]. The changes
  // above are already in IP_ISR (it records them whatever IP_IER says, PG144): clear first.
  const uint32_t stale = Read(kGpio + kIpIsr);
  EXPECT_EQ(stale, 0x2u);
  Write(kGpio + kIpIsr, stale);
  EXPECT_EQ(Read(kGpio + kIpIsr), 0u);
  Write(kGpio + kGier, 0x80000000u);
  Write(kGpio + kIpIer, 0x2);
  EnableIntc(kIntc, 0x1);
  EXPECT_FALSE(dev_->WaitIrq(0, std::chrono::milliseconds(0), {}).value());
  Write(kGpio + kGpioData, 0x5A);
  const uint32_t pending = WaitIntc(kIntc, [&](uint32_t) {
    EXPECT_EQ(Read(kGpio + kIpIsr) & 0x2, 0x2u);
    Write(kGpio + kIpIsr, 0x2);  // toggle on write: acknowledge
  });
  EXPECT_EQ(pending, 0x1u);
  EXPECT_EQ(Read(kGpio + kGpio2Data), 0x5Au);
  EXPECT_FALSE(dev_->WaitIrq(0, std::chrono::milliseconds(0), {}).value());
}

TEST_F(DesignsTest, StreamScaleThroughDma) {
  if (!Load("stream_scale")) GTEST_SKIP() << "stream_scale not in this build";
  constexpr uint64_t kDma = 0xA0000000, kHls = 0xA0010000, kIntc = 0xA0020000;
  EnableIntc(kIntc, 0x7);
  Allocation src = dev_->Alloc(64 * 1024, 4096, true).value();
  Allocation dst = dev_->Alloc(64 * 1024, 4096, true).value();
  const uint32_t words = 1500;
  std::vector<uint32_t> in(words), out(words, 0);
  for (uint32_t i = 0; i < words; ++i) in[i] = i * 2654435761u;
  ASSERT_TRUE(dev_->MemWrite(src.phys, in.data(), words * 4).ok());
  const int32_t scale = 3, offset = -7;
  Write(kHls + kHlsLength, words);
  Write(kHls + kScale, static_cast<uint32_t>(scale));
  Write(kHls + kOffset, static_cast<uint32_t>(offset));
  Write(kHls + kHlsGier, 1);
  Write(kHls + kHlsIer, 1);  // ap_done
  Write(kHls + kCtrl, 1);    // ap_start
  StartDma(kDma, src.phys, dst.phys, words * 4, words * 4);
  uint32_t seen = 0;
  for (int i = 0; i < 6 && seen != 7; ++i) {
    seen |= WaitIntc(kIntc, [&](uint32_t pending) {
      if (pending & 1) Write(kDma + kMm2sSr, kSrIocIrq);
      if (pending & 2) Write(kDma + kS2mmSr, kSrIocIrq);
      if (pending & 4) Write(kHls + kHlsIsr, 1);  // toggle: acknowledge ap_done
    });
  }
  EXPECT_EQ(seen, 7u) << "interrupts seen " << Hex(seen);
  EXPECT_EQ(Read(kHls + kCtrl) & 0x4, 0x4u);  // ap_idle
  EXPECT_EQ(Read(kDma + kS2mmLength), words * 4);
  ASSERT_TRUE(dev_->MemRead(dst.phys, out.data(), words * 4).ok());
  for (uint32_t i = 0; i < words; ++i) {
    ASSERT_EQ(out[i], in[i] * static_cast<uint32_t>(scale) + static_cast<uint32_t>(offset))
        << "word " << i;
  }
  EXPECT_FALSE(dev_->WaitIrq(0, std::chrono::milliseconds(0), {}).value());
}

}  // namespace
}  // namespace pynq_remote::sim
