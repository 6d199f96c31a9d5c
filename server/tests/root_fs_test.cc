// The target-root sandbox on its own: what resolves, what is refused, and what no concurrent
// symlink swap can change. Every test runs twice: with the kernel's openat2 and with the
// walker that stands in for it on older kernels.
#include "state/root_fs.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include "state/fpga_manager.h"
#include "test_root.h"

namespace pynq_remote::service {
namespace {

enum class Resolver { kOpenat2, kWalker };

class RootFsTest : public ::testing::TestWithParam<Resolver> {
 protected:
  void SetUp() override {
    ForceOpenInRootWalkerForTesting(GetParam() == Resolver::kWalker);
    ASSERT_FALSE(tmp_.path().empty());
    mkdir((tmp_.path() + "/proc").c_str(), 0755);
    Result<RootFs> root = RootFs::Open(tmp_.path());
    ASSERT_TRUE(root.ok());
    root_.emplace(std::move(root).value());
    ASSERT_TRUE(root_->WriteAll("/proc/version", "Linux aarch64").ok());
  }
  void TearDown() override { ForceOpenInRootWalkerForTesting(false); }

  std::string Host(const std::string& relative) const { return root_->dir() + "/" + relative; }
  void ExpectRefused(const std::string& path) {
    Result<bool> exists = root_->Exists(path);
    EXPECT_FALSE(exists.ok()) << "accepted: " << path;
    if (!exists.ok()) EXPECT_EQ(exists.error().code, ErrorCode::kInvalidArgument) << path;
  }
  std::string Read(const std::string& path) {
    Result<std::string> text = root_->ReadAll(path, 1000);
    return text.ok() ? text.value() : "error: " + text.error().message;
  }

  testing::TestRoot tmp_;
  testing::TestRoot outside_;  // stands for the host outside the root
  std::optional<RootFs> root_;
};

TEST_P(RootFsTest, AbsoluteAndRelativePathsMapUnderTheRoot) {
  EXPECT_EQ(Read("/proc/version"), "Linux aarch64");
  EXPECT_EQ(Read("proc/version"), "Linux aarch64");
  EXPECT_EQ(Read("//proc/./version"), "Linux aarch64");
  EXPECT_TRUE(root_->Exists("/").value());
  EXPECT_TRUE(root_->Identify("/").ok());
}

TEST_P(RootFsTest, RefusesDotDotAnywhere) {
  ExpectRefused("..");
  ExpectRefused("/../etc/passwd");
  ExpectRefused("/proc/../../etc/passwd");
  ExpectRefused("/proc/..");
  ExpectRefused("proc/version/..");
}

TEST_P(RootFsTest, RefusesMalformedSpellings) {
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
  EXPECT_TRUE(root_->WriteAll("/proc/caf\xC3\xA9.bin", "x").ok());  // valid UTF-8 is fine
}

// Symlinks resolve as on the board, with the root as "/": an absolute target or ".." above
// the root can only land inside it, never on the host's files.
TEST_P(RootFsTest, SymlinksResolveInsideTheRoot) {
  ASSERT_EQ(symlink(outside_.path().c_str(), Host("out").c_str()), 0);
  ASSERT_EQ(symlink("/etc/passwd", Host("passwd").c_str()), 0);
  ASSERT_EQ(symlink("../../../..", Host("proc/up").c_str()), 0);
  ASSERT_EQ(symlink("/nonexistent/x", Host("dangling").c_str()), 0);
  FILE* host_file = fopen((outside_.path() + "/secret.txt").c_str(), "w");
  ASSERT_NE(host_file, nullptr);
  fputs("TOPSECRET", host_file);
  fclose(host_file);

  // The host's directory is not reachable through the link: the link's target is looked
  // for inside the root, where nothing is.
  Result<std::string> secret = root_->ReadAll("/out/secret.txt", 100);
  ASSERT_FALSE(secret.ok());
  EXPECT_EQ(secret.error().code, ErrorCode::kUnknownId);
  EXPECT_FALSE(root_->OpenWrite("/out/pwned").ok());
  EXPECT_NE(access((outside_.path() + "/pwned").c_str(), F_OK), 0);

  // The board's own /etc/passwd, not the host's.
  mkdir(Host("etc").c_str(), 0755);
  ASSERT_TRUE(root_->WriteAll("/etc/passwd", "board passwd").ok());
  EXPECT_EQ(Read("/passwd"), "board passwd");
  EXPECT_EQ(Read("/proc/up/etc/passwd"), "board passwd");  // ".." stops at the root

  EXPECT_FALSE(root_->Exists("/dangling").value());
  Result<UniqueFd> dangling = root_->OpenRead("/dangling");
  ASSERT_FALSE(dangling.ok());
  EXPECT_EQ(dangling.error().code, ErrorCode::kUnknownId);
}

TEST_P(RootFsTest, SymlinksInsideTheRootWork) {
  ASSERT_EQ(symlink("proc", Host("p").c_str()), 0);
  ASSERT_EQ(symlink("/proc/version", Host("v").c_str()), 0);
  ASSERT_EQ(symlink("/", Host("self").c_str()), 0);
  EXPECT_EQ(Read("/p/version"), "Linux aarch64");
  EXPECT_EQ(Read("/v"), "Linux aarch64");
  EXPECT_EQ(Read("/self/self/proc/version"), "Linux aarch64");
  // A write through a symlink lands on its target, and the identity says so.
  ASSERT_TRUE(root_->WriteAll("/v", "Linux x86").ok());
  EXPECT_EQ(Read("/proc/version"), "Linux x86");
  EXPECT_TRUE(root_->Identify("/v").value() == root_->Identify("/proc/version").value());
}

TEST_P(RootFsTest, SymlinkLoopsAreRefused) {
  ASSERT_EQ(symlink("b", Host("a").c_str()), 0);
  ASSERT_EQ(symlink("a", Host("b").c_str()), 0);
  Result<UniqueFd> loop = root_->OpenRead("/a");
  ASSERT_FALSE(loop.ok());
  EXPECT_EQ(loop.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(loop.error().message.find("symbolic links"), std::string::npos);
}

TEST_P(RootFsTest, ExistsOpenAndLimits) {
  EXPECT_TRUE(root_->Exists("/proc/version").value());
  EXPECT_FALSE(root_->Exists("/proc/missing").value());
  EXPECT_FALSE(root_->Exists("/proc/version/below").value());  // a file is no directory
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

TEST_P(RootFsTest, OpenWriteCanLeaveTheContentsForTheCallerToCheck) {
  Result<UniqueFd> fd = root_->OpenWrite("/proc/version", /*truncate=*/false);
  ASSERT_TRUE(fd.ok());
  EXPECT_EQ(Read("/proc/version"), "Linux aarch64");
  EXPECT_TRUE(FileIdOf(fd.value().get()).value() == root_->Identify("/proc/version").value());
  ASSERT_TRUE(root_->WriteAll("/proc/version", "v2").ok());  // WriteAll truncates
  EXPECT_EQ(Read("/proc/version"), "v2");
  ASSERT_TRUE(root_->WriteAll("/proc/new", "fresh").ok());  // and creates
  EXPECT_EQ(Read("/proc/new"), "fresh");
}

TEST_P(RootFsTest, MakeDirectoriesCreatesEachLevelInsideTheRoot) {
  ASSERT_TRUE(root_->MakeDirectories("/sys/class/fpga_manager/fpga0").ok());
  struct stat st;
  ASSERT_EQ(stat(Host("sys/class/fpga_manager/fpga0").c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_TRUE(root_->MakeDirectories("/sys/class").ok());  // existing: fine
  // Through an absolute symlink the directory is looked for inside the root, where it is
  // missing: nothing is made, and nothing outside.
  ASSERT_EQ(symlink(outside_.path().c_str(), Host("link").c_str()), 0);
  EXPECT_FALSE(root_->MakeDirectories("/link/made").ok());
  EXPECT_NE(access((outside_.path() + "/made").c_str(), F_OK), 0);
  // Once the link's target exists inside the root, the directory goes there.
  ASSERT_EQ(symlink("/sys", Host("sys_link").c_str()), 0);
  EXPECT_TRUE(root_->MakeDirectories("/sys_link/made").ok());
  EXPECT_EQ(access(Host("sys/made").c_str(), F_OK), 0);
}

// A FIFO would block open() (and read()) forever; it is refused by its type, at once.
TEST_P(RootFsTest, FifosAndSocketsAreRefusedByTypeWithoutBlocking) {
  ASSERT_EQ(mkfifo(Host("fifo").c_str(), 0644), 0);
  Result<UniqueFd> read_fifo = root_->OpenRead("/fifo");
  ASSERT_FALSE(read_fifo.ok());
  EXPECT_EQ(read_fifo.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(read_fifo.error().message.find("FIFO"), std::string::npos) << read_fifo.error().message;
  Result<UniqueFd> write_fifo = root_->OpenWrite("/fifo");
  ASSERT_FALSE(write_fifo.ok());
  EXPECT_NE(write_fifo.error().message.find("FIFO"), std::string::npos);
  EXPECT_FALSE(root_->ReadAll("/fifo", 100).ok());

  int sock = socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(sock, 0);
  struct sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  const std::string sock_path = Host("sock");
  ASSERT_LT(sock_path.size(), sizeof addr.sun_path);
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", sock_path.c_str());
  ASSERT_EQ(bind(sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  Result<UniqueFd> read_sock = root_->OpenRead("/sock");
  close(sock);
  ASSERT_FALSE(read_sock.ok());
  EXPECT_NE(read_sock.error().message.find("socket"), std::string::npos);
}

// Devices are refused by type before anything opens them (no driver's open() runs).
TEST_P(RootFsTest, DevicesAreRefusedByType) {
  ASSERT_EQ(symlink("/dev/null", Host("null").c_str()), 0);  // inside the root: nothing
  EXPECT_FALSE(root_->Exists("/null").value());
  if (mknod(Host("zero").c_str(), S_IFCHR | 0666, makedev(1, 5)) != 0) {
    GTEST_SKIP() << "mknod is not permitted here (no CAP_MKNOD)";
  }
  Result<UniqueFd> zero = root_->OpenRead("/zero");
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(zero.error().message.find("character device"), std::string::npos);
  EXPECT_FALSE(root_->OpenWrite("/zero").ok());
}

// The reproduction of the escape: a local process swaps a directory and a symlink to the
// host's /tmp with renameat2(RENAME_EXCHANGE) as fast as it can while files are read and
// written through the directory. Not one access may reach the host's files.
TEST_P(RootFsTest, ASymlinkSwappedInDuringCallsNeverLeadsOutside) {
  mkdir(Host("d").c_str(), 0755);
  ASSERT_TRUE(root_->WriteAll("/d/secret.txt", "inside").ok());
  FILE* host_file = fopen((outside_.path() + "/secret.txt").c_str(), "w");
  ASSERT_NE(host_file, nullptr);
  fputs("TOPSECRET", host_file);
  fclose(host_file);
  ASSERT_EQ(symlink(outside_.path().c_str(), Host("L").c_str()), 0);

  std::atomic<bool> stop{false};
  std::atomic<uint64_t> swaps{0};
  std::thread swapper([&] {
    while (!stop.load()) {
      if (renameat2(AT_FDCWD, Host("d").c_str(), AT_FDCWD, Host("L").c_str(), RENAME_EXCHANGE) ==
          0) {
        swaps.fetch_add(1);
      }
    }
  });
  int inside = 0;
  int leaked = 0;
  for (int i = 0; i < 3000; ++i) {
    Result<std::string> text = root_->ReadAll("/d/secret.txt", 100);
    if (text.ok() && text.value() == "inside") ++inside;
    if (text.ok() && text.value() == "TOPSECRET") ++leaked;
    (void)root_->WriteAll("/d/pwned_by_race", "x");
  }
  stop = true;
  swapper.join();
  EXPECT_EQ(leaked, 0) << "of 3000 reads";
  EXPECT_NE(access((outside_.path() + "/pwned_by_race").c_str(), F_OK), 0)
      << "a write left the root";
  EXPECT_GT(swaps.load(), 0u);
  EXPECT_GT(inside, 0);  // the race is real: some reads found the directory in place
}

INSTANTIATE_TEST_SUITE_P(BothResolvers, RootFsTest,
                         ::testing::Values(Resolver::kOpenat2, Resolver::kWalker),
                         [](const ::testing::TestParamInfo<Resolver>& info) {
                           return info.param == Resolver::kOpenat2 ? "Openat2" : "Walker";
                         });

TEST(RootFsOpen, RefusesAMissingDirectory) {
  EXPECT_FALSE(RootFs::Open("/nonexistent/pynq-remote-root").ok());
}

TEST(RootFsOpen, TheKernelResolverIsUsedWhereItExists) {
  testing::TestRoot tmp;
  Result<RootFs> root = RootFs::Open(tmp.path());
  ASSERT_TRUE(root.ok());
  EXPECT_TRUE(root.value().Exists("/").value());
  // Informational: qemu-user and kernels before 5.6 have no openat2, and the walker serves.
  std::printf("openat2 in use: %s\n", OpenInRootUsesOpenat2() ? "yes" : "no (the walker)");
}

// A sim root shows the PS GPIO chips as Linux's sysfs does, for discovery by label.
TEST(PopulateSimRoot, WritesTheGpioChips) {
  testing::TestRoot tmp;
  Result<RootFs> root = RootFs::Open(tmp.path());
  ASSERT_TRUE(root.ok()) << root.error().message;
  DeviceInfo info;
  info.board = "ZCU104";
  info.arch = "aarch64";
  ASSERT_TRUE(
      PopulateSimRoot(root.value(), info, {{"gpiochip338", "zynqmp_gpio", 338, 174, 78}}).ok());
  const std::pair<const char*, const char*> files[] = {
      {"/sys/class/gpio/gpiochip338/label", "zynqmp_gpio\n"},
      {"/sys/class/gpio/gpiochip338/base", "338\n"},
      {"/sys/class/gpio/gpiochip338/ngpio", "174\n"}};
  for (const auto& [path, want] : files) {
    Result<std::string> text = root.value().ReadAll(path, 64);
    ASSERT_TRUE(text.ok()) << path;
    EXPECT_EQ(text.value(), want);
  }
}

}  // namespace
}  // namespace pynq_remote::service
