"""The client's session: an Attach stream held open for as long as the RemoteDevice lives.

The server ties every buffer and MMIO handle made under the session's id to it and frees
them once the stream ends (the channel closed, the process died, the connection dropped)
and a short grace period passes. A background thread holds the stream; when it drops it
reattaches with the same id, so a brief network loss or a server restarted with a state
directory keeps the handles. Servers without the Session service (PYNQ 3.1) leave the
client sessionless, as before.
"""

import logging
import os
import threading

import grpc

from .._proto.pynq_remote.v1 import session_pb2, session_pb2_grpc

METADATA_KEY = "pynq-remote-session"
_RETRY_FIRST_S = 0.05
_RETRY_MAX_S = 1.0

_log = logging.getLogger(__name__)


class SessionLostError(RuntimeError):
    """The server no longer knows this client's session (it expired, or the server
    restarted without a state directory): every buffer and MMIO handle made in it is gone.
    A new session has been opened for what follows."""


class SessionMethod:
    """One RPC of a SessionStub: the stub's multicallable with the session's metadata (and
    the bearer token, when there is one) and wait_for_ready added to every invocation
    (plain call, ``future``, ``with_call``)."""

    __slots__ = ("_method", "_keeper")

    def __init__(self, method, keeper):
        self._method = method
        self._keeper = keeper  # read per call: a reconnect may change its metadata

    def _kwargs(self, kwargs):
        extra = self._keeper.metadata
        if extra:
            given = kwargs.get("metadata")
            kwargs["metadata"] = tuple(given) + extra if given else extra
        # A call made while the server is restarting waits for it (up to its deadline)
        # instead of failing at once: "reconnects on its next call".
        kwargs.setdefault("wait_for_ready", True)
        return kwargs

    def __call__(self, request, timeout=None, **kwargs):
        if not kwargs:  # the common call: no metadata of the caller's to merge
            return self._method(request, timeout=timeout, metadata=self._keeper.metadata or None,
                                wait_for_ready=True)
        kwargs["timeout"] = timeout
        return self._method(request, **self._kwargs(kwargs))

    def future(self, request, **kwargs):
        return self._method.future(request, **self._kwargs(kwargs))

    def with_call(self, request, **kwargs):
        return self._method.with_call(request, **self._kwargs(kwargs))


class SessionStub:
    """A generated stub whose every call carries ``keeper.metadata`` (read per call, so a
    reconnect may change it). Cheaper than a channel interceptor, which in grpcio costs
    tens of microseconds per call."""

    def __init__(self, stub, keeper):
        self._stub = stub
        self._keeper = keeper

    def __getattr__(self, name):
        # Called once per name: the method becomes an attribute, found without this call
        # from then on (every MMIO access looks one up).
        method = SessionMethod(getattr(self._stub, name), self._keeper)
        setattr(self, name, method)
        return method


class SessionKeeper:
    """Opens a session on ``channel`` and keeps it attached on a daemon thread.

    Parameters
    ----------
    channel : grpc.Channel
        The channel every call of the device goes on (no interceptor: the token, if any,
        travels in ``metadata`` with the session's id).
    client_name : str
        Shown in the server's log.
    base_metadata : tuple
        The pairs every call carries, the session's own Attach included: the bearer token
        (:attr:`ChannelSecurity.metadata`), or nothing.
    """

    def __init__(self, channel, client_name=None, base_metadata=()):
        self._stub = session_pb2_grpc.SessionStub(channel)
        self._client_name = client_name or f"pynq_remote pid {os.getpid()}"
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._first = threading.Event()
        self._call = None
        self._error = None
        self.session_id = None
        self._base = tuple(base_metadata)
        # What every call made now carries: the token, then (METADATA_KEY, session_id) while
        # there is a session. A plain attribute, one tuple per session: SessionMethod reads
        # it on every call.
        self.metadata = self._base
        self.server_instance = None
        self.supported = None  # None until the server answered
        self.lost = 0          # sessions the server forgot under us (SessionLostError)
        self.limits = None
        self._thread = threading.Thread(target=self._run, name="pynq-remote-session",
                                        daemon=True)

    def _set_session(self, session_id):
        self.session_id = session_id
        self.metadata = self._base + (((METADATA_KEY, session_id),) if session_id else ())

    def start(self, timeout):
        """Attaches; returns True with a session, False when the server has none (3.1).
        Raises RuntimeError when the server refuses or does not answer in ``timeout`` s."""
        self._thread.start()
        if not self._first.wait(timeout):
            self.close()
            raise RuntimeError(f"the server did not open a session within {timeout} s")
        if self._error is not None:
            self.close()
            raise self._error
        return bool(self.supported)

    def close(self):
        """Ends the session: the server frees its handles after its grace period."""
        self._closed.set()
        with self._lock:
            call = self._call
        if call is not None:
            call.cancel()

    def _requests(self, resume_id, ended):
        yield session_pb2.SessionRequest(resume_session_id=resume_id or "",
                                         client_name=self._client_name)
        # Keep the request side open (ending it would end the session) until this
        # attempt's call is over; gRPC consumes the iterator on a thread of its own.
        ended.wait()

    def _run(self):
        delay = _RETRY_FIRST_S
        while not self._closed.is_set():
            resume_id = self.session_id
            ended = threading.Event()
            call = self._stub.Attach(self._requests(resume_id, ended),
                                     metadata=self._base or None)
            with self._lock:
                self._call = call
            if self._closed.is_set():
                call.cancel()
                ended.set()
                return
            try:
                for event in call:
                    self._on_event(event, resume_id)
                    delay = _RETRY_FIRST_S
            except grpc.RpcError as error:
                if self._closed.is_set():
                    return
                if self._on_error(error, resume_id):
                    return
            finally:
                ended.set()
            if self._closed.wait(delay):
                return
            delay = min(delay * 2, _RETRY_MAX_S)

    def _on_event(self, event, resume_id):
        restarted = (self.server_instance is not None and
                     event.server_instance != self.server_instance)
        if event.session_id != self.session_id:
            self._set_session(event.session_id)
        self.server_instance = event.server_instance
        self.limits = event.limits
        self.supported = True
        if resume_id and restarted:
            _log.warning("pynq-remote server restarted; session %s resumed", resume_id)
        self._first.set()

    def _on_error(self, error, resume_id):
        """Handles a failed or dropped Attach; True when the thread should stop."""
        code = error.code()
        if code == grpc.StatusCode.UNIMPLEMENTED:
            self.supported = False
            self._first.set()
            return True
        if code == grpc.StatusCode.NOT_FOUND and resume_id:
            # The server forgot us: start over with a new session; handles are gone.
            _log.warning("pynq-remote session %s was lost: %s", resume_id, error.details())
            self._set_session(None)
            self.lost += 1
            return False
        if not self._first.is_set():
            if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED):
                return False  # not up yet: retry until start()'s timeout
            self._error = RuntimeError(f"the server refused a session: {error.details()}")
            self._first.set()
            return True
        return False
