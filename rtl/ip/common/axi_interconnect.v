// The N:1 AXI4 interconnect a generated design top puts in front of a PS slave port that
// several design masters share (rtl/README.md, "masters"). Reads and writes are arbitrated
// independently, each round-robin: when the port is free, the next master after the one
// served last that has a request (ARVALID / AWVALID) is granted, and the grant is held for
// one whole burst: until its last R beat (reads) or its B response (writes). One burst per
// direction is in flight, so responses need no IDs: R and B go back to the granted master.
//
//   pr_axi_rd_arbiter   AR/R of N masters onto one port
//   pr_axi_wr_arbiter   AW/W/B of N masters onto one port
//   pr_axi_interconnect both, for a port shared by N masters that read and write
//
// Per-master signals are packed vectors, master i in bits [i*W +: W]. R data, RRESP, RLAST
// and BRESP go to every master unchanged (the port's own wires); only the VALIDs are routed,
// so a master sees a beat only while it is the one granted. Data widths are equal on both
// sides: a master of another width is refused by gen_top.py, not converted here.
`default_nettype none
/* verilator lint_off DECLFILENAME */  // README: file <block>.v holds module pr_<block>
module pr_axi_rd_arbiter #(
    parameter integer N = 2,    // masters, 1..16
    parameter integer AW = 40   // address bits
) (
    input  wire            clk,
    input  wire            rst_n,
    // masters
    input  wire [N*AW-1:0] s_araddr,
    input  wire [N*8-1:0]  s_arlen,
    input  wire [N*3-1:0]  s_arsize,
    input  wire [N*2-1:0]  s_arburst,
    input  wire [N-1:0]    s_arvalid,
    output wire [N-1:0]    s_arready,
    output wire [N-1:0]    s_rvalid,
    input  wire [N-1:0]    s_rready,
    // the port
    output wire [AW-1:0]   m_araddr,
    output wire [7:0]      m_arlen,
    output wire [2:0]      m_arsize,
    output wire [1:0]      m_arburst,
    output wire            m_arvalid,
    input  wire            m_arready,
    input  wire            m_rlast,
    input  wire            m_rvalid,
    output wire            m_rready
);
  localparam integer kIw = N > 1 ? $clog2(N) : 1;

  reg            granted, ar_done;
  reg  [kIw-1:0] sel, last;
  wire [kIw-1:0] pick;
  pr_axi_rr_pick #(.N(N), .IW(kIw)) rr (.req(s_arvalid), .last(last), .pick(pick));

  wire [N-1:0] sel_hot = {{(N - 1){1'b0}}, 1'b1} << sel;
  wire addr_phase = granted && !ar_done;
  wire data_phase = granted && ar_done;

  assign m_araddr = s_araddr[sel*AW+:AW];
  assign m_arlen = s_arlen[sel*8+:8];
  assign m_arsize = s_arsize[sel*3+:3];
  assign m_arburst = s_arburst[sel*2+:2];
  assign m_arvalid = addr_phase && s_arvalid[sel];
  assign s_arready = {N{addr_phase && m_arready}} & sel_hot;
  assign m_rready = data_phase && s_rready[sel];
  assign s_rvalid = {N{data_phase && m_rvalid}} & sel_hot;

  always @(posedge clk) begin
    if (!rst_n) begin
      granted <= 1'b0;
      ar_done <= 1'b0;
      sel <= {kIw{1'b0}};
      last <= N[kIw-1:0] - {{(kIw - 1){1'b0}}, 1'b1};  // master 0 first after reset
    end else if (!granted) begin
      if (|s_arvalid) begin
        granted <= 1'b1;
        ar_done <= 1'b0;
        sel <= pick;
      end
    end else begin
      if (m_arvalid && m_arready) ar_done <= 1'b1;
      if (m_rvalid && m_rready && m_rlast) begin
        granted <= 1'b0;
        last <= sel;
      end
    end
  end
endmodule

module pr_axi_wr_arbiter #(
    parameter integer N = 2,    // masters, 1..16
    parameter integer AW = 40,  // address bits
    parameter integer DW = 64   // data bits, 32/64/128
) (
    input  wire              clk,
    input  wire              rst_n,
    // masters
    input  wire [N*AW-1:0]   s_awaddr,
    input  wire [N*8-1:0]    s_awlen,
    input  wire [N*3-1:0]    s_awsize,
    input  wire [N*2-1:0]    s_awburst,
    input  wire [N-1:0]      s_awvalid,
    output wire [N-1:0]      s_awready,
    input  wire [N*DW-1:0]   s_wdata,
    input  wire [N*DW/8-1:0] s_wstrb,
    input  wire [N-1:0]      s_wlast,
    input  wire [N-1:0]      s_wvalid,
    output wire [N-1:0]      s_wready,
    output wire [N-1:0]      s_bvalid,
    input  wire [N-1:0]      s_bready,
    // the port
    output wire [AW-1:0]     m_awaddr,
    output wire [7:0]        m_awlen,
    output wire [2:0]        m_awsize,
    output wire [1:0]        m_awburst,
    output wire              m_awvalid,
    input  wire              m_awready,
    output wire [DW-1:0]     m_wdata,
    output wire [DW/8-1:0]   m_wstrb,
    output wire              m_wlast,
    output wire              m_wvalid,
    input  wire              m_wready,
    input  wire              m_bvalid,
    output wire              m_bready
);
  localparam integer kIw = N > 1 ? $clog2(N) : 1;
  localparam integer kSw = DW / 8;

  reg            granted, aw_done, w_done;
  reg  [kIw-1:0] sel, last;
  wire [kIw-1:0] pick;
  pr_axi_rr_pick #(.N(N), .IW(kIw)) rr (.req(s_awvalid), .last(last), .pick(pick));

  wire [N-1:0] sel_hot = {{(N - 1){1'b0}}, 1'b1} << sel;
  wire aw_phase = granted && !aw_done;
  wire w_phase = granted && !w_done;
  wire b_phase = granted && aw_done && w_done;

  assign m_awaddr = s_awaddr[sel*AW+:AW];
  assign m_awlen = s_awlen[sel*8+:8];
  assign m_awsize = s_awsize[sel*3+:3];
  assign m_awburst = s_awburst[sel*2+:2];
  assign m_awvalid = aw_phase && s_awvalid[sel];
  assign s_awready = {N{aw_phase && m_awready}} & sel_hot;
  // W may lead AW (AXI allows it); both belong to the granted master's one burst.
  assign m_wdata = s_wdata[sel*DW+:DW];
  assign m_wstrb = s_wstrb[sel*kSw+:kSw];
  assign m_wlast = s_wlast[sel];
  assign m_wvalid = w_phase && s_wvalid[sel];
  assign s_wready = {N{w_phase && m_wready}} & sel_hot;
  assign m_bready = b_phase && s_bready[sel];
  assign s_bvalid = {N{b_phase && m_bvalid}} & sel_hot;

  always @(posedge clk) begin
    if (!rst_n) begin
      granted <= 1'b0;
      aw_done <= 1'b0;
      w_done <= 1'b0;
      sel <= {kIw{1'b0}};
      last <= N[kIw-1:0] - {{(kIw - 1){1'b0}}, 1'b1};  // master 0 first after reset
    end else if (!granted) begin
      if (|s_awvalid) begin
        granted <= 1'b1;
        aw_done <= 1'b0;
        w_done <= 1'b0;
        sel <= pick;
      end
    end else begin
      if (m_awvalid && m_awready) aw_done <= 1'b1;
      if (m_wvalid && m_wready && m_wlast) w_done <= 1'b1;
      if (m_bvalid && m_bready) begin
        granted <= 1'b0;
        last <= sel;
      end
    end
  end
endmodule

// Round-robin choice: the first requester after `last`, wrapping; `last` itself comes last.
module pr_axi_rr_pick #(
    parameter integer N = 2,
    parameter integer IW = 1
) (
    input  wire [N-1:0]  req,
    input  wire [IW-1:0] last,
    output reg  [IW-1:0] pick
);
  integer k;
  /* verilator lint_off UNUSEDSIGNAL */  // an index below N, held in an integer
  integer idx;
  /* verilator lint_on UNUSEDSIGNAL */
  reg found;
  always @(*) begin
    pick = last;
    found = 1'b0;
    for (k = 1; k <= N; k = k + 1) begin
      idx = ({{(32 - IW){1'b0}}, last} + k) % N;
      if (!found && req[idx]) begin
        pick = idx[IW-1:0];
        found = 1'b1;
      end
    end
  end
endmodule

module pr_axi_interconnect #(
    parameter integer N = 2,    // masters, 1..16
    parameter integer AW = 40,  // address bits
    parameter integer DW = 64   // data bits, 32/64/128
) (
    input  wire              clk,
    input  wire              rst_n,
    // masters: read
    input  wire [N*AW-1:0]   s_araddr,
    input  wire [N*8-1:0]    s_arlen,
    input  wire [N*3-1:0]    s_arsize,
    input  wire [N*2-1:0]    s_arburst,
    input  wire [N-1:0]      s_arvalid,
    output wire [N-1:0]      s_arready,
    output wire [DW-1:0]     s_rdata,
    output wire [1:0]        s_rresp,
    output wire              s_rlast,
    output wire [N-1:0]      s_rvalid,
    input  wire [N-1:0]      s_rready,
    // masters: write
    input  wire [N*AW-1:0]   s_awaddr,
    input  wire [N*8-1:0]    s_awlen,
    input  wire [N*3-1:0]    s_awsize,
    input  wire [N*2-1:0]    s_awburst,
    input  wire [N-1:0]      s_awvalid,
    output wire [N-1:0]      s_awready,
    input  wire [N*DW-1:0]   s_wdata,
    input  wire [N*DW/8-1:0] s_wstrb,
    input  wire [N-1:0]      s_wlast,
    input  wire [N-1:0]      s_wvalid,
    output wire [N-1:0]      s_wready,
    output wire [1:0]        s_bresp,
    output wire [N-1:0]      s_bvalid,
    input  wire [N-1:0]      s_bready,
    // the port
    output wire [AW-1:0]     m_araddr,
    output wire [7:0]        m_arlen,
    output wire [2:0]        m_arsize,
    output wire [1:0]        m_arburst,
    output wire              m_arvalid,
    input  wire              m_arready,
    input  wire [DW-1:0]     m_rdata,
    input  wire [1:0]        m_rresp,
    input  wire              m_rlast,
    input  wire              m_rvalid,
    output wire              m_rready,
    output wire [AW-1:0]     m_awaddr,
    output wire [7:0]        m_awlen,
    output wire [2:0]        m_awsize,
    output wire [1:0]        m_awburst,
    output wire              m_awvalid,
    input  wire              m_awready,
    output wire [DW-1:0]     m_wdata,
    output wire [DW/8-1:0]   m_wstrb,
    output wire              m_wlast,
    output wire              m_wvalid,
    input  wire              m_wready,
    input  wire [1:0]        m_bresp,
    input  wire              m_bvalid,
    output wire              m_bready
);
  assign s_rdata = m_rdata;
  assign s_rresp = m_rresp;
  assign s_rlast = m_rlast;
  assign s_bresp = m_bresp;

  pr_axi_rd_arbiter #(.N(N), .AW(AW)) rd (
      .clk(clk), .rst_n(rst_n),
      .s_araddr(s_araddr), .s_arlen(s_arlen), .s_arsize(s_arsize), .s_arburst(s_arburst),
      .s_arvalid(s_arvalid), .s_arready(s_arready), .s_rvalid(s_rvalid), .s_rready(s_rready),
      .m_araddr(m_araddr), .m_arlen(m_arlen), .m_arsize(m_arsize), .m_arburst(m_arburst),
      .m_arvalid(m_arvalid), .m_arready(m_arready), .m_rlast(m_rlast), .m_rvalid(m_rvalid),
      .m_rready(m_rready));

  pr_axi_wr_arbiter #(.N(N), .AW(AW), .DW(DW)) wr (
      .clk(clk), .rst_n(rst_n),
      .s_awaddr(s_awaddr), .s_awlen(s_awlen), .s_awsize(s_awsize), .s_awburst(s_awburst),
      .s_awvalid(s_awvalid), .s_awready(s_awready), .s_wdata(s_wdata), .s_wstrb(s_wstrb),
      .s_wlast(s_wlast), .s_wvalid(s_wvalid), .s_wready(s_wready), .s_bvalid(s_bvalid),
      .s_bready(s_bready),
      .m_awaddr(m_awaddr), .m_awlen(m_awlen), .m_awsize(m_awsize), .m_awburst(m_awburst),
      .m_awvalid(m_awvalid), .m_awready(m_awready), .m_wdata(m_wdata), .m_wstrb(m_wstrb),
      .m_wlast(m_wlast), .m_wvalid(m_wvalid), .m_wready(m_wready), .m_bvalid(m_bvalid),
      .m_bready(m_bready));
endmodule
`default_nettype wire
