#include "board/board_profile.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "sim/sim_device.h"

namespace pynq_remote::sim {
namespace {

TEST(BoardProfile, TheEmbeddedFileParsesIntoTheSevenBoards) {
  ASSERT_EQ(BoardProfilesError(), "");
  EXPECT_EQ(BoardProfileNames(),
            (std::vector<std::string>{"ZCU104", "ZCU102", "KV260", "Ultra96-V2", "Pynq-Z1",
                                      "Pynq-Z2", "ZC702"}));
  // What the embedded text says is what the board runs on.
  Result<std::vector<BoardProfile>> again = ParseBoardProfiles(EmbeddedBoardsJson());
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again.value().size(), BoardProfiles().size());
}

TEST(BoardProfile, EveryProfileIsAConsistentMap) {
  std::set<std::string> names, parts;
  for (const BoardProfile& p : BoardProfiles()) {
    SCOPED_TRACE(p.name);
    EXPECT_TRUE(names.insert(p.name).second);
    EXPECT_TRUE(parts.insert(p.board_part).second);
    EXPECT_EQ(p.ddr_base, 0u);
    EXPECT_GT(p.ddr_size, 0u);
    EXPECT_LE(p.ddr_size, 2ull << 30);
    EXPECT_GE(p.ddr_installed, p.ddr_size);
    EXPECT_GE(p.cma_base, p.ddr_base);
    EXPECT_LE(p.cma_base + p.cma_size, p.ddr_base + p.ddr_size);
    EXPECT_EQ(p.irq_lines(), 16u);
    ASSERT_FALSE(p.slave_ports.empty());
    for (size_t i = 0; i < p.pl_windows.size(); ++i) {
      const AddressWindow& w = p.pl_windows[i];
      EXPECT_GE(w.base, p.ddr_base + p.ddr_size) << w.name << " overlaps DDR";
      // Inside 4 GiB, or a ZynqMP port's high window inside its 40-bit physical addresses.
      if (w.base >= 1ull << 32) {
        EXPECT_EQ(p.family, PsFamily::kZynqMP) << w.name;
        EXPECT_LE(w.base + w.size, 1ull << 40) << w.name;
      } else {
        EXPECT_LE(w.base + w.size, 1ull << 32) << w.name;
      }
      for (size_t j = 0; j < i; ++j) {
        const AddressWindow& o = p.pl_windows[j];
        EXPECT_TRUE(w.base >= o.base + o.size || o.base >= w.base + w.size)
            << w.name << " overlaps " << o.name;
      }
    }
  }
}

TEST(BoardProfile, FamiliesHaveTheirPortsArchAndWindows) {
  const BoardProfile* z2 = FindBoardProfile("Pynq-Z2");
  ASSERT_NE(z2, nullptr);
  EXPECT_EQ(z2->family, PsFamily::kZynq7000);
  EXPECT_EQ(z2->family_id, "zynq7000");
  EXPECT_EQ(z2->arch, "armv7l");
  EXPECT_EQ(z2->part, "xc7z020clg400-1");
  EXPECT_EQ(z2->ddr_size, 512ull << 20);
  ASSERT_EQ(z2->pl_windows.size(), 2u);
  EXPECT_EQ(z2->pl_windows[0].name, "M_AXI_GP0");
  EXPECT_EQ(z2->pl_windows[0].base, 0x40000000u);
  EXPECT_EQ(z2->pl_windows[1].name, "M_AXI_GP1");
  EXPECT_EQ(z2->pl_windows[1].base, 0x80000000u);
  EXPECT_EQ(z2->FindPlWindow(0x7FFFFFFC, 4)->name, "M_AXI_GP0");
  EXPECT_EQ(z2->FindPlWindow(0x7FFFFFFE, 4), nullptr);  // straddles GP0 and GP1
  ASSERT_NE(z2->FindSlavePort("hp0"), nullptr);
  EXPECT_EQ(z2->FindSlavePort("hp0")->name, "S_AXI_HP0");
  EXPECT_EQ(z2->slave_ports[0].name, "S_AXI_HP0");  // the legacy single-bundle port
  EXPECT_FALSE(z2->FindSlavePort("S_AXI_HP0")->Takes(128));
  EXPECT_TRUE(z2->FindSlavePort("acp")->Takes(64));
  EXPECT_EQ(z2->FindSlavePort("hpc0"), nullptr);
  ASSERT_EQ(z2->irq_ports.size(), 1u);
  EXPECT_EQ(z2->ps_gpio.label, "zynq_gpio");
  EXPECT_EQ(z2->ps_gpio.base, 906);
  EXPECT_EQ(z2->ps_gpio.mio_pins + z2->ps_gpio.emio_pins, 118);
  EXPECT_EQ(z2->irq_ports[0].name, "IRQ_F2P");

  const BoardProfile* kv = FindBoardProfile("KV260");
  ASSERT_NE(kv, nullptr);
  EXPECT_EQ(kv->family, PsFamily::kZynqMP);
  EXPECT_EQ(kv->arch, "aarch64");
  EXPECT_EQ(kv->part, "xck26-sfvc784-2LV-c");
  EXPECT_EQ(kv->ddr_size, 2ull << 30);  // the low region of its 4 GiB
  EXPECT_EQ(kv->ddr_installed, 4ull << 30);
  EXPECT_EQ(kv->FindPlWindow(0xA0000000, 4)->name, "M_AXI_HPM0_FPD");
  EXPECT_EQ(kv->FindPlWindow(0xB0000000, 4)->name, "M_AXI_HPM1_FPD");
  EXPECT_EQ(kv->FindPlWindow(0x80000000, 4)->name, "M_AXI_HPM0_LPD");
  EXPECT_TRUE(kv->FindSlavePort("S_AXI_HPC1_FPD")->Takes(128));
  EXPECT_EQ(kv->slave_ports[0].name, "S_AXI_HP0_FPD");
  ASSERT_EQ(kv->irq_ports.size(), 2u);
  EXPECT_EQ(kv->ps_gpio.label, "zynqmp_gpio");
  EXPECT_EQ(kv->ps_gpio.base, 338);
  EXPECT_EQ(kv->ps_gpio.mio_pins + kv->ps_gpio.emio_pins, 174);
  EXPECT_EQ(kv->irq_ports[1].name, "pl_ps_irq1");
}

TEST(BoardProfile, ZynqMpHpmPortsHaveTheirHighWindows) {
  // UG1085's system address map: M_AXI_HPM0_FPD also answers 0x4_0000_0000..0x4_FFFF_FFFF,
  // M_AXI_HPM1_FPD 0x5_0000_0000..0x5_FFFF_FFFF; M_AXI_HPM0_LPD has only its 512 MiB.
  for (const char* board : {"ZCU104", "ZCU102", "KV260", "Ultra96-V2"}) {
    SCOPED_TRACE(board);
    const BoardProfile* p = FindBoardProfile(board);
    ASSERT_NE(p, nullptr);
    std::vector<std::pair<std::string, uint64_t>> windows;
    for (const AddressWindow& w : p->pl_windows) windows.emplace_back(w.name, w.base);
    EXPECT_EQ(windows,
              (std::vector<std::pair<std::string, uint64_t>>{{"M_AXI_HPM0_FPD", 0xA0000000},
                                                             {"M_AXI_HPM0_FPD", 0x400000000},
                                                             {"M_AXI_HPM1_FPD", 0xB0000000},
                                                             {"M_AXI_HPM1_FPD", 0x500000000},
                                                             {"M_AXI_HPM0_LPD", 0x80000000}}));
    ASSERT_NE(p->FindPlWindow(0x400000010, 4), nullptr);
    EXPECT_EQ(p->FindPlWindow(0x400000010, 4)->name, "M_AXI_HPM0_FPD");
    EXPECT_EQ(p->FindPlWindow(0x400000010, 4)->size, 1ull << 32);
    EXPECT_EQ(p->FindPlWindow(0x4FFFFFFFC, 4)->name, "M_AXI_HPM0_FPD");
    EXPECT_EQ(p->FindPlWindow(0x500000000, 8)->name, "M_AXI_HPM1_FPD");
    EXPECT_EQ(p->FindPlWindow(0x4FFFFFFFC, 8), nullptr);  // straddles the two high windows
    EXPECT_EQ(p->FindPlWindow(0x600000000, 4), nullptr);
    EXPECT_EQ(p->FindPlWindow(0x3FFFFFFFC, 4), nullptr);
  }
  for (const char* board : {"Pynq-Z1", "Pynq-Z2", "ZC702"}) {
    for (const AddressWindow& w : FindBoardProfile(board)->pl_windows) {
      EXPECT_LT(w.base, 1ull << 32) << board << " " << w.name;
    }
  }
}

TEST(BoardProfile, LookupByAnyCaseAndByBoardPart) {
  EXPECT_EQ(FindBoardProfile("pynq-z2")->name, "Pynq-Z2");
  EXPECT_EQ(FindBoardProfile("ULTRA96-V2")->name, "Ultra96-V2");
  EXPECT_EQ(FindBoardProfile("tul.com.tw:pynq-z2:part0:1.0")->name, "Pynq-Z2");
  EXPECT_EQ(FindBoardProfile("xilinx.com:zcu104:part0:1.1")->name, "ZCU104");
  // Another revision of the same board part still names the board.
  EXPECT_EQ(FindBoardProfile("xilinx.com:zcu102:part0:3.1")->name, "ZCU102");
  EXPECT_EQ(FindBoardProfile("ZedBoard"), nullptr);
  EXPECT_EQ(FindBoardProfile(""), nullptr);
  EXPECT_EQ(FindBoardProfile("xilinx.com:zcu106:part0:2.6"), nullptr);
  EXPECT_EQ(UnknownBoardMessage("ZedBoard"),
            "no board profile 'ZedBoard'; known boards: ZCU104, ZCU102, KV260, Ultra96-V2, "
            "Pynq-Z1, Pynq-Z2, ZC702");
}

TEST(BoardProfile, DescribeBoardForCallersOutsideSim) {
  BoardSummary z1 = DescribeBoard("pynq-z1");
  EXPECT_TRUE(z1.found);
  EXPECT_EQ(z1.name, "Pynq-Z1");
  EXPECT_EQ(z1.family, "zynq7000");
  EXPECT_EQ(z1.board_part, "www.digilentinc.com:pynq-z1:part0:1.0");
  EXPECT_EQ(z1.arch, "armv7l");
  BoardSummary none = DescribeBoard("Zybo");
  EXPECT_FALSE(none.found);
  EXPECT_NE(none.error.find("known boards: ZCU104"), std::string::npos) << none.error;
}

// A minimal valid profile document with one field replaced.
std::string Doc(const std::string& board) { return R"({"boards": [)" + board + "]}"; }

std::string Board(const std::string& name = "B", const std::string& family = "zynqmp",
                  const std::string& arch = "aarch64", const std::string& ddr_size = "0x40000000",
                  const std::string& windows =
                      R"([{"name": "W0", "base": "0xA0000000", "size": "0x10000000"}])") {
  return R"({"name": ")" + name + R"(", "family": ")" + family + R"(", "board_part": "v:)" + name +
         R"(:part0:1.0", "part": "p", "arch": ")" + arch +
         R"(", "ddr": {"base": "0x0", "size": ")" + ddr_size +
         R"("}, "cma": {"base": "0x0", "size": "0x1000"}, "ps_master_ports": )" + windows +
         R"(, "ps_slave_ports": [{"name": "S", "short": "s", "data_bits": [32]}],
           "irq": {"ports": [{"name": "I", "lines": 16}]}, "ps_gpio": )" +
         (family == "zynq7000"
              ? R"({"label": "zynq_gpio", "base": 906, "mio_pins": 54, "emio_pins": 64})"
              : R"({"label": "zynqmp_gpio", "base": 338, "mio_pins": 78, "emio_pins": 96})") +
         "}";
}

void ExpectRefused(const std::string& text, const std::string& why) {
  Result<std::vector<BoardProfile>> r = ParseBoardProfiles(text);
  ASSERT_FALSE(r.ok()) << text;
  EXPECT_NE(r.error().message.find(why), std::string::npos) << r.error().message;
}

TEST(BoardProfile, MalformedFilesAreRefusedWithAReason) {
  ASSERT_TRUE(ParseBoardProfiles(Doc(Board())).ok())
      << ParseBoardProfiles(Doc(Board())).error().message;
  ExpectRefused("", "boards.json");
  ExpectRefused("{\"boards\": [", "boards.json");
  ExpectRefused("[1, 2]", "expected an object");
  ExpectRefused(R"({"boards": []})", "\"boards\" must be a list");
  ExpectRefused(Doc(Board("B", "versal")), "family \"versal\"");
  ExpectRefused(Doc(Board("B", "zynq7000", "aarch64")), "runs armv7l");
  ExpectRefused(Doc(Board("B", "zynqmp", "aarch64", "0x100000000")), "(0, 2 GiB]");
  ExpectRefused(Doc(Board("B", "zynqmp", "aarch64", "lots")), "address or size");
  ExpectRefused(Doc(Board("B", "zynqmp", "aarch64", "0x40000000",
                          R"([{"name": "W0", "base": "0x20000000", "size": "0x1000"}])")),
                "W0 overlaps the DDR");
  ExpectRefused(Doc(Board("B", "zynqmp", "aarch64", "0x40000000",
                          R"([{"name": "W0", "base": "0xA0000000", "size": "0x10000000"},
                              {"name": "W1", "base": "0xA8000000", "size": "0x1000"}])")),
                "W1 and W0 collide");
  ExpectRefused(Doc(Board("B", "zynqmp", "aarch64", "0x40000000",
                          R"([{"name": "W0", "base": "0xF0000000", "size": "0x20000000"}])")),
                "inside 4 GiB");
  ExpectRefused(Doc(Board("B", "zynqmp", "aarch64", "0x40000000",
                          R"([{"name": "W0", "base": "0xA0000000", "size": "0x1000"},
                              {"name": "W0", "base": "0xB0000000", "size": "0x1000"}])")),
                "W0 is listed twice");
  ExpectRefused(Doc(Board("B") + "," + Board("b")), "share a name");
  std::string wrong_gpio = Board();
  wrong_gpio.replace(wrong_gpio.find("\"emio_pins\": 96"), 15, "\"emio_pins\": 64");
  ExpectRefused(Doc(wrong_gpio), "emio_pins 96");
  std::string no_gpio = Board();
  no_gpio.erase(no_gpio.find(", \"ps_gpio\""));
  ExpectRefused(Doc(no_gpio + "}"), "\"ps_gpio\" is missing");
  std::string no_irq = Board();
  // High windows: ZynqMP only, above 4 GiB, inside 40 bits, clear of every other window.
  auto high = [](const std::string& second) {
    return R"([{"name": "W0", "base": "0xA0000000", "size": "0x10000000",
                "high": {"base": "0x400000000", "size": "0x100000000"}}, )" +
           second + "]";
  };
  const std::string lpd = R"({"name": "W1", "base": "0x80000000", "size": "0x1000"})";
  Result<std::vector<BoardProfile>> two =
      ParseBoardProfiles(Doc(Board("B", "zynqmp", "aarch64", "0x40000000", high(lpd))));
  ASSERT_TRUE(two.ok()) << two.error().message;
  ASSERT_EQ(two.value()[0].pl_windows.size(), 3u);
  EXPECT_EQ(two.value()[0].pl_windows[1].name, "W0");
  EXPECT_EQ(two.value()[0].pl_windows[1].base, 0x400000000u);
  ExpectRefused(Doc(Board("B", "zynq7000", "armv7l", "0x20000000", high(lpd))),
                "W0 has a high window, but a Zynq-7000 has 32-bit physical addresses");
  ExpectRefused(Doc(Board("B", "zynqmp", "aarch64", "0x40000000",
                          high(R"({"name": "W1", "base": "0x80000000", "size": "0x1000",
                         "high": {"base": "0x4FFFFF000", "size": "0x2000"}})"))),
                "W1 and W0 collide");
  ExpectRefused(Doc(Board("B", "zynqmp", "aarch64", "0x40000000",
                          high(R"({"name": "W1", "base": "0x80000000", "size": "0x1000",
                         "high": {"base": "0xB0000000", "size": "0x1000"}})"))),
                "the high window of W1 must be non-empty, above 4 GiB and below 1 TiB");
  ExpectRefused(Doc(Board("B", "zynqmp", "aarch64", "0x40000000",
                          high(R"({"name": "W1", "base": "0x80000000", "size": "0x1000",
                         "high": {"base": "0xFFFFFFF000", "size": "0x2000"}})"))),
                "below 1 TiB");
  ExpectRefused(Doc(Board("B", "zynqmp", "aarch64", "0x40000000",
                          high(R"({"name": "W1", "base": "0x80000000", "size": "0x1000",
                         "high": {"base": "0x600000000", "size": "0x0"}})"))),
                "must be non-empty");
  ExpectRefused(Doc(Board("B", "zynqmp", "aarch64", "0x40000000",
                          high(R"({"name": "W1", "base": "0x80000000", "size": "0x1000",
                                   "high": "0x600000000"})"))),
                "W1 high: expected an object");
  ExpectRefused(Doc(Board("B", "zynqmp", "aarch64", "0x40000000",
                          high(R"({"name": "W1", "base": "0x80000000", "size": "0x1000",
                                   "high": {"base": "up"}})"))),
                "\"base\" must be an address");
  no_irq.replace(no_irq.find("\"lines\": 16"), 11, "\"lines\": 17");
  ExpectRefused(Doc(no_irq), "more than 16");
}

}  // namespace
}  // namespace pynq_remote::sim
