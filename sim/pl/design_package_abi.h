// The one symbol a design package's library exports (rtl/README.md, "Design packages"):
//   extern "C" const PynqRemoteDesignPackage* pynq_remote_design_package(void);
// The server (pl/design_catalog.cc) dlopens lib<name>.so, calls it, and checks every field
// against its own build and the package's design.json before it creates a single model.
// Only plain C types cross the boundary before those checks pass; `create` hands back a
// PlDesign, whose layout is what abi_version pins down.
#ifndef PYNQ_REMOTE_SIM_PL_DESIGN_PACKAGE_ABI_H_
#define PYNQ_REMOTE_SIM_PL_DESIGN_PACKAGE_ABI_H_

#include <cstdint>

namespace pynq_remote::sim {
class PlDesign;
}  // namespace pynq_remote::sim

/// The package's entry symbol: a package library exports this name and nothing else.
#define PYNQ_REMOTE_DESIGN_PACKAGE_SYMBOL "pynq_remote_design_package"

extern "C" {

struct PynqRemoteDesignPackage {
  uint32_t abi_version;  // kPlDesignAbiVersion of the headers the package was built against
  uint32_t struct_size;  // sizeof(PynqRemoteDesignPackage) there: fields only ever get added
  const char* name;
  const char* content_hash;  // SHA-256 of manifest + sources, as in the .bit
  const char* part;
  const char* board;              // profile name, e.g. "ZCU104"
  const char* family;             // "zynqmp" or "zynq7000"
  const char* verilator_version;  // e.g. "5.006": the package carries its own runtime, but the
                                  // generated model code must match the headers it was built with
  /// A new model, reset; trace_path_or_null: an FST waveform there. The caller owns it and
  /// deletes it through PlDesign's virtual destructor (which lives in the package).
  pynq_remote::sim::PlDesign* (*create)(const char* trace_path_or_null);
};

using PynqRemoteDesignPackageFn = const PynqRemoteDesignPackage* (*)(void);

}  // extern "C"

#endif  // PYNQ_REMOTE_SIM_PL_DESIGN_PACKAGE_ABI_H_
