"""Overlay end to end on the board under test: metadata, DefaultIP, register_map, driver
binding by VLNV, and the errors a user meets."""

import shutil

import numpy as np
import pytest

import pynq_remote as pynq


@pytest.fixture
def overlay(device, designs):
    return pynq.Overlay(f"{designs}/ref_accel/ref_accel.bit", device=device)


def test_metadata_of_the_reference_design(overlay):
    assert overlay.ip_dict["ref_regs_0"]["phys_addr"] == 0xA0000000
    assert overlay.ip_dict["ref_regs_0"]["addr_range"] == 0x1000
    assert overlay.ip_dict["mem_accel_0"]["phys_addr"] == 0xA0010000
    assert "CTRL" in overlay.ip_dict["mem_accel_0"]["registers"]
    assert "PSDDR" in overlay.mem_dict
    assert overlay.is_loaded()
    assert {"ref_regs_0", "mem_accel_0"} <= set(dir(overlay))


def test_default_ip_and_register_map(overlay):
    regs = overlay.ref_regs_0
    assert isinstance(regs, pynq.DefaultIP)
    assert regs.read(0x0) == 0x52454641
    regs.register_map.SCRATCH1 = 0x12345678
    assert regs.read(0x14) == 0x12345678
    assert int(regs.register_map.SCRATCH1) == 0x12345678
    with pytest.raises(AttributeError, match="read-only"):
        regs.register_map.ID = 1
    assert overlay.ref_regs_0 is regs  # one driver object per IP


def test_accelerator_started_through_register_map(overlay, device):
    n = 4096
    src = pynq.allocate((n,), np.uint32, target=device)
    dst = pynq.allocate((n,), np.uint32, target=device)
    src[:] = np.arange(n, dtype=np.uint32)
    accel = overlay.mem_accel_0.register_map
    for name, value in (("src_1", src.physical_address & 0xFFFFFFFF),
                        ("src_2", src.physical_address >> 32),
                        ("dst_1", dst.physical_address & 0xFFFFFFFF),
                        ("dst_2", dst.physical_address >> 32),
                        ("length", src.nbytes), ("op", 1), ("constant", 3)):
        setattr(accel, name, value)
    accel.CTRL.AP_START = 1
    for _ in range(10000):
        if accel.CTRL.AP_IDLE:
            break
    dst.invalidate()
    assert np.array_equal(dst, np.arange(n, dtype=np.uint32) + 3)


def test_user_driver_bound_by_vlnv(device, designs):
    vlnv = "pynq-remote:user:ref_regs:1.0"
    base = pynq.Overlay(f"{designs}/ref_accel/ref_accel.bit", download=False, device=device)
    vlnv = base.ip_dict["ref_regs_0"]["type"]

    class RefRegs(pynq.DefaultIP):
        bindto = [vlnv]

        def ident(self):
            return self.read(0x0)

    try:
        ol = pynq.Overlay(f"{designs}/ref_accel/ref_accel.bit", device=device)
        assert isinstance(ol.ref_regs_0, RefRegs)
        assert ol.ref_regs_0.ident() == 0x52454641
    finally:
        pynq.RegisterIP._drivers.pop(vlnv, None)


def test_missing_hwh_names_the_file(device, designs, tmp_path):
    bit = tmp_path / "lonely.bit"
    shutil.copy(f"{designs}/ref_accel/ref_accel.bit", bit)
    with pytest.raises(FileNotFoundError, match="lonely.hwh"):
        pynq.Overlay(str(bit), device=device)


def test_malformed_hwh_is_a_clear_error(device, designs, tmp_path):
    shutil.copy(f"{designs}/ref_accel/ref_accel.bit", tmp_path / "bad.bit")
    (tmp_path / "bad.hwh").write_text("<EDKSYSTEM><MODULES>")
    with pytest.raises(ValueError, match="bad.hwh|line"):
        pynq.Overlay(str(tmp_path / "bad.bit"), device=device)


def test_unknown_ip_lists_what_exists(overlay):
    with pytest.raises(AttributeError, match="ref_regs_0"):
        overlay.no_such_ip


def test_field_value_out_of_range(overlay):
    with pytest.raises(ValueError, match="AP_START"):
        overlay.mem_accel_0.register_map.CTRL.AP_START = 2
    assert overlay.ref_regs_0.read(0x0) == 0x52454641  # the board is still usable


def test_overlay_from_an_xsa(device, designs, tmp_path):
    import zipfile
    xsa = tmp_path / "ref_accel.xsa"
    with zipfile.ZipFile(xsa, "w") as z:
        z.write(f"{designs}/ref_accel/ref_accel.bit", "ref_accel.bit")
        z.write(f"{designs}/ref_accel/ref_accel.hwh", "ref_accel.hwh")
    ol = pynq.Overlay(str(xsa), device=device)
    assert ol.ip_dict["mem_accel_0"]["phys_addr"] == 0xA0010000
    assert ol.ref_regs_0.read(0x0) == 0x52454641
