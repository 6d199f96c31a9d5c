// The DDR contents: one anonymous MAP_NORESERVE mapping, committed by the kernel page by page
// as it is touched, so a 2 GiB board costs only what the test writes.
#ifndef PYNQ_REMOTE_SIM_MEMORY_SPARSE_STORE_H_
#define PYNQ_REMOTE_SIM_MEMORY_SPARSE_STORE_H_

#include <cstddef>
#include <cstdint>

namespace pynq_remote::sim {

class SparseStore {
 public:
  /// Maps `size` bytes of zeroes. data() is null if the mapping failed.
  explicit SparseStore(uint64_t size);
  ~SparseStore();
  SparseStore(const SparseStore&) = delete;
  SparseStore& operator=(const SparseStore&) = delete;

  uint8_t* data() const { return data_; }
  uint64_t size() const { return size_; }
  bool Contains(uint64_t addr, uint64_t len) const { return len <= size_ && addr <= size_ - len; }
  /// Bytes the kernel has actually committed (resident), from mincore().
  uint64_t ResidentBytes() const;

 private:
  uint8_t* data_ = nullptr;
  uint64_t size_ = 0;
};

}  // namespace pynq_remote::sim

#endif  // PYNQ_REMOTE_SIM_MEMORY_SPARSE_STORE_H_
