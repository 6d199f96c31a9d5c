// pr_xlconstant: dout is CONST_VAL in CONST_WIDTH bits (WANT, from CMakeLists.txt).
#include <gtest/gtest.h>

#include MODEL_HEADER

namespace {

TEST(XlconstantTest, DrivesTheValue) {
  MODEL m;
  m.eval();
  EXPECT_EQ(static_cast<uint64_t>(m.dout), static_cast<uint64_t>(WANT));
}

}  // namespace
