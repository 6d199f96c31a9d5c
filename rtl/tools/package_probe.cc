// package_probe LIB ADDR...: pynq-remote-design's last check of a package it built. Loads
// LIB the way the server does (dlopen, the entry symbol), makes a model, resets it and does
// one AXI4-Lite read at each ADDR (the manifest's instance bases, full physical addresses: the
// shell's araddr gets their low 32 bits, as the board's bus gives them). Prints "ADDR RESP" per
// read (RESP 0..3, or "none" when nothing answered); exit 0 when every read was answered,
// 1 otherwise, 2 when the library cannot be used at all (message on stderr).
#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "pl/design_package_abi.h"
#include "pl/pl_design.h"

namespace {

using pynq_remote::sim::EdgeHook;
using pynq_remote::sim::PlDesign;
using pynq_remote::sim::ShellPins;

constexpr uint64_t kCycles = 10000;  // an AXI-Lite read answers in a few cycles

class Idle final : public EdgeHook {
 public:
  bool OnEdge(ShellPins&) override { return false; }
};

class Read final : public EdgeHook {
 public:
  bool OnEdge(ShellPins& p) override {
    if (p.s_axil.arvalid && p.s_axil.arready) p.s_axil.arvalid = false;
    if (p.s_axil.rvalid && p.s_axil.rready) {
      resp = p.s_axil.rresp;
      p.s_axil.rready = false;
      return true;
    }
    return false;
  }
  int resp = -1;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: package_probe LIB ADDR...\n");
    return 2;
  }
  void* handle = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    std::fprintf(stderr, "cannot load %s: %s\n", argv[1], dlerror());
    return 2;
  }
  auto fn =
      reinterpret_cast<PynqRemoteDesignPackageFn>(dlsym(handle, PYNQ_REMOTE_DESIGN_PACKAGE_SYMBOL));
  const PynqRemoteDesignPackage* entry = fn ? fn() : nullptr;
  if (entry == nullptr || entry->create == nullptr) {
    std::fprintf(stderr, "%s has no usable " PYNQ_REMOTE_DESIGN_PACKAGE_SYMBOL "()\n", argv[1]);
    return 2;
  }
  std::unique_ptr<PlDesign> design(entry->create(nullptr));
  ShellPins& p = design->pins();
  p.rst_n = false;
  Idle idle;
  design->Run(16, idle);
  p.rst_n = true;
  design->Run(4, idle);
  int rc = 0;
  for (int i = 2; i < argc; ++i) {
    const unsigned long long addr = std::strtoull(argv[i], nullptr, 0);
    p.s_axil.araddr = static_cast<uint32_t>(addr);  // a high window's address: its low 32 bits
    p.s_axil.arvalid = true;
    p.s_axil.rready = true;
    Read read;
    design->Run(kCycles, read);
    p.s_axil.arvalid = false;
    p.s_axil.rready = false;
    design->Run(4, idle);
    if (read.resp < 0) {
      std::printf("0x%08llX none\n", addr);
      rc = 1;
    } else {
      std::printf("0x%08llX %d\n", addr, read.resp);
    }
  }
  return rc;
}
