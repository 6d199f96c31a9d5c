// ==============================================================
// Written for pynq-remote in the form Vivado HLS (2019.2) gives a C function
//   void axis_lut(hls::stream<ap_axis<32,1,1,1> > &in_r, hls::stream<ap_axis<32,1,1,1> > &out_r,
//                 int gain);
//   #pragma HLS INTERFACE axis port=in_r / port=out_r
//   #pragma HLS INTERFACE s_axilite port=gain,return bundle=AXILiteS
// (hil-tests/hls_kernels/README.md). Hand-written, not tool output, same shape: the older
// naming (<k>_AXILiteS_s_axi, regslice_core.v's regslice_both), a ROM read with $readmemh.
// Per beat until TLAST: out.data = in.data * gain + lut[in.data & 15]; keep, strb, user, last,
// id and dest pass through.
// ==============================================================

`timescale 1 ns / 1 ps 

(* CORE_GENERATION_INFO="axis_lut,hls_ip_2019_2,{HLS_INPUT_TYPE=cxx,HLS_INPUT_FLOAT=0,HLS_INPUT_FIXED=0,HLS_INPUT_PART=xc7z020-clg400-1,HLS_INPUT_CLOCK=10.000000,HLS_INPUT_ARCH=others,HLS_SYN_CLOCK=4.000000,HLS_SYN_LAT=-1,HLS_SYN_TPT=none,HLS_SYN_MEM=0,HLS_SYN_DSP=3,HLS_SYN_FF=0,HLS_SYN_LUT=0,HLS_VERSION=2019_2}" *)

module axis_lut (
        ap_clk,
        ap_rst_n,
        in_r_TDATA,
        in_r_TVALID,
        in_r_TREADY,
        in_r_TKEEP,
        in_r_TSTRB,
        in_r_TUSER,
        in_r_TLAST,
        in_r_TID,
        in_r_TDEST,
        out_r_TDATA,
        out_r_TVALID,
        out_r_TREADY,
        out_r_TKEEP,
        out_r_TSTRB,
        out_r_TUSER,
        out_r_TLAST,
        out_r_TID,
        out_r_TDEST,
        s_axi_AXILiteS_AWVALID,
        s_axi_AXILiteS_AWREADY,
        s_axi_AXILiteS_AWADDR,
        s_axi_AXILiteS_WVALID,
        s_axi_AXILiteS_WREADY,
        s_axi_AXILiteS_WDATA,
        s_axi_AXILiteS_WSTRB,
        s_axi_AXILiteS_ARVALID,
        s_axi_AXILiteS_ARREADY,
        s_axi_AXILiteS_ARADDR,
        s_axi_AXILiteS_RVALID,
        s_axi_AXILiteS_RREADY,
        s_axi_AXILiteS_RDATA,
        s_axi_AXILiteS_RRESP,
        s_axi_AXILiteS_BVALID,
        s_axi_AXILiteS_BREADY,
        s_axi_AXILiteS_BRESP,
        interrupt
);

parameter    ap_ST_fsm_state1 = 3'd1;
parameter    ap_ST_fsm_state2 = 3'd2;
parameter    ap_ST_fsm_state3 = 3'd4;
parameter    C_S_AXI_AXILITES_DATA_WIDTH = 32;
parameter    C_S_AXI_AXILITES_ADDR_WIDTH = 5;
parameter    C_S_AXI_DATA_WIDTH = 32;

parameter C_S_AXI_AXILITES_WSTRB_WIDTH = (32 / 8);
parameter C_S_AXI_WSTRB_WIDTH = (32 / 8);

input   ap_clk;
input   ap_rst_n;
input  [31:0] in_r_TDATA;
input   in_r_TVALID;
output   in_r_TREADY;
input  [3:0] in_r_TKEEP;
input  [3:0] in_r_TSTRB;
input  in_r_TUSER;
input  in_r_TLAST;
input  in_r_TID;
input  in_r_TDEST;
output  [31:0] out_r_TDATA;
output   out_r_TVALID;
input   out_r_TREADY;
output  [3:0] out_r_TKEEP;
output  [3:0] out_r_TSTRB;
output  out_r_TUSER;
output  out_r_TLAST;
output  out_r_TID;
output  out_r_TDEST;
input  s_axi_AXILiteS_AWVALID;
output  s_axi_AXILiteS_AWREADY;
input [C_S_AXI_AXILITES_ADDR_WIDTH - 1:0]  s_axi_AXILiteS_AWADDR;
input  s_axi_AXILiteS_WVALID;
output  s_axi_AXILiteS_WREADY;
input [C_S_AXI_AXILITES_DATA_WIDTH - 1:0]  s_axi_AXILiteS_WDATA;
input [C_S_AXI_AXILITES_WSTRB_WIDTH - 1:0]  s_axi_AXILiteS_WSTRB;
input  s_axi_AXILiteS_ARVALID;
output  s_axi_AXILiteS_ARREADY;
input [C_S_AXI_AXILITES_ADDR_WIDTH - 1:0]  s_axi_AXILiteS_ARADDR;
output  s_axi_AXILiteS_RVALID;
input  s_axi_AXILiteS_RREADY;
output [C_S_AXI_AXILITES_DATA_WIDTH - 1:0]  s_axi_AXILiteS_RDATA;
output [1:0]  s_axi_AXILiteS_RRESP;
output  s_axi_AXILiteS_BVALID;
input  s_axi_AXILiteS_BREADY;
output [1:0]  s_axi_AXILiteS_BRESP;
output   interrupt;

reg ap_done;
reg ap_idle;
reg ap_ready;

 reg    ap_rst_n_inv;
wire    ap_start;
(* fsm_encoding = "none" *) reg   [2:0] ap_CS_fsm;
wire    ap_CS_fsm_state1;
wire    ap_CS_fsm_state2;
wire    ap_CS_fsm_state3;
wire   [31:0] gain;
wire   [3:0] lut_address0;
wire    lut_ce0;
wire   [31:0] lut_q0;
reg   [31:0] tmp_data_reg_120;
reg   [3:0] tmp_keep_reg_126;
reg   [3:0] tmp_strb_reg_131;
reg   [0:0] tmp_user_reg_136;
reg   [0:0] tmp_last_reg_141;
reg   [0:0] tmp_id_reg_146;
reg   [0:0] tmp_dest_reg_151;
wire   [31:0] add_ln12_fu_98_p2;
reg    in_r_TDATA_blk_n;
reg    out_r_TDATA_blk_n;
wire    regslice_both_in_r_V_data_V_U_apdone_blk;
wire    regslice_both_out_r_V_data_V_U_apdone_blk;
reg   [2:0] ap_NS_fsm;
wire   [31:0] in_r_V_data_V_0_data_out;
wire    regslice_both_in_r_V_data_V_U_vld_out;
wire    regslice_both_in_r_V_data_V_U_ack_in;
wire   [3:0] in_r_V_keep_V_0_data_out;
wire    regslice_both_in_r_V_keep_V_U_vld_out;
wire    regslice_both_in_r_V_keep_V_U_ack_in;
wire   [3:0] in_r_V_strb_V_0_data_out;
wire    regslice_both_in_r_V_strb_V_U_vld_out;
wire    regslice_both_in_r_V_strb_V_U_ack_in;
wire   in_r_V_user_V_0_data_out;
wire    regslice_both_in_r_V_user_V_U_vld_out;
wire    regslice_both_in_r_V_user_V_U_ack_in;
wire   in_r_V_last_V_0_data_out;
wire    regslice_both_in_r_V_last_V_U_vld_out;
wire    regslice_both_in_r_V_last_V_U_ack_in;
wire   in_r_V_id_V_0_data_out;
wire    regslice_both_in_r_V_id_V_U_vld_out;
wire    regslice_both_in_r_V_id_V_U_ack_in;
wire   in_r_V_dest_V_0_data_out;
wire    regslice_both_in_r_V_dest_V_U_vld_out;
wire    regslice_both_in_r_V_dest_V_U_ack_in;
wire    out_r_V_data_V_1_ack_in;
wire    regslice_both_out_r_V_data_V_U_vld_out;
wire    regslice_both_out_r_V_data_V_U_apdone_blk_1;
wire    out_r_V_keep_V_1_ack_in;
wire    regslice_both_out_r_V_keep_V_U_vld_out;
wire    regslice_both_out_r_V_keep_V_U_apdone_blk_1;
wire    out_r_V_strb_V_1_ack_in;
wire    regslice_both_out_r_V_strb_V_U_vld_out;
wire    regslice_both_out_r_V_strb_V_U_apdone_blk_1;
wire    out_r_V_user_V_1_ack_in;
wire    regslice_both_out_r_V_user_V_U_vld_out;
wire    regslice_both_out_r_V_user_V_U_apdone_blk_1;
wire    out_r_V_last_V_1_ack_in;
wire    regslice_both_out_r_V_last_V_U_vld_out;
wire    regslice_both_out_r_V_last_V_U_apdone_blk_1;
wire    out_r_V_id_V_1_ack_in;
wire    regslice_both_out_r_V_id_V_U_vld_out;
wire    regslice_both_out_r_V_id_V_U_apdone_blk_1;
wire    out_r_V_dest_V_1_ack_in;
wire    regslice_both_out_r_V_dest_V_U_vld_out;
wire    regslice_both_out_r_V_dest_V_U_apdone_blk_1;
wire    regslice_both_in_r_V_keep_V_U_apdone_blk_0;
wire    regslice_both_in_r_V_strb_V_U_apdone_blk_0;
wire    regslice_both_in_r_V_user_V_U_apdone_blk_0;
wire    regslice_both_in_r_V_last_V_U_apdone_blk_0;
wire    regslice_both_in_r_V_id_V_U_apdone_blk_0;
wire    regslice_both_in_r_V_dest_V_U_apdone_blk_0;
wire    in_r_TDATA_int_regslice_ack;
wire    out_r_TDATA_int_regslice_vld;
wire    out_r_TREADY_int_regslice;

// power-on initialization
initial begin
#0 ap_CS_fsm = 3'd1;
end

axis_lut_AXILiteS_s_axi #(
    .C_S_AXI_ADDR_WIDTH( C_S_AXI_AXILITES_ADDR_WIDTH ),
    .C_S_AXI_DATA_WIDTH( C_S_AXI_AXILITES_DATA_WIDTH ))
axis_lut_AXILiteS_s_axi_U(
    .AWVALID(s_axi_AXILiteS_AWVALID),
    .AWREADY(s_axi_AXILiteS_AWREADY),
    .AWADDR(s_axi_AXILiteS_AWADDR),
    .WVALID(s_axi_AXILiteS_WVALID),
    .WREADY(s_axi_AXILiteS_WREADY),
    .WDATA(s_axi_AXILiteS_WDATA),
    .WSTRB(s_axi_AXILiteS_WSTRB),
    .ARVALID(s_axi_AXILiteS_ARVALID),
    .ARREADY(s_axi_AXILiteS_ARREADY),
    .ARADDR(s_axi_AXILiteS_ARADDR),
    .RVALID(s_axi_AXILiteS_RVALID),
    .RREADY(s_axi_AXILiteS_RREADY),
    .RDATA(s_axi_AXILiteS_RDATA),
    .RRESP(s_axi_AXILiteS_RRESP),
    .BVALID(s_axi_AXILiteS_BVALID),
    .BREADY(s_axi_AXILiteS_BREADY),
    .BRESP(s_axi_AXILiteS_BRESP),
    .ACLK(ap_clk),
    .ARESET(ap_rst_n_inv),
    .ACLK_EN(1'b1),
    .ap_start(ap_start),
    .interrupt(interrupt),
    .ap_ready(ap_ready),
    .ap_done(ap_done),
    .ap_idle(ap_idle),
    .gain(gain)
);

axis_lut_lut #(
    .DataWidth( 32 ),
    .AddressRange( 16 ),
    .AddressWidth( 4 ))
lut_U(
    .clk(ap_clk),
    .reset(ap_rst_n_inv),
    .address0(lut_address0),
    .ce0(lut_ce0),
    .q0(lut_q0)
);

regslice_both #(
    .DataWidth( 32 ))
regslice_both_in_r_V_data_V_U(
    .ap_clk(ap_clk),
    .ap_rst(ap_rst_n_inv),
    .data_in(in_r_TDATA),
    .vld_in(in_r_TVALID),
    .ack_in(regslice_both_in_r_V_data_V_U_ack_in),
    .data_out(in_r_V_data_V_0_data_out),
    .vld_out(regslice_both_in_r_V_data_V_U_vld_out),
    .ack_out(in_r_TDATA_int_regslice_ack),
    .apdone_blk(regslice_both_in_r_V_data_V_U_apdone_blk)
);

regslice_both #(
    .DataWidth( 4 ))
regslice_both_in_r_V_keep_V_U(
    .ap_clk(ap_clk),
    .ap_rst(ap_rst_n_inv),
    .data_in(in_r_TKEEP),
    .vld_in(in_r_TVALID),
    .ack_in(regslice_both_in_r_V_keep_V_U_ack_in),
    .data_out(in_r_V_keep_V_0_data_out),
    .vld_out(regslice_both_in_r_V_keep_V_U_vld_out),
    .ack_out(in_r_TDATA_int_regslice_ack),
    .apdone_blk(regslice_both_in_r_V_keep_V_U_apdone_blk_0)
);

regslice_both #(
    .DataWidth( 4 ))
regslice_both_in_r_V_strb_V_U(
    .ap_clk(ap_clk),
    .ap_rst(ap_rst_n_inv),
    .data_in(in_r_TSTRB),
    .vld_in(in_r_TVALID),
    .ack_in(regslice_both_in_r_V_strb_V_U_ack_in),
    .data_out(in_r_V_strb_V_0_data_out),
    .vld_out(regslice_both_in_r_V_strb_V_U_vld_out),
    .ack_out(in_r_TDATA_int_regslice_ack),
    .apdone_blk(regslice_both_in_r_V_strb_V_U_apdone_blk_0)
);

regslice_both_w1 #(
    .DataWidth( 1 ))
regslice_both_in_r_V_user_V_U(
    .ap_clk(ap_clk),
    .ap_rst(ap_rst_n_inv),
    .data_in(in_r_TUSER),
    .vld_in(in_r_TVALID),
    .ack_in(regslice_both_in_r_V_user_V_U_ack_in),
    .data_out(in_r_V_user_V_0_data_out),
    .vld_out(regslice_both_in_r_V_user_V_U_vld_out),
    .ack_out(in_r_TDATA_int_regslice_ack),
    .apdone_blk(regslice_both_in_r_V_user_V_U_apdone_blk_0)
);

regslice_both_w1 #(
    .DataWidth( 1 ))
regslice_both_in_r_V_last_V_U(
    .ap_clk(ap_clk),
    .ap_rst(ap_rst_n_inv),
    .data_in(in_r_TLAST),
    .vld_in(in_r_TVALID),
    .ack_in(regslice_both_in_r_V_last_V_U_ack_in),
    .data_out(in_r_V_last_V_0_data_out),
    .vld_out(regslice_both_in_r_V_last_V_U_vld_out),
    .ack_out(in_r_TDATA_int_regslice_ack),
    .apdone_blk(regslice_both_in_r_V_last_V_U_apdone_blk_0)
);

regslice_both_w1 #(
    .DataWidth( 1 ))
regslice_both_in_r_V_id_V_U(
    .ap_clk(ap_clk),
    .ap_rst(ap_rst_n_inv),
    .data_in(in_r_TID),
    .vld_in(in_r_TVALID),
    .ack_in(regslice_both_in_r_V_id_V_U_ack_in),
    .data_out(in_r_V_id_V_0_data_out),
    .vld_out(regslice_both_in_r_V_id_V_U_vld_out),
    .ack_out(in_r_TDATA_int_regslice_ack),
    .apdone_blk(regslice_both_in_r_V_id_V_U_apdone_blk_0)
);

regslice_both_w1 #(
    .DataWidth( 1 ))
regslice_both_in_r_V_dest_V_U(
    .ap_clk(ap_clk),
    .ap_rst(ap_rst_n_inv),
    .data_in(in_r_TDEST),
    .vld_in(in_r_TVALID),
    .ack_in(regslice_both_in_r_V_dest_V_U_ack_in),
    .data_out(in_r_V_dest_V_0_data_out),
    .vld_out(regslice_both_in_r_V_dest_V_U_vld_out),
    .ack_out(in_r_TDATA_int_regslice_ack),
    .apdone_blk(regslice_both_in_r_V_dest_V_U_apdone_blk_0)
);

regslice_both #(
    .DataWidth( 32 ))
regslice_both_out_r_V_data_V_U(
    .ap_clk(ap_clk),
    .ap_rst(ap_rst_n_inv),
    .data_in(add_ln12_fu_98_p2),
    .vld_in(out_r_TDATA_int_regslice_vld),
    .ack_in(out_r_V_data_V_1_ack_in),
    .data_out(out_r_TDATA),
    .vld_out(regslice_both_out_r_V_data_V_U_vld_out),
    .ack_out(out_r_TREADY),
    .apdone_blk(regslice_both_out_r_V_data_V_U_apdone_blk)
);

regslice_both #(
    .DataWidth( 4 ))
regslice_both_out_r_V_keep_V_U(
    .ap_clk(ap_clk),
    .ap_rst(ap_rst_n_inv),
    .data_in(tmp_keep_reg_126),
    .vld_in(out_r_TDATA_int_regslice_vld),
    .ack_in(out_r_V_keep_V_1_ack_in),
    .data_out(out_r_TKEEP),
    .vld_out(regslice_both_out_r_V_keep_V_U_vld_out),
    .ack_out(out_r_TREADY),
    .apdone_blk(regslice_both_out_r_V_keep_V_U_apdone_blk_1)
);

regslice_both #(
    .DataWidth( 4 ))
regslice_both_out_r_V_strb_V_U(
    .ap_clk(ap_clk),
    .ap_rst(ap_rst_n_inv),
    .data_in(tmp_strb_reg_131),
    .vld_in(out_r_TDATA_int_regslice_vld),
    .ack_in(out_r_V_strb_V_1_ack_in),
    .data_out(out_r_TSTRB),
    .vld_out(regslice_both_out_r_V_strb_V_U_vld_out),
    .ack_out(out_r_TREADY),
    .apdone_blk(regslice_both_out_r_V_strb_V_U_apdone_blk_1)
);

regslice_both_w1 #(
    .DataWidth( 1 ))
regslice_both_out_r_V_user_V_U(
    .ap_clk(ap_clk),
    .ap_rst(ap_rst_n_inv),
    .data_in(tmp_user_reg_136),
    .vld_in(out_r_TDATA_int_regslice_vld),
    .ack_in(out_r_V_user_V_1_ack_in),
    .data_out(out_r_TUSER),
    .vld_out(regslice_both_out_r_V_user_V_U_vld_out),
    .ack_out(out_r_TREADY),
    .apdone_blk(regslice_both_out_r_V_user_V_U_apdone_blk_1)
);

regslice_both_w1 #(
    .DataWidth( 1 ))
regslice_both_out_r_V_last_V_U(
    .ap_clk(ap_clk),
    .ap_rst(ap_rst_n_inv),
    .data_in(tmp_last_reg_141),
    .vld_in(out_r_TDATA_int_regslice_vld),
    .ack_in(out_r_V_last_V_1_ack_in),
    .data_out(out_r_TLAST),
    .vld_out(regslice_both_out_r_V_last_V_U_vld_out),
    .ack_out(out_r_TREADY),
    .apdone_blk(regslice_both_out_r_V_last_V_U_apdone_blk_1)
);

regslice_both_w1 #(
    .DataWidth( 1 ))
regslice_both_out_r_V_id_V_U(
    .ap_clk(ap_clk),
    .ap_rst(ap_rst_n_inv),
    .data_in(tmp_id_reg_146),
    .vld_in(out_r_TDATA_int_regslice_vld),
    .ack_in(out_r_V_id_V_1_ack_in),
    .data_out(out_r_TID),
    .vld_out(regslice_both_out_r_V_id_V_U_vld_out),
    .ack_out(out_r_TREADY),
    .apdone_blk(regslice_both_out_r_V_id_V_U_apdone_blk_1)
);

regslice_both_w1 #(
    .DataWidth( 1 ))
regslice_both_out_r_V_dest_V_U(
    .ap_clk(ap_clk),
    .ap_rst(ap_rst_n_inv),
    .data_in(tmp_dest_reg_151),
    .vld_in(out_r_TDATA_int_regslice_vld),
    .ack_in(out_r_V_dest_V_1_ack_in),
    .data_out(out_r_TDEST),
    .vld_out(regslice_both_out_r_V_dest_V_U_vld_out),
    .ack_out(out_r_TREADY),
    .apdone_blk(regslice_both_out_r_V_dest_V_U_apdone_blk_1)
);

always @ (posedge ap_clk) begin
    if (ap_rst_n_inv == 1'b1) begin
        ap_CS_fsm <= ap_ST_fsm_state1;
    end else begin
        ap_CS_fsm <= ap_NS_fsm;
    end
end

always @ (posedge ap_clk) begin
    if (((regslice_both_in_r_V_data_V_U_vld_out == 1'b1) & (1'b1 == ap_CS_fsm_state2))) begin
        tmp_data_reg_120 <= in_r_V_data_V_0_data_out;
        tmp_keep_reg_126 <= in_r_V_keep_V_0_data_out;
        tmp_strb_reg_131 <= in_r_V_strb_V_0_data_out;
        tmp_user_reg_136 <= in_r_V_user_V_0_data_out;
        tmp_last_reg_141 <= in_r_V_last_V_0_data_out;
        tmp_id_reg_146 <= in_r_V_id_V_0_data_out;
        tmp_dest_reg_151 <= in_r_V_dest_V_0_data_out;
    end
end

always @ (*) begin
    if (((out_r_V_data_V_1_ack_in == 1'b1) & (1'b1 == ap_CS_fsm_state3) & (tmp_last_reg_141 == 1'd1))) begin
        ap_done = 1'b1;
    end else begin
        ap_done = 1'b0;
    end
end

always @ (*) begin
    if (((ap_start == 1'b0) & (1'b1 == ap_CS_fsm_state1))) begin
        ap_idle = 1'b1;
    end else begin
        ap_idle = 1'b0;
    end
end

always @ (*) begin
    if (((out_r_V_data_V_1_ack_in == 1'b1) & (1'b1 == ap_CS_fsm_state3) & (tmp_last_reg_141 == 1'd1))) begin
        ap_ready = 1'b1;
    end else begin
        ap_ready = 1'b0;
    end
end

always @ (*) begin
    if ((1'b1 == ap_CS_fsm_state2)) begin
        in_r_TDATA_blk_n = regslice_both_in_r_V_data_V_U_vld_out;
    end else begin
        in_r_TDATA_blk_n = 1'b1;
    end
end

always @ (*) begin
    if ((1'b1 == ap_CS_fsm_state3)) begin
        out_r_TDATA_blk_n = out_r_V_data_V_1_ack_in;
    end else begin
        out_r_TDATA_blk_n = 1'b1;
    end
end

always @ (*) begin
    case (ap_CS_fsm)
        ap_ST_fsm_state1 : begin
            if (((ap_start == 1'b1) & (1'b1 == ap_CS_fsm_state1))) begin
                ap_NS_fsm = ap_ST_fsm_state2;
            end else begin
                ap_NS_fsm = ap_ST_fsm_state1;
            end
        end
        ap_ST_fsm_state2 : begin
            if (((regslice_both_in_r_V_data_V_U_vld_out == 1'b1) & (1'b1 == ap_CS_fsm_state2))) begin
                ap_NS_fsm = ap_ST_fsm_state3;
            end else begin
                ap_NS_fsm = ap_ST_fsm_state2;
            end
        end
        ap_ST_fsm_state3 : begin
            if (((out_r_V_data_V_1_ack_in == 1'b1) & (1'b1 == ap_CS_fsm_state3) & (tmp_last_reg_141 == 1'd1))) begin
                ap_NS_fsm = ap_ST_fsm_state1;
            end else if (((out_r_V_data_V_1_ack_in == 1'b1) & (1'b1 == ap_CS_fsm_state3))) begin
                ap_NS_fsm = ap_ST_fsm_state2;
            end else begin
                ap_NS_fsm = ap_ST_fsm_state3;
            end
        end
        default : begin
            ap_NS_fsm = 'bx;
        end
    endcase
end

assign ap_CS_fsm_state1 = ap_CS_fsm[32'd0];

assign ap_CS_fsm_state2 = ap_CS_fsm[32'd1];

assign ap_CS_fsm_state3 = ap_CS_fsm[32'd2];

always @ (*) begin
    ap_rst_n_inv = ~ap_rst_n;
end

assign lut_address0 = in_r_V_data_V_0_data_out[3:0];

assign lut_ce0 = ((regslice_both_in_r_V_data_V_U_vld_out == 1'b1) & (1'b1 == ap_CS_fsm_state2));

assign add_ln12_fu_98_p2 = ((tmp_data_reg_120 * gain) + lut_q0);

assign in_r_TDATA_int_regslice_ack = ((regslice_both_in_r_V_data_V_U_vld_out == 1'b1) & (1'b1 == ap_CS_fsm_state2));

assign out_r_TDATA_int_regslice_vld = (1'b1 == ap_CS_fsm_state3);

assign in_r_TREADY = regslice_both_in_r_V_data_V_U_ack_in;

assign out_r_TVALID = regslice_both_out_r_V_data_V_U_vld_out;

endmodule //axis_lut
