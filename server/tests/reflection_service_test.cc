// Server reflection and health checking on the async API (service/reflection_service.h,
// service/health_service.h), reflection v1alpha and v1 alike, over a real gRPC server on a
// loopback socket: every request kind, errors that leave the stream open, cancellation, the
// point of the async API (200 silent streams must not cost a server thread each, and gRPC
// starts no polling threads of its own), and idle streams ended at once at shutdown.
#include "service/reflection_service.h"

#include <dirent.h>
#include <google/protobuf/api.pb.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1/reflection.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "mmio.grpc.pb.h"
#include "service/health_service.h"
#include "service/idle_streams.h"

namespace pynq_remote::service {
namespace {

struct V1alpha {
  using Service = grpc::reflection::v1alpha::ServerReflection;
  using Request = grpc::reflection::v1alpha::ServerReflectionRequest;
  using Response = grpc::reflection::v1alpha::ServerReflectionResponse;
};
struct V1 {
  using Service = grpc::reflection::v1::ServerReflection;
  using Request = grpc::reflection::v1::ServerReflectionRequest;
  using Response = grpc::reflection::v1::ServerReflectionResponse;
};

// Threads in this process, client and server together.
int ThreadCount() {
  DIR* dir = opendir("/proc/self/task");
  if (dir == nullptr) return -1;
  int count = 0;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(dir);
  return count;
}

// Threads of this process named `name`.
int ThreadsNamed(const std::string& name) {
  DIR* dir = opendir("/proc/self/task");
  if (dir == nullptr) return -1;
  int count = 0;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    FILE* comm = fopen(("/proc/self/task/" + std::string(entry->d_name) + "/comm").c_str(), "r");
    if (comm == nullptr) continue;
    char text[64] = {};
    if (fgets(text, sizeof(text), comm) != nullptr && std::string(text) == name + "\n") ++count;
    fclose(comm);
  }
  closedir(dir);
  return count;
}

template <class Request>
Request Symbol(const std::string& symbol) {
  Request request;
  request.set_file_containing_symbol(symbol);
  return request;
}

template <class Request>
Request ListServices() {
  Request request;
  request.set_list_services("");
  return request;
}

template <class Api>
class ReflectionTest : public ::testing::Test {
 protected:
  using Request = typename Api::Request;
  using Response = typename Api::Response;
  using Stream = grpc::ClientReaderWriter<Request, Response>;

  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&mmio_);
    reflection_.RegisterWith(builder, queue_);
    health_.RegisterWith(builder, queue_);
    queue_.AddTo(builder);  // both on one queue, as run_server.cc puts them on Services'
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_NE(port_, 0);
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(port_),
                                   grpc::InsecureChannelCredentials());
    stub_ = Api::Service::NewStub(channel_);
  }

  void TearDown() override {
    // Returns only once every reactor has finished: a stream left unfinished hangs here.
    if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
    queue_.Stop();
  }

  // One request and its response on an open stream.
  Response Exchange(Stream& stream, const Request& request) {
    Response response;
    EXPECT_TRUE(stream.Write(request));
    EXPECT_TRUE(stream.Read(&response));
    return response;
  }

  // One request on a stream of its own, closed cleanly after.
  Response Ask(const Request& request) {
    grpc::ClientContext ctx;
    std::unique_ptr<Stream> stream = stub_->ServerReflectionInfo(&ctx);
    Response response = Exchange(*stream, request);
    stream->WritesDone();
    Response extra;
    EXPECT_FALSE(stream->Read(&extra));
    grpc::Status status = stream->Finish();
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  // The response's files, each once, build into a fresh pool in dependency order; the first
  // names `first_file` and the pool then knows `symbol`.
  ::testing::AssertionResult Loads(const Response& response, const std::string& first_file,
                                   const std::string& symbol) {
    if (!response.has_file_descriptor_response()) {
      return ::testing::AssertionFailure() << "no files: " << response.DebugString();
    }
    std::map<std::string, google::protobuf::FileDescriptorProto> files;
    std::vector<std::string> order;
    for (const std::string& bytes : response.file_descriptor_response().file_descriptor_proto()) {
      google::protobuf::FileDescriptorProto file;
      if (!file.ParseFromString(bytes)) return ::testing::AssertionFailure() << "unparsable";
      order.push_back(file.name());
      if (!files.emplace(file.name(), file).second) {
        return ::testing::AssertionFailure() << file.name() << " sent twice";
      }
    }
    if (order.front() != first_file) {
      return ::testing::AssertionFailure() << "first file " << order.front();
    }
    google::protobuf::DescriptorPool pool;
    while (!files.empty()) {
      bool built = false;
      for (auto it = files.begin(); it != files.end();) {
        bool ready = true;
        for (const std::string& dep : it->second.dependency()) {
          ready = ready && pool.FindFileByName(dep) != nullptr;
        }
        if (!ready) {
          ++it;
          continue;
        }
        if (pool.BuildFile(it->second) == nullptr) {
          return ::testing::AssertionFailure() << it->first << " does not build";
        }
        it = files.erase(it);
        built = true;
      }
      if (!built) return ::testing::AssertionFailure() << files.begin()->first << " lacks a dep";
    }
    if (pool.FindFileContainingSymbol(symbol) == nullptr) {
      return ::testing::AssertionFailure() << symbol << " not in the files";
    }
    return ::testing::AssertionSuccess();
  }

  mmio::Mmio::Service mmio_;  // unimplemented: only its name and descriptors matter here
  // Before queue_: the queue is drained while the (shut down) server still exists.
  std::unique_ptr<grpc::Server> server_;
  IdleStreams idle_;
  ReflectionService reflection_{{mmio::Mmio::service_full_name(), "grpc.health.v1.Health"}, &idle_};
  HealthService health_{&idle_};
  // Last: stopped first (TearDown stops it earlier, after the server's Shutdown).
  AsyncQueue queue_;
  int port_ = 0;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<typename Api::Service::Stub> stub_;
};

class VersionName {
 public:
  template <class Api>
  static std::string GetName(int) {
    return std::is_same_v<Api, V1alpha> ? "v1alpha" : "v1";
  }
};

using Versions = ::testing::Types<V1alpha, V1>;
TYPED_TEST_SUITE(ReflectionTest, Versions, VersionName);

TYPED_TEST(ReflectionTest, ListServicesNamesTheRegisteredServicesAndEchoesTheRequest) {
  auto request = ListServices<typename TestFixture::Request>();
  request.set_host("board.local:7967");
  auto response = this->Ask(request);
  EXPECT_EQ(response.valid_host(), "board.local:7967");
  EXPECT_EQ(response.original_request().SerializeAsString(), request.SerializeAsString());
  ASSERT_TRUE(response.has_list_services_response()) << response.DebugString();
  std::set<std::string> names;
  for (const auto& service : response.list_services_response().service()) {
    EXPECT_TRUE(names.insert(service.name()).second) << service.name() << " twice";
  }
  EXPECT_EQ(names, (std::set<std::string>{"mmio.Mmio", "grpc.health.v1.Health",
                                          "grpc.reflection.v1alpha.ServerReflection",
                                          "grpc.reflection.v1.ServerReflection"}));
}

TYPED_TEST(ReflectionTest, FileContainingServiceMethodOrMessageLoads) {
  for (const char* symbol :
       {"mmio.Mmio", "mmio.Mmio.read", "mmio.ReadRequest", "mmio.ReadRequest.mmio_id"}) {
    auto response = this->Ask(Symbol<typename TestFixture::Request>(symbol));
    EXPECT_TRUE(this->Loads(response, "mmio.proto", symbol)) << symbol;
  }
  // Nested names, in a file with no imports...
  auto nested = this->Ask(
      Symbol<typename TestFixture::Request>("google.protobuf.DescriptorProto.ExtensionRange"));
  EXPECT_TRUE(this->Loads(nested, "google/protobuf/descriptor.proto",
                          "google.protobuf.DescriptorProto.ExtensionRange"));
  // ...and a file with imports: api.proto needs source_context.proto and type.proto, and
  // type.proto needs source_context.proto again and any.proto: four files, each once.
  google::protobuf::Api::descriptor();  // the generated pool knows api.proto
  auto api = this->Ask(Symbol<typename TestFixture::Request>("google.protobuf.Api"));
  EXPECT_TRUE(this->Loads(api, "google/protobuf/api.proto", "google.protobuf.Method"));
  EXPECT_EQ(api.file_descriptor_response().file_descriptor_proto_size(), 4);
}

TYPED_TEST(ReflectionTest, FileByFilenameLoads) {
  typename TestFixture::Request request;
  request.set_file_by_filename("mmio.proto");
  EXPECT_TRUE(this->Loads(this->Ask(request), "mmio.proto", "mmio.Mmio.get_mmio"));
  request.set_file_by_filename("grpc/reflection/v1/reflection.proto");
  EXPECT_TRUE(this->Loads(this->Ask(request), "grpc/reflection/v1/reflection.proto",
                          "grpc.reflection.v1.ServerReflection.ServerReflectionInfo"));
}

TYPED_TEST(ReflectionTest, NotFoundIsAnErrorResponseAndTheStreamGoesOn) {
  using Request = typename TestFixture::Request;
  grpc::ClientContext ctx;
  auto stream = this->stub_->ServerReflectionInfo(&ctx);
  Request by_name;
  by_name.set_file_by_filename("no/such.proto");
  Request type;
  type.set_all_extension_numbers_of_type("no.Such");
  Request extension;
  extension.mutable_file_containing_extension()->set_containing_type("mmio.ReadRequest");
  extension.mutable_file_containing_extension()->set_extension_number(1000);
  for (const Request& request : {Symbol<Request>("no.Such.Symbol"), by_name, type, extension}) {
    auto response = this->Exchange(*stream, request);
    ASSERT_TRUE(response.has_error_response()) << response.DebugString();
    EXPECT_EQ(response.error_response().error_code(), grpc::StatusCode::NOT_FOUND);
    EXPECT_EQ(response.original_request().SerializeAsString(), request.SerializeAsString());
    const std::string& message = response.error_response().error_message();
    EXPECT_TRUE(message.find("no.Such") != std::string::npos ||
                message.find("no/such.proto") != std::string::npos ||
                message.find("1000 of mmio.ReadRequest") != std::string::npos)
        << message;
  }
  auto listed = this->Exchange(*stream, ListServices<Request>());
  EXPECT_EQ(listed.list_services_response().service_size(), 4);
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());
}

TYPED_TEST(ReflectionTest, UnsetRequestIsUnimplementedAndTheStreamGoesOn) {
  using Request = typename TestFixture::Request;
  grpc::ClientContext ctx;
  auto stream = this->stub_->ServerReflectionInfo(&ctx);
  auto response = this->Exchange(*stream, Request());
  ASSERT_TRUE(response.has_error_response()) << response.DebugString();
  EXPECT_EQ(response.error_response().error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_TRUE(this->Exchange(*stream, ListServices<Request>()).has_list_services_response());
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());
}

TYPED_TEST(ReflectionTest, ExtensionNumbersOfAKnownType) {
  typename TestFixture::Request request;
  request.set_all_extension_numbers_of_type("google.protobuf.FieldOptions");
  auto response = this->Ask(request);
  ASSERT_TRUE(response.has_all_extension_numbers_response()) << response.DebugString();
  EXPECT_EQ(response.all_extension_numbers_response().base_type_name(),
            "google.protobuf.FieldOptions");
}

TYPED_TEST(ReflectionTest, SeveralRequestsOnOneStreamAnswerInOrder) {
  using Request = typename TestFixture::Request;
  grpc::ClientContext ctx;
  auto stream = this->stub_->ServerReflectionInfo(&ctx);
  Request by_name;
  by_name.set_file_by_filename("mmio.proto");
  std::vector<Request> requests = {ListServices<Request>(), Symbol<Request>("mmio.Mmio"), by_name,
                                   Symbol<Request>("mmio.WriteRequest"), ListServices<Request>()};
  for (const Request& request : requests) ASSERT_TRUE(stream->Write(request));
  for (const Request& request : requests) {
    typename TestFixture::Response response;
    ASSERT_TRUE(stream->Read(&response));
    EXPECT_EQ(response.original_request().SerializeAsString(), request.SerializeAsString());
    EXPECT_FALSE(response.has_error_response()) << response.DebugString();
  }
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());
}

TYPED_TEST(ReflectionTest, ClientCancelMidStreamLeavesTheServerServing) {
  using Request = typename TestFixture::Request;
  {  // cancelled while the server waits for the next request
    grpc::ClientContext ctx;
    auto stream = this->stub_->ServerReflectionInfo(&ctx);
    this->Exchange(*stream, ListServices<Request>());
    ctx.TryCancel();
    EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::CANCELLED);
  }
  {  // cancelled with requests in flight, answers unread
    grpc::ClientContext ctx;
    auto stream = this->stub_->ServerReflectionInfo(&ctx);
    for (int i = 0; i < 8; ++i) stream->Write(Symbol<Request>("google.protobuf.Api"));
    ctx.TryCancel();
    EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::CANCELLED);
  }
  EXPECT_TRUE(this->Ask(ListServices<Request>()).has_list_services_response());
}

TYPED_TEST(ReflectionTest, TwoHundredIdleStreamsCostNoThreads) {
  using Request = typename TestFixture::Request;
  constexpr int kStreams = 200;
  this->Ask(ListServices<Request>());  // gRPC starts its threads on first use
  const int before = ThreadCount();
  ASSERT_GT(before, 0);
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<typename TestFixture::Stream>> streams;
  for (int i = 0; i < kStreams; ++i) {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    streams.push_back(this->stub_->ServerReflectionInfo(contexts.back().get()));
    ASSERT_TRUE(
        this->Exchange(*streams.back(), ListServices<Request>()).has_list_services_response());
  }
  // Every stream is open and silent, each with a read pending on the server.
  const int open = ThreadCount();
  std::cout << "threads: " << before << " before, " << open << " with " << kStreams
            << " idle reflection streams open\n";
  EXPECT_LE(open, before + 20);
  // They still answer, and all close cleanly.
  for (auto& stream : streams) {
    EXPECT_TRUE(
        this->Exchange(*stream, Symbol<Request>("mmio.Mmio")).has_file_descriptor_response());
    stream->WritesDone();
  }
  for (auto& stream : streams) {
    grpc::Status status = stream->Finish();
    EXPECT_TRUE(status.ok()) << status.error_message();
  }
  std::cout << "threads: " << ThreadCount() << " after closing them\n";
}

TYPED_TEST(ReflectionTest, ShutdownEndsAnIdleStreamAtOnce) {
  using Request = typename TestFixture::Request;
  grpc::ClientContext ctx;
  auto stream = this->stub_->ServerReflectionInfo(&ctx);
  ASSERT_TRUE(this->Exchange(*stream, ListServices<Request>()).has_list_services_response());
  this->idle_.EndAll();
  typename TestFixture::Response extra;
  EXPECT_FALSE(stream->Read(&extra));
  grpc::Status status = stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_NE(status.error_message().find("server is stopping"), std::string::npos)
      << status.error_message();
}

// Health checking, on the same server.
using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

class HealthTest : public ReflectionTest<V1> {
 protected:
  grpc::Status Check(const std::string& service, HealthCheckResponse* response) {
    grpc::ClientContext ctx;
    HealthCheckRequest request;
    request.set_service(service);
    return Health::NewStub(this->channel_)->Check(&ctx, request, response);
  }
};

TEST_F(HealthTest, TheWholeServerIsServingUntilItStopsAndOtherNamesAreNotFound) {
  HealthCheckResponse response;
  ASSERT_TRUE(Check("", &response).ok());
  EXPECT_EQ(response.status(), HealthCheckResponse::SERVING);
  grpc::Status unknown = Check("mmio.Mmio", &response);
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(unknown.error_message().find("mmio.Mmio"), std::string::npos);
  health_.SetNotServing();
  ASSERT_TRUE(Check("", &response).ok());
  EXPECT_EQ(response.status(), HealthCheckResponse::NOT_SERVING);
}

TEST_F(HealthTest, WatchSendsTheStatusStaysOpenAndEndsAtShutdown) {
  auto stub = Health::NewStub(this->channel_);
  HealthCheckRequest whole;
  HealthCheckRequest unknown;
  unknown.set_service("no.such.Service");
  grpc::ClientContext ctx1;
  grpc::ClientContext ctx2;
  auto watch = stub->Watch(&ctx1, whole);
  auto watch_unknown = stub->Watch(&ctx2, unknown);
  HealthCheckResponse response;
  ASSERT_TRUE(watch->Read(&response));
  EXPECT_EQ(response.status(), HealthCheckResponse::SERVING);
  ASSERT_TRUE(watch_unknown->Read(&response));
  EXPECT_EQ(response.status(), HealthCheckResponse::SERVICE_UNKNOWN);
  // Open and silent; a client that goes away leaves the server serving.
  ctx2.TryCancel();
  EXPECT_FALSE(watch_unknown->Read(&response));
  EXPECT_EQ(watch_unknown->Finish().error_code(), grpc::StatusCode::CANCELLED);
  ASSERT_TRUE(Check("", &response).ok());
  idle_.EndAll();
  EXPECT_FALSE(watch->Read(&response));
  EXPECT_EQ(watch->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(HealthTest, TwoHundredIdleWatchesCostNoThreads) {
  HealthCheckResponse response;
  ASSERT_TRUE(Check("", &response).ok());  // gRPC starts its threads on first use
  const int before = ThreadCount();
  auto stub = Health::NewStub(this->channel_);
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientReader<HealthCheckResponse>>> watches;
  for (int i = 0; i < 200; ++i) {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    watches.push_back(stub->Watch(contexts.back().get(), HealthCheckRequest()));
    ASSERT_TRUE(watches.back()->Read(&response));
  }
  EXPECT_LE(ThreadCount(), before + 20);
  for (auto& context : contexts) context->TryCancel();
  for (auto& watch : watches) watch->Finish();
}

// Why the async API: a server with any callback-API method (gRPC's default health service
// among them) gets gRPC's "nexting" threads, which read the sockets and hand every sync call
// over to a sync thread. This server has reflection, health and a sync service, and none.
TEST_F(HealthTest, GrpcStartsNoCallbackPollingThreads) {
  HealthCheckResponse response;
  ASSERT_TRUE(Check("", &response).ok());
  grpc::ClientContext ctx;
  auto stream = this->stub_->ServerReflectionInfo(&ctx);
  ASSERT_TRUE(this->Exchange(*stream, ListServices<V1::Request>()).has_list_services_response());
  EXPECT_EQ(ThreadsNamed("nexting_thread"), 0);
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());
}

}  // namespace
}  // namespace pynq_remote::service
