#!/usr/bin/python3
"""Public overlays, as their authors published them, imported and run on the simulated board.

PyHDI/veriloggen ships Ultra96-V2 PYNQ examples (examples/*_ultra96v2_pynq/ultra96v2_pynq/): a
Vivado .hwh, the design's Verilog and a run_on_pynq.py notebook export. For each one this
script runs `pynq-remote-design import --hwh ... --rtl ...`, serves the package, and runs the
example's own run_on_pynq.py with two edits: `from pynq import` becomes `from pynq_remote
import`, and `ip.saxi.write/read` (a PYNQ 2.5-era attribute neither PYNQ 3.1 nor pynq_remote
has) becomes `ip.write/read`. The .bit files are not in every checkout (large blobs), so the
package's sim .bit stands in under the example's .bit name. Each example prints `diff_sum`
last, which must be 0.

Not a ctest: CI cannot download the examples. Run it by hand:

    git clone https://github.com/PyHDI/veriloggen /tmp/veriloggen      (or any checkout)
    hil-tests/public_overlays/run_veriloggen_overlays.py --examples /tmp/veriloggen/examples \\
        --build build
"""
import argparse
import glob
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.normpath(os.path.join(HERE, "..", ".."))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def one(example, build, work):
    """(name, ok, detail) of one example folder (.../<x>_ultra96v2_pynq/ultra96v2_pynq)."""
    hwh = glob.glob(os.path.join(example, "*.hwh"))
    script = os.path.join(example, "run_on_pynq.py")
    if len(hwh) != 1 or not os.path.isfile(script):
        return os.path.basename(os.path.dirname(example)), False, "no single .hwh + run_on_pynq.py"
    name = os.path.splitext(os.path.basename(hwh[0]))[0]
    rtl = [p for p in glob.glob(os.path.join(example, "*.v")) +
           glob.glob(os.path.join(example, "*_v1_0", "hdl"))]
    out = os.path.join(work, name, "designs")
    run = subprocess.run([os.path.join(build, "bin", "pynq-remote-design"), "import", "--hwh",
                          hwh[0], "--out", out] + sum((["--rtl", r] for r in rtl), []),
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if run.returncode:
        return name, False, "import failed:\n" + run.stdout[-2000:]
    here = os.path.join(work, name, "notebook")
    os.makedirs(here)
    shutil.copy(hwh[0], here)
    shutil.copy(os.path.join(out, name, name + ".bit"), here)
    with open(script) as f:
        text = f.read()
    text = re.sub(r"^from pynq import", "from pynq_remote import", text, flags=re.M)
    text = text.replace(".saxi.write(", ".write(").replace(".saxi.read(", ".read(")
    with open(os.path.join(here, "run_on_pynq.py"), "w") as f:
        f.write(text)
    port = free_port()
    server = subprocess.Popen([os.path.join(build, "server", "pynq-remote-server"), "--backend",
                               "sim", "--listen", "127.0.0.1:%d" % port, "--designs", out],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for line in server.stdout:
            if "listening" in line:
                break
        else:
            return name, False, "the server did not start"
        env = dict(os.environ, PYNQ_REMOTE_DEVICES="127.0.0.1:%d" % port,
                   PYTHONPATH=os.path.join(SOURCE, "client", "python"))
        t0 = time.perf_counter()
        p = subprocess.run([sys.executable, "run_on_pynq.py"], cwd=here, env=env, text=True,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=1800)
        took = time.perf_counter() - t0
        last = p.stdout.strip().splitlines()[-1] if p.stdout.strip() else ""
        ok = p.returncode == 0 and last.strip() == "0"
        return name, ok, "diff_sum %s in %.1f s" % (last, took) if ok else p.stdout[-2000:]
    finally:
        server.terminate()
        server.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--examples", required=True, help="veriloggen's examples/ folder")
    ap.add_argument("--build", default=os.path.join(SOURCE, "build"))
    args = ap.parse_args()
    found = sorted(glob.glob(os.path.join(args.examples, "*_ultra96v2_pynq", "ultra96v2_pynq")))
    if not found:
        sys.exit("no */ultra96v2_pynq folders under %s" % args.examples)
    failed = 0
    with tempfile.TemporaryDirectory(prefix="public-overlays-") as work:
        for example in found:
            name, ok, detail = one(example, os.path.abspath(args.build), work)
            print("%s %s: %s" % ("PASS" if ok else "FAIL", name, detail), flush=True)
            failed += not ok
    print("%d of %d public overlays pass" % (len(found) - failed, len(found)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
