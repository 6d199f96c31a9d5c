// mem_accel: memory-to-memory accelerator with HLS ap_ctrl_hs-style control (UG902 layout).
// 0x00 CTRL: ap_start bit0 (RW, clears when the run completes), ap_done bit1 (clear on read),
//      ap_idle bit2 (RO), ap_ready bit3 (clear on read), auto_restart bit7 (RW)
// 0x04 GIER bit0; 0x08 IP_IER bit0 = ap_done; 0x0C IP_ISR bit0 (toggle on write)
// 0x10/0x14 SRC lo/hi, 0x1C/0x20 DST lo/hi, 0x28 LENGTH (bytes, multiple of 4),
// 0x30 OP (0 copy, 1 add CONST to every 32-bit word, 2 xor CONST), 0x38 CONST,
// 0x40 STATUS (RO: bit0 AXI read error, bit1 AXI write error of the last run).
// SRC and DST must be 8-byte aligned. Bursts: INCR, 64-bit beats, <= 16 beats, never across 4 KiB.
`default_nettype none
module mem_accel (
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
    output wire [39:0] m_axi_awaddr,
    output wire [7:0]  m_axi_awlen,
    output wire [2:0]  m_axi_awsize,
    output wire [1:0]  m_axi_awburst,
    output wire        m_axi_awvalid,
    input  wire        m_axi_awready,
    output wire [63:0] m_axi_wdata,
    output wire [7:0]  m_axi_wstrb,
    output wire        m_axi_wlast,
    output wire        m_axi_wvalid,
    input  wire        m_axi_wready,
    input  wire [1:0]  m_axi_bresp,
    input  wire        m_axi_bvalid,
    output wire        m_axi_bready,
    output wire [39:0] m_axi_araddr,
    output wire [7:0]  m_axi_arlen,
    output wire [2:0]  m_axi_arsize,
    output wire [1:0]  m_axi_arburst,
    output wire        m_axi_arvalid,
    input  wire        m_axi_arready,
    input  wire [63:0] m_axi_rdata,
    input  wire [1:0]  m_axi_rresp,
    input  wire        m_axi_rlast,
    input  wire        m_axi_rvalid,
    output wire        m_axi_rready,
    output wire        busy,
    output wire        interrupt
);
  localparam [2:0] kIdle = 3'd0, kRdAddr = 3'd1, kRdData = 3'd2, kWrAddr = 3'd3,
                   kWrData = 3'd4, kWrResp = 3'd5;

  reg        ap_start, ap_done, ap_ready, auto_restart, gier, ier, isr;
  reg [63:0] src, dst;
  reg [31:0] length, op, konst;
  reg [1:0]  status;
  reg [2:0]  state;
  reg [39:0] cur_src, cur_dst;
  reg [31:0] remaining;  // bytes left to do
  reg [4:0]  index;
  reg [63:0] buffer [0:15];

  wire ap_idle = state == kIdle;

  function automatic [31:0] merge(input [31:0] old, input [31:0] data, input [3:0] strb);
    merge = {strb[3] ? data[31:24] : old[31:24], strb[2] ? data[23:16] : old[23:16],
             strb[1] ? data[15:8] : old[15:8], strb[0] ? data[7:0] : old[7:0]};
  endfunction

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

  assign m_axi_araddr = cur_src;
  assign m_axi_arlen = {3'd0, beats - 5'd1};
  assign m_axi_arsize = 3'd3;
  assign m_axi_arburst = 2'b01;
  assign m_axi_arvalid = state == kRdAddr;
  assign m_axi_rready = state == kRdData;
  assign m_axi_awaddr = cur_dst;
  assign m_axi_awlen = {3'd0, beats - 5'd1};
  assign m_axi_awsize = 3'd3;
  assign m_axi_awburst = 2'b01;
  assign m_axi_awvalid = state == kWrAddr;
  assign m_axi_wdata = buffer[index[3:0]];
  assign m_axi_wstrb = half_beat ? 8'h0F : 8'hFF;
  assign m_axi_wlast = last_beat;
  assign m_axi_wvalid = state == kWrData;
  assign m_axi_bready = state == kWrResp;
  assign busy = !ap_idle || ap_start;
  assign interrupt = gier && ier && isr;

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
      12'h000: rd_data = {24'd0, auto_restart, 3'd0, ap_ready, ap_idle, ap_done, ap_start};
      12'h004: rd_data = {31'd0, gier};
      12'h008: rd_data = {31'd0, ier};
      12'h00C: rd_data = {31'd0, isr};
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

  always @(posedge clk) begin
    if (!rst_n) begin
      ap_start <= 1'b0;
      ap_done <= 1'b0;
      ap_ready <= 1'b0;
      auto_restart <= 1'b0;
      gier <= 1'b0;
      ier <= 1'b0;
      isr <= 1'b0;
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
      if (rd_en && rd_off == 12'h000) begin
        ap_done <= 1'b0;
        ap_ready <= 1'b0;
      end
      if (wr_en && !wr_err) begin
        case (wr_off)
          12'h000: begin
            if (wr_strb[0] && wr_data[0]) ap_start <= 1'b1;
            if (wr_strb[0]) auto_restart <= wr_data[7];
          end
          12'h004: if (wr_strb[0]) gier <= wr_data[0];
          12'h008: if (wr_strb[0]) ier <= wr_data[0];
          12'h00C: if (wr_strb[0] && wr_data[0]) isr <= !isr;
          12'h010: src[31:0] <= merge(src[31:0], wr_data, wr_strb);
          12'h014: src[63:32] <= merge(src[63:32], wr_data, wr_strb);
          12'h01C: dst[31:0] <= merge(dst[31:0], wr_data, wr_strb);
          12'h020: dst[63:32] <= merge(dst[63:32], wr_data, wr_strb);
          12'h028: length <= merge(length, wr_data, wr_strb);
          12'h030: op <= merge(op, wr_data, wr_strb);
          12'h038: konst <= merge(konst, wr_data, wr_strb);
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
        kRdAddr: if (m_axi_arready) begin
          state <= kRdData;
          index <= 5'd0;
        end
        kRdData: if (m_axi_rvalid) begin
          buffer[index[3:0]] <= {apply(m_axi_rdata[63:32], op, konst),
                                 apply(m_axi_rdata[31:0], op, konst)};
          if (m_axi_rresp != 2'b00) status[0] <= 1'b1;
          index <= index + 5'd1;
          if (m_axi_rlast) state <= kWrAddr;
        end
        kWrAddr: if (m_axi_awready) begin
          state <= kWrData;
          index <= 5'd0;
        end
        kWrData: if (m_axi_wready) begin
          index <= index + 5'd1;
          if (last_beat) state <= kWrResp;
        end
        default: ;  // kWrResp
      endcase
      if (state == kWrResp && (m_axi_bvalid || remaining == 32'd0)) begin
        if (m_axi_bvalid && m_axi_bresp != 2'b00) status[1] <= 1'b1;
        if (remaining <= {24'd0, beats, 3'd0}) begin
          state <= kIdle;
          remaining <= 32'd0;
          ap_done <= 1'b1;
          ap_ready <= 1'b1;
          ap_start <= auto_restart;
          if (ier) isr <= 1'b1;
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
