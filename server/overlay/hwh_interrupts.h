// Where a design's interrupt pins go, read from its Vivado hardware handoff (.hwh): each
// interrupt output of an IP ("axi_dma_0/s2mm_introut") traced through xlconcat cells to an
// input of an AXI interrupt controller (whose irq output reaches a PS line) or straight to the
// PS's PL interrupt ports (pl_ps_irq0/1 on ZynqMP, IRQ_F2P on Zynq-7000). The server uses it
// to check and complete interrupt registrations, so like the address map it is strict: a
// malformed file is an error that says where, never a crash.
#ifndef PYNQ_REMOTE_SERVER_OVERLAY_HWH_INTERRUPTS_H_
#define PYNQ_REMOTE_SERVER_OVERLAY_HWH_INTERRUPTS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "device/device_error.h"

namespace pynq_remote::overlay {

/// An AXI INTC (MODTYPE axi_intc).
struct HwhIntc {
  std::string instance;  // "axi_intc_0"
  uint64_t base = 0;     // its register window in the PS's map; 0 when the PS maps none
  int ps_line = -1;      // the PL interrupt line its irq reaches (0..15), -1 when none
};

/// An interrupt source pin and where it arrives.
struct HwhInterruptPin {
  std::string path;        // "axi_dma_0/s2mm_introut"
  std::string controller;  // the INTC's instance; "" when wired straight to the PS
  uint64_t controller_base = 0;
  int index = 0;     // its input on the controller; for a PS pin, its PS line
  int ps_line = -1;  // the PS line the event reaches (the controller's), -1 when none
};

struct HwhInterrupts {
  std::vector<HwhIntc> controllers;
  std::vector<HwhInterruptPin> pins;  // sorted by path
  std::vector<std::string> unwired;   // interrupt outputs that reach no controller or PS port

  const HwhInterruptPin* FindPin(std::string_view path) const;
  const HwhIntc* FindController(uint64_t base) const;
  /// "axi_dma_0/mm2s_introut, axi_dma_0/s2mm_introut" (at most `max` names, then "...").
  std::string PinList(size_t max = 20) const;
};

/// The interrupt wiring of the .hwh's design. `source` names the input in messages.
/// Errors: kInvalidArgument, as ParseHwhAddressMap, and for an xlconcat fed or read in a way
/// that cannot be followed (a width that is not a number, loops deeper than 16 cells).
Result<HwhInterrupts> ParseHwhInterrupts(std::string_view hwh_text,
                                         std::string_view source = "<hwh>");

}  // namespace pynq_remote::overlay

#endif  // PYNQ_REMOTE_SERVER_OVERLAY_HWH_INTERRUPTS_H_
