"""The attacks of the second hardening round (hil-tests/README.md#adversarial-tests), each
as an outside test would run it against a server on loopback, with what it observes: whether
the attack got through, and the server's threads, RSS and answer latency while it ran.

test_adversarial.py asserts on these observations; bench/attack_figures.py prints them for
any server binary, so the same reproductions give the before and after figures. Every attack
is bounded in count and time: against a server that does not resist it, it ends by itself.
Only flags every server version knows are needed to run one.
"""

import ctypes
import os
import statistics
import subprocess
import sys
import threading
import time

import grpc

from pynq_remote._proto import (buffer_pb2, buffer_pb2_grpc, remote_device_pb2,
                                remote_device_pb2_grpc)
from pynq_remote._proto.pynq_remote.v1 import board_pb2, board_pb2_grpc

PL0_REF_CTRL = 0xFF5E00C0  # a PS register every policy allows: MMIO works without a design
HEALTH_CHECK = "/grpc.health.v1.Health/Check"
HEALTH_WATCH = "/grpc.health.v1.Health/Watch"
REFLECTION = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"
LIST_SERVICES = b"\x3a\x00"  # ServerReflectionRequest{list_services: ""}
FPGA0 = "/sys/class/fpga_manager/fpga0"


def _raw(channel, method, kind):
    identity = lambda b: b  # noqa: E731
    return getattr(channel, kind)(method, request_serializer=identity,
                                  response_deserializer=identity)


# -- what the server costs ----------------------------------------------------------------

def threads(pid):
    return len(os.listdir(f"/proc/{pid}/task"))


def call_threads(pid):
    """gRPC's synchronous-server call threads, the ones --max-threads caps.

    Counted by the name gRPC gives them ("grpcpp_sync_server", cut to 15 characters by the
    kernel), because the process's other threads (event engine, timers, the board's own) come
    and go with load and are not what the ceiling governs.
    """
    count = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/comm") as f:
                count += f.read().startswith("grpcpp_sync_ser")
        except FileNotFoundError:  # the thread ended while we looked
            pass
    return count


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Probe:
    """A well-behaved client beside the attack: health checks and MMIO reads, timed."""

    def __init__(self, address, token=None):
        self.channel = grpc.insecure_channel(address)
        self.metadata = [("authorization", f"Bearer {token}")] if token else None
        self.health = _raw(self.channel, HEALTH_CHECK, "unary_unary")
        self.board = board_pb2_grpc.BoardStub(self.channel)

    def sample(self, count=10, timeout=5):
        """{'health_ms', 'mmio_ms'}: p50 latencies (None when every call failed), and how
        many of each failed."""
        health, mmio = [], []
        failures = {"health": 0, "mmio": 0}
        for _ in range(count):
            start = time.perf_counter()
            try:
                self.health(b"", timeout=timeout)
                health.append((time.perf_counter() - start) * 1e3)
            except grpc.RpcError:
                failures["health"] += 1
            start = time.perf_counter()
            try:
                self.board.MmioRead(board_pb2.MmioReadRequest(address=PL0_REF_CTRL, width=4),
                                    timeout=timeout, metadata=self.metadata)
                mmio.append((time.perf_counter() - start) * 1e3)
            except grpc.RpcError:
                failures["mmio"] += 1
        return {"health_ms": statistics.median(health) if health else None,
                "mmio_ms": statistics.median(mmio) if mmio else None,
                "health_failed": failures["health"], "mmio_failed": failures["mmio"]}

    def close(self):
        self.channel.close()


def observe(server, probe, baseline):
    """The server's state now, beside `baseline` (taken before the attack)."""
    pid = server.proc.pid
    state = {"threads_before": baseline["threads"], "threads": threads(pid),
             "rss_before_mib": baseline["rss"], "rss_mib": rss_mib(pid)}
    state.update(probe.sample())
    return state


def baseline(server):
    return {"threads": threads(server.proc.pid), "rss": rss_mib(server.proc.pid)}


def settle_threads(pid, seconds=3.0):
    """Waits (at most `seconds`) until the server's thread count stops changing."""
    last, stable_since = threads(pid), time.monotonic()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.1)
        now = threads(pid)
        if now != last:
            last, stable_since = now, time.monotonic()
        elif time.monotonic() - stable_since > 0.5:
            break
    return last


# -- 1. a symlink swapped in during file calls ---------------------------------------------

_SWAPPER = r"""
import ctypes, sys, time
libc = ctypes.CDLL(None, use_errno=True)
AT_FDCWD, RENAME_EXCHANGE = -100, 2
a, b, seconds = sys.argv[1].encode(), sys.argv[2].encode(), float(sys.argv[3])
end = time.monotonic() + seconds
while time.monotonic() < end:
    for _ in range(1000):
        libc.renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE)
"""


def symlink_race(server, outside, reads=1000, seconds=30):
    """A local process swaps R/d and R/L (-> `outside`) with renameat2(RENAME_EXCHANGE) while
    a client reads d/secret.txt and writes d/pwned_by_race. Returns the counts of reads that
    found the root's file and the outside one, and whether a file appeared outside."""
    root = server.root.name
    os.makedirs(os.path.join(root, "d"), exist_ok=True)
    with open(os.path.join(root, "d", "secret.txt"), "w") as f:
        f.write("inside")
    with open(os.path.join(outside, "secret.txt"), "w") as f:
        f.write("TOPSECRET")
    os.symlink(outside, os.path.join(root, "L"))
    swapper = subprocess.Popen([sys.executable, "-c", _SWAPPER, os.path.join(root, "d"),
                                os.path.join(root, "L"), str(seconds)])
    channel = grpc.insecure_channel(server.address)
    stub = remote_device_pb2_grpc.RemoteDeviceStub(channel)
    counts = {"reads": 0, "inside": 0, "leaked": 0, "refused": 0}
    end = time.monotonic() + seconds
    try:
        while counts["reads"] < reads and time.monotonic() < end:
            counts["reads"] += 1
            try:
                data = b"".join(r.data for r in stub.readfile(
                    remote_device_pb2.ReadFileRequest(file_path="d/secret.txt"), timeout=5))
            except grpc.RpcError:
                counts["refused"] += 1
                data = b""
            counts["inside"] += data == b"inside"
            counts["leaked"] += data == b"TOPSECRET"
            try:
                stub.writefile(iter([remote_device_pb2.WriteFileRequest(
                    file_path="d/pwned_by_race", data=b"x")]), timeout=5)
            except grpc.RpcError:
                pass
    finally:
        swapper.kill()
        swapper.wait()
        channel.close()
    counts["escaped_write"] = os.path.exists(os.path.join(outside, "pwned_by_race"))
    return counts


# -- 2. a FIFO in the root -----------------------------------------------------------------

def fifo_pin(server, slots=4):
    """With the server at --max-streams `slots`: `slots` readfile("fifo", timeout=1) at once,
    then what a normal client gets (a readfile, a 3.1 buffer write), then a FIFO named in the
    firmware trigger and the set_bitstream_attrs after it."""
    root = server.root.name
    os.mkfifo(os.path.join(root, "fifo"))
    channel = grpc.insecure_channel(server.address)
    stub = remote_device_pb2_grpc.RemoteDeviceStub(channel)
    result = {}

    def read(path, timeout):
        try:
            b"".join(r.data for r in stub.readfile(
                remote_device_pb2.ReadFileRequest(file_path=path), timeout=timeout))
            return "OK"
        except grpc.RpcError as error:
            return f"{error.code().name}: {error.details()}"

    answers = [None] * slots
    workers = [threading.Thread(target=lambda i=i: answers.__setitem__(i, read("fifo", 1)))
               for i in range(slots)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    result["fifo_reads"] = answers
    result["after_readfile"] = read("/proc/version", 5)
    buffers = buffer_pb2_grpc.RemoteBufferStub(channel)
    allocated = buffers.allocate(buffer_pb2.AllocateRequest(size=4096, dtype="u1"), timeout=5)
    written = buffers.write(iter([buffer_pb2.BufferWriteRequest(
        buffer_id=allocated.buffer_id, data=b"\x01" * 4096)]), timeout=5)
    result["after_buffer_write"] = written.msg or "OK"
    os.makedirs(os.path.join(root, "lib", "firmware"), exist_ok=True)
    os.mkfifo(os.path.join(root, "lib", "firmware", "f.bin"))
    try:
        stub.writefile(iter([remote_device_pb2.WriteFileRequest(
            file_path=f"{FPGA0}/firmware", data=b"f.bin")]), timeout=3)
        result["firmware_fifo"] = "OK"
    except grpc.RpcError as error:
        result["firmware_fifo"] = f"{error.code().name}: {error.details()}"
    try:
        stub.set_bitstream_attrs(remote_device_pb2.SetBitstreamAttrsRequest(
            binfile_name="x.bin"), timeout=3)
        result["attrs_after"] = "OK"
    except grpc.RpcError as error:
        result["attrs_after"] = f"{error.code().name}: {error.details()}"
    channel.close()
    return result


# -- 3. unfinished downloads ---------------------------------------------------------------

class HeldStreams:
    """`count` client streams of `method` (a stream-unary callable), each sending `first`
    and then holding the stream open until release()."""

    def __init__(self, method, first, count, metadata=None):
        self.release_event = threading.Event()
        self.futures = []

        def requests():
            yield first
            self.release_event.wait()

        for _ in range(count):
            self.futures.append(method.future(requests(), metadata=metadata))

    def refused(self):
        """The streams the server has already ended, with their status codes."""
        return [f.exception().code().name for f in self.futures
                if f.done() and f.exception() is not None]

    def settle(self, expect_refused, seconds=10):
        deadline = time.monotonic() + seconds
        while len(self.refused()) < expect_refused and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.refused()

    def release(self):
        self.release_event.set()
        for f in self.futures:
            f.cancel()


def download_flood(server, streams=50, chunk_bytes=int(3.9 * (1 << 20)), allowed=2):
    """`streams` downloads that each send `chunk_bytes` and never finish, against a server
    at --max-streams `allowed`. Returns the server's threads, RSS and latencies while they
    are held, and how many were refused."""
    probe = Probe(server.address)
    base = baseline(server)
    channel = grpc.insecure_channel(server.address,
                                    options=[("grpc.max_send_message_length", 64 << 20)])
    stub = remote_device_pb2_grpc.RemoteDeviceStub(channel)
    stub.set_bitstream_attrs(remote_device_pb2.SetBitstreamAttrsRequest(binfile_name="x.bin"),
                             timeout=5)
    held = HeldStreams(stub.download, remote_device_pb2.DownloadRequest(
        buffer=b"\xAA" * chunk_bytes), streams)
    refused = held.settle(streams - allowed)
    settle_threads(server.proc.pid)
    state = observe(server, probe, base)
    state["refused"] = len(refused)
    state["refused_codes"] = sorted(set(refused))
    usage = board_pb2_grpc.BoardStub(channel).GetInfo(board_pb2.GetInfoRequest(),
                                                      timeout=5).usage
    state["active_streams"] = usage.active_streams
    state["held_mib"] = usage.buffer_bytes / (1 << 20)  # what downloads hold, as charged
    held.release()
    channel.close()
    probe.close()
    return state


# -- 4. silent reflection streams ----------------------------------------------------------

def reflection_flood(server, streams=300, token=None):
    """`streams` reflection streams that each make one list_services exchange (so they are
    known to be open on the server) and then send nothing, with health checks and MMIO reads
    (carrying `token`) beside them."""
    probe = Probe(server.address, token)
    base = baseline(server)
    channel = grpc.insecure_channel(server.address)
    method = _raw(channel, REFLECTION, "stream_stream")
    release = threading.Event()

    def requests():
        yield LIST_SERVICES
        release.wait()

    calls = [method(requests()) for _ in range(streams)]
    answered = 0
    for call in calls:
        try:
            next(call)
            answered += 1
        except (grpc.RpcError, StopIteration):
            pass
    settle_threads(server.proc.pid)
    state = observe(server, probe, base)
    state["answered"] = answered
    release.set()
    for call in calls:
        call.cancel()
    channel.close()
    probe.close()
    return state


def health_watch_flood(server, streams=300, token=None):
    """`streams` health Watch streams held open (each has its first answer)."""
    probe = Probe(server.address, token)
    base = baseline(server)
    channel = grpc.insecure_channel(server.address)
    watch = _raw(channel, HEALTH_WATCH, "unary_stream")
    calls = [watch(b"") for _ in range(streams)]
    answered = sum(1 for call in calls if next(call, None) is not None)
    settle_threads(server.proc.pid)
    state = observe(server, probe, base)
    state["answered"] = answered
    for call in calls:
        call.cancel()
    channel.close()
    probe.close()
    return state


# -- 5. Advance(2^64 - 1) -----------------------------------------------------------------

def advance_runaway(server, deadline_s=3.0, watch_s=1.0):
    """Advance(2**64 - 1) with a `deadline_s` deadline on a --deterministic server (where
    nothing else moves time), then whether PL cycles still grow and the server still burns
    CPU for `watch_s` after the deadline."""
    probe = Probe(server.address)
    base = baseline(server)
    channel = grpc.insecure_channel(server.address)
    board = board_pb2_grpc.BoardStub(channel)
    start = time.monotonic()
    try:
        board.Advance(board_pb2.AdvanceRequest(cycles=2**64 - 1), timeout=deadline_s)
        status = "OK"
    except grpc.RpcError as error:
        status = error.code().name
    took = time.monotonic() - start

    def cycles():
        return board.GetInfo(board_pb2.GetInfoRequest(), timeout=5).pl_cycles

    # The call's last chunk may still be finishing as the client sees its deadline: wait for
    # the count to hold still (at most 10 s; a runaway loop never does), then watch.
    settle_end = time.monotonic() + 10
    last = cycles()
    while time.monotonic() < settle_end:
        time.sleep(0.1)
        now = cycles()
        if now == last:
            break
        last = now
    first, cpu0 = cycles(), cpu_seconds(server.proc.pid)
    time.sleep(watch_s)
    second, cpu1 = cycles(), cpu_seconds(server.proc.pid)
    state = observe(server, probe, base)
    state.update({"status": status, "call_s": took, "cycles_after_deadline": second - first,
                  "cpu_after_deadline": (cpu1 - cpu0) / watch_s})
    channel.close()
    probe.close()
    return state


# -- stopping during a long operation ------------------------------------------------------

def stop_during(server, start_operation, settle_s=0.5, limit_s=15):
    """Starts `start_operation(address)` (a callable that blocks in a long call) on a
    thread, sends SIGTERM `settle_s` later, and returns how long the server took to exit
    (None if it had not within `limit_s`; it is then killed) and its exit code."""
    worker = threading.Thread(target=start_operation, args=(server.address,), daemon=True)
    worker.start()
    time.sleep(settle_s)
    start = time.monotonic()
    server.proc.terminate()
    try:
        code = server.proc.wait(timeout=limit_s)
        took = time.monotonic() - start
    except subprocess.TimeoutExpired:
        server.proc.kill()
        code = server.proc.wait()
        took = None
    return {"exit_s": took, "exit_code": code}


def advance_forever(address):
    try:
        board_pb2_grpc.BoardStub(grpc.insecure_channel(address)).Advance(
            board_pb2.AdvanceRequest(cycles=2**64 - 1), timeout=120)
    except grpc.RpcError:
        pass


def silent_download(address):
    release = threading.Event()

    def requests():
        yield remote_device_pb2.DownloadRequest(buffer=b"\xAA" * 4096)
        release.wait(120)

    try:
        remote_device_pb2_grpc.RemoteDeviceStub(grpc.insecure_channel(address)).download(
            requests(), timeout=120)
    except grpc.RpcError:
        pass


def unread_readfile(address, path="/big"):
    """Reads one message of a large file and then takes nothing more."""
    try:
        stream = remote_device_pb2_grpc.RemoteDeviceStub(grpc.insecure_channel(address)).readfile(
            remote_device_pb2.ReadFileRequest(file_path=path), timeout=120)
        next(stream)
        time.sleep(120)
    except grpc.RpcError:
        pass


def libc_has_renameat2():
    return hasattr(ctypes.CDLL(None), "renameat2")
