#!/usr/bin/python3
"""Checks that `pip install ./client/python` works offline (no protoc, no download) and that
the installed package imports on its own, from a copy so the source tree stays clean."""

import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(HERE)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        copy = os.path.join(tmp, "src")
        shutil.copytree(SOURCE, copy, ignore=shutil.ignore_patterns(
            "__pycache__", "*.egg-info", "build", "tests"))
        target = os.path.join(tmp, "site")
        env = dict(os.environ, PIP_NO_INDEX="1", PIP_ROOT_USER_ACTION="ignore",
                   PIP_DISABLE_PIP_VERSION_CHECK="1")
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet",
                        "--no-build-isolation", "--no-deps", "--target", target, copy],
                       check=True, env=env)
        code = ("import pynq_remote, pynq_remote.hwh\n"
                "from pynq_remote.pl_server.remote_device import RemoteDevice, GrpcChannel\n"
                f"assert pynq_remote.__file__.startswith({target!r}), pynq_remote.__file__\n"
                "print('installed', pynq_remote.__version__, 'from', pynq_remote.__file__)\n")
        subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp,
                       env=dict(env, PYTHONPATH=target))
        # The console script ([project.scripts]) is installed and runs from the install.
        script = os.path.join(target, "bin", "pynq-remote")
        if not os.access(script, os.X_OK):
            raise SystemExit(f"pip installed no {script}")
        usage = subprocess.run([script, "--help"], check=True, cwd=tmp, capture_output=True,
                               text=True, env=dict(env, PYTHONPATH=target)).stdout
        if "selftest" not in usage:
            raise SystemExit(f"{script} --help does not list its commands:\n{usage}")
        print("installed", script)
    return 0


if __name__ == "__main__":
    sys.exit(main())
