// The bridges back to back into the DDR model: TLM -> Tlm2AxiLiteBridge -> AXI4-Lite pins ->
// (wires: AXI4-Lite is AXI4 with single 32-bit beats) -> Axi2TlmBridge -> DdrMemory, with a
// protocol checker on the pins and the traffic as a Write/Read/Expect list.
#include <gtest/gtest.h>

#include <cstring>
#include <deque>
#include <map>
#include <vector>

#include "board/board_top.h"
#include "bridges/axi2tlm_bridge.h"
#include "bridges/tlm2axilite_bridge.h"
#include "memory/ddr_memory.h"

namespace pynq_remote::sim {
namespace {

// The low 64 bits of a pins data word array, and back.
uint64_t Lo64(const uint32_t (&w)[4]) { return w[0] | static_cast<uint64_t>(w[1]) << 32; }
void SetLo64(uint32_t (&w)[4], uint64_t v) {
  w[0] = static_cast<uint32_t>(v);
  w[1] = static_cast<uint32_t>(v >> 32);
  w[2] = w[3] = 0;
}
bool SameData(const uint32_t (&a)[4], const uint32_t (&b)[4]) {
  return std::memcmp(a, b, sizeof a) == 0;
}

// Valid must stay high with a stable payload until ready (AXI A3.2.1).
class AxiChecker {
 public:
  void Observe(const AxiMasterPins& p) {
    if (have_prev_) {
      if (prev_.awvalid && !prev_.awready && !(p.awvalid && p.awaddr == prev_.awaddr)) ++errors_;
      if (prev_.arvalid && !prev_.arready && !(p.arvalid && p.araddr == prev_.araddr)) ++errors_;
      if (prev_.wvalid && !prev_.wready && !(p.wvalid && SameData(p.wdata, prev_.wdata))) ++errors_;
      if (prev_.rvalid && !prev_.rready && !(p.rvalid && SameData(p.rdata, prev_.rdata))) ++errors_;
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

// The same rule on the AXI4-Lite side of the bridge: a raised VALID waits for its READY.
class AxiLiteChecker {
 public:
  void Observe(const AxiLitePins& p) {
    if (have_prev_) {
      if (prev_.awvalid && !prev_.awready && !(p.awvalid && p.awaddr == prev_.awaddr)) ++errors_;
      if (prev_.wvalid && !prev_.wready && !(p.wvalid && p.wdata == prev_.wdata)) ++errors_;
      if (prev_.arvalid && !prev_.arready && !(p.arvalid && p.araddr == prev_.araddr)) ++errors_;
    }
    prev_ = p;
    have_prev_ = true;
  }
  int errors() const { return errors_; }
  /// A reset may drop VALID: start over.
  void Forget() { have_prev_ = false, errors_ = 0; }

 private:
  AxiLitePins prev_;
  bool have_prev_ = false;
  int errors_ = 0;
};

// An AXI4-Lite slave with scripted latencies, one transaction per direction at a time, in
// the style of the designs' front ends (ref_accel, gen_top.py): it commits to a request at
// the edge where it raises READY, before the handshake. A read answers 0x5A000000 | address;
// writes land in `memory`. Each request takes the next Delays from its script (none: 0/0).
class ScriptedLiteSlave {
 public:
  static constexpr uint64_t kNever = ~0ull;
  struct Delays {
    uint64_t accept = 0;  // cycles VALID is seen before READY rises (kNever: it never does)
    uint64_t answer = 0;  // cycles from acceptance to the response
  };
  std::deque<Delays> read_script, write_script;
  std::map<uint32_t, uint32_t> memory;
  int reads_accepted = 0, writes_accepted = 0;

  static uint32_t ReadValue(uint32_t addr) { return 0x5A000000u | (addr & 0xFFFFFF); }

  // What the slave drives this cycle, from its registered state.
  void Drive(AxiLitePins& p) const {
    p.arready = arready_;
    p.rvalid = rvalid_;
    p.rdata = rdata_;
    p.rresp = 0;
    p.awready = p.wready = awready_;
    p.bvalid = bvalid_;
    p.bresp = 0;
  }
  // The rising edge: samples what the bridge drives now, before the bridge's own Edge.
  void Edge(const AxiLitePins& p) {
    if (rvalid_ && p.rready) rvalid_ = false;
    if (bvalid_ && p.bready) bvalid_ = false;
    arready_ = awready_ = false;  // one-cycle pulses
    Step(p.arvalid, p.araddr, 0, read_script, &read_, &reads_accepted);
    Step(p.awvalid && p.wvalid, p.awaddr, p.wdata, write_script, &write_, &writes_accepted);
  }

 private:
  struct Channel {
    bool busy = false;  // accepted, not answered yet
    uint64_t seen = 0, left = 0;
    uint32_t addr = 0, data = 0;
  };

  void Step(bool valid, uint32_t addr, uint32_t data, std::deque<Delays>& script, Channel* c,
            int* accepted) {
    const bool is_read = c == &read_;
    if (c->busy) {
      if (c->left > 0) {
        --c->left;
      } else if (is_read) {
        rvalid_ = true;
        rdata_ = ReadValue(c->addr);
        c->busy = false;
      } else {
        memory[c->addr] = c->data;
        bvalid_ = true;
        c->busy = false;
      }
      return;
    }
    if (!valid || (is_read ? rvalid_ : bvalid_)) return;
    const Delays d = script.empty() ? Delays{} : script.front();
    if (d.accept == kNever || c->seen++ < d.accept) return;
    if (!script.empty()) script.pop_front();
    (is_read ? arready_ : awready_) = true;
    *c = Channel{true, 0, d.answer, addr, data};
    ++*accepted;
  }

  Channel read_, write_;
  bool arready_ = false, awready_ = false, rvalid_ = false, bvalid_ = false;
  uint32_t rdata_ = 0;
};

// Clocks the bridges as PlSocket does: the bench owns the clock loop and drives both bridges
// once per edge; an access runs cycles until the AXI4-Lite bridge says it is finished.
class BridgeBench : public sc_core::sc_module {
 public:
  static constexpr uint64_t kMemSize = 1 << 20;
  SparseStore store{kMemSize};
  DdrMemory ddr{"ddr"};
  Tlm2AxiLiteBridge lite;
  Axi2TlmBridge axi{"axi"};
  ShellPins pins;
  AxiChecker checker;
  uint64_t cycles = 0;
  // a burst master, for the AXI4 tests: when set, drives m_axi instead of the wires
  std::function<void(AxiMasterPins&)> master;
  // an AXI4-Lite slave, for the timeout tests: when set, answers the bridge instead
  ScriptedLiteSlave* lite_slave = nullptr;
  AxiLiteChecker lite_checker;

  explicit BridgeBench(sc_core::sc_module_name name) : sc_module(name) {
    axi.init_socket.bind(ddr.socket);
    ddr.SetStore(&store);
    lite.Reset(pins.s_axil);
    pins.m_axi.resize(1);
    axi.Reset(pins.m_axi[0]);
  }

  bool Cycle() {
    ++cycles;
    AxiLitePins& l = pins.s_axil;
    AxiMasterPins& m = pins.m_axi[0];
    if (lite_slave != nullptr) {
      lite_slave->Drive(l);
      lite_checker.Observe(l);
      lite_slave->Edge(l);
      return lite.Edge(l);
    }
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
      SetLo64(m.wdata, static_cast<uint64_t>(l.wdata) << wlane);
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
      l.rdata = static_cast<uint32_t>(Lo64(m.rdata) >> rlane);
    }
    checker.Observe(m);
    axi.Edge(m);
    return master ? false : lite.Edge(l);
  }

  // One access, as PlSocket's b_transport runs it.
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
    if (lite.Begin(gp, &pins.s_axil)) {
      while (!Cycle()) {
      }
    }
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
    SetLo64(m.wdata, 0x1000 + beat);
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
      got.push_back(Lo64(m.rdata));
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
  b.axi.Reset(b.pins.m_axi[0]);
}

// The timeout cases run against ScriptedLiteSlave with a short timeout; the fixture puts
// the shared bench back as the other tests expect it.
class AbandonedTransactions : public ::testing::Test {
 protected:
  static constexpr uint64_t kTimeout = 50;
  void SetUp() override {
    b_.lite_slave = &slave_;
    b_.lite.SetTimeoutCycles(kTimeout);
    b_.lite.Reset(b_.pins.s_axil);
    b_.lite_checker.Forget();
  }
  void TearDown() override {
    EXPECT_EQ(b_.lite_checker.errors(), 0) << "a VALID was withdrawn before its handshake";
    b_.lite_slave = nullptr;
    b_.lite.SetTimeoutCycles(saved_timeout_);
    b_.lite.Reset(b_.pins.s_axil);
    b_.pins.s_axil = AxiLitePins{};
    b_.lite.Reset(b_.pins.s_axil);
  }
  tlm::tlm_response_status Read(uint32_t addr, uint64_t* value) {
    *value = 0;
    return b_.Access(false, addr, 4, value);
  }
  tlm::tlm_response_status Write(uint32_t addr, uint64_t value) {
    return b_.Access(true, addr, 4, &value);
  }

  BridgeBench& b_ = Bench();
  const uint64_t saved_timeout_ = Bench().lite.timeout_cycles();
  ScriptedLiteSlave slave_;
};

// The race a withdrawn VALID loses: the slave commits to the read in the last cycle the
// bridge waits, so its answer comes after the bridge gave up. That answer must be dropped,
// not handed to the next read.
TEST_F(AbandonedTransactions, ReadCommittedInTheLastCycleIsNotAnsweredToTheNext) {
  slave_.read_script = {{kTimeout - 1, 5}, {0, 0}};
  uint64_t value = 0;
  EXPECT_EQ(Read(0x100, &value), tlm::TLM_INCOMPLETE_RESPONSE);
  EXPECT_EQ(b_.lite.stale_reads(), 1u);
  EXPECT_EQ(Read(0x200, &value), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(value, ScriptedLiteSlave::ReadValue(0x200));
  EXPECT_EQ(slave_.reads_accepted, 2);
  EXPECT_EQ(b_.lite.stale_reads(), 0u);
}

// A slave that answers late, while the next read waits behind it: the late answer is
// dropped and each later read gets its own.
TEST_F(AbandonedTransactions, LateReadAnswerIsDroppedWhileTheNextWaits) {
  slave_.read_script = {{0, kTimeout + 20}};
  uint64_t value = 0;
  EXPECT_EQ(Read(0x100, &value), tlm::TLM_INCOMPLETE_RESPONSE);
  for (uint32_t addr : {0x104u, 0x108u, 0x100u}) {
    EXPECT_EQ(Read(addr, &value), tlm::TLM_OK_RESPONSE) << std::hex << addr;
    EXPECT_EQ(value, ScriptedLiteSlave::ReadValue(addr)) << std::hex << addr;
  }
  EXPECT_EQ(b_.lite.stale_reads(), 0u);
}

// A slave that never takes the request: the address stays on the channel (VALID held), a
// later read cannot be issued and times out too, writes are unaffected, and a reset (a new
// design) clears the channel.
TEST_F(AbandonedTransactions, RequestNeverAcceptedHoldsTheChannelUntilReset) {
  slave_.read_script = {{ScriptedLiteSlave::kNever, 0}};
  uint64_t value = 0;
  EXPECT_EQ(Read(0x100, &value), tlm::TLM_INCOMPLETE_RESPONSE);
  EXPECT_EQ(Read(0x200, &value), tlm::TLM_INCOMPLETE_RESPONSE);
  EXPECT_TRUE(b_.pins.s_axil.arvalid);
  EXPECT_EQ(b_.pins.s_axil.araddr, 0x100u) << "the second read was put on the channel";
  EXPECT_EQ(Write(0x300, 0x1234), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(slave_.memory[0x300], 0x1234u);
  EXPECT_EQ(b_.lite_checker.errors(), 0);
  b_.lite.Reset(b_.pins.s_axil);  // a new design
  b_.lite_checker.Forget();
  slave_ = ScriptedLiteSlave{};
  EXPECT_EQ(b_.lite.stale_reads(), 0u);
  EXPECT_EQ(Read(0x400, &value), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(value, ScriptedLiteSlave::ReadValue(0x400));
}

// Writes likewise: a write abandoned before its address and data were taken is still
// performed exactly once, its late response is dropped, and the next write completes on
// its own response.
TEST_F(AbandonedTransactions, AbandonedWriteIsPerformedOnceAndItsResponseDropped) {
  slave_.write_script = {{kTimeout + 10, 3}, {0, 0}};
  EXPECT_EQ(Write(0x100, 0xAAAA), tlm::TLM_INCOMPLETE_RESPONSE);
  EXPECT_EQ(b_.lite.stale_writes(), 1u);
  EXPECT_EQ(Write(0x104, 0xBBBB), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(slave_.writes_accepted, 2);
  EXPECT_EQ(slave_.memory[0x100], 0xAAAAu);
  EXPECT_EQ(slave_.memory[0x104], 0xBBBBu);
  EXPECT_EQ(b_.lite.stale_writes(), 0u);
}

}  // namespace
}  // namespace pynq_remote::sim
