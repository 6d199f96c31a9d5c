"""The board under test from labgrid: with ``pytest --lg-env ENV.yaml`` (or LG_ENV), the
environment's target ``main`` is brought to ``ready`` by its PynqRemoteStrategy
(deploy/labgrid/pynq_remote_labgrid.py: power, server, health) and the suite runs as with
PYNQ_REMOTE_DEVICES set to the address its PynqRemoteDriver gives. Without --lg-env, or
without labgrid (Debian's python3-labgrid), nothing here runs.

conftest.py calls take_board() from pytest_sessionstart: after labgrid's plugin has read the
environment, before any test module is imported (several read PYNQ_REMOTE_DEVICES then).
"""

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
LABGRID_DIR = os.path.normpath(os.path.join(HERE, "..", "..", "deploy", "labgrid"))
HOWTO = "deploy/labgrid/README.md"


def _driver_module():
    """deploy/labgrid/pynq_remote_labgrid.py: the copy the environment imported, if it did
    (its classes are the ones labgrid registered), else imported here."""
    module = sys.modules.get("pynq_remote_labgrid")
    if module is None:
        sys.path.insert(0, LABGRID_DIR)
        import pynq_remote_labgrid as module  # pylint: disable=import-outside-toplevel
    return module


def _usage_error(env, text):
    return pytest.UsageError(f"labgrid environment {env.config_file}: {text} (see {HOWTO})")


def _text(error):
    """labgrid's exceptions are attrs classes: their text is in .msg, not in str()."""
    return getattr(error, "msg", None) or str(error)


def _no_service(env, target, error):
    return _usage_error(
        env, f"target '{target}' has no NetworkService for the board's pynq-remote-server "
        f"(address, port 7967, username): {_text(error)}")


def _board_driver(env, target):
    """The target's PynqRemoteDriver; a bare NetworkService gets one bound here."""
    from labgrid.exceptions import NoDriverFoundError, NoResourceFoundError
    module = _driver_module()
    try:
        return target.get_driver("PynqRemoteDriver", activate=False)
    except NoDriverFoundError:
        pass
    try:
        return module.PynqRemoteDriver(target, None)
    except NoResourceFoundError as e:
        raise _no_service(env, target.name, e) from None


def take_board(config):
    """With --lg-env: the board's host:port, also put in PYNQ_REMOTE_DEVICES; else None."""
    env = getattr(config, "_labgrid_env", None)
    if env is None:
        return None
    if os.environ.get("PYNQ_REMOTE_DEVICES"):
        raise _usage_error(env, "PYNQ_REMOTE_DEVICES="
                           f"{os.environ['PYNQ_REMOTE_DEVICES']} names a board too; unset one")
    # Imported here: without --lg-env labgrid need not be installed.
    from labgrid.binding import BindingError
    from labgrid.exceptions import (InvalidConfigError, NoDriverFoundError,
                                    NoResourceFoundError, NoSupplierFoundError)
    try:
        target = env.get_target("main")
    except NoResourceFoundError as e:
        # A driver whose resource the place lacks: the NetworkService, or power, console, SSH.
        if "NetworkService" in _text(e):
            raise _no_service(env, "main", e) from None
        raise _usage_error(env, f"target 'main' lacks a resource a driver needs: "
                           f"{_text(e)}") from None
    except (InvalidConfigError, NoSupplierFoundError, BindingError) as e:
        raise _usage_error(env, f"target 'main' does not bind: {_text(e)}") from None
    if target is None:
        raise _usage_error(env, "no target 'main'")
    from labgrid.util.ssh import sshmanager
    config.add_cleanup(sshmanager.close_all)  # after env.cleanup: cleanups run last first
    config.add_cleanup(env.cleanup)
    driver = _board_driver(env, target)
    module = _driver_module()
    try:
        strategy = target.get_driver("PynqRemoteStrategy", activate=False)
    except NoDriverFoundError:
        strategy = None
    # --lg-initial-state ready: brought up before (pynq_remote_labgrid.py ENV): check only.
    state = getattr(config.option, "lg_initial_state", None)
    try:
        if strategy is not None and state:
            strategy.force(state)
        if strategy is not None:
            strategy.transition("ready")
        target.activate(driver)
        if strategy is None or state:
            # The board is taken as up; it must answer at once.
            driver.wait_serving(0)
    except module.BoardNotReadyError as e:
        pytest.exit(f"labgrid: {e}")
    except Exception as e:  # pylint: disable=broad-except
        # A power switch, SSH or console that failed: the suite cannot run on this board.
        pytest.exit(f"labgrid: board '{driver.board_name}' ({env.config_file}) did not "
                    f"become ready: {type(e).__name__}: {_text(e)}")
    address = driver.address
    os.environ["PYNQ_REMOTE_DEVICES"] = address
    reporter = config.pluginmanager.getplugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"labgrid: board '{driver.board_name}' ready at {address} "
                            f"({env.config_file})")
    return address
