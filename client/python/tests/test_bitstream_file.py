"""Unit tests of the .bit/.bin/.xsa containers (no server)."""

import io
import zipfile

import pytest

from pynq_remote.pl_server.bitstream_file import (BitstreamFormatError, bit_to_bin,
                                                  parse_bit_header, read_xsa, swap_words)


def make_bit(data, design="top;UserID=0XFFFFFFFF", part="xczu7ev-ffvc1156-2-e"):
    def text(tag, value):
        raw = value.encode() + b"\0"
        return tag + len(raw).to_bytes(2, "big") + raw
    header = (9).to_bytes(2, "big") + bytes.fromhex("0ff00ff00ff00ff000") + b"\x00\x01"
    return (header + text(b"a", design) + text(b"b", part) + text(b"c", "2026/11/23") +
            text(b"d", "12:00:00") + b"e" + len(data).to_bytes(4, "big") + data)


def test_header_fields_and_data():
    fields = parse_bit_header(make_bit(b"\x01\x02\x03\x04"))
    assert fields["part"] == "xczu7ev-ffvc1156-2-e"
    assert fields["design"].startswith("top")
    assert fields["data"] == b"\x01\x02\x03\x04"


def test_bin_swaps_every_word():
    assert bit_to_bin(make_bit(b"\x01\x02\x03\x04\x05\x06\x07\x08")) == \
        b"\x04\x03\x02\x01\x08\x07\x06\x05"
    assert swap_words(swap_words(b"abcdefgh")) == b"abcdefgh"


@pytest.mark.parametrize("cut", [1, 5, 20, 40])
def test_truncated_bit_is_refused(cut):
    bit = make_bit(b"\x00" * 64)
    with pytest.raises(BitstreamFormatError, match="truncated"):
        parse_bit_header(bit[:len(bit) - 64 - cut] if cut < 40 else bit[:cut])


def test_foreign_tag_is_refused():
    bit = bytearray(make_bit(b"\x00" * 4))
    bit[13] = ord("z")
    with pytest.raises(BitstreamFormatError, match="tag"):
        parse_bit_header(bytes(bit))


def test_xsa_yields_bit_and_hwh(tmp_path):
    path = tmp_path / "design.xsa"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("design.bit", make_bit(b"\xaa\xbb\xcc\xdd"))
        z.writestr("design.hwh", "\ufeff<EDKSYSTEM/>")
    name, bit, hwh = read_xsa(path)
    assert name == "design.bit" and hwh == "<EDKSYSTEM/>"
    assert bit_to_bin(bit) == b"\xdd\xcc\xbb\xaa"


def test_xsa_without_bit_is_refused(tmp_path):
    path = tmp_path / "empty.xsa"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("x.hwh", "")
    with pytest.raises(BitstreamFormatError, match="no .bit"):
        read_xsa(path)
