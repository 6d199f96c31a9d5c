"""The board under test: a simulated board started here on a free loopback port, or the
board(s) named by PYNQ_REMOTE_DEVICES, so the same suite runs on hardware unchanged.

Environment:
  PYNQ_REMOTE_DEVICES   host[:port] of a running board; when unset, a sim server is started
  PYNQ_REMOTE_SERVER    the pynq-remote-server binary (set by ctest)
  PYNQ_REMOTE_DESIGNS   the build's designs/ directory (set by ctest)
"""

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


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
        self.proc = subprocess.Popen(
            [binary, "--backend", "sim", "--listen", self.address, "--root", self.root.name,
             "--log-level", "warn", *extra_args],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if "listening" in line:
                return
            if not line and self.proc.poll() is not None:
                break
        self.stop()
        raise RuntimeError(f"pynq-remote-server did not start on {self.address}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.root.cleanup()


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
