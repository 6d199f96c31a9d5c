"""Buffer streams that move bytes between the mirror and the wire with no protobuf copies.

A chunk through the generated stubs is copied four times on the way out (``tobytes``, into
the message, serialized, into gRPC) and three times on the way in (out of gRPC, parsed,
into the mirror). Here the stream's methods take and give serialized messages: a chunk
going out is its few header bytes joined to a slice of the mirror (one copy, then gRPC's);
a chunk coming in is gRPC's bytes, whose payload is copied once into the mirror. Only the
two buffer messages are handled, and only their fields that carry bytes and ranges; an
answer with anything else in it (a 3.1 server's ``msg``) is parsed by protobuf as before.

Wire format: https://protobuf.dev/programming-guides/encoding/ (varints, length-delimited
fields).
"""

import grpc
import numpy as np

from .._proto import buffer_pb2
from ..exceptions import to_exception
from ..progress import MIN_BYTES, Progress, enabled as _progress_enabled

_INT32_MAX = (1 << 31) - 1

# Field tags, (field number << 3) | wire type, of buffer.proto's BufferWriteRequest and
# BufferReadResponse.
_WRITE_BUFFER_ID = 0x0A  # 1, length-delimited
_WRITE_DATA = 0x12       # 2, length-delimited
_WRITE_START = 0x18      # 3, varint (int32)
_WRITE_END = 0x20        # 4, varint (int32)
_WRITE_START64 = 0x28    # 5, varint
_WRITE_END64 = 0x30      # 6, varint
_READ_DATA_FIELD = 3


def _varint(value):
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _read_varint(data, pos):
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise ValueError("malformed varint in a buffer chunk")


def write_chunks(buffer_id, mirror, lo, hi, chunk_bytes, source=None):
    """The serialized BufferWriteRequests that write ``mirror[lo:hi]`` at ``lo``, or the
    ``hi - lo`` bytes of ``source`` (bytes-like) when given.

    The first names the buffer and the whole range; the server continues each later chunk
    where the last ended, so those carry only their data.
    """
    if source is None:
        view, base = memoryview(mirror), 0
    else:  # source[0] goes to byte lo
        view, base = memoryview(source).cast("B"), lo
        if len(view) != hi - lo:
            raise ValueError(f"{len(view)} bytes to write to a range of {hi - lo}")
    ident = buffer_id.encode()
    if hi <= _INT32_MAX:
        span = bytes([_WRITE_START]) + _varint(lo) + bytes([_WRITE_END]) + _varint(hi)
    else:  # 3.1's int32 fields cannot hold it
        span = bytes([_WRITE_START64]) + _varint(lo) + bytes([_WRITE_END64]) + _varint(hi)
    first = bytes([_WRITE_BUFFER_ID]) + _varint(len(ident)) + ident + span
    for pos in range(lo, hi, chunk_bytes):
        end = min(pos + chunk_bytes, hi)
        header = (first if pos == lo else b"") + bytes([_WRITE_DATA]) + _varint(end - pos)
        yield b"".join((header, view[pos - base:end - base]))


def read_payload(message):
    """``(offset, length)`` of the data field in a serialized BufferReadResponse, or None
    when the message holds any other field (an error: parse it with protobuf)."""
    pos, end = 0, len(message)
    found = (0, 0)
    while pos < end:
        tag, pos = _read_varint(message, pos)
        field, wire_type = tag >> 3, tag & 7
        if wire_type != 2:
            return None
        length, pos = _read_varint(message, pos)
        if field != _READ_DATA_FIELD:
            return None
        found = (pos, length)
        pos += length
    if pos != end:
        raise ValueError("truncated buffer chunk")
    return found


class BulkTransfer:
    """The buffer service's two streams, taking and giving serialized messages.

    Parameters
    ----------
    channel : grpc.Channel
        The device's channel.
    wrap : callable
        Adds the device's per-call metadata (its session) to a multicallable, as
        :class:`SessionStub` does for the generated stubs.
    """

    def __init__(self, channel, wrap):
        self._write = wrap(channel.stream_unary(
            "/buffer.RemoteBuffer/write", request_serializer=None,
            response_deserializer=buffer_pb2.BufferWriteResponse.FromString))
        self._read = wrap(channel.unary_stream(
            "/buffer.RemoteBuffer/read",
            request_serializer=buffer_pb2.BufferReadRequest.SerializeToString,
            response_deserializer=None))

    def write(self, buffer_id, mirror, lo, hi, chunk_bytes, timeout, source=None,
              meanwhile=None):
        """Sends ``mirror[lo:hi]`` (a 1-D uint8 array), or the ``hi - lo`` bytes of
        ``source``, to bytes ``lo..hi`` of the buffer. ``meanwhile()``, when given, runs
        here while gRPC's threads stream the chunks; the call waits for both."""
        what = f"writing buffer {buffer_id}"
        chunks = write_chunks(buffer_id, mirror, lo, hi, chunk_bytes, source)
        progress = _progress(what, hi - lo)
        if progress is not None:
            chunks = progress.wrap(chunks)
        try:
            if meanwhile is None:
                response = self._write(chunks, timeout=timeout)
            else:
                call = self._write.future(chunks, timeout=timeout)
                try:
                    meanwhile()
                except BaseException:
                    call.cancel()
                    raise
                response = call.result()
        except grpc.RpcError as error:
            raise to_exception(error, what) from None
        finally:
            if progress is not None:
                progress.close()
        if response.HasField("msg") and response.msg:
            raise to_exception(response.error_code, what, details=response.msg)

    def read(self, buffer_id, mirror, lo, hi, timeout):
        """Fills ``mirror[lo:hi]`` (a 1-D uint8 array) from bytes ``lo..hi`` of the buffer."""
        what = f"reading buffer {buffer_id}"
        if hi <= _INT32_MAX:
            request = buffer_pb2.BufferReadRequest(buffer_id=buffer_id, start=lo, end=hi)
        else:
            request = buffer_pb2.BufferReadRequest(buffer_id=buffer_id, start64=lo, end64=hi)
        pos = lo
        progress = _progress(what, hi - lo)
        try:
            for message in self._read(request, timeout=timeout):
                where = read_payload(message)
                if where is None:
                    response = buffer_pb2.BufferReadResponse.FromString(message)
                    if response.msg:
                        raise to_exception(response.error_code, what, details=response.msg)
                    message = response.data
                    where = (0, len(message))
                offset, length = where
                if pos + length > hi:
                    raise RuntimeError(f"{what}: the server sent more than the {hi - lo} "
                                       "bytes asked for")
                mirror[pos:pos + length] = np.frombuffer(message, np.uint8, length, offset)
                pos += length
                if progress is not None:
                    progress.update(length)
        except grpc.RpcError as error:
            raise to_exception(error, what) from None
        finally:
            if progress is not None:
                progress.close()
        if pos != hi:
            raise RuntimeError(f"{what}: got {pos - lo} of {hi - lo} bytes")


def _progress(what, nbytes):
    """A Progress for a transfer long enough to show one on a terminal, else None (no cost)."""
    if nbytes < MIN_BYTES or not _progress_enabled():
        return None
    return Progress(what, total=nbytes)
