// pr_xlslice: xilinx.com:ip:xlslice:1.0 (Vivado's "Slice" utility block): Dout is
// Din[DIN_FROM:DIN_TO], DIN_FROM >= DIN_TO (as the IP requires). No clock, no reset.
`default_nettype none
/* verilator lint_off DECLFILENAME */  // README: file <core>.v holds module pr_<core>
module pr_xlslice #(
    parameter integer DIN_WIDTH = 32,
    parameter integer DIN_FROM = 0,
    parameter integer DIN_TO = 0
) (
    input  wire [DIN_WIDTH-1:0]       Din,
    output wire [DIN_FROM-DIN_TO:0]   Dout
);
  generate
    if (DIN_FROM < DIN_TO || DIN_FROM >= DIN_WIDTH || DIN_TO < 0) begin : g_bad
      $error("pr_xlslice: need DIN_WIDTH > DIN_FROM >= DIN_TO >= 0");
    end
  endgenerate
  assign Dout = Din[DIN_FROM:DIN_TO];
  wire unused = &{1'b0, Din};  // the bits outside the slice
endmodule
`default_nettype wire
