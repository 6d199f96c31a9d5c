// OpenXrtMemory for a server built without XRT (PYNQ_REMOTE_WITH_XRT off or XRT not found).
#include "zynq/xrt_memory.h"

namespace pynq_remote::zynq {

Result<std::unique_ptr<DmaMemory>> OpenXrtMemory(unsigned device_index) {
  return MakeError(ErrorCode::kUnsupported,
                   "--memory xrt (XRT device " + std::to_string(device_index) +
                       "): this server was built without XRT (install libxrt-dev and "
                       "rebuild; or use --memory udmabuf|carveout)");
}

}  // namespace pynq_remote::zynq
