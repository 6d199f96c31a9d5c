"""Waveforms of a simulated board's PL, on request: ``with pynq_remote.trace("dma.fst"):``.

The board writes an FST file (GTKWave's format) of the window between start and stop, of the
whole design or of the scopes asked for, and keeps it in its target root; on stop the file is
fetched to the local path. Only a simulated board traces its PL (``Board.StartTrace``); on
any other the start raises :class:`~pynq_remote.exceptions.RemoteError` with code
``UNSUPPORTED`` saying so. docs/waveforms.md has the whole story.
"""

import os
import warnings

from ._proto.pynq_remote.v1 import board_pb2, board_pb2_grpc
from .pl_server.device import Device


class Trace:
    """A waveform of the PL between :meth:`start` and :meth:`stop` (or a ``with`` block).

    Parameters
    ----------
    path : str or os.PathLike
        Where the FST file goes on this host (written on stop; its directory must exist).
    scopes : list of str, optional
        Hierarchical names in the loaded design, each traced with everything below it:
        ``"axi_dma_0"``, ``"pl.axi_dma_0"`` or a deeper one (``"axi_dma_0.mm2s"``). None:
        the whole design. A name the design lacks is refused at start, the error naming it
        and the scopes the design has.
    device : RemoteDevice, optional
        The board; ``Device.active_device`` when None.
    max_cycles : int, optional
        The trace ends itself after this many PL cycles, bounding the file (``truncated`` is
        then True); 0: the server's default, 1,000,000.
    detached : bool, optional
        False (default): the trace belongs to this client's session and stops if the session
        ends (the process dies). True: it belongs to no session and runs until someone stops
        it or it reaches its bound; :meth:`stop` may then end a trace another process
        started (what ``pynq-remote trace start|stop`` does).

    Attributes
    ----------
    started : StartTraceResponse or None
        The board's answer to start: its file in the target root, the scopes as resolved,
        the start cycle and simulated time, the bound applied.
    report : StopTraceResponse or None
        The board's answer to stop: the cycles and simulated time covered, ``truncated``
        (the bound was reached), ``ended`` (why the trace ended early, e.g. the PL was
        reprogrammed) and the file's size.
    """

    def __init__(self, path, scopes=None, device=None, max_cycles=0, detached=False):
        if isinstance(scopes, str):
            scopes = [scopes]  # one scope, not its letters
        self.path = os.fspath(path)
        self.scopes = list(scopes or [])
        self.device = device
        self.max_cycles = int(max_cycles)
        if self.max_cycles < 0:
            raise ValueError(f"max_cycles must be 0 (the server's default) or more, not "
                             f"{max_cycles}")
        self.detached = bool(detached)
        self.started = None
        self.report = None

    def _call(self, method, request, what):
        device = self.device if self.device is not None else Device.active_device
        stub = getattr(device, "_stub", {}).get("board")
        if stub is None:
            raise RuntimeError(f"{getattr(device, 'name', device)} offers no waveforms: "
                               "traces need a pynq-remote server with a simulated board (a "
                               "PYNQ 3.1 server has no Board service)")
        call = getattr(stub, method)
        if self.detached:
            # The connection's token, but not the session's id: the server ties the trace
            # to no session.
            plain = getattr(board_pb2_grpc.BoardStub(device.client.call_channel), method)
            metadata = device.client.call_metadata

            def call(request, timeout=None):
                return plain(request, timeout=timeout, metadata=metadata)
        return device, device._call(call, request, f"{what} on {device.name}")

    def start(self):
        """Starts the trace on the board; returns self."""
        if self.started is not None:
            raise RuntimeError(f"this trace to {self.path} has started already")
        directory = os.path.dirname(os.path.abspath(self.path))
        if not os.path.isdir(directory):
            raise FileNotFoundError(f"cannot write the trace to {self.path}: {directory} is "
                                    "no directory")
        request = board_pb2.StartTraceRequest(scopes=self.scopes, max_cycles=self.max_cycles)
        _, self.started = self._call("StartTrace", request, "starting a trace")
        return self

    def stop(self):
        """Stops the trace and fetches its file to :attr:`path`; returns :attr:`report`."""
        if self.started is None and not self.detached:
            raise RuntimeError(f"the trace to {self.path} was never started")
        device, self.report = self._call("StopTrace", board_pb2.StopTraceRequest(),
                                         "stopping the trace")
        data = device.read_file(self.report.path)
        with open(self.path, "wb") as f:
            f.write(data)
        self.started = None
        return self.report

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.stop()
            return False
        # The waveform of a failure is the one most worth having, but the failure is what
        # the caller must see.
        try:
            self.stop()
        except Exception as error:  # noqa: BLE001
            warnings.warn(f"the trace to {self.path} could not be stopped and fetched after "
                          f"the error in its block: {error}", RuntimeWarning, stacklevel=2)
        return False


def trace(path, scopes=None, device=None, max_cycles=0, detached=False):
    """A waveform of the PL while a ``with`` block runs, fetched to ``path`` on exit.

    ``with pynq_remote.trace("dma.fst", scopes=["axi_dma_0"]) as t: ...`` traces the DMA
    (and everything inside it) during the block; afterwards ``t.report`` says which cycles
    the file covers. Parameters as :class:`Trace`.
    """
    return Trace(path, scopes=scopes, device=device, max_cycles=max_cycles, detached=detached)
