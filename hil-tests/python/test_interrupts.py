"""PL interrupts end to end (issue 17): pynq_remote.Interrupt and the drivers that wait on it,
against the interrupt service of a real server over a real socket, on the simulated ZCU104
started here or the Zynq UltraScale+ board PYNQ_REMOTE_DEVICES names.

Designs: gpio_intc (AXI GPIO channel 1 looped into channel 2, its interrupt through an AXI
INTC to pl_ps_irq0), dma_loopback (both DMA introuts through an AXI INTC), ref_accel (an HLS
block's ap_done interrupt wired straight to pl_ps_irq0). Every wait is bounded by a generous
asyncio timeout; no sleep stands in for an event.
"""

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import grpc
import numpy as np
import pytest

import pynq_remote as pynq
from conftest import budget
from family_board import FamilyBoard, is_sim
from pynq_remote._proto import interrupt_pb2, interrupt_pb2_grpc
from pynq_remote._proto.pynq_remote.v1 import board_pb2, board_pb2_grpc

HERE = os.path.dirname(os.path.abspath(__file__))
CLIENT = os.path.normpath(os.path.join(HERE, "..", "..", "client", "python"))
GPIO_PIN = "axi_gpio_0/ip2intc_irpt"
INTC_BASE = 0xA0010000
# AXI GPIO (PG144)
DATA1, DATA2, GIER, IP_ISR, IP_IER = 0x00, 0x08, 0x11C, 0x120, 0x128
CH2 = 0x2
HEALTH_CHECK = "/grpc.health.v1.Health/Check"
SERVING = b"\x08\x01"  # HealthCheckResponse{status: SERVING}


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


@pytest.fixture
def gpio_overlay(zu, designs):
    return pynq.Overlay(design(designs, "gpio_intc"), device=zu)


def run(coro, seconds=60):
    return asyncio.run(asyncio.wait_for(coro, budget(seconds)))


def arm_channel2(gpio):
    """Channel 2's input-change interrupt on, nothing pending."""
    gpio.write(GIER, 0x80000000)
    gpio.write(IP_IER, CH2)
    if gpio.read(IP_ISR) & CH2:
        gpio.write(IP_ISR, CH2)


def usage(address):
    channel = grpc.insecure_channel(address)
    try:
        return board_pb2_grpc.BoardStub(channel).GetInfo(board_pb2.GetInfoRequest(),
                                                         timeout=budget(10)).usage
    finally:
        channel.close()


def health(address):
    channel = grpc.insecure_channel(address)
    try:
        check = channel.unary_unary(HEALTH_CHECK, request_serializer=lambda b: b,
                                    response_deserializer=lambda b: b)
        return check(b"", timeout=budget(10))
    finally:
        channel.close()


# -- drivers ------------------------------------------------------------------------------

def test_interrupt_driven_dma_loopback(zu, designs):
    overlay = pynq.Overlay(design(designs, "dma_loopback"), device=zu)
    dma = overlay.axi_dma_0
    assert isinstance(dma.s2mm_introut, pynq.Interrupt)
    for n in (64, 4096, 16000):
        data = np.random.default_rng(n).integers(1, 256, n, dtype=np.uint8)
        src = pynq.allocate((n,), np.uint8, target=zu)
        dst = pynq.allocate((n,), np.uint8, target=zu)
        src[:] = data
        dst[:] = 0

        async def loop():
            dma.recvchannel.transfer(dst)
            dma.sendchannel.transfer(src)
            await dma.sendchannel.wait_async()
            await dma.recvchannel.wait_async()

        run(loop())
        assert np.array_equal(np.asarray(dst), data)
        assert dma.recvchannel.transferred == n
        src.freebuffer()
        dst.freebuffer()


def test_axi_gpio_input_change_raises_the_interrupt(gpio_overlay):
    gpio = gpio_overlay.axi_gpio_0
    assert gpio.has_interrupts and isinstance(gpio.ip2intc_irpt, pynq.Interrupt)
    gpio.channel1.write(0, 0xFF)

    async def main():
        for value in (0x5A, 0xA5, 0x01):
            waiter = asyncio.ensure_future(gpio.channel2[0:8].wait_for_value_async(value))
            await asyncio.sleep(0)  # the waiter reads, enables the interrupt and waits
            assert not waiter.done()
            gpio.channel1.write(value, 0xFF)
            await waiter
            assert gpio.channel2.read() == value

    run(main())
    assert gpio.ip2intc_irpt.interrupt_id  # registered: the waits went to the board
    assert gpio.read(IP_IER) & CH2 == 0  # enabled only while someone waited


def test_register_as_pynq_does(gpio_overlay, zu):
    irq = pynq.Interrupt(GPIO_PIN, device=zu)
    assert (irq.pin_name, irq.pin_index, irq.controller_phys_addr) == (GPIO_PIN, 0, INTC_BASE)
    assert irq.raw_irq == gpio_overlay.interrupt_controllers["axi_intc_0"]["raw_irq"] == 121
    assert irq.interrupt_id.startswith("irq_")
    irq.close()


def test_hls_ap_done_interrupt(zu, designs):
    overlay = pynq.Overlay(design(designs, "ref_accel"), device=zu)
    accel = overlay.mem_accel_0
    assert isinstance(accel.interrupt, pynq.Interrupt)
    assert accel.interrupt.controller_phys_addr == 0  # wired straight to pl_ps_irq0
    n = 4096
    src = pynq.allocate((n,), np.uint32, target=zu)
    dst = pynq.allocate((n,), np.uint32, target=zu)
    src[:] = np.arange(n, dtype=np.uint32)
    dst[:] = 0
    regs = accel.register_map
    for name, value in (("src_1", src.physical_address & 0xFFFFFFFF),
                        ("src_2", src.physical_address >> 32),
                        ("dst_1", dst.physical_address & 0xFFFFFFFF),
                        ("dst_2", dst.physical_address >> 32),
                        ("length", src.nbytes), ("op", 1), ("constant", 3)):
        setattr(regs, name, value)

    async def main():
        accel.write(0x04, 1)       # GIER
        accel.write(0x08, 1)       # IP_IER: ap_done, before the start so no event is missed
        regs.CTRL.AP_START = 1
        await accel.wait_for_done_async()

    run(main())
    dst.invalidate()
    assert np.array_equal(np.asarray(dst), np.arange(n, dtype=np.uint32) + 3)
    assert accel.read(0x0C) & 1 == 0  # ap_done acknowledged


# -- many, cancelled, killed, reprogrammed --------------------------------------------------

def test_1000_interrupts_in_a_row_none_lost(gpio_overlay, zu):
    gpio = gpio_overlay.axi_gpio_0
    arm_channel2(gpio)
    irq = gpio.ip2intc_irpt
    events = 1000
    late = 0

    gpio.write(DATA1, 0)
    if gpio.read(IP_ISR) & CH2:
        gpio.write(IP_ISR, CH2)

    async def main():
        nonlocal late
        for i in range(events):
            value = (i % 255) + 1 if i % 2 == 0 else 0  # differs from the last: an event
            gpio.write(DATA1, value)  # the PL event: channel 2's inputs change
            await irq.wait()
            while not gpio.read(IP_ISR) & CH2:
                late += 1  # at most one late FIRED after a clear (the INTC latches)
                await irq.wait()
            assert gpio.read(DATA2) == value
            gpio.write(IP_ISR, CH2)

    started = time.perf_counter()
    run(main(), seconds=600)
    print(f"{events} interrupts in {time.perf_counter() - started:.2f} s, {late} late FIRED")
    assert late <= events


def test_cancelled_waiter_is_released_and_the_registration_stays_usable(gpio_overlay, board):
    zu = board.device
    gpio = gpio_overlay.axi_gpio_0
    arm_channel2(gpio)
    irq = gpio.ip2intc_irpt
    gpio.write(DATA1, 0)
    if gpio.read(IP_ISR) & CH2:
        gpio.write(IP_ISR, CH2)

    async def main():
        calls = []
        original = irq._start_call

        def spy(loop, timeout):
            inflight = original(loop, timeout)
            calls.append(inflight.call)
            return inflight

        irq._start_call = spy
        task = asyncio.ensure_future(irq.wait())
        await asyncio.sleep(0)
        assert calls and not task.done()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # The call ended as CANCELLED (the server's OnCancel released the waiter at once).
        ended = threading.Event()
        calls[0].add_done_callback(lambda _: ended.set())
        assert await asyncio.get_running_loop().run_in_executor(None, ended.wait, budget(30))
        assert calls[0].code() == grpc.StatusCode.CANCELLED
        # The registration still works: the next event fires the next wait.
        gpio.write(DATA1, 0x3C)
        await irq.wait()
        assert gpio.read(IP_ISR) & CH2
        gpio.write(IP_ISR, CH2)

    run(main())
    assert health(zu.address) == SERVING


CHILD = textwrap.dedent("""
    import asyncio, sys
    sys.path.insert(0, {client!r})
    import pynq_remote as pynq
    dev = pynq.RemoteDevice(0, {address!r})
    overlay = pynq.Overlay({bitfile!r}, device=dev)
    irq = pynq.Interrupt({pin!r}, device=dev)

    async def main():
        task = asyncio.ensure_future(irq.wait())
        await asyncio.sleep(0)
        print("waiting", flush=True)
        await task

    asyncio.run(main())
""")


def test_client_killed_while_waiting_leaves_the_server_healthy(board, designs):
    if board.server is None:
        pytest.skip("reads the server's /proc: a simulated board started here")
    address, pid = board.server.address, board.server.proc.pid
    fds_before = len(os.listdir(f"/proc/{pid}/fd"))
    sessions_before = usage(address).open_sessions
    for _ in range(3):
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD.format(client=CLIENT, address=address,
                                                bitfile=design(designs, "gpio_intc"),
                                                pin=GPIO_PIN)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            line = child.stdout.readline()
            assert line.startswith("waiting"), line + child.stdout.read()
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait()
    assert health(address) == SERVING
    # Its session (and with it its registration) goes; the pin still works for others.
    overlay = pynq.Overlay(design(designs, "gpio_intc"), device=board.device)
    gpio = overlay.axi_gpio_0
    arm_channel2(gpio)
    gpio.write(DATA1, 0x42)
    run(gpio.ip2intc_irpt.wait())
    deadline = time.monotonic() + budget(10)
    while len(os.listdir(f"/proc/{pid}/fd")) > fds_before + 4 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(os.listdir(f"/proc/{pid}/fd")) <= fds_before + 4
    # The killed clients' sessions end (and with them their registrations).
    deadline = time.monotonic() + budget(30)
    while usage(address).open_sessions > sessions_before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert usage(address).open_sessions == sessions_before


def test_reprogram_while_waiting_ends_the_wait_with_a_clear_error(gpio_overlay, zu, designs):
    gpio = gpio_overlay.axi_gpio_0
    arm_channel2(gpio)
    gpio.write(DATA1, 0)
    if gpio.read(IP_ISR) & CH2:
        gpio.write(IP_ISR, CH2)
    irq = pynq.Interrupt(GPIO_PIN, device=zu)

    async def main():
        task = asyncio.ensure_future(irq.wait())
        await asyncio.sleep(0)
        # Another client reprograms the PL under the waiter.
        other = pynq.RemoteDevice(1, zu.ip_addr + f":{zu.port}")
        try:
            await asyncio.get_running_loop().run_in_executor(
                None, lambda: pynq.Overlay(design(designs, "dma_loopback"), device=other))
        finally:
            other.close()
        # CANCELLED when the wait was pending at the reprogram; ERROR naming the replaced
        # design when the reprogram got there first: either way InterruptError, never FIRED.
        with pytest.raises(pynq.InterruptError) as error:
            await task
        return error.value

    error = run(main())
    print(error)
    assert GPIO_PIN in str(error)
    # A later wait on the registration of the replaced design: refused, naming why.
    with pytest.raises(pynq.InterruptError):
        run(irq.wait())


# -- bad input ----------------------------------------------------------------------------

def test_unknown_pin_names_the_pins_there_are(gpio_overlay, zu):
    with pytest.raises(ValueError, match=f"No Pin of name axi_gpio_0/nope.*{GPIO_PIN}"):
        pynq.Interrupt("axi_gpio_0/nope", device=zu)


def test_released_interrupt_cannot_be_waited_on(gpio_overlay, zu):
    irq = pynq.Interrupt(GPIO_PIN, device=zu)
    old_id = irq.interrupt_id
    raw = zu._stub["interrupt"]  # with this client's session: the id was its own
    irq.close()
    answer = raw.wait_for_interrupt(interrupt_pb2.WaitRequest(interrupt_id=old_id),
                                    timeout=budget(10))
    assert answer.status == interrupt_pb2.WaitResponse.ERROR and old_id in answer.msg


def test_wait_timeout(gpio_overlay, zu):
    gpio = gpio_overlay.axi_gpio_0
    arm_channel2(gpio)
    irq = pynq.Interrupt(GPIO_PIN, device=zu)
    with pytest.raises(pynq.InterruptTimeoutError):
        run(irq.wait(timeout=0.05))
    irq.close()


# -- the wire, field for field (raw stubs from proto/interrupt.proto) -----------------------

@pytest.fixture
def raw(gpio_overlay, zu):
    """PR #1566's stub with no session metadata, as that client sends it."""
    channel = grpc.insecure_channel(zu.address)
    yield interrupt_pb2_grpc.RemoteInterruptStub(channel)
    channel.close()


def register(raw, **fields):
    return raw.register_interrupt(interrupt_pb2.RegisterRequest(**fields), timeout=budget(10))


def test_raw_register_wait_release(raw, gpio_overlay):
    gpio = gpio_overlay.axi_gpio_0
    arm_channel2(gpio)
    answer = register(raw, pin_name=GPIO_PIN, pin_index=0, raw_irq=121,
                      controller_phys_addr=INTC_BASE)
    assert answer.interrupt_id.startswith("irq_") and not answer.msg
    irq_id = answer.interrupt_id
    timeout = raw.wait_for_interrupt(interrupt_pb2.WaitRequest(interrupt_id=irq_id,
                                                               timeout_ms=20),
                                     timeout=budget(10))
    assert timeout.status == interrupt_pb2.WaitResponse.TIMEOUT
    gpio.write(DATA1, 0x77)
    fired, call = raw.wait_for_interrupt.with_call(
        interrupt_pb2.WaitRequest(interrupt_id=irq_id), timeout=budget(30))
    assert fired.status == interrupt_pb2.WaitResponse.FIRED
    metadata = dict(call.trailing_metadata() or ())
    if is_sim(gpio_overlay.device):
        assert int(metadata["pynq-remote-irq-sim-ps"]) > 0
    gpio.write(IP_ISR, CH2)
    assert not raw.release_interrupt(interrupt_pb2.ReleaseRequest(interrupt_id=irq_id),
                                     timeout=budget(10)).msg


def test_raw_register_by_controller_and_index(raw, gpio_overlay):
    answer = register(raw, pin_index=0, controller_phys_addr=INTC_BASE, raw_irq=121)
    assert answer.interrupt_id, answer.msg
    raw.release_interrupt(interrupt_pb2.ReleaseRequest(interrupt_id=answer.interrupt_id))


@pytest.mark.parametrize("fields,text", [
    ({"pin_name": "axi_gpio_0/nope"}, "axi_gpio_0/nope"),
    ({"pin_name": "axi_gpio_0/gpio_io_o"}, "axi_gpio_0/gpio_io_o"),   # not an interrupt pin
    ({"pin_name": GPIO_PIN, "pin_index": 5, "controller_phys_addr": INTC_BASE}, "5"),
    ({"pin_index": 0, "controller_phys_addr": 0xA0000000}, "0xa0000000"),
])
def test_raw_register_refused_with_a_message(raw, fields, text):
    answer = register(raw, **fields)
    assert answer.interrupt_id == ""
    assert answer.msg and text.lower() in answer.msg.lower()


def test_raw_pending_wait_ends_cancelled_at_release(raw, gpio_overlay):
    gpio = gpio_overlay.axi_gpio_0
    gpio.write(DATA1, 0)
    if gpio.read(IP_ISR) & CH2:
        gpio.write(IP_ISR, CH2)
    irq_id = register(raw, pin_name=GPIO_PIN).interrupt_id
    pending = raw.wait_for_interrupt.future(interrupt_pb2.WaitRequest(interrupt_id=irq_id))
    # The release may reach the server before the wait does: then the wait is on a released
    # id and gets ERROR; either way it ends, and never as FIRED.
    raw.release_interrupt(interrupt_pb2.ReleaseRequest(interrupt_id=irq_id), timeout=budget(10))
    try:
        answer = pending.result(timeout=budget(30))
        assert answer.status == interrupt_pb2.WaitResponse.ERROR and irq_id in answer.msg
    except grpc.RpcError as error:
        assert error.code() == grpc.StatusCode.CANCELLED and error.details()
    later = raw.wait_for_interrupt(interrupt_pb2.WaitRequest(interrupt_id=irq_id),
                                   timeout=budget(10))
    assert later.status == interrupt_pb2.WaitResponse.ERROR and irq_id in later.msg


def test_raw_unknown_ids(raw):
    answer = raw.wait_for_interrupt(interrupt_pb2.WaitRequest(interrupt_id="irq_999999"),
                                    timeout=budget(10))
    assert answer.status == interrupt_pb2.WaitResponse.ERROR and "irq_999999" in answer.msg
    assert "irq_999999" in raw.release_interrupt(
        interrupt_pb2.ReleaseRequest(interrupt_id="irq_999999"), timeout=budget(10)).msg


def test_raw_every_registration_of_a_pin_sees_every_event(raw, gpio_overlay):
    gpio = gpio_overlay.axi_gpio_0
    arm_channel2(gpio)
    ids = [register(raw, pin_name=GPIO_PIN).interrupt_id for _ in range(2)]
    gpio.write(DATA1, 0x99)
    for irq_id in ids:
        answer = raw.wait_for_interrupt(interrupt_pb2.WaitRequest(interrupt_id=irq_id),
                                        timeout=budget(30))
        assert answer.status == interrupt_pb2.WaitResponse.FIRED
    gpio.write(IP_ISR, CH2)
    for irq_id in ids:
        raw.release_interrupt(interrupt_pb2.ReleaseRequest(interrupt_id=irq_id))
