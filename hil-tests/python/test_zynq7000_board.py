"""A Zynq-7000 design end to end on the Pynq-Z2 profile: the board the client sees (armv7l,
Pynq-Z2), Overlay('pynqz2_dma.bit') with its processing_system7, the PL clock through
pynq.Clocks with PYNQ's math (and the simulated PL running at it), MMIO on M_AXI_GP0 (the
DMA's registers at 0x40400000) and M_AXI_GP1 (an AXI GPIO), PYNQ's DMA driver moving data
through S_AXI_HP0; and a Zynq UltraScale+ bitstream or package refused on this board with a
message naming both families.

A simulated board is started here with ``--board Pynq-Z2``. With PYNQ_REMOTE_DEVICES the
same tests run against that board when it is a Zynq-7000 (armv7l) board, else they are
skipped; the checks that only a simulated board can answer skip there with their reason.
"""

import os
import subprocess
import time

import numpy as np
import pytest

import pynq_remote as pynq
from conftest import budget, free_port
from family_board import FamilyBoard, board_names, is_sim, named_board
from pynq_remote._proto.pynq_remote.v1 import board_pb2
from pynq_remote.lib import DMA, AxiGPIO

DESIGN = "pynqz2_dma"
DMA_BASE, GPIO_BASE = 0x40400000, 0x81200000
GP0_BASE, GP1_BASE = 0x40000000, 0x80000000
# SLCR (UG585): IO PLL and PL clock 0 control, the registers PYNQ's Zynq clock code uses.
SLCR, IO_PLL_CTRL, FPGA0_CLK_CTRL = 0xF8000000, 0x108, 0x170
PS_CLK_MHZ = 50.0
# AXI DMA direct register mode (PG021).
MM2S_DMACR, MM2S_DMASR, S2MM_DA = 0x00, 0x04, 0x48
HALTED = 0x1


@pytest.fixture(scope="module")
def z2():
    board = FamilyBoard("zynq7000", "--board", "Pynq-Z2")
    yield board.device
    board.close()


@pytest.fixture
def overlay(z2, designs):
    """pynqz2_dma, downloaded afresh for each test (a DMA left busy fails only its test)."""
    return pynq.Overlay(os.path.join(designs, DESIGN, DESIGN + ".bit"), device=z2)


@pytest.fixture
def clocks(z2):
    pynq.Clocks.set_device(z2)
    yield pynq.Clocks
    pynq.Clocks.set_device(None)


def require_sim(device, what):
    if not is_sim(device):
        pytest.skip(f"{what} only a simulated board shows")


def loopback(dma, device, data, tx_offset=0, rx_offset=0):
    """``data`` through MM2S, the stream FIFO and S2MM, both started before either wait."""
    src = pynq.allocate(shape=(len(data) + tx_offset,), dtype=np.uint8, target=device)
    dst = pynq.allocate(shape=(len(data) + rx_offset,), dtype=np.uint8, target=device)
    try:
        src[tx_offset:] = data
        dma.recvchannel.transfer(dst, start=rx_offset)
        dma.sendchannel.transfer(src, start=tx_offset)
        dma.sendchannel.wait()
        dma.recvchannel.wait()
        assert dma.recvchannel.transferred == len(data)
        return np.array(dst[rx_offset:])
    finally:
        src.freebuffer()
        dst.freebuffer()


def test_the_client_sees_an_armv7l_pynq_z2(z2):
    version = z2.read_file("/proc/version").decode("utf-8", "replace")
    assert "aarch64" not in version, version
    assert z2.arch == "armv7l"
    assert z2.board in board_names("zynq7000"), z2.board
    if is_sim(z2):
        assert "armv7l" in version, version
        assert z2.board == "Pynq-Z2"
        assert z2.info.board == "Pynq-Z2"
        assert z2.info.part == "xc7z020clg400-1"
        windows = {w.name: (w.base, w.size) for w in z2.info.windows}
        assert windows["M_AXI_GP0"] == (GP0_BASE, 0x40000000), windows
        assert windows["M_AXI_GP1"] == (GP1_BASE, 0x40000000), windows
        assert not any(name.endswith("_FPD") for name in windows), windows


def test_overlay_of_a_processing_system7_design(overlay):
    assert overlay.parser.family_ps == "ps7"
    dma = overlay.ip_dict["axi_dma_0"]
    assert dma["phys_addr"] == DMA_BASE and GP0_BASE <= DMA_BASE < GP1_BASE
    assert overlay.ip_dict["axi_gpio_0"]["phys_addr"] == GPIO_BASE >= GP1_BASE
    assert isinstance(overlay.axi_dma_0, DMA)
    assert isinstance(overlay.axi_gpio_0, AxiGPIO)
    # S_AXI_HP0 of a Zynq-7000 is 64 bits wide at most: the DMA's memory side is.
    params = {k.lower(): v for k, v in dma["parameters"].items()}
    assert params["c_m_axi_mm2s_data_width"] == "64"
    assert params["c_m_axi_s2mm_data_width"] == "64"
    assert overlay.clock_dict[0]["enable"] == 1


def test_pl_clock_with_pynqs_math(overlay, clocks, z2):
    # Overlay() wrote the .hwh's divisors: 100 MHz, as the design was built for.
    assert clocks.fclk0_mhz == 100.0
    slcr = pynq.MMIO(SLCR, 0x200, device=z2)
    io_pll_mhz = PS_CLK_MHZ * ((slcr.read(IO_PLL_CTRL) >> 12) & 0x7F)
    try:
        clocks.fclk0_mhz = 50
        ctrl = slcr.read(FPGA0_CLK_CTRL)
        div0, div1 = (ctrl >> 8) & 0x3F, (ctrl >> 20) & 0x3F
        # PYNQ takes the divisor product closest to source / rate, and of the pairs with that
        # product the one with the largest DIVISOR0.
        product = round(io_pll_mhz / 50)
        assert div0 * div1 == product
        if product < 64:
            assert (div0, div1) == (product, 1)
        assert clocks.fclk0_mhz == round(io_pll_mhz / product, 6)
        if io_pll_mhz % 50 == 0:
            assert clocks.fclk0_mhz == 50.0
        if is_sim(z2):
            # The server's own view of PL clock 0, which paces the simulated PL.
            assert z2.pl_progress() is not None
            info = z2._stub["board"].GetInfo(board_pb2.GetInfoRequest(), timeout=10)
            assert info.pl_clocks_mhz[0] == clocks.fclk0_mhz
        # The design works at the new rate.
        data = np.random.default_rng(50).integers(0, 256, 4096, dtype=np.uint8)
        assert np.array_equal(loopback(overlay.axi_dma_0, z2, data), data)
    finally:
        clocks.fclk0_mhz = 100
    assert clocks.fclk0_mhz == 100.0


def test_the_simulated_pl_runs_at_the_clock_set(designs):
    """On a --deterministic board time moves only by Advance: the simulated time those
    cycles take is exactly the PL clock's period each."""
    board = FamilyBoard("zynq7000", "--board", "Pynq-Z2", "--deterministic")
    try:
        device = board.device
        require_sim(device, "the PL's own clock period is something")
        pynq.Overlay(os.path.join(designs, DESIGN, DESIGN + ".bit"), device=device)
        pynq.Clocks.set_device(device)
        stub = device._stub["board"]

        def period_ps(cycles=1000):
            first = stub.Advance(board_pb2.AdvanceRequest(cycles=cycles), timeout=60)
            second = stub.Advance(board_pb2.AdvanceRequest(cycles=cycles), timeout=60)
            assert second.pl_cycles - first.pl_cycles == cycles
            elapsed = second.sim_time_ps - first.sim_time_ps
            assert elapsed % cycles == 0, (elapsed, cycles)
            return elapsed // cycles

        assert pynq.Clocks.fclk0_mhz == 100.0
        assert period_ps() == 10000
        for mhz in (50, 25, 33.333):
            pynq.Clocks.fclk0_mhz = mhz
            assert period_ps() == round(1e6 / pynq.Clocks.fclk0_mhz), mhz
    finally:
        pynq.Clocks.set_device(None)
        board.close()


def test_mmio_on_gp0_and_gp1(overlay, z2):
    regs = pynq.MMIO(overlay.ip_dict["axi_dma_0"]["phys_addr"],
                     overlay.ip_dict["axi_dma_0"]["addr_range"], device=z2)
    assert regs.read(MM2S_DMASR) & HALTED, "a freshly loaded DMA is halted"
    regs.write(MM2S_DMACR, 0x1)  # RS
    assert regs.read(MM2S_DMACR) & 0x1
    assert regs.read(MM2S_DMASR) & HALTED == 0
    for value in (0x12345678, 0x0FFFFFF8, 0):
        regs.write(S2MM_DA, value)
        assert regs.read(S2MM_DA) == value
    # The same registers through the driver's register map.
    dmasr = overlay.axi_dma_0.register_map.MM2S_DMASR
    assert int(dmasr.Halted) == 0
    # GP1: the AXI GPIO, channel 1 wired to channel 2 in the design.
    gpio = overlay.axi_gpio_0
    gpio.setdirection("out", channel=1)
    gpio.setdirection("in", channel=2)
    for value in (0x00, 0x5A, 0xA5, 0xFF):
        gpio.channel1.write(value, 0xFF)
        assert gpio.channel2.read() & 0xFF == value


def test_an_address_no_instance_decodes_on_gp0(designs):
    # On a physical board an unanswered PL address hangs the bus; only a simulated one has
    # an interconnect that answers DECERR for it. The server's default MMIO policy would
    # refuse the window before the bus sees it: this board is opened up.
    board = FamilyBoard("zynq7000", "--board", "Pynq-Z2", "--mmio-policy", "open")
    try:
        require_sim(board.device, "a DECERR from an empty GP0 address is")
        if board.server is None:
            pytest.skip("needs --mmio-policy open, and the board PYNQ_REMOTE_DEVICES names "
                        "has its own policy")
        ol = pynq.Overlay(os.path.join(designs, DESIGN, DESIGN + ".bit"), device=board.device)
        with pytest.raises(pynq.DecodeError):
            pynq.MMIO(GP0_BASE, 0x1000, device=board.device).read(0)
        # The DMA beside the hole still answers.
        dma = pynq.MMIO(ol.ip_dict["axi_dma_0"]["phys_addr"], 0x10000, device=board.device)
        assert dma.read(MM2S_DMASR) & HALTED
    finally:
        board.close()


@pytest.mark.parametrize("nbytes", [8, 4096, 65536, 1 << 20])
def test_dma_through_hp0(overlay, z2, nbytes):
    data = np.random.default_rng(nbytes).integers(0, 256, nbytes, dtype=np.uint8)
    assert np.array_equal(loopback(overlay.axi_dma_0, z2, data), data)


def test_dma_through_hp0_at_64_bit_aligned_offsets(overlay, z2):
    dma = overlay.axi_dma_0
    data = np.arange(3000, dtype=np.uint32).view(np.uint8)
    assert np.array_equal(loopback(dma, z2, data, tx_offset=8, rx_offset=24), data)
    # A 64-bit memory port without the realignment engine: the driver refuses the rest.
    buf = pynq.allocate(shape=(64,), dtype=np.uint8, target=z2)
    with pytest.raises(RuntimeError, match="aligned to 8 bytes"):
        dma.sendchannel.transfer(buf, start=4, nbytes=32)
    buf.freebuffer()


def test_a_zynq_ultrascale_bitstream_is_refused(z2, designs):
    require_sim(z2, "the refusal of another family's sim bitstream is")
    bit = os.path.join(designs, "dual_dma", "dual_dma.bit")
    with pytest.raises(pynq.BadBitstreamError) as refused:
        pynq.Bitstream(bit, device=z2).download()
    message = str(refused.value)
    assert "Zynq UltraScale+" in message and "Zynq-7000" in message, message
    # The same through Overlay(), which programs before it touches the PS.
    with pytest.raises(pynq.BadBitstreamError) as refused:
        pynq.Overlay(bit, device=z2)
    message = str(refused.value)
    assert "Zynq UltraScale+" in message and "Zynq-7000" in message, message
    # The board still serves its own family.
    ol = pynq.Overlay(os.path.join(designs, DESIGN, DESIGN + ".bit"), device=z2)
    data = np.arange(256, dtype=np.uint8)
    assert np.array_equal(loopback(ol.axi_dma_0, z2, data), data)


def test_a_zynq_ultrascale_package_is_refused_at_start():
    packages = os.environ.get("PYNQ_REMOTE_DESIGN_PACKAGES_DIR", "")
    package = os.path.join(packages, "dual_dma")
    server = os.environ.get("PYNQ_REMOTE_SERVER")
    if named_board() or not server:
        pytest.skip("the package loader of a simulated board started here")
    if not os.path.isfile(os.path.join(package, "design.json")):
        pytest.skip(f"no dual_dma design package in {packages!r} "
                    "(PYNQ_REMOTE_DESIGN_PACKAGES=ON builds them; set by ctest)")
    address = f"127.0.0.1:{free_port()}"
    proc = subprocess.Popen([server, "--backend", "sim", "--listen", address, "--board",
                             "Pynq-Z2", "--designs", package, "--log-level", "warn"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    try:
        deadline = time.monotonic() + budget(60)
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line and proc.poll() is not None:
                break
            lines.append(line.rstrip("\n"))
            if "listening" in line:
                break
        assert any("listening" in line for line in lines), "\n".join(lines)
        refusals = [line for line in lines if "refused" in line]
        assert len(refusals) == 1, "\n".join(lines)
        assert package in refusals[0]
        assert "Zynq UltraScale+" in refusals[0] and "Zynq-7000" in refusals[0], refusals[0]
        # The refused package's design is not served; the board still is.
        device = pynq.RemoteDevice(0, address)
        try:
            assert device.board == "Pynq-Z2" and device.arch == "armv7l"
        finally:
            device.close()
    finally:
        proc.terminate()
        proc.wait(timeout=budget(10))
