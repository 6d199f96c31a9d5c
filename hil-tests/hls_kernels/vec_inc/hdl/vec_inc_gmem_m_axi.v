// ==============================================================
// Written for pynq-remote in the form of Vitis HLS's <k>_<bundle>_m_axi adapter
// (hil-tests/hls_kernels/README.md): hand-written, not tool output, and much simpler than
// Vitis' (no burst inference, no FIFOs): one 32-bit user word per AXI transaction, a single
// full-width beat whose byte lanes are picked by the address (the bus may be wider).
// ==============================================================
`timescale 1ns/1ps
module vec_inc_gmem_m_axi
#(parameter
    CONSERVATIVE            = 0,
    C_M_AXI_ID_WIDTH        = 1,
    C_M_AXI_ADDR_WIDTH      = 32,
    C_TARGET_ADDR           = 32'h00000000,
    C_M_AXI_DATA_WIDTH      = 32,
    C_M_AXI_AWUSER_WIDTH    = 1,
    C_M_AXI_ARUSER_WIDTH    = 1,
    C_M_AXI_WUSER_WIDTH     = 1,
    C_M_AXI_RUSER_WIDTH     = 1,
    C_M_AXI_BUSER_WIDTH     = 1,
    C_USER_VALUE            = 1'b0,
    C_PROT_VALUE            = 3'b000,
    C_CACHE_VALUE           = 4'b0011,
    USER_DW                 = 16,
    USER_AW                 = 32
)(
    // system signal
    input  wire                            ACLK,
    input  wire                            ARESET,
    input  wire                            ACLK_EN,
    output wire                                AWVALID,
    input  wire                                AWREADY,
    output wire [C_M_AXI_ADDR_WIDTH-1:0]       AWADDR,
    output wire [C_M_AXI_ID_WIDTH-1:0]         AWID,
    output wire [7:0]                          AWLEN,
    output wire [2:0]                          AWSIZE,
    output wire [1:0]                          AWBURST,
    output wire [1:0]                          AWLOCK,
    output wire [3:0]                          AWCACHE,
    output wire [2:0]                          AWPROT,
    output wire [3:0]                          AWQOS,
    output wire [3:0]                          AWREGION,
    output wire [C_M_AXI_AWUSER_WIDTH-1:0]     AWUSER,
    output wire                                WVALID,
    input  wire                                WREADY,
    output wire [C_M_AXI_DATA_WIDTH-1:0]       WDATA,
    output wire [C_M_AXI_DATA_WIDTH/8-1:0]     WSTRB,
    output wire                                WLAST,
    output wire [C_M_AXI_ID_WIDTH-1:0]         WID,
    output wire [C_M_AXI_WUSER_WIDTH-1:0]      WUSER,
    output wire                                ARVALID,
    input  wire                                ARREADY,
    output wire [C_M_AXI_ADDR_WIDTH-1:0]       ARADDR,
    output wire [C_M_AXI_ID_WIDTH-1:0]         ARID,
    output wire [7:0]                          ARLEN,
    output wire [2:0]                          ARSIZE,
    output wire [1:0]                          ARBURST,
    output wire [1:0]                          ARLOCK,
    output wire [3:0]                          ARCACHE,
    output wire [2:0]                          ARPROT,
    output wire [3:0]                          ARQOS,
    output wire [3:0]                          ARREGION,
    output wire [C_M_AXI_ARUSER_WIDTH-1:0]     ARUSER,
    input  wire                                RVALID,
    output wire                                RREADY,
    input  wire [C_M_AXI_DATA_WIDTH-1:0]       RDATA,
    input  wire                                RLAST,
    input  wire [C_M_AXI_ID_WIDTH-1:0]         RID,
    input  wire [C_M_AXI_RUSER_WIDTH-1:0]      RUSER,
    input  wire [1:0]                          RRESP,
    input  wire                                BVALID,
    output wire                                BREADY,
    input  wire [1:0]                          BRESP,
    input  wire [C_M_AXI_ID_WIDTH-1:0]         BID,
    input  wire [C_M_AXI_BUSER_WIDTH-1:0]      BUSER,
    // internal bus ports
    input  wire                            I_ARVALID,
    output wire                            I_ARREADY,
    input  wire [USER_AW-1:0]              I_ARADDR,
    output wire                            I_RVALID,
    input  wire                            I_RREADY,
    output wire [USER_DW-1:0]              I_RDATA,
    input  wire                            I_AWVALID,
    output wire                            I_AWREADY,
    input  wire [USER_AW-1:0]              I_AWADDR,
    input  wire                            I_WVALID,
    output wire                            I_WREADY,
    input  wire [USER_DW-1:0]              I_WDATA,
    input  wire [USER_DW/8-1:0]            I_WSTRB,
    output wire                            I_BVALID,
    input  wire                            I_BREADY
);
//------------------------Parameter----------------------
localparam
    BUS_BYTES  = C_M_AXI_DATA_WIDTH / 8,
    BUS_SIZE   = (BUS_BYTES == 128) ? 7 : (BUS_BYTES == 64) ? 6 : (BUS_BYTES == 32) ? 5 :
                 (BUS_BYTES == 16) ? 4 : (BUS_BYTES == 8) ? 3 : 2,
    COPIES     = C_M_AXI_DATA_WIDTH / USER_DW,
    RD_IDLE    = 2'd0,
    RD_ADDR    = 2'd1,
    RD_DATA    = 2'd2,
    RD_USER    = 2'd3,
    WR_IDLE    = 2'd0,
    WR_REQ     = 2'd1,
    WR_RESP    = 2'd2,
    WR_USER    = 2'd3;
//------------------------Local signal-------------------
    reg  [1:0]                    rd_state = RD_IDLE;
    reg  [C_M_AXI_ADDR_WIDTH-1:0] rd_addr;
    reg  [7:0]                    rd_lane;
    reg  [USER_DW-1:0]            rd_word;
    reg  [1:0]                    wr_state = WR_IDLE;
    reg  [C_M_AXI_ADDR_WIDTH-1:0] wr_addr;
    reg  [C_M_AXI_DATA_WIDTH-1:0] wr_data;
    reg  [C_M_AXI_DATA_WIDTH/8-1:0] wr_strb;
    reg                           wr_aw_done;
    reg                           wr_w_done;
    wire [C_M_AXI_DATA_WIDTH-1:0] rd_shifted;
    wire [7:0]                    ar_lane;
    wire [7:0]                    aw_lane;

//------------------------Read---------------------------
assign ar_lane    = I_ARADDR[7:0] & (BUS_BYTES - 1);
assign aw_lane    = I_AWADDR[7:0] & (BUS_BYTES - 1);
assign I_ARREADY  = (rd_state == RD_IDLE);
assign I_RVALID   = (rd_state == RD_USER);
assign I_RDATA    = rd_word;
assign ARVALID    = (rd_state == RD_ADDR);
assign ARADDR     = rd_addr;
assign ARID       = 'b0;
assign ARLEN      = 8'd0;
assign ARSIZE     = BUS_SIZE;
assign ARBURST    = 2'b01;
assign ARLOCK     = 2'b00;
assign ARCACHE    = C_CACHE_VALUE;
assign ARPROT     = C_PROT_VALUE;
assign ARQOS      = 4'b0000;
assign ARREGION   = 4'b0000;
assign ARUSER     = C_USER_VALUE;
assign RREADY     = (rd_state == RD_DATA);
assign rd_shifted = RDATA >> {rd_lane, 3'b000};

always @(posedge ACLK) begin
    if (ARESET)
        rd_state <= RD_IDLE;
    else if (ACLK_EN) begin
        case (rd_state)
            RD_IDLE: if (I_ARVALID) begin
                rd_addr  <= I_ARADDR[C_M_AXI_ADDR_WIDTH-1:0] & ~(BUS_BYTES - 1);
                rd_lane  <= ar_lane;
                rd_state <= RD_ADDR;
            end
            RD_ADDR: if (ARREADY) rd_state <= RD_DATA;
            RD_DATA: if (RVALID) begin
                rd_word  <= rd_shifted[USER_DW-1:0];
                rd_state <= RD_USER;
            end
            default: if (I_RREADY) rd_state <= RD_IDLE;
        endcase
    end
end

//------------------------Write--------------------------
assign I_AWREADY = (wr_state == WR_IDLE) & I_WVALID;
assign I_WREADY  = (wr_state == WR_IDLE) & I_AWVALID;
assign I_BVALID  = (wr_state == WR_USER);
assign AWVALID   = (wr_state == WR_REQ) & !wr_aw_done;
assign AWADDR    = wr_addr;
assign AWID      = 'b0;
assign AWLEN     = 8'd0;
assign AWSIZE    = BUS_SIZE;
assign AWBURST   = 2'b01;
assign AWLOCK    = 2'b00;
assign AWCACHE   = C_CACHE_VALUE;
assign AWPROT    = C_PROT_VALUE;
assign AWQOS     = 4'b0000;
assign AWREGION  = 4'b0000;
assign AWUSER    = C_USER_VALUE;
assign WVALID    = (wr_state == WR_REQ) & !wr_w_done;
assign WDATA     = wr_data;
assign WSTRB     = wr_strb;
assign WLAST     = 1'b1;
assign WID       = 'b0;
assign WUSER     = C_USER_VALUE;
assign BREADY    = (wr_state == WR_RESP);

always @(posedge ACLK) begin
    if (ARESET)
        wr_state <= WR_IDLE;
    else if (ACLK_EN) begin
        case (wr_state)
            WR_IDLE: if (I_AWVALID & I_WVALID) begin
                wr_addr    <= I_AWADDR[C_M_AXI_ADDR_WIDTH-1:0] & ~(BUS_BYTES - 1);
                wr_data    <= {COPIES{I_WDATA}};
                wr_strb    <= {{(C_M_AXI_DATA_WIDTH/8-USER_DW/8){1'b0}}, I_WSTRB} << aw_lane;
                wr_aw_done <= 1'b0;
                wr_w_done  <= 1'b0;
                wr_state   <= WR_REQ;
            end
            WR_REQ: begin
                if (AWREADY) wr_aw_done <= 1'b1;
                if (WREADY) wr_w_done <= 1'b1;
                if ((wr_aw_done | AWREADY) & (wr_w_done | WREADY)) wr_state <= WR_RESP;
            end
            WR_RESP: if (BVALID) wr_state <= WR_USER;
            default: if (I_BREADY) wr_state <= WR_IDLE;
        endcase
    end
end

endmodule
