#!/usr/bin/python3
"""A simulated board stands in for a physical one as a labgrid NetworkService: the build's
pynq-remote-server is started here on a free port, and the hil-tests run on it through
``pytest --lg-env deploy/labgrid/sim-board.yaml``, as a lab runs them on its boards. Then
the bad input: a board that never becomes ready (a port that takes connections and never
answers) is a timeout naming the board, and an environment without the NetworkService is
an error saying so. And the shipped board.yaml and place.yaml bind what they should.

The pytest runs get no PYNQ_REMOTE_SERVER: a suite that did not take its board from labgrid
would start simulated boards of its own, and cannot here (its tests skip, which fails this).

Environment: PYNQ_REMOTE_SERVER, PYNQ_REMOTE_DESIGNS (set by ctest), CI (true: labgrid
missing is a failure, not a skip). Usage: check_sim_board.py [PYTEST_FILE_OR_-k ...]
Exit 0 when all hold, 1 with what is wrong, 77 (skip) without python3-labgrid outside CI.
"""

import os
import re
import socket
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
LABGRID_DIR = os.path.dirname(HERE)
REPO = os.path.normpath(os.path.join(LABGRID_DIR, "..", ".."))
SUITE = os.path.join(REPO, "hil-tests", "python")
SIM_ENV = os.path.join(LABGRID_DIR, "sim-board.yaml")
# A representative subset that takes seconds: connect, program, MMIO, buffers, the
# accelerator, errors; and overlays with their register maps and drivers.
DEFAULT_SELECTION = [os.path.join(SUITE, "test_client_e2e.py"),
                     os.path.join(SUITE, "test_overlay.py")]
SKIP = 77


def labgrid_missing():
    """None when this python has labgrid's pytest plugin, else why not."""
    try:
        import labgrid.pytestplugin  # noqa: F401  pylint: disable=unused-import
    except ImportError as e:
        return f"labgrid is not installed for {sys.executable} ({e}): apt-get install " \
               "python3-labgrid (it is in ci/debian-packages.txt)"
    return None


class Server:
    """The build's pynq-remote-server on a port the kernel picks (--listen 127.0.0.1:0)."""

    def __init__(self, binary):
        self.root = tempfile.TemporaryDirectory(prefix="pynq-remote-labgrid-")
        self.proc = subprocess.Popen(
            [binary, "--backend", "sim", "--listen", "127.0.0.1:0", "--root", self.root.name,
             "--log-level", "warn"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.port = None
        for line in self.proc.stdout:
            found = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
            if found:
                self.port = int(found.group(1))
                break
        if self.port is None:
            self.proc.wait()
            raise RuntimeError(f"{binary} exited with {self.proc.returncode} before listening")

    def stop(self):
        """The server's exit status on SIGTERM (0: a clean stop)."""
        self.proc.terminate()
        try:
            code = self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = "killed: no exit within 30 s of SIGTERM"
        self.root.cleanup()
        return code


def run_pytest(lg_env, selection, board, port, ready_timeout):
    """(exit status, output) of pytest --lg-env on the board LG_* names."""
    env = dict(os.environ, LG_PYNQ_REMOTE_HOST="127.0.0.1", LG_PYNQ_REMOTE_PORT=str(port),
               LG_PYNQ_REMOTE_BOARD=board, LG_PYNQ_REMOTE_READY_TIMEOUT=str(ready_timeout),
               PYTHONDONTWRITEBYTECODE="1")
    for name in ("PYNQ_REMOTE_SERVER", "PYNQ_REMOTE_DEVICES", "LG_ENV"):
        env.pop(name, None)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
         "--lg-env", lg_env, *selection],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)
    return proc.returncode, proc.stdout


def check_suite_runs_on_the_sim_board(server_binary, selection):
    problems = []
    server = Server(server_binary)
    try:
        code, out = run_pytest(SIM_ENV, selection, "sim-board", server.port, 30)
    finally:
        stopped = server.stop()
    print(out)
    address = f"127.0.0.1:{server.port}"
    if code != 0:
        problems.append(f"pytest --lg-env {SIM_ENV} exited with {code}")
    if f"labgrid: board 'sim-board' ready at {address}" not in out:
        problems.append(f"pytest did not report taking board 'sim-board' at {address} "
                        "from labgrid")
    passed = re.search(r"(\d+) passed", out)
    if not passed:
        problems.append("no test passed")
    if re.search(r"SKIPPED.*PYNQ_REMOTE_SERVER", out):
        problems.append("tests wanted a server of their own: the board did not come from "
                        "labgrid")
    if stopped != 0:
        problems.append(f"the simulated board did not stop cleanly: {stopped}")
    if not problems:
        print(f"ok: {passed.group(0)} on the simulated board at {address} through labgrid")
    return problems


def check_board_never_ready(selection):
    """A port that takes connections (the kernel's backlog) and never answers."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        code, out = run_pytest(SIM_ENV, selection, "sim-dead", port, 3)
    print(out)
    want = (f"board 'sim-dead' (labgrid target 'main', pynq-remote-server at "
            f"127.0.0.1:{port}) did not become ready within 3 s")
    problems = []
    if code == 0:
        problems.append("a board that never answers: pytest exited 0")
    if want not in out:
        problems.append(f"a board that never answers: no '{want}' in pytest's output")
    if re.search(r"\d+ passed", out):
        problems.append("a board that never answers: tests ran anyway")
    if not problems:
        print("ok: the board that never became ready is named in the timeout")
    return problems


def check_no_network_service(selection):
    """Environments without the NetworkService: bare, and with the drivers but no resource."""
    problems = []
    bare = "targets:\n  main:\n    resources: {}\n"
    drivers_only = (f"targets:\n  main:\n    drivers:\n      PynqRemoteDriver: {{}}\n"
                    f"imports:\n  - {os.path.join(LABGRID_DIR, 'pynq_remote_labgrid.py')}\n")
    with tempfile.TemporaryDirectory(prefix="pynq-remote-labgrid-env-") as tmp:
        for name, text in (("bare.yaml", bare), ("drivers-only.yaml", drivers_only)):
            path = os.path.join(tmp, name)
            with open(path, "w") as f:
                f.write(text)
            code, out = run_pytest(path, selection, "none", 1, 3)
            print(out)
            if code != 4:
                problems.append(f"{name}: want pytest's usage error (exit 4), got {code}")
            wanted = [f"labgrid environment {path}", "NetworkService"]
            missing = [w for w in wanted if w not in out]
            if missing:
                problems.append(f"{name}: the error does not say {missing}")
    if not problems:
        print("ok: environments without a NetworkService are refused, saying so")
    return problems


def check_shipped_environments():
    """board.yaml binds as its comments say, without touching the network; place.yaml binds
    the names exporter.yaml exports (its RemotePlace needs a coordinator to build)."""
    # pylint: disable=import-outside-toplevel
    from labgrid import Environment
    from labgrid.util.yaml import load
    problems = []
    board = os.path.join(LABGRID_DIR, "board.yaml")
    target = Environment(board).get_target("main")
    driver = target.get_driver("PynqRemoteDriver", activate=False)
    service = driver.networkservice
    if (service.name, service.port) != ("pynq-remote", 7967):
        problems.append(f"{board}: PynqRemoteDriver binds {service.name}:{service.port}, "
                        "want the NetworkService pynq-remote, port 7967")
    strategy = target.get_driver("PynqRemoteStrategy", activate=False)
    if strategy.pynq is not driver or strategy.ssh is None \
            or strategy.ssh.networkservice.name != "ssh":
        problems.append(f"{board}: the strategy does not bind the board's driver and its SSH")
    with open(os.path.join(LABGRID_DIR, "place.yaml")) as f:
        place = load(f)
    with open(os.path.join(LABGRID_DIR, "exporter.yaml")) as f:
        exported = {name for group in load(f).values() for name in group if name != "location"}
    for item in place["targets"]["main"]["drivers"]:
        (driver_name, args), = item.items()
        for binding, name in (args or {}).get("bindings", {}).items():
            if name not in exported:
                problems.append(f"place.yaml: {driver_name}'s {binding} is '{name}', which "
                                f"exporter.yaml does not export ({sorted(exported)})")
    if not problems:
        print("ok: board.yaml binds its board; place.yaml binds what exporter.yaml exports")
    return problems


def main():
    missing = labgrid_missing()
    if missing:
        if os.environ.get("CI", "").strip().lower() == "true":
            print("FAIL: CI=true: " + missing)
            return 1
        print("SKIP: " + missing)
        return SKIP
    server_binary = os.environ.get("PYNQ_REMOTE_SERVER")
    if not server_binary or not os.environ.get("PYNQ_REMOTE_DESIGNS"):
        print("FAIL: PYNQ_REMOTE_SERVER and PYNQ_REMOTE_DESIGNS must be set (run through ctest)")
        return 1
    selection = sys.argv[1:] or DEFAULT_SELECTION
    problems = check_shipped_environments()
    problems += check_suite_runs_on_the_sim_board(server_binary, selection)
    problems += check_board_never_ready(selection)
    problems += check_no_network_service(selection)
    if problems:
        print("FAIL:\n" + "\n".join(problems))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
