#!/usr/bin/python3
"""Boards per machine (issue 19): what N simulated boards cost on one host, each printed
beside N bare gRPC servers (bench/baseline-server) measured in the same run.

For each N in ``--counts``:

* start-up: N servers started at once, time from spawn to each one's "listening" line
  (median and max), and to all N answering the gRPC health check. The first count's start is
  "cold": the server binary and the design files are evicted from the page cache first
  (posix_fadvise DONTNEED, no root needed); later counts are warm;
* a design loaded on every board (``--design``, default resizer) through the PYNQ flow
  (Bitstream.download);
* idle: CPU time of all N processes over ``--idle-s`` seconds (share of one core, in all and
  per board), wake-ups per board per second (context switches of all threads), RSS and PSS
  per board;
* health: one grpc.health.v1 Check to every board in turn, p50 and max latency;
* the resizer flow (640x360 -> 320x180, PYNQ-HelloWorld's) on all N boards at once, one client
  process per board, for ``--flow-s`` seconds: aggregate frames/s, against N times the
  one-board rate of the same run (only for N up to ``--flow-max``; past the core count the
  boards share the cores).

``--one-process`` serves each count's N boards from one server (``--boards N``): they share
gRPC's timers and the SystemC kernel, so idle boards cost next to nothing, while their
simulations take turns on one core.

``--capacity N`` is the boards-per-machine run: N idle boards with the design loaded, no flow;
the issue's goal there is N = 500 using under 5% of a core in all, each board answering its
health check within 1 s.

Usage: boards_figures.py --build BUILD_DIR [--counts 1,5,10,20,40] [--capacity N]
                         [--design NAME] [--idle-s S] [--flow-s S] [--flow-max N]
                         [--one-process] [--json PATH]
"""

import argparse
import multiprocessing
import os
import statistics
import subprocess
import sys
import time

import grpc
import numpy as np

from figures_json import write_json  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CLIENT = os.path.join(HERE, "..", "client", "python")
HEALTH_CHECK = "/grpc.health.v1.Health/Check"


# ---- processes --------------------------------------------------------------------------

class Fleet:
    """N boards of one kind started at once on ports they pick themselves: N server
    processes, or (``per_process``) one process serving them all (``--boards N``)."""

    def __init__(self, argv_for_port, ready_text, count, per_process=False):
        self.procs = []
        self.addresses = []
        self.start_s = []
        self.count = count
        spawned = []
        for _ in range(1 if per_process else count):
            t0 = time.perf_counter()
            argv = argv_for_port() + (["--boards", str(count)] if per_process else [])
            proc = subprocess.Popen(argv, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, text=True)
            spawned.append((proc, t0))
            self.procs.append(proc)
        try:
            for proc, t0 in spawned:
                # One "listening" line per board the process serves, board after board.
                for _ in range(count if per_process else 1):
                    self.addresses.append(self._wait_listening(proc, ready_text))
                    self.start_s.append(time.perf_counter() - t0)
        except BaseException:
            self.stop()
            raise

    @staticmethod
    def _wait_listening(proc, ready_text):
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            if ready_text in line:
                # Both servers end the line with the port ("... on 127.0.0.1:PORT" / "port N").
                return "127.0.0.1:" + line.strip().rsplit(":", 1)[-1].rsplit(" ", 1)[-1]
        raise RuntimeError(f"pid {proc.pid} did not start: no '{ready_text}' line")

    def stop(self):
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    # -- what the kernel says about them --

    def cpu_seconds(self):
        """CPU time of every thread, in ns from schedstat: clock ticks (10 ms) are far too
        coarse for what an idle server spends."""
        total = 0
        for proc in self.procs:
            for task in os.listdir(f"/proc/{proc.pid}/task"):
                try:
                    with open(f"/proc/{proc.pid}/task/{task}/schedstat") as f:
                        total += int(f.read().split()[0])
                except FileNotFoundError:  # the thread ended while we looked
                    pass
        return total / 1e9

    def context_switches(self):
        total = 0
        for proc in self.procs:
            for task in os.listdir(f"/proc/{proc.pid}/task"):
                try:
                    with open(f"/proc/{proc.pid}/task/{task}/status") as f:
                        for line in f:
                            if line.startswith(("voluntary_ctxt_switches:",
                                                "nonvoluntary_ctxt_switches:")):
                                total += int(line.split()[1])
                except FileNotFoundError:
                    pass
        return total

    def memory_kib_per_board(self, key, path):
        """The processes' ``key`` (kB) in all, divided among the boards they serve."""
        total = 0
        for proc in self.procs:
            with open(f"/proc/{proc.pid}/{path}") as f:
                for line in f:
                    if line.startswith(key + ":"):
                        total += int(line.split()[1])
                        break
        return total / self.count


def _evict_from_page_cache(paths):
    """Drops the files' pages from the page cache (posix_fadvise works without root), so that
    the next start reads them from disk: a cold start."""
    for path in paths:
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            continue
        try:
            os.fsync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


# ---- calls ------------------------------------------------------------------------------

def _health_latencies(addresses, method, request):
    """One call to each address in turn on a fresh channel, as a probe makes it: seconds
    each, connection included, and failures. (grpc.channel_ready_future would add its own
    polling, about 0.2 s a channel, to the time until all boards are healthy.)"""
    latencies, failed = [], []
    for address in addresses:
        with grpc.insecure_channel(address) as channel:
            call = channel.unary_unary(method)
            t0 = time.perf_counter()
            try:
                call(request, timeout=30, wait_for_ready=True)
                latencies.append(time.perf_counter() - t0)
            except grpc.RpcError as err:
                failed.append(f"{address}: {err.code().name}")
    return latencies, failed


def _program(addresses, bitfile):
    sys.path.insert(0, CLIENT)
    import pynq_remote
    for address in addresses:
        device = pynq_remote.RemoteDevice(0, address)
        try:
            pynq_remote.Bitstream(bitfile, device=device).download()
        finally:
            device.close()


def _resize_worker(args):
    """One board's resizer flow for `seconds`: frames done (each checked for its shape)."""
    address, bitfile, seconds, start_at = args
    sys.path.insert(0, CLIENT)
    import pynq_remote
    device = pynq_remote.RemoteDevice(0, address)
    try:
        overlay = pynq_remote.Overlay(bitfile, device=device)
        dma, resizer = overlay.axi_dma_0, overlay.resize_accel_0
        image = np.random.default_rng(9).integers(0, 256, (360, 640, 3), dtype=np.uint8)
        src = pynq_remote.allocate((360, 640, 3), np.uint8, target=device)
        dst = pynq_remote.allocate((180, 320, 3), np.uint8, target=device)
        src[:] = image
        rm = resizer.register_map
        rm.src_rows, rm.src_cols, rm.dst_rows, rm.dst_cols = 360, 640, 180, 320
        while time.time() < start_at:  # every board starts together
            time.sleep(0.005)
        frames = 0
        end = start_at + seconds
        while time.time() < end:
            dma.sendchannel.transfer(src)
            dma.recvchannel.transfer(dst)
            resizer.write(0x00, 0x81)
            dma.sendchannel.wait()
            dma.recvchannel.wait()
            frames += 1
        elapsed = time.time() - start_at
        if np.asarray(dst).shape != (180, 320, 3):
            raise RuntimeError(f"{address}: resizer output has the wrong shape")
        src.freebuffer()
        dst.freebuffer()
        return frames, elapsed
    finally:
        device.close()


def _flow_fps(addresses, bitfile, seconds):
    start_at = time.time() + 2.0 + 0.05 * len(addresses)  # after every worker has set up
    with multiprocessing.get_context("spawn").Pool(len(addresses)) as pool:
        done = pool.map(_resize_worker, [(a, bitfile, seconds, start_at) for a in addresses])
    return sum(frames / elapsed for frames, elapsed in done)


# ---- one count --------------------------------------------------------------------------

def measure(build, count, design, idle_s, cold, one_process=False):
    server = os.path.join(build, "server", "pynq-remote-server")
    baseline = os.path.join(build, "bench", "baseline-server")
    bitfile = os.path.join(build, "designs", design, f"{design}.bit")
    if cold:
        design_dir = os.path.dirname(bitfile)
        _evict_from_page_cache([server, baseline] +
                               [os.path.join(design_dir, f) for f in os.listdir(design_dir)])
    ours = Fleet(lambda: [server, "--listen", "127.0.0.1:0", "--log-level", "warn"],
                 "listening", count, per_process=one_process)
    bare = None
    try:
        t0 = time.perf_counter()
        health, failed = _health_latencies(ours.addresses, HEALTH_CHECK, b"")
        all_ready_s = max(ours.start_s) + (time.perf_counter() - t0)
        if failed:
            raise RuntimeError("boards failed their health check: " + ", ".join(failed))
        _program(ours.addresses, bitfile)
        bare = Fleet(lambda: [baseline, "127.0.0.1:0"], "listening", count)
        sys.path.insert(0, os.path.join(build, "bench", "python"))
        import baseline_pb2 as pb
        bare_health, bare_failed = _health_latencies(
            bare.addresses, "/pynq_remote.bench.Baseline/Echo",
            pb.Word(value=1).SerializeToString())
        if bare_failed:
            raise RuntimeError("bare servers failed: " + ", ".join(bare_failed))
        time.sleep(1.0)  # let the programming calls' aftermath settle
        before = [(f.cpu_seconds(), f.context_switches()) for f in (ours, bare)]
        time.sleep(idle_s)
        after = [(f.cpu_seconds(), f.context_switches()) for f in (ours, bare)]
        # Health once more after the idle period: a board that idles must still answer fast.
        health_after, failed = _health_latencies(ours.addresses, HEALTH_CHECK, b"")
        if failed:
            raise RuntimeError("boards failed their health check after idling: " +
                               ", ".join(failed))
        idle = []
        for (cpu0, cs0), (cpu1, cs1) in zip(before, after):
            idle.append(((cpu1 - cpu0) / idle_s, (cs1 - cs0) / idle_s))
        row = {
            "count": count, "cold": cold, "one_process": one_process,
            "start_median_s": statistics.median(ours.start_s), "start_max_s": max(ours.start_s),
            "all_ready_s": all_ready_s,
            "bare_start_median_s": statistics.median(bare.start_s),
            "idle_cores": idle[0][0], "bare_idle_cores": idle[1][0],
            "wakeups_per_s": idle[0][1], "bare_wakeups_per_s": idle[1][1],
            "rss_mib": ours.memory_kib_per_board("VmRSS", "status") / 1024,
            "pss_mib": ours.memory_kib_per_board("Pss", "smaps_rollup") / 1024,
            "bare_rss_mib": bare.memory_kib_per_board("VmRSS", "status") / 1024,
            "bare_pss_mib": bare.memory_kib_per_board("Pss", "smaps_rollup") / 1024,
            "health_p50_ms": statistics.median(health_after) * 1e3,  # with its connection
            "health_max_ms": max(health + health_after) * 1e3,
            "bare_health_p50_ms": statistics.median(bare_health) * 1e3,
        }
        return row, ours
    except BaseException:
        ours.stop()
        raise
    finally:
        if bare:
            bare.stop()


def _print_row(row):
    n = row["count"]
    print(f"N={n:4d} {'cold' if row['cold'] else 'warm'}"
          f"{', one process' if row['one_process'] else ''}: start median "
          f"{row['start_median_s'] * 1e3:.0f} ms (bare {row['bare_start_median_s'] * 1e3:.0f} ms), "
          f"all healthy after {row['all_ready_s']:.2f} s")
    print(f"        idle: {row['idle_cores'] * 100:.3f}% of a core in all, "
          f"{row['idle_cores'] / n * 100:.4f}% per board (bare "
          f"{row['bare_idle_cores'] / n * 100:.4f}%), {row['wakeups_per_s'] / n:.2f} wake-ups/s "
          f"per board (bare {row['bare_wakeups_per_s'] / n:.2f})")
    print(f"        memory per board: RSS {row['rss_mib']:.1f} MiB, PSS {row['pss_mib']:.1f} MiB "
          f"(bare RSS {row['bare_rss_mib']:.1f}, PSS {row['bare_pss_mib']:.1f})")
    print(f"        health check: p50 {row['health_p50_ms']:.2f} ms, max "
          f"{row['health_max_ms']:.2f} ms (bare unary p50 {row['bare_health_p50_ms']:.2f} ms)")


def _figures(rows, flows, capacity_row):
    figures = []
    for row in rows + ([capacity_row] if capacity_row else []):
        n = row["count"]
        tag = f"{n} boards" + (" in one process" if row["one_process"] else "") + (
            " (cold)" if row["cold"] else "")
        figures += [
            {"name": f"idle CPU per board, {tag}", "value": row["idle_cores"] / n * 100,
             "unit": "% of a core", "baseline_name": "bare gRPC server, idle",
             "baseline": row["bare_idle_cores"] / n * 100,
             "ratio": (row["idle_cores"] / row["bare_idle_cores"]
                       if row["bare_idle_cores"] else None)},
            {"name": f"PSS per board, {tag}", "value": row["pss_mib"], "unit": "MiB",
             "baseline_name": "bare gRPC server", "baseline": row["bare_pss_mib"],
             "ratio": row["pss_mib"] / row["bare_pss_mib"]},
            {"name": f"start-up median, {tag}", "value": row["start_median_s"] * 1e3,
             "unit": "ms", "baseline_name": "bare gRPC server",
             "baseline": row["bare_start_median_s"] * 1e3,
             "ratio": row["start_median_s"] / row["bare_start_median_s"]},
            {"name": f"health check max, {tag}", "value": row["health_max_ms"], "unit": "ms",
             "baseline_name": "bare unary call p50", "baseline": row["bare_health_p50_ms"],
             "ratio": row["health_max_ms"] / row["bare_health_p50_ms"]},
        ]
    one = flows.get(1)
    for n, fps in sorted(flows.items()):
        figures.append({"name": f"resizer flow on {n} boards at once", "value": fps,
                        "unit": "frames/s", "baseline_name": f"{n} x the 1-board rate",
                        "baseline": n * one, "ratio": fps / (n * one)})
    if capacity_row:
        n = capacity_row["count"]
        where = " in one process" if capacity_row["one_process"] else ""
        figures.append({"name": f"{n} idle boards{where}, CPU in all", "unit": "% of a core",
                        "value": capacity_row["idle_cores"] * 100, "goal": "<= 5 (500 boards)",
                        "baseline_name": f"{n} bare gRPC server processes",
                        "baseline": capacity_row["bare_idle_cores"] * 100,
                        "ratio": (capacity_row["idle_cores"] / capacity_row["bare_idle_cores"]
                                  if capacity_row["bare_idle_cores"] else None)})
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", required=True)
    parser.add_argument("--counts", default="1,5,10,20,40")
    parser.add_argument("--capacity", type=int, default=0,
                        help="also N idle boards with the design loaded, no flow")
    parser.add_argument("--design", default="resizer")
    parser.add_argument("--idle-s", type=float, default=20.0)
    parser.add_argument("--flow-s", type=float, default=8.0)
    parser.add_argument("--flow-max", type=int, default=0,
                        help="largest N for the flow (default: the core count)")
    parser.add_argument("--quick", action="store_true",
                        help="counts 1 and 5, 5 s idle, 4 s of flow")
    parser.add_argument("--one-process", action="store_true",
                        help="serve each count's N boards from one server (--boards N) "
                             "instead of N servers")
    parser.add_argument("--json")
    args = parser.parse_args()
    if args.quick:
        args.counts, args.idle_s, args.flow_s = "1,5", 5.0, 4.0
    counts = [int(c) for c in args.counts.split(",") if c]
    flow_max = args.flow_max or os.cpu_count()
    bitfile = os.path.join(args.build, "designs", args.design, f"{args.design}.bit")
    if not os.path.exists(bitfile):
        parser.error(f"{bitfile} does not exist: build the tree first (ci/build.sh)")

    print(f"boards_figures: {os.cpu_count()} cores, design {args.design}, idle {args.idle_s} s")
    rows, flows = [], {}
    for i, count in enumerate(counts):
        row, ours = measure(args.build, count, args.design, args.idle_s, cold=(i == 0),
                            one_process=args.one_process)
        try:
            _print_row(row)
            rows.append(row)
            if count <= flow_max and args.design == "resizer":
                flows[count] = _flow_fps(ours.addresses, bitfile, args.flow_s)
                print(f"        resizer flow on {count} boards at once: {flows[count]:.2f} "
                      f"frames/s" + (f" ({flows[count] / (count * flows[1]):.2f}x of "
                                     f"{count} x 1 board)" if 1 in flows else ""))
        finally:
            ours.stop()
    # The flow up to the core count, whatever --counts holds.
    for count in range(1, flow_max + 1):
        if count in flows or args.design != "resizer":
            continue
        row, ours = measure(args.build, count, args.design, 1.0, cold=False,
                            one_process=args.one_process)
        try:
            flows[count] = _flow_fps(ours.addresses, bitfile, args.flow_s)
            print(f"resizer flow on {count} boards at once: {flows[count]:.2f} frames/s")
        finally:
            ours.stop()
    capacity_row = None
    if args.capacity:
        capacity_row, ours = measure(args.build, args.capacity, args.design, args.idle_s,
                                     cold=False, one_process=args.one_process)
        ours.stop()
        _print_row(capacity_row)
        ok = (capacity_row["idle_cores"] < 0.05 and capacity_row["health_max_ms"] < 1000)
        print(f"        capacity goal (under 5% of a core in all, every health check < 1 s): "
              f"{'met' if ok else 'NOT met'}")
    if args.json:
        write_json(args.json, "bench/boards_figures.py", _figures(rows, flows, capacity_row),
                   machine_note=f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
