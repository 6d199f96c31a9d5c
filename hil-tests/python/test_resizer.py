"""PYNQ-HelloWorld's resizer on the board under test: the notebook's flow through
pynq_remote, checked against the RTL's fixed-point model and floating-point bilinear."""

import shutil

import numpy as np
import pytest

import pynq_remote as pynq
from resize_model import resize_fixed, resize_float
from third_party_data import third_party_file


def load(device, bitfile):
    """A fresh download per frame: with auto_restart (0x81) the core re-arms itself with
    the sizes it already took, as the HLS hardware does."""
    return pynq.Overlay(bitfile, device=device)


def run(overlay, image, dst_rows, dst_cols, device, in_shape=None):
    """The notebook's run_kernel: transfers, start with auto_restart, both waits."""
    dma, resizer = overlay.axi_dma_0, overlay.resize_accel_0
    src_rows, src_cols = image.shape[:2]
    in_buffer = pynq.allocate(shape=in_shape or image.shape, dtype=np.uint8, cacheable=1,
                              target=device)
    out_buffer = pynq.allocate(shape=(dst_rows, dst_cols, 3), dtype=np.uint8, cacheable=1,
                               target=device)
    if in_shape is None:
        in_buffer[:] = image
    resizer.register_map.src_rows = src_rows
    resizer.register_map.src_cols = src_cols
    resizer.register_map.dst_rows = dst_rows
    resizer.register_map.dst_cols = dst_cols
    try:
        dma.sendchannel.transfer(in_buffer)
        dma.recvchannel.transfer(out_buffer)
        resizer.write(0x00, 0x81)
        dma.sendchannel.wait()
        dma.recvchannel.wait()
        return out_buffer.copy()
    finally:
        in_buffer.freebuffer()
        out_buffer.freebuffer()


@pytest.fixture(scope="module")
def bitfile(designs):
    return f"{designs}/resizer/resizer.bit"


def picture(rows, cols, seed):
    """A smooth scene with noise on it: both gradients and sharp edges matter."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:rows, 0:cols]
    base = np.stack([x * 255 // max(cols - 1, 1), y * 255 // max(rows - 1, 1),
                     (x + y) * 127 // max(rows + cols - 2, 1)], -1)
    return np.clip(base + rng.integers(-40, 40, (rows, cols, 3)), 0, 255).astype(np.uint8)


def test_identity_500x500_is_byte_for_byte(device, bitfile):
    image = picture(500, 500, 1)
    out = run(load(device, bitfile), image, 500, 500, device)
    assert np.array_equal(out, image)


@pytest.mark.parametrize("src,dst", [((360, 640), (180, 320)), ((75, 100), (250, 333)),
                                     ((5, 7), (11, 3)), ((13, 7), (6, 29)), ((1, 1), (1, 1)),
                                     ((1, 1), (4, 4)), ((4, 4), (1, 1))])
def test_resize_matches_the_models(device, bitfile, src, dst):
    image = picture(*src, seed=src[0] * 7 + dst[1])
    out = run(load(device, bitfile), image, *dst, device)
    assert np.array_equal(out, resize_fixed(image, *dst))
    diff = np.abs(out.astype(int) - resize_float(image, *dst).astype(int))
    assert diff.max() <= 1


def test_maximum_size(device, bitfile):
    image = picture(1080, 1920, 3)
    overlay = load(device, bitfile)
    assert np.array_equal(run(overlay, image, 1080, 1920, device), image)
    out = run(load(device, bitfile), image, 360, 640, device)
    assert np.array_equal(out, resize_fixed(image, 360, 640))


@pytest.mark.parametrize("src,dst", [((0, 64), (32, 32)), ((64, 64), (32, 0)),
                                     ((64, 1921), (32, 32)), ((1081, 64), (32, 32))])
def test_sizes_outside_1x1_to_1920x1080_fail_clearly(device, bitfile, src, dst):
    overlay = load(device, bitfile)
    image = np.zeros((max(src[0], 1), max(src[1], 1), 3), np.uint8)
    dma, resizer = overlay.axi_dma_0, overlay.resize_accel_0
    in_buffer = pynq.allocate(image.shape, np.uint8, target=device)
    out_buffer = pynq.allocate((max(dst[0], 1), max(dst[1], 1), 3), np.uint8, target=device)
    rm = resizer.register_map
    rm.src_rows, rm.src_cols, rm.dst_rows, rm.dst_cols = src[0], src[1], dst[0], dst[1]
    dma.sendchannel.transfer(in_buffer)
    dma.recvchannel.transfer(out_buffer)
    resizer.write(0x00, 0x81)
    with pytest.raises(RuntimeError, match="cannot complete"):
        dma.sendchannel.wait()
    in_buffer.freebuffer()
    out_buffer.freebuffer()
    image = picture(8, 8, 4)  # the board is usable again after a reload
    assert np.array_equal(run(load(device, bitfile), image, 8, 8, device), image)


def test_buffer_smaller_than_the_sizes_fails_clearly(device, bitfile):
    image = picture(64, 64, 5)
    with pytest.raises(RuntimeError, match="cannot complete"):
        run(load(device, bitfile), image, 32, 32, device, in_shape=(32, 64, 3))
    assert np.array_equal(run(load(device, bitfile), image, 64, 64, device), image)


def test_the_real_vivado_hwh_beside_the_sim_bit(device, bitfile, tmp_path):
    real_hwh = third_party_file("hwh/zcu104_resizer.hwh")
    shutil.copy(bitfile, tmp_path / "resizer.bit")
    shutil.copy(real_hwh, tmp_path / "resizer.hwh")
    overlay = pynq.Overlay(str(tmp_path / "resizer.bit"), device=device)
    assert overlay.ip_dict["resize_accel_0"]["phys_addr"] == 0xA0010000
    image = picture(360, 640, 6)
    out = run(overlay, image, 180, 320, device)
    assert np.array_equal(out, resize_fixed(image, 180, 320))
