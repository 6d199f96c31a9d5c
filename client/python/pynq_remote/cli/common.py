"""What every command shares: which boards, how to reach them, how to say what happened.

Boards come from ``--device HOST:PORT`` (repeatable) or ``PYNQ_REMOTE_DEVICES``; TLS and the
bearer token from the options below or the environment variables pynq_remote already reads
(:mod:`pynq_remote.pl_server.security`). Connections are pynq_remote's own RemoteDevice.
"""

import argparse
import json
import os
import sys
import time

from .. import exceptions
from ..pl_server import remote_device as _remote_device
from ..pl_server.security import AuthenticationError, ConnectError, TlsHandshakeError

ENV_DEVICES = "PYNQ_REMOTE_DEVICES"


class CliError(Exception):
    """An expected failure: printed as ``pynq-remote: BOARD: message`` without a traceback,
    exit code 1. ``data`` goes into the --json answer beside the message."""

    def __init__(self, message, board=None, **data):
        super().__init__(message)
        self.board = board
        self.data = data


def add_connection_options(parser, suppress=False):
    """The options every command takes. On the commands' parsers (``suppress``) an option
    left out sets nothing, so one given before the command (``pynq-remote --device X info``)
    stays."""
    group = _Group(parser.add_argument_group("board and connection"), suppress)
    group.add_argument("--device", "-d", action="append", metavar="HOST:PORT",
                       help="a board to act on (repeatable); default: $PYNQ_REMOTE_DEVICES, "
                            "comma-separated. unix:/PATH names a server's unix socket")
    group.add_argument("--token", metavar="TOKEN",
                       help="bearer token the server wants (default: $PYNQ_REMOTE_TOKEN)")
    group.add_argument("--tls-ca", metavar="PEM",
                       help="CA of the server's certificate; turns TLS on "
                            "(default: $PYNQ_REMOTE_TLS_CA)")
    group.add_argument("--tls-cert", metavar="PEM",
                       help="client certificate, for mutual TLS (default: $PYNQ_REMOTE_TLS_CERT)")
    group.add_argument("--tls-key", metavar="PEM",
                       help="its private key (default: $PYNQ_REMOTE_TLS_KEY)")
    group.add_argument("--tls-server-name", metavar="NAME",
                       help="name in the server's certificate, when not the address dialled "
                            "(default: $PYNQ_REMOTE_TLS_SERVER_NAME)")
    group.add_argument("--connect-timeout", type=float, metavar="S",
                       help="seconds to wait for a board to answer (default: "
                            "$PYNQ_REMOTE_CONNECT_TIMEOUT_S or 5)")
    _Group(parser, suppress).add_argument("--json", action="store_true",
                                          help="print one JSON document on stdout, for scripts")


class _Group:
    def __init__(self, group, suppress):
        self._group = group
        self._suppress = suppress

    def add_argument(self, *names, **kwargs):
        if self._suppress:
            kwargs["default"] = argparse.SUPPRESS
        elif kwargs.get("action") != "store_true":
            kwargs.setdefault("default", None)
        return self._group.add_argument(*names, **kwargs)


def addresses(args):
    """The boards named, in order: --device, else PYNQ_REMOTE_DEVICES."""
    named = []
    for value in args.device or [os.environ.get(ENV_DEVICES, "")]:
        named.extend(a.strip() for a in value.split(",") if a.strip())
    if not named:
        raise CliError(f"no board named: pass --device HOST:PORT or set {ENV_DEVICES}="
                       "HOST:PORT (a board running pynq-remote-server listens on port 7967)")
    for address in named:
        try:
            _remote_device.parse_address(address)
        except ValueError as error:
            raise CliError(f"bad device address: {error}", board=address) from None
    return named


def one_address(args):
    """The single board a command acts on; several named is an error that says what to do."""
    named = addresses(args)
    if len(named) > 1:
        raise CliError(f"{len(named)} boards are named ({', '.join(named)}): this command acts "
                       "on one; pick it with --device HOST:PORT")
    return named[0]


def connect(args, address):
    """A connected RemoteDevice for ``address``; every way it can fail, as a CliError that
    names the board and what to do."""
    if args.connect_timeout is not None:
        # Read at call time by GrpcChannel and the session's start.
        _remote_device.CONNECT_TIMEOUT_S = args.connect_timeout
    try:
        return _remote_device.RemoteDevice(
            0, address, tag=address.replace("{", "{{").replace("}", "}}"),
            root_certificates=args.tls_ca, certificate_chain=args.tls_cert,
            private_key=args.tls_key, token=args.token, server_name=args.tls_server_name)
    except BaseException as error:  # noqa: B902 - every failure becomes an answer
        raise explain(error, address) from None


def explain(error, board):
    """``error`` as a CliError for ``board``: what went wrong and what to do about it."""
    if isinstance(error, CliError):
        if error.board is None:
            error.board = board
        return error
    text = str(error)
    if isinstance(error, TlsHandshakeError):
        return CliError(text, board)
    if isinstance(error, ConnectError):
        return CliError(f"cannot reach the board: {text}", board)
    if isinstance(error, AuthenticationError):
        return CliError(f"the board refused this client: {text}. Pass --token (or set "
                        "PYNQ_REMOTE_TOKEN) to a token in the server's --token-file", board)
    if isinstance(error, exceptions.DeadlineExceededError):
        return CliError(f"the board did not answer in time: {text}", board)
    if isinstance(error, (exceptions.RemoteError, ValueError, OSError, RuntimeError,
                          MemoryError, TypeError)):
        return CliError(text, board)
    if isinstance(error, KeyboardInterrupt):
        return CliError("interrupted", board)
    return CliError(f"{type(error).__name__}: {text}", board)


def parse_int(text, what):
    """An integer written in decimal, 0x hex, 0o octal or 0b binary."""
    try:
        return int(text.replace("_", ""), 0)
    except ValueError:
        raise CliError(f"bad {what} {text!r}: write it as 0xA0000000 or in decimal") from None


class Timer:
    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start
        return False


def emit(args, document, human):
    """Prints ``document`` as JSON with --json, else the lines ``human`` returns."""
    if args.json:
        json.dump(document, sys.stdout, indent=2, sort_keys=False)
        sys.stdout.write("\n")
    else:
        for line in human(document):
            print(line)


def report_failures(args, entries):
    """Each board that failed, on stderr as ``pynq-remote COMMAND: BOARD: error`` (in human
    mode; --json carries them in the document). The exit code: 1 if any failed, else 0."""
    failed = [e for e in entries if e.get("error")]
    if not args.json:
        for entry in failed:
            print(f"pynq-remote {args.command}: {entry['board']}: {entry['error']}",
                  file=sys.stderr)
    return 1 if failed else 0


def table(rows, headers):
    """Lines of a plain table, columns as wide as their widest cell."""
    cells = [list(headers)] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(cells):
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return lines


def human_bytes(n):
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"
