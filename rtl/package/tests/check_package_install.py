#!/usr/bin/python3
"""An installed pynq-remote builds design packages with nothing else:

1. ``cmake --install BUILD --prefix TMP --component design``: the command, the tools, the IP
   library, the glue headers and the CMake package land under TMP;
2. TMP/bin/pynq-remote-design builds a small design written into a temporary folder (outside
   the source tree), one of its sources taken from the installed IP library ("@ip/...");
3. a tiny CMake project in a temporary folder does the same through find_package(pynq_remote)
   and pynq_remote_add_design(), and a second build of it does nothing.

Usage: check_package_install.py --cmake CMAKE --build BUILD [--bindir bin] [--libdir lib]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import small_design  # noqa: E402

SOURCE = os.path.normpath(os.path.join(HERE, "..", "..", ".."))


def run(cmd, **kw):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)
    if p.returncode != 0:
        raise AssertionError("%s failed (%d):\n%s" % (" ".join(cmd), p.returncode, p.stdout))
    return p.stdout


def check_package(out, name):
    pkg = os.path.join(out, name)
    with open(os.path.join(pkg, "design.json")) as f:
        d = json.load(f)
    assert d["name"] == name, d
    for key in ("library", "bitstream", "hwh"):
        assert os.path.isfile(os.path.join(pkg, d[key])), (key, d)
    return d


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cmake", required=True)
    ap.add_argument("--build", required=True)
    ap.add_argument("--bindir", default="bin")
    ap.add_argument("--libdir", default="lib")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="pynq-remote-pkg-install-") as tmp:
        assert not tmp.startswith(SOURCE)
        prefix = os.path.join(tmp, "prefix")
        run([args.cmake, "--install", args.build, "--prefix", prefix, "--component", "design"])
        tool = os.path.join(prefix, args.bindir, "pynq-remote-design")
        assert os.access(tool, os.X_OK), tool
        for rel in ("share/pynq-remote/tools/pynq_remote_design.py",
                    "share/pynq-remote/tools/gen_top.py",
                    "share/pynq-remote/tools/gen_binding.py",
                    "share/pynq-remote/tools/boards.py",
                    "share/pynq-remote/boards.json",
                    "share/pynq-remote/ip/common/axil_slave.v",
                    "include/pynq_remote/sim/pl/design_package_abi.h",
                    "include/pynq_remote/sim/pl/verilated_design.h",
                    os.path.join(args.libdir, "cmake/pynq_remote/pynq_remoteConfig.cmake"),
                    os.path.join(args.libdir, "cmake/pynq_remote/PynqRemoteDesign.cmake")):
            assert os.path.isfile(os.path.join(prefix, rel)), rel + " was not installed"

        # The tools must not reach back into the source tree: hide it from them.
        env = dict(os.environ, PATH=os.environ.get("PATH", ""))
        for var in ("PYNQ_REMOTE_SIM_INCLUDE", "PYNQ_REMOTE_BOARDS", "PYNQ_REMOTE_BOARDS_JSON",
                    "PYTHONPATH"):
            env.pop(var, None)

        # 2. The installed command on a design in a temporary folder, with an @ip/ source.
        design = os.path.join(tmp, "designs", "adder")
        manifest = small_design.write(design, name="adder_installed")
        with open(manifest) as f:
            m = json.load(f)
        m["sources"].append("@ip/common/axil_slave.v")
        with open(manifest, "w") as f:
            json.dump(m, f)
        out = os.path.join(tmp, "packages")
        text = run([tool, "build", "--manifest", manifest, "--out", out, "-j", "2"], env=env,
                   cwd=tmp)
        assert "wrote" in text, text
        d = check_package(out, "adder_installed")
        assert d["tool_version"] != "dev", d
        again = run([tool, "build", "--manifest", manifest, "--out", out], env=env, cwd=tmp)
        assert "up to date" in again, again

        # 3. A user's CMake project.
        project = os.path.join(tmp, "project")
        os.makedirs(project)
        small_design.write(os.path.join(project, "adder"), name="adder_cmake")
        with open(os.path.join(project, "CMakeLists.txt"), "w") as f:
            f.write("cmake_minimum_required(VERSION 3.18)\n"
                    "project(user_designs NONE)\n"
                    "find_package(pynq_remote 0.1 REQUIRED)\n"
                    "pynq_remote_add_design(MANIFEST adder/manifest.json "
                    "OUT ${CMAKE_BINARY_DIR}/packages JOBS 2)\n")
        build = os.path.join(project, "build")
        run([args.cmake, "-S", project, "-B", build, "-G", "Ninja",
             "-DCMAKE_PREFIX_PATH=" + prefix], env=env)
        run([args.cmake, "--build", build], env=env)
        check_package(os.path.join(build, "packages"), "adder_cmake")
        second = run([args.cmake, "--build", build, "-v"], env=env)
        assert "pynq-remote-design" not in second, "a second build ran the tool:\n" + second
        # A source edit rebuilds (the depfile names it).
        v = os.path.join(project, "adder", "adder_top.v")
        with open(v) as f:
            text = f.read()
        with open(v, "w") as f:
            f.write(text.replace("32'h5EED0001", "32'h5EED0003"))
        third = run([args.cmake, "--build", build], env=env)
        assert "Building design package adder_cmake" in third, third
    print("design packages from an installed pynq-remote: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
