#!/usr/bin/python3
"""Checks that generated .hwh files parse as PYNQ expects (xml.etree, stdlib only).

Every REGISTER has a NAME and ADDRESS_OFFSET/SIZE/ACCESS properties, every MEMRANGE on the
PS memory map has BASEVALUE/HIGHVALUE/INSTANCE/SLAVEBUSINTERFACE, and the PS carries the
PL clock parameters PYNQ reads. Usage: check_hwh.py FILE.hwh...
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
