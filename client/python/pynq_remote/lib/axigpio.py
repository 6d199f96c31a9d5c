"""The AXI GPIO driver (AXI GPIO v2.0, PG144), PYNQ's API: two channels, directions, slices.

``gpio.channel1.write(value, mask)``, ``gpio.channel2.read()``, ``gpio[0:4].write(5)`` (a
slice of channel 1), ``gpio.setdirection("in", channel=2)``, ``gpio.setlength(8)``; with the
IP's ``ip2intc_irpt`` wired to the PS, ``await gpio.channel2[0:8].wait_for_value_async(5)``
waits by interrupt (PYNQ's axigpio.py).
"""

import asyncio

from ..overlay import DefaultIP

# Register offsets (PG144, "Register Space").
_DATA = {1: 0x00, 2: 0x08}
_TRI = {1: 0x04, 2: 0x0C}
_GIER, _IP_ISR, _IP_IER = 0x11C, 0x120, 0x128


class AxiGPIO(DefaultIP):
    """An AXI GPIO IP: ``channel1`` and ``channel2``.

    Parameters
    ----------
    description : dict
        The IP's ``ip_dict`` entry.
    """

    bindto = ["xilinx.com:ip:axi_gpio:2.0"]

    class Input:
        """Direction marker, and a read-only slice of a channel."""

        def __init__(self, parent, start, stop):
            self._parent = parent
            self._start = start
            self._stop = stop
            self._mask = (1 << (stop - start)) - 1

        def read(self):
            """The slice's value."""
            return (self._parent.read() >> self._start) & self._mask

        async def wait_for_value_async(self, value):
            """Waits until the slice reads ``value``, by the channel's interrupt (an input
            change raises it).

            Raises
            ------
            RuntimeError
                The IP has no interrupt wired to the PS.
            """
            while self.read() != value:
                await self._parent.wait_for_interrupt_async()

        def wait_for_value(self, value):
            """``wait_for_value_async`` for code without an asyncio loop (not to be called
            from inside a running loop: await the coroutine there)."""
            loop = asyncio.new_event_loop()
            try:
                loop.run_until_complete(self.wait_for_value_async(value))
            finally:
                loop.close()

    class Output:
        """Direction marker, and a write-only slice of a channel."""

        def __init__(self, parent, start, stop):
            self._parent = parent
            self._start = start
            self._stop = stop
            self._mask = (1 << (stop - start)) - 1

        def read(self):
            """The value last written to the slice."""
            return (self._parent._val >> self._start) & self._mask

        def write(self, val):
            """Writes ``val`` to the slice's pins.

            Raises
            ------
            ValueError
                When ``val`` does not fit the slice.
            """
            if not 0 <= val <= self._mask:
                raise ValueError(f"{val} is too large for a {self._stop - self._start}-bit "
                                 "GPIO slice")
            self._parent.write(val << self._start, self._mask << self._start)

        def on(self):
            self.write(self._mask)

        def off(self):
            self.write(0)

        def toggle(self):
            self.write((~self._parent._val >> self._start) & self._mask)

    class InOut(Input, Output):
        """Direction marker, and a slice that is read and written."""

        def read(self):
            return AxiGPIO.Input.read(self)

    class Channel:
        """One channel of the GPIO: its pins as bits of an integer."""

        def __init__(self, parent, channel):
            self._parent = parent
            self._channel = channel
            self.slicetype = AxiGPIO.InOut
            self.length = 32
            self._val = 0
            self._waiter_count = 0

        def __getitem__(self, idx):
            if isinstance(idx, slice):
                if idx.step not in (None, 1):
                    raise IndexError("Steps other than 1 not supported")
                start, stop = idx.start or 0, self.length if idx.stop is None else idx.stop
            elif isinstance(idx, int):
                start, stop = idx, idx + 1
            else:
                raise IndexError(f"GPIO pins are indexed by int or slice, not {idx!r}")
            if not 0 <= start < stop <= self.length:
                raise IndexError(f"pins {start}..{stop - 1} are outside this "
                                 f"{self.length}-pin channel")
            return self.slicetype(self, start, stop)

        def __len__(self):
            return self.length

        def write(self, val, mask):
            """Sets the pins in ``mask`` to the bits of ``val``.

            Raises
            ------
            RuntimeError
                When the channel is configured as input.
            """
            if self.slicetype == AxiGPIO.Input:
                raise RuntimeError("You cannot write to an Input")
            self._val = (self._val & ~mask) | (val & mask)
            self._parent.write(_DATA[self._channel], self._val)

        def read(self):
            """The channel's pins.

            Raises
            ------
            RuntimeError
                When the channel is configured as output.
            """
            if self.slicetype == AxiGPIO.Output:
                raise RuntimeError("You cannot read from an output")
            return self._parent.read(_DATA[self._channel])

        @property
        def trimask(self):
            """The tri-state register: a 1 bit is an input pin."""
            return self._parent.read(_TRI[self._channel])

        @trimask.setter
        def trimask(self, value):
            self._parent.write(_TRI[self._channel], value)

        def setlength(self, length):
            """Sets how many pins the channel has (slices are checked against it)."""
            if not 1 <= length <= 32:
                raise ValueError(f"a GPIO channel has 1 to 32 pins, not {length}")
            self.length = length

        async def wait_for_interrupt_async(self):
            """Waits for the channel's interrupt (IP_ISR bit of the channel): enables it in
            IP_IER while someone waits, awaits ``ip2intc_irpt``, then clears the channel's
            IP_ISR bit (toggle on write), as PYNQ's AxiGPIO does.

            Raises
            ------
            RuntimeError
                The IP has no interrupt wired to the PS.
            """
            parent = self._parent
            if not parent.has_interrupts:
                raise RuntimeError(f"Interrupts not available for {parent.ip_name}: its "
                                   "ip2intc_irpt is not wired to the PS in the overlay")
            mask = 1 << (self._channel - 1)
            if self._waiter_count == 0:
                parent.write(_IP_IER, parent.read(_IP_IER) | mask)
            self._waiter_count += 1
            try:
                await parent.ip2intc_irpt.wait()
                if parent.read(_IP_ISR) & mask:
                    parent.write(_IP_ISR, mask)
            finally:
                self._waiter_count -= 1
                if self._waiter_count == 0:
                    parent.write(_IP_IER, parent.read(_IP_IER) & ~mask)

        async def wait_for_value_async(self, value):
            """Waits until the channel reads ``value`` (see Input.wait_for_value_async)."""
            while self.read() != value:
                await self.wait_for_interrupt_async()

        def setdirection(self, direction):
            """Sets every pin's direction: AxiGPIO.Input/Output/InOut or "in"/"out"/"inout"."""
            direction = {"in": AxiGPIO.Input, "out": AxiGPIO.Output,
                         "inout": AxiGPIO.InOut}.get(direction, direction)
            if direction not in (AxiGPIO.Input, AxiGPIO.Output, AxiGPIO.InOut):
                raise ValueError("direction should be one of AxiGPIO.{Input,Output,InOut} "
                                 "or 'in', 'out', 'inout'")
            self.slicetype = direction
            if direction == AxiGPIO.Input:
                self.trimask = 0xFFFFFFFF
            elif direction == AxiGPIO.Output:
                self.trimask = 0

    def __init__(self, description):
        super().__init__(description)
        params = description.get("parameters", {})
        self._channels = [AxiGPIO.Channel(self, 1), AxiGPIO.Channel(self, 2)]
        self.channel1, self.channel2 = self._channels
        for channel, width_key, all_in, all_out in (
                (self.channel1, "C_GPIO_WIDTH", "C_ALL_INPUTS", "C_ALL_OUTPUTS"),
                (self.channel2, "C_GPIO2_WIDTH", "C_ALL_INPUTS_2", "C_ALL_OUTPUTS_2")):
            if width_key in params:
                channel.setlength(int(params[width_key]))
            if str(params.get(all_in, "0")) == "1":
                channel.slicetype = AxiGPIO.Input
            elif str(params.get(all_out, "0")) == "1":
                channel.slicetype = AxiGPIO.Output
        # As PYNQ: interrupts when the .hwh wires ip2intc_irpt to the PS.
        self.has_interrupts = getattr(self, "ip2intc_irpt", None) is not None
        if self.has_interrupts or str(params.get("C_INTERRUPT_PRESENT", "0")) == "1":
            self.write(_GIER, 0x80000000)

    def setlength(self, length, channel=1):
        """Sets the pin count of ``channel`` (1 or 2)."""
        self._channels[channel - 1].setlength(length)

    def setdirection(self, direction, channel=1):
        """Sets the direction of ``channel`` (1 or 2)."""
        self._channels[channel - 1].setdirection(direction)

    def __getitem__(self, idx):
        return self.channel1[idx]
