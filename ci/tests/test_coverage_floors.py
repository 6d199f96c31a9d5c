"""ci/coverage_floors.py, the check that fails the coverage job below a floor: run as
ci/coverage.sh runs it, on reports shaped as gcovr 5.2 (--json-summary) and python3-coverage 6.5
(coverage json) write them."""

import json
import os
import subprocess
import sys

import pytest

SCRIPT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                      "coverage_floors.py")


def gcovr_file(name, lines, branches, functions=(1, 1)):
    """One file's entry of a gcovr --json-summary report; each figure (covered, total)."""
    entry = {"filename": name}
    for kind, (covered, total) in (("line", lines), ("branch", branches),
                                   ("function", functions)):
        entry.update({f"{kind}_covered": covered, f"{kind}_total": total,
                      f"{kind}_percent": round(100 * covered / total, 1) if total else None})
    return entry


def write_reports(tmp_path, cpp_files, client_lines=(950, 1000), client_branches=(300, 400)):
    cpp = tmp_path / "cpp-summary.json"
    cpp.write_text(json.dumps({"root": "../..", "gcovr/summary_format_version": "0.2",
                               "files": cpp_files}))
    python = tmp_path / "python.json"
    python.write_text(json.dumps({"meta": {"version": "6.5.0"}, "files": {}, "totals": {
        "covered_lines": client_lines[0], "num_statements": client_lines[1],
        "covered_branches": client_branches[0], "num_branches": client_branches[1],
        "percent_covered": 0.0}}))
    return cpp, python


def run(cpp, python, *floors):
    return subprocess.run([sys.executable, SCRIPT, "--cpp", str(cpp), "--python", str(python),
                           *floors], capture_output=True, text=True, timeout=60)


GOOD = [gcovr_file("server/service/board_service.cc", (930, 1000), (130, 200), (40, 41)),
        gcovr_file("sim/board/sim_device.cc", (470, 500), (70, 100)),
        # zynq/ is reported, not floored: its low figures must not fail the job
        gcovr_file("zynq/phys_mapper.cc", (10, 100), (1, 50))]


def test_figures_above_the_floors_pass_and_print_each_area(tmp_path):
    result = run(*write_reports(tmp_path, GOOD))
    assert result.returncode == 0, result.stderr
    rows = {line.split("  ")[0]: line for line in result.stdout.splitlines()}
    # server/ + sim/: 1400/1500 lines, 200/300 branches, 41/42 functions, truncated not rounded
    assert "93.33% (1400/1500)" in rows["server/ + sim/"]
    assert "66.66% (200/300)" in rows["server/ + sim/"]
    assert "97.61% (41/42)" in rows["server/ + sim/"]
    assert "10.00% (10/100)" in rows["zynq/"]
    assert "95.00% (950/1000)" in rows["client"]
    assert "floors hold" in result.stdout


def test_cpp_lines_below_the_floor_fail_naming_floor_and_figure(tmp_path):
    files = [gcovr_file("server/a.cc", (919, 1000), (90, 100))]
    result = run(*write_reports(tmp_path, files))
    assert result.returncode == 1
    assert ("server/ + sim/ lines: 91.90% (919/1000) is below the floor of 92% "
            "(--cpp-lines, COVERAGE_FLOOR_CPP_LINES)" in result.stderr)
    assert "branches" not in result.stderr.split("FAILED")[1].split("See docs")[0]


def test_a_figure_a_hair_below_the_floor_fails_and_never_prints_as_the_floor(tmp_path):
    files = [gcovr_file("sim/a.cc", (91999, 100000), (90, 100))]
    result = run(*write_reports(tmp_path, files))
    assert result.returncode == 1
    assert "91.99% (91999/100000) is below the floor of 92%" in result.stderr


def test_exactly_at_the_floors_passes(tmp_path):
    files = [gcovr_file("server/a.cc", (92, 100), (60, 100))]
    result = run(*write_reports(tmp_path, files, client_lines=(90, 100)))
    assert result.returncode == 0, result.stderr


def test_branches_below_the_floor_fail(tmp_path):
    files = [gcovr_file("server/a.cc", (99, 100), (59, 100))]
    result = run(*write_reports(tmp_path, files))
    assert result.returncode == 1
    assert "branches (throw and unreachable branches excluded): 59.00% (59/100) is below the " \
           "floor of 60% (--cpp-branches, COVERAGE_FLOOR_CPP_BRANCHES)" in result.stderr


def test_client_lines_below_the_floor_fail(tmp_path):
    result = run(*write_reports(tmp_path, GOOD, client_lines=(899, 1000)))
    assert result.returncode == 1
    assert "client (Python) lines: 89.90% (899/1000) is below the floor of 90% " \
           "(--python-lines, COVERAGE_FLOOR_PY_LINES)" in result.stderr


def test_a_raised_floor_fails_what_the_default_passes(tmp_path):
    reports = write_reports(tmp_path, GOOD)
    assert run(*reports).returncode == 0
    result = run(*reports, "--cpp-lines", "95", "--python-lines", "96")
    assert result.returncode == 1
    assert "below the floor of 95% (--cpp-lines" in result.stderr
    assert "below the floor of 96% (--python-lines" in result.stderr


def test_tests_and_other_trees_do_not_count_towards_the_floored_area(tmp_path):
    # Only server/ and sim/ count: a well-covered file elsewhere cannot lift a poor figure.
    files = [gcovr_file("server/a.cc", (50, 100), (50, 100)),
             gcovr_file("zynq/b.cc", (10000, 10000), (100, 100)),
             gcovr_file("serverless/c.cc", (10000, 10000), (100, 100))]
    result = run(*write_reports(tmp_path, files))
    assert result.returncode == 1
    assert "50.00% (50/100) is below the floor of 92%" in result.stderr


def test_nothing_measured_fails(tmp_path):
    result = run(*write_reports(tmp_path, [gcovr_file("zynq/a.cc", (1, 1), (1, 1))],
                                client_lines=(0, 0)))
    assert result.returncode == 1
    assert "server/ + sim/ lines: nothing measured" in result.stderr
    assert "client (Python) lines: nothing measured" in result.stderr


@pytest.mark.parametrize("which", ["cpp", "python"])
def test_a_missing_or_foreign_report_is_an_error_saying_which(tmp_path, which):
    cpp, python = write_reports(tmp_path, GOOD)
    (cpp if which == "cpp" else python).unlink()
    result = run(cpp, python)
    assert result.returncode == 2
    assert ("C++ summary" if which == "cpp" else "client's coverage report") in result.stderr
    assert "ci/coverage.sh writes both reports" in result.stderr
    (tmp_path / "other.json").write_text("{}")
    result = run(tmp_path / "other.json" if which == "cpp" else cpp,
                 tmp_path / "other.json" if which == "python" else python)
    assert result.returncode == 2
    assert ("gcovr --json-summary" if which == "cpp" else "coverage json") in result.stderr


def test_a_floor_that_is_not_a_percentage_is_refused(tmp_path):
    result = run(*write_reports(tmp_path, GOOD), "--cpp-lines", "ninety")
    assert result.returncode == 2
    assert "want a percentage between 0 and 100, not 'ninety'" in result.stderr
