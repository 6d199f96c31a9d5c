#!/usr/bin/python3
"""Tests of boards.py against the real sim/board/boards.json and broken copies of it.

Run: python3 rtl/tools/test_boards.py (ctest: boards_py). Standard library only.
"""
import contextlib
import copy
import io
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import boards  # noqa: E402

SOURCE_JSON = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "sim",
                           "board", "boards.json")


class RealFile(unittest.TestCase):
    def setUp(self):
        self.boards = boards.load(SOURCE_JSON)

    def test_seven_profiles_in_two_families(self):
        self.assertEqual([b.name for b in self.boards],
                         ["ZCU104", "ZCU102", "KV260", "Ultra96-V2", "Pynq-Z1", "Pynq-Z2",
                          "ZC702"])
        self.assertEqual([b.name for b in boards.by_family("zynq7000", SOURCE_JSON)],
                         ["Pynq-Z1", "Pynq-Z2", "ZC702"])
        for b in self.boards:
            self.assertEqual(b.arch, "aarch64" if b.is_zynqmp else "armv7l")
            self.assertEqual(b.irq_lines, 16)

    def test_lookups(self):
        z2 = boards.find("PYNQ-Z2", SOURCE_JSON)
        self.assertEqual(z2.name, "Pynq-Z2")
        self.assertIs(boards.find("tul.com.tw:pynq-z2:part0:1.0", SOURCE_JSON), z2)
        self.assertIs(boards.find_by_board_part("TUL.com.tw:pynq-z2:part0:1.0", SOURCE_JSON), z2)
        self.assertEqual(boards.find("xilinx.com:zcu102:part0:3.1", SOURCE_JSON).name, "ZCU102")
        self.assertIsNone(boards.find("zedboard", SOURCE_JSON))
        self.assertIsNone(boards.find("xilinx.com:zcu106:part0:2.6", SOURCE_JSON))
        with self.assertRaisesRegex(boards.BoardError, "known boards: ZCU104, ZCU102"):
            boards.get("zedboard", SOURCE_JSON)
        self.assertEqual(z2.family_name, "Zynq-7000")
        self.assertEqual(boards.family_name("zynqmp"), "Zynq UltraScale+")

    def test_ports_and_windows(self):
        z2 = boards.get("Pynq-Z2", SOURCE_JSON)
        self.assertEqual(z2.master("M_AXI_GP0"), boards.Window("M_AXI_GP0", 0x40000000, 1 << 30))
        self.assertEqual(z2.master_for(0x80000010).name, "M_AXI_GP1")
        self.assertIsNone(z2.master_for(0x7FFFFFFE, 4))
        self.assertEqual(z2.slave("hp2").name, "S_AXI_HP2")
        self.assertEqual(z2.slave("S_AXI_ACP").data_bits, (32, 64))
        self.assertEqual(z2.default_slave.name, "S_AXI_HP0")
        self.assertEqual(z2.ddr.size, 512 << 20)
        zcu = boards.get("ZCU104", SOURCE_JSON)
        self.assertEqual(zcu.master("M_AXI_HPM0_LPD").base, 0x80000000)
        self.assertEqual(zcu.slave("hpc1").name, "S_AXI_HPC1_FPD")
        self.assertIn(128, zcu.slave("acp").data_bits)
        self.assertEqual(zcu.default_slave.name, "S_AXI_HP0_FPD")

    def test_zynqmp_high_windows(self):
        # UG1085: M_AXI_HPM0_FPD also at 0x4_0000_0000, M_AXI_HPM1_FPD at 0x5_0000_0000 (4 GiB
        # each); M_AXI_HPM0_LPD has its 512 MiB only.
        for name in ("ZCU104", "ZCU102", "KV260", "Ultra96-V2"):
            b = boards.get(name)
            self.assertEqual(b.windows_of("M_AXI_HPM0_FPD"),
                             [boards.Window("M_AXI_HPM0_FPD", 0xA0000000, 0x10000000),
                              boards.Window("M_AXI_HPM0_FPD", 0x400000000, 1 << 32)])
            self.assertEqual([w.base for w in b.windows_of("M_AXI_HPM1_FPD")],
                             [0xB0000000, 0x500000000])
            self.assertEqual(len(b.windows_of("M_AXI_HPM0_LPD")), 1)
            self.assertEqual(b.master("M_AXI_HPM0_FPD").base, 0xA0000000)
            self.assertEqual(b.master_for(0x400000010, 4).name, "M_AXI_HPM0_FPD")
            self.assertEqual(b.master_for(0x5FFFFFFFC, 4).name, "M_AXI_HPM1_FPD")
            self.assertIsNone(b.master_for(0x4FFFFFFFC, 8))
            self.assertIsNone(b.master_for(0x600000000))
        for name in ("Pynq-Z1", "Pynq-Z2", "ZC702"):
            self.assertEqual(boards.get(name).high_windows, ())


class BrokenCopies(unittest.TestCase):
    def setUp(self):
        with open(SOURCE_JSON, encoding="utf-8") as f:
            self.doc = json.load(f)

    def refused(self, doc, pattern):
        with self.assertRaisesRegex(boards.BoardError, pattern):
            boards.parse(json.dumps(doc))

    def test_each_rule(self):
        self.assertEqual(len(boards.parse(json.dumps(self.doc))), 7)
        with self.assertRaisesRegex(boards.BoardError, "not JSON"):
            boards.parse("{")
        cases = [
            (lambda b: b.update(family="versal"), "family 'versal'"),
            (lambda b: b.update(arch="armv7l"), "runs aarch64"),
            (lambda b: b["ddr"].update(size="0x100000000"), "past 0x80000000"),
            (lambda b: b["ddr"].update(size="many"), "not a number"),
            (lambda b: b["cma"].update(base="0x7FFFF000"), "cma is not inside ddr"),
            (lambda b: b["ps_master_ports"][0].update(base="0x10000000"), "overlaps the DDR"),
            (lambda b: b["ps_master_ports"][1].update(base="0xA8000000"), "collide"),
            (lambda b: b["ps_slave_ports"][0].update(data_bits=[256]), "data_bits"),
            (lambda b: b["irq"]["ports"][0].update(lines=9), "more than 16"),
            (lambda b: b.pop("part"), "\"part\" must be"),
            (lambda b: b["ps_master_ports"][1].update(name="M_AXI_HPM0_FPD"), "listed twice"),
            (lambda b: b["ps_master_ports"][0]["high"].update(base="0xC0000000"),
             "high window of M_AXI_HPM0_FPD must be above 4 GiB"),
            (lambda b: b["ps_master_ports"][0]["high"].update(base="0xFFC0000000"),
             "below 1 TiB"),
            (lambda b: b["ps_master_ports"][1]["high"].update(base="0x480000000"),
             "M_AXI_HPM1_FPD and M_AXI_HPM0_FPD collide"),
            (lambda b: b["ps_master_ports"][0]["high"].update(size="0"), "size must be positive"),
            (lambda b: b["ps_master_ports"][0].update(high="0x400000000"),
             "expected an object with base and size"),
            (lambda b: b["ps_master_ports"][0].update(base="0x400000000"), "past 4 GiB"),
        ]
        for change, pattern in cases:
            doc = copy.deepcopy(self.doc)
            change(doc["boards"][0])
            self.refused(doc, pattern)
        doc = copy.deepcopy(self.doc)
        z2 = next(b for b in doc["boards"] if b["name"] == "Pynq-Z2")
        z2["ps_master_ports"][0]["high"] = {"base": "0x400000000", "size": "0x1000"}
        self.refused(doc, "Pynq-Z2: M_AXI_GP0 has a high window, but a Zynq-7000 has 32-bit")
        doc = copy.deepcopy(self.doc)
        doc["boards"][1]["name"] = "zcu104"
        self.refused(doc, "names both")


class Cli(unittest.TestCase):
    def test_main_lists_and_fails_cleanly(self):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            self.assertEqual(boards.main(["boards.py", "--json", SOURCE_JSON]), 0)
            self.assertEqual(boards.main(["boards.py", "--json", "/nonexistent/boards.json"]),
                             1)
            self.assertEqual(boards.main(["boards.py", "--bogus"]), 2)
        self.assertIn("Pynq-Z2", out.getvalue())
        self.assertIn("cannot read the board profiles /nonexistent/boards.json", err.getvalue())


if __name__ == "__main__":
    unittest.main()
