#include "state/registry.h"

#include <cstdio>
#include <random>

namespace pynq_remote {

std::string NewId(const std::string& prefix) {
  static std::mutex mu;
  static std::random_device entropy;
  static std::mt19937_64 rng((static_cast<uint64_t>(entropy()) << 32) ^ entropy());
  uint64_t hi, lo;
  {
    std::lock_guard<std::mutex> lock(mu);
    hi = rng() ^ entropy();
    lo = rng();
  }
  char text[40];
  std::snprintf(text, sizeof text, "%016llx%016llx", static_cast<unsigned long long>(hi),
                static_cast<unsigned long long>(lo));
  return prefix + "-" + text;
}

}  // namespace pynq_remote
