"""interrupt.RemoteInterrupt on the hardware backend (--backend zynq), on a fake board tree:
the PL interrupt arrives through the UIO device of line 0 (a FIFO there: 4 bytes written are
one firing) and the AXI INTC's registers are the fake board's dev/mem, which the backend maps
as it would the real bus. So the test sees the server's INTC writes (IER = 0 and MER = 3 on
the first registration, SIE to re-arm, CIE and IAR when it fires) and plays the controller's
IPR itself. Raw stubs of PR #1566's interrupt.proto, over a real socket."""

import os
import struct

import grpc
import pytest

import pynq_remote as pynq
from pynq_remote._proto import interrupt_pb2, interrupt_pb2_grpc

from test_zynq_backend import ZynqServer

pytestmark = pytest.mark.skipif(bool(os.environ.get("PYNQ_REMOTE_DEVICES")),
                                reason="starts its own servers on fake board trees")

INTC = 0xA0010000  # gpio_intc's axi_intc_0
ISR, IPR, IER, IAR, SIE, CIE, MER = 0x00, 0x04, 0x08, 0x0C, 0x10, 0x14, 0x1C
PIN = "axi_gpio_0/ip2intc_irpt"
FIRED, TIMEOUT, ERROR = (interrupt_pb2.WaitResponse.FIRED, interrupt_pb2.WaitResponse.TIMEOUT,
                         interrupt_pb2.WaitResponse.ERROR)
LONG = 60  # seconds: a generous bound for anything that must end


@pytest.fixture
def board(designs):
    server = ZynqServer()
    assert server.started, server.stop()
    dev = pynq.RemoteDevice(0, server.address)
    # Our client uploads the .hwh beside the firmware: the server learns the wiring from it.
    pynq.Bitstream(os.path.join(designs, "gpio_intc", "gpio_intc.bit"), device=dev).download()
    channel = grpc.insecure_channel(server.address)
    yield server, interrupt_pb2_grpc.RemoteInterruptStub(channel)
    channel.close()
    dev.close()
    server.stop()


def peek(server, addr):
    with open(server.path("dev/mem"), "rb") as f:
        f.seek(addr)
        return struct.unpack("<I", f.read(4))[0]


def poke(server, addr, value):
    with open(server.path("dev/mem"), "r+b") as f:
        f.seek(addr)
        f.write(struct.pack("<I", value))


def fire(server):
    """One firing of PL interrupt line 0: what the UIO driver reports."""
    fd = os.open(server.path("dev/uio0"), os.O_WRONLY | os.O_NONBLOCK)
    try:
        os.write(fd, struct.pack("<I", 1))
    finally:
        os.close(fd)


def register(stub, **fields):
    return stub.register_interrupt(interrupt_pb2.RegisterRequest(**fields), timeout=LONG)


def wait(stub, interrupt_id, timeout_ms):
    return stub.wait_for_interrupt(
        interrupt_pb2.WaitRequest(interrupt_id=interrupt_id, timeout_ms=timeout_ms), timeout=LONG)


def test_base_and_index_registration_fires_through_uio(board):
    server, stub = board
    poke(server, INTC + IER, 0xFFFFFFFF)
    reply = register(stub, controller_phys_addr=INTC, pin_index=0)
    assert reply.interrupt_id.startswith("irq_"), reply.msg
    # PR #1566: the first registration on a controller disables every input, enables irq.
    assert peek(server, INTC + IER) == 0
    assert peek(server, INTC + MER) == 3

    pending = stub.wait_for_interrupt.future(
        interrupt_pb2.WaitRequest(interrupt_id=reply.interrupt_id), timeout=LONG)
    poke(server, INTC + IPR, 0x1)  # input 0 pending, as the controller would show it
    fire(server)
    assert pending.result(timeout=LONG).status == FIRED
    assert peek(server, INTC + SIE) == 0x1  # the wait re-armed input 0
    assert peek(server, INTC + CIE) == 0x1  # the dispatcher disabled ...
    assert peek(server, INTC + IAR) == 0x1  # ... and acknowledged it

    # The driver cleared the source: the next wait re-arms, and nothing comes.
    poke(server, INTC + IPR, 0)
    poke(server, INTC + SIE, 0)
    assert wait(stub, reply.interrupt_id, 100).status == TIMEOUT
    assert peek(server, INTC + SIE) == 0x1


def test_cancel_release_and_bad_input_on_the_hardware_backend(board):
    server, stub = board
    by_pin = register(stub, pin_name=PIN)
    assert by_pin.interrupt_id, by_pin.msg
    # Both given: they must agree with the .hwh, and the refusal names both.
    wrong = register(stub, pin_name=PIN, controller_phys_addr=INTC, pin_index=2)
    assert wrong.interrupt_id == ""
    assert "input 0 of axi_intc_0 at 0xA0010000" in wrong.msg
    assert "input 2 of the controller at 0xA0010000" in wrong.msg
    unknown = register(stub, pin_name="axi_gpio_0/nothing")
    assert unknown.interrupt_id == "" and PIN in unknown.msg

    # A client that cancels ends its wait; the registration still works afterwards.
    pending = stub.wait_for_interrupt.future(
        interrupt_pb2.WaitRequest(interrupt_id=by_pin.interrupt_id), timeout=LONG)
    pending.cancel()
    with pytest.raises(grpc.FutureCancelledError):
        pending.result(timeout=LONG)
    # If the cancel reaches the server after a firing, that firing went to the cancelled
    # wait. A level source would fire again on the re-arm; the FIFO fires once per write,
    # so the test fires as a level source would, until a wait sees it.
    poke(server, INTC + IPR, 0x1)
    for _ in range(30):
        fire(server)
        if wait(stub, by_pin.interrupt_id, 1000).status == FIRED:
            break
    else:
        pytest.fail("no wait saw a firing after a cancelled one")
    poke(server, INTC + IPR, 0)  # the source is quiet: leftover firings find nothing pending

    # Release while waiting: CANCELLED; a later wait is an ERROR saying why.
    pending = stub.wait_for_interrupt.future(
        interrupt_pb2.WaitRequest(interrupt_id=by_pin.interrupt_id), timeout=LONG)
    released = stub.release_interrupt(
        interrupt_pb2.ReleaseRequest(interrupt_id=by_pin.interrupt_id), timeout=LONG)
    assert not released.HasField("msg"), released.msg
    try:
        early = pending.result(timeout=LONG)
        # The release reached the server before the wait did: then the wait is an ERROR.
        assert early.status == ERROR and "released" in early.msg, early
    except grpc.RpcError as error:
        assert error.code() == grpc.StatusCode.CANCELLED, error.details()
        assert "released" in error.details()
    after = wait(stub, by_pin.interrupt_id, 0)
    assert after.status == ERROR and "released" in after.msg
