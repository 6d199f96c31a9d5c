#include "device/ps_windows.h"

#include <string>

namespace pynq_remote {

std::vector<AddressWindow> PlBusWindows(PsFamily family) {
  if (family == PsFamily::kZynq7000) {
    return {{"M_AXI_GP0", 0x40000000, 0x40000000}, {"M_AXI_GP1", 0x80000000, 0x40000000}};
  }
  // Each FPD HPM port has a second, 4 GiB window above 4 GiB (UG1085 table 10-1); the same
  // map as sim/board/boards.json's ZynqMP profiles.
  return {{"M_AXI_HPM0_FPD", 0xA0000000, 0x10000000},
          {"M_AXI_HPM0_FPD", 0x400000000, 0x100000000},
          {"M_AXI_HPM1_FPD", 0xB0000000, 0x10000000},
          {"M_AXI_HPM1_FPD", 0x500000000, 0x100000000},
          {"M_AXI_HPM0_LPD", 0x80000000, 0x20000000}};
}

std::vector<AddressWindow> PsRegisterPages(PsFamily family) {
  if (family == PsFamily::kZynq7000) return {{"SLCR", kSlcrBase, 0x1000}};
  std::vector<AddressWindow> pages = {
      {"CRL_APB", kCrlApbBase, 0x1000},  {"CRF_APB", kCrfApbBase, 0x1000},
      {"FPD_SLCR", 0xFD615000, 0x1000},  {"LPD_SLCR", 0xFF419000, 0x1000},
      {"AFIFM_LPD", 0xFF9B0000, 0x1000},
  };
  for (int i = 0; i < 6; ++i) {
    pages.push_back({"AFIFM_HP" + std::to_string(i), 0xFD360000 + 0x10000ull * i, 0x1000});
  }
  return pages;
}

AddressWindow PsGpioPage(PsFamily family) {
  return {"GPIO", family == PsFamily::kZynq7000 ? 0xE000A000ull : 0xFF0A0000ull, 0x1000};
}

}  // namespace pynq_remote
