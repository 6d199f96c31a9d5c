// SessionTable, SessionReaper and StreamSlots alone: the accounting behind the limits.
#include "state/sessions.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

namespace pynq_remote::service {
namespace {

using std::chrono::milliseconds;

Limits SmallLimits() {
  Limits limits;
  limits.max_session_bytes = 8 << 20;
  limits.max_total_bytes = 12 << 20;
  limits.max_session_handles = 3;
  limits.max_sessions = 2;
  limits.max_concurrent_streams = 2;
  limits.grace = milliseconds(50);
  return limits;
}

TEST(SessionTable, OpensUpToTheLimitWithTheNumbersInTheRefusal) {
  SessionTable table(SmallLimits());
  ASSERT_TRUE(table.Open("a").ok());
  ASSERT_TRUE(table.Open("b").ok());
  Result<std::string> third = table.Open("c");
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.error().code, ErrorCode::kLimitExceeded);
  EXPECT_NE(third.error().message.find("2 of 2 sessions"), std::string::npos);
}

TEST(SessionTable, ChargesSessionsAndTheTotalAndReleasesExactly) {
  SessionTable table(SmallLimits());
  std::string a = table.Open("a").value(), b = table.Open("b").value();
  ASSERT_TRUE(table.Reserve(a, 6 << 20, 1).ok());
  Status over_session = table.Reserve(a, 3 << 20, 1);
  ASSERT_FALSE(over_session.ok());
  EXPECT_EQ(over_session.error().code, ErrorCode::kLimitExceeded);
  EXPECT_NE(over_session.error().message.find("9.0 MiB, past its limit of 8.0 MiB"),
            std::string::npos)
      << over_session.error().message;
  ASSERT_TRUE(table.Reserve(b, 5 << 20, 1).ok());
  Status over_total = table.Reserve(b, 2 << 20, 1);
  ASSERT_FALSE(over_total.ok());
  EXPECT_NE(over_total.error().message.find("--max-total-memory-mb"), std::string::npos);
  table.Release(a, 6 << 20, 1);
  EXPECT_TRUE(table.Reserve(b, 2 << 20, 1).ok());
  EXPECT_EQ(table.total().bytes, 7u << 20);
  EXPECT_EQ(table.usage(a).bytes, 0u);
}

TEST(SessionTable, HandleLimitBindsSessionsAndTheSessionlessPool) {
  SessionTable table(SmallLimits());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(table.Reserve("", 0, 1).ok());
  Status refused = table.Reserve("", 0, 1);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("the sessionless pool holds 3"), std::string::npos);
  // The sessionless pool has no per-session byte limit (3.1 behaviour), only the total.
  EXPECT_TRUE(table.Reserve("", 0, 0).ok());
  SessionTable roomy(SmallLimits());
  EXPECT_TRUE(roomy.Reserve("", 10 << 20, 0).ok());
  EXPECT_FALSE(roomy.Reserve("", 3 << 20, 0).ok());
}

TEST(SessionTable, ReservingForAnUnknownSessionFails) {
  SessionTable table(SmallLimits());
  EXPECT_EQ(table.Reserve("ses-nope", 1, 1).error().code, ErrorCode::kUnknownId);
  EXPECT_EQ(table.CheckCaller("ses-nope").error().code, ErrorCode::kUnknownId);
  EXPECT_TRUE(table.CheckCaller("").ok());
}

TEST(SessionTable, DetachedSessionsExpireAfterTheGraceUnlessResumed) {
  SessionTable table(SmallLimits());
  std::string a = table.Open("a").value(), b = table.Open("b").value();
  ASSERT_TRUE(table.Reserve(a, 4096, 1).ok());
  table.Detach(a);
  table.Detach(b);
  ASSERT_TRUE(table.Resume(b).ok());
  auto now = SessionTable::Clock::now();
  EXPECT_TRUE(table.TakeExpired(now).empty());
  EXPECT_TRUE(table.CheckCaller(a).ok()) << "inside its grace a session still answers";
  std::vector<std::string> expired = table.TakeExpired(now + milliseconds(60));
  ASSERT_EQ(expired, std::vector<std::string>{a});
  EXPECT_EQ(table.total().bytes, 0u) << "an expired session's usage leaves the totals";
  table.Release(a, 4096, 1);  // its handles freed afterwards: no double subtraction
  EXPECT_EQ(table.total().bytes, 0u);
  EXPECT_EQ(table.Resume(a).error().code, ErrorCode::kUnknownId);
  EXPECT_EQ(table.open_sessions(), 1u);
}

TEST(SessionTable, RestoredSessionsWaitDetachedWithTheirUsage) {
  SessionTable table(SmallLimits());
  table.Restore("ses-x", Usage{8192, 2}, milliseconds(200));
  EXPECT_EQ(table.total().bytes, 8192u);
  EXPECT_TRUE(table.CheckCaller("ses-x").ok());
  EXPECT_TRUE(table.TakeExpired(SessionTable::Clock::now() + milliseconds(100)).empty());
  ASSERT_TRUE(table.Resume("ses-x").ok());
  EXPECT_TRUE(table.TakeExpired(SessionTable::Clock::now() + milliseconds(500)).empty());
}

TEST(SessionReaper, FreesADetachedSessionSoonAfterItsGrace) {
  SessionTable table(SmallLimits());
  std::atomic<int> freed{0};
  SessionReaper reaper(table, [&](const std::string&) { ++freed; });
  std::string a = table.Open("a").value();
  auto detached = std::chrono::steady_clock::now();
  table.Detach(a);
  reaper.Poke();
  // Not before the grace (a steady-clock timer cannot fire early); how soon after it is the
  // scheduler's business, so the wait is bounded only to fail a reaper that never runs.
  while (freed == 0 && std::chrono::steady_clock::now() - detached < milliseconds(60000)) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  EXPECT_EQ(freed, 1);
  EXPECT_GE(std::chrono::steady_clock::now() - detached, SmallLimits().grace);
}

TEST(SessionTable, ManyThreadsKeepTheBooksBalanced) {
  Limits limits;
  limits.max_sessions = 0;
  limits.max_session_handles = 0;
  SessionTable table(limits);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      std::string id = table.Open("t").value();
      for (int i = 0; i < 2000; ++i) {
        ASSERT_TRUE(table.Reserve(id, 4096, 1).ok());
        ASSERT_TRUE(table.Reserve("", 4096, 1).ok());
        table.Release(id, 4096, 1);
        table.Release("", 4096, 1);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(table.total().bytes, 0u);
  EXPECT_EQ(table.total().handles, 0u);
}

TEST(StreamSlots, RefusesPastTheLimitAndFreesOnScopeExit) {
  StreamSlots slots(2);
  {
    Result<StreamSlots::Slot> a = slots.Acquire("read");
    Result<StreamSlots::Slot> b = slots.Acquire("read");
    ASSERT_TRUE(a.ok() && b.ok());
    Result<StreamSlots::Slot> c = slots.Acquire("buffer write");
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().code, ErrorCode::kLimitExceeded);
    EXPECT_NE(c.error().message.find("buffer write: 2 streaming transfers"), std::string::npos);
    EXPECT_EQ(slots.active(), 2u);
  }
  EXPECT_EQ(slots.active(), 0u);
  EXPECT_TRUE(StreamSlots(0).Acquire("x").ok()) << "0 means unlimited";
}

}  // namespace
}  // namespace pynq_remote::service
