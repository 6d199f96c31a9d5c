#!/usr/bin/python3
"""Reads every generated .hwh with the client's parser (client/python/pynq_remote/hwh.py,
PYNQ's dictionaries) and checks them against the design's manifest:

* ip_dict holds every addressed instance at its base with its range, type (VLNV), registers
  and, for format 2, the manifest's hwh_parameters;
* every interrupt in the manifest is in interrupt_pins with the right controller and index
  (a pin wired to pl_ps_irq0 has controller "" and the bit as index), and every axi_intc
  driving pl_ps_irq0 is in interrupt_controllers with its bit.

Usage: check_hwh_client.py --client DIR --designs DIR FILE.hwh...
"""
import argparse
import json
import os
import sys


def check(path, manifest, HwhParser):
    errors = []
    p = HwhParser(path=path)
    for inst in manifest["instances"]:
        name = inst["name"]
        if "base" not in inst:
            if name in p.ip_dict:
                errors.append("%s: not addressed, yet in ip_dict" % name)
            continue
        entry = p.ip_dict.get(name)
        if entry is None:
            errors.append("%s: not in ip_dict" % name)
            continue
        if entry["phys_addr"] != int(inst["base"], 16):
            errors.append("%s: phys_addr 0x%x" % (name, entry["phys_addr"]))
        if entry["addr_range"] != int(inst["range"], 16):
            errors.append("%s: addr_range 0x%x" % (name, entry["addr_range"]))
        if entry["type"] != inst["vlnv"]:
            errors.append("%s: type %s" % (name, entry["type"]))
        if sorted(entry["registers"]) != sorted(r["name"] for r in inst["registers"]):
            errors.append("%s: registers %s" % (name, sorted(entry["registers"])))
        for key, value in inst.get("hwh_parameters", {}).items():
            if entry["parameters"].get(key) != str(value):
                errors.append("%s: parameter %s = %r" % (name, key, entry["parameters"].get(key)))
    # Interrupts: format 1 "interrupt" per instance; format 2 top-level "interrupts".
    wanted_pins, wanted_ctl = {}, {}
    for inst in manifest["instances"]:
        if "interrupt" in inst:
            wanted_pins["%s/%s" % (inst["name"], inst["interrupt"]["port"])] = (
                "", inst["interrupt"]["irq"])
    for e in manifest.get("interrupts", []):
        src_inst, _, port = e["from"].partition("/")
        # A PS input (controller ""): its bit of the PS's interrupt lines, pl_ps_irq1 above
        # pl_ps_irq0's eight.
        ps_inputs = {"pl_ps_irq0": 0, "pl_ps_irq1": 8, "IRQ_F2P": 0}
        to = "" if e["to"] in ps_inputs else e["to"]
        index = e["index"] + ps_inputs.get(e["to"], 0)
        modules = {i["name"]: i for i in manifest["instances"]}
        if modules[src_inst]["vlnv"].startswith("xilinx.com:ip:axi_intc:") and port == "irq":
            wanted_ctl[src_inst] = (to, index)
        else:
            wanted_pins[e["from"]] = (to, index)
    for pin, (ctl, index) in wanted_pins.items():
        got = p.interrupt_pins.get(pin)
        if got is None:
            errors.append("interrupt pin %s missing (have %s)" % (pin, sorted(p.interrupt_pins)))
        elif (got["controller"], got["index"]) != (ctl, index):
            errors.append("interrupt pin %s: controller %r index %d, want %r %d" %
                          (pin, got["controller"], got["index"], ctl, index))
        else:
            cell, _, port = pin.rpartition("/")
            if cell in p.ip_dict and port not in p.ip_dict[cell]["interrupts"]:
                errors.append("%s: interrupt %s not attached to ip_dict" % (cell, port))
    for ctl, (parent, index) in wanted_ctl.items():
        got = p.interrupt_controllers.get(ctl)
        if got is None:
            errors.append("interrupt controller %s missing" % ctl)
        elif (got["parent"], got["index"]) != (parent, index):
            errors.append("interrupt controller %s: %r" % (ctl, got))
    extra = set(p.interrupt_controllers) - set(wanted_ctl)
    if extra:
        errors.append("unexpected interrupt controllers %s" % sorted(extra))
    return errors


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--client", required=True)
    ap.add_argument("--designs", required=True)
    ap.add_argument("hwh", nargs="+")
    args = ap.parse_args(argv)
    sys.path.insert(0, args.client)
    from pynq_remote.hwh import HwhParser
    failed = False
    for path in args.hwh:
        name = os.path.splitext(os.path.basename(path))[0]
        with open(os.path.join(args.designs, name, "manifest.json")) as f:
            manifest = json.load(f)
        errors = check(path, manifest, HwhParser)
        for e in errors:
            print("%s: %s" % (path, e))
        if not errors:
            print("%s: ok" % path)
        failed |= bool(errors)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
