"""Progress on long work (issue 20 point 2), end to end: a bar on stderr when it is a terminal
(a pty here), nothing when it is a pipe, for the pynq-remote command's file copies and
bitstream uploads and for pynq_remote's buffer transfers of 16 MiB or more; real servers over
real sockets."""

import os
import pty
import shutil
import subprocess
import sys
import textwrap

import pytest

from conftest import SimServer, budget

pytest.importorskip("tqdm", reason="python3-tqdm is not installed (ci/debian-packages.txt)")

HERE = os.path.dirname(os.path.abspath(__file__))
CLIENT = os.path.normpath(os.path.join(HERE, "..", "..", "client", "python"))
BIG = 20 << 20  # above the 16 MiB threshold


@pytest.fixture(scope="module")
def board():
    server = SimServer()
    yield server.address
    server.stop()


def env():
    return dict(os.environ, PYTHONPATH=CLIENT, PYNQ_REMOTE_PROGRESS="")


def on_terminal(argv):
    """Runs argv with stderr on a pty: (exit code, what the terminal showed, stdout)."""
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=slave, env=env())
    finally:
        os.close(slave)  # the child holds its own copy: EOF on the master when it exits
    shown = bytearray()
    try:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: every writer of the pty has gone
                break
            if not data:
                break
            shown += data
    finally:
        os.close(master)
    stdout = proc.stdout.read()
    proc.stdout.close()
    return proc.wait(timeout=budget(120)), shown.decode("utf-8", "replace"), stdout.decode()


def piped(argv):
    result = subprocess.run(argv, capture_output=True, env=env(), timeout=budget(120))
    return result.returncode, result.stderr.decode(), result.stdout.decode()


def cli(*args):
    return [sys.executable, "-m", "pynq_remote.cli", *args]


@pytest.fixture(scope="module")
def big_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("progress") / "big.bin"
    path.write_bytes(os.urandom(BIG))
    return str(path)


def test_put_and_get_draw_a_bar_on_a_terminal(board, big_file, tmp_path):
    code, shown, _ = on_terminal(cli("put", big_file, "/lib/firmware/big.bin", "-d", board))
    assert code == 0, shown
    assert "writing /lib/firmware/big.bin" in shown and "20.0M" in shown, shown
    back = str(tmp_path / "back.bin")
    code, shown, _ = on_terminal(cli("get", "/lib/firmware/big.bin", back, "-d", board))
    assert code == 0, shown
    assert "reading /lib/firmware/big.bin" in shown, shown
    with open(back, "rb") as a, open(big_file, "rb") as b:
        assert a.read() == b.read()


def test_put_and_get_are_silent_into_a_pipe(board, big_file, tmp_path):
    code, stderr, stdout = piped(cli("put", big_file, "/lib/firmware/big2.bin", "-d", board))
    assert code == 0 and stderr == "", stderr
    assert "big2.bin" in stdout
    code, stderr, _ = piped(cli("get", "/lib/firmware/big2.bin", str(tmp_path / "b"), "-d",
                                board))
    assert code == 0 and stderr == "", stderr


def test_small_copies_draw_nothing_even_on_a_terminal(board, tmp_path):
    small = tmp_path / "small.bin"
    small.write_bytes(b"x" * 4096)
    code, shown, _ = on_terminal(cli("put", str(small), "/lib/firmware/small.bin", "-d", board))
    assert code == 0 and "writing" not in shown, shown


def copy_design(designs, tmp_path, name):
    """ref_accel under a name of its own: a bitstream the board already holds is not sent
    again, so each upload here is a real one."""
    for suffix in (".bit", ".hwh"):
        shutil.copy(os.path.join(designs, "ref_accel", "ref_accel" + suffix),
                    tmp_path / (name + suffix))
    return str(tmp_path / (name + ".bit"))


def test_a_bitstream_upload_draws_a_bar_on_a_terminal(board, designs, tmp_path):
    bit = copy_design(designs, tmp_path, "progress_tty")
    code, shown, stdout = on_terminal(cli("program", bit, "-d", board))
    assert code == 0, shown
    assert "writing /lib/firmware/progress_tty.bin" in shown, shown
    assert "programmed" in stdout
    bit = copy_design(designs, tmp_path, "progress_pipe")
    code, stderr, stdout = piped(cli("program", bit, "-d", board))
    assert code == 0 and stderr == "", stderr
    assert "programmed" in stdout


BUFFER_SCRIPT = textwrap.dedent("""
    import sys
    import numpy as np
    import pynq_remote as pynq
    device = pynq.RemoteDevice(0, sys.argv[1])
    data = np.random.default_rng(1).integers(0, 256, 32 << 20, dtype=np.uint8)
    buf = pynq.allocate(shape=data.shape, dtype=np.uint8, target=device)
    buf[:] = data
    buf.invalidate()
    assert np.array_equal(np.asarray(buf), data)
    small = pynq.allocate(shape=(4096,), dtype=np.uint8, target=device)
    small[:] = 7
    small.invalidate()
    print("done")
""")


def test_buffer_transfers_draw_a_bar_on_a_terminal(board):
    code, shown, stdout = on_terminal([sys.executable, "-c", BUFFER_SCRIPT, board])
    assert code == 0 and stdout == "done\n", shown
    assert "writing buffer" in shown and "reading buffer" in shown and "32.0M" in shown, shown


def test_buffer_transfers_are_silent_into_a_pipe(board):
    code, stderr, stdout = piped([sys.executable, "-c", BUFFER_SCRIPT, board])
    assert code == 0 and stdout == "done\n" and stderr == "", stderr
