#!/usr/bin/python3
"""The matrix's figure (issue 19): wall time of the full hil-tests (the named-board suite:
hil-tests/python with PYNQ_REMOTE_DEVICES set) on 1 board and on K boards through
pytest-xdist, in the same run. Goal: at least 1.7x faster on 2 boards on a 2-core machine.

Each round, on the same K simulated boards (ZCU104, started here):

* 1 board, plain pytest: the baseline, what a user runs against one board;
* K boards, ``hil-tests/matrix.py --boards ... --runner xdist --designs all``: one worker per
  board (wall time of its test part, as the matrix prints it).

Beside each wall time: the CPU the run used (its pytest processes and the servers the tests
start, from the children's rusage; the boards, from their schedstat), as cores busy on
average, and the load average, to tell a CPU-bound run from one that waits. Rounds alternate
the order. The sum of the test durations (JUnit) and the longest single test bound what any
split can reach.

Usage: matrix_figures.py --build BUILD_DIR [--boards K] [--rounds N] [--json PATH]
"""

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

from figures_json import write_json

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, ".."))
MATRIX = os.path.join(ROOT, "hil-tests", "matrix.py")
TESTS = os.path.join(ROOT, "hil-tests", "python")


class Boards:
    """K simulated ZCU104 boards on free loopback ports."""

    def __init__(self, server, count):
        self.roots = [tempfile.TemporaryDirectory(prefix="pynq-remote-bench-")
                      for _ in range(count)]
        # Their output goes to files: a pipe nobody reads (or closes) stops or kills a server
        # at its next log line.
        self.logs = [os.path.join(r.name, "server.log") for r in self.roots]
        self.procs = []
        for root, log in zip(self.roots, self.logs):
            with open(log, "w") as out:
                self.procs.append(subprocess.Popen(
                    [server, "--listen", "127.0.0.1:0", "--root", root.name,
                     "--log-level", "warn"], stdout=out, stderr=subprocess.STDOUT))
        self.addresses = []
        deadline = time.monotonic() + 60
        for proc, log in zip(self.procs, self.logs):
            found = None
            while not found:
                with open(log) as f:
                    found = re.search(r"listening on (\S+:\d+)", f.read())
                if not found and (proc.poll() is not None or time.monotonic() > deadline):
                    self.stop()
                    raise RuntimeError(f"pynq-remote-server did not start (log: {log})")
                time.sleep(0.05)
            self.addresses.append(found.group(1))

    def _schedstat_s(self, field):
        total = 0
        for proc in self.procs:
            for task in os.listdir(f"/proc/{proc.pid}/task"):
                try:
                    with open(f"/proc/{proc.pid}/task/{task}/schedstat") as f:
                        total += int(f.read().split()[field])
                except FileNotFoundError:
                    pass
        return total / 1e9

    def cpu_s(self):
        """CPU time of the boards' threads."""
        return self._schedstat_s(0)

    def runqueue_s(self):
        """Time the boards' threads were runnable but waited for a CPU."""
        return self._schedstat_s(1)

    def stop(self):
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            proc.wait(timeout=30)
        for root in self.roots:
            root.cleanup()


def children_cpu_s():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def junit_times(path):
    times = [float(c.get("time") or 0) for c in ET.parse(path).getroot().iter("testcase")]
    return sum(times), max(times)


def one_board(boards, env, out):
    """Plain pytest against the first board: (wall s, cpu s, sum of test s, longest test s)."""
    junit = os.path.join(out, "one.xml")
    cpu0, boards0, t0 = children_cpu_s(), boards.cpu_s(), time.monotonic()
    wait0 = boards.runqueue_s()
    # Without labgrid's plugin, as matrix.py runs pytest: the same start-up on both sides.
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "-p", "no:labgrid", f"--junitxml={junit}", TESTS],
                          env=dict(env, PYNQ_REMOTE_DEVICES=boards.addresses[0]), cwd=ROOT,
                          capture_output=True, text=True)
    wall = time.monotonic() - t0
    if done.returncode != 0:
        raise RuntimeError("the suite failed on one board:\n" + done.stdout[-3000:])
    cpu = children_cpu_s() - cpu0 + boards.cpu_s() - boards0
    return (wall, cpu, boards.runqueue_s() - wait0, *junit_times(junit))


def k_boards(boards, env, out):
    """matrix.py --runner xdist on every board: (wall s of its tests, cpu s)."""
    cpu0, boards0, wait0 = children_cpu_s(), boards.cpu_s(), boards.runqueue_s()
    done = subprocess.run([sys.executable, MATRIX, "--boards", ",".join(boards.addresses),
                           "--runner", "xdist", "--designs", "all", "--results", out],
                          env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        failures = ""
        for name in sorted(os.listdir(out)):
            if name.startswith("xdist-") and name.endswith(".log"):
                with open(os.path.join(out, name)) as f:
                    text = f.read()
                failures += text[text.find("= FAILURES ="):][:6000]
        raise RuntimeError(f"the matrix failed on {len(boards.addresses)} boards:\n"
                           + done.stdout[-3000:] + done.stderr[-2000:] + failures)
    wall = float(re.search(r"board\(s\), ([\d.]+) s wall", done.stdout).group(1))
    cpu = children_cpu_s() - cpu0 + boards.cpu_s() - boards0
    sums = [junit_times(os.path.join(out, n))[0] for n in os.listdir(out)
            if n.startswith("junit-")]
    return wall, cpu, boards.runqueue_s() - wait0, sums


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", required=True)
    parser.add_argument("--boards", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="one round")
    parser.add_argument("--json")
    args = parser.parse_args()
    if args.quick:
        args.rounds = 1
    build = os.path.abspath(args.build)
    env = dict(os.environ,
               PYNQ_REMOTE_SERVER=os.path.join(build, "server", "pynq-remote-server"),
               PYNQ_REMOTE_DESIGNS=os.path.join(build, "designs"),
               PYNQ_REMOTE_SESSION_CLIENT=os.path.join(build, "hil-tests", "session_client"),
               PYTHONPATH=os.path.join(ROOT, "client", "python"), PYTHONDONTWRITEBYTECODE="1")
    cores = os.cpu_count()
    ones, ks = [], []
    boards = Boards(env["PYNQ_REMOTE_SERVER"], args.boards)
    try:
        with tempfile.TemporaryDirectory(prefix="matrix-figures-") as out:
            for round_ in range(args.rounds):
                order = ("one", "k") if round_ % 2 == 0 else ("k", "one")
                for which in order:
                    load = os.getloadavg()[0]
                    if which == "one":
                        wall, cpu, wait, test_sum, longest = one_board(boards, env, out)
                        ones.append(wall)
                        what = (f"1 board, pytest: {wall:.1f} s wall, {cpu / wall:.2f} cores "
                                f"busy, boards waited {wait:.1f} s for a CPU; tests sum "
                                f"{test_sum:.1f} s, longest {longest:.1f} s")
                    else:
                        wall, cpu, wait, sums = k_boards(boards, env, out)
                        ks.append(wall)
                        what = (f"{args.boards} boards, matrix.py xdist: {wall:.1f} s wall, "
                                f"{cpu / wall:.2f} cores busy, boards waited {wait:.1f} s for "
                                f"a CPU; tests sum per board "
                                f"{', '.join(f'{t:.1f}' for t in sums)} s")
                    print(f"round {round_ + 1}: {what} (load average {load:.2f} before, "
                          f"{cores} cores)", flush=True)
    finally:
        boards.stop()
    one, k = statistics.median(ones), statistics.median(ks)
    print(f"full hil-tests: 1 board {one:.1f} s, {args.boards} boards {k:.1f} s: "
          f"{one / k:.2f}x (goal >= 1.7x on 2 boards)")
    if args.json:
        write_json(args.json, "bench/matrix_figures.py", [
            {"name": f"full hil-tests on {args.boards} boards (matrix.py, xdist)", "value": k,
             "unit": "s", "baseline_name": "on 1 board (pytest)", "baseline": one,
             "ratio": k / one, "goal": "<= 0.588"},  # 1.7x faster
            {"name": f"full hil-tests, speed-up on {args.boards} boards", "value": one / k,
             "unit": "x", "baseline_name": "1 board", "baseline": 1.0, "ratio": one / k,
             "goal": ">= 1.7 x"}],
            machine_note=f"{cores} cores, load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
