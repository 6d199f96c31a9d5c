"""The signal names and time range of an FST waveform file, standard library only.

FST (GTKWave's format, which Verilator's --trace-fst writes) is a sequence of blocks: one
type byte, then a big-endian u64 length that counts itself and the payload. The header block
(type 0) holds the first and last time; the hierarchy block holds the scopes and variables,
compressed with gzip (type 4), LZ4 (type 6) or LZ4 twice (type 7). The hierarchy is written
when the writer closes, so a file whose writer has not closed yet has none; that is an error
here, as it is for gtkwave.

Usage: fst_signals.py FILE   prints the time range and one full signal name per line.
"""

import gzip
import struct
import sys

HEADER, HIER_GZ, HIER_LZ4, HIER_LZ4_TWICE = 0, 4, 6, 7
SKIP = 255  # a block still being written
SCOPE, UPSCOPE, ATTR_BEGIN, ATTR_END = 254, 255, 252, 253


class FstError(Exception):
    pass


def _lz4_block(src, size):
    """Decompresses one raw LZ4 block (no frame) of `size` bytes."""
    out = bytearray()
    i = 0
    while i < len(src) and len(out) < size:
        token = src[i]
        i += 1
        n = token >> 4
        if n == 15:
            while True:
                n += src[i]
                i += 1
                if src[i - 1] != 255:
                    break
        out += src[i:i + n]
        i += n
        if i >= len(src) or len(out) >= size:
            break
        offset = src[i] | (src[i + 1] << 8)
        i += 2
        n = token & 15
        if n == 15:
            while True:
                n += src[i]
                i += 1
                if src[i - 1] != 255:
                    break
        n += 4
        if offset == 0 or offset > len(out):
            raise FstError("corrupt LZ4 data in the hierarchy block")
        start = len(out) - offset
        for k in range(n):  # the match may overlap what it produces
            out.append(out[start + k])
    if len(out) != size:
        raise FstError("the hierarchy block unpacks to %d bytes, not %d" % (len(out), size))
    return bytes(out)


def _varint(data, i):
    value, shift = 0, 0
    while True:
        b = data[i]
        i += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return value, i


def _cstr(data, i):
    end = data.index(b"\0", i)
    return data[i:end].decode("utf-8", "replace"), end + 1


def _signals(hier):
    """Full dotted names of the variables in an unpacked hierarchy."""
    names, scopes = [], []
    i = 0
    while i < len(hier):
        tag = hier[i]
        i += 1
        if tag == SCOPE:
            i += 1  # scope type
            name, i = _cstr(hier, i)
            _, i = _cstr(hier, i)  # component
            scopes.append(name)
        elif tag == UPSCOPE:
            if scopes:
                scopes.pop()
        elif tag == ATTR_BEGIN:
            i += 2  # attribute type, subtype
            _, i = _cstr(hier, i)
            _, i = _varint(hier, i)
        elif tag == ATTR_END:
            pass
        elif tag <= 29:  # a variable type (FST_VT_*)
            i += 1  # direction
            name, i = _cstr(hier, i)
            _, i = _varint(hier, i)  # length in bits
            _, i = _varint(hier, i)  # alias of an earlier handle, or 0
            names.append(".".join(scopes + [name.split(" ")[0]]))
        else:
            raise FstError("unknown hierarchy tag %d at byte %d" % (tag, i - 1))
    return names


def read(path):
    """(start time, end time, [full signal names]) of the FST file at `path`."""
    with open(path, "rb") as f:
        data = f.read()
    times, hier = None, None
    pos = 0
    while pos + 9 <= len(data):
        kind = data[pos]
        (length,) = struct.unpack_from(">Q", data, pos + 1)
        if length < 8 or pos + 1 + length > len(data):
            raise FstError("%s: block %d at byte %d runs past the end (truncated?)" %
                           (path, kind, pos))
        body = data[pos + 9:pos + 1 + length]
        if kind == HEADER:
            times = struct.unpack_from(">QQ", body, 0)
        elif kind in (HIER_GZ, HIER_LZ4, HIER_LZ4_TWICE):
            (size,) = struct.unpack_from(">Q", body, 0)
            packed = body[8:]
            if kind == HIER_GZ:
                hier = gzip.decompress(packed)
            elif kind == HIER_LZ4:
                hier = _lz4_block(packed, size)
            else:
                first, i = _varint(packed, 0)
                hier = _lz4_block(_lz4_block(packed[i:], first), size)
        elif kind == SKIP:
            raise FstError("%s: a block is still being written (is the writer still open?)" %
                           path)
        pos += 1 + length
    if times is None:
        raise FstError("%s: no FST header block (not an FST file?)" % path)
    if hier is None:
        raise FstError("%s: no hierarchy block: the writer has not closed the file (stop the "
                       "server first)" % path)
    return times[0], times[1], _signals(hier)


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    try:
        start, end, names = read(argv[1])
    except (OSError, FstError) as e:
        print("fst_signals.py: %s" % e, file=sys.stderr)
        return 1
    print("time %d..%d" % (start, end))
    for n in names:
        print(n)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
