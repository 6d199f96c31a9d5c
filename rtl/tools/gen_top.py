#!/usr/bin/python3
"""Generate the shell top (rtl/README.md) of a format-2 design from its manifest.

The top instantiates every manifest instance (Verilog "module" with its "params") and wires:

* the shell's AXI4-Lite slave (full physical address) to each instance's slave interface: a
  decoder with one outstanding write and one outstanding read; the instance sees
  ``address - base``; an address no instance decodes answers DECERR;
* the shell's AXI4 master ``m_axi_*`` from the design's (at most one) read master and (at most
  one) write master interface ("masters");
* AXI4-Stream connections ("streams"), plain nets ("wires");
* interrupts ("interrupts") into an interrupt controller's input vector or ``irq[15:0]``
  (``pl_ps_irq0``);
* ``busy`` = OR of every instance's ``busy`` and the decoder's own activity.

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

PS_IRQ = "pl_ps_irq0"
MAX_PORT_BITS = 1 << 16  # far beyond any AXI bus; bounds the per-bit loops below


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


# ---- the design model -------------------------------------------------------------------------

AXIS_SIGNALS = ("tdata", "tkeep", "tlast", "tvalid", "tready")
AXIS_FORWARD = ("tdata", "tkeep", "tlast", "tvalid")
LITE_SIGNALS = ("awaddr", "awvalid", "awready", "wdata", "wstrb", "wvalid", "wready", "bresp",
                "bvalid", "bready", "araddr", "arvalid", "arready", "rdata", "rresp", "rvalid",
                "rready")
# Shell m_axi signals: name -> (direction seen from the master, shell width, default when the
# master has no such port).
READ_SIGNALS = {"araddr": ("O", 40, "40'd0"), "arlen": ("O", 8, "8'd0"), "arsize": ("O", 3, "3'd3"),
                "arburst": ("O", 2, "2'd1"), "arvalid": ("O", 1, "1'b0"),
                "arready": ("I", 1, None), "rdata": ("I", 64, None), "rresp": ("I", 2, None),
                "rlast": ("I", 1, None), "rvalid": ("I", 1, None), "rready": ("O", 1, "1'b1")}
WRITE_SIGNALS = {"awaddr": ("O", 40, "40'd0"), "awlen": ("O", 8, "8'd0"),
                 "awsize": ("O", 3, "3'd3"), "awburst": ("O", 2, "2'd1"),
                 "awvalid": ("O", 1, "1'b0"), "awready": ("I", 1, None),
                 "wdata": ("O", 64, "64'd0"), "wstrb": ("O", 8, "8'd0"), "wlast": ("O", 1, "1'b0"),
                 "wvalid": ("O", 1, "1'b0"), "wready": ("I", 1, None), "bresp": ("I", 2, None),
                 "bvalid": ("I", 1, None), "bready": ("O", 1, "1'b1")}


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
        self.name = manifest["name"]
        self.top = manifest.get("top", self.name)
        self.instances = {}
        sources = [source_path(self.dir, s) for s in manifest["sources"]]
        for inst in manifest["instances"]:
            name = inst["name"]
            if name in self.instances or name == PS_IRQ:
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
                prefix = spec["prefix"]
                members = {p[len(prefix):]: p for p in info["ports"] if p.startswith(prefix)}
                if not members:
                    raise DesignError("%s/%s: no port starts with %r" % (name, ifname, prefix))
                info["interfaces"][ifname] = dict(spec, ports=members)
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
            if base + rng > 1 << 32:
                raise DesignError("%s: window beyond 32 bits" % name)
            for other, b, r in spans:
                if base < b + r and b < base + rng:
                    raise DesignError("%s and %s overlap" % (name, other))
            spans.append((name, base, rng))
            for sig in LITE_SIGNALS:
                if sig not in spec["ports"]:
                    raise DesignError("%s: AXI4-Lite interface lacks %s%s" %
                                      (name, spec["prefix"], sig))

    def masters(self):
        """{'read': (inst, ifname, spec, entry), 'write': ...} from "masters"."""
        out = {}
        for entry in self.m.get("masters", []):
            inst, ifname, spec = self.interface("%s/%s" % (entry["instance"], entry["interface"]),
                                                "masters", "aximm", "master")
            channels = []
            if "arvalid" in spec["ports"]:
                channels.append("read")
            if "awvalid" in spec["ports"]:
                channels.append("write")
            if not channels:
                raise DesignError("masters: %s/%s has neither arvalid nor awvalid" % (inst, ifname))
            for ch in channels:
                if ch in out:
                    raise DesignError(
                        "masters: %s/%s and %s/%s both need the shell's %s channels; the shell "
                        "has one m_axi port (one read and one write master per design)" %
                        (out[ch][0], out[ch][1], inst, ifname, ch))
                out[ch] = (inst, ifname, spec, entry)
        return out

    def _check_masters(self):
        for ch, (inst, ifname, spec, _) in self.masters().items():
            table = READ_SIGNALS if ch == "read" else WRITE_SIGNALS
            for sig, (direction, width, _) in table.items():
                if sig not in spec["ports"]:
                    continue
                pdir, pwidth = self.instances[inst]["ports"][spec["ports"][sig]]
                if pdir != direction:
                    raise DesignError("%s/%s: %s has the wrong direction" % (inst, ifname, sig))
                if pwidth > width or (pwidth != width and not sig.endswith("addr")):
                    raise DesignError("%s/%s: %s is %d bits, the shell's m_axi_%s is %d" %
                                      (inst, ifname, sig, pwidth, sig, width))

    def interrupt_sinks(self):
        """{sink: {index: (inst, port)}}; sink is PS_IRQ or (controller instance, its port)."""
        sinks = {}
        for entry in self.m.get("interrupts", []):
            inst, port, width = self.port(entry["from"], "interrupts", "O")
            if width != 1:
                raise DesignError("interrupts: %s is %d bits wide" % (entry["from"], width))
            if entry["to"] == PS_IRQ:
                sink, limit = PS_IRQ, 16
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


# ---- Verilog generation ---------------------------------------------------------------------

def _wire(inst, port):
    return "%s__%s" % (inst, port)


def _range(width):
    return "[%d:0] " % (width - 1) if width > 1 else ""


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
        out("  // ---- AXI4-Lite: decode the full address; the instance sees address - base ----")
        out("  localparam [1:0] kIdle = 2'd0, kFwd = 2'd1, kResp = 2'd2;")
        out("  localparam [1:0] kDecErr = 2'b11;")
        for i, (name, base, rng, spec) in enumerate(slaves):
            out("  // %d: %s at 0x%08X, range 0x%X" % (i, name, base, rng))

        def hits(addr):
            terms = ["(%s & 32'h%08X) == 32'h%08X" % (addr, (~(rng - 1)) & 0xFFFFFFFF, base)
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
        out("  wire %swr_hit = %s;" % (sel_w, hits("s_axil_awaddr")))
        out("  wire %srd_hit = %s;" % (sel_w, hits("s_axil_araddr")))
        out("  wire %sawready_v = %s;" % (sel_w, vec("awready")))
        out("  wire %swready_v = %s;" % (sel_w, vec("wready")))
        out("  wire %sbvalid_v = %s;" % (sel_w, vec("bvalid")))
        out("  wire %sarready_v = %s;" % (sel_w, vec("arready")))
        out("  wire %srvalid_v = %s;" % (sel_w, vec("rvalid")))
        out("  wire [1:0]  sel_bresp = " + " | ".join(
            "({2{wr_sel[%d]}} & %s)" % (i, use(name, spec["ports"]["bresp"]))
            for i, (name, _, _, spec) in enumerate(slaves)) + ";")
        out("  wire [1:0]  sel_rresp = " + " | ".join(
            "({2{rd_sel[%d]}} & %s)" % (i, use(name, spec["ports"]["rresp"]))
            for i, (name, _, _, spec) in enumerate(slaves)) + ";")
        out("  wire [31:0] sel_rdata = " + " | ".join(
            "({32{rd_sel[%d]}} & %s)" % (i, use(name, spec["ports"]["rdata"]))
            for i, (name, _, _, spec) in enumerate(slaves)) + ";")
        zero = "%d'd0" % n
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
          wr_sel <= wr_hit;
          wr_aw_done <= 1'b0;
          wr_w_done <= 1'b0;
          wr_state <= kFwd;
        end
        kFwd: begin
          if (|(wr_sel & awready_v)) wr_aw_done <= 1'b1;
          if (|(wr_sel & wready_v)) wr_w_done <= 1'b1;
          if (wr_sel == %(zero)s) begin
            s_axil_bvalid <= 1'b1;
            s_axil_bresp <= kDecErr;
            wr_state <= kResp;
          end else if (|(wr_sel & bvalid_v)) begin
            s_axil_bvalid <= 1'b1;
            s_axil_bresp <= sel_bresp;
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
          rd_sel <= rd_hit;
          rd_ar_done <= 1'b0;
          rd_state <= kFwd;
        end
        kFwd: begin
          if (|(rd_sel & arready_v)) rd_ar_done <= 1'b1;
          if (rd_sel == %(zero)s) begin
            s_axil_rvalid <= 1'b1;
            s_axil_rresp <= kDecErr;
            s_axil_rdata <= 32'd0;
            rd_state <= kResp;
          end else if (|(rd_sel & rvalid_v)) begin
            s_axil_rvalid <= 1'b1;
            s_axil_rresp <= sel_rresp;
            s_axil_rdata <= sel_rdata;
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
""" % {"zero": zero})
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

    # -- masters
    masters = d.masters()
    shell_assigns = []
    unused_shell = []
    out("  // ---- the shell's AXI4 master (HP port) ----")
    for ch, table in (("read", READ_SIGNALS), ("write", WRITE_SIGNALS)):
        if ch in masters:
            inst, ifname, spec, _ = masters[ch]
            out("  // %s channels: %s/%s" % (ch, inst, ifname))
        else:
            inst, spec = None, {"ports": {}}
            out("  // %s channels: no master in this design" % ch)
        for sig, (direction, width, default) in table.items():
            port = spec["ports"].get(sig)
            if direction == "O":
                if port is None:
                    shell_assigns.append("  assign m_axi_%s = %s;" % (sig, default))
                else:
                    pw = d.instances[inst]["ports"][port][1]
                    src = use(inst, port)
                    if pw < width:
                        src = "{%d'd0, %s}" % (width - pw, src)
                    shell_assigns.append("  assign m_axi_%s = %s;" % (sig, src))
            else:
                if port is None:
                    unused_shell.append("m_axi_" + sig)
                else:
                    drive(inst, port, "m_axi_" + sig)

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

    # -- interrupts
    irq_expr = "16'd0"
    for sink, bits in sorted(d.interrupt_sinks().items(), key=lambda kv: str(kv[0])):
        if sink == PS_IRQ:
            width = 16
        else:
            width = d.instances[sink[0]]["ports"][sink[1]][1]
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
        expr = "{" + ", ".join(terms) + "}" if len(terms) > 1 else terms[0]
        if sink == PS_IRQ:
            irq_expr = expr
        else:
            drive(sink[0], sink[1], expr)

    # -- clocks, resets, busy
    busy_terms = list(front_busy)
    for name, info in d.instances.items():
        inst = info["manifest"]
        clock, reset = inst.get("clock_port", "clk"), inst.get("reset_port", "rst_n")
        if clock in info["ports"]:
            drive(name, clock, "clk")
        if reset in info["ports"]:
            drive(name, reset, "rst_n")
        if "busy" in info["ports"] and info["ports"]["busy"][0] == "O":
            busy_terms.append(use(name, "busy"))

    # -- declarations and instances
    head = []
    head.append("// Generated by rtl/tools/gen_top.py from designs/%s/manifest.json: do not edit."
                % d.name)
    head.append("// The shell top (rtl/README.md) of design %s." % d.name)
    head.append("`default_nettype none")
    head.append(SHELL_PORTS % d.top)
    tied = []
    inst_lines = []
    unused = []
    for name, info in d.instances.items():
        inst = info["manifest"]
        for port, (direction, width) in info["ports"].items():
            w = _wire(name, port)
            head.append("  wire %s%s;" % (_range(width), w))
            if direction == "I" and w not in drivers:
                drivers[w] = "%d'd0" % width
                tied.append("%s/%s" % (name, port))
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
    lines.append("  assign busy = %s;" % (" || ".join(busy_terms) if busy_terms else "1'b0"))
    if unused + unused_shell + unused_front:
        lines.append("  // Signals nobody reads (Verilator's -Wall exempts *unused* names).")
        lines.append("  wire sink_unused = &{1'b0, %s};" %
                     ", ".join(unused + unused_shell + unused_front))
    lines.append("")
    lines += inst_lines
    lines += ["endmodule", "`default_nettype wire", ""]
    return "\n".join(lines)


SHELL_PORTS = """module %s (
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
    input  wire        s_axil_rready,
    output wire [39:0] m_axi_awaddr,
    output wire [7:0]  m_axi_awlen,
    output wire [2:0]  m_axi_awsize,
    output wire [1:0]  m_axi_awburst,
    output wire        m_axi_awvalid,
    input  wire        m_axi_awready,
    output wire [63:0] m_axi_wdata,
    output wire [7:0]  m_axi_wstrb,
    output wire        m_axi_wlast,
    output wire        m_axi_wvalid,
    input  wire        m_axi_wready,
    input  wire [1:0]  m_axi_bresp,
    input  wire        m_axi_bvalid,
    output wire        m_axi_bready,
    output wire [39:0] m_axi_araddr,
    output wire [7:0]  m_axi_arlen,
    output wire [2:0]  m_axi_arsize,
    output wire [1:0]  m_axi_arburst,
    output wire        m_axi_arvalid,
    input  wire        m_axi_arready,
    input  wire [63:0] m_axi_rdata,
    input  wire [1:0]  m_axi_rresp,
    input  wire        m_axi_rlast,
    input  wire        m_axi_rvalid,
    output wire        m_axi_rready,
    output wire [15:0] irq,
    output wire        busy
);"""


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
