"""``pynq.MMIO`` on a remote board, with fewer round trips where the server allows:
``read_many`` / ``write_many`` (one call for many accesses) and ``poll`` (the board waits for a
register)."""

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

    def read_many(self, offsets, length=4):
        """Reads the register at each offset, in order, in one round trip where the server
        batches (else one read each); a NumPy array of the width's unsigned type. Errors:
        as ``RemoteMMIO.read_many`` (the first failed access, typed as a single read's, with
        ``completed`` and ``values``)."""
        return self._impl.read_many(offsets, length)

    def write_many(self, offsets, values=None, length=4):
        """Writes ``[(offset, value), ...]``, or ``values`` at ``offsets`` (one value: at
        each), in order, in one round trip where the server batches (else one write each).
        Errors: as ``RemoteMMIO.write_many``."""
        self._impl.write_many(offsets, values, length)

    def poll(self, offset, value, mask=0xFFFFFFFF, *, equal=True, timeout=5.0, length=4,
             advance_cycles=0):
        """Waits until ``(register & mask) == value`` (``!=`` with ``equal=False``) and returns
        the value read; on the board in one call where the server can, else by reads from
        here. Raises MmioPollTimeoutError (a TimeoutError) after ``timeout`` seconds (None:
        no limit). See ``RemoteMMIO.poll``."""
        return self._impl.poll(offset, value, mask, equal=equal, timeout=timeout,
                               length=length, advance_cycles=advance_cycles)

    @property
    def polls_on_board(self):
        """Whether ``poll`` is one call that waits on the board (a pynq-remote server), not
        reads from here (PYNQ 3.1)."""
        return bool(getattr(self._impl, "polls_on_board", False))
