// Conformance: the real pynq-remote-server, over a real socket, driven with exactly the
// sequences the unmodified PYNQ 3.1 client sends (README.md#wire-contract), checking every answer.
//
// Target: PYNQ_REMOTE_DEVICES=host[:port] (first entry) runs against that board; otherwise
// the test starts `pynq-remote-server --backend sim --listen 127.0.0.1:0 --root <tmp>`,
// reads the port from its "listening on" line, and stops it with SIGTERM at the end.
// The tests share that server and run in order: connect, program, then use the design.
// PYNQ_REMOTE_BACKEND=zynq starts the hardware backend on a fake board tree instead; there
// the checks that need the PL's logic (an ID register, the accelerator) are skipped. A board
// started with --token-file gets PYNQ_REMOTE_TOKEN as a bearer token on every call.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
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

using ::pynq_remote::hil::BitToBin;
using ::pynq_remote::hil::ReadHostFile;
using ::pynq_remote::hil::Trim;
constexpr size_t kChunk = ::pynq_remote::hil::kClientChunk;
constexpr const char* kFpga = ::pynq_remote::hil::kFpgaManager;
constexpr uint64_t kRefRegs = 0xA0000000;   // ref_regs_0
constexpr uint64_t kMemAccel = 0xA0010000;  // mem_accel_0 (HLS ap_ctrl)
constexpr uint32_t kRefId = 0x52454641;     // 'REFA'

// ---------------------------------------------------------------------------------------
// The server under test.

class ServerUnderTest : public ::testing::Environment {
 public:
  void SetUp() override {
    const char* devices = std::getenv("PYNQ_REMOTE_DEVICES");
    if (devices && *devices) {
      std::string first = std::string(devices).substr(0, std::string(devices).find(','));
      address_ = first.find(':') == std::string::npos ? first + ":7967" : first;
    } else {
      child_.emplace();
      started_here_ = true;
      if (child_->Start()) address_ = child_->address();
    }
    if (address_.empty()) return;
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(64 << 20);
    args.SetMaxSendMessageSize(64 << 20);
    std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> bearer;
    if (const char* token = std::getenv("PYNQ_REMOTE_TOKEN"); token && *token) {
      bearer.push_back(std::make_unique<BearerTokenFactory>(token));
    }
    channel_ = grpc::experimental::CreateCustomChannelWithInterceptors(
        address_, grpc::InsecureChannelCredentials(), args, std::move(bearer));
    connected_ =
        channel_->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(5));
    if (connected_) {
      grpc::ClientContext ctx;
      v1::BoardInfo info;
      if (v1::Board::NewStub(channel_)->GetInfo(&ctx, v1::GetInfoRequest(), &info).ok()) {
        for (const std::string& c : info.capabilities()) fake_board_ |= c == "fake_board";
      }
    }
  }

  void TearDown() override {
    channel_.reset();
    if (child_) {
      int exit_status = child_->Stop();
      child_.reset();
      if (exit_status != 0) {
        std::fprintf(stderr, "conformance: server did not exit cleanly (status %d)\n", exit_status);
        clean_exit_failed_ = true;
      }
    }
  }

  bool started_here() const { return started_here_; }
  /// The hardware backend on a fake board tree: registers are plain memory, no PL logic.
  bool fake_board() const { return fake_board_; }
  bool connected() const { return connected_; }
  const std::string& address() const { return address_; }
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }
  static bool clean_exit_failed() { return clean_exit_failed_; }

 private:
  std::string address_;
  std::optional<::pynq_remote::hil::ServerProcess> child_;
  // Adds "authorization: Bearer TOKEN" to every call (a board started with --token-file).
  class BearerToken : public grpc::experimental::Interceptor {
   public:
    explicit BearerToken(const std::string& token) : value_("Bearer " + token) {}
    void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
      if (methods->QueryInterceptionHookPoint(
              grpc::experimental::InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
        methods->GetSendInitialMetadata()->insert({"authorization", value_});
      }
      methods->Proceed();
    }

   private:
    std::string value_;
  };
  class BearerTokenFactory : public grpc::experimental::ClientInterceptorFactoryInterface {
   public:
    explicit BearerTokenFactory(std::string token) : token_(std::move(token)) {}
    grpc::experimental::Interceptor* CreateClientInterceptor(
        grpc::experimental::ClientRpcInfo*) override {
      return new BearerToken(token_);
    }

   private:
    std::string token_;
  };

  bool started_here_ = false;
  bool fake_board_ = false;
  bool connected_ = false;
  std::shared_ptr<grpc::Channel> channel_;
  static inline bool clean_exit_failed_ = false;
};

ServerUnderTest* g_server = nullptr;

// ---------------------------------------------------------------------------------------
// The 3.1 client's calls.

class Conformance : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(g_server->connected()) << "no server at \"" << g_server->address() << "\"";
    auto channel = g_server->channel();
    device_ = remote_device::RemoteDevice::NewStub(channel);
    mmio_ = mmio::Mmio::NewStub(channel);
    buffer_ = buffer::RemoteBuffer::NewStub(channel);
    board_ = v1::Board::NewStub(channel);
  }

  bool Exists(const std::string& path) {
    grpc::ClientContext ctx;
    remote_device::ExistsFileRequest req;
    req.set_file_path(path);
    remote_device::ExistsFileResponse resp;
    grpc::Status status = device_->existsfile(&ctx, req, &resp);
    EXPECT_TRUE(status.ok()) << path << ": " << status.error_message();
    return resp.exists();
  }

  std::string ReadFile(const std::string& path, grpc::Status* status_out = nullptr) {
    grpc::ClientContext ctx;
    remote_device::ReadFileRequest req;
    req.set_file_path(path);
    auto reader = device_->readfile(&ctx, req);
    remote_device::ReadFileResponse resp;
    std::string data;
    while (reader->Read(&resp)) data += resp.data();
    grpc::Status status = reader->Finish();
    if (status_out) {
      *status_out = status;
    } else {
      EXPECT_TRUE(status.ok()) << path << ": " << status.error_message();
    }
    return data;
  }

  grpc::Status WriteFile(const std::string& path, const std::string& content) {
    return ::pynq_remote::hil::WriteRemoteFile(*device_, path, content);
  }

  std::string GetMmio(uint64_t base, uint64_t length) {
    grpc::ClientContext ctx;
    mmio::GetMmioRequest req;
    req.set_base_addr(base);
    req.set_length(length);
    mmio::GetMmioResponse resp;
    grpc::Status status = mmio_->get_mmio(&ctx, req, &resp);
    EXPECT_TRUE(status.ok()) << status.error_message();
    EXPECT_TRUE(resp.msg().empty()) << Hex(base) << ": " << resp.msg();
    EXPECT_FALSE(resp.mmio_id().empty()) << Hex(base);
    return resp.mmio_id();
  }

  mmio::ReadResponse Read(const std::string& id, uint64_t offset, uint64_t length = 4) {
    grpc::ClientContext ctx;
    mmio::ReadRequest req;
    req.set_mmio_id(id);
    req.set_offset(offset);
    req.set_length(length);
    req.set_word_order("little");
    mmio::ReadResponse resp;
    grpc::Status status = mmio_->read(&ctx, req, &resp);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return resp;
  }

  // The 3.1 client's value: response.data (int32), checked for a clean answer.
  uint32_t Read32(const std::string& id, uint64_t offset) {
    mmio::ReadResponse resp = Read(id, offset);
    EXPECT_TRUE(resp.msg().empty()) << "read at +" << Hex(offset) << ": " << resp.msg();
    EXPECT_TRUE(resp.status());
    EXPECT_EQ(static_cast<uint64_t>(static_cast<uint32_t>(resp.data())), resp.data64());
    return static_cast<uint32_t>(resp.data());
  }

  mmio::WriteResponse Write(const std::string& id, uint64_t offset, const std::string& data) {
    grpc::ClientContext ctx;
    mmio::WriteRequest req;
    req.set_mmio_id(id);
    req.set_offset(offset);
    req.set_data(data);
    mmio::WriteResponse resp;
    grpc::Status status = mmio_->write(&ctx, req, &resp);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return resp;
  }

  void Write32(const std::string& id, uint64_t offset, uint32_t value) {
    mmio::WriteResponse resp = Write(id, offset, Le(value, 4));
    EXPECT_TRUE(resp.msg().empty()) << "write at +" << Hex(offset) << ": " << resp.msg();
    EXPECT_TRUE(resp.status());
  }

  std::string Allocate(size_t bytes, const std::string& dtype) {
    grpc::ClientContext ctx;
    buffer::AllocateRequest req;
    req.set_size(static_cast<int32_t>(bytes));
    req.set_dtype(dtype);
    req.set_cacheable(true);
    buffer::AllocateResponse resp;
    grpc::Status status = buffer_->allocate(&ctx, req, &resp);
    EXPECT_TRUE(status.ok()) << status.error_message();
    EXPECT_TRUE(resp.msg().empty()) << resp.msg();
    return resp.buffer_id();
  }

  void BufferWrite(const std::string& id, const std::string& data) {
    grpc::ClientContext ctx;
    buffer::BufferWriteResponse resp;
    auto writer = buffer_->write(&ctx, &resp);
    for (size_t at = 0; at < data.size(); at += kChunk) {
      buffer::BufferWriteRequest req;
      req.set_buffer_id(id);
      req.mutable_data()->assign(data, at, kChunk);
      writer->Write(req);
    }
    writer->WritesDone();
    grpc::Status status = writer->Finish();
    EXPECT_TRUE(status.ok()) << status.error_message();
    EXPECT_TRUE(resp.msg().empty()) << resp.msg();
  }

  std::string BufferRead(const std::string& id, size_t expected_bytes = 0) {
    grpc::ClientContext ctx;
    buffer::BufferReadRequest req;
    req.set_buffer_id(id);
    auto reader = buffer_->read(&ctx, req);
    buffer::BufferReadResponse resp;
    std::string data;
    data.reserve(expected_bytes);
    while (reader->Read(&resp)) data += resp.data();
    grpc::Status status = reader->Finish();
    EXPECT_TRUE(status.ok()) << status.error_message();
    return data;
  }

  uint64_t PhysicalAddress(const std::string& id) {
    grpc::ClientContext ctx;
    buffer::AddressRequest req;
    req.set_buffer_id(id);
    buffer::AddressResponse resp;
    EXPECT_TRUE(buffer_->physical_address(&ctx, req, &resp).ok());
    EXPECT_TRUE(resp.msg().empty()) << resp.msg();
    return resp.address();
  }

  template <typename Request, typename Response, typename Rpc>
  void NoMsg(Rpc rpc, const std::string& id) {
    grpc::ClientContext ctx;
    Request req;
    req.set_buffer_id(id);
    Response resp;
    grpc::Status status = (buffer_.get()->*rpc)(&ctx, req, &resp);
    EXPECT_TRUE(status.ok()) << status.error_message();
    EXPECT_TRUE(resp.msg().empty()) << resp.msg();
  }

  static std::string Le(uint64_t value, int bytes) {
    std::string s(static_cast<size_t>(bytes), '\0');
    for (int i = 0; i < bytes; ++i) s[i] = static_cast<char>(value >> (8 * i));
    return s;
  }
  static std::string Hex(uint64_t v) {
    std::ostringstream out;
    out << "0x" << std::hex << std::uppercase << v;
    return out.str();
  }

  std::unique_ptr<remote_device::RemoteDevice::Stub> device_;
  std::unique_ptr<mmio::Mmio::Stub> mmio_;
  std::unique_ptr<buffer::RemoteBuffer::Stub> buffer_;
  std::unique_ptr<v1::Board::Stub> board_;
};

// ---------------------------------------------------------------------------------------
// 1. Connect.

TEST_F(Conformance, T01_ConnectReadsProcVersionAndBoardName) {
  ASSERT_TRUE(Exists("/proc/version"));
  std::string version = ReadFile("/proc/version");
  EXPECT_NE(version.find("aarch64"), std::string::npos) << version;
  ASSERT_TRUE(Exists("/proc/device-tree/chosen/pynq_board"));
  std::string board = Trim(ReadFile("/proc/device-tree/chosen/pynq_board"));
  EXPECT_FALSE(board.empty());
  if (g_server->started_here()) EXPECT_EQ(board, "ZCU104");
  EXPECT_FALSE(ReadFile("xrt_device").empty());
}

TEST_F(Conformance, T02_HealthCheckAndReflectionAnswer) {
  grpc::GenericStub generic(g_server->channel());
  grpc::CompletionQueue cq;
  auto wait = [&cq](void* expected) {
    void* tag = nullptr;
    bool ok = false;
    EXPECT_TRUE(cq.Next(&tag, &ok));
    EXPECT_EQ(tag, expected);
    return ok;
  };
  // grpc.health.v1.Health/Check with service "": the answer is status SERVING (field 1 = 1).
  {
    grpc::ClientContext ctx;
    grpc::Slice empty;
    grpc::ByteBuffer request(&empty, 1);
    auto call = generic.PrepareUnaryCall(&ctx, "/grpc.health.v1.Health/Check", request, &cq);
    call->StartCall();
    grpc::ByteBuffer response;
    grpc::Status status;
    call->Finish(&response, &status, reinterpret_cast<void*>(1));
    wait(reinterpret_cast<void*>(1));
    ASSERT_TRUE(status.ok()) << status.error_message();
    std::vector<grpc::Slice> slices;
    ASSERT_TRUE(response.Dump(&slices).ok());
    std::string bytes;
    for (const grpc::Slice& s : slices)
      bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
    EXPECT_EQ(bytes, std::string("\x08\x01", 2));
  }
  // grpc.reflection.v1alpha.ServerReflection: list_services (field 7) names our services.
  {
    grpc::ClientContext ctx;
    auto call = generic.PrepareCall(
        &ctx, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &cq);
    call->StartCall(reinterpret_cast<void*>(2));
    ASSERT_TRUE(wait(reinterpret_cast<void*>(2)));
    grpc::Slice list(std::string("\x3a\x00", 2));
    grpc::ByteBuffer request(&list, 1);
    call->Write(request, reinterpret_cast<void*>(3));
    ASSERT_TRUE(wait(reinterpret_cast<void*>(3)));
    call->WritesDone(reinterpret_cast<void*>(4));
    wait(reinterpret_cast<void*>(4));
    grpc::ByteBuffer response;
    call->Read(&response, reinterpret_cast<void*>(5));
    ASSERT_TRUE(wait(reinterpret_cast<void*>(5)));
    grpc::Status status;
    call->Finish(&status, reinterpret_cast<void*>(6));
    wait(reinterpret_cast<void*>(6));
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::vector<grpc::Slice> slices;
    ASSERT_TRUE(response.Dump(&slices).ok());
    std::string bytes;
    for (const grpc::Slice& s : slices)
      bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
    for (const char* service : {"remote_device.RemoteDevice", "mmio.Mmio", "buffer.RemoteBuffer",
                                "pynq_remote.v1.Board"}) {
      EXPECT_NE(bytes.find(service), std::string::npos) << service;
    }
  }
}

// 2. Overlay download of ref_accel through the fpga_manager paths.

TEST_F(Conformance, T03_ProgramRefAccelThroughFpgaManager) {
  std::string state = ReadFile(std::string(kFpga) + "state");
  std::string flags = ReadFile(std::string(kFpga) + "flags");
  EXPECT_FALSE(Trim(state).empty());
  EXPECT_FALSE(Trim(flags).empty());

  const std::string bit_path = std::string(PYNQ_REMOTE_DESIGNS_DIR) + "/ref_accel/ref_accel.bit";
  std::string bin = BitToBin(ReadHostFile(bit_path));
  ASSERT_FALSE(bin.empty()) << "cannot read or parse " << bit_path;

  {
    grpc::ClientContext ctx;
    remote_device::SetBitstreamAttrsRequest req;
    req.set_binfile_name("ref_accel.bin");
    req.set_partial(false);
    remote_device::SetBitstreamAttrsResponse resp;
    ASSERT_TRUE(device_->set_bitstream_attrs(&ctx, req, &resp).ok());
    EXPECT_TRUE(resp.status());
  }
  bool cached = Exists("/lib/firmware/ref_accel.bin");
  if (g_server->started_here()) EXPECT_FALSE(cached) << "fresh root has no firmware";
  grpc::Status upload = WriteFile("/lib/firmware/ref_accel.bin", bin);
  ASSERT_TRUE(upload.ok()) << upload.error_message();
  EXPECT_TRUE(Exists("/lib/firmware/ref_accel.bin"));
  ASSERT_TRUE(WriteFile(std::string(kFpga) + "flags", "0").ok());
  grpc::Status programmed = WriteFile(std::string(kFpga) + "firmware", "ref_accel.bin");
  ASSERT_TRUE(programmed.ok()) << programmed.error_message();
  EXPECT_EQ(Trim(ReadFile(std::string(kFpga) + "state")), "operating");

  grpc::ClientContext ctx;
  v1::BoardInfo info;
  ASSERT_TRUE(board_->GetInfo(&ctx, v1::GetInfoRequest(), &info).ok());
  EXPECT_EQ(info.loaded_design(), "ref_accel");
  EXPECT_EQ(info.fpga_state(), "operating");
}

TEST_F(Conformance, T04_CorruptBitstreamFailsAndStateSaysSo) {
  if (!g_server->started_here()) GTEST_SKIP() << "would unload a physical board";
  if (g_server->fake_board()) GTEST_SKIP() << "a fake board's FPGA manager takes anything";
  ASSERT_TRUE(WriteFile("/lib/firmware/corrupt.bin", std::string(4096, '\x5a')).ok());
  grpc::Status status = WriteFile(std::string(kFpga) + "firmware", "corrupt.bin");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_EQ(Trim(ReadFile(std::string(kFpga) + "state")), "unknown");
  // Program ref_accel again (cached firmware, as the client would) for what follows.
  ASSERT_TRUE(Exists("/lib/firmware/ref_accel.bin"));
  grpc::Status again = WriteFile(std::string(kFpga) + "firmware", "ref_accel.bin");
  ASSERT_TRUE(again.ok()) << again.error_message();
  EXPECT_EQ(Trim(ReadFile(std::string(kFpga) + "state")), "operating");
}

// The ZynqMP AXI port-width read-modify-writes after a download (32-bit ports: 0).
TEST_F(Conformance, T05_PsAxiPortWidthReadModifyWrite) {
  struct Rmw {
    uint64_t addr;
    uint32_t mask;
  };
  const Rmw rmws[] = {{0xFD615000, 0xF00}, {0xFF419000, 0x300}};
  for (const Rmw& r : rmws) {
    std::string id = GetMmio(r.addr, 4);
    uint32_t old = Read32(id, 0);
    Write32(id, 0, old & ~r.mask);
    EXPECT_EQ(Read32(id, 0), old & ~r.mask) << Hex(r.addr);
  }
  const uint64_t afifm[] = {0xFD360000, 0xFD370000, 0xFD380000, 0xFD390000,
                            0xFD3A0000, 0xFD3B0000, 0xFF9B0000};
  for (uint64_t base : afifm) {
    for (uint64_t reg : {0x0, 0x14}) {
      std::string id = GetMmio(base + reg, 4);
      uint32_t old = Read32(id, 0);
      Write32(id, 0, old & ~3u);
      EXPECT_EQ(Read32(id, 0) & 3u, 0u) << Hex(base + reg);
    }
  }
}

// The PL clock computation of the client: realistic post-boot values, PL0 at 100 MHz.
TEST_F(Conformance, T06_ClockRegistersGiveRealisticClocks) {
  std::string crf = GetMmio(0xFD1A0000, 0x100);
  std::string crl = GetMmio(0xFF5E0000, 0x100);
  for (uint64_t reg : {0x20, 0x2C, 0x38, 0x60}) EXPECT_NE(Read32(crf, reg), 0u) << Hex(reg);
  auto pll_mhz = [](uint32_t ctrl) {
    uint32_t fbdiv = (ctrl >> 8) & 0x7F;
    return 33.333 * fbdiv / (((ctrl >> 16) & 1) ? 2 : 1);
  };
  double iopll = pll_mhz(Read32(crl, 0x20));
  double rpll = pll_mhz(Read32(crl, 0x30));
  EXPECT_GT(iopll, 0);
  EXPECT_GT(rpll, 0);
  for (uint64_t reg : {0xC0, 0xC4, 0xC8, 0xCC}) {
    uint32_t ctrl = Read32(crl, reg);
    uint32_t div0 = (ctrl >> 8) & 0x3F;
    uint32_t div1 = (ctrl >> 16) & 0x3F;
    ASSERT_NE(div0, 0u) << "PL" << (reg - 0xC0) / 4 << "_REF_CTRL DIVISOR0";
    ASSERT_NE(div1, 0u) << "PL" << (reg - 0xC0) / 4 << "_REF_CTRL DIVISOR1";
    if (reg == 0xC0) {
      EXPECT_TRUE(ctrl & (1u << 24)) << "PL0 CLKACT";
      double src = (ctrl & 7) == 2 ? rpll : iopll;
      EXPECT_NEAR(src / div0 / div1, 100.0, 1.0);
    }
  }
}

// 4. MMIO to ref_regs_0.
TEST_F(Conformance, T07_RefRegsIdScratchAndFullWidthValues) {
  if (g_server->fake_board()) GTEST_SKIP() << "a fake board has no ID register behind MMIO";
  std::string id = GetMmio(kRefRegs, 0x1000);
  EXPECT_EQ(Read32(id, 0x00), kRefId);
  EXPECT_EQ(Read32(id, 0x04), 0x00010000u);
  Write32(id, 0x10, 0x12345678);
  EXPECT_EQ(Read32(id, 0x10), 0x12345678u);

  // >= 0x80000000: the int32 field carries two's complement, data64 the value.
  Write32(id, 0x14, 0xDEADBEEF);
  mmio::ReadResponse high = Read(id, 0x14);
  EXPECT_TRUE(high.status());
  EXPECT_EQ(high.data(), static_cast<int32_t>(0xDEADBEEFu));
  EXPECT_LT(high.data(), 0);
  EXPECT_EQ(high.data64(), 0xDEADBEEFu);

  // 8 bytes from a NumPy int64: SCRATCH2 and SCRATCH3 both written.
  mmio::WriteResponse w64 = Write(id, 0x18, Le(0x8765432101234567ull, 8));
  EXPECT_TRUE(w64.status()) << w64.msg();
  EXPECT_EQ(Read32(id, 0x18), 0x01234567u);
  EXPECT_EQ(Read32(id, 0x1C), 0x87654321u);

  // 16 bytes: four successive words.
  mmio::WriteResponse w128 =
      Write(id, 0x10, Le(0x1111111100000000ull, 8) + Le(0x3333333322222222ull, 8));
  EXPECT_TRUE(w128.status()) << w128.msg();
  EXPECT_EQ(Read32(id, 0x10), 0x00000000u);
  EXPECT_EQ(Read32(id, 0x14), 0x11111111u);
  EXPECT_EQ(Read32(id, 0x18), 0x22222222u);
  EXPECT_EQ(Read32(id, 0x1C), 0x33333333u);

  // The cycle counter moves.
  uint32_t c0 = Read32(id, 0x20);
  uint32_t c1 = Read32(id, 0x20);
  EXPECT_NE(c0, c1);
}

TEST_F(Conformance, T08_MmioBadInputsAnswerWithMsg) {
  std::string id = GetMmio(kRefRegs, 0x1000);
  mmio::ReadResponse unaligned = Read(id, 0x2);
  EXPECT_FALSE(unaligned.status());
  EXPECT_FALSE(unaligned.msg().empty());
  EXPECT_FALSE(Read(id, 0x1000).msg().empty());
  EXPECT_FALSE(Read("mmio-unknown", 0).msg().empty());
  EXPECT_FALSE(Write(id, 0x1, Le(1, 4)).msg().empty());
  grpc::ClientContext ctx;
  mmio::GetMmioRequest req;
  req.set_base_addr(0x1000);  // DDR, not an MMIO window
  req.set_length(0x100);
  mmio::GetMmioResponse resp;
  ASSERT_TRUE(mmio_->get_mmio(&ctx, req, &resp).ok());
  EXPECT_FALSE(resp.status());
  EXPECT_FALSE(resp.msg().empty());
  // Still healthy.
  if (!g_server->fake_board()) EXPECT_EQ(Read32(id, 0x00), kRefId);
  Write32(id, 0x10, 0x600DF00D);
  EXPECT_EQ(Read32(id, 0x10), 0x600DF00Du);
}

// 5. Buffers.
TEST_F(Conformance, T09_AllocateWriteReadFree) {
  const size_t n = 3 * 1024 * 1024 + 64;  // two chunks
  std::string id = Allocate(n, "|u1");
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(PhysicalAddress(id) % 4096, 0u);
  std::string data(n, '\0');
  for (size_t i = 0; i < n; ++i) data[i] = static_cast<char>((i * 7 + 3) & 0xFF);
  BufferWrite(id, data);
  NoMsg<buffer::FlushRequest, buffer::FlushResponse>(&buffer::RemoteBuffer::Stub::flush, id);
  NoMsg<buffer::InvalidateRequest, buffer::InvalidateResponse>(
      &buffer::RemoteBuffer::Stub::invalidate, id);
  EXPECT_EQ(BufferRead(id), data);
  NoMsg<buffer::FreeBufferRequest, buffer::FreeBufferResponse>(
      &buffer::RemoteBuffer::Stub::freebuffer, id);
  // Freed: the next use answers with msg.
  grpc::ClientContext ctx;
  buffer::FreeBufferRequest req;
  req.set_buffer_id(id);
  buffer::FreeBufferResponse resp;
  ASSERT_TRUE(buffer_->freebuffer(&ctx, req, &resp).ok());
  EXPECT_FALSE(resp.msg().empty());
  // Bad sizes answer with msg.
  grpc::ClientContext actx;
  buffer::AllocateRequest areq;
  areq.set_size(-1);
  buffer::AllocateResponse aresp;
  ASSERT_TRUE(buffer_->allocate(&actx, areq, &aresp).ok());
  EXPECT_FALSE(aresp.msg().empty());
}

// 6. The accelerator: arguments, one register write to start, results read back.
TEST_F(Conformance, T10_AcceleratorRunsFromOneRegisterWrite) {
  if (g_server->fake_board()) GTEST_SKIP() << "a fake board has no accelerator";
  const size_t n = 64 * 1024;
  std::string src = Allocate(n, "<u4");
  std::string dst = Allocate(n, "<u4");
  ASSERT_FALSE(src.empty());
  ASSERT_FALSE(dst.empty());
  std::string in(n, '\0');
  for (size_t w = 0; w < n / 4; ++w) {
    uint32_t v = static_cast<uint32_t>(w * 3 + 1);
    std::memcpy(&in[w * 4], &v, 4);
  }
  BufferWrite(src, in);
  BufferWrite(dst, std::string(n, '\0'));
  uint64_t src_phys = PhysicalAddress(src);
  uint64_t dst_phys = PhysicalAddress(dst);
  std::string accel = GetMmio(kMemAccel, 0x1000);

  struct Run {
    uint32_t op, constant;
  };
  for (Run run : {Run{0, 0}, Run{1, 5}}) {
    Write32(accel, 0x10, static_cast<uint32_t>(src_phys));
    Write32(accel, 0x14, static_cast<uint32_t>(src_phys >> 32));
    Write32(accel, 0x1C, static_cast<uint32_t>(dst_phys));
    Write32(accel, 0x20, static_cast<uint32_t>(dst_phys >> 32));
    Write32(accel, 0x28, static_cast<uint32_t>(n));
    Write32(accel, 0x30, run.op);
    Write32(accel, 0x38, run.constant);
    Write32(accel, 0x00, 1);  // ap_start: the only trigger; no polling from here on

    std::string expect = in;
    for (size_t w = 0; w < n / 4; ++w) {
      uint32_t v;
      std::memcpy(&v, &expect[w * 4], 4);
      v += run.op == 1 ? run.constant : 0;
      std::memcpy(&expect[w * 4], &v, 4);
    }
    std::string out;
    // The results arrive in simulated time; the wall bound is only there so that a run that
    // never finishes fails instead of hanging, and is wide enough for an ASan build on a
    // loaded machine.
    auto deadline = Clock::now() + std::chrono::seconds(120);
    do {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      out = BufferRead(dst);
    } while (out != expect && Clock::now() < deadline);
    EXPECT_EQ(out == expect, true) << "op " << run.op << ": results never arrived";
    EXPECT_TRUE(Read32(accel, 0x00) & 0x4) << "ap_idle after the run";
    EXPECT_EQ(Read32(accel, 0x40), 0u) << "AXI error status";
  }
}

// Our extension, over the same socket.
TEST_F(Conformance, T11_BoardExtension) {
  grpc::ClientContext ctx;
  v1::BoardInfo info;
  ASSERT_TRUE(board_->GetInfo(&ctx, v1::GetInfoRequest(), &info).ok());
  // The simulated board is a ZCU104; the hardware backend says what its kernel runs on.
  if (info.backend() == "sim") EXPECT_EQ(info.arch(), "aarch64");
  EXPECT_FALSE(info.arch().empty());
  EXPECT_FALSE(info.windows().empty());
  EXPECT_FALSE(info.server_version().empty());
  v1::MmioBatchRequest batch;
  auto add = [&](v1::MmioOp::Kind kind, uint64_t addr, uint64_t value) {
    v1::MmioOp* op = batch.add_ops();
    op->set_kind(kind);
    op->set_address(addr);
    op->set_width(4);
    op->set_value(value);
  };
  add(v1::MmioOp::READ, kRefRegs, 0);
  add(v1::MmioOp::WRITE, kRefRegs + 0x10, 0xFEEDFACE);
  add(v1::MmioOp::READ, kRefRegs + 0x10, 0);
  add(v1::MmioOp::READ, 0x1000, 0);  // outside every window: stops here
  grpc::ClientContext bctx;
  v1::MmioBatchResponse resp;
  ASSERT_TRUE(board_->MmioBatch(&bctx, batch, &resp).ok());
  EXPECT_EQ(resp.completed(), 3u);
  ASSERT_EQ(resp.values_size(), 3);
  if (!g_server->fake_board()) EXPECT_EQ(resp.values(0), kRefId);
  EXPECT_EQ(resp.values(2), 0xFEEDFACEu);
  ASSERT_TRUE(resp.has_error());
  EXPECT_EQ(resp.error().op_index(), 3u);
  EXPECT_EQ(resp.error().grpc_code(), static_cast<int>(grpc::StatusCode::OUT_OF_RANGE));

  // Advance: simulated time moves by at least what was asked (hardware: UNIMPLEMENTED).
  grpc::ClientContext actx;
  v1::AdvanceRequest advance;
  advance.set_cycles(1000);
  v1::AdvanceResponse advanced;
  grpc::Status status = board_->Advance(&actx, advance, &advanced);
  if (info.backend() == "sim") {
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_GE(advanced.pl_cycles(), info.pl_cycles() + 1000);
    EXPECT_GT(advanced.sim_time_ps(), info.sim_time_ps());
  } else {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  }
}

// The throughput path: 64 MiB through buffer write and read, the 3.1 client's way. The
// rate is recorded; PYNQ_REMOTE_MIN_GBPS (e.g. 1.0) turns it into a check.
TEST_F(Conformance, T13_BufferThroughput64MiB) {
  const size_t n = 64u << 20;
  std::string id = Allocate(n, "|u1");
  ASSERT_FALSE(id.empty());
  std::string data(n, '\0');
  for (size_t i = 0; i < n; i += 4096) data[i] = static_cast<char>(i >> 12);
  auto start = Clock::now();
  BufferWrite(id, data);
  double write_s = std::chrono::duration<double>(Clock::now() - start).count();
  start = Clock::now();
  std::string back = BufferRead(id, n);
  double read_s = std::chrono::duration<double>(Clock::now() - start).count();
  EXPECT_TRUE(back == data);
  double write_gbps = n / write_s / 1e9, read_gbps = n / read_s / 1e9;
  std::printf("64 MiB buffer: write %.2f GB/s, read %.2f GB/s\n", write_gbps, read_gbps);
  RecordProperty("write_gbps", std::to_string(write_gbps));
  RecordProperty("read_gbps", std::to_string(read_gbps));
  if (const char* min = std::getenv("PYNQ_REMOTE_MIN_GBPS")) {
    EXPECT_GE(write_gbps, std::atof(min));
    EXPECT_GE(read_gbps, std::atof(min));
  }
  NoMsg<buffer::FreeBufferRequest, buffer::FreeBufferResponse>(
      &buffer::RemoteBuffer::Stub::freebuffer, id);
}

TEST_F(Conformance, T12_FilePathsStayInTheRoot) {
  grpc::Status status;
  ReadFile("/../../../etc/passwd", &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(WriteFile("/../escape", "x").error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(Exists("/proc/version"));
}

// Runs the server binary with `args` to completion (at most 30 s); returns its exit code
// and its stderr.
int RunServerOnce(const std::vector<std::string>& args, std::string* err) {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return -1;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(pipe_fds[1], STDERR_FILENO);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    std::vector<char*> argv{const_cast<char*>(PYNQ_REMOTE_SERVER_PATH)};
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(pipe_fds[1]);
  auto deadline = Clock::now() + std::chrono::seconds(30);
  char buf[512];
  for (;;) {
    pollfd fd{pipe_fds[0], POLLIN, 0};
    if (Clock::now() > deadline) {
      kill(pid, SIGKILL);
      break;
    }
    if (poll(&fd, 1, 100) <= 0) continue;
    ssize_t n = read(pipe_fds[0], buf, sizeof buf);
    if (n <= 0) break;
    err->append(buf, static_cast<size_t>(n));
  }
  close(pipe_fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The command line: a port in use, a bad --listen, a zynq backend with no board under it:
// exit code 1 and a sentence saying why.
TEST_F(Conformance, T14_ServerCommandLineErrors) {
  if (!g_server->started_here()) GTEST_SKIP() << "needs the local server binary";
  std::string err;
  EXPECT_EQ(RunServerOnce({"--listen", g_server->address()}, &err), 1);
  EXPECT_NE(err.find("cannot listen on " + g_server->address()), std::string::npos) << err;
  err.clear();
  EXPECT_EQ(RunServerOnce({"--listen", "localhost"}, &err), 1);
  EXPECT_NE(err.find("--listen localhost"), std::string::npos) << err;
  err.clear();
  // An empty root is no board tree.
  char empty[] = "/tmp/pynq-remote-empty.XXXXXX";
  ASSERT_NE(mkdtemp(empty), nullptr);
  EXPECT_EQ(RunServerOnce({"--backend", "zynq", "--root", empty, "--listen", "127.0.0.1:0"}, &err),
            1);
  EXPECT_NE(err.find(std::string("no device tree at ") + empty + "/proc/device-tree"),
            std::string::npos)
      << err;
  rmdir(empty);
  err.clear();
  EXPECT_EQ(RunServerOnce({"--root", "/nonexistent/pynq-remote", "--listen", "127.0.0.1:0"}, &err),
            1);
  EXPECT_NE(err.find("/nonexistent/pynq-remote"), std::string::npos) << err;
  // The running server did not notice.
  EXPECT_TRUE(Exists("/proc/version"));
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  g_server = new ServerUnderTest;
  ::testing::AddGlobalTestEnvironment(g_server);  // gtest owns it
  int failed = RUN_ALL_TESTS();
  if (ServerUnderTest::clean_exit_failed()) return 1;  // SIGTERM must stop it cleanly
  return failed;
}
