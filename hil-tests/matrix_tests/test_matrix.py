"""hil-tests/matrix.py run as a user runs it, against real simulated boards: a clean matrix
over two profiles through each local runner, and its faults: a board that dies mid-suite, a
board that never becomes ready, two testers on one board, and the runners that need what this
host lacks (kubectl, a cluster).

Needs PYNQ_REMOTE_SERVER and PYNQ_REMOTE_DESIGNS (set by ctest: matrix_pytest).
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
MATRIX = os.path.normpath(os.path.join(HERE, "..", "matrix.py"))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..", "..", "client", "python")))
import pynq_remote  # noqa: E402

SERVER = os.environ.get("PYNQ_REMOTE_SERVER")
DESIGNS = os.environ.get("PYNQ_REMOTE_DESIGNS")
pytestmark = pytest.mark.skipif(not (SERVER and DESIGNS),
                                reason="PYNQ_REMOTE_SERVER and PYNQ_REMOTE_DESIGNS are not set "
                                       "(run through ctest)")
# A whole matrix run, bounded so that a hang fails the test instead of the ctest timeout.
RUN_TIMEOUT_S = 300


def matrix(*args, env=None):
    """matrix.py with ``args``: its (exit status, output)."""
    done = subprocess.run([sys.executable, MATRIX, *args], capture_output=True, text=True,
                          timeout=RUN_TIMEOUT_S, env=env)
    return done.returncode, done.stdout + done.stderr


def rows(output):
    """{(board, design): (passed, failed, skipped)} of the summary table."""
    table = {}
    for line in output.splitlines():
        cells = line.split()
        if len(cells) == 7 and re.fullmatch(r"\S+:\d+", cells[0]) and cells[3].isdigit():
            table[(cells[0], cells[2])] = tuple(int(c) for c in cells[3:6])
    return table


class Board:
    """A simulated board, its log in a file the test can watch."""

    def __init__(self, tmp_path, name, *flags):
        self.root = tempfile.TemporaryDirectory(prefix="pynq-remote-root-")
        self.log = tmp_path / f"{name}.log"
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen(
                [SERVER, "--listen", "127.0.0.1:0", "--root", self.root.name,
                 "--log-level", "info", *flags], stdout=log, stderr=subprocess.STDOUT)
        self.address = self.wait_for(r"listening on (\S+:\d+)").group(1)

    def wait_for(self, pattern, timeout=120):
        """The first match of ``pattern`` in the server's log, waiting for it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.search(pattern, self.log.read_text())
            if found:
                return found
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"{pattern!r} not in {self.log}:\n{self.log.read_text()[-2000:]}")


@pytest.fixture
def boards(tmp_path):
    made = []

    def make(name, *flags):
        made.append(Board(tmp_path, name, *flags))
        return made[-1]

    yield make
    for board in made:
        if board.proc.poll() is None:
            board.proc.kill()
            board.proc.wait()
        board.root.cleanup()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- the matrix ------------------------------------------------------------------------------

@pytest.mark.parametrize("runner", ["xdist", "serial"])
def test_two_profiles_each_runner(runner, tmp_path):
    code, out = matrix("--sim", "2", "--profiles", "ZCU104,Pynq-Z2",
                       "--designs", "ref_accel,pynqz2_dma", "--runner", runner,
                       "--results", str(tmp_path))
    assert code == 0, out
    table = rows(out)
    # One board per profile, each with its family's design only.
    assert sorted(design for _, design in table) == ["pynqz2_dma", "ref_accel"], out
    for (board, design), (passed, failed, _) in table.items():
        assert passed > 0 and failed == 0, out
        junit = ET.parse(tmp_path / f"junit-{board.replace(':', '_')}.xml").getroot()
        assert len(junit.findall("testcase")) >= passed
    assert "matrix: 2 board(s)" in out and "PASSED" in out


def test_bad_arguments_name_what_is_wrong(tmp_path):
    code, out = matrix("--sim", "1", "--profiles", "ZCU105", "--results", str(tmp_path))
    assert code == 2 and "no board profile 'ZCU105'" in out and "ZCU104" in out
    code, out = matrix("--sim", "1", "--designs", "ref_acel", "--results", str(tmp_path))
    assert code == 2 and "no design 'ref_acel'" in out and "ref_accel" in out
    code, out = matrix("--sim", "1", "--profiles", "ZCU104,Pynq-Z2")
    assert code == 2 and "fewer boards than --profiles" in out


# -- faults --------------------------------------------------------------------------------

def test_a_board_that_dies_mid_suite_is_named_and_the_others_finish(boards, tmp_path):
    survivor, victim = boards("survivor"), boards("victim")
    # The worker testing on the victim kills its server as its second test starts
    # (kill_board_plugin.py): mid-suite however the loaded machine deals the tests out.
    env = dict(os.environ, PYNQ_REMOTE_KILL_BOARD=victim.address,
               PYNQ_REMOTE_KILL_PID=str(victim.proc.pid),
               PYTHONPATH=os.pathsep.join(p for p in (HERE, os.environ.get("PYTHONPATH")) if p))
    code, out = matrix("--boards", f"{survivor.address},{victim.address}",
                       "--designs", "ref_accel", "--runner", "xdist",
                       "--results", str(tmp_path / "out"), "--", "-p", "kill_board_plugin",
                       env=env)
    assert victim.proc.wait(timeout=10) == -signal.SIGKILL, out
    assert code == 1, out
    assert f"DEAD: board {victim.address} (ZCU104) stopped answering during the run" in out
    assert f"DEAD: board {survivor.address}" not in out
    passed, failed, _ = rows(out)[(survivor.address, "ref_accel")]
    assert passed > 0 and failed == 0, out


def test_a_board_that_never_becomes_ready_is_named_before_any_test(boards, tmp_path):
    good = boards("good")
    nothing = f"127.0.0.1:{free_port()}"  # nothing listens there
    with socket.socket() as mute:  # listens, never answers: the handshake never completes
        mute.bind(("127.0.0.1", 0))
        mute.listen()
        silent = "127.0.0.1:%d" % mute.getsockname()[1]
        code, out = matrix("--boards", f"{good.address},{nothing},{silent}",
                           "--ready-timeout", "2", "--results", str(tmp_path))
    assert code == 3, out
    assert f"board {nothing} not ready within 2 s" in out
    assert f"board {silent} not ready within 2 s" in out
    assert good.address not in out
    assert not list(tmp_path.glob("*.xml")), "tests ran although a board was not ready"
    assert "session" not in good.log.read_text(), "a test touched the good board"


def test_a_board_another_tester_holds_is_refused_then_free_again(boards, tmp_path):
    board = boards("shared")
    other = pynq_remote.RemoteDevice(0, board.address)  # a client with a session: a tester
    try:
        code, out = matrix("--boards", board.address, "--designs", "dma_sg_loopback",
                           "--runner", "serial", "--results", str(tmp_path / "refused"))
    finally:
        other.close()
    assert code == 3, out
    assert f"board {board.address} (ZCU104) is in use: 1 other session(s)" in out
    assert not list((tmp_path / "refused").glob("*.xml"))
    # Its session ends within the grace period: the board is free again.
    code, out = matrix("--boards", board.address, "--designs", "dma_sg_loopback",
                       "--runner", "serial", "--results", str(tmp_path / "free"))
    assert code == 0, out


def test_two_matrix_runs_on_one_board_the_second_is_refused(boards, tmp_path):
    board = boards("shared")
    first = subprocess.Popen(
        [sys.executable, MATRIX, "--boards", board.address, "--designs", "dma_sg_loopback",
         "--runner", "serial", "--results", str(tmp_path / "first")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        # The first run holds the board once it says so; stopped there, it stays holding it
        # for as long as the second run looks, whatever the machine's load.
        assert "ready" in first.stdout.readline()
        first.send_signal(signal.SIGSTOP)
        code, out = matrix("--boards", board.address, "--designs", "dma_sg_loopback",
                           "--runner", "serial", "--results", str(tmp_path / "second"))
        first.send_signal(signal.SIGCONT)
        rest, _ = first.communicate(timeout=RUN_TIMEOUT_S)
    finally:
        if first.poll() is None:
            first.send_signal(signal.SIGCONT)
            first.kill()
            first.communicate()
    assert code == 3 and f"board {board.address} (ZCU104) is in use" in out, out
    assert first.returncode == 0, rest


# -- runners this host cannot run ------------------------------------------------------------

@pytest.fixture
def kube_dir(tmp_path):
    """A stand-in for deploy/kubernetes: the runner checks kubectl and the cluster first."""
    (tmp_path / "kube" / "boards").mkdir(parents=True)
    (tmp_path / "kube" / "hil-tests").mkdir()
    (tmp_path / "kube" / "hil-tests" / "job.yaml").write_text("kind: Job\n")
    return str(tmp_path / "kube")


def test_kubernetes_without_kubectl_says_so(kube_dir, tmp_path):
    env = dict(os.environ, PATH=str(tmp_path))  # no kubectl there
    code, out = matrix("--sim", "2", "--runner", "kubernetes", "--kubernetes-dir", kube_dir,
                       env=env)
    assert code == 3 and "kubectl is not on PATH" in out, out


def test_kubernetes_without_manifests_names_the_missing_file(tmp_path):
    if not shutil.which("kubectl"):
        pytest.skip("kubectl is not installed")
    code, out = matrix("--sim", "2", "--runner", "kubernetes",
                       "--kubernetes-dir", str(tmp_path / "none"))
    assert code == 3 and f"{tmp_path}/none/hil-tests/job.yaml is missing" in out, out


def test_kubernetes_without_a_cluster_says_so(kube_dir, tmp_path):
    if not shutil.which("kubectl"):
        pytest.skip("kubectl is not installed")
    config = tmp_path / "kubeconfig"
    config.write_text(f"""apiVersion: v1
kind: Config
clusters: [{{name: none, cluster: {{server: "https://127.0.0.1:{free_port()}"}}}}]
contexts: [{{name: none, context: {{cluster: none, user: none}}}}]
users: [{{name: none, user: {{}}}}]
current-context: none
""")
    env = dict(os.environ, KUBECONFIG=str(config))
    code, out = matrix("--sim", "2", "--runner", "kubernetes", "--kubernetes-dir", kube_dir,
                       env=env)
    assert code == 3 and "no Kubernetes cluster answers kubectl" in out, out
