// sim_tests' power-on design (design package power_on): registers whose first value comes
// from Verilog initialisation, not from reset, so a test can tell a fresh model (a real
// reconfiguration) from one that was merely reset. At BASE (pynq-remote-design -GBASE):
//   0x0 INIT_VALUE  read-write, power-on 0xC0FFEE01 (reg initialiser), kept through reset
//   0x4 INIT_BLOCK  read-write, power-on 0x600DB007 (initial block), kept through reset
//   0x8 RESET_VALUE read-write, 0 after reset
//   0xC ID          read-only 0x504F4E31 ("PON1")
module power_on #(
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
  reg  [31:0] init_value = 32'hC0FFEE01;
  reg  [31:0] init_block;
  reg  [31:0] reset_value;

  initial init_block = 32'h600DB007;

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
      reset_value <= 32'h0;
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
          if (aw_off[11:2] == 10'd0) init_value <= s_axil_wdata;
          if (aw_off[11:2] == 10'd1) init_block <= s_axil_wdata;
          if (aw_off[11:2] == 10'd2) reset_value <= s_axil_wdata;
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
            10'd0:   s_axil_rdata <= init_value;
            10'd1:   s_axil_rdata <= init_block;
            10'd2:   s_axil_rdata <= reset_value;
            10'd3:   s_axil_rdata <= 32'h504F4E31;
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
