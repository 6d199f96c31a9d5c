"""A board of one PS family for a test module: a simulated board started with the flags the
module asks for (``--board Pynq-Z2``, ``--deterministic``), or the physical board named by
PYNQ_REMOTE_DEVICES when it is of that family; anything else is skipped with its reason.

The family comes from the arch the board reports (/proc/version, read by the client when it
connects): aarch64 is a Zynq UltraScale+, armv7l a Zynq-7000.
"""

import json
import os

import pytest

import pynq_remote
from conftest import BACKEND, SimServer, named_device
from pynq_remote.pl_server.device import Device

HERE = os.path.dirname(os.path.abspath(__file__))
BOARDS_JSON = os.path.normpath(os.path.join(HERE, "..", "..", "sim", "board", "boards.json"))
FAMILY_ARCH = {"zynqmp": "aarch64", "zynq7000": "armv7l"}
FAMILY_NAME = {"zynqmp": "Zynq UltraScale+", "zynq7000": "Zynq-7000"}


def board_names(family):
    """The board profiles of ``family`` in sim/board/boards.json."""
    with open(BOARDS_JSON) as f:
        return [b["name"] for b in json.load(f)["boards"] if b["family"] == family]


def named_board():
    """host:port of the physical board PYNQ_REMOTE_DEVICES names, or None (conftest's
    named_device: each pytest-xdist worker its own)."""
    return named_device()


def is_sim(device):
    return device.info is not None and device.info.backend == "sim"


class FamilyBoard:
    """A connected board of ``family``, made the active device while it lives.

    ``server_args``: flags of the simulated board started here (ignored on hardware).
    """

    def __init__(self, family, *server_args):
        self.server = None
        self._previous = Device._active_device
        address = named_board()
        if address is None:
            if BACKEND != "sim":
                pytest.skip("fake board (PYNQ_REMOTE_BACKEND=zynq): no PL logic moves data")
            self.server = SimServer(*server_args)
            address = self.server.address
        self.device = pynq_remote.RemoteDevice(0, address)
        if self.device.arch != FAMILY_ARCH[family]:
            arch = self.device.arch
            self.close()
            pytest.skip(f"PYNQ_REMOTE_DEVICES names a {arch} board, not a "
                        f"{FAMILY_NAME[family]} ({FAMILY_ARCH[family]}) board")
        Device.active_device = self.device

    def close(self):
        if Device._active_device is self.device:
            Device.active_device = self._previous
        self.device.close()
        if self.server is not None:
            self.server.stop()
