// Id registries: the handles 3.1 clients hold (mmio_id, buffer_id) as unguessable strings.
#ifndef PYNQ_REMOTE_SERVER_SERVICE_REGISTRY_H_
#define PYNQ_REMOTE_SERVER_SERVICE_REGISTRY_H_

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "device/device.h"

namespace pynq_remote::service {

/// "<prefix>-" + 32 random hex digits (128 bits from std::random_device); never repeats.
std::string NewId(const std::string& prefix);

/// A get_mmio grant: the window [base, base + length) an mmio_id may address.
struct MmioRegion {
  uint64_t base = 0;
  uint64_t length = 0;
};

/// An allocate grant.
struct BufferEntry {
  Allocation allocation;
  uint64_t size = 0;  // bytes the client asked for: the valid offset range
  std::string dtype;
  bool cacheable = false;
};

/// Thread-safe id -> T map.
template <typename T>
class IdRegistry {
 public:
  explicit IdRegistry(std::string prefix) : prefix_(std::move(prefix)) {}

  std::string Add(T value) {
    std::string id = NewId(prefix_);
    std::lock_guard<std::mutex> lock(mu_);
    entries_.emplace(id, std::move(value));
    return id;
  }
  std::optional<T> Find(const std::string& id) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(id);
    if (it == entries_.end()) return std::nullopt;
    return it->second;
  }
  std::optional<T> Remove(const std::string& id) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(id);
    if (it == entries_.end()) return std::nullopt;
    T value = std::move(it->second);
    entries_.erase(it);
    return value;
  }
  size_t size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return entries_.size();
  }

 private:
  const std::string prefix_;
  mutable std::mutex mu_;  // guards entries_
  std::map<std::string, T> entries_;
};

}  // namespace pynq_remote::service

#endif  // PYNQ_REMOTE_SERVER_SERVICE_REGISTRY_H_
