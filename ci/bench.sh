#!/usr/bin/env bash
# Benchmarks (not part of the tests): build, then run whichever exist of
#   build/bench/pynq_remote_bench   Google Benchmark, in-process (results also as JSON
#                                   in ${BUILD_DIR}/bench/pynq_remote_bench.json)
#   bench/bench_e2e.py              end to end over gRPC, against a simulated board that
#                                   this script starts; it gets PYNQ_REMOTE_DEVICES
#
# Usage: ci/bench.sh [args for pynq_remote_bench, e.g. --benchmark_filter=Mmio]
#   BUILD_DIR=build, LISTEN=127.0.0.1:7967, E2E_ARGS="..." (args for bench_e2e.py)
# Timings are only comparable on an otherwise idle machine.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "${root}"
export BUILD_DIR=${BUILD_DIR:-build}
LISTEN=${LISTEN:-127.0.0.1:7967}

"${root}/ci/install-deps.sh"
"${root}/ci/build.sh"

ran=0
bench_bin="${BUILD_DIR}/bench/pynq_remote_bench"
if [[ -x ${bench_bin} ]]; then
  "${bench_bin}" \
    --benchmark_out="${BUILD_DIR}/bench/pynq_remote_bench.json" \
    --benchmark_out_format=json \
    "$@"
  ran=1
fi

if [[ -f bench/bench_e2e.py ]]; then
  # shellcheck source=ci/lib-server.sh
  source "${root}/ci/lib-server.sh"
  # shellcheck disable=SC2119  # this script's args are for pynq_remote_bench, not the server
  start_server
  export PYNQ_REMOTE_DEVICES=${LISTEN}
  export PYTHONPATH=${root}/client/python${PYTHONPATH:+:${PYTHONPATH}}
  # shellcheck disable=SC2086  # E2E_ARGS is a space-separated list on purpose
  /usr/bin/python3 bench/bench_e2e.py ${E2E_ARGS:-}
  stop_server
  ran=1
fi

if [[ ${ran} -eq 0 ]]; then
  echo "bench: no benchmarks built yet (${bench_bin}, bench/bench_e2e.py)" >&2
  exit 1
fi
