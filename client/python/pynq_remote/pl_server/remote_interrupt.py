"""Interrupts of a remote board over the ``interrupt.RemoteInterrupt`` service.

The wire is PYNQ pull request #1566's (``proto/interrupt.proto``): a pin is registered by its
``.hwh`` path together with its input index on the AXI interrupt controller, the controller's
base address and the controller's GIC number; each ``wait_for_interrupt`` call re-arms the pin
on the board and returns once it is high (FIRED), or TIMEOUT/ERROR with a message, with an OK
status; a wait the board ends (registration released, PL reprogrammed, server stopping) ends
with gRPC CANCELLED.

Unlike that pull request's client, :meth:`RemoteInterrupt.wait` really awaits the call: the
pull request hands the gRPC future to ``asyncio.wrap_future``, which accepts only a
``concurrent.futures.Future`` and so fails on every server. Here the call's done callback
settles an asyncio future through ``loop.call_soon_threadsafe`` (gRPC runs callbacks on its
own threads), and cancelling the awaiting task cancels the call, which the server sees at once
and answers by dropping the waiter.

Signatures follow PYNQ 4.0 and pull request #1566 (see ``RemoteInterrupt`` and
``RemoteUioController``), with a ``device`` argument added where they take the active device
implicitly.
"""

import asyncio
import logging
import threading
import weakref

import grpc

from .._proto import interrupt_pb2
from ..exceptions import (InterruptCancelledError, InterruptError, InterruptTimeoutError,
                          to_exception)
from .device import Device

# Trailing metadata of a FIRED answer on a simulated board: the simulated time (ps) at which
# the interrupt line rose, so latency can be told in the board's own time.
SIM_TIME_KEY = "pynq-remote-irq-sim-ps"
_RELEASE_TIMEOUT_S = 5.0

_log = logging.getLogger(__name__)


def _interrupt_stub(device):
    stub = getattr(device, "_stub", {}).get("interrupt")
    if stub is None:
        raise RuntimeError(f"{getattr(device, 'name', device)} is not a remote device with an "
                           "interrupt service")
    return stub


def _release(stub, interrupt_id, quiet):
    """Releases ``interrupt_id``; with ``quiet`` (garbage collection, interpreter exit) every
    failure is only logged: the board frees the registration with the session anyway."""
    try:
        # Quietly: never wait for a server that is gone (its session frees the registration).
        response = stub.release_interrupt(
            interrupt_pb2.ReleaseRequest(interrupt_id=interrupt_id), timeout=_RELEASE_TIMEOUT_S,
            wait_for_ready=not quiet)
    except (grpc.RpcError, ValueError) as error:  # ValueError: the channel is closed
        if quiet:
            _log.debug("releasing interrupt %s: %s", interrupt_id, error)
            return
        raise to_exception(error, f"releasing interrupt {interrupt_id}") from None
    if response.HasField("msg") and response.msg:
        # Already released, or invalidated by a reprogram: nothing is held any more.
        _log.debug("releasing interrupt %s: %s", interrupt_id, response.msg)


class _InFlight:
    """One wait_for_interrupt call and the tasks awaiting it."""

    __slots__ = ("call", "future", "loop", "waiters")

    def __init__(self, call, future, loop):
        self.call = call
        self.future = future
        self.loop = loop
        self.waiters = 0


def _settle(future):
    if not future.done():
        future.set_result(None)


class RemoteInterrupt:
    """An interrupt pin of the overlay loaded on a remote board (PYNQ's ``Interrupt``).

    Signature: PYNQ 4.0's placeholder is ``RemoteInterrupt(fullpath=None)`` with
    ``wait(timeout=None)``, pull request #1566's is ``RemoteInterrupt(fullpath)`` with
    ``async wait()``; this class takes both, plus the device.

    Parameters
    ----------
    fullpath : str
        The pin's path in the block design, ``"<cell>/<pin>"`` (``"axi_dma_0/s2mm_introut"``),
        as in the overlay's ``interrupt_pins``.
    device : RemoteDevice, optional
        The board; ``Device.active_device`` when omitted. The pin is looked up in the
        metadata of the overlay last downloaded to it from this client.

    Attributes
    ----------
    pin_name, pin_index, raw_irq, controller_phys_addr
        What is registered: the pin's path, its input on its AXI INTC (or its PS interrupt
        line when wired straight to the PS), the controller's GIC number (0 for a pin wired
        straight to the PS) and base address (0 likewise).
    interrupt_id : str or None
        The board's id for the registration once registered.
    last_sim_time_ps : int or None
        On a simulated board, the simulated time (ps) at which the line last rose, as the
        last FIRED answer reported it.

    Raises
    ------
    ValueError
        No interrupt pin of that name in the overlay (the message lists those there are).
    RuntimeError
        No overlay was downloaded from this client.
    InterruptError
        The board refused the registration (its message says why).
    """

    def __init__(self, fullpath=None, device=None, *, _deferred=False):
        if fullpath is None:
            raise ValueError("RemoteInterrupt needs the interrupt pin's path, e.g. "
                             "'axi_dma_0/s2mm_introut'")
        self.fullpath = self.pin_name = str(fullpath)
        self.device = device if device is not None else Device.active_device
        self.interrupt_id = None
        self.last_sim_time_ps = None
        self._generation = None
        self._finalizer = None
        self._lock = threading.Lock()
        self._inflight = None
        self._resolved = False
        self._resolve()
        if not _deferred:
            self._register()

    def __repr__(self):
        return (f"<RemoteInterrupt {self.pin_name} on {getattr(self.device, 'name', '?')}"
                f"{' ' + self.interrupt_id if self.interrupt_id else ''}>")

    # -- resolving the pin and registering it ---------------------------------------------

    def _resolve(self):
        parser = getattr(self.device, "_loaded_parser", None)
        if parser is None:
            raise RuntimeError(f"interrupt pin {self.pin_name}: no overlay was downloaded to "
                               f"{self.device.name} from this client; download one with "
                               "Overlay(...) first")
        pins = parser.interrupt_pins
        if self.pin_name not in pins:
            known = ", ".join(sorted(pins)) or "none"
            raise ValueError(f"No Pin of name {self.pin_name} found: the overlay's interrupt "
                             f"pins (wired to an interrupt controller or the PS) are: {known}")
        entry = pins[self.pin_name]
        controller = entry.get("controller", entry.get("parent", ""))
        self.pin_index = int(entry["index"])
        if controller:
            self.raw_irq = int(parser.interrupt_controllers.get(controller, {}).get("raw_irq", 0))
            self.controller_phys_addr = int(
                parser.ip_dict.get(controller, {}).get("phys_addr") or 0)
        else:
            # Wired straight to the PS: pin_index is the PS line; no controller (PR #1566).
            self.raw_irq = 0
            self.controller_phys_addr = 0
        self._generation = getattr(self.device, "pl_generation", None)
        self._resolved = True

    def _register(self):
        stub = _interrupt_stub(self.device)
        what = f"registering interrupt pin {self.pin_name} on {self.device.name}"
        request = interrupt_pb2.RegisterRequest(
            pin_name=self.pin_name, pin_index=self.pin_index, raw_irq=self.raw_irq,
            controller_phys_addr=self.controller_phys_addr)
        try:
            response = stub.register_interrupt(request, timeout=self.device._deadline())
        except grpc.RpcError as error:
            if error.code() == grpc.StatusCode.UNIMPLEMENTED:
                raise InterruptError(f"{what}: the board's server has no interrupt service "
                                     "(a PYNQ 3.1 server, or an older pynq-remote-server)",
                                     code="UNIMPLEMENTED") from None
            raise to_exception(error, what) from None
        if not response.interrupt_id:
            raise InterruptError(f"{what}: {response.msg or 'refused without a reason'}",
                                 details=response.msg)
        self.interrupt_id = response.interrupt_id
        self._finalizer = weakref.finalize(self, _release, stub, self.interrupt_id, True)
        # Not at interpreter exit: the session's end releases it then, without a call.
        self._finalizer.atexit = False

    def _ensure_registered(self):
        with self._lock:
            if not self._resolved:
                self._resolve()
            if self._generation != getattr(self.device, "pl_generation", None):
                raise InterruptCancelledError(
                    f"interrupt {self.pin_name}: invalidated by Overlay change (the PL of "
                    f"{self.device.name} was programmed again since it was registered); "
                    "use the new overlay's interrupt")
            if self.interrupt_id is None:
                self._register()

    # -- waiting --------------------------------------------------------------------------

    async def wait(self, timeout=None):
        """Waits until the interrupt pin is high.

        As in PYNQ the pin is level-triggered: a wait returns at once while the source is
        still active, so the driver clears the source (in the IP) after each wait. Several
        tasks awaiting one Interrupt share one call; cancelling a task cancels the call on the
        board once no other task awaits it, and the registration stays usable.

        Parameters
        ----------
        timeout : float, optional
            Seconds to wait at most (the board counts them); None waits until it fires.

        Raises
        ------
        InterruptTimeoutError
            ``timeout`` passed without the interrupt.
        InterruptCancelledError
            The board ended the wait: the registration was released, the PL reprogrammed
            (here or by another client), or the server is stopping.
        InterruptError
            The board answered ERROR (its message says why).
        ConnectionLostError
            The connection to the board dropped during the wait.
        """
        self._ensure_registered()
        loop = asyncio.get_running_loop()
        inflight = self._inflight
        if inflight is None or inflight.loop is not loop or inflight.future.done():
            inflight = self._start_call(loop, timeout)
        inflight.waiters += 1
        try:
            # shield: one task's cancellation must not settle the future the others await.
            await asyncio.shield(inflight.future)
        except asyncio.CancelledError:
            inflight.waiters -= 1
            if inflight.waiters == 0:
                inflight.call.cancel()
                if self._inflight is inflight:
                    self._inflight = None
            raise
        inflight.waiters -= 1
        if self._inflight is inflight:
            self._inflight = None
        return self._outcome(inflight.call)

    def _start_call(self, loop, timeout):
        timeout_ms = 0 if timeout is None else max(1, int(round(float(timeout) * 1000)))
        stub = _interrupt_stub(self.device)
        # No deadline: the wait lasts as long as the interrupt takes (the board's timeout_ms
        # bounds it when asked), and the task's cancellation ends it. Not wait_for_ready: with
        # no deadline, a board that is down would hold the wait for ever; it raises instead.
        call = stub.wait_for_interrupt.future(
            interrupt_pb2.WaitRequest(interrupt_id=self.interrupt_id, timeout_ms=timeout_ms),
            timeout=None, wait_for_ready=False)
        future = loop.create_future()

        def done(_call):
            try:
                loop.call_soon_threadsafe(_settle, future)
            except RuntimeError:
                pass  # the loop is closed: nobody awaits this call any more

        inflight = _InFlight(call, future, loop)
        self._inflight = inflight
        call.add_done_callback(done)
        return inflight

    def _outcome(self, call):
        what = f"waiting for interrupt {self.pin_name} ({self.interrupt_id}) on {self.device.name}"
        try:
            response = call.result()
        except grpc.RpcError as error:
            if error.code() == grpc.StatusCode.CANCELLED:
                raise InterruptCancelledError(
                    f"{what}: ended by the board: {error.details() or 'cancelled'}",
                    details=error.details()) from None
            raise to_exception(error, what) from None
        status = response.status
        if status == interrupt_pb2.WaitResponse.FIRED:
            for key, value in call.trailing_metadata() or ():
                if key == SIM_TIME_KEY:
                    try:
                        self.last_sim_time_ps = int(value)
                    except ValueError:
                        pass
            return None
        if status == interrupt_pb2.WaitResponse.TIMEOUT:
            raise InterruptTimeoutError(f"{what}: did not fire within the timeout",
                                        details=response.msg or "timeout")
        raise InterruptError(f"{what}: {response.msg or 'error without a reason'}",
                             details=response.msg)

    # -- releasing ------------------------------------------------------------------------

    def close(self):
        """Releases the registration on the board (a pending wait ends with
        InterruptCancelledError); also done when the object is garbage-collected."""
        finalizer, self._finalizer = self._finalizer, None
        if finalizer is not None and finalizer.detach() is not None:
            _release(_interrupt_stub(self.device), self.interrupt_id, False)
        self.interrupt_id = None
        self._resolved = False

    release = close

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class RemoteUioController:
    """The PS interrupt lines of a remote board, as PYNQ's ``UioController`` is for one UIO
    device: ``add_event(event, number)`` sets ``event`` when the line fires.

    Signature: PYNQ 4.0's ``RemoteUioController(device=None)`` with ``add_event(event,
    number)``. On the board the line is a UIO device, re-armed on each wait; here ``number``
    is the PS interrupt line (pl_ps_irq0 lines 0-7 and pl_ps_irq1 8-15 on ZynqMP, IRQ_F2P on
    Zynq-7000) and the pin wired straight to it in the loaded overlay is what is registered.

    Parameters
    ----------
    device : RemoteDevice, optional
        The board; ``Device.active_device`` when omitted.
    """

    def __init__(self, device=None):
        self.device = device if device is not None else Device.active_device
        self._interrupts = {}
        self._tasks = set()

    def _interrupt(self, number):
        interrupt = self._interrupts.get(number)
        if interrupt is not None:
            return interrupt
        parser = getattr(self.device, "_loaded_parser", None)
        pins = {} if parser is None else parser.interrupt_pins
        direct = {e["index"]: name for name, e in pins.items()
                  if not e.get("controller", e.get("parent", ""))}
        if number not in direct:
            lines = ", ".join(f"{i} ({direct[i]})" for i in sorted(direct)) or "none"
            raise ValueError(f"no interrupt pin is wired straight to PS interrupt line {number} "
                             f"in the loaded overlay; lines with one: {lines}")
        interrupt = RemoteInterrupt(direct[number], device=self.device)
        self._interrupts[number] = interrupt
        return interrupt

    def add_event(self, event, number):
        """Calls ``event.set()`` once PS interrupt line ``number`` fires (one shot, as in
        PYNQ: add the event again to wait again). Needs a running asyncio loop."""
        interrupt = self._interrupt(number)

        async def fire():
            await interrupt.wait()
            event.set()

        task = asyncio.get_running_loop().create_task(fire())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def close(self):
        """Cancels pending events and releases the lines' registrations."""
        for task in list(self._tasks):
            task.cancel()
        for interrupt in self._interrupts.values():
            interrupt.close()
        self._interrupts.clear()

    def __del__(self):
        for task in list(getattr(self, "_tasks", ())):
            task.cancel()
