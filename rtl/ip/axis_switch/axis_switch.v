// pr_axis_switch: xilinx.com:ip:axis_switch:1.1 (PG085, "AXI4-Stream Switch"), NUM_SI (1..8)
// slave streams s00_axis_* .. onto NUM_MI (1..8) master streams m00_axis_* .. (TDATA, TKEEP,
// TLAST, TDEST), with packet-boundary arbitration: an MI granted to an SI keeps the grant
// until the beat with TLAST has passed, so packets never interleave. Round-robin among the
// SIs that want an MI, one idle cycle per grant. Ports at or above NUM_SI/NUM_MI are idle.
//
// ROUTING_MODE (ROUTING is the same switch, the name the pynq-remote manifests use):
//   0  by TDEST: MI i takes the beats whose TDEST == i (PG085's decoder with one TDEST per
//      MI, in order; no other ranges). A beat whose TDEST names no MI is dropped (taken and
//      discarded), as the IP drops a beat that decodes to no MI; it never blocks its SI.
//   1  by control registers, on the AXI4-Lite slave s_axi_ctrl_* (PG085 "Register Space";
//      PYNQ's pynq/lib/axiswitch.py StreamSwitch writes every MI_MUX, then CTRL = 0x2):
//      0x00       CTRL     bit 1 REG_UPDATE: writing 1 commits the MI_MUX registers to the
//                          switch and in_reset-resets the switch for 16 cycles (no beat moves,
//                          grants dropped); reads 1 until that is over, then 0.
//      0x40+4*i   MI_MUX i bits 3:0 the SI MI i takes, bit 31 disables MI i; reads back what
//                          was written (those bits). Double-buffered: nothing changes before
//                          the commit. An SI selected by several MIs goes to the lowest of
//                          them only (the others are disabled), an SI nobody selects is held
//                          (TREADY low); an SI number >= NUM_SI disables the MI.
//      Reset: every MI_MUX reads 0x80000000 (all MIs disabled) until software configures
//      them (our choice: PG085 names no reset value). Other offsets read 0, writes ignored,
//      OKAY. In mode 0 the registers exist and read back but route nothing.
// TDEST passes through to the MI unchanged.
`default_nettype none
/* verilator lint_off DECLFILENAME */  // README: file <core>.v holds module pr_<core>
module pr_axis_switch #(
    parameter integer NUM_SI = 2,           // 1..8
    parameter integer NUM_MI = 2,           // 1..8
    parameter integer TDATA_NUM_BYTES = 4,
    parameter integer TDEST_WIDTH = 3,      // 1..8
    parameter integer ROUTING_MODE = 0,     // 0: TDEST, 1: control registers
    parameter integer ROUTING = ROUTING_MODE,
    parameter integer C_S_AXI_CTRL_ADDR_WIDTH = 7
) (
    input  wire                               clk,
    input  wire                               rst_n,
    input  wire [C_S_AXI_CTRL_ADDR_WIDTH-1:0] s_axi_ctrl_awaddr,
    input  wire                               s_axi_ctrl_awvalid,
    output wire                               s_axi_ctrl_awready,
    input  wire [31:0]                        s_axi_ctrl_wdata,
    input  wire [3:0]                         s_axi_ctrl_wstrb,
    input  wire                               s_axi_ctrl_wvalid,
    output wire                               s_axi_ctrl_wready,
    output wire [1:0]                         s_axi_ctrl_bresp,
    output wire                               s_axi_ctrl_bvalid,
    input  wire                               s_axi_ctrl_bready,
    input  wire [C_S_AXI_CTRL_ADDR_WIDTH-1:0] s_axi_ctrl_araddr,
    input  wire                               s_axi_ctrl_arvalid,
    output wire                               s_axi_ctrl_arready,
    output wire [31:0]                        s_axi_ctrl_rdata,
    output wire [1:0]                         s_axi_ctrl_rresp,
    output wire                               s_axi_ctrl_rvalid,
    input  wire                               s_axi_ctrl_rready,
    input  wire [8*TDATA_NUM_BYTES-1:0]     s00_axis_tdata,
    input  wire [TDATA_NUM_BYTES-1:0]       s00_axis_tkeep,
    input  wire                             s00_axis_tlast,
    input  wire [TDEST_WIDTH-1:0]           s00_axis_tdest,
    input  wire                             s00_axis_tvalid,
    output wire                             s00_axis_tready,
    input  wire [8*TDATA_NUM_BYTES-1:0]     s01_axis_tdata,
    input  wire [TDATA_NUM_BYTES-1:0]       s01_axis_tkeep,
    input  wire                             s01_axis_tlast,
    input  wire [TDEST_WIDTH-1:0]           s01_axis_tdest,
    input  wire                             s01_axis_tvalid,
    output wire                             s01_axis_tready,
    input  wire [8*TDATA_NUM_BYTES-1:0]     s02_axis_tdata,
    input  wire [TDATA_NUM_BYTES-1:0]       s02_axis_tkeep,
    input  wire                             s02_axis_tlast,
    input  wire [TDEST_WIDTH-1:0]           s02_axis_tdest,
    input  wire                             s02_axis_tvalid,
    output wire                             s02_axis_tready,
    input  wire [8*TDATA_NUM_BYTES-1:0]     s03_axis_tdata,
    input  wire [TDATA_NUM_BYTES-1:0]       s03_axis_tkeep,
    input  wire                             s03_axis_tlast,
    input  wire [TDEST_WIDTH-1:0]           s03_axis_tdest,
    input  wire                             s03_axis_tvalid,
    output wire                             s03_axis_tready,
    input  wire [8*TDATA_NUM_BYTES-1:0]     s04_axis_tdata,
    input  wire [TDATA_NUM_BYTES-1:0]       s04_axis_tkeep,
    input  wire                             s04_axis_tlast,
    input  wire [TDEST_WIDTH-1:0]           s04_axis_tdest,
    input  wire                             s04_axis_tvalid,
    output wire                             s04_axis_tready,
    input  wire [8*TDATA_NUM_BYTES-1:0]     s05_axis_tdata,
    input  wire [TDATA_NUM_BYTES-1:0]       s05_axis_tkeep,
    input  wire                             s05_axis_tlast,
    input  wire [TDEST_WIDTH-1:0]           s05_axis_tdest,
    input  wire                             s05_axis_tvalid,
    output wire                             s05_axis_tready,
    input  wire [8*TDATA_NUM_BYTES-1:0]     s06_axis_tdata,
    input  wire [TDATA_NUM_BYTES-1:0]       s06_axis_tkeep,
    input  wire                             s06_axis_tlast,
    input  wire [TDEST_WIDTH-1:0]           s06_axis_tdest,
    input  wire                             s06_axis_tvalid,
    output wire                             s06_axis_tready,
    input  wire [8*TDATA_NUM_BYTES-1:0]     s07_axis_tdata,
    input  wire [TDATA_NUM_BYTES-1:0]       s07_axis_tkeep,
    input  wire                             s07_axis_tlast,
    input  wire [TDEST_WIDTH-1:0]           s07_axis_tdest,
    input  wire                             s07_axis_tvalid,
    output wire                             s07_axis_tready,
    output wire [8*TDATA_NUM_BYTES-1:0]     m00_axis_tdata,
    output wire [TDATA_NUM_BYTES-1:0]       m00_axis_tkeep,
    output wire                             m00_axis_tlast,
    output wire [TDEST_WIDTH-1:0]           m00_axis_tdest,
    output wire                             m00_axis_tvalid,
    input  wire                             m00_axis_tready,
    output wire [8*TDATA_NUM_BYTES-1:0]     m01_axis_tdata,
    output wire [TDATA_NUM_BYTES-1:0]       m01_axis_tkeep,
    output wire                             m01_axis_tlast,
    output wire [TDEST_WIDTH-1:0]           m01_axis_tdest,
    output wire                             m01_axis_tvalid,
    input  wire                             m01_axis_tready,
    output wire [8*TDATA_NUM_BYTES-1:0]     m02_axis_tdata,
    output wire [TDATA_NUM_BYTES-1:0]       m02_axis_tkeep,
    output wire                             m02_axis_tlast,
    output wire [TDEST_WIDTH-1:0]           m02_axis_tdest,
    output wire                             m02_axis_tvalid,
    input  wire                             m02_axis_tready,
    output wire [8*TDATA_NUM_BYTES-1:0]     m03_axis_tdata,
    output wire [TDATA_NUM_BYTES-1:0]       m03_axis_tkeep,
    output wire                             m03_axis_tlast,
    output wire [TDEST_WIDTH-1:0]           m03_axis_tdest,
    output wire                             m03_axis_tvalid,
    input  wire                             m03_axis_tready,
    output wire [8*TDATA_NUM_BYTES-1:0]     m04_axis_tdata,
    output wire [TDATA_NUM_BYTES-1:0]       m04_axis_tkeep,
    output wire                             m04_axis_tlast,
    output wire [TDEST_WIDTH-1:0]           m04_axis_tdest,
    output wire                             m04_axis_tvalid,
    input  wire                             m04_axis_tready,
    output wire [8*TDATA_NUM_BYTES-1:0]     m05_axis_tdata,
    output wire [TDATA_NUM_BYTES-1:0]       m05_axis_tkeep,
    output wire                             m05_axis_tlast,
    output wire [TDEST_WIDTH-1:0]           m05_axis_tdest,
    output wire                             m05_axis_tvalid,
    input  wire                             m05_axis_tready,
    output wire [8*TDATA_NUM_BYTES-1:0]     m06_axis_tdata,
    output wire [TDATA_NUM_BYTES-1:0]       m06_axis_tkeep,
    output wire                             m06_axis_tlast,
    output wire [TDEST_WIDTH-1:0]           m06_axis_tdest,
    output wire                             m06_axis_tvalid,
    input  wire                             m06_axis_tready,
    output wire [8*TDATA_NUM_BYTES-1:0]     m07_axis_tdata,
    output wire [TDATA_NUM_BYTES-1:0]       m07_axis_tkeep,
    output wire                             m07_axis_tlast,
    output wire [TDEST_WIDTH-1:0]           m07_axis_tdest,
    output wire                             m07_axis_tvalid,
    input  wire                             m07_axis_tready,
    output wire                         busy
);
  localparam integer kDw = 8 * TDATA_NUM_BYTES;
  localparam integer kKw = TDATA_NUM_BYTES;
  localparam [7:0] kSiUsed = 8'hFF >> (8 - NUM_SI);
  localparam [7:0] kMiUsed = 8'hFF >> (8 - NUM_MI);
  localparam [4:0] kSoftReset = 5'd16;  // PG085: "approximately 16 cycles"

  wire [8*kDw-1:0] s_data = {s07_axis_tdata, s06_axis_tdata, s05_axis_tdata, s04_axis_tdata,
                             s03_axis_tdata, s02_axis_tdata, s01_axis_tdata, s00_axis_tdata};
  wire [8*kKw-1:0] s_keep = {s07_axis_tkeep, s06_axis_tkeep, s05_axis_tkeep, s04_axis_tkeep,
                             s03_axis_tkeep, s02_axis_tkeep, s01_axis_tkeep, s00_axis_tkeep};
  wire [7:0] s_last = {s07_axis_tlast, s06_axis_tlast, s05_axis_tlast, s04_axis_tlast,
                       s03_axis_tlast, s02_axis_tlast, s01_axis_tlast, s00_axis_tlast};
  wire [7:0] s_valid_in = {s07_axis_tvalid, s06_axis_tvalid, s05_axis_tvalid, s04_axis_tvalid,
                           s03_axis_tvalid, s02_axis_tvalid, s01_axis_tvalid, s00_axis_tvalid};
  wire [8*TDEST_WIDTH-1:0] s_dest = {s07_axis_tdest, s06_axis_tdest, s05_axis_tdest, s04_axis_tdest,
                                     s03_axis_tdest, s02_axis_tdest, s01_axis_tdest,
                                     s00_axis_tdest};
  wire [7:0] m_ready_in = {m07_axis_tready, m06_axis_tready, m05_axis_tready, m04_axis_tready,
                           m03_axis_tready, m02_axis_tready, m01_axis_tready, m00_axis_tready};
  wire [7:0] s_valid = s_valid_in & kSiUsed;
  wire [7:0] m_ready = m_ready_in & kMiUsed;

  // ---- control registers (ROUTING 1) ----
  wire        wr, rd;
  wire [31:0] wr_addr, wr_data, wr_mask, rd_addr;
  wire [3:0]  wr_strb;
  reg  [31:0] rd_data;
  wire        lite_active, lite_rd_accept;
  pr_axil_slave #(.ADDR_WIDTH(C_S_AXI_CTRL_ADDR_WIDTH), .REGISTERED(0)) lite (
      .clk(clk), .rst_n(rst_n),
      .awaddr(s_axi_ctrl_awaddr), .awvalid(s_axi_ctrl_awvalid), .awready(s_axi_ctrl_awready),
      .wdata(s_axi_ctrl_wdata), .wstrb(s_axi_ctrl_wstrb), .wvalid(s_axi_ctrl_wvalid),
      .wready(s_axi_ctrl_wready), .bresp(s_axi_ctrl_bresp), .bvalid(s_axi_ctrl_bvalid),
      .bready(s_axi_ctrl_bready), .araddr(s_axi_ctrl_araddr), .arvalid(s_axi_ctrl_arvalid),
      .arready(s_axi_ctrl_arready), .rdata(s_axi_ctrl_rdata), .rresp(s_axi_ctrl_rresp),
      .rvalid(s_axi_ctrl_rvalid), .rready(s_axi_ctrl_rready),
      .wr(wr), .wr_addr(wr_addr), .wr_data(wr_data), .wr_strb(wr_strb), .wr_mask(wr_mask),
      .wr_err(1'b0), .rd(rd), .rd_addr(rd_addr), .rd_data(rd_data), .rd_err(1'b0),
      .rd_accept(lite_rd_accept), .rd_wait(32'd0), .active(lite_active));

  reg [3:0] mux_sel [0:7];  // written MI_MUX
  reg [7:0] mux_dis;
  reg [3:0] act_sel [0:7];  // committed
  reg [7:0] act_dis;
  reg [4:0] reset_left;      // in_reset-reset cycles left after a commit
  wire      in_reset = reset_left != 5'd0;

  // MI_MUX i sits at 0x40 + 4*i for i < NUM_MI
  wire       wr_mux = wr_addr[31:6] == 26'd1 && {1'b0, wr_addr[5:2]} < NUM_MI[4:0];
  wire [2:0] wr_mi = wr_addr[4:2];
  wire       rd_mux = rd_addr[31:6] == 26'd1 && {1'b0, rd_addr[5:2]} < NUM_MI[4:0];
  wire [2:0] rd_mi = rd_addr[4:2];

  always @* begin
    rd_data = 32'd0;
    if (rd_addr[31:2] == 30'd0) rd_data = {30'd0, in_reset, 1'b0};
    else if (rd_mux) rd_data = {mux_dis[rd_mi], 27'd0, mux_sel[rd_mi]};
  end

  integer i;
  always @(posedge clk) begin
    if (!rst_n) begin
      for (i = 0; i < 8; i = i + 1) begin
        mux_sel[i] <= 4'd0;
        act_sel[i] <= 4'd0;
      end
      mux_dis <= 8'hFF;
      act_dis <= 8'hFF;
      reset_left <= 5'd0;
    end else begin
      if (in_reset) reset_left <= reset_left - 5'd1;
      if (wr && wr_mux) begin
        if (wr_strb[0]) mux_sel[wr_mi] <= wr_data[3:0];
        if (wr_strb[3]) mux_dis[wr_mi] <= wr_data[31];
      end
      if (wr && wr_addr[31:2] == 30'd0 && wr_strb[0] && wr_data[1]) begin
        for (i = 0; i < 8; i = i + 1) act_sel[i] <= mux_sel[i];
        act_dis <= mux_dis;
        reset_left <= kSoftReset;
      end
    end
  end

  // ---- routing: the MI each SI's current beat goes to ----
  reg [2:0] route_mi [0:7];
  reg [7:0] route_ok;    // the beat has an MI
  reg [7:0] route_drop;  // TDEST names no MI: take and discard
  reg [31:0] dest;
  integer rs, rm;
  always @* begin
    for (rs = 0; rs < 8; rs = rs + 1) begin
      route_mi[rs] = 3'd0;
      route_ok[rs] = 1'b0;
      route_drop[rs] = 1'b0;
      dest = 32'd0;
      dest[TDEST_WIDTH-1:0] = s_dest[rs*TDEST_WIDTH +: TDEST_WIDTH];
      if (rs < NUM_SI) begin
        if (ROUTING == 0) begin
          if (dest < NUM_MI) begin
            route_ok[rs] = 1'b1;
            route_mi[rs] = dest[2:0];
          end else begin
            route_drop[rs] = 1'b1;
          end
        end else begin
          for (rm = NUM_MI - 1; rm >= 0; rm = rm - 1) begin  // the lowest MI wins
            if (!act_dis[rm] && act_sel[rm] == rs[3:0]) begin
              route_ok[rs] = 1'b1;
              route_mi[rs] = rm[2:0];
            end
          end
        end
      end
    end
  end

  // ---- per MI: round-robin grant, held to the end of the packet ----
  reg [7:0] locked;
  reg [2:0] grant [0:7];
  reg [2:0] last_grant [0:7];
  reg [2:0] pick [0:7];
  reg [7:0] pick_ok;
  reg [2:0] cand;
  integer pm, k;
  always @* begin
    for (pm = 0; pm < 8; pm = pm + 1) begin
      pick[pm] = 3'd0;
      pick_ok[pm] = 1'b0;
      for (k = 8; k >= 1; k = k - 1) begin  // the nearest after last_grant wins: scan down
        cand = last_grant[pm] + k[2:0];
        if (s_valid[cand] && route_ok[cand] && route_mi[cand] == pm[2:0]) begin
          pick[pm] = cand;
          pick_ok[pm] = 1'b1;
        end
      end
      if (pm >= NUM_MI || in_reset) pick_ok[pm] = 1'b0;
    end
  end

  reg [8*kDw-1:0]         m_data;
  reg [8*kKw-1:0]         m_keep;
  reg [7:0]               m_last, m_valid;
  reg [8*TDEST_WIDTH-1:0] m_dest;
  reg [7:0]               s_ready;
  integer dm;
  always @* begin
    s_ready = route_drop & {8{!in_reset}};
    for (dm = 0; dm < 8; dm = dm + 1) begin
      m_data[dm*kDw +: kDw] = s_data[grant[dm]*kDw +: kDw];
      m_keep[dm*kKw +: kKw] = s_keep[grant[dm]*kKw +: kKw];
      m_dest[dm*TDEST_WIDTH +: TDEST_WIDTH] = s_dest[grant[dm]*TDEST_WIDTH +: TDEST_WIDTH];
      m_last[dm] = s_last[grant[dm]];
      m_valid[dm] = locked[dm] && s_valid[grant[dm]] && !in_reset;
      if (m_valid[dm] && m_ready[dm]) s_ready[grant[dm]] = 1'b1;
    end
  end

  integer j;
  always @(posedge clk) begin
    if (!rst_n || in_reset) begin
      locked <= 8'd0;
      for (j = 0; j < 8; j = j + 1) begin
        grant[j] <= 3'd0;
        last_grant[j] <= 3'd7;  // the first grant scans from SI 0
      end
    end else begin
      for (j = 0; j < 8; j = j + 1) begin
        if (locked[j]) begin
          if (m_valid[j] && m_ready[j] && m_last[j]) locked[j] <= 1'b0;
        end else if (pick_ok[j]) begin
          locked[j] <= 1'b1;
          grant[j] <= pick[j];
          last_grant[j] <= pick[j];
        end
      end
    end
  end

  // A beat moves, a grant is taken, or a commit's in_reset reset runs; waiting is not busy.
  assign busy = |(s_valid & s_ready) || |(pick_ok & ~locked) || in_reset;

  assign s00_axis_tready = s_ready[0];
  assign s01_axis_tready = s_ready[1];
  assign s02_axis_tready = s_ready[2];
  assign s03_axis_tready = s_ready[3];
  assign s04_axis_tready = s_ready[4];
  assign s05_axis_tready = s_ready[5];
  assign s06_axis_tready = s_ready[6];
  assign s07_axis_tready = s_ready[7];
  assign m00_axis_tdata = m_data[0*kDw +: kDw];
  assign m00_axis_tkeep = m_keep[0*kKw +: kKw];
  assign m00_axis_tlast = m_last[0];
  assign m00_axis_tdest = m_dest[0*TDEST_WIDTH +: TDEST_WIDTH];
  assign m00_axis_tvalid = m_valid[0];
  assign m01_axis_tdata = m_data[1*kDw +: kDw];
  assign m01_axis_tkeep = m_keep[1*kKw +: kKw];
  assign m01_axis_tlast = m_last[1];
  assign m01_axis_tdest = m_dest[1*TDEST_WIDTH +: TDEST_WIDTH];
  assign m01_axis_tvalid = m_valid[1];
  assign m02_axis_tdata = m_data[2*kDw +: kDw];
  assign m02_axis_tkeep = m_keep[2*kKw +: kKw];
  assign m02_axis_tlast = m_last[2];
  assign m02_axis_tdest = m_dest[2*TDEST_WIDTH +: TDEST_WIDTH];
  assign m02_axis_tvalid = m_valid[2];
  assign m03_axis_tdata = m_data[3*kDw +: kDw];
  assign m03_axis_tkeep = m_keep[3*kKw +: kKw];
  assign m03_axis_tlast = m_last[3];
  assign m03_axis_tdest = m_dest[3*TDEST_WIDTH +: TDEST_WIDTH];
  assign m03_axis_tvalid = m_valid[3];
  assign m04_axis_tdata = m_data[4*kDw +: kDw];
  assign m04_axis_tkeep = m_keep[4*kKw +: kKw];
  assign m04_axis_tlast = m_last[4];
  assign m04_axis_tdest = m_dest[4*TDEST_WIDTH +: TDEST_WIDTH];
  assign m04_axis_tvalid = m_valid[4];
  assign m05_axis_tdata = m_data[5*kDw +: kDw];
  assign m05_axis_tkeep = m_keep[5*kKw +: kKw];
  assign m05_axis_tlast = m_last[5];
  assign m05_axis_tdest = m_dest[5*TDEST_WIDTH +: TDEST_WIDTH];
  assign m05_axis_tvalid = m_valid[5];
  assign m06_axis_tdata = m_data[6*kDw +: kDw];
  assign m06_axis_tkeep = m_keep[6*kKw +: kKw];
  assign m06_axis_tlast = m_last[6];
  assign m06_axis_tdest = m_dest[6*TDEST_WIDTH +: TDEST_WIDTH];
  assign m06_axis_tvalid = m_valid[6];
  assign m07_axis_tdata = m_data[7*kDw +: kDw];
  assign m07_axis_tkeep = m_keep[7*kKw +: kKw];
  assign m07_axis_tlast = m_last[7];
  assign m07_axis_tdest = m_dest[7*TDEST_WIDTH +: TDEST_WIDTH];
  assign m07_axis_tvalid = m_valid[7];
  wire unused = &{1'b0, ROUTING_MODE[0], rd, wr_mask, wr_data[30:4], wr_strb[2:1],
                  lite_active, lite_rd_accept, rd_addr[1:0], wr_addr[1:0], wr_addr[5],
                  rd_addr[5]};
endmodule
`default_nettype wire
