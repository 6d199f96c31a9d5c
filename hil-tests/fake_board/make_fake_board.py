#!/usr/bin/python3
"""Makes a fake Zynq board tree for `pynq-remote-server --backend zynq --root DIR`.

The hardware backend reads and writes a board only through files under its root, so a
directory laid out like a board's / runs the whole backend without one:

  sys/class/fpga_manager/fpga0 -> the FPGA manager's flags, firmware, state, name
  lib/firmware/                   where bitstreams are stored
  dev/mem                         a sparse file standing in for physical memory (4 GiB;
                                  24 GiB on ZynqMP, up to M_AXI_HPM1_FPD's high window at
                                  0x5_0000_0000), with the PS clock registers at their boot
                                  values
  sys/class/u-dma-buf/udmabuf0/   phys_addr, size, dma_coherent, sync_*
  dev/udmabuf0                    a sparse file of that size
  proc/device-tree/               compatible, model, chosen/pynq_board, reserved-memory
  proc/version, proc/interrupts   what PYNQ reads
  sys/class/uio/uio0 + dev/uio0   a FIFO standing in for the UIO device of PL interrupt 0
  sys/kernel/debug/clk/           the clock framework's rates
  sys/class/gpio/gpiochipN        the PS GPIO controller (label, base, ngpio), its device
                                  directory naming the character device gpiochip0, and
                                  export/unexport; dev/gpiochip0 is a plain file, so it
                                  fails to open as a GPIO chip and pins go through sysfs

There is no logic behind any of it: MMIO reaches plain memory, programming succeeds
whatever the bitstream (unless a test writes an error word into `state`), and an interrupt
fires only when something writes 4 bytes into dev/uio0. Nothing plays the kernel's part of
GPIO export either: export_gpio(root, n) makes sys/class/gpio/gpioN/ as the kernel would.

Usage: make_fake_board.py DIR [--family zynqmp|zynq7000] [--udmabuf-mb N]
"""

import argparse
import os
import struct
import sys

FOUR_GIB = 1 << 32
# ZynqMP's PL windows reach 0x5_FFFF_FFFF (M_AXI_HPM1_FPD's high window, ps_windows.h).
MEM_BYTES = {"zynqmp": 0x600000000, "zynq7000": FOUR_GIB}

PROFILES = {
    "zynqmp": {
        "compatible": ["xlnx,zynqmp-zcu104-revC", "xlnx,zynqmp-zcu104", "xlnx,zynqmp"],
        "model": "ZynqMP ZCU104 RevC",
        "board": "ZCU104",
        "version": ("Linux version 6.1.30-xilinx-v2023.2 (oe-user@oe-host) "
                    "(aarch64-xilinx-linux-gcc (GCC) 12.2.0, GNU ld (GNU Binutils) 2.40) "
                    "#1 SMP PREEMPT Mon Oct  9 12:00:00 UTC 2023\n"),
        "manager": "Xilinx ZynqMP FPGA Manager",
        "manager_device": "devices/platform/firmware:zynqmp-firmware/"
                          "firmware:zynqmp-firmware:pcap/fpga_manager/fpga0",
        "cells": 2,
        "carveout": ("pynq_carveout@60000000", 0x60000000, 0x04000000),
        "udmabuf_phys": 0x70000000,
        "irq0_gic_id": 121,
        "clk_names": ["pl0_ref", "pl1_ref", "pl2_ref", "pl3_ref"],
        # Linux numbering as on a ZCU104 with a 6.1 kernel: 78 MIO pins, then 96 EMIO.
        "gpio": ("gpiochip338", "zynqmp_gpio", 338, 174, "devices/platform/axi/ff0a0000.gpio"),
    },
    "zynq7000": {
        "compatible": ["tul,pynq-z2", "xlnx,zynq-7000"],
        "model": "TUL PYNQ-Z2",
        "board": "Pynq-Z2",
        "version": ("Linux version 6.1.30-xilinx-v2023.2 (oe-user@oe-host) "
                    "(arm-xilinx-linux-gnueabi-gcc (GCC) 12.2.0, GNU ld (GNU Binutils) 2.40) "
                    "#1 SMP PREEMPT Mon Oct  9 12:00:00 UTC 2023\n"),
        "manager": "Xilinx Zynq FPGA Manager",
        "manager_device": "devices/soc0/axi/f8007000.devcfg/fpga_manager/fpga0",
        "cells": 1,
        "carveout": ("pynq_carveout@18000000", 0x18000000, 0x04000000),
        "udmabuf_phys": 0x1C000000,
        "irq0_gic_id": 61,
        "clk_names": ["fclk0", "fclk1", "fclk2", "fclk3"],
        # 54 MIO pins, then 64 EMIO.
        "gpio": ("gpiochip906", "zynq_gpio", 906, 118, "devices/soc0/axi/e000a000.gpio"),
    },
}


def _write(root, path, data, mode="w"):
    full = os.path.join(root, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, mode) as f:
        f.write(data)


def _cells(values, cells):
    fmt = ">Q" if cells == 2 else ">I"
    return b"".join(struct.pack(fmt, v) for v in values)


def _poke32(dev_mem, addr, value):
    with open(dev_mem, "r+b") as f:
        f.seek(addr)
        f.write(struct.pack("<I", value))


def _seed_zynqmp_registers(dev_mem):
    # UG1087: PLL_CTRL FBDIV 14:8, DIV2 16; PLn_REF_CTRL CLKACT 24, DIVISOR1 21:16,
    # DIVISOR0 13:8. A ZCU104 after boot: IOPLL 1500 MHz, each PL clock IOPLL/15/1 = 100 MHz.
    def pll(fbdiv):
        return (1 << 16) | (fbdiv << 8)
    _poke32(dev_mem, 0xFD1A0020, pll(72))   # APLL 1200 MHz
    _poke32(dev_mem, 0xFD1A002C, pll(64))   # DPLL 1066 MHz
    _poke32(dev_mem, 0xFD1A0038, pll(90))   # VPLL 1500 MHz
    _poke32(dev_mem, 0xFD1A0060, (1 << 25) | (1 << 24) | (1 << 8))  # ACPU_CTRL: APLL / 1
    _poke32(dev_mem, 0xFF5E0020, pll(90))   # IOPLL 1500 MHz
    _poke32(dev_mem, 0xFF5E0030, pll(72))   # RPLL 1200 MHz
    for n in range(4):
        _poke32(dev_mem, 0xFF5E00C0 + 4 * n, (1 << 24) | (1 << 16) | (15 << 8))
    _poke32(dev_mem, 0xFD615000, 0xA00)     # FPD_SLCR AXI_FS: HPM0/1 128 bit
    _poke32(dev_mem, 0xFF419000, 0x200)     # LPD_SLCR AXI_FS: HPM0_LPD 128 bit


def _seed_zynq7000_registers(dev_mem):
    # UG585: PLL_FDIV 18:12 of a 50 MHz PS_CLK; FPGAn_CLK_CTRL DIVISOR1 25:20, DIVISOR0 13:8.
    _poke32(dev_mem, 0xF8000100, 26 << 12)  # ARM PLL 1300 MHz
    _poke32(dev_mem, 0xF8000104, 21 << 12)  # DDR PLL 1050 MHz
    _poke32(dev_mem, 0xF8000108, 20 << 12)  # IO PLL 1000 MHz
    for n in range(4):
        _poke32(dev_mem, 0xF8000170 + 0x10 * n, (1 << 20) | (10 << 8))  # IO PLL/10/1


def _symlink(root, link, target):
    full = os.path.join(root, link)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    if not os.path.islink(full):
        os.symlink(os.path.relpath(os.path.join(root, target), os.path.dirname(full)), full)


def _make_gpio(root, profile):
    # As a 6.1 kernel lays it out: the controller's platform device holds the sysfs class
    # entry (gpio/gpiochipBASE) and the GPIO device (gpiochip0, /dev/gpiochip0).
    name, label, base, ngpio, device = profile["gpio"]
    chip_dir = f"sys/{device}/gpio/{name}"
    for leaf, text in (("label", label + "\n"), ("base", f"{base}\n"),
                       ("ngpio", f"{ngpio}\n")):
        _write(root, f"{chip_dir}/{leaf}", text)
    os.makedirs(os.path.join(root, f"sys/{device}/gpiochip0"), exist_ok=True)
    _symlink(root, f"{chip_dir}/device", f"sys/{device}")
    _symlink(root, f"sys/class/gpio/{name}", chip_dir)
    _symlink(root, "sys/bus/gpio/devices/gpiochip0", f"sys/{device}/gpiochip0")
    for leaf in ("export", "unexport"):
        _write(root, f"sys/class/gpio/{leaf}", "")
    _write(root, "dev/gpiochip0", "")


def export_gpio(root, gpio, value=0):
    """Plays the kernel's part of writing `gpio` to export: makes sys/class/gpio/gpioN/."""
    _write(root, f"sys/class/gpio/gpio{gpio}/direction", "in\n")
    _write(root, f"sys/class/gpio/gpio{gpio}/value", f"{value}\n")


def make_fake_board(root, family="zynqmp", udmabuf_mb=256):
    """Creates the tree under `root` (which may exist); returns the profile used."""
    profile = PROFILES[family]
    os.makedirs(root, exist_ok=True)

    _write(root, "proc/version", profile["version"])
    dt = "proc/device-tree"
    _write(root, f"{dt}/compatible", "".join(c + "\0" for c in profile["compatible"]))
    _write(root, f"{dt}/model", profile["model"] + "\0")
    _write(root, f"{dt}/chosen/pynq_board", profile["board"] + "\0")
    cells = profile["cells"]
    for node in (dt, f"{dt}/reserved-memory"):
        _write(root, f"{node}/#address-cells", struct.pack(">I", cells), "wb")
        _write(root, f"{node}/#size-cells", struct.pack(">I", cells), "wb")
    name, base, size = profile["carveout"]
    _write(root, f"{dt}/reserved-memory/{name}/reg", _cells([base, size], cells), "wb")
    _write(root, f"{dt}/reserved-memory/{name}/no-map", b"", "wb")

    # The FPGA manager, behind the same symlink a board has.
    device_dir = os.path.join("sys", profile["manager_device"])
    for leaf, text in (("flags", "0\n"), ("firmware", ""), ("state", "operating\n"),
                       ("name", profile["manager"] + "\n")):
        _write(root, os.path.join(device_dir, leaf), text)
    link = os.path.join(root, "sys/class/fpga_manager/fpga0")
    os.makedirs(os.path.dirname(link), exist_ok=True)
    if not os.path.islink(link):
        os.symlink(os.path.relpath(os.path.join(root, device_dir), os.path.dirname(link)), link)
    os.makedirs(os.path.join(root, "lib/firmware"), exist_ok=True)

    dev_mem = os.path.join(root, "dev/mem")
    os.makedirs(os.path.dirname(dev_mem), exist_ok=True)
    with open(dev_mem, "ab") as f:
        f.truncate(MEM_BYTES[family])
    if family == "zynqmp":
        _seed_zynqmp_registers(dev_mem)
    else:
        _seed_zynq7000_registers(dev_mem)

    udmabuf_bytes = udmabuf_mb << 20
    sysfs = "sys/class/u-dma-buf/udmabuf0"
    for leaf, text in (("phys_addr", f"0x{profile['udmabuf_phys']:016x}\n"),
                       ("size", f"{udmabuf_bytes}\n"), ("dma_coherent", "0\n"),
                       ("sync_mode", "1\n"), ("sync_offset", "0\n"),
                       ("sync_size", f"{udmabuf_bytes}\n"), ("sync_direction", "0\n"),
                       ("sync_for_cpu", "0\n"), ("sync_for_device", "0\n"),
                       ("sync_owner", "0\n")):
        _write(root, f"{sysfs}/{leaf}", text)
    with open(os.path.join(root, "dev/udmabuf0"), "ab") as f:
        f.truncate(udmabuf_bytes)

    gic = profile["irq0_gic_id"]
    _write(root, "proc/interrupts",
           "           CPU0       CPU1       \n"
           " 11:       1234       5678     GICv2  30 Level     arch_timer\n"
           f" 48:          0          0     GICv2 {gic} Level     fabric\n"
           "IPI0:         10         12       Rescheduling interrupts\n")
    _write(root, "sys/class/uio/uio0/name", "fabric\n")
    uio = os.path.join(root, "dev/uio0")
    if not os.path.exists(uio):
        os.mkfifo(uio)

    for clk in profile["clk_names"]:
        _write(root, f"sys/kernel/debug/clk/{clk}/clk_rate", "99999999\n")
    _make_gpio(root, profile)
    return profile


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dir")
    parser.add_argument("--family", choices=sorted(PROFILES), default="zynqmp")
    parser.add_argument("--udmabuf-mb", type=int, default=256)
    args = parser.parse_args(argv)
    if args.udmabuf_mb < 1:
        parser.error("--udmabuf-mb wants at least 1")
    make_fake_board(args.dir, args.family, args.udmabuf_mb)
    print(args.dir)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
