#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

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

// What SimDevice::Alloc does to every new buffer, as Linux's DMA allocator does: a buffer
// that reuses freed memory reads 0 (PYNQ's scatter-gather driver relies on zeroed descriptors).
void ExpectZeroKeepsNeighbours(SparseStore& store) {
  ASSERT_NE(store.data(), nullptr) << store.error();
  const uint64_t lo = 4096 + 100, len = 5 * 4096 + 50;
  std::memset(store.data(), 0xA5, 8 * 4096);
  store.Zero(lo, len);
  for (uint64_t a = 0; a < 8 * 4096; ++a) {
    const bool inside = a >= lo && a < lo + len;
    ASSERT_EQ(store.data()[a], inside ? 0 : 0xA5) << a;
  }
  store.Zero(store.size() - 10, 20);  // past the end: ignored
  store.Zero(10, 5);                  // within one page
  EXPECT_EQ(store.data()[9], 0xA5);
  EXPECT_EQ(store.data()[10], 0);
  EXPECT_EQ(store.data()[15], 0xA5);
}

TEST(SparseStore, ZeroClearsARangeAndGivesItsPagesBack) {
  SparseStore store(64ull << 20);
  ExpectZeroKeepsNeighbours(store);
  std::memset(store.data() + (8 << 20), 1, 16 << 20);
  const uint64_t before = store.ResidentBytes();
  store.Zero(8 << 20, 16 << 20);
  EXPECT_LT(store.ResidentBytes(), before - (15u << 20));
  EXPECT_EQ(store.data()[(8 << 20) + 12345], 0);
}

TEST(SparseStore, ZeroPunchesABackingFile) {
  char path[] = "/tmp/sparse_store_test_XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  {
    SparseStore store(1 << 20, path);
    ExpectZeroKeepsNeighbours(store);
  }
  SparseStore again(1 << 20, path);  // what a restarted server maps
  EXPECT_EQ(again.data()[4096 + 200], 0);
  EXPECT_EQ(again.data()[0], 0xA5);
  unlink(path);
}

TEST(SparseStore, ContainsChecksBounds) {
  SparseStore store(1 << 20);
  EXPECT_TRUE(store.Contains(0, 1 << 20));
  EXPECT_FALSE(store.Contains(1, 1 << 20));
  EXPECT_FALSE(store.Contains(~0ull, 2));
}

}  // namespace
}  // namespace pynq_remote::sim
