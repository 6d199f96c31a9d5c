"""The `pynq-remote` command against real servers over real sockets: every command, its --json,
and the bad input a person gives it (a board that is down, a wrong token, a bad address, a
missing file, a board that answers but holds no design). Each run is a child process, as a
person's shell starts it: `python3 -m pynq_remote.cli`.
"""

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

import pynq_remote as pynq
from conftest import SimServer, budget, free_port

HERE = os.path.dirname(os.path.abspath(__file__))
CLIENT = os.path.normpath(os.path.join(HERE, "..", "..", "client", "python"))
COMMANDS = ("devices", "info", "program", "ls", "get", "put", "peek", "poke", "buffers", "trace",
            "selftest")
SECURITY_ENV = ("PYNQ_REMOTE_TLS_CA", "PYNQ_REMOTE_TLS_CERT", "PYNQ_REMOTE_TLS_KEY",
                "PYNQ_REMOTE_TOKEN", "PYNQ_REMOTE_TLS_SERVER_NAME",
                "PYNQ_REMOTE_ALLOW_INSECURE_TOKEN")
REGS, SCRATCH = 0xA0000000, 0xA0000010
REF_ID = 0x52454641  # ref_accel's ID register: "REFA"
TOKEN = "cli-test-token-4f2a"


def cli(*args, env=None, timeout=120):
    """Runs pynq-remote; the CompletedProcess (text)."""
    base = {k: v for k, v in os.environ.items()
            if k not in SECURITY_ENV and k != "PYNQ_REMOTE_DEVICES"}
    base.update(PYTHONPATH=CLIENT, PYNQ_REMOTE_PROGRESS="")
    base.update(env or {})
    return subprocess.run([sys.executable, "-m", "pynq_remote.cli", *args], capture_output=True,
                          text=True, env=base, timeout=budget(timeout))


def ok(result):
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stderr, result.stderr
    return result.stdout


def refused(result, *words):
    """An expected failure: exit 1, no traceback, the words in the message on stderr."""
    assert result.returncode == 1, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    for word in words:
        assert word in result.stderr, f"{word!r} not in:\n{result.stderr}"
    return result.stderr


def as_json(result):
    return json.loads(ok(result))


@pytest.fixture(scope="module")
def board():
    server = SimServer()
    yield server.address
    server.stop()


@pytest.fixture
def fresh():
    """A board of its own, holding no design."""
    server = SimServer()
    yield server.address
    server.stop()


@pytest.fixture
def ref_accel_bit(designs):
    return os.path.join(designs, "ref_accel", "ref_accel.bit")


@pytest.fixture
def programmed(board, ref_accel_bit):
    ok(cli("program", ref_accel_bit, "--device", board))
    return board


def down_address():
    return f"127.0.0.1:{free_port()}"  # nothing listens there


# -- every command: --help ------------------------------------------------------------------

def test_help_for_every_command():
    usage = ok(cli("--help"))
    for command in COMMANDS:
        assert command in usage
        text = ok(cli(command, "--help"))
        assert f"usage: pynq-remote {command}" in text
        assert "--device HOST:PORT" in text and "--json" in text and "--token" in text


def test_no_command_is_a_usage_error():
    result = cli()
    assert result.returncode == 2 and "COMMAND" in result.stderr


def test_the_console_script_is_declared():
    with open(os.path.join(CLIENT, "pyproject.toml")) as f:
        assert 'pynq-remote = "pynq_remote.cli:run"' in f.read()


# -- which board ----------------------------------------------------------------------------

def test_no_board_named_says_how_to_name_one():
    refused(cli("info"), "--device HOST:PORT", "PYNQ_REMOTE_DEVICES")


def test_boards_from_the_environment(board):
    doc = as_json(cli("devices", "--json", env={"PYNQ_REMOTE_DEVICES": board}))
    assert [d["board"] for d in doc["devices"]] == [board]


def test_options_before_or_after_the_command(board):
    before = as_json(cli("--json", "--device", board, "devices"))
    after = as_json(cli("devices", "--device", board, "--json"))
    assert [d["board"] for d in before["devices"]] == [d["board"] for d in after["devices"]] \
        == [board]


def test_a_bad_address_is_named():
    refused(cli("info", "--device", "host:notaport"), "host:notaport", "bad port")


def test_several_boards_for_a_one_board_command(board, fresh):
    refused(cli("peek", "0xA0000000", "--device", board, "--device", fresh),
            "2 boards are named", "--device")


# -- devices ---------------------------------------------------------------------------------

def test_devices_pings_every_board_with_its_latency(board, fresh):
    out = ok(cli("devices", "--device", board, "--device", fresh))
    assert board in out and fresh in out and " ms" in out and "ZCU104" in out
    doc = as_json(cli("devices", "--json", "--device", f"{board},{fresh}"))
    assert [d["board"] for d in doc["devices"]] == [board, fresh]
    for entry in doc["devices"]:
        assert entry["ok"] and 0 < entry["latency_ms"] < 1000 and entry["server_version"]


def test_devices_with_one_board_down(board):
    down = down_address()
    result = cli("devices", "--device", board, "--device", down, "--connect-timeout", "1")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "DOWN" in result.stdout and f"{down}: cannot reach the board" in result.stderr
    result = cli("devices", "--json", "--device", board, "--device", down,
                 "--connect-timeout", "1")
    assert result.returncode == 1
    entries = {e["board"]: e for e in json.loads(result.stdout)["devices"]}
    assert entries[board]["ok"] and not entries[down]["ok"]
    assert "cannot reach" in entries[down]["error"]


# -- info ------------------------------------------------------------------------------------

def test_info_of_a_board_without_a_design(fresh):
    out = ok(cli("info", "--device", fresh))
    for words in ("ZCU104", "loaded design  none", "pl clocks", "fclk0 ", "usage",
                  "server ", "0.1.0", "sim"):
        assert words in out, out
    doc = as_json(cli("info", "--json", "--device", fresh))["boards"][0]
    assert doc["loaded_design"] is None and doc["backend"] == "sim"
    assert doc["pl_clocks_mhz"] and doc["usage"]["open_sessions"] >= 1
    assert doc["server_version"] and doc["arch"] == "aarch64"


def test_info_after_program_names_the_design(programmed):
    doc = as_json(cli("info", "--json", "--device", programmed))["boards"][0]
    assert doc["loaded_design"] == "ref_accel" and doc["fpga_state"] == "operating"


def test_info_of_a_board_that_is_down():
    down = down_address()
    result = cli("info", "--device", down, "--connect-timeout", "1")
    refused(result, down, "cannot reach the board")
    result = cli("info", "--json", "--device", down, "--connect-timeout", "1")
    assert result.returncode == 1
    assert "cannot reach" in json.loads(result.stdout)["boards"][0]["error"]


# -- program ---------------------------------------------------------------------------------

def test_program_with_the_hwh_beside_it(fresh, ref_accel_bit):
    out = ok(cli("program", ref_accel_bit, "--device", fresh))
    assert "programmed" in out and "operating" in out
    # The .hwh went with it: the design's registers are reachable.
    assert int(as_json(cli("peek", hex(REGS), "--json", "--device", fresh))["value"]) == REF_ID
    doc = as_json(cli("program", ref_accel_bit, "--json", "--device", fresh))
    assert doc["loaded_design"] == "ref_accel" and doc["hwh"].endswith("ref_accel.hwh")


def test_program_a_bitstream_without_its_hwh(fresh, ref_accel_bit, tmp_path):
    bit = tmp_path / "lonely.bit"
    shutil.copy(ref_accel_bit, bit)
    out = ok(cli("program", str(bit), "--device", fresh))
    assert "no " in out and "lonely.hwh beside it" in out


def test_program_bad_input(board, tmp_path):
    refused(cli("program", str(tmp_path / "missing.bit"), "--device", board),
            board, "missing.bit: no such file")
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    refused(cli("program", str(text), "--device", board), "not a bitstream")
    junk = tmp_path / "junk.bit"
    junk.write_bytes(b"\x00\x09junk")
    refused(cli("program", str(junk), "--device", board), board, "junk.bit")
    result = cli("program", str(tmp_path / "missing.bit"), "--json", "--device", board)
    assert result.returncode == 1 and "no such file" in json.loads(result.stdout)["error"]


# -- ls, get, put ------------------------------------------------------------------------------

def test_put_ls_get_round_trip(board, tmp_path):
    data = np.random.default_rng(7).integers(0, 256, 300000, dtype=np.uint8).tobytes()
    local = tmp_path / "blob.bin"
    local.write_bytes(data)
    ok(cli("put", str(local), "/lib/firmware/cli_blob.bin", "--device", board))
    out = ok(cli("ls", "/lib/firmware/cli_blob.bin", "/lib/firmware", "--device", board))
    assert "300000 bytes" in out and "directory" in out
    doc = as_json(cli("ls", "--json", "/lib/firmware/cli_blob.bin", "--device", board))
    assert doc["paths"] == [{"path": "/lib/firmware/cli_blob.bin", "exists": True,
                             "kind": "file", "size": 300000}]
    # A directory lists its entries, with kinds and sizes; a symlink is not followed.
    doc = as_json(cli("ls", "--json", "/lib/firmware", "/", "--device", board))
    firmware, root = doc["paths"]
    assert firmware["kind"] == "directory" and not firmware["truncated"]
    assert {"name": "cli_blob.bin", "kind": "file", "size": 300000} in firmware["entries"]
    names = [e["name"] for e in firmware["entries"]]
    assert names == sorted(names)
    assert {"name": "lib", "kind": "directory", "size": 0} in root["entries"]
    assert "/lib/firmware/cli_blob.bin" in out and "entries" in out
    back = tmp_path / "back.bin"
    ok(cli("get", "/lib/firmware/cli_blob.bin", str(back), "--device", board))
    assert back.read_bytes() == data
    stdout = subprocess.run([sys.executable, "-m", "pynq_remote.cli", "get", "/proc/version",
                             "-", "--device", board], capture_output=True,
                            env=dict(os.environ, PYTHONPATH=CLIENT), timeout=budget(60))
    assert stdout.returncode == 0 and b"Linux version" in stdout.stdout
    doc = as_json(cli("get", "--json", "/lib/firmware/cli_blob.bin", str(back),
                      "--device", board))
    assert doc["bytes"] == 300000


def test_file_bad_input(board, tmp_path):
    result = cli("ls", "/lib/firmware", "/no/such/path", "--device", board)
    assert result.returncode == 1 and "missing" in result.stdout
    refused(cli("get", "/no/such/file", str(tmp_path / "x"), "--device", board),
            board, "/no/such/file: no such file on the board")
    refused(cli("put", str(tmp_path / "absent"), "/tmp/x", "--device", board),
            board, "absent: no such file here")
    local = tmp_path / "f"
    local.write_text("x")
    refused(cli("put", str(local), "/no/dir/f", "--device", board), board, "/no/dir/f")
    refused(cli("get", "/../etc/passwd", str(tmp_path / "y"), "--device", board), board)
    refused(cli("ls", "/../etc", "--device", board), board, "..")


# -- peek, poke ------------------------------------------------------------------------------

def test_peek_and_poke(programmed):
    out = ok(cli("peek", hex(REGS), "--device", programmed))
    assert f"{REF_ID:#010x}" in out
    out = ok(cli("poke", hex(SCRATCH), "0x1234abcd", "--device", programmed))
    assert "reads back 0x1234abcd" in out
    doc = as_json(cli("peek", hex(SCRATCH), "2", "--json", "--device", programmed))
    assert doc == {"board": programmed, "address": SCRATCH, "width": 2, "value": 0xabcd}
    doc = as_json(cli("poke", hex(SCRATCH + 1), "0x5a", "--width", "1", "--json", "--device",
                      programmed))
    assert doc["read_back"] == 0x5a
    assert as_json(cli("peek", hex(SCRATCH), "--json", "--device", programmed))["value"] \
        == 0x12345acd


def test_peek_poke_bad_input(programmed):
    d = ("--device", programmed)
    refused(cli("peek", "0xA0F00000", *d), programmed, "outside what MMIO may reach")
    refused(cli("peek", "0xA0000002", *d), programmed, "not aligned")
    refused(cli("peek", "banana", *d), programmed, "bad address 'banana'")
    refused(cli("peek", "0xA0000000", "3", *d), "bad width")
    refused(cli("peek", "0x10000000000000000", *d), "outside the 64-bit address space")
    refused(cli("poke", hex(SCRATCH), "0x1ffffffff", *d), "does not fit in 4 bytes")
    refused(cli("poke", hex(SCRATCH), "many", *d), "bad value 'many'")
    result = cli("peek", "0xA0F00000", "--json", *d)
    assert result.returncode == 1
    assert json.loads(result.stdout)["board"] == programmed


def test_peek_on_a_board_without_a_design(fresh):
    refused(cli("peek", hex(REGS), "--device", fresh), fresh, "program a bitstream first")


def test_peek_a_board_that_is_down():
    down = down_address()
    refused(cli("peek", hex(REGS), "--device", down, "--connect-timeout", "1"), down,
            "cannot reach the board")


# -- buffers ---------------------------------------------------------------------------------

def has_inventory(address):
    import grpc
    from pynq_remote._proto.pynq_remote.v1 import board_pb2, board_pb2_grpc
    channel = grpc.insecure_channel(address)
    try:
        board_pb2_grpc.InventoryStub(channel).ListBuffers(board_pb2.ListBuffersRequest(),
                                                          timeout=budget(10))
        return True
    except grpc.RpcError as error:
        assert error.code() == grpc.StatusCode.UNIMPLEMENTED, error
        return False
    finally:
        channel.close()


def test_buffers_per_session(fresh):
    device = pynq.RemoteDevice(0, fresh)
    try:
        small = pynq.allocate((1000,), np.uint32, target=device)
        large = pynq.allocate((5000,), np.float64, target=device)
        out = ok(cli("buffers", "--device", fresh))
        doc = as_json(cli("buffers", "--json", "--device", fresh))["boards"][0]
        if not has_inventory(fresh):  # a server built before Inventory: its totals
            assert "does not list buffers per session" in out
            assert doc["totals"]["buffers"] == 2 and doc["totals"]["buffer_bytes"] >= 44000
            return
        assert "2 buffers in 1 session" in out and "<u4" in out and "<f8" in out
        [session] = doc["sessions"]
        assert not session["yours"] and session["session"].startswith("session-")
        assert session["bytes"] == 4000 + 40000
        assert sorted(b["size"] for b in session["buffers"]) == [4000, 40000]
        # Another session's ids are its credentials: never shown.
        assert all(b["buffer_id"] is None for b in session["buffers"])
        assert small.buffer_id not in out and device.session.session_id not in out
        large.freebuffer()
        doc = as_json(cli("buffers", "--json", "--device", fresh))["boards"][0]
        assert [b["size"] for b in doc["sessions"][0]["buffers"]] == [4000]
    finally:
        device.close()


def test_buffers_of_an_idle_board_and_a_down_one(fresh):
    down = down_address()
    result = cli("buffers", "--device", fresh, "--device", down, "--connect-timeout", "1")
    assert result.returncode == 1 and f"{down}: cannot reach the board" in result.stderr
    doc = json.loads(cli("buffers", "--json", "--device", fresh).stdout)["boards"][0]
    assert doc.get("sessions") in ([], None)


# -- token and TLS ---------------------------------------------------------------------------

@pytest.fixture
def token_server(tmp_path):
    tokens = tmp_path / "tokens"
    tokens.write_text(f"{TOKEN}\n")
    tokens.chmod(0o600)
    env = {k: v for k, v in os.environ.items() if k not in SECURITY_ENV}
    server = SimServer("--token-file", str(tokens), env=env)
    yield server.address
    server.stop()


def test_token(token_server):
    refused(cli("info", "--device", token_server), token_server, "refused this client",
            "--token")
    refused(cli("info", "--device", token_server, "--token", "wrong-token"), token_server,
            "refused this client")
    result = cli("devices", "--device", token_server, "--token", "wrong-token")
    assert result.returncode == 1 and "refused this client" in result.stderr
    assert "ZCU104" in ok(cli("info", "--device", token_server, "--token", TOKEN))
    assert "ZCU104" in ok(cli("info", "--device", token_server,
                              env={"PYNQ_REMOTE_TOKEN": TOKEN}))


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture
def tls_server(tmp_path):
    if not shutil.which("openssl"):
        pytest.fail("the openssl CLI is missing (apt-get install openssl)")
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=pynq-remote cli test ca", cwd=tmp_path)
    (tmp_path / "server.ext").write_text("subjectAltName=IP:127.0.0.1\n"
                                         "basicConstraints=CA:FALSE\n")
    openssl("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=board",
            cwd=tmp_path)
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "server.ext",
            cwd=tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in SECURITY_ENV}
    server = SimServer("--tls-cert", str(tmp_path / "server.pem"), "--tls-key",
                       str(tmp_path / "server.key"), env=env)
    yield server.address, str(tmp_path / "ca.pem")
    server.stop()


def test_tls(tls_server):
    address, ca = tls_server
    assert "ZCU104" in ok(cli("info", "--device", address, "--tls-ca", ca))
    assert "ZCU104" in ok(cli("info", "--device", address, env={"PYNQ_REMOTE_TLS_CA": ca}))
    refused(cli("info", "--device", address, "--connect-timeout", "2"), address)
    refused(cli("info", "--device", address, "--tls-ca", "/no/such/ca.pem"), address,
            "/no/such/ca.pem")


# -- selftest --------------------------------------------------------------------------------

def steps(doc):
    return {s["step"]: s for s in doc["boards"][0]["steps"]}


def test_selftest_passes_on_a_simulated_zcu104(fresh, designs):
    result = cli("selftest", "--device", fresh, "--designs", designs, timeout=600)
    out = ok(result)
    for step in ("connect", "version", "program", "mmio", "buffers", "dma", "interrupts",
                 "resizer (PYNQ 4.0)", "throughput"):
        assert step in out
    assert f"{fresh}: passed" in out and "FAIL" not in out
    doc = as_json(cli("selftest", "--json", "--device", fresh, "--designs", designs,
                      timeout=600))
    assert doc["passed"]
    by_name = steps(doc)
    assert all(s["result"] == "pass" for s in by_name.values()), by_name
    assert by_name["throughput"]["figures"]["write_mb_per_s"] > 0
    assert by_name["mmio"]["figures"]["mmio_reads_per_s"] > 0
    assert "float16" in by_name["buffers"]["detail"] and "complex128" in by_name["buffers"][
        "detail"]


def test_selftest_on_a_simulated_pynq_z2(designs):
    server = SimServer("--board", "Pynq-Z2")
    try:
        doc = json.loads(cli("selftest", "--json", "--device", server.address, "--designs",
                             designs, timeout=600).stdout)
    finally:
        server.stop()
    by_name = steps(doc)
    assert by_name["program"]["result"] == "pass" and "pynqz2_dma" in by_name["program"]["detail"]
    assert by_name["dma"]["result"] == "pass" and by_name["mmio"]["result"] == "pass"
    assert by_name["resizer (PYNQ 4.0)"]["result"] == "skip"
    assert doc["passed"], by_name


def test_selftest_without_designs_skips_what_needs_one(fresh):
    result = cli("selftest", "--device", fresh, env={"PYNQ_REMOTE_DESIGNS": ""})
    out = ok(result)
    assert "skip" in out and "--designs DIR" in out
    refused(cli("selftest", "--device", fresh, "--designs", "/no/such/designs"),
            "/no/such/designs")


def test_selftest_fails_on_a_board_that_is_down():
    down = down_address()
    result = cli("selftest", "--device", down, "--connect-timeout", "1")
    assert result.returncode == 1 and "FAIL" in result.stdout and "cannot reach" in result.stdout
    result = cli("selftest", "--json", "--device", down, "--connect-timeout", "1")
    assert result.returncode == 1 and json.loads(result.stdout)["passed"] is False


def test_selftest_fails_when_a_check_fails(fresh, designs, tmp_path):
    # A designs folder whose reference design is a truncated bitstream: programming fails,
    # and so does every check that needs it; the run ends in a table, exit code 1.
    broken = tmp_path / "designs"
    shutil.copytree(designs, broken)
    bit = broken / "ref_accel" / "ref_accel.bit"
    bit.write_bytes(bit.read_bytes()[:100])
    result = cli("selftest", "--device", fresh, "--designs", str(broken), timeout=600)
    assert result.returncode == 1 and "Traceback" not in result.stderr + result.stdout
    assert "FAILED (program, mmio)" in result.stdout, result.stdout
