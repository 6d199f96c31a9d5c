// Shared AXI definitions (AMBA AXI and ACE Protocol Specification, IHI 0022): the response and
// burst encodings, and the signal bundles the bridges drive and sample. Plain C++, no SystemC:
// the Verilated designs (pl/) are built without it and hold these bundles as their shell pins.
#ifndef PYNQ_REMOTE_SIM_BRIDGES_AMBA_H_
#define PYNQ_REMOTE_SIM_BRIDGES_AMBA_H_

#include <cstdint>

namespace pynq_remote::sim {

enum class AxiResp : uint8_t { kOkay = 0, kExOkay = 1, kSlvErr = 2, kDecErr = 3 };
enum class AxiBurst : uint8_t { kFixed = 0, kIncr = 1, kWrap = 2 };

/// An AXI4-Lite link (32-bit address and data), as the PL's s_axil_* slave port sees it.
struct AxiLitePins {
  // write address channel (to the design / from it)
  uint32_t awaddr = 0;
  bool awvalid = false;
  bool awready = false;
  // write data channel
  uint32_t wdata = 0;
  uint8_t wstrb = 0;
  bool wvalid = false;
  bool wready = false;
  // write response channel
  uint8_t bresp = 0;
  bool bvalid = false;
  bool bready = false;
  // read address channel
  uint32_t araddr = 0;
  bool arvalid = false;
  bool arready = false;
  // read data channel
  uint32_t rdata = 0;
  uint8_t rresp = 0;
  bool rvalid = false;
  bool rready = false;
};

/// An AXI4 link as a PL master port (m_axi_<port>_*) sees it: up to 64 address bits and up to
/// 128 data bits. Byte lane i of the bus is byte i of wdata/rdata (word 0 = bits 31:0, little
/// endian); a narrower port uses the low words and the low wstrb bits only.
struct AxiMasterPins {
  static constexpr unsigned kMaxDataBytes = 16;
  // write address channel (from the design / to it)
  uint64_t awaddr = 0;
  uint8_t awlen = 0, awsize = 0, awburst = 0;
  bool awvalid = false;
  bool awready = false;
  // write data channel
  uint32_t wdata[4] = {0, 0, 0, 0};
  uint16_t wstrb = 0;
  bool wlast = false, wvalid = false;
  bool wready = false;
  // write response channel
  uint8_t bresp = 0;
  bool bvalid = false;
  bool bready = false;
  // read address channel
  uint64_t araddr = 0;
  uint8_t arlen = 0, arsize = 0, arburst = 0;
  bool arvalid = false;
  bool arready = false;
  // read data channel
  uint32_t rdata[4] = {0, 0, 0, 0};
  uint8_t rresp = 0;
  bool rlast = false, rvalid = false;
  bool rready = false;
};

}  // namespace pynq_remote::sim

#endif  // PYNQ_REMOTE_SIM_BRIDGES_AMBA_H_
