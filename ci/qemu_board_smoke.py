#!/usr/bin/python3
"""The cross-built server on a fake board: an end-to-end smoke test under qemu-user.

Starts `qemu-aarch64 -L / SERVER --backend zynq --root DIR --listen 127.0.0.1:0` on a fake
ZynqMP board tree (hil-tests/fake_board/make_fake_board.py: sysfs FPGA manager,
lib/firmware, a sparse file as /dev/mem, a u-dma-buf device) and drives it from this host
with the Python client (client/python, Debian's python3-grpcio):

  - `file` says the binary is built for the board's architecture;
  - Board.GetInfo says backend zynq and arch aarch64 (the kernel qemu-user shows it);
  - an MMIO write + read round trip on the PL window at 0xA000_0000, seen in the fake
    /dev/mem at that offset (so the server's mapping of physical memory works);
  - a buffer allocated, written and read back, seen in dev/udmabuf0;
  - a bitstream programmed through the FPGA manager (the fake one takes any bytes);
  - SIGTERM stops the server with exit code 0.

Usage: ci/qemu_board_smoke.py --server build-aarch64/server/pynq-remote-server
       ci/qemu_board_smoke.py --server build-armhf/server/pynq-remote-server --qemu qemu-arm \
           --arch armv7l --family zynq7000     (a Zynq-7000 build: PL window 0x4000_0000)
       [--qemu qemu-aarch64 | --qemu none --arch x86_64 (a host build, run directly)]
Exits 0 when every check passes; prints the server's log otherwise. Run by ci/cross-build.sh.
"""

import argparse
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "client", "python"))

import numpy as np  # noqa: E402
import pynq_remote  # noqa: E402
from pynq_remote._proto.pynq_remote.v1 import board_pb2, board_pb2_grpc  # noqa: E402

FAKE_BOARD = os.path.join(ROOT, "hil-tests", "fake_board", "make_fake_board.py")
# What `file` prints for a binary of each architecture PYNQ names.
# (x86_64: a host build run directly with --qemu none, to try this script.)
FILE_WORDS = {"aarch64": "ARM aarch64", "armv7l": "ARM, EABI5", "x86_64": "x86-64"}
# The architecture each fake board's /proc/version names.
FAMILY_ARCH = {"zynqmp": "aarch64", "zynq7000": "armv7l"}
# The PL window the MMIO check uses: M_AXI_HPM0_FPD (ZynqMP), M_AXI_GP0 (Zynq-7000).
PL_WINDOW = {"zynqmp": 0xA0000000, "zynq7000": 0x40000000}
# Seconds for the emulated server to start and to stop: qemu-user on a loaded 2-core machine.
START_TIMEOUT_S = 120
STOP_TIMEOUT_S = 60


class Failure(Exception):
    pass


def check(condition, what):
    if not condition:
        raise Failure(what)
    print(f"qemu-board-smoke: ok: {what}", flush=True)


def start_server(command, log):
    """Starts the server; returns (process, port) once it prints that it is listening."""
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True,
                            stdin=subprocess.DEVNULL)
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if not selector.select(timeout=1):
            if proc.poll() is not None:
                break
            continue
        line = proc.stdout.readline()
        if not line:
            break
        print(f"server: {line.rstrip()}", flush=True)
        if "listening on" in line:
            port = int(line.rsplit(":", 1)[1])
            return proc, port
    proc.kill()
    proc.wait()
    raise Failure(f"the server did not start listening within {START_TIMEOUT_S} s "
                  f"(exit code {proc.returncode})")


def read_at(path, offset, size):
    with open(path, "rb") as f:
        f.seek(offset)
        return f.read(size)


def smoke(args, board, server_log):
    out = subprocess.run(["file", "-L", args.server], check=True, capture_output=True,
                         text=True).stdout
    check(FILE_WORDS[args.arch] in out, f"the server is an {args.arch} binary: {out.strip()}")

    subprocess.run([sys.executable, FAKE_BOARD, board, "--family", args.family,
                    "--udmabuf-mb", "16"], check=True, stdout=subprocess.DEVNULL)
    command = [] if args.qemu == "none" else [args.qemu, "-L", "/"]
    command += [args.server, "--backend", "zynq", "--root", board,
                "--listen", "127.0.0.1:0"]
    print(f"qemu-board-smoke: {' '.join(command)}", flush=True)
    proc, port = start_server(command, server_log)
    try:
        device = pynq_remote.RemoteDevice(0, f"127.0.0.1:{port}", timeout=60)
        try:
            run_checks(args, board, device)
        finally:
            device.close()
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise Failure(f"the server did not stop within {STOP_TIMEOUT_S} s of SIGTERM")
    check(code == 0, f"SIGTERM stops the server with exit code 0 (got {code})")


def run_checks(args, board, device):
    info = device.info
    check(info is not None, "the server answers pynq_remote.v1.Board/GetInfo")
    check(info.backend == "zynq", f"backend zynq (got {info.backend!r})")
    check(info.arch == args.arch, f"the server reports arch {args.arch} (got {info.arch!r})")
    family_arch = FAMILY_ARCH[args.family]
    check(device.arch == family_arch, f"the client reads {family_arch} in the board's /proc/version")
    print(f"qemu-board-smoke: board {info.board!r}, part {info.part!r}, "
          f"server {info.server_version}", flush=True)

    # MMIO: the fake /dev/mem is plain memory, at the physical address as file offset.
    window = PL_WINDOW[args.family]
    mmio = pynq_remote.MMIO(window, 0x1000, device=device)
    mmio.write(0x0, 0xDEADBEEF)
    mmio.write(0x10, 0x12345678)
    mmio.write(0x20, (0x0123456789ABCDEF).to_bytes(8, "little"))
    check(mmio.read(0x0) == 0xDEADBEEF and mmio.read(0x10) == 0x12345678 and
          mmio.read(0x20, 8) == 0x0123456789ABCDEF, f"MMIO write + read round trip at 0x{window:x}")
    dev_mem = os.path.join(board, "dev", "mem")
    check(read_at(dev_mem, window, 4) == (0xDEADBEEF).to_bytes(4, "little") and
          read_at(dev_mem, window + 0x20, 8) == (0x0123456789ABCDEF).to_bytes(8, "little"),
          "the MMIO writes reached the board's /dev/mem")

    # A buffer from the u-dma-buf device.
    data = np.arange(1 << 18, dtype=np.uint32) * 2654435761 % (1 << 32)
    data = data.astype(np.uint32)
    buf = pynq_remote.allocate(shape=data.shape, dtype=np.uint32, target=device)
    buf[:] = data
    buf.flush()
    buf.invalidate()
    check(buf.tobytes() == data.tobytes() and buf[12345] == data[12345],
          f"a {data.nbytes >> 10} KiB buffer at 0x{buf.physical_address:x} written and read back")
    sysfs = os.path.join(board, "sys", "class", "u-dma-buf", "udmabuf0", "phys_addr")
    with open(sysfs) as f:
        udmabuf_base = int(f.read().strip(), 0)
    offset = buf.physical_address - udmabuf_base
    check(read_at(os.path.join(board, "dev", "udmabuf0"), offset, data.nbytes) ==
          data.tobytes(), "the buffer's bytes are in the board's dev/udmabuf0")
    buf.freebuffer()

    # Programming: the fake FPGA manager takes any bytes.
    with tempfile.TemporaryDirectory(prefix="qemu-smoke-bit.") as tmp:
        bitfile = os.path.join(tmp, "smoke_design.bin")
        payload = os.urandom(64 << 10)
        with open(bitfile, "wb") as f:
            f.write(payload)
        pynq_remote.Bitstream(bitfile, device=device).download()
    firmware = os.path.join(board, "lib", "firmware", "smoke_design.bin")
    check(os.path.exists(firmware) and open(firmware, "rb").read() == payload,
          "the bitstream landed in the board's /lib/firmware")
    stub = board_pb2_grpc.BoardStub(device.client.channel)
    after = stub.GetInfo(board_pb2.GetInfoRequest(), timeout=60,
                         metadata=device.session.metadata)
    check(after.fpga_state == "operating",
          f"programmed: the FPGA manager reports {after.fpga_state!r}, design "
          f"{after.loaded_design!r}")


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", required=True, help="the pynq-remote-server binary")
    parser.add_argument("--qemu", default="qemu-aarch64",
                        help="the qemu-user program; 'none' runs a host build directly")
    parser.add_argument("--arch", default="aarch64", choices=sorted(FILE_WORDS))
    parser.add_argument("--family", default="zynqmp", choices=["zynqmp", "zynq7000"])
    parser.add_argument("--keep", action="store_true", help="keep the fake board tree")
    args = parser.parse_args(argv)
    if args.qemu != "none" and shutil.which(args.qemu) is None:
        print(f"qemu-board-smoke: {args.qemu} is not installed (Debian package qemu-user)",
              file=sys.stderr)
        return 1

    board = tempfile.mkdtemp(prefix="qemu-smoke-board.")
    log_path = os.path.join(board + ".server.log")
    started = time.monotonic()
    try:
        with open(log_path, "w+") as log:
            try:
                smoke(args, board, log)
            except (Failure, Exception) as error:
                log.flush()
                log.seek(0)
                print(f"qemu-board-smoke: FAILED: {type(error).__name__}: {error}\n"
                      f"--- the server's log ---\n{log.read()}--- end ---", file=sys.stderr)
                return 1
    finally:
        if args.keep:
            print(f"qemu-board-smoke: board tree kept in {board}")
        else:
            shutil.rmtree(board, ignore_errors=True)
        os.unlink(log_path)
    print(f"qemu-board-smoke: passed in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
