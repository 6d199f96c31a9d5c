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

// Constant-initialised only: a test's static initialiser may elaborate the pool (bridge_test)
// before this file's dynamic initialisers run.
std::mutex g_pool_mu;  // guards the pool's size, its elaboration and which boards are taken
size_t g_pool_size = 1;
struct Pool {
  std::vector<BoardTop*> boards;
  std::vector<bool> taken;
};
Pool* g_pool = nullptr;  // elaborated once, never destroyed (neither is the kernel)
std::mutex g_kernel_mu;

// g_pool_mu held.
Pool& PoolLocked() {
  if (g_pool == nullptr) {
    // No banner in the server's log.
    setenv("SYSC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
    auto* pool = new Pool;
    // Board 0 keeps the name "board" that scopes in waveforms and messages have always had.
    for (size_t i = 0; i < g_pool_size; ++i) {
      pool->boards.push_back(
          new BoardTop(i == 0 ? "board" : ("board" + std::to_string(i)).c_str()));
    }
    pool->taken.assign(pool->boards.size(), false);
    std::lock_guard<std::mutex> kernel(g_kernel_mu);
    sc_core::sc_start(sc_core::SC_ZERO_TIME);  // end of elaboration, processes initialised
    g_pool = pool;
  }
  return *g_pool;
}

}  // namespace

bool BoardTop::SetPoolSize(size_t count) {
  std::lock_guard<std::mutex> lock(g_pool_mu);
  if (count == 0) return false;
  if (g_pool != nullptr) return count == g_pool->boards.size();
  g_pool_size = count;
  return true;
}

size_t BoardTop::PoolSize() {
  std::lock_guard<std::mutex> lock(g_pool_mu);
  return g_pool != nullptr ? g_pool->boards.size() : g_pool_size;
}

BoardTop* BoardTop::Acquire() {
  std::lock_guard<std::mutex> lock(g_pool_mu);
  Pool& pool = PoolLocked();
  for (size_t i = 0; i < pool.boards.size(); ++i) {
    if (!pool.taken[i]) {
      pool.taken[i] = true;
      return pool.boards[i];
    }
  }
  return nullptr;
}

void BoardTop::Release(BoardTop* board) {
  std::lock_guard<std::mutex> lock(g_pool_mu);
  Pool& pool = PoolLocked();
  for (size_t i = 0; i < pool.boards.size(); ++i) {
    if (pool.boards[i] == board) pool.taken[i] = false;
  }
}

BoardTop& BoardTop::Get() {
  std::lock_guard<std::mutex> lock(g_pool_mu);
  return *PoolLocked().boards.front();
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
