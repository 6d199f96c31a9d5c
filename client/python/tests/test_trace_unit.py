"""pynq_remote.trace without a board: what it refuses before any call, and what it sends.

The calls themselves run against real simulated boards in hil-tests/python/test_trace.py; here
a stand-in device records them, to pin down the request and the fetch.
"""

import types

import pytest

import pynq_remote as pynq
from pynq_remote._proto.pynq_remote.v1 import board_pb2


class Recorder:
    """A device whose Board stub answers StartTrace/StopTrace and whose files are a dict."""

    name = "recorder"

    def __init__(self):
        self.calls = []
        self.files = {"/var/lib/pynq-remote/traces/trace-0.fst": b"FST bytes"}
        board = types.SimpleNamespace(StartTrace=self._start, StopTrace=self._stop)
        self._stub = {"board": board}

    def _start(self, request, timeout=None):
        self.calls.append(("start", request))
        return board_pb2.StartTraceResponse(path="/var/lib/pynq-remote/traces/trace-0.fst",
                                            scopes=["pl.top." + s for s in request.scopes])

    def _stop(self, request, timeout=None):
        self.calls.append(("stop", request))
        return board_pb2.StopTraceResponse(path="/var/lib/pynq-remote/traces/trace-0.fst",
                                           size_bytes=9)

    def _call(self, method, request, what):
        return method(request, timeout=1)

    def read_file(self, path):
        return self.files[path]


def test_the_block_starts_stops_and_fetches(tmp_path):
    dev = Recorder()
    with pynq.trace(tmp_path / "w.fst", scopes="axi_dma_0", device=dev, max_cycles=5) as t:
        assert [c[0] for c in dev.calls] == ["start"]
        assert list(dev.calls[0][1].scopes) == ["axi_dma_0"]  # one scope, not its letters
        assert dev.calls[0][1].max_cycles == 5
        assert t.started.scopes == ["pl.top.axi_dma_0"]
    assert [c[0] for c in dev.calls] == ["start", "stop"]
    assert (tmp_path / "w.fst").read_bytes() == b"FST bytes"
    assert t.report.size_bytes == 9


def test_an_error_in_the_block_still_fetches_and_goes_on(tmp_path):
    dev = Recorder()
    with pytest.raises(KeyError):
        with pynq.trace(tmp_path / "w.fst", device=dev):
            raise KeyError("the user's own error")
    assert (tmp_path / "w.fst").exists()


def test_a_stop_that_fails_after_an_error_warns_and_the_error_wins(tmp_path):
    dev = Recorder()
    dev.files.clear()  # the fetch fails
    with pytest.warns(RuntimeWarning, match="could not be stopped and fetched"):
        with pytest.raises(ValueError, match="mine"):
            with pynq.trace(tmp_path / "w.fst", device=dev):
                raise ValueError("mine")


def test_bad_input_is_refused_before_any_call(tmp_path):
    dev = Recorder()
    with pytest.raises(ValueError, match="max_cycles"):
        pynq.trace(tmp_path / "w.fst", device=dev, max_cycles=-1)
    with pytest.raises(FileNotFoundError, match="no directory"):
        pynq.trace(tmp_path / "nowhere" / "w.fst", device=dev).start()
    with pytest.raises(RuntimeError, match="never started"):
        pynq.trace(tmp_path / "w.fst", device=dev).stop()
    t = pynq.trace(tmp_path / "w.fst", device=dev).start()
    with pytest.raises(RuntimeError, match="has started already"):
        t.start()
    assert [c[0] for c in dev.calls] == ["start"]


def test_a_board_without_the_board_service_says_so(tmp_path):
    old = types.SimpleNamespace(name="pynq31", _stub={})
    with pytest.raises(RuntimeError, match="pynq31 offers no waveforms.*3.1"):
        pynq.trace(tmp_path / "w.fst", device=old).start()
