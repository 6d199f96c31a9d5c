// pynq_remote_bench: C++ client figures against a real pynq-remote-server over loopback,
// each beside the same shape of call on a bare gRPC server (baseline-server) in the same run.
//
// Both servers run as child processes, so client and server pay the same scheduling on the
// 2-core machines as a user's client does.
#include <benchmark/benchmark.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "baseline.grpc.pb.h"
#include "buffer.grpc.pb.h"
#include "mmio.grpc.pb.h"
#include "pynq_remote/v1/board.grpc.pb.h"
#include "remote_device.grpc.pb.h"

namespace {

constexpr uint64_t kRegsBase = 0xA0000000;  // ref_accel: ref_regs_0
constexpr uint64_t kScratch0 = kRegsBase + 0x10;
constexpr size_t kChunk = 2u << 20;
constexpr size_t kBig = 64u << 20;

// A child process that prints "... listening ..." once it serves; killed on destruction.
class ChildServer {
 public:
  explicit ChildServer(std::vector<std::string> argv) {
    int out[2];
    if (pipe(out) != 0) throw std::runtime_error("pipe failed");
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      dup2(out[1], STDERR_FILENO);
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
    close(out[1]);
    FILE* f = fdopen(out[0], "r");
    char line[512];
    while (fgets(line, sizeof line, f)) {
      if (std::string(line).find("listening") != std::string::npos) return;
    }
    throw std::runtime_error("server did not start: " + argv[0]);
  }
  ~ChildServer() {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }

 private:
  pid_t pid_ = -1;
};

int FreePort() {
  static int next = 20000 + getpid() % 20000;
  return next++;
}

std::shared_ptr<grpc::Channel> Connect(int port) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  args.SetMaxSendMessageSize(64 << 20);
  auto channel = grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port),
                                           grpc::InsecureChannelCredentials(), args);
  if (!channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10)))
    throw std::runtime_error("cannot connect to port " + std::to_string(port));
  return channel;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The PYNQ client's .bit -> .bin: strip the header, swap every 32-bit word.
std::string BitToBin(const std::string& bit) {
  auto be = [&](size_t pos, int n) {
    uint32_t v = 0;
    for (int i = 0; i < n; ++i) v = v << 8 | static_cast<uint8_t>(bit.at(pos + i));
    return v;
  };
  size_t pos = 2 + be(0, 2) + 2;
  while (bit.at(pos) != 'e') pos += 3 + be(pos + 1, 2);
  std::string data = bit.substr(pos + 5, be(pos + 1, 4));
  for (size_t i = 0; i + 4 <= data.size(); i += 4) {
    std::swap(data[i], data[i + 3]);
    std::swap(data[i + 1], data[i + 2]);
  }
  return data;
}

void WriteRemoteFile(remote_device::RemoteDevice::Stub& stub, const std::string& path,
                     const std::string& data) {
  grpc::ClientContext ctx;
  remote_device::WriteFileResponse reply;
  auto writer = stub.writefile(&ctx, &reply);
  remote_device::WriteFileRequest req;
  req.set_file_path(path);
  req.set_data(data);
  writer->Write(req);
  writer->WritesDone();
  grpc::Status status = writer->Finish();
  if (!status.ok()) throw std::runtime_error(path + ": " + status.error_message());
}

// The two servers, started once for the whole run.
struct Servers {
  std::string root;
  std::unique_ptr<ChildServer> ours, bare;
  int ours_port = 0, bare_port = 0;
  std::shared_ptr<grpc::Channel> ours_channel, bare_channel;

  Servers() {
    char tmpl[] = "/tmp/pynq-remote-bench-XXXXXX";
    root = mkdtemp(tmpl);
    ours_port = FreePort();
    bare_port = FreePort();
    // PYNQ_REMOTE_BENCH_SERVER runs another server binary (another build's, for a before
    // and after in one run, or a wrapper under perf) against the same baseline.
    const char* server = std::getenv("PYNQ_REMOTE_BENCH_SERVER");
    ours = std::make_unique<ChildServer>(std::vector<std::string>{
        server != nullptr && *server != '\0' ? server : PYNQ_REMOTE_SERVER_PATH, "--backend", "sim",
        "--listen", "127.0.0.1:" + std::to_string(ours_port), "--root", root, "--log-level",
        "warn"});
    std::string bare_path = std::string(PYNQ_REMOTE_SERVER_PATH);
    bare_path = bare_path.substr(0, bare_path.rfind("/server/")) + "/bench/baseline-server";
    bare = std::make_unique<ChildServer>(
        std::vector<std::string>{bare_path, "127.0.0.1:" + std::to_string(bare_port)});
    ours_channel = Connect(ours_port);
    bare_channel = Connect(bare_port);
    auto device = remote_device::RemoteDevice::NewStub(ours_channel);
    WriteRemoteFile(
        *device, "/lib/firmware/ref_accel.bin",
        BitToBin(ReadFile(std::string(PYNQ_REMOTE_DESIGNS_DIR) + "/ref_accel/ref_accel.bit")));
    WriteRemoteFile(*device, "/sys/class/fpga_manager/fpga0/flags", "0");
    WriteRemoteFile(*device, "/sys/class/fpga_manager/fpga0/firmware", "ref_accel.bin");
  }
};

Servers& TheServers() {
  static Servers servers;
  return servers;
}

void Check(const grpc::Status& status, benchmark::State& state) {
  if (!status.ok()) state.SkipWithError(status.error_message().c_str());
}

// -- unary round trips -----------------------------------------------------------------

void BM_Baseline_UnaryEcho(benchmark::State& state) {
  auto stub = pynq_remote::bench::Baseline::NewStub(TheServers().bare_channel);
  pynq_remote::bench::Word req, reply;
  for (auto _ : state) {
    grpc::ClientContext ctx;
    Check(stub->Echo(&ctx, req, &reply), state);
  }
  state.counters["calls/s"] = benchmark::Counter(state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Baseline_UnaryEcho)->UseRealTime();

void BM_MmioRead_Single(benchmark::State& state) {
  auto stub = pynq_remote::v1::Board::NewStub(TheServers().ours_channel);
  pynq_remote::v1::MmioReadRequest req;
  req.set_address(kRegsBase);
  req.set_width(4);
  pynq_remote::v1::MmioReadResponse reply;
  for (auto _ : state) {
    grpc::ClientContext ctx;
    Check(stub->MmioRead(&ctx, req, &reply), state);
  }
  state.counters["ops/s"] = benchmark::Counter(state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_MmioRead_Single)->UseRealTime();

// The same read as PYNQ 3.1's client makes it: the Mmio service, an mmio_id, no session.
void BM_Mmio31Read(benchmark::State& state) {
  auto stub = mmio::Mmio::NewStub(TheServers().ours_channel);
  mmio::GetMmioRequest get;
  get.set_base_addr(kRegsBase);
  get.set_length(0x1000);
  mmio::GetMmioResponse region;
  {
    grpc::ClientContext ctx;
    Check(stub->get_mmio(&ctx, get, &region), state);
    if (region.has_msg()) state.SkipWithError(region.msg().c_str());
  }
  mmio::ReadRequest req;
  req.set_mmio_id(region.mmio_id());
  req.set_length(4);
  req.set_word_order("little");
  mmio::ReadResponse reply;
  for (auto _ : state) {
    grpc::ClientContext ctx;
    Check(stub->read(&ctx, req, &reply), state);
  }
  state.counters["ops/s"] = benchmark::Counter(state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Mmio31Read)->UseRealTime();

// Batches alternate writes and reads of a scratch register, so every op crosses the bus.
void BM_MmioBatch(benchmark::State& state) {
  auto stub = pynq_remote::v1::Board::NewStub(TheServers().ours_channel);
  pynq_remote::v1::MmioBatchRequest req;
  for (int i = 0; i < state.range(0); ++i) {
    auto* op = req.add_ops();
    op->set_kind(i % 2 ? pynq_remote::v1::MmioOp::READ : pynq_remote::v1::MmioOp::WRITE);
    op->set_address(kScratch0 + 4 * (i % 4));
    op->set_width(4);
    op->set_value(i);
  }
  pynq_remote::v1::MmioBatchResponse reply;
  for (auto _ : state) {
    grpc::ClientContext ctx;
    Check(stub->MmioBatch(&ctx, req, &reply), state);
    if (reply.has_error()) state.SkipWithError(reply.error().message().c_str());
  }
  state.counters["ops/s"] =
      benchmark::Counter(state.iterations() * state.range(0), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_MmioBatch)->Arg(64)->Arg(1024)->Arg(8192)->UseRealTime();

// -- 64 MiB in 2 MiB chunks --------------------------------------------------------------

void SetBytes(benchmark::State& state) { state.SetBytesProcessed(state.iterations() * kBig); }

void BM_Baseline_Up64MiB(benchmark::State& state) {
  auto stub = pynq_remote::bench::Baseline::NewStub(TheServers().bare_channel);
  pynq_remote::bench::Chunk chunk;
  chunk.set_data(std::string(kChunk, '\x5a'));
  for (auto _ : state) {
    grpc::ClientContext ctx;
    pynq_remote::bench::Size reply;
    auto writer = stub->Up(&ctx, &reply);
    for (size_t sent = 0; sent < kBig; sent += kChunk) writer->Write(chunk);
    writer->WritesDone();
    Check(writer->Finish(), state);
  }
  SetBytes(state);
}
BENCHMARK(BM_Baseline_Up64MiB)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_Baseline_Down64MiB(benchmark::State& state) {
  auto stub = pynq_remote::bench::Baseline::NewStub(TheServers().bare_channel);
  pynq_remote::bench::Size req;
  req.set_total(kBig);
  req.set_chunk_size(kChunk);
  std::vector<char> target(kBig);
  for (auto _ : state) {
    grpc::ClientContext ctx;
    auto reader = stub->Down(&ctx, req);
    pynq_remote::bench::Chunk chunk;
    size_t pos = 0;
    while (reader->Read(&chunk)) {
      std::memcpy(target.data() + pos, chunk.data().data(), chunk.data().size());
      pos += chunk.data().size();
    }
    Check(reader->Finish(), state);
  }
  SetBytes(state);
}
BENCHMARK(BM_Baseline_Down64MiB)->UseRealTime()->Unit(benchmark::kMillisecond);

struct BigBuffer {
  std::string id;
  BigBuffer() {
    auto stub = buffer::RemoteBuffer::NewStub(TheServers().ours_channel);
    grpc::ClientContext ctx;
    buffer::AllocateRequest req;
    req.set_size(kBig);
    req.set_dtype("|u1");
    buffer::AllocateResponse reply;
    grpc::Status status = stub->allocate(&ctx, req, &reply);
    if (!status.ok() || reply.has_msg()) throw std::runtime_error("allocate failed");
    id = reply.buffer_id();
  }
};

BigBuffer& TheBuffer() {
  static BigBuffer buffer;
  return buffer;
}

void BM_BufferWrite64MiB(benchmark::State& state) {
  auto stub = buffer::RemoteBuffer::NewStub(TheServers().ours_channel);
  std::string data(kBig, '\0');
  for (size_t i = 0; i < kBig; ++i) data[i] = static_cast<char>(i * 131);
  std::vector<buffer::BufferWriteRequest> chunks(kBig / kChunk);
  for (size_t i = 0; i < chunks.size(); ++i) {
    chunks[i].set_buffer_id(TheBuffer().id);
    chunks[i].set_data(data.substr(i * kChunk, kChunk));
  }
  for (auto _ : state) {
    grpc::ClientContext ctx;
    buffer::BufferWriteResponse reply;
    auto writer = stub->write(&ctx, &reply);
    for (auto& chunk : chunks) writer->Write(chunk);
    writer->WritesDone();
    Check(writer->Finish(), state);
    if (reply.has_msg()) state.SkipWithError(reply.msg().c_str());
  }
  SetBytes(state);
}
BENCHMARK(BM_BufferWrite64MiB)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_BufferRead64MiB(benchmark::State& state) {
  auto stub = buffer::RemoteBuffer::NewStub(TheServers().ours_channel);
  buffer::BufferReadRequest req;
  req.set_buffer_id(TheBuffer().id);
  std::vector<char> target(kBig);
  for (auto _ : state) {
    grpc::ClientContext ctx;
    auto reader = stub->read(&ctx, req);
    buffer::BufferReadResponse chunk;
    size_t pos = 0;
    while (reader->Read(&chunk)) {
      if (pos + chunk.data().size() > kBig) break;
      std::memcpy(target.data() + pos, chunk.data().data(), chunk.data().size());
      pos += chunk.data().size();
    }
    Check(reader->Finish(), state);
    if (pos != kBig) state.SkipWithError("short read");
  }
  SetBytes(state);
}
BENCHMARK(BM_BufferRead64MiB)->UseRealTime()->Unit(benchmark::kMillisecond);

// memcpy of the same 64 MiB: the ceiling no transport reaches.
void BM_Memcpy64MiB(benchmark::State& state) {
  std::vector<char> a(kBig, 1), b(kBig);
  for (auto _ : state) {
    std::memcpy(b.data(), a.data(), kBig);
    benchmark::DoNotOptimize(b.data());
  }
  SetBytes(state);
}
BENCHMARK(BM_Memcpy64MiB)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
