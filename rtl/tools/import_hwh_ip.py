#!/usr/bin/env python3
"""Print one MODULE of a real Vivado .hwh as manifest JSON (hwh_parameters and registers).

    import_hwh_ip.py <file.hwh> <instance> [<instance> ...]

For each instance: {"name", "vlnv", "hwh_parameters": {every PARAMETER of the MODULE, in file
order}, "registers": [every REGISTER of its ADDRESSBLOCKS with offset/size/access/description
and its FIELDS (name, bit, width, access, description)]}, in the shape of a format-2 manifest
instance (rtl/README.md), so a design can take the real file's values verbatim. Used once to
write rtl/designs/resizer/manifest.json from the real Vivado zcu104_resizer.hwh (third-party:
hwh/ in PYNQ_REMOTE_TESTDATA_DIR, fetched by ci/fetch-testdata.sh).
"""
import json
import sys
import xml.etree.ElementTree as ET


def _props(element):
    return {p.get("NAME"): p.get("VALUE") for p in element.findall("./PROPERTY")}


def module_json(module):
    out = {"name": module.get("INSTANCE"), "vlnv": module.get("VLNV"),
           "hwh_parameters": {p.get("NAME"): p.get("VALUE")
                              for p in module.findall("./PARAMETERS/PARAMETER")}}
    registers = []
    for block in module.findall("./ADDRESSBLOCKS/ADDRESSBLOCK"):
        for reg in block.findall("./REGISTERS/REGISTER"):
            p = _props(reg)
            entry = {"name": reg.get("NAME"), "offset": p.get("ADDRESS_OFFSET"),
                     "size": int(p.get("SIZE"), 0), "access": p.get("ACCESS"),
                     "description": p.get("DESCRIPTION", "")}
            fields = []
            for field in reg.findall("./FIELDS/FIELD"):
                f = _props(field)
                fields.append({"name": field.get("NAME"), "bit": int(f.get("BIT_OFFSET"), 0),
                               "width": int(f.get("BIT_WIDTH"), 0),
                               "access": f.get("ACCESS", p.get("ACCESS")),
                               "description": f.get("DESCRIPTION", "")})
            if fields:
                entry["fields"] = fields
            registers.append(entry)
    if registers:
        out["registers"] = registers
    return out


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    root = ET.parse(argv[1]).getroot()
    modules = {m.get("INSTANCE"): m for m in root.iter("MODULE")}
    result = []
    for name in argv[2:]:
        if name not in modules:
            sys.exit("%s: no MODULE with INSTANCE=%s" % (argv[1], name))
        result.append(module_json(modules[name]))
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv)
