// The target-root sandbox on its own: what resolves, what is refused.
#include "service/root_fs.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "test_root.h"

namespace pynq_remote::service {
namespace {

class RootFsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(tmp_.path().empty());
    mkdir((tmp_.path() + "/proc").c_str(), 0755);
    Result<RootFs> root = RootFs::Open(tmp_.path());
    ASSERT_TRUE(root.ok());
    root_.emplace(root.value());
    ASSERT_TRUE(root_->WriteAll("/proc/version", "Linux aarch64").ok());
  }
  void ExpectRefused(const std::string& path) {
    Result<std::string> host = root_->Resolve(path);
    EXPECT_FALSE(host.ok()) << "accepted: " << path;
    if (!host.ok()) EXPECT_EQ(host.error().code, ErrorCode::kInvalidArgument) << path;
  }

  testing::TestRoot tmp_;
  std::optional<RootFs> root_;
};

TEST_F(RootFsTest, AbsoluteAndRelativePathsMapUnderTheRoot) {
  EXPECT_EQ(root_->Resolve("/proc/version").value(), root_->dir() + "/proc/version");
  EXPECT_EQ(root_->Resolve("proc/version").value(), root_->dir() + "/proc/version");
  EXPECT_EQ(root_->Resolve("//proc/./version").value(), root_->dir() + "/proc/version");
  EXPECT_EQ(root_->Resolve("/").value(), root_->dir());
}

TEST_F(RootFsTest, RefusesDotDotAnywhere) {
  ExpectRefused("..");
  ExpectRefused("/../etc/passwd");
  ExpectRefused("/proc/../../etc/passwd");
  ExpectRefused("/proc/..");
  ExpectRefused("proc/version/..");
}

TEST_F(RootFsTest, RefusesMalformedSpellings) {
  ExpectRefused("");
  ExpectRefused(std::string("/proc/ver\0sion", 13));
  ExpectRefused("/proc/\x01version");
  ExpectRefused("/proc/version\n");
  ExpectRefused("..\\..\\etc");
  ExpectRefused("/\xC0\xAE\xC0\xAE/etc");  // overlong "."
  ExpectRefused("/\xED\xA0\x80");          // a UTF-16 surrogate
  ExpectRefused("/\xFF\xFE");              // not UTF-8 at all
  ExpectRefused("/trunc\xE2\x82");         // truncated sequence
  ExpectRefused(std::string(5000, 'a'));
  EXPECT_TRUE(root_->Resolve("/lib/firmware/caf\xC3\xA9.bin").ok());  // valid UTF-8 is fine
}

TEST_F(RootFsTest, SymlinksMayNotLeaveTheRoot) {
  ASSERT_EQ(symlink("/etc", (root_->dir() + "/etc_link").c_str()), 0);
  ASSERT_EQ(symlink("/etc/passwd", (root_->dir() + "/passwd").c_str()), 0);
  ASSERT_EQ(symlink("../..", (root_->dir() + "/proc/up").c_str()), 0);
  ASSERT_EQ(symlink("/nonexistent/x", (root_->dir() + "/dangling").c_str()), 0);
  ExpectRefused("/etc_link/passwd");
  ExpectRefused("/passwd");
  ExpectRefused("/proc/up/etc");
  ExpectRefused("/dangling");
  EXPECT_FALSE(root_->OpenRead("/passwd").ok());
  EXPECT_FALSE(root_->OpenWrite("/etc_link/x").ok());
}

TEST_F(RootFsTest, SymlinksInsideTheRootWork) {
  ASSERT_EQ(symlink("proc", (root_->dir() + "/p").c_str()), 0);
  ASSERT_EQ(symlink(root_->dir().c_str(), (root_->dir() + "/self").c_str()), 0);
  EXPECT_EQ(root_->ReadAll("/p/version", 100).value(), "Linux aarch64");
  EXPECT_EQ(root_->ReadAll("/self/proc/version", 100).value(), "Linux aarch64");
}

TEST_F(RootFsTest, ExistsOpenAndLimits) {
  EXPECT_TRUE(root_->Exists("/proc/version").value());
  EXPECT_FALSE(root_->Exists("/proc/missing").value());
  Result<UniqueFd> missing = root_->OpenRead("/proc/missing");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kUnknownId);
  EXPECT_FALSE(root_->OpenRead("/proc").ok());            // a directory
  EXPECT_FALSE(root_->OpenWrite("/").ok());               // the root itself
  EXPECT_FALSE(root_->OpenWrite("/no/such/dir/x").ok());  // parents must exist
  Result<std::string> big = root_->ReadAll("/proc/version", 4);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code, ErrorCode::kNoMemory);
}

TEST(RootFsOpen, RefusesAMissingDirectory) {
  EXPECT_FALSE(RootFs::Open("/nonexistent/pynq-remote-root").ok());
}

}  // namespace
}  // namespace pynq_remote::service
