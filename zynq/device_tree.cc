#include "zynq/device_tree.h"

#include <strings.h>

#include <cstring>
#include <utility>

#include "zynq/board_files.h"

namespace pynq_remote::zynq {
namespace {

// The SoC compatibles of Linux's zynqmp.dtsi / zynq-7000.dtsi, and the Versal ones we refuse.
constexpr const char* kZynqMpCompatible = "xlnx,zynqmp";
constexpr const char* kZynq7000Compatible = "xlnx,zynq-7000";
constexpr const char* kVersalPrefix = "xlnx,versal";

// The boards PYNQ images exist for, with the root compatibles the Xilinx/AMD and Avnet device
// trees give them. A board's strings match with a revision suffix too ("-revC", "-rev1.0").
struct KnownBoard {
  const char* name;  // PYNQ's name, as in chosen/pynq_board
  const char* part;
  PsFamily family;
  const char* compatible[4];  // unused entries are null
};

const KnownBoard kKnownBoards[] = {
    {"ZCU102", "xczu9eg-ffvb1156-2-e", PsFamily::kZynqMP, {"xlnx,zynqmp-zcu102"}},
    {"ZCU104", "xczu7ev-ffvc1156-2-e", PsFamily::kZynqMP, {"xlnx,zynqmp-zcu104"}},
    {"ZCU106", "xczu7ev-ffvc1156-2-e", PsFamily::kZynqMP, {"xlnx,zynqmp-zcu106"}},
    {"ZCU111", "xczu28dr-ffvg1517-2-e", PsFamily::kZynqMP, {"xlnx,zynqmp-zcu111"}},
    {"ZCU208", "xczu48dr-fsvg1517-2-e", PsFamily::kZynqMP, {"xlnx,zynqmp-zcu208"}},
    // No root compatible of their own is known: pynq_board names them.
    {"RFSoC4x2", "xczu48dr-ffvg1517-2-e", PsFamily::kZynqMP, {}},
    {"RFSoC2x2", "xczu28dr-ffvg1517-2-e", PsFamily::kZynqMP, {}},
    // V1 and V2 differ in temperature grade only (Avnet's V2 overlays target -1-i, the
    // bitstreams are the same). Avnet's V2 PYNQ image keeps V1's tree and calls itself
    // "Ultra96", so it reads as a V1.
    {"Ultra96-V2",
     "xczu3eg-sbva484-1-i",
     PsFamily::kZynqMP,
     {"avnet,ultra96-rev2", "avnet,ultra96-v2", "avnet,ultra96v2"}},
    {"Ultra96",
     "xczu3eg-sbva484-1-e",
     PsFamily::kZynqMP,
     {"avnet,ultra96-rev1", "avnet,ultra96", "xlnx,zynqmp-zcu100"}},
    {"KV260", "xck26-sfvc784-2LV-c", PsFamily::kZynqMP, {"xlnx,zynqmp-sk-kv260"}},
    {"KR260", "xck26-sfvc784-2LV-c", PsFamily::kZynqMP, {"xlnx,zynqmp-sk-kr260"}},
    // A K26 SOM whose carrier card overlay is not applied: the part is known, the card is not.
    {"K26",
     "xck26-sfvc784-2LV-c",
     PsFamily::kZynqMP,
     {"xlnx,zynqmp-sm-k26", "xlnx,zynqmp-smk-k26"}},
    // Their trees say only xlnx,zynq-7000 (u-boot's digilent,zynq-artyz is shared with the
    // Arty Z7): only pynq_board names them.
    {"Pynq-Z1", "xc7z020clg400-1", PsFamily::kZynq7000, {}},
    {"Pynq-Z2", "xc7z020clg400-1", PsFamily::kZynq7000, {}},
    {"ZC702", "xc7z020clg484-1", PsFamily::kZynq7000, {"xlnx,zynq-zc702"}},
    {"ZC706", "xc7z045ffg900-2", PsFamily::kZynq7000, {"xlnx,zynq-zc706"}},
    {"ZedBoard",
     "xc7z020clg484-1",
     PsFamily::kZynq7000,
     {"avnet,zynq-zed", "xlnx,zynq-zed", "digilent,zynq-zed"}},
};

bool StartsWith(const std::string& s, const std::string& prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

// The known board the compatible list names. The list runs from most to least specific, so
// the first string that names a board decides; an exact match beats a revision suffix, which
// keeps "avnet,ultra96-rev2" from reading as "avnet,ultra96" plus a revision.
const KnownBoard* BoardForCompatible(const std::vector<std::string>& compatible) {
  for (const std::string& c : compatible) {
    for (const KnownBoard& b : kKnownBoards) {
      for (const char* known : b.compatible) {
        if (known != nullptr && c == known) return &b;
      }
    }
    for (const KnownBoard& b : kKnownBoards) {
      for (const char* known : b.compatible) {
        if (known != nullptr && StartsWith(c, std::string(known) + "-rev")) return &b;
      }
    }
  }
  return nullptr;
}

const KnownBoard* BoardNamed(const std::string& name) {
  for (const KnownBoard& b : kKnownBoards) {
    if (strcasecmp(b.name, name.c_str()) == 0) return &b;
  }
  return nullptr;
}

// A string property: up to its first NUL (pynq_board is NUL-padded).
std::string FirstString(const std::string& raw) { return raw.substr(0, raw.find('\0')); }

std::vector<std::string> StringList(const std::string& raw) {
  std::vector<std::string> list;
  size_t begin = 0;
  while (begin < raw.size()) {
    size_t end = raw.find('\0', begin);
    if (end == std::string::npos) end = raw.size();
    if (end > begin) list.push_back(raw.substr(begin, end - begin));
    begin = end + 1;
  }
  return list;
}

std::string Quoted(const std::vector<std::string>& list) {
  std::string out;
  for (const std::string& s : list) out += (out.empty() ? "\"" : ", \"") + s + "\"";
  return out;
}

// A string property that may be absent: "" then.
Result<std::string> OptionalString(const BoardFiles& dt, const std::string& path) {
  Result<std::string> raw = dt.Read(path);
  if (!raw.ok()) {
    if (raw.error().code == ErrorCode::kUnknownId) return std::string();
    return raw.error();
  }
  return FirstString(raw.value());
}

uint32_t Be32(const std::string& raw, size_t offset) {
  const auto* p = reinterpret_cast<const unsigned char*>(raw.data() + offset);
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

// #address-cells / #size-cells of `node`; the DT spec's default when absent. We keep base and
// size in 64 bits, so one or two cells.
Result<uint32_t> ReadCellCount(const BoardFiles& dt, const std::string& node, const char* prop,
                               uint32_t spec_default) {
  const std::string path = node + "/" + prop;
  Result<std::string> raw = dt.Read(path);
  if (!raw.ok()) {
    if (raw.error().code == ErrorCode::kUnknownId) return spec_default;
    return raw.error();
  }
  if (raw.value().size() != 4) {
    return MakeError(ErrorCode::kInvalidArgument,
                     dt.Path(path) + " is " + std::to_string(raw.value().size()) +
                         " bytes, not one 32-bit cell: the device tree is malformed");
  }
  const uint32_t cells = Be32(raw.value(), 0);
  if (cells < 1 || cells > 2) {
    return MakeError(ErrorCode::kInvalidArgument,
                     dt.Path(path) + " is " + std::to_string(cells) +
                         ": reserved-memory addresses and sizes must be 1 or 2 cells");
  }
  return cells;
}

uint64_t Cells(const std::string& raw, size_t offset, uint32_t count) {
  uint64_t value = 0;
  for (uint32_t i = 0; i < count; ++i) value = (value << 32) | Be32(raw, offset + 4 * i);
  return value;
}

// Linux ignores nodes whose status is neither "okay" nor "ok"; so do we.
Result<bool> Available(const BoardFiles& dt, const std::string& node) {
  Result<std::string> status = OptionalString(dt, node + "/status");
  if (!status.ok()) return status.error();
  return status.value().empty() || status.value() == "okay" || status.value() == "ok";
}

Result<std::vector<ReservedRegion>> ReadReserved(const BoardFiles& dt) {
  std::vector<ReservedRegion> regions;
  const std::string parent = "/reserved-memory";
  if (!dt.IsDirectory(parent)) return regions;
  // The DT spec's defaults: 2 address cells, 1 size cell.
  Result<uint32_t> address_cells = ReadCellCount(dt, parent, "#address-cells", 2);
  if (!address_cells.ok()) return address_cells.error();
  Result<uint32_t> size_cells = ReadCellCount(dt, parent, "#size-cells", 1);
  if (!size_cells.ok()) return size_cells.error();
  const uint32_t ac = address_cells.value(), sc = size_cells.value();
  const size_t pair_bytes = 4 * (ac + sc);

  for (const std::string& name : dt.List(parent)) {
    const std::string node = parent + "/" + name;
    if (!dt.IsDirectory(node)) continue;  // a property of reserved-memory itself
    Result<bool> available = Available(dt, node);
    if (!available.ok()) return available.error();
    if (!available.value()) continue;
    Result<std::string> reg = dt.Read(node + "/reg");
    if (!reg.ok()) {
      if (reg.error().code == ErrorCode::kUnknownId) continue;  // placed by Linux (size only)
      return reg.error();
    }
    const std::string& raw = reg.value();
    if (raw.empty() || raw.size() % pair_bytes != 0) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "reserved-memory node " + name + ": reg at " + dt.Path(node + "/reg") +
                           " is " + std::to_string(raw.size()) + " bytes, not a whole number of " +
                           std::to_string(ac) + "+" + std::to_string(sc) +
                           " cell (base, size) pairs (" + std::to_string(pair_bytes) +
                           " bytes each)");
    }
    const bool no_map = dt.Exists(node + "/no-map");
    for (size_t i = 0; i * pair_bytes < raw.size(); ++i) {
      ReservedRegion r;
      r.name = i == 0 ? name : name + "#" + std::to_string(i);
      r.base = Cells(raw, i * pair_bytes, ac);
      r.size = Cells(raw, i * pair_bytes + 4 * ac, sc);
      r.no_map = no_map;
      regions.push_back(std::move(r));
    }
  }
  return regions;
}

}  // namespace

Result<BoardFacts> ReadBoardFacts(const std::string& device_tree_dir) {
  BoardFiles dt(device_tree_dir);
  if (device_tree_dir.empty() || !dt.IsDirectory("/")) {
    return MakeError(ErrorCode::kUnsupported,
                     "no device tree at " + device_tree_dir +
                         ": the zynq backend needs /proc/device-tree (is this a Zynq board? in "
                         "CI pass --root of a fake board tree)");
  }
  BoardFacts facts;
  Result<std::string> compatible = dt.Read("/compatible");
  if (!compatible.ok() && compatible.error().code != ErrorCode::kUnknownId) {
    return compatible.error();
  }
  if (compatible.ok()) facts.compatible = StringList(compatible.value());
  if (facts.compatible.empty()) {
    return MakeError(ErrorCode::kUnsupported,
                     "no compatible at " + dt.Path("/compatible") +
                         ": the root node must name the SoC (xlnx,zynqmp or xlnx,zynq-7000) "
                         "for the zynq backend to know the board");
  }

  const KnownBoard* known = BoardForCompatible(facts.compatible);
  bool family_found = false;
  for (const std::string& c : facts.compatible) {
    if (c == kZynqMpCompatible || c == kZynq7000Compatible) {
      facts.family = c == kZynqMpCompatible ? PsFamily::kZynqMP : PsFamily::kZynq7000;
      family_found = true;
      break;
    }
  }
  if (!family_found && known != nullptr) {
    // A board tree that leaves out the SoC string still names a board of one family.
    facts.family = known->family;
    family_found = true;
  }
  if (!family_found) {
    bool versal = false;
    for (const std::string& c : facts.compatible) versal = versal || StartsWith(c, kVersalPrefix);
    return MakeError(ErrorCode::kUnsupported,
                     dt.Path("/compatible") + " says " + Quoted(facts.compatible) +
                         (versal ? ": a Versal, and Versal is not supported"
                                 : ": neither xlnx,zynqmp nor xlnx,zynq-7000") +
                         "; the zynq backend runs on Zynq UltraScale+ and Zynq-7000 boards");
  }

  Result<std::string> model = OptionalString(dt, "/model");
  if (!model.ok()) return model.error();
  facts.model = model.value();
  Result<std::string> pynq_board = OptionalString(dt, "/chosen/pynq_board");
  if (!pynq_board.ok()) return pynq_board.error();
  if (!pynq_board.value().empty()) {
    facts.board = pynq_board.value();
  } else if (known != nullptr) {
    facts.board = known->name;
  } else {
    facts.board = facts.model;
  }
  // The compatible names the hardware; pynq_board is a name PYNQ's image gives it.
  const KnownBoard* for_part = known != nullptr ? known : BoardNamed(facts.board);
  if (for_part != nullptr) facts.part = for_part->part;

  Result<std::vector<ReservedRegion>> reserved = ReadReserved(dt);
  if (!reserved.ok()) return reserved.error();
  facts.reserved = std::move(reserved).value();
  return facts;
}

}  // namespace pynq_remote::zynq
