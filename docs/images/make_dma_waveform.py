#!/usr/bin/python3
"""Makes docs/images/dma_waveform.png: a 64-word DMA loopback on a simulated board, traced
with pynq_remote.trace (scope axi_dma_0) and shown in GTKWave on a virtual X display.

Usage: make_dma_waveform.py BUILD_DIR [OUT.png]
Needs Debian's gtkwave, xvfb (xvfb-run) and imagemagick (import), and a build of the server
and designs in BUILD_DIR (PYNQ_REMOTE_DESIGNS, when set, names another designs folder).
"""

import os
import socket
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "client", "python"))

import numpy as np  # noqa: E402
import pynq_remote as pynq  # noqa: E402

WORDS = 64
SIZE = "1280x600"
# Long enough for GTKWave to load the file and draw; the picture is taken once, not tested.
DRAW_SECONDS = 6


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def trace_a_transfer(build, path):
    root = tempfile.mkdtemp(prefix="pynq-remote-root-")
    address = f"127.0.0.1:{free_port()}"
    server = subprocess.Popen([os.path.join(build, "server", "pynq-remote-server"), "--backend",
                               "sim", "--listen", address, "--root", root],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        while "listening" not in server.stdout.readline():
            if server.poll() is not None:
                sys.exit("pynq-remote-server did not start")
        dev = pynq.RemoteDevice(0, address)
        designs = os.environ.get("PYNQ_REMOTE_DESIGNS") or os.path.join(build, "designs")
        dma = pynq.Overlay(os.path.join(designs, "dma_loopback", "dma_loopback.bit"),
                           device=dev).axi_dma_0
        src = pynq.allocate((WORDS,), np.uint32, target=dev)
        dst = pynq.allocate((WORDS,), np.uint32, target=dev)
        src[:] = np.arange(WORDS, dtype=np.uint32) * 0x01010101
        with pynq.trace(path, scopes=["axi_dma_0"], device=dev) as t:
            dma.recvchannel.transfer(dst)
            dma.sendchannel.transfer(src)
            dma.sendchannel.wait()
            dma.recvchannel.wait()
        assert np.array_equal(dst[:], src[:])
        dev.close()
        return t.report
    finally:
        server.terminate()
        server.wait()


def activity(fst):
    """(first, last) time in ps at which a valid of the DMA's data path changes (its AXI-Lite
    port stays busy to the end: the client polls the status register)."""
    vcd = subprocess.run(["fst2vcd", "-f", fst], capture_output=True, text=True,
                         check=True).stdout
    times, now, valids, stamps = [], 0, set(), 0
    for line in vcd.splitlines():
        words = line.split()
        if words[:1] == ["$var"] and words[4].endswith("valid") and \
                words[4].startswith(("m_axi_mm2s", "m_axis_mm2s", "s_axis_s2mm", "m_axi_s2mm")):
            valids.add(words[3])
        elif line.startswith("#"):
            now = int(line[1:])
            stamps += 1
        elif stamps > 1 and words and words[0][0] in "01" and words[0][1:] in valids:
            times.append(now)  # after the first time stamp: its values are the initial ones
    return times[0], times[-1]


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    build = os.path.abspath(sys.argv[1])
    out = os.path.abspath(sys.argv[2] if len(sys.argv) == 3 else
                          os.path.join(HERE, "dma_waveform.png"))
    with tempfile.TemporaryDirectory() as work:
        os.chdir(work)  # GTKWave's title shows the file's name as given: dma.fst
        report = trace_a_transfer(build, "dma.fst")
        print(f"traced PL cycles {report.start_cycle}..{report.end_cycle}, "
              f"{report.size_bytes} bytes")
        first, last = activity("dma.fst")
        print(f"the transfer: {first} to {last} ps")
        margin = (last - first) // 10
        with open("zoom.tcl", "w") as f:
            f.write(f"set zoom_from {first - margin}\nset zoom_to {last + margin}\n"
                    f"source {HERE}/dma_waveform.tcl\n")
        width, height = SIZE.split("x")
        show = (f"gtkwave --rcvar 'hide_sst on' --rcvar 'initial_window_x {width}' "
                f"--rcvar 'initial_window_y {height}' -S zoom.tcl dma.fst "
                f">/dev/null 2>&1 & pid=$!; sleep {DRAW_SECONDS}; "
                f"import -window root -crop {SIZE}+0+0 +repage {out}; kill $pid")
        subprocess.run(["xvfb-run", "-a", "-s", f"-screen 0 {SIZE}x24", "sh", "-c", show],
                       check=True)
        os.chdir(HERE)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
