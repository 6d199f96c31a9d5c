// PS GPIO of the hardware backend (zynq/ps_gpio.h) on fake board trees made by
// hil-tests/fake_board/make_fake_board.py: chip discovery, the sysfs route (export,
// direction, value, unexport), bad inputs, and the character device failing to open.
// The kernel's part of export (gpioN/ appearing) is played here by Export().
#include "zynq/ps_gpio.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "tests/test_root.h"
#include "zynq/zynq_device.h"

namespace pynq_remote::zynq {
namespace {

using pynq_remote::testing::TestRoot;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

class PsGpioTest : public ::testing::Test {
 protected:
  void Make(const std::string& family = "zynqmp") {
    const std::string command = std::string("/usr/bin/python3 ") + PYNQ_REMOTE_FAKE_BOARD + " " +
                                root_.path() + " --family " + family +
                                " --udmabuf-mb 1 > /dev/null";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    files_ = std::make_unique<BoardFiles>(root_.path());
  }
  std::string P(const std::string& rel) const { return root_.path() + "/" + rel; }
  // What the kernel does when `gpio` is written to export.
  void Export(int gpio, const std::string& value = "0\n") {
    const std::string dir = P("sys/class/gpio/gpio" + std::to_string(gpio));
    ASSERT_EQ(mkdir(dir.c_str(), 0755), 0) << dir;
    WriteFile(dir + "/direction", "in\n");
    WriteFile(dir + "/value", value);
  }
  std::string Pin(int gpio, const std::string& leaf) const {
    return ReadFile(P("sys/class/gpio/gpio" + std::to_string(gpio) + "/" + leaf));
  }

  TestRoot root_;
  std::unique_ptr<BoardFiles> files_;
};

TEST_F(PsGpioTest, FindsTheZynqMpControllerAndItsCharacterDevice) {
  Make();
  auto gpio = PsGpio::Discover(*files_);
  ASSERT_EQ(gpio->Chips().size(), 1u);
  const GpioChipInfo& chip = gpio->Chips()[0];
  EXPECT_EQ(chip.name, "gpiochip338");
  EXPECT_EQ(chip.label, "zynqmp_gpio");
  EXPECT_EQ(chip.base, 338);
  EXPECT_EQ(chip.ngpio, 174);
  EXPECT_EQ(chip.mio_pins, 78);
  const std::string text = gpio->Describe();
  EXPECT_NE(text.find("gpiochip338 \"zynqmp_gpio\" 338..511"), std::string::npos) << text;
  if (PsGpioHasLibgpiod()) {
    EXPECT_NE(text.find("via /dev/gpiochip0 (libgpiod"), std::string::npos) << text;
  } else {
    EXPECT_NE(text.find("Built without libgpiod"), std::string::npos) << text;
  }
}

TEST_F(PsGpioTest, FindsTheZynq7000ControllerAndPutsThePsChipFirst) {
  Make("zynq7000");
  // A second controller (an AXI GPIO with a Linux driver) with a lower base.
  const std::string other = P("sys/class/gpio/gpiochip500");
  ASSERT_EQ(mkdir(other.c_str(), 0755), 0);
  WriteFile(other + "/label", "a0000000.gpio\n");
  WriteFile(other + "/base", "500\n");
  WriteFile(other + "/ngpio", "8\n");
  // Not a chip: ignored.
  ASSERT_EQ(mkdir(P("sys/class/gpio/gpiochipX").c_str(), 0755), 0);
  auto gpio = PsGpio::Discover(*files_);
  ASSERT_EQ(gpio->Chips().size(), 2u);
  EXPECT_EQ(gpio->Chips()[0].name, "gpiochip906");
  EXPECT_EQ(gpio->Chips()[0].label, "zynq_gpio");
  EXPECT_EQ(gpio->Chips()[0].base, 906);
  EXPECT_EQ(gpio->Chips()[0].ngpio, 118);
  EXPECT_EQ(gpio->Chips()[0].mio_pins, 54);
  EXPECT_EQ(gpio->Chips()[1].name, "gpiochip500");
  EXPECT_EQ(gpio->Chips()[1].mio_pins, 0);
}

TEST_F(PsGpioTest, TheZynqDeviceServesItsChips) {
  Make();
  ZynqOptions options;
  options.root = root_.path();
  std::string error;
  std::unique_ptr<Device> device = CreateZynqDevice(options, &error);
  ASSERT_NE(device, nullptr) << error;
  ASSERT_EQ(device->GpioChips().size(), 1u);
  EXPECT_EQ(device->GpioChips()[0].name, "gpiochip338");
  Export(420);
  ASSERT_TRUE(device->GpioSetDirection(420, GpioDirection::kOut).ok());
  ASSERT_TRUE(device->GpioWrite(420, 1).ok());
  EXPECT_EQ(Pin(420, "value"), "1");
  ASSERT_TRUE(device->GpioRelease(420).ok());
  EXPECT_EQ(ReadFile(P("sys/class/gpio/unexport")), "420");
}

TEST_F(PsGpioTest, OutputThroughSysfsWhenTheCharacterDeviceDoesNotOpen) {
  Make();  // dev/gpiochip0 is a plain file: no GPIO chip
  auto gpio = PsGpio::Discover(*files_);
  Export(420);
  auto set = gpio->SetDirection(420, GpioDirection::kOut);
  ASSERT_TRUE(set.ok()) << set.error().message;
  EXPECT_EQ(gpio->RouteOf(420), "sysfs");
  EXPECT_EQ(Pin(420, "direction"), "low");              // an output that starts at 0
  EXPECT_EQ(ReadFile(P("sys/class/gpio/export")), "");  // gpio420/ was there: not exported again
  ASSERT_TRUE(gpio->Write(420, 1).ok());
  EXPECT_EQ(Pin(420, "value"), "1");
  Result<int> read = gpio->Read(420);
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read.value(), 1);
  ASSERT_TRUE(gpio->Write(420, 0).ok());
  EXPECT_EQ(Pin(420, "value"), "0");
  ASSERT_TRUE(gpio->Release(420).ok());
  EXPECT_EQ(Pin(420, "direction"), "in");  // no longer driven
  EXPECT_EQ(ReadFile(P("sys/class/gpio/unexport")), "420");
  EXPECT_EQ(gpio->RouteOf(420), "");
}

TEST_F(PsGpioTest, ACharacterDeviceThatIsNoGpioChipFallsBackToSysfs) {
  Make();
  ASSERT_EQ(unlink(P("dev/gpiochip0").c_str()), 0);
  ASSERT_EQ(symlink("/dev/null", P("dev/gpiochip0").c_str()), 0);
  auto gpio = PsGpio::Discover(*files_);
  Export(340, "1\n");
  ASSERT_TRUE(gpio->SetDirection(340, GpioDirection::kIn).ok());
  EXPECT_EQ(gpio->RouteOf(340), "sysfs");
  EXPECT_EQ(gpio->Read(340).value(), 1);
}

TEST_F(PsGpioTest, NoCharacterDeviceAtAllUsesSysfs) {
  Make();
  ASSERT_EQ(unlink(P("dev/gpiochip0").c_str()), 0);
  auto gpio = PsGpio::Discover(*files_);
  Export(416);
  ASSERT_TRUE(gpio->SetDirection(416, GpioDirection::kIn).ok());
  EXPECT_EQ(gpio->RouteOf(416), "sysfs");
  EXPECT_EQ(Pin(416, "direction"), "in");
  WriteFile(P("sys/class/gpio/gpio416/value"), "1\n");
  EXPECT_EQ(gpio->Read(416).value(), 1);
  WriteFile(P("sys/class/gpio/gpio416/value"), "0\n");
  EXPECT_EQ(gpio->Read(416).value(), 0);
  // An input is given back without touching its direction.
  ASSERT_TRUE(gpio->Release(416).ok());
  EXPECT_EQ(Pin(416, "direction"), "in");
  EXPECT_EQ(ReadFile(P("sys/class/gpio/unexport")), "416");
}

TEST_F(PsGpioTest, ExportWritesTheNumberAndSaysSoWhenNoPinDirectoryAppears) {
  Make();
  auto gpio = PsGpio::Discover(*files_);
  Status set = gpio->SetDirection(500, GpioDirection::kOut);
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.error().code, ErrorCode::kInternal);
  EXPECT_EQ(ReadFile(P("sys/class/gpio/export")), "500");
  EXPECT_NE(set.error().message.find("exporting gpio 500 (EMIO 84 of gpiochip338): wrote 500 to " +
                                     P("sys/class/gpio") + "/export, but " +
                                     P("sys/class/gpio/gpio500") + " did not appear"),
            std::string::npos)
      << set.error().message;
  EXPECT_EQ(gpio->RouteOf(500), "");
  // Not claimed, so nothing to read, write or give back.
  EXPECT_EQ(gpio->Read(500).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(gpio->Write(500, 1).error().code, ErrorCode::kPermissionDenied);
  EXPECT_TRUE(gpio->Release(500).ok());
}

TEST_F(PsGpioTest, AnExportTheKernelRefusesNamesThePin) {
  Make();
  ASSERT_EQ(unlink(P("sys/class/gpio/export").c_str()), 0);
  ASSERT_EQ(mkdir(P("sys/class/gpio/export").c_str(), 0755), 0);  // unwritable: EISDIR
  auto gpio = PsGpio::Discover(*files_);
  Status set = gpio->SetDirection(350, GpioDirection::kIn);
  ASSERT_FALSE(set.ok());
  EXPECT_NE(set.error().message.find("exporting gpio 350 (MIO 12 of gpiochip338)"),
            std::string::npos)
      << set.error().message;
}

TEST_F(PsGpioTest, BadInputs) {
  Make();
  auto gpio = PsGpio::Discover(*files_);
  for (int outside : {337, 512, -1}) {
    Status set = gpio->SetDirection(outside, GpioDirection::kOut);
    ASSERT_FALSE(set.ok());
    EXPECT_EQ(set.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(set.error().message, "gpio " + std::to_string(outside) +
                                       " is outside every GPIO chip: gpiochip338 \"zynqmp_gpio\" "
                                       "serves 338..511 (EMIO pin k is 338 + 78 + k)");
    EXPECT_EQ(gpio->Read(outside).error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(gpio->Write(outside, 0).error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(gpio->Release(outside).error().code, ErrorCode::kInvalidArgument);
  }
  Export(421);
  ASSERT_TRUE(gpio->SetDirection(421, GpioDirection::kIn).ok());
  Status to_input = gpio->Write(421, 1);
  EXPECT_EQ(to_input.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(to_input.error().message,
            "gpio 421 (EMIO 5 of gpiochip338) is an input: set it to \"out\" to drive it");
  EXPECT_EQ(Pin(421, "value"), "0\n");  // untouched
  for (int value : {2, -1}) {
    Status bad = gpio->Write(421, value);
    EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(bad.error().message, "GPIO value " + std::to_string(value) +
                                       " for gpio 421 (EMIO 5 of gpiochip338): want 0 or 1");
  }
  WriteFile(P("sys/class/gpio/gpio421/value"), "bogus\n");
  Result<int> garbled = gpio->Read(421);
  ASSERT_FALSE(garbled.ok());
  EXPECT_EQ(garbled.error().code, ErrorCode::kInternal);
  EXPECT_NE(garbled.error().message.find("holds \"bogus\", not 0 or 1"), std::string::npos);
  // Turning an input into an output re-writes its direction.
  ASSERT_TRUE(gpio->SetDirection(421, GpioDirection::kOut).ok());
  EXPECT_EQ(Pin(421, "direction"), "low");
  EXPECT_TRUE(gpio->Write(421, 1).ok());
}

TEST_F(PsGpioTest, ABoardWithoutGpioChipsSaysSo) {
  Make();
  ASSERT_EQ(unlink(P("sys/class/gpio/gpiochip338").c_str()), 0);
  auto gpio = PsGpio::Discover(*files_);
  EXPECT_TRUE(gpio->Chips().empty());
  EXPECT_NE(gpio->Describe().find("PS GPIO: none"), std::string::npos);
  Status set = gpio->SetDirection(400, GpioDirection::kIn);
  EXPECT_EQ(set.error().code, ErrorCode::kUnsupported);
  EXPECT_NE(set.error().message.find("serves no PS GPIO"), std::string::npos);
}

TEST_F(PsGpioTest, AChipWithBrokenFilesIsIgnored) {
  Make();
  WriteFile(P("sys/class/gpio/gpiochip338/ngpio"), "lots\n");
  auto gpio = PsGpio::Discover(*files_);
  EXPECT_TRUE(gpio->Chips().empty());
}

TEST_F(PsGpioTest, PinsStillExportedAtShutdownAreGivenBack) {
  Make();
  {
    auto gpio = PsGpio::Discover(*files_);
    Export(430);
    ASSERT_TRUE(gpio->SetDirection(430, GpioDirection::kOut).ok());
  }
  EXPECT_EQ(Pin(430, "direction"), "in");
  EXPECT_EQ(ReadFile(P("sys/class/gpio/unexport")), "430");
}

}  // namespace
}  // namespace pynq_remote::zynq
