#!/usr/bin/python3
"""Check Kubernetes manifests offline: against the API schema, and against the server they run.

  /usr/bin/python3 deploy/kubernetes/validate.py --server build/server/pynq-remote-server \
      deploy/kubernetes/boards deploy/kubernetes/hil-tests

Each PATH is a manifest file or a kustomization directory; all of them together are one set,
checked as one (the Job against the StatefulSet it tests, the StatefulSet against its Service).

The schema: Debian's python3-kubernetes carries every API object as a model class with its
fields' types (openapi_types) and JSON names (attribute_map), and its constructors refuse a
required field left None (client_side_validation). Every document is walked against the model
of its apiVersion and kind: an unknown field, a value of the wrong type or a missing required
field is an error. Bookworm's python3-kubernetes 22.6 is the Kubernetes 1.22 API; the one
newer field these manifests use, a probe's `grpc` (alpha in 1.23, GA in 1.27), is added from
the API reference (SUPPLEMENT below) and checked the same way.

The fit: the server container's flags all exist in `pynq-remote-server --help`, its
containerPort and every probe's port are the port it --listen's on (on all addresses), the
files its flags name are on mounted volumes, a gRPC probe's `service` is one the real server
answers SERVING (the server is started and asked by pynq-remote-health),
the StatefulSet's headless Service exists and selects its pods, and an Indexed Job testing the
boards (env BOARD_STATEFULSET) has completions = parallelism = the StatefulSet's replicas and
names its Service and port.

Kustomization directories: only `resources` (files and directories) and `patches` with a
target kind/name and a JSON 6902 patch, rendered here as kustomize does; anything else is
refused, not guessed at.

Exit 0 when all hold; 1 with one line per problem, each naming the file, the object
(Kind/name) and the field.
"""

import argparse
import copy
import datetime
import os
import re
import subprocess
import sys
import tempfile

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))

# apiVersion, kind -> model class in kubernetes.client. Kinds outside this list are refused:
# a typo in a kind or group must not pass unchecked.
KINDS = {
    ("v1", "ConfigMap"): "V1ConfigMap",
    ("v1", "Namespace"): "V1Namespace",
    ("v1", "PersistentVolumeClaim"): "V1PersistentVolumeClaim",
    ("v1", "Pod"): "V1Pod",
    ("v1", "Secret"): "V1Secret",
    ("v1", "Service"): "V1Service",
    ("v1", "ServiceAccount"): "V1ServiceAccount",
    ("apps/v1", "DaemonSet"): "V1DaemonSet",
    ("apps/v1", "Deployment"): "V1Deployment",
    ("apps/v1", "StatefulSet"): "V1StatefulSet",
    ("batch/v1", "CronJob"): "V1CronJob",
    ("batch/v1", "Job"): "V1Job",
    ("networking.k8s.io/v1", "NetworkPolicy"): "V1NetworkPolicy",
    ("policy/v1", "PodDisruptionBudget"): "V1PodDisruptionBudget",
}

# Fields newer than the library's Kubernetes 1.22 API, from the API reference:
# model -> {JSON name: type}; and the models they need: name -> (types, required).
SUPPLEMENT = {"V1Probe": {"grpc": "V1GRPCAction"}}
SUPPLEMENT_MODELS = {
    # Probe.grpc (Kubernetes 1.23 alpha, 1.24 beta, 1.27 GA): a port number (no named
    # ports), and the service name sent in the HealthCheckRequest ("" when absent).
    "V1GRPCAction": ({"port": "int", "service": "str"}, {"port"}),
}

# Resource quantities are strings in the models, but the API takes plain numbers too.
QUANTITY_MAPS = {("V1ResourceRequirements", "limits"), ("V1ResourceRequirements", "requests")}

SERVER_NAME = "pynq-remote-server"
# The image's entry point (deploy/docker-entrypoint.sh) runs the server with these flags
# before a container's args when the container gives no command.
ENTRYPOINT_FLAGS = ["--backend", "sim", "--listen", "0.0.0.0:7967"]
# Flags whose value is a file or directory the server reads: it must be on a mounted volume,
# or in the image's own designs.
PATH_FLAGS = ("--designs", "--tls-cert", "--tls-key", "--tls-client-ca", "--token-file",
              "--root", "--state-dir")
IMAGE_PATHS = ("/usr/share/pynq-remote/",)
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")
PROBES = ("readinessProbe", "livenessProbe", "startupProbe")


class Doc:
    """One API object, where it came from, and what patched it."""

    def __init__(self, source, obj):
        self.source = source
        self.obj = obj
        self.patched_by = []

    @property
    def kind(self):
        return self.obj.get("kind") if isinstance(self.obj, dict) else None

    @property
    def name(self):
        meta = self.obj.get("metadata") if isinstance(self.obj, dict) else None
        return meta.get("name") if isinstance(meta, dict) else None

    def where(self, field=None):
        source = self.source
        if self.patched_by:
            source += " (patched by %s)" % ", ".join(self.patched_by)
        text = "%s: %s/%s" % (source, self.kind or "?", self.name or "?")
        return "%s: %s" % (text, field) if field else text


# ---- loading and kustomize rendering ----

def load_file(path, problems):
    try:
        with open(path) as f:
            objs = [o for o in yaml.safe_load_all(f) if o is not None]
    except (OSError, yaml.YAMLError) as err:
        problems.append("%s: cannot read: %s" % (path, err))
        return []
    return [Doc(path, o) for o in objs]


def kustomization_file(directory):
    for name in ("kustomization.yaml", "kustomization.yml", "Kustomization"):
        path = os.path.join(directory, name)
        if os.path.isfile(path):
            return path
    return None


def pointer_parts(pointer):
    if not pointer.startswith("/"):
        raise ValueError("path %r does not start with /" % pointer)
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer[1:].split("/")]


def apply_json_patch(obj, ops):
    """Apply JSON 6902 add/replace/remove/test operations to ``obj`` in place."""
    for op in ops:
        if not isinstance(op, dict) or op.get("op") not in ("add", "replace", "remove", "test"):
            raise ValueError("operation %r: want op add, replace, remove or test" % (op,))
        parts = pointer_parts(op.get("path", ""))
        parent = obj
        for part in parts[:-1]:
            if isinstance(parent, list):
                parent = parent[int(part)]
            elif isinstance(parent, dict) and part in parent:
                parent = parent[part]
            else:
                raise ValueError("%s %s: %r does not exist" % (op["op"], op["path"], part))
        last = parts[-1]
        if op["op"] == "test":
            current = parent[int(last)] if isinstance(parent, list) else parent.get(last)
            if current != op.get("value"):
                raise ValueError("test %s: %r != %r" % (op["path"], current, op.get("value")))
        elif isinstance(parent, list):
            if op["op"] == "add":
                parent.insert(len(parent) if last == "-" else int(last),
                              copy.deepcopy(op["value"]))
            elif op["op"] == "replace":
                parent[int(last)] = copy.deepcopy(op["value"])
            else:
                del parent[int(last)]
        elif isinstance(parent, dict):
            if op["op"] != "add" and last not in parent:
                raise ValueError("%s %s: %r does not exist" % (op["op"], op["path"], last))
            if op["op"] == "remove":
                del parent[last]
            else:
                parent[last] = copy.deepcopy(op["value"])
        else:
            raise ValueError("%s %s: the parent is not an object or a list" % (
                op["op"], op["path"]))


def render_kustomization(directory, problems, seen=()):
    """The objects ``kubectl kustomize directory`` would give, for the plain subset."""
    path = kustomization_file(directory)
    if path is None:
        problems.append("%s: a directory without kustomization.yaml" % directory)
        return []
    if os.path.realpath(directory) in seen:
        problems.append("%s: includes itself" % path)
        return []
    seen = seen + (os.path.realpath(directory),)
    try:
        with open(path) as f:
            kust = yaml.safe_load(f) or {}
    except (OSError, yaml.YAMLError) as err:
        problems.append("%s: cannot read: %s" % (path, err))
        return []
    if not isinstance(kust, dict):
        problems.append("%s: not a mapping" % path)
        return []
    for key in sorted(set(kust) - {"apiVersion", "kind", "resources", "patches"}):
        problems.append("%s: %s: not supported here (plain resources and JSON 6902 patches "
                        "only), so not checked: render it with kustomize first" % (path, key))
    if kust.get("apiVersion") != "kustomize.config.k8s.io/v1beta1" or \
            kust.get("kind") != "Kustomization":
        problems.append("%s: want apiVersion kustomize.config.k8s.io/v1beta1, kind "
                        "Kustomization" % path)
    docs = []
    for i, res in enumerate(kust.get("resources") or []):
        target = os.path.normpath(os.path.join(directory, str(res)))
        if os.path.isdir(target):
            docs += render_kustomization(target, problems, seen)
        elif os.path.isfile(target):
            docs += load_file(target, problems)
        else:
            problems.append("%s: resources[%d]: %s does not exist" % (path, i, res))
    for i, patch in enumerate(kust.get("patches") or []):
        where = "%s: patches[%d]" % (path, i)
        if not isinstance(patch, dict) or set(patch) - {"target", "patch", "path"}:
            problems.append("%s: want target and patch (or path) only" % where)
            continue
        target = patch.get("target") or {}
        if not isinstance(target, dict) or set(target) - {"kind", "name"} or \
                not target.get("kind") or not target.get("name"):
            problems.append("%s.target: want kind and name (only)" % where)
            continue
        text = patch.get("patch")
        if text is None and patch.get("path"):
            try:
                with open(os.path.join(directory, patch["path"])) as f:
                    text = f.read()
            except OSError as err:
                problems.append("%s.path: %s" % (where, err))
                continue
        try:
            ops = yaml.safe_load(text or "")
        except yaml.YAMLError as err:
            problems.append("%s.patch: not YAML: %s" % (where, err))
            continue
        if not isinstance(ops, list):
            problems.append("%s.patch: not a JSON 6902 patch (a list of operations); strategic "
                            "merge patches are not supported here" % where)
            continue
        matches = [d for d in docs if d.kind == target["kind"] and d.name == target["name"]]
        if len(matches) != 1:
            problems.append("%s.target: %d objects are %s/%s, want 1" % (
                where, len(matches), target["kind"], target["name"]))
            continue
        try:
            apply_json_patch(matches[0].obj, ops)
        except (ValueError, IndexError, KeyError, TypeError) as err:
            problems.append("%s.patch: %s" % (where, err))
            continue
        matches[0].patched_by.append(path)
    return docs


def load(paths, problems):
    docs = []
    for path in paths:
        if os.path.isdir(path):
            docs += render_kustomization(os.path.normpath(path), problems)
        else:
            docs += load_file(path, problems)
    return docs


# ---- the schema ----

class Schema:
    """The models of kubernetes.client, with SUPPLEMENT's newer fields."""

    def __init__(self):
        import kubernetes.client
        self.client = kubernetes.client
        self.config = kubernetes.client.Configuration()
        self.config.client_side_validation = True

    def fields(self, model):
        """{JSON name: (attribute, type)} of ``model``."""
        if model in SUPPLEMENT_MODELS:
            return {k: (k, t) for k, t in SUPPLEMENT_MODELS[model][0].items()}
        cls = getattr(self.client, model)
        fields = {cls.attribute_map[a]: (a, t) for a, t in cls.openapi_types.items()}
        for name, typ in SUPPLEMENT.get(model, {}).items():
            fields[name] = (None, typ)
        return fields

    def missing_required(self, model, present):
        """The required attributes absent from ``present`` ({attribute: value})."""
        if model in SUPPLEMENT_MODELS:
            return sorted(SUPPLEMENT_MODELS[model][1] - set(present))
        cls = getattr(self.client, model)
        kwargs = dict(present)
        missing = []
        # The constructor raises at the first required field that is None: fill it in and
        # ask again, so that every missing field is named, not only the first.
        for _ in range(len(cls.openapi_types) + 1):
            try:
                cls(local_vars_configuration=self.config, **kwargs)
                return missing
            except ValueError as err:
                match = re.search(r"Invalid value for `(\w+)`, must not be `None`", str(err))
                if not match or match.group(1) in kwargs:
                    raise
                missing.append(match.group(1))
                kwargs[match.group(1)] = object()
        return missing

    def is_model(self, typ):
        return typ in SUPPLEMENT_MODELS or (
            re.match(r"^V\d", typ) is not None and hasattr(self.client, typ))


def type_name(value):
    return type(value).__name__ if value is not None else "null"


def check_value(schema, value, typ, path, problems, parent_model=None, field=None):
    """Append to ``problems`` (field path, message) for each way ``value`` is not ``typ``."""
    if value is None:
        return  # an explicit null is the same as the field left out
    match = re.match(r"^list\[(.*)\]$", typ)
    if match:
        if not isinstance(value, list):
            problems.append((path, "want a list, not %s %r" % (type_name(value), value)))
            return
        for i, item in enumerate(value):
            check_value(schema, item, match.group(1), "%s[%d]" % (path, i), problems)
        return
    match = re.match(r"^dict\(str, (.*)\)$", typ)
    if match:
        if not isinstance(value, dict):
            problems.append((path, "want a mapping, not %s %r" % (type_name(value), value)))
            return
        inner = match.group(1)
        quantity = (parent_model, field) in QUANTITY_MAPS
        for key, item in value.items():
            if not isinstance(key, str):
                problems.append(("%s.%s" % (path, key), "want a string key"))
            elif quantity and isinstance(item, (int, float)) and not isinstance(item, bool):
                continue
            else:
                check_value(schema, item, inner, "%s.%s" % (path, key), problems)
        return
    if schema.is_model(typ):
        check_object(schema, value, typ, path, problems)
        return
    ok = {
        "str": lambda v: isinstance(v, str),
        "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "bool": lambda v: isinstance(v, bool),
        "object": lambda v: True,
        "datetime": lambda v: isinstance(v, (str, datetime.datetime)),
        "date": lambda v: isinstance(v, (str, datetime.date)),
    }.get(typ)
    if ok is None:
        problems.append((path, "the schema's type %s is unknown to this validator" % typ))
    elif not ok(value):
        problems.append((path, "want %s, not %s %r" % (
            {"str": "a string", "int": "an integer", "bool": "true or false",
             "float": "a number"}.get(typ, typ), type_name(value), value)))


def check_object(schema, value, model, path, problems):
    if not isinstance(value, dict):
        problems.append((path or "(document)", "want a mapping (%s), not %s %r" % (
            model, type_name(value), value)))
        return
    fields = schema.fields(model)
    present = {}
    for key, item in value.items():
        where = "%s.%s" % (path, key) if path else str(key)
        if key not in fields:
            known = ", ".join(sorted(fields))
            problems.append((where, "unknown field (%s has: %s)" % (model, known)))
            continue
        attribute, typ = fields[key]
        if attribute is not None and item is not None:
            present[attribute] = item
        check_value(schema, item, typ, where, problems, model, attribute)
    json_name = {a: k for k, (a, _) in fields.items() if a is not None}
    for attribute in schema.missing_required(model, present):
        name = json_name.get(attribute, attribute)
        problems.append(("%s.%s" % (path, name) if path else name,
                         "required field missing (%s)" % model))


def check_schema(schema, doc, problems):
    obj = doc.obj
    if not isinstance(obj, dict):
        problems.append("%s: a document that is not a mapping" % doc.source)
        return
    model = KINDS.get((obj.get("apiVersion"), obj.get("kind")))
    if model is None:
        problems.append(doc.where("apiVersion/kind") + ": %s %s is not a kind this validator "
                        "knows (%s)" % (obj.get("apiVersion"), obj.get("kind"), ", ".join(
                            "%s %s" % k for k in sorted(KINDS))))
        return
    found = []
    check_object(schema, obj, model, "", found)
    if not doc.name:
        found.append(("metadata.name", "required here: every object is named"))
    for field, message in found:
        problems.append(doc.where(field) + ": " + message)


# ---- the fit with the server ----

def server_flags(server):
    """{flag: takes a value} from ``server --help``."""
    out = subprocess.run([server, "--help"], capture_output=True, text=True, timeout=30)
    if out.returncode != 0:
        raise RuntimeError("%s --help exited %d: %s" % (server, out.returncode, out.stderr))
    flags = {}
    for line in out.stdout.splitlines():
        match = re.match(r"^\s*(--[a-z0-9-]+(?:, --[a-z0-9-]+)*)( (?! )\S+)?", line)
        if match:
            for name in match.group(1).split(", "):
                flags[name] = flags.get(name, False) or bool(match.group(2))
    if "--listen" not in flags:
        raise RuntimeError("%s --help lists no --listen: not the pynq-remote-server" % server)
    return flags


def pod_spec(doc):
    spec = doc.obj.get("spec") or {}
    if doc.kind in ("StatefulSet", "Deployment", "DaemonSet", "Job"):
        return (spec.get("template") or {}).get("spec") or {}, "spec.template.spec"
    if doc.kind == "Pod":
        return spec, "spec"
    return None, None


def server_command(container):
    """The server's flags in ``container``, or None when it does not run the server."""
    command = [str(c) for c in container.get("command") or []]
    args = [str(a) for a in container.get("args") or []]
    if not command:
        image = str(container.get("image", "")).rsplit("/", 1)[-1]
        if image.split(":")[0] == "pynq-remote-sim":
            return ENTRYPOINT_FLAGS + args  # deploy/docker-entrypoint.sh
        return None
    full = command + args
    for i, word in enumerate(full):
        if os.path.basename(word) == SERVER_NAME:
            return full[i + 1:]
    return None


def parse_flags(words, known, where, problems):
    """[(flag, value)] from ``words``; unknown flags and missing values are problems."""
    result = []
    i = 0
    while i < len(words):
        word = words[i]
        if not word.startswith("--"):
            problems.append(where + ": %r is not a flag (the server takes flags only)" % word)
            i += 1
            continue
        if known is not None and word not in known:
            problems.append(where + ": %s is not a flag of %s (see its --help)" % (
                word, SERVER_NAME))
            i += 1
            continue
        takes_value = known[word] if known is not None else (
            i + 1 < len(words) and not words[i + 1].startswith("--"))
        if takes_value:
            if i + 1 >= len(words):
                problems.append(where + ": %s wants a value" % word)
                break
            result.append((word, words[i + 1]))
            i += 2
        else:
            result.append((word, None))
            i += 1
    return result


def listen_ports(flags, where, problems):
    """The TCP ports of the --listen flags; a loopback or missing --listen is a problem."""
    listens = [v for f, v in flags if f == "--listen"]
    if not listens:
        problems.append(where + ": no --listen: the server would listen on 127.0.0.1:7967, "
                        "out of reach of the kubelet's probes and of other pods")
        return set()
    ports = set()
    for value in listens:
        if value.startswith("unix:"):
            continue
        host, _, port = value.rpartition(":")
        if not port.isdigit():
            problems.append(where + ": --listen %s: want HOST:PORT" % value)
            continue
        if host in LOOPBACK_HOSTS:
            problems.append(where + ": --listen %s is loopback only: the kubelet's probes and "
                            "other pods cannot reach it (use 0.0.0.0:%s)" % (value, port))
        ports.add(int(port))
    return ports


def resolve_port(port, container):
    """A probe's or Service's port (a number or a container port's name) as a number."""
    if isinstance(port, int):
        return port
    for p in container.get("ports") or []:
        if p.get("name") == port:
            return p.get("containerPort")
    return None


def check_server_container(doc, container, cpath, volumes, known, problems, health_names):
    words = server_command(container)
    if words is None:
        return None
    args_where = doc.where(cpath + ".args")
    flags = parse_flags(words, known, args_where, problems)
    ports = listen_ports(flags, args_where, problems)
    listening = ", ".join("--listen %s" % v for f, v in flags if f == "--listen")
    # Ports: each containerPort is one the server listens on, and each listen port is declared.
    declared = set()
    for j, p in enumerate(container.get("ports") or []):
        number = p.get("containerPort")
        declared.add(number)
        if ports and number not in ports:
            problems.append(doc.where("%s.ports[%d].containerPort" % (cpath, j)) +
                            ": %s is not a port the server listens on (%s)" % (number, listening))
    for port in sorted(ports - declared):
        problems.append(doc.where(cpath + ".ports") + ": no containerPort for the server's "
                        "port %d (%s)" % (port, listening))
    # Probes: on the server's port; gRPC ones ask a service the server answers.
    for probe_name in PROBES:
        probe = container.get(probe_name)
        ppath = "%s.%s" % (cpath, probe_name)
        if probe is None:
            if probe_name != "startupProbe":
                problems.append(doc.where(ppath) + ": missing: a board needs readiness and "
                                "liveness probes (grpc on the server's port)")
            continue
        if not isinstance(probe, dict):
            continue
        if "httpGet" in probe:
            problems.append(doc.where(ppath + ".httpGet") + ": the server speaks gRPC only; "
                            "use grpc: {port: %s}" % (min(ports) if ports else "PORT"))
        for kind in ("grpc", "tcpSocket"):
            action = probe.get(kind)
            if not isinstance(action, dict):
                continue
            number = resolve_port(action.get("port"), container)
            if number is None:
                problems.append(doc.where("%s.%s.port" % (ppath, kind)) + ": %r names no "
                                "container port" % action.get("port"))
            elif ports and number not in ports:
                problems.append(doc.where("%s.%s.port" % (ppath, kind)) + ": %s is not the "
                                "server's port (%s)" % (number, listening))
            if kind == "grpc":
                health_names.setdefault(action.get("service") or "", []).append(
                    doc.where("%s.grpc.service" % ppath))
    # Files the server reads are on the container's volumes (or in the image).
    mounts = container.get("volumeMounts") or []
    for j, mount in enumerate(mounts):
        if mount.get("name") not in volumes:
            problems.append(doc.where("%s.volumeMounts[%d].name" % (cpath, j)) + ": %r is not "
                            "a volume of the pod (%s)" % (mount.get("name"), ", ".join(
                                sorted(volumes)) or "none"))
    for flag, value in flags:
        if flag not in PATH_FLAGS or value is None:
            continue
        under = [m.get("mountPath", "") for m in mounts
                 if value == m.get("mountPath") or
                 value.startswith(str(m.get("mountPath", "")).rstrip("/") + "/")]
        if not under and not value.startswith(IMAGE_PATHS) and flag not in ("--root",
                                                                             "--state-dir"):
            problems.append(args_where + ": %s %s is on no volumeMount of the container "
                            "(mounted: %s)" % (flag, value, ", ".join(
                                m.get("mountPath", "?") for m in mounts) or "none"))
    return ports


def check_fit(docs, known, problems):
    """Cross-object checks; returns {service name: [where]} for the gRPC probes."""
    health_names = {}
    by_kind = {}
    for doc in docs:
        by_kind.setdefault(doc.kind, []).append(doc)
    boards = {}  # StatefulSet name -> (doc, ports, container)
    for doc in docs:
        spec, spath = pod_spec(doc)
        if spec is None:
            continue
        volumes = {v.get("name") for v in spec.get("volumes") or [] if isinstance(v, dict)}
        for i, container in enumerate(spec.get("containers") or []):
            if not isinstance(container, dict):
                continue
            ports = check_server_container(doc, container, "%s.containers[%d]" % (spath, i),
                                           volumes, known, problems, health_names)
            if ports is not None and doc.kind == "StatefulSet":
                boards[doc.name] = (doc, ports, container)
    services = {d.name: d for d in by_kind.get("Service", [])}
    for name, (doc, ports, container) in boards.items():
        spec = doc.obj.get("spec") or {}
        labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
        wanted = (spec.get("selector") or {}).get("matchLabels") or {}
        for key, value in wanted.items():
            if labels.get(key) != value:
                problems.append(doc.where("spec.selector.matchLabels.%s" % key) + ": %r, but "
                                "the pod template's label is %r" % (value, labels.get(key)))
        service = services.get(spec.get("serviceName"))
        if service is None:
            problems.append(doc.where("spec.serviceName") + ": no Service %r among the "
                            "manifests: the boards would have no DNS names" %
                            spec.get("serviceName"))
            continue
        sspec = service.obj.get("spec") or {}
        if sspec.get("clusterIP") != "None":
            problems.append(service.where("spec.clusterIP") + ": %r: the StatefulSet %s's "
                            "Service must be headless (None) to give each board its own DNS "
                            "name" % (sspec.get("clusterIP"), name))
        selector = sspec.get("selector") or {}
        if not selector:
            problems.append(service.where("spec.selector") + ": empty: selects no board")
        for key, value in selector.items():
            if labels.get(key) != value:
                problems.append(service.where("spec.selector.%s" % key) + ": %r does not match "
                                "the pods of StatefulSet %s (label %r) in %s" % (
                                    value, name, labels.get(key), doc.source))
        targets = []
        for j, p in enumerate(sspec.get("ports") or []):
            target = resolve_port(p.get("targetPort", p.get("port")), container)
            targets.append(target)
            if ports and target not in ports:
                problems.append(service.where("spec.ports[%d].targetPort" % j) + ": %r is not "
                                "the port of StatefulSet %s's server (%s)" % (
                                    p.get("targetPort", p.get("port")), name,
                                    ", ".join(map(str, sorted(ports)))))
    for job in by_kind.get("Job", []):
        check_job(job, boards, problems)
    return health_names


def check_job(job, boards, problems):
    spec = job.obj.get("spec") or {}
    pod = (spec.get("template") or {}).get("spec") or {}
    for i, container in enumerate(pod.get("containers") or []):
        env = {e.get("name"): e.get("value") for e in container.get("env") or []
               if isinstance(e, dict)}
        if "BOARD_STATEFULSET" not in env:
            continue
        cpath = "spec.template.spec.containers[%d]" % i
        name = env["BOARD_STATEFULSET"]
        if name not in boards:
            problems.append(job.where(cpath + ".env.BOARD_STATEFULSET") + ": %r is not a "
                            "StatefulSet of boards among the manifests (%s)" % (
                                name, ", ".join(sorted(boards)) or "none"))
            continue
        board, ports, _ = boards[name]
        bspec = board.obj.get("spec") or {}
        replicas = bspec.get("replicas", 1)
        if spec.get("completionMode") != "Indexed":
            problems.append(job.where("spec.completionMode") + ": %r: want Indexed, so that "
                            "each pod gets its board's index (JOB_COMPLETION_INDEX)" %
                            spec.get("completionMode"))
        for field in ("completions", "parallelism"):
            if spec.get(field, 1) != replicas:
                problems.append(job.where("spec." + field) + ": %s, but StatefulSet %s has %s "
                                "replicas (%s): one tester per board" % (
                                    spec.get(field, 1), name, replicas, board.source))
        if env.get("BOARD_SERVICE") != bspec.get("serviceName"):
            problems.append(job.where(cpath + ".env.BOARD_SERVICE") + ": %r, but StatefulSet "
                            "%s's serviceName is %r" % (env.get("BOARD_SERVICE"), name,
                                                        bspec.get("serviceName")))
        port = env.get("BOARD_PORT")
        if ports and (not str(port).isdigit() or int(port) not in ports):
            problems.append(job.where(cpath + ".env.BOARD_PORT") + ": %r is not the port "
                            "StatefulSet %s's server listens on (%s)" % (
                                port, name, ", ".join(map(str, sorted(ports)))))
        script = " ".join(str(w) for w in (container.get("command") or []) +
                          (container.get("args") or []))
        for word in ("JOB_COMPLETION_INDEX", "BOARD_STATEFULSET", "BOARD_SERVICE",
                     "BOARD_PORT", "PYNQ_REMOTE_DEVICES"):
            if word not in script:
                problems.append(job.where(cpath + ".args") + ": the command never uses %s: "
                                "the board's address is built from the pod's index" % word)


# ---- asking the real server ----

def health_probe_beside(server):
    """pynq-remote-health, built beside the server (and installed beside it in the image)."""
    return os.path.join(os.path.dirname(os.path.abspath(server)), "pynq-remote-health")


def ask_health(server, probe, names):
    """{service name: "SERVING" or what the real server said instead}, each asked by the
    project's health probe (server/health_probe.cc)."""
    answers = {}
    with tempfile.TemporaryDirectory(prefix="pynq-remote-k8s-") as root:
        proc = subprocess.Popen([server, "--listen", "127.0.0.1:0", "--root", root],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            address = None
            for line in proc.stdout:
                match = re.search(r"listening on (127\.0\.0\.1:\d+)", line)
                if match:
                    address = match.group(1)
                    break
            if address is None:
                raise RuntimeError("%s did not start (exit %s)" % (server, proc.wait()))
            for name in names:
                asked = subprocess.run([probe, "--timeout-s", "10", "--service", name, address],
                                       capture_output=True, text=True, timeout=60)
                answers[name] = ("SERVING" if asked.returncode == 0 else
                                 (asked.stderr or asked.stdout).strip())
        finally:
            proc.terminate()
            proc.communicate(timeout=30)
    return answers


def validate(paths, server=None, probe=None):
    """All problems with the manifests at ``paths``, as lines."""
    problems = []
    docs = load(paths, problems)
    schema = Schema()
    for doc in docs:
        check_schema(schema, doc, problems)
    known = server_flags(server) if server else None
    health_names = check_fit(docs, known, problems)
    if server and health_names:
        answers = ask_health(server, probe or health_probe_beside(server), health_names)
        for name, places in sorted(health_names.items()):
            if answers[name] != "SERVING":
                for where in places:
                    problems.append("%s: %r: the server answers %s, not SERVING (it reports "
                                    "only \"\": leave service out)" % (where, name,
                                                                       answers[name]))
    if not docs and not problems:
        problems.append("%s: no objects" % ", ".join(paths))
    return docs, problems


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="manifest files and kustomization directories, checked as one set")
    parser.add_argument("--server", help="the pynq-remote-server binary; without it the flags "
                        "and the probe's health service are not checked")
    parser.add_argument("--health-probe", help="pynq-remote-health, to ask the server's health "
                        "service (default: the one beside --server)")
    args = parser.parse_args(argv)
    docs, problems = validate(args.paths, args.server, args.health_probe)
    for line in problems:
        print(line)
    if problems:
        print("%d problem(s) in %s" % (len(problems), " ".join(args.paths)))
        return 1
    print("ok: %d objects (%s)%s" % (len(docs), ", ".join(
        "%s/%s" % (d.kind, d.name) for d in docs),
        "" if args.server else "; server flags and health service not checked (no --server)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
