#!/usr/bin/python3
"""The example notebooks executed headless, as a user runs them in Jupyter, cell by cell in
one kernel (Debian's python3-nbclient and python3-ipykernel; the kernel is this Python's,
/usr/bin/python3 under ctest). The notebooks are run unchanged: the board and the build's
paths reach them through the environment, as they would reach a user's Jupyter.

Commands:
  resizer           examples/resizer.ipynb against a simulated board started here (the
                    build's pynq-remote-server on a free port, named by PYNQ_REMOTE_DEVICES);
                    the resized image the notebook shows must equal the resizer's model
                    (hil-tests/python/resize_model.py resize_fixed, which the RTL matches
                    bit for bit)
  resizer-no-board  the same notebook against boards that are not there (a port nobody
                    listens on, one that accepts and never answers): it must stop in the
                    Overlay cell with the client's error naming the board, not at the
                    per-cell timeout; and a cell that never returns is stopped by that
                    timeout, the cell named
  design-package    examples/design_package.ipynb: my_first_ip's package built in a
                    temporary folder outside the source tree, served, driven; its printed
                    results, the package and the waveform are checked
  run NOTEBOOK      execute any notebook (in its folder), reporting the first failing cell

Every command checks that the notebooks are committed without outputs: CI makes them, and a
committed output is a stale picture (a base64 PNG in every diff) a reader cannot tell apart
from a fresh one.

Environment: PYNQ_REMOTE_TIME_SCALE (a slow build: every cell gets that many times longer),
CI (true: nbclient or ipykernel missing is a failure, not a skip).
Exit 0 when all holds; 1 naming the cell, its source and its error; 77 (skip) without
python3-nbclient or python3-ipykernel outside CI.
"""

import argparse
import base64
import io
import json
import os
import re
import shutil
import socket
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
EXAMPLES = os.path.join(SOURCE_ROOT, "examples")
sys.path.insert(0, os.path.join(SOURCE_ROOT, "hil-tests", "walkthrough"))
sys.path.insert(0, os.path.join(SOURCE_ROOT, "hil-tests", "python"))
import check_walkthrough  # noqa: E402  (its Server, Failure and waveform check)
import fst_signals  # noqa: E402
from check_walkthrough import Failure, Server  # noqa: E402

SKIP = 77
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def step(text):
    print("notebooks: " + text, flush=True)


def time_scale():
    text = os.environ.get("PYNQ_REMOTE_TIME_SCALE", "").strip() or "1"
    try:
        scale = float(text)
    except ValueError:
        scale = 0
    if scale < 1:
        raise Failure("PYNQ_REMOTE_TIME_SCALE=%r: want a number >= 1" % text)
    return scale


class CellFailed(Failure):
    """A cell raised or timed out; ``error`` is what the notebook showed."""

    def __init__(self, notebook, index, cell, error, timed_out):
        self.index, self.cell, self.error, self.timed_out = index, cell, error, timed_out
        code_number = sum(c.cell_type == "code" for c in notebook.cells[:index + 1])
        source = "\n".join("    " + line for line in cell.source.splitlines())
        super().__init__("cell %d (code cell %d) %s:\n%s\n%s" % (
            index, code_number, "did not finish" if timed_out else "failed", source, error))


class Notebook:
    """Executes a notebook in a kernel of this Python, one cell after another."""

    def __init__(self, path):
        import nbformat
        self.path = path
        self.nb = nbformat.read(path, as_version=4)

    def check_committed_clean(self):
        for index, cell in enumerate(self.nb.cells):
            if cell.cell_type == "code" and (cell.outputs or cell.execution_count):
                raise Failure(
                    "%s is committed with outputs (cell %d): strip them with `jupyter "
                    "nbconvert --clear-output --inplace %s`; CI makes them" % (
                        os.path.relpath(self.path, SOURCE_ROOT), index,
                        os.path.basename(self.path)))

    def execute(self, cell_timeout, cwd=None):
        """Runs every cell in ``cwd`` (default: the notebook's folder, as Jupyter does);
        raises CellFailed at the first that raises or runs past ``cell_timeout`` s."""
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError, CellTimeoutError
        cwd = cwd or os.path.dirname(os.path.abspath(self.path))
        with tempfile.TemporaryDirectory(prefix="pynq-remote-jupyter-") as home:
            _this_python_kernel(home)
            # At the end, failing or not, jupyter_client kills the kernel's process group
            # (SIGKILL): a server a notebook started (design_package.ipynb's) goes with it.
            client = NotebookClient(
                self.nb, timeout=int(cell_timeout), kernel_name="python3",
                resources={"metadata": {"path": cwd}}, shutdown_kernel="immediate",
                startup_timeout=int(60 * time_scale()))
            with client.setup_kernel():
                for index, cell in enumerate(self.nb.cells):
                    if cell.cell_type != "code":
                        continue
                    started = time.monotonic()
                    try:
                        client.execute_cell(cell, index)
                    except CellTimeoutError:
                        raise CellFailed(self.nb, index, cell, "no answer within %d s (the "
                                         "per-cell timeout)" % cell_timeout, True) from None
                    except CellExecutionError as e:
                        raise CellFailed(self.nb, index, cell, _error_text(cell, e),
                                         False) from None
                    step("cell %d done in %.1f s" % (index, time.monotonic() - started))
        return self.nb

    def outputs_of(self, marker):
        """The outputs of the one code cell whose source contains ``marker``."""
        cells = [c for c in self.nb.cells if c.cell_type == "code" and marker in c.source]
        if len(cells) != 1:
            raise Failure("%s: want one code cell with %r, found %d" % (
                os.path.basename(self.path), marker, len(cells)))
        return cells[0].outputs

    def text(self):
        """Everything the code cells printed or showed as text."""
        parts = []
        for cell in self.nb.cells:
            for out in cell.get("outputs", []):
                if out.output_type == "stream":
                    parts.append(out.text)
                elif "data" in out and "text/plain" in out.data:
                    parts.append(out.data["text/plain"] + "\n")
        return "".join(parts)


def _this_python_kernel(home):
    """The kernel is this Python's, whatever kernelspecs the machine or the user have: a spec
    of our own first on JUPYTER_PATH, and Jupyter's and IPython's files in ``home``."""
    spec_dir = os.path.join(home, "share", "kernels", "python3")
    os.makedirs(spec_dir)
    with open(os.path.join(spec_dir, "kernel.json"), "w") as f:
        f.write('{"argv": [%s, "-m", "ipykernel_launcher", "-f", "{connection_file}"], '
                '"display_name": "Python 3", "language": "python"}' % json.dumps(sys.executable))
    os.environ["JUPYTER_PATH"] = os.path.join(home, "share")
    os.environ["JUPYTER_RUNTIME_DIR"] = os.path.join(home, "runtime")
    os.environ["JUPYTER_CONFIG_DIR"] = os.path.join(home, "config")
    os.environ["IPYTHONDIR"] = os.path.join(home, "ipython")
    # ipykernel's debugger warns on stderr about frozen modules at every start.
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")


def _error_text(cell, exc):
    """The error as the notebook shows it: the traceback of the cell's error output."""
    for out in cell.outputs:
        if out.output_type == "error":
            return ANSI.sub("", "\n".join(out.traceback))
    return ANSI.sub("", str(exc))


def require_nbclient():
    """None when nbclient and ipykernel import; else the reason (exit 77, or 1 in CI)."""
    missing = []
    for module, package in (("nbclient", "python3-nbclient"), ("nbformat", "python3-nbformat"),
                            ("ipykernel", "python3-ipykernel")):
        try:
            __import__(module)
        except ImportError:
            missing.append((module, package))
    if not missing:
        return None
    return "%s cannot import %s (Debian: apt-get install %s)" % (
        sys.executable, ", ".join(m for m, _ in missing), " ".join(p for _, p in missing))


def client_env(client, **extra):
    """The kernel's environment: this one's, with the client importable and ``extra``."""
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [client] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])
    os.environ["PYTHONDONTWRITEBYTECODE"] = "1"
    os.environ.update(extra)


# --- resizer -----------------------------------------------------------------------------

RESIZER = os.path.join(EXAMPLES, "resizer.ipynb")
RESIZED_CELL = "resized_image = Image.fromarray(out_buffer)"


def check_resizer(args):
    import numpy as np
    from PIL import Image
    from resize_model import resize_fixed

    notebook = Notebook(RESIZER)
    notebook.check_committed_clean()
    server = Server(args.server, None, [])
    try:
        step("simulated board at %s" % server.address)
        client_env(args.client, PYNQ_REMOTE_DEVICES=server.address,
                   PYNQ_REMOTE_DESIGNS=args.designs)
        notebook.execute(args.cell_timeout * time_scale())
    except Failure:
        print("server output:\n" + server.output(), file=sys.stderr)
        raise
    finally:
        server.stop()

    outputs = notebook.outputs_of(RESIZED_CELL)
    shown = [o for o in outputs if "data" in o and "image/png" in o.data]
    if len(shown) != 1:
        raise Failure("the result cell shows %d PNG images, want 1: %s" % (len(shown), outputs))
    got = np.array(Image.open(io.BytesIO(base64.b64decode(shown[0].data["image/png"]))))
    scene = np.array(Image.open(os.path.join(EXAMPLES, "images", "test_scene.png"))
                     .convert("RGB"))
    want = resize_fixed(scene, scene.shape[0] // 2, scene.shape[1] // 2)
    if got.shape != want.shape:
        raise Failure("the notebook shows a %s image, the model gives %s" % (
            got.shape, want.shape))
    if "Image size: %dx%d pixels." % (want.shape[1], want.shape[0]) not in notebook.text():
        raise Failure("the notebook did not print the resized size %dx%d" % (
            want.shape[1], want.shape[0]))
    diff = np.abs(got.astype(int) - want.astype(int))
    if diff.any():
        y, x, c = np.argwhere(diff)[0]
        raise Failure("the resized image differs from resize_fixed in %d of %d values (max "
                      "%d); first at row %d, column %d, channel %d: %d, model %d" % (
                          np.count_nonzero(diff), diff.size, diff.max(), y, x, c,
                          got[y, x, c], want[y, x, c]))
    step("the resized image (%dx%d) equals the model's, pixel for pixel" % (
        want.shape[1], want.shape[0]))


def check_resizer_no_board(args):
    notebook = Notebook(RESIZER)
    notebook.check_committed_clean()
    timeout = args.cell_timeout * time_scale()
    refused = _free_port()
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # accepts (the kernel's backlog) and never says a word
    try:
        for what, port in (("nobody listens there", refused),
                           ("it accepts and never answers", silent.getsockname()[1])):
            board = "127.0.0.1:%d" % port
            client_env(args.client, PYNQ_REMOTE_DEVICES=board, PYNQ_REMOTE_DESIGNS=args.designs)
            failure = _must_fail(Notebook(RESIZER), timeout)
            step("board %s (%s): %s" % (board, what, failure))
            if failure.timed_out or "pynq.Overlay(" not in failure.cell.source:
                raise Failure("want the Overlay cell to fail with the client's error, got: %s"
                              % failure)
            if board not in failure.error or "ConnectError" not in failure.error:
                raise Failure("the error does not name the board %s: %s" % (board, failure))
    finally:
        silent.close()

    # What the per-cell timeout is for: a cell that never returns, whatever it waits on.
    with tempfile.TemporaryDirectory(prefix="pynq-remote-nb-") as folder:
        import nbformat
        stuck = nbformat.v4.new_notebook(cells=[
            nbformat.v4.new_code_cell("print('before')"),
            nbformat.v4.new_code_cell("import threading\nthreading.Event().wait()")])
        path = os.path.join(folder, "stuck.ipynb")
        nbformat.write(stuck, path)
        failure = _must_fail(Notebook(path), 5 * time_scale())
    if not failure.timed_out or failure.index != 1:
        raise Failure("want cell 1 stopped by the per-cell timeout, got: %s" % failure)
    step("a cell that never returns: %s" % failure)


def _must_fail(notebook, timeout):
    try:
        notebook.execute(timeout)
    except CellFailed as failure:
        return failure
    raise Failure("%s ran to the end" % notebook.path)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- design package ----------------------------------------------------------------------

DESIGN_PACKAGE = os.path.join(EXAMPLES, "design_package.ipynb")
# What the notebook prints, as drive.py checks it.
DESIGN_PACKAGE_PRINTS = [
    "SUM = 6912", "SUM = 0x00000001", "SCRATCH = 0xc0ffee00", "COUNT after CLEAR: 0",
    "the board refused the write to SUM:", "server exited with 0"]


def check_design_package(args):
    notebook = Notebook(DESIGN_PACKAGE)
    notebook.check_committed_clean()
    work = tempfile.mkdtemp(prefix="pynq-remote-my-first-ip-")
    try:
        if os.path.commonpath([os.path.realpath(work), SOURCE_ROOT]) == SOURCE_ROOT:
            raise Failure("the temporary folder %s is inside the source tree" % work)
        client_env(args.client, PYNQ_REMOTE_DESIGN_TOOL=args.tool,
                   PYNQ_REMOTE_SERVER=args.server, MY_FIRST_IP_DIR=work)
        notebook.execute(args.cell_timeout * time_scale())
        text = notebook.text()
        missing = [p for p in DESIGN_PACKAGE_PRINTS if p not in text]
        if missing:
            raise Failure("the notebook did not print %s; it printed:\n%s" % (missing, text))
        for f in ("design.json", "libmy_first_ip.so", "my_first_ip.bit", "my_first_ip.hwh"):
            if not os.path.isfile(os.path.join(work, "designs", "my_first_ip", f)):
                raise Failure("the package in %s has no %s" % (work, f))
        check_walkthrough.check_waveform(os.path.join(work, "my_first_ip.fst"))
        step("the package was built, served and driven; its waveform has the signals")
    finally:
        shutil.rmtree(work, ignore_errors=True)


# --- main --------------------------------------------------------------------------------

def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("command", choices=["resizer", "resizer-no-board", "design-package", "run"])
    ap.add_argument("notebook", nargs="?", help="run: the notebook")
    ap.add_argument("--server", help="pynq-remote-server")
    ap.add_argument("--designs", help="the build's designs/ (resizer)")
    ap.add_argument("--tool", help="pynq-remote-design (design-package)")
    ap.add_argument("--client", default=os.path.join(SOURCE_ROOT, "client", "python"),
                    help="client/python (pynq_remote)")
    ap.add_argument("--cell-timeout", type=float, default=60,
                    help="seconds a cell may take, times PYNQ_REMOTE_TIME_SCALE (default 60)")
    args = ap.parse_args(argv)
    needs = {"resizer": ("server", "designs"), "resizer-no-board": ("designs",),
             "design-package": ("server", "tool"), "run": ("notebook",)}[args.command]
    for name in needs:
        if not getattr(args, name):
            ap.error("%s needs --%s" % (args.command, name))

    missing = require_nbclient()
    if missing:
        if os.environ.get("CI", "").strip().lower() == "true":
            print("notebooks: FAILED: CI=true: " + missing, file=sys.stderr)
            return 1
        print("notebooks: SKIPPED: " + missing)
        return SKIP
    try:
        if args.command == "resizer":
            check_resizer(args)
        elif args.command == "resizer-no-board":
            check_resizer_no_board(args)
        elif args.command == "design-package":
            check_design_package(args)
        else:
            client_env(args.client)
            Notebook(args.notebook).execute(args.cell_timeout * time_scale())
        step("passed")
        return 0
    except (Failure, fst_signals.FstError) as e:
        print("notebooks: FAILED: %s" % e, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
