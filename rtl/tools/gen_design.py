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
import struct
import sys
import zlib
from xml.sax.saxutils import quoteattr

BIT_MAGIC = b"PYNQSIM\x00"
BIT_FORMAT = 1


def content_hash(manifest_path, manifest):
    """SHA-256 over the manifest and every source, in manifest order, each with its name."""
    digest = hashlib.sha256()
    base = os.path.dirname(os.path.abspath(manifest_path))
    for name in ["manifest.json"] + list(manifest["sources"]):
        with open(os.path.join(base, name), "rb") as f:
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
        base, rng = int(inst["base"], 16), int(inst["range"], 16)
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
    base, rng = int(inst["base"], 16), int(inst["range"], 16)
    out = ['    <MODULE COREREVISION="1" FULLNAME="/%s" HWVERSION=%s INSTANCE=%s IPTYPE="PERIPHERAL" '
           'IS_ENABLE="1" MODCLASS="PERIPHERAL" MODTYPE=%s VLNV=%s>' %
           (inst["name"], quoteattr(version), quoteattr(inst["name"]), quoteattr(name),
            quoteattr(inst["vlnv"])),
           "      <DOCUMENTS/>",
           '      <ADDRESSBLOCKS>',
           '        <ADDRESSBLOCK ACCESS="read-write" INTERFACE=%s NAME="Reg" RANGE="%d" '
           'USAGE="register">' % (quoteattr(inst["interface"]), rng),
           "          <REGISTERS>"]
    for reg in inst["registers"]:
        out.append("            <REGISTER NAME=%s>" % quoteattr(reg["name"]))
        for key, value in (("DESCRIPTION", reg["description"]),
                           ("ADDRESS_OFFSET", reg["offset"]), ("SIZE", str(reg["size"])),
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
                               ("READ_ACTION", ""), ("BIT_OFFSET", str(field["bit"])),
                               ("BIT_WIDTH", str(field["width"]))):
                out.append("                  <PROPERTY NAME=%s VALUE=%s/>" %
                           (quoteattr(key), quoteattr(value)))
            out.append("                </FIELD>")
        out.append("              </FIELDS>")
        out.append("            </REGISTER>")
    out += ["          </REGISTERS>", "        </ADDRESSBLOCK>", "      </ADDRESSBLOCKS>",
            "      <PARAMETERS>",
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
    with open(args.manifest) as f:
        manifest = json.load(f)
    sha = content_hash(args.manifest, manifest)
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "0")) or None
    when = (datetime.datetime.utcfromtimestamp(epoch) if epoch
            else datetime.datetime.utcnow().replace(microsecond=0))
    os.makedirs(args.out_dir, exist_ok=True)
    name = manifest["name"]
    # Regenerate the dated files only when the design or this generator changed, so rebuilds
    # are no-ops and a generator fix reaches every design.
    with open(os.path.abspath(__file__), "rb") as f:
        generator = hashlib.sha256(f.read()).hexdigest()
    stamp = os.path.join(args.out_dir, ".%s.sha256" % name)
    old = open(stamp).read() if os.path.exists(stamp) else ""
    if (old != sha + " " + generator or
            not os.path.exists(os.path.join(args.out_dir, name + ".bit"))):
        write_if_changed(os.path.join(args.out_dir, name + ".bit"),
                         bit_file(manifest, bit_payload(name, sha), when))
        write_if_changed(os.path.join(args.out_dir, name + ".hwh"), hwh_text(manifest, sha, when))
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
