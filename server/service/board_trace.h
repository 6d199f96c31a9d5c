// The board's one waveform trace as the service sees it (Board.StartTrace / StopTrace): who
// started it (a session that ends stops it), where its file goes in the target root, and its
// bound. The Device writes the file; clients fetch it with RemoteDevice.readfile.
#ifndef PYNQ_REMOTE_SERVER_SERVICE_BOARD_TRACE_H_
#define PYNQ_REMOTE_SERVER_SERVICE_BOARD_TRACE_H_

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "device/device.h"
#include "state/shared_state.h"

namespace pynq_remote::service {

/// Where traces go in the target root. The last kKeptTraces files stay (trace-0.fst ...), so
/// a trace nobody fetched cannot fill the disk.
inline constexpr char kTraceDir[] = "/var/lib/pynq-remote/traces";
inline constexpr unsigned kKeptTraces = 4;
/// max_cycles 0 means this many (10 ms of a 100 MHz PL); more than kMaxTraceCycles is refused.
inline constexpr uint64_t kDefaultTraceCycles = 1'000'000;
inline constexpr uint64_t kMaxTraceCycles = 50'000'000;

class TraceKeeper {
 public:
  explicit TraceKeeper(SharedState& state) : state_(state) {}

  /// Starts the board's trace for `caller` ("" sessionless: it outlives every session).
  /// Errors: kInvalidArgument for max_cycles past kMaxTraceCycles; as Device::StartTrace;
  /// kInternal when the trace directory cannot be made in the root.
  Result<TraceReport> Start(const std::string& caller, const std::vector<std::string>& scopes,
                            uint64_t max_cycles);
  /// Ends it. report.path is then the file's target path; *size its bytes.
  /// Errors: kFailedPrecondition (none running, saying how the last one ended); as Device.
  Result<TraceReport> Stop(uint64_t* size);
  /// A session has gone: its trace, if it started the running one, stops (the file stays).
  void ReleaseSession(const std::string& session);

 private:
  /// The file's host path for target path `target`, after checking the trace directory the
  /// root resolves is the one that path names (no link leads elsewhere).
  Result<std::string> HostPath(const std::string& target) const;

  SharedState& state_;
  std::mutex mu_;           // guards everything below; held across the Device's trace calls
  bool running_ = false;    // a trace started here and not stopped
  std::string owner_;       // its session ("" sessionless)
  std::string target_;      // its file, as a target path
  std::string last_ended_;  // how the last trace ended without StopTrace, for the next Stop
  unsigned next_ = 0;       // the next file's number, modulo kKeptTraces
};

}  // namespace pynq_remote::service

#endif  // PYNQ_REMOTE_SERVER_SERVICE_BOARD_TRACE_H_
