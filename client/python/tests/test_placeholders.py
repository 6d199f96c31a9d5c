"""The PYNQ.remote classes whose server side comes with the interrupts work: they exist
under PYNQ's names and refuse clearly until then."""

import pytest

from pynq_remote.pl_server import remote_device


@pytest.mark.parametrize("make,call", [
    (lambda: remote_device.RemoteGPIO(3, "out"), lambda g: g.read()),
    (lambda: remote_device.RemoteGPIO(3, "out"), lambda g: g.write(1)),
    (lambda: remote_device.RemoteInterrupt("axi_dma_0/s2mm_introut"), lambda i: i.wait()),
    (lambda: remote_device.RemoteUioController(), lambda u: u.add_event(None, 0)),
])
def test_refuses_with_a_reason(make, call):
    with pytest.raises(RuntimeError, match="not available yet"):
        call(make())


def test_handler_for_unknown_suffix_names_it():
    with pytest.raises(RuntimeError, match=r"\.foo"):
        remote_device._get_bitstream_handler("design.foo")
