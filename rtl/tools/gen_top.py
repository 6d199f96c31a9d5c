#!/usr/bin/python3
"""Generate the shell top (rtl/README.md) of a format-2 design from its manifest.

The top instantiates every manifest instance (Verilog "module" with its "params") and wires:

* the shell's AXI4-Lite slave (the full physical address, low 32 bits) to each instance's slave
  interface: a decoder with one outstanding write and one outstanding read; the instance sees
  ``address - base``; an address no instance decodes answers DECERR. An instance in a ZynqMP
  high window (M_AXI_HPM0_FPD 0x4_0000_0000, M_AXI_HPM1_FPD 0x5_0000_0000) is decoded at
  ``base & 0xFFFFFFFF``, so two instances whose low 32 bits alias, or a high-window instance
  whose low 32 bits fall in a PL window below 4 GiB, are refused (check_low32);
* one AXI4 master bundle ``m_axi_<short>_*`` per PS slave port the "masters" use (names,
  widths and windows from the board profile, sim/board/boards.json via boards.py; the data
  width from "ps"."slave_ports"): one master per direction is wired straight through, several
  go through the round-robin arbiters of rtl/ip/common/axi_interconnect.v; a port with only
  readers (writers) gets a read-only (write-only) bundle; a master narrower than its port
  (32 or 64 bits on 64 or 128) reaches it through an upsizer (rtl/ip/common/
  axi_width_converter.v, pr_axi_upsizer), a wider one is refused;
* AXI4-Stream connections ("streams"), plain nets ("wires");
* interrupts ("interrupts") into an interrupt controller's input vector or the PS's inputs in
  ``irq[15:0]`` (``pl_ps_irq0``/``pl_ps_irq1`` on ZynqMP, ``IRQ_F2P`` on Zynq-7000);
* the PS GPIO's EMIO pins ("emio"): slices of ``emio_gpio_o``/``emio_gpio_t`` (PS outputs, the
  top's inputs) into instance inputs, instance outputs into slices of ``emio_gpio_i`` (the PS's
  input); 96 pins on ZynqMP, 64 on Zynq-7000; the three ports exist only in a top that uses
  EMIO;
* ``busy`` = OR of every instance's ``busy`` and the decoder's own activity. busy_missing()
  names the instances that busy may not cover (design.json "busy_complete").

Port names and widths come from the instances' Verilog headers (ANSI style, parameters
evaluated with the manifest's "params"), so a mismatch is caught here with a clear message
rather than as a Verilator width warning. Instance inputs nobody drives are tied to 0 (listed
in a comment); outputs nobody reads go to one ``*_unused`` sink (Verilator's -Wall exempts
signals matching ``*unused*``), so the generated code is lint-clean without lint_off.

Usage: gen_top.py MANIFEST OUT.v          (Debian's /usr/bin/python3, standard library only)
"""
import contextlib
import json
import math
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import boards  # noqa: E402  (the board profiles, sim/board/boards.json)
import hls_rtl  # noqa: E402  (non-ANSI headers: Vitis/Vivado HLS Verilog)

PS_IRQ = "pl_ps_irq0"  # the ZynqMP interrupt input bit 0 of irq[] is on
MAX_PORT_BITS = 1 << 16  # far beyond any AXI bus; bounds the per-bit loops below

# The shell's address bits on a PS slave port: ZynqMP's HP ports take 49 bits, of which the
# cores drive 40; Zynq-7000's are 32-bit.
ADDR_BITS = {"zynqmp": 40, "zynq7000": 32}
# The module a shared port needs (rtl/ip/common/axi_interconnect.v).
INTERCONNECT_SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir,
                                   "ip", "common", "axi_interconnect.v")
# The module a master narrower than its port needs (rtl/ip/common/axi_width_converter.v).
UPSIZER_SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir,
                              "ip", "common", "axi_width_converter.v")
UPSIZER_WIDTHS = {(32, 64), (32, 128), (64, 128)}  # (master, port) data bits it converts
# The PS GPIO's EMIO pins per family (UG1085: 96; UG585: 64), the shell's emio_gpio_* widths.
EMIO_BITS = {"zynqmp": 96, "zynq7000": 64}
# The shell's EMIO ports, named from the PS's side as zynq_ultra_ps_e names them; on Zynq-7000
# processing_system7's names (GPIO_O/GPIO_T/GPIO_I) are accepted too. Value: the PS drives it.
EMIO_PORTS = {"emio_gpio_o": True, "emio_gpio_t": True, "emio_gpio_i": False}
EMIO_ALIASES = {"GPIO_O": "emio_gpio_o", "GPIO_T": "emio_gpio_t", "GPIO_I": "emio_gpio_i"}


def ps_of(manifest):
    """What the manifest's board (its profile in sim/board/boards.json, by "board_name", else
    the "board" part VLNV) offers the design: {"family", "title", "slave_ports": {name: short},
    "slave_bits": {name: widths}, "addr_bits", "master_ports": {name: [(base, size), ...]}
    (each port's windows, the one below 4 GiB first), "low_windows": [(port, base, size)] (the
    windows below 4 GiB), "irq": {port: (first bit of irq[15:0], lines)}}."""
    wanted = manifest.get("board_name") or manifest.get("board")
    if not isinstance(wanted, str) or not wanted:
        raise DesignError("the manifest names no board (\"board_name\", e.g. \"ZCU104\")")
    try:
        board = boards.get(wanted)
    except boards.BoardError as e:
        raise DesignError(str(e)) from e
    fam = manifest.get("family", board.family)
    if fam != board.family:
        raise DesignError("family %r, but %s is a %s (%s)" %
                          (fam, board.name, board.family_name, board.family))
    irq, first = {}, 0
    for port in board.irq_ports:
        irq[port.name] = (first, port.lines)
        first += port.lines
    return {"family": board.family, "title": board.family_name, "board": board.name,
            "slave_ports": {p.name: p.short for p in board.slaves},
            "slave_bits": {p.name: p.data_bits for p in board.slaves},
            "addr_bits": ADDR_BITS[board.family],
            "master_ports": {w.name: [(v.base, v.size) for v in board.windows_of(w.name)]
                             for w in board.masters},
            "low_windows": [(w.name, w.base, w.size) for w in board.masters],
            "irq": irq}


LOW32 = 1 << 32


def check_low32(spans, low_windows):
    """The shell's AXI4-Lite address is the low 32 bits of the physical address (rtl/README.md),
    so the design decodes ``base & 0xFFFFFFFF``. spans: [(instance, base, range)], each inside
    one 4 GiB-aligned span; low_windows: [(port, base, size)], the board's PL windows below
    4 GiB. Refuses two instances whose low 32 bits alias (naming both), and an instance above
    4 GiB whose low 32 bits fall in a low PL window (the design would answer there too)."""
    for i, (name, base, rng) in enumerate(spans):
        if rng > LOW32 or base // LOW32 != (base + rng - 1) // LOW32:
            raise DesignError("%s: window 0x%X..0x%X crosses a 4 GiB boundary; the design "
                              "decodes the low 32 bits of an address" %
                              (name, base, base + rng - 1))
        low = base % LOW32
        for other, b, r in spans[:i]:
            if base // LOW32 != b // LOW32 and low < b % LOW32 + r and b % LOW32 < low + rng:
                raise DesignError(
                    "%s (0x%X..0x%X) and %s (0x%X..0x%X) alias: the design sees the low 32 "
                    "bits of an address (rtl/README.md, the shell convention), where both "
                    "decode 0x%08X..0x%08X; give them distinct low 32 bits in Vivado's "
                    "Address Editor" % (other, b, b + r - 1, name, base, base + rng - 1,
                                        max(low, b % LOW32),
                                        min(low + rng, b % LOW32 + r) - 1))
    for name, base, rng in spans:
        low = base % LOW32
        if base < LOW32:
            continue
        for port, wb, ws in low_windows:
            if low < wb + ws and wb < low + rng:
                raise DesignError(
                    "%s at 0x%X..0x%X: its low 32 bits 0x%08X..0x%08X fall in %s's window "
                    "0x%08X..0x%08X, and the design sees the low 32 bits of an address "
                    "(rtl/README.md, the shell convention), so it would answer there too; "
                    "give it an address whose low 32 bits are outside the PL windows below "
                    "4 GiB (e.g. 0x%X)" % (name, base, base + rng - 1, low, low + rng - 1,
                                           port, wb, wb + ws - 1, base - low))


def is_ps_irq(sink):
    """True for an interrupt sink that is a PS input (pl_ps_irq0/1, IRQ_F2P), not an INTC."""
    return isinstance(sink, str)


class DesignError(Exception):
    pass


# A source named "@ip/<core>/<file>" is a core of the shipped IP library (rtl/ip in the tree,
# share/pynq-remote/ip installed: beside this tools folder either way), so a design outside
# the repository can use our cores. The name, not the resolved path, is what gets hashed.
IP_PREFIX = "@ip/"
IP_DIR = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ip"))


def source_path(design_dir, name):
    """Where the manifest's source `name` is, for a design in `design_dir`."""
    if isinstance(name, str) and name.startswith(IP_PREFIX):
        return os.path.join(IP_DIR, name[len(IP_PREFIX):])
    return os.path.join(design_dir, name)


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def check_names(manifest):
    """The design's, the instances' and the PS ports' names become Verilog identifiers and
    unquoted .hwh names: identifiers only."""
    names = [("name", manifest["name"])]
    names += [("instance name", inst["name"]) for inst in manifest["instances"]]
    ps = manifest.get("ps", {})
    names += [("PS port", port) for kind in ("master_ports", "slave_ports")
              for port in ps.get(kind, {})]
    for what, name in names:
        if not isinstance(name, str) or not _IDENTIFIER.fullmatch(name):
            raise DesignError("%s %r is not an identifier ([A-Za-z_][A-Za-z0-9_]*)" % (what, name))


@contextlib.contextmanager
def manifest_errors():
    """A manifest that is not JSON, lacks a key, holds a value of the wrong type or names a
    source that cannot be read fails deep inside the generators; this turns those failures
    into a DesignError saying so, like every other check here (found by fuzz/python)."""
    try:
        yield
    except DesignError:
        raise
    except json.JSONDecodeError as e:
        raise DesignError("not valid JSON: %s" % e) from e
    except KeyError as e:
        raise DesignError("a required key is missing: %s" % e) from e
    except OSError as e:
        raise DesignError("%s: %s" % (e.filename, e.strerror)) from e
    except RecursionError as e:
        raise DesignError("nested too deeply") from e
    except (TypeError, AttributeError, IndexError, ValueError, ArithmeticError) as e:
        raise DesignError("a value of the wrong type or form (%s: %s)" %
                          (type(e).__name__, e)) from e


# ---- Verilog ANSI header reader --------------------------------------------------------------

def _strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def _split_top(text, sep=","):
    """Splits at `sep` outside (), [] and {}."""
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == sep and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur)
    return parts


def _balanced(text, start):
    """Index just past the ')' matching the '(' at text[start]."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return i + 1
    raise DesignError("unbalanced parentheses")


def _verilog_number(tok):
    m = re.fullmatch(r"\s*(\d+)?\s*'\s*[sS]?([hHdDbBoO])\s*([0-9a-fA-F_xXzZ]+)\s*", tok)
    if m:
        base = {"h": 16, "d": 10, "b": 2, "o": 8}[m.group(2).lower()]
        return int(m.group(3).replace("_", ""), base)
    return None


def evaluate(expr, params):
    """Evaluates a constant Verilog expression over integer parameters."""
    def number(m):
        value = _verilog_number(m.group(0))
        return str(value) if value is not None else m.group(0)
    # One line: a default spread over several lines (pr_xlconcat's dout_width) is still
    # one expression, and Python's eval would read a leading indent as a syntax error.
    expr = " ".join(expr.split())
    py = re.sub(r"\d*\s*'\s*[sS]?[hHdDbBoO]\s*[0-9a-fA-F_]+", number, expr)
    py = py.replace("$clog2", "clog2").replace("/", "//")
    py = re.sub(r"\?", " if ", py) if "?" in py else py
    if " if " in py:
        raise DesignError("conditional expressions in port widths are not supported: %s" % expr)
    names = dict(params)
    names["clog2"] = lambda v: max(0, math.ceil(math.log2(v))) if v > 0 else 0
    try:
        return int(eval(py, {"__builtins__": {}}, names))  # constant expressions only
    except Exception as e:  # noqa: BLE001 - reported with context
        raise DesignError("cannot evaluate %r: %s" % (expr, e))


def read_module(path, module, overrides):
    """{'params': {name: int}, 'ports': {name: (dir, width)}} of `module` in `path`."""
    with open(path) as f:
        text = _strip_comments(f.read())
    m = re.search(r"\bmodule\s+%s\b" % re.escape(module), text)
    if not m:
        raise DesignError("%s: no module %s" % (path, module))
    pos = m.end()
    params = {}
    rest = text[pos:].lstrip()
    pos = len(text) - len(rest)
    if not rest.startswith("#") and _non_ansi(text, pos):
        return _read_non_ansi(path, module, overrides)
    if rest.startswith("#"):
        open_at = text.index("(", pos)
        end = _balanced(text, open_at)
        for decl in _split_top(text[open_at + 1:end - 1]):
            pm = re.match(r"\s*parameter\s+(?:integer\s+|signed\s+)?(?:\[[^\]]*\]\s*)?(\w+)\s*="
                          r"\s*(.+?)\s*$", decl, re.S)
            if not pm:
                raise DesignError("%s: cannot read parameter declaration %r" % (path, decl))
            params[pm.group(1)] = pm.group(2)
        pos = end
    for name, value in overrides.items():
        if name not in params:
            raise DesignError("%s: module %s has no parameter %s" % (path, module, name))
        # Integers only: a string would be evaluated, and a huge value makes a port of
        # billions of bits that the generator would then spell out bit by bit.
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 1 << 32:
            raise DesignError("%s: parameter %s is %r, not an integer in 0..2^32-1" %
                              (module, name, value))
        params[name] = value
    values = {}
    for name, value in params.items():
        values[name] = value if isinstance(value, int) else evaluate(str(value), values)
    open_at = text.index("(", pos)
    end = _balanced(text, open_at)
    ports = {}
    for decl in _split_top(text[open_at + 1:end - 1]):
        pm = re.match(r"\s*(input|output|inout)\s+(?:wire\s+|reg\s+|logic\s+)?(?:signed\s+)?"
                      r"(?:\[([^:\]]+):([^\]]+)\]\s*)?(\w+)\s*$", decl, re.S)
        if not pm:
            raise DesignError("%s: cannot read port declaration %r (ANSI ports expected)"
                              % (path, decl.strip()))
        width = 1
        if pm.group(2) is not None:
            width = abs(evaluate(pm.group(2), values) - evaluate(pm.group(3), values)) + 1
        if width > MAX_PORT_BITS:
            raise DesignError("%s: port %s of %s is %d bits wide, more than %d" %
                              (path, pm.group(4), module, width, MAX_PORT_BITS))
        ports[pm.group(4)] = ({"input": "I", "output": "O", "inout": "IO"}[pm.group(1)], width)
    return {"params": values, "ports": ports}


def _non_ansi(text, pos):
    """True when the port list at text[pos] names ports without declaring them (HLS style:
    `module k (ap_clk, ap_rst_n, ...); input ap_clk; ...`)."""
    if not text[pos:].lstrip().startswith("("):
        return False
    open_at = text.index("(", pos)
    items = _split_top(text[open_at + 1:_balanced(text, open_at) - 1])
    return bool(items) and all(re.fullmatch(r"\s*[A-Za-z_]\w*\s*", i) for i in items)


def _read_non_ansi(path, module, overrides):
    for name, value in overrides.items():
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 1 << 32:
            raise DesignError("%s: parameter %s is %r, not an integer in 0..2^32-1" %
                              (module, name, value))
    try:
        info = hls_rtl.read_ports(path, module, overrides)
    except hls_rtl.RtlError as e:
        raise DesignError(str(e)) from None
    return {"params": info["params"], "ports": info["ports"]}


def resolve_port(inst, ports, name):
    """The module's port for `name` as the manifest (or the .hwh) spells it: the instance's
    "port_map" first, then the exact name, then the name ignoring case (HLS writes
    s_axi_control_AWADDR where gen_top asks for prefix + "awaddr"). None if there is none."""
    port_map = inst.get("port_map") or {}
    if name in port_map:
        target = port_map[name]
        if target not in ports:
            raise DesignError("%s: port_map sends %s to %s, which module %s lacks" %
                              (inst["name"], name, target, inst["module"]))
        return target
    if name in ports:
        return name
    low = [p for p in ports if p.lower() == name.lower()]
    if len(low) > 1:
        raise DesignError("%s: %s matches %s ignoring case; name one in \"port_map\"" %
                          (inst["name"], name, " and ".join(low)))
    return low[0] if low else None


def interface_members(inst, ports, ifname, spec):
    """{logical signal, lower case: module port} of an interface given by "prefix" (matched
    ignoring case, the instance's "port_map" consulted) or by its own "port_map"."""
    name = inst["name"]
    members = {}
    if "port_map" in spec:
        for logical, target in spec["port_map"].items():
            port = resolve_port(inst, ports, target)
            if port is None:
                raise DesignError("%s/%s: %s (%s) is no port of module %s" %
                                  (name, ifname, target, logical, inst["module"]))
            members[logical.lower()] = port
        return members
    prefix = spec["prefix"]
    for p in ports:
        if p.lower().startswith(prefix.lower()) and len(p) > len(prefix):
            key = p[len(prefix):].lower()
            if key in members:
                raise DesignError("%s/%s: %s and %s differ only in case" %
                                  (name, ifname, members[key], p))
            members[key] = p
    for alias, target in (inst.get("port_map") or {}).items():
        if alias.lower().startswith(prefix.lower()) and len(alias) > len(prefix):
            members[alias[len(prefix):].lower()] = resolve_port(inst, ports, alias)
    return members


# ---- the design model -------------------------------------------------------------------------

AXIS_SIGNALS = ("tdata", "tkeep", "tlast", "tvalid", "tready")
AXIS_FORWARD = ("tdata", "tkeep", "tlast", "tvalid")
LITE_SIGNALS = ("awaddr", "awvalid", "awready", "wdata", "wstrb", "wvalid", "wready", "bresp",
                "bvalid", "bready", "araddr", "arvalid", "arready", "rdata", "rresp", "rvalid",
                "rready")
# Shell m_axi_<short>_* signals of one channel group: name -> (direction seen from the
# master, kind). Widths by kind: sig_width(); defaults for what a master lacks: _default().
READ_SIGNALS = {"araddr": ("O", "addr"), "arlen": ("O", "len"), "arsize": ("O", "size"),
                "arburst": ("O", "burst"), "arvalid": ("O", "valid"), "arready": ("I", "ready"),
                "rdata": ("I", "data"), "rresp": ("I", "resp"), "rlast": ("I", "last"),
                "rvalid": ("I", "valid"), "rready": ("O", "ready")}
WRITE_SIGNALS = {"awaddr": ("O", "addr"), "awlen": ("O", "len"), "awsize": ("O", "size"),
                 "awburst": ("O", "burst"), "awvalid": ("O", "valid"),
                 "awready": ("I", "ready"), "wdata": ("O", "data"), "wstrb": ("O", "strb"),
                 "wlast": ("O", "last"), "wvalid": ("O", "valid"), "wready": ("I", "ready"),
                 "bresp": ("I", "resp"), "bvalid": ("I", "valid"), "bready": ("O", "ready")}


def sig_width(kind, data_bits, addr_bits):
    return {"addr": addr_bits, "len": 8, "size": 3, "burst": 2, "data": data_bits,
            "strb": data_bits // 8, "resp": 2}.get(kind, 1)


def _default(kind, data_bits, addr_bits):
    """AXI defaults for a master output the core lacks: full-width INCR single beats, and
    ready always (a master without RREADY/BREADY takes every beat)."""
    width = sig_width(kind, data_bits, addr_bits)
    if kind == "size":
        return "3'd%d" % ((data_bits // 8).bit_length() - 1)
    if kind == "burst":
        return "2'd1"
    if kind == "ready":
        return "1'b1"
    return "%d'd0" % width


def _int(value):
    return value if isinstance(value, int) else int(str(value), 0)


def split_pin(ref, what):
    inst, sep, port = ref.partition("/")
    if not sep or not inst or not port:
        raise DesignError("%s: %r is not instance/port" % (what, ref))
    return inst, port


class Design:
    """A format-2 manifest with every instance's ports resolved."""

    def __init__(self, manifest_path, manifest=None):
        if manifest is None:
            with open(manifest_path) as f:
                manifest = json.load(f)
        self.m = manifest
        self.dir = os.path.dirname(os.path.abspath(manifest_path))
        if manifest.get("format") != 2:
            raise DesignError("gen_top needs a format-2 manifest")
        check_names(manifest)
        self.fam = ps_of(manifest)
        self.family = self.fam["family"]
        self.name = manifest["name"]
        self.top = manifest.get("top", self.name)
        self.instances = {}
        sources = [source_path(self.dir, s) for s in manifest["sources"]]
        self.sources = sources
        self._check_ps_ports()
        for inst in manifest["instances"]:
            name = inst["name"]
            if name in self.instances or name in self.fam["irq"]:
                raise DesignError("instance name %s used twice" % name)
            if "module" not in inst:
                raise DesignError("%s: format 2 needs \"module\"" % name)
            found = None
            for src in sources:
                with open(src) as f:
                    if re.search(r"\bmodule\s+%s\b" % re.escape(inst["module"]),
                                 _strip_comments(f.read())):
                        found = src
                        break
            if not found:
                raise DesignError("%s: module %s is in none of the sources" %
                                  (name, inst["module"]))
            info = read_module(found, inst["module"], inst.get("params", {}))
            info["manifest"] = inst
            info["interfaces"] = {}
            for ifname, spec in inst.get("interfaces", {}).items():
                members = interface_members(inst, info["ports"], ifname, spec)
                if not members:
                    raise DesignError("%s/%s: no port starts with %r" %
                                      (name, ifname, spec.get("prefix")))
                info["interfaces"][ifname] = dict(spec, ports=members)
            # Clock and reset as the module spells them (HLS: ap_clk, ap_rst_n or ap_rst).
            info["clock"] = resolve_port(inst, info["ports"], inst.get("clock_port", "clk"))
            info["reset"] = resolve_port(inst, info["ports"], inst.get("reset_port", "rst_n"))
            for key in ("clock_port", "reset_port"):
                if key in inst and info[key[:5]] is None:
                    raise DesignError("%s: %s %s is no port of module %s" %
                                      (name, key, inst[key], inst["module"]))
            busy = inst.get("busy_signal")
            if busy is not None and not _IDENTIFIER.fullmatch(str(busy)):
                raise DesignError("%s: busy_signal %r is not an identifier" % (name, busy))
            self.instances[name] = info
        self._check_addresses()
        self._check_masters()

    # -- lookups
    def inst(self, name, what):
        if name not in self.instances:
            raise DesignError("%s: no instance %s" % (what, name))
        return self.instances[name]

    def port(self, ref, what, direction=None):
        inst, port = split_pin(ref, what)
        ports = self.inst(inst, what)["ports"]
        port = resolve_port(self.inst(inst, what)["manifest"], ports, port) or port
        if port not in ports:
            raise DesignError("%s: %s has no port %s" % (what, inst, port))
        if direction and ports[port][0] != direction:
            raise DesignError("%s: %s/%s is not an %s" %
                              (what, inst, port, "output" if direction == "O" else "input"))
        return inst, port, ports[port][1]

    def interface(self, ref, what, kind=None, mode=None):
        inst, ifname = split_pin(ref, what)
        ifs = self.inst(inst, what)["interfaces"]
        if ifname not in ifs:
            raise DesignError("%s: %s has no interface %s" % (what, inst, ifname))
        spec = ifs[ifname]
        if kind and spec["type"] != kind:
            raise DesignError("%s: %s is %s, not %s" % (what, ref, spec["type"], kind))
        if mode and spec.get("mode") != mode:
            raise DesignError("%s: %s is not a %s" % (what, ref, mode))
        return inst, ifname, spec

    def slaves(self):
        """Addressed instances: (name, base, range, interface spec), in manifest order."""
        out = []
        for name, info in self.instances.items():
            inst = info["manifest"]
            if "base" not in inst:
                continue
            ifname = inst["interface"]
            if ifname not in info["interfaces"]:
                raise DesignError("%s: slave interface %s not in \"interfaces\"" % (name, ifname))
            out.append((name, _int(inst["base"]), _int(inst["range"]), info["interfaces"][ifname]))
        return out

    def _check_addresses(self):
        spans = []
        for name, base, rng, spec in self.slaves():
            if rng <= 0 or rng & (rng - 1) or base % rng:
                raise DesignError("%s: range must be a power of two and base aligned to it" % name)
            for other, b, r in spans:
                if base < b + r and b < base + rng:
                    raise DesignError("%s and %s overlap" % (name, other))
            spans.append((name, base, rng))
            for sig in LITE_SIGNALS:
                if sig not in spec["ports"]:
                    raise DesignError("%s: AXI4-Lite interface lacks %s%s" %
                                      (name, spec.get("prefix", ""), sig))
        check_low32(spans, self.fam["low_windows"])

    def _check_ps_ports(self):
        """PS port names against the family; slave port widths the family's."""
        fam = self.fam
        ps = self.m.get("ps", {})
        for port in ps.get("master_ports", {}):
            if port not in fam["master_ports"]:
                raise DesignError("ps.master_ports: %s is not a PS master port of %s (%s)" %
                                  (port, fam["title"], ", ".join(fam["master_ports"])))
        for port, bits in ps.get("slave_ports", {}).items():
            if port not in fam["slave_ports"]:
                raise DesignError("ps.slave_ports: %s is not a PS slave port of %s (%s)" %
                                  (port, fam["title"], ", ".join(fam["slave_ports"])))
            allowed = fam["slave_bits"][port]
            if isinstance(bits, bool) or bits not in allowed:
                raise DesignError("ps.slave_ports: %s is %r bits wide; on a %s it takes %s" %
                                  (port, bits, fam["title"],
                                   " or ".join(str(b) for b in allowed)))
        for inst in self.m["instances"]:
            if "base" in inst and "ps_port" not in inst:
                # No port named: a window above 4 GiB must still be one of the board's.
                base, rng = _int(inst["base"]), _int(inst["range"])
                if base + rng > LOW32 and not any(
                        lo <= base and base + rng <= lo + size
                        for windows in fam["master_ports"].values() for lo, size in windows):
                    raise DesignError("%s: window 0x%X..0x%X is above 4 GiB and in no PL window "
                                      "of the %s" % (inst["name"], base, base + rng - 1,
                                                     fam["board"]))
            if "base" not in inst or "ps_port" not in inst:
                continue
            port = inst["ps_port"]
            if port not in fam["master_ports"]:
                raise DesignError("%s: ps_port %s is not a PS master port of %s (%s)" %
                                  (inst["name"], port, fam["title"],
                                   ", ".join(fam["master_ports"])))
            windows = fam["master_ports"][port]
            base, rng = _int(inst["base"]), _int(inst["range"])
            if not any(lo <= base and base + rng <= lo + size for lo, size in windows):
                raise DesignError("%s: window 0x%08X..0x%08X is outside %s's %s" %
                                  (inst["name"], base, base + rng - 1, port,
                                   " and ".join("0x%08X..0x%08X" % (lo, lo + size - 1)
                                                for lo, size in windows)))

    def master_ports(self):
        """The PS slave ports the design's masters use, in the family's port order: a list of
        {"name", "short", "data_bits", "addr_bits", "read": [(inst, ifname, spec)],
        "write": [...]}; masters sharing a direction of one port go through an arbiter."""
        fam = self.fam
        widths = self.m.get("ps", {}).get("slave_ports", {})
        ports = {}
        seen = set()
        for entry in self.m.get("masters", []):
            ref = "%s/%s" % (entry["instance"], entry["interface"])
            inst, ifname, spec = self.interface(ref, "masters", "aximm", "master")
            if ref in seen:
                raise DesignError("masters: %s listed twice" % ref)
            seen.add(ref)
            name = entry.get("ps_port", next(iter(fam["slave_ports"])))
            if name not in fam["slave_ports"]:
                raise DesignError("masters: %s is on %s, which is not a PS slave port of %s "
                                  "(%s)" % (ref, name, fam["title"],
                                            ", ".join(fam["slave_ports"])))
            if name not in widths:
                raise DesignError("masters: %s is on %s, which \"ps\".\"slave_ports\" does "
                                  "not list (add it with its data width, %s)" %
                                  (ref, name, "/".join(str(b) for b in fam["slave_bits"][name])))
            port = ports.setdefault(name, {"name": name, "short": fam["slave_ports"][name],
                                           "data_bits": widths[name],
                                           "addr_bits": fam["addr_bits"],
                                           "read": [], "write": []})
            channels = [ch for ch, sig in (("read", "arvalid"), ("write", "awvalid"))
                        if sig in spec["ports"]]
            if not channels:
                raise DesignError("masters: %s has neither arvalid nor awvalid" % ref)
            for ch in channels:
                port[ch].append((inst, ifname, spec))
        order = list(fam["slave_ports"])
        return [ports[n] for n in sorted(ports, key=order.index)]

    def _check_masters(self):
        need = set()
        for port in self.master_ports():
            dw, aw = port["data_bits"], port["addr_bits"]
            for ch, table in (("read", READ_SIGNALS), ("write", WRITE_SIGNALS)):
                if len(port[ch]) > 1:
                    need.add(("pr_axi_%s_arbiter" % ("rd" if ch == "read" else "wr"),
                              INTERCONNECT_SOURCE))
                for inst, ifname, spec in port[ch]:
                    ref = "%s/%s" % (inst, ifname)
                    data = "rdata" if ch == "read" else "wdata"
                    if data not in spec["ports"]:
                        raise DesignError("masters: %s has %s but no %s" %
                                          (ref, "arvalid" if ch == "read" else "awvalid", data))
                    mdw = self.instances[inst]["ports"][spec["ports"][data]][1]
                    if (mdw, dw) in UPSIZER_WIDTHS:
                        # narrower than the port: an upsizer in between; the master's own
                        # signals are checked against its own width
                        need.add(("pr_axi_upsizer", UPSIZER_SOURCE))
                    else:
                        mdw = dw
                    for sig, (direction, kind) in table.items():
                        if sig not in spec["ports"]:
                            continue
                        pdir, pwidth = self.instances[inst]["ports"][spec["ports"][sig]]
                        if pdir != direction:
                            raise DesignError("%s: %s has the wrong direction" % (ref, sig))
                        width = sig_width(kind, mdw, aw)
                        if kind == "data" and pwidth != width:
                            raise DesignError(
                                "masters: %s is %d bits wide (%s), %s is %d bits "
                                "(\"ps\".\"slave_ports\"); a master must match its port's "
                                "width or be narrower (32 bits on 64 or 128, 64 on 128: an "
                                "upsizer converts): set the core's data width parameter or "
                                "the port's width" % (ref, pwidth, sig, port["name"], dw))
                        if kind == "addr":
                            if not 12 <= pwidth <= 64:
                                raise DesignError("%s: %s is %d bits, not 12..64" %
                                                  (ref, sig, pwidth))
                        elif pwidth > width or (pwidth != width and kind != "len"):
                            raise DesignError("%s: %s is %d bits, the shell's m_axi_%s_%s "
                                              "is %d" % (ref, sig, pwidth, port["short"], sig,
                                                         width))
        for module, source in sorted(need):
            if not any(_defines(src, module) for src in self.sources):
                raise DesignError(
                    "masters: %s, which needs module %s: add %s to \"sources\"" %
                    ("a PS slave port is shared" if source == INTERCONNECT_SOURCE else
                     "a master is narrower than its PS slave port", module,
                     os.path.relpath(os.path.abspath(source), self.dir)))

    def add_upsizer(self, inst, ifname, spec, port_bits, drive, use):
        """Puts a pr_axi_upsizer between the narrow master inst/ifname and its port of
        `port_bits` (its channels only); returns (instance, interface, spec) of its wide side,
        which stands in for the master from there on."""
        name = "%s_%s_upsizer" % (inst, ifname)
        if name in self.instances:
            raise DesignError("instance name %s used twice (gen_top's upsizer for %s/%s)" %
                              (name, inst, ifname))
        ports = self.instances[inst]["ports"]
        tables = [t for t, valid in ((READ_SIGNALS, "arvalid"), (WRITE_SIGNALS, "awvalid"))
                  if valid in spec["ports"]]
        data = spec["ports"].get("rdata") or spec["ports"]["wdata"]
        mdw = ports[data][1]
        aw = max(ports[spec["ports"][a]][1] for a in ("araddr", "awaddr") if a in spec["ports"])
        params = {"AW": aw, "NDW": mdw, "WDW": port_bits}
        source = next(s for s in self.sources if _defines(s, "pr_axi_upsizer"))
        info = read_module(source, "pr_axi_upsizer", params)
        info["manifest"] = {"name": name, "module": "pr_axi_upsizer", "params": params}
        for table in tables:
            for sig, (direction, kind) in table.items():
                up = "s_" + sig
                if direction == "I":  # into the master: from the upsizer, when it has it
                    if sig in spec["ports"]:
                        drive(inst, spec["ports"][sig], use(name, up))
                    continue
                if sig not in spec["ports"]:
                    drive(name, up, _default(kind, mdw, aw))
                    continue
                width, want = ports[spec["ports"][sig]][1], info["ports"][up][1]
                src = use(inst, spec["ports"][sig])
                drive(name, up, src if width == want else "{%d'd0, %s}" % (want - width, src))
        self.instances[name] = info
        wide = {"type": "aximm", "mode": "master", "prefix": "m_",
                "ports": {sig: "m_" + sig for table in tables for sig in table}}
        return name, "M", wide

    def emio_port(self, name):
        """The shell EMIO port `name` stands for (its Zynq-7000 alias resolved), or None."""
        if self.family == "zynq7000" and name in EMIO_ALIASES:
            name = EMIO_ALIASES[name]
        return name if name in EMIO_PORTS else None

    def emio(self):
        """The "emio" entries as (ps_port, first pin, width, inst, port, ps_drives):
        ps_drives True for emio_gpio_o/_t -> an instance input, False for an instance output
        -> emio_gpio_i. Refuses a slice outside the family's pins, an emio_gpio_i pin driven
        twice, an entry not between the PS and an instance."""
        out, driven = [], {}
        pins = EMIO_BITS[self.family]
        names = ", ".join(EMIO_PORTS) + (" (or GPIO_O, GPIO_T, GPIO_I)"
                                         if self.family == "zynq7000" else "")
        for n, entry in enumerate(self.m.get("emio", [])):
            what = "emio[%d]" % n
            if not isinstance(entry, dict) or "from" not in entry or "to" not in entry:
                raise DesignError("%s: needs \"from\" and \"to\"" % what)
            src, dst = self.emio_port(entry["from"]), self.emio_port(entry["to"])
            if src is not None and EMIO_PORTS[src]:
                inst, port, width = self.port(entry["to"], what, "I")
                ps_port, ps_drives = src, True
            elif dst is not None and not EMIO_PORTS[dst]:
                inst, port, width = self.port(entry["from"], what, "O")
                ps_port, ps_drives = dst, False
            else:
                raise DesignError("%s: %s -> %s is not between the PS's EMIO and an instance "
                                  "(the PS side is one of %s: emio_gpio_o/emio_gpio_t drive "
                                  "an instance input, an instance output drives emio_gpio_i)"
                                  % (what, entry["from"], entry["to"], names))
            if "index" not in entry:
                raise DesignError("%s: needs \"index\", the first EMIO pin of the slice" % what)
            first = entry["index"]
            if not isinstance(first, int) or isinstance(first, bool):
                raise DesignError("%s: index %r is not a number (the first EMIO pin)" %
                                  (what, first))
            if first < 0 or first + width > pins:
                raise DesignError("%s: EMIO pins %d..%d of %s: %s has EMIO pins 0..%d" %
                                  (what, first, first + width - 1, ps_port, self.fam["title"],
                                   pins - 1))
            if not ps_drives:
                for b in range(first, first + width):
                    if b in driven:
                        raise DesignError("%s: emio_gpio_i pin %d driven twice (%s and %s/%s)"
                                          % (what, b, driven[b], inst, port))
                    driven[b] = "%s/%s" % (inst, port)
            out.append((ps_port, first, width, inst, port, ps_drives))
        return out

    def interrupt_sinks(self):
        """{sink: {index: (inst, port)}}; sink is a PS input's name (pl_ps_irq0/1, IRQ_F2P:
        is_ps_irq) or (controller instance, its port)."""
        sinks = {}
        for entry in self.m.get("interrupts", []):
            inst, port, width = self.port(entry["from"], "interrupts", "O")
            if width != 1:
                raise DesignError("interrupts: %s is %d bits wide" % (entry["from"], width))
            if entry["to"] in self.fam["irq"]:
                sink, limit = entry["to"], self.fam["irq"][entry["to"]][1]
            elif entry["to"] in ("pl_ps_irq0", "pl_ps_irq1", "IRQ_F2P"):
                raise DesignError("interrupts: %s is not an interrupt input of %s (%s)" %
                                  (entry["to"], self.fam["title"],
                                   ", ".join(self.fam["irq"])))
            else:
                sink_port = entry.get("port", "intr")
                _, _, limit = self.port("%s/%s" % (entry["to"], sink_port), "interrupts", "I")
                sink = (entry["to"], sink_port)
            index = int(entry["index"])
            if not 0 <= index < limit:
                raise DesignError("interrupts: index %d of %s outside 0..%d" %
                                  (index, entry["to"], limit - 1))
            bits = sinks.setdefault(sink, {})
            if index in bits:
                raise DesignError("interrupts: %s input %d driven twice" % (entry["to"], index))
            bits[index] = (inst, port)
        return sinks


def _defines(path, module):
    with open(path) as f:
        return re.search(r"\bmodule\s+%s\b" % re.escape(module), _strip_comments(f.read()))


# ---- Verilog generation ---------------------------------------------------------------------

def _wire(inst, port):
    return "%s__%s" % (inst, port)


def _range(width):
    return "[%d:0] " % (width - 1) if width > 1 else ""


def _bit_vector(width, bits, use):
    """{index: (inst, port)} as a Verilog concatenation of `width` bits, zeros between."""
    terms, zeros = [], 0
    for b in range(width - 1, -1, -1):
        if b in bits:
            if zeros:
                terms.append("%d'd0" % zeros)
                zeros = 0
            terms.append(use(*bits[b]))
        else:
            zeros += 1
    if zeros:
        terms.append("%d'd0" % zeros)
    return "{" + ", ".join(terms) + "}" if len(terms) > 1 else terms[0]


def generate(design):
    d = design
    lines = []
    emit = lines.append
    drivers = {}      # instance input wire -> expression
    consumed = set()  # instance output wires read by something

    def drive(inst, port, expr):
        w = _wire(inst, port)
        if w in drivers:
            raise DesignError("%s/%s driven twice" % (inst, port))
        drivers[w] = expr

    def use(inst, port):
        consumed.add(_wire(inst, port))
        return _wire(inst, port)

    slaves = d.slaves()
    n = len(slaves)
    body = []
    out = body.append

    # -- AXI4-Lite decoder
    if n:
        out("  // ---- AXI4-Lite: decode the address (the low 32 bits of the physical one); the "
            "instance sees address - base ----")
        out("  localparam [1:0] kIdle = 2'd0, kFwd = 2'd1, kResp = 2'd2;")
        out("  localparam [1:0] kDecErr = 2'b11;")
        for i, (name, base, rng, spec) in enumerate(slaves):
            out("  // %d: %s at 0x%08X, range 0x%X%s" %
                (i, name, base, rng, "" if base < LOW32 else
                 " (decoded at its low 32 bits, 0x%08X)" % (base % LOW32)))

        def hits(addr):
            terms = ["(%s & 32'h%08X) == 32'h%08X" % (addr, (~(rng - 1)) & 0xFFFFFFFF,
                                                       base % LOW32)
                     for (_, base, rng, _) in slaves]
            return "{" + ", ".join("(%s)" % t for t in reversed(terms)) + "}"

        def vec(sig):
            return "{" + ", ".join(use(name, spec["ports"][sig])
                                   for (name, _, _, spec) in reversed(slaves)) + "}"
        sel_w = "[%d:0] " % (n - 1)
        out("  reg  [1:0]  wr_state, rd_state;")
        out("  reg  [31:0] wr_addr, wr_data, rd_addr;")
        out("  reg  [3:0]  wr_strb;")
        out("  reg  %swr_sel, rd_sel;  // one-hot instance, 0 = no instance (DECERR)" % sel_w)
        out("  reg         wr_aw_done, wr_w_done, rd_ar_done;")
        out("  // The address decode and the instances' handshakes and responses are written "
            "inline where the\n  // state machine reads them: as wires the model would "
            "evaluate them every cycle (rtl/README.md).")
        def selected(sel, width, sig):
            return "(" + " | ".join(
                "({%d{%s[%d]}} & %s)" % (width, sel, i, use(name, spec["ports"][sig]))
                for i, (name, _, _, spec) in enumerate(slaves)) + ")"
        inline = {
            "zero": "%d'd0" % n,
            "wr_hit": hits("s_axil_awaddr"), "rd_hit": hits("s_axil_araddr"),
            "awready_v": vec("awready"), "wready_v": vec("wready"), "bvalid_v": vec("bvalid"),
            "arready_v": vec("arready"), "rvalid_v": vec("rvalid"),
            "sel_bresp": selected("wr_sel", 2, "bresp"),
            "sel_rresp": selected("rd_sel", 2, "rresp"),
            "sel_rdata": selected("rd_sel", 32, "rdata"),
        }
        out("""
  always @(posedge clk) begin
    if (!rst_n) begin
      wr_state <= kIdle;
      rd_state <= kIdle;
      wr_addr <= 32'd0;
      wr_data <= 32'd0;
      wr_strb <= 4'd0;
      rd_addr <= 32'd0;
      wr_sel <= %(zero)s;
      rd_sel <= %(zero)s;
      wr_aw_done <= 1'b0;
      wr_w_done <= 1'b0;
      rd_ar_done <= 1'b0;
      s_axil_awready <= 1'b0;
      s_axil_wready <= 1'b0;
      s_axil_bvalid <= 1'b0;
      s_axil_bresp <= 2'b00;
      s_axil_arready <= 1'b0;
      s_axil_rvalid <= 1'b0;
      s_axil_rresp <= 2'b00;
      s_axil_rdata <= 32'd0;
    end else begin
      // write: take address and data together, forward, answer with the instance's response
      s_axil_awready <= 1'b0;
      s_axil_wready <= 1'b0;
      case (wr_state)
        kIdle: if (s_axil_awvalid && s_axil_wvalid) begin
          s_axil_awready <= 1'b1;
          s_axil_wready <= 1'b1;
          wr_addr <= s_axil_awaddr;
          wr_data <= s_axil_wdata;
          wr_strb <= s_axil_wstrb;
          wr_sel <= %(wr_hit)s;
          wr_aw_done <= 1'b0;
          wr_w_done <= 1'b0;
          wr_state <= kFwd;
        end
        kFwd: begin
          if (|(wr_sel & %(awready_v)s)) wr_aw_done <= 1'b1;
          if (|(wr_sel & %(wready_v)s)) wr_w_done <= 1'b1;
          if (wr_sel == %(zero)s) begin
            s_axil_bvalid <= 1'b1;
            s_axil_bresp <= kDecErr;
            wr_state <= kResp;
          end else if (|(wr_sel & %(bvalid_v)s)) begin
            s_axil_bvalid <= 1'b1;
            s_axil_bresp <= %(sel_bresp)s;
            wr_state <= kResp;
          end
        end
        default: if (s_axil_bready) begin
          s_axil_bvalid <= 1'b0;
          wr_state <= kIdle;
        end
      endcase
      // read
      s_axil_arready <= 1'b0;
      case (rd_state)
        kIdle: if (s_axil_arvalid) begin
          s_axil_arready <= 1'b1;
          rd_addr <= s_axil_araddr;
          rd_sel <= %(rd_hit)s;
          rd_ar_done <= 1'b0;
          rd_state <= kFwd;
        end
        kFwd: begin
          if (|(rd_sel & %(arready_v)s)) rd_ar_done <= 1'b1;
          if (rd_sel == %(zero)s) begin
            s_axil_rvalid <= 1'b1;
            s_axil_rresp <= kDecErr;
            s_axil_rdata <= 32'd0;
            rd_state <= kResp;
          end else if (|(rd_sel & %(rvalid_v)s)) begin
            s_axil_rvalid <= 1'b1;
            s_axil_rresp <= %(sel_rresp)s;
            s_axil_rdata <= %(sel_rdata)s;
            rd_state <= kResp;
          end
        end
        default: if (s_axil_rready) begin
          s_axil_rvalid <= 1'b0;
          rd_state <= kIdle;
        end
      endcase
    end
  end
""" % inline)
        for i, (name, base, rng, spec) in enumerate(slaves):
            p = spec["ports"]
            aw = d.instances[name]["ports"][p["awaddr"]][1]
            k = int(math.log2(rng))
            for sig, reg in (("awaddr", "wr_addr"), ("araddr", "rd_addr")):
                if aw <= k:
                    expr = "%s[%d:0]" % (reg, aw - 1)
                else:
                    expr = "{%d'd0, %s[%d:0]}" % (aw - k, reg, k - 1)
                drive(name, p[sig], expr)
            if d.instances[name]["ports"][p["wdata"]][1] != 32:
                raise DesignError("%s: AXI4-Lite data must be 32 bits" % name)
            drive(name, p["awvalid"], "wr_state == kFwd && wr_sel[%d] && !wr_aw_done" % i)
            drive(name, p["wvalid"], "wr_state == kFwd && wr_sel[%d] && !wr_w_done" % i)
            drive(name, p["wdata"], "wr_data")
            drive(name, p["wstrb"], "wr_strb")
            drive(name, p["bready"], "wr_state == kFwd && wr_sel[%d]" % i)
            drive(name, p["arvalid"], "rd_state == kFwd && rd_sel[%d] && !rd_ar_done" % i)
            drive(name, p["rready"], "rd_state == kFwd && rd_sel[%d]" % i)
        front_busy = ["wr_state != kIdle", "rd_state != kIdle"]
        # Each instance takes only its offset bits; the full addresses were decoded on entry.
        unused_front = ["wr_addr", "rd_addr"]
    else:
        front_busy = []
        unused_front = []

    # -- masters: one m_axi_<short>_* bundle per PS slave port
    shell_assigns = []
    unused_shell = []
    shell_ports = []
    arbiters = []

    def master_out(inst, spec, sig, kind, dw, aw):
        """A master output as the shell's width wants it: zero-extended, the low address
        bits of a wider address (the rest to the sink), or the AXI default."""
        port = spec["ports"].get(sig)
        if port is None:
            return _default(kind, dw, aw)
        pw = d.instances[inst]["ports"][port][1]
        width = sig_width(kind, dw, aw)
        src = use(inst, port)
        if pw < width:
            return "{%d'd0, %s}" % (width - pw, src)
        if pw > width:
            unused_shell.append(src)
            return "%s[%d:0]" % (src, width - 1)
        return src

    upsizers = {}  # (instance, interface) of a narrow master -> its upsizer's wide side

    def upsized(entry, dw):
        """The master as its port sees it: itself, or an upsizer's wide side (one per
        interface, for both its channels)."""
        inst, ifname, spec = entry
        data = spec["ports"].get("rdata") or spec["ports"]["wdata"]
        if d.instances[inst]["ports"][data][1] == dw:
            return entry
        if (inst, ifname) not in upsizers:
            upsizers[(inst, ifname)] = d.add_upsizer(inst, ifname, spec, dw, drive, use)
        return upsizers[(inst, ifname)]

    for mp in d.master_ports():
        short, dw, aw = mp["short"], mp["data_bits"], mp["addr_bits"]
        pre = "m_axi_%s_" % short
        out("  // ---- %s (%s): %d-bit data ----" % (mp["name"], pre, dw))
        for ch, table in (("read", READ_SIGNALS), ("write", WRITE_SIGNALS)):
            masters = [upsized(entry, dw) for entry in mp[ch]]
            if not masters:
                out("  // %s channels: none (the bundle is %s-only)" %
                    (ch, "write" if ch == "read" else "read"))
                continue
            for sig, (direction, kind) in table.items():
                shell_ports.append("    %s wire %-7s%s%s," % (
                    "output" if direction == "O" else "input ", _range(sig_width(kind, dw, aw)),
                    pre, sig))
            out("  // %s channels: %s" % (ch, ", ".join("%s/%s" % (i, f) for i, f, _ in masters)))
            if len(masters) == 1:
                inst, _, spec = masters[0]
                for sig, (direction, kind) in table.items():
                    if direction == "O":
                        shell_assigns.append("  assign %s%s = %s;" %
                                             (pre, sig, master_out(inst, spec, sig, kind, dw, aw)))
                    elif sig in spec["ports"]:
                        drive(inst, spec["ports"][sig], pre + sig)
                    else:
                        unused_shell.append(pre + sig)
                continue
            # Several masters: round-robin, one burst at a time (common/axi_interconnect.v).
            n = len(masters)
            arb = "%s_%s_arb" % (short, "rd" if ch == "read" else "wr")
            routed = ("arready", "rvalid") if ch == "read" else ("awready", "wready", "bvalid")
            shared = ("rdata", "rresp", "rlast") if ch == "read" else ("bresp",)
            conns = []
            for sig, (direction, kind) in table.items():
                if direction == "O":
                    terms = [master_out(inst, spec, sig, kind, dw, aw)
                             for inst, _, spec in reversed(masters)]
                    conns.append((sig, "s_" + sig, "{" + ", ".join(terms) + "}"))
                    conns.append((sig, "m_" + sig, pre + sig))
                elif sig in routed:
                    out("  wire [%d:0] %s_%s;" % (n - 1, arb, sig))
                    conns.append((sig, "s_" + sig, "%s_%s" % (arb, sig)))
                    conns.append((sig, "m_" + sig, pre + sig))
                    for i, (inst, ifname, spec) in enumerate(masters):
                        if sig not in spec["ports"]:
                            raise DesignError("masters: %s/%s lacks %s, which a shared port "
                                              "needs" % (inst, ifname, sig))
                        drive(inst, spec["ports"][sig], "%s_%s[%d]" % (arb, sig, i))
                elif sig in shared:
                    # the port's beat goes to every master; only its VALID is routed
                    users = [(inst, spec) for inst, _, spec in masters if sig in spec["ports"]]
                    for inst, spec in users:
                        drive(inst, spec["ports"][sig], pre + sig)
                    if not users:
                        unused_shell.append(pre + sig)
                    if sig == "rlast":
                        conns.append((sig, "m_rlast", pre + sig))
                else:  # valid inputs handled above; nothing else
                    raise DesignError("internal: %s unrouted" % sig)
            if ch == "read":
                params = ".N(%d), .AW(%d)" % (n, aw)
                module = "pr_axi_rd_arbiter"
            else:
                params = ".N(%d), .AW(%d), .DW(%d)" % (n, aw, dw)
                module = "pr_axi_wr_arbiter"
            arbiters.append("  %s #(%s) %s (\n      .clk(clk),\n      .rst_n(rst_n),\n%s);" % (
                module, params, arb, ",\n".join("      .%s(%s)" % (pin, expr)
                                                 for _, pin, expr in conns)))

    # -- streams
    for s in d.m.get("streams", []):
        mi, mif, ms = d.interface(s["from"], "streams", "axis", "master")
        si, sif, ss = d.interface(s["to"], "streams", "axis", "slave")
        for sig in AXIS_FORWARD:
            src, dst = ms["ports"].get(sig), ss["ports"].get(sig)
            if dst is None:
                if src is not None and sig != "tkeep" and sig != "tlast":
                    raise DesignError("streams: %s has %s, %s has not" % (s["from"], sig, s["to"]))
                continue
            dw = d.instances[si]["ports"][dst][1]
            if src is None:
                if sig != "tkeep":
                    raise DesignError("streams: %s lacks %s" % (s["from"], sig))
                drive(si, dst, "{%d{1'b1}}" % dw)
                continue
            sw = d.instances[mi]["ports"][src][1]
            if sw != dw:
                raise DesignError("streams: %s.%s is %d bits, %s.%s is %d (add a width "
                                  "converter)" % (s["from"], sig, sw, s["to"], sig, dw))
            drive(si, dst, use(mi, src))
        if "tready" not in ss["ports"] or "tready" not in ms["ports"]:
            raise DesignError("streams: %s -> %s needs tready on both sides" %
                              (s["from"], s["to"]))
        drive(mi, ms["ports"]["tready"], use(si, ss["ports"]["tready"]))

    # -- wires
    for w in d.m.get("wires", []):
        fi, fp, fw = d.port(w["from"], "wires", "O")
        ti, tp, tw = d.port(w["to"], "wires", "I")
        if fw != tw:
            raise DesignError("wires: %s is %d bits, %s is %d" % (w["from"], fw, w["to"], tw))
        drive(ti, tp, use(fi, fp))

    # -- interrupts: into a controller's input vector, or a PS input's bits of irq[15:0]
    irq_bits = {}
    for sink, bits in sorted(d.interrupt_sinks().items(), key=lambda kv: str(kv[0])):
        if is_ps_irq(sink):
            first = d.fam["irq"][sink][0]
            for b, src in bits.items():
                irq_bits[first + b] = src
            continue
        drive(sink[0], sink[1], _bit_vector(d.instances[sink[0]]["ports"][sink[1]][1], bits, use))
    irq_expr = _bit_vector(16, irq_bits, use)

    # -- EMIO: PS outputs sliced into instance inputs, instance outputs into emio_gpio_i
    emio = d.emio()
    emio_pins = EMIO_BITS[d.family]
    emio_expr = None
    if emio or "emio" in d.m:
        slices = []
        for ps_port, first, width, inst, port, ps_drives in emio:
            if ps_drives:
                drive(inst, port, "%s[%d:%d]" % (ps_port, first + width - 1, first)
                      if width > 1 else "%s[%d]" % (ps_port, first))
            else:
                slices.append((first, width, use(inst, port)))
        terms, at = [], emio_pins
        for first, width, expr in sorted(slices, reverse=True):
            if first + width < at:
                terms.append("%d'd0" % (at - first - width))
            terms.append(expr)
            at = first
        if at:
            terms.append("%d'd0" % at)
        emio_expr = "{" + ", ".join(terms) + "}" if len(terms) > 1 else terms[0]
        # Whole: the pins no slice reads would be Verilator's UNUSEDSIGNAL bits.
        unused_shell += ["emio_gpio_o", "emio_gpio_t"]

    # -- clocks, resets, busy
    busy_terms = list(front_busy)
    for name, info in d.instances.items():
        inst = info["manifest"]
        # Instances gen_top adds itself (no manifest entry of the user's) keep clk/rst_n.
        clock = info.get("clock", inst.get("clock_port", "clk"))
        reset = info.get("reset", inst.get("reset_port", "rst_n"))
        if clock in info["ports"]:
            drive(name, clock, "clk")
        if reset in info["ports"]:
            drive(name, reset, "!rst_n" if inst.get("reset_active_high") else "rst_n")
        if inst.get("busy_signal"):
            # An HLS kernel has no busy port: it works while its FSM is not idle. A
            # hierarchical read of the instance's own signal (ap_idle) says so.
            busy_terms.append("!%s.%s" % (name, inst["busy_signal"]))
        elif "busy" in info["ports"] and info["ports"]["busy"][0] == "O":
            busy_terms.append(use(name, "busy"))

    # -- declarations and instances
    head = []
    head.append("// Generated by rtl/tools/gen_top.py from designs/%s/manifest.json: do not edit."
                % d.name)
    head.append("// The shell top (rtl/README.md) of design %s." % d.name)
    head.append("`default_nettype none")
    head.append(SHELL_HEAD % d.top)
    head += shell_ports
    if emio_expr is not None:
        head.append("    input  wire [%d:0] emio_gpio_o," % (emio_pins - 1))
        head.append("    input  wire [%d:0] emio_gpio_t," % (emio_pins - 1))
        head.append("    output wire [%d:0] emio_gpio_i," % (emio_pins - 1))
    head.append(SHELL_TAIL)
    tied = []
    inst_lines = []
    unused = []
    for name, info in d.instances.items():
        inst = info["manifest"]
        for port, (direction, width) in info["ports"].items():
            w = _wire(name, port)
            head.append("  wire %s%s;" % (_range(width), w))
            if direction == "I" and w not in drivers:
                # An AXI4-Stream TSTRB or TKEEP nobody drives says "every byte is data" (all
                # ones), as Vivado ties them; anything else (m_axi RID/RUSER/BID, TUSER) is 0.
                ones = any(spec["type"] == "axis" and port in (spec["ports"].get("tstrb"),
                                                              spec["ports"].get("tkeep"))
                           for spec in info.get("interfaces", {}).values())
                drivers[w] = "{%d{1'b1}}" % width if ones else "%d'd0" % width
                tied.append("%s/%s%s" % (name, port, " (to ones)" if ones else ""))
            if direction == "O" and w not in consumed:
                unused.append(w)
        params = inst.get("params", {})
        ptext = ""
        if params:
            ptext = " #(\n" + ",\n".join("      .%s(%s)" % (k, v) for k, v in params.items()) + \
                    "\n  )"
        inst_lines.append("  %s%s %s (" % (inst["module"], ptext, name))
        inst_lines.append(",\n".join("      .%s(%s)" % (p, _wire(name, p))
                                     for p in info["ports"]) + ");")
    if tied:
        head.append("  // Tied to 0 (nothing drives them): " + ", ".join(tied))
    lines = head + [""] + body
    lines.append("  // ---- instance inputs ----")
    for w, expr in drivers.items():
        lines.append("  assign %s = %s;" % (w, expr))
    lines += shell_assigns
    lines.append("  assign irq = %s;" % irq_expr)
    if emio_expr is not None:
        lines.append("  assign emio_gpio_i = %s;" % emio_expr)
    lines.append("  assign busy = %s;" % (" || ".join(busy_terms) if busy_terms else "1'b0"))
    if unused + unused_shell + unused_front:
        lines.append("  // Signals nobody reads (Verilator's -Wall exempts *unused* names).")
        lines.append("  wire sink_unused = &{1'b0, %s};" %
                     ", ".join(unused + unused_shell + unused_front))
    lines.append("")
    lines += inst_lines
    if arbiters:
        lines.append("")
        lines.append("  // ---- arbiters of the shared PS slave ports (common/axi_interconnect.v) ----")
        lines += arbiters
    lines += ["endmodule", "`default_nettype wire", ""]
    return "\n".join(lines)


SHELL_HEAD = """module %s (
    input  wire        clk,
    input  wire        rst_n,
    input  wire [31:0] s_axil_awaddr,
    input  wire        s_axil_awvalid,
    output reg         s_axil_awready,
    input  wire [31:0] s_axil_wdata,
    input  wire [3:0]  s_axil_wstrb,
    input  wire        s_axil_wvalid,
    output reg         s_axil_wready,
    output reg  [1:0]  s_axil_bresp,
    output reg         s_axil_bvalid,
    input  wire        s_axil_bready,
    input  wire [31:0] s_axil_araddr,
    input  wire        s_axil_arvalid,
    output reg         s_axil_arready,
    output reg  [31:0] s_axil_rdata,
    output reg  [1:0]  s_axil_rresp,
    output reg         s_axil_rvalid,
    input  wire        s_axil_rready,"""
SHELL_TAIL = """    output wire [15:0] irq,
    output wire        busy
);"""


def busy_missing(design):
    """The instances of `design` (a Design) whose activity the shell's busy may not cover:
    neither a busy output nor a busy_signal, and a clock (so state). Empty: busy is complete,
    and the simulated board need not run the PL after a host read (design.json
    "busy_complete", <name>_design_info.h kBusyComplete)."""
    missing = []
    for name, info in design.instances.items():
        inst = info["manifest"]
        if inst.get("busy_signal") or info["ports"].get("busy", ("I",))[0] == "O":
            continue
        if info.get("clock") is None:  # no clock port: a wire (xlconcat, xlconstant, xlslice)
            continue
        missing.append(name)
    return missing


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        with manifest_errors():
            text = generate(Design(argv[0]))
    except DesignError as e:
        print("gen_top.py: %s: %s" % (argv[0], e), file=sys.stderr)
        return 1
    os.makedirs(os.path.dirname(os.path.abspath(argv[1])), exist_ok=True)
    if os.path.exists(argv[1]):
        with open(argv[1]) as f:
            if f.read() == text:
                os.utime(argv[1])
                return 0
    with open(argv[1], "w") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
