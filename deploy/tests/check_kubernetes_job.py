#!/usr/bin/python3
"""The hil-tests Job's own script, run as the cluster would run it, against real servers.

deploy/kubernetes/hil-tests/job.yaml's tester builds its board's address from the pod's index
(JOB_COMPLETION_INDEX) and the StatefulSet's names. Without a cluster, this runs that script
unchanged, one tester per board at once as `parallelism` says, in a mount namespace where:
  - /etc/hosts names board-<i>.boards.<ns>.svc, each on a loopback address of its own
    (127.0.0.<2+i>), where a real pynq-remote-server listens, as a pod's IP would be;
  - /opt/pynq-remote is this source tree, where the tester image (tester.Dockerfile) has it.
The Job's env is used as written but for BOARD_PORT (a free port, not 7967), the server and
designs (this build's, not the image's paths) and HIL_TESTS (one test file, not the suite).

Checks: each tester passes; board i's log shows tester i's process (and no other) opening a
session and programming it; a tester whose board never answers fails, naming the board.

Exit 0 when all hold; 1 otherwise; 77 (skipped) where no mount namespace can be made (not
root), unless CI=true, where that fails.
"""

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
MANIFESTS = os.path.join(REPO, "deploy", "kubernetes")
SKIPPED = 77
NAMESPACE = "k8s-test"
HIL_TESTS = "hil-tests/python/test_overlay.py"
# The part of the Job's environment this test replaces, and why (the module docstring).
REPLACED = ("BOARD_PORT", "PYNQ_REMOTE_SERVER", "PYNQ_REMOTE_DESIGNS", "HIL_TESTS")


def the_job():
    sys.path.insert(0, MANIFESTS)
    import validate
    problems = []
    docs = validate.load([os.path.join(MANIFESTS, "hil-tests")], problems)
    docs += validate.load([os.path.join(MANIFESTS, "boards")], problems)
    if problems:
        raise RuntimeError("\n".join(problems))
    job = next(d.obj for d in docs if d.kind == "Job")
    sts = next(d.obj for d in docs if d.kind == "StatefulSet")
    return job, sts


def common_free_port(hosts):
    """A port free on every one of ``hosts``."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind((hosts[0], 0))
            port = s.getsockname()[1]
        try:
            for host in hosts[1:]:
                with socket.socket() as s:
                    s.bind((host, port))
            return port
        except OSError:
            continue
    raise RuntimeError("no port free on all of %s" % ", ".join(hosts))


def start_server(server, address, root, log_path):
    log = open(log_path, "w")
    proc = subprocess.Popen([server, "--backend", "sim", "--listen", address, "--root", root],
                            stdout=log, stderr=subprocess.STDOUT)
    log.close()
    return proc


def tester(script, env, hosts_file, index):
    """Start the Job's script as the pod with ``index`` would run it."""
    env = dict(env, JOB_COMPLETION_INDEX=str(index))
    # unshare without --fork execs, and so do both shells and the script's last line: the
    # pytest process keeps this Popen's pid, which the board's log then names.
    wrapper = ("mount --bind \"$1\" /etc/hosts && mount -t tmpfs none /opt && "
               "mkdir /opt/pynq-remote && mount --bind \"$2\" /opt/pynq-remote && "
               "exec bash -euc \"$0\"")
    return subprocess.Popen(["unshare", "-m", "--propagation", "private", "bash", "-c", wrapper,
                             script, hosts_file, REPO], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", required=True, help="the pynq-remote-server binary")
    parser.add_argument("--designs", required=True, help="the build's designs/ directory")
    args = parser.parse_args()
    probe = subprocess.run(["unshare", "-m", "--propagation", "private", "mount", "-t", "tmpfs",
                            "none", "/opt"], capture_output=True, text=True)
    if probe.returncode != 0:
        reason = ("cannot make a mount namespace here (%s): the Job's script needs its own "
                  "/etc/hosts and /opt" % (probe.stderr.strip() or "unshare failed"))
        if os.environ.get("CI", "").strip().lower() == "true":
            print("FAIL: CI=true: " + reason)
            return 1
        print("SKIP: " + reason)
        return SKIPPED

    job, sts = the_job()
    container = job["spec"]["template"]["spec"]["containers"][0]
    if container["command"][:2] != ["tini", "--"] or len(container["args"]) != 1:
        print("FAIL: the Job's command is not tini -- bash -euc SCRIPT: %r" % container["command"])
        return 1
    shell, script = container["command"][2:], container["args"][0]
    if shell != ["bash", "-euc"]:
        print("FAIL: the Job's script runs under %r, not bash -euc" % shell)
        return 1
    boards = job["spec"]["completions"]
    assert boards == sts["spec"]["replicas"], "validate.py checks this"
    hosts = ["127.0.0.%d" % (2 + i) for i in range(boards + 1)]
    port = common_free_port(hosts)
    names = ["%s-%d.%s.%s.svc" % (sts["metadata"]["name"], i, sts["spec"]["serviceName"],
                                  NAMESPACE) for i in range(boards + 1)]

    env = dict(os.environ)
    for entry in container["env"]:
        if "value" in entry:
            env[entry["name"]] = entry["value"]
    env.update(POD_NAMESPACE=NAMESPACE, BOARD_PORT=str(port), HIL_TESTS=HIL_TESTS,
               PYNQ_REMOTE_SERVER=args.server, PYNQ_REMOTE_DESIGNS=args.designs,
               PYTHONPATH="/opt/pynq-remote/client/python", PYTHONDONTWRITEBYTECODE="1",
               # The image's PATH: its python3 is Debian's, whatever this host puts first.
               PATH="/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
    env.pop("PYNQ_REMOTE_DEVICES", None)
    failures = []
    with tempfile.TemporaryDirectory(prefix="pynq-remote-k8s-job-") as tmp:
        hosts_file = os.path.join(tmp, "hosts")
        with open("/etc/hosts") as f:
            text = f.read()
        with open(hosts_file, "w") as f:
            f.write(text + "".join("%s %s\n" % (h, n) for h, n in zip(hosts, names)))
        servers = []
        try:
            # No server on the last address: the board that never becomes ready.
            for i in range(boards):
                root = os.path.join(tmp, "root%d" % i)
                os.mkdir(root)
                servers.append(start_server(args.server, "%s:%d" % (hosts[i], port), root,
                                            os.path.join(tmp, "board%d.log" % i)))
            testers = [tester(script, env, hosts_file, i) for i in range(boards)]
            outputs = [t.communicate(timeout=600)[0] for t in testers]
            missing = tester(script, dict(env, BOARD_READY_TIMEOUT_S="3"), hosts_file, boards)
            missing_output = missing.communicate(timeout=120)[0]
        finally:
            for proc in servers:
                proc.terminate()
                proc.wait(timeout=30)
        logs = []
        for i in range(boards):
            with open(os.path.join(tmp, "board%d.log" % i)) as f:
                logs.append(f.read())

    pids = [t.pid for t in testers]
    for i, (t, out) in enumerate(zip(testers, outputs)):
        board = "%s:%d" % (names[i], port)
        problems = []
        if t.returncode != 0:
            problems.append("exit %d" % t.returncode)
        if "tester %d: board %s" % (i, board) not in out:
            problems.append("it does not say it tests %s" % board)
        if not re.search(r"\d+ passed", out):
            problems.append("no pytest result")
        opened = set(int(p) for p in re.findall(r"opened by pynq_remote pid (\d+)", logs[i]))
        if pids[i] not in opened:
            problems.append("board %d's log shows no session of tester %d (pid %d; sessions "
                            "of %s)" % (i, i, pids[i], sorted(opened) or "none"))
        others = opened & (set(pids) - {pids[i]})
        if others:
            problems.append("board %d was also used by testers %s" % (i, sorted(
                pids.index(p) for p in others)))
        if "programming bitstream" not in logs[i]:
            problems.append("board %d was never programmed" % i)
        if problems:
            failures.append("tester %d (board %s): %s\n%s" % (i, board, "; ".join(problems),
                                                              out[-3000:]))
        else:
            last = out.strip().splitlines()[-1]
            print("ok: tester %d tested %s alone: %s" % (i, board, last))
    want = "board %s:%d did not become ready within 3 s" % (names[boards], port)
    # A crash (a Traceback) would also fail the tester, for the wrong reason.
    if missing.returncode == 0 or want not in missing_output or "Traceback" in missing_output:
        failures.append("tester %d, whose board never answers: exit %d, and no %r in:\n%s" % (
            boards, missing.returncode, want, missing_output[-3000:]))
    else:
        print("ok: tester %d failed naming its board: %s" % (boards, want))
    for failure in failures:
        print("FAIL: " + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
