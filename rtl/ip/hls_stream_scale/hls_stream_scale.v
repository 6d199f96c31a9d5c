// pr_hls_stream_scale: what Vitis HLS makes of
//   void stream_scale(hls::stream<axis32> &in, hls::stream<axis32> &out,
//                     int length, int scale, int offset)   // s_axilite control, ap_ctrl_hs
// for each of `length` input words: out = in * scale + offset (32-bit wrap), TLAST on the
// last output word, TKEEP all ones; input TLAST/TKEEP are not looked at. One word per cycle.
// Control register layout as UG1399 ("Vitis HLS User Guide", S_AXILITE control register map)
// and as mem_accel (rtl/designs/ref_accel) does it:
// 0x00 CTRL   ap_start bit0 (RW: write 1 to start; stays 1 until the run is done, then takes
//             auto_restart), ap_done bit1 (COR), ap_idle bit2 (RO), ap_ready bit3 (COR),
//             auto_restart bit7 (RW)
// 0x04 GIER   bit0 global interrupt enable
// 0x08 IP_IER bit0 ap_done, bit1 ap_ready
// 0x0C IP_ISR bit0 ap_done, bit1 ap_ready; set on the event when its IER bit is set, toggle
//             on write (an event in the same cycle wins)
// 0x10 length (words), 0x18 scale, 0x20 offset (signed 32-bit; two's complement wrap)
// Arguments are taken when a run starts. A start written while running changes nothing
// (ap_start is already 1). Other offsets read 0 and ignore writes, OKAY.
// interrupt = GIER & |ISR, level high. busy while a run is pending or going on.
`default_nettype none
/* verilator lint_off DECLFILENAME */  // README: file <core>.v holds module pr_<core>
module pr_hls_stream_scale #(
    parameter integer C_S_AXI_CONTROL_ADDR_WIDTH = 9
) (
    input  wire                                  clk,
    input  wire                                  rst_n,
    input  wire [C_S_AXI_CONTROL_ADDR_WIDTH-1:0] s_axi_control_awaddr,
    input  wire                                  s_axi_control_awvalid,
    output wire                                  s_axi_control_awready,
    input  wire [31:0]                           s_axi_control_wdata,
    input  wire [3:0]                            s_axi_control_wstrb,
    input  wire                                  s_axi_control_wvalid,
    output wire                                  s_axi_control_wready,
    output wire [1:0]                            s_axi_control_bresp,
    output reg                                   s_axi_control_bvalid,
    input  wire                                  s_axi_control_bready,
    input  wire [C_S_AXI_CONTROL_ADDR_WIDTH-1:0] s_axi_control_araddr,
    input  wire                                  s_axi_control_arvalid,
    output wire                                  s_axi_control_arready,
    output reg  [31:0]                           s_axi_control_rdata,
    output wire [1:0]                            s_axi_control_rresp,
    output reg                                   s_axi_control_rvalid,
    input  wire                                  s_axi_control_rready,
    input  wire [31:0]                           s_axis_tdata,
    input  wire [3:0]                            s_axis_tkeep,
    input  wire                                  s_axis_tlast,
    input  wire                                  s_axis_tvalid,
    output wire                                  s_axis_tready,
    output reg  [31:0]                           m_axis_tdata,
    output wire [3:0]                            m_axis_tkeep,
    output reg                                   m_axis_tlast,
    output reg                                   m_axis_tvalid,
    input  wire                                  m_axis_tready,
    /* verilator lint_off SYMRSVDWORD */  // UG1399 names the port interrupt
    output wire                                  interrupt,
    /* verilator lint_on SYMRSVDWORD */
    output wire                                  busy
);
  localparam [31:0] kCtrl = 32'h00, kGier = 32'h04, kIer = 32'h08, kIsr = 32'h0C,
                    kLength = 32'h10, kScale = 32'h18, kOffset = 32'h20;

  function automatic [31:0] merge(input [31:0] old, input [31:0] d, input [3:0] strb);
    merge = {strb[3] ? d[31:24] : old[31:24], strb[2] ? d[23:16] : old[23:16],
             strb[1] ? d[15:8] : old[15:8], strb[0] ? d[7:0] : old[7:0]};
  endfunction

  // ---- AXI4-Lite slave: a write takes address and data together, a read answers next cycle
  wire [31:0] waddr, raddr;
  generate
    if (C_S_AXI_CONTROL_ADDR_WIDTH < 32) begin : g_ext
      assign waddr = {{(32 - C_S_AXI_CONTROL_ADDR_WIDTH){1'b0}}, s_axi_control_awaddr};
      assign raddr = {{(32 - C_S_AXI_CONTROL_ADDR_WIDTH){1'b0}}, s_axi_control_araddr};
    end else begin : g_full
      assign waddr = s_axi_control_awaddr[31:0];
      assign raddr = s_axi_control_araddr[31:0];
    end
  endgenerate
  wire wr = s_axi_control_awvalid && s_axi_control_wvalid && !s_axi_control_bvalid;
  wire rd = s_axi_control_arvalid && !s_axi_control_rvalid;
  assign s_axi_control_awready = wr;
  assign s_axi_control_wready = wr;
  assign s_axi_control_arready = rd;
  assign s_axi_control_bresp = 2'b00;
  assign s_axi_control_rresp = 2'b00;

  // ---- control registers and the run
  reg        ap_start, ap_done, ap_ready, auto_restart, gier;
  reg [1:0]  ier, isr;
  reg [31:0] length, scale, offset;
  reg        running;
  reg [31:0] run_length, run_scale, run_offset, taken;

  wire ap_idle = !running;
  wire more = taken != run_length;
  assign s_axis_tready = running && more && (!m_axis_tvalid || m_axis_tready);
  wire take = s_axis_tvalid && s_axis_tready;
  wire finish = running && !more && !m_axis_tvalid;
  assign m_axis_tkeep = 4'hF;
  assign interrupt = gier && isr != 2'b00;
  assign busy = running || ap_start;

  reg [31:0] rdata;
  always @(*) begin
    case (raddr)
      kCtrl: rdata = {24'd0, auto_restart, 3'd0, ap_ready, ap_idle, ap_done, ap_start};
      kGier: rdata = {31'd0, gier};
      kIer: rdata = {30'd0, ier};
      kIsr: rdata = {30'd0, isr};
      kLength: rdata = length;
      kScale: rdata = scale;
      kOffset: rdata = offset;
      default: rdata = 32'd0;
    endcase
  end

  always @(posedge clk) begin
    if (!rst_n) begin
      s_axi_control_bvalid <= 1'b0;
      s_axi_control_rvalid <= 1'b0;
      s_axi_control_rdata <= 32'd0;
      ap_start <= 1'b0;
      ap_done <= 1'b0;
      ap_ready <= 1'b0;
      auto_restart <= 1'b0;
      gier <= 1'b0;
      ier <= 2'b00;
      isr <= 2'b00;
      length <= 32'd0;
      scale <= 32'd0;
      offset <= 32'd0;
      running <= 1'b0;
      run_length <= 32'd0;
      run_scale <= 32'd0;
      run_offset <= 32'd0;
      taken <= 32'd0;
      m_axis_tdata <= 32'd0;
      m_axis_tlast <= 1'b0;
      m_axis_tvalid <= 1'b0;
    end else begin
      // bus
      if (wr) s_axi_control_bvalid <= 1'b1;
      else if (s_axi_control_bready) s_axi_control_bvalid <= 1'b0;
      if (rd) begin
        s_axi_control_rvalid <= 1'b1;
        s_axi_control_rdata <= rdata;
      end else if (s_axi_control_rready) begin
        s_axi_control_rvalid <= 1'b0;
      end
      // registers
      if (rd && raddr == kCtrl) begin
        ap_done <= 1'b0;
        ap_ready <= 1'b0;
      end
      if (wr) begin
        case (waddr)
          kCtrl: if (s_axi_control_wstrb[0]) begin
            if (s_axi_control_wdata[0]) ap_start <= 1'b1;
            auto_restart <= s_axi_control_wdata[7];
          end
          kGier: if (s_axi_control_wstrb[0]) gier <= s_axi_control_wdata[0];
          kIer: if (s_axi_control_wstrb[0]) ier <= s_axi_control_wdata[1:0];
          kLength: length <= merge(length, s_axi_control_wdata, s_axi_control_wstrb);
          kScale: scale <= merge(scale, s_axi_control_wdata, s_axi_control_wstrb);
          kOffset: offset <= merge(offset, s_axi_control_wdata, s_axi_control_wstrb);
          default: ;
        endcase
      end
      if (finish) isr <= isr | ier;  // ap_done and ap_ready come together here
      else if (wr && waddr == kIsr && s_axi_control_wstrb[0]) isr <= isr ^ s_axi_control_wdata[1:0];
      // the run
      if (!running && ap_start) begin
        running <= 1'b1;
        run_length <= length;
        run_scale <= scale;
        run_offset <= offset;
        taken <= 32'd0;
      end
      if (take) begin
        m_axis_tdata <= s_axis_tdata * run_scale + run_offset;
        m_axis_tlast <= taken == run_length - 32'd1;
        m_axis_tvalid <= 1'b1;
        taken <= taken + 32'd1;
      end else if (m_axis_tready) begin
        m_axis_tvalid <= 1'b0;
      end
      if (finish) begin
        running <= 1'b0;
        ap_done <= 1'b1;
        ap_ready <= 1'b1;
        ap_start <= auto_restart;
      end
    end
  end

  wire unused = &{1'b0, s_axis_tkeep, s_axis_tlast};
endmodule
`default_nettype wire
