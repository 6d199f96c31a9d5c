// pr_hls_stream_scale: the ap_ctrl_hs register behaviour of an HLS block (UG1399) as PYNQ's
// DefaultIP.register_map drives it, and the stream function out = in * scale + offset against
// a C++ model under random gaps and back-pressure.
#include <gtest/gtest.h>

#include <random>

#include "Vhls_stream_scale_test.h"
#include "tb.h"

namespace pynq_remote::tb {
namespace {

using Model = Vhls_stream_scale_test;
constexpr uint32_t kCtrl = 0x00, kGier = 0x04, kIer = 0x08, kIsr = 0x0C, kLength = 0x10,
                   kScale = 0x18, kOffset = 0x20;
constexpr uint32_t kStart = 0x1, kDone = 0x2, kIdle = 0x4, kReady = 0x8, kAutoRestart = 0x80;

class HlsTest : public ::testing::Test {
 protected:
  HlsTest()
      : clock_(model_),
        bus_(clock_, PR_AXIL_PINS(model_, s_axi_control_)),
        source_(InPins()),
        sink_(OutPins()) {
    clock_.Add(&source_);
    clock_.Add(&sink_);
    clock_.Reset();
  }
  // tb.h's PR_STREAM_PINS captures a local by reference, which a member initializer has not;
  // these bundle the same pins through `this`.
  StreamPins InPins() {
    return StreamPins{[this](uint64_t v) { model_.s_axis_tdata = static_cast<uint32_t>(v); },
                      [this]() -> uint64_t { return model_.s_axis_tdata; },
                      [this](uint8_t v) { model_.s_axis_tkeep = v; },
                      [this]() -> uint8_t { return model_.s_axis_tkeep; },
                      &model_.s_axis_tlast,
                      &model_.s_axis_tvalid,
                      &model_.s_axis_tready};
  }
  StreamPins OutPins() {
    return StreamPins{[this](uint64_t v) { model_.m_axis_tdata = static_cast<uint32_t>(v); },
                      [this]() -> uint64_t { return model_.m_axis_tdata; },
                      [this](uint8_t v) { model_.m_axis_tkeep = v; },
                      [this]() -> uint8_t { return model_.m_axis_tkeep; },
                      &model_.m_axis_tlast,
                      &model_.m_axis_tvalid,
                      &model_.m_axis_tready};
  }
  void Write(uint32_t addr, uint32_t data) {
    ASSERT_EQ(bus_.Write(addr, data), 0) << "write at " << Hex(addr);
  }
  uint32_t Read(uint32_t addr) { return bus_.Read32(addr); }
  void Args(uint32_t length, uint32_t scale, int32_t offset) {
    Write(kLength, length);
    Write(kScale, scale);
    Write(kOffset, static_cast<uint32_t>(offset));
  }
  // Queues `n` random input words (TLAST on the last, as a DMA would send them) and returns
  // the beats the block must produce for them.
  std::vector<Beat> Feed(size_t n, uint32_t scale, int32_t offset, uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<Beat> expect;
    for (size_t i = 0; i < n; ++i) {
      const uint32_t x = rng();
      source_.Push(Beat{x, 0xF, i + 1 == n});
      expect.push_back(
          Beat{static_cast<uint32_t>(x * scale + static_cast<uint32_t>(offset)), 0xF, i + 1 == n});
    }
    return expect;
  }
  // Polls CTRL as a driver does (every read clears ap_done), until ap_done is seen.
  uint32_t WaitDone(uint64_t budget = 100000) {
    uint32_t ctrl = 0;
    clock_.RunUntil([&] { return ((ctrl = Read(kCtrl)) & kDone) != 0; }, budget, "ap_done");
    return ctrl;
  }
  bool Interrupt() const { return model_.__SYM__interrupt != 0; }

  Model model_;
  Clock<Model> clock_;
  AxiLiteMaster<Model> bus_;
  StreamSource source_;
  StreamSink sink_;
};

TEST_F(HlsTest, RegisterResetValues) {
  EXPECT_EQ(Read(kCtrl), kIdle);
  for (uint32_t a : {kGier, kIer, kIsr, kLength, kScale, kOffset}) EXPECT_EQ(Read(a), 0u);
  for (uint32_t a : {0x14u, 0x1Cu, 0x24u, 0x40u, 0x1FCu}) {
    EXPECT_EQ(bus_.Write(a, 0xFFFFFFFF), 0);
    EXPECT_EQ(bus_.Read(a).resp, 0);
    EXPECT_EQ(Read(a), 0u) << Hex(a);
  }
  EXPECT_FALSE(Interrupt());
  EXPECT_EQ(model_.busy, 0);
  EXPECT_EQ(model_.s_axis_tready, 0);
  EXPECT_EQ(model_.m_axis_tvalid, 0);
  Args(7, 3, -1);
  EXPECT_EQ(Read(kLength), 7u);
  EXPECT_EQ(Read(kScale), 3u);
  EXPECT_EQ(Read(kOffset), 0xFFFFFFFFu);
}

TEST_F(HlsTest, RunWithGapsAndBackPressureMatchesTheModel) {
  const size_t n = 300;
  const uint32_t scale = 0x9E3779B1;
  const int32_t offset = -123456789;
  source_.set_gaps(0.3);
  sink_.set_backpressure(0.4);
  Args(n, scale, offset);
  const std::vector<Beat> expect = Feed(n, scale, offset, 7);
  Write(kCtrl, kStart);
  clock_.Run(2);
  EXPECT_EQ(model_.busy, 1);
  EXPECT_EQ(Read(kCtrl) & (kStart | kIdle), kStart);  // running: ap_start held, not idle
  const uint32_t ctrl = WaitDone();
  EXPECT_EQ(ctrl & (kDone | kIdle | kReady), kDone | kIdle | kReady);
  EXPECT_EQ(ctrl & kStart, 0u);
  EXPECT_EQ(sink_.beats(), expect);
  EXPECT_TRUE(sink_.violations().empty()) << sink_.violations().front();
  EXPECT_TRUE(source_.empty());
  EXPECT_EQ(model_.busy, 0);
  EXPECT_EQ(Read(kCtrl), kIdle);  // ap_done and ap_ready cleared by the read
}

TEST_F(HlsTest, OneWordPerCycle) {
  const size_t n = 256;
  Args(n, 1, 0);
  const std::vector<Beat> expect = Feed(n, 1, 0, 3);
  Write(kCtrl, kStart);
  const uint64_t cycles =
      clock_.RunUntil([&] { return sink_.beats().size() == n; }, 10000, "all beats");
  EXPECT_LE(cycles, n + 8);
  EXPECT_EQ(sink_.beats(), expect);
  WaitDone();
}

TEST_F(HlsTest, DoneIsClearOnRead) {
  Args(4, 2, 1);
  Feed(4, 2, 1, 1);
  Write(kCtrl, kStart);
  clock_.RunUntil([&] { return model_.busy == 0; }, 1000, "idle");
  clock_.Run(20);  // ap_done stays until read
  EXPECT_EQ(Read(kCtrl), kDone | kIdle | kReady);
  EXPECT_EQ(Read(kCtrl), kIdle);
}

TEST_F(HlsTest, AutoRestartRunsAgain) {
  const size_t n = 40;
  Args(n, 5, 7);
  std::vector<Beat> expect = Feed(n, 5, 7, 11);
  const std::vector<Beat> second = Feed(n, 5, 7, 12);
  expect.insert(expect.end(), second.begin(), second.end());
  sink_.set_backpressure(0.2);
  Write(kCtrl, kAutoRestart | kStart);
  EXPECT_EQ(Read(kCtrl) & kAutoRestart, kAutoRestart);
  // the first run ends and the second starts by itself
  clock_.RunUntil([&] { return sink_.beats().size() > n; }, 10000, "second run");
  EXPECT_EQ(Read(kCtrl) & (kStart | kIdle | kAutoRestart), kStart | kAutoRestart);
  Write(kCtrl, 0);  // auto_restart off: this run is the last
  WaitDone();
  clock_.Run(50);
  EXPECT_EQ(Read(kCtrl), kIdle);
  EXPECT_EQ(sink_.beats(), expect);
  EXPECT_EQ(model_.busy, 0);
}

TEST_F(HlsTest, InterruptFlow) {
  Args(3, 1, 0);
  Write(kGier, 1);
  Write(kIer, 0x1);  // ap_done
  Feed(3, 1, 0, 5);
  Write(kCtrl, kStart);
  clock_.RunUntil([&] { return Interrupt(); }, 1000, "interrupt");
  EXPECT_EQ(Read(kIsr), 0x1u);
  Write(kIsr, 0x1);  // toggle on write clears
  EXPECT_EQ(Read(kIsr), 0u);
  EXPECT_FALSE(Interrupt());
  Write(kIsr, 0x1);  // a second toggle sets it again
  EXPECT_TRUE(Interrupt());
  Write(kIsr, 0x1);
  EXPECT_FALSE(Interrupt());
  EXPECT_EQ(Read(kCtrl) & kDone, kDone);
  // ap_ready (IER bit 1) with the global enable off: status set, no interrupt
  Write(kGier, 0);
  Write(kIer, 0x2);
  Feed(3, 1, 0, 6);
  Write(kCtrl, kStart);
  WaitDone();
  EXPECT_EQ(Read(kIsr), 0x2u);
  EXPECT_FALSE(Interrupt());
  Write(kGier, 1);
  EXPECT_TRUE(Interrupt());
  Write(kIsr, 0x2);
  EXPECT_FALSE(Interrupt());
  // nothing enabled: nothing recorded
  Write(kIer, 0);
  Feed(3, 1, 0, 7);
  Write(kCtrl, kStart);
  WaitDone();
  EXPECT_EQ(Read(kIsr), 0u);
  EXPECT_FALSE(Interrupt());
}

TEST_F(HlsTest, LengthZeroIsDoneAtOnce) {
  Args(0, 3, 3);
  source_.Push(Beat{1, 0xF, true});  // must not be taken
  Write(kGier, 1);
  Write(kIer, 0x1);
  Write(kCtrl, kStart);
  const uint32_t ctrl = WaitDone(20);
  EXPECT_EQ(ctrl & (kDone | kIdle), kDone | kIdle);
  EXPECT_TRUE(Interrupt());
  clock_.Run(20);
  EXPECT_TRUE(sink_.beats().empty());
  EXPECT_EQ(source_.pending(), 1u);
}

TEST_F(HlsTest, StartWhileRunningIsIgnored) {
  const size_t n = 16;
  Args(n, 2, 0);
  Write(kCtrl, kStart);
  clock_.Run(10);  // no input yet: the run waits for data
  EXPECT_EQ(Read(kCtrl) & (kStart | kIdle), kStart);
  Write(kCtrl, kStart);  // a second start while running
  Args(n + 5, 9, 9);     // new arguments wait for the next start
  const std::vector<Beat> expect = Feed(n, 2, 0, 9);
  WaitDone();
  clock_.Run(100);
  EXPECT_EQ(Read(kCtrl), kIdle);  // no second run
  EXPECT_EQ(model_.busy, 0);
  EXPECT_EQ(sink_.beats(), expect);
  EXPECT_EQ(model_.s_axis_tready, 0);
}

}  // namespace
}  // namespace pynq_remote::tb
