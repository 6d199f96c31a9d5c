"""Design packages end to end: a design written in a temporary folder outside the source
tree, its package built there with the build tree's pynq-remote-design, served with
--designs and driven with pynq_remote (Overlay, register_map, MMIO); and every package the
server must refuse at start (another ABI, a missing symbol, a corrupt library, two packages
with one name, one with a built-in's name, another family, another Verilator, another
package format), each with one stderr line naming its folder, while the rest still serve.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import pytest

import pynq_remote
from conftest import BACKEND, budget, free_port

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(SOURCE, "rtl", "package", "tests"))
import small_design  # noqa: E402

pytestmark = pytest.mark.skipif(
    BACKEND != "sim" or bool(os.environ.get("PYNQ_REMOTE_DEVICES")),
    reason="design packages are loaded by a simulated board started here")

SERVER = os.environ.get("PYNQ_REMOTE_SERVER", "")
# build/server/pynq-remote-server -> build/bin/pynq-remote-design
TOOL = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(SERVER or "."))), "bin",
                    "pynq-remote-design")
BASE = 0xA0010000


def _require_server():
    if not SERVER:
        pytest.skip("PYNQ_REMOTE_SERVER is not set (run through ctest)")


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """A user's folder outside the source tree: the design and its package, built there."""
    _require_server()
    root = tmp_path_factory.mktemp("user-designs")
    assert not str(root).startswith(SOURCE)
    manifest = small_design.write(str(root / "adder"), base=BASE)
    run = subprocess.run([TOOL, "build", "--manifest", manifest, "--out", str(root / "packages")],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         timeout=budget(900))
    assert run.returncode == 0, run.stdout
    return root


class Server:
    """pynq-remote-server --backend sim with the given flags; keeps every line it printed up
    to "listening" (the package loader's lines come before it)."""

    def __init__(self, *args):
        self.root = tempfile_dir()
        self.address = "127.0.0.1:%d" % free_port()
        self.proc = subprocess.Popen(
            [SERVER, "--backend", "sim", "--listen", self.address, "--root", self.root,
             "--log-level", "warn", *args],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines = []
        deadline = time.monotonic() + budget(60)
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line and self.proc.poll() is not None:
                break
            self.lines.append(line.rstrip("\n"))
            if "listening" in line:
                return
        self.stop()
        raise AssertionError("the server did not start:\n" + "\n".join(self.lines))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=budget(20))
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.root, ignore_errors=True)


def tempfile_dir():
    return tempfile.mkdtemp(prefix="pynq-remote-root-")


def drive_adder(address, bitfile):
    """The user's flow: Overlay from the package's .bit/.hwh, register_map, MMIO."""
    dev = pynq_remote.RemoteDevice(0, address)
    try:
        ol = pynq_remote.Overlay(bitfile, device=dev)
        assert "adder_0" in ol.ip_dict
        assert ol.ip_dict["adder_0"]["phys_addr"] == BASE
        regs = ol.adder_0.register_map
        regs.A = 1234
        regs.B = 4321
        assert int(regs.SUM) == 5555
        assert int(regs.ID) == small_design.ID
        mmio = pynq_remote.MMIO(BASE, 0x1000, device=dev)
        mmio.write(0x0, 0xFFFFFFF0)
        mmio.write(0x4, 0x20)
        assert mmio.read(0x8) == 0x10  # 32-bit wrap in the RTL
        assert mmio.read(0xC) == small_design.ID
    finally:
        dev.close()


def test_user_design_built_outside_the_tree_is_served(workspace):
    server = Server("--designs", str(workspace / "packages"))
    try:
        pkg = str(workspace / "packages" / "adder")
        assert "design package loaded: %s (adder)" % pkg in server.lines, server.lines
        assert not any("refused" in l for l in server.lines), server.lines
        drive_adder(server.address, os.path.join(pkg, "adder.bit"))
    finally:
        server.stop()


def test_a_package_folder_itself_is_a_designs_dir(workspace):
    pkg = str(workspace / "packages" / "adder")
    server = Server("--designs", pkg)
    try:
        assert "design package loaded: %s (adder)" % pkg in server.lines, server.lines
        drive_adder(server.address, os.path.join(pkg, "adder.bit"))
    finally:
        server.stop()


def _copy(src, dst, library=None, **descriptor):
    shutil.copytree(src, dst)
    path = os.path.join(dst, "design.json")
    with open(path) as f:
        d = json.load(f)
    d.update(descriptor)
    with open(path, "w") as f:
        json.dump(d, f)
    if library is not None:
        shutil.copy(library, os.path.join(dst, d["library"]))
    return dst


def _compile_library(tmp_path, name, source):
    """A small .so compiled here against the sim headers (the test tree's own libraries)."""
    src = tmp_path / (name + ".cc")
    src.write_text(source)
    out = tmp_path / ("lib%s.so" % name)
    cxx = os.environ.get("CXX", "c++")
    subprocess.run([cxx, "-std=c++17", "-shared", "-fPIC", "-I", os.path.join(SOURCE, "sim"),
                    str(src), "-o", str(out)], check=True, timeout=budget(120))
    return str(out)


WRONG_ABI = r"""
#include "pl/design_package_abi.h"
static const PynqRemoteDesignPackage kPackage = {
    999, sizeof(PynqRemoteDesignPackage), "adder_abi", "", "", "", "", "", nullptr};
extern "C" const PynqRemoteDesignPackage* pynq_remote_design_package(void) { return &kPackage; }
"""

NO_ENTRY = r"""
extern "C" int some_other_symbol(void) { return 42; }
"""


def test_bad_packages_are_refused_and_the_rest_serve(workspace, tmp_path):
    good = str(workspace / "packages" / "adder")
    lib = os.path.join(good, "libadder.so")
    bad = tmp_path / "packages"
    bad.mkdir()
    truncated = tmp_path / "libtruncated.so"
    with open(lib, "rb") as f:
        truncated.write_bytes(f.read()[:4096])
    cases = {
        "abi": _copy(good, str(bad / "abi"), name="adder_abi",
                     library=_compile_library(tmp_path, "wrong_abi", WRONG_ABI)),
        "nosym": _copy(good, str(bad / "nosym"), name="adder_nosym",
                       library=_compile_library(tmp_path, "no_entry", NO_ENTRY)),
        "corrupt": _copy(good, str(bad / "corrupt"), name="adder_corrupt",
                         library=str(truncated)),
        "copy": _copy(good, str(bad / "copy")),
        "builtin": _copy(good, str(bad / "builtin"), name="ref_accel"),
        "family": _copy(good, str(bad / "family"), name="adder_z7", family="zynq7000",
                        board="Pynq-Z2", part="xc7z020clg400-1"),
        "verilator": _copy(good, str(bad / "verilator"), name="adder_v4",
                           verilator_version="4.228"),
        "format": _copy(good, str(bad / "format"), package_format=2, tool_version="9.0"),
        "abi_descriptor": _copy(good, str(bad / "abi_descriptor"), name="adder_abi2",
                                abi_version=999),
    }
    server = Server("--designs", good, "--designs", str(bad))
    try:
        refused = [l for l in server.lines if l.startswith("design package refused: ")]

        def line_of(case):
            hits = [l for l in refused if l.startswith("design package refused: %s: " %
                                                       cases[case])]
            assert len(hits) == 1, (case, refused)
            return hits[0]

        assert "design ABI 999" in line_of("abi")
        assert "does not export pynq_remote_design_package" in line_of("nosym")
        assert "cannot load its library libadder.so: corrupt ELF file (truncated" in line_of(
            "corrupt")
        assert "'adder' is already taken by %s" % good in line_of("copy")
        assert "'ref_accel' is already taken by a design built into the server" in line_of(
            "builtin")
        family = line_of("family")
        assert "Zynq-7000" in family and "Zynq UltraScale+" in family, family
        assert "Verilator 4.228" in line_of("verilator")
        assert "package_format 2" in line_of("format") and "9.0" in line_of("format")
        assert "design ABI 999" in line_of("abi_descriptor")
        assert len(refused) == len(cases), refused
        assert "design package loaded: %s (adder)" % good in server.lines
        # The server is up and the good package serves.
        drive_adder(server.address, os.path.join(good, "adder.bit"))
    finally:
        server.stop()
    assert server.proc.returncode == 0, "\n".join(server.lines)


def test_designs_dir_without_packages_is_reported(tmp_path):
    _require_server()
    server = Server("--designs", str(tmp_path))
    try:
        assert "design package refused: %s: holds no design package" % tmp_path in "\n".join(
            server.lines), server.lines
    finally:
        server.stop()
