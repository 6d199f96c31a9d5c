"""The reference overlays through PYNQ's API: AXI DMA loopback, AXI GPIO with an interrupt
controller, and an HLS block on a stream started through register_map."""

import numpy as np
import pytest

import pynq_remote as pynq
from pynq_remote.lib import DMA, AxiGPIO


# Each test downloads its design afresh: a DMA a failed test left busy fails only that test.
@pytest.fixture
def dma_overlay(device, designs):
    return pynq.Overlay(f"{designs}/dma_loopback/dma_loopback.bit", device=device)


def loopback(dma, device, data, tx_offset=0):
    src = pynq.allocate(shape=(len(data) + tx_offset,), dtype=np.uint8, target=device)
    dst = pynq.allocate(shape=(len(data),), dtype=np.uint8, target=device)
    src[tx_offset:] = data
    dma.recvchannel.transfer(dst)
    dma.sendchannel.transfer(src, start=tx_offset)
    dma.sendchannel.wait()
    dma.recvchannel.wait()
    out = dst.copy()
    src.freebuffer()
    dst.freebuffer()
    return out


def test_dma_driver_is_bound_from_the_hwh(dma_overlay):
    dma = dma_overlay.axi_dma_0
    assert isinstance(dma, DMA)
    params = dma_overlay.ip_dict["axi_dma_0"]["parameters"]
    width = int(params.get("c_sg_length_width", params.get("C_SG_LENGTH_WIDTH")))
    assert dma.buffer_max_size == (1 << width) - 1
    assert dma.sendchannel.running and dma.recvchannel.running
    assert dma.sendchannel.idle or dma.sendchannel._active_buffer is None


@pytest.mark.parametrize("nbytes", [1, 3, 4, 7, 4096, 65537, 1 << 20, 8 << 20])
def test_dma_loopback(dma_overlay, device, nbytes):
    data = np.random.default_rng(nbytes).integers(0, 256, nbytes, dtype=np.uint8)
    out = loopback(dma_overlay.axi_dma_0, device, data)
    assert np.array_equal(out, data)
    assert dma_overlay.axi_dma_0.recvchannel.transferred == nbytes


def test_dma_loopback_back_to_back(dma_overlay, device):
    for i in range(5):
        data = np.full(1000 + i, i, dtype=np.uint8)
        assert np.array_equal(loopback(dma_overlay.axi_dma_0, device, data), data)


def test_dma_transfer_longer_than_the_length_register(dma_overlay, device):
    dma = dma_overlay.axi_dma_0
    too_long = dma.buffer_max_size + 1
    buf = pynq.allocate(shape=(too_long,), dtype=np.uint8, target=device)
    with pytest.raises(ValueError, match="exceeds the maximum DMA buffer size"):
        dma.sendchannel.transfer(buf)
    buf.freebuffer()
    data = np.arange(64, dtype=np.uint8)
    assert np.array_equal(loopback(dma, device, data), data)  # still usable


def test_dma_to_a_freed_buffer(dma_overlay, device):
    buf = pynq.allocate(shape=(64,), dtype=np.uint8, target=device)
    buf.freebuffer()
    with pytest.raises(RuntimeError, match="freed"):
        dma_overlay.axi_dma_0.recvchannel.transfer(buf)
    data = np.arange(64, dtype=np.uint8)
    assert np.array_equal(loopback(dma_overlay.axi_dma_0, device, data), data)


def test_dma_wait_without_transfer(dma_overlay):
    with pytest.raises(RuntimeError, match="not started"):
        dma_overlay.axi_dma_0.sendchannel.wait()


def test_dma_decode_error_is_named_and_recoverable(dma_overlay, device):
    dma = dma_overlay.axi_dma_0
    # A buffer-shaped object pointing outside DDR: the DMA's read gets DECERR.
    class Outside:
        nbytes = 4096
        physical_address = 0x9_0000_0000

        def flush(self):
            pass
    dma.sendchannel.transfer(Outside())
    with pytest.raises(RuntimeError, match="Decode Error|Slave Error"):
        dma.sendchannel.wait(timeout=10)
    dma.sendchannel.reset()
    dma.recvchannel.start()
    data = np.arange(256, dtype=np.uint8)
    assert np.array_equal(loopback(dma, device, data), data)


@pytest.fixture
def gpio_overlay(device, designs):
    return pynq.Overlay(f"{designs}/gpio_intc/gpio_intc.bit", device=device)


def test_gpio_channels_loop_back(gpio_overlay):
    gpio = gpio_overlay.axi_gpio_0
    assert isinstance(gpio, AxiGPIO)
    gpio.setdirection("out", channel=1)
    gpio.setdirection("in", channel=2)
    for value in (0x00, 0x5A, 0xA5, 0xFF):
        gpio.channel1.write(value, 0xFF)
        assert gpio.channel2.read() & 0xFF == value
    gpio.channel1[0:4].write(0x3)
    assert gpio.channel2[0:4].read() == 0x3
    gpio.channel1[7].on()
    assert gpio.channel2[7].read() == 1
    gpio.channel1[7].toggle()
    assert gpio.channel2[7].read() == 0
    with pytest.raises(RuntimeError, match="Input"):
        gpio.channel2.write(1, 1)
    with pytest.raises(ValueError):
        gpio.channel1[0:4].write(16)


def test_gpio_interrupt_reaches_the_controller(gpio_overlay):
    gpio = gpio_overlay.axi_gpio_0
    intc = gpio_overlay.axi_intc_0
    assert "axi_intc_0" in gpio_overlay.interrupt_controllers
    assert gpio_overlay.interrupt_pins["axi_gpio_0/ip2intc_irpt"]["controller"] == "axi_intc_0"
    gpio.setdirection("out", channel=1)
    gpio.setdirection("in", channel=2)
    gpio.write(0x128, 0x2)  # IP IER: channel 2 input changes
    intc.write(0x08, 0x1)   # IER: input 0
    intc.write(0x1C, 0x3)   # MER: ME | HIE
    gpio.channel1.write(0x0F, 0xFF)
    assert gpio.read(0x120) & 0x2  # IP ISR: channel 2 changed
    assert intc.read(0x04) & 0x1  # IPR: pending at the controller
    gpio.write(0x120, 0x2)        # toggle-on-write clears it
    intc.write(0x0C, 0x1)         # IAR
    assert intc.read(0x00) & 0x1 == 0


@pytest.fixture
def scale_overlay(device, designs):
    return pynq.Overlay(f"{designs}/stream_scale/stream_scale.bit", device=device)


def test_hls_block_started_through_register_map(scale_overlay, device):
    n = 10000
    data = np.random.default_rng(5).integers(-1000, 1000, n).astype(np.int32)
    src = pynq.allocate((n,), np.int32, target=device)
    dst = pynq.allocate((n,), np.int32, target=device)
    src[:] = data
    hls = scale_overlay.hls_stream_scale_0.register_map
    hls.length = n
    hls.scale = 3
    hls.offset = np.uint32(np.int32(-7).view(np.uint32))
    dma = scale_overlay.axi_dma_0
    dma.recvchannel.transfer(dst)
    hls.CTRL.AP_START = 1
    dma.sendchannel.transfer(src)
    dma.sendchannel.wait()
    dma.recvchannel.wait()
    assert np.array_equal(dst, data * 3 - 7)
    assert hls.CTRL.AP_IDLE == 1


def test_dma_wait_on_a_flow_that_cannot_complete_raises(dma_overlay, device):
    dma = dma_overlay.axi_dma_0
    src = pynq.allocate(shape=(1 << 20,), dtype=np.uint8, target=device)
    src[:] = 1
    # MM2S alone: the FIFO fills and nothing drains it, since S2MM was never started.
    dma.sendchannel.transfer(src)
    with pytest.raises(RuntimeError, match="cannot complete"):
        dma.sendchannel.wait()
    src.freebuffer()
    # A DMA reset does not empty the stream FIFO behind it (on hardware neither): reloading
    # the overlay resets the whole PL, and the board is usable again.
    dma_overlay.download()
    data = np.arange(100, dtype=np.uint8)
    assert np.array_equal(loopback(dma_overlay.axi_dma_0, device, data), data)
