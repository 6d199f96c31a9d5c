// pr_axis_data_fifo: AXI4-Stream data FIFO, the synchronous subset of
// xilinx.com:ip:axis_data_fifo:2.0 (PG085): TDATA, TKEEP, TLAST; FIFO_DEPTH beats.
// Full throughput: a beat in and a beat out every cycle with no bubble; s_axis_tready is low
// only when the FIFO holds FIFO_DEPTH beats, m_axis_tvalid only when it is empty. Both are
// functions of the FIFO state alone (no combinational path from one side to the other).
`default_nettype none
/* verilator lint_off DECLFILENAME */  // file <core>.v holds module pr_<core> (README.md)
module pr_axis_data_fifo #(
    parameter integer TDATA_NUM_BYTES = 4,
    parameter integer FIFO_DEPTH = 16  // power of two, >= 2
) (
    input  wire                         clk,
    input  wire                         rst_n,
    input  wire [8*TDATA_NUM_BYTES-1:0] s_axis_tdata,
    input  wire [TDATA_NUM_BYTES-1:0]   s_axis_tkeep,
    input  wire                         s_axis_tlast,
    input  wire                         s_axis_tvalid,
    output wire                         s_axis_tready,
    output wire [8*TDATA_NUM_BYTES-1:0] m_axis_tdata,
    output wire [TDATA_NUM_BYTES-1:0]   m_axis_tkeep,
    output wire                         m_axis_tlast,
    output wire                         m_axis_tvalid,
    input  wire                         m_axis_tready,
    output wire                         busy
);
  localparam integer kW = 9 * TDATA_NUM_BYTES + 1;  // data, keep, last
  localparam integer kAw = $clog2(FIFO_DEPTH);

  reg [kW-1:0]  mem [0:FIFO_DEPTH-1];
  reg [kAw-1:0] wr_ptr, rd_ptr;
  reg [kAw:0]   count;

  wire push = s_axis_tvalid && s_axis_tready;
  wire pop = m_axis_tvalid && m_axis_tready;
  wire [kW-1:0] head = mem[rd_ptr];

  assign s_axis_tready = count != FIFO_DEPTH[kAw:0];
  assign m_axis_tvalid = count != {(kAw + 1){1'b0}};
  assign m_axis_tdata = head[kW-1:TDATA_NUM_BYTES+1];
  assign m_axis_tkeep = head[TDATA_NUM_BYTES:1];
  assign m_axis_tlast = head[0];
  // Busy means "a beat moves": data that waits for its consumer does not keep the board
  // simulating (rtl/ip/README.md).
  assign busy = push || pop;

  always @(posedge clk) begin
    if (push) mem[wr_ptr] <= {s_axis_tdata, s_axis_tkeep, s_axis_tlast};
  end

  always @(posedge clk) begin
    if (!rst_n) begin
      wr_ptr <= {kAw{1'b0}};
      rd_ptr <= {kAw{1'b0}};
      count <= {(kAw + 1){1'b0}};
    end else begin
      if (push) wr_ptr <= wr_ptr + 1'b1;
      if (pop) rd_ptr <= rd_ptr + 1'b1;
      if (push && !pop) count <= count + 1'b1;
      else if (pop && !push) count <= count - 1'b1;
    end
  end
endmodule
`default_nettype wire
