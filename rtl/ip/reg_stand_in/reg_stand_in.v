// pr_reg_stand_in: the register file that stands in for an IP with no model
// (`pynq-remote-design import --stand-in`): an AXI4-Lite slave of WORDS 32-bit registers at
// offsets 0, 4, .. 4*(WORDS-1). Each reads back what was written (byte strobes honoured) and
// is 0 after reset; nothing else happens, so software that only configures the IP runs on.
// An offset at or beyond 4*WORDS reads 0 and ignores writes, answering OKAY, like a reserved
// offset of the real cores (rtl/ip/README.md); the byte-in-word address bits are ignored.
// busy is 0: the stand-in never does anything on its own.
`default_nettype none
/* verilator lint_off DECLFILENAME */  // README: file <core>.v holds module pr_<core>
module pr_reg_stand_in #(
    parameter integer C_S_AXI_ADDR_WIDTH = 16,
    parameter integer WORDS = 64  // >= 1
) (
    input  wire                          clk,
    input  wire                          rst_n,
    input  wire [C_S_AXI_ADDR_WIDTH-1:0] s_axi_awaddr,
    input  wire                          s_axi_awvalid,
    output wire                          s_axi_awready,
    input  wire [31:0]                   s_axi_wdata,
    input  wire [3:0]                    s_axi_wstrb,
    input  wire                          s_axi_wvalid,
    output wire                          s_axi_wready,
    output wire [1:0]                    s_axi_bresp,
    output wire                          s_axi_bvalid,
    input  wire                          s_axi_bready,
    input  wire [C_S_AXI_ADDR_WIDTH-1:0] s_axi_araddr,
    input  wire                          s_axi_arvalid,
    output wire                          s_axi_arready,
    output wire [31:0]                   s_axi_rdata,
    output wire [1:0]                    s_axi_rresp,
    output wire                          s_axi_rvalid,
    input  wire                          s_axi_rready,
    output wire                          busy
);
  localparam integer kIw = WORDS > 1 ? $clog2(WORDS) : 1;  // index bits

  wire        wr, rd, rd_accept, active;
  wire [31:0] wr_addr, wr_data, wr_mask, rd_addr;
  wire [3:0]  wr_strb;
  wire [31:0] rd_data;
  pr_axil_slave #(.ADDR_WIDTH(C_S_AXI_ADDR_WIDTH), .REGISTERED(0)) lite (
      .clk(clk), .rst_n(rst_n),
      .awaddr(s_axi_awaddr), .awvalid(s_axi_awvalid), .awready(s_axi_awready),
      .wdata(s_axi_wdata), .wstrb(s_axi_wstrb), .wvalid(s_axi_wvalid), .wready(s_axi_wready),
      .bresp(s_axi_bresp), .bvalid(s_axi_bvalid), .bready(s_axi_bready),
      .araddr(s_axi_araddr), .arvalid(s_axi_arvalid), .arready(s_axi_arready),
      .rdata(s_axi_rdata), .rresp(s_axi_rresp), .rvalid(s_axi_rvalid), .rready(s_axi_rready),
      .wr(wr), .wr_addr(wr_addr), .wr_data(wr_data), .wr_strb(wr_strb), .wr_mask(wr_mask),
      .wr_err(1'b0), .rd(rd), .rd_addr(rd_addr), .rd_data(rd_data), .rd_err(1'b0),
      .rd_accept(rd_accept), .rd_wait(32'd0), .active(active));

  // in range: the word number (address / 4) below WORDS, compared on all its 30 bits
  wire           wr_in = {2'b00, wr_addr[31:2]} < WORDS;
  wire           rd_in = {2'b00, rd_addr[31:2]} < WORDS;
  wire [kIw-1:0] wr_word = wr_addr[kIw+1:2];
  wire [kIw-1:0] rd_word = rd_addr[kIw+1:2];
  wire [31:0]    words [0:WORDS-1];

  // One flop per word, each with its own reset (a loop over a large array in one always
  // block, or a reset by replication, is beyond what Verilator takes without warnings).
  genvar g;
  generate
    for (g = 0; g < WORDS; g = g + 1) begin : g_word
      reg [31:0] q;
      always @(posedge clk) begin
        if (!rst_n) q <= 32'd0;
        else if (wr && wr_in && wr_word == g) q <= (q & ~wr_mask) | (wr_data & wr_mask);
      end
      assign words[g] = q;
    end
  endgenerate

  assign rd_data = rd_in ? words[rd_word] : 32'd0;
  assign busy = 1'b0;

  wire unused = &{1'b0, wr_strb, rd, rd_accept, active, wr_addr[1:0], rd_addr[1:0]};
endmodule
`default_nettype wire
