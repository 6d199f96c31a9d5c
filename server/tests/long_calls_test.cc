// The limits on what a call can hold and for how long, in-process over FakeDevice: stream
// slots and memory charged to downloads, the idle watchdog, the sessionless pool's limit,
// and long calls (Advance) that end with their client, their deadline or the server.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "buffer.grpc.pb.h"
#include "fake_device.h"
#include "pynq_remote/v1/board.grpc.pb.h"
#include "remote_device.grpc.pb.h"
#include "service/services.h"
#include "test_root.h"

namespace pynq_remote::service {
namespace {

using std::chrono::milliseconds;
using testing::FakeDevice;
namespace v1 = ::pynq_remote::v1;

class LongCallsTest : public ::testing::Test {
 protected:
  // Starts the server with `limits` (a test sets what it needs, then calls this).
  void Start(Limits limits) {
    device_.set_stepped_advance(true);  // Advance runs as long as its count says
    ServiceOptions options;
    options.max_message_bytes = 16u << 20;
    options.limits = limits;
    auto services = Services::Create(device_, root_.path(), true, options);
    ASSERT_TRUE(services.ok()) << services.error().message;
    services_ = std::move(services).value();
    grpc::ServerBuilder builder;
    services_->RegisterWith(builder);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    channel_ = server_->InProcessChannel(grpc::ChannelArguments());
    device_stub_ = remote_device::RemoteDevice::NewStub(channel_);
    buffer_stub_ = buffer::RemoteBuffer::NewStub(channel_);
    board_stub_ = v1::Board::NewStub(channel_);
  }
  void TearDown() override {
    if (server_) server_->Shutdown();
  }

  // Polls `done` until it holds (true) or 10 s pass (false): for what the server does on
  // its own threads once a client has acted.
  template <typename Done>
  static bool WaitFor(Done done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(milliseconds(2));
    }
    return true;
  }

  v1::ServerUsage Usage() {
    grpc::ClientContext ctx;
    v1::BoardInfo info;
    EXPECT_TRUE(board_stub_->GetInfo(&ctx, v1::GetInfoRequest(), &info).ok());
    return info.usage();
  }
  void SetAttrs(const std::string& name) {
    grpc::ClientContext ctx;
    remote_device::SetBitstreamAttrsRequest req;
    req.set_binfile_name(name);
    remote_device::SetBitstreamAttrsResponse resp;
    ASSERT_TRUE(device_stub_->set_bitstream_attrs(&ctx, req, &resp).ok());
  }
  grpc::Status Download(const std::string& bits) {
    grpc::ClientContext ctx;
    remote_device::DownloadResponse resp;
    auto writer = device_stub_->download(&ctx, &resp);
    for (size_t at = 0; at < bits.size(); at += 1 << 20) {
      remote_device::DownloadRequest req;
      req.set_buffer(bits.substr(at, 1 << 20));
      if (!writer->Write(req)) break;
    }
    writer->WritesDone();
    return writer->Finish();
  }

  testing::TestRoot root_;
  FakeDevice device_;
  // Before services_: their queue is drained while the (shut down) server still exists.
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<Services> services_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<remote_device::RemoteDevice::Stub> device_stub_;
  std::unique_ptr<buffer::RemoteBuffer::Stub> buffer_stub_;
  std::unique_ptr<v1::Board::Stub> board_stub_;
};

TEST_F(LongCallsTest, ADownloadIsChargedToItsCallerAndGivenBack) {
  Limits limits;
  limits.max_sessionless_bytes = 1u << 20;
  Start(limits);
  SetAttrs("big.bin");
  grpc::Status refused = Download("GOOD" + std::string(2u << 20, 'x'));
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(refused.error_message().find("downloading a bitstream"), std::string::npos)
      << refused.error_message();
  EXPECT_NE(refused.error_message().find("--max-sessionless-memory-mb"), std::string::npos);
  EXPECT_TRUE(device_.programs().empty());
  EXPECT_EQ(Usage().buffer_bytes(), 0u);  // given back with the stream
  EXPECT_EQ(Usage().active_streams(), 0u);
  EXPECT_TRUE(Download("GOOD" + std::string(512u << 10, 'x')).ok());
  EXPECT_EQ(device_.programs().size(), 1u);
  EXPECT_EQ(Usage().buffer_bytes(), 0u);
}

TEST_F(LongCallsTest, WhatAllDownloadsHoldHasOneServerWideLimit) {
  Limits limits;
  limits.max_call_bytes = 3u << 20;
  Start(limits);
  SetAttrs("a.bin");
  // Alone, 2 MiB fits; beside another stream holding 2 MiB it does not.
  EXPECT_TRUE(Download("GOOD" + std::string(2u << 20, 'x')).ok());
  grpc::ClientContext ctx;
  remote_device::DownloadResponse resp;
  auto held = device_stub_->download(&ctx, &resp);
  remote_device::DownloadRequest chunk;
  chunk.set_buffer("GOOD" + std::string(2u << 20, 'x'));
  ASSERT_TRUE(held->Write(chunk));
  WaitFor([&] { return services_->state().call_memory.held() != 0; });
  grpc::Status refused = Download("GOOD" + std::string(2u << 20, 'x'));
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(refused.error_message().find("--max-call-memory-mb"), std::string::npos)
      << refused.error_message();
  held->WritesDone();
  EXPECT_TRUE(held->Finish().ok());
  EXPECT_EQ(services_->state().call_memory.held(), 0u);
}

TEST_F(LongCallsTest, TheSessionlessPoolHasALimitOfItsOwn) {
  Limits limits;
  limits.max_sessionless_bytes = 8u << 20;
  Start(limits);
  grpc::ClientContext ctx;
  buffer::AllocateRequest req;
  req.set_size(16u << 20);
  buffer::AllocateResponse resp;
  ASSERT_TRUE(buffer_stub_->allocate(&ctx, req, &resp).ok());
  EXPECT_TRUE(resp.buffer_id().empty());
  EXPECT_NE(resp.msg().find("the sessionless pool"), std::string::npos) << resp.msg();
  EXPECT_NE(resp.msg().find("--max-sessionless-memory-mb"), std::string::npos) << resp.msg();
  EXPECT_EQ(resp.error_code(), "LIMIT_EXCEEDED");
}

TEST_F(LongCallsTest, EveryStreamTakesASlotAndASilentOneIsEnded) {
  Limits limits;
  limits.max_concurrent_streams = 1;
  limits.stream_idle = milliseconds(300);
  Start(limits);
  SetAttrs("slow.bin");
  // A download that sends one chunk and then nothing holds the only slot...
  grpc::ClientContext ctx;
  remote_device::DownloadResponse resp;
  auto silent = device_stub_->download(&ctx, &resp);
  remote_device::DownloadRequest chunk;
  chunk.set_buffer("GOOD" + std::string(1000, 'x'));
  ASSERT_TRUE(silent->Write(chunk));
  // ...so others are refused while it is held (it reaches the server: wait for its slot).
  WaitFor([&] { return Usage().active_streams() != 0; });
  ASSERT_EQ(Usage().active_streams(), 1u);
  std::string data;
  grpc::ClientContext read_ctx;
  remote_device::ReadFileRequest read_req;
  read_req.set_file_path("/proc/version");
  auto reader = device_stub_->readfile(&read_ctx, read_req);
  remote_device::ReadFileResponse read_resp;
  while (reader->Read(&read_resp)) {
  }
  grpc::Status refused = reader->Finish();
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(refused.error_message().find("--max-streams"), std::string::npos);
  // ...until the watchdog ends it, with a status that says why, and programs nothing.
  grpc::Status ended = silent->Finish();
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_NE(ended.error_message().find("--stream-idle-s"), std::string::npos)
      << ended.error_message();
  EXPECT_TRUE(device_.programs().empty());
  EXPECT_EQ(services_->state().watchdog.ended(), 1u);
  WaitFor([&] { return Usage().active_streams() == 0; });
  EXPECT_EQ(Usage().active_streams(), 0u);
  EXPECT_TRUE(Download("GOOD").ok());  // the slot is free again
}

TEST_F(LongCallsTest, ACancelledDownloadProgramsNothing) {
  Start(Limits());
  SetAttrs("cut.bin");
  grpc::ClientContext ctx;
  remote_device::DownloadResponse resp;
  auto writer = device_stub_->download(&ctx, &resp);
  remote_device::DownloadRequest chunk;
  chunk.set_buffer("GOOD" + std::string(1000, 'x'));
  ASSERT_TRUE(writer->Write(chunk));
  WaitFor([&] { return Usage().active_streams() != 0; });
  ctx.TryCancel();
  EXPECT_EQ(writer->Finish().error_code(), grpc::StatusCode::CANCELLED);
  WaitFor([&] { return Usage().active_streams() == 0; });
  EXPECT_EQ(Usage().active_streams(), 0u);
  EXPECT_TRUE(device_.programs().empty());
}

TEST_F(LongCallsTest, AdvanceEndsAtItsDeadline) {
  Start(Limits());
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + milliseconds(200));
  v1::AdvanceRequest req;
  req.set_cycles(UINT64_MAX);
  v1::AdvanceResponse resp;
  grpc::Status status = board_stub_->Advance(&ctx, req, &resp);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  // The loop stopped with the call (its handler returned), and the count no longer moves.
  ASSERT_TRUE(WaitFor([&] { return device_.advancing() == 0; }));
  const uint64_t after = device_.Info().pl_cycles;
  for (int i = 0; i < 20; ++i) {
    std::this_thread::sleep_for(milliseconds(5));
    if (device_.Info().pl_cycles != after) break;
  }
  EXPECT_EQ(device_.Info().pl_cycles, after) << "Advance kept running after its deadline";
}

TEST_F(LongCallsTest, AdvanceEndsWhenTheClientCancels) {
  Start(Limits());
  grpc::ClientContext ctx;
  v1::AdvanceRequest req;
  req.set_cycles(UINT64_MAX);
  v1::AdvanceResponse resp;
  std::thread canceller([&] {
    while (device_.Info().pl_cycles == 0) std::this_thread::sleep_for(milliseconds(1));
    ctx.TryCancel();
  });
  grpc::Status status = board_stub_->Advance(&ctx, req, &resp);
  canceller.join();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::CANCELLED);
  ASSERT_TRUE(WaitFor([&] { return device_.advancing() == 0; }));
  const uint64_t after = device_.Info().pl_cycles;
  for (int i = 0; i < 20; ++i) {
    std::this_thread::sleep_for(milliseconds(5));
    if (device_.Info().pl_cycles != after) break;
  }
  EXPECT_EQ(device_.Info().pl_cycles, after);
}

TEST_F(LongCallsTest, AdvanceEndsWhenTheServerStops) {
  Start(Limits());
  grpc::Status status;
  std::thread caller([&] {
    grpc::ClientContext ctx;  // no deadline: only the server can end it
    v1::AdvanceRequest req;
    req.set_cycles(UINT64_MAX);
    v1::AdvanceResponse resp;
    status = board_stub_->Advance(&ctx, req, &resp);
  });
  while (device_.Info().pl_cycles == 0) std::this_thread::sleep_for(milliseconds(1));
  services_->BeginShutdown();
  caller.join();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_NE(status.error_message().find("the server is stopping"), std::string::npos);
}

}  // namespace
}  // namespace pynq_remote::service
