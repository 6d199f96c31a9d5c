#!/usr/bin/python3
"""pynq-remote-design import (hwh_reader.py, import_design.py, ip_catalog.py): the real Vivado
zcu104_resizer.hwh and the in-tree designs' generated .hwh files import to the manifests they
came from, and every bad input is refused with one clear message naming the file and the thing.

The real .hwh is third-party test data (PYNQ_REMOTE_TESTDATA_DIR, default ../shared/testdata
beside the checkout; ci/fetch-testdata.sh): without it those tests skip, under CI=true they
fail. Run: python3 rtl/tools/test_import_design.py (ctest rtl_import_design).
"""
import argparse
import contextlib
import io
import json
import os
import shutil
import struct
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen_design  # noqa: E402
import hwh_reader  # noqa: E402
import import_design  # noqa: E402
import pynq_remote_design  # noqa: E402

REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
DESIGNS = os.path.join(REPO, "rtl", "designs")
RESIZE_RTL = os.path.join(REPO, "rtl", "ip", "resize_accel")
MAP = {"resize_accel_0": "pr_resize_accel"}


def testdata_dir():
    named = os.environ.get("PYNQ_REMOTE_TESTDATA_DIR", "").strip()
    return named or os.path.join(os.path.dirname(REPO), "shared", "testdata")


def real_hwh():
    """The real Vivado 2019.1 resizer .hwh; skips the test without it (fails under CI)."""
    path = os.path.join(testdata_dir(), "hwh", "zcu104_resizer.hwh")
    if os.path.isfile(path):
        return path
    reason = ("third-party test data hwh/zcu104_resizer.hwh is not in %s "
              "(PYNQ_REMOTE_TESTDATA_DIR): run ci/fetch-testdata.sh DIR" % testdata_dir())
    if os.environ.get("CI", "").strip().lower() == "true":
        raise AssertionError("CI=true: " + reason)
    raise unittest.SkipTest(reason)


def bit_file(part, payload=b"\x00" * 64, design="design_1_wrapper;UserID=0XFFFFFFFF"):
    """A Vivado-style .bit with the given 'b' field."""
    def tag(letter, text):
        data = text.encode() + b"\0"
        return letter.encode() + struct.pack(">H", len(data)) + data
    return (import_design.BIT_HEADER + tag("a", design) + tag("b", part) +
            tag("c", "2019/11/25") + tag("d", "10:11:07") + b"e" +
            struct.pack(">I", len(payload)) + payload)


class Base(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="test-import-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)

    def write(self, name, data):
        path = os.path.join(self.tmp, name)
        with open(path, "wb" if isinstance(data, bytes) else "w") as f:
            f.write(data)
        return path

    def edited(self, old, new, count=1):
        """The real .hwh with `old` replaced by `new` (count times)."""
        with open(real_hwh()) as f:
            text = f.read()
        self.assertIn(old, text)
        return self.write("design_1.hwh", text.replace(old, new, count))

    def manifest(self, path, rtl=(RESIZE_RTL,), maps=MAP, **kw):
        return import_design.import_manifest(hwh_reader.read(path),
                                             import_design.collect_rtl(list(rtl)),
                                             "design_1", maps=maps, **kw)

    def refused(self, path, *needles, rtl=(RESIZE_RTL,), maps=MAP, **kw):
        with self.assertRaises((import_design.DesignImportError, hwh_reader.HwhError)) as cm:
            self.manifest(path, rtl=rtl, maps=maps, **kw)
        text = str(cm.exception)
        for n in needles:
            self.assertIn(n, text)
        self.assertNotIn("Traceback", text)
        return text

    def cli(self, *argv):
        """pynq-remote-design import ...: (exit status, stderr)."""
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            rc = pynq_remote_design.main(["import"] + list(argv))
        return rc, err.getvalue()


class RealResizer(Base):
    def test_imports_like_the_hand_written_manifest(self):
        m = self.manifest(real_hwh())
        with open(os.path.join(DESIGNS, "resizer", "manifest.json")) as f:
            want = json.load(f)
        self.assertEqual((m["board_name"], m["part"], m["family"]),
                         ("ZCU104", "xczu7ev-ffvc1156-2-e", "zynqmp"))
        got = {i["name"]: i for i in m["instances"]}
        self.assertEqual(sorted(got), sorted(i["name"] for i in want["instances"]))
        for inst in want["instances"]:
            mine = got[inst["name"]]
            self.assertEqual(mine["module"], inst["module"])
            self.assertEqual(mine["hwh_parameters"], inst["hwh_parameters"])
            for key in ("base", "interface", "ps_port"):
                self.assertEqual(mine.get(key), inst.get(key), (inst["name"], key))
            if "range" in inst:
                self.assertEqual(int(mine["range"], 16), int(inst["range"], 16))
                self.assertEqual([r["name"] for r in mine["registers"]],
                                 [r["name"] for r in inst["registers"]])
            self.assertEqual(set(mine["interfaces"]), set(inst["interfaces"]))
        key = lambda x: json.dumps(x, sort_keys=True)  # noqa: E731
        for k in ("streams", "masters", "interrupts", "clocks"):
            self.assertEqual(sorted(map(key, m[k])), sorted(map(key, want[k])), k)
        # The DMA as the .hwh configures it: 32-bit memory side, so HP0 is a 32-bit port.
        self.assertEqual(m["ps"]["slave_ports"], {"S_AXI_HP0_FPD": 32})
        self.assertEqual(got["axi_dma_0"]["params"]["C_M_AXI_MM2S_DATA_WIDTH"], 32)
        self.assertEqual(got["axis_dwidth_converter_0"]["params"],
                         {"S_TDATA_NUM_BYTES": 4, "M_TDATA_NUM_BYTES": 3})

    def test_package_keeps_the_hwh_and_the_bit_hashes(self):
        bit = self.write("design_1.bit", bit_file("xczu7ev-ffvc1156-2-e"))
        hwh = hwh_reader.read(real_hwh())
        m = self.manifest(real_hwh())
        info = import_design.read_bit(bit)
        import_design.check_bit_part(info, import_design.boards.get("ZCU104"))
        out = os.path.join(self.tmp, "out")
        path = import_design.write_package(hwh, m, out, info)
        with open(path) as f:
            written = json.load(f)
        self.assertEqual(written["hwh_file"], "zcu104_resizer.hwh")
        with open(real_hwh(), "rb") as a, open(os.path.join(out, "design_1",
                                                            "zcu104_resizer.hwh"), "rb") as b:
            self.assertEqual(a.read(), b.read())
        vb = written["vivado_bitstream"]
        self.assertEqual(vb["part"], "xczu7ev-ffvc1156-2-e")
        self.assertEqual(vb["data_sha256"],
                         __import__("hashlib").sha256(b"\x00" * 64).hexdigest())
        self.assertTrue(all(s.startswith("@ip/") or s.startswith("rtl/")
                            for s in written["sources"]))
        self.assertIn("rtl/resize_accel.v", written["sources"])
        # The user RTL was copied: the package does not point back at the checkout.
        self.assertTrue(os.path.isfile(os.path.join(out, "design_1", "rtl", "resize_accel.v")))
        # The hwh is hashed with the sources.
        before = gen_design.content_hash(path, written)
        with open(os.path.join(out, "design_1", "zcu104_resizer.hwh"), "a") as f:
            f.write("\n")
        self.assertNotEqual(before, gen_design.content_hash(path, written))

    def test_board_from_the_part_when_systeminfo_has_no_board(self):
        m = self.manifest(self.edited('BOARD="xilinx.com:zcu104:part0:1.1"', 'BOARD=""'))
        self.assertEqual(m["board_name"], "ZCU104")

    def test_another_speed_grade_takes_the_profiles_part(self):
        m = self.manifest(self.edited('SPEEDGRADE="-2"', 'SPEEDGRADE="-1"'))
        self.assertEqual(m["part"], "xczu7ev-ffvc1156-2-e")

    def test_stand_in_for_an_addressed_ip(self):
        m = self.manifest(real_hwh(), rtl=(), maps={}, stand_in=True)
        inst = next(i for i in m["instances"] if i["name"] == "resize_accel_0")
        self.assertEqual(inst["module"], "pr_reg_stand_in")
        self.assertEqual(inst["stand_in"]["kind"], "register_file")
        self.assertIn("@ip/reg_stand_in/reg_stand_in.v", m["sources"])


class HighWindows(Base):
    """ZynqMP M_AXI_HPM0_FPD's window at 0x4_0000_0000 (Ultra96-V2 overlays put IP there)."""

    def test_an_ip_in_the_high_window(self):
        path = self.edited('BASEVALUE="0xA0010000" HIGHNAME="C_S_AXI_AXILITES_HIGHADDR" '
                           'HIGHVALUE="0xA001FFFF"',
                           'BASEVALUE="0x400010000" HIGHNAME="C_S_AXI_AXILITES_HIGHADDR" '
                           'HIGHVALUE="0x40001FFFF"')
        m = self.manifest(path)
        accel = next(i for i in m["instances"] if i["name"] == "resize_accel_0")
        self.assertEqual((accel["base"], accel["range"], accel["ps_port"]),
                         ("0x400010000", "0x00010000", "M_AXI_HPM0_FPD"))
        self.assertEqual(m["_notes"], [])

    def test_a_memrange_under_another_port_takes_the_port_of_its_address(self):
        # Seen in a real Ultra96-V2 .hwh: axi_dma_0 at 0xA0000000 listed under M_AXI_HPM1_FPD.
        path = self.edited('HIGHVALUE="0xA0000FFF" INSTANCE="axi_dma_0" IS_DATA="TRUE" '
                           'IS_INSTRUCTION="TRUE" MASTERBUSINTERFACE="M_AXI_HPM0_FPD"',
                           'HIGHVALUE="0xA0000FFF" INSTANCE="axi_dma_0" IS_DATA="TRUE" '
                           'IS_INSTRUCTION="TRUE" MASTERBUSINTERFACE="M_AXI_HPM1_FPD"')
        m = self.manifest(path)
        dma = next(i for i in m["instances"] if i["name"] == "axi_dma_0")
        self.assertEqual(dma["ps_port"], "M_AXI_HPM0_FPD")
        self.assertEqual(m["_notes"], [
            "axi_dma_0 at 0xA0000000 is listed under M_AXI_HPM1_FPD in the .hwh, but that "
            "address is in M_AXI_HPM0_FPD's window 0xA0000000..0xAFFFFFFF: it is taken as on "
            "M_AXI_HPM0_FPD"])
        self.assertEqual(list(m["ps"]["master_ports"]), ["M_AXI_HPM0_FPD"])


class BadInput(Base):
    def test_not_xml(self):
        path = self.write("design_1.hwh", "this is a bitstream, not XML\n")
        self.refused(path, path + ":1:", "not a Vivado hardware handoff")
        rc, err = self.cli("--hwh", path, "--out", self.tmp)
        self.assertEqual(rc, 1)
        self.assertIn(path + ":1:", err)

    def test_xml_with_a_parse_error_names_its_line(self):
        path = self.write("design_1.hwh", "<EDKSYSTEM>\n  <MODULES>\n  <MODULE>\n</EDKSYSTEM>\n")
        self.refused(path, path + ":4:")

    def test_xml_that_is_not_a_hwh(self):
        path = self.write("design_1.hwh", "<?xml version='1.0'?>\n<project><MODULES/></project>\n")
        self.refused(path, path, "<project>", "EDKSYSTEM")

    def test_ps_of_neither_family(self):
        path = self.edited('MODTYPE="zynq_ultra_ps_e" VLNV="xilinx.com:ip:zynq_ultra_ps_e:3.3"',
                           'MODTYPE="microblaze" VLNV="xilinx.com:ip:microblaze:11.0"')
        self.refused(path, path, "PS is of neither family", "zynq_ultra_ps_e_0",
                     "xilinx.com:ip:microblaze:11.0")

    def test_bit_for_another_part(self):
        bit = self.write("design_1.bit", bit_file("7z020clg400-1"))
        rc, err = self.cli("--hwh", real_hwh(), "--bit", bit, "--rtl", RESIZE_RTL,
                           "--map", "resize_accel_0=pr_resize_accel", "--out", self.tmp)
        self.assertEqual(rc, 1)
        for n in (bit, "7z020clg400-1", "ZCU104", "xczu7ev-ffvc1156-2-e"):
            self.assertIn(n, err)

    def test_bit_that_is_not_a_bit(self):
        bit = self.write("design_1.bit", b"\xaa\x99\x55\x66" * 8)
        with self.assertRaises(import_design.DesignImportError) as cm:
            import_design.read_bit(bit)
        self.assertIn(bit, str(cm.exception))

    def test_two_ips_at_one_address(self):
        path = self.edited('BASEVALUE="0xA0010000" HIGHNAME="C_S_AXI_AXILITES_HIGHADDR" '
                           'HIGHVALUE="0xA001FFFF"',
                           'BASEVALUE="0xA0000000" HIGHNAME="C_S_AXI_AXILITES_HIGHADDR" '
                           'HIGHVALUE="0xA000FFFF"')
        self.refused(path, path, "two IPs at one address", "axi_dma_0", "resize_accel_0")

    def test_two_ips_whose_low_32_bits_alias(self):
        # The design sees the low 32 bits of an address: 0x4_A000_0000 is axi_dma_0's too.
        path = self.edited('BASEVALUE="0xA0010000" HIGHNAME="C_S_AXI_AXILITES_HIGHADDR" '
                           'HIGHVALUE="0xA001FFFF"',
                           'BASEVALUE="0x4A0000000" HIGHNAME="C_S_AXI_AXILITES_HIGHADDR" '
                           'HIGHVALUE="0x4A000FFFF"')
        self.refused(path, path, "axi_dma_0 (0xA0000000..0xA0000FFF) and resize_accel_0 "
                     "(0x4A0000000..0x4A000FFFF) alias", "low 32 bits")

    def test_a_high_window_ip_whose_low_32_bits_are_in_a_low_window(self):
        path = self.edited('BASEVALUE="0xA0010000" HIGHNAME="C_S_AXI_AXILITES_HIGHADDR" '
                           'HIGHVALUE="0xA001FFFF"',
                           'BASEVALUE="0x4A0010000" HIGHNAME="C_S_AXI_AXILITES_HIGHADDR" '
                           'HIGHVALUE="0x4A001FFFF"')
        self.refused(path, path, "resize_accel_0 at 0x4A0010000..0x4A001FFFF: its low 32 bits "
                     "0xA0010000..0xA001FFFF fall in M_AXI_HPM0_FPD's window")

    def test_every_unknown_ip_is_listed(self):
        path = self.edited('MODTYPE="axis_dwidth_converter" '
                           'VLNV="xilinx.com:ip:axis_dwidth_converter:1.1"',
                           'MODTYPE="my_filter" VLNV="user.org:user:my_filter:1.0"')
        text = self.refused(path, path, "2 IPs", "resize_accel_0 (xilinx.com:hls:resize_accel:1.0)",
                            "axis_dwidth_converter_0 (user.org:user:my_filter:1.0)", "--rtl",
                            "--stand-in", rtl=(), maps={})
        # The non-addressed one cannot be stood in for: no --stand-in hint for it.
        line = next(l for l in text.splitlines() if "axis_dwidth_converter_0" in l)
        self.assertNotIn("--stand-in", line)
        self.refused(path, "axis_dwidth_converter_0", rtl=(), maps={}, stand_in=True)

    def test_verilog_lacking_a_port_of_the_hwh(self):
        with open(os.path.join(RESIZE_RTL, "resize_accel.v")) as f:
            text = f.read()
        self.assertIn("src_tlast,", text)
        rtl = os.path.join(self.tmp, "rtl")
        os.makedirs(rtl)
        with open(os.path.join(rtl, "resize_accel.v"), "w") as f:
            f.write(text.replace("input  wire                                   src_tlast,\n",
                                 ""))
        text = self.refused(real_hwh(), "src_TLAST", rtl=(rtl,))
        self.assertIn("resize_accel_0", text)

    def test_map_to_an_instance_the_design_lacks(self):
        self.refused(real_hwh(), "no instance nosuch_0", maps={"nosuch_0": "x"})

    def test_board_of_another_family(self):
        self.refused(real_hwh(), "Zynq UltraScale+", "Pynq-Z2", board="Pynq-Z2")

    def test_board_of_another_part(self):
        self.refused(real_hwh(), "xczu7ev-ffvc1156-2", "ZCU102", "xczu9eg", board="ZCU102")

    def test_name_not_an_identifier(self):
        path = os.path.join(self.tmp, "my-design.hwh")
        shutil.copyfile(real_hwh(), path)
        rc, err = self.cli("--hwh", path, "--out", self.tmp)
        self.assertEqual(rc, 1)
        self.assertIn(path, err)
        self.assertIn("'my-design' (the .hwh's file name) is not an identifier", err)


class GeneratedDesigns(Base):
    """gen_design.py's .hwh of each in-tree design imports back to its own manifest."""

    def roundtrip(self, name, rtl=(), maps=None):
        manifest = os.path.join(DESIGNS, name, "manifest.json")
        out = os.path.join(self.tmp, name)
        gen_design.generate_files(argparse.Namespace(manifest=manifest, out_dir=out,
                                                     header_dir=None))
        m = self.manifest(os.path.join(out, name + ".hwh"), rtl=rtl, maps=maps or {})
        with open(manifest) as f:
            want = json.load(f)
        key = lambda x: json.dumps(x, sort_keys=True)  # noqa: E731
        for k in ("masters", "streams", "interrupts", "wires", "clocks"):
            self.assertEqual(sorted(map(key, m.get(k, []))), sorted(map(key, want.get(k, []))),
                             k)
        self.assertEqual(m["ps"], want["ps"])
        self.assertEqual(m["board_name"], want["board_name"])
        got = {i["name"]: i for i in m["instances"]}
        for inst in want["instances"]:
            mine = got[inst["name"]]
            self.assertEqual(mine["module"], inst["module"])
            for p, v in inst.get("params", {}).items():
                self.assertEqual(mine["params"].get(p), v, (inst["name"], p))
            for k in ("base", "interface", "ps_port"):
                self.assertEqual(mine.get(k), inst.get(k))
        return m

    def test_zynq7000_dma_gpio_on_the_pynq_z2(self):
        m = self.roundtrip("pynqz2_dma")
        self.assertEqual(m["family"], "zynq7000")

    def test_gpio_intc(self):
        self.roundtrip("gpio_intc")

    def test_dual_dma_two_masters_per_port(self):
        m = self.roundtrip("dual_dma")
        self.assertIn("@ip/common/axi_interconnect.v", m["sources"])

    def test_emio_through_xlslice_and_xlconcat(self):
        # The PS's EMIO pins come back as "emio" entries on the xlslice / xlconcat cells.
        manifest = os.path.join(DESIGNS, "emio_gpio_loop", "manifest.json")
        out = os.path.join(self.tmp, "emio_gpio_loop")
        gen_design.generate_files(argparse.Namespace(manifest=manifest, out_dir=out,
                                                     header_dir=None))
        m = self.manifest(os.path.join(out, "emio_gpio_loop.hwh"), maps={})
        key = lambda x: json.dumps(x, sort_keys=True)  # noqa: E731
        self.assertEqual(sorted(map(key, m["emio"])), sorted(map(key, [
            {"from": "emio_gpio_o", "index": 0, "to": "xlslice_0/Din"},
            {"from": "xlconcat_0/dout", "to": "emio_gpio_i", "index": 0}])))
        self.assertIn({"from": "xlslice_0/Dout", "to": "axi_gpio_0/gpio2_io_i"}, m["wires"])
        self.assertIn({"from": "axi_gpio_0/gpio_io_o", "to": "xlconcat_0/In1"}, m["wires"])

    def test_stream_scale_with_hls_verilog(self):
        self.roundtrip("stream_scale", rtl=(os.path.join(REPO, "rtl", "ip", "hls_stream_scale"),),
                       maps={"hls_stream_scale_0": "pr_hls_stream_scale"})


if __name__ == "__main__":
    unittest.main()
