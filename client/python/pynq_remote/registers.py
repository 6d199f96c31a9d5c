"""Registers and register maps: ``ip.register_map.CTRL.AP_START = 1`` as in PYNQ.

A ``RegisterMap`` is built from the ``registers`` of an ``ip_dict`` entry (offset, size,
access, fields from the ``.hwh``). Every read and write is an MMIO access on the board, so
reading a register with clear-on-read bits has the same side effect it has in hardware.
Access types are enforced: writing a read-only register or field raises AttributeError,
reading a write-only one returns the string ``"write-only"`` (PYNQ's behaviour), and a value
that does not fit its field raises ValueError.
"""

import keyword
import re

_ACCESS = ("read-only", "write-only", "read-write")


def _attr_name(name):
    """A Python attribute name for a register or field name from the .hwh."""
    safe = re.sub(r"\W", "_", name)
    if not safe or safe[0].isdigit() or keyword.iskeyword(safe):
        safe = "r_" + safe
    return safe


def _bits(index, width):
    """(lsb, nbits) for ``reg[i]``, ``reg[msb:lsb]`` (PYNQ's order) or ``reg[lsb:msb+1]``."""
    if isinstance(index, int):
        if not 0 <= index < width:
            raise IndexError(f"bit {index} is outside a {width}-bit register")
        return index, 1
    if isinstance(index, slice):
        if index.step not in (None, 1, -1):
            raise ValueError("Slicing step is not valid.")
        start = width - 1 if index.start is None else index.start
        stop = 0 if index.stop is None else index.stop
        if start >= stop:  # [msb:lsb], both inclusive, as PYNQ's Register takes them
            msb, lsb = start, stop
        else:               # [lsb:stop) in Python's order
            lsb, msb = start, stop - 1
        if not 0 <= lsb <= msb < width:
            raise ValueError(f"bits {msb}:{lsb} are outside a {width}-bit register")
        return lsb, msb - lsb + 1
    raise ValueError("Index must be int or slice.")


class Register:
    """One register of an IP on the board.

    Parameters
    ----------
    mmio : MMIO-like
        Object with ``read(offset, length)`` and ``write(offset, data)``.
    offset : int
        Byte offset of the register in the IP's address block.
    width : int
        32 or 64 bits.
    access : str
        "read-write", "read-only" or "write-only".
    name : str
        The register's name (for messages).
    fields : dict
        ``{name: {"bit_offset", "bit_width", "access", "description"}}``.
    """

    def __init__(self, mmio, offset, width=32, access="read-write", name="", fields=None,
                 description=""):
        if width not in (32, 64):
            raise ValueError(f"register {name}: supported widths are 32 and 64, not {width}")
        object.__setattr__(self, "_mmio", mmio)
        object.__setattr__(self, "_offset", offset)
        object.__setattr__(self, "_width", width)
        object.__setattr__(self, "access", access if access in _ACCESS else "read-write")
        object.__setattr__(self, "_name", name)
        object.__setattr__(self, "_fields", {_attr_name(k): dict(v, name=k)
                                             for k, v in (fields or {}).items()})
        object.__setattr__(self, "__doc__", description)

    # -- whole register ----------------------------------------------------------------

    def _read(self):
        if self.access == "write-only":
            raise AttributeError(f"register {self._name} is write-only")
        return self._mmio.read(self._offset, self._width // 8)

    def _write(self, value):
        if self.access == "read-only":
            raise AttributeError(f"register {self._name} is read-only")
        value = int(value)
        if not 0 <= value < (1 << self._width):
            raise ValueError(f"{value:#x} does not fit the {self._width}-bit register "
                             f"{self._name}")
        if self._width == 64:
            self._mmio.write(self._offset, value.to_bytes(8, "little"))
        else:
            self._mmio.write(self._offset, value)

    def __int__(self):
        return self._read()

    def __index__(self):
        return self._read()

    def __eq__(self, other):
        return int(self) == other

    def __hash__(self):
        return hash((self._offset, self._name))

    # -- bit slices ----------------------------------------------------------------------

    def __getitem__(self, index):
        if self.access == "write-only":
            return self.access
        lsb, nbits = _bits(index, self._width)
        return (self._read() >> lsb) & ((1 << nbits) - 1)

    def __setitem__(self, index, value):
        lsb, nbits = _bits(index, self._width)
        self._set_bits(lsb, nbits, value, f"bits {lsb + nbits - 1}:{lsb}")

    def _set_bits(self, lsb, nbits, value, what, access="read-write"):
        if access == "read-only" or self.access == "read-only":
            raise AttributeError(f"{what} of register {self._name} is read-only")
        value = int(value)
        if not 0 <= value < (1 << nbits):
            raise ValueError(f"{value} does not fit {what} of register {self._name} "
                             f"({nbits} bit{'s' if nbits > 1 else ''}: 0..{(1 << nbits) - 1})")
        mask = ((1 << nbits) - 1) << lsb
        # A write-only register cannot be read back: its other bits are written as 0.
        old = 0 if self.access == "write-only" else self._read()
        self._write((old & ~mask) | (value << lsb))

    # -- named fields --------------------------------------------------------------------

    def __getattr__(self, name):
        fields = object.__getattribute__(self, "_fields")
        if name not in fields:
            raise AttributeError(f"register {self._name} has no field {name!r}; fields: "
                                 f"{', '.join(fields) or 'none'}")
        field = fields[name]
        if field.get("access") == "write-only" or self.access == "write-only":
            return "write-only"
        return (self._read() >> int(field["bit_offset"])) & ((1 << int(field["bit_width"])) - 1)

    def __setattr__(self, name, value):
        fields = self._fields
        if name not in fields:
            raise AttributeError(f"register {self._name} has no field {name!r}; fields: "
                                 f"{', '.join(fields) or 'none'}")
        field = fields[name]
        self._set_bits(int(field["bit_offset"]), int(field["bit_width"]), value,
                       f"field {field['name']}", field.get("access", "read-write"))

    def __dir__(self):
        return list(super().__dir__()) + list(self._fields)

    def __repr__(self):
        if self.access == "write-only":
            return "Register(value=write-only)"
        return self._describe(self._read())

    def _describe(self, value):
        """The repr of this register holding ``value``."""
        if not self._fields:
            return f"Register(value={value})"
        parts = []
        for name, field in self._fields.items():
            if field.get("access") == "write-only":
                parts.append(f"{name}=write-only")
            else:
                bits = (value >> int(field["bit_offset"])) & ((1 << int(field["bit_width"])) - 1)
                parts.append(f"{name}={bits}")
        return f"Register({', '.join(parts)})"


class RegisterMap:
    """The named registers of one IP: attribute access reads, assignment writes.

    Parameters
    ----------
    mmio : MMIO-like
        The IP's register window.
    registers : dict
        ``ip_dict[name]["registers"]``: ``{name: {"address_offset", "size", "access",
        "description", "fields"}}``.
    """

    def __init__(self, mmio, registers):
        regs = {}
        for name, spec in registers.items():
            regs[_attr_name(name)] = Register(
                mmio, int(spec["address_offset"]), int(spec.get("size", 32)),
                spec.get("access", "read-write"), name, spec.get("fields"),
                spec.get("description", ""))
        object.__setattr__(self, "_registers", regs)

    def __getattr__(self, name):
        regs = object.__getattribute__(self, "_registers")
        if name not in regs:
            raise AttributeError(f"no register {name!r} in this register map; registers: "
                                 f"{', '.join(regs)}")
        return regs[name]

    def __setattr__(self, name, value):
        self.__getattr__(name)._write(value)

    def __dir__(self):
        return list(super().__dir__()) + list(self._registers)

    def __iter__(self):
        return iter(self._registers.items())

    def __repr__(self):
        values = self._read_all()
        lines = ["RegisterMap {"]
        for name, reg in self._registers.items():
            value = values.get(name)
            if reg.access == "write-only":
                text = repr(reg)
            elif isinstance(value, Exception):
                text = f"<unreadable: {value}>"
            else:
                text = reg._describe(value)
            lines.append(f"  {name} = {text},")
        lines.append("}")
        return "\n".join(lines)

    def _read_all(self):
        """{name: value, or the exception its read raised} of every readable register, each
        read once, in order: in one round trip where the MMIO batches (``read_many``), the
        batch going on after a register that fails."""
        pending = [(name, reg) for name, reg in self._registers.items()
                   if reg.access != "write-only"]
        values = {}
        read_many = getattr(pending[0][1]._mmio, "read_many", None) if pending else None
        while pending and read_many is not None:
            try:
                got = read_many([reg._offset for _, reg in pending],
                                [reg._width // 8 for _, reg in pending])
            except Exception as error:  # noqa: BLE001 - a failing read is shown, not fatal
                done = getattr(error, "completed", None)
                if done is None:  # refused before any access: read them one by one
                    break
                for (name, _), value in zip(pending, error.values):
                    values[name] = int(value)
                values[pending[done][0]] = getattr(error, "op_error", error)
                pending = pending[done + 1:]
                continue
            values.update((name, int(value)) for (name, _), value in zip(pending, got))
            pending = []
        for name, reg in pending:
            try:
                values[name] = reg._read()
            except Exception as error:  # noqa: BLE001 - a failing read is shown, not fatal
                values[name] = error
        return values
