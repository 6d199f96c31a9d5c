#include "device/backend_registry.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>

namespace pynq_remote {

// Defined in the builtin_backends.cc that server/CMakeLists.txt generates from the
// pynq_remote_register_backend() calls: one BackendInfo per backend linked in.
std::vector<BackendInfo> BuiltinBackends();

std::string PerBoardPath(const std::string& path, size_t index) {
  const size_t slash = path.rfind('/');
  const size_t dot = path.rfind('.');
  // A dot that starts the name ("/run/.sock") or sits in a folder's name is no extension.
  const bool has_extension =
      dot != std::string::npos && dot > (slash == std::string::npos ? 0 : slash + 1);
  const size_t at = has_extension ? dot : path.size();
  return path.substr(0, at) + "-" + std::to_string(index) + path.substr(at);
}

std::optional<uint64_t> ParseFlagCount(const std::string& text, uint64_t lo, uint64_t hi,
                                       std::string* error) {
  char* end = nullptr;
  errno = 0;
  const unsigned long long value = std::strtoull(text.c_str(), &end, 10);
  if (text.empty() || text[0] == '-' || errno != 0 || *end != '\0' || value < lo || value > hi) {
    *error = "wants a whole number in " + std::to_string(lo) + ".." + std::to_string(hi) +
             ", not \"" + text + "\"";
    return std::nullopt;
  }
  return value;
}

const std::vector<BackendInfo>& Backends() {
  static const std::vector<BackendInfo> backends = [] {
    std::vector<BackendInfo> all = BuiltinBackends();
    std::sort(all.begin(), all.end(),
              [](const BackendInfo& a, const BackendInfo& b) { return a.name < b.name; });
    return all;
  }();
  return backends;
}

const BackendInfo* FindBackend(const std::string& name) {
  for (const BackendInfo& backend : Backends()) {
    if (backend.name == name) return &backend;
  }
  return nullptr;
}

const BackendInfo* DefaultBackend() {
  const BackendInfo* best = nullptr;
  for (const BackendInfo& backend : Backends()) {
    if (!best || backend.default_rank > best->default_rank) best = &backend;
  }
  return best;
}

const BackendInfo* BackendOwningFlag(const std::string& flag) {
  for (const BackendInfo& backend : Backends()) {
    for (const BackendFlag& own : backend.flags) {
      if (own.name == flag) return &backend;
    }
  }
  return nullptr;
}

}  // namespace pynq_remote
