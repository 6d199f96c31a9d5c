#!/usr/bin/python3
"""Checks a .hwh against the rules PYNQ 3.1's metadata parser (pynqmetadata) applies.

pynqmetadata refuses a whole file, and with it PYNQ's Overlay(), when one of these breaks;
each rule below names what it raises otherwise:

* one PS (IS_PL="FALSE"), zynq_ultra_ps_e with ARCH="zynquplus" or processing_system7 with
  ARCH="zynq", carrying enable, both divisors and the source of PL clocks 0..3 (its
  clock_dict reads all four: ParameterNotFound);
* every MODULE has a unique INSTANCE and a vendor:library:name:major.minor VLNV;
* every PORT has NAME, DIR (I/O), SIGIS, and LEFT/RIGHT together as integers; names are
  unique in their MODULE;
* every BUSINTERFACE has a unique NAME, a TYPE of MASTER/SLAVE/INITIATOR/TARGET/MONITOR and a
  VLNV; each PORTMAP's PHYSICAL is a PORT of the same MODULE (PortNotFound) and no LOGICAL
  appears twice in one interface (PortSignalAlreadyExists);
* every CONNECTION names an existing MODULE and one of its PORTs (lookup failure), the two
  ports have opposite DIRs (WrongPolarityConnection), the same SIGNAME, and the other port
  lists this one back; a net has exactly one driver;
* every MEMRANGE names an existing INSTANCE and a BUSINTERFACE of it (SLAVEBUSINTERFACE,
  KeyError), a MASTERBUSINTERFACE of its own MODULE, hex BASEVALUE <= HIGHVALUE; every
  ADDRESSBLOCK's INTERFACE is a slave interface (UnexpectedPortTypeError);
* registers have NAME and ADDRESS_OFFSET/SIZE/ACCESS/DESCRIPTION; interrupt ports are
  SENSITIVITY="LEVEL_HIGH"; every xlconcat has In0..In<NUM_PORTS-1> and dout, every
  axi_intc intr and irq; each AXI4-Stream bus joins one initiator and one target (or is
  one interface left unconnected).

Usage: check_hwh.py FILE.hwh...   (ctest rtl_hwh_parses; rtl/tools/test_gen_design.py feeds
it broken files).
"""
import re
import sys
import xml.etree.ElementTree as ET

PS_FAMILIES = {
    "zynq_ultra_ps_e": ("zynquplus", "PSU__FPGA_PL{i}_ENABLE",
                        "PSU__CRL_APB__PL{i}_REF_CTRL__DIVISOR{j}",
                        "PSU__CRL_APB__PL{i}_REF_CTRL__SRCSEL"),
    "processing_system7": ("zynq", "PCW_FPGA_FCLK{i}_ENABLE",
                           "PCW_FCLK{i}_PERIPHERAL_DIVISOR{j}",
                           "PCW_FCLK{i}_PERIPHERAL_CLKSRC"),
}
BUS_TYPES = ("MASTER", "SLAVE", "INITIATOR", "TARGET", "MONITOR")
_VLNV = re.compile(r"[^:]+:[^:]+:[^:]+:\d+\.\d+")


def _params(module):
    return {p.get("NAME"): p.get("VALUE") for p in module.iter("PARAMETER")}


def check(path):
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        return ["not XML: %s" % e]
    errors = []
    info = root.find("SYSTEMINFO")
    if root.tag != "EDKSYSTEM" or info is None:
        return ["no EDKSYSTEM/SYSTEMINFO"]
    modules = root.findall("./MODULES/MODULE")
    errors += check_modules(modules)
    errors += check_ps(modules, info)
    errors += check_registers(root)
    if errors:  # the net rules below look ports up by name
        return errors
    errors += check_nets(modules)
    errors += check_memory_maps(modules)
    return errors


def check_modules(modules):
    errors = []
    seen = set()
    for m in modules:
        inst = m.get("INSTANCE")
        if not inst:
            errors.append("MODULE without INSTANCE")
            continue
        if inst in seen:
            errors.append("INSTANCE %s twice" % inst)
        seen.add(inst)
        if not _VLNV.fullmatch(m.get("VLNV") or ""):
            errors.append("%s: VLNV %r is not vendor:library:name:major.minor" %
                          (inst, m.get("VLNV")))
        names = set()
        for port in m.findall("./PORTS/PORT"):
            name = port.get("NAME")
            where = "%s/%s" % (inst, name)
            if not name:
                errors.append("%s: PORT without NAME" % inst)
            elif name in names:
                errors.append("%s: PORT twice" % where)
            names.add(name)
            if port.get("DIR") not in ("I", "O"):
                errors.append("%s: DIR %r is not I or O" % (where, port.get("DIR")))
            if not port.get("SIGIS"):
                errors.append("%s: no SIGIS" % where)
            left, right = port.get("LEFT"), port.get("RIGHT")
            if (left is None) != (right is None):
                errors.append("%s: LEFT without RIGHT or RIGHT without LEFT" % where)
            elif left is not None and not (left.isdigit() and right.isdigit()):
                errors.append("%s: LEFT/RIGHT %r/%r are not integers" % (where, left, right))
            if port.get("SIGIS") == "INTERRUPT" and port.get("SENSITIVITY") != "LEVEL_HIGH":
                errors.append("%s: interrupt without SENSITIVITY=LEVEL_HIGH" % where)
        buses = set()
        for bus in m.findall("./BUSINTERFACES/BUSINTERFACE"):
            where = "%s/%s" % (inst, bus.get("NAME"))
            if not bus.get("NAME") or bus.get("NAME") in buses:
                errors.append("%s: BUSINTERFACE NAME missing or twice" % where)
            buses.add(bus.get("NAME"))
            if bus.get("TYPE") not in BUS_TYPES:
                errors.append("%s: TYPE %r" % (where, bus.get("TYPE")))
            if not _VLNV.fullmatch(bus.get("VLNV") or ""):
                errors.append("%s: VLNV %r" % (where, bus.get("VLNV")))
            logical = set()
            for pm in bus.findall("./PORTMAPS/PORTMAP"):
                if pm.get("PHYSICAL") not in names:
                    errors.append("%s: PORTMAP %s names port %s, which the module lacks "
                                  "(pynqmetadata: PortNotFound)" %
                                  (where, pm.get("LOGICAL"), pm.get("PHYSICAL")))
                if pm.get("LOGICAL") in logical:
                    errors.append("%s: LOGICAL %s mapped twice" % (where, pm.get("LOGICAL")))
                logical.add(pm.get("LOGICAL"))
        if m.get("MODTYPE") == "xlconcat":
            n = int(_params(m).get("NUM_PORTS", "0"))
            for pin in ["In%d" % i for i in range(n)] + ["dout"]:
                if pin not in names:
                    errors.append("xlconcat %s: no port %s" % (inst, pin))
        if m.get("MODTYPE") == "axi_intc":
            for pin in ("intr", "irq"):
                if pin not in names:
                    errors.append("axi_intc %s: no port %s" % (inst, pin))
    return errors


def check_ps(modules, info):
    errors = []
    ps = [m for m in modules if m.get("IS_PL") == "FALSE"]
    if len(ps) != 1:
        return ["expected one PS (IS_PL=\"FALSE\"), found %d" % len(ps)]
    family = PS_FAMILIES.get(ps[0].get("MODTYPE"))
    if family is None:
        return ["PS MODTYPE %r is neither %s" % (ps[0].get("MODTYPE"), " nor ".join(PS_FAMILIES))]
    arch, enable, divisor, source = family
    if info.get("ARCH") != arch:
        errors.append("SYSTEMINFO ARCH %r with a %s PS (want %s)" %
                      (info.get("ARCH"), ps[0].get("MODTYPE"), arch))
    for attr in ("DEVICE", "NAME", "PACKAGE"):
        if not info.get(attr):
            errors.append("SYSTEMINFO without %s" % attr)
    params = _params(ps[0])
    for i in range(4):
        for key in [enable, source] + [divisor.replace("{j}", str(j)) for j in (0, 1)]:
            key = key.format(i=i)
            if key not in params:
                errors.append("PS parameter %s missing (pynqmetadata's clock_dict)" % key)
            elif "DIVISOR" in key and not (params[key] or "").isdigit():
                errors.append("PS parameter %s=%r is not a number" % (key, params[key]))
    if not ps[0].findall("./MEMORYMAP/MEMRANGE"):
        errors.append("PS memory map is empty")
    return errors


def check_registers(root):
    errors = []
    for reg in root.iter("REGISTER"):
        props = {p.get("NAME"): p.get("VALUE") for p in reg.findall("PROPERTY")}
        if not reg.get("NAME"):
            errors.append("REGISTER without NAME")
        for key in ("ADDRESS_OFFSET", "SIZE", "ACCESS", "DESCRIPTION"):
            if key not in props:
                errors.append("register %s: no %s" % (reg.get("NAME"), key))
        try:
            int(props.get("ADDRESS_OFFSET", "0"), 0)
            int(props.get("SIZE", "0"))
        except ValueError:
            errors.append("register %s: ADDRESS_OFFSET/SIZE not numbers" % reg.get("NAME"))
    return errors


def check_nets(modules):
    errors = []
    ports = {}
    for m in modules:
        for port in m.findall("./PORTS/PORT"):
            ports[(m.get("INSTANCE"), port.get("NAME"))] = port
    drivers = {}
    for (inst, name), port in ports.items():
        signame = port.get("SIGNAME")
        links = port.findall("./CONNECTIONS/CONNECTION")
        if links and not signame:
            errors.append("%s/%s: CONNECTIONS without SIGNAME" % (inst, name))
        if signame and port.get("DIR") == "O":
            drivers.setdefault(signame, []).append("%s/%s" % (inst, name))
        for c in links:
            pin = (c.get("INSTANCE"), c.get("PORT"))
            other = ports.get(pin)
            if other is None:
                errors.append("%s/%s connects to %s/%s, which does not exist" %
                              ((inst, name) + pin))
                continue
            if other.get("SIGNAME") != signame:
                errors.append("%s/%s (net %s) connects to %s/%s on net %s" %
                              ((inst, name, signame) + pin + (other.get("SIGNAME"),)))
            if other.get("DIR") == port.get("DIR"):
                errors.append("%s/%s and %s/%s are both DIR=%s (pynqmetadata: "
                              "WrongPolarityConnection)" % ((inst, name) + pin +
                                                            (port.get("DIR"),)))
            back = [(b.get("INSTANCE"), b.get("PORT"))
                    for b in other.findall("./CONNECTIONS/CONNECTION")]
            if (inst, name) not in back:
                errors.append("%s/%s connects to %s/%s, which does not connect back" %
                              ((inst, name) + pin))
    nets = {p.get("SIGNAME") for p in ports.values() if p.get("SIGNAME")}
    for net in sorted(nets):
        if len(drivers.get(net, [])) != 1:
            errors.append("net %s has %d drivers %s" % (net, len(drivers.get(net, [])),
                                                       drivers.get(net, [])))
    streams = {}
    for m in modules:
        for bus in m.findall("./BUSINTERFACES/BUSINTERFACE"):
            if bus.get("VLNV", "").startswith("xilinx.com:interface:axis:"):
                if not bus.get("BUSNAME"):
                    errors.append("%s/%s: AXI4-Stream interface without BUSNAME" %
                                  (m.get("INSTANCE"), bus.get("NAME")))
                streams.setdefault(bus.get("BUSNAME"), []).append(bus.get("TYPE"))
    for name, types in streams.items():
        # One end alone is an interface left unconnected (a DMA channel the design does not
        # use); two ends must be an initiator and a target.
        if len(types) > 1 and sorted(types) not in (["INITIATOR", "TARGET"], ["MASTER", "SLAVE"]):
            errors.append("AXI4-Stream bus %s joins %s" % (name, types))
    return errors


def check_memory_maps(modules):
    errors = []
    buses = {m.get("INSTANCE"): {b.get("NAME"): b.get("TYPE")
                                 for b in m.findall("./BUSINTERFACES/BUSINTERFACE")}
             for m in modules}
    for m in modules:
        inst = m.get("INSTANCE")
        for r in m.findall("./MEMORYMAP/MEMRANGE"):
            where = "%s MEMRANGE %s" % (inst, r.get("INSTANCE"))
            target = buses.get(r.get("INSTANCE"))
            if target is None:
                errors.append("%s: no such INSTANCE" % where)
            elif r.get("SLAVEBUSINTERFACE") not in target:
                errors.append("%s: %s has no bus interface %s" %
                              (where, r.get("INSTANCE"), r.get("SLAVEBUSINTERFACE")))
            elif target[r.get("SLAVEBUSINTERFACE")] not in ("SLAVE", "TARGET"):
                errors.append("%s: %s is not a slave" % (where, r.get("SLAVEBUSINTERFACE")))
            if buses[inst].get(r.get("MASTERBUSINTERFACE")) not in ("MASTER", "INITIATOR"):
                errors.append("%s: MASTERBUSINTERFACE %s is not a master interface of %s" %
                              (where, r.get("MASTERBUSINTERFACE"), inst))
            if r.get("MEMTYPE") not in ("REGISTER", "MEMORY"):
                errors.append("%s: MEMTYPE %r" % (where, r.get("MEMTYPE")))
            try:
                if int(r.get("BASEVALUE"), 16) > int(r.get("HIGHVALUE"), 16):
                    errors.append("%s: BASEVALUE above HIGHVALUE" % where)
            except (TypeError, ValueError):
                errors.append("%s: BASEVALUE/HIGHVALUE not hex" % where)
        for block in m.findall("./ADDRESSBLOCKS/ADDRESSBLOCK"):
            name = block.get("INTERFACE") or ""
            kind = next((t for b, t in buses[inst].items()
                         if b in (name, name.lower(), name.upper())), None)
            if kind not in (None, "SLAVE", "TARGET"):
                errors.append("%s: ADDRESSBLOCK on %s, a %s interface" % (inst, name, kind))
    return errors


def main(paths):
    failed = False
    for path in paths:
        errors = check(path)
        for e in errors:
            print("%s: %s" % (path, e))
        if not errors:
            print("%s: ok" % path)
        failed |= bool(errors)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
