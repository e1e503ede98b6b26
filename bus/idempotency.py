"""Idempotency records: each consumer applies each MessageID's effect once.

Delivery on the bus is at least once: a broker redelivers what was not acked, and a publisher
that lost a confirm publishes again. A consumer keeps its effects exactly once by *claiming*
``(consumer, message_id)`` in an :class:`IdempotencyStore` before it applies them: the first
claim wins, every later one is told "already applied" and the message is acked without effect.

Two ways to use a store, strongest first:

* ``store.transaction(consumer, message_id)`` (SQLite and PostgreSQL): the claim row is inserted
  in a database transaction, and the block writes the handler's effects through the connection
  it is given, in that same transaction. Both commit together or neither does, so a crash at any
  point leaves either "applied and claimed" or "neither": exactly-once effect. A duplicate
  yields ``None`` (skip the effect); an exception rolls back effect and claim and propagates.
* :func:`applied_once` (any store): claim first, apply the effect wherever it lives, and
  ``forget`` the claim if the handler raises so that a redelivery applies it. If the process
  dies between the claim and the effect's commit, the redelivery is skipped and the effect is
  lost: prefer ``transaction`` whenever the effects live in the store's database.

Implementations: :class:`SqliteIdempotencyStore` (the default, one machine, several processes
may share the file) and :class:`PostgresIdempotencyStore` (adapters on several machines).
Each thread gets its own database connection. Old records are removed with ``prune``; keep them
longer than the broker can redeliver or a publisher can retry. Failures of the database are
raised as :class:`StoreUnavailable` (a :class:`cim.errors.TransportError`, code 5.3): the
message was not applied and must be redelivered. Exceptions raised inside a ``transaction``
block by the handler itself propagate unchanged after the rollback.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, Protocol, Self, TypeVar

from cim.errors import ConfigurationError, TransportError

if TYPE_CHECKING:
    import psycopg

    PgConnection = psycopg.Connection[tuple[Any, ...]]

TABLE = "cimbus_idempotency"
"""The table that holds the records, with the same name in SQLite and PostgreSQL."""

# The statements spell the table name out: SQL is never built from strings at run time.
_SQLITE_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS cimbus_idempotency (consumer TEXT NOT NULL,"
    " message_id TEXT NOT NULL, recorded_at REAL NOT NULL,"
    " PRIMARY KEY (consumer, message_id)) WITHOUT ROWID"
)
_SQLITE_CLAIM = (
    "INSERT OR IGNORE INTO cimbus_idempotency (consumer, message_id, recorded_at) VALUES (?, ?, ?)"
)
_SQLITE_FORGET = "DELETE FROM cimbus_idempotency WHERE consumer = ? AND message_id = ?"
_SQLITE_PRUNE = "DELETE FROM cimbus_idempotency WHERE recorded_at < ?"
_PG_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS cimbus_idempotency (consumer text NOT NULL,"
    " message_id text NOT NULL, recorded_at timestamptz NOT NULL DEFAULT now(),"
    " PRIMARY KEY (consumer, message_id))"
)
_PG_CLAIM = (
    "INSERT INTO cimbus_idempotency (consumer, message_id) VALUES (%s, %s) ON CONFLICT DO NOTHING"
)
_PG_FORGET = "DELETE FROM cimbus_idempotency WHERE consumer = %s AND message_id = %s"
_PG_PRUNE = "DELETE FROM cimbus_idempotency WHERE recorded_at < now() - %s"

_C = TypeVar("_C")


class StoreUnavailable(TransportError):
    """The idempotency store's database failed; nothing was recorded, redeliver the message."""

    code = "5.3"


class IdempotencyStore(Protocol):
    """Records which consumer has applied which MessageID."""

    def claim(self, consumer: str, message_id: str) -> bool:
        """Record that ``consumer`` applies ``message_id``: True the first time, else False."""
        ...

    def forget(self, consumer: str, message_id: str) -> None:
        """Undo a claim whose effect was not committed, so that a redelivery applies it."""
        ...

    def close(self) -> None:
        """Release the store's connections; the store cannot be used afterwards."""
        ...


@contextmanager
def applied_once(store: IdempotencyStore, consumer: str, message_id: str) -> Iterator[bool]:
    """Yield True when the effect is to be applied now, False for a duplicate; unclaim on error."""
    if not store.claim(consumer, message_id):
        yield False
        return
    try:
        yield True
    except BaseException:
        store.forget(consumer, message_id)
        raise


class PerThread(Generic[_C]):
    """One connection per thread that uses the store (meant for long-lived consumer threads)."""

    def __init__(
        self,
        connect: Callable[[], _C],
        close: Callable[[_C], None],
        is_usable: Callable[[_C], bool],
    ) -> None:
        self._connect = connect
        self._close = close
        self._is_usable = is_usable
        self._local = threading.local()
        self._lock = threading.Lock()
        self._all: list[_C] = []
        self._closed = threading.Event()

    def get(self) -> _C:
        """Return this thread's connection, opening a new one when it is missing or broken."""
        if self._closed.is_set():
            raise StoreUnavailable("the idempotency store is closed: open a new one")
        conn: _C | None = getattr(self._local, "conn", None)
        if conn is None or not self._is_usable(conn):
            fresh = self._connect()
            with self._lock:
                if conn is not None and conn in self._all:
                    self._all.remove(conn)
                if self._closed.is_set():  # closed while connecting
                    self._close(fresh)
                    raise StoreUnavailable("the idempotency store is closed: open a new one")
                self._all.append(fresh)
            self._local.conn = conn = fresh
        return conn

    def close_all(self) -> None:
        """Close every connection; later calls raise StoreUnavailable."""
        with self._lock:
            self._closed.set()
            conns, self._all = self._all, []
        for conn in conns:
            with suppress(Exception):
                self._close(conn)


class PostgresConnections(PerThread["PgConnection"]):
    """Per-thread autocommit connections to one PostgreSQL DSN; its errors as StoreUnavailable."""

    def __init__(self, dsn: str, what: str, *, connect_timeout: int = 10) -> None:
        try:
            import psycopg
        except ImportError as exc:  # pragma: no cover - psycopg is a dependency
            raise ConfigurationError(
                f"the PostgreSQL {what} needs psycopg: pip install 'psycopg[binary]'"
            ) from exc
        self.psycopg = psycopg
        self.what = what
        self.where = describe_dsn(dsn)

        def connect() -> PgConnection:
            return psycopg.connect(dsn, autocommit=True, connect_timeout=connect_timeout)

        super().__init__(
            connect, psycopg.Connection.close, lambda conn: not (conn.closed or conn.broken)
        )

    @contextmanager
    def errors(self, action: str) -> Iterator[None]:
        """Turn a psycopg error inside the block into StoreUnavailable saying what to check."""
        try:
            yield
        except self.psycopg.Error as exc:
            detail = " ".join(str(exc).split()) or type(exc).__name__
            raise StoreUnavailable(
                f"the PostgreSQL {self.what} at {self.where} could not {action} ({detail}): "
                "check that the server is running and reachable and that the DSN's user may "
                "create and write the table; the message will be redelivered"
            ) from exc


class _Store:
    """What both stores share: per-thread connections, close, use as a context manager."""

    _conns: PerThread[Any]

    def close(self) -> None:
        """Close every thread's connection; the store cannot be used afterwards."""
        self._conns.close_all()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class SqliteIdempotencyStore(_Store):
    """Idempotency records in a SQLite file (WAL mode); safe across threads and processes."""

    def __init__(self, path: str | Path, *, timeout: float = 10.0) -> None:
        self.path = Path(path)
        self._timeout = timeout
        self._conns: PerThread[sqlite3.Connection] = PerThread(
            self._connect, sqlite3.Connection.close, lambda conn: True
        )
        with self._errors("create its table"):
            conn = self._conns.get()
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(_SQLITE_SCHEMA)

    def claim(self, consumer: str, message_id: str) -> bool:
        """Record that ``consumer`` applies ``message_id``: True the first time, else False."""
        with self._errors("record a claim"):
            return _insert(self._conns.get(), consumer, message_id)

    def forget(self, consumer: str, message_id: str) -> None:
        """Undo a claim whose effect was not committed, so that a redelivery applies it."""
        with self._errors("forget a claim"):
            self._conns.get().execute(_SQLITE_FORGET, (consumer, message_id))

    @contextmanager
    def transaction(self, consumer: str, message_id: str) -> Iterator[sqlite3.Connection | None]:
        """Claim in a transaction and yield its connection for the effects, or None if a duplicate.

        The block must not commit or roll back itself. Leaving it normally commits the effects
        and the claim together; an exception rolls both back and propagates.
        """
        with self._errors("begin a transaction"):
            conn = self._conns.get()
            conn.execute("BEGIN IMMEDIATE")
            try:
                claimed = _insert(conn, consumer, message_id)
            except BaseException:
                with suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise
            if not claimed:
                conn.execute("ROLLBACK")
        if not claimed:
            yield None
            return
        try:
            yield conn
        except BaseException:
            with suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise
        if not conn.in_transaction:
            raise StoreUnavailable(
                f"the block for {consumer}/{message_id} ended the transaction itself; "
                "never commit or roll back inside transaction(): the outcome is unknown",
                message_id=message_id,
            )
        with self._errors("commit"):
            conn.execute("COMMIT")

    def prune(self, older_than: timedelta) -> int:
        """Delete records older than ``older_than``; return how many were deleted."""
        cutoff = time.time() - older_than.total_seconds()
        with self._errors("prune old records"):
            cursor = self._conns.get().execute(_SQLITE_PRUNE, (cutoff,))
            return cursor.rowcount

    def _connect(self) -> sqlite3.Connection:
        # Autocommit: every claim is its own transaction; transaction() issues BEGIN itself.
        return sqlite3.connect(
            self.path, timeout=self._timeout, isolation_level=None, check_same_thread=False
        )

    @contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise StoreUnavailable(
                f"the SQLite idempotency store {self.path} could not {action} ({exc}): "
                "check that its folder exists and is writable and that no other process holds "
                f"it locked for more than {self._timeout:g} s; the message will be redelivered"
            ) from exc


def _insert(conn: sqlite3.Connection, consumer: str, message_id: str) -> bool:
    cursor = conn.execute(_SQLITE_CLAIM, (consumer, message_id, time.time()))
    return cursor.rowcount == 1


class PostgresIdempotencyStore(_Store):
    """Idempotency records in PostgreSQL, shared by adapters on several machines."""

    def __init__(self, dsn: str, *, connect_timeout: int = 10) -> None:
        self._conns: PostgresConnections = PostgresConnections(
            dsn, "idempotency store", connect_timeout=connect_timeout
        )
        self._psycopg = self._conns.psycopg
        self.where = self._conns.where
        self._errors = self._conns.errors
        with self._errors("create its table"):
            self._conns.get().execute(_PG_SCHEMA)

    def claim(self, consumer: str, message_id: str) -> bool:
        """Record that ``consumer`` applies ``message_id``: True the first time, else False."""
        with self._errors("record a claim"):
            return self._insert(self._conns.get(), consumer, message_id)

    def forget(self, consumer: str, message_id: str) -> None:
        """Undo a claim whose effect was not committed, so that a redelivery applies it."""
        with self._errors("forget a claim"):
            self._conns.get().execute(_PG_FORGET, (consumer, message_id))

    @contextmanager
    def transaction(self, consumer: str, message_id: str) -> Iterator[PgConnection | None]:
        """Claim in a transaction and yield its connection for the effects, or None if a duplicate.

        The block must not commit or roll back itself. Leaving it normally commits the effects
        and the claim together; an exception rolls both back and propagates.
        """
        in_transaction = self._psycopg.pq.TransactionStatus.INTRANS
        with self._errors("begin a transaction"):
            conn = self._conns.get()
            conn.execute("BEGIN")
            try:
                claimed = self._insert(conn, consumer, message_id)
            except BaseException:
                with suppress(self._psycopg.Error):
                    conn.execute("ROLLBACK")
                raise
            if not claimed:
                conn.execute("ROLLBACK")
        if not claimed:
            yield None
            return
        try:
            yield conn
        except BaseException:
            with suppress(self._psycopg.Error):
                conn.execute("ROLLBACK")
            raise
        if conn.info.transaction_status != in_transaction:
            with suppress(self._psycopg.Error):
                conn.execute("ROLLBACK")
            raise StoreUnavailable(
                f"the transaction for {consumer}/{message_id} failed inside the block (an error "
                "was caught there) or the block ended it itself; nothing was committed: "
                "let the message be redelivered",
                message_id=message_id,
            )
        with self._errors("commit"):
            conn.execute("COMMIT")

    def prune(self, older_than: timedelta) -> int:
        """Delete records older than ``older_than`` (server time); return how many were deleted."""
        with self._errors("prune old records"):
            cursor = self._conns.get().execute(_PG_PRUNE, (older_than,))
            return cursor.rowcount

    def _insert(self, conn: PgConnection, consumer: str, message_id: str) -> bool:
        cursor = conn.execute(_PG_CLAIM, (consumer, message_id))
        return cursor.rowcount == 1


def describe_dsn(dsn: str) -> str:
    """Name the server and database of ``dsn`` without its password."""
    from psycopg import Error
    from psycopg.conninfo import conninfo_to_dict

    try:
        params = conninfo_to_dict(dsn)
    except Error:
        return "(an unparsable DSN)"
    host = params.get("host") or params.get("hostaddr") or "localhost"
    return f"{host}:{params.get('port') or 5432}/{params.get('dbname') or '(default database)'}"


__all__ = [
    "TABLE",
    "IdempotencyStore",
    "PerThread",
    "PostgresConnections",
    "PostgresIdempotencyStore",
    "SqliteIdempotencyStore",
    "StoreUnavailable",
    "applied_once",
    "describe_dsn",
]
