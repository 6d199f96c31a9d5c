// The PS GPIO controller (UG585 appendix B "gpio", UG1087 "GPIO"): MIO and EMIO banks with the
// registers Linux's gpio-zynq driver uses, at 0xFF0A0000 (ZynqMP: banks 0-2 MIO, 26 pins each;
// banks 3-5 EMIO, 32 each) or 0xE000A000 (Zynq-7000: bank 0 MIO 32 pins, bank 1 MIO 22; banks
// 2-3 EMIO, 32 each). Per bank:
//   MASK_DATA_LSW/MSW 0x000 + 8 * bank (+4): [31:16] mask (1: keep), [15:0] data of pins 15:0
//   (31:16); DATA 0x040 + 4 * bank: the output register; DATA_RO 0x060 + 4 * bank: the pins;
//   DIRM / OEN 0x204 / 0x208 + 0x40 * bank; INT_MASK (RO), INT_EN, INT_DIS (WO), INT_STAT
//   (W1C), INT_TYPE, INT_POLARITY, INT_ANY 0x20C..0x224 + 0x40 * bank.
// Pins: a pin drives its DATA bit while DIRM and OEN both say output (gpio-zynq's direction
// input clears DIRM alone). An MIO pin reads back what it drives (nothing else is wired to the
// pads: an undriven pad reads 0); an EMIO pin's DATA_RO bit is the PL's emio_gpio_i bit and
// its output goes to emio_gpio_o (emio_gpio_t = 1 where it does not drive), as on the silicon,
// where the EMIO inputs and outputs are separate signals. INT_STAT latches edges and levels of the
// pins per INT_TYPE / INT_POLARITY / INT_ANY whatever INT_MASK says; no interrupt goes to the host.
// The values are those after Linux's driver probed (every interrupt disabled: INT_MASK all 1).
// Thread-safe: the bus (the simulation) and the board's GPIO calls share it.
#ifndef PYNQ_REMOTE_SIM_PS_PS_GPIO_H_
#define PYNQ_REMOTE_SIM_PS_PS_GPIO_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

#include "device/device.h"
#include "device/ps_clocks.h"

namespace pynq_remote::sim {

inline constexpr uint64_t kZynqMpGpioBase = 0xFF0A0000;
inline constexpr uint64_t kZynq7000GpioBase = 0xE000A000;
inline constexpr uint64_t kGpioBlockSize = 0x1000;

// Register offsets (gpio-zynq.c's ZYNQ_GPIO_*_OFFSET).
inline constexpr uint64_t GpioMaskDataLsw(int bank) { return 0x000 + 8 * bank; }
inline constexpr uint64_t GpioMaskDataMsw(int bank) { return 0x004 + 8 * bank; }
inline constexpr uint64_t GpioData(int bank) { return 0x040 + 4 * bank; }
inline constexpr uint64_t GpioDataRo(int bank) { return 0x060 + 4 * bank; }
inline constexpr uint64_t GpioDirm(int bank) { return 0x204 + 0x40 * bank; }
inline constexpr uint64_t GpioOen(int bank) { return 0x208 + 0x40 * bank; }
inline constexpr uint64_t GpioIntMask(int bank) { return 0x20C + 0x40 * bank; }
inline constexpr uint64_t GpioIntEn(int bank) { return 0x210 + 0x40 * bank; }
inline constexpr uint64_t GpioIntDis(int bank) { return 0x214 + 0x40 * bank; }
inline constexpr uint64_t GpioIntStat(int bank) { return 0x218 + 0x40 * bank; }
inline constexpr uint64_t GpioIntType(int bank) { return 0x21C + 0x40 * bank; }
inline constexpr uint64_t GpioIntPolarity(int bank) { return 0x220 + 0x40 * bank; }
inline constexpr uint64_t GpioIntAny(int bank) { return 0x224 + 0x40 * bank; }

/// The EMIO pins as the PL shell sees them, bit k = EMIO pin k (96 on ZynqMP, 64 on
/// Zynq-7000; the words above stay 0).
using EmioBits = std::array<uint32_t, 3>;

class PsGpio {
 public:
  explicit PsGpio(PsFamily family = PsFamily::kZynqMP);
  /// The family's banks with their post-probe values; EMIO inputs 0.
  void Reset(PsFamily family);
  PsFamily family() const;

  AddressWindow window() const;
  bool Decodes(uint64_t addr, uint64_t len) const;
  /// 4-byte access inside the window (the controller's APB port takes words; other widths
  /// answer false, a bus error). Undefined offsets read 0 and ignore writes.
  bool Read(uint64_t addr, int width, uint64_t* value);
  bool Write(uint64_t addr, int width, uint64_t value);

  int banks() const;
  int bank_pins(int bank) const;
  int mio_pins() const;   // 78 / 54
  int emio_pins() const;  // 96 / 64
  /// Chip pin `pin` (0..mio_pins()+emio_pins()-1) as bank and bit, the way gpio-zynq numbers
  /// them (banks in order, each from bit 0). false: no such pin.
  bool BankOf(int pin, int* bank, int* bit) const;

  /// EMIO outputs: DATA bits driven (DIRM and OEN set; others 0), and emio_gpio_t (1: not
  /// driven).
  void EmioOutputs(EmioBits* o, EmioBits* t) const;
  /// Bumped whenever the EMIO outputs may have changed: the shell copies only then.
  uint64_t emio_generation() const { return emio_generation_.load(std::memory_order_acquire); }
  /// The PL's emio_gpio_i: DATA_RO of the EMIO banks, with INT_STAT following.
  void SetEmioInputs(const EmioBits& in);

 private:
  struct Bank {
    uint32_t width_mask = 0;
    bool emio = false;
    int first_emio = 0;  // EMIO pin of bit 0 (EMIO banks)
    uint32_t data = 0, dirm = 0, oen = 0;
    uint32_t int_mask = 0, int_stat = 0, int_type = 0, int_polarity = 0, int_any = 0;
    uint32_t in = 0;    // what arrives at the pins from outside (EMIO: emio_gpio_i)
    uint32_t pins = 0;  // DATA_RO, as last evaluated
  };
  uint32_t PinsLocked(const Bank& b) const;
  /// Re-reads the pins of bank b, latching INT_STAT on their changes and levels.
  void UpdateLocked(Bank& b);
  void TouchEmioLocked(const Bank& b);

  mutable std::mutex mu_;
  PsFamily family_;
  std::vector<Bank> banks_;
  int mio_pins_ = 0, emio_pins_ = 0;
  std::atomic<uint64_t> emio_generation_{1};
};

}  // namespace pynq_remote::sim

#endif  // PYNQ_REMOTE_SIM_PS_PS_GPIO_H_
