// Axi2TlmBridge: one PL AXI4 master port (m_axi_<port>_*, 4, 8 or 16 data bytes) in, TLM-2.0
// out into DDR. Structure of libsystemctlm-soc's axi2tlm-bridge.h, our own code. Driven once per
// clock edge by the owner of the PL clock (Edge()), so a burst moves one beat per cycle: the
// read data channel stays valid beat after beat, the write data channel stays ready for the
// whole burst. Each port's bridge moves its beats on its own, as the PS's HP ports do; DDR is
// the shared point.
//
// Not a SystemC module: a design's ports are known only when it is loaded, after elaboration,
// so the owner creates one bridge per port then and hands each the initiator socket all of its
// bridges share (the owner forwards DMI invalidations with InvalidateDmi()).
//
// Bursts (AMBA AXI IHI 0022, A3.4): INCR, FIXED and WRAP; a WRAP of an illegal length or from
// an unaligned address runs as INCR. Narrow transfers (size below the bus width) use the byte
// lanes the address selects: a write stores the strobed bytes of those lanes only, a read puts
// the whole bus word holding them on rdata. Memory is reached through DMI when the target
// grants it, else b_transport per beat. A TLM error becomes the AXI response (address error ->
// DECERR, others -> SLVERR) of every beat concerned.
#ifndef PYNQ_REMOTE_SIM_BRIDGES_AXI2TLM_BRIDGE_H_
#define PYNQ_REMOTE_SIM_BRIDGES_AXI2TLM_BRIDGE_H_

#include <cstring>
#include <stdexcept>
#include <string>
#include <systemc>
#include <tlm>

#include "bridges/amba.h"

namespace pynq_remote::sim {

class Axi2TlmBridge {
 public:
  static constexpr unsigned kMaxBusBytes = AxiMasterPins::kMaxDataBytes;

  /// `bus_bytes`: the port's data width, 4, 8 or 16 (std::invalid_argument otherwise).
  /// `memory` must be bound before the first Edge() and outlive the bridge.
  Axi2TlmBridge(tlm::tlm_initiator_socket<>& memory, unsigned bus_bytes)
      : memory_(memory), bus_bytes_(bus_bytes) {
    if (bus_bytes != 4 && bus_bytes != 8 && bus_bytes != 16) {
      throw std::invalid_argument("an AXI master port is 32, 64 or 128 bits wide, not " +
                                  std::to_string(bus_bytes * 8));
    }
  }
  Axi2TlmBridge(const Axi2TlmBridge&) = delete;
  Axi2TlmBridge& operator=(const Axi2TlmBridge&) = delete;

  unsigned bus_bytes() const { return bus_bytes_; }

  /// A new design (or reset): no burst in flight, ready for addresses.
  void Reset(AxiMasterPins& p) {
    rd_ = Burst{};
    wr_ = Burst{};
    p.arready = true;
    p.rvalid = p.rlast = false;
    p.awready = true;
    p.wready = false;
    p.bvalid = false;
  }

  /// True while a burst is in flight.
  bool Active() const { return rd_.beats_left > 0 || wr_.beats_left > 0 || wr_.awaiting_b; }
  uint64_t beats_read() const { return beats_read_; }
  uint64_t beats_written() const { return beats_written_; }

  /// Per clock edge: handshakes seen on `p` now; sets what the subordinate drives next.
  void Edge(AxiMasterPins& p) {
    // The ready levels the design saw this cycle: a burst ending below raises arready/awready
    // for the *next* cycle; taking an address now would be a handshake the master never saw
    // (a master with a second address already valid would issue it again).
    const bool arready_seen = p.arready, awready_seen = p.awready;
    // read data channel (before the address channel: a new burst's data starts next cycle)
    if (p.rvalid && p.rready) {
      ++beats_read_;
      if (--rd_.beats_left == 0) {
        p.rvalid = p.rlast = false;
        p.arready = true;
      } else {
        rd_.Step();
        LoadBeat(p);
      }
    }
    // read address channel
    if (p.arvalid && arready_seen) {
      rd_.Start(p.araddr, p.arlen, p.arsize, p.arburst, bus_bytes_);
      p.arready = false;
      LoadBeat(p);
    }
    // write response channel
    if (p.bvalid && p.bready) {
      p.bvalid = false;
      wr_.awaiting_b = false;
      p.awready = true;
    }
    // write data channel
    if (p.wvalid && p.wready && wr_.beats_left > 0) {
      StoreBeat(p.wdata, p.wstrb);
      ++beats_written_;
      wr_.Step();
      if (--wr_.beats_left == 0 || p.wlast) {
        wr_.beats_left = 0;
        p.wready = false;
        p.bvalid = true;
        p.bresp = wr_.resp;
        wr_.awaiting_b = true;
      }
    }
    // write address channel
    if (p.awvalid && awready_seen) {
      wr_.Start(p.awaddr, p.awlen, p.awsize, p.awburst, bus_bytes_);
      p.awready = false;
      p.wready = true;
    }
  }

  /// The target withdrew its DMI grants (forwarded by the owner of the socket).
  void InvalidateDmi() {
    dmi_ptr_ = nullptr;
    dmi_tried_ = false;
  }

 private:
  struct Burst {
    uint64_t addr = 0;
    unsigned size = 1;                  // bytes per beat
    uint64_t wrap_lo = 0, wrap_hi = 0;  // WRAP: the window [lo, hi); else hi == 0
    uint8_t burst = 1;
    unsigned beats_left = 0;
    uint8_t resp = 0;
    bool awaiting_b = false;
    void Start(uint64_t a, uint8_t len, uint8_t size_log2, uint8_t kind, unsigned bus_bytes) {
      addr = a;
      size = 1u << (size_log2 & 7);
      if (size > bus_bytes) size = bus_bytes;  // illegal (A3.4.1): the bus width
      burst = kind;
      beats_left = len + 1u;
      resp = 0;
      awaiting_b = false;
      wrap_lo = wrap_hi = 0;
      const unsigned beats = beats_left;
      if (kind == static_cast<uint8_t>(AxiBurst::kWrap) && (addr & (size - 1)) == 0 &&
          (beats == 2 || beats == 4 || beats == 8 || beats == 16)) {
        const uint64_t window = uint64_t{size} * beats;
        wrap_lo = addr & ~(window - 1);
        wrap_hi = wrap_lo + window;
      }
    }
    void Step() {
      if (burst == static_cast<uint8_t>(AxiBurst::kFixed)) return;
      addr = (addr & ~uint64_t{size - 1}) + size;  // the next aligned transfer
      if (wrap_hi != 0 && addr == wrap_hi) addr = wrap_lo;
    }
    // The byte lanes of the current beat (A3.4.1): from the address's lane up to the end of
    // its size-aligned transfer.
    uint32_t Lanes(unsigned bus_bytes) const {
      const unsigned lo = addr & (bus_bytes - 1);
      const unsigned hi = ((addr & ~uint64_t{size - 1}) & (bus_bytes - 1)) + size;  // exclusive
      return ((hi >= 32 ? ~0u : (1u << hi) - 1)) & ~((1u << lo) - 1);
    }
  };

  // Puts the current read beat on rdata: the whole bus word holding the beat's lanes (the
  // lanes above the port's width read 0). Straight from the DMI pointer when there is one:
  // this runs once per beat of every burst.
  void LoadBeat(AxiMasterPins& p) {
    const uint64_t base = rd_.addr & ~uint64_t{bus_bytes_ - 1};
    uint8_t resp = 0;
    if (DmiCovers(base)) {
      std::memcpy(p.rdata, dmi_ptr_ + (base - dmi_start_), bus_bytes_);
      if (bus_bytes_ < sizeof p.rdata) {
        std::memset(reinterpret_cast<uint8_t*>(p.rdata) + bus_bytes_, 0,
                    sizeof p.rdata - bus_bytes_);
      }
    } else {
      uint8_t word[kMaxBusBytes] = {};
      resp = Transport(tlm::TLM_READ_COMMAND, base, word, nullptr);
      std::memcpy(p.rdata, word, sizeof p.rdata);
    }
    p.rresp = resp;
    p.rvalid = true;
    p.rlast = rd_.beats_left == 1;
  }

  // Stores the strobed bytes of the current beat's lanes.
  void StoreBeat(const uint32_t (&data)[4], uint16_t strb_pins) {
    const uint64_t base = wr_.addr & ~uint64_t{bus_bytes_ - 1};
    const uint32_t strb = strb_pins & wr_.Lanes(bus_bytes_);
    if (strb == 0) return;  // a beat with no bytes to store: nothing to do, OKAY
    const uint32_t all = (1u << bus_bytes_) - 1;
    if (DmiCovers(base)) {
      uint8_t* mem = dmi_ptr_ + (base - dmi_start_);
      if (strb == all) {
        std::memcpy(mem, data, bus_bytes_);
      } else {
        const uint8_t* bytes = reinterpret_cast<const uint8_t*>(data);
        for (unsigned i = 0; i < bus_bytes_; ++i) {
          if (strb & (1u << i)) mem[i] = bytes[i];
        }
      }
      return;
    }
    uint8_t bytes[kMaxBusBytes];
    std::memcpy(bytes, data, sizeof bytes);
    uint8_t be[kMaxBusBytes];
    for (unsigned i = 0; i < bus_bytes_; ++i) {
      be[i] = (strb & (1u << i)) ? TLM_BYTE_ENABLED : TLM_BYTE_DISABLED;
    }
    const uint8_t resp = Transport(tlm::TLM_WRITE_COMMAND, base, bytes, be);
    if (resp != 0 && wr_.resp == 0) wr_.resp = resp;
  }

  // Without DMI, one b_transport per beat. The payload is the bridge's own, reused: a
  // tlm_generic_payload allocates its extension array when made, too dear per beat.
  uint8_t Transport(tlm::tlm_command cmd, uint64_t addr, uint8_t* data, uint8_t* be) {
    tlm::tlm_generic_payload& gp = gp_;
    gp.set_command(cmd);
    gp.set_address(addr);
    gp.set_data_ptr(data);
    gp.set_data_length(bus_bytes_);
    gp.set_streaming_width(bus_bytes_);
    gp.set_byte_enable_ptr(be);
    gp.set_byte_enable_length(be != nullptr ? bus_bytes_ : 0);
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    gp.set_dmi_allowed(false);
    memory_->b_transport(gp, delay);
    const uint8_t resp = TlmToAxi(gp.get_response_status());
    const bool dmi_allowed = gp.is_dmi_allowed();
    gp.set_data_ptr(nullptr);  // the caller's buffer is gone once this returns
    gp.set_byte_enable_ptr(nullptr);
    if (dmi_allowed && !dmi_tried_) TryDmi(addr);
    return resp;
  }

  // The one translation of TLM errors to AXI responses (libsystemctlm-soc convention).
  static uint8_t TlmToAxi(tlm::tlm_response_status status) {
    switch (status) {
      case tlm::TLM_OK_RESPONSE:
        return static_cast<uint8_t>(AxiResp::kOkay);
      case tlm::TLM_ADDRESS_ERROR_RESPONSE:
        return static_cast<uint8_t>(AxiResp::kDecErr);
      default:
        return static_cast<uint8_t>(AxiResp::kSlvErr);
    }
  }

  bool DmiCovers(uint64_t base) {
    if (dmi_ptr_ == nullptr && !dmi_tried_) TryDmi(base);
    return dmi_ptr_ != nullptr && base >= dmi_start_ && base + bus_bytes_ - 1 <= dmi_end_;
  }

  void TryDmi(uint64_t addr) {
    dmi_tried_ = true;
    tlm::tlm_generic_payload gp;
    gp.set_address(addr);
    gp.set_command(tlm::TLM_READ_COMMAND);
    tlm::tlm_dmi dmi;
    if (memory_->get_direct_mem_ptr(gp, dmi) && dmi.is_read_write_allowed()) {
      dmi_ptr_ = dmi.get_dmi_ptr();
      dmi_start_ = dmi.get_start_address();
      dmi_end_ = dmi.get_end_address();
    }
  }

  tlm::tlm_initiator_socket<>& memory_;
  const unsigned bus_bytes_;
  tlm::tlm_generic_payload gp_;  // Transport's
  Burst rd_, wr_;
  uint8_t* dmi_ptr_ = nullptr;
  uint64_t dmi_start_ = 0, dmi_end_ = 0;
  bool dmi_tried_ = false;
  uint64_t beats_read_ = 0, beats_written_ = 0;
};

}  // namespace pynq_remote::sim

#endif  // PYNQ_REMOTE_SIM_BRIDGES_AXI2TLM_BRIDGE_H_
