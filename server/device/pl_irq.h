// The PL-to-PS interrupt lines and their GIC numbers, shared by the zynq backend (which finds
// a line's UIO device by it) and the interrupt service (which reads PYNQ's raw_irq by it).
#ifndef PYNQ_REMOTE_SERVER_DEVICE_PL_IRQ_H_
#define PYNQ_REMOTE_SERVER_DEVICE_PL_IRQ_H_

#include <string>

namespace pynq_remote {

/// The PL interrupt lines Device::WaitIrq knows: 0..kPlIrqLines-1.
inline constexpr int kPlIrqLines = 16;

/// The GIC interrupt ID (SPI number + 32) of PL interrupt `line` (0..15), as the hardware
/// IRQ column of /proc/interrupts shows it. ZynqMP (UG1085): pl_ps_irq0[0..7] = 121..128,
/// pl_ps_irq1[0..7] = 136..143. Zynq-7000 (UG585): IRQ_F2P[0..7] = 61..68, [8..15] = 84..91.
/// -1 for a line outside 0..15.
int PlIrqGicId(int line, bool zynqmp);

/// The line whose GIC interrupt ID is `gic_id`, or -1 when no PL line has it.
int PlIrqLineOfGicId(int gic_id, bool zynqmp);

/// The PS port a line enters by, for messages: "pl_ps_irq1[2]", "IRQ_F2P[10]".
std::string PlIrqPortName(int line, bool zynqmp);

}  // namespace pynq_remote

#endif  // PYNQ_REMOTE_SERVER_DEVICE_PL_IRQ_H_
