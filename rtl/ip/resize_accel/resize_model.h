// Bit-exact reference model of pr_resize_accel (rtl/ip/resize_accel/resize_accel.v): bilinear
// resizing of an RGB888 image, as PYNQ-HelloWorld's resize_accel (xilinx.com:hls:resize_accel)
// is driven. This file is the single definition of the arithmetic; the RTL matches it bit for
// bit and the test bench checks that on every frame it runs.
//
// Image layout: row-major (rows, cols, 3) uint8, i.e. the numpy (h, w, 3) array; on the stream
// one pixel per 24-bit beat, byte 0 (R) in TDATA[7:0], byte 1 in [15:8], byte 2 in [23:16].
//
// Sizes accepted: 1 <= cols <= 1920 and 1 <= rows <= 1080, source and destination alike
// (SizesAccepted). Any other size refuses the frame (the core consumes and produces nothing
// and signals done at once).
//
// Per axis, with n source and m destination samples (rows or columns), output index x:
//   R  = floor(((n << 24) + floor(m / 2)) / m)          ratio n/m in Q24, rounded (36 bits)
//   t  = (2x + 1) * R - 2^24                             source coordinate (x + 0.5) * n/m - 0.5
//                                                        in Q25 (signed; -2^24 <= t < 2^36)
//   t  = max(t, 0)                                       clamp below
//   i0 = t >> 25,  f = t & (2^25 - 1)                    integer part, fraction in Q25
//   w  = (f + 2^12) >> 13                                weight in Q12, rounded (0..4096)
//   if w == 4096: i0 += 1, w = 0                         rounding carried into the index
//   if i0 >= n - 1: i0 = n - 1, w = 0                    clamp above
//   i1 = (w == 0) ? i0 : i0 + 1                          second tap (weight 0 when equal)
// (The RTL steps t by 2R per output sample; same values.) With n == m, R = 2^24 and
// t = 2x * 2^24 exactly, so w = 0 and i0 = x: the identity is exact.
//
// Per channel c, with p_ab = source pixel (row i0y/i1y for a = 0/1, column i0x/i1x for b = 0/1):
//   h_a = p_a0 * (4096 - wx) + p_a1 * wx                 20 bits
//   v   = h_0 * (4096 - wy) + h_1 * wy                   32 bits
//   out = (v + 2^23) >> 24                               rounded to nearest, 0..255
// Against exact floating-point bilinear interpolation (same clamps) the result differs by at
// most 1 per channel (weight rounding <= 2^-13 per axis, ratio rounding < 2^-25 per sample).
#ifndef PYNQ_REMOTE_RTL_IP_RESIZE_ACCEL_RESIZE_MODEL_H_
#define PYNQ_REMOTE_RTL_IP_RESIZE_ACCEL_RESIZE_MODEL_H_

#include <cstdint>
#include <vector>

namespace pynq_remote::resize {

constexpr uint32_t kMaxCols = 1920;
constexpr uint32_t kMaxRows = 1080;
constexpr int kRatioFracBits = 24;  // R in Q24
constexpr int kWeightBits = 12;     // weights in Q12

/// True when the core runs a frame of these sizes; false when it refuses it.
bool SizesAccepted(uint32_t src_rows, uint32_t src_cols, uint32_t dst_rows, uint32_t dst_cols);

/// R = round(n / m) in Q24 (n, m >= 1).
uint64_t Ratio(uint32_t n, uint32_t m);

/// The two taps and the weight of the second for output sample x of an axis of n -> m.
struct Taps {
  uint32_t i0 = 0, i1 = 0;
  uint32_t w = 0;  // weight of i1 in Q12, 0..4095
};
Taps AxisTaps(uint32_t n, uint32_t m, uint32_t x);

/// One channel value from four source samples and the two weights.
uint8_t Blend(uint8_t p00, uint8_t p01, uint8_t p10, uint8_t p11, uint32_t wx, uint32_t wy);

/// Resizes a (src_rows, src_cols, 3) image to (dst_rows, dst_cols, 3) exactly as the core
/// does. Returns an empty vector when SizesAccepted is false (the core outputs nothing).
std::vector<uint8_t> Resize(const std::vector<uint8_t>& src, uint32_t src_rows, uint32_t src_cols,
                            uint32_t dst_rows, uint32_t dst_cols);

/// Floating-point bilinear reference (same coordinate mapping and clamps, exact weights,
/// rounded to nearest), for checking the fixed-point model; not bit-exact with the core.
std::vector<uint8_t> ResizeFloat(const std::vector<uint8_t>& src, uint32_t src_rows,
                                 uint32_t src_cols, uint32_t dst_rows, uint32_t dst_cols);

/// Stream beat <-> pixel: byte 0 of the pixel in bits 7:0.
inline uint32_t PackPixel(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16;
}
inline void UnpackPixel(uint32_t beat, uint8_t* p) {
  p[0] = beat & 0xFF;
  p[1] = beat >> 8 & 0xFF;
  p[2] = beat >> 16 & 0xFF;
}

}  // namespace pynq_remote::resize

#endif  // PYNQ_REMOTE_RTL_IP_RESIZE_ACCEL_RESIZE_MODEL_H_
