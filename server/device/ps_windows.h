// The address map every backend and the access policy share: the PL's AXI master windows
// (UG1085 table 10-1, UG585 section 4.1) and the PS register pages PYNQ touches, i.e. the PL
// clocks (CRL/CRF_APB; SLCR on Zynq-7000) and the AXI port widths that Overlay.download sets
// (FPD/LPD_SLCR, AFIFM; Xilinx AR 66295).
#ifndef PYNQ_REMOTE_SERVER_DEVICE_PS_WINDOWS_H_
#define PYNQ_REMOTE_SERVER_DEVICE_PS_WINDOWS_H_

#include <vector>

#include "device/device.h"
#include "device/ps_clocks.h"

namespace pynq_remote {

/// M_AXI_HPM0_FPD, M_AXI_HPM1_FPD (each twice: 0xA000_0000 / 0xB000_0000 and the 4 GiB at
/// 0x4_0000_0000 / 0x5_0000_0000), M_AXI_HPM0_LPD (ZynqMP); M_AXI_GP0, M_AXI_GP1 (Zynq-7000).
std::vector<AddressWindow> PlBusWindows(PsFamily family);

/// The PS register pages PYNQ needs, one 4 KiB page each.
std::vector<AddressWindow> PsRegisterPages(PsFamily family);

/// The PS GPIO controller's page ("GPIO": 0xFF0A0000 on ZynqMP, 0xE000A000 on Zynq-7000), which
/// PYNQ-style code may read and write directly (Linux's gpio-zynq owns it on a board).
AddressWindow PsGpioPage(PsFamily family);

}  // namespace pynq_remote

#endif  // PYNQ_REMOTE_SERVER_DEVICE_PS_WINDOWS_H_
