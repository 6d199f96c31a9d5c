// A test top with two master ports of different widths (shell convention v2, rtl/README.md):
// m_axi_hp0_* (128 bits, write-only) and m_axi_hpc0_* (64 bits, read and write). Out of
// reset, with no host access needed:
//   hp0 writes 4 beats at 0x1000, beat i word k = 0xA0000000 + 4*i + k;
//   hpc0 writes 4 beats at 0x2000, beat i = {0xB0000000 + i, 0xB1000000 + i}, in the same
//   cycles; then, once hp0's write is answered, reads 4 beats from 0x1000 (hp0's data) and
//   writes them, each plus 1, to 0x3000.
// busy stays high until all of it is done; irq[0] rises then. The AXI4-Lite slave reads
// {30'b0, hpc0 done, hp0 done} at every address and ignores writes.
`default_nettype none
/* verilator lint_off UNUSEDSIGNAL */
module multi_port (
    input  wire         clk,
    input  wire         rst_n,
    input  wire [31:0]  s_axil_awaddr,
    input  wire         s_axil_awvalid,
    output reg          s_axil_awready,
    input  wire [31:0]  s_axil_wdata,
    input  wire [3:0]   s_axil_wstrb,
    input  wire         s_axil_wvalid,
    output reg          s_axil_wready,
    output wire [1:0]   s_axil_bresp,
    output reg          s_axil_bvalid,
    input  wire         s_axil_bready,
    input  wire [31:0]  s_axil_araddr,
    input  wire         s_axil_arvalid,
    output reg          s_axil_arready,
    output reg  [31:0]  s_axil_rdata,
    output wire [1:0]   s_axil_rresp,
    output reg          s_axil_rvalid,
    input  wire         s_axil_rready,
    output wire [63:0]  m_axi_hp0_awaddr,
    output wire [7:0]   m_axi_hp0_awlen,
    output wire [2:0]   m_axi_hp0_awsize,
    output wire [1:0]   m_axi_hp0_awburst,
    output reg          m_axi_hp0_awvalid,
    input  wire         m_axi_hp0_awready,
    output wire [127:0] m_axi_hp0_wdata,
    output wire [15:0]  m_axi_hp0_wstrb,
    output wire         m_axi_hp0_wlast,
    output reg          m_axi_hp0_wvalid,
    input  wire         m_axi_hp0_wready,
    input  wire [1:0]   m_axi_hp0_bresp,
    input  wire         m_axi_hp0_bvalid,
    output wire         m_axi_hp0_bready,
    output wire [39:0]  m_axi_hpc0_awaddr,
    output wire [7:0]   m_axi_hpc0_awlen,
    output wire [2:0]   m_axi_hpc0_awsize,
    output wire [1:0]   m_axi_hpc0_awburst,
    output reg          m_axi_hpc0_awvalid,
    input  wire         m_axi_hpc0_awready,
    output wire [63:0]  m_axi_hpc0_wdata,
    output wire [7:0]   m_axi_hpc0_wstrb,
    output wire         m_axi_hpc0_wlast,
    output reg          m_axi_hpc0_wvalid,
    input  wire         m_axi_hpc0_wready,
    input  wire [1:0]   m_axi_hpc0_bresp,
    input  wire         m_axi_hpc0_bvalid,
    output wire         m_axi_hpc0_bready,
    output wire [39:0]  m_axi_hpc0_araddr,
    output wire [7:0]   m_axi_hpc0_arlen,
    output wire [2:0]   m_axi_hpc0_arsize,
    output wire [1:0]   m_axi_hpc0_arburst,
    output reg          m_axi_hpc0_arvalid,
    input  wire         m_axi_hpc0_arready,
    input  wire [63:0]  m_axi_hpc0_rdata,
    input  wire [1:0]   m_axi_hpc0_rresp,
    input  wire         m_axi_hpc0_rlast,
    input  wire         m_axi_hpc0_rvalid,
    output wire         m_axi_hpc0_rready,
    output wire [15:0]  irq,
    output wire         busy
);
  // ---- hp0: one 4-beat 128-bit write -----------------------------------------------------
  localparam [1:0] W_ADDR = 2'd0, W_DATA = 2'd1, W_RESP = 2'd2, W_DONE = 2'd3;
  reg [1:0] hp0_state;
  reg [1:0] hp0_beat;
  assign m_axi_hp0_awaddr = 64'h1000;
  assign m_axi_hp0_awlen = 8'd3;
  assign m_axi_hp0_awsize = 3'd4;
  assign m_axi_hp0_awburst = 2'b01;
  assign m_axi_hp0_wdata = {32'hA0000003 + {28'd0, hp0_beat, 2'b00},
                            32'hA0000002 + {28'd0, hp0_beat, 2'b00},
                            32'hA0000001 + {28'd0, hp0_beat, 2'b00},
                            32'hA0000000 + {28'd0, hp0_beat, 2'b00}};
  assign m_axi_hp0_wstrb = 16'hFFFF;
  assign m_axi_hp0_wlast = hp0_beat == 2'd3;
  assign m_axi_hp0_bready = hp0_state == W_RESP;
  always @(posedge clk) begin
    if (!rst_n) begin
      hp0_state <= W_ADDR;
      hp0_beat <= 2'd0;
      m_axi_hp0_awvalid <= 1'b0;
      m_axi_hp0_wvalid <= 1'b0;
    end else begin
      case (hp0_state)
        W_ADDR: begin
          m_axi_hp0_awvalid <= 1'b1;
          if (m_axi_hp0_awvalid && m_axi_hp0_awready) begin
            m_axi_hp0_awvalid <= 1'b0;
            m_axi_hp0_wvalid <= 1'b1;
            hp0_state <= W_DATA;
          end
        end
        W_DATA: if (m_axi_hp0_wready) begin
          hp0_beat <= hp0_beat + 2'd1;
          if (m_axi_hp0_wlast) begin
            m_axi_hp0_wvalid <= 1'b0;
            hp0_state <= W_RESP;
          end
        end
        W_RESP: if (m_axi_hp0_bvalid) hp0_state <= W_DONE;
        default: ;
      endcase
    end
  end

  // ---- hpc0: write 4 beats at 0x2000, read 4 from 0x1000, write them + 1 to 0x3000 --------
  localparam [2:0] C_AW = 3'd0, C_W = 3'd1, C_B = 3'd2, C_WAIT = 3'd3, C_AR = 3'd4, C_R = 3'd5,
                   C_DONE = 3'd6;
  reg [2:0] c_state;
  reg c_copy;  // the second write (the copy)
  reg [1:0] c_beat;
  reg [63:0] c_buf [0:3];
  assign m_axi_hpc0_awaddr = c_copy ? 40'h3000 : 40'h2000;
  assign m_axi_hpc0_awlen = 8'd3;
  assign m_axi_hpc0_awsize = 3'd3;
  assign m_axi_hpc0_awburst = 2'b01;
  assign m_axi_hpc0_wdata = c_copy ? c_buf[c_beat] + 64'd1
                                   : {32'hB1000000 + {30'd0, c_beat}, 32'hB0000000 + {30'd0, c_beat}};
  assign m_axi_hpc0_wstrb = 8'hFF;
  assign m_axi_hpc0_wlast = c_beat == 2'd3;
  assign m_axi_hpc0_bready = c_state == C_B;
  assign m_axi_hpc0_araddr = 40'h1000;
  assign m_axi_hpc0_arlen = 8'd3;
  assign m_axi_hpc0_arsize = 3'd3;
  assign m_axi_hpc0_arburst = 2'b01;
  assign m_axi_hpc0_rready = c_state == C_R;
  always @(posedge clk) begin
    if (!rst_n) begin
      c_state <= C_AW;
      c_copy <= 1'b0;
      c_beat <= 2'd0;
      m_axi_hpc0_awvalid <= 1'b0;
      m_axi_hpc0_wvalid <= 1'b0;
      m_axi_hpc0_arvalid <= 1'b0;
    end else begin
      case (c_state)
        C_AW: begin
          m_axi_hpc0_awvalid <= 1'b1;
          if (m_axi_hpc0_awvalid && m_axi_hpc0_awready) begin
            m_axi_hpc0_awvalid <= 1'b0;
            m_axi_hpc0_wvalid <= 1'b1;
            c_state <= C_W;
          end
        end
        C_W: if (m_axi_hpc0_wready) begin
          c_beat <= c_beat + 2'd1;
          if (m_axi_hpc0_wlast) begin
            m_axi_hpc0_wvalid <= 1'b0;
            c_state <= C_B;
          end
        end
        C_B: if (m_axi_hpc0_bvalid) c_state <= c_copy ? C_DONE : C_WAIT;
        C_WAIT: if (hp0_state == W_DONE) c_state <= C_AR;
        C_AR: begin
          m_axi_hpc0_arvalid <= 1'b1;
          if (m_axi_hpc0_arvalid && m_axi_hpc0_arready) begin
            m_axi_hpc0_arvalid <= 1'b0;
            c_state <= C_R;
          end
        end
        C_R: if (m_axi_hpc0_rvalid) begin
          c_buf[c_beat] <= m_axi_hpc0_rdata;
          c_beat <= c_beat + 2'd1;
          if (m_axi_hpc0_rlast) begin
            c_copy <= 1'b1;
            c_state <= C_AW;
          end
        end
        default: ;
      endcase
    end
  end

  // ---- AXI4-Lite: status at every address --------------------------------------------------
  assign s_axil_bresp = 2'b00;
  assign s_axil_rresp = 2'b00;
  always @(posedge clk) begin
    if (!rst_n) begin
      s_axil_awready <= 1'b0;
      s_axil_wready <= 1'b0;
      s_axil_bvalid <= 1'b0;
      s_axil_arready <= 1'b0;
      s_axil_rvalid <= 1'b0;
      s_axil_rdata <= 32'd0;
    end else begin
      s_axil_awready <= s_axil_awvalid && s_axil_wvalid && !s_axil_awready && !s_axil_bvalid;
      s_axil_wready <= s_axil_awvalid && s_axil_wvalid && !s_axil_awready && !s_axil_bvalid;
      if (s_axil_awready) s_axil_bvalid <= 1'b1;
      else if (s_axil_bready) s_axil_bvalid <= 1'b0;
      s_axil_arready <= s_axil_arvalid && !s_axil_arready && !s_axil_rvalid;
      if (s_axil_arready) begin
        s_axil_rvalid <= 1'b1;
        s_axil_rdata <= {30'd0, c_state == C_DONE, hp0_state == W_DONE};
      end else if (s_axil_rready) s_axil_rvalid <= 1'b0;
    end
  end

  assign busy = !(hp0_state == W_DONE && c_state == C_DONE);
  assign irq = {15'd0, !busy};
endmodule
