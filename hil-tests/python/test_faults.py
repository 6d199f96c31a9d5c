"""Faults end to end, through PYNQ's API: bus errors become typed exceptions with their
address, a stalled slave times out within the server's --bus-timeout-us and the board
recovers, a DMA that never finishes raises DmaTimeoutError and reset() or a new download
brings it back, and no server thread stays stuck.

Fault injection is the reference design's (rtl/designs/ref_accel): holes in ref_regs answer
SLVERR, addresses no instance decodes answer DECERR, and STALL (0x28) makes the next read
wait that many PL cycles. These servers run with --mmio-policy open so that DECERR can be
reached (the default policy refuses addresses the overlay does not map).
"""

import threading
import time

import grpc
import numpy as np
import pytest

import pynq_remote as pynq
from pynq_remote._proto import mmio_pb2, mmio_pb2_grpc
from pynq_remote._proto.pynq_remote.v1 import board_pb2, board_pb2_grpc
from pynq_remote.exceptions import ERROR_ADDR_KEY, ERROR_CODE_KEY, to_exception

from conftest import SimServer, budget

REGS = 0xA0000000
ID, VERSION, HOLE, SCRATCH0, STALL = 0x00, 0x04, 0x08, 0x10, 0x28
REFA = 0x52454641
PL0_REF_CTRL = 0xFF5E00C0  # a PS register: answers whatever the PL does
FIFO_BYTES = 64  # dma_loopback's stream FIFO: 16 beats of 4 bytes


def connect(server):
    return pynq.RemoteDevice(0, server.address)


def program(dev, designs, name="ref_accel"):
    pynq.Bitstream(f"{designs}/{name}/{name}.bit", device=dev).download()
    return pynq.MMIO(REGS, 0x1000, device=dev)


@pytest.fixture(scope="module")
def server():
    srv = SimServer("--mmio-policy", "open")
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def dev(server):
    d = connect(server)
    yield d
    d.close()


# -- bus errors --------------------------------------------------------------------------

def test_slave_error_is_a_slave_error_with_its_address(dev, designs):
    regs = program(dev, designs)
    with pytest.raises(pynq.SlaveError) as error:
        regs.read(HOLE)
    assert error.value.address == REGS + HOLE
    assert error.value.code == "BUS_SLVERR"
    assert isinstance(error.value, pynq.BusError) and isinstance(error.value, RuntimeError)
    assert "SLVERR" in str(error.value) and "0xa0000008" in str(error.value)
    with pytest.raises(pynq.SlaveError) as error:
        regs.write(ID, 1)  # read-only
    assert error.value.address == REGS + ID
    assert regs.read(ID) == REFA  # the board goes on


def test_decode_error_is_a_decode_error(dev, designs):
    program(dev, designs)
    for base in (REGS + 0x2000, 0xB0000000):  # no instance there; HPM1 empty
        with pytest.raises(pynq.DecodeError) as error:
            pynq.MMIO(base, 0x1000, device=dev).read(0x10)
        assert error.value.address == base + 0x10
        assert error.value.code == "BUS_DECERR"


def test_the_wire_carries_the_token(server, dev, designs):
    program(dev, designs)
    channel = grpc.insecure_channel(server.address)
    # A PYNQ 3.1 answer: msg as before, and our error_code beside it.
    mmio = mmio_pb2_grpc.MmioStub(channel)
    mmio_id = mmio.get_mmio(mmio_pb2.GetMmioRequest(base_addr=REGS, length=0x1000)).mmio_id
    answer = mmio.read(mmio_pb2.ReadRequest(mmio_id=mmio_id, offset=HOLE, length=4), timeout=5)
    assert not answer.status and "SLVERR" in answer.msg
    assert answer.error_code == "BUS_SLVERR"
    # Our Board service: a gRPC status with the token and address in trailing metadata.
    board = board_pb2_grpc.BoardStub(channel)
    with pytest.raises(grpc.RpcError) as error:
        board.MmioRead(board_pb2.MmioReadRequest(address=REGS + 0x2000, width=4), timeout=5)
    metadata = dict(error.value.trailing_metadata())
    assert error.value.code() == grpc.StatusCode.ABORTED
    assert metadata[ERROR_CODE_KEY] == "BUS_DECERR"
    assert metadata[ERROR_ADDR_KEY] == "0xA0002000"
    typed = to_exception(error.value, "MmioRead")
    assert isinstance(typed, pynq.DecodeError) and typed.address == REGS + 0x2000
    channel.close()


# -- a stalled slave ---------------------------------------------------------------------

def stalled_read(regs, reg=ID):
    """A read of `reg` after STALL was armed for good; returns (exception, seconds)."""
    regs.write(STALL, 0xFFFFFFFF)  # 43 s of simulated time: for good, as far as tests go
    start = time.monotonic()
    with pytest.raises(pynq.BusTimeoutError) as error:
        regs.read(reg)
    return error.value, time.monotonic() - start


def sim_time_ps(srv):
    """The simulated board's clock, from a channel of its own (no session needed)."""
    with grpc.insecure_channel(srv.address) as channel:
        board = board_pb2_grpc.BoardStub(channel)
        return board.GetInfo(board_pb2.GetInfoRequest(), timeout=budget(5)).sim_time_ps


@pytest.mark.parametrize("timeout_us", [50, 20000])
def test_stalled_slave_times_out_within_the_bus_timeout_then_recovers(designs, timeout_us):
    srv = SimServer("--mmio-policy", "open", "--bus-timeout-us", str(timeout_us))
    d = connect(srv)
    try:
        regs = program(d, designs)
        error, took = stalled_read(regs)
        assert error.address == REGS + ID and error.code == "TIMEOUT"
        assert isinstance(error, TimeoutError) and isinstance(error, RuntimeError)
        assert f"({timeout_us} us of simulated time)" in str(error)
        assert took < budget(2.0), f"{timeout_us} us of simulated time took {took:.3f} s"
        # Reads of that slave stay blocked behind the stalled one (one read at a time, as
        # on a real AXI4-Lite slave); everything else answers.
        with pytest.raises(pynq.BusTimeoutError):
            regs.read(VERSION)
        regs.write(SCRATCH0, 0x1234)
        assert pynq.MMIO(PL0_REF_CTRL, 4, device=d).read(0) != 0
        assert d.pl_active() is not None  # GetInfo answers
        # Programming the design again resets the stuck slave.
        regs = program(d, designs)
        assert regs.read(ID) == REFA
        assert regs.read(SCRATCH0) == 0
    finally:
        d.close()
        srv.stop()


def test_a_longer_bus_timeout_takes_longer(designs):
    # Measured in simulated time, which a loaded machine does not change (wall time would).
    took_ps = {}
    for timeout_us in (50, 50000):
        srv = SimServer("--bus-timeout-us", str(timeout_us))
        d = connect(srv)
        try:
            regs = program(d, designs)
            before = sim_time_ps(srv)
            stalled_read(regs)
            took_ps[timeout_us] = sim_time_ps(srv) - before
        finally:
            d.close()
            srv.stop()
    assert took_ps[50] >= 50 * 10**6, took_ps
    assert took_ps[50000] >= 50000 * 10**6, took_ps
    assert took_ps[50000] > took_ps[50], took_ps


def test_late_answer_of_a_timed_out_read_goes_nowhere(dev, designs):
    # Default bus timeout: 100000 PL cycles. A stall of 150000 outlasts it; the next read
    # (another register) waits out the rest behind it and gets its own answer, not ID.
    regs = program(dev, designs)
    regs.write(STALL, 150000)
    with pytest.raises(pynq.BusTimeoutError):
        regs.read(ID)
    assert regs.read(VERSION) == 0x00010000
    assert regs.read(ID) == REFA


def test_client_deadline_shorter_than_the_bus_timeout(designs):
    # The server waits 2 s of simulated time for the slave (several seconds of wall time);
    # the client gives up after its own deadline, with a different exception, and the
    # server keeps answering what does not need the bus meanwhile.
    srv = SimServer("--bus-timeout-us", "2000000")
    d = connect(srv)
    board = board_pb2_grpc.BoardStub(grpc.insecure_channel(srv.address))
    try:
        regs = program(d, designs)
        regs.write(STALL, 0xFFFFFFFF)
        d.timeout = 0.5
        impatient = pynq.MMIO(REGS, 0x1000, device=d)
        start = time.monotonic()
        with pytest.raises(pynq.DeadlineExceededError) as error:
            impatient.read(ID)
        took = time.monotonic() - start
        assert 0.4 < took < budget(2.0), took
        assert isinstance(error.value, TimeoutError)
        assert error.value.address == REGS + ID
        # The stalled access holds the bus for seconds; GetInfo does not wait behind it.
        start = time.monotonic()
        info = board.GetInfo(board_pb2.GetInfoRequest(), timeout=budget(2))
        assert time.monotonic() - start < budget(0.5)
        assert info.fpga_state == "operating"
    finally:
        d.close()
        srv.proc.kill()  # rather than wait for the stalled access to time out
        srv.stop()


def test_no_server_thread_stays_stuck(designs):
    # Not a count of the server's threads (gRPC adds and retires pollers as it sees fit, the
    # more so on a loaded machine) but its ceiling: with at most 8 call threads, a thread
    # left stuck by each of 20 stalls would run out of them, and the calls after would get
    # RESOURCE_EXHAUSTED instead of their answers.
    srv = SimServer("--max-threads", "8")  # the default bus timeout, 1000 us
    d = connect(srv)
    board = board_pb2_grpc.BoardStub(grpc.insecure_channel(srv.address))
    try:
        for _ in range(20):
            error, _ = stalled_read(program(d, designs))
            assert error.code == "TIMEOUT"
        assert board.GetInfo(board_pb2.GetInfoRequest(), timeout=budget(2)).fpga_state == \
            "operating"
    finally:
        d.close()
        srv.stop()


def test_server_lost_mid_call_is_a_connection_lost_error(designs):
    srv = SimServer("--bus-timeout-us", "2000000")
    d = connect(srv)
    try:
        regs = program(d, designs)
        regs.write(STALL, 0xFFFFFFFF)
        outcome = []

        def read():
            try:
                regs.read(ID)
            except Exception as error:  # noqa: BLE001 - checked below
                outcome.append(error)

        call = threading.Thread(target=read)
        call.start()
        time.sleep(budget(0.3))  # the read is in flight, the server stuck in it
        srv.proc.kill()
        call.join(timeout=10)
        assert outcome and isinstance(outcome[0], pynq.ConnectionLostError), outcome
        assert isinstance(outcome[0], ConnectionError)
        assert "did not complete" in str(outcome[0])
    finally:
        d.close()
        srv.stop()


# -- a DMA that never finishes -----------------------------------------------------------

@pytest.fixture
def dma_overlay(dev, designs):
    return pynq.Overlay(f"{designs}/dma_loopback/dma_loopback.bit", device=dev)


def loopback_works(dma, dev, n=4096, seed=1):
    data = np.random.default_rng(seed).integers(0, 256, n, dtype=np.uint8)
    src = pynq.allocate((n,), np.uint8, target=dev)
    dst = pynq.allocate((n,), np.uint8, target=dev)
    src[:] = data
    dma.recvchannel.transfer(dst)
    dma.sendchannel.transfer(src)
    dma.sendchannel.wait()
    dma.recvchannel.wait()
    ok = np.array_equal(dst[:], data)
    src.freebuffer()
    dst.freebuffer()
    return ok


def test_send_that_never_drains_raises_then_reprogramming_recovers(dma_overlay, dev, designs):
    dma = dma_overlay.axi_dma_0
    src = pynq.allocate((1 << 16,), np.uint8, target=dev)  # far more than the FIFO holds
    src[:] = 1
    dma.sendchannel.transfer(src)  # S2MM never started: nothing drains the FIFO
    start = time.monotonic()
    with pytest.raises(pynq.DmaTimeoutError) as error:
        dma.sendchannel.wait(timeout=3)
    assert time.monotonic() - start < 3 + budget(0.5)
    text = str(error.value)
    assert "axi_dma_0.sendchannel" in text and "65536 bytes" in text and "DMASR=" in text
    assert isinstance(error.value, TimeoutError) and isinstance(error.value, RuntimeError)
    src.freebuffer()
    ol = pynq.Overlay(f"{designs}/dma_loopback/dma_loopback.bit", device=dev)
    assert loopback_works(ol.axi_dma_0, dev)


def test_receive_with_no_data_raises_then_reset_recovers(dev, designs):
    dma = pynq.Overlay(f"{designs}/dma_loopback/dma_loopback.bit", device=dev).axi_dma_0
    dst = pynq.allocate((4096,), np.uint8, target=dev)
    dma.recvchannel.transfer(dst)  # no MM2S: no data ever comes
    start = time.monotonic()
    with pytest.raises(pynq.DmaTimeoutError, match="recvchannel.*4096 bytes"):
        dma.recvchannel.wait(timeout=3)
    assert time.monotonic() - start < 3 + budget(0.5)
    dma.reset()
    assert dma.sendchannel.running and dma.recvchannel.running
    dst.freebuffer()
    assert loopback_works(dma, dev)


def test_timeout_shorter_than_the_stall_check(dev, designs):
    # On hardware nothing tells the client that the PL went idle: the timeout alone ends
    # the wait. Shorter than the simulated board's stall detection, it does here too.
    dma = pynq.Overlay(f"{designs}/dma_loopback/dma_loopback.bit", device=dev).axi_dma_0
    dst = pynq.allocate((4096,), np.uint8, target=dev)
    dma.recvchannel.transfer(dst)
    start = time.monotonic()
    with pytest.raises(pynq.DmaTimeoutError, match="within 0.2 s") as error:
        dma.recvchannel.wait(timeout=0.2)
    assert time.monotonic() - start < 0.2 + budget(0.8)
    assert not error.value.stalled
    assert "DMASR=0x00000000 (running, busy)" in str(error.value)
    dma.reset()
    dst.freebuffer()
    assert loopback_works(dma, dev)


def test_reset_after_a_stuck_send_leaves_the_fifo_to_drain(dev, designs):
    # The DMA's soft reset drops what the DMA holds, not what the stream FIFO behind it
    # holds (as on hardware): the next receive gets those bytes first.
    dma = pynq.Overlay(f"{designs}/dma_loopback/dma_loopback.bit", device=dev).axi_dma_0
    src = pynq.allocate((1 << 16,), np.uint8, target=dev)
    src[:] = np.arange(1 << 16) % 251
    dma.sendchannel.transfer(src)
    with pytest.raises(pynq.DmaTimeoutError):
        dma.sendchannel.wait()
    dma.reset()
    stale = pynq.allocate((FIFO_BYTES,), np.uint8, target=dev)
    dma.recvchannel.transfer(stale)
    dma.recvchannel.wait(timeout=3)
    assert np.array_equal(stale[:], src[:FIFO_BYTES])
    src.freebuffer()
    stale.freebuffer()
    assert loopback_works(dma, dev)
