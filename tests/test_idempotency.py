"""The idempotency store: each consumer applies a MessageID's effect once (SQLite, PostgreSQL)."""

from __future__ import annotations

import random
import socket
import sqlite3
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import psycopg.conninfo
import pytest

from bus.idempotency import (
    TABLE,
    PostgresIdempotencyStore,
    SqliteIdempotencyStore,
    StoreUnavailable,
    applied_once,
)
from cim.errors import TransportError

from pgnode import require_postgres

CONSUMER = "oms.outage-handler"


@dataclass
class Backend:
    """A store under test, and a separate connection factory to look into its database."""

    kind: str
    store: SqliteIdempotencyStore | PostgresIdempotencyStore
    connect: Callable[[], Any]

    def sql(self, statement: str) -> str:
        """Write ``statement`` (with ``?`` placeholders) in this database's parameter style."""
        return statement if self.kind == "sqlite" else statement.replace("?", "%s")

    def scalar(self, statement: str, *params: object) -> Any:
        """Run a query on a fresh connection (so only committed rows count); return one value."""
        conn = self.connect()
        try:
            return conn.execute(self.sql(statement), params).fetchone()[0]
        finally:
            conn.close()

    def effects(self, message_id: str) -> int:
        """How many times the effect of ``message_id`` was committed."""
        return int(self.scalar("SELECT count(*) FROM effects WHERE message_id = ?", message_id))

    def apply(self, conn: Any, message_id: str) -> None:
        """The handler's effect: one row, written through the transaction's connection."""
        conn.execute(self.sql("INSERT INTO effects (message_id) VALUES (?)"), (message_id,))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """A fresh store of each kind, with an ``effects`` table in the same database."""
    if request.param == "sqlite":
        path = tmp_path / "idempotency.db"
        store: SqliteIdempotencyStore | PostgresIdempotencyStore = SqliteIdempotencyStore(path)
        connect: Callable[[], Any] = lambda: sqlite3.connect(path)  # noqa: E731
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE effects (message_id TEXT NOT NULL)")
        yield Backend("sqlite", store, connect)
        store.close()
        return
    # Each test gets its own schema: the store's table and the effects live in it.
    base = request.getfixturevalue("postgres_dsn")
    schema = f"test_{uuid.uuid4().hex[:12]}"
    dsn = psycopg.conninfo.make_conninfo(base, options=f"-csearch_path={schema}")
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
        admin.execute(f"CREATE TABLE {schema}.effects (message_id text NOT NULL)")
    store = PostgresIdempotencyStore(dsn)
    yield Backend("postgres", store, lambda: psycopg.connect(dsn))
    store.close()
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f"DROP SCHEMA {schema} CASCADE")


def test_first_claim_wins(backend: Backend) -> None:
    """The first claim of a MessageID is True; every later claim of it is False."""
    assert backend.store.claim(CONSUMER, "m-1") is True
    assert backend.store.claim(CONSUMER, "m-1") is False
    assert backend.store.claim(CONSUMER, "m-1") is False


def test_consumers_are_independent(backend: Backend) -> None:
    """Each consumer applies a MessageID once, whatever other consumers did with it."""
    assert backend.store.claim("oms", "m-1") is True
    assert backend.store.claim("gis", "m-1") is True
    assert backend.store.claim("oms", "m-2") is True
    assert backend.store.claim("gis", "m-1") is False


def test_forget_lets_a_redelivery_claim_again(backend: Backend) -> None:
    """After forget, the same MessageID can be claimed again; forgetting nothing is harmless."""
    assert backend.store.claim(CONSUMER, "m-1") is True
    backend.store.forget(CONSUMER, "m-1")
    assert backend.store.claim(CONSUMER, "m-1") is True
    backend.store.forget(CONSUMER, "never-claimed")


def test_transaction_commits_effect_and_claim_together(backend: Backend) -> None:
    """A transaction commits effect and claim together; a duplicate yields None, writes nothing."""
    with backend.store.transaction(CONSUMER, "m-1") as conn:
        assert conn is not None
        backend.apply(conn, "m-1")
    with backend.store.transaction(CONSUMER, "m-1") as conn:
        assert conn is None
    assert backend.effects("m-1") == 1
    assert backend.store.claim(CONSUMER, "m-1") is False


def test_exception_rolls_back_effect_and_claim(backend: Backend) -> None:
    """A handler that raises leaves neither effect nor claim, so the redelivery applies it once."""
    with (
        pytest.raises(RuntimeError, match="handler failed"),
        backend.store.transaction(CONSUMER, "m-1") as conn,
    ):
        assert conn is not None
        backend.apply(conn, "m-1")
        raise RuntimeError("handler failed")
    assert backend.effects("m-1") == 0
    for _redelivery in range(3):
        with backend.store.transaction(CONSUMER, "m-1") as conn:
            if conn is not None:
                backend.apply(conn, "m-1")
    assert backend.effects("m-1") == 1


def test_block_that_ends_the_transaction_itself_is_refused(backend: Backend) -> None:
    """A block that commits on its own gets the project's error instead of a silent success."""
    with (
        pytest.raises(StoreUnavailable, match="ended"),
        backend.store.transaction(CONSUMER, "m-1") as conn,
    ):
        assert conn is not None
        conn.commit()


def test_applied_once_unclaims_when_the_handler_raises(backend: Backend) -> None:
    """applied_once says apply, then skip; a handler that raises is applied on the redelivery."""
    with pytest.raises(RuntimeError), applied_once(backend.store, CONSUMER, "m-1") as apply:
        assert apply is True
        raise RuntimeError("handler failed")
    with applied_once(backend.store, CONSUMER, "m-1") as apply:
        assert apply is True
    with applied_once(backend.store, CONSUMER, "m-1") as apply:
        assert apply is False


def test_concurrent_claims_apply_each_id_exactly_once(backend: Backend) -> None:
    """8 threads claiming 500 overlapping MessageIDs each win every MessageID exactly once."""
    ids = [f"m-{n}" for n in range(1000)]
    start = threading.Barrier(8)
    won: list[list[str]] = [[] for _ in range(8)]
    failures: list[BaseException] = []

    def worker(number: int) -> None:
        mine = [ids[(number * 125 + n) % len(ids)] for n in range(500)]
        random.Random(number).shuffle(mine)
        try:
            start.wait()
            won[number] = [m for m in mine if backend.store.claim(CONSUMER, m)]
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    wins = Counter(m for claimed in won for m in claimed)
    assert set(wins) == set(ids)
    assert set(wins.values()) == {1}
    assert backend.scalar(f"SELECT count(*) FROM {TABLE}") == len(ids)


def test_prune_removes_only_old_records(backend: Backend) -> None:
    """prune deletes records older than the cutoff, after which their MessageIDs are new again."""
    backend.store.claim(CONSUMER, "old")
    time.sleep(0.5)
    backend.store.claim(CONSUMER, "recent")
    assert backend.store.prune(timedelta(seconds=0.25)) == 1
    assert backend.store.claim(CONSUMER, "old") is True
    assert backend.store.claim(CONSUMER, "recent") is False
    assert backend.store.prune(timedelta(days=1)) == 0


def test_closed_store_raises_the_projects_error(backend: Backend) -> None:
    """A closed store refuses every call with StoreUnavailable."""
    backend.store.close()
    with pytest.raises(StoreUnavailable, match="closed"):
        backend.store.claim(CONSUMER, "m-1")


@pytest.mark.postgres
def test_postgres_store_reconnects_after_the_connection_is_dropped(postgres_dsn: str) -> None:
    """When the server drops the connection one call fails cleanly and the next one reconnects."""
    with PostgresIdempotencyStore(postgres_dsn) as store:
        store.forget(CONSUMER, "reconnect-1")
        with psycopg.connect(postgres_dsn, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        with pytest.raises(StoreUnavailable, match="the message will be redelivered"):
            store.claim(CONSUMER, "reconnect-1")
        assert store.claim(CONSUMER, "reconnect-1") is True
        store.forget(CONSUMER, "reconnect-1")


def test_unreachable_postgres_raises_the_projects_error() -> None:
    """An unreachable server gives StoreUnavailable (5.3) naming it, never a psycopg error."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    dsn = f"host=127.0.0.1 port={port} user=cimbus password=s3cret dbname=idem connect_timeout=2"
    with pytest.raises(StoreUnavailable) as caught:
        PostgresIdempotencyStore(dsn)
    error = caught.value
    assert isinstance(error, TransportError)
    assert not isinstance(error, psycopg.Error)
    assert error.code == "5.3"
    assert f"127.0.0.1:{port}/idem" in error.reason
    assert "check that the server is running" in error.reason
    assert "s3cret" not in str(error)


def test_unusable_sqlite_path_raises_the_projects_error(tmp_path: Path) -> None:
    """A SQLite file that cannot be created gives StoreUnavailable naming the file."""
    path = tmp_path / "no-such-folder" / "idempotency.db"
    with pytest.raises(StoreUnavailable, match="no-such-folder") as caught:
        SqliteIdempotencyStore(path)
    assert caught.value.code == "5.3"


def test_missing_postgres_fails_in_ci_and_skips_elsewhere(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Without PostgreSQL server binaries a postgres test fails when CI is set, else skips."""
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="PostgreSQL is required in CI"):
        require_postgres(tmp_path)
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match=r"ensure-postgresql\.sh"):
        require_postgres(tmp_path)
