"""A user's Vivado overlay as it is (issue 16): a design package whose design.json names the
user's Vivado .bit by SHA-256 ("vivado_bitstreams", what `pynq-remote-design import --bit`
writes) is served with --designs; the user's own design_1.bit, with the package's .hwh beside
it as design_1.hwh, is uploaded through pynq_remote.Overlay and through the unmodified PYNQ
3.1 client (which sends the byte-swapped .bin it makes from the .bit), and the design answers
MMIO. A .bit no package was imported from is refused saying how to import it. And /proc/version
names the served board's family before anything is programmed, for both families.

The "Vivado" .bit is a real .bit header around random configuration data: the server knows
it only by its hash, as it would a real one.
"""
import hashlib
import importlib.util
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import textwrap

import pytest

import pynq_remote
from conftest import BACKEND, budget, free_port
from test_design_packages import Server

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(SOURCE, "rtl", "package", "tests"))
import small_design  # noqa: E402

pytestmark = pytest.mark.skipif(
    BACKEND != "sim" or bool(os.environ.get("PYNQ_REMOTE_DEVICES")),
    reason="design packages are loaded by a simulated board started here")

SERVER = os.environ.get("PYNQ_REMOTE_SERVER", "")
BUILD = os.path.dirname(os.path.dirname(os.path.abspath(SERVER or ".")))
TOOL = os.path.join(BUILD, "bin", "pynq-remote-design")
UPSTREAM = os.environ.get("PYNQ_REMOTE_UPSTREAM_PYNQ", "")
BASE = 0xA0010000
ZCU104_PART = "xczu7ev-ffvc1156-2-e"
BIT_MAGIC = bytes([0x00, 0x09, 0x0F, 0xF0, 0x0F, 0xF0, 0x0F, 0xF0, 0x0F, 0xF0, 0x00, 0x00, 0x01])


def vivado_bit(part, data, design="design_1_wrapper;UserID=0XFFFFFFFF;Version=2024.1"):
    """A .bit as Vivado writes it: header fields a..d, then 'e' and the configuration data."""
    out = bytearray(BIT_MAGIC)
    for tag, text in ((b"a", design), (b"b", part), (b"c", "2026/01/02"), (b"d", "03:04:05")):
        value = text.encode() + b"\0"
        out += tag + struct.pack(">H", len(value)) + value
    return bytes(out + b"e" + struct.pack(">I", len(data)) + data)


def config_data(seed, words=16384):
    """Configuration data that starts as Vivado's does (dummy words, sync word 0xAA995566)."""
    rng = random.Random(seed)
    body = bytes(rng.getrandbits(8) for _ in range(4 * words))
    return b"\xff" * 32 + b"\x00\x00\x00\xbb\x11\x22\x00\x44" + b"\xff" * 8 + \
        b"\xaa\x99\x55\x66" + body


@pytest.fixture(scope="module")
def user(tmp_path_factory):
    """The user's folder: the package built from a small design, its design.json naming the
    Vivado .bit (by hand, as `import --bit` will), and design_1.bit with design_1.hwh."""
    if not SERVER:
        pytest.skip("PYNQ_REMOTE_SERVER is not set (run through ctest)")
    root = tmp_path_factory.mktemp("vivado-user")
    manifest = small_design.write(str(root / "src"), name="vivado_adder",
                                  top="vivado_adder_top", base=BASE)
    run = subprocess.run([TOOL, "build", "--manifest", manifest, "--out",
                          str(root / "packages"), "--no-trace"],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         timeout=budget(900))
    assert run.returncode == 0, run.stdout
    package = root / "packages" / "vivado_adder"
    data = config_data(16)
    bit = vivado_bit(ZCU104_PART, data)
    descriptor = json.loads((package / "design.json").read_text())
    descriptor["vivado_bitstreams"] = [{"sha256": hashlib.sha256(bit).hexdigest(),
                                        "data_sha256": hashlib.sha256(data).hexdigest()}]
    (package / "design.json").write_text(json.dumps(descriptor, indent=2))
    vivado = root / "vivado"
    vivado.mkdir()
    (vivado / "design_1.bit").write_bytes(bit)
    shutil.copy(package / "vivado_adder.hwh", vivado / "design_1.hwh")
    # A .bit no package was imported from, with the same .hwh.
    (vivado / "other.bit").write_bytes(vivado_bit(ZCU104_PART, config_data(17)))
    shutil.copy(package / "vivado_adder.hwh", vivado / "other.hwh")
    return root


def drive(dev, bitfile):
    ol = pynq_remote.Overlay(bitfile, device=dev)
    assert ol.ip_dict["adder_0"]["phys_addr"] == BASE
    regs = ol.adder_0.register_map
    regs.A = 1234
    regs.B = 4321
    assert int(regs.SUM) == 5555
    mmio = pynq_remote.MMIO(BASE, 0x1000, device=dev)
    mmio.write(0x0, 0xFFFFFFF0)
    mmio.write(0x4, 0x20)
    assert mmio.read(0x8) == 0x10
    assert mmio.read(0xC) == small_design.ID
    return ol


def test_our_client_uploads_the_vivado_bit_and_the_package_design_answers(user):
    server = Server("--designs", str(user / "packages"))
    try:
        assert not any("refused" in line for line in server.lines), server.lines
        dev = pynq_remote.RemoteDevice(0, server.address)
        try:
            # Before any Program: the board the package names, and its kernel's arch.
            version = dev.read_file("/proc/version").decode()
            assert "aarch64" in version and dev.arch == "aarch64", version
            drive(dev, str(user / "vivado" / "design_1.bit"))
            # Again, after scribbling: the design starts from power-on each time.
            drive(dev, str(user / "vivado" / "design_1.bit"))
            with pytest.raises(Exception) as refused:
                pynq_remote.Overlay(str(user / "vivado" / "other.bit"), device=dev)
            text = str(refused.value)
            assert "pynq-remote-design import --bit" in text, text
            assert "not a pynq-remote sim bitstream" in text, text
        finally:
            dev.close()
    finally:
        server.stop()


UPSTREAM_FLOW = textwrap.dedent("""
    import sys
    import pynq.pl_server.remote_device as remote_device
    remote_device.PYNQ_PORT = int(sys.argv[2])   # upstream knows only 7967
    import pynq
    ol = pynq.Overlay(sys.argv[1])
    mmio = ol.adder_0
    mmio.write(0x0, 1000)
    mmio.write(0x4, 234)
    assert mmio.read(0x8) == 1234, mmio.read(0x8)
    assert mmio.read(0xC) & 0xFFFFFFFF == %d, hex(mmio.read(0xC))
    print("UPSTREAM OK", pynq.Device.active_device.arch)
""" % small_design.ID)


def test_the_upstream_pynq_client_uploads_its_bin_of_the_vivado_bit(user, tmp_path):
    if not UPSTREAM or not os.path.isdir(os.path.join(UPSTREAM, "pynq")):
        pytest.skip("PYNQ_REMOTE_UPSTREAM_PYNQ does not name upstream PYNQ 3.1's folder")
    if importlib.util.find_spec("pydantic") is None:
        pytest.skip("upstream PYNQ 3.1 imports pydantic, which %s lacks" % sys.executable)
    # Upstream keeps its metadata cache inside its own package: a private copy keeps runs apart.
    shutil.copytree(os.path.join(UPSTREAM, "pynq"), tmp_path / "pynq", symlinks=True)
    paths = [str(tmp_path)]
    if not os.path.isdir(os.path.join(UPSTREAM, "pynqmetadata")):
        paths.append(os.path.dirname(os.path.abspath(UPSTREAM)))
    server = Server("--designs", str(user / "packages"))
    try:
        port = server.address.rsplit(":", 1)[1]
        env = dict(os.environ, PYNQ_REMOTE_DEVICES="127.0.0.1",
                   PYTHONPATH=os.pathsep.join(paths), PYTHONDONTWRITEBYTECODE="1")
        run = subprocess.run([sys.executable, "-c", UPSTREAM_FLOW,
                              str(user / "vivado" / "design_1.bit"), port],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             env=env, cwd=str(tmp_path), timeout=budget(300))
        assert run.returncode == 0 and "UPSTREAM OK aarch64" in run.stdout, run.stdout
    finally:
        server.stop()


def _arch_of(*flags):
    server = Server(*flags)
    try:
        dev = pynq_remote.RemoteDevice(0, server.address)
        try:
            return dev.read_file("/proc/version").decode(), dev.arch, dev.board
        finally:
            dev.close()
    finally:
        server.stop()


def test_proc_version_names_the_family_before_any_program(user):
    version, arch, board = _arch_of("--designs", str(user / "packages"))
    assert arch == "aarch64" and "aarch64" in version and board == "ZCU104", (version, board)
    version, arch, board = _arch_of("--board", "Pynq-Z2")
    assert arch == "armv7l" and "aarch64" not in version and board == "Pynq-Z2", version
    # A folder holding only a Zynq-7000 package picks that family's board.
    z7 = os.path.join(BUILD, "design-packages", "pynqz2_dma")
    if not os.path.isfile(os.path.join(z7, "design.json")):
        pytest.skip("no in-tree Zynq-7000 package at %s (PYNQ_REMOTE_DESIGN_PACKAGES=ON)" % z7)
    with tempfile.TemporaryDirectory() as only:
        shutil.copytree(z7, os.path.join(only, "pynqz2_dma"))
        version, arch, board = _arch_of("--designs", only)
    assert arch == "armv7l" and "armv7l" in version and "aarch64" not in version, version
    assert board == "Pynq-Z2", board
