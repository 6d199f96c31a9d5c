#!/usr/bin/env bash
# Cross-build pynq-remote-server for a Zynq UltraScale+ board (aarch64 Linux) and test the
# result on this host under qemu-user: the unit tests of server/ and zynq/, then the
# server itself against a fake board tree, driven by the Python client (ci/qemu_board_smoke.py).
# Run by ci/test.sh (CROSS=1, the default). Exits non-zero on any failure.
#
# Usage: ci/cross-build.sh
#   CROSS_BUILD_DIR=build-aarch64  build directory; the server lands in its server/
#   CROSS_BUILD_TYPE=Release       CMAKE_BUILD_TYPE. Release: -O2 without debug info, a 2 MB
#                                  server to copy to a board (RelWithDebInfo's is 40 MB and
#                                  compiles ~1.5x slower)
#   CROSS_CMAKE_ARGS=...           extra cmake configure arguments, space-separated
#   CROSS_TESTS=1                  0: build only the server (no unit tests, no smoke test)
#   CROSS_ALL=0                    1: also build and run server/tests' unit tests (the
#                                  service layer, board-independent and run natively by
#                                  ci/test.sh); by default the aarch64 tests are those of
#                                  the hardware backend (label zynq) and the install (deploy)
#   JOBS=$(nproc)                  parallel compile jobs
#   CTEST_PARALLEL=2, CTEST_TIMEOUT=600   as in ci/test.sh (two emulated tests at a time:
#                                  qemu-user is one CPU-bound thread per test)
#
# Installs (ci/install-deps.sh style: only what is missing, as root or via sudo) Debian's
# arm64 architecture and ci/debian-cross-packages.txt: the aarch64 cross compiler, the arm64
# gRPC/protobuf/OpenSSL/tinyxml2/GoogleTest libraries, qemu-user. No simulated board
# (-DPYNQ_REMOTE_WITH_SIM=OFF): no Verilator, no SystemC.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "${root}"
BUILD_DIR=${CROSS_BUILD_DIR:-build-aarch64}
JOBS=${JOBS:-$(nproc)}
CROSS_TESTS=${CROSS_TESTS:-1}
start=${SECONDS}

step() { echo "cross-build: $* ($((SECONDS - start)) s)"; }

# The board's architecture beside the host's (multiarch): its -dev packages install under
# /usr/lib/aarch64-linux-gnu. install-deps.sh then runs apt-get update, as arm64 packages
# are missing.
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  SUDO=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "cross-build: run as root or install sudo" >&2; exit 1; }
    SUDO=(sudo)
  fi
  step "dpkg --add-architecture arm64"
  "${SUDO[@]}" dpkg --add-architecture arm64
fi
"${root}/ci/install-deps.sh" -f "${root}/ci/debian-cross-packages.txt"

step "configure ${BUILD_DIR}"
# shellcheck disable=SC2086  # CROSS_CMAKE_ARGS is a space-separated list on purpose
# The aarch64 preset: the toolchain file, no sim (no Verilator, no SystemC).
cmake --preset aarch64 -S . -B "${BUILD_DIR}" \
  -DCMAKE_BUILD_TYPE="${CROSS_BUILD_TYPE:-Release}" \
  ${CROSS_CMAKE_ARGS:-}

if [[ ${CROSS_TESTS} != 1 ]]; then
  step "build pynq-remote-server"
  cmake --build "${BUILD_DIR}" -j"${JOBS}" --target pynq-remote-server
  step "done: ${BUILD_DIR}/server/pynq-remote-server"
  exit 0
fi

# Without the sim, everything is the server and the unit tests of server/ and zynq/.
labels='zynq|deploy'
if [[ ${CROSS_ALL:-0} == 1 ]]; then
  step "build the server and all its unit tests"
  cmake --build "${BUILD_DIR}" -j"${JOBS}"
  labels='.'
else
  step "build the server, its health probe and the hardware backend's unit tests"
  cmake --build "${BUILD_DIR}" -j"${JOBS}" --target pynq-remote-server pynq-remote-health zynq/all
fi

# The toolchain file sets CMAKE_CROSSCOMPILING_EMULATOR: ctest runs each aarch64 test under
# qemu-aarch64 -L / (the board's loader and libraries, multiarch).
step "unit tests under qemu-aarch64"
ctest --test-dir "${BUILD_DIR}" \
  --output-on-failure \
  --no-tests=error \
  --timeout "${CTEST_TIMEOUT:-600}" \
  -j "${CTEST_PARALLEL:-2}" \
  -L "${labels}"

step "the server under qemu-aarch64 on a fake board, driven by the Python client"
/usr/bin/python3 "${root}/ci/qemu_board_smoke.py" --server "${BUILD_DIR}/server/pynq-remote-server"

step "done: ${BUILD_DIR}/server/pynq-remote-server"
