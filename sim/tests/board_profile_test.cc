#include "board/board_profile.h"

#include <gtest/gtest.h>

#include <set>

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
      EXPECT_LE(w.base + w.size, 1ull << 32) << w.name;
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
  EXPECT_EQ(kv->irq_ports[1].name, "pl_ps_irq1");
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
           "irq": {"ports": [{"name": "I", "lines": 16}]}})";
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
  ExpectRefused(Doc(Board("B") + "," + Board("b")), "share a name");
  std::string no_irq = Board();
  no_irq.replace(no_irq.find("\"lines\": 16"), 11, "\"lines\": 17");
  ExpectRefused(Doc(no_irq), "more than 16");
}

}  // namespace
}  // namespace pynq_remote::sim
