#include "state/mmio_policy.h"

#include <cstdlib>
#include <utility>

#include "device/ps_windows.h"

namespace pynq_remote {
namespace {

bool IsPlBusWindow(const AddressWindow& window) { return window.name.rfind("M_AXI_", 0) == 0; }

std::string ListWindows(const std::vector<AddressWindow>& windows) {
  std::string text;
  for (const AddressWindow& w : windows) {
    if (!text.empty()) text += ", ";
    text += (w.name.empty() ? std::string() : w.name + " ") + Hex(w.base) + "+" + Hex(w.size);
  }
  return text.empty() ? "nothing" : text;
}

std::optional<uint64_t> ParseNumber(const std::string& text) {
  if (text.empty() || text[0] == '-' || text[0] == '+') return std::nullopt;
  char* end = nullptr;
  errno = 0;
  unsigned long long value = std::strtoull(text.c_str(), &end, 0);
  if (errno != 0 || end == text.c_str() || *end != '\0') return std::nullopt;
  return value;
}

}  // namespace

std::optional<MmioPolicyMode> ParseMmioPolicyMode(const std::string& text) {
  if (text == "open") return MmioPolicyMode::kOpen;
  if (text == "overlay") return MmioPolicyMode::kOverlay;
  if (text == "strict") return MmioPolicyMode::kStrict;
  return std::nullopt;
}

const char* MmioPolicyModeName(MmioPolicyMode mode) {
  switch (mode) {
    case MmioPolicyMode::kOpen:
      return "open";
    case MmioPolicyMode::kOverlay:
      return "overlay";
    case MmioPolicyMode::kStrict:
      return "strict";
  }
  return "overlay";
}

std::vector<AddressWindow> DefaultPsAllowlist() {
  std::vector<AddressWindow> allow = PsRegisterPages(PsFamily::kZynqMP);
  for (const AddressWindow& page : PsRegisterPages(PsFamily::kZynq7000)) allow.push_back(page);
  // The PS GPIO controllers: where the board backend maps them (the sim does), reachable.
  allow.push_back(PsGpioPage(PsFamily::kZynqMP));
  allow.push_back(PsGpioPage(PsFamily::kZynq7000));
  return allow;
}

std::optional<AddressWindow> ParseWindowSpec(const std::string& text) {
  size_t colon = text.find(':');
  if (colon == std::string::npos) return std::nullopt;
  std::optional<uint64_t> base = ParseNumber(text.substr(0, colon));
  std::optional<uint64_t> size = ParseNumber(text.substr(colon + 1));
  if (!base || !size || *size == 0 || *base + *size < *base) return std::nullopt;
  return AddressWindow{"--mmio-allow " + text, *base, *size};
}

MmioPolicy::MmioPolicy(MmioPolicyMode mode, std::vector<AddressWindow> bus_windows,
                       std::vector<AddressWindow> ps_allow)
    : mode_(mode), bus_windows_(std::move(bus_windows)), ps_allow_(std::move(ps_allow)) {}

void MmioPolicy::SetOverlay(const std::string& design,
                            std::optional<std::vector<AddressWindow>> declared) {
  std::lock_guard<std::mutex> lock(mu_);
  design_ = design;
  programmed_ = true;
  declared_ = std::move(declared);
}

void MmioPolicy::ClearOverlay() {
  std::lock_guard<std::mutex> lock(mu_);
  design_.clear();
  programmed_ = false;
  declared_.reset();
}

std::vector<AddressWindow> MmioPolicy::AllowedLocked() const {
  if (mode_ == MmioPolicyMode::kOpen) return bus_windows_;
  std::vector<AddressWindow> allowed = ps_allow_;
  if (declared_ && programmed_) {
    allowed.insert(allowed.end(), declared_->begin(), declared_->end());
  } else if (mode_ == MmioPolicyMode::kOverlay) {
    // No address map to go by (a PYNQ 3.1 client does not upload the .hwh, or the PL is
    // empty and the board will say so): the PL's bus windows, as 3.1 allowed.
    for (const AddressWindow& w : bus_windows_) {
      if (IsPlBusWindow(w)) allowed.push_back(w);
    }
  }
  return allowed;
}

std::vector<AddressWindow> MmioPolicy::Allowed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return AllowedLocked();
}

bool MmioPolicy::AllowsLocked(uint64_t addr, uint64_t len) const {
  auto any = [addr, len](const std::vector<AddressWindow>& windows, bool pl_bus_only) {
    for (const AddressWindow& w : windows) {
      if ((!pl_bus_only || IsPlBusWindow(w)) && w.Contains(addr, len)) return true;
    }
    return false;
  };
  // The same windows as AllowedLocked, in the same cases.
  if (mode_ == MmioPolicyMode::kOpen) return any(bus_windows_, false);
  if (any(ps_allow_, false)) return true;
  if (declared_ && programmed_) return any(*declared_, false);
  return mode_ == MmioPolicyMode::kOverlay && any(bus_windows_, true);
}

Status MmioPolicy::Check(uint64_t addr, uint64_t len) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (AllowsLocked(addr, len)) return {};
  std::string why;
  if (!programmed_) {
    why = "the PL holds no design";
  } else if (declared_) {
    why = "the loaded overlay " + design_ + " maps " + ListWindows(*declared_);
  } else {
    why = "the loaded design " + design_ + " came without a .hwh address map (strict policy)";
  }
  return MakeError(ErrorCode::kPermissionDenied,
                   std::to_string(len) + " bytes at " + Hex(addr) +
                       " are outside what MMIO may reach: " + why +
                       ", plus the PS registers PYNQ needs. Load the overlay that maps it, or "
                       "start the server with --mmio-allow BASE:SIZE (or --mmio-policy open)",
                   addr);
}

}  // namespace pynq_remote
