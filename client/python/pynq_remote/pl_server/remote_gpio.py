"""PS GPIO (MIO and EMIO pins) of a remote board over PYNQ 4.0's ``gpio.Gpio`` service.

Pins are absolute Linux GPIO numbers, as on the board: the PS GPIO chip's base (its
``gpiochipN``), then 78 MIO pins on Zynq UltraScale+ (54 on Zynq-7000) before EMIO pin 0.

Signatures follow PYNQ 4.0's ``pynq.pl_server.remote_device.RemoteGPIO`` (``RemoteGPIO(
gpio_index, direction, device=None)`` and the static ``get_gpio_base_path``,
``get_gpio_base``, ``get_gpio_pin``, ``get_gpio_npins``, each with ``target_label=None,
device=None``); where 4.0 requires ``device`` this takes the active device, and where 4.0's
target only logs an error and reads 0 this raises the board's reason.
"""

import grpc

from .._proto import gpio_pb2
from ..exceptions import GpioError, to_exception
from .device import Device

# PS GPIO pins before EMIO pin 0 (MIO banks), by the board's arch (PYNQ's _GPIO_MIN_USER_PIN).
EMIO_OFFSET = {"aarch64": 78, "armv7l": 54}


def _device(device):
    return device if device is not None else Device.active_device


def _gpio_stub(device):
    stub = getattr(device, "_stub", {}).get("gpio")
    if stub is None:
        raise RuntimeError(f"{getattr(device, 'name', device)} is not a remote device with a "
                           "GPIO service")
    return stub


def _call(device, method, request, what):
    try:
        return method(request, timeout=device._deadline())
    except grpc.RpcError as error:
        if error.code() == grpc.StatusCode.UNIMPLEMENTED:
            raise GpioError(f"{what}: the board's server has no GPIO service (a PYNQ 3.1 "
                            "server, or an older pynq-remote-server)",
                            code="UNIMPLEMENTED") from None
        raise to_exception(error, what) from None


def _refused(response, field, what):
    """Raises GpioError when ``response`` carries a non-empty ``field`` (the board's reason)."""
    if response.HasField(field) and getattr(response, field):
        text = getattr(response, field)
        raise GpioError(f"{what}: {text}", details=text)


class RemoteGPIO:
    """One PS GPIO pin of a remote board, exported in one direction.

    Parameters
    ----------
    gpio_index : int
        The pin's Linux GPIO number (see :meth:`get_gpio_pin`).
    direction : str
        ``"in"`` or ``"out"``.
    device : RemoteDevice, optional
        The board; ``Device.active_device`` when omitted.

    Raises
    ------
    ValueError
        ``direction`` is neither "in" nor "out", or the index is not an integer.
    GpioError
        The board refused the pin (outside every GPIO chip, or no PS GPIO).
    """

    def __init__(self, gpio_index, direction, device=None):
        if direction not in ("in", "out"):
            raise ValueError("Direction should be in or out.")
        if isinstance(gpio_index, bool) or not isinstance(gpio_index, int):
            raise ValueError(f"a GPIO index is an int (a Linux GPIO number), not "
                             f"{gpio_index!r}")
        if not 0 <= gpio_index < 1 << 31:
            raise ValueError(f"GPIO index {gpio_index} is outside the Linux GPIO numbers "
                             "(0 .. 2**31 - 1)")
        self.device = _device(device)
        self.gpio_index = gpio_index
        self._direction = direction
        self._stub = _gpio_stub(self.device)
        what = f"exporting GPIO {gpio_index} as {direction} on {self.device.name}"
        response = _call(self.device, self._stub.get_gpio,
                         gpio_pb2.GetGpioRequest(index=gpio_index, direction=direction), what)
        _refused(response, "message", what)
        if not response.gpio_id:
            raise GpioError(f"{what}: the board answered no pin id")
        self._gpio_id = response.gpio_id

    def __repr__(self):
        return f"<RemoteGPIO {self.gpio_index} {self._direction} on {self.device.name}>"

    @property
    def index(self):
        return self.gpio_index

    @property
    def direction(self):
        return self._direction

    @property
    def path(self):
        """The pin's sysfs folder on the board (informational: it is not a host path)."""
        return f"/sys/class/gpio/gpio{self.gpio_index}/"

    def _check_exported(self):
        if self._gpio_id is None:
            raise GpioError(f"GPIO {self.gpio_index} on {self.device.name} was released")

    def read(self):
        """The pin's value, 0 or 1.

        Raises
        ------
        AttributeError
            The pin is an output (as in PYNQ).
        GpioError
            The board refused (the pin was released, or cannot be read).
        """
        if self._direction != "in":
            raise AttributeError("Cannot read GPIO output.")
        self._check_exported()
        what = f"reading GPIO {self.gpio_index} on {self.device.name}"
        response = _call(self.device, self._stub.read,
                         gpio_pb2.GpioReadRequest(gpio_id=self._gpio_id), what)
        _refused(response, "message", what)
        return int(response.value)

    def write(self, value):
        """Drives the pin to ``value``, 0 or 1.

        Raises
        ------
        AttributeError
            The pin is an input (as in PYNQ).
        ValueError
            ``value`` is not 0 or 1.
        RemoteError
            The board refused (its reason, typed: AccessDeniedError for an input).
        """
        if self._direction != "out":
            raise AttributeError("Cannot write GPIO input.")
        if isinstance(value, bool) or value not in (0, 1):
            raise ValueError("Can only write integer 0 or 1.")
        self._check_exported()
        _call(self.device, self._stub.write,
              gpio_pb2.GpioWriteRequest(gpio_id=self._gpio_id, value=int(value)),
              f"writing {value} to GPIO {self.gpio_index} on {self.device.name}")

    def unexport(self):
        """Gives the pin back on the board (its id is no longer valid)."""
        if self._gpio_id is None:
            return
        gpio_id, self._gpio_id = self._gpio_id, None
        _call(self.device, self._stub.unexport, gpio_pb2.GpioUnexportRequest(gpio_id=gpio_id),
              f"releasing GPIO {self.gpio_index} on {self.device.name}")

    def release(self):
        """The same as :meth:`unexport` (PYNQ's name)."""
        self.unexport()

    def is_exported(self):
        """Whether the board still holds the pin for this object."""
        if self._gpio_id is None:
            return False
        response = _call(self.device, self._stub.is_exported,
                         gpio_pb2.GpioIsExportedRequest(gpio_id=self._gpio_id),
                         f"asking about GPIO {self.gpio_index} on {self.device.name}")
        return bool(response.is_exported)

    # -- the board's GPIO chips ------------------------------------------------------------

    @staticmethod
    def get_gpio_base_path(target_label=None, device=None):
        """The board's sysfs folder of the GPIO chip labelled ``target_label`` (the PS GPIO
        chip, ``zynqmp_gpio`` or ``zynq_gpio``, when None), e.g. ``/sys/class/gpio/gpiochip338``;
        None when the board has none."""
        device = _device(device)
        request = gpio_pb2.GetGpioBasePathRequest()
        if target_label is not None:
            request.target_label = target_label
        response = _call(device, _gpio_stub(device).get_gpio_base_path, request,
                         f"finding GPIO chip {target_label or '(PS)'} on {device.name}")
        return response.base_path or None

    @staticmethod
    def get_gpio_base(target_label=None, device=None):
        """The Linux GPIO number of the chip's first pin (138 for ``gpiochip138``); None when
        the board has no such chip."""
        path = RemoteGPIO.get_gpio_base_path(target_label, device)
        if path is None:
            return None
        digits = "".join(c for c in path.rstrip("/").rpartition("/")[2] if c.isdigit())
        return int(digits)

    @staticmethod
    def get_gpio_pin(gpio_user_index, target_label=None, device=None):
        """The Linux GPIO number of a pin: the chip's base plus, with no ``target_label``
        (the PS chip), the MIO pins before EMIO (78 on Zynq UltraScale+, 54 on Zynq-7000), plus
        ``gpio_user_index``.

        Raises
        ------
        GpioError
            The board has no such GPIO chip.
        """
        device = _device(device)
        base = RemoteGPIO.get_gpio_base(target_label, device)
        if base is None:
            raise GpioError(f"{device.name} has no GPIO chip labelled "
                            f"{target_label or 'zynqmp_gpio or zynq_gpio'}")
        offset = 0 if target_label is not None else EMIO_OFFSET.get(device.arch, 78)
        return base + offset + gpio_user_index

    @staticmethod
    def get_gpio_npins(target_label=None, device=None):
        """How many pins the chip has (``ngpio``)."""
        device = _device(device)
        request = gpio_pb2.GetGpioNPinsRequest()
        if target_label is not None:
            request.target_label = target_label
        response = _call(device, _gpio_stub(device).get_gpio_npins, request,
                         f"counting the pins of GPIO chip {target_label or '(PS)'} on "
                         f"{device.name}")
        return int(response.npins)
