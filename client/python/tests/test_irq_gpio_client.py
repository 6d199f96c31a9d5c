"""pynq_remote's interrupt and PS GPIO client against a scripted server: real gRPC over a
loopback socket, the servicers generated from proto/interrupt.proto and proto/gpio.proto,
answering as the wire contract says (WIRE-COMPAT.md, "What PYNQ 4.0 adds"). The board-side
behaviour itself is tested end to end in hil-tests (test_interrupts.py, test_ps_gpio.py).
"""

import asyncio
import gc
import threading
from concurrent import futures

import grpc
import pytest

from pynq_remote import GPIO, Interrupt
from pynq_remote._proto import gpio_pb2, gpio_pb2_grpc, interrupt_pb2, interrupt_pb2_grpc
from pynq_remote.exceptions import (GpioError, InterruptCancelledError, InterruptError,
                                    InterruptTimeoutError, RemoteError)
from pynq_remote.pl_server.remote_gpio import RemoteGPIO
from pynq_remote.pl_server.remote_interrupt import SIM_TIME_KEY, RemoteUioController

WAIT_S = 30  # generous: an event, never a sleep, ends every wait below


class FakeInterrupts(interrupt_pb2_grpc.RemoteInterruptServicer):
    """Registrations by pin name; a wait blocks until the test answers it."""

    def __init__(self):
        self.registered = []
        self.released = []
        self.waits = 0
        self.timeouts_ms = []
        self.cancelled = threading.Event()
        self.waiting = threading.Event()
        self.answer = None  # callable(context) -> WaitResponse, set by the test
        self.go = threading.Event()
        self.lock = threading.Lock()

    def register_interrupt(self, request, context):
        if request.pin_name == "refused/irq":
            return interrupt_pb2.RegisterResponse(msg="pin refused/irq is not wired to a "
                                                      "controller")
        with self.lock:
            self.registered.append(request)
            return interrupt_pb2.RegisterResponse(interrupt_id=f"irq_{len(self.registered)}")

    def wait_for_interrupt(self, request, context):
        with self.lock:
            self.waits += 1
            self.timeouts_ms.append(request.timeout_ms)
        context.add_callback(self.cancelled.set)
        self.waiting.set()
        while not self.go.wait(0.01):
            if not context.is_active():
                return interrupt_pb2.WaitResponse()
        self.go.clear()
        return self.answer(context)

    def release_interrupt(self, request, context):
        self.released.append(request.interrupt_id)
        return interrupt_pb2.ReleaseResponse()


class FakeGpio(gpio_pb2_grpc.GpioServicer):
    def __init__(self):
        self.pins = {}

    def get_gpio(self, request, context):
        if not 338 <= request.index < 338 + 174:
            return gpio_pb2.GetGpioResponse(message=f"gpio {request.index} is outside every "
                                                    "GPIO chip")
        gpio_id = f"gpio_{len(self.pins)}"
        self.pins[gpio_id] = [request.direction, 0]
        return gpio_pb2.GetGpioResponse(gpio_id=gpio_id)

    def read(self, request, context):
        if request.gpio_id not in self.pins:
            return gpio_pb2.GpioReadResponse(message=f"unknown gpio id {request.gpio_id}")
        return gpio_pb2.GpioReadResponse(value=self.pins[request.gpio_id][1])

    def write(self, request, context):
        if request.value not in (0, 1):
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "value must be 0 or 1")
        self.pins[request.gpio_id][1] = request.value
        return gpio_pb2.GpioWriteResponse()

    def unexport(self, request, context):
        self.pins.pop(request.gpio_id, None)
        return gpio_pb2.GpioUnexportResponse()

    def is_exported(self, request, context):
        return gpio_pb2.GpioIsExportedResponse(is_exported=request.gpio_id in self.pins)

    def get_gpio_base_path(self, request, context):
        if request.HasField("target_label") and request.target_label != "zynqmp_gpio":
            return gpio_pb2.GetGpioBasePathResponse(base_path="")
        return gpio_pb2.GetGpioBasePathResponse(base_path="/sys/class/gpio/gpiochip338")

    def get_gpio_npins(self, request, context):
        return gpio_pb2.GetGpioNPinsResponse(npins=174)


class Parser:
    interrupt_pins = {
        "axi_gpio_0/ip2intc_irpt": {"controller": "axi_intc_0", "index": 0,
                                    "fullpath": "axi_gpio_0/ip2intc_irpt"},
        "mem_accel_0/interrupt": {"controller": "", "index": 2, "raw_irq": 123,
                                  "fullpath": "mem_accel_0/interrupt"},
        "refused/irq": {"controller": "", "index": 3, "fullpath": "refused/irq"},
    }
    interrupt_controllers = {"axi_intc_0": {"parent": "", "index": 0, "raw_irq": 121}}
    ip_dict = {"axi_intc_0": {"phys_addr": 0xA0010000}}


class FakeDevice:
    """What the interrupt and GPIO classes use of a RemoteDevice."""

    name = "fake0"

    def __init__(self, channel, arch="aarch64"):
        self._stub = {"interrupt": interrupt_pb2_grpc.RemoteInterruptStub(channel),
                      "gpio": gpio_pb2_grpc.GpioStub(channel)}
        self._loaded_parser = Parser()
        self.pl_generation = 1
        self.arch = arch

    def _deadline(self, nbytes=0):
        return WAIT_S


@pytest.fixture
def board():
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    irq, gpio = FakeInterrupts(), FakeGpio()
    interrupt_pb2_grpc.add_RemoteInterruptServicer_to_server(irq, server)
    gpio_pb2_grpc.add_GpioServicer_to_server(gpio, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    yield FakeDevice(channel), irq, gpio
    channel.close()
    server.stop(None)


def fired(context):
    context.set_trailing_metadata(((SIM_TIME_KEY, "123456"),))
    return interrupt_pb2.WaitResponse(status=interrupt_pb2.WaitResponse.FIRED)


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, WAIT_S))


def test_registers_controller_pin_field_for_field(board):
    device, irq, _ = board
    interrupt = Interrupt("axi_gpio_0/ip2intc_irpt", device=device)
    request = irq.registered[0]
    assert (request.pin_name, request.pin_index, request.raw_irq,
            request.controller_phys_addr) == ("axi_gpio_0/ip2intc_irpt", 0, 121, 0xA0010000)
    assert interrupt.interrupt_id == "irq_1"


def test_registers_pin_wired_straight_to_the_ps(board):
    device, irq, _ = board
    Interrupt("mem_accel_0/interrupt", device=device)
    request = irq.registered[0]
    assert (request.pin_index, request.raw_irq, request.controller_phys_addr) == (2, 0, 0)


def test_wait_returns_when_fired_with_the_sim_time(board):
    device, irq, _ = board
    irq.answer = fired
    interrupt = Interrupt("axi_gpio_0/ip2intc_irpt", device=device)

    async def main():
        task = asyncio.ensure_future(interrupt.wait())
        await asyncio.get_running_loop().run_in_executor(None, irq.waiting.wait, WAIT_S)
        assert not task.done()
        irq.go.set()
        await task

    run(main())
    assert interrupt.last_sim_time_ps == 123456


def test_cancelled_task_cancels_the_call_and_the_registration_stays_usable(board):
    device, irq, _ = board
    irq.answer = fired
    interrupt = Interrupt("axi_gpio_0/ip2intc_irpt", device=device)

    async def main():
        task = asyncio.ensure_future(interrupt.wait())
        await asyncio.get_running_loop().run_in_executor(None, irq.waiting.wait, WAIT_S)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await asyncio.get_running_loop().run_in_executor(None, irq.cancelled.wait,
                                                                WAIT_S)
        irq.waiting.clear()
        second = asyncio.ensure_future(interrupt.wait())
        await asyncio.get_running_loop().run_in_executor(None, irq.waiting.wait, WAIT_S)
        irq.go.set()
        await second

    run(main())
    assert irq.waits == 2 and irq.released == []


def test_tasks_waiting_on_one_interrupt_share_one_call(board):
    device, irq, _ = board
    irq.answer = fired
    interrupt = Interrupt("axi_gpio_0/ip2intc_irpt", device=device)

    async def main():
        tasks = [asyncio.ensure_future(interrupt.wait()) for _ in range(3)]
        await asyncio.get_running_loop().run_in_executor(None, irq.waiting.wait, WAIT_S)
        tasks[0].cancel()  # the others still wait: the call stays
        await asyncio.sleep(0)
        irq.go.set()
        await asyncio.gather(*tasks[1:])

    run(main())
    assert irq.waits == 1


@pytest.mark.parametrize("answer,error,text", [
    (lambda c: c.abort(grpc.StatusCode.CANCELLED, "the PL was reprogrammed"),
     InterruptCancelledError, "reprogrammed"),
    (lambda c: interrupt_pb2.WaitResponse(status=interrupt_pb2.WaitResponse.TIMEOUT),
     InterruptTimeoutError, "did not fire"),
    (lambda c: interrupt_pb2.WaitResponse(status=interrupt_pb2.WaitResponse.ERROR,
                                          msg="irq_1 was released"),
     InterruptError, "was released"),
])
def test_wait_outcomes_raise_typed_errors(board, answer, error, text):
    device, irq, _ = board
    irq.answer = answer
    interrupt = Interrupt("axi_gpio_0/ip2intc_irpt", device=device)
    irq.go.set()
    with pytest.raises(error, match=text):
        run(interrupt.wait(timeout=1))


def test_timeout_travels_in_milliseconds(board):
    device, irq, _ = board
    irq.answer = lambda c: interrupt_pb2.WaitResponse(status=interrupt_pb2.WaitResponse.TIMEOUT)
    interrupt = Interrupt("axi_gpio_0/ip2intc_irpt", device=device)
    irq.go.set()
    with pytest.raises(InterruptTimeoutError):
        run(interrupt.wait(timeout=0.25))
    irq.go.set()
    with pytest.raises(InterruptTimeoutError):
        run(interrupt.wait())
    assert irq.timeouts_ms == [250, 0]


def test_refused_registration_shows_the_servers_reason(board):
    device, _, _ = board
    with pytest.raises(InterruptError, match="not wired to a controller"):
        Interrupt("refused/irq", device=device)


def test_unknown_pin_lists_the_overlays_pins(board):
    device, irq, _ = board
    with pytest.raises(ValueError, match="No Pin of name nope/irq.*axi_gpio_0/ip2intc_irpt"):
        Interrupt("nope/irq", device=device)
    assert irq.registered == []


def test_download_invalidates(board):
    device, irq, _ = board
    interrupt = Interrupt("axi_gpio_0/ip2intc_irpt", device=device)
    device.pl_generation += 1
    with pytest.raises(InterruptCancelledError, match="Overlay change"):
        run(interrupt.wait())
    assert irq.waits == 0


def test_close_and_garbage_collection_release(board):
    device, irq, _ = board
    with Interrupt("axi_gpio_0/ip2intc_irpt", device=device):
        pass
    interrupt = Interrupt("axi_gpio_0/ip2intc_irpt", device=device)
    del interrupt
    gc.collect()
    assert irq.released == ["irq_1", "irq_2"]


def test_uio_controller_sets_the_event_of_a_ps_line(board):
    device, irq, _ = board
    irq.answer = fired
    controller = RemoteUioController(device)

    async def main():
        event = asyncio.Event()
        controller.add_event(event, 2)
        await asyncio.get_running_loop().run_in_executor(None, irq.waiting.wait, WAIT_S)
        irq.go.set()
        await event.wait()

    run(main())
    assert irq.registered[0].pin_name == "mem_accel_0/interrupt"
    with pytest.raises(ValueError, match=r"line 5.*2 \(mem_accel_0/interrupt\)"):
        controller.add_event(asyncio.Event(), 5)


def test_pr_1566_wrap_future_cannot_await_a_grpc_future(board):
    """Why wait() bridges the call itself: asyncio.wrap_future refuses gRPC's future."""
    device, irq, _ = board
    irq.answer = fired
    interrupt = Interrupt("axi_gpio_0/ip2intc_irpt", device=device)
    call = device._stub["interrupt"].wait_for_interrupt.future(
        interrupt_pb2.WaitRequest(interrupt_id=interrupt.interrupt_id))

    async def pr_1566():
        return await asyncio.wrap_future(call)

    try:
        with pytest.raises((TypeError, AssertionError)):
            run(pr_1566())
    finally:
        call.cancel()


def test_gpio_pin_numbers(board):
    device, _, _ = board
    assert GPIO.get_gpio_base_path(device=device) == "/sys/class/gpio/gpiochip338"
    assert GPIO.get_gpio_base(device=device) == 338
    assert GPIO.get_gpio_pin(4, device=device) == 338 + 78 + 4
    assert GPIO.get_gpio_pin(4, "zynqmp_gpio", device=device) == 338 + 4
    assert GPIO.get_gpio_npins(device=device) == 174
    device.arch = "armv7l"
    assert RemoteGPIO.get_gpio_pin(0, device=device) == 338 + 54
    assert GPIO.get_gpio_base_path("other", device=device) is None
    with pytest.raises(GpioError, match="no GPIO chip labelled other"):
        GPIO.get_gpio_pin(0, "other", device=device)


def test_gpio_read_write_release(board):
    device, _, fake = board
    out = GPIO(338 + 78, "out", device=device)
    out.write(1)
    assert fake.pins[out._gpio_id] == ["out", 1]
    pin = GPIO(338 + 79, "in", device=device)
    assert pin.read() == 0 and pin.is_exported()
    pin.release()
    assert not pin.is_exported()
    with pytest.raises(GpioError, match="released"):
        pin.read()


@pytest.mark.parametrize("make,error,text", [
    (lambda d: GPIO(7, "out", device=d), GpioError, "outside every GPIO chip"),
    (lambda d: GPIO(340, "sideways", device=d), ValueError, "in or out"),
    (lambda d: GPIO(-1, "in", device=d), ValueError, "outside the Linux GPIO numbers"),
    (lambda d: GPIO("340", "in", device=d), ValueError, "is an int"),
    (lambda d: GPIO(340, "in", device=d).write(1), AttributeError, "Cannot write GPIO input"),
    (lambda d: GPIO(341, "out", device=d).read(), AttributeError, "Cannot read GPIO output"),
    (lambda d: GPIO(342, "out", device=d).write(2), ValueError, "0 or 1"),
])
def test_gpio_bad_input(board, make, error, text):
    device, _, _ = board
    with pytest.raises(error, match=text):
        make(device)


def test_gpio_write_refused_by_status_is_raised(board):
    device, _, fake = board
    out = GPIO(343, "out", device=device)
    # The client refuses 2 itself; this sends it raw to see the status surface as an error.
    fake.pins[out._gpio_id] = ["out", 0]
    with pytest.raises(RemoteError, match="value must be 0 or 1"):
        from pynq_remote.pl_server.remote_gpio import _call
        _call(device, device._stub["gpio"].write,
              gpio_pb2.GpioWriteRequest(gpio_id=out._gpio_id, value=2), "raw write")


def test_gpio_in_use_in_the_other_direction(board):
    device, _, _ = board
    first = GPIO(344, "out", device=device)
    with pytest.raises(AttributeError, match="other direction"):
        GPIO(344, "in", device=device)
    first.release()
    GPIO(344, "in", device=device)
