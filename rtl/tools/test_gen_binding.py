#!/usr/bin/python3
"""Checks of gen_binding.py: good tops bind as the shell convention v2 says (rtl/README.md),
each top that breaks it is refused with a message naming the port.
Usage: test_gen_binding.py   (stdlib unittest; registered as ctest rtl_gen_binding)."""
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import boards  # noqa: E402
import gen_binding  # noqa: E402

SHELL = """
  input wire clk, input wire rst_n,
  input wire [31:0] s_axil_awaddr, input wire s_axil_awvalid, output wire s_axil_awready,
  input wire [31:0] s_axil_wdata, input wire [3:0] s_axil_wstrb, input wire s_axil_wvalid,
  output wire s_axil_wready, output wire [1:0] s_axil_bresp, output wire s_axil_bvalid,
  input wire s_axil_bready, input wire [31:0] s_axil_araddr, input wire s_axil_arvalid,
  output wire s_axil_arready, output wire [31:0] s_axil_rdata, output wire [1:0] s_axil_rresp,
  output wire s_axil_rvalid, input wire s_axil_rready,
  output wire [15:0] irq, output wire busy"""


def read_bundle(p, data=64, addr=40):
    return """
  output wire [%(a)d:0] %(p)saraddr, output wire [7:0] %(p)sarlen, output wire [2:0] %(p)sarsize,
  output wire [1:0] %(p)sarburst, output wire %(p)sarvalid, input wire %(p)sarready,
  input wire [%(d)d:0] %(p)srdata, input wire [1:0] %(p)srresp, input wire %(p)srlast,
  input wire %(p)srvalid, output wire %(p)srready""" % {"p": p, "d": data - 1, "a": addr - 1}


def write_bundle(p, data=64, addr=40, strb=None):
    return """
  output wire [%(a)d:0] %(p)sawaddr, output wire [7:0] %(p)sawlen, output wire [2:0] %(p)sawsize,
  output wire [1:0] %(p)sawburst, output wire %(p)sawvalid, input wire %(p)sawready,
  output wire [%(d)d:0] %(p)swdata, output wire [%(s)d:0] %(p)swstrb, output wire %(p)swlast,
  output wire %(p)swvalid, input wire %(p)swready, input wire [1:0] %(p)sbresp,
  input wire %(p)sbvalid, output wire %(p)sbready""" % {
        "p": p, "d": data - 1, "a": addr - 1, "s": (strb or data // 8) - 1}


def top(*bundles, shell=SHELL):
    return "module t (%s);\nendmodule\n" % ",".join((shell,) + bundles)


class GenBindingTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def gen(self, text, family="zynqmp", legacy=None):
        path = os.path.join(self.tmp.name, "t.v")
        with open(path, "w") as f:
            f.write(text)
        return gen_binding.generate(path, "t", "Vt", family, legacy)

    def refused(self, text, *fragments, family="zynqmp", legacy=None):
        with self.assertRaises(gen_binding.BindingError) as ctx:
            self.gen(text, family, legacy)
        for fragment in fragments:
            self.assertIn(fragment, str(ctx.exception))

    # ---- good tops ----------------------------------------------------------------------------

    def test_legacy_bundle_binds_to_hp0_by_default(self):
        out = self.gen(top(read_bundle("m_axi_"), write_bundle("m_axi_")))
        self.assertIn('return {{"S_AXI_HP0_FPD", 64, true, true}};', out)
        self.assertIn("p.m_axi[0].awaddr = static_cast<uint64_t>(m.m_axi_awaddr);", out)
        self.assertIn("m.m_axi_rdata = static_cast<uint64_t>(p.m_axi[0].rdata[0]) |", out)
        self.assertIn("struct Binding_t {", out)
        self.assertIn('#include "Vt.h"', out)

    def test_legacy_bundle_follows_the_manifest_port_and_family(self):
        out = self.gen(top(read_bundle("m_axi_"), write_bundle("m_axi_")), legacy="S_AXI_HPC0_FPD")
        self.assertIn('{"S_AXI_HPC0_FPD", 64, true, true}', out)
        out = self.gen(top(read_bundle("m_axi_", 32, 32), write_bundle("m_axi_", 32, 32)),
                       family="zynq7000")
        self.assertIn('{"S_AXI_HP0", 32, true, true}', out)

    def test_multi_port_128_and_64_in_family_order(self):
        # hpc0 declared first; ports come in the family's order, hp0 before hpc0.
        out = self.gen(top(read_bundle("m_axi_hpc0_", 64), write_bundle("m_axi_hpc0_", 64),
                           read_bundle("m_axi_hp0_", 128, 49), write_bundle("m_axi_hp0_", 128, 64)))
        self.assertIn('{{"S_AXI_HP0_FPD", 128, true, true}, {"S_AXI_HPC0_FPD", 64, true, true}}',
                      out)
        for i in range(4):
            self.assertIn("m.m_axi_hp0_rdata[%d] = p.m_axi[0].rdata[%d];" % (i, i), out)
            self.assertIn("p.m_axi[0].wdata[%d] = m.m_axi_hp0_wdata[%d];" % (i, i), out)
        self.assertIn("p.m_axi[0].wstrb = static_cast<uint16_t>(m.m_axi_hp0_wstrb);", out)
        self.assertIn("p.m_axi[1].wdata[1] = static_cast<uint32_t>(m.m_axi_hpc0_wdata >> 32);",
                      out)
        self.assertIn("p.m_axi[1].wdata[2] = 0;", out)
        self.assertIn("m.m_axi_hpc0_bresp = p.m_axi[1].bresp & 0x3u;", out)

    def test_read_only_and_write_only_bundles(self):
        out = self.gen(top(read_bundle("m_axi_hp1_", 32, 32), write_bundle("m_axi_acp_", 128)))
        self.assertIn('{{"S_AXI_HP1_FPD", 32, true, false}, {"S_AXI_ACP_FPD", 128, false, true}}',
                      out)
        self.assertIn("m.m_axi_hp1_rdata = p.m_axi[0].rdata[0];", out)
        self.assertNotIn("m_axi_hp1_aw", out)
        self.assertNotIn("m_axi_acp_ar", out)

    def test_no_master_ports(self):
        self.assertIn("return {};", self.gen(top()))

    def test_command_line_writes_the_header(self):
        src = os.path.join(self.tmp.name, "t.v")
        with open(src, "w") as f:
            f.write(top(read_bundle("m_axi_hp2_", 64)))
        out = os.path.join(self.tmp.name, "sub", "Vt_binding.h")
        cmd = [sys.executable, os.path.join(HERE, "gen_binding.py"), "--top-file", src,
               "--top", "t", "--prefix", "Vt", "--family", "zynqmp", "--out", out]
        subprocess.run(cmd, check=True)
        with open(out) as f:
            self.assertIn('{"S_AXI_HP2_FPD", 64, true, false}', f.read())
        bad = subprocess.run([sys.executable, os.path.join(HERE, "gen_binding.py"), "--top-file",
                              src, "--top", "t", "--prefix", "Vt", "--family", "zynqmp",
                              "--legacy-port", "S_AXI_HP9", "--out", out],
                             capture_output=True, text=True)
        self.assertEqual(bad.returncode, 1)
        self.assertIn("--legacy-port S_AXI_HP9 is not a PS slave port", bad.stderr)

    # ---- refusals -----------------------------------------------------------------------------

    def test_unknown_port_name(self):
        self.refused(top(read_bundle("m_axi_hp7_")), "m_axi_hp7_araddr", "'hp7'",
                     "Zynq UltraScale+", "hpc0")
        self.refused(top(read_bundle("m_axi_hpc0_")), "m_axi_hpc0_araddr", "Zynq-7000",
                     family="zynq7000")

    def test_unknown_signal(self):
        self.refused(top(read_bundle("m_axi_hp0_"), "output wire [3:0] m_axi_hp0_arcache"),
                     "m_axi_hp0_arcache", "'arcache'")

    def test_missing_signal_of_a_channel_group(self):
        text = top(read_bundle("m_axi_hp0_")).replace(", input wire m_axi_hp0_rlast", "")
        self.refused(text, "m_axi_hp0_*", "read", "lacks m_axi_hp0_rlast", "all-or-nothing")
        text = top(write_bundle("m_axi_hp1_")).replace("input wire m_axi_hp1_bvalid, ", "")
        self.refused(text, "lacks m_axi_hp1_bvalid")

    def test_odd_data_width(self):
        self.refused(top(read_bundle("m_axi_hp0_", 48)), "m_axi_hp0_rdata is 48 bits",
                     "32/64/128")
        self.refused(top(read_bundle("m_axi_hp0_", 128)), "m_axi_hp0_rdata is 128 bits",
                     "Zynq-7000", "32/64", family="zynq7000")

    def test_mismatched_data_widths(self):
        self.refused(top(read_bundle("m_axi_hp0_", 64), write_bundle("m_axi_hp0_", 128)),
                     "m_axi_hp0_rdata (64 bits)", "m_axi_hp0_wdata (128 bits)")

    def test_wrong_strobe_width(self):
        self.refused(top(write_bundle("m_axi_hp0_", 64, strb=4)), "m_axi_hp0_wstrb is 4 bits")

    def test_address_width(self):
        self.refused(top(read_bundle("m_axi_hp0_", 64, 28)), "m_axi_hp0_araddr is 28 bits")

    def test_wrong_direction_and_fixed_width(self):
        self.refused(top(read_bundle("m_axi_hp0_").replace("output wire m_axi_hp0_rready",
                                                           "input wire m_axi_hp0_rready")),
                     "m_axi_hp0_rready must be an output")
        self.refused(top(read_bundle("m_axi_hp0_").replace("[7:0] m_axi_hp0_arlen",
                                                           "[3:0] m_axi_hp0_arlen")),
                     "m_axi_hp0_arlen must be 8 bits wide, it is 4")

    def test_missing_shell_ports(self):
        self.refused(top(shell=SHELL.replace("output wire busy", "output wire idle")),
                     "no port busy")
        self.refused(top(shell=SHELL.replace("input wire clk, ", "")), "no port clk")
        self.refused(top(shell=SHELL.replace("output wire s_axil_rvalid, ", "")),
                     "no port s_axil_rvalid")
        self.refused(top(shell=SHELL.replace("[15:0] irq", "[7:0] irq")),
                     "irq must be 16 bits wide, it is 8")

    def test_emio_ports_optional_and_family_wide(self):
        emio = """
  input wire [%(n)d:0] emio_gpio_o, input wire [%(n)d:0] emio_gpio_t,
  output wire [%(n)d:0] emio_gpio_i"""
        text = self.gen(top(emio % {"n": 95}))
        self.assertIn("m.emio_gpio_o[2] = p.emio_gpio_o[2];", text)
        self.assertIn("p.emio_gpio_i[2] = m.emio_gpio_i[2];", text)
        self.assertIn("static void SampleSettled", text)
        text = self.gen(top(emio % {"n": 63}), family="zynq7000")
        self.assertIn("m.emio_gpio_t = static_cast<uint64_t>(p.emio_gpio_t[0]) |", text)
        self.assertIn("p.emio_gpio_i[1] = static_cast<uint32_t>(m.emio_gpio_i >> 32);", text)
        self.assertIn("p.emio_gpio_i[2] = 0;", text)
        self.assertNotIn("emio", self.gen(top()))  # none: nothing bound, the PS reads 0
        self.refused(top(emio % {"n": 63}), "port emio_gpio_o must be 96 bits wide, it is 64")
        self.refused(top("output wire [95:0] emio_gpio_o"),
                     "port emio_gpio_o must be an input, it is an output")

    def test_foreign_port(self):
        self.refused(top("output wire [3:0] led"), "port led is not part of the shell")

    def test_legacy_mixed_with_named(self):
        self.refused(top(read_bundle("m_axi_"), read_bundle("m_axi_hp1_")), "legacy bundle m_axi_*",
                     "m_axi_hp1_*")

    def test_bad_legacy_port_and_missing_module(self):
        self.refused(top(read_bundle("m_axi_")), "S_AXI_HP0_FPD", "Zynq-7000",
                     family="zynq7000", legacy="S_AXI_HP0_FPD")
        path = os.path.join(self.tmp.name, "t.v")
        with open(path, "w") as f:
            f.write(top())
        with self.assertRaises(gen_binding.BindingError) as ctx:
            gen_binding.generate(path, "other", "Vt", "zynqmp")
        self.assertIn("no module other", str(ctx.exception))

    # ---- the ports and widths are the board profiles' ------------------------------------------

    def profiles(self, edit):
        """A copy of boards.json changed by edit(board dict) for every profile."""
        import json
        with open(boards.default_path()) as f:
            doc = json.load(f)
        for board in doc["boards"]:
            edit(board)
        doc["boards"] = [b for b in doc["boards"] if b]
        path = os.path.join(self.tmp.name, "boards-%d.json" % len(os.listdir(self.tmp.name)))
        with open(path, "w") as f:
            json.dump(doc, f)
        return path

    def gen_with(self, path, text, family="zynqmp"):
        src = os.path.join(self.tmp.name, "t.v")
        with open(src, "w") as f:
            f.write(text)
        return gen_binding.generate(src, "t", "Vt", family, None, path)

    def test_ports_and_widths_follow_boards_json(self):
        def edit(board):
            ports = board["ps_slave_ports"]
            if board["family"] == "zynqmp":
                next(p for p in ports if p["short"] == "acp")["data_bits"] = [128]
            else:
                board["ps_slave_ports"] = [p for p in ports if p["short"] != "hp3"]
        path = self.profiles(edit)
        with self.assertRaises(gen_binding.BindingError) as ctx:
            self.gen_with(path, top(read_bundle("m_axi_acp_", 64)))
        self.assertIn("m_axi_acp_rdata is 64 bits wide; Zynq UltraScale+'s S_AXI_ACP_FPD "
                      "carries 128 bits", str(ctx.exception))
        out = self.gen_with(path, top(read_bundle("m_axi_acp_", 128)))
        self.assertIn('{"S_AXI_ACP_FPD", 128, true, false}', out)
        with self.assertRaises(gen_binding.BindingError) as ctx:
            self.gen_with(path, top(read_bundle("m_axi_hp3_", 64)), family="zynq7000")
        self.assertIn("'hp3' is not a PS slave port of Zynq-7000 (known: hp0, hp1, hp2, acp)",
                      str(ctx.exception))
        # The command line reads the profiles boards.py finds, here through its variable.
        src = os.path.join(self.tmp.name, "t.v")
        out = os.path.join(self.tmp.name, "Vt_binding.h")
        p = subprocess.run([sys.executable, os.path.join(HERE, "gen_binding.py"), "--top-file",
                            src, "--top", "t", "--prefix", "Vt", "--family", "zynq7000",
                            "--out", out], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True,
                           env=dict(os.environ, PYNQ_REMOTE_BOARDS_JSON=path))
        self.assertEqual(p.returncode, 1)
        self.assertIn("'hp3' is not a PS slave port of Zynq-7000", p.stdout)

    def test_profiles_missing_or_without_the_family(self):
        with self.assertRaises(gen_binding.BindingError) as ctx:
            self.gen_with(os.path.join(self.tmp.name, "none.json"), top())
        self.assertIn("cannot read the board profiles", str(ctx.exception))
        path = self.profiles(lambda b: b.clear() if b["family"] == "zynq7000" else None)
        with self.assertRaises(gen_binding.BindingError) as ctx:
            self.gen_with(path, top(), family="zynq7000")
        self.assertIn("no board profile of family zynq7000 in %s" % path, str(ctx.exception))


if __name__ == "__main__":
    unittest.main()
