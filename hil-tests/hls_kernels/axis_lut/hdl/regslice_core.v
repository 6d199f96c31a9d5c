// ==============================================================
// Written for pynq-remote in the form of Vivado HLS 2019.2's regslice_core.v (the register
// slice on every axis port; hil-tests/hls_kernels/README.md). Hand-written, not tool output.
// Two entries: full throughput, ack_in registered (no combinational path from ack_out).
// ==============================================================
`timescale 1ns/1ps

module regslice_both #(
    parameter DataWidth = 32
) (
    input  wire                 ap_clk,
    input  wire                 ap_rst,
    input  wire [DataWidth-1:0] data_in,
    input  wire                 vld_in,
    output wire                 ack_in,
    output wire [DataWidth-1:0] data_out,
    output wire                 vld_out,
    input  wire                 ack_out,
    output wire                 apdone_blk
);
    reg  [DataWidth-1:0] payload_A;
    reg  [DataWidth-1:0] payload_B;
    reg                  sel_rd = 1'b0;
    reg                  sel_wr = 1'b0;
    reg  [1:0]           count = 2'd0;  // entries held
    wire                 load_p = vld_in & ack_in;
    wire                 take_p = vld_out & ack_out;

    assign ack_in     = (count != 2'd2);
    assign vld_out    = (count != 2'd0);
    assign data_out   = sel_rd ? payload_B : payload_A;
    assign apdone_blk = (count != 2'd0) & ~ack_out;

    always @(posedge ap_clk) begin
        if (load_p) begin
            if (sel_wr) payload_B <= data_in;
            else        payload_A <= data_in;
        end
    end

    always @(posedge ap_clk) begin
        if (ap_rst == 1'b1) begin
            sel_rd <= 1'b0;
            sel_wr <= 1'b0;
            count  <= 2'd0;
        end else begin
            if (load_p) sel_wr <= ~sel_wr;
            if (take_p) sel_rd <= ~sel_rd;
            case ({load_p, take_p})
                2'b10:   count <= count + 2'd1;
                2'b01:   count <= count - 2'd1;
                default: count <= count;
            endcase
        end
    end
endmodule


module regslice_both_w1 #(
    parameter DataWidth = 1
) (
    input  wire ap_clk,
    input  wire ap_rst,
    input  wire data_in,
    input  wire vld_in,
    output wire ack_in,
    output wire data_out,
    output wire vld_out,
    input  wire ack_out,
    output wire apdone_blk
);
    regslice_both #(.DataWidth(1)) regslice_both_U (
        .ap_clk(ap_clk), .ap_rst(ap_rst), .data_in(data_in), .vld_in(vld_in),
        .ack_in(ack_in), .data_out(data_out), .vld_out(vld_out), .ack_out(ack_out),
        .apdone_blk(apdone_blk));
endmodule
