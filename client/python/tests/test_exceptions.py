"""Typed errors: the server's tokens and gRPC failures become pynq_remote's exception
classes, at the MMIO, buffer and DMA call sites, with no server involved."""

import grpc
import numpy as np
import pytest

import pynq_remote
from pynq_remote import exceptions as ex
from pynq_remote._proto import buffer_pb2, mmio_pb2
from pynq_remote.lib import dma as dma_module
from pynq_remote.pl_server.remote_buffer import RemoteBuffer
from pynq_remote.pl_server.remote_mmio import RemoteMMIO


class FakeRpcError(grpc.RpcError):
    """What a failed call raises: a grpc.RpcError that is also a grpc.Call."""

    def __init__(self, code, details, metadata=()):
        super().__init__(details)
        self._code, self._details, self._metadata = code, details, tuple(metadata)

    def code(self):
        return self._code

    def details(self):
        return self._details

    def trailing_metadata(self):
        return self._metadata


TOKENS = [
    ("BUS_SLVERR", ex.SlaveError, (ex.BusError,)),
    ("BUS_DECERR", ex.DecodeError, (ex.BusError,)),
    ("TIMEOUT", ex.BusTimeoutError, (TimeoutError,)),
    ("PERMISSION_DENIED", ex.AccessDeniedError, (PermissionError,)),
    ("LIMIT_EXCEEDED", ex.LimitExceededError, (MemoryError,)),
    ("NO_MEMORY", ex.LimitExceededError, (MemoryError,)),
    ("RESOURCE_EXHAUSTED", ex.LimitExceededError, (MemoryError,)),
    ("NOT_PROGRAMMED", ex.NotProgrammedError, ()),
    ("OUT_OF_WINDOW", ex.OutOfWindowError, (IndexError,)),
    ("UNALIGNED", ex.UnalignedAccessError, (MemoryError,)),
    ("UNKNOWN_ID", ex.UnknownHandleError, ()),
    ("BAD_BITSTREAM", ex.BadBitstreamError, (ValueError,)),
    ("UNAVAILABLE", ex.ConnectionLostError, (ConnectionError,)),
    ("DEADLINE_EXCEEDED", ex.DeadlineExceededError, (TimeoutError,)),
    ("DMA_TIMEOUT", ex.DmaTimeoutError, (TimeoutError,)),
]


@pytest.mark.parametrize("token,cls,also", TOKENS)
def test_each_token_has_its_class_and_stays_a_runtime_error(token, cls, also):
    error = ex.to_exception(token, "MMIO read of 4 bytes at 0xa0000008", details="why",
                            address=0xA0000008)
    assert type(error) is cls
    assert isinstance(error, ex.RemoteError) and isinstance(error, RuntimeError)
    for base in also:
        assert isinstance(error, base)
    assert error.code == token
    assert error.address == 0xA0000008
    assert error.details == "why"
    assert str(error) == "MMIO read of 4 bytes at 0xa0000008: why"


@pytest.mark.parametrize("token", ["", None, "SOMETHING_NEW", "INVALID_ARGUMENT"])
def test_no_or_unknown_token_is_a_plain_remote_error(token):
    # A PYNQ 3.1 server sends no error_code; a newer one may send a token we do not know.
    error = ex.to_exception(token, "freeing buffer 7", details="no such buffer")
    assert type(error) is ex.RemoteError
    assert str(error) == "freeing buffer 7: no such buffer"
    assert error.code == (token or None)


def test_classes_are_exported_from_the_package():
    for name in ["RemoteError", "BusError", "SlaveError", "DecodeError", "BusTimeoutError",
                 "AccessDeniedError", "LimitExceededError", "NotProgrammedError",
                 "OutOfWindowError", "UnknownHandleError", "BadBitstreamError",
                 "ConnectionLostError", "DeadlineExceededError", "DmaTimeoutError"]:
        assert getattr(pynq_remote, name) is getattr(ex, name)
        assert name in pynq_remote.__all__


def test_rpc_error_token_and_address_come_from_trailing_metadata():
    rpc = FakeRpcError(grpc.StatusCode.ABORTED, "4-byte read at 0xA0000008: AXI SLVERR",
                       [(ex.ERROR_CODE_KEY, "BUS_SLVERR"), (ex.ERROR_ADDR_KEY, "0xA0000008")])
    error = ex.to_exception(rpc, "MmioRead")
    assert type(error) is ex.SlaveError
    assert error.address == 0xA0000008
    assert error.details == "4-byte read at 0xA0000008: AXI SLVERR"
    assert str(error) == "MmioRead: 4-byte read at 0xA0000008: AXI SLVERR"


def test_server_timeout_and_client_deadline_are_told_apart():
    bus = FakeRpcError(grpc.StatusCode.DEADLINE_EXCEEDED, "no AXI response",
                       [(ex.ERROR_CODE_KEY, "TIMEOUT")])
    assert type(ex.to_exception(bus)) is ex.BusTimeoutError
    mine = ex.to_exception(FakeRpcError(grpc.StatusCode.DEADLINE_EXCEEDED, "Deadline Exceeded"),
                           "reading buffer 3")
    assert type(mine) is ex.DeadlineExceededError
    assert mine.code == "DEADLINE_EXCEEDED"
    assert "PYNQ_REMOTE_TIMEOUT_S" in str(mine) and str(mine).startswith("reading buffer 3: ")


def test_lost_connection_says_the_call_did_not_complete():
    error = ex.to_exception(FakeRpcError(grpc.StatusCode.UNAVAILABLE, "Socket closed"),
                            "MMIO write of 4 bytes at 0xa0000010")
    assert type(error) is ex.ConnectionLostError
    assert isinstance(error, ConnectionError)
    assert "did not complete" in str(error) and "reconnects" in str(error)
    assert "Socket closed" in str(error)


@pytest.mark.parametrize("status,cls", [
    (grpc.StatusCode.RESOURCE_EXHAUSTED, ex.LimitExceededError),
    (grpc.StatusCode.PERMISSION_DENIED, ex.AccessDeniedError),
    (grpc.StatusCode.UNAUTHENTICATED, ex.AccessDeniedError),
    (grpc.StatusCode.NOT_FOUND, ex.UnknownHandleError),
    (grpc.StatusCode.OUT_OF_RANGE, ex.OutOfWindowError),
    (grpc.StatusCode.ABORTED, ex.BusError),
    (grpc.StatusCode.INVALID_ARGUMENT, ex.RemoteError),
    (grpc.StatusCode.INTERNAL, ex.RemoteError),
])
def test_without_a_token_the_status_code_decides(status, cls):
    error = ex.to_exception(FakeRpcError(status, "text"), "call")
    assert type(error) is cls
    assert error.code == status.name
    assert str(error) == "call: text"


def test_bad_address_metadata_is_ignored():
    rpc = FakeRpcError(grpc.StatusCode.ABORTED, "x",
                       [(ex.ERROR_CODE_KEY, "BUS_DECERR"), (ex.ERROR_ADDR_KEY, "nonsense")])
    error = ex.to_exception(rpc, address=0x1234)
    assert type(error) is ex.DecodeError and error.address == 0x1234


# -- the call sites ----------------------------------------------------------------------

class FakeMmioStub:
    """Answers get_mmio; read/write answer what `answer` says (a response or an error)."""

    def __init__(self, answer):
        self.answer = answer
        self.timeouts = []

    def get_mmio(self, request, timeout=None):
        self.timeouts.append(timeout)
        return mmio_pb2.GetMmioResponse(status=True, mmio_id="m1")

    def _reply(self, timeout):
        self.timeouts.append(timeout)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer

    def read(self, request, timeout=None):
        return self._reply(timeout)

    def write(self, request, timeout=None):
        return self._reply(timeout)


def test_mmio_slave_error_carries_the_address_and_the_deadline_is_passed():
    stub = FakeMmioStub(mmio_pb2.ReadResponse(status=False, msg="4-byte read at 0xA0000008: "
                                              "AXI SLVERR", error_code="BUS_SLVERR"))
    mmio = RemoteMMIO(stub, 0xA0000000, 0x1000, timeout=2.5)
    with pytest.raises(ex.SlaveError) as error:
        mmio.read(8)
    assert error.value.address == 0xA0000008
    assert str(error.value) == "MMIO read of 4 bytes at 0xa0000008: 4-byte read at " \
                               "0xA0000008: AXI SLVERR"
    assert stub.timeouts == [2.5, 2.5]


def test_mmio_write_on_a_31_server_stays_a_runtime_error():
    stub = FakeMmioStub(mmio_pb2.WriteResponse(status=False, msg="it failed"))
    with pytest.raises(RuntimeError, match="MMIO write of 4 bytes at 0xa0000010: it failed"):
        RemoteMMIO(stub, 0xA0000000, 0x1000).write(0x10, 1)


def test_mmio_grpc_failure_is_typed():
    stub = FakeMmioStub(FakeRpcError(grpc.StatusCode.DEADLINE_EXCEEDED, "Deadline Exceeded"))
    with pytest.raises(ex.DeadlineExceededError) as error:
        RemoteMMIO(stub, 0xA0000000, 0x1000, timeout=0.1).read(0)
    assert error.value.address == 0xA0000000


def test_mmio_window_refused_by_policy_is_access_denied():
    class Refusing(FakeMmioStub):
        def get_mmio(self, request, timeout=None):
            return mmio_pb2.GetMmioResponse(status=False, msg="outside what MMIO may reach",
                                            error_code="PERMISSION_DENIED")

    with pytest.raises(ex.AccessDeniedError, match="MMIO window 0xa0f00000\\+0x1000"):
        RemoteMMIO(Refusing(None), 0xA0F00000, 0x1000)


class FakeBufferStub:
    def __init__(self):
        self.timeouts = []

    def freebuffer(self, request, timeout=None):
        self.timeouts.append(timeout)
        return buffer_pb2.FreeBufferResponse(msg="no buffer with id \"b1\"",
                                             error_code="UNKNOWN_ID")

    def read(self, request, timeout=None):
        self.timeouts.append(timeout)
        raise FakeRpcError(grpc.StatusCode.UNAVAILABLE, "Socket closed")


def test_buffer_errors_are_typed_and_streams_get_a_size_scaled_deadline():
    stub = FakeBufferStub()
    buf = RemoteBuffer((1 << 20,), np.uint8, stub=stub, buffer_id="b1", timeout=1.0)
    with pytest.raises(ex.ConnectionLostError, match="reading buffer b1"):
        buf._fetch(0, 1 << 20)
    assert stub.timeouts[-1] == pytest.approx(1.0 + (1 << 20) / 50e6)
    with pytest.raises(ex.UnknownHandleError, match="freeing buffer b1: no buffer"):
        buf.freebuffer()
    assert stub.timeouts[-1] == 1.0


# -- DMA ---------------------------------------------------------------------------------

class FakeDmaRegisters:
    """A DMA whose channels start and reset but never finish a transfer."""

    def __init__(self):
        self.regs = {}

    def read(self, offset, length=4):
        if offset % 0x30 == 0x04:  # DMASR: running (not halted) once RS is set, never idle
            return 0x0 if self.regs.get(offset - 4, 0) & 0x1 else 0x1
        return self.regs.get(offset, 0) & ~0x4  # DMACR.Reset clears itself at once

    def write(self, offset, value):
        self.regs[offset] = value
        if offset % 0x30 == 0 and value & 0x4:  # soft reset: both channels halt
            self.regs[0x00] = self.regs[0x30] = 0


class FakeArray:
    nbytes = 4096
    physical_address = 0x40000000

    def flush(self):
        pass


def make_dma():
    mmio = FakeDmaRegisters()
    send = dma_module._SDMAChannel(mmio, (1 << 26) - 1, 8, True, False, "dma.sendchannel")
    recv = dma_module._SDMAChannel(mmio, (1 << 26) - 1, 8, False, False, "dma.recvchannel")
    send._siblings = recv._siblings = (send, recv)
    return mmio, send, recv


def test_dma_wait_times_out_naming_channel_bytes_and_status():
    _, send, _ = make_dma()
    send.transfer(FakeArray())
    with pytest.raises(ex.DmaTimeoutError) as error:
        send.wait(timeout=0.2)
    text = str(error.value)
    assert "dma.sendchannel" in text and "4096 bytes" in text and "0.2 s" in text
    assert "DMASR=0x00000000 (running, busy)" in text
    assert isinstance(error.value, TimeoutError) and isinstance(error.value, RuntimeError)
    assert not error.value.stalled
    with pytest.raises(ex.DmaTimeoutError):  # still its transfer: wait() may try again
        send.wait(timeout=0.05)


def test_dma_default_timeout_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("PYNQ_REMOTE_DMA_TIMEOUT_S", "0.1")
    _, _, recv = make_dma()
    recv.transfer(FakeArray())
    with pytest.raises(ex.DmaTimeoutError, match="within 0.1 s"):
        recv.wait()
    monkeypatch.delenv("PYNQ_REMOTE_DMA_TIMEOUT_S")
    assert dma_module._default_timeout() == 5.0


class FinishingDmaRegisters(FakeDmaRegisters):
    """A DMA whose transfer finishes (DMASR.Idle) once ``finish()`` has been called."""

    done = False

    def finish(self):
        self.done = True

    def read(self, offset, length=4):
        if offset % 0x30 == 0x04 and self.done:
            return 0x2
        return super().read(offset, length)


class FakeSimBoard:
    """A simulated board's progress report: PL busy, its cycle count advancing on every
    question while ``moving``; ``on_check`` runs at each question (the test's clock)."""

    def __init__(self, moving=True, active=True, on_check=None):
        self.moving, self.active, self.on_check = moving, active, on_check
        self.cycles, self.checks = 1000, 0

    def pl_progress(self):
        self.checks += 1
        if self.on_check:
            self.on_check(self.checks)
        if self.moving:
            self.cycles += 777
        return self.active, self.cycles


def sim_channel(board, mmio=None):
    mmio = mmio or FakeDmaRegisters()
    channel = dma_module._SDMAChannel(mmio, (1 << 26) - 1, 8, True, False, "dma.sendchannel",
                                      device=board)
    channel.transfer(FakeArray())
    return mmio, channel


def test_dma_default_wait_outlasts_its_timeout_while_the_simulated_board_progresses(
        monkeypatch):
    # A simulation slower than the timeout (a loaded machine, a sanitizer build): the wait
    # goes on as long as the board's cycles advance, here 8 checks of 0.25 s past a 0.3 s
    # limit, and returns once the transfer is done.
    monkeypatch.setenv("PYNQ_REMOTE_DMA_TIMEOUT_S", "0.3")
    mmio = FinishingDmaRegisters()
    board = FakeSimBoard(on_check=lambda n: n == 8 and mmio.finish())
    _, channel = sim_channel(board, mmio)
    channel.wait()
    assert board.checks >= 8 and channel._active_buffer is None


def test_dma_default_wait_fails_once_the_busy_board_stops_advancing(monkeypatch):
    monkeypatch.setenv("PYNQ_REMOTE_DMA_TIMEOUT_S", "0.3")
    board = FakeSimBoard(on_check=lambda n: n == 4 and setattr(board, "moving", False))
    _, channel = sim_channel(board)
    with pytest.raises(ex.DmaTimeoutError, match="made no progress for 0.3 s") as error:
        channel.wait()
    assert "PL busy, PL cycles at" in str(error.value) and not error.value.stalled
    assert board.checks >= 4  # it waited past 0.3 s while the board still moved


def test_dma_explicit_timeout_bounds_the_wall_time_even_while_the_board_progresses():
    board = FakeSimBoard()
    _, channel = sim_channel(board)
    with pytest.raises(ex.DmaTimeoutError, match="within 0.6 s"):
        channel.wait(timeout=0.6)
    assert board.checks <= 4


def test_dma_wait_on_an_idle_simulated_pl_fails_at_once_as_stalled():
    _, channel = sim_channel(FakeSimBoard(moving=False, active=False))
    with pytest.raises(ex.DmaTimeoutError, match="cannot complete") as error:
        channel.wait()
    assert error.value.stalled


def test_dma_wait_with_a_device_that_only_knows_pl_active():
    class ActiveOnly:
        def pl_active(self):
            return False

    _, channel = sim_channel(ActiveOnly())
    with pytest.raises(ex.DmaTimeoutError, match="cannot complete"):
        channel.wait()


def test_dma_reset_restarts_both_channels():
    mmio, send, recv = make_dma()
    send.transfer(FakeArray())
    send.reset()
    assert send.running and recv.running
    assert send._active_buffer is None and recv._active_buffer is None
    assert mmio.regs[0x00] & 0x1 and mmio.regs[0x30] & 0x1


def test_describe_status_names_the_bits():
    assert dma_module.describe_status(0x1) == "DMASR=0x00000001 (Halted)"
    assert dma_module.describe_status(0x1002) == "DMASR=0x00001002 (running, Idle, IOC_Irq)"
    assert dma_module.describe_status(0x4041) == \
        "DMASR=0x00004041 (Halted, DMADecErr, Err_Irq)"
