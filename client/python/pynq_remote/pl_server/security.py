"""Transport security for the channel to a board: TLS, mutual TLS and bearer tokens.

Every setting comes from an explicit argument or, when that is None, from the environment,
so ``PYNQ_REMOTE_DEVICES`` discovery picks them up too:

- ``root_certificates`` / ``PYNQ_REMOTE_TLS_CA``: the PEM CA that signed the server's
  certificate; turns TLS on.
- ``certificate_chain`` + ``private_key`` / ``PYNQ_REMOTE_TLS_CERT`` +
  ``PYNQ_REMOTE_TLS_KEY``: this client's PEM certificate and unencrypted key (mutual TLS).
- ``token`` / ``PYNQ_REMOTE_TOKEN``: a bearer token sent with every call.
- ``server_name`` / ``PYNQ_REMOTE_TLS_SERVER_NAME``: the name the server's certificate
  holds, when it is not the address dialled.
- ``allow_insecure_token`` / ``PYNQ_REMOTE_ALLOW_INSECURE_TOKEN=1``: send the token without
  TLS to a non-loopback address (refused otherwise). A unix socket (``unix:/path``) is this
  machine's, as loopback is: a token may travel on it in plaintext.

PEM arguments take bytes (the PEM itself), or a str or path-like naming a file (a str that
holds ``-----BEGIN`` is taken as PEM); the environment variables name files.
"""

import ipaddress
import os
import time

import grpc

ENV_CA = "PYNQ_REMOTE_TLS_CA"
ENV_CERT = "PYNQ_REMOTE_TLS_CERT"
ENV_KEY = "PYNQ_REMOTE_TLS_KEY"
ENV_TOKEN = "PYNQ_REMOTE_TOKEN"
ENV_SERVER_NAME = "PYNQ_REMOTE_TLS_SERVER_NAME"
ENV_ALLOW_INSECURE_TOKEN = "PYNQ_REMOTE_ALLOW_INSECURE_TOKEN"

# A method no server implements: it reaches a token check without side effects. A server
# that checks tokens answers UNAUTHENTICATED for a bad one; any server answers UNIMPLEMENTED
# otherwise (PYNQ 3.1's included).
_PROBE_METHOD = "/pynq_remote.v1.Connection/Probe"
_POLL_S = 0.25
# What the probe ends with while no connection is up: refused or failed (UNAVAILABLE), or
# still being made when the probe's short deadline passed.
_NOT_CONNECTED = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)

# Words in gRPC's connection errors that point at TLS rather than at a server that is down.
_TLS_FAILURE_MARKERS = ("ssl", "tls", "handshake", "certificate", "peer name", "tsi",
                        "socket closed", "connection reset", "end of tcp stream")


class ConnectError(ConnectionError, RuntimeError):
    """The board cannot be reached. A RuntimeError too, as PYNQ.remote raises."""


class TlsHandshakeError(ConnectError):
    """The TCP connection was made, but the TLS handshake failed."""


class AuthenticationError(PermissionError):
    """The server wants a bearer token and got none, or refused the one it got; the
    message is the server's."""


def is_loopback(host):
    """Whether ``host`` can only be this machine: 127.0.0.0/8, ::1, ``localhost``, or a unix
    socket (``unix:/path``)."""
    if host.lower() == "localhost" or host.startswith("unix:"):
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or bool(mapped and mapped.is_loopback)


def _flag(value):
    return value.strip().lower() in ("1", "true", "yes", "on")


def _load_pem(value, name, kind):
    """PEM bytes from ``value`` (bytes, PEM text, or a file name); None stays None.

    ``name`` says where the value came from in errors: ``"root_certificates"`` or
    ``"PYNQ_REMOTE_TLS_CA=/etc/ca.pem"``; ``kind`` is "certificate" or "private key".
    """
    if value is None:
        return None
    if isinstance(value, (bytes, bytearray, memoryview)):
        data = bytes(value)
    elif isinstance(value, str) and "-----BEGIN" in value:
        data = value.encode("ascii", "replace")
    elif isinstance(value, (str, os.PathLike)):
        path = os.fspath(value)
        try:
            with open(path, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            raise FileNotFoundError(f"{name}: no such file {path!r}") from None
        except OSError as error:
            raise OSError(f"{name}: cannot read {path!r}: {error.strerror}") from None
    else:
        raise TypeError(f"{name}: PEM bytes or a file name, not {type(value).__name__}")
    if kind == "certificate":
        if b"-----BEGIN CERTIFICATE-----" not in data:
            what = "a private key" if b"PRIVATE KEY-----" in data else "no PEM certificate"
            raise ValueError(f"{name}: holds {what}; expected -----BEGIN CERTIFICATE-----")
    else:
        if b"ENCRYPTED" in data:
            raise ValueError(f"{name}: the private key is encrypted; gRPC needs it unencrypted "
                             "(openssl pkey -in KEY -out PLAIN.key)")
        if b"PRIVATE KEY-----" not in data:
            what = "a certificate" if b"CERTIFICATE-----" in data else "no PEM private key"
            raise ValueError(f"{name}: holds {what}; expected -----BEGIN PRIVATE KEY-----")
    return data


def _check_token(token, name):
    if isinstance(token, bytes):
        token = token.decode("ascii", "replace")
    if not isinstance(token, str):
        raise TypeError(f"{name}: a str, not {type(token).__name__}")
    if not token:
        raise ValueError(f"{name}: the token is empty")
    if any(c.isspace() for c in token):
        raise ValueError(f"{name}: a token cannot contain whitespace")
    if not all(0x21 <= ord(c) <= 0x7E for c in token):
        raise ValueError(f"{name}: a token must be printable ASCII (it travels in an HTTP/2 "
                         "header)")
    return token


class ChannelSecurity:
    """The resolved settings for one board's channel; see :func:`channel_security`."""

    def __init__(self, root_certificates, certificate_chain, private_key, token, server_name):
        self.root_certificates = root_certificates
        self.certificate_chain = certificate_chain
        self.private_key = private_key
        self.token = token
        self.server_name = server_name

    @property
    def tls(self):
        return self.root_certificates is not None or self.certificate_chain is not None

    def describe(self):
        """"TLS with a client certificate, bearer token" and the like, for messages."""
        text = "plaintext"
        if self.tls:
            text = "TLS with a client certificate" if self.certificate_chain else "TLS"
        return text + (", bearer token" if self.token else "")

    @property
    def metadata(self):
        """The pairs that carry the token on a call: ``(("authorization", "Bearer T"),)``,
        or ``()`` without a token. pynq_remote's own calls send them with the session's id
        in one tuple (session.SessionKeeper), which costs nothing next to an interceptor."""
        return (("authorization", f"Bearer {self.token}"),) if self.token else ()

    def channel(self, target, options=(), with_token=True):
        """A new grpc channel to ``target`` with these settings.

        With ``with_token`` (the default) and a token, every call on the channel carries it
        (an interceptor adds it); without, the caller sends :attr:`metadata` itself.
        """
        options = list(options)
        if self.tls:
            credentials = grpc.ssl_channel_credentials(
                root_certificates=self.root_certificates, private_key=self.private_key,
                certificate_chain=self.certificate_chain)
            if self.server_name:
                options.append(("grpc.ssl_target_name_override", self.server_name))
            channel = grpc.secure_channel(target, credentials, options=options)
        else:
            channel = grpc.insecure_channel(target, options=options)
        return self.with_token(channel) if with_token else channel

    def with_token(self, channel):
        """``channel`` with the token added to every call on it (unchanged without one)."""
        if not self.token:
            return channel
        # An interceptor, not call credentials: grpc refuses call credentials on an
        # insecure channel, and on a secure one grpcio 1.51 runs the credentials plugin
        # on a new thread for every call, which halves the MMIO call rate. The channel
        # is one built here, and channel_security has checked that the token may travel
        # on it. It costs tens of microseconds a call: pynq_remote's own calls put
        # :attr:`metadata` beside the session's id instead.
        return grpc.intercept_channel(channel, _BearerTokenInterceptor(self.metadata))


def channel_security(host, root_certificates=None, certificate_chain=None, private_key=None,
                     token=None, server_name=None, allow_insecure_token=None, environ=None):
    """Resolves a board's transport security from the arguments, then the environment.

    Parameters
    ----------
    host : str
        The board's host name or address: a token goes to a non-loopback host only over
        TLS, unless ``allow_insecure_token``.
    root_certificates, certificate_chain, private_key : bytes, str or path-like
        PEM bytes or a file. ``root_certificates`` turns TLS on; the other two, given
        together, present a client certificate (mutual TLS).
    token : str
        Bearer token sent as ``authorization: Bearer <token>`` with every call.
    server_name : str
        The name to check the server's certificate against instead of ``host``.
    allow_insecure_token : bool
        Send ``token`` in plaintext to a non-loopback host.
    environ : mapping
        Where the environment variables are read; ``os.environ`` by default.

    Returns
    -------
    ChannelSecurity

    Raises
    ------
    ValueError
        For a file that is not the PEM it should be, a certificate without its key (or the
        reverse), ``server_name`` without TLS, a token with whitespace, or a token bound
        for a non-loopback host in plaintext.
    FileNotFoundError
        For a file that does not exist.
    """
    env = os.environ if environ is None else environ

    def pick(value, argument, variable):
        """The value and how errors name it: the argument, else the variable."""
        if value is not None:
            return value, argument
        text = env.get(variable) or None
        return text, f"{variable}={text}"

    ca, ca_name = pick(root_certificates, "root_certificates", ENV_CA)
    cert, cert_name = pick(certificate_chain, "certificate_chain", ENV_CERT)
    key, key_name = pick(private_key, "private_key", ENV_KEY)
    if (cert is None) != (key is None):
        given, missing = ((cert_name, "private_key / " + ENV_KEY) if key is None
                          else (key_name, "certificate_chain / " + ENV_CERT))
        raise ValueError(f"{given} needs its pair, {missing}: a client certificate is sent "
                         "with its private key (mutual TLS)")
    security = ChannelSecurity(
        root_certificates=_load_pem(ca, ca_name, "certificate"),
        certificate_chain=_load_pem(cert, cert_name, "certificate"),
        private_key=_load_pem(key, key_name, "private key"),
        token=None, server_name=None)

    name = server_name if server_name is not None else (env.get(ENV_SERVER_NAME) or None)
    if name is not None and not security.tls:
        source = "server_name" if server_name is not None else ENV_SERVER_NAME
        raise ValueError(f"{source} names the server's TLS certificate, but TLS is off: pass "
                         f"root_certificates= or set {ENV_CA}")
    security.server_name = name

    if token is not None:
        security.token = _check_token(token, "token")
    elif env.get(ENV_TOKEN):
        security.token = _check_token(env[ENV_TOKEN], ENV_TOKEN)
    if security.token and not security.tls and not is_loopback(host):
        allowed = (allow_insecure_token if allow_insecure_token is not None
                   else _flag(env.get(ENV_ALLOW_INSECURE_TOKEN, "")))
        if not allowed:
            raise ValueError(
                f"refusing to send the bearer token to {host} in plaintext, where anyone on "
                f"the network path can read it: use TLS (root_certificates= or {ENV_CA}), or "
                "on a network you trust pass allow_insecure_token=True (or set "
                f"{ENV_ALLOW_INSECURE_TOKEN}=1)")
    return security


class _CallDetails(grpc.ClientCallDetails):
    def __init__(self, details, metadata):
        self.method = details.method
        self.timeout = details.timeout
        self.metadata = metadata
        self.credentials = details.credentials
        self.wait_for_ready = getattr(details, "wait_for_ready", None)
        self.compression = getattr(details, "compression", None)


class _BearerTokenInterceptor(grpc.UnaryUnaryClientInterceptor,
                              grpc.UnaryStreamClientInterceptor,
                              grpc.StreamUnaryClientInterceptor,
                              grpc.StreamStreamClientInterceptor):
    """Adds ``authorization: Bearer <token>`` to every call, unary and streaming."""

    def __init__(self, metadata):
        self._metadata = list(metadata)  # ChannelSecurity.metadata: the one place it is built

    def _details(self, details):
        return _CallDetails(details, list(details.metadata or ()) + self._metadata)

    def intercept_unary_unary(self, continuation, details, request):
        return continuation(self._details(details), request)

    def intercept_unary_stream(self, continuation, details, request):
        return continuation(self._details(details), request)

    def intercept_stream_unary(self, continuation, details, request_iterator):
        return continuation(self._details(details), request_iterator)

    def intercept_stream_stream(self, continuation, details, request_iterator):
        return continuation(self._details(details), request_iterator)


def _probe(channel, timeout):
    """Makes the no-op probe call; returns the RpcError it ended with, or None."""
    try:
        channel.unary_unary(_PROBE_METHOD)(b"", timeout=timeout)
    except grpc.RpcError as error:
        return error
    return None


def _tls_failure(target, security, detail):
    hint = ""
    lowered = detail.lower()
    if "peer name" in lowered:
        hint = (" The server's certificate is not issued to the name dialled: pass "
                f"server_name= (or set {ENV_SERVER_NAME}) to a name it holds.")
    elif "wrong version number" in lowered or "packet length too long" in lowered:
        hint = " The server does not seem to speak TLS (started without --tls-cert?)."
    elif security.certificate_chain is None and "socket closed" in lowered:
        hint = (" No client certificate was sent: if the server has --tls-client-ca, pass "
                f"certificate_chain= and private_key= (or set {ENV_CERT} and {ENV_KEY}).")
    return TlsHandshakeError(
        f"TLS handshake with {target} failed: is the CA right? does the server require a "
        f"client certificate?{hint} (gRPC: {detail})")


def connect(channel, target, security, timeout):
    """Waits until ``channel`` is ready and the server takes our credentials.

    Raises
    ------
    TlsHandshakeError
        As soon as the TLS handshake fails (a ConnectError, so a RuntimeError).
    ConnectError
        When the server cannot be reached within ``timeout`` seconds.
    AuthenticationError
        When the server refuses the bearer token, or wants one (a PermissionError).
    """
    ready = grpc.channel_ready_future(channel)
    deadline = time.monotonic() + timeout
    detail = ""
    while True:
        try:
            ready.result(timeout=max(0.0, min(_POLL_S, deadline - time.monotonic())))
            break
        except grpc.FutureTimeoutError:
            pass
        # Not connected yet: a call that does not wait for the connection fails at once
        # with gRPC's last connection error, which tells a refused port from a failed
        # handshake.
        error = _probe(channel, timeout=_POLL_S)
        if error is None or error.code() not in _NOT_CONNECTED:
            break  # a server answered: connected after all
        if error.code() == grpc.StatusCode.UNAVAILABLE:
            detail = error.details() or ""
            if security.tls and any(m in detail.lower() for m in _TLS_FAILURE_MARKERS):
                ready.cancel()
                raise _tls_failure(target, security, detail)
        if time.monotonic() >= deadline:
            ready.cancel()
            hint = ""
            if not security.tls and "socket closed" in detail.lower():
                hint = (" The server closed the connection: if it serves TLS, pass "
                        f"root_certificates= or set {ENV_CA}.")
            raise ConnectError(f"Failed to connect to remote device at {target} within "
                               f"{timeout} s: is pynq-remote-server running there?{hint}"
                               + (f" (gRPC: {detail})" if detail else ""))
    error = _probe(channel, timeout=timeout)
    if error is None:
        return
    if error.code() == grpc.StatusCode.UNAUTHENTICATED:
        raise AuthenticationError(f"{target}: {error.details()}")
    if error.code() == grpc.StatusCode.UNAVAILABLE:
        if security.tls:
            # With TLS 1.3 the client may finish its half of the handshake before the
            # server turns down a missing client certificate; the refusal arrives here.
            raise _tls_failure(target, security, error.details() or "")
        raise ConnectError(f"{target} dropped the connection: {error.details()}")
