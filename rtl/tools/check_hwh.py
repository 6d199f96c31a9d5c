#!/usr/bin/python3
"""Checks that generated .hwh files parse as PYNQ expects (xml.etree, stdlib only).

Every REGISTER has a NAME and ADDRESS_OFFSET/SIZE/ACCESS properties, every MEMRANGE on the
PS memory map has BASEVALUE/HIGHVALUE/INSTANCE/SLAVEBUSINTERFACE, and the PS carries the
PL clock parameters PYNQ reads. Nets: every PORT with a SIGNAME agrees with its CONNECTIONS
(each named module and port exists and is on the same net), interrupt sources are
SIGIS="INTERRUPT" SENSITIVITY="LEVEL_HIGH", every xlconcat has In0..In<NUM_PORTS-1> and dout,
every axi_intc has intr and irq, each AXI4-Stream bus joins one initiator and one target, and
every PORTMAP's PHYSICAL is a PORT of its module (pynqmetadata's PortNotFound otherwise).
Usage: check_hwh.py FILE.hwh...
"""
import sys
import xml.etree.ElementTree as ET


def check(path):
    root = ET.parse(path).getroot()
    errors = []
    if root.tag != "EDKSYSTEM" or root.find("SYSTEMINFO") is None:
        errors.append("no EDKSYSTEM/SYSTEMINFO")
    modules = root.findall("./MODULES/MODULE")
    ps = [m for m in modules if m.get("MODTYPE") == "zynq_ultra_ps_e"]
    if len(ps) != 1:
        errors.append("expected one zynq_ultra_ps_e module, found %d" % len(ps))
    else:
        params = {p.get("NAME"): p.get("VALUE") for p in ps[0].iter("PARAMETER")}
        for key in ("PSU__CRL_APB__PL0_REF_CTRL__FREQMHZ", "PSU__MAXIGP0__DATA_WIDTH",
                    "PSU__SAXIGP2__DATA_WIDTH", "PSU__USE__M_AXI_GP0",
                    "C_MAXIGP0_DATA_WIDTH", "C_SAXIGP2_DATA_WIDTH"):
            if key not in params:
                errors.append("PS parameter %s missing" % key)
        ranges = ps[0].findall("./MEMORYMAP/MEMRANGE")
        if not ranges:
            errors.append("PS memory map is empty")
        for r in ranges:
            for attr in ("BASEVALUE", "HIGHVALUE", "INSTANCE", "SLAVEBUSINTERFACE"):
                if not r.get(attr):
                    errors.append("MEMRANGE without %s" % attr)
            int(r.get("BASEVALUE"), 16), int(r.get("HIGHVALUE"), 16)
    count = 0
    for reg in root.iter("REGISTER"):
        count += 1
        props = {p.get("NAME"): p.get("VALUE") for p in reg.findall("PROPERTY")}
        if not reg.get("NAME"):
            errors.append("REGISTER without NAME")
        for key in ("ADDRESS_OFFSET", "SIZE", "ACCESS", "DESCRIPTION"):
            if key not in props:
                errors.append("register %s: no %s" % (reg.get("NAME"), key))
        int(props.get("ADDRESS_OFFSET", "0"), 0)
        int(props.get("SIZE", "0"))
    if count == 0:
        errors.append("no registers")
    errors += check_nets(modules)
    return errors


def check_nets(modules):
    errors = []
    by_name = {m.get("INSTANCE"): m for m in modules}
    ports = {}
    for m in modules:
        for port in m.findall("./PORTS/PORT"):
            ports[(m.get("INSTANCE"), port.get("NAME"))] = port
    for (inst, name), port in ports.items():
        signame = port.get("SIGNAME")
        for c in port.findall("./CONNECTIONS/CONNECTION"):
            other = ports.get((c.get("INSTANCE"), c.get("PORT")))
            if c.get("INSTANCE") not in by_name or other is None:
                errors.append("%s/%s connects to missing %s/%s" %
                              (inst, name, c.get("INSTANCE"), c.get("PORT")))
            elif other.get("SIGNAME") != signame:
                errors.append("%s/%s (net %s) connects to %s/%s on net %s" %
                              (inst, name, signame, c.get("INSTANCE"), c.get("PORT"),
                               other.get("SIGNAME")))
        if port.get("SIGIS") == "INTERRUPT" and port.get("SENSITIVITY") != "LEVEL_HIGH":
            errors.append("%s/%s: interrupt without SENSITIVITY=LEVEL_HIGH" % (inst, name))
    for m in modules:
        inst = m.get("INSTANCE")
        if m.get("MODTYPE") == "xlconcat":
            params = {p.get("NAME"): p.get("VALUE") for p in m.iter("PARAMETER")}
            n = int(params.get("NUM_PORTS", "0"))
            for pin in ["In%d" % i for i in range(n)] + ["dout"]:
                if (inst, pin) not in ports:
                    errors.append("xlconcat %s: no port %s" % (inst, pin))
        if m.get("MODTYPE") == "axi_intc":
            for pin in ("intr", "irq"):
                if (inst, pin) not in ports:
                    errors.append("axi_intc %s: no port %s" % (inst, pin))
    buses = {}
    for m in modules:
        for bus in m.findall("./BUSINTERFACES/BUSINTERFACE"):
            if bus.get("VLNV", "").startswith("xilinx.com:interface:axis:"):
                if not bus.get("BUSNAME"):
                    errors.append("%s/%s: AXI4-Stream interface without BUSNAME" %
                                  (m.get("INSTANCE"), bus.get("NAME")))
                buses.setdefault(bus.get("BUSNAME"), []).append(bus.get("TYPE"))
    for name, types in buses.items():
        if sorted(types) not in (["INITIATOR", "TARGET"], ["MASTER", "SLAVE"]):
            errors.append("AXI4-Stream bus %s joins %s" % (name, types))
    # pynqmetadata looks up every PORTMAP's PHYSICAL among its MODULE's PORTs and refuses the
    # whole file (PortNotFound) when one is missing: PYNQ's Overlay() then cannot load it.
    for m in modules:
        for bus in m.findall("./BUSINTERFACES/BUSINTERFACE"):
            for pm in bus.findall("./PORTMAPS/PORTMAP"):
                if (m.get("INSTANCE"), pm.get("PHYSICAL")) not in ports:
                    errors.append("%s/%s: PORTMAP %s names port %s, which the module lacks" %
                                  (m.get("INSTANCE"), bus.get("NAME"), pm.get("LOGICAL"),
                                   pm.get("PHYSICAL")))
    return errors


def main(paths):
    failed = False
    for path in paths:
        errors = check(path)
        for e in errors:
            print("%s: %s" % (path, e))
        failed |= bool(errors)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
