"""A pytest plugin that kills one board's server in the middle of the suite, from the worker
testing on it, so that "a board that dies mid-suite" does not depend on how fast a loaded
machine deals tests out.

Loaded by test_matrix.py through matrix.py's pytest arguments (``-p kill_board_plugin``).
PYNQ_REMOTE_KILL_BOARD names the board (HOST:PORT) and PYNQ_REMOTE_KILL_PID its server.
The worker whose board it is (xdist worker gwN tests on the N-th of PYNQ_REMOTE_DEVICES)
kills the server as its second test starts: one test has run there, the rest will find the
board gone.
"""

import os
import signal

_started_here = 0


def _my_board():
    devices = [d.strip() for d in os.environ.get("PYNQ_REMOTE_DEVICES", "").split(",")]
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    index = int(worker[2:]) if worker.startswith("gw") else 0
    return devices[index] if index < len(devices) else None


def pytest_runtest_setup(item):
    global _started_here
    victim = os.environ.get("PYNQ_REMOTE_KILL_BOARD")
    if not victim or _my_board() != victim:
        return
    _started_here += 1
    if _started_here == 2:
        os.kill(int(os.environ["PYNQ_REMOTE_KILL_PID"]), signal.SIGKILL)
