// The .hwh interrupt wiring reader: the generated sim designs (through xlconcat to an AXI
// INTC, and straight to the PS on both families), the real Vivado resizer .hwh, hand-made
// wiring (concat widths, pl_ps_irq1, cascades) and bad input (an error, never a crash).
#include "overlay/hwh_interrupts.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace pynq_remote::overlay {
namespace {

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::filesystem::path TestDataDir() {
  const char* named = std::getenv("PYNQ_REMOTE_TESTDATA_DIR");
  return named != nullptr && *named != '\0' ? named : PYNQ_REMOTE_TESTDATA_DIR;
}

bool InCi() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

// The generated design's .hwh, or "" (the test skips) when this build has not got it.
std::string Design(const std::string& name) {
  const std::filesystem::path hwh =
      std::filesystem::path(PYNQ_REMOTE_DESIGNS_DIR) / name / (name + ".hwh");
  return std::filesystem::exists(hwh) ? ReadFile(hwh) : "";
}

std::string Port(const std::string& name, const std::string& dir, const std::string& to_instance,
                 const std::string& to_port, const std::string& range = "") {
  return "<PORT DIR=\"" + dir + "\" NAME=\"" + name + "\" " + range +
         " SIGIS=\"INTERRUPT\"><CONNECTIONS><CONNECTION INSTANCE=\"" + to_instance + "\" PORT=\"" +
         to_port + "\"/></CONNECTIONS></PORT>\n";
}

std::string Module(const std::string& instance, const std::string& type, const std::string& ports,
                   const std::string& extra = "") {
  return "<MODULE FULLNAME=\"/" + instance + "\" INSTANCE=\"" + instance + "\" MODTYPE=\"" + type +
         "\">" + extra + "<PORTS>\n" + ports + "</PORTS></MODULE>\n";
}

std::string Hwh(const std::string& modules, const std::string& ps_ports,
                const std::string& ps_type = "zynq_ultra_ps_e") {
  return "<?xml version=\"1.0\"?>\n<EDKSYSTEM><MODULES>\n" + modules +
         "<MODULE FULLNAME=\"/ps\" INSTANCE=\"ps\" MODTYPE=\"" + ps_type +
         "\"><MEMORYMAP>"
         "<MEMRANGE BASEVALUE=\"0xA0010000\" HIGHVALUE=\"0xA001FFFF\" INSTANCE=\"intc\" "
         "MEMTYPE=\"REGISTER\" SLAVEBUSINTERFACE=\"s_axi\"/>"
         "<MEMRANGE BASEVALUE=\"0xA0020000\" HIGHVALUE=\"0xA002FFFF\" INSTANCE=\"intc2\" "
         "MEMTYPE=\"REGISTER\" SLAVEBUSINTERFACE=\"s_axi\"/>"
         "</MEMORYMAP><PORTS>\n" +
         ps_ports + "</PORTS></MODULE>\n</MODULES></EDKSYSTEM>\n";
}

TEST(HwhInterrupts, GpioIntcDesignGoesThroughTheIntcToLine0) {
  const std::string text = Design("gpio_intc");
  if (text.empty()) GTEST_SKIP() << "gpio_intc not built";
  Result<HwhInterrupts> irq = ParseHwhInterrupts(text, "gpio_intc.hwh");
  ASSERT_TRUE(irq.ok()) << irq.error().message;
  ASSERT_EQ(irq.value().controllers.size(), 1u);
  EXPECT_EQ(irq.value().controllers[0].instance, "axi_intc_0");
  EXPECT_EQ(irq.value().controllers[0].base, 0xA0010000u);
  EXPECT_EQ(irq.value().controllers[0].ps_line, 0);
  const HwhInterruptPin* pin = irq.value().FindPin("axi_gpio_0/ip2intc_irpt");
  ASSERT_NE(pin, nullptr) << irq.value().PinList();
  EXPECT_EQ(pin->controller, "axi_intc_0");
  EXPECT_EQ(pin->controller_base, 0xA0010000u);
  EXPECT_EQ(pin->index, 0);
  EXPECT_EQ(pin->ps_line, 0);
  EXPECT_EQ(irq.value().FindController(0xA0010000u), &irq.value().controllers[0]);
}

TEST(HwhInterrupts, DmaLoopbackThroughXlconcat) {
  const std::string text = Design("dma_loopback");
  if (text.empty()) GTEST_SKIP() << "dma_loopback not built";
  Result<HwhInterrupts> irq = ParseHwhInterrupts(text, "dma_loopback.hwh");
  ASSERT_TRUE(irq.ok()) << irq.error().message;
  const HwhInterruptPin* mm2s = irq.value().FindPin("axi_dma_0/mm2s_introut");
  const HwhInterruptPin* s2mm = irq.value().FindPin("axi_dma_0/s2mm_introut");
  ASSERT_NE(mm2s, nullptr) << irq.value().PinList();
  ASSERT_NE(s2mm, nullptr) << irq.value().PinList();
  EXPECT_EQ(mm2s->index, 0);
  EXPECT_EQ(s2mm->index, 1);
  EXPECT_EQ(s2mm->controller_base, 0xA0010000u);
  EXPECT_EQ(s2mm->ps_line, 0);
}

TEST(HwhInterrupts, ZynqDesignWiredStraightToIrqF2p) {
  const std::string text = Design("pynqz2_dma");
  if (text.empty()) GTEST_SKIP() << "pynqz2_dma not built";
  Result<HwhInterrupts> irq = ParseHwhInterrupts(text, "pynqz2_dma.hwh");
  ASSERT_TRUE(irq.ok()) << irq.error().message;
  const HwhInterruptPin* gpio = irq.value().FindPin("axi_gpio_0/ip2intc_irpt");
  ASSERT_NE(gpio, nullptr) << irq.value().PinList();
  EXPECT_EQ(gpio->controller, "");
  EXPECT_EQ(gpio->index, 2);
  EXPECT_EQ(gpio->ps_line, 2);
}

TEST(HwhInterrupts, RefAccelInterruptStraightToPlPsIrq0) {
  const std::string text = Design("ref_accel");
  if (text.empty()) GTEST_SKIP() << "ref_accel not built";
  Result<HwhInterrupts> irq = ParseHwhInterrupts(text, "ref_accel.hwh");
  ASSERT_TRUE(irq.ok()) << irq.error().message;
  ASSERT_EQ(irq.value().pins.size(), 1u) << irq.value().PinList();
  EXPECT_EQ(irq.value().pins[0].controller, "");
  EXPECT_EQ(irq.value().pins[0].ps_line, 0);
}

TEST(HwhInterrupts, EveryGeneratedDesignParses) {
  const std::filesystem::path dir = PYNQ_REMOTE_DESIGNS_DIR;
  if (!std::filesystem::is_directory(dir)) GTEST_SKIP() << dir << " not built";
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::filesystem::path hwh = entry.path() / (entry.path().filename().string() + ".hwh");
    if (!std::filesystem::exists(hwh)) continue;
    Result<HwhInterrupts> irq = ParseHwhInterrupts(ReadFile(hwh), hwh.string());
    ASSERT_TRUE(irq.ok()) << irq.error().message;
    for (const HwhInterruptPin& pin : irq.value().pins) {
      EXPECT_GE(pin.ps_line, 0) << hwh << " " << pin.path;
      EXPECT_LT(pin.ps_line, 16) << hwh << " " << pin.path;
    }
  }
}

TEST(HwhInterrupts, RealVivadoResizerHasItsInterruptsUnwired) {
  const std::filesystem::path hwh = TestDataDir() / "hwh" / "zcu104_resizer.hwh";
  if (!std::filesystem::is_regular_file(hwh)) {
    const std::string reason = "third-party test data hwh/zcu104_resizer.hwh is not in " +
                               TestDataDir().string() + ": run ci/fetch-testdata.sh DIR";
    if (InCi()) FAIL() << "CI=true: " << reason;
    GTEST_SKIP() << reason;
  }
  Result<HwhInterrupts> irq = ParseHwhInterrupts(ReadFile(hwh), "zcu104_resizer.hwh");
  ASSERT_TRUE(irq.ok()) << irq.error().message;
  // The resizer overlay leaves pl_ps_irq0 open: the DMA's and the HLS block's interrupt
  // outputs go nowhere, and the server must say so rather than register them.
  EXPECT_TRUE(irq.value().pins.empty()) << irq.value().PinList();
  EXPECT_TRUE(irq.value().controllers.empty());
  EXPECT_EQ(irq.value().unwired.size(), 3u);
}

TEST(HwhInterrupts, ConcatWidthsCountAndPlPsIrq1IsLine8Up) {
  const std::string modules =
      Module("a", "axi_dma", Port("o", "O", "cat", "In0")) +
      Module("b", "axi_gpio", Port("o", "O", "cat", "In1")) +
      Module("c", "axi_gpio", Port("o", "O", "ps", "pl_ps_irq1")) +
      Module("d", "axi_gpio", Port("o", "O", "nowhere", "x")) +
      Module("cat", "xlconcat",
             Port("In0", "I", "a", "o", "LEFT=\"2\" RIGHT=\"0\"") + Port("In1", "I", "b", "o") +
                 Port("dout", "O", "intc", "intr")) +
      Module("intc", "axi_intc", Port("irq", "O", "ps", "pl_ps_irq0"));
  Result<HwhInterrupts> irq = ParseHwhInterrupts(
      Hwh(modules, Port("pl_ps_irq0", "I", "intc", "irq") + Port("pl_ps_irq1", "I", "c", "o")));
  ASSERT_TRUE(irq.ok()) << irq.error().message;
  ASSERT_NE(irq.value().FindPin("b/o"), nullptr) << irq.value().PinList();
  EXPECT_EQ(irq.value().FindPin("a/o")->index, 0);
  EXPECT_EQ(irq.value().FindPin("b/o")->index, 3);  // after In0's three bits
  EXPECT_EQ(irq.value().FindPin("b/o")->controller_base, 0xA0010000u);
  ASSERT_NE(irq.value().FindPin("c/o"), nullptr);
  EXPECT_EQ(irq.value().FindPin("c/o")->ps_line, 8);
  EXPECT_EQ(irq.value().FindPin("d/o"), nullptr);
  ASSERT_EQ(irq.value().unwired.size(), 1u);
  EXPECT_EQ(irq.value().unwired[0], "d/o");
}

TEST(HwhInterrupts, CascadedIntcReachesNoLineAndConcatWidthFromParameter) {
  const std::string modules =
      Module("a", "axi_dma", Port("o", "O", "cat", "In1")) +
      Module("cat", "xlconcat", Port("dout", "O", "intc2", "intr"),
             "<PARAMETERS><PARAMETER NAME=\"IN0_WIDTH\" VALUE=\"4\"/></PARAMETERS>") +
      Module("intc2", "axi_intc", Port("irq", "O", "intc", "intr")) +
      Module("intc", "axi_intc", Port("irq", "O", "ps", "IRQ_F2P"));
  Result<HwhInterrupts> irq =
      ParseHwhInterrupts(Hwh(modules, Port("IRQ_F2P", "I", "intc", "irq"), "processing_system7"));
  ASSERT_TRUE(irq.ok()) << irq.error().message;
  const HwhInterruptPin* a = irq.value().FindPin("a/o");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->index, 4);
  EXPECT_EQ(a->controller, "intc2");
  EXPECT_EQ(a->controller_base, 0xA0020000u);
  EXPECT_EQ(a->ps_line, -1);
  EXPECT_EQ(irq.value().FindController(0xA0010000u)->ps_line, 0);
}

TEST(HwhInterrupts, BadInputIsAnErrorNotACrash) {
  for (const std::string& text :
       {std::string(""), std::string("<x/>"), std::string("<EDKSYSTEM><MODULES>"),
        std::string("not xml at all"), std::string("<EDKSYSTEM/>")}) {
    Result<HwhInterrupts> irq = ParseHwhInterrupts(text, "bad.hwh");
    ASSERT_FALSE(irq.ok()) << text;
    EXPECT_EQ(irq.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(irq.error().message.find("bad.hwh"), std::string::npos) << irq.error().message;
  }
  // A concat whose output feeds itself: refused after 16 cells, not a stack overflow.
  const std::string loop = Module("a", "axi_dma", Port("o", "O", "cat", "In0")) +
                           Module("cat", "xlconcat", Port("dout", "O", "cat", "In0"));
  Result<HwhInterrupts> irq = ParseHwhInterrupts(Hwh(loop, ""), "loop.hwh");
  ASSERT_FALSE(irq.ok());
  EXPECT_NE(irq.error().message.find("loop"), std::string::npos) << irq.error().message;
  // A width that is not a number.
  const std::string bad_width =
      Module("a", "axi_dma", Port("o", "O", "cat", "In1")) +
      Module("cat", "xlconcat",
             Port("In0", "I", "a", "o", "LEFT=\"x\" RIGHT=\"0\"") + Port("dout", "O", "ps", "x"));
  irq = ParseHwhInterrupts(Hwh(bad_width, ""), "w.hwh");
  ASSERT_FALSE(irq.ok());
  EXPECT_NE(irq.error().message.find("In0"), std::string::npos) << irq.error().message;
}

}  // namespace
}  // namespace pynq_remote::overlay
