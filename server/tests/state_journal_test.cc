// The state journal alone: replay, torn records, hostile text, compaction across reopen.
#include "state/state_journal.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace pynq_remote::service {
namespace {

TEST(StateJournal, ReplayKeepsWhatIsLiveAndSkipsTornRecords) {
  JournalState s = StateJournal::Replay(
      "B buf-1 ses-a 1073741824 4096 1 3c7534\n"
      "B buf-2 - 1073745920 100 0 -\n"
      "M mmio-1 ses-a 2684354560 4096\n"
      "F buf-2\n"
      "L 7265662e62696e\n"
      "Q nonsense\n"
      "B buf-3 ses-a 12 notanumber 0 -\n"
      "B buf-4 ses-a 1073750016 40");  // cut short by a kill
  ASSERT_EQ(s.buffers.size(), 1u);
  const BufferEntry& b = s.buffers.at("buf-1");
  EXPECT_EQ(b.owner, "ses-a");
  EXPECT_EQ(b.allocation.phys, 0x40000000u);
  EXPECT_EQ(b.size, 4096u);
  EXPECT_TRUE(b.cacheable);
  EXPECT_EQ(b.dtype, "<u4");
  ASSERT_EQ(s.mmios.size(), 1u);
  EXPECT_EQ(s.mmios.at("mmio-1").base, 0xA0000000u);
  EXPECT_EQ(s.firmware, "ref.bin");
  EXPECT_EQ(s.torn_lines, 3u);
}

TEST(StateJournal, RecordsSurviveReopenCompactedAndHostileTextStaysInItsField) {
  char dir_template[] = "/tmp/journal-test.XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  const std::string dir = dir_template;
  JournalState state;
  {
    auto journal = StateJournal::Open(dir, &state);
    ASSERT_TRUE(journal.ok()) << journal.error().message;
    BufferEntry e;
    e.allocation.phys = 0x40001000;
    e.size = 8192;
    e.dtype = "evil\nF buf-a\tL 00 ";
    e.owner = "ses-1";
    journal.value()->BufferAdded("buf-a", e);
    journal.value()->BufferAdded("buf-b", e);
    journal.value()->BufferFreed("buf-b");
    journal.value()->MmioAdded("mmio-a", MmioRegion{0xA0000000, 0x1000, ""});
    journal.value()->MmioAdded("mmio-b", MmioRegion{0xA0010000, 0x1000, "ses-1"});
    journal.value()->MmioRemoved("mmio-b");
    journal.value()->Loaded("ref accel.bin");
  }
  {
    auto journal = StateJournal::Open(dir, &state);
    ASSERT_TRUE(journal.ok());
    ASSERT_EQ(state.buffers.size(), 1u);
    EXPECT_EQ(state.buffers.at("buf-a").dtype, "evil\nF buf-a\tL 00 ");
    ASSERT_EQ(state.mmios.size(), 1u);
    EXPECT_EQ(state.mmios.at("mmio-a").owner, "");
    EXPECT_EQ(state.firmware, "ref accel.bin");
    EXPECT_EQ(state.torn_lines, 0u);
  }
  std::ifstream in(dir + "/journal");
  std::stringstream stream;
  stream << in.rdbuf();
  const std::string text = stream.str();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 3) << text;
  EXPECT_EQ(system(("rm -rf " + dir).c_str()), 0);
}

TEST(StateJournal, AnUncreatableDirectoryIsAClearError) {
  JournalState state;
  auto journal = StateJournal::Open("/proc/no/such/dir", &state);
  ASSERT_FALSE(journal.ok());
  EXPECT_NE(journal.error().message.find("--state-dir /proc/no/such/dir"), std::string::npos);
}

}  // namespace
}  // namespace pynq_remote::service
