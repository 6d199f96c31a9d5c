"""trace start|stop FILE: a waveform (FST) of the simulated PL, between the two commands.

``start`` begins a trace on the board (Board.StartTrace) that belongs to no session, since
this process ends before ``stop``; it runs until ``stop`` or its bound (--max-cycles).
``stop`` ends it and fetches the file to FILE. pynq_remote.trace does the same from Python.
"""

import os

from .._proto.pynq_remote.v1 import board_pb2
from ..trace import Trace
from .common import CliError, connect, emit, explain, human_bytes, one_address, parse_int


def add_commands(commands):
    p = commands.add_parser("trace", help="start or stop a waveform of the PL (FST)",
                            description="start: begin tracing the simulated PL (the whole "
                            "design, or each --scope with everything below it); stop: end the "
                            "trace and fetch it to FILE, to open in GTKWave. Needs a server "
                            "with a simulated board (Board.StartTrace/StopTrace).")
    p.add_argument("action", choices=("start", "stop"))
    p.add_argument("file", metavar="FILE", help="the FST waveform (written by stop)")
    p.add_argument("--scope", "-s", action="append", default=[], metavar="SCOPE",
                   help="start: a hierarchical name in the design, e.g. axi_dma_0 or "
                   "pl.axi_dma_0.mm2s (repeatable; default: the whole design)")
    p.add_argument("--max-cycles", default="0", metavar="N",
                   help="start: end the trace after N PL cycles, bounding the file "
                   "(default: the server's, 1000000)")
    p.set_defaults(run=trace)


def _trace_methods():
    """(StartTrace, StopTrace) method descriptors, or None when this protocol has none."""
    methods = board_pb2.DESCRIPTOR.services_by_name["Board"].methods_by_name
    if "StartTrace" not in methods or "StopTrace" not in methods:
        return None
    return methods["StartTrace"], methods["StopTrace"]


def _start(device, args, address):
    t = Trace(args.file, scopes=args.scope, device=device, max_cycles=args.max_cycles,
              detached=True)
    started = t.start().started
    doc = {"board": address, "action": "start", "design": started.design,
           "board_file": started.path, "scopes": list(started.scopes),
           "start_cycle": started.start_cycle, "start_sim_time_ps": started.start_sim_time_ps,
           "max_cycles": started.max_cycles, "file": os.path.abspath(args.file)}
    emit(args, doc, lambda d: [
        f"{address}: tracing {d['design']} "
        f"({', '.join(d['scopes']) if d['scopes'] else 'the whole design'}) from PL cycle "
        f"{d['start_cycle']}, at most {d['max_cycles']} cycles",
        f"pynq-remote trace stop {args.file} ends it and fetches it"])
    return 0


def _stop(device, args, address):
    t = Trace(args.file, device=device, detached=True)
    r = t.stop()
    doc = {"board": address, "action": "stop", "file": os.path.abspath(args.file),
           "board_file": r.path, "bytes": r.size_bytes, "design": r.design,
           "scopes": list(r.scopes), "start_cycle": r.start_cycle, "end_cycle": r.end_cycle,
           "start_sim_time_ps": r.start_sim_time_ps, "end_sim_time_ps": r.end_sim_time_ps,
           "truncated": r.truncated, "ended": r.ended}

    def human(d):
        lines = [f"{address}: {d['design']}, PL cycles {d['start_cycle']}..{d['end_cycle']} -> "
                 f"{args.file} ({human_bytes(d['bytes'])})"]
        if d["truncated"]:
            lines.append("truncated: the trace reached its --max-cycles bound before stop")
        if d["ended"]:
            lines.append(f"ended early: {d['ended']}")
        return lines

    emit(args, doc, human)
    return 0


def _call_trace(device, args, address):
    action = _start if args.action == "start" else _stop
    try:
        return action(device, args, address)
    except Exception as error:  # noqa: BLE001 - every failure becomes an answer
        raise explain(error, address) from None


def trace(args):
    address = one_address(args)
    if _trace_methods() is None:
        raise CliError("this server does not offer traces: pynq_remote.v1 has no "
                       "Board.StartTrace/StopTrace yet. A simulated board can record the whole "
                       "run instead: start pynq-remote-server with --trace FILE.fst", address)
    args.max_cycles = parse_int(args.max_cycles, "max-cycles")
    if args.max_cycles < 0:
        raise CliError(f"bad max-cycles {args.max_cycles}: 0 or more", address)
    directory = os.path.dirname(os.path.abspath(args.file))
    if not os.path.isdir(directory):
        raise CliError(f"{args.file}: {directory} is no directory here to write the trace to",
                       address)
    device = connect(args, address)
    try:
        return _call_trace(device, args, address)
    finally:
        device.close()
