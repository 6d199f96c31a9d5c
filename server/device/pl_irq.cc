#include "device/pl_irq.h"

namespace pynq_remote {

int PlIrqGicId(int line, bool zynqmp) {
  if (line < 0 || line >= kPlIrqLines) return -1;
  if (zynqmp) return line < 8 ? 121 + line : 136 + (line - 8);
  return line < 8 ? 61 + line : 84 + (line - 8);
}

int PlIrqLineOfGicId(int gic_id, bool zynqmp) {
  for (int line = 0; line < kPlIrqLines; ++line) {
    if (PlIrqGicId(line, zynqmp) == gic_id) return line;
  }
  return -1;
}

std::string PlIrqPortName(int line, bool zynqmp) {
  if (zynqmp) {
    return (line < 8 ? "pl_ps_irq0[" : "pl_ps_irq1[") + std::to_string(line % 8) + "]";
  }
  return "IRQ_F2P[" + std::to_string(line) + "]";
}

}  // namespace pynq_remote
