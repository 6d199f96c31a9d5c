"""pynq_remote: the PYNQ API for boards on the network and simulated boards.

``import pynq_remote as pynq`` is all a classic PYNQ notebook changes. Boards come from
``PYNQ_REMOTE_DEVICES`` (comma-separated ``host[:port]``, port 7967 by default) or from a
``RemoteDevice`` passed explicitly.
"""

from .bitstream import Bitstream
from .buffer import allocate
from .clocks import Clocks
from .exceptions import (AccessDeniedError, BadBitstreamError, BusError, BusTimeoutError,
                         ConnectionLostError, DeadlineExceededError, DecodeError, DmaTimeoutError,
                         GpioError, InterruptCancelledError, InterruptError,
                         InterruptTimeoutError, LimitExceededError, MmioPollTimeoutError,
                         NotProgrammedError, OutOfWindowError, RemoteError, SlaveError,
                         UnalignedAccessError, UnknownHandleError)
from .gpio import GPIO
from .interrupt import Interrupt
from .mmio import MMIO
from .overlay import DefaultHierarchy, DefaultIP, Overlay, RegisterIP
from .pl_server.device import Device
from .pl_server.remote_buffer import RemoteBuffer
from .pl_server.remote_device import RemoteDevice
from .pl_server.remote_gpio import RemoteGPIO
from .pl_server.remote_interrupt import RemoteInterrupt, RemoteUioController
from .pl_server.remote_mmio import RemoteMMIO
from .registers import Register, RegisterMap
from .trace import Trace, trace
from . import lib  # noqa: E402,F401 - importing the drivers binds them to their VLNVs

__version__ = "0.1.0"

__all__ = ["Bitstream", "Clocks", "DefaultHierarchy", "DefaultIP", "Device", "GPIO", "Interrupt",
           "MMIO", "Overlay", "Register", "RegisterIP", "RegisterMap", "RemoteBuffer",
           "RemoteDevice", "RemoteGPIO", "RemoteInterrupt", "RemoteMMIO", "RemoteUioController",
           "Trace", "allocate", "lib", "trace",
           # typed errors (pynq_remote.exceptions), all RuntimeErrors
           "AccessDeniedError", "BadBitstreamError", "BusError", "BusTimeoutError",
           "ConnectionLostError", "DeadlineExceededError", "DecodeError", "DmaTimeoutError",
           "GpioError", "InterruptCancelledError", "InterruptError", "InterruptTimeoutError",
           "LimitExceededError", "MmioPollTimeoutError", "NotProgrammedError",
           "OutOfWindowError", "RemoteError", "SlaveError", "UnalignedAccessError",
           "UnknownHandleError"]
