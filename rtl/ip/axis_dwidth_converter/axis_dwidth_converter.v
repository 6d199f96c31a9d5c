// pr_axis_dwidth_converter: AXI4-Stream data width converter, the synchronous subset of
// xilinx.com:ip:axis_dwidth_converter:1.1 (PG085) for any pair S_TDATA_NUM_BYTES ->
// M_TDATA_NUM_BYTES, integer ratio or not (4 -> 3 and 3 -> 4 carry 24-bit pixels on a 32-bit
// stream). Bytes keep their order, little-endian (byte 0 in TDATA[7:0]); input bytes whose
// TKEEP bit is 0 are dropped (null bytes), the rest are packed. An output beat holds
// M_TDATA_NUM_BYTES bytes, except the one carrying a packet's last byte: it has TLAST and,
// when short, TKEEP low bytes only (unused TDATA bytes read 0). Bytes of two packets never
// share a beat. A beat with TLAST and no kept byte ends the packet at the last byte held
// (dropped when nothing is held).
// The core is a byte buffer of S + M + max(S, M) bytes with a packet-end flag per byte:
// enough that the narrower side moves a beat every cycle. s_axis_tready and m_axis_tvalid
// depend on the buffer state only.
`default_nettype none
/* verilator lint_off DECLFILENAME */  // file <core>.v holds module pr_<core> (README.md)
module pr_axis_dwidth_converter #(
    parameter integer S_TDATA_NUM_BYTES = 4,
    parameter integer M_TDATA_NUM_BYTES = 3
) (
    input  wire                           clk,
    input  wire                           rst_n,
    input  wire [8*S_TDATA_NUM_BYTES-1:0] s_axis_tdata,
    input  wire [S_TDATA_NUM_BYTES-1:0]   s_axis_tkeep,
    input  wire                           s_axis_tlast,
    input  wire                           s_axis_tvalid,
    output wire                           s_axis_tready,
    output reg  [8*M_TDATA_NUM_BYTES-1:0] m_axis_tdata,
    output reg  [M_TDATA_NUM_BYTES-1:0]   m_axis_tkeep,
    output reg                            m_axis_tlast,
    output reg                            m_axis_tvalid,
    input  wire                           m_axis_tready,
    output wire                           busy
);
  localparam integer kS = S_TDATA_NUM_BYTES, kM = M_TDATA_NUM_BYTES;
  localparam integer kCap = kS + kM + (kS > kM ? kS : kM);  // bytes held at most
  localparam integer kCw = $clog2(kCap + 1);

  reg [8*kCap-1:0] bytes;  // byte i in bits 8i+7..8i
  reg [kCap-1:0]   eop;    // byte i ends a packet
  reg [kCw-1:0]    count;  // bytes held

  // ---- output beat: up to M bytes, cut after the first packet end ----
  reg [kCw-1:0] out_n;
  reg           cut;
  integer i;
  always @(*) begin
    out_n = (count < kM[kCw-1:0]) ? count : kM[kCw-1:0];
    cut = 1'b0;
    for (i = kM - 1; i >= 0; i = i - 1) begin
      if (i < count && eop[i]) begin
        out_n = i[kCw-1:0] + 1'b1;
        cut = 1'b1;
      end
    end
    m_axis_tvalid = count >= kM[kCw-1:0] || cut;
    m_axis_tlast = cut;
    for (i = 0; i < kM; i = i + 1) begin
      m_axis_tkeep[i] = i < out_n;
      m_axis_tdata[8*i+:8] = i < out_n ? bytes[8*i+:8] : 8'd0;
    end
  end

  // ---- input beat: the kept bytes, packed ----
  reg [8*kS-1:0] in_bytes;
  reg [kCw-1:0]  in_n;
  always @(*) begin
    in_bytes = {8 * kS{1'b0}};
    in_n = {kCw{1'b0}};
    for (i = 0; i < kS; i = i + 1) begin
      if (s_axis_tkeep[i]) begin
        in_bytes[8*in_n+:8] = s_axis_tdata[8*i+:8];
        in_n = in_n + 1'b1;
      end
    end
  end

  localparam integer kRoom = kCap - kS;  // most bytes held that still leave room for a beat
  assign s_axis_tready = count <= kRoom[kCw-1:0];

  wire          take = s_axis_tvalid && s_axis_tready;
  // Busy means "a beat moves": held bytes that wait for the consumer, or for the rest of a
  // beat, do not keep the board simulating (rtl/ip/README.md). Output is combinational
  // over the held bytes, so nothing moves without a handshake.
  assign busy = take || (m_axis_tvalid && m_axis_tready);
  wire [kCw-1:0] popped = (m_axis_tvalid && m_axis_tready) ? out_n : {kCw{1'b0}};
  wire [kCw-1:0] kept = count - popped;  // held bytes that stay
  wire [8*kCap-1:0] kept_bytes = bytes >> (8 * popped);
  wire [kCap-1:0]   kept_eop = eop >> popped;
  wire [8*kCap-1:0] in_wide = {{8 * (kCap - kS){1'b0}}, in_bytes};
  wire [kCap-1:0]   in_last_bit = {{(kCap - 1){1'b0}}, 1'b1} << (kept + in_n - 1'b1);

  always @(posedge clk) begin
    if (!rst_n) begin
      bytes <= {8 * kCap{1'b0}};
      eop <= {kCap{1'b0}};
      count <= {kCw{1'b0}};
    end else begin
      if (take) begin
        bytes <= kept_bytes | (in_wide << (8 * kept));
        count <= kept + in_n;
        // a packet end on the last byte now held (a null beat marks the last byte kept)
        eop <= kept_eop | ((s_axis_tlast && (kept + in_n) != {kCw{1'b0}}) ? in_last_bit
                                                                          : {kCap{1'b0}});
      end else begin
        bytes <= kept_bytes;
        count <= kept;
        eop <= kept_eop;
      end
    end
  end
endmodule
`default_nettype wire
