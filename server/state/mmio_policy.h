// Which physical addresses clients may reach by MMIO. A board server runs next to
// hardware that hangs on a stray bus access, so by default only the windows the loaded
// overlay declares (its .hwh address map) and the PS registers PYNQ itself needs (PL
// clocks, AXI port widths) are reachable; everything else is PERMISSION_DENIED.
#ifndef PYNQ_REMOTE_SERVER_STATE_MMIO_POLICY_H_
#define PYNQ_REMOTE_SERVER_STATE_MMIO_POLICY_H_

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "device/device.h"

namespace pynq_remote {

enum class MmioPolicyMode {
  kOpen,     // every bus window of the board (PYNQ 3.1's server behaviour)
  kOverlay,  // the overlay's declared windows; the whole PL bus when it declared none
  kStrict,   // the overlay's declared windows only; none declared: no PL access
};

/// "open" | "overlay" | "strict".
std::optional<MmioPolicyMode> ParseMmioPolicyMode(const std::string& text);
const char* MmioPolicyModeName(MmioPolicyMode mode);

/// The PS register pages PYNQ touches on a ZynqMP and a Zynq-7000: PL clock control
/// (CRL_APB, CRF_APB; SLCR on Zynq) and the AXI port-width registers (FPD/LPD_SLCR,
/// AFIFM) that Overlay.download sets (Xilinx AR 66295); and the PS GPIO controller's page.
std::vector<AddressWindow> DefaultPsAllowlist();

/// "BASE:SIZE" (hex or decimal, e.g. 0xA0000000:0x10000) as a window. nullopt if malformed
/// or empty or wrapping.
std::optional<AddressWindow> ParseWindowSpec(const std::string& text);

class MmioPolicy {
 public:
  /// `bus_windows`: the device's windows; those named M_AXI_* are the PL's.
  /// `ps_allow`: reachable whatever the overlay (DefaultPsAllowlist plus --mmio-allow).
  MmioPolicy(MmioPolicyMode mode, std::vector<AddressWindow> bus_windows,
             std::vector<AddressWindow> ps_allow);

  /// A design was programmed. `declared`: the windows its .hwh maps for the PS, nullopt
  /// when the board holds no .hwh for it.
  void SetOverlay(const std::string& design, std::optional<std::vector<AddressWindow>> declared);
  /// The PL holds no design.
  void ClearOverlay();

  /// [addr, addr+len) inside one allowed window, else kPermissionDenied saying what is
  /// allowed and how to change it.
  Status Check(uint64_t addr, uint64_t len) const;

  /// What is reachable now (for GetInfo and messages).
  std::vector<AddressWindow> Allowed() const;
  MmioPolicyMode mode() const { return mode_; }

 private:
  std::vector<AddressWindow> AllowedLocked() const;
  /// Whether AllowedLocked() has a window holding [addr, addr + len), without building it
  /// (Check runs on every MMIO access).
  bool AllowsLocked(uint64_t addr, uint64_t len) const;

  const MmioPolicyMode mode_;
  const std::vector<AddressWindow> bus_windows_;
  const std::vector<AddressWindow> ps_allow_;
  mutable std::mutex mu_;  // guards the overlay fields
  std::string design_;
  bool programmed_ = false;
  std::optional<std::vector<AddressWindow>> declared_;
};

}  // namespace pynq_remote

#endif  // PYNQ_REMOTE_SERVER_STATE_MMIO_POLICY_H_
