"""Unit tests of the client's per-call fast paths (issue 18): the buffer streams' own
wire encoding, element access without _span, and RemoteMMIO's cached requests. Each is
checked against the general path it stands in for."""

import mmap

import numpy as np
import pytest

from pynq_remote._proto import buffer_pb2, mmio_pb2
from pynq_remote._proto.pynq_remote.v1 import board_pb2
from pynq_remote.pl_server.bulk_transfer import read_payload, write_chunks
from pynq_remote.pl_server.remote_buffer import RemoteBuffer
from pynq_remote.pl_server.remote_mmio import RemoteMMIO


# -- the buffer streams' wire encoding ---------------------------------------------------

@pytest.mark.parametrize("lo,hi,chunk", [(0, 10, 4), (3, 4, 1024), (100, 1000, 128),
                                         (0, 300, 300)])
def test_write_chunks_parse_as_protobuf_and_cover_the_range(lo, hi, chunk):
    mirror = np.arange(1000, dtype=np.uint32).view(np.uint8)
    messages = [buffer_pb2.BufferWriteRequest.FromString(m)
                for m in write_chunks("buf-1", mirror, lo, hi, chunk)]
    first, rest = messages[0], messages[1:]
    assert (first.buffer_id, first.start, first.end) == ("buf-1", lo, hi)
    assert not first.HasField("start64")
    for later in rest:  # the server continues them where the last ended
        assert (later.buffer_id, later.start, later.end) == ("", 0, 0)
    assert b"".join(m.data for m in messages) == mirror[lo:hi].tobytes()
    assert all(len(m.data) <= chunk for m in messages)


def test_write_chunks_past_two_gib_use_the_sixty_four_bit_fields():
    lo, hi = 3 << 30, (3 << 30) + 16
    # An anonymous mapping that long costs address space only: just its last page is touched.
    with mmap.mmap(-1, hi) as mirror:
        mirror[lo:hi] = bytes(range(16))
        messages = [buffer_pb2.BufferWriteRequest.FromString(m)
                    for m in write_chunks("b", mirror, lo, hi, 64)]
    assert len(messages) == 1
    assert (messages[0].start, messages[0].end) == (0, 0)
    assert (messages[0].start64, messages[0].end64) == (lo, hi)
    assert messages[0].data == bytes(range(16))


def test_read_payload_finds_the_data_without_copying():
    data = bytes(range(256)) * 10
    message = buffer_pb2.BufferReadResponse(data=data).SerializeToString()
    offset, length = read_payload(message)
    assert message[offset:offset + length] == data
    assert read_payload(buffer_pb2.BufferReadResponse().SerializeToString()) == (0, 0)


def test_read_payload_leaves_errors_to_protobuf():
    message = buffer_pb2.BufferReadResponse(msg="no such buffer",
                                            error_code="UNKNOWN_ID").SerializeToString()
    assert read_payload(message) is None


def test_read_payload_refuses_truncated_messages():
    message = buffer_pb2.BufferReadResponse(data=b"x" * 100).SerializeToString()
    with pytest.raises(ValueError):
        read_payload(message[:50])
    with pytest.raises((ValueError, IndexError)):
        read_payload(b"\x1a\xff")  # a length varint that never ends


# -- element access ------------------------------------------------------------------------

class _Board:
    """The Board service's buffer ranges over a local bytearray, counting calls."""

    def __init__(self, size):
        self.memory = bytearray(size)
        self.calls = []

    def ReadBufferRange(self, request, timeout=None):
        self.calls.append(("read", request.offset, request.length))
        return board_pb2.BufferChunk(
            buffer_id=request.buffer_id, offset=request.offset,
            data=bytes(self.memory[request.offset:request.offset + request.length]))

    def WriteBufferRange(self, request, timeout=None):
        self.calls.append(("write", request.offset, len(request.data)))
        self.memory[request.offset:request.offset + len(request.data)] = request.data
        return board_pb2.WriteBufferResponse(bytes_written=len(request.data))


def _buffer(shape, dtype):
    dtype = np.dtype(dtype)
    board = _Board(int(np.prod(shape)) * dtype.itemsize)
    buf = RemoteBuffer(shape, dtype, stub=object(), buffer_id="b", board_stub=board,
                       timeout=10)
    buf.freed = True  # nothing to free: the fake has no buffer service
    return buf, board


@pytest.mark.parametrize("shape,key", [((10,), 3), ((10,), -1), ((10,), np.int64(9)),
                                       ((4, 5), (2, 3)), ((4, 5), (-1, -5)),
                                       ((2, 3, 4), (1, np.uint8(2), 3))])
def test_one_element_reads_and_writes_touch_only_its_bytes(shape, key):
    buf, board = _buffer(shape, np.uint32)
    board.memory[:] = np.arange(int(np.prod(shape)), dtype=np.uint32).tobytes()
    buf.freed = False
    expected = np.arange(int(np.prod(shape)), dtype=np.uint32).reshape(shape)[key]
    assert buf[key] == expected and type(buf[key]) is np.uint32
    assert board.calls[-1][0] == "read" and board.calls[-1][2] == 4
    buf[key] = 77
    assert board.calls[-1][0] == "write" and board.calls[-1][2] == 4
    local = np.frombuffer(board.memory, np.uint32).reshape(shape)
    assert local[key] == 77
    assert np.count_nonzero(local != np.arange(local.size).reshape(shape)) == 1
    buf.freed = True


@pytest.mark.parametrize("key,error", [(10, IndexError), (-11, IndexError),
                                       ((1, 2), IndexError), (1.0, IndexError)])
def test_bad_element_keys_raise_as_numpy_does(key, error):
    buf, _ = _buffer((10,), np.int16)
    buf.freed = False
    with pytest.raises(error):
        buf[key]
    with pytest.raises(error):
        buf[key] = 1
    buf.freed = True


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # NumPy 1.24 on 1000 -> uint8
@pytest.mark.parametrize("value", [np.uint8(200), 7, 1000, -1, 2.7, "x", None])
def test_element_writes_cast_and_refuse_as_numpy_does(value):
    buf, board = _buffer((4,), np.uint8)
    buf.freed = False
    plain = np.zeros(4, np.uint8)
    try:
        plain[1] = value
    except Exception as expected:  # noqa: BLE001 - whatever NumPy raises, we must too
        with pytest.raises(type(expected)):
            buf[1] = value
        assert board.calls == []  # nothing was sent
    else:
        buf[1] = value
        assert bytes(board.memory) == plain.tobytes()
    buf.freed = True


def test_element_of_a_freed_buffer_raises():
    buf, _ = _buffer((4,), np.uint8)
    with pytest.raises(RuntimeError, match="freed"):
        buf[0]


def test_bool_index_takes_numpys_path():
    buf, board = _buffer((3,), np.uint8)
    buf.freed = False
    assert buf[True].shape == (1, 3)  # a mask-like index: not an element
    buf.freed = True


# -- RemoteMMIO's cached reads -------------------------------------------------------------

class _Mmio:
    def __init__(self):
        self.requests = []

    def get_mmio(self, request, timeout=None):
        return mmio_pb2.GetMmioResponse(mmio_id="m1")

    def read(self, request, timeout=None):
        self.requests.append(request)
        return mmio_pb2.ReadResponse(status=True, data=request.offset, data64=request.offset)

    def write(self, request, timeout=None):
        self.requests.append(request)
        return mmio_pb2.WriteResponse(status=True)


def test_mmio_reads_reuse_their_request_and_still_check_arguments():
    stub = _Mmio()
    mmio = RemoteMMIO(stub, 0xA0000000, 0x1000)
    assert mmio.read(8) == 8 and mmio.read(8) == 8 and mmio.read(12, 8, "big") == 12
    assert stub.requests[0] is stub.requests[1]
    assert (stub.requests[2].length, stub.requests[2].word_order) == (8, "big")
    for bad in [(0, 3), (0, 4, "middle"), (-4, 4)]:
        with pytest.raises(ValueError):
            mmio.read(*bad)
        with pytest.raises(ValueError):  # refused again, not cached
            mmio.read(*bad)


@pytest.mark.parametrize("value,payload", [(5, b"\x05\0\0\0"), (-1, b"\xff\xff\xff\xff"),
                                           (np.uint16(7), b"\x07\0\0\0"),
                                           (np.uint64(1 << 40), (1 << 40).to_bytes(8, "little")),
                                           (b"\x01\x02", b"\x01\x02")])
def test_mmio_writes_send_the_same_payload(value, payload):
    stub = _Mmio()
    RemoteMMIO(stub, 0, 0x100).write(4, value)
    assert stub.requests[-1].data == payload and stub.requests[-1].offset == 4


@pytest.mark.parametrize("value,error", [(True, ValueError), (1 << 32, ValueError),
                                         (b"\x01\x02\x03", MemoryError), (1.5, ValueError)])
def test_mmio_writes_refuse_what_they_did_before(value, error):
    with pytest.raises(error):
        RemoteMMIO(_Mmio(), 0, 0x100).write(0, value)


@pytest.mark.parametrize("dtype", [">u4", "f2", "c8", "M8[s]", [("a", "u1"), ("b", "<u4")]])
def test_element_access_of_any_dtype_moves_its_own_bytes(dtype):
    # The mirror is reached as a memoryview of bytes where NumPy exports one, else through
    # NumPy's uint8 view (datetime64 has no buffer export): both must land the same bytes.
    buf, board = _buffer((6,), dtype)
    values = np.arange(6).astype(np.dtype(dtype)) if np.dtype(dtype).names is None else \
        np.array([(i, 1000 + i) for i in range(6)], dtype=dtype)
    board.memory[:] = values.tobytes()
    buf.freed = False
    assert buf[4] == values[4]
    assert buf.view(np.ndarray)[4] == values[4]  # the mirror holds what was read
    buf[2] = values[5]
    assert bytes(board.memory[2 * values.itemsize:3 * values.itemsize]) == values[5:6].tobytes()
    buf.freed = True


def test_a_short_answer_to_an_element_read_is_an_error():
    buf, board = _buffer((4,), np.uint32)
    board.ReadBufferRange = lambda request, timeout=None: board_pb2.BufferChunk(data=b"\1\2")
    buf.freed = False
    with pytest.raises(RuntimeError, match="reading buffer b: got 2 of 4 bytes"):
        buf[1]
    buf.freed = True


# -- buf[a:b] = array past one plain call: the array's own bytes on the wire ----------------

class _StreamingBoard:
    """BulkTransfer's two streams over a local bytearray, parsing the real wire format."""

    def __init__(self, size):
        self.memory = bytearray(size)
        self.calls = []
        board = self

        class Write:
            def _consume(self, chunks):
                messages = [buffer_pb2.BufferWriteRequest.FromString(m) for m in chunks]
                pos = messages[0].start
                for message in messages:
                    board.memory[pos:pos + len(message.data)] = message.data
                    pos += len(message.data)
                return buffer_pb2.BufferWriteResponse()

            def __call__(self, chunks, timeout=None):
                board.calls.append("write")
                return self._consume(chunks)

            def future(self, chunks, timeout=None):
                board.calls.append("write.future")
                response = self._consume(chunks)
                return type("Done", (), {"result": lambda self: response,
                                         "cancel": lambda self: None})()

        self.write = Write()

    def stream_unary(self, method, request_serializer=None, response_deserializer=None):
        return self.write

    def unary_stream(self, method, request_serializer=None, response_deserializer=None):
        return None


def _streaming_buffer(n, dtype=np.uint32):
    from pynq_remote.pl_server.bulk_transfer import BulkTransfer
    board = _StreamingBoard(n * np.dtype(dtype).itemsize)
    buf = RemoteBuffer((n,), dtype, stub=object(), buffer_id="b", board_stub=_Board(0),
                       timeout=10, bulk=BulkTransfer(board, lambda method: method))
    return buf, board


@pytest.mark.parametrize("value,future", [
    (lambda n: np.arange(n, dtype=np.uint32), True),                 # the array's own bytes
    (lambda n: np.arange(n, dtype=np.int64), False),                 # cast first: the mirror
    (lambda n: np.arange(n, dtype=np.uint32)[::-1].copy()[::-1], False),  # not C order
    (lambda n: 5, False),                                            # broadcast
    (lambda n: list(range(n)), False),                               # not an array
])
def test_large_slice_writes_send_what_the_mirror_holds(value, future):
    n = (5 << 20) // 4  # past OVERLAP_BYTES: the buffer stream, copying beside it
    buf, board = _streaming_buffer(n)
    buf.freed = False
    buf[:] = value(n)
    expected = np.broadcast_to(np.asarray(value(n)).astype(np.uint32), (n,))
    assert np.array_equal(buf.view(np.ndarray), expected)
    assert bytes(board.memory) == expected.tobytes()
    assert board.calls == ["write.future" if future else "write"]
    buf[n // 2:] = np.zeros(n - n // 2, np.uint32)  # a part, at its own offset
    assert bytes(board.memory[:n // 2 * 4]) == expected[:n // 2].tobytes()
    assert not any(board.memory[n // 2 * 4:])
    buf.freed = True


def test_a_slice_write_from_an_overlapping_part_of_the_buffer_goes_through_the_mirror():
    n = (5 << 20) // 4
    buf, board = _streaming_buffer(2 * n)
    buf.freed = False
    buf.view(np.ndarray)[:] = np.arange(2 * n, dtype=np.uint32)
    expected = np.arange(n // 2, n // 2 + n, dtype=np.uint32)
    buf[:n] = buf.view(np.ndarray)[n // 2:n // 2 + n]  # overlaps what it overwrites
    assert board.calls == ["write"]
    assert bytes(board.memory[:n * 4]) == expected.tobytes()
    assert np.array_equal(buf.view(np.ndarray)[:n], expected)
    buf.freed = True
