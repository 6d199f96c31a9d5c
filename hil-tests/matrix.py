#!/usr/bin/python3
"""The hil-tests over designs x board profiles, against K boards at once, from one command.

Boards: ``--boards HOST:PORT,...`` (running boards, simulated or physical; each one's profile
is what it reports) or ``--sim K`` (K simulated boards started here from the build's
pynq-remote-server, the profiles of ``--profiles`` cycled over them).

A cell is a board profile and a design; its tests are the modules of hil-tests/python that
program that design (DESIGNS below; a module that programs several designs is filed under the
one it is about). A profile's cells are shared by the boards of that profile; a design of
another PS family than the profile's has no cell there. ``own-servers`` are the modules that
start servers of their own on this host (faults, limits) and run once, not per board.

Runners, each with the same selection per cell:
  xdist       one pytest per profile, ``-n B`` workers for its B boards, worker gwN on the
              N-th board (hil-tests/python/conftest.py named_device)
  serial      each board in turn, one pytest each (what the Compose tester runs)
  compose     deploy/compose/run.sh --boards K: boards and tester on Docker Compose
  kubernetes  deploy/kubernetes's boards and hil-tests Job, applied with kubectl, waited for

Before any test runs, every board must answer the grpc.health.v1 check within
``--ready-timeout`` s, and hold no other client's session (one tester per board: sessions
keep buffers and handles apart, but a board has one PL, and two testers reprogramming it
fail each other's tests); this run holds a session on each board until it ends. After the
run, a board that stopped answering is named as dead.

Results: a JUnit XML per board in ``--results`` and one table (board, profile, design,
passed, failed, skipped, seconds). Exit status: 0 when every cell passed, 1 when a test
failed or a board died, 2 on bad arguments, 3 when a board was not ready or is in use.

Usage: matrix.py (--boards HOST:PORT,... | --sim K) [--profiles P,...] [--designs all|D,...]
                 [--runner xdist|serial|compose|kubernetes] [--results DIR]
                 [--ready-timeout S] [--server PATH] [--designs-dir DIR] [-- PYTEST_ARGS]
"""

import argparse
import collections
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, ".."))
TESTS = os.path.join(HERE, "python")
sys.path.insert(0, os.path.join(ROOT, "client", "python"))
sys.path.insert(0, os.path.join(ROOT, "ci"))

import grpc  # noqa: E402

from health_check import check as health_check  # noqa: E402
from pynq_remote._proto.pynq_remote.v1 import (  # noqa: E402
    board_pb2, board_pb2_grpc, session_pb2, session_pb2_grpc)

BOARDS_JSON = os.path.join(ROOT, "sim", "board", "boards.json")
OWN_SERVERS = "own-servers"

# design: (PS family, the test modules filed under it). Read off what each module programs.
DESIGNS = {
    "ref_accel": ("zynqmp", ["test_client_e2e.py", "test_overlay.py"]),
    "dma_loopback": ("zynqmp", ["test_overlay_designs.py", "test_round_trips.py"]),
    "gpio_intc": ("zynqmp", ["test_interrupts.py"]),
    "dma_sg_loopback": ("zynqmp", ["test_dma_sg.py"]),
    "dual_dma": ("zynqmp", ["test_dual_dma.py"]),
    "emio_gpio_loop": ("zynqmp", ["test_ps_gpio.py"]),
    "resizer": ("zynqmp", ["test_resizer.py", "test_examples.py"]),
    "pynqz2_dma": ("zynq7000", ["test_zynq7000_board.py"]),
}


class UsageError(Exception):
    """Bad arguments: exit 2 with the message."""


class NotReady(Exception):
    """A board not ready or in use: exit 3 with the message."""


def profiles_json():
    """{profile name: PS family} of sim/board/boards.json."""
    with open(BOARDS_JSON) as f:
        return {b["name"]: b["family"] for b in json.load(f)["boards"]}


def own_server_modules():
    """Every test module not filed under a design."""
    filed = {m for _, modules in DESIGNS.values() for m in modules}
    return sorted(m for m in os.listdir(TESTS)
                  if m.startswith("test_") and m.endswith(".py") and m not in filed)


def module_design():
    """{module: design} over DESIGNS and own-servers."""
    mapping = {m: OWN_SERVERS for m in own_server_modules()}
    for design, (_, modules) in DESIGNS.items():
        mapping.update({m: design for m in modules})
    return mapping


# ---- boards ------------------------------------------------------------------------------

class Board:
    """One board under test: its address, profile, and the simulated server behind it."""

    def __init__(self, address, profile=None):
        self.address = address
        self.profile = profile
        self.family = None
        self.proc = None
        self.root = None
        self.log = None
        self.claim = None
        self.dead = None  # why it stopped answering, when it did

    def label(self):
        return f"{self.address} ({self.profile})" if self.profile else self.address


def start_sim_boards(count, profiles, server, results, ready_timeout):
    """``count`` simulated boards on free loopback ports, profiles cycled over them."""
    boards = []
    for index in range(count):
        profile = profiles[index % len(profiles)]
        board = Board(None, profile)
        board.root = tempfile.TemporaryDirectory(prefix="pynq-remote-matrix-")
        board.log = os.path.join(results, f"board-{index}-server.log")
        with open(board.log, "w") as log:
            # Port 0: the server picks a free port and says which on its "listening" line.
            board.proc = subprocess.Popen(
                [server, "--listen", "127.0.0.1:0", "--board", profile,
                 "--root", board.root.name, "--log-level", "info"],
                stdout=log, stderr=subprocess.STDOUT)
        boards.append(board)
    deadline = time.monotonic() + ready_timeout
    for index, board in enumerate(boards):
        while board.address is None:
            with open(board.log) as f:
                found = re.search(r"listening on (\S+:\d+)", f.read())
            if found:
                board.address = found.group(1)
            elif board.proc.poll() is not None or time.monotonic() > deadline:
                with open(board.log) as f:
                    tail = f.read()[-2000:]
                stop_sim_boards(boards)
                raise NotReady(f"simulated board {index} ({board.profile}) did not start "
                               f"({server}):\n{tail}")
            else:
                time.sleep(0.05)
    return boards


def stop_sim_boards(boards):
    for board in boards:
        if board.proc is not None and board.proc.poll() is None:
            board.proc.terminate()
            try:
                board.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                board.proc.kill()
                board.proc.wait()
        if board.root is not None:
            board.root.cleanup()
            board.root = None


def wait_ready(boards, timeout):
    """Every board SERVING on grpc.health.v1 within ``timeout`` s (checked at once), or
    NotReady naming each one that was not."""
    seen = {}

    def ask(board):
        seen[board.address] = health_check(board.address, timeout)

    threads = [threading.Thread(target=ask, args=(b,)) for b in boards]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    late = [f"board {b.label()} not ready within {timeout:g} s (health: "
            f"{seen[b.address][1]})" for b in boards if not seen[b.address][0]]
    if late:
        raise NotReady("\n".join(late))


def board_info(address, timeout=10):
    with grpc.insecure_channel(address) as channel:
        return board_pb2_grpc.BoardStub(channel).GetInfo(board_pb2.GetInfoRequest(),
                                                         timeout=timeout)


class Claim:
    """This run's session on a board, held until release(): while it is open, another
    tester's check sees it (ServerUsage.open_sessions) and refuses the board."""

    def __init__(self, address):
        self.channel = grpc.insecure_channel(address)
        self._done = threading.Event()
        self._call = session_pb2_grpc.SessionStub(self.channel).Attach(self._requests())
        self.grace_s = next(self._call).grace_ms / 1000.0

    def _requests(self):
        yield session_pb2.SessionRequest(client_name=f"hil-tests/matrix.py pid {os.getpid()}")
        self._done.wait()  # the stream stays open, and with it the session

    def release(self):
        self._done.set()
        self._call.cancel()
        self.channel.close()


def claim_boards(boards):
    """A session on every board, and no other: a session of another client still there
    after its grace period (a detached one ends within it) is another tester, refused."""
    for board in boards:
        board.claim = Claim(board.address)
    for board in boards:
        deadline = time.monotonic() + board.claim.grace_s + 2.0
        while True:
            others = board_info(board.address).usage.open_sessions - 1
            if others <= 0:
                break
            if time.monotonic() > deadline:
                raise NotReady(
                    f"board {board.label()} is in use: {others} other session(s) open on it "
                    "(another tester?). One tester per board: sessions keep buffers and "
                    "handles apart, but the board has one PL and two testers reprogramming "
                    "it fail each other's tests. Wait for the other run, or give this one "
                    "another board.")
            time.sleep(0.2)


def release_boards(boards):
    for board in boards:
        if board.claim is not None:
            board.claim.release()
            board.claim = None


def find_dead(boards):
    """Marks each board that no longer answers its health check (or whose server exited)."""
    for board in boards:
        if board.proc is not None and board.proc.poll() is not None:
            board.dead = f"its server exited with {board.proc.returncode}"
            continue
        ok, seen = health_check(board.address, 5)
        if not ok:
            board.dead = f"health: {seen}"


# ---- the plan ----------------------------------------------------------------------------

def plan(boards, designs):
    """{profile: (boards of it, [modules])}: each profile's cells' modules, own-servers
    with the first profile only."""
    groups = collections.OrderedDict()
    for board in boards:
        groups.setdefault(board.profile, ([], []))[0].append(board)
    own_done = False
    for profile, (members, modules) in groups.items():
        family = members[0].family
        for design in designs:
            if design == OWN_SERVERS:
                if not own_done:
                    modules.extend(own_server_modules())
                    own_done = True
            elif DESIGNS[design][0] == family:
                modules.extend(DESIGNS[design][1])
        # The suite's own order (pytest's for the folder): xdist deals tests out in it, and
        # the long modules piled at the end leave one board finishing alone.
        modules.sort()
    return groups


def pytest_env(addresses):
    env = dict(os.environ, PYNQ_REMOTE_DEVICES=",".join(addresses), PYTHONDONTWRITEBYTECODE="1")
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (os.path.join(ROOT, "client", "python"), HERE, env.get("PYTHONPATH")) if p)
    return env


def pytest_command(modules, junit, extra):
    # The matrix names the boards itself: labgrid's pytest plugin (python3-labgrid, for
    # --lg-env) would cost every pytest and every xdist worker 1.3 s of start-up for nothing.
    no_labgrid = [] if any(a.startswith("--lg-") for a in extra) else ["-p", "no:labgrid"]
    return [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *no_labgrid, "-rs",
            f"--junitxml={junit}", "-o", "junit_family=xunit1",
            *[os.path.join(TESTS, m) for m in modules], *extra]


def run_xdist(groups, results, extra):
    """One pytest per profile, all at once; each with a worker per board of its profile."""
    procs = []
    for index, (profile, (members, modules)) in enumerate(groups.items()):
        if not modules:
            continue
        junit = os.path.join(results, f"xdist-{index}.xml")
        log = open(os.path.join(results, f"xdist-{index}.log"), "w")
        # matrix_scheduling (beside this file): tests dealt two at a time, not in xdist 3.1's
        # big batches, so the boards finish together.
        command = pytest_command(modules, junit, ["-n", str(len(members)), "--dist", "load",
                                                  "-p", "matrix_scheduling", *extra])
        procs.append((junit, log, subprocess.Popen(
            command, env=pytest_env([b.address for b in members]), cwd=ROOT,
            stdout=log, stderr=subprocess.STDOUT)))
    junits = []
    for junit, log, proc in procs:
        proc.wait()
        log.close()
        if os.path.exists(junit):
            junits.append(junit)
        else:
            with open(log.name) as f:
                print(f.read()[-3000:], file=sys.stderr)
    return junits


def run_serial(groups, results, extra):
    """Each board in turn, with its share of its profile's modules (dealt round)."""
    junits = []
    for profile, (members, modules) in groups.items():
        for index, board in enumerate(members):
            share = modules[index::len(members)]
            if not share:
                continue
            ok, seen = health_check(board.address, 5)
            if not ok:
                board.dead = f"health before its turn: {seen}"
                print(f"matrix: board {board.label()} is dead before its turn ({seen}); "
                      "its tests are not run", file=sys.stderr)
                continue
            name = re.sub(r"[^\w.-]", "_", board.address)
            junit = os.path.join(results, f"serial-{name}.xml")
            with open(os.path.join(results, f"serial-{name}.log"), "w") as log:
                subprocess.run(pytest_command(share, junit, extra),
                               env=pytest_env([board.address]), cwd=ROOT,
                               stdout=log, stderr=subprocess.STDOUT)
            if os.path.exists(junit):
                junits.append(junit)
    return junits


# ---- the report --------------------------------------------------------------------------

def outcome(case):
    for tag, word in (("failure", "failed"), ("error", "failed"), ("skipped", "skipped")):
        if case.find(tag) is not None:
            return word
    return "passed"


def case_board(case, default):
    for prop in case.iter("property"):
        if prop.get("name") == "board":
            return prop.get("value")
    return default


def split_junit(junits, boards, results):
    """A JUnit XML per board from the runs' files, and {(board, design): counts}."""
    designs_of = module_design()
    cases = collections.defaultdict(list)
    cells = collections.defaultdict(lambda: collections.Counter())
    fallback = boards[0].address if len(boards) == 1 else "unknown"
    for junit in junits:
        for case in ET.parse(junit).getroot().iter("testcase"):
            address = case_board(case, fallback)
            module = case.get("classname", "").split(".")[-1] + ".py"
            design = designs_of.get(module, module)
            cases[address].append(case)
            cell = cells[(address, design)]
            cell[outcome(case)] += 1
            cell["seconds"] += float(case.get("time") or 0)
    for board in boards + [Board("unknown")]:
        if not cases.get(board.address):
            continue
        suite = ET.Element("testsuite", name=f"hil-tests on {board.label()}",
                           tests=str(len(cases[board.address])))
        suite.extend(cases[board.address])
        name = re.sub(r"[^\w.-]", "_", board.address)
        ET.ElementTree(suite).write(os.path.join(results, f"junit-{name}.xml"), encoding="utf-8",
                   xml_declaration=True)
    return cells


def report(boards, cells, wall_s):
    """Prints the table; returns whether every cell passed and every board lived."""
    profile_of = {b.address: b.profile for b in boards}
    rows = [("board", "profile", "design", "passed", "failed", "skipped", "seconds")]
    for (address, design), count in sorted(cells.items()):
        rows.append((address, profile_of.get(address, "?"), design, str(count["passed"]),
                     str(count["failed"]), str(count["skipped"]), f"{count['seconds']:.1f}"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)))
    ok = not any(count["failed"] for count in cells.values()) and bool(cells)
    if not cells:
        print("matrix: no test ran: no selected design is of the boards' PS family, or "
              "pytest ended before writing its JUnit XML (its log is in the results)")
    for board in boards:
        if board.dead:
            ok = False
            print(f"DEAD: board {board.label()} stopped answering during the run "
                  f"({board.dead})")
    print(f"matrix: {len(boards)} board(s), {wall_s:.1f} s wall: "
          f"{'PASSED' if ok else 'FAILED'}")
    return ok


# ---- compose and kubernetes ----------------------------------------------------------------

def run_compose(args):
    script = os.path.join(ROOT, "deploy", "compose", "run.sh")
    if not os.path.exists(script):
        raise UsageError(f"--runner compose: {script} is not in this checkout")
    command = [script, "--boards", str(args.sim), "--profiles", ",".join(args.profiles),
               "--ready-timeout", f"{args.ready_timeout:g}", "--results", args.results]
    print("matrix:", " ".join(command), flush=True)
    return subprocess.call(command)


def kubectl(*argv, stdin=None, timeout=60):
    return subprocess.run(["kubectl", *argv], input=stdin, capture_output=True, text=True,
                          timeout=timeout)


def run_kubernetes(args):
    """The StatefulSet of args.sim boards and the Indexed Job, one tester pod per board."""
    job_file = os.path.join(args.kubernetes_dir, "hil-tests", "job.yaml")
    boards_dir = os.path.join(args.kubernetes_dir, "boards")
    if shutil.which("kubectl") is None:
        raise NotReady("--runner kubernetes: kubectl is not on PATH (Debian: kubernetes-client; "
                       "or the one kind/k3s installs)")
    for needed in (job_file, boards_dir):
        if not os.path.exists(needed):
            raise NotReady(f"--runner kubernetes: {needed} is missing (deploy/kubernetes's "
                           "manifests)")
    seen = kubectl("version", "-o", "json", "--request-timeout=5s")
    if seen.returncode != 0 or '"serverVersion"' not in seen.stdout:
        last = (seen.stderr.strip().splitlines() or ["no answer"])[-1]
        raise NotReady("--runner kubernetes: no Kubernetes cluster answers kubectl "
                       f"({last}); start one (kind or k3s: deploy/kubernetes/README.md) or "
                       "point KUBECONFIG at one")
    import yaml  # python3-yaml; only this runner needs it
    steps = [("apply", "-k", boards_dir),
             ("scale", "statefulset/board", f"--replicas={args.sim}"),
             ("delete", "job/hil-tests", "--ignore-not-found")]
    for step in steps:
        done = kubectl(*step)
        if done.returncode != 0:
            raise NotReady(f"kubectl {' '.join(step)}: {done.stderr.strip()}")
    rendered = kubectl("kustomize", os.path.dirname(job_file))
    job = yaml.safe_load(rendered.stdout) if rendered.returncode == 0 else None
    if not job or job.get("kind") != "Job":
        raise NotReady(f"kubectl kustomize {os.path.dirname(job_file)}: no Job "
                       f"({rendered.stderr.strip()})")
    job["spec"]["completions"] = job["spec"]["parallelism"] = args.sim
    name = job["metadata"]["name"]
    done = kubectl("apply", "-f", "-", stdin=yaml.safe_dump(job))
    if done.returncode != 0:
        raise NotReady(f"kubectl apply (Job {name}): {done.stderr.strip()}")
    deadline = time.monotonic() + float(job["spec"].get("activeDeadlineSeconds", 3600)) + 60
    status = {}
    while time.monotonic() < deadline:
        got = kubectl("get", f"job/{name}", "-o", "json")
        status = json.loads(got.stdout).get("status", {}) if got.returncode == 0 else {}
        if status.get("succeeded", 0) + status.get("failed", 0) >= args.sim or any(
                c.get("type") in ("Complete", "Failed") and c.get("status") == "True"
                for c in status.get("conditions", [])):
            break
        time.sleep(5)
    print(kubectl("logs", f"job/{name}", "--all-containers", "--prefix",
                  "--tail=40").stdout)
    print(f"matrix: Job {name}: {status.get('succeeded', 0)} of {args.sim} board(s) "
          f"passed, {status.get('failed', 0)} failed")
    return 0 if status.get("succeeded", 0) == args.sim else 1


# ---- main --------------------------------------------------------------------------------

def parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--boards", help="HOST:PORT,... of running boards")
    where.add_argument("--sim", type=int, help="start K simulated boards here")
    parser.add_argument("--profiles", default="ZCU104",
                        help="with --sim: board profiles cycled over the boards")
    parser.add_argument("--designs", default="all",
                        help=f"all, or some of {', '.join([*DESIGNS, OWN_SERVERS])}")
    parser.add_argument("--runner", default="xdist",
                        choices=("xdist", "serial", "compose", "kubernetes"))
    parser.add_argument("--results", default="matrix-results", help="JUnit XML and logs")
    parser.add_argument("--ready-timeout", type=float, default=60.0,
                        help="seconds each board gets to answer its health check")
    parser.add_argument("--server", default=os.environ.get("PYNQ_REMOTE_SERVER"),
                        help="pynq-remote-server for --sim (default $PYNQ_REMOTE_SERVER)")
    parser.add_argument("--designs-dir", default=os.environ.get("PYNQ_REMOTE_DESIGNS"),
                        help="the build's designs/ (default $PYNQ_REMOTE_DESIGNS)")
    parser.add_argument("--kubernetes-dir", default=os.path.join(ROOT, "deploy", "kubernetes"))
    parser.add_argument("pytest_args", nargs="*", help="after --: more pytest arguments")
    args = parser.parse_args(argv)
    known = profiles_json()
    args.profiles = [p.strip() for p in args.profiles.split(",") if p.strip()]
    for profile in args.profiles:
        if profile not in known:
            raise UsageError(f"--profiles: no board profile {profile!r} in "
                             f"sim/board/boards.json (there: {', '.join(known)})")
    if args.designs == "all":
        args.designs = [*DESIGNS, OWN_SERVERS]
    else:
        args.designs = [d.strip() for d in args.designs.split(",") if d.strip()]
        for design in args.designs:
            if design not in DESIGNS and design != OWN_SERVERS:
                raise UsageError(f"--designs: no design {design!r} (there: all, "
                                 f"{', '.join([*DESIGNS, OWN_SERVERS])})")
    if args.sim is not None and args.sim < len(args.profiles):
        raise UsageError(f"--sim {args.sim}: fewer boards than --profiles "
                         f"({len(args.profiles)}); each profile needs one")
    if args.runner in ("xdist", "serial"):
        if args.sim is not None and not args.server:
            raise UsageError("--sim needs the server: --server PATH or PYNQ_REMOTE_SERVER")
        if not args.designs_dir:
            raise UsageError("the designs: --designs-dir DIR or PYNQ_REMOTE_DESIGNS")
        os.environ["PYNQ_REMOTE_DESIGNS"] = args.designs_dir
        if args.server:
            os.environ["PYNQ_REMOTE_SERVER"] = args.server
    elif args.sim is None:
        raise UsageError(f"--runner {args.runner} starts its own boards: --sim K, not --boards")
    return args


def run(args):
    known = profiles_json()
    os.makedirs(args.results, exist_ok=True)
    if args.sim is not None:
        boards = start_sim_boards(args.sim, args.profiles, args.server, args.results,
                                  args.ready_timeout)
    else:
        boards = [Board(a.strip()) for a in args.boards.split(",") if a.strip()]
        if not boards:
            raise UsageError("--boards: no HOST:PORT given")
    try:
        wait_ready(boards, args.ready_timeout)
        for board in boards:
            info = board_info(board.address)
            if board.profile not in (None, info.board):
                raise NotReady(f"board {board.address} reports {info.board!r}, "
                               f"started as {board.profile!r}")
            board.profile = info.board
            board.family = known.get(info.board) or (
                "zynqmp" if info.arch == "aarch64" else "zynq7000")
        claim_boards(boards)
        for board in boards:
            print(f"matrix: board {board.label()} ready", flush=True)
        groups = plan(boards, args.designs)
        start = time.monotonic()
        runner = run_xdist if args.runner == "xdist" else run_serial
        junits = runner(groups, args.results, args.pytest_args)
        wall_s = time.monotonic() - start
        find_dead(boards)
        cells = split_junit(junits, boards, args.results)
        return 0 if report(boards, cells, wall_s) else 1
    finally:
        release_boards(boards)
        stop_sim_boards(boards)


def main(argv=None):
    try:
        args = parse(argv)
        if args.runner == "compose":
            return run_compose(args)
        if args.runner == "kubernetes":
            return run_kubernetes(args)
        return run(args)
    except UsageError as error:
        print(f"matrix: {error}", file=sys.stderr)
        return 2
    except NotReady as error:
        print(f"matrix: {error}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
