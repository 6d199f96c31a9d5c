"""``pynq.MMIO`` on a remote board."""

from .pl_server.device import Device


class MMIO:
    """Register access to ``base_addr .. base_addr + length`` of a device.

    Parameters
    ----------
    base_addr : int
        Physical base address.
    length : int
        Window length in bytes (4 by default, as in PYNQ).
    device : Device, optional
        The board; ``Device.active_device`` when omitted.
    """

    def __init__(self, base_addr, length=4, device=None):
        if base_addr < 0 or length < 0:
            raise ValueError("Base address or length cannot be negative.")
        self.device = device if device is not None else Device.active_device
        self.base_addr = base_addr
        self.length = length
        self._impl = self.device.mmap(base_addr, length)
        self.array = self._impl.array
        # The board's own methods stand in for read/write: one Python call less on every
        # register access (the signatures are the same).
        self.read = self._impl.read
        self.write = self._impl.write

    def read(self, offset=0, length=4, word_order="little"):
        """Reads 1, 2, 4 or 8 bytes at ``offset`` as an unsigned int."""
        return self._impl.read(offset, length, word_order)

    def write(self, offset, data):
        """Writes an int, a NumPy integer or bytes at ``offset``."""
        self._impl.write(offset, data)
