"""RemoteBuffer: a NumPy array whose memory lives on the board.

The array's own memory is a host-side mirror. Writes go through to the board at once,
moving only the bytes they touch; element and slice reads fetch only the bytes they
touch. Whole-array operations (ufuncs and arithmetic, ``np.array_equal`` and other NumPy
functions, ``tobytes``, ``__array_interface__`` as PIL reads it, printing) refresh the
whole mirror first, so they see what the PL wrote. ``np.asarray(buf)`` has no hook in
NumPy: it sees the mirror as of the last refresh, which ``invalidate()`` /
``sync_from_device()`` (the PYNQ contract after the PL writes a buffer) brings up to date.
"""

import grpc
import numpy as np

from .._proto import buffer_pb2
from .._proto.pynq_remote.v1 import board_pb2
from ..exceptions import to_exception

CHUNK_BYTES = 2 * 1024 * 1024  # the chunk PYNQ.remote streams with
UNARY_BYTES = 1024 * 1024  # ranges up to this go in one plain call where the server has it
STREAM_BYTES_PER_S = 50e6  # a streaming transfer's deadline grows by its size at this rate
# Stores from this size on copy into the mirror while they stream (RemoteBuffer._stream_from):
# below it, the copy costs less than gRPC's thread for a call's future.
OVERLAP_BYTES = 2 * CHUNK_BYTES


def _check_msg(response, what):
    if response.HasField("msg") and response.msg:
        raise to_exception(response.error_code, what, details=response.msg)


def _call(method, request, what, timeout):
    """One call with its deadline; a gRPC failure raised as its typed RemoteError."""
    try:
        return method(request, timeout=timeout)
    except grpc.RpcError as error:
        raise to_exception(error, what) from None


def _stream_timeout(timeout, nbytes):
    """A streaming transfer's deadline: the unary one plus the time its bytes need."""
    return None if timeout is None else timeout + nbytes / STREAM_BYTES_PER_S


class RemoteBuffer(np.ndarray):
    """A buffer allocated on a remote device, usable as a ``numpy.ndarray``.

    Parameters
    ----------
    *args, **kwargs
        Passed to ``numpy.ndarray`` (shape, dtype).
    stub : RemoteBufferStub
        The buffer service of the device that owns the memory.
    buffer_id : str
        The server's id for the allocation.
    coherent : bool
        True when the PL port is cache-coherent (flush/invalidate are then no-ops).
    timeout : float, optional
        Deadline of each call in seconds, grown by the size of streaming transfers (None:
        none); RemoteDevice passes its own.

    Board failures raise typed RemoteErrors (RuntimeErrors): UnknownHandleError,
    OutOfWindowError, DeadlineExceededError, ConnectionLostError, ...
    """

    def __new__(cls, *args, stub, buffer_id, coherent=False, cacheable=False,
                physical_address=None, board_stub=None, timeout=None, bulk=None, **kwargs):
        self = super().__new__(cls, *args, **kwargs)
        self.stub = stub
        self._timeout = timeout
        self._board = board_stub  # pynq_remote.v1.Board, or None on a PYNQ 3.1 target
        self._bulk = bulk  # BulkTransfer: streams with no protobuf copies; None: the stub's
        self.buffer_id = buffer_id
        self.coherent = coherent
        self._cacheable = bool(cacheable)
        self._physical_address = physical_address
        self.freed = False
        # The owner holds no reference to itself (that cycle would keep `del buf` from
        # freeing the board memory until a garbage collection); views hold the owner.
        self._is_owner = True
        self._owner_obj = None
        return self

    @property
    def _root(self):
        """The RemoteBuffer that owns the board memory; None for a detached local copy."""
        return self if self._is_owner else self._owner_obj

    def __array_finalize__(self, obj):
        self._is_owner = False
        self._owner_obj = None
        if obj is None:
            return
        # Views (reshape, .T, .view) share the mirror and keep talking to the owner; an
        # array with memory of its own (a copy NumPy made) is a plain local array.
        root = obj._root if isinstance(obj, RemoteBuffer) else None
        if root is not None and np.may_share_memory(self.view(np.ndarray),
                                                    root.view(np.ndarray)):
            self._owner_obj = root
        self.stub = getattr(obj, "stub", None)
        self._board = getattr(obj, "_board", None)
        self._bulk = getattr(obj, "_bulk", None)
        self.buffer_id = getattr(obj, "buffer_id", None)
        self.coherent = getattr(obj, "coherent", False)
        self._timeout = getattr(obj, "_timeout", None)

    # -- byte ranges -------------------------------------------------------------------

    def _owner(self):
        root = self._root
        if root is None or root.stub is None:
            return None
        if root.freed:
            raise RuntimeError(f"buffer {root.buffer_id} has been freed")
        return root

    def _span(self, key):
        """(view, lo, hi): the plain view `key` selects and the byte range it touches,
        relative to the owner's first byte; the whole buffer for fancy indexing."""
        plain = self.view(np.ndarray)
        root_plain = self._root.view(np.ndarray)
        start = root_plain.__array_interface__["data"][0]
        try:
            view = plain[_as_slices(key, plain.shape)]
        except (TypeError, IndexError):
            return None, 0, root_plain.nbytes
        if not np.shares_memory(view, root_plain) and view.size:
            return None, 0, root_plain.nbytes
        if view.size == 0:
            return view, 0, 0
        lo, hi = np.byte_bounds(view)
        return view, lo - start, hi - start

    def _bytes(self):
        """The owner's mirror as a flat memoryview of bytes: a few times cheaper to make and
        to slice than NumPy's uint8 view, which matters for buf[i] (issue 18)."""
        try:
            return self.data.cast("B")
        except (TypeError, ValueError):  # no buffer export (datetime64), or not C order
            return memoryview(self.view(np.ndarray).reshape(-1).view(np.uint8))

    def _fetch(self, lo, hi):
        """Copies bytes [lo, hi) of the board's buffer into the mirror."""
        root = self._owner()
        if root is None or hi <= lo:
            return
        timeout = _stream_timeout(root._timeout, hi - lo)
        if root._board is not None and hi - lo <= UNARY_BYTES:
            try:
                chunk = root._board.ReadBufferRange(board_pb2.ReadBufferRequest(
                    buffer_id=root.buffer_id, offset=lo, length=hi - lo), timeout=timeout)
            except grpc.RpcError as error:
                raise to_exception(error, f"reading buffer {root.buffer_id}") from None
            data = chunk.data
            if len(data) != hi - lo:
                raise RuntimeError(f"reading buffer {root.buffer_id}: got {len(data)} of "
                                   f"{hi - lo} bytes")
            root._bytes()[lo:hi] = data
            return
        mirror = root.view(np.ndarray).reshape(-1).view(np.uint8)
        if root._bulk is not None:
            root._bulk.read(root.buffer_id, mirror, lo, hi, timeout)
            return
        what = f"reading buffer {root.buffer_id}"
        pos = lo
        request = buffer_pb2.BufferReadRequest(buffer_id=root.buffer_id, start=lo, end=hi)
        try:
            for response in root.stub.read(request, timeout=timeout):
                _check_msg(response, what)
                data = response.data
                mirror[pos:pos + len(data)] = np.frombuffer(data, dtype=np.uint8)
                pos += len(data)
        except grpc.RpcError as error:
            raise to_exception(error, what) from None
        if pos != hi:
            raise RuntimeError(f"reading buffer {root.buffer_id}: got {pos - lo} of "
                               f"{hi - lo} bytes")

    def _push(self, lo, hi):
        """Sends bytes [lo, hi) of the mirror to the board."""
        root = self._owner()
        if root is None or hi <= lo:
            return
        timeout = _stream_timeout(root._timeout, hi - lo)
        if root._board is not None and hi - lo <= UNARY_BYTES:
            try:
                root._board.WriteBufferRange(board_pb2.BufferChunk(
                    buffer_id=root.buffer_id, offset=lo, data=root._bytes()[lo:hi].tobytes()),
                    timeout=timeout)
            except grpc.RpcError as error:
                raise to_exception(error, f"writing buffer {root.buffer_id}") from None
            return
        mirror = root.view(np.ndarray).reshape(-1).view(np.uint8)
        if root._bulk is not None:
            root._bulk.write(root.buffer_id, mirror, lo, hi, CHUNK_BYTES, timeout)
            return
        what = f"writing buffer {root.buffer_id}"

        def requests():
            for pos in range(lo, hi, CHUNK_BYTES):
                end = min(pos + CHUNK_BYTES, hi)
                yield buffer_pb2.BufferWriteRequest(
                    buffer_id=root.buffer_id, data=mirror[pos:end].tobytes(),
                    start=pos, end=end)

        _check_msg(_call(root.stub.write, requests(), what, timeout), what)

    def _element(self, key):
        """Byte offset of the one element an all-integer `key` names in the owner itself,
        or None for any other key or array (they take the general path through _span)."""
        if not self._is_owner:
            return None
        if type(key) is not tuple:
            key = (key,)
        if len(key) != self.ndim:
            return None
        offset = 0
        for index, n, stride in zip(key, self.shape, self.strides):
            if type(index) is not int and not isinstance(index, np.integer):
                return None  # bool and float keys fall through to NumPy's own answer
            if index < 0:
                index += n
            if not 0 <= index < n:
                return None  # NumPy raises the IndexError
            offset += int(index) * stride
        return offset

    def _refresh(self):
        """The mirror brought up to date, as a plain ndarray view of this array."""
        root = self._owner()
        if root is not None:
            _, lo, hi = self._span(Ellipsis)
            self._fetch(lo, hi)
        return self.view(np.ndarray)

    # -- NumPy protocol ----------------------------------------------------------------

    def __getitem__(self, key):
        lo = self._element(key)
        if lo is not None:  # buf[i]: one element, the common case, without _span's views
            self._fetch(lo, lo + self.itemsize)
            return np.ndarray.__getitem__(self, key)
        view, lo, hi = self._span(key)
        self._fetch(lo, hi)
        result = self.view(np.ndarray)[key]
        return result.copy() if isinstance(result, np.ndarray) else result

    def __setitem__(self, key, value):
        if isinstance(value, RemoteBuffer):
            value = value._refresh()
        lo = self._element(key)
        if lo is not None:  # buf[i] = v
            np.ndarray.__setitem__(self, key, value)
            self._push(lo, lo + self.itemsize)
            return
        view, lo, hi = self._span(key)
        # A strided or fancy store leaves gaps in [lo, hi): bring them up to date first
        # so the write-back does not overwrite the board with stale bytes.
        if view is None or not view.flags.c_contiguous or view.nbytes != hi - lo:
            self._fetch(lo, hi)
        elif self._stream_from(view, value, lo, hi):
            return
        self.view(np.ndarray)[key] = value
        self._push(lo, hi)

    def _stream_from(self, view, value, lo, hi):
        """``buf[a:b] = array`` of a size that streams: sends the array's own bytes and copies
        them into the mirror while gRPC's threads stream them, so the copy is off the
        transfer's path (issue 18: ``buf[:] = array`` at the bare stream's rate). False,
        having done nothing, unless ``value`` is an array whose bytes are exactly what the
        mirror's ``view`` will hold: same dtype, shape and C order, apart from the mirror."""
        root = self._owner()
        if (root is None or root._bulk is None or hi - lo < OVERLAP_BYTES
                or type(value) is not np.ndarray or value.dtype != view.dtype
                or value.shape != view.shape or not value.flags.c_contiguous
                or np.may_share_memory(value, view)):
            return False
        root._bulk.write(root.buffer_id, None, lo, hi, CHUNK_BYTES,
                         _stream_timeout(root._timeout, hi - lo),
                         source=value.reshape(-1).view(np.uint8),
                         meanwhile=lambda: np.copyto(view, value))
        return True

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        inputs = tuple(_plain(x) for x in inputs)
        outs = out or ()
        if outs:
            kwargs["out"] = tuple(_plain(x) for x in outs)
        result = getattr(ufunc, method)(*inputs, **kwargs)
        for target in outs:
            if isinstance(target, RemoteBuffer):
                _, lo, hi = target._span(Ellipsis)
                target._push(lo, hi)
        return result

    def __array_function__(self, func, types, args, kwargs):
        return func(*_plain(args), **_plain(kwargs))

    def __array__(self, dtype=None):
        plain = self._refresh()
        return plain if dtype is None else plain.astype(dtype)

    @property
    def __array_interface__(self):
        self._refresh()
        return np.ndarray.__array_interface__.__get__(self)

    def copy(self, order="C"):
        """A plain ``numpy.ndarray`` holding the buffer's current contents."""
        return self._refresh().copy(order)

    def tobytes(self, order="C"):
        return self._refresh().tobytes(order)

    def __iter__(self):
        return iter(self._refresh().copy())

    def __repr__(self):
        return f"RemoteBuffer({np.array2string(self._refresh())}, dtype={self.dtype})"

    def __str__(self):
        return str(self._refresh())

    def __reduce__(self):
        return (np.array, (self._refresh().copy(),))

    # -- PYNQ buffer API ---------------------------------------------------------------

    def freebuffer(self):
        """Releases the board memory; later access raises RuntimeError."""
        root = self._root
        if root is not self or self.freed or self.stub is None:
            return
        self.freed = True
        what = f"freeing buffer {self.buffer_id}"
        _check_msg(_call(self.stub.freebuffer, buffer_pb2.FreeBufferRequest(
            buffer_id=self.buffer_id), what, self._timeout), what)

    def close(self):
        self.freebuffer()

    def __del__(self):
        try:
            if self._root is self and not self.freed:
                self.freebuffer()
        except Exception:  # noqa: BLE001 - interpreter shutdown or the server is gone
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.freebuffer()

    @property
    def cacheable(self):
        return self._root._cacheable

    @property
    def physical_address(self):
        root = self._owner()
        if root._physical_address is None:
            what = f"physical address of buffer {root.buffer_id}"
            response = _call(root.stub.physical_address,
                             buffer_pb2.AddressRequest(buffer_id=root.buffer_id), what,
                             root._timeout)
            _check_msg(response, what)
            root._physical_address = response.address
        offset = (np.ndarray.__array_interface__.__get__(self)["data"][0]
                  - np.ndarray.__array_interface__.__get__(root)["data"][0])
        return root._physical_address + offset

    @property
    def device_address(self):
        return self.physical_address

    @property
    def virtual_address(self):
        root = self._owner()
        what = f"virtual address of buffer {root.buffer_id}"
        response = _call(root.stub.virtual_address,
                         buffer_pb2.AddressRequest(buffer_id=root.buffer_id), what, root._timeout)
        _check_msg(response, what)
        return response.address

    def flush(self):
        """Writes the CPU cache back so the PL sees the buffer (no-op when coherent)."""
        root = self._owner()
        if not self.coherent:
            what = f"flushing buffer {root.buffer_id}"
            _check_msg(_call(root.stub.flush, buffer_pb2.FlushRequest(buffer_id=root.buffer_id),
                             what, root._timeout), what)

    def invalidate(self):
        """Drops stale cache lines so the CPU sees what the PL wrote; refreshes the mirror."""
        root = self._owner()
        if not self.coherent:
            what = f"invalidating buffer {root.buffer_id}"
            _check_msg(_call(root.stub.invalidate,
                             buffer_pb2.InvalidateRequest(buffer_id=root.buffer_id), what,
                             root._timeout), what)
        root._fetch(0, root.nbytes)

    def sync_to_device(self):
        self.flush()

    def sync_from_device(self):
        self.invalidate()


def _plain(obj):
    """Refreshed plain ndarrays in place of RemoteBuffers, through lists/tuples/dicts."""
    if isinstance(obj, RemoteBuffer):
        return obj._refresh()
    if isinstance(obj, (list, tuple)):
        return type(obj)(_plain(x) for x in obj)
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    return obj


def _as_slices(key, shape):
    """Turns integer indices into one-element slices so the result stays a view whose
    byte bounds can be read; other basic indices pass through."""
    if not isinstance(key, tuple):
        key = (key,)
    out = []
    dim = 0
    real = sum(1 for k in key if k is not None and k is not Ellipsis)
    for k in key:
        if k is Ellipsis:
            out.append(k)
            dim += len(shape) - real  # the axes the ellipsis stands for
            continue
        if k is None:
            out.append(k)
            continue
        if isinstance(k, (int, np.integer)) and not isinstance(k, (bool, np.bool_)):
            n = shape[dim] if dim < len(shape) else 0
            i = int(k) + n if k < 0 else int(k)
            if not 0 <= i < n:
                raise IndexError(f"index {k} is out of bounds for axis {dim} with size {n}")
            out.append(slice(i, i + 1))
        elif isinstance(k, slice):
            out.append(k)
        else:
            raise TypeError("advanced index")
        dim += 1
    return tuple(out)
