// Simulation-only deadlock monitor (Vitis writes one per kernel; C/RTL co-simulation uses it).
// Synthesis never sees it: the top includes it behind `// synthesis translate_off`.
    wire kernel_monitor_reset;
    wire kernel_monitor_clock;
    assign kernel_monitor_reset = ~ap_rst_n;
    assign kernel_monitor_clock = ap_clk;
    always @ (posedge kernel_monitor_clock) begin
        if (!kernel_monitor_reset && ap_CS_fsm == 3'd0) begin
            $display("// ERROR: mac_accum FSM has no state (deadlock monitor)");
            $finish;
        end
    end
