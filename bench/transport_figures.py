#!/usr/bin/python3
"""Unix socket against TCP loopback: the same server, the same calls, the same run.

Starts one ``pynq-remote-server --backend sim`` listening on both 127.0.0.1 (TCP) and a
unix socket, programs the reference design, then measures each figure over both transports:

* a single MMIO read (p50/p90) through the raw PYNQ 3.1 stub, and through
  ``pynq_remote.MMIO`` (a session, deadlines, typed errors);
* a 64 MiB buffer write and read in 2 MiB chunks through the raw stub, in paired rounds
  (TCP, then unix; bench_e2e.py's method): the median of the per-pair ratios and its spread.

Latency samples are taken in alternating blocks (TCP, unix, TCP, ...) so that whatever else
the machine does falls on both alike; each unix figure is printed beside its TCP baseline
with the ratio (below 1 is faster for latency, above 1 for throughput).

Usage: transport_figures.py --build BUILD_DIR [--quick] [--json PATH] [--machine-note TEXT]
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import grpc
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "client", "python"))
from pynq_remote.pl_server.bitstream_file import bit_to_bin  # noqa: E402
from bench_e2e import _paired_rates  # noqa: E402

MIB = 1 << 20
CHUNK = 2 * MIB
TOTAL = 64 * MIB
REGS = 0xA0000000
LISTENING = "pynq-remote-server listening on "


def start_server(build, root, socket_path):
    """The server on TCP (port chosen by the kernel) and on ``socket_path``; returns
    (proc, tcp address, unix address) from its "listening on" lines."""
    argv = [os.path.join(build, "server", "pynq-remote-server"), "--backend", "sim",
            "--listen", "127.0.0.1:0", "--listen", f"unix:{socket_path}", "--root", root,
            "--log-level", "warn"]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    addresses = []
    deadline = time.monotonic() + 60
    while len(addresses) < 2 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        if line.startswith(LISTENING):
            addresses.append(line[len(LISTENING):].strip())
    if len(addresses) < 2:
        proc.kill()
        raise RuntimeError("pynq-remote-server did not start on TCP and a unix socket: "
                           + " ".join(argv))
    return proc, addresses[0], addresses[1]


def channel(target):
    opts = [("grpc.max_receive_message_length", 64 * MIB),
            ("grpc.max_send_message_length", 64 * MIB)]
    ch = grpc.insecure_channel(target, options=opts)
    grpc.channel_ready_future(ch).result(timeout=10)
    return ch


def percentiles(samples_s):
    samples = sorted(samples_s)
    return samples[len(samples) // 2] * 1e6, samples[int(len(samples) * 0.9)] * 1e6


def interleaved_latency(calls, rounds, per_round):
    """{name: (p50 us, p90 us)} of each call in ``calls`` ({name: fn}), sampled in
    alternating blocks of ``per_round`` calls, after a warm-up of each."""
    samples = {name: [] for name in calls}
    for fn in calls.values():
        for _ in range(200):
            fn()
    for _ in range(rounds):
        for name, fn in calls.items():
            block = samples[name]
            for _ in range(per_round):
                t0 = time.perf_counter()
                fn()
                block.append(time.perf_counter() - t0)
    return {name: percentiles(s) for name, s in samples.items()}


def program(build, stubs):
    """ref_accel through the fpga_manager files, as PYNQ 3.1 does."""
    rd, rd_pb2 = stubs["rd"], stubs["rd_pb2"]
    with open(os.path.join(build, "designs", "ref_accel", "ref_accel.bit"), "rb") as f:
        binfile = bit_to_bin(f.read())
    for path, data in (("/lib/firmware/ref_accel.bin", binfile),
                       ("/sys/class/fpga_manager/fpga0/flags", b"0"),
                       ("/sys/class/fpga_manager/fpga0/firmware", b"ref_accel.bin")):
        rd.writefile(iter([rd_pb2.WriteFileRequest(file_path=path, data=data)]))


def raw_stubs(build, ch):
    sys.path.insert(0, os.path.join(build, "proto", "python"))
    import buffer_pb2
    import buffer_pb2_grpc
    import mmio_pb2
    import mmio_pb2_grpc
    import remote_device_pb2
    import remote_device_pb2_grpc
    return {"rd": remote_device_pb2_grpc.RemoteDeviceStub(ch), "rd_pb2": remote_device_pb2,
            "mmio": mmio_pb2_grpc.MmioStub(ch), "mmio_pb2": mmio_pb2,
            "buf": buffer_pb2_grpc.RemoteBufferStub(ch), "buf_pb2": buffer_pb2}


def raw_mmio_read(stubs):
    mmio, pb = stubs["mmio"], stubs["mmio_pb2"]
    reply = mmio.get_mmio(pb.GetMmioRequest(base_addr=REGS, length=0x1000))
    if reply.msg:
        raise RuntimeError(reply.msg)
    request = pb.ReadRequest(mmio_id=reply.mmio_id, offset=0, length=4, word_order="little")
    first = mmio.read(request)
    if first.msg:
        raise RuntimeError(first.msg)
    return lambda: mmio.read(request)


def bulk(stubs, src):
    """(write fn, read fn, check fn, free fn) of one 64 MiB buffer through the raw stub."""
    buf, pb = stubs["buf"], stubs["buf_pb2"]
    alloc = buf.allocate(pb.AllocateRequest(size=TOTAL, dtype="|u1", cacheable=True))
    if alloc.msg:
        raise RuntimeError(alloc.msg)
    bid = alloc.buffer_id
    chunks = [pb.BufferWriteRequest(buffer_id=bid, data=src[i:i + CHUNK])
              for i in range(0, TOTAL, CHUNK)]
    target = np.empty(TOTAL, dtype=np.uint8)

    def write():
        buf.write(iter(chunks))

    def read():
        pos = 0
        for reply in buf.read(pb.BufferReadRequest(buffer_id=bid)):
            n = len(reply.data)
            target[pos:pos + n] = np.frombuffer(reply.data, dtype=np.uint8)
            pos += n
        if pos != TOTAL:
            raise RuntimeError(f"read {pos} of {TOTAL} bytes")

    def check():
        if target.tobytes() != src:
            raise RuntimeError("the 64 MiB buffer read back differs from what was written")

    def free():
        buf.freebuffer(pb.FreeBufferRequest(buffer_id=bid))

    return write, read, check, free


def machine_note(given):
    if given:
        return given
    with open("/proc/loadavg") as f:
        load = float(f.read().split()[0])
    cores = os.cpu_count() or 1
    if load < 0.3:
        return "idle"
    return f"shared: load average {load:.2f} on {cores} cores when the run started"


def measure(build, quick):
    import pynq_remote
    figures = {}
    root = tempfile.mkdtemp(prefix="pqr-root-")
    sock_dir = tempfile.mkdtemp(prefix="pqr-")
    proc, tcp, local = start_server(build, root, os.path.join(sock_dir, "bench.sock"))
    try:
        stubs = {"tcp": raw_stubs(build, channel(tcp)), "unix": raw_stubs(build, channel(local))}
        program(build, stubs["tcp"])
        rounds, per_round = (5, 200) if quick else (10, 500)
        raw = {name: raw_mmio_read(s) for name, s in stubs.items()}
        figures["raw"] = interleaved_latency(raw, rounds, per_round)

        devices = {"tcp": pynq_remote.RemoteDevice(0, tcp),
                   "unix": pynq_remote.RemoteDevice(1, local)}
        regs = {name: pynq_remote.MMIO(REGS, 0x1000, device=dev)
                for name, dev in devices.items()}
        client = {name: (lambda r=r: r.read(0)) for name, r in regs.items()}
        figures["client"] = interleaved_latency(client, rounds, per_round)
        for dev in devices.values():
            dev.close()

        src = np.random.default_rng(1).integers(0, 256, TOTAL, dtype=np.uint8).tobytes()
        sides = {name: bulk(s, src) for name, s in stubs.items()}
        figures.update(_paired_rates(
            {"write": ("write_tcp", sides["tcp"][0], sides["unix"][0]),
             "read": ("read_tcp", sides["tcp"][1], sides["unix"][1])},
            TOTAL, 7 if quick else 11))
        for _, _, check, free in sides.values():
            check()
            free()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(sock_dir, ignore_errors=True)
    return figures


def rows(figures):
    """(name, unix value, baseline name, TCP value, unit, goal, ratio, extra JSON fields) for
    each figure: the transfers' ratios are the median of their per-pair ratios."""
    out = []
    for key, label in (("raw", "MMIO read, raw 3.1 stub"),
                       ("client", "MMIO read, pynq_remote.MMIO")):
        for i, pct in enumerate(("p50", "p90")):
            unix, tcp = figures[key]["unix"][i], figures[key]["tcp"][i]
            out.append((f"{label}, unix socket, {pct}", unix,
                        f"same read over TCP loopback, {pct}", tcp, "us", "< 1", unix / tcp,
                        {}))
    for key, label, base in (("write", "64 MiB buffer write (2 MiB chunks), unix socket",
                              "same write over TCP loopback"),
                             ("read", "64 MiB buffer read (into an array), unix socket",
                              "same read over TCP loopback")):
        paired = figures[key]
        out.append((label, paired.ours_median, base, paired.bare_median, "GB/s", ">= 1",
                    paired.ratio, paired.fields()))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default="build", help="the CMake build directory")
    parser.add_argument("--quick", action="store_true", help="fewer samples")
    parser.add_argument("--json", metavar="PATH", help="also write the figures here (ci/bench.sh)")
    parser.add_argument("--machine-note", help='"idle" or "shared: ..." (default: from the '
                        "load average)")
    args = parser.parse_args()
    note = machine_note(args.machine_note)
    table = rows(measure(args.build, args.quick))

    print(f"machine: {note}")
    print(f"{'figure':50} {'unix':>11} {'TCP':>11} {'ratio':>6}")
    for name, value, _, baseline, unit, _, ratio, extra in table:
        fmt = "{:.0f} " if unit == "us" else "{:.2f} "
        print(f"{name:50} {fmt.format(value) + unit:>11} {fmt.format(baseline) + unit:>11} "
              f"{ratio:6.2f}")
        if extra:
            print(f"{'':4}{extra['pairs']} pairs (TCP, then unix): ratio "
                  f"{extra['ratio_min']:.2f}..{extra['ratio_max']:.2f}; best "
                  f"{extra['value_best']:.2f} / {extra['baseline_best']:.2f} GB/s")
    if args.json:
        doc = {"script": "bench/transport_figures.py", "machine_note": note,
               "figures": [{"name": name, "value": round(value, 3), "unit": unit,
                            "baseline_name": base_name, "baseline": round(baseline, 3),
                            "ratio": round(ratio, 3), "goal": goal, **extra}
                           for name, value, base_name, baseline, unit, goal, ratio, extra
                           in table]}
        with open(args.json, "w") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
