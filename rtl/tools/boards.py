#!/usr/bin/python3
"""The simulated board's profiles (sim/board/boards.json) for the Python tools.

boards.json is the one source of truth; the C++ board embeds the same file at build time.
Where it is looked for, first hit wins:

1. ``$PYNQ_REMOTE_BOARDS_JSON``;
2. ``boards.json`` beside this file;
3. ``../boards.json`` from this file (an installed pynq-remote: share/pynq-remote/boards.json
   beside share/pynq-remote/tools, rtl/package/CMakeLists.txt);
4. ``../../sim/board/boards.json`` from this file (the source tree).

Usage from a tool::

    import boards
    board = boards.find("pynq-z2")                  # name (any case) or board-part VLNV
    board = boards.find_by_board_part("tul.com.tw:pynq-z2:part0:1.0")
    board.family, board.part, board.master("M_AXI_GP0").base, board.slave("S_AXI_HP0").short
    board.windows_of("M_AXI_HPM0_FPD")   # its low window and its high one (0x4_0000_0000)

PL windows: a PS master port has its window below 4 GiB ("base"/"size") and, on ZynqMP's
M_AXI_HPM0_FPD/M_AXI_HPM1_FPD, a second one above 4 GiB ("high"). Every Window carries its
port's name. The PL's AXI4-Lite sees the low 32 bits of either (rtl/README.md).

``python3 boards.py [--json PATH]`` checks the file and lists the profiles.
Debian's /usr/bin/python3, standard library only.
"""
import json
import os
import sys
from collections import namedtuple

FAMILIES = {"zynqmp": "Zynq UltraScale+", "zynq7000": "Zynq-7000"}
ARCHES = {"zynqmp": "aarch64", "zynq7000": "armv7l"}
# The simulated DDR is one sparse low region; 4 GiB of 32-bit PL addresses leave it 2 GiB.
MAX_SIM_DDR = 2 << 30
# ZynqMP's physical addresses are 40 bits wide: where a high PL window must end.
MAX_PHYSICAL = 1 << 40
LOW_4G = 1 << 32

Window = namedtuple("Window", "name base size")
SlavePort = namedtuple("SlavePort", "name short data_bits")
IrqPort = namedtuple("IrqPort", "name lines")


class BoardError(ValueError):
    """boards.json is malformed, or no profile has the name asked for."""


class Board(namedtuple("Board", "name family board_part part arch ddr cma masters slaves "
                                "irq_ports installed_ddr high_windows")):
    """One profile. ddr/cma are Windows (name "ddr"/"cma"); addresses are ints. masters: each
    PS master port's window below 4 GiB; high_windows: the ports' windows above 4 GiB, named
    by their port."""

    @property
    def family_name(self):
        """"Zynq UltraScale+" or "Zynq-7000", as messages name the family."""
        return FAMILIES[self.family]

    @property
    def is_zynqmp(self):
        return self.family == "zynqmp"

    @property
    def is_zynq7000(self):
        return self.family == "zynq7000"

    @property
    def irq_lines(self):
        return sum(p.lines for p in self.irq_ports)

    def master(self, name):
        """The PS master port called name (its window below 4 GiB), or None."""
        return next((w for w in self.masters if w.name == name), None)

    def windows_of(self, name):
        """Every window of the PS master port called name: the low one, then any high one."""
        return [w for w in self.pl_windows if w.name == name]

    @property
    def pl_windows(self):
        """Every PL window, each port's low window followed by its high one."""
        out = []
        for m in self.masters:
            out.append(m)
            out += [h for h in self.high_windows if h.name == m.name]
        return tuple(out)

    def slave(self, name):
        """The PS slave port called name (full, "S_AXI_HP0_FPD", or short, "hp0"), or None."""
        return next((p for p in self.slaves if name in (p.name, p.short)), None)

    def master_for(self, addr, size=1):
        """The PL window (named by its PS master port) that holds [addr, addr + size), or
        None."""
        return next((w for w in self.pl_windows
                     if w.base <= addr and addr + size <= w.base + w.size), None)

    @property
    def default_slave(self):
        """The PS slave port a legacy single-bundle top binds to (HP0 of the family)."""
        return self.slaves[0] if self.slaves else None


def default_path():
    env = os.environ.get("PYNQ_REMOTE_BOARDS_JSON")
    if env:
        return env
    here = os.path.dirname(os.path.abspath(__file__))
    # Beside this file, or one folder up: an installed pynq-remote keeps the tools in
    # share/pynq-remote/tools and the profiles in share/pynq-remote (rtl/package/).
    for candidate in (os.path.join(here, "boards.json"), os.path.join(here, "..", "boards.json")):
        if os.path.exists(candidate):
            return os.path.normpath(candidate)
    return os.path.normpath(os.path.join(here, "..", "..", "sim", "board", "boards.json"))


def _int(value, where):
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise BoardError(f"{where}: expected an address or size (\"0x...\"), got {value!r}")
    if isinstance(value, int):
        return value
    try:
        return int(value, 0)
    except ValueError:
        raise BoardError(f"{where}: {value!r} is not a number") from None


def _str(entry, key, where):
    value = entry.get(key)
    if not isinstance(value, str) or not value:
        raise BoardError(f"{where}: \"{key}\" must be a non-empty string")
    return value


def _window(entry, where, name=None):
    if not isinstance(entry, dict):
        raise BoardError(f"{where}: expected an object with base and size")
    size = _int(entry.get("size"), where + ".size")
    if size <= 0:
        raise BoardError(f"{where}: size must be positive")
    return Window(name or _str(entry, "name", where), _int(entry.get("base"), where + ".base"),
                  size)


def _overlaps(a, b):
    return a.base < b.base + b.size and b.base < a.base + a.size


def _parse_board(entry, index):
    where = f"boards[{index}]"
    if not isinstance(entry, dict):
        raise BoardError(f"{where}: expected an object")
    name = _str(entry, "name", where)
    where = f"board {name}"
    family = _str(entry, "family", where)
    if family not in FAMILIES:
        raise BoardError(f"{where}: family {family!r} is not one of {sorted(FAMILIES)}")
    arch = _str(entry, "arch", where)
    if arch != ARCHES[family]:
        raise BoardError(f"{where}: arch {arch!r}, but a {FAMILIES[family]} runs "
                         f"{ARCHES[family]}")
    ddr = _window(entry.get("ddr"), where + " ddr", "ddr")
    cma = _window(entry.get("cma"), where + " cma", "cma")
    installed = _int(entry["ddr"].get("installed", hex(ddr.size)), where + " ddr.installed")
    if ddr.base + ddr.size > MAX_SIM_DDR:
        raise BoardError(f"{where}: simulated DDR ends at {ddr.base + ddr.size:#x}, past "
                         f"{MAX_SIM_DDR:#x}")
    if installed < ddr.size:
        raise BoardError(f"{where}: ddr.installed is smaller than ddr.size")
    if cma.base < ddr.base or cma.base + cma.size > ddr.base + ddr.size:
        raise BoardError(f"{where}: cma is not inside ddr")
    masters = [_window(m, f"{where} ps_master_ports[{i}]")
               for i, m in enumerate(entry.get("ps_master_ports") or [])]
    if not masters:
        raise BoardError(f"{where}: no ps_master_ports")
    high = []
    for i, m in enumerate(masters):
        if m.base + m.size > LOW_4G:
            raise BoardError(f"{where}: {m.name} goes past 4 GiB (put a ZynqMP port's window "
                             f"above 4 GiB under \"high\")")
        if any(other.name == m.name for other in masters[:i]):
            raise BoardError(f"{where}: {m.name} is listed twice")
        spec = entry["ps_master_ports"][i].get("high")
        if spec is not None:
            if family != "zynqmp":
                raise BoardError(f"{where}: {m.name} has a high window, but a Zynq-7000 has "
                                 f"32-bit physical addresses")
            h = _window(spec, f"{where} ps_master_ports[{i}].high", m.name)
            if h.base < LOW_4G or h.base + h.size > MAX_PHYSICAL:
                raise BoardError(f"{where}: the high window of {m.name} must be above 4 GiB and "
                                 f"below 1 TiB (40-bit addresses)")
            high.append(h)
    every = list(masters) + high
    for i, m in enumerate(every):
        if _overlaps(m, ddr):
            raise BoardError(f"{where}: {m.name} overlaps the DDR")
        for other in every[:i]:
            if _overlaps(m, other):
                raise BoardError(f"{where}: {m.name} and {other.name} collide")
    slaves = []
    for i, s in enumerate(entry.get("ps_slave_ports") or []):
        at = f"{where} ps_slave_ports[{i}]"
        if not isinstance(s, dict):
            raise BoardError(f"{at}: expected an object")
        bits = s.get("data_bits")
        if (not isinstance(bits, list) or not bits
                or any(b not in (32, 64, 128) for b in bits)):
            raise BoardError(f"{at}: data_bits must list some of 32, 64, 128")
        port = SlavePort(_str(s, "name", at), _str(s, "short", at), tuple(bits))
        if any(port.name == p.name or port.short == p.short for p in slaves):
            raise BoardError(f"{at}: {port.name} ({port.short}) named twice")
        slaves.append(port)
    if not slaves:
        raise BoardError(f"{where}: no ps_slave_ports")
    irq = entry.get("irq")
    ports = irq.get("ports") if isinstance(irq, dict) else None
    if not isinstance(ports, list) or not ports:
        raise BoardError(f"{where}: irq.ports must list the PL-to-PS interrupt ports")
    irq_ports = []
    for i, p in enumerate(ports):
        at = f"{where} irq.ports[{i}]"
        if not isinstance(p, dict) or not isinstance(p.get("lines"), int) or p["lines"] <= 0:
            raise BoardError(f"{at}: needs a name and a positive number of lines")
        irq_ports.append(IrqPort(_str(p, "name", at), p["lines"]))
    if sum(p.lines for p in irq_ports) > 16:
        raise BoardError(f"{where}: more than 16 interrupt lines (the shell has irq[15:0])")
    return Board(name, family, _str(entry, "board_part", where), _str(entry, "part", where),
                 arch, ddr, cma, tuple(masters), tuple(slaves), tuple(irq_ports), installed,
                 tuple(high))


def parse(text, where="boards.json"):
    """Every profile of a boards.json text, checked; BoardError says what is wrong."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise BoardError(f"{where}: not JSON: {e}") from None
    entries = doc.get("boards") if isinstance(doc, dict) else None
    if not isinstance(entries, list) or not entries:
        raise BoardError(f"{where}: needs a non-empty \"boards\" list")
    result = [_parse_board(e, i) for i, e in enumerate(entries)]
    seen = {}
    for b in result:
        for key in (b.name.lower(), b.board_part.lower()):
            if key in seen:
                raise BoardError(f"{where}: {key!r} names both {seen[key]} and {b.name}")
            seen[key] = b.name
    return result


_cache = {}


def load(path=None):
    """The profiles of path (default: default_path()), parsed once per path."""
    path = path or default_path()
    if path not in _cache:
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except OSError as e:
            raise BoardError(f"cannot read the board profiles {path}: {e.strerror}") from None
        _cache[path] = parse(text, path)
    return _cache[path]


def names(path=None):
    return [b.name for b in load(path)]


def _vlnv_stem(vlnv):
    """vendor:board:component without the version: a manifest may name another revision."""
    return vlnv.lower().rsplit(":", 1)[0] if vlnv.count(":") == 3 else vlnv.lower()


def find_by_board_part(vlnv, path=None):
    """The profile of a board-part VLNV: exact first, else the same board at another version."""
    all_boards = load(path)
    exact = [b for b in all_boards if b.board_part.lower() == vlnv.lower()]
    if exact:
        return exact[0]
    stem = _vlnv_stem(vlnv)
    return next((b for b in all_boards if _vlnv_stem(b.board_part) == stem), None)


# Device+package -> the profile a .hwh of that part (and no known board) gets when several
# profiles share the part: the Pynq-Z1 and Pynq-Z2 are both xc7z020clg400.
PART_DEFAULT_BOARD = {"xc7z020clg400": "Pynq-Z2"}


def part_key(part):
    """Device and package of a part, lower case, no separators, with the xc prefix:
    xczu7ev-ffvc1156-2-e -> xczu7evffvc1156, 7z020clg400-1 -> xc7z020clg400."""
    text = part.lower()
    if not text.startswith("xc"):
        text = "xc" + text
    if text.startswith("xc7z"):  # xc7z020clg400-1: the speed grade after the only hyphen
        return text.split("-")[0]
    return "".join(text.split("-")[:2])


def find_by_part(part, path=None):
    """The profile for a part (speed grade ignored): the one profile of that device and
    package, else PART_DEFAULT_BOARD's choice among several; None if no profile has it."""
    key = part_key(part)
    matches = [b for b in load(path) if part_key(b.part) == key]
    if len(matches) > 1 and key in PART_DEFAULT_BOARD:
        return next((b for b in matches if b.name == PART_DEFAULT_BOARD[key]), matches[0])
    return matches[0] if matches else None


def find(name, path=None):
    """The profile called name (any case) or with that board-part VLNV; None if none."""
    lowered = name.lower()
    for b in load(path):
        if b.name.lower() == lowered:
            return b
    return find_by_board_part(name, path) if ":" in name else None


def get(name, path=None):
    """Like find, but a name no profile has raises BoardError listing the known boards."""
    board = find(name, path)
    if board is None:
        raise BoardError(f"no board profile {name!r}; known boards: {', '.join(names(path))}")
    return board


def by_family(family, path=None):
    return [b for b in load(path) if b.family == family]


def family_name(family):
    """"zynqmp" -> "Zynq UltraScale+", "zynq7000" -> "Zynq-7000"."""
    if family not in FAMILIES:
        raise BoardError(f"unknown family {family!r}; known: {', '.join(sorted(FAMILIES))}")
    return FAMILIES[family]


def main(argv):
    path = argv[2] if len(argv) == 3 and argv[1] == "--json" else None
    if len(argv) not in (1, 3) or (len(argv) == 3 and path is None):
        print("usage: boards.py [--json PATH]", file=sys.stderr)
        return 2
    try:
        for b in load(path):
            windows = ", ".join(f"{m.name} {m.base:#x}/{m.size:#x}" for m in b.pl_windows)
            print(f"{b.name:12} {b.family_name:17} {b.part:22} DDR {b.ddr.size >> 20} MiB; "
                  f"{windows}")
    except BoardError as e:
        print(f"boards.py: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
