"""Unit tests of device address parsing and RemoteBuffer's byte-range arithmetic."""

import numpy as np
import pytest

from pynq_remote.pl_server.remote_buffer import _as_slices
from pynq_remote.pl_server.remote_device import parse_address


@pytest.mark.parametrize("text,expected", [
    ("board", ("board", 7967)), ("10.0.0.2:9000", ("10.0.0.2", 9000)),
    ("[::1]", ("::1", 7967)), ("[::1]:7000", ("::1", 7000)), (" host ", ("host", 7967))])
def test_parse_address(text, expected):
    assert parse_address(text) == expected


@pytest.mark.parametrize("bad", ["", "host:port", "[::1]:x"])
def test_parse_address_refuses(bad):
    with pytest.raises(ValueError):
        parse_address(bad)


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
