"""Bitstream handler selection names what it refuses."""

from pynq_remote.pl_server import remote_device


def test_handler_for_unknown_suffix_names_it():
    import pytest
    with pytest.raises(RuntimeError, match=r"\.foo"):
        remote_device._get_bitstream_handler("design.foo")


def test_remote_classes_keep_pynq_40_names():
    # PYNQ 4.0 has these in pynq.pl_server.remote_device; code importing them from there works.
    for name in ("RemoteGPIO", "RemoteInterrupt", "RemoteUioController"):
        assert hasattr(remote_device, name)
