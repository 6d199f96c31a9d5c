"""Your Vivado overlay as it is (issue 16): PYNQ-HelloWorld's real ZCU104 resizer .hwh
(Vivado 2019.1) imported with `pynq-remote-design import` into a temporary folder, the
package served with --designs, and the notebook's flow run through pynq_remote on the
package's .bit beside the user's .hwh, byte for byte. The HLS resize_accel is stood in for by
our pr_resize_accel (--rtl rtl/ip/resize_accel --map resize_accel_0=pr_resize_accel).

The .hwh is third-party test data (PYNQ_REMOTE_TESTDATA_DIR): without it the tests skip, under
CI=true they fail (third_party_data).
"""
import os
import subprocess

import numpy as np
import pytest

import pynq_remote as pynq
from conftest import BACKEND, budget
from resize_model import resize_fixed
from test_design_packages import SERVER, SOURCE, TOOL, Server
from third_party_data import third_party_file

pytestmark = pytest.mark.skipif(
    BACKEND != "sim" or bool(os.environ.get("PYNQ_REMOTE_DEVICES")),
    reason="the imported package is loaded by a simulated board started here")

NAME = "zcu104_resizer"


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    if not SERVER:
        pytest.skip("PYNQ_REMOTE_SERVER is not set (run through ctest)")
    hwh = third_party_file("hwh/zcu104_resizer.hwh")
    out = tmp_path_factory.mktemp("imported")
    run = subprocess.run(
        [TOOL, "import", "--hwh", str(hwh), "--rtl",
         os.path.join(SOURCE, "rtl", "ip", "resize_accel"),
         "--map", "resize_accel_0=pr_resize_accel", "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=budget(900))
    assert run.returncode == 0, run.stdout
    return out, hwh


@pytest.fixture(scope="module")
def server(package):
    out, _ = package
    s = Server("--designs", str(out))
    yield s
    s.stop()


def test_package_holds_the_users_hwh_verbatim(package):
    out, hwh = package
    with open(hwh, "rb") as a, open(out / NAME / (NAME + ".hwh"), "rb") as b:
        assert a.read() == b.read()
    assert (out / NAME / "manifest.json").is_file()


def test_the_resizer_notebook_runs_on_the_imported_design(package, server):
    out, _ = package
    assert "design package loaded: %s (%s)" % (out / NAME, NAME) in server.lines, server.lines
    dev = pynq.RemoteDevice(0, server.address)
    try:
        overlay = pynq.Overlay(str(out / NAME / (NAME + ".bit")), device=dev)
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
