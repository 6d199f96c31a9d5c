// The hardware backend end to end on fake board trees made by
// hil-tests/fake_board/make_fake_board.py: the same tree the hil-tests serve.
#include "zynq/zynq_device.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/test_root.h"

namespace pynq_remote::zynq {
namespace {

using pynq_remote::testing::TestRoot;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

uint64_t PeekFile(const std::string& path, uint64_t offset, int width) {
  int fd = open(path.c_str(), O_RDONLY);
  uint64_t v = 0;
  EXPECT_EQ(pread(fd, &v, width, static_cast<off_t>(offset)), width);
  close(fd);
  return v;
}

class FakeBoard : public ::testing::Test {
 protected:
  void Make(const std::string& family = "zynqmp") {
    const std::string command = std::string("/usr/bin/python3 ") + PYNQ_REMOTE_FAKE_BOARD + " " +
                                root_.path() + " --family " + family +
                                " --udmabuf-mb 16 > /dev/null";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
  }
  std::string P(const std::string& rel) const { return root_.path() + "/" + rel; }
  std::unique_ptr<Device> Create(const std::string& memory = "udmabuf",
                                 std::string* error_out = nullptr) {
    ZynqOptions options;
    options.root = root_.path();
    std::string error;
    std::optional<MemorySpec> spec = ParseMemorySpec(memory, &error);
    EXPECT_TRUE(spec.has_value()) << error;
    if (spec) options.memory = *spec;
    std::unique_ptr<Device> device = CreateZynqDevice(options, &error);
    if (error_out) *error_out = error;
    return device;
  }
  std::string CreateError(const std::string& memory = "udmabuf") {
    std::string error;
    EXPECT_EQ(Create(memory, &error), nullptr);
    return error;
  }
  TestRoot root_;
};

TEST_F(FakeBoard, ReportsTheBoardFromTheDeviceTree) {
  Make();
  auto device = Create();
  ASSERT_NE(device, nullptr);
  DeviceInfo info = device->Info();
  EXPECT_EQ(info.backend, "zynq");
  EXPECT_EQ(info.board, "ZCU104");
  EXPECT_EQ(info.part, "xczu7ev-ffvc1156-2-e");
  EXPECT_FALSE(info.arch.empty());
  std::vector<std::string> names;
  for (const AddressWindow& w : info.windows) names.push_back(w.name);
  for (const char* want : {"M_AXI_HPM0_FPD", "M_AXI_HPM1_FPD", "M_AXI_HPM0_LPD", "CRL_APB"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), want), names.end()) << want;
  }
  EXPECT_NE(std::find(info.capabilities.begin(), info.capabilities.end(), "fake_board"),
            info.capabilities.end());
  ASSERT_EQ(info.pl_clocks_mhz.size(), 4u);
  for (double mhz : info.pl_clocks_mhz) EXPECT_NEAR(mhz, 100.0, 0.01);
}

TEST_F(FakeBoard, Zynq7000HasItsOwnWindowsAndClocks) {
  Make("zynq7000");
  auto device = Create();
  ASSERT_NE(device, nullptr);
  DeviceInfo info = device->Info();
  EXPECT_EQ(info.board, "Pynq-Z2");
  ASSERT_FALSE(info.windows.empty());
  EXPECT_EQ(info.windows[0].name, "M_AXI_GP0");
  EXPECT_NEAR(info.pl_clocks_mhz[0], 100.0, 0.01);
  EXPECT_TRUE(device->MmioWrite(0x40000000, 4, 0x12345678).ok());
  EXPECT_EQ(device->MmioRead(0x40000000, 4).value(), 0x12345678u);
}

TEST_F(FakeBoard, MmioAccessesHaveExactlyTheirWidth) {
  Make();
  auto device = Create();
  ASSERT_NE(device, nullptr);
  const uint64_t base = 0xA0000000;
  ASSERT_TRUE(device->MmioWrite(base, 8, 0x1122334455667788ull).ok());
  ASSERT_TRUE(device->MmioWrite(base + 2, 1, 0xAB).ok());  // one byte, neighbours untouched
  EXPECT_EQ(device->MmioRead(base, 8).value(), 0x1122334455AB7788ull);
  ASSERT_TRUE(device->MmioWrite(base + 4, 2, 0xBEEF).ok());
  EXPECT_EQ(device->MmioRead(base, 8).value(), 0x1122BEEF55AB7788ull);
  EXPECT_EQ(device->MmioRead(base + 4, 4).value(), 0x1122BEEFu);
  EXPECT_EQ(device->MmioRead(base + 7, 1).value(), 0x11u);
  // It is the /dev/mem stand-in's memory at that physical address.
  EXPECT_EQ(PeekFile(P("dev/mem"), base, 8), 0x1122BEEF55AB7788ull);
  // The last word of HPM0_LPD and of HPM1_FPD, in their last chunks.
  EXPECT_TRUE(device->MmioWrite(0x9FFFFFFC, 4, 7).ok());
  EXPECT_EQ(device->MmioRead(0xBFFFFFF8, 8).value(), 0u);
  // M_AXI_HPM0_FPD's and M_AXI_HPM1_FPD's high windows, at their full physical addresses.
  ASSERT_TRUE(device->MmioWrite(0x400000010, 4, 0x0BADCAFE).ok());
  EXPECT_EQ(PeekFile(P("dev/mem"), 0x400000010, 4), 0x0BADCAFEu);
  EXPECT_EQ(device->MmioRead(0x400000010, 4).value(), 0x0BADCAFEu);
  EXPECT_EQ(device->MmioRead(0x5FFFFFFF8, 8).value(), 0u);
  EXPECT_EQ(device->MmioRead(0x600000000, 4).error().code, ErrorCode::kBusDecErr);
}

TEST_F(FakeBoard, MmioOutsideEveryWindowOrMisalignedIsRefused) {
  Make();
  auto device = Create();
  ASSERT_NE(device, nullptr);
  Result<uint64_t> outside = device->MmioRead(0xC0000000, 4);
  ASSERT_FALSE(outside.ok());
  EXPECT_EQ(outside.error().code, ErrorCode::kBusDecErr);
  EXPECT_NE(outside.error().message.find("0xC0000000"), std::string::npos);
  // DDR is not an MMIO window: the carve-out or kernel memory is never mapped for MMIO.
  EXPECT_EQ(device->MmioRead(0x60000000, 4).error().code, ErrorCode::kBusDecErr);
  EXPECT_EQ(device->MmioRead(0xA0000002, 4).error().code, ErrorCode::kUnaligned);
  EXPECT_EQ(device->MmioWrite(0xA0000000, 3, 0).error().code, ErrorCode::kInvalidArgument);
  // Straddling the end of a window.
  EXPECT_EQ(device->MmioRead(0xAFFFFFFE + 2, 4).ok(), true);  // 0xB0000000 is HPM1
  EXPECT_EQ(device->MmioRead(0xFF5E0FFC + 4, 4).error().code, ErrorCode::kBusDecErr);
}

TEST_F(FakeBoard, ProgramsThroughTheFpgaManager) {
  Make();
  auto device = Create();
  ASSERT_NE(device, nullptr);
  const std::string fpga = P("sys/class/fpga_manager/fpga0/");
  ASSERT_TRUE(device->Program("\x01\x02\x03\x04", "design.bin", /*partial=*/true).ok());
  EXPECT_EQ(ReadFile(P("lib/firmware/design.bin")), "\x01\x02\x03\x04");
  EXPECT_EQ(Trim(ReadFile(fpga + "flags")), "1");
  EXPECT_EQ(ReadFile(fpga + "firmware"), "design.bin");
  FpgaState state = device->State();
  EXPECT_EQ(state.state, "operating");
  EXPECT_EQ(state.design, "design");
  ASSERT_TRUE(device->Program("\x05\x06\x07\x08", "design.bin", false).ok());
  EXPECT_EQ(Trim(ReadFile(fpga + "flags")), "0");
  EXPECT_EQ(ReadFile(P("lib/firmware/design.bin")), "\x05\x06\x07\x08");
}

TEST_F(FakeBoard, ABitFileIsStoredAsTheSwappedBin) {
  Make();
  auto device = Create();
  ASSERT_NE(device, nullptr);
  std::string bit("\x00\x09\x0F\xF0\x0F\xF0\x0F\xF0\x0F\xF0\x00\x00\x01", 13);
  auto field = [&bit](char tag, const std::string& text) {
    bit += tag;
    bit += static_cast<char>(0);
    bit += static_cast<char>(text.size() + 1);
    bit += text + '\0';
  };
  field('a', "top;UserID=0");
  field('b', "xczu7ev-ffvc1156-2-e");
  field('c', "2026/01/01");
  field('d', "00:00:00");
  bit += std::string("e\0\0\0\x08", 5) + "ABCDEFGH";
  ASSERT_TRUE(device->Program(bit, "top.bit", false).ok());
  EXPECT_EQ(ReadFile(P("lib/firmware/top.bit")), "DCBAHGFE");
  Result<uint64_t> ignored = device->MmioRead(0xA0000000, 4);
  EXPECT_TRUE(ignored.ok());
  // A truncated header is refused before anything is written.
  Status bad = device->Program(bit.substr(0, 30), "bad.bit", false);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kBadBitstream);
  EXPECT_FALSE(std::ifstream(P("lib/firmware/bad.bit")).good());
}

TEST_F(FakeBoard, AnErrorStateFailsTheProgrammingWithTheKernelsWord) {
  Make();
  auto device = Create();
  ASSERT_NE(device, nullptr);
  WriteFile(P("sys/class/fpga_manager/fpga0/state"), "write error\n");
  Status status = device->Program("\x01\x02\x03\x04", "broken.bin", false);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kBadBitstream);
  EXPECT_NE(status.error().message.find("\"write error\""), std::string::npos)
      << status.error().message;
  EXPECT_NE(status.error().message.find("broken.bin"), std::string::npos);
  FpgaState state = device->State();
  EXPECT_EQ(state.state, "write error");
  EXPECT_TRUE(state.design.empty());
  EXPECT_FALSE(state.error.empty());
  EXPECT_EQ(device->Program("x", "a/b.bin", false).error().code, ErrorCode::kInvalidArgument);
}

TEST_F(FakeBoard, MissingPartsAreNamedAtStart) {
  Make();
  ASSERT_EQ(std::system(("rm " + P("sys/class/fpga_manager/fpga0")).c_str()), 0);
  EXPECT_NE(CreateError().find("no FPGA manager"), std::string::npos);
  Make();
  ASSERT_EQ(std::system(("rm " + P("sys/class/fpga_manager/fpga0/state")).c_str()), 0);
  EXPECT_NE(CreateError().find("fpga0/state"), std::string::npos);
  Make();
  ASSERT_EQ(std::system(("rm -r " + P("lib/firmware")).c_str()), 0);
  EXPECT_NE(CreateError().find("lib/firmware"), std::string::npos);
  Make();
  ASSERT_EQ(truncate(P("dev/mem").c_str(), 0xA0000000), 0);
  std::string small = CreateError();
  EXPECT_NE(small.find("too small"), std::string::npos) << small;
  Make();
  ASSERT_EQ(std::system(("rm -r " + P("proc/device-tree")).c_str()), 0);
  EXPECT_NE(CreateError().find("device tree"), std::string::npos);
}

TEST_F(FakeBoard, BuffersComeFromUdmabufAndStayCoherent) {
  Make();
  auto device = Create();
  ASSERT_NE(device, nullptr);
  const std::string sysfs = P("sys/class/u-dma-buf/udmabuf0/");
  Result<Allocation> a = device->Alloc(10000, 4096, /*cacheable=*/true);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_GE(a.value().phys, 0x70000000u);
  EXPECT_LT(a.value().phys + a.value().size, 0x70000000u + (16u << 20) + 1);
  std::string data(10000, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7);
  ASSERT_TRUE(device->MemWrite(a.value().phys + 3, data.data(), data.size() - 3).ok());
  std::string back(data.size() - 3, '\0');
  ASSERT_TRUE(device->MemRead(a.value().phys + 3, back.data(), back.size()).ok());
  EXPECT_EQ(back, data.substr(0, data.size() - 3));
  EXPECT_EQ(PeekFile(P("dev/udmabuf0"), a.value().phys - 0x70000000 + 3, 1),
            static_cast<uint8_t>(data[0]));
  // A cacheable buffer is synced when the client says so.
  ASSERT_TRUE(device->Flush(a.value().phys + 4096, 100).ok());
  EXPECT_EQ(Trim(ReadFile(sysfs + "sync_offset")),
            std::to_string(a.value().phys - 0x70000000 + 4096));
  EXPECT_EQ(Trim(ReadFile(sysfs + "sync_size")), "100");
  EXPECT_EQ(Trim(ReadFile(sysfs + "sync_direction")), "1");
  EXPECT_EQ(Trim(ReadFile(sysfs + "sync_for_device")), "1");
  WriteFile(sysfs + "sync_for_cpu", "0");
  ASSERT_TRUE(device->Invalidate(a.value().phys, 64).ok());
  EXPECT_EQ(Trim(ReadFile(sysfs + "sync_direction")), "2");
  EXPECT_EQ(Trim(ReadFile(sysfs + "sync_for_cpu")), "1");
  // A non-cacheable one is synced around every access, since the client never will.
  Result<Allocation> b = device->Alloc(4096, 4096, /*cacheable=*/false);
  ASSERT_TRUE(b.ok());
  WriteFile(sysfs + "sync_for_device", "0");
  ASSERT_TRUE(device->MemWrite(b.value().phys + 8, "abc", 3).ok());
  EXPECT_EQ(Trim(ReadFile(sysfs + "sync_for_device")), "1");
  EXPECT_EQ(Trim(ReadFile(sysfs + "sync_offset")), std::to_string(b.value().phys - 0x70000000 + 8));
  EXPECT_EQ(Trim(ReadFile(sysfs + "sync_size")), "3");
  // Outside a live buffer, and after Free.
  EXPECT_EQ(device->MemRead(0x70000000 + (15u << 20), back.data(), 4).error().code,
            ErrorCode::kOutOfWindow);
  ASSERT_TRUE(device->Free(a.value().handle).ok());
  EXPECT_EQ(device->MemRead(a.value().phys, back.data(), 4).error().code, ErrorCode::kOutOfWindow);
  EXPECT_EQ(device->Free(a.value().handle).error().code, ErrorCode::kUnknownId);
  Result<Allocation> huge = device->Alloc(64u << 20, 4096, true);
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.error().code, ErrorCode::kNoMemory);
  EXPECT_NE(huge.error().message.find("udmabuf0"), std::string::npos) << huge.error().message;
}

TEST_F(FakeBoard, UdmabufMemoryOutlivesTheServer) {
  Make();
  uint64_t phys = 0;
  {
    auto device = Create();
    ASSERT_NE(device, nullptr);
    Result<Allocation> a = device->Alloc(8192, 4096, true);
    ASSERT_TRUE(a.ok());
    phys = a.value().phys;
    ASSERT_TRUE(device->MemWrite(phys, "persist", 7).ok());
  }
  auto device = Create();
  ASSERT_NE(device, nullptr);
  Result<Allocation> again = device->Restore(phys, 8192);
  ASSERT_TRUE(again.ok()) << again.error().message;
  char back[8] = {};
  ASSERT_TRUE(device->MemRead(phys, back, 7).ok());
  EXPECT_STREQ(back, "persist");
  // Taken now: a second restore or an overlapping one is refused.
  EXPECT_FALSE(device->Restore(phys, 4096).ok());
}

TEST_F(FakeBoard, NoUdmabufDeviceIsNamedAtStart) {
  Make();
  ASSERT_EQ(std::system(("rm -r " + P("sys/class/u-dma-buf")).c_str()), 0);
  std::string error = CreateError();
  EXPECT_NE(error.find("no u-dma-buf device"), std::string::npos) << error;
  EXPECT_NE(error.find("modprobe u-dma-buf"), std::string::npos) << error;
  Make();
  error = CreateError("udmabuf:udmabuf7");
  EXPECT_NE(error.find("no u-dma-buf device udmabuf7"), std::string::npos) << error;
  // Without buffers the server still serves MMIO, and says why allocations fail.
  auto device = Create("none");
  ASSERT_NE(device, nullptr);
  Result<Allocation> a = device->Alloc(4096, 4096, true);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().code, ErrorCode::kUnsupported);
  EXPECT_NE(a.error().message.find("--memory none"), std::string::npos);
}

TEST_F(FakeBoard, CarveoutFromTheDeviceTree) {
  Make();
  auto device = Create("carveout:pynq_carveout@60000000");
  ASSERT_NE(device, nullptr);
  Result<Allocation> a = device->Alloc(1 << 20, 4096, false);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a.value().phys, 0x60000000u);
  // Unaligned starts and lengths go through aligned accesses only.
  ASSERT_TRUE(device->MemWrite(a.value().phys + 1, "0123456789abcdefXYZ", 19).ok());
  char back[20] = {};
  ASSERT_TRUE(device->MemRead(a.value().phys + 1, back, 19).ok());
  EXPECT_STREQ(back, "0123456789abcdefXYZ");
  EXPECT_EQ(PeekFile(P("dev/mem"), 0x60000001, 1), static_cast<uint64_t>('0'));
  EXPECT_TRUE(device->Flush(a.value().phys, 19).ok());
  EXPECT_FALSE(device->Alloc(64u << 20, 4096, false).ok());  // 1 MiB of 64 taken
  auto by_address = Create("carveout:0x60000000:0x1000000");
  EXPECT_NE(by_address, nullptr);
}

TEST_F(FakeBoard, ACarveoutThatDoesNotFitIsRefused) {
  Make();
  std::string error = CreateError("carveout:0x60000000:0x8000000");  // 128 MiB of 64
  EXPECT_NE(error.find("does not fit"), std::string::npos) << error;
  EXPECT_NE(error.find("pynq_carveout@60000000"), std::string::npos) << error;
  error = CreateError("carveout:0x10000000:0x100000");
  EXPECT_NE(error.find("does not fit"), std::string::npos) << error;
  error = CreateError("carveout:nowhere");
  EXPECT_NE(error.find("no reserved-memory node"), std::string::npos) << error;
  error = CreateError("carveout:0x60000800:0x1000");
  EXPECT_NE(error.find("4 KiB pages"), std::string::npos) << error;
}

TEST_F(FakeBoard, SetsPlClocksThroughThePsRegisters) {
  Make();
  auto device = Create();
  ASSERT_NE(device, nullptr);
  ASSERT_TRUE(device->SetPlClock(1, 50.0).ok());
  EXPECT_NEAR(device->Info().pl_clocks_mhz[1], 50.0, 0.5);
  EXPECT_NEAR(device->Info().pl_clocks_mhz[0], 100.0, 0.01);
  const uint32_t ctrl = static_cast<uint32_t>(PeekFile(P("dev/mem"), 0xFF5E00C4, 4));
  EXPECT_EQ(ctrl >> 24 & 1, 1u);  // CLKACT kept
  const uint32_t div0 = ctrl >> 8 & 0x3F, div1 = ctrl >> 16 & 0x3F;
  EXPECT_NEAR(1500.0 / div0 / div1, 50.0, 0.5);
  EXPECT_EQ(device->SetPlClock(4, 50).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(device->SetPlClock(0, -1).error().code, ErrorCode::kInvalidArgument);
}

TEST_F(FakeBoard, InterruptsFromTheUioStandIn) {
  Make();
  auto device = Create();
  ASSERT_NE(device, nullptr);
  Result<bool> quiet = device->WaitIrq(0, std::chrono::milliseconds(50), {});
  ASSERT_TRUE(quiet.ok()) << quiet.error().message;
  EXPECT_FALSE(quiet.value());
  std::thread fire([this] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    int fd = open(P("dev/uio0").c_str(), O_WRONLY);
    uint32_t count = 1;
    EXPECT_EQ(write(fd, &count, 4), 4);
    close(fd);
  });
  Result<bool> fired = device->WaitIrq(0, std::chrono::milliseconds(5000), {});
  fire.join();
  ASSERT_TRUE(fired.ok());
  EXPECT_TRUE(fired.value());
  Result<bool> unserved = device->WaitIrq(3, std::chrono::milliseconds(10), {});
  ASSERT_FALSE(unserved.ok());
  EXPECT_EQ(unserved.error().code, ErrorCode::kUnknownId);
}

TEST(MemorySpec, ParsesEveryForm) {
  std::string error;
  auto spec = ParseMemorySpec("udmabuf", &error);
  ASSERT_TRUE(spec);
  EXPECT_EQ(spec->kind, MemorySpec::Kind::kUdmabuf);
  EXPECT_TRUE(spec->udmabuf_devices.empty());
  spec = ParseMemorySpec("udmabuf:udmabuf0,udmabuf1", &error);
  ASSERT_TRUE(spec);
  EXPECT_EQ(spec->udmabuf_devices, (std::vector<std::string>{"udmabuf0", "udmabuf1"}));
  spec = ParseMemorySpec("carveout:0x70000000:0x1000000", &error);
  ASSERT_TRUE(spec);
  EXPECT_EQ(spec->carveout_base, 0x70000000u);
  EXPECT_EQ(spec->carveout_size, 0x1000000u);
  spec = ParseMemorySpec("carveout:buffers@70000000", &error);
  ASSERT_TRUE(spec);
  EXPECT_EQ(spec->carveout_node, "buffers@70000000");
  EXPECT_TRUE(ParseMemorySpec("xrt", &error));
  EXPECT_TRUE(ParseMemorySpec("none", &error));
  for (const char* bad : {"", "cma", "udmabuf:", "udmabuf:a,,b", "udmabuf:../x", "carveout",
                          "carveout:", "carveout:1:0", "carveout:x:1", "carveout:-1:5",
                          "carveout:0xFFFFFFFFFFFFF000:0x2000", "xrt:1", "none:"}) {
    error.clear();
    EXPECT_FALSE(ParseMemorySpec(bad, &error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

}  // namespace
}  // namespace pynq_remote::zynq
