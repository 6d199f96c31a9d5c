#!/usr/bin/python3
"""Checks of gen_top.py's manifest validation: each bad manifest fails with its reason.
Usage: test_gen_top.py   (stdlib unittest; registered as ctest rtl_gen_top_errors)."""
import copy
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_top  # noqa: E402

CORE = """
module core #(parameter integer W = 32, parameter integer AW = 9) (
  input wire clk, input wire rst_n,
  input wire [AW-1:0] s_awaddr, input wire s_awvalid, output wire s_awready,
  input wire [31:0] s_wdata, input wire [3:0] s_wstrb, input wire s_wvalid, output wire s_wready,
  output wire [1:0] s_bresp, output wire s_bvalid, input wire s_bready,
  input wire [AW-1:0] s_araddr, input wire s_arvalid, output wire s_arready,
  output wire [31:0] s_rdata, output wire [1:0] s_rresp, output wire s_rvalid, input wire s_rready,
  output wire [39:0] m_araddr, output wire [7:0] m_arlen, output wire m_arvalid,
  input wire m_arready, input wire [63:0] m_rdata, input wire m_rvalid, output wire m_rready,
  output wire [W-1:0] o_tdata, output wire o_tvalid, input wire o_tready, output wire o_tlast,
  input wire [W-1:0] i_tdata, input wire i_tvalid, output wire i_tready, input wire i_tlast,
  output wire interrupt, input wire [1:0] intr, output wire busy);
endmodule
"""


def inst(name, base, **params):
    return {"name": name, "module": "core", "vlnv": "x:y:core:1.0", "params": params,
            "base": base, "range": "0x10000", "interface": "S", "ps_port": "M_AXI_HPM0_FPD",
            "interfaces": {"S": {"type": "axilite", "mode": "slave", "prefix": "s_"},
                           "M": {"type": "aximm", "mode": "master", "prefix": "m_"},
                           "O": {"type": "axis", "mode": "master", "prefix": "o_"},
                           "I": {"type": "axis", "mode": "slave", "prefix": "i_"}},
            "registers": []}


GOOD = {"format": 2, "name": "t", "top": "t", "sources": ["core.v"],
        "instances": [inst("a", "0xA0000000"), inst("b", "0xA0010000")],
        "streams": [{"from": "a/O", "to": "b/I"}],
        "masters": [{"instance": "a", "interface": "M", "ps_port": "S_AXI_HP0_FPD"}],
        "interrupts": [{"from": "a/interrupt", "to": "b", "index": 1},
                       {"from": "b/interrupt", "to": "pl_ps_irq0", "index": 3}]}


class GenTopTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        with open(os.path.join(self.dir, "core.v"), "w") as f:
            f.write(CORE)

    def generate(self, manifest):
        path = os.path.join(self.dir, "manifest.json")
        with open(path, "w") as f:
            json.dump(manifest, f)
        return gen_top.generate(gen_top.Design(path))

    def fails(self, manifest, words):
        with self.assertRaises(gen_top.DesignError) as ctx:
            self.generate(manifest)
        self.assertIn(words, str(ctx.exception))

    def test_good(self):
        text = self.generate(GOOD)
        self.assertIn("assign irq = {12'd0, b__interrupt, 3'd0};", text)
        self.assertIn("assign b__intr = {a__interrupt, 1'd0};", text)
        self.assertIn("assign m_axi_araddr = a__m_araddr;", text)
        self.assertIn("assign m_axi_arsize = 3'd3;", text)  # the master has no arsize
        self.assertIn("assign b__i_tdata = a__o_tdata;", text)

    def test_two_read_masters(self):
        m = copy.deepcopy(GOOD)
        m["masters"].append({"instance": "b", "interface": "M", "ps_port": "S_AXI_HP0_FPD"})
        self.fails(m, "one read and one write master per design")

    def test_overlap(self):
        m = copy.deepcopy(GOOD)
        m["instances"][1]["base"] = "0xA0000000"
        self.fails(m, "overlap")

    def test_unaligned(self):
        m = copy.deepcopy(GOOD)
        m["instances"][1]["base"] = "0xA0018000"
        self.fails(m, "aligned")

    def test_stream_width(self):
        m = copy.deepcopy(GOOD)
        m["instances"][1]["params"] = {"W": 64}
        self.fails(m, "width converter")

    def test_interrupt_index(self):
        m = copy.deepcopy(GOOD)
        m["interrupts"][0]["index"] = 2
        self.fails(m, "outside 0..1")

    def test_unknown_port(self):
        m = copy.deepcopy(GOOD)
        m["interrupts"][0]["from"] = "a/irq_out"
        self.fails(m, "a has no port irq_out")

    def test_unknown_param(self):
        m = copy.deepcopy(GOOD)
        m["instances"][0]["params"] = {"NOPE": 1}
        self.fails(m, "no parameter NOPE")

    def test_double_driver(self):
        m = copy.deepcopy(GOOD)
        m["wires"] = [{"from": "a/interrupt", "to": "b/i_tlast"}]
        self.fails(m, "driven twice")


if __name__ == "__main__":
    unittest.main()
