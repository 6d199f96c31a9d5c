#!/usr/bin/python3
"""Measure what one idle simulated board costs: the figures behind board-statefulset.yaml's
resource requests.

Starts pynq-remote-server (sim backend) on a free loopback port, programs a design through the
Python client (the design stays loaded, the client disconnects), lets the server settle, then
reads /proc/PID/status (VmRSS, VmHWM) and /proc/PID/stat (utime + stime) at the start and end
of a quiet window:

  /usr/bin/python3 deploy/kubernetes/measure_idle.py --server build/server/pynq-remote-server \
      --designs build/designs --design resizer --seconds 30 [--probe-period 2.5]

With --probe-period the window also holds a health check every S seconds on a new connection,
the kubelet's gRPC probe's load. Idle CPU is the growth of utime + stime, in clock ticks, over
ticks a second and the window's seconds, in millicores.
"""

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..", "..", "client", "python")))

import grpc  # noqa: E402
import pynq_remote  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def status_field(pid, field):
    """A number from /proc/PID/status (kB for the Vm* fields)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"/proc/{pid}/status has no {field}")


def probe(address):
    """One grpc.health.v1 Check on a connection of its own, as a kubelet's probe makes."""
    with grpc.insecure_channel(address) as channel:
        # An empty HealthCheckRequest (service "") is b""; SERVING is b"\x08\x01".
        reply = channel.unary_unary("/grpc.health.v1.Health/Check")(b"", timeout=5)
    if reply != b"\x08\x01":
        raise RuntimeError(f"health check of {address}: {reply!r}, not SERVING")


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        # The command name (field 2) may hold spaces: count fields after its ')'.
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", required=True, help="the pynq-remote-server binary")
    parser.add_argument("--designs", required=True, help="the build's designs/ directory")
    parser.add_argument("--design", default="resizer", help="the design to load (resizer)")
    parser.add_argument("--seconds", type=float, default=30.0, help="the idle window (30)")
    parser.add_argument("--probe-period", type=float, default=0.0,
                        help="also ask the health check every S seconds during the window, on "
                        "a new connection each time, as the kubelet's gRPC probe does (0: no)")
    parser.add_argument("--settle", type=float, default=5.0,
                        help="seconds to wait after programming before the window (5)")
    args = parser.parse_args()

    address = f"127.0.0.1:{free_port()}"
    with tempfile.TemporaryDirectory(prefix="pynq-remote-measure-") as root:
        proc = subprocess.Popen([args.server, "--backend", "sim", "--listen", address,
                                 "--root", root], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        drain = None
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                line = proc.stdout.readline()
                if "listening" in line or not line:
                    break
            if proc.poll() is not None:
                raise RuntimeError(f"{args.server} exited with {proc.returncode}")
            # From here on the server's output is not read: keep it from filling the pipe.
            drain = subprocess.Popen(["cat"], stdin=proc.stdout, stdout=subprocess.DEVNULL)
            rss_started = status_field(proc.pid, "VmRSS")
            device = pynq_remote.RemoteDevice(0, address)
            bit = os.path.join(args.designs, args.design, args.design + ".bit")
            pynq_remote.Overlay(bit, device=device)
            device.close()
            time.sleep(args.settle)
            ticks0, t0 = cpu_ticks(proc.pid), time.monotonic()
            probes = 0
            if args.probe_period > 0:
                while time.monotonic() - t0 < args.seconds:
                    probe(address)
                    probes += 1
                    time.sleep(max(0.0, min(args.probe_period,
                                            args.seconds - (time.monotonic() - t0))))
            else:
                time.sleep(args.seconds)
            ticks1, t1 = cpu_ticks(proc.pid), time.monotonic()
            rss, hwm = status_field(proc.pid, "VmRSS"), status_field(proc.pid, "VmHWM")
            threads = status_field(proc.pid, "Threads")
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            if drain is not None:
                drain.wait(timeout=30)
    hz = os.sysconf("SC_CLK_TCK")
    millicores = 1000.0 * (ticks1 - ticks0) / hz / (t1 - t0)
    print(f"design {args.design}: VmRSS {rss / 1024:.1f} MiB (before programming "
          f"{rss_started / 1024:.1f} MiB), VmHWM {hwm / 1024:.1f} MiB, {threads} threads")
    print(f"idle CPU over {t1 - t0:.1f} s ({probes} health checks): {ticks1 - ticks0} ticks at "
          f"{hz} Hz = {millicores:.2f} millicores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
