// pr_hls_stream_scale: what Vitis HLS makes of
//   void stream_scale(hls::stream<axis32> &in, hls::stream<axis32> &out,
//                     int length, int scale, int offset)   // s_axilite control, ap_ctrl_hs
// for each of `length` input words: out = in * scale + offset (32-bit wrap), TLAST on the
// last output word, TKEEP all ones; input TLAST/TKEEP are not looked at. One word per cycle.
// Control register layout as UG1399 ("Vitis HLS User Guide", S_AXILITE control register map)
// (common/ap_ctrl_hs.v, shared with resize_accel and mem_accel):
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
    output wire                                  s_axi_control_bvalid,
    input  wire                                  s_axi_control_bready,
    input  wire [C_S_AXI_CONTROL_ADDR_WIDTH-1:0] s_axi_control_araddr,
    input  wire                                  s_axi_control_arvalid,
    output wire                                  s_axi_control_arready,
    output wire [31:0]                           s_axi_control_rdata,
    output wire [1:0]                            s_axi_control_rresp,
    output wire                                  s_axi_control_rvalid,
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
  localparam [31:0] kLength = 32'h10, kScale = 32'h18, kOffset = 32'h20;

  // ---- AXI4-Lite slave (common/axil_slave.v): a write takes address and data together, a
  // read answers next cycle, always OKAY
  wire        wr, rd, unused_rd_accept, unused_active;
  wire [31:0] waddr, raddr, wdata, wmask, ctrl_rdata;
  wire [3:0]  wstrb;
  reg  [31:0] rdata;
  pr_axil_slave #(.ADDR_WIDTH(C_S_AXI_CONTROL_ADDR_WIDTH), .REGISTERED(0)) axil (
      .clk(clk), .rst_n(rst_n),
      .awaddr(s_axi_control_awaddr), .awvalid(s_axi_control_awvalid),
      .awready(s_axi_control_awready), .wdata(s_axi_control_wdata),
      .wstrb(s_axi_control_wstrb), .wvalid(s_axi_control_wvalid),
      .wready(s_axi_control_wready), .bresp(s_axi_control_bresp),
      .bvalid(s_axi_control_bvalid), .bready(s_axi_control_bready),
      .araddr(s_axi_control_araddr), .arvalid(s_axi_control_arvalid),
      .arready(s_axi_control_arready), .rdata(s_axi_control_rdata),
      .rresp(s_axi_control_rresp), .rvalid(s_axi_control_rvalid),
      .rready(s_axi_control_rready),
      .wr(wr), .wr_addr(waddr), .wr_data(wdata), .wr_strb(wstrb), .wr_mask(wmask),
      .wr_err(1'b0), .rd(rd), .rd_addr(raddr), .rd_data(rdata), .rd_err(1'b0),
      .rd_accept(unused_rd_accept), .rd_wait(32'd0), .active(unused_active));

  // ---- control registers (common/ap_ctrl_hs.v) and the run. ap_done and ap_ready come
  // together when the run finishes; a finishing cycle drops an IP_ISR write.
  wire       ap_start;
  reg [31:0] length, scale, offset;
  reg        running;
  reg [31:0] run_length, run_scale, run_offset, taken;

  wire more = taken != run_length;
  assign s_axis_tready = running && more && (!m_axis_tvalid || m_axis_tready);
  wire take = s_axis_tvalid && s_axis_tready;
  wire finish = running && !more && !m_axis_tvalid;
  assign m_axis_tkeep = 4'hF;
  assign busy = running || ap_start;

  pr_ap_ctrl_hs #(.IRQ_MASK(2'b11), .EVENT_DROPS_ISR_WRITE(1), .IRQ_NEEDS_IER(0)) ctrl (
      .clk(clk), .rst_n(rst_n), .wr(wr), .wr_addr(waddr), .wr_data(wdata), .wr_strb(wstrb),
      .rd(rd), .rd_addr(raddr), .rdata(ctrl_rdata), .ap_idle(!running), .ev_done(finish),
      .ev_ready(finish), .restart_ok(1'b1), .ap_start(ap_start), .interrupt(interrupt));

  always @(*) begin
    case (raddr)
      kLength: rdata = length;
      kScale: rdata = scale;
      kOffset: rdata = offset;
      default: rdata = ctrl_rdata;
    endcase
  end

  always @(posedge clk) begin
    if (!rst_n) begin
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
      if (wr) begin
        case (waddr)
          kLength: length <= (length & ~wmask) | (wdata & wmask);
          kScale: scale <= (scale & ~wmask) | (wdata & wmask);
          kOffset: offset <= (offset & ~wmask) | (wdata & wmask);
          default: ;
        endcase
      end
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
      if (finish) running <= 1'b0;
    end
  end

  wire unused = &{1'b0, s_axis_tkeep, s_axis_tlast};
endmodule
`default_nettype wire
