#!/usr/bin/env bash
# The main tree's uninstrumented libraries (protoc's and Verilator's output), which the
# sanitizer and fuzz trees link instead of compiling them again (PYNQ_REMOTE_PREBUILT_FROM,
# top-level CMakeLists.txt). Configures the main tree if it is not yet, then builds only
# those libraries: a no-op after ci/build.sh.
#
# Usage: ci/prebuilt.sh
#   BUILD_DIR=build   the main tree
#   JOBS=$(nproc)     parallel compile jobs
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "${root}"
BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-$(nproc)}

if [[ ! -f ${BUILD_DIR}/CMakeCache.txt ]]; then
  cmake --preset default -S . -B "${BUILD_DIR}"
fi
cmake --build "${BUILD_DIR}" -j"${JOBS}" --target pynq_remote_prebuilt
