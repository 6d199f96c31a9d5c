// Concurrency: 64 client threads against one real pynq-remote-server (sim backend, loopback),
// mixing MMIO (the 3.1 mmio service and Board.MmioRead/MmioWrite/MmioBatch), buffers (the 3.1
// buffer service and Board.AllocateBuffer/WriteBufferRange/ReadBufferRange) and, from a few
// threads now and then, reprogramming ref_accel the way the 3.1 client does. Every answer is
// checked: buffers read back exactly what their thread wrote (each thread its own patterns),
// ref_regs' ID and VERSION always read their values, scratch writes read back. At the end the
// server must still be healthy, have freed every buffer, not have kept growing threads, and
// exit cleanly on SIGTERM (a sanitizer report makes that exit non-zero).
//
// PYNQ_REMOTE_CONCURRENCY_SECONDS: how long the threads run (default 5; ci/sanitize.sh runs
// 30 under ThreadSanitizer).
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <random>
#include <shared_mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "buffer.grpc.pb.h"
#include "mmio.grpc.pb.h"
#include "pynq_remote/v1/board.grpc.pb.h"
#include "remote_device.grpc.pb.h"
#include "server_process.h"

namespace {

namespace v1 = ::pynq_remote::v1;
using Clock = std::chrono::steady_clock;

constexpr int kThreads = 64;
constexpr int kProgrammerEvery = 16;       // threads 0, 16, 32 and 48 also reprogram
constexpr int kChannels = 8;               // threads share connections, as a client's threads do
constexpr uint64_t kRefRegs = 0xA0000000;  // ref_regs_0 (rtl/designs/ref_accel/manifest.json)
constexpr uint64_t kIdOffset = 0x00;
constexpr uint64_t kVersionOffset = 0x04;
constexpr uint64_t kScratchOffset = 0x10;  // SCRATCH0..3, reset to 0 with the PL
constexpr int kScratchCount = 4;
constexpr uint32_t kRefId = 0x52454641;  // 'REFA'
constexpr uint32_t kRefVersion = 0x00010000;
constexpr size_t kKeptBytes = 64 * 1024;
constexpr size_t kStreamChunk = 64 * 1024;  // several messages per 3.1 buffer stream
constexpr auto kProgramInterval = std::chrono::milliseconds(2000);
// gRPC's sync server adds threads when all are busy and retires them later, so how many it
// runs depends on scheduling: a loaded machine shows other counts than an idle one. What does
// not is the ceiling the server is started with (--max-threads, gRPC's resource quota): call
// threads never pass it. Its other threads (pollers, timers, the sim's runner, the reapers)
// are a few, counted by kOwnThreads.
constexpr int kMaxCallThreads = 128;
constexpr long kOwnThreads = 32;

// What the threads do, counted per kind.
enum Op {
  kMmio31Const,    // 3.1 read of ID and VERSION
  kMmio31Scratch,  // 3.1 write of a scratch register and its read-back
  kBoardConst,     // Board.MmioRead of ID and VERSION
  kBoardScratch,   // Board.MmioWrite and MmioRead of a scratch register
  kBoardBatch,     // Board.MmioBatch: ID, VERSION, scratch write and read-back
  kMmioUnlocked,   // Board.MmioRead of ID while a reprogramming may be under way
  kBuffer31,       // 3.1 allocate, write stream, read stream, free
  kBufferRange,    // Board.AllocateBuffer, WriteBufferRange twice, ReadBufferRange, 3.1 free
  kBufferKept,     // a thread's long-lived buffer: read back, then rewritten
  kProgram,        // ref_accel through the fpga_manager files
  kStreamBusy,     // a stream refused at --max-streams (expected; retried)
  kOpCount,
};
constexpr const char* kOpNames[kOpCount] = {
    "mmio31_const",         "mmio31_scratch", "board_const",  "board_scratch", "board_batch",
    "mmio_unlocked",        "buffer31",       "buffer_range", "buffer_kept",   "program",
    "stream_busy (retried)"};

std::string Hex(uint64_t v) {
  std::ostringstream out;
  out << "0x" << std::hex << std::uppercase << v;
  return out.str();
}

std::string Le32(uint32_t value) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[i] = static_cast<char>(value >> (8 * i));
  return s;
}

uint64_t SplitMix(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Bytes no other thread writes: the seed carries the thread's index.
std::string Pattern(int thread, uint64_t sequence, size_t size) {
  uint64_t state = (static_cast<uint64_t>(thread) << 48) ^ sequence;
  std::string data(size, '\0');
  for (size_t at = 0; at < size; at += 8) {
    uint64_t word = SplitMix(state);
    for (size_t i = 0; i < 8 && at + i < size; ++i) data[at + i] = static_cast<char>(word >> 8 * i);
  }
  return data;
}

long ThreadCount(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Threads:", 0) == 0) return std::atol(line.c_str() + 8);
  }
  return -1;
}

// Programming resets the PL, so it must not overlap a register-value check: it takes the
// lock exclusively, checks take it shared. glibc's rwlock prefers readers and 60 threads keep
// it shared almost all the time, so a writer first closes the turnstile that every reader
// passes through; the readers inside drain and the writer gets in.
class PlLock {
 public:
  std::shared_lock<std::shared_mutex> Shared() {
    { std::lock_guard<std::mutex> pass(turnstile_); }
    return std::shared_lock<std::shared_mutex>(mu_);
  }
  std::unique_lock<std::shared_mutex> Exclusive() {
    std::lock_guard<std::mutex> close(turnstile_);
    return std::unique_lock<std::shared_mutex>(mu_);
  }

 private:
  std::mutex turnstile_;
  std::shared_mutex mu_;
};

struct Shared {
  std::string address;
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  std::string ref_accel_bin;
  // False on a fake board tree (PYNQ_REMOTE_BACKEND=zynq): plain memory keeps its values
  // across programming, where a design starts from reset.
  bool pl_resets_on_program = true;
  PlLock pl;
  std::array<std::mutex, kScratchCount> scratch_mu;  // one writer-and-checker per register
  std::array<std::atomic<uint64_t>, kOpCount> counts{};
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> failure_count{0};
  std::mutex failures_mu;
  std::vector<std::string> failures;  // the first few, for the report
};

class Worker {
 public:
  Worker(Shared& shared, int index)
      : s_(shared),
        index_(index),
        programmer_(index % kProgrammerEvery == 0),
        rng_(static_cast<uint64_t>(index) * 7919 + 1) {
    auto channel = s_.channels[static_cast<size_t>(index) % s_.channels.size()];
    board_ = v1::Board::NewStub(channel);
    mmio_ = mmio::Mmio::NewStub(channel);
    buffer_ = buffer::RemoteBuffer::NewStub(channel);
    device_ = remote_device::RemoteDevice::NewStub(channel);
  }

  void Run() {
    if (!Setup()) return;
    // Programmers start staggered so reprogramming is spread over the run.
    next_program_ = Clock::now() + kProgramInterval * (index_ / kProgrammerEvery + 1) / 4;
    while (!s_.stop.load()) {
      if (programmer_ && Clock::now() >= next_program_) {
        Program();
        next_program_ = Clock::now() + kProgramInterval + std::chrono::milliseconds(rng_() % 1000);
        continue;
      }
      switch (rng_() % 20) {
        case 0:
        case 1:
          Mmio31Const();
          break;
        case 2:
        case 3:
          Mmio31Scratch();
          break;
        case 4:
        case 5:
          BoardConst();
          break;
        case 6:
        case 7:
          BoardScratch();
          break;
        case 8:
        case 9:
          BoardBatch();
          break;
        case 10:
          MmioUnlocked();
          break;
        case 11:
        case 12:
        case 13:
          Buffer31();
          break;
        case 14:
        case 15:
        case 16:
          BufferRange();
          break;
        default:
          BufferKept();
          break;
      }
    }
    FreeBuffer(kept_id_);
  }

 private:
  void Fail(const std::string& what) {
    s_.failure_count.fetch_add(1);
    std::lock_guard<std::mutex> lock(s_.failures_mu);
    if (s_.failures.size() < 40) {
      s_.failures.push_back("thread " + std::to_string(index_) + ": " + what);
    }
  }

  void Count(Op op) { s_.counts[op].fetch_add(1, std::memory_order_relaxed); }

  // Bounded, so a wedged server fails the test instead of hanging it. Calls wait for a
  // connection within that bound instead of failing fast: what is under test is the server's
  // handling of 64 threads, and a loopback connect that a loaded CI machine fails once (seen:
  // one of eight channels, first call, UNAVAILABLE) is gRPC's to retry, as it would for a user.
  static void Deadline(grpc::ClientContext& ctx) {
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
    ctx.set_wait_for_ready(true);
  }

  static std::string Describe(const grpc::Status& status) {
    return "status " + std::to_string(status.error_code()) + " " + status.error_message();
  }

  bool Setup() {
    grpc::ClientContext ctx;
    Deadline(ctx);
    mmio::GetMmioRequest req;
    req.set_base_addr(kRefRegs);
    req.set_length(0x1000);
    mmio::GetMmioResponse resp;
    grpc::Status status = mmio_->get_mmio(&ctx, req, &resp);
    if (!status.ok() || !resp.status() || resp.mmio_id().empty()) {
      Fail("get_mmio: " + Describe(status) + " " + resp.msg());
      return false;
    }
    mmio_id_ = resp.mmio_id();
    kept_id_ = BoardAllocate(kKeptBytes);
    if (kept_id_.empty()) return false;
    kept_ = Pattern(index_, ++sequence_, kKeptBytes);
    return WriteRange(kept_id_, 0, kept_);
  }

  // --- MMIO ------------------------------------------------------------------------------

  bool Read31(uint64_t offset, uint32_t* value) {
    grpc::ClientContext ctx;
    Deadline(ctx);
    mmio::ReadRequest req;
    req.set_mmio_id(mmio_id_);
    req.set_offset(offset);
    req.set_length(4);
    req.set_word_order("little");
    mmio::ReadResponse resp;
    grpc::Status status = mmio_->read(&ctx, req, &resp);
    if (!status.ok() || !resp.status() || !resp.msg().empty()) {
      Fail("3.1 read +" + Hex(offset) + ": " + Describe(status) + " " + resp.msg());
      return false;
    }
    *value = static_cast<uint32_t>(resp.data64());
    return true;
  }

  bool Write31(uint64_t offset, uint32_t value) {
    grpc::ClientContext ctx;
    Deadline(ctx);
    mmio::WriteRequest req;
    req.set_mmio_id(mmio_id_);
    req.set_offset(offset);
    req.set_data(Le32(value));
    mmio::WriteResponse resp;
    grpc::Status status = mmio_->write(&ctx, req, &resp);
    if (!status.ok() || !resp.status() || !resp.msg().empty()) {
      Fail("3.1 write +" + Hex(offset) + ": " + Describe(status) + " " + resp.msg());
      return false;
    }
    return true;
  }

  grpc::Status BoardRead(uint64_t addr, uint32_t* value) {
    grpc::ClientContext ctx;
    Deadline(ctx);
    v1::MmioReadRequest req;
    req.set_address(addr);
    req.set_width(4);
    v1::MmioReadResponse resp;
    grpc::Status status = board_->MmioRead(&ctx, req, &resp);
    *value = static_cast<uint32_t>(resp.value());
    return status;
  }

  bool BoardWrite(uint64_t addr, uint32_t value) {
    grpc::ClientContext ctx;
    Deadline(ctx);
    v1::MmioWriteRequest req;
    req.set_address(addr);
    req.set_width(4);
    req.set_value(value);
    v1::MmioWriteResponse resp;
    grpc::Status status = board_->MmioWrite(&ctx, req, &resp);
    if (!status.ok()) Fail("Board.MmioWrite " + Hex(addr) + ": " + Describe(status));
    return status.ok();
  }

  void Expect(const char* what, uint64_t got, uint64_t want) {
    if (got != want) Fail(std::string(what) + ": read " + Hex(got) + ", expected " + Hex(want));
  }

  uint32_t NextScratchValue() {
    return (static_cast<uint32_t>(index_) << 24) | static_cast<uint32_t>(++sequence_ & 0xFFFFFF);
  }

  void Mmio31Const() {
    auto pl = s_.pl.Shared();
    uint32_t id = 0, version = 0;
    if (Read31(kIdOffset, &id)) Expect("3.1 ID", id, kRefId);
    if (Read31(kVersionOffset, &version)) Expect("3.1 VERSION", version, kRefVersion);
    Count(kMmio31Const);
  }

  void Mmio31Scratch() {
    const int k = static_cast<int>(rng_() % kScratchCount);
    const uint64_t offset = kScratchOffset + 4 * k;
    const uint32_t value = NextScratchValue();
    auto pl = s_.pl.Shared();
    std::lock_guard<std::mutex> scratch(s_.scratch_mu[k]);
    uint32_t back = 0;
    if (Write31(offset, value) && Read31(offset, &back)) Expect("3.1 scratch", back, value);
    Count(kMmio31Scratch);
  }

  void BoardConst() {
    auto pl = s_.pl.Shared();
    for (auto [offset, want] : {std::pair<uint64_t, uint32_t>{kIdOffset, kRefId},
                                std::pair<uint64_t, uint32_t>{kVersionOffset, kRefVersion}}) {
      uint32_t value = 0;
      grpc::Status status = BoardRead(kRefRegs + offset, &value);
      if (!status.ok()) {
        Fail("Board.MmioRead " + Hex(kRefRegs + offset) + ": " + Describe(status));
      } else {
        Expect("Board ID/VERSION", value, want);
      }
    }
    Count(kBoardConst);
  }

  void BoardScratch() {
    const int k = static_cast<int>(rng_() % kScratchCount);
    const uint64_t addr = kRefRegs + kScratchOffset + 4 * k;
    const uint32_t value = NextScratchValue();
    auto pl = s_.pl.Shared();
    std::lock_guard<std::mutex> scratch(s_.scratch_mu[k]);
    if (BoardWrite(addr, value)) {
      uint32_t back = 0;
      grpc::Status status = BoardRead(addr, &back);
      if (!status.ok()) {
        Fail("Board.MmioRead " + Hex(addr) + ": " + Describe(status));
      } else {
        Expect("Board scratch", back, value);
      }
    }
    Count(kBoardScratch);
  }

  void BoardBatch() {
    const int k = static_cast<int>(rng_() % kScratchCount);
    const uint64_t scratch_addr = kRefRegs + kScratchOffset + 4 * k;
    const uint32_t value = NextScratchValue();
    v1::MmioBatchRequest req;
    auto add = [&req](v1::MmioOp::Kind kind, uint64_t addr, uint64_t v) {
      v1::MmioOp* op = req.add_ops();
      op->set_kind(kind);
      op->set_address(addr);
      op->set_width(4);
      op->set_value(v);
    };
    add(v1::MmioOp::READ, kRefRegs + kIdOffset, 0);
    add(v1::MmioOp::READ, kRefRegs + kVersionOffset, 0);
    add(v1::MmioOp::WRITE, scratch_addr, value);
    add(v1::MmioOp::READ, scratch_addr, 0);
    auto pl = s_.pl.Shared();
    std::lock_guard<std::mutex> scratch(s_.scratch_mu[k]);
    grpc::ClientContext ctx;
    Deadline(ctx);
    v1::MmioBatchResponse resp;
    grpc::Status status = board_->MmioBatch(&ctx, req, &resp);
    if (!status.ok() || resp.has_error() || resp.completed() != 4 || resp.values_size() != 4) {
      Fail("Board.MmioBatch: " + Describe(status) + ", completed " +
           std::to_string(resp.completed()) + " " + resp.error().message());
    } else {
      Expect("batch ID", resp.values(0), kRefId);
      Expect("batch VERSION", resp.values(1), kRefVersion);
      Expect("batch scratch", resp.values(3), value);
    }
    Count(kBoardBatch);
  }

  // No lock: a read racing a reprogramming sees the design or, at most, an empty PL.
  void MmioUnlocked() {
    uint32_t value = 0;
    grpc::Status status = BoardRead(kRefRegs + kIdOffset, &value);
    if (status.ok()) {
      Expect("unlocked ID", value, kRefId);
    } else if (status.error_code() != grpc::StatusCode::FAILED_PRECONDITION) {
      Fail("unlocked Board.MmioRead: " + Describe(status));
    }
    Count(kMmioUnlocked);
  }

  // --- buffers ---------------------------------------------------------------------------

  // Retries a call refused at the server's stream limit; any other answer is the result.
  template <typename Call>
  auto RetryBusy(Call call) {
    for (int attempt = 0;; ++attempt) {
      auto [busy, result] = call();
      if (!busy || attempt == 200 || s_.stop.load()) return result;
      Count(kStreamBusy);
      std::this_thread::sleep_for(std::chrono::milliseconds(1 + rng_() % 10));
    }
  }

  std::string Allocate31(size_t size) {
    grpc::ClientContext ctx;
    Deadline(ctx);
    buffer::AllocateRequest req;
    req.set_size(static_cast<int32_t>(size));
    req.set_dtype("|u1");
    req.set_cacheable(true);
    buffer::AllocateResponse resp;
    grpc::Status status = buffer_->allocate(&ctx, req, &resp);
    if (!status.ok() || !resp.msg().empty() || resp.buffer_id().empty()) {
      Fail("3.1 allocate " + std::to_string(size) + ": " + Describe(status) + " " + resp.msg());
      return "";
    }
    return resp.buffer_id();
  }

  std::string BoardAllocate(size_t size) {
    grpc::ClientContext ctx;
    Deadline(ctx);
    v1::AllocateBufferRequest req;
    req.set_size(size);
    req.set_cacheable(rng_() % 2 == 0);
    v1::AllocateBufferResponse resp;
    grpc::Status status = board_->AllocateBuffer(&ctx, req, &resp);
    if (!status.ok() || resp.buffer_id().empty() || resp.size() < size) {
      Fail("Board.AllocateBuffer " + std::to_string(size) + ": " + Describe(status));
      return "";
    }
    return resp.buffer_id();
  }

  void FreeBuffer(const std::string& id) {
    if (id.empty()) return;
    grpc::ClientContext ctx;
    Deadline(ctx);
    buffer::FreeBufferRequest req;
    req.set_buffer_id(id);
    buffer::FreeBufferResponse resp;
    grpc::Status status = buffer_->freebuffer(&ctx, req, &resp);
    if (!status.ok() || !resp.msg().empty()) {
      Fail("3.1 freebuffer " + id + ": " + Describe(status) + " " + resp.msg());
    }
  }

  bool Write31Stream(const std::string& id, const std::string& data) {
    buffer::BufferWriteResponse resp = RetryBusy([&] {
      grpc::ClientContext ctx;
      Deadline(ctx);
      buffer::BufferWriteResponse r;
      auto writer = buffer_->write(&ctx, &r);
      for (size_t at = 0; at < data.size(); at += kStreamChunk) {
        buffer::BufferWriteRequest req;
        req.set_buffer_id(id);
        req.mutable_data()->assign(data, at, kStreamChunk);
        if (!writer->Write(req)) break;  // the server answered early (refused)
      }
      writer->WritesDone();
      grpc::Status status = writer->Finish();
      if (!status.ok()) r.set_msg("status: " + Describe(status));
      return std::make_pair(r.error_code() == "LIMIT_EXCEEDED", r);
    });
    if (!resp.msg().empty()) Fail("3.1 buffer write " + id + ": " + resp.msg());
    return resp.msg().empty();
  }

  bool Read31Stream(const std::string& id, size_t size, std::string* data) {
    grpc::Status status = RetryBusy([&] {
      grpc::ClientContext ctx;
      Deadline(ctx);
      buffer::BufferReadRequest req;
      req.set_buffer_id(id);
      auto reader = buffer_->read(&ctx, req);
      buffer::BufferReadResponse resp;
      data->clear();
      data->reserve(size);
      while (reader->Read(&resp)) *data += resp.data();
      grpc::Status s = reader->Finish();
      return std::make_pair(s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED, s);
    });
    if (!status.ok()) Fail("3.1 buffer read " + id + ": " + Describe(status));
    return status.ok();
  }

  bool WriteRange(const std::string& id, uint64_t offset, const std::string& data) {
    grpc::ClientContext ctx;
    Deadline(ctx);
    v1::BufferChunk req;
    req.set_buffer_id(id);
    req.set_offset(offset);
    req.set_data(data);
    v1::WriteBufferResponse resp;
    grpc::Status status = board_->WriteBufferRange(&ctx, req, &resp);
    if (!status.ok() || resp.bytes_written() != data.size()) {
      Fail("Board.WriteBufferRange " + id + " +" + std::to_string(offset) + ": " +
           Describe(status) + ", wrote " + std::to_string(resp.bytes_written()));
      return false;
    }
    return true;
  }

  bool ReadRange(const std::string& id, uint64_t offset, uint64_t length, std::string* data) {
    grpc::ClientContext ctx;
    Deadline(ctx);
    v1::ReadBufferRequest req;
    req.set_buffer_id(id);
    req.set_offset(offset);
    req.set_length(length);
    v1::BufferChunk resp;
    grpc::Status status = board_->ReadBufferRange(&ctx, req, &resp);
    if (!status.ok()) {
      Fail("Board.ReadBufferRange " + id + ": " + Describe(status));
      return false;
    }
    *data = std::move(*resp.mutable_data());
    return true;
  }

  void CheckSame(const char* what, const std::string& id, const std::string& got,
                 const std::string& want) {
    if (got == want) return;
    size_t at = 0;
    while (at < got.size() && at < want.size() && got[at] == want[at]) ++at;
    Fail(std::string(what) + " " + id + ": read " + std::to_string(got.size()) + " bytes, " +
         std::to_string(want.size()) + " written; first difference at byte " + std::to_string(at));
  }

  void Buffer31() {
    const size_t size = 4096 * (1 + rng_() % 64);
    std::string id = Allocate31(size);
    if (id.empty()) return;
    const std::string data = Pattern(index_, ++sequence_, size);
    std::string back;
    if (Write31Stream(id, data) && Read31Stream(id, size, &back)) {
      CheckSame("3.1 buffer", id, back, data);
    }
    FreeBuffer(id);
    Count(kBuffer31);
  }

  void BufferRange() {
    const size_t size = 4096 * (1 + rng_() % 32);
    std::string id = BoardAllocate(size);
    if (id.empty()) return;
    const std::string whole = Pattern(index_, ++sequence_, size);
    const size_t offset = rng_() % size;
    const std::string patch = Pattern(index_, ++sequence_, 1 + rng_() % (size - offset));
    std::string expect = whole;
    expect.replace(offset, patch.size(), patch);
    std::string back;
    if (WriteRange(id, 0, whole) && WriteRange(id, offset, patch) && ReadRange(id, 0, 0, &back)) {
      CheckSame("range buffer", id, back, expect);
    }
    FreeBuffer(id);
    Count(kBufferRange);
  }

  // The buffer lives through every reprogramming: a PL reset must not touch the DDR.
  void BufferKept() {
    std::string back;
    if (ReadRange(kept_id_, 0, 0, &back)) CheckSame("kept buffer", kept_id_, back, kept_);
    kept_ = Pattern(index_, ++sequence_, kKeptBytes);
    WriteRange(kept_id_, 0, kept_);
    Count(kBufferKept);
  }

  // --- programming -------------------------------------------------------------------------

  void Program() {
    auto pl = s_.pl.Exclusive();
    grpc::Status status = RetryBusy([&] {
      grpc::Status s = ::pynq_remote::hil::ProgramThroughFpgaManager(*device_, "ref_accel.bin",
                                                                     s_.ref_accel_bin);
      return std::make_pair(s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED, s);
    });
    if (!status.ok()) {
      Fail("programming ref_accel: " + Describe(status));
      return;
    }
    grpc::ClientContext ctx;
    Deadline(ctx);
    v1::BoardInfo info;
    status = board_->GetInfo(&ctx, v1::GetInfoRequest(), &info);
    if (!status.ok() || info.fpga_state() != "operating" || info.loaded_design() != "ref_accel") {
      Fail("after programming: " + Describe(status) + ", state " + info.fpga_state() + ", design " +
           info.loaded_design() + " " + info.fpga_error());
      return;
    }
    // The new design starts from reset: every scratch register reads 0.
    for (int k = 0; s_.pl_resets_on_program && k < kScratchCount; ++k) {
      uint32_t value = ~0u;
      status = BoardRead(kRefRegs + kScratchOffset + 4 * k, &value);
      if (!status.ok()) {
        Fail("scratch after programming: " + Describe(status));
      } else {
        Expect("scratch after programming", value, 0);
      }
    }
    Count(kProgram);
  }

  Shared& s_;
  const int index_;
  const bool programmer_;
  std::mt19937_64 rng_;
  uint64_t sequence_ = 0;
  Clock::time_point next_program_;
  std::string mmio_id_;
  std::string kept_id_;
  std::string kept_;
  std::unique_ptr<v1::Board::Stub> board_;
  std::unique_ptr<mmio::Mmio::Stub> mmio_;
  std::unique_ptr<buffer::RemoteBuffer::Stub> buffer_;
  std::unique_ptr<remote_device::RemoteDevice::Stub> device_;
};

// grpc.health.v1.Health/Check for the whole server: true when it answers SERVING.
bool HealthServing(const std::shared_ptr<grpc::Channel>& channel) {
  grpc::GenericStub generic(channel);
  grpc::CompletionQueue cq;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  grpc::Slice empty;
  grpc::ByteBuffer request(&empty, 1);
  auto call = generic.PrepareUnaryCall(&ctx, "/grpc.health.v1.Health/Check", request, &cq);
  call->StartCall();
  grpc::ByteBuffer response;
  grpc::Status status;
  call->Finish(&response, &status, nullptr);
  void* tag = nullptr;
  bool ok = false;
  if (!cq.Next(&tag, &ok) || !status.ok()) return false;
  std::vector<grpc::Slice> slices;
  if (!response.Dump(&slices).ok()) return false;
  std::string bytes;
  for (const grpc::Slice& s : slices)
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return bytes == std::string("\x08\x01", 2);  // status: SERVING
}

double RunSeconds() {
  const char* text = std::getenv("PYNQ_REMOTE_CONCURRENCY_SECONDS");
  double seconds = text && *text ? std::atof(text) : 5.0;
  return seconds > 0 ? seconds : 5.0;
}

TEST(Concurrency, SixtyFourClientThreadsMixMmioBuffersAndProgramming) {
  ::pynq_remote::hil::ServerProcess server;
  ASSERT_TRUE(server.Start({"--max-threads", std::to_string(kMaxCallThreads)}));
  Shared shared;
  shared.address = server.address();
  const std::string bit_path = std::string(PYNQ_REMOTE_DESIGNS_DIR) + "/ref_accel/ref_accel.bit";
  shared.ref_accel_bin = ::pynq_remote::hil::BitToBin(::pynq_remote::hil::ReadHostFile(bit_path));
  ASSERT_FALSE(shared.ref_accel_bin.empty()) << "cannot read or parse " << bit_path;
  for (int i = 0; i < kChannels; ++i) {
    grpc::ChannelArguments args;
    // One connection per channel: gRPC would otherwise share one subchannel among them all.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    shared.channels.push_back(
        grpc::CreateCustomChannel(shared.address, grpc::InsecureChannelCredentials(), args));
  }
  // Every connection is up before the threads start, so the run measures calls, not connects.
  for (size_t i = 0; i < shared.channels.size(); ++i) {
    ASSERT_TRUE(shared.channels[i]->WaitForConnected(std::chrono::system_clock::now() +
                                                     std::chrono::seconds(60)))
        << "channel " << i << " never connected to " << shared.address;
  }
  auto device = remote_device::RemoteDevice::NewStub(shared.channels[0]);
  grpc::Status programmed =
      ::pynq_remote::hil::ProgramThroughFpgaManager(*device, "ref_accel.bin", shared.ref_accel_bin);
  ASSERT_TRUE(programmed.ok()) << programmed.error_message();
  if (::pynq_remote::hil::BackendUnderTest() == "zynq") {
    shared.pl_resets_on_program = false;
    // A fake board tree has plain memory where ref_regs' constants are: put them there, so
    // that every check of them still sees one value while 64 threads hammer the server.
    auto board = v1::Board::NewStub(shared.channels[0]);
    for (auto [offset, value] : {std::pair<uint64_t, uint32_t>{kIdOffset, kRefId},
                                 std::pair<uint64_t, uint32_t>{kVersionOffset, kRefVersion}}) {
      grpc::ClientContext ctx;
      v1::MmioWriteRequest write;
      write.set_address(kRefRegs + offset);
      write.set_width(4);
      write.set_value(value);
      v1::MmioWriteResponse written;
      ASSERT_TRUE(board->MmioWrite(&ctx, write, &written).ok());
    }
  }

  const long idle_before = ThreadCount(server.pid());
  const double seconds = RunSeconds();
  std::printf("concurrency: %d threads for %.1f s against %s (server pid %d)\n", kThreads, seconds,
              shared.address.c_str(), static_cast<int>(server.pid()));
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&shared, i] { Worker(shared, i).Run(); });
  }
  // Sample the server's threads while the clients run.
  std::vector<long> samples;
  const auto start = Clock::now();
  const auto end =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  while (Clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    samples.push_back(ThreadCount(server.pid()));
  }
  shared.stop = true;
  for (std::thread& t : threads) t.join();
  const double ran = std::chrono::duration<double>(Clock::now() - start).count();

  uint64_t total = 0;
  for (int op = 0; op < kOpCount; ++op) {
    std::printf("  %-22s %10llu\n", kOpNames[op],
                static_cast<unsigned long long>(shared.counts[op].load()));
    if (op != kStreamBusy) total += shared.counts[op].load();
  }
  std::printf("  %-22s %10llu (%.0f/s)\n", "total", static_cast<unsigned long long>(total),
              total / ran);
  for (const std::string& f : shared.failures) ADD_FAILURE() << f;
  EXPECT_EQ(shared.failure_count.load(), 0u) << "(the first 40 are listed above)";
  for (int op = 0; op < kOpCount; ++op) {
    if (op != kStreamBusy) {
      EXPECT_GT(shared.counts[op].load(), 0u) << kOpNames[op] << " never ran";
    }
  }

  // Threads: never past the ceiling, whatever the scheduling.
  ASSERT_GE(samples.size(), 4u);
  std::string per_second;
  for (size_t i = 0; i < samples.size(); i += 4) {
    per_second +=
        " " + std::to_string(*std::max_element(samples.begin() + i,
                                               samples.begin() + std::min(i + 4, samples.size())));
  }
  const long peak = *std::max_element(samples.begin(), samples.end());
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const long idle = ThreadCount(server.pid());
  std::printf("  server threads: %ld before, per second (max)%s, %ld idle after\n", idle_before,
              per_second.c_str(), idle);
  EXPECT_LE(peak, kMaxCallThreads + kOwnThreads) << "past the server's --max-threads ceiling";
  EXPECT_LE(idle, peak);

  // Still healthy, still programmed, and every buffer freed.
  EXPECT_TRUE(HealthServing(shared.channels[0]));
  grpc::ClientContext ctx;
  v1::BoardInfo info;
  auto board = v1::Board::NewStub(shared.channels[0]);
  ASSERT_TRUE(board->GetInfo(&ctx, v1::GetInfoRequest(), &info).ok());
  EXPECT_EQ(info.fpga_state(), "operating");
  EXPECT_EQ(info.loaded_design(), "ref_accel");
  EXPECT_EQ(info.usage().buffers(), 0u);
  EXPECT_EQ(info.usage().buffer_bytes(), 0u);
  EXPECT_EQ(info.usage().active_streams(), 0u);

  shared.channels.clear();
  board.reset();
  device.reset();
  EXPECT_EQ(server.Stop(std::chrono::seconds(60)), 0) << "the server did not exit cleanly";
}

}  // namespace
