"""The PYNQ.remote classes: a board on the network behind a gRPC channel.

Names, signatures and behaviour follow ``pynq.pl_server.remote_device`` of PYNQ 3.1/4.0;
where 3.1 is weak (re-uploading a changed bitstream, full-width MMIO values, ranged
buffer access) this module does better and says so.
"""

import hashlib
import os
import warnings
from pathlib import Path

import grpc
import numpy as np

from .._proto import (buffer_pb2, buffer_pb2_grpc, gpio_pb2_grpc, interrupt_pb2_grpc,
                      mmio_pb2_grpc, remote_device_pb2, remote_device_pb2_grpc)
from .._proto.pynq_remote.v1 import board_pb2, board_pb2_grpc
from ..exceptions import to_exception
from ..progress import MIN_BYTES, Progress
from .bitstream_file import bit_to_bin, read_xsa
from .device import Device
from .remote_buffer import RemoteBuffer
from .remote_gpio import RemoteGPIO  # noqa: F401 - PYNQ 4.0 has it here
from .remote_interrupt import RemoteInterrupt, RemoteUioController  # noqa: F401 - likewise
from .remote_mmio import BoardFeatures, RemoteMMIO
from .security import channel_security, connect
from .bulk_transfer import BulkTransfer
from .session import SessionKeeper, SessionMethod, SessionStub

PYNQ_PORT = 7967
# How long connecting (channel ready, session opened) may take; PYNQ_REMOTE_CONNECT_TIMEOUT_S
# raises it where servers start slowly (a sanitizer build on a loaded CI machine).
CONNECT_TIMEOUT_S = float(os.environ.get("PYNQ_REMOTE_CONNECT_TIMEOUT_S", "5") or 5)
CHUNK_BYTES = 2 * 1024 * 1024
FPGA_MANAGER = "/sys/class/fpga_manager/fpga0/"
BS_FPGA_MAN = FPGA_MANAGER + "firmware"
BS_FPGA_MAN_FLAGS = FPGA_MANAGER + "flags"
BS_FPGA_MAN_STATE = FPGA_MANAGER + "state"
FIRMWARE = "/lib/firmware/"
BOARD_NAME_FILE = "/proc/device-tree/chosen/pynq_board"
STREAM_BYTES_PER_S = 50e6  # a streaming transfer's deadline grows by its size at this rate


def _env_seconds(name, default):
    """Seconds from the environment variable `name`; 0 or less: no deadline (None)."""
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        warnings.warn(f"{name}={text!r} is not a number of seconds; using {default}")
        return default
    return value if value > 0 else None


# The deadline of each unary call (streams: plus their bytes at STREAM_BYTES_PER_S), so a
# wedged server raises DeadlineExceededError instead of hanging. RemoteDevice(timeout=)
# overrides it per device.
DEFAULT_TIMEOUT_S = _env_seconds("PYNQ_REMOTE_TIMEOUT_S", 10.0)

# Zynq UltraScale+ PS registers that match AXI port widths to the design (Xilinx AR 66295).
ZU_FPD_SLCR_REG = {
    "C_MAXIGP0_DATA_WIDTH": [(0xFD615000, 9, 8)],
    "C_MAXIGP1_DATA_WIDTH": [(0xFD615000, 11, 10)],
    "C_MAXIGP2_DATA_WIDTH": [(0xFF419000, 9, 8)],
}
ZU_FPD_SLCR_VALUE = {"32": 0, "64": 1, "128": 2}
ZU_AXIFM_REG = {
    f"C_SAXIGP{i}_DATA_WIDTH": [(base, 1, 0), (base + 0x14, 1, 0)]
    for i, base in enumerate([0xFD360000, 0xFD370000, 0xFD380000, 0xFD390000, 0xFD3A0000,
                              0xFD3B0000, 0xFF9B0000])
}
ZU_AXIFM_VALUE = {"32": 2, "64": 1, "128": 0}

_MAX_MESSAGE = 64 * 1024 * 1024


# sockaddr_un's sun_path holds 107 bytes and a NUL; gRPC's error for a longer path says less.
_MAX_UNIX_PATH = 107


def parse_address(text, default_port=PYNQ_PORT):
    """A device address -> (host, port).

    ``host``, ``host:port``, ``[v6addr]`` or ``[v6addr]:port`` -> (host, port);
    ``unix:/abs/path`` or ``unix:///abs/path`` (a server on this machine, reached without
    TCP) -> (``"unix:/abs/path"``, None).
    """
    text = text.strip()
    if not text:
        raise ValueError("empty device address")
    if text.startswith("unix:"):
        return _parse_unix_address(text), None
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif text.count(":") == 1:
        host, port = text.split(":")
    else:
        host, port = text, ""
    if port and not port.isdigit():
        raise ValueError(f"bad port {port!r} in device address {text!r}")
    return host, int(port) if port else default_port


def _parse_unix_address(text):
    path = text[len("unix:"):]
    if path.startswith("//"):
        path = path[2:]
        if not path.startswith("/"):
            raise ValueError(f"device address {text!r}: write unix:/absolute/path or "
                             "unix:///absolute/path")
    if not path.startswith("/"):
        raise ValueError(f"device address {text!r}: the socket's path must be absolute, as "
                         "the server's --listen unix:PATH is, e.g. unix:/run/pynq-remote/"
                         "pynq-remote.sock")
    if len(path.encode()) > _MAX_UNIX_PATH:
        raise ValueError(f"device address {text!r}: the path is {len(path.encode())} bytes, "
                         f"and a unix socket's path holds at most {_MAX_UNIX_PATH}")
    return "unix:" + path


def grpc_target(host, port):
    """The gRPC target of a parsed address: ``host:port``, ``[v6]:port`` or ``unix:/path``."""
    if host.startswith("unix:"):
        return host
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class GrpcChannel:
    """A gRPC channel to a board, ready within 5 s, plaintext or TLS.

    The security arguments default to the environment (``PYNQ_REMOTE_TLS_CA``,
    ``PYNQ_REMOTE_TLS_CERT``, ``PYNQ_REMOTE_TLS_KEY``, ``PYNQ_REMOTE_TOKEN``,
    ``PYNQ_REMOTE_TLS_SERVER_NAME``); see :mod:`pynq_remote.pl_server.security`.

    Parameters
    ----------
    ip_addr : str
        Host name or IP address of the board, or ``unix:/abs/path``: the server's unix
        socket on this machine.
    port : int
        Its port (7967 by default on boards); None for a unix socket.
    root_certificates : bytes, str or path-like
        PEM CA of the server's certificate (bytes, or a file); turns TLS on.
    certificate_chain, private_key : bytes, str or path-like
        This client's PEM certificate and unencrypted key, for mutual TLS.
    token : str
        Bearer token sent with every call.
    server_name : str
        Name to check the server's certificate against, when it is not ``ip_addr``.
    allow_insecure_token : bool
        Send ``token`` without TLS to a non-loopback address.

    Raises
    ------
    ConnectError
        A RuntimeError: nothing answers within 5 s.
    TlsHandshakeError
        A ConnectError: the TLS handshake failed (CA, client certificate, server name).
    AuthenticationError
        A PermissionError: the server wants a bearer token, or refused this one.
    """

    def __init__(self, ip_addr, port, root_certificates=None, certificate_chain=None,
                 private_key=None, token=None, server_name=None, allow_insecure_token=None):
        target = grpc_target(ip_addr, port)
        self.security = channel_security(
            ip_addr, root_certificates=root_certificates, certificate_chain=certificate_chain,
            private_key=private_key, token=token, server_name=server_name,
            allow_insecure_token=allow_insecure_token)
        # call_channel carries no token of its own: a caller sends call_metadata with each
        # call (RemoteDevice does, beside its session's id). `channel`, the public one
        # (PYNQ code makes stubs on it), adds the token itself; both share one connection.
        self.call_channel = self.security.channel(target, options=[
            ("grpc.max_receive_message_length", _MAX_MESSAGE),
            ("grpc.max_send_message_length", _MAX_MESSAGE)], with_token=False)
        self.call_metadata = self.security.metadata
        self.channel = self.security.with_token(self.call_channel)
        try:
            connect(self.channel, target, self.security, CONNECT_TIMEOUT_S)
        except BaseException:
            self.channel.close()
            raise


class RemoteBitstreamHandler:
    """Reads a bitstream file and the metadata beside it for a remote download.

    Parameters
    ----------
    filepath : str or Path
        A ``.bit``, ``.bin`` or ``.xsa`` file.
    """

    def __init__(self, filepath):
        self._filepath = Path(filepath)
        self._hwh_text = None

    def get_bin_data(self):
        raise NotImplementedError

    def get_hwh_text(self):
        """The ``.hwh`` beside the bitstream (or in the ``.xsa``), or None."""
        if self._hwh_text is None:
            hwh = self._filepath.with_suffix(".hwh")
            if hwh.exists():
                self._hwh_text = hwh.read_text(encoding="utf-8-sig")
        return self._hwh_text

    def get_parser(self, partial=False):
        """The design's metadata parsed from its ``.hwh``; None when there is none."""
        text = self.get_hwh_text()
        if text is None:
            return None
        from ..hwh import HwhParser  # overlays work; absent until then
        parser = HwhParser(text=text, partial=partial)
        parser.bin_data = self.get_bin_data()
        return parser


class RemoteBitfileHandler(RemoteBitstreamHandler):
    """A ``.bit``: the header is stripped and every 32-bit word byte-swapped."""

    def get_bin_data(self):
        return bit_to_bin(self._filepath.read_bytes())


class RemoteBinfileHandler(RemoteBitstreamHandler):
    """A ``.bin``: sent as it is."""

    def get_bin_data(self):
        return self._filepath.read_bytes()


class RemoteXsafileHandler(RemoteBitstreamHandler):
    """An ``.xsa``: the zip holding the ``.bit`` and the ``.hwh``."""

    def get_bin_data(self):
        return bit_to_bin(read_xsa(self._filepath)[1])

    def get_hwh_text(self):
        if self._hwh_text is None:
            self._hwh_text = read_xsa(self._filepath)[2]
        return self._hwh_text


_HANDLERS = {".bit": RemoteBitfileHandler, ".bin": RemoteBinfileHandler,
             ".xsa": RemoteXsafileHandler}


def _get_bitstream_handler(bitfile_name):
    suffix = Path(bitfile_name).suffix
    if suffix not in _HANDLERS:
        raise RuntimeError(f"Unknown file format {suffix!r} for {bitfile_name}: expected "
                           ".bit, .bin or .xsa")
    return _HANDLERS[suffix](bitfile_name)


class RemoteDevice(Device):
    """A PYNQ board reached over gRPC.

    Parameters
    ----------
    index : int
        Position in ``Device.devices``; names the device with ``tag``.
    ip_addr : str
        Host name or IP of the board (``host:port`` is accepted too), or ``unix:/abs/path``
        for a server on this machine listening on a unix socket (``--listen unix:PATH``),
        which spares each call the TCP stack. ``ip_addr`` then keeps the ``unix:`` text and
        ``port`` is None.
    tag : str
        Name pattern, ``"remote{}"`` by default.
    port : int
        The server's port, 7967 by default (PYNQ 4.0's argument); not for a unix socket.
    root_certificates, certificate_chain, private_key, token, server_name : optional
        Transport security (TLS, mutual TLS, a bearer token), as :class:`GrpcChannel`
        takes them; each defaults to its ``PYNQ_REMOTE_TLS_*`` / ``PYNQ_REMOTE_TOKEN``
        environment variable, so devices found through ``PYNQ_REMOTE_DEVICES`` use them.
    allow_insecure_token : bool
        Send ``token`` without TLS to a non-loopback address.
    timeout : float
        Seconds a call may take before :class:`DeadlineExceededError` (a stream gets
        more per byte); default ``PYNQ_REMOTE_TIMEOUT_S`` or 10; 0 waits for ever.
    """

    _probe_priority_ = 100

    @classmethod
    def _probe_(cls):
        text = os.environ.get("PYNQ_REMOTE_DEVICES", "")
        addresses = [a for a in (x.strip() for x in text.split(",")) if a]
        return [cls(i, address) for i, address in enumerate(addresses)]

    def __init__(self, index, ip_addr, tag="remote{}", port=None, root_certificates=None,
                 certificate_chain=None, private_key=None, token=None, server_name=None,
                 allow_insecure_token=None, timeout=None):
        host, parsed_port = parse_address(ip_addr)
        if port is not None and parsed_port is None:
            raise ValueError(f"port={port} given with the unix socket address {ip_addr!r}: a "
                             "unix socket has no port")
        super().__init__(tag.format(index))
        # Seconds a call may take before DeadlineExceededError (streams get more per byte);
        # None: PYNQ_REMOTE_TIMEOUT_S or 10; 0: wait for ever.
        self.timeout = timeout
        self.ip_addr = host
        self.port = port if port is not None else parsed_port
        # The gRPC target: "host:port", "[v6]:port" or "unix:/path".
        self.address = grpc_target(self.ip_addr, self.port)
        self.client = GrpcChannel(self.ip_addr, self.port,
                                  root_certificates=root_certificates,
                                  certificate_chain=certificate_chain, private_key=private_key,
                                  token=token, server_name=server_name,
                                  allow_insecure_token=allow_insecure_token)
        # The session (when the server has one) owns what this device allocates; every
        # call carries its id, read per call because a reconnect may change it.
        # The token, when there is one, goes in the same metadata tuple (no interceptor).
        channel = self.client.call_channel
        self.session = SessionKeeper(channel, base_metadata=self.client.call_metadata)
        self.session.start(CONNECT_TIMEOUT_S)

        def with_session(stub):
            return SessionStub(stub, self.session)

        self._with_session = with_session
        self._bulk = BulkTransfer(channel, lambda method: SessionMethod(method, self.session))
        self._stub = {
            "device": with_session(remote_device_pb2_grpc.RemoteDeviceStub(channel)),
            "mmio": with_session(mmio_pb2_grpc.MmioStub(channel)),
            "buffer": with_session(buffer_pb2_grpc.RemoteBufferStub(channel)),
            "gpio": with_session(gpio_pb2_grpc.GpioStub(channel)),
            "interrupt": with_session(interrupt_pb2_grpc.RemoteInterruptStub(channel)),
        }
        # Counts the downloads from this client: an Interrupt registered before the last one
        # belongs to a design no longer there (PYNQ compares PL.timestamp the same way).
        self.pl_generation = 0
        self.arch = self.get_arch()
        self.board = self._board_name()
        self.capabilities = {"REMOTE": True, "MEMORY_MAPPED": True}
        self.info = self._extension_info(channel)

    def __repr__(self):
        return f"<RemoteDevice {self.name} at {self.address}>"

    # -- files --------------------------------------------------------------------------

    def _deadline(self, nbytes=0):
        """The deadline of one call moving `nbytes` in seconds; None: no deadline."""
        timeout = getattr(self, "timeout", None)
        timeout = DEFAULT_TIMEOUT_S if timeout is None else timeout
        if timeout is None or timeout <= 0:
            return None
        return timeout + nbytes / STREAM_BYTES_PER_S

    def _call(self, method, request, what, nbytes=0):
        """One call with its deadline; a gRPC failure raised as its typed RemoteError."""
        try:
            return method(request, timeout=self._deadline(nbytes))
        except grpc.RpcError as error:
            raise to_exception(error, what) from None

    def exists_file(self, file_path):
        """Whether ``file_path`` exists on the board; the ExistsFileResponse."""
        return self._call(self._stub["device"].existsfile,
                          remote_device_pb2.ExistsFileRequest(file_path=file_path),
                          f"checking {file_path} on {self.name}")

    def read_file(self, file_path, output_as_string=True):
        """The file's bytes (``output_as_string``) or the name of a local copy."""
        stream = self._stub["device"].readfile(
            remote_device_pb2.ReadFileRequest(file_path=file_path), timeout=self._deadline())
        # Its length is unknown until it ends: a bar appears once MIN_BYTES have come.
        progress = Progress(f"reading {file_path}")
        data = (response.data for response in progress.wrap(stream, lambda r: len(r.data)))
        try:
            if output_as_string:
                return b"".join(data)
            filename = os.path.basename(file_path)
            with open(filename, "wb") as f:
                for chunk in data:
                    f.write(chunk)
            return filename
        except grpc.RpcError as error:
            raise to_exception(error, f"reading {file_path} on {self.name}") from None
        finally:
            progress.close()

    def write_file(self, file_path, content, progress_min_bytes=MIN_BYTES):
        """Writes ``content`` to ``file_path`` on the board in 2 MiB chunks (with a progress
        bar on a terminal from ``progress_min_bytes``: :mod:`pynq_remote.progress`)."""
        content = bytes(content)

        def requests():
            yield remote_device_pb2.WriteFileRequest(file_path=file_path,
                                                     data=content[:CHUNK_BYTES])
            for i in range(CHUNK_BYTES, len(content), CHUNK_BYTES):
                yield remote_device_pb2.WriteFileRequest(file_path=file_path,
                                                         data=content[i:i + CHUNK_BYTES])

        with Progress(f"writing {file_path}", total=len(content),
                      min_bytes=progress_min_bytes) as progress:
            return self._call(self._stub["device"].writefile,
                              progress.wrap(requests(), lambda r: len(r.data)),
                              f"writing {file_path} on {self.name}", len(content))

    def get_arch(self):
        """"aarch64" or "armv7l", from the board's /proc/version."""
        if not self.exists_file("/proc/version").exists:
            raise RuntimeError(f"Unable to obtain architecture information for "
                               f"{self.address}: /proc/version is missing")
        version = self.read_file("/proc/version").decode("utf-8", "replace")
        return "aarch64" if "aarch64" in version else "armv7l"

    def _extension_info(self, channel):
        """pynq-remote's own Board service, when the server has it (a PYNQ 3.1 target
        does not): BoardInfo, and the stub kept in ``self._stub["board"]``."""
        stub = self._with_session(board_pb2_grpc.BoardStub(channel))
        try:
            info = stub.GetInfo(board_pb2.GetInfoRequest(), timeout=CONNECT_TIMEOUT_S)
        except grpc.RpcError as error:
            if error.code() != grpc.StatusCode.UNIMPLEMENTED:
                raise to_exception(error, self.address) from None
            return None
        self._stub["board"] = stub
        return info

    def pl_active(self):
        """Whether the PL can move on its own: True or False on a simulated board (its
        design's busy output); None where the board cannot tell (hardware, a 3.1 server)."""
        progress = self.pl_progress()
        return None if progress is None else progress[0]

    def pl_progress(self):
        """``(pl_active, pl_cycles)`` on a simulated board: whether the PL can move on its
        own, and how many PL cycles it has run, so that a waiter can tell a slow simulation
        (cycles still advancing) from a stuck one. None where the board cannot tell
        (hardware, a 3.1 server)."""
        stub = self._stub.get("board")
        if stub is None or self.info is None or self.info.backend != "sim":
            return None
        info = self._call(stub.GetInfo, board_pb2.GetInfoRequest(), f"board state of {self.name}")
        return info.pl_active, info.pl_cycles

    def _board_name(self):
        if self.exists_file(BOARD_NAME_FILE).exists:
            return self.read_file(BOARD_NAME_FILE).rstrip(b"\0").decode("utf-8", "replace")
        return None

    # -- programming --------------------------------------------------------------------

    def initial_global_state_file_boot_check(self):
        """Reads the FPGA manager's state and flags (both must exist); returns them."""
        state = self.read_file(BS_FPGA_MAN_STATE).decode().strip()
        flags = self.read_file(BS_FPGA_MAN_FLAGS).decode().strip()
        return state, flags

    def gen_cache(self, bitstream, parser=None):
        """Records the metadata of the loaded design (kept in memory on the host)."""
        self._loaded_bitfile = getattr(bitstream, "bitfile_name", None)
        self._loaded_parser = parser
        self.pl_generation = getattr(self, "pl_generation", 0) + 1

    def mmap(self, address, length):
        """A RemoteMMIO over ``address .. address + length``."""
        return RemoteMMIO(self._stub["mmio"], address, length, timeout=self._deadline(),
                          board=self.board_features())

    def board_features(self):
        """The Board service's batches and polls, as this device's MMIO windows share them
        (what the server announced; a method it then refuses is not asked for again)."""
        features = getattr(self, "_board_features", None)
        if features is None:
            info = getattr(self, "info", None)
            features = self._board_features = BoardFeatures(
                self._stub.get("board"), info.capabilities if info is not None else (),
                deterministic=bool(info is not None and info.deterministic))
        return features

    def download(self, bitstream, parser=None):
        """Programs the PL through the board's FPGA manager.

        Uploads ``/lib/firmware/<name>.bin`` unless the board already holds the same
        content (compared by SHA-256, kept beside it as ``<name>.bin.sha256``: unlike
        PYNQ 3.1, a changed bitstream with an unchanged name is sent again), writes the
        flags and the firmware name, checks the FPGA manager's state, then matches the
        PS AXI port widths to the design.
        """
        bitfile_name = str(bitstream.bitfile_name)
        if not getattr(bitstream, "binfile_name", None):
            bitstream.binfile_name = Path(bitfile_name).stem + ".bin"
        partial = bool(getattr(bitstream, "partial", False))
        handler = _get_bitstream_handler(bitfile_name)
        bin_data = parser.bin_data if getattr(parser, "bin_data", None) else \
            handler.get_bin_data()

        self.initial_global_state_file_boot_check()
        self._call(self._stub["device"].set_bitstream_attrs,
                   remote_device_pb2.SetBitstreamAttrsRequest(
                       binfile_name=bitstream.binfile_name, partial=partial),
                   f"programming {bitfile_name} on {self.name}")
        firmware = FIRMWARE + bitstream.binfile_name
        digest = hashlib.sha256(bin_data).hexdigest().encode()
        if not (self.exists_file(firmware).exists and
                self.exists_file(firmware + ".sha256").exists and
                self.read_file(firmware + ".sha256").strip() == digest):
            # A bitstream upload always shows its progress on a terminal: boards' are tens of
            # MiB, and nothing else says the call is busy.
            self.write_file(firmware, bin_data, progress_min_bytes=0)
            self.write_file(firmware + ".sha256", digest)
        hwh_text = handler.get_hwh_text()
        if hwh_text is not None:
            # The server allows MMIO only inside the windows the overlay's .hwh maps, so it
            # goes beside the firmware, where the board's own PYNQ keeps it too.
            self.write_file(FIRMWARE + Path(bitstream.binfile_name).stem + ".hwh",
                            hwh_text.encode("utf-8"))
        self.write_file(BS_FPGA_MAN_FLAGS, b"1" if partial else b"0")
        self.write_file(BS_FPGA_MAN, bitstream.binfile_name.encode())
        state = self.read_file(BS_FPGA_MAN_STATE).decode().strip()
        if state != "operating":
            raise RuntimeError(f"programming {bitfile_name} on {self.name} failed: the FPGA "
                               f"manager reports {state!r}")
        if parser is not None and not partial:
            self.set_axi_port_width(parser)
        self.gen_cache(bitstream, parser)

    def set_axi_port_width(self, parser):
        """Writes the ZynqMP PS registers that set AXI port widths (Xilinx AR 66295)."""
        ps_name = getattr(parser, "ps_name", None)
        if not ps_name or getattr(parser, "family_ps", None) != "zynq_ultra_ps_e":
            return
        params = parser.ip_dict[ps_name]["parameters"]
        for table, values in ((ZU_FPD_SLCR_REG, ZU_FPD_SLCR_VALUE),
                              (ZU_AXIFM_REG, ZU_AXIFM_VALUE)):
            for name, fields in table.items():
                width = str(params.get(name, ""))
                if width not in values:
                    continue
                for addr, msb, lsb in fields:
                    mmio = self.mmap(addr & ~0xFFF, 0x1000)
                    mask = ((1 << (msb - lsb + 1)) - 1) << lsb
                    old = mmio.read(addr & 0xFFF)
                    mmio.write(addr & 0xFFF, (old & ~mask) | (values[width] << lsb))

    # -- memory -------------------------------------------------------------------------

    def allocate(self, shape, dtype, cacheable=0, **kwargs):
        """A RemoteBuffer of ``shape`` and ``dtype`` in the board's DDR.

        Raises
        ------
        ValueError
            For a negative shape.
        LimitExceededError
            A MemoryError: the board cannot allocate it, or a server limit would be
            passed (the server's message says which).
        RemoteError
            Another failure the server reports, typed (a RuntimeError).
        """
        shape = tuple(shape) if np.iterable(shape) else (int(shape),)
        if any(int(s) < 0 for s in shape):
            raise ValueError(f"negative dimensions are not allowed: {shape}")
        dtype = np.dtype(dtype)
        size = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        request = buffer_pb2.AllocateRequest(size=min(size, 0x7FFFFFFF), dtype=dtype.str,
                                             cacheable=bool(cacheable))
        if size > 0x7FFFFFFF:
            request.size64 = size
        what = f"allocating {size} bytes on {self.name}"
        response = self._call(self._stub["buffer"].allocate, request, what)
        if response.HasField("msg") and response.msg:
            # A server without error codes (PYNQ 3.1) fails an allocation for want of memory.
            raise to_exception(response.error_code or "NO_MEMORY", what, details=response.msg)
        return RemoteBuffer(shape, dtype, stub=self._stub["buffer"], timeout=self._deadline(),
                            buffer_id=response.buffer_id, coherent=False,
                            board_stub=self._stub.get("board"), bulk=self._bulk,
                            cacheable=bool(cacheable),
                            physical_address=response.physical_address
                            if response.HasField("physical_address") else None)

    def close(self):
        """Ends the session (the server frees this device's buffers and MMIO handles)
        and closes the channel."""
        self.session.close()
        self.client.channel.close()
