"""ls, get and put: files inside the board's target root, through PYNQ 3.1's file services.

3.1's RemoteDevice service can tell whether a path exists, read a file and write one; it has
no directory listing, so ``ls`` reports on the paths it is given.
"""

import os
import sys

from .common import CliError, Timer, connect, emit, explain, human_bytes, one_address, table


def add_commands(commands):
    p = commands.add_parser("ls", help="whether paths exist on the board, files with their size",
                            description="For each PATH on the board (inside its target root): "
                            "a file with its size, a directory, or missing. The board's file "
                            "services (PYNQ 3.1's) list no directory's contents. Exit code 1 "
                            "when a path does not exist.")
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
        entries = [_stat(device, path) for path in args.paths]
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
