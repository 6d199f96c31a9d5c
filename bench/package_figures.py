#!/usr/bin/python3
"""Design-package figures (a benchmark, not a test; bench/README.md):

* resizer's package build time, cold (fresh work folder, ccache off) and warm (a second run);
* server start time with N packages (N renamed copies of a small design) against none;
* memory (RSS) per loaded package: (RSS with N packages - RSS with none) / N;
* simulated PL cycles/s of the resizer loaded as a package against the same RTL compiled into
  the server, measured in the same server run with Board.Advance (--deterministic),
  alternating the two, best of several rounds.

Usage: bench/package_figures.py --build build [--count 10] [--cycles 2000000] [--rounds 5]
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
    def __init__(self, build, *args):
        self.root = tempfile.mkdtemp(prefix="pkg-bench-root-")
        sock = __import__("socket").socket()
        sock.bind(("127.0.0.1", 0))
        self.address = "127.0.0.1:%d" % sock.getsockname()[1]
        sock.close()
        self.t0 = time.perf_counter()
        self.proc = subprocess.Popen(
            [os.path.join(build, "server", "pynq-remote-server"), "--backend", "sim",
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


def cycles_per_second(address, bitfile, cycles):
    import pynq_remote
    from pynq_remote._proto.pynq_remote.v1 import board_pb2
    dev = pynq_remote.RemoteDevice(0, address)
    try:
        pynq_remote.Bitstream(bitfile, device=dev).download()
        board = dev._stub["board"]
        t0 = time.perf_counter()
        board.Advance(board_pb2.AdvanceRequest(cycles=cycles))
        return cycles / (time.perf_counter() - t0)
    finally:
        dev.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(SOURCE, "build"))
    ap.add_argument("--count", type=int, default=10)
    ap.add_argument("--cycles", type=int, default=2000000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    with tempfile.TemporaryDirectory(prefix="pkg-bench-") as tmp:
        # 1. resizer, cold and warm.
        manifest = renamed_resizer(os.path.join(tmp, "resizer_pkg"), "resizer_pkg")
        out = os.path.join(tmp, "packages")
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

        # 4. cycles/s: package against built-in, one server, alternating.
        s = Server(build, "--deterministic", "--designs", out)
        try:
            builtin = os.path.join(build, "designs", "resizer", "resizer.bit")
            package = os.path.join(out, "resizer_pkg", "resizer_pkg.bit")
            b, p = [], []
            for _ in range(args.rounds):
                b.append(cycles_per_second(s.address, builtin, args.cycles))
                p.append(cycles_per_second(s.address, package, args.cycles))
            print("resizer cycles/s: package %.2f M, built in %.2f M (best of %d): %.3fx" %
                  (max(p) / 1e6, max(b) / 1e6, args.rounds, max(p) / max(b)))
        finally:
            s.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
