"""peek, poke and buffers: the board's registers and what its clients hold."""

import grpc

from .._proto.pynq_remote.v1 import board_pb2, board_pb2_grpc
from ..exceptions import to_exception
from .common import (CliError, connect, emit, explain, human_bytes, one_address, parse_int,
                     report_failures, table)
from .common import addresses as named_addresses

WIDTHS = (1, 2, 4, 8)


def add_commands(commands):
    p = commands.add_parser("peek", help="read a register",
                            description="Reads WIDTH bytes (1, 2, 4 or 8; default 4) at the "
                            "physical address ADDR, which must be aligned to WIDTH and inside a "
                            "window the server allows (the loaded design's, or the PS's).")
    p.add_argument("address", metavar="ADDR", help="physical address, e.g. 0xA0000000")
    p.add_argument("width", metavar="WIDTH", nargs="?", default="4",
                   help="bytes: 1, 2, 4 or 8 (default 4)")
    p.set_defaults(run=peek)
    p = commands.add_parser("poke", help="write a register",
                            description="Writes VALUE at the physical address ADDR, WIDTH bytes "
                            "wide (default 4), and reads it back.")
    p.add_argument("address", metavar="ADDR")
    p.add_argument("value", metavar="VALUE")
    p.add_argument("--width", "-w", default="4", help="bytes: 1, 2, 4 or 8 (default 4)")
    p.set_defaults(run=poke)
    p = commands.add_parser("buffers", help="buffers on the board, per session",
                            description="Every buffer each board holds, grouped by the client "
                            "session that allocated it. Another session is shown by a label, "
                            "never by its id (an id is its owner's credential).")
    p.set_defaults(run=buffers)


def _width(text):
    width = parse_int(text, "width")
    if width not in WIDTHS:
        raise CliError(f"bad width {text!r}: 1, 2, 4 or 8 bytes")
    return width


def _access(args, action):
    address = one_address(args)
    addr = parse_int(args.address, "address")
    if addr < 0 or addr >= 1 << 64:
        raise CliError(f"bad address {args.address!r}: outside the 64-bit address space",
                       address)
    width = _width(args.width)
    if addr % width:
        raise CliError(f"address {addr:#x} is not aligned to its width ({width} bytes)", address)
    device = connect(args, address)
    try:
        board = device._stub.get("board")
        if board is None:
            raise CliError("this server has no single-register access (a PYNQ 3.1 server); "
                           "use pynq_remote.MMIO from Python", address)
        return action(board, addr, width, address)
    except grpc.RpcError as error:
        raise explain(to_exception(error), address) from None
    except CliError:
        raise
    except Exception as error:  # noqa: BLE001
        raise explain(error, address) from None
    finally:
        device.close()


def peek(args):
    def action(board, addr, width, address):
        value = board.MmioRead(board_pb2.MmioReadRequest(address=addr, width=width),
                               timeout=10).value
        emit(args, {"board": address, "address": addr, "width": width, "value": value},
             lambda d: [f"{addr:#010x}: {value:#0{2 + 2 * width}x} ({value})"])
        return 0
    return _access(args, action)


def poke(args):
    value = parse_int(args.value, "value")

    def action(board, addr, width, address):
        if value < 0 or value >= 1 << (8 * width):
            raise CliError(f"value {args.value} does not fit in {width} bytes", address)
        board.MmioWrite(board_pb2.MmioWriteRequest(address=addr, width=width, value=value),
                        timeout=10)
        back = board.MmioRead(board_pb2.MmioReadRequest(address=addr, width=width),
                              timeout=10).value
        emit(args, {"board": address, "address": addr, "width": width, "value": value,
                    "read_back": back},
             lambda d: [f"{addr:#010x} <- {value:#0{2 + 2 * width}x}; reads back "
                        f"{back:#0{2 + 2 * width}x}"])
        return 0
    return _access(args, action)


def _list_buffers(device):
    """The board's buffers per session, or None when the server cannot list them."""
    stub = device._with_session(board_pb2_grpc.InventoryStub(device.client.call_channel))
    try:
        answer = stub.ListBuffers(board_pb2.ListBuffersRequest(), timeout=10)
    except grpc.RpcError as error:
        if error.code() == grpc.StatusCode.UNIMPLEMENTED:
            return None
        raise to_exception(error, "listing buffers") from None
    sessions = []
    for group in answer.sessions:
        sessions.append({
            "session": "sessionless (PYNQ 3.1 clients)" if group.sessionless else group.session,
            "yours": group.yours, "sessionless": group.sessionless, "bytes": group.bytes,
            "buffers": [{"buffer_id": b.buffer_id or None, "size": b.size, "dtype": b.dtype,
                         "cacheable": b.cacheable, "physical_address": b.physical_address}
                        for b in sorted(group.buffers, key=lambda b: b.physical_address)]})
    return sessions


def buffers(args):
    boards = []
    for address in named_addresses(args):
        try:
            device = connect(args, address)
            try:
                sessions = _list_buffers(device)
                entry = {"board": address, "sessions": sessions}
                if sessions is None:
                    usage = device.info.usage if device.info is not None else None
                    entry["note"] = ("this server does not list buffers per session (no "
                                     "pynq_remote.v1.Inventory service)")
                    if usage is not None:
                        entry["totals"] = {"buffers": usage.buffers,
                                           "buffer_bytes": usage.buffer_bytes,
                                           "open_sessions": usage.open_sessions}
                boards.append(entry)
            finally:
                device.close()
        except BaseException as error:  # noqa: B902
            if isinstance(error, KeyboardInterrupt):
                raise
            boards.append({"board": address, "error": str(explain(error, address))})

    def human(doc):
        lines = []
        for b in doc["boards"]:
            if "error" in b:
                continue  # on stderr: report_failures
            if b["sessions"] is None:
                lines.append(f"{b['board']}: {b['note']}")
                if "totals" in b:
                    t = b["totals"]
                    lines.append(f"  {t['buffers']} buffers, {human_bytes(t['buffer_bytes'])}, "
                                 f"{t['open_sessions']} sessions")
                continue
            count = sum(len(s["buffers"]) for s in b["sessions"])
            groups = len(b["sessions"])
            lines.append(f"{b['board']}: {count} buffer{'s' * (count != 1)} in {groups} "
                         f"session{'s' * (groups != 1)}")
            rows = []
            for s in b["sessions"]:
                for buf in s["buffers"]:
                    rows.append((s["session"], buf["buffer_id"] or "-", buf["size"],
                                 buf["dtype"] or "-", f"{buf['physical_address']:#x}",
                                 "yes" if buf["cacheable"] else "no"))
            if rows:
                lines += ["  " + line for line in table(
                    rows, ("SESSION", "BUFFER", "BYTES", "DTYPE", "PHYS", "CACHEABLE"))]
        return lines

    emit(args, {"boards": boards}, human)
    return report_failures(args, boards)
