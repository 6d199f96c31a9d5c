#include "board/board_top.h"

#include <cstdlib>
#include <string>
#include <vector>

namespace pynq_remote::sim {

BoardTop::BoardTop(sc_core::sc_module_name name)
    : sc_module(name),
      ddr("ddr"),
      ps("ps", &ps_regs, &ps_gpio),
      pl("pl"),
      bus("bus", &ps_regs, &ps_gpio),
      host("host") {
  host.init_socket.bind(bus.tgt_socket);
  bus.ddr_socket.bind(ddr.socket);
  bus.ps_socket.bind(ps.socket);
  bus.pl_socket.bind(pl.tgt_socket);
  pl.ddr_socket.bind(ddr.socket);
  pl.SetGpio(&ps_gpio);
}

namespace {

std::mutex g_pool_mu;  // guards the pool's size, its elaboration and which boards are taken
size_t g_pool_size = 1;
std::vector<BoardTop*>* g_pool = nullptr;  // elaborated once, never destroyed (the kernel isn't)
std::vector<bool> g_taken;
std::mutex g_kernel_mu;

// g_pool_mu held.
std::vector<BoardTop*>& PoolLocked() {
  if (g_pool == nullptr) {
    // No banner in the server's log.
    setenv("SYSC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
    auto* pool = new std::vector<BoardTop*>;
    // Board 0 keeps the name "board" that scopes in waveforms and messages have always had.
    for (size_t i = 0; i < g_pool_size; ++i) {
      pool->push_back(new BoardTop(i == 0 ? "board" : ("board" + std::to_string(i)).c_str()));
    }
    std::lock_guard<std::mutex> kernel(g_kernel_mu);
    sc_core::sc_start(sc_core::SC_ZERO_TIME);  // end of elaboration, processes initialised
    g_pool = pool;
    g_taken.assign(pool->size(), false);
  }
  return *g_pool;
}

}  // namespace

bool BoardTop::SetPoolSize(size_t count) {
  std::lock_guard<std::mutex> lock(g_pool_mu);
  if (count == 0) return false;
  if (g_pool != nullptr) return count == g_pool->size();
  g_pool_size = count;
  return true;
}

size_t BoardTop::PoolSize() {
  std::lock_guard<std::mutex> lock(g_pool_mu);
  return g_pool != nullptr ? g_pool->size() : g_pool_size;
}

BoardTop* BoardTop::Acquire() {
  std::lock_guard<std::mutex> lock(g_pool_mu);
  std::vector<BoardTop*>& pool = PoolLocked();
  for (size_t i = 0; i < pool.size(); ++i) {
    if (!g_taken[i]) {
      g_taken[i] = true;
      return pool[i];
    }
  }
  return nullptr;
}

void BoardTop::Release(BoardTop* board) {
  std::lock_guard<std::mutex> lock(g_pool_mu);
  std::vector<BoardTop*>& pool = PoolLocked();
  for (size_t i = 0; i < pool.size(); ++i) {
    if (pool[i] == board) g_taken[i] = false;
  }
}

BoardTop& BoardTop::Get() {
  std::lock_guard<std::mutex> lock(g_pool_mu);
  return *PoolLocked().front();
}

std::unique_lock<std::mutex> BoardTop::KernelLock() {
  return std::unique_lock<std::mutex>(g_kernel_mu);
}

void BoardTop::RunQuantum(uint64_t cycles) {
  std::unique_lock<std::mutex> kernel = KernelLock();
  pl.Schedule(cycles);
  sc_core::sc_start();
}

}  // namespace pynq_remote::sim
