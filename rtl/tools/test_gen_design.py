#!/usr/bin/python3
"""gen_design.py refuses what it cannot model, and check_hwh.py catches broken .hwh files.

* Refusals (the command exits non-zero naming the problem): a board no profile has, a part
  that is not the profile's, a PS port the family lacks (S_AXI_HPC0_FPD on Zynq-7000,
  M_AXI_GP0 on ZynqMP), a data width the port cannot have, an instance window outside the PS
  master window it hangs on.
* The in-tree dma_loopback design, on ZCU104 and moved to Pynq-Z2, gives a .hwh check_hwh.py
  accepts, with the family's PS (zynq_ultra_ps_e / processing_system7) and interrupt port.
* check_hwh.py rejects the same file broken the ways pynqmetadata refuses: a PORTMAP naming
  a port the MODULE lacks (the bug that kept PYNQ 3.1's Overlay() from every format-2
  design), two inputs connected to each other, a one-way CONNECTION, a missing PL clock
  parameter, a MEMRANGE on a bus interface that does not exist.

Usage: test_gen_design.py   (stdlib unittest; ctest rtl_gen_design_errors)
"""
import copy
import json
import os
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import check_hwh  # noqa: E402

WIDE_CORE = """
module wide (input wire clk, input wire rst_n,
  output wire [31:0] m_araddr, output wire [7:0] m_arlen, output wire m_arvalid,
  input wire m_arready, input wire [127:0] m_rdata, input wire [1:0] m_rresp,
  input wire m_rlast, input wire m_rvalid, output wire m_rready);
endmodule
"""
DESIGN = os.path.join(HERE, "..", "designs", "dma_loopback", "manifest.json")


def base_manifest():
    """dma_loopback with absolute source paths, so it builds from a temporary folder."""
    with open(DESIGN) as f:
        m = json.load(f)
    root = os.path.dirname(os.path.abspath(DESIGN))
    m["sources"] = [os.path.normpath(os.path.join(root, s)) for s in m["sources"]]
    return m


def on_pynq_z2(m):
    m = copy.deepcopy(m)
    m.update(board="tul.com.tw:pynq-z2:part0:1.0", board_name="Pynq-Z2", part="xc7z020clg400-1",
             clocks=[{"name": "FCLK_CLK0", "index": 0, "freq_mhz": 100.0}],
             ps={"master_ports": {"M_AXI_GP0": 32}, "slave_ports": {"S_AXI_HP0": 64}})
    for entry in m["masters"]:
        entry["ps_port"] = "S_AXI_HP0"
    for entry in m.get("interrupts", []):  # a Zynq-7000 PS takes interrupts on IRQ_F2P
        if entry["to"] == "pl_ps_irq0":
            entry["to"] = "IRQ_F2P"
    bases = iter(["0x40400000", "0x41800000", "0x41200000"])
    for inst in m["instances"]:
        if "base" in inst:
            inst.update(base=next(bases), ps_port="M_AXI_GP0")
    return m


class GenDesignTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()

    def run_gen(self, manifest):
        path = os.path.join(self.dir, "manifest.json")
        with open(path, "w") as f:
            json.dump(manifest, f)
        out = os.path.join(self.dir, "out")
        proc = subprocess.run([sys.executable, os.path.join(HERE, "gen_design.py"), path, out],
                              capture_output=True, text=True, timeout=120)
        return proc.returncode, proc.stderr, os.path.join(out, manifest["name"] + ".hwh")

    def refused(self, manifest, *words):
        rc, err, _ = self.run_gen(manifest)
        self.assertNotEqual(rc, 0, "accepted: %s" % (words,))
        for word in words:
            self.assertIn(word, err)
        self.assertNotIn("Traceback", err)

    # -- refusals
    def test_unknown_board(self):
        m = base_manifest()
        m["board_name"], m["board"] = "ZedBoard", "avnet.com:zedboard:part0:1.4"
        self.refused(m, "no board profile 'ZedBoard'", "Pynq-Z2")

    def test_part_not_the_profiles(self):
        m = base_manifest()
        m["part"] = "xczu9eg-ffvb1156-2-e"
        self.refused(m, "xczu9eg-ffvb1156-2-e", "ZCU104", "xczu7ev-ffvc1156-2-e")

    def test_zynqmp_port_on_zynq7000(self):
        m = on_pynq_z2(base_manifest())
        m["masters"][0]["ps_port"] = "S_AXI_HPC0_FPD"
        self.refused(m, "Zynq-7000", "S_AXI_HPC0_FPD")

    def test_zynq7000_port_on_zynqmp(self):
        m = base_manifest()
        m["instances"][0]["ps_port"] = "M_AXI_GP0"
        self.refused(m, "Zynq UltraScale+", "M_AXI_GP0")

    def test_ps_port_width(self):
        m = on_pynq_z2(base_manifest())
        m["ps"]["slave_ports"]["S_AXI_HP0"] = 128
        self.refused(m, "S_AXI_HP0", "32/64", "128")
        m = on_pynq_z2(base_manifest())
        m["ps"]["master_ports"]["M_AXI_GP0"] = 64
        self.refused(m, "M_AXI_GP0", "64")

    def test_master_data_width(self):
        # A core whose AXI4 master is 128 bits wide, on a Zynq-7000 HP port (32/64 bits).
        with open(os.path.join(self.dir, "wide.v"), "w") as f:
            f.write(WIDE_CORE)
        m = on_pynq_z2(base_manifest())
        m["sources"].append(os.path.join(self.dir, "wide.v"))
        m["instances"].append({
            "name": "wide_0", "module": "wide", "vlnv": "x:y:wide:1.0",
            "interfaces": {"M": {"type": "aximm", "mode": "master", "prefix": "m_"}}})
        m["masters"] = [{"instance": "wide_0", "interface": "M", "ps_port": "S_AXI_HP0"}]
        self.refused(m, "wide_0/M", "128")

    def test_window_outside_master_port(self):
        m = base_manifest()
        m["instances"][0]["base"] = "0xB0000000"   # HPM1's window, on HPM0
        self.refused(m, "outside M_AXI_HPM0_FPD", "0xA0000000")
        m = on_pynq_z2(base_manifest())
        m["instances"][0]["base"] = "0xA0000000"
        self.refused(m, "outside M_AXI_GP0")

    def test_high_window_refusals(self):
        m = base_manifest()
        m["instances"][0]["base"] = "0x500000000"   # HPM1's high window, on HPM0
        self.refused(m, "axi_dma_0: window 0x500000000..0x50000FFFF is outside M_AXI_HPM0_FPD "
                        "(0xA0000000..0xAFFFFFFF and 0x400000000..0x4FFFFFFFF) of the ZCU104")
        m = base_manifest()
        m["instances"][0]["base"] = "0x4A0010000"   # low 32 bits = axi_intc_0's window
        self.refused(m, "axi_dma_0 (0x4A0010000..0x4A001FFFF) and axi_intc_0 "
                        "(0xA0010000..0xA001FFFF) alias", "low 32 bits")
        m["instances"][0]["base"] = "0x4A0020000"   # nothing there, but inside HPM0's window
        self.refused(m, "axi_dma_0 at 0x4A0020000..0x4A002FFFF: its low 32 bits "
                        "0xA0020000..0xA002FFFF fall in M_AXI_HPM0_FPD's window")
        m["instances"][0]["range"] = "0x200000000"
        self.refused(m, "at most 4 GiB")

    def test_high_window_in_the_generated_hwh(self):
        # Ultra96-V2 overlays put IP at 0x4_0000_0000: the PS MEMORYMAP says so in full.
        m = base_manifest()
        m["instances"][0]["base"] = "0x400000000"
        hwh = self.good(m)
        root = ET.parse(hwh).getroot()
        ps = root.find("./MODULES/MODULE[@INSTANCE='zynq_ultra_ps_e_0']")
        ranges = {r.get("INSTANCE"): r for r in ps.iter("MEMRANGE")}
        dma = ranges["axi_dma_0"]
        self.assertEqual((dma.get("BASEVALUE"), dma.get("HIGHVALUE"),
                          dma.get("MASTERBUSINTERFACE")),
                         ("0x400000000", "0x40000FFFF", "M_AXI_HPM0_FPD"))
        self.assertEqual(ranges["axi_intc_0"].get("BASEVALUE"), "0xA0010000")
        params = {p.get("NAME"): p.get("VALUE")
                  for p in self.module(root, "axi_dma_0").iter("PARAMETER")}
        self.assertEqual(params["C_BASEADDR"], "0x400000000")

    # -- good designs on both families
    def good(self, manifest):
        rc, err, hwh = self.run_gen(manifest)
        self.assertEqual(rc, 0, err)
        self.assertEqual(check_hwh.check(hwh), [])
        return hwh

    def test_zynqmp(self):
        root = ET.parse(self.good(base_manifest())).getroot()
        self.assertEqual(root.find("SYSTEMINFO").get("ARCH"), "zynquplus")
        ps = root.find("./MODULES/MODULE[@INSTANCE='zynq_ultra_ps_e_0']")
        irq = ps.find("./PORTS/PORT[@NAME='pl_ps_irq0']")
        self.assertEqual(irq.find("./CONNECTIONS/CONNECTION").get("INSTANCE"), "axi_intc_0")

    def test_zynq7000(self):
        root = ET.parse(self.good(on_pynq_z2(base_manifest()))).getroot()
        info = root.find("SYSTEMINFO")
        self.assertEqual((info.get("ARCH"), info.get("DEVICE"), info.get("PACKAGE"),
                          info.get("SPEEDGRADE")), ("zynq", "7z020", "clg400", "-1"))
        ps = root.find("./MODULES/MODULE[@INSTANCE='processing_system7_0']")
        self.assertEqual(ps.get("VLNV"), "xilinx.com:ip:processing_system7:5.5")
        params = {p.get("NAME"): p.get("VALUE") for p in ps.iter("PARAMETER")}
        # 1000 MHz IO PLL / 5 / 2 = 100 MHz
        self.assertEqual((params["PCW_FCLK0_PERIPHERAL_DIVISOR0"],
                          params["PCW_FCLK0_PERIPHERAL_DIVISOR1"],
                          params["PCW_FPGA_FCLK0_ENABLE"]), ("5", "2", "1"))
        irq = ps.find("./PORTS/PORT[@NAME='IRQ_F2P']")
        self.assertEqual(irq.find("./CONNECTIONS/CONNECTION").get("INSTANCE"), "axi_intc_0")
        names = {b.get("NAME") for b in ps.iter("BUSINTERFACE")}
        self.assertEqual(names, {"M_AXI_GP0", "S_AXI_HP0"})
        self.assertIsNone(root.find("./MODULES/MODULE[@MODTYPE='zynq_ultra_ps_e']"))

    def test_emio_in_the_hwh(self):
        # The reference design on a Pynq-Z2: processing_system7's GPIO_O/_T/_I, 64 pins.
        with open(os.path.join(HERE, "..", "designs", "emio_gpio_loop", "manifest.json")) as f:
            m = json.load(f)
        root_dir = os.path.join(HERE, "..", "designs", "emio_gpio_loop")
        m["sources"] = [os.path.normpath(os.path.join(root_dir, s)) for s in m["sources"]]
        for family_manifest, ps_name, pins, o, i, enable in (
                (m, "zynq_ultra_ps_e_0", 96, "emio_gpio_o", "emio_gpio_i",
                 "PSU__GPIO_EMIO__PERIPHERAL__ENABLE"),
                (on_pynq_z2(dict(m, masters=[])), "processing_system7_0", 64, "GPIO_O", "GPIO_I",
                 "PCW_GPIO_EMIO_GPIO_ENABLE")):
            root = ET.parse(self.good(family_manifest)).getroot()
            ps = root.find("./MODULES/MODULE[@INSTANCE='%s']" % ps_name)
            params = {p.get("NAME"): p.get("VALUE") for p in ps.iter("PARAMETER")}
            self.assertEqual(params[enable], "1")
            out = ps.find("./PORTS/PORT[@NAME='%s']" % o)
            self.assertEqual((out.get("DIR"), out.get("LEFT")), ("O", str(pins - 1)))
            self.assertEqual(out.find("./CONNECTIONS/CONNECTION").get("INSTANCE"), "xlslice_0")
            inp = ps.find("./PORTS/PORT[@NAME='%s']" % i)
            self.assertEqual(inp.find("./CONNECTIONS/CONNECTION").get("INSTANCE"), "xlconcat_0")
            sl = root.find("./MODULES/MODULE[@INSTANCE='xlslice_0']")
            sp = {p.get("NAME"): p.get("VALUE") for p in sl.iter("PARAMETER")}
            self.assertEqual((sp["DIN_FROM"], sp["DIN_TO"], sp["DOUT_WIDTH"]), ("7", "0", "8"))
            cc = root.find("./MODULES/MODULE[@INSTANCE='xlconcat_0']")
            cp = {p.get("NAME"): p.get("VALUE") for p in cc.iter("PARAMETER")}
            self.assertEqual((cp["NUM_PORTS"], cp["IN0_WIDTH"], cp["IN1_WIDTH"], cp["IN2_WIDTH"]),
                             ("3", "8", "8", str(pins - 16)))

    def test_format1_on_zynq7000(self):
        # A hand-written top: the .hwh has the family's PS, the windows and the interrupt.
        with open(os.path.join(self.dir, "top.v"), "w") as f:
            f.write("module f1; endmodule\n")
        dma = next(i for i in on_pynq_z2(base_manifest())["instances"]
                   if i["name"] == "axi_dma_0")
        m = {"format": 1, "name": "f1", "top": "f1", "sources": ["top.v"],
             "board": "tul.com.tw:pynq-z2:part0:1.0", "board_name": "Pynq-Z2",
             "part": "xc7z020clg400-1", "ps": {"master_ports": {"M_AXI_GP0": 32},
                                               "slave_ports": {}},
             "instances": [dict({k: dma[k] for k in ("name", "vlnv", "base", "range",
                                                     "interface", "ps_port", "registers")},
                                interrupt={"port": "s2mm_introut", "irq": 0})]}
        root = ET.parse(self.good(m)).getroot()
        ps = root.find("./MODULES/MODULE[@INSTANCE='processing_system7_0']")
        irq = ps.find("./PORTS/PORT[@NAME='IRQ_F2P']/CONNECTIONS/CONNECTION")
        self.assertEqual((irq.get("INSTANCE"), irq.get("PORT")), ("axi_dma_0", "s2mm_introut"))

    # -- check_hwh.py on broken files
    def broken(self, mutate, *words):
        tree = ET.parse(self.good(base_manifest()))
        mutate(tree.getroot())
        path = os.path.join(self.dir, "broken.hwh")
        tree.write(path)
        errors = "\n".join(check_hwh.check(path))
        for word in words:
            self.assertIn(word, errors)
        proc = subprocess.run([sys.executable, os.path.join(HERE, "check_hwh.py"), path],
                              capture_output=True, text=True, timeout=60)
        self.assertEqual(proc.returncode, 1)

    @staticmethod
    def module(root, name):
        return root.find("./MODULES/MODULE[@INSTANCE='%s']" % name)

    def test_portmap_port_missing(self):
        def drop(root):
            ports = self.module(root, "axi_dma_0").find("PORTS")
            ports.remove(ports.find("./PORT[@NAME='s_axi_lite_araddr']"))
        self.broken(drop, "PORTMAP ARADDR names port s_axi_lite_araddr", "PortNotFound")

    def test_two_inputs_connected(self):
        def flip(root):
            port = self.module(root, "rst_ps8_0_100M").find("./PORTS/PORT[@NAME='ext_reset_in']")
            ps_port = self.module(root, "zynq_ultra_ps_e_0").find(
                "./PORTS/PORT[@NAME='pl_resetn0']")
            ps_port.set("DIR", port.get("DIR"))
        self.broken(flip, "WrongPolarityConnection", "has 0 drivers")

    def test_one_way_connection(self):
        def cut(root):
            port = self.module(root, "axi_dma_0").find("./PORTS/PORT[@NAME='clk']")
            port.remove(port.find("CONNECTIONS"))
        self.broken(cut, "does not connect back")

    def test_missing_clock_parameter(self):
        def drop(root):
            params = self.module(root, "zynq_ultra_ps_e_0").find("PARAMETERS")
            params.remove(params.find(
                "./PARAMETER[@NAME='PSU__CRL_APB__PL3_REF_CTRL__SRCSEL']"))
        self.broken(drop, "PSU__CRL_APB__PL3_REF_CTRL__SRCSEL missing")

    def test_memrange_on_missing_interface(self):
        def rename(root):
            memrange = self.module(root, "zynq_ultra_ps_e_0").find("./MEMORYMAP/MEMRANGE")
            memrange.set("SLAVEBUSINTERFACE", "S_AXI_NOPE")
        self.broken(rename, "has no bus interface S_AXI_NOPE")


if __name__ == "__main__":
    unittest.main()
