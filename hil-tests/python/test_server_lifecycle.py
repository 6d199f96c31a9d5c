"""The server process itself: idle cost, and a prompt clean exit with clients connected."""

import os
import signal
import time

import numpy as np
import pytest

import pynq_remote as pynq

from conftest import SimServer, budget

pytestmark = pytest.mark.skipif(bool(os.environ.get("PYNQ_REMOTE_DEVICES")),
                                reason="starts its own simulated servers")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_idle_server_uses_under_one_percent_of_a_core(designs):
    server = SimServer()
    try:
        dev = pynq.RemoteDevice(0, server.address)
        pynq.Bitstream(f"{designs}/ref_accel/ref_accel.bit", device=dev).download()
        regs = pynq.MMIO(0xA0000000, 0x1000, device=dev)
        regs.write(0x10, 1)
        time.sleep(budget(0.5))  # past the trailing window
        before = cpu_seconds(server.proc.pid)
        time.sleep(3.0)
        used = cpu_seconds(server.proc.pid) - before
        assert used < 0.03, f"idle server used {used * 1000:.0f} ms of CPU in 3 s"
        assert regs.read(0x10) == 1
    finally:
        server.stop()


@pytest.mark.parametrize("attempt", range(4))
def test_sigterm_exits_promptly_while_a_client_stays_connected(attempt):
    server = SimServer()
    try:
        dev = pynq.RemoteDevice(0, server.address)
        buf = pynq.allocate((4 << 20,), np.uint8, target=dev)
        buf[:] = 3
        assert buf.tobytes()[:4] == b"\x03" * 4  # a whole-buffer read stream
        t0 = time.monotonic()
        server.proc.send_signal(signal.SIGTERM)
        assert server.proc.wait(timeout=20) == 0
        assert time.monotonic() - t0 < budget(3), "the server took too long to exit"
        dev.close()
    finally:
        server.stop()
