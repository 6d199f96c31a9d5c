"""Unit tests of device address parsing and RemoteBuffer's byte-range arithmetic."""

import numpy as np
import pytest

from pynq_remote.pl_server.remote_buffer import _as_slices
from pynq_remote.pl_server.remote_device import grpc_target, parse_address
from pynq_remote.pl_server.security import channel_security


@pytest.mark.parametrize("text,expected", [
    ("board", ("board", 7967)), ("10.0.0.2:9000", ("10.0.0.2", 9000)),
    ("[::1]", ("::1", 7967)), ("[::1]:7000", ("::1", 7000)), (" host ", ("host", 7967)),
    ("unix:/run/p.sock", ("unix:/run/p.sock", None)),
    ("unix:///run/p.sock", ("unix:/run/p.sock", None)),
    (" unix:/tmp/a:b.sock ", ("unix:/tmp/a:b.sock", None))])
def test_parse_address(text, expected):
    assert parse_address(text) == expected


@pytest.mark.parametrize("bad,message", [
    ("", "empty"), ("host:port", "bad port"), ("[::1]:x", "bad port"),
    ("unix:rel.sock", "must be absolute"), ("unix:", "must be absolute"),
    ("unix://host/p.sock", "unix:///absolute/path"),
    ("unix:/" + "a" * 107, "at most 107")])
def test_parse_address_refuses(bad, message):
    with pytest.raises(ValueError, match=message):
        parse_address(bad)


@pytest.mark.parametrize("host,port,target", [
    ("10.0.0.2", 7967, "10.0.0.2:7967"), ("::1", 7000, "[::1]:7000"),
    ("unix:/run/p.sock", None, "unix:/run/p.sock")])
def test_grpc_target(host, port, target):
    assert grpc_target(host, port) == target


def test_token_may_travel_in_plaintext_on_a_unix_socket():
    # A unix socket reaches this machine only, as loopback does.
    security = channel_security("unix:/run/p.sock", token="t0k", environ={})
    assert security.token == "t0k" and not security.tls
    with pytest.raises(ValueError, match="refusing to send the bearer token"):
        channel_security("10.0.0.2", token="t0k", environ={})


@pytest.mark.parametrize("key", [3, -1, (1, 2), (slice(None), 2), (Ellipsis, 1), (0, Ellipsis),
                                 (None, 2), slice(2, 5)])
def test_as_slices_keeps_the_same_elements(key):
    a = np.arange(60).reshape(6, 10)
    view = a[_as_slices(key, a.shape)]
    assert np.shares_memory(view, a)
    assert np.array_equal(view.reshape(-1), np.asarray(a[key]).reshape(-1))


def test_as_slices_bounds():
    with pytest.raises(IndexError):
        _as_slices(10, (10,))
    with pytest.raises(TypeError):
        _as_slices([1, 2], (10,))
