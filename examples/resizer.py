#!/usr/bin/python3
"""PYNQ-HelloWorld's resizer, as its notebook runs it: the only change is the import.

Programs the `resizer` overlay (an AXI DMA and the HLS resize_accel IP with the address map
of the real ZCU104 design), sends a picture through the bilinear resizer and writes the
result as a PNG, printing where it is and how long each step took.

Usage: resizer.py [--image IN.png] [--out OUT.png] [--factor 2] [--width W --height H]
Environment: PYNQ_REMOTE_DEVICES (the board), PYNQ_REMOTE_DESIGNS (the designs directory).
"""

import argparse
import os
import time

import numpy as np
from PIL import Image

import pynq_remote as pynq  # was: import pynq

HERE = os.path.dirname(os.path.abspath(__file__))


class Steps:
    """Prints each step with how long it took."""

    def __init__(self):
        self.t0 = time.perf_counter()

    def __call__(self, text):
        now = time.perf_counter()
        print(f"  [{(now - self.t0) * 1e3:9.1f} ms] {text}")
        self.t0 = now


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image", default=os.path.join(HERE, "images", "test_scene.png"))
    parser.add_argument("--out", default="resized.png")
    parser.add_argument("--factor", type=float, default=2.0,
                        help="divide width and height by this (the notebook's resize_factor)")
    parser.add_argument("--width", type=int, help="output width (overrides --factor)")
    parser.add_argument("--height", type=int, help="output height (overrides --factor)")
    args = parser.parse_args()
    designs = os.environ.get("PYNQ_REMOTE_DESIGNS", "build/designs")
    step = Steps()

    if not os.path.exists(args.image):
        from make_test_image import test_scene
        Image.fromarray(test_scene()).save(args.image)

    # --- the notebook, cell by cell -----------------------------------------------------
    resize_design = pynq.Overlay(os.path.join(designs, "resizer", "resizer.bit"))
    dma = resize_design.axi_dma_0
    resizer = resize_design.resize_accel_0
    step(f"programmed resizer.bit on {resize_design.device.ip_addr}:"
         f"{resize_design.device.port} (board {resize_design.device.board})")

    original_image = Image.open(args.image).convert("RGB")
    old_width, old_height = original_image.size
    new_width = args.width or int(old_width / args.factor)
    new_height = args.height or int(old_height / args.factor)
    in_buffer = pynq.allocate(shape=(old_height, old_width, 3), dtype=np.uint8, cacheable=1)
    out_buffer = pynq.allocate(shape=(new_height, new_width, 3), dtype=np.uint8, cacheable=1)
    in_buffer[:] = np.array(original_image)
    step(f"loaded {args.image} ({old_width}x{old_height}) into a DMA buffer")

    resizer.register_map.src_rows = old_height
    resizer.register_map.src_cols = old_width
    resizer.register_map.dst_rows = new_height
    resizer.register_map.dst_cols = new_width

    def run_kernel():
        dma.sendchannel.transfer(in_buffer)
        dma.recvchannel.transfer(out_buffer)
        resizer.write(0x00, 0x81)  # start
        dma.sendchannel.wait()
        dma.recvchannel.wait()

    run_kernel()
    step(f"resized to {new_width}x{new_height} in the PL")

    resized_image = Image.fromarray(out_buffer)
    resized_image.save(args.out)
    step(f"wrote {os.path.abspath(args.out)}")
    in_buffer.freebuffer()
    out_buffer.freebuffer()


if __name__ == "__main__":
    main()
