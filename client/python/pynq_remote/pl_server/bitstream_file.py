"""Bitstream containers: the Xilinx ``.bit`` header, the ``.bin`` the FPGA manager takes,
and the ``.xsa`` zip that carries a ``.bit`` and its ``.hwh``.

The ``.bit`` header (Xilinx UG470 and PYNQ's ``bit2bin``): a 2-byte big-endian length and
that many bytes, 2 more bytes, then tagged fields ``a`` design, ``b`` part, ``c`` date,
``d`` time (tag byte, 2-byte big-endian length, NUL-terminated ASCII) and ``e`` (tag
byte, 4-byte big-endian length, the configuration data). The FPGA manager wants the
configuration data with every 32-bit word byte-swapped.
"""

import os
import zipfile

import numpy as np

_TEXT_TAGS = {"a": "design", "b": "part", "c": "date", "d": "time"}


class BitstreamFormatError(ValueError):
    """The file is not a well-formed bitstream container."""


def parse_bit_header(data):
    """Parses a ``.bit`` file.

    Parameters
    ----------
    data : bytes
        The whole file.

    Returns
    -------
    dict
        ``design``, ``part``, ``date``, ``time`` (str) and ``data`` (bytes, as in the file).

    Raises
    ------
    BitstreamFormatError
        When the header is truncated or has no configuration data.
    """
    def need(pos, count, what):
        if pos + count > len(data):
            raise BitstreamFormatError(
                f"truncated .bit: {what} needs {count} bytes at offset {pos}, "
                f"file has {len(data)}")

    need(0, 2, "header length")
    pos = 2 + int.from_bytes(data[0:2], "big") + 2
    fields = {}
    while True:
        need(pos, 1, "field tag")
        tag = chr(data[pos])
        if tag == "e":
            need(pos + 1, 4, "data length")
            size = int.from_bytes(data[pos + 1:pos + 5], "big")
            need(pos + 5, size, "configuration data")
            fields["data"] = bytes(data[pos + 5:pos + 5 + size])
            return fields
        if tag not in _TEXT_TAGS:
            raise BitstreamFormatError(f"not a .bit file: unexpected field tag {tag!r} "
                                       f"at offset {pos}")
        need(pos + 1, 2, f"field {tag} length")
        size = int.from_bytes(data[pos + 1:pos + 3], "big")
        need(pos + 3, size, f"field {tag}")
        fields[_TEXT_TAGS[tag]] = data[pos + 3:pos + 3 + size].rstrip(b"\0").decode(
            "ascii", "replace")
        pos += 3 + size


def swap_words(data):
    """Byte-swaps every 32-bit word (the ``.bit`` -> ``.bin`` step); pads to 4 bytes."""
    if len(data) % 4:
        data = bytes(data) + b"\0" * (4 - len(data) % 4)
    return np.frombuffer(data, dtype=">u4").astype("<u4").tobytes()


def bit_to_bin(data):
    """The ``.bin`` the FPGA manager takes, made from the bytes of a ``.bit`` file."""
    return swap_words(parse_bit_header(data)["data"])


def read_xsa(path):
    """Returns ``(bit_name, bit_bytes, hwh_text_or_None)`` from an ``.xsa`` archive."""
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        bits = [n for n in names if n.endswith(".bit")]
        if not bits:
            raise BitstreamFormatError(f"{path}: the .xsa holds no .bit file")
        hwhs = [n for n in names if n.endswith(".hwh")]
        hwh = archive.read(hwhs[0]).decode("utf-8-sig") if hwhs else None
        return os.path.basename(bits[0]), archive.read(bits[0]), hwh
