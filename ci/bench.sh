#!/usr/bin/env bash
# Benchmarks (not part of the tests): build, then run whichever exist of
#   build/bench/pynq_remote_bench   Google Benchmark (results also as JSON in
#                                   ${BUILD_DIR}/bench/pynq_remote_bench.json)
#   bench/bench_e2e.py              end to end from Python over loopback gRPC; it starts
#                                   its own servers from ${BUILD_DIR}
# Every figure is printed beside a bare-gRPC baseline measured in the same run, and all of
# them go into bench/RESULTS.md with the machine they ran on (bench/results_md.py), with
# bench/mmio_latency.png, the MMIO latency distribution, beside it.
#
# Usage: ci/bench.sh [args for pynq_remote_bench, e.g. --benchmark_filter=Mmio]
#   BUILD_DIR=build
#   E2E_ARGS="--quick"   args for bench_e2e.py and the other figure scripts, space-separated
#   BOARDS_CAPACITY=N    also the boards-per-machine run: N idle boards with a design loaded,
#                        served by one process (bench/boards_figures.py --one-process
#                        --capacity; under 1 MiB of RSS a board)
# Timings are only comparable on an otherwise idle machine.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "${root}"
export BUILD_DIR=${BUILD_DIR:-build}

"${root}/ci/install-deps.sh"
# The plot beside bench/RESULTS.md; only the benchmarks need it.
"${root}/ci/install-deps.sh" python3-matplotlib
"${root}/ci/build.sh"

# Each benchmark writes its figures here (--json); bench/results_md.py gathers them.
figures="${BUILD_DIR}/bench/figures"
rm -rf "${figures}"
mkdir -p "${figures}"
load_before=$(cut -d' ' -f1 /proc/loadavg)

ran=0
bench_bin="${BUILD_DIR}/bench/pynq_remote_bench"
if [[ -x ${bench_bin} ]]; then
  "${bench_bin}" \
    --benchmark_out="${BUILD_DIR}/bench/pynq_remote_bench.json" \
    --benchmark_out_format=json \
    "$@"
  ran=1
fi

# The hardware backend on a fake board tree, against raw accesses to the same mappings.
zynq_bench="${BUILD_DIR}/bench/zynq_bench"
if [[ -x ${zynq_bench} ]]; then
  "${zynq_bench}" --benchmark_out="${BUILD_DIR}/bench/zynq_bench.json" --benchmark_out_format=json
  ran=1
fi

# The board against the raw Verilated model of the same RTL (sim/bench).
sim_bench="${BUILD_DIR}/sim/sim_bench"
if [[ -x ${sim_bench} ]]; then
  "${sim_bench}" --benchmark_out="${BUILD_DIR}/sim/sim_bench.json" --benchmark_out_format=json
  ran=1
fi

if [[ -f bench/bench_e2e.py ]]; then
  export PYTHONPATH=${root}/client/python${PYTHONPATH:+:${PYTHONPATH}}
  # Debian's interpreter: the one with python3-grpcio and python3-numpy.
  # shellcheck disable=SC2086  # E2E_ARGS is a space-separated list on purpose
  /usr/bin/python3 bench/bench_e2e.py --build "${BUILD_DIR}" ${E2E_ARGS:-} \
    --json "${figures}/10-e2e-sim.json"
  # The same figures through the hardware backend, on a fake board tree.
  # shellcheck disable=SC2086
  /usr/bin/python3 bench/bench_e2e.py --build "${BUILD_DIR}" --backend zynq ${E2E_ARGS:-} \
    --json "${figures}/11-e2e-zynq.json"
  # The other end-to-end figure scripts, each with its own same-run baseline.
  n=20
  for script in bench/transport_figures.py bench/roundtrip_figures.py bench/sim_figures.py \
                bench/irq_figures.py bench/matrix_figures.py; do
    if [[ -f ${script} ]]; then
      # shellcheck disable=SC2086
      /usr/bin/python3 "${script}" --build "${BUILD_DIR}" ${E2E_ARGS:-} \
        --json "${figures}/${n}-$(basename "${script}" .py).json"
      n=$((n + 1))
    fi
  done
  # What N boards cost on this host (issue 19), beside N bare gRPC servers: a process per
  # board, then every board in one process (--boards N), where the capacity run goes.
  # shellcheck disable=SC2086
  /usr/bin/python3 bench/boards_figures.py --build "${BUILD_DIR}" ${E2E_ARGS:-} \
    --json "${figures}/25-boards_figures.json"
  # shellcheck disable=SC2086
  /usr/bin/python3 bench/boards_figures.py --build "${BUILD_DIR}" ${E2E_ARGS:-} --one-process \
    ${BOARDS_CAPACITY:+--capacity ${BOARDS_CAPACITY}} \
    --json "${figures}/26-boards_figures_one_process.json"
  ran=1
fi

# Each figure beside its same-run baseline, as a ratio.
/usr/bin/python3 bench/ratios.py "${BUILD_DIR}" --json "${figures}/30-cpp.json"

# bench/RESULTS.md and bench/mmio_latency.png: commit them from an idle machine.
/usr/bin/python3 bench/results_md.py --figures "${figures}" --load-before "${load_before}"

if [[ ${ran} -eq 0 ]]; then
  echo "bench: nothing to run: neither ${bench_bin} nor bench/bench_e2e.py exists" >&2
  exit 1
fi
