#include "memory/sparse_store.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <vector>

namespace pynq_remote::sim {

SparseStore::SparseStore(uint64_t size, const std::string& backing_file) {
  int fd = -1;
  if (!backing_file.empty()) {
    fd = open(backing_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    struct stat st {};
    if (fd < 0 || fstat(fd, &st) != 0) {
      error_ = backing_file + ": " + std::strerror(errno);
      if (fd >= 0) close(fd);
      return;
    }
    // Growing with ftruncate keeps the file sparse: only written pages take disk.
    if (static_cast<uint64_t>(st.st_size) < size && ftruncate(fd, static_cast<off_t>(size)) != 0) {
      error_ = backing_file + ": cannot grow to " + std::to_string(size) + " bytes: " +
               std::strerror(errno);
      close(fd);
      return;
    }
  }
  int flags = MAP_NORESERVE | (fd >= 0 ? MAP_SHARED : MAP_PRIVATE | MAP_ANONYMOUS);
  void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, flags, fd, 0);
  if (fd >= 0) close(fd);  // the mapping keeps the file
  if (p == MAP_FAILED) {
    error_ = "cannot map " + std::to_string(size) + " bytes of DDR: " + std::strerror(errno);
    return;
  }
  data_ = static_cast<uint8_t*>(p);
  size_ = size;
  file_backed_ = !backing_file.empty();
}

void SparseStore::Zero(uint64_t addr, uint64_t len) {
  if (data_ == nullptr || len == 0 || !Contains(addr, len)) return;
  const uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  const uint64_t lo = (addr + page - 1) / page * page, hi = (addr + len) / page * page;
  if (lo >= hi) {
    std::memset(data_ + addr, 0, len);
    return;
  }
  std::memset(data_ + addr, 0, lo - addr);
  std::memset(data_ + hi, 0, addr + len - hi);
  // MADV_DONTNEED on a private anonymous mapping and MADV_REMOVE (a punched hole) on a shared
  // file mapping both read back as zeroes; a file system that cannot punch holes gets memset.
  if (madvise(data_ + lo, hi - lo, file_backed_ ? MADV_REMOVE : MADV_DONTNEED) != 0) {
    std::memset(data_ + lo, 0, hi - lo);
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
