"""``pynq.GPIO`` on a remote board: the PS GPIO/EMIO pins, by Linux GPIO number.

``GPIO(GPIO.get_gpio_pin(0), "out")`` is EMIO pin 0 of the board's PS GPIO chip;
see :mod:`pynq_remote.pl_server.remote_gpio`.
"""

import weakref

from .pl_server.remote_gpio import RemoteGPIO

__all__ = ["GPIO"]

# (device, index) -> the GPIO object holding the pin, as PYNQ's _gpio_map: one pin is not
# exported twice in opposite directions from one client.
_gpio_map = weakref.WeakValueDictionary()


class GPIO(RemoteGPIO):
    """A PS GPIO pin (PYNQ's ``pynq.GPIO``): ``read()``, ``write()``, ``release()``, and the
    static ``get_gpio_base_path``, ``get_gpio_base``, ``get_gpio_pin``, ``get_gpio_npins``.

    Parameters
    ----------
    gpio_index : int
        The pin's Linux GPIO number (:meth:`get_gpio_pin` makes it from an EMIO index).
    direction : str
        ``"in"`` or ``"out"``.
    device : RemoteDevice, optional
        The board; ``Device.active_device`` when omitted.

    Raises
    ------
    AttributeError
        The pin is already held by this client in the other direction (as in PYNQ).
    ValueError, GpioError
        See :class:`RemoteGPIO`.
    """

    def __init__(self, gpio_index, direction, device=None):
        from .pl_server.device import Device
        key = (id(device if device is not None else Device.active_device), gpio_index)
        other = _gpio_map.get(key)
        if other is not None and other._gpio_id is not None and other.direction != direction:
            raise AttributeError(f"GPIO {gpio_index} already in use in other direction "
                                 f"({other.direction}); release it first")
        super().__init__(gpio_index, direction, device)
        _gpio_map[key] = self
