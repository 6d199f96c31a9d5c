#!/usr/bin/env bash
# Coverage of our code from the whole ctest suite, with floors (docs/coverage.md).
#   C++ (server/, sim/, zynq/; not tests, benchmarks or generated code): lines, branches and
#   functions with gcovr, from a build tree of its own (the coverage preset: -O0, gcov counters
#   updated atomically).
#   The Python client (client/python/pynq_remote, not its protoc stubs): lines and branches
#   with python3-coverage, in every Python process ctest starts (ci/coveragerc).
# Floors: server/ + sim/ >= 92% of lines and >= 60% of branches (throw and unreachable
# branches excluded); the client >= 90% of lines. Below one, or a failed test: exit 1.
#
# Usage: ci/coverage.sh [CTEST_ARGS...]     build, run ctest, report, check the floors
#        ci/coverage.sh --report-only       report and check what the last run counted
#   BUILD_DIR=build-coverage   JOBS=$(nproc)   CTEST_PARALLEL=2   CTEST_TIMEOUT=900
#   COVERAGE_TIME_SCALE=4      how much slower than a normal build the tests' servers run
#   COVERAGE_FLOOR_CPP_LINES=92   COVERAGE_FLOOR_CPP_BRANCHES=60   COVERAGE_FLOOR_PY_LINES=90
# Writes ${BUILD_DIR}/coverage-report/: index.html, cpp/ and python/ (HTML), cpp-cobertura.xml
# and python-cobertura.xml (Cobertura), summary.txt (the figures per area).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "${root}"
export BUILD_DIR=${BUILD_DIR:-build-coverage}
JOBS=${JOBS:-$(nproc)}
python=/usr/bin/python3  # Debian's, which owns python3-coverage (ci/debian-packages.txt)
report="${BUILD_DIR}/coverage-report"
# Where each Python process writes its data (ci/coveragerc reads both variables).
export PYNQ_REMOTE_SOURCE_DIR="${root}"
export PYNQ_REMOTE_COVERAGE_DATA="${root}/${BUILD_DIR}/coverage-data"
[[ ${BUILD_DIR} == /* ]] && PYNQ_REMOTE_COVERAGE_DATA="${BUILD_DIR}/coverage-data"

report_only=0
if [[ ${1:-} == --report-only ]]; then
  report_only=1
  shift
fi

status=0
if [[ ${report_only} == 0 ]]; then
  "${root}/ci/install-deps.sh"
  CMAKE_PRESET=coverage "${root}/ci/build.sh"

  # Stale counters from an earlier run would inflate the numbers.
  find "${BUILD_DIR}" -name '*.gcda' -delete
  rm -rf "${PYNQ_REMOTE_COVERAGE_DATA}"
  mkdir -p "${PYNQ_REMOTE_COVERAGE_DATA}"

  # Python coverage in every process, the tests' subprocesses too (the pynq-remote command,
  # scripts): the tests set PYTHONPATH themselves, so the hook goes where Python looks on its
  # own, a user site-packages of ours (PYTHONUSERBASE). Python imports its usercustomize
  # module once all site-packages are on the path (a .pth file runs too early to import
  # coverage), which starts coverage as COVERAGE_PROCESS_START says. A Python without
  # python3-coverage (not Debian's) skips it quietly.
  export PYTHONUSERBASE="${PYNQ_REMOTE_COVERAGE_DATA}/python-userbase"
  export COVERAGE_PROCESS_START="${root}/ci/coveragerc"
  site=$("${python}" -c 'import site; print(site.getusersitepackages())')
  mkdir -p "${site}"
  cat > "${site}/usercustomize.py" <<'EOF'
try:
    import coverage
except ImportError:
    pass
else:
    coverage.process_startup()
EOF

  # Unoptimised and counting, the simulated board runs several times slower (a 50 ms bus
  # timeout took over 10 s of wall time, the client's default deadline): scale the suites'
  # wall-time budgets (hil-tests/python/conftest.py) and the client's deadlines as
  # ci/sanitize.sh does for ASan. What the tests assert about results stays as it is.
  export PYNQ_REMOTE_TIME_SCALE=${COVERAGE_TIME_SCALE:-4}
  export PYNQ_REMOTE_CONNECT_TIMEOUT_S=30 PYNQ_REMOTE_TIMEOUT_S=60
  # A failing test still leaves coverage worth reading; report it, then fail.
  ctest --test-dir "${BUILD_DIR}" --output-on-failure --no-tests=error \
    --timeout "${CTEST_TIMEOUT:-900}" -j "${CTEST_PARALLEL:-2}" "$@" || status=$?
  unset PYTHONUSERBASE COVERAGE_PROCESS_START
  [[ ${status} == 0 ]] || echo "coverage: ctest failed (exit ${status}); reporting anyway" >&2
fi

rm -rf "${report}"
mkdir -p "${report}/cpp"
# Ours only: the filter keeps server/, sim/ and zynq/ (paths relative to the repository, where
# this runs), so protoc's and Verilator's output (in the build tree), Verilator's runtime and
# the system's headers stay out; tests and benchmarks are not the code under test. Branches
# the compiler adds for exceptions (every call that may throw) and ones it proves unreachable
# are not decisions in our code: without them the branch figure counts our ifs, loops and
# switches. No --gcov-ignore-parse-errors: with atomic counters gcov's output is sound, and a
# parse error is a bug to see.
gcovr --root "${root}" -j "${JOBS}" \
  --filter '(server|sim|zynq)/' \
  --exclude '[^/]+/tests/' --exclude 'sim/bench/' \
  --exclude-throw-branches --exclude-unreachable-branches \
  --html-details "${report}/cpp/index.html" --html-title "pynq-remote: C++ coverage" \
  --cobertura "${report}/cpp-cobertura.xml" \
  --json-summary-pretty --json-summary "${report}/cpp-summary.json" \
  --print-summary \
  "${BUILD_DIR}"

rc=(--rcfile "${root}/ci/coveragerc")
if "${python}" -m coverage combine "${rc[@]}" --keep --quiet; then
  "${python}" -m coverage html "${rc[@]}" -d "${report}/python" \
    --title "pynq-remote: Python client coverage"
  "${python}" -m coverage xml "${rc[@]}" -o "${report}/python-cobertura.xml"
  "${python}" -m coverage json "${rc[@]}" -o "${report}/python.json"
else
  echo "coverage: no Python coverage data in ${PYNQ_REMOTE_COVERAGE_DATA}" >&2
fi

cat > "${report}/index.html" <<'EOF'
<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>pynq-remote coverage</title></head>
<body><h1>pynq-remote coverage</h1>
<ul><li><a href="cpp/index.html">C++: server/, sim/, zynq/</a>
  (gcovr; Cobertura: cpp-cobertura.xml)</li>
<li><a href="python/index.html">Python client</a>
  (python3-coverage; Cobertura: python-cobertura.xml)</li>
<li><a href="summary.txt">Figures per area and the floors</a> (docs/coverage.md)</li></ul>
</body></html>
EOF

floors=0
"${python}" "${root}/ci/coverage_floors.py" \
  --cpp "${report}/cpp-summary.json" --python "${report}/python.json" \
  --cpp-lines "${COVERAGE_FLOOR_CPP_LINES:-92}" \
  --cpp-branches "${COVERAGE_FLOOR_CPP_BRANCHES:-60}" \
  --python-lines "${COVERAGE_FLOOR_PY_LINES:-90}" \
  --out "${report}/summary.txt" || floors=$?
echo "coverage: report in ${report}/index.html"
if [[ ${status} != 0 ]]; then exit "${status}"; fi
exit "${floors}"
