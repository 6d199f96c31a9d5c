#include "zynq/device_tree.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>

#include "tests/test_root.h"

namespace pynq_remote::zynq {
namespace {

// A /proc/device-tree in a temporary directory: one file per property, one directory per node.
class FakeTree {
 public:
  FakeTree() : dir_(root_.path() + "/proc/device-tree") {
    std::filesystem::create_directories(dir_);
  }
  const std::string& dir() const { return dir_; }

  void Prop(const std::string& path, const std::string& bytes) {
    const std::filesystem::path file = dir_ + "/" + path;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << bytes;
  }
  void Node(const std::string& path) { std::filesystem::create_directories(dir_ + "/" + path); }

  // Property encodings: a NUL-terminated string, a NUL-separated list, big-endian cells.
  static std::string Str(const std::string& s) { return s + std::string(1, '\0'); }
  static std::string List(std::initializer_list<const char*> items) {
    std::string out;
    for (const char* s : items) out += Str(s);
    return out;
  }
  static std::string Cells(std::initializer_list<uint32_t> cells) {
    std::string out;
    for (uint32_t c : cells) {
      for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((c >> shift) & 0xFF);
    }
    return out;
  }

 private:
  testing::TestRoot root_;
  std::string dir_;
};

BoardFacts MustRead(const FakeTree& t) {
  Result<BoardFacts> facts = ReadBoardFacts(t.dir());
  EXPECT_TRUE(facts.ok()) << facts.error().message;
  return facts.ok() ? facts.value() : BoardFacts{};
}

DeviceError MustFail(const FakeTree& t) {
  Result<BoardFacts> facts = ReadBoardFacts(t.dir());
  EXPECT_FALSE(facts.ok());
  return facts.ok() ? DeviceError{} : facts.error();
}

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(DeviceTree, ZynqMpBoardFromCompatible) {
  FakeTree t;
  t.Prop("compatible",
         FakeTree::List({"xlnx,zynqmp-zcu104-revC", "xlnx,zynqmp-zcu104", "xlnx,zynqmp"}));
  t.Prop("model", FakeTree::Str("ZynqMP ZCU104 RevC"));
  t.Prop("#address-cells", FakeTree::Cells({2}));
  BoardFacts f = MustRead(t);
  EXPECT_EQ(f.family, PsFamily::kZynqMP);
  EXPECT_EQ(f.compatible, (std::vector<std::string>{"xlnx,zynqmp-zcu104-revC", "xlnx,zynqmp-zcu104",
                                                    "xlnx,zynqmp"}));
  EXPECT_EQ(f.model, "ZynqMP ZCU104 RevC");
  EXPECT_EQ(f.board, "ZCU104");
  EXPECT_EQ(f.part, "xczu7ev-ffvc1156-2-e");
  EXPECT_TRUE(f.reserved.empty());
}

TEST(DeviceTree, Zynq7000BoardFromCompatible) {
  FakeTree t;
  t.Prop("compatible", FakeTree::List({"xlnx,zynq-zc706", "xlnx,zynq-7000"}));
  t.Prop("model", FakeTree::Str("Xilinx ZC706 board"));
  BoardFacts f = MustRead(t);
  EXPECT_EQ(f.family, PsFamily::kZynq7000);
  EXPECT_EQ(f.board, "ZC706");
  EXPECT_EQ(f.part, "xc7z045ffg900-2");

  FakeTree zed;
  zed.Prop("compatible", FakeTree::List({"avnet,zynq-zed", "xlnx,zynq-zed", "xlnx,zynq-7000"}));
  f = MustRead(zed);
  EXPECT_EQ(f.board, "ZedBoard");
  EXPECT_EQ(f.part, "xc7z020clg484-1");
  EXPECT_EQ(f.model, "");  // no model property
}

TEST(DeviceTree, PynqBoardNamesTheBoard) {
  // A PYNQ image's generic Zynq-7000 tree: only chosen/pynq_board (NUL-padded) says which.
  FakeTree t;
  t.Prop("compatible", FakeTree::Str("xlnx,zynq-7000"));
  t.Prop("model", FakeTree::Str("Zynq PYNQ-Z2 Development Board"));
  t.Prop("chosen/pynq_board", std::string("Pynq-Z2\0\0\0\0", 11));
  BoardFacts f = MustRead(t);
  EXPECT_EQ(f.family, PsFamily::kZynq7000);
  EXPECT_EQ(f.board, "Pynq-Z2");
  EXPECT_EQ(f.part, "xc7z020clg400-1");

  // pynq_board wins over the compatible's board name; the part follows the hardware.
  FakeTree zcu;
  zcu.Prop("compatible", FakeTree::List({"xlnx,zynqmp-zcu104", "xlnx,zynqmp"}));
  zcu.Prop("chosen/pynq_board", FakeTree::Str("ZCU104-lab3"));
  f = MustRead(zcu);
  EXPECT_EQ(f.board, "ZCU104-lab3");
  EXPECT_EQ(f.part, "xczu7ev-ffvc1156-2-e");

  // A board name is matched without regard to case.
  FakeTree rfsoc;
  rfsoc.Prop("compatible", FakeTree::Str("xlnx,zynqmp"));
  rfsoc.Prop("chosen/pynq_board", FakeTree::Str("rfsoc4x2"));
  EXPECT_EQ(MustRead(rfsoc).part, "xczu48dr-ffvg1517-2-e");
}

TEST(DeviceTree, UnknownBoardFallsBackToModel) {
  FakeTree t;
  t.Prop("compatible", FakeTree::List({"acme,widget", "xlnx,zynqmp"}));
  t.Prop("model", FakeTree::Str("Acme Widget"));
  BoardFacts f = MustRead(t);
  EXPECT_EQ(f.family, PsFamily::kZynqMP);
  EXPECT_EQ(f.board, "Acme Widget");
  EXPECT_EQ(f.part, "");
}

TEST(DeviceTree, RevisionsAndSpecificity) {
  struct Case {
    std::string compatible;
    const char* board;
    const char* part;
    PsFamily family;
  };
  const Case cases[] = {
      {FakeTree::List({"avnet,ultra96-rev2", "avnet,ultra96-rev1", "avnet,ultra96",
                       "xlnx,zynqmp-zcu100-revC", "xlnx,zynqmp-zcu100", "xlnx,zynqmp"}),
       "Ultra96-V2", "xczu3eg-sbva484-1-i", PsFamily::kZynqMP},
      {FakeTree::List({"avnet,ultra96-rev1", "avnet,ultra96", "xlnx,zynqmp-zcu100-revC",
                       "xlnx,zynqmp-zcu100", "xlnx,zynqmp"}),
       "Ultra96", "xczu3eg-sbva484-1-e", PsFamily::kZynqMP},
      {FakeTree::List({"xlnx,zynqmp-sk-kv260-rev1", "xlnx,zynqmp-sk-kv260-revB",
                       "xlnx,zynqmp-sk-kv260", "xlnx,zynqmp"}),
       "KV260", "xck26-sfvc784-2LV-c", PsFamily::kZynqMP},
      {FakeTree::List({"xlnx,zynqmp-sk-kr260-revB", "xlnx,zynqmp"}), "KR260", "xck26-sfvc784-2LV-c",
       PsFamily::kZynqMP},
      {FakeTree::List({"xlnx,zynqmp-zcu102-rev1.0", "xlnx,zynqmp"}), "ZCU102",
       "xczu9eg-ffvb1156-2-e", PsFamily::kZynqMP},
      {FakeTree::List({"xlnx,zynqmp-zcu111-revA", "xlnx,zynqmp"}), "ZCU111",
       "xczu28dr-ffvg1517-2-e", PsFamily::kZynqMP},
      // No SoC string: the board's family stands in for it.
      {FakeTree::Str("xlnx,zynqmp-zcu208-revA"), "ZCU208", "xczu48dr-fsvg1517-2-e",
       PsFamily::kZynqMP},
      {FakeTree::Str("xlnx,zynq-zc702"), "ZC702", "xc7z020clg484-1", PsFamily::kZynq7000},
  };
  for (const Case& c : cases) {
    FakeTree t;
    t.Prop("compatible", c.compatible);
    BoardFacts f = MustRead(t);
    EXPECT_EQ(f.board, c.board) << c.board;
    EXPECT_EQ(f.part, c.part) << c.board;
    EXPECT_EQ(f.family, c.family) << c.board;
  }
}

TEST(DeviceTree, ReservedMemoryTwoCellsSeveralPairsAndNoMap) {
  FakeTree t;
  t.Prop("compatible", FakeTree::Str("xlnx,zynqmp"));
  t.Prop("reserved-memory/#address-cells", FakeTree::Cells({2}));
  t.Prop("reserved-memory/#size-cells", FakeTree::Cells({2}));
  t.Prop("reserved-memory/ranges", "");
  // Two pairs, one above 4 GiB, kept away from Linux.
  t.Prop("reserved-memory/buffer@60000000/reg",
         FakeTree::Cells({0x0, 0x60000000, 0x0, 0x10000000, 0x8, 0x0, 0x1, 0x0}));
  t.Prop("reserved-memory/buffer@60000000/no-map", "");
  // A pool Linux places itself: a size, no reg.
  t.Prop("reserved-memory/linux,cma/size", FakeTree::Cells({0x0, 0x20000000}));
  t.Prop("reserved-memory/linux,cma/reusable", "");
  // Switched off: Linux ignores it.
  t.Prop("reserved-memory/off@70000000/reg", FakeTree::Cells({0x0, 0x70000000, 0x0, 0x1000}));
  t.Prop("reserved-memory/off@70000000/status", FakeTree::Str("disabled"));
  t.Prop("reserved-memory/pmu@7ff00000/reg", FakeTree::Cells({0x0, 0x7ff00000, 0x0, 0x100000}));
  t.Prop("reserved-memory/pmu@7ff00000/status", FakeTree::Str("okay"));
  BoardFacts f = MustRead(t);
  ASSERT_EQ(f.reserved.size(), 3u);
  EXPECT_EQ(f.reserved[0].name, "buffer@60000000");
  EXPECT_EQ(f.reserved[0].base, 0x60000000u);
  EXPECT_EQ(f.reserved[0].size, 0x10000000u);
  EXPECT_TRUE(f.reserved[0].no_map);
  EXPECT_EQ(f.reserved[1].name, "buffer@60000000#1");
  EXPECT_EQ(f.reserved[1].base, 0x800000000u);
  EXPECT_EQ(f.reserved[1].size, 0x100000000u);
  EXPECT_TRUE(f.reserved[1].no_map);
  EXPECT_EQ(f.reserved[2].name, "pmu@7ff00000");
  EXPECT_EQ(f.reserved[2].base, 0x7ff00000u);
  EXPECT_EQ(f.reserved[2].size, 0x100000u);
  EXPECT_FALSE(f.reserved[2].no_map);
}

TEST(DeviceTree, ReservedMemoryOneCell) {
  FakeTree t;
  t.Prop("compatible", FakeTree::List({"xlnx,zynq-zc702", "xlnx,zynq-7000"}));
  t.Prop("reserved-memory/#address-cells", FakeTree::Cells({1}));
  t.Prop("reserved-memory/#size-cells", FakeTree::Cells({1}));
  t.Prop("reserved-memory/pl@3f000000/reg",
         FakeTree::Cells({0x3f000000, 0x01000000, 0x1f000000, 0x00100000}));
  BoardFacts f = MustRead(t);
  ASSERT_EQ(f.reserved.size(), 2u);
  EXPECT_EQ(f.reserved[0].name, "pl@3f000000");
  EXPECT_EQ(f.reserved[0].base, 0x3f000000u);
  EXPECT_EQ(f.reserved[0].size, 0x01000000u);
  EXPECT_FALSE(f.reserved[0].no_map);
  EXPECT_EQ(f.reserved[1].name, "pl@3f000000#1");
  EXPECT_EQ(f.reserved[1].base, 0x1f000000u);
  EXPECT_EQ(f.reserved[1].size, 0x00100000u);
}

TEST(DeviceTree, ReservedMemoryCellsDefaultToTheSpecs) {
  // Without #address-cells / #size-cells the DT spec says 2 and 1.
  FakeTree t;
  t.Prop("compatible", FakeTree::Str("xlnx,zynqmp"));
  t.Prop("reserved-memory/buf@1/reg", FakeTree::Cells({0x1, 0x0, 0x2000}));
  BoardFacts f = MustRead(t);
  ASSERT_EQ(f.reserved.size(), 1u);
  EXPECT_EQ(f.reserved[0].base, 0x100000000u);
  EXPECT_EQ(f.reserved[0].size, 0x2000u);
}

TEST(DeviceTree, MissingDirectory) {
  testing::TestRoot root;
  const std::string dir = root.path() + "/proc/device-tree";
  Result<BoardFacts> r = ReadBoardFacts(dir);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnsupported);
  EXPECT_TRUE(Has(r.error().message, "no device tree at " + dir + ":")) << r.error().message;
  EXPECT_TRUE(Has(r.error().message, "--root")) << r.error().message;
  EXPECT_EQ(ReadBoardFacts("").error().code, ErrorCode::kUnsupported);
}

TEST(DeviceTree, NoCompatible) {
  FakeTree t;
  t.Prop("model", FakeTree::Str("Something"));
  DeviceError e = MustFail(t);
  EXPECT_EQ(e.code, ErrorCode::kUnsupported);
  EXPECT_TRUE(Has(e.message, "no compatible at " + t.dir() + "/compatible")) << e.message;

  FakeTree empty;
  empty.Prop("compatible", std::string(1, '\0'));
  EXPECT_EQ(MustFail(empty).code, ErrorCode::kUnsupported);
}

TEST(DeviceTree, VersalIsNotSupported) {
  FakeTree t;
  t.Prop("compatible", FakeTree::List({"xlnx,versal-vck190-revA", "xlnx,versal"}));
  DeviceError e = MustFail(t);
  EXPECT_EQ(e.code, ErrorCode::kUnsupported);
  EXPECT_TRUE(Has(e.message, "\"xlnx,versal-vck190-revA\", \"xlnx,versal\"")) << e.message;
  EXPECT_TRUE(Has(e.message, "Versal is not supported")) << e.message;
}

TEST(DeviceTree, OtherSocIsNotSupported) {
  FakeTree t;
  t.Prop("compatible", FakeTree::List({"raspberrypi,4-model-b", "brcm,bcm2711"}));
  DeviceError e = MustFail(t);
  EXPECT_EQ(e.code, ErrorCode::kUnsupported);
  EXPECT_TRUE(Has(e.message, "\"raspberrypi,4-model-b\", \"brcm,bcm2711\"")) << e.message;
  EXPECT_TRUE(Has(e.message, "neither xlnx,zynqmp nor xlnx,zynq-7000")) << e.message;
}

TEST(DeviceTree, MalformedReg) {
  FakeTree t;
  t.Prop("compatible", FakeTree::Str("xlnx,zynqmp"));
  t.Prop("reserved-memory/#address-cells", FakeTree::Cells({2}));
  t.Prop("reserved-memory/#size-cells", FakeTree::Cells({2}));
  t.Prop("reserved-memory/bad@40000000/reg", FakeTree::Cells({0x0, 0x40000000, 0x0}));
  DeviceError e = MustFail(t);
  EXPECT_EQ(e.code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(Has(e.message, "reserved-memory node bad@40000000")) << e.message;
  EXPECT_TRUE(Has(e.message, "12 bytes")) << e.message;

  FakeTree empty;
  empty.Prop("compatible", FakeTree::Str("xlnx,zynqmp"));
  empty.Prop("reserved-memory/none@0/reg", "");
  EXPECT_EQ(MustFail(empty).code, ErrorCode::kInvalidArgument);
}

TEST(DeviceTree, MalformedCellCounts) {
  FakeTree three;
  three.Prop("compatible", FakeTree::Str("xlnx,zynqmp"));
  three.Prop("reserved-memory/#address-cells", FakeTree::Cells({3}));
  DeviceError e = MustFail(three);
  EXPECT_EQ(e.code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(Has(e.message, "reserved-memory/#address-cells is 3")) << e.message;

  FakeTree short_cell;
  short_cell.Prop("compatible", FakeTree::Str("xlnx,zynqmp"));
  short_cell.Prop("reserved-memory/#size-cells", std::string("\0\1", 2));
  e = MustFail(short_cell);
  EXPECT_EQ(e.code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(Has(e.message, "reserved-memory/#size-cells is 2 bytes")) << e.message;
}

}  // namespace
}  // namespace pynq_remote::zynq
