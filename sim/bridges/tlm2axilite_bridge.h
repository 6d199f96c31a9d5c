// Tlm2AxiLiteBridge: a TLM-2.0 generic payload in, AXI4-Lite manager pins out (the s_axil_*
// shell port of the PL), cycle by cycle. Protocol of libsystemctlm-soc's tlm2axilite-bridge.h.
//
// The PL is temporally decoupled and the bridge has no clock of its own: the owner of the PL
// clock (PlSocket) takes the b_transport, hands the payload to Begin() and then calls Edge()
// once per clock edge, running the PL inline until Edge() reports the transaction finished;
// the cycles it ran are the payload's delay. The bridge never calls back into its owner.
// Responses: SLVERR -> TLM_GENERIC_ERROR_RESPONSE, DECERR -> TLM_ADDRESS_ERROR_RESPONSE, no
// answer within the timeout -> TLM_INCOMPLETE_RESPONSE (the initiator reports a timeout).
// 8-byte accesses are two 32-bit beats, low word first; 1/2-byte writes use WSTRB.
//
// An abandoned transaction (timed out) stays on the wires as AXI requires: a VALID already
// raised is held until its handshake (A3.2.1), and its response, whenever the slave sends
// it, is counted off and dropped. AXI4-Lite has no IDs, so responses come back in request
// order per direction and that count is exact; a later access on the same channel first
// waits (within its own timeout) for the abandoned request's handshake. Only a new design
// or a PL reset (Reset) forgets what is owed.
#ifndef PYNQ_REMOTE_SIM_BRIDGES_TLM2AXILITE_BRIDGE_H_
#define PYNQ_REMOTE_SIM_BRIDGES_TLM2AXILITE_BRIDGE_H_

#include <tlm>

#include "bridges/amba.h"
#include "device/mmio_access.h"

namespace pynq_remote::sim {

class Tlm2AxiLiteBridge {
 public:
  void SetTimeoutCycles(uint64_t cycles) { timeout_cycles_ = cycles; }
  uint64_t timeout_cycles() const { return timeout_cycles_; }

  /// A new design (or reset): no transaction outstanding; the manager is always ready
  /// for responses (bready/rready high), which is legal AXI and drains late answers.
  void Reset(AxiLitePins& p) {
    p.awvalid = p.wvalid = p.arvalid = false;
    p.bready = p.rready = true;
    stale_b_ = stale_r_ = 0;
    kind_ = Kind::kNone;
    gp_ = nullptr;
  }

  /// Starts `gp` on `p` (null: no design on the pins, which decode nothing). true: the
  /// transaction is in flight, clock Edge() until it returns true. false: it is finished
  /// already (bad input, no design, a zero timeout) and no cycle is needed.
  bool Begin(tlm::tlm_generic_payload& gp, AxiLitePins* p) {
    if (!Validate(gp)) return false;
    if (p == nullptr) {
      gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return false;
    }
    gp_ = &gp;
    beat_ = 0;
    return StartWait(*p);
  }

  /// Per clock edge: observes handshakes and sets what the manager drives next cycle.
  /// true when the transaction begun finished at this edge (its response status is set).
  bool Edge(AxiLitePins& p) {
    bool done = false;
    // write address / write data channels: drop valid once accepted
    if (p.awvalid && p.awready) p.awvalid = false;
    if (p.wvalid && p.wready) p.wvalid = false;
    // write response channel
    if (p.bvalid && p.bready) {
      if (stale_b_ > 0) {
        --stale_b_;
      } else if (kind_ == Kind::kWrite) {
        resp_ = p.bresp;
        done = true;
      }
    }
    // read address channel
    if (p.arvalid && p.arready) p.arvalid = false;
    // read data channel
    if (p.rvalid && p.rready) {
      if (stale_r_ > 0) {
        --stale_r_;
      } else if (kind_ == Kind::kRead) {
        rdata_ = p.rdata;
        resp_ = p.rresp;
        done = true;
      }
    }
    // waiting for an abandoned request to leave the channel before issuing a new one
    if (kind_ == Kind::kDrainRead && !p.arvalid) done = true;
    if (kind_ == Kind::kDrainWrite && !p.awvalid && !p.wvalid) done = true;
    if (gp_ == nullptr) return false;  // only stale responses to count off
    if (done) return WaitDone(p);
    if (++wait_cycles_ >= timeout_cycles_) {
      Abandon();
      return true;
    }
    return false;
  }

  /// True from Begin() until the transaction finishes.
  bool in_flight() const { return gp_ != nullptr; }
  /// Cycles the current wait (a channel drain or a beat's response) has lasted so far.
  uint64_t wait_cycles() const { return wait_cycles_; }
  /// Ends the transaction in flight now, as its timeout would (the owner is stopping).
  void Abandon() {
    // No answer: give up on it, but not on the wires. A slave may commit to a request in
    // the very cycle its READY rises, so a VALID withdrawn before the handshake could still
    // earn a response that would then be taken for the next access's. VALID stays up until
    // the handshake and the response is owed either way. A drain owes nothing.
    if (kind_ == Kind::kWrite) ++stale_b_;
    if (kind_ == Kind::kRead) ++stale_r_;
    Finish(tlm::TLM_INCOMPLETE_RESPONSE);
  }

  /// Responses still owed to abandoned transactions (reads, writes): for tests.
  unsigned stale_reads() const { return stale_r_; }
  unsigned stale_writes() const { return stale_b_; }

 private:
  // kDrain*: an abandoned request of that direction still holds VALID; wait for it.
  enum class Kind { kNone, kRead, kWrite, kDrainRead, kDrainWrite };

  // Bad input gets a response status, never an abort.
  static bool Validate(tlm::tlm_generic_payload& gp) {
    const unsigned len = gp.get_data_length();
    const uint64_t addr = gp.get_address();
    // The one MMIO shape check (device/mmio_access.h), answered as the bus would.
    if (!IsMmioShape(addr, len) ||
        (gp.get_streaming_width() != 0 && gp.get_streaming_width() < len)) {
      gp.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
      return false;
    }
    if (!gp.is_read() && !gp.is_write()) {
      gp.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
      return false;
    }
    return true;
  }

  static tlm::tlm_response_status AxiToTlm(uint8_t resp) {
    switch (static_cast<AxiResp>(resp & 3)) {
      case AxiResp::kSlvErr:
        return tlm::TLM_GENERIC_ERROR_RESPONSE;
      case AxiResp::kDecErr:
        return tlm::TLM_ADDRESS_ERROR_RESPONSE;
      default:
        return tlm::TLM_OK_RESPONSE;
    }
  }

  unsigned len() const { return gp_->get_data_length(); }
  unsigned beats() const { return len() == 8 ? 2 : 1; }
  unsigned beat_bytes() const { return len() == 8 ? 4 : len(); }
  unsigned lane() const { return static_cast<unsigned>(gp_->get_address() & 3); }

  // Starts the current beat's next wait: for the channel to be free of an abandoned request,
  // else for the response to the beat's request, which it drives. Each wait has the whole
  // timeout. false: the transaction is finished (a zero timeout ends it at once).
  bool StartWait(AxiLitePins& p) {
    wait_cycles_ = 0;
    const bool write = gp_->is_write();
    if (write ? (p.awvalid || p.wvalid) : p.arvalid) {
      kind_ = write ? Kind::kDrainWrite : Kind::kDrainRead;
    } else {
      Drive(p);
    }
    if (timeout_cycles_ > 0) return true;
    Abandon();
    return false;
  }

  // Puts the current beat's request on the channel.
  void Drive(AxiLitePins& p) {
    const uint32_t word_addr = static_cast<uint32_t>((gp_->get_address() & ~3ull) + 4 * beat_);
    if (gp_->is_write()) {
      const uint8_t* data = gp_->get_data_ptr();
      const uint8_t* be = gp_->get_byte_enable_ptr();
      uint32_t word = 0;
      uint8_t strb = 0;
      for (unsigned i = 0; i < beat_bytes(); ++i) {
        const unsigned k = 4 * beat_ + i;
        if (be != nullptr && be[k % gp_->get_byte_enable_length()] != TLM_BYTE_ENABLED) continue;
        word |= static_cast<uint32_t>(data[k]) << (8 * (lane() + i));
        strb |= 1u << (lane() + i);
      }
      p.awaddr = word_addr;
      p.awvalid = true;
      p.wdata = word;
      p.wstrb = strb;
      p.wvalid = true;
      kind_ = Kind::kWrite;
    } else {
      p.araddr = word_addr;
      p.arvalid = true;
      kind_ = Kind::kRead;
    }
  }

  // The current wait ended at this edge: the channel is free, or the beat has its response
  // (which ends the transaction on an error or the last beat). Then the next wait starts.
  bool WaitDone(AxiLitePins& p) {
    const bool drained = kind_ == Kind::kDrainRead || kind_ == Kind::kDrainWrite;
    kind_ = Kind::kNone;
    if (!drained) {
      if (resp_ != static_cast<uint8_t>(AxiResp::kOkay)) {
        Finish(AxiToTlm(resp_));
        return true;
      }
      if (gp_->is_read()) {
        uint8_t* data = gp_->get_data_ptr();
        for (unsigned i = 0; i < beat_bytes(); ++i)
          data[4 * beat_ + i] = (rdata_ >> (8 * (lane() + i))) & 0xFF;
      }
      if (++beat_ == beats()) {
        Finish(tlm::TLM_OK_RESPONSE);
        return true;
      }
    }
    return !StartWait(p);
  }

  void Finish(tlm::tlm_response_status status) {
    kind_ = Kind::kNone;
    gp_->set_response_status(status);
    gp_ = nullptr;
  }

  uint64_t timeout_cycles_ = 100000;
  tlm::tlm_generic_payload* gp_ = nullptr;  // the transaction in flight, or null
  unsigned beat_ = 0;                       // its current 32-bit beat
  uint64_t wait_cycles_ = 0;                // cycles its current wait has lasted
  Kind kind_ = Kind::kNone;
  uint8_t resp_ = 0;
  uint32_t rdata_ = 0;
  unsigned stale_b_ = 0;  // write responses owed to transactions that timed out
  unsigned stale_r_ = 0;  // read responses owed likewise
};

}  // namespace pynq_remote::sim

#endif  // PYNQ_REMOTE_SIM_BRIDGES_TLM2AXILITE_BRIDGE_H_
