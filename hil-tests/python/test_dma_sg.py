"""The AXI DMA in scatter-gather mode on the default board (ZCU104): dma_sg_loopback's
axi_dma_0 (C_INCLUDE_SG = 1, a 14-bit length register, its descriptor master M_AXI_SG sharing
the 32-bit S_AXI_HP0_FPD with MM2S and S2MM through the design's arbiters) loops its stream
through a FIFO.

Driven two ways: with pynq_remote's DMA driver, which picks its scatter-gather channels from
the .hwh's c_include_sg = 1 (transfers longer than one descriptor's 16383 bytes become
chains), and by hand over MMIO with descriptors we write into allocate()d memory, as PG021
lays them out: a packet spread over several MM2S descriptors (SOF ... EOF) received into
fixed-size S2MM descriptors whose STATUS words report the bytes and RXSOF/RXEOF, the tail
pointer pausing the channel (Idle) and restarting it, and a descriptor address outside DDR
stopping the channel with SGDecErr. Upstream PYNQ 3.1's own _SGDMAChannel is run on the same
design by rtl/tools/check_upstream_client.py (ctest rtl_upstream_client).

A simulated board is started here; with PYNQ_REMOTE_DEVICES the tests run against that board
when it is a Zynq UltraScale+ (aarch64) one with this design built for it.
"""

import os

import numpy as np
import pytest

import pynq_remote as pynq
from family_board import FamilyBoard
from pynq_remote.lib import DMA
from pynq_remote.lib.dma import _SGDMAChannel

DESIGN = "dma_sg_loopback"
MM2S, S2MM = 0x00, 0x30
DMACR, DMASR, CURDESC, CURDESC_MSB, TAILDESC, TAILDESC_MSB = 0x00, 0x04, 0x08, 0x0C, 0x10, 0x14
RS, RESET = 0x1, 0x4
HALTED, IDLE, SG_INCLD, SG_DEC_ERR, ERR_IRQ = 0x1, 0x2, 0x8, 0x400, 0x4000
SOF, EOF, CMPLT = 1 << 27, 1 << 26, 1 << 31
MAX_BLOCK = (1 << 14) - 1


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
    return np.random.default_rng(seed).integers(1, 256, nbytes, dtype=np.uint8)


def test_driver_picks_scatter_gather_channels(overlay):
    dma = overlay.axi_dma_0
    assert isinstance(dma, DMA)
    assert isinstance(dma.sendchannel, _SGDMAChannel)
    assert isinstance(dma.recvchannel, _SGDMAChannel)
    assert dma.buffer_max_size == MAX_BLOCK
    assert dma.mmio.read(MM2S + DMASR) & SG_INCLD


@pytest.mark.parametrize("nbytes", [4, 4096, 16380, 16384, 100000])
def test_loopback_through_descriptor_chains(overlay, zu, nbytes):
    """16380 bytes fit one descriptor (16383 rounded down to the 4-byte alignment), 16384
    take two, 100000 seven; the stream sees one packet, the receive side counts it whole."""
    dma = overlay.axi_dma_0
    data = pattern(nbytes, nbytes)
    src = pynq.allocate(shape=(nbytes,), dtype=np.uint8, target=zu)
    dst = pynq.allocate(shape=(nbytes,), dtype=np.uint8, target=zu)
    src[:] = data
    dst[:] = 0
    dma.recvchannel.transfer(dst)
    dma.sendchannel.transfer(src)
    dma.sendchannel.wait()
    dma.recvchannel.wait()
    out = np.asarray(dst[:])
    assert np.array_equal(out, data), f"first difference at {np.argmax(out != data)}"
    assert dma.sendchannel.transferred == nbytes
    assert dma.recvchannel.transferred == nbytes
    status = dma.mmio.read(S2MM + DMASR)
    assert status & (IDLE | HALTED | 0x770) == IDLE, hex(status)
    src.freebuffer()
    dst.freebuffer()


def test_back_to_back_transfers_reuse_the_channels(overlay, zu):
    dma = overlay.axi_dma_0
    for i, nbytes in enumerate([20000, 8, 40000, 512]):
        data = pattern(100 + i, nbytes)
        src = pynq.allocate(shape=(nbytes,), dtype=np.uint8, target=zu)
        dst = pynq.allocate(shape=(nbytes,), dtype=np.uint8, target=zu)
        src[:] = data
        dma.recvchannel.transfer(dst)
        dma.sendchannel.transfer(src)
        dma.sendchannel.wait()
        dma.recvchannel.wait()
        assert np.array_equal(np.asarray(dst[:]), data), f"transfer {i} of {nbytes} bytes"
        src.freebuffer()
        dst.freebuffer()


class Chain:
    """Descriptors in an allocate()d block of 64-byte slots (PG021: 16-word aligned), each
    pointing at the next; ``set(i, buffer_address, length, flags)`` fills one."""

    def __init__(self, device, count):
        self.words = pynq.allocate(shape=(count, 16), dtype=np.uint32, target=device)
        self.words[:] = 0
        self.count = count

    def address(self, i):
        return self.words.physical_address + 64 * i

    def set(self, i, buffer_address, length, flags=0):
        nxt = self.address((i + 1) % self.count)
        self.words[i, 0], self.words[i, 1] = nxt & 0xFFFFFFFF, nxt >> 32
        self.words[i, 2], self.words[i, 3] = buffer_address & 0xFFFFFFFF, buffer_address >> 32
        self.words[i, 6] = length | flags

    def status(self):
        self.words.invalidate()
        return [int(w) for w in np.asarray(self.words[:, 7])]

    def free(self):
        self.words.freebuffer()


def start(mmio, channel, first):
    """Halted -> CURDESC -> RS, as PG021 orders it (CURDESC is writable only while halted)."""
    mmio.write(channel + DMACR, 0)
    while not mmio.read(channel + DMASR) & HALTED:
        pass
    mmio.write(channel + CURDESC, first & 0xFFFFFFFF)
    mmio.write(channel + CURDESC_MSB, first >> 32)
    mmio.write(channel + DMACR, RS)
    while mmio.read(channel + DMASR) & HALTED:
        pass


def set_tail(mmio, channel, tail):
    mmio.write(channel + TAILDESC, tail & 0xFFFFFFFF)
    mmio.write(channel + TAILDESC_MSB, tail >> 32)


def wait_idle(mmio, channel):
    for _ in range(100000):
        status = mmio.read(channel + DMASR)
        if status & (IDLE | HALTED):
            return status
    raise AssertionError(f"channel {channel:#x} never went idle: DMASR={status:#010x}")


def test_by_hand_packet_over_descriptors_and_tail_pause(overlay, zu):
    """One 1000-byte packet sent from three descriptors (SOF, -, EOF) and received into
    256-byte descriptors: STATUS says 256 with RXSOF, 256, 256, 232 with RXEOF. The receive
    tail is first set one descriptor short: the channel pauses there (Idle) with the rest of
    the packet waiting in the stream, and moving the tail lets it finish."""
    mmio = overlay.axi_dma_0.mmio
    data = pattern(7, 1000)
    src = pynq.allocate(shape=(1000,), dtype=np.uint8, target=zu)
    dst = pynq.allocate(shape=(1024,), dtype=np.uint8, target=zu)
    src[:] = data
    dst[:] = 0
    src.flush()
    dst.flush()
    tx, rx = Chain(zu, 3), Chain(zu, 4)
    for i, (offset, length, flags) in enumerate([(0, 400, SOF), (400, 300, 0), (700, 300, EOF)]):
        tx.set(i, src.physical_address + offset, length, flags)
    for i in range(4):
        rx.set(i, dst.physical_address + 256 * i, 256)
    tx.words.flush()
    rx.words.flush()
    start(mmio, S2MM, rx.address(0))
    set_tail(mmio, S2MM, rx.address(2))
    start(mmio, MM2S, tx.address(0))
    set_tail(mmio, MM2S, tx.address(2))
    # the send side cannot finish before the receive side takes the rest of the packet
    assert wait_idle(mmio, S2MM) & (IDLE | 0x770) == IDLE
    assert mmio.read(S2MM + CURDESC) == rx.address(2) & 0xFFFFFFFF
    assert rx.status() == [CMPLT | SOF | 256, CMPLT | 256, CMPLT | 256, 0]
    set_tail(mmio, S2MM, rx.address(3))
    assert wait_idle(mmio, S2MM) & (IDLE | 0x770) == IDLE
    assert wait_idle(mmio, MM2S) & (IDLE | 0x770) == IDLE
    assert tx.status() == [CMPLT | 400, CMPLT | 300, CMPLT | 300]
    assert rx.status() == [CMPLT | SOF | 256, CMPLT | 256, CMPLT | 256, CMPLT | EOF | 232]
    dst.invalidate()
    assert np.array_equal(np.asarray(dst[:1000]), data)
    assert not np.asarray(dst[1000:]).any()
    for buf in (src, dst):
        buf.freebuffer()
    tx.free()
    rx.free()


def test_descriptor_outside_ddr_is_sg_decode_error(overlay):
    """A CURDESC no memory answers: SGDecErr and Err_Irq in DMASR, the channel halts; the
    driver's reset() brings the DMA back."""
    dma = overlay.axi_dma_0
    mmio = dma.mmio
    bad = 0xFF_0000_0000  # above every DDR window of the board
    start(mmio, MM2S, bad)
    set_tail(mmio, MM2S, bad)
    status = wait_idle(mmio, MM2S)
    assert status & (HALTED | SG_DEC_ERR | ERR_IRQ) == HALTED | SG_DEC_ERR | ERR_IRQ, hex(status)
    assert mmio.read(MM2S + CURDESC_MSB) == 0xFF
    dma.reset()
    assert mmio.read(MM2S + DMASR) & SG_DEC_ERR == 0
    assert mmio.read(MM2S + DMACR) & RESET == 0
