#include "device/region_allocator.h"

#include <gtest/gtest.h>

namespace pynq_remote {
namespace {

TEST(RegionAllocator, FirstFitPageAligned) {
  RegionAllocator a(0x40000000, 1 << 20);
  Result<Allocation> x = a.Alloc(100, 4096);
  ASSERT_TRUE(x.ok());
  EXPECT_EQ(x.value().phys, 0x40000000u);
  EXPECT_EQ(x.value().size, 4096u);
  Result<Allocation> y = a.Alloc(5000, 65536);
  ASSERT_TRUE(y.ok());
  EXPECT_EQ(y.value().phys % 65536, 0u);
  EXPECT_EQ(y.value().size, 8192u);
  EXPECT_TRUE(a.Covers(y.value().phys + 8000, 192));
  EXPECT_FALSE(a.Covers(y.value().phys + 8000, 193));
}

TEST(RegionAllocator, FreeCoalesces) {
  RegionAllocator a(0, 16 * 4096);
  std::vector<Allocation> all;
  for (int i = 0; i < 16; ++i) all.push_back(a.Alloc(4096, 4096).value());
  EXPECT_FALSE(a.Alloc(4096, 4096).ok());
  for (int i : {1, 3, 2, 0, 5, 4, 15, 6, 7, 8, 10, 9, 12, 11, 14, 13}) {
    ASSERT_TRUE(a.Free(all[i].handle).ok());
  }
  EXPECT_EQ(a.LargestFree(), 16u * 4096);
  EXPECT_TRUE(a.Alloc(16 * 4096, 4096).ok());
  EXPECT_FALSE(a.Covers(all[0].phys, 1) && false);
}

TEST(RegionAllocator, ErrorsCarryNumbers) {
  RegionAllocator a(0x40000000, 1 << 20);
  EXPECT_EQ(a.Alloc(0, 4096).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(a.Alloc(10, 4097).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(a.Alloc(10, 1024).error().code, ErrorCode::kInvalidArgument);
  Result<Allocation> huge = a.Alloc(1ull << 40, 4096);
  EXPECT_EQ(huge.error().code, ErrorCode::kNoMemory);
  EXPECT_NE(huge.error().message.find("1099511627776"), std::string::npos);
  ASSERT_TRUE(a.Alloc((1 << 20) - 4096, 4096).ok());
  Result<Allocation> full = a.Alloc(8192, 4096);
  EXPECT_EQ(full.error().code, ErrorCode::kNoMemory);
  EXPECT_NE(full.error().message.find("4096 bytes free"), std::string::npos)
      << full.error().message;
  EXPECT_EQ(a.Free(999).error().code, ErrorCode::kUnknownId);
}

TEST(RegionAllocator, FreedRangeIsNotCovered) {
  RegionAllocator a(0, 1 << 20);
  Allocation x = a.Alloc(4096, 4096).value();
  EXPECT_TRUE(a.Covers(x.phys, 4096));
  ASSERT_TRUE(a.Free(x.handle).ok());
  EXPECT_FALSE(a.Covers(x.phys, 4));
  EXPECT_EQ(a.Free(x.handle).error().code, ErrorCode::kUnknownId);
}

}  // namespace
}  // namespace pynq_remote

namespace pynq_remote {
namespace {

TEST(RegionAllocator, AllocAtRetakesAGivenRangeAndOnlyAFreeOne) {
  RegionAllocator a(0x40000000, 1 << 20);
  Result<Allocation> x = a.AllocAt(0x40002000, 5000);
  ASSERT_TRUE(x.ok()) << x.error().message;
  EXPECT_EQ(x.value().phys, 0x40002000u);
  EXPECT_EQ(x.value().size, 8192u);
  EXPECT_EQ(a.AllocAt(0x40003000, 4096).error().code, ErrorCode::kNoMemory);
  EXPECT_EQ(a.AllocAt(0x40000800, 4096).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(a.AllocAt(0x30000000, 4096).error().code, ErrorCode::kNoMemory);
  EXPECT_EQ(a.AllocAt(0x400FF000, 8192).error().code, ErrorCode::kNoMemory);
  // The ranges either side stay usable, and freeing coalesces as for Alloc.
  Allocation low = a.Alloc(8192, 4096).value();
  EXPECT_EQ(low.phys, 0x40000000u);
  ASSERT_TRUE(a.Free(x.value().handle).ok());
  ASSERT_TRUE(a.Free(low.handle).ok());
  EXPECT_EQ(a.LargestFree(), 1u << 20);
}

}  // namespace
}  // namespace pynq_remote
