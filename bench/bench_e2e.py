#!/usr/bin/python3
"""End-to-end figures from Python, each printed beside a bare-gRPC baseline of the same run.

Starts ``baseline-server`` (the transport and nothing else) and ``pynq-remote-server
--backend sim``, programs the reference design through the fpga_manager files the way
the PYNQ client does, then measures over loopback:

* a single MMIO read (p50/p90), against a bare unary call;
* a 64 MiB buffer write and read in 2 MiB chunks, against bare client/server streams;
* one element of a 16 MiB buffer against the whole buffer.

With ``--backend zynq`` the server is the hardware backend on a fake board tree
(hil-tests/fake_board/): the same MMIO and buffer figures, through /dev/mem and u-dma-buf
mappings of files instead of the simulated board (the DMA and resizer runs need PL logic and
are left out).

With ``--client DIR`` the pynq_remote package measured is the one in DIR (default: this
tree's client/python), so that two clients can be compared against the same build.

The 64 MiB transfers are timed in paired rounds (bare, then ours, then the next pair) and
printed as the median of the per-pair ratios, with their spread: a best-of figure of one
such transfer swings by 2x on a 2-core VM.

Usage: bench_e2e.py --build BUILD_DIR [--quick | --full] [--pairs N] [--backend sim|zynq]
                    [--client DIR] [--no-designs] [--bulk-only] [--json PATH]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time

import grpc
import numpy as np

from figures_json import write_json  # noqa: E402

CLIENT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "client", "python")
TOKEN = "bench-e2e-token"

MIB = 1 << 20
CHUNK = 2 * MIB


def _start(argv, ready_text):
    """Starts a server process and waits for its 'listening' line; returns (proc, line)."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        if ready_text in line:
            return proc, line.strip()
    proc.kill()
    raise RuntimeError(f"{argv[0]} did not start: no '{ready_text}' line")


def _free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _channel(port):
    opts = [("grpc.max_receive_message_length", 64 * MIB),
            ("grpc.max_send_message_length", 64 * MIB)]
    channel = grpc.insecure_channel(f"127.0.0.1:{port}", options=opts)
    grpc.channel_ready_future(channel).result(timeout=10)
    return channel


def _percentiles(samples_s):
    samples = sorted(samples_s)
    return (samples[len(samples) // 2] * 1e6, samples[int(len(samples) * 0.9)] * 1e6)


def _time_interleaved(calls, count, block=50):
    """p50/p90 (us) and raw samples of several calls measured in turns of `block` calls
    each, so that a slow spell of the machine falls on all of them alike: their ratios are
    what the figures are about. `calls` maps a name to a no-argument function."""
    for call in calls.values():
        for _ in range(min(200, count)):  # warm each channel and the allocator
            call()
    samples = {name: [] for name in calls}
    for _ in range(max(1, count // block)):
        for name, call in calls.items():
            taken = samples[name]
            for _ in range(block):
                t0 = time.perf_counter()
                call()
                taken.append(time.perf_counter() - t0)
    return {name: _percentiles(taken) + ([t * 1e6 for t in taken],)
            for name, taken in samples.items()}


def _time_unary(call, count):
    """p50/p90 (us) of `call` made `count` times after a warm-up."""
    return _time_interleaved({"call": call}, count)["call"][:2]


def _best_rates(transfers, nbytes, repeat):
    """GB/s of each transfer in `transfers` (name -> function), the best of `repeat` runs
    taken in turns: the figure least disturbed by the other core, under the same drift."""
    best = {name: float("inf") for name in transfers}
    for _ in range(repeat):
        for name, fn in transfers.items():
            best[name] = min(best[name], _timed(fn))
    return {name: nbytes / seconds / 1e9 for name, seconds in best.items()}


def _median(values):
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def _paired_rates(pairs, nbytes, rounds, extra=None):
    """Bulk transfers measured as pairs: each pair's bare transfer, then ours, then the next
    pair's, for `rounds` rounds. A single best-of figure of a 64 MiB transfer swings by 2x on
    this VM (page faults of freshly mapped memory in the client and both servers, the other
    core's load; bench/README.md); the two runs of a pair see the same machine within a
    fraction of a second, so the median of the per-pair ratios holds where best-of does not.

    `pairs` maps our name to (bare name, bare function, our function); `extra` maps a name to
    a function timed once a round beside them (best of the rounds, GB/s). Returns our name ->
    Paired and, for the bare name, the same Paired (so that the bare figures stay printable).
    """
    taken = {name: ([], []) for name in pairs}  # (bare seconds, our seconds)
    best_extra = {name: float("inf") for name in (extra or {})}
    for _ in range(rounds + 1):  # the first, into fresh memory everywhere, on its own
        for name, (_, bare_fn, ours_fn) in pairs.items():
            taken[name][0].append(_timed(bare_fn))
            taken[name][1].append(_timed(ours_fn))
        for name, fn in (extra or {}).items():
            best_extra[name] = min(best_extra[name], _timed(fn))
    results = {}
    for name, (bare_name, _, _) in pairs.items():
        bare_s, ours_s = taken[name]
        figure = Paired(nbytes, bare_s[1:], ours_s[1:], first=(bare_s[0], ours_s[0]))
        results[name] = figure
        results[bare_name] = figure
    results.update({name: nbytes / s / 1e9 for name, s in best_extra.items()})
    return results


class Paired:
    """One bulk figure from paired rounds: GB/s of each side (median and best) and the
    ratio ours / bare of each pair (median, min, max)."""

    def __init__(self, nbytes, bare_seconds, ours_seconds, first):
        self.first_bare, self.first_ours = (nbytes / s / 1e9 for s in first)
        bare = [nbytes / s / 1e9 for s in bare_seconds]
        ours = [nbytes / s / 1e9 for s in ours_seconds]
        ratios = [o / b for o, b in zip(ours, bare)]
        self.pairs = len(ratios)
        self.ratio = _median(ratios)
        self.ratio_min, self.ratio_max = min(ratios), max(ratios)
        self.ours_median, self.ours_best = _median(ours), max(ours)
        self.bare_median, self.bare_best = _median(bare), max(bare)

    def fields(self):
        """What the figure JSON gets beside value/baseline/ratio (bench/results_md.py reads
        only those three; these say how steady they were)."""
        return {"method": f"median of {self.pairs} paired rounds (bare, then ours)",
                "pairs": self.pairs, "ratio_min": self.ratio_min, "ratio_max": self.ratio_max,
                "value_best": self.ours_best, "baseline_best": self.bare_best,
                "value_first": self.first_ours, "baseline_first": self.first_bare}


def _timed(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def bench_dma(build, device, results, quick):
    """8 MiB through the dma_loopback overlay: simulated bytes per PL cycle against the
    stream width, and host wall-clock MB/s."""
    import pynq_remote
    from pynq_remote._proto.pynq_remote.v1 import board_pb2
    bitfile = os.path.join(build, "designs", "dma_loopback", "dma_loopback.bit")
    if not os.path.exists(bitfile):
        return
    overlay = pynq_remote.Overlay(bitfile, device=device)
    dma = overlay.axi_dma_0
    params = overlay.ip_dict["axi_dma_0"]["parameters"]
    stream_bytes = int(params.get("C_M_AXIS_MM2S_TDATA_WIDTH",
                                  params.get("c_m_axis_mm2s_tdata_width", 32))) // 8
    nbytes = 8 * MIB
    src = pynq_remote.allocate((nbytes,), np.uint8, target=device)
    dst = pynq_remote.allocate((nbytes,), np.uint8, target=device)
    src[:] = np.random.default_rng(3).integers(0, 256, nbytes, dtype=np.uint8)
    board = device._stub["board"]
    best = None
    for _ in range(2 if quick else 3):
        before = board.GetInfo(board_pb2.GetInfoRequest()).pl_cycles
        t0 = time.perf_counter()
        dma.recvchannel.transfer(dst)
        dma.sendchannel.transfer(src)
        dma.sendchannel.wait()
        dma.recvchannel.wait()
        wall = time.perf_counter() - t0
        cycles = board.GetInfo(board_pb2.GetInfoRequest()).pl_cycles - before
        if best is None or wall < best[0]:
            best = (wall, cycles)
    if not np.array_equal(dst, src.copy()):
        raise RuntimeError("DMA loopback data differs")
    results["dma"] = (nbytes, best[0], best[1], stream_bytes)
    src.freebuffer()
    dst.freebuffer()


def bench_resizer(build, device, results, quick):
    """PYNQ-HelloWorld's resize through the resizer overlay: 640x360 -> 320x180 and a 1:1
    pass, end to end from the host (programming excluded) and in simulated PL cycles."""
    import pynq_remote
    from pynq_remote._proto.pynq_remote.v1 import board_pb2
    bitfile = os.path.join(build, "designs", "resizer", "resizer.bit")
    if not os.path.exists(bitfile):
        return
    board = device._stub["board"]
    image = np.random.default_rng(9).integers(0, 256, (360, 640, 3), dtype=np.uint8)
    for key, (rows, cols) in (("resize_down", (180, 320)), ("resize_1to1", (360, 640))):
        best = None
        for _ in range(2 if quick else 3):
            overlay = pynq_remote.Overlay(bitfile, device=device)  # auto_restart re-arms
            dma, resizer = overlay.axi_dma_0, overlay.resize_accel_0
            t0 = time.perf_counter()
            in_buffer = pynq_remote.allocate((360, 640, 3), np.uint8, cacheable=1,
                                             target=device)
            out_buffer = pynq_remote.allocate((rows, cols, 3), np.uint8, cacheable=1,
                                              target=device)
            in_buffer[:] = image
            rm = resizer.register_map
            rm.src_rows, rm.src_cols, rm.dst_rows, rm.dst_cols = 360, 640, rows, cols
            before = board.GetInfo(board_pb2.GetInfoRequest()).pl_cycles
            dma.sendchannel.transfer(in_buffer)
            dma.recvchannel.transfer(out_buffer)
            resizer.write(0x00, 0x81)
            dma.sendchannel.wait()
            dma.recvchannel.wait()
            cycles = board.GetInfo(board_pb2.GetInfoRequest()).pl_cycles - before
            result = np.asarray(out_buffer.copy())
            wall = time.perf_counter() - t0
            in_buffer.freebuffer()
            out_buffer.freebuffer()
            if best is None or wall < best[0]:
                best = (wall, cycles)
        if result.shape != (rows, cols, 3):
            raise RuntimeError("resizer output has the wrong shape")
        results[key] = (best[0], best[1], 360 * 640, rows * cols)


def start_baseline(build):
    """Starts baseline-server; returns (process, stub, the bare unary call)."""
    sys.path.insert(0, os.path.join(build, "bench", "python"))
    import baseline_pb2 as pb
    import baseline_pb2_grpc as pb_grpc

    port = _free_port()
    proc, _ = _start([os.path.join(build, "bench", "baseline-server"), f"127.0.0.1:{port}"],
                     "listening")
    stub = pb_grpc.BaselineStub(_channel(port))
    word = pb.Word(value=1)
    return proc, stub, lambda: stub.Echo(word)


def bare_transfers(stub):
    """The bare streams, 64 MiB each way in 2 MiB chunks: name -> function."""
    import baseline_pb2 as pb
    total = 64 * MIB
    payload = [pb.Chunk(data=bytes(CHUNK)) for _ in range(total // CHUNK)]
    req = pb.Size(total=total, chunk_size=CHUNK)

    def down_join():
        return b"".join(c.data for c in stub.Down(req))

    target = np.empty(total, dtype=np.uint8)

    def down_prealloc():
        pos = 0
        for c in stub.Down(req):
            n = len(c.data)
            target[pos:pos + n] = np.frombuffer(c.data, dtype=np.uint8)
            pos += n

    return {"up": lambda: stub.Up(iter(payload)), "down": down_join,
            "down_prealloc": down_prealloc}


def _program_ref_accel(build, rd, metadata=None):
    """Programs ref_accel the way PYNQ does: firmware file, flags, firmware name."""
    import remote_device_pb2 as rd_pb2
    from pynq_remote.pl_server.bitstream_file import bit_to_bin
    with open(os.path.join(build, "designs", "ref_accel", "ref_accel.bit"), "rb") as f:
        binfile = bit_to_bin(f.read())
    for path, data in (("/lib/firmware/ref_accel.bin", binfile),
                       ("/sys/class/fpga_manager/fpga0/flags", b"0"),
                       ("/sys/class/fpga_manager/fpga0/firmware", b"ref_accel.bin")):
        rd.writefile(iter([rd_pb2.WriteFileRequest(file_path=path, data=data)]),
                     metadata=metadata)


def _start_server(build, backend, root, *extra):
    """Starts pynq-remote-server on a free port; returns (process, port)."""
    port = _free_port()
    proc, _ = _start([os.path.join(build, "server", "pynq-remote-server"), "--backend",
                      backend, "--listen", f"127.0.0.1:{port}", "--root", root,
                      "--log-level", "warn", *extra], "listening")
    return proc, port


def bench_token(build, backend, quick, results, bare_call, regs):
    """pynq_remote.MMIO.read on a server that wants a bearer token, in turns with the bare
    call and the same read without a token: what the token costs a call."""
    import pynq_remote
    import remote_device_pb2_grpc as rd_grpc
    with tempfile.TemporaryDirectory() as root:
        if backend == "zynq":
            from make_fake_board import make_fake_board
            make_fake_board(root, udmabuf_mb=16)
        token_file = os.path.join(root, "tokens")
        with open(token_file, "w", encoding="utf-8") as f:
            f.write(TOKEN + "\n")
        proc, port = _start_server(build, backend, root, "--token-file", token_file)
        try:
            channel = _channel(port)
            _program_ref_accel(build, rd_grpc.RemoteDeviceStub(channel),
                               [("authorization", f"Bearer {TOKEN}")])
            channel.close()
            device = pynq_remote.RemoteDevice(0, f"127.0.0.1:{port}", token=TOKEN)
            token_regs = pynq_remote.MMIO(0xA0000000, 0x1000, device=device)
            token_regs.read(0)
            unary = _time_interleaved({"unary": bare_call,
                                       "mmio_client": lambda: regs.read(0),
                                       "mmio_token": lambda: token_regs.read(0)},
                                      600 if quick else 3000)
            results["token"] = unary
            device.close()
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def bench_per_call(device, raw_read, bare_call, results, quick):
    """One element of a 16 MiB buffer as a user reads and writes it (buf[i] through
    pynq_remote: one ranged call), against the whole-buffer transfer PYNQ 3.1's client makes
    for every element access; and every unary figure in turns with the bare call."""
    import buffer_pb2
    import pynq_remote
    # Cacheable, as the raw stub's buffer above: on a fake board a non-cacheable
    # mapping is an O_SYNC file, whose cost is the file system's, not ours.
    small = pynq_remote.allocate((4 * MIB,), np.uint32, target=device, cacheable=1)
    small[:] = np.arange(4 * MIB, dtype=np.uint32)
    whole_req = buffer_pb2.BufferReadRequest(buffer_id=small.buffer_id)
    session_buf = device._stub["buffer"]  # small belongs to device's session
    results["whole16"] = min(
        _timed(lambda: np.frombuffer(
            b"".join(r.data for r in session_buf.read(whole_req)),
            dtype=np.uint32)[1000])
        for _ in range(3 if quick else 5))
    # The same register read through the user-facing class: the session metadata,
    # the deadline and the error mapping on top of the bare stub call above.
    regs = pynq_remote.MMIO(0xA0000000, 0x1000, device=device)
    regs.read(0)
    # Every unary figure in turns with the bare call, so their ratios hold on a
    # machine whose speed drifts during the run.
    unary = _time_interleaved({
        "unary": bare_call,
        "mmio": raw_read,
        "mmio_client": lambda: regs.read(0),
        "element": lambda: small[1000],
        "element_write": lambda: small.__setitem__(1000, 7),
    }, 600 if quick else 4000)
    results.update(unary)
    small.freebuffer()
    results["regs"] = regs  # for bench_token


def bench_ours(build, quick, results, bare_call, bare, backend="sim", designs=True, pairs=11,
               bulk_only=False):
    sys.path.insert(0, os.path.join(build, "proto", "python"))
    import buffer_pb2
    import buffer_pb2_grpc
    import mmio_pb2
    import mmio_pb2_grpc
    import remote_device_pb2_grpc as rd_grpc

    with tempfile.TemporaryDirectory() as root:
        if backend == "zynq":
            sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                            "hil-tests", "fake_board"))
            from make_fake_board import make_fake_board
            make_fake_board(root, udmabuf_mb=256)
        proc, port = _start_server(build, backend, root)
        try:
            channel = _channel(port)
            rd = rd_grpc.RemoteDeviceStub(channel)
            mmio = mmio_pb2_grpc.MmioStub(channel)
            buf = buffer_pb2_grpc.RemoteBufferStub(channel)
            _program_ref_accel(build, rd)

            reply = mmio.get_mmio(mmio_pb2.GetMmioRequest(base_addr=0xA0000000, length=0x1000))
            if reply.msg:
                raise RuntimeError(reply.msg)
            read_req = mmio_pb2.ReadRequest(mmio_id=reply.mmio_id, offset=0, length=4,
                                            word_order="little")
            first = mmio.read(read_req)
            if first.msg:
                raise RuntimeError(first.msg)
            raw_read = lambda: mmio.read(read_req)  # noqa: E731

            total = 64 * MIB
            alloc = buf.allocate(buffer_pb2.AllocateRequest(size=total, dtype="|u1",
                                                            cacheable=True))
            if alloc.msg:
                raise RuntimeError(alloc.msg)
            bid = alloc.buffer_id
            src = np.random.default_rng(1).integers(0, 256, total, dtype=np.uint8).tobytes()
            chunks = [buffer_pb2.BufferWriteRequest(buffer_id=bid, data=src[i:i + CHUNK])
                      for i in range(0, total, CHUNK)]
            target = np.empty(total, dtype=np.uint8)

            def read_all():
                pos = 0
                for r in buf.read(buffer_pb2.BufferReadRequest(buffer_id=bid)):
                    n = len(r.data)
                    target[pos:pos + n] = np.frombuffer(r.data, dtype=np.uint8)
                    pos += n
                if pos != total:
                    raise RuntimeError(f"read {pos} of {total} bytes")

            results.update(_paired_rates(
                {"write": ("up", bare["up"], lambda: buf.write(iter(chunks))),
                 "read": ("down_prealloc", bare["down_prealloc"], read_all)},
                total, pairs, extra={"down": bare["down"]}))
            if target.tobytes() != src:
                raise RuntimeError("64 MiB buffer read back differs from what was written")
            buf.freebuffer(buffer_pb2.FreeBufferRequest(buffer_id=bid))

            import pynq_remote
            device = pynq_remote.RemoteDevice(0, f"127.0.0.1:{port}")
            if not bulk_only:
                bench_per_call(device, raw_read, bare_call, results, quick)
            # The same 64 MiB through the user-facing buffer: `buf[:] = array` streams the
            # mirror out, `invalidate()` streams the board's bytes back into the mirror.
            big = pynq_remote.allocate((total,), np.uint8, target=device, cacheable=1)
            src_array = np.frombuffer(src, dtype=np.uint8)

            def client_write():
                big[:] = src_array

            # Against the bare streams again, in pairs with them.
            results.update(_paired_rates(
                {"client_write": ("up2", bare["up"], client_write),
                 "client_read": ("down_prealloc2", bare["down_prealloc"], big.invalidate)},
                total, pairs))
            if not np.array_equal(big.view(np.ndarray), src_array):
                raise RuntimeError("64 MiB RemoteBuffer read back differs from what was written")
            big.freebuffer()
            if not bulk_only:
                bench_token(build, backend, quick, results, bare_call, results.pop("regs"))
            # A fake board has no DMA or resizer logic.
            if backend == "sim" and designs and not bulk_only:
                bench_dma(build, device, results, quick)
                bench_resizer(build, device, results, quick)
            device.close()
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def per_call_rows(row, ours, base):
    """The MMIO read figures, each beside the bare unary call of its turns."""
    unary = "bare unary call (Echo), same run, p50"
    row("MMIO read, raw 3.1 stub, p50", ours["mmio"][0], base["unary"][0], "us", "{:.0f}",
        unary, "<= 1.05")
    row("MMIO read, raw 3.1 stub, p90", ours["mmio"][1], base["unary"][1], "us", "{:.0f}",
        "bare unary call (Echo), same run, p90")
    row("MMIO read, pynq_remote.MMIO (session), p50", ours["mmio_client"][0], base["unary"][0],
        "us", "{:.0f}", unary, "<= 1.15")
    row("MMIO read, pynq_remote.MMIO (session), p90", ours["mmio_client"][1], base["unary"][1],
        "us", "{:.0f}", "bare unary call (Echo), same run, p90")
    token = ours["token"]
    row("MMIO read, pynq_remote.MMIO + token, p50", token["mmio_token"][0],
        token["unary"][0], "us", "{:.0f}", unary + " (a second set of turns)", "<= 1.15")
    row("MMIO read, pynq_remote.MMIO, same turns, p50",
        token["mmio_client"][0], token["unary"][0],
        "us", "{:.0f}", unary + " (a second set of turns)")


def element_rows(row, ours, base):
    """buf[i] beside the bare unary call, and against the whole-buffer transfer."""
    unary = "bare unary call (Echo), same run, p50"
    elem_us = ours["element"][0]
    whole_us = ours["whole16"] * 1e6
    row("buf[i] read, 16 MiB buffer, p50", elem_us, base["unary"][0], "us", "{:.0f}", unary,
        "<= 1.2")
    row("buf[i] = v write, 16 MiB buffer, p50", ours["element_write"][0], base["unary"][0],
        "us", "{:.0f}", unary, "<= 1.2")
    print(f"{'whole 16 MiB buffer transfer (3.1 element)':44} {whole_us:>11.0f} us")
    print(f"{'element read speed-up over whole transfer':44} {whole_us / elem_us:>12.0f}x")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default="build", help="the CMake build directory")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--backend", choices=("sim", "zynq"), default="sim",
                        help="the server's backend (zynq: on a fake board tree)")
    parser.add_argument("--json", help="also write the figures here (bench/results_md.py)")
    parser.add_argument("--client", default=CLIENT,
                        help="the directory holding the pynq_remote package to measure")
    parser.add_argument("--no-designs", action="store_true",
                        help="leave out the DMA and resizer runs (the per-call and bulk "
                             "figures only)")
    parser.add_argument("--full", action="store_true",
                        help="more paired rounds of the 64 MiB transfers (21 instead of 11)")
    parser.add_argument("--pairs", type=int,
                        help="paired rounds of each 64 MiB transfer (at least 7; default 11, "
                             "7 with --quick, 21 with --full)")
    parser.add_argument("--bulk-only", action="store_true",
                        help="the 64 MiB transfer figures only")
    args = parser.parse_args()
    pairs = args.pairs or (21 if args.full else 7 if args.quick else 11)
    if pairs < 7:
        parser.error(f"--pairs {pairs}: at least 7 paired rounds make a median worth having")
    sys.path.insert(0, os.path.abspath(args.client))
    import pynq_remote
    print(f"client: {os.path.dirname(os.path.abspath(pynq_remote.__file__))}")

    base, ours = {}, {}
    proc, stub, bare_call = start_baseline(args.build)
    try:
        bench_ours(args.build, args.quick, ours, bare_call, bare_transfers(stub), args.backend,
                   designs=not args.no_designs, pairs=pairs, bulk_only=args.bulk_only)
    finally:
        proc.kill()
        proc.wait()
    for key in ("unary", "up", "down", "down_prealloc", "up2", "down_prealloc2"):
        if key in ours:
            base[key] = ours.pop(key)
    print(f"backend: {args.backend}" + (" (fake board tree)" if args.backend == "zynq" else ""))
    suffix = "" if args.backend == "sim" else " (zynq backend, fake board)"
    figures = []
    print(f"{'figure':44} {'pynq-remote':>14} {'bare gRPC':>12} {'ratio':>7}")

    def row(name, value, baseline, unit, fmt="{:.2f}", baseline_name=None, goal=None,
            ratio=None, fields=None):
        if ratio is None:
            ratio = value / baseline if baseline else float("nan")
        print(f"{name:44} {fmt.format(value) + ' ' + unit:>14} "
              f"{fmt.format(baseline) + ' ' + unit:>12} {ratio:7.2f}")
        figure = {"name": name + suffix, "value": value, "unit": unit,
                  "baseline_name": baseline_name or "bare gRPC, same run",
                  "baseline": baseline, "ratio": ratio}
        if goal:
            figure["goal"] = goal
        figure.update(fields or {})
        figures.append(figure)

    def bulk_row(name, paired, baseline_name):
        """A 64 MiB figure from paired rounds: the medians of each side's GB/s and the median
        of the per-pair ratios (not the ratio of the medians), then how far they spread."""
        row(name, paired.ours_median, paired.bare_median, "GB/s", baseline_name=baseline_name,
            goal=">= 0.95", ratio=paired.ratio, fields=paired.fields())
        print(f"{'':4}{paired.pairs} pairs: ratio {paired.ratio_min:.2f}..{paired.ratio_max:.2f}"
              f"; best {paired.ours_best:.2f} / {paired.bare_best:.2f} GB/s; first, into "
              f"fresh memory {paired.first_ours:.2f} / {paired.first_bare:.2f} GB/s")

    if not args.bulk_only:
        per_call_rows(row, ours, base)
    bulk_row("64 MiB buffer write, raw 3.1 stub", ours["write"],
             "bare client stream, 2 MiB chunks")
    bulk_row("64 MiB buffer read, raw 3.1 stub, into an array", ours["read"],
             "bare server stream into a preallocated array")
    bulk_row("64 MiB buf[:] = array, pynq_remote", ours["client_write"],
             "bare client stream, 2 MiB chunks")
    bulk_row("64 MiB buf.invalidate(), pynq_remote", ours["client_read"],
             "bare server stream into a preallocated array")
    print(f"{'  (bare read, chunks joined into bytes)':44} {'':>14} "
          f"{base['down']:>7.2f} GB/s")
    if not args.bulk_only:
        element_rows(row, ours, base)
    for key, label in (("resize_down", "640x360 -> 320x180 resize"),
                       ("resize_1to1", "640x360 1:1 resizer pass")):
        if key in ours:
            wall, cycles, pixels_in, pixels_out = ours[key]
            print(f"{label + ', end to end':44} {wall * 1e3:>8.1f} ms "
                  f"(allocate, write, run, read back; programming excluded)")
            print(f"{label + ', simulated':44} {cycles:>8} PL cycles, "
                  f"{pixels_in / cycles:.3f} input px/cycle, "
                  f"{pixels_out / cycles:.3f} output px/cycle")
            figures.append({"name": label + ", end to end", "value": wall * 1e3, "unit": "ms",
                            "baseline_name": f"{cycles} simulated PL cycles",
                            "baseline": None, "ratio": None})
    if "dma" in ours:
        nbytes, wall, cycles, stream_bytes = ours["dma"]
        per_cycle = nbytes / cycles
        print(f"{'8 MiB DMA loopback, simulated':44} {per_cycle:>8.2f} B/cycle of "
              f"{stream_bytes} ({per_cycle / stream_bytes:.0%} of the stream width), "
              f"{cycles} PL cycles")
        print(f"{'8 MiB DMA loopback, host wall clock':44} {nbytes / wall / 1e6:>8.1f} MB/s "
              f"({wall * 1e3:.0f} ms)")
        figures.append({"name": "8 MiB DMA loopback, host wall clock",
                        "value": nbytes / wall / 1e6, "unit": "MB/s",
                        "baseline_name": "goal", "baseline": 60.0,
                        "ratio": nbytes / wall / 1e6 / 60.0, "goal": ">= 60 MB/s"})
        figures.append({"name": "8 MiB DMA loopback, PL cycles per second of wall clock",
                        "value": cycles / wall / 1e6, "unit": "M cycles/s",
                        "baseline_name": "goal", "baseline": 15.0,
                        "ratio": cycles / wall / 15e6, "goal": ">= 15 M/s"})
    if args.json:
        samples = None if args.bulk_only else {
            "bare unary call": base["unary"][2], "raw 3.1 stub read": ours["mmio"][2],
            "pynq_remote.MMIO read": ours["mmio_client"][2]}
        write_json(args.json, "bench/bench_e2e.py" + (" --backend zynq" if suffix else ""),
                   figures, samples)


if __name__ == "__main__":
    main()
