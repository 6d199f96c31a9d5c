// ref_regs: identification, scratch registers and a free-running cycle counter.
// 0x00 ID (0x52454641 "REFA"), 0x04 VERSION, 0x10..0x1C SCRATCH0..3, 0x20 CYCLE_LO
// (reading it latches CYCLE_HI), 0x24 CYCLE_HI, 0x28 STALL (the next read waits that many
// cycles, then STALL clears: how tests provoke a bus timeout). Other offsets: SLVERR.
`default_nettype none
module ref_regs (
    input  wire        clk,
    input  wire        rst_n,
    input  wire        wr_en,
    input  wire [11:0] wr_off,
    input  wire [31:0] wr_data,
    input  wire [3:0]  wr_strb,
    output reg         wr_err,
    input  wire        rd_en,
    input  wire [11:0] rd_off,
    output reg  [31:0] rd_data,
    output reg         rd_err,
    input  wire        stall_consume,
    output wire [31:0] stall_cycles,
    output wire        stall_armed
);
  localparam [31:0] kId = 32'h52454641, kVersion = 32'h00010000;
  reg [31:0] scratch [0:3];
  reg [63:0] cycles;
  reg [31:0] cycles_hi_latch;
  reg [31:0] stall;
  integer i;

  function automatic [31:0] merge(input [31:0] old, input [31:0] data, input [3:0] strb);
    merge = {strb[3] ? data[31:24] : old[31:24], strb[2] ? data[23:16] : old[23:16],
             strb[1] ? data[15:8] : old[15:8], strb[0] ? data[7:0] : old[7:0]};
  endfunction

  always @(*) begin
    wr_err = !(wr_off[11:4] == 8'h01 || wr_off == 12'h028);
    rd_err = 1'b0;
    rd_data = 32'd0;
    case (rd_off)
      12'h000: rd_data = kId;
      12'h004: rd_data = kVersion;
      12'h010: rd_data = scratch[0];
      12'h014: rd_data = scratch[1];
      12'h018: rd_data = scratch[2];
      12'h01C: rd_data = scratch[3];
      12'h020: rd_data = cycles[31:0];
      12'h024: rd_data = cycles_hi_latch;
      12'h028: rd_data = stall;
      default: rd_err = 1'b1;
    endcase
  end

  assign stall_cycles = stall;
  assign stall_armed = stall != 0;

  always @(posedge clk) begin
    if (!rst_n) begin
      for (i = 0; i < 4; i = i + 1) scratch[i] <= 32'd0;
      cycles <= 64'd0;
      cycles_hi_latch <= 32'd0;
      stall <= 32'd0;
    end else begin
      cycles <= cycles + 64'd1;
      if (wr_en && !wr_err) begin
        if (wr_off == 12'h028) stall <= merge(stall, wr_data, wr_strb);
        else scratch[wr_off[3:2]] <= merge(scratch[wr_off[3:2]], wr_data, wr_strb);
      end else if (stall_consume && stall != 0) begin
        stall <= 32'd0;
      end
      if (rd_en && rd_off == 12'h020) cycles_hi_latch <= cycles[63:32];
    end
  end
endmodule
`default_nettype wire
