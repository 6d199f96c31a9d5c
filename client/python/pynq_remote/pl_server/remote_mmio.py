"""RemoteMMIO: register access to a window of the board's physical address space."""

import grpc
import numpy as np

from .._proto import mmio_pb2
from ..exceptions import to_exception

_WIDTHS = (1, 2, 4, 8)
_CACHED_READS = 4096  # distinct (offset, width, order) reads kept ready per window


class RemoteMMIO:
    """Reads and writes registers at ``address .. address + length`` on a remote device.

    Parameters
    ----------
    stub : MmioStub
        The MMIO service of the device.
    address : int
        Physical base address of the window.
    length : int
        Length of the window in bytes.
    timeout : float, optional
        Deadline of each call in seconds (None: none); RemoteDevice passes its own.

    Raises
    ------
    RemoteError
        A RuntimeError, typed by what the server reports: AccessDeniedError (outside what
        the access policy allows), OutOfWindowError (outside every bus window), ...;
        reads and writes raise SlaveError, DecodeError, BusTimeoutError for bus errors.
    """

    def __init__(self, stub, address, length, timeout=None):
        self._stub = stub
        self._timeout = timeout
        self.base_addr = address
        self.length = length
        what = f"MMIO window {address:#x}+{length:#x}"
        response = self._call(stub.get_mmio, mmio_pb2.GetMmioRequest(
            base_addr=address, length=length), what, address)
        self.mmio_id = response.mmio_id
        self.array = _RegisterArray(self, length // 4)
        # A register is read again and again with the same arguments: its request is made
        # once. The method is bound once too. Both are most of what a read costs in Python
        # on top of its round trip (issue 18).
        self._read_requests = {}
        self._read_method = stub.read
        self._write_method = stub.write

    def _call(self, method, request, what, address):
        """One unary call with the deadline; a failure, in `msg` or as a gRPC status,
        raised as its typed RemoteError."""
        try:
            response = method(request, timeout=self._timeout)
        except grpc.RpcError as error:
            raise to_exception(error, what, address=address) from None
        if response.HasField("msg") and response.msg:
            raise to_exception(response.error_code, what, details=response.msg,
                               address=address)
        return response

    def _read_request(self, offset, length, word_order):
        """The ReadRequest of a read not made before, checked, and kept for the next."""
        if length not in _WIDTHS:
            raise ValueError("MMIO currently only supports 1, 2, 4 and 8-byte reads.")
        if word_order not in ("big", "little"):
            raise ValueError("MMIO only supports big and little endian.")
        # The wire carries offsets unsigned. Width, alignment and the window are the
        # server's to check (server/device/mmio_access.h): its answer is the error
        # (UnalignedAccessError is a MemoryError, OutOfWindowError an IndexError, as in PYNQ).
        if offset < 0:
            raise ValueError("Offset cannot be negative.")
        request = mmio_pb2.ReadRequest(mmio_id=self.mmio_id, offset=offset, length=length,
                                       word_order=word_order)
        if len(self._read_requests) >= _CACHED_READS:
            self._read_requests.clear()
        self._read_requests[(offset, length, word_order)] = request
        return request

    def read(self, offset=0, length=4, word_order="little"):
        """Reads 1, 2, 4 or 8 bytes at ``offset``; returns an unsigned int.

        ``word_order`` matters for 8-byte reads only: "big" puts the word at ``offset``
        in the high half, as PYNQ's MMIO does.
        """
        request = self._read_requests.get((offset, length, word_order))
        if request is None:
            request = self._read_request(offset, length, word_order)
        try:
            response = self._read_method(request, timeout=self._timeout)
        except grpc.RpcError as error:
            raise to_exception(error, self._read_what(offset, length),
                               address=self.base_addr + offset) from None
        if response.msg:
            raise to_exception(response.error_code, self._read_what(offset, length),
                               details=response.msg, address=self.base_addr + offset)
        if response.HasField("data64"):
            return response.data64
        # A 3.1 server: only the low 32 bits, as a signed int32.
        return response.data & 0xFFFFFFFF

    def _read_what(self, offset, length):
        return f"MMIO read of {length} bytes at {self.base_addr + offset:#x}"

    def write(self, offset, data):
        """Writes an int (4 bytes), a NumPy integer (its own width) or bytes (a multiple
        of 4 bytes, or exactly 1, 2 or 8) at ``offset``."""
        if type(data) is int:  # the common case first: a plain register value
            if not -(1 << 31) <= data < (1 << 32):
                raise ValueError(f"{data:#x} does not fit a 32-bit register; write a "
                                 "numpy.uint64 or 8 bytes for a 64-bit access")
            payload = (data & 0xFFFFFFFF).to_bytes(4, "little")
        else:
            payload = _payload(data)
        if offset < 0:
            raise ValueError("Offset cannot be negative.")
        try:
            response = self._write_method(mmio_pb2.WriteRequest(
                mmio_id=self.mmio_id, offset=offset, data=payload), timeout=self._timeout)
        except grpc.RpcError as error:
            raise to_exception(error, self._write_what(offset, payload),
                               address=self.base_addr + offset) from None
        if response.msg:
            raise to_exception(response.error_code, self._write_what(offset, payload),
                               details=response.msg, address=self.base_addr + offset)

    def _write_what(self, offset, payload):
        return f"MMIO write of {len(payload)} bytes at {self.base_addr + offset:#x}"


def _payload(data):
    """The bytes a write of `data` (not a plain int) sends, checked."""
    if isinstance(data, np.integer):
        payload = data.astype(data.dtype.newbyteorder("<")).tobytes()
        if len(payload) < 4:
            payload = int(data).to_bytes(4, "little", signed=bool(int(data) < 0))
    elif isinstance(data, int) and not isinstance(data, bool):  # an int subclass
        if not -(1 << 31) <= data < (1 << 32):
            raise ValueError(f"{data:#x} does not fit a 32-bit register; write a "
                             "numpy.uint64 or 8 bytes for a 64-bit access")
        payload = (int(data) & 0xFFFFFFFF).to_bytes(4, "little")
    elif isinstance(data, (bytes, bytearray, memoryview)):
        payload = bytes(data)
    else:
        raise ValueError("Data type must be int or bytes.")
    if len(payload) % 4 and len(payload) not in (1, 2):
        raise MemoryError("Unaligned write: data length must be multiple of 4.")
    return payload


class _RegisterArray:
    """``mmio.array``: the window as 32-bit words, each access one MMIO call."""

    def __init__(self, mmio, words):
        self._mmio = mmio
        self.shape = (words,)
        self.dtype = np.dtype("u4")

    def __len__(self):
        return self.shape[0]

    def _indices(self, key):
        return range(*key.indices(len(self))) if isinstance(key, slice) else [
            key + len(self) if key < 0 else key]

    def __getitem__(self, key):
        values = [self._mmio.read(i * 4) for i in self._indices(key)]
        return np.array(values, dtype=self.dtype) if isinstance(key, slice) else \
            np.uint32(values[0])

    def __setitem__(self, key, value):
        indices = self._indices(key)
        values = np.broadcast_to(np.asarray(value, dtype=np.uint32), (len(indices),))
        for i, v in zip(indices, values):
            self._mmio.write(i * 4, int(v))
