"""``pynq-remote``: the board from a terminal. ``pynq-remote --help`` lists the commands;
``pynq-remote COMMAND --help`` explains one. Also ``python3 -m pynq_remote.cli``.

Exit codes: 0 done (selftest: every check passed), 1 failed (an unreachable board, a refused
token, a bad address, a missing file, a failed check: said on stderr, naming the board), 2 a
command line argparse could not read.
"""

import argparse
import json
import os
import sys

from . import board, files, memory, selftest, trace
from .common import CliError, add_connection_options, addresses

GROUPS = (board, files, memory, trace, selftest)


def build_parser():
    parser = argparse.ArgumentParser(
        prog="pynq-remote",
        description="Work with PYNQ boards served by pynq-remote-server (or a PYNQ.remote 3.1 "
                    "target): ping them, look inside, program, peek and poke, self-test.",
        epilog="Boards: --device HOST:PORT (repeatable) or PYNQ_REMOTE_DEVICES=HOST:PORT,... "
               "TLS and token: the options below, or PYNQ_REMOTE_TLS_CA, PYNQ_REMOTE_TLS_CERT, "
               "PYNQ_REMOTE_TLS_KEY, PYNQ_REMOTE_TOKEN.")
    add_connection_options(parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    for group in GROUPS:
        group.add_commands(_WithOptions(commands))
    return parser


class _WithOptions:
    """Adds the connection options to every command's own parser too, so that they may come
    before or after the command and show in its --help."""

    def __init__(self, commands):
        self._commands = commands

    def add_parser(self, name, **kwargs):
        kwargs.setdefault("description", kwargs.get("help"))
        parser = self._commands.add_parser(name, **kwargs)
        add_connection_options(parser, suppress=True)
        return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except BrokenPipeError:  # `pynq-remote info --json | head`: the reader has gone
        sys.stdout = open(os.devnull, "w")
        return 1
    except CliError as error:
        if error.board is None:
            error.board = _named(args)
        where = f"{error.board}: " if error.board else ""
        if args.json:
            json.dump({"error": str(error), "board": error.board, **error.data}, sys.stdout,
                      indent=2)
            sys.stdout.write("\n")
        print(f"pynq-remote {args.command}: {where}{error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"pynq-remote {args.command}: interrupted", file=sys.stderr)
        return 130


def _named(args):
    """The boards the command line names, for an error found before connecting; or None."""
    try:
        return ", ".join(addresses(args))
    except CliError:
        return None


def run():
    """The console script's entry point."""
    sys.exit(main())
