"""``pynq.Bitstream``: a bitstream file and how to program it into a device."""

import os

from .pl_server.device import Device


class Bitstream:
    """A ``.bit``, ``.bin`` or ``.xsa`` file to program into a board's PL.

    Parameters
    ----------
    bitfile_name : str
        Path to the file.
    dtbo : str, optional
        Device-tree overlay (accepted for PYNQ compatibility; remote boards ignore it).
    partial : bool
        A partial bitstream.
    device : Device, optional
        The board; ``Device.active_device`` when omitted.

    Raises
    ------
    IOError
        When the file does not exist.
    """

    def __init__(self, bitfile_name, dtbo=None, partial=False, device=None):
        if not os.path.isfile(bitfile_name):
            raise IOError(f"Bitstream file {bitfile_name} does not exist.")
        self.bitfile_name = os.path.abspath(bitfile_name)
        self.dtbo = dtbo
        self.partial = partial
        self.binfile_name = os.path.splitext(os.path.basename(bitfile_name))[0] + ".bin"
        self.device = device if device is not None else Device.active_device

    def download(self, parser=None):
        """Programs the file into the device's PL."""
        self.device.download(self, parser)
