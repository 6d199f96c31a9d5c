// my_first_ip: a small AXI4-Lite peripheral on the board's shell (rtl/README.md, "Walk-through").
//
// Registers, as offsets from BASE (pynq-remote-design sets BASE from the manifest's "base"):
//   0x00 CTRL     read-write  bit 0 ENABLE: COUNT counts PL clock cycles while 1
//                             bit 1 CLEAR: writing 1 zeroes COUNT (reads 0)
//   0x04 COUNT    read-only   PL cycles counted while ENABLE was 1
//   0x08 SCRATCH  read-write  32 bits to keep; byte strobes honoured
//   0x0C A        read-write  operand A
//   0x10 B        read-write  operand B
//   0x14 SUM      read-only   A + B (modulo 2^32)
// Other offsets in the 4 KiB window, and writes to read-only registers, answer SLVERR;
// addresses outside the window DECERR (the shell passes every PS master window's full address).
module my_first_ip #(
    parameter [31:0] BASE = 32'hA000_0000
) (
    input  wire        clk,
    input  wire        rst_n,
    // AXI4-Lite slave: the full physical address, 32-bit data.
    input  wire [31:0] s_axil_awaddr,
    input  wire        s_axil_awvalid,
    output reg         s_axil_awready,
    input  wire [31:0] s_axil_wdata,
    input  wire [ 3:0] s_axil_wstrb,
    input  wire        s_axil_wvalid,
    output reg         s_axil_wready,
    output reg  [ 1:0] s_axil_bresp,
    output reg         s_axil_bvalid,
    input  wire        s_axil_bready,
    input  wire [31:0] s_axil_araddr,
    input  wire        s_axil_arvalid,
    output reg         s_axil_arready,
    output reg  [31:0] s_axil_rdata,
    output reg  [ 1:0] s_axil_rresp,
    output reg         s_axil_rvalid,
    input  wire        s_axil_rready,
    // The shell's other outputs: no interrupt, and never busy (see the README on busy).
    output wire [15:0] irq,
    output wire        busy
);
  localparam [31:0] SPAN = 32'h1000;
  localparam [1:0] OKAY = 2'b00, SLVERR = 2'b10, DECERR = 2'b11;
  localparam [9:0] R_CTRL = 10'h0, R_COUNT = 10'h1, R_SCRATCH = 10'h2, R_A = 10'h3,
                   R_B = 10'h4, R_SUM = 10'h5;

  reg        enable;
  reg [31:0] count, scratch, a, b;

  // Offsets from BASE; an address below BASE wraps to a large offset and so is outside too.
  wire [31:0] aw_off = s_axil_awaddr - BASE;
  wire [31:0] ar_off = s_axil_araddr - BASE;
  wire        aw_in = aw_off < SPAN;
  wire        ar_in = ar_off < SPAN;
  wire [ 9:0] aw_reg = aw_off[11:2];
  wire [ 9:0] ar_reg = ar_off[11:2];
  // One write at a time: address and data are taken together, then the response is held.
  wire        do_write = s_axil_awvalid && s_axil_wvalid && !s_axil_bvalid;
  wire        do_read = s_axil_arvalid && !s_axil_rvalid;
  wire        clear = do_write && aw_in && aw_reg == R_CTRL && s_axil_wstrb[0] &&
                      s_axil_wdata[1];

  function automatic [31:0] merge(input [31:0] old, input [31:0] data, input [3:0] strb);
    integer i;
    begin
      merge = old;
      for (i = 0; i < 4; i = i + 1) if (strb[i]) merge[8*i+:8] = data[8*i+:8];
    end
  endfunction

  always @(posedge clk) begin
    if (!rst_n) begin
      s_axil_awready <= 1'b0;
      s_axil_wready  <= 1'b0;
      s_axil_bvalid  <= 1'b0;
      s_axil_bresp   <= OKAY;
      s_axil_arready <= 1'b0;
      s_axil_rvalid  <= 1'b0;
      s_axil_rresp   <= OKAY;
      s_axil_rdata   <= 32'h0;
      enable         <= 1'b0;
      count          <= 32'h0;
      scratch        <= 32'h0;
      a              <= 32'h0;
      b              <= 32'h0;
    end else begin
      s_axil_awready <= do_write;
      s_axil_wready  <= do_write;
      s_axil_arready <= do_read;
      if (s_axil_bvalid && s_axil_bready) s_axil_bvalid <= 1'b0;
      if (s_axil_rvalid && s_axil_rready) s_axil_rvalid <= 1'b0;

      if (clear) count <= 32'h0;
      else if (enable) count <= count + 32'h1;

      if (do_write) begin
        s_axil_bvalid <= 1'b1;
        s_axil_bresp  <= OKAY;
        if (!aw_in) s_axil_bresp <= DECERR;
        else
          case (aw_reg)
            R_CTRL:    if (s_axil_wstrb[0]) enable <= s_axil_wdata[0];
            R_SCRATCH: scratch <= merge(scratch, s_axil_wdata, s_axil_wstrb);
            R_A:       a <= merge(a, s_axil_wdata, s_axil_wstrb);
            R_B:       b <= merge(b, s_axil_wdata, s_axil_wstrb);
            default:   s_axil_bresp <= SLVERR;  // COUNT, SUM (read-only) and the holes
          endcase
      end

      if (do_read) begin
        s_axil_rvalid <= 1'b1;
        s_axil_rresp  <= OKAY;
        s_axil_rdata  <= 32'h0;
        if (!ar_in) s_axil_rresp <= DECERR;
        else
          case (ar_reg)
            R_CTRL:    s_axil_rdata <= {31'h0, enable};
            R_COUNT:   s_axil_rdata <= count;
            R_SCRATCH: s_axil_rdata <= scratch;
            R_A:       s_axil_rdata <= a;
            R_B:       s_axil_rdata <= b;
            R_SUM:     s_axil_rdata <= a + b;
            default:   s_axil_rresp <= SLVERR;
          endcase
      end
    end
  end

  assign irq  = 16'h0;
  assign busy = 1'b0;

  // Inputs the design does not look at go to one net whose name contains "unused": Verilator's
  // -Wall does not warn about those, so the top stays lint-clean without any lint_off.
  wire _unused = &{1'b0, aw_off[1:0], ar_off[1:0]};
endmodule
