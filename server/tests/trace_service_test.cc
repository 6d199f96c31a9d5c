// Board.StartTrace / StopTrace through the real service layer on a loopback TCP port, over
// FakeDevice (which records no waveforms: UNIMPLEMENTED) and a TracingDevice that writes a
// small file where it is told: where the file goes (in the root, a few kept), one trace at a
// time, scopes and bounds checked, a session's trace stopped when the session ends.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <thread>

#include "fake_device.h"
#include "loopback_server.h"
#include "pynq_remote/v1/board.grpc.pb.h"
#include "pynq_remote/v1/session.grpc.pb.h"
#include "service/board_trace.h"
#include "service/caller.h"
#include "service/services.h"
#include "test_root.h"

namespace pynq_remote::service {
namespace {

using testing::FakeDevice;
using testing::TestRoot;
namespace v1 = ::pynq_remote::v1;

// As SimDevice behaves at the seam: one trace at a time, a design with one scope.
class TracingDevice : public FakeDevice {
 public:
  DeviceInfo Info() const override {
    DeviceInfo info = FakeDevice::Info();
    info.capabilities.push_back("waveforms");
    return info;
  }
  Result<TraceReport> StartTrace(const TraceOptions& options) override {
    std::lock_guard<std::mutex> lock(trace_mu_);
    if (running_) return MakeError(ErrorCode::kFailedPrecondition, "a trace is already running");
    for (const std::string& scope : options.scopes) {
      if (scope != "axi_dma_0") {
        return MakeError(ErrorCode::kInvalidArgument,
                         "design 'fake' has no scope '" + scope + "' (its scopes: axi_dma_0)");
      }
    }
    std::ofstream(options.path) << "a waveform of " << options.max_cycles << " cycles";
    running_ = true;
    options_ = options;
    ++starts_;
    return TraceReport{options.path, "fake", options.scopes, 10, 10, 100000, 100000, false, ""};
  }
  Result<TraceReport> StopTrace() override {
    std::lock_guard<std::mutex> lock(trace_mu_);
    if (!running_) return MakeError(ErrorCode::kFailedPrecondition, "no trace is running");
    running_ = false;
    return TraceReport{options_.path, "fake", options_.scopes, 10, 20, 100000, 200000, false, ""};
  }
  bool running() const {
    std::lock_guard<std::mutex> lock(trace_mu_);
    return running_;
  }
  TraceOptions options() const {
    std::lock_guard<std::mutex> lock(trace_mu_);
    return options_;
  }
  int starts() const {
    std::lock_guard<std::mutex> lock(trace_mu_);
    return starts_;
  }

 private:
  mutable std::mutex trace_mu_;
  bool running_ = false;
  TraceOptions options_;
  int starts_ = 0;
};

class TraceServiceTest : public ::testing::Test {
 protected:
  void Start(Device& device) {
    ASSERT_FALSE(root_.path().empty());
    ServiceOptions options;
    options.limits.grace = std::chrono::milliseconds(0);  // a dropped session goes at once
    auto services = Services::Create(device, root_.path(), true, options);
    ASSERT_TRUE(services.ok()) << services.error().message;
    services_ = std::move(services).value();
    testing::LoopbackServer loopback = testing::StartLoopbackServer(*services_);
    server_ = std::move(loopback.server);
    ASSERT_NE(server_, nullptr);
    channel_ = loopback.channel;
    stub_ = v1::Board::NewStub(channel_);
  }
  void SetUp() override { Start(device_); }
  void TearDown() override {
    if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  }

  grpc::Status StartTrace(const v1::StartTraceRequest& request,
                          v1::StartTraceResponse* response = nullptr,
                          const std::string& session = "") {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    if (!session.empty()) context.AddMetadata(kSessionMetadataKey, session);
    v1::StartTraceResponse ignored;
    return stub_->StartTrace(&context, request, response ? response : &ignored);
  }
  grpc::Status StopTrace(v1::StopTraceResponse* response = nullptr) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    v1::StopTraceResponse ignored;
    return stub_->StopTrace(&context, v1::StopTraceRequest(), response ? response : &ignored);
  }
  static v1::StartTraceRequest Scopes(std::initializer_list<const char*> scopes) {
    v1::StartTraceRequest request;
    for (const char* s : scopes) request.add_scopes(s);
    return request;
  }

  TestRoot root_;
  TracingDevice device_;
  std::unique_ptr<Services> services_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Board::Stub> stub_;
};

TEST_F(TraceServiceTest, TheFileIsInTheRootAndStopSaysWhereAndHowBig) {
  v1::StartTraceResponse started;
  ASSERT_TRUE(StartTrace(Scopes({"axi_dma_0"}), &started).ok());
  EXPECT_EQ(started.path(), std::string(kTraceDir) + "/trace-0.fst");
  EXPECT_EQ(started.max_cycles(), kDefaultTraceCycles);
  EXPECT_EQ(started.design(), "fake");
  ASSERT_EQ(started.scopes_size(), 1);
  EXPECT_EQ(device_.options().max_cycles, kDefaultTraceCycles);
  // The device was told the host path of that target path, inside the root.
  EXPECT_EQ(device_.options().path, root_.path() + started.path());

  v1::StopTraceResponse stopped;
  ASSERT_TRUE(StopTrace(&stopped).ok());
  EXPECT_EQ(stopped.path(), started.path());
  struct stat st {};
  ASSERT_EQ(::stat((root_.path() + stopped.path()).c_str(), &st), 0);
  EXPECT_EQ(stopped.size_bytes(), static_cast<uint64_t>(st.st_size));
  EXPECT_GT(stopped.size_bytes(), 0u);
  EXPECT_EQ(stopped.start_cycle(), 10u);
  EXPECT_EQ(stopped.end_cycle(), 20u);
  EXPECT_FALSE(stopped.truncated());
}

TEST_F(TraceServiceTest, StartingTwiceAndStoppingNothingAreFailedPreconditions) {
  grpc::Status none = StopTrace();
  EXPECT_EQ(none.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(none.error_message().find("no trace is running"), std::string::npos);
  ASSERT_TRUE(StartTrace(v1::StartTraceRequest()).ok());
  grpc::Status twice = StartTrace(v1::StartTraceRequest());
  EXPECT_EQ(twice.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << twice.error_message();
  EXPECT_NE(twice.error_message().find("already running"), std::string::npos);
  ASSERT_TRUE(StopTrace().ok());
  EXPECT_EQ(StopTrace().error_code(), grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(TraceServiceTest, BadScopesAreNamed) {
  for (const char* bad : {"", "axi dma", "axi_dma_0\n"}) {
    grpc::Status status = StartTrace(Scopes({bad}));
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << bad;
    EXPECT_NE(status.error_message().find("scope '" + std::string(bad) + "'"), std::string::npos)
        << status.error_message();
  }
  EXPECT_EQ(device_.starts(), 0);  // refused before the board saw them
  grpc::Status unknown = StartTrace(Scopes({"axi_dma_0", "axi_dma_9"}));
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(unknown.error_message().find("'axi_dma_9'"), std::string::npos)
      << unknown.error_message();
  EXPECT_FALSE(device_.running());
}

TEST_F(TraceServiceTest, TheBoundIsAppliedAndCapped) {
  v1::StartTraceRequest request;
  request.set_max_cycles(kMaxTraceCycles + 1);
  grpc::Status refused = StartTrace(request);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(refused.error_message().find(std::to_string(kMaxTraceCycles)), std::string::npos)
      << refused.error_message();
  request.set_max_cycles(1234);
  v1::StartTraceResponse started;
  ASSERT_TRUE(StartTrace(request, &started).ok());
  EXPECT_EQ(started.max_cycles(), 1234u);
  EXPECT_EQ(device_.options().max_cycles, 1234u);
}

TEST_F(TraceServiceTest, OnlyTheLastFewFilesAreKept) {
  std::vector<std::string> paths;
  for (unsigned i = 0; i <= kKeptTraces; ++i) {
    v1::StartTraceResponse started;
    ASSERT_TRUE(StartTrace(v1::StartTraceRequest(), &started).ok());
    ASSERT_TRUE(StopTrace().ok());
    paths.push_back(started.path());
  }
  EXPECT_EQ(paths.front(), paths.back());  // the oldest name is reused
  std::set<std::string> distinct(paths.begin(), paths.end());
  EXPECT_EQ(distinct.size(), kKeptTraces);
}

TEST_F(TraceServiceTest, ASessionThatEndsStopsItsTrace) {
  // A real session: its Attach stream open, then dropped as a dying client drops it.
  auto sessions = v1::Session::NewStub(channel_);
  grpc::ClientContext attach;
  auto stream = sessions->Attach(&attach);
  v1::SessionRequest hello;
  hello.set_client_name("tracer");
  ASSERT_TRUE(stream->Write(hello));
  v1::SessionEvent opened;
  ASSERT_TRUE(stream->Read(&opened));
  ASSERT_TRUE(StartTrace(v1::StartTraceRequest(), nullptr, opened.session_id()).ok());
  ASSERT_TRUE(device_.running());
  attach.TryCancel();
  stream->Finish().ok();
  // The reaper stops it once the grace (0 here) has passed after the server saw the drop.
  for (int i = 0; i < 3000 && device_.running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_FALSE(device_.running());
  grpc::Status gone = StopTrace();
  EXPECT_EQ(gone.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(gone.error_message().find("when the session that started it ended"), std::string::npos)
      << gone.error_message();
}

TEST_F(TraceServiceTest, ASessionlessTraceOutlivesOtherSessions) {
  ASSERT_TRUE(StartTrace(v1::StartTraceRequest()).ok());
  Result<std::string> session = services_->state().sessions.Open("bystander");
  ASSERT_TRUE(session.ok());
  services_->state().sessions.Detach(session.value());
  services_->board_service().ReleaseSession(session.value());  // as the reaper would
  EXPECT_TRUE(device_.running());
  EXPECT_TRUE(StopTrace().ok());
}

TEST_F(TraceServiceTest, ATraceDirectoryLeadingOutsideTheRootIsRefused) {
  TestRoot elsewhere;
  const std::string lib = root_.path() + "/var/lib/pynq-remote";
  ASSERT_EQ(::system(("mkdir -p " + lib).c_str()), 0);
  ASSERT_EQ(::symlink(elsewhere.path().c_str(), (lib + "/traces").c_str()), 0);
  grpc::Status status = StartTrace(v1::StartTraceRequest());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << status.error_message();
  EXPECT_FALSE(device_.running());
}

class UntracedBoardTest : public TraceServiceTest {
 protected:
  void SetUp() override { Start(plain_); }
  // plain_ goes before the base's members: everything that uses it goes first.
  void TearDown() override {
    TraceServiceTest::TearDown();
    services_.reset();
    server_.reset();
  }
  FakeDevice plain_;
};

TEST_F(UntracedBoardTest, ABoardWithoutWaveformsSaysSo) {
  grpc::Status status = StartTrace(v1::StartTraceRequest());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_NE(status.error_message().find("records no waveforms"), std::string::npos)
      << status.error_message();
  EXPECT_EQ(StopTrace().error_code(), grpc::StatusCode::UNIMPLEMENTED);
  // And nothing was made in its root (on a real board that is "/").
  struct stat st {};
  EXPECT_NE(::stat((root_.path() + "/var/lib/pynq-remote").c_str(), &st), 0);
}

}  // namespace
}  // namespace pynq_remote::service
