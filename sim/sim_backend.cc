// The simulated board in the server's backend registry (--backend sim): its flags and how
// they become a SimDevice.
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "device/backend_registry.h"
#include "sim/pl/design_catalog.h"
#include "sim/sim_device.h"

namespace pynq_remote {
namespace {

class SimConfig : public BackendConfig {
 public:
  bool Set(const std::string& flag, const std::string& value, std::string* error) override {
    if (flag == "--deterministic") {
      options_.deterministic = true;
    } else if (flag == "--pl-clock-mhz") {
      char* end = nullptr;
      double mhz = std::strtod(value.c_str(), &end);
      if (value.empty() || *end != '\0' || !(mhz > 0)) {
        *error = "wants a positive number";
        return false;
      }
      options_.pl_clock_mhz = mhz;
    } else if (flag == "--trace") {
      options_.trace_path = value;
    } else if (flag == "--bus-timeout-us") {
      std::optional<uint64_t> us = ParseFlagCount(value, 1, 60000000, error);
      if (!us) return false;
      options_.mmio_timeout_us = *us;
    } else if (flag == "--trailing-cycles") {
      std::optional<uint64_t> cycles = ParseFlagCount(value, 0, 1000000000, error);
      if (!cycles) return false;
      options_.trailing_cycles = *cycles;
      options_.always_trail = true;
    } else if (flag == "--designs") {
      if (value.empty()) {
        *error = "wants a folder (a design package, or a folder of packages)";
        return false;
      }
      options_.design_dirs.push_back(value);
    } else if (flag == "--board") {
      if (value.empty()) {
        *error = "wants a board profile name (e.g. ZCU104, Pynq-Z2)";
        return false;
      }
      board_ = value;
    }
    return true;
  }

  std::unique_ptr<Device> Create(const BackendContext& context, std::string* error) override {
    if (context.board_index == 0 && !sim::ReserveSimBoards(context.boards, error)) {
      *error = "cannot create the simulated boards: " + *error;
      return nullptr;
    }
    sim::SimOptions options = options_;
    if (!context.state_dir.empty()) options.ddr_file = context.state_dir + "/ddr.img";
    options.log_packages = context.board_index == 0;
    if (context.boards > 1 && !options.trace_path.empty()) {
      options.trace_path = PerBoardPath(options.trace_path, context.board_index);
    }
    if (chosen_board_.empty()) chosen_board_ = ChooseBoard();  // once for all --boards
    options.board = chosen_board_;
    std::unique_ptr<Device> device = sim::CreateSimDevice(options, error);
    if (!device) *error = "cannot create the simulated board: " + *error;
    return device;
  }

 private:
  /// --board, else the board every package names, else ZCU104 (SimOptions' default). The
  /// packages' own problems are reported when the board loads them, not here.
  std::string ChooseBoard() const {
    if (!board_.empty()) return board_;
    std::vector<std::string> ignored;
    std::string agreed = sim::AgreedBoard(sim::ScanDesignPackages(options_.design_dirs, &ignored));
    return agreed.empty() ? options_.board : agreed;
  }

  sim::SimOptions options_;
  std::string board_;  // --board
  std::string chosen_board_;
};

}  // namespace

// Named by pynq_remote_register_backend(sim ...) in sim/CMakeLists.txt.
BackendInfo Backend_sim() {
  BackendInfo info;
  info.name = "sim";
  info.summary = "the simulated board (a ZynqMP or Zynq-7000 board profile, PL as Verilated RTL)";
  info.help =
      "  --deterministic        time moves only through Board.Advance\n"
      "  --pl-clock-mhz MHZ     PL clock 0 frequency (default 100)\n"
      "  --trace FILE           write a waveform of the PL (FST/VCD)\n"
      "  --designs DIR          load the design packages (pynq-remote-design) in DIR: a\n"
      "                         package's folder or a folder of packages; repeatable\n"
      "  --board NAME           the board profile (default: the one the packages name\n"
      "                         when they agree, else ZCU104)\n"
      "  --bus-timeout-us N     simulated microseconds (1..60000000) a bus access with\n"
      "                         no response waits before it fails with TIMEOUT (default:\n"
      "                         100000 PL cycles, 1000 us at 100 MHz)\n"
      "  --trailing-cycles N    clock the PL N cycles (0..1000000000) after every host\n"
      "                         access, whatever the design (default: 256 for a design\n"
      "                         whose busy output may miss activity; for one whose\n"
      "                         generated top ORs every core's busy, 16 after a write\n"
      "                         and none after a read)\n";
  info.flags = {{"--deterministic", false}, {"--pl-clock-mhz", true}, {"--trace", true},
                {"--bus-timeout-us", true}, {"--designs", true},      {"--board", true},
                {"--trailing-cycles", true}};
  info.root = DefaultRoot::kTemporary;
  info.populate_root = true;
  info.several_per_process = true;  // boards in one kernel (sim/board/board_top.h)
  info.default_rank = 1;            // the default wherever it is built
  info.make_config = [] { return std::make_unique<SimConfig>(); };
  return info;
}

}  // namespace pynq_remote
