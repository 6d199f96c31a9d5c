#!/usr/bin/python3
"""Writes bench/RESULTS.md from the figure files of one ci/bench.sh run, and the plot of
the MMIO latency distribution beside it.

Each figure is shown beside the baseline measured in the same run, with their ratio and
the goal it has (issue 18), and the page says which machine ran it, with what, and when:
these figures are only worth their comparison to each other.

Usage: results_md.py --figures DIR [--out bench/RESULTS.md] [--plot bench/mmio_latency.png]
                     [--load-before L]
"""

import argparse
import datetime
import glob
import json
import os
import platform
import re
import subprocess

# The packages whose versions the figures depend on, as Debian names them.
PACKAGES = ["libgrpc++1.51", "libprotobuf32", "python3-grpcio", "python3-protobuf",
            "python3-numpy", "verilator", "libsystemc", "g++-12", "python3.11"]


def _read(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError:
        return ""


def machine():
    """(label, value) pairs describing this machine and its software."""
    cpuinfo = _read("/proc/cpuinfo")
    model = re.search(r"^model name\s*:\s*(.*)$", cpuinfo, re.M)
    mem = re.search(r"^MemTotal:\s*(\d+) kB", _read("/proc/meminfo"), re.M)
    rows = [
        ("date (UTC)", datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M")),
        ("cores", str(os.cpu_count())),
        ("CPU", model.group(1).strip() if model else platform.processor() or "unknown"),
        ("memory", f"{int(mem.group(1)) / (1 << 20):.1f} GiB" if mem else "unknown"),
        ("kernel", platform.release()),
        ("Debian", _read("/etc/debian_version").strip() or "unknown"),
    ]
    versions = []
    for package in PACKAGES:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Version}\n", package],
                             capture_output=True, text=True, check=False)
        if out.returncode == 0 and out.stdout:
            versions.append(f"{package} {out.stdout.split()[0]}")
    rows.append(("packages", ", ".join(versions) or "unknown"))
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, check=False, cwd=os.path.dirname(__file__))
    if commit.returncode == 0:
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=False,
                               cwd=os.path.dirname(__file__)).stdout.strip()
        rows.append(("commit", commit.stdout.strip() + (" (with local changes)" if dirty else "")))
    return rows


def _number(value):
    if value is None:
        return ""
    if abs(value) >= 100:
        return f"{value:.0f}"
    return f"{value:.2f}" if abs(value) >= 1 else f"{value:.3f}"


def _met(figure):
    """'yes'/'no' against a goal written '<= x', '>= x', '< x' or '> x' on the ratio (or,
    with a unit after the number, on the value)."""
    goal = figure.get("goal")
    if not goal:
        return ""
    match = re.match(r"\s*(<=|>=|<|>)\s*([0-9.]+)\s*(.*)$", goal)
    if not match:
        return ""
    op, bound, unit = match.group(1), float(match.group(2)), match.group(3).strip()
    subject = figure["value"] if unit else figure.get("ratio")
    if subject is None:
        return ""
    ok = {"<=": subject <= bound, ">=": subject >= bound, "<": subject < bound,
          ">": subject > bound}[op]
    return "yes" if ok else "**no**"


def table(data):
    lines = ["| figure | value | baseline (same run) | baseline value | ratio | goal | met |",
             "|---|---|---|---|---|---|---|"]
    for f in data["figures"]:
        unit = f.get("unit", "")
        base = f.get("baseline")
        lines.append(
            f"| {f['name']} | {_number(f['value'])} {unit} | {f.get('baseline_name', '')} | "
            f"{_number(base) + ' ' + unit if base is not None and f.get('baseline_name') != 'goal' else ''} | "
            f"{_number(f.get('ratio'))} | {f.get('goal', '')} | {_met(f)} |")
    return "\n".join(lines)


def plot(series, path):
    """The latency distribution of each series (a CDF, log time axis), one PNG."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=120)
    for name, samples in series.items():
        values = np.sort(np.asarray(samples, dtype=float))
        p50 = values[len(values) // 2]
        ax.plot(values, np.arange(1, len(values) + 1) / len(values),
                label=f"{name} (p50 {p50:.0f} us, n={len(values)})")
    ax.set_xscale("log")
    # The slowest 0.5% (a page fault, the other core's spike) would stretch the axis.
    everything = np.concatenate([np.asarray(s, dtype=float) for s in series.values()])
    ax.set_xlim(everything.min() * 0.9, np.percentile(everything, 99.5) * 1.5)
    ax.set_xlabel("latency of one call, us (log scale)")
    ax.set_ylabel("fraction of calls at or below")
    ax.set_title("MMIO read from Python over loopback gRPC, against the bare unary call")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--figures", required=True, help="directory of the runs' JSON files")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "RESULTS.md"))
    parser.add_argument("--plot", default=os.path.join(os.path.dirname(__file__),
                                                       "mmio_latency.png"))
    parser.add_argument("--load-before", help="the 1-minute load average when the run began")
    args = parser.parse_args()

    runs = []
    for path in sorted(glob.glob(os.path.join(args.figures, "*.json"))):
        with open(path, encoding="utf-8") as f:
            runs.append(json.load(f))
    if not runs:
        raise SystemExit(f"results_md: no figure files in {args.figures}")

    out = ["# Benchmark results", "",
           "Written by `ci/bench.sh` (bench/results_md.py); do not edit by hand. Every figure",
           "stands beside a baseline measured in the same run on the same machine, and the",
           "ratio is what carries over to another machine (these vary by 1.5x one to the",
           "next). Goals are issue 18's.", "", "## Machine", "",
           "| | |", "|---|---|"]
    for label, value in machine():
        out.append(f"| {label} | {value} |")
    load = os.getloadavg()
    note = (f"1-minute load average {args.load_before} when the run began, "
            f"{load[0]:.2f} when it ended")
    out.append(f"| load | {note} |")
    series = {}
    for run in runs:
        out += ["", f"## {run['script']}", ""]
        if run.get("machine_note"):
            out += [f"Machine: {run['machine_note']}", ""]
        out.append(table(run))
        if "samples" in run and not series:
            series = run["samples"]
    if series:
        plot(series, args.plot)
        out += ["", "## MMIO latency distribution", "",
                f"![MMIO read latency, ours against bare]({os.path.basename(args.plot)})", ""]
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")
    print(f"results_md: wrote {args.out}" + (f" and {args.plot}" if series else ""))


if __name__ == "__main__":
    main()
