// Id registries: the handles 3.1 clients hold (mmio_id, buffer_id) as unguessable strings.
#ifndef PYNQ_REMOTE_SERVER_STATE_REGISTRY_H_
#define PYNQ_REMOTE_SERVER_STATE_REGISTRY_H_

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "device/device.h"

namespace pynq_remote {

/// "<prefix>-" + 32 random hex digits (128 bits from std::random_device); never repeats.
std::string NewId(const std::string& prefix);

/// A get_mmio grant: the window [base, base + length) an mmio_id may address.
struct MmioRegion {
  uint64_t base = 0;
  uint64_t length = 0;
  std::string owner;  // the session that made it; "" for sessionless (3.1) clients
};

/// An allocate grant.
struct BufferEntry {
  Allocation allocation;
  uint64_t size = 0;  // bytes the client asked for: the valid offset range
  std::string dtype;
  bool cacheable = false;
  std::string owner;  // the session that made it; "" for sessionless (3.1) clients
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
  /// The id of the first entry `match` accepts, if any.
  template <typename Pred>
  std::optional<std::string> FindIdIf(Pred match) const {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [id, value] : entries_) {
      if (match(value)) return id;
    }
    return std::nullopt;
  }
  /// Removes and returns every entry `match` accepts.
  template <typename Pred>
  std::vector<std::pair<std::string, T>> RemoveIf(Pred match) {
    std::vector<std::pair<std::string, T>> removed;
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = entries_.begin(); it != entries_.end();) {
      if (match(it->second)) {
        removed.emplace_back(it->first, std::move(it->second));
        it = entries_.erase(it);
      } else {
        ++it;
      }
    }
    return removed;
  }
  /// Adds under a known id (restoring state after a restart). False if it is taken.
  bool Insert(const std::string& id, T value) {
    std::lock_guard<std::mutex> lock(mu_);
    return entries_.emplace(id, std::move(value)).second;
  }
  /// A copy of every entry.
  std::vector<std::pair<std::string, T>> Snapshot() const {
    std::lock_guard<std::mutex> lock(mu_);
    return {entries_.begin(), entries_.end()};
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

}  // namespace pynq_remote

#endif  // PYNQ_REMOTE_SERVER_STATE_REGISTRY_H_
