#!/usr/bin/python3
"""Prints each benchmark figure beside its baseline from the same run, as a ratio.

Reads the Google Benchmark JSON files ci/bench.sh writes:
  <build>/bench/pynq_remote_bench.json  (our server vs the bare gRPC server)
  <build>/sim/sim_bench.json            (the board vs the raw Verilated model)
"""

import argparse
import json
import os

from figures_json import write_json

# (figure, baseline, counter or "bytes_per_second")
PAIRS = [
    ("BM_MmioRead_Single/real_time", "BM_Baseline_UnaryEcho/real_time", "ops/s", "calls/s"),
    ("BM_Mmio31Read/real_time", "BM_Baseline_UnaryEcho/real_time", "ops/s", "calls/s"),
    ("BM_BufferWrite64MiB/real_time", "BM_Baseline_Up64MiB/real_time", "bytes_per_second",
     "bytes_per_second"),
    ("BM_BufferRead64MiB/real_time", "BM_Baseline_Down64MiB/real_time", "bytes_per_second",
     "bytes_per_second"),
    ("BM_BufferRead64MiB/real_time", "BM_Memcpy64MiB/real_time", "bytes_per_second",
     "bytes_per_second"),
    ("BM_BoardAcceleratorCycles/real_time", "BM_RawVerilatedAcceleratorCycles/real_time",
     "cycles_per_second", "cycles_per_second"),
    ("BM_BoardAdvanceCycles/real_time", "BM_RawVerilatedCycles/real_time",
     "cycles_per_second", "cycles_per_second"),
]


def load(path):
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return {b["name"]: b for b in json.load(f)["benchmarks"]}


def human(value, unit):
    if unit == "bytes_per_second":
        return f"{value / 1e9:.2f} GB/s"
    return f"{value / 1e6:.2f} M/s" if value >= 1e6 else f"{value / 1e3:.1f} k/s"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("build", nargs="?", default="build", help="the CMake build directory")
    parser.add_argument("--json", help="also write the pairs here (bench/results_md.py)")
    args = parser.parse_args()
    build = args.build
    results = {**load(os.path.join(build, "bench", "pynq_remote_bench.json")),
               **load(os.path.join(build, "sim", "sim_bench.json"))}
    figures = []
    print(f"\n{'figure':40} {'value':>12}   {'baseline':40} {'value':>12} {'ratio':>6}")
    for ours, base, unit, base_unit in PAIRS:
        if ours in results and base in results:
            a, b = results[ours].get(unit), results[base].get(base_unit)
            if a and b:
                print(f"{ours.split('/')[0]:40} {human(a, unit):>12}   "
                      f"{base.split('/')[0]:40} {human(b, base_unit):>12} {a / b:6.2f}")
                if unit == "bytes_per_second":
                    scale, shown = 1e9, "GB/s"
                elif max(a, b) < 1e6:  # calls, not cycles: k/s reads better than 0.003 M/s
                    scale, shown = 1e3, "k/s"
                else:
                    scale, shown = 1e6, "M/s"
                figures.append({"name": ours.split("/")[0] + " (C++, Google Benchmark)",
                                "value": a / scale, "unit": shown,
                                "baseline_name": base.split("/")[0], "baseline": b / scale,
                                "ratio": a / b})
    if args.json:
        write_json(args.json, "bench/ratios.py (pynq_remote_bench, sim_bench)", figures)
    for name in sorted(results):
        if name.startswith("BM_MmioBatch"):
            print(f"{name.split('/real_time')[0]:40} "
                  f"{human(results[name]['ops/s' if 'ops/s' in results[name] else 'ops_per_second'], 'ops'):>12}")


if __name__ == "__main__":
    main()
