// pr_axil_slave: the AXI4-Lite slave front end every register file in rtl/ip uses. It turns
// the five channels into a register bus (a write strobe with address, data, strobes and the
// strobes as a bit mask; a read strobe with address, answered from the core's read data),
// so a core only decodes offsets. 32-bit data; the address is zero-extended to 32 bits.
//
// Two timings, chosen by REGISTERED, because cores differ and their benches pin the cycles:
//   0  (GPIO, INTC, HLS blocks) a write takes address and data together: awready = wready =
//      the write strobe, in the cycle both are valid and no response is pending; bvalid the
//      cycle after. A read is taken (arready, read strobe) when no data is pending and
//      answered the cycle after.
//   1  (DMA, ref_accel cores) ready is a registered pulse: the write strobe comes the cycle
//      after the handshake (from registers), bvalid the cycle after that; a read answers
//      with the handshake, from the live address, unless rd_wait (sampled at the handshake)
//      is not 0: then the read waits that many cycles more, address latched, and the read
//      strobe comes when it answers. rd_accept marks the handshake itself.
// wr_err / rd_err (sampled with the strobe) answer SLVERR instead of OKAY; tie them to 0 in a
// core that always answers OKAY. `active`: a write or read in flight or a response pending.
`default_nettype none
/* verilator lint_off DECLFILENAME */  // README: file <block>.v holds module pr_<block>
module pr_axil_slave #(
    parameter integer ADDR_WIDTH = 9,
    parameter integer REGISTERED = 0
) (
    input  wire                  clk,
    input  wire                  rst_n,
    // the bus
    input  wire [ADDR_WIDTH-1:0] awaddr,
    input  wire                  awvalid,
    output wire                  awready,
    input  wire [31:0]           wdata,
    input  wire [3:0]            wstrb,
    input  wire                  wvalid,
    output wire                  wready,
    output reg  [1:0]            bresp,
    output reg                   bvalid,
    input  wire                  bready,
    input  wire [ADDR_WIDTH-1:0] araddr,
    input  wire                  arvalid,
    output wire                  arready,
    output reg  [31:0]           rdata,
    output reg  [1:0]            rresp,
    output reg                   rvalid,
    input  wire                  rready,
    // the core's register bus
    output wire                  wr,
    output wire [31:0]           wr_addr,
    output wire [31:0]           wr_data,
    output wire [3:0]            wr_strb,
    output wire [31:0]           wr_mask,  // wr_strb, one bit per data bit
    input  wire                  wr_err,
    output wire                  rd,
    output wire [31:0]           rd_addr,
    input  wire [31:0]           rd_data,
    input  wire                  rd_err,
    output wire                  rd_accept,
    input  wire [31:0]           rd_wait,  // REGISTERED = 1 only
    output wire                  active
);
  localparam [1:0] kOkay = 2'b00, kSlvErr = 2'b10;

  wire [31:0] aw_ext, ar_ext;
  generate
    if (ADDR_WIDTH < 32) begin : g_ext
      assign aw_ext = {{(32 - ADDR_WIDTH){1'b0}}, awaddr};
      assign ar_ext = {{(32 - ADDR_WIDTH){1'b0}}, araddr};
    end else begin : g_full
      assign aw_ext = awaddr[31:0];
      assign ar_ext = araddr[31:0];
    end
  endgenerate


  generate
    if (REGISTERED == 0) begin : g_comb
      assign wr = awvalid && wvalid && !bvalid;
      assign wr_addr = aw_ext;
      assign wr_data = wdata;
      assign wr_strb = wstrb;
      assign wr_mask = {{8{wstrb[3]}}, {8{wstrb[2]}}, {8{wstrb[1]}}, {8{wstrb[0]}}};
      assign rd = arvalid && !rvalid;
      assign rd_addr = ar_ext;
      assign rd_accept = rd;
      assign awready = wr;
      assign wready = wr;
      assign arready = rd;
      assign active = bvalid || rvalid;

      always @(posedge clk) begin
        if (!rst_n) begin
          bvalid <= 1'b0;
          bresp <= kOkay;
          rvalid <= 1'b0;
          rresp <= kOkay;
          rdata <= 32'd0;
        end else begin
          if (wr) begin
            bvalid <= 1'b1;
            bresp <= wr_err ? kSlvErr : kOkay;
          end else if (bready) begin
            bvalid <= 1'b0;
          end
          if (rd) begin
            rvalid <= 1'b1;
            rdata <= rd_data;
            rresp <= rd_err ? kSlvErr : kOkay;
          end else if (rready) begin
            rvalid <= 1'b0;
          end
        end
      end
      wire unused = &{1'b0, rd_wait};
    end else begin : g_reg
      reg         aw_rdy, ar_rdy, wr_en, rd_pending;
      reg  [31:0] aw_q, w_q, ar_q, wait_left;
      reg  [3:0]  strb_q;
      reg  [31:0] mask_q;  // wr_mask, latched with strb_q rather than rebuilt every cycle
      wire        aw_take = awvalid && wvalid && !bvalid && !aw_rdy;
      wire        ar_take = arvalid && !ar_rdy && !rd_pending && !rvalid;
      wire        rd_now = ar_take && rd_wait == 32'd0;
      wire        rd_fire = rd_pending && wait_left == 32'd0 && !rvalid;
      assign wr = wr_en;
      assign wr_addr = aw_q;
      assign wr_data = w_q;
      assign wr_strb = strb_q;
      assign wr_mask = mask_q;
      // Anything to do this cycle: a request, or a handshake or response in progress. Idle,
      // the clocked block below changes nothing, and Verilator's model (which evaluates every
      // statement of a clocked block every cycle) pays one test for it (simulation speed).
      wire        engaged = awvalid || arvalid || aw_rdy || ar_rdy || wr_en || rd_pending ||
                           bvalid || rvalid;
      assign rd = rd_now || rd_fire;
      assign rd_addr = rd_pending ? ar_q : ar_ext;
      assign rd_accept = ar_take;
      assign awready = aw_rdy;
      assign wready = aw_rdy;
      assign arready = ar_rdy;
      assign active = wr_en || rd_pending || bvalid || rvalid;

      always @(posedge clk) begin
        if (!rst_n) begin
          aw_rdy <= 1'b0;
          ar_rdy <= 1'b0;
          wr_en <= 1'b0;
          rd_pending <= 1'b0;
          aw_q <= 32'd0;
          w_q <= 32'd0;
          strb_q <= 4'd0;
          mask_q <= 32'd0;
          ar_q <= 32'd0;
          wait_left <= 32'd0;
          bvalid <= 1'b0;
          bresp <= kOkay;
          rvalid <= 1'b0;
          rresp <= kOkay;
          rdata <= 32'd0;
        end else if (engaged) begin
          aw_rdy <= aw_take;
          wr_en <= aw_take;
          if (aw_take) begin
            aw_q <= aw_ext;
            w_q <= wdata;
            strb_q <= wstrb;
            mask_q <= {{8{wstrb[3]}}, {8{wstrb[2]}}, {8{wstrb[1]}}, {8{wstrb[0]}}};
          end
          if (wr_en) begin
            bvalid <= 1'b1;
            bresp <= wr_err ? kSlvErr : kOkay;
          end else if (bvalid && bready) begin
            bvalid <= 1'b0;
          end
          ar_rdy <= ar_take;
          if (ar_take && !rd_now) begin
            rd_pending <= 1'b1;
            ar_q <= ar_ext;
            wait_left <= rd_wait;
          end else if (rd_pending && wait_left != 32'd0) begin
            wait_left <= wait_left - 32'd1;
          end
          if (rd_fire) rd_pending <= 1'b0;
          if (rd) begin
            rvalid <= 1'b1;
            rdata <= rd_data;
            rresp <= rd_err ? kSlvErr : kOkay;
          end else if (rvalid && rready) begin
            rvalid <= 1'b0;
          end
        end
      end
    end
  endgenerate
endmodule
`default_nettype wire
