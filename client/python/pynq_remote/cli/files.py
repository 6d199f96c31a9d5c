"""ls, get and put: files inside the board's target root.

get and put go through PYNQ 3.1's file services. ``ls`` lists a directory through our
Inventory.ListFiles; against a server without it (PYNQ's own, an older pynq-remote) it falls
back on what 3.1's services can tell: whether each path exists, and a file's size.
"""

import os
import posixpath
import sys

import grpc

from .._proto.pynq_remote.v1 import board_pb2, board_pb2_grpc
from ..exceptions import to_exception
from .common import CliError, Timer, connect, emit, explain, human_bytes, one_address, table

_KINDS = {board_pb2.FileRecord.FILE: "file", board_pb2.FileRecord.DIRECTORY: "directory",
          board_pb2.FileRecord.SYMLINK: "symlink", board_pb2.FileRecord.OTHER: "other"}


def add_commands(commands):
    p = commands.add_parser("ls", help="list directories and files on the board",
                            description="For each PATH on the board (inside its target root): "
                            "a directory's entries (kind and size; symlinks not followed), or "
                            "a file with its size, or missing. Against a server that cannot "
                            "list directories (PYNQ's own) only whether each path exists and a "
                            "file's size. Exit code 1 when a path does not exist.")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.set_defaults(run=ls)
    p = commands.add_parser("get", help="copy a file from the board",
                            description="Copies REMOTE from the board to LOCAL (default: its "
                            "name, in the current directory; - for stdout).")
    p.add_argument("remote", metavar="REMOTE")
    p.add_argument("local", metavar="LOCAL", nargs="?")
    p.set_defaults(run=get)
    p = commands.add_parser("put", help="copy a file to the board",
                            description="Copies LOCAL to REMOTE on the board (its directory "
                            "must exist there).")
    p.add_argument("local", metavar="LOCAL")
    p.add_argument("remote", metavar="REMOTE")
    p.set_defaults(run=put)


def _list_files(device, path):
    """(entries, truncated) of a directory; None for a server without ListFiles. Raises
    NotADirectoryError for a path that is something else, FileNotFoundError when missing."""
    stub = device._with_session(board_pb2_grpc.InventoryStub(device.client.call_channel))
    try:
        answer = stub.ListFiles(board_pb2.ListFilesRequest(path=path), timeout=10)
    except grpc.RpcError as error:
        if error.code() == grpc.StatusCode.UNIMPLEMENTED:
            return None
        if error.code() == grpc.StatusCode.NOT_FOUND:
            raise FileNotFoundError(path) from None
        if error.code() == grpc.StatusCode.INVALID_ARGUMENT and \
                "not a directory" in (error.details() or ""):
            raise NotADirectoryError(path) from None
        raise to_exception(error, f"listing {path}") from None
    entries = [{"name": e.name, "kind": _KINDS.get(e.kind, "other"), "size": e.size}
               for e in answer.entries]
    return entries, answer.truncated


def _ls_one(device, path):
    """What ``ls`` says about one path, listing directories where the server can."""
    try:
        listed = _list_files(device, path)
    except FileNotFoundError:
        return {"path": path, "exists": False}
    except NotADirectoryError:
        # Its size from its directory's listing: a file is never read just to be measured.
        parent, name = posixpath.split(path.rstrip("/"))
        entries, _ = _list_files(device, parent or "/")
        for entry in entries:
            if entry["name"] == name:
                return {"path": path, "exists": True, **{k: entry[k] for k in ("kind", "size")}}
        return {"path": path, "exists": False}  # gone between the two calls
    if listed is None:
        return _stat(device, path)
    entries, truncated = listed
    return {"path": path, "exists": True, "kind": "directory", "entries": entries,
            "truncated": truncated}


def _stat(device, path):
    if not device.exists_file(path).exists:
        return {"path": path, "exists": False}
    try:
        data = device.read_file(path)
    except Exception as error:  # noqa: BLE001 - what the server says about a non-file
        text = str(error)
        kind = "directory" if "director" in text.lower() else "other"
        return {"path": path, "exists": True, "kind": kind,
                "detail": None if kind == "directory" else text}
    return {"path": path, "exists": True, "kind": "file", "size": len(data)}


def ls(args):
    address = one_address(args)
    device = connect(args, address)
    try:
        entries = [_ls_one(device, path) for path in args.paths]
    except Exception as error:  # noqa: BLE001
        raise explain(error, address) from None
    finally:
        device.close()

    def human(doc):
        rows = []
        for e in doc["paths"]:
            if not e["exists"]:
                rows.append((e["path"], "missing", ""))
            elif e["kind"] == "file":
                rows.append((e["path"], "file", f"{e['size']} bytes"))
            elif "entries" in e:
                rows.append((e["path"], "directory", f"{len(e['entries'])} entries" +
                             (" (more not shown)" if e["truncated"] else "")))
                for child in e["entries"]:
                    size = f"{child['size']} bytes" if child["kind"] == "file" else ""
                    rows.append((posixpath.join(e["path"], child["name"]), child["kind"], size))
            else:
                rows.append((e["path"], e["kind"], e.get("detail") or ""))
        return table(rows, ("PATH", "KIND", "SIZE"))

    emit(args, {"board": address, "paths": entries}, human)
    return 0 if all(e["exists"] for e in entries) else 1


def get(args):
    address = one_address(args)
    local = args.local or os.path.basename(args.remote.rstrip("/"))
    if not local:
        raise CliError(f"{args.remote}: name a LOCAL file to copy it to", address)
    device = connect(args, address)
    try:
        if not device.exists_file(args.remote).exists:
            raise CliError(f"{args.remote}: no such file on the board (paths are inside its "
                           "target root; pynq-remote ls PATH checks one)", address)
        with Timer() as timer:
            data = device.read_file(args.remote)
    except CliError:
        raise
    except Exception as error:  # noqa: BLE001
        raise explain(error, address) from None
    finally:
        device.close()
    if local == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return 0
    try:
        with open(local, "wb") as f:
            f.write(data)
    except OSError as error:
        raise CliError(f"cannot write {local}: {error.strerror}", address) from None
    emit(args, {"board": address, "remote": args.remote, "local": os.path.abspath(local),
                "bytes": len(data), "seconds": round(timer.seconds, 3)},
         lambda d: [f"{address}: {args.remote} -> {local} ({human_bytes(d['bytes'])}, "
                    f"{d['seconds']:.2f} s)"])
    return 0


def put(args):
    address = one_address(args)
    try:
        with open(args.local, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise CliError(f"{args.local}: no such file here to copy to the board", address) \
            from None
    except OSError as error:
        raise CliError(f"cannot read {args.local}: {error.strerror}", address) from None
    device = connect(args, address)
    try:
        with Timer() as timer:
            device.write_file(args.remote, data)
    except Exception as error:  # noqa: BLE001
        raise explain(error, address) from None
    finally:
        device.close()
    emit(args, {"board": address, "local": os.path.abspath(args.local), "remote": args.remote,
                "bytes": len(data), "seconds": round(timer.seconds, 3)},
         lambda d: [f"{address}: {args.local} -> {args.remote} ({human_bytes(d['bytes'])}, "
                    f"{d['seconds']:.2f} s)"])
    return 0
