// Board.MmioPoll in-process over FakeDevice: a match at once and after another client's
// write, NOT_EQUAL, the timeout as an answer, the checks MmioRead makes (window, alignment,
// width, policy, bus errors) and its own (mask, value, condition), cancel, deadline and
// server shutdown, the PL advanced between reads on a deterministic board, and the poller's
// limit. No test rests on timing: a poll that must still be running is made to run for
// ever, and a test waits for the reads it needs to have happened.
#include "service/mmio_poll.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "fake_device.h"
#include "pynq_remote/v1/board.grpc.pb.h"
#include "service/services.h"
#include "test_root.h"

namespace pynq_remote::service {
namespace {

namespace v1 = ::pynq_remote::v1;
constexpr uint64_t kPl = testing::FakeDevice::kPlBase;
constexpr uint64_t kReg = kPl + 0x10;

// FakeDevice that counts reads, and optionally says it is deterministic with kReg reading
// 1 once `ready_at` PL cycles have run (0 before).
class PollDevice : public testing::FakeDevice {
 public:
  DeviceInfo Info() const override {
    DeviceInfo info = FakeDevice::Info();
    info.deterministic = deterministic_.load();
    return info;
  }
  Result<uint64_t> MmioRead(uint64_t addr, int width) override {
    ++reads_;
    if (deterministic_.load() && addr == kReg) return Info().pl_cycles >= ready_at_.load() ? 1 : 0;
    return FakeDevice::MmioRead(addr, width);
  }
  void set_deterministic(uint64_t ready_at) {
    ready_at_ = ready_at;
    deterministic_ = true;  // after ready_at_: a reader that sees the flag sees the limit
  }
  uint64_t reads() const { return reads_.load(); }

 private:
  // Set by the test body while the poller's thread reads them (TSan).
  std::atomic<bool> deterministic_{false};
  std::atomic<uint64_t> ready_at_{0};
  std::atomic<uint64_t> reads_{0};
};

class MmioPollTest : public ::testing::Test {
 protected:
  void Start(MmioPolicyMode policy = MmioPolicyMode::kOverlay) {
    ServiceOptions options;
    options.max_message_bytes = 16u << 20;
    options.mmio_policy = policy;
    auto services = Services::Create(device_, root_.path(), true, options);
    ASSERT_TRUE(services.ok()) << services.error().message;
    services_ = std::move(services).value();
    grpc::ServerBuilder builder;
    services_->RegisterWith(builder);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = v1::Board::NewStub(server_->InProcessChannel(grpc::ChannelArguments()));
  }
  void SetUp() override { Start(); }
  void TearDown() override {
    if (server_) server_->Shutdown();
  }

  static v1::MmioPollRequest Request(uint64_t mask, uint64_t value, uint32_t timeout_ms,
                                     bool equal = true) {
    v1::MmioPollRequest req;
    req.set_address(kReg);
    req.set_width(4);
    req.set_mask(mask);
    req.set_value(value);
    req.set_condition(equal ? v1::MmioPollRequest::EQUAL : v1::MmioPollRequest::NOT_EQUAL);
    req.set_timeout_ms(timeout_ms);
    return req;
  }
  grpc::Status Poll(const v1::MmioPollRequest& req, v1::MmioPollResponse* resp) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    return stub_->MmioPoll(&ctx, req, resp);
  }
  void Write(uint64_t addr, uint64_t value) {
    grpc::ClientContext ctx;
    v1::MmioWriteRequest req;
    req.set_address(addr);
    req.set_width(4);
    req.set_value(value);
    v1::MmioWriteResponse resp;
    ASSERT_TRUE(stub_->MmioWrite(&ctx, req, &resp).ok());
  }
  grpc::Status Read(uint64_t addr) {
    grpc::ClientContext ctx;
    v1::MmioReadRequest req;
    req.set_address(addr);
    req.set_width(4);
    v1::MmioReadResponse resp;
    return stub_->MmioRead(&ctx, req, &resp);
  }
  // Until the device has seen `n` more reads than `from`; false after 20 s.
  bool WaitForReads(uint64_t from, uint64_t n) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (device_.reads() < from + n) {
      if (std::chrono::steady_clock::now() > give_up) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
  }

  PollDevice device_;
  testing::TestRoot root_;
  // Before services_: their queue is drained while the (shut down) server still exists.
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<Services> services_;
  std::unique_ptr<v1::Board::Stub> stub_;
};

TEST_F(MmioPollTest, TheCapabilityIsAnnounced) {
  grpc::ClientContext ctx;
  v1::BoardInfo info;
  ASSERT_TRUE(stub_->GetInfo(&ctx, v1::GetInfoRequest(), &info).ok());
  bool has_poll = false;
  for (const std::string& cap : info.capabilities()) has_poll |= cap == "mmio_poll";
  EXPECT_TRUE(has_poll);
}

TEST_F(MmioPollTest, AMatchingRegisterAnswersAfterOneRead) {
  Write(kReg, 0x5);
  v1::MmioPollResponse resp;
  ASSERT_TRUE(Poll(Request(0x4, 0x4, 1000), &resp).ok());
  EXPECT_TRUE(resp.matched());
  EXPECT_EQ(resp.value(), 0x5u);
  EXPECT_EQ(resp.reads(), 1u);
}

TEST_F(MmioPollTest, MatchesOnceAnotherClientWrites) {
  Write(kReg, 0x0);
  const uint64_t before = device_.reads();
  v1::MmioPollResponse resp;
  auto poll =
      std::async(std::launch::async, [&] { return Poll(Request(0x6, 0, 0, false), &resp); });
  ASSERT_TRUE(WaitForReads(before, 3));
  Write(kReg, 0x2);  // ap_done-like: any of the masked bits
  grpc::Status status = poll.get();
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(resp.matched());
  EXPECT_EQ(resp.value(), 0x2u);
  EXPECT_GE(resp.reads(), 3u);
}

TEST_F(MmioPollTest, ATimeoutIsAnAnswerThatDidNotMatch) {
  Write(kReg, 0x1);
  v1::MmioPollResponse resp;
  grpc::Status status = Poll(Request(0xFF, 0x2, 20), &resp);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_FALSE(resp.matched());
  EXPECT_EQ(resp.value(), 0x1u);
  EXPECT_GE(resp.reads(), 2u);  // at once, and at the timeout
}

TEST_F(MmioPollTest, BadRequestsFailAsMmioReadDoes) {
  auto code = [&](v1::MmioPollRequest req) {
    v1::MmioPollResponse resp;
    return Poll(req, &resp);
  };
  v1::MmioPollRequest outside = Request(1, 1, 10);
  outside.set_address(0x1000);
  EXPECT_EQ(code(outside).error_code(), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_EQ(code(outside).error_code(), Read(0x1000).error_code());
  v1::MmioPollRequest unaligned = Request(1, 1, 10);
  unaligned.set_address(kPl + 2);
  EXPECT_EQ(code(unaligned).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  v1::MmioPollRequest width = Request(1, 1, 10);
  width.set_width(3);
  EXPECT_EQ(code(width).error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  grpc::Status no_mask = code(Request(0, 0, 10));
  EXPECT_EQ(no_mask.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(no_mask.error_message().find("mask 0"), std::string::npos) << no_mask.error_message();
  grpc::Status wide = code(Request(uint64_t{1} << 32, 0, 10));
  EXPECT_EQ(wide.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(wide.error_message().find("above"), std::string::npos) << wide.error_message();
  grpc::Status never = code(Request(0x1, 0x3, 10));
  EXPECT_EQ(never.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(never.error_message().find("outside the mask"), std::string::npos);
  v1::MmioPollRequest condition = Request(1, 1, 10);
  condition.set_condition(static_cast<v1::MmioPollRequest::Condition>(7));
  EXPECT_EQ(code(condition).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(MmioPollTest, ABusErrorEndsThePollWithItsToken) {
  device_.FailAt(kReg);
  grpc::ClientContext ctx;
  v1::MmioPollResponse resp;
  grpc::Status status = stub_->MmioPoll(&ctx, Request(1, 1, 1000), &resp);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_NE(status.error_message().find("SLVERR"), std::string::npos);
  auto token = ctx.GetServerTrailingMetadata().find("pynq-remote-error-code");
  ASSERT_NE(token, ctx.GetServerTrailingMetadata().end());
  EXPECT_EQ(std::string(token->second.data(), token->second.size()), "BUS_SLVERR");
}

TEST_F(MmioPollTest, ThePolicyRefusesWhatItRefusesMmioRead) {
  TearDown();
  services_.reset();
  Start(MmioPolicyMode::kStrict);  // no overlay declared: no PL access
  v1::MmioPollResponse resp;
  grpc::Status poll = Poll(Request(1, 1, 10), &resp);
  grpc::Status read = Read(kReg);
  EXPECT_EQ(poll.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(read.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_NE(poll.error_message().find(read.error_message()), std::string::npos)
      << poll.error_message() << " | " << read.error_message();
}

TEST_F(MmioPollTest, TheClientCancellingEndsThePoll) {
  const uint64_t before = device_.reads();
  grpc::ClientContext ctx;
  v1::MmioPollResponse resp;
  auto poll = std::async(std::launch::async,
                         [&] { return stub_->MmioPoll(&ctx, Request(1, 1, 0), &resp); });
  ASSERT_TRUE(WaitForReads(before, 2));
  ctx.TryCancel();
  EXPECT_EQ(poll.get().error_code(), grpc::StatusCode::CANCELLED);
  // The server's poll ended too: a poll started afterwards is the only one reading.
  Write(kReg, 1);
  v1::MmioPollResponse next;
  ASSERT_TRUE(Poll(Request(1, 1, 1000), &next).ok());
  EXPECT_EQ(next.reads(), 1u);
}

TEST_F(MmioPollTest, TheDeadlineEndsAPollWithoutTimeout) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(50));
  v1::MmioPollResponse resp;
  EXPECT_EQ(stub_->MmioPoll(&ctx, Request(1, 1, 0), &resp).error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
}

TEST_F(MmioPollTest, TheServerStoppingEndsAPollAtOnce) {
  const uint64_t before = device_.reads();
  grpc::ClientContext ctx;
  v1::MmioPollResponse resp;
  auto poll = std::async(std::launch::async,
                         [&] { return stub_->MmioPoll(&ctx, Request(1, 1, 0), &resp); });
  ASSERT_TRUE(WaitForReads(before, 2));
  services_->BeginShutdown();
  grpc::Status status = poll.get();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_NE(status.error_message().find("stopping"), std::string::npos);
}

TEST_F(MmioPollTest, ADeterministicBoardAdvancesBetweenReadsWhenAsked) {
  device_.set_deterministic(5000);
  v1::MmioPollRequest req = Request(1, 1, 0);
  req.set_advance_cycles(1000);
  v1::MmioPollResponse resp;
  ASSERT_TRUE(Poll(req, &resp).ok());
  EXPECT_TRUE(resp.matched());
  EXPECT_EQ(resp.reads(), 6u);  // at cycles 0, 1000, ..., 5000: the same on every run
  EXPECT_EQ(device_.Info().pl_cycles, 5000u);
  // Without advance_cycles, time stands still there: the poll only reads, and times out.
  v1::MmioPollRequest still = Request(0x2, 0x2, 20);
  ASSERT_TRUE(Poll(still, &resp).ok());
  EXPECT_FALSE(resp.matched());
  EXPECT_EQ(device_.Info().pl_cycles, 5000u);
}

TEST_F(MmioPollTest, AdvanceCyclesAreIgnoredWhereThePlRunsByItself) {
  Write(kReg, 0);
  v1::MmioPollRequest req = Request(1, 1, 20);
  req.set_advance_cycles(1000);
  v1::MmioPollResponse resp;
  ASSERT_TRUE(Poll(req, &resp).ok());
  EXPECT_FALSE(resp.matched());
  EXPECT_EQ(device_.Info().pl_cycles, 0u);
}

TEST_F(MmioPollTest, ThePollerHasALimitAndEndsWhatIsLeftWhenItGoes) {
  std::atomic<int> stopped{0};
  {
    MmioPoller poller(services_->state());
    MmioPollSpec spec;
    spec.addr = kReg;
    spec.mask = 1;
    spec.value = 1;
    auto done = [&](const MmioPollOutcome& outcome) {
      if (outcome.kind == MmioPollOutcome::Kind::kStopped &&
          outcome.error.code == ErrorCode::kUnavailable) {
        ++stopped;
      }
    };
    for (size_t i = 0; i < MmioPoller::kMaxPolls; ++i) ASSERT_TRUE(poller.Start(spec, done).ok());
    Result<uint64_t> one_more = poller.Start(spec, done);
    ASSERT_FALSE(one_more.ok());
    EXPECT_EQ(one_more.error().code, ErrorCode::kLimitExceeded);
    EXPECT_EQ(poller.active(), MmioPoller::kMaxPolls);
  }
  EXPECT_EQ(stopped.load(), static_cast<int>(MmioPoller::kMaxPolls));
}

TEST_F(MmioPollTest, CancelEndsAPollOnce) {
  MmioPoller poller(services_->state());
  MmioPollSpec spec;
  spec.addr = kReg;
  spec.mask = 1;
  spec.value = 1;
  std::atomic<int> calls{0};
  std::promise<MmioPollOutcome> ended;
  Result<uint64_t> ticket = poller.Start(spec, [&](const MmioPollOutcome& outcome) {
    if (calls++ == 0) ended.set_value(outcome);
  });
  ASSERT_TRUE(ticket.ok());
  poller.Cancel(ticket.value(), "test");
  poller.Cancel(ticket.value(), "again");
  MmioPollOutcome outcome = ended.get_future().get();
  EXPECT_EQ(outcome.kind, MmioPollOutcome::Kind::kStopped);
  EXPECT_EQ(outcome.error.code, ErrorCode::kCancelled);
  EXPECT_NE(outcome.error.message.find("test"), std::string::npos);
  EXPECT_EQ(poller.active(), 0u);
  EXPECT_EQ(calls.load(), 1);
}

}  // namespace
}  // namespace pynq_remote::service
