"""The board under test: a simulated board started here on a free loopback port, or the
board(s) named by PYNQ_REMOTE_DEVICES, so the same suite runs on hardware unchanged.

Environment:
  PYNQ_REMOTE_DEVICES   host[:port] of a running board; when unset, a server is started
                        (pytest --lg-env ENV.yaml sets it from labgrid: labgrid_board.py)
  PYNQ_REMOTE_BACKEND   the backend of the servers started here: sim (default), or zynq,
                        the hardware backend, on a fake board tree made for each server
                        (hil-tests/fake_board/make_fake_board.py). A fake board has no logic
                        behind its registers, so the tests that need the PL's behaviour
                        (FAKE_BOARD_SKIPS below) are skipped, each with its reason
  PYNQ_REMOTE_SERVER    the pynq-remote-server binary (set by ctest)
  PYNQ_REMOTE_DESIGNS   the build's designs/ directory (set by ctest)
  PYNQ_REMOTE_SANITIZER_LOG_DIR
                        the server is a sanitizer build (ci/sanitize.sh): every server this
                        session starts writes its sanitizer reports to DIR/sanitizer.<pid>; a
                        report, or a server that does not exit 0 on SIGTERM, fails the session
  PYNQ_REMOTE_TIME_SCALE
                        how many times slower than a normal build the server under test runs
                        (ci/sanitize.sh sets it for sanitizer builds; default 1, or 4 with
                        PYNQ_REMOTE_SANITIZER_LOG_DIR): every wall-time budget of a test is
                        multiplied by it (budget()), never what a test asserts about results
  PYNQ_REMOTE_TESTDATA_DIR
                        third-party test data (client/python/tests/third_party_data.py)

Every test that uses a design downloads it itself (a function-scoped fixture), so a test that
leaves the PL or a DMA in a bad state cannot fail the tests after it.
"""

import glob
import os
import socket
import subprocess
import sys
import tempfile
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..", "..", "client", "python")))
# third_party_data: the one place that finds third-party test data (PYNQ_REMOTE_TESTDATA_DIR).
sys.path.append(os.path.normpath(os.path.join(HERE, "..", "..", "client", "python", "tests")))

import pynq_remote  # noqa: E402
from pynq_remote.pl_server.device import Device  # noqa: E402

sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..", "fake_board")))
from make_fake_board import make_fake_board  # noqa: E402
import labgrid_board  # noqa: E402

BACKEND = os.environ.get("PYNQ_REMOTE_BACKEND", "sim")
if BACKEND not in ("sim", "zynq"):
    raise RuntimeError(f"PYNQ_REMOTE_BACKEND={BACKEND}: want sim or zynq")
FAKE_BOARD = BACKEND == "zynq" and not os.environ.get("PYNQ_REMOTE_DEVICES")
# Flags only the simulated board has; a test that needs one is skipped on the zynq backend.
_SIM_ONLY_FLAGS = ("--deterministic", "--bus-timeout-us", "--pl-clock-mhz", "--trace")


# Sanitizer reports go to files rather than the server's stderr, which tests read. The options
# go into this process's environment so that every server started here inherits them, also
# those the tests start themselves; Python is not a sanitizer build and ignores them.
SANITIZER_LOG_DIR = os.environ.get("PYNQ_REMOTE_SANITIZER_LOG_DIR")
_SANITIZER_OPTIONS = ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "TSAN_OPTIONS")
# What a report says; anything else in a log (a warning) is shown but does not fail.
_SANITIZER_REPORT = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                     "WARNING: ThreadSanitizer", "SUMMARY: ")
_sanitizer_failures = []
_sanitizer_logs_reported = set()


def _time_scale():
    text = os.environ.get("PYNQ_REMOTE_TIME_SCALE", "").strip()
    if not text:
        return 4.0 if SANITIZER_LOG_DIR else 1.0
    try:
        scale = float(text)
    except ValueError:
        raise RuntimeError(f"PYNQ_REMOTE_TIME_SCALE={text!r}: want a number >= 1") from None
    if scale < 1:
        raise RuntimeError(f"PYNQ_REMOTE_TIME_SCALE={text!r}: want a number >= 1")
    return scale


TIME_SCALE = _time_scale()


def budget(seconds):
    """``seconds`` of wall time in a normal build, scaled for the build under test."""
    return seconds * TIME_SCALE


def _with_sanitizer_logs(env):
    """``env`` with each sanitizer's log_path in SANITIZER_LOG_DIR (the runtime adds .<pid>)."""
    log_path = f"log_path={os.path.join(SANITIZER_LOG_DIR, 'sanitizer')}"
    for name in _SANITIZER_OPTIONS:
        options = env.get(name, "")
        if log_path not in options:
            env[name] = f"{options}:{log_path}" if options else log_path
    return env


if SANITIZER_LOG_DIR:
    os.makedirs(SANITIZER_LOG_DIR, exist_ok=True)
    _with_sanitizer_logs(os.environ)


def _sanitizer_reports(pid="*"):
    """{log file: text} of the sanitizer logs of ``pid`` (all processes by default)."""
    logs = {}
    for path in sorted(glob.glob(os.path.join(SANITIZER_LOG_DIR, f"sanitizer.{pid}"))):
        with open(path, errors="replace") as f:
            logs[path] = f.read()
    return logs


def _sanitizer_failure(text):
    _sanitizer_failures.append(text)
    return text


def pytest_sessionstart(session):
    """pytest --lg-env ENV.yaml: the board comes from labgrid, as PYNQ_REMOTE_DEVICES."""
    global FAKE_BOARD
    if labgrid_board.take_board(session.config):
        FAKE_BOARD = False


def pytest_sessionfinish(session, exitstatus):
    """Fails the session on any sanitizer report, also from a server SimServer did not start."""
    if not SANITIZER_LOG_DIR:
        return
    for path, text in _sanitizer_reports().items():
        if path in _sanitizer_logs_reported:
            continue
        if any(marker in text for marker in _SANITIZER_REPORT):
            _sanitizer_failures.append(f"{path}:\n{text}")
        elif text.strip():
            print(f"\nsanitizer log {path} (no report):\n{text}", file=sys.stderr)
    if _sanitizer_failures:
        print("\nSANITIZER FAILURES:\n" + "\n\n".join(_sanitizer_failures), file=sys.stderr)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


# What a fake board cannot answer. Its registers are plain memory and its FPGA manager loads
# whatever it is given, so a test that observes the PL doing something (an IP core computing
# or answering with its ID, a DMA moving data, a slave erroring or stalling, an interrupt)
# has nothing to observe. Keys: "file.py" (every test in it) or "file.py::test_name" (and its
# parametrisations); values: why. Everything else runs on the fake board as on the sim.
FAKE_BOARD_SKIPS = {
    "test_client_e2e.py::test_cycle_counter_advances": "no PL clock counts cycles",
    "test_client_e2e.py::test_accelerator_against_numpy": "no accelerator computes",
    "test_client_e2e.py::test_unknown_bitstream_leaves_board_usable":
        "its FPGA manager accepts any bitstream",
    "test_client_e2e.py::test_download_bin_and_xsa": "no design answers with its ID register",
    "test_examples.py": "the examples need the resizer and the accelerator to compute",
    "test_faults.py::test_slave_error": "no slave answers SLVERR",
    "test_faults.py::test_decode_error": "no interconnect answers DECERR",
    "test_faults.py::test_the_wire_carries_the_token": "no slave answers SLVERR or DECERR",
    "test_faults.py::test_late_answer": "no slave stalls",
    "test_faults.py::test_no_server_thread_stays_stuck": "no slave stalls",
    "test_faults.py::test_send_that_never_drains": "no AXI DMA can hang",
    "test_faults.py::test_receive_with_no_data": "no AXI DMA can hang",
    "test_faults.py::test_timeout_shorter_than_the_stall_check": "no AXI DMA can hang",
    "test_faults.py::test_reset_after_a_stuck_send": "no AXI DMA can hang",
    "test_overlay.py::test_default_ip_and_register_map": "no design answers with its ID",
    "test_overlay.py::test_accelerator_started_through_register_map": "no accelerator computes",
    "test_overlay.py::test_user_driver_bound_by_vlnv": "no design answers with its ID",
    "test_overlay.py::test_field_value_out_of_range": "no design answers with its ID",
    "test_overlay.py::test_overlay_from_an_xsa": "no design answers with its ID",
    "test_overlay_designs.py::test_dma": "no AXI DMA moves data",
    "test_overlay_designs.py::test_gpio": "no AXI GPIO or interrupt controller",
    "test_overlay_designs.py::test_hls": "no HLS block computes",
    "test_resizer.py": "no resizer computes",
    "test_cli.py": "the command's selftest needs the PL's logic; hil_cli_pytest runs it on sim",
    "test_sessions.py::test_open_policy_is_31s_behaviour":
        "no interconnect answers DECERR for an unmapped PL address",
}


def pytest_collection_modifyitems(config, items):
    if not FAKE_BOARD:
        return
    for item in items:
        file_name = os.path.basename(str(item.fspath))
        test_name = item.name.split("[")[0]
        for key, reason in FAKE_BOARD_SKIPS.items():
            file_key, _, test_prefix = key.partition("::")
            if file_key == file_name and test_name.startswith(test_prefix):
                item.add_marker(pytest.mark.skip(reason=f"fake board: {reason}"))
                break


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(proc, timeout=30):
    """Reads a starting server's output until its "listening" line: True, or False when it
    exited or did not get there within ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if "listening" in line:
            return True
        if not line and proc.poll() is not None:
            return False
    return False


class SimServer:
    """A pynq-remote-server child process on a free loopback port: the simulated board, or
    with PYNQ_REMOTE_BACKEND=zynq the hardware backend on a fake board tree of its own.

    ``env``: the child's whole environment (None: this process's).
    """

    def __init__(self, *extra_args, env=None):
        binary = os.environ.get("PYNQ_REMOTE_SERVER")
        if not binary:
            pytest.skip("PYNQ_REMOTE_SERVER is not set (run through ctest)")
        sim_only = [a for a in extra_args if a in _SIM_ONLY_FLAGS]
        if BACKEND == "zynq" and sim_only:
            pytest.skip(f"{sim_only[0]} is a simulated-board flag (PYNQ_REMOTE_BACKEND=zynq)")
        self.root = tempfile.TemporaryDirectory(prefix="pynq-remote-root-")
        if BACKEND == "zynq":
            make_fake_board(self.root.name)
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        if SANITIZER_LOG_DIR and env is not None:
            env = _with_sanitizer_logs(dict(env))
        self.proc = subprocess.Popen(
            [binary, "--backend", BACKEND, "--listen", self.address, "--root", self.root.name,
             "--log-level", "warn", *extra_args],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        if wait_listening(self.proc):
            return
        self._stop(check_exit=False)
        raise RuntimeError(f"pynq-remote-server did not start on {self.address}")

    def stop(self):
        self._stop(check_exit=True)

    def _stop(self, check_exit):
        # A sanitizer build checks for leaks at exit, which takes a while.
        timeout = 60 if SANITIZER_LOG_DIR else 10
        killed = False
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                killed = True
        self.root.cleanup()
        if SANITIZER_LOG_DIR:
            self._check_sanitizers(check_exit, killed)

    def _check_sanitizers(self, check_exit, killed):
        """Raises (and fails the session) on a report in this server's log or, when it was
        asked to stop, on an exit other than 0. A SIGKILL from the test itself is no failure,
        but then no leak check ran."""
        problems = []
        code = self.proc.returncode
        if killed:
            problems.append("did not exit within 60 s of SIGTERM (killed; no leak check ran)")
        elif check_exit and code != 0 and code != -9:
            problems.append(f"exited with {code}")
        for path, text in _sanitizer_reports(self.proc.pid).items():
            if any(marker in text for marker in _SANITIZER_REPORT):
                _sanitizer_logs_reported.add(path)
                problems.append(f"sanitizer report in {path}:\n{text}")
        if problems:
            raise AssertionError(_sanitizer_failure(
                f"pynq-remote-server pid {self.proc.pid} on {self.address}: " +
                "\n".join(problems)))


def named_device():
    """The board PYNQ_REMOTE_DEVICES names for this process, or None: the first, or under
    pytest-xdist (hil-tests/matrix.py --runner xdist) worker gwN's own, the N-th."""
    names = [n.strip() for n in os.environ.get("PYNQ_REMOTE_DEVICES", "").split(",")]
    names = [n for n in names if n]
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not names or not worker.startswith("gw"):
        return names[0] if names else None
    index = int(worker[2:])
    if index >= len(names):
        raise RuntimeError(f"pytest-xdist worker {worker} has no board: PYNQ_REMOTE_DEVICES "
                           f"names {len(names)}; run as many workers (-n) as boards")
    return names[index]


@pytest.hookimpl(tryfirst=True)  # before a skip marker ends the setup
def pytest_runtest_setup(item):
    """Names the board in the JUnit XML (a <property>), for matrix.py's report per board."""
    named = named_device()
    if named:
        item.user_properties.append(("board", named))


@pytest.fixture(scope="session")
def board_address():
    """host:port of the board under test."""
    named = named_device()
    if named:
        yield named
        return
    server = SimServer()
    yield server.address
    server.stop()


@pytest.fixture(scope="session")
def device(board_address):
    """A connected RemoteDevice, also made the active device."""
    dev = pynq_remote.RemoteDevice(0, board_address)
    Device.active_device = dev
    yield dev
    Device.reset_registry()
    dev.close()


@pytest.fixture(scope="session")
def designs():
    path = os.environ.get("PYNQ_REMOTE_DESIGNS")
    if not path:
        pytest.skip("PYNQ_REMOTE_DESIGNS is not set (run through ctest)")
    return path


@pytest.fixture
def ref_accel(device, designs):
    """The reference design, freshly programmed for each test."""
    bitfile = os.path.join(designs, "ref_accel", "ref_accel.bit")
    pynq_remote.Bitstream(bitfile, device=device).download()
    return bitfile
