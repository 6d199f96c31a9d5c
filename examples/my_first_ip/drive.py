#!/usr/bin/python3
"""Drives my_first_ip from PYNQ Python: program the overlay, use its registers, check them.

Classic PYNQ code; ``import pynq_remote as pynq`` is the only change. The board comes from
PYNQ_REMOTE_DEVICES (host:port of a pynq-remote-server that serves the package, e.g.
``pynq-remote-server --backend sim --designs designs``).

Usage: drive.py [BITFILE]   (default: designs/my_first_ip/my_first_ip.bit)

Prints each result; exits non-zero at the first one that is not what the RTL should give.
"""

import sys

import pynq_remote as pynq

MASK = 0xFFFFFFFF


def check(what, got, want):
    print(f"  {what}: {got:#010x}" + ("" if got == want else f"  (want {want:#010x})"))
    if got != want:
        sys.exit(f"drive.py: {what} is {got:#x}, the RTL should give {want:#x}")


def main():
    bitfile = sys.argv[1] if len(sys.argv) > 1 else "designs/my_first_ip/my_first_ip.bit"
    overlay = pynq.Overlay(bitfile)  # programs the board, reads my_first_ip.hwh beside it
    ip = overlay.my_ip_0             # the instance name in manifest.json
    regs = ip.register_map           # the manifest's "registers", by name
    base = overlay.ip_dict["my_ip_0"]["phys_addr"]
    print(f"my_ip_0 at {base:#x} on board {overlay.device.board}")

    print("adder:")
    for a, b in ((1234, 5678), (0xFFFFFFFF, 2), (0x80000000, 0x80000000)):
        regs.A = a
        regs.B = b
        check(f"SUM of {a:#x} + {b:#x}", int(regs.SUM), (a + b) & MASK)

    print("scratch:")
    regs.SCRATCH = 0xC0FFEE00
    check("SCRATCH", int(regs.SCRATCH), 0xC0FFEE00)
    # The same register through plain MMIO, as any PYNQ driver would reach it.
    mmio = pynq.MMIO(base, 0x1000)
    mmio.write(0x08, 0x12345678)
    check("SCRATCH through MMIO", mmio.read(0x08), 0x12345678)

    print("counter:")
    regs.CTRL.CLEAR = 1
    check("COUNT after CLEAR", int(regs.COUNT), 0)
    regs.CTRL.ENABLE = 1
    first, second = int(regs.COUNT), int(regs.COUNT)
    print(f"  COUNT while enabled: {first}, then {second}")
    if not first < second:
        sys.exit("drive.py: COUNT did not advance while ENABLE was 1")
    regs.CTRL.ENABLE = 0
    stopped = int(regs.COUNT)
    check("COUNT after ENABLE = 0, read again", int(regs.COUNT), stopped)
    print("drive.py: every result matched")


if __name__ == "__main__":
    main()
