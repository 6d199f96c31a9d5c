"""The server tried as an attacker would (hil-tests/README.md#adversarial-tests): one test
per way past the limits that an outside test found, each reproducing the attack as it was
reported (attacks.py), and each failing on the server that let it through. Bounded in count and time, so they run in CI.

  1. a symlink swapped in during file calls escaped --root
  2. a FIFO in the root pinned handlers, their stream slots and SIGTERM
  3. download bypassed the stream and memory limits
  4. silent reflection streams grew a thread each
  5. Advance(2^64 - 1) ran on after its deadline and through SIGTERM
  and what was seen beside them: the sessionless pool had no limit, and a silent stream held
  its slot for ever. The server as a whole has a thread ceiling, and SIGTERM ends it within
  2 s whatever it is doing.
"""

import os
import tempfile
import threading
import time

import grpc
import pytest

from pynq_remote._proto import (buffer_pb2, buffer_pb2_grpc, remote_device_pb2,
                                remote_device_pb2_grpc)
from pynq_remote._proto.pynq_remote.v1 import board_pb2, board_pb2_grpc

import attacks
from conftest import SANITIZER_LOG_DIR, TIME_SCALE, SimServer

pytestmark = pytest.mark.skipif(bool(os.environ.get("PYNQ_REMOTE_DEVICES")),
                                reason="starts its own servers, with the flags each attack needs")

# A sanitizer build runs several times slower: bounds on waiting scale with it (never the
# assertions on what got through).
SLOW = TIME_SCALE


@pytest.fixture
def outside():
    """A directory outside every server's root: the host's files an attack is after."""
    with tempfile.TemporaryDirectory(prefix="pynq-remote-outside-") as path:
        yield path


def stopped_cleanly(server):
    """SIGTERM: the exit code (0: stopped by itself, not by the backstop) and the time."""
    start = time.monotonic()
    server.proc.terminate()
    code = server.proc.wait(timeout=30)
    return code, time.monotonic() - start


# -- 1 -------------------------------------------------------------------------------------

@pytest.mark.skipif(not attacks.libc_has_renameat2(), reason="libc has no renameat2")
def test_a_symlink_swapped_in_during_file_calls_never_leads_outside_the_root(outside):
    server = SimServer()
    try:
        seen = attacks.symlink_race(server, outside, reads=1000, seconds=20 * SLOW)
    finally:
        server.stop()
    assert seen["leaked"] == 0, f"reads returned the file outside the root: {seen}"
    assert not seen["escaped_write"], f"a write created a file outside the root: {seen}"
    # The race was real: the directory was in place for some reads and swapped for others.
    assert seen["inside"] > 0 and seen["inside"] < seen["reads"], seen


# -- 2 -------------------------------------------------------------------------------------

def test_a_fifo_in_the_root_is_refused_and_pins_nothing():
    server = SimServer("--max-streams", "4")
    try:
        seen = attacks.fifo_pin(server, slots=4)
        code, took = stopped_cleanly(server)
    finally:
        server.stop()
    for answer in seen["fifo_reads"]:
        assert answer.startswith("INVALID_ARGUMENT") and "FIFO" in answer, seen
    assert seen["after_readfile"] == "OK", seen
    assert seen["after_buffer_write"] == "OK", seen
    assert seen["firmware_fifo"].startswith("INVALID_ARGUMENT"), seen
    assert "FIFO" in seen["firmware_fifo"], seen
    assert seen["attrs_after"] == "OK", seen
    assert code == 0, (code, took)


# -- 3 -------------------------------------------------------------------------------------

def test_downloads_take_stream_slots_and_their_threads_and_memory_stay_bounded():
    server = SimServer("--max-streams", "2", "--max-message-mb", "4")
    try:
        seen = attacks.download_flood(server, streams=50, allowed=2)
    finally:
        server.stop()
    # Two downloads hold the two slots; the other 48 are refused at once.
    assert seen["refused"] == 48, seen
    assert seen["refused_codes"] == ["RESOURCE_EXHAUSTED"], seen
    assert seen["active_streams"] == 2, seen
    # Before: one thread and ~8 MiB for every stream (50 streams: +50 threads, +400 MiB).
    assert seen["threads"] - seen["threads_before"] < 20, seen
    if not SANITIZER_LOG_DIR:  # ASan keeps freed memory in quarantine
        assert seen["rss_mib"] - seen["rss_before_mib"] < 100, seen
    assert seen["health_failed"] == 0 and seen["mmio_failed"] == 0, seen


def test_what_downloads_hold_has_a_server_wide_ceiling():
    # Unlimited stream slots: only the memory ceiling stands in the way of 30 x 8 MiB.
    server = SimServer("--max-streams", "0", "--max-call-memory-mb", "64",
                       "--max-message-mb", "16")
    try:
        seen = attacks.download_flood(server, streams=30, chunk_bytes=8 << 20, allowed=8)
    finally:
        server.stop()
    # A stream reads only once the budget holds the largest message it could bring in
    # (16 MiB): four read at once, the rest are refused before gRPC takes their data in.
    assert seen["refused"] >= 22 and seen["refused_codes"] == ["RESOURCE_EXHAUSTED"], seen
    assert seen["active_streams"] <= 8 and seen["held_mib"] <= 64, seen
    # Before: every stream kept its 8 MiB twice (+540 MiB). (An ASan build keeps freed
    # memory in quarantine: no bound there.)
    if not SANITIZER_LOG_DIR:
        assert seen["rss_mib"] - seen["rss_before_mib"] < 160, seen
    assert seen["health_failed"] == 0 and seen["mmio_failed"] == 0, seen


def test_a_download_is_charged_as_memory_of_its_caller():
    server = SimServer("--max-session-memory-mb", "4")  # the sessionless pool follows it
    channel = grpc.insecure_channel(server.address)
    stub = remote_device_pb2_grpc.RemoteDeviceStub(channel)
    try:
        stub.set_bitstream_attrs(remote_device_pb2.SetBitstreamAttrsRequest(
            binfile_name="big.bin"), timeout=5)
        chunks = [remote_device_pb2.DownloadRequest(buffer=b"\xAA" * (1 << 20))] * 6
        with pytest.raises(grpc.RpcError) as error:
            stub.download(iter(chunks), timeout=30)
        assert error.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "downloading a bitstream" in error.value.details()
        assert "--max-sessionless-memory-mb" in error.value.details()
        usage = board_pb2_grpc.BoardStub(channel).GetInfo(board_pb2.GetInfoRequest(),
                                                          timeout=5).usage
        assert usage.buffer_bytes == 0 and usage.active_streams == 0
    finally:
        channel.close()
        server.stop()


def test_a_silent_stream_is_ended_with_a_status_that_says_why(designs):
    server = SimServer("--max-streams", "2", "--stream-idle-s", "1")
    channel = grpc.insecure_channel(server.address)
    stub = remote_device_pb2_grpc.RemoteDeviceStub(channel)
    with open(f"{designs}/ref_accel/ref_accel.bit", "rb") as f:
        whole_bitstream = f.read()
    try:
        stub.set_bitstream_attrs(remote_device_pb2.SetBitstreamAttrsRequest(
            binfile_name="ref_accel.bit"), timeout=5)
        # Each stream carries a whole, good bitstream and then falls silent: if the end of a
        # stream the server cut were taken for its finish, the design would be programmed.
        held = attacks.HeldStreams(stub.download,
                                   remote_device_pb2.DownloadRequest(buffer=whole_bitstream), 2)
        ended = held.settle(2, seconds=30 * SLOW)
        assert ended == ["DEADLINE_EXCEEDED", "DEADLINE_EXCEEDED"]
        details = held.futures[0].exception().details()
        assert "--stream-idle-s" in details and "download" in details, details
        held.release()
        # The slots are free again, and nothing the server cut off was programmed.
        info = board_pb2_grpc.BoardStub(channel).GetInfo(board_pb2.GetInfoRequest(), timeout=5)
        assert info.usage.active_streams == 0
        assert info.loaded_design == "", info
        reader = stub.readfile(remote_device_pb2.ReadFileRequest(file_path="/proc/version"),
                               timeout=5)
        assert b"Linux" in b"".join(r.data for r in reader)
    finally:
        channel.close()
        server.stop()


# -- 4 -------------------------------------------------------------------------------------

def test_silent_reflection_and_health_streams_take_no_thread_each(tmp_path):
    token_file = tmp_path / "tokens"
    token_file.write_text("adversarial-token\n")
    server = SimServer("--token-file", str(token_file))
    try:
        reflection = attacks.reflection_flood(server, streams=300, token="adversarial-token")
        watches = attacks.health_watch_flood(server, streams=300, token="adversarial-token")
    finally:
        server.stop()
    # Before: one thread for each of the 300 reflection streams.
    assert reflection["answered"] == 300, reflection
    assert reflection["threads"] - reflection["threads_before"] < 30, reflection
    assert reflection["health_failed"] == 0 and reflection["mmio_failed"] == 0, reflection
    assert watches["answered"] == 300, watches
    assert watches["threads"] - watches["threads_before"] < 30, watches
    assert watches["health_failed"] == 0 and watches["mmio_failed"] == 0, watches


def test_past_the_thread_ceiling_calls_are_refused_and_the_server_stays_healthy():
    # Unlimited stream slots, so only the thread ceiling stands in the way.
    server = SimServer("--max-threads", "16", "--max-streams", "0", "--stream-idle-s", "0")
    channel = grpc.insecure_channel(server.address)
    stub = remote_device_pb2_grpc.RemoteDeviceStub(channel)
    probe = attacks.Probe(server.address)
    idle_threads = attacks.threads(server.proc.pid)
    try:
        held = attacks.HeldStreams(stub.writefile, remote_device_pb2.WriteFileRequest(
            file_path="/tmp-held", data=b"x"), 40)
        refused = held.settle(1, seconds=10 * SLOW)
        assert refused and set(refused) == {"RESOURCE_EXHAUSTED"}, refused
        # The ceiling caps the call threads; the 40 held streams must not each add a thread
        # anywhere else either (gRPC's event engine may add a few workers under load).
        assert attacks.call_threads(server.proc.pid) <= 16
        assert attacks.threads(server.proc.pid) - idle_threads <= 16 + 8
        # The health check runs without a call thread; it answers through the flood.
        assert probe.sample(count=3)["health_failed"] == 0
        held.release()
        # Once the held calls end, ordinary calls get threads again.
        deadline = time.monotonic() + 10 * SLOW
        while time.monotonic() < deadline:
            if probe.sample(count=1)["mmio_failed"] == 0:
                break
            time.sleep(0.1)
        assert probe.sample(count=3)["mmio_failed"] == 0
    finally:
        probe.close()
        channel.close()
        server.stop()


# -- 5 -------------------------------------------------------------------------------------

def test_advance_ends_at_its_deadline():
    server = SimServer("--deterministic")
    try:
        seen = attacks.advance_runaway(server, deadline_s=3.0, watch_s=1.0)
    finally:
        server.stop()
    assert seen["status"] == "DEADLINE_EXCEEDED", seen
    # In deterministic mode only Advance moves time: after the deadline nothing may.
    assert seen["cycles_after_deadline"] == 0, seen
    assert seen["mmio_failed"] == 0 and seen["health_failed"] == 0, seen


def test_the_sessionless_pool_has_a_limit_of_its_own():
    server = SimServer("--max-session-memory-mb", "8")
    channel = grpc.insecure_channel(server.address)
    stub = buffer_pb2_grpc.RemoteBufferStub(channel)
    try:
        big = stub.allocate(buffer_pb2.AllocateRequest(size=512 << 20, dtype="u1"), timeout=10)
        assert not big.buffer_id and big.error_code == "LIMIT_EXCEEDED", big
        assert "--max-sessionless-memory-mb" in big.msg, big.msg
        small = stub.allocate(buffer_pb2.AllocateRequest(size=4 << 20, dtype="u1"), timeout=10)
        assert small.buffer_id, small.msg
    finally:
        channel.close()
        server.stop()


# -- SIGTERM during each long operation ------------------------------------------------------

def _big_file(server, mib=64):
    with open(os.path.join(server.root.name, "big"), "wb") as f:
        f.truncate(mib << 20)


STOP_CASES = {
    "advance": (("--deterministic",), attacks.advance_forever, None),
    "silent download": ((), attacks.silent_download, None),
    "readfile nobody reads": ((), attacks.unread_readfile, _big_file),
}


@pytest.mark.parametrize("case", sorted(STOP_CASES))
def test_sigterm_ends_the_server_whatever_it_is_doing(case):
    flags, operation, prepare = STOP_CASES[case]
    server = SimServer(*flags)
    try:
        if prepare:
            prepare(server)
        seen = attacks.stop_during(server, operation, settle_s=0.5 * SLOW)
    finally:
        server.stop()
    # Exit 0: the operation itself stopped. A call that ignored the stop would have left the
    # server to its backstop (exit 1 at 1.9 s; a sanitizer build waits longer) or hung.
    assert seen["exit_s"] is not None, f"{case}: still running 15 s after SIGTERM"
    assert seen["exit_code"] == 0, f"{case}: exit {seen['exit_code']} (the backstop, not a stop)"


def test_sigterm_ends_a_bus_access_waiting_out_a_long_timeout(designs):
    # A read of a slave that stalls 2^32 cycles, with a 60 s (simulated) bus timeout: minutes
    # of simulation the stop must not wait for.
    server = SimServer("--mmio-policy", "open", "--bus-timeout-us", "60000000")
    try:
        import pynq_remote as pynq
        dev = pynq.RemoteDevice(0, server.address)
        pynq.Bitstream(f"{designs}/ref_accel/ref_accel.bit", device=dev).download()
        regs = pynq.MMIO(0xA0000000, 0x1000, device=dev)
        regs.write(0x28, 0xFFFFFFFF)  # STALL: the next read waits that many cycles

        def stalled_read(_address):
            try:
                regs.read(0x00)
            except Exception:  # noqa: BLE001 - the server goes away under it
                pass

        seen = attacks.stop_during(server, stalled_read, settle_s=1.0 * SLOW)
        dev.close()
    finally:
        server.stop()
    assert seen["exit_s"] is not None and seen["exit_code"] == 0, seen
