"""The hardware backend (--backend zynq) over gRPC, on fake board trees: what a board that
is missing a part makes the server say, and what the FPGA manager, the buffers, the clocks
and the access rules look like to a client. The rest of the suites run on the same backend
in ctest's *_zynq_fake_board entries."""

import os
import struct
import subprocess
import tempfile

import grpc
import numpy as np
import pytest

import pynq_remote as pynq
from pynq_remote._proto import remote_device_pb2, remote_device_pb2_grpc

from conftest import free_port, wait_listening
from make_fake_board import make_fake_board

pytestmark = pytest.mark.skipif(bool(os.environ.get("PYNQ_REMOTE_DEVICES")),
                                reason="starts its own servers on fake board trees")

FPGA = "/sys/class/fpga_manager/fpga0/"


def server_binary():
    binary = os.environ.get("PYNQ_REMOTE_SERVER")
    if not binary:
        pytest.skip("PYNQ_REMOTE_SERVER is not set (run through ctest)")
    return binary


class ZynqServer:
    """pynq-remote-server --backend zynq on a fake board tree of its own."""

    def __init__(self, *args, family="zynqmp", spoil=None):
        self.tree = tempfile.TemporaryDirectory(prefix="pynq-remote-fake-board-")
        self.root = self.tree.name
        make_fake_board(self.root, family, udmabuf_mb=32)
        if spoil:
            spoil(self.root)
        self.address = f"127.0.0.1:{free_port()}"
        self.proc = subprocess.Popen(
            [server_binary(), "--backend", "zynq", "--root", self.root, "--listen",
             self.address, "--log-level", "warn", *args],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.started = wait_listening(self.proc)

    def path(self, rel):
        return os.path.join(self.root, rel)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
        output = self.proc.communicate(timeout=20)[0]
        self.tree.cleanup()
        return output


def start_fails(spoil=None, *args):
    """Starts a server on a spoiled tree, which must exit at once; its code and output."""
    with tempfile.TemporaryDirectory(prefix="pynq-remote-fake-board-") as root:
        make_fake_board(root, udmabuf_mb=32)
        if spoil:
            spoil(root)
        run = subprocess.run(
            [server_binary(), "--backend", "zynq", "--root", root, "--listen",
             f"127.0.0.1:{free_port()}", *args],
            capture_output=True, text=True, timeout=30)
        return run.returncode, run.stdout + run.stderr


@pytest.fixture
def zynq():
    server = ZynqServer()
    assert server.started, server.stop()
    dev = pynq.RemoteDevice(0, server.address)
    yield server, dev
    dev.close()
    server.stop()


def remove(rel):
    def spoil(root):
        path = os.path.join(root, rel)
        if os.path.isdir(path) and not os.path.islink(path):
            subprocess.run(["rm", "-r", path], check=True)
        else:
            os.remove(path)
    return spoil


@pytest.mark.parametrize("spoil, args, message", [
    (remove("sys/class/fpga_manager/fpga0"), [], "no FPGA manager"),
    (remove("lib/firmware"), [], "lib/firmware directory"),
    (remove("sys/class/u-dma-buf"), [], "no u-dma-buf device"),
    (None, ["--memory", "udmabuf:udmabuf3"], "no u-dma-buf device udmabuf3"),
    (None, ["--memory", "carveout:0x60000000:0x8000000"], "does not fit inside a reserved"),
    (None, ["--memory", "carveout:0x40000000:0x100000"], "does not fit inside a reserved"),
    (None, ["--memory", "carveout:buffers"], "no reserved-memory node of that name"),
    (lambda root: os.truncate(os.path.join(root, "dev/mem"), 1 << 30), [], "too small"),
    (remove("proc/device-tree"), [], "no device tree"),
])
def test_a_missing_part_stops_the_server_saying_what(spoil, args, message):
    code, output = start_fails(spoil, *args)
    assert code == 1, output
    assert message in output, output


def test_a_malformed_memory_flag_exits_2():
    run = subprocess.run([server_binary(), "--backend", "zynq", "--memory", "cma"],
                         capture_output=True, text=True, timeout=20)
    assert run.returncode == 2
    assert "--memory cma: want udmabuf" in run.stderr


def test_board_facts_come_from_the_device_tree(zynq):
    server, dev = zynq
    info = dev.info
    assert info.backend == "zynq"
    assert info.board == "ZCU104" and info.part.startswith("xczu7ev")
    assert "fake_board" in info.capabilities and "irq" in info.capabilities
    assert [round(mhz) for mhz in info.pl_clocks_mhz] == [100, 100, 100, 100]
    assert {w.name for w in info.windows} >= {"M_AXI_HPM0_FPD", "M_AXI_HPM0_LPD", "CRL_APB"}


def test_programming_goes_through_the_kernels_fpga_manager(zynq, designs):
    server, dev = zynq
    pynq.Bitstream(f"{designs}/ref_accel/ref_accel.bit", device=dev).download()
    with open(server.path("sys/class/fpga_manager/fpga0/firmware")) as f:
        assert f.read() == "ref_accel.bin"  # written once, by the server, not as a file copy
    assert os.path.getsize(server.path("lib/firmware/ref_accel.bin")) > 0
    assert pynq.RemoteDevice(0, server.address).info.loaded_design == "ref_accel"


def test_a_state_that_reports_an_error_fails_the_download(zynq, designs):
    server, dev = zynq
    with open(server.path("sys/class/fpga_manager/fpga0/state"), "w") as f:
        f.write("write init error\n")
    with pytest.raises(RuntimeError, match="write init error"):
        pynq.Bitstream(f"{designs}/ref_accel/ref_accel.bit", device=dev).download()


def test_firmware_that_is_not_there_is_named(zynq):
    server, dev = zynq
    with pytest.raises(RuntimeError, match="no firmware /lib/firmware/nothere.bin"):
        dev.write_file(FPGA + "firmware", b"nothere.bin")
    # The kernel's state file is not the client's to write.
    with pytest.raises(RuntimeError):
        dev.write_file(FPGA + "state", b"operating")


def test_buffers_live_in_the_udmabuf_and_reach_every_dtype(zynq):
    server, dev = zynq
    for dtype in (np.uint8, np.int16, np.uint32, np.int64, np.float32, np.float64):
        buf = pynq.allocate((1000,), dtype=dtype, target=dev)
        buf[:] = np.arange(1000).astype(dtype)
        buf.flush()
        buf.invalidate()
        assert np.array_equal(np.array(buf), np.arange(1000).astype(dtype))
        assert 0x70000000 <= buf.physical_address < 0x70000000 + (32 << 20)
        with open(server.path("dev/udmabuf0"), "rb") as f:
            f.seek(buf.physical_address - 0x70000000)
            assert f.read(buf.nbytes) == np.arange(1000).astype(dtype).tobytes()
        buf.freebuffer()
    with open(server.path("sys/class/u-dma-buf/udmabuf0/sync_for_cpu")) as f:
        assert f.read().strip() == "1"
    with pytest.raises(RuntimeError, match="udmabuf0"):
        pynq.allocate((64 << 20,), dtype=np.uint8, target=dev)


def test_carveout_buffers(designs):
    server = ZynqServer("--memory", "carveout:pynq_carveout@60000000")
    try:
        assert server.started
        dev = pynq.RemoteDevice(0, server.address)
        buf = pynq.allocate((4097,), dtype=np.uint8, target=dev)
        buf[:] = np.arange(4097) % 251
        assert np.array_equal(np.array(buf), np.arange(4097) % 251)
        assert buf.physical_address == 0x60000000
        with open(server.path("dev/mem"), "rb") as f:
            f.seek(0x60000000)
            assert f.read(4097) == (np.arange(4097) % 251).astype(np.uint8).tobytes()
        dev.close()
    finally:
        server.stop()


def test_set_pl_clk_writes_the_ps_clock_registers(zynq):
    server, dev = zynq
    stub = remote_device_pb2_grpc.RemoteDeviceStub(grpc.insecure_channel(server.address))
    assert stub.set_pl_clk(remote_device_pb2.SetPlClkRequest(i=2, clk_mhz=50)).status
    with open(server.path("dev/mem"), "rb") as f:
        f.seek(0xFF5E00C8)
        ctrl = struct.unpack("<I", f.read(4))[0]
    div0, div1 = ctrl >> 8 & 0x3F, ctrl >> 16 & 0x3F
    assert abs(1500 / div0 / div1 - 50) < 0.5
    assert round(pynq.RemoteDevice(0, server.address).info.pl_clocks_mhz[2]) == 50


def test_mmio_reaches_only_the_bus_windows(zynq):
    server, dev = zynq
    regs = pynq.MMIO(0xA0000000, 0x1000, device=dev)
    regs.write(0x8, 0x12345678)
    assert regs.read(0x8) == 0x12345678
    with open(server.path("dev/mem"), "rb") as f:
        f.seek(0xA0000008)
        assert struct.unpack("<I", f.read(4))[0] == 0x12345678
    # Kernel memory is no bus window: the policy refuses it before the backend would.
    with pytest.raises(RuntimeError):
        pynq.MMIO(0x60000000, 0x1000, device=dev).read(0)


def test_open_policy_still_maps_nothing_outside_the_windows():
    server = ZynqServer("--mmio-policy", "open")
    try:
        dev = pynq.RemoteDevice(0, server.address)
        with pytest.raises(RuntimeError, match="not inside one MMIO window"):
            dev.mmap(0x60000000, 0x1000).read(0)
        dev.close()
    finally:
        server.stop()


def test_zynq7000_board(designs):
    server = ZynqServer(family="zynq7000")
    try:
        assert server.started
        dev = pynq.RemoteDevice(0, server.address)
        assert dev.arch == "armv7l"  # from the board's /proc/version, as PYNQ reads it
        assert dev.info.board == "Pynq-Z2"
        regs = pynq.MMIO(0x40000000, 0x100, device=dev)
        regs.write(0, 7)
        assert regs.read(0) == 7
        dev.close()
    finally:
        server.stop()
