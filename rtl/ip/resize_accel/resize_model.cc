// Reference model of pr_resize_accel; the arithmetic is defined in resize_model.h.
#include "resize_model.h"

#include <algorithm>
#include <cmath>

namespace pynq_remote::resize {

bool SizesAccepted(uint32_t src_rows, uint32_t src_cols, uint32_t dst_rows, uint32_t dst_cols) {
  return src_rows >= 1 && src_rows <= kMaxRows && src_cols >= 1 && src_cols <= kMaxCols &&
         dst_rows >= 1 && dst_rows <= kMaxRows && dst_cols >= 1 && dst_cols <= kMaxCols;
}

uint64_t Ratio(uint32_t n, uint32_t m) { return ((uint64_t{n} << kRatioFracBits) + m / 2) / m; }

Taps AxisTaps(uint32_t n, uint32_t m, uint32_t x) {
  constexpr int kCoordFracBits = kRatioFracBits + 1;  // t is in Q25
  const int64_t r = static_cast<int64_t>(Ratio(n, m));
  int64_t t = (2 * int64_t{x} + 1) * r - (int64_t{1} << kRatioFracBits);
  if (t < 0) t = 0;
  uint64_t i0 = static_cast<uint64_t>(t) >> kCoordFracBits;
  const uint64_t f = static_cast<uint64_t>(t) & ((uint64_t{1} << kCoordFracBits) - 1);
  constexpr int kShift = kCoordFracBits - kWeightBits;
  uint64_t w = (f + (uint64_t{1} << (kShift - 1))) >> kShift;
  if (w == (uint64_t{1} << kWeightBits)) ++i0, w = 0;
  if (i0 >= n - 1) i0 = n - 1, w = 0;
  Taps taps;
  taps.i0 = static_cast<uint32_t>(i0);
  taps.i1 = static_cast<uint32_t>(w == 0 ? i0 : i0 + 1);
  taps.w = static_cast<uint32_t>(w);
  return taps;
}

uint8_t Blend(uint8_t p00, uint8_t p01, uint8_t p10, uint8_t p11, uint32_t wx, uint32_t wy) {
  constexpr uint32_t kOne = 1u << kWeightBits;
  const uint32_t h0 = p00 * (kOne - wx) + p01 * wx;
  const uint32_t h1 = p10 * (kOne - wx) + p11 * wx;
  const uint64_t v = uint64_t{h0} * (kOne - wy) + uint64_t{h1} * wy;
  return static_cast<uint8_t>((v + (uint64_t{1} << (2 * kWeightBits - 1))) >> (2 * kWeightBits));
}

std::vector<uint8_t> Resize(const std::vector<uint8_t>& src, uint32_t src_rows, uint32_t src_cols,
                            uint32_t dst_rows, uint32_t dst_cols) {
  if (!SizesAccepted(src_rows, src_cols, dst_rows, dst_cols)) return {};
  std::vector<Taps> xs(dst_cols);
  for (uint32_t x = 0; x < dst_cols; ++x) xs[x] = AxisTaps(src_cols, dst_cols, x);
  std::vector<uint8_t> dst(size_t{dst_rows} * dst_cols * 3);
  for (uint32_t y = 0; y < dst_rows; ++y) {
    const Taps ty = AxisTaps(src_rows, dst_rows, y);
    const uint8_t* row0 = &src[size_t{ty.i0} * src_cols * 3];
    const uint8_t* row1 = &src[size_t{ty.i1} * src_cols * 3];
    uint8_t* out = &dst[size_t{y} * dst_cols * 3];
    for (uint32_t x = 0; x < dst_cols; ++x) {
      const Taps& tx = xs[x];
      for (int c = 0; c < 3; ++c) {
        out[3 * x + c] = Blend(row0[3 * tx.i0 + c], row0[3 * tx.i1 + c], row1[3 * tx.i0 + c],
                               row1[3 * tx.i1 + c], tx.w, ty.w);
      }
    }
  }
  return dst;
}

std::vector<uint8_t> ResizeFloat(const std::vector<uint8_t>& src, uint32_t src_rows,
                                 uint32_t src_cols, uint32_t dst_rows, uint32_t dst_cols) {
  if (!SizesAccepted(src_rows, src_cols, dst_rows, dst_cols)) return {};
  auto coord = [](uint32_t n, uint32_t m, uint32_t x, uint32_t* i0, uint32_t* i1, double* f) {
    double s = (x + 0.5) * n / m - 0.5;
    s = std::clamp(s, 0.0, static_cast<double>(n - 1));
    *i0 = static_cast<uint32_t>(std::floor(s));
    *i1 = std::min(*i0 + 1, n - 1);
    *f = s - *i0;
  };
  std::vector<uint8_t> dst(size_t{dst_rows} * dst_cols * 3);
  for (uint32_t y = 0; y < dst_rows; ++y) {
    uint32_t y0, y1;
    double fy;
    coord(src_rows, dst_rows, y, &y0, &y1, &fy);
    for (uint32_t x = 0; x < dst_cols; ++x) {
      uint32_t x0, x1;
      double fx;
      coord(src_cols, dst_cols, x, &x0, &x1, &fx);
      for (int c = 0; c < 3; ++c) {
        auto at = [&](uint32_t r, uint32_t k) {
          return static_cast<double>(src[(size_t{r} * src_cols + k) * 3 + c]);
        };
        const double top = at(y0, x0) * (1 - fx) + at(y0, x1) * fx;
        const double bottom = at(y1, x0) * (1 - fx) + at(y1, x1) * fx;
        const double v = top * (1 - fy) + bottom * fy;
        dst[(size_t{y} * dst_cols + x) * 3 + c] =
            static_cast<uint8_t>(std::clamp(std::lround(v), 0L, 255L));
      }
    }
  }
  return dst;
}

}  // namespace pynq_remote::resize
