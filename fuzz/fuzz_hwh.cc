// libFuzzer target: the server's .hwh address-map and interrupt readers on arbitrary bytes.
// Besides "no crash, no sanitizer report", every answer must be one a caller can rely on: windows
// that are non-empty, do not wrap, are sorted and unique and contain themselves; errors that are
// kInvalidArgument with a short, non-empty message.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <tuple>
#include <vector>

#include "overlay/hwh_address_map.h"
#include "overlay/hwh_interrupts.h"

namespace {

using pynq_remote::ErrorCode;
using pynq_remote::Result;
using pynq_remote::overlay::OverlayWindow;

[[noreturn]] void Fail(const char* what, const OverlayWindow& w) {
  std::fprintf(stderr, "fuzz_hwh: %s: %s/%s base 0x%llx size 0x%llx\n", what, w.instance.c_str(),
               w.slave_interface.c_str(), static_cast<unsigned long long>(w.base),
               static_cast<unsigned long long>(w.size));
  std::abort();
}

void CheckWindows(const std::vector<OverlayWindow>& windows) {
  for (size_t i = 0; i < windows.size(); ++i) {
    const OverlayWindow& w = windows[i];
    if (w.size == 0) Fail("empty window", w);
    if (w.base + w.size < w.base) Fail("window wraps past 2^64", w);
    if (!pynq_remote::overlay::WindowsContain(windows, w.base, w.size)) {
      Fail("WindowsContain misses a whole window", w);
    }
    if (!pynq_remote::overlay::WindowsContain(windows, w.base + w.size - 1, 1)) {
      Fail("WindowsContain misses a window's last byte", w);
    }
    if (w.instance.empty() || w.slave_interface.empty()) Fail("window without a name", w);
    if (i > 0) {
      const OverlayWindow& p = windows[i - 1];
      if (std::tie(p.base, p.size, p.instance, p.slave_interface) >=
          std::tie(w.base, w.size, w.instance, w.slave_interface)) {
        Fail("windows not sorted or not unique", w);
      }
    }
  }
  // Each window alone: exactly its own bytes, not the one before nor the one after.
  for (const OverlayWindow& w : windows) {
    const std::vector<OverlayWindow> one = {w};
    if (pynq_remote::overlay::WindowsContain(one, w.base + w.size, 1)) {
      Fail("WindowsContain takes the byte after a window", w);
    }
    if (w.base > 0 && pynq_remote::overlay::WindowsContain(one, w.base - 1, 1)) {
      Fail("WindowsContain takes the byte before a window", w);
    }
  }
}

}  // namespace

// The interrupt wiring reader on the same bytes: lines and indices in range, errors as above.
void CheckInterrupts(std::string_view text) {
  Result<pynq_remote::overlay::HwhInterrupts> irq =
      pynq_remote::overlay::ParseHwhInterrupts(text, "fuzz.hwh");
  if (!irq.ok()) {
    const std::string& message = irq.error().message;
    if (irq.error().code != ErrorCode::kInvalidArgument || message.empty() ||
        message.size() > 2048) {
      std::fprintf(stderr, "fuzz_hwh: bad interrupt error (code %d): %.300s\n",
                   static_cast<int>(irq.error().code), message.c_str());
      std::abort();
    }
    return;
  }
  for (const auto& pin : irq.value().pins) {
    if (pin.ps_line < -1 || pin.ps_line > 15 || pin.index < 0 || pin.path.empty() ||
        (pin.controller.empty() && pin.ps_line != pin.index)) {
      std::fprintf(stderr, "fuzz_hwh: bad interrupt pin %s: line %d index %d\n", pin.path.c_str(),
                   pin.ps_line, pin.index);
      std::abort();
    }
  }
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  CheckInterrupts(text);
  Result<std::vector<OverlayWindow>> windows =
      pynq_remote::overlay::ParseHwhAddressMap(text, "fuzz.hwh");
  if (windows.ok()) {
    CheckWindows(windows.value());
    return 0;
  }
  const std::string& message = windows.error().message;
  if (windows.error().code != ErrorCode::kInvalidArgument || message.empty() ||
      message.size() > 2048) {
    std::fprintf(stderr, "fuzz_hwh: bad error (code %d, %zu bytes): %.300s\n",
                 static_cast<int>(windows.error().code), message.size(), message.c_str());
    std::abort();
  }
  return 0;
}
