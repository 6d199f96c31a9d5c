// Tlm2AxiLiteBridge: TLM-2.0 generic payload in, AXI4-Lite master pins out (the s_axil_* shell
// port of the PL), cycle by cycle. Structure of libsystemctlm-soc's tlm2axilite-bridge.h.
//
// The PL is temporally decoupled: b_transport drives the pins and has the clock owner run the
// PL inline until the response handshake (or the timeout), adding the cycles to `delay`.
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

#include <tlm_utils/simple_target_socket.h>

#include <cstring>
#include <systemc>
#include <tlm>

#include "bridges/amba.h"
#include "device/mmio_access.h"
#include "pl/pl_design.h"

namespace pynq_remote::sim {

/// What the bridge needs from the owner of the PL clock.
class AxiLiteClock {
 public:
  virtual ~AxiLiteClock() = default;
  /// The pins, or null when no design is loaded.
  virtual AxiLitePins* AxiLitePinsOrNull() = 0;
  /// Runs PL cycles, calling Edge() each cycle, until it returns true or `max_cycles` pass.
  virtual uint64_t RunUntilBeatDone(uint64_t max_cycles) = 0;
  virtual sc_core::sc_time CyclePeriod() const = 0;
};

class Tlm2AxiLiteBridge : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<Tlm2AxiLiteBridge> tgt_socket;

  Tlm2AxiLiteBridge(sc_core::sc_module_name name, AxiLiteClock* clock)
      : sc_module(name), tgt_socket("tgt_socket"), clock_(clock) {
    tgt_socket.register_b_transport(this, &Tlm2AxiLiteBridge::BTransport);
  }

  void SetTimeoutCycles(uint64_t cycles) { timeout_cycles_ = cycles; }
  uint64_t timeout_cycles() const { return timeout_cycles_; }

  /// A new design (or reset): no transaction outstanding; the manager is always ready
  /// for responses (bready/rready high), which is legal AXI and drains late answers.
  void Reset(AxiLitePins& p) {
    p.awvalid = p.wvalid = p.arvalid = false;
    p.bready = p.rready = true;
    stale_b_ = stale_r_ = 0;
    kind_ = Kind::kNone;
  }

  /// Per clock edge: observes handshakes and sets what the manager drives next cycle.
  /// true when the beat in flight completed at this edge.
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
    if (done) kind_ = Kind::kNone;
    // waiting for an abandoned request to leave the channel before issuing a new one
    if (kind_ == Kind::kDrainRead && !p.arvalid) done = true;
    if (kind_ == Kind::kDrainWrite && !p.awvalid && !p.wvalid) done = true;
    if (done) kind_ = Kind::kNone;
    return done;
  }

  /// Responses still owed to abandoned transactions (reads, writes): for tests.
  unsigned stale_reads() const { return stale_r_; }
  unsigned stale_writes() const { return stale_b_; }

 private:
  // kDrain*: an abandoned request of that direction still holds VALID; wait for it.
  enum class Kind { kNone, kRead, kWrite, kDrainRead, kDrainWrite };

  // Runs until the channel is free of an abandoned request (at most `max_cycles`).
  // Returns false when it is still held.
  bool WaitForChannel(AxiLitePins& p, bool write, uint64_t max_cycles, uint64_t* cycles) {
    const bool held = write ? (p.awvalid || p.wvalid) : p.arvalid;
    if (!held) return true;
    kind_ = write ? Kind::kDrainWrite : Kind::kDrainRead;
    *cycles += clock_->RunUntilBeatDone(max_cycles);
    const bool freed = kind_ == Kind::kNone;
    kind_ = Kind::kNone;
    return freed;
  }

  // Bad input gets a response status, never an abort.
  bool Validate(tlm::tlm_generic_payload& gp) {
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

  void BTransport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    if (!Validate(gp)) return;
    AxiLitePins* p = clock_->AxiLitePinsOrNull();
    if (p == nullptr) {  // an empty PL decodes nothing
      gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return;
    }
    const unsigned len = gp.get_data_length();
    const uint64_t addr = gp.get_address();
    uint8_t* data = gp.get_data_ptr();
    const uint8_t* be = gp.get_byte_enable_ptr();
    const unsigned beats = len == 8 ? 2 : 1;
    const unsigned lane = static_cast<unsigned>(addr & 3);
    uint64_t cycles = 0;
    for (unsigned beat = 0; beat < beats; ++beat) {
      const unsigned bytes = len == 8 ? 4 : len;
      const uint32_t word_addr = static_cast<uint32_t>((addr & ~3ull) + 4 * beat);
      if (!WaitForChannel(*p, gp.is_write(), timeout_cycles_, &cycles)) {
        gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        delay += clock_->CyclePeriod() * static_cast<double>(cycles);
        return;
      }
      if (gp.is_write()) {
        uint32_t word = 0;
        uint8_t strb = 0;
        for (unsigned i = 0; i < bytes; ++i) {
          const unsigned k = 4 * beat + i;
          if (be != nullptr && be[k % gp.get_byte_enable_length()] != TLM_BYTE_ENABLED) continue;
          word |= static_cast<uint32_t>(data[k]) << (8 * (lane + i));
          strb |= 1u << (lane + i);
        }
        p->awaddr = word_addr;
        p->awvalid = true;
        p->wdata = word;
        p->wstrb = strb;
        p->wvalid = true;
        kind_ = Kind::kWrite;
      } else {
        p->araddr = word_addr;
        p->arvalid = true;
        kind_ = Kind::kRead;
      }
      const uint64_t ran = clock_->RunUntilBeatDone(timeout_cycles_);
      cycles += ran;
      if (kind_ != Kind::kNone) {
        // No answer: give up on it, but not on the wires. A slave may commit to a request
        // in the very cycle its READY rises, so a VALID withdrawn before the handshake
        // could still earn a response that would then be taken for the next access's.
        // VALID stays up until the handshake and the response is owed either way.
        if (kind_ == Kind::kWrite) {
          ++stale_b_;
        } else {
          ++stale_r_;
        }
        kind_ = Kind::kNone;
        gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        delay += clock_->CyclePeriod() * static_cast<double>(cycles);
        return;
      }
      if (resp_ != static_cast<uint8_t>(AxiResp::kOkay)) {
        gp.set_response_status(AxiToTlm(resp_));
        delay += clock_->CyclePeriod() * static_cast<double>(cycles);
        return;
      }
      if (gp.is_read()) {
        for (unsigned i = 0; i < bytes; ++i)
          data[4 * beat + i] = (rdata_ >> (8 * (lane + i))) & 0xFF;
      }
    }
    delay += clock_->CyclePeriod() * static_cast<double>(cycles);
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
  }

  AxiLiteClock* clock_;
  uint64_t timeout_cycles_ = 100000;
  Kind kind_ = Kind::kNone;
  uint8_t resp_ = 0;
  uint32_t rdata_ = 0;
  unsigned stale_b_ = 0;  // write responses owed to transactions that timed out
  unsigned stale_r_ = 0;  // read responses owed likewise
};

}  // namespace pynq_remote::sim

#endif  // PYNQ_REMOTE_SIM_BRIDGES_TLM2AXILITE_BRIDGE_H_
