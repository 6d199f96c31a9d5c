// A design package imported from a Vivado design (`pynq-remote-design import --bit`) names the
// user's .bit by SHA-256 in design.json "vivado_bitstreams": the catalog reads and checks that
// list, and SimDevice::Program loads the package's design when a client uploads that .bit, the
// raw .bin of its configuration data, or the byte-swapped .bin PYNQ 3.1 makes from it. Also:
// every Program starts the design from its power-on state, Verilog initial values included.
//
// The package is sim_tests' own (tests/rtl/power_on, built by pynq-remote-design); each test
// copies it into a temporary folder and writes the Vivado hashes into the copy's design.json.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "bitstream/sim_bitstream.h"
#include "pl/design_catalog.h"
#include "sim/sim_device.h"

namespace pynq_remote::sim {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kBase = 0xA0000000;
constexpr uint64_t kInitValue = 0x0, kInitBlock = 0x4, kResetValue = 0x8, kId = 0xC;
constexpr uint32_t kPowerOnValue = 0xC0FFEE01, kPowerOnBlock = 0x600DB007, kPowerOnId = 0x504F4E31;
constexpr char kPart[] = "xczu7ev-ffvc1156-2-e";  // ZCU104, the package's board

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

/// A temporary folder, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "vivado-bitstream-test.XXXXXX").string();
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) fs::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

/// Configuration data as Vivado's looks at its start (dummy words, bus-width detect, sync
/// word 0xAA995566 in .bit byte order), then `bytes` pseudo-random bytes of `seed`.
std::string FakeConfigData(unsigned seed, size_t bytes = 4096) {
  std::string data(32, '\xFF');
  data += std::string("\x00\x00\x00\xBB\x11\x22\x00\x44", 8);
  data += std::string(8, '\xFF');
  data += "\xAA\x99\x55\x66";
  std::mt19937 rng(seed);
  for (size_t i = 0; i < bytes; ++i) data.push_back(static_cast<char>(rng() & 0xFF));
  return data;
}

/// A Vivado-style .bit (a real .bit header: design, part, date, time) around `data`.
std::string FakeVivadoBit(const std::string& part, const std::string& data) {
  return MakeBitFile("design_1_wrapper", part, data);
}

nlohmann::json VivadoEntry(const std::string& bit, const std::string& data) {
  return nlohmann::json::object({{"sha256", Sha256Hex(bit)}, {"data_sha256", Sha256Hex(data)}});
}

using Json = nlohmann::json;

Json Entry(const Json& sha256, const Json& data_sha256) {
  return Json::object({{"sha256", sha256}, {"data_sha256", data_sha256}});
}

Json List(const std::vector<Json>& entries) {
  Json list = Json::array();
  for (const Json& e : entries) list.push_back(e);
  return list;
}

/// A descriptor that passes every check of ReadDescriptor but the one a test breaks.
nlohmann::json GoodDescriptor() {
  return {{"package_format", 1},
          {"name", "parsed"},
          {"board", "ZCU104"},
          {"family", "zynqmp"},
          {"part", kPart},
          {"content_hash", std::string(64, 'a')},
          {"verilator_version", "5.006"},
          {"library", "libparsed.so"},
          {"bitstream", "parsed.bit"},
          {"hwh", "parsed.hwh"},
          {"abi_version", 1},
          {"tool_version", "test"}};
}

/// ScanDesignPackages on one package folder holding `descriptor`: the refusals it gives.
std::vector<std::string> Scan(const nlohmann::json& descriptor, PackageDescriptor* out) {
  TempDir dir;
  WriteFile(dir.path() + "/design.json", descriptor.dump());
  std::vector<std::string> refusals;
  std::vector<PackageDescriptor> found = ScanDesignPackages({dir.path()}, &refusals);
  if (!found.empty() && out != nullptr) *out = found.front();
  for (std::string& r : refusals) {
    // The folder is named first, as every refusal line does; the rest is what matters here.
    EXPECT_EQ(r.rfind(dir.path() + ": ", 0), 0u) << r;
    r = r.substr(std::min(r.size(), dir.path().size() + 2));
  }
  return refusals;
}

TEST(VivadoBitstreamCatalog, ReadsTheHashesOfDesignJson) {
  const std::string bit = FakeVivadoBit(kPart, FakeConfigData(1));
  nlohmann::json d = GoodDescriptor();
  PackageDescriptor p;
  EXPECT_TRUE(Scan(d, &p).empty());
  EXPECT_TRUE(p.vivado_bitstreams.empty());  // the key is optional
  d["vivado_bitstreams"] =
      List({VivadoEntry(bit, FakeConfigData(1)), VivadoEntry("x", FakeConfigData(2))});
  ASSERT_TRUE(Scan(d, &p).empty());
  ASSERT_EQ(p.vivado_bitstreams.size(), 2u);
  EXPECT_EQ(p.vivado_bitstreams[0].sha256, Sha256Hex(bit));
  EXPECT_EQ(p.vivado_bitstreams[0].data_sha256, Sha256Hex(FakeConfigData(1)));
  EXPECT_EQ(p.vivado_bitstreams[1].sha256, Sha256Hex("x"));
}

// design.json "busy_complete" (pynq-remote-design writes it): optional, a package from before
// it counts as incomplete; anything but true or false refuses the package.
TEST(VivadoBitstreamCatalog, ReadsBusyCompleteOfDesignJson) {
  nlohmann::json d = GoodDescriptor();
  PackageDescriptor p;
  p.busy_complete = true;
  ASSERT_TRUE(Scan(d, &p).empty());
  EXPECT_FALSE(p.busy_complete);
  d["busy_complete"] = true;
  ASSERT_TRUE(Scan(d, &p).empty());
  EXPECT_TRUE(p.busy_complete);
  d["busy_complete"] = "yes";
  const std::vector<std::string> refusals = Scan(d, nullptr);
  ASSERT_EQ(refusals.size(), 1u);
  EXPECT_EQ(refusals[0], "design.json: \"busy_complete\" is not true or false");
}

TEST(VivadoBitstreamCatalog, Sha256HexIsTheStandardDigest) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(VivadoBitstreamCatalog, MalformedEntriesRefuseThePackageWithTheReason) {
  const std::string good(64, 'b');
  struct Case {
    nlohmann::json list;
    std::string reason;
  } cases[] = {
      {"abc", "design.json: \"vivado_bitstreams\" is not a list"},
      {Entry(good, good), "design.json: \"vivado_bitstreams\" is not a list"},
      {List({good}), "design.json: vivado_bitstreams[0] is not an object"},
      {List({Json::object({{"sha256", good}})}),
       "design.json: vivado_bitstreams[0].data_sha256 is missing or not a string"},
      {List({Json::object({{"data_sha256", good}})}),
       "design.json: vivado_bitstreams[0].sha256 is missing or not a string"},
      {List({Entry(12, good)}),
       "design.json: vivado_bitstreams[0].sha256 is missing or not a string"},
      {List({Entry(std::string(64, 'B'), good)}),
       "design.json: vivado_bitstreams[0].sha256 '" + std::string(64, 'B') +
           "' is not a SHA-256 (64 lower-case hex digits)"},
      {List({Entry(good, good), Entry(good, "12")}),
       "design.json: vivado_bitstreams[1].data_sha256 '12' is not a SHA-256"},
      {List({Entry(good + "0", good)}), "design.json: vivado_bitstreams[0].sha256 '"},
      {List({Entry(std::string(63, 'b') + "g", good)}),
       "design.json: vivado_bitstreams[0].sha256 '"},
  };
  for (const Case& c : cases) {
    nlohmann::json d = GoodDescriptor();
    d["vivado_bitstreams"] = c.list;
    std::vector<std::string> refusals = Scan(d, nullptr);
    ASSERT_EQ(refusals.size(), 1u) << c.list.dump();
    EXPECT_EQ(refusals[0].rfind(c.reason, 0), 0u) << refusals[0];
  }
}

/// The power_on package copied into a temporary folder, its design.json listing the Vivado
/// bitstreams given; skips without package builds.
class VivadoBitstreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
#ifndef PYNQ_REMOTE_TEST_PACKAGE_DIR
    GTEST_SKIP() << "built with PYNQ_REMOTE_DESIGN_PACKAGES=OFF: no power_on test package";
#else
    package_ = PYNQ_REMOTE_TEST_PACKAGE_DIR;
    ASSERT_TRUE(fs::exists(package_ + "/design.json")) << package_;
#endif
    ASSERT_FALSE(dir_.path().empty());
    data_ = FakeConfigData(7);
    bit_ = FakeVivadoBit(kPart, data_);
  }

  /// A copy of the package at <tmp>/<sub>, named `name`, claiming `vivado`.
  std::string Copy(const std::string& sub, const nlohmann::json& vivado,
                   const std::string& name = "power_on") {
    const std::string to = dir_.path() + "/" + sub;
    std::error_code ec;
    fs::create_directories(fs::path(to).parent_path(), ec);
    fs::copy(package_, to, fs::copy_options::recursive, ec);
    EXPECT_FALSE(ec) << ec.message();
    nlohmann::json d = nlohmann::json::parse(ReadFile(to + "/design.json"));
    d["vivado_bitstreams"] = vivado;
    d["name"] = name;
    WriteFile(to + "/design.json", d.dump(2));
    return to;
  }

  nlohmann::json OneClaim() const { return List({VivadoEntry(bit_, data_)}); }

  void Make(const std::string& designs_dir) {
    dev_.reset();
    SimOptions options;
    options.deterministic = true;
    options.design_dirs = {designs_dir};
    dev_ = CreateSimDevice(options);
    ASSERT_NE(dev_, nullptr);
  }

  uint64_t Read(uint64_t offset) {
    Result<uint64_t> r = dev_->MmioRead(kBase + offset, 4);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? r.value() : ~0ull;
  }
  void Write(uint64_t offset, uint32_t value) {
    Status s = dev_->MmioWrite(kBase + offset, 4, value);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  }
  void ExpectPowerOn(const std::string& after) {
    EXPECT_EQ(dev_->State().state, "operating") << after;
    EXPECT_EQ(dev_->State().design, "power_on") << after;
    EXPECT_EQ(Read(kId), kPowerOnId) << after;
    EXPECT_EQ(Read(kInitValue), kPowerOnValue) << after;
    EXPECT_EQ(Read(kInitBlock), kPowerOnBlock) << after;
    EXPECT_EQ(Read(kResetValue), 0u) << after;
  }
  void Scribble() {
    Write(kInitValue, 0x11111111);
    Write(kInitBlock, 0x22222222);
    Write(kResetValue, 0x33333333);
    EXPECT_EQ(Read(kInitValue), 0x11111111u);
    EXPECT_EQ(Read(kInitBlock), 0x22222222u);
    EXPECT_EQ(Read(kResetValue), 0x33333333u);
  }
  void ExpectRefused(const std::string& bytes, const std::vector<std::string>& fragments) {
    Status s = dev_->Program(bytes, "design_1.bit", false);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, ErrorCode::kBadBitstream);
    for (const std::string& f : fragments) {
      EXPECT_NE(s.error().message.find(f), std::string::npos) << f << " in " << s.error().message;
    }
    EXPECT_EQ(dev_->State().state, "unknown");
    EXPECT_EQ(dev_->State().error, s.error().message);
    EXPECT_EQ(dev_->MmioRead(kBase, 4).error().code, ErrorCode::kNotProgrammed);
  }

  TempDir dir_;
  std::string package_, data_, bit_;
  std::unique_ptr<Device> dev_;
};

TEST_F(VivadoBitstreamTest, BitRawBinAndSwappedBinLoadThePackagesDesign) {
  Make(Copy("power_on", OneClaim()));
  // The .bit itself, its configuration data as a raw .bin, and what PYNQ 3.1's client uploads
  // (bit2bin: the data with every 32-bit word byte-swapped).
  const std::pair<std::string, const char*> uploads[] = {
      {bit_, ".bit"}, {data_, ".bin"}, {SwapWords(data_), "swapped .bin"}};
  for (const auto& [bytes, what] : uploads) {
    Status s = dev_->Program(bytes, "design_1.bit", false);
    ASSERT_TRUE(s.ok()) << what << ": " << s.error().message;
    ExpectPowerOn(what);
    Scribble();
  }
}

TEST_F(VivadoBitstreamTest, TheFileHashAloneIdentifiesTheBit) {
  // A package whose data hash is of something else still takes the .bit by its file hash.
  nlohmann::json entry = VivadoEntry(bit_, "other data");
  Make(Copy("power_on", List({entry})));
  Status s = dev_->Program(bit_, "design_1.bit", false);
  ASSERT_TRUE(s.ok()) << s.error().message;
  ExpectPowerOn("by file hash");
}

TEST_F(VivadoBitstreamTest, ABitForAnotherPartIsRefusedNamingBothParts) {
  Make(Copy("power_on", OneClaim()));
  // The same data in a .bit for a Zynq-7000 part, as Vivado writes that part's name.
  ExpectRefused(FakeVivadoBit("7z020clg400", data_),
                {"a Vivado bitstream for part 7z020clg400 (Zynq-7000)",
                 "this board (ZCU104) is xczu7ev-ffvc1156-2-e (Zynq UltraScale+)"});
  ExpectRefused(FakeVivadoBit("xczu9eg-ffvb1156-2-e", data_),
                {"part xczu9eg-ffvb1156-2-e", "xczu7ev-ffvc1156-2-e"});
  // Vivado's short form of the board's own part is the board's part.
  const std::string short_part = FakeVivadoBit("zu7ev-ffvc1156-2-e", data_);
  Status s = dev_->Program(short_part, "design_1.bit", false);
  ASSERT_TRUE(s.ok()) << s.error().message;  // by its data hash
  ExpectPowerOn("short part name");
}

TEST_F(VivadoBitstreamTest, NoPackageImportedFromItIsAClearError) {
  Make(Copy("power_on", OneClaim()));
  const std::string other = FakeConfigData(8);
  for (const std::string& bytes : {FakeVivadoBit(kPart, other), other, SwapWords(other)}) {
    ExpectRefused(bytes, {"design_1.bit: bad bitstream: not a pynq-remote sim bitstream",
                          "a Vivado bitstream (.bit, or the .bin made from it) is accepted only "
                          "when a design package on this board was imported from it "
                          "(`pynq-remote-design import --bit`)",
                          "SHA-256 " + Sha256Hex(bytes).substr(0, 16)});
  }
  // A damaged sim bitstream keeps its own error: it is no Vivado bitstream.
  std::string sim = ReadFile(package_ + "/power_on.bit");
  sim[sim.size() - 1] ^= 0x5A;
  ExpectRefused(sim, {"CRC32 mismatch"});
  // And the package's real sim .bit still loads after all that.
  ASSERT_TRUE(dev_->Program(ReadFile(package_ + "/power_on.bit"), "power_on.bit", false).ok());
  ExpectPowerOn("sim .bit");
}

TEST_F(VivadoBitstreamTest, TwoPackagesClaimingOneVivadoBitstreamRefuseTheSecond) {
  const nlohmann::json claim = OneClaim();
  const std::string first = Copy("packages/a", claim);
  // Same data hash, another file (a header of another date): still the same bitstream.
  nlohmann::json second_claim =
      List({VivadoEntry(bit_ + "x", "also other"), VivadoEntry("y", data_)});
  const std::string second = Copy("packages/b", second_claim, "power_on_b");
  std::vector<std::string> refusals;
  std::vector<PackageDescriptor> packages =
      ScanDesignPackages({dir_.path() + "/packages"}, &refusals);
  ASSERT_EQ(packages.size(), 2u);
  DesignCatalog catalog;
  catalog.Load(packages, {"ZCU104", "zynqmp", kPart}, &refusals);
  ASSERT_EQ(refusals.size(), 1u);
  EXPECT_EQ(refusals[0].rfind(second + ": its Vivado bitstream (SHA-256 " +
                                  Sha256Hex(data_).substr(0, 16) + "...) is already claimed by " +
                                  first + " (design 'power_on')",
                              0),
            0u)
      << refusals[0];
  ASSERT_NE(catalog.FindVivado(Sha256Hex(bit_)), nullptr);
  EXPECT_EQ(catalog.FindVivado(Sha256Hex(bit_))->origin, first);
  EXPECT_EQ(catalog.FindVivado(Sha256Hex(data_))->origin, first);
  EXPECT_EQ(catalog.FindVivado(Sha256Hex("y")), nullptr);
  EXPECT_EQ(catalog.Find("power_on_b"), nullptr);
}

TEST_F(VivadoBitstreamTest, EveryProgramStartsFromThePowerOnState) {
  Make(Copy("power_on", OneClaim()));
  const std::string sim_bit = ReadFile(package_ + "/power_on.bit");
  ASSERT_TRUE(dev_->Program(sim_bit, "power_on.bit", false).ok());
  ExpectPowerOn("first program");
  // Reprogramming the same design: a reset alone would keep INIT_VALUE and INIT_BLOCK (the
  // RTL never resets them); a fresh model has its initial values again.
  Scribble();
  ASSERT_TRUE(dev_->Program(sim_bit, "power_on.bit", false).ok());
  ExpectPowerOn("the same sim .bit again");
  Scribble();
  ASSERT_TRUE(dev_->Program(SwapWords(data_), "design_1.bin", false).ok());
  ExpectPowerOn("the Vivado .bin of the same design");
  // Another design in between, then this one again.
  Scribble();
  const std::string ref =
      ReadFile(std::string(PYNQ_REMOTE_DESIGNS_DIR) + "/ref_accel/ref_accel.bit");
  ASSERT_TRUE(dev_->Program(ref, "ref_accel.bit", false).ok());
  EXPECT_EQ(dev_->State().design, "ref_accel");
  ASSERT_TRUE(dev_->Program(bit_, "design_1.bit", false).ok());
  ExpectPowerOn("after another design");
  // And after a failed program, which empties the PL.
  Scribble();
  EXPECT_FALSE(dev_->Program("garbage!", "x.bit", false).ok());
  ASSERT_TRUE(dev_->Program(sim_bit, "power_on.bit", false).ok());
  ExpectPowerOn("after a refused bitstream");
}

// The power_on package's hand-written top cannot say its busy covers everything, so the board
// keeps the trailing window after reads too; a design.json claiming completeness (as
// pynq-remote-design writes for a generated top that ORs every core's busy) makes reads lazy.
TEST_F(VivadoBitstreamTest, TheTrailingWindowFollowsDesignJsonsBusyComplete) {
  nlohmann::json d = nlohmann::json::parse(ReadFile(package_ + "/design.json"));
  EXPECT_EQ(d.value("busy_complete", true), false);  // format 1: a hand-written top
  const std::string sim_bit = ReadFile(package_ + "/power_on.bit");
  for (const bool complete : {false, true}) {
    const std::string copy = Copy(complete ? "complete" : "incomplete", List({}));
    nlohmann::json descriptor = nlohmann::json::parse(ReadFile(copy + "/design.json"));
    if (complete) {
      descriptor["busy_complete"] = true;
    } else {
      descriptor.erase("busy_complete");  // a package from before the flag
    }
    WriteFile(copy + "/design.json", descriptor.dump(2));
    dev_.reset();
    SimOptions options;
    options.design_dirs = {copy};
    dev_ = CreateSimDevice(options);
    ASSERT_NE(dev_, nullptr);
    ASSERT_TRUE(dev_->Program(sim_bit, "power_on.bit", false).ok());
    const std::optional<uint64_t> ran = WaitRunnerIdle(*dev_, std::chrono::seconds(60));
    ASSERT_TRUE(ran);
    EXPECT_EQ(Read(kId), kPowerOnId);
    const uint64_t after_read = complete ? 0 : options.trailing_cycles;
    EXPECT_EQ(WaitRunnerIdle(*dev_, std::chrono::seconds(60)), *ran + after_read) << complete;
    Write(kResetValue, 5);
    const uint64_t after_write = complete ? options.settle_cycles : options.trailing_cycles;
    EXPECT_EQ(WaitRunnerIdle(*dev_, std::chrono::seconds(60)), *ran + after_read + after_write)
        << complete;
  }
}

}  // namespace
}  // namespace pynq_remote::sim
