#!/usr/bin/python3
"""deploy/compose without a Docker daemon: the committed docker-compose.yml is what
compose_file.py writes; docker-compose itself accepts the file (`config`, which needs no
daemon) when it is installed; every board's flags exist in pynq-remote-server --help and its
port and health check name the port the image's entry point serves on; bad arguments to
compose_file.py and run.sh are refused with a message naming them.

The whole flow (images, boards, tester, teardown) needs Docker: deploy/compose/run.sh, run by
hand (deploy/compose/README.md).

Usage: check_compose.py --server pynq-remote-server
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
COMPOSE = os.path.join(ROOT, "deploy", "compose")
GENERATOR = os.path.join(COMPOSE, "compose_file.py")


def run(*argv, **kwargs):
    return subprocess.run(list(argv), capture_output=True, text=True, timeout=120, **kwargs)


def entrypoint_port():
    with open(os.path.join(ROOT, "deploy", "docker-entrypoint.sh")) as f:
        found = re.search(r"--listen 0\.0\.0\.0:(\d+)", f.read())
    return int(found.group(1))


def check_file(path, server_flags, port, failures):
    """What the boards of one Compose file must satisfy to work with the image's server."""
    with open(path) as f:
        services = yaml.safe_load(f)["services"]
    boards = {name: s for name, s in services.items() if name.startswith("board-")}
    if not boards:
        failures.append(f"{path}: no board-N services")
    host_ports = []
    for name, board in boards.items():
        flags = [a for a in board["command"] if a.startswith("--")]
        unknown = [f for f in flags if f not in server_flags]
        if unknown:
            failures.append(f"{path}: {name}: flags {unknown} are not pynq-remote-server's")
        host, container = (int(p) for p in board["ports"][0].split(":"))
        host_ports.append(host)
        if container != port:
            failures.append(f"{path}: {name}: maps container port {container}, but the server "
                            f"listens on {port} (deploy/docker-entrypoint.sh)")
        test = board["healthcheck"]["test"]
        if test[:2] != ["CMD", "pynq-remote-health"] or test[-1] != f"127.0.0.1:{port}":
            failures.append(f"{path}: {name}: health check {test} does not ask the gRPC health "
                            f"service on port {port}")
    if len(set(host_ports)) != len(host_ports):
        failures.append(f"{path}: two boards on one host port: {host_ports}")
    tester = services.get("tester", {})
    if set(tester.get("depends_on", {})) != set(boards):
        failures.append(f"{path}: the tester does not wait for every board")
    named = tester.get("command", [])
    boards_arg = named[named.index("--boards") + 1] if "--boards" in named else ""
    if sorted(boards_arg.split(",")) != sorted(f"{b}:{port}" for b in boards):
        failures.append(f"{path}: the tester's --boards {boards_arg!r} is not every board")


def refused(failures, what, argv, code, text):
    done = run(*argv)
    if done.returncode != code or text not in done.stderr:
        failures.append(f"{what}: exit {done.returncode} (want {code}), stderr "
                        f"{done.stderr.strip()!r} lacks {text!r}")
    else:
        print(f"ok: {what} refused")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    args = parser.parse_args()
    failures = []
    server_flags = set(re.findall(r"^\s+(--[a-z-]+)", run(args.server, "--help").stdout, re.M))
    port = entrypoint_port()

    committed = os.path.join(COMPOSE, "docker-compose.yml")
    with tempfile.TemporaryDirectory(prefix="compose-check-") as tmp:
        fresh = os.path.join(tmp, "docker-compose.yml")
        done = run(sys.executable, GENERATOR, "--out", fresh)
        if done.returncode != 0:
            failures.append(f"compose_file.py failed: {done.stderr}")
        elif open(fresh).read() != open(committed).read():
            failures.append(f"{committed} is out of date: run deploy/compose/compose_file.py "
                            f"--out {committed}")
        else:
            print("ok: the committed docker-compose.yml is compose_file.py's")
        check_file(committed, server_flags, port, failures)
        many = os.path.join(tmp, "many.yml")
        run(sys.executable, GENERATOR, "--boards", "7", "--profiles", "ZCU104,Pynq-Z2,KV260",
            "--packages", "--out", many)
        check_file(many, server_flags, port, failures)

        # A wrong port and an unknown flag must be caught by the same checks.
        with open(committed) as f:
            broken = yaml.safe_load(f)
        broken["services"]["board-0"]["ports"] = ["17967:7968"]
        broken["services"]["board-1"]["command"].append("--colour")
        bad = os.path.join(tmp, "bad.yml")
        with open(bad, "w") as f:
            yaml.safe_dump(broken, f)
        caught = []
        check_file(bad, server_flags, port, caught)
        if not any("7968" in c for c in caught) or not any("--colour" in c for c in caught):
            failures.append(f"the check missed a wrong port or an unknown flag: {caught}")
        else:
            print("ok: a wrong port and an unknown flag are caught")

        if shutil.which("docker-compose"):
            for path in (committed, many):
                done = run("docker-compose", "-f", path, "config", "-q", cwd=tmp)
                if done.returncode != 0:
                    failures.append(f"docker-compose config {path}: {done.stderr.strip()}")
            print("ok: docker-compose accepts the files")
        else:
            print("note: docker-compose is not installed; its own parse of the files skipped")

    refused(failures, "an unknown profile", [sys.executable, GENERATOR, "--profiles", "ZCU999"],
            2, "ZCU999")
    refused(failures, "zero boards", [sys.executable, GENERATOR, "--boards", "0"], 2, "--boards")
    refused(failures, "ports past 65535",
            [sys.executable, GENERATOR, "--boards", "5", "--base-port", "65533"], 2, "--base-port")
    run_sh = os.path.join(COMPOSE, "run.sh")
    refused(failures, "run.sh --boards x", ["bash", run_sh, "--boards", "x"], 2, "--boards x")
    refused(failures, "run.sh with a missing packages folder",
            ["bash", run_sh, "--packages", "/nonexistent/packages"], 2, "/nonexistent/packages")
    refused(failures, "run.sh with an unknown argument", ["bash", run_sh, "--colour"], 2,
            "--colour")

    for failure in failures:
        print("FAILED:", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
