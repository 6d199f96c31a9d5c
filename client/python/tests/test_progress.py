"""pynq_remote.progress alone: a bar only on a terminal, only for long work, and nothing (no
error) without tqdm. The end-to-end cases, a real transfer under a pty, are in
hil-tests/python/test_cli_progress.py."""

import io
import os
import subprocess
import sys

import pytest

from pynq_remote import progress
from pynq_remote.progress import MIN_BYTES, Progress

HERE = os.path.dirname(os.path.abspath(__file__))
CLIENT = os.path.dirname(HERE)

pytest.importorskip("tqdm", reason="python3-tqdm is not installed (ci/debian-packages.txt)")


@pytest.fixture(autouse=True)
def no_override(monkeypatch):
    monkeypatch.delenv("PYNQ_REMOTE_PROGRESS", raising=False)


def test_a_terminal_is_one_and_a_pipe_is_not():
    master, slave = os.openpty()
    try:
        with os.fdopen(slave, "w", closefd=False) as terminal:
            assert progress.enabled(terminal)
        with os.fdopen(os.pipe()[1], "w") as pipe:
            assert not progress.enabled(pipe)
    finally:
        os.close(master)
        os.close(slave)
    assert not progress.enabled(io.StringIO())


def test_the_environment_overrides(monkeypatch):
    monkeypatch.setenv("PYNQ_REMOTE_PROGRESS", "1")
    assert progress.enabled(io.StringIO())
    master, slave = os.openpty()
    try:
        monkeypatch.setenv("PYNQ_REMOTE_PROGRESS", "0")
        with os.fdopen(slave, "w", closefd=False) as terminal:
            assert not progress.enabled(terminal)
    finally:
        os.close(master)
        os.close(slave)


def test_long_work_draws_short_work_does_not(monkeypatch, capsys):
    monkeypatch.setenv("PYNQ_REMOTE_PROGRESS", "1")
    with Progress("short job", total=MIN_BYTES - 1) as bar:
        bar.update(MIN_BYTES - 1)
    assert capsys.readouterr().err == ""
    with Progress("long job", total=MIN_BYTES) as bar:
        for _ in range(16):
            bar.update(MIN_BYTES // 16)
    assert "long job" in capsys.readouterr().err


def test_unknown_length_draws_once_it_is_long(monkeypatch, capsys):
    monkeypatch.setenv("PYNQ_REMOTE_PROGRESS", "1")
    bar = Progress("stream of unknown length")
    chunks = [b"x" * (1 << 20)] * 15
    assert b"".join(bar.wrap(chunks)) == b"x" * (15 << 20)
    assert capsys.readouterr().err == ""  # 15 MiB: not yet
    bar.update(1 << 20)
    bar.close()
    assert "stream of unknown length" in capsys.readouterr().err


def test_silent_when_not_a_terminal(capsys):
    with Progress("piped job", total=4 * MIN_BYTES) as bar:
        bar.update(4 * MIN_BYTES)
    assert capsys.readouterr().err == ""


def test_without_tqdm_nothing_is_drawn_and_nothing_fails():
    code = ("import sys; sys.modules['tqdm'] = None\n"  # import tqdm now raises ImportError
            "from pynq_remote.progress import Progress, enabled, MIN_BYTES\n"
            "assert not enabled()\n"
            "with Progress('no bar', total=4 * MIN_BYTES) as bar:\n"
            "    bar.update(4 * MIN_BYTES)\n"
            "import pynq_remote\n"
            "print('ok')\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=dict(os.environ, PYTHONPATH=CLIENT, PYNQ_REMOTE_PROGRESS="1"),
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ok\n" and result.stderr == ""
