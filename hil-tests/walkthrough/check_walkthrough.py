#!/usr/bin/python3
"""rtl/README.md's walk-through, run as a reader runs it, in a temporary folder outside the
source tree:

1. copy examples/my_first_ip there and lint it: verilator --lint-only -Wall;
2. build its package: pynq-remote-design build --manifest my_first_ip/manifest.json --out designs
3. serve it: pynq-remote-server --backend sim --designs designs --trace my_first_ip.fst
   (on a port of its own choosing here, --listen 127.0.0.1:0, instead of 7967);
4. drive it: python3 my_first_ip/drive.py; then check plain MMIO at the manifest's base and a
   write to a read-only register (SLVERR);
5. stop the server and open the waveform: my_first_ip.fst holds the peripheral's signals
   (fst_signals.py reads it; fst2vcd, from Debian's gtkwave, converts it too when installed).

Usage: check_walkthrough.py --example DIR --tool PYNQ_REMOTE_DESIGN --server PYNQ_REMOTE_SERVER
                            --client CLIENT_PYTHON_DIR
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fst_signals  # noqa: E402

SOURCE_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
# What README step 5 says to look at in the waveform.
SIGNALS = ["clk", "rst_n", "s_axil_awaddr", "s_axil_awvalid", "s_axil_wdata", "s_axil_bresp",
           "s_axil_araddr", "s_axil_rdata", "enable", "count", "scratch", "a", "b"]


class Failure(Exception):
    pass


def step(text):
    print("walkthrough: " + text, flush=True)


def run(cmd, cwd, env=None, timeout=600, echo=True):
    step("$ " + " ".join(cmd))
    try:
        p = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, universal_newlines=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise Failure("%s did not finish within %d s" % (cmd[0], timeout))
    if echo or p.returncode != 0:
        sys.stdout.write(p.stdout)
    if p.returncode != 0:
        raise Failure("%s exited with %d" % (os.path.basename(cmd[0]), p.returncode))
    return p.stdout


class Server:
    """pynq-remote-server as step 3 starts it, on a port it picks; its output is collected."""

    def __init__(self, binary, cwd, args):
        cmd = [binary, "--backend", "sim", "--listen", "127.0.0.1:0", "--log-level", "warn"]
        cmd += args
        step("$ " + " ".join(cmd))
        self.proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, universal_newlines=True)
        self.lines = []
        self.address = None
        listening = threading.Event()
        self.reader = threading.Thread(target=self._read, args=(listening,), daemon=True)
        self.reader.start()
        # Loading a package is a dlopen; the wait only bounds a server that never gets there.
        if not listening.wait(60) or self.address is None:
            self.stop()
            raise Failure("the server did not start listening:\n" + self.output())

    def _read(self, listening):
        for line in self.proc.stdout:
            self.lines.append(line)
            if self.address is None and " listening on " in line:
                self.address = line.rsplit(" ", 1)[1].strip()
                listening.set()
        listening.set()  # it exited

    def output(self):
        return "".join(self.lines)

    def stop(self):
        """SIGTERM, as Ctrl-C in the reader's terminal; returns the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise Failure("the server did not stop within 60 s of SIGTERM")
        self.reader.join(10)
        return self.proc.returncode


def check_window(client, address, base):
    """The peripheral answers by offset from the manifest's base (its RTL got BASE from the
    tool), and refuses a write to a read-only register with SLVERR: its own client process.
    (Addresses past the window are not reachable: the server lets MMIO reach only what the
    loaded overlay maps.)"""
    code = (
        "import sys\n"
        "import pynq_remote as pynq\n"
        "base = %d\n"
        "m = pynq.MMIO(base, 0x1000)\n"
        "m.write(0x0C, 40); m.write(0x10, 2)\n"
        "assert m.read(0x14) == 42, hex(m.read(0x14))\n"
        "try:\n"
        "    m.write(0x14, 1)\n"
        "except pynq.SlaveError as e:\n"
        "    print('write to SUM:', e)\n"
        "else:\n"
        "    sys.exit('a write to the read-only SUM was accepted')\n" % base)
    env = dict(os.environ, PYNQ_REMOTE_DEVICES=address, PYTHONPATH=client)
    run([sys.executable, "-c", code], cwd=None, env=env, timeout=120)


def check_waveform(path):
    if not os.path.isfile(path) or os.path.getsize(path) == 0:
        raise Failure("the server wrote no waveform at %s" % path)
    start, end, names = fst_signals.read(path)
    step("%s: %d signals, time %d..%d" % (os.path.basename(path), len(names), start, end))
    if end <= start:
        raise Failure("the waveform covers no time (%d..%d)" % (start, end))
    leaves = {}
    for n in names:
        leaves.setdefault(n.rsplit(".", 1)[-1], []).append(n)
    missing = [s for s in SIGNALS if s not in leaves]
    if missing:
        raise Failure("the waveform lacks %s; it has: %s" % (", ".join(missing),
                                                               ", ".join(names)))
    # The design's own registers live in its module's scope, beside the shell ports.
    if not any(n.endswith(".my_first_ip.count") for n in leaves["count"]):
        raise Failure("no my_first_ip.count in the waveform: %s" % leaves["count"])
    fst2vcd = shutil.which("fst2vcd")
    if fst2vcd:  # gtkwave's converter, when the machine has it: it must read the file too
        vcd = run([fst2vcd, path], cwd=None, timeout=120, echo=False)
        if "$var" not in vcd or " count " not in vcd:
            raise Failure("fst2vcd's VCD of %s has no count variable" % path)
    else:
        step("fst2vcd is not installed (Debian package gtkwave): read with fst_signals.py only")


def main(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("--example", required=True, help="examples/my_first_ip")
    ap.add_argument("--tool", required=True, help="pynq-remote-design (build tree's bin/)")
    ap.add_argument("--server", required=True, help="pynq-remote-server")
    ap.add_argument("--client", required=True, help="client/python (pynq_remote)")
    args = ap.parse_args(argv)

    work = tempfile.mkdtemp(prefix="pynq-remote-walkthrough-")
    server = None
    try:
        if os.path.commonpath([os.path.realpath(work), SOURCE_ROOT]) == SOURCE_ROOT:
            raise Failure("the temporary folder %s is inside the source tree" % work)
        # Step 1: the reader's own copy of the example.
        shutil.copytree(args.example, os.path.join(work, "my_first_ip"),
                        ignore=shutil.ignore_patterns("__pycache__"))
        verilator = shutil.which("verilator")
        if not verilator:
            raise Failure("verilator is not on PATH (Debian package verilator)")
        out = run([verilator, "--lint-only", "-Wall", "my_first_ip/my_first_ip.v"], cwd=work)
        if out.strip():
            raise Failure("the example is not lint-clean")
        # Step 2: its package, outside the repository.
        run([args.tool, "build", "--manifest", "my_first_ip/manifest.json", "--out", "designs"],
            cwd=work, timeout=1200)
        for f in ("design.json", "libmy_first_ip.so", "my_first_ip.bit", "my_first_ip.hwh"):
            if not os.path.isfile(os.path.join(work, "designs", "my_first_ip", f)):
                raise Failure("the package has no %s" % f)
        # Step 3: serve it, with a waveform.
        server = Server(args.server, work, ["--designs", "designs", "--trace", "my_first_ip.fst"])
        if "refused" in server.output():
            raise Failure("the server refused a package:\n" + server.output())
        # Step 4: drive it from PYNQ Python.
        env = dict(os.environ, PYNQ_REMOTE_DEVICES=server.address, PYTHONPATH=args.client)
        out = run([sys.executable, "my_first_ip/drive.py"], cwd=work, env=env, timeout=300)
        if "drive.py: every result matched" not in out:
            raise Failure("drive.py did not report its results")
        check_window(args.client, server.address, 0xA0000000)
        # Step 5: the waveform is complete once the server has stopped.
        code = server.stop()
        server = None
        if code != 0:
            raise Failure("the server exited with %d on SIGTERM" % code)
        check_waveform(os.path.join(work, "my_first_ip.fst"))
        step("every step passed")
        return 0
    except (Failure, fst_signals.FstError) as e:
        print("walkthrough: FAILED: %s" % e, file=sys.stderr)
        if server is not None:
            print("server output:\n" + server.output(), file=sys.stderr)
        return 1
    finally:
        if server is not None:
            try:
                server.stop()
            except Failure as e:
                print("walkthrough: %s" % e, file=sys.stderr)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
