// ref_accel: the reference design of the simulated board.
// Shell convention (rtl/README.md): clk, rst_n, AXI4-Lite slave s_axil_* carrying the full
// physical address (low 32 bits), AXI4 master m_axi_* into DDR (40-bit address, 64-bit data,
// INCR bursts), irq[15:0] to the PS, busy = OR of all activity.
// Instances: ref_regs_0 at 0xA000_0000 (0x1000), mem_accel_0 at 0xA001_0000 (0x1000).
// Anything else in the window answers DECERR; a hole inside an instance answers SLVERR.
`default_nettype none
module ref_accel (
    input  wire        clk,
    input  wire        rst_n,
    // AXI4-Lite slave: write address channel
    input  wire [31:0] s_axil_awaddr,
    input  wire        s_axil_awvalid,
    output reg         s_axil_awready,
    // write data channel
    input  wire [31:0] s_axil_wdata,
    input  wire [3:0]  s_axil_wstrb,
    input  wire        s_axil_wvalid,
    output reg         s_axil_wready,
    // write response channel
    output reg  [1:0]  s_axil_bresp,
    output reg         s_axil_bvalid,
    input  wire        s_axil_bready,
    // read address channel
    input  wire [31:0] s_axil_araddr,
    input  wire        s_axil_arvalid,
    output reg         s_axil_arready,
    // read data channel
    output reg  [31:0] s_axil_rdata,
    output reg  [1:0]  s_axil_rresp,
    output reg         s_axil_rvalid,
    input  wire        s_axil_rready,
    // AXI4 master: write address channel
    output wire [39:0] m_axi_awaddr,
    output wire [7:0]  m_axi_awlen,
    output wire [2:0]  m_axi_awsize,
    output wire [1:0]  m_axi_awburst,
    output wire        m_axi_awvalid,
    input  wire        m_axi_awready,
    // write data channel
    output wire [63:0] m_axi_wdata,
    output wire [7:0]  m_axi_wstrb,
    output wire        m_axi_wlast,
    output wire        m_axi_wvalid,
    input  wire        m_axi_wready,
    // write response channel
    input  wire [1:0]  m_axi_bresp,
    input  wire        m_axi_bvalid,
    output wire        m_axi_bready,
    // read address channel
    output wire [39:0] m_axi_araddr,
    output wire [7:0]  m_axi_arlen,
    output wire [2:0]  m_axi_arsize,
    output wire [1:0]  m_axi_arburst,
    output wire        m_axi_arvalid,
    input  wire        m_axi_arready,
    // read data channel
    input  wire [63:0] m_axi_rdata,
    input  wire [1:0]  m_axi_rresp,
    input  wire        m_axi_rlast,
    input  wire        m_axi_rvalid,
    output wire        m_axi_rready,
    // to the PS
    output wire [15:0] irq,
    output wire        busy
);
  localparam [1:0] kOkay = 2'b00, kSlvErr = 2'b10, kDecErr = 2'b11;
  localparam [19:0] kRegsPage = 20'hA0000, kAccelPage = 20'hA0010;

  // ---- AXI4-Lite slave -> simple register bus (one access per instance per cycle) ----
  wire        aw_take = s_axil_awvalid && s_axil_wvalid && !s_axil_bvalid && !s_axil_awready;
  reg         wr_en;
  reg  [31:0] wr_addr, wr_data;
  reg  [3:0]  wr_strb;
  reg         rd_pending;   // address accepted, waiting for the stall counter
  reg  [31:0] rd_addr;
  reg  [31:0] stall_left;

  wire        regs_wr = wr_en && wr_addr[31:12] == kRegsPage;
  wire        accel_wr = wr_en && wr_addr[31:12] == kAccelPage;
  wire        rd_fire = rd_pending && stall_left == 0 && !s_axil_rvalid;
  wire        regs_rd = rd_fire && rd_addr[31:12] == kRegsPage;
  wire        accel_rd = rd_fire && rd_addr[31:12] == kAccelPage;

  wire [31:0] regs_rdata, accel_rdata;
  wire        regs_rerr, regs_werr, accel_rerr, accel_werr;
  wire [31:0] stall_request;
  wire        stall_armed;

  always @(posedge clk) begin
    if (!rst_n) begin
      s_axil_awready <= 1'b0;
      s_axil_wready <= 1'b0;
      s_axil_bvalid <= 1'b0;
      s_axil_bresp <= kOkay;
      s_axil_arready <= 1'b0;
      s_axil_rvalid <= 1'b0;
      s_axil_rresp <= kOkay;
      s_axil_rdata <= 32'd0;
      wr_en <= 1'b0;
      wr_addr <= 32'd0;
      wr_data <= 32'd0;
      wr_strb <= 4'd0;
      rd_pending <= 1'b0;
      rd_addr <= 32'd0;
      stall_left <= 32'd0;
    end else begin
      // write: take address and data together, perform next cycle, then respond
      s_axil_awready <= aw_take;
      s_axil_wready <= aw_take;
      wr_en <= aw_take;
      if (aw_take) begin
        wr_addr <= s_axil_awaddr;
        wr_data <= s_axil_wdata;
        wr_strb <= s_axil_wstrb;
      end
      if (wr_en) begin
        s_axil_bvalid <= 1'b1;
        s_axil_bresp <= regs_wr ? (regs_werr ? kSlvErr : kOkay)
                      : accel_wr ? (accel_werr ? kSlvErr : kOkay) : kDecErr;
      end else if (s_axil_bvalid && s_axil_bready) begin
        s_axil_bvalid <= 1'b0;
      end
      // read: accept the address, wait out an armed stall, then answer
      s_axil_arready <= 1'b0;
      if (s_axil_arvalid && !s_axil_arready && !rd_pending && !s_axil_rvalid) begin
        s_axil_arready <= 1'b1;
        rd_pending <= 1'b1;
        rd_addr <= s_axil_araddr;
        stall_left <= stall_armed ? stall_request : 32'd0;
      end else if (rd_pending && stall_left != 0) begin
        stall_left <= stall_left - 32'd1;
      end
      if (rd_fire) begin
        rd_pending <= 1'b0;
        s_axil_rvalid <= 1'b1;
        s_axil_rdata <= regs_rd ? regs_rdata : accel_rd ? accel_rdata : 32'd0;
        s_axil_rresp <= regs_rd ? (regs_rerr ? kSlvErr : kOkay)
                      : accel_rd ? (accel_rerr ? kSlvErr : kOkay) : kDecErr;
      end else if (s_axil_rvalid && s_axil_rready) begin
        s_axil_rvalid <= 1'b0;
      end
    end
  end

  wire stall_consume = s_axil_arvalid && !s_axil_arready && !rd_pending && !s_axil_rvalid;

  ref_regs ref_regs_0 (
      .clk(clk), .rst_n(rst_n),
      .wr_en(regs_wr), .wr_off(wr_addr[11:0]), .wr_data(wr_data), .wr_strb(wr_strb),
      .wr_err(regs_werr),
      .rd_en(regs_rd), .rd_off(rd_addr[11:0]), .rd_data(regs_rdata), .rd_err(regs_rerr),
      .stall_consume(stall_consume), .stall_cycles(stall_request), .stall_armed(stall_armed));

  wire accel_busy, accel_irq;
  mem_accel mem_accel_0 (
      .clk(clk), .rst_n(rst_n),
      .wr_en(accel_wr), .wr_off(wr_addr[11:0]), .wr_data(wr_data), .wr_strb(wr_strb),
      .wr_err(accel_werr),
      .rd_en(accel_rd), .rd_off(rd_addr[11:0]), .rd_data(accel_rdata), .rd_err(accel_rerr),
      .m_axi_awaddr(m_axi_awaddr), .m_axi_awlen(m_axi_awlen), .m_axi_awsize(m_axi_awsize),
      .m_axi_awburst(m_axi_awburst), .m_axi_awvalid(m_axi_awvalid),
      .m_axi_awready(m_axi_awready),
      .m_axi_wdata(m_axi_wdata), .m_axi_wstrb(m_axi_wstrb), .m_axi_wlast(m_axi_wlast),
      .m_axi_wvalid(m_axi_wvalid), .m_axi_wready(m_axi_wready),
      .m_axi_bresp(m_axi_bresp), .m_axi_bvalid(m_axi_bvalid), .m_axi_bready(m_axi_bready),
      .m_axi_araddr(m_axi_araddr), .m_axi_arlen(m_axi_arlen), .m_axi_arsize(m_axi_arsize),
      .m_axi_arburst(m_axi_arburst), .m_axi_arvalid(m_axi_arvalid),
      .m_axi_arready(m_axi_arready),
      .m_axi_rdata(m_axi_rdata), .m_axi_rresp(m_axi_rresp), .m_axi_rlast(m_axi_rlast),
      .m_axi_rvalid(m_axi_rvalid), .m_axi_rready(m_axi_rready),
      .busy(accel_busy), .interrupt(accel_irq));

  assign irq = {15'd0, accel_irq};
  assign busy = accel_busy || rd_pending || wr_en || s_axil_bvalid || s_axil_rvalid;
endmodule
`default_nettype wire
