"""Typed errors from a remote board.

Every failure the board reports becomes one of these. They all derive from
:class:`RemoteError`, a ``RuntimeError``, so code written for PYNQ's ``except
RuntimeError`` keeps working; each also derives from the built-in type that says the same
thing (``TimeoutError``, ``PermissionError``, ``MemoryError``, ``IndexError``,
``ValueError``, ``ConnectionError``), so generic handlers work too.

The server names the error with a stable token (``BUS_SLVERR``, ``TIMEOUT``, ...): in the
``error_code`` field of a PYNQ 3.1 ``msg`` answer, or in the ``pynq-remote-error-code``
trailing metadata of a failed gRPC call (with ``pynq-remote-error-addr`` when the error
concerns an address). :func:`to_exception` turns either into the matching exception; a
server that sends no token (PYNQ 3.1) gives a plain :class:`RemoteError`, or a class
chosen from the gRPC status code.
"""

import grpc

ERROR_CODE_KEY = "pynq-remote-error-code"
ERROR_ADDR_KEY = "pynq-remote-error-addr"


class RemoteError(RuntimeError):
    """A failure reported by (or on the way to) a remote board.

    Attributes
    ----------
    code : str or None
        The stable token (``"BUS_SLVERR"``, ``"TIMEOUT"``, ...), the gRPC status name when
        the server sent none, or None (a PYNQ 3.1 server's ``msg``).
    address : int or None
        The physical address the error concerns, when there is one.
    details : str
        The server's own text (or gRPC's), without the client's context.
    """

    default_code = None

    def __init__(self, message, code=None, address=None, details=None):
        # One argument only: OSError-derived classes read two as (errno, strerror).
        super().__init__(message)
        self.code = code if code is not None else self.default_code
        self.address = address
        self.details = message if details is None else details


class BusError(RemoteError):
    """The bus answered the access with an error response."""


class SlaveError(BusError):
    """The addressed slave answered AXI SLVERR (a register hole, a refused access)."""
    default_code = "BUS_SLVERR"


class DecodeError(BusError):
    """Nothing decodes the address: AXI DECERR."""
    default_code = "BUS_DECERR"


class BusTimeoutError(RemoteError, TimeoutError):
    """The addressed slave did not answer within the board's bus timeout (it may still be
    stuck: reprogramming the overlay resets it)."""
    default_code = "TIMEOUT"


class AccessDeniedError(RemoteError, PermissionError):
    """The server's access policy refuses it (MMIO outside the overlay, a path outside the
    board's root, a missing or wrong token)."""
    default_code = "PERMISSION_DENIED"


class LimitExceededError(RemoteError, MemoryError):
    """A server limit (memory, handles, sessions, streams) or the board's memory is used up."""
    default_code = "LIMIT_EXCEEDED"


class NotProgrammedError(RemoteError):
    """The PL holds no design: download an overlay first."""
    default_code = "NOT_PROGRAMMED"


class OutOfWindowError(RemoteError, IndexError):
    """The address lies outside every bus window, or outside the buffer or MMIO region."""
    default_code = "OUT_OF_WINDOW"


class UnalignedAccessError(RemoteError, MemoryError):
    """The address is not a multiple of the access width (a MemoryError, as in PYNQ)."""
    default_code = "UNALIGNED"


class UnknownHandleError(RemoteError):
    """The server knows no such buffer, MMIO region or session (freed, or from before a
    server restart)."""
    default_code = "UNKNOWN_ID"


class BadBitstreamError(RemoteError, ValueError):
    """The board refused the bitstream (unknown design, corrupt, wrong part)."""
    default_code = "BAD_BITSTREAM"


class ConnectionLostError(RemoteError, ConnectionError):
    """The server went away during the call: the call did not complete; the next call
    reconnects."""
    default_code = "UNAVAILABLE"


class DeadlineExceededError(RemoteError, TimeoutError):
    """The board did not answer within the client's deadline (``PYNQ_REMOTE_TIMEOUT_S``)."""
    default_code = "DEADLINE_EXCEEDED"


class DmaTimeoutError(RemoteError, TimeoutError):
    """A DMA transfer did not finish within its timeout, or can never finish (the PL went
    idle with the channel still waiting for its stream). ``stalled`` tells which."""
    default_code = "DMA_TIMEOUT"

    def __init__(self, message, code=None, address=None, details=None, stalled=False):
        super().__init__(message, code, address, details)
        self.stalled = stalled


class MmioPollTimeoutError(RemoteError, TimeoutError):
    """``MMIO.poll`` gave up: the register did not match within its timeout. ``last_value``
    is the value last read, ``reads`` how many reads were made."""
    default_code = "POLL_TIMEOUT"

    def __init__(self, message, code=None, address=None, details=None, last_value=None,
                 reads=0):
        super().__init__(message, code, address, details)
        self.last_value = last_value
        self.reads = reads


class InterruptError(RemoteError):
    """The board refused an interrupt request: a pin it cannot resolve or that is not wired to
    a controller, an unknown or released registration, a wait on a design since replaced (the
    server's text says which)."""
    default_code = "INTERRUPT"


class InterruptCancelledError(InterruptError):
    """A pending ``wait()`` was ended by the board (gRPC CANCELLED): its registration was
    released, the PL was reprogrammed (the registration is gone; make a new Interrupt from the
    new overlay), or the server is stopping."""
    default_code = "CANCELLED"


class InterruptTimeoutError(InterruptError, TimeoutError):
    """``wait(timeout=...)`` ended without the interrupt firing."""
    default_code = "INTERRUPT_TIMEOUT"


class GpioError(RemoteError):
    """The board refused a PS GPIO request (an index outside every GPIO chip, an unknown or
    released pin, a board without PS GPIO); the server's text says which."""
    default_code = "GPIO"


# The server's tokens (server/device/device_error.h ErrorCodeToken), and ours.
_BY_TOKEN = {
    "BUS_SLVERR": SlaveError,
    "BUS_DECERR": DecodeError,
    "TIMEOUT": BusTimeoutError,
    "PERMISSION_DENIED": AccessDeniedError,
    "LIMIT_EXCEEDED": LimitExceededError,
    "NO_MEMORY": LimitExceededError,
    "RESOURCE_EXHAUSTED": LimitExceededError,
    "NOT_PROGRAMMED": NotProgrammedError,
    "OUT_OF_WINDOW": OutOfWindowError,
    "UNALIGNED": UnalignedAccessError,
    "UNKNOWN_ID": UnknownHandleError,
    "BAD_BITSTREAM": BadBitstreamError,
    "UNAVAILABLE": ConnectionLostError,
    "DEADLINE_EXCEEDED": DeadlineExceededError,
    "DMA_TIMEOUT": DmaTimeoutError,
    "POLL_TIMEOUT": MmioPollTimeoutError,
}

# A call that failed without a token (a PYNQ 3.1 server, gRPC itself, an older handler):
# the status code is all there is. DEADLINE_EXCEEDED without a token is the client's own
# deadline; the server's bus timeout always comes with its TIMEOUT token.
_BY_STATUS = {
    grpc.StatusCode.RESOURCE_EXHAUSTED: LimitExceededError,
    grpc.StatusCode.PERMISSION_DENIED: AccessDeniedError,
    grpc.StatusCode.UNAUTHENTICATED: AccessDeniedError,
    grpc.StatusCode.NOT_FOUND: UnknownHandleError,
    grpc.StatusCode.OUT_OF_RANGE: OutOfWindowError,
    grpc.StatusCode.FAILED_PRECONDITION: NotProgrammedError,
    grpc.StatusCode.ABORTED: BusError,
    grpc.StatusCode.UNAVAILABLE: ConnectionLostError,
    grpc.StatusCode.DEADLINE_EXCEEDED: DeadlineExceededError,
}


def exception_class(code):
    """The exception class for a token (or gRPC status name); RemoteError when unknown."""
    return _BY_TOKEN.get(code, RemoteError) if code else RemoteError


def to_exception(error, what=None, *, details=None, address=None):
    """The typed exception for a server failure; the caller raises it.

    Parameters
    ----------
    error : str, grpc.RpcError or None
        A token from a 3.1 answer's ``error_code`` (empty or None: a server that sends
        none), or the ``grpc.RpcError`` of a failed call (its trailing metadata carries the
        token and address; else its status code decides).
    what : str, optional
        What the client was doing ("MMIO read of 4 bytes at 0xa0000008"); the message is
        ``"<what>: <details>"``.
    details : str, optional
        The server's text, for a token (a 3.1 answer's ``msg``).
    address : int, optional
        The address the client accessed; the server's, when it sends one, wins.

    Returns
    -------
    RemoteError
        An instance of the matching subclass.
    """
    code = error or None
    if isinstance(error, grpc.RpcError):
        code, server_address = _metadata(error)
        if server_address is not None:
            address = server_address
        status = error.code() if callable(getattr(error, "code", None)) else None
        details = error.details() if callable(getattr(error, "details", None)) else str(error)
        cls = exception_class(code) if code else _BY_STATUS.get(status, RemoteError)
        if code is None and status is not None:
            code = status.name
        details = details or (status.name if status is not None else "")
        if cls is ConnectionLostError:
            details = (f"the connection to the board was lost ({details}); the call did not "
                       "complete, and the next call reconnects")
        elif cls is DeadlineExceededError:
            details = (f"no answer within the client's deadline ({details}): the board is busy, "
                       "stuck or unreachable (PYNQ_REMOTE_TIMEOUT_S sets the deadline)")
    else:
        cls = exception_class(code)
        details = details or (code or "remote error")
    message = f"{what}: {details}" if what else details
    return cls(message, code=code, address=address, details=details)


def _metadata(error):
    """(token, address) from a failed call's trailing metadata; None where absent."""
    trailing = getattr(error, "trailing_metadata", None)
    pairs = trailing() if callable(trailing) else None
    code = address = None
    for key, value in pairs or ():
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        if key == ERROR_CODE_KEY:
            code = value
        elif key == ERROR_ADDR_KEY:
            try:
                address = int(value, 16)
            except ValueError:
                pass
    return code, address
