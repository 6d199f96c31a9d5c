#!/usr/bin/python3
"""Checks of hls_rtl.py on the HLS-style kernels of hil-tests/hls_kernels (and their .hwh,
made by gen_design.py), every bad input failing with its reason, and Verilator (real, 5.006)
accepting what prepare() makes and the generated top's hierarchical busy read.

Usage: test_hls_rtl.py [TESTDATA_DIR]   (stdlib unittest; ctest rtl_hls_rtl). With the test
data folder (ci/fetch-testdata.sh) the stand-in pr_resize_accel is also bound to the real
zcu104_resizer.hwh through a port_map.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen_top  # noqa: E402
import hls_rtl  # noqa: E402
import pynq_remote_design  # noqa: E402

REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
KERNELS = os.path.join(REPO, "hil-tests", "hls_kernels")
TESTDATA = None
VERILATOR = shutil.which("verilator")


def hwh_module(path, instance):
    """The MODULE `instance` of a .hwh as the importer's reader (hwh_reader.py) gives it."""
    root = ET.parse(path).getroot()
    for m in root.iter("MODULE"):
        if m.get("INSTANCE") != instance:
            continue
        ports = [{"name": p.get("NAME"), "dir": p.get("DIR"), "left": p.get("LEFT"),
                  "right": p.get("RIGHT"), "sigis": p.get("SIGIS"), "signame": p.get("SIGNAME"),
                  "connections": [(c.get("INSTANCE"), c.get("PORT")) for c in p.iter("CONNECTION")]}
                 for p in m.find("PORTS")]
        busifs = []
        for b in m.iter("BUSINTERFACE"):
            pm = {x.get("LOGICAL"): {"physical": x.get("PHYSICAL"), "left": x.get("LEFT"),
                                     "right": x.get("RIGHT")} for x in b.iter("PORTMAP")}
            busifs.append({"name": b.get("NAME"), "type": b.get("TYPE"), "vlnv": b.get("VLNV"),
                           "busname": b.get("BUSNAME"), "datawidth": b.get("DATAWIDTH"),
                           "portmaps": pm})
        return {"instance": instance, "vlnv": m.get("VLNV"), "modtype": m.get("MODTYPE"),
                "fullname": m.get("FULLNAME"),
                "parameters": {p.get("NAME"): p.get("VALUE") for p in m.iter("PARAMETER")},
                "ports": ports, "busifs": busifs, "memranges": [], "registers": []}
    raise KeyError(instance)


def kernel(name):
    return os.path.join(KERNELS, name)


class BindKernels(unittest.TestCase):
    def test_vitis_control(self):
        lib = hls_rtl.collect([os.path.join(kernel("mac_accum"), "hdl")])
        frag = hls_rtl.bind(hwh_module(os.path.join(kernel("mac_accum"), "hls_mac.hwh"),
                                       "mac_accum_0"), lib)
        self.assertEqual(frag["module"], "mac_accum")
        self.assertEqual((frag["clock_port"], frag["reset_port"], frag["reset_active_high"]),
                         ("ap_clk", "ap_rst_n", False))
        self.assertEqual(frag["busy_signal"], "ap_idle")
        lite = frag["interfaces"]["s_axi_control"]
        self.assertEqual((lite["type"], lite["mode"]), ("axilite", "slave"))
        self.assertEqual(lite["port_map"]["AWADDR"], "s_axi_control_AWADDR")
        self.assertEqual(frag["params"], {})

    def test_vivado_hls_axis(self):
        lib = hls_rtl.collect([os.path.join(kernel("axis_lut"), "hdl")])
        mod = hwh_module(os.path.join(kernel("axis_lut"), "hls_lut.hwh"), "axis_lut_0")
        # Vivado left the kernel's TSTRB out of the .hwh (hwh_omit_ports): tied off.
        self.assertNotIn("in_r_TSTRB", [p["name"] for p in mod["ports"]])
        frag = hls_rtl.bind(mod, lib)
        self.assertEqual(frag["interfaces"]["in_r"]["type"], "axis")
        self.assertEqual(frag["interfaces"]["in_r"]["mode"], "slave")
        self.assertEqual(frag["interfaces"]["out_r"]["mode"], "master")
        self.assertEqual(frag["interfaces"]["s_axi_AXILiteS"]["port_map"]["WDATA"],
                         "s_axi_AXILiteS_WDATA")
        self.assertEqual([os.path.basename(f) for f in lib.closure("axis_lut")],
                         ["axis_lut_AXILiteS_s_axi.v", "axis_lut_lut.v", "regslice_core.v",
                          "axis_lut.v"])

    def test_vitis_m_axi_params_from_hwh(self):
        lib = hls_rtl.collect([os.path.join(kernel("vec_inc"), "hdl")])
        mod = hwh_module(os.path.join(kernel("vec_inc"), "hls_vinc.hwh"), "vec_inc_0")
        names = [p["name"] for p in mod["ports"]]
        for hidden in ("m_axi_gmem_AWID", "m_axi_gmem_WID", "m_axi_gmem_RUSER",
                       "m_axi_gmem_ARREGION"):
            self.assertNotIn(hidden, names)
        frag = hls_rtl.bind(mod, lib)
        # The .hwh's 64 overrides the Verilog's default of 32.
        self.assertEqual(frag["params"], {"C_M_AXI_GMEM_DATA_WIDTH": 64})
        gmem = frag["interfaces"]["m_axi_gmem"]
        self.assertEqual((gmem["type"], gmem["mode"]), ("aximm", "master"))
        info = hls_rtl.read_ports(lib.find("vec_inc"), "vec_inc", frag["params"])
        self.assertEqual(info["ports"]["m_axi_gmem_WDATA"], ("O", 64))
        self.assertEqual(info["ports"]["m_axi_gmem_WSTRB"], ("O", 8))

    def test_active_high_reset(self):
        self.assertTrue(hls_rtl.reset_active_high("ap_rst"))
        self.assertFalse(hls_rtl.reset_active_high("ap_rst_n"))
        self.assertFalse(hls_rtl.reset_active_high("ARESETN"))

    def test_stand_in_port_map_against_real_resizer(self):
        real = os.path.join(TESTDATA or "", "hwh", "zcu104_resizer.hwh")
        if not TESTDATA or not os.path.isfile(real):
            self.skipTest("no test data (zcu104_resizer.hwh)")
        lib = hls_rtl.collect([os.path.join(REPO, "rtl", "ip", "resize_accel"),
                               os.path.join(REPO, "rtl", "ip", "common")])
        mod = hwh_module(real, "resize_accel_0")
        with self.assertRaises(hls_rtl.RtlError) as e:
            hls_rtl.bind(mod, lib, module_name="pr_resize_accel",
                         port_map={"ap_clk": "clock"})
        self.assertIn("clock, which module pr_resize_accel lacks", str(e.exception))
        frag = hls_rtl.bind(mod, lib, module_name="pr_resize_accel",
                            port_map={"ap_clk": "clk", "ap_rst_n": "rst_n"})
        self.assertEqual((frag["clock_port"], frag["reset_port"]), ("clk", "rst_n"))
        self.assertFalse(frag["reset_active_high"])
        # Clock and reset are found by their role (SIGIS) without a port_map too.
        again = hls_rtl.bind(mod, lib, module_name="pr_resize_accel")
        self.assertEqual(again["port_map"]["ap_clk"], "clk")
        self.assertEqual(again["port_map"]["ap_rst_n"], "rst_n")
        mod["ports"].append({"name": "ap_ce", "dir": "I", "sigis": "undef"})
        with self.assertRaises(hls_rtl.RtlError) as e:
            hls_rtl.bind(mod, lib, module_name="pr_resize_accel")
        self.assertIn("ap_ce", str(e.exception))
        # HLS's upper-case suffixes found ignoring case.
        self.assertEqual(frag["port_map"]["s_axi_AXILiteS_AWADDR"], "s_axi_AXILiteS_awaddr")
        self.assertEqual(frag["params"].get("C_S_AXI_AXILITES_ADDR_WIDTH"), 6)


class BadInputs(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def closure_error(self, top):
        with self.assertRaises(hls_rtl.RtlError) as e:
            hls_rtl.collect([self.dir]).closure(top)
        return str(e.exception)

    def test_hwh_port_missing_in_verilog(self):
        lib = hls_rtl.collect([os.path.join(kernel("mac_accum"), "hdl")])
        mod = hwh_module(os.path.join(kernel("mac_accum"), "hls_mac.hwh"), "mac_accum_0")
        mod["ports"].append({"name": "ap_local_deadlock", "dir": "O", "sigis": "undef"})
        with self.assertRaises(hls_rtl.RtlError) as e:
            hls_rtl.bind(mod, lib)
        self.assertIn("ap_local_deadlock", str(e.exception))
        self.assertIn("mac_accum", str(e.exception))

    def test_busif_port_missing_in_verilog(self):
        lib = hls_rtl.collect([os.path.join(kernel("mac_accum"), "hdl")])
        mod = hwh_module(os.path.join(kernel("mac_accum"), "hls_mac.hwh"), "mac_accum_0")
        mod["ports"] = []
        mod["busifs"][0]["portmaps"]["AWPROT"] = {"physical": "s_axi_control_AWPROT"}
        with self.assertRaises(hls_rtl.RtlError) as e:
            hls_rtl.bind(mod, lib)
        self.assertIn("s_axi_control_AWPROT", str(e.exception))

    def test_verilog_input_the_hwh_lacks(self):
        lib = hls_rtl.collect([os.path.join(kernel("mac_accum"), "hdl")])
        mod = hwh_module(os.path.join(kernel("mac_accum"), "hls_mac.hwh"), "mac_accum_0")
        mod["ports"] = [p for p in mod["ports"] if p["name"] != "s_axi_control_WSTRB"]
        for b in mod["busifs"]:
            b["portmaps"].pop("WSTRB", None)
        with self.assertRaises(hls_rtl.RtlError) as e:
            hls_rtl.bind(mod, lib)
        self.assertIn("s_axi_control_WSTRB", str(e.exception))

    def test_width_mismatch(self):
        lib = hls_rtl.collect([os.path.join(kernel("vec_inc"), "hdl")])
        mod = hwh_module(os.path.join(kernel("vec_inc"), "hls_vinc.hwh"), "vec_inc_0")
        mod["parameters"]["C_M_AXI_GMEM_DATA_WIDTH"] = "32"  # the ports still say 64
        with self.assertRaises(hls_rtl.RtlError) as e:
            hls_rtl.bind(mod, lib)
        self.assertIn("64 bits in the .hwh but 32 in module vec_inc", str(e.exception))

    def test_no_such_module(self):
        lib = hls_rtl.collect([os.path.join(kernel("mac_accum"), "hdl")])
        mod = hwh_module(os.path.join(kernel("mac_accum"), "hls_mac.hwh"), "mac_accum_0")
        mod["modtype"] = "fir"
        with self.assertRaises(hls_rtl.RtlError) as e:
            hls_rtl.bind(mod, lib)
        self.assertIn("no module fir", str(e.exception))
        self.assertIn("--map mac_accum_0=MODULE", str(e.exception))

    def test_xpm(self):
        self.write("k.v", "module k (input wire clk);\n  xpm_memory_spram #(.MEMORY_SIZE(1024))"
                          " ram_U (.clka(clk));\nendmodule\n")
        msg = self.closure_error("k")
        self.assertIn("xpm_memory_spram", msg)
        self.assertIn("k (", msg)

    def test_floating_point_core(self):
        self.write("k.v", """module k (ap_clk, x, y);
input ap_clk; input [31:0] x; output [31:0] y;
k_fadd_32ns_32ns_32_5_full_dsp_1 #(.ID(1)) fadd_32ns_32ns_32_5_full_dsp_1_U1 (.clk(ap_clk),
    .din0(x), .din1(x), .dout(y));
endmodule
""")
        self.write("k_fadd_32ns_32ns_32_5_full_dsp_1.v", """`timescale 1 ns / 1 ps
module k_fadd_32ns_32ns_32_5_full_dsp_1 #(parameter ID = 1) (
    input wire clk, input wire [31:0] din0, input wire [31:0] din1, output wire [31:0] dout);
k_fadd_32ns_32ns_32_5_full_dsp_1_ip k_fadd_32ns_32ns_32_5_full_dsp_1_ip_u (
    .aclk(clk), .s_axis_a_tdata(din0), .s_axis_b_tdata(din1), .m_axis_result_tdata(dout));
endmodule
""")
        self.write("k_fadd_32ns_32ns_32_5_full_dsp_1_ip.v", """
module k_fadd_32ns_32ns_32_5_full_dsp_1_ip (
    input wire aclk, input wire [31:0] s_axis_a_tdata, input wire [31:0] s_axis_b_tdata,
    output wire [31:0] m_axis_result_tdata);
floating_point_v7_1_15 #(.C_XDEVICEFAMILY("zynquplus"), .C_HAS_ADD(1)) inst (
    .aclk(aclk), .s_axis_a_tdata(s_axis_a_tdata), .s_axis_b_tdata(s_axis_b_tdata),
    .m_axis_result_tdata(m_axis_result_tdata));
endmodule
""")
        msg = self.closure_error("k")
        self.assertIn("floating_point_v7_1_15", msg)
        self.assertIn("k_fadd_32ns_32ns_32_5_full_dsp_1_ip", msg)
        self.assertIn("fixed point", msg)

    def test_unisim_primitives(self):
        for prim in ("FDRE", "DSP48E2", "RAMB36E2"):
            self.write("k.v", "module k (input wire clk, input wire d, output wire q);\n"
                              "  %s #(.INIT(1'b0)) u0 (.C(clk), .D(d), .Q(q));\nendmodule\n" % prim)
            msg = self.closure_error("k")
            self.assertIn(prim, msg)
            self.assertIn("unisim", msg)

    def test_pragma_protect(self):
        self.write("k.v", "module k (input wire clk);\n  enc u (.clk(clk));\nendmodule\n")
        self.write("enc.v", "`pragma protect begin_protected\n`pragma protect key_keyowner = "
                            "\"Xilinx\"\nmodule enc (input wire clk);\nendmodule\n"
                            "`pragma protect end_protected\n")
        msg = self.closure_error("k")
        self.assertIn("enc", msg)
        self.assertIn("encrypted", msg)
        self.assertIn("enc.v", msg)

    def test_encrypted_floating_point_file(self):
        self.write("k.v", "module k (input wire clk);\n  floating_point_v7_1_15 u (.aclk(clk));"
                          "\nendmodule\n")
        self.write("floating_point_v7_1_15.v", "`protect begin_protected\n"
                   "`pragma protect encoding = (enctype = \"BASE64\")\n"
                   "module floating_point_v7_1_15 (input wire aclk);\nendmodule\n")
        msg = self.closure_error("k")
        self.assertIn("floating_point_v7_1_15", msg)
        self.assertIn("fixed point", msg)

    def test_vhdl_submodule(self):
        self.write("k.v", "module k (input wire clk);\n  k_sub u (.clk(clk));\nendmodule\n")
        self.write("k_sub.vhd", "entity k_sub is\nend k_sub;\n")
        msg = self.closure_error("k")
        self.assertIn("VHDL", msg)
        self.assertIn("k_sub.vhd", msg)

    def test_missing_submodule(self):
        self.write("k.v", "module k (input wire clk);\n  k_sub u (.clk(clk));\nendmodule\n")
        msg = self.closure_error("k")
        self.assertIn("module k_sub", msg)

    def test_missing_data_file(self):
        path = self.write("rom.v", "module rom (input wire clk);\nreg [7:0] ram [0:3];\n"
                                   "initial begin\n  $readmemh(\"./rom.dat\", ram);\nend\n"
                                   "endmodule\n")
        lib = hls_rtl.collect([self.dir])
        with self.assertRaises(hls_rtl.RtlError) as e:
            hls_rtl.prepare(lib, [path], os.path.join(self.dir, "out"))
        self.assertIn("rom.dat", str(e.exception))

    def test_bad_data_word(self):
        path = self.write("rom.v", "module rom (input wire clk);\nreg [7:0] ram [0:3];\n"
                                   "initial $readmemh(\"rom.dat\", ram);\nendmodule\n")
        self.write("rom.dat", "0a\nzz\n1g\n")
        with self.assertRaises(hls_rtl.RtlError) as e:
            hls_rtl.prepare(hls_rtl.collect([self.dir]), [path], os.path.join(self.dir, "o"))
        self.assertIn("'1g'", str(e.exception))

    def test_no_verilog(self):
        with self.assertRaises(hls_rtl.RtlError) as e:
            hls_rtl.collect([self.dir])
        self.assertIn("no Verilog", str(e.exception))
        with self.assertRaises(hls_rtl.RtlError) as e:
            hls_rtl.collect([os.path.join(self.dir, "nothing")])
        self.assertIn("no such file", str(e.exception))

    def test_undeclared_port(self):
        path = self.write("k.v", "module k (a, b);\ninput a;\nendmodule\n")
        with self.assertRaises(hls_rtl.RtlError) as e:
            hls_rtl.read_ports(path, "k")
        self.assertIn("port b", str(e.exception))

    def test_unknown_parameter(self):
        path = self.write("k.v", "module k (a);\nparameter W = 4;\ninput [W-1:0] a;\nendmodule\n")
        self.assertEqual(hls_rtl.read_ports(path, "k", {"W": 9})["ports"]["a"], ("I", 9))
        with self.assertRaises(hls_rtl.RtlError) as e:
            hls_rtl.read_ports(path, "k", {"X": 1})
        self.assertIn("no parameter X", str(e.exception))

    def test_manifest_rtl_key(self):
        for rtl, what in (([], "must be an object"), ({"include": []}, "unknown key"),
                          ({"include_dirs": ["nope"]}, "no such folder"),
                          ({"defines": {"A B": 1}}, "defines"),
                          ({"relaxed_lint": "yes"}, "relaxed_lint")):
            with self.assertRaises(pynq_remote_design.BuildError) as e:
                pynq_remote_design.rtl_flags({"rtl": rtl}, self.dir)
            self.assertIn(what, str(e.exception))
        flags, dirs = pynq_remote_design.rtl_flags({}, self.dir)
        self.assertEqual(flags, pynq_remote_design.VERILATOR_FLAGS)
        flags, dirs = pynq_remote_design.rtl_flags(
            {"rtl": {"include_dirs": ["."], "defines": {"X": 1}, "relaxed_lint": True}},
            self.dir)
        for f in ("--no-timing", "-Wno-fatal", "+define+X=1", "-I."):
            self.assertIn(f, flags)


class Prepare(unittest.TestCase):
    def setUp(self):
        self.out = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.out, ignore_errors=True)

    def test_readmemh_inlined_and_relocatable(self):
        lib = hls_rtl.collect([os.path.join(kernel("axis_lut"), "hdl")])
        files = lib.closure("axis_lut")
        prep = hls_rtl.prepare(lib, files, self.out)
        rom = [p for p in prep["sources"] if p.endswith("axis_lut_lut.v")][0]
        text = open(rom).read()
        self.assertNotIn("$readmemh(", text)
        self.assertIn("ram[15] = 32'h80000000;", text)
        self.assertIn("--no-timing", prep["verilator_flags"])
        self.assertTrue(prep["timescale"])

    def test_a_test_bench_memory_image_need_not_exist(self):
        # Generators such as veriloggen write a port-less test bench into the design's file;
        # its $readmemh image is never simulated, while the design's own must exist.
        src = os.path.join(self.out, "gen.v")
        with open(src, "w") as f:
            f.write('module test\n(\n\n);\n  reg [7:0] mem [0:3];\n'
                    '  initial $readmemh("memimg.out", mem);\nendmodule\n'
                    'module core(input wire clk, output wire [7:0] q);\n'
                    '  reg [7:0] rom [0:3];\n  initial $readmemh("rom.dat", rom);\n'
                    '  assign q = rom[0];\nendmodule\n')
        lib = hls_rtl.collect([src])
        with self.assertRaisesRegex(hls_rtl.RtlError, "rom.dat"):
            hls_rtl.prepare(lib, [src], os.path.join(self.out, "p1"))
        with open(os.path.join(self.out, "rom.dat"), "w") as f:
            f.write("2a\n")
        lib = hls_rtl.collect([src])
        prep = hls_rtl.prepare(lib, [src], os.path.join(self.out, "p2"))
        text = open(prep["sources"][0]).read()
        self.assertIn('$readmemh("memimg.out", mem)', text)
        self.assertIn("rom[0] = 8'h2a;", text)

    def test_translate_off_dropped(self):
        lib = hls_rtl.collect([os.path.join(kernel("mac_accum"), "hdl")])
        prep = hls_rtl.prepare(lib, lib.closure("mac_accum"), self.out)
        top = [p for p in prep["sources"] if p.endswith("/mac_accum.v")][0]
        text = open(top).read()
        self.assertNotIn("deadlock_kernel_monitor", text)
        self.assertEqual(text.count("\n"), open(lib.find("mac_accum")).read().count("\n"))

    @unittest.skipUnless(VERILATOR, "no verilator")
    def test_verilator_takes_prepared_kernels(self):
        for k, top, params in (("mac_accum", "mac_accum", []), ("axis_lut", "axis_lut", []),
                               ("vec_inc", "vec_inc", ["-GC_M_AXI_GMEM_DATA_WIDTH=64"])):
            lib = hls_rtl.collect([os.path.join(kernel(k), "hdl")])
            prep = hls_rtl.prepare(lib, lib.closure(top), os.path.join(self.out, k))
            cmd = [VERILATOR, "--lint-only", "-Wno-fatal", "-Wno-lint", "-Wno-style",
                   "--top-module", top] + prep["verilator_flags"] + params + \
                ["-I" + d for d in prep["include_dirs"]] + prep["sources"]
            p = subprocess.run(cmd, capture_output=True, text=True)
            self.assertEqual(p.returncode, 0, "%s: %s" % (k, p.stderr[-2000:]))
            # Without --no-timing Verilator 5.006 refuses the `initial #0`.
            bare = [c for c in cmd if c != "--no-timing"]
            p = subprocess.run(bare, capture_output=True, text=True)
            self.assertNotEqual(p.returncode, 0)
            self.assertIn("NEEDTIMINGOPT", p.stderr)


class GenTopOnKernels(unittest.TestCase):
    """gen_top.py on the kernels' manifests: HLS names, busy from ap_idle, tie-offs."""

    def generate(self, k):
        path = os.path.join(kernel(k), "manifest.json")
        return gen_top.generate(gen_top.Design(path))

    def test_non_ansi_and_case(self):
        text = self.generate("vec_inc")
        self.assertIn(".s_axi_control_AWADDR(vec_inc_0__s_axi_control_AWADDR)", text)
        self.assertIn("assign vec_inc_0__ap_rst_n = rst_n;", text)
        self.assertIn("!vec_inc_0.ap_idle", text)
        self.assertIn("assign vec_inc_0__m_axi_gmem_RID = 1'd0;", text)

    def test_tstrb_ones(self):
        text = self.generate("axis_lut")
        self.assertIn("assign axis_lut_0__in_r_TSTRB = {4{1'b1}};", text)
        self.assertIn("assign axis_lut_0__in_r_TUSER = 1'd0;", text)

    def test_active_high_reset_and_port_map(self):
        with open(os.path.join(kernel("mac_accum"), "manifest.json")) as f:
            m = json.load(f)
        inst = m["instances"][0]
        inst["reset_active_high"] = True
        inst["port_map"] = {"ap_clock": "ap_clk"}
        inst["clock_port"] = "ap_clock"
        text = gen_top.generate(gen_top.Design(os.path.join(kernel("mac_accum"),
                                                            "manifest.json"), m))
        self.assertIn("assign mac_accum_0__ap_rst_n = !rst_n;", text)
        self.assertIn("assign mac_accum_0__ap_clk = clk;", text)
        inst["port_map"] = {"ap_clock": "ap_clk_typo"}
        with self.assertRaises(gen_top.DesignError) as e:
            gen_top.Design(os.path.join(kernel("mac_accum"), "manifest.json"), m)
        self.assertIn("ap_clk_typo", str(e.exception))
        inst["port_map"] = {}
        del inst["clock_port"]
        inst["busy_signal"] = "ap idle"
        with self.assertRaises(gen_top.DesignError) as e:
            gen_top.Design(os.path.join(kernel("mac_accum"), "manifest.json"), m)
        self.assertIn("busy_signal", str(e.exception))

    def test_bind_fragment_feeds_gen_top(self):
        """What bind() gives is an instance gen_top takes as it is (the importer's path)."""
        lib = hls_rtl.collect([os.path.join(kernel("vec_inc"), "hdl")])
        frag = hls_rtl.bind(hwh_module(os.path.join(kernel("vec_inc"), "hls_vinc.hwh"),
                                       "vec_inc_0"), lib)
        path = os.path.join(kernel("vec_inc"), "manifest.json")
        with open(path) as f:
            m = json.load(f)
        old = m["instances"][0]
        inst = dict(frag, name="vec_inc_0", vlnv=old["vlnv"], base=old["base"],
                    range=old["range"], ps_port=old["ps_port"], interface="s_axi_control",
                    registers=[])
        m["instances"] = [inst]
        text = gen_top.generate(gen_top.Design(path, m))
        self.assertIn("vec_inc #(\n      .C_M_AXI_GMEM_DATA_WIDTH(64)\n  ) vec_inc_0", text)
        self.assertIn("!vec_inc_0.ap_idle", text)
        self.assertIn("assign m_axi_hp0_araddr = vec_inc_0__m_axi_gmem_ARADDR[39:0];", text)

    @unittest.skipUnless(VERILATOR, "no verilator")
    def test_verilator_takes_hierarchical_busy(self):
        """The generated top (with `busy = ... || !inst.ap_idle`) and the prepared kernel
        Verilate together; the top itself stays -Wall clean."""
        out = tempfile.mkdtemp()
        try:
            top = os.path.join(out, "hls_vinc.v")
            with open(top, "w") as f:
                f.write(self.generate("vec_inc"))
            lib = hls_rtl.collect([os.path.join(kernel("vec_inc"), "hdl")])
            prep = hls_rtl.prepare(lib, lib.closure("vec_inc"), os.path.join(out, "p"))
            cmd = [VERILATOR, "--lint-only", "-Wall", "-Wno-fatal", "--top-module", "hls_vinc"] \
                + prep["verilator_flags"] + [top] + prep["sources"]
            p = subprocess.run(cmd, capture_output=True, text=True)
            self.assertEqual(p.returncode, 0, p.stderr[-2000:])
            ours = [line for line in p.stderr.splitlines()
                    if line.startswith("%Warning") and "hls_vinc.v:" in line]
            self.assertEqual(ours, [])
        finally:
            shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
        TESTDATA = sys.argv.pop(1)
    unittest.main()
