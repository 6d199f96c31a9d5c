// pr_xlconcat: xilinx.com:ip:xlconcat:2.1 (Vivado's "Concat" utility block): dout is In0..In
// <NUM_PORTS-1> side by side, In0 in the low bits, each In<i> IN<i>_WIDTH bits wide. Ports
// from In<NUM_PORTS> up exist (a Verilog module cannot drop ports by parameter) and are
// ignored. dout_width, the IP's own parameter, defaults to the sum of the used widths (Vivado
// writes that value into the .hwh); a smaller one keeps the low bits, a larger one than all
// 32 inputs together is an elaboration error. No clock, no reset: a pure wire block.
`default_nettype none
/* verilator lint_off DECLFILENAME */  // README: file <core>.v holds module pr_<core>
module pr_xlconcat #(
    parameter integer NUM_PORTS = 2,  // 1..32
    parameter integer IN0_WIDTH = 1,
    parameter integer IN1_WIDTH = 1,
    parameter integer IN2_WIDTH = 1,
    parameter integer IN3_WIDTH = 1,
    parameter integer IN4_WIDTH = 1,
    parameter integer IN5_WIDTH = 1,
    parameter integer IN6_WIDTH = 1,
    parameter integer IN7_WIDTH = 1,
    parameter integer IN8_WIDTH = 1,
    parameter integer IN9_WIDTH = 1,
    parameter integer IN10_WIDTH = 1,
    parameter integer IN11_WIDTH = 1,
    parameter integer IN12_WIDTH = 1,
    parameter integer IN13_WIDTH = 1,
    parameter integer IN14_WIDTH = 1,
    parameter integer IN15_WIDTH = 1,
    parameter integer IN16_WIDTH = 1,
    parameter integer IN17_WIDTH = 1,
    parameter integer IN18_WIDTH = 1,
    parameter integer IN19_WIDTH = 1,
    parameter integer IN20_WIDTH = 1,
    parameter integer IN21_WIDTH = 1,
    parameter integer IN22_WIDTH = 1,
    parameter integer IN23_WIDTH = 1,
    parameter integer IN24_WIDTH = 1,
    parameter integer IN25_WIDTH = 1,
    parameter integer IN26_WIDTH = 1,
    parameter integer IN27_WIDTH = 1,
    parameter integer IN28_WIDTH = 1,
    parameter integer IN29_WIDTH = 1,
    parameter integer IN30_WIDTH = 1,
    parameter integer IN31_WIDTH = 1,
    // the sum of IN0_WIDTH.. IN<NUM_PORTS-1>_WIDTH (the comparisons are 0 or 1)
    parameter integer dout_width = IN0_WIDTH + IN1_WIDTH * (NUM_PORTS > 1)
        + IN2_WIDTH * (NUM_PORTS > 2) + IN3_WIDTH * (NUM_PORTS > 3) + IN4_WIDTH * (NUM_PORTS > 4)
        + IN5_WIDTH * (NUM_PORTS > 5) + IN6_WIDTH * (NUM_PORTS > 6) + IN7_WIDTH * (NUM_PORTS > 7)
        + IN8_WIDTH * (NUM_PORTS > 8) + IN9_WIDTH * (NUM_PORTS > 9) + IN10_WIDTH * (NUM_PORTS > 10)
        + IN11_WIDTH * (NUM_PORTS > 11) + IN12_WIDTH * (NUM_PORTS > 12)
        + IN13_WIDTH * (NUM_PORTS > 13) + IN14_WIDTH * (NUM_PORTS > 14)
        + IN15_WIDTH * (NUM_PORTS > 15) + IN16_WIDTH * (NUM_PORTS > 16)
        + IN17_WIDTH * (NUM_PORTS > 17) + IN18_WIDTH * (NUM_PORTS > 18)
        + IN19_WIDTH * (NUM_PORTS > 19) + IN20_WIDTH * (NUM_PORTS > 20)
        + IN21_WIDTH * (NUM_PORTS > 21) + IN22_WIDTH * (NUM_PORTS > 22)
        + IN23_WIDTH * (NUM_PORTS > 23) + IN24_WIDTH * (NUM_PORTS > 24)
        + IN25_WIDTH * (NUM_PORTS > 25) + IN26_WIDTH * (NUM_PORTS > 26)
        + IN27_WIDTH * (NUM_PORTS > 27) + IN28_WIDTH * (NUM_PORTS > 28)
        + IN29_WIDTH * (NUM_PORTS > 29) + IN30_WIDTH * (NUM_PORTS > 30)
        + IN31_WIDTH * (NUM_PORTS > 31)
) (
    input  wire [IN0_WIDTH-1:0] In0,
    input  wire [IN1_WIDTH-1:0] In1,
    input  wire [IN2_WIDTH-1:0] In2,
    input  wire [IN3_WIDTH-1:0] In3,
    input  wire [IN4_WIDTH-1:0] In4,
    input  wire [IN5_WIDTH-1:0] In5,
    input  wire [IN6_WIDTH-1:0] In6,
    input  wire [IN7_WIDTH-1:0] In7,
    input  wire [IN8_WIDTH-1:0] In8,
    input  wire [IN9_WIDTH-1:0] In9,
    input  wire [IN10_WIDTH-1:0] In10,
    input  wire [IN11_WIDTH-1:0] In11,
    input  wire [IN12_WIDTH-1:0] In12,
    input  wire [IN13_WIDTH-1:0] In13,
    input  wire [IN14_WIDTH-1:0] In14,
    input  wire [IN15_WIDTH-1:0] In15,
    input  wire [IN16_WIDTH-1:0] In16,
    input  wire [IN17_WIDTH-1:0] In17,
    input  wire [IN18_WIDTH-1:0] In18,
    input  wire [IN19_WIDTH-1:0] In19,
    input  wire [IN20_WIDTH-1:0] In20,
    input  wire [IN21_WIDTH-1:0] In21,
    input  wire [IN22_WIDTH-1:0] In22,
    input  wire [IN23_WIDTH-1:0] In23,
    input  wire [IN24_WIDTH-1:0] In24,
    input  wire [IN25_WIDTH-1:0] In25,
    input  wire [IN26_WIDTH-1:0] In26,
    input  wire [IN27_WIDTH-1:0] In27,
    input  wire [IN28_WIDTH-1:0] In28,
    input  wire [IN29_WIDTH-1:0] In29,
    input  wire [IN30_WIDTH-1:0] In30,
    input  wire [IN31_WIDTH-1:0] In31,
    output wire [dout_width-1:0] dout
);
  localparam integer kAll = IN0_WIDTH + IN1_WIDTH + IN2_WIDTH + IN3_WIDTH + IN4_WIDTH + IN5_WIDTH
      + IN6_WIDTH + IN7_WIDTH + IN8_WIDTH + IN9_WIDTH + IN10_WIDTH + IN11_WIDTH + IN12_WIDTH
      + IN13_WIDTH + IN14_WIDTH + IN15_WIDTH + IN16_WIDTH + IN17_WIDTH + IN18_WIDTH + IN19_WIDTH
      + IN20_WIDTH + IN21_WIDTH + IN22_WIDTH + IN23_WIDTH + IN24_WIDTH + IN25_WIDTH + IN26_WIDTH
      + IN27_WIDTH + IN28_WIDTH + IN29_WIDTH + IN30_WIDTH + IN31_WIDTH;
  wire [kAll-1:0] all_in = {In31, In30, In29, In28, In27, In26, In25, In24, In23, In22, In21, In20,
                            In19, In18, In17, In16, In15, In14, In13, In12, In11, In10, In9, In8,
                            In7, In6, In5, In4, In3, In2, In1, In0};

  generate
    if (NUM_PORTS < 1 || NUM_PORTS > 32) begin : g_bad_ports
      $error("pr_xlconcat: NUM_PORTS must be 1..32");
    end
    if (dout_width > kAll) begin : g_bad_width
      $error("pr_xlconcat: dout_width exceeds the inputs' widths");
    end
  endgenerate

  assign dout = all_in[dout_width-1:0];
  wire unused = &{1'b0, all_in};  // the ports beyond NUM_PORTS
endmodule
`default_nettype wire
