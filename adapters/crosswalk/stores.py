"""The crosswalk's two stores: SQLite (one machine) and PostgreSQL (several machines)."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self

from adapters.crosswalk.keys import (
    MISS_CODE,
    CimNames,
    NativeKey,
    OnMiss,
    canonical_mrid,
    export_names,
)
from bus.idempotency import PerThread, PostgresConnections, StoreUnavailable
from cim.errors import ConfigurationError, MessageError

TABLE = "cimbus_crosswalk"
"""The table that holds the crosswalk, with the same name in SQLite and PostgreSQL."""

# The statements spell the table name out: SQL is never built from strings at run time.
_SQLITE_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS cimbus_crosswalk (system TEXT NOT NULL,"
    " object_type TEXT NOT NULL, native_id TEXT NOT NULL, mrid TEXT NOT NULL,"
    " PRIMARY KEY (system, object_type, native_id)) WITHOUT ROWID"
)
_PG_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS cimbus_crosswalk (system text NOT NULL,"
    " object_type text NOT NULL, native_id text NOT NULL, mrid text NOT NULL,"
    " PRIMARY KEY (system, object_type, native_id))"
)
_INDEX = "CREATE INDEX IF NOT EXISTS cimbus_crosswalk_mrid ON cimbus_crosswalk (mrid)"
_INSERT = (
    "INSERT INTO cimbus_crosswalk (system, object_type, native_id, mrid) VALUES (?, ?, ?, ?)"
    " ON CONFLICT DO NOTHING"
)
_LOOKUP = "SELECT mrid FROM cimbus_crosswalk WHERE system = ? AND object_type = ? AND native_id = ?"
_REVERSE = (
    "SELECT system, object_type, native_id FROM cimbus_crosswalk WHERE mrid = ?"
    " ORDER BY system, object_type, native_id"
)
_ALL = (
    "SELECT system, object_type, native_id, mrid FROM cimbus_crosswalk"
    " ORDER BY system, object_type, native_id"
)
_ONE_SYSTEM = (
    "SELECT system, object_type, native_id, mrid FROM cimbus_crosswalk WHERE system = ?"
    " ORDER BY system, object_type, native_id"
)
# PostgreSQL's copies differ only in the placeholder; they are made once, here, from constants.
_PG = {
    statement: statement.replace("?", "%s")
    for statement in (_INSERT, _LOOKUP, _REVERSE, _ALL, _ONE_SYSTEM)
}


class _Base:
    """The policy logic both backends share, on top of three primitive queries."""

    _conns: PerThread[Any]
    where: str

    def _lookup(self, key: NativeKey) -> str | None:
        raise NotImplementedError

    def _insert(self, key: NativeKey, mrid: str) -> None:
        raise NotImplementedError

    def _rows(self, statement: str, params: tuple[str, ...]) -> list[tuple[str, ...]]:
        raise NotImplementedError

    def mrid_for(self, key: NativeKey, *, on_miss: OnMiss) -> str | None:
        """Return the mRID of ``key``; on a miss create one, raise MessageError, or return None."""
        if on_miss not in ("create", "fail", "defer"):
            raise ConfigurationError(f"on_miss must be create, fail or defer, not {on_miss!r}")
        found = self._lookup(key)
        if found is not None or on_miss == "defer":
            return found
        if on_miss == "fail":
            raise MessageError(f"no mRID is known for {key} in the crosswalk", code=MISS_CODE)
        self._insert(key, str(uuid.uuid4()))
        winner = self._lookup(key)  # ours, or the one a racing process committed first
        if winner is None:  # pragma: no cover - a row is never deleted
            raise StoreUnavailable(f"the crosswalk at {self.where} lost the mRID of {key}")
        return winner

    def keys_for(self, mrid: str) -> list[NativeKey]:
        """Return every native key linked to ``mrid`` (none for an unknown mRID)."""
        rows = self._rows(_REVERSE, (canonical_mrid(mrid),))
        return [NativeKey(*row) for row in rows]

    def link(self, key: NativeKey, mrid: str) -> None:
        """Link ``key`` to ``mrid``; repeating a link is harmless, re-linking to another refused."""
        wanted = canonical_mrid(mrid)
        self._insert(key, wanted)
        stored = self._lookup(key)
        if stored != wanted:
            raise MessageError(
                f"{key} is already linked to mRID {stored}; refusing to re-link it to {wanted}",
                code=MISS_CODE,
            )

    def names(self, system: str | None = None) -> CimNames:
        """Export the crosswalk (or one system's part of it) as CIM Name/NameType/Authority."""
        rows = self._rows(_ALL, ()) if system is None else self._rows(_ONE_SYSTEM, (system,))
        return export_names((r[0], r[1], r[2], r[3]) for r in rows)

    def _conn(self) -> Any:
        try:
            return self._conns.get()
        except StoreUnavailable as exc:
            raise StoreUnavailable(
                f"the crosswalk at {self.where} is closed: open a new one"
            ) from exc

    def close(self) -> None:
        """Close every thread's connection; the crosswalk cannot be used afterwards."""
        self._conns.close_all()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class SqliteCrosswalk(_Base):
    """The crosswalk in a SQLite file (WAL mode); safe across threads and processes."""

    def __init__(self, path: str | Path, *, timeout: float = 10.0) -> None:
        self.path = Path(path)
        self.where = str(self.path)
        self._timeout = timeout
        self._conns: PerThread[sqlite3.Connection] = PerThread(
            self._connect, sqlite3.Connection.close, lambda conn: True
        )
        with self._errors("create its table"):
            conn = self._conns.get()
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(_SQLITE_SCHEMA)
            conn.execute(_INDEX)

    def _lookup(self, key: NativeKey) -> str | None:
        with self._errors("look up a key"):
            row = self._conn().execute(_LOOKUP, _params(key)).fetchone()
        return None if row is None else str(row[0])

    def _insert(self, key: NativeKey, mrid: str) -> None:
        with self._errors("record a key"):
            self._conn().execute(_INSERT, (*_params(key), mrid))

    def _rows(self, statement: str, params: tuple[str, ...]) -> list[tuple[str, ...]]:
        with self._errors("read keys"):
            return [tuple(row) for row in self._conn().execute(statement, params)]

    def _connect(self) -> sqlite3.Connection:
        # Autocommit: each insert is its own transaction, so a lookup after it sees the winner.
        return sqlite3.connect(
            self.path, timeout=self._timeout, isolation_level=None, check_same_thread=False
        )

    @contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise StoreUnavailable(
                f"the SQLite crosswalk {self.path} could not {action} ({exc}): check that its "
                "folder exists and is writable and that no other process holds it locked for "
                f"more than {self._timeout:g} s; the message will be redelivered"
            ) from exc


def _params(key: NativeKey) -> tuple[str, str, str]:
    return (key.system, key.object_type, key.native_id)


class PostgresCrosswalk(_Base):
    """The crosswalk in PostgreSQL, shared by adapters on several machines."""

    def __init__(self, dsn: str, *, connect_timeout: int = 10) -> None:
        self._conns: PostgresConnections = PostgresConnections(
            dsn, "crosswalk", connect_timeout=connect_timeout
        )
        self.where = self._conns.where
        self._errors = self._conns.errors
        with self._errors("create its table"):
            conn = self._conns.get()
            conn.execute(_PG_SCHEMA)
            conn.execute(_INDEX)

    def _lookup(self, key: NativeKey) -> str | None:
        with self._errors("look up a key"):
            row = self._conn().execute(_PG[_LOOKUP], _params(key)).fetchone()
        return None if row is None else str(row[0])

    def _insert(self, key: NativeKey, mrid: str) -> None:
        with self._errors("record a key"):
            self._conn().execute(_PG[_INSERT], (*_params(key), mrid))

    def _rows(self, statement: str, params: tuple[str, ...]) -> list[tuple[str, ...]]:
        with self._errors("read keys"):
            return [tuple(row) for row in self._conn().execute(_PG[statement], params)]


__all__ = ["TABLE", "PostgresCrosswalk", "SqliteCrosswalk", "StoreUnavailable"]
