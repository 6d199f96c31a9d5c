#!/usr/bin/env bash
# The tests under sanitizers, each build in a tree of its own (never build/):
#   1. ASan+UBSan (${ASAN_BUILD_DIR}): every C++ ctest entry (labels server, sim, zynq, hil;
#      not the rtl benches: Verilator's own code and a small harness each, half of this
#      build's compile time, run unsanitized by ci/test.sh;
#      the Python suites excluded), then the hil-tests Python suites against the ASan server
#      with LeakSanitizer on: any server that reports a leak or any other sanitizer error,
#      or does not exit 0 on SIGTERM, fails the suite (hil-tests/python/conftest.py).
#   2. TSan (${TSAN_BUILD_DIR}): the server, its designs and concurrency_test only, which runs
#      its 64 client threads for ${TSAN_CONCURRENCY_SECONDS} s against the sim and again against
#      the hardware backend on a fake board tree; a report from the server or
#      the test fails it (halt_on_error: the server dies, and the test checks its exit).
# Every step runs even when an earlier one failed (except what needs a failed build); the
# log says which step failed, and the exit status is non-zero if any did.
#
# Usage: ci/sanitize.sh
#   ASAN_BUILD_DIR=build-asan       TSAN_BUILD_DIR=build-tsan
#   JOBS=$(nproc)                   parallel compile jobs
#   TSAN_CONCURRENCY_SECONDS=20     how long each TSan concurrency run lasts
#   CTEST_TIMEOUT=900               seconds before ctest kills a single hung test
#   CTEST_PARALLEL=2                ASan C++ tests at a time, as in ci/test.sh
#   ASAN_TIME_SCALE=4               how much slower the ASan server runs: the Python suites'
#                                   wall-time budgets are multiplied by it
#                                   (PYNQ_REMOTE_TIME_SCALE)
#   ASAN_PYTEST_WORKERS=2           pytest-xdist workers for the Python suites (1: none)
#   BUILD_DIR=build                 the main tree: both trees link its uninstrumented
#                                   libraries (protoc's and Verilator's output,
#                                   PYNQ_REMOTE_PREBUILT_FROM in CMakeLists.txt), built here
#                                   first if need be
# Suppressions: ci/sanitizers/*.supp, one reason per entry.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "${root}" || exit 1
ASAN_BUILD_DIR=${ASAN_BUILD_DIR:-build-asan}
TSAN_BUILD_DIR=${TSAN_BUILD_DIR:-build-tsan}
BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-$(nproc)}
TSAN_CONCURRENCY_SECONDS=${TSAN_CONCURRENCY_SECONDS:-20}
CTEST_TIMEOUT=${CTEST_TIMEOUT:-900}
ASAN_TIME_SCALE=${ASAN_TIME_SCALE:-4}
ASAN_PYTEST_WORKERS=${ASAN_PYTEST_WORKERS:-2}
supp="${root}/ci/sanitizers"

failed=()
started=$(date +%s)
log() { echo "==> sanitize: $*"; }
# step NAME COMMAND...: runs it, logs its time, records a failure under NAME.
step() {
  local name=$1 t0 rc
  shift
  t0=$(date +%s)
  log "${name}: start"
  "$@"
  rc=$?
  if ((rc == 0)); then
    log "${name}: ok ($(($(date +%s) - t0)) s)"
  else
    log "FAILED: ${name} (exit ${rc}, $(($(date +%s) - t0)) s)"
    failed+=("${name}")
  fi
  return "${rc}"
}

# -O1: what the sanitizers recommend, and the Verilated designs compile far faster than at
# -O2 (ASan adds to every basic block). -g1: line numbers in the reports, a smaller link.
# No benchmarks: they are not tests.
# (The asan and tsan presets of CMakePresets.json.)
configure() {
  local dir=$1 preset=$2
  cmake --preset "${preset}" -S . -B "${dir}" \
    -DPYNQ_REMOTE_PREBUILT_FROM="$(cd "${BUILD_DIR}" && pwd)"
}

asan_build() {
  configure "${ASAN_BUILD_DIR}" asan &&
    # Every directory with C++ tests but rtl/'s benches (see the top), and nothing else
    # (bench/ stays out; fuzz/ builds its targets as corpus replays in this tree). The designs
    # the sim needs are built as its dependencies.
    cmake --build "${ASAN_BUILD_DIR}" -j"${JOBS}" \
      --target server/all sim/all hil-tests/all fuzz/all
}

tsan_build() {
  configure "${TSAN_BUILD_DIR}" tsan &&
    cmake --build "${TSAN_BUILD_DIR}" -j"${JOBS}" --target pynq-remote-server concurrency_test
}

# OPTIONS, plus suppressions=ci/sanitizers/FILE when that file exists.
options_with_suppressions() {
  local options=$1 file=$2
  if [[ -f ${supp}/${file} ]]; then options+=":suppressions=${supp}/${file}"; fi
  echo "${options}"
}

asan_env() {
  # print_suppressions=0: a suppressed leak is not news. halt_on_error: UBSan fails the test.
  export ASAN_OPTIONS="detect_leaks=1:check_initialization_order=1:halt_on_error=1"
  ASAN_OPTIONS=$(options_with_suppressions "${ASAN_OPTIONS}" asan.supp)
  export LSAN_OPTIONS
  LSAN_OPTIONS=$(options_with_suppressions "print_suppressions=0" lsan.supp)
  export UBSAN_OPTIONS
  UBSAN_OPTIONS=$(options_with_suppressions "print_stacktrace=1:halt_on_error=1" ubsan.supp)
}

asan_ctest() {
  asan_env
  ctest --test-dir "${ASAN_BUILD_DIR}" --output-on-failure --no-tests=error \
    --timeout "${CTEST_TIMEOUT}" -j "${CTEST_PARALLEL:-2}" -L 'server|sim|zynq|hil' -LE python
}

asan_pytest_leaks() {
  asan_env
  local logs=${root}/${ASAN_BUILD_DIR}/sanitizer-logs
  [[ ${ASAN_BUILD_DIR} = /* ]] && logs=${ASAN_BUILD_DIR}/sanitizer-logs
  rm -rf "${logs}" && mkdir -p "${logs}"
  local rc=0
  # Two tests judge leaks by the server's RSS, with thresholds for the normal allocator (it
  # grows by 0.2 and 1.2 MiB there); under ASan its quarantine, shadow and allocation-stack
  # store grow it by 5 and 13 MiB even with no quarantine at all. LeakSanitizer is this run's
  # leak check; ci/test.sh runs the two in the normal build.
  local rss_tests="test_10000_allocate_free_cycles_leak_nothing"
  rss_tests+=" or test_1000_killed_clients_leak_nothing"
  log "deselected here (RSS thresholds, see ci/sanitize.sh): ${rss_tests}"
  # Two suites spend their time compiling design packages (pynq-remote-design, the normal
  # compiler, the same work as in ci/test.sh's run); the server's package loading under ASan
  # stays covered by test_design_packages and test_vivado_bitstream.
  local package_builds="test_stream_ip or test_high_window"
  log "deselected here (package builds, run by ci/test.sh): ${package_builds}"
  # An ASan server starts, answers and simulates several times slower: connecting gets 30 s,
  # not 5, and every wall-time budget of a test is scaled by PYNQ_REMOTE_TIME_SCALE
  # (hil-tests/python/conftest.py). DMA waits need nothing: by default they wait as long as
  # the simulated board makes progress (pynq_remote/lib/dma.py).
  # Two pytest-xdist workers, each with its own ASan servers (conftest.py starts them per
  # worker): the suite alone would keep one core of two busy, as the client mostly waits.
  local workers="-n ${ASAN_PYTEST_WORKERS}"
  ((ASAN_PYTEST_WORKERS > 1)) || workers=""
  PYTEST_ADDOPTS="${workers} -k 'not (${rss_tests} or ${package_builds})'" \
    PYNQ_REMOTE_CONNECT_TIMEOUT_S=30 \
    PYNQ_REMOTE_TIME_SCALE=${ASAN_TIME_SCALE} \
    PYNQ_REMOTE_SANITIZER_LOG_DIR=${logs} ctest --test-dir "${ASAN_BUILD_DIR}" \
    --output-on-failure --no-tests=error --timeout "${CTEST_TIMEOUT}" \
    -R '^client_e2e_pytest$' || rc=$?
  # conftest.py fails the suite on a report; this also catches one written after it ended.
  local reports
  reports=$(grep -l -E 'ERROR: (Address|Leak)Sanitizer|runtime error:|SUMMARY: ' \
    "${logs}"/sanitizer.* 2>/dev/null)
  if [[ -n ${reports} ]]; then
    log "sanitizer reports from processes the Python suites started:"
    for f in ${reports}; do
      echo "--- ${f}"
      cat "${f}"
    done
    rc=1
  fi
  log "server processes that wrote a sanitizer log: $(find "${logs}" -type f | wc -l)"
  return "${rc}"
}

tsan_concurrency() {
  # halt_on_error: the first report kills the server, which the test sees (failed calls, an
  # exit other than 0). second_deadlock_stack: both stacks of a lock-order inversion.
  # ignore_noninstrumented_modules: Debian's gRPC, absl and protobuf are not TSan builds; their
  # memory accesses are dropped, the synchronisation of their calls kept (ci/sanitizers/tsan.supp).
  local options="halt_on_error=1:second_deadlock_stack=1:ignore_noninstrumented_modules=1"
  TSAN_OPTIONS=$(options_with_suppressions "${options}" tsan.supp) \
    PYNQ_REMOTE_CONCURRENCY_SECONDS=${TSAN_CONCURRENCY_SECONDS} \
    ctest --test-dir "${TSAN_BUILD_DIR}" --output-on-failure --no-tests=error \
    --timeout "${CTEST_TIMEOUT}" -V -R '^concurrency_test(_zynq_fake_board)?$'
}

if step "install deps" "${root}/ci/install-deps.sh" &&
  step "the main tree's uninstrumented libraries (${BUILD_DIR})" \
    "${root}/ci/prebuilt.sh"; then
  if step "ASan+UBSan build (${ASAN_BUILD_DIR})" asan_build; then
    step "ASan+UBSan C++ tests" asan_ctest
    step "hil-tests Python suites against the ASan server, leak check on" asan_pytest_leaks
  fi
  if step "TSan build (${TSAN_BUILD_DIR})" tsan_build; then
    step "TSan concurrency_test, sim and zynq (${TSAN_CONCURRENCY_SECONDS} s each)" tsan_concurrency
  fi
fi

log "total $(($(date +%s) - started)) s"
if ((${#failed[@]} > 0)); then
  log "FAILED steps:"
  printf '      %s\n' "${failed[@]}"
  exit 1
fi
log "all steps passed"
