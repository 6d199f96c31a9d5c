// pr_axi_upsizer: a narrow AXI4 master (NDW = 32 or 64 bits) on a wide slave port (WDW = 64
// or 128 bits, wider than NDW), read and write, as the width converter inside a SmartConnect
// or AXI Interconnect (PG247, PG059 "upsizer") lets a narrow DMA use a wide PS HP port.
//
// INCR bursts of full narrow beats (AxSIZE = log2(NDW/8), the address aligned to them, as
// our masters issue them): each becomes one INCR burst of full wide beats (AxSIZE =
// log2(WDW/8)) from the wide beat holding the first byte (its address aligned down), long
// enough to cover every narrow beat; it crosses 4 KiB only where the narrow burst does.
//   read:  each wide beat is handed out as the narrow beats its lanes hold, lane by address;
//          the wide beat is taken (RREADY) with the narrow beat of its last lane or the burst's
//          last beat. RRESP goes with every narrow beat; RLAST marks the narrow burst's last.
//   write: narrow beats are packed by address into a wide beat with only their lanes'
//          strobes set; the wide beat leaves when its last lane is filled or with WLAST.
//          BRESP passes through.
// One burst per direction at a time (the next AR/AW is taken once the burst's last R beat /
// its B response has passed), like rtl/ip/common/axi_interconnect.v's arbiters; a packed
// wide beat costs the narrow side one cycle of WREADY low.
// AxBURST other than INCR and narrow AxSIZE are not converted (our masters issue neither).
`default_nettype none
/* verilator lint_off DECLFILENAME */  // README: file <block>.v holds module pr_<block>
module pr_axi_upsizer #(
    parameter integer AW = 40,
    parameter integer NDW = 32,  // 32 or 64, less than WDW
    parameter integer WDW = 64   // 64 or 128
) (
    input  wire               clk,
    input  wire               rst_n,
    // the narrow master
    input  wire [AW-1:0]      s_araddr,
    input  wire [7:0]         s_arlen,
    input  wire [2:0]         s_arsize,
    input  wire [1:0]         s_arburst,
    input  wire               s_arvalid,
    output wire               s_arready,
    output wire [NDW-1:0]     s_rdata,
    output wire [1:0]         s_rresp,
    output wire               s_rlast,
    output wire               s_rvalid,
    input  wire               s_rready,
    input  wire [AW-1:0]      s_awaddr,
    input  wire [7:0]         s_awlen,
    input  wire [2:0]         s_awsize,
    input  wire [1:0]         s_awburst,
    input  wire               s_awvalid,
    output wire               s_awready,
    input  wire [NDW-1:0]     s_wdata,
    input  wire [NDW/8-1:0]   s_wstrb,
    input  wire               s_wlast,
    input  wire               s_wvalid,
    output wire               s_wready,
    output wire [1:0]         s_bresp,
    output wire               s_bvalid,
    input  wire               s_bready,
    // the wide port
    output wire [AW-1:0]      m_araddr,
    output wire [7:0]         m_arlen,
    output wire [2:0]         m_arsize,
    output wire [1:0]         m_arburst,
    output wire               m_arvalid,
    input  wire               m_arready,
    input  wire [WDW-1:0]     m_rdata,
    input  wire [1:0]         m_rresp,
    input  wire               m_rlast,
    input  wire               m_rvalid,
    output wire               m_rready,
    output wire [AW-1:0]      m_awaddr,
    output wire [7:0]         m_awlen,
    output wire [2:0]         m_awsize,
    output wire [1:0]         m_awburst,
    output wire               m_awvalid,
    input  wire               m_awready,
    output wire [WDW-1:0]     m_wdata,
    output wire [WDW/8-1:0]   m_wstrb,
    output wire               m_wlast,
    output wire               m_wvalid,
    input  wire               m_wready,
    input  wire [1:0]         m_bresp,
    input  wire               m_bvalid,
    output wire               m_bready,
    output wire               busy
);
  localparam integer kNb = NDW / 8, kWb = WDW / 8;  // bytes per beat
  localparam integer kNlog = $clog2(kNb), kWlog = $clog2(kWb);
  localparam integer kLw = kWlog - kNlog;  // lane index bits (>= 1)
  localparam [kLw-1:0] kLastLane = {kLw{1'b1}};
  localparam [2:0] kWideSize = kWlog[2:0];

  // ---- read ----
  localparam [1:0] kIdle = 2'd0, kAddr = 2'd1, kData = 2'd2, kResp = 2'd3;
  reg  [1:0]     r_state;
  reg  [AW-1:0]  r_addr;
  reg  [7:0]     r_len, r_left;
  reg  [kLw-1:0] r_lane;
  wire [kLw-1:0] ar_lane = s_araddr[kWlog-1:kNlog];

  assign s_arready = r_state == kIdle;
  assign m_araddr = {r_addr[AW-1:kWlog], {kWlog{1'b0}}};
  // Wide beats minus one: (first lane + narrow beats - 1) / lanes per wide beat.
  wire [kLw+7:0] r_span = {8'd0, r_addr[kWlog-1:kNlog]} + {{kLw{1'b0}}, r_len};
  assign m_arlen = r_span[kLw+7:kLw];
  assign m_arsize = kWideSize;
  assign m_arburst = 2'b01;
  assign m_arvalid = r_state == kAddr;
  assign s_rvalid = r_state == kData && m_rvalid;
  assign s_rdata = m_rdata[r_lane*NDW +: NDW];
  assign s_rresp = m_rresp;
  assign s_rlast = r_left == 8'd0;
  assign m_rready = r_state == kData && s_rready && (r_lane == kLastLane || r_left == 8'd0);

  always @(posedge clk) begin
    if (!rst_n) begin
      r_state <= kIdle;
      r_addr <= {AW{1'b0}};
      r_len <= 8'd0;
      r_left <= 8'd0;
      r_lane <= {kLw{1'b0}};
    end else begin
      case (r_state)
        kIdle: if (s_arvalid) begin
          r_addr <= s_araddr;
          r_len <= s_arlen;
          r_left <= s_arlen;
          r_lane <= ar_lane;
          r_state <= kAddr;
        end
        kAddr: if (m_arready) r_state <= kData;
        default: if (s_rvalid && s_rready) begin
          r_lane <= r_lane + 1'b1;
          r_left <= r_left - 8'd1;
          if (r_left == 8'd0) r_state <= kIdle;
        end
      endcase
    end
  end

  // ---- write ----
  reg  [1:0]       w_state;
  reg              aw_pending;  // the wide AW not yet taken
  reg  [AW-1:0]    w_addr;
  reg  [7:0]       w_len;
  reg  [kLw-1:0]   w_lane;
  reg  [WDW-1:0]   w_buf;
  reg  [kWb-1:0]   w_strb;
  reg              w_out, w_out_last;  // a packed wide beat waits; it is the burst's last
  wire [kLw-1:0]   aw_lane = s_awaddr[kWlog-1:kNlog];
  wire             w_take = w_state == kData && s_wvalid && s_wready;

  assign s_awready = w_state == kIdle;
  assign m_awaddr = {w_addr[AW-1:kWlog], {kWlog{1'b0}}};
  wire [kLw+7:0] w_span = {8'd0, w_addr[kWlog-1:kNlog]} + {{kLw{1'b0}}, w_len};
  assign m_awlen = w_span[kLw+7:kLw];
  assign m_awsize = kWideSize;
  assign m_awburst = 2'b01;
  assign m_awvalid = aw_pending;
  assign s_wready = w_state == kData && !w_out;
  assign m_wdata = w_buf;
  assign m_wstrb = w_strb;
  assign m_wlast = w_out_last;
  assign m_wvalid = w_out;
  assign s_bvalid = w_state == kResp && m_bvalid;
  assign s_bresp = m_bresp;
  assign m_bready = w_state == kResp && s_bready;

  always @(posedge clk) begin
    if (!rst_n) begin
      w_state <= kIdle;
      aw_pending <= 1'b0;
      w_addr <= {AW{1'b0}};
      w_len <= 8'd0;
      w_lane <= {kLw{1'b0}};
      w_buf <= {WDW{1'b0}};
      w_strb <= {kWb{1'b0}};
      w_out <= 1'b0;
      w_out_last <= 1'b0;
    end else begin
      if (aw_pending && m_awready) aw_pending <= 1'b0;
      case (w_state)
        kIdle: if (s_awvalid) begin
          w_addr <= s_awaddr;
          w_len <= s_awlen;
          w_lane <= aw_lane;
          aw_pending <= 1'b1;
          w_state <= kData;
        end
        kData: begin
          if (w_take) begin
            w_buf[w_lane*NDW +: NDW] <= s_wdata;
            w_strb[w_lane*kNb +: kNb] <= s_wstrb;
            w_lane <= w_lane + 1'b1;
            if (w_lane == kLastLane || s_wlast) begin
              w_out <= 1'b1;
              w_out_last <= s_wlast;
            end
          end
          if (w_out && m_wready) begin
            w_out <= 1'b0;
            w_strb <= {kWb{1'b0}};  // the next wide beat starts with no lane written
            if (w_out_last) w_state <= kResp;
          end
        end
        default: if (s_bvalid && s_bready) w_state <= kIdle;
      endcase
    end
  end

  assign busy = r_state != kIdle || w_state != kIdle;
  wire unused = &{1'b0, s_arsize, s_arburst, s_awsize, s_awburst, m_rlast, r_span[kLw-1:0],
                  w_span[kLw-1:0], r_addr[kNlog-1:0], w_addr[kNlog-1:0]};
endmodule
`default_nettype wire
