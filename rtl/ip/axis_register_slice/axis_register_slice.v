// pr_axis_register_slice: AXI4-Stream register slice, the "full" (fully registered) mode of
// xilinx.com:ip:axis_register_slice:1.1 (PG085) for TDATA, TKEEP, TLAST.
// A two-entry skid buffer: every output (m_axis_* and s_axis_tready) comes from a flop, so no
// combinational path crosses the slice, and it still moves a beat every cycle: when the
// consumer stalls with the output register full, the beat already accepted in that cycle
// goes to the skid register and s_axis_tready drops the cycle after.
`default_nettype none
/* verilator lint_off DECLFILENAME */  // README: file <core>.v holds module pr_<core>
module pr_axis_register_slice #(
    parameter integer TDATA_NUM_BYTES = 4
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

  reg [kW-1:0] out_q, skid_q;
  reg          out_valid, skid_valid;

  wire [kW-1:0] in_beat = {s_axis_tdata, s_axis_tkeep, s_axis_tlast};
  wire push = s_axis_tvalid && s_axis_tready;
  wire pop = out_valid && m_axis_tready;

  assign s_axis_tready = !skid_valid;
  assign m_axis_tvalid = out_valid;
  assign m_axis_tdata = out_q[kW-1:TDATA_NUM_BYTES+1];
  assign m_axis_tkeep = out_q[TDATA_NUM_BYTES:1];
  assign m_axis_tlast = out_q[0];
  assign busy = push || pop;  // waiting for either side is not busy (README.md)

  always @(posedge clk) begin
    if (!rst_n) begin
      out_valid <= 1'b0;
      skid_valid <= 1'b0;
      out_q <= {kW{1'b0}};
      skid_q <= {kW{1'b0}};
    end else begin
      if (push && out_valid && !pop) begin
        skid_q <= in_beat;  // output full and held: keep the beat accepted this cycle
        skid_valid <= 1'b1;
      end else if (push) begin
        out_q <= in_beat;  // skid is empty whenever push (s_axis_tready = !skid_valid)
        out_valid <= 1'b1;
      end else if (pop || !out_valid) begin
        if (skid_valid) begin
          out_q <= skid_q;
          skid_valid <= 1'b0;
        end else begin
          out_valid <= 1'b0;
        end
      end
    end
  end
endmodule
`default_nettype wire
