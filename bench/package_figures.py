#!/usr/bin/python3
"""Design-package figures (a benchmark, not a test; bench/README.md):

* resizer's package build time, cold (fresh work folder, ccache off) and warm (a second run);
* server start time with N packages (N renamed copies of a small design) against none;
* memory (RSS) per loaded package: (RSS with N packages - RSS with none) / N;
* simulated PL cycles/s of the resizer loaded as a package against the same RTL compiled into
  the server, measured in the same server run with Board.Advance (--deterministic). Rounds
  alternate the order (ABBA), each design warms up after its download, and every Advance is
  timed twice: by the wall clock and by the server's CPU time (utime + stime of the process),
  which other work on a shared machine disturbs far less. Median and best of each, and the
  ratio of the totals.

Usage: bench/package_figures.py --build build [--count 10] [--cycles 6000000] [--rounds 7]
                                [--only cycles]
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.normpath(os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(SOURCE, "client", "python"))
sys.path.insert(0, os.path.join(SOURCE, "rtl", "package", "tests"))
import small_design  # noqa: E402


def tool(build, manifest, out, work=None, env=None):
    cmd = [os.path.join(build, "bin", "pynq-remote-design"), "build", "--manifest", manifest,
           "--out", out]
    if work:
        cmd += ["--work", work]
    t0 = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       env=env)
    if p.returncode:
        raise RuntimeError(p.stdout)
    return time.perf_counter() - t0, p.stdout


def renamed_resizer(folder, name):
    """rtl/designs/resizer's manifest under another name, its cores taken as @ip/ sources."""
    with open(os.path.join(SOURCE, "rtl", "designs", "resizer", "manifest.json")) as f:
        m = json.load(f)
    m["name"] = name
    m["sources"] = [re.sub(r"^(\.\./)+ip/", "@ip/", s) for s in m["sources"]]
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "manifest.json")
    with open(path, "w") as f:
        json.dump(m, f, indent=2)
    return path


class Server:
    def __init__(self, build, *args, wrapper=()):
        self.root = tempfile.mkdtemp(prefix="pkg-bench-root-")
        sock = __import__("socket").socket()
        sock.bind(("127.0.0.1", 0))
        self.address = "127.0.0.1:%d" % sock.getsockname()[1]
        sock.close()
        self.t0 = time.perf_counter()
        self.proc = subprocess.Popen(
            [*wrapper, os.path.join(build, "server", "pynq-remote-server"), "--backend", "sim",
             "--listen", self.address, "--root", self.root, "--log-level", "warn", *args],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines = []
        for line in self.proc.stdout:
            self.lines.append(line.rstrip())
            if "listening" in line:
                self.start_s = time.perf_counter() - self.t0
                return
        raise RuntimeError("server did not start:\n" + "\n".join(self.lines))

    def rss_kib(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))

    def stop(self):
        self.proc.terminate()
        self.proc.wait()
        shutil.rmtree(self.root, ignore_errors=True)


def cpu_seconds(pid):
    """utime + stime of process pid, all threads (clock ticks: time a second or more)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def advance_timed(server, bitfile, cycles):
    """(wall seconds, server CPU seconds) of one Advance of `cycles` after loading bitfile."""
    import pynq_remote
    from pynq_remote._proto.pynq_remote.v1 import board_pb2
    dev = pynq_remote.RemoteDevice(0, server.address)
    try:
        pynq_remote.Bitstream(bitfile, device=dev).download()
        board = dev._stub["board"]
        # First touches of the new model (its pages, the package's TLS block) stay out.
        before = board.Advance(board_pb2.AdvanceRequest(cycles=20000)).pl_cycles
        c0 = cpu_seconds(server.proc.pid)
        t0 = time.perf_counter()
        after = board.Advance(board_pb2.AdvanceRequest(cycles=cycles)).pl_cycles
        wall = time.perf_counter() - t0
        cpu = cpu_seconds(server.proc.pid) - c0
        assert after - before == cycles, (before, after, cycles)  # pl_cycles is a running total
        return wall, cpu
    finally:
        dev.close()


def compare_cycles(server, designs, cycles, rounds):
    """{label: [(wall, cpu)] per round} of designs {label: bitfile}, order alternating."""
    labels = list(designs)
    times = {label: [] for label in labels}
    for r in range(rounds):
        for label in (labels if r % 2 == 0 else labels[::-1]):
            times[label].append(advance_timed(server, designs[label], cycles))
    return times


def instructions_per_cycle(build, out, bitfile, cycles):
    """Instructions the server executes in PlDesign::Run (the model and the board's edge hook)
    per simulated cycle, counted by callgrind: the same on a busy machine as on an idle one."""
    with tempfile.TemporaryDirectory(prefix="pkg-bench-cg-") as tmp:
        log = os.path.join(tmp, "valgrind.log")
        s = Server(build, "--deterministic", "--designs", out,
                   wrapper=("valgrind", "--tool=callgrind", "--log-file=" + log,
                            "--callgrind-out-file=" + os.path.join(tmp, "callgrind.out"),
                            "--toggle-collect=*::Run(unsigned long, pynq_remote::sim::EdgeHook&)"))
        try:
            import pynq_remote
            from pynq_remote._proto.pynq_remote.v1 import board_pb2
            dev = pynq_remote.RemoteDevice(0, s.address)
            pynq_remote.Bitstream(bitfile, device=dev).download()
            dev._stub["board"].Advance(board_pb2.AdvanceRequest(cycles=cycles))
            dev.close()
        finally:
            s.stop()
        with open(log) as f:
            return int(re.search(r"Collected : (\d+)", f.read()).group(1)) / cycles


def report_cycles(times, cycles, rounds):
    def rates(label, i):
        return [cycles / t[i] / 1e6 for t in times[label]]

    for label in times:
        w, c = rates(label, 0), rates(label, 1)
        print("resizer %-8s M cycles/s  wall: median %.2f best %.2f   server CPU: median %.2f "
              "best %.2f" % (label, statistics.median(w), max(w), statistics.median(c), max(c)))
    for i, what in ((0, "wall"), (1, "server CPU")):
        med = statistics.median(rates("package", i)) / statistics.median(rates("built-in", i))
        best = max(rates("package", i)) / max(rates("built-in", i))
        total = (sum(t[i] for t in times["built-in"]) / sum(t[i] for t in times["package"]))
        print("package / built in, %-10s: median %.3fx, best %.3fx, totals %.3fx "
              "(%d rounds of %d cycles)" % (what, med, best, total, rounds, cycles))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(SOURCE, "build"))
    ap.add_argument("--count", type=int, default=10)
    ap.add_argument("--cycles", type=int, default=6000000)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--only", choices=["cycles"],
                    help="only the cycles/s figure (the package is still built, ccache on)")
    ap.add_argument("--instructions", type=int, metavar="CYCLES", default=0,
                    help="also count the instructions per simulated cycle of each under "
                         "valgrind's callgrind, over an Advance of CYCLES cycles")
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    with tempfile.TemporaryDirectory(prefix="pkg-bench-") as tmp:
        # 1. resizer, cold and warm.
        manifest = renamed_resizer(os.path.join(tmp, "resizer_pkg"), "resizer_pkg")
        out = os.path.join(tmp, "packages")
        if args.only == "cycles":
            tool(build, manifest, out, work=os.path.join(tmp, "work"))
            cycles_figure(build, out, args)
            return 0
        cold, _ = tool(build, manifest, out, work=os.path.join(tmp, "work"),
                       env=dict(os.environ, CCACHE_DISABLE="1"))
        warm, text = tool(build, manifest, out, work=os.path.join(tmp, "work"))
        assert "up to date" in text, text
        print("resizer package build: cold %.1f s (ccache off), warm %.2f s" % (cold, warm))

        # 2./3. N small packages: start time and RSS against none.
        many = os.path.join(tmp, "many")
        for i in range(args.count):
            m = small_design.write(os.path.join(tmp, "src", "adder%d" % i), name="adder%d" % i)
            tool(build, m, many)
        base_start, many_start, base_rss, many_rss = [], [], [], []
        for _ in range(3):
            s = Server(build, "--deterministic")
            base_start.append(s.start_s)
            base_rss.append(s.rss_kib())
            s.stop()
            s = Server(build, "--deterministic", "--designs", many)
            loaded = sum("design package loaded" in l for l in s.lines)
            assert loaded == args.count, s.lines
            many_start.append(s.start_s)
            many_rss.append(s.rss_kib())
            s.stop()
        print("server start: %.3f s with %d packages, %.3f s with none (median of 3)" %
              (statistics.median(many_start), args.count, statistics.median(base_start)))
        print("memory per loaded package: %.0f KiB RSS" %
              ((statistics.median(many_rss) - statistics.median(base_rss)) / args.count))

        # 4. cycles/s: package against built-in, one server.
        cycles_figure(build, out, args)
    return 0


def cycles_figure(build, out, args):
    s = Server(build, "--deterministic", "--designs", out)
    try:
        designs = {"built-in": os.path.join(build, "designs", "resizer", "resizer.bit"),
                   "package": os.path.join(out, "resizer_pkg", "resizer_pkg.bit")}
        times = compare_cycles(s, designs, args.cycles, args.rounds)
    finally:
        s.stop()
    report_cycles(times, args.cycles, args.rounds)
    if args.instructions:
        ipc = {label: instructions_per_cycle(build, out, bit, args.instructions)
               for label, bit in designs.items()}
        print("resizer instructions per simulated cycle (callgrind, %d cycles): built-in %.0f, "
              "package %.0f: built in / package %.3fx" %
              (args.instructions, ipc["built-in"], ipc["package"],
               ipc["built-in"] / ipc["package"]))


if __name__ == "__main__":
    sys.exit(main())
