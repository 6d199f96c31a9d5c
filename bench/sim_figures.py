#!/usr/bin/python3
"""Simulation speed of the board's PL (issue 18 point 5), each figure beside a baseline of the
same run.

* sim_bench (C++, no gRPC): the dma_loopback and ref_accel models clocked inside the board
  (SimDevice::Advance: the PL loop, the AXI4->TLM bridge, the DDR model) against the same
  Verilated RTL clocked by a bare harness with an array for memory (the ceiling).
* The server (``pynq-remote-server --backend sim``), driven from Python as a user would:
  - an 8 MiB dma_loopback transfer in a ``--deterministic`` server, time moved by
    Board.Advance: PL cycles per second of host time while the DMA runs;
  - the same transfer on a free-running server through pynq_remote's DMA driver: host wall
    clock MB/s (the client polls DMASR while it waits);
  - the resizer's 640x360 1:1 pass, free-running: PL cycles per second of host time.
  With ``--baseline-build`` (e.g. main's build) these run on both builds, alternating, and
  the other build is the baseline. Without it the baselines are sim_bench's of the same run:
  the bare model of the same RTL (for the MB/s: 8 MiB in the same cycles at its rate), and
  for the resizer, which has no bare harness, ref_accel's board rate.

Wall-clock figures on a shared machine move by +-20% from run to run; callgrind's
instruction counts (sim/README.md, "Simulation speed") are the steady measure.

With valgrind installed, also the steady measure: the model's instructions per PL cycle
(callgrind over sim_bench's bare harness), for both builds.

Usage: sim_figures.py --build BUILD [--baseline-build BUILD0] [--quick] [--json PATH]
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import shutil
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "client", "python"))

MIB = 1 << 20
DMA_BYTES = 8 * MIB
SIM_BENCH_CHUNK = 100000  # cycles per iteration of sim_bench's cycle benchmarks (kChunk)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A pynq-remote-server of `build` on a free port, and a pynq_remote device on it."""

    def __init__(self, build, deterministic):
        self.root = tempfile.TemporaryDirectory()
        self.port = _free_port()
        argv = [os.path.join(build, "server", "pynq-remote-server"), "--backend", "sim",
                "--listen", f"127.0.0.1:{self.port}", "--root", self.root.name,
                "--log-level", "warn"]
        if deterministic:
            argv.append("--deterministic")
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            if "listening" in line:
                break
        else:
            line = ""
        if "listening" not in line:
            self.proc.kill()
            raise RuntimeError(f"{argv[0]} did not start (no 'listening' line)")
        import pynq_remote
        self.device = pynq_remote.RemoteDevice(0, f"127.0.0.1:{self.port}")

    def info(self):
        from pynq_remote._proto.pynq_remote.v1 import board_pb2
        return self.device._stub["board"].GetInfo(board_pb2.GetInfoRequest())

    def advance(self, cycles):
        from pynq_remote._proto.pynq_remote.v1 import board_pb2
        return self.device._stub["board"].Advance(board_pb2.AdvanceRequest(cycles=cycles))

    def close(self):
        try:
            self.device.close()
        finally:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.root.cleanup()


def _dma_buffers(server):
    import pynq_remote
    src = pynq_remote.allocate((DMA_BYTES,), np.uint8, target=server.device)
    dst = pynq_remote.allocate((DMA_BYTES,), np.uint8, target=server.device)
    src[:] = np.random.default_rng(3).integers(0, 256, DMA_BYTES, dtype=np.uint8)
    return src, dst


def dma_deterministic(build, repeat):
    """8 MiB loopback on a --deterministic server: (PL cycles/s of host time, cycles)."""
    import pynq_remote
    server = Server(build, deterministic=True)
    try:
        overlay = pynq_remote.Overlay(
            os.path.join(build, "designs", "dma_loopback", "dma_loopback.bit"),
            device=server.device)
        dma = overlay.axi_dma_0
        src, dst = _dma_buffers(server)
        best = None
        for _ in range(repeat):
            dst[:] = 0
            # PG021 direct mode, S2MM first, as PYNQ's driver does.
            for offset, value in ((0x30, 1), (0x48, dst.device_address & 0xFFFFFFFF),
                                  (0x4C, dst.device_address >> 32), (0x58, DMA_BYTES),
                                  (0x00, 1), (0x18, src.device_address & 0xFFFFFFFF),
                                  (0x1C, src.device_address >> 32), (0x28, DMA_BYTES)):
                dma.write(offset, value)
            before = server.info().pl_cycles
            t0 = time.perf_counter()
            # 2^21 cycles move the 8 MiB (4 bytes a cycle): advance in steps until idle.
            while not dma.read(0x34) & 0x2:
                server.advance(1 << 18)
            wall = time.perf_counter() - t0
            cycles = server.info().pl_cycles - before
            if dma.read(0x34) & 0x70 or dma.read(0x04) & 0x70:
                raise RuntimeError("DMA error in the deterministic loopback")
            if not np.array_equal(dst, src.copy()):
                raise RuntimeError("deterministic DMA loopback data differs")
            rate = cycles / wall
            if best is None or rate > best[0]:
                best = (rate, cycles)
        src.freebuffer()
        dst.freebuffer()
        return best
    finally:
        server.close()


def free_running(build, repeat):
    """Free-running server: 8 MiB loopback through pynq_remote's DMA driver (host MB/s,
    PL cycles/s) and the resizer's 1:1 pass (PL cycles/s)."""
    import pynq_remote
    server = Server(build, deterministic=False)
    out = {}
    try:
        overlay = pynq_remote.Overlay(
            os.path.join(build, "designs", "dma_loopback", "dma_loopback.bit"),
            device=server.device)
        dma = overlay.axi_dma_0
        src, dst = _dma_buffers(server)
        best = None
        for _ in range(repeat):
            dst[:] = 0
            before = server.info().pl_cycles
            t0 = time.perf_counter()
            dma.recvchannel.transfer(dst)
            dma.sendchannel.transfer(src)
            dma.sendchannel.wait()
            dma.recvchannel.wait()
            wall = time.perf_counter() - t0
            cycles = server.info().pl_cycles - before
            if not np.array_equal(dst, src.copy()):
                raise RuntimeError("DMA loopback data differs")
            if best is None or wall < best[0]:
                best = (wall, cycles)
        out["dma"] = best
        src.freebuffer()
        dst.freebuffer()

        bitfile = os.path.join(build, "designs", "resizer", "resizer.bit")
        image = np.random.default_rng(9).integers(0, 256, (360, 640, 3), dtype=np.uint8)
        best = None
        for _ in range(repeat):
            overlay = pynq_remote.Overlay(bitfile, device=server.device)
            rdma, resizer = overlay.axi_dma_0, overlay.resize_accel_0
            inb = pynq_remote.allocate((360, 640, 3), np.uint8, cacheable=1,
                                       target=server.device)
            outb = pynq_remote.allocate((360, 640, 3), np.uint8, cacheable=1,
                                        target=server.device)
            inb[:] = image
            rm = resizer.register_map
            rm.src_rows, rm.src_cols, rm.dst_rows, rm.dst_cols = 360, 640, 360, 640
            before = server.info().pl_cycles
            t0 = time.perf_counter()
            rdma.sendchannel.transfer(inb)
            rdma.recvchannel.transfer(outb)
            resizer.write(0x00, 0x81)
            rdma.sendchannel.wait()
            rdma.recvchannel.wait()
            wall = time.perf_counter() - t0
            cycles = server.info().pl_cycles - before
            if not np.array_equal(np.asarray(outb.copy()), image):
                raise RuntimeError("resizer 1:1 pass changed the image")
            inb.freebuffer()
            outb.freebuffer()
            if best is None or cycles / wall > best[0]:
                best = (cycles / wall, cycles)
        out["resizer"] = best
        return out
    finally:
        server.close()


def sim_bench(build, quick):
    """sim_bench's board-against-raw pairs: {name: cycles per second}."""
    exe = os.path.join(build, "sim", "sim_bench")
    if not os.path.exists(exe):
        return {}
    names = ["BM_RawVerilatedDmaCycles", "BM_BoardDmaCycles",
             "BM_RawVerilatedAcceleratorCycles", "BM_BoardAcceleratorCycles"]
    out = subprocess.run(
        [exe, "--benchmark_filter=^(" + "|".join(names) + ")",
         "--benchmark_format=json", f"--benchmark_min_time={0.3 if quick else 1.0}",
         f"--benchmark_repetitions={1 if quick else 3}"],
        check=True, capture_output=True, text=True).stdout
    rates = {}
    for b in json.loads(out)["benchmarks"]:
        if b.get("run_type") == "aggregate" or b.get("error_occurred"):
            continue
        name = b["name"].split("/")[0]
        rates[name] = max(rates.get(name, 0.0), b["cycles_per_second"])
    return rates


def model_instructions(build):
    """Instructions the dma_loopback model executes per PL cycle (callgrind, counting only
    inside Vdma_loopback::eval_step, two a cycle, over sim_bench's bare-harness run of 100,000
    cycles with both channels streaming): independent of the machine's load. None without
    valgrind."""
    exe = os.path.join(build, "sim", "sim_bench")
    if not os.path.exists(exe) or not shutil.which("valgrind"):
        return None
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "callgrind.out")
        subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                        "--toggle-collect=*eval_step*", exe,
                        "--benchmark_filter=^BM_RawVerilatedDmaCycles/",
                        "--benchmark_min_time=0"],  # one iteration: sim_bench's kChunk cycles
                       check=True, capture_output=True)
        with open(out) as f:
            totals = [int(line.split()[1]) for line in f if line.startswith("totals:")]
    return totals[0] / SIM_BENCH_CHUNK if totals else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", required=True, help="the CMake build directory")
    parser.add_argument("--baseline-build", help="a build to measure the same way as baseline "
                        "(e.g. main's), alternating with --build")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--json", help="write the figures here (bench/RESULTS.md format)")
    parser.add_argument("--machine-note", default="",
                        help="'idle', or what else ran (default: the load average)")
    args = parser.parse_args()
    repeat = 2 if args.quick else 3

    figures = []

    def add(name, value, unit, baseline_name, baseline, goal=None):
        fig = {"name": name, "value": round(value, 3), "unit": unit,
               "baseline_name": baseline_name,
               "baseline": None if baseline is None else round(baseline, 3),
               "ratio": None if not baseline else round(value / baseline, 3)}
        if goal:
            fig["goal"] = goal
        figures.append(fig)

    bench = sim_bench(args.build, args.quick)
    for board, raw, label in (("BM_BoardDmaCycles", "BM_RawVerilatedDmaCycles", "dma_loopback"),
                              ("BM_BoardAcceleratorCycles", "BM_RawVerilatedAcceleratorCycles",
                               "ref_accel")):
        if board in bench and raw in bench:
            add(f"{label} in the board, {'DMA' if label == 'dma_loopback' else 'copy'} running "
                "(sim_bench, SimDevice::Advance)",
                bench[board] / 1e6, "M PL cycles/s",
                "the same Verilated RTL, bare harness with array memory", bench[raw] / 1e6,
                ">= 15 M PL cycles/s" if label == "dma_loopback" else None)

    if args.baseline_build:
        # The model itself before and after: sim_bench of both builds, one after the other.
        base_bench = sim_bench(args.baseline_build, args.quick)
        for name, label in (("BM_RawVerilatedDmaCycles", "dma_loopback bare model"),
                            ("BM_BoardDmaCycles", "dma_loopback in the board")):
            if name in bench and name in base_bench:
                add(f"{label} (sim_bench), DMA running", bench[name] / 1e6, "M PL cycles/s",
                    "the same on --baseline-build", base_bench[name] / 1e6, "faster")

    ours_ir = model_instructions(args.build)
    base_ir = model_instructions(args.baseline_build) if args.baseline_build else None
    if ours_ir:
        add("dma_loopback Verilated model, instructions per PL cycle (callgrind, sim_bench)",
            ours_ir, "instructions", "the same on --baseline-build" if base_ir else "-",
            base_ir, "<= 0.25 of main's (15 M cycles/s)")

    builds = [("ours", args.build)] + ([("base", args.baseline_build)]
                                       if args.baseline_build else [])
    det = {k: [] for k, _ in builds}
    free = {k: [] for k, _ in builds}
    for _ in range(1 if args.quick else 2):  # alternate the builds: the load drifts
        for key, build in builds:
            det[key].append(dma_deterministic(build, repeat))
            free[key].append(free_running(build, repeat))

    def best_det(key):
        return max(r[0] for r in det[key])

    def best_free(key, what):
        if what == "dma":
            return max(DMA_BYTES / r["dma"][0] for r in free[key])
        return max(r["resizer"][0] for r in free[key])

    goals = (">= 15 M PL cycles/s", ">= 60 MB/s", "not slower")
    names = ("8 MiB dma_loopback, --deterministic server, Board.Advance",
             "8 MiB dma_loopback through pynq_remote's DMA driver, free-running, host wall clock",
             "resizer 640x360 1:1 pass, free-running, PL cycles per host second")
    values = (best_det("ours") / 1e6, best_free("ours", "dma") / 1e6,
              best_free("ours", "resizer") / 1e6)
    units = ("M PL cycles/s", "MB/s", "M PL cycles/s")
    if "base" in det:
        base_name = "the same run on --baseline-build"
        bases = [(base_name, best_det("base") / 1e6),
                 (base_name, best_free("base", "dma") / 1e6),
                 (base_name, best_free("base", "resizer") / 1e6)]
    else:
        # No other build: the bare model of the same RTL (sim_bench) is the ceiling, for the
        # resizer (no bare harness) the ref_accel board rate of the same run.
        raw = bench.get("BM_RawVerilatedDmaCycles")
        cycles = free["ours"][0]["dma"][1]  # the same every run: 4 bytes a cycle
        base_name = "sim_bench"
        bases = [("the same RTL in sim_bench's bare harness", raw / 1e6 if raw else None),
                 ("8 MiB in the same PL cycles at the bare harness's rate",
                  DMA_BYTES / (cycles / raw) / 1e6 if raw else None),
                 ("ref_accel in the board (sim_bench), same run",
                  bench["BM_BoardAcceleratorCycles"] / 1e6
                  if "BM_BoardAcceleratorCycles" in bench else None)]
    for name, value, unit, (bname, bvalue), goal in zip(names, values, units, bases, goals):
        add(name, value, unit, bname, bvalue, goal)

    note = args.machine_note or "load average %.2f %.2f %.2f on %d cores" % (
        *os.getloadavg(), os.cpu_count())
    print(f"machine: {note}")
    print(f"{'figure':84} {'value':>20} {'baseline':>20} {'ratio':>6}")
    for f in figures:
        value = f"{f['value']:.2f} {f['unit']}"
        base = "-" if f["baseline"] is None else f"{f['baseline']:.2f} {f['unit']}"
        ratio = "-" if f["ratio"] is None else f"{f['ratio']:.2f}"
        print(f"{f['name']:84} {value:>20} {base:>20} {ratio:>6}")
    print("baselines: sim_bench rows against the bare harness of the same RTL; server rows "
          f"against {base_name}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"script": "bench/sim_figures.py",
                       "machine_note": "idle" if note == "idle" else f"shared: {note}",
                       "figures": figures}, f, indent=1)


if __name__ == "__main__":
    main()
