"""Sessions, limits and access control, against servers this module starts with the
flags under test (real processes, real sockets). Needs the sim backend: the figures
(RSS, threads, file descriptors) are read from /proc of the server process."""

import os
import signal
import subprocess
import threading
import time

import grpc
import numpy as np
import pytest

import pynq_remote as pynq
from pynq_remote._proto import buffer_pb2, buffer_pb2_grpc, mmio_pb2, mmio_pb2_grpc
from pynq_remote._proto.pynq_remote.v1 import board_pb2, board_pb2_grpc

from conftest import SimServer

FREED_WITHIN_S = 5.0


@pytest.fixture(autouse=True)
def _sim_only():
    if os.environ.get("PYNQ_REMOTE_DEVICES"):
        pytest.skip("starts its own servers with the flags under test (sim backend)")


@pytest.fixture
def server():
    srv = SimServer()
    yield srv
    srv.stop()


def board_stub(address):
    return board_pb2_grpc.BoardStub(grpc.insecure_channel(address))


def usage(address):
    return board_stub(address).GetInfo(board_pb2.GetInfoRequest(), timeout=5).usage


def wait_until(condition, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def proc_status(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def open_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def session_client():
    binary = os.environ.get("PYNQ_REMOTE_SESSION_CLIENT")
    if not binary:
        pytest.skip("PYNQ_REMOTE_SESSION_CLIENT is not set (run through ctest)")
    return binary


# -- sessions -----------------------------------------------------------------------------

def test_closing_the_device_frees_its_buffers_and_mmio_handles(server):
    base = usage(server.address)
    dev = pynq.RemoteDevice(0, server.address)
    assert dev.session.supported and dev.session.session_id
    bufs = [pynq.allocate(shape=(1024,), dtype=np.uint32, target=dev) for _ in range(3)]
    bufs[0][:] = 7
    bufs[0].sync_to_device()
    dev.mmap(0xFF5E0000, 0x100)  # CRL_APB: always allowed
    during = usage(server.address)
    assert during.buffers == base.buffers + 3
    assert during.mmio_handles == base.mmio_handles + 1
    assert during.open_sessions == base.open_sessions + 1
    closed_at = time.monotonic()
    dev.close()
    assert wait_until(lambda: usage(server.address).buffers == base.buffers, FREED_WITHIN_S)
    print(f"freed {time.monotonic() - closed_at:.2f} s after close")
    after = usage(server.address)
    assert after.buffer_bytes == base.buffer_bytes
    assert after.mmio_handles == base.mmio_handles
    assert after.open_sessions == base.open_sessions


def test_a_killed_client_process_has_its_buffers_freed_within_5_s(server):
    base = usage(server.address)
    client = subprocess.Popen([session_client(), server.address, "4", str(1 << 20)],
                              stdout=subprocess.PIPE, text=True)
    assert client.stdout.readline().startswith("ready")
    assert usage(server.address).buffers == base.buffers + 4
    killed_at = time.monotonic()
    client.send_signal(signal.SIGKILL)
    client.wait()
    assert wait_until(lambda: usage(server.address).buffers == base.buffers, FREED_WITHIN_S)
    print(f"freed {time.monotonic() - killed_at:.2f} s after SIGKILL")
    assert usage(server.address).open_sessions == base.open_sessions


def test_a_session_cannot_see_another_sessions_buffers(server):
    a = pynq.RemoteDevice(0, server.address)
    b = pynq.RemoteDevice(1, server.address)
    try:
        buf = pynq.allocate(shape=(16,), dtype=np.uint8, target=a)
        stranger = b._stub["buffer"]  # carries b's session
        answer = stranger.physical_address(buffer_pb2.AddressRequest(buffer_id=buf.buffer_id))
        assert "no buffer with id" in answer.msg
        answer = stranger.freebuffer(buffer_pb2.FreeBufferRequest(buffer_id=buf.buffer_id))
        assert "no buffer with id" in answer.msg
        buf[:] = 3
        buf.sync_to_device()  # still a's, still there
    finally:
        a.close()
        b.close()


def test_a_request_naming_an_unknown_session_is_refused(server):
    stub = board_stub(server.address)
    with pytest.raises(grpc.RpcError) as error:
        stub.AllocateBuffer(board_pb2.AllocateBufferRequest(size=4096),
                            metadata=[("pynq-remote-session", "ses-not-a-session")], timeout=5)
    assert error.value.code() == grpc.StatusCode.NOT_FOUND
    assert "is not open on this server" in error.value.details()


def test_sessionless_31_clients_keep_their_buffers_after_disconnecting(server):
    channel = grpc.insecure_channel(server.address)
    stub = buffer_pb2_grpc.RemoteBufferStub(channel)
    answer = stub.allocate(buffer_pb2.AllocateRequest(size=4096, dtype="u1"))
    assert answer.buffer_id and not answer.msg
    channel.close()
    time.sleep(1.5)  # past the grace period a session would get
    stub = buffer_pb2_grpc.RemoteBufferStub(grpc.insecure_channel(server.address))
    assert stub.physical_address(buffer_pb2.AddressRequest(buffer_id=answer.buffer_id)).address
    assert not stub.freebuffer(buffer_pb2.FreeBufferRequest(buffer_id=answer.buffer_id)).msg


def test_10000_allocate_free_cycles_leak_nothing(server):
    dev = pynq.RemoteDevice(0, server.address)
    try:
        stub = dev._stub["buffer"]
        for _ in range(200):  # warm up allocator pages, gRPC arenas, thread pool
            stub.freebuffer(buffer_pb2.FreeBufferRequest(
                buffer_id=stub.allocate(buffer_pb2.AllocateRequest(size=65536)).buffer_id))
        base = usage(server.address)
        rss0, fds0 = proc_status(server.proc.pid, "VmRSS"), open_fds(server.proc.pid)
        for i in range(10000):
            answer = stub.allocate(buffer_pb2.AllocateRequest(size=4096 + (i % 16) * 4096))
            assert not answer.msg, answer.msg
            freed = stub.freebuffer(buffer_pb2.FreeBufferRequest(buffer_id=answer.buffer_id))
            assert not freed.msg, freed.msg
        after = usage(server.address)
        rss1, fds1 = proc_status(server.proc.pid, "VmRSS"), open_fds(server.proc.pid)
        print(f"10000 cycles: RSS {rss0} -> {rss1} KiB, fds {fds0} -> {fds1}")
        assert (after.buffers, after.buffer_bytes) == (base.buffers, base.buffer_bytes)
        assert rss1 - rss0 < 8 * 1024, "server RSS grew by more than 8 MiB"
        assert fds1 <= fds0 + 2
    finally:
        dev.close()


def test_1000_killed_clients_leak_nothing(server):
    binary = session_client()
    base = usage(server.address)
    pid = server.proc.pid

    def killed_batch(n):
        clients = [subprocess.Popen([binary, server.address, "2", "65536"],
                                    stdout=subprocess.PIPE, text=True) for _ in range(n)]
        for c in clients:
            assert c.stdout.readline().startswith("ready"), "a session client failed"
        for c in clients:
            c.send_signal(signal.SIGKILL)
        for c in clients:
            c.wait()
            c.stdout.close()

    killed_batch(50)  # warm-up: the server's pools reach their working size
    assert wait_until(lambda: usage(server.address).open_sessions == base.open_sessions, 10)
    rss0, fds0, threads0 = (proc_status(pid, "VmRSS"), open_fds(pid),
                            proc_status(pid, "Threads"))
    start = time.monotonic()
    for _ in range(1000 // 25):
        killed_batch(25)
    last_kill = time.monotonic()
    assert wait_until(lambda: usage(server.address).open_sessions == base.open_sessions,
                      FREED_WITHIN_S)
    after = usage(server.address)
    rss1, fds1, threads1 = (proc_status(pid, "VmRSS"), open_fds(pid),
                            proc_status(pid, "Threads"))
    print(f"1000 killed clients in {last_kill - start:.1f} s; all freed "
          f"{time.monotonic() - last_kill:.2f} s after the last kill; RSS {rss0} -> {rss1} KiB, "
          f"fds {fds0} -> {fds1}, threads {threads0} -> {threads1}")
    assert (after.buffers, after.buffer_bytes) == (base.buffers, base.buffer_bytes)
    assert fds1 <= fds0 + 4
    assert threads1 <= threads0 + 4
    assert rss1 - rss0 < 16 * 1024, "server RSS grew by more than 16 MiB"


# -- limits -------------------------------------------------------------------------------

@pytest.fixture
def limited():
    srv = SimServer("--max-session-memory-mb", "8", "--max-total-memory-mb", "12",
                    "--max-handles", "6", "--max-sessions", "3", "--max-streams", "2",
                    "--max-file-mb", "4", "--max-message-mb", "4")
    yield srv
    srv.stop()


def test_memory_limits_name_the_numbers_and_the_server_stays_up(limited):
    a = pynq.RemoteDevice(0, limited.address)
    b = pynq.RemoteDevice(1, limited.address)
    try:
        big = pynq.allocate(shape=(6 << 20,), dtype=np.uint8, target=a)
        with pytest.raises(MemoryError, match=r"past its limit of 8 GiB|past its limit of 8\.0 MiB"):
            pynq.allocate(shape=(3 << 20,), dtype=np.uint8, target=a)
        b_buf = pynq.allocate(shape=(5 << 20,), dtype=np.uint8, target=b)
        with pytest.raises(MemoryError, match=r"past its limit of 12\.0 MiB.*--max-total"):
            pynq.allocate(shape=(2 << 20,), dtype=np.uint8, target=b)
        big.freebuffer()
        pynq.allocate(shape=(2 << 20,), dtype=np.uint8, target=b).freebuffer()
        b_buf.freebuffer()
    finally:
        a.close()
        b.close()
    assert usage(limited.address).buffers == 0


def test_handle_and_session_limits(limited):
    devs = [pynq.RemoteDevice(i, limited.address) for i in range(3)]
    try:
        with pytest.raises(RuntimeError, match=r"3 of 3 sessions are open \(--max-sessions\)"):
            pynq.RemoteDevice(3, limited.address)
        bufs = [pynq.allocate(shape=(16,), dtype=np.uint8, target=devs[0]) for _ in range(6)]
        with pytest.raises(MemoryError, match=r"holds 6 buffer and MMIO handles, the limit is 6"):
            pynq.allocate(shape=(16,), dtype=np.uint8, target=devs[0])
        bufs.pop().freebuffer()
        pynq.allocate(shape=(16,), dtype=np.uint8, target=devs[0])
    finally:
        for d in devs:
            d.close()
    # Closed sessions free their slots: a new client gets in.
    assert wait_until(lambda: usage(limited.address).open_sessions == 0, FREED_WITHIN_S)
    pynq.RemoteDevice(0, limited.address).close()


def test_stream_message_and_file_limits(limited):
    dev = pynq.RemoteDevice(0, limited.address)
    try:
        channel = grpc.insecure_channel(limited.address)
        # One message past --max-message-mb: gRPC refuses it with both sizes.
        stub = board_pb2_grpc.BoardStub(channel)
        buf = pynq.allocate(shape=(1 << 20,), dtype=np.uint8, target=dev)
        with pytest.raises(grpc.RpcError) as error:
            stub.WriteBufferRange(board_pb2.BufferChunk(buffer_id="x", data=bytes(5 << 20)),
                                  timeout=10)
        assert error.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "larger than max" in error.value.details()
        # A file past --max-file-mb.
        with pytest.raises(RuntimeError, match=r"more than 4\.0 MiB.*--max-file-mb"):
            dev.write_file("/lib/firmware/too-big", bytes(5 << 20))
        # Streams: hold two reads open, the third is refused with the limit named.
        gate = threading.Event()

        def slow_requests():
            yield buffer_pb2.BufferWriteRequest(buffer_id=buf.buffer_id, data=b"x")
            gate.wait(10)

        bstub = dev._stub["buffer"]  # carries the session that owns buf
        held = [bstub.write.future(slow_requests()) for _ in range(2)]
        assert wait_until(lambda: usage(limited.address).active_streams == 2, 5)
        third = bstub.write(iter([buffer_pb2.BufferWriteRequest(buffer_id=buf.buffer_id,
                                                                data=b"y")]))
        assert "2 streaming transfers are already in progress" in third.msg
        gate.set()
        for h in held:
            h.result(timeout=10)
        assert wait_until(lambda: usage(limited.address).active_streams == 0, 5)
        buf[:] = 1
        buf.sync_to_device()  # the server is fine
    finally:
        dev.close()


# -- access -------------------------------------------------------------------------------

def _program(dev, designs, name, with_hwh=True, tmp_path=None):
    bitfile = os.path.join(designs, name, name + ".bit")
    if not with_hwh:  # as a PYNQ 3.1 client does it: the bitstream without its .hwh
        import shutil
        copy = tmp_path / (name + "_nohwh.bit")
        shutil.copy(bitfile, copy)
        bitfile = str(copy)
    pynq.Bitstream(bitfile, device=dev).download()


def _mmio_answer(address, base):
    stub = mmio_pb2_grpc.MmioStub(grpc.insecure_channel(address))
    return stub.get_mmio(mmio_pb2.GetMmioRequest(base_addr=base, length=0x1000)).msg


def test_overlay_policy_allows_the_overlays_windows_and_the_ps_pages(server, designs):
    dev = pynq.RemoteDevice(0, server.address)
    try:
        _program(dev, designs, "ref_accel")
        assert not _mmio_answer(server.address, 0xA0000000)  # ref_regs_0
        assert not mmio_pb2_grpc.MmioStub(grpc.insecure_channel(server.address)).get_mmio(
            mmio_pb2.GetMmioRequest(base_addr=0xFF5E00C0, length=16)).msg  # PL clocks
        assert not _mmio_answer(server.address, 0xFD615000)  # FPD_SLCR (port widths)
        refused = _mmio_answer(server.address, 0xA0020000)  # HPM0, nothing mapped
        assert "outside what MMIO may reach" in refused and "--mmio-allow" in refused
        stub = board_stub(server.address)
        with pytest.raises(grpc.RpcError) as error:
            stub.MmioRead(board_pb2.MmioReadRequest(address=0xA0020000, width=4), timeout=5)
        assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED
        # A handle granted under one overlay is re-checked under the next.
        _program(dev, designs, "gpio_intc")
        mmio = dev.mmap(0xA0010000, 0x10000)  # axi_intc_0: 64 KiB in gpio_intc
        mmio.read(0x2000)
        _program(dev, designs, "ref_accel")  # maps 4 KiB there (mem_accel_0)
        mmio.read(0)
        with pytest.raises(RuntimeError, match="outside what MMIO may reach"):
            mmio.read(0x2000)
    finally:
        dev.close()


def test_strict_policy_needs_an_address_map_and_mmio_allow_extends(designs, tmp_path):
    srv = SimServer("--mmio-policy", "strict", "--mmio-allow", "0xA0000000:0x1000")
    dev = pynq.RemoteDevice(0, srv.address)
    try:
        _program(dev, designs, "ref_accel", with_hwh=False, tmp_path=tmp_path)
        assert not _mmio_answer(srv.address, 0xA0000000)  # --mmio-allow
        assert "outside what MMIO may reach" in _mmio_answer(srv.address, 0xA0010000)
        _program(dev, designs, "ref_accel")
        assert not _mmio_answer(srv.address, 0xA0010000)  # now the .hwh maps it
    finally:
        dev.close()
        srv.stop()


def test_open_policy_is_31s_behaviour(designs):
    srv = SimServer("--mmio-policy", "open")
    dev = pynq.RemoteDevice(0, srv.address)
    try:
        _program(dev, designs, "ref_accel")
        assert not _mmio_answer(srv.address, 0xA0020000)
        with pytest.raises(RuntimeError, match="DECERR"):
            dev.mmap(0xA0020000, 0x1000).read(0)
    finally:
        dev.close()
        srv.stop()


@pytest.mark.parametrize("flags, message", [
    (["--mmio-policy", "lax"], "--mmio-policy is overlay|strict|open"),
    (["--mmio-allow", "0xA0000000"], "--mmio-allow wants BASE:SIZE"),
    (["--mmio-allow", "0xA0000000:0"], "--mmio-allow wants BASE:SIZE"),
    (["--mmio-allow", "0xFFFFFFFFFFFFF000:0x2000"], "--mmio-allow wants BASE:SIZE"),
    (["--max-handles", "-1"], "--max-handles wants a whole number"),
    (["--max-session-memory-mb", "lots"], "--max-session-memory-mb wants a whole number"),
])
def test_bad_flags_exit_2_with_the_reason(flags, message):
    binary = os.environ.get("PYNQ_REMOTE_SERVER")
    if not binary:
        pytest.skip("PYNQ_REMOTE_SERVER is not set")
    run = subprocess.run([binary, "--listen", "127.0.0.1:0", *flags], capture_output=True,
                         text=True, timeout=30)
    assert run.returncode == 2
    assert message in run.stderr


@pytest.mark.parametrize("path", [
    "../../../../etc/passwd", "/lib/firmware/../../../etc/passwd", "/proc/../../etc/shadow",
    "/lib/firmware/%2e%2e/%2e%2e/etc/passwd", "/lib/\u2025/etc/passwd", "/lib/firmware\0/x",
    "/lib/firmware/\xc0\xae\xc0\xae/etc", "\\..\\..\\etc\\passwd", "/" + "a/" * 3000,
])
def test_file_rpcs_stay_inside_the_root(server, path):
    dev = pynq.RemoteDevice(0, server.address)
    try:
        try:
            exists = dev.exists_file(path).exists
        except (grpc.RpcError, RuntimeError, ValueError):
            exists = False
        assert not exists
        with pytest.raises((RuntimeError, ValueError, grpc.RpcError)):
            dev.read_file(path)
        with pytest.raises((RuntimeError, ValueError, grpc.RpcError)):
            dev.write_file(path.replace("passwd", "pwned"), b"x")
    finally:
        dev.close()


def test_a_symlink_out_of_the_root_is_not_followed(server):
    link = os.path.join(server.root.name, "lib", "firmware", "escape")
    os.symlink("/etc", link)
    dev = pynq.RemoteDevice(0, server.address)
    try:
        with pytest.raises(RuntimeError, match="escape|outside|root"):
            dev.read_file("/lib/firmware/escape/passwd")
        with pytest.raises(RuntimeError):
            dev.write_file("/lib/firmware/escape/pwned", b"x")
        assert not os.path.exists("/etc/pwned")
    finally:
        dev.close()
