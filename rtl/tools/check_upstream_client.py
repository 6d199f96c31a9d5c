#!/usr/bin/python3
"""The real client is the judge: the unmodified PYNQ 3.1 host client against our server.

Starts ``SERVER --backend sim --listen 127.0.0.1:7967 [EXTRA ...]`` (upstream's remote mode
knows only port 7967), then, each in a fresh Python process importing the upstream ``pynq``
from UPSTREAM with ``PYNQ_REMOTE_DEVICES=127.0.0.1``, loads every generated overlay with
``pynq.Overlay()`` and runs a flow on it:

* ref_accel:    MMIO: ID and VERSION, SCRATCH write/read, mem_accel_0 adding a constant to an
                allocate()d buffer into another (register_map, polling CTRL.AP_DONE);
* dma_loopback: upstream's DMA driver (pynq.lib.dma) moves allocate()d buffers through the
                FIFO and back;
* gpio_intc:    upstream's AxiGPIO driver, channel 1 looped into channel 2, and the GPIO
                interrupt pending at the axi_intc that interrupt_controllers names;
* stream_scale: DMA through the HLS block started through its register_map;
* resizer:      test_remote.py's resizer flow (Xilinx/PYNQ tests/test_remote.py): a 500x500
                RGB image through axi_dma_0 and resize_accel_0 at scale 1, out == in;
* dual_dma:     upstream's DMA driver on axi_dma_0 and axi_dma_1 (shared HP0/HP1 ports), both
                started before either is waited on;
* dma_sg_loopback: upstream's scatter-gather DMA driver (_SGDMAChannel, chosen by the .hwh's
                c_include_sg = 1): descriptor chains through the FIFO and back, transfers
                longer than the 14-bit length register spread over several descriptors
                (RemoteBuffer gets the close() its wait() calls: see the flow);
* emio_gpio_loop: the PS GPIO's EMIO pins through the PL: ip_dict has axi_gpio_0 and
                axi_intc_0, the GPIO interrupt reaches axi_intc_0; the PS side's pins are the
                server's gpio service (our client's business: hil-tests), so here the loop is
                seen from the PL: channel 1 written, the EMIO inputs' DATA_RO read by MMIO at
                the PS GPIO controller (0xFF0A006C, bits 15:8);
* pynqz2_dma:   a Zynq-7000 design on a Pynq-Z2 server (``-- --board Pynq-Z2``): upstream's
                Clocks (fclk0 100 MHz, set to 50 and back), AxiGPIO on GP1 and its DMA driver
                through HP0. Designs of another board than ZCU104 (BOARD_OF) run by default
                only when the server is started for their board.
* high_regs:    (only with --only high_regs) the design package of
                hil-tests/python/test_high_window.py, three pr_ref_regs at 0x4_0000_0000
                (M_AXI_HPM0_FPD's high window), 0xA000_0000 and 0x5_0001_0000: register_map
                and MMIO at the 64-bit addresses. Give the package's folder as --designs and
                to the server: ``--designs OUT --only high_regs -- --designs OUT``.

This file holds no upstream code. UPSTREAM is the directory holding upstream's ``pynq/``
(Xilinx/PYNQ v3.1, its ``*_pb2_grpc.py`` regenerated for Debian's grpcio); ``pynqmetadata``
and ``pynqutils`` are imported from UPSTREAM or, when not there, from its parent folder (the
layout of /tmp/upstream: PYNQ/pynq, pynqmetadata, pynqutils). Without UPSTREAM the check is
skipped (exit 77).

Usage: check_upstream_client.py --server BIN --designs DIR [--upstream DIR] [--only NAME]
                                [-- EXTRA SERVER ARGS]
       (UPSTREAM defaults to $PYNQ_REMOTE_UPSTREAM_PYNQ). Run one at a time per machine:
       flock /tmp/port7967.lock check_upstream_client.py ...
"""
import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

SKIP = 77
PORT = 7967
OVERLAYS = ("ref_accel", "dma_loopback", "gpio_intc", "stream_scale", "resizer", "dual_dma",
            "dma_sg_loopback", "pynqz2_dma", "emio_gpio_loop", "high_regs")
ON_REQUEST = {"high_regs"}   # design packages a test builds: run with --only only
BOARD_OF = {"pynqz2_dma": "Pynq-Z2"}   # the rest are ZCU104 designs


# ---- the flows, run in a child process with the upstream pynq on sys.path -------------------

def flow_ref_accel(pynq, np, bit):
    ol = pynq.Overlay(bit)
    regs = ol.ref_regs_0
    assert regs.read(0x00) == 0x52454641, hex(regs.read(0x00))   # "REFA"
    assert regs.read(0x04) == 0x00010000, hex(regs.read(0x04))
    for value in (0x12345678, 0xDEADBEEF, 0):
        regs.write(0x10, value)
        # PYNQ 3.1's wire has the read value as an int32: 0x80000000 and up arrive negative,
        # on a real board too.
        assert regs.read(0x10) & 0xFFFFFFFF == value, hex(regs.read(0x10))
    n = 4096
    src = pynq.allocate((n,), np.uint32)
    dst = pynq.allocate((n,), np.uint32)
    src[:] = np.arange(n, dtype=np.uint32)
    src.flush()
    acc = ol.mem_accel_0.register_map
    acc.src_1, acc.src_2 = src.physical_address & 0xFFFFFFFF, src.physical_address >> 32
    acc.dst_1, acc.dst_2 = dst.physical_address & 0xFFFFFFFF, dst.physical_address >> 32
    acc.length, acc.op, acc.constant = n * 4, 1, 7
    acc.CTRL.AP_START = 1
    deadline = time.monotonic() + 60
    while not acc.CTRL.AP_DONE and not acc.CTRL.AP_IDLE:
        assert time.monotonic() < deadline, "mem_accel_0 never finished"
    dst.invalidate()
    # A remote buffer's contents are read from the board by indexing ([:]).
    assert np.array_equal(dst[:], src[:] + 7)
    return "ID/VERSION/SCRATCH over MMIO; mem_accel_0 added 7 to %d words" % n


def flow_dma_loopback(pynq, np, bit):
    from pynq.lib.dma import DMA
    ol = pynq.Overlay(bit)
    dma = ol.axi_dma_0
    assert isinstance(dma, DMA), type(dma)
    sizes = (4, 4096, 65536)
    for nbytes in sizes:
        src = pynq.allocate((nbytes,), np.uint8)
        dst = pynq.allocate((nbytes,), np.uint8)
        src[:] = np.random.default_rng(nbytes).integers(0, 256, nbytes, dtype=np.uint8)
        dma.recvchannel.transfer(dst)
        dma.sendchannel.transfer(src)
        dma.sendchannel.wait()
        dma.recvchannel.wait()
        assert np.array_equal(src[:], dst[:]), "loopback of %d bytes differs" % nbytes
        del src, dst
    return "pynq.lib.dma.DMA looped %s bytes back" % "/".join(map(str, sizes))


def flow_gpio_intc(pynq, np, bit):
    from pynq.lib import AxiGPIO
    ol = pynq.Overlay(bit)
    gpio = ol.axi_gpio_0
    assert isinstance(gpio, AxiGPIO), type(gpio)
    assert "axi_intc_0" in ol.interrupt_controllers, ol.interrupt_controllers
    pin = ol.interrupt_pins.get("axi_gpio_0/ip2intc_irpt")
    assert pin and pin["controller"] == "axi_intc_0", ol.interrupt_pins
    gpio.setdirection("out", channel=1)
    gpio.setdirection("in", channel=2)
    for value in (0x00, 0x5A, 0xA5, 0xFF):
        gpio.channel1.write(value, 0xFF)
        assert gpio.channel2.read() & 0xFF == value
    intc = ol.axi_intc_0
    gpio.write(0x128, 0x2)   # IP IER: channel 2 changes
    intc.write(0x08, 0x1)    # IER: input 0
    intc.write(0x1C, 0x3)    # MER: ME | HIE
    gpio.channel1.write(0x0F, 0xFF)
    assert gpio.read(0x120) & 0x2, "no GPIO interrupt"
    assert intc.read(0x04) & 0x1, "the interrupt is not pending at axi_intc_0"
    return "AxiGPIO channel 1 -> 2 loop; interrupt pending at axi_intc_0"


def flow_emio_gpio_loop(pynq, np, bit):
    from pynq.lib import AxiGPIO
    ol = pynq.Overlay(bit)
    for name in ("axi_gpio_0", "axi_intc_0"):
        assert name in ol.ip_dict, sorted(ol.ip_dict)
    gpio = ol.axi_gpio_0
    assert isinstance(gpio, AxiGPIO), type(gpio)
    assert "axi_intc_0" in ol.interrupt_controllers, ol.interrupt_controllers
    pin = ol.interrupt_pins.get("axi_gpio_0/ip2intc_irpt")
    assert pin and pin["controller"] == "axi_intc_0", ol.interrupt_pins
    # AXI GPIO channel 1 -> PS EMIO inputs 8..15: bank 3's DATA_RO (gpio-zynq's register).
    ps_gpio = pynq.MMIO(0xFF0A0000, 0x1000)
    gpio.setdirection("out", channel=1)
    for value in (0x5A, 0xA5, 0x00):
        gpio.channel1.write(value, 0xFF)
        got = (ps_gpio.read(0x6C) >> 8) & 0xFF
        assert got == value, "EMIO 8..15 read %#x, AXI GPIO drove %#x" % (got, value)
    # PS EMIO outputs 0..7 -> channel 2 (DIRM_3, OEN_3, DATA_3), and its interrupt.
    intc = ol.axi_intc_0
    gpio.write(0x128, 0x2)   # IP IER: channel 2 changes
    gpio.write(0x11C, 0x80000000)
    intc.write(0x08, 0x1)    # IER: input 0
    intc.write(0x1C, 0x3)    # MER: ME | HIE
    ps_gpio.write(0x204 + 0x40 * 3, 0xFF)
    ps_gpio.write(0x208 + 0x40 * 3, 0xFF)
    ps_gpio.write(0x4C, 0x3C)
    assert gpio.channel2.read() & 0xFF == 0x3C, hex(gpio.channel2.read())
    assert gpio.read(0x120) & 0x2, "no GPIO interrupt"
    assert intc.read(0x04) & 0x1, "the interrupt is not pending at axi_intc_0"
    return "axi_gpio_0 channel 1 -> EMIO 8..15, EMIO 0..7 -> channel 2 with its interrupt"


def flow_stream_scale(pynq, np, bit):
    ol = pynq.Overlay(bit)
    n = 10000
    data = np.random.default_rng(5).integers(-1000, 1000, n).astype(np.int32)
    src = pynq.allocate((n,), np.int32)
    dst = pynq.allocate((n,), np.int32)
    src[:] = data
    hls = ol.hls_stream_scale_0.register_map
    hls.length, hls.scale = n, 3
    hls.offset = int(np.int32(-7).view(np.uint32))
    dma = ol.axi_dma_0
    dma.recvchannel.transfer(dst)
    hls.CTRL.AP_START = 1
    dma.sendchannel.transfer(src)
    dma.sendchannel.wait()
    dma.recvchannel.wait()
    assert np.array_equal(dst[:], data * 3 - 7)
    return "%d words through DMA and hls_stream_scale_0 (x3 - 7)" % n


def flow_resizer(pynq, np, bit):
    # The steps of Xilinx/PYNQ tests/test_remote.py (read for facts, not copied).
    ol = pynq.Overlay(bit)
    dma, resizer = ol.axi_dma_0, ol.resize_accel_0
    size = 500
    image = np.random.randint(0, 256, (size, size, 3), dtype=np.uint8)
    src = pynq.allocate(shape=(size, size, 3), dtype=np.uint8, cacheable=1)
    dst = pynq.allocate(shape=(size, size, 3), dtype=np.uint8, cacheable=1)
    src[:] = image
    regs = resizer.register_map
    regs.src_rows, regs.src_cols, regs.dst_rows, regs.dst_cols = size, size, size, size
    dma.sendchannel.transfer(src)
    dma.recvchannel.transfer(dst)
    resizer.write(0x00, 0x81)
    dma.sendchannel.wait()
    dma.recvchannel.wait()
    assert np.array_equal(src[:], dst[:]), "500x500 at scale 1 differs"
    return "test_remote.py's flow: 500x500x3 through axi_dma_0 and resize_accel_0"


def flow_dual_dma(pynq, np, bit):
    from pynq.lib.dma import DMA
    ol = pynq.Overlay(bit)
    dmas = (ol.axi_dma_0, ol.axi_dma_1)
    assert all(isinstance(d, DMA) for d in dmas), [type(d) for d in dmas]
    for nbytes in (4096, 65536, 1 << 20):
        rng = np.random.default_rng(nbytes)
        srcs = [pynq.allocate((nbytes,), np.uint8) for _ in dmas]
        dsts = [pynq.allocate((nbytes,), np.uint8) for _ in dmas]
        for src in srcs:
            src[:] = rng.integers(0, 256, nbytes, dtype=np.uint8)
        for dma, src, dst in zip(dmas, srcs, dsts):
            dma.recvchannel.transfer(dst)
            dma.sendchannel.transfer(src)
        for dma in dmas:
            dma.sendchannel.wait()
            dma.recvchannel.wait()
        for i, (src, dst) in enumerate(zip(srcs, dsts)):
            assert np.array_equal(src[:], dst[:]), "axi_dma_%d: %d bytes differ" % (i, nbytes)
        del srcs, dsts
    return "pynq.lib.dma.DMA on axi_dma_0 and axi_dma_1 at once, 4096/65536/1048576 bytes"


def flow_dma_sg_loopback(pynq, np, bit):
    from pynq.lib.dma import DMA, _SGDMAChannel
    from pynq.pl_server.remote_device import RemoteBuffer
    # PYNQ 3.1's _SGDMAChannel.wait() ends by calling close() on its descriptor buffer, which
    # its own RemoteBuffer lacks (an upstream bug of remote mode: the AttributeError comes
    # after the transfer is done and counted). Only that missing method is supplied, as the
    # buffer's own freebuffer(); every register access and descriptor of the driver is its own.
    if not hasattr(RemoteBuffer, "close"):
        RemoteBuffer.close = RemoteBuffer.freebuffer
    ol = pynq.Overlay(bit)
    dma = ol.axi_dma_0
    assert isinstance(dma, DMA), type(dma)
    for channel in (dma.sendchannel, dma.recvchannel):
        assert isinstance(channel, _SGDMAChannel), type(channel)
    # 2^14 - 1 bytes at most per descriptor: 65536 bytes take five
    sizes = (8, 4096, 16384, 65536)
    for nbytes in sizes:
        src = pynq.allocate((nbytes,), np.uint8)
        dst = pynq.allocate((nbytes,), np.uint8)
        src[:] = np.random.default_rng(nbytes).integers(0, 256, nbytes, dtype=np.uint8)
        dma.recvchannel.transfer(dst)
        dma.sendchannel.transfer(src)
        dma.sendchannel.wait()
        dma.recvchannel.wait()
        assert np.array_equal(src[:], dst[:]), "loopback of %d bytes differs" % nbytes
        assert dma.sendchannel.transferred == nbytes, dma.sendchannel.transferred
        assert dma.recvchannel.transferred == nbytes, dma.recvchannel.transferred
        del src, dst
    return ("pynq.lib.dma.DMA (_SGDMAChannel) looped %s bytes back, descriptors' STATUS "
            "summing to each" % "/".join(map(str, sizes)))


def flow_pynqz2_dma(pynq, np, bit):
    from pynq.lib import AxiGPIO
    from pynq.lib.dma import DMA
    ol = pynq.Overlay(bit)
    assert ol.device.arch == "armv7l", ol.device.arch
    assert pynq.Clocks.fclk0_mhz == 100.0, pynq.Clocks.fclk0_mhz
    pynq.Clocks.fclk0_mhz = 50
    assert pynq.Clocks.fclk0_mhz == 50.0, pynq.Clocks.fclk0_mhz
    pynq.Clocks.fclk0_mhz = 100
    gpio = ol.axi_gpio_0
    assert isinstance(gpio, AxiGPIO), type(gpio)
    gpio.setdirection("out", channel=1)
    gpio.setdirection("in", channel=2)
    for value in (0x00, 0x5A, 0xA5, 0xFF):
        gpio.channel1.write(value, 0xFF)
        assert gpio.channel2.read() & 0xFF == value
    dma = ol.axi_dma_0
    assert isinstance(dma, DMA), type(dma)
    for nbytes in (8, 4096, 65536):
        src = pynq.allocate((nbytes,), np.uint8)
        dst = pynq.allocate((nbytes,), np.uint8)
        src[:] = np.random.default_rng(nbytes).integers(0, 256, nbytes, dtype=np.uint8)
        dma.recvchannel.transfer(dst)
        dma.sendchannel.transfer(src)
        dma.sendchannel.wait()
        dma.recvchannel.wait()
        assert np.array_equal(src[:], dst[:]), "loopback of %d bytes differs" % nbytes
        del src, dst
    return ("Clocks.fclk0_mhz 100 -> 50 -> 100; AxiGPIO on GP1; pynq.lib.dma.DMA through HP0, "
            "8/4096/65536 bytes")


def flow_high_regs(pynq, np, bit):
    ol = pynq.Overlay(bit)
    bases = {"regs_0": 0x400000000, "regs_1": 0xA0000000, "regs_2": 0x500010000}
    for name, base in bases.items():
        assert ol.ip_dict[name]["phys_addr"] == base, (name, hex(ol.ip_dict[name]["phys_addr"]))
    assert ol.regs_0.read(0x00) == 0x52454641, hex(ol.regs_0.read(0x00))
    for i, name in enumerate(bases):
        getattr(ol, name).register_map.SCRATCH0 = 0x11110000 * (i + 1)
    for i, (name, base) in enumerate(bases.items()):
        mmio = pynq.MMIO(base, 0x1000)
        assert mmio.read(0x10) == 0x11110000 * (i + 1), (name, hex(mmio.read(0x10)))
    high = pynq.MMIO(0x400000000, 0x1000)
    high.write(0x14, 0x0BADCAFE)
    assert int(ol.regs_0.register_map.SCRATCH1) == 0x0BADCAFE
    return "register_map and MMIO at 0x4_0000_0000, 0xA000_0000 and 0x5_0001_0000"


def run_flow(name, bit):
    import numpy as np
    import pynq
    return globals()["flow_" + name](pynq, np, bit)


def child(args):
    """One flow in this (fresh) process; prints its outcome as the last line."""
    try:
        detail = run_flow(args.flow, args.bit)
    except BaseException as e:   # noqa: B902  every failure is a result here
        import traceback
        traceback.print_exc()
        print("RESULT FAIL %s: %s: %s" % (args.flow, type(e).__name__, e))
        return 1
    print("RESULT PASS %s: %s" % (args.flow, detail))
    return 0


# ---- the parent: server, environment, one child per overlay ---------------------------------

def port_open():
    try:
        with socket.create_connection(("127.0.0.1", PORT), timeout=0.5):
            return True
    except OSError:
        return False


def clear_upstream_cache(upstream):
    """Upstream caches the last overlay's parsed metadata beside its own pl_server module,
    keyed by the bitstream's hash; each run must parse the .hwh it is given."""
    state = os.path.join(upstream, "pynq", "pl_server")
    for name in os.listdir(state) if os.path.isdir(state) else []:
        if name == "_current_metadata.pkl" or (name.startswith("global_pl_state_") and
                                               name.endswith(".json")):
            os.remove(os.path.join(state, name))


def upstream_path(arg):
    """PYTHONPATH entries: the directory with pynq/, and its parent (pynqmetadata, pynqutils
    unpacked beside PYNQ/, as /tmp/upstream holds them) when pynqmetadata is not inside."""
    paths = [arg]
    parent = os.path.dirname(os.path.abspath(arg))
    if not os.path.isdir(os.path.join(arg, "pynqmetadata")):
        paths.append(parent)
    return paths


def main(argv):
    if "--flow" in argv:
        ap = argparse.ArgumentParser()
        ap.add_argument("--flow", required=True, choices=OVERLAYS)
        ap.add_argument("--bit", required=True)
        return child(ap.parse_args(argv))
    extra = []
    if "--" in argv:
        extra = argv[argv.index("--") + 1:]
        argv = argv[:argv.index("--")]
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--server", required=True, help="the pynq-remote-server binary")
    ap.add_argument("--designs", required=True, help="folder with <name>/<name>.bit and .hwh")
    ap.add_argument("--upstream", default=os.environ.get("PYNQ_REMOTE_UPSTREAM_PYNQ"),
                    help="directory holding the upstream pynq package (Xilinx/PYNQ v3.1)")
    ap.add_argument("--only", action="append", choices=OVERLAYS)
    ap.add_argument("--timeout", type=float, default=600, help="seconds per flow")
    args = ap.parse_args(argv)
    if not args.upstream:
        print("SKIP: no upstream PYNQ client (--upstream or PYNQ_REMOTE_UPSTREAM_PYNQ)")
        return SKIP
    if not os.path.isfile(os.path.join(args.upstream, "pynq", "__init__.py")):
        print("check_upstream_client.py: %s holds no pynq/__init__.py" % args.upstream,
              file=sys.stderr)
        return 2
    if port_open():
        print("check_upstream_client.py: 127.0.0.1:%d is taken; run under "
              "flock /tmp/port7967.lock" % PORT, file=sys.stderr)
        return 2
    work = tempfile.mkdtemp(prefix="upstream_client_")
    log = open(os.path.join(work, "server.log"), "w")
    server = subprocess.Popen([args.server, "--backend", "sim", "--listen",
                               "127.0.0.1:%d" % PORT] + extra, stdout=log,
                              stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not port_open():
            if server.poll() is not None or time.monotonic() > deadline:
                log.flush()
                print(open(log.name).read(), file=sys.stderr)
                print("check_upstream_client.py: the server did not start", file=sys.stderr)
                return 1
            time.sleep(0.2)
        env = dict(os.environ, PYNQ_REMOTE_DEVICES="127.0.0.1",
                   PYTHONPATH=os.pathsep.join(upstream_path(args.upstream)))
        results = {}
        board = extra[extra.index("--board") + 1] if "--board" in extra[:-1] else "ZCU104"
        default = [n for n in OVERLAYS
                   if BOARD_OF.get(n, "ZCU104") == board and n not in ON_REQUEST]
        for name in args.only or default:
            # A copy per run: the overlay is read where upstream finds it, nothing stale.
            src = os.path.join(args.designs, name)
            dst = os.path.join(work, name)
            os.makedirs(dst)
            for ext in (".bit", ".hwh"):
                shutil.copy(os.path.join(src, name + ext), dst)
            clear_upstream_cache(args.upstream)
            try:
                proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--flow", name,
                                       "--bit", os.path.join(dst, name + ".bit")], env=env,
                                      capture_output=True, text=True, timeout=args.timeout)
                out = proc.stdout + proc.stderr
            except subprocess.TimeoutExpired as e:
                out = "%s\nRESULT FAIL %s: no result in %g s" % (e.stdout or "", name,
                                                                   args.timeout)
            line = [ln for ln in out.splitlines() if ln.startswith("RESULT ")]
            result = line[-1] if line else "RESULT FAIL %s: no result\n%s" % (name, out[-2000:])
            if not result.startswith("RESULT PASS"):
                print(out[-4000:])
            results[name] = result
            print(result, flush=True)
        clear_upstream_cache(args.upstream)
        failed = [n for n, r in results.items() if not r.startswith("RESULT PASS")]
        print("%d of %d overlays pass with the upstream client%s" %
              (len(results) - len(failed), len(results),
               "; failed: " + ", ".join(failed) if failed else ""))
        return 1 if failed else 0
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
