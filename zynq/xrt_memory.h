// The "xrt" memory source of dma_memory.h: one XRT buffer object per allocation, from the
// zocl driver of a board image with XRT (as PYNQ's own XrtDevice allocates). Optional: the
// server is built with it when CMake finds XRT (PYNQ_REMOTE_WITH_XRT), and this header
// names no XRT type, so callers build either way.
#ifndef PYNQ_REMOTE_SERVER_ZYNQ_XRT_MEMORY_H_
#define PYNQ_REMOTE_SERVER_ZYNQ_XRT_MEMORY_H_

#include <memory>

#include "device/device_error.h"
#include "zynq/dma_memory.h"

namespace pynq_remote::zynq {

/// Opens XRT device `device_index` (0 on a board: zocl's only device). Buffers are
/// xrt::bo objects in memory group 0 (CMA unless an xclbin says otherwise); Restore is
/// kUnsupported, since buffer objects die with the process. kUnsupported when the server
/// was built without XRT; kInternal with XRT's text when the device cannot be opened.
Result<std::unique_ptr<DmaMemory>> OpenXrtMemory(unsigned device_index);

}  // namespace pynq_remote::zynq

#endif  // PYNQ_REMOTE_SERVER_ZYNQ_XRT_MEMORY_H_
