"""A private RabbitMQ node for the test session, plus the pytest fixtures that hand it out.

The node runs Debian's ``rabbitmq-server`` in the foreground as a child process in its own
process group. Everything it touches is private and lives in one temporary folder: node name,
AMQP port, Erlang distribution port, its own ``epmd`` on its own port, Mnesia/quorum data,
logs, configuration, enabled plugins and the Erlang cookie (``HOME``). Every listener is bound
to the loopback interface. Nothing under ``/etc/rabbitmq`` or ``/var/lib/rabbitmq`` is used.

Used three ways:

* as a pytest plugin (``pytest_plugins = ("rabbitnode",)``): fixtures ``rabbitmq_node``
  (session), ``amqp_url`` (function) and ``fresh_rabbitmq_node`` (function, a node of the
  test's own, for tests that stop, kill or restart the broker);
* as a library: ``with RabbitNode() as node: ... node.amqp_url ...``;
* as a script: ``python tests/rabbitnode.py`` starts a node, prints its AMQP URL and stops it
  on Ctrl-C or SIGTERM.

Set ``CIMBUS_TEST_AMQP_URL`` to run the suite against an external broker instead.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import NoReturn

import pika
import pika.exceptions
import pytest

from rabbitnode_os import (
    _DIST_OFFSET,
    _EPMD_OFFSET,
    _SCRUBBED_NAMES,
    _SCRUBBED_PREFIXES,
    _STOP_TIMEOUT,
    EXTERNAL_URL_ENV,
    LOOPBACK,
    RABBITMQ_BIN,
    RABBITMQ_SERVER,
    ExternalNode,
    RabbitNodeError,
    _children,
    _comm,
    _deathsig_prefix,
    _epmd_path,
    _lock_port,
    _pick_port,
    _pid_alive,
    _ports_free,
    _tail,
    rabbitmq_installed,
    require_rabbitmq,
)

_live_nodes: set[RabbitNode] = set()


class RabbitNode:
    """A private RabbitMQ node run as a foreground child process for tests."""

    def __init__(
        self, port: int | None = None, startup_timeout: float = 60.0, *, management: bool = False
    ) -> None:
        self.startup_timeout = startup_timeout
        self.management = management
        self._management_port: int | None = None
        self._requested_port = port
        self._port: int | None = None
        self._port_lock: socket.socket | None = None
        self._dir: Path | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._epmd: subprocess.Popen[bytes] | None = None
        self._beam_pid: int | None = None
        self.last_start_seconds: float | None = None

    # ----------------------------------------------------------------- properties
    @property
    def port(self) -> int:
        """The AMQP port (fixed at the first start, kept across restarts)."""
        if self._port is None:
            raise RabbitNodeError("the node has no port yet: call start() first")
        return self._port

    @property
    def epmd_port(self) -> int:
        """The port of the node's private epmd."""
        return self.port + _EPMD_OFFSET

    @property
    def dist_port(self) -> int:
        """The Erlang distribution (inter-node and CLI) port."""
        return self.port + _DIST_OFFSET

    @property
    def nodename(self) -> str:
        """The Erlang node name, e.g. ``cimbus-test-23456@localhost``."""
        return f"cimbus-test-{self.port}@localhost"

    @property
    def amqp_url(self) -> str:
        """The AMQP URL of the node (guest on loopback, default vhost)."""
        return f"amqp://guest:guest@{LOOPBACK}:{self.port}/%2F"

    @property
    def management_url(self) -> str:
        """The HTTP management API base URL (only with ``management=True``)."""
        if not self.management or self._management_port is None:
            raise RabbitNodeError("the node runs without the management plugin")
        return f"http://{LOOPBACK}:{self._management_port}"

    @property
    def base_dir(self) -> Path:
        """The private folder holding configuration, data, logs and the Erlang cookie."""
        if self._dir is None:
            raise RabbitNodeError("the node has no folder yet: call start() first")
        return self._dir

    @property
    def log_file(self) -> Path:
        """The broker's main log file."""
        return self.base_dir / "log" / f"{self.nodename}.log"

    @property
    def output_file(self) -> Path:
        """Where the rabbitmq-server script's stdout and stderr go."""
        return self.base_dir / "server.out"

    @property
    def pid_file(self) -> Path:
        """The PID file the broker writes once its VM is up."""
        return self.base_dir / "rabbitmq.pid"

    def is_running(self) -> bool:
        """Return whether the rabbitmq-server process is alive."""
        return self._proc is not None and self._proc.poll() is None

    # ----------------------------------------------------------------- lifecycle
    def start(self) -> RabbitNode:
        """Start the node (no-op when running) and wait until it accepts AMQP connections."""
        if self.is_running():
            return self
        if not rabbitmq_installed():
            raise RabbitNodeError(f"{RABBITMQ_SERVER} or epmd is not installed")
        _live_nodes.add(self)
        try:
            self._prepare()
            self._start_epmd()
            self._start_server()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the node gracefully (SIGTERM, then SIGKILL), stop its epmd, delete its folder."""
        try:
            self._stop_server()
        finally:
            self._stop_epmd()
            if self._port_lock is not None:
                self._port_lock.close()
                self._port_lock = None
            if self._dir is not None:
                shutil.rmtree(self._dir, ignore_errors=True)
                self._dir = None
            self._port = None
            _live_nodes.discard(self)

    def restart(self) -> RabbitNode:
        """Stop the broker gracefully if it runs, then start it again on the same port and data."""
        if self._dir is None:
            return self.start()
        self._stop_server()
        try:
            self._start_epmd()
            self._start_server()
        except BaseException:
            self.stop()
            raise
        return self

    def kill(self) -> None:
        """Kill the broker's Erlang VM with SIGKILL (a crash); restart() brings it back."""
        if not self.is_running():
            raise RabbitNodeError("the node is not running")
        assert self._proc is not None
        beam = self._beam_pid if self._beam_pid and _pid_alive(self._beam_pid) else None
        if beam is None:
            beam = self._find_beam()
        os.kill(beam, signal.SIGKILL)
        deadline = time.monotonic() + _STOP_TIMEOUT
        while _pid_alive(beam) and time.monotonic() < deadline:
            time.sleep(0.05)
        # The script's `wait` returns once the VM is gone and the script exits on its own.
        try:
            self._proc.wait(timeout=_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self._signal_group(signal.SIGKILL)
            self._proc.wait()
        self._proc = None
        self._beam_pid = None

    def __enter__(self) -> RabbitNode:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.amqp_url if self._port is not None else "not started"
        return f"RabbitNode({where}, running={self.is_running()})"

    # ----------------------------------------------------------------- commands
    def env(self) -> dict[str, str]:
        """Return the environment that points the RabbitMQ scripts and CLI tools at this node."""
        base = self.base_dir
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(_SCRUBBED_PREFIXES) and key not in _SCRUBBED_NAMES
        }
        env.update(
            {
                "HOME": str(base),  # the Erlang cookie lives in $HOME/.erlang.cookie
                "LANG": "C.UTF-8",
                "LC_ALL": "C.UTF-8",
                "ERL_EPMD_PORT": str(self.epmd_port),
                "ERL_EPMD_ADDRESS": LOOPBACK,
                "RABBITMQ_NODENAME": self.nodename,
                "RABBITMQ_NODE_IP_ADDRESS": LOOPBACK,
                "RABBITMQ_NODE_PORT": str(self.port),
                "RABBITMQ_DIST_PORT": str(self.dist_port),
                "RABBITMQ_MNESIA_BASE": str(base / "mnesia"),
                "RABBITMQ_LOG_BASE": str(base / "log"),
                "RABBITMQ_LOGS": str(self.log_file),
                "RABBITMQ_PID_FILE": str(self.pid_file),
                "RABBITMQ_CONF_ENV_FILE": str(base / "rabbitmq-env.conf"),
                "RABBITMQ_CONFIG_FILE": str(base / "rabbitmq.conf"),
                "RABBITMQ_ADVANCED_CONFIG_FILE": str(base / "advanced.config"),
                "RABBITMQ_ENABLED_PLUGINS_FILE": str(base / "enabled_plugins"),
                # Distribution listener on loopback only; epmd is ours, never started by erl.
                "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": (
                    "-kernel inet_dist_use_interface {127,0,0,1} -start_epmd false"
                ),
            }
        )
        return env

    def ctl(self, *args: str, tool: str = "rabbitmqctl", timeout: float = 60.0) -> str:
        """Run rabbitmqctl (or another CLI tool, e.g. rabbitmq-diagnostics) against the node."""
        command = [str(RABBITMQ_BIN / tool), "-n", self.nodename, *args]
        try:
            result = subprocess.run(
                command,
                env=self.env(),
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise RabbitNodeError(f"{' '.join(command)} timed out after {timeout:g} s") from exc
        if result.returncode != 0:
            output = (result.stderr.strip() or result.stdout.strip())[-4000:]
            raise RabbitNodeError(
                f"{' '.join(command)} failed with exit code {result.returncode}:\n{output}"
            )
        return result.stdout

    def status(self) -> dict[str, object]:
        """Return ``rabbitmqctl status`` as parsed JSON."""
        parsed: dict[str, object] = json.loads(self.ctl("status", "--formatter", "json"))
        return parsed

    # ----------------------------------------------------------------- internals
    def _prepare(self) -> None:
        if self._port is None:
            if self._requested_port is not None:
                lock = _lock_port(self._requested_port)
                if lock is None or not _ports_free(self._requested_port):
                    if lock is not None:
                        lock.close()
                    raise RabbitNodeError(
                        f"port {self._requested_port} (or +10000/+20000) is in use"
                    )
                self._port, self._port_lock = self._requested_port, lock
            else:
                self._port, self._port_lock = _pick_port()
        if self._dir is None:
            self._dir = Path(tempfile.mkdtemp(prefix=f"cimbus-rabbitmq-{self._port}-"))
        base = self._dir
        (base / "mnesia").mkdir(exist_ok=True)
        (base / "log").mkdir(exist_ok=True)
        (base / "rabbitmq-env.conf").write_text("")
        plugins = "[rabbitmq_management]" if self.management else "[]"
        (base / "enabled_plugins").write_text(f"{plugins}.\n")
        config = (
            f"listeners.tcp.1 = {LOOPBACK}:{self._port}\n"
            "log.console = false\n"
            "log.file.level = info\n"
        )
        if self.management:
            if self._management_port is None:
                with socket.socket() as s:
                    s.bind((LOOPBACK, 0))
                    self._management_port = s.getsockname()[1]
            config += (
                f"management.tcp.ip = {LOOPBACK}\nmanagement.tcp.port = {self._management_port}\n"
            )
        (base / "rabbitmq.conf").write_text(config)

    def _start_epmd(self) -> None:
        if self._epmd is not None and self._epmd.poll() is None:
            return
        epmd = _epmd_path()
        assert epmd is not None
        out = (self.base_dir / "epmd.out").open("ab")
        with out:
            self._epmd = subprocess.Popen(
                [*_deathsig_prefix(), epmd, "-port", str(self.epmd_port), "-address", LOOPBACK],
                env=self.env(),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self._epmd.poll() is not None:
                raise RabbitNodeError(
                    f"epmd on port {self.epmd_port} exited with code {self._epmd.returncode}:\n"
                    f"{_tail(self.base_dir / 'epmd.out')}"
                )
            with (
                contextlib.suppress(OSError),
                socket.create_connection((LOOPBACK, self.epmd_port), timeout=1),
            ):
                return
            time.sleep(0.05)
        raise RabbitNodeError(f"epmd did not listen on {LOOPBACK}:{self.epmd_port} within 10 s")

    def _stop_epmd(self) -> None:
        if self._epmd is None:
            return
        if self._epmd.poll() is None:
            self._epmd.terminate()
            try:
                self._epmd.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._epmd.kill()
                self._epmd.wait()
        self._epmd = None

    def _start_server(self) -> None:
        started = time.monotonic()
        deadline = started + self.startup_timeout
        # A PID file left by a killed broker would make `rabbitmqctl wait` watch a dead PID.
        self.pid_file.unlink(missing_ok=True)
        with self.output_file.open("ab") as out:
            self._proc = subprocess.Popen(
                [*_deathsig_prefix(), str(RABBITMQ_SERVER)],
                env=self.env(),
                cwd=self.base_dir,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._wait_for_pid_file(deadline)
        self._beam_pid = int(self.pid_file.read_text().strip())
        remaining = max(1, int(deadline - time.monotonic()))
        try:
            self.ctl("await_startup", "--timeout", str(remaining), timeout=remaining + 10)
        except RabbitNodeError as exc:
            self._startup_failed(str(exc))
        self._wait_for_amqp(deadline)
        self.last_start_seconds = time.monotonic() - started

    def _wait_for_pid_file(self, deadline: float) -> None:
        remaining = max(1, int(deadline - time.monotonic()))
        waiter = subprocess.Popen(
            [
                str(RABBITMQ_BIN / "rabbitmqctl"),
                "-n",
                self.nodename,
                "wait",
                "--timeout",
                str(remaining),
                str(self.pid_file),
            ],
            env=self.env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        assert self._proc is not None
        output = b""
        while True:
            try:
                output, _ = waiter.communicate(timeout=0.2)
                break
            except subprocess.TimeoutExpired:
                pass
            reason = None
            if self._proc.poll() is not None:
                reason = f"rabbitmq-server exited with code {self._proc.returncode}"
            elif time.monotonic() > deadline:
                reason = f"not up within {self.startup_timeout:g} s"
            if reason:
                waiter.kill()
                waiter.communicate()
                self._startup_failed(reason)
        if waiter.returncode != 0:
            text = output.decode(errors="replace").strip()[-2000:]
            self._startup_failed(f"rabbitmqctl wait failed ({waiter.returncode}): {text}")

    def _wait_for_amqp(self, deadline: float) -> None:
        params = pika.URLParameters(self.amqp_url)
        params.connection_attempts = 1
        params.socket_timeout = 5
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            try:
                connection = pika.BlockingConnection(params)
            except pika.exceptions.AMQPError as exc:
                last_error = exc
                time.sleep(0.2)
                continue
            connection.close()
            return
        self._startup_failed(f"AMQP connection to {self.amqp_url} failed: {last_error!r}")

    def _startup_failed(self, reason: str) -> NoReturn:
        message = (
            f"RabbitMQ node {self.nodename} failed to start: {reason}\n"
            f"log file: {self.log_file}\n"
            f"--- last lines of {self.log_file} ---\n{_tail(self.log_file)}\n"
            f"--- last lines of {self.output_file} ---\n{_tail(self.output_file)}"
        )
        raise RabbitNodeError(message)

    def _signal_group(self, signum: int) -> None:
        if self._proc is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self._proc.pid, signum)

    def _find_beam(self) -> int:
        assert self._proc is not None
        pending = [self._proc.pid]
        while pending:
            pid = pending.pop()
            if pid != self._proc.pid and _comm(pid).startswith("beam"):
                return pid
            pending.extend(_children(pid))
        raise RabbitNodeError(f"no beam.smp process under rabbitmq-server (pid {self._proc.pid})")

    def _stop_server(self) -> None:
        proc = self._proc
        if proc is None:
            return
        beam = self._beam_pid
        if proc.poll() is None:
            if beam is None:
                with contextlib.suppress(RabbitNodeError):
                    beam = self._find_beam()
            # The script traps TERM and stops the VM; the VM also handles TERM as a clean stop.
            self._signal_group(signal.SIGTERM)
            try:
                proc.wait(timeout=_STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                proc.wait()
        if beam is not None:
            deadline = time.monotonic() + _STOP_TIMEOUT
            while _pid_alive(beam) and time.monotonic() < deadline:
                time.sleep(0.05)
            if _pid_alive(beam) and _comm(beam).startswith("beam"):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(beam, signal.SIGKILL)
        self._proc = None
        self._beam_pid = None


@atexit.register
def _stop_live_nodes() -> None:
    for node in list(_live_nodes):
        with contextlib.suppress(Exception):
            node.stop()


# --------------------------------------------------------------------- pytest fixtures
@pytest.fixture(scope="session")
def rabbitmq_node() -> Iterator[RabbitNode | ExternalNode]:
    """Yield the session's RabbitMQ node: a private one, or CIMBUS_TEST_AMQP_URL's broker."""
    external = os.environ.get(EXTERNAL_URL_ENV)
    if external:
        yield ExternalNode(external)
        return
    require_rabbitmq()
    with RabbitNode() as node:
        yield node


@pytest.fixture
def amqp_url(rabbitmq_node: RabbitNode | ExternalNode) -> str:
    """Return the session node's AMQP URL, restarting the node if an earlier test killed it."""
    if not rabbitmq_node.is_running():
        rabbitmq_node.restart()
    return rabbitmq_node.amqp_url


@pytest.fixture(scope="session")
def rabbitmq_admin_node() -> Iterator[RabbitNode]:
    """A private node with the HTTP management plugin, for user and permission tests."""
    require_rabbitmq()
    with RabbitNode(management=True) as node:
        deadline = time.monotonic() + 60
        while True:  # the HTTP listener comes up a moment after AMQP
            try:
                with urllib.request.urlopen(f"{node.management_url}/api/overview", timeout=2):
                    break
            except urllib.error.HTTPError:
                break  # it answers (401 without credentials): it is up
            except OSError:
                if time.monotonic() > deadline:
                    raise RabbitNodeError("the management API did not come up") from None
                time.sleep(0.2)
        yield node


@pytest.fixture
def fresh_rabbitmq_node() -> Iterator[RabbitNode]:
    """Yield a private node of the test's own, for tests that stop, kill or restart it."""
    require_rabbitmq()
    with RabbitNode() as node:
        yield node


# --------------------------------------------------------------------- script
def main(argv: list[str] | None = None) -> int:
    """Start a node, print its AMQP URL and stop it on Ctrl-C or SIGTERM."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--port", type=int, default=None, help="AMQP port (default: a free one)")
    args = parser.parse_args(argv)
    if not rabbitmq_installed():
        print(f"{RABBITMQ_SERVER} is missing: run scripts/ensure-rabbitmq.sh", file=sys.stderr)
        return 1

    def _interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _interrupt)
    node = RabbitNode(port=args.port)
    try:
        node.start()
        print(node.amqp_url, flush=True)
        print(
            f"node {node.nodename} ready in {node.last_start_seconds:.1f} s\n"
            f"folder {node.base_dir}\n"
            f"CLI: env HOME={node.base_dir} ERL_EPMD_PORT={node.epmd_port} "
            f"{RABBITMQ_BIN}/rabbitmqctl -n {node.nodename} status\n"
            "Ctrl-C stops it.",
            file=sys.stderr,
            flush=True,
        )
        while node.is_running():
            time.sleep(0.5)
        print("rabbitmq-server exited on its own", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        node.stop()


if __name__ == "__main__":
    sys.exit(main())
