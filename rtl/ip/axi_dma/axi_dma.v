// pr_axi_dma: xilinx.com:ip:axi_dma:7.1 in Direct Register mode (C_INCLUDE_SG = 0) or
// scatter-gather mode (C_INCLUDE_SG = 1, below), register compatible with PG021. Direct
// Register mode ("Direct Register Mode Register Address Map"):
//   0x00 MM2S_DMACR  RS bit0, reserved bit1 (reads 1), Reset bit2 (self-clearing, resets both
//                    channels once they are quiet), Keyhole bit3 and Cyclic bit4 (stored, no
//                    effect), IOC_IrqEn bit12, Dly_IrqEn bit13, Err_IrqEn bit14,
//                    IRQThreshold 23:16 and IRQDelay 31:24 (stored, no effect). Reset 0x00010002.
//   0x04 MM2S_DMASR  Halted bit0, Idle bit1, DMAIntErr bit4, DMASlvErr bit5, DMADecErr bit6 (RO);
//                    IOC_Irq bit12, Dly_Irq bit13, Err_Irq bit14 (W1C). Reset 0x00000001.
//   0x18 MM2S_SA, 0x1C MM2S_SA_MSB (C_ADDR_WIDTH = 64 only), 0x28 MM2S_LENGTH (writing it
//        while running starts the transfer; C_SG_LENGTH_WIDTH bits, higher bits dropped)
//   0x30 S2MM_DMACR, 0x34 S2MM_DMASR, 0x48 S2MM_DA, 0x4C S2MM_DA_MSB, 0x58 S2MM_LENGTH (the
//        buffer size; after completion it reads the bytes actually received)
// Other offsets read 0 and ignore writes (OKAY). An AXI SLVERR/DECERR on the memory side sets
// DMASlvErr/DMADecErr and Err_Irq, clears RS and halts the channel once its bursts have
// drained; a zero LENGTH written while running sets DMAIntErr the same way. Only a soft
// (DMACR.Reset) or hard reset brings an errored channel back.
// Soft reset, as PG021 has it, waits for the AXI memory transactions outstanding (bursts
// requested, responses due) and nothing else: a channel waiting on its stream (a consumer
// that takes no beat, a producer that stops early) is quiet, so the reset completes at once,
// withdrawing the MM2S beat on offer and dropping stream bytes not yet written to memory.
// That is how software recovers a transfer that can never finish.
// Memory side: 40-bit address; data C_M_AXI_MM2S_DATA_WIDTH / C_M_AXI_S2MM_DATA_WIDTH bits
// (32, 64 or 128 as PG021 offers, default 64; a channel's stream may not be wider than its
// memory side, refused at elaboration), full-width (AxSIZE = the bus) INCR bursts of at most
// 16 beats never crossing 4 KiB, any start alignment and length (what the IP does with its
// DRE). MM2S keeps up to 64 beats in flight (several bursts outstanding) into a data FIFO and
// a byte packer, so the stream moves a beat every cycle; S2MM packs stream bytes into memory
// beats at the destination alignment and issues a burst once its data is buffered (or the
// packet ended).
// S2MM ends a transfer at TLAST or when LENGTH bytes arrived (the rest of that beat is
// dropped and TREADY stays low until the next transfer). Stream TKEEP: MM2S gives low bytes
// on the last beat; S2MM takes the bytes whose TKEEP bit is set, packed in order.
//
// Scatter-gather mode (PG021 "Scatter Gather Mode Register Address Map", "Scatter Gather
// Descriptor"), the datapaths above shared, one descriptor at a time per channel:
//   DMACR as above, except that an IRQThreshold of 0 is not written and a new one restarts
//   the count. DMASR adds SGIncld bit3 (1), SGIntErr bit8, SGSlvErr bit9, SGDecErr bit10,
//   IRQThresholdSts 23:16 and IRQDelaySts 31:24; reset 0x00010009.
//   0x08/0x0C CURDESC(_MSB): 64-byte aligned, writable only while halted; the descriptor being
//   worked on (on an error: the one that failed). 0x10/0x14 TAILDESC(_MSB): the pause point;
//   writing TAILDESC_MSB (TAILDESC with C_ADDR_WIDTH = 32) while running starts the chain at
//   CURDESC, or, paused at the tail (Idle), at the NXTDESC of the old tail; otherwise it only
//   moves the pause point. Written while halted it does nothing but store. 0x2C SG_CTL:
//   SG_CACHE 3:0 (reset 0011b, drives m_axi_sg_arcache/awcache) and SG_USER 11:8 (stored).
//   The direct-mode address and LENGTH registers are reserved (read 0).
//   Descriptors (13 words in 64-byte slots): 0x00/0x04 NXTDESC, 0x08/0x0C BUFFER_ADDRESS,
//   0x18 CONTROL (length in C_SG_LENGTH_WIDTH bits, TXSOF bit27, TXEOF bit26: TLAST only at
//   the end of an EOF descriptor, so a packet may span descriptors), 0x1C STATUS written back
//   when a descriptor is done: Cmplt bit31, DMADecErr 30, DMASlvErr 29, the bytes moved
//   25:0, and on S2MM RXSOF bit27 (first descriptor of a packet) and RXEOF bit26 (TLAST
//   ended it). A fetch reads words 0..7 in one burst over m_axi_sg_ (the APP words belong to
//   the status/control stream, which this model has not); the write-back writes STATUS only.
//   Errors halt the channel (RS cleared, Err_Irq): a fetch or write-back answered SLVERR /
//   DECERR -> SGSlvErr / SGDecErr; a fetched descriptor with Cmplt set -> SGIntErr (unless
//   Cyclic); a zero length -> DMAIntErr; a data SLVERR/DECERR -> DMASlvErr/DMADecErr, and the
//   descriptor's STATUS gets Cmplt with the error bit. Each completed descriptor counts the
//   IRQThreshold down (IOC_Irq at 0, reloaded); with IRQDelay != 0 a completion not reaching
//   the threshold starts the delay timer (IRQDelay x C_DLYTMR_RESOLUTION clocks, restarted by
//   the next completion) whose expiry sets Dly_Irq and reloads the threshold count. Cyclic
//   (DMACR bit4): Cmplt is not checked and the tail never pauses the chain.
//   Not modelled: multichannel, the status/control streams (APP words), keyhole; a packet's
//   descriptors other than the last should hold whole stream beats (PYNQ's do: their length
//   is a multiple of the memory-map width), else MM2S sends a partial beat mid-packet and
//   S2MM drops the rest of the beat that crosses a descriptor's end.
`default_nettype none
/* verilator lint_off DECLFILENAME */  // file <core>.v holds module pr_<core> (README.md)
module pr_axi_dma #(
    parameter integer C_S_AXI_LITE_ADDR_WIDTH = 10,
    parameter integer C_M_AXIS_MM2S_TDATA_WIDTH = 32,  // 32 or 64
    parameter integer C_S_AXIS_S2MM_TDATA_WIDTH = 32,  // 32 or 64
    parameter integer C_SG_LENGTH_WIDTH = 26,          // 8..26
    parameter integer C_ADDR_WIDTH = 64,               // 32 or 64 (then the _MSB registers)
    // memory-map data widths (PG021): 32, 64 or 128, at least the channel's stream width
    parameter integer C_M_AXI_MM2S_DATA_WIDTH = 64,
    parameter integer C_M_AXI_S2MM_DATA_WIDTH = 64,
    // scatter-gather (PG021): 0 = Direct Register mode; the SG master's data width (32 as the
    // IP has it; 64 or 128 so it can share a wider PS port without a width converter)
    parameter integer C_INCLUDE_SG = 0,
    parameter integer C_M_AXI_SG_DATA_WIDTH = 32,
    parameter integer C_DLYTMR_RESOLUTION = 125  // clocks per IRQDelay unit, 1..65536
) (
    input  wire        clk,
    input  wire        rst_n,
    // AXI4-Lite slave
    /* verilator lint_off UNUSEDSIGNAL */  // byte offset within a word
    input  wire [C_S_AXI_LITE_ADDR_WIDTH-1:0] s_axi_lite_awaddr,
    /* verilator lint_on UNUSEDSIGNAL */
    input  wire        s_axi_lite_awvalid,
    output wire        s_axi_lite_awready,
    input  wire [31:0] s_axi_lite_wdata,
    input  wire [3:0]  s_axi_lite_wstrb,
    input  wire        s_axi_lite_wvalid,
    output wire        s_axi_lite_wready,
    output wire [1:0]  s_axi_lite_bresp,
    output wire        s_axi_lite_bvalid,
    input  wire        s_axi_lite_bready,
    input  wire [C_S_AXI_LITE_ADDR_WIDTH-1:0] s_axi_lite_araddr,
    input  wire        s_axi_lite_arvalid,
    output wire        s_axi_lite_arready,
    output wire [31:0] s_axi_lite_rdata,
    output wire [1:0]  s_axi_lite_rresp,
    output wire        s_axi_lite_rvalid,
    input  wire        s_axi_lite_rready,
    // AXI4 master, MM2S (read only)
    output wire [39:0] m_axi_mm2s_araddr,
    output wire [7:0]  m_axi_mm2s_arlen,
    output wire [2:0]  m_axi_mm2s_arsize,
    output wire [1:0]  m_axi_mm2s_arburst,
    output wire        m_axi_mm2s_arvalid,
    input  wire        m_axi_mm2s_arready,
    input  wire [C_M_AXI_MM2S_DATA_WIDTH-1:0] m_axi_mm2s_rdata,
    input  wire [1:0]  m_axi_mm2s_rresp,
    input  wire        m_axi_mm2s_rlast,
    input  wire        m_axi_mm2s_rvalid,
    output wire        m_axi_mm2s_rready,
    // AXI4 master, S2MM (write only)
    output wire [39:0] m_axi_s2mm_awaddr,
    output wire [7:0]  m_axi_s2mm_awlen,
    output wire [2:0]  m_axi_s2mm_awsize,
    output wire [1:0]  m_axi_s2mm_awburst,
    output wire        m_axi_s2mm_awvalid,
    input  wire        m_axi_s2mm_awready,
    output wire [C_M_AXI_S2MM_DATA_WIDTH-1:0]   m_axi_s2mm_wdata,
    output wire [C_M_AXI_S2MM_DATA_WIDTH/8-1:0] m_axi_s2mm_wstrb,
    output wire        m_axi_s2mm_wlast,
    output wire        m_axi_s2mm_wvalid,
    input  wire        m_axi_s2mm_wready,
    input  wire [1:0]  m_axi_s2mm_bresp,
    input  wire        m_axi_s2mm_bvalid,
    output wire        m_axi_s2mm_bready,
    // AXI4 master, scatter-gather descriptors (C_INCLUDE_SG = 1; idle when 0)
    output wire [39:0] m_axi_sg_araddr,
    output wire [7:0]  m_axi_sg_arlen,
    output wire [2:0]  m_axi_sg_arsize,
    output wire [1:0]  m_axi_sg_arburst,
    output wire [3:0]  m_axi_sg_arcache,
    output wire        m_axi_sg_arvalid,
    input  wire        m_axi_sg_arready,
    input  wire [C_M_AXI_SG_DATA_WIDTH-1:0] m_axi_sg_rdata,
    input  wire [1:0]  m_axi_sg_rresp,
    input  wire        m_axi_sg_rlast,
    input  wire        m_axi_sg_rvalid,
    output wire        m_axi_sg_rready,
    output wire [39:0] m_axi_sg_awaddr,
    output wire [7:0]  m_axi_sg_awlen,
    output wire [2:0]  m_axi_sg_awsize,
    output wire [1:0]  m_axi_sg_awburst,
    output wire [3:0]  m_axi_sg_awcache,
    output wire        m_axi_sg_awvalid,
    input  wire        m_axi_sg_awready,
    output wire [C_M_AXI_SG_DATA_WIDTH-1:0]   m_axi_sg_wdata,
    output wire [C_M_AXI_SG_DATA_WIDTH/8-1:0] m_axi_sg_wstrb,
    output wire        m_axi_sg_wlast,
    output wire        m_axi_sg_wvalid,
    input  wire        m_axi_sg_wready,
    input  wire [1:0]  m_axi_sg_bresp,
    input  wire        m_axi_sg_bvalid,
    output wire        m_axi_sg_bready,
    // AXI4-Stream out (MM2S) and in (S2MM)
    output wire [C_M_AXIS_MM2S_TDATA_WIDTH-1:0]   m_axis_mm2s_tdata,
    output wire [C_M_AXIS_MM2S_TDATA_WIDTH/8-1:0] m_axis_mm2s_tkeep,
    output wire        m_axis_mm2s_tlast,
    output wire        m_axis_mm2s_tvalid,
    input  wire        m_axis_mm2s_tready,
    input  wire [C_S_AXIS_S2MM_TDATA_WIDTH-1:0]   s_axis_s2mm_tdata,
    input  wire [C_S_AXIS_S2MM_TDATA_WIDTH/8-1:0] s_axis_s2mm_tkeep,
    input  wire        s_axis_s2mm_tlast,
    input  wire        s_axis_s2mm_tvalid,
    output wire        s_axis_s2mm_tready,
    // interrupts (level) and activity
    output wire        mm2s_introut,
    output wire        s2mm_introut,
    output wire        busy
);
  localparam integer kAw = C_S_AXI_LITE_ADDR_WIDTH, kLw = C_SG_LENGTH_WIDTH;
  localparam integer kMm2sMb = C_M_AXI_MM2S_DATA_WIDTH / 8, kS2mmMb = C_M_AXI_S2MM_DATA_WIDTH / 8;
  localparam integer kSg = C_INCLUDE_SG != 0 ? 1 : 0, kSgb = C_M_AXI_SG_DATA_WIDTH / 8;

  // The configurations the IP offers and this model implements: refused at elaboration.
  generate
    if ((kMm2sMb != 4 && kMm2sMb != 8 && kMm2sMb != 16) ||
        (kS2mmMb != 4 && kS2mmMb != 8 && kS2mmMb != 16)) begin : g_bad_mm_width
      $error("pr_axi_dma: C_M_AXI_MM2S_DATA_WIDTH / C_M_AXI_S2MM_DATA_WIDTH must be 32, 64 or 128");
    end
    if (C_M_AXIS_MM2S_TDATA_WIDTH > C_M_AXI_MM2S_DATA_WIDTH ||
        C_S_AXIS_S2MM_TDATA_WIDTH > C_M_AXI_S2MM_DATA_WIDTH) begin : g_bad_stream_width
      $error("pr_axi_dma: a stream may not be wider than its memory-map data width");
    end
    if (kSgb != 4 && kSgb != 8 && kSgb != 16) begin : g_bad_sg_width
      $error("pr_axi_dma: C_M_AXI_SG_DATA_WIDTH must be 32, 64 or 128");
    end
    if (C_DLYTMR_RESOLUTION < 1 || C_DLYTMR_RESOLUTION > 65536) begin : g_bad_dly_res
      $error("pr_axi_dma: C_DLYTMR_RESOLUTION must be 1..65536");
    end
  endgenerate

  // ---- AXI4-Lite slave (common/axil_slave.v): address and data together, one access at a
  // time, ready a cycle after valid; the write lands a cycle later (word address), the read
  // answers with the handshake; always OKAY
  wire        wr_en, rd_en, unused_rd_accept, unused_active;
  wire [31:0] wr_addr, wr_data, wr_mask, ar_addr32, unused_axil_rdata;
  wire [3:0]  unused_wr_strb;  // wr_mask carries the lanes
  pr_axil_slave #(.ADDR_WIDTH(kAw), .REGISTERED(1)) axil (
      .clk(clk), .rst_n(rst_n),
      .awaddr({s_axi_lite_awaddr[kAw-1:2], 2'b00}), .awvalid(s_axi_lite_awvalid),
      .awready(s_axi_lite_awready), .wdata(s_axi_lite_wdata), .wstrb(s_axi_lite_wstrb),
      .wvalid(s_axi_lite_wvalid), .wready(s_axi_lite_wready), .bresp(s_axi_lite_bresp),
      .bvalid(s_axi_lite_bvalid), .bready(s_axi_lite_bready), .araddr(s_axi_lite_araddr),
      .arvalid(s_axi_lite_arvalid), .arready(s_axi_lite_arready), .rdata(unused_axil_rdata),
      .rresp(s_axi_lite_rresp), .rvalid(s_axi_lite_rvalid), .rready(s_axi_lite_rready),
      .wr(wr_en), .wr_addr(wr_addr), .wr_data(wr_data), .wr_strb(unused_wr_strb),
      .wr_mask(wr_mask), .wr_err(1'b0), .rd(rd_en), .rd_addr(ar_addr32),
      .rd_data(32'd0), .rd_err(1'b0), .rd_accept(unused_rd_accept), .rd_wait(32'd0),
      .active(unused_active));

  // channel windows: 0x00..0x2C MM2S, 0x30..0x5C S2MM
  wire        wr_mm2s = wr_en && wr_addr[31:6] == 26'd0 && wr_addr[5:4] != 2'b11;
  wire        wr_s2mm = wr_en && wr_addr >= 32'h30 && wr_addr < 32'h60;
  wire [5:0]  wr_off_s2mm = wr_addr[5:0] - 6'h30;
  wire        rd_mm2s = ar_addr32[31:6] == 26'd0 && ar_addr32[5:4] != 2'b11;
  wire        rd_s2mm = ar_addr32 >= 32'h30 && ar_addr32 < 32'h60;
  wire [5:0]  rd_off_s2mm = ar_addr32[5:0] - 6'h30;
  wire [31:0] mm2s_rdata, s2mm_rdata;

  // SG_CTL (0x2C, scatter-gather only): SG_CACHE 3:0 (m_axi_sg_arcache/awcache), SG_USER 11:8
  reg  [3:0]  sg_cache, sg_user;
  wire        rd_sg_ctl = kSg != 0 && ar_addr32 == 32'h2C;

  // Read data: each register file latches its word at the read strobe (rd_en, when
  // pr_axil_slave would latch rd_data) and this picks the one the read addressed. The same
  // answer as a combinational read mux into pr_axil_slave, but the decode runs only on a read
  // (a combinational mux is evaluated every cycle by the model: simulation speed, rtl/README.md).
  localparam [1:0] kRdNone = 2'd0, kRdSgCtl = 2'd1, kRdMm2s = 2'd2, kRdS2mm = 2'd3;
  reg  [1:0]  rd_src;
  reg  [31:0] sg_ctl_rdata;
  always @(posedge clk) begin
    if (!rst_n) begin
      rd_src <= kRdNone;
      sg_ctl_rdata <= 32'd0;
    end else if (rd_en) begin
      rd_src <= rd_sg_ctl ? kRdSgCtl : rd_mm2s ? kRdMm2s : rd_s2mm ? kRdS2mm : kRdNone;
      sg_ctl_rdata <= {20'd0, sg_user, 4'd0, sg_cache};
    end
  end
  assign s_axi_lite_rdata = rd_src == kRdMm2s ? mm2s_rdata : rd_src == kRdS2mm ? s2mm_rdata
                            : rd_src == kRdSgCtl ? sg_ctl_rdata : 32'd0;

  // ---- soft reset: DMACR.Reset on either channel; done once both channels are quiet (and
  // the SG master has no descriptor access outstanding) ----
  wire mm2s_reset_req, s2mm_reset_req, mm2s_active, s2mm_active, sg_active;
  reg  reset_pending;
  wire soft_rst = reset_pending && !mm2s_active && !s2mm_active && !sg_active;

  always @(posedge clk) begin
    if (!rst_n || soft_rst) begin
      sg_cache <= 4'b0011;
      sg_user <= 4'd0;
    end else if (kSg != 0 && wr_en && wr_addr == 32'h2C) begin
      sg_cache <= (sg_cache & ~wr_mask[3:0]) | (wr_data[3:0] & wr_mask[3:0]);
      sg_user <= (sg_user & ~wr_mask[11:8]) | (wr_data[11:8] & wr_mask[11:8]);
    end
  end
  always @(posedge clk) begin
    if (!rst_n || soft_rst) reset_pending <= 1'b0;
    else if (mm2s_reset_req || s2mm_reset_req) reset_pending <= 1'b1;
  end

  // ---- MM2S ----
  wire             mm2s_start, mm2s_abort, mm2s_done, mm2s_err, mm2s_eof, mm2s_sg_busy;
  wire [1:0]       mm2s_err_code;
  wire [39:0]      mm2s_addr;
  wire [kLw-1:0]   mm2s_len;
  // the two channels' descriptor accesses ([0] MM2S, [1] S2MM) on the shared SG master
  wire [1:0]       sg_req, sg_req_wr, sg_ack;
  wire [79:0]      sg_req_addr;
  wire [63:0]      sg_req_wdata;
  wire [1:0]       sg_resp;
  wire [255:0]     sg_words;
  pr_axi_dma_regs #(.LW(kLw), .ADDR64(C_ADDR_WIDTH > 32 ? 1 : 0), .RX(0), .SG(kSg),
                    .DLY_RES(C_DLYTMR_RESOLUTION)) mm2s_regs (
      .clk(clk), .rst_n(rst_n), .soft_rst(soft_rst), .reset_pending(reset_pending),
      .reset_req(mm2s_reset_req),
      .wr_en(wr_mm2s), .wr_off(wr_addr[5:0]), .wr_data(wr_data), .wr_mask(wr_mask),
      .rd_en(rd_en), .rd_off(ar_addr32[5:0]), .rd_data(mm2s_rdata),
      .ch_start(mm2s_start), .ch_addr(mm2s_addr), .ch_len(mm2s_len), .ch_eof(mm2s_eof),
      .ch_abort(mm2s_abort), .ch_active(mm2s_active), .ch_done(mm2s_done),
      .ch_done_bytes({kLw{1'b0}}), .ch_done_eof(1'b0), .ch_err(mm2s_err),
      .ch_err_code(mm2s_err_code), .introut(mm2s_introut),
      .sg_req(sg_req[0]), .sg_req_wr(sg_req_wr[0]), .sg_req_addr(sg_req_addr[39:0]),
      .sg_req_wdata(sg_req_wdata[31:0]), .sg_ack(sg_ack[0]), .sg_resp(sg_resp),
      .sg_words(sg_words), .sg_busy(mm2s_sg_busy));

  wire mm2s_busy;
  pr_axi_dma_mm2s #(.NB(C_M_AXIS_MM2S_TDATA_WIDTH / 8), .MB(kMm2sMb), .LW(kLw)) mm2s (
      .clk(clk), .rst_n(rst_n),
      .start(mm2s_start), .start_addr(mm2s_addr), .start_len(mm2s_len),
      .start_eof(mm2s_eof), .abort(mm2s_abort),
      .active(mm2s_active), .busy(mm2s_busy), .done(mm2s_done), .err(mm2s_err),
      .err_code(mm2s_err_code),
      .araddr(m_axi_mm2s_araddr), .arlen(m_axi_mm2s_arlen), .arvalid(m_axi_mm2s_arvalid),
      .arready(m_axi_mm2s_arready), .rdata(m_axi_mm2s_rdata), .rresp(m_axi_mm2s_rresp),
      .rlast(m_axi_mm2s_rlast), .rvalid(m_axi_mm2s_rvalid), .rready(m_axi_mm2s_rready),
      .tdata(m_axis_mm2s_tdata), .tkeep(m_axis_mm2s_tkeep), .tlast(m_axis_mm2s_tlast),
      .tvalid(m_axis_mm2s_tvalid), .tready(m_axis_mm2s_tready));
  assign m_axi_mm2s_arsize = kMm2sMb == 16 ? 3'd4 : kMm2sMb == 8 ? 3'd3 : 3'd2;  // full beats
  assign m_axi_mm2s_arburst = 2'b01;

  // ---- S2MM ----
  wire             s2mm_start, s2mm_abort, s2mm_done, s2mm_err, s2mm_done_eof, s2mm_sg_busy;
  wire             unused_s2mm_eof;  // TLAST is the stream's, not the descriptor's
  wire [1:0]       s2mm_err_code;
  wire [39:0]      s2mm_addr;
  wire [kLw-1:0]   s2mm_len, s2mm_bytes;
  pr_axi_dma_regs #(.LW(kLw), .ADDR64(C_ADDR_WIDTH > 32 ? 1 : 0), .RX(1), .SG(kSg),
                    .DLY_RES(C_DLYTMR_RESOLUTION)) s2mm_regs (
      .clk(clk), .rst_n(rst_n), .soft_rst(soft_rst), .reset_pending(reset_pending),
      .reset_req(s2mm_reset_req),
      .wr_en(wr_s2mm), .wr_off(wr_off_s2mm), .wr_data(wr_data), .wr_mask(wr_mask),
      .rd_en(rd_en), .rd_off(rd_off_s2mm), .rd_data(s2mm_rdata),
      .ch_start(s2mm_start), .ch_addr(s2mm_addr), .ch_len(s2mm_len), .ch_eof(unused_s2mm_eof),
      .ch_abort(s2mm_abort), .ch_active(s2mm_active), .ch_done(s2mm_done),
      .ch_done_bytes(s2mm_bytes), .ch_done_eof(s2mm_done_eof), .ch_err(s2mm_err),
      .ch_err_code(s2mm_err_code), .introut(s2mm_introut),
      .sg_req(sg_req[1]), .sg_req_wr(sg_req_wr[1]), .sg_req_addr(sg_req_addr[79:40]),
      .sg_req_wdata(sg_req_wdata[63:32]), .sg_ack(sg_ack[1]), .sg_resp(sg_resp),
      .sg_words(sg_words), .sg_busy(s2mm_sg_busy));

  wire s2mm_busy;
  pr_axi_dma_s2mm #(.NB(C_S_AXIS_S2MM_TDATA_WIDTH / 8), .MB(kS2mmMb), .LW(kLw)) s2mm (
      .clk(clk), .rst_n(rst_n),
      .start(s2mm_start), .start_addr(s2mm_addr), .start_len(s2mm_len), .abort(s2mm_abort),
      .active(s2mm_active), .busy(s2mm_busy), .done(s2mm_done), .done_bytes(s2mm_bytes),
      .done_eof(s2mm_done_eof), .err(s2mm_err), .err_code(s2mm_err_code),
      .awaddr(m_axi_s2mm_awaddr), .awlen(m_axi_s2mm_awlen), .awvalid(m_axi_s2mm_awvalid),
      .awready(m_axi_s2mm_awready), .wdata(m_axi_s2mm_wdata), .wstrb(m_axi_s2mm_wstrb),
      .wlast(m_axi_s2mm_wlast), .wvalid(m_axi_s2mm_wvalid), .wready(m_axi_s2mm_wready),
      .bresp(m_axi_s2mm_bresp), .bvalid(m_axi_s2mm_bvalid), .bready(m_axi_s2mm_bready),
      .tdata(s_axis_s2mm_tdata), .tkeep(s_axis_s2mm_tkeep), .tlast(s_axis_s2mm_tlast),
      .tvalid(s_axis_s2mm_tvalid), .tready(s_axis_s2mm_tready));
  assign m_axi_s2mm_awsize = kS2mmMb == 16 ? 3'd4 : kS2mmMb == 8 ? 3'd3 : 3'd2;
  assign m_axi_s2mm_awburst = 2'b01;

  // ---- scatter-gather master: one descriptor access at a time for both channels ----
  generate
    if (kSg != 0) begin : g_sg
      pr_axi_dma_sg_bus #(.SB(kSgb)) sg_bus (
          .clk(clk), .rst_n(rst_n), .hold(reset_pending),
          .req(sg_req), .req_wr(sg_req_wr), .req_addr(sg_req_addr), .req_wdata(sg_req_wdata),
          .ack(sg_ack), .resp(sg_resp), .words(sg_words), .active(sg_active),
          .araddr(m_axi_sg_araddr), .arlen(m_axi_sg_arlen), .arsize(m_axi_sg_arsize),
          .arvalid(m_axi_sg_arvalid), .arready(m_axi_sg_arready), .rdata(m_axi_sg_rdata),
          .rresp(m_axi_sg_rresp), .rlast(m_axi_sg_rlast), .rvalid(m_axi_sg_rvalid),
          .rready(m_axi_sg_rready), .awaddr(m_axi_sg_awaddr), .awlen(m_axi_sg_awlen),
          .awsize(m_axi_sg_awsize), .awvalid(m_axi_sg_awvalid), .awready(m_axi_sg_awready),
          .wdata(m_axi_sg_wdata), .wstrb(m_axi_sg_wstrb), .wlast(m_axi_sg_wlast),
          .wvalid(m_axi_sg_wvalid), .wready(m_axi_sg_wready), .bresp(m_axi_sg_bresp),
          .bvalid(m_axi_sg_bvalid), .bready(m_axi_sg_bready));
      assign m_axi_sg_arburst = 2'b01;
      assign m_axi_sg_awburst = 2'b01;
      assign m_axi_sg_arcache = sg_cache;
      assign m_axi_sg_awcache = sg_cache;
    end else begin : g_no_sg
      // Direct Register mode: the master stays idle and its inputs are not looked at.
      assign sg_ack = 2'b00;
      assign sg_resp = 2'b00;
      assign sg_words = 256'd0;
      assign sg_active = 1'b0;
      assign m_axi_sg_araddr = 40'd0;
      assign m_axi_sg_arlen = 8'd0;
      assign m_axi_sg_arsize = kSgb == 16 ? 3'd4 : kSgb == 8 ? 3'd3 : 3'd2;
      assign m_axi_sg_arburst = 2'b01;
      assign m_axi_sg_arcache = 4'd0;
      assign m_axi_sg_arvalid = 1'b0;
      assign m_axi_sg_rready = 1'b0;
      assign m_axi_sg_awaddr = 40'd0;
      assign m_axi_sg_awlen = 8'd0;
      assign m_axi_sg_awsize = kSgb == 16 ? 3'd4 : kSgb == 8 ? 3'd3 : 3'd2;
      assign m_axi_sg_awburst = 2'b01;
      assign m_axi_sg_awcache = 4'd0;
      assign m_axi_sg_awvalid = 1'b0;
      assign m_axi_sg_wdata = {C_M_AXI_SG_DATA_WIDTH{1'b0}};
      assign m_axi_sg_wstrb = {kSgb{1'b0}};
      assign m_axi_sg_wlast = 1'b0;
      assign m_axi_sg_wvalid = 1'b0;
      assign m_axi_sg_bready = 1'b0;
      wire sg_unused = &{1'b0, m_axi_sg_arready, m_axi_sg_rdata, m_axi_sg_rresp,
                         m_axi_sg_rlast, m_axi_sg_rvalid, m_axi_sg_awready, m_axi_sg_wready,
                         m_axi_sg_bresp, m_axi_sg_bvalid, sg_req, sg_req_wr, sg_req_addr,
                         sg_req_wdata, sg_cache, sg_user};
    end
  endgenerate

  // SG_USER has no AXI USER signals to drive here: stored for software only.
  wire sg_user_unused = &{1'b0, sg_user};

  assign busy = mm2s_busy || s2mm_busy || reset_pending || mm2s_sg_busy || s2mm_sg_busy ||
                sg_active;
endmodule

// One channel's registers and its run/halt/idle/interrupt state. Direct Register mode
// (SG = 0): DMACR, DMASR, address, LENGTH at channel offsets 0x00, 0x04, 0x18/0x1C, 0x28.
// Scatter-gather (SG = 1): DMACR, DMASR, CURDESC 0x08/0x0C, TAILDESC 0x10/0x14 and the
// descriptor engine of the channel: fetch (words 0..7 through the shared SG bus) -> datapath
// transfer -> STATUS write-back -> the next descriptor, or Idle at the tail.
module pr_axi_dma_regs #(
    parameter integer LW = 26,
    parameter integer ADDR64 = 1,
    parameter integer RX = 0,  // S2MM: LENGTH reads back the bytes received
    parameter integer SG = 0,
    parameter integer DLY_RES = 125  // clocks per IRQDelay unit (C_DLYTMR_RESOLUTION)
) (
    input  wire          clk,
    input  wire          rst_n,
    input  wire          soft_rst,
    input  wire          reset_pending,
    output wire          reset_req,
    input  wire          wr_en,
    input  wire [5:0]    wr_off,
    input  wire [31:0]   wr_data,
    input  wire [31:0]   wr_mask,  // the byte strobes as a bit mask
    input  wire          rd_en,    // the read strobe: latch the word at rd_off
    input  wire [5:0]    rd_off,
    output reg  [31:0]   rd_data,  // the word latched at the last rd_en
    output reg           ch_start,
    output wire [39:0]   ch_addr,
    output wire [LW-1:0] ch_len,
    output wire          ch_eof,   // MM2S: TLAST at the end of this transfer
    output wire          ch_abort,
    input  wire          ch_active,
    input  wire          ch_done,
    input  wire [LW-1:0] ch_done_bytes,
    input  wire          ch_done_eof,  // S2MM: the transfer ended at TLAST
    input  wire          ch_err,
    input  wire [1:0]    ch_err_code,
    output wire          introut,
    // descriptor accesses through the shared SG master (SG = 1): held until sg_ack
    output wire          sg_req,
    output wire          sg_req_wr,     // 1: write sg_req_wdata to the STATUS word
    output wire [39:0]   sg_req_addr,   // the descriptor
    output wire [31:0]   sg_req_wdata,
    input  wire          sg_ack,
    input  wire [1:0]    sg_resp,
    /* verilator lint_off UNUSEDSIGNAL */  // words 4 and 5 are reserved
    input  wire [255:0]  sg_words,      // descriptor words 0..7 after a fetch
    /* verilator lint_on UNUSEDSIGNAL */
    output wire          sg_busy
);
  localparam [1:0] kWait = 2'd0, kFetch = 2'd1, kXfer = 2'd2, kWb = 2'd3;
  reg          rs, halted, idle, int_err, slv_err, dec_err, ioc_irq, dly_irq, err_irq;
  reg  [2:0]   irq_en;   // DMACR 14:12
  reg  [1:0]   cr_mode;  // DMACR 4:3
  reg  [15:0]  cr_hi;    // DMACR 31:16
  reg  [31:0]  addr_lo, addr_hi;
  reg  [LW-1:0] length;
  // scatter-gather state
  reg  [1:0]   sg_state;
  reg          sg_started;  // a TAILDESC write since RS began the chain (then fetch CURDESC)
  reg          sg_int_err, sg_slv_err, sg_dec_err;
  reg  [31:0]  cur_lo, cur_hi, tail_lo, tail_hi, nxt_lo, nxt_hi;
  reg  [39:0]  buf_addr;
  reg  [LW-1:0] buf_len;
  reg          buf_eof, rx_sof, wb_halt;
  reg  [31:0]  wb_status;
  reg  [7:0]   thr_cnt;     // IRQThresholdSts: descriptors left before IOC_Irq
  reg          dly_run;
  reg  [7:0]   dly_units;   // IRQDelaySts
  reg  [15:0]  dly_tick;

  wire [31:0] cr = {cr_hi, 1'b0, irq_en, 7'd0, cr_mode, reset_pending, 1'b1, rs};
  wire [31:0] sr = SG != 0 ? {dly_units, thr_cnt, 1'b0, err_irq, dly_irq, ioc_irq, 1'b0,
                              sg_dec_err, sg_slv_err, sg_int_err, 1'b0, dec_err, slv_err,
                              int_err, 1'b1, 1'b0, idle, halted}
                           : {17'd0, err_irq, dly_irq, ioc_irq, 5'd0, dec_err, slv_err, int_err,
                              2'd0, idle, halted};
  wire [31:0] len32 = {{(32 - LW){1'b0}}, length};
  wire [31:0] hi_mask = ADDR64 != 0 ? 32'hFFFFFFFF : 32'd0;

  // Latched at the read strobe only (not reset by a soft reset, as pr_axil_slave's rdata is
  // not): the decode then costs nothing in the cycles without a read.
  always @(posedge clk) begin
    if (!rst_n) begin
      rd_data <= 32'd0;
    end else if (rd_en) begin
      case (rd_off)
        6'h00: rd_data <= cr;
        6'h04: rd_data <= sr;
        6'h08: rd_data <= SG != 0 ? cur_lo : 32'd0;
        6'h0C: rd_data <= SG != 0 ? cur_hi & hi_mask : 32'd0;
        6'h10: rd_data <= SG != 0 ? tail_lo : 32'd0;
        6'h14: rd_data <= SG != 0 ? tail_hi & hi_mask : 32'd0;
        6'h18: rd_data <= SG == 0 ? addr_lo : 32'd0;
        6'h1C: rd_data <= SG == 0 && ADDR64 != 0 ? addr_hi : 32'd0;
        6'h28: rd_data <= SG == 0 ? len32 : 32'd0;
        default: rd_data <= 32'd0;
      endcase
    end
  end

  /* verilator lint_off UNUSEDSIGNAL */  // read-only and reserved bits
  wire [31:0] cr_new = (cr & ~wr_mask) | (wr_data & wr_mask);
  wire [31:0] sr_w1c = wr_data & wr_mask;
  wire [31:0] len_new = (len32 & ~wr_mask) | (wr_data & wr_mask);
  wire [31:0] cur_lo_new = (cur_lo & ~wr_mask) | (wr_data & wr_mask);
  wire [31:0] cur_hi_new = (cur_hi & ~wr_mask) | (wr_data & wr_mask);
  wire [31:0] tail_lo_new = (tail_lo & ~wr_mask) | (wr_data & wr_mask);
  wire [31:0] tail_hi_new = (tail_hi & ~wr_mask) | (wr_data & wr_mask);
  // descriptor words (PG021 "Scatter Gather Descriptor"): NXTDESC, NXTDESC_MSB,
  // BUFFER_ADDRESS, BUFFER_ADDRESS_MSB, two reserved, CONTROL, STATUS
  wire [31:0] d_nxt_lo = sg_words[31:0], d_nxt_hi = sg_words[63:32];
  wire [31:0] d_buf_lo = sg_words[95:64], d_buf_hi = sg_words[127:96];
  wire [31:0] d_ctrl = sg_words[223:192], d_status = sg_words[255:224];
  /* verilator lint_on UNUSEDSIGNAL */
  wire        wr_cr = wr_en && wr_off == 6'h00;
  wire        wr_len = wr_en && wr_off == 6'h28;
  wire        any_err = int_err || slv_err || dec_err || sg_int_err || sg_slv_err || sg_dec_err;
  wire        running = rs && !halted;
  assign reset_req = wr_cr && (wr_mask[2] ? wr_data[2] : reset_pending);  // cr_new[2]
  assign ch_addr = SG != 0 ? buf_addr : {addr_hi[7:0], addr_lo};
  assign ch_len = SG != 0 ? buf_len : length;
  assign ch_eof = SG == 0 || buf_eof;
  assign ch_abort = !rs || reset_pending;
  assign introut = (ioc_irq && irq_en[0]) || (dly_irq && irq_en[1]) || (err_irq && irq_en[2]);

  // The tail as it stands after this cycle's write: a write racing the engine's arrival at
  // the old tail moves the pause point rather than being lost.
  wire        wr_tail_lo = wr_en && wr_off == 6'h10, wr_tail_hi = wr_en && wr_off == 6'h14;
  /* verilator lint_off UNUSEDSIGNAL */  // below the 64-byte alignment, above 40 bits
  wire [31:0] tail_lo_now = wr_tail_lo ? tail_lo_new : tail_lo;
  wire [31:0] tail_hi_now = wr_tail_hi && ADDR64 != 0 ? tail_hi_new : tail_hi;
  /* verilator lint_on UNUSEDSIGNAL */
  wire [39:0] cur40 = {ADDR64 != 0 ? cur_hi[7:0] : 8'd0, cur_lo[31:6], 6'd0};
  wire [39:0] tail40 = {ADDR64 != 0 ? tail_hi_now[7:0] : 8'd0, tail_lo_now[31:6], 6'd0};
  // The write that (re)starts the engine: TAILDESC_MSB with 64-bit addresses, else TAILDESC.
  wire        tail_go = ADDR64 != 0 ? wr_tail_hi : wr_tail_lo;
  wire        cyclic = cr_mode[1];
  wire [25:0] bytes26 = {{(26 - LW){1'b0}}, RX != 0 ? ch_done_bytes : buf_len};
  wire [7:0]  threshold = cr_hi[7:0];
  wire [7:0]  delay = cr_hi[15:8];
  localparam integer kDlyLastI = DLY_RES - 1;
  localparam [15:0] kDlyLast = kDlyLastI[15:0];
  wire        dly_tick_end = dly_tick == kDlyLast;

  assign sg_req = SG != 0 && (sg_state == kFetch || sg_state == kWb);
  assign sg_req_wr = sg_state == kWb;
  assign sg_req_addr = cur40;
  assign sg_req_wdata = wb_status;
  assign sg_busy = SG != 0 && (sg_req || ch_start || ch_done || ch_err || dly_run);
  // Direct Register mode: the block below changes nothing in a cycle without a register
  // write, a start, an end or an error, unless RS and Halted disagree (a halt or run to
  // settle). Gated by that, it costs the model one test in the idle cycles rather than every
  // statement (simulation speed, rtl/README.md). Scatter-gather runs it every cycle.
  wire        regs_step = SG != 0 || wr_en || ch_start || ch_done || ch_err || rs == halted;

  always @(posedge clk) begin
    if (!rst_n || soft_rst) begin
      rs <= 1'b0;
      halted <= 1'b1;
      idle <= 1'b0;
      int_err <= 1'b0;
      slv_err <= 1'b0;
      dec_err <= 1'b0;
      ioc_irq <= 1'b0;
      dly_irq <= 1'b0;
      err_irq <= 1'b0;
      irq_en <= 3'd0;
      cr_mode <= 2'd0;
      cr_hi <= 16'h0001;
      addr_lo <= 32'd0;
      addr_hi <= 32'd0;
      length <= {LW{1'b0}};
      ch_start <= 1'b0;
      sg_state <= kWait;
      sg_started <= 1'b0;
      sg_int_err <= 1'b0;
      sg_slv_err <= 1'b0;
      sg_dec_err <= 1'b0;
      cur_lo <= 32'd0;
      cur_hi <= 32'd0;
      tail_lo <= 32'd0;
      tail_hi <= 32'd0;
      nxt_lo <= 32'd0;
      nxt_hi <= 32'd0;
      buf_addr <= 40'd0;
      buf_len <= {LW{1'b0}};
      buf_eof <= 1'b0;
      rx_sof <= 1'b1;
      wb_halt <= 1'b0;
      wb_status <= 32'd0;
      thr_cnt <= 8'd1;
      dly_run <= 1'b0;
      dly_units <= 8'd0;
      dly_tick <= 16'd0;
    end else if (regs_step) begin
      ch_start <= 1'b0;
      if (wr_en) begin
        case (wr_off)
          6'h00: begin
            rs <= cr_new[0] && !any_err && !reset_pending;  // errors need a reset
            cr_mode <= cr_new[4:3];
            irq_en <= cr_new[14:12];
            if (SG != 0) begin
              // PG021: a threshold of 0 is not written; a new one restarts the count
              cr_hi[15:8] <= cr_new[31:24];
              if (cr_new[23:16] != 8'd0) begin
                cr_hi[7:0] <= cr_new[23:16];
                thr_cnt <= cr_new[23:16];
              end
            end else begin
              cr_hi <= cr_new[31:16];
            end
          end
          6'h04: begin
            if (sr_w1c[12]) ioc_irq <= 1'b0;
            if (sr_w1c[13]) dly_irq <= 1'b0;
            if (sr_w1c[14]) err_irq <= 1'b0;
          end
          // CURDESC only while halted (PG021: read-only otherwise); 16-word aligned
          6'h08: if (SG != 0 && halted) cur_lo <= cur_lo_new & 32'hFFFFFFC0;
          6'h0C: if (SG != 0 && halted && ADDR64 != 0) cur_hi <= cur_hi_new;
          6'h10: if (SG != 0) tail_lo <= tail_lo_new & 32'hFFFFFFC0;
          6'h14: if (SG != 0 && ADDR64 != 0) tail_hi <= tail_hi_new;
          6'h18: if (SG == 0) addr_lo <= (addr_lo & ~wr_mask) | (wr_data & wr_mask);
          6'h1C: if (SG == 0 && ADDR64 != 0) addr_hi <= (addr_hi & ~wr_mask) | (wr_data & wr_mask);
          6'h28: if (SG == 0) length <= len_new[LW-1:0];
          default: ;
        endcase
      end
      // LENGTH written while running starts a transfer (ignored while one is under way)
      if (SG == 0 && wr_len && running && !ch_active && !ch_start && !reset_pending) begin
        if (len_new[LW-1:0] == {LW{1'b0}}) begin
          int_err <= 1'b1;
          err_irq <= 1'b1;
          rs <= 1'b0;
        end else begin
          ch_start <= 1'b1;
          idle <= 1'b0;
        end
      end
      if (ch_done && SG == 0) begin
        idle <= 1'b1;
        ioc_irq <= 1'b1;
        if (RX != 0) length <= ch_done_bytes;
      end
      if (ch_err) begin
        if (ch_err_code == 2'b11) dec_err <= 1'b1;
        else slv_err <= 1'b1;
        err_irq <= 1'b1;
        rs <= 1'b0;
      end
      if (rs && !(wr_cr && !(wr_mask[0] ? wr_data[0] : rs))) halted <= 1'b0;  // cr_new[0]
      else if (!rs && !ch_active && !ch_start && (SG == 0 || sg_state == kWait)) halted <= 1'b1;

      if (SG != 0) begin
        // a halted channel starts its next chain from CURDESC, not from Idle at the tail
        if (halted) begin
          sg_started <= 1'b0;
          idle <= 1'b0;
          rx_sof <= 1'b1;
        end
        // interrupt delay timer: IRQDelay units of DLY_RES clocks after the last completion
        if (dly_run) begin
          dly_tick <= dly_tick_end ? 16'd0 : dly_tick + 16'd1;
          if (dly_tick_end) begin
            if (dly_units + 8'd1 >= delay) begin
              dly_run <= 1'b0;
              dly_units <= 8'd0;
              dly_irq <= 1'b1;
              thr_cnt <= threshold;
            end else begin
              dly_units <= dly_units + 8'd1;
            end
          end
        end
        case (sg_state)
          kWait:
            if (tail_go && running && !reset_pending && !any_err) begin
              if (!sg_started) begin
                sg_started <= 1'b1;
                idle <= 1'b0;
                sg_state <= kFetch;
              end else if (idle) begin
                // paused at the tail: go on with the descriptor after it
                cur_lo <= nxt_lo;
                cur_hi <= nxt_hi;
                idle <= 1'b0;
                sg_state <= kFetch;
              end
            end
          kFetch:
            if (sg_ack) begin
              if (sg_resp != 2'b00) begin
                if (sg_resp == 2'b11) sg_dec_err <= 1'b1;
                else sg_slv_err <= 1'b1;
                err_irq <= 1'b1;
                rs <= 1'b0;
                sg_state <= kWait;
              end else if (!rs || reset_pending) begin
                sg_state <= kWait;
              end else if (d_status[31] && !cyclic) begin
                sg_int_err <= 1'b1;  // a completed descriptor fetched again
                err_irq <= 1'b1;
                rs <= 1'b0;
                sg_state <= kWait;
              end else if (d_ctrl[LW-1:0] == {LW{1'b0}}) begin
                int_err <= 1'b1;
                err_irq <= 1'b1;
                rs <= 1'b0;
                sg_state <= kWait;
              end else begin
                nxt_lo <= d_nxt_lo & 32'hFFFFFFC0;
                nxt_hi <= ADDR64 != 0 ? d_nxt_hi : 32'd0;
                buf_addr <= {ADDR64 != 0 ? d_buf_hi[7:0] : 8'd0, d_buf_lo};
                buf_len <= d_ctrl[LW-1:0];
                buf_eof <= d_ctrl[26];
                ch_start <= 1'b1;
                sg_state <= kXfer;
              end
            end
          kXfer:
            if (ch_done) begin
              wb_status <= {1'b1, 3'b000, RX != 0 ? {rx_sof, ch_done_eof} : 2'b00, bytes26};
              if (RX != 0) rx_sof <= ch_done_eof;
              wb_halt <= 1'b0;
              sg_state <= kWb;
            end else if (ch_err) begin
              wb_status <= {1'b1, ch_err_code == 2'b11, ch_err_code != 2'b11, 29'd0};
              wb_halt <= 1'b1;
              sg_state <= kWb;
            end else if (!rs && !ch_active && !ch_start) begin
              sg_state <= kWait;  // stopped (RS = 0 or a reset) mid-transfer
            end
          default:  // kWb
            if (sg_ack) begin
              if (sg_resp != 2'b00) begin
                if (sg_resp == 2'b11) sg_dec_err <= 1'b1;
                else sg_slv_err <= 1'b1;
                err_irq <= 1'b1;
                rs <= 1'b0;
                sg_state <= kWait;
              end else begin
                if (!wb_halt) begin
                  // IOC_Irq after IRQThreshold completed descriptors; the delay timer
                  // restarts with each completion
                  if (thr_cnt <= 8'd1) begin
                    ioc_irq <= 1'b1;
                    thr_cnt <= threshold;
                    dly_run <= 1'b0;
                    dly_units <= 8'd0;
                  end else begin
                    thr_cnt <= thr_cnt - 8'd1;
                    dly_run <= delay != 8'd0;
                    dly_units <= 8'd0;
                  end
                  dly_tick <= 16'd0;
                end
                if (wb_halt || !rs || reset_pending) begin
                  sg_state <= kWait;
                end else if (cur40 == tail40 && !cyclic) begin
                  idle <= 1'b1;
                  sg_state <= kWait;
                end else begin
                  cur_lo <= nxt_lo;
                  cur_hi <= nxt_hi;
                  sg_state <= kFetch;
                end
              end
            end
        endcase
      end
    end
  end
endmodule

// MM2S datapath: AR bursts (up to 64 beats in flight) -> 64-beat FIFO -> byte packer ->
// stream beats of NB bytes. Memory beats of MB bytes (4, 8, 16; NB <= MB).
module pr_axi_dma_mm2s #(
    parameter integer NB = 4,
    parameter integer MB = 8,
    parameter integer LW = 26
) (
    input  wire            clk,
    input  wire            rst_n,
    input  wire            start,
    input  wire [39:0]     start_addr,
    input  wire [LW-1:0]   start_len,
    input  wire            start_eof,  // TLAST on the last beat (a scatter-gather descriptor
                                       // without EOF continues its packet in the next one)
    input  wire            abort,
    output wire            active,
    output wire            busy,
    output reg             done,
    output reg             err,
    output reg  [1:0]      err_code,
    output wire [39:0]     araddr,
    output wire [7:0]      arlen,
    output wire            arvalid,
    input  wire            arready,
    input  wire [8*MB-1:0] rdata,
    input  wire [1:0]      rresp,
    input  wire            rlast,
    input  wire            rvalid,
    output wire            rready,
    output reg  [8*NB-1:0] tdata,
    output reg  [NB-1:0]   tkeep,
    output reg             tlast,
    output reg             tvalid,
    input  wire            tready
);
  localparam integer kDepth = 64;
  localparam [6:0] kDepth7 = 7'd64;
  localparam integer kLb = $clog2(MB);  // address bits within a beat
  localparam integer kPageBeatsI = 4096 / MB;
  localparam [10:0] kPageBeats = kPageBeatsI[10:0];
  localparam [5:0] kMb6 = MB[5:0];

  reg          running, eof;
  // address generator
  reg [39:0]   ar_next;
  reg [LW-1:0] ar_beats_left;
  reg          ar_valid_q;
  reg [39:0]   araddr_q;
  reg [3:0]    arlen_q;
  reg [6:0]    rd_out;    // bursts requested, last beat not yet received
  reg [6:0]    reserved;  // FIFO beats claimed: held or still to arrive
  // FIFO of memory beats
  reg [8*MB-1:0] fifo [0:kDepth-1];
  reg [5:0]    fifo_wp, fifo_rp;
  reg [6:0]    fifo_cnt;
  // byte packer
  reg [kLb-1:0] in_skip;  // bytes to skip in the next beat taken from the FIFO
  reg [LW-1:0] in_left;   // bytes still to take from the FIFO
  // two memory beats, low and high: halves of a beat's width keep the packer in 64-bit words
  // for MB <= 8 (a 128-bit vector costs Verilator word loops and a memset every cycle)
  reg [8*MB-1:0] acc_lo, acc_hi;
  reg [5:0]    acc_n;
  reg [LW-1:0] out_left;  // bytes still to put on the stream

  assign araddr = araddr_q;
  assign arlen = {4'd0, arlen_q};
  assign arvalid = ar_valid_q;
  assign rready = 1'b1;  // room was reserved when the burst was requested
  assign active = running || ar_valid_q || rd_out != 7'd0;
  // Busy means "can move on its own": a read in flight, or a running channel that is not
  // just holding a beat the stream consumer refuses. A channel stalled by its consumer
  // waits for the consumer's activity, so an abandoned flow leaves the board idle.
  assign busy = ar_valid_q || rd_out != 7'd0 || (running && !(tvalid && !tready));

  // bytes from the beat boundary below the start to the end, rounded up to whole beats
  /* verilator lint_off UNUSEDSIGNAL */  // [kLb-1:0] is below a beat
  wire [LW:0] start_span = {1'b0, start_len} + {{(LW + 1 - kLb){1'b0}}, start_addr[kLb-1:0]} +
                           {{(LW + 1 - kLb){1'b0}}, {kLb{1'b1}}};
  /* verilator lint_on UNUSEDSIGNAL */
  wire [10:0] page_beats = kPageBeats - {{(kLb - 1){1'b0}}, ar_next[11:kLb]};
  wire [4:0]  burst_cap = page_beats < 11'd16 ? page_beats[4:0] : 5'd16;
  wire [4:0]  burst = ar_beats_left < {{(LW - 5){1'b0}}, burst_cap} ? ar_beats_left[4:0]
                                                                    : burst_cap;
  wire        can_issue = running && !abort && ar_beats_left != {LW{1'b0}} &&
                          {1'b0, reserved} + {3'd0, burst} <= {1'b0, kDepth7};
  // What depends on the memory side's inputs (arready, rvalid, rresp, rlast) is worked out
  // inside the clocked block below, not as wires: Verilator evaluates an input-dependent wire
  // at every eval() (twice a cycle) and again after the edge; a local of the clocked block
  // once (simulation speed, rtl/README.md). `stop` (an abort or an error response) freezes the
  // packer for the cycle, so the packer's wires assume no stop and the block ignores them then.
  reg         ar_load, r_take, r_bad, stop, r_keep;

  // stream side: a beat of min(NB, out_left) bytes once the packer holds them
  localparam [5:0] kNb6 = NB[5:0];
  wire [5:0]  take_n = out_left < {{(LW - 6){1'b0}}, kNb6} ? out_left[5:0] : kNb6;
  wire        emit = running && out_left != {LW{1'b0}} && acc_n >= take_n &&
                     (!tvalid || tready);  // and no stop
  wire [5:0]  emitted = emit ? take_n : 6'd0;
  wire [5:0]  n_after = acc_n - emitted;
  wire [5:0]  room_in_beat = kMb6 - {{(6 - kLb){1'b0}}, in_skip};
  wire [5:0]  pop_n = in_left < {{(LW - 6){1'b0}}, room_in_beat} ? in_left[5:0] : room_in_beat;
  wire        pop = running && in_left != {LW{1'b0}} && fifo_cnt != 7'd0 &&
                    n_after <= kMb6;  // and no stop
  wire [8*MB-1:0] head = fifo[fifo_rp];
  wire [8*MB-1:0] head_shifted = head >> {in_skip, 3'b000};
  reg  [8*MB-1:0] pop_mask;
  reg  [8*NB-1:0] emit_mask;
  // The low pop_n / take_n bytes. Shifts, not a loop per byte: Verilator evaluates every
  // unrolled iteration every cycle (simulation speed only; a shift by the whole width is 0).
  always @(*) begin
    pop_mask = ~({8 * MB{1'b1}} << {pop_n, 3'b000});
    emit_mask = ~({8 * NB{1'b1}} << {take_n, 3'b000});
  end
  // {acc_hi, acc_lo} >> 8 * emitted, then | (head bytes << 8 * n_after), a half at a time.
  // emitted <= NB <= MB and n_after <= MB, so each shift is at most one half; a shift by the
  // whole width gives 0, as the wide shift did.
  wire [8:0]  emit_bits = {emitted, 3'b000};
  wire [8:0]  emit_rest = {kMb6, 3'b000} - emit_bits;
  wire [8:0]  ins_bits = {n_after, 3'b000};
  wire [8:0]  ins_rest = {kMb6, 3'b000} - ins_bits;
  wire [8*MB-1:0] after_lo = (acc_lo >> emit_bits) | (acc_hi << emit_rest);
  wire [8*MB-1:0] after_hi = acc_hi >> emit_bits;
  wire [8*MB-1:0] ins = head_shifted & pop_mask;
  wire [8*MB-1:0] next_lo = pop ? after_lo | (ins << ins_bits) : after_lo;
  wire [8*MB-1:0] next_hi = pop ? after_hi | (ins >> ins_rest) : after_hi;

  always @(posedge clk) begin
    /* verilator lint_off BLKSEQ */  // locals of this block, read only below
    ar_load = (!ar_valid_q || arready) && can_issue;
    r_take = rvalid;  // rready is 1
    r_bad = r_take && rresp != 2'b00;
    stop = running && (abort || r_bad);
    r_keep = r_take && running && !stop;
    /* verilator lint_on BLKSEQ */
    if (r_keep) fifo[fifo_wp] <= rdata;
    if (!rst_n) begin
      running <= 1'b0;
      eof <= 1'b0;
      done <= 1'b0;
      err <= 1'b0;
      err_code <= 2'b00;
      ar_next <= 40'd0;
      ar_beats_left <= {LW{1'b0}};
      ar_valid_q <= 1'b0;
      araddr_q <= 40'd0;
      arlen_q <= 4'd0;
      rd_out <= 7'd0;
      reserved <= 7'd0;
      fifo_wp <= 6'd0;
      fifo_rp <= 6'd0;
      fifo_cnt <= 7'd0;
      in_skip <= {kLb{1'b0}};
      in_left <= {LW{1'b0}};
      acc_lo <= {8 * MB{1'b0}};
      acc_hi <= {8 * MB{1'b0}};
      acc_n <= 6'd0;
      out_left <= {LW{1'b0}};
      tdata <= {8 * NB{1'b0}};
      tkeep <= {NB{1'b0}};
      tlast <= 1'b0;
      tvalid <= 1'b0;
    end else begin
      done <= 1'b0;
      err <= 1'b0;
      if (start && !active) begin
        running <= 1'b1;
        eof <= start_eof;
        ar_next <= {start_addr[39:kLb], {kLb{1'b0}}};
        ar_beats_left <= {{(kLb - 1){1'b0}}, start_span[LW:kLb]};
        reserved <= 7'd0;
        fifo_wp <= 6'd0;
        fifo_rp <= 6'd0;
        fifo_cnt <= 7'd0;
        in_skip <= start_addr[kLb-1:0];
        in_left <= start_len;
        acc_lo <= {8 * MB{1'b0}};
        acc_hi <= {8 * MB{1'b0}};
        acc_n <= 6'd0;
        out_left <= start_len;
      end else begin
        // address channel
        if (ar_load) begin
          ar_valid_q <= 1'b1;
          araddr_q <= ar_next;
          arlen_q <= burst[3:0] - 4'd1;
          ar_next <= ar_next + {{(35 - kLb){1'b0}}, burst, {kLb{1'b0}}};
          ar_beats_left <= ar_beats_left - {{(LW - 5){1'b0}}, burst};
        end else if (arready) begin
          ar_valid_q <= 1'b0;
        end
        rd_out <= rd_out + {6'd0, ar_load} - {6'd0, r_take && rlast};
        // data
        if (r_keep) fifo_wp <= fifo_wp + 6'd1;
        if (stop) begin
          // nothing popped or emitted: the packer holds, the beat on offer is withdrawn
          reserved <= reserved + (ar_load ? {2'd0, burst} : 7'd0);
          tvalid <= 1'b0;
        end else begin
          reserved <= reserved + (ar_load ? {2'd0, burst} : 7'd0) - {6'd0, pop};
          if (pop) fifo_rp <= fifo_rp + 6'd1;
          fifo_cnt <= fifo_cnt + {6'd0, r_keep} - {6'd0, pop};
          if (pop) begin
            in_skip <= {kLb{1'b0}};
            in_left <= in_left - {{(LW - 6){1'b0}}, pop_n};
          end
          acc_lo <= next_lo;
          acc_hi <= next_hi;
          acc_n <= n_after + (pop ? pop_n : 6'd0);
          if (emit) begin
            tvalid <= 1'b1;
            tdata <= acc_lo[8*NB-1:0] & emit_mask;
            tkeep <= ~({NB{1'b1}} << take_n);  // the low take_n bytes
            tlast <= eof && out_left == {{(LW - 6){1'b0}}, take_n};
            out_left <= out_left - {{(LW - 6){1'b0}}, take_n};
          end else if (tready) begin
            tvalid <= 1'b0;
          end
        end
        // completion and errors
        if (stop) begin
          running <= 1'b0;
          if (r_bad) begin
            err <= 1'b1;
            err_code <= rresp;
          end
        end else if (running && out_left == {LW{1'b0}} && !tvalid && !ar_valid_q &&
                     rd_out == 7'd0) begin
          running <= 1'b0;
          done <= 1'b1;
        end
      end
    end
  end
endmodule

// S2MM datapath: stream beats of NB bytes -> packer into memory beats of MB bytes (4, 8, 16;
// NB <= MB) at the destination alignment -> 64-beat FIFO -> AW bursts (issued once their beats
// are buffered) and W beats.
module pr_axi_dma_s2mm #(
    parameter integer NB = 4,
    parameter integer MB = 8,
    parameter integer LW = 26
) (
    input  wire            clk,
    input  wire            rst_n,
    input  wire            start,
    input  wire [39:0]     start_addr,
    input  wire [LW-1:0]   start_len,
    input  wire            abort,
    output wire            active,
    output wire            busy,
    output reg             done,
    output reg  [LW-1:0]   done_bytes,
    output reg             done_eof,  // the transfer ended at TLAST (not at LENGTH)
    output reg             err,
    output reg  [1:0]      err_code,
    output wire [39:0]     awaddr,
    output wire [7:0]      awlen,
    output wire            awvalid,
    input  wire            awready,
    output wire [8*MB-1:0] wdata,
    output wire [MB-1:0]   wstrb,
    output wire            wlast,
    output wire            wvalid,
    input  wire            wready,
    input  wire [1:0]      bresp,
    input  wire            bvalid,
    output wire            bready,
    input  wire [8*NB-1:0] tdata,
    input  wire [NB-1:0]   tkeep,
    input  wire            tlast,
    input  wire            tvalid,
    output wire            tready
);
  localparam integer kDepth = 64;
  localparam integer kLb = $clog2(MB);  // address bits within a beat
  localparam integer kPageBeatsI = 4096 / MB;
  localparam [10:0] kPageBeats = kPageBeatsI[10:0];
  localparam [5:0] kMb6 = MB[5:0];

  reg          running, rx_end, flush_pending, end_tlast;
  reg [LW-1:0] len_left, bytes_rx;
  reg [8*MB-1:0] acc;
  reg [MB-1:0] acc_strb;
  reg [kLb-1:0] acc_n;    // next byte lane
  // data and strobes in two memories: a {strb, data} word would be 72 bits for MB = 8, a
  // wide word Verilator copies in loops
  reg [8*MB-1:0] fifo [0:kDepth-1];
  reg [MB-1:0] fifo_strb [0:kDepth-1];
  reg [5:0]    fifo_wp, fifo_rp;
  reg [6:0]    fifo_cnt;
  reg [6:0]    unassigned;  // FIFO beats not yet part of a requested burst
  reg [39:0]   aw_next;
  reg [LW-1:0] aw_beats_left;
  reg          aw_valid_q;
  reg [39:0]   awaddr_q;
  reg [3:0]    awlen_q;
  reg [3:0]    wq [0:7];    // lengths (beats - 1) of bursts whose data is still to go
  reg [2:0]    wq_wp, wq_rp;
  reg [3:0]    wq_cnt;
  reg [3:0]    w_idx;
  reg [3:0]    wr_out;      // bursts requested, response not yet received

  assign tready = running && !rx_end && !flush_pending && fifo_cnt < 7'd63;
  assign awaddr = awaddr_q;
  assign awlen = {4'd0, awlen_q};
  assign awvalid = aw_valid_q;
  assign wdata = fifo[fifo_rp];
  assign wstrb = fifo_strb[fifo_rp];
  assign wvalid = wq_cnt != 4'd0;
  assign wlast = w_idx == wq[wq_rp];
  assign bready = 1'b1;
  assign active = running || aw_valid_q || wq_cnt != 4'd0 || wr_out != 4'd0;

  // ---- input: kept bytes packed, at most len_left of them ----
  reg [8*NB-1:0] in_bytes;
  reg [4:0]      in_n;
  integer i;
  localparam [4:0] kNb5 = NB[4:0];
  always @(*) begin
    in_bytes = {8 * NB{1'b0}};
    in_n = 5'd0;
    if (&tkeep) begin
      // Every byte kept (every beat but perhaps a packet's last): nothing to pack. The same
      // result as the loop, which Verilator would otherwise run every cycle.
      in_bytes = tdata;
      in_n = kNb5;
    end else begin
      for (i = 0; i < NB; i = i + 1) begin
        if (tkeep[i]) begin
          in_bytes[8*in_n[3:0]+:8] = tdata[8*i+:8];
          in_n = in_n + 5'd1;
        end
      end
    end
  end
  wire        take = tvalid && tready;
  wire [4:0]  n_take = len_left < {{(LW - 5){1'b0}}, in_n} ? len_left[4:0] : in_n;
  wire        is_end = tlast || {{(LW - 5){1'b0}}, n_take} == len_left;
  reg  [2*MB-1:0] take_mask;
  always @(*) begin
    take_mask = ~({2 * MB{1'b1}} << n_take);  // the low n_take lanes (a shift: see MM2S)
  end
  // two memory beats, low and high half: the bytes held and the ones taken now (at most
  // MB - 1 + NB). In halves of a beat's width, as MM2S's packer: 64-bit words for MB <= 8.
  reg  [8*MB-1:0]  in_beat;  // in_bytes widened (NB may equal MB: no zero-width padding)
  always @(*) begin
    in_beat = {8 * MB{1'b0}};
    in_beat[8*NB-1:0] = in_bytes;
  end
  wire [8:0]       acc_bits = {{(6 - kLb){1'b0}}, acc_n, 3'b000};
  wire [8:0]       acc_rest = {kMb6, 3'b000} - acc_bits;  // the whole width when acc_n = 0: 0
  wire [8*MB-1:0]  merged_lo = acc | (in_beat << acc_bits);
  wire [8*MB-1:0]  merged_hi = in_beat >> acc_rest;
  wire [2*MB-1:0]  merged_strb = {{MB{1'b0}}, acc_strb} | (take_mask << acc_n);
  wire [5:0]   total = {{(6 - kLb){1'b0}}, acc_n} + {1'b0, n_take};
  wire         push_take = take && (total >= kMb6 || (is_end && total != 6'd0));
  wire         push_flush = flush_pending && running;
  wire         push = push_take || push_flush;
  wire [8*MB-1:0] push_data = push_flush ? acc : merged_lo;
  wire [MB-1:0]   push_strb = push_flush ? acc_strb : merged_strb[MB-1:0];

  // ---- bursts: once their beats are buffered, or the rest after the packet ended ----
  // bytes from the beat boundary below the start to the end, rounded up to whole beats
  /* verilator lint_off UNUSEDSIGNAL */  // [kLb-1:0] is below a beat
  wire [LW:0] start_span = {1'b0, start_len} + {{(LW + 1 - kLb){1'b0}}, start_addr[kLb-1:0]} +
                           {{(LW + 1 - kLb){1'b0}}, {kLb{1'b1}}};
  /* verilator lint_on UNUSEDSIGNAL */
  wire [10:0] page_beats = kPageBeats - {{(kLb - 1){1'b0}}, aw_next[11:kLb]};
  wire [4:0]  burst_cap = page_beats < 11'd16 ? page_beats[4:0] : 5'd16;
  wire [4:0]  plan = aw_beats_left < {{(LW - 5){1'b0}}, burst_cap} ? aw_beats_left[4:0]
                                                                   : burst_cap;
  wire [4:0]  burst = unassigned < {2'd0, plan} ? unassigned[4:0] : plan;
  wire        can_issue = running && !abort && plan != 5'd0 && unassigned != 7'd0 &&
                          (unassigned >= {2'd0, plan} || rx_end) &&
                          wq_cnt != 4'd8 && wr_out != 4'd15;
  // the memory side's inputs (awready, wready, bvalid, bresp) are looked at in the clocked
  // block below, as MM2S does (simulation speed)
  reg         aw_load, w_take, b_take, b_bad, stop;
  // Busy means "can move on its own": a burst to issue or write back, a response due, or
  // the end of the packet to flush. Bytes waiting for the rest of a burst wait for input.
  assign busy = aw_valid_q || wq_cnt != 4'd0 || wr_out != 4'd0 || can_issue ||
                (running && (rx_end || flush_pending));

  always @(posedge clk) begin
    /* verilator lint_off BLKSEQ */  // locals of this block, read only below
    aw_load = (!aw_valid_q || awready) && can_issue;
    w_take = wvalid && wready;
    b_take = bvalid;
    b_bad = b_take && bresp != 2'b00;
    stop = running && (abort || b_bad);
    /* verilator lint_on BLKSEQ */
    if (push) begin
      fifo[fifo_wp] <= push_data;
      fifo_strb[fifo_wp] <= push_strb;
    end
    if (aw_load) wq[wq_wp] <= burst[3:0] - 4'd1;
    if (!rst_n) begin
      running <= 1'b0;
      rx_end <= 1'b0;
      flush_pending <= 1'b0;
      len_left <= {LW{1'b0}};
      bytes_rx <= {LW{1'b0}};
      acc <= {8 * MB{1'b0}};
      acc_strb <= {MB{1'b0}};
      acc_n <= {kLb{1'b0}};
      fifo_wp <= 6'd0;
      fifo_rp <= 6'd0;
      fifo_cnt <= 7'd0;
      unassigned <= 7'd0;
      aw_next <= 40'd0;
      aw_beats_left <= {LW{1'b0}};
      aw_valid_q <= 1'b0;
      awaddr_q <= 40'd0;
      awlen_q <= 4'd0;
      wq_wp <= 3'd0;
      wq_rp <= 3'd0;
      wq_cnt <= 4'd0;
      w_idx <= 4'd0;
      wr_out <= 4'd0;
      done <= 1'b0;
      done_bytes <= {LW{1'b0}};
      done_eof <= 1'b0;
      end_tlast <= 1'b0;
      err <= 1'b0;
      err_code <= 2'b00;
    end else begin
      done <= 1'b0;
      err <= 1'b0;
      if (start && !active) begin
        running <= 1'b1;
        rx_end <= 1'b0;
        flush_pending <= 1'b0;
        len_left <= start_len;
        bytes_rx <= {LW{1'b0}};
        acc <= {8 * MB{1'b0}};
        acc_strb <= {MB{1'b0}};
        acc_n <= start_addr[kLb-1:0];
        fifo_wp <= 6'd0;
        fifo_rp <= 6'd0;
        fifo_cnt <= 7'd0;
        unassigned <= 7'd0;
        aw_next <= {start_addr[39:kLb], {kLb{1'b0}}};
        aw_beats_left <= {{(kLb - 1){1'b0}}, start_span[LW:kLb]};
      end else begin
        // stream in
        if (take) begin
          bytes_rx <= bytes_rx + {{(LW - 5){1'b0}}, n_take};
          end_tlast <= tlast;
          len_left <= len_left - {{(LW - 5){1'b0}}, n_take};
          if (total >= kMb6) begin
            acc <= merged_hi;
            acc_strb <= merged_strb[2*MB-1:MB];
            acc_n <= total[kLb-1:0];
            if (is_end) begin
              if (total > kMb6) flush_pending <= 1'b1;
              else rx_end <= 1'b1;
            end
          end else if (is_end) begin
            acc <= {8 * MB{1'b0}};
            acc_strb <= {MB{1'b0}};
            acc_n <= {kLb{1'b0}};
            rx_end <= 1'b1;
          end else begin
            acc <= merged_lo;
            acc_strb <= merged_strb[MB-1:0];
            acc_n <= total[kLb-1:0];
          end
        end
        if (push_flush) begin
          flush_pending <= 1'b0;
          rx_end <= 1'b1;
          acc_strb <= {MB{1'b0}};
        end
        if (push) fifo_wp <= fifo_wp + 6'd1;
        if (w_take) fifo_rp <= fifo_rp + 6'd1;
        fifo_cnt <= fifo_cnt + {6'd0, push} - {6'd0, w_take};
        unassigned <= unassigned + {6'd0, push} - (aw_load ? {2'd0, burst} : 7'd0);
        // address channel
        if (aw_load) begin
          aw_valid_q <= 1'b1;
          awaddr_q <= aw_next;
          awlen_q <= burst[3:0] - 4'd1;
          aw_next <= aw_next + {{(35 - kLb){1'b0}}, burst, {kLb{1'b0}}};
          aw_beats_left <= aw_beats_left - {{(LW - 5){1'b0}}, burst};
          wq_wp <= wq_wp + 3'd1;
        end else if (awready) begin
          aw_valid_q <= 1'b0;
        end
        // data channel
        if (w_take) begin
          if (wlast) begin
            w_idx <= 4'd0;
            wq_rp <= wq_rp + 3'd1;
          end else begin
            w_idx <= w_idx + 4'd1;
          end
        end
        wq_cnt <= wq_cnt + {3'd0, aw_load} - {3'd0, w_take && wlast};
        wr_out <= wr_out + {3'd0, aw_load} - {3'd0, b_take};
        // completion and errors
        if (stop) begin
          running <= 1'b0;
          if (b_bad) begin
            err <= 1'b1;
            err_code <= bresp;
          end
        end else if (running && rx_end && unassigned == 7'd0 && !aw_valid_q &&
                     wq_cnt == 4'd0 && wr_out == 4'd0) begin
          running <= 1'b0;
          done <= 1'b1;
          done_bytes <= bytes_rx;
          done_eof <= end_tlast;
        end
      end
    end
  end
endmodule
// Scatter-gather master shared by the two channels: one descriptor access at a time,
// round-robin between the channels. A fetch reads descriptor words 0..7 (NXTDESC ..
// STATUS; the APP words matter only with a status/control stream, which this model has not)
// as one INCR burst of 32 bytes; a write-back writes the STATUS word (offset 0x1C) as one
// beat with only its lanes strobed. The response is the burst's first error, if any.
module pr_axi_dma_sg_bus #(
    parameter integer SB = 4  // bytes per beat: 4, 8 or 16
) (
    input  wire            clk,
    input  wire            rst_n,
    input  wire            hold,       // a soft reset waits: start no new access
    input  wire [1:0]      req,
    input  wire [1:0]      req_wr,
    input  wire [79:0]     req_addr,   // channel c in [40*c +: 40]
    input  wire [63:0]     req_wdata,  // channel c in [32*c +: 32]
    output reg  [1:0]      ack,
    output reg  [1:0]      resp,
    output reg  [255:0]    words,
    output wire            active,
    output wire [39:0]     araddr,
    output wire [7:0]      arlen,
    output wire [2:0]      arsize,
    output wire            arvalid,
    input  wire            arready,
    input  wire [8*SB-1:0] rdata,
    input  wire [1:0]      rresp,
    input  wire            rlast,
    input  wire            rvalid,
    output wire            rready,
    output wire [39:0]     awaddr,
    output wire [7:0]      awlen,
    output wire [2:0]      awsize,
    output wire            awvalid,
    input  wire            awready,
    output wire [8*SB-1:0] wdata,
    output wire [SB-1:0]   wstrb,
    output wire            wlast,
    output wire            wvalid,
    input  wire            wready,
    input  wire [1:0]      bresp,
    input  wire            bvalid,
    output wire            bready
);
  localparam integer kLb = $clog2(SB);
  localparam integer kBeatsI = 32 / SB;
  localparam [7:0] kArLen = kBeatsI[7:0] - 8'd1;
  localparam [2:0] kSize = SB == 16 ? 3'd4 : SB == 8 ? 3'd3 : 3'd2;
  localparam [2:0] kIdle = 3'd0, kAr = 3'd1, kR = 3'd2, kAw = 3'd3, kB = 3'd4;

  reg  [2:0]  state;
  reg         gnt, last_gnt;
  reg  [39:0] addr_q;
  reg  [31:0] wdata_q;
  reg         aw_done, w_done;
  reg  [2:0]  beat;
  reg  [1:0]  resp_q;

  // a channel whose access was just acknowledged still shows its request this cycle
  wire [1:0]  avail = req & ~ack;
  wire        pick = avail[1] && (!avail[0] || !last_gnt);  // round-robin
  wire [39:0] pick_addr = pick ? req_addr[79:40] : req_addr[39:0];
  wire [39:0] status_addr = pick_addr + 40'h1C;

  assign active = state != kIdle;
  assign araddr = addr_q;
  assign arlen = kArLen;
  assign arsize = kSize;
  assign arvalid = state == kAr;
  assign rready = state == kR;
  assign awaddr = {addr_q[39:kLb], {kLb{1'b0}}};
  assign awlen = 8'd0;
  assign awsize = kSize;
  assign awvalid = state == kAw && !aw_done;
  assign wdata = {(SB / 4){wdata_q}};
  // the 32-bit lane of the STATUS word within the beat
  localparam integer kLaneMaskI = SB / 4 - 1;
  localparam [1:0] kLaneMask = kLaneMaskI[1:0];
  wire [1:0]  lane = addr_q[3:2] & kLaneMask;
  reg  [SB-1:0] strb;
  integer i;
  always @(*) begin
    for (i = 0; i < SB; i = i + 1) strb[i] = i[3:2] == lane;
  end
  assign wstrb = strb;
  assign wlast = 1'b1;
  assign wvalid = state == kAw && !w_done;
  assign bready = state == kB;

  always @(posedge clk) begin
    if (!rst_n) begin
      state <= kIdle;
      gnt <= 1'b0;
      last_gnt <= 1'b1;
      addr_q <= 40'd0;
      wdata_q <= 32'd0;
      aw_done <= 1'b0;
      w_done <= 1'b0;
      beat <= 3'd0;
      resp_q <= 2'b00;
      ack <= 2'b00;
      resp <= 2'b00;
      words <= 256'd0;
    end else begin
      ack <= 2'b00;
      case (state)
        kIdle:
          if (avail != 2'b00 && !hold) begin
            gnt <= pick;
            last_gnt <= pick;
            resp_q <= 2'b00;
            beat <= 3'd0;
            aw_done <= 1'b0;
            w_done <= 1'b0;
            wdata_q <= pick ? req_wdata[63:32] : req_wdata[31:0];
            if (req_wr[pick]) begin
              addr_q <= status_addr;
              state <= kAw;
            end else begin
              addr_q <= pick_addr;
              state <= kAr;
            end
          end
        kAr:
          if (arready) state <= kR;
        kR:
          if (rvalid) begin
            words[beat*8*SB+:8*SB] <= rdata;
            beat <= beat + 3'd1;
            if (resp_q == 2'b00) resp_q <= rresp;
            if (rlast) begin
              ack[gnt] <= 1'b1;
              resp <= resp_q != 2'b00 ? resp_q : rresp;
              state <= kIdle;
            end
          end
        kAw: begin
          if (awready) aw_done <= 1'b1;
          if (wready) w_done <= 1'b1;
          if ((aw_done || awready) && (w_done || wready)) state <= kB;
        end
        default:  // kB
          if (bvalid) begin
            ack[gnt] <= 1'b1;
            resp <= bresp;
            state <= kIdle;
          end
      endcase
    end
  end
endmodule
`default_nettype wire
