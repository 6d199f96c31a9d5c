"""``pynq.Interrupt`` on a remote board: ``await Interrupt("axi_gpio_0/ip2intc_irpt").wait()``.

The pin is looked up in the metadata of the overlay last downloaded from this client
(PYNQ looks in ``PL.interrupt_pins`` the same way), registered with the board's interrupt
service, and each ``wait()`` is one call to the board that returns when the pin is high;
see :mod:`pynq_remote.pl_server.remote_interrupt`.
"""

from .pl_server.remote_interrupt import RemoteInterrupt, RemoteUioController

__all__ = ["Interrupt", "RemoteInterrupt", "RemoteUioController"]


class Interrupt(RemoteInterrupt):
    """An interrupt pin of the loaded overlay, with PYNQ's API: a coroutine ``wait()`` that
    returns once the pin is high. If the overlay is downloaded again the object is
    invalidated and ``wait()`` raises InterruptCancelledError.

    Parameters
    ----------
    pinname : str
        The pin's path in the block design, ``"<cell>/<pin>"``.
    device : RemoteDevice, optional
        The board; ``Device.active_device`` when omitted.

    Raises
    ------
    ValueError
        No interrupt pin of that name in the overlay (the message lists those there are).
    InterruptError
        The board refused the registration (its message says why).
    """

    def __init__(self, pinname, device=None, **kwargs):
        super().__init__(pinname, device=device, **kwargs)
