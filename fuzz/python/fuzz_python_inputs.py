#!/usr/bin/python3
"""A time-boxed, seeded mutation fuzzer for the project's Python input readers.

Debian has no atheris, so this is a small one of our own. Targets:

``hwh``
    ``pynq_remote.hwh.HwhParser`` (client/python) on mutated ``.hwh`` text from
    ``fuzz/corpus/hwh``. It must return or raise ``HwhFormatError``; on success its
    dictionaries must be plain data (``repr`` works) with integer addresses.
``manifest``
    The design generators' command lines (rtl/tools: ``gen_design.main``, and
    ``gen_top.main`` for format 2) on mutated ``rtl/designs/*/manifest*.json``. They must
    exit 0, or 1 with a message (a ``gen_top.DesignError``); a ``.hwh`` they write must
    parse with ``HwhParser``.

Anything else (``KeyError``, ``TypeError``, ``RecursionError``, ...) is a finding: the
input is saved under ``--artifacts`` and the run fails with the traceback. Mutations:
byte flips, truncation, splicing two inputs, deleting an XML tag or attribute, changing a
number, and for JSON, tree edits (deleting keys, changing types and values).

Usage: fuzz_python_inputs.py [--seconds 10] [--seed N] [--target hwh|manifest]...
       fuzz_python_inputs.py --replay FILE --target T    re-run one saved input
Standard library plus what the readers need (Debian's /usr/bin/python3).
"""
import argparse
import atexit
import copy
import io
import json
import os
import random
import re
import shutil
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "client", "python"))
sys.path.insert(0, os.path.join(REPO, "rtl", "tools"))

from pynq_remote.hwh import HwhFormatError, HwhParser  # noqa: E402
import gen_design  # noqa: E402
import gen_top  # noqa: E402

_NUMBER = re.compile(rb"0[xX][0-9a-fA-F]+|-?[0-9]+(?:\.[0-9]+)?")
_TAG = re.compile(rb"<[A-Za-z][^<>]*?/>|<[A-Za-z][^<>]*>")
_ATTRIBUTE = re.compile(rb'\s[A-Za-z_]+="[^"]*"')
_INTERESTING_NUMBERS = [b"0", b"1", b"-1", b"0x0", b"0xFFFFFFFF", b"0xFFFFFFFFFFFFFFFF",
                        b"0x10000000000000000", b"4294967296", b"1e308", b"9" * 40, b"-0x1",
                        b"0x", b"NaN"]


class Finding(Exception):
    """An input made a reader fail in a way it must not."""


# -- mutations ------------------------------------------------------------------------------

def _flip(rng, data, _):
    if not data:
        return data
    data = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        i = rng.randrange(len(data))
        data[i] = rng.choice([data[i] ^ (1 << rng.randrange(8)), rng.randrange(256),
                              ord(rng.choice("<>\"'&/=x0"))])
    return bytes(data)


def _truncate(rng, data, _):
    return data[:rng.randint(0, len(data))]


def _splice(rng, data, corpus):
    other = rng.choice(corpus)
    a, b = rng.randint(0, len(data)), rng.randint(0, len(other))
    return data[:a] + other[b:b + rng.randint(0, 4096)] + data[a:]


def _repeat(rng, data, _):
    if not data:
        return data
    a = rng.randrange(len(data))
    piece = data[a:a + rng.randint(1, 64)]
    return data[:a] + piece * rng.randint(2, 2000) + data[a:]


def _delete_match(pattern):
    def mutate(rng, data, _):
        found = list(pattern.finditer(data))
        if not found:
            return data
        m = rng.choice(found)
        return data[:m.start()] + data[m.end():]
    return mutate


def _number(rng, data, _):
    found = list(_NUMBER.finditer(data))
    if not found:
        return data
    m = rng.choice(found)
    if rng.random() < 0.5:
        new = rng.choice(_INTERESTING_NUMBERS)
    else:
        new = str(rng.choice([-1, 1]) * rng.getrandbits(rng.choice([4, 16, 33, 65]))).encode()
    return data[:m.start()] + new + data[m.end():]


BYTE_MUTATIONS = [_flip, _truncate, _splice, _repeat, _delete_match(_TAG),
                  _delete_match(_ATTRIBUTE), _number]


def _json_edit(rng, tree):
    """One edit somewhere in a parsed JSON tree: delete, retype or change a value."""
    nodes = []

    def walk(node):
        if isinstance(node, dict):
            for key in node:
                nodes.append((node, key))
                walk(node[key])
        elif isinstance(node, list):
            for i, item in enumerate(node):
                nodes.append((node, i))
                walk(item)
    walk(tree)
    if not nodes:
        return tree
    parent, key = rng.choice(nodes)
    old = parent[key]
    choice = rng.randrange(6)
    if choice == 0:
        del parent[key]
    elif choice == 1:
        parent[key] = rng.choice([None, True, 0, -1, 2 ** 64, 1.5, "", "x", [], {},
                                  "0x" + "F" * 17, "0xA0000000", [old], {"k": old}])
    elif choice == 2 and isinstance(old, (int, float)) and not isinstance(old, bool):
        parent[key] = rng.choice([0, -old, old + 1, old * 2 ** 32, float("inf")])
    elif choice == 3 and isinstance(old, str):
        parent[key] = rng.choice(["", old + old, old[:1], old.upper(), "../" + old,
                                  old + "\x00", "<&\">", "0x" + old])
    elif choice == 4 and isinstance(parent, list):
        parent.insert(key, copy.deepcopy(old))  # duplicates: names and addresses twice
    else:
        parent[key] = copy.deepcopy(rng.choice(nodes)[0])
    return tree


def mutate(rng, data, corpus, json_aware):
    for _ in range(rng.randint(1, 3)):
        if json_aware and rng.random() < 0.6:
            try:
                tree = json.loads(data)
            except (ValueError, RecursionError):  # not JSON (any more): bytes it is
                tree = None
            if tree is not None:
                data = json.dumps(_json_edit(rng, tree)).encode()
                continue
        data = rng.choice(BYTE_MUTATIONS)(rng, data, corpus)
    return data


# -- targets --------------------------------------------------------------------------------

def _check_dicts(parser):
    repr(parser.ip_dict), repr(parser.mem_dict), repr(parser.hierarchy_dict)
    for name, entry in parser.ip_dict.items():
        for key in ("phys_addr", "addr_range"):
            value = entry.get(key)
            if value is not None and not isinstance(value, int):
                raise Finding("ip_dict[%r][%r] is %r, not an int" % (name, key, value))


def run_hwh(data):
    try:
        parser = HwhParser(text=data)
    except HwhFormatError:
        return "error"
    _check_dicts(parser)
    return "ok"


class ManifestTarget:
    """Mutated manifests through the generators' command lines, as rtl/CMakeLists.txt runs
    them: gen_design.py (the .bit and .hwh), and gen_top.py (the Verilog top) for format 2.
    Each must exit 0 or 1 with a message, never raise; a .hwh written on success must parse.

    The manifest is written into a copy of its design directory (symlinks to everything
    else, and to rtl/ip), so its relative source paths resolve as in the tree."""

    def __init__(self, paths):
        self.scratch = tempfile.mkdtemp(prefix="fuzz-manifest-")
        atexit.register(shutil.rmtree, self.scratch, True)
        os.makedirs(os.path.join(self.scratch, "rtl", "designs"))
        os.symlink(os.path.join(REPO, "rtl", "ip"), os.path.join(self.scratch, "rtl", "ip"))
        self.dirs = {}  # original manifest bytes -> its copied design directory
        for path in paths:
            original = os.path.dirname(path)
            copy_dir = os.path.join(self.scratch, "rtl", "designs", os.path.basename(original))
            os.makedirs(copy_dir, exist_ok=True)
            for name in os.listdir(original):
                if not (name.startswith("manifest") and name.endswith(".json")):
                    os.symlink(os.path.join(original, name), os.path.join(copy_dir, name))
            self.dirs[open(path, "rb").read()] = copy_dir
        self.origins = {d: os.path.join(REPO, "rtl", "designs", os.path.basename(d))
                        for d in self.dirs.values()}

    def __call__(self, data, origin):
        design_dir = self.dirs.get(origin) or next(iter(self.dirs.values()))
        manifest_path = os.path.join(design_dir, "manifest.json")
        with open(manifest_path, "wb") as f:
            f.write(data)
        out_dir = os.path.join(self.scratch, "out")
        for name in os.listdir(out_dir) if os.path.isdir(out_dir) else []:
            os.remove(os.path.join(out_dir, name))
        runs = [(gen_design.main, [manifest_path, out_dir])]
        if b'"format": 2' in data or b'"format":2' in data:
            runs.append((gen_top.main, [manifest_path, os.path.join(out_dir, "top.v")]))
        failed = False
        for tool, argv in runs:
            stderr, sys.stderr = sys.stderr, io.StringIO()
            try:
                code = tool(argv)
            except SystemExit as exit_:  # argparse; never for these arguments
                code = exit_.code
            finally:
                message, sys.stderr = sys.stderr.getvalue(), stderr
            if code not in (0, 1) or (code == 1 and not message.strip()):
                raise Finding("%s exited %r with message %r" % (tool.__module__, code, message))
            failed = failed or code == 1
        if failed:
            return "error"
        for name in os.listdir(out_dir):
            if name.endswith(".hwh"):
                with open(os.path.join(out_dir, name), "rb") as f:
                    hwh = f.read()
                try:
                    parser = HwhParser(text=hwh)
                except HwhFormatError as error:
                    raise Finding("the generator accepted the manifest but wrote a .hwh the "
                                  "client cannot read: %s" % error) from error
                _check_dicts(parser)
        return "ok"


def load_corpus(patterns):
    files = []
    for directory, suffix in patterns:
        if os.path.isdir(directory):
            files += sorted(os.path.join(directory, f) for f in os.listdir(directory)
                            if f.endswith(suffix))
    return files


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--seed", type=int, default=None, help="default: from the clock (printed)")
    ap.add_argument("--target", action="append", choices=["hwh", "manifest"])
    ap.add_argument("--artifacts", default=None,
                    help="where failing inputs go (default: a new directory in /tmp)")
    ap.add_argument("--replay", help="run one saved input through --target and exit")
    args = ap.parse_args(argv)
    targets = args.target or ["hwh", "manifest"]
    seed = args.seed if args.seed is not None else int(time.time())

    hwh_files = load_corpus([(os.path.join(REPO, "fuzz", "corpus", "hwh"), "")])
    designs = os.path.join(REPO, "rtl", "designs")
    manifest_files = [os.path.join(designs, d, f)
                      for d in sorted(os.listdir(designs))
                      if os.path.isdir(os.path.join(designs, d))  # not the README beside them
                      for f in sorted(os.listdir(os.path.join(designs, d)))
                      if f.startswith("manifest") and f.endswith(".json")]
    manifest_target = ManifestTarget(manifest_files)
    corpora = {
        "hwh": [open(p, "rb").read() for p in hwh_files],
        "manifest": [open(p, "rb").read() for p in manifest_files],
    }
    runners = {"hwh": lambda data, origin: run_hwh(data), "manifest": manifest_target}

    if args.replay:
        data = open(args.replay, "rb").read()
        origin = None
        if os.path.exists(args.replay + ".origin"):  # the manifest it was mutated from
            origin = open(open(args.replay + ".origin").read().strip(), "rb").read()
        for target in targets:
            print("%s: %s" % (target, runners[target](data, origin)))
        return 0

    for target in targets:
        if not corpora[target]:
            print("fuzz_python_inputs: no corpus for %s" % target, file=sys.stderr)
            return 2
    rng = random.Random(seed)
    # A little headroom over the default so that legitimate deep inputs do not trip it,
    # while RecursionError stays reachable (and is a finding).
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 2000))
    counts = {t: {"ok": 0, "error": 0} for t in targets}
    spent = {t: 0.0 for t in targets}
    deadline = time.monotonic() + args.seconds
    # Seeds first, unmutated: they must all load.
    queue = [(t, c, c) for t in targets for c in corpora[t]]
    while queue or time.monotonic() < deadline:
        if queue:
            target, data, origin = queue.pop(0)
        else:
            # Equal time, not equal counts: a manifest run costs ~50 .hwh runs.
            target = min(targets, key=lambda t: (spent[t], rng.random()))
            origin = rng.choice(corpora[target])
            data = mutate(rng, origin, corpora[target], json_aware=target == "manifest")
        started = time.monotonic()
        try:
            outcome = runners[target](data, origin)
            spent[target] += time.monotonic() - started
            # The committed manifests must all generate (the .hwh corpus has bad seeds too).
            if target == "manifest" and data is origin and outcome != "ok":
                raise Finding("a design manifest of the tree does not generate")
            counts[target][outcome] += 1
        except Exception as error:  # noqa: BLE001  anything else is what we look for
            artifacts = args.artifacts or tempfile.mkdtemp(prefix="fuzz-python-")
            os.makedirs(artifacts, exist_ok=True)
            path = os.path.join(artifacts, "%s-crash-seed%d" % (target, seed))
            with open(path, "wb") as f:
                f.write(data)
            if target == "manifest":  # sources are found beside the original manifest
                with open(path + ".origin", "w") as f:
                    original = manifest_target.origins[manifest_target.dirs[origin]]
                    f.write(os.path.join(original, "manifest.json") + "\n")
            traceback.print_exc()
            print("fuzz_python_inputs: %s raised %s: %s\n  input saved to %s\n  replay: %s "
                  "--target %s --replay %s" % (target, type(error).__name__, error, path,
                                              sys.argv[0], target, path), file=sys.stderr)
            return 1
    print("fuzz_python_inputs: seed %d, %.0f s: %s" % (
        seed, args.seconds, ", ".join("%s %d ok / %d refused" % (t, c["ok"], c["error"])
                                      for t, c in counts.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
