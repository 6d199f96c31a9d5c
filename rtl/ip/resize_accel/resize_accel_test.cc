// pr_resize_accel against its C++ model (resize_model.h, bit-exact), the model against
// floating-point bilinear interpolation (within 1 per channel), and the HLS ap_ctrl_hs
// behaviour PYNQ-HelloWorld's resizer notebook relies on (register_map writes of the four
// sizes, write(0x00, 0x81), DMA transfers both ways).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <tuple>
#include <vector>

#include "Vresize_accel_test.h"
#include "resize_model.h"
#include "tb.h"

namespace pynq_remote::tb {
namespace {

namespace rz = ::pynq_remote::resize;
using Model = Vresize_accel_test;
constexpr uint32_t kCtrl = 0x00, kGier = 0x04, kIer = 0x08, kIsr = 0x0C, kSrcRows = 0x10,
                   kSrcCols = 0x18, kDstRows = 0x20, kDstCols = 0x28;
constexpr uint32_t kApStart = 1, kApDone = 2, kApIdle = 4, kApReady = 8, kAutoRestart = 0x80;

struct Size {
  uint32_t rows, cols;
};

std::vector<uint8_t> RandomImage(Size s, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> img(size_t{s.rows} * s.cols * 3);
  for (auto& b : img) b = static_cast<uint8_t>(rng());
  return img;
}

// A smooth image with some edges, closer to a photograph than noise.
std::vector<uint8_t> SmoothImage(Size s, uint32_t seed) {
  std::vector<uint8_t> img(size_t{s.rows} * s.cols * 3);
  for (uint32_t y = 0; y < s.rows; ++y) {
    for (uint32_t x = 0; x < s.cols; ++x) {
      uint8_t* p = &img[(size_t{y} * s.cols + x) * 3];
      p[0] = static_cast<uint8_t>(x * 255 / std::max(1u, s.cols - 1));
      p[1] = static_cast<uint8_t>(y * 255 / std::max(1u, s.rows - 1));
      p[2] = static_cast<uint8_t>(((x / 7 + y / 5 + seed) & 1) ? 230 : 20);
    }
  }
  return img;
}

class ResizeTest : public ::testing::Test {
 protected:
  ResizeTest()
      : clock_(model_),
        bus_(clock_, PR_AXIL_PINS(model_, s_axi_AXILiteS_)),
        src_(SrcPins()),
        dst_(DstPins()) {
    clock_.Add(&src_);
    clock_.Add(&dst_);
    clock_.Reset();
  }

  // tb.h's PR_STREAM_PINS captures a local by reference; these bundle the pins through this.
  StreamPins SrcPins() {
    return StreamPins{[this](uint64_t v) { model_.src_tdata = static_cast<uint32_t>(v); },
                      [this]() -> uint64_t { return model_.src_tdata; },
                      [this](uint8_t v) { model_.src_tkeep = v; },
                      [this]() -> uint8_t { return model_.src_tkeep; },
                      &model_.src_tlast,
                      &model_.src_tvalid,
                      &model_.src_tready};
  }
  StreamPins DstPins() {
    return StreamPins{[this](uint64_t v) { model_.dst_tdata = static_cast<uint32_t>(v); },
                      [this]() -> uint64_t { return model_.dst_tdata; },
                      [this](uint8_t v) { model_.dst_tkeep = v; },
                      [this]() -> uint8_t { return model_.dst_tkeep; },
                      &model_.dst_tlast,
                      &model_.dst_tvalid,
                      &model_.dst_tready};
  }
  void Write(uint32_t addr, uint32_t data, uint8_t strb = 0xF) {
    ASSERT_EQ(bus_.Write(addr, data, strb), 0) << "write at " << Hex(addr);
  }
  uint32_t Read(uint32_t addr) { return bus_.Read32(addr); }
  // Verilator renames the port `interrupt` (a C++ keyword in some dialects).
  int Interrupt() const { return model_.__SYM__interrupt; }

  // As the notebook does: resizer.register_map.src_rows = ... and so on.
  void SetSizes(Size src, Size dst) {
    Write(kSrcRows, src.rows);
    Write(kSrcCols, src.cols);
    Write(kDstRows, dst.rows);
    Write(kDstCols, dst.cols);
  }
  void PushImage(const std::vector<uint8_t>& img) {
    const size_t pixels = img.size() / 3;
    for (size_t i = 0; i < pixels; ++i) {
      src_.Push(Beat{rz::PackPixel(&img[3 * i]), 0x7, i + 1 == pixels});
    }
  }
  // Waits for `n` more output beats than `before`; returns the cycles it took.
  uint64_t WaitBeats(size_t before, size_t n, uint64_t budget) {
    return clock_.RunUntil([&] { return dst_.beats().size() >= before + n; }, budget,
                           "waiting for " + std::to_string(n) + " output beats");
  }
  // The image in beats [from, from + pixels); checks TLAST on the last beat only.
  std::vector<uint8_t> Collect(size_t from, size_t pixels) {
    std::vector<uint8_t> img(pixels * 3);
    for (size_t i = 0; i < pixels; ++i) {
      const Beat& b = dst_.beats()[from + i];
      EXPECT_EQ(b.last, i + 1 == pixels) << "TLAST on beat " << i << " of " << pixels;
      EXPECT_EQ(b.keep, 0x7) << "TKEEP on beat " << i;
      EXPECT_EQ(b.data >> 24, 0u) << "TDATA beyond 24 bits on beat " << i;
      if (::testing::Test::HasFailure()) break;
      rz::UnpackPixel(static_cast<uint32_t>(b.data), &img[3 * i]);
    }
    return img;
  }
  // Reads CTRL until ap_done, within `budget` cycles; returns the last value read.
  uint32_t WaitDone(uint64_t budget = 200) {
    const uint64_t start = clock_.cycles();
    uint32_t ctrl = 0;
    while (!((ctrl = Read(kCtrl)) & kApDone)) {
      if (clock_.cycles() - start > budget) throw Hang("ap_done not set");
    }
    return ctrl;
  }

  struct Run {
    std::vector<uint8_t> image;
    uint64_t cycles;       // from the start write to the last output beat taken
    uint64_t done_cycles;  // from the start write to ap_done read
  };
  // One frame, started with ap_start alone; checks the output against the model.
  Run RunFrame(const std::vector<uint8_t>& img, Size src, Size dst, const char* what = "") {
    SetSizes(src, dst);
    PushImage(img);
    const size_t before = dst_.beats().size();
    const size_t out_pixels = size_t{dst.rows} * dst.cols;
    const uint64_t budget = 20 * (img.size() / 3 + out_pixels) + 10000;
    const uint64_t t0 = clock_.cycles();
    Write(kCtrl, kApStart);
    WaitBeats(before, out_pixels, budget);
    Run run{Collect(before, out_pixels), clock_.cycles() - t0, 0};
    // source rows below the last one an output pixel needs are drained after it
    const uint32_t ctrl = WaitDone(4 * img.size() / 3 + 200);
    run.done_cycles = clock_.cycles() - t0;
    EXPECT_TRUE(ctrl & kApIdle) << what;
    EXPECT_EQ(dst_.beats().size(), before + out_pixels) << what << ": extra output beats";
    EXPECT_TRUE(src_.empty()) << what << ": source beats left over: " << src_.pending();
    EXPECT_TRUE(dst_.violations().empty()) << what << ": " << dst_.violations().front();
    const std::vector<uint8_t> want = rz::Resize(img, src.rows, src.cols, dst.rows, dst.cols);
    ExpectSameImage(run.image, want, dst, what);
    return run;
  }
  static void ExpectSameImage(const std::vector<uint8_t>& got, const std::vector<uint8_t>& want,
                              Size dst, const char* what) {
    ASSERT_EQ(got.size(), want.size()) << what;
    for (size_t i = 0; i < got.size(); ++i) {
      if (got[i] != want[i]) {
        const size_t pixel = i / 3;
        FAIL() << what << ": differs at row " << pixel / dst.cols << " col " << pixel % dst.cols
               << " channel " << i % 3 << ": core " << int{got[i]} << " model " << int{want[i]};
      }
    }
  }

  Model model_;
  Clock<Model> clock_;
  AxiLiteMaster<Model> bus_;
  StreamSource src_;
  StreamSink dst_;
};

// ---- the model alone ----------------------------------------------------------------------

TEST(ResizeModel, EqualSizesAreTheIdentityOnEveryAxisLength) {
  for (uint32_t n = 1; n <= rz::kMaxCols; ++n) {
    EXPECT_EQ(rz::Ratio(n, n), 1u << 24);
    for (uint32_t x = 0; x < n; ++x) {
      const rz::Taps t = rz::AxisTaps(n, n, x);
      ASSERT_TRUE(t.i0 == x && t.i1 == x && t.w == 0) << n << " at " << x;
    }
  }
}

// What the streaming core relies on: taps inside the source, i1 = i0 or i0 + 1, and i0 never
// decreasing along an axis.
TEST(ResizeModel, TapsAreInRangeAndMonotonic) {
  std::mt19937 rng(7);
  std::vector<std::pair<uint32_t, uint32_t>> pairs = {
      {1, 1}, {1, 1920}, {1920, 1}, {1080, 1}, {1920, 1919}, {1919, 1920}, {3, 1080}};
  for (int i = 0; i < 3000; ++i) {
    pairs.push_back(
        {static_cast<uint32_t>(rng() % 1920 + 1), static_cast<uint32_t>(rng() % 1920 + 1)});
  }
  for (auto [n, m] : pairs) {
    uint32_t prev = 0;
    for (uint32_t x = 0; x < m; ++x) {
      const rz::Taps t = rz::AxisTaps(n, m, x);
      ASSERT_LT(t.i0, n);
      ASSERT_LT(t.i1, n);
      ASSERT_LT(t.w, 4096u);
      ASSERT_EQ(t.i1, t.w == 0 ? t.i0 : t.i0 + 1) << n << "->" << m << " at " << x;
      ASSERT_GE(t.i0, prev) << n << "->" << m << " at " << x;
      prev = t.i0;
    }
  }
}

TEST(ResizeModel, WithinOneOfFloatingPointBilinear) {
  std::mt19937 rng(11);
  std::vector<std::pair<Size, Size>> cases = {
      {{360, 640}, {180, 320}}, {{75, 100}, {250, 333}},    {{5, 7}, {11, 3}},
      {{1, 1}, {4, 4}},         {{1080, 1920}, {360, 640}}, {{3, 2}, {1080, 1920}},
      {{1080, 1920}, {1, 1}},   {{17, 1919}, {13, 1920}},   {{479, 641}, {480, 640}}};
  for (int i = 0; i < 40; ++i) {
    auto dim = [&] { return static_cast<uint32_t>(rng() % 200 + 1); };
    cases.push_back({{dim(), dim()}, {dim(), dim()}});
  }
  int worst = 0;
  for (size_t k = 0; k < cases.size(); ++k) {
    auto [src, dst] = cases[k];
    for (int kind = 0; kind < 2; ++kind) {
      const auto img = kind ? RandomImage(src, 100 + k) : SmoothImage(src, k);
      const auto fixed = rz::Resize(img, src.rows, src.cols, dst.rows, dst.cols);
      const auto flt = rz::ResizeFloat(img, src.rows, src.cols, dst.rows, dst.cols);
      ASSERT_EQ(fixed.size(), flt.size());
      for (size_t i = 0; i < fixed.size(); ++i) {
        const int d = std::abs(int{fixed[i]} - int{flt[i]});
        worst = std::max(worst, d);
        ASSERT_LE(d, 1) << src.rows << "x" << src.cols << " -> " << dst.rows << "x" << dst.cols
                        << " at byte " << i;
      }
    }
  }
  std::printf("[ model ] worst difference from floating-point bilinear: %d\n", worst);
}

TEST(ResizeModel, RefusedSizesGiveNothing) {
  EXPECT_FALSE(rz::SizesAccepted(0, 1, 1, 1));
  EXPECT_FALSE(rz::SizesAccepted(1, 0, 1, 1));
  EXPECT_FALSE(rz::SizesAccepted(1, 1, 0, 1));
  EXPECT_FALSE(rz::SizesAccepted(1, 1, 1, 0));
  EXPECT_FALSE(rz::SizesAccepted(1081, 1920, 1, 1));
  EXPECT_FALSE(rz::SizesAccepted(1080, 1921, 1, 1));
  EXPECT_FALSE(rz::SizesAccepted(1, 1, 1081, 1));
  EXPECT_FALSE(rz::SizesAccepted(1, 1, 1, 1921));
  EXPECT_FALSE(rz::SizesAccepted(0xFFFFFFFFu, 1, 1, 1));
  EXPECT_TRUE(rz::SizesAccepted(1080, 1920, 1080, 1920));
  EXPECT_TRUE(rz::Resize({}, 0, 4, 4, 4).empty());
}

// ---- registers ----------------------------------------------------------------------------

TEST_F(ResizeTest, ResetValuesAndArgumentRegisters) {
  EXPECT_EQ(Read(kCtrl), kApIdle);
  EXPECT_EQ(Read(kGier), 0u);
  EXPECT_EQ(Read(kIer), 0u);
  EXPECT_EQ(Read(kIsr), 0u);
  for (uint32_t a : {kSrcRows, kSrcCols, kDstRows, kDstCols}) EXPECT_EQ(Read(a), 0u);
  Write(kSrcRows, 0x12345678);
  Write(kSrcCols, 640);
  Write(kDstRows, 180);
  Write(kDstCols, 320);
  EXPECT_EQ(Read(kSrcRows), 0x12345678u);
  Write(kSrcRows, 0x0000AB00, 0x2);  // byte strobes
  EXPECT_EQ(Read(kSrcRows), 0x1234AB78u);
  EXPECT_EQ(Read(kSrcCols), 640u);
  EXPECT_EQ(Read(kDstRows), 180u);
  EXPECT_EQ(Read(kDstCols), 320u);
  Write(kGier, 0xFFFFFFFF);
  Write(kIer, 0xFFFFFFFF);
  EXPECT_EQ(Read(kGier), 1u);
  EXPECT_EQ(Read(kIer), 3u);
  EXPECT_EQ(Interrupt(), 0);
  EXPECT_EQ(model_.busy, 0);
}

TEST_F(ResizeTest, ReservedOffsetsReadZeroAndIgnoreWrites) {
  for (uint32_t a : {0x14u, 0x1Cu, 0x24u, 0x2Cu, 0x30u, 0x3Cu, 0x40u, 0x1FCu, 0xFFFCu}) {
    Write(a, 0xFFFFFFFF);
    EXPECT_EQ(Read(a), 0u) << Hex(a);
  }
  EXPECT_EQ(Read(kCtrl), kApIdle);
  for (uint32_t a : {kSrcRows, kSrcCols, kDstRows, kDstCols}) EXPECT_EQ(Read(a), 0u);
}

TEST_F(ResizeTest, AutoRestartAloneDoesNotStartAndCtrlWithoutStrobeIsIgnored) {
  Write(kCtrl, kAutoRestart);
  EXPECT_EQ(Read(kCtrl), kAutoRestart | kApIdle);
  Write(kCtrl, 0);
  EXPECT_EQ(Read(kCtrl), kApIdle);
  Write(kCtrl, kApStart | kAutoRestart, 0x0);  // no byte 0: nothing happens
  EXPECT_EQ(Read(kCtrl), kApIdle);
  clock_.Run(50);
  EXPECT_EQ(Read(kCtrl), kApIdle);
  EXPECT_EQ(model_.busy, 0);
}

TEST_F(ResizeTest, CtrlBitsAndInterruptThroughARun) {
  Write(kGier, 1);
  Write(kIer, 3);
  const Size src{4, 6}, dst{3, 5};
  SetSizes(src, dst);
  Write(kCtrl, kApStart);
  // accepted: ap_start cleared, ap_ready set, not idle; ISR ready bit, interrupt
  uint32_t ctrl = Read(kCtrl);
  EXPECT_EQ(ctrl & (kApStart | kApIdle | kApDone), 0u) << Hex(ctrl);
  EXPECT_TRUE(ctrl & kApReady) << Hex(ctrl);
  EXPECT_EQ(Read(kCtrl) & kApReady, 0u);  // clear on read
  EXPECT_EQ(Read(kIsr), 2u);
  EXPECT_EQ(Interrupt(), 1);
  Write(kIsr, 2);  // toggle clears
  EXPECT_EQ(Read(kIsr), 0u);
  EXPECT_EQ(Interrupt(), 0);
  // waiting for input: running, not busy
  clock_.Run(100);
  EXPECT_EQ(Read(kCtrl) & (kApIdle | kApDone), 0u);
  EXPECT_EQ(model_.busy, 0);
  const auto img = RandomImage(src, 3);
  PushImage(img);
  WaitBeats(0, 15, 1000);
  ctrl = WaitDone();
  EXPECT_EQ(ctrl, kApDone | kApIdle);
  EXPECT_EQ(Read(kCtrl), kApIdle);  // ap_done cleared on read
  EXPECT_EQ(Read(kIsr), 1u);
  EXPECT_EQ(Interrupt(), 1);
  Write(kGier, 0);
  EXPECT_EQ(Interrupt(), 0);
  Write(kGier, 1);
  Write(kIsr, 1);
  EXPECT_EQ(Read(kIsr), 0u);
  EXPECT_EQ(Interrupt(), 0);
  Write(kIsr, 3);  // toggling sets too, as HLS does
  EXPECT_EQ(Read(kIsr), 3u);
  Write(kIsr, 3);
  EXPECT_EQ(model_.busy, 0);
  ExpectSameImage(Collect(0, 15), rz::Resize(img, 4, 6, 3, 5), dst, "4x6 -> 3x5");
}

// ---- frames -------------------------------------------------------------------------------

TEST_F(ResizeTest, Identity500x500ByteForByteAtAboutOnePixelPerCycle) {
  const Size s{500, 500};
  const auto img = RandomImage(s, 1);
  const Run run = RunFrame(img, s, s, "500x500 identity");
  EXPECT_EQ(run.image, img);
  const double ppc = 250000.0 / run.cycles;
  std::printf("[ perf  ] identity 500x500: %llu cycles, %.4f pixels/cycle\n",
              static_cast<unsigned long long>(run.cycles), ppc);
  EXPECT_GE(ppc, 0.9);
}

TEST_F(ResizeTest, Downscale640x360To320x180) {
  const auto img = SmoothImage({360, 640}, 2);
  const Run run = RunFrame(img, {360, 640}, {180, 320}, "640x360 -> 320x180");
  std::printf(
      "[ perf  ] 640x360 -> 320x180: %llu cycles, %.4f input pixels/cycle, "
      "%.4f output pixels/cycle\n",
      static_cast<unsigned long long>(run.cycles), 230400.0 / run.cycles, 57600.0 / run.cycles);
  EXPECT_LT(run.cycles, 230400u * 11 / 10);
}

TEST_F(ResizeTest, Upscale100x75To333x250) {
  const auto img = RandomImage({75, 100}, 3);
  const Run run = RunFrame(img, {75, 100}, {250, 333}, "100x75 -> 333x250");
  std::printf("[ perf  ] 100x75 -> 333x250: %llu cycles, %.4f output pixels/cycle\n",
              static_cast<unsigned long long>(run.cycles), 83250.0 / run.cycles);
  EXPECT_LT(run.cycles, 83250u * 11 / 10);
}

TEST_F(ResizeTest, OddAndTinySizes) {
  const std::vector<std::pair<Size, Size>> cases = {
      {{5, 7}, {11, 3}},   {{1, 1}, {1, 1}},    {{1, 1}, {4, 4}},    {{4, 4}, {1, 1}},
      {{1, 9}, {7, 1}},    {{9, 1}, {1, 7}},    {{2, 3}, {3, 2}},    {{3, 3}, {3, 3}},
      {{13, 11}, {2, 29}}, {{1, 1920}, {1, 1}}, {{1080, 1}, {3, 1}}, {{1, 1}, {3, 1920}}};
  uint32_t seed = 10;
  for (auto [src, dst] : cases) {
    char what[64];
    std::snprintf(what, sizeof what, "%ux%u -> %ux%u (cols x rows)", src.cols, src.rows, dst.cols,
                  dst.rows);
    RunFrame(RandomImage(src, seed++), src, dst, what);
    if (HasFailure()) return;
  }
}

TEST_F(ResizeTest, RandomSizesWithGapsAndBackPressure) {
  std::mt19937 rng(5);
  src_.set_gaps(0.3, 21);
  dst_.set_backpressure(0.4, 22);
  for (int i = 0; i < 12; ++i) {
    auto dim = [&] { return static_cast<uint32_t>(rng() % 90 + 1); };
    const Size src{dim(), dim()}, dst{dim(), dim()};
    char what[64];
    std::snprintf(what, sizeof what, "%ux%u -> %ux%u (rows x cols)", src.rows, src.cols, dst.rows,
                  dst.cols);
    const auto img = (i & 1) ? RandomImage(src, 40 + i) : SmoothImage(src, i);
    RunFrame(img, src, dst, what);
    if (HasFailure()) return;
  }
}

TEST_F(ResizeTest, HeavyBackPressureOnBothSides) {
  src_.set_gaps(0.7, 31);
  dst_.set_backpressure(0.8, 32);
  RunFrame(RandomImage({40, 50}, 8), {40, 50}, {40, 50}, "identity, stalled");
  RunFrame(RandomImage({60, 33}, 9), {60, 33}, {17, 71}, "mixed, stalled");
}

// Independent ratios per axis, larger frames, every size drawn over the whole range.
TEST_F(ResizeTest, LargeRandomSizesAgainstTheModel) {
  std::mt19937 rng(99);
  src_.set_gaps(0.1, 41);
  dst_.set_backpressure(0.2, 42);
  const std::vector<std::pair<Size, Size>> fixed = {
      {{17, 300}, {400, 19}}, {{1080, 3}, {2, 1920}}, {{2, 1920}, {1080, 5}}};
  for (int i = 0; i < 7; ++i) {
    Size src, dst;
    if (i < 3) {
      std::tie(src, dst) = fixed[i];
    } else {
      auto draw = [&](uint32_t max) { return static_cast<uint32_t>(rng() % max + 1); };
      src = {draw(300), draw(600)};
      dst = {draw(300), draw(600)};
    }
    char what[64];
    std::snprintf(what, sizeof what, "%ux%u -> %ux%u (rows x cols)", src.rows, src.cols, dst.rows,
                  dst.cols);
    RunFrame(i & 1 ? RandomImage(src, 70 + i) : SmoothImage(src, i), src, dst, what);
    if (HasFailure()) return;
  }
}

// A stalled destination stops the core without losing anything, and the core is not busy
// while it can do nothing; it resumes where it stopped.
TEST_F(ResizeTest, StalledDestinationIsNotBusyAndResumes) {
  const Size src{20, 30}, dst{25, 20};
  const auto img = RandomImage(src, 12);
  SetSizes(src, dst);
  PushImage(img);
  dst_.set_backpressure(1.0);
  Write(kCtrl, kApStart);
  clock_.Run(2000);
  EXPECT_EQ(model_.busy, 0);
  EXPECT_TRUE(dst_.beats().empty());
  EXPECT_FALSE(src_.empty());  // the line buffers are full: the input waits too
  EXPECT_EQ(Read(kCtrl) & kApIdle, 0u);
  dst_.set_backpressure(0.0);
  WaitBeats(0, 500, 10000);
  WaitDone(1000);
  EXPECT_TRUE(src_.empty());
  ExpectSameImage(Collect(0, 500), rz::Resize(img, 20, 30, 25, 20), dst, "after the stall");
  EXPECT_TRUE(dst_.violations().empty());
}

// The notebook: write(0x00, 0x81). The core restarts after each frame and waits for the next.
TEST_F(ResizeTest, AutoRestartRunsFrameAfterFrame) {
  const Size src{30, 40}, dst{20, 50};
  const auto img1 = RandomImage(src, 1), img2 = RandomImage(src, 2);
  SetSizes(src, dst);
  PushImage(img1);
  Write(kCtrl, kApStart | kAutoRestart);
  WaitBeats(0, 1000, 100000);
  EXPECT_TRUE(src_.empty());
  // restarted: ap_start still 1 (auto_restart), running, waiting for input
  clock_.Run(100);
  uint32_t ctrl = Read(kCtrl);
  EXPECT_EQ(ctrl & (kApStart | kAutoRestart | kApIdle), kApStart | kAutoRestart) << Hex(ctrl);
  EXPECT_EQ(model_.busy, 0);  // nothing to do until the DMA sends
  // the second frame, at other sizes written while the first ran... (taken at restart)
  PushImage(img2);
  WaitBeats(1000, 1000, 100000);
  ExpectSameImage(Collect(0, 1000), rz::Resize(img1, 30, 40, 20, 50), dst, "frame 1");
  ExpectSameImage(Collect(1000, 1000), rz::Resize(img2, 30, 40, 20, 50), dst, "frame 2");
  // clear auto_restart: the run already accepted (third) still happens, then the core stops
  Write(kCtrl, 0);
  const Size src3{8, 8}, dst3{4, 4};
  SetSizes(src3, dst3);  // too late for the third run, which took 30x40 -> 20x50 already
  const auto img3 = RandomImage(src, 3);
  PushImage(img3);
  WaitBeats(2000, 1000, 100000);
  ExpectSameImage(Collect(2000, 1000), rz::Resize(img3, 30, 40, 20, 50), dst, "frame 3");
  clock_.RunUntil([&] { return (Read(kCtrl) & kApIdle) != 0; }, 1000, "idle");
  clock_.Run(50);
  EXPECT_EQ(Read(kCtrl) & ~kApDone, kApIdle);
  EXPECT_EQ(dst_.beats().size(), 3000u);
  EXPECT_EQ(model_.busy, 0);
  EXPECT_TRUE(dst_.violations().empty());
}

TEST_F(ResizeTest, AutoRestartTakesNewSizesAtEachStart) {
  const Size a{16, 16}, b{10, 6}, out_a{8, 8}, out_b{5, 12};
  const auto img_a = RandomImage(a, 4), img_b = RandomImage(b, 5);
  SetSizes(a, out_a);
  Write(kCtrl, kApStart | kAutoRestart);
  SetSizes(b, out_b);  // the first run has its sizes already
  PushImage(img_a);
  WaitBeats(0, 64, 10000);
  PushImage(img_b);
  WaitBeats(64, 60, 10000);
  ExpectSameImage(Collect(0, 64), rz::Resize(img_a, 16, 16, 8, 8), out_a, "first");
  ExpectSameImage(Collect(64, 60), rz::Resize(img_b, 10, 6, 5, 12), out_b, "second");
  Write(kCtrl, 0);
}

TEST_F(ResizeTest, RefusedSizesFinishAtOnceWithoutTakingOrGivingBeats) {
  Write(kGier, 1);
  Write(kIer, 1);
  const std::vector<std::pair<Size, Size>> cases = {
      {{0, 10}, {10, 10}},          {{10, 0}, {10, 10}},
      {{10, 10}, {0, 10}},          {{10, 10}, {10, 0}},
      {{1081, 10}, {10, 10}},       {{10, 1921}, {10, 10}},
      {{10, 10}, {1081, 1}},        {{10, 10}, {1, 1921}},
      {{0xFFFFFFFF, 10}, {10, 10}}, {{1080, 1920 + 2048}, {10, 10}}};
  PushImage(RandomImage({2, 5}, 1));  // a DMA that is sending: nothing may be taken
  for (bool restart : {false, true}) {
    for (auto [src, dst] : cases) {
      SetSizes(src, dst);
      Write(kCtrl, kApStart | (restart ? kAutoRestart : 0));
      const uint32_t ctrl = WaitDone(20);
      EXPECT_EQ(ctrl & ~kAutoRestart, kApDone | kApIdle | kApReady)
          << src.rows << "x" << src.cols << " -> " << dst.rows << "x" << dst.cols;
      EXPECT_EQ(Read(kIsr), 1u);
      EXPECT_EQ(Interrupt(), 1);
      Write(kIsr, 1);
      clock_.Run(20);
      EXPECT_EQ(Read(kCtrl) & ~kAutoRestart, kApIdle);  // no restart, no spin
      EXPECT_EQ(Read(kIsr), 0u);
      EXPECT_EQ(model_.busy, 0);
    }
  }
  EXPECT_EQ(src_.pending(), 10u);
  EXPECT_TRUE(dst_.beats().empty());
  // and the core still works
  Write(kCtrl, 0);
  SetSizes({2, 5}, {3, 3});
  Write(kCtrl, kApStart);
  WaitBeats(0, 9, 1000);
  WaitDone();
  EXPECT_TRUE(src_.empty());
}

TEST_F(ResizeTest, MaxSizeIdentity1920x1080) {
  const Size s{1080, 1920};
  const auto img = RandomImage(s, 6);
  const Run run = RunFrame(img, s, s, "1920x1080 identity");
  EXPECT_EQ(run.image, img);
  std::printf("[ perf  ] identity 1920x1080: %llu cycles, %.4f pixels/cycle\n",
              static_cast<unsigned long long>(run.cycles), 1920.0 * 1080 / run.cycles);
  EXPECT_GE(1920.0 * 1080 / run.cycles, 0.9);
}

TEST_F(ResizeTest, Downscale1920x1080To640x360) {
  const auto img = SmoothImage({1080, 1920}, 7);
  const Run run = RunFrame(img, {1080, 1920}, {360, 640}, "1920x1080 -> 640x360");
  std::printf(
      "[ perf  ] 1920x1080 -> 640x360: %llu cycles to the last output, %llu to ap_done, "
      "%.4f input pixels/cycle\n",
      static_cast<unsigned long long>(run.cycles), static_cast<unsigned long long>(run.done_cycles),
      1920.0 * 1080 / run.done_cycles);
}

}  // namespace
}  // namespace pynq_remote::tb
