#!/usr/bin/python3
"""Round-trip figures (issue 18 point 4): what Board.MmioPoll and Board.MmioBatch save, each
"after" printed beside its "before" measured in the same run, rounds alternating the two, and
beside the bare-gRPC unary call of the same run.

Starts ``baseline-server`` (the transport and nothing else) and ``pynq-remote-server
--backend sim`` and measures over loopback, with pynq_remote:

* one AXI DMA loopback on dma_loopback (both channels' ``transfer()`` then ``wait()``), 4 KiB
  and 1 MiB: the calls the client makes and the wall time, with the client polling DMASR
  (before; as against a PYNQ 3.1 server) against the board polling it (MmioPoll, after);
* an HLS-style block (ref_accel's mem_accel_0, 64 KiB add) started and waited for with
  ``wait_for_done()``: CTRL polled by the client against by the board;
* ``read_many`` of N registers against N single reads, and one ``MMIO.poll`` of a register
  that already matches, against the bare unary call.

Calls are counted at the device's stubs (every call pynq_remote makes to the board).

Usage: roundtrip_figures.py --build BUILD [--quick] [--json PATH] [--machine-note TEXT]
"""

import argparse
import collections
import json
import os
import statistics
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "client", "python"))
sys.path.insert(0, HERE)
import pynq_remote as pynq  # noqa: E402
from bench_e2e import _free_port, _start, _time_unary, start_baseline  # noqa: E402

REGS = 0xA0000000          # ref_accel's ref_regs_0
ID, VERSION, SCRATCH0 = 0x00, 0x04, 0x10
AP_DONE, AP_IDLE = 0x2, 0x4


class Counting:
    """A stub whose calls are counted (all methods together) in ``counter``."""

    def __init__(self, stub, counter):
        self._stub = stub
        self._counter = counter

    def __getattr__(self, name):
        method = getattr(self._stub, name)
        counter = self._counter

        def call(*args, **kwargs):
            counter["calls"] += 1
            return method(*args, **kwargs)
        return call


def count_calls(device):
    """Wraps the device's stubs (before any overlay or buffer takes them); the counter."""
    counter = collections.Counter()
    features = device.board_features()
    for key, stub in list(device._stub.items()):
        device._stub[key] = Counting(stub, counter)
    features.stub = device._stub.get("board")
    return counter


def on_board(device, yes):
    """The board polls and batches (after), or the client does it all (before)."""
    features = device.board_features()
    caps = set(device.info.capabilities)
    features.poll = yes and "mmio_poll" in caps
    features.batch = yes and "mmio_batch" in caps


def alternate(device, counter, rounds, fn):
    """{mode: (median wall s, median calls)} of fn() with modes alternating each round."""
    walls = {"before": [], "after": []}
    calls = {"before": [], "after": []}
    for i in range(rounds):
        for mode in (("before", "after") if i % 2 == 0 else ("after", "before")):
            on_board(device, mode == "after")
            counter["calls"] = 0
            t0 = time.perf_counter()
            fn()
            walls[mode].append(time.perf_counter() - t0)
            calls[mode].append(counter["calls"])
    on_board(device, True)
    return {m: (statistics.median(walls[m]), statistics.median(calls[m])) for m in walls}


def bench_dma(device, counter, dma, nbytes, rounds):
    src = pynq.allocate((nbytes,), np.uint8, target=device)
    dst = pynq.allocate((nbytes,), np.uint8, target=device)
    src[:] = np.arange(nbytes, dtype=np.uint8)

    def once():
        dma.recvchannel.transfer(dst)
        dma.sendchannel.transfer(src)
        dma.sendchannel.wait()
        dma.recvchannel.wait()

    once()
    result = alternate(device, counter, rounds, once)
    assert np.array_equal(np.asarray(dst), np.asarray(src))
    src.freebuffer()
    dst.freebuffer()
    return result


def bench_hls(device, counter, accel, rounds):
    n = 16384
    src = pynq.allocate((n,), np.uint32, target=device)
    dst = pynq.allocate((n,), np.uint32, target=device)
    src[:] = np.arange(n, dtype=np.uint32)
    regs = accel.register_map
    for name, value in (("src_1", src.physical_address & 0xFFFFFFFF),
                        ("src_2", src.physical_address >> 32),
                        ("dst_1", dst.physical_address & 0xFFFFFFFF),
                        ("dst_2", dst.physical_address >> 32),
                        ("length", src.nbytes), ("op", 1), ("constant", 9)):
        setattr(regs, name, value)

    def once():
        accel.write(0x00, 1)  # ap_start
        accel.wait_for_done(timeout=60)

    result = alternate(device, counter, rounds, once)
    dst.invalidate()
    assert np.array_equal(np.asarray(dst), np.arange(n, dtype=np.uint32) + 9)
    src.freebuffer()
    dst.freebuffer()
    return result


def bench_registers(device, counter, n, count):
    """p50 (us) of read_many(n), of n single reads, and of poll() on a matching register."""
    regs = pynq.MMIO(REGS, 0x1000, device=device)
    regs.write_many([(SCRATCH0 + 4 * i, i) for i in range(4)])
    offsets = [(ID, VERSION, SCRATCH0, SCRATCH0 + 4, SCRATCH0 + 8, SCRATCH0 + 12)[i % 6]
               for i in range(n)]
    want = [regs.read(o) for o in offsets]
    assert list(regs.read_many(offsets)) == want

    def singles():
        return [regs.read(o) for o in offsets]

    p50 = {}
    p50["many"] = _time_unary(lambda: regs.read_many(offsets), count)[0]
    p50["singles"] = _time_unary(singles, max(20, count // n))[0]
    p50["poll"] = _time_unary(lambda: regs.poll(ID, 0x41, mask=0xFF), count)[0]
    counter["calls"] = 0
    regs.read_many(offsets)
    assert counter["calls"] == 1
    return p50


def bare_unary(build, count):
    proc, _, echo = start_baseline(build)
    try:
        return _time_unary(echo, count)[0]
    finally:
        proc.kill()
        proc.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default="build", help="the CMake build directory")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--json", help="write the figures here (bench/RESULTS.md's format)")
    parser.add_argument("--machine-note", default="idle",
                        help='"idle", or "shared: what else ran"')
    args = parser.parse_args()
    count = 300 if args.quick else 2000
    rounds = 6 if args.quick else 20
    n_regs = 16

    floor = bare_unary(args.build, count)
    port = _free_port()
    root = tempfile.TemporaryDirectory(prefix="pynq-remote-roundtrip-bench-")
    server, _ = _start([os.path.join(args.build, "server", "pynq-remote-server"), "--backend",
                        "sim", "--listen", f"127.0.0.1:{port}", "--root", root.name,
                        "--log-level", "warn"], "listening")
    try:
        device = pynq.RemoteDevice(0, f"127.0.0.1:{port}")
        if "mmio_poll" not in device.info.capabilities:
            sys.exit("roundtrip_figures.py: this server has no Board.MmioPoll")
        counter = count_calls(device)
        designs = os.path.join(args.build, "designs")
        overlay = pynq.Overlay(os.path.join(designs, "dma_loopback", "dma_loopback.bit"),
                               device=device)
        dma = {size: bench_dma(device, counter, overlay.axi_dma_0, size, rounds)
               for size in (4096, 1 << 20)}
        overlay = pynq.Overlay(os.path.join(designs, "ref_accel", "ref_accel.bit"),
                               device=device)
        hls = bench_hls(device, counter, overlay.mem_accel_0, rounds)
        regs = bench_registers(device, counter, n_regs, count)
        device.close()
    finally:
        server.terminate()
        server.wait()
        root.cleanup()

    figures = []

    def figure(name, value, unit, baseline_name, baseline, goal=None):
        entry = {"name": name, "value": round(value, 3), "unit": unit,
                 "baseline_name": baseline_name, "baseline": round(baseline, 3),
                 "ratio": round(value / baseline, 3)}
        if goal:
            entry["goal"] = goal
        figures.append(entry)

    for size, runs in dma.items():
        label = f"{size // 1024} KiB" if size < (1 << 20) else f"{size >> 20} MiB"
        (b_wall, b_calls), (a_wall, a_calls) = runs["before"], runs["after"]
        what = f"one {label} DMA loopback (transfer + wait, both channels)"
        figure(f"{what}, calls, board polls (MmioPoll)", a_calls, "calls",
               "the same, no Board batch or poll (as against PYNQ 3.1)", b_calls, "< 1")
        figure(f"{what}, wall, board polls (MmioPoll)", a_wall * 1e3, "ms",
               "the same, no Board batch or poll (as against PYNQ 3.1)", b_wall * 1e3, "<= 1")
    (b_wall, b_calls), (a_wall, a_calls) = hls["before"], hls["after"]
    what = "HLS block run, 64 KiB (ap_start + wait_for_done)"
    figure(f"{what}, calls, board polls CTRL", a_calls, "calls",
           "the same, client polls CTRL (as against PYNQ 3.1)", b_calls, "< 1")
    figure(f"{what}, wall, board polls CTRL", a_wall * 1e3, "ms",
           "the same, client polls CTRL (as against PYNQ 3.1)", b_wall * 1e3, "<= 1")
    figure(f"read_many of {n_regs} registers, p50", regs["many"], "us",
           f"{n_regs} single MMIO reads, p50", regs["singles"], "< 1")
    figure(f"read_many of {n_regs} registers, p50", regs["many"], "us",
           "bare gRPC unary call, p50", floor)
    figure("MMIO.poll of a register that matches, p50", regs["poll"], "us",
           "bare gRPC unary call, p50", floor)

    print(f"{'figure':66} {'value':>12} {'baseline':>12} {'ratio':>7}")
    for f in figures:
        fmt = "{:.0f}" if f["unit"] in ("calls", "us") else "{:.2f}"
        print(f"{f['name']:66} {fmt.format(f['value']) + ' ' + f['unit']:>12} "
              f"{fmt.format(f['baseline']) + ' ' + f['unit']:>12} {f['ratio']:7.2f}")
        print(f"{'  vs: ' + f['baseline_name']:66}")
    print(f"{'bare gRPC unary call, p50 (this run)':66} {floor:>9.0f} us")
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"script": "bench/roundtrip_figures.py", "machine_note": args.machine_note,
                       "figures": figures}, out, indent=1)
            out.write("\n")


if __name__ == "__main__":
    main()
