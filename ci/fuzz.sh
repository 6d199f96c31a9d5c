#!/usr/bin/env bash
# Build the libFuzzer targets (fuzz/, clang with ASan and UBSan) and run each one for its
# share of a time budget, on a copy of its committed corpus (fuzz/corpus/<name>/, so runs
# never grow the tree). Fails when any target finds a crash, a sanitizer report, a hang or
# a leak, and names the input that did it.
#
# Usage: ci/fuzz.sh
#   FUZZ_BUILD_DIR=build-fuzz   build directory (relative to the repo root, or absolute)
#   FUZZ_SECONDS=60             fuzzing time for all targets together (each gets its share)
#   FUZZ_TARGETS="..."          a subset of: fuzz_bitstream fuzz_hwh fuzz_journal fuzz_root_fs fuzz_rpc
#   JOBS=$(nproc)               parallel compile jobs
#   BUILD_DIR=build             the main tree, whose uninstrumented libraries (protoc's and
#                               Verilator's output) this tree links (ci/prebuilt.sh)
# Reproduce a finding: <build>/fuzz/<target> <the crash file it names>.
# Assumes the packages are installed (ci/install-deps.sh: clang brings libFuzzer).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "${root}"
FUZZ_BUILD_DIR=${FUZZ_BUILD_DIR:-build-fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_TARGETS=${FUZZ_TARGETS:-fuzz_bitstream fuzz_hwh fuzz_journal fuzz_root_fs fuzz_rpc}
JOBS=${JOBS:-$(nproc)}
read -r -a targets <<<"${FUZZ_TARGETS}"

for tool in clang clang++; do
  command -v "${tool}" >/dev/null ||
    { echo "fuzz.sh: ${tool} not found: apt-get install clang (ci/install-deps.sh)" >&2; exit 2; }
done

started=$(date +%s)
# The fuzz preset (clang): a tree configured with another compiler cannot switch to clang, so
# it has a directory of its own.
"${root}/ci/prebuilt.sh"
cmake --preset fuzz -S . -B "${FUZZ_BUILD_DIR}" \
  -DPYNQ_REMOTE_PREBUILT_FROM="$(cd "${BUILD_DIR:-build}" && pwd)" >/dev/null
cmake --build "${FUZZ_BUILD_DIR}" -j"${JOBS}" --target "${targets[@]}"
built=$(date +%s)

share=$((FUZZ_SECONDS / ${#targets[@]}))
((share >= 1)) || share=1
run_dir=${FUZZ_BUILD_DIR}/fuzz-runs/$(date +%Y%m%d-%H%M%S)
mkdir -p "${run_dir}"
echo "fuzz.sh: ${#targets[@]} targets, ${share} s each; logs and findings in ${run_dir}"

failed=()
for target in "${targets[@]}"; do
  name=${target#fuzz_}
  work=${run_dir}/${target}
  mkdir -p "${work}/corpus"
  cp -r "fuzz/corpus/${name}/." "${work}/corpus/"
  options=(-max_total_time="${share}" -rss_limit_mb=2048 -timeout=30 -print_final_stats=1
           -artifact_prefix="${work}/")
  if [[ -f fuzz/${name}.dict ]]; then options+=(-dict="fuzz/${name}.dict"); fi
  status=0
  "${FUZZ_BUILD_DIR}/fuzz/${target}" "${options[@]}" "${work}/corpus" >"${work}/log" 2>&1 ||
    status=$?
  execs=$(sed -n 's/^stat::average_exec_per_sec: *//p' "${work}/log" | tail -1)
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "${work}/log" | tail -1)
  if ((status == 0)); then
    echo "fuzz.sh: ${target}: ok, ${runs:-?} inputs, ${execs:-?} exec/s"
  else
    failed+=("${target}")
    echo "fuzz.sh: ${target}: FAILED (exit ${status}); log ${work}/log" >&2
    grep -E "^(==[0-9]+==ERROR|SUMMARY|fuzz_[a-z_]+:)|Test unit written to" "${work}/log" >&2 || true
    tail -n 30 "${work}/log" >&2
  fi
done

echo "fuzz.sh: build $((built - started)) s, fuzzing $(($(date +%s) - built)) s"
if ((${#failed[@]} > 0)); then
  echo "fuzz.sh: findings in: ${failed[*]} (the crash files are named above; run" \
       "${FUZZ_BUILD_DIR}/fuzz/<target> <file> to reproduce)" >&2
  exit 1
fi
