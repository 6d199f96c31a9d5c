// pr_xlconstant: xilinx.com:ip:xlconstant:1.1 (Vivado's "Constant" utility block): dout is
// CONST_VAL in CONST_WIDTH bits (zero-extended, or its low bits). No clock, no reset.
`default_nettype none
/* verilator lint_off DECLFILENAME */  // README: file <core>.v holds module pr_<core>
module pr_xlconstant #(
    parameter integer CONST_WIDTH = 1,
    parameter         CONST_VAL = 1
) (
    output wire [CONST_WIDTH-1:0] dout
);
  // 64 bits more than either side, so the part-select below never leaves the vector
  localparam integer kWide = CONST_WIDTH + 64;
  /* verilator lint_off WIDTH */  // CONST_VAL is as wide as the user wrote it: extend it
  localparam [kWide-1:0] kVal = CONST_VAL;
  /* verilator lint_on WIDTH */
  assign dout = kVal[CONST_WIDTH-1:0];
  wire unused = &{1'b0, kVal};
endmodule
`default_nettype wire
