// pr_ap_ctrl_hs: the control registers Vitis HLS generates for an s_axilite ap_ctrl_hs block
// (UG1399, "S_AXILITE Control Register Map"), as PYNQ's DefaultIP drives them (write 1 to CTRL
// to start, poll ap_done/ap_idle or wait on the interrupt). It sits on pr_axil_slave's
// register bus next to the core's own argument registers.
// 0x00 CTRL   ap_start bit0 (RW: a write of 1 sets it; ev_ready loads auto_restart into it),
//             ap_done bit1 (COR, set by ev_done), ap_idle bit2 (RO, the core's), ap_ready
//             bit3 (COR, set by ev_ready), auto_restart bit7 (RW)
// 0x04 GIER   bit0 global interrupt enable
// 0x08 IP_IER bit0 ap_done, bit1 ap_ready (IRQ_MASK: the bits that exist)
// 0x0C IP_ISR bit0 ap_done, bit1 ap_ready: set on the event when its IER bit is set, toggle
//             on write
// Events win over a register write in the same cycle (a read of CTRL that clears ap_done
// loses to ev_done). rdata is the register at rd_addr for these four offsets, 0 elsewhere, so
// a core ORs it with its own read mux.
//
// Where the cores differ (their benches pin it), parameters keep each one as it was:
//   IRQ_MASK             2'b11: both events; 2'b01: ap_done only (IER/ISR bit 1 reads 0)
//   EVENT_DROPS_ISR_WRITE 1: in a cycle with an event the ISR toggle write is lost;
//                        0: it is applied first and the event bits ORed in
//   IRQ_NEEDS_IER        1: interrupt = GIER & |(ISR & IER); 0: GIER & |ISR (as HLS does)
// restart_ok = 0 with ev_ready clears ap_start even with auto_restart (a refused run).
`default_nettype none
/* verilator lint_off DECLFILENAME */  // README: file <block>.v holds module pr_<block>
module pr_ap_ctrl_hs #(
    parameter [1:0]   IRQ_MASK = 2'b11,
    parameter integer EVENT_DROPS_ISR_WRITE = 0,
    parameter integer IRQ_NEEDS_IER = 0
) (
    input  wire        clk,
    input  wire        rst_n,
    input  wire        wr,
    input  wire [31:0] wr_addr,
    input  wire [31:0] wr_data,
    input  wire [3:0]  wr_strb,
    input  wire        rd,
    input  wire [31:0] rd_addr,
    output reg  [31:0] rdata,
    input  wire        ap_idle,
    input  wire        ev_done,
    input  wire        ev_ready,
    input  wire        restart_ok,
    output reg         ap_start,
    /* verilator lint_off SYMRSVDWORD */  // UG1399 names the port interrupt
    output wire        interrupt
    /* verilator lint_on SYMRSVDWORD */
);
  localparam [31:0] kCtrl = 32'h00, kGier = 32'h04, kIer = 32'h08, kIsr = 32'h0C;

  reg       ap_done, ap_ready, auto_restart, gier;
  reg [1:0] ier, isr;

  wire [1:0] events = {ev_ready, ev_done} & ier;
  wire       wr_isr = wr && wr_addr == kIsr && wr_strb[0];
  wire [1:0] isr_written = wr_isr ? isr ^ (wr_data[1:0] & IRQ_MASK) : isr;

  assign interrupt = gier && (IRQ_NEEDS_IER != 0 ? (isr & ier) != 2'b00 : isr != 2'b00);

  always @(*) begin
    case (rd_addr)
      kCtrl: rdata = {24'd0, auto_restart, 3'd0, ap_ready, ap_idle, ap_done, ap_start};
      kGier: rdata = {31'd0, gier};
      kIer: rdata = {30'd0, ier};
      kIsr: rdata = {30'd0, isr};
      default: rdata = 32'd0;
    endcase
  end

  always @(posedge clk) begin
    if (!rst_n) begin
      ap_start <= 1'b0;
      ap_done <= 1'b0;
      ap_ready <= 1'b0;
      auto_restart <= 1'b0;
      gier <= 1'b0;
      ier <= 2'b00;
      isr <= 2'b00;
    end else begin
      if (rd && rd_addr == kCtrl) begin
        ap_done <= 1'b0;
        ap_ready <= 1'b0;
      end
      if (wr && wr_strb[0]) begin
        case (wr_addr)
          kCtrl: begin
            if (wr_data[0]) ap_start <= 1'b1;
            auto_restart <= wr_data[7];
          end
          kGier: gier <= wr_data[0];
          kIer: ier <= wr_data[1:0] & IRQ_MASK;
          default: ;
        endcase
      end
      if (EVENT_DROPS_ISR_WRITE != 0 && (ev_done || ev_ready)) isr <= isr | events;
      else isr <= isr_written | events;
      if (ev_done) ap_done <= 1'b1;
      if (ev_ready) begin
        ap_ready <= 1'b1;
        ap_start <= auto_restart && restart_ok;
      end
    end
  end

  wire unused = &{1'b0, wr_data[31:8], wr_data[6:2], wr_strb[3:1]};
endmodule
`default_nettype wire
