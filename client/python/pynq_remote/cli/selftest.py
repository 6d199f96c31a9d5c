"""selftest: the first thing to run against a new board.

What PYNQ 4.0's remote self-test checks (a RemoteDevice found, the resizer overlay loaded,
buffers allocated, an identity resize through the DMA coming back unchanged), and ours:
connect, version, program the reference design, MMIO, buffers of every dtype read back from
the board, DMA, interrupts where the board serves them, and throughput figures. The designs
come from --designs (the build's designs/ folder) or PYNQ_REMOTE_DESIGNS; without them the
steps that need one are skipped, saying so. Programming replaces whatever design was loaded.
"""

import asyncio
import os
import time

import numpy as np

from .._proto.pynq_remote.v1 import board_pb2
from .common import CliError, Timer, connect, emit, explain, table
from .common import addresses as named_addresses

PASS, FAIL, SKIP = "pass", "FAIL", "skip"
DTYPES = ("u1", "u2", "u4", "u8", "i1", "i2", "i4", "i8", "f2", "f4", "f8", "c8", "c16", "?")
THROUGHPUT_BYTES = 16 << 20
DMA_BYTES = 1 << 20
MMIO_READS = 200
RESIZE_SIZE = 500  # PYNQ 4.0's self-test image: 500 x 500 RGB, resized to itself

# Per family: the reference design (MMIO: a scratch register), the DMA design, and PYNQ
# 4.0's resizer where it exists. Addresses and offsets from each design's .hwh and core.
ZYNQMP = {"reference": "ref_accel", "scratch": 0xA0000010, "dma": "dma_loopback",
          "resizer": "resizer"}
# Zynq-7000 (Pynq-Z2): its one design is the DMA loopback; the MMIO check uses the DMA's
# S2MM destination address register (PG021 0x48), which holds what is written while halted.
ZYNQ7000 = {"reference": "pynqz2_dma", "scratch": 0x40400048, "dma": "pynqz2_dma",
            "resizer": None}


def add_commands(commands):
    p = commands.add_parser("selftest", help="check a board end to end; exit code 0 pass, 1 fail",
                            description=__doc__.split("\n\n")[1])
    p.add_argument("--designs", metavar="DIR", default=os.environ.get("PYNQ_REMOTE_DESIGNS"),
                   help="folder of the reference designs, DIR/NAME/NAME.bit with its .hwh "
                        "(default: $PYNQ_REMOTE_DESIGNS)")
    p.set_defaults(run=selftest)


class Skip(Exception):
    """A step that does not apply to this board or setup; the message says why."""


class _Run:
    """One board's self-test: the steps in order, each recorded with its figures."""

    def __init__(self, args, address):
        self.args = args
        self.address = address
        self.device = None
        self.family = ZYNQMP
        self.steps = []
        self.overlays = {}

    def step(self, name, check):
        start = time.perf_counter()
        figures = {}
        try:
            detail = check(figures)
            result = PASS
        except Skip as why:
            result, detail = SKIP, str(why)
        except AssertionError as why:
            result, detail = FAIL, str(why)
        except Exception as error:  # noqa: BLE001 - a failed check is part of the table
            result, detail = FAIL, str(explain(error, self.address))
        self.steps.append({"step": name, "result": result, "detail": detail or "",
                           "seconds": round(time.perf_counter() - start, 3),
                           "figures": figures})
        return result

    # -- the steps ------------------------------------------------------------------------

    def connect(self, figures):
        with Timer() as timer:
            self.device = connect(self.args, self.address)
        figures["connect_ms"] = round(timer.seconds * 1000, 1)
        if self.device.arch == "armv7l":
            self.family = ZYNQ7000
        return f"{self.device.address} in {figures['connect_ms']} ms, arch {self.device.arch}"

    def version(self, figures):
        info = self.device.info
        if info is None:
            return "a PYNQ 3.1 compatible server (no pynq_remote.v1.Board)"
        figures.update(server_version=info.server_version, backend=info.backend,
                       board=info.board)
        assert info.server_version, "the server reports no version"
        return f"pynq-remote {info.server_version}, {info.backend} backend, {info.board}"

    def _design(self, name):
        designs = self.args.designs
        if not designs:
            raise Skip("no reference designs: pass --designs DIR (a build's designs/ folder) "
                       "or set PYNQ_REMOTE_DESIGNS")
        path = os.path.join(designs, name, name + ".bit")
        if not os.path.isfile(path):
            raise Skip(f"{path} is missing")
        return path

    def _overlay(self, name):
        from ..overlay import Overlay
        if name not in self.overlays:
            self.overlays = {name: Overlay(self._design(name), device=self.device)}
        return self.overlays[name]

    def program(self, figures):
        name = self.family["reference"]
        with Timer() as timer:
            self._overlay(name)
        figures["program_s"] = round(timer.seconds, 3)
        info = self.device.info
        if info is not None:
            info = self.device._stub["board"].GetInfo(board_pb2.GetInfoRequest(), timeout=10)
            assert info.fpga_state == "operating", \
                f"the FPGA manager reports {info.fpga_state!r} ({info.fpga_error})"
        return f"{name} in {timer.seconds:.2f} s"

    def mmio(self, figures):
        self._overlay(self.family["reference"])
        from ..mmio import MMIO
        addr = self.family["scratch"]
        regs = MMIO(addr & ~0xFFF, 0x1000, device=self.device)
        offset = addr & 0xFFF
        for value in (0x00000000, 0xFFFFFFFF, 0xA5A5A5A0, 0x5A5A5A50):
            regs.write(offset, value)
            got = regs.read(offset)
            assert got == value, f"wrote {value:#010x} at {addr:#x}, read {got:#010x}"
        with Timer() as timer:
            for _ in range(MMIO_READS):
                regs.read(offset)
        figures["mmio_reads_per_s"] = round(MMIO_READS / timer.seconds)
        return f"4 patterns at {addr:#x}; {figures['mmio_reads_per_s']} reads/s"

    def buffers(self, figures):
        from ..buffer import allocate
        rng = np.random.default_rng(20)
        board = self.device._stub.get("board")
        for code in DTYPES:
            dtype = np.dtype(code)
            raw = rng.integers(0, 256, 1024 * dtype.itemsize, dtype=np.uint8)
            data = raw.view(dtype) if dtype != np.bool_ else raw.astype(bool)
            if dtype.kind in "fc":
                data = np.nan_to_num(data)  # NaN != NaN: compare numbers, not bit patterns
            buf = allocate(shape=data.shape, dtype=dtype, target=self.device)
            try:
                buf[:] = data
                if board is not None:  # what the board holds, not the local mirror
                    held = board.ReadBufferRange(board_pb2.ReadBufferRequest(
                        buffer_id=buf.buffer_id, offset=0, length=data.nbytes), timeout=10).data
                    assert held == data.tobytes(), f"{dtype.name}: the board holds other bytes"
                else:
                    buf.invalidate()
                    assert np.array_equal(np.asarray(buf), data), f"{dtype.name} read back wrong"
            finally:
                buf.freebuffer()
        return f"{len(DTYPES)} dtypes: {', '.join(np.dtype(c).name for c in DTYPES)}"

    def _loopback(self, dma, nbytes, use_interrupts=False):
        from ..buffer import allocate
        data = np.random.default_rng(nbytes).integers(0, 256, nbytes, dtype=np.uint8)
        src = allocate(shape=(nbytes,), dtype=np.uint8, target=self.device)
        dst = allocate(shape=(nbytes,), dtype=np.uint8, target=self.device)
        try:
            src[:] = data
            with Timer() as timer:
                dma.recvchannel.transfer(dst)
                dma.sendchannel.transfer(src)
                if use_interrupts:
                    async def wait():
                        await dma.sendchannel.wait_async()
                        await dma.recvchannel.wait_async()
                    asyncio.run(asyncio.wait_for(wait(), 120))
                else:
                    dma.sendchannel.wait()
                    dma.recvchannel.wait()
            assert np.array_equal(np.asarray(dst), data), \
                f"{nbytes} bytes through the DMA came back changed"
            return timer.seconds
        finally:
            src.freebuffer()
            dst.freebuffer()

    def dma(self, figures):
        overlay = self._overlay(self.family["dma"])
        seconds = self._loopback(overlay.axi_dma_0, DMA_BYTES)
        figures["dma_mb_per_s"] = round(DMA_BYTES / seconds / 1e6, 2)
        return f"{DMA_BYTES >> 20} MiB loopback, {figures['dma_mb_per_s']} MB/s"

    def interrupts(self, figures):
        from ..interrupt import Interrupt
        overlay = self._overlay(self.family["dma"])
        dma = overlay.axi_dma_0
        if not isinstance(getattr(dma, "s2mm_introut", None), Interrupt):
            raise Skip(f"{self.family['dma']} wires no DMA interrupt this board serves")
        seconds = self._loopback(dma, 64 * 1024, use_interrupts=True)
        figures["interrupt_loopback_ms"] = round(seconds * 1000, 1)
        return f"64 KiB loopback waited on both DMA interrupts ({seconds * 1000:.0f} ms)"

    def resizer(self, figures):
        from ..buffer import allocate
        if self.family["resizer"] is None:
            raise Skip("PYNQ 4.0's resizer design is for Zynq UltraScale+ boards")
        overlay = self._overlay(self.family["resizer"])
        dma, resizer = overlay.axi_dma_0, overlay.resize_accel_0
        size = RESIZE_SIZE
        image = np.random.default_rng(4).integers(0, 256, (size, size, 3), dtype=np.uint8)
        src = allocate(shape=image.shape, dtype=np.uint8, cacheable=1, target=self.device)
        dst = allocate(shape=image.shape, dtype=np.uint8, cacheable=1, target=self.device)
        try:
            src[:] = image
            registers = resizer.register_map
            registers.src_rows = registers.src_cols = size
            registers.dst_rows = registers.dst_cols = size
            with Timer() as timer:
                dma.sendchannel.transfer(src)
                dma.recvchannel.transfer(dst)
                resizer.write(0x00, 0x81)  # ap_start with auto-restart
                dma.sendchannel.wait()
                dma.recvchannel.wait()
            assert np.array_equal(np.asarray(dst), image), "the identity resize changed pixels"
        finally:
            src.freebuffer()
            dst.freebuffer()
        figures["resize_s"] = round(timer.seconds, 3)
        return f"{size}x{size} RGB resized to itself unchanged in {timer.seconds:.2f} s"

    def throughput(self, figures):
        from ..buffer import allocate
        data = np.random.default_rng(16).integers(0, 256, THROUGHPUT_BYTES, dtype=np.uint8)
        buf = allocate(shape=data.shape, dtype=np.uint8, target=self.device)
        try:
            with Timer() as write:
                buf[:] = data
            with Timer() as read:
                buf.invalidate()
                got = np.array(buf)
            assert np.array_equal(got, data), "16 MiB read back changed"
        finally:
            buf.freebuffer()
        mb = THROUGHPUT_BYTES / 1e6
        figures.update(write_mb_per_s=round(mb / write.seconds, 1),
                       read_mb_per_s=round(mb / read.seconds, 1))
        return (f"16 MiB buffer: write {figures['write_mb_per_s']} MB/s, "
                f"read {figures['read_mb_per_s']} MB/s")

    def run(self):
        if self.step("connect", self.connect) != PASS:
            return
        try:
            for name, check in (("version", self.version), ("program", self.program),
                                ("mmio", self.mmio), ("buffers", self.buffers),
                                ("dma", self.dma), ("interrupts", self.interrupts),
                                ("resizer (PYNQ 4.0)", self.resizer),
                                ("throughput", self.throughput)):
                self.step(name, check)
        finally:
            self.device.close()


def selftest(args):
    if args.designs and not os.path.isdir(args.designs):
        raise CliError(f"--designs {args.designs}: no such folder (a build's designs/ folder, "
                       "holding NAME/NAME.bit and NAME.hwh)")
    boards = []
    for address in named_addresses(args):
        run = _Run(args, address)
        run.run()
        boards.append({"board": address,
                       "passed": all(s["result"] != FAIL for s in run.steps),
                       "steps": run.steps})

    def human(doc):
        lines = []
        for b in doc["boards"]:
            lines.append(f"selftest of {b['board']}")
            rows = [(s["step"], s["result"], f"{s['seconds']:.2f} s", s["detail"])
                    for s in b["steps"]]
            lines += table(rows, ("STEP", "RESULT", "TIME", "DETAIL"))
            failed = [s["step"] for s in b["steps"] if s["result"] == FAIL]
            lines.append(f"{b['board']}: " + (f"FAILED ({', '.join(failed)})" if failed
                                              else "passed"))
            lines.append("")
        return lines[:-1]

    doc = {"passed": all(b["passed"] for b in boards), "boards": boards}
    emit(args, doc, human)
    return 0 if doc["passed"] else 1
