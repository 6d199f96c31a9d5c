#!/usr/bin/python3
"""Checks pynq-remote-server.service as installed into a temporary prefix.

Two checkers, each of which must pass the unit and reject broken copies of it (so a checker
that accepts anything fails the test):
- ``systemd-analyze verify`` where systemd is installed (no running systemd needed). It
  exits 0 on unknown keys and bad values, only warning, so any line it prints about the
  unit fails it here.
- always, a parser of our own: known sections and keys only, the required keys, an
  ExecStart that is an installed executable, and none of the sandboxing that would take
  /dev/mem, /sys or /lib/firmware away from the server.

Exit 0 when all hold, 1 with what is wrong.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

from check_install import UNIT, install

# The directives a unit of ours may use (systemd.unit(5), systemd.service(5),
# systemd.exec(5), systemd.kill(5), systemd.resource-control(5)); add one here when the
# unit needs it.
KNOWN = {
    "Unit": {
        "Description", "Documentation", "After", "Before", "Wants", "Requires", "BindsTo",
        "PartOf", "Conflicts", "ConditionPathExists",
        "AssertPathExists", "StartLimitIntervalSec", "StartLimitBurst", "StartLimitAction",
    },
    "Service": {
        "Type", "ExecStart", "ExecStartPre", "ExecStartPost", "ExecReload", "ExecStop",
        "ExecStopPost", "Restart", "RestartSec", "RestartPreventExitStatus",
        "SuccessExitStatus", "TimeoutStartSec", "TimeoutStopSec", "KillSignal", "KillMode",
        "SendSIGKILL", "Environment", "EnvironmentFile", "WorkingDirectory",
        "StateDirectory", "StateDirectoryMode", "ConfigurationDirectory",
        "ConfigurationDirectoryMode", "RuntimeDirectory", "LogsDirectory", "UMask",
        "NoNewPrivileges", "ProtectHome", "PrivateTmp", "ProtectControlGroups",
        "ProtectKernelModules", "ProtectKernelLogs", "ProtectHostname", "RestrictSUIDSGID",
        "RestrictRealtime", "RestrictNamespaces", "LockPersonality",
        "MemoryDenyWriteExecute", "SystemCallArchitectures", "LimitNOFILE", "LimitMEMLOCK",
        "LimitCORE", "Nice", "OOMScoreAdjust", "StandardOutput", "StandardError",
        "SyslogIdentifier", "TasksMax", "MemoryMax",
    },
    "Install": {"WantedBy", "RequiredBy", "Alias", "Also"},
}
# Valid systemd, but the server needs root, /dev/mem, the FPGA manager's writable /sys files
# and a writable /lib/firmware: each of these takes one away.
FORBIDDEN = {
    "User": "the server needs root for /dev/mem and /sys",
    "DynamicUser": "the server needs root for /dev/mem and /sys",
    "PrivateDevices": "hides /dev/mem, /dev/udmabuf* and /dev/uio*",
    "DevicePolicy": "closes /dev/mem, /dev/udmabuf* and /dev/uio*",
    "DeviceAllow": "closes every device not listed, /dev/mem among them",
    "ProtectClock": "implies DeviceAllow=, closing /dev/mem",
    "ProtectSystem": "makes /lib/firmware read-only (strict: /sys and /etc too)",
    "ProtectKernelTunables": "makes /sys read-only, so the FPGA manager cannot be driven",
    "ReadOnlyPaths": "may cover /sys or /lib/firmware",
    "CapabilityBoundingSet": "may drop CAP_SYS_RAWIO, which /dev/mem needs",
}
REQUIRED = {
    ("Unit", "Description"): None,
    ("Service", "ExecStart"): None,
    ("Service", "EnvironmentFile"): None,
    ("Service", "Type"): {"simple", "exec"},
    ("Service", "Restart"): {"on-failure"},
    ("Service", "KillSignal"): {"SIGTERM"},
    ("Service", "StateDirectory"): {"pynq-remote"},
    ("Install", "WantedBy"): {"multi-user.target"},
}
BOOLEAN = {"yes", "no", "true", "false", "on", "off", "1", "0"}
BOOLEAN_KEYS = {"NoNewPrivileges", "PrivateTmp", "ProtectControlGroups", "RestrictSUIDSGID",
                "RestrictRealtime", "LockPersonality", "ProtectKernelModules",
                "ProtectKernelLogs", "ProtectHostname", "MemoryDenyWriteExecute"}


def parse_unit(text):
    """([sections], [(line number, section, key, value)]) of a unit file, continuation
    lines joined.

    Raises ValueError naming the line for text that is no section, setting or comment.
    """
    sections = []
    entries = []
    section = None
    pending = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if pending is not None:
            pending_number, joined = pending
            line = joined + " " + line
            number = pending_number
            pending = None
        if not line or line[0] in "#;":
            continue
        if line.endswith("\\"):
            pending = (number, line[:-1].rstrip())
            continue
        match = re.fullmatch(r"\[([^\]]+)\]", line)
        if match:
            section = match.group(1)
            sections.append(section)
            continue
        if "=" not in line:
            raise ValueError(f"line {number}: neither a [section] nor KEY=VALUE: {raw!r}")
        if section is None:
            raise ValueError(f"line {number}: a setting before any [section]")
        key, value = (part.strip() for part in line.split("=", 1))
        entries.append((number, section, key, value))
    if pending is not None:
        raise ValueError("the last line ends in a backslash")
    return sections, entries


def own_check(path):
    """What is wrong with the unit at ``path`` by our rules: a list of messages."""
    with open(path) as f:
        text = f.read()
    try:
        sections, entries = parse_unit(text)
    except ValueError as e:
        return [f"{path}: {e}"]
    problems = []
    for section in sorted(set(sections) - KNOWN.keys()):
        problems.append(f"{path}: unknown section [{section}]")
    values = {}
    for number, section, key, value in entries:
        where = f"{path}:{number}"
        if section not in KNOWN:
            continue
        if key in FORBIDDEN:
            problems.append(f"{where}: {key}= {FORBIDDEN[key]}")
        elif key not in KNOWN[section]:
            problems.append(f"{where}: unknown key {key} in [{section}] (if systemd knows it, "
                            "add it to KNOWN in deploy/tests/check_unit.py)")
        if key in BOOLEAN_KEYS and value.lower() not in BOOLEAN:
            problems.append(f"{where}: {key}={value} is not a boolean")
        values.setdefault((section, key), []).append(value)
    for (section, key), allowed in REQUIRED.items():
        got = values.get((section, key))
        if not got:
            problems.append(f"{path}: [{section}] has no {key}=")
        elif allowed is not None and not set(got) & allowed:
            problems.append(f"{path}: [{section}] {key}={got[-1]}, want one of {sorted(allowed)}")
    for exec_start in values.get(("Service", "ExecStart"), []):
        binary = exec_start.split()[0] if exec_start.split() else ""
        if not os.path.isabs(binary):
            problems.append(f"{path}: ExecStart={exec_start}: not an absolute path "
                            "(prefixes such as '-' are not used by this unit)")
        elif not os.access(binary, os.X_OK):
            problems.append(f"{path}: ExecStart runs {binary}, which is not an executable")
        elif "--backend zynq" not in exec_start:
            problems.append(f"{path}: ExecStart={exec_start} does not serve --backend zynq")
    return problems


def analyze_check(path, analyze):
    """What ``systemd-analyze verify`` says against the unit: a list of messages."""
    run = subprocess.run([analyze, "verify", "--man=no", path], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, timeout=30,
                         env=dict(os.environ, SYSTEMD_LOG_COLOR="0", SYSTEMD_PAGER=""))
    name = os.path.basename(path)
    about_unit = [line for line in run.stdout.splitlines() if name in line or path in line]
    if run.returncode != 0 or about_unit:
        return [f"systemd-analyze verify {path}: exit {run.returncode}\n{run.stdout}"]
    return []


def broken_copies(unit_path, tmp):
    """{what is broken: path} of copies of the unit, each named as the unit is."""
    with open(unit_path) as f:
        text = f.read()
    breakages = {
        "a misspelt section": text.replace("[Service]", "[Servce]", 1),
        "an unknown key": text.replace("\nRestart=", "\nRestrat=", 1),
        "a missing binary": re.sub(r"^ExecStart=\S+", "ExecStart=/nonexistent/pynq-remote-server",
                                   text, count=1, flags=re.M),
        "a relative ExecStart": re.sub(r"^ExecStart=\S+", "ExecStart=bin/pynq-remote-server",
                                       text, count=1, flags=re.M),
    }
    copies = {}
    for index, (what, broken) in enumerate(breakages.items()):
        if broken == text:
            raise AssertionError(f"cannot make a copy with {what}: the unit changed shape")
        directory = os.path.join(tmp, f"broken{index}")
        os.makedirs(directory)
        copy = os.path.join(directory, UNIT)
        with open(copy, "w") as f:
            f.write(broken)
        copies[what] = copy
    return copies


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cmake", required=True)
    parser.add_argument("--build", required=True, help="the configured and built tree")
    parser.add_argument("--unitdir", required=True)
    args = parser.parse_args()
    if os.path.isabs(args.unitdir):
        print(f"skipped: the unit directory {args.unitdir} is absolute")
        return 77
    analyze = shutil.which("systemd-analyze")
    checkers = {"own parser": own_check}
    if analyze:
        checkers["systemd-analyze verify"] = lambda path: analyze_check(path, analyze)
    else:
        print("systemd-analyze is not installed: checking with our own parser only")
    failures = []
    with tempfile.TemporaryDirectory(prefix="pynq-remote-unit-") as tmp:
        prefix = os.path.join(tmp, "prefix")
        try:
            install(args, prefix, "server")
        except AssertionError as e:
            print(f"FAIL: {e}")
            return 1
        unit = os.path.join(prefix, args.unitdir, UNIT)
        copies = broken_copies(unit, tmp)
        forbidden = os.path.join(tmp, "forbidden", UNIT)
        os.makedirs(os.path.dirname(forbidden))
        with open(unit) as f, open(forbidden, "w") as out:
            out.write(f.read().replace("[Service]\n", "[Service]\nPrivateDevices=yes\n", 1))
        for name, check in checkers.items():
            problems = check(unit)
            failures += [f"{name}: {problem}" for problem in problems]
            if not problems:
                print(f"{name}: {unit} is fine")
            for what, copy in copies.items():
                if not check(copy):
                    failures.append(f"{name} accepts a copy of the unit with {what} ({copy})")
        if not own_check(forbidden):
            failures.append("own parser accepts PrivateDevices=yes, which hides /dev/mem")
    if failures:
        print("FAIL:\n" + "\n".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
