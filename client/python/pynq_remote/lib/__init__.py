"""Drivers for the AMD IP PYNQ designs use, bound by VLNV (importing registers them)."""

from .axigpio import AxiGPIO
from .dma import DMA

__all__ = ["AxiGPIO", "DMA"]
