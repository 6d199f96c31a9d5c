// pr_axi_gpio: register-compatible with xilinx.com:ip:axi_gpio:2.0 (PG144, "AXI GPIO v2.0
// LogiCORE IP Product Guide", chapter "Register Space"), as PYNQ's pynq/lib/axigpio.py drives it.
//
// 0x000 GPIO_DATA   channel 1 data. Bits configured as inputs (tri = 1) read the input pins
//                   (sampled once), bits configured as outputs read the output register.
//                   Writes go to the output register (driven only on bits whose tri is 0).
// 0x004 GPIO_TRI    channel 1 direction, 1 = input (3-state), 0 = output. Reset C_TRI_DEFAULT.
// 0x008 GPIO2_DATA  channel 2 (C_IS_DUAL = 1), as GPIO_DATA
// 0x00C GPIO2_TRI   channel 2, as GPIO_TRI
// 0x11C GIER        bit 31: global interrupt enable                (C_INTERRUPT_PRESENT = 1)
// 0x120 IP ISR      bit 0 channel 1, bit 1 channel 2 input changed; toggle on write (TOW)
// 0x128 IP IER      bit 0 channel 1, bit 1 channel 2
// Bits above a channel's width read 0. A channel with C_ALL_INPUTS(_2) = 1 has a fixed
// direction (TRI reads all ones, writes to DATA and TRI are ignored); C_ALL_OUTPUTS(_2) = 1
// reads the output register, TRI reads 0 and ignores writes. Without channel 2 or without
// interrupts those registers read 0 and ignore writes; every other offset too, all OKAY.
//
// Interrupts: an ISR bit is set when a bit of its channel configured as input changes (the
// status is recorded whatever IER says); ip2intc_irpt = GIER & |(ISR & IER), level high.
// An ISR write toggles the bits written as 1; an input change in the same cycle wins.
`default_nettype none
/* verilator lint_off DECLFILENAME */  // README: file <core>.v holds module pr_<core>
module pr_axi_gpio #(
    parameter integer C_S_AXI_ADDR_WIDTH = 9,
    parameter integer C_GPIO_WIDTH = 32,
    parameter integer C_GPIO2_WIDTH = 32,
    parameter integer C_IS_DUAL = 0,
    parameter integer C_ALL_INPUTS = 0,
    parameter integer C_ALL_INPUTS_2 = 0,
    parameter integer C_ALL_OUTPUTS = 0,
    parameter integer C_ALL_OUTPUTS_2 = 0,
    parameter integer C_INTERRUPT_PRESENT = 0,
    parameter [31:0]  C_DOUT_DEFAULT = 32'h00000000,
    parameter [31:0]  C_TRI_DEFAULT = 32'hFFFFFFFF,
    parameter [31:0]  C_DOUT_DEFAULT_2 = 32'h00000000,
    parameter [31:0]  C_TRI_DEFAULT_2 = 32'hFFFFFFFF
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
    input  wire [C_GPIO_WIDTH-1:0]       gpio_io_i,
    output wire [C_GPIO_WIDTH-1:0]       gpio_io_o,
    output wire [C_GPIO_WIDTH-1:0]       gpio_io_t,
    input  wire [C_GPIO2_WIDTH-1:0]      gpio2_io_i,
    output wire [C_GPIO2_WIDTH-1:0]      gpio2_io_o,
    output wire [C_GPIO2_WIDTH-1:0]      gpio2_io_t,
    output wire                          ip2intc_irpt,
    // Never busy: its state moves only on a bus access or an input pin (rtl/ip/README.md).
    output wire                          busy
);
  assign busy = 1'b0;
  localparam [31:0] kData = 32'h000, kTri = 32'h004, kData2 = 32'h008, kTri2 = 32'h00C,
                    kGier = 32'h11C, kIsr = 32'h120, kIer = 32'h128;
  localparam        kIrq = C_INTERRUPT_PRESENT != 0;
  localparam [1:0]  kIrqBits = C_IS_DUAL != 0 ? 2'b11 : 2'b01;

  // ---- AXI4-Lite slave (common/axil_slave.v): a write takes address and data together, a
  // read answers next cycle, always OKAY
  wire        wr, unused_rd, unused_rd_accept, unused_active;
  wire [31:0] waddr, raddr, wdata, wmask;
  wire [3:0]  wstrb;
  reg  [31:0] rdata;
  pr_axil_slave #(.ADDR_WIDTH(C_S_AXI_ADDR_WIDTH), .REGISTERED(0)) axil (
      .clk(clk), .rst_n(rst_n),
      .awaddr(s_axi_awaddr), .awvalid(s_axi_awvalid), .awready(s_axi_awready),
      .wdata(s_axi_wdata), .wstrb(s_axi_wstrb), .wvalid(s_axi_wvalid), .wready(s_axi_wready),
      .bresp(s_axi_bresp), .bvalid(s_axi_bvalid), .bready(s_axi_bready),
      .araddr(s_axi_araddr), .arvalid(s_axi_arvalid), .arready(s_axi_arready),
      .rdata(s_axi_rdata), .rresp(s_axi_rresp), .rvalid(s_axi_rvalid), .rready(s_axi_rready),
      .wr(wr), .wr_addr(waddr), .wr_data(wdata), .wr_strb(wstrb), .wr_mask(wmask),
      .wr_err(1'b0), .rd(unused_rd), .rd_addr(raddr), .rd_data(rdata), .rd_err(1'b0),
      .rd_accept(unused_rd_accept), .rd_wait(32'd0), .active(unused_active));
  wire unused_strb = &{1'b0, wstrb[2:1]};  // registers honour byte lanes 0 and 3 only

  // ---- the two channels
  wire [31:0] data1, dir1, data2, dir2;
  wire        changed1, changed2;
  pr_axi_gpio_channel #(
      .WIDTH(C_GPIO_WIDTH), .PRESENT(1), .ALL_INPUTS(C_ALL_INPUTS),
      .ALL_OUTPUTS(C_ALL_OUTPUTS), .DOUT_DEFAULT(C_DOUT_DEFAULT), .TRI_DEFAULT(C_TRI_DEFAULT)
  ) ch1 (
      .clk(clk), .rst_n(rst_n), .wr_data(wr && waddr == kData), .wr_tri(wr && waddr == kTri),
      .wdata(wdata), .wmask(wmask), .io_i(gpio_io_i), .io_o(gpio_io_o),
      .io_t(gpio_io_t), .data(data1), .tri_state(dir1), .changed(changed1));
  pr_axi_gpio_channel #(
      .WIDTH(C_GPIO2_WIDTH), .PRESENT(C_IS_DUAL), .ALL_INPUTS(C_ALL_INPUTS_2),
      .ALL_OUTPUTS(C_ALL_OUTPUTS_2), .DOUT_DEFAULT(C_DOUT_DEFAULT_2),
      .TRI_DEFAULT(C_TRI_DEFAULT_2)
  ) ch2 (
      .clk(clk), .rst_n(rst_n), .wr_data(wr && waddr == kData2),
      .wr_tri(wr && waddr == kTri2), .wdata(wdata), .wmask(wmask),
      .io_i(gpio2_io_i), .io_o(gpio2_io_o), .io_t(gpio2_io_t), .data(data2), .tri_state(dir2),
      .changed(changed2));

  // ---- interrupt registers
  reg       gier;
  reg [1:0] ier, isr;
  wire [1:0] events = {changed2, changed1} & kIrqBits;
  assign ip2intc_irpt = kIrq && gier && (isr & ier) != 2'b00;

  always @(*) begin
    case (raddr)
      kData: rdata = data1;
      kTri: rdata = dir1;
      kData2: rdata = data2;
      kTri2: rdata = dir2;
      kGier: rdata = {gier, 31'd0};
      kIsr: rdata = {30'd0, isr};
      kIer: rdata = {30'd0, ier};
      default: rdata = 32'd0;
    endcase
  end

  always @(posedge clk) begin
    if (!rst_n) begin
      gier <= 1'b0;
      ier <= 2'b00;
      isr <= 2'b00;
    end else begin
      if (kIrq) begin
        if (wr && waddr == kGier && wstrb[3]) gier <= wdata[31];
        if (wr && waddr == kIer && wstrb[0]) ier <= wdata[1:0] & kIrqBits;
        if (wr && waddr == kIsr && wstrb[0])
          isr <= (isr ^ (wdata[1:0] & kIrqBits)) | events;
        else isr <= isr | events;
      end
    end
  end
endmodule

// One GPIO channel: output and direction registers, the input sampled once, change detection.
module pr_axi_gpio_channel #(
    parameter integer WIDTH = 32,
    parameter integer PRESENT = 1,
    parameter integer ALL_INPUTS = 0,
    parameter integer ALL_OUTPUTS = 0,
    parameter [31:0]  DOUT_DEFAULT = 32'h00000000,
    parameter [31:0]  TRI_DEFAULT = 32'hFFFFFFFF
) (
    input  wire             clk,
    input  wire             rst_n,
    input  wire             wr_data,
    input  wire             wr_tri,
    input  wire [31:0]      wdata,
    input  wire [31:0]      wmask,  // the byte strobes as a bit mask
    input  wire [WIDTH-1:0] io_i,
    output wire [WIDTH-1:0] io_o,
    output wire [WIDTH-1:0] io_t,
    output wire [31:0]      data,
    output wire [31:0]      tri_state,
    output wire             changed
);
  localparam [31:0] kMask = PRESENT != 0 ? 32'hFFFFFFFF >> (32 - WIDTH) : 32'd0;
  localparam        kFixedIn = ALL_INPUTS != 0 || PRESENT == 0;
  localparam        kFixedOut = ALL_OUTPUTS != 0 && !kFixedIn;

  wire [31:0] in_ext;
  generate
    if (WIDTH < 32) begin : g_ext
      assign in_ext = {{(32 - WIDTH){1'b0}}, io_i};
    end else begin : g_full
      assign in_ext = io_i[31:0];
    end
  endgenerate

  reg [31:0] dout, dir, in_q, in_prev;
  wire [31:0] tri_eff = kFixedIn ? 32'hFFFFFFFF : kFixedOut ? 32'd0 : dir;

  assign io_o = dout[WIDTH-1:0] & kMask[WIDTH-1:0];
  assign io_t = tri_eff[WIDTH-1:0];
  assign data = ((in_q & tri_eff) | (dout & ~tri_eff)) & kMask;
  assign tri_state = tri_eff & kMask;
  assign changed = ((in_q ^ in_prev) & tri_eff & kMask) != 32'd0;

  always @(posedge clk) begin
    if (!rst_n) begin
      dout <= DOUT_DEFAULT & kMask;
      dir <= TRI_DEFAULT & kMask;
      in_q <= in_ext;  // no change event for the level present at reset
      in_prev <= in_ext;
    end else begin
      in_q <= in_ext;
      in_prev <= in_q;
      if (wr_data && !kFixedIn) dout <= ((dout & ~wmask) | (wdata & wmask)) & kMask;
      if (wr_tri && !kFixedIn && !kFixedOut) dir <= ((dir & ~wmask) | (wdata & wmask)) & kMask;
    end
  end
endmodule
`default_nettype wire
