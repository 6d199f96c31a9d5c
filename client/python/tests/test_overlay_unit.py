"""Overlay without a board: hierarchy and IP attribute access, driver choice by VLNV,
from a hand-made .hwh and a fake device (download=False)."""

import pytest

import pynq_remote as pynq
from test_bitstream_file import make_bit
from test_hwh import _REGS, _design, _memrange, _module
from test_registers import FakeMMIO


class FakeDevice:
    name = "fake0"

    def __init__(self):
        self.windows = {}

    def mmap(self, address, length):
        mmio = self.windows.setdefault(address, FakeMMIO())
        mmio.array = None  # MMIO exposes the RemoteMMIO's word view; not used here
        return mmio


@pytest.fixture
def overlay(tmp_path):
    modules = [_module("top_ip", "my_ip", body=_REGS),
               _module("hier_0_inner", "my_ip", fullname="hier_0/inner", body=_REGS),
               _module("hier_0_sub_deep", "other_ip", vlnv="acme:user:other:2.0",
                       fullname="hier_0/sub/deep")]
    ranges = [_memrange("top_ip", "0xA0000000", "0xA0000FFF"),
              _memrange("hier_0_inner", "0xA0010000", "0xA0010FFF"),
              _memrange("hier_0_sub_deep", "0xA0020000", "0xA0020FFF")]
    (tmp_path / "d.hwh").write_text(_design(ranges=ranges, modules=modules))
    (tmp_path / "d.bit").write_bytes(make_bit(b"\0" * 16))
    return pynq.Overlay(str(tmp_path / "d.bit"), download=False, device=FakeDevice())


def test_ip_and_hierarchies_as_attributes(overlay):
    assert isinstance(overlay.top_ip, pynq.DefaultIP)
    inner = overlay.hier_0.inner
    assert isinstance(overlay.hier_0, pynq.DefaultHierarchy)
    assert inner.description["phys_addr"] == 0xA0010000
    assert overlay.hier_0.sub.deep.description["phys_addr"] == 0xA0020000
    assert "hier_0" in dir(overlay) and "top_ip" in dir(overlay)
    with pytest.raises(AttributeError, match="hier_0"):
        overlay.hier_1


def test_register_map_through_the_overlay(overlay):
    rm = overlay.top_ip.register_map
    rm.DATA = 7
    assert int(rm.DATA) == 7


def test_driver_bound_without_version_match(overlay):
    class Other(pynq.DefaultIP):
        bindto = ["acme:user:other:1.0"]  # a driver for 1.0 serves 2.0 when nothing exact

    try:
        overlay.reset()
        assert isinstance(overlay.hier_0.sub.deep, Other)
    finally:
        pynq.RegisterIP._drivers.pop("acme:user:other:1.0")
