// The server's .hwh address-map reader: real Vivado files, the generated sim designs, and
// hand-made bad input (every one an error naming the line, none a crash).
#include "overlay/hwh_address_map.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace pynq_remote::overlay {
namespace {

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// A minimal ZynqMP .hwh whose PS maps `ranges` (MEMRANGE elements, one a line from line 4).
std::string Hwh(const std::string& ranges, const std::string& modtype = "zynq_ultra_ps_e") {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         "<EDKSYSTEM>\n"
         "<MODULES><MODULE INSTANCE=\"ps\" MODTYPE=\"" +
         modtype + "\"><MEMORYMAP>\n" + ranges +
         "</MEMORYMAP></MODULE></MODULES>\n"
         "</EDKSYSTEM>\n";
}

std::string Range(const std::string& base, const std::string& high,
                  const std::string& memtype = "REGISTER", const std::string& instance = "ip_0",
                  const std::string& interface = "S_AXI") {
  return "<MEMRANGE BASEVALUE=\"" + base + "\" HIGHVALUE=\"" + high + "\" INSTANCE=\"" + instance +
         "\" MEMTYPE=\"" + memtype + "\" SLAVEBUSINTERFACE=\"" + interface + "\"/>\n";
}

// The error message for `text`, which must not parse.
std::string ErrorOf(const std::string& text) {
  Result<std::vector<OverlayWindow>> windows = ParseHwhAddressMap(text, "t.hwh");
  EXPECT_FALSE(windows.ok()) << "parsed: " << text.substr(0, 200);
  if (windows.ok()) return "";
  EXPECT_EQ(windows.error().code, ErrorCode::kInvalidArgument);
  return windows.error().message;
}

// Third-party test data: PYNQ_REMOTE_TESTDATA_DIR from the environment (ctest sets it), else
// where the build found it.
std::filesystem::path TestDataDir() {
  const char* named = std::getenv("PYNQ_REMOTE_TESTDATA_DIR");
  return named != nullptr && *named != '\0' ? named : PYNQ_REMOTE_TESTDATA_DIR;
}

bool InCi() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

TEST(HwhAddressMap, RealVivadoResizerHwhMapsTheDmaAndTheHlsBlock) {
  const std::filesystem::path hwh = TestDataDir() / "hwh" / "zcu104_resizer.hwh";
  if (!std::filesystem::is_regular_file(hwh)) {
    // CI must not lose the comparison quietly; elsewhere a missing download is no failure.
    const std::string reason =
        "third-party test data hwh/zcu104_resizer.hwh is not in " + TestDataDir().string() +
        " (PYNQ_REMOTE_TESTDATA_DIR): it is Xilinx/PYNQ-HelloWorld (BSD-3-Clause) "
        "boards/ZCU104/resizer/bitstream/resizer.hwh at commit "
        "a48e7aa65121b62f90b14f9d2f87afbef97d33da; run ci/fetch-testdata.sh DIR and set "
        "PYNQ_REMOTE_TESTDATA_DIR=DIR";
    if (InCi()) FAIL() << "CI=true: " << reason;
    GTEST_SKIP() << reason;
  }
  const std::string text = ReadFile(hwh);
  ASSERT_FALSE(text.empty()) << hwh << " is empty";
  Result<std::vector<OverlayWindow>> windows = ParseHwhAddressMap(text, "zcu104_resizer.hwh");
  ASSERT_TRUE(windows.ok()) << windows.error().message;
  // Only the PS's map: the DMA's own MEMORYMAP (HP0 DDR and OCM) is not what the PS reaches.
  const std::vector<OverlayWindow> expected = {
      {"axi_dma_0", "S_AXI_LITE", 0xA0000000, 0x1000},
      {"resize_accel_0", "s_axi_AXILiteS", 0xA0010000, 0x10000},
  };
  EXPECT_EQ(windows.value(), expected);
}

TEST(HwhAddressMap, EveryGeneratedDesignParsesIntoPlWindows) {
  const std::filesystem::path dir = PYNQ_REMOTE_DESIGNS_DIR;
  if (!std::filesystem::is_directory(dir)) GTEST_SKIP() << dir << " not built";
  int designs = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::filesystem::path hwh = entry.path() / (entry.path().filename().string() + ".hwh");
    if (!std::filesystem::exists(hwh)) continue;
    ++designs;
    Result<std::vector<OverlayWindow>> windows = ParseHwhAddressMap(ReadFile(hwh), hwh.string());
    ASSERT_TRUE(windows.ok()) << windows.error().message;
    EXPECT_FALSE(windows.value().empty()) << hwh;
    for (const OverlayWindow& w : windows.value()) {
      // Inside the PS master windows of either family (sim/board/boards.json): ZynqMP
      // M_AXI_HPM0_LPD/HPM0_FPD/HPM1_FPD 0x8000_0000..0xBFFF_FFFF, Zynq-7000 M_AXI_GP0/GP1
      // 0x4000_0000..0xBFFF_FFFF.
      EXPECT_GE(w.base, 0x40000000u) << hwh << " " << w.instance;
      EXPECT_LE(w.base + w.size, 0xC0000000u) << hwh << " " << w.instance;
      EXPECT_FALSE(w.instance.empty());
      EXPECT_FALSE(w.slave_interface.empty());
    }
  }
  if (designs == 0) GTEST_SKIP() << "no generated .hwh in " << dir;
}

TEST(HwhAddressMap, KeepsRegistersSkipsMemoriesSortsAndDropsDuplicates) {
  const std::string text =
      Hwh(Range("0xB0000000", "0xB000FFFF", "REGISTER", "gpio_0", "S_AXI") +
          Range("0x00000000", "0x7FFFFFFF", "MEMORY", "ps", "S_AXI_HP0_FPD") +
          Range("0xA0000000", "0xA0000FFF", "REGISTER", "dma_0", "S_AXI_LITE") +
          Range("0xb0000000", "0XB000ffff", "REGISTER", "gpio_0", "S_AXI"));
  Result<std::vector<OverlayWindow>> windows = ParseHwhAddressMap(text);
  ASSERT_TRUE(windows.ok()) << windows.error().message;
  const std::vector<OverlayWindow> expected = {
      {"dma_0", "S_AXI_LITE", 0xA0000000, 0x1000},
      {"gpio_0", "S_AXI", 0xB0000000, 0x10000},
  };
  EXPECT_EQ(windows.value(), expected);
}

TEST(HwhAddressMap, RangesInTheHighPlWindowsKeepTheirFullAddress) {
  // Vivado writes a ZynqMP HPM port's high window as is (Ultra96-V2 overlays put IP there).
  Result<std::vector<OverlayWindow>> windows =
      ParseHwhAddressMap(Hwh(Range("0x400000000", "0x40000007F", "REGISTER", "blinkled_0", "saxi") +
                             Range("0xA0000000", "0xA000FFFF", "REGISTER", "dma_0", "S_AXI_LITE")));
  ASSERT_TRUE(windows.ok()) << windows.error().message;
  const std::vector<OverlayWindow> expected = {
      {"dma_0", "S_AXI_LITE", 0xA0000000, 0x10000},
      {"blinkled_0", "saxi", 0x400000000, 0x80},
  };
  EXPECT_EQ(windows.value(), expected);
  EXPECT_TRUE(WindowsContain(windows.value(), 0x40000007C, 4));
  EXPECT_FALSE(WindowsContain(windows.value(), 0x7C, 4));  // not its low 32 bits
}

TEST(HwhAddressMap, Zynq7000PsAndAByteOrderMarkAndAPsWithoutMap) {
  Result<std::vector<OverlayWindow>> zynq = ParseHwhAddressMap(
      "\xEF\xBB\xBF" + Hwh(Range("0x43C00000", "0x43C0FFFF"), "processing_system7"));
  ASSERT_TRUE(zynq.ok()) << zynq.error().message;
  ASSERT_EQ(zynq.value().size(), 1u);
  EXPECT_EQ(zynq.value()[0].base, 0x43C00000u);
  EXPECT_EQ(zynq.value()[0].size, 0x10000u);

  Result<std::vector<OverlayWindow>> bare = ParseHwhAddressMap(
      "<EDKSYSTEM><MODULES><MODULE MODTYPE=\"zynq_ultra_ps_e\"/></MODULES></EDKSYSTEM>");
  ASSERT_TRUE(bare.ok()) << bare.error().message;
  EXPECT_TRUE(bare.value().empty());
}

TEST(HwhAddressMap, NotXmlSaysWhereItBroke) {
  const std::string message = ErrorOf("<EDKSYSTEM>\n<MODULES>\n<MODULE>\n</MODULES>\n");
  EXPECT_NE(message.find("t.hwh:"), std::string::npos) << message;
  EXPECT_NE(message.find("not well-formed XML"), std::string::npos) << message;
  EXPECT_NE(ErrorOf("").find("empty"), std::string::npos);
  EXPECT_NE(ErrorOf("\x89PNG\r\n\x1a\n").find("XML"), std::string::npos);
}

TEST(HwhAddressMap, WrongRootNoPsAndTwoPsAreRefused) {
  EXPECT_NE(ErrorOf("<html><body/></html>").find("EDKSYSTEM"), std::string::npos);
  EXPECT_NE(ErrorOf("<EDKSYSTEM><MODULES><MODULE MODTYPE=\"axi_dma\"/></MODULES></EDKSYSTEM>")
                .find("partial"),
            std::string::npos);
  const std::string two =
      "<EDKSYSTEM><MODULES>\n<MODULE MODTYPE=\"zynq_ultra_ps_e\"/>\n"
      "<MODULE MODTYPE=\"processing_system7\"/>\n</MODULES></EDKSYSTEM>";
  const std::string message = ErrorOf(two);
  EXPECT_NE(message.find("t.hwh:3:"), std::string::npos) << message;
  EXPECT_NE(message.find("line 2"), std::string::npos) << message;
}

TEST(HwhAddressMap, AddressesMustBeHexAndFit64Bits) {
  EXPECT_NE(ErrorOf(Hwh(Range("", "0xA0000FFF"))).find("empty BASEVALUE"), std::string::npos);
  for (const char* bad : {"0x", "16", "A0000000", "0xG0", "0x1 ", " 0x1", "-0x1",
                          "0x10000000000000000", "0x1_0000", "0x+1"}) {
    const std::string message = ErrorOf(Hwh(Range(bad, "0xA0000FFF")));
    EXPECT_NE(message.find("t.hwh:4: MEMRANGE BASEVALUE"), std::string::npos) << message;
    EXPECT_NE(message.find("not a 0x-prefixed hex"), std::string::npos) << message;
  }
  // Leading zeros do not count against the 64 bits.
  Result<std::vector<OverlayWindow>> zeros =
      ParseHwhAddressMap(Hwh(Range("0x0000000000000000A0000000", "0xA0000FFF")));
  ASSERT_TRUE(zeros.ok()) << zeros.error().message;
  EXPECT_EQ(zeros.value()[0].base, 0xA0000000u);
}

TEST(HwhAddressMap, RangesMustNotRunBackwardsOrToTheTopOfTheAddressSpace) {
  EXPECT_NE(ErrorOf(Hwh(Range("0xA0001000", "0xA0000FFF"))).find("below its BASEVALUE"),
            std::string::npos);
  EXPECT_NE(ErrorOf(Hwh(Range("0x0", "0xFFFFFFFFFFFFFFFF"))).find("top of the 64-bit"),
            std::string::npos);
  EXPECT_NE(ErrorOf(Hwh(Range("0xFFFFFFFFFFFFF000", "0xFFFFFFFFFFFFFFFF"))).find("top"),
            std::string::npos);
  // One byte is a window.
  Result<std::vector<OverlayWindow>> one = ParseHwhAddressMap(Hwh(Range("0xA0", "0xA0")));
  ASSERT_TRUE(one.ok()) << one.error().message;
  EXPECT_EQ(one.value()[0].size, 1u);
}

TEST(HwhAddressMap, MissingAttributesAreNamed) {
  EXPECT_NE(ErrorOf(Hwh("<MEMRANGE HIGHVALUE=\"0x1\" MEMTYPE=\"REGISTER\"/>"))
                .find("no BASEVALUE attribute"),
            std::string::npos);
  EXPECT_NE(ErrorOf(Hwh("<MEMRANGE BASEVALUE=\"0x0\" MEMTYPE=\"REGISTER\"/>"))
                .find("no HIGHVALUE attribute"),
            std::string::npos);
  EXPECT_NE(ErrorOf(Hwh("<MEMRANGE BASEVALUE=\"0x0\" HIGHVALUE=\"0x1\" INSTANCE=\"a\"/>"))
                .find("no MEMTYPE attribute"),
            std::string::npos);
  EXPECT_NE(ErrorOf(Hwh("<MEMRANGE BASEVALUE=\"0x0\" HIGHVALUE=\"0x1\" MEMTYPE=\"REGISTER\" "
                        "SLAVEBUSINTERFACE=\"S\"/>"))
                .find("no INSTANCE attribute"),
            std::string::npos);
  EXPECT_NE(ErrorOf(Hwh("<MEMRANGE BASEVALUE=\"0x0\" HIGHVALUE=\"0x1\" MEMTYPE=\"REGISTER\" "
                        "INSTANCE=\"a\"/>"))
                .find("no SLAVEBUSINTERFACE attribute"),
            std::string::npos);
  // Found by fuzz_hwh: an empty name is as useless as none.
  EXPECT_NE(ErrorOf(Hwh(Range("0xA0000000", "0xA0000FFF", "REGISTER", ""))).find("empty INSTANCE"),
            std::string::npos);
  EXPECT_NE(ErrorOf(Hwh(Range("0xA0000000", "0xA0000FFF", "REGISTER", "ip", "")))
                .find("empty SLAVEBUSINTERFACE"),
            std::string::npos);
  EXPECT_NE(ErrorOf(Hwh(Range("0xA0000000", "0xA0000FFF", ""))).find("empty MEMTYPE"),
            std::string::npos);
  // A memory needs no instance: it is skipped.
  Result<std::vector<OverlayWindow>> memory = ParseHwhAddressMap(
      Hwh("<MEMRANGE BASEVALUE=\"0x0\" HIGHVALUE=\"0xFFF\" MEMTYPE=\"MEMORY\"/>"));
  ASSERT_TRUE(memory.ok()) << memory.error().message;
  EXPECT_TRUE(memory.value().empty());
}

TEST(HwhAddressMap, HugeDeepNulAndLongValuesAreErrorsNotCrashes) {
  EXPECT_NE(ErrorOf(std::string(kMaxHwhBytes + 1, ' ')).find("more than"), std::string::npos);
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "<a>";
  EXPECT_NE(ErrorOf(deep).find("nested more than 100"), std::string::npos);
  const std::string utf16("<\0E\0D\0K\0", 8);
  EXPECT_NE(ErrorOf(utf16).find("NUL byte"), std::string::npos);
  // A megabyte of attribute is quoted in 64 characters, not echoed whole.
  const std::string message = ErrorOf(Hwh(Range("0x" + std::string(1 << 20, 'Z'), "0x1")));
  EXPECT_LT(message.size(), 300u) << message.substr(0, 300);
}

TEST(WindowsContain, InsideOneWindowOnly) {
  const std::vector<OverlayWindow> windows = {
      {"a", "S", 0xA0000000, 0x1000},
      {"b", "S", 0xA0001000, 0x1000},
      {"top", "S", 0xFFFFFFFFFFFFF000, 0xFFF},
  };
  EXPECT_TRUE(WindowsContain(windows, 0xA0000000, 4));
  EXPECT_TRUE(WindowsContain(windows, 0xA0000FFC, 4));
  EXPECT_TRUE(WindowsContain(windows, 0xA0000000, 0x1000));
  EXPECT_TRUE(WindowsContain(windows, 0xA0001800, 0));
  EXPECT_FALSE(WindowsContain(windows, 0xA0000FFC, 8));  // spans a and b
  EXPECT_FALSE(WindowsContain(windows, 0x9FFFFFFC, 8));
  EXPECT_FALSE(WindowsContain(windows, 0xA0002000, 1));
  EXPECT_FALSE(WindowsContain(windows, 0xA0002000, 0));
  EXPECT_TRUE(WindowsContain(windows, 0xFFFFFFFFFFFFFFF0, 8));
  EXPECT_FALSE(WindowsContain(windows, 0xFFFFFFFFFFFFFFF8, 16));  // wraps
  EXPECT_FALSE(WindowsContain(windows, 0xA0000000, UINT64_MAX));
  EXPECT_FALSE(WindowsContain({}, 0, 0));
}

}  // namespace
}  // namespace pynq_remote::overlay
