#!/usr/bin/python3
"""The hil-tests Job's own script, run as the cluster would run it, against real servers.

deploy/kubernetes/hil-tests/job.yaml's tester builds its board's address from the pod's index
(JOB_COMPLETION_INDEX) and the StatefulSet's names. Without a cluster, this runs that script
unchanged, one tester per board at once as `parallelism` says, against boards started with the
StatefulSet's own flags, in a mount namespace where:
  - /etc/hosts names board-<i>.boards.<ns>.svc, each on a loopback address of its own
    (127.0.0.<2+i>), where the board listens, as on a pod's IP;
  - /opt/pynq-remote is this source tree, where the tester image (tester.Dockerfile) has it.
Volumes become local directories (Secrets made as deploy/kubernetes/README.md says, an absent
optional ConfigMap an empty directory), and the env is the Job's but for BOARD_PORT (a free
port, not 7967), the server and designs (this build's, not the image's paths) and HIL_TESTS
(one test file, not the suite). Both the plain manifests and the secure/ overlay (TLS and a
bearer token) are run.

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


def render(overlay_dirs):
    """The Job and the StatefulSet as kustomize renders ``overlay_dirs``."""
    sys.path.insert(0, MANIFESTS)
    import validate
    problems = []
    docs = validate.load([os.path.join(MANIFESTS, d) for d in overlay_dirs], problems)
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


def make_secrets(directory, names):
    """The two Secrets secure/ wants, made as README.md says: a CA, a certificate for
    ``names`` it signed, and a token."""
    def openssl(*args):
        subprocess.run(["openssl"] + list(args), cwd=directory, check=True,
                       capture_output=True)
    key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl("req", "-x509", *key, "-days", "2", "-subj", "/CN=test-ca", "-keyout", "ca.key",
            "-out", "ca.crt")
    openssl("req", *key, "-subj", "/CN=boards", "-keyout", "tls.key", "-out", "tls.csr")
    with open(os.path.join(directory, "ext.cnf"), "w") as f:
        f.write("subjectAltName=%s\n" % ",".join("DNS:" + n for n in names))
    openssl("x509", "-req", "-in", "tls.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", "2", "-extfile", "ext.cnf", "-out", "tls.crt")
    files = {}
    for name in ("tls.crt", "tls.key", "ca.crt"):
        with open(os.path.join(directory, name)) as f:
            files[name] = f.read()
    return {"pynq-remote-tls": files, "pynq-remote-token": {"token": os.urandom(16).hex()}}


def mounts(pod, container, directory, secrets):
    """{mountPath: a local directory holding what the volume would}."""
    volumes = {v["name"]: v for v in pod.get("volumes") or []}
    result = {}
    for mount in container.get("volumeMounts") or []:
        volume = volumes[mount["name"]]
        local = tempfile.mkdtemp(prefix=mount["name"] + "-", dir=directory)
        if "secret" in volume:
            data = secrets[volume["secret"]["secretName"]]
            items = volume["secret"].get("items") or [{"key": k, "path": k} for k in data]
            for item in items:
                with open(os.path.join(local, item["path"]), "w") as f:
                    f.write(data[item["key"]])
        elif not (volume.get("configMap") or {}).get("optional"):
            raise RuntimeError("volume %s: only Secrets and optional ConfigMaps are made here"
                               % mount["name"])
        result[mount["mountPath"]] = local
    return result


def remap(value, where):
    """``value`` with a mount path swapped for its local directory."""
    for mount_path, local in where.items():
        if value == mount_path or value.startswith(mount_path.rstrip("/") + "/"):
            return local + value[len(mount_path.rstrip("/")):]
    return value


def board_args(sts, address, directory, secrets):
    """The server's flags as the StatefulSet gives them, on ``address`` and local files."""
    pod = sts["spec"]["template"]["spec"]
    container = pod["containers"][0]
    command = container["command"] + container["args"]
    words = command[command.index("pynq-remote-server") + 1:]
    where = mounts(pod, container, directory, secrets)
    return [address if i > 0 and words[i - 1] == "--listen" else remap(word, where)
            for i, word in enumerate(words)]


def tester_env(job, directory, secrets, overrides):
    """The tester's environment as the Job gives it, on local files, with ``overrides``."""
    pod = job["spec"]["template"]["spec"]
    container = pod["containers"][0]
    where = mounts(pod, container, directory, secrets)
    env = dict(os.environ)
    for name in list(env):
        if name.startswith("PYNQ_REMOTE_"):
            del env[name]  # only what the Job says
    for entry in container["env"]:
        source = entry.get("valueFrom") or {}
        if "value" in entry:
            env[entry["name"]] = remap(entry["value"], where)
        elif "secretKeyRef" in source:
            ref = source["secretKeyRef"]
            env[entry["name"]] = secrets[ref["name"]][ref["key"]]
        elif source.get("fieldRef", {}).get("fieldPath") == "metadata.namespace":
            env[entry["name"]] = NAMESPACE
        else:
            raise RuntimeError("env %s: a source this test does not make" % entry["name"])
    env.update(overrides)
    return env


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


def check_testers(label, testers, outputs, logs, names, port):
    failures = []
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
            problems.append("board %d was also used by testers %s" % (
                i, sorted(pids.index(p) for p in others)))
        if "programming bitstream" not in logs[i]:
            problems.append("board %d was never programmed" % i)
        if problems:
            failures.append("%s: tester %d (board %s): %s\n%s\nboard log:\n%s" % (
                label, i, board, "; ".join(problems), out[-3000:], logs[i][-2000:]))
            continue
        security = re.search(r"(plaintext|TLS)[^\n]*", logs[i])
        print("ok: %s: tester %d tested %s alone (board: %s): %s" % (
            label, i, board, security.group(0) if security else "?",
            out.strip().splitlines()[-1].strip("= ")))
    return failures


def run_job(overlay_dirs, server, designs, tmp):
    """Run the rendered Job's script against boards started from the rendered StatefulSet's
    flags; the problems found."""
    job, sts = render(overlay_dirs)
    label = " + ".join(overlay_dirs)
    container = job["spec"]["template"]["spec"]["containers"][0]
    if container["command"] != ["tini", "--", "bash", "-euc"] or len(container["args"]) != 1:
        return ["%s: the Job's command is not tini -- bash -euc SCRIPT: %r" % (
            label, container["command"])]
    script = container["args"][0]
    boards = job["spec"]["completions"]
    if boards != sts["spec"]["replicas"]:
        return ["%s: completions %d != replicas %d" % (label, boards, sts["spec"]["replicas"])]
    hosts = ["127.0.0.%d" % (2 + i) for i in range(boards + 1)]
    port = common_free_port(hosts)
    service = sts["spec"]["serviceName"]
    names = ["%s-%d.%s.%s.svc" % (sts["metadata"]["name"], i, service, NAMESPACE)
             for i in range(boards + 1)]
    work = tempfile.mkdtemp(prefix=overlay_dirs[0] + "-", dir=tmp)
    secrets = make_secrets(work, ["*.%s.%s.svc" % (service, NAMESPACE)])
    env = tester_env(job, work, secrets, {
        # What this test replaces (the module docstring), and the image's PATH and
        # PYTHONPATH (tester.Dockerfile): its python3 is Debian's, whatever this host has.
        "BOARD_PORT": str(port), "HIL_TESTS": HIL_TESTS,
        "PYNQ_REMOTE_SERVER": server, "PYNQ_REMOTE_DESIGNS": designs,
        "PYTHONPATH": "/opt/pynq-remote/client/python", "PYTHONDONTWRITEBYTECODE": "1",
        "PATH": "/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"})
    hosts_file = os.path.join(work, "hosts")
    with open("/etc/hosts") as f:
        text = f.read()
    with open(hosts_file, "w") as f:
        f.write(text + "".join("%s %s\n" % (h, n) for h, n in zip(hosts, names)))
    servers, log_paths = [], []
    try:
        # No board on the last address: the one that never becomes ready.
        for i in range(boards):
            root = os.path.join(work, "root%d" % i)
            os.mkdir(root)
            log_paths.append(os.path.join(work, "board%d.log" % i))
            args = board_args(sts, "%s:%d" % (hosts[i], port), work, secrets)
            with open(log_paths[i], "w") as log:
                servers.append(subprocess.Popen([server] + args + ["--root", root],
                                                stdout=log, stderr=subprocess.STDOUT))
        testers = [tester(script, env, hosts_file, i) for i in range(boards)]
        outputs = [t.communicate(timeout=600)[0] for t in testers]
        missing = tester(script, dict(env, BOARD_READY_TIMEOUT_S="3"), hosts_file, boards)
        missing_output = missing.communicate(timeout=120)[0]
    finally:
        for proc in servers:
            proc.terminate()
            proc.wait(timeout=30)
    logs = []
    for path in log_paths:
        with open(path) as f:
            logs.append(f.read())
    failures = check_testers(label, testers, outputs, logs, names, port)
    want = "board %s:%d did not become ready within 3 s" % (names[boards], port)
    # A crash (a Traceback) would also fail the tester, for the wrong reason.
    if missing.returncode == 0 or want not in missing_output or "Traceback" in missing_output:
        failures.append("%s: tester %d, whose board never answers: exit %d, and no %r in:\n%s"
                        % (label, boards, missing.returncode, want, missing_output[-3000:]))
    else:
        print("ok: %s: tester %d failed naming its board: %s" % (label, boards, want))
    return failures


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
    failures = []
    with tempfile.TemporaryDirectory(prefix="pynq-remote-k8s-job-") as tmp:
        failures += run_job(["boards", "hil-tests"], args.server, args.designs, tmp)
        failures += run_job(["secure"], args.server, args.designs, tmp)
    for failure in failures:
        print("FAIL: " + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
