// The MMIO access policy alone: which windows each mode allows, and the refusal's text.
#include "state/mmio_policy.h"

#include <gtest/gtest.h>

#include "device/ps_windows.h"

namespace pynq_remote::service {
namespace {

const std::vector<AddressWindow> kBus = {{"M_AXI_HPM0_FPD", 0xA0000000, 0x10000000},
                                         {"CRL_APB", 0xFF5E0000, 0x100},
                                         {"OTHER_PS", 0xFF000000, 0x1000}};
const std::vector<AddressWindow> kDeclared = {{"ip_0/S_AXI", 0xA0000000, 0x10000}};

TEST(MmioPolicy, OverlayModeAllowsTheDeclaredWindowsAndThePsPagesOnly) {
  MmioPolicy policy(MmioPolicyMode::kOverlay, kBus, DefaultPsAllowlist());
  policy.SetOverlay("design.bin", kDeclared);
  EXPECT_TRUE(policy.Check(0xA0000000, 4).ok());
  EXPECT_TRUE(policy.Check(0xA000FFFC, 4).ok());
  EXPECT_TRUE(policy.Check(0xFF5E00C0, 4).ok());  // PL0_REF_CTRL
  Status past_end = policy.Check(0xA000FFFC, 8);
  ASSERT_FALSE(past_end.ok());
  EXPECT_EQ(past_end.error().code, ErrorCode::kPermissionDenied);
  const std::string& text = past_end.error().message;
  EXPECT_NE(text.find("design.bin maps ip_0/S_AXI 0xA0000000+0x10000"), std::string::npos) << text;
  EXPECT_NE(text.find("--mmio-allow"), std::string::npos);
  EXPECT_FALSE(policy.Check(0xFF000000, 4).ok()) << "a PS page PYNQ does not need";
}

TEST(MmioPolicy, ThePsGpioControllersAreOnTheDefaultAllowList) {
  MmioPolicy policy(MmioPolicyMode::kOverlay, kBus, DefaultPsAllowlist());
  policy.SetOverlay("design.bin", kDeclared);
  EXPECT_TRUE(policy.Check(0xFF0A0000 + 0x204 + 0x40 * 3, 4).ok());  // ZynqMP DIRM_3
  EXPECT_TRUE(policy.Check(0xE000A000 + 0x48, 4).ok());              // Zynq-7000 DATA_2
  EXPECT_FALSE(policy.Check(0xFF0A1000, 4).ok());                    // past the page
}

TEST(MmioPolicy, OverlayModeWithoutAnAddressMapFallsBackToThePlBus) {
  MmioPolicy policy(MmioPolicyMode::kOverlay, kBus, DefaultPsAllowlist());
  EXPECT_TRUE(policy.Check(0xA8000000, 4).ok()) << "empty PL: the board says not programmed";
  policy.SetOverlay("no_hwh.bin", std::nullopt);
  EXPECT_TRUE(policy.Check(0xA8000000, 4).ok());
  EXPECT_FALSE(policy.Check(0xFF000000, 4).ok());
}

TEST(MmioPolicy, StrictModeNeedsAnAddressMap) {
  MmioPolicy policy(MmioPolicyMode::kStrict, kBus, DefaultPsAllowlist());
  EXPECT_FALSE(policy.Check(0xA0000000, 4).ok());
  policy.SetOverlay("no_hwh.bin", std::nullopt);
  Status refused = policy.Check(0xA0000000, 4);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("without a .hwh"), std::string::npos);
  policy.SetOverlay("with.bin", kDeclared);
  EXPECT_TRUE(policy.Check(0xA0000000, 4).ok());
  policy.ClearOverlay();
  EXPECT_FALSE(policy.Check(0xA0000000, 4).ok());
  EXPECT_TRUE(policy.Check(0xFF5E00C0, 4).ok());
}

TEST(MmioPolicy, OpenModeAllowsEveryBusWindow) {
  MmioPolicy policy(MmioPolicyMode::kOpen, kBus, DefaultPsAllowlist());
  policy.SetOverlay("design.bin", kDeclared);
  EXPECT_TRUE(policy.Check(0xA8000000, 4).ok());
  EXPECT_TRUE(policy.Check(0xFF000000, 4).ok());
  EXPECT_FALSE(policy.Check(0x10, 4).ok());
}

TEST(MmioPolicy, HighPlWindowsAreBusWindowsAndAHighOverlayWindowIsAllowed) {
  // A ZynqMP board's windows (ps_windows.h): M_AXI_HPM0_FPD also at 0x4_0000_0000.
  const std::vector<AddressWindow> zynqmp = PlBusWindows(PsFamily::kZynqMP);
  MmioPolicy fallback(MmioPolicyMode::kOverlay, zynqmp, DefaultPsAllowlist());
  fallback.SetOverlay("no_hwh.bin", std::nullopt);
  EXPECT_TRUE(fallback.Check(0x400000010, 4).ok());
  EXPECT_TRUE(fallback.Check(0x5FFFFFFF8, 8).ok());
  EXPECT_FALSE(fallback.Check(0x600000000, 4).ok());

  MmioPolicy policy(MmioPolicyMode::kOverlay, zynqmp, DefaultPsAllowlist());
  policy.SetOverlay("blinkled.bin",
                    std::vector<AddressWindow>{{"blinkled_0/saxi", 0x400000000, 0x80}});
  EXPECT_TRUE(policy.Check(0x400000000, 4).ok());
  EXPECT_TRUE(policy.Check(0x40000007C, 4).ok());
  Status past = policy.Check(0x400000080, 4);
  ASSERT_FALSE(past.ok());
  EXPECT_NE(past.error().message.find("blinkled_0/saxi 0x400000000+0x80"), std::string::npos)
      << past.error().message;
  EXPECT_FALSE(policy.Check(0xA0000000, 4).ok()) << "the low window is not in the overlay";
}

TEST(MmioPolicy, ParsesModesAndWindowSpecs) {
  EXPECT_EQ(ParseMmioPolicyMode("strict"), MmioPolicyMode::kStrict);
  EXPECT_FALSE(ParseMmioPolicyMode("Strict"));
  std::optional<AddressWindow> w = ParseWindowSpec("0xA0000000:0x1000");
  ASSERT_TRUE(w);
  EXPECT_EQ(w->base, 0xA0000000u);
  EXPECT_EQ(w->size, 0x1000u);
  EXPECT_TRUE(ParseWindowSpec("4096:16"));
  for (const char* bad :
       {"", ":", "0xA0000000", "0xA0000000:0", "x:1", "1:-1", "-1:4", "0xFFFFFFFFFFFFF000:0x2000",
        "1:2:3", "0x1 :4", "99999999999999999999:1"}) {
    EXPECT_FALSE(ParseWindowSpec(bad)) << bad;
  }
}

}  // namespace
}  // namespace pynq_remote::service
