#!/usr/bin/python3
"""Before-and-after figures for the attacks of the second hardening round
(hil-tests/README.md#adversarial-tests).

Runs each attack of hil-tests/python/attacks.py, at the sizes it was reported with, against
one or more server binaries, and prints per attack and binary: whether it got through, the
server's threads and RSS before and during it, and the p50 latency of a health check and of
an MMIO read made beside it. Give the server from before a fix and the one after to see what
the fix changed; the latencies are comparable only within one run (machines vary by 1.5x).

Usage: attack_figures.py --server BIN [--server BIN ...] [--designs DIR] [--quick]
"""

import argparse
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "client", "python"))
sys.path.insert(0, os.path.join(HERE, "..", "hil-tests", "python"))

import attacks  # noqa: E402
from conftest import SimServer  # noqa: E402


def _fmt(value, digits=1):
    if value is None:
        return "-"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def _row(name, seen, verdict):
    return (f"{name:<34} {_fmt(seen.get('threads_before')):>6} -> {_fmt(seen.get('threads')):>5}"
            f" {_fmt(seen.get('rss_before_mib'), 0):>6} -> {_fmt(seen.get('rss_mib'), 0):>5} MiB"
            f" {_fmt(seen.get('health_ms'), 2):>7} ms {_fmt(seen.get('mmio_ms'), 2):>7} ms"
            f"  {verdict}")


def run_attacks(binary, quick):
    os.environ["PYNQ_REMOTE_SERVER"] = binary
    rows = []
    scale = 0.2 if quick else 1.0

    # 1. The symlink race: the state of the server is no matter here, what leaks is.
    with tempfile.TemporaryDirectory(prefix="pynq-remote-outside-") as outside:
        server = SimServer()
        base = attacks.baseline(server)
        probe = attacks.Probe(server.address)
        seen = attacks.symlink_race(server, outside, reads=int(3000 * scale), seconds=60)
        state = attacks.observe(server, probe, base)
        probe.close()
        server.stop()
    state.update(seen)
    rows.append(_row("1 symlink swap (reads)", state,
                     f"{seen['leaked']} of {seen['reads']} reads outside the root, write "
                     f"outside: {'yes' if seen['escaped_write'] else 'no'}"))

    # 2. FIFOs: the answers, and what the pinned handlers cost.
    server = SimServer("--max-streams", "4")
    base = attacks.baseline(server)
    probe = attacks.Probe(server.address)
    seen = attacks.fifo_pin(server)
    state = attacks.observe(server, probe, base)
    probe.close()
    stop = attacks.stop_during(server, lambda address: None, settle_s=0.1)
    server.stop()
    pinned = sum(not a.startswith("INVALID_ARGUMENT") for a in seen["fifo_reads"])
    rows.append(_row("2 FIFO reads (4 at --max-streams 4)", state,
                     f"{pinned} handlers pinned; then readfile {seen['after_readfile'][:40]!r},"
                     f" 3.1 buffer write {seen['after_buffer_write'][:40]!r}, attrs "
                     f"{seen['attrs_after'][:30]!r}; SIGTERM exit "
                     f"{_fmt(stop['exit_s'], 2)} s (code {stop['exit_code']})"))

    # 3. Unfinished downloads, as reported: 200 streams of 3.9 MiB at --max-streams 2.
    server = SimServer("--max-streams", "2", "--max-message-mb", "4")
    seen = attacks.download_flood(server, streams=int(200 * scale), allowed=2)
    server.stop()
    rows.append(_row(f"3 downloads ({int(200 * scale)} x 3.9 MiB)", seen,
                     f"{seen['refused']} refused, {seen['active_streams']} counted as streams"))

    # 4. Silent reflection streams with a token file: 1,000 as reported.
    with tempfile.NamedTemporaryFile("w", suffix=".tokens") as tokens:
        tokens.write("figures-token\n")
        tokens.flush()
        server = SimServer("--token-file", tokens.name)
        seen = attacks.reflection_flood(server, streams=int(1000 * scale), token="figures-token")
        rows.append(_row(f"4 reflection streams ({int(1000 * scale)})", seen,
                         f"{seen['answered']} answered"))
        server.stop()
        server = SimServer("--token-file", tokens.name)  # a fresh one: threads start level
        seen = attacks.health_watch_flood(server, streams=int(1000 * scale),
                                          token="figures-token")
        rows.append(_row(f"4 health Watch streams ({int(1000 * scale)})", seen,
                         f"{seen['answered']} answered"))
        server.stop()

    # 5. Advance(2^64 - 1) with a 3 s deadline, then SIGTERM during another.
    server = SimServer("--deterministic")
    seen = attacks.advance_runaway(server)
    stop = attacks.stop_during(server, attacks.advance_forever)
    server.stop()
    rows.append(_row("5 Advance(2^64-1), 3 s deadline", seen,
                     f"{seen['status']} after {seen['call_s']:.1f} s; then "
                     f"{seen['cycles_after_deadline']} cycles and "
                     f"{seen['cpu_after_deadline']:.2f} CPU s/s; SIGTERM during Advance: exit "
                     f"{_fmt(stop['exit_s'], 2)} s (code {stop['exit_code']})"))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", action="append", required=True,
                        help="a pynq-remote-server binary (repeat to compare)")
    parser.add_argument("--designs", help="the build's designs/ directory")
    parser.add_argument("--quick", action="store_true", help="a fifth of the sizes")
    args = parser.parse_args()
    if args.designs:
        os.environ["PYNQ_REMOTE_DESIGNS"] = args.designs
    header = (f"{'attack':<34} {'threads':>15} {'RSS':>19} {'health':>10} {'MMIO':>10}"
              f"  outcome")
    for binary in args.server:
        print(f"\n{binary}\n{header}")
        for row in run_attacks(os.path.abspath(binary), args.quick):
            print(row, flush=True)


if __name__ == "__main__":
    main()
