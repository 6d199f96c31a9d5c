"""Vivado hardware handoff (``.hwh``) files read into PYNQ's metadata dictionaries.

A ``.hwh`` is the XML Vivado writes beside a bitstream: ``EDKSYSTEM/MODULES/MODULE``
elements (one per block-design cell) with their ``PARAMETERS``, ``ADDRESSBLOCKS``
(registers and bit fields), ``PORTS`` (with ``SIGNAME`` nets and ``CONNECTIONS``) and,
for bus masters such as the processing system (PS), a ``MEMORYMAP`` of ``MEMRANGE``
elements. :class:`HwhParser` turns one into the dictionaries PYNQ's ``Overlay`` uses
(``ip_dict``, ``mem_dict``, ``gpio_dict``, ``interrupt_controllers``,
``interrupt_pins``, ``hierarchy_dict``, ``clock_dict``), with the shapes of
``pynq.pl_server.hwh_parser`` and ``pynq.metadata`` (PYNQ 3.x).

Where this parser differs from PYNQ (all deliberate, see :class:`HwhParser`):

* memories (``MEMTYPE="MEMORY"``) live in ``mem_dict`` only, as in PYNQ 3's runtime
  parser, and the PS DDR is ``mem_dict["PSDDR"]`` read from the file rather than from a
  synthetic xclbin;
* registers of an IP with several address ranges belong to the range of their own
  address block, not to every range;
* ``xlconcat`` inputs advance the interrupt index by their width (``IN<i>_WIDTH``);
* the interrupt lines of ``pl_ps_irq1`` (ZynqMP) and the second ``IRQ_F2P`` bank
  continue the PS's indices (8..15) instead of restarting at 0; ``raw_irq`` is the same;
* the sink pins (PS interrupt inputs, ``axi_intc/intr``, ``xlconcat/In<i>``) and other
  consumers of an interrupt net are not listed as interrupt pins;
* ``clock_dict`` entries carry ``frequency_mhz`` besides the divisors and enable;
* malformed input raises :class:`HwhFormatError` (a ``ValueError``) naming the place,
  never ``KeyError`` or ``AttributeError``.
"""

import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from xml.parsers import expat

__all__ = ["HwhFormatError", "HwhParser"]

_BOM = "\ufeff"
_NUMBER = re.compile(r"0[xX]([0-9a-fA-F]+)|([0-9]+)")


class HwhFormatError(ValueError):
    """The text is not a well-formed Vivado hardware handoff.

    Attributes
    ----------
    source : str
        The file name, or ``"<hwh text>"`` for text given directly.
    line, column : int or None
        Where the XML parser stopped (1-based line, 0-based column), when known.
    """

    def __init__(self, message, source="<hwh text>", line=None, column=None):
        super().__init__(message)
        self.source = source
        self.line = line
        self.column = column


class _Family:
    """What differs between the PS of a Zynq-7000 and of a Zynq UltraScale+."""

    def __init__(self, name, irq_banks, gpio_port, ddr_window, clock_enable, divisor,
                 frequencies):
        self.name = name
        self.irq_banks = irq_banks          # [(PS pin, first raw IRQ, lines)]
        self.gpio_port = gpio_port          # PS port driving the EMIO GPIO slices
        self.ddr_window = ddr_window        # (base, size) of the low DDR window
        self.clock_enable = clock_enable    # parameter name pattern, {i}
        self.divisor = divisor              # parameter name pattern, {i} and {j}
        self.frequencies = frequencies      # parameter name patterns, best first


# Keyed by the PS module's MODTYPE. IRQ numbers are the GIC SPI ids PYNQ uses
# (hwh_parser.py family_irq); DDR windows are the PS's low-DDR address apertures.
_FAMILIES = {
    "zynq_ultra_ps_e": _Family(
        "zynq_ultra_ps_e", [("pl_ps_irq0", 121, 8), ("pl_ps_irq1", 136, 8)],
        "emio_gpio_o", (0x0, 0x80000000),
        "PSU__FPGA_PL{i}_ENABLE", "PSU__CRL_APB__PL{i}_REF_CTRL__DIVISOR{j}",
        ["PSU__CRL_APB__PL{i}_REF_CTRL__ACT_FREQMHZ",
         "PSU__CRL_APB__PL{i}_REF_CTRL__FREQMHZ"]),
    "processing_system7": _Family(
        "ps7", [("IRQ_F2P", 61, 8), ("IRQ_F2P", 84, 8)],
        "GPIO_O", (0x0, 0x40000000),
        "PCW_FPGA_FCLK{i}_ENABLE", "PCW_FCLK{i}_PERIPHERAL_DIVISOR{j}",
        ["PCW_ACT_FPGA{i}_PERIPHERAL_FREQMHZ", "PCW_FPGA{i}_PERIPHERAL_FREQMHZ"]),
}

_MAX_HIERARCHY_DEPTH = 64

_CONCAT_TYPES = ("xlconcat", "ilconcat")
_INTC_TYPES = ("axi_intc",)
_SLICE_TYPES = ("xlslice", "ilslice")

# PYNQ's synthetic xclbin describes the PS DDR as bank 0 of type DDR4 (raw type 1).
_PSDDR = "PSDDR"


class _Module:
    """One ``MODULE`` element, reduced to what the dictionaries need."""

    def __init__(self, element):
        self.element = element
        self.instance = element.get("INSTANCE")
        self.fullpath = (element.get("FULLNAME") or self.instance or "").strip("/")
        self.vlnv = element.get("VLNV")
        self.modtype = element.get("MODTYPE") or _vlnv_name(self.vlnv)
        self.bdtype = element.get("BDTYPE")
        self.parameters = {p.get("NAME"): p.get("VALUE")
                           for p in element.findall("./PARAMETERS/PARAMETER")
                           if p.get("NAME") is not None and p.get("VALUE") is not None}


def _vlnv_name(vlnv):
    parts = (vlnv or "").split(":")
    return parts[2] if len(parts) == 4 else None


def _to_int(text, what):
    """``"0x10"``, ``"16"`` (also ``"0X10"``, ``" 16 "``) -> int; else HwhFormatError.

    Signs, underscores and exponents are refused: no address or width has them.
    """
    if text is None:
        raise HwhFormatError(f"{what} is missing")
    match = _NUMBER.fullmatch(text.strip())
    if match is None:
        raise HwhFormatError(f"{what} is {text[:40]!r}, not a decimal or 0x-hex number")
    hexadecimal, decimal = match.groups()
    # Bounded before int(): Python refuses decimal strings over 4300 digits with a
    # ValueError of its own, and no address, offset or width needs more than 64 bits.
    digits = (hexadecimal or decimal).lstrip("0")
    if len(digits) > 20:
        raise HwhFormatError(f"{what} is {text[:40]!r}..., more than 64 bits")
    value = int(hexadecimal, 16) if hexadecimal is not None else int(decimal, 10)
    if value >= 1 << 64:
        raise HwhFormatError(f"{what} is {text!r}, more than 64 bits")
    return value


def _properties(element):
    return {p.get("NAME"): p.get("VALUE") for p in element.findall("./PROPERTY")
            if p.get("NAME") is not None}


class _Nets:
    """Pins (``"cell/port"`` or an external port's name) joined into nets.

    Two pins are on one net when they share a ``SIGNAME`` or a ``CONNECTION`` links
    them; Vivado writes both, some versions only one.
    """

    def __init__(self):
        self._parent = {}
        self._groups = None
        self.direction = {}

    def _find(self, key):
        self._parent.setdefault(key, key)
        root = key
        while self._parent[root] != root:
            root = self._parent[root]
        while self._parent[key] != root:
            self._parent[key], key = root, self._parent[key]
        return root

    def join(self, a, b):
        self._groups = None
        self._parent[self._find(a)] = self._find(b)

    def add(self, pin, signame=None, direction=None):
        self._groups = None
        self._find(pin)
        if direction:
            self.direction[pin] = direction
        if signame:
            self.join(pin, ("net", signame))

    def members(self, pin):
        """Every pin on the net of ``pin`` (``pin`` included), as a set of str."""
        if pin not in self._parent:
            return set()
        if self._groups is None:
            self._groups = {}
            for key in self._parent:
                if isinstance(key, str):
                    self._groups.setdefault(self._find(key), set()).add(key)
        return set(self._groups.get(self._find(pin), ()))


class HwhParser:
    """The metadata of a block design, read from its Vivado ``.hwh``.

    Parameters
    ----------
    text : str or bytes, optional
        The file's content (a UTF-8 byte-order mark is allowed).
    path : str or Path, optional
        The file to read instead of ``text``.
    partial : bool
        True for the ``.hwh`` of a partial (DFX) bitstream. A file without a PS is read
        as a partial design whatever this says, as PYNQ does.

    Attributes
    ----------
    ip_dict : dict
        Every IP the PS can address, by block-design path: ``fullpath``, ``type``
        (VLNV), ``bdtype``, ``state`` (None), ``addr_range``, ``phys_addr`` (int, from
        the PS's ``MEMRANGE``: ``HIGHVALUE - BASEVALUE + 1``), ``mem_id`` (the IP's
        slave interface; the master interface in a partial design), ``memtype``,
        ``gpio``, ``interrupts``, ``parameters`` (str -> str), ``registers`` (name ->
        ``address_offset``, ``size``, ``access``, ``description``, ``fields`` (name ->
        ``bit_offset``, ``bit_width``, ``description``, ``access``)) and ``driver``
        (None until an overlay binds one). An IP with several address ranges gets one
        entry per range, ``<path>/<interface>``, as in PYNQ. The PS itself is an entry
        whose address fields are None. Stream-only cores have no address and, as in
        PYNQ, no entry.
    mem_dict : dict
        Memories the PS can address (``MEMTYPE="MEMORY"``: MIG, BRAM controllers), in
        the ``ip_dict`` shape plus ``used`` (1), and ``"PSDDR"``: the PS DDR as PL
        masters see it (the lowest PS memory range in any ``MEMORYMAP``; the family's
        low DDR window when no PL master reaches it), with the xclbin keys PYNQ's
        synthetic xclbin gives it (``base_address``, ``size``, ``type`` "DDR4",
        ``raw_type`` 1, ``idx`` 0, ``tag`` "PSDDR", ``streaming`` False). Reconfigurable
        partitions (``BDTYPE="RBD"``) move here from ``ip_dict`` with ``dfx`` True.
    gpio_dict : dict
        PS EMIO GPIO lines, by the slice cell driving them: ``index`` (the slice's
        ``DIN_FROM``), ``state`` (None) and ``pins`` (set of ``"cell/port"``).
    interrupt_controllers : dict
        ``axi_intc`` cells on the PS interrupt tree: ``parent`` ("" for the PS),
        ``index`` (line on the parent) and, under the PS, ``raw_irq`` (GIC id).
    interrupt_pins : dict
        Interrupt outputs reaching the PS or an ``axi_intc``, by ``"cell/port"``:
        ``controller``, ``index``, ``fullpath`` and, under the PS, ``raw_irq``.
    hierarchy_dict : dict
        Every hierarchy holding addressable IP: ``ip``, ``memories``, ``hierarchies``
        (relative names), ``interrupts``, ``gpio``, ``fullpath``.
    clock_dict : dict
        PL clocks 0..3: ``enable`` (int), ``divisor0``, ``divisor1`` (int or None) and
        ``frequency_mhz`` (float or None, the PS's actual frequency).
    ps_name : str or None
        Block-design path of the PS (``"zynq_ultra_ps_e_0"``); None without a PS.
    family_ps : str or None
        ``"zynq_ultra_ps_e"`` or ``"ps7"``; None without a PS.
    partial : bool
        True for a partial design (requested, or no PS in the file).

    Raises
    ------
    HwhFormatError
        For malformed XML (with the line and column), a root other than
        ``EDKSYSTEM``, or an address, offset or width that is not a number.
    ValueError
        When neither or both of ``text`` and ``path`` are given.
    """

    def __init__(self, text=None, path=None, partial=False):
        if (text is None) == (path is None):
            raise ValueError("HwhParser needs exactly one of text= or path=")
        self._source = str(path) if path is not None else "<hwh text>"
        if path is not None:
            text = Path(path).read_bytes()
        if isinstance(text, (bytes, bytearray)):
            try:
                text = bytes(text).decode("utf-8-sig")
            except UnicodeDecodeError as error:
                raise HwhFormatError(f"{self._source}: not UTF-8 text ({error.reason} at "
                                     f"byte {error.start})", self._source) from None
        root = self._parse_xml(text.lstrip(_BOM))

        self.ip_dict = {}
        self.mem_dict = {}
        self.gpio_dict = {}
        self.interrupt_controllers = {}
        self.interrupt_pins = {}
        self.hierarchy_dict = {}
        self.clock_dict = {}
        self.ps_name = None
        self.family_ps = None
        self.partial = bool(partial)
        try:
            self._build(root)
        except HwhFormatError as error:
            raise HwhFormatError(f"{self._source}: {error}", self._source) from None

    def _build(self, root):
        self._modules = [_Module(e) for e in root.iter("MODULE") if e.get("INSTANCE")]
        for module in self._modules:
            # hierarchy_dict nests one level per path component; anything using it
            # recursively (repr, Overlay) would hit Python's recursion limit first.
            if module.fullpath.count("/") >= _MAX_HIERARCHY_DEPTH:
                raise HwhFormatError(f"MODULE {module.fullpath[:80]!r}...: nested more than "
                                     f"{_MAX_HIERARCHY_DEPTH} hierarchies deep")
        self._by_instance = {m.instance: m for m in self._modules}
        self._by_path = {m.fullpath: m for m in self._modules}
        ps = next((m for m in self._modules if m.modtype in _FAMILIES), None)
        self._family = _FAMILIES[ps.modtype] if ps else None
        self.partial = self.partial or ps is None
        self._nets = self._read_nets(root)

        if ps is not None:
            self.ps_name = ps.fullpath
            self.family_ps = self._family.name
            self._read_address_map(ps.element.iter("MEMRANGE"), "SLAVEBUSINTERFACE")
            self.ip_dict[ps.fullpath] = self._entry(ps, None, None, None, None, {})
            self.clock_dict = self._read_clocks(ps)
        else:
            self._read_address_map(root.iter("MEMRANGE"), "MASTERBUSINTERFACE")
        self._split_memories(root, ps)
        if ps is not None:
            self._read_interrupts(ps)
            self._read_gpio(ps)
        self._build_hierarchies()
        self._attach_interrupts_and_gpio()

    def __repr__(self):
        return (f"<HwhParser {self._source}: {len(self.ip_dict)} IP, "
                f"{len(self.mem_dict)} memories, PS {self.ps_name}>")

    # -- XML ----------------------------------------------------------------------------

    def _parse_xml(self, text):
        try:
            root = ElementTree.fromstring(text)
        except ElementTree.ParseError as error:
            line, column = error.position
            reason = expat.ErrorString(error.code) if error.code else str(error)
            raise HwhFormatError(f"{self._source}: malformed XML at line {line}, column "
                                 f"{column}: {reason}", self._source, line, column) \
                from None
        if root.tag != "EDKSYSTEM":
            raise HwhFormatError(f"{self._source}: not a Vivado hardware handoff (root "
                                 f"element is <{root.tag}>, expected <EDKSYSTEM>)",
                                 self._source)
        return root

    # -- nets -----------------------------------------------------------------------------

    def _read_nets(self, root):
        nets = _Nets()
        for module in self._modules:
            for port in module.element.findall("./PORTS/PORT"):
                name = port.get("NAME")
                if not name:
                    continue
                pin = f"{module.fullpath}/{name}"
                nets.add(pin, port.get("SIGNAME"), port.get("DIR"))
                for connection in port.findall("./CONNECTIONS/CONNECTION"):
                    other = self._by_instance.get(connection.get("INSTANCE"))
                    if other is not None and connection.get("PORT"):
                        nets.join(pin, f"{other.fullpath}/{connection.get('PORT')}")
        for port in root.findall("./EXTERNALPORTS/PORT"):
            if port.get("NAME"):
                # Seen from inside the design an external input drives its net.
                direction = {"I": "O", "O": "I"}.get(port.get("DIR"), port.get("DIR"))
                nets.add(port.get("NAME"), port.get("SIGNAME"), direction)
        return nets

    # -- addressable IP --------------------------------------------------------------------

    def _read_address_map(self, memranges, interface_attr):
        """Fills ip_dict from MEMRANGEs; ``interface_attr`` names the ``mem_id``."""
        ranges = {}
        seen = set()
        for memrange in memranges:
            module = self._by_instance.get(memrange.get("INSTANCE"))
            if module is None or module.bdtype == "BLOCK_CONTAINER":
                continue
            where = (f"MEMRANGE of {memrange.get('INSTANCE')} "
                     f"({memrange.get('ADDRESSBLOCK') or 'no address block'})")
            base = _to_int(memrange.get("BASEVALUE"), f"{where}: BASEVALUE")
            high = _to_int(memrange.get("HIGHVALUE"), f"{where}: HIGHVALUE")
            if high < base:
                raise HwhFormatError(f"{where}: HIGHVALUE {high:#x} is below BASEVALUE "
                                  f"{base:#x}")
            key = (module.instance, memrange.get(interface_attr), base, high)
            if key in seen:         # a partial design lists a slave once per master
                continue
            seen.add(key)
            ranges.setdefault(module.instance, []).append((memrange, base, high))

        for instance, found in ranges.items():
            module = self._by_instance[instance]
            interfaces = [m.get(interface_attr) for m, _, _ in found]
            module_ref = (module.vlnv or "").split(":")[:2] == ["xilinx.com", "module_ref"]
            for memrange, base, high in found:
                interface = memrange.get(interface_attr)
                name = module.fullpath
                if interface and (len(found) > 1 or (module_ref and module.bdtype)):
                    suffix = interface
                    if interfaces.count(interface) > 1:
                        suffix += "_" + (memrange.get("ADDRESSBLOCK") or f"{base:x}")
                    name += "/" + suffix
                registers = self._read_registers(module, memrange, len(found) > 1)
                self.ip_dict[name] = self._entry(module, base, high - base + 1, interface,
                                                 memrange.get("MEMTYPE"), registers, name)

    @staticmethod
    def _entry(module, base, size, mem_id, memtype, registers, name=None):
        return {
            "fullpath": name or module.fullpath,
            "type": module.vlnv,
            "bdtype": module.bdtype,
            "state": None,
            "addr_range": size,
            "phys_addr": base,
            "mem_id": mem_id,
            "memtype": memtype,
            "gpio": {},
            "interrupts": {},
            "parameters": dict(module.parameters),
            "registers": registers,
            "driver": None,
        }

    def _read_registers(self, module, memrange, several):
        """Registers of the address block behind ``memrange``.

        With several ranges, only the block whose INTERFACE and NAME match the range;
        with one (or no match), every block of the module, as PYNQ does.
        """
        blocks = module.element.findall("./ADDRESSBLOCKS/ADDRESSBLOCK")
        if several:
            matching = [b for b in blocks
                        if b.get("INTERFACE") == memrange.get("SLAVEBUSINTERFACE")
                        and b.get("NAME") == memrange.get("ADDRESSBLOCK")]
            blocks = matching or blocks
        registers = {}
        for block in blocks:
            for register in block.findall("./REGISTERS/REGISTER"):
                name = register.get("NAME")
                if name:
                    registers[name] = self._read_register(module, name, register)
        return registers

    def _read_register(self, module, name, register):
        where = f"register {name} of {module.fullpath}"
        props = _properties(register)
        fields = {}
        for field in register.findall("./FIELDS/FIELD"):
            fname = field.get("NAME")
            if not fname:
                continue
            fprops = _properties(field)
            fwhere = f"field {fname} of {where}"
            fields[fname] = {
                "bit_offset": _to_int(fprops.get("BIT_OFFSET"), f"{fwhere}: BIT_OFFSET"),
                "bit_width": _to_int(fprops.get("BIT_WIDTH"), f"{fwhere}: BIT_WIDTH"),
                "description": fprops.get("DESCRIPTION", ""),
                "access": fprops.get("ACCESS", props.get("ACCESS")),
            }
        return {
            "address_offset": _to_int(props.get("ADDRESS_OFFSET"),
                                      f"{where}: ADDRESS_OFFSET"),
            "size": _to_int(props.get("SIZE"), f"{where}: SIZE"),
            "access": props.get("ACCESS"),
            "description": props.get("DESCRIPTION", ""),
            "fields": fields,
        }

    # -- memories -------------------------------------------------------------------------

    def _split_memories(self, root, ps):
        for name, entry in list(self.ip_dict.items()):
            if entry["memtype"] == "MEMORY":
                self.mem_dict[name] = self.ip_dict.pop(name)
                entry["used"] = 1
            elif entry["memtype"] == "REGISTER" and entry["bdtype"] == "RBD":
                self.mem_dict[name] = self.ip_dict.pop(name)
                entry["dfx"] = True
        if ps is not None:
            self.mem_dict[_PSDDR] = self._psddr(root, ps)

    def _psddr(self, root, ps):
        """The PS DDR as PL masters address it (see the ``mem_dict`` attribute)."""
        windows = []
        for memrange in root.iter("MEMRANGE"):
            if memrange.get("INSTANCE") == ps.instance and \
                    memrange.get("MEMTYPE") == "MEMORY":
                where = f"MEMRANGE of {ps.instance} ({memrange.get('ADDRESSBLOCK')})"
                base = _to_int(memrange.get("BASEVALUE"), f"{where}: BASEVALUE")
                high = _to_int(memrange.get("HIGHVALUE"), f"{where}: HIGHVALUE")
                windows.append((base, high - base + 1, memrange.get("SLAVEBUSINTERFACE")))
        # By address only: two ranges at one address may differ in a missing interface.
        base, size, interface = (min(windows, key=lambda w: w[:2]) if windows
                                 else (*self._family.ddr_window, None))
        entry = self._entry(ps, base, size, interface, "MEMORY", {}, ps.fullpath)
        entry.update({"type": "DDR4", "parameters": {}, "used": 1, "base_address": base,
                      "size": size, "raw_type": 1, "idx": 0, "tag": _PSDDR,
                      "streaming": False})
        return entry

    # -- clocks ---------------------------------------------------------------------------

    def _read_clocks(self, ps):
        params = ps.parameters
        clocks = {}
        for i in range(4):
            enable = params.get(self._family.clock_enable.format(i=i))
            clock = {"enable": _to_int(enable, f"{ps.fullpath}: clock {i} enable")
                     if enable is not None else 0}
            for j in range(2):
                divisor = params.get(self._family.divisor.format(i=i, j=j))
                clock[f"divisor{j}"] = None if divisor is None else \
                    _to_int(divisor, f"{ps.fullpath}: clock {i} divisor{j}")
            clock["frequency_mhz"] = None
            for pattern in self._family.frequencies:
                value = params.get(pattern.format(i=i))
                try:
                    clock["frequency_mhz"] = float(value)
                    break
                except (TypeError, ValueError):
                    continue
            clocks[i] = clock
        return clocks

    # -- interrupts -----------------------------------------------------------------------

    def _read_interrupts(self, ps):
        raw_irqs = []
        banks = {}
        for pin, first, lines in self._family.irq_banks:
            banks.setdefault(pin, len(raw_irqs))
            raw_irqs.extend(range(first, first + lines))
        self._visited = set()
        for pin, offset in banks.items():
            self._walk_interrupts(f"{ps.fullpath}/{pin}", "", offset, raw_irqs)

    def _walk_interrupts(self, sink, controller, index, raw_irqs=None):
        """Records what drives the interrupt input ``sink``; returns the next index."""
        if sink in self._visited:       # a loop in a malformed file
            return index + 1
        self._visited.add(sink)
        drivers = sorted(p for p in self._nets.members(sink)
                         if p != sink and self._nets.direction.get(p) != "I")
        for pin in drivers:
            cell, _, port = pin.rpartition("/")
            module = self._by_path.get(cell)
            if module is None:
                continue
            if module.modtype in _CONCAT_TYPES and port == "dout":
                return self._walk_concat(module, controller, index, raw_irqs)
            if module.modtype in _INTC_TYPES and port == "irq":
                self.interrupt_controllers[cell] = {"parent": controller, "index": index}
                if raw_irqs is not None and index < len(raw_irqs):
                    self.interrupt_controllers[cell]["raw_irq"] = raw_irqs[index]
                self._walk_interrupts(f"{cell}/intr", cell, 0)
                return index + 1
        for pin in drivers:
            self.interrupt_pins[pin] = {"controller": controller, "index": index,
                                        "fullpath": pin}
            if raw_irqs is not None and index < len(raw_irqs):
                self.interrupt_pins[pin]["raw_irq"] = raw_irqs[index]
        return index + 1

    def _walk_concat(self, concat, controller, index, raw_irqs):
        where = concat.fullpath
        count = _to_int(concat.parameters.get("NUM_PORTS", "0"), f"{where}: NUM_PORTS")
        for i in range(count):
            width = _to_int(concat.parameters.get(f"IN{i}_WIDTH", "1"),
                            f"{where}: IN{i}_WIDTH")
            self._walk_interrupts(f"{concat.fullpath}/In{i}", controller, index, raw_irqs)
            index += width
        return index

    # -- GPIO -----------------------------------------------------------------------------

    def _read_gpio(self, ps):
        source = f"{ps.fullpath}/{self._family.gpio_port}"
        for module in self._modules:
            if "DIN_FROM" not in module.parameters:
                continue
            inputs = [p for p in module.element.findall("./PORTS/PORT")
                      if p.get("DIR") == "I" and p.get("NAME")]
            if not any(source in self._nets.members(f"{module.fullpath}/{p.get('NAME')}")
                       for p in inputs):
                continue
            pins = set()
            for port in module.element.findall("./PORTS/PORT"):
                if port.get("DIR") == "O" and port.get("NAME"):
                    pins |= self._nets.members(f"{module.fullpath}/{port.get('NAME')}")
            self.gpio_dict[module.fullpath] = {
                "index": _to_int(module.parameters["DIN_FROM"],
                                 f"{module.fullpath}: DIN_FROM"),
                "state": None,
                "pins": pins,
            }

    # -- hierarchies ----------------------------------------------------------------------

    def _build_hierarchies(self):
        names = list(self.ip_dict) + [k for k in self.mem_dict if k != _PSDDR]
        hierarchies = set()
        for name in names:
            parent = name.rpartition("/")[0]
            while parent and parent not in hierarchies:
                hierarchies.add(parent)
                parent = parent.rpartition("/")[0]
        for hierarchy in hierarchies:
            self.hierarchy_dict[hierarchy] = {"ip": {}, "memories": {}, "hierarchies": {},
                                              "interrupts": {}, "gpio": {},
                                              "fullpath": hierarchy}
        for source, kind in ((self.ip_dict, "ip"), (self.mem_dict, "memories")):
            for name, entry in source.items():
                parent, _, leaf = name.rpartition("/")
                if parent in self.hierarchy_dict:
                    self.hierarchy_dict[parent][kind][leaf] = entry
        for name, entry in self.hierarchy_dict.items():
            parent, _, leaf = name.rpartition("/")
            if parent:
                self.hierarchy_dict[parent]["hierarchies"][leaf] = entry

    def _attach_interrupts_and_gpio(self):
        for pin, entry in self.interrupt_pins.items():
            cell, _, port = pin.rpartition("/")
            if cell in self.ip_dict:
                self.ip_dict[cell]["interrupts"][port] = entry
            if cell in self.hierarchy_dict:
                self.hierarchy_dict[cell]["interrupts"][port] = entry
        for gpio in self.gpio_dict.values():
            for pin in gpio["pins"]:
                cell, _, port = pin.rpartition("/")
                if cell in self.ip_dict:
                    self.ip_dict[cell]["gpio"][port] = gpio
                elif cell in self.hierarchy_dict:
                    self.hierarchy_dict[cell]["gpio"][port] = gpio
