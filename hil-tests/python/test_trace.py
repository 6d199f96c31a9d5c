"""Waveforms on request (Board.StartTrace/StopTrace): ``pynq_remote.trace`` and
``pynq-remote trace`` against a real simulated board. The FST each fetches is opened with
Debian's ``fst2vcd`` (package gtkwave) and read as VCD: the DMA's stream handshakes and its
AXI master's write addresses toggle inside the window, exactly as many times as the traced
transfer needs (so nothing from before or after it), and nothing outside the scopes asked
for is in the file. Then what a demanding user tries: starting twice, stopping nothing, a
scope the design lacks, a bound reached, a reprogram mid-trace, a client that dies
mid-trace, a board without waveforms.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
import pytest

import pynq_remote as pynq
from pynq_remote.exceptions import NotProgrammedError, RemoteError

from conftest import BACKEND, SimServer, budget, free_port, wait_listening
from make_fake_board import make_fake_board

pytestmark = [
    pytest.mark.skipif(BACKEND != "sim", reason="waveforms are a simulated board's"),
    pytest.mark.skipif(shutil.which("fst2vcd") is None,
                       reason="fst2vcd is missing (Debian package gtkwave)"),
]

HERE = os.path.dirname(os.path.abspath(__file__))
CLIENT = os.path.normpath(os.path.join(HERE, "..", "..", "client", "python"))
DMA = "pl.dma_loopback.axi_dma_0."
WORDS = 256  # the traced transfer: 256 beats of the 32-bit stream


class Vcd:
    """A VCD file (fst2vcd's output) as signals: full dotted name -> [(time, value)]."""

    def __init__(self, text):
        self.changes = {}
        names_by_code = {}
        scope = []
        at = 0
        self.times = []
        lines = iter(text.splitlines())
        for line in lines:
            words = line.split()
            if not words:
                continue
            if words[0] == "$scope":
                scope.append(words[2])
            elif words[0] == "$upscope":
                scope.pop()
            elif words[0] == "$var":
                name = ".".join(scope + [words[4]])
                names_by_code.setdefault(words[3], []).append(name)
                self.changes[name] = []
            elif words[0].startswith("#"):
                at = int(words[0][1:])
                self.times.append(at)
            elif words[0][0] in "01xzXZ" and not words[0].startswith("$"):
                for name in names_by_code.get(words[0][1:], ()):
                    self.changes[name].append((at, words[0][0]))
            elif words[0][0] in "bBrR" and len(words) == 2:
                for name in names_by_code.get(words[1], ()):
                    self.changes[name].append((at, words[0][1:]))

    def handshakes(self, clk, valid, ready):
        """Rising edges of `clk` at which `valid` and `ready` were both 1 (the values before
        that edge's changes, as a flip-flop samples them)."""
        events = {}
        for name in (clk, valid, ready):
            for at, value in self.changes[name]:
                events.setdefault(at, {})[name] = value
        state = {clk: "0", valid: "0", ready: "0"}
        count = 0
        for at in sorted(events):
            before = dict(state)
            state.update(events[at])
            if before[clk] == "0" and state[clk] == "1" and before[valid] == before[ready] == "1":
                count += 1
        return count

    def toggles(self, name):
        return len(self.changes[name]) - 1  # the first is the initial value


def read_fst(path):
    run = subprocess.run(["fst2vcd", "-f", str(path)], capture_output=True, text=True,
                         timeout=budget(60))
    assert run.returncode == 0, run.stderr
    return Vcd(run.stdout)


@pytest.fixture(scope="module")
def server():
    srv = SimServer()
    yield srv
    srv.stop()


@pytest.fixture
def dev(server):
    d = pynq.RemoteDevice(0, server.address)
    yield d
    d.close()


@pytest.fixture
def dma(dev, designs):
    return pynq.Overlay(f"{designs}/dma_loopback/dma_loopback.bit", device=dev).axi_dma_0


def loopback(dma, dev, words, seed):
    data = np.random.default_rng(seed).integers(0, 1 << 32, words, dtype=np.uint32)
    src = pynq.allocate((words,), np.uint32, target=dev)
    dst = pynq.allocate((words,), np.uint32, target=dev)
    src[:] = data
    dma.recvchannel.transfer(dst)
    dma.sendchannel.transfer(src)
    dma.sendchannel.wait()
    dma.recvchannel.wait()
    assert np.array_equal(dst[:], data)
    src.freebuffer()
    dst.freebuffer()


def test_a_dma_transfer_toggles_the_dma_inside_the_window_only(dma, dev, tmp_path):
    loopback(dma, dev, 64, seed=1)  # before the window: none of its beats may show
    path = tmp_path / "dma.fst"
    with pynq.trace(path, scopes=["axi_dma_0"], device=dev) as t:
        assert t.started.scopes == ["pl.dma_loopback.axi_dma_0"]
        loopback(dma, dev, WORDS, seed=2)
    loopback(dma, dev, 32, seed=3)  # after it: nor its
    report = t.report
    assert not report.truncated and not report.ended
    assert report.design == "dma_loopback"
    assert report.end_cycle > report.start_cycle
    assert report.size_bytes == path.stat().st_size > 0

    vcd = read_fst(path)
    # Only the scope asked for (with everything below it).
    assert vcd.changes and all(n.startswith(DMA) for n in vcd.changes), sorted(vcd.changes)[:5]
    assert any(n.startswith(DMA + "mm2s.") for n in vcd.changes)
    # Time stamps are the board's simulated time, inside the window.
    assert min(vcd.times) >= report.start_sim_time_ps
    assert max(vcd.times) <= report.end_sim_time_ps
    clk = DMA + "clk"
    # Every beat of the traced transfer, and no beat of the ones before and after it.
    assert vcd.handshakes(clk, DMA + "m_axis_mm2s_tvalid", DMA + "m_axis_mm2s_tready") == WORDS
    assert vcd.handshakes(clk, DMA + "s_axis_s2mm_tvalid", DMA + "s_axis_s2mm_tready") == WORDS
    assert vcd.handshakes(clk, DMA + "m_axi_s2mm_awvalid", DMA + "m_axi_s2mm_awready") >= 1
    assert vcd.toggles(DMA + "m_axi_s2mm_awvalid") >= 2


def test_the_whole_design_when_no_scope_is_named(dma, dev, tmp_path):
    with pynq.trace(tmp_path / "all.fst", device=dev) as t:
        loopback(dma, dev, 16, seed=4)
    assert list(t.report.scopes) == []
    vcd = read_fst(tmp_path / "all.fst")
    assert "pl.dma_loopback.axis_data_fifo_0.s_axis_tvalid" in vcd.changes
    assert vcd.handshakes(DMA + "clk", DMA + "m_axis_mm2s_tvalid",
                          DMA + "m_axis_mm2s_tready") == 16


def test_starting_twice_and_stopping_nothing_are_refused(dma, dev, tmp_path):
    with pytest.raises(RemoteError, match="no trace is running") as none:
        pynq.Trace(tmp_path / "x.fst", device=dev, detached=True).stop()
    assert none.value.code == "FAILED_PRECONDITION"
    with pynq.trace(tmp_path / "a.fst", device=dev):
        with pytest.raises(RemoteError, match="already running.*stop it first") as twice:
            pynq.trace(tmp_path / "b.fst", device=dev).start()
        assert twice.value.code == "FAILED_PRECONDITION"
    assert (tmp_path / "a.fst").stat().st_size > 0
    with pytest.raises(RuntimeError, match="never started"):
        pynq.Trace(tmp_path / "c.fst", device=dev).stop()


def test_a_scope_the_design_lacks_is_named(dma, dev, tmp_path):
    with pytest.raises(RemoteError) as error:
        pynq.trace(tmp_path / "x.fst", scopes=["axi_dma_0", "axi_dma_9"], device=dev).start()
    text = str(error.value)
    assert error.value.code == "INVALID_ARGUMENT"
    assert "'axi_dma_9'" in text and "axi_dma_0.mm2s" in text and "'axi_dma_0'" not in text
    for scope in ("pl.axi_dma_0", "pl.dma_loopback.axi_dma_0.mm2s"):  # the other spellings
        with pynq.trace(tmp_path / "y.fst", scopes=scope, device=dev) as t:
            pass
        assert t.report.scopes[0].startswith("pl.dma_loopback.axi_dma_0")
    with pytest.raises(RemoteError, match="at most|more than"):
        pynq.trace(tmp_path / "z.fst", device=dev, max_cycles=10**12).start()
    with pytest.raises(FileNotFoundError, match="no directory"):
        pynq.trace(tmp_path / "missing" / "z.fst", device=dev).start()


def test_the_bound_truncates_the_file(dma, dev, tmp_path):
    with pynq.trace(tmp_path / "short.fst", scopes=["axi_dma_0"], device=dev,
                    max_cycles=100) as t:
        loopback(dma, dev, WORDS, seed=5)
    report = t.report
    assert report.truncated and report.end_cycle - report.start_cycle == 100
    vcd = read_fst(tmp_path / "short.fst")
    assert max(vcd.times) <= report.end_sim_time_ps
    assert vcd.handshakes(DMA + "clk", DMA + "m_axis_mm2s_tvalid",
                          DMA + "m_axis_mm2s_tready") < WORDS


def test_a_reprogram_ends_the_trace_and_says_so(dma, dev, designs, tmp_path):
    with pynq.trace(tmp_path / "re.fst", device=dev) as t:
        loopback(dma, dev, 16, seed=6)
        pynq.Overlay(f"{designs}/ref_accel/ref_accel.bit", device=dev)
    assert "reprogrammed" in t.report.ended and "ref_accel" in t.report.ended
    vcd = read_fst(tmp_path / "re.fst")  # complete up to the reprogram
    assert vcd.handshakes(DMA + "clk", DMA + "m_axis_mm2s_tvalid",
                          DMA + "m_axis_mm2s_tready") == 16
    with pynq.trace(tmp_path / "next.fst", device=dev):  # and the board traces again
        pass


def test_an_empty_pl_has_nothing_to_trace(tmp_path):
    srv = SimServer()
    try:
        d = pynq.RemoteDevice(0, srv.address)
        with pytest.raises(NotProgrammedError, match="program a bitstream first"):
            pynq.trace(tmp_path / "x.fst", device=d).start()
        d.close()
    finally:
        srv.stop()


CHILD = """
import os, sys
import pynq_remote as pynq
dev = pynq.RemoteDevice(0, sys.argv[1])
t = pynq.trace(sys.argv[2], device=dev).start()
print(t.started.path, flush=True)
os._exit(0)  # dies mid-trace: no stop, no clean close
"""


def test_a_client_that_dies_mid_trace_stops_it(dma, dev, server, tmp_path):
    run = subprocess.run([sys.executable, "-c", CHILD, server.address, str(tmp_path / "x.fst")],
                         capture_output=True, text=True, timeout=budget(60),
                         env={**os.environ, "PYTHONPATH": CLIENT})
    assert run.returncode == 0, run.stderr
    # Its session ends once the server notices the connection gone and the grace passes.
    end = time.monotonic() + budget(30)
    while True:
        try:
            t = pynq.trace(tmp_path / "mine.fst", device=dev).start()
            break
        except RemoteError as error:
            assert error.code == "FAILED_PRECONDITION", error
            assert time.monotonic() < end, f"the dead client's trace still runs: {error}"
            time.sleep(0.1)
    t.stop()
    assert read_fst(tmp_path / "mine.fst").changes


def test_a_board_without_waveforms_says_so(tmp_path):
    with tempfile.TemporaryDirectory(prefix="pynq-remote-fake-board-") as root:
        make_fake_board(root, "zynqmp", udmabuf_mb=32)
        address = f"127.0.0.1:{free_port()}"
        proc = subprocess.Popen(
            [os.environ["PYNQ_REMOTE_SERVER"], "--backend", "zynq", "--root", root, "--listen",
             address, "--log-level", "warn"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            assert wait_listening(proc)
            d = pynq.RemoteDevice(0, address)
            with pytest.raises(RemoteError, match="records no waveforms.*simulated") as error:
                pynq.trace(tmp_path / "x.fst", device=d).start()
            assert error.value.code == "UNSUPPORTED"
            d.close()
        finally:
            proc.terminate()
            proc.communicate(timeout=20)


# -- pynq-remote trace -------------------------------------------------------------------

def cli(*args):
    env = {k: v for k, v in os.environ.items() if k != "PYNQ_REMOTE_DEVICES"}
    env.update(PYTHONPATH=CLIENT, PYNQ_REMOTE_PROGRESS="")
    return subprocess.run([sys.executable, "-m", "pynq_remote.cli", *args], capture_output=True,
                          text=True, env=env, timeout=budget(120))


def test_the_command_traces_between_start_and_stop(dma, dev, server, tmp_path):
    path = tmp_path / "cli.fst"
    start = cli("trace", "start", str(path), "--scope", "axi_dma_0", "--device", server.address)
    assert start.returncode == 0, start.stderr
    assert "tracing dma_loopback (pl.dma_loopback.axi_dma_0)" in start.stdout
    assert not path.exists()  # stop writes it
    # The command's session has ended with its process; a sessionless trace runs on.
    loopback(dma, dev, WORDS, seed=7)
    stop = cli("trace", "stop", str(path), "--device", server.address, "--json")
    assert stop.returncode == 0, stop.stderr
    doc = json.loads(stop.stdout)
    assert doc["bytes"] == path.stat().st_size and not doc["truncated"]
    vcd = read_fst(path)
    assert vcd.handshakes(DMA + "clk", DMA + "m_axis_mm2s_tvalid",
                          DMA + "m_axis_mm2s_tready") == WORDS


def test_the_command_refuses_bad_input(dma, server, tmp_path):
    board = server.address
    again = cli("trace", "stop", str(tmp_path / "x.fst"), "--device", board)
    assert again.returncode == 1 and "no trace is running" in again.stderr
    assert board in again.stderr and "Traceback" not in again.stderr
    bad = cli("trace", "start", str(tmp_path / "x.fst"), "--scope", "nope", "--device", board)
    assert bad.returncode == 1 and "'nope'" in bad.stderr and "axi_dma_0" in bad.stderr
    cycles = cli("trace", "start", str(tmp_path / "x.fst"), "--max-cycles", "lots",
                 "--device", board)
    assert cycles.returncode == 1 and "bad max-cycles 'lots'" in cycles.stderr
    nowhere = cli("trace", "start", str(tmp_path / "no" / "x.fst"), "--device", board)
    assert nowhere.returncode == 1 and "no directory" in nowhere.stderr
    assert cli("trace", "sideways", "x.fst", "--device", board).returncode == 2
