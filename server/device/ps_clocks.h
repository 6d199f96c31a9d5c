// The PS clock generators behind PYNQ's Clocks (pynq/ps.py): the PLLs and the four PL clocks of
// Zynq UltraScale+ (CRL_APB / CRF_APB, UG1087) and Zynq-7000 (SLCR, UG585). The simulated board
// (sim/ps) and the hardware backend (zynq/) reach the registers in their own ways, so the math
// takes the register access as functions and both report the rate a PYNQ client computes from
// the same registers.
#ifndef PYNQ_REMOTE_SERVER_DEVICE_PS_CLOCKS_H_
#define PYNQ_REMOTE_SERVER_DEVICE_PS_CLOCKS_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "device/device.h"
#include "device/device_error.h"

namespace pynq_remote {

enum class PsFamily { kZynqMP, kZynq7000 };

/// "Zynq UltraScale+" or "Zynq-7000", for messages.
const char* PsFamilyName(PsFamily family);

// Zynq UltraScale+: UG1087 CRL_APB and CRF_APB.
inline constexpr double kZynqMpPsRefClkMhz = 33.333;  // PS_REF_CLK, as PYNQ assumes
inline constexpr uint64_t kCrlApbBase = 0xFF5E0000;
inline constexpr uint64_t kIopllCtrl = 0x20, kRpllCtrl = 0x30;
inline constexpr uint64_t kPl0RefCtrl = 0xC0;  // PLn_REF_CTRL at kPl0RefCtrl + 4 * n
inline constexpr uint64_t kCrfApbBase = 0xFD1A0000;
inline constexpr uint64_t kApllCtrl = 0x20, kDpllCtrl = 0x2C, kVpllCtrl = 0x38;

// Zynq-7000: UG585 SLCR.
inline constexpr double kZynq7000PsRefClkMhz = 50.0;  // PS_CLK, as PYNQ assumes
inline constexpr uint64_t kSlcrBase = 0xF8000000;
inline constexpr uint64_t kSlcrArmPllCtrl = 0x100, kSlcrDdrPllCtrl = 0x104, kSlcrIoPllCtrl = 0x108;
inline constexpr uint64_t kSlcrFpga0ClkCtrl = 0x170;  // FPGAn_CLK_CTRL at + 0x10 * n

/// 32-bit register access at a physical address; errors pass through the functions below.
using ReadReg32 = std::function<Result<uint32_t>(uint64_t addr)>;
using WriteReg32 = std::function<Status(uint64_t addr, uint32_t value)>;

/// PLL output (MHz) of a ZynqMP *PLL_CTRL value: 33.333 * FBDIV / (DIV2 ? 2 : 1). Assumes
/// PRE_SRC is PS_REF_CLK; ReadPlClockMhz checks that.
double ZynqMpPllMhz(uint32_t pll_ctrl);
/// PLL output (MHz) of a Zynq-7000 *_PLL_CTRL value: 50 * PLL_FDIV.
double Zynq7000PllMhz(uint32_t pll_ctrl);

/// The address of PL clock `index`'s control register (PLn_REF_CTRL / FPGAn_CLK_CTRL);
/// `index` must be 0..3.
uint64_t PlClockCtrlAddr(PsFamily family, int index);

struct PlClockDivisors {
  uint32_t div0 = 1, div1 = 1;
  double mhz = 0;  // source_mhz / div0 / div1
};

/// The pair of 6-bit divisors (1..63) whose rate is nearest `wanted_mhz`; on a tie the smaller
/// DIVISOR1 wins, as PYNQ's own choice keeps DIVISOR1 at 1 where it can.
PlClockDivisors NearestPlClockDivisors(double source_mhz, double wanted_mhz);

/// PL clock `index` in MHz, from its control register and the PLL its SRCSEL picks (as PYNQ
/// picks it). 0 when the clock is off: CLKACT clear (ZynqMP) or a divisor of 0.
/// kInvalidArgument: index outside 0..3. kUnsupported: a reserved SRCSEL, or a ZynqMP PLL fed
/// from something other than PS_REF_CLK (its rate is unknown). Read errors pass through.
Result<double> ReadPlClockMhz(PsFamily family, int index, const ReadReg32& read);

/// Sets PL clock `index` as near `mhz` as the divisors allow, from the PLL it runs from now, in
/// one read-modify-write of its control register: the divisors change, ZynqMP's CLKACT is set,
/// every other bit (SRCSEL included) is kept. Returns the rate achieved; PYNQ warns when that is
/// more than 1% off. kInvalidArgument: index outside 0..3 or mhz outside (0, 1000].
/// kUnsupported: as ReadPlClockMhz, or a source PLL at 0 MHz. Register errors pass through.
Result<double> SetPlClockMhz(PsFamily family, int index, double mhz, const ReadReg32& read,
                             const WriteReg32& write);

/// The register pages the functions above touch, for an MMIO mapping or an access policy.
std::vector<AddressWindow> PsClockWindows(PsFamily family);

}  // namespace pynq_remote

#endif  // PYNQ_REMOTE_SERVER_DEVICE_PS_CLOCKS_H_
