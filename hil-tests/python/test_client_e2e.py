"""pynq_remote end to end: connect, program, MMIO, buffers and the accelerator, on the
board under test (a simulated board by default; PYNQ_REMOTE_DEVICES for hardware)."""

import grpc
import numpy as np
import pytest

import pynq_remote as pynq

REGS = 0xA0000000
ACCEL = 0xA0010000
ID, VERSION, SCRATCH0, CYCLE_LO = 0x00, 0x04, 0x10, 0x20
CTRL, SRC_LO, SRC_HI, DST_LO, DST_HI, LENGTH, OP, CONSTANT = (
    0x00, 0x10, 0x14, 0x1C, 0x20, 0x28, 0x30, 0x38)
AP_START, AP_DONE, AP_IDLE = 0x1, 0x2, 0x4


def test_connect_reports_arch_and_board(device):
    assert device.arch in ("aarch64", "armv7l")
    assert device.get_arch() == device.arch
    assert device.exists_file("/proc/version").exists
    assert not device.exists_file("/no/such/file").exists


def test_program_leaves_fpga_manager_operating(device, ref_accel):
    state, flags = device.initial_global_state_file_boot_check()
    assert state == "operating"
    assert flags == "0"


def test_scratch_round_trip_at_every_value_range(device, ref_accel):
    regs = pynq.MMIO(REGS, 0x1000, device=device)
    for value in (0, 1, 0x7FFFFFFF, 0x80000000, 0xDEADBEEF, 0xFFFFFFFF):
        regs.write(SCRATCH0, value)
        assert regs.read(SCRATCH0) == value


def test_sub_word_and_64_bit_access(device, ref_accel):
    regs = pynq.MMIO(REGS, 0x1000, device=device)
    regs.write(SCRATCH0, np.uint64(0x0123456789ABCDEF))
    assert regs.read(SCRATCH0, 8) == 0x0123456789ABCDEF
    assert regs.read(SCRATCH0) == 0x89ABCDEF
    assert regs.read(SCRATCH0 + 4) == 0x01234567
    assert regs.read(SCRATCH0, 1) == 0xEF
    assert regs.read(SCRATCH0 + 2, 2) == 0x89AB
    regs.write(SCRATCH0, b"\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\xcc")
    assert [regs.read(SCRATCH0 + 4 * i) for i in range(3)] == [
        0x44332211, 0x88776655, 0xCCBBAA99]


def test_register_array_view(device, ref_accel):
    regs = pynq.MMIO(REGS, 0x1000, device=device)
    regs.array[SCRATCH0 // 4] = 0xA5A5A5A5
    assert regs.array[SCRATCH0 // 4] == 0xA5A5A5A5


def test_cycle_counter_advances(device, ref_accel):
    regs = pynq.MMIO(REGS, 0x1000, device=device)
    first = regs.read(CYCLE_LO, 8)
    second = regs.read(CYCLE_LO, 8)
    assert second > first


@pytest.mark.parametrize("dtype", ["u1", "i1", "u2", "i2", "u4", "i4", "u8", "i8", "f4", "f8",
                                   "c8", "c16", "?"])
def test_buffer_round_trip_per_dtype(device, dtype):
    rng = np.random.default_rng(7)
    data = rng.integers(0, 255, 1000).astype(dtype)
    with pynq.allocate(shape=data.shape, dtype=dtype, target=device) as buf:
        buf[:] = data
        assert np.array_equal(buf, data)
        assert buf.dtype == np.dtype(dtype)
        assert buf.physical_address % 4096 == 0


@pytest.mark.parametrize("nbytes", [1, 4095, 4096, 4097, 3 << 20, 64 << 20])
def test_buffer_sizes(device, nbytes):
    data = np.random.default_rng(nbytes).integers(0, 256, nbytes, dtype=np.uint8)
    buf = pynq.allocate(shape=(nbytes,), dtype=np.uint8, target=device)
    buf[:] = data
    buf.invalidate()
    assert buf.tobytes() == data.tobytes()
    assert buf[nbytes - 1] == data[-1]
    buf.freebuffer()


def test_element_and_slice_access_move_only_their_bytes(device):
    buf = pynq.allocate(shape=(1 << 20,), dtype=np.uint32, target=device)
    buf[:] = np.arange(1 << 20, dtype=np.uint32)
    assert buf[12345] == 12345
    assert list(buf[10:14]) == [10, 11, 12, 13]
    assert list(buf[-2:]) == [(1 << 20) - 2, (1 << 20) - 1]
    buf[5] = 99
    buf[100:104] = [1, 2, 3, 4]
    buf[200:210:3] = 7  # strided: the gaps between must survive
    buf.invalidate()
    assert buf[5] == 99 and list(buf[100:104]) == [1, 2, 3, 4]
    assert list(buf[200:210]) == [7, 201, 202, 7, 204, 205, 7, 207, 208, 7]
    buf.freebuffer()


def test_numpy_sees_the_buffer_without_slicing(device):
    data = np.arange(64, dtype=np.uint8).reshape(8, 8)
    buf = pynq.allocate(shape=(8, 8), dtype=np.uint8, target=device)
    buf[:] = data
    assert np.array_equal(buf, data)
    assert np.array_equal(np.asarray(buf), data)
    assert buf.tobytes() == data.tobytes()
    assert np.array_equal(buf + 1, data + 1)
    assert int(buf.sum()) == int(data.sum())
    from PIL import Image
    image = Image.fromarray(buf)
    assert image.size == (8, 8) and image.getpixel((3, 2)) == data[2, 3]
    buf.freebuffer()


def run_accel(accel, src, dst, nbytes, op, constant=0):
    for offset, value in ((SRC_LO, src.physical_address & 0xFFFFFFFF),
                          (SRC_HI, src.physical_address >> 32),
                          (DST_LO, dst.physical_address & 0xFFFFFFFF),
                          (DST_HI, dst.physical_address >> 32),
                          (LENGTH, nbytes), (OP, op), (CONSTANT, constant)):
        accel.write(offset, value)
    accel.write(CTRL, AP_START)
    for _ in range(20000):
        if accel.read(CTRL) & (AP_DONE | AP_IDLE):
            return
    raise AssertionError("accelerator did not finish")


@pytest.mark.parametrize("op,constant", [(0, 0), (1, 7), (1, 0xFFFFFFFF)])
def test_accelerator_against_numpy(device, ref_accel, op, constant):
    n = 256 * 1024
    data = np.random.default_rng(op + constant).integers(0, 1 << 32, n, dtype=np.uint32)
    src = pynq.allocate(shape=(n,), dtype=np.uint32, target=device)
    dst = pynq.allocate(shape=(n,), dtype=np.uint32, target=device)
    src[:] = data
    src.flush()
    accel = pynq.MMIO(ACCEL, 0x1000, device=device)
    run_accel(accel, src, dst, src.nbytes, op, constant)
    dst.invalidate()
    expected = data if op == 0 else data + np.uint32(constant)
    assert np.array_equal(dst, expected)
    src.freebuffer()
    dst.freebuffer()


def test_many_buffers(device):
    buffers = [pynq.allocate(shape=(1024,), dtype=np.uint32, target=device)
               for _ in range(200)]
    for i, buf in enumerate(buffers):
        buf[0] = i
    assert [int(buf[0]) for buf in buffers] == list(range(200))
    addresses = {buf.physical_address for buf in buffers}
    assert len(addresses) == 200
    for buf in buffers:
        buf.freebuffer()


# -- errors ------------------------------------------------------------------------------

def test_freed_buffer_refuses_access(device):
    buf = pynq.allocate(shape=(16,), dtype=np.uint32, target=device)
    buf.freebuffer()
    with pytest.raises(RuntimeError, match="freed"):
        buf[0]


def test_mmio_outside_every_window_is_refused(device):
    with pytest.raises(RuntimeError):
        pynq.MMIO(0x12345000, 0x1000, device=device)


def test_unaligned_and_bad_width_mmio(device, ref_accel):
    regs = pynq.MMIO(REGS, 0x1000, device=device)
    with pytest.raises(MemoryError):
        regs.read(2)
    with pytest.raises(ValueError):
        regs.read(0, 3)
    with pytest.raises(IndexError):
        regs.read(0x1000)


def test_address_the_overlay_does_not_map_is_refused_not_a_hang(device, ref_accel):
    # The server's default policy: MMIO only where the loaded overlay's .hwh maps an IP
    # (the bus would answer DECERR there; see test_faults for that with the policy open).
    with pytest.raises(RuntimeError, match="outside what MMIO may reach.*ref_regs_0"):
        pynq.MMIO(0xA0F00000, 0x1000, device=device)
    assert pynq.MMIO(REGS, 0x1000, device=device).read(SCRATCH0) is not None


def test_huge_and_negative_allocations(device):
    with pytest.raises(ValueError):
        pynq.allocate(shape=(-1,), dtype=np.uint8, target=device)
    with pytest.raises(MemoryError):
        pynq.allocate(shape=(64 << 30,), dtype=np.uint8, target=device)
    pynq.allocate(shape=(16,), dtype=np.uint8, target=device).freebuffer()


def test_unknown_bitstream_leaves_board_usable(device, designs, tmp_path):
    bad = tmp_path / "garbage.bin"
    bad.write_bytes(b"\x00\x01\x02\x03" * 64)
    with pytest.raises(RuntimeError, match="garbage.bin|bitstream"):
        pynq.Bitstream(str(bad), device=device).download()
    pynq.Bitstream(f"{designs}/ref_accel/ref_accel.bit", device=device).download()
    regs = pynq.MMIO(REGS, 0x1000, device=device)
    regs.write(SCRATCH0, 5)
    assert regs.read(SCRATCH0) == 5


def test_connect_to_nothing_names_the_address():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(RuntimeError, match=f"127.0.0.1:{port}"):
        pynq.RemoteDevice(0, f"127.0.0.1:{port}")


def test_server_errors_keep_the_channel_healthy(device):
    with pytest.raises((RuntimeError, grpc.RpcError)):
        device.read_file("/../../etc/passwd")
    assert device.exists_file("/proc/version").exists


def test_views_and_copies(device):
    buf = pynq.allocate(shape=(64,), dtype=np.uint16, target=device)
    buf[:] = np.arange(64, dtype=np.uint16)
    grid = buf.reshape(8, 8)
    assert grid[2, 3] == 19
    grid[7, 7] = 1000  # a view writes through to the board
    snapshot = buf.copy()
    assert type(snapshot) is np.ndarray and snapshot[63] == 1000
    buf[0] = 5
    assert snapshot[0] == 0  # a copy is the contents at the time, not a live view
    buf.invalidate()
    assert buf[63] == 1000 and buf[0] == 5
    buf.freebuffer()


def test_deleted_and_with_buffers_are_freed_on_the_board(device):
    # 40 x 64 MiB is more than the board's buffer memory: it only fits if every
    # buffer is given back when the object goes away.
    for i in range(20):
        buf = pynq.allocate(shape=(64 << 20,), dtype=np.uint8, target=device)
        buf[i] = 1
        del buf
    for _ in range(20):
        with pynq.allocate(shape=(64 << 20,), dtype=np.uint8, target=device) as buf:
            buf[0] = 1


def test_server_message_reaches_the_exception(device):
    with pytest.raises(RuntimeError, match=r"0x12345000.*window|window.*0x12345000"):
        pynq.MMIO(0x12345000, 0x1000, device=device)


def test_bad_bitstream_files(device, tmp_path):
    with pytest.raises(IOError, match="does not exist"):
        pynq.Bitstream(str(tmp_path / "missing.bit"), device=device)
    odd = tmp_path / "design.txt"
    odd.write_text("x")
    with pytest.raises(RuntimeError, match="Unknown file format"):
        pynq.Bitstream(str(odd), device=device).download()
    truncated = tmp_path / "cut.bit"
    truncated.write_bytes(b"\x00\x09\x0f\xf0")
    with pytest.raises(ValueError, match="truncated"):
        pynq.Bitstream(str(truncated), device=device).download()


def test_mmio_write_values_that_do_not_fit(device, ref_accel):
    regs = pynq.MMIO(REGS, 0x1000, device=device)
    with pytest.raises(ValueError, match="32-bit"):
        regs.write(SCRATCH0, 1 << 32)
    with pytest.raises(ValueError):
        regs.write(SCRATCH0, "text")
    with pytest.raises(MemoryError):
        regs.write(SCRATCH0, b"\x01\x02\x03")
    regs.write(SCRATCH0, -1)  # a negative int32 is its two's complement, as in PYNQ
    assert regs.read(SCRATCH0) == 0xFFFFFFFF


def test_freed_buffer_twice_and_its_address(device):
    buf = pynq.allocate(shape=(16,), dtype=np.uint8, target=device)
    buf.freebuffer()
    buf.freebuffer()  # a second free is a no-op, as in PYNQ
    with pytest.raises(RuntimeError, match="freed"):
        buf.physical_address


def test_missing_file_carries_the_server_message(device):
    with pytest.raises(RuntimeError, match="/no/such/file"):
        device.read_file("/no/such/file")


def test_download_with_parser_sets_ps_port_widths(device, designs):
    from pynq_remote.pl_server.remote_device import RemoteBitfileHandler
    bitfile = f"{designs}/ref_accel/ref_accel.bit"
    parser = RemoteBitfileHandler(bitfile).get_parser()
    assert parser.family_ps == "zynq_ultra_ps_e"
    params = parser.ip_dict[parser.ps_name]["parameters"]
    ps = pynq.MMIO(0xFD380000, 0x1000, device=device)  # AFIFM2: S_AXI_HP0_FPD
    ps.write(0x0, 0x3)
    ps.write(0x14, 0x3)
    device.download(pynq.Bitstream(bitfile, device=device), parser)
    expected = {"32": 2, "64": 1, "128": 0}[params["C_SAXIGP2_DATA_WIDTH"]]
    assert ps.read(0x0) & 0x3 == expected
    assert ps.read(0x14) & 0x3 == expected
    slcr = pynq.MMIO(0xFD615000, 0x1000, device=device)  # FPD_SLCR AXI_FS
    width = {"32": 0, "64": 1, "128": 2}[params["C_MAXIGP0_DATA_WIDTH"]]
    assert (slcr.read(0x0) >> 8) & 0x3 == width


@pytest.mark.parametrize("kind", ["bin", "xsa"])
def test_download_bin_and_xsa(device, designs, tmp_path, kind):
    import zipfile
    from pynq_remote.pl_server.bitstream_file import bit_to_bin
    bit = open(f"{designs}/ref_accel/ref_accel.bit", "rb").read()
    if kind == "bin":
        path = tmp_path / "ref_accel.bin"
        path.write_bytes(bit_to_bin(bit))
    else:
        path = tmp_path / "ref_accel.xsa"
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("ref_accel.bit", bit)
            z.write(f"{designs}/ref_accel/ref_accel.hwh", "ref_accel.hwh")
        from pynq_remote.pl_server.remote_device import RemoteXsafileHandler
        assert "ref_regs_0" in RemoteXsafileHandler(path).get_parser().ip_dict
    pynq.Bitstream(str(path), device=device).download()
    regs = pynq.MMIO(REGS, 0x1000, device=device)
    assert regs.read(ID) == 0x52454641


def test_read_file_to_a_local_copy(device, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    name = device.read_file("/proc/version", output_as_string=False)
    assert (tmp_path / name).read_bytes() == device.read_file("/proc/version")
