#!/usr/bin/env bash
# Configure and build everything (protos, server, simulated board, designs, tests).
#
# Usage: ci/build.sh
#   BUILD_DIR=build   build directory (relative to the repo root, or absolute)
#   JOBS=$(nproc)     parallel compile jobs
#   CMAKE_ARGS=...    extra cmake configure arguments, space-separated
# Assumes the packages are installed (ci/install-deps.sh); ci/test.sh and ci/demo.sh do both.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "${root}"
BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-$(nproc)}

# An existing build tree keeps the generator it was made with: asking for Ninja
# on a Makefiles tree is a hard cmake error, so pass -G only for a new tree.
generator=()
if [[ ! -f ${BUILD_DIR}/CMakeCache.txt ]]; then generator=(-G Ninja); fi

# -DPYTHON3: Debian's interpreter owns python3-grpcio/-numpy/-pytest; a pyenv or
# venv python3 earlier on PATH would not find them.
# shellcheck disable=SC2086  # CMAKE_ARGS is a space-separated list on purpose
cmake -S . -B "${BUILD_DIR}" "${generator[@]}" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DPYTHON3=/usr/bin/python3 \
  ${CMAKE_ARGS:-}
# TARGETS: build only these (e.g. the Docker image needs the server and its designs, not
# the test benches); empty builds everything.
# shellcheck disable=SC2086  # TARGETS is a space-separated list on purpose
cmake --build "${BUILD_DIR}" -j"${JOBS}" ${TARGETS:+--target ${TARGETS}}
