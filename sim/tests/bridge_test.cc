// The bridges back to back into the DDR model: TLM -> Tlm2AxiLiteBridge -> AXI4-Lite pins ->
// (wires: AXI4-Lite is AXI4 with single 32-bit beats) -> Axi2TlmBridge -> DdrMemory, with a
// protocol checker on the pins and the traffic as a Write/Read/Expect list.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "board/board_top.h"
#include "bridges/axi2tlm_bridge.h"
#include "bridges/tlm2axilite_bridge.h"
#include "memory/ddr_memory.h"

namespace pynq_remote::sim {
namespace {

// Valid must stay high with a stable payload until ready (AXI A3.2.1).
class AxiChecker {
 public:
  void Observe(const AxiMasterPins& p) {
    if (have_prev_) {
      if (prev_.awvalid && !prev_.awready && !(p.awvalid && p.awaddr == prev_.awaddr)) ++errors_;
      if (prev_.arvalid && !prev_.arready && !(p.arvalid && p.araddr == prev_.araddr)) ++errors_;
      if (prev_.wvalid && !prev_.wready && !(p.wvalid && p.wdata == prev_.wdata)) ++errors_;
      if (prev_.rvalid && !prev_.rready && !(p.rvalid && p.rdata == prev_.rdata)) ++errors_;
      if (prev_.bvalid && !prev_.bready && !p.bvalid) ++errors_;
    }
    prev_ = p;
    have_prev_ = true;
  }
  int errors() const { return errors_; }

 private:
  AxiMasterPins prev_;
  bool have_prev_ = false;
  int errors_ = 0;
};

class BridgeBench : public sc_core::sc_module, public AxiLiteClock {
 public:
  static constexpr uint64_t kMemSize = 1 << 20;
  SparseStore store{kMemSize};
  DdrMemory ddr{"ddr"};
  Tlm2AxiLiteBridge lite{"lite", this};
  Axi2TlmBridge axi{"axi"};
  tlm_utils::simple_initiator_socket<BridgeBench> host{"host"};
  ShellPins pins;
  AxiChecker checker;
  uint64_t cycles = 0;
  // a burst master, for the AXI4 tests: when set, drives m_axi instead of the wires
  std::function<void(AxiMasterPins&)> master;

  explicit BridgeBench(sc_core::sc_module_name name) : sc_module(name) {
    host.bind(lite.tgt_socket);
    axi.init_socket.bind(ddr.socket);
    ddr.SetStore(&store);
    lite.Reset(pins.s_axil);
    axi.Reset(pins.m_axi);
  }

  AxiLitePins* AxiLitePinsOrNull() override { return &pins.s_axil; }
  sc_core::sc_time CyclePeriod() const override { return sc_core::sc_time(10, sc_core::SC_NS); }
  uint64_t RunUntilBeatDone(uint64_t max_cycles) override {
    for (uint64_t c = 1; c <= max_cycles; ++c) {
      if (Cycle()) return c;
    }
    return max_cycles;
  }

  bool Cycle() {
    ++cycles;
    AxiLitePins& l = pins.s_axil;
    AxiMasterPins& m = pins.m_axi;
    if (master) {
      master(m);
    } else {
      // the wires: AXI4-Lite manager -> AXI4 subordinate (32-bit lane of the 64-bit bus)
      const unsigned wlane = (l.awaddr & 4) ? 32 : 0, rlane = (l.araddr & 4) ? 32 : 0;
      m.awaddr = l.awaddr;
      m.awlen = 0;
      m.awsize = 2;
      m.awburst = 1;
      m.awvalid = l.awvalid;
      m.wdata = static_cast<uint64_t>(l.wdata) << wlane;
      m.wstrb = static_cast<uint8_t>(l.wstrb << (wlane / 8));
      m.wlast = true;
      m.wvalid = l.wvalid;
      m.bready = l.bready;
      m.araddr = l.araddr;
      m.arlen = 0;
      m.arsize = 2;
      m.arburst = 1;
      m.arvalid = l.arvalid;
      m.rready = l.rready;
      l.awready = m.awready;
      l.wready = m.wready;
      l.bvalid = m.bvalid;
      l.bresp = m.bresp;
      l.arready = m.arready;
      l.rvalid = m.rvalid;
      l.rresp = m.rresp;
      l.rdata = static_cast<uint32_t>(m.rdata >> rlane);
    }
    checker.Observe(m);
    axi.Edge(m);
    return master ? false : lite.Edge(l);
  }

  tlm::tlm_response_status Access(bool write, uint64_t addr, unsigned len, uint64_t* value) {
    tlm::tlm_generic_payload gp;
    uint8_t data[8] = {};
    std::memcpy(data, value, len);
    gp.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    gp.set_address(addr);
    gp.set_data_ptr(data);
    gp.set_data_length(len);
    gp.set_streaming_width(len);
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    host->b_transport(gp, delay);
    *value = 0;
    std::memcpy(value, data, len);
    return gp.get_response_status();
  }
};

// Elaborated with the board, before its first sc_start (there is one SystemC kernel per
// process; multi-sockets bind at the end of elaboration).
BridgeBench& Bench() {
  static BridgeBench* bench = [] {
    auto* b = new BridgeBench("bridge_bench");
    BoardTop::Get();
    return b;
  }();
  return *bench;
}
[[maybe_unused]] BridgeBench& g_elaborate_early = Bench();

struct Traffic {
  enum { kWrite, kRead } kind;
  uint64_t addr;
  unsigned len;
  uint64_t value;  // written, or expected
  tlm::tlm_response_status status = tlm::TLM_OK_RESPONSE;
};

TEST(Bridges, AxiLiteBackToBackIntoDdr) {
  BridgeBench& b = Bench();
  const std::vector<Traffic> traffic = {
      {Traffic::kWrite, 0x100, 4, 0xDEADBEEF},
      {Traffic::kRead, 0x100, 4, 0xDEADBEEF},
      {Traffic::kWrite, 0x104, 4, 0x01234567},
      {Traffic::kRead, 0x100, 8, 0x01234567DEADBEEFull},
      {Traffic::kWrite, 0x101, 1, 0xAA},
      {Traffic::kRead, 0x100, 4, 0xDEADAAEF},
      {Traffic::kWrite, 0x106, 2, 0x5555},
      {Traffic::kRead, 0x104, 4, 0x55554567},
      {Traffic::kRead, 0x106, 2, 0x5555},
      {Traffic::kWrite, 0x208, 8, 0x1122334455667788ull},
      {Traffic::kRead, 0x20C, 4, 0x11223344},
      {Traffic::kRead, 0x208, 1, 0x88},
      {Traffic::kWrite, BridgeBench::kMemSize, 4, 1, tlm::TLM_ADDRESS_ERROR_RESPONSE},
      {Traffic::kRead, BridgeBench::kMemSize + 8, 4, 0, tlm::TLM_ADDRESS_ERROR_RESPONSE},
      {Traffic::kRead, 0x102, 4, 0, tlm::TLM_BURST_ERROR_RESPONSE},  // unaligned: refused
  };
  for (const Traffic& t : traffic) {
    uint64_t value = t.value;
    const tlm::tlm_response_status status =
        b.Access(t.kind == Traffic::kWrite, t.addr, t.len, &value);
    EXPECT_EQ(status, t.status) << std::hex << t.addr;
    if (t.kind == Traffic::kRead && t.status == tlm::TLM_OK_RESPONSE) {
      EXPECT_EQ(value, t.value) << std::hex << t.addr;
    }
  }
  uint32_t word;
  std::memcpy(&word, b.store.data() + 0x100, 4);
  EXPECT_EQ(word, 0xDEADAAEFu);
  EXPECT_EQ(b.checker.errors(), 0);
}

// An AXI4 burst master: 16-beat INCR write then read at one beat per cycle.
TEST(Bridges, Axi4BurstsSustainOneBeatPerCycle) {
  BridgeBench& b = Bench();
  const uint64_t base = 0x3000;
  enum { kAw, kW, kB, kAr, kR, kDone } state = kAw;
  unsigned beat = 0;
  std::vector<uint64_t> got;
  uint64_t first_w = 0, last_w = 0, first_r = 0, last_r = 0;
  b.master = [&](AxiMasterPins& m) {
    // what the master drives this cycle, from the handshakes of the previous edge
    m.awvalid = state == kAw;
    m.awaddr = base;
    m.awlen = 15;
    m.awsize = 3;
    m.awburst = 1;
    m.wvalid = state == kW;
    m.wdata = 0x1000 + beat;
    m.wstrb = 0xFF;
    m.wlast = beat == 15;
    m.bready = state == kB;
    m.arvalid = state == kAr;
    m.araddr = base;
    m.arlen = 15;
    m.arsize = 3;
    m.arburst = 1;
    m.rready = state == kR;
    // the edge: what moves now
    if (state == kAw && m.awready)
      state = kW, beat = 0;
    else if (state == kW && m.wready) {
      if (beat == 0) first_w = b.cycles;
      last_w = b.cycles;
      if (++beat == 16) state = kB;
    } else if (state == kB && m.bvalid)
      state = kAr;
    else if (state == kAr && m.arready)
      state = kR;
    else if (state == kR && m.rvalid) {
      if (got.empty()) first_r = b.cycles;
      last_r = b.cycles;
      got.push_back(m.rdata);
      EXPECT_EQ(m.rlast, got.size() == 16);
      if (got.size() == 16) state = kDone;
    }
  };
  for (int i = 0; i < 100 && state != kDone; ++i) b.Cycle();
  b.master = nullptr;
  ASSERT_EQ(got.size(), 16u);
  for (unsigned i = 0; i < 16; ++i) EXPECT_EQ(got[i], 0x1000u + i);
  EXPECT_EQ(last_w - first_w, 15u);  // 16 beats in 16 cycles
  EXPECT_EQ(last_r - first_r, 15u);
  EXPECT_EQ(b.checker.errors(), 0);
  b.axi.Reset(b.pins.m_axi);
}

}  // namespace
}  // namespace pynq_remote::sim
