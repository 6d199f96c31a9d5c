#!/usr/bin/python3
"""Installs the server and client components into temporary prefixes and checks the result.

1. ``cmake --install BUILD --prefix TMP --component server`` (then ``client``): the binary,
   the unit and the defaults file are where deploy/CMakeLists.txt says, the unit's ExecStart
   and EnvironmentFile name the installed files, the installed binary answers ``--version``,
   and the installed ``pynq_remote`` imports from the prefix.
2. Installing again keeps an edited defaults file.
3. As a Debian package would: ``DESTDIR=TMP cmake --install BUILD --prefix /usr``: the unit
   names /usr/bin/pynq-remote-server and reads /etc/default/pynq-remote-server.

Exit 0 when all hold, 1 with what is wrong, 77 (skipped) when a directory is absolute.
"""

import argparse
import os
import shlex
import subprocess
import sys
import tempfile

UNIT = "pynq-remote-server.service"
SKIPPED = 77


def install(args, prefix, component, destdir=None):
    """Runs ``cmake --install`` for one component; returns its output."""
    env = dict(os.environ)
    env.pop("DESTDIR", None)
    if destdir:
        env["DESTDIR"] = destdir
    command = [args.cmake, "--install", args.build, "--prefix", prefix,
               "--component", component]
    run = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True)
    if run.returncode != 0:
        raise AssertionError(f"{shlex.join(command)} failed ({run.returncode}):\n{run.stdout}")
    return run.stdout


def unit_settings(path):
    """{key: [values]} of a unit file, every section together (enough for our keys)."""
    settings = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line[0] in "#;[" or "=" not in line:
                continue
            key, value = line.split("=", 1)
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def check_unit(unit_path, binary, defaults):
    """The installed unit's ExecStart runs ``binary``; its EnvironmentFile is ``defaults``."""
    settings = unit_settings(unit_path)
    exec_start = settings.get("ExecStart", [])
    if len(exec_start) != 1:
        raise AssertionError(f"{unit_path}: want one ExecStart=, found {exec_start}")
    words = exec_start[0].split()
    if words[0] != binary:
        raise AssertionError(f"{unit_path}: ExecStart runs {words[0]}, not the installed "
                             f"{binary}")
    want = ["--backend", "zynq", "--listen", "${PYNQ_REMOTE_LISTEN}", "$PYNQ_REMOTE_ARGS"]
    if words[1:] != want:
        raise AssertionError(f"{unit_path}: ExecStart arguments are {words[1:]}, want {want}")
    if settings.get("EnvironmentFile") != ["-" + defaults]:
        raise AssertionError(f"{unit_path}: EnvironmentFile={settings.get('EnvironmentFile')}, "
                             f"want -{defaults} (optional, the installed defaults file)")
    if "@" in open(unit_path).read():
        raise AssertionError(f"{unit_path}: an @VARIABLE@ was left unconfigured")


def check_version(binary, version, emulator):
    """``binary --version`` names ``version``; ``emulator``: the command to run it with, for
    a cross build ([] runs it directly, None does not run it)."""
    if emulator is None:
        print(f"not running {binary}: a cross build and no CMAKE_CROSSCOMPILING_EMULATOR")
        return
    run = subprocess.run(emulator + [binary, "--version"], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, timeout=20)
    if run.returncode != 0 or not run.stdout.startswith(f"pynq-remote-server {version}"):
        raise AssertionError(f"{binary} --version: exit {run.returncode}, output "
                             f"{run.stdout!r}; want 'pynq-remote-server {version}'")


def check_client(package_dir, cwd):
    """``pynq_remote`` imports from ``package_dir`` and nothing compiled was installed."""
    if not os.path.isfile(os.path.join(package_dir, "pynq_remote", "__init__.py")):
        raise AssertionError(f"{package_dir}/pynq_remote/__init__.py is missing")
    for top, dirs, files in os.walk(package_dir):
        if "__pycache__" in dirs or any(name.endswith(".pyc") for name in files):
            raise AssertionError(f"{top}: byte code was installed")
    code = ("import sys\n"
            f"sys.path.insert(0, {package_dir!r})\n"
            "import pynq_remote\n"
            "from pynq_remote.pl_server.remote_device import RemoteDevice\n"
            f"assert pynq_remote.__file__.startswith({package_dir!r}), pynq_remote.__file__\n")
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    env.pop("PYTHONPATH", None)
    run = subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if run.returncode != 0:
        raise AssertionError(f"the installed pynq_remote does not import:\n{run.stdout}")


def expect_file(path, executable=False):
    if not os.path.isfile(path):
        raise AssertionError(f"{path} was not installed")
    if executable and not os.access(path, os.X_OK):
        raise AssertionError(f"{path} is not executable")


def check_prefix(args, tmp):
    """Step 1 and 2: a plain prefix."""
    prefix = os.path.join(tmp, "prefix")
    install(args, prefix, "server")
    binary = os.path.join(prefix, args.bindir, "pynq-remote-server")
    unit = os.path.join(prefix, args.unitdir, UNIT)
    defaults = os.path.join(prefix, args.sysconfdir, "default", "pynq-remote-server")
    python_dir = os.path.join(prefix, args.pythondir)
    expect_file(binary, executable=True)
    expect_file(unit)
    expect_file(defaults)
    if os.path.exists(python_dir):
        raise AssertionError(f"--component server installed the client ({python_dir})")
    check_unit(unit, binary, defaults)
    emulator = [] if args.emulator is None else shlex.split(args.emulator) or None
    check_version(binary, args.version, emulator)

    install(args, prefix, "client")
    check_client(python_dir, tmp)

    with open(defaults, "a") as f:
        f.write("PYNQ_REMOTE_ARGS=--edited-on-the-board\n")
    output = install(args, prefix, "server")
    with open(defaults) as f:
        if "--edited-on-the-board" not in f.read():
            raise AssertionError(f"installing again overwrote the edited {defaults}:\n{output}")


def check_package(args, tmp):
    """Step 3: DESTDIR and prefix /usr, as dpkg-buildpackage installs."""
    destdir = os.path.join(tmp, "dest")
    install(args, "/usr", "server", destdir=destdir)
    binary = f"/usr/{args.bindir}/pynq-remote-server"
    # GNUInstallDirs: prefix /usr keeps its configuration in /etc.
    sysconfdir = "/etc" if args.sysconfdir == "etc" else f"/usr/{args.sysconfdir}"
    defaults = f"{sysconfdir}/default/pynq-remote-server"
    expect_file(destdir + binary, executable=True)
    expect_file(destdir + defaults)
    unit = f"{destdir}/usr/{args.unitdir}/{UNIT}"
    expect_file(unit)
    check_unit(unit, binary, defaults)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cmake", required=True)
    parser.add_argument("--build", required=True, help="the configured and built tree")
    parser.add_argument("--version", required=True, help="the project's version")
    parser.add_argument("--emulator", help="a cross build: the command that runs the "
                        "server on this machine (empty: none, do not run it)")
    parser.add_argument("--bindir", required=True)
    parser.add_argument("--sysconfdir", required=True)
    parser.add_argument("--unitdir", required=True)
    parser.add_argument("--pythondir", required=True)
    args = parser.parse_args()
    dirs = [args.bindir, args.sysconfdir, args.unitdir, args.pythondir]
    if any(os.path.isabs(d) for d in dirs):
        print(f"skipped: an install directory is absolute ({dirs}), so an install into a "
              "temporary prefix would write outside it")
        return SKIPPED
    with tempfile.TemporaryDirectory(prefix="pynq-remote-deploy-") as tmp:
        try:
            check_prefix(args, tmp)
            check_package(args, tmp)
        except AssertionError as e:
            print(f"FAIL: {e}")
            return 1
    print("installed server and client components check out")
    return 0


if __name__ == "__main__":
    sys.exit(main())
