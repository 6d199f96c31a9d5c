// interrupt.RemoteInterrupt end to end: the real services over real gRPC on a loopback port,
// over the real simulated board with the gpio_intc design (AXI GPIO channel 1 outputs looped
// into channel 2 inputs, whose interrupt is AXI INTC input 0, whose irq is pl_ps_irq0[0]).
// The test drives the GPIO by MMIO on the device, as a driver on the board would, and waits
// over gRPC. No sleeps as synchronisation: conditions are awaited with generous deadlines.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <future>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include "interrupt.grpc.pb.h"
#include "loopback_server.h"
#include "service/caller.h"
#include "service/services.h"
#include "sim/sim_device.h"
#include "test_root.h"

namespace pynq_remote::service {
namespace {

using interrupt::WaitResponse;

constexpr uint64_t kGpio = 0xA0000000, kIntc = 0xA0010000;
constexpr uint64_t kGpioData = 0x00, kGpio2Data = 0x08, kGier = 0x11C, kIpIsr = 0x120,
                   kIpIer = 0x128;
constexpr char kPin[] = "axi_gpio_0/ip2intc_irpt";
constexpr auto kLong = std::chrono::seconds(30);

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string DesignFile(const std::string& name, const std::string& ext) {
  return std::string(PYNQ_REMOTE_DESIGNS_DIR) + "/" + name + "/" + name + ext;
}

// Polls `done` until it holds or `limit` passes: for server state no event announces.
template <class Pred>
bool Eventually(Pred done, std::chrono::seconds limit = std::chrono::seconds(30)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

struct WaitResult {
  grpc::Status status;
  WaitResponse response;
  std::string sim_ps;  // trailing metadata, "" when absent
};

// One wait in flight on the async stub.
class PendingWait {
 public:
  PendingWait(interrupt::RemoteInterrupt::Stub* stub, const std::string& id, uint32_t timeout_ms) {
    request_.set_interrupt_id(id);
    request_.set_timeout_ms(timeout_ms);
    context_.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
    stub->async()->wait_for_interrupt(
        &context_, &request_, &result_.response, [this](grpc::Status status) {
          result_.status = status;
          auto& md = context_.GetServerTrailingMetadata();
          auto it = md.find(kIrqSimPsMetadataKey);
          if (it != md.end()) {
            result_.sim_ps.assign(it->second.data(), it->second.size());
          }
          done_.set_value();
        });
    future_ = done_.get_future();
  }
  ~PendingWait() {
    context_.TryCancel();
    future_.wait();
  }
  bool Done(std::chrono::seconds limit = kLong) {
    return future_.wait_for(limit) == std::future_status::ready;
  }
  const WaitResult& Get() {
    EXPECT_TRUE(Done()) << "the wait did not end";
    return result_;
  }
  void Cancel() { context_.TryCancel(); }

 private:
  grpc::ClientContext context_;
  interrupt::WaitRequest request_;
  WaitResult result_;
  std::promise<void> done_;
  std::future<void> future_;
};

class InterruptServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(root_.path().empty());
    std::string error;
    device_ = sim::CreateSimDevice({}, &error);
    ASSERT_NE(device_, nullptr) << error;
    auto services = Services::Create(*device_, root_.path(), true, ServiceOptions());
    ASSERT_TRUE(services.ok()) << services.error().message;
    services_ = std::move(services).value();
    testing::LoopbackServer loopback = testing::StartLoopbackServer(*services_);
    server_ = std::move(loopback.server);
    ASSERT_NE(server_, nullptr);
    stub_ = interrupt::RemoteInterrupt::NewStub(loopback.channel);
  }

  void TearDown() override {
    if (server_) {
      services_->BeginShutdown();
      server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
    }
    services_.reset();  // before the server: see services.h
    server_.reset();
    device_.reset();
  }

  // Puts the design's bitstream (and, unless hwh is "-", a .hwh: the design's own when
  // empty) into lib/firmware and programs it through the fpga_manager.
  bool Program(const std::string& name, const std::string& hwh = "") {
    const std::string bit = ReadFile(DesignFile(name, ".bit"));
    if (bit.empty()) return false;
    std::ofstream(root_.path() + "/lib/firmware/" + name + ".bit", std::ios::binary) << bit;
    const std::string hwh_path = root_.path() + "/lib/firmware/" + name + ".hwh";
    std::remove(hwh_path.c_str());
    if (hwh != "-") {
      std::ofstream(hwh_path, std::ios::binary)
          << (hwh.empty() ? ReadFile(DesignFile(name, ".hwh")) : hwh);
    }
    Status s = services_->state().fpga.ProgramFirmware(name + ".bit");
    EXPECT_TRUE(s.ok()) << s.error().message;
    return s.ok();
  }

  uint32_t Read(uint64_t addr) {
    Result<uint64_t> r = device_->MmioRead(addr, 4);
    EXPECT_TRUE(r.ok()) << Hex(addr) << ": " << (r.ok() ? "" : r.error().message);
    return r.ok() ? static_cast<uint32_t>(r.value()) : 0;
  }
  void Write(uint64_t addr, uint32_t value) {
    Status s = device_->MmioWrite(addr, 4, value);
    EXPECT_TRUE(s.ok()) << Hex(addr) << ": " << (s.ok() ? "" : s.error().message);
  }

  // The channel 2 input-change interrupt on, with what earlier writes left cleared.
  void EnableGpioInterrupt() {
    Write(kGpio + kIpIsr, Read(kGpio + kIpIsr));  // toggle on write: clears what is set
    Write(kGpio + kGier, 0x80000000u);
    Write(kGpio + kIpIer, 0x2);
  }
  // Changes channel 1's outputs, so channel 2's inputs change: the event.
  void Event() {
    value_ = value_ == 0x5A ? 0xA5 : 0x5A;
    Write(kGpio + kGpioData, value_);
  }
  // What a driver does after its wait returns: clears the source.
  void ClearSource() {
    const uint32_t isr = Read(kGpio + kIpIsr);
    if (isr & 0x2) Write(kGpio + kIpIsr, 0x2);
  }

  interrupt::RegisterResponse Register(const std::string& pin, uint64_t base = 0,
                                       uint32_t index = 0, uint32_t raw_irq = 0) {
    grpc::ClientContext context;
    interrupt::RegisterRequest request;
    request.set_pin_name(pin);
    request.set_controller_phys_addr(base);
    request.set_pin_index(index);
    request.set_raw_irq(raw_irq);
    interrupt::RegisterResponse response;
    grpc::Status status = stub_->register_interrupt(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }
  std::string RegisterOk(const std::string& pin, uint64_t base = 0, uint32_t index = 0) {
    interrupt::RegisterResponse r = Register(pin, base, index);
    EXPECT_FALSE(r.interrupt_id().empty()) << r.msg();
    return r.interrupt_id();
  }
  WaitResult Wait(const std::string& id, uint32_t timeout_ms) {
    PendingWait wait(stub_.get(), id, timeout_ms);
    return wait.Get();
  }
  std::string Release(const std::string& id) {
    grpc::ClientContext context;
    interrupt::ReleaseRequest request;
    request.set_interrupt_id(id);
    interrupt::ReleaseResponse response;
    EXPECT_TRUE(stub_->release_interrupt(&context, request, &response).ok());
    return response.msg();
  }
  InterruptHub& hub() { return services_->interrupt_hub(); }

  testing::TestRoot root_;
  std::unique_ptr<Device> device_;
  // Before services_: their queue is drained while the (shut down) server still exists.
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<Services> services_;
  std::unique_ptr<interrupt::RemoteInterrupt::Stub> stub_;
  uint32_t value_ = 0;
};

#define LOAD_OR_SKIP(name) \
  if (!Program(name)) GTEST_SKIP() << name << " not in this build"

TEST_F(InterruptServiceTest, GpioInputChangeFiresWithSimTime) {
  LOAD_OR_SKIP("gpio_intc");
  const std::string id = RegisterOk(kPin);
  EXPECT_EQ(id.rfind("irq_", 0), 0u) << id;
  // PR #1566: the first registration sets the controller up: inputs off, MER = ME | HIE.
  EXPECT_EQ(Read(kIntc + 0x08), 0u);
  EXPECT_EQ(Read(kIntc + 0x1C), 3u);
  EnableGpioInterrupt();
  PendingWait wait(stub_.get(), id, 0);
  Event();
  const WaitResult& r = wait.Get();
  ASSERT_TRUE(r.status.ok()) << r.status.error_message();
  EXPECT_EQ(r.response.status(), WaitResponse::FIRED) << r.response.msg();
  ASSERT_FALSE(r.sim_ps.empty());
  EXPECT_GT(std::stoull(r.sim_ps), 0u);
  EXPECT_LE(std::stoull(r.sim_ps), device_->Info().sim_time_ps);
  EXPECT_EQ(Read(kGpio + kGpio2Data), value_);
}

TEST_F(InterruptServiceTest, LevelSemanticsAtMostOneLateFiredThenQuiet) {
  LOAD_OR_SKIP("gpio_intc");
  const std::string id = RegisterOk(kPin);
  EnableGpioInterrupt();
  Event();
  EXPECT_EQ(Wait(id, 0).response.status(), WaitResponse::FIRED);
  // The source is still high: the next wait re-arms and fires again.
  EXPECT_EQ(Wait(id, 30000).response.status(), WaitResponse::FIRED);
  ClearSource();
  const WaitResult first = Wait(id, 300);
  ASSERT_TRUE(first.status.ok());
  if (first.response.status() == WaitResponse::FIRED) {
    EXPECT_EQ(Wait(id, 300).response.status(), WaitResponse::TIMEOUT);
  } else {
    EXPECT_EQ(first.response.status(), WaitResponse::TIMEOUT);
  }
  EXPECT_EQ(Wait(id, 100).response.status(), WaitResponse::TIMEOUT);
}

TEST_F(InterruptServiceTest, AThousandInARowNoneLost) {
  LOAD_OR_SKIP("gpio_intc");
  const std::string id = RegisterOk(kPin);
  EnableGpioInterrupt();
  int fired = 0;
  for (int i = 0; i < 1000; ++i) {
    Event();
    const WaitResult r = Wait(id, 30000);
    ASSERT_TRUE(r.status.ok()) << "event " << i << ": " << r.status.error_message();
    ASSERT_EQ(r.response.status(), WaitResponse::FIRED)
        << "event " << i << ": " << r.response.msg();
    ++fired;
    ClearSource();
  }
  EXPECT_EQ(fired, 1000);
}

TEST_F(InterruptServiceTest, TwoRegistrationsEachSeeEveryEvent) {
  LOAD_OR_SKIP("gpio_intc");
  const std::string a = RegisterOk(kPin);
  const std::string b = RegisterOk(kPin, kIntc, 0);  // both given: they agree
  EXPECT_NE(a, b);
  EnableGpioInterrupt();
  {
    PendingWait wa(stub_.get(), a, 0), wb(stub_.get(), b, 0);
    ASSERT_TRUE(Eventually([&] { return hub().waiters() == 2; }));
    Event();
    EXPECT_EQ(wa.Get().response.status(), WaitResponse::FIRED);
    EXPECT_EQ(wb.Get().response.status(), WaitResponse::FIRED);
  }
  ClearSource();
  (void)Wait(a, 200);  // the late FIRED the INTC may have latched
  (void)Wait(b, 200);
  // b is not waiting when the event comes and a's driver clears the source: b still sees it.
  Event();
  EXPECT_EQ(Wait(a, 0).response.status(), WaitResponse::FIRED);
  ClearSource();
  EXPECT_EQ(Wait(b, 100).response.status(), WaitResponse::FIRED);
}

TEST_F(InterruptServiceTest, ReleaseWhileWaitingCancelsAndLaterWaitsAreErrors) {
  LOAD_OR_SKIP("gpio_intc");
  const std::string id = RegisterOk(kPin);
  const uint32_t held = services_->state().sessions.usage("").handles;
  PendingWait wait(stub_.get(), id, 0);
  ASSERT_TRUE(Eventually([&] { return hub().waiters() == 1; }));
  EXPECT_EQ(Release(id), "");
  const WaitResult& r = wait.Get();
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_NE(r.status.error_message().find("released"), std::string::npos)
      << r.status.error_message();
  EXPECT_EQ(services_->state().sessions.usage("").handles, held - 1);
  const WaitResult after = Wait(id, 0);
  ASSERT_TRUE(after.status.ok());
  EXPECT_EQ(after.response.status(), WaitResponse::ERROR);
  EXPECT_NE(after.response.msg().find("released"), std::string::npos) << after.response.msg();
  EXPECT_NE(Release(id).find("released"), std::string::npos);
}

TEST_F(InterruptServiceTest, ClientCancelEndsTheWaitAtOnceAndLeavesNoWaiter) {
  LOAD_OR_SKIP("gpio_intc");
  const std::string id = RegisterOk(kPin);
  PendingWait wait(stub_.get(), id, 0);
  ASSERT_TRUE(Eventually([&] { return hub().waiters() == 1; }));
  wait.Cancel();
  EXPECT_EQ(wait.Get().status.error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_TRUE(Eventually([&] { return hub().waiters() == 0; }));
  // The dispatcher stops once nobody waits.
  EXPECT_TRUE(Eventually([&] { return hub().running_dispatchers() == 0; }));
  // The registration still works.
  EnableGpioInterrupt();
  Event();
  EXPECT_EQ(Wait(id, 0).response.status(), WaitResponse::FIRED);
}

TEST_F(InterruptServiceTest, ReprogramWhileWaitingCancelsAndNamesTheReplacedDesign) {
  LOAD_OR_SKIP("gpio_intc");
  const std::string id = RegisterOk(kPin);
  PendingWait wait(stub_.get(), id, 0);
  ASSERT_TRUE(Eventually([&] { return hub().waiters() == 1; }));
  ASSERT_TRUE(Program("gpio_intc"));
  const WaitResult& r = wait.Get();
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_NE(r.status.error_message().find("reprogrammed"), std::string::npos)
      << r.status.error_message();
  const WaitResult after = Wait(id, 0);
  EXPECT_EQ(after.response.status(), WaitResponse::ERROR);
  EXPECT_NE(after.response.msg().find("gpio_intc"), std::string::npos) << after.response.msg();
  EXPECT_NE(after.response.msg().find("replaced"), std::string::npos) << after.response.msg();
  // A new registration on the new design works.
  const std::string fresh = RegisterOk(kPin);
  EnableGpioInterrupt();
  Event();
  EXPECT_EQ(Wait(fresh, 0).response.status(), WaitResponse::FIRED);
}

TEST_F(InterruptServiceTest, ShutdownEndsWaitsCancelled) {
  LOAD_OR_SKIP("gpio_intc");
  const std::string id = RegisterOk(kPin);
  PendingWait wait(stub_.get(), id, 0);
  ASSERT_TRUE(Eventually([&] { return hub().waiters() == 1; }));
  services_->BeginShutdown();
  EXPECT_EQ(wait.Get().status.error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(InterruptServiceTest, BadInputsAreRefusedWithReasons) {
  LOAD_OR_SKIP("gpio_intc");
  interrupt::RegisterResponse r = Register("axi_gpio_0/nope");
  EXPECT_EQ(r.interrupt_id(), "");
  EXPECT_NE(r.msg().find("no interrupt pin axi_gpio_0/nope"), std::string::npos) << r.msg();
  EXPECT_NE(r.msg().find(kPin), std::string::npos) << r.msg();  // lists what exists

  r = Register(kPin, kIntc, 1);
  EXPECT_EQ(r.interrupt_id(), "");
  EXPECT_NE(r.msg().find("input 0 of axi_intc_0 at 0xA0010000"), std::string::npos) << r.msg();
  EXPECT_NE(r.msg().find("input 1 of the controller at 0xA0010000"), std::string::npos) << r.msg();

  r = Register(kPin, 0xA0020000, 0);
  EXPECT_EQ(r.interrupt_id(), "");
  EXPECT_NE(r.msg().find("0xA0020000"), std::string::npos) << r.msg();

  r = Register("", 0xA0000000, 0);  // the GPIO, not a controller
  EXPECT_EQ(r.interrupt_id(), "");
  EXPECT_NE(r.msg().find("no AXI INTC at 0xA0000000"), std::string::npos) << r.msg();

  r = Register("", kIntc, 40);
  EXPECT_NE(r.msg().find("inputs 0..31"), std::string::npos) << r.msg();

  r = Register("", 0, 0, 5);
  EXPECT_NE(r.msg().find("raw_irq 5"), std::string::npos) << r.msg();

  r = Register("");
  EXPECT_NE(r.msg().find("nothing to register"), std::string::npos) << r.msg();

  const WaitResult unknown = Wait("irq_999", 10);
  EXPECT_EQ(unknown.response.status(), WaitResponse::ERROR);
  EXPECT_NE(unknown.response.msg().find("no interrupt with id"), std::string::npos);
  EXPECT_NE(Release("bogus").find("no interrupt with id \"bogus\""), std::string::npos);
  EXPECT_EQ(services_->state().sessions.usage("").handles, 0u);
}

TEST_F(InterruptServiceTest, PinNotWiredIsRefusedNamingIt) {
  std::string hwh = ReadFile(DesignFile("gpio_intc", ".hwh"));
  if (hwh.empty()) GTEST_SKIP() << "gpio_intc not in this build";
  // The same design with the GPIO's interrupt output left open in its .hwh.
  const std::string wire = "<CONNECTION INSTANCE=\"axi_intc_0\" PORT=\"intr\"/>";
  const size_t at = hwh.find(wire);
  ASSERT_NE(at, std::string::npos);
  hwh.erase(at, wire.size());
  ASSERT_TRUE(Program("gpio_intc", hwh));
  interrupt::RegisterResponse r = Register(kPin);
  EXPECT_EQ(r.interrupt_id(), "");
  EXPECT_NE(r.msg().find("is not wired"), std::string::npos) << r.msg();
  EXPECT_NE(r.msg().find(kPin), std::string::npos) << r.msg();
}

TEST_F(InterruptServiceTest, BaseAndIndexWorkWithoutAHwh) {
  if (!Program("gpio_intc", "-")) GTEST_SKIP() << "gpio_intc not in this build";
  interrupt::RegisterResponse byname = Register(kPin);
  EXPECT_EQ(byname.interrupt_id(), "");
  EXPECT_NE(byname.msg().find("no .hwh"), std::string::npos) << byname.msg();
  // raw_irq 121 is pl_ps_irq0[0] on ZynqMP: the line the INTC's irq reaches.
  interrupt::RegisterResponse r = Register(kPin, kIntc, 0, 121);
  ASSERT_FALSE(r.interrupt_id().empty()) << r.msg();
  EnableGpioInterrupt();
  Event();
  EXPECT_EQ(Wait(r.interrupt_id(), 0).response.status(), WaitResponse::FIRED);
}

TEST_F(InterruptServiceTest, RegistrationsAreChargedToTheSessionAndEndWithIt) {
  LOAD_OR_SKIP("gpio_intc");
  Result<std::string> session = services_->state().sessions.Open("interrupt test");
  ASSERT_TRUE(session.ok()) << session.error().message;
  grpc::ClientContext context;
  context.AddMetadata(kSessionMetadataKey, session.value());
  interrupt::RegisterRequest request;
  request.set_pin_name(kPin);
  interrupt::RegisterResponse response;
  ASSERT_TRUE(stub_->register_interrupt(&context, request, &response).ok());
  ASSERT_FALSE(response.interrupt_id().empty()) << response.msg();
  EXPECT_EQ(services_->state().sessions.usage(session.value()).handles, 1u);
  // Another caller (sessionless) cannot see it.
  EXPECT_EQ(Wait(response.interrupt_id(), 10).response.status(), WaitResponse::ERROR);
  // What the session reaper does when the session expires.
  hub().ReleaseSession(session.value());
  EXPECT_EQ(hub().registrations(), 0u);
}

TEST_F(InterruptServiceTest, DmaCompletionInterruptsThroughXlconcat) {
  LOAD_OR_SKIP("dma_loopback");
  // axi_dma (PG021, direct register mode); both introuts reach INTC inputs 0 and 1 through
  // an xlconcat, the INTC's irq is pl_ps_irq0[0].
  constexpr uint64_t kDma = 0xA0000000, kMm2sCr = 0x00, kMm2sSr = 0x04, kMm2sSa = 0x18,
                     kMm2sLength = 0x28, kS2mmCr = 0x30, kS2mmSr = 0x34, kS2mmDa = 0x48,
                     kS2mmLength = 0x58;
  constexpr uint32_t kRunIoc = 1u | 1u << 12, kIoc = 1u << 12;
  const std::string mm2s = RegisterOk("axi_dma_0/mm2s_introut");
  const std::string s2mm = RegisterOk("axi_dma_0/s2mm_introut", kIntc, 1);
  Result<Allocation> src = device_->Alloc(8192, 4096, true);
  Result<Allocation> dst = device_->Alloc(8192, 4096, true);
  ASSERT_TRUE(src.ok() && dst.ok());
  const std::string data(4096, 'x');
  ASSERT_TRUE(device_->MemWrite(src.value().phys, data.data(), data.size()).ok());
  PendingWait in(stub_.get(), s2mm, 0), out(stub_.get(), mm2s, 0);
  Write(kDma + kS2mmCr, kRunIoc);
  Write(kDma + kS2mmDa, static_cast<uint32_t>(dst.value().phys));
  Write(kDma + kS2mmLength, 4096);
  Write(kDma + kMm2sCr, kRunIoc);
  Write(kDma + kMm2sSa, static_cast<uint32_t>(src.value().phys));
  Write(kDma + kMm2sLength, 4096);
  EXPECT_EQ(out.Get().response.status(), WaitResponse::FIRED);
  EXPECT_EQ(in.Get().response.status(), WaitResponse::FIRED);
  EXPECT_TRUE(Read(kDma + kS2mmSr) & kIoc);
  Write(kDma + kMm2sSr, kIoc);  // W1C: the driver clears both sources
  Write(kDma + kS2mmSr, kIoc);
  std::string got(4096, '\0');
  ASSERT_TRUE(device_->MemRead(dst.value().phys, got.data(), got.size()).ok());
  EXPECT_EQ(got, data);
}

TEST_F(InterruptServiceTest, NoDesignLoadedRefusesRegistration) {
  interrupt::RegisterResponse r = Register(kPin);
  EXPECT_EQ(r.interrupt_id(), "");
  EXPECT_NE(r.msg().find("PL holds no design"), std::string::npos) << r.msg();
}

}  // namespace
}  // namespace pynq_remote::service
