// pynq_remote.v1.Inventory through the real service layer over FakeDevice, on a loopback TCP
// port: each session's buffers grouped, the caller's own first with their ids, the sessionless
// pool visible to all, other sessions shown only by a label (never their id or buffer ids).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>

#include "fake_device.h"
#include "loopback_server.h"
#include "pynq_remote/v1/board.grpc.pb.h"
#include "service/caller.h"
#include "service/services.h"
#include "test_root.h"

namespace pynq_remote::service {
namespace {

using testing::FakeDevice;
using testing::TestRoot;
namespace v1 = ::pynq_remote::v1;

class InventoryServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(root_.path().empty());
    auto services = Services::Create(device_, root_.path(), true, ServiceOptions());
    ASSERT_TRUE(services.ok()) << services.error().message;
    services_ = std::move(services).value();
    testing::LoopbackServer loopback = testing::StartLoopbackServer(*services_);
    server_ = std::move(loopback.server);
    ASSERT_NE(server_, nullptr);
    stub_ = v1::Inventory::NewStub(loopback.channel);
  }

  void TearDown() override {
    if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  }

  std::string Session(const std::string& name) {
    Result<std::string> id = services_->state().sessions.Open(name);
    EXPECT_TRUE(id.ok());
    return id.ok() ? id.value() : "";
  }

  std::string Allocate(const std::string& owner, uint64_t size, const std::string& dtype) {
    Result<std::string> id = AllocateBuffer(services_->state(), owner, size, dtype, false);
    EXPECT_TRUE(id.ok()) << (id.ok() ? "" : id.error().message);
    return id.ok() ? id.value() : "";
  }

  grpc::Status List(const std::string& session, v1::ListBuffersResponse* response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    if (!session.empty()) context.AddMetadata(kSessionMetadataKey, session);
    return stub_->ListBuffers(&context, v1::ListBuffersRequest(), response);
  }

  TestRoot root_;
  FakeDevice device_;
  std::unique_ptr<Services> services_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::Inventory::Stub> stub_;
};

TEST_F(InventoryServiceTest, NothingHeldListsNothing) {
  v1::ListBuffersResponse response;
  ASSERT_TRUE(List("", &response).ok());
  EXPECT_EQ(response.sessions_size(), 0);
}

TEST_F(InventoryServiceTest, GroupsBySessionAndHidesOtherSessionsIds) {
  const std::string mine = Session("mine");
  const std::string theirs = Session("theirs");
  const std::string a = Allocate(mine, 4096, "<u4");
  const std::string b = Allocate(mine, 8192, "<f8");
  const std::string pool = Allocate("", 100, "|u1");
  const std::string secret = Allocate(theirs, 12288, "<i2");

  v1::ListBuffersResponse response;
  ASSERT_TRUE(List(mine, &response).ok());
  ASSERT_EQ(response.sessions_size(), 3) << response.DebugString();

  const v1::SessionBuffers& own = response.sessions(0);
  EXPECT_TRUE(own.yours());
  EXPECT_EQ(own.session(), mine);
  EXPECT_EQ(own.bytes(), 4096u + 8192u);
  ASSERT_EQ(own.buffers_size(), 2);
  for (const v1::BufferRecord& record : own.buffers()) {
    EXPECT_TRUE(record.buffer_id() == a || record.buffer_id() == b) << record.buffer_id();
    EXPECT_NE(record.physical_address(), 0u);
  }

  const v1::SessionBuffers& sessionless = response.sessions(1);
  EXPECT_TRUE(sessionless.sessionless());
  EXPECT_EQ(sessionless.session(), "");
  ASSERT_EQ(sessionless.buffers_size(), 1);
  EXPECT_EQ(sessionless.buffers(0).buffer_id(), pool);
  EXPECT_EQ(sessionless.buffers(0).dtype(), "|u1");

  const v1::SessionBuffers& other = response.sessions(2);
  EXPECT_FALSE(other.yours());
  EXPECT_FALSE(other.sessionless());
  EXPECT_EQ(other.session().rfind("session-", 0), 0u) << other.session();
  EXPECT_EQ(response.DebugString().find(theirs), std::string::npos);
  EXPECT_EQ(response.DebugString().find(secret), std::string::npos);
  ASSERT_EQ(other.buffers_size(), 1);
  EXPECT_EQ(other.buffers(0).buffer_id(), "");
  EXPECT_EQ(other.buffers(0).size(), 12288u);
  EXPECT_EQ(other.buffers(0).dtype(), "<i2");

  // The label is stable: the other session is shown the same way on the next call.
  v1::ListBuffersResponse again;
  ASSERT_TRUE(List(mine, &again).ok());
  EXPECT_EQ(again.sessions(2).session(), other.session());

  // Seen from the other session, the roles swap.
  v1::ListBuffersResponse from_theirs;
  ASSERT_TRUE(List(theirs, &from_theirs).ok());
  ASSERT_EQ(from_theirs.sessions_size(), 3);
  EXPECT_EQ(from_theirs.sessions(0).session(), theirs);
  EXPECT_EQ(from_theirs.sessions(0).buffers(0).buffer_id(), secret);
  EXPECT_EQ(from_theirs.DebugString().find(mine), std::string::npos);
}

TEST_F(InventoryServiceTest, FreedBuffersLeaveTheList) {
  const std::string mine = Session("mine");
  const std::string id = Allocate(mine, 4096, "<u4");
  ASSERT_TRUE(FreeBuffer(services_->state(), mine, id).ok());
  v1::ListBuffersResponse response;
  ASSERT_TRUE(List(mine, &response).ok());
  EXPECT_EQ(response.sessions_size(), 0) << response.DebugString();
}

TEST_F(InventoryServiceTest, AnUnknownSessionIsRefused) {
  v1::ListBuffersResponse response;
  grpc::Status status = List("sess-not-a-session", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << status.error_message();
}

grpc::Status ListFiles(v1::Inventory::Stub& stub, const std::string& path,
                       v1::ListFilesResponse* response) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  v1::ListFilesRequest request;
  request.set_path(path);
  return stub.ListFiles(&context, request, response);
}

TEST_F(InventoryServiceTest, ListsADirectorySortedWithKindsAndSizes) {
  const RootFs& root = services_->state().root;
  ASSERT_TRUE(root.MakeDirectories("/home/xilinx/sub").ok());
  ASSERT_TRUE(root.WriteAll("/home/xilinx/b.bin", std::string(1234, 'x')).ok());
  ASSERT_TRUE(root.WriteAll("/home/xilinx/a.txt", "hi").ok());
  // A link to somewhere outside the root is listed as a link, never followed.
  ASSERT_EQ(symlink("/etc/passwd", (root.dir() + "/home/xilinx/out").c_str()), 0);
  v1::ListFilesResponse response;
  ASSERT_TRUE(ListFiles(*stub_, "/home/xilinx", &response).ok());
  ASSERT_EQ(response.entries_size(), 4) << response.DebugString();
  EXPECT_FALSE(response.truncated());
  EXPECT_EQ(response.entries(0).name(), "a.txt");
  EXPECT_EQ(response.entries(0).kind(), v1::FileRecord::FILE);
  EXPECT_EQ(response.entries(0).size(), 2u);
  EXPECT_EQ(response.entries(1).name(), "b.bin");
  EXPECT_EQ(response.entries(1).size(), 1234u);
  EXPECT_EQ(response.entries(2).name(), "out");
  EXPECT_EQ(response.entries(2).kind(), v1::FileRecord::SYMLINK);
  EXPECT_EQ(response.entries(2).size(), 0u);
  EXPECT_EQ(response.entries(3).name(), "sub");
  EXPECT_EQ(response.entries(3).kind(), v1::FileRecord::DIRECTORY);
}

TEST_F(InventoryServiceTest, ListingBadPathsSaysWhatIsWrong) {
  const RootFs& root = services_->state().root;
  ASSERT_TRUE(root.WriteAll("/file", "x").ok());
  v1::ListFilesResponse response;
  grpc::Status status = ListFiles(*stub_, "/no/such/dir", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << status.error_message();
  status = ListFiles(*stub_, "/file", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("not a directory"), std::string::npos)
      << status.error_message();
  status = ListFiles(*stub_, "/../etc", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  status = ListFiles(*stub_, "", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
}

TEST_F(InventoryServiceTest, AHugeDirectoryIsListedUpToTheCap) {
  const RootFs& root = services_->state().root;
  ASSERT_TRUE(root.MakeDirectories("/many").ok());
  const size_t count = InventoryService::kMaxListedFiles + 5;
  for (size_t i = 0; i < count; ++i) {
    const std::string path = root.dir() + "/many/f" + std::to_string(i);
    const int fd = open(path.c_str(), O_CREAT | O_WRONLY, 0644);
    ASSERT_GE(fd, 0);
    close(fd);
  }
  v1::ListFilesResponse response;
  ASSERT_TRUE(ListFiles(*stub_, "/many", &response).ok());
  EXPECT_EQ(static_cast<size_t>(response.entries_size()), InventoryService::kMaxListedFiles);
  EXPECT_TRUE(response.truncated());
}

}  // namespace
}  // namespace pynq_remote::service
