#!/usr/bin/python3
"""Drives the HLS-style kernels (hil-tests/hls_kernels) from PYNQ Python and checks what they
compute. The board is PYNQ_REMOTE_DEVICES (host:port of a pynq-remote-server serving the
packages built from the kernels' manifests).

Usage: drive.py DESIGNS_DIR [DESIGN...]    (hls_mac, hls_vinc, hls_lut, or one of them with
       _imported, the importer's package of the same kernel; default hls_mac hls_vinc, the
       ZCU104 ones; hls_lut is a Pynq-Z2 design: serve it with --board Pynq-Z2)
Exits non-zero at the first wrong result.
"""
import os
import sys

import numpy as np

import pynq_remote as pynq

MASK = 0xFFFFFFFF


def check(what, got, want):
    print("  %s: %r%s" % (what, got, "" if got == want else "  (want %r)" % (want,)))
    if got != want:
        sys.exit("drive.py: %s is %r, the kernel should give %r" % (what, got, want))


def wait_done(ip, what):
    """Polls CTRL until AP_DONE (bit 1, clear on read) as PYNQ's DefaultIP users do."""
    for _ in range(100000):
        if ip.read(0x00) & 0x2:
            return
    sys.exit("drive.py: %s never finished (CTRL=%#x)" % (what, ip.read(0x00)))


def hls_mac(designs, name):
    ov = pynq.Overlay(os.path.join(designs, name, name + ".bit"))
    ip = ov.mac_accum_0
    coef = [3, -5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59]
    for i, c in enumerate(coef):
        ip.write(0x40 + 4 * i, c & MASK)
    check("coef[3] read back", ip.read(0x4C), 11)
    for a, b, n in ((6, 7, 0), (6, 7, 4), (-3, 100000, 16), (1, 1, 99)):
        ip.register_map.a = a & MASK
        ip.register_map.b = b & MASK
        ip.register_map.n = n & MASK
        ip.write(0x00, 1)
        wait_done(ip, "mac_accum")
        want = (a * b + sum(coef[:max(0, min(n, 16))])) & MASK
        check("mac_accum(%d, %d, %d)" % (a, b, n), int(ip.register_map.ap_return), want)
    check("CTRL.AP_IDLE after the runs", int(ip.register_map.CTRL.AP_IDLE), 1)


def hls_vinc(designs, name):
    ov = pynq.Overlay(os.path.join(designs, name, name + ".bit"))
    ip = ov.vec_inc_0
    buf = pynq.allocate(shape=(37,), dtype=np.int32)
    buf[:] = np.arange(37, dtype=np.int32) * 1000 - 5000
    want = buf.copy()
    buf.flush()
    addr = buf.physical_address
    ip.write(0x10, addr & MASK)
    ip.write(0x14, addr >> 32)
    ip.write(0x1C, 33)                 # n: the last 4 words stay
    ip.write(0x24, 0xFFFFFFF9)         # add = -7
    ip.write(0x00, 1)
    wait_done(ip, "vec_inc")
    buf.invalidate()
    want[:33] -= 7
    check("vec_inc over 33 of 37 words (odd word addresses on a 64-bit port)",
          buf.tolist(), want.tolist())


def hls_lut(designs, name):
    ov = pynq.Overlay(os.path.join(designs, name, name + ".bit"))
    ip, feed, sink = ov.axis_lut_0, ov.axi_dma_0, ov.axi_dma_1
    lut = [(i * i * 7 + 3) & MASK for i in range(16)]
    lut[15] = 0x80000000
    src = pynq.allocate(shape=(50,), dtype=np.uint32)
    dst = pynq.allocate(shape=(50,), dtype=np.uint32)
    src[:] = np.arange(50, dtype=np.uint32) * 3 + 1
    ip.register_map.gain = 5
    ip.write(0x00, 1)
    sink.recvchannel.transfer(dst)
    feed.sendchannel.transfer(src)
    feed.sendchannel.wait()
    sink.recvchannel.wait()
    wait_done(ip, "axis_lut")
    want = [(int(x) * 5 + lut[int(x) & 15]) & MASK for x in src]
    check("axis_lut between two DMAs", [int(x) for x in dst], want)


def main(argv):
    if not argv:
        sys.exit(__doc__)
    designs, names = argv[0], argv[1:] or ["hls_mac", "hls_vinc"]
    for name in names:
        print("%s:" % name)
        # <design>_imported: the same kernel through pynq-remote-design import
        kernel = name[:-len("_imported")] if name.endswith("_imported") else name
        {"hls_mac": hls_mac, "hls_vinc": hls_vinc, "hls_lut": hls_lut}[kernel](designs, name)
    print("drive.py: every result matched")


if __name__ == "__main__":
    main(sys.argv[1:])
