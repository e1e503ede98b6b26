"""A private PostgreSQL server for the test session, plus the pytest fixture that hands it out.

The server is Debian's ``postgres`` (the newest ``/usr/lib/postgresql/*/bin``) run in the
foreground as a child process. Its data, log and Unix socket live in one temporary folder; it
listens on 127.0.0.1 only, on a free port, trusts local connections and runs with ``fsync=off``:
fast, and disposable. Nothing under ``/etc/postgresql`` or ``/var/lib/postgresql`` is used and
the system service is never started. PostgreSQL refuses to run as root, so when the tests run as
root ``initdb`` and the server run as the ``postgres`` system user (``setpriv``) and the folder
is handed to that user.

Used three ways:

* as a pytest plugin (``pytest_plugins = ("pgnode",)``): the session fixture ``postgres_dsn``
  starts the server the first time a test asks for it;
* as a library: ``with PgNode() as node: ... node.dsn ...``;
* as a script: ``python tests/pgnode.py`` starts a server, prints its DSN and stops it on Ctrl-C.

Set ``CIMBUS_TEST_POSTGRES_DSN`` to run the suite against an external server instead.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, NoReturn

import pytest

PG_ROOT = Path("/usr/lib/postgresql")
EXTERNAL_DSN_ENV = "CIMBUS_TEST_POSTGRES_DSN"
LOOPBACK = "127.0.0.1"
SERVER_USER = "postgres"
DATABASE = "cimbus_test"
_DIR_PREFIX = "cimbus-postgres-"
_STOP_TIMEOUT = 30.0
_SETTINGS = {
    "listen_addresses": LOOPBACK,
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "autovacuum": "off",
}

_live_nodes: set[PgNode] = set()


class PgNodeError(RuntimeError):
    """A private PostgreSQL server failed to start or stop."""


def postgres_bin(root: Path = PG_ROOT) -> Path | None:
    """Return the newest ``bin`` folder under ``root`` that has the server and its tools."""
    found = []
    for folder in root.glob("*/bin"):
        tools = ("initdb", "postgres", "pg_isready", "createdb")
        if folder.parent.name.isdigit() and all(os.access(folder / t, os.X_OK) for t in tools):
            found.append((int(folder.parent.name), folder))
    return max(found)[1] if found else None


def require_postgres(root: Path = PG_ROOT) -> Path:
    """Return the server's bin folder; fail (in CI) or skip (elsewhere) when it is missing."""
    found = postgres_bin(root)
    if found is not None:
        return found
    if os.environ.get("CI"):
        pytest.fail(
            f"PostgreSQL is required in CI: no server under {root}/*/bin; "
            "run scripts/ensure-postgresql.sh",
            pytrace=False,
        )
    pytest.skip(
        f"PostgreSQL server not installed (nothing under {root}/*/bin): run 'make test' "
        "(which installs it) or scripts/ensure-postgresql.sh"
    )


class PgNode:
    """A private PostgreSQL server run as a foreground child process for tests."""

    def __init__(self, bin_dir: Path | None = None, startup_timeout: float = 30.0) -> None:
        self.bin_dir = bin_dir
        self.startup_timeout = startup_timeout
        self.port: int | None = None
        self.base_dir: Path | None = None
        self.last_start_seconds: float | None = None
        self._lock: IO[bytes] | None = None
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def dsn(self) -> str:
        """The libpq DSN of the test database (superuser ``postgres``, no password)."""
        if self.port is None:
            raise PgNodeError("the server has no port yet: call start() first")
        return f"host={LOOPBACK} port={self.port} user={SERVER_USER} dbname={DATABASE}"

    def is_running(self) -> bool:
        """Return whether the server process is alive."""
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> PgNode:
        """Create a cluster, start the server, wait until it answers and create the database."""
        if self.is_running():
            return self
        started = time.monotonic()
        bin_dir = self.bin_dir = self.bin_dir or postgres_bin()
        if bin_dir is None:
            raise PgNodeError(f"no PostgreSQL server under {PG_ROOT}: run ensure-postgresql.sh")
        _live_nodes.add(self)
        try:
            self._prepare(bin_dir)
            for attempt in range(5):
                if self._serve(bin_dir, started + self.startup_timeout):
                    break
                if attempt == 4:
                    self._failed("no free port after 5 attempts")
            self._client(bin_dir / "createdb", DATABASE)
        except BaseException:
            self.stop()
            raise
        self.last_start_seconds = time.monotonic() - started
        return self

    def stop(self) -> None:
        """Stop the server with SIGINT (as ``pg_ctl stop -m fast`` does) and delete its folder."""
        proc, self._proc = self._proc, None
        try:
            if proc is not None and proc.poll() is None:
                for signum in (signal.SIGINT, signal.SIGQUIT, signal.SIGKILL):
                    proc.send_signal(signum)
                    try:
                        proc.wait(timeout=_STOP_TIMEOUT)
                        break
                    except subprocess.TimeoutExpired:
                        continue
        finally:
            if self.base_dir is not None:
                shutil.rmtree(self.base_dir, ignore_errors=True)
                self.base_dir = None
            if self._lock is not None:
                self._lock.close()
                self._lock = None
            self.port = None
            _live_nodes.discard(self)

    def __enter__(self) -> PgNode:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.dsn if self.port is not None else "not started"
        return f"PgNode({where}, running={self.is_running()})"

    # ----------------------------------------------------------------- internals
    def _prepare(self, bin_dir: Path) -> None:
        _remove_stale_dirs()
        base = self.base_dir = Path(tempfile.mkdtemp(prefix=_DIR_PREFIX, dir=_temp_root()))
        self._lock = (base / "owner.lock").open("wb")
        fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        account = _server_account()
        if account is not None:
            os.chown(base, account.pw_uid, account.pw_gid)
        command = [
            *_run_as(account),
            str(bin_dir / "initdb"),
            *("-D", str(base / "data"), "-U", SERVER_USER, "-A", "trust"),
            *("-E", "UTF8", "--locale=C", "--no-sync"),
        ]
        with (base / "initdb.out").open("wb") as out:
            result = subprocess.run(
                command, cwd=base, env=_env(), stdout=out, stderr=subprocess.STDOUT, check=False
            )
        if result.returncode != 0:
            self._failed(f"initdb exited with code {result.returncode}", base / "initdb.out")

    def _serve(self, bin_dir: Path, deadline: float) -> bool:
        """Start the server on a free port; return False if the port was taken meanwhile."""
        assert self.base_dir is not None
        self.port = _free_port()
        settings = {
            **_SETTINGS,
            "port": str(self.port),
            "unix_socket_directories": str(self.base_dir),
        }
        options = [arg for key, value in settings.items() for arg in ("-c", f"{key}={value}")]
        with self._log.open("ab") as out:
            self._proc = subprocess.Popen(
                [
                    *_run_as(_server_account(), deathsig=True),
                    str(bin_dir / "postgres"),
                    *("-D", str(self.base_dir / "data"), *options),
                ],
                cwd=self.base_dir,
                env=_env(),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                if "could not bind" in _tail(self._log) or "in use" in _tail(self._log):
                    self._proc = None
                    return False
                self._failed(f"postgres exited with code {self._proc.returncode}")
            ready = subprocess.run(
                [str(bin_dir / "pg_isready"), *self._where(), "-t", "1", "-q"],
                env=_env(),
                check=False,
            )
            if ready.returncode == 0:
                return True
            time.sleep(0.05)
        self._failed(f"not accepting connections within {self.startup_timeout:g} s")

    @property
    def _log(self) -> Path:
        assert self.base_dir is not None
        return self.base_dir / "server.log"

    def _where(self) -> list[str]:
        return ["-h", LOOPBACK, "-p", str(self.port), "-U", SERVER_USER]

    def _client(self, tool: Path, *args: str) -> None:
        result = subprocess.run(
            [str(tool), *self._where(), *args],
            env=_env(),
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        if result.returncode != 0:
            self._failed(f"{tool.name} failed: {result.stderr.strip()}")

    def _failed(self, reason: str, log: Path | None = None) -> NoReturn:
        log = log or self._log
        raise PgNodeError(
            f"private PostgreSQL server failed to start: {reason}\n"
            f"--- last lines of {log} ---\n{_tail(log)}"
        )


def _server_account() -> pwd.struct_passwd | None:
    """The account the server runs as: None for the current user, ``postgres`` when root."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SERVER_USER)
    except KeyError:
        raise PgNodeError(
            f"PostgreSQL refuses to run as root and there is no {SERVER_USER!r} user: "
            "run scripts/ensure-postgresql.sh (Debian's package creates it) or run the tests "
            "as an ordinary user"
        ) from None


def _run_as(account: pwd.struct_passwd | None, *, deathsig: bool = False) -> list[str]:
    """The command prefix that drops to ``account`` and, from the main thread, sets a deathsig.

    With PR_SET_PDEATHSIG (applied by setpriv after it changed user) the server gets SIGINT, a
    fast shutdown, if this process dies without stopping it. It fires when the *thread* that
    started the child exits, so it is only used from the main thread.
    """
    prefix = []
    if account is not None:
        prefix = [f"--reuid={account.pw_uid}", f"--regid={account.pw_gid}", "--init-groups"]
    if deathsig and threading.current_thread() is threading.main_thread():
        prefix += ["--pdeathsig", "INT"]
    if not prefix:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        raise PgNodeError("setpriv (util-linux) is missing: apt-get install util-linux")
    return [setpriv, *prefix, "--"]


def _env() -> dict[str, str]:
    """The environment without inherited libpq settings (PGHOST, PGDATA, ...)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    env.update({"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"})
    return env


def _temp_root() -> str:
    """A temporary folder the server account can reach (every parent searchable by others)."""
    root = Path(tempfile.gettempdir()).resolve()
    if os.geteuid() != 0 or all(p.stat().st_mode & 0o001 for p in (root, *root.parents)):
        return str(root)
    return "/tmp"  # searchable by everyone; mkdtemp makes a private folder in it


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


def _remove_stale_dirs() -> None:
    """Delete folders left by killed sessions: their owner no longer holds the folder's lock.

    A folder without a lock file is either being created right now or was left half made; only
    an old one is deleted.
    """
    for folder in Path(_temp_root()).glob(f"{_DIR_PREFIX}*"):
        try:
            with (folder / "owner.lock").open("rb") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                shutil.rmtree(folder, ignore_errors=True)
        except FileNotFoundError:
            with contextlib.suppress(OSError):
                if time.time() - folder.stat().st_mtime > 600:
                    shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue


def _tail(path: Path, lines: int = 30) -> str:
    try:
        with path.open(errors="replace") as handle:
            return "".join(deque(handle, maxlen=lines)).rstrip() or "(empty)"
    except OSError as exc:
        return f"(cannot read: {exc})"


@atexit.register
def _stop_live_nodes() -> None:
    for node in list(_live_nodes):
        with contextlib.suppress(Exception):
            node.stop()


# --------------------------------------------------------------------- pytest fixture
@pytest.fixture(scope="session")
def postgres_dsn() -> Iterator[str]:
    """Yield the DSN of the session's PostgreSQL database: a private server, or the external one."""
    external = os.environ.get(EXTERNAL_DSN_ENV)
    if external:
        yield external
        return
    bin_dir = require_postgres()
    with PgNode(bin_dir) as node:
        yield node.dsn


# --------------------------------------------------------------------- script
def main() -> int:
    """Start a server, print its DSN and stop it on Ctrl-C or SIGTERM."""
    if postgres_bin() is None:
        print(f"no PostgreSQL server under {PG_ROOT}: run scripts/ensure-postgresql.sh")
        return 1

    def _interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _interrupt)
    with PgNode() as node:
        print(node.dsn, flush=True)
        print(f"ready in {node.last_start_seconds:.1f} s; Ctrl-C stops it", file=sys.stderr)
        try:
            while node.is_running():
                time.sleep(0.5)
        except KeyboardInterrupt:
            return 0
    print("postgres exited on its own", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
