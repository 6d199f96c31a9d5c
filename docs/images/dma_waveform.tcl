# GTKWave script for make_dma_waveform.py: the DMA's signals of one loopback transfer, zoomed
# to zoom_from..zoom_to (ps) when the caller set them (the transfer; the rest of the window is
# the client polling for the end), else to the whole file. Names are the trace's (axi_dma_0).
set dma pl.dma_loopback.axi_dma_0
set names {
  clk
  m_axi_mm2s_arvalid m_axi_mm2s_arready m_axi_mm2s_rvalid m_axi_mm2s_rlast
  m_axis_mm2s_tvalid m_axis_mm2s_tready m_axis_mm2s_tdata m_axis_mm2s_tlast
  s_axis_s2mm_tvalid s_axis_s2mm_tready
  m_axi_s2mm_awvalid m_axi_s2mm_awready m_axi_s2mm_wvalid m_axi_s2mm_wdata m_axi_s2mm_bvalid
}
set signals {}
foreach name $names { lappend signals "$dma.$name" }
gtkwave::addSignalsFromList $signals
if {[info exists zoom_from]} {
  gtkwave::setZoomRangeTimes $zoom_from $zoom_to
} else {
  gtkwave::/Time/Zoom/Zoom_Best_Fit
}
