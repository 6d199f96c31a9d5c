// What the Linux device tree says about the board: the PS family, the board and its FPGA part,
// and the memory Linux keeps for itself or for the PL. Read from the /proc/device-tree
// directory (one file per property: strings NUL-terminated, string lists NUL-separated, cells
// 32-bit big-endian), so the same code runs on a board and over a fake board tree in CI.
#ifndef PYNQ_REMOTE_SERVER_ZYNQ_DEVICE_TREE_H_
#define PYNQ_REMOTE_SERVER_ZYNQ_DEVICE_TREE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "device/device_error.h"
#include "device/ps_clocks.h"

namespace pynq_remote::zynq {

/// One (base, size) pair of a /reserved-memory child's reg.
struct ReservedRegion {
  std::string name;  // the node's name ("buffer@60000000"), "#n" appended for pair n > 0
  uint64_t base = 0, size = 0;
  bool no_map = false;  // the node has no-map: Linux never maps it, so it is free for the PL
};

struct BoardFacts {
  PsFamily family = PsFamily::kZynqMP;  // xlnx,zynqmp or xlnx,zynq-7000 in the root compatible
  std::vector<std::string> compatible;  // the root node's compatible list, most specific first
  std::string model;                    // the root's model, "" when absent
  /// PYNQ's name for the board: chosen/pynq_board when present, else the known board the
  /// compatible list names ("ZCU104"), else the model.
  std::string board;
  /// The board's FPGA part ("xczu7ev-ffvc1156-2-e"), from the known board the compatible list
  /// names, else from the known board called `board`; "" for a board this code does not know.
  std::string part;
  /// Every (base, size) pair of every available /reserved-memory child with a reg, in node
  /// name order. Children with only a size (a CMA pool Linux places itself) are not listed.
  std::vector<ReservedRegion> reserved;
};

/// Reads the board facts from `device_tree_dir`, the host path of /proc/device-tree.
/// kUnsupported: the directory is missing, the root has no compatible, or the compatible is
/// neither Zynq UltraScale+ nor Zynq-7000 (a Versal, another SoC). kInvalidArgument: a
/// malformed reg or #address-cells / #size-cells, naming the node. Read errors pass through.
Result<BoardFacts> ReadBoardFacts(const std::string& device_tree_dir);

}  // namespace pynq_remote::zynq

#endif  // PYNQ_REMOTE_SERVER_ZYNQ_DEVICE_TREE_H_
