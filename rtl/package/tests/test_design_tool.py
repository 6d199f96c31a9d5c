"""pynq-remote-design build: a good package, a warm rebuild that does nothing, and every bad
input the issue lists, each failing with status 1 and one clear message (no traceback).

PYNQ_REMOTE_DESIGN_TOOL: the command under test (ctest sets the build tree's).
"""
import json
import os
import re
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import small_design  # noqa: E402

TOOL = os.environ.get("PYNQ_REMOTE_DESIGN_TOOL") or os.path.join(
    HERE, "..", "..", "..", "build", "bin", "pynq-remote-design")


def build(manifest, out, *extra):
    return subprocess.run([TOOL, "build", "--manifest", str(manifest), "--out", str(out),
                           "-j", "2"] + list(extra),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          timeout=900)


def refused(run, *needles):
    """The run failed as a user error: status 1, the message names every needle."""
    assert run.returncode == 1, (run.returncode, run.stdout, run.stderr)
    assert "Traceback" not in run.stderr, run.stderr
    assert run.stderr.startswith("pynq-remote-design: "), run.stderr
    for n in needles:
        assert n in run.stderr, (n, run.stderr)


def edit_manifest(path, change):
    with open(path) as f:
        m = json.load(f)
    change(m)
    with open(path, "w") as f:
        json.dump(m, f)


def test_package_then_up_to_date(tmp_path):
    manifest = small_design.write(str(tmp_path / "adder"))
    out = tmp_path / "out"
    run = build(manifest, out)
    assert run.returncode == 0, run.stderr
    pkg = out / "adder"
    with open(pkg / "design.json") as f:
        d = json.load(f)
    assert d["package_format"] == 1
    assert (d["name"], d["board"], d["family"], d["part"]) == (
        "adder", "ZCU104", "zynqmp", "xczu7ev-ffvc1156-2-e")
    assert re.fullmatch(r"[0-9a-f]{64}", d["content_hash"])
    assert isinstance(d["abi_version"], int) and d["abi_version"] >= 1
    version = subprocess.run(["verilator", "--version"], stdout=subprocess.PIPE,
                             text=True).stdout.split()[1]
    assert d["verilator_version"] == version
    assert d["base_parameter"] == "0xA0010000"
    # A hand-written (format 1) top cannot say its busy covers everything: the board keeps its
    # trailing window after every access (sim/README.md).
    assert d["busy_complete"] is False
    for key in ("library", "bitstream", "hwh"):
        assert (pkg / d[key]).is_file()
    # The .bit carries the content hash the descriptor names.
    assert d["content_hash"].encode() in (pkg / "adder.bit").read_bytes()
    # One exported symbol: the entry.
    nm = subprocess.run(["nm", "-D", "--defined-only", str(pkg / d["library"])],
                        stdout=subprocess.PIPE, text=True, check=True).stdout.split("\n")
    symbols = sorted(line.split()[-1] for line in nm if line.strip())
    assert symbols == ["pynq_remote_design_package"], symbols

    before = os.stat(pkg / d["library"]).st_mtime_ns
    again = build(manifest, out)
    assert again.returncode == 0, again.stderr
    assert "up to date" in again.stdout
    assert os.stat(pkg / d["library"]).st_mtime_ns == before

    # A source edit is a new content hash: rebuilt.
    v = tmp_path / "adder" / "adder_top.v"
    v.write_text(v.read_text().replace("32'h5EED0001", "32'h5EED0002"))
    third = build(manifest, out)
    assert third.returncode == 0, third.stderr
    assert "up to date" not in third.stdout
    with open(pkg / "design.json") as f:
        assert json.load(f)["content_hash"] != d["content_hash"]


def test_manifest_not_json(tmp_path):
    manifest = small_design.write(str(tmp_path / "d"))
    with open(manifest, "w") as f:
        f.write("{\"name\": \"adder\",")
    refused(build(manifest, tmp_path / "out"), "JSON")


def test_manifest_missing(tmp_path):
    refused(build(tmp_path / "nowhere" / "manifest.json", tmp_path / "out"), "no such manifest")


def test_manifest_without_part(tmp_path):
    manifest = small_design.write(str(tmp_path / "d"))
    edit_manifest(manifest, lambda m: m.pop("part"))
    refused(build(manifest, tmp_path / "out"), "'part'")


def test_manifest_bad_name(tmp_path):
    manifest = small_design.write(str(tmp_path / "d"))
    edit_manifest(manifest, lambda m: m.update(name="my design"))
    refused(build(manifest, tmp_path / "out"), "not an identifier")


def test_missing_source(tmp_path):
    manifest = small_design.write(str(tmp_path / "d"))
    edit_manifest(manifest, lambda m: m["sources"].append("nope.v"))
    refused(build(manifest, tmp_path / "out"), "nope.v")


def test_verilator_error_with_file_and_line(tmp_path):
    manifest = small_design.write(str(tmp_path / "d"))
    v = tmp_path / "d" / "adder_top.v"
    lines = v.read_text().split("\n")
    at = next(i for i, l in enumerate(lines) if "localparam" in l)
    lines[at] = "  localparam [31:0] SPAN = ;"
    v.write_text("\n".join(lines))
    run = build(manifest, tmp_path / "out")
    refused(run, "Verilator", "adder_top.v:%d" % (at + 1))
    assert not (tmp_path / "out" / "adder" / "design.json").exists()


def test_missing_top_module(tmp_path):
    manifest = small_design.write(str(tmp_path / "d"))
    edit_manifest(manifest, lambda m: m.update(top="no_such_top"))
    refused(build(manifest, tmp_path / "out"), "no_such_top", "none of the sources")


def test_ports_break_the_shell_convention(tmp_path):
    manifest = small_design.write(str(tmp_path / "d"))
    v = tmp_path / "d" / "adder_top.v"
    text = v.read_text().replace("    output wire [15:0] irq,\n    output wire        busy\n",
                                 "    output wire [15:0] irq\n")
    v.write_text(text.replace("  assign busy = 1'b0;\n", ""))
    refused(build(manifest, tmp_path / "out"), "busy", "shell convention")


def test_rtl_not_where_the_manifest_says(tmp_path):
    # A hand-written top with its address hard-coded (no BASE parameter) at another base.
    manifest = small_design.write(str(tmp_path / "d"))
    v = tmp_path / "d" / "adder_top.v"
    text = v.read_text().replace("parameter [31:0] BASE = 32'h0", "parameter [31:0] AT = 32'h0")
    text = text.replace("s_axil_awaddr - BASE", "s_axil_awaddr - 32'hA0020000")
    v.write_text(text.replace("s_axil_araddr - BASE", "s_axil_araddr - 32'hA0020000 - AT"))
    run = build(manifest, tmp_path / "out")
    refused(run, "does not answer where the manifest says", "adder_0 at 0xA0010000: DECERR",
            "BASE")
    assert not (tmp_path / "out" / "adder" / "design.json").exists()


def test_out_holds_a_package_of_another_version(tmp_path):
    manifest = small_design.write(str(tmp_path / "d"))
    pkg = tmp_path / "out" / "adder"
    pkg.mkdir(parents=True)
    (pkg / "design.json").write_text(json.dumps({"package_format": 99, "name": "adder",
                                                 "tool_version": "9.9.9"}))
    refused(build(manifest, tmp_path / "out"), "another pynq-remote version", "9.9.9",
            "package_format 99")


def test_out_holds_something_else(tmp_path):
    manifest = small_design.write(str(tmp_path / "d"))
    pkg = tmp_path / "out" / "adder"
    pkg.mkdir(parents=True)
    (pkg / "design.json").write_text("not json")
    refused(build(manifest, tmp_path / "out"), "not a design package descriptor")


def test_usage_errors_are_status_2(tmp_path):
    run = subprocess.run([TOOL, "build", "--out", str(tmp_path)], stderr=subprocess.PIPE,
                         text=True)
    assert run.returncode == 2 and "--manifest" in run.stderr


def test_threads_builds_a_threaded_model_and_refuses_zero(tmp_path):
    # --threads 2: Verilated with --threads 2; the build's own probe loads the library and
    # reads every instance's register, so the threaded model is run, not only compiled.
    manifest = small_design.write(str(tmp_path / "adder"))
    run = build(manifest, tmp_path / "out", "--threads", "2")
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "out" / "adder" / "design.json").is_file()
    refused(build(manifest, tmp_path / "out0", "--threads", "0"), "--threads must be 1 or more")
