#include "device/ps_clocks.h"

#include <cmath>
#include <cstdio>
#include <string>

namespace pynq_remote {
namespace {

// ZynqMP PLn_REF_CTRL and Zynq-7000 FPGAn_CLK_CTRL: the fields PYNQ's ZU_CLK_FIELDS and
// ZYNQ_CLK_FIELDS name.
constexpr uint32_t kZynqMpClkAct = 1u << 24;
constexpr int kZynqMpDiv1Shift = 16, kZynq7000Div1Shift = 20;
constexpr int kDiv0Shift = 8;
constexpr uint32_t kDivMask = 0x3F;  // both divisors are 6 bits
constexpr uint32_t kMaxDivisor = 63;

struct Field {
  uint32_t div0, div1, srcsel;
};

Field Fields(PsFamily family, uint32_t ctrl) {
  if (family == PsFamily::kZynqMP) {
    return {(ctrl >> kDiv0Shift) & kDivMask, (ctrl >> kZynqMpDiv1Shift) & kDivMask, ctrl & 7};
  }
  return {(ctrl >> kDiv0Shift) & kDivMask, (ctrl >> kZynq7000Div1Shift) & kDivMask,
          (ctrl >> 4) & 3};
}

std::string Mhz(double mhz) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g MHz", mhz);
  return buf;
}

std::string CtrlName(PsFamily family, int index) {
  const std::string n = std::to_string(index);
  return family == PsFamily::kZynqMP ? "PL" + n + "_REF_CTRL" : "FPGA" + n + "_CLK_CTRL";
}

Status CheckIndex(int index) {
  if (index >= 0 && index <= 3) return {};
  return MakeError(ErrorCode::kInvalidArgument,
                   "PL clock " + std::to_string(index) + ": the PS has PL clocks 0..3");
}

struct Source {
  const char* name;
  uint64_t addr;
};

// The PLL a PL clock runs from, as PYNQ's PL_SRC_PLL_CTRLS lists them. On ZynqMP, SRCSEL 3 is
// DPLL_CLK_TO_LPD; PYNQ reads DPLL_CTRL for it and so do we, so both report the same rate.
Result<Source> SourceOf(PsFamily family, int index, uint32_t ctrl) {
  const uint32_t srcsel = Fields(family, ctrl).srcsel;
  if (family == PsFamily::kZynq7000) {
    switch (srcsel) {
      case 2:
        return Source{"ARM_PLL_CTRL", kSlcrBase + kSlcrArmPllCtrl};
      case 3:
        return Source{"DDR_PLL_CTRL", kSlcrBase + kSlcrDdrPllCtrl};
      default:  // 0 and 1 both select the IO PLL
        return Source{"IO_PLL_CTRL", kSlcrBase + kSlcrIoPllCtrl};
    }
  }
  switch (srcsel) {
    case 0:
      return Source{"IOPLL_CTRL", kCrlApbBase + kIopllCtrl};
    case 2:
      return Source{"RPLL_CTRL", kCrlApbBase + kRpllCtrl};
    case 3:
      return Source{"DPLL_CTRL", kCrfApbBase + kDpllCtrl};
    default:
      return MakeError(ErrorCode::kUnsupported,
                       CtrlName(family, index) + " at " + Hex(PlClockCtrlAddr(family, index)) +
                           " holds " + Hex(ctrl) + ": SRCSEL " + std::to_string(srcsel) +
                           " is reserved (UG1087: 0 IOPLL, 2 RPLL, 3 DPLL), so the clock's "
                           "source is unknown",
                       PlClockCtrlAddr(family, index));
  }
}

Result<double> SourceMhz(PsFamily family, const Source& source, const ReadReg32& read) {
  Result<uint32_t> pll = read(source.addr);
  if (!pll.ok()) return pll.error();
  if (family == PsFamily::kZynq7000) return Zynq7000PllMhz(pll.value());
  const uint32_t pre_src = (pll.value() >> 20) & 7;
  if (pre_src != 0) {
    return MakeError(ErrorCode::kUnsupported,
                     std::string(source.name) + " at " + Hex(source.addr) + " holds " +
                         Hex(pll.value()) + ": PRE_SRC " + std::to_string(pre_src) +
                         " is not PS_REF_CLK (0), so the PLL's input rate is unknown",
                     source.addr);
  }
  return ZynqMpPllMhz(pll.value());
}

}  // namespace

const char* PsFamilyName(PsFamily family) {
  return family == PsFamily::kZynqMP ? "Zynq UltraScale+" : "Zynq-7000";
}

double ZynqMpPllMhz(uint32_t pll_ctrl) {
  const uint32_t fbdiv = (pll_ctrl >> 8) & 0x7F;
  const bool div2 = (pll_ctrl >> 16) & 1;
  return kZynqMpPsRefClkMhz * fbdiv / (div2 ? 2.0 : 1.0);
}

double Zynq7000PllMhz(uint32_t pll_ctrl) {
  return kZynq7000PsRefClkMhz * ((pll_ctrl >> 12) & 0x7F);
}

uint64_t PlClockCtrlAddr(PsFamily family, int index) {
  if (family == PsFamily::kZynqMP) return kCrlApbBase + kPl0RefCtrl + 4ull * index;
  return kSlcrBase + kSlcrFpga0ClkCtrl + 0x10ull * index;
}

PlClockDivisors NearestPlClockDivisors(double source_mhz, double wanted_mhz) {
  PlClockDivisors best;
  best.mhz = source_mhz;
  double best_err = std::fabs(source_mhz - wanted_mhz);
  // DIVISOR1 outer and a strict improvement: among pairs with the same product (the same
  // rate), the first found has the smallest DIVISOR1.
  for (uint32_t d1 = 1; d1 <= kMaxDivisor; ++d1) {
    for (uint32_t d0 = 1; d0 <= kMaxDivisor; ++d0) {
      const double mhz = source_mhz / d0 / d1;
      const double err = std::fabs(mhz - wanted_mhz);
      if (err < best_err - 1e-9) {
        best = {d0, d1, mhz};
        best_err = err;
      }
    }
  }
  return best;
}

Result<double> ReadPlClockMhz(PsFamily family, int index, const ReadReg32& read) {
  if (Status s = CheckIndex(index); !s.ok()) return s.error();
  Result<uint32_t> ctrl = read(PlClockCtrlAddr(family, index));
  if (!ctrl.ok()) return ctrl.error();
  if (family == PsFamily::kZynqMP && (ctrl.value() & kZynqMpClkAct) == 0) return 0.0;
  const Field f = Fields(family, ctrl.value());
  if (f.div0 == 0 || f.div1 == 0) return 0.0;
  Result<Source> source = SourceOf(family, index, ctrl.value());
  if (!source.ok()) return source.error();
  Result<double> src = SourceMhz(family, source.value(), read);
  if (!src.ok()) return src;
  return src.value() / f.div0 / f.div1;
}

Result<double> SetPlClockMhz(PsFamily family, int index, double mhz, const ReadReg32& read,
                             const WriteReg32& write) {
  if (Status s = CheckIndex(index); !s.ok()) return s.error();
  if (!(mhz > 0) || mhz > 1000) {
    return MakeError(ErrorCode::kInvalidArgument, "PL clock " + std::to_string(index) + " at " +
                                                      Mhz(mhz) +
                                                      ": the rate must be in (0, 1000] MHz");
  }
  const uint64_t addr = PlClockCtrlAddr(family, index);
  Result<uint32_t> ctrl = read(addr);
  if (!ctrl.ok()) return ctrl.error();
  Result<Source> source = SourceOf(family, index, ctrl.value());
  if (!source.ok()) return source.error();
  Result<double> src = SourceMhz(family, source.value(), read);
  if (!src.ok()) return src;
  if (!(src.value() > 0)) {
    return MakeError(ErrorCode::kUnsupported,
                     "PL clock " + std::to_string(index) + " to " + Mhz(mhz) + ": its source " +
                         source.value().name + " at " + Hex(source.value().addr) +
                         " runs at 0 MHz (a feedback divisor of 0), so the PL clock cannot run",
                     source.value().addr);
  }
  const PlClockDivisors d = NearestPlClockDivisors(src.value(), mhz);
  const int div1_shift = family == PsFamily::kZynqMP ? kZynqMpDiv1Shift : kZynq7000Div1Shift;
  uint32_t value = ctrl.value() & ~(kDivMask << kDiv0Shift) & ~(kDivMask << div1_shift);
  value |= (d.div0 << kDiv0Shift) | (d.div1 << div1_shift);
  if (family == PsFamily::kZynqMP) value |= kZynqMpClkAct;
  if (Status s = write(addr, value); !s.ok()) return s.error();
  return d.mhz;
}

std::vector<AddressWindow> PsClockWindows(PsFamily family) {
  if (family == PsFamily::kZynqMP) {
    return {{"CRL_APB", kCrlApbBase, 0x1000}, {"CRF_APB", kCrfApbBase, 0x1000}};
  }
  return {{"SLCR", kSlcrBase, 0x1000}};
}

}  // namespace pynq_remote
