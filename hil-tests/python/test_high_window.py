"""ZynqMP's high PL windows end to end (Ultra96-V2 overlays put IP at 0x4_0000_0000): a small
format-2 design written in a temporary folder with one pr_ref_regs in M_AXI_HPM0_FPD's high
window (0x4_0000_0000), one in its low window (0xA000_0000) and one in M_AXI_HPM1_FPD's high
window (0x5_0001_0000), built as a package with the build tree's pynq-remote-design, served
with --designs and driven through pynq_remote: Overlay's ip_dict, register_map and MMIO at the
full 64-bit addresses. The shell's AXI4-Lite sees the low 32 bits (rtl/README.md, the high
windows); the three instances' registers stay apart. With PYNQ_REMOTE_UPSTREAM_PYNQ set, the
unmodified PYNQ 3.1 client runs the same flow (rtl/tools/check_upstream_client.py high_regs, on
port 7967 under flock /tmp/port7967.lock).
"""
import copy
import json
import os
import shutil
import subprocess
import sys

import pytest

import pynq_remote
from conftest import BACKEND, budget
from test_design_packages import SERVER, SOURCE, TOOL, Server

pytestmark = pytest.mark.skipif(
    BACKEND != "sim" or bool(os.environ.get("PYNQ_REMOTE_DEVICES")),
    reason="the package is loaded by a simulated board started here")

NAME = "high_regs"
HIGH, LOW, HPM1_HIGH = 0x400000000, 0xA0000000, 0x500010000
ID, SCRATCH0 = 0x00, 0x10
REF_ID = 0x52454641  # pr_ref_regs' ID register ('REFA')


def manifest():
    """Three pr_ref_regs (rtl/ip/ref_regs) at the three windows, registers as ref_accel's."""
    with open(os.path.join(SOURCE, "rtl", "designs", "ref_accel", "manifest.json")) as f:
        ref = next(i for i in json.load(f)["instances"] if i["module"] == "pr_ref_regs")
    instances = []
    for i, (base, port) in enumerate(((HIGH, "M_AXI_HPM0_FPD"), (LOW, "M_AXI_HPM0_FPD"),
                                      (HPM1_HIGH, "M_AXI_HPM1_FPD"))):
        inst = copy.deepcopy(ref)
        inst.update(name="regs_%d" % i, base="0x%X" % base, ps_port=port,
                    hwh_parameters={"Component_Name": "regs_%d" % i})
        instances.append(inst)
    return {
        "format": 2, "name": NAME, "top": NAME,
        "sources": ["@ip/ref_regs/ref_regs.v", "@ip/common/axil_slave.v"],
        "board": "xilinx.com:zcu104:part0:1.1", "board_name": "ZCU104",
        "part": "xczu7ev-ffvc1156-2-e",
        "clocks": [{"name": "pl_clk0", "index": 0, "freq_mhz": 100.0}],
        "ps": {"master_ports": {"M_AXI_HPM0_FPD": 32, "M_AXI_HPM1_FPD": 32},
               "slave_ports": {}},
        "instances": instances,
    }


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    if not SERVER:
        pytest.skip("PYNQ_REMOTE_SERVER is not set (run through ctest)")
    root = tmp_path_factory.mktemp("high-window")
    os.makedirs(root / NAME)
    path = root / NAME / "manifest.json"
    path.write_text(json.dumps(manifest(), indent=2))
    run = subprocess.run([TOOL, "build", "--manifest", str(path), "--out", str(root / "out")],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         timeout=budget(900))
    assert run.returncode == 0, run.stdout
    return root / "out" / NAME


@pytest.fixture(scope="module")
def server(package):
    s = Server("--designs", str(package))
    yield s
    s.stop()


def test_the_generated_top_decodes_the_low_32_bits(package):
    # pynq-remote-design keeps the generated top in OUT/.work/<name>/gen/.
    text = (package.parent / ".work" / NAME / "gen" / (NAME + ".v")).read_text()
    assert "regs_0 at 0x400000000, range 0x1000 (decoded at its low 32 bits, 0x00000000)" in text
    with open(package / (NAME + ".hwh")) as f:
        hwh = f.read()
    assert 'BASEVALUE="0x400000000" HIGHNAME="C_HIGHADDR" HIGHVALUE="0x400000FFF"' in hwh


def test_register_map_and_mmio_in_the_high_windows(package, server):
    assert "design package loaded: %s (%s)" % (package, NAME) in server.lines, server.lines
    dev = pynq_remote.RemoteDevice(0, server.address)
    try:
        ol = pynq_remote.Overlay(str(package / (NAME + ".bit")), device=dev)
        assert ol.ip_dict["regs_0"]["phys_addr"] == HIGH
        assert ol.ip_dict["regs_1"]["phys_addr"] == LOW
        assert ol.ip_dict["regs_2"]["phys_addr"] == HPM1_HIGH
        high = ol.regs_0.register_map
        assert int(high.ID) == REF_ID
        high.SCRATCH0 = 0x11110000
        ol.regs_1.register_map.SCRATCH0 = 0x22220000
        ol.regs_2.register_map.SCRATCH0 = 0x33330000
        # The three instances keep their own registers: each is decoded at its own low 32 bits.
        mmio = pynq_remote.MMIO(HIGH, 0x1000, device=dev)
        assert mmio.read(ID) == REF_ID
        assert mmio.read(SCRATCH0) == 0x11110000
        mmio.write(SCRATCH0 + 4, 0x0BADCAFE)
        assert int(high.SCRATCH1) == 0x0BADCAFE
        assert pynq_remote.MMIO(LOW, 0x1000, device=dev).read(SCRATCH0) == 0x22220000
        hpm1 = pynq_remote.MMIO(HPM1_HIGH, 0x1000, device=dev)
        assert hpm1.read(SCRATCH0) == 0x33330000
        assert hpm1.read(SCRATCH0 + 4) == 0
        # An 8-byte read at the full address: two beats, low word first.
        assert mmio.read(SCRATCH0, 8) == 0x0BADCAFE11110000
    finally:
        dev.close()


def test_the_upstream_pynq_client_in_the_high_window(package):
    upstream = os.environ.get("PYNQ_REMOTE_UPSTREAM_PYNQ")
    if not upstream:
        pytest.skip("PYNQ_REMOTE_UPSTREAM_PYNQ is not set (the upstream PYNQ 3.1 client)")
    if not shutil.which("flock"):
        pytest.skip("no flock to take port 7967 (upstream's only port) for this run")
    out = str(package.parent)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    run = subprocess.run(
        ["flock", "/tmp/port7967.lock", sys.executable,
         os.path.join(SOURCE, "rtl", "tools", "check_upstream_client.py"), "--server", SERVER,
         "--designs", out, "--upstream", upstream, "--only", NAME, "--", "--designs", out],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
        timeout=budget(900))
    assert run.returncode == 0, run.stdout
    assert "RESULT PASS high_regs" in run.stdout, run.stdout
