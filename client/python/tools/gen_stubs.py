#!/usr/bin/python3
"""Generates pynq_remote/_proto from proto/ (protoc + grpc_python_plugin), or checks that
the committed stubs match it (--check), so `pip install` needs no protoc.

The generated *_pb2_grpc.py files import their messages as top-level modules; inside a
package that breaks, so those imports are made relative.
"""

import argparse
import filecmp
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PROTO_DIR = os.path.normpath(os.path.join(HERE, "..", "..", "..", "proto"))
PACKAGE_DIR = os.path.normpath(os.path.join(HERE, "..", "pynq_remote", "_proto"))
# gRPC's own protocols (server reflection) that the server serves: clients use grpcio's.
SERVER_ONLY = ("grpc" + os.sep,)


def generate(out_dir, protoc, plugin):
    protos = []
    for dirpath, _, files in os.walk(PROTO_DIR):
        protos += [os.path.relpath(os.path.join(dirpath, f), PROTO_DIR)
                   for f in files if f.endswith(".proto")]
    protos = [p for p in protos if not p.startswith(SERVER_ONLY)]
    subprocess.run([protoc, f"-I{PROTO_DIR}", f"--python_out={out_dir}",
                    f"--grpc_python_out={out_dir}",
                    f"--plugin=protoc-gen-grpc_python={plugin}"] + sorted(protos), check=True)
    for dirpath, _, files in os.walk(out_dir):
        for f in files:
            if f.endswith(".py"):
                _relativize(os.path.join(dirpath, f), os.path.relpath(dirpath, out_dir))
        open(os.path.join(dirpath, "__init__.py"), "a").close()


def _relativize(path, subdir):
    depth = 0 if subdir == "." else subdir.count(os.sep) + 1
    dots = "." * (depth + 1)
    text = open(path).read()
    # "import mmio_pb2 as mmio__pb2" / "from pynq_remote.v1 import board_pb2 as ..."
    text = re.sub(r"^import (\w+_pb2) as (\w+)$", rf"from {dots} import \1 as \2", text,
                  flags=re.M)
    text = re.sub(r"^from (\w[\w.]*) import (\w+_pb2) as (\w+)$",
                  lambda m: f"from {dots}{m.group(1)} import {m.group(2)} as {m.group(3)}",
                  text, flags=re.M)
    open(path, "w").write(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    parser.add_argument("--protoc", default=shutil.which("protoc") or "/usr/bin/protoc")
    parser.add_argument("--plugin", default="/usr/bin/grpc_python_plugin")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        generate(tmp, args.protoc, args.plugin)
        if args.check:
            cmp = filecmp.dircmp(tmp, PACKAGE_DIR)
            problems = _differences(cmp, "")
            if problems:
                print("pynq_remote/_proto does not match proto/: " + ", ".join(problems) +
                      "\nrun client/python/tools/gen_stubs.py and commit the result")
                return 1
            print("pynq_remote/_proto matches proto/")
            return 0
        if os.path.isdir(PACKAGE_DIR):
            shutil.rmtree(PACKAGE_DIR)
        shutil.copytree(tmp, PACKAGE_DIR)
    print(f"wrote {PACKAGE_DIR}")
    return 0


def _differences(cmp, prefix):
    out = [prefix + n for n in cmp.left_only + cmp.right_only + cmp.diff_files
           if n != "__pycache__"]
    for name, sub in cmp.subdirs.items():
        if name != "__pycache__":
            out += _differences(sub, prefix + name + "/")
    return out


if __name__ == "__main__":
    sys.exit(main())
