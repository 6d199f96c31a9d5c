"""Unit tests of the .hwh parser: a real Vivado 2019.1 file, the generated reference
design, and hand-made snippets for what other Vivado versions (or broken files) write."""

import re
from pathlib import Path

import pytest

from pynq_remote.hwh import HwhFormatError, HwhParser
from third_party_data import third_party_file

REPO = Path(__file__).resolve().parents[3]
REF_ACCEL = REPO / "build" / "designs" / "ref_accel" / "ref_accel.hwh"


@pytest.fixture(scope="module")
def resizer():
    return HwhParser(path=third_party_file("hwh/zcu104_resizer.hwh"))


@pytest.fixture(scope="module")
def ref_accel():
    if not REF_ACCEL.exists():
        pytest.skip(f"{REF_ACCEL} is not built (build the reference designs first)")
    return HwhParser(path=REF_ACCEL)


# -- the real Vivado 2019.1 file ---------------------------------------------------------

def test_resizer_ps(resizer):
    assert resizer.ps_name == "zynq_ultra_ps_e_0"
    assert resizer.family_ps == "zynq_ultra_ps_e"
    assert resizer.partial is False
    ps = resizer.ip_dict["zynq_ultra_ps_e_0"]
    assert ps["type"] == "xilinx.com:ip:zynq_ultra_ps_e:3.3"
    assert ps["parameters"]["C_MAXIGP0_DATA_WIDTH"] == "128"
    assert ps["parameters"]["C_SAXIGP2_DATA_WIDTH"] == "128"
    assert ps["phys_addr"] is None


def test_resizer_dma(resizer):
    dma = resizer.ip_dict["axi_dma_0"]
    assert dma["type"] == "xilinx.com:ip:axi_dma:7.1"
    assert (dma["phys_addr"], dma["addr_range"]) == (0xA0000000, 0x1000)
    assert (dma["mem_id"], dma["memtype"], dma["fullpath"]) == \
        ("S_AXI_LITE", "REGISTER", "axi_dma_0")
    assert dma["driver"] is None and dma["state"] is None
    params = dma["parameters"]
    assert params["C_INCLUDE_SG"] == "0"
    assert params["C_M_AXI_MM2S_DATA_WIDTH"] == "32"
    assert params["c_sg_length_width"] == "23"
    dmacr = dma["registers"]["MM2S_DMACR"]
    assert (dmacr["address_offset"], dmacr["size"], dmacr["access"]) == (0, 32, "read-write")
    assert dmacr["description"] == "MM2S DMA Control Register"
    rs = dmacr["fields"]["RS"]
    assert (rs["bit_offset"], rs["bit_width"], rs["access"]) == (0, 1, "read-write")
    assert rs["description"].startswith("Run / Stop control")   # the field's own text
    assert dma["registers"]["S2MM_DMACR"]["address_offset"] == 0x30
    assert dma["registers"]["S2MM_LENGTH"]["address_offset"] == 0x58


def test_resizer_hls_core(resizer):
    accel = resizer.ip_dict["resize_accel_0"]
    assert (accel["phys_addr"], accel["addr_range"]) == (0xA0010000, 0x10000)
    offsets = {name: reg["address_offset"] for name, reg in accel["registers"].items()}
    assert offsets == {"CTRL": 0x0, "GIER": 0x4, "IP_IER": 0x8, "IP_ISR": 0xC,
                       "src_rows": 0x10, "src_cols": 0x18, "dst_rows": 0x20,
                       "dst_cols": 0x28}
    assert accel["registers"]["CTRL"]["fields"]["AP_START"]["bit_width"] == 1


def test_resizer_stream_cores_and_interconnects_are_not_addressable(resizer):
    assert set(resizer.ip_dict) == {"axi_dma_0", "resize_accel_0", "zynq_ultra_ps_e_0"}


def test_resizer_memories_and_clocks(resizer):
    ddr = resizer.mem_dict["PSDDR"]
    assert (ddr["phys_addr"], ddr["addr_range"]) == (0, 0x80000000)
    assert (ddr["base_address"], ddr["size"], ddr["tag"], ddr["used"]) == \
        (0, 0x80000000, "PSDDR", 1)
    assert ddr["memtype"] == "MEMORY" and ddr["mem_id"] == "S_AXI_HP0_FPD"
    assert resizer.clock_dict[0] == {"enable": 1, "divisor0": 15, "divisor1": 1,
                                     "frequency_mhz": 100.0}
    assert [resizer.clock_dict[i]["enable"] for i in range(4)] == [1, 0, 0, 0]


def test_resizer_has_no_wired_interrupts(resizer):
    # mm2s_introut, s2mm_introut and interrupt are unconnected in this design.
    assert resizer.interrupt_pins == {} and resizer.interrupt_controllers == {}
    assert resizer.gpio_dict == {} and resizer.hierarchy_dict == {}


# -- the generated reference design -----------------------------------------------------

def test_ref_accel(ref_accel):
    regs = ref_accel.ip_dict["ref_regs_0"]
    assert (regs["phys_addr"], regs["addr_range"]) == (0xA0000000, 0x1000)
    names = ["ID", "VERSION", "SCRATCH0", "SCRATCH1", "SCRATCH2", "SCRATCH3",
             "CYCLE_LO", "CYCLE_HI"]
    assert set(names) <= set(regs["registers"])
    assert [regs["registers"][n]["address_offset"] for n in names] == \
        [0x0, 0x4, 0x10, 0x14, 0x18, 0x1C, 0x20, 0x24]
    accel = ref_accel.ip_dict["mem_accel_0"]
    assert accel["phys_addr"] == 0xA0010000
    ctrl = accel["registers"]["CTRL"]
    assert ctrl["address_offset"] == 0
    assert {k: (f["bit_offset"], f["bit_width"]) for k, f in ctrl["fields"].items()} == \
        {"AP_START": (0, 1), "AP_DONE": (1, 1), "AP_IDLE": (2, 1), "AP_READY": (3, 1),
         "AUTO_RESTART": (7, 1)}
    assert ref_accel.ip_dict["zynq_ultra_ps_e_0"]["parameters"]["C_SAXIGP2_DATA_WIDTH"] \
        == "64"


def test_ref_accel_interrupt_straight_to_the_ps(ref_accel):
    pin = {"controller": "", "index": 0, "fullpath": "mem_accel_0/interrupt",
           "raw_irq": 121}
    assert ref_accel.interrupt_pins == {"mem_accel_0/interrupt": pin}
    assert ref_accel.ip_dict["mem_accel_0"]["interrupts"] == {"interrupt": pin}


def test_bitstream_handler_gives_a_parser(ref_accel):
    from pynq_remote.pl_server.remote_device import RemoteBitfileHandler
    bit = REF_ACCEL.with_suffix(".bit")
    if not bit.exists():
        pytest.skip(f"{bit} is not built")
    parser = RemoteBitfileHandler(bit).get_parser()
    assert isinstance(parser, HwhParser)
    assert parser.ip_dict["ref_regs_0"]["phys_addr"] == 0xA0000000
    assert parser.ps_name == "zynq_ultra_ps_e_0"
    assert isinstance(parser.bin_data, bytes) and len(parser.bin_data) % 4 == 0


# -- hand-made snippets -------------------------------------------------------------------

def _port(name, direction, signame=None, connections=(), **attrs):
    extra = "".join(f' {k}="{v}"' for k, v in attrs.items())
    sig = f' SIGNAME="{signame}"' if signame else ""
    conns = "".join(f'<CONNECTION INSTANCE="{i}" PORT="{p}"/>' for i, p in connections)
    body = f"<CONNECTIONS>{conns}</CONNECTIONS>" if conns else ""
    return f'<PORT DIR="{direction}" NAME="{name}"{sig}{extra}>{body}</PORT>'


def _module(instance, modtype, vlnv=None, params=None, ports=(), body="", fullname=None):
    params = "".join(f'<PARAMETER NAME="{k}" VALUE="{v}"/>' for k, v in
                     (params or {}).items())
    return (f'<MODULE FULLNAME="/{fullname or instance}" INSTANCE="{instance}" '
            f'MODTYPE="{modtype}" VLNV="{vlnv or "xilinx.com:ip:" + modtype + ":1.0"}">'
            f"<PARAMETERS>{params}</PARAMETERS><PORTS>{''.join(ports)}</PORTS>{body}"
            "</MODULE>")


def _memrange(instance, base, high, slave="S_AXI", memtype="REGISTER", block="Reg",
              master="M_AXI_HPM0_FPD"):
    return (f'<MEMRANGE ADDRESSBLOCK="{block}" BASEVALUE="{base}" HIGHVALUE="{high}" '
            f'INSTANCE="{instance}" MASTERBUSINTERFACE="{master}" MEMTYPE="{memtype}" '
            f'SLAVEBUSINTERFACE="{slave}"/>')


_REGS = """<ADDRESSBLOCKS><ADDRESSBLOCK INTERFACE="S_AXI" NAME="Reg"><REGISTERS>
  <REGISTER NAME="CTRL">
    <PROPERTY NAME="DESCRIPTION" VALUE="Control"/>
    <PROPERTY NAME="ADDRESS_OFFSET" VALUE="0x10"/>
    <PROPERTY NAME="SIZE" VALUE="32"/>
    <PROPERTY NAME="ACCESS" VALUE="read-write"/>
    <FIELDS><FIELD NAME="GO">
      <PROPERTY NAME="DESCRIPTION" VALUE="Start"/>
      <PROPERTY NAME="ACCESS" VALUE="write-only"/>
      <PROPERTY NAME="BIT_OFFSET" VALUE="3"/>
      <PROPERTY NAME="BIT_WIDTH" VALUE="0x2"/>
    </FIELD></FIELDS>
  </REGISTER>
  <REGISTER NAME="DATA">
    <PROPERTY NAME="ADDRESS_OFFSET" VALUE="24"/>
    <PROPERTY NAME="SIZE" VALUE="0x20"/>
  </REGISTER>
</REGISTERS></ADDRESSBLOCK></ADDRESSBLOCKS>"""


def _design(ps_modtype="zynq_ultra_ps_e", ranges=None, modules=(), ps_ports=(),
            ps_params=None):
    ranges = ranges if ranges is not None else [_memrange("ip_0", "0xA0000000",
                                                          "0xA0000FFF")]
    ps = _module("ps_0", ps_modtype, params=ps_params or {"PSU__FPGA_PL0_ENABLE": "1"},
                 ports=ps_ports, body=f"<MEMORYMAP>{''.join(ranges)}</MEMORYMAP>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<EDKSYSTEM>\n<EXTERNALPORTS/>\n'
            f"<MODULES>\n{ps}\n" + "\n".join(modules) + "\n</MODULES>\n</EDKSYSTEM>\n")


_IP = _module("ip_0", "my_ip", params={"C_WIDTH": "8"}, body=_REGS)


def test_snippet_registers_hex_and_decimal():
    parser = HwhParser(text=_design(modules=[_IP]))
    regs = parser.ip_dict["ip_0"]["registers"]
    assert regs["CTRL"]["address_offset"] == 0x10 and regs["DATA"]["address_offset"] == 24
    assert regs["DATA"]["size"] == 32 and regs["DATA"]["fields"] == {}
    assert regs["DATA"]["access"] is None and regs["DATA"]["description"] == ""
    assert regs["CTRL"]["fields"]["GO"] == {"bit_offset": 3, "bit_width": 2,
                                            "description": "Start", "access": "write-only"}
    assert parser.ip_dict["ip_0"]["parameters"] == {"C_WIDTH": "8"}


def test_snippet_bom_in_text_bytes_and_file(tmp_path):
    text = _design(modules=[_IP])
    expected = HwhParser(text=text).ip_dict
    assert HwhParser(text="\ufeff" + text).ip_dict == expected
    assert HwhParser(text=b"\xef\xbb\xbf" + text.encode()).ip_dict == expected
    path = tmp_path / "bom.hwh"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert HwhParser(path=path).ip_dict == expected


def test_snippet_attribute_order_does_not_matter():
    text = _design(modules=[_IP])

    def reverse(match):
        attrs = re.findall(r'\w+="[^"]*"', match.group(2))
        return f"<{match.group(1)} {' '.join(reversed(attrs))}{match.group(3)}>"

    shuffled = re.sub(r'<(\w+) ((?:\w+="[^"]*"\s*)+)(/?)>', reverse, text)
    assert shuffled != text
    assert HwhParser(text=shuffled).ip_dict == HwhParser(text=text).ip_dict


def test_snippet_missing_optional_sections():
    bare = '<MODULE FULLNAME="/ip_0" INSTANCE="ip_0" VLNV="a:b:bare:1.0"/>'
    parser = HwhParser(text=_design(modules=[bare]))
    entry = parser.ip_dict["ip_0"]
    assert entry["registers"] == {} and entry["parameters"] == {}
    assert entry["type"] == "a:b:bare:1.0" and entry["addr_range"] == 0x1000
    # A register without FIELDS, and an empty MEMORYMAP.
    empty = HwhParser(text=_design(ranges=[], modules=[bare]))
    assert set(empty.ip_dict) == {"ps_0"}
    assert empty.mem_dict["PSDDR"]["phys_addr"] == 0          # the ZynqMP low window
    assert empty.clock_dict[1] == {"enable": 0, "divisor0": None, "divisor1": None,
                                   "frequency_mhz": None}


def test_snippet_truncated_file_names_the_position():
    text = _design(modules=[_IP])
    cut = text[:len(text) // 2]
    with pytest.raises(HwhFormatError, match=r"<hwh text>: malformed XML at line \d+, "
                                             r"column \d+") as info:
        HwhParser(text=cut)
    assert isinstance(info.value, ValueError) and info.value.line > 1


def test_snippet_truncated_file_names_the_file(tmp_path):
    path = tmp_path / "cut.hwh"
    path.write_text(_design(modules=[_IP])[:300])
    with pytest.raises(ValueError, match=re.escape(str(path))):
        HwhParser(path=path)


@pytest.mark.parametrize("text,message", [
    ("", "malformed XML at line 1"),
    ("<NOTHWH/>", "root element is <NOTHWH>"),
    (_design(ranges=[_memrange("ip_0", "0xA0000000", "oops")], modules=[_IP]),
     "MEMRANGE of ip_0 .*HIGHVALUE is 'oops'"),
    (_design(ranges=[_memrange("ip_0", "0xA0001000", "0xA0000FFF")], modules=[_IP]),
     "below BASEVALUE"),
    (_design(modules=[_IP.replace('VALUE="0x10"', 'VALUE="sixteen"')]),
     "register CTRL of ip_0: ADDRESS_OFFSET is 'sixteen'"),
    (_design(modules=[_IP.replace('<PROPERTY NAME="BIT_WIDTH" VALUE="0x2"/>', "")]),
     "field GO of register CTRL of ip_0: BIT_WIDTH is missing"),
])
def test_snippet_malformed_content(text, message):
    with pytest.raises(HwhFormatError, match=message):
        HwhParser(text=text)


def test_neither_or_both_sources_refused():
    with pytest.raises(ValueError, match="exactly one"):
        HwhParser()
    with pytest.raises(ValueError, match="exactly one"):
        HwhParser(text="<EDKSYSTEM/>", path="x.hwh")


def test_snippet_without_ps_is_a_partial_design():
    # A reconfigurable module's .hwh: no PS; addresses come from any MEMORYMAP and the
    # mem_id is the master interface at the partition boundary, as in PYNQ.
    master = _module("rm_dma", "axi_dma", body="<MEMORYMAP>" + _memrange(
        "ip_0", "0xB0000000", "0xB000FFFF", master="M_AXI") + "</MEMORYMAP>")
    text = ('<EDKSYSTEM><MODULES>' + _IP + master + '</MODULES></EDKSYSTEM>')
    parser = HwhParser(text=text)
    assert parser.ps_name is None and parser.family_ps is None and parser.partial
    assert parser.ip_dict["ip_0"]["phys_addr"] == 0xB0000000
    assert parser.ip_dict["ip_0"]["mem_id"] == "M_AXI"
    assert parser.mem_dict == {} and parser.clock_dict == {}
    assert HwhParser(text="<EDKSYSTEM/>").ip_dict == {}


def test_snippet_partial_flag_is_kept():
    assert HwhParser(text=_design(modules=[_IP]), partial=True).partial is True


def test_snippet_several_ranges_and_memories():
    bram_ctrl = _module("bram_ctrl", "axi_bram_ctrl")
    two = _module("two", "two_ranges", body="""<ADDRESSBLOCKS>
        <ADDRESSBLOCK INTERFACE="S_A" NAME="Reg"><REGISTERS><REGISTER NAME="A">
          <PROPERTY NAME="ADDRESS_OFFSET" VALUE="0"/><PROPERTY NAME="SIZE" VALUE="32"/>
        </REGISTER></REGISTERS></ADDRESSBLOCK>
        <ADDRESSBLOCK INTERFACE="S_B" NAME="Reg"><REGISTERS><REGISTER NAME="B">
          <PROPERTY NAME="ADDRESS_OFFSET" VALUE="4"/><PROPERTY NAME="SIZE" VALUE="32"/>
        </REGISTER></REGISTERS></ADDRESSBLOCK></ADDRESSBLOCKS>""")
    hier = _module("hier_0_inner", "my_ip", fullname="hier_0/inner")
    ranges = [_memrange("two", "0xA0000000", "0xA0000FFF", slave="S_A"),
              _memrange("two", "0xA0001000", "0xA0001FFF", slave="S_B"),
              _memrange("bram_ctrl", "0xA0100000", "0xA0101FFF", memtype="MEMORY",
                        block="Mem0"),
              _memrange("hier_0_inner", "0xA0200000", "0xA020FFFF")]
    parser = HwhParser(text=_design(ranges=ranges, modules=[two, bram_ctrl, hier]))
    assert set(parser.ip_dict) == {"two/S_A", "two/S_B", "hier_0/inner", "ps_0"}
    assert list(parser.ip_dict["two/S_A"]["registers"]) == ["A"]
    assert list(parser.ip_dict["two/S_B"]["registers"]) == ["B"]
    assert parser.ip_dict["two/S_B"]["fullpath"] == "two/S_B"
    assert parser.mem_dict["bram_ctrl"]["addr_range"] == 0x2000
    assert parser.mem_dict["bram_ctrl"]["used"] == 1
    assert parser.hierarchy_dict["two"]["ip"].keys() == {"S_A", "S_B"}
    assert parser.hierarchy_dict["hier_0"]["ip"]["inner"] is parser.ip_dict["hier_0/inner"]
    assert parser.hierarchy_dict["hier_0"]["fullpath"] == "hier_0"


def test_snippet_interrupt_tree_and_gpio():
    # ip_0/irq -> concat In0; axi_intc irq -> concat In1 (IN0_WIDTH 2 -> index 2);
    # concat dout -> pl_ps_irq0; ip_1/irq -> intc intr; ip_2/irq -> pl_ps_irq1;
    # emio_gpio_o -> xlslice DIN_FROM 5 -> ip_1/reset.
    ps_ports = [_port("pl_ps_irq0", "I", "concat_dout", SIGIS="INTERRUPT"),
                _port("pl_ps_irq1", "I", "ip_2_irq", SIGIS="INTERRUPT"),
                _port("emio_gpio_o", "O", "emio")]
    concat = _module("concat", "xlconcat", params={"NUM_PORTS": "2", "IN0_WIDTH": "2"},
                     ports=[_port("In0", "I", "ip_0_irq"), _port("In1", "I", "intc_irq"),
                            _port("dout", "O", "concat_dout")])
    intc = _module("intc", "axi_intc", ports=[_port("intr", "I", "ip_1_irq"),
                                              _port("irq", "O", "intc_irq")])
    ip0 = _module("ip_0", "my_ip", body=_REGS, ports=[_port("irq", "O", "ip_0_irq",
                                                            SIGIS="INTERRUPT")])
    ip1 = _module("ip_1", "my_ip", ports=[_port("irq", "O", "ip_1_irq"),
                                          _port("reset", "I", "gpio5")])
    # ip_2 is joined to the PS by CONNECTIONS only (no SIGNAME), as some files write it.
    ip2 = _module("ip_2", "stream_only",
                  ports=[_port("irq", "O", connections=[("ps_0", "pl_ps_irq1")])])
    slice5 = _module("slice5", "xlslice", params={"DIN_FROM": "5", "DIN_TO": "5"},
                     ports=[_port("Din", "I", "emio"), _port("Dout", "O", "gpio5")])
    ranges = [_memrange("ip_0", "0xA0000000", "0xA0000FFF"),
              _memrange("ip_1", "0xA0010000", "0xA0010FFF"),
              _memrange("intc", "0xA0020000", "0xA002FFFF")]
    parser = HwhParser(text=_design(ranges=ranges, ps_ports=ps_ports,
                                    modules=[concat, intc, ip0, ip1, ip2, slice5]))
    assert parser.interrupt_controllers == {"intc": {"parent": "", "index": 2,
                                                     "raw_irq": 123}}
    assert parser.interrupt_pins == {
        "ip_0/irq": {"controller": "", "index": 0, "fullpath": "ip_0/irq", "raw_irq": 121},
        "ip_1/irq": {"controller": "intc", "index": 0, "fullpath": "ip_1/irq"},
        "ip_2/irq": {"controller": "", "index": 8, "fullpath": "ip_2/irq", "raw_irq": 136},
    }
    assert parser.ip_dict["ip_1"]["interrupts"]["irq"]["controller"] == "intc"
    assert "ip_2" not in parser.ip_dict          # no address: only its interrupt pin
    assert parser.gpio_dict == {"slice5": {"index": 5, "state": None,
                                           "pins": {"slice5/Dout", "ip_1/reset"}}}
    assert parser.ip_dict["ip_1"]["gpio"]["reset"]["index"] == 5


def test_snippet_zynq7000():
    params = {"PCW_FPGA_FCLK0_ENABLE": "1", "PCW_FCLK0_PERIPHERAL_DIVISOR0": "5",
              "PCW_FCLK0_PERIPHERAL_DIVISOR1": "2",
              "PCW_ACT_FPGA0_PERIPHERAL_FREQMHZ": "100.000000"}
    ports = [_port("IRQ_F2P", "I", "ip_0_irq")]
    ip0 = _module("ip_0", "my_ip", ports=[_port("irq", "O", "ip_0_irq")])
    parser = HwhParser(text=_design("processing_system7", ps_params=params,
                                    ps_ports=ports, modules=[ip0]))
    assert (parser.ps_name, parser.family_ps) == ("ps_0", "ps7")
    assert parser.clock_dict[0] == {"enable": 1, "divisor0": 5, "divisor1": 2,
                                    "frequency_mhz": 100.0}
    assert parser.interrupt_pins["ip_0/irq"]["raw_irq"] == 61
    assert parser.mem_dict["PSDDR"]["addr_range"] == 0x40000000
