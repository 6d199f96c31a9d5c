#include "memory/sparse_store.h"

#include <sys/mman.h>
#include <unistd.h>

#include <vector>

namespace pynq_remote::sim {

SparseStore::SparseStore(uint64_t size) {
  void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                 -1, 0);
  if (p != MAP_FAILED) {
    data_ = static_cast<uint8_t*>(p);
    size_ = size;
  }
}

SparseStore::~SparseStore() {
  if (data_ != nullptr) munmap(data_, size_);
}

uint64_t SparseStore::ResidentBytes() const {
  if (data_ == nullptr) return 0;
  const uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  std::vector<unsigned char> vec((size_ + page - 1) / page);
  if (mincore(data_, size_, vec.data()) != 0) return 0;
  uint64_t pages = 0;
  for (unsigned char v : vec) pages += v & 1;
  return pages * page;
}

}  // namespace pynq_remote::sim
