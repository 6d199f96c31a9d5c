// pr_mem_accel: memory-to-memory accelerator with HLS ap_ctrl_hs control (the reference design
// ref_accel, instance mem_accel_0; VLNV pynq-remote:hls:mem_accel:1.0).
// 0x00 CTRL: ap_start bit0 (RW, clears when the run completes), ap_done bit1 (clear on read),
//      ap_idle bit2 (RO), ap_ready bit3 (clear on read), auto_restart bit7 (RW)
// 0x04 GIER bit0; 0x08 IP_IER bit0 = ap_done; 0x0C IP_ISR bit0 (toggle on write)
//      (common/ap_ctrl_hs.v; interrupt = GIER & IP_IER & IP_ISR)
// 0x10/0x14 SRC lo/hi, 0x1C/0x20 DST lo/hi, 0x28 LENGTH (bytes, multiple of 4),
// 0x30 OP (0 copy, 1 add CONST to every 32-bit word, 2 xor CONST), 0x38 CONST,
// 0x40 STATUS (RO: bit0 AXI read error, bit1 AXI write error of the last run).
// Other offsets, and writes to STATUS: SLVERR. AXI4-Lite slave behind common/axil_slave.v,
// registered timing.
// SRC and DST must be 8-byte aligned. Bursts: INCR, 64-bit beats, <= 16 beats, never across 4 KiB.
`default_nettype none
/* verilator lint_off DECLFILENAME */  // README: file <core>.v holds module pr_<core>
module pr_mem_accel #(
    parameter integer C_S_AXI_CONTROL_ADDR_WIDTH = 12
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
    output wire [39:0] m_axi_gmem_awaddr,
    output wire [7:0]  m_axi_gmem_awlen,
    output wire [2:0]  m_axi_gmem_awsize,
    output wire [1:0]  m_axi_gmem_awburst,
    output wire        m_axi_gmem_awvalid,
    input  wire        m_axi_gmem_awready,
    output wire [63:0] m_axi_gmem_wdata,
    output wire [7:0]  m_axi_gmem_wstrb,
    output wire        m_axi_gmem_wlast,
    output wire        m_axi_gmem_wvalid,
    input  wire        m_axi_gmem_wready,
    input  wire [1:0]  m_axi_gmem_bresp,
    input  wire        m_axi_gmem_bvalid,
    output wire        m_axi_gmem_bready,
    output wire [39:0] m_axi_gmem_araddr,
    output wire [7:0]  m_axi_gmem_arlen,
    output wire [2:0]  m_axi_gmem_arsize,
    output wire [1:0]  m_axi_gmem_arburst,
    output wire        m_axi_gmem_arvalid,
    input  wire        m_axi_gmem_arready,
    input  wire [63:0] m_axi_gmem_rdata,
    input  wire [1:0]  m_axi_gmem_rresp,
    input  wire        m_axi_gmem_rlast,
    input  wire        m_axi_gmem_rvalid,
    output wire        m_axi_gmem_rready,
    output wire        busy,
    /* verilator lint_off SYMRSVDWORD */  // UG1399 names the port interrupt
    output wire        interrupt
    /* verilator lint_on SYMRSVDWORD */
);
  localparam [2:0] kIdle = 3'd0, kRdAddr = 3'd1, kRdData = 3'd2, kWrAddr = 3'd3,
                   kWrData = 3'd4, kWrResp = 3'd5;

  reg [63:0] src, dst;
  reg [31:0] length, op, konst;
  reg [1:0]  status;
  reg [2:0]  state;
  reg [39:0] cur_src, cur_dst;
  reg [31:0] remaining;  // bytes left to do
  reg [4:0]  index;
  reg [63:0] buffer [0:15];

  wire ap_idle = state == kIdle;

  // ---- AXI4-Lite slave (common/axil_slave.v) and the ap_ctrl_hs registers (ap_ctrl_hs.v)
  wire        wr, rd, unused_rd_accept, axil_active, ap_start, done;
  wire [31:0] waddr, raddr, wr_data, wmask, ctrl_rdata;
  wire [3:0]  wr_strb;
  reg  [31:0] rd_data;
  reg         wr_err, rd_err;
  pr_axil_slave #(.ADDR_WIDTH(C_S_AXI_CONTROL_ADDR_WIDTH), .REGISTERED(1)) axil (
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
      .wr(wr), .wr_addr(waddr), .wr_data(wr_data), .wr_strb(wr_strb), .wr_mask(wmask),
      .wr_err(wr_err), .rd(rd), .rd_addr(raddr), .rd_data(rd_data), .rd_err(rd_err),
      .rd_accept(unused_rd_accept), .rd_wait(32'd0), .active(axil_active));
  pr_ap_ctrl_hs #(.IRQ_MASK(2'b01), .EVENT_DROPS_ISR_WRITE(0), .IRQ_NEEDS_IER(1)) ctrl (
      .clk(clk), .rst_n(rst_n), .wr(wr), .wr_addr(waddr), .wr_data(wr_data),
      .wr_strb(wr_strb), .rd(rd), .rd_addr(raddr), .rdata(ctrl_rdata), .ap_idle(ap_idle),
      .ev_done(done), .ev_ready(done), .restart_ok(1'b1), .ap_start(ap_start),
      .interrupt(interrupt));
  wire [11:0] wr_off = waddr[11:0], rd_off = raddr[11:0];
  wire unused = &{1'b0, waddr[31:12], raddr[31:12]};

  function automatic [31:0] apply(input [31:0] word, input [31:0] opcode, input [31:0] k);
    case (opcode)
      32'd1: apply = word + k;
      32'd2: apply = word ^ k;
      default: apply = word;
    endcase
  endfunction

  // Beats of the next burst: at most 16, at most what is left, never across a 4 KiB page.
  wire [31:0] beats_left = (remaining + 32'd7) >> 3;
  wire [9:0]  src_page_beats = 10'd512 - {1'b0, cur_src[11:3]};
  wire [9:0]  dst_page_beats = 10'd512 - {1'b0, cur_dst[11:3]};
  wire [9:0]  page_beats = src_page_beats < dst_page_beats ? src_page_beats : dst_page_beats;
  wire [4:0]  burst_cap = page_beats < 10'd16 ? page_beats[4:0] : 5'd16;
  wire [4:0]  next_beats = beats_left < {27'd0, burst_cap} ? beats_left[4:0] : burst_cap;
  wire [4:0]  beats = next_beats;  // beats in this burst (stable during it), 0 when done
  wire        last_beat = index == beats - 5'd1;
  wire        last_burst = remaining <= {24'd0, beats, 3'd0};
  wire        half_beat = last_beat && last_burst && remaining[2];  // a final 4-byte word

  assign m_axi_gmem_araddr = cur_src;
  assign m_axi_gmem_arlen = {3'd0, beats - 5'd1};
  assign m_axi_gmem_arsize = 3'd3;
  assign m_axi_gmem_arburst = 2'b01;
  assign m_axi_gmem_arvalid = state == kRdAddr;
  assign m_axi_gmem_rready = state == kRdData;
  assign m_axi_gmem_awaddr = cur_dst;
  assign m_axi_gmem_awlen = {3'd0, beats - 5'd1};
  assign m_axi_gmem_awsize = 3'd3;
  assign m_axi_gmem_awburst = 2'b01;
  assign m_axi_gmem_awvalid = state == kWrAddr;
  assign m_axi_gmem_wdata = buffer[index[3:0]];
  assign m_axi_gmem_wstrb = half_beat ? 8'h0F : 8'hFF;
  assign m_axi_gmem_wlast = last_beat;
  assign m_axi_gmem_wvalid = state == kWrData;
  assign m_axi_gmem_bready = state == kWrResp;
  assign busy = !ap_idle || ap_start || axil_active;

  always @(*) begin
    wr_err = 1'b0;
    case (wr_off)
      12'h000, 12'h004, 12'h008, 12'h00C, 12'h010, 12'h014, 12'h01C, 12'h020, 12'h028,
      12'h030, 12'h038: wr_err = 1'b0;
      default: wr_err = 1'b1;
    endcase
    rd_err = 1'b0;
    rd_data = 32'd0;
    case (rd_off)
      12'h000, 12'h004, 12'h008, 12'h00C: rd_data = ctrl_rdata;
      12'h010: rd_data = src[31:0];
      12'h014: rd_data = src[63:32];
      12'h01C: rd_data = dst[31:0];
      12'h020: rd_data = dst[63:32];
      12'h028: rd_data = length;
      12'h030: rd_data = op;
      12'h038: rd_data = konst;
      12'h040: rd_data = {30'd0, status};
      default: rd_err = 1'b1;
    endcase
  end

  wire start_now = state == kIdle && ap_start;
  // the last write response of the run: ap_done and ap_ready (ap_start takes auto_restart)
  assign done = state == kWrResp && (m_axi_gmem_bvalid || remaining == 32'd0) &&
                remaining <= {24'd0, beats, 3'd0};

  always @(posedge clk) begin
    if (!rst_n) begin
      src <= 64'd0;
      dst <= 64'd0;
      length <= 32'd0;
      op <= 32'd0;
      konst <= 32'd0;
      status <= 2'd0;
      state <= kIdle;
      cur_src <= 40'd0;
      cur_dst <= 40'd0;
      remaining <= 32'd0;
      index <= 5'd0;
    end else begin
      if (wr && !wr_err) begin
        case (wr_off)
          12'h010: src[31:0] <= (src[31:0] & ~wmask) | (wr_data & wmask);
          12'h014: src[63:32] <= (src[63:32] & ~wmask) | (wr_data & wmask);
          12'h01C: dst[31:0] <= (dst[31:0] & ~wmask) | (wr_data & wmask);
          12'h020: dst[63:32] <= (dst[63:32] & ~wmask) | (wr_data & wmask);
          12'h028: length <= (length & ~wmask) | (wr_data & wmask);
          12'h030: op <= (op & ~wmask) | (wr_data & wmask);
          12'h038: konst <= (konst & ~wmask) | (wr_data & wmask);
          default: ;
        endcase
      end
      case (state)
        kIdle: if (start_now) begin
          cur_src <= src[39:0];
          cur_dst <= dst[39:0];
          remaining <= {length[31:2], 2'b00};
          status <= 2'd0;
          state <= length[31:2] == 30'd0 ? kWrResp : kRdAddr;
        end
        kRdAddr: if (m_axi_gmem_arready) begin
          state <= kRdData;
          index <= 5'd0;
        end
        kRdData: if (m_axi_gmem_rvalid) begin
          buffer[index[3:0]] <= {apply(m_axi_gmem_rdata[63:32], op, konst),
                                 apply(m_axi_gmem_rdata[31:0], op, konst)};
          if (m_axi_gmem_rresp != 2'b00) status[0] <= 1'b1;
          index <= index + 5'd1;
          if (m_axi_gmem_rlast) state <= kWrAddr;
        end
        kWrAddr: if (m_axi_gmem_awready) begin
          state <= kWrData;
          index <= 5'd0;
        end
        kWrData: if (m_axi_gmem_wready) begin
          index <= index + 5'd1;
          if (last_beat) state <= kWrResp;
        end
        default: ;  // kWrResp
      endcase
      if (state == kWrResp && (m_axi_gmem_bvalid || remaining == 32'd0)) begin
        if (m_axi_gmem_bvalid && m_axi_gmem_bresp != 2'b00) status[1] <= 1'b1;
        if (remaining <= {24'd0, beats, 3'd0}) begin
          state <= kIdle;
          remaining <= 32'd0;
        end else begin
          remaining <= remaining - {24'd0, beats, 3'd0};
          cur_src <= cur_src + {32'd0, beats, 3'd0};
          cur_dst <= cur_dst + {32'd0, beats, 3'd0};
          state <= kRdAddr;
        end
      end
    end
  end
endmodule
`default_nettype wire
