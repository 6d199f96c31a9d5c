#!/usr/bin/python3
"""What pynq-remote-design import does with each Vivado IP of a block design (issue 16).

lookup(vlnv) -> Entry or None. An Entry's kind is one of:

* "ps":    the processing system; its family is Entry.family.
* "fold":  an IP the simulated board stands for by itself and leaves out of the generated top:
           AXI interconnects, SmartConnect, crossbars, protocol/width converters and register
           slices on AXI4 (memory-mapped) buses, clock wizards, reset blocks, buffers. The board
           has one PL clock and one reset, its AXI4-Lite decoder replaces the PS-side
           interconnects and its per-port arbiters the DDR-side ones.
* "core":  one of our models (rtl/ip/<dir>/<file>.v, module Entry.module): Entry.interfaces maps
           the .hwh BUSINTERFACE names to (type, mode, Verilog prefix); Entry.renames maps .hwh
           PARAMETERs to Verilog parameters of another name (the rest match by name, see
           params_for).
* "net":   xlconcat / xlconstant / xlslice: folded into the interrupt routing when they carry
           interrupts, else instances of C2's pr_xlconcat / pr_xlconstant / pr_xlslice.

VLNVs match as vendor:library:name at any version. Standard library only.
"""
import collections

Entry = collections.namedtuple("Entry", "kind module source interfaces renames family")


def _core(module, source, interfaces=None, renames=None):
    return Entry("core", module, source, interfaces or {}, renames or {}, None)


def _axis(name, prefix, mode):
    return {name: ("axis", mode, prefix)}


def _lite(name, prefix):
    return {name: ("axilite", "slave", prefix)}


def _aximm(name, prefix):
    return {name: ("aximm", "master", prefix)}


FOLD = ("xilinx.com:ip:axi_interconnect", "xilinx.com:ip:smartconnect",
        "xilinx.com:ip:axi_crossbar", "xilinx.com:ip:axi_protocol_converter",
        "xilinx.com:ip:axi_dwidth_converter", "xilinx.com:ip:axi_register_slice",
        "xilinx.com:ip:axi_clock_converter", "xilinx.com:ip:proc_sys_reset",
        "xilinx.com:ip:clk_wiz", "xilinx.com:ip:util_ds_buf")

PS = {"xilinx.com:ip:zynq_ultra_ps_e": "zynqmp", "xilinx.com:ip:processing_system7": "zynq7000"}

_DMA_IFS = {}
_DMA_IFS.update(_lite("S_AXI_LITE", "s_axi_lite_"))
_DMA_IFS.update(_aximm("M_AXI_MM2S", "m_axi_mm2s_"))
_DMA_IFS.update(_aximm("M_AXI_S2MM", "m_axi_s2mm_"))
_DMA_IFS.update(_aximm("M_AXI_SG", "m_axi_sg_"))
_DMA_IFS.update(_axis("M_AXIS_MM2S", "m_axis_mm2s_", "master"))
_DMA_IFS.update(_axis("S_AXIS_S2MM", "s_axis_s2mm_", "slave"))

_STREAM_1TO1 = dict(_axis("S_AXIS", "s_axis_", "slave"), **_axis("M_AXIS", "m_axis_", "master"))

_BROADCASTER = dict(_axis("S_AXIS", "s_axis_", "slave"))
for _i in range(8):
    _BROADCASTER.update(_axis("M%02d_AXIS" % _i, "m%02d_axis_" % _i, "master"))
_SWITCH = dict(_lite("S_AXI_CTRL", "s_axi_ctrl_"))
for _i in range(8):
    _SWITCH.update(_axis("S%02d_AXIS" % _i, "s%02d_axis_" % _i, "slave"))
    _SWITCH.update(_axis("M%02d_AXIS" % _i, "m%02d_axis_" % _i, "master"))

CORES = {
    # The DMA's width and address parameters are its own (PG021): the .hwh's names, except the
    # lower-case c_addr_width of the IP's GUI, which is the address width PYNQ's driver reads.
    "xilinx.com:ip:axi_dma": _core("pr_axi_dma", "axi_dma/axi_dma.v", _DMA_IFS,
                                   {"c_addr_width": "C_ADDR_WIDTH"}),
    "xilinx.com:ip:axi_gpio": _core("pr_axi_gpio", "axi_gpio/axi_gpio.v", _lite("S_AXI", "s_axi_")),
    "xilinx.com:ip:axi_intc": _core("pr_axi_intc", "axi_intc/axi_intc.v", _lite("S_AXI", "s_axi_")),
    "xilinx.com:ip:axis_data_fifo": _core("pr_axis_data_fifo", "axis_data_fifo/axis_data_fifo.v",
                                          _STREAM_1TO1),
    "xilinx.com:ip:axis_dwidth_converter": _core(
        "pr_axis_dwidth_converter", "axis_dwidth_converter/axis_dwidth_converter.v",
        _STREAM_1TO1),
    "xilinx.com:ip:axis_register_slice": _core(
        "pr_axis_register_slice", "axis_register_slice/axis_register_slice.v", _STREAM_1TO1),
    "xilinx.com:ip:axis_broadcaster": _core(
        "pr_axis_broadcaster", "axis_broadcaster/axis_broadcaster.v", _BROADCASTER),
    "xilinx.com:ip:axis_switch": _core("pr_axis_switch", "axis_switch/axis_switch.v", _SWITCH,
                                       {"ROUTING_MODE": "ROUTING"}),
}

NETS = {
    "xilinx.com:ip:xlconcat": _core("pr_xlconcat", "xlconcat/xlconcat.v"),
    "xilinx.com:ip:xlconstant": _core("pr_xlconstant", "xlconstant/xlconstant.v"),
    "xilinx.com:ip:xlslice": _core("pr_xlslice", "xlslice/xlslice.v"),
}

STAND_IN = _core("pr_reg_stand_in", "reg_stand_in/reg_stand_in.v", _lite("S_AXI", "s_axi_"))


def stem(vlnv):
    """vendor:library:name of a VLNV (the version dropped)."""
    parts = (vlnv or "").split(":")
    return ":".join(parts[:3]) if len(parts) >= 3 else (vlnv or "")


def lookup(vlnv):
    key = stem(vlnv)
    if key in PS:
        return Entry("ps", None, None, {}, {}, PS[key])
    if key in FOLD:
        return Entry("fold", None, None, {}, {}, None)
    if key in NETS:
        return NETS[key]._replace(kind="net")
    return CORES.get(key)


def _as_int(value):
    try:
        v = int(str(value).strip(), 0)
    except ValueError:
        return None
    return v if 0 <= v < 1 << 32 else None


def params_for(entry, hwh_params, verilog_params):
    """Verilog parameter overrides from the .hwh's PARAMETERs: every Verilog parameter of the
    module whose name (exactly, through entry.renames, else in any case) is a .hwh PARAMETER
    with an integer value (decimal, 0x.., 0b..)."""
    out = {}
    lowered = {}
    for k, v in hwh_params.items():
        lowered.setdefault(k.lower(), v)
    renamed = {dst: hwh_params[src] for src, dst in (entry.renames if entry else {}).items()
               if src in hwh_params}
    for name in verilog_params:
        if name in hwh_params:
            value = hwh_params[name]
        elif name in renamed:
            value = renamed[name]
        elif name.lower() in lowered:
            value = lowered[name.lower()]
        else:
            continue
        v = _as_int(value)
        # Vivado writes 0 for an absent sideband (TDEST_WIDTH, TID_WIDTH, TUSER_WIDTH = 0):
        # our cores always have the port, so a zero width keeps the core's default.
        if v is not None and not (v == 0 and name.endswith("_WIDTH")):
            out[name] = v
    return out
