// The bridges back to back into the DDR model: TLM -> Tlm2AxiLiteBridge -> AXI4-Lite pins ->
// (wires: AXI4-Lite is AXI4 with single 32-bit beats) -> Axi2TlmBridge -> DdrMemory, with a
// protocol checker on the pins and the traffic as a Write/Read/Expect list; and AXI4 burst
// masters on Axi2TlmBridges of 32, 64 and 128 bits (narrow transfers, strobes, the burst kinds,
// two ports in the same cycles, a reset mid-burst).
#include <gtest/gtest.h>
#include <tlm_utils/simple_initiator_socket.h>

#include <array>
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
  // the bridges' way into DDR, as PlSocket's ddr_socket
  tlm_utils::simple_initiator_socket<BridgeBench> mem{"mem"};
  Axi2TlmBridge axi{mem, 8};
  ShellPins pins;
  AxiChecker checker;
  uint64_t cycles = 0;
  // a burst master, for the AXI4 tests: when set, drives m_axi instead of the wires
  std::function<void(AxiMasterPins&)> master;
  // an AXI4-Lite slave, for the timeout tests: when set, answers the bridge instead
  ScriptedLiteSlave* lite_slave = nullptr;
  AxiLiteChecker lite_checker;

  // bridges a test makes on `mem`, which hear DMI invalidations as axi does
  std::vector<Axi2TlmBridge*> extra_bridges;

  explicit BridgeBench(sc_core::sc_module_name name) : sc_module(name) {
    mem.bind(ddr.socket);
    mem.register_invalidate_direct_mem_ptr(this, &BridgeBench::InvalidateDmi);
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

  void InvalidateDmi(sc_dt::uint64, sc_dt::uint64) {
    axi.InvalidateDmi();
    for (Axi2TlmBridge* b : extra_bridges) b->InvalidateDmi();
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

// ---- AXI4 masters of every width --------------------------------------------------------

using BusWord = std::array<uint8_t, 16>;

// One AXI4 burst as a master issues it: the beats' data and strobes for a write; for a read,
// the beats (rdata) and responses the master received.
struct Burst {
  bool write = false;
  uint64_t addr = 0;
  uint8_t len = 0, size = 0, burst = 1;
  std::vector<BusWord> data;
  std::vector<uint16_t> strb;
  std::vector<uint8_t> resp;  // per read beat; the one write response
};

// A master that issues its bursts one after another, one beat per cycle when the bridge is
// ready: Drive() before the edge (from the handshakes of the previous one), Edge() at it.
class BurstMaster {
 public:
  explicit BurstMaster(std::vector<Burst> bursts) : bursts_(std::move(bursts)) {}
  bool done() const { return next_ >= bursts_.size(); }
  const std::vector<Burst>& bursts() const { return bursts_; }
  std::vector<uint64_t> beat_cycles;  // the cycles a data beat moved

  void Cycle(AxiMasterPins& m, uint64_t cycle) {
    // drive
    const Burst* b = done() ? nullptr : &bursts_[next_];
    m.awvalid = b && b->write && phase_ == kAddr;
    m.arvalid = b && !b->write && phase_ == kAddr;
    m.awaddr = m.araddr = b ? b->addr : 0;
    m.awlen = m.arlen = b ? b->len : 0;
    m.awsize = m.arsize = b ? b->size : 0;
    m.awburst = m.arburst = b ? b->burst : 0;
    m.wvalid = b && b->write && phase_ == kData;
    if (m.wvalid) {
      std::memcpy(m.wdata, b->data[beat_].data(), 16);
      m.wstrb = b->strb[beat_];
      m.wlast = beat_ == b->len;
    }
    m.bready = b && b->write && phase_ == kResp;
    m.rready = b && !b->write && phase_ == kData;
    if (b == nullptr) return;
    // the edge
    Burst& cur = bursts_[next_];
    if (phase_ == kAddr && (cur.write ? m.awready : m.arready)) {
      phase_ = kData, beat_ = 0;
    } else if (phase_ == kData && cur.write && m.wready) {
      beat_cycles.push_back(cycle);
      if (++beat_ > cur.len) phase_ = kResp;
    } else if (phase_ == kData && !cur.write && m.rvalid) {
      beat_cycles.push_back(cycle);
      BusWord w;
      std::memcpy(w.data(), m.rdata, 16);
      cur.data.push_back(w);
      cur.resp.push_back(m.rresp);
      EXPECT_EQ(m.rlast, beat_ == cur.len) << "beat " << beat_;
      if (++beat_ > cur.len) phase_ = kAddr, ++next_;
    } else if (phase_ == kResp && m.bvalid) {
      cur.resp.push_back(m.bresp);
      phase_ = kAddr, ++next_;
    }
  }

 private:
  enum { kAddr, kData, kResp } phase_ = kAddr;
  std::vector<Burst> bursts_;
  size_t next_ = 0;
  unsigned beat_ = 0;
};

// A bridge of `bus_bytes` on the bench's memory socket, with its own pins and checker.
struct Port {
  Port(BridgeBench& b, unsigned bus_bytes) : bench(b), bridge(b.mem, bus_bytes) {
    bench.extra_bridges.push_back(&bridge);
    bridge.Reset(pins);
  }
  ~Port() { bench.extra_bridges.pop_back(); }
  void Cycle(BurstMaster& master, uint64_t cycle) {
    master.Cycle(pins, cycle);
    checker.Observe(pins);
    bridge.Edge(pins);
  }
  BridgeBench& bench;
  Axi2TlmBridge bridge;
  AxiMasterPins pins;
  AxiChecker checker;
};

// Runs `master` on `port` until its bursts are done (bounded).
void RunToEnd(Port& port, BurstMaster& master) {
  for (uint64_t cycle = 0; cycle < 1000 && !master.done(); ++cycle) port.Cycle(master, cycle);
  ASSERT_TRUE(master.done());
  EXPECT_FALSE(port.bridge.Active());
  EXPECT_EQ(port.checker.errors(), 0);
}

uint8_t Pattern(uint64_t addr, unsigned salt) {
  return static_cast<uint8_t>(addr * 7 + salt * 31 + (addr >> 8));
}

void Fill(SparseStore& store, uint64_t addr, size_t n, uint8_t value) {
  std::memset(store.data() + addr, value, n);
}

// A full-width INCR write of `beats` beats from `addr` (bus-aligned), bytes Pattern(addr, salt).
Burst FullWrite(uint64_t addr, unsigned bus, unsigned beats, unsigned salt) {
  Burst b;
  b.write = true, b.addr = addr, b.len = beats - 1, b.size = __builtin_ctz(bus);
  for (unsigned i = 0; i < beats; ++i) {
    BusWord w{};
    for (unsigned k = 0; k < bus; ++k) w[k] = Pattern(addr + i * bus + k, salt);
    b.data.push_back(w);
    b.strb.push_back(static_cast<uint16_t>((1u << bus) - 1));
  }
  return b;
}

Burst Read(uint64_t addr, uint8_t len, uint8_t size, AxiBurst kind = AxiBurst::kIncr) {
  Burst b;
  b.addr = addr, b.len = len, b.size = size, b.burst = static_cast<uint8_t>(kind);
  return b;
}

class BusWidths : public ::testing::TestWithParam<unsigned> {};

// Full-width INCR bursts of 16 beats land byte for byte and read back; a sparse strobe
// writes only its bytes.
TEST_P(BusWidths, FullWidthBurstsAndStrobes) {
  BridgeBench& b = Bench();
  const unsigned bus = GetParam();
  const uint64_t base = 0x10000 + bus * 0x1000;
  Fill(b.store, base, 16 * bus + 64, 0xEE);
  Burst sparse = FullWrite(base + 16 * bus, bus, 1, 9);
  sparse.strb[0] = static_cast<uint16_t>(0xA5A5 & ((1u << bus) - 1));
  BurstMaster m({FullWrite(base, bus, 16, 1), sparse, Read(base, 15, __builtin_ctz(bus))});
  Port port(b, bus);
  RunToEnd(port, m);
  for (unsigned i = 0; i < 16 * bus; ++i) {
    ASSERT_EQ(b.store.data()[base + i], Pattern(base + i, 1)) << std::hex << base + i;
  }
  for (unsigned k = 0; k < bus; ++k) {
    const uint64_t a = base + 16 * bus + k;
    EXPECT_EQ(b.store.data()[a], (0xA5A5 >> k) & 1 ? Pattern(a, 9) : 0xEE) << "lane " << k;
  }
  EXPECT_EQ(b.store.data()[base + 17 * bus], 0xEE);
  const Burst& rd = m.bursts()[2];
  ASSERT_EQ(rd.data.size(), 16u);
  for (unsigned i = 0; i < 16; ++i) {
    EXPECT_EQ(rd.resp[i], 0);
    for (unsigned k = 0; k < bus; ++k) {
      ASSERT_EQ(rd.data[i][k], Pattern(base + i * bus + k, 1)) << "beat " << i << " lane " << k;
    }
  }
  EXPECT_EQ(m.bursts()[0].resp, std::vector<uint8_t>{0});
  // one beat per cycle: 16 write beats back to back
  EXPECT_EQ(m.beat_cycles[15] - m.beat_cycles[0], 15u);
}

// Narrow transfers (size below the bus): each beat uses the lanes its address selects
// (AXI A3.4.1). The master puts junk on every other lane with all strobes set: only the
// beat's lanes may be stored. Reads return the bytes on the same lanes.
TEST_P(BusWidths, NarrowTransfersUseTheAddressedLanes) {
  BridgeBench& b = Bench();
  const unsigned bus = GetParam();
  const uint64_t base = 0x40000 + bus * 0x1000;
  for (unsigned size_log2 = 0; (1u << size_log2) < bus; ++size_log2) {
    const unsigned size = 1u << size_log2;
    const uint64_t start = base + size_log2 * 0x100 + bus + size;  // not bus-aligned
    Fill(b.store, start - bus - size, 4 * bus + 32, 0xEE);
    Burst w;
    w.write = true, w.addr = start, w.len = 5, w.size = size_log2;
    for (unsigned i = 0; i <= w.len; ++i) {
      const uint64_t a = start + i * size;
      BusWord word;
      word.fill(0x5A);  // junk outside the beat's lanes
      for (unsigned k = 0; k < size; ++k) word[(a + k) % bus] = Pattern(a + k, 3);
      w.data.push_back(word);
      w.strb.push_back(0xFFFF);
    }
    BurstMaster m({w, Read(start, 5, size_log2)});
    Port port(b, bus);
    RunToEnd(port, m);
    for (uint64_t a = start - bus - size; a < start + 6 * size + bus; ++a) {
      const bool in = a >= start && a < start + 6 * size;
      ASSERT_EQ(b.store.data()[a], in ? Pattern(a, 3) : 0xEE)
          << "size " << size << " address " << std::hex << a;
    }
    const Burst& rd = m.bursts()[1];
    ASSERT_EQ(rd.data.size(), 6u);
    for (unsigned i = 0; i < 6; ++i) {
      const uint64_t a = start + i * size;
      for (unsigned k = 0; k < size; ++k) {
        EXPECT_EQ(rd.data[i][(a + k) % bus], Pattern(a + k, 3)) << "size " << size << " beat " << i;
      }
    }
  }
}

// An INCR burst from an unaligned address: the first beat stores from the address to the end
// of its aligned transfer, the rest are aligned. FIXED repeats one address's lanes. WRAP wraps
// at the burst-size boundary.
TEST_P(BusWidths, UnalignedIncrFixedAndWrap) {
  BridgeBench& b = Bench();
  const unsigned bus = GetParam();
  const uint8_t full = __builtin_ctz(bus);
  const uint64_t base = 0x80000 + bus * 0x1000;
  Fill(b.store, base, 0x400, 0xEE);
  // unaligned INCR: 3 beats from base + 3
  Burst incr = FullWrite(base, bus, 3, 5);
  incr.addr = base + 3;
  // FIXED: 4 beats at base + 0x100, the last one's bytes remain
  Burst fixed = FullWrite(base + 0x100, bus, 4, 6);
  fixed.burst = static_cast<uint8_t>(AxiBurst::kFixed);
  for (unsigned i = 0; i < 4; ++i)
    for (unsigned k = 0; k < bus; ++k) fixed.data[i][k] = static_cast<uint8_t>(0x10 * i + k);
  // WRAP: 4 beats from the third transfer of a 4-transfer window at base + 0x200
  Burst wrap = FullWrite(base + 0x200, bus, 4, 7);
  wrap.addr = base + 0x200 + 2 * bus;
  wrap.burst = static_cast<uint8_t>(AxiBurst::kWrap);
  BurstMaster m({incr, fixed, wrap, Read(base + 0x200 + 2 * bus, 3, full, AxiBurst::kWrap)});
  Port port(b, bus);
  RunToEnd(port, m);
  for (uint64_t a = base; a < base + 3 * bus; ++a) {
    EXPECT_EQ(b.store.data()[a], a < base + 3 ? 0xEE : Pattern(a, 5)) << std::hex << a;
  }
  EXPECT_EQ(b.store.data()[base + 3 * bus], 0xEE);
  for (unsigned k = 0; k < bus; ++k) EXPECT_EQ(b.store.data()[base + 0x100 + k], 0x30 + k);
  EXPECT_EQ(b.store.data()[base + 0x100 + bus], 0xEE);
  // beat i of the wrap went to transfer (2 + i) % 4 of the window
  for (unsigned i = 0; i < 4; ++i) {
    const uint64_t at = base + 0x200 + ((2 + i) % 4) * bus;
    for (unsigned k = 0; k < bus; ++k) {
      ASSERT_EQ(b.store.data()[at + k], Pattern(base + 0x200 + i * bus + k, 7)) << "beat " << i;
    }
  }
  EXPECT_EQ(b.store.data()[base + 0x200 + 4 * bus], 0xEE);
  const Burst& rd = m.bursts()[3];
  ASSERT_EQ(rd.data.size(), 4u);
  for (unsigned i = 0; i < 4; ++i) {
    // read beat i reads the transfer write beat i went to
    EXPECT_EQ(rd.data[i][0], Pattern(base + 0x200 + i * bus, 7)) << "beat " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Bridges, BusWidths, ::testing::Values(4u, 8u, 16u),
                         [](const ::testing::TestParamInfo<unsigned>& info) {
                           return std::to_string(info.param * 8) + "bit";
                         });

TEST(Bridges, RefusesAnUnsupportedWidth) {
  EXPECT_THROW(Axi2TlmBridge(Bench().mem, 2), std::invalid_argument);
  EXPECT_THROW(Axi2TlmBridge(Bench().mem, 32), std::invalid_argument);
}

// Two ports (128 and 64 bits) bursting in the same cycles, reading and writing next to each
// other's data: each moves one beat per cycle and every byte lands where its port put it.
TEST(Bridges, TwoPortsInTheSameCyclesDoNotInterfere) {
  BridgeBench& b = Bench();
  const uint64_t a = 0xC0000, c = 0xC0100;  // adjacent regions
  Fill(b.store, a, 0x400, 0xEE);
  Port wide(b, 16), narrow(b, 8);
  BurstMaster mw({FullWrite(a, 16, 16, 1), Read(a, 15, 4), FullWrite(a + 0x200, 16, 8, 2)});
  BurstMaster mn({FullWrite(c, 8, 32, 3), Read(c, 31, 3), Read(a, 15, 3)});
  for (uint64_t cycle = 0; cycle < 1000 && !(mw.done() && mn.done()); ++cycle) {
    wide.Cycle(mw, cycle);
    narrow.Cycle(mn, cycle);
  }
  ASSERT_TRUE(mw.done() && mn.done());
  EXPECT_EQ(wide.checker.errors(), 0);
  EXPECT_EQ(narrow.checker.errors(), 0);
  for (unsigned i = 0; i < 256; ++i) {
    ASSERT_EQ(b.store.data()[a + i], Pattern(a + i, 1)) << i;
    ASSERT_EQ(b.store.data()[c + i], Pattern(c + i, 3)) << i;
  }
  for (unsigned i = 0; i < 128; ++i)
    ASSERT_EQ(b.store.data()[a + 0x200 + i], Pattern(a + 0x200 + i, 2));
  EXPECT_EQ(b.store.data()[a + 0x280], 0xEE);
  // the 64-bit port read the 128-bit port's data (written before it read) as 8-byte beats
  const Burst& cross = mn.bursts()[2];
  ASSERT_EQ(cross.data.size(), 16u);
  for (unsigned i = 0; i < 16; ++i)
    for (unsigned k = 0; k < 8; ++k) ASSERT_EQ(cross.data[i][k], Pattern(a + 8 * i + k, 1));
  // both write bursts ran in the same cycles, one beat per cycle each
  EXPECT_EQ(mw.beat_cycles[0], mn.beat_cycles[0]);
  EXPECT_EQ(mw.beat_cycles[15] - mw.beat_cycles[0], 15u);
  EXPECT_EQ(mn.beat_cycles[15], mw.beat_cycles[15]);
  EXPECT_EQ(wide.bridge.beats_written(), 24u);
  EXPECT_EQ(narrow.bridge.beats_written(), 32u);
  EXPECT_EQ(narrow.bridge.beats_read(), 48u);
}

// A reset in the middle of a write burst and of a read burst: the bridge forgets both, its
// pins are idle, what was written stays, and the next bursts run normally.
TEST(Bridges, ResetMidBurst) {
  BridgeBench& b = Bench();
  const uint64_t base = 0xD0000;
  Fill(b.store, base, 0x200, 0xEE);
  Port port(b, 16);
  BurstMaster m({FullWrite(base, 16, 16, 4)});
  for (uint64_t cycle = 0; m.beat_cycles.size() < 5; ++cycle) port.Cycle(m, cycle);
  EXPECT_TRUE(port.bridge.Active());
  port.bridge.Reset(port.pins);
  EXPECT_FALSE(port.bridge.Active());
  EXPECT_TRUE(port.pins.awready && port.pins.arready);
  EXPECT_FALSE(port.pins.wready || port.pins.bvalid || port.pins.rvalid);
  for (unsigned i = 0; i < 16 * 16; ++i) {
    ASSERT_EQ(b.store.data()[base + i], i < 5 * 16 ? Pattern(base + i, 4) : 0xEE) << i;
  }
  // a read cut short likewise
  BurstMaster r({Read(base, 15, 4)});
  for (uint64_t cycle = 0; r.beat_cycles.size() < 3; ++cycle) port.Cycle(r, cycle);
  port.bridge.Reset(port.pins);
  EXPECT_FALSE(port.bridge.Active());
  EXPECT_FALSE(port.pins.rvalid);
  // after the reset: new bursts run in full
  BurstMaster again({FullWrite(base + 0x100, 16, 16, 8), Read(base + 0x100, 15, 4)});
  port.checker = AxiChecker{};
  RunToEnd(port, again);
  for (unsigned i = 0; i < 16; ++i)
    EXPECT_EQ(again.bursts()[1].data[i][0], Pattern(base + 0x100 + 16 * i, 8));
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
