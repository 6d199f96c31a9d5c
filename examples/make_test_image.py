#!/usr/bin/python3
"""Makes the example's input picture: a 640x360 RGB test scene drawn from code (sky
gradient, sun, hills, a checkerboard and colour bars), so it is ours to redistribute.

Usage: make_test_image.py [OUT.png]   (default: images/test_scene.png beside this script)
"""

import os
import sys

import numpy as np
from PIL import Image


def test_scene(width=640, height=360):
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    img = np.zeros((height, width, 3), np.float32)
    sky = y / height
    img[..., 0] = 70 + 120 * sky
    img[..., 1] = 130 + 90 * sky
    img[..., 2] = 230 - 40 * sky
    sun = (x - 0.78 * width) ** 2 + (y - 0.22 * height) ** 2 < (0.08 * height) ** 2
    img[sun] = (255, 214, 90)
    hills = y > height * (0.62 + 0.08 * np.sin(x / width * 9.0))
    img[hills] = np.stack([40 + 0 * x, 120 + 60 * np.cos(x / 37.0), 50 + 0 * x], -1)[hills]
    board = (y > 0.72 * height) & (x < 0.3 * width)
    checks = ((x // 12 + y // 12) % 2 == 0)
    img[board & checks] = (250, 250, 250)
    img[board & ~checks] = (20, 20, 20)
    bars = [(255, 255, 255), (255, 255, 0), (0, 255, 255), (0, 255, 0), (255, 0, 255),
            (255, 0, 0), (0, 0, 255)]
    for i, colour in enumerate(bars):
        region = (y < 0.12 * height) & (x >= i * width / 14) & (x < (i + 1) * width / 14)
        img[region] = colour
    return np.clip(img + 0.5, 0, 255).astype(np.uint8)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "images", "test_scene.png")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    Image.fromarray(test_scene()).save(out)
    print(out)


if __name__ == "__main__":
    main()
