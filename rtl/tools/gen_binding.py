#!/usr/bin/python3
"""Generate the C++ binding of a design top to the board's shell pins (rtl/README.md).

The board's C++ side (sim/pl/pl_design.h) holds the shell as ShellPins: the AXI4-Lite slave,
one AxiMasterPins (128 data bits, 64 address bits) per master port, irq and busy. The Verilated
model has one member per top port, typed by its width. This tool reads the top's ANSI header
(gen_top.read_module), checks it against the shell convention v2 and writes a header with

    struct Binding_<name> {
      static std::vector<MasterPortInfo> Ports();          // index i <-> ShellPins::m_axi[i]
      static void Drive(V<name>& m, const ShellPins& p);   // board -> design inputs
      static void Sample(const V<name>& m, ShellPins& p);  // design outputs -> pins
      static void SampleSettled(const V<name>& m, ShellPins& p);  // irq, busy, emio_gpio_i
    };

for sim/pl/verilated_design.h. Master bundles are ``m_axi_<port>_<signal>`` with <port> a PS
slave port's short name (hp0..hp3, hpc0, hpc1, acp); a family's ports and the data widths each
takes are its board profiles' (sim/board/boards.json, read through boards.py). A top with the
legacy plain ``m_axi_*`` bundle has it bound to --legacy-port (default: the family's first port,
HP0). A read or write channel group is all-or-nothing. A port that breaks the convention is
refused with a message naming it.

Usage: gen_binding.py --top-file TOP.v --top MODULE --prefix V<name> --family zynqmp|zynq7000
                      [--legacy-port S_AXI_HP0_FPD] --out V<name>_binding.h
(Debian's /usr/bin/python3, standard library only)
"""
import argparse
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import boards  # noqa: E402  (the board profiles: the PS slave ports and their widths)
import gen_top  # noqa: E402  (read_module: the one reader of Verilog headers)


class BindingError(Exception):
    pass


class Family(object):
    """The PS slave ports a PL master can reach on a family's boards, from the board profiles
    (sim/board/boards.json via boards.py, the one source of truth): ``ports`` in the profiles'
    order as (short, name), ``widths`` {name: data widths}, ``title`` as messages name it."""

    def __init__(self, family, path=None):
        try:
            self.title = boards.family_name(family)
            profiles = boards.by_family(family, path)
        except boards.BoardError as e:
            raise BindingError(str(e))
        if not profiles:
            raise BindingError("no board profile of family %s in %s" %
                               (family, path or boards.default_path()))
        self.family = family
        self.ports, self.widths = [], {}
        for board in profiles:
            for port in board.slaves:
                known = next((p for p in self.ports if port.short in p or port.name in p), None)
                if known is None:
                    self.ports.append((port.short, port.name))
                elif known != (port.short, port.name):
                    raise BindingError("board %s names PS slave port %s %s, another %s board "
                                       "%s %s (%s)" % (board.name, port.name, port.short,
                                                       self.title, known[1], known[0],
                                                       path or boards.default_path()))
                # A width any board of the family takes binds; the board checks its own.
                self.widths[port.name] = sorted(set(self.widths.get(port.name, ())) |
                                                set(port.data_bits))

    @property
    def names(self):
        return [name for _, name in self.ports]

    @property
    def shorts(self):
        return [short for short, _ in self.ports]


# Shell ports other than the masters: name -> (direction, width).
SHELL = {"clk": ("I", 1), "rst_n": ("I", 1), "irq": ("O", 16), "busy": ("O", 1)}
LITE = {"awaddr": ("I", 32), "awvalid": ("I", 1), "awready": ("O", 1),
        "wdata": ("I", 32), "wstrb": ("I", 4), "wvalid": ("I", 1), "wready": ("O", 1),
        "bresp": ("O", 2), "bvalid": ("O", 1), "bready": ("I", 1),
        "araddr": ("I", 32), "arvalid": ("I", 1), "arready": ("O", 1),
        "rdata": ("O", 32), "rresp": ("O", 2), "rvalid": ("O", 1), "rready": ("I", 1)}
# Master bundle signals: name -> (direction seen from the design, width). None: checked apart
# (address 32..64, data 32/64/128, strobe data/8).
READ = {"araddr": ("O", None), "arlen": ("O", 8), "arsize": ("O", 3), "arburst": ("O", 2),
        "arvalid": ("O", 1), "arready": ("I", 1), "rdata": ("I", None), "rresp": ("I", 2),
        "rlast": ("I", 1), "rvalid": ("I", 1), "rready": ("O", 1)}
WRITE = {"awaddr": ("O", None), "awlen": ("O", 8), "awsize": ("O", 3), "awburst": ("O", 2),
         "awvalid": ("O", 1), "awready": ("I", 1), "wdata": ("O", None), "wstrb": ("O", None),
         "wlast": ("O", 1), "wvalid": ("O", 1), "wready": ("I", 1), "bresp": ("I", 2),
         "bvalid": ("I", 1), "bready": ("O", 1)}
SIGNALS = dict(READ, **WRITE)
# The PS GPIO's EMIO pins, optional (a top without them reads 0 on emio_gpio_i): named from the
# PS's side as Vivado names zynq_ultra_ps_e's, so emio_gpio_o/_t are the top's inputs. Width:
# the family's EMIO pins (ZynqMP 96, Zynq-7000 64).
EMIO = {"emio_gpio_o": "I", "emio_gpio_t": "I", "emio_gpio_i": "O"}
EMIO_BITS = {"zynqmp": 96, "zynq7000": 64}
DIRECTION = {"I": "input", "O": "output", "IO": "inout"}


def legacy_default(family):
    """The PS slave port a legacy single-bundle top binds to: the family's first (HP0)."""
    return Family(family).names[0]


def _check(name, port, want_dir, want_width):
    direction, width = port
    if direction != want_dir:
        raise BindingError("port %s must be an %s, it is an %s" %
                           (name, DIRECTION[want_dir], DIRECTION[direction]))
    if want_width is not None and width != want_width:
        raise BindingError("port %s must be %d bit%s wide, it is %d" %
                           (name, want_width, "" if want_width == 1 else "s", width))


def split_masters(ports, family):
    """{bundle prefix: {signal: (dir, width)}}; the legacy bundle's prefix is 'm_axi_'."""
    shorts = family.shorts
    bundles = {}
    for name, port in ports.items():
        if not name.startswith("m_axi_"):
            continue
        rest = name[len("m_axi_"):]
        if rest in SIGNALS:
            prefix, signal = "m_axi_", rest
        else:
            short, sep, signal = rest.rpartition("_")
            if not sep or not short:
                raise BindingError("port %s is neither a legacy m_axi_<signal> nor an "
                                   "m_axi_<port>_<signal> master port" % name)
            if short not in shorts:
                raise BindingError("port %s: %r is not a PS slave port of %s (known: %s)" %
                                   (name, short, family.title, ", ".join(shorts)))
            if signal not in SIGNALS:
                raise BindingError("port %s: %r is not an AXI4 master signal of the shell "
                                   "convention (known: %s)" %
                                   (name, signal, ", ".join(SIGNALS)))
            prefix = "m_axi_%s_" % short
        bundles.setdefault(prefix, {})[signal] = port
    if "m_axi_" in bundles and len(bundles) > 1:
        others = sorted(p + "*" for p in bundles if p != "m_axi_")
        raise BindingError("the legacy bundle m_axi_* cannot be combined with %s: name every "
                           "bundle m_axi_<port>_*" % ", ".join(others))
    return bundles


def check_bundle(prefix, sigs, family, ps_port):
    """(data_bits, reads, writes) of one master bundle on ps_port, or BindingError naming the
    port."""
    groups = []
    for kind, group in (("read", READ), ("write", WRITE)):
        present = [s for s in group if s in sigs]
        if present:
            missing = [prefix + s for s in group if s not in sigs]
            if missing:
                raise BindingError("bundle %s* has %s channel signals (%s) but lacks %s: a "
                                   "channel group is all-or-nothing" %
                                   (prefix, kind, prefix + present[0], ", ".join(missing)))
            groups.append(kind)
    for signal, port in sigs.items():
        _check(prefix + signal, port, SIGNALS[signal][0], SIGNALS[signal][1])
    for addr in ("araddr", "awaddr"):
        if addr in sigs and not 32 <= sigs[addr][1] <= 64:
            raise BindingError("port %s%s is %d bits wide; an address is 32 to 64 bits" %
                               (prefix, addr, sigs[addr][1]))
    widths = family.widths[ps_port]
    data = {s: sigs[s][1] for s in ("rdata", "wdata") if s in sigs}
    for signal, width in data.items():
        if width not in widths:
            raise BindingError("port %s%s is %d bits wide; %s's %s carries %s bits" %
                               (prefix, signal, width, family.title, ps_port,
                                "/".join(str(w) for w in widths)))
    if len(set(data.values())) > 1:
        raise BindingError("ports %srdata (%d bits) and %swdata (%d bits) differ in width; one "
                           "bundle has one data width" %
                           (prefix, data["rdata"], prefix, data["wdata"]))
    bits = next(iter(data.values()))
    if "wstrb" in sigs and sigs["wstrb"][1] != bits // 8:
        raise BindingError("port %swstrb is %d bits wide; %d data bits take %d strobes" %
                           (prefix, sigs["wstrb"][1], bits, bits // 8))
    return bits, "read" in groups, "write" in groups


def analyse(ports, family, legacy_port):
    """The master ports in the family's port order: [(prefix, ps_port, widths, bits, r, w)]."""
    for name, want in SHELL.items():
        if name not in ports:
            raise BindingError("the top has no port %s (every top has clk, rst_n, irq[15:0], "
                               "busy and the s_axil_* slave)" % name)
        _check(name, ports[name], *want)
    for signal, want in LITE.items():
        name = "s_axil_" + signal
        if name not in ports:
            raise BindingError("the top has no port %s (the AXI4-Lite slave is complete)" % name)
        _check(name, ports[name], *want)
    for name in EMIO:
        if name in ports:
            _check(name, ports[name], EMIO[name], EMIO_BITS[family.family])
    for name in ports:
        if name not in SHELL and name not in EMIO and not name.startswith("m_axi_") and \
                not (name.startswith("s_axil_") and name[len("s_axil_"):] in LITE):
            raise BindingError("port %s is not part of the shell convention (clk, rst_n, "
                               "s_axil_*, m_axi_<port>_*, irq, busy, emio_gpio_*: "
                               "rtl/README.md)" % name)
    bundles = split_masters(ports, family)
    order = family.names
    result = []
    for prefix, sigs in bundles.items():
        ps_port = legacy_port if prefix == "m_axi_" else \
            next(ps for s, ps in family.ports if prefix == "m_axi_%s_" % s)
        bits, reads, writes = check_bundle(prefix, sigs, family, ps_port)
        widths = {s: w for s, (_, w) in sigs.items()}
        result.append((prefix, ps_port, widths, bits, reads, writes))
    result.sort(key=lambda r: order.index(r[1]))
    return result


# ---- C++ emission -----------------------------------------------------------------------------

def _mask(width):
    return "0x%Xu" % ((1 << width) - 1) if width < 32 else None


def _to_model(member, expr, width):
    """m.<member> = expr, masked to `width` bits (Verilator expects clean upper bits)."""
    mask = _mask(width)
    if width == 1:
        return "m.%s = %s;" % (member, expr)
    if mask:
        return "m.%s = %s & %s;" % (member, expr, mask)
    return "m.%s = %s;" % (member, expr)


def _data_in(member, words, width):
    """Board words (uint32_t[4]) -> a model data input of `width` bits."""
    if width == 32:
        return ["m.%s = %s[0];" % (member, words)]
    if width == 64:
        return ["m.%s = static_cast<uint64_t>(%s[0]) |" % (member, words),
                "    static_cast<uint64_t>(%s[1]) << 32;" % words]
    return ["m.%s[%d] = %s[%d];" % (member, i, words, i) for i in range(width // 32)]


def _data_out(member, words, width, count=4):
    """A model data output of `width` bits -> board words (uint32_t[count], unused words 0)."""
    lines = []
    for i in range(count):
        if i * 32 >= width:
            value = "0"
        elif width == 32:
            value = "m.%s" % member
        elif width == 64:
            value = "static_cast<uint32_t>(m.%s%s)" % (member, " >> 32" if i else "")
        else:
            value = "m.%s[%d]" % (member, i)
        lines.append("%s[%d] = %s;" % (words, i, value))
    return lines


def emit(module, top_file, prefix, ports, masters):
    name = prefix[1:] if prefix.startswith("V") and len(prefix) > 1 else prefix
    guard = "PYNQ_REMOTE_BINDING_%s_H_" % re.sub(r"[^A-Za-z0-9]", "_", prefix).upper()
    drive, sample = [], []
    for sig, (direction, width) in LITE.items():
        if direction == "I":
            drive.append(_to_model("s_axil_" + sig, "p.s_axil." + sig, width))
        else:
            sample.append("p.s_axil.%s = m.s_axil_%s;" % (sig, sig))
    for i, (bprefix, _, widths, bits, _, _) in enumerate(masters):
        pin = "p.m_axi[%d]" % i
        for sig in SIGNALS:
            if sig not in widths:
                continue
            member = bprefix + sig
            width = widths[sig]
            if SIGNALS[sig][0] == "I":
                if sig == "rdata":
                    drive += _data_in(member, pin + ".rdata", width)
                else:
                    drive.append(_to_model(member, "%s.%s" % (pin, sig), width))
            elif sig == "wdata":
                sample += _data_out(member, pin + ".wdata", width)
            elif width == 1:
                sample.append("%s.%s = m.%s != 0;" % (pin, sig, member))
            else:
                ctype = "uint64_t" if sig.endswith("addr") else \
                    "uint16_t" if sig == "wstrb" else "uint8_t"
                sample.append("%s.%s = static_cast<%s>(m.%s);" % (pin, sig, ctype, member))
    settled = ["p.irq = m.irq;", "p.busy = m.busy != 0;"]
    for member, direction in EMIO.items():
        if member not in ports:
            continue
        width = ports[member][1]
        if direction == "I":
            drive += _data_in(member, "p." + member, width)
        else:
            settled += _data_out(member, "p." + member, width, count=3)
    sample += settled
    drive.insert(0, "m.rst_n = p.rst_n;")
    port_list = ", ".join('{"%s", %d, %s, %s}' % (ps, bits, str(r).lower(), str(w).lower())
                          for _, ps, _, bits, r, w in masters)

    def body(lines):
        return "\n".join("    " + line for line in lines)

    summary = "; ".join("%s* -> %s (%d bits%s)" %
                        (bp, ps, bits, "" if r and w else ", read-only" if r else ", write-only")
                        for bp, ps, _, bits, r, w in masters) or "no master ports"
    return """// Generated by rtl/tools/gen_binding.py from %(top)s, module %(module)s: do not edit.
// Master ports: %(summary)s.
#ifndef %(guard)s
#define %(guard)s

#include <cstdint>
#include <vector>

#include "%(prefix)s.h"
#include "pl/pl_design.h"

namespace pynq_remote::sim {

struct Binding_%(name)s {
  static std::vector<MasterPortInfo> Ports() { return {%(ports)s}; }

  static void Drive(%(prefix)s& m, const ShellPins& p) {
%(drive)s
  }

  static void Sample(const %(prefix)s& m, ShellPins& p) {
%(sample)s
  }

  // After a run's last edge: what the board reads between runs.
  static void SampleSettled(const %(prefix)s& m, ShellPins& p) {
%(settled)s
  }
};

}  // namespace pynq_remote::sim

#endif  // %(guard)s
""" % {"top": os.path.basename(top_file), "module": module, "summary": summary, "guard": guard,
       "prefix": prefix, "name": name, "ports": port_list, "drive": body(drive),
       "sample": body(sample), "settled": body(settled)}


def generate(top_file, module, prefix, family, legacy_port=None, boards_json=None):
    """The binding header's text; boards_json: the profiles to read (default: boards.py's)."""
    if family not in boards.FAMILIES:
        raise BindingError("unknown family %r (%s)" %
                           (family, " or ".join(sorted(boards.FAMILIES))))
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", prefix):
        raise BindingError("prefix %r is not a C++ identifier" % prefix)
    family = Family(family, boards_json)
    known = family.names
    if legacy_port is None:
        legacy_port = known[0]
    elif legacy_port not in known:
        raise BindingError("--legacy-port %s is not a PS slave port of %s (known: %s)" %
                           (legacy_port, family.title, ", ".join(known)))
    try:
        ports = gen_top.read_module(top_file, module, {})["ports"]
    except gen_top.DesignError as e:
        raise BindingError(str(e))
    except OSError as e:
        raise BindingError("cannot read %s: %s" % (top_file, e.strerror))
    masters = analyse(ports, family, legacy_port)
    return emit(module, top_file, prefix, ports, masters)


def main(argv):
    ap = argparse.ArgumentParser(prog="gen_binding.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("--top-file", required=True)
    ap.add_argument("--top", required=True)
    ap.add_argument("--prefix", required=True)
    ap.add_argument("--family", required=True, choices=sorted(boards.FAMILIES))
    ap.add_argument("--legacy-port")
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    try:
        text = generate(args.top_file, args.top, args.prefix, args.family, args.legacy_port)
    except BindingError as e:
        print("gen_binding.py: %s (module %s): %s" % (args.top_file, args.top, e),
              file=sys.stderr)
        return 1
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    if os.path.exists(args.out):
        with open(args.out) as f:
            if f.read() == text:
                os.utime(args.out)
                return 0
    with open(args.out, "w") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
