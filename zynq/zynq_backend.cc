// The hardware backend in the server's backend registry (--backend zynq): its flags and how
// they become a ZynqDevice.
#include <memory>
#include <optional>
#include <string>

#include "device/backend_registry.h"
#include "zynq/zynq_device.h"

namespace pynq_remote {
namespace {

class ZynqConfig : public BackendConfig {
 public:
  bool Set(const std::string& flag, const std::string& value, std::string* error) override {
    if (flag == "--memory") {
      std::optional<zynq::MemorySpec> memory = zynq::ParseMemorySpec(value, error);
      if (!memory) {
        *error = value + ": " + *error;
        return false;
      }
      options_.memory = *memory;
    } else if (flag == "--board") {
      options_.board = value;
    } else if (flag == "--part") {
      options_.part = value;
    }
    return true;
  }

  std::unique_ptr<Device> Create(const BackendContext& context, std::string* error) override {
    options_.root = context.root;
    options_.extra_windows = context.extra_windows;
    std::unique_ptr<Device> device = zynq::CreateZynqDevice(options_, error);
    if (!device) *error = "cannot use this board (--backend zynq): " + *error;
    return device;
  }

 private:
  zynq::ZynqOptions options_;
};

}  // namespace

// Named by pynq_remote_register_backend(zynq ...) in zynq/CMakeLists.txt.
BackendInfo Backend_zynq() {
  BackendInfo info;
  info.name = "zynq";
  info.summary = "the Zynq / Zynq UltraScale+ board this server runs on";
  info.help =
      "  --memory SOURCE        where buffers come from (default udmabuf):\n"
      "                           udmabuf[:NAME,...]   u-dma-buf devices (default: every one)\n"
      "                           carveout:BASE:SIZE   a reserved-memory region via /dev/mem\n"
      "                           carveout:NODE        the device tree's /reserved-memory/NODE\n"
      "                           xrt                  XRT (zocl) buffer objects, if built in\n"
      "                           none                 no buffers (MMIO only)\n"
      "  --board NAME           board name to report (default: from the device tree)\n"
      "  --part PART            FPGA part to report (default: from the board's name)\n";
  info.flags = {{"--memory", true}, {"--board", true}, {"--part", true}};
  info.root = DefaultRoot::kSystem;
  info.populate_root = false;
  info.default_rank = 0;
  info.make_config = [] { return std::make_unique<ZynqConfig>(); };
  return info;
}

}  // namespace pynq_remote
