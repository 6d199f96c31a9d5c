"""Fewer round trips (issue 18): ``MMIO.read_many`` / ``write_many`` over Board.MmioBatch and
``MMIO.poll`` over Board.MmioPoll, and the drivers that use them (the AXI DMA's ``wait()``, an
HLS block's ``wait_for_done()``), on the simulated ZCU104 started here (or the Zynq
UltraScale+ board PYNQ_REMOTE_DEVICES names), each against the same calls with the Board
service's batches and polls turned off, as a PYNQ 3.1 server has them: same results, same
typed errors. Calls are counted at the client's stubs: the board-side wait is one MmioPoll
where the client used to read DMASR or CTRL over and over.
"""

import collections
import os

import numpy as np
import pytest

import pynq_remote as pynq
from conftest import budget
from family_board import FamilyBoard, is_sim
from pynq_remote._proto.pynq_remote.v1 import board_pb2

REGS = 0xA0000000  # ref_regs_0: ID, VERSION, SCRATCH0..3 at 0x10, SLVERR past 0x2C
SCRATCH0, BAD = 0x10, 0x40
AP_DONE, AP_IDLE = 0x2, 0x4


@pytest.fixture(scope="module")
def board():
    board = FamilyBoard("zynqmp")
    yield board
    board.close()


@pytest.fixture(scope="module")
def zu(board):
    return board.device


def design(designs, name):
    return os.path.join(designs, name, name + ".bit")


class Counting:
    """A stub whose calls are counted by method name in ``counts``."""

    def __init__(self, stub, counts):
        self._stub = stub
        self._counts = counts

    def __getattr__(self, name):
        method = getattr(self._stub, name)

        def call(*args, **kwargs):
            self._counts[name] += 1
            return method(*args, **kwargs)
        return call


@pytest.fixture
def counts(zu):
    """Counts every call this device's stubs make from here on; the board's batches and
    polls as the server announced them, restored afterwards."""
    counts = collections.Counter()
    features = zu.board_features()
    saved = dict(zu._stub), features.stub, features.batch, features.poll
    for key, stub in saved[0].items():
        zu._stub[key] = Counting(stub, counts)
    features.stub = zu._stub.get("board")
    yield counts
    zu._stub.clear()
    zu._stub.update(saved[0])
    features.stub, features.batch, features.poll = saved[1:]


def as_pynq31(zu, off):
    """Turns the Board service's batches and polls off (on) for this device's MMIO, as a
    server without them: the client's own single accesses stand in."""
    features = zu.board_features()
    if off:
        features.batch = features.poll = False
    else:
        caps = set(zu.info.capabilities)
        features.batch, features.poll = "mmio_batch" in caps, "mmio_poll" in caps


@pytest.fixture(params=["board", "pynq31"])
def mode(request, zu, counts):
    if zu.info is None or "mmio_poll" not in zu.info.capabilities:
        pytest.skip("the board's server has no Board.MmioPoll")
    as_pynq31(zu, request.param == "pynq31")
    yield request.param
    as_pynq31(zu, False)


# -- the DMA -------------------------------------------------------------------------------

def loopback(zu, dma, n, seed):
    data = np.random.default_rng(seed).integers(0, 256, n, dtype=np.uint8)
    src = pynq.allocate((n,), np.uint8, target=zu)
    dst = pynq.allocate((n,), np.uint8, target=zu)
    src[:] = data
    dst[:] = 0
    return data, src, dst


@pytest.mark.parametrize("n", [4096, 1 << 16])
def test_dma_wait(zu, designs, counts, mode, n):
    dma = pynq.Overlay(design(designs, "dma_loopback"), device=zu).axi_dma_0
    data, src, dst = loopback(zu, dma, n, n)
    dma.recvchannel.transfer(dst)
    dma.sendchannel.transfer(src)
    counts.clear()
    dma.sendchannel.wait()
    dma.recvchannel.wait()
    assert np.array_equal(np.asarray(dst), data)
    assert dma.sendchannel.transferred == n and dma.recvchannel.transferred == n
    if mode == "board":
        # Each wait: MmioPoll until Idle (and GetInfo now and then on a slow run), then one
        # read of LENGTH; DMASR is never read from here.
        assert counts["MmioPoll"] >= 2 and counts["read"] == 2, counts
    else:
        assert counts["MmioPoll"] == 0 and counts["read"] >= 4, counts
    src.freebuffer()
    dst.freebuffer()


def test_dma_start_stop_reset_poll_on_the_board(zu, designs, counts, mode):
    dma = pynq.Overlay(design(designs, "dma_loopback"), device=zu).axi_dma_0
    counts.clear()
    dma.recvchannel.stop()
    assert not dma.recvchannel.running
    dma.reset()
    assert dma.sendchannel.running and dma.recvchannel.running
    assert (counts["MmioPoll"] > 0) == (mode == "board"), counts


def test_dma_error_bits_are_named_as_before(zu, designs, mode):
    dma = pynq.Overlay(design(designs, "dma_loopback"), device=zu).axi_dma_0

    class Nowhere:  # a "buffer" at an address no memory decodes
        nbytes = 4096
        physical_address = 0x7_0000_0000

        def flush(self):
            pass

    dma.sendchannel.transfer(Nowhere())
    with pytest.raises(RuntimeError, match=r"axi_dma_0\.sendchannel: DMA (Slave|Decode) Error"):
        dma.sendchannel.wait(timeout=budget(10))
    dma.reset()
    data, src, dst = loopback(zu, dma, 256, 3)
    dma.recvchannel.transfer(dst)
    dma.sendchannel.transfer(src)
    dma.sendchannel.wait()
    dma.recvchannel.wait()
    assert np.array_equal(np.asarray(dst), data)
    src.freebuffer()
    dst.freebuffer()


def test_dma_that_cannot_finish_still_says_so(zu, designs, mode):
    dma = pynq.Overlay(design(designs, "dma_loopback"), device=zu).axi_dma_0
    dst = pynq.allocate((4096,), np.uint8, target=zu)
    dma.recvchannel.transfer(dst)  # nothing sends
    with pytest.raises(pynq.DmaTimeoutError, match="recvchannel.*4096 bytes") as error:
        dma.recvchannel.wait(timeout=budget(3))
    if is_sim(zu):
        assert error.value.stalled or "within" in str(error.value)
    dma.reset()
    dst.freebuffer()


# -- an HLS block --------------------------------------------------------------------------

def start_accel(zu, accel, n, constant):
    src = pynq.allocate((n,), np.uint32, target=zu)
    dst = pynq.allocate((n,), np.uint32, target=zu)
    src[:] = np.arange(n, dtype=np.uint32)
    dst[:] = 0
    regs = accel.register_map
    for name, value in (("src_1", src.physical_address & 0xFFFFFFFF),
                        ("src_2", src.physical_address >> 32),
                        ("dst_1", dst.physical_address & 0xFFFFFFFF),
                        ("dst_2", dst.physical_address >> 32),
                        ("length", src.nbytes), ("op", 1), ("constant", constant)):
        setattr(regs, name, value)
    regs.CTRL.AP_START = 1
    return src, dst


def test_hls_start_and_wait_for_done(zu, designs, counts, mode):
    accel = pynq.Overlay(design(designs, "ref_accel"), device=zu).mem_accel_0
    n = 1 << 16
    src, dst = start_accel(zu, accel, n, 5)
    counts.clear()
    ctrl = accel.wait_for_done(timeout=budget(30))
    assert ctrl & (AP_DONE | AP_IDLE)
    if mode == "board":
        assert counts["MmioPoll"] == 1 and counts["read"] == 0, counts
    else:
        assert counts["MmioPoll"] == 0 and counts["read"] >= 1, counts
    dst.invalidate()
    assert np.array_equal(np.asarray(dst), np.arange(n, dtype=np.uint32) + 5)
    assert accel.register_map.CTRL.AP_IDLE == 1
    src.freebuffer()
    dst.freebuffer()


def test_poll_timeout_names_the_register(zu, designs, mode):
    pynq.Overlay(design(designs, "ref_accel"), device=zu)
    regs = pynq.MMIO(REGS, 0x1000, device=zu)
    regs.write(SCRATCH0, 0x1234)
    with pytest.raises(pynq.MmioPollTimeoutError) as error:
        regs.poll(SCRATCH0, 0x5, mask=0xF, timeout=0.05)
    text = str(error.value)
    assert f"{REGS + SCRATCH0:#x}" in text and "0xf" in text and "0x5" in text, text
    assert error.value.last_value == 0x1234 and error.value.reads >= 1
    assert isinstance(error.value, TimeoutError) and error.value.address == REGS + SCRATCH0
    assert regs.poll(SCRATCH0, 0x4, mask=0xF) == 0x1234
    assert regs.poll(SCRATCH0, 0x5, mask=0xF, equal=False) == 0x1234
    with pytest.raises(pynq.SlaveError):
        regs.poll(BAD, 1, mask=1, timeout=1)
    with pytest.raises(ValueError, match="mask"):
        regs.poll(SCRATCH0, 0x10, mask=0xF)


# -- many accesses, one round trip ---------------------------------------------------------

def test_read_many_and_write_many_equal_single_accesses(zu, designs, counts, mode):
    pynq.Overlay(design(designs, "ref_accel"), device=zu)
    regs = pynq.MMIO(REGS, 0x1000, device=zu)
    counts.clear()
    regs.write_many([(SCRATCH0, 0x11111111), (SCRATCH0 + 4, 0xFFFFFFFF),
                     (SCRATCH0 + 8, -2), (SCRATCH0 + 12, 0x80000000)])
    assert counts["MmioBatch"] == (1 if mode == "board" else 0), counts
    singles = [regs.read(SCRATCH0 + 4 * i) for i in range(4)]
    assert singles == [0x11111111, 0xFFFFFFFF, 0xFFFFFFFE, 0x80000000]
    counts.clear()
    many = regs.read_many([0x0, 0x4] + [SCRATCH0 + 4 * i for i in range(4)])
    assert counts["MmioBatch"] == (1 if mode == "board" else 0), counts
    assert many.dtype == np.uint32
    assert list(many) == [regs.read(0x0), regs.read(0x4)] + singles
    # Other widths, and one per offset.
    regs.write_many([SCRATCH0, SCRATCH0 + 8], [0x0123456789ABCDEF, 7], length=8)
    assert regs.read(SCRATCH0, 8) == 0x0123456789ABCDEF and regs.read(SCRATCH0 + 8, 8) == 7
    assert list(regs.read_many([SCRATCH0, SCRATCH0 + 2], length=2)) == [0xCDEF, 0x89AB]
    mixed = regs.read_many([SCRATCH0, SCRATCH0, SCRATCH0 + 3], length=[8, 4, 1])
    assert mixed.dtype == np.uint64
    assert list(mixed) == [0x0123456789ABCDEF, 0x89ABCDEF, 0x89]
    regs.write_many([SCRATCH0 + 4 * i for i in range(4)], 0)
    assert list(regs.array[SCRATCH0 // 4:SCRATCH0 // 4 + 4]) == [0, 0, 0, 0]
    regs.array[SCRATCH0 // 4:SCRATCH0 // 4 + 4] = [4, 3, 2, 1]
    assert list(regs.read_many(SCRATCH0 + 4 * i for i in range(4))) == [4, 3, 2, 1]


def test_a_failing_access_is_typed_as_alone_and_says_what_ran(zu, designs, mode):
    pynq.Overlay(design(designs, "ref_accel"), device=zu)
    regs = pynq.MMIO(REGS, 0x1000, device=zu)
    with pytest.raises(pynq.RemoteError) as alone:
        regs.read(BAD)
    regs.write(SCRATCH0, 0)
    with pytest.raises(type(alone.value)) as error:
        regs.write_many([(SCRATCH0, 1), (SCRATCH0 + 4, 2), (BAD, 3), (SCRATCH0 + 8, 4)])
    assert error.value.completed == 2 and type(error.value) is type(alone.value)
    assert "op 2 of 4" in str(error.value) and f"{REGS + BAD:#x}" in str(error.value)
    assert error.value.address == REGS + BAD
    assert regs.read(SCRATCH0 + 4) == 2 and regs.read(SCRATCH0 + 8) != 4  # stopped there
    with pytest.raises(pynq.SlaveError) as error:
        regs.read_many([SCRATCH0, BAD, SCRATCH0])
    assert error.value.completed == 1 and list(error.value.values) == [1]
    assert str(error.value.op_error) == str(alone.value)
    # Checked before any access: the window, the alignment, the width.
    regs.write(SCRATCH0, 9)
    with pytest.raises(pynq.OutOfWindowError):
        regs.write_many([(SCRATCH0, 1), (0x1000, 1)])
    with pytest.raises(pynq.UnalignedAccessError):
        regs.read_many([SCRATCH0, 2])
    with pytest.raises(ValueError):
        regs.read_many([SCRATCH0], length=3)
    with pytest.raises(ValueError, match="does not fit"):
        regs.write_many([SCRATCH0], [1 << 32])
    assert regs.read(SCRATCH0) == 9


def test_register_map_repr_reads_each_register_once(zu, designs, counts, mode):
    accel = pynq.Overlay(design(designs, "ref_accel"), device=zu).mem_accel_0
    accel.register_map.constant = 0xABC
    counts.clear()
    text = repr(accel.register_map)
    assert "constant = Register(constant=2748)," in text, text
    assert counts["MmioBatch"] == (1 if mode == "board" else 0), counts
    if mode == "board":
        assert counts["read"] == 0, counts


# -- a deterministic board -----------------------------------------------------------------

def test_a_deterministic_board_advances_between_polls_when_asked(designs):
    board = FamilyBoard("zynqmp", "--deterministic")
    try:
        if not is_sim(board.device) or not board.device.info.deterministic:
            pytest.skip("a deterministic simulated board only")
        runs = []
        for _ in range(2):
            accel = pynq.Overlay(design(designs, "ref_accel"), device=board.device).mem_accel_0
            src, dst = start_accel(board.device, accel, 1024, 1)
            cycles = board.device.pl_progress()[1]
            answer = board.device._stub["board"].MmioPoll(board_pb2.MmioPollRequest(
                address=accel.mmio.base_addr, width=4, mask=AP_DONE | AP_IDLE,
                condition=board_pb2.MmioPollRequest.NOT_EQUAL, advance_cycles=200),
                timeout=budget(60))
            assert answer.matched and answer.value & (AP_DONE | AP_IDLE)
            runs.append((answer.reads, board.device.pl_progress()[1] - cycles))
            dst.invalidate()
            assert np.array_equal(np.asarray(dst), np.arange(1024, dtype=np.uint32) + 1)
            src.freebuffer()
            dst.freebuffer()
        # The same reads at the same PL cycles on every run.
        assert runs[0] == runs[1] and runs[0][0] > 1, runs
        # Without advance_cycles time moves only by the reads' own bus transactions, a few
        # cycles each, far fewer in 50 ms than a 256 KiB run takes: the poll times out.
        accel = pynq.Overlay(design(designs, "ref_accel"), device=board.device).mem_accel_0
        src, dst = start_accel(board.device, accel, 1 << 16, 1)
        with pytest.raises(pynq.MmioPollTimeoutError):
            accel.mmio.poll(0, 0, AP_DONE | AP_IDLE, equal=False, timeout=0.05)
        src.freebuffer()
        dst.freebuffer()
    finally:
        board.close()
