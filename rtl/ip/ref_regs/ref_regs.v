// pr_ref_regs: identification, scratch registers and a free-running cycle counter (the
// reference design ref_accel, instance ref_regs_0; VLNV pynq-remote:sim:ref_regs:1.0).
// 0x00 ID (0x52454641 "REFA"), 0x04 VERSION (0x00010000), 0x10..0x1C SCRATCH0..3 (byte
// strobes honoured), 0x20 CYCLE_LO (reading it latches CYCLE_HI), 0x24 CYCLE_HI, 0x28 STALL
// (the next read of this slave waits that many cycles, then STALL clears: how tests provoke a
// bus timeout; a write in the cycle the read is taken keeps it). Other offsets: SLVERR.
// AXI4-Lite slave behind common/axil_slave.v, registered timing (the read waits there).
`default_nettype none
/* verilator lint_off DECLFILENAME */  // README: file <core>.v holds module pr_<core>
module pr_ref_regs #(
    parameter integer C_S_AXI_ADDR_WIDTH = 12
) (
    input  wire                          clk,
    input  wire                          rst_n,
    input  wire [C_S_AXI_ADDR_WIDTH-1:0] s_axi_awaddr,
    input  wire                          s_axi_awvalid,
    output wire                          s_axi_awready,
    input  wire [31:0]                   s_axi_wdata,
    input  wire [3:0]                    s_axi_wstrb,
    input  wire                          s_axi_wvalid,
    output wire                          s_axi_wready,
    output wire [1:0]                    s_axi_bresp,
    output wire                          s_axi_bvalid,
    input  wire                          s_axi_bready,
    input  wire [C_S_AXI_ADDR_WIDTH-1:0] s_axi_araddr,
    input  wire                          s_axi_arvalid,
    output wire                          s_axi_arready,
    output wire [31:0]                   s_axi_rdata,
    output wire [1:0]                    s_axi_rresp,
    output wire                          s_axi_rvalid,
    input  wire                          s_axi_rready,
    output wire                          busy
);
  localparam [31:0] kId = 32'h52454641, kVersion = 32'h00010000;

  wire        wr, rd, rd_accept;
  wire [31:0] waddr, raddr, wdata, wmask;
  wire [3:0]  unused_wstrb;  // wmask carries the lanes
  reg  [31:0] rdata;
  reg         wr_err, rd_err;
  reg  [31:0] scratch [0:3];
  reg  [63:0] cycles;
  reg  [31:0] cycles_hi_latch;
  reg  [31:0] stall;
  integer i;

  pr_axil_slave #(.ADDR_WIDTH(C_S_AXI_ADDR_WIDTH), .REGISTERED(1)) axil (
      .clk(clk), .rst_n(rst_n),
      .awaddr(s_axi_awaddr), .awvalid(s_axi_awvalid), .awready(s_axi_awready),
      .wdata(s_axi_wdata), .wstrb(s_axi_wstrb), .wvalid(s_axi_wvalid), .wready(s_axi_wready),
      .bresp(s_axi_bresp), .bvalid(s_axi_bvalid), .bready(s_axi_bready),
      .araddr(s_axi_araddr), .arvalid(s_axi_arvalid), .arready(s_axi_arready),
      .rdata(s_axi_rdata), .rresp(s_axi_rresp), .rvalid(s_axi_rvalid), .rready(s_axi_rready),
      .wr(wr), .wr_addr(waddr), .wr_data(wdata), .wr_strb(unused_wstrb), .wr_mask(wmask),
      .wr_err(wr_err), .rd(rd), .rd_addr(raddr), .rd_data(rdata), .rd_err(rd_err),
      .rd_accept(rd_accept), .rd_wait(stall), .active(busy));

  wire [11:0] wr_off = waddr[11:0], rd_off = raddr[11:0];
  always @(*) begin
    wr_err = !(wr_off[11:4] == 8'h01 || wr_off == 12'h028);
    rd_err = 1'b0;
    rdata = 32'd0;
    case (rd_off)
      12'h000: rdata = kId;
      12'h004: rdata = kVersion;
      12'h010: rdata = scratch[0];
      12'h014: rdata = scratch[1];
      12'h018: rdata = scratch[2];
      12'h01C: rdata = scratch[3];
      12'h020: rdata = cycles[31:0];
      12'h024: rdata = cycles_hi_latch;
      12'h028: rdata = stall;
      default: rd_err = 1'b1;
    endcase
  end

  always @(posedge clk) begin
    if (!rst_n) begin
      for (i = 0; i < 4; i = i + 1) scratch[i] <= 32'd0;
      cycles <= 64'd0;
      cycles_hi_latch <= 32'd0;
      stall <= 32'd0;
    end else begin
      cycles <= cycles + 64'd1;
      if (wr && !wr_err) begin
        if (wr_off == 12'h028) stall <= (stall & ~wmask) | (wdata & wmask);
        else scratch[wr_off[3:2]] <= (scratch[wr_off[3:2]] & ~wmask) | (wdata & wmask);
      end else if (rd_accept && stall != 32'd0) begin
        stall <= 32'd0;
      end
      if (rd && rd_off == 12'h020) cycles_hi_latch <= cycles[63:32];
    end
  end

  wire unused = &{1'b0, waddr[31:12], raddr[31:12]};
endmodule
`default_nettype wire
