// Shared AXI definitions for the bridges (AMBA AXI and ACE Protocol Specification, IHI 0022).
#ifndef PYNQ_REMOTE_SIM_BRIDGES_AMBA_H_
#define PYNQ_REMOTE_SIM_BRIDGES_AMBA_H_

#include <cstdint>
#include <tlm>

namespace pynq_remote::sim {

enum class AxiResp : uint8_t { kOkay = 0, kExOkay = 1, kSlvErr = 2, kDecErr = 3 };
enum class AxiBurst : uint8_t { kFixed = 0, kIncr = 1, kWrap = 2 };

/// The one translation of AXI responses to TLM (libsystemctlm-soc convention).
inline tlm::tlm_response_status AxiToTlm(uint8_t resp) {
  switch (static_cast<AxiResp>(resp & 3)) {
    case AxiResp::kSlvErr:
      return tlm::TLM_GENERIC_ERROR_RESPONSE;
    case AxiResp::kDecErr:
      return tlm::TLM_ADDRESS_ERROR_RESPONSE;
    default:
      return tlm::TLM_OK_RESPONSE;
  }
}

inline uint8_t TlmToAxi(tlm::tlm_response_status status) {
  switch (status) {
    case tlm::TLM_OK_RESPONSE:
      return static_cast<uint8_t>(AxiResp::kOkay);
    case tlm::TLM_ADDRESS_ERROR_RESPONSE:
      return static_cast<uint8_t>(AxiResp::kDecErr);
    default:
      return static_cast<uint8_t>(AxiResp::kSlvErr);
  }
}

}  // namespace pynq_remote::sim

#endif  // PYNQ_REMOTE_SIM_BRIDGES_AMBA_H_
