"""Operating-system helpers for the private RabbitMQ test node: ports, processes, paths.

Split from :mod:`rabbitnode` so that module keeps to the node's life cycle and the fixtures.
"""

from __future__ import annotations

import os
import random
import shutil
import socket
import tempfile
import threading
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest

RABBITMQ_BIN = Path("/usr/lib/rabbitmq/bin")
RABBITMQ_SERVER = RABBITMQ_BIN / "rabbitmq-server"
EXTERNAL_URL_ENV = "CIMBUS_TEST_AMQP_URL"
LOOPBACK = "127.0.0.1"

# AMQP ports are drawn from below Linux's ephemeral range; epmd uses port + 10000 and the
# Erlang distribution listener port + 20000.
_PORT_RANGE = (20000, 29999)
_EPMD_OFFSET = 10000
_DIST_OFFSET = 20000
_STOP_TIMEOUT = 30.0
# Inherited variables that would change how the scripts or the Erlang VM behave.
_SCRUBBED_PREFIXES = ("RABBITMQ_", "ERL_")
_SCRUBBED_NAMES = ("NOTIFY_SOCKET", "CONF_ENV_FILE")


class RabbitNodeError(RuntimeError):
    """A private RabbitMQ node failed to start, stop or answer a command."""


def rabbitmq_installed() -> bool:
    """Return whether Debian's rabbitmq-server scripts are installed on this machine."""
    return os.access(RABBITMQ_SERVER, os.X_OK) and _epmd_path() is not None


def require_rabbitmq() -> None:
    """Fail (in CI) or skip (elsewhere) the calling test when rabbitmq-server is missing."""
    if rabbitmq_installed():
        return
    if os.environ.get("CI"):
        pytest.fail(
            f"RabbitMQ is required in CI: {RABBITMQ_SERVER} (or epmd) is missing; "
            "run scripts/ensure-rabbitmq.sh",
            pytrace=False,
        )
    pytest.skip(
        "RabbitMQ not installed: run 'make test' (which installs it) or scripts/ensure-rabbitmq.sh"
    )


def _epmd_path() -> str | None:
    found = shutil.which("epmd")
    if found:
        return found
    candidates = sorted(Path("/usr/lib/erlang").glob("erts-*/bin/epmd"))
    return str(candidates[-1]) if candidates else None


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((LOOPBACK, port))
        except OSError:
            return False
    return True


def _lock_port(port: int) -> socket.socket | None:
    """Claim a port for this process so concurrent test sessions never pick the same one.

    The claim is a Unix socket bound in Linux's abstract namespace: no file is left behind and
    the kernel releases it when the socket is closed or the process dies.
    """
    claim = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        claim.bind(f"\0cimbus-rabbitmq-port-{port}")
    except OSError:
        claim.close()
        return None
    return claim


def _ports_free(port: int) -> bool:
    return all(_port_is_free(p) for p in (port, port + _EPMD_OFFSET, port + _DIST_OFFSET))


def _remove_stale_dirs() -> None:
    """Delete folders left by sessions that were killed (their port is no longer claimed)."""
    for folder in Path(tempfile.gettempdir()).glob("cimbus-rabbitmq-*-*"):
        port = folder.name.split("-")[2]
        if not port.isdigit() or not folder.is_dir():
            continue
        claim = _lock_port(int(port))
        if claim is not None:
            with claim:
                shutil.rmtree(folder, ignore_errors=True)


def _pick_port() -> tuple[int, socket.socket]:
    _remove_stale_dirs()
    low, high = _PORT_RANGE
    candidates = list(range(low, high + 1))
    random.shuffle(candidates)
    for port in candidates[:500]:
        if not _ports_free(port):
            continue
        lock = _lock_port(port)
        if lock is not None:
            return port, lock
    raise RabbitNodeError(f"no free port P in {low}-{high} with P+10000 and P+20000 also free")


def _pid_alive(pid: int) -> bool:
    """Return whether pid exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    state = stat.rsplit(")", 1)[-1].split()[0]
    return state not in ("Z", "X")


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[-1].split()
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _tail(path: Path, lines: int = 40) -> str:
    try:
        with path.open(errors="replace") as handle:
            return "".join(deque(handle, maxlen=lines)).rstrip() or "(empty)"
    except OSError as exc:
        return f"(cannot read: {exc})"


def _deathsig_prefix() -> list[str]:
    """Make a child get SIGTERM if this process dies without cleaning up (main thread only).

    PR_SET_PDEATHSIG fires when the *thread* that forked the child exits, so it is only safe
    when the child is started from the main thread.
    """
    setpriv = shutil.which("setpriv")
    if setpriv and threading.current_thread() is threading.main_thread():
        return [setpriv, "--pdeathsig", "TERM", "--"]
    return []


@dataclass(frozen=True)
class ExternalNode:
    """An external broker named by CIMBUS_TEST_AMQP_URL; it cannot be stopped or killed."""

    amqp_url: str

    def is_running(self) -> bool:
        """Return True: an external broker is assumed to be up."""
        return True

    def _unsupported(self, what: str) -> NoReturn:
        pytest.skip(f"{what} needs a private node; {EXTERNAL_URL_ENV} names an external broker")

    def start(self) -> ExternalNode:
        """Do nothing: the external broker is already running."""
        return self

    def stop(self) -> NoReturn:
        """Skip the test: an external broker cannot be stopped."""
        self._unsupported("stop()")

    def kill(self) -> NoReturn:
        """Skip the test: an external broker cannot be killed."""
        self._unsupported("kill()")

    def restart(self) -> NoReturn:
        """Skip the test: an external broker cannot be restarted."""
        self._unsupported("restart()")

    def ctl(self, *args: str, tool: str = "rabbitmqctl", timeout: float = 60.0) -> NoReturn:
        """Skip the test: no CLI access to an external broker."""
        self._unsupported("ctl()")
