// The server's durable record of what clients hold, for --state-dir: live buffers, MMIO
// grants and the loaded firmware, as an append-only log that a restarted server replays.
// With the sim's DDR kept in a file beside it, a server killed mid-transfer comes back
// with every acknowledged buffer where it was, under the same ids and sessions.
//
// One record per line, written with a single write(2) so a kill leaves at worst a torn
// last line, which replay ignores. Replay compacts the log to the live state.
#ifndef PYNQ_REMOTE_SERVER_STATE_STATE_JOURNAL_H_
#define PYNQ_REMOTE_SERVER_STATE_STATE_JOURNAL_H_

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "device/device_error.h"
#include "state/registry.h"

namespace pynq_remote {

/// What the log says was live when the previous process stopped.
struct JournalState {
  std::map<std::string, BufferEntry> buffers;  // allocation.handle is stale: restore by phys
  std::map<std::string, MmioRegion> mmios;
  std::string firmware;   // lib/firmware/<name> loaded last, "" when none
  size_t torn_lines = 0;  // ignored: a record cut short by a kill, or not ours
};

class StateJournal {
 public:
  /// Opens (creating) `dir`/journal, replays it into *state and rewrites it compacted.
  /// Errors: kInvalidArgument naming the path and errno.
  static Result<std::unique_ptr<StateJournal>> Open(const std::string& dir, JournalState* state);
  ~StateJournal();
  StateJournal(const StateJournal&) = delete;
  StateJournal& operator=(const StateJournal&) = delete;

  void BufferAdded(const std::string& id, const BufferEntry& entry);
  void BufferFreed(const std::string& id);
  void MmioAdded(const std::string& id, const MmioRegion& region);
  void MmioRemoved(const std::string& id);
  void Loaded(const std::string& firmware);

  /// Parses a log's text (exposed for tests and fuzzing).
  static JournalState Replay(const std::string& text);
  /// The log text of `state` alone: what Open rewrites the log to.
  static std::string Compact(const JournalState& state);

 private:
  StateJournal(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  void Append(const std::string& line);

  std::mutex mu_;  // one record at a time
  int fd_;
  const std::string path_;
  bool failed_ = false;  // a write failed: logged once, state no longer durable
};

}  // namespace pynq_remote

#endif  // PYNQ_REMOTE_SERVER_STATE_STATE_JOURNAL_H_
