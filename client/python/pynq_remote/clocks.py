"""``pynq.Clocks``: the CPU and PL clocks of a board, read from and set in its PS clock
registers the way PYNQ does it, on both families.

The board's family comes from the arch it reports (``/proc/version``): ``aarch64`` is a Zynq
UltraScale+, whose clocks live in CRL_APB / CRF_APB (UG1087); ``armv7l`` a Zynq-7000, whose
clocks live in the SLCR (UG585). A clock is its source PLL's rate divided by the clock
control register's two divisors, rounded to 6 decimals as PYNQ rounds it; setting a rate
picks the divisor pair whose product comes closest to ``source / rate`` and warns when the
result is more than 1 % off, so a script gets the same divisors from this class as from
PYNQ on the board. On a simulated board the PL really runs at what these registers say.

``Clocks.fclk0_mhz`` etc. act on ``Device.active_device``; ``Clocks.set_device(dev)``
points them at another board.
"""

import warnings

from .mmio import MMIO
from .pl_server.device import Device

DEFAULT_PL_CLK_MHZ = 100.0
_DIVISOR_BITS = 6


def _field(value, lsb, width):
    return (value >> lsb) & ((1 << width) - 1)


def _with_field(value, lsb, width, field):
    mask = ((1 << width) - 1) << lsb
    return (value & ~mask) | ((field << lsb) & mask)


def _divisor_pairs():
    """(products in the order PYNQ's search meets them, product -> (div0, div1)).

    Every product of two 6-bit divisors (0 included, as PYNQ includes it; a 0 divisor is
    refused later). A product reached by several pairs keeps the one with the largest
    div0: PYNQ's table is filled with div0 as the outer loop, the last pair winning."""
    order, pairs = [], {}
    for div0 in range(1 << _DIVISOR_BITS):
        for div1 in range(1 << _DIVISOR_BITS):
            product = div0 * div1
            if product not in pairs:
                order.append(product)
            pairs[product] = (div0, div1)
    return order, pairs


_PRODUCT_ORDER, _PRODUCT_PAIRS = _divisor_pairs()


def divisors_for(source_mhz, clk_mhz):
    """The (div0, div1) PYNQ writes for ``clk_mhz`` from a ``source_mhz`` PLL, with its
    warning when the closest rate is more than 1 % off."""
    wanted = round(source_mhz / clk_mhz, 6)
    # min() keeps the first of equally close products, in the search order above.
    product = min(_PRODUCT_ORDER, key=lambda p: abs(p - wanted))
    if product and abs(clk_mhz - source_mhz / product) > 0.01 * clk_mhz:
        warnings.warn(f"Setting frequency to the closest possible value "
                      f"{round(source_mhz / product, 5)}MHz.")
    return _PRODUCT_PAIRS[product]


class _Registers:
    """32-bit registers of one PS block, each read when asked (another client, or an
    Overlay download, may change them)."""

    def __init__(self, base, length, device):
        self._mmio = MMIO(base, length, device=device)

    def read(self, offset):
        return self._mmio.read(offset) & 0xFFFFFFFF

    def write(self, offset, value):
        self._mmio.write(offset, value & 0xFFFFFFFF)


class _ZynqMPClocks:
    """CRL_APB / CRF_APB: PLLs FBDIV 14:8, DIV2 16, PRE_SRC 22:20 (only the 33.333 MHz
    PS_REF_CLK, 0, is modelled); PLn_REF_CTRL and ACPU_CTRL DIVISOR0 13:8, DIVISOR1 21:16,
    SRCSEL 2:0, CLKACT 24."""

    REF_MHZ = 33.333
    CRL_APB, CRF_APB = 0xFF5E0000, 0xFD1A0000
    PL_CTRL = (0xC0, 0xC4, 0xC8, 0xCC)
    DIV0, DIV1, SRCSEL, CLKACT = (8, 6), (16, 6), (0, 3), (24, 1)
    # SRCSEL -> (block, PLL register); 1 selects no PLL.
    PL_SOURCES = (("crl", 0x20), None, ("crl", 0x30), ("crf", 0x2C))
    CPU_CTRL = ("crf", 0x60)
    CPU_SOURCES = (("crf", 0x20), None, ("crf", 0x2C), ("crf", 0x38))

    def __init__(self, device):
        self._blocks = {"crl": _Registers(self.CRL_APB, 0x100, device),
                        "crf": _Registers(self.CRF_APB, 0x100, device)}

    def _pll_mhz(self, source):
        if source is None:
            raise ValueError("the clock's SRCSEL selects no PLL")
        block, offset = source
        pll = self._blocks[block].read(offset)
        if _field(pll, 20, 3) != 0:
            raise ValueError("Invalid PLL Source")
        return self.REF_MHZ * _field(pll, 8, 7) / (2 if _field(pll, 16, 1) else 1)

    def source_mhz(self, index):
        ctrl = self._blocks["crl"].read(self.PL_CTRL[index])
        sources = self.PL_SOURCES
        srcsel = _field(ctrl, *self.SRCSEL)
        return round(self._pll_mhz(sources[srcsel] if srcsel < len(sources) else None), 6)

    def divisors(self, index):
        ctrl = self._blocks["crl"].read(self.PL_CTRL[index])
        return _field(ctrl, *self.DIV0), _field(ctrl, *self.DIV1)

    def write_divisors(self, index, div0, div1):
        crl = self._blocks["crl"]
        ctrl = crl.read(self.PL_CTRL[index])
        ctrl = _with_field(ctrl, *self.CLKACT, 1)
        ctrl = _with_field(ctrl, *self.DIV0, div0)
        crl.write(self.PL_CTRL[index], _with_field(ctrl, *self.DIV1, div1))

    def cpu_mhz(self):
        block, offset = self.CPU_CTRL
        ctrl = self._blocks[block].read(offset)
        srcsel = _field(ctrl, *self.SRCSEL)
        source = self.CPU_SOURCES[srcsel] if srcsel < len(self.CPU_SOURCES) else None
        return round(self._pll_mhz(source) / _field(ctrl, *self.DIV0), 6)


class _Zynq7000Clocks:
    """SLCR: PLLs PLL_FDIV 18:12 from the 50 MHz PS_CLK; FPGAn_CLK_CTRL DIVISOR0 13:8,
    DIVISOR1 25:20, SRCSEL 5:4 (IO, IO, ARM, DDR PLL); ARM_CLK_CTRL DIVISOR 13:8, SRCSEL 5:4
    (ARM, ARM, DDR, IO PLL)."""

    REF_MHZ = 50.0
    SLCR = 0xF8000000
    ARM_PLL, DDR_PLL, IO_PLL, ARM_CLK_CTRL = 0x100, 0x104, 0x108, 0x120
    PL_CTRL = (0x170, 0x180, 0x190, 0x1A0)
    DIV0, DIV1, SRCSEL = (8, 6), (20, 6), (4, 2)
    PL_SOURCES = (IO_PLL, IO_PLL, ARM_PLL, DDR_PLL)
    CPU_SOURCES = (ARM_PLL, ARM_PLL, DDR_PLL, IO_PLL)

    def __init__(self, device):
        self._slcr = _Registers(self.SLCR, 0x200, device)

    def _pll_mhz(self, offset):
        return round(self.REF_MHZ * _field(self._slcr.read(offset), 12, 7), 6)

    def source_mhz(self, index):
        ctrl = self._slcr.read(self.PL_CTRL[index])
        return round(self._pll_mhz(self.PL_SOURCES[_field(ctrl, *self.SRCSEL)]), 6)

    def divisors(self, index):
        ctrl = self._slcr.read(self.PL_CTRL[index])
        return _field(ctrl, *self.DIV0), _field(ctrl, *self.DIV1)

    def write_divisors(self, index, div0, div1):
        ctrl = self._slcr.read(self.PL_CTRL[index])
        ctrl = _with_field(ctrl, *self.DIV0, div0)
        self._slcr.write(self.PL_CTRL[index], _with_field(ctrl, *self.DIV1, div1))

    def cpu_mhz(self):
        ctrl = self._slcr.read(self.ARM_CLK_CTRL)
        source = self.CPU_SOURCES[_field(ctrl, *self.SRCSEL)]
        return round(self._pll_mhz(source) / _field(ctrl, 8, 6), 6)


def family_clocks(device):
    """The clock registers of ``device``'s PS family, chosen by the arch it reports."""
    arch = getattr(device, "arch", None)
    if arch == "aarch64":
        return _ZynqMPClocks(device)
    if arch == "armv7l":
        return _Zynq7000Clocks(device)
    raise RuntimeError(f"{device}: arch {arch!r} is neither aarch64 (Zynq UltraScale+) nor "
                       f"armv7l (Zynq-7000); its clocks are unknown")


def get_pl_clk(device, index):
    """PL clock ``index`` of ``device`` in MHz."""
    if index not in range(4):
        raise ValueError("Valid PL clock index is 0 - 3.")
    regs = family_clocks(device)
    div0, div1 = regs.divisors(index)
    if div0 == 0 or div1 == 0:
        raise ValueError(f"PL clock {index} has a 0 divisor (DIVISOR0={div0}, "
                         f"DIVISOR1={div1}): it is stopped")
    return round(regs.source_mhz(index) / (div0 * div1), 6)


def set_pl_clk(device, index, div0=None, div1=None, clk_mhz=DEFAULT_PL_CLK_MHZ):
    """Sets PL clock ``index`` of ``device``: by its two divisors, or by a rate (ignored
    when both divisors are given)."""
    if index not in range(4):
        raise ValueError("Valid PL clock index is 0 - 3.")
    regs = family_clocks(device)
    if div0 is None or div1 is None:
        source = regs.source_mhz(index)
        if div0 is None and div1 is None:
            div0, div1 = divisors_for(source, clk_mhz)
        elif div1 is None:
            div1 = round(source / clk_mhz / div0)
        else:
            div0 = round(source / clk_mhz / div1)
    limit = (1 << _DIVISOR_BITS) - 1
    if not 0 < div0 <= limit:
        raise ValueError("Frequency divider 0 value out of range.")
    if not 0 < div1 <= limit:
        raise ValueError("Frequency divider 1 value out of range.")
    regs.write_divisors(index, int(div0), int(div1))


def _clock_property(index):
    def getter(cls):
        return get_pl_clk(cls._device(), index)

    def setter(cls, clk_mhz):
        set_pl_clk(cls._device(), index, clk_mhz=clk_mhz)
    return property(getter, setter, doc=f"PL clock {index} in MHz")


class _ClocksMeta(type):
    """Class-level properties, as PYNQ offers them (``Clocks.fclk0_mhz = 50``)."""

    cpu_mhz = property(lambda cls: family_clocks(cls._device()).cpu_mhz(),
                       doc="The CPU clock in MHz")
    fclk0_mhz = _clock_property(0)
    fclk1_mhz = _clock_property(1)
    fclk2_mhz = _clock_property(2)
    fclk3_mhz = _clock_property(3)


class Clocks(metaclass=_ClocksMeta):
    """The CPU and PL clocks of the active board (PYNQ's ``Clocks``): ``cpu_mhz`` and
    ``fclk0_mhz`` .. ``fclk3_mhz``, the PL ones settable."""

    _explicit_device = None

    @classmethod
    def set_device(cls, device):
        """Acts on ``device`` from now on (None: ``Device.active_device`` again)."""
        cls._explicit_device = device

    @classmethod
    def _device(cls):
        return cls._explicit_device or Device.active_device

    @classmethod
    def get_pl_clk(cls, clk_idx):
        return get_pl_clk(cls._device(), clk_idx)

    @classmethod
    def set_pl_clk(cls, clk_idx, div0=None, div1=None, clk_mhz=DEFAULT_PL_CLK_MHZ):
        set_pl_clk(cls._device(), clk_idx, div0, div1, clk_mhz)
