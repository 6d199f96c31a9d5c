#!/usr/bin/python3
"""The HLS-style kernels end to end: each kernel folder (hil-tests/hls_kernels/<k>) copied to a
temporary folder outside the source tree, its package built there with pynq-remote-design,
the packages moved elsewhere (a package runs from wherever it is put: the axis_lut ROM's
$readmemh data is inside the library), served by pynq-remote-server from yet another working
folder on a port it picks, and driven by drive.py with our client: the ZCU104 kernels
(hls_mac, hls_vinc) on one server, the Pynq-Z2 one (hls_lut, between two DMAs) on a
server started with --board Pynq-Z2. Where the tool has the import command, each kernel is
also imported from its .hwh and hdl/ (pynq-remote-design import) and driven the same way.

Usage: check_hls_kernels.py --tool PYNQ_REMOTE_DESIGN --server PYNQ_REMOTE_SERVER
                            --client CLIENT_PYTHON_DIR
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "walkthrough"))
from check_walkthrough import Failure, Server, step  # noqa: E402
import check_walkthrough  # noqa: E402


def run(cmd, cwd, env=None, timeout=900, echo=True, check=True):
    """check_walkthrough.run, or with check=False the output whatever the exit status."""
    if check:
        return check_walkthrough.run(cmd, cwd, env=env, timeout=timeout, echo=echo)
    p = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, universal_newlines=True, timeout=timeout)
    return p.stdout

KERNELS = {"mac_accum": ("hls_mac", None), "vec_inc": ("hls_vinc", None),
           "axis_lut": ("hls_lut", "Pynq-Z2")}


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tool", required=True)
    ap.add_argument("--server", required=True)
    ap.add_argument("--client", required=True)
    args = ap.parse_args(argv)
    work = tempfile.mkdtemp(prefix="hls_kernels_")
    try:
        src, built = os.path.join(work, "src"), os.path.join(work, "built")
        for kernel, (design, board) in list(KERNELS.items()):
            shutil.copytree(os.path.join(HERE, kernel), os.path.join(src, kernel))
            run([args.tool, "build", "--manifest", os.path.join(src, kernel, "manifest.json"),
                 "--out", built, "--no-trace"], cwd=src)
        # The importer's path, where the tool has it (pynq-remote-design import): the
        # kernel's .hwh and hdl/ give the same packages, named <design>_imported.
        if "--hwh" in run([args.tool, "import", "--help"], cwd=work, echo=False, check=False):
            for kernel, (design, board) in list(KERNELS.items()):
                name = design + "_imported"
                shutil.copy(os.path.join(src, kernel, design + ".hwh"),
                            os.path.join(src, kernel, name + ".hwh"))
                run([args.tool, "import", "--hwh", os.path.join(src, kernel, name + ".hwh"),
                     "--rtl", os.path.join(src, kernel, "hdl"), "--out", built,
                     "--no-trace"], cwd=src)
                KERNELS[kernel + "_imported"] = (name, board)
        else:
            step("the tool has no import command: built packages only")
        shutil.rmtree(src)  # the packages need none of the sources
        by_board = {}
        for kernel, (design, board) in list(KERNELS.items()):
            dest = os.path.join(work, board or "ZCU104")
            os.makedirs(dest, exist_ok=True)
            shutil.move(os.path.join(built, design), os.path.join(dest, design))
            by_board.setdefault(board, (dest, []))[1].append(design)
        shutil.rmtree(built)
        elsewhere = os.path.join(work, "cwd")
        os.makedirs(elsewhere)
        for board, (designs, names) in by_board.items():
            server = Server(args.server, elsewhere,
                            ["--designs", designs] + (["--board", board] if board else []))
            try:
                env = dict(os.environ, PYNQ_REMOTE_DEVICES=server.address,
                           PYTHONPATH=args.client)
                out = run([sys.executable, os.path.join(HERE, "drive.py"), designs] + names,
                          cwd=elsewhere, env=env, timeout=600)
                if "every result matched" not in out:
                    raise Failure("drive.py did not finish")
            finally:
                rc = server.stop()
                if rc not in (0, None):
                    sys.stdout.write(server.output())
                    raise Failure("the server exited with %d" % rc)
    except Failure as e:
        print("check_hls_kernels.py: FAILED: %s" % e)
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    step("every kernel computed as its C function says")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
