"""Your Vivado overlay as it is (issue 16): PYNQ-HelloWorld's real ZCU104 resizer .hwh
(Vivado 2019.1) imported with `pynq-remote-design import` into a temporary folder, the
package served with --designs, and the notebook's flow run through pynq_remote on the
package's .bit beside the user's .hwh, byte for byte. The HLS resize_accel is stood in for by
our pr_resize_accel (--rtl rtl/ip/resize_accel --map resize_accel_0=pr_resize_accel).

With --bit, the user's own Vivado .bit (here one made with a real .bit header around
configuration data, as Vivado writes it) loads the same design when the notebook opens it. With
--stand-in and no Verilog, resize_accel_0 becomes a register file that reads back what was
written, and the rest of the design still serves.

The .hwh is third-party test data (PYNQ_REMOTE_TESTDATA_DIR): without it the tests skip, under
CI=true they fail (third_party_data).
"""
import os
import shutil
import subprocess

import numpy as np
import pytest

import pynq_remote as pynq
from conftest import BACKEND, budget
from resize_model import resize_fixed
from test_design_packages import SERVER, SOURCE, TOOL, Server
from test_vivado_bitstream import config_data, vivado_bit
from third_party_data import third_party_file

pytestmark = pytest.mark.skipif(
    BACKEND != "sim" or bool(os.environ.get("PYNQ_REMOTE_DEVICES")),
    reason="the imported package is loaded by a simulated board started here")

NAME = "zcu104_resizer"


def import_design(out, *args):
    run = subprocess.run([TOOL, "import", "--out", str(out)] + list(args),
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         timeout=budget(900))
    assert run.returncode == 0, run.stdout
    return run.stdout


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    if not SERVER:
        pytest.skip("PYNQ_REMOTE_SERVER is not set (run through ctest)")
    hwh = third_party_file("hwh/zcu104_resizer.hwh")
    out = tmp_path_factory.mktemp("imported")
    # The user's Vivado .bit, as the notebook holds it beside the .hwh.
    user = tmp_path_factory.mktemp("user")
    (user / (NAME + ".bit")).write_bytes(vivado_bit("xczu7ev-ffvc1156-2-e", config_data(16)))
    shutil.copy(hwh, user / (NAME + ".hwh"))
    import_design(out, "--hwh", str(hwh), "--bit", str(user / (NAME + ".bit")),
                  "--rtl", os.path.join(SOURCE, "rtl", "ip", "resize_accel"),
                  "--map", "resize_accel_0=pr_resize_accel")
    return out, hwh, user


@pytest.fixture(scope="module")
def server(package):
    out = package[0]
    s = Server("--designs", str(out))
    yield s
    s.stop()


def test_package_holds_the_users_hwh_verbatim(package):
    out, hwh, _ = package
    with open(hwh, "rb") as a, open(out / NAME / (NAME + ".hwh"), "rb") as b:
        assert a.read() == b.read()
    assert (out / NAME / "manifest.json").is_file()


@pytest.mark.parametrize("bit", ["package", "vivado"])
def test_the_resizer_notebook_runs_on_the_imported_design(package, server, bit):
    out, _, user = package
    assert "design package loaded: %s (%s)" % (out / NAME, NAME) in server.lines, server.lines
    # The package's sim .bit, or the user's own Vivado .bit the package was imported from.
    bitfile = out / NAME / (NAME + ".bit") if bit == "package" else user / (NAME + ".bit")
    dev = pynq.RemoteDevice(0, server.address)
    try:
        overlay = pynq.Overlay(str(bitfile), device=dev)
        assert overlay.ip_dict["axi_dma_0"]["phys_addr"] == 0xA0000000
        assert overlay.ip_dict["resize_accel_0"]["phys_addr"] == 0xA0010000
        dma, resizer = overlay.axi_dma_0, overlay.resize_accel_0
        rng = np.random.default_rng(16)
        image = rng.integers(0, 256, (90, 160, 3), dtype=np.uint8)
        in_buffer = pynq.allocate(shape=image.shape, dtype=np.uint8, target=dev)
        out_buffer = pynq.allocate(shape=(45, 80, 3), dtype=np.uint8, target=dev)
        in_buffer[:] = image
        rm = resizer.register_map
        rm.src_rows, rm.src_cols, rm.dst_rows, rm.dst_cols = 90, 160, 45, 80
        dma.sendchannel.transfer(in_buffer)
        dma.recvchannel.transfer(out_buffer)
        resizer.write(0x00, 0x81)
        dma.sendchannel.wait()
        dma.recvchannel.wait()
        assert np.array_equal(np.array(out_buffer), resize_fixed(image, 45, 80))
        in_buffer.freebuffer()
        out_buffer.freebuffer()
    finally:
        dev.close()


def test_a_stand_in_answers_for_an_ip_without_verilog(package, tmp_path):
    out = tmp_path / "stand_in"
    hwh = package[1]
    text = import_design(out, "--hwh", str(hwh), "--stand-in")
    assert "AXI4-Stream bus" in text  # the stand-in has no streams: they are left open, said so
    s = Server("--designs", str(out))
    dev = pynq.RemoteDevice(0, s.address)
    try:
        overlay = pynq.Overlay(str(out / NAME / (NAME + ".bit")), device=dev)
        ip = overlay.resize_accel_0
        for offset, value in ((0x10, 90), (0x18, 0x1234abcd), (0x28, 7)):
            ip.write(offset, value)
        assert [ip.read(o) for o in (0x10, 0x18, 0x28, 0x20)] == [90, 0x1234abcd, 7, 0]
        # The modelled DMA beside it still answers: MM2S_DMACR's reserved bit 1 reads 1 and
        # RS is set, as PYNQ's DMA driver left it when the overlay was made.
        assert overlay.axi_dma_0.read(0x00) & 0x3 == 0x3
    finally:
        dev.close()
        s.stop()
