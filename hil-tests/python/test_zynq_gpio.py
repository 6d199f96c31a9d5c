"""gpio.Gpio (PYNQ 4.0's wire) on the hardware backend (--backend zynq), over a fake board
tree, driven by raw stubs of proto/gpio.proto field for field: the PS chip found by its
Linux label, pins through sysfs (the fake /dev/gpiochip0 does not open as a GPIO chip),
what each call leaves in the board's files, and every bad input refused with its reason.

Nothing in a fake tree plays the kernel's part of export: the tests make sys/class/gpio/gpioN/
(make_fake_board.export_gpio) for the pins they use, as writing N to export would."""

import os
import subprocess
import tempfile
import time

import grpc
import pytest

from pynq_remote._proto import gpio_pb2, gpio_pb2_grpc

from conftest import free_port
from make_fake_board import export_gpio, make_fake_board

pytestmark = pytest.mark.skipif(bool(os.environ.get("PYNQ_REMOTE_DEVICES")),
                                reason="starts its own servers on fake board trees")

# ZynqMP: gpiochip338, 78 MIO pins, then 96 EMIO. Zynq-7000: gpiochip906, 54 MIO, 64 EMIO.
ZU_BASE, ZU_MIO, ZU_NGPIO = 338, 78, 174
Z7_BASE, Z7_MIO, Z7_NGPIO = 906, 54, 118


def server_binary():
    binary = os.environ.get("PYNQ_REMOTE_SERVER")
    if not binary:
        pytest.skip("PYNQ_REMOTE_SERVER is not set (run through ctest)")
    return binary


class GpioServer:
    """pynq-remote-server --backend zynq on a fake board tree, with a raw gpio.Gpio stub."""

    def __init__(self, family="zynqmp", log_level="warn"):
        self.tree = tempfile.TemporaryDirectory(prefix="pynq-remote-fake-board-")
        self.root = self.tree.name
        make_fake_board(self.root, family, udmabuf_mb=1)
        address = f"127.0.0.1:{free_port()}"
        self.proc = subprocess.Popen(
            [server_binary(), "--backend", "zynq", "--root", self.root, "--listen", address,
             "--log-level", log_level],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.started = self._wait_listening()
        self.channel = grpc.insecure_channel(address)
        self.stub = gpio_pb2_grpc.GpioStub(self.channel)

    def _wait_listening(self, timeout=30):
        # conftest.wait_listening, keeping what the server said before it listened.
        self.start_log = ""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            self.start_log += line
            if "listening" in line:
                return True
            if not line and self.proc.poll() is not None:
                return False
        return False

    def file(self, rel):
        with open(os.path.join(self.root, rel)) as f:
            return f.read()

    def pin(self, gpio, leaf):
        return self.file(f"sys/class/gpio/gpio{gpio}/{leaf}")

    def stop(self):
        self.channel.close()
        if self.proc.poll() is None:
            self.proc.terminate()
        output = self.proc.communicate(timeout=30)[0]
        self.tree.cleanup()
        return output


def start(family="zynqmp", log_level="warn"):
    server = GpioServer(family, log_level)
    assert server.started, server.stop()
    return server


@pytest.fixture
def zu():
    server = start()
    yield server
    server.stop()


def get_gpio(stub, index, direction):
    return stub.get_gpio(gpio_pb2.GetGpioRequest(index=index, direction=direction), timeout=30)


def test_base_path_and_npins_name_the_ps_chip(zu):
    base = zu.stub.get_gpio_base_path(gpio_pb2.GetGpioBasePathRequest(), timeout=30)
    assert base.HasField("base_path")
    assert base.base_path == f"/sys/class/gpio/gpiochip{ZU_BASE}"  # no trailing slash
    labelled = zu.stub.get_gpio_base_path(
        gpio_pb2.GetGpioBasePathRequest(target_label="zynqmp_gpio"), timeout=30)
    assert labelled.base_path == base.base_path
    none = zu.stub.get_gpio_base_path(
        gpio_pb2.GetGpioBasePathRequest(target_label="versal_gpio"), timeout=30)
    assert none.base_path == ""
    npins = zu.stub.get_gpio_npins(gpio_pb2.GetGpioNPinsRequest(), timeout=30)
    assert npins.npins == ZU_NGPIO
    with pytest.raises(grpc.RpcError) as err:
        zu.stub.get_gpio_npins(gpio_pb2.GetGpioNPinsRequest(target_label="pmc_gpio"), timeout=30)
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    assert 'no GPIO chip labelled "pmc_gpio"' in err.value.details()
    assert '"zynqmp_gpio" (gpiochip338)' in err.value.details()


def test_zynq7000_numbering():
    server = start("zynq7000")
    try:
        base = server.stub.get_gpio_base_path(gpio_pb2.GetGpioBasePathRequest(), timeout=30)
        assert base.base_path == f"/sys/class/gpio/gpiochip{Z7_BASE}"
        assert server.stub.get_gpio_npins(gpio_pb2.GetGpioNPinsRequest(),
                                          timeout=30).npins == Z7_NGPIO
        emio3 = Z7_BASE + Z7_MIO + 3
        export_gpio(server.root, emio3)
        got = get_gpio(server.stub, emio3, "out")
        assert not got.HasField("message"), got.message
        server.stub.write(gpio_pb2.GpioWriteRequest(gpio_id=got.gpio_id, value=1), timeout=30)
        assert server.pin(emio3, "value") == "1"
    finally:
        server.stop()


def test_emio_output_through_sysfs(zu):
    emio4 = ZU_BASE + ZU_MIO + 4
    export_gpio(zu.root, emio4)
    got = get_gpio(zu.stub, emio4, "out")
    assert not got.HasField("message"), got.message
    assert got.gpio_id.startswith("gpio_")
    assert zu.pin(emio4, "direction") == "low"  # an output starting at 0
    assert zu.file("sys/class/gpio/export") == ""  # gpio420/ was there: no second export
    zu.stub.write(gpio_pb2.GpioWriteRequest(gpio_id=got.gpio_id, value=1), timeout=30)
    assert zu.pin(emio4, "value") == "1"
    read = zu.stub.read(gpio_pb2.GpioReadRequest(gpio_id=got.gpio_id), timeout=30)
    assert not read.HasField("message")
    assert read.HasField("value") and read.value == 1
    assert zu.stub.is_exported(gpio_pb2.GpioIsExportedRequest(gpio_id=got.gpio_id),
                               timeout=30).is_exported
    zu.stub.unexport(gpio_pb2.GpioUnexportRequest(gpio_id=got.gpio_id), timeout=30)
    assert zu.file("sys/class/gpio/unexport") == str(emio4)
    assert zu.pin(emio4, "direction") == "in"  # given back undriven
    exported = zu.stub.is_exported(gpio_pb2.GpioIsExportedRequest(gpio_id=got.gpio_id),
                                   timeout=30)
    assert exported.HasField("is_exported") and not exported.is_exported


def test_input_reads_the_pin_and_refuses_writes(zu):
    mio9 = ZU_BASE + 9
    export_gpio(zu.root, mio9, value=1)
    got = get_gpio(zu.stub, mio9, "in")
    assert got.gpio_id
    assert zu.pin(mio9, "direction") == "in"
    assert zu.stub.read(gpio_pb2.GpioReadRequest(gpio_id=got.gpio_id), timeout=30).value == 1
    with open(os.path.join(zu.root, f"sys/class/gpio/gpio{mio9}/value"), "w") as f:
        f.write("0\n")
    assert zu.stub.read(gpio_pb2.GpioReadRequest(gpio_id=got.gpio_id), timeout=30).value == 0
    with pytest.raises(grpc.RpcError) as err:
        zu.stub.write(gpio_pb2.GpioWriteRequest(gpio_id=got.gpio_id, value=1), timeout=30)
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert f"gpio {mio9} (MIO 9 of gpiochip338)) is an input" in err.value.details()
    assert zu.pin(mio9, "value") == "0\n"


def test_bad_inputs_are_refused_with_their_reason(zu):
    outside = get_gpio(zu.stub, ZU_BASE + ZU_NGPIO, "out")
    assert not outside.HasField("gpio_id")
    assert "GPIO index 512 is outside every GPIO chip" in outside.message
    assert "EMIO pin k is 338 + 78 + k = 416 + k, k in 0..95" in outside.message

    sideways = get_gpio(zu.stub, ZU_BASE, "sideways")
    assert not sideways.HasField("gpio_id")
    assert sideways.message == 'GPIO direction "sideways": want "in" or "out"'

    # A pin the kernel does not export (nothing makes gpio430/ in a fake tree).
    refused = get_gpio(zu.stub, 430, "out")
    assert not refused.HasField("gpio_id")
    assert "exporting gpio 430 (EMIO 14 of gpiochip338)" in refused.message
    assert "did not appear" in refused.message
    assert zu.file("sys/class/gpio/export") == "430"

    export_gpio(zu.root, 431)
    out = get_gpio(zu.stub, 431, "out").gpio_id
    for value in (2, -1):
        with pytest.raises(grpc.RpcError) as err:
            zu.stub.write(gpio_pb2.GpioWriteRequest(gpio_id=out, value=value), timeout=30)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "want 0 or 1" in err.value.details()
    assert zu.pin(431, "direction") == "low"  # nothing written

    for unknown in ("gpio_77", "", out + "x"):
        read = zu.stub.read(gpio_pb2.GpioReadRequest(gpio_id=unknown), timeout=30)
        assert not read.HasField("value")
        assert f'no GPIO with id "{unknown}"' in read.message
        for call, request in ((zu.stub.write, gpio_pb2.GpioWriteRequest(gpio_id=unknown)),
                              (zu.stub.unexport, gpio_pb2.GpioUnexportRequest(gpio_id=unknown))):
            with pytest.raises(grpc.RpcError) as err:
                call(request, timeout=30)
            assert err.value.code() == grpc.StatusCode.NOT_FOUND
        assert not zu.stub.is_exported(gpio_pb2.GpioIsExportedRequest(gpio_id=unknown),
                                       timeout=30).is_exported

    zu.stub.unexport(gpio_pb2.GpioUnexportRequest(gpio_id=out), timeout=30)
    with pytest.raises(grpc.RpcError) as err:
        zu.stub.unexport(gpio_pb2.GpioUnexportRequest(gpio_id=out), timeout=30)
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


def test_start_up_log_says_how_pins_are_reached():
    server = start(log_level="info")
    server.stop()
    assert 'PS GPIO: gpiochip338 "zynqmp_gpio" 338..511 via' in server.start_log
