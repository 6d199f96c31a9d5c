// Axi2TlmBridge: the PL's AXI4 master pins (m_axi_*, 64-bit data) in, TLM-2.0 out into DDR.
// Structure of libsystemctlm-soc's axi2tlm-bridge.h, our own code. Driven once per clock edge
// by the owner of the PL clock (Edge()), so a burst moves one beat per cycle: the read data
// channel stays valid beat after beat, the write data channel stays ready for the whole burst.
// Memory is reached through DMI when the target grants it, else b_transport per beat.
// INCR and FIXED bursts (WRAP is treated as INCR); a TLM error becomes the AXI response
// (address error -> DECERR, others -> SLVERR) of every beat concerned.
#ifndef PYNQ_REMOTE_SIM_BRIDGES_AXI2TLM_BRIDGE_H_
#define PYNQ_REMOTE_SIM_BRIDGES_AXI2TLM_BRIDGE_H_

#include <tlm_utils/simple_initiator_socket.h>

#include <cstring>
#include <systemc>
#include <tlm>

#include "bridges/amba.h"

namespace pynq_remote::sim {

class Axi2TlmBridge : public sc_core::sc_module {
 public:
  static constexpr unsigned kBusBytes = 8;

  tlm_utils::simple_initiator_socket<Axi2TlmBridge> init_socket;

  explicit Axi2TlmBridge(sc_core::sc_module_name name)
      : sc_module(name), init_socket("init_socket") {
    init_socket.register_invalidate_direct_mem_ptr(this, &Axi2TlmBridge::InvalidateDmi);
  }

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
      rd_.Start(p.araddr, p.arlen, p.arsize, p.arburst);
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
      uint64_t wdata;
      std::memcpy(&wdata, p.wdata, kBusBytes);
      StoreBeat(wdata, static_cast<uint8_t>(p.wstrb));
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
      wr_.Start(p.awaddr, p.awlen, p.awsize, p.awburst);
      p.awready = false;
      p.wready = true;
    }
  }

 private:
  struct Burst {
    uint64_t addr = 0;
    unsigned size = kBusBytes;
    uint8_t burst = 1;
    unsigned beats_left = 0;
    uint8_t resp = 0;
    bool awaiting_b = false;
    void Start(uint64_t a, uint8_t len, uint8_t size_log2, uint8_t kind) {
      addr = a;
      size = 1u << (size_log2 & 7);
      if (size > kBusBytes) size = kBusBytes;
      burst = kind;
      beats_left = len + 1u;
      resp = 0;
      awaiting_b = false;
    }
    void Step() {
      if (burst != static_cast<uint8_t>(AxiBurst::kFixed))
        addr = (addr & ~uint64_t{size - 1}) + size;
    }
  };

  // Puts the current read beat on rdata (the whole bus word holding the beat's lanes).
  void LoadBeat(AxiMasterPins& p) {
    const uint64_t base = rd_.addr & ~uint64_t{kBusBytes - 1};
    uint64_t word = 0;
    uint8_t resp = 0;
    if (DmiCovers(base)) {
      std::memcpy(&word, dmi_ptr_ + (base - dmi_start_), kBusBytes);
    } else {
      resp = Transport(tlm::TLM_READ_COMMAND, base, reinterpret_cast<uint8_t*>(&word), nullptr);
    }
    std::memcpy(p.rdata, &word, kBusBytes);
    p.rresp = resp;
    p.rvalid = true;
    p.rlast = rd_.beats_left == 1;
  }

  void StoreBeat(uint64_t data, uint8_t strb) {
    const uint64_t base = wr_.addr & ~uint64_t{kBusBytes - 1};
    const uint8_t* bytes = reinterpret_cast<const uint8_t*>(&data);
    if (DmiCovers(base)) {
      uint8_t* mem = dmi_ptr_ + (base - dmi_start_);
      if (strb == 0xFF) {
        std::memcpy(mem, bytes, kBusBytes);
      } else {
        for (unsigned i = 0; i < kBusBytes; ++i) {
          if (strb & (1u << i)) mem[i] = bytes[i];
        }
      }
      return;
    }
    uint8_t be[kBusBytes];
    for (unsigned i = 0; i < kBusBytes; ++i) {
      be[i] = (strb & (1u << i)) ? TLM_BYTE_ENABLED : TLM_BYTE_DISABLED;
    }
    uint8_t copy[kBusBytes];
    std::memcpy(copy, bytes, kBusBytes);
    const uint8_t resp = Transport(tlm::TLM_WRITE_COMMAND, base, copy, be);
    if (resp != 0 && wr_.resp == 0) wr_.resp = resp;
  }

  uint8_t Transport(tlm::tlm_command cmd, uint64_t addr, uint8_t* data, uint8_t* be) {
    tlm::tlm_generic_payload gp;
    gp.set_command(cmd);
    gp.set_address(addr);
    gp.set_data_ptr(data);
    gp.set_data_length(kBusBytes);
    gp.set_streaming_width(kBusBytes);
    gp.set_byte_enable_ptr(be);
    gp.set_byte_enable_length(be != nullptr ? kBusBytes : 0);
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    init_socket->b_transport(gp, delay);
    if (gp.is_dmi_allowed() && !dmi_tried_) TryDmi(addr);
    return gp.get_response_status() == tlm::TLM_OK_RESPONSE ? 0
                                                            : TlmToAxi(gp.get_response_status());
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
    return dmi_ptr_ != nullptr && base >= dmi_start_ && base + kBusBytes - 1 <= dmi_end_;
  }

  void TryDmi(uint64_t addr) {
    dmi_tried_ = true;
    tlm::tlm_generic_payload gp;
    gp.set_address(addr);
    gp.set_command(tlm::TLM_READ_COMMAND);
    tlm::tlm_dmi dmi;
    if (init_socket->get_direct_mem_ptr(gp, dmi) && dmi.is_read_write_allowed()) {
      dmi_ptr_ = dmi.get_dmi_ptr();
      dmi_start_ = dmi.get_start_address();
      dmi_end_ = dmi.get_end_address();
    }
  }

  void InvalidateDmi(sc_dt::uint64, sc_dt::uint64) {
    dmi_ptr_ = nullptr;
    dmi_tried_ = false;
  }

  Burst rd_, wr_;
  uint8_t* dmi_ptr_ = nullptr;
  uint64_t dmi_start_ = 0, dmi_end_ = 0;
  bool dmi_tried_ = false;
  uint64_t beats_read_ = 0, beats_written_ = 0;
};

}  // namespace pynq_remote::sim

#endif  // PYNQ_REMOTE_SIM_BRIDGES_AXI2TLM_BRIDGE_H_
