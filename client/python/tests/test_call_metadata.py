"""Unit tests of the metadata every call of a RemoteDevice carries: the session's id and,
with a token, ``authorization: Bearer`` in the same tuple (no channel interceptor), on
plain calls, futures, with_call and streams alike."""

import grpc
import pytest

from pynq_remote.pl_server.security import channel_security
from pynq_remote.pl_server.session import METADATA_KEY, SessionKeeper, SessionMethod, SessionStub

TOKEN = ("authorization", "Bearer t0ken")


class _Recorder:
    """A multicallable that records the keyword arguments of each invocation."""

    def __init__(self):
        self.calls = []

    def __call__(self, request, **kwargs):
        self.calls.append(("call", request, kwargs))
        return "answer"

    def future(self, request, **kwargs):
        self.calls.append(("future", request, kwargs))

    def with_call(self, request, **kwargs):
        self.calls.append(("with_call", request, kwargs))


def _keeper(base=()):
    # No call is made: a channel to nowhere is never connected.
    channel = grpc.insecure_channel("127.0.0.1:1")
    keeper = SessionKeeper(channel, base_metadata=base)
    return keeper, channel


def test_token_and_session_travel_in_one_tuple():
    keeper, channel = _keeper(channel_security("127.0.0.1", token="t0ken").metadata)
    try:
        assert keeper.metadata == (TOKEN,)  # before the session opens: the token alone
        keeper._set_session("ses-1")
        assert keeper.metadata == (TOKEN, (METADATA_KEY, "ses-1"))
        keeper._set_session(None)  # the server forgot the session: the token stays
        assert keeper.metadata == (TOKEN,)
    finally:
        channel.close()


def test_without_a_token_only_the_session_is_sent():
    assert channel_security("127.0.0.1").metadata == ()
    keeper, channel = _keeper()
    try:
        assert keeper.metadata == ()
        keeper._set_session("ses-2")
        assert keeper.metadata == ((METADATA_KEY, "ses-2"),)
    finally:
        channel.close()


@pytest.mark.parametrize("how", ["call", "future", "with_call"])
def test_every_invocation_carries_the_metadata_read_at_call_time(how):
    keeper, channel = _keeper((TOKEN,))
    try:
        recorder = _Recorder()
        method = SessionStub(type("Stub", (), {"read": recorder})(), keeper).read
        assert isinstance(method, SessionMethod)
        invoke = method if how == "call" else getattr(method, how)
        invoke("req", timeout=3.0)
        keeper._set_session("ses-3")  # a reconnect: the next call sends the new id
        invoke("req", timeout=3.0)
        (_, _, first), (_, _, second) = (c for c in recorder.calls)
        assert all(kind == how for kind, _, _ in recorder.calls)
        assert first["metadata"] == (TOKEN,)
        assert second["metadata"] == (TOKEN, (METADATA_KEY, "ses-3"))
        assert first["wait_for_ready"] is True and first["timeout"] == 3.0
    finally:
        channel.close()


def test_a_callers_own_metadata_and_wait_for_ready_are_kept():
    keeper, channel = _keeper((TOKEN,))
    try:
        keeper._set_session("ses-4")
        recorder = _Recorder()
        method = SessionMethod(recorder, keeper)
        method("req", metadata=[("x-mine", "1")], wait_for_ready=False)
        _, _, kwargs = recorder.calls[0]
        assert kwargs["metadata"] == (("x-mine", "1"), TOKEN, (METADATA_KEY, "ses-4"))
        assert kwargs["wait_for_ready"] is False and kwargs["timeout"] is None
    finally:
        channel.close()


def test_a_device_channel_without_the_token_is_not_intercepted():
    security = channel_security("127.0.0.1", token="t0ken")
    plain = security.channel("127.0.0.1:1", with_token=False)
    wrapped = security.with_token(plain)
    try:
        assert wrapped is not plain  # the public channel adds the token itself
        assert channel_security("127.0.0.1").with_token(plain) is plain
    finally:
        wrapped.close()
