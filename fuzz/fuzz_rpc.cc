// libFuzzer target: every RPC of every service, through the real service layer, over the
// FakeDevice of the service tests, on an in-process gRPC server (no port, no threads of
// ours). Input:
//   byte 0      which RPC (index into kRpcs, modulo its size)
//   byte 1      flags: bit 0 picks the server (MMIO policy open / overlay); bits 1-2 the
//               caller (no session, the fixture session, an unknown session id)
//   the rest    the request messages, each a 2-byte little-endian length then that many
//               bytes of serialized request (a short last one takes what is left); unary
//               calls use the first, streaming calls up to kMaxMessages.
// Ids cannot be guessed (128 random bits), so string fields spelled "@buf", "@sbuf",
// "@mmio", "@gpio" or "@sess" become the fixture's sessionless buffer, session buffer, MMIO
// handle, sessionless output GPIO id and session id.
// Invariants: no crash or sanitizer report; every call answers within its deadline (a hang
// is a bug: the handlers must never block on a client's input); afterwards the server's
// books balance: each buffer it lists is one the device holds, the session table's totals
// match the handles and bytes held, and no stream slot stays taken.
// FUZZ_RPC_WRITE_CORPUS=DIR: write the seed inputs (one or more per RPC) to DIR and exit;
// fuzz/corpus/rpc holds them.
#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "buffer.grpc.pb.h"
#include "fake_device.h"
#include "gpio.grpc.pb.h"
#include "interrupt.grpc.pb.h"
#include "mmio.grpc.pb.h"
#include "pynq_remote/v1/board.grpc.pb.h"
#include "pynq_remote/v1/session.grpc.pb.h"
#include "remote_device.grpc.pb.h"
#include "service/caller.h"
#include "service/services.h"
#include "test_root.h"

namespace {

namespace pb = google::protobuf;
namespace v1 = pynq_remote::v1;
using pynq_remote::MmioPolicyMode;
using pynq_remote::ServiceOptions;
using pynq_remote::service::Services;
using pynq_remote::testing::FakeDevice;
using pynq_remote::testing::TestRoot;

constexpr size_t kMaxMessages = 8;
// Generous: a loaded CI machine with ASan is slow, but no handler may take seconds.
constexpr auto kDeadline = std::chrono::seconds(10);
// Everything is rebuilt this often, so what 3.1 clients can never free (files written,
// sessions' leftovers) cannot pile up over a long run.
constexpr uint64_t kRebuildEvery = 20000;

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "fuzz_rpc: %s\n", what.c_str());
  std::abort();
}

std::string Hex(uint64_t v) { return pynq_remote::Hex(v); }

// One server with its device, root, fixtures and stubs.
class Server {
 public:
  explicit Server(MmioPolicyMode policy) {
    ServiceOptions options;
    options.mmio_policy = policy;
    options.max_message_bytes = 4u << 20;  // fixtures are small; keeps a bad run's RSS small
    options.limits.grace = std::chrono::milliseconds(5);
    options.limits.max_file_bytes = 1u << 20;
    auto services = Services::Create(device_, root_.path(), /*populate_sim_root=*/true, options);
    if (!services.ok()) Fail("Services::Create: " + services.error().message);
    services_ = std::move(services).value();
    grpc::ServerBuilder builder;
    services_->RegisterWith(builder);
    // FUZZ_RPC_TCP=1: a loopback port instead, to tell a transport quirk from a server bug.
    const bool tcp = std::getenv("FUZZ_RPC_TCP") != nullptr;
    int port = 0;
    if (tcp) builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    server_ = builder.BuildAndStart();
    if (!server_) Fail("BuildAndStart failed");
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(-1);
    args.SetMaxSendMessageSize(-1);
    channel_ = tcp ? grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port),
                                               grpc::InsecureChannelCredentials(), args)
                   : server_->InProcessChannel(args);
    device = remote_device::RemoteDevice::NewStub(channel_);
    mmio = mmio::Mmio::NewStub(channel_);
    buffer = buffer::RemoteBuffer::NewStub(channel_);
    board = v1::Board::NewStub(channel_);
    interrupt = interrupt::RemoteInterrupt::NewStub(channel_);
    gpio = gpio::Gpio::NewStub(channel_);
    session = v1::Session::NewStub(channel_);
    inventory = v1::Inventory::NewStub(channel_);
    if (!RestoreFixtures()) Fail("a fresh server cannot make its fixtures");
  }

  ~Server() {
    if (attach_) {
      attach_context_->TryCancel();
      attach_->Finish().ok();
    }
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  }

  // Re-creates whatever fixture the last call freed or ended. False when the server
  // cannot: the FakeDevice's bump allocator never reuses freed memory, so after enough
  // large allocations it is full, and the server must be rebuilt.
  bool RestoreFixtures() {
    auto& state = services_->state();
    if (session_id_.empty() || !state.sessions.CheckCaller(session_id_).ok()) OpenSession();
    if (buf_.empty() || !state.buffers.Find(buf_)) buf_ = Allocate("");
    if (sbuf_.empty() || !state.buffers.Find(sbuf_)) sbuf_ = Allocate(session_id_);
    if (mmio_.empty() || !state.mmios.Find(mmio_)) mmio_ = GetMmio();
    if (gpio_.empty() || !state.gpios.Find("", gpio_).ok()) gpio_ = GetGpio();
    placeholders_ = {{"@buf", buf_},
                     {"@sbuf", sbuf_},
                     {"@mmio", mmio_},
                     {"@gpio", gpio_},
                     {"@sess", session_id_}};
    return !session_id_.empty() && !buf_.empty() && !sbuf_.empty();
  }

  // A context with the deadline and the caller the flags choose.
  std::unique_ptr<grpc::ClientContext> Context(uint8_t caller) const {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + kDeadline);
    if (caller == 1 && !session_id_.empty()) {
      context->AddMetadata(pynq_remote::service::kSessionMetadataKey, session_id_);
    } else if (caller == 2) {
      context->AddMetadata(pynq_remote::service::kSessionMetadataKey, "sess-unknown");
    }
    return context;
  }

  // Fixture placeholders in string fields, at any depth.
  void Substitute(pb::Message* message) const {
    const pb::Descriptor* d = message->GetDescriptor();
    const pb::Reflection* r = message->GetReflection();
    for (int i = 0; i < d->field_count(); ++i) {
      const pb::FieldDescriptor* f = d->field(i);
      if (f->type() == pb::FieldDescriptor::TYPE_STRING && !f->is_repeated()) {
        auto it = placeholders_.find(r->GetString(*message, f));
        if (it != placeholders_.end()) r->SetString(message, f, it->second);
      } else if (f->type() == pb::FieldDescriptor::TYPE_MESSAGE) {
        if (f->is_repeated()) {
          for (int j = 0; j < r->FieldSize(*message, f); ++j) {
            Substitute(r->MutableRepeatedMessage(message, f, j));
          }
        } else if (r->HasField(*message, f)) {
          Substitute(r->MutableMessage(message, f));
        }
      }
    }
  }

  // What a successful allocate or get_mmio made: given back at once, so state stays small.
  void FreeBuffer(const std::string& id, uint8_t caller) {
    if (id.empty() || id == buf_ || id == sbuf_) return;
    buffer::FreeBufferRequest request;
    request.set_buffer_id(id);
    buffer::FreeBufferResponse response;
    auto context = Context(caller);
    grpc::Status status = buffer->freebuffer(context.get(), request, &response);
    if (!status.ok() || response.has_msg()) {
      Fail("freeing " + id + " that allocate just made: " + status.error_message() + " " +
           response.msg());
    }
  }
  // 3.1 has no call that releases an MMIO handle; do what a session's end does.
  void DropMmio(const std::string& id) {
    if (id.empty() || id == mmio_) return;
    auto& state = services_->state();
    std::optional<pynq_remote::MmioRegion> region = state.mmios.Remove(id);
    if (region) state.sessions.Release(region->owner, 0, 1);
  }

  // What a successful get_gpio made: unexported at once, as its caller.
  void Unexport(const std::string& id, uint8_t caller) {
    if (id.empty() || id == gpio_) return;
    gpio::GpioUnexportRequest request;
    request.set_gpio_id(id);
    gpio::GpioUnexportResponse response;
    auto context = Context(caller);
    grpc::Status status = gpio->unexport(context.get(), request, &response);
    if (!status.ok())
      Fail("unexporting " + id + " that get_gpio just made: " + status.error_message());
  }

  // The books balance (see the top). The reaper runs on its own thread, so a mismatch
  // gets a second look before it counts.
  void CheckBooks(const std::string& after) {
    std::string why;
    for (int attempt = 0; attempt < 200; ++attempt) {
      why = BooksMismatch();
      if (why.empty()) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    Fail("after " + after + ": " + why);
  }

  std::unique_ptr<remote_device::RemoteDevice::Stub> device;
  std::unique_ptr<mmio::Mmio::Stub> mmio;
  std::unique_ptr<buffer::RemoteBuffer::Stub> buffer;
  std::unique_ptr<v1::Board::Stub> board;
  std::unique_ptr<interrupt::RemoteInterrupt::Stub> interrupt;
  std::unique_ptr<gpio::Gpio::Stub> gpio;
  std::unique_ptr<v1::Session::Stub> session;
  std::unique_ptr<v1::Inventory::Stub> inventory;

 private:
  std::string BooksMismatch() const {
    auto& state = services_->state();
    const auto buffers = state.buffers.Snapshot();
    const auto mmios = state.mmios.Snapshot();
    const size_t gpios = state.gpios.size();
    if (device_.live_allocations() != buffers.size()) {
      return std::to_string(buffers.size()) + " buffers listed, the device holds " +
             std::to_string(device_.live_allocations());
    }
    uint64_t bytes = 0;
    for (const auto& [id, entry] : buffers) bytes += (entry.size + 4095) / 4096 * 4096;
    const pynq_remote::Usage total = state.sessions.total();
    const size_t irqs = services_->interrupt_hub().registrations();
    if (total.handles != buffers.size() + mmios.size() + gpios + irqs) {
      return "session totals count " + std::to_string(total.handles) + " handles, " +
             std::to_string(buffers.size() + mmios.size() + gpios + irqs) + " exist (" +
             std::to_string(gpios) + " GPIO ids, " + std::to_string(irqs) +
             " interrupt registrations)";
    }
    // Every pin the device holds claimed is held by an id, and the other way round.
    std::set<int> held;
    for (const auto& [id, entry] : state.gpios.Snapshot()) held.insert(entry.gpio);
    if (device_.gpio_claimed() != held.size()) {
      return std::to_string(held.size()) + " GPIO pins held by ids, the device has " +
             std::to_string(device_.gpio_claimed()) + " claimed";
    }
    if (total.bytes != bytes) {
      return "session totals count " + Hex(total.bytes) + " bytes, buffers hold " + Hex(bytes);
    }
    if (state.streams.active() != 0) {
      return std::to_string(state.streams.active()) + " stream slots still taken";
    }
    return "";
  }

  void OpenSession() {
    if (attach_) {
      attach_context_->TryCancel();
      attach_->Finish().ok();
      attach_.reset();
    }
    session_id_.clear();
    attach_context_ = std::make_unique<grpc::ClientContext>();
    attach_ = session->Attach(attach_context_.get());
    v1::SessionRequest request;
    request.set_client_name("fuzz_rpc fixture");
    v1::SessionEvent event;
    if (attach_->Write(request) && attach_->Read(&event)) session_id_ = event.session_id();
  }

  std::string Allocate(const std::string& owner) {
    v1::AllocateBufferRequest request;
    request.set_size(4096);
    v1::AllocateBufferResponse response;
    grpc::ClientContext context;
    if (!owner.empty()) context.AddMetadata(pynq_remote::service::kSessionMetadataKey, owner);
    grpc::Status status = board->AllocateBuffer(&context, request, &response);
    return status.ok() ? response.buffer_id() : std::string();
  }

  std::string GetMmio() {
    mmio::GetMmioRequest request;
    request.set_base_addr(FakeDevice::kPlBase);
    request.set_length(0x1000);
    mmio::GetMmioResponse response;
    grpc::ClientContext context;
    grpc::Status status = mmio->get_mmio(&context, request, &response);
    if (!status.ok()) Fail("get_mmio: " + status.error_message());
    return response.mmio_id();  // empty where the policy allows no PL access yet
  }

  std::string GetGpio() {
    gpio::GetGpioRequest request;
    request.set_index(FakeDevice::kGpioBase + 4);
    request.set_direction("out");
    gpio::GetGpioResponse response;
    grpc::ClientContext context;
    grpc::Status status = gpio->get_gpio(&context, request, &response);
    if (!status.ok() || response.has_message()) {
      Fail("get_gpio: " + status.error_message() + " " + response.message());
    }
    return response.gpio_id();
  }

  FakeDevice device_;
  TestRoot root_;
  // Before services_: their queue is drained while the (shut down) server still exists.
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<Services> services_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<grpc::ClientContext> attach_context_;
  std::unique_ptr<grpc::ClientReaderWriter<v1::SessionRequest, v1::SessionEvent>> attach_;
  std::string session_id_, buf_, sbuf_, mmio_, gpio_;
  std::map<std::string, std::string> placeholders_;
};

using Parts = std::vector<std::string>;

// One RPC: how to call it and the seed inputs that reach it.
struct Rpc {
  std::string name;  // "/package.Service/method", as the descriptors spell it
  std::function<grpc::Status(Server&, uint8_t caller, const Parts&)> run;
  std::vector<Parts> seeds;
};

template <typename Req>
bool Decode(Server& server, const std::string& bytes, Req* request) {
  // Bytes that are no valid Req (invalid UTF-8 in a string, a broken varint) cannot be
  // sent through a typed stub; gRPC itself refuses them on the server.
  if (!request->ParseFromString(bytes)) return false;
  server.Substitute(request);
  return true;
}

template <typename Req>
std::string Encode(std::function<void(Req&)> fill) {
  Req request;
  fill(request);
  return request.SerializeAsString();
}

template <typename Req, typename Resp, typename Call, typename After>
Rpc Unary(std::string name, Call call, After after, std::vector<Parts> seeds) {
  auto run = [call, after](Server& server, uint8_t caller, const Parts& parts) {
    Req request;
    if (!Decode(server, parts.empty() ? std::string() : parts[0], &request)) {
      return grpc::Status(grpc::StatusCode::CANCELLED, "not sent");
    }
    Resp response;
    auto context = server.Context(caller);
    grpc::Status status = call(server, context.get(), request, &response);
    if (status.ok()) after(server, caller, response);
    return status;
  };
  return Rpc{std::move(name), run, std::move(seeds)};
}

template <typename Req, typename Resp, typename Call>
Rpc Unary(std::string name, Call call, std::vector<Parts> seeds) {
  return Unary<Req, Resp>(
      std::move(name), call, [](Server&, uint8_t, const Resp&) {}, std::move(seeds));
}

template <typename Req, typename Resp, typename Open>
Rpc ServerStream(std::string name, Open open, std::vector<Parts> seeds) {
  auto run = [open](Server& server, uint8_t caller, const Parts& parts) {
    Req request;
    if (!Decode(server, parts.empty() ? std::string() : parts[0], &request)) {
      return grpc::Status(grpc::StatusCode::CANCELLED, "not sent");
    }
    auto context = server.Context(caller);
    auto reader = open(server, context.get(), request);
    Resp response;
    while (reader->Read(&response)) {
    }
    return reader->Finish();
  };
  return Rpc{std::move(name), run, std::move(seeds)};
}

// Streams with requests are driven through the async API. With the in-process transport a
// blocking Write never returns once the server has answered without reading everything
// (grpc/grpc#14812), which the handlers rightly do on a bad first message; here the status
// is awaited alongside the writes and a write the server will never take is cancelled.
enum Tag : intptr_t { kStart = 1, kWrite, kWritesDone, kFinish, kRead };

void* TagOf(Tag tag) { return reinterpret_cast<void*>(tag); }

// kReads: a bidi stream, whose answers go to `read_into`; else a client stream.
template <bool kReads, typename Req, typename Resp, typename Stream>
grpc::Status Drive(grpc::ClientContext* context, grpc::CompletionQueue* cq, Stream* stream,
                   const std::vector<Req>& requests, Resp* read_into) {
  grpc::Status status;
  std::set<Tag> pending;
  size_t next = 0;
  bool write_busy = true;  // until the call has started, no write may be issued
  bool finishing = false;
  auto finish = [&] {
    if (finishing) return;
    finishing = true;
    stream->Finish(&status, TagOf(kFinish));
    pending.insert(kFinish);
  };
  auto write_next = [&](bool ok) {
    write_busy = false;
    if (!ok || next > requests.size()) return;
    if (next < requests.size()) {
      stream->Write(requests[next++], TagOf(kWrite));
      pending.insert(kWrite);
    } else {
      ++next;
      stream->WritesDone(TagOf(kWritesDone));
      pending.insert(kWritesDone);
    }
    write_busy = true;
  };
  auto read_next = [&] {
    if constexpr (kReads) {
      stream->Read(read_into, TagOf(kRead));
      pending.insert(kRead);
    }
  };
  stream->StartCall(TagOf(kStart));
  pending.insert(kStart);
  if (!kReads) finish();
  const auto give_up = std::chrono::system_clock::now() + kDeadline + std::chrono::seconds(5);
  while (!pending.empty()) {
    void* raw = nullptr;
    bool ok = false;
    if (cq->AsyncNext(&raw, &ok, give_up) != grpc::CompletionQueue::NextStatus::GOT_EVENT) {
      Fail("a streaming call did not complete, even past its deadline");
    }
    const Tag tag = static_cast<Tag>(reinterpret_cast<intptr_t>(raw));
    pending.erase(tag);
    switch (tag) {
      case kStart:
        if (kReads) ok ? read_next() : finish();
        write_next(ok);
        break;
      case kWrite:
      case kWritesDone:
        write_next(ok);
        break;
      case kRead:
        if (ok) {
          read_next();
        } else {  // the server is done: its status follows
          if (write_busy) context->TryCancel();
          finish();
        }
        break;
      case kFinish:
        if (write_busy) context->TryCancel();
        break;
    }
  }
  cq->Shutdown();
  void* raw = nullptr;
  bool ok = false;
  while (cq->Next(&raw, &ok)) {
  }
  return status;
}

template <typename Req>
bool DecodeAll(Server& server, const Parts& parts, std::vector<Req>* requests) {
  requests->resize(parts.size());
  for (size_t i = 0; i < parts.size(); ++i) {
    if (!Decode(server, parts[i], &(*requests)[i])) return false;
  }
  return true;
}

template <typename Req, typename Resp, typename Open>
Rpc ClientStream(std::string name, Open open, std::vector<Parts> seeds) {
  auto run = [open](Server& server, uint8_t caller, const Parts& parts) {
    std::vector<Req> requests;
    if (!DecodeAll(server, parts, &requests)) {
      return grpc::Status(grpc::StatusCode::CANCELLED, "not sent");
    }
    auto context = server.Context(caller);
    grpc::CompletionQueue cq;
    Resp response;
    auto stream = open(server, context.get(), &response, &cq);
    return Drive<false>(context.get(), &cq, stream.get(), requests, &response);
  };
  return Rpc{std::move(name), run, std::move(seeds)};
}

template <typename Req, typename Resp, typename Open>
Rpc BidiStream(std::string name, Open open, std::vector<Parts> seeds) {
  auto run = [open](Server& server, uint8_t caller, const Parts& parts) {
    std::vector<Req> requests;
    if (!DecodeAll(server, parts, &requests)) {
      return grpc::Status(grpc::StatusCode::CANCELLED, "not sent");
    }
    auto context = server.Context(caller);
    grpc::CompletionQueue cq;
    auto stream = open(server, context.get(), &cq);
    Resp response;
    return Drive<true>(context.get(), &cq, stream.get(), requests, &response);
  };
  return Rpc{std::move(name), run, std::move(seeds)};
}

// Call a stub method by name; the macros only spare the repetition of the lambdas.
#define PR_UNARY(stub, method)                                         \
  [](Server& s, grpc::ClientContext* c, const auto& req, auto* resp) { \
    return s.stub->method(c, req, resp);                               \
  }
#define PR_READER(stub, method) \
  [](Server& s, grpc::ClientContext* c, const auto& req) { return s.stub->method(c, req); }
#define PR_WRITER(stub, method)                                                  \
  [](Server& s, grpc::ClientContext* c, auto* resp, grpc::CompletionQueue* cq) { \
    return s.stub->PrepareAsync##method(c, resp, cq);                            \
  }
#define PR_BIDI(stub, method)                                        \
  [](Server& s, grpc::ClientContext* c, grpc::CompletionQueue* cq) { \
    return s.stub->PrepareAsync##method(c, cq);                      \
  }

std::vector<Rpc> MakeRpcs() {
  using namespace remote_device;  // NOLINT: the 3.1 message names are unique enough here
  std::vector<Rpc> rpcs;
  const std::string kPl = "@mmio";

  // remote_device.RemoteDevice
  rpcs.push_back(Unary<SetBitstreamAttrsRequest, SetBitstreamAttrsResponse>(
      "/remote_device.RemoteDevice/set_bitstream_attrs", PR_UNARY(device, set_bitstream_attrs),
      {{Encode<SetBitstreamAttrsRequest>([](auto& r) { r.set_binfile_name("design.bin"); })},
       {Encode<SetBitstreamAttrsRequest>([](auto& r) {
         r.set_binfile_name("../escape.bin");
         r.set_partial(true);
       })}}));
  rpcs.push_back(ClientStream<DownloadRequest, DownloadResponse>(
      "/remote_device.RemoteDevice/download", PR_WRITER(device, download),
      {{Encode<DownloadRequest>([](auto& r) { r.set_buffer("GOOD bitstream"); })},
       {Encode<DownloadRequest>([](auto& r) { r.set_buffer("GO"); }),
        Encode<DownloadRequest>([](auto& r) { r.set_buffer("OD"); })},
       {Encode<DownloadRequest>([](auto& r) { r.set_buffer("\x00\x09\x0f\xf0 not a design"); })},
       {}}));
  rpcs.push_back(Unary<SetPlClkRequest, SetPlClkResponse>(
      "/remote_device.RemoteDevice/set_pl_clk", PR_UNARY(device, set_pl_clk),
      {{Encode<SetPlClkRequest>([](auto& r) { r.set_clk_mhz(100); })},
       {Encode<SetPlClkRequest>([](auto& r) {
         r.set_i(-1);
         r.set_clk_mhz(-5);
       })}}));
  rpcs.push_back(Unary<ShutdownRequest, ShutdownResponse>("/remote_device.RemoteDevice/shutdown",
                                                          PR_UNARY(device, shutdown), {{""}}));
  rpcs.push_back(ServerStream<ReadFileRequest, ReadFileResponse>(
      "/remote_device.RemoteDevice/readfile", PR_READER(device, readfile),
      {{Encode<ReadFileRequest>([](auto& r) { r.set_file_path("/proc/version"); })},
       {Encode<ReadFileRequest>([](auto& r) { r.set_file_path("xrt_device"); })},
       {Encode<ReadFileRequest>(
           [](auto& r) { r.set_file_path("/sys/class/fpga_manager/fpga0/state"); })},
       {Encode<ReadFileRequest>([](auto& r) { r.set_file_path("/../../etc/passwd"); })}}));
  rpcs.push_back(ClientStream<WriteFileRequest, WriteFileResponse>(
      "/remote_device.RemoteDevice/writefile", PR_WRITER(device, writefile),
      {{Encode<WriteFileRequest>([](auto& r) {
         r.set_file_path("/lib/firmware/d.bit");
         r.set_data("GOOD");
       })},
       {Encode<WriteFileRequest>([](auto& r) {
         r.set_file_path("/lib/firmware/d.hwh");
         r.set_data(
             "<EDKSYSTEM><MODULES><MODULE MODTYPE=\"zynq_ultra_ps_e\"><MEMORYMAP><MEMRANGE "
             "BASEVALUE=\"0xA0000000\" HIGHVALUE=\"0xA0000FFF\" INSTANCE=\"ip\" "
             "MEMTYPE=\"REGISTER\" SLAVEBUSINTERFACE=\"S\"/></MEMORYMAP></MODULE></MODULES>"
             "</EDKSYSTEM>");
       })},
       {Encode<WriteFileRequest>([](auto& r) {
         r.set_file_path("/sys/class/fpga_manager/fpga0/firmware");
         r.set_data("d.bit\n");
       })},
       {Encode<WriteFileRequest>([](auto& r) {
          r.set_file_path("/sys/class/fpga_manager/fpga0/flags");
          r.set_data("1");
        }),
        Encode<WriteFileRequest>([](auto& r) {
          r.set_file_path("/sys/class/fpga_manager/fpga0/flags");
          r.set_data("\n");
        })},
       {Encode<WriteFileRequest>([](auto& r) {
          r.set_file_path("/tmp/a");
          r.set_data("x");
        }),
        Encode<WriteFileRequest>([](auto& r) {
          r.set_file_path("/tmp/b");
          r.set_data("y");
        })},
       {Encode<WriteFileRequest>([](auto& r) {
         r.set_file_path("/sys/class/fpga_manager/fpga0/state");
         r.set_data("operating");
       })}}));
  rpcs.push_back(Unary<ExistsFileRequest, ExistsFileResponse>(
      "/remote_device.RemoteDevice/existsfile", PR_UNARY(device, existsfile),
      {{Encode<ExistsFileRequest>([](auto& r) { r.set_file_path("/lib/firmware"); })},
       {Encode<ExistsFileRequest>([](auto& r) { r.set_file_path("a//b/./c"); })}}));

  // mmio.Mmio
  rpcs.push_back(Unary<mmio::GetMmioRequest, mmio::GetMmioResponse>(
      "/mmio.Mmio/get_mmio", PR_UNARY(mmio, get_mmio),
      [](Server& s, uint8_t, const mmio::GetMmioResponse& r) { s.DropMmio(r.mmio_id()); },
      {{Encode<mmio::GetMmioRequest>([](auto& r) {
         r.set_base_addr(0xA0000000);
         r.set_length(0x100);
       })},
       {Encode<mmio::GetMmioRequest>([](auto& r) {
         r.set_base_addr(0xFD1A0000);
         r.set_length(0x100);
       })},
       {Encode<mmio::GetMmioRequest>([](auto& r) {
         r.set_base_addr(0xFFFFFFFFFFFFFFF0ull);
         r.set_length(0x100);
       })}}));
  rpcs.push_back(
      Unary<mmio::ReadRequest, mmio::ReadResponse>("/mmio.Mmio/read", PR_UNARY(mmio, read),
                                                   {{Encode<mmio::ReadRequest>([&](auto& r) {
                                                      r.set_mmio_id(kPl);
                                                      r.set_length(4);
                                                      r.set_offset(8);
                                                    })},
                                                    {Encode<mmio::ReadRequest>([&](auto& r) {
                                                      r.set_mmio_id(kPl);
                                                      r.set_length(8);
                                                      r.set_offset(0xFF8);
                                                      r.set_word_order("big");
                                                    })},
                                                    {Encode<mmio::ReadRequest>([&](auto& r) {
                                                      r.set_mmio_id(kPl);
                                                      r.set_length(3);
                                                      r.set_offset(0xFFFFFFFFFFFFFFFFull);
                                                    })}}));
  rpcs.push_back(Unary<mmio::WriteRequest, mmio::WriteResponse>(
      "/mmio.Mmio/write", PR_UNARY(mmio, write),
      {{Encode<mmio::WriteRequest>([&](auto& r) {
         r.set_mmio_id(kPl);
         r.set_offset(4);
         r.set_data(std::string("\x01\x02\x03\x04", 4));
       })},
       {Encode<mmio::WriteRequest>([&](auto& r) {
         r.set_mmio_id(kPl);
         r.set_offset(0xFF4);
         r.set_data(std::string(12, '\x55'));
       })},
       {Encode<mmio::WriteRequest>([&](auto& r) {
         r.set_mmio_id(kPl);
         r.set_offset(2);
         r.set_data(std::string(8, '\x7f'));
       })}}));

  // buffer.RemoteBuffer
  rpcs.push_back(Unary<buffer::AllocateRequest, buffer::AllocateResponse>(
      "/buffer.RemoteBuffer/allocate", PR_UNARY(buffer, allocate),
      [](Server& s, uint8_t caller, const buffer::AllocateResponse& r) {
        s.FreeBuffer(r.buffer_id(), caller);
      },
      {{Encode<buffer::AllocateRequest>([](auto& r) {
         r.set_size(4096);
         r.set_dtype("uint32");
       })},
       {Encode<buffer::AllocateRequest>([](auto& r) { r.set_size(-1); })},
       {Encode<buffer::AllocateRequest>([](auto& r) {
         r.set_size(1);
         r.set_size64(0xFFFFFFFFFFFFF001ull);
         r.set_cacheable(true);
       })}}));
  rpcs.push_back(ClientStream<buffer::BufferWriteRequest, buffer::BufferWriteResponse>(
      "/buffer.RemoteBuffer/write", PR_WRITER(buffer, write),
      {{Encode<buffer::BufferWriteRequest>([](auto& r) {
         r.set_buffer_id("@buf");
         r.set_data("hello");
       })},
       {Encode<buffer::BufferWriteRequest>([](auto& r) {
          r.set_buffer_id("@sbuf");
          r.set_data("ab");
          r.set_start(10);
          r.set_end(20);
        }),
        Encode<buffer::BufferWriteRequest>([](auto& r) { r.set_data("cd"); }),
        Encode<buffer::BufferWriteRequest>([](auto& r) {
          r.set_data("ef");
          r.set_start64(4090);
          r.set_end64(4096);
        })},
       {Encode<buffer::BufferWriteRequest>([](auto& r) {
          r.set_buffer_id("@buf");
          r.set_data("x");
        }),
        Encode<buffer::BufferWriteRequest>([](auto& r) {
          r.set_buffer_id("@sbuf");
          r.set_data("y");
        })}}));
  rpcs.push_back(ServerStream<buffer::BufferReadRequest, buffer::BufferReadResponse>(
      "/buffer.RemoteBuffer/read", PR_READER(buffer, read),
      {{Encode<buffer::BufferReadRequest>([](auto& r) { r.set_buffer_id("@buf"); })},
       {Encode<buffer::BufferReadRequest>([](auto& r) {
         r.set_buffer_id("@sbuf");
         r.set_start(100);
         r.set_end(50);
       })},
       {Encode<buffer::BufferReadRequest>([](auto& r) {
         r.set_buffer_id("@buf");
         r.set_start64(0xFFFFFFFFFFFFFFF0ull);
         r.set_end64(0);
       })}}));
  rpcs.push_back(Unary<buffer::FreeBufferRequest, buffer::FreeBufferResponse>(
      "/buffer.RemoteBuffer/freebuffer", PR_UNARY(buffer, freebuffer),
      {{Encode<buffer::FreeBufferRequest>([](auto& r) { r.set_buffer_id("@buf"); })},
       {Encode<buffer::FreeBufferRequest>([](auto& r) { r.set_buffer_id("@sbuf"); })},
       {Encode<buffer::FreeBufferRequest>([](auto& r) { r.set_buffer_id("buf-0"); })}}));
  rpcs.push_back(Unary<buffer::FlushRequest, buffer::FlushResponse>(
      "/buffer.RemoteBuffer/flush", PR_UNARY(buffer, flush),
      {{Encode<buffer::FlushRequest>([](auto& r) { r.set_buffer_id("@buf"); })}}));
  rpcs.push_back(Unary<buffer::InvalidateRequest, buffer::InvalidateResponse>(
      "/buffer.RemoteBuffer/invalidate", PR_UNARY(buffer, invalidate),
      {{Encode<buffer::InvalidateRequest>([](auto& r) { r.set_buffer_id("@sbuf"); })}}));
  rpcs.push_back(Unary<buffer::AddressRequest, buffer::AddressResponse>(
      "/buffer.RemoteBuffer/physical_address", PR_UNARY(buffer, physical_address),
      {{Encode<buffer::AddressRequest>([](auto& r) { r.set_buffer_id("@buf"); })}}));
  rpcs.push_back(Unary<buffer::AddressRequest, buffer::AddressResponse>(
      "/buffer.RemoteBuffer/virtual_address", PR_UNARY(buffer, virtual_address),
      {{Encode<buffer::AddressRequest>([](auto& r) { r.set_buffer_id("@sbuf"); })}}));
  rpcs.push_back(Unary<buffer::CacheableRequest, buffer::CacheableResponse>(
      "/buffer.RemoteBuffer/cacheable", PR_UNARY(buffer, cacheable),
      {{Encode<buffer::CacheableRequest>([](auto& r) { r.set_buffer_id("@buf"); })}}));

  // pynq_remote.v1.Board
  rpcs.push_back(Unary<v1::GetInfoRequest, v1::BoardInfo>("/pynq_remote.v1.Board/GetInfo",
                                                          PR_UNARY(board, GetInfo), {{""}}));
  rpcs.push_back(Unary<v1::MmioReadRequest, v1::MmioReadResponse>(
      "/pynq_remote.v1.Board/MmioRead", PR_UNARY(board, MmioRead),
      {{Encode<v1::MmioReadRequest>([](auto& r) {
         r.set_address(0xA0000010);
         r.set_width(4);
       })},
       {Encode<v1::MmioReadRequest>([](auto& r) {
         r.set_address(0xFD1A0000);
         r.set_width(8);
       })},
       {Encode<v1::MmioReadRequest>([](auto& r) {
         r.set_address(0xFFFFFFFFFFFFFFFCull);
         r.set_width(0xFFFFFFFF);
       })}}));
  rpcs.push_back(Unary<v1::MmioWriteRequest, v1::MmioWriteResponse>(
      "/pynq_remote.v1.Board/MmioWrite", PR_UNARY(board, MmioWrite),
      {{Encode<v1::MmioWriteRequest>([](auto& r) {
        r.set_address(0xA0000000);
        r.set_width(2);
        r.set_value(0xBEEF);
      })}}));
  rpcs.push_back(Unary<v1::MmioBatchRequest, v1::MmioBatchResponse>(
      "/pynq_remote.v1.Board/MmioBatch", PR_UNARY(board, MmioBatch),
      {{Encode<v1::MmioBatchRequest>([](auto& r) {
        auto* w = r.add_ops();
        w->set_kind(v1::MmioOp::WRITE);
        w->set_address(0xA0000000);
        w->set_width(4);
        w->set_value(7);
        auto* rd = r.add_ops();
        rd->set_address(0xA0000000);
        rd->set_width(4);
        auto* bad = r.add_ops();
        bad->set_address(0xA0000001);
        bad->set_width(4);
      })}}));
  rpcs.push_back(Unary<v1::AdvanceRequest, v1::AdvanceResponse>(
      "/pynq_remote.v1.Board/Advance", PR_UNARY(board, Advance),
      {{Encode<v1::AdvanceRequest>([](auto& r) { r.set_cycles(1000); })}}));
  rpcs.push_back(Unary<v1::AllocateBufferRequest, v1::AllocateBufferResponse>(
      "/pynq_remote.v1.Board/AllocateBuffer", PR_UNARY(board, AllocateBuffer),
      [](Server& s, uint8_t caller, const v1::AllocateBufferResponse& r) {
        s.FreeBuffer(r.buffer_id(), caller);
      },
      {{Encode<v1::AllocateBufferRequest>([](auto& r) { r.set_size(100); })},
       {Encode<v1::AllocateBufferRequest>([](auto& r) { r.set_size(0xFFFFFFFFFFFFFFFFull); })},
       {Encode<v1::AllocateBufferRequest>([](auto& r) { r.set_size(0); })}}));
  rpcs.push_back(ServerStream<v1::ReadBufferRequest, v1::BufferChunk>(
      "/pynq_remote.v1.Board/ReadBuffer", PR_READER(board, ReadBuffer),
      {{Encode<v1::ReadBufferRequest>([](auto& r) { r.set_buffer_id("@sbuf"); })},
       {Encode<v1::ReadBufferRequest>([](auto& r) {
         r.set_buffer_id("@buf");
         r.set_offset(4000);
         r.set_length(0xFFFFFFFFFFFFFFFFull);
       })}}));
  rpcs.push_back(ClientStream<v1::BufferChunk, v1::WriteBufferResponse>(
      "/pynq_remote.v1.Board/WriteBuffer", PR_WRITER(board, WriteBuffer),
      {{Encode<v1::BufferChunk>([](auto& r) {
          r.set_buffer_id("@buf");
          r.set_offset(4094);
          r.set_data("ab");
        }),
        Encode<v1::BufferChunk>([](auto& r) { r.set_data("c"); })},
       {Encode<v1::BufferChunk>([](auto& r) {
         r.set_buffer_id("@sbuf");
         r.set_data(std::string(100, 'z'));
       })}}));
  rpcs.push_back(Unary<v1::ReadBufferRequest, v1::BufferChunk>(
      "/pynq_remote.v1.Board/ReadBufferRange", PR_UNARY(board, ReadBufferRange),
      {{Encode<v1::ReadBufferRequest>([](auto& r) {
         r.set_buffer_id("@buf");
         r.set_offset(16);
         r.set_length(16);
       })},
       {Encode<v1::ReadBufferRequest>([](auto& r) {
         r.set_buffer_id("@sbuf");
         r.set_offset(0xFFFFFFFFFFFFFF00ull);
         r.set_length(0x200);
       })}}));
  rpcs.push_back(Unary<v1::BufferChunk, v1::WriteBufferResponse>(
      "/pynq_remote.v1.Board/WriteBufferRange", PR_UNARY(board, WriteBufferRange),
      {{Encode<v1::BufferChunk>([](auto& r) {
        r.set_buffer_id("@sbuf");
        r.set_offset(4000);
        r.set_data(std::string(96, 'q'));
      })}}));

  // interrupt.RemoteInterrupt. Registrations succeed once a fuzzed firmware write has
  // programmed the PL (raw_irq 121 is pl_ps_irq0[0], a pin straight to the PS); ids are
  // irq_0, irq_1, ... as the server hands them out.
  rpcs.push_back(Unary<interrupt::RegisterRequest, interrupt::RegisterResponse>(
      "/interrupt.RemoteInterrupt/register_interrupt", PR_UNARY(interrupt, register_interrupt),
      {{Encode<interrupt::RegisterRequest>([](auto& r) {
         r.set_pin_name("axi_dma_0/s2mm_introut");
         r.set_pin_index(1);
         r.set_controller_phys_addr(0xA0010000);
       })},
       {Encode<interrupt::RegisterRequest>([](auto& r) { r.set_raw_irq(121); })},
       {Encode<interrupt::RegisterRequest>([](auto& r) {
         r.set_controller_phys_addr(0xA0000000);
         r.set_pin_index(3);
       })}}));
  // A wait for ever (timeout 0) on a live id is legitimate and would outlast the call's
  // deadline: the harness bounds every wait to 200 ms.
  rpcs.push_back(Unary<interrupt::WaitRequest, interrupt::WaitResponse>(
      "/interrupt.RemoteInterrupt/wait_for_interrupt",
      [](Server& s, grpc::ClientContext* c, const interrupt::WaitRequest& req,
         interrupt::WaitResponse* resp) {
        interrupt::WaitRequest bounded = req;
        if (bounded.timeout_ms() == 0 || bounded.timeout_ms() > 200) bounded.set_timeout_ms(200);
        return s.interrupt->wait_for_interrupt(c, bounded, resp);
      },
      {{Encode<interrupt::WaitRequest>([](auto& r) {
         r.set_interrupt_id("irq_0");
         r.set_timeout_ms(10);
       })},
       {Encode<interrupt::WaitRequest>([](auto& r) { r.set_interrupt_id("irq-x"); })}}));
  rpcs.push_back(Unary<interrupt::ReleaseRequest, interrupt::ReleaseResponse>(
      "/interrupt.RemoteInterrupt/release_interrupt", PR_UNARY(interrupt, release_interrupt),
      {{Encode<interrupt::ReleaseRequest>([](auto& r) { r.set_interrupt_id("irq_0"); })}}));

  // gpio.Gpio (FakeDevice: gpiochip500 "zynqmp_gpio" 500..507, gpiochip600 "pl_gpio" 600..601)
  rpcs.push_back(Unary<gpio::GetGpioRequest, gpio::GetGpioResponse>(
      "/gpio.Gpio/get_gpio", PR_UNARY(gpio, get_gpio),
      [](Server& s, uint8_t caller, const gpio::GetGpioResponse& r) {
        s.Unexport(r.gpio_id(), caller);
      },
      {{Encode<gpio::GetGpioRequest>([](auto& r) {
         r.set_index(FakeDevice::kGpioBase + 4);
         r.set_direction("out");
       })},
       {Encode<gpio::GetGpioRequest>([](auto& r) {
         r.set_index(FakeDevice::kGpioBase + 1);
         r.set_direction("in");
       })},
       {Encode<gpio::GetGpioRequest>([](auto& r) {
         r.set_index(9999);
         r.set_direction("out");
       })},
       {Encode<gpio::GetGpioRequest>([](auto& r) {
         r.set_index(-1);
         r.set_direction("sideways");
       })}}));
  rpcs.push_back(Unary<gpio::GpioReadRequest, gpio::GpioReadResponse>(
      "/gpio.Gpio/read", PR_UNARY(gpio, read),
      {{Encode<gpio::GpioReadRequest>([](auto& r) { r.set_gpio_id("@gpio"); })},
       {Encode<gpio::GpioReadRequest>([](auto& r) { r.set_gpio_id("gpio_999"); })}}));
  rpcs.push_back(Unary<gpio::GpioWriteRequest, gpio::GpioWriteResponse>(
      "/gpio.Gpio/write", PR_UNARY(gpio, write),
      {{Encode<gpio::GpioWriteRequest>([](auto& r) {
         r.set_gpio_id("@gpio");
         r.set_value(1);
       })},
       {Encode<gpio::GpioWriteRequest>([](auto& r) {
         r.set_gpio_id("@gpio");
         r.set_value(2);
       })},
       {Encode<gpio::GpioWriteRequest>([](auto& r) {
         r.set_gpio_id("gpio_999");
         r.set_value(0);
       })}}));
  rpcs.push_back(Unary<gpio::GpioUnexportRequest, gpio::GpioUnexportResponse>(
      "/gpio.Gpio/unexport", PR_UNARY(gpio, unexport),
      {{Encode<gpio::GpioUnexportRequest>([](auto& r) { r.set_gpio_id("@gpio"); })},
       {Encode<gpio::GpioUnexportRequest>([](auto& r) { r.set_gpio_id("gpio_999"); })}}));
  rpcs.push_back(Unary<gpio::GpioIsExportedRequest, gpio::GpioIsExportedResponse>(
      "/gpio.Gpio/is_exported", PR_UNARY(gpio, is_exported),
      {{Encode<gpio::GpioIsExportedRequest>([](auto& r) { r.set_gpio_id("@gpio"); })},
       {Encode<gpio::GpioIsExportedRequest>([](auto& r) { r.set_gpio_id("gpio_999"); })}}));
  rpcs.push_back(Unary<gpio::GetGpioBasePathRequest, gpio::GetGpioBasePathResponse>(
      "/gpio.Gpio/get_gpio_base_path", PR_UNARY(gpio, get_gpio_base_path),
      {{""},
       {Encode<gpio::GetGpioBasePathRequest>([](auto& r) { r.set_target_label("pl_gpio"); })},
       {Encode<gpio::GetGpioBasePathRequest>([](auto& r) { r.set_target_label("nope"); })}}));
  rpcs.push_back(Unary<gpio::GetGpioNPinsRequest, gpio::GetGpioNPinsResponse>(
      "/gpio.Gpio/get_gpio_npins", PR_UNARY(gpio, get_gpio_npins),
      {{""},
       {Encode<gpio::GetGpioNPinsRequest>([](auto& r) { r.set_target_label("zynqmp_gpio"); })},
       {Encode<gpio::GetGpioNPinsRequest>([](auto& r) { r.set_target_label("nope"); })}}));

  // pynq_remote.v1.Session
  rpcs.push_back(BidiStream<v1::SessionRequest, v1::SessionEvent>(
      "/pynq_remote.v1.Session/Attach", PR_BIDI(session, Attach),
      {{Encode<v1::SessionRequest>([](auto& r) { r.set_client_name("fuzz"); })},
       {Encode<v1::SessionRequest>([](auto& r) { r.set_resume_session_id("@sess"); })},
       {Encode<v1::SessionRequest>([](auto& r) { r.set_resume_session_id("sess-gone"); })},
       {Encode<v1::SessionRequest>([](auto& r) { r.set_client_name(std::string(300, 'n')); }),
        Encode<v1::SessionRequest>([](auto& r) { r.set_client_name("again"); })},
       {}}));
  // pynq_remote.v1.Board/MmioPoll, last so the committed seeds of the others keep their
  // index. A poll for ever (timeout 0) or one that advances a deterministic board for long is
  // legitimate: the harness bounds each to 50 ms and 10,000 cycles a read.
  rpcs.push_back(Unary<v1::MmioPollRequest, v1::MmioPollResponse>(
      "/pynq_remote.v1.Board/MmioPoll",
      [](Server& s, grpc::ClientContext* c, const v1::MmioPollRequest& req,
         v1::MmioPollResponse* resp) {
        v1::MmioPollRequest bounded = req;
        if (bounded.timeout_ms() == 0 || bounded.timeout_ms() > 50) bounded.set_timeout_ms(50);
        bounded.set_advance_cycles(std::min<uint64_t>(bounded.advance_cycles(), 10000));
        return s.board->MmioPoll(c, bounded, resp);
      },
      {{Encode<v1::MmioPollRequest>([](auto& r) {
         r.set_address(0xA0000000);
         r.set_width(4);
         r.set_mask(0x2);
         r.set_value(0x2);
         r.set_timeout_ms(5);
       })},
       {Encode<v1::MmioPollRequest>([](auto& r) {
         r.set_address(0xA0000004);
         r.set_width(4);
         r.set_mask(0x1003);
         r.set_condition(v1::MmioPollRequest::NOT_EQUAL);
         r.set_advance_cycles(100);
       })},
       {Encode<v1::MmioPollRequest>([](auto& r) {
         r.set_address(0xFFFFFFFFFFFFFFF8ull);
         r.set_width(8);
         r.set_mask(0);
         r.set_value(7);
         r.set_condition(static_cast<v1::MmioPollRequest::Condition>(9));
       })}}));
  // Waveforms: the FakeDevice has none, so these reach the service layer's checks (scopes,
  // bounds, the caller's session) and the device's refusal.
  rpcs.push_back(Unary<v1::StartTraceRequest, v1::StartTraceResponse>(
      "/pynq_remote.v1.Board/StartTrace", PR_UNARY(board, StartTrace),
      {{Encode<v1::StartTraceRequest>([](auto& r) { r.add_scopes("axi_dma_0"); })},
       {Encode<v1::StartTraceRequest>([](auto& r) {
         r.add_scopes("");
         r.add_scopes("pl..x");
         r.set_max_cycles(0xFFFFFFFFFFFFFFFFull);
       })},
       {Encode<v1::StartTraceRequest>([](auto& r) { r.set_max_cycles(1); })}}));
  rpcs.push_back(Unary<v1::StopTraceRequest, v1::StopTraceResponse>(
      "/pynq_remote.v1.Board/StopTrace", PR_UNARY(board, StopTrace), {{""}}));

  // pynq_remote.v1.Inventory
  rpcs.push_back(Unary<v1::ListBuffersRequest, v1::ListBuffersResponse>(
      "/pynq_remote.v1.Inventory/ListBuffers", PR_UNARY(inventory, ListBuffers), {{""}}));
  rpcs.push_back(Unary<v1::ListFilesRequest, v1::ListFilesResponse>(
      "/pynq_remote.v1.Inventory/ListFiles", PR_UNARY(inventory, ListFiles),
      {{Encode<v1::ListFilesRequest>([](auto& r) { r.set_path("/lib/firmware"); })},
       {Encode<v1::ListFilesRequest>([](auto& r) { r.set_path("/"); })},
       {Encode<v1::ListFilesRequest>([](auto& r) { r.set_path("/../etc"); })},
       {Encode<v1::ListFilesRequest>([](auto& r) { r.set_path("relative//x\0"); })}}));
  return rpcs;
}

#undef PR_UNARY
#undef PR_READER
#undef PR_WRITER
#undef PR_BIDI

const std::vector<Rpc>& Rpcs() {
  static const std::vector<Rpc>* rpcs = new std::vector<Rpc>(MakeRpcs());
  return *rpcs;
}

// Every method of every service in proto/ must be in the table: a new RPC without a fuzz
// entry fails here, loudly, rather than going unfuzzed.
void CheckEveryRpcIsCovered() {
  std::set<std::string> covered;
  for (const Rpc& rpc : Rpcs()) covered.insert(rpc.name);
  const char* services[] = {"remote_device.RemoteDevice", "mmio.Mmio",
                            "buffer.RemoteBuffer",        "pynq_remote.v1.Board",
                            "interrupt.RemoteInterrupt",  "gpio.Gpio",
                            "pynq_remote.v1.Session",     "pynq_remote.v1.Inventory"};
  for (const char* full_name : services) {
    const pb::ServiceDescriptor* service =
        pb::DescriptorPool::generated_pool()->FindServiceByName(full_name);
    if (service == nullptr) Fail(std::string("no service ") + full_name + " linked in");
    for (int i = 0; i < service->method_count(); ++i) {
      const std::string name = "/" + service->full_name() + "/" + service->method(i)->name();
      if (!covered.count(name)) Fail(name + " has no entry in fuzz_rpc's table");
    }
  }
}

// 2-byte little-endian length, then the bytes.
std::string Frame(const Parts& parts) {
  std::string out;
  for (const std::string& part : parts) {
    out.push_back(static_cast<char>(part.size() & 0xFF));
    out.push_back(static_cast<char>((part.size() >> 8) & 0xFF));
    out += part;
  }
  return out;
}

Parts Unframe(const uint8_t* data, size_t size) {
  Parts parts;
  size_t at = 0;
  while (at + 2 <= size && parts.size() < kMaxMessages) {
    const size_t len = data[at] | static_cast<size_t>(data[at + 1]) << 8;
    at += 2;
    const size_t take = std::min(len, size - at);
    parts.emplace_back(reinterpret_cast<const char*>(data + at), take);
    at += take;
  }
  return parts;
}

void WriteCorpus(const std::string& dir) {
  std::filesystem::create_directories(dir);
  const std::vector<Rpc>& rpcs = Rpcs();
  for (size_t i = 0; i < rpcs.size(); ++i) {
    std::string stem = rpcs[i].name.substr(1);
    for (char& c : stem) {
      if (c == '/') c = '.';
    }
    for (size_t s = 0; s < rpcs[i].seeds.size(); ++s) {
      // Each seed once as a sessionless caller on the open-policy server; the fuzzer
      // flips the flags itself.
      std::string input(1, static_cast<char>(i));
      input.push_back(static_cast<char>(s % 2 == 1 ? 2 : 0));
      input += Frame(rpcs[i].seeds[s]);
      std::ofstream(dir + "/" + stem + "-" + std::to_string(s), std::ios::binary) << input;
    }
  }
  std::printf("fuzz_rpc: wrote the seeds of %zu RPCs to %s\n", rpcs.size(), dir.c_str());
}

struct Servers {
  std::unique_ptr<Server> open, overlay;
  uint64_t runs = 0;
  void Build() {
    open.reset();
    overlay.reset();
    open = std::make_unique<Server>(MmioPolicyMode::kOpen);
    overlay = std::make_unique<Server>(MmioPolicyMode::kOverlay);
  }
};

Servers& TheServers() {
  static Servers* servers = [] {
    static Servers* made = new Servers();
    made->Build();
    // Shut down before LeakSanitizer's exit check: gRPC's server threads, still running,
    // hold allocations it would report.
    std::atexit([] { delete made; });
    return made;
  }();
  return *servers;
}

// FUZZ_RPC_STATS=1: at exit, how each RPC's calls ended, to see that inputs get past the
// decoding and the id checks into the handlers' real work.
struct Stats {
  std::map<std::string, std::map<std::string, uint64_t>> rows;
  ~Stats() {
    for (const auto& [name, codes] : rows) {
      std::fprintf(stderr, "%-48s", name.c_str());
      for (const auto& [code, n] : codes) {
        std::fprintf(stderr, " %s=%llu", code.c_str(), static_cast<unsigned long long>(n));
      }
      std::fprintf(stderr, "\n");
    }
  }
};

Stats* TheStats() {
  static std::unique_ptr<Stats> stats(std::getenv("FUZZ_RPC_STATS") ? new Stats() : nullptr);
  return stats.get();
}

const char* StatusName(grpc::StatusCode code) {
  static const char* const kNames[] = {"OK",
                                       "CANCELLED",
                                       "UNKNOWN",
                                       "INVALID_ARGUMENT",
                                       "DEADLINE_EXCEEDED",
                                       "NOT_FOUND",
                                       "ALREADY_EXISTS",
                                       "PERMISSION_DENIED",
                                       "RESOURCE_EXHAUSTED",
                                       "FAILED_PRECONDITION",
                                       "ABORTED",
                                       "OUT_OF_RANGE",
                                       "UNIMPLEMENTED",
                                       "INTERNAL",
                                       "UNAVAILABLE",
                                       "DATA_LOSS",
                                       "UNAUTHENTICATED"};
  const int i = static_cast<int>(code);
  return i >= 0 && i < 17 ? kNames[i] : "?";
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const char* dir = std::getenv("FUZZ_RPC_WRITE_CORPUS")) {
    WriteCorpus(dir);
    std::exit(0);
  }
  CheckEveryRpcIsCovered();
  // Both libraries log per bad input (gRPC at INFO on some paths, protobuf every string
  // with invalid UTF-8); the fuzzer makes millions of them.
  setenv("GRPC_VERBOSITY", "ERROR", 0);
  pb::SetLogHandler([](pb::LogLevel, const char*, int, const std::string&) {});
  TheServers();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  Servers& servers = TheServers();
  if (++servers.runs % kRebuildEvery == 0) servers.Build();
  const std::vector<Rpc>& rpcs = Rpcs();
  const Rpc& rpc = rpcs[data[0] % rpcs.size()];
  const uint8_t flags = data[1];
  Server& server = (flags & 1) ? *servers.overlay : *servers.open;
  const uint8_t caller = (flags >> 1) & 3;
  const Parts parts = Unframe(data + 2, size - 2);

  const auto start = std::chrono::steady_clock::now();
  const grpc::Status status = rpc.run(server, caller, parts);
  const auto took = std::chrono::steady_clock::now() - start;
  if (took > kDeadline / 2 || (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED &&
                               status.error_message() == "Deadline Exceeded")) {
    Fail(rpc.name + " did not answer in time (" +
         std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()) +
         " ms): " + status.error_message());
  }
  if (status.error_code() == grpc::StatusCode::UNKNOWN) {
    Fail(rpc.name + " answered UNKNOWN (an exception or no status?): " + status.error_message());
  }
  if (Stats* stats = TheStats()) {
    auto& row = stats->rows[rpc.name];
    ++row[status.error_message() == "not sent" ? "not sent" : StatusName(status.error_code())];
  }
  server.CheckBooks(rpc.name);
  if (!server.RestoreFixtures()) servers.Build();
  return 0;
}
