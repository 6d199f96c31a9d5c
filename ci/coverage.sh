#!/usr/bin/env bash
# Line coverage of our C++ (server/, sim/) from the whole ctest suite, with gcovr.
# A separate, unoptimised build tree so it never disturbs build/.
#
# Usage: ci/coverage.sh
#   BUILD_DIR=build-coverage
# Writes ${BUILD_DIR}/coverage/index.html and prints a summary table.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "${root}"
export BUILD_DIR=${BUILD_DIR:-build-coverage}

"${root}/ci/install-deps.sh"
# The coverage preset: -O0 keeps line counts honest; --coverage instruments compile and link.
CMAKE_PRESET=coverage "${root}/ci/build.sh"

# Stale counters from an earlier run would inflate the numbers.
find "${BUILD_DIR}" -name '*.gcda' -delete
# A failing test still leaves coverage worth reading; report it, then fail.
status=0
ctest --test-dir "${BUILD_DIR}" --output-on-failure --no-tests=error --timeout 900 || status=$?

mkdir -p "${BUILD_DIR}/coverage"
# Only hand-written sources: Verilator and protoc output live under the build tree.
gcovr --root "${root}" \
  --filter "${root}/server/" --filter "${root}/sim/" \
  --exclude "${root}/build.*" \
  --html-details "${BUILD_DIR}/coverage/index.html" \
  --print-summary \
  "${BUILD_DIR}"
exit "${status}"
