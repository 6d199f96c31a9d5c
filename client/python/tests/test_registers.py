"""RegisterMap and Register over a fake MMIO: fields, slices, access types, ranges."""

import numpy as np
import pytest

from pynq_remote.registers import Register, RegisterMap


class FakeMMIO:
    def __init__(self):
        self.words = {}
        self.log = []

    def read(self, offset=0, length=4, word_order="little"):
        self.log.append(("r", offset, length))
        value = 0
        for i in range(length):
            value |= self.words.get(offset + i, 0) << (8 * i)
        return value

    def write(self, offset, data):
        data = data if isinstance(data, bytes) else int(data).to_bytes(4, "little")
        self.log.append(("w", offset, data))
        for i, b in enumerate(data):
            self.words[offset + i] = b


REGISTERS = {
    "CTRL": {"address_offset": 0, "size": 32, "access": "read-write", "description": "",
             "fields": {"AP_START": {"bit_offset": 0, "bit_width": 1, "access": "read-write"},
                        "AP_DONE": {"bit_offset": 1, "bit_width": 1, "access": "read-only"},
                        "MODE": {"bit_offset": 4, "bit_width": 3, "access": "read-write"}}},
    "ID": {"address_offset": 4, "size": 32, "access": "read-only", "fields": {}},
    "KEY": {"address_offset": 8, "size": 32, "access": "write-only", "fields": {}},
    "src-rows": {"address_offset": 0x10, "size": 32, "access": "read-write"},
    "WIDE": {"address_offset": 0x18, "size": 64, "access": "read-write"},
}


@pytest.fixture
def regs():
    mmio = FakeMMIO()
    return mmio, RegisterMap(mmio, REGISTERS)


def test_fields_read_and_write_only_their_bits(regs):
    mmio, rm = regs
    rm.CTRL = 0xF0
    rm.CTRL.AP_START = 1
    assert int(rm.CTRL) == 0xF1
    rm.CTRL.MODE = 5
    assert rm.CTRL.MODE == 5 and int(rm.CTRL) == 0xD1
    assert "AP_START=1" in repr(rm.CTRL)


def test_access_types(regs):
    _, rm = regs
    with pytest.raises(AttributeError, match="read-only"):
        rm.ID = 3
    with pytest.raises(AttributeError, match="read-only"):
        rm.CTRL.AP_DONE = 1
    rm.KEY = 0x1234
    assert repr(rm.KEY) == "Register(value=write-only)"
    assert rm.KEY[3:0] == "write-only"


def test_values_out_of_range(regs):
    _, rm = regs
    with pytest.raises(ValueError, match="MODE"):
        rm.CTRL.MODE = 8
    with pytest.raises(ValueError):
        rm.CTRL.AP_START = -1
    with pytest.raises(ValueError, match="32-bit"):
        rm.CTRL = 1 << 32


def test_names_and_slices(regs):
    mmio, rm = regs
    rm.src_rows = 640  # "src-rows" becomes an attribute name
    assert int(rm.src_rows) == 640
    reg = rm.src_rows
    reg[15:8] = 0xAB   # PYNQ's [msb:lsb]
    assert reg[15:8] == 0xAB and int(reg) == (0xAB << 8) | (640 & 0xFF)
    assert reg[0:8] == 640 & 0xFF  # Python's [lsb:stop)
    with pytest.raises(AttributeError, match="no field"):
        rm.CTRL.NOPE
    with pytest.raises(AttributeError, match="no register"):
        rm.NOPE


def test_sixty_four_bit_register(regs):
    mmio, rm = regs
    rm.WIDE = 0x0123456789ABCDEF
    assert int(rm.WIDE) == 0x0123456789ABCDEF
    assert mmio.log[-2][0] == "w" and len(mmio.log[-2][2]) == 8


def test_register_alone():
    mmio = FakeMMIO()
    reg = Register(mmio, 0x20, name="R")
    reg[3] = 1
    assert int(reg) == 8 and reg == 8 and np.uint32(reg) == 8
