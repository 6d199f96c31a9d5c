"""Device discovery and several boards at once (two simulated boards on two ports)."""

import os

import numpy as np
import pytest

import pynq_remote as pynq
from pynq_remote.pl_server.device import Device

from conftest import SimServer

REGS, SCRATCH0 = 0xA0000000, 0x10


@pytest.fixture
def two_boards(designs):
    if os.environ.get("PYNQ_REMOTE_DEVICES"):
        pytest.skip("needs two simulated boards; a physical board is named")
    boards = [SimServer(), SimServer()]
    yield boards
    for board in boards:
        board.stop()


def test_devices_come_from_the_environment(two_boards, monkeypatch):
    monkeypatch.setenv("PYNQ_REMOTE_DEVICES", ",".join(b.address for b in two_boards))
    saved = Device._devices, Device._active_device
    Device.reset_registry()
    try:
        devices = Device.devices
        assert [d.port for d in devices] == [b.port for b in two_boards]
        assert [d.name for d in devices] == ["remote0", "remote1"]
        assert Device.active_device is devices[0]
        Device.active_device = devices[1]
        assert Device.active_device is devices[1]
    finally:
        Device._devices, Device._active_device = saved


def test_two_boards_hold_their_own_state(two_boards, designs):
    a, b = (pynq.RemoteDevice(i, board.address) for i, board in enumerate(two_boards))
    for dev in (a, b):
        pynq.Bitstream(f"{designs}/ref_accel/ref_accel.bit", device=dev).download()
    pynq.MMIO(REGS, 0x1000, device=a).write(SCRATCH0, 0xAAAA)
    pynq.MMIO(REGS, 0x1000, device=b).write(SCRATCH0, 0xBBBB)
    assert pynq.MMIO(REGS, 0x1000, device=a).read(SCRATCH0) == 0xAAAA
    assert pynq.MMIO(REGS, 0x1000, device=b).read(SCRATCH0) == 0xBBBB
    buf_a = pynq.allocate((4,), np.uint32, target=a)
    buf_b = pynq.allocate((4,), np.uint32, target=b)
    buf_a[:] = 1
    buf_b[:] = 2
    assert list(buf_a) == [1] * 4 and list(buf_b) == [2] * 4


def test_no_devices_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("PYNQ_REMOTE_DEVICES", raising=False)
    saved = Device._devices, Device._active_device
    Device.reset_registry()
    try:
        with pytest.raises(RuntimeError, match="PYNQ_REMOTE_DEVICES"):
            pynq.allocate((4,), np.uint8)
    finally:
        Device._devices, Device._active_device = saved
