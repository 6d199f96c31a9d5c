"""The AXI4-Stream infrastructure cores inside a generated design, driven through PYNQ's API:
axi_dma_0's MM2S stream goes into an axis_broadcaster, whose two copies each pass a FIFO (the
second also an axis_register_slice) into the two SIs of an axis_switch routed by its control
registers; the switch's MI 0 feeds axi_dma_0's S2MM, MI 1 axi_dma_1's. A register-file
stand-in (pr_reg_stand_in) sits beside them on the AXI4-Lite bus.

The design is dual_dma's manifest (two DMAs sharing the PS's HP ports, an INTC) with its
streams rewired; its package is built in a temporary folder with the build's
pynq-remote-design from this checkout's cores and served with --designs, as a user's design
would be. The switch is programmed as PYNQ's pynq/lib/axiswitch.py StreamSwitch does it:
every MI_MUX (0x40 + 4*i: the SI, or bit 31 to disable), then CTRL (0x00) = 0x2 to commit.

A second design in the same folder, narrow_dma, is dma_loopback with the DMA's memory side at
32 bits on a 128-bit S_AXI_HP0_FPD: the generated top puts pr_axi_upsizer
(rtl/ip/common/axi_width_converter.v) between each DMA master and the port.
"""
import json
import os
import subprocess

import numpy as np
import pytest

import pynq_remote as pynq
from conftest import BACKEND, budget
from test_design_packages import SERVER, TOOL, Server

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.normpath(os.path.join(HERE, "..", ".."))
IP = os.path.join(SOURCE, "rtl", "ip")
NAME = "stream_ip"
NARROW = "narrow_dma"
SWITCH, STAND_IN = 0xA0030000, 0xA0040000
MI_MUX, CTRL, DISABLE = 0x40, 0x00, 0x80000000
FIFO_BYTES = 64 * 4  # each FIFO's depth, in bytes

pytestmark = pytest.mark.skipif(
    BACKEND != "sim" or bool(os.environ.get("PYNQ_REMOTE_DEVICES")),
    reason="the design's package is loaded by a simulated board started here")


def stream(module, vlnv, name, params, slave="s_axis_", masters=("m_axis_",)):
    interfaces = {"S_AXIS": {"type": "axis", "mode": "slave", "prefix": slave}}
    for i, prefix in enumerate(masters):
        interfaces["M%02d_AXIS" % i if len(masters) > 1 else "M_AXIS"] = {
            "type": "axis", "mode": "master", "prefix": prefix}
    return {"name": name, "module": module, "vlnv": vlnv, "params": params,
            "interfaces": interfaces}


def manifest():
    with open(os.path.join(SOURCE, "rtl", "designs", "dual_dma", "manifest.json")) as f:
        m = json.load(f)
    m["name"] = m["top"] = NAME
    # This checkout's cores, by absolute path: the manifest lives in a temporary folder.
    m["sources"] = [os.path.join(IP, s) for s in (
        "axi_dma/axi_dma.v", "axis_data_fifo/axis_data_fifo.v", "axi_intc/axi_intc.v",
        "common/axil_slave.v", "common/axi_interconnect.v",
        "axis_broadcaster/axis_broadcaster.v", "axis_register_slice/axis_register_slice.v",
        "axis_switch/axis_switch.v", "reg_stand_in/reg_stand_in.v")]
    instances = [i for i in m["instances"] if not i["name"].startswith("axis_data_fifo")]
    fifo = {"TDATA_NUM_BYTES": 4, "FIFO_DEPTH": FIFO_BYTES // 4}
    instances += [
        stream("pr_axis_broadcaster", "xilinx.com:ip:axis_broadcaster:1.1", "bcast_0",
               {"NUM_MI": 2, "TDATA_NUM_BYTES": 4}, masters=("m00_axis_", "m01_axis_")),
        stream("pr_axis_data_fifo", "xilinx.com:ip:axis_data_fifo:2.0", "fifo_0", fifo),
        stream("pr_axis_data_fifo", "xilinx.com:ip:axis_data_fifo:2.0", "fifo_1", fifo),
        stream("pr_axis_register_slice", "xilinx.com:ip:axis_register_slice:1.1", "slice_1",
               {"TDATA_NUM_BYTES": 4}),
        {"name": "switch_0", "module": "pr_axis_switch", "vlnv": "xilinx.com:ip:axis_switch:1.1",
         "params": {"NUM_SI": 2, "NUM_MI": 2, "TDATA_NUM_BYTES": 4, "ROUTING_MODE": 1},
         "hwh_parameters": {"NUM_SI": "2", "NUM_MI": "2", "ROUTING_MODE": "1"},
         "base": "0x%08X" % SWITCH, "range": "0x10000", "interface": "S_AXI_CTRL",
         "ps_port": "M_AXI_HPM0_FPD",
         "interfaces": {
             "S_AXI_CTRL": {"type": "axilite", "mode": "slave", "prefix": "s_axi_ctrl_"},
             "S00_AXIS": {"type": "axis", "mode": "slave", "prefix": "s00_axis_"},
             "S01_AXIS": {"type": "axis", "mode": "slave", "prefix": "s01_axis_"},
             "M00_AXIS": {"type": "axis", "mode": "master", "prefix": "m00_axis_"},
             "M01_AXIS": {"type": "axis", "mode": "master", "prefix": "m01_axis_"}},
         "registers": [
             {"name": "CTRL", "offset": "0x0", "size": 32, "access": "read-write",
              "description": "bit 1 REG_UPDATE: commit the MI_MUX registers"},
             {"name": "MI0_MUX", "offset": "0x40", "size": 32, "access": "read-write",
              "description": "the SI MI 0 takes; bit 31 disables MI 0"},
             {"name": "MI1_MUX", "offset": "0x44", "size": 32, "access": "read-write",
              "description": "the SI MI 1 takes; bit 31 disables MI 1"}]},
        {"name": "regs_0", "module": "pr_reg_stand_in", "vlnv": "acme.com:user:no_model:1.0",
         "params": {"WORDS": 16}, "base": "0x%08X" % STAND_IN, "range": "0x10000",
         "interface": "S_AXI", "ps_port": "M_AXI_HPM0_FPD",
         "interfaces": {"S_AXI": {"type": "axilite", "mode": "slave", "prefix": "s_axi_"}},
         "registers": [{"name": "R%d" % i, "offset": hex(4 * i), "size": 32,
                        "access": "read-write", "description": "stand-in word %d" % i}
                       for i in range(16)]}]
    m["instances"] = instances
    m["streams"] = [
        {"from": "axi_dma_0/M_AXIS_MM2S", "to": "bcast_0/S_AXIS"},
        {"from": "bcast_0/M00_AXIS", "to": "fifo_0/S_AXIS"},
        {"from": "bcast_0/M01_AXIS", "to": "fifo_1/S_AXIS"},
        {"from": "fifo_1/M_AXIS", "to": "slice_1/S_AXIS"},
        {"from": "fifo_0/M_AXIS", "to": "switch_0/S00_AXIS"},
        {"from": "slice_1/M_AXIS", "to": "switch_0/S01_AXIS"},
        {"from": "switch_0/M00_AXIS", "to": "axi_dma_0/S_AXIS_S2MM"},
        {"from": "switch_0/M01_AXIS", "to": "axi_dma_1/S_AXIS_S2MM"}]
    return m


def narrow_manifest():
    """dma_loopback with a 32-bit memory side on a 128-bit HP0: through upsizers."""
    with open(os.path.join(SOURCE, "rtl", "designs", "dma_loopback", "manifest.json")) as f:
        m = json.load(f)
    m["name"] = m["top"] = NARROW
    m["sources"] = [os.path.join(IP, s) for s in (
        "axi_dma/axi_dma.v", "axis_data_fifo/axis_data_fifo.v", "axi_intc/axi_intc.v",
        "common/axil_slave.v", "common/axi_width_converter.v")]
    m["ps"]["slave_ports"] = {"S_AXI_HP0_FPD": 128}
    dma = m["instances"][0]
    assert dma["module"] == "pr_axi_dma"
    dma["params"].update(C_M_AXI_MM2S_DATA_WIDTH=32, C_M_AXI_S2MM_DATA_WIDTH=32)
    for key in ("C_M_AXI_MM2S_DATA_WIDTH", "C_M_AXI_S2MM_DATA_WIDTH"):
        dma["hwh_parameters"][key] = dma["hwh_parameters"][key.lower()] = "32"
    return m


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    if not SERVER:
        pytest.skip("PYNQ_REMOTE_SERVER is not set (run through ctest)")
    root = tmp_path_factory.mktemp("stream-ip")
    for name, m in ((NAME, manifest()), (NARROW, narrow_manifest())):
        os.makedirs(root / name)
        path = str(root / name / "manifest.json")
        with open(path, "w") as f:
            json.dump(m, f, indent=1)
        run = subprocess.run([TOOL, "build", "--manifest", path, "--out",
                              str(root / "packages")],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             timeout=budget(900))
        assert run.returncode == 0, run.stdout
    return root / "packages"


@pytest.fixture(scope="module")
def board(package):
    server = Server("--designs", str(package))
    dev = pynq.RemoteDevice(0, server.address)
    yield dev
    dev.close()
    server.stop()


@pytest.fixture
def overlay(board, package):
    return pynq.Overlay(str(package / NAME / (NAME + ".bit")), device=board)


def route(switch, mi):
    """PYNQ's StreamSwitch._populate_routing: every MI_MUX, then the commit."""
    for i, si in enumerate(mi):
        switch.write(MI_MUX + 4 * i, DISABLE if si < 0 else si)
    switch.write(CTRL, 0x2)


class Buffers:
    def __init__(self, device, nbytes, seed):
        rng = np.random.default_rng(seed)
        self.data = rng.integers(1, 256, nbytes, dtype=np.uint8)  # never 0: 0 = not written
        self.src = pynq.allocate(shape=(nbytes,), dtype=np.uint8, target=device)
        self.dst = [pynq.allocate(shape=(nbytes,), dtype=np.uint8, target=device)
                    for _ in range(2)]
        self.src[:] = self.data
        for d in self.dst:
            d[:] = 0

    def got(self, i):
        return np.asarray(self.dst[i][:])

    def free(self):
        for b in [self.src] + self.dst:
            b.freebuffer()


def test_switch_registers_read_back_and_reset_disabled(overlay):
    sw = overlay.switch_0
    assert overlay.ip_dict["switch_0"]["phys_addr"] == SWITCH
    # after the download every MI is disabled (nothing routed before software says so)
    assert [sw.read(MI_MUX + 4 * i) for i in range(2)] == [DISABLE, DISABLE]
    sw.write(MI_MUX, 1)
    sw.write(MI_MUX + 4, DISABLE)
    assert [sw.read(MI_MUX), sw.read(MI_MUX + 4)] == [1, DISABLE]
    assert sw.read(CTRL) == 0


@pytest.mark.parametrize("mi", [[0, 1], [1, 0]], ids=["straight", "crossed"])
def test_broadcast_copies_reach_both_dmas(overlay, board, mi):
    route(overlay.switch_0, mi)
    dma0, dma1 = overlay.axi_dma_0, overlay.axi_dma_1
    for n, seed in ((4096, 1), (65536, 2), (100000, 3)):
        bufs = Buffers(board, n, seed)
        try:
            dma0.recvchannel.transfer(bufs.dst[0])
            dma1.recvchannel.transfer(bufs.dst[1])
            dma0.sendchannel.transfer(bufs.src)
            dma0.sendchannel.wait()
            dma0.recvchannel.wait()
            dma1.recvchannel.wait()
            for i in range(2):
                assert np.array_equal(bufs.got(i), bufs.data), f"copy {i}, {n} bytes"
            assert dma0.recvchannel.transferred == n
            assert dma1.recvchannel.transferred == n
        finally:
            bufs.free()


def test_a_disabled_mi_holds_its_copy_until_routed(overlay, board):
    """MI 1 disabled: DMA 0 gets its copy, the other waits in fifo_1 (it fits) and reaches
    DMA 1 once a commit routes SI 1 to MI 1."""
    route(overlay.switch_0, [0, -1])
    dma0, dma1 = overlay.axi_dma_0, overlay.axi_dma_1
    n = FIFO_BYTES // 2
    bufs = Buffers(board, n, 9)
    try:
        dma0.recvchannel.transfer(bufs.dst[0])
        dma1.recvchannel.transfer(bufs.dst[1])
        dma0.sendchannel.transfer(bufs.src)
        dma0.sendchannel.wait()
        dma0.recvchannel.wait()
        assert np.array_equal(bufs.got(0), bufs.data)
        assert not dma1.recvchannel.idle
        assert not np.any(bufs.got(1)), "MI 1 is disabled, yet DMA 1 was written"
        route(overlay.switch_0, [-1, 1])
        dma1.recvchannel.wait()
        assert np.array_equal(bufs.got(1), bufs.data)
    finally:
        bufs.free()


def test_stand_in_registers(overlay, board):
    regs = overlay.regs_0
    assert all(regs.read(4 * i) == 0 for i in range(16))
    for i in range(16):
        regs.write(4 * i, 0x1000 * i + 0xAB)
    assert [regs.read(4 * i) for i in range(16)] == [0x1000 * i + 0xAB for i in range(16)]
    assert int(regs.register_map.R3) == 0x30AB
    mmio = pynq.MMIO(STAND_IN, 0x10000, device=board)
    assert mmio.read(0x40) == 0  # beyond the 16 words: 0, OKAY
    mmio.write(0x40, 0xFFFFFFFF)
    assert mmio.read(0x40) == 0 and mmio.read(0) == 0xAB



def test_narrow_dma_through_upsizers(board, package):
    """32-bit DMA bursts packed into and picked out of 128-bit beats, from every lane."""
    ol = pynq.Overlay(str(package / NARROW / (NARROW + ".bit")), device=board)
    params = {k.lower(): v for k, v in ol.ip_dict["axi_dma_0"]["parameters"].items()}
    assert params["c_m_axi_mm2s_data_width"] == "32"
    dma = ol.axi_dma_0
    for n, start in ((4, 0), (4096, 4), (65536 + 12, 8), (100000, 12)):
        rng = np.random.default_rng(n)
        data = rng.integers(1, 256, n, dtype=np.uint8)
        src = pynq.allocate(shape=(n + 16,), dtype=np.uint8, target=board)
        dst = pynq.allocate(shape=(n + 16,), dtype=np.uint8, target=board)
        try:
            src[:] = 0
            src[start:start + n] = data
            dst[:] = 0
            dma.recvchannel.transfer(dst, start=start, nbytes=n)
            dma.sendchannel.transfer(src, start=start, nbytes=n)
            dma.sendchannel.wait()
            dma.recvchannel.wait()
            out = np.asarray(dst[:])
            assert np.array_equal(out[start:start + n], data), f"{n} bytes from lane {start}"
            assert not np.any(out[:start]) and not np.any(out[start + n:]), \
                "bytes outside the transfer written (strobes)"
        finally:
            src.freebuffer()
            dst.freebuffer()
