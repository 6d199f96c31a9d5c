#!/usr/bin/python3
"""Interrupt figures from Python (issue 17), each printed beside the bare-gRPC unary floor
measured in the same run.

Starts ``baseline-server`` (the transport and nothing else) and ``pynq-remote-server
--backend sim``, programs gpio_intc (AXI GPIO channel 1 looped into channel 2, its interrupt
through an AXI INTC to pl_ps_irq0) and dma_loopback with pynq_remote, then measures over
loopback:

* interrupt delivery latency, p50/p99: from issuing the MMIO write that changes the AXI GPIO's
  inputs (the PL event) to ``Interrupt.wait()`` returning, with the wait already pending;
* interrupts per second, sustained: event, wait, acknowledge, back to back;
* an AXI DMA loopback waited for by interrupt (``wait_async``) against by polling (``wait``):
  the calls the client makes while waiting, and the wall time.

Usage: irq_figures.py --build BUILD_DIR [--quick]
"""

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "client", "python"))
sys.path.insert(0, HERE)
import pynq_remote as pynq  # noqa: E402
from pynq_remote.pl_server import session  # noqa: E402
from bench_e2e import _channel, _free_port, _start  # noqa: E402
from figures_json import write_json  # noqa: E402

DATA1, IP_ISR, IP_IER, GIER = 0x00, 0x120, 0x128, 0x11C
CH2 = 0x2


def _pcts(samples_s):
    s = sorted(samples_s)
    return s[len(s) // 2] * 1e6, s[min(len(s) - 1, int(len(s) * 0.99))] * 1e6


def unary_floor(build, count):
    """p50/p99 (us) of a bare unary call, and calls/s back to back."""
    sys.path.insert(0, os.path.join(build, "bench", "python"))
    import baseline_pb2 as pb
    import baseline_pb2_grpc as pb_grpc
    port = _free_port()
    proc, _ = _start([os.path.join(build, "bench", "baseline-server"), f"127.0.0.1:{port}"],
                     "listening")
    try:
        stub = pb_grpc.BaselineStub(_channel(port))
        word = pb.Word(value=1)
        for _ in range(200):
            stub.Echo(word)
        samples = []
        for _ in range(count):
            t0 = time.perf_counter()
            stub.Echo(word)
            samples.append(time.perf_counter() - t0)
        return _pcts(samples), len(samples) / sum(samples)
    finally:
        proc.kill()
        proc.wait()


class CallCounter:
    """Counts the calls pynq_remote makes through its session stubs (every MMIO, buffer and
    interrupt call of a RemoteDevice goes through one)."""

    def __init__(self):
        self.count = 0
        self._saved = None

    def __enter__(self):
        method = session.SessionMethod
        self._saved = (method.__call__, method.future)
        call, future = self._saved
        counter = self

        def counted_call(this, request, **kwargs):
            counter.count += 1
            return call(this, request, **kwargs)

        def counted_future(this, request, **kwargs):
            counter.count += 1
            return future(this, request, **kwargs)

        method.__call__, method.future = counted_call, counted_future
        return self

    def __exit__(self, *exc):
        session.SessionMethod.__call__, session.SessionMethod.future = self._saved


async def _drain(irq):
    """Consumes the one late FIRED the AXI INTC's latch may leave after an acknowledge."""
    try:
        await irq.wait(timeout=0.001)
    except pynq.InterruptTimeoutError:
        pass


def bench_latency(gpio, count):
    irq = gpio.ip2intc_irpt
    samples = []

    async def main():
        gpio.write(DATA1, 0)
        gpio.write(IP_ISR, gpio.read(IP_ISR) & CH2)
        await _drain(irq)
        for i in range(count):
            task = asyncio.ensure_future(irq.wait())
            await asyncio.sleep(0)  # the call is issued before the event
            t0 = time.perf_counter()
            gpio.write(DATA1, 1 + i % 255 if i % 2 == 0 else 0)  # the PL event
            await task
            samples.append(time.perf_counter() - t0)
            gpio.write(IP_ISR, CH2)
            await _drain(irq)

    asyncio.run(main())
    return _pcts(samples)


def bench_rate(gpio, count):
    irq = gpio.ip2intc_irpt

    async def main():
        for i in range(count):
            gpio.write(DATA1, 1 + i % 255 if i % 2 == 0 else 0)
            await irq.wait()
            while not gpio.read(IP_ISR) & CH2:
                await irq.wait()  # a late FIRED from the last acknowledge
            gpio.write(IP_ISR, CH2)

    with CallCounter() as calls:
        t0 = time.perf_counter()
        asyncio.run(main())
        elapsed = time.perf_counter() - t0
    return count / elapsed, calls.count / count


def bench_dma(device, dma, nbytes, repeat):
    """{mode: (median wall s, median calls)} of waiting for a loopback of nbytes."""
    src = pynq.allocate((nbytes,), np.uint8, target=device)
    dst = pynq.allocate((nbytes,), np.uint8, target=device)
    src[:] = np.arange(nbytes, dtype=np.uint8)
    results = {}
    loop = asyncio.new_event_loop()  # made once: its start-up is not the wait's cost
    try:
        for mode in ("interrupt", "polling"):
            walls, counts = [], []
            for _ in range(repeat):
                dma.recvchannel.transfer(dst)
                dma.sendchannel.transfer(src)
                with CallCounter() as calls:
                    t0 = time.perf_counter()
                    if mode == "polling":
                        dma.sendchannel.wait()
                        dma.recvchannel.wait()
                    else:
                        async def both():
                            await dma.sendchannel.wait_async()
                            await dma.recvchannel.wait_async()
                        loop.run_until_complete(both())
                    walls.append(time.perf_counter() - t0)
                counts.append(calls.count)
                assert np.array_equal(np.asarray(dst), np.asarray(src))
            results[mode] = (statistics.median(walls), statistics.median(counts))
    finally:
        loop.close()
        src.freebuffer()
        dst.freebuffer()
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default="build", help="the CMake build directory")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--json", help="also write the figures here (bench/results_md.py)")
    args = parser.parse_args()
    n = 200 if args.quick else 2000

    (floor_p50, floor_p99), floor_rate = unary_floor(args.build, n)

    port = _free_port()
    root = tempfile.TemporaryDirectory(prefix="pynq-remote-irq-bench-")
    server, _ = _start([os.path.join(args.build, "server", "pynq-remote-server"), "--backend",
                        "sim", "--listen", f"127.0.0.1:{port}", "--root", root.name,
                        "--log-level", "warn"], "listening")
    try:
        device = pynq.RemoteDevice(0, f"127.0.0.1:{port}")
        designs = os.path.join(args.build, "designs")
        overlay = pynq.Overlay(os.path.join(designs, "gpio_intc", "gpio_intc.bit"),
                               device=device)
        gpio = overlay.axi_gpio_0
        gpio.write(GIER, 0x80000000)
        gpio.write(IP_IER, CH2)
        lat_p50, lat_p99 = bench_latency(gpio, n)
        rate, calls_per_irq = bench_rate(gpio, n)
        overlay = pynq.Overlay(os.path.join(designs, "dma_loopback", "dma_loopback.bit"),
                               device=device)
        dma_runs = {size: bench_dma(device, overlay.axi_dma_0, size, 5 if args.quick else 15)
                    for size in (4096, 1 << 20)}
        device.close()
    finally:
        server.terminate()
        server.wait()
        root.cleanup()

    print(f"{'figure':52} {'pynq-remote':>14} {'bare gRPC':>14} {'ratio':>7}")

    figures = []

    def row(name, value, baseline, unit, fmt="{:.0f}", baseline_name="bare unary call, p50"):
        print(f"{name:52} {fmt.format(value) + ' ' + unit:>14} "
              f"{fmt.format(baseline) + ' ' + unit:>14} {value / baseline:7.2f}")
        figures.append({"name": name, "value": value, "unit": unit,
                        "baseline_name": baseline_name + ", same run", "baseline": baseline,
                        "ratio": value / baseline})

    row("interrupt latency, MMIO event -> wait() returns, p50", lat_p50, floor_p50, "us")
    row("interrupt latency, MMIO event -> wait() returns, p99", lat_p99, floor_p99, "us",
        baseline_name="bare unary call, p99")
    row("interrupts/s sustained (event, wait, acknowledge)", rate, floor_rate, "/s",
        baseline_name="bare unary calls/s")
    print(f"{'  calls per interrupt in that loop':52} {calls_per_irq:>12.1f}")
    for size, runs in dma_runs.items():
        (irq_wall, irq_calls), (poll_wall, poll_calls) = runs["interrupt"], runs["polling"]
        label = f"{size // 1024} KiB DMA loopback wait"
        row(f"{label}, by interrupt, wall", irq_wall * 1e6, floor_p50, "us")
        row(f"{label}, by polling, wall", poll_wall * 1e6, floor_p50, "us")
        print(f"{label + ', calls: interrupt / polling':52} {irq_calls:>8.0f} / {poll_calls:.0f}"
              f"   wall ratio {irq_wall / poll_wall:.2f}")
        figures.append({"name": f"{label}, calls by interrupt", "value": irq_calls,
                        "unit": "calls", "baseline_name": "calls by polling, same run",
                        "baseline": poll_calls, "ratio": irq_calls / poll_calls})
    if args.json:
        write_json(args.json, "bench/irq_figures.py", figures)


if __name__ == "__main__":
    main()
