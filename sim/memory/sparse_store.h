// The DDR contents: one MAP_NORESERVE mapping, committed by the kernel page by page as it is
// touched, so a 2 GiB board costs only what the test writes. Anonymous by default; with a
// backing file (a server's --state-dir) the mapping is shared with a sparse file, so what
// was written survives the server process being killed and restarted.
#ifndef PYNQ_REMOTE_SIM_MEMORY_SPARSE_STORE_H_
#define PYNQ_REMOTE_SIM_MEMORY_SPARSE_STORE_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace pynq_remote::sim {

class SparseStore {
 public:
  /// Maps `size` bytes of zeroes, or of `backing_file` (created sparse, grown to `size`,
  /// its contents kept). data() is null if that failed; error() says why.
  explicit SparseStore(uint64_t size, const std::string& backing_file = "");
  ~SparseStore();
  SparseStore(const SparseStore&) = delete;
  SparseStore& operator=(const SparseStore&) = delete;

  uint8_t* data() const { return data_; }
  const std::string& error() const { return error_; }
  uint64_t size() const { return size_; }
  bool Contains(uint64_t addr, uint64_t len) const { return len <= size_ && addr <= size_ - len; }
  /// Bytes the kernel has actually committed (resident), from mincore().
  uint64_t ResidentBytes() const;
  /// Clears [addr, addr + len) (ignored outside the store) without committing pages: whole
  /// pages go back to the kernel (zero-filled again when touched; a backing file's range
  /// becomes a hole), the partial pages at the ends are cleared in place.
  void Zero(uint64_t addr, uint64_t len);

 private:
  uint8_t* data_ = nullptr;
  bool file_backed_ = false;
  uint64_t size_ = 0;
  std::string error_;
};

}  // namespace pynq_remote::sim

#endif  // PYNQ_REMOTE_SIM_MEMORY_SPARSE_STORE_H_
