"""``pynq.Overlay`` on a remote or simulated board: a bitstream, its ``.hwh`` metadata, and
drivers bound to its IP by VLNV.

``Overlay("design.bit")`` reads ``design.hwh`` beside the bitstream (or the ``.hwh`` inside
an ``.xsa``), programs the board through its FPGA manager, sets the PL clocks the design
asks for, and exposes every IP and hierarchy as an attribute whose driver is chosen by the
IP's VLNV from the classes that declare it in ``bindto``; ``DefaultIP`` otherwise.
"""

import os
import warnings
from pathlib import Path

from .bitstream import Bitstream
from .clocks import set_pl_clk
from .mmio import MMIO
from .pl_server.device import Device
from .pl_server.remote_device import _get_bitstream_handler
from .interrupt import Interrupt
from .pl_server.remote_interrupt import RemoteInterrupt
from .registers import RegisterMap

# ap_ctrl_hs control registers of an HLS block (UG1399, "S_AXILITE Control Register Map").
_HLS_CTRL, _HLS_GIER, _HLS_IP_IER, _HLS_IP_ISR = 0x00, 0x04, 0x08, 0x0C
_HLS_AP_START, _HLS_AP_IDLE, _HLS_AP_DONE = 0x1, 0x4, 0x1  # CTRL bits; ISR/IER bit 0 ap_done
_HLS_CTRL_AP_DONE = 0x2  # CTRL bit 1, clear on read

# CRL_APB PLn_REF_CTRL (Zynq UltraScale+ TRM, UG1087): DIVISOR1 21:16, DIVISOR0 13:8.
_CRL_APB = 0xFF5E0000
_PL_REF_CTRL = (0xC0, 0xC4, 0xC8, 0xCC)
_DIVISOR_MASK = (0x3F << 16) | (0x3F << 8)


class RegisterIP(type):
    """Collects driver classes into a VLNV -> class registry from their ``bindto``."""

    _drivers = {}

    def __init__(cls, name, bases, attrs):
        for vlnv in attrs.get("bindto", []):
            RegisterIP._drivers[vlnv] = cls
        super().__init__(name, bases, attrs)

    @staticmethod
    def driver_for(vlnv):
        """The class bound to ``vlnv``, matching the exact VLNV first, then without the
        version (so a driver for ``vendor:lib:name:1.0`` serves ``...:1.1`` too)."""
        drivers = RegisterIP._drivers
        if vlnv in drivers:
            return drivers[vlnv]
        unversioned = vlnv.rpartition(":")[0]
        for bound, cls in drivers.items():
            if bound.rpartition(":")[0] == unversioned:
                return cls
        return DefaultIP


class DefaultIP(metaclass=RegisterIP):
    """The driver of an IP with no driver of its own: MMIO and its register map.

    Parameters
    ----------
    description : dict
        The IP's ``ip_dict`` entry (``phys_addr``, ``addr_range``, ``type``, ``parameters``,
        ``registers``, ...), with ``device`` set to the board it lives on.
    """

    bindto = []

    def __init__(self, description):
        self.description = description
        self.device = description.get("device") or Device.active_device
        self.ip_name = description.get("fullpath", "")
        self.mmio = MMIO(description["phys_addr"], description["addr_range"],
                         device=self.device)
        self._register_map = None
        # As PYNQ: every interrupt pin of the IP in the .hwh becomes an attribute of that name
        # (``ip2intc_irpt``, ``s2mm_introut``, an HLS block's ``interrupt``). Registered on the
        # board at the first wait, so an IP whose interrupts are never waited on costs nothing.
        self._interrupts = description.get("interrupts") or {}
        for name, details in self._interrupts.items():
            try:
                interrupt = Interrupt(details.get("fullpath", f"{self.ip_name}/{name}"),
                                      device=self.device, _deferred=True)
            except (ValueError, RuntimeError) as error:
                warnings.warn(f"Interrupt {name} not created: {error}")
                interrupt = None
            setattr(self, name, interrupt)

    @property
    def has_interrupt(self):
        """Whether the IP has an interrupt pin wired to the PS (through a controller or not)."""
        return bool(self._interrupts)

    def wait_for_done(self, timeout=10.0):
        """Waits until an HLS block (``ap_ctrl_hs``) started with ap_start has finished: CTRL
        shows ap_done or ap_idle (PYNQ's ``WaitHandle`` waits for ap_idle). On a pynq-remote
        server the board polls CTRL (one call); elsewhere the client reads it until then.

        Parameters
        ----------
        timeout : float or None
            Seconds; None waits for ever.

        Returns
        -------
        int
            The CTRL value that showed it (ap_done clears on read: this read consumed it).

        Raises
        ------
        MmioPollTimeoutError
            A TimeoutError: the block did not finish within ``timeout`` (the message has the
            CTRL value last read).
        """
        return self.mmio.poll(_HLS_CTRL, 0, _HLS_CTRL_AP_DONE | _HLS_AP_IDLE, equal=False,
                              timeout=timeout)

    async def wait_for_done_async(self):
        """Waits, by interrupt, until an HLS block (``ap_ctrl_hs``) started with ap_start has
        finished: enables the ap_done interrupt (GIER, IP_IER), awaits the ``interrupt`` pin
        while IP_ISR shows no ap_done, then clears IP_ISR's ap_done (toggle on write). CTRL is
        not read: its ap_done bit clears on read.

        Raises
        ------
        RuntimeError
            The IP has no ``interrupt`` pin wired to the PS in the overlay.
        InterruptError
            The board refused the wait (see :class:`~pynq_remote.Interrupt`).
        """
        interrupt = getattr(self, "interrupt", None)
        if not isinstance(interrupt, RemoteInterrupt):
            raise RuntimeError(f"{self.ip_name} has no 'interrupt' pin wired to an interrupt "
                               "controller or the PS in the overlay: poll register_map.CTRL "
                               "instead")
        self.write(_HLS_GIER, 1)
        self.write(_HLS_IP_IER, self.read(_HLS_IP_IER) | _HLS_AP_DONE)
        while not self.read(_HLS_IP_ISR) & _HLS_AP_DONE:
            ctrl = self.read(_HLS_CTRL)
            if ctrl & _HLS_AP_IDLE and not ctrl & _HLS_AP_START:
                # It finished before ap_done's interrupt was enabled: no event will come.
                break
            await interrupt.wait()
        if self.read(_HLS_IP_ISR) & _HLS_AP_DONE:
            self.write(_HLS_IP_ISR, _HLS_AP_DONE)

    def read(self, offset=0):
        """Reads the 32-bit register at ``offset``."""
        return self.mmio.read(offset)

    def write(self, offset, value):
        """Writes ``value`` (int or bytes) at ``offset``."""
        self.mmio.write(offset, value)

    @property
    def register_map(self):
        """The IP's registers by name, from the ``.hwh``.

        Raises
        ------
        AttributeError
            When the ``.hwh`` lists no registers for this IP.
        """
        if self._register_map is None:
            registers = self.description.get("registers") or {}
            if not registers:
                raise AttributeError(f"{self.ip_name} has no register map in its .hwh")
            self._register_map = RegisterMap(self.mmio, registers)
        return self._register_map

    def __repr__(self):
        return (f"<{type(self).__name__} {self.ip_name} at "
                f"{self.description['phys_addr']:#x} ({self.description.get('type')})>")


class DefaultHierarchy:
    """A block-design hierarchy: its IP and sub-hierarchies as attributes.

    Subclasses bind to hierarchies whose contents they recognise through ``checkhierarchy``.
    """

    def __init__(self, description, overlay):
        self.description = description
        self._overlay = overlay

    @staticmethod
    def checkhierarchy(description):
        return False

    def __getattr__(self, name):
        return self._overlay._resolve(f"{self.description['fullpath']}/{name}")

    def __dir__(self):
        return (list(super().__dir__()) + list(self.description.get("ip", {})) +
                list(self.description.get("hierarchies", {})))


class Overlay:
    """A design on a board: programs it, and exposes its IP as driver objects.

    Parameters
    ----------
    bitfile_name : str
        The ``.bit`` (with the ``.hwh`` of the same stem beside it), ``.bin`` or ``.xsa``.
    dtbo : str, optional
        Device-tree overlay: accepted for PYNQ compatibility, not used by remote boards.
    download : bool
        Program the board now (default True).
    ignore_version : bool
        Accepted for PYNQ compatibility.
    device : Device, optional
        The board; ``Device.active_device`` when omitted.

    Raises
    ------
    FileNotFoundError
        When the bitstream, or the ``.hwh`` it needs, is not there (the message names it).
    """

    def __init__(self, bitfile_name, dtbo=None, download=True, ignore_version=False,
                 device=None, gen_cache=False):
        path = Path(bitfile_name)
        if not path.is_file():
            raise FileNotFoundError(f"bitstream {bitfile_name} does not exist")
        if path.suffix != ".xsa" and not path.with_suffix(".hwh").is_file():
            raise FileNotFoundError(
                f"{path.with_suffix('.hwh')} not found: Overlay reads the design's metadata "
                f"from the .hwh beside {path.name} (or use an .xsa that holds both)")
        self.device = device if device is not None else Device.active_device
        self.bitfile_name = str(path.resolve())
        self.dtbo = dtbo
        self.parser = _get_bitstream_handler(self.bitfile_name).get_parser()
        self.bitstream = Bitstream(self.bitfile_name, dtbo, device=self.device)
        for entry in self.parser.ip_dict.values():
            entry["device"] = self.device
        self._drivers = {}
        if download:
            self.download()

    # -- metadata, as PYNQ names it ------------------------------------------------------

    ip_dict = property(lambda self: self.parser.ip_dict)
    mem_dict = property(lambda self: self.parser.mem_dict)
    gpio_dict = property(lambda self: self.parser.gpio_dict)
    interrupt_controllers = property(lambda self: self.parser.interrupt_controllers)
    interrupt_pins = property(lambda self: self.parser.interrupt_pins)
    hierarchy_dict = property(lambda self: self.parser.hierarchy_dict)
    clock_dict = property(lambda self: self.parser.clock_dict)

    def download(self):
        """Programs the design, sets its PL clocks and forgets drivers of an earlier load."""
        self.device.download(self.bitstream, self.parser)
        self._set_pl_clocks()
        self._drivers = {}

    def is_loaded(self):
        """Whether this design is the one the board last loaded from this client."""
        return getattr(self.device, "_loaded_bitfile", None) == self.bitfile_name

    def reset(self):
        """Forgets the driver objects; the next attribute access makes new ones."""
        self._drivers = {}

    def _set_pl_clocks(self):
        if self.parser.family_ps == "ps7":
            # Zynq-7000: FPGAn_CLK_CTRL in the SLCR (clocks.py), as PYNQ writes it on download.
            for index, clock in sorted(self.parser.clock_dict.items()):
                div0, div1 = clock.get("divisor0"), clock.get("divisor1")
                if clock.get("enable") and div0 and div1 and index < 4:
                    set_pl_clk(self.device, index, int(div0), int(div1))
            return
        if self.parser.family_ps != "zynq_ultra_ps_e":
            return
        crl = None
        for index, clock in sorted(self.parser.clock_dict.items()):
            if not clock.get("enable") or index >= len(_PL_REF_CTRL):
                continue
            div0, div1 = clock.get("divisor0"), clock.get("divisor1")
            if not div0 or not div1:
                continue
            crl = crl or MMIO(_CRL_APB, 0x100, device=self.device)
            old = crl.read(_PL_REF_CTRL[index])
            crl.write(_PL_REF_CTRL[index],
                      (old & ~_DIVISOR_MASK) | (int(div1) << 16) | (int(div0) << 8))

    # -- attribute access ----------------------------------------------------------------

    def _resolve(self, fullpath):
        if fullpath in self._drivers:
            return self._drivers[fullpath]
        entry = self.parser.ip_dict.get(fullpath)
        if entry is not None and entry.get("phys_addr") is not None:
            driver = RegisterIP.driver_for(entry.get("type", ""))(entry)
        elif fullpath in self._hierarchies():
            driver = DefaultHierarchy(self._hierarchies()[fullpath], self)
        else:
            names = sorted(self._top_names())
            raise AttributeError(f"the overlay has no IP or hierarchy named {fullpath!r}; "
                                 f"it has: {', '.join(names)}")
        self._drivers[fullpath] = driver
        return driver

    def _hierarchies(self):
        found = {}

        def walk(tree):
            for name, sub in tree.items():
                found[sub.get("fullpath", name)] = sub
                walk(sub.get("hierarchies", {}))
        walk(self.parser.hierarchy_dict)
        return found

    def _top_names(self):
        names = {n for n, e in self.parser.ip_dict.items()
                 if "/" not in n and e.get("phys_addr") is not None}
        return names | {n for n in self._hierarchies() if "/" not in n}

    def __getattr__(self, name):
        if name.startswith("_") or name in ("parser", "device"):
            raise AttributeError(name)
        return self._resolve(name)

    def __dir__(self):
        return list(super().__dir__()) + sorted(self._top_names())

    def __repr__(self):
        return f"<Overlay {os.path.basename(self.bitfile_name)} on {self.device.name}>"
