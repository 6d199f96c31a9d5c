#!/usr/bin/python3
"""deploy/kubernetes/validate.py passes the committed manifests, and refuses broken copies.

Each broken copy changes one thing (a port, a probe, a flag, a field, a type, the Job's
completions, ...) and must be refused with a message naming the file, the object and the
field. The real server is run: its --help for the flags, its health service for the probe.

Exit 0 when all hold; 1 otherwise; 77 (skipped) without python3-kubernetes, unless CI=true,
where a missing package fails.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
MANIFESTS = os.path.normpath(os.path.join(HERE, "..", "kubernetes"))
SKIPPED = 77
STS = "boards/statefulset.yaml"
SVC = "boards/service.yaml"
JOB = "hil-tests/job.yaml"
SECURE = "secure/kustomization.yaml"
SERVER = "spec.template.spec.containers[0]"


def server_container(doc):
    return doc["spec"]["template"]["spec"]["containers"][0]


def job_env(doc, name, value):
    for entry in server_container(doc)["env"]:
        if entry["name"] == name:
            entry["value"] = value


def set_secure_patch_path(doc, path):
    ops = yaml.safe_load(doc["patches"][0]["patch"])
    ops[0]["path"] = path
    doc["patches"][0]["patch"] = yaml.safe_dump(ops)


# (what, file changed, change, overlay to check or None for boards + hil-tests, the words the
# message must hold: the file, the object, the field, and what is wrong).
CASES = [
    ("container port not the server's", STS,
     lambda d: server_container(d)["ports"][0].update(containerPort=7968), None,
     [STS, "StatefulSet/board", SERVER + ".ports[0].containerPort", "7968",
      "--listen 0.0.0.0:7967"]),
    ("readiness probe on another port", STS,
     lambda d: server_container(d)["readinessProbe"]["grpc"].update(port=8080), None,
     [STS, "StatefulSet/board", SERVER + ".readinessProbe.grpc.port", "8080"]),
    ("liveness probe on another port", STS,
     lambda d: server_container(d)["livenessProbe"]["grpc"].update(port=7968), None,
     [STS, "StatefulSet/board", SERVER + ".livenessProbe.grpc.port", "7968"]),
    ("probe asks a service the server does not report", STS,
     lambda d: server_container(d)["readinessProbe"]["grpc"].update(
         service="pynq_remote.v1.Board"), None,
     [STS, "StatefulSet/board", SERVER + ".readinessProbe.grpc.service", "NOT_FOUND"]),
    ("no readiness probe", STS,
     lambda d: server_container(d).pop("readinessProbe"), None,
     [STS, "StatefulSet/board", SERVER + ".readinessProbe", "missing"]),
    ("a flag the server lacks", STS,
     lambda d: server_container(d)["args"].append("--no-such-flag"), None,
     [STS, "StatefulSet/board", SERVER + ".args", "--no-such-flag", "not a flag"]),
    ("listening on loopback only", STS,
     lambda d: server_container(d)["args"].__setitem__(3, "127.0.0.1:7967"), None,
     [STS, "StatefulSet/board", SERVER + ".args", "loopback"]),
    ("designs not on a volume", STS,
     lambda d: server_container(d)["args"].__setitem__(5, "/srv/designs"), None,
     [STS, "StatefulSet/board", SERVER + ".args", "--designs /srv/designs",
      "no volumeMount"]),
    ("unknown field", STS,
     lambda d: d["spec"].update(replica=2), None,
     [STS, "StatefulSet/board", "spec.replica", "unknown field"]),
    ("unknown field in a probe", STS,
     lambda d: server_container(d)["readinessProbe"]["grpc"].update(tls=True), None,
     [STS, "StatefulSet/board", SERVER + ".readinessProbe.grpc.tls", "unknown field"]),
    ("wrong type", STS,
     lambda d: d["spec"].update(replicas="2"), None,
     [STS, "StatefulSet/board", "spec.replicas", "want an integer", "str '2'"]),
    ("wrong type in a list", STS,
     lambda d: server_container(d)["args"].append(7967), None,
     [STS, "StatefulSet/board", SERVER + ".args[6]", "want a string"]),
    ("required field missing", STS,
     lambda d: server_container(d).pop("name"), None,
     [STS, "StatefulSet/board", SERVER + ".name", "required field missing"]),
    ("unknown kind", STS,
     lambda d: d.update(apiVersion="apps/v1beta3"), None,
     [STS, "StatefulSet/board", "apiVersion/kind", "apps/v1beta3"]),
    ("Service not headless", SVC,
     lambda d: d["spec"].update(clusterIP="10.0.0.10"), None,
     [SVC, "Service/boards", "spec.clusterIP", "headless"]),
    ("Service selects other pods", SVC,
     lambda d: d["spec"]["selector"].update({"app.kubernetes.io/name": "other"}), None,
     [SVC, "Service/boards", "spec.selector.app.kubernetes.io/name", "'other'"]),
    ("Service to another port", SVC,
     lambda d: d["spec"]["ports"][0].update(targetPort=8080), None,
     [SVC, "Service/boards", "spec.ports[0].targetPort", "8080"]),
    ("completions != replicas", JOB,
     lambda d: d["spec"].update(completions=3), None,
     [JOB, "Job/hil-tests", "spec.completions", "3", "2 replicas"]),
    ("parallelism != replicas", JOB,
     lambda d: d["spec"].update(parallelism=1), None,
     [JOB, "Job/hil-tests", "spec.parallelism", "2 replicas"]),
    ("replicas changed without the Job", STS,
     lambda d: d["spec"].update(replicas=3), None,
     [JOB, "Job/hil-tests", "spec.completions", "3 replicas"]),
    ("Job not Indexed", JOB,
     lambda d: d["spec"].update(completionMode="NonIndexed"), None,
     [JOB, "Job/hil-tests", "spec.completionMode", "Indexed"]),
    ("Job names another port", JOB,
     lambda d: job_env(d, "BOARD_PORT", "7968"), None,
     [JOB, "Job/hil-tests", SERVER + ".env.BOARD_PORT", "7968"]),
    ("Job names another Service", JOB,
     lambda d: job_env(d, "BOARD_SERVICE", "board"), None,
     [JOB, "Job/hil-tests", SERVER + ".env.BOARD_SERVICE", "'boards'"]),
    ("overlay patch to nowhere", SECURE,
     lambda d: set_secure_patch_path(d, "/spec/template/spec/containerz/0/args/-"), "secure",
     [SECURE, "patches[0].patch", "containerz"]),
    ("overlay's added flag the server lacks", SECURE,
     lambda d: d["patches"][0].update(patch=d["patches"][0]["patch"].replace(
         "value: --token-file", "value: --tokens-file")), "secure",
     [STS, SECURE, "StatefulSet/board", SERVER + ".args", "--tokens-file"]),
]


def check_all(validate, server, probe):
    failures = []
    for paths in (["boards", "hil-tests"], ["secure"]):
        full = [os.path.join(MANIFESTS, p) for p in paths]
        _, problems = validate.validate(full, server, probe)
        if problems:
            failures.append("the committed manifests (%s) are refused:\n  %s" % (
                " ".join(paths), "\n  ".join(problems)))
        else:
            print("ok: %s" % " ".join(paths))
    for what, rel, change, overlay, words in CASES:
        with tempfile.TemporaryDirectory(prefix="pynq-remote-k8s-test-") as tmp:
            copy = os.path.join(tmp, "kubernetes")
            shutil.copytree(MANIFESTS, copy, ignore=shutil.ignore_patterns("__pycache__"))
            path = os.path.join(copy, rel)
            with open(path) as f:
                doc = yaml.safe_load(f)
            change(doc)
            with open(path, "w") as f:
                yaml.safe_dump(doc, f, sort_keys=False)
            paths = [os.path.join(copy, p) for p in
                     ([overlay] if overlay else ["boards", "hil-tests"])]
            _, problems = validate.validate(paths, server, probe)
        hits = [p for p in problems if all(w in p for w in words)]
        if hits:
            print("refused as it should be (%s): %s" % (what, hits[0].replace(tmp, "")))
        else:
            failures.append("%s: no message holds all of %r; the validator said:\n  %s" % (
                what, words, "\n  ".join(problems) or "nothing (accepted)"))
    return failures


def check_kustomize_agrees(validate):
    """Where a kubectl with kustomize is installed, it renders the overlay as we do."""
    kubectl = shutil.which("kubectl")
    if not kubectl:
        print("kubectl is not installed: the overlay's rendering is checked by ours only")
        return []
    run = subprocess.run([kubectl, "kustomize", os.path.join(MANIFESTS, "secure")],
                         capture_output=True, text=True, timeout=60)
    if run.returncode != 0:
        print("kubectl kustomize is not usable here (%s): ours only" % run.stderr.strip()[:200])
        return []
    theirs = list(yaml.safe_load_all(run.stdout))
    problems = []
    ours = [d.obj for d in validate.load([os.path.join(MANIFESTS, "secure")], problems)]

    def key(obj):
        return obj["kind"], obj["metadata"]["name"]

    if problems or sorted(ours, key=key) != sorted(theirs, key=key):
        return ["validate.py renders secure/ unlike `kubectl kustomize`: %s" % (
            problems or "the objects differ")]
    print("ok: secure/ renders as `kubectl kustomize` renders it")
    return []


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", required=True, help="the pynq-remote-server binary")
    parser.add_argument("--health-probe", required=True,
                        help="pynq-remote-health, to ask the server's health service")
    args = parser.parse_args()
    try:
        import kubernetes.client  # noqa: F401
    except ImportError:
        reason = ("python3-kubernetes is not installed (apt-get install python3-kubernetes; "
                  "it is in ci/debian-packages.txt): the manifests' schema cannot be checked")
        if os.environ.get("CI", "").strip().lower() == "true":
            print("FAIL: CI=true: " + reason)
            return 1
        print("SKIP: " + reason)
        return SKIPPED
    sys.path.insert(0, MANIFESTS)
    import validate
    failures = check_all(validate, args.server, args.health_probe)
    failures += check_kustomize_agrees(validate)
    for failure in failures:
        print("FAIL: " + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
