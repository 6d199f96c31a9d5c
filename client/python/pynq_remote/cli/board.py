"""devices, info and program: is the board there, what does it hold, load a design."""

import os
import statistics
import time

import grpc

from .._proto import remote_device_pb2
from .._proto.pynq_remote.v1 import board_pb2
from ..exceptions import to_exception
from .common import (CliError, Timer, connect, emit, explain, human_bytes, one_address,
                     report_failures, table)
from .common import addresses as named_addresses

PINGS = 5


def add_commands(commands):
    p = commands.add_parser("devices", help="ping every board named, with its latency",
                            description="Connects to every board named (--device, or "
                            "PYNQ_REMOTE_DEVICES) and times a few round trips to each. Exit "
                            "code 1 when any does not answer.")
    p.set_defaults(run=devices)
    p = commands.add_parser("info", help="board, profile, loaded design, clocks, usage, version",
                            description="What each board named is and holds: board and part, "
                            "backend, the loaded design and the FPGA manager's state, PL clocks, "
                            "what the server holds for its clients, and the server's version.")
    p.set_defaults(run=info)
    p = commands.add_parser("program", help="program a bitstream (.bit with its .hwh beside it)",
                            description="Programs FILE (.bit, .bin or .xsa) into the board's PL, "
                            "as PYNQ's Overlay does: the .hwh beside a .bit (or inside an .xsa) "
                            "goes with it, so the server maps the design's MMIO windows.")
    p.add_argument("file", metavar="FILE.bit", help="the bitstream")
    p.set_defaults(run=program)


def _ping(device):
    """Round-trip times in ms of the cheapest call the server has."""
    board = device._stub.get("board")
    times = []
    for _ in range(PINGS):
        start = time.perf_counter()
        try:
            if board is not None:
                board.GetInfo(board_pb2.GetInfoRequest(), timeout=10)
            else:
                device._stub["device"].existsfile(
                    remote_device_pb2.ExistsFileRequest(file_path="/"), timeout=10)
        except grpc.RpcError as error:
            raise to_exception(error, f"pinging {device.address}") from None
        times.append((time.perf_counter() - start) * 1000)
    return times


def devices(args):
    results = []
    for address in named_addresses(args):
        entry = {"board": address, "ok": False}
        try:
            with Timer() as timer:
                device = connect(args, address)
            try:
                times = _ping(device)
                entry.update(ok=True, connect_ms=round(timer.seconds * 1000, 2),
                             latency_ms=round(statistics.median(times), 3),
                             latency_min_ms=round(min(times), 3),
                             name=device.board or (device.info.board if device.info else None),
                             server_version=device.info.server_version if device.info else None)
            finally:
                device.close()
        except BaseException as error:  # noqa: B902 - one board failing is part of the answer
            if isinstance(error, KeyboardInterrupt):
                raise
            entry["error"] = str(explain(error, address))
        results.append(entry)

    def human(doc):
        rows = [(e["board"], "up" if e["ok"] else "DOWN",
                 f"{e['latency_ms']:.2f} ms" if e["ok"] else "-",
                 e.get("name") or "-", e.get("server_version") or "-") for e in doc["devices"]]
        return table(rows, ("BOARD", "STATE", "LATENCY", "NAME", "SERVER"))

    emit(args, {"devices": results}, human)
    return report_failures(args, results)


def describe(device):
    """A board's facts as a dict: the Board service's, or what 3.1's services tell."""
    doc = {"board": device.address, "name": device.board, "arch": device.arch}
    info = device.info
    if info is not None:  # now, not as it was when the device connected
        try:
            info = device._stub["board"].GetInfo(board_pb2.GetInfoRequest(), timeout=10)
        except grpc.RpcError as error:
            raise to_exception(error, "asking for the board's facts") from None
    if info is None:
        state = None
        try:
            state = device.read_file("/sys/class/fpga_manager/fpga0/state").decode().strip()
        except Exception:  # noqa: BLE001 - a board without the file says nothing about it
            pass
        doc.update(server="PYNQ 3.1 compatible (no pynq_remote.v1.Board service)",
                   server_version=None, fpga_state=state)
        return doc
    usage = info.usage
    doc.update(
        name=info.board or device.board, part=info.part, backend=info.backend,
        server_version=info.server_version, loaded_design=info.loaded_design or None,
        fpga_state=info.fpga_state, fpga_error=info.fpga_error or None,
        pl_clocks_mhz=list(info.pl_clocks_mhz), capabilities=list(info.capabilities),
        deterministic=info.deterministic,
        windows=[{"name": w.name, "base": w.base, "size": w.size} for w in info.windows],
        usage={"open_sessions": usage.open_sessions, "buffers": usage.buffers,
               "buffer_bytes": usage.buffer_bytes, "mmio_handles": usage.mmio_handles,
               "active_streams": usage.active_streams},
        max_message_bytes=info.max_message_bytes)
    if info.backend == "sim":
        doc.update(sim_time_ps=info.sim_time_ps, pl_cycles=info.pl_cycles)
    return doc


def _human_info(doc):
    lines = []
    for board in doc["boards"]:
        if "error" in board:
            continue  # on stderr: report_failures
        rows = [("board", board["board"]), ("name", board.get("name") or "-"),
                ("part", board.get("part") or "-"), ("arch", board.get("arch") or "-"),
                ("backend", board.get("backend") or "-"),
                ("server", board.get("server_version") or board.get("server") or "-"),
                ("loaded design", board.get("loaded_design") or "none"),
                ("fpga state", board.get("fpga_state") or "-")]
        if board.get("fpga_error"):
            rows.append(("fpga error", board["fpga_error"]))
        if "pl_clocks_mhz" in board:
            clocks = ", ".join(f"fclk{i} {mhz:g} MHz"
                               for i, mhz in enumerate(board["pl_clocks_mhz"]))
            rows.append(("pl clocks", clocks or "-"))
        if "usage" in board:
            u = board["usage"]
            rows.append(("usage", f"{u['open_sessions']} sessions, {u['buffers']} buffers "
                         f"({human_bytes(u['buffer_bytes'])}), {u['mmio_handles']} MMIO "
                         f"handles, {u['active_streams']} streams"))
        if "pl_cycles" in board:
            rows.append(("simulated", f"{board['pl_cycles']} PL cycles, "
                         f"{board['sim_time_ps'] / 1e6:.3f} us"
                         + (" (deterministic)" if board.get("deterministic") else "")))
        if board.get("capabilities"):
            rows.append(("capabilities", ", ".join(board["capabilities"])))
        width = max(len(k) for k, _ in rows)
        lines += [f"{k.ljust(width)}  {v}" for k, v in rows] + [""]
    return lines[:-1] if lines else lines


def info(args):
    boards = []
    for address in named_addresses(args):
        try:
            device = connect(args, address)
            try:
                boards.append(describe(device))
            finally:
                device.close()
        except BaseException as error:  # noqa: B902
            if isinstance(error, KeyboardInterrupt):
                raise
            boards.append({"board": address, "error": str(explain(error, address))})
    emit(args, {"boards": boards}, _human_info)
    return report_failures(args, boards)


def load(device, path):
    """Programs ``path`` as PYNQ does; returns (seconds, hwh path or None)."""
    from ..bitstream import Bitstream
    from ..overlay import Overlay
    if not os.path.isfile(path):
        raise CliError(f"{path}: no such file (a .bit, .bin or .xsa to program)")
    stem, suffix = os.path.splitext(path)
    if suffix not in (".bit", ".bin", ".xsa"):
        raise CliError(f"{path}: not a bitstream: expected a .bit, .bin or .xsa file")
    hwh = stem + ".hwh" if os.path.isfile(stem + ".hwh") else None
    with Timer() as timer:
        if hwh is not None or suffix == ".xsa":
            Overlay(path, device=device)  # parses the metadata and downloads, as PYNQ does
        else:
            Bitstream(path, device=device).download()
    return timer.seconds, hwh


def program(args):
    address = one_address(args)
    path = args.file
    if not os.path.isfile(path):  # before connecting: the quickest answer for a typo
        raise CliError(f"{path}: no such file (a .bit, .bin or .xsa to program)", address)
    device = connect(args, address)
    try:
        seconds, hwh = load(device, path)
        doc = describe(device)
    except CliError:
        raise
    except Exception as error:  # noqa: BLE001
        failure = explain(error, address)
        if path not in str(failure):  # the parser's and the board's messages may not name it
            failure = CliError(f"programming {path}: {failure}", address)
        raise failure from None
    finally:
        device.close()
    doc = {"board": address, "file": os.path.abspath(path), "hwh": hwh,
           "seconds": round(seconds, 3), "loaded_design": doc.get("loaded_design"),
           "fpga_state": doc.get("fpga_state")}

    def human(d):
        lines = [f"{d['board']}: programmed {path} in {d['seconds']:.2f} s "
                 f"(fpga state: {d['fpga_state'] or 'unknown'})"]
        if d["hwh"] is None and not path.endswith(".xsa"):
            lines.append(f"note: no {os.path.splitext(path)[0]}.hwh beside it: the server "
                         "maps no MMIO window of this design (overlay policy)")
        return lines

    emit(args, doc, human)
    return 0
