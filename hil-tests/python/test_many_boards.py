"""Several simulated boards in one server process (pynq-remote-server --boards N): each is a
board of its own to the PYNQ flow (design, MMIO, buffers, DMA, root, health), they run DMA
at the same time, and the flags that name files and ports give each board its own; the
command lines that cannot work are refused with the reason."""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

import grpc
import numpy as np
import pytest

import pynq_remote as pynq

from conftest import budget, free_port
from test_overlay_designs import loopback

pytestmark = [
    pytest.mark.skipif(bool(os.environ.get("PYNQ_REMOTE_DEVICES")),
                       reason="starts its own simulated servers"),
    pytest.mark.skipif(os.environ.get("PYNQ_REMOTE_BACKEND", "sim") != "sim",
                       reason="--boards is the simulated board's (a real board is one a process)"),
]

REGS, SCRATCH0 = 0xA0000000, 0x10
HEALTH_CHECK = "/grpc.health.v1.Health/Check"
SERVING = b"\x08\x01"  # HealthCheckResponse{status: SERVING}


def server_binary():
    binary = os.environ.get("PYNQ_REMOTE_SERVER")
    if not binary:
        pytest.skip("PYNQ_REMOTE_SERVER is not set (run through ctest)")
    return binary


class ManyBoards:
    """One pynq-remote-server serving ``count`` boards; ``addresses`` in board order."""

    def __init__(self, count, *args, listen="127.0.0.1:0"):
        self.proc = subprocess.Popen(
            [server_binary(), "--boards", str(count), "--listen", listen, "--log-level", "warn",
             *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.addresses, self.output = [], []
        deadline = time.monotonic() + budget(60)
        while len(self.addresses) < count and time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            self.output.append(line)
            if "listening on" in line:
                self.addresses.append(line.split("listening on ", 1)[1].strip())
        if len(self.addresses) < count:
            self.stop()
            raise AssertionError("the server did not start its boards:\n" + self.text())

    def text(self):
        return "".join(self.output)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=budget(20))
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.output.append(self.proc.stdout.read())
        return self.proc.returncode


def refused(*args):
    """The server's exit code and output for a command line it must refuse."""
    done = subprocess.run([server_binary(), "--log-level", "warn", *args], capture_output=True,
                          text=True, timeout=60)
    return done.returncode, done.stdout + done.stderr


def healthy(address):
    with grpc.insecure_channel(address) as channel:
        check = channel.unary_unary(HEALTH_CHECK)
        return check(b"", timeout=budget(5)) == SERVING


@pytest.fixture
def root():
    path = tempfile.mkdtemp(prefix="pynq-remote-boards-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_each_board_is_a_board_of_its_own(designs, root):
    boards = ManyBoards(3, "--root", root)
    try:
        assert len(set(boards.addresses)) == 3
        devs = [pynq.RemoteDevice(i, a) for i, a in enumerate(boards.addresses)]
        assert all(healthy(a) for a in boards.addresses)
        # Different designs on two boards, none on the third.
        pynq.Bitstream(f"{designs}/ref_accel/ref_accel.bit", device=devs[0]).download()
        dma_overlay = pynq.Overlay(f"{designs}/dma_loopback/dma_loopback.bit", device=devs[1])
        assert "axi_dma_0" in dma_overlay.ip_dict
        for i in range(3):
            assert os.path.isdir(os.path.join(root, f"board-{i}"))
        assert os.listdir(os.path.join(root, "board-0", "lib", "firmware")) != \
            os.listdir(os.path.join(root, "board-1", "lib", "firmware"))
        assert not os.path.exists(os.path.join(root, "board-2", "lib", "firmware",
                                               "ref_accel.bin"))
        regs = pynq.MMIO(REGS, 0x1000, device=devs[0])
        regs.write(SCRATCH0, 0x5A5A1234)
        assert regs.read(SCRATCH0) == 0x5A5A1234
        # The third board has no design.
        with pytest.raises(pynq.exceptions.NotProgrammedError):
            pynq.MMIO(REGS, 0x1000, device=devs[2]).read(SCRATCH0)
        # Buffers are per board: the same size on each, its own bytes.
        bufs = [pynq.allocate((1 << 16,), np.uint32, target=d) for d in devs]
        for i, buf in enumerate(bufs):
            buf[:] = np.arange(1 << 16, dtype=np.uint32) * (i + 1)
        for i, buf in enumerate(bufs):
            buf.invalidate()
            assert np.array_equal(np.asarray(buf), np.arange(1 << 16, dtype=np.uint32) * (i + 1))
            buf.freebuffer()
        # DMA on board 1 while board 0's register file is hammered: the boards' simulations
        # take turns on the one kernel and neither sees the other's traffic.
        data = np.random.default_rng(7).integers(0, 256, 1 << 20, dtype=np.uint8)
        errors = []

        def hammer():
            try:
                for value in range(300):
                    regs.write(SCRATCH0, value)
                    assert regs.read(SCRATCH0) == value
            except Exception as e:  # reported by the main thread
                errors.append(e)

        thread = threading.Thread(target=hammer)
        thread.start()
        out = loopback(dma_overlay.axi_dma_0, devs[1], data)
        thread.join()
        assert not errors, errors
        assert np.array_equal(out, data)
        for dev in devs:
            dev.close()
        t0 = time.monotonic()
        assert boards.stop() == 0, boards.text()
        assert time.monotonic() - t0 < budget(3), "the boards took too long to stop"
    finally:
        boards.stop()


def test_dma_on_two_boards_at_once(designs):
    boards = ManyBoards(2)
    try:
        devs = [pynq.RemoteDevice(i, a) for i, a in enumerate(boards.addresses)]
        overlays = [pynq.Overlay(f"{designs}/dma_loopback/dma_loopback.bit", device=d)
                    for d in devs]
        rng = np.random.default_rng(11)
        data = [rng.integers(0, 256, 512 << 10, dtype=np.uint8) for _ in devs]
        outs, errors = [None, None], []

        def run(i):
            try:
                for _ in range(3):
                    outs[i] = loopback(overlays[i].axi_dma_0, devs[i], data[i])
            except Exception as e:
                errors.append(e)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors
        for i in range(2):
            assert np.array_equal(outs[i], data[i]), f"board {i} got another board's data"
        for dev in devs:
            dev.close()
    finally:
        boards.stop()


def consecutive_free_ports(count):
    """A base port with ``count`` free ports from it (best effort: a port can be taken
    between this check and the server's bind, which the caller retries)."""
    for _ in range(50):
        base = free_port()
        if base + count > 65535:
            continue
        taken = False
        for port in range(base, base + count):
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    taken = True
                    break
        if not taken:
            return base
    pytest.fail("no run of free ports on this machine")


def test_board_k_listens_on_port_plus_k():
    for attempt in range(5):
        base = consecutive_free_ports(3)
        try:
            boards = ManyBoards(3, listen=f"127.0.0.1:{base}")
        except AssertionError as e:
            if "address in use" in str(e) and attempt < 4:
                continue  # another process took one of the ports in between
            raise
        try:
            assert boards.addresses == [f"127.0.0.1:{base + k}" for k in range(3)]
            assert all(healthy(a) for a in boards.addresses)
        finally:
            boards.stop()
        return


def test_unix_sockets_and_traces_get_a_board_suffix(designs):
    where = tempfile.mkdtemp(prefix="pqb-")  # short: sun_path holds 107 bytes
    try:
        boards = ManyBoards(2, "--trace", os.path.join(where, "wave.fst"),
                            listen=f"unix:{where}/pynq.sock")
        try:
            assert boards.addresses == [f"unix:{where}/pynq-0.sock",
                                        f"unix:{where}/pynq-1.sock"]
            for i, address in enumerate(boards.addresses):
                dev = pynq.RemoteDevice(i, address)
                pynq.Bitstream(f"{designs}/ref_accel/ref_accel.bit", device=dev).download()
                regs = pynq.MMIO(REGS, 0x1000, device=dev)
                regs.write(SCRATCH0, i + 1)
                assert regs.read(SCRATCH0) == i + 1
                dev.close()
            assert boards.stop() == 0, boards.text()
        finally:
            boards.stop()
        assert not os.path.exists(f"{where}/pynq-0.sock")  # removed at a clean stop
        for i in range(2):
            assert os.path.getsize(os.path.join(where, f"wave-{i}.fst")) > 0
        assert not os.path.exists(os.path.join(where, "wave.fst"))
    finally:
        shutil.rmtree(where, ignore_errors=True)


def test_state_dir_keeps_each_boards_state_apart(root):
    boards = ManyBoards(2, "--state-dir", root)
    try:
        for i, address in enumerate(boards.addresses):
            dev = pynq.RemoteDevice(i, address)
            buf = pynq.allocate((4096,), np.uint8, target=dev)
            buf[:] = i + 1
            dev.close()
        assert boards.stop() == 0, boards.text()
    finally:
        boards.stop()
    for i in range(2):
        assert os.path.isfile(os.path.join(root, f"board-{i}", "ddr.img"))
        assert os.path.isdir(os.path.join(root, f"board-{i}", "root"))


def test_command_lines_that_cannot_work_are_refused():
    code, out = refused("--boards", "0")
    assert code == 2 and "--boards" in out, out
    code, out = refused("--boards", "many")
    assert code == 2 and "--boards" in out, out
    code, out = refused("--boards", "2", "--backend", "zynq", "--root", tempfile.gettempdir())
    assert code == 2 and "serves the one board it runs on" in out, out
    code, out = refused("--boards", "3", "--listen", "127.0.0.1:65534")
    assert code == 1 and "go past 65535" in out and "port 0" in out, out


def test_a_board_that_cannot_listen_stops_the_whole_server():
    # Board 1's port is taken: the server names that board and exits, board 0 with it.
    base = consecutive_free_ports(2)
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", base + 1))
        squatter.listen()
        proc = subprocess.run([server_binary(), "--boards", "2", "--listen",
                               f"127.0.0.1:{base}", "--log-level", "warn"],
                              capture_output=True, text=True, timeout=60)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert f"board 1: cannot listen on 127.0.0.1:{base + 1}" in out, out
    assert "listening on" not in out, out


def test_sigterm_with_a_client_on_every_board_exits_promptly():
    boards = ManyBoards(4)
    try:
        devs = [pynq.RemoteDevice(i, a) for i, a in enumerate(boards.addresses)]
        bufs = [pynq.allocate((1 << 20,), np.uint8, target=d) for d in devs]
        for buf in bufs:
            buf[:] = 9
        t0 = time.monotonic()
        boards.proc.send_signal(signal.SIGTERM)
        assert boards.proc.wait(timeout=budget(20)) == 0
        assert time.monotonic() - t0 < budget(3), "the server took too long to exit"
        for dev in devs:
            dev.close()
    finally:
        boards.stop()
