"""Transport security end to end: TLS, mutual TLS and bearer tokens between pynq_remote and
pynq-remote-server, over real sockets, with certificates made by the openssl CLI per run."""

import os
import shutil
import subprocess
import time

import grpc
import numpy as np
import pytest

import pynq_remote as pynq
from pynq_remote.pl_server.device import Device
from pynq_remote.pl_server.security import (AuthenticationError, ConnectError,
                                            TlsHandshakeError, channel_security)

from conftest import SimServer, budget, free_port

pytestmark = pytest.mark.skipif(bool(os.environ.get("PYNQ_REMOTE_DEVICES")),
                                reason="starts its own simulated servers")

REGS, SCRATCH0 = 0xA0000000, 0x10
SECURITY_ENV = ("PYNQ_REMOTE_TLS_CA", "PYNQ_REMOTE_TLS_CERT", "PYNQ_REMOTE_TLS_KEY",
                "PYNQ_REMOTE_TOKEN", "PYNQ_REMOTE_TLS_SERVER_NAME",
                "PYNQ_REMOTE_ALLOW_INSECURE_TOKEN")
MISSING_TOKEN = ("this server requires a bearer token: pass token= to RemoteDevice or set "
                 "PYNQ_REMOTE_TOKEN")
TOKEN = "s3cret-Token_0123456789"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """Neither this process nor the servers it starts see a caller's security settings."""
    for name in SECURITY_ENV:
        monkeypatch.delenv(name, raising=False)


def server_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in SECURITY_ENV}
    env.update(extra)
    return env


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_ca(directory, name):
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.pem", "-days", "2",
            "-subj", f"/CN=pynq-remote test {name}", cwd=directory)


def make_leaf(directory, name, ca, extensions):
    (directory / f"{name}.ext").write_text(extensions)
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}",
            cwd=directory)
    openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key",
            "-CAcreateserial", "-out", f"{name}.pem", "-days", "2", "-extfile", f"{name}.ext",
            cwd=directory)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """ca.pem signed server.pem (127.0.0.1, localhost) and client.pem; other-ca.pem signed
    nothing of ours."""
    assert shutil.which("openssl"), "the openssl CLI is missing (apt-get install openssl)"
    directory = tmp_path_factory.mktemp("pki")
    make_ca(directory, "ca")
    make_ca(directory, "other-ca")
    make_leaf(directory, "server", "ca", "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
              "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
    make_leaf(directory, "client", "ca", "basicConstraints=CA:FALSE\n"
              "extendedKeyUsage=clientAuth\n")
    return directory


@pytest.fixture
def token_file(tmp_path):
    path = tmp_path / "tokens"
    path.write_text(f"# test tokens\n{TOKEN}\nanother-token\n")
    path.chmod(0o600)
    return str(path)


def tls_args(pki):
    return ("--tls-cert", str(pki / "server.pem"), "--tls-key", str(pki / "server.key"))


def started(*args, env=None):
    return SimServer(*args, env=env if env is not None else server_env())


def mmio_and_buffer_round_trip(dev, designs):
    pynq.Bitstream(f"{designs}/ref_accel/ref_accel.bit", device=dev).download()
    regs = pynq.MMIO(REGS, 0x1000, device=dev)
    regs.write(SCRATCH0, 0xC0FFEE11)
    assert regs.read(SCRATCH0) == 0xC0FFEE11
    buf = pynq.allocate((4096,), np.uint32, target=dev)
    buf[:] = np.arange(4096, dtype=np.uint32)
    assert int(buf[4095]) == 4095
    assert np.array_equal(np.asarray(buf[:16]), np.arange(16, dtype=np.uint32))
    # Past one plain call's size: the buffer streams both ways carry the token too.
    big = pynq.allocate((3 << 20,), np.uint8, target=dev)
    pattern = np.arange(3 << 20, dtype=np.uint32).astype(np.uint8)
    big[:] = pattern
    big.view(np.ndarray)[:] = 0
    big.invalidate()
    assert np.array_equal(big.view(np.ndarray), pattern)


def health_status(channel):
    """The raw grpc.health.v1 Check of the whole server: an empty request, a status varint.
    Debian's python3-grpcio has no grpc_health module."""
    reply = channel.unary_unary("/grpc.health.v1.Health/Check")(b"", timeout=10)
    return reply[1] if len(reply) >= 2 and reply[0] == 0x08 else 0


# -- TLS --------------------------------------------------------------------------------------

def test_tls_round_trip(pki, designs):
    server = started(*tls_args(pki))
    try:
        dev = pynq.RemoteDevice(0, server.address, root_certificates=str(pki / "ca.pem"))
        try:
            assert dev.client.security.tls
            mmio_and_buffer_round_trip(dev, designs)
        finally:
            dev.close()
        # PEM bytes work as well as a file name; so does the certificate's DNS name.
        dev = pynq.RemoteDevice(0, f"localhost:{server.port}",
                                root_certificates=(pki / "ca.pem").read_bytes())
        assert dev.exists_file("/proc/version").exists
        dev.close()
    finally:
        server.stop()


def test_tls_with_the_wrong_ca_fails_fast_and_clearly(pki):
    server = started(*tls_args(pki))
    try:
        t0 = time.monotonic()
        with pytest.raises(TlsHandshakeError,
                           match=f"TLS handshake with 127.0.0.1:{server.port} failed: is "
                                 "the CA right\\? does the server require a client "
                                 "certificate\\?") as caught:
            pynq.RemoteDevice(0, server.address, root_certificates=str(pki / "other-ca.pem"))
        assert time.monotonic() - t0 < budget(4), \
            "a failed handshake should not wait for the timeout"
        assert isinstance(caught.value, RuntimeError)
        assert isinstance(caught.value, ConnectionError)
    finally:
        server.stop()


def test_tls_server_name_override(pki):
    server = started(*tls_args(pki))
    try:
        dev = pynq.RemoteDevice(0, server.address, root_certificates=str(pki / "ca.pem"),
                                server_name="localhost")
        dev.close()
        with pytest.raises(TlsHandshakeError, match="server_name="):
            pynq.RemoteDevice(0, server.address, root_certificates=str(pki / "ca.pem"),
                              server_name="not-the-board.example")
    finally:
        server.stop()


def test_plaintext_client_to_tls_server_is_told_about_tls(pki):
    server = started(*tls_args(pki))
    try:
        with pytest.raises(ConnectError, match="root_certificates="):
            pynq.RemoteDevice(0, server.address)
    finally:
        server.stop()


# -- mutual TLS -------------------------------------------------------------------------------

def test_mutual_tls_wants_a_client_certificate(pki, designs):
    server = started(*tls_args(pki), "--tls-client-ca", str(pki / "ca.pem"))
    try:
        with pytest.raises(TlsHandshakeError, match="client certificate"):
            pynq.RemoteDevice(0, server.address, root_certificates=str(pki / "ca.pem"))
        # A certificate from another CA is no better than none.
        make_leaf(pki, "stranger", "other-ca", "extendedKeyUsage=clientAuth\n")
        with pytest.raises(TlsHandshakeError):
            pynq.RemoteDevice(0, server.address, root_certificates=str(pki / "ca.pem"),
                              certificate_chain=str(pki / "stranger.pem"),
                              private_key=str(pki / "stranger.key"))
        dev = pynq.RemoteDevice(0, server.address, root_certificates=str(pki / "ca.pem"),
                                certificate_chain=str(pki / "client.pem"),
                                private_key=str(pki / "client.key"))
        try:
            mmio_and_buffer_round_trip(dev, designs)
        finally:
            dev.close()
    finally:
        server.stop()


# -- bearer tokens ----------------------------------------------------------------------------

@pytest.mark.parametrize("tls", [False, True], ids=["plaintext", "tls"])
def test_token_required(pki, token_file, designs, tls):
    server = started("--token-file", token_file, *(tls_args(pki) if tls else ()))
    ca = {"root_certificates": str(pki / "ca.pem")} if tls else {}
    try:
        with pytest.raises(AuthenticationError) as missing:
            pynq.RemoteDevice(0, server.address, **ca)
        assert isinstance(missing.value, PermissionError)
        assert MISSING_TOKEN in str(missing.value)
        with pytest.raises(PermissionError, match="bearer token rejected"):
            pynq.RemoteDevice(0, server.address, token="not-" + TOKEN, **ca)
        dev = pynq.RemoteDevice(0, server.address, token=TOKEN, **ca)
        try:
            mmio_and_buffer_round_trip(dev, designs)
        finally:
            dev.close()
        # Every token in the file is good.
        pynq.RemoteDevice(0, server.address, token="another-token", **ca).close()
    finally:
        server.stop()
    log = server.proc.stdout.read()
    assert "bearer token: refused" in log
    assert "/pynq_remote.v1.Connection/Probe" in log


def test_tokens_and_tls_from_the_environment(pki, monkeypatch, designs):
    # The server takes its token from PYNQ_REMOTE_TOKEN, the client all of its settings;
    # devices found through PYNQ_REMOTE_DEVICES use them.
    server = started(*tls_args(pki), "--tls-client-ca", str(pki / "ca.pem"),
                     env=server_env(PYNQ_REMOTE_TOKEN=TOKEN))
    try:
        monkeypatch.setenv("PYNQ_REMOTE_TLS_CA", str(pki / "ca.pem"))
        monkeypatch.setenv("PYNQ_REMOTE_TLS_CERT", str(pki / "client.pem"))
        monkeypatch.setenv("PYNQ_REMOTE_TLS_KEY", str(pki / "client.key"))
        monkeypatch.setenv("PYNQ_REMOTE_TLS_SERVER_NAME", "localhost")
        monkeypatch.setenv("PYNQ_REMOTE_TOKEN", TOKEN)
        monkeypatch.setenv("PYNQ_REMOTE_DEVICES", server.address)
        # Discovery state is process-wide: probe afresh, and give it back afterwards.
        monkeypatch.setattr(Device, "_devices", None)
        monkeypatch.setattr(Device, "_active_device", None)
        dev = Device.active_device
        try:
            assert dev.client.security.describe() == \
                "TLS with a client certificate, bearer token"
            mmio_and_buffer_round_trip(dev, designs)
        finally:
            dev.close()
        # An explicit argument wins over its variable.
        with pytest.raises(PermissionError, match="bearer token rejected"):
            pynq.RemoteDevice(0, server.address, token="wrong")
    finally:
        server.stop()


def test_token_stays_off_plaintext_networks():
    with pytest.raises(ValueError, match="refusing to send the bearer token to 192.0.2.7"):
        pynq.RemoteDevice(0, "192.0.2.7:7967", token=TOKEN)
    with pytest.raises(ValueError, match="allow_insecure_token=True"):
        channel_security("board.lab.example", token=TOKEN)
    assert channel_security("board.lab.example", token=TOKEN,
                            allow_insecure_token=True).token == TOKEN
    assert channel_security("board", environ={"PYNQ_REMOTE_TOKEN": TOKEN,
                                              "PYNQ_REMOTE_ALLOW_INSECURE_TOKEN": "1"}).token
    for loopback in ("127.0.0.1", "127.3.2.1", "::1", "localhost"):
        assert channel_security(loopback, token=TOKEN).token == TOKEN


def test_client_settings_are_checked_before_connecting(pki):
    with pytest.raises(ValueError, match="whitespace"):
        channel_security("127.0.0.1", token="two words")
    with pytest.raises(ValueError, match="private_key"):
        channel_security("127.0.0.1", root_certificates=str(pki / "ca.pem"),
                         certificate_chain=str(pki / "client.pem"))
    with pytest.raises(ValueError, match="holds a private key"):
        channel_security("127.0.0.1", root_certificates=str(pki / "ca.key"))
    with pytest.raises(FileNotFoundError, match="PYNQ_REMOTE_TLS_CA=/nonexistent/ca.pem"):
        channel_security("127.0.0.1", environ={"PYNQ_REMOTE_TLS_CA": "/nonexistent/ca.pem"})
    with pytest.raises(ValueError, match="TLS is off"):
        channel_security("127.0.0.1", server_name="board")


def test_health_answers_without_a_token(pki, token_file):
    for tls in (False, True):
        server = started("--token-file", token_file, *(tls_args(pki) if tls else ()))
        try:
            if tls:
                credentials = grpc.ssl_channel_credentials((pki / "ca.pem").read_bytes())
                channel = grpc.secure_channel(server.address, credentials)
            else:
                channel = grpc.insecure_channel(server.address)
            with channel:
                assert health_status(channel) == 1  # SERVING
                with pytest.raises(grpc.RpcError) as refused:
                    channel.unary_unary("/pynq_remote.v1.Board/GetInfo")(b"", timeout=10)
                assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
        finally:
            server.stop()


def test_refusals_are_logged_at_a_bounded_rate(token_file):
    server = started("--token-file", token_file)
    try:
        with grpc.insecure_channel(server.address) as channel:
            call = channel.unary_unary("/pynq_remote.v1.Board/GetInfo")
            for i in range(200):
                with pytest.raises(grpc.RpcError):
                    call(b"", timeout=10,
                         metadata=[("authorization", f"Bearer guess-{i}")] if i % 2 else None)
    finally:
        server.stop()
    lines = [line for line in server.proc.stdout.read().splitlines()
             if "bearer token: refused" in line]
    assert 1 <= len(lines) <= 2, lines
    assert "WARN" in lines[0] and "/pynq_remote.v1.Board/GetInfo" in lines[0]


# -- the server's checks ----------------------------------------------------------------------

def run_server(*args, env=None, until_listening=True):
    """Runs the server binary; returns (exit code or None while it serves, its output)."""
    binary = os.environ.get("PYNQ_REMOTE_SERVER")
    if not binary:
        pytest.skip("PYNQ_REMOTE_SERVER is not set (run through ctest)")
    proc = subprocess.Popen([binary, "--log-level", "warn", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True,
                            env=env if env is not None else server_env())
    output = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        output.append(line)
        if "listening" in line or (not line and proc.poll() is not None):
            break
    code = proc.poll()
    if code is None:
        proc.terminate()
        proc.wait(timeout=10)
    output.append(proc.stdout.read())
    return code, "".join(output)


def test_plaintext_off_loopback_is_warned_about():
    code, output = run_server("--listen", f"0.0.0.0:{free_port()}")
    assert code is None, output
    assert "serves plaintext gRPC beyond this machine" in output
    assert "--tls-cert" in output and "--token-file" in output
    code, output = run_server("--listen", f"127.0.0.1:{free_port()}")
    assert code is None, output
    assert "WARN" not in output, output


def test_tls_off_loopback_is_not_warned_about(pki):
    code, output = run_server("--listen", f"0.0.0.0:{free_port()}", *tls_args(pki))
    assert code is None, output
    assert "WARN" not in output, output


@pytest.mark.parametrize("case", ["missing cert", "key mismatch", "key alone", "ca alone",
                                  "cert is a key", "empty token file", "token with space",
                                  "missing token file", "env token with space"])
def test_bad_security_input_exits_1_naming_it(case, pki, tmp_path):
    empty = tmp_path / "empty"
    empty.write_text("# no tokens yet\n")
    spaced = tmp_path / "spaced"
    spaced.write_text("good\nbad token\n")
    listen = ("--listen", "127.0.0.1:0")
    args, message, env = {
        "missing cert": (("--tls-cert", str(tmp_path / "nope.pem"), "--tls-key",
                          str(pki / "server.key")), "nope.pem: No such file or directory", None),
        "key mismatch": (("--tls-cert", str(pki / "server.pem"), "--tls-key",
                          str(pki / "client.key")), "client.key is not the key of the "
                                                     "certificate in --tls-cert", None),
        "key alone": (("--tls-key", str(pki / "server.key")), "--tls-key needs --tls-cert",
                      None),
        "ca alone": (("--tls-client-ca", str(pki / "ca.pem")), "--tls-client-ca needs --tls-cert",
                     None),
        "cert is a key": (("--tls-cert", str(pki / "server.key"), "--tls-key",
                           str(pki / "server.key")), "not a certificate", None),
        "empty token file": (("--token-file", str(empty)), "no token in it", None),
        "token with space": (("--token-file", str(spaced)), "line 2: a token cannot contain "
                                                            "whitespace", None),
        "missing token file": (("--token-file", str(tmp_path / "none")),
                               "none: No such file or directory", None),
        "env token with space": ((), "PYNQ_REMOTE_TOKEN: a token cannot contain whitespace",
                                 server_env(PYNQ_REMOTE_TOKEN="a b")),
    }[case]
    code, output = run_server(*listen, *args, env=env)
    assert code == 1, output
    assert message in output
    assert "listening" not in output
