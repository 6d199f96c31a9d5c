#!/usr/bin/python3
"""User RTL as Vitis HLS / Vivado HLS (and Vivado's IP flow) writes it, made ready for Verilator.

An imported design (pynq-remote-design import) names folders or files of the user's Verilog
(--rtl). This module:

* collect(paths) reads them: which module is in which file, the data files beside them
  ($readmemh ROMs) and the folders (include path: the deadlock monitor `include`);
* RtlLibrary.closure(top) lists the files a module needs, in dependency order, and refuses
  what Verilator cannot simulate, naming the module and what to do: a missing module, an
  encrypted file (`pragma protect`), a Xilinx primitive (unisim: FDRE, DSP48E2, RAMB36E2 ...),
  an xpm_* macro or a floating-point IP core;
* read_ports(path, module, params) reads ANSI and non-ANSI headers (HLS writes the port list
  first and declares `input`/`output` and `parameter` in the body);
* prepare(lib, files, work_dir) copies the sources with every $readmemh/$readmemb of a file
  beside them replaced by the data itself (the package is loaded from anywhere, the server's
  working folder is arbitrary), and gives the include folders and Verilator flags: HLS
  writes `initial begin #0 ap_CS_fsm = ...; end` (--no-timing) and `timescale` in files that
  sit beside untimed ones (--timescale);
* bind(hwh_module, lib) binds a .hwh MODULE to its Verilog module by its interfaces, not by
  exact port names, and gives the manifest instance fragment gen_top.py understands.

Standard library only (Debian's /usr/bin/python3).
"""
import math
import os
import re

VERILOG_EXT = (".v", ".sv")
DATA_EXT = (".dat", ".mem", ".hex")
# The flags an imported design's Verilation takes (pynq_remote_design.py, manifest "rtl").
IMPORT_FLAGS = ["--no-timing", "--timescale", "1ns/1ps"]
MAX_PORT_BITS = 1 << 16

# Xilinx unisim primitives (UG953/UG974 names) a netlist or a hand-instantiated core may use.
# Verilator has no model of them; a behavioural model of the user's (--rtl) satisfies closure().
_PRIMITIVE = re.compile(
    r"(FD[CPRS]E?|FD|LD[CP]E?|LUT[1-6](_2|_D|_L)?|LUT6CY|CARRY4|CARRY8|MUXF[789]|"
    r"SRL16E?|SRLC16E|SRLC32E|DSP48(E1|E2)?|DSP48A1|DSP58|RAMB(18|36)(E1|E2|SDP)?|"
    r"RAMB(18|36)E5|FIFO(18|36)E[12]|URAM288(_BASE)?|RAM(32|64|128|256)[XM]\w*|"
    r"BUFG\w*|BUFH|BUFR|BUFIO|IBUF\w*|OBUF\w*|IOBUF\w*|MMCM\w*|PLL\w*|IDELAY\w*|ODELAY\w*|"
    r"ISERDES\w*|OSERDES\w*|GND|VCC|STARTUP\w*|PS7|PS8|XORCY|MUXCY|MULT18X18\w*)")
_FLOAT = re.compile(r"(floating_point_v\d+_\d+\w*|\w*_ip_fp\w*|fp_\w*_v\d+\w*)")
_KEYWORDS = set("""module endmodule macromodule input output inout wire reg logic integer real
time genvar parameter localparam assign always always_ff always_comb always_latch initial
begin end if else case casex casez endcase default for while repeat forever function
endfunction task endtask generate endgenerate posedge negedge or and not signed unsigned
return automatic static wait disable fork join defparam specify endspecify primitive
endprimitive table endtable tri tri0 tri1 supply0 supply1 wand wor event string int bit byte
shortint longint unique priority import export typedef enum struct packed union interface
endinterface modport package endpackage class endclass virtual const var localparam
buf bufif0 bufif1 nand nor xor xnor notif0 notif1 pullup pulldown""".split())


class RtlError(Exception):
    """User RTL that cannot be used: the message names the file, module or port and the fix."""


# ---------------------------------------------------------------------------- text helpers

def strip_comments(text):
    """Comments and string contents out (strings kept as "" so nothing inside them parses)."""
    out = re.sub(r'"(\\.|[^"\\\n])*"', '""', text)
    out = re.sub(r"/\*.*?\*/", " ", out, flags=re.S)
    return re.sub(r"//[^\n]*", " ", out)


def _strip_keep_strings(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def _balanced(text, start, path="?"):
    """Index just past the ')' matching the '(' at text[start]."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return i + 1
    raise RtlError("%s: unbalanced parentheses" % path)


def _split_top(text, sep=","):
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


def _module_bodies(text):
    """{module: (header start, body text from the name to endmodule)} of comment-free text."""
    out = {}
    for m in re.finditer(r"\b(?:module|macromodule)\s+([A-Za-z_]\w*)", text):
        end = re.compile(r"\bendmodule\b").search(text, m.end())
        out[m.group(1)] = text[m.start():end.start() if end else len(text)]
    return out


def _number(tok):
    m = re.fullmatch(r"\s*(\d+)?\s*'\s*[sS]?([hHdDbBoO])\s*([0-9a-fA-F_]+)\s*", tok)
    if m:
        base = {"h": 16, "d": 10, "b": 2, "o": 8}[m.group(2).lower()]
        return int(m.group(3).replace("_", ""), base)
    return None


def evaluate(expr, params):
    """A constant Verilog expression over integer parameters; ValueError if it is not one."""
    py = re.sub(r"\d*\s*'\s*[sS]?[hHdDbBoO]\s*[0-9a-fA-F_]+",
                lambda m: str(_number(m.group(0))), expr)
    if '"' in py or "?" in py:
        raise ValueError("not an integer expression: %s" % expr.strip())
    py = py.replace("$clog2", "clog2").replace("/", "//").replace("&&", " and ")
    py = py.replace("||", " or ")
    names = {k: v for k, v in params.items() if isinstance(v, int)}
    names["clog2"] = lambda v: max(0, math.ceil(math.log2(v))) if v > 0 else 0
    try:
        return int(eval(py, {"__builtins__": {}}, names))  # constant expressions only
    except Exception as e:  # noqa: BLE001 - reported by the caller with context
        raise ValueError("cannot evaluate %r: %s" % (expr.strip(), e))


# ---------------------------------------------------------------------------- the library

class RtlLibrary:
    """The user's Verilog: modules -> file, data files, folders."""

    def __init__(self):
        self.modules = {}      # module -> path
        self.files = []        # every Verilog file, in the order found
        self.data = {}         # data file base name -> path
        self.include_dirs = []
        self.vhdl = {}         # VHDL entity (file stem, lower case) -> path: named in errors
        self._text = {}        # path -> comment-free text

    def text(self, path):
        if path not in self._text:
            with open(path, errors="replace") as f:
                self._text[path] = strip_comments(f.read())
        return self._text[path]

    def find(self, module):
        """The file defining `module`, or None."""
        return self.modules.get(module)

    def find_ci(self, module):
        """(module as spelled in the Verilog, path) matching `module` ignoring case, or None."""
        if module in self.modules:
            return module, self.modules[module]
        for name, path in self.modules.items():
            if name.lower() == module.lower():
                return name, path
        return None

    def _add_file(self, path):
        path = os.path.abspath(path)
        if path in self.files:
            return
        self.files.append(path)
        d = os.path.dirname(path)
        if d not in self.include_dirs:
            self.include_dirs.append(d)
        for name in _module_bodies(self.text(path)):
            if name in self.modules and self.modules[name] != path:
                raise RtlError("module %s is defined twice: %s and %s (pass one of them with "
                               "--rtl)" % (name, self.modules[name], path))
            self.modules[name] = path

    def instances(self, module):
        """The module names `module` instantiates (in order, each once)."""
        body = _module_bodies(self.text(self.modules[module]))[module]
        # An instance is "type [#(...)] name [range] (" with neither name a keyword; a call
        # "f (x)", a declaration or a named connection ".a(b)" never has the second name.
        found = []
        for m in re.finditer(r"\b([A-Za-z_]\w*)\s*(#\s*\()?", body):
            name = m.group(1)
            if name in _KEYWORDS or name == module or body[m.start() - 1:m.start()] in ".$`":
                continue
            pos = _balanced(body, m.end() - 1) if m.group(2) else m.end()
            im = re.compile(r"\s*([A-Za-z_]\w*)\s*(\[[^\]]*\]\s*)?\(").match(body, pos)
            if not im or im.group(1) in _KEYWORDS:
                continue
            if not m.group(2) and pos == m.end(1):
                continue  # no space between the two names: one identifier
            if name not in found:
                found.append(name)
        return found

    def _check_file(self, path, module):
        with open(path, errors="replace") as f:
            raw = f.read()
        if re.search(r"`\s*pragma\s+protect\b", raw) or "`protected" in raw:
            what = ("implement the operator in fixed point (ap_fixed), or give a behavioural "
                    "model of it with --rtl" if _FLOAT.fullmatch(module) else
                    "give a behavioural model of it with --rtl, or rewrite the core without "
                    "this IP")
            raise RtlError("%s: module %s is encrypted (`pragma protect): Verilator cannot "
                           "read IEEE 1735 encrypted IP; %s" % (path, module, what))

    def closure(self, top):
        """The files `top` needs, dependencies first; RtlError for what cannot be simulated."""
        if top not in self.modules:
            raise RtlError("module %s is in none of the --rtl sources (%d files in %s)" %
                           (top, len(self.files), ", ".join(self.include_dirs) or "nothing"))
        order, seen = [], set()

        def visit(module, parent, depth):
            if module in seen:
                return
            if depth > 200:
                raise RtlError("module %s instantiates itself (recursion)" % module)
            seen.add(module)
            path = self.modules.get(module)
            if path is None:
                where = "%s (%s)" % (parent, self.modules[parent])
                if module.startswith("xpm_"):
                    raise RtlError("%s instantiates %s, a Xilinx Parameterized Macro Verilator "
                                   "has no model of: supply a behavioural model of %s with "
                                   "--rtl, or rewrite the core without it" %
                                   (where, module, module))
                if _FLOAT.fullmatch(module):
                    raise RtlError("%s instantiates %s, a Xilinx floating-point IP core "
                                   "(encrypted, no simulation model for Verilator): implement "
                                   "the operator in fixed point (ap_fixed) or supply a "
                                   "behavioural model of %s with --rtl" % (where, module, module))
                if _PRIMITIVE.fullmatch(module):
                    raise RtlError("%s instantiates %s, a Xilinx unisim primitive Verilator "
                                   "has no model of: supply a behavioural model of %s with "
                                   "--rtl (or regenerate the core without it)" %
                                   (where, module, module))
                vhdl = self.vhdl.get(module.lower())
                if vhdl:
                    raise RtlError("%s instantiates module %s, which is VHDL (%s): Verilator "
                                   "reads Verilog only; regenerate the core with Verilog "
                                   "output (Vitis HLS: syn.rtl.language / export_design "
                                   "-rtl verilog) or give a Verilog model with --rtl" %
                                   (where, module, vhdl))
                raise RtlError("%s instantiates module %s, which is in none of the --rtl "
                               "sources: add the file that defines it with --rtl" %
                               (where, module))
            self._check_file(path, module)
            for child in self.instances(module):
                visit(child, module, depth + 1)
            if path not in order:
                order.append(path)

        visit(top, None, 0)
        return order


def collect(paths):
    """An RtlLibrary of every .v/.sv under the folders (recursively) or the files given."""
    lib = RtlLibrary()
    for p in paths:
        if os.path.isdir(p):
            found = []
            for root, dirs, files in os.walk(p):
                dirs.sort()
                for f in sorted(files):
                    full = os.path.join(root, f)
                    if f.endswith(VERILOG_EXT):
                        found.append(full)
                    elif f.endswith((".vhd", ".vhdl")):
                        lib.vhdl.setdefault(os.path.splitext(f)[0].lower(), full)
                    elif f.endswith(DATA_EXT):
                        lib.data.setdefault(f, os.path.abspath(full))
                    elif f.endswith((".vh", ".svh")):
                        d = os.path.abspath(root)
                        if d not in lib.include_dirs:
                            lib.include_dirs.append(d)
            for f in found:
                lib._add_file(f)
        elif os.path.isfile(p):
            if p.endswith(DATA_EXT):
                lib.data.setdefault(os.path.basename(p), os.path.abspath(p))
            else:
                lib._add_file(p)
                d = os.path.dirname(os.path.abspath(p))
                for f in sorted(os.listdir(d)):
                    if f.endswith(DATA_EXT):
                        lib.data.setdefault(f, os.path.join(d, f))
        else:
            raise RtlError("%s: no such file or folder (--rtl)" % p)
    if not lib.files:
        raise RtlError("no Verilog (.v, .sv) in %s" % ", ".join(paths))
    return lib


# ---------------------------------------------------------------------------- ports

_DIRS = {"input": "I", "output": "O", "inout": "IO"}


def read_ports(path, module, params=None, text=None):
    """{"params": {name: int or raw text}, "ports": {name: (dir, width)}, "order": [...]} of
    `module` in `path`, ANSI or non-ANSI header; `params` override parameter defaults."""
    params = params or {}
    if text is None:
        with open(path, errors="replace") as f:
            text = strip_comments(f.read())
    bodies = _module_bodies(text)
    if module not in bodies:
        raise RtlError("%s: no module %s" % (path, module))
    body = bodies[module]
    pos = re.match(r"\w+\s+\w+\s*", body).end()
    declared = []  # (name, raw value, overridable)
    if body[pos:].startswith("#"):
        open_at = body.index("(", pos)
        end = _balanced(body, open_at, path)
        for decl in _split_top(body[open_at + 1:end - 1]):
            pm = re.match(r"\s*(?:parameter|localparam)?\s*(?:integer\s+|signed\s+|real\s+|"
                          r"string\s+)?(?:\[[^\]]*\]\s*)?(\w+)\s*=\s*(.+?)\s*$", decl, re.S)
            if not pm:
                raise RtlError("%s: module %s: cannot read parameter declaration %r" %
                               (path, module, decl.strip()))
            declared.append((pm.group(1), pm.group(2), True))
        pos = end
    rest = body[pos:].lstrip()
    if not rest.startswith("("):
        header, items, after = "", [], body[pos:]
    else:
        open_at = body.index("(", pos)
        end = _balanced(body, open_at, path)
        header = body[open_at + 1:end - 1]
        items = [d.strip() for d in _split_top(header)]
        after = body[end:]
    # Body parameters (non-ANSI, and localparams either way), in order of appearance.
    for m in re.finditer(r"\b(parameter|localparam)\b([^;]*);", after):
        for decl in _split_top(m.group(2)):
            pm = re.match(r"\s*(?:integer\s+|signed\s+|real\s+|string\s+)?(?:\[[^\]]*\]\s*)?"
                          r"(\w+)\s*=\s*(.+?)\s*$", decl, re.S)
            if pm:
                declared.append((pm.group(1), pm.group(2), m.group(1) == "parameter"))
    names = [d[0] for d in declared if d[2]]
    for name in params:
        if name not in names:
            raise RtlError("%s: module %s has no parameter %s" % (path, module, name))
    values = {}
    for name, raw, overridable in declared:
        if overridable and name in params:
            values[name] = params[name]
            continue
        try:
            values[name] = evaluate(raw, values)
        except ValueError:
            values[name] = raw.strip()  # a string or real parameter: kept as written

    def width_of(rng, name):
        if not rng:
            return 1
        hi, lo = rng.split(":", 1)
        try:
            w = abs(evaluate(hi, values) - evaluate(lo, values)) + 1
        except ValueError as e:
            raise RtlError("%s: module %s, port %s: width [%s]: %s" % (path, module, name, rng,
                                                                        e))
        if w > MAX_PORT_BITS:
            raise RtlError("%s: port %s of %s is %d bits wide, more than %d" %
                           (path, name, module, w, MAX_PORT_BITS))
        return w

    decl_re = re.compile(r"\s*(input|output|inout)\b\s*(?:(?:wire|reg|logic|var)\b\s*)?"
                         r"(?:signed\b\s*)?(?:\[([^\]]+)\]\s*)?(.+?)\s*$", re.S)
    ports, order = {}, []
    ansi = any(re.match(r"\s*(input|output|inout)\b", i) for i in items)
    if ansi:
        last = None
        for item in items:
            pm = decl_re.match(item)
            if pm:
                last = (pm.group(1), pm.group(2))
                name = pm.group(3)
            elif last and re.fullmatch(r"\s*\w+\s*", item):
                name = item  # "input a, b": b takes a's direction and range
            else:
                raise RtlError("%s: module %s: cannot read port declaration %r" %
                               (path, module, item))
            name = name.strip()
            if not re.fullmatch(r"[A-Za-z_]\w*", name):
                raise RtlError("%s: module %s: cannot read port declaration %r" %
                               (path, module, item))
            ports[name] = (_DIRS[last[0]], width_of(last[1], name))
            order.append(name)
    else:
        for item in items:
            if not re.fullmatch(r"[A-Za-z_]\w*", item):
                raise RtlError("%s: module %s: cannot read port list entry %r" %
                               (path, module, item))
        found = {}
        for stmt in after.split(";"):
            m = re.match(r"\s*(input|output|inout)\b(.*)$", stmt, re.S)
            if not m:
                continue
            pm = decl_re.match(m.group(1) + " " + m.group(2))
            for name in _split_top(pm.group(3)):
                name = name.strip()
                found[name] = (_DIRS[m.group(1)], width_of(pm.group(2), name))
        for item in items:
            if item not in found:
                raise RtlError("%s: module %s: port %s is listed but never declared input or "
                               "output" % (path, module, item))
            ports[item] = found[item]
            order.append(item)
    return {"params": values, "ports": ports, "order": order}


# ---------------------------------------------------------------------------- prepare

_READMEM = re.compile(r"\$readmem([hb])\s*\(\s*(\"[^\"]*\"|[A-Za-z_]\w*)\s*,\s*([A-Za-z_][\w.]*)"
                      r"\s*((?:,[^;]*)?)\)\s*;")


def _memory_words(path, radix):
    """The words of a $readmemh/$readmemb file: [(address or None, digits)]."""
    with open(path, errors="replace") as f:
        text = f.read()
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    words = []
    digits = "[0-9a-fA-FxXzZ_]+" if radix == "h" else "[01xXzZ_]+"
    for tok in text.split():
        if tok.startswith("@"):
            try:
                words.append((int(tok[1:], 16), None))
            except ValueError:
                raise RtlError("%s: bad address %r" % (path, tok))
            continue
        if not re.fullmatch(digits, tok):
            raise RtlError("%s: %r is not a %s digit word ($readmem%s)" %
                           (path, tok, "hex" if radix == "h" else "binary", radix))
        words.append((None, tok.replace("_", "")))
    return words


def _in_testbench(text, pos):
    """True when `pos` lies in a module without ports (`module test;`, `module tb ( );`): a test
    bench some generators write into the same file as the design, which no design
    instantiates, so its $readmem data files need not exist."""
    starts = list(re.finditer(r"\bmodule\s+\w+", text[:pos]))
    if not starts or "endmodule" in text[starts[-1].end():pos]:
        return False
    header = re.match(r"module\s+\w+\s*(?:#\s*\((?:[^()]|\([^()]*\))*\)\s*)?(\((.*?)\))?\s*;",
                      text[starts[-1].start():], re.S)
    return bool(header) and (header.group(1) is None or not header.group(2).strip())


def _inline_readmem(lib, path, text):
    """`text` with each $readmem of a data file replaced by the assignments it would make."""
    raw_params = dict(re.findall(r"\bparameter\s+(?:\[[^\]]*\]\s*)?(\w+)\s*=\s*(\"[^\"]*\")",
                                 text))
    used = []

    def repl(m):
        radix, src, mem, rng = m.group(1), m.group(2), m.group(3), m.group(4)
        name = src if src.startswith('"') else raw_params.get(src)
        if name is None:
            raise RtlError("%s: $readmem%s(%s, %s): the file name is neither a string nor a "
                           "string parameter of this file; write it as a string" %
                           (path, radix, src, mem))
        name = name.strip('"')
        here = os.path.join(os.path.dirname(path), name)
        data = here if os.path.isfile(here) else lib.data.get(os.path.basename(name))
        if data is None and _in_testbench(text, m.start()):
            return m.group(0)  # a port-less test bench's memory image: never simulated here
        if data is None:
            raise RtlError("%s: $readmem%s(\"%s\", %s): no file %s beside the sources (put the "
                           "HLS .dat files in the --rtl folder)" %
                           (path, radix, name, mem, os.path.basename(name)))
        start = 0
        if rng.strip():
            bounds = [b for b in _split_top(rng.strip().lstrip(","))]
            try:
                start = evaluate(bounds[0], {})
            except ValueError:
                raise RtlError("%s: $readmem%s(..., %s): start address must be a number" %
                               (path, radix, rng.strip(",")))
        addr, stmts = start, []
        for a, word in _memory_words(data, radix):
            if word is None:
                addr = a
                continue
            bits = len(word) * (4 if radix == "h" else 1)
            stmts.append("%s[%d] = %d'%s%s;" % (mem, addr, bits, radix, word))
            addr += 1
        used.append(data)
        return ("begin  // %s inlined by hls_rtl.py (the package runs from any folder)\n%s\n"
                "end" % (os.path.basename(data), "\n".join(stmts)))

    return _READMEM.sub(repl, text), used


_TRANSLATE = re.compile(r"//\s*(?:synthesis|synopsys|pragma)\s+translate_off\b.*?"
                        r"//\s*(?:synthesis|synopsys|pragma)\s+translate_on\b[^\n]*", re.S)


def _drop_translate_off(text):
    """Synthesis skips `// synthesis translate_off` regions (Vitis puts its deadlock monitor
    `include` there); Verilator does not know the comment. The hardware is what synthesis
    sees, so the prepared copy blanks them (line numbers kept for Verilator's messages)."""
    return _TRANSLATE.sub(lambda m: "\n" * m.group(0).count("\n"), text)


def prepare(lib, files, work_dir):
    """Copies `files` into work_dir ready for Verilator; returns {"sources", "include_dirs",
    "verilator_flags", "data_files"}. Without `lib` the library is the files themselves
    (data files and includes beside them)."""
    if lib is None:
        lib = collect(list(files))
    os.makedirs(work_dir, exist_ok=True)
    sources, data_files, names = [], [], set()
    timed = False
    for path in files:
        with open(path, errors="replace") as f:
            raw = f.read()
        if re.search(r"`\s*pragma\s+protect\b", raw):
            raise RtlError("%s is encrypted (`pragma protect): Verilator cannot read it; give a "
                           "behavioural model with --rtl" % path)
        timed = timed or re.search(r"`timescale\b", raw) is not None
        text, used = _inline_readmem(lib, path, _drop_translate_off(raw))
        data_files += [u for u in used if u not in data_files]
        base = os.path.basename(path)
        stem, n = base, 1
        while stem in names:
            n += 1
            stem = "%d_%s" % (n, base)
        names.add(stem)
        out = os.path.join(work_dir, stem)
        old = None
        if os.path.exists(out):
            with open(out) as f:
                old = f.read()
        if old != text:
            with open(out, "w") as f:
                f.write(text)
        sources.append(out)
    dirs = []
    for path in files:
        d = os.path.dirname(os.path.abspath(path))
        if d not in dirs:
            dirs.append(d)
    for d in lib.include_dirs:
        if d not in dirs:
            dirs.append(d)
    return {"sources": sources, "include_dirs": dirs, "verilator_flags": list(IMPORT_FLAGS),
            "data_files": data_files, "timescale": timed}


# ---------------------------------------------------------------------------- bind

# Verilog ports the .hwh may leave out and what becomes of them (gen_top ties an undriven
# input to 0, an axis TSTRB or TKEEP input to all ones, and sinks an unread output).
_TIE_OFF = re.compile(r".*_(AW|AR|W|R|B)(USER|ID|REGION)$|.*_WID$|.*_T(STRB|KEEP|USER|ID|DEST)$",
                      re.I)


def _resolve(name, ports, port_map):
    """The Verilog port for a .hwh port name: port_map first, then exact, then ignoring case."""
    if port_map and name in port_map:
        target = port_map[name]
        return target if target in ports else None
    if name in ports:
        return name
    low = [p for p in ports if p.lower() == name.lower()]
    return low[0] if len(low) == 1 else None


def reset_active_high(name, hwh_port=None):
    """HLS ap_rst is active high, ap_rst_n (and Vivado's *resetn / aresetn) active low; a
    .hwh port may say so with a POLARITY of its own."""
    pol = (hwh_port or {}).get("polarity", "")
    if pol:
        return pol.upper().endswith("HIGH")
    low = name.lower()
    return not (low.endswith("_n") or low.endswith("resetn") or low.endswith("rstn") or
                low.endswith("_b"))


def _int_param(value):
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*(0|[1-9]\d*)\s*", value):
        return int(value, 10)  # "0011" (HLS's CACHE value) is a bit string: left alone
    if isinstance(value, str) and re.fullmatch(r"\s*0[xX][0-9a-fA-F]+\s*", value):
        return int(value, 16)
    return None


def _kind(busif):
    vlnv = busif.get("vlnv", "")
    parts = vlnv.split(":")
    name = parts[2] if len(parts) > 2 else vlnv
    role = busif.get("type", "").upper()
    mode = "master" if role in ("MASTER", "INITIATOR") else "slave"
    if name == "aximm":
        logical = {k.upper() for k in busif.get("portmaps", {})}
        lite = mode == "slave" and not {"AWLEN", "ARLEN"} & logical
        return ("axilite" if lite else "aximm"), mode
    if name == "axis":
        return "axis", mode
    return None, mode


def bind(hwh_module, lib, module_name=None, port_map=None):
    """The manifest instance fragment binding a .hwh MODULE to the user's Verilog module."""
    port_map = dict(port_map or {})
    inst = hwh_module.get("instance", "?")
    wanted = module_name or hwh_module.get("modtype") or inst
    hit = lib.find_ci(wanted)
    if hit is None:
        raise RtlError("%s: no module %s in the --rtl sources (%s); name the module with --map "
                       "%s=MODULE" % (inst, wanted, ", ".join(lib.include_dirs), inst))
    module, path = hit
    lib.closure(module)
    vparams = read_ports(path, module, {}, lib.text(path))["params"]
    params = {}
    for name, value in (hwh_module.get("parameters") or {}).items():
        if name in vparams and not isinstance(vparams[name], str):
            v = _int_param(value)
            if v is not None and v != vparams[name]:
                params[name] = v
    info = read_ports(path, module, params, lib.text(path))
    ports = info["ports"]
    used_map = {}

    def resolve(name, what):
        target = _resolve(name, ports, port_map)
        if target is None:
            hint = ("port_map sends it to %s, which module %s lacks" % (port_map[name], module)
                    if name in port_map else "add \"port_map\": {\"%s\": \"<port>\"} to the "
                    "instance if your module names it differently" % name)
            raise RtlError("%s: the .hwh's %s %s has no port in module %s (%s); %s" %
                           (inst, what, name, module, path, hint))
        if target != name:
            used_map[name] = target
        return target

    hwh_ports = hwh_module.get("ports") or []
    covered = set()
    clock = reset = None
    high = False
    clocks = ("ap_clk", "aclk", "clk")
    resets = ("ap_rst_n", "ap_rst", "aresetn", "rst_n", "rst")
    for p in hwh_ports:
        sigis = (p.get("sigis") or "").lower()
        role = {"clk": clocks, "rst": resets}.get(sigis) if p.get("dir", "I") == "I" else None
        if role and _resolve(p["name"], ports, port_map) is None and p["name"] not in port_map:
            # Clock and reset are bound by their role (SIGIS), not their name: a stand-in
            # with clk/rst_n takes the .hwh's ap_clk/ap_rst_n (recorded in port_map).
            found = next((q for q in ports if q.lower() in role and ports[q][0] == "I"), None)
            if found is not None:
                port_map[p["name"]] = found
        target = resolve(p["name"], "port")
        covered.add(target)
        want = "I" if p.get("dir", "I") == "I" else "O"
        have = ports[target][0]
        if have != want and not (have == "IO"):
            raise RtlError("%s: port %s is %s in the .hwh but %s in module %s (%s)" %
                           (inst, p["name"], "an input" if want == "I" else "an output",
                            "an input" if have == "I" else "an output", module, path))
        left, right = p.get("left"), p.get("right")
        if left not in (None, "") and right not in (None, ""):
            w = abs(int(left) - int(right)) + 1
            if w != ports[target][1]:
                raise RtlError("%s: port %s is %d bits in the .hwh but %d in module %s (%s) with "
                               "parameters %s" % (inst, p["name"], w, ports[target][1], module,
                                                  path, params or "as declared"))
        if sigis == "clk" and want == "I" and clock is None:
            clock = target
        elif sigis == "rst" and want == "I" and reset is None:
            reset = target
            # The polarity is the Verilog's when a stand-in's reset is named otherwise.
            high = reset_active_high(p["name"] if target.lower() == p["name"].lower()
                                     else target, p)
    interfaces = {}
    for b in hwh_module.get("busifs") or []:
        kind, mode = _kind(b)
        if kind is None or not b.get("portmaps"):
            continue  # clock, reset, interrupt interfaces; or one Vivado lists without pins
        pm = {}
        for logical, phys in (b.get("portmaps") or {}).items():
            physical = phys["physical"] if isinstance(phys, dict) else phys
            target = resolve(physical, "%s port" % b["name"])
            covered.add(target)
            pm[logical.upper()] = target
        interfaces[b["name"]] = {"type": kind, "mode": mode, "port_map": pm}
    if not hwh_ports and not interfaces:
        raise RtlError("%s: the .hwh lists neither ports nor bus interfaces of %s" %
                       (inst, module))
    # Without ports in the .hwh (a reader that gives only bus interfaces), the clock and reset
    # are found by the HLS names.
    if clock is None:
        clock = next((p for p in ports if p.lower() in ("ap_clk", "aclk", "clk")), None)
    if reset is None:
        reset = next((p for p in ports if p.lower() in ("ap_rst_n", "ap_rst", "aresetn",
                                                         "rst_n", "rst")), None)
        high = reset_active_high(reset) if reset else False
    covered.update(p for p in (clock, reset) if p)
    for name, (direction, _) in ports.items():
        if name in covered or direction != "I":
            continue
        if not _TIE_OFF.fullmatch(name):
            raise RtlError("%s: input %s of module %s (%s) is in no port or bus interface of "
                           "the .hwh, and is not one that may be tied off (m_axi *USER/*ID/"
                           "*REGION, axis TSTRB/TKEEP/TUSER/TID/TDEST): is module %s really "
                           "the core of %s?" % (inst, name, module, path, module, inst))
    body = _module_bodies(lib.text(path))[module]
    busy = None
    if re.search(r"\b(reg|wire|logic)\s+(\[[^\]]*\]\s*)?ap_idle\b", body) or (
            "ap_idle" in ports and ports["ap_idle"][0] == "O"):
        busy = "ap_idle"
    frag = {"module": module, "params": params, "interfaces": interfaces,
            "clock_port": clock, "reset_port": reset, "reset_active_high": high,
            "port_map": used_map}
    if busy:
        frag["busy_signal"] = busy
    return frag
