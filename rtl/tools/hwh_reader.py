#!/usr/bin/python3
"""Read a Vivado hardware handoff (.hwh) into plain Python structures.

    import hwh_reader
    hwh = hwh_reader.read("design_1.hwh")       # HwhError for a file that is not a .hwh
    hwh.system    # {"arch", "board", "device", "package", "speedgrade", "name"}
    hwh.modules   # one dict per MODULE (see _module), in file order
    hwh.module("axi_dma_0")

The shapes are the ones /tmp/contract.md gives (issue 16): every MODULE with its PARAMETERs,
PORTs (with their CONNECTIONS), BUSINTERFACEs (with PORTMAPS), MEMORYMAP MEMRANGEs and the
REGISTERs of its ADDRESSBLOCKS (as tools/import_hwh_ip.py writes them into a manifest). Only
reading: what the file means for the simulated board is import_design.py's business.
Debian's /usr/bin/python3, standard library only.
"""
import xml.etree.ElementTree as ET


class HwhError(Exception):
    """The file is not a .hwh Vivado wrote (or is damaged): names the file, the line, what."""

    def __init__(self, file, line, what):
        self.file, self.line, self.what = file, line, what
        where = "%s:%d" % (file, line) if line else file
        super().__init__("%s: %s" % (where, what))


class Hwh:
    def __init__(self, path, system, modules):
        self.path = path
        self.system = system
        self.modules = modules
        self._by_name = {m["instance"]: m for m in modules}

    def module(self, instance):
        return self._by_name.get(instance)


def _int(text, default=None):
    try:
        return int(text, 0)
    except (TypeError, ValueError):
        return default


def _props(element):
    return {p.get("NAME"): p.get("VALUE") for p in element.findall("./PROPERTY")}


def registers(module):
    """Every REGISTER of the MODULE's ADDRESSBLOCKS, in a manifest's shape (import_hwh_ip)."""
    out = []
    for block in module.findall("./ADDRESSBLOCKS/ADDRESSBLOCK"):
        for reg in block.findall("./REGISTERS/REGISTER"):
            p = _props(reg)
            entry = {"name": reg.get("NAME"), "offset": p.get("ADDRESS_OFFSET", "0"),
                     "size": _int(p.get("SIZE"), 32), "access": p.get("ACCESS", "read-write"),
                     "description": p.get("DESCRIPTION", "")}
            fields = []
            for field in reg.findall("./FIELDS/FIELD"):
                f = _props(field)
                fields.append({"name": field.get("NAME"), "bit": _int(f.get("BIT_OFFSET"), 0),
                               "width": _int(f.get("BIT_WIDTH"), 1),
                               "access": f.get("ACCESS", entry["access"]),
                               "description": f.get("DESCRIPTION", "")})
            if fields:
                entry["fields"] = fields
            out.append(entry)
    return out


def _module(m):
    ports = []
    for p in m.findall("./PORTS/PORT"):
        ports.append({"name": p.get("NAME"), "dir": p.get("DIR", ""),
                      "left": _int(p.get("LEFT")), "right": _int(p.get("RIGHT")),
                      "sigis": p.get("SIGIS", "undef"), "signame": p.get("SIGNAME"),
                      "connections": [(c.get("INSTANCE"), c.get("PORT"))
                                      for c in p.findall("./CONNECTIONS/CONNECTION")]})
    busifs = []
    for b in m.findall("./BUSINTERFACES/BUSINTERFACE"):
        busifs.append({"name": b.get("NAME"), "type": b.get("TYPE", ""), "vlnv": b.get("VLNV", ""),
                       "busname": b.get("BUSNAME"), "datawidth": _int(b.get("DATAWIDTH")),
                       "parameters": {p.get("NAME"): p.get("VALUE")
                                      for p in b.findall("./PARAMETER")},
                       "portmaps": {pm.get("LOGICAL"): {"physical": pm.get("PHYSICAL"),
                                                        "left": _int(pm.get("LEFT")),
                                                        "right": _int(pm.get("RIGHT"))}
                                    for pm in b.findall("./PORTMAPS/PORTMAP")}})
    memranges = [{"instance": r.get("INSTANCE"), "basevalue": _int(r.get("BASEVALUE")),
                  "highvalue": _int(r.get("HIGHVALUE")),
                  "masterbusinterface": r.get("MASTERBUSINTERFACE"),
                  "slavebusinterface": r.get("SLAVEBUSINTERFACE"),
                  "addressblock": r.get("ADDRESSBLOCK"), "memtype": r.get("MEMTYPE")}
                 for r in m.findall("./MEMORYMAP/MEMRANGE")]
    return {"instance": m.get("INSTANCE"), "vlnv": m.get("VLNV", ""),
            "modtype": m.get("MODTYPE", ""), "fullname": m.get("FULLNAME", ""),
            "is_pl": m.get("IS_PL", "TRUE").upper() != "FALSE",
            "parameters": {p.get("NAME"): p.get("VALUE")
                           for p in m.findall("./PARAMETERS/PARAMETER")},
            "ports": ports, "busifs": busifs, "memranges": memranges,
            "registers": registers(m)}


def read(path):
    """The .hwh at path; HwhError (file, line, what) when it is not one."""
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        line = e.position[0] if getattr(e, "position", None) else 0
        raise HwhError(path, line, "not a Vivado hardware handoff (.hwh): the XML does not parse "
                       "(%s)" % e) from None
    except OSError as e:
        raise HwhError(path, 0, "cannot read it: %s" % e.strerror) from None
    if root.tag != "EDKSYSTEM" or root.find("./MODULES") is None:
        raise HwhError(path, 1, "not a Vivado hardware handoff (.hwh): XML whose root is <%s>, "
                       "not <EDKSYSTEM> with <MODULES> (give the .hwh Vivado writes beside the "
                       ".bit, e.g. <project>.gen/sources_1/bd/<bd>/hw_handoff/<bd>.hwh)"
                       % root.tag)
    info = root.find("./SYSTEMINFO")
    info = info.attrib if info is not None else {}
    system = {k.lower(): info.get(k, "") for k in
              ("ARCH", "BOARD", "DEVICE", "PACKAGE", "SPEEDGRADE", "NAME")}
    modules = []
    for m in root.findall("./MODULES/MODULE"):
        if not m.get("INSTANCE"):
            raise HwhError(path, 0, "a MODULE without INSTANCE (VLNV %s)" % m.get("VLNV"))
        modules.append(_module(m))
    return Hwh(path, system, modules)
