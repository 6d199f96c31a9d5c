"""The AXI DMA driver (AXI DMA v7.1, PG021), direct register or scatter-gather mode, PYNQ's
API.

``dma.sendchannel.transfer(buf)`` / ``dma.recvchannel.transfer(buf)`` then ``wait()``; the
driver configures itself from the IP's ``.hwh`` parameters: the length-register width
(``c_sg_length_width``) bounds a transfer, the memory-map data width sets the alignment a
transfer needs when the data realignment engine (DRE) is absent.

``wait()`` gives up after ``PYNQ_REMOTE_DMA_TIMEOUT_S`` seconds (5 by default) with a
:class:`~pynq_remote.exceptions.DmaTimeoutError` naming the channel, the transfer and the
status bits. On a simulated board those are seconds *without progress*: while its PL is busy
and its cycle count still advances, the wait goes on, however slow the simulation (a loaded
machine, a sanitizer build); and it raises the same error as soon as the PL has gone idle
with the transfer unfinished. A ``timeout`` argument is a plain bound on the wall time.
On a pynq-remote server the board itself waits for the status bits (``MMIO.poll``, one call
of up to a quarter second each) instead of the client reading DMASR again and again; against
a PYNQ 3.1 server the client polls, with the same results and messages.
``reset()`` then brings the DMA back (PG021 soft reset), as does downloading the overlay
again.

A DMA built with scatter-gather (``c_include_sg`` = 1) gets channels that describe a transfer
with a chain of descriptors in a buffer of their own (blocks of at most the length register's
size each, so one transfer may exceed it), start the chain with the tail pointer and, once
the channel is Idle at the tail, add up the bytes the descriptors' STATUS words report.
"""

import os
import time
import warnings

import numpy

from ..buffer import allocate
from ..exceptions import DmaTimeoutError, MmioPollTimeoutError
from ..overlay import DefaultIP

# Channel register offsets (PG021, "Direct Register Mode Register Address Map").
_MM2S, _S2MM = 0x00, 0x30
_DMACR, _DMASR, _ADDR, _ADDR_MSB, _LENGTH = 0x00, 0x04, 0x18, 0x1C, 0x28
# DMACR bits
_RS, _RESET, _IOC_IRQ_EN, _ERR_IRQ_EN = 0x1, 0x4, 0x1000, 0x4000
# DMASR bits
_HALTED, _IDLE, _INT_ERR, _SLV_ERR, _DEC_ERR, _IOC_IRQ = 0x1, 0x2, 0x10, 0x20, 0x40, 0x1000
_DEFAULT_LENGTH_WIDTH = 14  # PG021's default c_sg_length_width
_EAGER_POLLS = 20            # status reads before wait() starts to sleep between them
_POLL_BACKOFF_S = 0.001
_STALL_CHECK_S = 0.25        # how often wait() asks a simulated board whether the PL moves
# Scatter-gather mode (PG021 "Scatter Gather Mode Register Address Map", descriptors)
_CURDESC, _CURDESC_MSB, _TAILDESC, _TAILDESC_MSB = 0x08, 0x0C, 0x10, 0x14
_SG_INT_ERR, _SG_SLV_ERR, _SG_DEC_ERR = 0x100, 0x200, 0x400
_DESC_WORDS = 16  # 13 words used; PG021 wants descriptors 16-word aligned
_SOF, _EOF = 1 << 27, 1 << 26
_ST_ERRORS, _ST_BYTES = 0x70000000, 0x03FFFFFF
_SR_NAMES = ((_HALTED, "Halted"), (_IDLE, "Idle"), (0x8, "SGIncld"), (_INT_ERR, "DMAIntErr"),
             (_SLV_ERR, "DMASlvErr"), (_DEC_ERR, "DMADecErr"), (_SG_INT_ERR, "SGIntErr"),
             (_SG_SLV_ERR, "SGSlvErr"), (_SG_DEC_ERR, "SGDecErr"), (_IOC_IRQ, "IOC_Irq"),
             (0x2000, "Dly_Irq"), (0x4000, "Err_Irq"))


def _default_timeout():
    """wait()'s timeout: PYNQ_REMOTE_DMA_TIMEOUT_S, else 5 s; 0 or less: none."""
    text = os.environ.get("PYNQ_REMOTE_DMA_TIMEOUT_S", "").strip()
    if not text:
        return 5.0
    try:
        return float(text)
    except ValueError:
        warnings.warn(f"PYNQ_REMOTE_DMA_TIMEOUT_S={text!r} is not a number of seconds; "
                      "using 5")
        return 5.0


def _moved(progress, cycles_seen):
    """True when a board's ``(pl_active, pl_cycles)`` shows a busy PL whose cycle count is not
    ``cycles_seen`` (None: not looked at yet)."""
    return (progress is not None and progress[0] and progress[1] is not None and
            progress[1] != cycles_seen)


def describe_status(status):
    """DMASR as a person reads it: ``"DMASR=0x00000000 (running, busy)"``."""
    bits = [name for bit, name in _SR_NAMES if status & bit]
    if not status & _HALTED:
        bits.insert(0, "running")
    if not status & (_IDLE | _HALTED):
        bits.append("busy")
    return f"DMASR={status:#010x} ({', '.join(bits)})"


def _param(params, name, default=None):
    """A .hwh parameter, whichever case Vivado wrote it in."""
    for key in (name, name.upper(), name.lower()):
        if key in params:
            return params[key]
    return default


class _SDMAChannel:
    """One direction of the DMA (MM2S = send, S2MM = receive) in direct register mode."""

    def __init__(self, mmio, max_size, width, tx_rx, dre, name, device=None, interrupt=None):
        self._mmio = mmio
        self._device = device
        self._interrupt = interrupt  # the channel's introut pin (RemoteInterrupt), or None
        self._offset = _MM2S if tx_rx else _S2MM
        self._max_size = max_size
        self._align = width
        self._tx = tx_rx
        self._dre = dre
        self._name = name
        self._siblings = ()  # both channels of the DMA (a reset restarts them all)
        self._active_buffer = None
        self._active_nbytes = 0
        self.transferred = 0
        self.start()

    def _status(self):
        return self._mmio.read(self._offset + _DMASR)

    @property
    def running(self):
        """True when the channel is not halted."""
        return self._status() & _HALTED == 0

    @property
    def idle(self):
        """True when the channel has finished its last transfer."""
        return self._status() & _IDLE == _IDLE

    @property
    def error(self):
        """True when the channel stopped on an internal, slave or decode error."""
        return self._status() & (_INT_ERR | _SLV_ERR | _DEC_ERR) != 0

    def start(self):
        """Sets the channel running, with its completion and error interrupts enabled."""
        self._mmio.write(self._offset + _DMACR, _RS | _IOC_IRQ_EN | _ERR_IRQ_EN)
        self._wait_bits(_DMASR, _HALTED, 0, lambda: self.running, "start")

    def stop(self):
        """Halts the channel."""
        self._mmio.write(self._offset + _DMACR, 0)
        self._wait_bits(_DMASR, _HALTED, _HALTED, lambda: not self.running, "stop")

    def reset(self):
        """Soft-resets the whole DMA (both channels, as PG021 says), then restarts the
        channels: the way out of a transfer that cannot finish. The reset completes once no
        memory transaction is outstanding; stream data not yet moved is dropped by the DMA
        (but not by stream IP around it, such as a FIFO)."""
        self._mmio.write(self._offset + _DMACR, _RESET)
        self._wait_bits(_DMACR, _RESET, 0,
                        lambda: self._mmio.read(self._offset + _DMACR) & _RESET == 0, "reset")
        for channel in self._siblings or (self,):
            channel._active_buffer = None
            channel._release_descriptors()
            channel.start()

    def _on_board(self):
        """Whether the board waits for register bits itself (MMIO.poll is one call)."""
        return bool(getattr(self._mmio, "polls_on_board", False))

    def _wait_bits(self, register, mask, value, condition, what, timeout_s=5.0):
        """Until (register & mask) == value: on the board where it can, else ``condition``
        polled from here."""
        if not self._on_board():
            self._wait_for(condition, what, timeout_s)
            return
        try:
            self._mmio.poll(self._offset + register, value, mask, timeout=timeout_s)
        except MmioPollTimeoutError:
            raise DmaTimeoutError(f"{self._name}: the DMA did not {what} within "
                                  f"{timeout_s} s ({describe_status(self._status())})") from None

    def _next_status(self, polls, deadline):
        """DMASR once it shows Idle or an error, or when a stall check is due. On the board:
        one poll of up to _STALL_CHECK_S (never past ``deadline``); else one read, after a
        sleep once the eager reads are spent."""
        if self._on_board():
            wait = _STALL_CHECK_S
            if deadline is not None:
                wait = max(0.001, min(wait, deadline - time.monotonic()))
            try:
                return self._mmio.poll(self._offset + _DMASR, 0, _IDLE | self._ERRORS,
                                       equal=False, timeout=wait)
            except MmioPollTimeoutError as timeout:
                return timeout.last_value
        # Short transfers finish within a few polls; for long ones, back off so the
        # client does not compete for the CPU with the board (a simulated board's PL
        # runs on the same machine) or flood the network with status reads.
        if polls > _EAGER_POLLS:
            time.sleep(_POLL_BACKOFF_S)
        return self._status()

    def _wait_for(self, condition, what, timeout_s=5.0):
        deadline = time.monotonic() + timeout_s
        while not condition():
            if time.monotonic() > deadline:
                raise DmaTimeoutError(f"{self._name}: the DMA did not {what} within "
                                      f"{timeout_s} s ({describe_status(self._status())})")

    def _pl_progress(self):
        """``(pl_active, pl_cycles)`` where the board can tell (simulated boards; pl_cycles
        may be None from a device that only knows pl_active), else None."""
        pl_progress = getattr(self._device, "pl_progress", None)
        if pl_progress is not None:
            return pl_progress()
        pl_active = getattr(self._device, "pl_active", None)
        active = pl_active() if pl_active is not None else None
        return None if active is None else (active, None)

    def _clear_interrupt(self):
        self._mmio.write(self._offset + _DMASR, _IOC_IRQ)

    def _write_regs(self, *pairs):
        """(register, value) writes in order: one round trip where the MMIO batches."""
        write_many = getattr(self._mmio, "write_many", None)
        if write_many is not None:
            write_many([(self._offset + register, value) for register, value in pairs])
            return
        for register, value in pairs:
            self._mmio.write(self._offset + register, value)

    def transfer(self, array, start=0, nbytes=0):
        """Starts moving ``nbytes`` (all of ``array`` from ``start`` when 0) to or from
        the stream.

        Raises
        ------
        RuntimeError
            The channel is halted or still busy, the buffer was freed, or the start address
            is unaligned and the DMA has no realignment engine.
        ValueError
            The transfer is longer than the DMA's length register can hold, or runs past
            the end of the buffer.
        """
        status = self._status()  # one read for both checks
        if status & _HALTED:
            raise RuntimeError(f"{self._name}: DMA channel not started")
        if not status & _IDLE and self._active_buffer is not None:
            raise RuntimeError(f"{self._name}: DMA channel not idle")
        if nbytes == 0:
            nbytes = array.nbytes - start
        if start < 0 or nbytes < 0 or start + nbytes > array.nbytes:
            raise ValueError(f"{self._name}: {nbytes} bytes from offset {start} run past the "
                             f"{array.nbytes}-byte buffer")
        if nbytes > self._max_size:
            raise ValueError(f"{self._name}: Transfer size is {nbytes} bytes, which exceeds "
                             f"the maximum DMA buffer size {self._max_size}.")
        address = array.physical_address + start  # raises on a freed buffer
        if not self._dre and address % self._align:
            raise RuntimeError(f"{self._name}: DMA does not support unaligned transfers; "
                               f"starting address must be aligned to {self._align} bytes.")
        if self._tx:
            array.flush()
        # The IOC clear, the address and then the length (which starts it), in one call.
        self._write_regs((_DMASR, _IOC_IRQ), (_ADDR, address & 0xFFFFFFFF),
                         (_ADDR_MSB, (address >> 32) & 0xFFFFFFFF), (_LENGTH, nbytes))
        self._active_buffer = array
        self._active_nbytes = nbytes

    def wait(self, timeout=None):
        """Waits until the transfer completes; on a receive, makes the data visible.

        Parameters
        ----------
        timeout : float, optional
            Seconds to wait at most. Default: ``PYNQ_REMOTE_DMA_TIMEOUT_S`` (5) seconds, on
            a simulated board counted from the last time its busy PL was seen to advance,
            so a slow simulation is waited for and a stuck one is not. 0 or less: no limit.

        Raises
        ------
        DmaTimeoutError
            A TimeoutError and a RuntimeError: the transfer did not finish within
            ``timeout`` (by default: the board made no progress for that long), or
            (simulated board) cannot finish because the PL went idle. The message names the
            channel, the transfer and the status bits; ``reset()`` recovers the channel.
        RuntimeError
            The channel was not started, or stopped on an error (named from the status
            bits).
        """
        if self._active_buffer is None:
            raise RuntimeError(f"{self._name}: DMA channel not started")
        # By default the limit counts only time in which the board did not move: a slow
        # simulation is not a stuck transfer. An explicit timeout is the caller's wall bound.
        patient = timeout is None
        if patient:
            timeout = _default_timeout()
        deadline = time.monotonic() + timeout if timeout > 0 else None
        next_stall_check = time.monotonic() + _STALL_CHECK_S
        idle_checks = 0
        polls = 0
        progress = cycles_seen = None
        while True:
            status = self._next_status(polls, deadline)
            polls += 1
            if status & self._ERRORS:
                self._active_buffer = None
                self._raise_error(status)
            if status & _IDLE:
                break
            if time.monotonic() > next_stall_check:
                progress = self._pl_progress()
                pl_active = progress is not None and progress[0]
                idle_checks = idle_checks + 1 if progress is not None and not pl_active else 0
                next_stall_check = time.monotonic() + _STALL_CHECK_S
                if _moved(progress, cycles_seen):
                    if patient and deadline is not None and cycles_seen is not None:
                        deadline = time.monotonic() + timeout
                    cycles_seen = progress[1]
                status = self._status()
                if idle_checks >= 2 and not status & _IDLE:
                    self._active_buffer = None
                    raise DmaTimeoutError(
                        f"{self._name}: the transfer of {self._active_nbytes} bytes cannot "
                        "complete: the PL has gone idle with the channel still waiting for its "
                        "stream (a producer or consumer was not started, stopped early, or its "
                        f"sizes do not match the buffer); {describe_status(status)}. Reset the "
                        "DMA (.reset()) or download the overlay again.", stalled=True)
            if deadline is not None and time.monotonic() > deadline:
                status = self._status()
                if status & _IDLE:
                    break
                if patient:
                    # Judged against the last look, however long ago: a board that moved
                    # since then gets the whole limit again.
                    progress = self._pl_progress()
                    if _moved(progress, cycles_seen):
                        cycles_seen = progress[1]
                        deadline = time.monotonic() + timeout
                        continue
                # The transfer stays the channel's: wait() again to give it more time.
                if patient and progress is not None and progress[1] is not None:
                    why = (f"did not finish: the simulated board made no progress for {timeout} "
                           f"s (PL {'busy' if progress[0] else 'idle'}, PL cycles at "
                           f"{progress[1]})")
                else:
                    why = f"did not finish within {timeout} s"
                raise DmaTimeoutError(
                    f"{self._name}: the transfer of {self._active_nbytes} bytes {why}; "
                    f"{describe_status(status)}. Wait again, or reset the DMA (.reset()) or "
                    "download the overlay again.")
        if not self._tx:
            self._active_buffer.invalidate()
        self._finish()
        self._active_buffer = None

    async def wait_async(self):
        """Waits, by interrupt, until the transfer completes (PYNQ's ``wait_async``): each
        wait is one call to the board that returns when the channel's introut is high, where
        ``wait()`` polls the status register; then clears the channel's IOC interrupt and, on a
        receive, makes the data visible.

        Raises
        ------
        RuntimeError
            The channel's interrupt pin is not wired to the PS in the overlay, the channel was
            not started, or it stopped on an error (named from the status bits).
        InterruptError
            The board ended or refused the wait (see :class:`~pynq_remote.Interrupt`); a
            reprogram raises InterruptCancelledError.
        """
        if self._interrupt is None:
            raise RuntimeError(f"{self._name}: the DMA channel's interrupt is not wired to an "
                               "interrupt controller or the PS in the overlay; use wait()")
        if self._active_buffer is None:
            raise RuntimeError(f"{self._name}: DMA channel not started")
        while True:
            status = self._status()
            if status & self._ERRORS:
                self._active_buffer = None
                self._raise_error(status)
            if status & (_IDLE | _HALTED):
                break
            await self._interrupt.wait()
        self._clear_interrupt()
        if not self._tx:
            self._active_buffer.invalidate()
        self._finish()
        self._active_buffer = None

    _ERRORS = _INT_ERR | _SLV_ERR | _DEC_ERR

    def _raise_error(self, status):
        if status & _INT_ERR:
            raise RuntimeError(f"{self._name}: DMA Internal Error (transfer length 0?)")
        if status & _SLV_ERR:
            raise RuntimeError(f"{self._name}: DMA Slave Error (cannot access memory "
                               "map interface)")
        raise RuntimeError(f"{self._name}: DMA Decode Error (invalid address)")

    def _finish(self):
        self.transferred = self._mmio.read(self._offset + _LENGTH)

    def _release_descriptors(self):
        pass  # direct register mode has none


class _SGDMAChannel(_SDMAChannel):
    """One direction of a scatter-gather DMA: a transfer is a chain of descriptors, each for
    a block of at most the length register's size (rounded down to the alignment), with
    SOF on the first and EOF on the last, so the stream sees one packet."""

    _ERRORS = _INT_ERR | _SLV_ERR | _DEC_ERR | _SG_INT_ERR | _SG_SLV_ERR | _SG_DEC_ERR

    def __init__(self, *args, **kwargs):
        self._descr = None
        super().__init__(*args, **kwargs)

    def transfer(self, array, start=0, nbytes=0):
        """Starts moving ``nbytes`` (all of ``array`` from ``start`` when 0) to or from the
        stream as one packet, described by as many descriptors as it needs.

        Raises
        ------
        RuntimeError
            The channel is still busy, the buffer was freed, or the start address is
            unaligned and the DMA has no realignment engine.
        ValueError
            The transfer is empty or runs past the end of the buffer.
        """
        if self._active_buffer is not None and not self._status() & (_IDLE | _HALTED):
            raise RuntimeError(f"{self._name}: DMA channel not idle")
        if nbytes == 0:
            nbytes = array.nbytes - start
        if start < 0 or nbytes <= 0 or start + nbytes > array.nbytes:
            raise ValueError(f"{self._name}: {nbytes} bytes from offset {start} do not fit "
                             f"the {array.nbytes}-byte buffer")
        address = array.physical_address + start  # raises on a freed buffer
        if not self._dre and address % self._align:
            raise RuntimeError(f"{self._name}: DMA does not support unaligned transfers; "
                               f"starting address must be aligned to {self._align} bytes.")
        block = self._max_size - self._max_size % self._align
        count = (nbytes + block - 1) // block
        self._release_descriptors()
        descr = allocate(shape=(count, _DESC_WORDS), dtype=numpy.uint32, target=self._device)
        base = descr.physical_address
        descr[:] = 0
        for i in range(count):
            # the last one points back at the first: a chain, never followed past the tail
            nxt = base + ((i + 1) % count) * _DESC_WORDS * 4
            buf = address + i * block
            length = min(block, nbytes - i * block)
            descr[i, 0], descr[i, 1] = nxt & 0xFFFFFFFF, nxt >> 32
            descr[i, 2], descr[i, 3] = buf & 0xFFFFFFFF, buf >> 32
            descr[i, 6] = (length | (_SOF if i == 0 else 0) |
                           (_EOF if i == count - 1 else 0))
        if self._tx:
            array.flush()
        descr.flush()
        self._descr = descr
        self.stop()  # CURDESC is writable only while halted
        self._write_regs((_CURDESC, base & 0xFFFFFFFF), (_CURDESC_MSB, base >> 32))
        self.start()
        tail = base + (count - 1) * _DESC_WORDS * 4
        # the tail pointer starts the chain (its MSB half, with 64-bit addresses)
        self._write_regs((_DMASR, _IOC_IRQ), (_TAILDESC, tail & 0xFFFFFFFF),
                         (_TAILDESC_MSB, tail >> 32))
        self._active_buffer = array
        self._active_nbytes = nbytes

    def _raise_error(self, status):
        self._release_descriptors()
        if status & _SG_INT_ERR:
            raise RuntimeError(f"{self._name}: Scatter-Gather Internal Error (a completed "
                               "descriptor was fetched again)")
        if status & _SG_SLV_ERR:
            raise RuntimeError(f"{self._name}: Scatter-Gather Slave Error (cannot access the "
                               "descriptors)")
        if status & _SG_DEC_ERR:
            raise RuntimeError(f"{self._name}: Scatter-Gather Decode Error (invalid "
                               "descriptor address)")
        super()._raise_error(status)

    def _finish(self):
        descr = self._descr
        descr.invalidate()
        status = [int(word) for word in descr[:, 7]]
        self._release_descriptors()
        if any(word & _ST_ERRORS for word in status):
            raise RuntimeError(f"{self._name}: DMA error in a descriptor (STATUS "
                               f"{', '.join(f'{w:#010x}' for w in status)})")
        self.transferred = sum(word & _ST_BYTES for word in status)

    def _release_descriptors(self):
        if self._descr is not None:
            self._descr.close()
            self._descr = None


class DMA(DefaultIP):
    """The AXI DMA in direct register mode: ``sendchannel`` (MM2S) and ``recvchannel``
    (S2MM).

    Parameters
    ----------
    description : dict
        The IP's ``ip_dict`` entry.

    Raises
    ------
    Notes
    -----
    A DMA built with scatter-gather (``c_include_sg`` = 1) gets descriptor-driven channels.
    """

    bindto = ["xilinx.com:ip:axi_dma:7.1"]

    def __init__(self, description):
        super().__init__(description)
        params = description.get("parameters", {})
        self._sg = str(_param(params, "c_include_sg", "0")) == "1"
        length_width = int(_param(params, "c_sg_length_width", _DEFAULT_LENGTH_WIDTH))
        self.buffer_max_size = (1 << length_width) - 1
        self.sendchannel = self._channel(params, "mm2s", True)
        self.recvchannel = self._channel(params, "s2mm", False)

        channels = tuple(c for c in (self.sendchannel, self.recvchannel) if c is not None)
        for channel in channels:
            channel._siblings = channels

    def reset(self):
        """Soft-resets the DMA and restarts both channels (see ``_SDMAChannel.reset``)."""
        (self.sendchannel or self.recvchannel).reset()

    def _channel(self, params, kind, tx):
        if str(_param(params, f"c_include_{kind}", "1")) != "1":
            return None
        width = int(_param(params, f"c_m_axi_{kind}_data_width", 32)) // 8
        dre = str(_param(params, f"c_include_{kind}_dre", "0")) == "1"
        kind_class = _SGDMAChannel if self._sg else _SDMAChannel
        # As PYNQ: the channel waits by interrupt (wait_async) when its introut is wired.
        return kind_class(self.mmio, self.buffer_max_size, width, tx, dre,
                          f"{self.ip_name}.{'sendchannel' if tx else 'recvchannel'}",
                          self.device, interrupt=getattr(self, f"{kind}_introut", None))
