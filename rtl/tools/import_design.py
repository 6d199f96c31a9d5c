#!/usr/bin/python3
"""A Vivado block design (its .hwh) -> a format-2 manifest for the simulated board (issue 16).

    import hwh_reader, import_design
    hwh = hwh_reader.read("design_1.hwh")
    lib = import_design.collect_rtl(["hls/verilog"])
    manifest = import_design.import_manifest(hwh, lib, "design_1", board=None,
                                             maps={"resize_accel_0": "pr_resize_accel"},
                                             stand_in=False)

What each IP becomes is ip_catalog.py's table; user IP (HLS or any VLNV not in the catalog) is
bound to its Verilog from --rtl by hls_rtl.bind (helper B). What the board models by itself
(the PS, interconnects, SmartConnect, clock and reset blocks) is folded away: every instance
runs on the one simulated PL clock and the shell's reset, the board's AXI4-Lite decoder answers
the PS memory map the .hwh gives, and each DDR master reaches the PS slave port its MEMORYMAP
names. Every refusal is a DesignImportError naming the .hwh and the thing; IPs with no model are
listed all at once. Used by `pynq-remote-design import` (pynq_remote_design.py).
Debian's /usr/bin/python3, standard library only.
"""
import os
import re

import boards
import gen_top
import ip_catalog

import hls_rtl

IP_DIR = gen_top.IP_DIR
# The PS interrupt inputs the generated top has (gen_top: pl_ps_irq0/1 on ZynqMP, IRQ_F2P).
PS_IRQ_PORTS = ("pl_ps_irq0", "pl_ps_irq1", "IRQ_F2P")
# Processors that are not a PS of ours: named in the "neither family" error.
OTHER_PROCESSORS = ("microblaze", "microblaze_riscv", "versal_cips", "ps_wizard",
                    "zynq_ultra_ps_e_vip", "processing_system7_vip")
# The PYNQ attribute names (and our Verilog identifiers) an instance name must be.
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


class DesignImportError(Exception):
    """The .hwh (or the RTL given for it) cannot become a simulated design: one paragraph."""


# ---------------------------------------------------------------------------- user RTL

def collect_rtl(paths):
    """The user's RTL library (hls_rtl.collect): module -> file, data files, include dirs, over
    the --rtl paths and then our IP library's shared blocks (rtl/ip/common), which stand-in
    cores of ours given as user IP (pr_resize_accel for resize_accel) instantiate. A --rtl
    path without Verilog is still refused by name."""
    if paths:
        hls_rtl.collect(paths)
    return hls_rtl.collect(list(paths) + [os.path.join(IP_DIR, "common")])


def bind(hwh_module, lib, module_name, port_map=None):
    return hls_rtl.bind(hwh_module, lib, module_name=module_name, port_map=port_map)


# ---------------------------------------------------------------------------- our IP library

_ip_modules = None


def ip_modules():
    """module -> "@ip/<dir>/<file>" over the shipped IP library (benches left out)."""
    global _ip_modules
    if _ip_modules is None:
        _ip_modules = {}
        for d, _, names in sorted(os.walk(IP_DIR)):
            for n in sorted(names):
                if not n.endswith((".v", ".sv")):
                    continue
                path = os.path.join(d, n)
                with open(path, errors="replace") as f:
                    text = gen_top._strip_comments(f.read())
                rel = gen_top.IP_PREFIX + os.path.relpath(path, IP_DIR).replace(os.sep, "/")
                for m in re.finditer(r"^\s*module\s+(\w+)", text, re.M):
                    _ip_modules.setdefault(m.group(1), rel)
    return _ip_modules


def ip_closure(source):
    """The @ip sources `source` needs: itself and every core module its text names."""
    mods = ip_modules()
    out, todo = [], [source]
    while todo:
        s = todo.pop(0)
        if s in out:
            continue
        out.append(s)
        with open(gen_top.source_path("", s), errors="replace") as f:
            words = set(re.findall(r"\b\w+\b", gen_top._strip_comments(f.read())))
        todo += sorted({p for m, p in mods.items() if m in words and p not in out})
    return out


# ---------------------------------------------------------------------------- the board

def part_key(device, package=""):
    """Device and package of a part or of SYSTEMINFO's DEVICE/PACKAGE, normalised (boards)."""
    if package:
        device = device if device.lower().startswith("xc") else "xc" + device
        return boards.part_key(device + ("" if device.lower().startswith("xc7z") else "-") +
                               package)
    return boards.part_key(device)


def _profile_key(part):
    return boards.part_key(part)


def hwh_part(system):
    """The part as the .hwh's SYSTEMINFO gives it, readable (xczu7ev-ffvc1156-2)."""
    device = system["device"]
    if device and not device.startswith("xc"):
        device = "xc" + device
    if device.startswith("xc7z"):
        return "%s%s%s" % (device, system["package"], system["speedgrade"])
    return "%s-%s%s" % (device, system["package"], system["speedgrade"])


def choose_board(hwh, family, board_name=None):
    """The board profile: --board, else SYSTEMINFO BOARD, else the part's default profile."""
    path = hwh.path
    system = hwh.system
    try:
        if board_name:
            board = boards.get(board_name)
            how = "--board %s" % board_name
        else:
            board = boards.find_by_board_part(system["board"]) if system["board"] else None
            how = "SYSTEMINFO BOARD %s" % system["board"]
            if board is None:
                board = boards.find_by_part(hwh_part(system))
                how = "the part %s" % hwh_part(system)
    except boards.BoardError as e:
        raise DesignImportError("%s: %s" % (path, e)) from None
    if board is None:
        raise DesignImportError(
            "%s: no board profile for %s (board %r); give --board NAME, one of %s" %
            (path, hwh_part(system), system["board"], ", ".join(boards.names())))
    if board.family != family:
        raise DesignImportError(
            "%s: the design's PS is a %s, but the board profile %s (from %s) is a %s; give "
            "--board with a %s board" % (path, boards.family_name(family), board.name, how,
                                         board.family_name, boards.family_name(family)))
    if part_key(system["device"], system["package"]) != _profile_key(board.part):
        raise DesignImportError(
            "%s: the design's part %s is not the part of the board profile %s (%s): the same "
            "device and package are needed (the speed grade may differ); give --board with the "
            "design's board" % (path, hwh_part(system), board.name, board.part))
    return board


# ---------------------------------------------------------------------------- the import

def _find_ps(hwh):
    ps = [(m, ip_catalog.lookup(m["vlnv"])) for m in hwh.modules]
    ps = [(m, e) for m, e in ps if e is not None and e.kind == "ps"]
    if len(ps) == 1:
        return ps[0][0], ps[0][1].family
    if len(ps) > 1:
        raise DesignImportError("%s: two processing systems (%s and %s); a Zynq has one" %
                                (hwh.path, ps[0][0]["instance"], ps[1][0]["instance"]))
    others = [m for m in hwh.modules
              if not m["is_pl"] or ip_catalog.stem(m["vlnv"]).split(":")[-1] in OTHER_PROCESSORS]
    what = (", ".join("MODULE %s (%s)" % (m["instance"], m["vlnv"]) for m in others)
            if others else "no processing-system MODULE at all")
    raise DesignImportError(
        "%s: a design whose PS is of neither family the simulated board has: %s. pynq-remote "
        "simulates Zynq UltraScale+ (xilinx.com:ip:zynq_ultra_ps_e) and Zynq-7000 "
        "(xilinx.com:ip:processing_system7) designs" % (hwh.path, what))


def _clocks(ps, family):
    p = ps["parameters"]
    out = []
    for n in range(4):
        if family == "zynqmp":
            on = p.get("PSU__FPGA_PL%d_ENABLE" % n, "1" if n == 0 else "0")
            mhz = p.get("PSU__CRL_APB__PL%d_REF_CTRL__ACT_FREQMHZ" % n) or p.get(
                "PSU__CRL_APB__PL%d_REF_CTRL__FREQMHZ" % n)
        else:
            on = p.get("PCW_FPGA_FCLK%d_ENABLE" % n, p.get("PCW_EN_CLK%d_PORT" % n,
                                                           "1" if n == 0 else "0"))
            mhz = p.get("PCW_FPGA%d_PERIPHERAL_FREQMHZ" % n) or p.get(
                "PCW_ACT_FPGA%d_PERIPHERAL_FREQMHZ" % n)
        try:
            mhz = float(mhz)
        except (TypeError, ValueError):
            continue
        if on == "1" and 0 < mhz <= 1000:
            out.append({"name": "pl_clk%d" % n, "index": n, "freq_mhz": round(mhz, 6)})
    return out or [{"name": "pl_clk0", "index": 0, "freq_mhz": 100.0}]


def _hex(v):
    return "0x%08X" % v


def import_manifest(hwh, rtl_lib, name, board=None, maps=None, stand_in=False):
    """The format-2 manifest of the block design `hwh` (hwh_reader.Hwh). Sources of our cores
    are "@ip/..." names; the user RTL each bound instance needs is listed under the private key
    "_user_files" (absolute paths) for the caller to copy into the package."""
    path = hwh.path
    maps = dict(maps or {})
    ps, family = _find_ps(hwh)
    profile = choose_board(hwh, family, board)
    ps_name = ps["instance"]
    by_name = {m["instance"]: m for m in hwh.modules}
    for inst in maps:
        if inst not in by_name:
            raise DesignImportError("%s: --map %s=...: the design has no instance %s" %
                                    (path, inst, inst))

    # -- the PS memory map: every AXI4-Lite slave's window, none overlapping
    windows = {}
    ranges = sorted((r for r in ps["memranges"] if r["basevalue"] is not None),
                    key=lambda r: r["basevalue"])
    for a, b in zip(ranges, ranges[1:]):
        if b["basevalue"] <= a["highvalue"]:
            raise DesignImportError(
                "%s: two IPs at one address: %s/%s (0x%08X..0x%08X) and %s/%s (0x%08X..0x%08X) "
                "overlap in %s's memory map; assign them apart in Vivado's Address Editor" %
                (path, a["instance"], a["slavebusinterface"], a["basevalue"], a["highvalue"],
                 b["instance"], b["slavebusinterface"], b["basevalue"], b["highvalue"], ps_name))
    for r in ranges:
        windows.setdefault(r["instance"], r)
    # The PS port of each window is the one whose window holds its address: a .hwh may list a
    # MEMRANGE under another port of the same interconnect (axi_dma_0 at 0xA0000000 under
    # M_AXI_HPM1_FPD, seen in a real Ultra96-V2 file). Said as a note, not refused.
    notes, ports = [], {}
    for inst, r in windows.items():
        window = profile.master_for(r["basevalue"], r["highvalue"] - r["basevalue"] + 1)
        ports[inst] = window.name if window else r["masterbusinterface"]
        if window and window.name != r["masterbusinterface"]:
            notes.append("%s at 0x%08X is listed under %s in the .hwh, but that address is in "
                         "%s's window 0x%08X..0x%08X: it is taken as on %s" %
                         (inst, r["basevalue"], r["masterbusinterface"], window.name,
                          window.base, window.base + window.size - 1, window.name))
    # The design sees the low 32 bits of an address (rtl/README.md): refused here already,
    # naming the .hwh, when two windows or a high window and a low PL window share them.
    try:
        gen_top.check_low32([(inst, r["basevalue"], r["highvalue"] - r["basevalue"] + 1)
                             for inst, r in windows.items()],
                            [(w.name, w.base, w.size) for w in profile.masters])
    except gen_top.DesignError as e:
        raise DesignImportError("%s: %s" % (path, e)) from None

    # -- every instance: our core, user RTL, a stand-in, folded, or missing
    instances, missing, user_files, warnings = [], [], [], []
    sources = []
    kinds = {}
    for m in hwh.modules:
        inst = m["instance"]
        entry = ip_catalog.lookup(m["vlnv"])
        if m is ps or not m["is_pl"] or (entry and entry.kind == "fold" and inst not in maps):
            kinds[inst] = "fold"
            continue
        if entry and entry.kind == "net" and inst not in maps:
            kinds[inst] = "net"
            continue
        if not IDENTIFIER.match(inst):
            raise DesignImportError("%s: instance name %r is not an identifier" % (path, inst))
        record = {"name": inst, "vlnv": m["vlnv"]}
        module_name = maps.get(inst)
        if entry and entry.kind == "core" and module_name is None:
            src = gen_top.IP_PREFIX + entry.source
            if not os.path.isfile(gen_top.source_path("", src)):
                missing.append("%s (%s): its model %s (%s) is not in this pynq-remote's IP "
                               "library" % (inst, m["vlnv"], entry.module, src))
                continue
            info = gen_top.read_module(gen_top.source_path("", src), entry.module, {})
            record["module"] = entry.module
            record["params"] = ip_catalog.params_for(entry, m["parameters"], info["params"])
            record["interfaces"] = {}
            # Vivado spells some interfaces in lower case (axi_intc's s_axi): the .hwh's
            # spelling is the one its MEMRANGEs use.
            spelled = {b["name"].lower(): b["name"] for b in m["busifs"]}
            # Only the interfaces the .hwh gives the IP: our core may have more (the DMA's
            # M_AXI_SG, there tied idle when C_INCLUDE_SG = 0), and those stay unconnected.
            for ifname, (kind, mode, prefix) in entry.interfaces.items():
                if ifname.lower() in spelled and any(p.startswith(prefix) for p in info["ports"]):
                    record["interfaces"][spelled.get(ifname.lower(), ifname)] = {
                        "type": kind, "mode": mode, "prefix": prefix}
            for b in m["busifs"]:
                if b["busname"] and b["name"] not in record["interfaces"] and (
                        ":axis:" in b["vlnv"] or ":aximm:" in b["vlnv"]):
                    raise DesignImportError(
                        "%s: %s (%s) uses its interface %s, which our model %s does not have "
                        "(%s)" % (path, inst, m["vlnv"], b["name"], entry.module, src))
            for s in ip_closure(src):
                if s not in sources:
                    sources.append(s)
            kinds[inst] = "core"
        else:
            module_name = module_name or m["modtype"]
            if rtl_lib is not None and rtl_lib.find(module_name):
                try:
                    fragment = bind(m, rtl_lib, module_name, None)
                    files = rtl_lib.closure(module_name)
                except hls_rtl.RtlError as e:
                    raise DesignImportError("%s: %s" % (path, e)) from None
                record.update(fragment)
                for f in files:
                    if f not in user_files:
                        user_files.append(f)
                kinds[inst] = "user"
            elif stand_in and inst in windows:
                words = max(1, min((windows[inst]["highvalue"] - windows[inst]["basevalue"] + 1)
                                   // 4, 1024))
                aw = (windows[inst]["highvalue"] - windows[inst]["basevalue"]).bit_length()
                record.update({"module": ip_catalog.STAND_IN.module,
                               "params": {"C_S_AXI_ADDR_WIDTH": aw, "WORDS": words},
                               "interfaces": {windows[inst]["slavebusinterface"]: {
                                   "type": "axilite", "mode": "slave", "prefix": "s_axi_"}},
                               "stand_in": {"kind": "register_file", "words": words}})
                src = gen_top.IP_PREFIX + ip_catalog.STAND_IN.source
                if src not in sources:
                    sources.append(src)
                warnings.append("%s (%s) is a register-file stand-in (--stand-in): it reads back "
                                "what was written and computes nothing" % (inst, m["vlnv"]))
                kinds[inst] = "stand_in"
            else:
                hint = ("give its Verilog with --rtl DIR (a module %s; --map %s=MODULE for "
                        "another name)" % (module_name, inst))
                if inst in windows:
                    hint += ", or --stand-in for a register-file stand-in"
                missing.append("%s (%s): %s" % (inst, m["vlnv"], hint))
                continue
        record["hwh_parameters"] = dict(m["parameters"])
        if inst in windows:
            w = windows[inst]
            record.update({"base": _hex(w["basevalue"]),
                           "range": _hex(w["highvalue"] - w["basevalue"] + 1),
                           "interface": w["slavebusinterface"],
                           "ps_port": ports[inst]})
            record["registers"] = m["registers"]
            spec = record.get("interfaces", {}).get(w["slavebusinterface"])
            if spec is None:
                raise DesignImportError("%s: %s answers the PS on %s, which its model %s lacks" %
                                        (path, inst, w["slavebusinterface"], record["module"]))
            # The board's decoder drives every addressed slave as AXI4-Lite (a full AXI4 slave
            # behind Vivado's interconnect sees single beats the same way).
            spec["type"] = "axilite"
        record["description"] = "imported from %s" % os.path.basename(path)
        instances.append(record)
    if missing:
        raise DesignImportError(
            "%s: %d IP%s of the design %s no model in pynq-remote and no Verilog given:\n  %s" %
            (path, len(missing), "s" if len(missing) > 1 else "",
             "have" if len(missing) > 1 else "has", "\n  ".join(missing)))
    mapped = {r["name"]: r for r in instances}

    # -- DDR masters: each master interface whose MEMORYMAP reaches the PS
    masters, widths = [], {}
    for r in instances:
        m = by_name[r["name"]]
        seen = set()
        for mr in m["memranges"]:
            if mr["instance"] != ps_name:
                # A master into PL memory (a BRAM controller) has no path on the board.
                warnings.append("%s/%s addresses %s (%s), which is not DDR: that path is not "
                                "modelled" % (r["name"], mr["masterbusinterface"],
                                              mr["instance"], mr["addressblock"]))
                continue
            if mr["masterbusinterface"] in seen:
                continue
            ifname = mr["masterbusinterface"]
            seen.add(ifname)
            if ifname not in r.get("interfaces", {}):
                raise DesignImportError("%s: %s reaches %s through %s, which its model %s lacks"
                                        % (path, r["name"], ps_name, ifname, r["module"]))
            port = mr["slavebusinterface"]
            masters.append({"instance": r["name"], "interface": ifname, "ps_port": port})
            bus = next((b for b in m["busifs"] if b["name"] == ifname), {})
            width = bus.get("datawidth") or int(bus.get("parameters", {}).get("DATA_WIDTH", 0)
                                                or 0)
            widths.setdefault(port, []).append(("%s/%s" % (r["name"], ifname), width))
    slave_ports = {}
    for port, ws in widths.items():
        distinct = sorted({w for _, w in ws})
        if len(distinct) == 1:
            slave_ports[port] = distinct[0]
        elif os.path.isfile(os.path.join(IP_DIR, "common", "axi_width_converter.v")):
            slave_ports[port] = max(distinct)
        else:
            raise DesignImportError(
                "%s: the masters on %s have different data widths (%s); the simulated board "
                "has no AXI width converter yet: give them one width in Vivado" %
                (path, port, ", ".join("%s %d bits" % w for w in ws)))
    shared = any(len(ws) > 1 for ws in widths.values())
    narrow = any(w < slave_ports[port] for port, ws in widths.items() for _, w in ws)
    # gen_top puts the arbiters in front of a shared port and an upsizer in front of a master
    # narrower than its port; each needs its core among the sources.
    for needed, core in ((shared, "common/axi_interconnect.v"),
                         (narrow, "common/axi_width_converter.v")):
        src = gen_top.IP_PREFIX + core
        if needed and src not in sources:
            sources.append(src)
    master_ports = {}
    for r in instances:
        if "ps_port" in r:
            bus = next((b for b in ps["busifs"] if b["name"] == r["ps_port"]), {})
            master_ports[r["ps_port"]] = bus.get("datawidth") or 32

    # -- streams: AXI4-Stream interfaces sharing a BUSNAME
    streams, nets = [], {}
    for r in instances:
        for b in by_name[r["name"]]["busifs"]:
            if ":axis:" in b["vlnv"] and b["busname"] and b["name"] in r.get("interfaces", {}):
                nets.setdefault(b["busname"], []).append((r["name"], b))
    for busname, ends in nets.items():
        src = [e for e in ends if e[1]["type"] in ("MASTER", "INITIATOR")]
        dst = [e for e in ends if e[1]["type"] not in ("MASTER", "INITIATOR")]
        if len(src) == 1 and len(dst) == 1:
            streams.append({"from": "%s/%s" % (src[0][0], src[0][1]["name"]),
                            "to": "%s/%s" % (dst[0][0], dst[0][1]["name"])})
        elif src or dst:
            warnings.append("AXI4-Stream bus %s has %d master(s) and %d slave(s) among the "
                            "modelled IPs; left unconnected" % (busname, len(src), len(dst)))

    interrupts = _interrupts(hwh, ps_name, kinds, mapped, warnings)
    wires, extra = _wires(hwh, ps_name, kinds, mapped)
    emio = _emio(hwh, ps_name, {e["name"] for e in extra} | set(mapped))
    instances += extra
    for e in extra:
        entry = ip_catalog.NETS[ip_catalog.stem(e["vlnv"])]
        src = gen_top.IP_PREFIX + entry.source
        if src not in sources:
            sources.append(src)

    manifest = {
        "format": 2, "name": name, "top": name,
        "sources": sources,
        "board": profile.board_part, "board_name": profile.name, "family": family,
        "part": profile.part,
        "clocks": _clocks(ps, family),
        "ps": {"master_ports": master_ports, "slave_ports": slave_ports},
        "masters": masters, "instances": instances, "streams": streams,
        "interrupts": interrupts, "wires": wires,
        "_user_files": user_files, "_warnings": warnings, "_notes": notes,
    }
    if emio:
        manifest["emio"] = emio
    return manifest


def _interrupts(hwh, ps_name, kinds, mapped, warnings):
    """PORTs with SIGIS=INTERRUPT of the modelled instances, traced through xlconcat (In<n>
    lands at the sum of the lower inputs' IN<k>_WIDTH) into an axi_intc's intr or the PS."""
    by_name = {m["instance"]: m for m in hwh.modules}
    out = []

    def sinks(inst, port, offset, depth=0):
        m = by_name[inst]
        p = next((q for q in m["ports"] if q["name"] == port), None)
        if p is None or depth > 8:
            return []
        found = []
        for ci, cp in p["connections"]:
            if ci == ps_name:
                if cp in PS_IRQ_PORTS:
                    found.append((cp, offset, None))
            elif ci in by_name and ip_catalog.stem(by_name[ci]["vlnv"]) == "xilinx.com:ip:xlconcat":
                cm = by_name[ci]
                n = re.fullmatch(r"In(\d+)", cp)
                if not n:
                    continue
                k = int(n.group(1))
                low = sum(int(cm["parameters"].get("IN%d_WIDTH" % i, "1") or 1) for i in range(k))
                found += sinks(ci, "dout", offset + low, depth + 1)
            elif kinds.get(ci) in ("core", "user", "stand_in"):
                found.append((ci, offset, cp))
        return found

    for m in hwh.modules:
        inst = m["instance"]
        if inst not in mapped:
            continue
        for p in m["ports"]:
            if p["sigis"] != "INTERRUPT" or p["dir"] != "O" or not p["connections"]:
                continue
            for sink, index, sink_port in sinks(inst, p["name"], 0):
                entry = {"from": "%s/%s" % (inst, p["name"]), "to": sink, "index": index}
                if sink_port is not None and sink_port != "intr":
                    entry["port"] = sink_port
                out.append(entry)
    return out


def _wires(hwh, ps_name, kinds, mapped):
    """Other nets between modelled instances (outside any bus interface), and the xlconstant /
    xlslice / xlconcat cells on them as C2's pr_xl* instances."""
    by_name = {m["instance"]: m for m in hwh.modules}
    wires, extra = [], []

    def bus_ports(m):
        # Ports of the AXI interfaces (routed as streams/masters/the decoder); GPIO and other
        # interfaces' ports are plain nets.
        return {pm["physical"] for b in m["busifs"] for pm in b["portmaps"].values()
                if ":axis:" in b["vlnv"] or ":aximm:" in b["vlnv"]}

    def interrupt_concat(m):
        # An xlconcat gathering interrupts is folded into the interrupt routing (_interrupts).
        return any((ci == ps_name and cp in PS_IRQ_PORTS) or cp == "intr"
                   for p in m["ports"] if p["name"] == "dout" for ci, cp in p["connections"])

    keep_nets = set()
    for m in hwh.modules:
        if kinds.get(m["instance"]) == "net" and not interrupt_concat(m):
            touches = {ci for p in m["ports"] for ci, _ in p["connections"]}
            if any(kinds.get(ci) in ("core", "user", "stand_in") for ci in touches):
                keep_nets.add(m["instance"])
    for inst in sorted(keep_nets):
        m = by_name[inst]
        params = {}
        stem = ip_catalog.stem(m["vlnv"])
        names = {"xilinx.com:ip:xlconstant": ("CONST_WIDTH", "CONST_VAL"),
                 "xilinx.com:ip:xlslice": ("DIN_WIDTH", "DIN_FROM", "DIN_TO"),
                 "xilinx.com:ip:xlconcat": ("NUM_PORTS",) + tuple("IN%d_WIDTH" % i
                                                                 for i in range(32))}[stem]
        for key in names:
            if key in m["parameters"]:
                try:
                    params[key] = int(m["parameters"][key], 0)
                except ValueError:
                    pass
        extra.append({"name": inst, "vlnv": m["vlnv"], "module": ip_catalog.NETS[stem].module,
                      "params": params, "hwh_parameters": dict(m["parameters"]),
                      "interfaces": {}})
    live = set(mapped) | keep_nets
    for m in hwh.modules:
        inst = m["instance"]
        if inst not in live:
            continue
        skip = bus_ports(m)
        for p in m["ports"]:
            if p["dir"] != "O" or p["name"] in skip or p["sigis"] in ("clk", "rst", "INTERRUPT"):
                continue
            for ci, cp in p["connections"]:
                if ci in live and (ci, cp) != (inst, p["name"]):
                    if cp in bus_ports(by_name[ci]):
                        continue
                    wires.append({"from": "%s/%s" % (inst, p["name"]), "to": "%s/%s" % (ci, cp)})
    return wires, extra


# The PS's EMIO GPIO pins as the .hwh names them (zynq_ultra_ps_e, processing_system7) -> the
# shell's ports (gen_top.EMIO_PORTS).
EMIO_HWH_PORTS = {"emio_gpio_o": "emio_gpio_o", "emio_gpio_t": "emio_gpio_t",
                  "emio_gpio_i": "emio_gpio_i", "GPIO_O": "emio_gpio_o", "GPIO_T": "emio_gpio_t",
                  "GPIO_I": "emio_gpio_i"}


def _emio(hwh, ps_name, live):
    """The PS's EMIO pins wired to modelled cells (an xlslice's Din, an xlconcat's dout, an IP
    port of the full EMIO width) as manifest "emio" entries, from pin 0."""
    entries = []
    for m in hwh.modules:
        if m["instance"] != ps_name:
            continue
        for p in m["ports"]:
            shell = EMIO_HWH_PORTS.get(p["name"])
            if shell is None:
                continue
            for ci, cp in p["connections"]:
                if ci not in live:
                    continue
                if shell == "emio_gpio_i":
                    entries.append({"from": "%s/%s" % (ci, cp), "to": shell, "index": 0})
                else:
                    entries.append({"from": shell, "index": 0, "to": "%s/%s" % (ci, cp)})
    return entries


# ---------------------------------------------------------------------------- the Vivado .bit

BIT_HEADER = bytes.fromhex("00090FF00FF00FF00FF0000001")


def read_bit(path):
    """The fields of a Vivado .bit (server/device/bit_file.cc reads the same): {"file",
    "sha256" of the file, "data_sha256" of the configuration data after the 'e' field (in .bit
    byte order), "part" ('b'), "design" ('a')}. A file that is not a .bit: DesignImportError."""
    import hashlib
    import struct
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise DesignImportError("%s: cannot read the .bit: %s" % (path, e.strerror)) from None
    if not data.startswith(BIT_HEADER):
        raise DesignImportError("%s: not a Vivado .bit (no .bit header; give the .bit "
                                "write_bitstream made, not a .bin)" % path)
    at, fields = len(BIT_HEADER), {}
    while True:
        if at >= len(data):
            raise DesignImportError("%s: .bit header truncated: no 'e' (data) field" % path)
        tag = chr(data[at])
        if tag == "e":
            if at + 5 > len(data):
                raise DesignImportError("%s: .bit truncated in the 'e' length" % path)
            (length,) = struct.unpack(">I", data[at + 1:at + 5])
            payload = data[at + 5:at + 5 + length]
            if len(payload) != length:
                raise DesignImportError("%s: .bit data truncated: the header says %d bytes, %d "
                                        "are there" % (path, length, len(payload)))
            break
        if tag not in "abcd" or at + 3 > len(data):
            raise DesignImportError("%s: .bit header: unexpected field 0x%02X at offset %d" %
                                    (path, data[at], at))
        (length,) = struct.unpack(">H", data[at + 1:at + 3])
        text = data[at + 3:at + 3 + length]
        if len(text) != length or not text.endswith(b"\0"):
            raise DesignImportError("%s: .bit header field '%s' is truncated" % (path, tag))
        fields[tag] = text[:-1].decode("latin-1")
        at += 3 + length
    return {"file": path, "sha256": hashlib.sha256(data).hexdigest(),
            "data_sha256": hashlib.sha256(payload).hexdigest(),
            "part": fields.get("b", ""), "design": fields.get("a", "")}


def check_bit_part(bit, board):
    """A .bit for another device/package than the board's is refused, naming both."""
    if boards.part_key(bit["part"]) != boards.part_key(board.part):
        raise DesignImportError(
            "%s: the .bit is for the part %s, but the design's board %s is a %s: give the .bit "
            "Vivado built from this .hwh" % (bit["file"], bit["part"] or "(none)", board.name,
                                            board.part))


# ---------------------------------------------------------------------------- the package

def write_package(hwh, manifest, out, bit=None, lib=None):
    """OUT/<name>/: the .hwh verbatim, the user RTL copied under rtl/ (so the package is
    relocatable), manifest.json. Returns the manifest's path."""
    import json
    import shutil
    name = manifest["name"]
    pkg = os.path.join(os.path.abspath(out), name)
    os.makedirs(pkg, exist_ok=True)
    hwh_copy = os.path.basename(hwh.path)
    if os.path.abspath(hwh.path) != os.path.join(pkg, hwh_copy):
        shutil.copyfile(hwh.path, os.path.join(pkg, hwh_copy))
    user = manifest.pop("_user_files")
    manifest.pop("_warnings", None)
    manifest.pop("_notes", None)
    rtl_dir = os.path.join(pkg, "rtl")
    # Files of our own IP library the user closure reached (the common blocks) stay "@ip/..."
    # names when a core already brings them: a module must be defined once.
    copies = []
    for f in user:
        rel = os.path.relpath(os.path.abspath(f), IP_DIR)
        ip_name = gen_top.IP_PREFIX + rel.replace(os.sep, "/")
        if not rel.startswith("..") and ip_name in manifest["sources"]:
            continue
        copies.append(f)
    if copies:
        prepared = hls_rtl.prepare(lib, copies, rtl_dir)
        names = [os.path.relpath(p, pkg) for p in prepared["sources"]]
        manifest["rtl"] = {"include_dirs": [os.path.relpath(d, pkg)
                                            for d in prepared.get("include_dirs", [])],
                           "relaxed_lint": True, "prepared_sources": True}
        manifest["sources"] += [n.replace(os.sep, "/") for n in names]
    manifest["hwh_file"] = hwh_copy
    manifest["imported_from"] = {"hwh": os.path.abspath(hwh.path),
                                 "tool": "pynq-remote-design import"}
    if bit:
        manifest["vivado_bitstream"] = dict(bit, file=os.path.abspath(bit["file"]))
    path = os.path.join(pkg, "manifest.json")
    with open(path + ".tmp", "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    os.replace(path + ".tmp", path)
    return path
