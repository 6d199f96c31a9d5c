// pr_resize_accel: PYNQ-HelloWorld's bilinear image resizer, register-compatible with the Vitis
// HLS core xilinx.com:hls:resize_accel:1.0 (zcu104_resizer.hwh, instance resize_accel_0):
//   void resize_accel(axis24 &src, axis24 &dst, int src_rows, int src_cols, int dst_rows,
//                     int dst_cols)          // s_axilite bundle=AXILiteS, ap_ctrl_hs
// One RGB888 pixel per 24-bit beat (numpy (h, w, 3) byte 0 in TDATA[7:0]); rows top to bottom.
// The arithmetic is defined once, in resize_model.h (the C++ model this core matches bit for
// bit): Q24 ratio per axis, Q25 source coordinate stepped per output sample, Q12 rounded
// weights, 2 x 2 taps, one rounding at the end; equal sizes give the identity.
//
// Control register layout (UG1399 s_axilite, as the hwh lists it; AXI-Lite interface
// s_axi_AXILiteS, the whole offset decoded, other offsets read 0 and ignore writes, OKAY):
// 0x00 CTRL   ap_start bit0 (write 1 to start; cleared when the run is accepted, unless
//             auto_restart, as HLS clears it on ap_ready), ap_done bit1 (COR), ap_idle bit2
//             (RO), ap_ready bit3 (COR, set when a run is accepted), auto_restart bit7 (RW)
// 0x04 GIER   bit0 global interrupt enable
// 0x08 IP_IER bit0 ap_done, bit1 ap_ready
// 0x0C IP_ISR bit0 ap_done, bit1 ap_ready; set on the event when its IER bit is set, toggle on
//             write (an event in the same cycle wins)
// 0x10 src_rows, 0x18 src_cols, 0x20 dst_rows, 0x28 dst_cols: 32 bits, taken when a run is
//             accepted (read back as written, as HLS-generated slaves do)
// interrupt = GIER & |ISR, level high.
//
// Sizes: 1..1920 columns and 1..1080 rows, source and destination. Any other value (0, more,
// or a negative int) refuses the frame: ap_ready and ap_done are set at once, no source beat
// is taken and no destination beat is produced, and ap_start clears even with auto_restart
// (a refused frame restarting forever would keep the board busy for nothing). A DMA waiting
// on such a frame keeps waiting; the host's wait times out rather than anything hanging.
//
// Streams (the hwh: src/dst of 3 bytes, TLAST, no TKEEP, no TUSER): src_tkeep and src_tlast
// are ignored (the core counts src_rows * src_cols beats); dst_tkeep is all ones; dst_tlast is
// set on the last pixel of the frame only (the DMA's S2MM completes on it).
//
// Architecture: three line buffers of 1920 pixels in rotation (source row r in buffer r mod
// 3). Output row y needs source rows y0 <= y1 <= y0 + 1; it starts once row y1 is complete,
// and the input may write row r while r <= y0 + 2, so it reads ahead up to the third buffer
// (downscaling never waits on the output for more than a row) and drains rows no output row
// needs once the last output pixel is generated. Output pipeline: taps and four line-buffer
// reads, horizontal blend, vertical blend into the output register; one pixel per cycle,
// stalled as a whole by dst back-pressure. Per frame, two 36-step dividers compute the ratios
// first. A 1:1 frame runs at about one pixel per cycle (one source row of latency).
// busy: a start is pending, the dividers run, or something moves this cycle (a beat in or
// out, a pixel generated, the pipeline advancing, the run finishing); waiting on an empty
// src or a stalled dst is not busy (the neighbour that will act is).
`default_nettype none
/* verilator lint_off DECLFILENAME */  // README: file <core>.v holds module pr_<core>
module pr_resize_accel #(
    parameter integer C_S_AXI_AXILITES_ADDR_WIDTH = 9
) (
    input  wire                                   clk,
    input  wire                                   rst_n,
    input  wire [C_S_AXI_AXILITES_ADDR_WIDTH-1:0] s_axi_AXILiteS_awaddr,
    input  wire                                   s_axi_AXILiteS_awvalid,
    output wire                                   s_axi_AXILiteS_awready,
    input  wire [31:0]                            s_axi_AXILiteS_wdata,
    input  wire [3:0]                             s_axi_AXILiteS_wstrb,
    input  wire                                   s_axi_AXILiteS_wvalid,
    output wire                                   s_axi_AXILiteS_wready,
    output wire [1:0]                             s_axi_AXILiteS_bresp,
    output wire                                   s_axi_AXILiteS_bvalid,
    input  wire                                   s_axi_AXILiteS_bready,
    input  wire [C_S_AXI_AXILITES_ADDR_WIDTH-1:0] s_axi_AXILiteS_araddr,
    input  wire                                   s_axi_AXILiteS_arvalid,
    output wire                                   s_axi_AXILiteS_arready,
    output wire [31:0]                            s_axi_AXILiteS_rdata,
    output wire [1:0]                             s_axi_AXILiteS_rresp,
    output wire                                   s_axi_AXILiteS_rvalid,
    input  wire                                   s_axi_AXILiteS_rready,
    input  wire [23:0]                            src_tdata,
    input  wire [2:0]                             src_tkeep,
    input  wire                                   src_tlast,
    input  wire                                   src_tvalid,
    output wire                                   src_tready,
    output reg  [23:0]                            dst_tdata,
    output wire [2:0]                             dst_tkeep,
    output reg                                    dst_tlast,
    output reg                                    dst_tvalid,
    input  wire                                   dst_tready,
    /* verilator lint_off SYMRSVDWORD */  // the hwh names the port interrupt
    output wire                                   interrupt,
    /* verilator lint_on SYMRSVDWORD */
    output wire                                   busy
);
  localparam [31:0] kSrcRows = 32'h10, kSrcCols = 32'h18, kDstRows = 32'h20, kDstCols = 32'h28;
  localparam [31:0] kMaxCols = 32'd1920, kMaxRows = 32'd1080;
  localparam [1:0] kIdle = 2'd0, kDivide = 2'd1, kInit = 2'd2, kRun = 2'd3;
  localparam [5:0] kDivSteps = 6'd36;
  localparam [39:0] kHalf = 40'h0001000000;  // 0.5 in the Q25 coordinate (2^24)

  // Taps of one axis from the Q25 coordinate t (two's complement) and the source size n:
  // {i0[10:0], i1[10:0], w[11:0]} as resize_model.h defines them.
  function automatic [33:0] taps(input [39:12] t, input [10:0] n);  // t[11:0] never matters
    reg [38:12] tc;
    reg [13:0] i0;
    reg [12:0] wr;
    reg [11:0] w;
    begin
      tc = t[39] ? 27'd0 : t[38:12];
      i0 = tc[38:25];
      wr = {1'b0, tc[24:13]} + {12'd0, tc[12]};
      if (wr[12]) begin
        i0 = i0 + 14'd1;
        w = 12'd0;
      end else begin
        w = wr[11:0];
      end
      if (i0 >= {3'd0, n - 11'd1}) begin
        i0 = {3'd0, n - 11'd1};
        w = 12'd0;
      end
      taps = {i0[10:0], w == 12'd0 ? i0[10:0] : i0[10:0] + 11'd1, w};
    end
  endfunction

  // Line buffer index of a source row: row mod 3.
  function automatic [1:0] mod3(input [10:0] row);
    mod3 = 2'(row % 11'd3);
  endfunction

  // One channel: h = a * (4096 - w) + b * w.
  function automatic [20:0] hblend(input [7:0] a, input [7:0] b, input [11:0] w);
    hblend = {13'd0, a} * {8'd0, 13'h1000 - {1'b0, w}} + {13'd0, b} * {9'd0, w};
  endfunction
  // v = h0 * (4096 - w) + h1 * w, rounded: (v + 2^23) >> 24.
  function automatic [7:0] vblend(input [20:0] h0, input [20:0] h1, input [11:0] w);
    vblend = 8'(({11'd0, h0} * {19'd0, 13'h1000 - {1'b0, w}} + {11'd0, h1} * {20'd0, w} +
                 32'h00800000) >> 24);
  endfunction

  // ---- AXI4-Lite slave (common/axil_slave.v): a write takes address and data together, a
  // read answers next cycle, always OKAY
  wire        wr, rd, unused_rd_accept, unused_active;
  wire [31:0] waddr, raddr, wdata, wmask, ctrl_rdata;
  wire [3:0]  wstrb;
  reg  [31:0] rdata;
  pr_axil_slave #(.ADDR_WIDTH(C_S_AXI_AXILITES_ADDR_WIDTH), .REGISTERED(0)) axil (
      .clk(clk), .rst_n(rst_n),
      .awaddr(s_axi_AXILiteS_awaddr), .awvalid(s_axi_AXILiteS_awvalid),
      .awready(s_axi_AXILiteS_awready), .wdata(s_axi_AXILiteS_wdata),
      .wstrb(s_axi_AXILiteS_wstrb), .wvalid(s_axi_AXILiteS_wvalid),
      .wready(s_axi_AXILiteS_wready), .bresp(s_axi_AXILiteS_bresp),
      .bvalid(s_axi_AXILiteS_bvalid), .bready(s_axi_AXILiteS_bready),
      .araddr(s_axi_AXILiteS_araddr), .arvalid(s_axi_AXILiteS_arvalid),
      .arready(s_axi_AXILiteS_arready), .rdata(s_axi_AXILiteS_rdata),
      .rresp(s_axi_AXILiteS_rresp), .rvalid(s_axi_AXILiteS_rvalid),
      .rready(s_axi_AXILiteS_rready),
      .wr(wr), .wr_addr(waddr), .wr_data(wdata), .wr_strb(wstrb), .wr_mask(wmask),
      .wr_err(1'b0), .rd(rd), .rd_addr(raddr), .rd_data(rdata), .rd_err(1'b0),
      .rd_accept(unused_rd_accept), .rd_wait(32'd0), .active(unused_active));

  // ---- control registers (common/ap_ctrl_hs.v): ap_ready when a run is accepted, ap_done
  // when it finishes, both at once for a refused frame (which does not restart)
  wire       ap_start;
  reg [31:0] src_rows, src_cols, dst_rows, dst_cols;
  reg [1:0]  phase;

  wire ap_idle = phase == kIdle;
  wire sizes_ok = src_rows >= 32'd1 && src_rows <= kMaxRows && src_cols >= 32'd1 &&
                  src_cols <= kMaxCols && dst_rows >= 32'd1 && dst_rows <= kMaxRows &&
                  dst_cols >= 32'd1 && dst_cols <= kMaxCols;
  wire accept = ap_idle && ap_start;
  wire finish;

  pr_ap_ctrl_hs #(.IRQ_MASK(2'b11), .EVENT_DROPS_ISR_WRITE(0), .IRQ_NEEDS_IER(0)) ctrl (
      .clk(clk), .rst_n(rst_n), .wr(wr), .wr_addr(waddr), .wr_data(wdata), .wr_strb(wstrb),
      .rd(rd), .rd_addr(raddr), .rdata(ctrl_rdata), .ap_idle(ap_idle),
      .ev_done(finish || (accept && !sizes_ok)), .ev_ready(accept), .restart_ok(sizes_ok),
      .ap_start(ap_start), .interrupt(interrupt));

  // ---- the run: sizes, ratios, coordinates, counters
  reg [10:0] n_rows, n_cols, m_rows, m_cols;  // source n, destination m
  reg [5:0]  div_left;
  reg [35:0] qx, qy;                          // dividend, shifted into the quotient = ratio
  reg [10:0] remx, remy;
  reg [39:0] tx, ty;                          // Q25 source coordinates of the next output pixel
  reg [10:0] gx, gy;                          // next output pixel to generate
  reg        gen_done;
  reg [10:0] in_row, in_col;                  // next source pixel to take
  reg [1:0]  in_buf;                          // in_row mod 3

  reg [23:0] lb [0:6143];                     // line buffer b, column c at {b, c}

  wire [11:0] rx_sh = {remx, qx[35]};
  wire [11:0] ry_sh = {remy, qy[35]};
  wire        rx_ge = rx_sh >= {1'b0, m_cols};
  wire        ry_ge = ry_sh >= {1'b0, m_rows};
  wire [10:0] rx_sub = rx_sh[10:0] - m_cols;  // < m when taken: 11 bits suffice
  wire [10:0] ry_sub = ry_sh[10:0] - m_rows;
  wire [39:0] x_start = {4'd0, qx} - kHalf;   // t at x = 0: R - 2^24
  wire [39:0] y_start = {4'd0, qy} - kHalf;
  wire [39:0] x_step = {3'd0, qx, 1'b0};      // 2R
  wire [39:0] y_step = {3'd0, qy, 1'b0};

  wire [33:0] tap_x = taps(tx[39:12], n_cols);
  wire [33:0] tap_y = taps(ty[39:12], n_rows);
  wire [10:0] x0 = tap_x[33:23], x1 = tap_x[22:12];
  wire [11:0] wx = tap_x[11:0];
  wire [10:0] y0 = tap_y[33:23], y1 = tap_y[22:12];
  wire [11:0] wy = tap_y[11:0];
  wire [1:0]  by0 = mod3(y0), by1 = mod3(y1);

  // ---- output pipeline: S1 four pixels and weights, S2 horizontal blend, S3 = dst register
  reg        s1v, s1last, s2v, s2last;
  reg [23:0] p00, p01, p10, p11;
  reg [11:0] s1wx, s1wy, s2wy;
  reg [20:0] h0r, h0g, h0b, h1r, h1g, h1b;

  wire running = phase == kRun;
  wire en = !dst_tvalid || dst_tready;
  wire row_ready = {1'b0, in_row} > {1'b0, y1};
  wire gen_fire = running && !gen_done && row_ready && en;
  wire gen_last_col = gx == m_cols - 11'd1;
  wire gen_last_row = gy == m_rows - 11'd1;
  assign src_tready = running && in_row != n_rows &&
                      (gen_done || {1'b0, in_row} <= {1'b0, y0} + 12'd2);
  wire take = src_tvalid && src_tready;
  assign finish = running && gen_done && !s1v && !s2v && !dst_tvalid && in_row == n_rows;

  assign dst_tkeep = 3'b111;
  assign busy = accept || phase == kDivide || phase == kInit || gen_fire ||
                ((s1v || s2v) && en) || (dst_tvalid && dst_tready) || take || finish;

  always @(*) begin
    case (raddr)
      kSrcRows: rdata = src_rows;
      kSrcCols: rdata = src_cols;
      kDstRows: rdata = dst_rows;
      kDstCols: rdata = dst_cols;
      default: rdata = ctrl_rdata;
    endcase
  end

  // line buffers: one write (the source beat) and four reads (the taps) per cycle
  always @(posedge clk) begin
    if (take) lb[{in_buf, in_col}] <= src_tdata;
    if (gen_fire) begin
      p00 <= lb[{by0, x0}];
      p01 <= lb[{by0, x1}];
      p10 <= lb[{by1, x0}];
      p11 <= lb[{by1, x1}];
      s1wx <= wx;
      s1wy <= wy;
    end
    if (en) begin
      h0r <= hblend(p00[7:0], p01[7:0], s1wx);
      h0g <= hblend(p00[15:8], p01[15:8], s1wx);
      h0b <= hblend(p00[23:16], p01[23:16], s1wx);
      h1r <= hblend(p10[7:0], p11[7:0], s1wx);
      h1g <= hblend(p10[15:8], p11[15:8], s1wx);
      h1b <= hblend(p10[23:16], p11[23:16], s1wx);
      s2wy <= s1wy;
    end
  end

  always @(posedge clk) begin
    if (!rst_n) begin
      src_rows <= 32'd0;
      src_cols <= 32'd0;
      dst_rows <= 32'd0;
      dst_cols <= 32'd0;
      phase <= kIdle;
      n_rows <= 11'd1;
      n_cols <= 11'd1;
      m_rows <= 11'd1;
      m_cols <= 11'd1;
      div_left <= 6'd0;
      qx <= 36'd0;
      qy <= 36'd0;
      remx <= 11'd0;
      remy <= 11'd0;
      tx <= 40'd0;
      ty <= 40'd0;
      gx <= 11'd0;
      gy <= 11'd0;
      gen_done <= 1'b0;
      in_row <= 11'd0;
      in_col <= 11'd0;
      in_buf <= 2'd0;
      s1v <= 1'b0;
      s1last <= 1'b0;
      s2v <= 1'b0;
      s2last <= 1'b0;
      dst_tdata <= 24'd0;
      dst_tlast <= 1'b0;
      dst_tvalid <= 1'b0;
    end else begin
      if (wr) begin
        case (waddr)
          kSrcRows: src_rows <= (src_rows & ~wmask) | (wdata & wmask);
          kSrcCols: src_cols <= (src_cols & ~wmask) | (wdata & wmask);
          kDstRows: dst_rows <= (dst_rows & ~wmask) | (wdata & wmask);
          kDstCols: dst_cols <= (dst_cols & ~wmask) | (wdata & wmask);
          default: ;
        endcase
      end
      // start: arguments taken (a refused frame is done at once, in the control block)
      if (accept && sizes_ok) begin
        phase <= kDivide;
        n_rows <= src_rows[10:0];
        n_cols <= src_cols[10:0];
        m_rows <= dst_rows[10:0];
        m_cols <= dst_cols[10:0];
        div_left <= kDivSteps;
        // dividends (n << 24) + floor(m / 2)
        qx <= {src_cols[11:0], 24'd0} + {25'd0, dst_cols[11:1]};
        qy <= {src_rows[11:0], 24'd0} + {25'd0, dst_rows[11:1]};
        remx <= 11'd0;
        remy <= 11'd0;
      end
      // restoring division, one quotient bit per cycle per axis
      if (phase == kDivide) begin
        remx <= rx_ge ? rx_sub : rx_sh[10:0];
        remy <= ry_ge ? ry_sub : ry_sh[10:0];
        qx <= {qx[34:0], rx_ge};
        qy <= {qy[34:0], ry_ge};
        div_left <= div_left - 6'd1;
        if (div_left == 6'd1) phase <= kInit;
      end
      if (phase == kInit) begin
        phase <= kRun;
        tx <= x_start;
        ty <= y_start;
        gx <= 11'd0;
        gy <= 11'd0;
        gen_done <= 1'b0;
        in_row <= 11'd0;
        in_col <= 11'd0;
        in_buf <= 2'd0;
      end
      // source beats into the line buffers
      if (take) begin
        if (in_col == n_cols - 11'd1) begin
          in_col <= 11'd0;
          in_row <= in_row + 11'd1;
          in_buf <= in_buf == 2'd2 ? 2'd0 : in_buf + 2'd1;
        end else begin
          in_col <= in_col + 11'd1;
        end
      end
      // the pixel generator
      if (gen_fire) begin
        if (gen_last_col) begin
          gx <= 11'd0;
          tx <= x_start;
          if (gen_last_row) begin
            gen_done <= 1'b1;
          end else begin
            gy <= gy + 11'd1;
            ty <= ty + y_step;
          end
        end else begin
          gx <= gx + 11'd1;
          tx <= tx + x_step;
        end
      end
      // the pipeline, moving as a whole when the output register is free
      if (en) begin
        s1v <= gen_fire;
        s1last <= gen_last_col && gen_last_row;
        s2v <= s1v;
        s2last <= s1last;
        dst_tvalid <= s2v;
        dst_tlast <= s2last;
        dst_tdata <= {vblend(h0b, h1b, s2wy), vblend(h0g, h1g, s2wy), vblend(h0r, h1r, s2wy)};
      end
      if (finish) phase <= kIdle;
    end
  end

  wire unused = &{1'b0, src_tkeep, src_tlast};
endmodule
`default_nettype wire
