// The service layer in-process: a real grpc::Server over FakeDevice, reached through an
// in-process channel. Every RPC, the good path and each bad input; after each test the
// server must still answer (TearDown's health probe).
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "buffer.grpc.pb.h"
#include "fake_device.h"
#include "interrupt.grpc.pb.h"
#include "mmio.grpc.pb.h"
#include "pynq_remote/v1/board.grpc.pb.h"
#include "remote_device.grpc.pb.h"
#include "service/services.h"
#include "test_root.h"

namespace pynq_remote::service {
namespace {

using testing::FakeDevice;
namespace v1 = ::pynq_remote::v1;

constexpr uint64_t kPl = FakeDevice::kPlBase;

std::string Le32(uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[i] = static_cast<char>(v >> (8 * i));
  return s;
}

std::string Le64(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>(v >> (8 * i));
  return s;
}

std::string Pattern(size_t n, int seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + seed) & 0xFF);
  return s;
}

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(root_.path().empty());
    ServiceOptions options;
    options.max_message_bytes = 16u << 20;
    options.device_name = "fake-xrt";
    auto services = Services::Create(device_, root_.path(), true, options);
    ASSERT_TRUE(services.ok()) << services.error().message;
    services_ = std::move(services).value();
    grpc::ServerBuilder builder;
    services_->RegisterWith(builder);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(64 << 20);
    args.SetMaxSendMessageSize(64 << 20);
    channel_ = server_->InProcessChannel(args);
    device_stub_ = remote_device::RemoteDevice::NewStub(channel_);
    mmio_stub_ = mmio::Mmio::NewStub(channel_);
    buffer_stub_ = buffer::RemoteBuffer::NewStub(channel_);
    board_stub_ = v1::Board::NewStub(channel_);
  }

  void TearDown() override {
    if (!server_) return;
    // Still healthy after whatever the test threw at it.
    bool exists = false;
    EXPECT_TRUE(ExistsFile("/proc/version", &exists).ok());
    EXPECT_TRUE(exists);
    server_->Shutdown();
  }

  grpc::Status ExistsFile(const std::string& path, bool* exists) {
    grpc::ClientContext ctx;
    remote_device::ExistsFileRequest req;
    req.set_file_path(path);
    remote_device::ExistsFileResponse resp;
    grpc::Status status = device_stub_->existsfile(&ctx, req, &resp);
    *exists = resp.exists();
    return status;
  }

  grpc::Status ReadFile(const std::string& path, std::string* data, int* chunks = nullptr) {
    grpc::ClientContext ctx;
    remote_device::ReadFileRequest req;
    req.set_file_path(path);
    auto reader = device_stub_->readfile(&ctx, req);
    remote_device::ReadFileResponse resp;
    data->clear();
    int n = 0;
    while (reader->Read(&resp)) {
      *data += resp.data();
      ++n;
    }
    if (chunks) *chunks = n;
    return reader->Finish();
  }

  // Sends `data` in chunks of `chunk` bytes (0 chunks when data is empty, like the client).
  grpc::Status WriteFile(const std::string& path, const std::string& data, size_t chunk = 2 << 20) {
    grpc::ClientContext ctx;
    remote_device::WriteFileResponse resp;
    auto writer = device_stub_->writefile(&ctx, &resp);
    for (size_t at = 0; at < data.size(); at += chunk) {
      remote_device::WriteFileRequest req;
      req.set_file_path(path);
      req.set_data(data.substr(at, chunk));
      if (!writer->Write(req)) break;
    }
    writer->WritesDone();
    return writer->Finish();
  }

  mmio::GetMmioResponse GetMmio(uint64_t base, uint64_t length) {
    grpc::ClientContext ctx;
    mmio::GetMmioRequest req;
    req.set_base_addr(base);
    req.set_length(length);
    mmio::GetMmioResponse resp;
    EXPECT_TRUE(mmio_stub_->get_mmio(&ctx, req, &resp).ok());
    return resp;
  }

  mmio::ReadResponse MmioRead(const std::string& id, uint64_t offset, uint64_t length = 4,
                              const std::string& order = "little") {
    grpc::ClientContext ctx;
    mmio::ReadRequest req;
    req.set_mmio_id(id);
    req.set_offset(offset);
    req.set_length(length);
    req.set_word_order(order);
    mmio::ReadResponse resp;
    EXPECT_TRUE(mmio_stub_->read(&ctx, req, &resp).ok());
    return resp;
  }

  mmio::WriteResponse MmioWrite(const std::string& id, uint64_t offset, const std::string& data) {
    grpc::ClientContext ctx;
    mmio::WriteRequest req;
    req.set_mmio_id(id);
    req.set_offset(offset);
    req.set_data(data);
    mmio::WriteResponse resp;
    EXPECT_TRUE(mmio_stub_->write(&ctx, req, &resp).ok());
    return resp;
  }

  buffer::AllocateResponse Allocate(int32_t size) {
    grpc::ClientContext ctx;
    buffer::AllocateRequest req;
    req.set_size(size);
    req.set_dtype("|u1");
    req.set_cacheable(true);
    buffer::AllocateResponse resp;
    EXPECT_TRUE(buffer_stub_->allocate(&ctx, req, &resp).ok());
    return resp;
  }

  // 3.1-style write: whole chunks, only buffer_id and data (plus an optional range).
  buffer::BufferWriteResponse BufferWrite(const std::string& id, const std::string& data,
                                          int32_t start = 0, int32_t end = 0,
                                          size_t chunk = 2 << 20) {
    grpc::ClientContext ctx;
    buffer::BufferWriteResponse resp;
    auto writer = buffer_stub_->write(&ctx, &resp);
    for (size_t at = 0; at < data.size() || at == 0; at += chunk) {
      buffer::BufferWriteRequest req;
      req.set_buffer_id(id);
      req.set_data(data.substr(at, chunk));
      req.set_start(start);
      req.set_end(end);
      writer->Write(req);
      if (data.empty()) break;
    }
    writer->WritesDone();
    EXPECT_TRUE(writer->Finish().ok());
    return resp;
  }

  grpc::Status BufferRead(const std::string& id, std::string* data, int32_t start = 0,
                          int32_t end = 0, int* chunks = nullptr) {
    grpc::ClientContext ctx;
    buffer::BufferReadRequest req;
    req.set_buffer_id(id);
    req.set_start(start);
    req.set_end(end);
    auto reader = buffer_stub_->read(&ctx, req);
    buffer::BufferReadResponse resp;
    data->clear();
    int n = 0;
    while (reader->Read(&resp)) {
      EXPECT_FALSE(resp.has_msg()) << resp.msg();
      *data += resp.data();
      ++n;
    }
    if (chunks) *chunks = n;
    return reader->Finish();
  }

  std::string FpgaState() {
    std::string state;
    EXPECT_TRUE(ReadFile("/sys/class/fpga_manager/fpga0/state", &state).ok());
    return state;
  }

  testing::TestRoot root_;
  FakeDevice device_;
  // Before services_: their queue is drained while the (shut down) server still exists.
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<Services> services_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<remote_device::RemoteDevice::Stub> device_stub_;
  std::unique_ptr<mmio::Mmio::Stub> mmio_stub_;
  std::unique_ptr<buffer::RemoteBuffer::Stub> buffer_stub_;
  std::unique_ptr<v1::Board::Stub> board_stub_;
};

// ---- remote_device: files and the root ----

TEST_F(ServiceTest, ConnectSequenceSeesAnAarch64Board) {
  bool exists = false;
  ASSERT_TRUE(ExistsFile("/proc/version", &exists).ok());
  EXPECT_TRUE(exists);
  std::string version;
  ASSERT_TRUE(ReadFile("/proc/version", &version).ok());
  EXPECT_NE(version.find("aarch64"), std::string::npos) << version;
  ASSERT_TRUE(ExistsFile("/proc/device-tree/chosen/pynq_board", &exists).ok());
  EXPECT_TRUE(exists);
  std::string board;
  ASSERT_TRUE(ReadFile("/proc/device-tree/chosen/pynq_board", &board).ok());
  EXPECT_EQ(std::string(board.c_str()), "ZCU104");
  EXPECT_GT(board.size(), 6u);
  EXPECT_EQ(board.back(), '\0');
  std::string flags;
  ASSERT_TRUE(ReadFile("/sys/class/fpga_manager/fpga0/flags", &flags).ok());
  EXPECT_EQ(flags, "0\n");
  EXPECT_EQ(FpgaState(), "unknown\n");
  ASSERT_TRUE(ExistsFile("/lib/firmware", &exists).ok());
  EXPECT_TRUE(exists);
}

TEST_F(ServiceTest, ReadFileXrtDeviceAnswersTheDeviceName) {
  std::string name;
  ASSERT_TRUE(ReadFile("xrt_device", &name).ok());
  EXPECT_EQ(name, "fake-xrt");
}

TEST_F(ServiceTest, ReadFileMissingIsNotFound) {
  std::string data;
  grpc::Status status = ReadFile("/proc/cpuinfo", &data);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(status.error_message().find("/proc/cpuinfo"), std::string::npos);
  status = ReadFile("/proc", &data);  // a directory
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ServiceTest, WriteThenReadLargeFileStreamsChunks) {
  std::string data = Pattern(5 * 1024 * 1024 + 3, 7);
  ASSERT_TRUE(WriteFile("/lib/firmware/big.bin", data).ok());
  std::string back;
  int chunks = 0;
  ASSERT_TRUE(ReadFile("/lib/firmware/big.bin", &back, &chunks).ok());
  EXPECT_EQ(back, data);
  EXPECT_EQ(chunks, 3);
  bool exists = false;
  ASSERT_TRUE(ExistsFile("lib/firmware/big.bin", &exists).ok());
  EXPECT_TRUE(exists);
}

TEST_F(ServiceTest, WriteFileWholeBinInOneChunkFits) {
  std::string data = Pattern(12 * 1024 * 1024, 1);
  ASSERT_TRUE(WriteFile("/lib/firmware/one.bin", data, data.size()).ok());
  std::string back;
  ASSERT_TRUE(ReadFile("/lib/firmware/one.bin", &back).ok());
  EXPECT_EQ(back, data);
}

TEST_F(ServiceTest, WriteFileEmptyStreamIsAnError) {
  grpc::Status status = WriteFile("/lib/firmware/x.bin", "");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("no message"), std::string::npos);
}

TEST_F(ServiceTest, WriteFileTwoPathsInOneStreamIsAnError) {
  grpc::ClientContext ctx;
  remote_device::WriteFileResponse resp;
  auto writer = device_stub_->writefile(&ctx, &resp);
  remote_device::WriteFileRequest req;
  req.set_file_path("/lib/firmware/a.bin");
  req.set_data("aaaa");
  writer->Write(req);
  req.set_file_path("/lib/firmware/b.bin");
  writer->Write(req);
  writer->WritesDone();
  EXPECT_EQ(writer->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ServiceTest, PathsEscapingTheRootAreRefusedByEveryFileRpc) {
  ASSERT_EQ(symlink("/etc", (root_.path() + "/etc_out").c_str()), 0);
  const std::string bad[] = {"/../etc/passwd",
                             "../../etc/passwd",
                             "/proc/../../etc/passwd",
                             std::string("/proc/version\0/x", 16),
                             "/proc/\x1b[0m",
                             "/proc/a\\..\\..",
                             ""};
  for (const std::string& path : bad) {
    bool exists = true;
    EXPECT_EQ(ExistsFile(path, &exists).error_code(), grpc::StatusCode::INVALID_ARGUMENT) << path;
    std::string data;
    EXPECT_EQ(ReadFile(path, &data).error_code(), grpc::StatusCode::INVALID_ARGUMENT) << path;
    EXPECT_EQ(WriteFile(path, "x").error_code(), grpc::StatusCode::INVALID_ARGUMENT) << path;
  }
  // Invalid UTF-8 never reaches the server: protobuf refuses to send it; either way, no file.
  std::string data;
  EXPECT_FALSE(ReadFile("/proc/\xC0\xAE\xC0\xAE/x", &data).ok());
  // Absolute host paths are target paths: they land inside the root, not on the host.
  EXPECT_EQ(ReadFile(root_.path() + "/proc/version", &data).error_code(),
            grpc::StatusCode::NOT_FOUND);
  // So do symlinks: /etc_out -> /etc means the board's /etc, which this root lacks.
  bool exists = true;
  ASSERT_TRUE(ExistsFile("/etc_out/passwd", &exists).ok());
  EXPECT_FALSE(exists);
  EXPECT_EQ(ReadFile("/etc_out/passwd", &data).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(WriteFile("/etc_out/pynq_remote_test", "x").error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(access("/etc/pynq_remote_test", F_OK), 0);
}

// ---- remote_device: programming through fpga_manager ----

TEST_F(ServiceTest, FirmwareWriteProgramsTheDevice) {
  ASSERT_TRUE(WriteFile("/lib/firmware/good.bin", "GOOD" + Pattern(100, 3)).ok());
  ASSERT_TRUE(WriteFile("/sys/class/fpga_manager/fpga0/flags", "0").ok());
  ASSERT_TRUE(WriteFile("/sys/class/fpga_manager/fpga0/firmware", "good.bin").ok());
  ASSERT_EQ(device_.programs().size(), 1u);
  EXPECT_EQ(device_.programs()[0].name, "good.bin");
  EXPECT_FALSE(device_.programs()[0].partial);
  EXPECT_EQ(device_.programs()[0].bytes, 104u);
  EXPECT_EQ(FpgaState(), "operating\n");
}

TEST_F(ServiceTest, FlagsOneProgramsPartially) {
  ASSERT_TRUE(WriteFile("/lib/firmware/part.bin", "GOOD").ok());
  ASSERT_TRUE(WriteFile("/sys/class/fpga_manager/fpga0/flags", "1").ok());
  ASSERT_TRUE(WriteFile("/sys/class/fpga_manager/fpga0/firmware", "part.bin\n").ok());
  ASSERT_EQ(device_.programs().size(), 1u);
  EXPECT_TRUE(device_.programs()[0].partial);
}

TEST_F(ServiceTest, CorruptBitstreamFailsTheWriteAndStateSaysUnknown) {
  ASSERT_TRUE(WriteFile("/lib/firmware/good.bin", "GOOD").ok());
  ASSERT_TRUE(WriteFile("/sys/class/fpga_manager/fpga0/firmware", "good.bin").ok());
  ASSERT_TRUE(WriteFile("/lib/firmware/bad.bin", "JUNKJUNK").ok());
  grpc::Status status = WriteFile("/sys/class/fpga_manager/fpga0/firmware", "bad.bin");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("bad.bin"), std::string::npos);
  EXPECT_EQ(FpgaState(), "unknown\n");
}

TEST_F(ServiceTest, UnknownFirmwareIsNotFound) {
  grpc::Status status = WriteFile("/sys/class/fpga_manager/fpga0/firmware", "nothere.bin");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(status.error_message().find("/lib/firmware/nothere.bin"), std::string::npos);
  EXPECT_TRUE(device_.programs().empty());
}

TEST_F(ServiceTest, FirmwareNameMayNotEscapeLibFirmware) {
  for (const char* name : {"../../etc/passwd", "/etc/passwd", "sub/x.bin", ".."}) {
    grpc::Status status = WriteFile("/sys/class/fpga_manager/fpga0/firmware", name);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << name;
  }
  EXPECT_TRUE(device_.programs().empty());
}

TEST_F(ServiceTest, BadFlagsAreRefused) {
  ASSERT_TRUE(WriteFile("/lib/firmware/good.bin", "GOOD").ok());
  ASSERT_TRUE(WriteFile("/sys/class/fpga_manager/fpga0/flags", "partial").ok());
  grpc::Status status = WriteFile("/sys/class/fpga_manager/fpga0/firmware", "good.bin");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("flags"), std::string::npos);
}

TEST_F(ServiceTest, StateAndNameAreReadOnly) {
  EXPECT_EQ(WriteFile("/sys/class/fpga_manager/fpga0/state", "operating").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(WriteFile("/sys/class/fpga_manager/fpga0/name", "x").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(FpgaState(), "unknown\n");
}

grpc::Status Download(remote_device::RemoteDevice::Stub* stub, const std::string& bits,
                      bool* status_out) {
  grpc::ClientContext ctx;
  remote_device::DownloadResponse resp;
  auto writer = stub->download(&ctx, &resp);
  for (size_t at = 0; at < bits.size(); at += 1 << 20) {
    remote_device::DownloadRequest req;
    req.set_buffer(bits.substr(at, 1 << 20));
    writer->Write(req);
  }
  writer->WritesDone();
  grpc::Status status = writer->Finish();
  *status_out = resp.status();
  return status;
}

TEST_F(ServiceTest, SetBitstreamAttrsThenDownloadPrograms) {
  grpc::ClientContext ctx;
  remote_device::SetBitstreamAttrsRequest req;
  req.set_binfile_name("dl.bin");
  req.set_partial(false);
  remote_device::SetBitstreamAttrsResponse resp;
  ASSERT_TRUE(device_stub_->set_bitstream_attrs(&ctx, req, &resp).ok());
  EXPECT_TRUE(resp.status());
  bool ok = false;
  ASSERT_TRUE(Download(device_stub_.get(), "GOOD" + Pattern(3 << 20, 9), &ok).ok());
  EXPECT_TRUE(ok);
  EXPECT_EQ(FpgaState(), "operating\n");
  bool exists = false;
  ASSERT_TRUE(ExistsFile("/lib/firmware/dl.bin", &exists).ok());
  EXPECT_TRUE(exists);
  // A corrupt download fails loudly.
  EXPECT_EQ(Download(device_stub_.get(), "JUNK", &ok).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FpgaState(), "unknown\n");
}

TEST_F(ServiceTest, DownloadWithoutAttrsOrBytesIsAnError) {
  bool ok = true;
  EXPECT_EQ(Download(device_stub_.get(), "GOOD", &ok).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  grpc::ClientContext ctx;
  remote_device::SetBitstreamAttrsRequest req;
  req.set_binfile_name("dl.bin");
  remote_device::SetBitstreamAttrsResponse resp;
  ASSERT_TRUE(device_stub_->set_bitstream_attrs(&ctx, req, &resp).ok());
  EXPECT_EQ(Download(device_stub_.get(), "", &ok).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(device_.programs().empty());
}

TEST_F(ServiceTest, SetBitstreamAttrsRefusesBadNames) {
  for (const char* name : {"", "../x.bin", "a/b.bin"}) {
    grpc::ClientContext ctx;
    remote_device::SetBitstreamAttrsRequest req;
    req.set_binfile_name(name);
    remote_device::SetBitstreamAttrsResponse resp;
    EXPECT_EQ(device_stub_->set_bitstream_attrs(&ctx, req, &resp).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT)
        << name;
  }
}

TEST_F(ServiceTest, SetPlClkAndItsBadInputs) {
  auto call = [&](int i, int mhz, remote_device::SetPlClkResponse* resp) {
    grpc::ClientContext ctx;
    remote_device::SetPlClkRequest req;
    req.set_i(i);
    req.set_clk_mhz(mhz);
    return device_stub_->set_pl_clk(&ctx, req, resp);
  };
  remote_device::SetPlClkResponse resp;
  ASSERT_TRUE(call(1, 50, &resp).ok());
  EXPECT_TRUE(resp.status());
  EXPECT_EQ(device_.clocks().at(1), 50.0);
  EXPECT_EQ(call(4, 50, &resp).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(call(-1, 50, &resp).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(call(0, 0, &resp).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ServiceTest, ShutdownIsUnimplementedNotSilent) {
  grpc::ClientContext ctx;
  remote_device::ShutdownResponse resp;
  grpc::Status status = device_stub_->shutdown(&ctx, remote_device::ShutdownRequest(), &resp);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_FALSE(status.error_message().empty());
}

// ---- mmio ----

// 3.1 has no call to release a grant, so the same window gives the same id back: a client
// that makes MMIO objects in a loop cannot grow the server's handle table.
TEST_F(ServiceTest, GetMmioInsideAWindowGivesAnUnguessableIdOncePerWindow) {
  mmio::GetMmioResponse a = GetMmio(kPl, 0x1000);
  mmio::GetMmioResponse b = GetMmio(kPl, 0x1000);
  mmio::GetMmioResponse c = GetMmio(kPl + 0x1000, 0x1000);
  ASSERT_TRUE(a.status()) << a.msg();
  ASSERT_TRUE(c.status()) << c.msg();
  EXPECT_FALSE(a.has_msg());
  EXPECT_EQ(a.mmio_id(), b.mmio_id());
  EXPECT_NE(a.mmio_id(), c.mmio_id());
  EXPECT_GE(a.mmio_id().size(), 32u);
}

TEST_F(ServiceTest, GetMmioOutsideEveryWindowFails) {
  for (auto [base, len] : std::vector<std::pair<uint64_t, uint64_t>>{
           {0x0, 0x100}, {kPl + FakeDevice::kPlSize - 4, 8}, {kPl, 0}, {~0ull - 3, 8}}) {
    mmio::GetMmioResponse resp = GetMmio(base, len);
    EXPECT_FALSE(resp.status());
    EXPECT_FALSE(resp.msg().empty());
    EXPECT_FALSE(resp.has_mmio_id());
  }
}

TEST_F(ServiceTest, MmioWriteReadWord) {
  std::string id = GetMmio(kPl, 0x100).mmio_id();
  ASSERT_TRUE(MmioWrite(id, 0x10, Le32(0x12345678)).status());
  mmio::ReadResponse resp = MmioRead(id, 0x10);
  ASSERT_TRUE(resp.status()) << resp.msg();
  EXPECT_FALSE(resp.has_msg());
  EXPECT_EQ(resp.data(), 0x12345678);
  EXPECT_EQ(resp.data64(), 0x12345678u);
}

TEST_F(ServiceTest, MmioHighBitValuesTravelInBothFields) {
  std::string id = GetMmio(kPl, 0x100).mmio_id();
  ASSERT_TRUE(MmioWrite(id, 0x20, Le32(0xDEADBEEF)).status());
  mmio::ReadResponse resp = MmioRead(id, 0x20);
  ASSERT_TRUE(resp.status());
  EXPECT_EQ(resp.data(), static_cast<int32_t>(0xDEADBEEF));  // two's complement
  EXPECT_LT(resp.data(), 0);
  EXPECT_EQ(resp.data64(), 0xDEADBEEFu);
}

TEST_F(ServiceTest, MmioEightByteWriteIsOneSixtyFourBitAccess) {
  std::string id = GetMmio(kPl, 0x100).mmio_id();
  ASSERT_TRUE(MmioWrite(id, 0x30, Le64(0x0123456789ABCDEFull)).status());
  ASSERT_EQ(device_.writes().size(), 1u);
  EXPECT_EQ(device_.writes()[0].width, 8);
  mmio::ReadResponse resp = MmioRead(id, 0x30, 8);
  ASSERT_TRUE(resp.status());
  EXPECT_EQ(resp.data64(), 0x0123456789ABCDEFull);
  EXPECT_EQ(MmioRead(id, 0x34).data64(), 0x01234567u);
}

TEST_F(ServiceTest, MmioLongWriteWritesEveryWord) {
  std::string id = GetMmio(kPl, 0x100).mmio_id();
  std::string data = Le32(1) + Le32(2) + Le32(3) + Le32(0x80000004);
  ASSERT_TRUE(MmioWrite(id, 0x40, data).status());
  ASSERT_EQ(device_.writes().size(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(device_.writes()[i].width, 4);
  EXPECT_EQ(MmioRead(id, 0x48).data(), 3);
  EXPECT_EQ(MmioRead(id, 0x4C).data64(), 0x80000004u);
  // 8 bytes at an offset not aligned to 8: two 32-bit words.
  ASSERT_TRUE(MmioWrite(id, 0x54, Le64(0x1111111122222222ull)).status());
  EXPECT_EQ(MmioRead(id, 0x54).data64(), 0x22222222u);
  EXPECT_EQ(MmioRead(id, 0x58).data64(), 0x11111111u);
}

TEST_F(ServiceTest, MmioNarrowReadsAndBigEndian) {
  std::string id = GetMmio(kPl, 0x100).mmio_id();
  ASSERT_TRUE(MmioWrite(id, 0x0, Le32(0xA1B2C3D4)).status());
  EXPECT_EQ(MmioRead(id, 0x0, 1).data64(), 0xD4u);
  EXPECT_EQ(MmioRead(id, 0x1, 1).data64(), 0xC3u);
  EXPECT_EQ(MmioRead(id, 0x2, 2).data64(), 0xA1B2u);
  EXPECT_EQ(MmioRead(id, 0x0, 4, "big").data64(), 0xD4C3B2A1u);
  EXPECT_EQ(MmioRead(id, 0x0, 4, "").data64(), 0xA1B2C3D4u);
}

TEST_F(ServiceTest, MmioBadReadsAnswerWithMsg) {
  std::string id = GetMmio(kPl, 0x100).mmio_id();
  struct Case {
    std::string id;
    uint64_t offset, length;
    std::string order;
  };
  const Case cases[] = {{"nope", 0, 4, "little"}, {"", 0, 4, "little"},    {id, 2, 4, "little"},
                        {id, 0, 3, "little"},     {id, 0, 16, "little"},   {id, 0, 0, "little"},
                        {id, 0x100, 4, "little"}, {id, 0xFC, 8, "little"}, {id, ~0ull - 3, 4, ""},
                        {id, 0, 4, "middle"}};
  for (const Case& c : cases) {
    mmio::ReadResponse resp = MmioRead(c.id, c.offset, c.length, c.order);
    EXPECT_FALSE(resp.status()) << c.offset << "/" << c.length;
    EXPECT_FALSE(resp.msg().empty());
    EXPECT_FALSE(resp.has_data());
  }
  EXPECT_NE(MmioRead("nope", 0).msg().find("get_mmio"), std::string::npos);
}

TEST_F(ServiceTest, MmioBadWritesAnswerWithMsg) {
  std::string id = GetMmio(kPl, 0x100).mmio_id();
  EXPECT_FALSE(MmioWrite("nope", 0, Le32(1)).status());
  EXPECT_FALSE(MmioWrite(id, 0, "").status());
  EXPECT_FALSE(MmioWrite(id, 0, "abc").status());
  EXPECT_FALSE(MmioWrite(id, 2, Le32(1)).status());
  EXPECT_FALSE(MmioWrite(id, 0xFC, Le64(1)).status());
  EXPECT_FALSE(MmioWrite(id, 0x100, Le32(1)).status());
  EXPECT_TRUE(device_.writes().empty());
}

TEST_F(ServiceTest, MmioBusErrorsComeBackAsMsg) {
  device_.FailAt(kPl + 0x80);
  std::string id = GetMmio(kPl, 0x100).mmio_id();
  mmio::ReadResponse read = MmioRead(id, 0x80);
  EXPECT_FALSE(read.status());
  EXPECT_NE(read.msg().find("SLVERR"), std::string::npos) << read.msg();
  mmio::WriteResponse write = MmioWrite(id, 0x80, Le32(5));
  EXPECT_FALSE(write.status());
  EXPECT_NE(write.msg().find("0xA0000080"), std::string::npos) << write.msg();
}

// ---- buffer ----

TEST_F(ServiceTest, AllocateGivesAlignedBuffer) {
  buffer::AllocateResponse resp = Allocate(1000);
  EXPECT_FALSE(resp.has_msg()) << resp.msg();
  ASSERT_TRUE(resp.has_buffer_id());
  EXPECT_EQ(resp.size(), 1000u);
  EXPECT_EQ(resp.physical_address() % 4096, 0u);
  buffer::AllocateResponse other = Allocate(1000);
  EXPECT_NE(other.buffer_id(), resp.buffer_id());
}

TEST_F(ServiceTest, AllocateBadSizesAnswerWithMsg) {
  for (int32_t size : {0, -1, -4096}) {
    buffer::AllocateResponse resp = Allocate(size);
    EXPECT_FALSE(resp.msg().empty()) << size;
    EXPECT_FALSE(resp.has_buffer_id());
  }
  grpc::ClientContext ctx;
  buffer::AllocateRequest req;
  req.set_size64(1ull << 40);
  buffer::AllocateResponse resp;
  ASSERT_TRUE(buffer_stub_->allocate(&ctx, req, &resp).ok());
  EXPECT_FALSE(resp.msg().empty());
  EXPECT_FALSE(resp.has_buffer_id());
  EXPECT_EQ(device_.live_allocations(), 0u);
}

TEST_F(ServiceTest, BufferWriteReadRoundTripInChunks) {
  const size_t n = 5 * 1024 * 1024 + 12;
  std::string id = Allocate(static_cast<int32_t>(n)).buffer_id();
  std::string data = Pattern(n, 4);
  buffer::BufferWriteResponse w = BufferWrite(id, data);
  EXPECT_FALSE(w.has_msg()) << w.msg();
  std::string back;
  int chunks = 0;
  ASSERT_TRUE(BufferRead(id, &back, 0, 0, &chunks).ok());
  EXPECT_EQ(back, data);
  EXPECT_EQ(chunks, 3);
}

TEST_F(ServiceTest, BufferStartEndAreHonoured) {
  std::string id = Allocate(64).buffer_id();
  ASSERT_FALSE(BufferWrite(id, std::string(64, 'a')).has_msg());
  ASSERT_FALSE(BufferWrite(id, "XYZW", 8, 12).has_msg());
  std::string back;
  ASSERT_TRUE(BufferRead(id, &back, 6, 14).ok());
  EXPECT_EQ(back, "aaXYZWaa");
  ASSERT_TRUE(BufferRead(id, &back, 60, 0).ok());  // end 0: to the end
  EXPECT_EQ(back, "aaaa");
  ASSERT_TRUE(BufferRead(id, &back, 10, 10).ok());
  EXPECT_EQ(back, "");
}

TEST_F(ServiceTest, BufferSixtyFourBitRangeFieldsWin) {
  std::string id = Allocate(32).buffer_id();
  grpc::ClientContext ctx;
  buffer::BufferWriteResponse resp;
  auto writer = buffer_stub_->write(&ctx, &resp);
  buffer::BufferWriteRequest req;
  req.set_buffer_id(id);
  req.set_data("hi");
  req.set_start64(30);
  req.set_end64(32);
  writer->Write(req);
  writer->WritesDone();
  ASSERT_TRUE(writer->Finish().ok());
  EXPECT_FALSE(resp.has_msg()) << resp.msg();
  grpc::ClientContext rctx;
  buffer::BufferReadRequest rreq;
  rreq.set_buffer_id(id);
  rreq.set_start64(30);
  auto reader = buffer_stub_->read(&rctx, rreq);
  buffer::BufferReadResponse rresp;
  ASSERT_TRUE(reader->Read(&rresp));
  EXPECT_EQ(rresp.data(), "hi");
  EXPECT_TRUE(reader->Finish().ok());
}

TEST_F(ServiceTest, BufferWriteChunksEachNamingTheirRange) {
  std::string id = Allocate(16).buffer_id();
  ASSERT_FALSE(BufferWrite(id, std::string(16, '.')).has_msg());
  auto write = [&](std::vector<std::tuple<int, int, std::string>> chunks) {
    grpc::ClientContext ctx;
    buffer::BufferWriteResponse resp;
    auto writer = buffer_stub_->write(&ctx, &resp);
    for (const auto& [start, end, data] : chunks) {
      buffer::BufferWriteRequest req;
      req.set_buffer_id(id);
      req.set_start(start);  // 0/0: no range, continue within the last one
      req.set_end(end);
      req.set_data(data);
      writer->Write(req);
    }
    writer->WritesDone();
    EXPECT_TRUE(writer->Finish().ok());
    return resp;
  };
  buffer::BufferWriteResponse resp = write({{12, 14, "XY"}, {2, 8, "ABC"}, {0, 0, "DEF"}});
  EXPECT_FALSE(resp.has_msg()) << resp.msg();
  std::string back;
  ASSERT_TRUE(BufferRead(id, &back).ok());
  EXPECT_EQ(back, "..ABCDEF....XY..");
  // Continuing past the last named range is an overrun, not a silent wrap.
  EXPECT_FALSE(write({{2, 4, "ab"}, {0, 0, "cd"}}).msg().empty());
}

// The write path reads the wire format itself, from the slices gRPC received: it must take
// what protobuf takes (fields in any order, the last `data` winning, unknown fields and
// groups), however the bytes are cut, and refuse a message protobuf would refuse.
TEST_F(ServiceTest, BufferWriteReadsTheWireFormatAsProtobufDoes) {
  const std::string id = Allocate(16).buffer_id();
  ASSERT_FALSE(BufferWrite(id, std::string(16, '.')).has_msg());
  auto varint = [](uint64_t v) {
    std::string out;
    for (; v >= 0x80; v >>= 7) out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    out.push_back(static_cast<char>(v));
    return out;
  };
  auto tag = [&](int field, int wire_type) { return varint(field << 3 | wire_type); };
  auto bytes = [&](int field, const std::string& v) {
    return tag(field, 2) + varint(v.size()) + v;
  };
  // One write stream of `messages`, each sent in 1-byte slices.
  auto send = [&](const std::vector<std::string>& messages) {
    grpc::ClientContext ctx;
    buffer::BufferWriteResponse resp;
    grpc::internal::RpcMethod method("/buffer.RemoteBuffer/write",
                                     grpc::internal::RpcMethod::CLIENT_STREAMING);
    std::unique_ptr<grpc::ClientWriter<grpc::ByteBuffer>> writer(
        grpc::internal::ClientWriterFactory<grpc::ByteBuffer>::Create(channel_.get(), method, &ctx,
                                                                      &resp));
    for (const std::string& m : messages) {
      std::vector<grpc::Slice> slices;
      for (char c : m) slices.emplace_back(&c, 1);
      grpc::ByteBuffer message(slices.data(), slices.size());
      writer->Write(message);
    }
    writer->WritesDone();
    EXPECT_TRUE(writer->Finish().ok());
    return resp;
  };
  // data twice (the last counts), an unknown varint and fixed32, buffer_id last.
  buffer::BufferWriteResponse resp =
      send({bytes(2, "zzzz") + tag(3, 0) + varint(2) + tag(4, 0) + varint(5) + tag(9, 0) +
            varint(300) + tag(11, 5) + "abcd" + bytes(2, "ABC") + bytes(1, id)});
  EXPECT_FALSE(resp.has_msg()) << resp.msg();
  std::string back;
  ASSERT_TRUE(BufferRead(id, &back).ok());
  EXPECT_EQ(back, "..ABC...........");
  // An unknown group: protobuf skips it, and so does the write.
  resp = send({bytes(1, id) + tag(10, 3) + tag(1, 0) + varint(1) + tag(10, 4) + bytes(2, "Q")});
  EXPECT_FALSE(resp.has_msg()) << resp.msg();
  ASSERT_TRUE(BufferRead(id, &back).ok());
  EXPECT_EQ(back, "Q.ABC...........");
  // Truncated data, a field number 0, a bad UTF-8 buffer_id: refused, nothing written.
  for (const std::string& bad : {bytes(1, id) + tag(2, 2) + varint(5) + "ab",
                                 bytes(1, id) + tag(0, 0) + varint(1) + bytes(2, "W"),
                                 bytes(1, "\xff\xfe") + bytes(2, "W")}) {
    resp = send({bad});
    EXPECT_NE(resp.msg().find("message 0 of the stream is not a BufferWriteRequest"),
              std::string::npos)
        << resp.msg();
  }
  // A bad message after good ones: those before it were written, the rest refused.
  resp = send({bytes(1, id) + bytes(2, "xy"), bytes(2, "ab") + tag(4, 0)});
  EXPECT_NE(resp.msg().find("message 1 of"), std::string::npos) << resp.msg();
  ASSERT_TRUE(BufferRead(id, &back).ok());
  EXPECT_EQ(back, "xyABC...........");
}

TEST_F(ServiceTest, BufferBadRangesAndOverruns) {
  std::string id = Allocate(64).buffer_id();
  EXPECT_FALSE(BufferWrite(id, std::string(65, 'x')).msg().empty());  // longer than buffer
  EXPECT_FALSE(BufferWrite(id, "abcdef", 0, 4).msg().empty());        // longer than range
  EXPECT_FALSE(BufferWrite(id, "ab", 0, 65).msg().empty());           // end past the buffer
  EXPECT_FALSE(BufferWrite(id, "ab", 10, 4).msg().empty());           // start > end
  EXPECT_FALSE(BufferWrite(id, "ab", -4, 0).msg().empty());           // negative
  std::string back;
  EXPECT_EQ(BufferRead(id, &back, 0, 65).error_code(), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_EQ(BufferRead(id, &back, 10, 4).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(BufferRead(id, &back, -1, 4).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(BufferRead(id, &back, 100, 0).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ServiceTest, BufferUnknownIdsAndEmptyStreams) {
  EXPECT_FALSE(BufferWrite("buf-nope", "abcd").msg().empty());
  std::string back;
  EXPECT_EQ(BufferRead("buf-nope", &back).error_code(), grpc::StatusCode::NOT_FOUND);
  grpc::ClientContext ctx;
  buffer::BufferWriteResponse resp;
  auto writer = buffer_stub_->write(&ctx, &resp);
  writer->WritesDone();
  ASSERT_TRUE(writer->Finish().ok());
  EXPECT_NE(resp.msg().find("no message"), std::string::npos);
}

TEST_F(ServiceTest, BufferUnaryRpcsAndFree) {
  buffer::AllocateResponse alloc = Allocate(4096);
  const std::string id = alloc.buffer_id();
  {
    grpc::ClientContext ctx;
    buffer::AddressRequest req;
    req.set_buffer_id(id);
    buffer::AddressResponse resp;
    ASSERT_TRUE(buffer_stub_->physical_address(&ctx, req, &resp).ok());
    EXPECT_EQ(resp.address(), alloc.physical_address());
    grpc::ClientContext vctx;
    ASSERT_TRUE(buffer_stub_->virtual_address(&vctx, req, &resp).ok());
    EXPECT_FALSE(resp.has_msg());
  }
  {
    grpc::ClientContext ctx;
    buffer::CacheableRequest req;
    req.set_buffer_id(id);
    buffer::CacheableResponse resp;
    ASSERT_TRUE(buffer_stub_->cacheable(&ctx, req, &resp).ok());
    EXPECT_TRUE(resp.cacheable());
  }
  {
    grpc::ClientContext ctx;
    buffer::FlushRequest req;
    req.set_buffer_id(id);
    buffer::FlushResponse resp;
    ASSERT_TRUE(buffer_stub_->flush(&ctx, req, &resp).ok());
    EXPECT_FALSE(resp.has_msg());
    grpc::ClientContext ictx;
    buffer::InvalidateRequest ireq;
    ireq.set_buffer_id(id);
    buffer::InvalidateResponse iresp;
    ASSERT_TRUE(buffer_stub_->invalidate(&ictx, ireq, &iresp).ok());
    EXPECT_FALSE(iresp.has_msg());
  }
  auto free_buffer = [&](const std::string& which) {
    grpc::ClientContext ctx;
    buffer::FreeBufferRequest req;
    req.set_buffer_id(which);
    buffer::FreeBufferResponse resp;
    EXPECT_TRUE(buffer_stub_->freebuffer(&ctx, req, &resp).ok());
    return resp;
  };
  EXPECT_FALSE(free_buffer(id).has_msg());
  EXPECT_EQ(device_.live_allocations(), 0u);
  EXPECT_NE(free_buffer(id).msg().find("already freed"), std::string::npos);
  // Every unary RPC on an unknown id answers with msg.
  grpc::ClientContext c1, c2, c3, c4, c5;
  buffer::AddressRequest areq;
  areq.set_buffer_id(id);
  buffer::AddressResponse aresp;
  ASSERT_TRUE(buffer_stub_->physical_address(&c1, areq, &aresp).ok());
  EXPECT_FALSE(aresp.msg().empty());
  EXPECT_FALSE(aresp.has_address());
  ASSERT_TRUE(buffer_stub_->virtual_address(&c2, areq, &aresp).ok());
  EXPECT_FALSE(aresp.msg().empty());
  buffer::CacheableRequest creq;
  creq.set_buffer_id(id);
  buffer::CacheableResponse cresp;
  ASSERT_TRUE(buffer_stub_->cacheable(&c3, creq, &cresp).ok());
  EXPECT_FALSE(cresp.msg().empty());
  buffer::FlushRequest freq;
  freq.set_buffer_id(id);
  buffer::FlushResponse fresp;
  ASSERT_TRUE(buffer_stub_->flush(&c4, freq, &fresp).ok());
  EXPECT_FALSE(fresp.msg().empty());
  buffer::InvalidateRequest ireq;
  ireq.set_buffer_id(id);
  buffer::InvalidateResponse iresp;
  ASSERT_TRUE(buffer_stub_->invalidate(&c5, ireq, &iresp).ok());
  EXPECT_FALSE(iresp.msg().empty());
}

// ---- pynq_remote.v1.Board ----

TEST_F(ServiceTest, BoardBufferRangesInOneRoundTrip) {
  std::string id = Allocate(64).buffer_id();
  ASSERT_FALSE(BufferWrite(id, std::string(64, '.')).has_msg());
  grpc::ClientContext wctx;
  v1::BufferChunk chunk;
  chunk.set_buffer_id(id);
  chunk.set_offset(60);
  chunk.set_data("WXYZ");
  v1::WriteBufferResponse wresp;
  ASSERT_TRUE(board_stub_->WriteBufferRange(&wctx, chunk, &wresp).ok());
  EXPECT_EQ(wresp.bytes_written(), 4u);
  grpc::ClientContext rctx;
  v1::ReadBufferRequest req;
  req.set_buffer_id(id);
  req.set_offset(58);
  req.set_length(6);
  v1::BufferChunk back;
  ASSERT_TRUE(board_stub_->ReadBufferRange(&rctx, req, &back).ok());
  EXPECT_EQ(back.data(), "..WXYZ");
  EXPECT_EQ(back.offset(), 58u);

  auto read_status = [&](const std::string& buffer, uint64_t offset, uint64_t length) {
    grpc::ClientContext ctx;
    v1::ReadBufferRequest r;
    r.set_buffer_id(buffer);
    r.set_offset(offset);
    r.set_length(length);
    v1::BufferChunk c;
    return board_stub_->ReadBufferRange(&ctx, r, &c).error_code();
  };
  EXPECT_EQ(read_status(id, 60, 5), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_EQ(read_status(id, UINT64_MAX, 2), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_EQ(read_status("nope", 0, 1), grpc::StatusCode::NOT_FOUND);
  grpc::ClientContext octx;
  chunk.set_offset(62);  // 4 bytes from 62 overrun the 64-byte buffer
  EXPECT_EQ(board_stub_->WriteBufferRange(&octx, chunk, &wresp).error_code(),
            grpc::StatusCode::OUT_OF_RANGE);
}

TEST_F(ServiceTest, BoardWriteBufferStreamNamingTwoBuffersIsRefused) {
  std::string a = Allocate(16).buffer_id(), b = Allocate(16).buffer_id();
  grpc::ClientContext ctx;
  v1::WriteBufferResponse resp;
  auto writer = board_stub_->WriteBuffer(&ctx, &resp);
  v1::BufferChunk chunk;
  chunk.set_buffer_id(a);
  chunk.set_data("ab");
  writer->Write(chunk);
  chunk.set_buffer_id(b);
  writer->Write(chunk);
  writer->WritesDone();
  EXPECT_EQ(writer->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ServiceTest, BoardGetInfo) {
  grpc::ClientContext ctx;
  v1::BoardInfo info;
  ASSERT_TRUE(board_stub_->GetInfo(&ctx, v1::GetInfoRequest(), &info).ok());
  EXPECT_EQ(info.board(), "ZCU104");
  EXPECT_EQ(info.arch(), "aarch64");
  EXPECT_EQ(info.backend(), "fake");
  EXPECT_EQ(info.windows_size(), 2);
  EXPECT_EQ(info.windows(0).base(), kPl);
  EXPECT_EQ(info.pl_clocks_mhz_size(), 1);
  EXPECT_EQ(info.fpga_state(), "unknown");
  EXPECT_EQ(info.max_message_bytes(), 16u << 20);
  EXPECT_FALSE(info.server_version().empty());
  bool has_batch = false;
  for (const std::string& cap : info.capabilities()) has_batch |= cap == "mmio_batch";
  EXPECT_TRUE(has_batch);
}

TEST_F(ServiceTest, BoardMmioFullWidth) {
  grpc::ClientContext wctx;
  v1::MmioWriteRequest w;
  w.set_address(kPl + 0x18);
  w.set_width(8);
  w.set_value(0xFEDCBA9876543210ull);
  v1::MmioWriteResponse wresp;
  ASSERT_TRUE(board_stub_->MmioWrite(&wctx, w, &wresp).ok());
  grpc::ClientContext rctx;
  v1::MmioReadRequest r;
  r.set_address(kPl + 0x18);
  r.set_width(8);
  v1::MmioReadResponse rresp;
  ASSERT_TRUE(board_stub_->MmioRead(&rctx, r, &rresp).ok());
  EXPECT_EQ(rresp.value(), 0xFEDCBA9876543210ull);
}

TEST_F(ServiceTest, BoardMmioErrorsAreStatusCodes) {
  auto read = [&](uint64_t addr, uint32_t width) {
    grpc::ClientContext ctx;
    v1::MmioReadRequest r;
    r.set_address(addr);
    r.set_width(width);
    v1::MmioReadResponse resp;
    return board_stub_->MmioRead(&ctx, r, &resp);
  };
  EXPECT_EQ(read(0x1000, 4).error_code(), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_EQ(read(kPl + 2, 4).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(read(kPl, 3).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(read(kPl, 0).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(read(kPl, 1u << 31).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  device_.FailAt(kPl + 0x40);
  grpc::Status bus = read(kPl + 0x40, 4);
  EXPECT_EQ(bus.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_NE(bus.error_message().find("SLVERR"), std::string::npos);
  grpc::ClientContext ctx;
  v1::MmioWriteRequest w;
  w.set_address(0x0);
  w.set_width(4);
  v1::MmioWriteResponse wresp;
  EXPECT_EQ(board_stub_->MmioWrite(&ctx, w, &wresp).error_code(), grpc::StatusCode::OUT_OF_RANGE);
}

v1::MmioOp Op(v1::MmioOp::Kind kind, uint64_t addr, uint32_t width, uint64_t value = 0) {
  v1::MmioOp op;
  op.set_kind(kind);
  op.set_address(addr);
  op.set_width(width);
  op.set_value(value);
  return op;
}

TEST_F(ServiceTest, BoardMmioBatchRunsInOrder) {
  v1::MmioBatchRequest req;
  *req.add_ops() = Op(v1::MmioOp::WRITE, kPl + 0x10, 4, 0xCAFEF00D);
  *req.add_ops() = Op(v1::MmioOp::READ, kPl + 0x10, 4);
  *req.add_ops() = Op(v1::MmioOp::WRITE, kPl + 0x20, 8, 1ull << 63);
  *req.add_ops() = Op(v1::MmioOp::READ, kPl + 0x20, 8);
  grpc::ClientContext ctx;
  v1::MmioBatchResponse resp;
  ASSERT_TRUE(board_stub_->MmioBatch(&ctx, req, &resp).ok());
  EXPECT_FALSE(resp.has_error());
  EXPECT_EQ(resp.completed(), 4u);
  ASSERT_EQ(resp.values_size(), 4);
  EXPECT_EQ(resp.values(1), 0xCAFEF00Du);
  EXPECT_EQ(resp.values(3), 1ull << 63);
}

TEST_F(ServiceTest, BoardMmioBatchStopsAtTheFirstBadOp) {
  v1::MmioBatchRequest req;
  *req.add_ops() = Op(v1::MmioOp::WRITE, kPl + 0x10, 4, 7);
  *req.add_ops() = Op(v1::MmioOp::READ, kPl + 0x11, 4);  // unaligned
  *req.add_ops() = Op(v1::MmioOp::WRITE, kPl + 0x14, 4, 9);
  grpc::ClientContext ctx;
  v1::MmioBatchResponse resp;
  ASSERT_TRUE(board_stub_->MmioBatch(&ctx, req, &resp).ok());
  EXPECT_EQ(resp.completed(), 1u);
  ASSERT_TRUE(resp.has_error());
  EXPECT_EQ(resp.error().op_index(), 1u);
  EXPECT_EQ(resp.error().grpc_code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_EQ(device_.writes().size(), 1u);  // op 2 never ran

  device_.FailAt(kPl + 0x24);
  v1::MmioBatchRequest bus;
  *bus.add_ops() = Op(v1::MmioOp::READ, kPl + 0x10, 4);
  *bus.add_ops() = Op(v1::MmioOp::READ, kPl + 0x24, 4);
  *bus.add_ops() = Op(v1::MmioOp::READ, kPl + 0x28, 4);
  grpc::ClientContext bctx;
  ASSERT_TRUE(board_stub_->MmioBatch(&bctx, bus, &resp).ok());
  EXPECT_EQ(resp.completed(), 1u);
  EXPECT_EQ(resp.error().op_index(), 1u);
  EXPECT_EQ(resp.error().grpc_code(), static_cast<int>(grpc::StatusCode::ABORTED));
  EXPECT_EQ(resp.error().address(), kPl + 0x24);
}

TEST_F(ServiceTest, BoardAdvance) {
  grpc::ClientContext ctx;
  v1::AdvanceRequest req;
  req.set_cycles(1000);
  v1::AdvanceResponse resp;
  ASSERT_TRUE(board_stub_->Advance(&ctx, req, &resp).ok());
  EXPECT_EQ(resp.pl_cycles(), 1000u);
  EXPECT_EQ(resp.sim_time_ps(), 1000u * 10000);
}

TEST_F(ServiceTest, BoardBuffersWithSixtyFourBitOffsets) {
  grpc::ClientContext actx;
  v1::AllocateBufferRequest areq;
  areq.set_size(3 << 20);
  v1::AllocateBufferResponse alloc;
  ASSERT_TRUE(board_stub_->AllocateBuffer(&actx, areq, &alloc).ok());
  std::string data = Pattern(2 << 20, 5);
  {
    grpc::ClientContext ctx;
    v1::WriteBufferResponse resp;
    auto writer = board_stub_->WriteBuffer(&ctx, &resp);
    v1::BufferChunk chunk;
    chunk.set_buffer_id(alloc.buffer_id());
    chunk.set_offset(1 << 20);
    chunk.set_data(data.substr(0, 1 << 20));
    writer->Write(chunk);
    v1::BufferChunk next;
    next.set_data(data.substr(1 << 20));
    writer->Write(next);
    writer->WritesDone();
    ASSERT_TRUE(writer->Finish().ok());
    EXPECT_EQ(resp.bytes_written(), 2u << 20);
  }
  grpc::ClientContext ctx;
  v1::ReadBufferRequest req;
  req.set_buffer_id(alloc.buffer_id());
  req.set_offset(1 << 20);
  auto reader = board_stub_->ReadBuffer(&ctx, req);
  v1::BufferChunk chunk;
  std::string back;
  while (reader->Read(&chunk)) {
    EXPECT_EQ(chunk.offset(), (1u << 20) + back.size());
    back += chunk.data();
  }
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_EQ(back, data);

  grpc::ClientContext bad;
  req.set_offset(3 << 20);
  req.set_length(1);
  auto bad_reader = board_stub_->ReadBuffer(&bad, req);
  while (bad_reader->Read(&chunk)) {
  }
  EXPECT_EQ(bad_reader->Finish().error_code(), grpc::StatusCode::OUT_OF_RANGE);
  grpc::ClientContext overflow;
  req.set_offset(~0ull - 1);
  req.set_length(4);
  auto overflow_reader = board_stub_->ReadBuffer(&overflow, req);
  while (overflow_reader->Read(&chunk)) {
  }
  EXPECT_FALSE(overflow_reader->Finish().ok());
}

TEST_F(ServiceTest, BoardBufferErrors) {
  grpc::ClientContext actx;
  v1::AllocateBufferRequest areq;  // size 0
  v1::AllocateBufferResponse alloc;
  EXPECT_EQ(board_stub_->AllocateBuffer(&actx, areq, &alloc).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  grpc::ClientContext hctx;
  areq.set_size(1ull << 50);
  EXPECT_EQ(board_stub_->AllocateBuffer(&hctx, areq, &alloc).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  grpc::ClientContext ctx;
  v1::WriteBufferResponse resp;
  auto writer = board_stub_->WriteBuffer(&ctx, &resp);
  writer->WritesDone();
  EXPECT_EQ(writer->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  grpc::ClientContext uctx;
  v1::ReadBufferRequest req;
  req.set_buffer_id("buf-unknown");
  auto reader = board_stub_->ReadBuffer(&uctx, req);
  v1::BufferChunk chunk;
  while (reader->Read(&chunk)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::NOT_FOUND);
}

// ---- PYNQ 4.0 services: present, UNIMPLEMENTED, never a crash ----

TEST_F(ServiceTest, InterruptRefusesARegistrationWithoutADesign) {
  // interrupt.RemoteInterrupt is served (interrupt_service_test.cc): with no design
  // loaded, a registration is refused in msg with an OK status.
  auto irq = interrupt::RemoteInterrupt::NewStub(channel_);
  grpc::ClientContext c1;
  interrupt::RegisterRequest req;
  req.set_pin_name("axi_dma_0/s2mm_introut");
  interrupt::RegisterResponse reg;
  EXPECT_TRUE(irq->register_interrupt(&c1, req, &reg).ok());
  EXPECT_EQ(reg.interrupt_id(), "");
  EXPECT_NE(reg.msg().find("PL holds no design"), std::string::npos) << reg.msg();
}

// ---- concurrency ----

TEST_F(ServiceTest, ConcurrentClientsKeepTheirOwnState) {
  constexpr int kThreads = 8;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto mstub = mmio::Mmio::NewStub(channel_);
      auto bstub = buffer::RemoteBuffer::NewStub(channel_);
      for (int i = 0; i < 20; ++i) {
        grpc::ClientContext c1;
        mmio::GetMmioRequest greq;
        greq.set_base_addr(kPl + 0x100 * t);
        greq.set_length(0x100);
        mmio::GetMmioResponse gresp;
        if (!mstub->get_mmio(&c1, greq, &gresp).ok() || !gresp.status()) ++failures;
        grpc::ClientContext c2;
        mmio::WriteRequest wreq;
        wreq.set_mmio_id(gresp.mmio_id());
        wreq.set_offset(4 * (i % 8));
        wreq.set_data(Le32(t * 1000 + i));
        mmio::WriteResponse wresp;
        if (!mstub->write(&c2, wreq, &wresp).ok() || !wresp.status()) ++failures;
        grpc::ClientContext c3;
        mmio::ReadRequest rreq;
        rreq.set_mmio_id(gresp.mmio_id());
        rreq.set_offset(4 * (i % 8));
        rreq.set_length(4);
        mmio::ReadResponse rresp;
        if (!mstub->read(&c3, rreq, &rresp).ok() || rresp.data() != t * 1000 + i) ++failures;
        grpc::ClientContext c4;
        buffer::AllocateRequest areq;
        areq.set_size(4096);
        buffer::AllocateResponse aresp;
        if (!bstub->allocate(&c4, areq, &aresp).ok() || aresp.has_msg()) ++failures;
        grpc::ClientContext c5;
        buffer::FreeBufferRequest freq;
        freq.set_buffer_id(aresp.buffer_id());
        buffer::FreeBufferResponse fresp;
        if (!bstub->freebuffer(&c5, freq, &fresp).ok() || fresp.has_msg()) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(device_.live_allocations(), 0u);
}

}  // namespace
}  // namespace pynq_remote::service
