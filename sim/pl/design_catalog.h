// The designs one simulated board can load: the ones built into the server, plus the design
// packages (pynq-remote-design, rtl/README.md "Design packages") found under --designs DIRs.
//
// A package is loaded once, at start: its design.json is read and checked first (no foreign
// code runs for a package this server would refuse anyway), then lib<name>.so is dlopened
// (RTLD_NOW | RTLD_LOCAL: a missing symbol fails here, not at the first clock edge, and its
// private Verilator runtime stays out of the global namespace) and its entry is checked
// against the descriptor, the .bit and this server. Each refusal is one line naming the
// package's path and the reason; the other packages still load.
//
// Libraries are never dlclosed: a PlDesign made by a package runs code and vtables of that
// library for as long as it exists, and reprogramming must never unload what may still be in
// use (a model the board is clocking, a trace being written). A process loads each package
// once, so keeping them costs one mapping each.
#ifndef PYNQ_REMOTE_SIM_PL_DESIGN_CATALOG_H_
#define PYNQ_REMOTE_SIM_PL_DESIGN_CATALOG_H_

#include <map>
#include <string>
#include <vector>

#include "pl/pl_design.h"

namespace pynq_remote::sim {

/// A Vivado bitstream a package was imported from (`pynq-remote-design import --bit`), by its
/// SHA-256s (64 lower-case hex digits each): of the whole .bit file, and of its configuration
/// data (field 'e', in .bit byte order). A client that uploads that .bit, or the .bin PYNQ
/// makes from it, gets the package's design.
struct VivadoBitstream {
  std::string sha256, data_sha256;
};

/// A package's design.json, as read (before its library is opened).
struct PackageDescriptor {
  std::string dir;  // the package's folder
  std::string name, board, family, part, content_hash, verilator_version, library, bitstream, hwh,
      tool_version;
  int package_format = 0;
  long abi_version = 0;
  bool busy_complete = false;  // design.json "busy_complete", optional (DesignEntry)
  std::vector<VivadoBitstream> vivado_bitstreams;  // design.json "vivado_bitstreams", optional
};

/// The packages under each of `dirs`: DIR itself when it holds a design.json, else each of
/// its subfolders that does (sorted by name). A descriptor that cannot be read is a refusal.
std::vector<PackageDescriptor> ScanDesignPackages(const std::vector<std::string>& dirs,
                                                  std::vector<std::string>* refusals);

/// The board profile every package names, or "" when there are none or they disagree.
std::string AgreedBoard(const std::vector<PackageDescriptor>& packages);

/// The board a catalog loads for: packages of another family or part are refused.
struct CatalogBoard {
  std::string name;    // profile, e.g. "ZCU104"
  std::string family;  // "zynqmp" or "zynq7000"
  std::string part;
};

struct CatalogEntry {
  DesignEntry design;
  std::string origin;    // the package's folder, or "built into the server"
  std::string hwh_path;  // the package's .hwh; empty for a built-in design
};

class DesignCatalog {
 public:
  /// The built-in designs only.
  DesignCatalog();

  /// Loads `packages` for `board`; every refusal is appended to `refusals` as
  /// "<package dir>: <reason>".
  void Load(const std::vector<PackageDescriptor>& packages, const CatalogBoard& board,
            std::vector<std::string>* refusals);

  /// The design named `name`, or null.
  const CatalogEntry* Find(const std::string& name) const;
  /// The package whose design.json lists `sha256` (lower-case hex) as a Vivado bitstream's
  /// file or configuration-data hash, or null.
  const CatalogEntry* FindVivado(const std::string& sha256) const;
  std::vector<std::string> Names() const;

 private:
  std::string LoadOne(const PackageDescriptor& p, const CatalogBoard& board);

  std::vector<CatalogEntry> entries_;
  // Every Vivado hash (file and data) of every loaded package -> its index in entries_.
  std::map<std::string, size_t> vivado_;
};

/// The catalog of a board: the built-in designs plus the packages under `dirs`. Prints one
/// stderr line per package loaded and per refusal ("design package refused: DIR: reason").
DesignCatalog LoadDesignCatalog(const std::vector<std::string>& dirs, const CatalogBoard& board,
                                bool log = true);

/// "Zynq UltraScale+" / "Zynq-7000" for "zynqmp" / "zynq7000" (anything else: itself).
std::string FamilyDisplayName(const std::string& family);
/// The family of a part number ("xczu..." zynqmp, "xc7z..." zynq7000), or "".
std::string FamilyOfPart(const std::string& part);

}  // namespace pynq_remote::sim

#endif  // PYNQ_REMOTE_SIM_PL_DESIGN_CATALOG_H_
