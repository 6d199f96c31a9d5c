#!/usr/bin/python3
"""A short PYNQ flow against a board: program the reference design, talk to its
registers, run its memory-to-memory accelerator on a DMA buffer, check with NumPy.

Classic PYNQ code; ``import pynq_remote as pynq`` is the only change. The board comes
from PYNQ_REMOTE_DEVICES (``ci/demo.sh`` serves a simulated ZCU104 and sets it), the
design from PYNQ_REMOTE_DESIGNS (the build's generated ``.bit``/``.hwh`` files).
"""

import os
import sys
import time

import numpy as np

import pynq_remote as pynq

REGS = 0xA0000000   # ref_regs_0: ID, version, scratch, cycle counter
ACCEL = 0xA0010000  # mem_accel_0: HLS-style control, args from 0x10

# mem_accel_0's registers (rtl/designs/ref_accel/manifest.json)
CTRL, SRC_LO, SRC_HI, DST_LO, DST_HI, LENGTH, OP, CONSTANT = (
    0x00, 0x10, 0x14, 0x1C, 0x20, 0x28, 0x30, 0x38)
AP_START, AP_DONE, AP_IDLE = 0x1, 0x2, 0x4
OP_COPY, OP_ADD = 0, 1


class Steps:
    """Prints each step with how long it took."""

    def __init__(self):
        self.t0 = time.perf_counter()

    def __call__(self, text):
        now = time.perf_counter()
        print(f"  [{(now - self.t0) * 1e3:8.1f} ms] {text}")
        self.t0 = now


def run_accel(accel, src, dst, nbytes, op, constant=0):
    accel.write(SRC_LO, src.physical_address & 0xFFFFFFFF)
    accel.write(SRC_HI, src.physical_address >> 32)
    accel.write(DST_LO, dst.physical_address & 0xFFFFFFFF)
    accel.write(DST_HI, dst.physical_address >> 32)
    accel.write(LENGTH, nbytes)
    accel.write(OP, op)
    accel.write(CONSTANT, constant)
    accel.write(CTRL, AP_START)  # one write: the board runs it to the end on its own
    for _ in range(10000):
        if accel.read(CTRL) & (AP_DONE | AP_IDLE):
            return
    raise RuntimeError("accelerator did not finish")


def main():
    designs = os.environ.get("PYNQ_REMOTE_DESIGNS", "build/designs")
    bitfile = os.path.join(designs, "ref_accel", "ref_accel.bit")
    step = Steps()

    device = pynq.Device.active_device
    step(f"connected to {device.ip_addr}:{device.port}: board {device.board}, "
         f"arch {device.arch}")

    pynq.Bitstream(bitfile).download()
    step(f"programmed {os.path.basename(bitfile)} through the FPGA manager")

    regs = pynq.MMIO(REGS, 0x1000)
    ident, version = regs.read(0x0), regs.read(0x4)
    regs.write(0x10, 0xCAFEF00D)
    scratch = regs.read(0x10)
    cycles = regs.read(0x20, 8)
    step(f"register block: ID {ident:#010x}, version {version:#x}, scratch {scratch:#010x}, "
         f"cycle counter {cycles}")
    if scratch != 0xCAFEF00D:
        sys.exit(f"scratch register read back {scratch:#x}, wrote 0xCAFEF00D")

    n = 1 << 20
    src = pynq.allocate(shape=(n,), dtype=np.uint32)
    dst = pynq.allocate(shape=(n,), dtype=np.uint32)
    data = np.arange(n, dtype=np.uint32) * 2654435761
    src[:] = data
    src.flush()
    step(f"allocated two {src.nbytes >> 20} MiB buffers at {src.physical_address:#x} and "
         f"{dst.physical_address:#x}, wrote the source")

    accel = pynq.MMIO(ACCEL, 0x1000)
    run_accel(accel, src, dst, src.nbytes, OP_COPY)
    dst.invalidate()
    if not np.array_equal(dst, data):
        sys.exit("accelerator copy differs from the source")
    step(f"accelerator copied {src.nbytes >> 20} MiB; result equals NumPy's")

    run_accel(accel, src, dst, src.nbytes, OP_ADD, 7)
    dst.invalidate()
    if not np.array_equal(dst, data + np.uint32(7)):
        sys.exit("accelerator add differs from NumPy's")
    step("accelerator added 7 to every word; result equals NumPy's")

    src.freebuffer()
    dst.freebuffer()
    step("freed the buffers")
    print("demo: every result matched")


if __name__ == "__main__":
    main()
