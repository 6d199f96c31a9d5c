#include <gtest/gtest.h>

#include "memory/sparse_store.h"

namespace pynq_remote::sim {
namespace {

TEST(SparseStore, TwoGibibytesCommitOnlyWhatIsTouched) {
  SparseStore store(2ull << 30);
  ASSERT_NE(store.data(), nullptr);
  EXPECT_LT(store.ResidentBytes(), 1u << 20);
  store.data()[0] = 1;
  store.data()[(1ull << 30) + 12345] = 2;
  store.data()[store.size() - 1] = 3;
  EXPECT_LE(store.ResidentBytes(), 3u * 64 * 1024);  // a few pages (maybe huge-ish readahead)
  EXPECT_EQ(store.data()[store.size() - 1], 3);
  EXPECT_EQ(store.data()[4096], 0);
}

TEST(SparseStore, ContainsChecksBounds) {
  SparseStore store(1 << 20);
  EXPECT_TRUE(store.Contains(0, 1 << 20));
  EXPECT_FALSE(store.Contains(1, 1 << 20));
  EXPECT_FALSE(store.Contains(~0ull, 2));
}

}  // namespace
}  // namespace pynq_remote::sim
