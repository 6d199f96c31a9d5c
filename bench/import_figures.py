#!/usr/bin/python3
"""Figures of `pynq-remote-design import` (a benchmark, not a test; bench/README.md):

* import + build time, cold (fresh work folder, ccache off) and warm (the same command again),
  for PYNQ-HelloWorld's real zcu104_resizer.hwh (pr_resize_accel standing in for the HLS
  core) and for hls_lut, the HLS-style AXI-Stream kernel between two DMAs
  (hil-tests/hls_kernels/axis_lut); beside each, `build` of the same design from its manifest,
  the baseline the import adds its .hwh reading and RTL preparation to;
* simulated PL cycles/s of the imported resizer against the same design built from its
  hand-written manifest (rtl/designs/resizer, as a package too), in one server with
  Board.Advance (--deterministic), rounds alternating the order: wall clock and the server's
  CPU time, medians and the ratio (package_figures.py's method).

Usage: bench/import_figures.py --build build [--testdata DIR] [--cycles 6000000] [--rounds 7]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.normpath(os.path.join(HERE, ".."))
sys.path.insert(0, HERE)
import package_figures  # noqa: E402  (Server, compare_cycles, renamed_resizer, tool)


def timed(cmd, env=None):
    t0 = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       env=env)
    if p.returncode:
        raise RuntimeError("%s failed:\n%s" % (" ".join(cmd), p.stdout[-3000:]))
    return time.perf_counter() - t0, p.stdout


def import_cmd(build, hwh, out, work, *extra):
    return [os.path.join(build, "bin", "pynq-remote-design"), "import", "--hwh", hwh,
            "--out", out, "--work", work] + list(extra)


def build_cmd(build, manifest, out, work):
    return [os.path.join(build, "bin", "pynq-remote-design"), "build", "--manifest", manifest,
            "--out", out, "--work", work]


def cold_warm(label, cmd_of, tmp):
    """(cold, warm) seconds of a command writing into a fresh folder, ccache off then on."""
    out, work = os.path.join(tmp, label, "out"), os.path.join(tmp, label, "work")
    cold, _ = timed(cmd_of(out, work), env=dict(os.environ, CCACHE_DISABLE="1"))
    warm, text = timed(cmd_of(out, work))
    assert "up to date" in text, text
    return cold, warm, out


def report(what, imported, built):
    print("%-8s import+build: cold %5.1f s, warm %.2f s | build from manifest: cold %5.1f s, "
          "warm %.2f s | import/build cold %.2fx" %
          (what, imported[0], imported[1], built[0], built[1], imported[0] / built[0]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(SOURCE, "build"))
    ap.add_argument("--testdata", default=os.environ.get(
        "PYNQ_REMOTE_TESTDATA_DIR", os.path.join(SOURCE, "..", "shared", "testdata")))
    ap.add_argument("--cycles", type=int, default=6000000)
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    hwh = os.path.join(args.testdata, "hwh", "zcu104_resizer.hwh")
    if not os.path.isfile(hwh):
        sys.exit("import_figures.py: %s is missing (ci/fetch-testdata.sh)" % hwh)
    lut = os.path.join(SOURCE, "hil-tests", "hls_kernels", "axis_lut")
    with tempfile.TemporaryDirectory(prefix="import-bench-") as tmp:
        resizer_imp = cold_warm("resizer-import", lambda o, w: import_cmd(
            build, hwh, o, w, "--rtl", os.path.join(SOURCE, "rtl", "ip", "resize_accel"),
            "--map", "resize_accel_0=pr_resize_accel"), tmp)
        manifest = package_figures.renamed_resizer(os.path.join(tmp, "resizer_pkg"),
                                                   "resizer_pkg")
        resizer_built = cold_warm("resizer-build",
                                  lambda o, w: build_cmd(build, manifest, o, w), tmp)
        report("resizer", resizer_imp, resizer_built)

        lut_imp = cold_warm("lut-import", lambda o, w: import_cmd(
            build, os.path.join(lut, "hls_lut.hwh"), o, w, "--rtl", os.path.join(lut, "hdl")),
            tmp)
        lut_built = cold_warm("lut-build", lambda o, w: build_cmd(
            build, os.path.join(lut, "manifest.json"), o, w), tmp)
        report("hls_lut", lut_imp, lut_built)

        # Cycles/s: the imported resizer against the manifest-built one, both packages.
        server = package_figures.Server(build, "--deterministic", "--designs", resizer_imp[2],
                                        "--designs", resizer_built[2])
        try:
            designs = {"imported": os.path.join(resizer_imp[2], "zcu104_resizer",
                                                "zcu104_resizer.bit"),
                       "manifest": os.path.join(resizer_built[2], "resizer_pkg",
                                                "resizer_pkg.bit")}
            times = package_figures.compare_cycles(server, designs, args.cycles, args.rounds)
        finally:
            server.stop()
    med = {}
    for label, runs in times.items():
        wall = sorted(args.cycles / t[0] / 1e6 for t in runs)
        cpu = sorted(args.cycles / t[1] / 1e6 for t in runs)
        med[label] = (wall[len(wall) // 2], cpu[len(cpu) // 2])
        print("resizer %-8s M PL cycles/s: wall median %.2f, server CPU median %.2f" %
              (label, med[label][0], med[label][1]))
    print("imported / manifest-built: wall %.3fx, server CPU %.3fx (%d rounds of %d cycles, "
          "idle PL after a download)" % (med["imported"][0] / med["manifest"][0],
                                         med["imported"][1] / med["manifest"][1], args.rounds,
                                         args.cycles))
    return 0


if __name__ == "__main__":
    sys.exit(main())
