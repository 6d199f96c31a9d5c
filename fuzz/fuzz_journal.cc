// libFuzzer target: the --state-dir journal a restarted server replays. The file is the
// server's own, but a disk error, a kill mid-record or a hand edit can leave anything in
// it; replay must never crash, and what it keeps must be records a restore can use:
// buffers of non-zero size, and a compacted re-replay that gives the same state back.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "state/state_journal.h"

namespace {

using pynq_remote::JournalState;
using pynq_remote::StateJournal;

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "fuzz_journal: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  JournalState state = StateJournal::Replay(text);
  for (const auto& [id, e] : state.buffers) {
    if (e.size == 0) Fail("a buffer of 0 bytes survived replay");
    if (id.find_first_of(" \t\n") != std::string::npos) Fail("an id with a separator");
  }
  const std::string again = StateJournal::Compact(state);
  JournalState second = StateJournal::Replay(again);
  if (second.torn_lines != 0) Fail("the compacted journal has records replay refuses");
  if (second.buffers.size() != state.buffers.size() || second.mmios.size() != state.mmios.size() ||
      second.firmware != state.firmware) {
    Fail("replaying the compacted journal changed the state");
  }
  for (const auto& [id, e] : state.buffers) {
    const auto& b = second.buffers.at(id);
    if (b.dtype != e.dtype || b.owner != e.owner || b.size != e.size ||
        b.allocation.phys != e.allocation.phys || b.cacheable != e.cacheable) {
      Fail("a buffer changed across compaction");
    }
  }
  return 0;
}
