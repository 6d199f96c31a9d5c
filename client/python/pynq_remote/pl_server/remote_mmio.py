"""RemoteMMIO: register access to a window of the board's physical address space.

Besides PYNQ's one access per call, a window on a pynq-remote server takes many accesses in
one round trip (``read_many``, ``write_many``: Board.MmioBatch) and waits for a register on
the board (``poll``: Board.MmioPoll). Against a server without them (PYNQ 3.1) the same
methods make single accesses from here, with the same results.
"""

import math
import time

import grpc
import numpy as np

from .._proto import mmio_pb2
from .._proto.pynq_remote.v1 import board_pb2
from ..exceptions import (MmioPollTimeoutError, RemoteError, _BY_STATUS, exception_class,
                          to_exception)

_WIDTHS = (1, 2, 4, 8)
_CACHED_READS = 4096  # distinct (offset, width, order) reads kept ready per window
_BATCH_OPS = 8192      # accesses per MmioBatch call: a few hundred KiB on the wire
_EAGER_READS = 20      # client-side poll: reads before it sleeps between them
_POLL_SLEEP_S = 0.001


class BoardFeatures:
    """What a device's pynq-remote Board service offers its MMIO windows, shared by them: the
    stub (None against a PYNQ 3.1 server), batches, and polls. A method the server answers
    UNIMPLEMENTED is not asked for again.

    Parameters
    ----------
    stub : BoardStub or None
    capabilities : iterable of str
        BoardInfo.capabilities (``mmio_batch``, ``mmio_poll``, ``advance``, ...).
    deterministic : bool
        The board moves PL time only through Advance.
    """

    def __init__(self, stub=None, capabilities=(), deterministic=False):
        capabilities = set(capabilities)
        self.stub = stub
        self.batch = stub is not None and "mmio_batch" in capabilities
        self.poll = stub is not None and "mmio_poll" in capabilities
        self.advance = stub is not None and "advance" in capabilities and deterministic


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

    def __init__(self, stub, address, length, timeout=None, board=None):
        self._stub = stub
        self._timeout = timeout
        self._board = board if board is not None else BoardFeatures()
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

    @staticmethod
    def _check(offset):
        # The wire carries offsets unsigned. Width, alignment and the window are the
        # server's to check (server/device/mmio_access.h): its answer is the error
        # (UnalignedAccessError is a MemoryError, OutOfWindowError an IndexError, as in PYNQ).
        if offset < 0:
            raise ValueError("Offset cannot be negative.")

    def _read_request(self, offset, length, word_order):
        """The ReadRequest of a read not made before, checked, and kept for the next."""
        if length not in _WIDTHS:
            raise ValueError("MMIO currently only supports 1, 2, 4 and 8-byte reads.")
        if word_order not in ("big", "little"):
            raise ValueError("MMIO only supports big and little endian.")
        self._check(offset)
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
        self._check(offset)
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


    @property
    def polls_on_board(self):
        """Whether ``poll`` waits on the board (one round trip) rather than by reads from
        here."""
        return self._board.poll

    def _window_check(self, offset, length):
        self._check(offset)
        if length not in _WIDTHS:
            raise ValueError(f"MMIO accesses are 1, 2, 4 or 8 bytes, not {length}")
        if offset % length:
            raise to_exception("UNALIGNED", f"MMIO access of {length} bytes at "
                               f"{self.base_addr + offset:#x}",
                               details=f"offset {offset:#x} is not a multiple of {length}",
                               address=self.base_addr + offset)
        if offset + length > self.length:
            raise to_exception("OUT_OF_WINDOW", f"MMIO access of {length} bytes at "
                               f"{self.base_addr + offset:#x}",
                               details=f"{length} bytes at offset {offset:#x} run past the end "
                               f"of the {self.length:#x}-byte MMIO region at {self.base_addr:#x}",
                               address=self.base_addr + offset)

    def read_many(self, offsets, length=4):
        """Reads the register at each offset, in order, in one round trip where the server
        batches (Board.MmioBatch), else one read each.

        Parameters
        ----------
        offsets : iterable of int
            Byte offsets in the window.
        length : int or sequence of int
            Bytes per access (1, 2, 4 or 8), for all or one per offset.

        Returns
        -------
        numpy.ndarray
            The values, of the unsigned type of ``length`` (uint64 when lengths differ).

        Raises
        ------
        ValueError, OutOfWindowError, UnalignedAccessError
            A bad width, or an offset negative, unaligned or past the window: checked before
            any access.
        RemoteError
            The first access that failed, typed as a single read's would be; the message names
            it and says how many ran before it. ``completed`` (that count), ``values`` (what
            they read) and ``op_error`` (the error as the access alone raises it) are set on
            the exception.
        """
        offsets = [int(o) for o in offsets]
        lengths = self._lengths(length, len(offsets))
        ops = [(False, offset, width, 0) for offset, width in zip(offsets, lengths)]
        values = self._run_ops(ops, "read_many")
        if isinstance(length, (int, np.integer)):
            dtype = np.dtype(f"u{int(length)}")
        else:
            dtype = np.dtype(f"u{lengths[0]}" if len(set(lengths)) == 1 else "u8")
        return np.array(values, dtype=dtype)

    def write_many(self, offsets, values=None, length=4):
        """Writes registers in order, in one round trip where the server batches
        (Board.MmioBatch), else one write each.

        ``write_many([(offset, value), ...])`` or ``write_many(offsets, values)``; a single
        value is written at every offset.

        Parameters
        ----------
        offsets : iterable of int, or of (offset, value)
        values : int or iterable of int, optional
            Unsigned values that fit ``length`` bytes, or negative ones that fit it signed.
        length : int or sequence of int
            Bytes per access (1, 2, 4 or 8), for all or one per offset.

        Raises
        ------
        ValueError, OutOfWindowError
            Bad arguments (widths, offsets, values that do not fit): before any access.
        RemoteError
            As ``read_many``: the first failed write, typed, with ``completed``.
        """
        if values is None:
            pairs = [(int(o), v) for o, v in offsets]
            offsets = [o for o, _ in pairs]
            values = [v for _, v in pairs]
        else:
            offsets = [int(o) for o in offsets]
            values = np.broadcast_to(np.asarray(values, dtype=object), (len(offsets),))
        lengths = self._lengths(length, len(offsets))
        ops = []
        for offset, value, width in zip(offsets, values, lengths):
            value = int(value)
            bits = 8 * width
            if not -(1 << (bits - 1)) <= value < (1 << bits):
                raise ValueError(f"{value:#x} does not fit a {width}-byte register "
                                 f"(offset {offset:#x})")
            ops.append((True, offset, width, value & ((1 << bits) - 1)))
        self._run_ops(ops, "write_many")

    @staticmethod
    def _lengths(length, count):
        if isinstance(length, (int, np.integer)):
            return [int(length)] * count
        lengths = [int(w) for w in length]
        if len(lengths) != count:
            raise ValueError(f"{len(lengths)} lengths for {count} offsets")
        return lengths

    def _run_ops(self, ops, what):
        """Runs (is_write, offset, width, value) ops in order; the values read (or written)."""
        for _, offset, width, _ in ops:
            self._window_check(offset, width)
        done = []
        try:
            if self._board.batch:
                for start in range(0, len(ops), _BATCH_OPS):
                    if not self._batch(ops[start:start + _BATCH_OPS], done):
                        break  # UNIMPLEMENTED: the rest one by one, from here on
            for is_write, offset, width, value in ops[len(done):]:
                if is_write:
                    self.write(offset, value.to_bytes(width, "little"))
                    done.append(value)
                else:
                    done.append(self.read(offset, width))
        except RemoteError as error:
            raise self._op_failure(error, what, len(done), len(ops), done) from None
        return done

    def _batch(self, ops, done):
        """One MmioBatch call; appends what completed to ``done``. False when the server has
        no MmioBatch; raises the failure of an op, typed."""
        request = board_pb2.MmioBatchRequest(ops=[
            board_pb2.MmioOp(kind=board_pb2.MmioOp.WRITE if is_write else board_pb2.MmioOp.READ,
                             address=self.base_addr + offset, width=width, value=value)
            for is_write, offset, width, value in ops])
        try:
            response = self._board.stub.MmioBatch(request, timeout=self._timeout)
        except grpc.RpcError as error:
            if error.code() == grpc.StatusCode.UNIMPLEMENTED:
                self._board.batch = False
                return False
            raise to_exception(error, f"MMIO batch of {len(ops)} accesses at "
                               f"{self.base_addr:#x}+") from None
        done.extend(response.values)
        if response.HasField("error"):
            failed = response.error
            is_write, offset, width, _ = ops[failed.op_index]
            code = failed.error_code or None
            cls = exception_class(code) if code else RemoteError
            if code is None:
                status = next((s for s in grpc.StatusCode if s.value[0] == failed.grpc_code),
                              None)
                cls = _BY_STATUS.get(status, RemoteError)
            details = failed.message.partition(": ")[2] or failed.message
            address = failed.address or self.base_addr + offset
            raise cls(f"MMIO {'write' if is_write else 'read'} of {width} bytes at "
                      f"{self.base_addr + offset:#x}: {details}", code=code, address=address,
                      details=details)
        return True

    @staticmethod
    def _op_failure(error, what, index, count, done):
        """``error`` (op ``index`` of ``count``) with the op and what ran before it in its
        message, and ``completed`` / ``values`` set."""
        message = (f"{what}: op {index} of {count} failed, the {index} before it ran: "
                   f"{error}")
        try:
            failure = type(error)(message, code=error.code, address=error.address,
                                  details=error.details)
        except TypeError:  # a subclass with another signature: keep it as it is
            failure = error
        failure.completed = index
        failure.values = list(done)
        failure.op_error = error  # as the single access alone raised it
        return failure

    # -- waiting for a register ----------------------------------------------------------

    def poll(self, offset, value, mask=0xFFFFFFFF, *, equal=True, timeout=5.0, length=4,
             advance_cycles=0):
        """Reads the register at ``offset`` until ``(register & mask) == value`` (or ``!=``
        with ``equal=False``) and returns the value that matched.

        On a pynq-remote server this is one call (Board.MmioPoll): the board reads, backing
        off from tens of microseconds to 0.25 ms (1 ms in a long wait); elsewhere (PYNQ 3.1)
        reads from here, 20 at once, then one a millisecond.

        Parameters
        ----------
        offset : int
        value, mask : int
            ``mask`` not 0 and within ``length`` bytes; ``value`` within ``mask``.
        equal : bool
            False: until the masked register differs from ``value`` (``value=0``: until any
            of the mask's bits is set).
        timeout : float or None
            Seconds; None waits until it matches.
        length : int
            1, 2, 4 or 8 bytes.
        advance_cycles : int
            A deterministic simulated board (PL time moves only by Advance): PL cycles to run
            before each read after the first. Ignored on other boards.

        Raises
        ------
        MmioPollTimeoutError
            A TimeoutError: no match within ``timeout``; names the register, value and mask,
            and carries ``last_value`` and ``reads``.
        ValueError
            A bad mask, value, width or offset.
        RemoteError
            A read failed (typed as a single read's failure).
        """
        self._window_check(offset, length)
        width_mask = (1 << (8 * length)) - 1
        if mask == 0 or mask & ~width_mask or value & ~mask or value < 0:
            raise ValueError(f"poll: mask {mask:#x} must be non-zero and fit {length} bytes, "
                             f"and value {value:#x} must lie within it")
        if timeout is not None and timeout < 0:
            raise ValueError(f"poll: timeout {timeout} s is negative")
        result = None
        if self._board.poll:
            result = self._poll_on_board(offset, value, mask, equal, timeout, length,
                                         advance_cycles)
        if result is None:
            result = self._poll_here(offset, value, mask, equal, timeout, length, advance_cycles)
        matched, last, reads = result
        if matched:
            return last
        address = self.base_addr + offset
        relation = "==" if equal else "!="
        raise MmioPollTimeoutError(
            f"poll of the {length}-byte register at {address:#x} (offset {offset:#x}): "
            f"(value & {mask:#x}) {relation} {value:#x} did not happen within {timeout} s; "
            f"it last read {last:#x} ({reads} reads)", address=address, last_value=last,
            reads=reads)

    def _poll_on_board(self, offset, value, mask, equal, timeout, length, advance_cycles):
        """(matched, last, reads) from one MmioPoll; None when the server has none."""
        timeout_ms = 0 if timeout is None else min(max(1, math.ceil(timeout * 1000)),
                                                   0xFFFFFFFF)
        deadline = None
        if timeout is not None and self._timeout:
            deadline = timeout + self._timeout  # the call outlives the poll's own timeout
        address = self.base_addr + offset
        request = board_pb2.MmioPollRequest(
            address=address, width=length, mask=mask, value=value, timeout_ms=timeout_ms,
            condition=board_pb2.MmioPollRequest.EQUAL if equal else
            board_pb2.MmioPollRequest.NOT_EQUAL, advance_cycles=advance_cycles)
        try:
            response = self._board.stub.MmioPoll(request, timeout=deadline)
        except grpc.RpcError as error:
            if error.code() == grpc.StatusCode.UNIMPLEMENTED:
                self._board.poll = False
                return None
            raise to_exception(error, f"MMIO poll of {length} bytes at {address:#x}",
                               address=address) from None
        return response.matched, response.value, response.reads

    def _poll_here(self, offset, value, mask, equal, timeout, length, advance_cycles):
        """(matched, last, reads) by reads from here."""
        end = None if timeout is None else time.monotonic() + timeout
        reads = 0
        while True:
            if reads and advance_cycles and self._board.advance:
                self._board.stub.Advance(board_pb2.AdvanceRequest(cycles=advance_cycles),
                                         timeout=None)
            last = self.read(offset, length)
            reads += 1
            if ((last & mask) == value) == equal:
                return True, last, reads
            if end is not None and time.monotonic() >= end:
                return False, last, reads
            if reads > _EAGER_READS:
                time.sleep(_POLL_SLEEP_S)


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

    # -- many accesses, one round trip ---------------------------------------------------


class _RegisterArray:
    """``mmio.array``: the window as 32-bit words. An element is one MMIO call; a slice is
    one round trip where the server batches (``read_many`` / ``write_many``)."""

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
        if isinstance(key, slice):
            return self._mmio.read_many([i * 4 for i in self._indices(key)]).astype(self.dtype)
        return np.uint32(self._mmio.read(self._indices(key)[0] * 4))

    def __setitem__(self, key, value):
        indices = self._indices(key)
        values = np.broadcast_to(np.asarray(value, dtype=np.uint32), (len(indices),))
        if isinstance(key, slice):
            self._mmio.write_many([i * 4 for i in indices], [int(v) for v in values])
            return
        self._mmio.write(indices[0] * 4, int(values[0]))
