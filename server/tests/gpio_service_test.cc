// gpio.Gpio through the real service layer over FakeDevice's small GPIO chips, on a real gRPC
// server reached over a loopback TCP port: every RPC, each bad input, the ids' lifetime
// (unexport, shared pins, sessions ending) and what the wire carries on failure.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "fake_device.h"
#include "gpio.grpc.pb.h"
#include "loopback_server.h"
#include "pynq_remote/v1/session.grpc.pb.h"
#include "service/caller.h"
#include "service/services.h"
#include "test_root.h"

namespace pynq_remote::service {
namespace {

using testing::FakeDevice;
using testing::TestRoot;
namespace v1 = ::pynq_remote::v1;

constexpr int kBase = FakeDevice::kGpioBase;  // gpiochip500: MIO 500..503, EMIO 504..507

// A board whose backend serves no GPIO at all.
class NoGpioDevice : public FakeDevice {
 public:
  std::vector<GpioChipInfo> GpioChips() const override { return {}; }
  Status GpioSetDirection(int, GpioDirection) override {
    return MakeError(ErrorCode::kUnsupported, "this board serves no PS GPIO");
  }
};

class GpioServiceTest : public ::testing::Test {
 protected:
  virtual std::unique_ptr<FakeDevice> MakeDevice() { return std::make_unique<FakeDevice>(); }

  void SetUp() override {
    ASSERT_FALSE(root_.path().empty());
    device_ = MakeDevice();
    ServiceOptions options;
    options.limits = limits_;
    auto services = Services::Create(*device_, root_.path(), true, options);
    ASSERT_TRUE(services.ok()) << services.error().message;
    services_ = std::move(services).value();
    testing::LoopbackServer loopback = testing::StartLoopbackServer(*services_);
    server_ = std::move(loopback.server);
    ASSERT_NE(server_, nullptr);
    channel_ = loopback.channel;
    stub_ = gpio::Gpio::NewStub(channel_);
  }

  void TearDown() override {
    if (!server_) return;
    // Still answering after whatever the test sent.
    gpio::GetGpioNPinsResponse npins;
    grpc::ClientContext context;
    grpc::Status status = stub_->get_gpio_npins(&context, gpio::GetGpioNPinsRequest(), &npins);
    EXPECT_TRUE(status.ok() || status.error_code() == grpc::StatusCode::NOT_FOUND)
        << status.error_message();
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  }

  std::unique_ptr<grpc::ClientContext> Context(const std::string& session = "") {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    if (!session.empty()) context->AddMetadata(kSessionMetadataKey, session);
    return context;
  }

  gpio::GetGpioResponse Get(int index, const std::string& direction,
                            const std::string& session = "") {
    gpio::GetGpioRequest request;
    request.set_index(index);
    request.set_direction(direction);
    gpio::GetGpioResponse response;
    EXPECT_TRUE(stub_->get_gpio(Context(session).get(), request, &response).ok());
    return response;
  }
  // The id of a get_gpio that must succeed.
  std::string GetId(int index, const std::string& direction, const std::string& session = "") {
    gpio::GetGpioResponse response = Get(index, direction, session);
    EXPECT_FALSE(response.has_message()) << response.message();
    EXPECT_TRUE(response.has_gpio_id());
    return response.gpio_id();
  }
  gpio::GpioReadResponse Read(const std::string& id, const std::string& session = "") {
    gpio::GpioReadRequest request;
    request.set_gpio_id(id);
    gpio::GpioReadResponse response;
    EXPECT_TRUE(stub_->read(Context(session).get(), request, &response).ok());
    return response;
  }
  grpc::Status Write(const std::string& id, int value, const std::string& session = "") {
    gpio::GpioWriteRequest request;
    request.set_gpio_id(id);
    request.set_value(value);
    gpio::GpioWriteResponse response;
    return stub_->write(Context(session).get(), request, &response);
  }
  grpc::Status Unexport(const std::string& id, const std::string& session = "") {
    gpio::GpioUnexportRequest request;
    request.set_gpio_id(id);
    gpio::GpioUnexportResponse response;
    return stub_->unexport(Context(session).get(), request, &response);
  }
  bool IsExported(const std::string& id, const std::string& session = "") {
    gpio::GpioIsExportedRequest request;
    request.set_gpio_id(id);
    gpio::GpioIsExportedResponse response;
    grpc::Status status = stub_->is_exported(Context(session).get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    EXPECT_TRUE(response.has_is_exported());
    return response.is_exported();
  }
  std::string BasePath(const std::string* label) {
    gpio::GetGpioBasePathRequest request;
    if (label != nullptr) request.set_target_label(*label);
    gpio::GetGpioBasePathResponse response;
    EXPECT_TRUE(stub_->get_gpio_base_path(Context().get(), request, &response).ok());
    EXPECT_TRUE(response.has_base_path());
    return response.base_path();
  }
  grpc::Status NPins(const std::string* label, int* npins) {
    gpio::GetGpioNPinsRequest request;
    if (label != nullptr) request.set_target_label(*label);
    gpio::GetGpioNPinsResponse response;
    grpc::Status status = stub_->get_gpio_npins(Context().get(), request, &response);
    *npins = response.npins();
    return status;
  }

  Limits limits_;
  TestRoot root_;
  std::unique_ptr<FakeDevice> device_;
  // Before services_: their queue is drained while the (shut down) server still exists.
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<Services> services_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<gpio::Gpio::Stub> stub_;
};

// ---- get_gpio ----

TEST_F(GpioServiceTest, GetGpioGivesANewIdEveryCall) {
  const std::string a = GetId(kBase + 4, "in");
  const std::string b = GetId(kBase + 4, "in");
  EXPECT_EQ(a.rfind("gpio_", 0), 0u) << a;
  EXPECT_EQ(b.rfind("gpio_", 0), 0u) << b;
  EXPECT_NE(a, b);
  // The pin is claimed once; the second id shares it.
  EXPECT_EQ(device_->gpio_calls(), std::vector<std::string>{"dir 504 in"});
  EXPECT_TRUE(IsExported(a));
  EXPECT_TRUE(IsExported(b));
}

TEST_F(GpioServiceTest, IndexOutsideEveryChipIsRefusedWithTheRanges) {
  for (int index : {kBase - 1, kBase + 8, 602, -1, 1 << 30}) {
    gpio::GetGpioResponse response = Get(index, "out");
    EXPECT_FALSE(response.has_gpio_id()) << index;
    ASSERT_TRUE(response.has_message()) << index;
    const std::string& m = response.message();
    EXPECT_NE(m.find("GPIO index " + std::to_string(index) + " is outside every GPIO chip"),
              std::string::npos)
        << m;
    EXPECT_NE(m.find("gpiochip500 \"zynqmp_gpio\" serves 500..507"), std::string::npos) << m;
    EXPECT_NE(m.find("EMIO pin k is 500 + 4 + k = 504 + k, k in 0..3"), std::string::npos) << m;
    EXPECT_NE(m.find("gpiochip600 \"pl_gpio\" serves 600..601"), std::string::npos) << m;
  }
  EXPECT_TRUE(device_->gpio_calls().empty());
  EXPECT_EQ(services_->state().gpios.size(), 0u);
}

TEST_F(GpioServiceTest, DirectionOtherThanInOrOutIsRefused) {
  for (const char* direction : {"", "IN", "output", "in "}) {
    gpio::GetGpioResponse response = Get(kBase, direction);
    EXPECT_FALSE(response.has_gpio_id()) << direction;
    EXPECT_EQ(response.message(),
              std::string("GPIO direction \"") + direction + "\": want \"in\" or \"out\"");
  }
  EXPECT_TRUE(device_->gpio_calls().empty());
}

TEST_F(GpioServiceTest, TwoOutputIdsShareAPinButDirectionsMayNotMix) {
  const std::string out1 = GetId(kBase + 5, "out");
  const std::string out2 = GetId(kBase + 5, "out");
  EXPECT_NE(out1, out2);
  ASSERT_TRUE(Write(out1, 1).ok());
  EXPECT_EQ(Read(out2).value(), 1);  // one pin: both ids see what either drives
  gpio::GetGpioResponse mixed = Get(kBase + 5, "in");
  EXPECT_FALSE(mixed.has_gpio_id());
  EXPECT_NE(mixed.message().find("gpio 505 (EMIO 1 of gpiochip500) is in use as \"out\" by 2 "
                                 "other id(s)"),
            std::string::npos)
      << mixed.message();
  const std::string in = GetId(kBase + 1, "in");
  gpio::GetGpioResponse mixed_out = Get(kBase + 1, "out");
  EXPECT_NE(mixed_out.message().find("gpio 501 (MIO 1 of gpiochip500) is in use as \"in\""),
            std::string::npos)
      << mixed_out.message();
  // Once the pin's ids are gone, it may be claimed the other way.
  ASSERT_TRUE(Unexport(out1).ok());
  ASSERT_TRUE(Unexport(out2).ok());
  GetId(kBase + 5, "in");
}

TEST_F(GpioServiceTest, PinsOfAChipWithoutMioAreNamedByLine) {
  const std::string id = GetId(601, "out");
  grpc::Status bad = Write(id, 7);
  EXPECT_NE(bad.error_message().find("gpio 601 (line 1 of gpiochip600)"), std::string::npos)
      << bad.error_message();
}

// ---- read / write ----

TEST_F(GpioServiceTest, OutputDrivesThePinAndReadsBackAsDriven) {
  const std::string id = GetId(kBase + 7, "out");
  EXPECT_EQ(device_->gpio_driven(kBase + 7), 0);  // an output starts driving 0
  ASSERT_TRUE(Write(id, 1).ok());
  EXPECT_EQ(device_->gpio_driven(kBase + 7), 1);
  gpio::GpioReadResponse read = Read(id);
  EXPECT_FALSE(read.has_message());
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read.value(), 1);
  ASSERT_TRUE(Write(id, 0).ok());
  EXPECT_EQ(Read(id).value(), 0);
  EXPECT_EQ(device_->gpio_calls(),
            (std::vector<std::string>{"dir 507 out", "write 507 1", "write 507 0"}));
}

TEST_F(GpioServiceTest, InputReadsWhatArrives) {
  const std::string id = GetId(kBase + 2, "in");
  EXPECT_EQ(Read(id).value(), 0);
  device_->set_gpio_input(kBase + 2, 1);
  gpio::GpioReadResponse read = Read(id);
  EXPECT_FALSE(read.has_message());
  EXPECT_EQ(read.value(), 1);
}

TEST_F(GpioServiceTest, WriteToAnInputIsPermissionDenied) {
  const std::string id = GetId(kBase + 3, "in");
  grpc::Status status = Write(id, 1);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(status.error_message(), id + " (gpio 503 (MIO 3 of gpiochip500)) is an input: "
                                         "get_gpio it with direction \"out\" to drive it");
  EXPECT_EQ(device_->gpio_calls(), std::vector<std::string>{"dir 503 in"});
}

TEST_F(GpioServiceTest, ValuesOtherThanZeroOrOneAreRefused) {
  const std::string id = GetId(kBase + 6, "out");
  for (int value : {2, -1, 255, 1 << 30}) {
    grpc::Status status = Write(id, value);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << value;
    EXPECT_EQ(status.error_message(), "GPIO value " + std::to_string(value) + " for " + id +
                                          " (gpio 506 (EMIO 2 of gpiochip500)): want 0 or 1");
  }
  EXPECT_EQ(device_->gpio_driven(kBase + 6), 0);
}

TEST_F(GpioServiceTest, UnknownIdsAreRefusedByEveryCall) {
  for (const char* id : {"", "gpio_0", "gpio_99999", "buf-1234", "gpio_-1"}) {
    gpio::GpioReadResponse read = Read(id);
    EXPECT_FALSE(read.has_value()) << id;
    EXPECT_NE(read.message().find(std::string("no GPIO with id \"") + id + "\""), std::string::npos)
        << read.message();
    grpc::Status write = Write(id, 1);
    EXPECT_EQ(write.error_code(), grpc::StatusCode::NOT_FOUND) << id;
    EXPECT_NE(write.error_message().find("no GPIO with id"), std::string::npos);
    grpc::Status unexport = Unexport(id);
    EXPECT_EQ(unexport.error_code(), grpc::StatusCode::NOT_FOUND) << id;
    EXPECT_NE(unexport.error_message().find("already unexported"), std::string::npos);
    EXPECT_FALSE(IsExported(id));
  }
}

// ---- unexport ----

TEST_F(GpioServiceTest, UnexportReleasesTheIdAndThePinWithItsLastId) {
  const std::string a = GetId(kBase + 4, "in");
  const std::string b = GetId(kBase + 4, "in");
  ASSERT_TRUE(Unexport(a).ok());
  EXPECT_FALSE(IsExported(a));
  EXPECT_TRUE(IsExported(b));
  EXPECT_EQ(device_->gpio_claimed(), 1u);  // b still holds it
  gpio::GpioReadResponse gone = Read(a);
  EXPECT_FALSE(gone.has_value());
  EXPECT_NE(gone.message().find("already unexported"), std::string::npos);
  EXPECT_EQ(Unexport(a).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Write(a, 1).error_code(), grpc::StatusCode::NOT_FOUND);
  ASSERT_TRUE(Unexport(b).ok());
  EXPECT_EQ(device_->gpio_claimed(), 0u);
  EXPECT_EQ(device_->gpio_calls(), (std::vector<std::string>{"dir 504 in", "release 504"}));
  EXPECT_EQ(services_->state().sessions.usage("").handles, 0u);
}

// ---- get_gpio_base_path / get_gpio_npins ----

TEST_F(GpioServiceTest, BasePathFindsThePsChipByItsLabelWithoutATrailingSlash) {
  EXPECT_EQ(BasePath(nullptr), "/sys/class/gpio/gpiochip500");
  const std::string empty, ps = "zynqmp_gpio", pl = "pl_gpio", none = "zynq_gpio";
  EXPECT_EQ(BasePath(&empty), "/sys/class/gpio/gpiochip500");
  EXPECT_EQ(BasePath(&ps), "/sys/class/gpio/gpiochip500");
  EXPECT_EQ(BasePath(&pl), "/sys/class/gpio/gpiochip600");
  EXPECT_EQ(BasePath(&none), "");  // 4.0's "no such chip"
}

TEST_F(GpioServiceTest, NPinsIsTheChipsNgpioAndAnUnknownLabelIsNotFound) {
  int npins = 0;
  ASSERT_TRUE(NPins(nullptr, &npins).ok());
  EXPECT_EQ(npins, 8);
  const std::string pl = "pl_gpio", nope = "versal_gpio";
  ASSERT_TRUE(NPins(&pl, &npins).ok());
  EXPECT_EQ(npins, 2);
  grpc::Status status = NPins(&nope, &npins);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(),
            "no GPIO chip labelled \"versal_gpio\" on this board; its chips: \"zynqmp_gpio\" "
            "(gpiochip500), \"pl_gpio\" (gpiochip600)");
}

// ---- sessions ----

class GpioSessionTest : public GpioServiceTest {
 protected:
  GpioSessionTest() {
    limits_.grace = std::chrono::milliseconds(0);
    limits_.max_session_handles = 3;
  }

  // Opens a session on its own Attach stream; CloseSession ends it.
  std::string OpenSession() {
    session_context_ = std::make_unique<grpc::ClientContext>();
    session_stub_ = v1::Session::NewStub(channel_);
    attach_ = session_stub_->Attach(session_context_.get());
    v1::SessionRequest request;
    request.set_client_name("gpio_service_test");
    v1::SessionEvent event;
    EXPECT_TRUE(attach_->Write(request));
    EXPECT_TRUE(attach_->Read(&event));
    return event.session_id();
  }
  void CloseSession() {
    attach_->WritesDone();
    session_context_->TryCancel();
    (void)attach_->Finish();
  }

  std::unique_ptr<v1::Session::Stub> session_stub_;
  std::unique_ptr<grpc::ClientContext> session_context_;
  std::unique_ptr<grpc::ClientReaderWriter<v1::SessionRequest, v1::SessionEvent>> attach_;
};

TEST_F(GpioSessionTest, IdsAreChargedToTheSessionAndHiddenFromOthers) {
  const std::string session = OpenSession();
  ASSERT_FALSE(session.empty());
  const std::string id = GetId(kBase + 5, "out", session);
  EXPECT_EQ(services_->state().sessions.usage(session).handles, 1u);
  EXPECT_TRUE(IsExported(id, session));
  // Sessionless callers (and other sessions) cannot see or touch it.
  EXPECT_FALSE(IsExported(id));
  EXPECT_NE(Read(id).message().find("another session's"), std::string::npos);
  EXPECT_EQ(Write(id, 1).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Unexport(id).error_code(), grpc::StatusCode::NOT_FOUND);
  ASSERT_TRUE(Write(id, 1, session).ok());
  ASSERT_TRUE(Unexport(id, session).ok());
  EXPECT_EQ(services_->state().sessions.usage(session).handles, 0u);
  CloseSession();
}

TEST_F(GpioSessionTest, TheSessionsHandleLimitCountsGpioIds) {
  const std::string session = OpenSession();
  for (int i = 0; i < 3; ++i) GetId(kBase + i, "in", session);
  gpio::GetGpioResponse over = Get(kBase + 3, "in", session);
  EXPECT_FALSE(over.has_gpio_id());
  EXPECT_NE(over.message().find("handles"), std::string::npos) << over.message();
  EXPECT_EQ(device_->gpio_claimed(), 3u);  // the refused one claimed nothing
  CloseSession();
}

TEST_F(GpioSessionTest, AnEndedSessionsIdsAndPinsAreReleased) {
  const std::string session = OpenSession();
  const std::string mine = GetId(kBase + 6, "out", session);
  const std::string shared = GetId(kBase + 2, "in", session);
  const std::string other = GetId(kBase + 2, "in");  // sessionless, same pin
  ASSERT_TRUE(Write(mine, 1, session).ok());
  CloseSession();
  // The reaper runs on its own thread once the stream has ended (grace 0): wait for it,
  // bounded generously.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (services_->state().gpios.size() != 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(services_->state().gpios.size(), 1u);
  EXPECT_FALSE(IsExported(mine));
  EXPECT_TRUE(IsExported(other));
  std::vector<std::string> calls = device_->gpio_calls();
  EXPECT_NE(std::find(calls.begin(), calls.end(), "release 506"), calls.end());
  // The pin a sessionless id still holds stays claimed.
  EXPECT_EQ(std::find(calls.begin(), calls.end(), "release 502"), calls.end());
  EXPECT_EQ(device_->gpio_claimed(), 1u);
  (void)shared;
}

TEST_F(GpioSessionTest, AnUnknownSessionIsRefusedNotIgnored) {
  const std::string ghost = "sess-not-open";
  gpio::GetGpioResponse get = Get(kBase, "in", ghost);
  EXPECT_FALSE(get.has_gpio_id());
  EXPECT_FALSE(get.message().empty());
  const std::string id = GetId(kBase, "in");
  EXPECT_FALSE(Read(id, ghost).has_value());
  EXPECT_EQ(Write(id, 1, ghost).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Unexport(id, ghost).error_code(), grpc::StatusCode::NOT_FOUND);
  gpio::GpioIsExportedRequest request;
  request.set_gpio_id(id);
  gpio::GpioIsExportedResponse response;
  EXPECT_EQ(stub_->is_exported(Context(ghost).get(), request, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

// ---- a board without GPIO ----

class NoGpioTest : public GpioServiceTest {
 protected:
  std::unique_ptr<FakeDevice> MakeDevice() override { return std::make_unique<NoGpioDevice>(); }
};

TEST_F(NoGpioTest, EveryCallSaysThereIsNoGpio) {
  gpio::GetGpioResponse get = Get(kBase, "in");
  EXPECT_FALSE(get.has_gpio_id());
  EXPECT_EQ(get.message(), "this board serves no PS GPIO (no gpiochip found)");
  EXPECT_EQ(BasePath(nullptr), "");
  int npins = -1;
  grpc::Status status = NPins(nullptr, &npins);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(status.error_message().find("its chips: none"), std::string::npos);
}

}  // namespace
}  // namespace pynq_remote::service
