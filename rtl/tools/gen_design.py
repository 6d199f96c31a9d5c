#!/usr/bin/python3
"""Generate a simulated-board design's artefacts from its manifest.

Writes, into OUT_DIR:

* ``<name>.bit``: a genuine Xilinx .bit whose configuration data names the design and the
  SHA-256 of its sources (format in rtl/README.md, parsed by sim/bitstream/);
* ``<name>.hwh``: Vivado's hardware handoff format, as PYNQ's metadata parser reads it;
* ``<name>_design_info.h``: the design's name and content hash for the C++ registry.

Usage: gen_design.py MANIFEST OUT_DIR [--header-dir DIR]
Debian's /usr/bin/python3, standard library only.
"""
import argparse
import datetime
import hashlib
import json
import os
import re
import struct
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_top  # noqa: E402  (format 2: the design model)
from xml.sax.saxutils import quoteattr

BIT_MAGIC = b"PYNQSIM\x00"
BIT_FORMAT = 1


def content_hash(manifest_path, manifest):
    """SHA-256 over the manifest and every source, in manifest order, each with its name."""
    digest = hashlib.sha256()
    base = os.path.dirname(os.path.abspath(manifest_path))
    for name in ["manifest.json"] + list(manifest["sources"]):
        with open(gen_top.source_path(base, name), "rb") as f:
            data = f.read()
        digest.update(name.encode() + b"\x00" + struct.pack("<Q", len(data)) + data)
    return digest.hexdigest()


def bit_payload(name, sha):
    """The configuration data: magic, version, name, hash, zero pad to 4, CRC32 (zlib)."""
    body = BIT_MAGIC + struct.pack("<II", BIT_FORMAT, len(name)) + name.encode() + sha.encode()
    body += b"\x00" * (-len(body) % 4)
    return body + struct.pack("<I", zlib.crc32(body) & 0xFFFFFFFF)


def bit_file(manifest, payload, when):
    """A Xilinx .bit: 9-byte magic field, 0x0001, tags a/b/c/d (NUL-terminated), e + data."""
    out = struct.pack(">H", 9) + bytes.fromhex("0FF00FF00FF00FF000") + struct.pack(">H", 1)

    def tag(letter, text):
        data = text.encode() + b"\x00"
        return letter.encode() + struct.pack(">H", len(data)) + data

    out += tag("a", "%s;UserID=0XFFFFFFFF;Version=pynq-remote-sim" % manifest["name"])
    out += tag("b", manifest["part"])
    out += tag("c", when.strftime("%Y/%m/%d"))
    out += tag("d", when.strftime("%H:%M:%S"))
    return out + b"e" + struct.pack(">I", len(payload)) + payload


def split_part(part):
    device, package, speed = (part.split("-") + ["", ""])[:3]
    return device, package, "-" + speed if speed else ""


def ps_parameters(manifest):
    params = {
        "PSU__PROTECTION__MASTERS": "", "PSU__DDRC__DEVICE_CAPACITY": "8192 MBits",
        "PSU__CRL_APB__IOPLL_CTRL__FBDIV": "90", "PSU__CRL_APB__IOPLL_CTRL__DIV2": "1",
        "PSU__USE__IRQ0": "1", "PSU__NUM_FABRIC_RESETS": "1",
    }
    for n in range(4):
        params["PSU__FPGA_PL%d_ENABLE" % n] = "0"
        params["PSU__CRL_APB__PL%d_REF_CTRL__FREQMHZ" % n] = "100"
        params["PSU__CRL_APB__PL%d_REF_CTRL__ACT_FREQMHZ" % n] = "100.000000"
        params["PSU__CRL_APB__PL%d_REF_CTRL__SRCSEL" % n] = "IOPLL"
        params["PSU__CRL_APB__PL%d_REF_CTRL__DIVISOR0" % n] = "15"
        params["PSU__CRL_APB__PL%d_REF_CTRL__DIVISOR1" % n] = "1"
    for clk in manifest.get("clocks", []):
        n, mhz = clk["index"], float(clk["freq_mhz"])
        if not 0 < mhz <= 1000:  # also NaN
            raise gen_top.DesignError("clock %r: freq_mhz %r is not in (0, 1000]" %
                                      (clk.get("name"), clk["freq_mhz"]))
        div0 = max(1, min(63, round(1500.0 / mhz)))
        params["PSU__FPGA_PL%d_ENABLE" % n] = "1"
        params["PSU__CRL_APB__PL%d_REF_CTRL__FREQMHZ" % n] = "%g" % mhz
        params["PSU__CRL_APB__PL%d_REF_CTRL__ACT_FREQMHZ" % n] = "%f" % (1500.0 / div0)
        params["PSU__CRL_APB__PL%d_REF_CTRL__DIVISOR0" % n] = str(div0)
    gp = {"M_AXI_HPM0_FPD": (0, "M_AXI_GP0"), "M_AXI_HPM1_FPD": (1, "M_AXI_GP1"),
          "M_AXI_HPM0_LPD": (2, "M_AXI_GP2")}
    for port, (n, use) in gp.items():
        width = manifest["ps"]["master_ports"].get(port)
        params["PSU__USE__%s" % use] = "1" if width else "0"
        params["PSU__MAXIGP%d__DATA_WIDTH" % n] = str(width or 128)
        # Vivado also writes the C_ form; it is the one PYNQ's set_axi_port_width reads.
        params["C_MAXIGP%d_DATA_WIDTH" % n] = str(width or 128)
    for n in range(7):
        port = "S_AXI_HP%d_FPD" % (n - 2) if 2 <= n <= 5 else None
        width = manifest["ps"]["slave_ports"].get(port) if port else None
        params["PSU__USE__S_AXI_GP%d" % n] = "1" if width else "0"
        params["PSU__SAXIGP%d__DATA_WIDTH" % n] = str(width or 128)
        params["C_SAXIGP%d_DATA_WIDTH" % n] = str(width or 128)
    return params


def hwh_text(manifest, sha, when):
    device, package, speed = split_part(manifest["part"])
    lines = ['<?xml version="1.0" encoding="UTF-8" standalone="no" ?>',
             '<EDKSYSTEM EDWVERSION="1.2" TIMESTAMP=%s VIVADOVERSION="2020.2">' %
             quoteattr(when.strftime("%a %b %d %H:%M:%S %Y")),
             '  <SYSTEMINFO ARCH="zynquplus" BOARD=%s DEVICE=%s NAME=%s PACKAGE=%s SPEEDGRADE=%s/>'
             % (quoteattr(manifest["board"]), quoteattr(device), quoteattr(manifest["name"]),
                quoteattr(package), quoteattr(speed)),
             '  <!-- pynq-remote sim design, content sha256 %s -->' % sha,
             "  <EXTERNALPORTS/>", "  <EXTERNALINTERFACES/>", "  <MODULES>"]
    irq_sources = {}
    for inst in manifest["instances"]:
        if "interrupt" in inst:
            irq_sources[inst["interrupt"]["irq"]] = (inst["name"], inst["interrupt"]["port"])
    # The PS: parameters PYNQ reads, its memory map (one MEMRANGE per slave), ports.
    lines.append('    <MODULE CONFIGURABLE="TRUE" COREREVISION="0" FULLNAME="/zynq_ultra_ps_e_0" '
                 'HWVERSION="3.3" INSTANCE="zynq_ultra_ps_e_0" IPTYPE="PERIPHERAL" IS_ENABLE="1" '
                 'IS_PL="FALSE" MODTYPE="zynq_ultra_ps_e" VLNV="xilinx.com:ip:zynq_ultra_ps_e:3.3">')
    lines.append("      <PARAMETERS>")
    for key, value in sorted(ps_parameters(manifest).items()):
        lines.append("        <PARAMETER NAME=%s VALUE=%s/>" % (quoteattr(key), quoteattr(value)))
    lines.append("      </PARAMETERS>")
    lines.append("      <PORTS>")
    for clk in manifest.get("clocks", []):
        lines.append('        <PORT CLKFREQUENCY="%d" DIR="O" NAME="pl_clk%d" SIGIS="clk" '
                     'SIGNAME="zynq_ultra_ps_e_0_pl_clk%d"/>' %
                     (int(float(clk["freq_mhz"]) * 1e6), clk["index"], clk["index"]))
    lines.append('        <PORT DIR="O" NAME="pl_resetn0" SIGIS="rst" '
                 'SIGNAME="zynq_ultra_ps_e_0_pl_resetn0"/>')
    if irq_sources:
        line, (inst, port) = sorted(irq_sources.items())[0]
        signame = "%s_%s" % (inst, port)
        lines += ['        <PORT DIR="I" LEFT="0" NAME="pl_ps_irq0" RIGHT="0" '
                  'SENSITIVITY="LEVEL_HIGH" SIGIS="INTERRUPT" SIGNAME=%s>' % quoteattr(signame),
                  "          <CONNECTIONS>",
                  "            <CONNECTION INSTANCE=%s PORT=%s/>" % (quoteattr(inst), quoteattr(port)),
                  "          </CONNECTIONS>", "        </PORT>"]
    lines.append("      </PORTS>")
    lines.append("      <BUSINTERFACES>")
    for port in manifest["ps"]["master_ports"]:
        lines.append('        <BUSINTERFACE BUSNAME="ps8_0_%s" DATAWIDTH="%d" NAME=%s TYPE="MASTER" '
                     'VLNV="xilinx.com:interface:aximm:1.0"/>' %
                     (port.lower(), manifest["ps"]["master_ports"][port], quoteattr(port)))
    for port in manifest["ps"]["slave_ports"]:
        lines.append('        <BUSINTERFACE BUSNAME="%s_bus" DATAWIDTH="%d" NAME=%s TYPE="SLAVE" '
                     'VLNV="xilinx.com:interface:aximm:1.0"/>' %
                     (port.lower(), manifest["ps"]["slave_ports"][port], quoteattr(port)))
    lines.append("      </BUSINTERFACES>")
    lines.append("      <MEMORYMAP>")
    for inst in manifest["instances"]:
        base, rng = _window(inst)
        lines.append('        <MEMRANGE ADDRESSBLOCK="Reg" BASENAME="C_BASEADDR" BASEVALUE="0x%08X" '
                     'HIGHNAME="C_HIGHADDR" HIGHVALUE="0x%08X" INSTANCE=%s IS_DATA="TRUE" '
                     'IS_INSTRUCTION="TRUE" MASTERBUSINTERFACE=%s MEMTYPE="REGISTER" '
                     'SLAVEBUSINTERFACE=%s/>' % (base, base + rng - 1, quoteattr(inst["name"]),
                                                 quoteattr(inst["ps_port"]),
                                                 quoteattr(inst["interface"])))
    lines.append("      </MEMORYMAP>")
    lines.append("    </MODULE>")
    for inst in manifest["instances"]:
        lines += instance_module(inst)
    lines += ["  </MODULES>", "</EDKSYSTEM>", ""]
    return "\n".join(lines)


def instance_module(inst):
    vendor, library, name, version = inst["vlnv"].split(":")
    base, rng = _window(inst)
    out = ['    <MODULE COREREVISION="1" FULLNAME="/%s" HWVERSION=%s INSTANCE=%s IPTYPE="PERIPHERAL" '
           'IS_ENABLE="1" MODCLASS="PERIPHERAL" MODTYPE=%s VLNV=%s>' %
           (inst["name"], quoteattr(version), quoteattr(inst["name"]), quoteattr(name),
            quoteattr(inst["vlnv"])),
           "      <DOCUMENTS/>"]
    out += address_blocks(inst)
    out += ["      <PARAMETERS>",
            '        <PARAMETER NAME="Component_Name" VALUE=%s/>' % quoteattr(inst["name"]),
            '        <PARAMETER NAME="C_BASEADDR" VALUE="0x%08X"/>' % base,
            '        <PARAMETER NAME="C_HIGHADDR" VALUE="0x%08X"/>' % (base + rng - 1),
            "      </PARAMETERS>", "      <PORTS>"]
    if "interrupt" in inst:
        port = inst["interrupt"]["port"]
        out += ['        <PORT DIR="O" NAME=%s SENSITIVITY="LEVEL_HIGH" SIGIS="INTERRUPT" '
                'SIGNAME=%s>' % (quoteattr(port), quoteattr("%s_%s" % (inst["name"], port))),
                "          <CONNECTIONS>",
                '            <CONNECTION INSTANCE="zynq_ultra_ps_e_0" PORT="pl_ps_irq0"/>',
                "          </CONNECTIONS>", "        </PORT>"]
    out += ["      </PORTS>", "      <BUSINTERFACES>",
            '        <BUSINTERFACE BUSNAME="ps8_0_%s" DATAWIDTH="32" NAME=%s TYPE="SLAVE" '
            'VLNV="xilinx.com:interface:aximm:1.0"/>' % (inst["ps_port"].lower(),
                                                         quoteattr(inst["interface"])),
            "      </BUSINTERFACES>", "    </MODULE>"]
    return out


# What XML 1.0 can hold: a manifest string outside it would make the .hwh unreadable.
_XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def check_xml_text(node, where="manifest"):
    """Every string in the manifest (keys too) is text XML can carry, else DesignError."""
    if isinstance(node, dict):
        for key, value in node.items():
            check_xml_text(key, where)
            check_xml_text(value, "%s.%s" % (where, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            check_xml_text(value, "%s[%d]" % (where, i))
    elif isinstance(node, str):
        bad = _XML_INVALID.search(node)
        if bad:
            raise gen_top.DesignError("%s holds U+%04X, which XML cannot carry" %
                                      (where, ord(bad.group())))


def _window(inst):
    """(base, range) of an instance's slave window, checked as gen_top checks format 2:
    a power-of-two range, base aligned to it, inside the 32-bit PL address space."""
    base, rng = int(inst["base"], 16), int(inst["range"], 16)
    if rng <= 0 or rng & (rng - 1) or base % rng or base + rng > 1 << 32:
        raise gen_top.DesignError("%s: base %s / range %s: the range must be a power of two, "
                                  "the base aligned to it, the window inside 32 bits" %
                                  (inst["name"], inst["base"], inst["range"]))
    return base, rng


def _count(value, what):
    """A register map number: a non-negative int below 2^32 (bits, widths, sizes)."""
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 1 << 32:
        raise gen_top.DesignError("%s is %r, not an integer in 0..2^32-1" % (what, value))
    return str(value)


def _offset(value, what):
    """A register offset: decimal or 0x-hex text (Vivado writes both), at most 64 bits."""
    if not isinstance(value, str) or not re.fullmatch(r"0[xX][0-9a-fA-F]{1,16}|[0-9]{1,19}", value):
        raise gen_top.DesignError("%s is %r, not a decimal or 0x-hex string" % (what, value))
    return value


def address_blocks(inst):
    """ADDRESSBLOCKS with one "Reg" block of the instance's registers (PG names)."""
    _, rng = _window(inst)
    out = ['      <ADDRESSBLOCKS>',
           '        <ADDRESSBLOCK ACCESS="read-write" INTERFACE=%s NAME="Reg" RANGE="%d" '
           'USAGE="register">' % (quoteattr(inst["interface"]), rng),
           "          <REGISTERS>"]
    for reg in inst["registers"]:
        out.append("            <REGISTER NAME=%s>" % quoteattr(reg["name"]))
        where = "%s register %s" % (inst["name"], reg["name"])
        for key, value in (("DESCRIPTION", reg["description"]),
                           ("ADDRESS_OFFSET", _offset(reg["offset"], where + " offset")),
                           ("SIZE", _count(reg["size"], where + " size")),
                           ("ACCESS", reg["access"]), ("IS_ENABLED", "true"),
                           ("RESET_VALUE", "0x0")):
            out.append("              <PROPERTY NAME=%s VALUE=%s/>" % (quoteattr(key),
                                                                     quoteattr(value)))
        out.append("              <FIELDS>")
        fields = reg.get("fields") or [{"name": reg["name"], "bit": 0, "width": reg["size"],
                                        "access": reg["access"],
                                        "description": reg["description"]}]
        for field in fields:
            out.append("                <FIELD NAME=%s>" % quoteattr(field["name"]))
            for key, value in (("DESCRIPTION", field["description"]),
                               ("ADDRESS_OFFSET", "0"), ("ACCESS", field["access"]),
                               ("MODIFIED_READ_VALUES", ""), ("WRITE_CONSTRAINT", "0"),
                               ("READ_ACTION", ""),
                               ("BIT_OFFSET", _count(field["bit"], where + " field bit")),
                               ("BIT_WIDTH", _count(field["width"], where + " field width"))):
                out.append("                  <PROPERTY NAME=%s VALUE=%s/>" %
                           (quoteattr(key), quoteattr(value)))
            out.append("                </FIELD>")
        out.append("              </FIELDS>")
        out.append("            </REGISTER>")
    out += ["          </REGISTERS>", "        </ADDRESSBLOCK>", "      </ADDRESSBLOCKS>"]
    return out


# ---- format 2: the .hwh of a generated design (rtl/README.md, manifest format 2) ---------------

PS_INSTANCE = "zynq_ultra_ps_e_0"
# AXI4-Stream and GPIO interface roles as Vivado writes them (INITIATOR/TARGET, see the real
# zcu104_resizer.hwh: hwh/ in PYNQ_REMOTE_TESTDATA_DIR, from ci/fetch-testdata.sh); memory-mapped
# interfaces keep MASTER/SLAVE there.
STREAM_TYPES = {"master": "INITIATOR", "slave": "TARGET"}
INTERFACE_VLNV = {"axilite": "xilinx.com:interface:aximm:1.0",
                  "aximm": "xilinx.com:interface:aximm:1.0",
                  "axis": "xilinx.com:interface:axis:1.0",
                  "gpio": "xilinx.com:interface:gpio:1.0"}
DDR_LOW = (0x00000000, 0x7FFFFFFF)  # the HP ports' view of DDR low, as Vivado assigns it


class _Nets:
    """Nets between module pins: name -> [(instance, port)], and pin -> net."""

    def __init__(self):
        self.pins = {}      # (instance, port) -> net name
        self.members = {}   # net name -> [(instance, port)]
        self.info = {}      # (instance, port) -> dict(dir, width, interrupt)

    def connect(self, name, *pins):
        for pin, info in pins:
            if pin in self.pins:
                raise gen_top.DesignError("%s/%s is on two nets" % pin)
            self.pins[pin] = name
            self.members.setdefault(name, []).append(pin)
            self.info[pin] = info

    def ports_of(self, instance):
        return sorted((p, self.pins[(i, p)], self.info[(i, p)])
                      for (i, p) in self.pins if i == instance)


def _port_lines(nets, instance, extra=()):
    """PORT elements of `instance`: direction, width, SIGIS, SIGNAME and CONNECTIONS."""
    out = []
    ports = [(p, n, i) for p, n, i in nets.ports_of(instance)] + list(extra)
    for port, net, info in sorted(ports):
        attrs = 'DIR="%s"' % info["dir"]
        if info["width"] > 1 or info.get("vector"):
            attrs += ' LEFT="%d"' % (info["width"] - 1)
        attrs += " NAME=%s" % quoteattr(port)
        if info["width"] > 1 or info.get("vector"):
            attrs += ' RIGHT="0"'
        if info.get("interrupt"):
            attrs += ' SENSITIVITY="LEVEL_HIGH" SIGIS="INTERRUPT"'
        if net is None:
            out.append("        <PORT %s/>" % attrs)
            continue
        attrs += " SIGNAME=%s" % quoteattr(net)
        others = [pin for pin in nets.members[net] if pin != (instance, port)]
        out.append("        <PORT %s>" % attrs)
        out.append("          <CONNECTIONS>")
        for inst, other in others:
            out.append("            <CONNECTION INSTANCE=%s PORT=%s/>" %
                       (quoteattr(inst), quoteattr(other)))
        out.append("          </CONNECTIONS>")
        out.append("        </PORT>")
    return out


def _bus_ports(nets, instance, info):
    """The ports of `instance` its bus interfaces' PORTMAPS name, as PORT entries without a
    net: every PHYSICAL a PORTMAP names must be a PORT of its MODULE, as in Vivado's own .hwh
    (pynqmetadata looks each one up and refuses the file otherwise)."""
    wired = {port for port, _, _ in nets.ports_of(instance)}
    out = []
    for spec in info["interfaces"].values():
        for physical in spec["ports"].values():
            if physical in wired or physical not in info["ports"]:
                continue
            direction, width = info["ports"][physical]
            out.append((physical, None, {"dir": direction, "width": width}))
            wired.add(physical)
    return out


def _interrupt_nets(design, nets):
    """Wires the interrupt sinks as Vivado does: a lone source on input 0 connects directly,
    several (or one elsewhere) go through an xlconcat. Returns the xlconcat cells and the
    width of pl_ps_irq0."""
    concats = []
    ps_width = 1
    taken = set(design.instances)
    sinks = design.interrupt_sinks()
    order = sorted(sinks, key=lambda k: (k == gen_top.PS_IRQ, str(k)))
    for sink in order:
        bits = sinks[sink]
        if sink == gen_top.PS_IRQ:
            sink_pin, width = (PS_INSTANCE, gen_top.PS_IRQ), None
        else:
            sink_pin = sink
            width = design.instances[sink[0]]["ports"][sink[1]][1]
        src = {"dir": "O", "width": 1, "interrupt": True}
        if len(bits) == 1 and 0 in bits:
            inst, port = bits[0]
            nets.connect("%s_%s" % (inst, port), ((inst, port), src),
                         (sink_pin, {"dir": "I", "width": width or 1, "interrupt": True,
                                     "vector": sink == gen_top.PS_IRQ}))
            continue
        k = 0
        while "xlconcat_%d" % k in taken:
            k += 1
        cell = "xlconcat_%d" % k
        taken.add(cell)
        count = max(bits) + 1
        for i, (inst, port) in sorted(bits.items()):
            nets.connect("%s_%s" % (inst, port), ((inst, port), src),
                         ((cell, "In%d" % i), {"dir": "I", "width": 1, "interrupt": True}))
        if sink == gen_top.PS_IRQ:
            ps_width = count
        nets.connect("%s_dout" % cell,
                     ((cell, "dout"), {"dir": "O", "width": count, "interrupt": True,
                                       "vector": True}),
                     (sink_pin, {"dir": "I", "width": width or count, "interrupt": True,
                                 "vector": True}))
        concats.append((cell, count))
    return concats, ps_width


def hwh_text_v2(manifest, design, sha, when):
    device, package, speed = split_part(manifest["part"])
    nets = _Nets()
    concats, _ = _interrupt_nets(design, nets)
    for w in manifest.get("wires", []):
        fi, fp, fw = design.port(w["from"], "wires", "O")
        ti, tp, tw = design.port(w["to"], "wires", "I")
        if (fi, fp) in nets.pins:  # one output feeding several inputs
            nets.connect(nets.pins[(fi, fp)], ((ti, tp), {"dir": "I", "width": tw}))
        else:
            nets.connect("%s_%s" % (fi, fp), ((fi, fp), {"dir": "O", "width": fw}),
                         ((ti, tp), {"dir": "I", "width": tw}))
    stream_bus = {}
    for s in manifest.get("streams", []):
        stream_bus[s["from"]] = stream_bus[s["to"]] = s["from"].replace("/", "_")
    master_ifs = {(e["instance"], e["interface"]): e for e in manifest.get("masters", [])}
    slaves = design.slaves()
    slave_bus = {name: "ps8_0_axi_periph_M%02d_AXI" % i
                 for i, (name, _, _, _) in enumerate(slaves)}

    lines = ['<?xml version="1.0" encoding="UTF-8" standalone="no" ?>',
             '<EDKSYSTEM EDWVERSION="1.2" TIMESTAMP=%s VIVADOVERSION="2020.2">' %
             quoteattr(when.strftime("%a %b %d %H:%M:%S %Y")),
             '  <SYSTEMINFO ARCH="zynquplus" BOARD=%s DEVICE=%s NAME=%s PACKAGE=%s SPEEDGRADE=%s/>'
             % (quoteattr(manifest["board"]), quoteattr(device), quoteattr(manifest["name"]),
                quoteattr(package), quoteattr(speed)),
             '  <!-- pynq-remote sim design, content sha256 %s -->' % sha,
             "  <EXTERNALPORTS/>", "  <EXTERNALINTERFACES/>", "  <MODULES>"]
    # The PS.
    lines.append('    <MODULE CONFIGURABLE="TRUE" COREREVISION="0" FULLNAME="/%s" '
                 'HWVERSION="3.3" INSTANCE="%s" IPTYPE="PERIPHERAL" IS_ENABLE="1" '
                 'IS_PL="FALSE" MODTYPE="zynq_ultra_ps_e" VLNV="xilinx.com:ip:zynq_ultra_ps_e:3.3">'
                 % (PS_INSTANCE, PS_INSTANCE))
    lines.append("      <PARAMETERS>")
    for key, value in sorted(ps_parameters(manifest).items()):
        lines.append("        <PARAMETER NAME=%s VALUE=%s/>" % (quoteattr(key), quoteattr(value)))
    lines.append("      </PARAMETERS>")
    lines.append("      <PORTS>")
    for clk in manifest.get("clocks", []):
        lines.append('        <PORT CLKFREQUENCY="%d" DIR="O" NAME="pl_clk%d" SIGIS="clk" '
                     'SIGNAME="%s_pl_clk%d"/>' %
                     (int(float(clk["freq_mhz"]) * 1e6), clk["index"], PS_INSTANCE, clk["index"]))
    lines.append('        <PORT DIR="O" NAME="pl_resetn0" SIGIS="rst" SIGNAME="%s_pl_resetn0"/>'
                 % PS_INSTANCE)
    lines += _port_lines(nets, PS_INSTANCE)
    lines.append("      </PORTS>")
    lines.append("      <BUSINTERFACES>")
    for port, width in manifest["ps"]["master_ports"].items():
        lines.append('        <BUSINTERFACE BUSNAME="ps8_0_%s" DATAWIDTH="%d" NAME=%s TYPE="MASTER" '
                     'VLNV="xilinx.com:interface:aximm:1.0"/>' % (port.lower(), width,
                                                                  quoteattr(port)))
    for port, width in manifest["ps"]["slave_ports"].items():
        lines.append('        <BUSINTERFACE BUSNAME="%s_bus" DATAWIDTH="%d" NAME=%s TYPE="SLAVE" '
                     'VLNV="xilinx.com:interface:aximm:1.0"/>' % (port.lower(), width,
                                                                 quoteattr(port)))
    lines.append("      </BUSINTERFACES>")
    lines.append("      <MEMORYMAP>")
    for name, base, rng, _ in slaves:
        inst = design.instances[name]["manifest"]
        lines.append('        <MEMRANGE ADDRESSBLOCK="Reg" BASENAME="C_BASEADDR" BASEVALUE="0x%08X" '
                     'HIGHNAME="C_HIGHADDR" HIGHVALUE="0x%08X" INSTANCE=%s IS_DATA="TRUE" '
                     'IS_INSTRUCTION="TRUE" MASTERBUSINTERFACE=%s MEMTYPE="REGISTER" '
                     'SLAVEBUSINTERFACE=%s/>' % (base, base + rng - 1, quoteattr(name),
                                                 quoteattr(inst["ps_port"]),
                                                 quoteattr(inst["interface"])))
    lines.append("      </MEMORYMAP>")
    lines.append("    </MODULE>")
    # The instances.
    for name, info in design.instances.items():
        inst = info["manifest"]
        version = inst["vlnv"].split(":")[3]
        modtype = inst["vlnv"].split(":")[2]
        lines.append('    <MODULE COREREVISION="1" FULLNAME="/%s" HWVERSION=%s INSTANCE=%s '
                     'IPTYPE="PERIPHERAL" IS_ENABLE="1" MODCLASS="PERIPHERAL" MODTYPE=%s VLNV=%s>'
                     % (name, quoteattr(version), quoteattr(name), quoteattr(modtype),
                        quoteattr(inst["vlnv"])))
        lines.append("      <DOCUMENTS/>")
        if "base" in inst:
            lines += address_blocks(inst)
        lines.append("      <PARAMETERS>")
        params = dict(inst.get("hwh_parameters", {}))
        params.setdefault("Component_Name", "%s_%s_0" % (manifest["name"], name))
        # Vivado names the address parameters after the slave interface
        # (C_S_AXI_AXILITES_BASEADDR); add the generic pair only where the manifest has none.
        named = any(k.endswith("_BASEADDR") and k != "C_BASEADDR" for k in params)
        if "base" in inst and not named:
            base, rng = _window(inst)
            params["C_BASEADDR"] = "0x%08X" % base
            params["C_HIGHADDR"] = "0x%08X" % (base + rng - 1)
        for key, value in params.items():
            lines.append("        <PARAMETER NAME=%s VALUE=%s/>" % (quoteattr(key),
                                                                   quoteattr(str(value))))
        lines.append("      </PARAMETERS>")
        lines.append("      <PORTS>")
        lines += _port_lines(nets, name, _bus_ports(nets, name, info))
        lines.append("      </PORTS>")
        lines.append("      <BUSINTERFACES>")
        for ifname, spec in info["interfaces"].items():
            kind, mode = spec["type"], spec.get("mode", "slave")
            ref = "%s/%s" % (name, ifname)
            width = ""
            if kind == "axilite":
                bus, role = slave_bus.get(name, "%s_%s" % (name, ifname)), "SLAVE"
                width = ' DATAWIDTH="32"'
            elif kind == "aximm":
                bus, role = "%s_%s" % (name, ifname), "MASTER" if mode == "master" else "SLAVE"
                data = spec["ports"].get("rdata") or spec["ports"].get("wdata")
                if data:
                    width = ' DATAWIDTH="%d"' % info["ports"][data][1]
            else:
                bus = stream_bus.get(ref, "%s_%s" % (name, ifname))
                role = STREAM_TYPES.get(mode, mode.upper())
            lines.append('        <BUSINTERFACE BUSNAME=%s%s NAME=%s TYPE=%s VLNV=%s>' %
                         (quoteattr(bus), width, quoteattr(ifname), quoteattr(role),
                          quoteattr(INTERFACE_VLNV.get(kind, "xilinx.com:interface:%s:1.0" % kind))))
            lines.append("          <PORTMAPS>")
            for logical, physical in sorted(spec["ports"].items()):
                if kind == "gpio":
                    logical = "TRI_" + logical.replace("io_", "")
                lines.append('            <PORTMAP LOGICAL=%s PHYSICAL=%s/>' %
                             (quoteattr(logical.upper()), quoteattr(physical)))
            lines.append("          </PORTMAPS>")
            lines.append("        </BUSINTERFACE>")
        lines.append("      </BUSINTERFACES>")
        ddr = [(ifname, e) for (i, ifname), e in master_ifs.items() if i == name]
        if ddr:
            lines.append("      <MEMORYMAP>")
            for ifname, entry in ddr:
                lines.append('        <MEMRANGE ADDRESSBLOCK="HP0_DDR_LOW" BASENAME="C_BASEADDR" '
                             'BASEVALUE="0x%08X" HIGHNAME="C_HIGHADDR" HIGHVALUE="0x%08X" '
                             'INSTANCE="%s" IS_DATA="TRUE" IS_INSTRUCTION="TRUE" '
                             'MASTERBUSINTERFACE=%s MEMTYPE="MEMORY" SLAVEBUSINTERFACE=%s/>' %
                             (DDR_LOW[0], DDR_LOW[1], PS_INSTANCE, quoteattr(ifname),
                              quoteattr(entry["ps_port"])))
            lines.append("      </MEMORYMAP>")
        lines.append("    </MODULE>")
    # The xlconcat cells Vivado would put in front of a multi-input interrupt sink.
    for cell, count in concats:
        lines.append('    <MODULE COREREVISION="2" FULLNAME="/%s" HWVERSION="2.1" INSTANCE="%s" '
                     'IPTYPE="PERIPHERAL" IS_ENABLE="1" MODCLASS="PERIPHERAL" MODTYPE="xlconcat" '
                     'VLNV="xilinx.com:ip:xlconcat:2.1">' % (cell, cell))
        lines.append("      <DOCUMENTS/>")
        lines.append("      <PARAMETERS>")
        for i in range(count):
            lines.append('        <PARAMETER NAME="IN%d_WIDTH" VALUE="1"/>' % i)
        lines.append('        <PARAMETER NAME="dout_width" VALUE="%d"/>' % count)
        lines.append('        <PARAMETER NAME="NUM_PORTS" VALUE="%d"/>' % count)
        lines.append('        <PARAMETER NAME="Component_Name" VALUE="%s_%s_0"/>' %
                     (manifest["name"], cell))
        lines.append('        <PARAMETER NAME="EDK_IPTYPE" VALUE="PERIPHERAL"/>')
        lines.append("      </PARAMETERS>")
        lines.append("      <PORTS>")
        unconnected = [("In%d" % i, None, {"dir": "I", "width": 1, "vector": True})
                       for i in range(count) if (cell, "In%d" % i) not in nets.pins]
        lines += _port_lines(nets, cell, unconnected)
        lines.append("      </PORTS>")
        lines.append("      <BUSINTERFACES/>")
        lines.append("    </MODULE>")
    lines += ["  </MODULES>", "</EDKSYSTEM>", ""]
    return "\n".join(lines)


def header_text(manifest, sha):
    guard = "PYNQ_REMOTE_DESIGN_%s_INFO_H_" % manifest["name"].upper()
    return ("// Generated by rtl/tools/gen_design.py from %s/manifest.json: do not edit.\n"
            "#ifndef %s\n#define %s\n\nnamespace pynq_remote::sim::designs::%s {\n"
            "inline constexpr char kName[] = \"%s\";\n"
            "inline constexpr char kContentHash[] = \"%s\";  // SHA-256 of manifest + sources\n"
            "inline constexpr char kPart[] = \"%s\";\n"
            "}  // namespace pynq_remote::sim::designs::%s\n\n#endif  // %s\n" %
            (manifest["name"], guard, guard, manifest["name"], manifest["name"], sha,
             manifest["part"], manifest["name"], guard))


def write_if_changed(path, data):
    mode = "wb" if isinstance(data, bytes) else "w"
    if os.path.exists(path):
        with open(path, "rb" if mode == "wb" else "r") as f:
            if f.read() == data:
                return
    with open(path, mode) as f:
        f.write(data)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("manifest")
    parser.add_argument("out_dir")
    parser.add_argument("--header-dir", help="where <name>_design_info.h goes (default OUT_DIR)")
    args = parser.parse_args(argv)
    try:
        with gen_top.manifest_errors():
            return generate_files(args)
    except gen_top.DesignError as e:
        print("gen_design.py: %s: %s" % (args.manifest, e), file=sys.stderr)
        return 1


def generate_files(args):
    with open(args.manifest) as f:
        manifest = json.load(f)
    check_xml_text(manifest)
    gen_top.check_names(manifest)
    sha = content_hash(args.manifest, manifest)
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "0")) or None
    when = (datetime.datetime.utcfromtimestamp(epoch) if epoch
            else datetime.datetime.utcnow().replace(microsecond=0))
    os.makedirs(args.out_dir, exist_ok=True)
    name = manifest["name"]
    # Regenerate the dated files only when the design or this generator changed, so rebuilds
    # are no-ops and a generator fix reaches every design.
    generator = hashlib.sha256()
    for tool in (os.path.abspath(__file__), os.path.abspath(gen_top.__file__)):
        with open(tool, "rb") as f:
            generator.update(f.read())
    generator = generator.hexdigest()
    stamp = os.path.join(args.out_dir, ".%s.sha256" % name)
    old = open(stamp).read() if os.path.exists(stamp) else ""
    if (old != sha + " " + generator or
            not os.path.exists(os.path.join(args.out_dir, name + ".bit"))):
        write_if_changed(os.path.join(args.out_dir, name + ".bit"),
                         bit_file(manifest, bit_payload(name, sha), when))
        if manifest.get("format", 1) >= 2:
            hwh = hwh_text_v2(manifest, gen_top.Design(args.manifest, manifest), sha, when)
        else:
            hwh = hwh_text(manifest, sha, when)
        write_if_changed(os.path.join(args.out_dir, name + ".hwh"), hwh)
        write_if_changed(stamp, sha + " " + generator)
    else:  # unchanged content: keep the dated files, but mark them up to date for the build
        for ext in (".bit", ".hwh"):
            os.utime(os.path.join(args.out_dir, name + ext))
    header_dir = args.header_dir or args.out_dir
    os.makedirs(header_dir, exist_ok=True)
    write_if_changed(os.path.join(header_dir, name + "_design_info.h"), header_text(manifest, sha))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
