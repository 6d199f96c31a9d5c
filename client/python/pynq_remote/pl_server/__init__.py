"""The PYNQ.remote server side of the host package: devices, buffers, MMIO, bitstreams."""
