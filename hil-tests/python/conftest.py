"""The board under test: a simulated board started here on a free loopback port, or the
board(s) named by PYNQ_REMOTE_DEVICES, so the same suite runs on hardware unchanged.

Environment:
  PYNQ_REMOTE_DEVICES   host[:port] of a running board; when unset, a sim server is started
  PYNQ_REMOTE_SERVER    the pynq-remote-server binary (set by ctest)
  PYNQ_REMOTE_DESIGNS   the build's designs/ directory (set by ctest)
  PYNQ_REMOTE_SANITIZER_LOG_DIR
                        the server is a sanitizer build (ci/sanitize.sh): every server this
                        session starts writes its sanitizer reports to DIR/sanitizer.<pid>; a
                        report, or a server that does not exit 0 on SIGTERM, fails the session
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

import pynq_remote  # noqa: E402
from pynq_remote.pl_server.device import Device  # noqa: E402


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
    """A pynq-remote-server --backend sim child process on a free loopback port.

    ``env``: the child's whole environment (None: this process's).
    """

    def __init__(self, *extra_args, env=None):
        binary = os.environ.get("PYNQ_REMOTE_SERVER")
        if not binary:
            pytest.skip("PYNQ_REMOTE_SERVER is not set (run through ctest)")
        self.root = tempfile.TemporaryDirectory(prefix="pynq-remote-root-")
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        if SANITIZER_LOG_DIR and env is not None:
            env = _with_sanitizer_logs(dict(env))
        self.proc = subprocess.Popen(
            [binary, "--backend", "sim", "--listen", self.address, "--root", self.root.name,
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


@pytest.fixture(scope="session")
def board_address():
    """host:port of the board under test."""
    named = os.environ.get("PYNQ_REMOTE_DEVICES", "").split(",")[0].strip()
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


@pytest.fixture(scope="session")
def ref_accel(device, designs):
    """The reference design, programmed once for the session."""
    bitfile = os.path.join(designs, "ref_accel", "ref_accel.bit")
    pynq_remote.Bitstream(bitfile, device=device).download()
    return bitfile
