// The designs this build can load, collected from the rtl/ designs at build time.
#ifndef PYNQ_REMOTE_SIM_PL_DESIGN_REGISTRY_H_
#define PYNQ_REMOTE_SIM_PL_DESIGN_REGISTRY_H_

#include <string>
#include <vector>

#include "pl/pl_design.h"

namespace pynq_remote::sim {

/// Every built-in design (generated list, see sim/CMakeLists.txt).
const std::vector<DesignEntry>& BuiltinDesigns();
/// The entry named `name`, or null.
const DesignEntry* FindDesign(const std::string& name);

}  // namespace pynq_remote::sim

#endif  // PYNQ_REMOTE_SIM_PL_DESIGN_REGISTRY_H_
