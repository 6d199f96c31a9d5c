#!/usr/bin/python3
"""Checks of gen_top.py's manifest validation: each bad manifest fails with its reason.
Usage: test_gen_top.py   (stdlib unittest; registered as ctest rtl_gen_top_errors)."""
import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_top  # noqa: E402

CORE = """
module core #(parameter integer W = 32, parameter integer AW = 9, parameter integer DW = 64) (
  input wire clk, input wire rst_n,
  input wire [AW-1:0] s_awaddr, input wire s_awvalid, output wire s_awready,
  input wire [31:0] s_wdata, input wire [3:0] s_wstrb, input wire s_wvalid, output wire s_wready,
  output wire [1:0] s_bresp, output wire s_bvalid, input wire s_bready,
  input wire [AW-1:0] s_araddr, input wire s_arvalid, output wire s_arready,
  output wire [31:0] s_rdata, output wire [1:0] s_rresp, output wire s_rvalid, input wire s_rready,
  output wire [39:0] m_araddr, output wire [7:0] m_arlen, output wire m_arvalid,
  input wire m_arready, input wire [DW-1:0] m_rdata, input wire m_rvalid, output wire m_rready,
  input wire m_rlast,
  output wire [39:0] mw_awaddr, output wire [7:0] mw_awlen, output wire mw_awvalid,
  input wire mw_awready, output wire [DW-1:0] mw_wdata, output wire [DW/8-1:0] mw_wstrb,
  output wire mw_wlast, output wire mw_wvalid, input wire mw_wready,
  input wire [1:0] mw_bresp, input wire mw_bvalid, output wire mw_bready,
  output wire [W-1:0] o_tdata, output wire o_tvalid, input wire o_tready, output wire o_tlast,
  input wire [W-1:0] i_tdata, input wire i_tvalid, output wire i_tready, input wire i_tlast,
  output wire interrupt, input wire [1:0] intr, output wire busy);
endmodule
"""
INTERCONNECT = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "ip",
                            "common", "axi_interconnect.v")
UPSIZER = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "ip", "common",
                       "axi_width_converter.v")


def inst(name, base, **params):
    return {"name": name, "module": "core", "vlnv": "x:y:core:1.0", "params": params,
            "base": base, "range": "0x10000", "interface": "S", "ps_port": "M_AXI_HPM0_FPD",
            "interfaces": {"S": {"type": "axilite", "mode": "slave", "prefix": "s_"},
                           "M": {"type": "aximm", "mode": "master", "prefix": "m_"},
                           "MW": {"type": "aximm", "mode": "master", "prefix": "mw_"},
                           "O": {"type": "axis", "mode": "master", "prefix": "o_"},
                           "I": {"type": "axis", "mode": "slave", "prefix": "i_"}},
            "registers": []}


GOOD = {"format": 2, "name": "t", "top": "t", "sources": ["core.v"],
        "board_name": "ZCU104", "part": "xczu7ev-ffvc1156-2-e",
        "ps": {"master_ports": {"M_AXI_HPM0_FPD": 32}, "slave_ports": {"S_AXI_HP0_FPD": 64}},
        "instances": [inst("a", "0xA0000000"), inst("b", "0xA0010000")],
        "streams": [{"from": "a/O", "to": "b/I"}],
        "masters": [{"instance": "a", "interface": "M", "ps_port": "S_AXI_HP0_FPD"}],
        "interrupts": [{"from": "a/interrupt", "to": "b", "index": 1},
                       {"from": "b/interrupt", "to": "pl_ps_irq0", "index": 3}]}


def zynq7000(manifest):
    """The manifest moved to a Zynq-7000 (Pynq-Z2): GP0 window, HP0, IRQ_F2P."""
    m = copy.deepcopy(manifest)
    m["board_name"], m["part"] = "Pynq-Z2", "xc7z020clg400-1"
    m["ps"] = {"master_ports": {"M_AXI_GP0": 32}, "slave_ports": {"S_AXI_HP0": 64}}
    for i, entry in enumerate(m["instances"]):
        entry["base"] = "0x%08X" % (0x40000000 + 0x10000 * i)
        entry["ps_port"] = "M_AXI_GP0"
    for entry in m["masters"]:
        entry["ps_port"] = "S_AXI_HP0"
    for entry in m["interrupts"]:
        if entry["to"] == "pl_ps_irq0":
            entry["to"] = "IRQ_F2P"
    return m


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
        self.assertIn("assign m_axi_hp0_araddr = a__m_araddr;", text)
        self.assertIn("assign m_axi_hp0_arsize = 3'd3;", text)  # the master has no arsize
        self.assertIn("assign b__i_tdata = a__o_tdata;", text)
        # a read-only master: a read-only bundle
        self.assertIn("output wire [39:0] m_axi_hp0_araddr,", text)
        self.assertNotIn("m_axi_hp0_aw", text)

    def test_shared_port_arbitrated(self):
        m = copy.deepcopy(GOOD)
        m["sources"].append(os.path.relpath(INTERCONNECT, self.dir))
        m["masters"] += [{"instance": "b", "interface": "M", "ps_port": "S_AXI_HP0_FPD"},
                         {"instance": "a", "interface": "MW", "ps_port": "S_AXI_HP0_FPD"}]
        text = self.generate(m)
        self.assertIn("pr_axi_rd_arbiter #(.N(2), .AW(40)) hp0_rd_arb (", text)
        self.assertIn(".s_araddr({b__m_araddr, a__m_araddr})", text)
        self.assertIn("assign b__m_rvalid = hp0_rd_arb_rvalid[1];", text)
        self.assertIn("assign a__m_rdata = m_axi_hp0_rdata;", text)
        # the one write master is wired straight through
        self.assertIn("assign m_axi_hp0_awaddr = a__mw_awaddr;", text)
        self.assertNotIn("pr_axi_wr_arbiter", text)

    def test_shared_port_needs_interconnect_source(self):
        m = copy.deepcopy(GOOD)
        m["masters"].append({"instance": "b", "interface": "M", "ps_port": "S_AXI_HP0_FPD"})
        self.fails(m, "needs module pr_axi_rd_arbiter: add ")

    def test_two_ports_two_widths(self):
        m = copy.deepcopy(GOOD)
        m["ps"]["slave_ports"]["S_AXI_HP2_FPD"] = 128
        m["instances"][1]["params"] = {"W": 32, "DW": 128}
        m["masters"].append({"instance": "b", "interface": "MW", "ps_port": "S_AXI_HP2_FPD"})
        text = self.generate(m)
        self.assertIn("output wire [127:0] m_axi_hp2_wdata,", text)
        self.assertIn("output wire [15:0] m_axi_hp2_wstrb,", text)
        self.assertIn("assign m_axi_hp2_awsize = 3'd4;", text)  # 16-byte beats by default
        self.assertNotIn("m_axi_hp2_ar", text)  # write-only bundle

    def test_slave_port_not_in_family(self):
        m = copy.deepcopy(GOOD)
        m["ps"]["slave_ports"] = {"S_AXI_HP0": 64}
        self.fails(m, "ps.slave_ports: S_AXI_HP0 is not a PS slave port of Zynq UltraScale+")

    def test_master_on_port_family_lacks(self):
        m = zynq7000(GOOD)
        m["ps"]["slave_ports"]["S_AXI_HPC0_FPD"] = 64
        self.fails(m, "ps.slave_ports: S_AXI_HPC0_FPD is not a PS slave port of Zynq-7000")
        m = zynq7000(GOOD)
        m["masters"][0]["ps_port"] = "S_AXI_HPC0_FPD"
        self.fails(m, "masters: a/M is on S_AXI_HPC0_FPD, which is not a PS slave port of "
                      "Zynq-7000 (S_AXI_HP0, S_AXI_HP1, S_AXI_HP2, S_AXI_HP3, S_AXI_ACP)")

    def test_master_port_not_listed(self):
        m = copy.deepcopy(GOOD)
        m["masters"][0]["ps_port"] = "S_AXI_HP1_FPD"
        self.fails(m, "masters: a/M is on S_AXI_HP1_FPD, which \"ps\".\"slave_ports\" does not "
                      "list (add it with its data width, 32/64/128)")

    def test_width_not_allowed(self):
        m = copy.deepcopy(GOOD)
        m["ps"]["slave_ports"]["S_AXI_HP0_FPD"] = 96
        self.fails(m, "S_AXI_HP0_FPD is 96 bits wide; on a Zynq UltraScale+ it takes 32 or 64 "
                      "or 128")
        m = zynq7000(GOOD)
        m["ps"]["slave_ports"]["S_AXI_HP0"] = 128
        self.fails(m, "S_AXI_HP0 is 128 bits wide; on a Zynq-7000 it takes 32 or 64")

    def test_wider_master_refused(self):
        m = copy.deepcopy(GOOD)
        m["instances"][0]["params"] = {"DW": 128}
        self.fails(m, "masters: a/M is 128 bits wide (rdata), S_AXI_HP0_FPD is 64 bits "
                      "(\"ps\".\"slave_ports\"); a master must match its port's width or be "
                      "narrower")
        m = copy.deepcopy(GOOD)  # 64 bits on a 32-bit port: no upsizer for that either
        m["ps"]["slave_ports"]["S_AXI_HP0_FPD"] = 32
        self.fails(m, "a/M is 64 bits wide (rdata), S_AXI_HP0_FPD is 32 bits")

    def test_narrow_master_needs_the_converter_source(self):
        m = copy.deepcopy(GOOD)
        m["ps"]["slave_ports"]["S_AXI_HP0_FPD"] = 128
        self.fails(m, "masters: a master is narrower than its PS slave port, which needs "
                      "module pr_axi_upsizer: add ")
        self.fails(m, "axi_width_converter.v to \"sources\"")

    def test_narrow_master_through_an_upsizer(self):
        m = copy.deepcopy(GOOD)
        m["ps"]["slave_ports"]["S_AXI_HP0_FPD"] = 128
        m["sources"].append(os.path.relpath(UPSIZER, self.dir))
        text = self.generate(m)
        self.assertIn("pr_axi_upsizer #(\n      .AW(40),\n      .NDW(64),\n      .WDW(128)\n"
                      "  ) a_M_upsizer (", text)
        self.assertIn("assign a_M_upsizer__s_araddr = a__m_araddr;", text)
        self.assertIn("assign a_M_upsizer__s_arsize = 3'd3;", text)  # the master's own beat
        self.assertIn("assign a__m_rdata = a_M_upsizer__s_rdata;", text)
        self.assertIn("assign m_axi_hp0_araddr = a_M_upsizer__m_araddr;", text)
        self.assertIn("assign a_M_upsizer__m_rdata = m_axi_hp0_rdata;", text)
        self.assertIn("input  wire [127:0] m_axi_hp0_rdata,", text)  # the port's width
        self.assertIn("assign a_M_upsizer__clk = clk;", text)
        self.assertNotIn("m_axi_hp0_aw", text)  # still a read-only bundle
        m = copy.deepcopy(m)  # 32 bits on 128, a master with both channels
        m["instances"][0]["params"] = {"DW": 32}
        m["masters"][0]["interface"] = "MW"
        text = self.generate(m)
        self.assertIn(".NDW(32)", text)
        self.assertIn("assign m_axi_hp0_wdata = a_MW_upsizer__m_wdata;", text)
        self.assertIn("assign a_MW_upsizer__s_wstrb = a__mw_wstrb;", text)

    def test_master_port_family_names(self):
        m = copy.deepcopy(GOOD)
        m["ps"]["master_ports"] = {"M_AXI_GP0": 32}
        self.fails(m, "ps.master_ports: M_AXI_GP0 is not a PS master port of Zynq UltraScale+")
        m = copy.deepcopy(GOOD)
        m["instances"][0]["base"] = "0xC0000000"
        self.fails(m, "a: window 0xC0000000..0xC000FFFF is outside M_AXI_HPM0_FPD's")

    def test_zynq7000(self):
        text = self.generate(zynq7000(GOOD))
        self.assertIn("output wire [31:0] m_axi_hp0_araddr,", text)  # 32-bit PS addresses
        self.assertIn("assign m_axi_hp0_araddr = a__m_araddr[31:0];", text)
        self.assertIn("assign irq = {12'd0, b__interrupt, 3'd0};", text)

    def test_interrupt_inputs_by_family(self):
        m = copy.deepcopy(GOOD)
        m["interrupts"][1] = {"from": "b/interrupt", "to": "pl_ps_irq1", "index": 2}
        self.assertIn("assign irq = {5'd0, b__interrupt, 10'd0};", self.generate(m))
        m["interrupts"][1]["index"] = 8
        self.fails(m, "index 8 of pl_ps_irq1 outside 0..7")
        m = zynq7000(GOOD)
        m["interrupts"][1]["to"] = "pl_ps_irq0"
        self.fails(m, "interrupts: pl_ps_irq0 is not an interrupt input of Zynq-7000 (IRQ_F2P)")

    def test_board_and_family(self):
        m = copy.deepcopy(GOOD)
        m["board_name"] = "Arty"
        self.fails(m, "no board profile 'Arty'; known boards: ZCU104")
        m = copy.deepcopy(GOOD)
        m["family"] = "zynq7000"
        self.fails(m, "family 'zynq7000', but ZCU104 is a Zynq UltraScale+ (zynqmp)")

    def test_overlap(self):
        m = copy.deepcopy(GOOD)
        m["instances"][1]["base"] = "0xA0000000"
        self.fails(m, "overlap")

    def test_high_window_decodes_the_low_32_bits(self):
        # ZynqMP M_AXI_HPM0_FPD's high window: the instance is decoded at base & 0xFFFFFFFF.
        m = copy.deepcopy(GOOD)
        m["instances"][1]["base"] = "0x400010000"
        text = self.generate(m)
        self.assertIn("// 1: b at 0x400010000, range 0x10000 (decoded at its low 32 bits, "
                      "0x00010000)", text)
        self.assertIn("(s_axil_araddr & 32'hFFFF0000) == 32'h00010000", text)
        self.assertIn("(s_axil_araddr & 32'hFFFF0000) == 32'hA0000000", text)
        m["instances"][1].update(base="0x500010000", ps_port="M_AXI_HPM1_FPD")
        m["ps"]["master_ports"]["M_AXI_HPM1_FPD"] = 32
        self.assertIn("== 32'h00010000", self.generate(m))
        # Low windows decode as before.
        self.assertNotIn("low 32 bits,", self.generate(GOOD))

    def test_high_window_refusals(self):
        m = copy.deepcopy(GOOD)
        m["instances"][1]["base"] = "0x600000000"
        self.fails(m, "b: window 0x600000000..0x60000FFFF is outside M_AXI_HPM0_FPD's "
                      "0xA0000000..0xAFFFFFFF and 0x400000000..0x4FFFFFFFF")
        m["instances"][1]["base"] = "0x500000000"  # HPM1's high window, not HPM0's
        self.fails(m, "outside M_AXI_HPM0_FPD's")
        # The LPD port has no high window.
        m["instances"][1].update(base="0x480000000", ps_port="M_AXI_HPM0_LPD")
        with self.assertRaises(gen_top.DesignError) as ctx:
            self.generate(m)
        self.assertTrue(str(ctx.exception).endswith(
            "b: window 0x480000000..0x48000FFFF is outside M_AXI_HPM0_LPD's "
            "0x80000000..0x9FFFFFFF"), str(ctx.exception))
        # Two instances whose low 32 bits alias, in the two high windows: both named.
        m = copy.deepcopy(GOOD)
        m["ps"]["master_ports"]["M_AXI_HPM1_FPD"] = 32
        m["instances"][0]["base"] = "0x400010000"
        m["instances"][1].update(base="0x500010000", ps_port="M_AXI_HPM1_FPD")
        self.fails(m, "a (0x400010000..0x40001FFFF) and b (0x500010000..0x50001FFFF) alias: "
                      "the design sees the low 32 bits of an address")
        self.fails(m, "where both decode 0x00010000..0x0001FFFF")
        # A high-window instance whose low 32 bits land in a low PL window: refused, even
        # with nothing at that low address (the design would answer there).
        m = copy.deepcopy(GOOD)
        m["instances"][1]["base"] = "0x4A0010000"
        self.fails(m, "b at 0x4A0010000..0x4A001FFFF: its low 32 bits 0xA0010000..0xA001FFFF "
                      "fall in M_AXI_HPM0_FPD's window 0xA0000000..0xAFFFFFFF")
        m["instances"][1]["base"] = "0x480000000"
        self.fails(m, "fall in M_AXI_HPM0_LPD's window 0x80000000..0x9FFFFFFF")
        # A high-window instance aliasing a low-window one: the pair is named.
        m["instances"][1]["base"] = "0x4A0000000"
        self.fails(m, "a (0xA0000000..0xA000FFFF) and b (0x4A0000000..0x4A000FFFF) alias")
        # Without a ps_port, a window above 4 GiB must still be a PL window of the board.
        m = copy.deepcopy(GOOD)
        del m["instances"][1]["ps_port"]
        m["instances"][1]["base"] = "0x700000000"
        self.fails(m, "b: window 0x700000000..0x70000FFFF is above 4 GiB and in no PL window "
                      "of the ZCU104")
        m["instances"][1]["base"] = "0x400000000"
        self.assertIn("== 32'h00000000", self.generate(m))

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

    def test_emio(self):
        m = copy.deepcopy(GOOD)
        self.assertNotIn("emio_gpio", self.generate(m))  # no "emio": no EMIO ports
        m["emio"] = [{"from": "emio_gpio_o", "index": 4, "to": "b/intr"},
                     {"from": "a/interrupt", "to": "emio_gpio_i", "index": 95}]
        del m["interrupts"][0]
        text = self.generate(m)
        self.assertIn("input  wire [95:0] emio_gpio_o,", text)
        self.assertIn("input  wire [95:0] emio_gpio_t,", text)
        self.assertIn("output wire [95:0] emio_gpio_i,", text)
        self.assertIn("assign b__intr = emio_gpio_o[5:4];", text)
        self.assertIn("assign emio_gpio_i = {a__interrupt, 95'd0};", text)
        z = zynq7000(m)
        z["emio"][1] = {"from": "a/interrupt", "to": "GPIO_I", "index": 63}
        text = self.generate(z)
        self.assertIn("output wire [63:0] emio_gpio_i,", text)
        self.assertIn("assign emio_gpio_i = {a__interrupt, 63'd0};", text)
        z["emio"][1]["index"] = 64
        self.fails(z, "emio[1]: EMIO pins 64..64 of emio_gpio_i: Zynq-7000 has EMIO pins 0..63")
        bad = copy.deepcopy(m)
        bad["emio"][0]["index"] = 95
        self.fails(bad, "EMIO pins 95..96 of emio_gpio_o")
        bad = copy.deepcopy(m)
        bad["emio"][1]["to"] = "emio_gpio_o"
        self.fails(bad, "emio[1]: a/interrupt -> emio_gpio_o is not between the PS's EMIO")
        bad = copy.deepcopy(m)
        bad["emio"][0]["to"] = "b/interrupt"
        self.fails(bad, "b/interrupt is not an input")
        bad = copy.deepcopy(m)
        bad["emio"].append({"from": "b/interrupt", "to": "emio_gpio_i", "index": 95})
        self.fails(bad, "emio_gpio_i pin 95 driven twice (a/interrupt and b/interrupt)")
        bad = copy.deepcopy(m)
        bad["emio"][0]["index"] = "4"
        self.fails(bad, "emio[0]: index '4' is not a number")
        bad = copy.deepcopy(m)
        del bad["emio"][0]["index"]
        self.fails(bad, "needs \"index\"")
        bad = copy.deepcopy(m)
        bad["emio"][0]["from"] = "GPIO_O"  # Zynq-7000's name, not ZynqMP's
        self.fails(bad, "GPIO_O -> b/intr is not between")

    def test_double_driver(self):
        m = copy.deepcopy(GOOD)
        m["wires"] = [{"from": "a/interrupt", "to": "b/i_tlast"}]
        self.fails(m, "driven twice")


IP = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "ip")


def wire_block(name, module, **params):
    return {"name": name, "module": module, "vlnv": "xilinx.com:ip:%s:1.0" % module[3:],
            "params": params}


# Vivado's utility blocks have no clock or reset (rtl/ip/README.md): a constant sliced and
# concatenated with a stand-in's busy-free register file beside them.
WIRE_BLOCKS = {
    "format": 2, "name": "wb", "top": "wb",
    "sources": [os.path.join(IP, f) for f in ("xlconcat/xlconcat.v", "xlconstant/xlconstant.v",
                                               "xlslice/xlslice.v", "reg_stand_in/reg_stand_in.v",
                                               "common/axil_slave.v")],
    "board_name": "ZCU104", "part": "xczu7ev-ffvc1156-2-e",
    "ps": {"master_ports": {"M_AXI_HPM0_FPD": 32}},
    "instances": [
        {"name": "regs_0", "module": "pr_reg_stand_in", "vlnv": "x:y:stand_in:1.0",
         "params": {"WORDS": 8}, "base": "0xA0000000", "range": "0x10000",
         "interface": "S", "ps_port": "M_AXI_HPM0_FPD",
         "interfaces": {"S": {"type": "axilite", "mode": "slave", "prefix": "s_axi_"}},
         "registers": []},
        wire_block("const_0", "pr_xlconstant", CONST_WIDTH=4, CONST_VAL=9),
        wire_block("slice_0", "pr_xlslice", DIN_WIDTH=4, DIN_FROM=3, DIN_TO=2),
        wire_block("concat_0", "pr_xlconcat", NUM_PORTS=2, IN0_WIDTH=4, IN1_WIDTH=2)],
    "wires": [{"from": "const_0/dout", "to": "slice_0/Din"},
              {"from": "const_0/dout", "to": "concat_0/In0"},
              {"from": "slice_0/Dout", "to": "concat_0/In1"}]}


class WireBlockTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    generate = GenTopTest.generate

    def test_cores_without_clock_or_reset(self):
        text = self.generate(WIRE_BLOCKS)
        for name in ("const_0", "slice_0", "concat_0"):
            block = text[text.index(" %s (" % name):]
            block = block[:block.index(");")]
            self.assertNotIn(".clk(", block, name)
            self.assertNotIn(".rst_n(", block, name)
        self.assertIn("assign regs_0__clk = clk;", text)
        self.assertIn("assign concat_0__In1 = slice_0__Dout;", text)
        # dout_width's default, a sum spread over several lines, evaluated: 4 + 2 bits
        self.assertIn("wire [5:0] concat_0__dout;", text)
        if shutil.which("verilator") is None:
            self.skipTest("no verilator on PATH")
        top = os.path.join(self.dir, "wb.v")
        with open(top, "w") as f:
            f.write(text)
        run = subprocess.run(["verilator", "--lint-only", "-Wall", "--top-module", "wb", top] +
                             WIRE_BLOCKS["sources"], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
        self.assertEqual(run.returncode, 0, run.stdout)


class BusyCompleteTest(unittest.TestCase):
    """busy_missing: which instances the shell's busy may not cover (design.json
    "busy_complete", so the simulated board's laziness after a read)."""

    def setUp(self):
        self.dir = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def missing(self, manifest):
        path = os.path.join(self.dir, "manifest.json")
        with open(path, "w") as f:
            json.dump(manifest, f)
        return gen_top.busy_missing(gen_top.Design(path))

    def test_busy_outputs_and_wires_are_complete(self):
        self.assertEqual(self.missing(WIRE_BLOCKS), [])  # a stand-in (busy) and three wires

    def test_reactive_cores_of_ours_are_complete(self):
        m = copy.deepcopy(WIRE_BLOCKS)
        m["sources"].append(os.path.join(IP, "axi_gpio", "axi_gpio.v"))
        m["instances"].append(
            {"name": "gpio_0", "module": "pr_axi_gpio", "vlnv": "x:y:axi_gpio:2.0",
             "base": "0xA0010000", "range": "0x10000", "interface": "S",
             "ps_port": "M_AXI_HPM0_FPD",
             "interfaces": {"S": {"type": "axilite", "mode": "slave", "prefix": "s_axi_"}},
             "registers": []})
        self.assertEqual(self.missing(m), [])

    def test_a_clocked_core_without_busy_is_missing(self):
        with open(os.path.join(self.dir, "core.v"), "w") as f:
            f.write(CORE.replace(", output wire busy);", ");"))
        self.assertEqual(self.missing(GOOD), ["a", "b"])
        # An HLS kernel's busy_signal counts; so does a busy output.
        m = copy.deepcopy(GOOD)
        m["instances"][0]["busy_signal"] = "interrupt"
        self.assertEqual(self.missing(m), ["b"])
        with open(os.path.join(self.dir, "core.v"), "w") as f:
            f.write(CORE)
        self.assertEqual(self.missing(GOOD), [])

    def test_a_module_named_like_ours_elsewhere_is_missing(self):
        with open(os.path.join(self.dir, "core.v"), "w") as f:
            f.write(CORE.replace("module core", "module pr_axi_gpio")
                    .replace(", output wire busy);", ");"))
        m = copy.deepcopy(GOOD)
        for i in m["instances"]:
            i["module"] = "pr_axi_gpio"
        self.assertEqual(self.missing(m), ["a", "b"])


class NarrowSharedMastersTest(unittest.TestCase):
    """dual_dma with its DMAs' MM2S at 32 bits on the 128-bit HP0 they share: an upsizer per
    DMA in front of the port's read arbiter; the top lint-clean with the real cores."""

    def test_upsizers_before_the_arbiter(self):
        src = os.path.join(IP, os.pardir, "designs", "dual_dma", "manifest.json")
        with open(src) as f:
            m = json.load(f)
        here = os.path.dirname(os.path.abspath(src))
        m["sources"] = [os.path.normpath(os.path.join(here, s)) for s in m["sources"]] + [UPSIZER]
        for inst in m["instances"]:
            if inst["module"] == "pr_axi_dma":
                inst["params"]["C_M_AXI_MM2S_DATA_WIDTH"] = 32
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp, True)
        path = os.path.join(tmp, "manifest.json")
        with open(path, "w") as f:
            json.dump(m, f)
        text = gen_top.generate(gen_top.Design(path))
        self.assertEqual(text.count("pr_axi_upsizer #("), 2)
        self.assertIn(") axi_dma_1_M_AXI_MM2S_upsizer (", text)
        self.assertIn("axi_dma_1_M_AXI_MM2S_upsizer__m_araddr", text[text.index("hp0_rd_arb"):])
        if shutil.which("verilator") is None:
            self.skipTest("no verilator on PATH")
        top = os.path.join(tmp, "dual_dma.v")
        with open(top, "w") as f:
            f.write(text)
        run = subprocess.run(["verilator", "--lint-only", "-Wall", "--top-module", "dual_dma",
                              top] + m["sources"], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
        self.assertEqual(run.returncode, 0, run.stdout)


if __name__ == "__main__":
    unittest.main()
