// pr_axi_intc: register-compatible with xilinx.com:ip:axi_intc:4.1 in normal (not fast)
// interrupt mode (PG099, "AXI Interrupt Controller v4.1 Product Guide", chapter "Register
// Space"), as PYNQ's pynq/interrupt.py drives it: IER = 0 at start; SIE(1 << n) and
// MER = 0x3 to wait; on irq read IPR, CIE each pending bit, IAR the bits read.
//
// 0x00 ISR  status, one bit per input. Set by an enabled hardware input (MER.HIE = 1);
//           while MER.HIE = 0 software may write it (software-generated interrupts), after
//           that writes are ignored.
// 0x04 IPR  pending = ISR & IER (RO)
// 0x08 IER  enable (RW)
// 0x0C IAR  write 1s: acknowledge, clear those ISR bits (WO, reads 0). A level input still
//           active sets its bit again on the next cycle, as PG099 describes.
// 0x10 SIE  write 1s: set those IER bits (WO, reads 0)
// 0x14 CIE  write 1s: clear those IER bits (WO, reads 0)
// 0x18 IVR  ordinal of the lowest-numbered (highest-priority) pending interrupt, all ones
//           when none (RO)
// 0x1C MER  bit 0 ME (master enable of the irq output), bit 1 HIE (hardware interrupt
//           enable: inputs are recorded only once it is set; write-once, only reset clears it)
// 0x20 IMR  interrupt mode (fast interrupts, C_HAS_FAST = 1): not implemented, reads 0
// 0x24 ILR  interrupt level (C_HAS_ILR = 1): interrupts numbered >= ILR are masked from irq
//           and IVR; reset all ones. Without C_HAS_ILR (the default) reads 0.
// Bits at and above C_NUM_INTR_INPUTS read 0; other offsets read 0 and ignore writes, OKAY.
//
// irq = MER.ME & |(IPR & ILR mask), level high (C_IRQ_IS_LEVEL = 1, active high).
//
// C_KIND_OF_INTR: bit i = 1 edge, 0 level. The IP catalogue default is 0xFFFFFFFF, but
// Vivado's IP integrator clears the bit of every input driven by a LEVEL_HIGH source, and
// every interrupt source in this library (GPIO ip2intc_irpt, HLS interrupt, DMA introut) is
// level high, so the default here is 0 (all level). C_KIND_OF_EDGE bit i: 1 rising, 0 falling;
// C_KIND_OF_LVL bit i: 1 high, 0 low (IP defaults: all ones). Inputs are sampled once
// (synchronous sources).
`default_nettype none
/* verilator lint_off DECLFILENAME */  // README: file <core>.v holds module pr_<core>
module pr_axi_intc #(
    parameter integer C_S_AXI_ADDR_WIDTH = 9,
    parameter integer C_NUM_INTR_INPUTS = 1,
    parameter [31:0]  C_KIND_OF_INTR = 32'h00000000,
    parameter [31:0]  C_KIND_OF_EDGE = 32'hFFFFFFFF,
    parameter [31:0]  C_KIND_OF_LVL = 32'hFFFFFFFF,
    parameter integer C_HAS_ILR = 0
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
    input  wire [C_NUM_INTR_INPUTS-1:0]  intr,
    output wire                          irq,
    // Never busy: its state moves only on a bus access or an input (rtl/ip/README.md).
    output wire                          busy
);
  assign busy = 1'b0;
  localparam [31:0] kIsr = 32'h00, kIpr = 32'h04, kIer = 32'h08, kIar = 32'h0C, kSie = 32'h10,
                    kCie = 32'h14, kIvr = 32'h18, kMer = 32'h1C, kImr = 32'h20, kIlr = 32'h24;
  localparam [31:0] kMask = 32'hFFFFFFFF >> (32 - C_NUM_INTR_INPUTS);

  // ---- AXI4-Lite slave (common/axil_slave.v): a write takes address and data together, a
  // read answers next cycle, always OKAY
  wire        wr, unused_rd, unused_rd_accept, unused_active;
  wire [31:0] waddr, raddr, wr_data, unused_wmask, intr_ext;
  wire [3:0]  wstrb;  // expanded to a bit mask in the write's cycle only (below)
  reg  [31:0] rdata;
  pr_axil_slave #(.ADDR_WIDTH(C_S_AXI_ADDR_WIDTH), .REGISTERED(0)) axil (
      .clk(clk), .rst_n(rst_n),
      .awaddr(s_axi_awaddr), .awvalid(s_axi_awvalid), .awready(s_axi_awready),
      .wdata(s_axi_wdata), .wstrb(s_axi_wstrb), .wvalid(s_axi_wvalid), .wready(s_axi_wready),
      .bresp(s_axi_bresp), .bvalid(s_axi_bvalid), .bready(s_axi_bready),
      .araddr(s_axi_araddr), .arvalid(s_axi_arvalid), .arready(s_axi_arready),
      .rdata(s_axi_rdata), .rresp(s_axi_rresp), .rvalid(s_axi_rvalid), .rready(s_axi_rready),
      .wr(wr), .wr_addr(waddr), .wr_data(wr_data), .wr_strb(wstrb), .wr_mask(unused_wmask),
      .wr_err(1'b0), .rd(unused_rd), .rd_addr(raddr), .rd_data(rdata), .rd_err(1'b0),
      .rd_accept(unused_rd_accept), .rd_wait(32'd0), .active(unused_active));
  generate
    if (C_NUM_INTR_INPUTS < 32) begin : g_intr_ext
      assign intr_ext = {{(32 - C_NUM_INTR_INPUTS){1'b0}}, intr};
    end else begin : g_intr_full
      assign intr_ext = intr[31:0];
    end
  endgenerate

  // ---- interrupt state
  reg [31:0] isr, ier, ilr, intr_q, intr_prev;
  reg        me, hie;

  wire [31:0] rising = intr_q & ~intr_prev;
  wire [31:0] falling = ~intr_q & intr_prev;
  wire [31:0] edge_hit = (rising & C_KIND_OF_EDGE) | (falling & ~C_KIND_OF_EDGE);
  wire [31:0] level_hit = (intr_q & C_KIND_OF_LVL) | (~intr_q & ~C_KIND_OF_LVL);
  wire [31:0] hw_event = hie ? ((edge_hit & C_KIND_OF_INTR) | (level_hit & ~C_KIND_OF_INTR)) &
                               kMask : 32'd0;
  wire [31:0] ipr = isr & ier;

  // ILR: interrupt i takes part only while i < ILR
  reg [31:0] level_mask;
  integer i;
  always @(*) begin
    for (i = 0; i < 32; i = i + 1) level_mask[i] = C_HAS_ILR == 0 || i < ilr;
  end
  wire [31:0] visible = ipr & level_mask;

  // The lowest visible input. isr and ier are masked to the inputs, so the search stops at the
  // last input: a simulation speed matter (Verilator unrolls the loop into a branch per bit,
  // evaluated every cycle), the same hardware.
  reg [31:0] ivr;
  always @(*) begin
    ivr = 32'hFFFFFFFF;
    for (i = C_NUM_INTR_INPUTS - 1; i >= 0; i = i - 1) begin
      if (visible[i]) ivr = i;
    end
  end

  assign irq = me && visible != 32'd0;

  always @(*) begin
    case (raddr)
      kIsr: rdata = isr;
      kIpr: rdata = ipr;
      kIer: rdata = ier;
      kIvr: rdata = ivr;
      kMer: rdata = {30'd0, hie, me};
      kImr: rdata = 32'd0;
      kIlr: rdata = C_HAS_ILR != 0 ? ilr : 32'd0;
      default: rdata = 32'd0;  // IAR, SIE, CIE are write-only
    endcase
  end

  // The write's mask and data are locals of the clocked block, worked out under `if (wr)`:
  // as wires Verilator's model would rebuild them every cycle (simulation speed, README.md).
  reg  [31:0] wmask, wdata;

  always @(posedge clk) begin
    if (!rst_n) begin
      isr <= 32'd0;
      ier <= 32'd0;
      ilr <= 32'hFFFFFFFF;
      me <= 1'b0;
      hie <= 1'b0;
      intr_q <= intr_ext;  // no edge for the level present at reset
      intr_prev <= intr_ext;
    end else begin
      intr_q <= intr_ext;
      intr_prev <= intr_q;
      if (wr) begin
        /* verilator lint_off BLKSEQ */  // locals of this block
        wmask = {{8{wstrb[3]}}, {8{wstrb[2]}}, {8{wstrb[1]}}, {8{wstrb[0]}}};
        wdata = wr_data & wmask & kMask;  // set/clear masks: unwritten lanes are 0
        /* verilator lint_on BLKSEQ */
        // an input event in the same cycle as its acknowledge is kept
        if (waddr == kIsr && !hie) isr <= (((isr & ~wmask) | (wr_data & wmask)) & kMask) |
                                          hw_event;
        else if (waddr == kIar) isr <= (isr & ~wdata) | hw_event;
        else isr <= isr | hw_event;
        if (waddr == kIer) ier <= ((ier & ~wmask) | (wr_data & wmask)) & kMask;
        if (waddr == kSie) ier <= ier | wdata;
        if (waddr == kCie) ier <= ier & ~wdata;
        if (waddr == kMer && wmask[0]) begin
          me <= wr_data[0];
          if (wr_data[1]) hie <= 1'b1;  // write-once: a 0 does not clear it
        end
        if (waddr == kIlr && C_HAS_ILR != 0) ilr <= ((ilr & ~wmask) | (wr_data & wmask));
      end else begin
        isr <= isr | hw_event;
      end
    end
  end
endmodule
`default_nettype wire
