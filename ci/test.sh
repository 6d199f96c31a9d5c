#!/usr/bin/env bash
# Every test: install deps, configure, build, run ctest. This is the README's test
# command and what CI runs (.ci/run). Exits non-zero on any failure.
#
# Usage: ci/test.sh [extra ctest args, e.g. -R sim]
#   BUILD_DIR=build        build directory
#   CTEST_PARALLEL=2       two tests at a time (the CI machine's cores): suites start their
#                          servers on free ports, take /tmp/port7967.lock for upstream's
#                          fixed port, and scale their wall-time budgets under load;
#                          CTEST_PARALLEL=1 runs them one at a time
#   CTEST_TIMEOUT=600      seconds before ctest kills a single hung test
#   PYNQ_REMOTE_TESTDATA_DIR=../shared/testdata
#                          third-party files some tests compare against (ci/fetch-testdata.sh
#                          downloads them); a test whose file is missing skips, saying
#                          which and from where, or fails under CI=true
#   SANITIZE=1             then ci/sanitize.sh: ASan+UBSan C++ tests, the hil-tests against
#                          an ASan server with leak checking, 20 s TSan concurrency runs
#   FUZZ=0                 1: then ci/fuzz.sh, every libFuzzer target (clang, a build tree
#                          of its own, ~4 min). Off here: sanitize.sh's ASan tree already
#                          replays every committed corpus input (fuzz_*_corpus), and CI's
#                          45 minutes on 2 cores have no room for a third compiler's tree;
#                          the workflow's `fuzz` job fuzzes on every push
#   CROSS=1                then ci/cross-build.sh: the server and the hardware backend's unit
#                          tests cross-built for the board (aarch64, build-aarch64/), the
#                          tests and the server on a fake board run under qemu-aarch64
# Extra ctest args apply to the first run only; SANITIZE=0 FUZZ=0 CROSS=0 skips the others.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "${root}"
BUILD_DIR=${BUILD_DIR:-build}

# Each stage's time, and the total, in the log: CI must stay under 45 minutes on 2 cores.
started=${SECONDS}
stage() {
  local name=$1 t0=${SECONDS}
  shift
  "$@"
  echo "==> test.sh: ${name}: $((SECONDS - t0)) s (total $((SECONDS - started)) s)"
}

stage "install deps" "${root}/ci/install-deps.sh"
stage "build" "${root}/ci/build.sh"

# --no-tests=error: a build that registered no tests is a broken build, not a pass.
# --output-on-failure: CI logs must show why a test failed.
stage "ctest" ctest --test-dir "${BUILD_DIR}" \
  --output-on-failure \
  --no-tests=error \
  --timeout "${CTEST_TIMEOUT:-600}" \
  -j "${CTEST_PARALLEL:-2}" \
  "$@"

if [[ ${SANITIZE:-1} == 1 ]]; then stage "sanitize" "${root}/ci/sanitize.sh"; fi
if [[ ${FUZZ:-0} == 1 ]]; then stage "fuzz" "${root}/ci/fuzz.sh"; fi
if [[ ${CROSS:-1} == 1 ]]; then stage "cross" "${root}/ci/cross-build.sh"; fi
