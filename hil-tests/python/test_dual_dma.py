"""Two AXI DMAs running at once on the default board (ZCU104): dual_dma's axi_dma_0 and
axi_dma_1 read through one shared S_AXI_HP0_FPD at 128 bits and write through one shared
S_AXI_HP1_FPD at 64 bits (each loops its stream through a FIFO of its own), arbitrated by the
design's AXI interconnect. Both DMAs are started through PYNQ's DMA driver before either is
waited on, at several sizes and again and again; every byte is checked.

That the transfers really overlap is shown on a --deterministic board, where only Advance
moves time and so every count below is exact: both DMAs are busy at one instant and both
destination buffers fill part-way together, and the pair finishes in far fewer PL cycles
than the two transfers take one after the other.

A simulated board is started here; with PYNQ_REMOTE_DEVICES the tests run against that board
when it is a Zynq UltraScale+ (aarch64) one, the simulated-time proof excepted.
"""

import os

import numpy as np
import pytest

import pynq_remote as pynq
from family_board import FamilyBoard, is_sim
from pynq_remote._proto.pynq_remote.v1 import board_pb2
from pynq_remote.lib import DMA

DESIGN = "dual_dma"
DMA_BASES = {"axi_dma_0": 0xA0000000, "axi_dma_1": 0xA0010000}
MM2S_DMASR, S2MM_DMASR = 0x04, 0x34
HALTED, IDLE = 0x1, 0x2


@pytest.fixture(scope="module")
def zu():
    board = FamilyBoard("zynqmp")
    yield board.device
    board.close()


@pytest.fixture
def overlay(zu, designs):
    return pynq.Overlay(os.path.join(designs, DESIGN, DESIGN + ".bit"), device=zu)


def pattern(seed, nbytes):
    """Bytes 1..255, never 0: a destination still 0 has not been written."""
    rng = np.random.default_rng(seed)
    return rng.integers(1, 256, nbytes, dtype=np.uint8)


class Flow:
    """One DMA's loopback of ``data``: buffers allocated, destination zeroed."""

    def __init__(self, dma, device, data):
        self.dma, self.data = dma, data
        self.src = pynq.allocate(shape=(len(data),), dtype=np.uint8, target=device)
        self.dst = pynq.allocate(shape=(len(data),), dtype=np.uint8, target=device)
        self.src[:] = data
        self.dst[:] = 0

    def start(self):
        self.dma.recvchannel.transfer(self.dst)
        self.dma.sendchannel.transfer(self.src)

    def wait(self):
        self.dma.sendchannel.wait()
        self.dma.recvchannel.wait()

    def written(self):
        """Bytes S2MM has written so far (the destination started all 0)."""
        return int(np.count_nonzero(np.asarray(self.dst[:])))

    def check(self):
        out = np.asarray(self.dst[:])
        assert np.array_equal(out, self.data), \
            f"{len(self.data)} bytes: first difference at {np.argmax(out != self.data)}"
        assert self.dma.recvchannel.transferred == len(self.data)

    def free(self):
        self.src.freebuffer()
        self.dst.freebuffer()


def run_together(overlay, device, sizes, seed):
    flows = [Flow(getattr(overlay, name), device, pattern(seed + i, n))
             for i, (name, n) in enumerate(zip(DMA_BASES, sizes))]
    try:
        for flow in flows:  # both DMAs started ...
            flow.start()
        for flow in flows:  # ... before either is waited on
            flow.wait()
        for flow in flows:
            flow.check()
    finally:
        for flow in flows:
            flow.free()


def test_two_dmas_on_shared_ports(overlay, zu):
    if is_sim(zu):
        assert zu.board == "ZCU104" and zu.arch == "aarch64"
    for name, base in DMA_BASES.items():
        entry = overlay.ip_dict[name]
        assert entry["phys_addr"] == base
        assert isinstance(getattr(overlay, name), DMA)
        params = {k.lower(): v for k, v in entry["parameters"].items()}
        # MM2S reads 128-bit beats from HP0, S2MM writes 64-bit beats into HP1.
        assert params["c_m_axi_mm2s_data_width"] == "128"
        assert params["c_m_axi_s2mm_data_width"] == "64"
    assert "axi_intc_0" in overlay.interrupt_controllers


@pytest.mark.parametrize("sizes", [(4096, 4096), (65536, 65536), (65536, 100000),
                                   (1 << 20, 3 << 18), (16, 1 << 20)],
                         ids=lambda s: "%d+%d" % s)
def test_both_dmas_at_once(overlay, zu, sizes):
    for rnd in range(3):
        run_together(overlay, zu, sizes, seed=sum(sizes) + 10 * rnd)


def test_widths_of_the_shared_ports(overlay, zu):
    """Start addresses aligned to each port's beat: 16 bytes on HP0 (MM2S), 8 on HP1
    (S2MM); no realignment engine, so the driver refuses less."""
    dma0, dma1 = overlay.axi_dma_0, overlay.axi_dma_1
    n = 65536
    bufs = []

    def alloc(size):
        buf = pynq.allocate(shape=(size,), dtype=np.uint8, target=zu)
        bufs.append(buf)
        return buf
    try:
        data = [pattern(7, n), pattern(8, n)]
        srcs, dsts = [alloc(n + 16) for _ in data], [alloc(n + 8) for _ in data]
        for src, d in zip(srcs, data):
            src[16:] = d
        for dma, src, dst in zip((dma0, dma1), srcs, dsts):
            dma.recvchannel.transfer(dst, start=8)
            dma.sendchannel.transfer(src, start=16)
        for dma in (dma0, dma1):
            dma.sendchannel.wait()
            dma.recvchannel.wait()
        for dst, d in zip(dsts, data):
            assert np.array_equal(np.asarray(dst[8:]), d)
        with pytest.raises(RuntimeError, match="aligned to 16 bytes"):
            dma0.sendchannel.transfer(srcs[0], start=8, nbytes=64)
        with pytest.raises(RuntimeError, match="aligned to 8 bytes"):
            dma1.recvchannel.transfer(dsts[1], start=4, nbytes=64)
    finally:
        for buf in bufs:
            buf.freebuffer()


# ---- the overlap, in simulated time ---------------------------------------------------------

STEP = 128          # PL cycles per look
LIMIT = 2_000_000   # PL cycles a run may take before it counts as stuck


def busy(dma, offset):
    status = dma.mmio.read(offset)
    return not status & (HALTED | IDLE)


def run_stepped(device, flows):
    """Starts ``flows`` (all before any wait), then advances STEP cycles at a time until every
    S2MM channel is idle. Returns ({flow index: PL cycles from the start to its end}, the
    looks: [(cycle, [bytes written per flow], [busy per flow])])."""
    stub = device._stub["board"]
    for flow in flows:
        flow.start()
    now = stub.Advance(board_pb2.AdvanceRequest(cycles=1), timeout=60).pl_cycles
    start = now
    done, looks = {}, []
    while len(done) < len(flows):
        assert now - start < LIMIT, f"not done after {LIMIT} PL cycles: {looks[-1:]}"
        states = [busy(f.dma, S2MM_DMASR) or busy(f.dma, MM2S_DMASR) for f in flows]
        looks.append((now - start, [f.written() for f in flows], states))
        for i, state in enumerate(states):
            if not state and i not in done:
                done[i] = now - start
        now = stub.Advance(board_pb2.AdvanceRequest(cycles=STEP), timeout=60).pl_cycles
    for flow in flows:  # idle already: the driver's wait() returns at once and invalidates
        flow.wait()
        flow.check()
    return done, looks


def test_the_two_transfers_overlap_in_simulated_time(designs):
    board = FamilyBoard("zynqmp", "--deterministic")
    try:
        device = board.device
        if not is_sim(device) or not device.info.deterministic:
            pytest.skip("simulated time is only a --deterministic simulated board's (a named "
                        "board's flags are its own)")
        ol = pynq.Overlay(os.path.join(designs, DESIGN, DESIGN + ".bit"), device=device)
        n = 65536
        solo = []
        for i, name in enumerate(DMA_BASES):
            flow = Flow(getattr(ol, name), device, pattern(100 + i, n))
            try:
                done, _ = run_stepped(device, [flow])
            finally:
                flow.free()
            solo.append(done[0])
        flows = [Flow(getattr(ol, name), device, pattern(200 + i, n))
                 for i, name in enumerate(DMA_BASES)]
        try:
            done, looks = run_stepped(device, flows)
        finally:
            for flow in flows:
                flow.free()
        # At the first look, right after both were started, both are busy.
        assert looks[0][2] == [True, True], looks[0]
        # Interleaved: at some instant both have written part of their buffer, neither all.
        both_partway = [(cycle, written) for cycle, written, _ in looks
                        if all(0 < w < n for w in written)]
        assert both_partway, looks
        # Together they take far less than one after the other would.
        together = max(done.values())
        print(f"64 KiB each: alone {solo} PL cycles, together {done}; both part-way at "
              f"{both_partway[0]}")
        assert together < 0.75 * sum(solo), (done, solo)
    finally:
        board.close()
