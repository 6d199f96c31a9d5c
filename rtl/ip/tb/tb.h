// Cycle-level test-bench toolkit for the IP cores in rtl/ip: a clock, an AXI4-Lite master,
// an AXI4 memory subordinate, AXI4-Stream source and sink. Each works on a bundle of pointers
// to a Verilated model's ports, made by the PR_*_PINS macros from the AXI signal names, so
// one driver serves every core whatever its port prefix.
//
// One cycle: every agent drives its inputs, the clock falls (eval), every agent samples the
// handshakes as the flops will see them at the rising edge, the clock rises (eval), every
// agent advances its own state. Agents never look at each other, only at pins.
#ifndef PYNQ_REMOTE_RTL_IP_TB_TB_H_
#define PYNQ_REMOTE_RTL_IP_TB_TB_H_

#include <verilated.h>

#include <cstdint>
#include <cstdio>
#include <deque>
#include <functional>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace pynq_remote::tb {

/// Thrown when a handshake does not complete in its cycle budget (a hung core).
struct Hang : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline std::string Hex(uint64_t v) {
  char text[24];
  std::snprintf(text, sizeof text, "0x%llX", static_cast<unsigned long long>(v));
  return text;
}

/// Something that takes part in every cycle.
class Agent {
 public:
  virtual ~Agent() = default;
  virtual void Drive() {}   // set this agent's inputs to the model for this cycle
  virtual void Sample() {}  // read handshakes between the falling and the rising edge
  virtual void Update() {}  // advance state after the rising edge
};

/// Drives `clk` and `rst_n` of a Verilated model and runs every agent each cycle.
template <typename Model>
class Clock {
 public:
  explicit Clock(Model& model) : model_(model) {}
  void Add(Agent* agent) { agents_.push_back(agent); }

  void Tick() {
    for (Agent* a : agents_) a->Drive();
    model_.clk = 0;
    model_.eval();
    for (Agent* a : agents_) a->Sample();
    model_.clk = 1;
    model_.eval();
    for (Agent* a : agents_) a->Update();
    ++cycles_;
  }
  void Run(uint64_t n) {
    for (uint64_t i = 0; i < n; ++i) Tick();
  }
  /// Ticks until `done()`; throws Hang after `budget` cycles. Returns the cycles taken.
  uint64_t RunUntil(const std::function<bool()>& done, uint64_t budget, const std::string& what) {
    const uint64_t start = cycles_;
    while (!done()) {
      if (cycles_ - start >= budget) {
        throw Hang(what + ": no progress in " + std::to_string(budget) + " cycles");
      }
      Tick();
    }
    return cycles_ - start;
  }
  /// Active-low reset held for `n` cycles.
  void Reset(int n = 8) {
    model_.rst_n = 0;
    Run(n);
    model_.rst_n = 1;
  }
  uint64_t cycles() const { return cycles_; }

 private:
  Model& model_;
  std::vector<Agent*> agents_;
  uint64_t cycles_ = 0;
};

// ---- AXI4-Lite master ---------------------------------------------------------------------

struct AxiLitePins {
  std::function<void(uint32_t)> set_awaddr;  // any address width Verilator picks
  CData* awvalid;
  CData* awready;
  IData* wdata;
  CData* wstrb;
  CData* wvalid;
  CData* wready;
  CData* bresp;
  CData* bvalid;
  CData* bready;
  std::function<void(uint32_t)> set_araddr;
  CData* arvalid;
  CData* arready;
  IData* rdata;
  CData* rresp;
  CData* rvalid;
  CData* rready;
};
// PR_AXIL_PINS(model, s_axi_lite_) bundles model.s_axi_lite_awaddr, ...; works on a member
// (`model_`) as well as a local, and for any address width.
#define PR_AXIL_PINS(m, p)                                                              \
  ::pynq_remote::tb::AxiLitePins {                                                      \
    [&mm = (m)](uint32_t a) { mm.p##awaddr = a; }, &(m).p##awvalid, &(m).p##awready,    \
        &(m).p##wdata, &(m).p##wstrb, &(m).p##wvalid, &(m).p##wready, &(m).p##bresp,    \
        &(m).p##bvalid, &(m).p##bready, [&mm = (m)](uint32_t a) { mm.p##araddr = a; },  \
        &(m).p##arvalid, &(m).p##arready, &(m).p##rdata, &(m).p##rresp, &(m).p##rvalid, \
        &(m).p##rready                                                                  \
  }

/// Blocking AXI4-Lite accesses, one at a time, as the PS makes them.
template <typename Model>
class AxiLiteMaster : public Agent {
 public:
  static constexpr uint8_t kOkay = 0, kSlvErr = 2, kDecErr = 3;
  struct ReadResult {
    uint32_t data;
    uint8_t resp;
  };

  AxiLiteMaster(Clock<Model>& clock, AxiLitePins pins) : clock_(clock), p_(pins) {
    clock_.Add(this);
  }

  /// Address and data offered in the same cycle; returns BRESP.
  uint8_t Write(uint32_t addr, uint32_t data, uint8_t strb = 0xF, uint64_t budget = 1000) {
    op_ = Op{true, addr, data, strb};
    clock_.RunUntil([&] { return op_.done; }, budget, "AXI-Lite write at " + Hex(addr));
    return op_.resp;
  }

  ReadResult Read(uint32_t addr, uint64_t budget = 1000) {
    op_ = Op{false, addr, 0, 0};
    clock_.RunUntil([&] { return op_.done; }, budget, "AXI-Lite read at " + Hex(addr));
    return {op_.data, op_.resp};
  }

  /// A read that must answer OKAY.
  uint32_t Read32(uint32_t addr) {
    ReadResult r = Read(addr);
    if (r.resp != kOkay) {
      throw std::runtime_error("read at " + Hex(addr) + " answered resp " + std::to_string(r.resp));
    }
    return r.data;
  }

  void Drive() override {
    const bool active = op_.valid && !op_.done;
    *p_.awvalid = active && op_.write && !op_.addr_taken;
    *p_.wvalid = active && op_.write && !op_.data_taken;
    *p_.bready = active && op_.write;
    *p_.arvalid = active && !op_.write && !op_.addr_taken;
    *p_.rready = active && !op_.write;
    p_.set_awaddr(op_.addr);
    p_.set_araddr(op_.addr);
    *p_.wdata = op_.data;
    *p_.wstrb = op_.strb;
  }
  void Sample() override {
    aw_ = *p_.awvalid && *p_.awready;
    w_ = *p_.wvalid && *p_.wready;
    ar_ = *p_.arvalid && *p_.arready;
    b_ = *p_.bvalid && *p_.bready;
    r_ = *p_.rvalid && *p_.rready;
    bresp_ = *p_.bresp;
    rresp_ = *p_.rresp;
    rdata_ = *p_.rdata;
  }
  void Update() override {
    if (!op_.valid || op_.done) return;
    if (op_.write) {
      op_.addr_taken |= aw_;
      op_.data_taken |= w_;
      if (b_) op_.done = true, op_.resp = bresp_;
    } else {
      op_.addr_taken |= ar_;
      if (r_) op_.done = true, op_.resp = rresp_, op_.data = rdata_;
    }
  }

 private:
  struct Op {
    bool write = false;
    uint32_t addr = 0, data = 0;
    uint8_t strb = 0;
    bool valid = true, addr_taken = false, data_taken = false, done = false;
    uint8_t resp = 0;
  };

  Clock<Model>& clock_;
  AxiLitePins p_;
  Op op_{false, 0, 0, 0, false};
  bool aw_ = false, w_ = false, ar_ = false, b_ = false, r_ = false;
  uint8_t bresp_ = 0, rresp_ = 0;
  uint32_t rdata_ = 0;
};

// ---- AXI4 memory (32-, 64- or 128-bit data) ----------------------------------------------

// A data port of any width as the bytes of one beat, byte 0 = bits 7:0: IData (32 bits),
// QData (64) or VlWide<N> (wider), whichever type Verilator gave the port.
inline void StoreBytes(IData& port, const uint8_t* b) {
  port = b[0] | b[1] << 8 | b[2] << 16 | static_cast<uint32_t>(b[3]) << 24;
}
inline void StoreBytes(QData& port, const uint8_t* b) {
  port = 0;
  for (int i = 7; i >= 0; --i) port = port << 8 | b[i];
}
template <std::size_t W>
void StoreBytes(VlWide<W>& port, const uint8_t* b) {
  for (std::size_t w = 0; w < W; ++w) StoreBytes(port.at(w), b + 4 * w);
}
inline void LoadBytes(const IData& port, uint8_t* b) {
  for (int i = 0; i < 4; ++i) b[i] = static_cast<uint8_t>(port >> (8 * i));
}
inline void LoadBytes(const QData& port, uint8_t* b) {
  for (int i = 0; i < 8; ++i) b[i] = static_cast<uint8_t>(port >> (8 * i));
}
template <std::size_t W>
void LoadBytes(const VlWide<W>& port, uint8_t* b) {
  for (std::size_t w = 0; w < W; ++w) LoadBytes(port.at(w), b + 4 * w);
}

struct Axi4ReadPins {
  QData* araddr;
  CData* arlen;
  CData* arsize;
  CData* arburst;
  CData* arvalid;
  CData* arready;
  std::function<void(const uint8_t*)> set_rdata;  // one beat of `bytes` bytes
  size_t bytes;
  CData* rresp;
  CData* rlast;
  CData* rvalid;
  CData* rready;
};
struct Axi4WritePins {
  QData* awaddr;
  CData* awlen;
  CData* awsize;
  CData* awburst;
  CData* awvalid;
  CData* awready;
  std::function<void(uint8_t*)> get_wdata;
  std::function<uint32_t()> get_wstrb;
  size_t bytes;
  CData* wlast;
  CData* wvalid;
  CData* wready;
  CData* bresp;
  CData* bvalid;
  CData* bready;
};
// The beat width is the data port's: sizeof(IData) = 4, QData 8, VlWide<4> 16 bytes.
#define PR_AXI4_READ_PINS(m, p)                                                            \
  ::pynq_remote::tb::Axi4ReadPins {                                                        \
    &(m).p##araddr, &(m).p##arlen, &(m).p##arsize, &(m).p##arburst, &(m).p##arvalid,       \
        &(m).p##arready,                                                                   \
        [&mm = (m)](const uint8_t* b) { ::pynq_remote::tb::StoreBytes(mm.p##rdata, b); },  \
        sizeof((m).p##rdata), &(m).p##rresp, &(m).p##rlast, &(m).p##rvalid, &(m).p##rready \
  }
#define PR_AXI4_WRITE_PINS(m, p)                                                                \
  ::pynq_remote::tb::Axi4WritePins {                                                            \
    &(m).p##awaddr, &(m).p##awlen, &(m).p##awsize, &(m).p##awburst, &(m).p##awvalid,            \
        &(m).p##awready,                                                                        \
        [&mm = (m)](uint8_t* b) { ::pynq_remote::tb::LoadBytes(mm.p##wdata, b); },              \
        [&mm = (m)]() -> uint32_t { return mm.p##wstrb; }, sizeof((m).p##wdata), &(m).p##wlast, \
        &(m).p##wvalid, &(m).p##wready, &(m).p##bresp, &(m).p##bvalid, &(m).p##bready           \
  }

/// A byte-addressed sparse memory answering AXI4 INCR bursts of full-width beats (the data
/// port's width: 4, 8 or 16 bytes): one read beat and one write beat per cycle, optional
/// random stalls, and an address window outside which it answers DECERR. It checks the
/// protocol rules a DDR port relies on (bursts of at most 256 beats that do not cross 4 KiB,
/// WLAST on the last beat, AxSIZE = the bus width) and records violations.
class Axi4Memory : public Agent {
 public:
  Axi4Memory(const Axi4ReadPins* rd, const Axi4WritePins* wr, uint64_t base = 0,
             uint64_t size = 1ull << 40)
      : rd_(rd ? *rd : Axi4ReadPins{}),
        wr_(wr ? *wr : Axi4WritePins{}),
        has_rd_(rd != nullptr),
        has_wr_(wr != nullptr),
        base_(base),
        size_(size) {}

  /// Probability (0..1) that the memory withholds ready/valid in a given cycle.
  void set_stall(double p, uint32_t seed = 1) {
    stall_ = p;
    rng_.seed(seed);
  }

  uint8_t Byte(uint64_t addr) const {
    auto it = bytes_.find(addr);
    return it == bytes_.end() ? 0 : it->second;
  }
  void SetByte(uint64_t addr, uint8_t v) { bytes_[addr] = v; }
  void Write(uint64_t addr, const std::vector<uint8_t>& data) {
    for (size_t i = 0; i < data.size(); ++i) bytes_[addr + i] = data[i];
  }
  std::vector<uint8_t> Read(uint64_t addr, size_t n) const {
    std::vector<uint8_t> out(n);
    for (size_t i = 0; i < n; ++i) out[i] = Byte(addr + i);
    return out;
  }

  const std::vector<std::string>& violations() const { return violations_; }
  uint64_t read_beats() const { return read_beats_; }
  uint64_t write_beats() const { return write_beats_; }

  void Drive() override {
    stall_now_ = stall_ > 0 && std::uniform_real_distribution<double>(0, 1)(rng_) < stall_;
    if (has_rd_) {
      *rd_.arready = !reading_ && !stall_now_;
      *rd_.rvalid = reading_ && !stall_now_;
      uint8_t beat[kMaxBytes] = {};
      if (reading_) Beat(read_addr_, rd_.bytes, beat);
      rd_.set_rdata(beat);
      *rd_.rresp = reading_ && !InWindow(read_addr_) ? 3 : 0;
      *rd_.rlast = reading_ && read_left_ == 0;
    }
    if (has_wr_) {
      *wr_.awready = !writing_ && !b_pending_ && !stall_now_;
      *wr_.wready = writing_ && !stall_now_;
      *wr_.bvalid = b_pending_;
      *wr_.bresp = b_resp_;
    }
  }
  void Sample() override {
    if (has_rd_) {
      ar_ = *rd_.arvalid && *rd_.arready;
      r_ = *rd_.rvalid && *rd_.rready;
      ar_addr_ = *rd_.araddr;
      ar_len_ = *rd_.arlen;
      ar_size_ = *rd_.arsize;
    }
    if (has_wr_) {
      aw_ = *wr_.awvalid && *wr_.awready;
      w_ = *wr_.wvalid && *wr_.wready;
      b_ = *wr_.bvalid && *wr_.bready;
      aw_addr_ = *wr_.awaddr;
      aw_len_ = *wr_.awlen;
      aw_size_ = *wr_.awsize;
      wr_.get_wdata(w_data_);
      w_strb_ = wr_.get_wstrb();
      w_last_ = *wr_.wlast;
    }
  }
  void Update() override {
    if (r_) {
      ++read_beats_;
      read_addr_ += rd_.bytes;
      if (read_left_-- == 0) reading_ = false;
    }
    if (ar_) {
      CheckBurst("read", ar_addr_, ar_len_, ar_size_, rd_.bytes);
      reading_ = true;
      read_addr_ = ar_addr_;
      read_left_ = ar_len_;
    }
    if (w_) {
      ++write_beats_;
      if (!InWindow(write_addr_)) b_resp_ = 3;
      const uint64_t beat = write_addr_ & ~static_cast<uint64_t>(wr_.bytes - 1);
      for (size_t i = 0; i < wr_.bytes; ++i) {
        if (w_strb_ >> i & 1) bytes_[beat + i] = w_data_[i];
      }
      write_addr_ = beat + wr_.bytes;
      const bool last_expected = write_left_ == 0;
      if (w_last_ != last_expected) {
        violations_.push_back("WLAST " + std::to_string(w_last_) + " on a beat with " +
                              std::to_string(write_left_) + " left");
      }
      if (write_left_-- == 0) writing_ = false, b_pending_ = true;
    }
    if (aw_) {
      CheckBurst("write", aw_addr_, aw_len_, aw_size_, wr_.bytes);
      writing_ = true;
      write_addr_ = aw_addr_;
      write_left_ = aw_len_;
      b_resp_ = 0;
    }
    if (b_) b_pending_ = false;
  }

 private:
  bool InWindow(uint64_t addr) const { return addr >= base_ && addr - base_ < size_; }
  static constexpr size_t kMaxBytes = 16;
  void Beat(uint64_t addr, size_t n, uint8_t* out) const {
    for (size_t i = 0; i < n; ++i) out[i] = Byte((addr & ~static_cast<uint64_t>(n - 1)) + i);
  }
  void CheckBurst(const char* kind, uint64_t addr, int len, int size, size_t bytes) {
    const uint64_t low = addr & (bytes - 1);
    if ((addr & 0xFFF) + (len + 1) * static_cast<uint64_t>(bytes) > 0x1000 + low) {
      violations_.push_back(std::string(kind) + " burst at " + Hex(addr) + " of " +
                            std::to_string(len + 1) + " beats crosses 4 KiB");
    }
    if ((1u << size) != bytes) {
      violations_.push_back(std::string(kind) + " burst at " + Hex(addr) + " has size " +
                            std::to_string(size) + " on a " + std::to_string(bytes) + "-byte bus");
    }
  }

  Axi4ReadPins rd_;
  Axi4WritePins wr_;
  bool has_rd_, has_wr_;
  uint64_t base_, size_;
  std::map<uint64_t, uint8_t> bytes_;
  double stall_ = 0;
  bool stall_now_ = false;
  std::mt19937 rng_{1};
  bool reading_ = false, writing_ = false, b_pending_ = false;
  uint64_t read_addr_ = 0, write_addr_ = 0;
  int read_left_ = 0, write_left_ = 0;
  uint8_t b_resp_ = 0;
  bool ar_ = false, r_ = false, aw_ = false, w_ = false, b_ = false, w_last_ = false;
  uint64_t ar_addr_ = 0, aw_addr_ = 0;
  uint8_t w_data_[kMaxBytes] = {};
  int ar_len_ = 0, aw_len_ = 0, ar_size_ = 0, aw_size_ = 0;
  uint32_t w_strb_ = 0;
  uint64_t read_beats_ = 0, write_beats_ = 0;
  std::vector<std::string> violations_;
};

// ---- AXI4-Stream --------------------------------------------------------------------------

/// One transfer of up to 64 bits: data, byte enables (TKEEP) and TLAST.
struct Beat {
  uint64_t data = 0;
  uint8_t keep = 0xFF;
  bool last = false;
  bool operator==(const Beat& o) const {
    return data == o.data && keep == o.keep && last == o.last;
  }
};

/// Pointers to one stream port; TDATA of up to 64 bits is stored as uint64 here, and the
/// setter/getter convert to the model's CData/SData/IData/QData.
struct StreamPins {
  std::function<void(uint64_t)> set_data;
  std::function<uint64_t()> get_data;
  std::function<void(uint8_t)> set_keep;  // empty when the port has no TKEEP
  std::function<uint8_t()> get_keep;
  CData* last;
  CData* valid;
  CData* ready;
};
#define PR_STREAM_PINS(m, p)                                                             \
  ::pynq_remote::tb::StreamPins {                                                        \
    [&mm = (m)](uint64_t v) { mm.p##tdata = v; },                                        \
        [&mm = (m)]() -> uint64_t { return mm.p##tdata; },                               \
        [&mm = (m)](uint8_t v) { mm.p##tkeep = v; },                                     \
        [&mm = (m)]() -> uint8_t { return mm.p##tkeep; }, &(m).p##tlast, &(m).p##tvalid, \
        &(m).p##tready                                                                   \
  }

// For a stream port without TKEEP (every byte valid).
#define PR_STREAM_PINS_NOKEEP(m, p)                                                         \
  ::pynq_remote::tb::StreamPins {                                                           \
    [&mm = (m)](uint64_t v) { mm.p##tdata = v; },                                           \
        [&mm = (m)]() -> uint64_t { return mm.p##tdata; }, nullptr, nullptr, &(m).p##tlast, \
        &(m).p##tvalid, &(m).p##tready                                                      \
  }

/// Offers queued beats on a stream input of the core, with optional random gaps.
class StreamSource : public Agent {
 public:
  explicit StreamSource(StreamPins pins) : p_(std::move(pins)) {}
  void Push(const Beat& beat) { queue_.push_back(beat); }
  void set_gaps(double p, uint32_t seed = 2) {
    gap_ = p;
    rng_.seed(seed);
  }
  bool empty() const { return queue_.empty(); }
  size_t pending() const { return queue_.size(); }

  void Drive() override {
    if (!holding_) offer_ = !queue_.empty() && !(gap_ > 0 && Chance());
    *p_.valid = offer_;
    if (offer_) {
      p_.set_data(queue_.front().data);
      if (p_.set_keep) p_.set_keep(queue_.front().keep);
      *p_.last = queue_.front().last;
    }
  }
  // Only a beat this source offered can be taken (another agent may share the pins).
  void Sample() override { taken_ = offer_ && *p_.ready; }
  void Update() override {
    if (taken_) {
      queue_.pop_front();
      holding_ = false;
    } else {
      holding_ = offer_;  // AXI-Stream: once valid, hold until taken
    }
  }

 private:
  bool Chance() { return std::uniform_real_distribution<double>(0, 1)(rng_) < gap_; }
  StreamPins p_;
  std::deque<Beat> queue_;
  double gap_ = 0;
  std::mt19937 rng_{2};
  bool offer_ = false, holding_ = false, taken_ = false;
};

/// Takes beats from a stream output of the core, with optional random back-pressure, and
/// checks that an offered beat is held stable until taken.
class StreamSink : public Agent {
 public:
  explicit StreamSink(StreamPins pins) : p_(std::move(pins)) {}
  void set_backpressure(double p, uint32_t seed = 3) {
    stall_ = p;
    rng_.seed(seed);
  }
  const std::vector<Beat>& beats() const { return beats_; }
  const std::vector<std::string>& violations() const { return violations_; }

  void Drive() override {
    *p_.ready = !(stall_ > 0 && std::uniform_real_distribution<double>(0, 1)(rng_) < stall_);
  }
  void Sample() override {
    valid_ = *p_.valid;
    taken_ = *p_.valid && *p_.ready;
    now_ = Beat{p_.get_data(), static_cast<uint8_t>(p_.get_keep ? p_.get_keep() : 0xFF),
                *p_.last != 0};
  }
  void Update() override {
    if (pending_ && !(now_ == held_)) violations_.push_back("beat changed before it was taken");
    if (taken_) beats_.push_back(now_);
    pending_ = valid_ && !taken_;
    held_ = now_;
  }

 private:
  StreamPins p_;
  double stall_ = 0;
  std::mt19937 rng_{3};
  bool valid_ = false, taken_ = false, pending_ = false;
  Beat now_, held_;
  std::vector<Beat> beats_;
  std::vector<std::string> violations_;
};

}  // namespace pynq_remote::tb

#endif  // PYNQ_REMOTE_RTL_IP_TB_TB_H_
