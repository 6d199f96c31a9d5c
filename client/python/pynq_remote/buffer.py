"""``pynq.allocate`` on a remote board."""

from .pl_server.device import Device


def allocate(shape, dtype="u4", target=None, **kwargs):
    """Allocates a physically contiguous RemoteBuffer on a device.

    Parameters
    ----------
    shape : int or tuple of int
        Shape of the array.
    dtype : numpy.dtype or str
        Element type ("u4" by default, as in PYNQ).
    target : Device, optional
        The board (PYNQ's name for it); ``Device.active_device`` when omitted.
    **kwargs
        ``cacheable`` (0 or 1) and PYNQ's other options.
    """
    device = target if target is not None else kwargs.pop("device", None)
    if device is None:
        device = Device.active_device
    return device.allocate(shape, dtype, **kwargs)
