"""The local transport: pynq-remote-server on a unix socket (--listen unix:PATH), reached by
pynq_remote through PYNQ_REMOTE_DEVICES=unix:PATH, and the server's checks of the path."""

import os
import shutil
import socket
import stat
import subprocess
import tempfile
import time

import numpy as np
import pytest

import pynq_remote as pynq
from pynq_remote.pl_server.device import Device
from pynq_remote.pl_server.security import AuthenticationError, ConnectError

from conftest import SimServer, free_port

pytestmark = pytest.mark.skipif(bool(os.environ.get("PYNQ_REMOTE_DEVICES")),
                                reason="starts its own simulated servers")

REGS, SCRATCH0 = 0xA0000000, 0x10
TOKEN = "unix-Token_0123456789"


@pytest.fixture
def sock_dir():
    # Short, under /tmp: pytest's tmp_path can pass sun_path's 107 bytes on its own.
    path = tempfile.mkdtemp(prefix="pqr-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(autouse=True)
def no_token_in_environment(monkeypatch):
    monkeypatch.delenv("PYNQ_REMOTE_TOKEN", raising=False)


def run_server(*args):
    """Runs the server binary until its "listening" line or its exit; returns (exit code or
    None while it serves, its output). A serving server is stopped with SIGTERM."""
    binary = os.environ.get("PYNQ_REMOTE_SERVER")
    if not binary:
        pytest.skip("PYNQ_REMOTE_SERVER is not set (run through ctest)")
    proc = subprocess.Popen([binary, "--log-level", "warn", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    output = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        output.append(line)
        if "listening on" in line or (not line and proc.poll() is not None):
            break
    code = proc.poll()
    if code is None:
        proc.terminate()
        proc.wait(timeout=30)
    output.append(proc.stdout.read())
    return code, "".join(output)


def round_trip(dev, designs):
    pynq.Bitstream(f"{designs}/ref_accel/ref_accel.bit", device=dev).download()
    regs = pynq.MMIO(REGS, 0x1000, device=dev)
    regs.write(SCRATCH0, 0xC0FFEE11)
    assert regs.read(SCRATCH0) == 0xC0FFEE11
    buf = pynq.allocate((1 << 20,), np.uint32, target=dev)  # 4 MiB: streamed both ways
    data = np.arange(1 << 20, dtype=np.uint32)
    buf[:] = data
    assert np.array_equal(np.asarray(buf), data)
    buf.freebuffer()


def test_mmio_and_buffers_over_a_unix_socket(sock_dir, designs, monkeypatch):
    path = os.path.join(sock_dir, "board.sock")
    # TCP first, so SimServer waits on (and its address is) the TCP line; the unix line next.
    server = SimServer("--listen", f"unix:{path}")
    try:
        # SimServer read the first "listening on" line; one per --listen follows.
        assert server.proc.stdout.readline() == f"pynq-remote-server listening on unix:{path}\n"
        mode = os.stat(path).st_mode
        assert stat.S_ISSOCK(mode) and stat.S_IMODE(mode) == 0o660
        monkeypatch.setenv("PYNQ_REMOTE_DEVICES", f"unix://{path}, {server.address}")
        saved = Device._devices, Device._active_device
        Device.reset_registry()
        try:
            local, tcp = Device.devices
            assert (local.ip_addr, local.port, local.address) == (f"unix:{path}", None,
                                                                  f"unix:{path}")
            assert repr(local) == f"<RemoteDevice remote0 at unix:{path}>"
            assert tcp.port == server.port
            round_trip(local, designs)
            # One board behind both addresses: what one wrote, the other reads.
            assert pynq.MMIO(REGS, 0x1000, device=tcp).read(SCRATCH0) == 0xC0FFEE11
            local.close()
            tcp.close()
        finally:
            Device._devices, Device._active_device = saved
    finally:
        server.stop()
    assert not os.path.exists(path), "a clean stop leaves no socket file behind"


def test_listen_mode_and_token(sock_dir, designs, tmp_path):
    path = os.path.join(sock_dir, "board.sock")
    tokens = tmp_path / "tokens"
    tokens.write_text(TOKEN + "\n")
    server = SimServer("--listen", f"unix:{path}", "--listen-mode", "0600",
                       "--token-file", str(tokens))
    try:
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        # A unix socket is this machine's: the token may travel without TLS, as on loopback.
        dev = pynq.RemoteDevice(0, f"unix:{path}", token=TOKEN)
        round_trip(dev, designs)
        dev.close()
        with pytest.raises(AuthenticationError, match="requires a bearer token"):
            pynq.RemoteDevice(1, f"unix:{path}")
    finally:
        server.stop()


def test_client_errors_name_the_socket(sock_dir):
    missing = os.path.join(sock_dir, "nobody.sock")
    with pytest.raises(ConnectError, match=f"unix:{missing}"):
        pynq.RemoteDevice(0, f"unix:{missing}")
    with pytest.raises(ValueError, match="has no port"):
        pynq.RemoteDevice(0, f"unix:{missing}", port=7967)


def test_stale_socket_is_removed_and_logged(sock_dir):
    path = os.path.join(sock_dir, "stale.sock")
    # What a killed server leaves: a socket file nothing listens on.
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.bind(path)
    assert stat.S_ISSOCK(os.stat(path).st_mode)
    code, output = run_server("--listen", f"unix:{path}")
    assert code is None, output
    assert f"removed the stale socket {path}" in output
    assert f"listening on unix:{path}" in output


def test_a_live_server_keeps_its_socket(sock_dir, designs):
    path = os.path.join(sock_dir, "live.sock")
    server = SimServer("--listen", f"unix:{path}")
    try:
        code, output = run_server("--listen", f"127.0.0.1:{free_port()}", "--listen",
                                  f"unix:{path}")
        assert code == 1, output
        assert f"unix:{path}: another server is serving there (pid {server.proc.pid}" in output
        assert "listening on" not in output
        # The first server still has its socket and its clients.
        dev = pynq.RemoteDevice(0, f"unix:{path}")
        assert dev.get_arch()
        dev.close()
    finally:
        server.stop()


@pytest.mark.parametrize("case", ["relative", "no directory", "regular file", "directory",
                                  "too long", "authority", "mode"])
def test_bad_socket_paths_exit_1_naming_them(case, sock_dir):
    regular = os.path.join(sock_dir, "notes.txt")
    with open(regular, "w") as f:
        f.write("a user's file\n")
    subdir = os.path.join(sock_dir, "sub")
    os.mkdir(subdir)
    long_path = os.path.join(sock_dir, "x" * (108 - len(sock_dir)))
    args, message, exit_code = {
        "relative": (("--listen", "unix:board.sock"),
                     "board.sock is a relative path", 1),
        "no directory": (("--listen", f"unix:{sock_dir}/none/board.sock"),
                         f"the directory {sock_dir}/none does not exist: create it first", 1),
        "regular file": (("--listen", f"unix:{regular}"),
                         f"{regular} exists and is a regular file, not a socket; the server will "
                         "not delete it", 1),
        "directory": (("--listen", f"unix:{subdir}"),
                      f"{subdir} exists and is a directory, not a socket", 1),
        "too long": (("--listen", f"unix:{long_path}"),
                     f"the path is {len(long_path)} bytes, and a unix socket's path holds at "
                     "most 107", 1),
        "authority": (("--listen", "unix://board.sock"), "write unix:/absolute/path", 1),
        "mode": (("--listen", f"unix:{sock_dir}/b.sock", "--listen-mode", "0999"),
                 "--listen-mode wants an octal mode up to 0777", 2),
    }[case]
    code, output = run_server(*args)
    assert code == exit_code, output
    assert message in output
    assert "listening" not in output
    with open(regular) as f:
        assert f.read() == "a user's file\n"
    assert os.path.isdir(subdir)


def test_no_plaintext_warning_for_a_unix_socket(sock_dir):
    code, output = run_server("--listen", f"unix:{sock_dir}/b.sock")
    assert code is None, output
    assert "WARN" not in output, output
