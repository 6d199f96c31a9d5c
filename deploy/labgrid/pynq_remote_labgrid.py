"""labgrid (0.4.1, Debian's python3-labgrid) driver and strategy for a pynq-remote board.

An environment loads this file with ``imports: [pynq_remote_labgrid.py]`` (board.yaml).

PynqRemoteDriver
    Bound to the NetworkService of the board's pynq-remote-server: knows its gRPC address
    (through the exporter's SSH proxy when the place needs one) and asks its health
    (grpc.health.v1, ci/health_check.py).
PynqRemoteStrategy
    off -> powered -> server_up -> ready. Switches the board's power where the place has a
    power driver, shows its console where it has one, restarts (and with ``server_binary``
    first deploys) the server over SSH where it has an SSHDriver, and waits for the server to
    listen and then to answer SERVING. A board that does not get there within
    ``ready_timeout`` seconds is a BoardNotReadyError that names it and its address.

The hil-tests take the address from here when pytest runs with --lg-env
(hil-tests/python/labgrid_board.py); deploy/labgrid/README.md shows a lab's setup.
"""

import enum
import os
import socket
import sys
import tempfile
import time

import attr

from labgrid.driver.common import Driver
from labgrid.factory import target_factory
from labgrid.step import step
from labgrid.strategy.common import Strategy, StrategyError
from labgrid.util.ssh import sshmanager

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "ci"))
import health_check  # noqa: E402  (ci/health_check.py: the gRPC health check without grpc_health)

# Where a deployed server goes on the board, and the unit deploy/pynq-remote-server.service
# configured for it the way `cmake --install --prefix /usr/local` does (deploy/CMakeLists.txt).
BOARD_BINDIR = "/usr/local/bin"
BOARD_SYSCONFDIR = "/etc"
UNIT_TEMPLATE = os.path.join(REPO, "deploy", "pynq-remote-server.service")
DEFAULTS_FILE = os.path.join(REPO, "deploy", "pynq-remote-server.default")


class BoardNotReadyError(Exception):
    """A board's server did not listen, or did not answer SERVING, in time."""


def _register(cls):
    """target_factory.reg_driver, once: an environment imports this file by path, and a
    second Environment in one process (or an `import`) would register the class again."""
    if cls.__name__ not in target_factory.drivers:
        target_factory.reg_driver(cls)
    return cls


def _optional_int(value):
    return None if value in (None, "") else int(value)


@_register
@attr.s(eq=False)
class PynqRemoteDriver(Driver):
    """The gRPC address of the board's pynq-remote-server, and its health.

    ``port``: the server's port when it is not the NetworkService's. labgrid 0.4.1 takes a
    NetworkService's port only as a YAML integer, and ``!template`` makes strings, so an
    environment whose port comes from the process environment (sim-board.yaml) sets it here.
    ``board``: the name errors give the board (default: the place, else the target's name).
    """

    bindings = {"networkservice": "NetworkService"}
    port = attr.ib(default=None, converter=_optional_int)
    board = attr.ib(default="", validator=attr.validators.instance_of(str))

    def __attrs_post_init__(self):
        super().__attrs_post_init__()
        self._address = None

    @property
    def board_name(self):
        if self.board:
            return self.board
        # A resource a coordinator expanded from a place has that RemotePlace as parent.
        place = getattr(self.networkservice, "parent", None)
        return getattr(place, "name", None) or self.target.name

    def on_activate(self):
        service = self.networkservice
        host, port = service.address, self.port or service.port
        extra = getattr(service, "extra", None) or {}
        if extra.get("proxy_required"):
            # The board is only reachable from its exporter: forward a local port over SSH.
            port = sshmanager.request_forward(extra["proxy"], host.split("%")[0], port)
            host = "localhost"
        self._address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

    def on_deactivate(self):
        self._address = None

    @property
    @Driver.check_active
    def address(self):
        """host:port to give PYNQ_REMOTE_DEVICES."""
        return self._address

    @Driver.check_active
    def health(self, wait=0.0):
        """(SERVING?, what was last seen) of grpc.health.v1 Check, asked for ``wait`` s."""
        return health_check.check(self._address, wait)

    @Driver.check_active
    def listening(self):
        """Whether the server's port takes a TCP connection now."""
        host, _, port = self._address.rpartition(":")
        try:
            with socket.create_connection((host.strip("[]"), int(port)), timeout=2):
                return True
        except OSError:
            return False

    def _not_ready(self, what, budget):
        return BoardNotReadyError(
            f"board '{self.board_name}' (labgrid target '{self.target.name}', "
            f"pynq-remote-server at {self._address}) did not become ready within "
            f"{budget:g} s: {what}")

    @Driver.check_active
    @step(args=["timeout"])
    def wait_listening(self, timeout, budget=None):
        """Until the port takes connections; ``budget``: the whole wait, for the error."""
        deadline = time.monotonic() + timeout
        while not self.listening():
            if time.monotonic() >= deadline:
                raise self._not_ready("nothing accepts TCP connections on its port",
                                      budget or timeout)
            time.sleep(0.5)

    @Driver.check_active
    @step(args=["timeout"])
    def wait_serving(self, timeout, budget=None):
        """Until the health check says SERVING; ``budget`` as for wait_listening."""
        ok, seen = self.health(wait=timeout)
        if not ok:
            raise self._not_ready(f"its health check last said {seen}", budget or timeout)


class Status(enum.Enum):
    unknown = 0
    off = 1
    powered = 2
    server_up = 3
    ready = 4


@_register
@attr.s(eq=False)
class PynqRemoteStrategy(Strategy):
    """Brings a pynq-remote board to ``ready``: powered, its server up, answering SERVING.

    Every binding but ``pynq`` is optional: a place without power is taken as always on, one
    without SSH as running the server from its systemd unit at boot.
    ``ready_timeout``: seconds from power-on (or from the start) to SERVING.
    ``server_binary``: a pynq-remote-server (built for the board) to install over SSH, with
    the unit, before the restart; empty: restart the installed one.
    """

    bindings = {
        "pynq": "PynqRemoteDriver",
        "power": {"PowerProtocol", None},
        "console": {"ConsoleProtocol", None},
        "ssh": {"SSHDriver", None},
    }
    status = attr.ib(default=Status.unknown)
    ready_timeout = attr.ib(default=300.0, converter=float)
    server_binary = attr.ib(default="", validator=attr.validators.instance_of(str))

    @step(args=["status"])
    def transition(self, status, *, step):  # pylint: disable=redefined-outer-name
        if not isinstance(status, Status):
            status = Status[status]
        if status == Status.unknown:
            raise StrategyError(f"can not transition to {status}")
        if status == self.status:
            step.skip("nothing to do")
            return
        if status == Status.off:
            self._off()
        else:
            if self.status.value >= status.value:
                # Down to a lower state than this one: start afresh, from off where the
                # place has power.
                if self.power:
                    self.transition(Status.off)
                else:
                    self.status = Status.unknown
            self._up_to(status)
        self.status = status

    def _up_to(self, status):
        started = time.monotonic()
        if self.status.value < Status.powered.value:
            self._power_on()
            self.status = Status.powered
            started = time.monotonic()
        if status.value >= Status.server_up.value and self.status.value < Status.server_up.value:
            self.target.activate(self.pynq)
            if self.ssh:
                self._restart_server()
            self.pynq.wait_listening(self._left(started), self.ready_timeout)
            self.status = Status.server_up
        if status == Status.ready:
            self.pynq.wait_serving(self._left(started), self.ready_timeout)

    def _left(self, started):
        """What is left of ready_timeout (0: one last look)."""
        left = self.ready_timeout - (time.monotonic() - started)
        return left if left > 0 else 0.0

    def _off(self):
        if not self.power:
            raise StrategyError(
                f"target '{self.target.name}' has no power driver: cannot switch its board off "
                "(add one, deploy/labgrid/README.md)")
        if self.console:
            self.target.deactivate(self.console)
        self.target.deactivate(self.pynq)
        self.target.activate(self.power)
        self.power.off()

    def _power_on(self):
        if self.power:
            self.target.activate(self.power)
            if self.status == Status.off:
                self.power.on()
            else:
                # Unknown: whatever ran before (a hung board) ends here.
                self.power.cycle()
        if self.console:
            # Active, labgrid logs what the board prints (pytest --lg-log).
            self.target.activate(self.console)

    @step()
    def _restart_server(self):
        self.target.activate(self.ssh)
        if self.server_binary:
            self._deploy_server()
        self.ssh.run_check("systemctl restart pynq-remote-server")

    def _deploy_server(self):
        """The binary and the unit as `cmake --install --component server` lays them out, and
        the defaults file only where the board has none (it holds the lab's listen address
        and token flags)."""
        binary = self.target.env.config.resolve_path(self.server_binary) \
            if self.target.env else self.server_binary
        if not os.path.isfile(binary):
            raise StrategyError(f"server_binary {binary}: no such file")
        with open(UNIT_TEMPLATE) as f:
            unit = (f.read().replace("@CMAKE_INSTALL_FULL_BINDIR@", BOARD_BINDIR)
                    .replace("@CMAKE_INSTALL_FULL_SYSCONFDIR@", BOARD_SYSCONFDIR))
        with tempfile.NamedTemporaryFile("w", suffix=".service") as unit_copy:
            unit_copy.write(unit)
            unit_copy.flush()
            self._install(binary, unit_copy.name)

    def _install(self, binary, unit_copy):
        staging = "/tmp/pynq-remote-deploy"
        self.ssh.run_check(f"mkdir -p {staging}")
        self.ssh.put(binary, f"{staging}/pynq-remote-server")
        self.ssh.put(unit_copy, f"{staging}/pynq-remote-server.service")
        self.ssh.put(DEFAULTS_FILE, f"{staging}/pynq-remote-server.default")
        defaults = f"{BOARD_SYSCONFDIR}/default/pynq-remote-server"
        self.ssh.run_check(
            f"install -m 755 {staging}/pynq-remote-server {BOARD_BINDIR}/pynq-remote-server && "
            f"install -m 644 {staging}/pynq-remote-server.service "
            "/etc/systemd/system/pynq-remote-server.service && "
            f"{{ test -e {defaults} || install -m 644 {staging}/pynq-remote-server.default "
            f"{defaults}; }} && systemctl daemon-reload && "
            "systemctl enable pynq-remote-server")

    @step(args=["status"])
    def force(self, status):
        if not isinstance(status, Status):
            status = Status[status]
        self.status = status


def main():
    """Brings an environment's board to a state, before and apart from a test run (the
    nightly workflow's deploy step), and prints its address."""
    import argparse  # pylint: disable=import-outside-toplevel
    from labgrid import Environment  # pylint: disable=import-outside-toplevel

    parser = argparse.ArgumentParser(description=main.__doc__.splitlines()[0])
    parser.add_argument("env", help="labgrid environment (board.yaml, place.yaml)")
    parser.add_argument("--state", default="ready", choices=[s.name for s in Status][1:])
    parser.add_argument("--server-binary", default=None,
                        help="deploy this pynq-remote-server over SSH (overrides the env's)")
    args = parser.parse_args()
    env = Environment(config_file=args.env)
    try:
        target = env.get_target("main")
        if target is None:
            parser.error(f"{args.env}: no target 'main'")
        strategy = target.get_driver("PynqRemoteStrategy", activate=False)
        if args.server_binary is not None:
            strategy.server_binary = os.path.abspath(args.server_binary)
        strategy.transition(args.state)
        if strategy.status.value >= Status.server_up.value:
            print(f"{strategy.pynq.board_name}: {args.state} at {strategy.pynq.address}")
        else:
            print(f"{strategy.pynq.board_name}: {args.state}")
    except (BoardNotReadyError, StrategyError) as e:
        print(f"error: {getattr(e, 'msg', None) or e}", file=sys.stderr)
        return 1
    finally:
        env.cleanup()
        sshmanager.close_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
