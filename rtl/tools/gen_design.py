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
import shutil
import struct
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import boards  # noqa: E402  (the board profiles, sim/board/boards.json)
import gen_top  # noqa: E402  (format 2: the design model)
from xml.sax.saxutils import quoteattr

BIT_MAGIC = b"PYNQSIM\x00"
BIT_FORMAT = 1


def content_hash(manifest_path, manifest):
    """SHA-256 over the manifest and every source, in manifest order, each with its name."""
    digest = hashlib.sha256()
    base = os.path.dirname(os.path.abspath(manifest_path))
    # An imported design's Vivado .hwh ("hwh_file") is part of what the .bit stands for.
    extra = [manifest["hwh_file"]] if manifest.get("hwh_file") else []
    for name in ["manifest.json"] + list(manifest["sources"]) + extra:
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
    """SYSTEMINFO's DEVICE, PACKAGE, SPEEDGRADE of a part, as Vivado splits them:
    xczu7ev-ffvc1156-2-e -> xczu7ev, ffvc1156, -2; xc7z020clg400-1 -> 7z020, clg400, -1."""
    z7 = re.fullmatch(r"xc(7z\d+)([a-z]+\d+)-(\d+)", part)
    if z7:
        return z7.group(1), z7.group(2), "-" + z7.group(3)
    device, package, speed = (part.split("-") + ["", ""])[:3]
    return device, package, "-" + speed if speed else ""




# ---- the board: its profile (sim/board/boards.json) and what the generator refuses ------------

def board_of(manifest):
    """The profile the manifest names ("board_name", else the "board" part VLNV), checked
    against the manifest: its part, the PS ports it uses, their data widths and every
    instance's window. What the profile cannot model is a DesignError naming it."""
    wanted = manifest.get("board_name") or manifest.get("board")
    if not isinstance(wanted, str) or not wanted:
        raise gen_top.DesignError("the manifest names no board (\"board_name\", e.g. \"ZCU104\")")
    try:
        board = boards.find(wanted)
        if board is None and manifest.get("board"):
            board = boards.find_by_board_part(manifest["board"])
        if board is None:
            raise gen_top.DesignError("no board profile %r; known boards: %s" %
                                      (wanted, ", ".join(boards.names())))
    except boards.BoardError as e:
        raise gen_top.DesignError(str(e)) from e
    family = board.family_name
    if manifest["part"] != board.part:
        raise gen_top.DesignError("part %s is not the %s's (%s)" %
                                  (manifest["part"], board.name, board.part))

    def master(port, what):
        window = board.master(port)
        if window is None:
            raise gen_top.DesignError(
                "%s: the %s PS (%s) has no master port %s; it has %s" %
                (what, family, board.name, port, ", ".join(m.name for m in board.masters)))
        return window

    def slave(port, what):
        ps_port = board.slave(port) if port.startswith("S_AXI_") else None
        if ps_port is None:
            raise gen_top.DesignError(
                "%s: the %s PS (%s) has no slave port %s; it has %s" %
                (what, family, board.name, port, ", ".join(s.name for s in board.slaves)))
        return ps_port

    ps = manifest.get("ps", {})
    for port, width in ps.get("master_ports", {}).items():
        master(port, "ps.master_ports")
        allowed = MASTER_DATA_BITS[board.family]
        if width not in allowed:
            raise gen_top.DesignError("ps.master_ports: %s of a %s PS is %s bits wide, not %r" %
                                      (port, family, "/".join(map(str, allowed)), width))
    for port, width in ps.get("slave_ports", {}).items():
        allowed = slave(port, "ps.slave_ports").data_bits
        if width not in allowed:
            raise gen_top.DesignError("ps.slave_ports: %s of a %s PS is %s bits wide, not %r" %
                                      (port, family, "/".join(map(str, allowed)), width))
    for entry in manifest.get("masters", []):
        slave(entry.get("ps_port") or board.default_slave.name,
              "masters (%s)" % entry.get("instance", entry.get("port")))
    spans = []
    for inst in manifest["instances"]:
        if "base" not in inst:
            continue
        master(inst["ps_port"], inst["name"])
        windows = board.windows_of(inst["ps_port"])
        base, rng = _window(inst)
        if not any(w.base <= base and base + rng <= w.base + w.size for w in windows):
            raise gen_top.DesignError(
                "%s: window 0x%08X..0x%08X is outside %s (%s) of the %s" %
                (inst["name"], base, base + rng - 1, inst["ps_port"],
                 " and ".join("0x%08X..0x%08X" % (w.base, w.base + w.size - 1)
                              for w in windows), board.name))
        spans.append((inst["name"], base, rng))
    # The design sees the low 32 bits of an address: no two instances, and no high-window
    # instance and a low PL window, may share them (gen_top.check_low32).
    gen_top.check_low32(spans, [(w.name, w.base, w.size) for w in board.masters])
    return board


def check_master_widths(design, board):
    """Each DDR master's data width is one its PS slave port can carry."""
    for entry in design.m.get("masters", []):
        ps_port = entry.get("ps_port") or board.default_slave.name
        inst, ifname, spec = design.interface("%s/%s" % (entry["instance"], entry["interface"]),
                                              "masters", "aximm", "master")
        data = spec["ports"].get("rdata") or spec["ports"].get("wdata")
        if data is None:
            continue
        width = design.instances[inst]["ports"][data][1]
        allowed = board.slave(ps_port).data_bits
        if width not in allowed:
            raise gen_top.DesignError(
                "masters: %s/%s is %d bits wide; %s of a %s PS takes %s" %
                (inst, ifname, width, ps_port, board.family_name,
                 "/".join(map(str, allowed))))


# The PS master ports' data widths: ZynqMP's HPM ports are 32/64/128 bits, Zynq-7000's GP
# ports 32 bits only.
MASTER_DATA_BITS = {"zynqmp": (32, 64, 128), "zynq7000": (32,)}


def _clock_divisors(mhz, source_mhz):
    """(div0, div1, actual MHz) of a PL clock from its PLL: the pair (1..63 each) nearest to
    mhz, then the smallest div0 not below div1 (Vivado's 100 MHz from 1000 MHz: 5, 2)."""
    best = None
    for div1 in range(1, 64):
        for div0 in range(max(div1, 1), 64):
            actual = source_mhz / div0 / div1
            key = (abs(actual - mhz), div0, div1)
            if best is None or key < best[0]:
                best = (key, div0, div1, actual)
    return best[1], best[2], best[3]


def _clocks(manifest):
    """{index: MHz} of the manifest's PL clocks, each checked."""
    out = {}
    for clk in manifest.get("clocks", []):
        n, mhz = clk["index"], float(clk["freq_mhz"])
        if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n < 4:
            raise gen_top.DesignError("clock %r: index %r is not 0..3" % (clk.get("name"), n))
        if not 0 < mhz <= 1000:  # also NaN
            raise gen_top.DesignError("clock %r: freq_mhz %r is not in (0, 1000]" %
                                      (clk.get("name"), clk["freq_mhz"]))
        out[n] = mhz
    return out


ZU_IOPLL_MHZ = 1500.0   # PSU__CRL_APB__IOPLL_CTRL__FBDIV 90 x 33.333 MHz / 2
Z7_IOPLL_MHZ = 1000.0   # PCW_IOPLL_CTRL_FBDIV 20 x 50 MHz


def ps_parameters_zynqmp(manifest, used_masters, used_slaves, irq_lines):
    params = {
        "PSU__PROTECTION__MASTERS": "", "PSU__DDRC__DEVICE_CAPACITY": "8192 MBits",
        "PSU__CRL_APB__IOPLL_CTRL__FBDIV": "90", "PSU__CRL_APB__IOPLL_CTRL__DIV2": "1",
        "PSU__USE__IRQ0": "1" if irq_lines else "0",
        "PSU__USE__IRQ1": "1" if irq_lines > 8 else "0", "PSU__NUM_FABRIC_RESETS": "1",
    }
    for n in range(4):
        params["PSU__FPGA_PL%d_ENABLE" % n] = "0"
        params["PSU__CRL_APB__PL%d_REF_CTRL__FREQMHZ" % n] = "100"
        params["PSU__CRL_APB__PL%d_REF_CTRL__ACT_FREQMHZ" % n] = "100.000000"
        params["PSU__CRL_APB__PL%d_REF_CTRL__SRCSEL" % n] = "IOPLL"
        params["PSU__CRL_APB__PL%d_REF_CTRL__DIVISOR0" % n] = "15"
        params["PSU__CRL_APB__PL%d_REF_CTRL__DIVISOR1" % n] = "1"
    for n, mhz in _clocks(manifest).items():
        div0 = max(1, min(63, round(ZU_IOPLL_MHZ / mhz)))
        params["PSU__FPGA_PL%d_ENABLE" % n] = "1"
        params["PSU__CRL_APB__PL%d_REF_CTRL__FREQMHZ" % n] = "%g" % mhz
        params["PSU__CRL_APB__PL%d_REF_CTRL__ACT_FREQMHZ" % n] = "%f" % (ZU_IOPLL_MHZ / div0)
        params["PSU__CRL_APB__PL%d_REF_CTRL__DIVISOR0" % n] = str(div0)
    gp = {"M_AXI_HPM0_FPD": (0, "M_AXI_GP0"), "M_AXI_HPM1_FPD": (1, "M_AXI_GP1"),
          "M_AXI_HPM0_LPD": (2, "M_AXI_GP2")}
    for port, (n, use) in gp.items():
        width = used_masters.get(port)
        params["PSU__USE__%s" % use] = "1" if width else "0"
        params["PSU__MAXIGP%d__DATA_WIDTH" % n] = str(width or 128)
        # Vivado also writes the C_ form; it is the one PYNQ's set_axi_port_width reads.
        params["C_MAXIGP%d_DATA_WIDTH" % n] = str(width or 128)
    for n in range(7):
        width = used_slaves.get(ZU_SAXIGP[n])
        params["PSU__USE__S_AXI_GP%d" % n] = "1" if width else "0"
        params["PSU__SAXIGP%d__DATA_WIDTH" % n] = str(width or 128)
        params["C_SAXIGP%d_DATA_WIDTH" % n] = str(width or 128)
    params["PSU__USE__S_AXI_ACP"] = "1" if "S_AXI_ACP_FPD" in used_slaves else "0"
    return params


# S_AXI_GPn of the ZynqMP PS, n = 0..6 (PSU__SAXIGPn__DATA_WIDTH).
ZU_SAXIGP = ("S_AXI_HPC0_FPD", "S_AXI_HPC1_FPD", "S_AXI_HP0_FPD", "S_AXI_HP1_FPD",
             "S_AXI_HP2_FPD", "S_AXI_HP3_FPD", "S_AXI_LPD")


def ps_parameters_zynq7000(manifest, board, used_masters, used_slaves, irq_lines):
    """processing_system7 5.5's PCW_* parameters PYNQ reads (the FCLK clocks, as its
    clock_dict and Clocks do), with the PLLs of a 50 MHz PS_CLK board."""
    params = {
        "PCW_CRYSTAL_PERIPHERAL_FREQMHZ": "50", "PCW_APU_PERIPHERAL_FREQMHZ": "650",
        "PCW_ARMPLL_CTRL_FBDIV": "26", "PCW_IOPLL_CTRL_FBDIV": "20",
        "PCW_DDRPLL_CTRL_FBDIV": "21", "PCW_UIPARAM_DDR_FREQ_MHZ": "525",
        "PCW_DDR_RAM_HIGHADDR": "0x%08X" % (board.ddr.base + board.ddr.size - 1),
        "PCW_USE_FABRIC_INTERRUPT": "1" if irq_lines else "0",
        "PCW_IRQ_F2P_INTR": "1" if irq_lines else "0",
        "PCW_NUM_F2P_INTR_INPUTS": str(max(irq_lines, 1)),
        "PCW_IRQ_F2P_MODE": "DIRECT",
    }
    clocks = _clocks(manifest)
    for n in range(4):
        mhz = clocks.get(n)
        div0, div1, actual = _clock_divisors(mhz or 100.0, Z7_IOPLL_MHZ)
        params["PCW_FPGA_FCLK%d_ENABLE" % n] = "1" if mhz else "0"
        params["PCW_EN_CLK%d_PORT" % n] = "1" if mhz else "0"
        params["PCW_EN_RST%d_PORT" % n] = "1" if n == 0 else "0"
        params["PCW_FCLK_CLK%d_BUF" % n] = "TRUE" if mhz else "FALSE"
        params["PCW_FPGA%d_PERIPHERAL_FREQMHZ" % n] = "%g" % (mhz or 100.0)
        params["PCW_ACT_FPGA%d_PERIPHERAL_FREQMHZ" % n] = "%f" % actual
        params["PCW_FCLK%d_PERIPHERAL_CLKSRC" % n] = "IO PLL"
        params["PCW_FCLK%d_PERIPHERAL_DIVISOR0" % n] = str(div0)
        params["PCW_FCLK%d_PERIPHERAL_DIVISOR1" % n] = str(div1)
    for n in range(2):
        port = "M_AXI_GP%d" % n
        params["PCW_USE_%s" % port] = "1" if port in used_masters else "0"
        params["PCW_%s_FREQMHZ" % port] = "%g" % clocks.get(0, 100.0)
    for short in ("HP0", "HP1", "HP2", "HP3", "ACP"):
        port = "S_AXI_" + short
        width = used_slaves.get(port, 64)
        params["PCW_USE_%s" % port] = "1" if port in used_slaves else "0"
        params["PCW_%s_FREQMHZ" % port] = "%g" % clocks.get(0, 100.0)
        if short != "ACP":
            params["PCW_%s_DATA_WIDTH" % port] = str(width)
            params["C_%s_DATA_WIDTH" % port] = str(width)
    return params

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
    a power-of-two range of at most 4 GiB, base aligned to it, inside the 40-bit physical
    address space (a ZynqMP port's high window is above 4 GiB; board_of checks the port)."""
    base, rng = int(inst["base"], 16), int(inst["range"], 16)
    if (rng <= 0 or rng & (rng - 1) or base % rng or rng > 1 << 32 or
            base + rng > boards.MAX_PHYSICAL):
        raise gen_top.DesignError("%s: base %s / range %s: the range must be a power of two of "
                                  "at most 4 GiB, the base aligned to it, the window inside 40 "
                                  "bits" % (inst["name"], inst["base"], inst["range"]))
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




# ---- the .hwh: cells (MODULEs), their ports and the nets between them --------------------------
#
# Written as Vivado's IP integrator writes a block design: the PS, a proc_sys_reset on PL clock
# 0, one AXI interconnect per PS master port in front of its peripherals, an AXI interconnect in
# front of a PS slave port several masters share, the instances, and xlconcat cells in front of
# multi-input interrupt sinks. Every port a PORTMAP names is a PORT of its MODULE; every net
# has one driver (DIR="O") whose CONNECTIONS list its sinks, and each sink (DIR="I") lists
# the driver, as pynqmetadata requires (PortNotFound, WrongPolarityConnection otherwise).

# AXI4-Stream and GPIO interface roles as Vivado writes them (INITIATOR/TARGET, see the real
# zcu104_resizer.hwh: hwh/ in PYNQ_REMOTE_TESTDATA_DIR, from ci/fetch-testdata.sh); memory-mapped
# interfaces keep MASTER/SLAVE there.
STREAM_TYPES = {"master": "INITIATOR", "slave": "TARGET"}
INTERFACE_VLNV = {"axilite": "xilinx.com:interface:aximm:1.0",
                  "aximm": "xilinx.com:interface:aximm:1.0",
                  "axis": "xilinx.com:interface:axis:1.0",
                  "gpio": "xilinx.com:interface:gpio:1.0"}
AXIMM_VLNV = INTERFACE_VLNV["aximm"]

FAMILY = {
    "zynqmp": {"ps": "zynq_ultra_ps_e_0", "modtype": "zynq_ultra_ps_e", "version": "3.3",
               "arch": "zynquplus", "periph": "ps8_0_axi_periph", "rst": "rst_ps8_0_%gM",
               "clk": "pl_clk%d", "resetn": "pl_resetn0", "addr": 40, "id": 16, "len": 8,
               "lock": 1, "slave_addr": 49, "slave_id": 6, "ddr_block": "%s_DDR_LOW"},
    "zynq7000": {"ps": "processing_system7_0", "modtype": "processing_system7", "version": "5.5",
                 "arch": "zynq", "periph": "ps7_0_axi_periph", "rst": "rst_ps7_0_%gM",
                 "clk": "FCLK_CLK%d", "resetn": "FCLK_RESET0_N", "addr": 32, "id": 12,
                 "len": 4, "lock": 2, "slave_addr": 32, "slave_id": 6,
                 "ddr_block": "%s_DDR_LOWOCM"},
}
# zynq_ultra_ps_e's pin prefixes and clock inputs per bus port.
ZU_PINS = {"M_AXI_HPM0_FPD": ("maxigp0_", "maxihpm0_fpd_aclk"),
           "M_AXI_HPM1_FPD": ("maxigp1_", "maxihpm1_fpd_aclk"),
           "M_AXI_HPM0_LPD": ("maxigp2_", "maxihpm0_lpd_aclk"),
           "S_AXI_HPC0_FPD": ("saxigp0_", "saxihpc0_fpd_aclk"),
           "S_AXI_HPC1_FPD": ("saxigp1_", "saxihpc1_fpd_aclk"),
           "S_AXI_HP0_FPD": ("saxigp2_", "saxihp0_fpd_aclk"),
           "S_AXI_HP1_FPD": ("saxigp3_", "saxihp1_fpd_aclk"),
           "S_AXI_HP2_FPD": ("saxigp4_", "saxihp2_fpd_aclk"),
           "S_AXI_HP3_FPD": ("saxigp5_", "saxihp3_fpd_aclk"),
           "S_AXI_LPD": ("saxigp6_", "saxi_lpd_aclk"),
           "S_AXI_ACP_FPD": ("saxiacp_", "saxiacp_fpd_aclk")}
# The AXI4 signals of a PS bus port: (name, width: int or key of FAMILY / "data" / "strb").
AXI4_SIGNALS = (
    ("awid", "id"), ("awaddr", "addr"), ("awlen", "len"), ("awsize", 3), ("awburst", 2),
    ("awlock", "lock"), ("awcache", 4), ("awprot", 3), ("awvalid", 1), ("awready", 1),
    ("wdata", "data"), ("wstrb", "strb"), ("wlast", 1), ("wvalid", 1), ("wready", 1),
    ("bid", "id"), ("bresp", 2), ("bvalid", 1), ("bready", 1),
    ("arid", "id"), ("araddr", "addr"), ("arlen", "len"), ("arsize", 3), ("arburst", 2),
    ("arlock", "lock"), ("arcache", 4), ("arprot", 3), ("arvalid", 1), ("arready", 1),
    ("rid", "id"), ("rdata", "data"), ("rresp", 2), ("rlast", 1), ("rvalid", 1), ("rready", 1))


def master_drives(sig):
    """Whether the master side of an AXI4 / AXI4-Stream bus drives `sig` (logical, lower)."""
    if sig.startswith("t"):
        return sig != "tready"
    return sig.endswith("ready") == (sig[0] in "br")


class _Cell:
    """One MODULE: attributes, parameters, ports (in order), bus interfaces, extra XML."""

    def __init__(self, name, vlnv, iptype="PERIPHERAL", revision="1", ps=False):
        self.name, self.vlnv, self.iptype, self.revision, self.ps = (name, vlnv, iptype,
                                                                      revision, ps)
        self.params = {}
        self.ports = {}      # name -> dict(dir, width, sigis, vector, freq)
        self.buses = []      # dict(name, type, vlnv, busname, width, portmaps [(logical, pin)])
        self.blocks = []     # ADDRESSBLOCKS lines
        self.memmap = []     # MEMORYMAP lines

    def port(self, name, direction, width=1, sigis="undef", vector=False, freq=None):
        if name not in self.ports:
            self.ports[name] = {"dir": direction, "width": width, "sigis": sigis,
                                "vector": vector or width > 1, "freq": freq}
        return name

    def bus(self, name, role, vlnv, busname, portmaps, width=None):
        self.buses.append({"name": name, "type": role, "vlnv": vlnv, "busname": busname,
                           "width": width, "portmaps": portmaps})


class _System:
    """The cells and the nets between their pins: net -> driver pin and sink pins."""

    def __init__(self):
        self.cells = {}
        self.driver = {}    # net -> (cell, port)
        self.sinks = {}     # net -> [(cell, port)]
        self.net_of = {}    # (cell, port) -> net

    def add(self, cell):
        if cell.name in self.cells:
            raise gen_top.DesignError("instance name %s is taken by a cell the .hwh needs"
                                      % cell.name)
        self.cells[cell.name] = cell
        return cell

    def unique(self, stem):
        n = 0
        while "%s_%d" % (stem, n) in self.cells:
            n += 1
        return "%s_%d" % (stem, n)

    def connect(self, net, driver, *sinks):
        """Joins sink pins to the net `driver` drives (created under the name `net`)."""
        for pin in (driver,) + sinks:
            if pin[1] not in self.cells[pin[0]].ports:
                raise gen_top.DesignError("%s/%s is not a port" % pin)
        if driver in self.net_of:
            net = self.net_of[driver]
            if self.driver[net] != driver:
                raise gen_top.DesignError("%s/%s is an input on net %s" % (driver + (net,)))
        else:
            if net in self.driver:
                raise gen_top.DesignError("net %s named twice" % net)
            self.driver[net], self.sinks[net], self.net_of[driver] = driver, [], net
        for pin in sinks:
            if pin in self.net_of:
                raise gen_top.DesignError("%s/%s is driven twice (net %s and %s)" %
                                          (pin + (self.net_of[pin], net)))
            self.net_of[pin] = net
            self.sinks[net].append(pin)
        return net

    def join(self, busname, a, a_pins, b, b_pins, a_is_master):
        """Connects two bus interfaces signal by signal (logical names both sides have)."""
        for sig in sorted(set(a_pins) & set(b_pins)):
            ours = (a, a_pins[sig])
            theirs = (b, b_pins[sig])
            if master_drives(sig) == a_is_master:
                self.connect("%s_%s" % (busname, sig), ours, theirs)
            else:
                self.connect("%s_%s" % (busname, sig), theirs, ours)


class _Ps:
    """The PS cell of a family and its bus ports, created as they are used."""

    def __init__(self, system, board, manifest):
        self.fam = FAMILY[board.family]
        self.board = board
        self.system = system
        name = self.fam["ps"]
        self.cell = system.add(_Cell(name, "xilinx.com:ip:%s:%s" % (self.fam["modtype"],
                                                                  self.fam["version"]),
                                     revision="0", ps=True))
        self.clocks = _clocks(manifest) or {0: 100.0}
        self.masters = dict(manifest.get("ps", {}).get("master_ports", {}))
        self.slaves = dict(manifest.get("ps", {}).get("slave_ports", {}))
        self.bus_pins = {}   # port -> {logical: pin}
        for n, mhz in sorted(self.clocks.items()):
            self.cell.port(self.fam["clk"] % n, "O", sigis="clk", freq=mhz)
        self.cell.port(self.fam["resetn"], "O", sigis="rst")

    @property
    def name(self):
        return self.cell.name

    def clock(self):
        return (self.name, self.fam["clk"] % min(self.clocks))

    def mhz(self):
        return self.clocks[min(self.clocks)]

    def _pin(self, port, sig):
        if self.board.is_zynqmp:
            return ZU_PINS.get(port, (port.lower() + "_", None))[0] + sig
        return "%s_%s" % (port, sig.upper())

    def _aclk(self, port):
        if self.board.is_zynqmp:
            return ZU_PINS.get(port, (None, port.lower() + "_aclk"))[1]
        return port + "_ACLK"

    def bus_port(self, port, master, data_bits, clocks):
        """The PS bus interface `port`, its AXI4 pins and clock input: {logical: pin}."""
        if port in self.bus_pins:
            return self.bus_pins[port]
        table = self.masters if master else self.slaves
        width = table.setdefault(port, data_bits)
        sizes = dict(self.fam, data=width, strb=width // 8)
        if not master:
            sizes.update(addr=self.fam["slave_addr"], id=self.fam["slave_id"])
        aclk = self.cell.port(self._aclk(port), "I", sigis="clk", freq=self.mhz())
        clocks.append((self.name, aclk))
        pins = {}
        for sig, size in AXI4_SIGNALS:
            drives = master_drives(sig) == master
            pins[sig] = self.cell.port(self._pin(port, sig), "O" if drives else "I",
                                       size if isinstance(size, int) else sizes[size])
        self.cell.bus(port, "MASTER" if master else "SLAVE", AXIMM_VLNV,
                      None, pins, width)
        self.bus_pins[port] = pins
        return pins

    def set_busname(self, port, busname):
        for bus in self.cell.buses:
            if bus["name"] == port:
                bus["busname"] = busname

    def irq_ports(self):
        return [(p.name, p.lines) for p in self.board.irq_ports]


def _instance_cell(system, manifest, name, info):
    """An instance's MODULE: every port of its Verilog module, its bus interfaces."""
    inst = info["manifest"]
    if len(inst["vlnv"].split(":")) != 4:
        raise gen_top.DesignError("%s: vlnv %r is not vendor:library:name:version" %
                                  (name, inst["vlnv"]))
    cell = system.add(_Cell(name, inst["vlnv"]))
    if "base" in inst:
        cell.blocks = address_blocks(inst)
    params = dict(inst.get("hwh_parameters", {}))
    params.setdefault("Component_Name", "%s_%s_0" % (manifest["name"], name))
    # Vivado names the address parameters after the slave interface
    # (C_S_AXI_AXILITES_BASEADDR); add the generic pair only where the manifest has none.
    named = any(k.endswith("_BASEADDR") and k != "C_BASEADDR" for k in params)
    if "base" in inst and not named:
        base, rng = _window(inst)
        params["C_BASEADDR"] = "0x%08X" % base
        params["C_HIGHADDR"] = "0x%08X" % (base + rng - 1)
    cell.params = {k: str(v) for k, v in params.items()}
    clock = info.get("clock", inst.get("clock_port", "clk"))
    reset = info.get("reset", inst.get("reset_port", "rst_n"))
    irq_outputs = {gen_top.split_pin(e["from"], "interrupts")[1]
                   for e in manifest.get("interrupts", [])
                   if e["from"].split("/")[0] == name}
    for port, (direction, width) in info["ports"].items():
        sigis = ("clk" if port == clock else "rst" if port == reset else
                 "INTERRUPT" if port in irq_outputs else "undef")
        cell.port(port, direction, width, sigis)
    return cell


def _bus_pins(spec):
    return {sig: physical for sig, physical in spec["ports"].items()}


def _interconnect(system, name, n_slaves, n_masters, clocks, resets):
    """An axi_interconnect cell (ports made by the callers through _ic_bus)."""
    cell = system.add(_Cell(name, "xilinx.com:ip:axi_interconnect:2.1", iptype="BUS",
                            revision="20"))
    cell.params = {"NUM_SI": str(n_slaves), "NUM_MI": str(n_masters),
                   "Component_Name": "%s_0" % name, "EDK_IPTYPE": "BUS"}
    clocks.append((name, cell.port("ACLK", "I", sigis="clk")))
    resets["interconnect"].append((name, cell.port("ARESETN", "I", sigis="rst")))
    return cell


def _ic_bus(cell, side, signals, clocks, resets, width=None):
    """Interconnect bus interface `side` ("S00_AXI", "M01_AXI"): pins for `signals` with the
    widths given, master role for M.. sides. Returns {logical: pin}."""
    stem = side[:3]
    clocks.append((cell.name, cell.port(stem + "_ACLK", "I", sigis="clk")))
    resets["peripheral"].append((cell.name, cell.port(stem + "_ARESETN", "I", sigis="rst")))
    master = side.startswith("M")
    pins = {}
    for sig, size in signals:
        drives = master_drives(sig) == master
        pins[sig] = cell.port("%s_%s" % (side, sig), "O" if drives else "I", size)
    cell.bus(side, "MASTER" if master else "SLAVE", AXIMM_VLNV, None, pins, width)
    return pins


def _set_busname(cell, bus_name, busname):
    for bus in cell.buses:
        if bus["name"] == bus_name:
            bus["busname"] = busname


def build_system(manifest, design, board):
    """All cells and nets of a format-2 design's block design."""
    system = _System()
    ps = _Ps(system, board, manifest)
    # Ports Vivado leaves out of the .hwh (an HLS core's m_axi *ID/*USER/*REGION/WID, an axis
    # TSTRB its IP-XACT disables): the Verilog has them, the MODULE does not list them.
    for name, info in design.instances.items():
        omit = info["manifest"].get("hwh_omit_ports", [])
        missing = [p for p in omit if p not in info["ports"]]
        if missing:
            raise gen_top.DesignError("%s: hwh_omit_ports: %s is no port of module %s" %
                                      (name, ", ".join(missing), info["manifest"]["module"]))
        if omit:
            info["ports"] = {p: v for p, v in info["ports"].items() if p not in omit}
            for spec in info["interfaces"].values():
                spec["ports"] = {k: v for k, v in spec["ports"].items() if v not in omit}
    clocks, resets = [], {"peripheral": [], "interconnect": []}
    cells = {}
    for name, info in design.instances.items():
        cells[name] = _instance_cell(system, manifest, name, info)
        inst = info["manifest"]
        clock = info.get("clock", inst.get("clock_port", "clk"))
        reset = info.get("reset", inst.get("reset_port", "rst_n"))
        if clock in info["ports"] and info["ports"][clock][0] == "I":
            clocks.append((name, clock))
        if reset in info["ports"] and info["ports"][reset][0] == "I":
            resets["peripheral"].append((name, reset))

    # Bus interfaces of the instances (PORTMAPS; BUSNAME set by the connections below).
    for name, info in design.instances.items():
        for ifname, spec in info["interfaces"].items():
            kind, mode = spec["type"], spec.get("mode", "slave")
            pins = _bus_pins(spec)
            if kind == "gpio":
                pins = {"TRI_" + s.replace("io_", ""): p for s, p in pins.items()}
            if kind in ("axilite", "aximm"):
                role = "MASTER" if mode == "master" else "SLAVE"
                data = spec["ports"].get("rdata") or spec["ports"].get("wdata")
                width = info["ports"][data][1] if data else None
            else:
                role, width = STREAM_TYPES.get(mode, mode.upper()), None
            cells[name].bus(ifname, role, INTERFACE_VLNV.get(
                kind, "xilinx.com:interface:%s:1.0" % kind), "%s_%s" % (name, ifname),
                pins, width)

    # PS master ports -> one interconnect each -> the addressed instances.
    by_port = {}
    for name, base, rng, spec in design.slaves():
        by_port.setdefault(design.instances[name]["manifest"]["ps_port"], []).append(
            (name, spec))
    for k, (port, slaves) in enumerate(sorted(by_port.items(), key=lambda p: p[0])):
        ps_pins = ps.bus_port(port, True, ps.masters.get(port, 32), clocks)
        ic_name = ps.fam["periph"] if k == 0 else "%s_%d" % (ps.fam["periph"], k)
        ic = _interconnect(system, ic_name, 1, len(slaves), clocks, resets)
        ps_sizes = [(sig, ps.cell.ports[pin]["width"]) for sig, pin in ps_pins.items()]
        s00 = _ic_bus(ic, "S00_AXI", ps_sizes, clocks, resets, ps.masters[port])
        busname = "%s_%s" % (ps.name, port)
        ps.set_busname(port, busname)
        _set_busname(ic, "S00_AXI", busname)
        system.join(busname, ps.name, ps_pins, ic_name, s00, True)
        for i, (name, spec) in enumerate(slaves):
            info = design.instances[name]
            sizes = [(sig, info["ports"][pin][1]) for sig, pin in sorted(spec["ports"].items())]
            side = "M%02d_AXI" % i
            mi = _ic_bus(ic, side, sizes, clocks, resets, 32)
            busname = "%s_%s" % (ic_name, side)
            _set_busname(ic, side, busname)
            _set_busname(cells[name], info["manifest"]["interface"], busname)
            system.join(busname, ic_name, mi, name, _bus_pins(spec), True)

    # DDR masters -> PS slave ports (through an interconnect when several share one).
    by_slave = {}
    for entry in manifest.get("masters", []):
        ps_port = entry.get("ps_port") or board.default_slave.name
        inst, ifname, spec = design.interface("%s/%s" % (entry["instance"], entry["interface"]),
                                              "masters", "aximm", "master")
        by_slave.setdefault(ps_port, []).append((inst, ifname, spec))
    n_ic = 0
    for ps_port, masters in sorted(by_slave.items()):
        widths = []
        for inst, ifname, spec in masters:
            data = spec["ports"].get("rdata") or spec["ports"].get("wdata")
            widths.append(design.instances[inst]["ports"][data][1] if data else 64)
        ps_pins = ps.bus_port(ps_port, False, max(widths), clocks)
        block = ps.fam["ddr_block"] % board.slave(ps_port).short.upper()
        for inst, ifname, spec in masters:
            cells[inst].memmap.append(
                (ifname, ps.name, ps_port, block, board.ddr.base,
                 board.ddr.base + board.ddr.size - 1))
        if len(masters) == 1:
            inst, ifname, spec = masters[0]
            busname = "%s_%s" % (inst, ifname)
            ps.set_busname(ps_port, busname)
            system.join(busname, inst, _bus_pins(spec), ps.name, ps_pins, True)
            continue
        ic_name = "axi_interconnect_%d" % n_ic
        while ic_name in system.cells:
            n_ic += 1
            ic_name = "axi_interconnect_%d" % n_ic
        n_ic += 1
        ic = _interconnect(system, ic_name, len(masters), 1, clocks, resets)
        for i, (inst, ifname, spec) in enumerate(masters):
            info = design.instances[inst]
            sizes = [(sig, info["ports"][pin][1]) for sig, pin in sorted(spec["ports"].items())]
            side = "S%02d_AXI" % i
            si = _ic_bus(ic, side, sizes, clocks, resets, widths[i])
            busname = "%s_%s" % (inst, ifname)
            _set_busname(ic, side, busname)
            system.join(busname, inst, _bus_pins(spec), ic_name, si, True)
        ps_sizes = [(sig, ps.cell.ports[pin]["width"]) for sig, pin in ps_pins.items()]
        m00 = _ic_bus(ic, "M00_AXI", ps_sizes, clocks, resets, ps.slaves[ps_port])
        busname = "%s_M00_AXI" % ic_name
        _set_busname(ic, "M00_AXI", busname)
        ps.set_busname(ps_port, busname)
        system.join(busname, ic_name, m00, ps.name, ps_pins, True)
    # Every PS port the manifest enables is an interface of the PS, used or not.
    for port, width in sorted(ps.masters.items()):
        ps.bus_port(port, True, width, clocks)
    for port, width in sorted(ps.slaves.items()):
        ps.bus_port(port, False, width, clocks)

    # AXI4-Stream: pin to pin, the stream's net named after its initiator.
    for s in manifest.get("streams", []):
        fi, fif, fspec = design.interface(s["from"], "streams", "axis", "master")
        ti, tif, tspec = design.interface(s["to"], "streams", "axis", "slave")
        busname = "%s_%s" % (fi, fif)
        _set_busname(cells[ti], tif, busname)
        system.join(busname, fi, _bus_pins(fspec), ti, _bus_pins(tspec), True)

    # Plain wires; one output may feed several inputs.
    for w in manifest.get("wires", []):
        fi, fp, _ = design.port(w["from"], "wires", "O")
        ti, tp, _ = design.port(w["to"], "wires", "I")
        system.connect("%s_%s" % (fi, fp), (fi, fp), (ti, tp))

    _interrupt_nets(system, design, ps, manifest)
    _emio_nets(system, design, ps, manifest)
    _clock_and_reset(system, ps, clocks, resets)
    system.ps = ps
    return system


def _clock_and_reset(system, ps, clocks, resets):
    """PL clock 0 to every clock input; pl_resetn0 through a proc_sys_reset, as Vivado's
    automation wires them (rst_ps8_0_100M: peripheral_aresetn, interconnect_aresetn)."""
    clk = ps.clock()
    rst_name = ps.fam["rst"] % ps.mhz()
    rst_name = rst_name.replace(".", "_")
    rst = system.add(_Cell(rst_name, "xilinx.com:ip:proc_sys_reset:5.0", revision="13"))
    rst.params = {"C_FAMILY": ps.fam["arch"], "C_EXT_RST_WIDTH": "4", "C_AUX_RST_WIDTH": "4",
                  "C_EXT_RESET_HIGH": "0", "C_AUX_RESET_HIGH": "0", "C_NUM_BUS_RST": "1",
                  "C_NUM_PERP_RST": "1", "C_NUM_INTERCONNECT_ARESETN": "1",
                  "C_NUM_PERP_ARESETN": "1", "Component_Name": "%s_0" % rst_name,
                  "EDK_IPTYPE": "PERIPHERAL"}
    rst.port("slowest_sync_clk", "I", sigis="clk", freq=ps.mhz())
    rst.port("ext_reset_in", "I", sigis="rst")
    rst.port("aux_reset_in", "I", sigis="rst")
    rst.port("mb_debug_sys_rst", "I", sigis="rst")
    rst.port("dcm_locked", "I")
    rst.port("mb_reset", "O", sigis="rst")
    rst.port("bus_struct_reset", "O", 1, sigis="rst", vector=True)
    rst.port("peripheral_reset", "O", 1, sigis="rst", vector=True)
    rst.port("interconnect_aresetn", "O", 1, sigis="rst", vector=True)
    rst.port("peripheral_aresetn", "O", 1, sigis="rst", vector=True)
    clk_net = "%s_%s" % clk
    system.connect(clk_net, clk, (rst_name, "slowest_sync_clk"), *clocks)
    system.connect("%s_%s" % (ps.name, ps.fam["resetn"]), (ps.name, ps.fam["resetn"]),
                   (rst_name, "ext_reset_in"))
    for kind in ("peripheral", "interconnect"):
        if resets[kind]:
            system.connect("%s_%s_aresetn" % (rst_name, kind), (rst_name, kind + "_aresetn"),
                           *resets[kind])
    for cell, port in clocks:
        system.cells[cell].ports[port]["freq"] = ps.mhz()


def _interrupt_nets(system, design, ps, manifest):
    """Interrupt sinks as Vivado wires them: a lone source on input 0 connects directly,
    several (or one elsewhere) go through an xlconcat. The shell's irq[15:0] is, on ZynqMP,
    pl_ps_irq0 (bits 0..7) and pl_ps_irq1 (bits 8..15); on Zynq-7000 IRQ_F2P[15:0]."""
    sinks = design.interrupt_sinks()
    ps_bits = {}   # line of the shell's irq[15:0] -> source
    for key in [k for k in sinks if isinstance(k, str)]:   # a PS interrupt port
        offset = 8 if key == "pl_ps_irq1" else 0
        ps_bits.update({offset + i: src for i, src in sinks.pop(key).items()})
    groups = []   # (sink pin, {index: (inst, port)}, width or None = as the concat)
    for sink, bits in sorted(sinks.items()):
        width = design.instances[sink[0]]["ports"][sink[1]][1]
        groups.append((sink, bits, width))
    base = 0
    for port, lines in ps.irq_ports():
        mine = {i - base: src for i, src in ps_bits.items() if base <= i < base + lines}
        used = max(mine) + 1 if mine else 1
        ps.cell.port(port, "I", used, sigis="INTERRUPT", vector=True)
        if mine:
            groups.append(((ps.name, port), mine, None))
        base += lines
    if base < (max(ps_bits) + 1 if ps_bits else 0):
        raise gen_top.DesignError("interrupts: the %s PS has %d interrupt lines; index %d "
                                  "is beyond them" % (ps.board.family_name, base, max(ps_bits)))
    for sink, bits, width in groups:
        for pin in list(bits.values()) + [sink]:
            system.cells[pin[0]].ports[pin[1]]["sigis"] = "INTERRUPT"
        if len(bits) == 1 and 0 in bits:
            inst, port = bits[0]
            system.connect("%s_%s" % (inst, port), (inst, port), sink)
            continue
        cell_name = system.unique("xlconcat")
        count = max(bits) + 1
        cell = system.add(_Cell(cell_name, "xilinx.com:ip:xlconcat:2.1", revision="2"))
        cell.params = {"IN%d_WIDTH" % i: "1" for i in range(count)}
        cell.params.update({"dout_width": str(count), "NUM_PORTS": str(count),
                            "Component_Name": "%s_%s_0" % (manifest["name"], cell_name),
                            "EDK_IPTYPE": "PERIPHERAL"})
        for i in range(count):
            cell.port("In%d" % i, "I", 1, sigis="INTERRUPT", vector=True)
        cell.port("dout", "O", count, sigis="INTERRUPT", vector=True)
        for i, (inst, port) in sorted(bits.items()):
            system.connect("%s_%s" % (inst, port), (inst, port), (cell_name, "In%d" % i))
        if width is None:
            system.cells[sink[0]].ports[sink[1]]["width"] = count
        system.connect("%s_dout" % cell_name, (cell_name, "dout"), sink)


# The PS's EMIO GPIO pins as the two PS IPs name them (shell name -> .hwh port).
EMIO_PS_PORTS = {"zynqmp": {"emio_gpio_o": "emio_gpio_o", "emio_gpio_t": "emio_gpio_t",
                            "emio_gpio_i": "emio_gpio_i"},
                 "zynq7000": {"emio_gpio_o": "GPIO_O", "emio_gpio_t": "GPIO_T",
                              "emio_gpio_i": "GPIO_I"}}


def _emio_nets(system, design, ps, manifest):
    """The "emio" entries as Vivado wires EMIO GPIO to PL pins: the PS's emio_gpio_o/_t
    (GPIO_O/_T on processing_system7) through one xlslice per sink; the sources into
    emio_gpio_i (GPIO_I) through an xlconcat whose gaps are left undriven (0)."""
    entries = design.emio()
    if not entries and "emio" not in manifest:
        return
    pins = gen_top.EMIO_BITS[design.family]
    names = EMIO_PS_PORTS[design.family]
    ps.emio_pins = pins
    for shell, port in names.items():
        ps.cell.port(port, "I" if shell == "emio_gpio_i" else "O", pins, vector=True)
    pieces = []   # (first, width, (inst, port)) into emio_gpio_i
    for ps_port, first, width, inst, port, ps_drives in entries:
        if not ps_drives:
            pieces.append((first, width, (inst, port)))
            continue
        cell_name = system.unique("xlslice")
        cell = system.add(_Cell(cell_name, "xilinx.com:ip:xlslice:1.0", revision="2"))
        cell.params = {"DIN_WIDTH": str(pins), "DIN_FROM": str(first + width - 1),
                       "DIN_TO": str(first), "DOUT_WIDTH": str(width),
                       "Component_Name": "%s_%s_0" % (manifest["name"], cell_name),
                       "EDK_IPTYPE": "PERIPHERAL"}
        cell.port("Din", "I", pins, vector=True)
        cell.port("Dout", "O", width, vector=True)
        src = (ps.name, names[ps_port])
        system.connect("%s_%s" % src, src, (cell_name, "Din"))
        system.connect("%s_Dout" % cell_name, (cell_name, "Dout"), (inst, port))
    if not pieces:
        return
    cell_name = system.unique("xlconcat")
    cell = system.add(_Cell(cell_name, "xilinx.com:ip:xlconcat:2.1", revision="2"))
    inputs, at = [], 0   # (width, source or None), from EMIO pin 0 up
    for first, width, src in sorted(pieces):
        if first > at:
            inputs.append((first - at, None))
        inputs.append((width, src))
        at = first + width
    if at < pins:
        inputs.append((pins - at, None))
    cell.params = {"IN%d_WIDTH" % i: str(w) for i, (w, _) in enumerate(inputs)}
    cell.params.update({"dout_width": str(pins), "NUM_PORTS": str(len(inputs)),
                        "Component_Name": "%s_%s_0" % (manifest["name"], cell_name),
                        "EDK_IPTYPE": "PERIPHERAL"})
    for i, (width, src) in enumerate(inputs):
        cell.port("In%d" % i, "I", width, vector=True)
        if src is not None:
            system.connect("%s_%s" % src, src, (cell_name, "In%d" % i))
    cell.port("dout", "O", pins, vector=True)
    system.connect("%s_dout" % cell_name, (cell_name, "dout"), (ps.name, names["emio_gpio_i"]))


def build_system_v1(manifest, board):
    """A format-1 design (a hand-written top): the PS, and per instance its slave interface
    and interrupt output; the top's internals are not known, so no PORTMAPS."""
    system = _System()
    ps = _Ps(system, board, manifest)
    clocks = []
    irq = {}
    for port in sorted({i["ps_port"] for i in manifest["instances"]}):
        ps.bus_port(port, True, ps.masters.get(port, 32), clocks)
    for port, width in sorted(ps.masters.items()):
        ps.bus_port(port, True, width, clocks)
    for port, width in sorted(ps.slaves.items()):
        ps.bus_port(port, False, width, clocks)
    for port in ps.masters:
        ps.set_busname(port, "%s_%s" % (ps.name, port))
    for inst in manifest["instances"]:
        cell = system.add(_Cell(inst["name"], inst["vlnv"]))
        cell.blocks = address_blocks(inst)
        base, rng = _window(inst)
        cell.params = {"Component_Name": inst["name"], "C_BASEADDR": "0x%08X" % base,
                       "C_HIGHADDR": "0x%08X" % (base + rng - 1)}
        cell.bus(inst["interface"], "SLAVE", AXIMM_VLNV,
                 "%s_%s" % (ps.name, inst["ps_port"]), {}, 32)
        if "interrupt" in inst:
            cell.port(inst["interrupt"]["port"], "O", sigis="INTERRUPT")
            irq[inst["interrupt"]["irq"]] = (inst["name"], inst["interrupt"]["port"])
    for port, _ in ps.irq_ports():
        ps.cell.port(port, "I", 1, sigis="INTERRUPT", vector=True)
    if irq:  # the PS's first line, as before: format 1 has no xlconcat
        inst, port = irq[min(irq)]
        system.connect("%s_%s" % (inst, port), (inst, port), (ps.name, ps.irq_ports()[0][0]))
    rst_clk = ps.clock()
    if clocks:
        system.connect("%s_%s" % rst_clk, rst_clk, *clocks)
    system.ps = ps
    return system


def _ps_parameters(manifest, board, ps, system):
    irq_lines = sum(c.ports[p]["width"] for c in [ps.cell] for p, _ in ps.irq_ports()
                    if (ps.name, p) in system.net_of)
    if board.is_zynqmp:
        params = ps_parameters_zynqmp(manifest, ps.masters, ps.slaves, irq_lines)
    else:
        params = ps_parameters_zynq7000(manifest, board, ps.masters, ps.slaves, irq_lines)
    emio = getattr(ps, "emio_pins", 0)
    if emio:  # the GPIO controller's EMIO pins, as the PS configuration enables them
        if board.is_zynqmp:
            params.update({"PSU__GPIO_EMIO__PERIPHERAL__ENABLE": "1",
                           "PSU__GPIO_EMIO__PERIPHERAL__IO": str(emio),
                           "PSU__GPIO_EMIO_WIDTH": str(emio)})
        else:
            params.update({"PCW_GPIO_EMIO_GPIO_ENABLE": "1",
                           "PCW_GPIO_EMIO_GPIO_IO": str(emio),
                           "PCW_GPIO_EMIO_GPIO_WIDTH": str(emio)})
    return params


def hwh_text(manifest, design, board, sha, when):
    """The .hwh of a design: format 2 (design given) or format 1."""
    system = build_system(manifest, design, board) if design else build_system_v1(manifest,
                                                                                    board)
    fam = FAMILY[board.family]
    system.ps.cell.params = _ps_parameters(manifest, board, system.ps, system)
    device, package, speed = split_part(manifest["part"])
    lines = ['<?xml version="1.0" encoding="UTF-8" standalone="no" ?>',
             '<EDKSYSTEM EDWVERSION="1.2" TIMESTAMP=%s VIVADOVERSION="2020.2">' %
             quoteattr(when.strftime("%a %b %d %H:%M:%S %Y")),
             '  <SYSTEMINFO ARCH=%s BOARD=%s DEVICE=%s NAME=%s PACKAGE=%s SPEEDGRADE=%s/>'
             % (quoteattr(fam["arch"]), quoteattr(manifest.get("board") or board.board_part),
                quoteattr(device), quoteattr(manifest["name"]), quoteattr(package),
                quoteattr(speed)),
             '  <!-- pynq-remote sim design, content sha256 %s -->' % sha,
             "  <EXTERNALPORTS/>", "  <EXTERNALINTERFACES/>", "  <MODULES>"]
    for name in sorted(system.cells):
        cell = system.cells[name]
        lines += _module_lines(system, cell, manifest)
    lines += ["  </MODULES>", "</EDKSYSTEM>", ""]
    return "\n".join(lines)


def _module_lines(system, cell, manifest):
    modtype, version = cell.vlnv.split(":")[2:4]
    if cell.ps:
        out = ['    <MODULE CONFIGURABLE="TRUE" COREREVISION="0" FULLNAME="/%s" HWVERSION=%s '
               'INSTANCE="%s" IPTYPE="PERIPHERAL" IS_ENABLE="1" IS_PL="FALSE" MODTYPE=%s '
               'VLNV=%s>' % (cell.name, quoteattr(version), cell.name, quoteattr(modtype),
                              quoteattr(cell.vlnv))]
    else:
        out = ['    <MODULE COREREVISION=%s FULLNAME="/%s" HWVERSION=%s INSTANCE="%s" '
               'IPTYPE=%s IS_ENABLE="1" MODCLASS=%s MODTYPE=%s VLNV=%s>' %
               (quoteattr(cell.revision), cell.name, quoteattr(version), cell.name,
                quoteattr(cell.iptype), quoteattr(cell.iptype), quoteattr(modtype),
                quoteattr(cell.vlnv)),
               "      <DOCUMENTS/>"]
    out += cell.blocks
    out.append("      <PARAMETERS>")
    params = cell.params if not cell.ps else dict(sorted(cell.params.items()))
    for key, value in params.items():
        out.append("        <PARAMETER NAME=%s VALUE=%s/>" % (quoteattr(key), quoteattr(value)))
    out.append("      </PARAMETERS>")
    out.append("      <PORTS>")
    for port, info in cell.ports.items():
        attrs = []
        if info["freq"]:
            attrs.append('CLKFREQUENCY="%d"' % round(info["freq"] * 1e6))
        attrs.append('DIR="%s"' % info["dir"])
        if info["vector"]:
            attrs.append('LEFT="%d"' % (info["width"] - 1))
        attrs.append("NAME=%s" % quoteattr(port))
        if info["vector"]:
            attrs.append('RIGHT="0"')
        if info["sigis"] == "INTERRUPT":
            attrs.append('SENSITIVITY="LEVEL_HIGH"')
        attrs.append("SIGIS=%s" % quoteattr(info["sigis"]))
        net = system.net_of.get((cell.name, port))
        if net is None:
            out.append("        <PORT %s/>" % " ".join(attrs))
            continue
        attrs.append("SIGNAME=%s" % quoteattr(net))
        driver = system.driver[net]
        others = system.sinks[net] if driver == (cell.name, port) else [driver]
        out.append("        <PORT %s>" % " ".join(attrs))
        out.append("          <CONNECTIONS>")
        for inst, other in others:
            out.append("            <CONNECTION INSTANCE=%s PORT=%s/>" %
                       (quoteattr(inst), quoteattr(other)))
        out.append("          </CONNECTIONS>")
        out.append("        </PORT>")
    out.append("      </PORTS>")
    if cell.buses:
        out.append("      <BUSINTERFACES>")
        for bus in cell.buses:
            attrs = ["BUSNAME=%s" % quoteattr(bus["busname"])] if bus["busname"] else []
            if bus["width"]:
                attrs.append('DATAWIDTH="%d"' % bus["width"])
            attrs += ["NAME=%s" % quoteattr(bus["name"]), "TYPE=%s" % quoteattr(bus["type"]),
                      "VLNV=%s" % quoteattr(bus["vlnv"])]
            out.append("        <BUSINTERFACE %s>" % " ".join(attrs))
            out.append("          <PORTMAPS>")
            for logical, physical in sorted(bus["portmaps"].items()):
                out.append("            <PORTMAP LOGICAL=%s PHYSICAL=%s/>" %
                           (quoteattr(logical.upper()), quoteattr(physical)))
            out.append("          </PORTMAPS>")
            out.append("        </BUSINTERFACE>")
        out.append("      </BUSINTERFACES>")
    else:
        out.append("      <BUSINTERFACES/>")
    memmap = []
    if cell.ps:
        for inst in manifest["instances"]:
            if "base" not in inst:
                continue
            base, rng = _window(inst)
            memmap.append(('MEMRANGE ADDRESSBLOCK="Reg" BASENAME="C_BASEADDR" BASEVALUE="0x%08X" '
                           'HIGHNAME="C_HIGHADDR" HIGHVALUE="0x%08X" INSTANCE=%s IS_DATA="TRUE" '
                           'IS_INSTRUCTION="TRUE" MASTERBUSINTERFACE=%s MEMTYPE="REGISTER" '
                           'SLAVEBUSINTERFACE=%s') % (base, base + rng - 1,
                                                      quoteattr(inst["name"]),
                                                      quoteattr(inst["ps_port"]),
                                                      quoteattr(inst["interface"])))
    for ifname, ps_name, ps_port, block, low, high in cell.memmap:
        memmap.append(('MEMRANGE ADDRESSBLOCK=%s BASENAME="C_BASEADDR" BASEVALUE="0x%08X" '
                       'HIGHNAME="C_HIGHADDR" HIGHVALUE="0x%08X" INSTANCE=%s IS_DATA="TRUE" '
                       'IS_INSTRUCTION="TRUE" MASTERBUSINTERFACE=%s MEMTYPE="MEMORY" '
                       'SLAVEBUSINTERFACE=%s') % (quoteattr(block), low, high,
                                                  quoteattr(ps_name), quoteattr(ifname),
                                                  quoteattr(ps_port)))
    if memmap:
        out.append("      <MEMORYMAP>")
        out += ["        <%s/>" % m for m in memmap]
        out.append("      </MEMORYMAP>")
    out.append("    </MODULE>")
    return out



def busy_complete(design):
    """Whether the top's busy covers every instance (gen_top.busy_missing): only a generated
    (format 2) top can say; a hand-written one may leave activity out."""
    return design is not None and not gen_top.busy_missing(design)


def header_text(manifest, sha, complete=False):
    guard = "PYNQ_REMOTE_DESIGN_%s_INFO_H_" % manifest["name"].upper()
    return ("// Generated by rtl/tools/gen_design.py from %s/manifest.json: do not edit.\n"
            "#ifndef %s\n#define %s\n\nnamespace pynq_remote::sim::designs::%s {\n"
            "inline constexpr char kName[] = \"%s\";\n"
            "inline constexpr char kContentHash[] = \"%s\";  // SHA-256 of manifest + sources\n"
            "inline constexpr char kPart[] = \"%s\";\n"
            "// busy ORs every instance's activity (gen_top.busy_missing): no cycles after a read\n"
            "inline constexpr bool kBusyComplete = %s;\n"
            "}  // namespace pynq_remote::sim::designs::%s\n\n#endif  // %s\n" %
            (manifest["name"], guard, guard, manifest["name"], manifest["name"], sha,
             manifest["part"], "true" if complete else "false", manifest["name"], guard))


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
    board = board_of(manifest)
    design = None
    if manifest.get("format", 1) >= 2:
        design = gen_top.Design(args.manifest, manifest)
        check_master_widths(design, board)
    sha = content_hash(args.manifest, manifest)
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "0")) or None
    when = (datetime.datetime.utcfromtimestamp(epoch) if epoch
            else datetime.datetime.utcnow().replace(microsecond=0))
    os.makedirs(args.out_dir, exist_ok=True)
    name = manifest["name"]
    # Regenerate the dated files only when the design or this generator changed, so rebuilds
    # are no-ops and a generator fix reaches every design.
    generator = hashlib.sha256()
    for tool in (os.path.abspath(__file__), os.path.abspath(gen_top.__file__),
                 os.path.abspath(gen_top.hls_rtl.__file__),
                 os.path.abspath(boards.__file__), boards.default_path()):
        with open(tool, "rb") as f:
            generator.update(f.read())
    generator = generator.hexdigest()
    stamp = os.path.join(args.out_dir, ".%s.sha256" % name)
    old = open(stamp).read() if os.path.exists(stamp) else ""
    if (old != sha + " " + generator or
            not os.path.exists(os.path.join(args.out_dir, name + ".bit"))):
        write_if_changed(os.path.join(args.out_dir, name + ".bit"),
                         bit_file(manifest, bit_payload(name, sha), when))
        hwh_out = os.path.join(args.out_dir, name + ".hwh")
        if manifest.get("hwh_file"):
            # An imported design keeps the user's Vivado .hwh byte for byte.
            src = gen_top.source_path(os.path.dirname(os.path.abspath(args.manifest)),
                                      manifest["hwh_file"])
            if os.path.abspath(src) != os.path.abspath(hwh_out):
                shutil.copyfile(src, hwh_out)
        else:
            write_if_changed(hwh_out, hwh_text(manifest, design, board, sha, when))
        write_if_changed(stamp, sha + " " + generator)
    else:  # unchanged content: keep the dated files, but mark them up to date for the build
        for ext in (".bit", ".hwh"):
            os.utime(os.path.join(args.out_dir, name + ext))
    header_dir = args.header_dir or args.out_dir
    os.makedirs(header_dir, exist_ok=True)
    write_if_changed(os.path.join(header_dir, name + "_design_info.h"),
                     header_text(manifest, sha, busy_complete(design)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
