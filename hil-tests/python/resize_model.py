"""Reference models of the resizer, for comparing the board's output.

`resize_fixed` is the fixed-point bilinear algorithm the RTL implements
(rtl/ip/resize_accel/resize_model.h), vectorised: the board must match it exactly.
`resize_float` is plain floating-point bilinear with the same pixel-centre mapping:
the fixed-point result stays within 1 of it per channel.
"""

import numpy as np

_ONE = 1 << 24    # the Q24 ratio's 1.0
_WBITS = 12       # weight precision: Q12
_WONE = 1 << _WBITS


def _taps(n, m):
    """Source taps (i0, i1) and Q12 weight of i1 for each of m outputs over n inputs."""
    x = np.arange(m, dtype=np.int64)
    ratio = ((n << 24) + m // 2) // m                       # n/m in Q24, rounded
    t = np.maximum((2 * x + 1) * ratio - _ONE, 0)           # (x + 0.5) * n/m - 0.5 in Q25
    i0 = t >> 25
    w = ((t & ((1 << 25) - 1)) + (1 << 12)) >> 13           # fraction to Q12, rounded
    carry = w == _WONE
    i0 = np.where(carry, i0 + 1, i0)
    w = np.where(carry, 0, w)
    edge = i0 >= n - 1
    i0 = np.where(edge, n - 1, i0)
    w = np.where(edge, 0, w)
    i1 = np.where(w == 0, i0, i0 + 1)
    return i0, i1, w


def resize_fixed(img, dst_rows, dst_cols):
    """The RTL's bilinear resize of an (h, w, 3) uint8 image, bit-exact."""
    src_rows, src_cols = img.shape[:2]
    y0, y1, wy = _taps(src_rows, dst_rows)
    x0, x1, wx = _taps(src_cols, dst_cols)
    p = img.astype(np.int64)

    def across(rows):
        return (p[rows][:, x0] * (_WONE - wx)[None, :, None] +
                p[rows][:, x1] * wx[None, :, None])

    v = across(y0) * (_WONE - wy)[:, None, None] + across(y1) * wy[:, None, None]
    return ((v + (1 << 23)) >> 24).astype(np.uint8)


def resize_float(img, dst_rows, dst_cols):
    """Floating-point bilinear with the same mapping, rounded to uint8."""
    def taps(n, m):
        s = np.clip((np.arange(m) + 0.5) * n / m - 0.5, 0, n - 1)
        i0 = np.floor(s).astype(np.int64)
        return i0, np.minimum(i0 + 1, n - 1), s - i0

    y0, y1, fy = taps(img.shape[0], dst_rows)
    x0, x1, fx = taps(img.shape[1], dst_cols)
    p = img.astype(np.float64)
    top = p[y0][:, x0] * (1 - fx)[None, :, None] + p[y0][:, x1] * fx[None, :, None]
    bottom = p[y1][:, x0] * (1 - fx)[None, :, None] + p[y1][:, x1] * fx[None, :, None]
    out = top * (1 - fy)[:, None, None] + bottom * fy[:, None, None]
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)
