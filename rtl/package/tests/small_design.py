"""A small user design written from scratch into any folder: a format-1 AXI-Lite peripheral
(hand-written top, a BASE parameter, the legacy shell's master tied off) and its manifest.
The design-package tests (here and hil-tests/python/test_design_packages.py) build it outside
the source tree the way a user would.

Registers (offsets from the manifest's base): 0x0 A (read-write), 0x4 B (read-write),
0x8 SUM = A + B (read-only), 0xC ID = 0x5EED0001 (read-only). Other offsets inside the
4 KiB window read 0; addresses outside it answer DECERR.
"""
import json
import os

ID = 0x5EED0001

VERILOG = r"""// A small AXI4-Lite peripheral at BASE (the manifest's base: pynq-remote-design -GBASE).
module %(top)s #(
    parameter [31:0] BASE = 32'h0
) (
    input  wire        clk,
    input  wire        rst_n,
    input  wire [31:0] s_axil_awaddr,
    input  wire        s_axil_awvalid,
    output reg         s_axil_awready,
    input  wire [31:0] s_axil_wdata,
    input  wire [3:0]  s_axil_wstrb,
    input  wire        s_axil_wvalid,
    output reg         s_axil_wready,
    output reg  [1:0]  s_axil_bresp,
    output reg         s_axil_bvalid,
    input  wire        s_axil_bready,
    input  wire [31:0] s_axil_araddr,
    input  wire        s_axil_arvalid,
    output reg         s_axil_arready,
    output reg  [31:0] s_axil_rdata,
    output reg  [1:0]  s_axil_rresp,
    output reg         s_axil_rvalid,
    input  wire        s_axil_rready,
    output wire [39:0] m_axi_awaddr,
    output wire [7:0]  m_axi_awlen,
    output wire [2:0]  m_axi_awsize,
    output wire [1:0]  m_axi_awburst,
    output wire        m_axi_awvalid,
    input  wire        m_axi_awready,
    output wire [63:0] m_axi_wdata,
    output wire [7:0]  m_axi_wstrb,
    output wire        m_axi_wlast,
    output wire        m_axi_wvalid,
    input  wire        m_axi_wready,
    input  wire [1:0]  m_axi_bresp,
    input  wire        m_axi_bvalid,
    output wire        m_axi_bready,
    output wire [39:0] m_axi_araddr,
    output wire [7:0]  m_axi_arlen,
    output wire [2:0]  m_axi_arsize,
    output wire [1:0]  m_axi_arburst,
    output wire        m_axi_arvalid,
    input  wire        m_axi_arready,
    input  wire [63:0] m_axi_rdata,
    input  wire [1:0]  m_axi_rresp,
    input  wire        m_axi_rlast,
    input  wire        m_axi_rvalid,
    output wire        m_axi_rready,
    output wire [15:0] irq,
    output wire        busy
);
  localparam [31:0] SPAN = 32'h1000;
  wire [31:0] aw_off = s_axil_awaddr - BASE;
  wire [31:0] ar_off = s_axil_araddr - BASE;
  reg  [31:0] a, b;

  always @(posedge clk) begin
    if (!rst_n) begin
      s_axil_awready <= 1'b0;
      s_axil_wready  <= 1'b0;
      s_axil_bvalid  <= 1'b0;
      s_axil_bresp   <= 2'b00;
      s_axil_arready <= 1'b0;
      s_axil_rvalid  <= 1'b0;
      s_axil_rresp   <= 2'b00;
      s_axil_rdata   <= 32'h0;
      a <= 32'h0;
      b <= 32'h0;
    end else begin
      s_axil_awready <= 1'b0;
      s_axil_wready  <= 1'b0;
      s_axil_arready <= 1'b0;
      if (s_axil_bvalid && s_axil_bready) s_axil_bvalid <= 1'b0;
      if (s_axil_rvalid && s_axil_rready) s_axil_rvalid <= 1'b0;
      if (s_axil_awvalid && s_axil_wvalid && !s_axil_awready && !s_axil_bvalid) begin
        s_axil_awready <= 1'b1;
        s_axil_wready  <= 1'b1;
        s_axil_bvalid  <= 1'b1;
        if (aw_off < SPAN) begin
          s_axil_bresp <= 2'b00;
          if (aw_off[11:2] == 10'd0) a <= s_axil_wdata;
          if (aw_off[11:2] == 10'd1) b <= s_axil_wdata;
        end else begin
          s_axil_bresp <= 2'b11;
        end
      end
      if (s_axil_arvalid && !s_axil_arready && !s_axil_rvalid) begin
        s_axil_arready <= 1'b1;
        s_axil_rvalid  <= 1'b1;
        if (ar_off < SPAN) begin
          s_axil_rresp <= 2'b00;
          case (ar_off[11:2])
            10'd0:   s_axil_rdata <= a;
            10'd1:   s_axil_rdata <= b;
            10'd2:   s_axil_rdata <= a + b;
            10'd3:   s_axil_rdata <= 32'h%(id)08X;
            default: s_axil_rdata <= 32'h0;
          endcase
        end else begin
          s_axil_rresp <= 2'b11;
          s_axil_rdata <= 32'h0;
        end
      end
    end
  end

  // The shell's master is not used: outputs idle, inputs collected in one *unused* sink.
  assign m_axi_awaddr  = 40'h0;
  assign m_axi_awlen   = 8'h0;
  assign m_axi_awsize  = 3'h0;
  assign m_axi_awburst = 2'h0;
  assign m_axi_awvalid = 1'b0;
  assign m_axi_wdata   = 64'h0;
  assign m_axi_wstrb   = 8'h0;
  assign m_axi_wlast   = 1'b0;
  assign m_axi_wvalid  = 1'b0;
  assign m_axi_bready  = 1'b1;
  assign m_axi_araddr  = 40'h0;
  assign m_axi_arlen   = 8'h0;
  assign m_axi_arsize  = 3'h0;
  assign m_axi_arburst = 2'h0;
  assign m_axi_arvalid = 1'b0;
  assign m_axi_rready  = 1'b1;
  assign irq  = 16'h0;
  assign busy = 1'b0;
  wire _unused = &{1'b0, s_axil_wstrb, m_axi_awready, m_axi_wready, m_axi_bresp, m_axi_bvalid,
                   m_axi_arready, m_axi_rdata, m_axi_rresp, m_axi_rlast, m_axi_rvalid};
endmodule
"""


def manifest(name, top, base, board="ZCU104", part="xczu7ev-ffvc1156-2-e"):
    return {
        "name": name, "top": top, "sources": [top + ".v"],
        "board": "xilinx.com:zcu104:part0:1.1", "board_name": board, "part": part,
        "clocks": [{"name": "pl_clk0", "index": 0, "freq_mhz": 100.0}],
        "ps": {"master_ports": {"M_AXI_HPM0_FPD": 32}, "slave_ports": {}},
        "instances": [{
            "name": "adder_0", "vlnv": "example.com:user:adder:1.0",
            "base": "0x%08X" % base, "range": "0x1000", "interface": "s_axi",
            "ps_port": "M_AXI_HPM0_FPD", "description": "a small adder",
            "registers": [
                {"name": "A", "offset": "0x0", "size": 32, "access": "read-write",
                 "description": "operand A"},
                {"name": "B", "offset": "0x4", "size": 32, "access": "read-write",
                 "description": "operand B"},
                {"name": "SUM", "offset": "0x8", "size": 32, "access": "read-only",
                 "description": "A + B"},
                {"name": "ID", "offset": "0xC", "size": 32, "access": "read-only",
                 "description": "0x%08X" % ID}]}]}


def write(folder, name="adder", top="adder_top", base=0xA0010000, **kw):
    """Writes <folder>/manifest.json and <folder>/<top>.v; returns the manifest's path."""
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, top + ".v"), "w") as f:
        f.write(VERILOG % {"top": top, "id": ID})
    path = os.path.join(folder, "manifest.json")
    with open(path, "w") as f:
        json.dump(manifest(name, top, base, **kw), f, indent=2)
    return path
