// pr_axis_broadcaster: xilinx.com:ip:axis_broadcaster:1.1 (PG085) without TDATA remapping:
// one slave stream copied to NUM_MI (2..8) master streams m00_axis_* .. m<NUM_MI-1>_axis_*
// (TDATA, TKEEP, TLAST). A beat leaves the slave side only when every master has taken it;
// masters that take it early do not see it again (a `taken` flag per master), so masters of
// different readiness each get every beat exactly once, in order. Masters at or above NUM_MI
// are tied idle and their TREADY ignored. s_axis_tready is combinational from the masters'
// TREADYs, as PG085's broadcaster without register slices.
`default_nettype none
/* verilator lint_off DECLFILENAME */  // README: file <core>.v holds module pr_<core>
module pr_axis_broadcaster #(
    parameter integer NUM_MI = 2,  // 2..8
    parameter integer TDATA_NUM_BYTES = 4
) (
    input  wire                         clk,
    input  wire                         rst_n,
    input  wire [8*TDATA_NUM_BYTES-1:0] s_axis_tdata,
    input  wire [TDATA_NUM_BYTES-1:0]   s_axis_tkeep,
    input  wire                         s_axis_tlast,
    input  wire                         s_axis_tvalid,
    output wire                         s_axis_tready,
    output wire [8*TDATA_NUM_BYTES-1:0] m00_axis_tdata,
    output wire [TDATA_NUM_BYTES-1:0]   m00_axis_tkeep,
    output wire                         m00_axis_tlast,
    output wire                         m00_axis_tvalid,
    input  wire                         m00_axis_tready,
    output wire [8*TDATA_NUM_BYTES-1:0] m01_axis_tdata,
    output wire [TDATA_NUM_BYTES-1:0]   m01_axis_tkeep,
    output wire                         m01_axis_tlast,
    output wire                         m01_axis_tvalid,
    input  wire                         m01_axis_tready,
    output wire [8*TDATA_NUM_BYTES-1:0] m02_axis_tdata,
    output wire [TDATA_NUM_BYTES-1:0]   m02_axis_tkeep,
    output wire                         m02_axis_tlast,
    output wire                         m02_axis_tvalid,
    input  wire                         m02_axis_tready,
    output wire [8*TDATA_NUM_BYTES-1:0] m03_axis_tdata,
    output wire [TDATA_NUM_BYTES-1:0]   m03_axis_tkeep,
    output wire                         m03_axis_tlast,
    output wire                         m03_axis_tvalid,
    input  wire                         m03_axis_tready,
    output wire [8*TDATA_NUM_BYTES-1:0] m04_axis_tdata,
    output wire [TDATA_NUM_BYTES-1:0]   m04_axis_tkeep,
    output wire                         m04_axis_tlast,
    output wire                         m04_axis_tvalid,
    input  wire                         m04_axis_tready,
    output wire [8*TDATA_NUM_BYTES-1:0] m05_axis_tdata,
    output wire [TDATA_NUM_BYTES-1:0]   m05_axis_tkeep,
    output wire                         m05_axis_tlast,
    output wire                         m05_axis_tvalid,
    input  wire                         m05_axis_tready,
    output wire [8*TDATA_NUM_BYTES-1:0] m06_axis_tdata,
    output wire [TDATA_NUM_BYTES-1:0]   m06_axis_tkeep,
    output wire                         m06_axis_tlast,
    output wire                         m06_axis_tvalid,
    input  wire                         m06_axis_tready,
    output wire [8*TDATA_NUM_BYTES-1:0] m07_axis_tdata,
    output wire [TDATA_NUM_BYTES-1:0]   m07_axis_tkeep,
    output wire                         m07_axis_tlast,
    output wire                         m07_axis_tvalid,
    input  wire                         m07_axis_tready,
    output wire                         busy
);
  localparam [7:0] kUsed = 8'hFF >> (8 - NUM_MI);  // the masters that exist

  wire [7:0] m_ready = {m07_axis_tready, m06_axis_tready, m05_axis_tready, m04_axis_tready,
                        m03_axis_tready, m02_axis_tready, m01_axis_tready, m00_axis_tready};
  reg  [7:0] taken;  // master i took the current beat already
  wire [7:0] m_valid = {8{s_axis_tvalid}} & ~taken & kUsed;
  wire [7:0] m_take = m_valid & m_ready;

  // Every existing master has the beat, or takes it now.
  assign s_axis_tready = &(taken | m_ready | ~kUsed);
  assign busy = |m_take;  // a stalled master is waiting, not busy (README.md)

  assign m00_axis_tdata = s_axis_tdata;
  assign m00_axis_tkeep = s_axis_tkeep;
  assign m00_axis_tlast = s_axis_tlast;
  assign m00_axis_tvalid = m_valid[0];
  assign m01_axis_tdata = s_axis_tdata;
  assign m01_axis_tkeep = s_axis_tkeep;
  assign m01_axis_tlast = s_axis_tlast;
  assign m01_axis_tvalid = m_valid[1];
  assign m02_axis_tdata = s_axis_tdata;
  assign m02_axis_tkeep = s_axis_tkeep;
  assign m02_axis_tlast = s_axis_tlast;
  assign m02_axis_tvalid = m_valid[2];
  assign m03_axis_tdata = s_axis_tdata;
  assign m03_axis_tkeep = s_axis_tkeep;
  assign m03_axis_tlast = s_axis_tlast;
  assign m03_axis_tvalid = m_valid[3];
  assign m04_axis_tdata = s_axis_tdata;
  assign m04_axis_tkeep = s_axis_tkeep;
  assign m04_axis_tlast = s_axis_tlast;
  assign m04_axis_tvalid = m_valid[4];
  assign m05_axis_tdata = s_axis_tdata;
  assign m05_axis_tkeep = s_axis_tkeep;
  assign m05_axis_tlast = s_axis_tlast;
  assign m05_axis_tvalid = m_valid[5];
  assign m06_axis_tdata = s_axis_tdata;
  assign m06_axis_tkeep = s_axis_tkeep;
  assign m06_axis_tlast = s_axis_tlast;
  assign m06_axis_tvalid = m_valid[6];
  assign m07_axis_tdata = s_axis_tdata;
  assign m07_axis_tkeep = s_axis_tkeep;
  assign m07_axis_tlast = s_axis_tlast;
  assign m07_axis_tvalid = m_valid[7];

  always @(posedge clk) begin
    if (!rst_n) begin
      taken <= 8'd0;
    end else if (s_axis_tvalid && s_axis_tready) begin
      taken <= 8'd0;  // the beat is gone; the next one is new to every master
    end else begin
      taken <= taken | m_take;
    end
  end
endmodule
`default_nettype wire
