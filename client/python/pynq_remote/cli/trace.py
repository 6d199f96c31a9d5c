"""trace start|stop FILE: a waveform of the simulated PL, where the server offers one.

The waveform RPCs (Board.StartTrace / Board.StopTrace, issue 20 point 3) are not part of
pynq_remote.v1 yet. Until they are, the command says so. The seam: :func:`_trace_methods`
finds them in the generated stubs; the call itself goes in :func:`_call_trace`.
"""

from .._proto.pynq_remote.v1 import board_pb2
from .common import CliError, connect, one_address


def add_commands(commands):
    p = commands.add_parser("trace", help="start or stop a waveform of the PL (FST)",
                            description="start: begin tracing the simulated PL to FILE; stop: "
                            "end it and fetch FILE. Needs a server that offers "
                            "Board.StartTrace/StopTrace (a simulated board).")
    p.add_argument("action", choices=("start", "stop"))
    p.add_argument("file", metavar="FILE", help="the FST waveform")
    p.set_defaults(run=trace)


def _trace_methods():
    """(StartTrace, StopTrace) method descriptors, or None when this protocol has none."""
    methods = board_pb2.DESCRIPTOR.services_by_name["Board"].methods_by_name
    if "StartTrace" not in methods or "StopTrace" not in methods:
        return None
    return methods["StartTrace"], methods["StopTrace"]


def _call_trace(device, action, path):
    raise CliError("this pynq_remote knows Board.StartTrace/StopTrace but the trace command "
                   "does not drive them yet (pynq_remote/cli/trace.py, _call_trace)",
                   device.address)


def trace(args):
    address = one_address(args)
    if _trace_methods() is None:
        raise CliError("this server does not offer traces: pynq_remote.v1 has no "
                       "Board.StartTrace/StopTrace yet. A simulated board can record the whole "
                       "run instead: start pynq-remote-server with --trace FILE.fst", address)
    device = connect(args, address)
    try:
        return _call_trace(device, args.action, args.file)
    finally:
        device.close()
