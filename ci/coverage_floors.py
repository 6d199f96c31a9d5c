#!/usr/bin/python3
"""The coverage figures per area, and the floors under them (ci/coverage.sh, docs/coverage.md).

Reads gcovr's JSON summary of our C++ (--json-summary; file names relative to the repository)
and python3-coverage's JSON report of the client (coverage json). Prints lines, branches and
functions per area (server/, sim/, zynq/, and server/ + sim/, which the floors are on) and the
client's lines and branches. Exits 1 when a figure is below its floor, naming the floor and the
figure; 2 on unusable input (a missing or empty report: a run that measured nothing must not
pass).

Usage: coverage_floors.py --cpp SUMMARY.json --python COVERAGE.json
           [--cpp-lines 92] [--cpp-branches 60] [--python-lines 90] [--out SUMMARY.txt]
"""

import argparse
import json
import sys

# The C++ areas reported, each a path prefix relative to the repository; the floors are on the
# last, server/ and sim/ together (tests, benchmarks and generated code are not in the report).
AREAS = (("server/", ("server/",)), ("sim/", ("sim/",)), ("zynq/", ("zynq/",)),
         ("server/ + sim/", ("server/", "sim/")))
FLOORED = "server/ + sim/"
KINDS = ("line", "branch", "function")


class InputError(Exception):
    pass


def percent(covered, total):
    """covered/total in percent, truncated (not rounded) to two decimals, so that a figure below
    a floor never prints as the floor itself; None when there is nothing to count."""
    if not total:
        return None
    return int(covered * 10000 // total) / 100


def below(covered, total, floor):
    """Exact comparison, without rounding: covered/total < floor%."""
    return covered * 100 < floor * total


def load(path, what):
    try:
        with open(path) as f:
            return json.load(f)
    except OSError as e:
        raise InputError(f"cannot read the {what} ({path}): {e.strerror}. Did the coverage "
                         "run produce it? ci/coverage.sh writes both reports.")
    except json.JSONDecodeError as e:
        raise InputError(f"the {what} ({path}) is not JSON: {e}")


def cpp_areas(summary):
    """{area: {kind: (covered, total)}} from gcovr's --json-summary."""
    files = summary.get("files")
    if not isinstance(files, list):
        raise InputError("the C++ summary has no 'files' list: not gcovr --json-summary output")
    areas = {}
    for area, prefixes in AREAS:
        sums = {kind: [0, 0] for kind in KINDS}
        for entry in files:
            if entry.get("filename", "").startswith(prefixes):
                for kind in KINDS:
                    sums[kind][0] += entry.get(f"{kind}_covered", 0)
                    sums[kind][1] += entry.get(f"{kind}_total", 0)
        areas[area] = {kind: tuple(value) for kind, value in sums.items()}
    return areas


def python_totals(report):
    """{kind: (covered, total)} from python3-coverage's JSON report."""
    totals = report.get("totals")
    if not isinstance(totals, dict) or "num_statements" not in totals:
        raise InputError("the client's report has no 'totals': not `coverage json` output")
    return {"line": (totals["covered_lines"], totals["num_statements"]),
            "branch": (totals.get("covered_branches", 0), totals.get("num_branches", 0))}


def cell(covered, total):
    value = percent(covered, total)
    return "-" if value is None else f"{value:6.2f}% ({covered}/{total})"


def table(areas, client):
    rows = [f"{'C++':<16}{'lines':<24}{'branches':<24}functions"]
    for area, _ in AREAS:
        figures = areas[area]
        rows.append((f"{area:<16}" + "".join(f"{cell(*figures[kind]):<24}" for kind in KINDS))
                    .rstrip())
    rows.append("")
    rows.append(f"{'Python':<16}{'lines':<24}branches")
    rows.append(f"{'client':<16}{cell(*client['line']):<24}{cell(*client['branch'])}")
    return "\n".join(rows)


def failures(areas, client, floors):
    """One message per figure below its floor (empty when all hold)."""
    checks = ((f"{FLOORED} lines", areas[FLOORED]["line"], floors.cpp_lines,
               "--cpp-lines, COVERAGE_FLOOR_CPP_LINES"),
              (f"{FLOORED} branches (throw and unreachable branches excluded)",
               areas[FLOORED]["branch"], floors.cpp_branches,
               "--cpp-branches, COVERAGE_FLOOR_CPP_BRANCHES"),
              ("client (Python) lines", client["line"], floors.python_lines,
               "--python-lines, COVERAGE_FLOOR_PY_LINES"))
    found = []
    for what, (covered, total), floor, flag in checks:
        if not total:
            found.append(f"{what}: nothing measured (0 of 0): the tests did not run, or the "
                         "report is of the wrong tree")
        elif below(covered, total, floor):
            found.append(f"{what}: {percent(covered, total):.2f}% ({covered}/{total}) is below "
                         f"the floor of {floor:g}% ({flag})")
    return found


def floor_value(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"want a percentage between 0 and 100, not {text!r}")
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"want a percentage between 0 and 100, not {text!r}")
    return value


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cpp", required=True, help="gcovr --json-summary output")
    parser.add_argument("--python", required=True, help="python3-coverage's `coverage json`")
    parser.add_argument("--cpp-lines", type=floor_value, default=92.0)
    parser.add_argument("--cpp-branches", type=floor_value, default=60.0)
    parser.add_argument("--python-lines", type=floor_value, default=90.0)
    parser.add_argument("--out", help="also write the table here")
    args = parser.parse_args(argv)
    try:
        areas = cpp_areas(load(args.cpp, "C++ summary"))
        client = python_totals(load(args.python, "client's coverage report"))
    except InputError as e:
        print(f"coverage: {e}", file=sys.stderr)
        return 2
    text = table(areas, client)
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    found = failures(areas, client, args)
    if found:
        print("\ncoverage: FAILED, below a floor:\n  " + "\n  ".join(found) +
              "\nSee docs/coverage.md: test the uncovered paths the report shows; never lower "
              "a floor to pass.", file=sys.stderr)
        return 1
    print(f"\ncoverage: floors hold ({FLOORED}: lines >= {args.cpp_lines:g}%, branches >= "
          f"{args.cpp_branches:g}%; client lines >= {args.python_lines:g}%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
