"""PS GPIO end to end (issue 17): pynq_remote.GPIO over the gpio service of a real server, on
the simulated ZCU104 started here or the Zynq UltraScale+ board PYNQ_REMOTE_DEVICES names.

emio_gpio_loop loops PS EMIO through the PL: EMIO outputs 0..7 drive axi_gpio_0's channel 2
inputs (whose change interrupts through axi_intc_0 to pl_ps_irq0), and axi_gpio_0's channel 1
outputs drive EMIO inputs 8..15. So a pin written by GPIO arrives in the PL (read through the
AXI GPIO, and by interrupt), and a value the PL drives is read back by GPIO.
"""

import asyncio
import os

import grpc
import pytest

import pynq_remote as pynq
from conftest import budget
from family_board import FamilyBoard
from pynq_remote._proto import gpio_pb2, gpio_pb2_grpc

DESIGN = "emio_gpio_loop"
WIDTH = 8
EMIO_IN = 8  # the first EMIO pin the PL drives


@pytest.fixture(scope="module")
def zu():
    board = FamilyBoard("zynqmp")
    yield board.device
    board.close()


@pytest.fixture
def overlay(zu, designs):
    bitfile = os.path.join(designs, DESIGN, DESIGN + ".bit")
    if not os.path.exists(bitfile):
        pytest.fail(f"{bitfile} is missing: the emio_gpio_loop design was not built")
    return pynq.Overlay(bitfile, device=zu)


def run(coro, seconds=60):
    return asyncio.run(asyncio.wait_for(coro, budget(seconds)))


def test_ps_gpio_chip_in_linux_numbering(zu):
    path = pynq.GPIO.get_gpio_base_path(device=zu)
    assert path.startswith("/sys/class/gpio/gpiochip") and not path.endswith("/")
    base = pynq.GPIO.get_gpio_base(device=zu)
    assert path.endswith(f"gpiochip{base}")
    assert pynq.GPIO.get_gpio_npins(device=zu) == 78 + 96  # ZynqMP: MIO, then EMIO
    assert pynq.GPIO.get_gpio_pin(0, device=zu) == base + 78
    assert pynq.GPIO.get_gpio_base_path("zynqmp_gpio", device=zu) == path


def test_emio_out_through_the_pl_and_back(overlay, zu):
    gpio = overlay.axi_gpio_0
    outs = [pynq.GPIO(pynq.GPIO.get_gpio_pin(i, device=zu), "out", device=zu)
            for i in range(WIDTH)]
    ins = [pynq.GPIO(pynq.GPIO.get_gpio_pin(EMIO_IN + i, device=zu), "in", device=zu)
           for i in range(WIDTH)]
    try:
        for value in (0x00, 0xA5, 0x5A, 0xFF, 0x01):
            for i, pin in enumerate(outs):  # PS -> EMIO -> PL
                pin.write((value >> i) & 1)
            assert gpio.channel2.read() == value
            gpio.channel1.write(value ^ 0xFF, 0xFF)  # PL -> EMIO -> PS
            assert sum(pin.read() << i for i, pin in enumerate(ins)) == value ^ 0xFF
    finally:
        for pin in outs + ins:
            pin.release()


def test_emio_write_raises_the_pl_interrupt(overlay, zu):
    gpio = overlay.axi_gpio_0
    pin = pynq.GPIO(pynq.GPIO.get_gpio_pin(3, device=zu), "out", device=zu)
    try:
        pin.write(0)

        async def main():
            waiter = asyncio.ensure_future(gpio.channel2[3].wait_for_value_async(1))
            await asyncio.sleep(0)  # the waiter reads, enables the interrupt and waits
            assert not waiter.done()
            pin.write(1)
            await waiter

        run(main())
        assert gpio.ip2intc_irpt.interrupt_id  # registered: the wait went to the board
        assert gpio.channel2[3].read() == 1
    finally:
        pin.release()


# -- bad input ----------------------------------------------------------------------------

def test_index_out_of_range(zu):
    top = pynq.GPIO.get_gpio_base(device=zu) + pynq.GPIO.get_gpio_npins(device=zu)
    with pytest.raises(pynq.GpioError, match=str(top)):
        pynq.GPIO(top, "in", device=zu)


def test_released_pin_refused(zu):
    pin = pynq.GPIO(pynq.GPIO.get_gpio_pin(EMIO_IN, device=zu), "in", device=zu)
    gpio_id = pin._gpio_id
    pin.release()
    raw = zu._stub["gpio"]  # with this client's session: the id was its own
    answer = raw.read(gpio_pb2.GpioReadRequest(gpio_id=gpio_id), timeout=budget(10))
    assert answer.message and gpio_id in answer.message
    assert not raw.is_exported(gpio_pb2.GpioIsExportedRequest(gpio_id=gpio_id)).is_exported


# -- the wire, field for field (raw stubs from proto/gpio.proto) ---------------------------

@pytest.fixture
def raw(zu):
    channel = grpc.insecure_channel(zu.address)
    yield gpio_pb2_grpc.GpioStub(channel)
    channel.close()


def test_raw_gpio_calls(raw, zu, overlay):
    base = int(raw.get_gpio_base_path(gpio_pb2.GetGpioBasePathRequest()).base_path
               .rpartition("gpiochip")[2])
    assert raw.get_gpio_npins(gpio_pb2.GetGpioNPinsRequest()).npins == 174
    out = raw.get_gpio(gpio_pb2.GetGpioRequest(index=base + 78, direction="out"))
    assert out.gpio_id.startswith("gpio_") and not out.message
    again = raw.get_gpio(gpio_pb2.GetGpioRequest(index=base + 78, direction="out"))
    assert again.gpio_id != out.gpio_id  # a new id per get_gpio
    raw.write(gpio_pb2.GpioWriteRequest(gpio_id=out.gpio_id, value=1))
    assert overlay.axi_gpio_0.channel2.read() & 1 == 1
    pin_in = raw.get_gpio(gpio_pb2.GetGpioRequest(index=base + 78 + EMIO_IN, direction="in"))
    overlay.axi_gpio_0.channel1.write(1, 1)
    assert raw.read(gpio_pb2.GpioReadRequest(gpio_id=pin_in.gpio_id)).value == 1
    assert raw.is_exported(gpio_pb2.GpioIsExportedRequest(gpio_id=out.gpio_id)).is_exported
    for gpio_id in (out.gpio_id, again.gpio_id, pin_in.gpio_id):
        raw.unexport(gpio_pb2.GpioUnexportRequest(gpio_id=gpio_id))
    assert not raw.is_exported(gpio_pb2.GpioIsExportedRequest(gpio_id=out.gpio_id)).is_exported


@pytest.mark.parametrize("index,direction,text", [
    (-1, "in", "-1"),
    (100000, "out", "100000"),
    (None, "sideways", "sideways"),
])
def test_raw_get_gpio_refused_with_a_message(raw, index, direction, text):
    if index is None:
        index = int(raw.get_gpio_base_path(gpio_pb2.GetGpioBasePathRequest()).base_path
                    .rpartition("gpiochip")[2]) + 78
    answer = raw.get_gpio(gpio_pb2.GetGpioRequest(index=index, direction=direction))
    assert not answer.gpio_id and text in answer.message


def test_raw_write_refused_with_a_status(raw):
    base = int(raw.get_gpio_base_path(gpio_pb2.GetGpioBasePathRequest()).base_path
               .rpartition("gpiochip")[2])
    pin_in = raw.get_gpio(gpio_pb2.GetGpioRequest(index=base + 78 + EMIO_IN, direction="in"))
    out = raw.get_gpio(gpio_pb2.GetGpioRequest(index=base + 78, direction="out"))
    try:
        for request, code in (
                (gpio_pb2.GpioWriteRequest(gpio_id=pin_in.gpio_id, value=1),
                 grpc.StatusCode.PERMISSION_DENIED),                    # writing to an input
                (gpio_pb2.GpioWriteRequest(gpio_id=out.gpio_id, value=2),
                 grpc.StatusCode.INVALID_ARGUMENT),                     # not 0/1
                (gpio_pb2.GpioWriteRequest(gpio_id="gpio_999999", value=1),
                 grpc.StatusCode.NOT_FOUND)):                           # unknown id
            with pytest.raises(grpc.RpcError) as error:
                raw.write(request, timeout=budget(10))
            assert error.value.code() == code and error.value.details()
    finally:
        for gpio_id in (pin_in.gpio_id, out.gpio_id):
            raw.unexport(gpio_pb2.GpioUnexportRequest(gpio_id=gpio_id))


def test_raw_base_path_of_an_unknown_label_is_empty(raw):
    answer = raw.get_gpio_base_path(gpio_pb2.GetGpioBasePathRequest(target_label="no_such"))
    assert answer.base_path == ""


def test_write_to_input_through_the_client(zu):
    # The client refuses before the wire, as PYNQ does; the board refuses it too (above).
    pin = pynq.GPIO(pynq.GPIO.get_gpio_pin(EMIO_IN, device=zu), "in", device=zu)
    try:
        with pytest.raises(AttributeError, match="Cannot write GPIO input"):
            pin.write(1)
        with pytest.raises(ValueError, match="0 or 1"):
            pynq.GPIO(pynq.GPIO.get_gpio_pin(0, device=zu), "out", device=zu).write(2)
    finally:
        pin.release()
