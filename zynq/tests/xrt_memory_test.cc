// OpenXrtMemory on a machine without an XRT device (CI): it fails with a message that says
// why, whether or not the server was built with XRT, and no exception escapes.
#include "zynq/xrt_memory.h"

#include <gtest/gtest.h>

namespace pynq_remote::zynq {
namespace {

TEST(XrtMemoryTest, WithoutADeviceOpeningFailsCleanly) {
  Result<std::unique_ptr<DmaMemory>> memory = OpenXrtMemory(0);
  if (memory.ok()) GTEST_SKIP() << "an XRT device is present: " << memory.value()->Describe();
  const DeviceError& error = memory.error();
#if PYNQ_REMOTE_WITH_XRT
  EXPECT_EQ(error.code, ErrorCode::kInternal);
  EXPECT_NE(error.message.find("cannot open XRT device 0"), std::string::npos) << error.message;
  EXPECT_NE(error.message.find("--memory udmabuf|carveout"), std::string::npos) << error.message;
#else
  EXPECT_EQ(error.code, ErrorCode::kUnsupported);
  EXPECT_NE(error.message.find("built without XRT"), std::string::npos) << error.message;
  EXPECT_NE(error.message.find("install libxrt-dev and rebuild"), std::string::npos)
      << error.message;
#endif
}

TEST(XrtMemoryTest, AnotherIndexIsNamedInTheMessage) {
  Result<std::unique_ptr<DmaMemory>> memory = OpenXrtMemory(7);
  ASSERT_FALSE(memory.ok());
  EXPECT_NE(memory.error().message.find("device 7"), std::string::npos) << memory.error().message;
}

}  // namespace
}  // namespace pynq_remote::zynq
