"""The identity crosswalk: native keys <-> CIM mRIDs, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import multiprocessing
import socket
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import psycopg.conninfo
import pytest

from adapters.crosswalk import (
    MAX_NATIVE_ID,
    MISS_CODE,
    TABLE,
    NativeKey,
    PostgresCrosswalk,
    SqliteCrosswalk,
    StoreUnavailable,
)
from bus.idempotency import StoreUnavailable as IdempotencyStoreUnavailable
from cim.errors import MessageError, TransportError
from cim.model import Name, NameType, NameTypeAuthority
from cim.model.primitives import Ref

ACCOUNT = NativeKey("CIS", "AccountNumber", "100-2345")
METER = NativeKey("MDM", "MeterSerial", "LGZ-0042")

AnyCrosswalk = SqliteCrosswalk | PostgresCrosswalk


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def make(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], AnyCrosswalk]]:
    """A factory of crosswalks of each kind that all share one fresh database."""
    opened: list[AnyCrosswalk] = []
    if request.param == "sqlite":
        path = tmp_path / "crosswalk.db"

        def sqlite_one() -> AnyCrosswalk:
            opened.append(SqliteCrosswalk(path))
            return opened[-1]

        yield sqlite_one
    else:
        base = request.getfixturevalue("postgres_dsn")
        schema = f"test_{uuid.uuid4().hex[:12]}"
        dsn = psycopg.conninfo.make_conninfo(base, options=f"-csearch_path={schema}")
        with psycopg.connect(base, autocommit=True) as admin:
            admin.execute(f"CREATE SCHEMA {schema}")

        def postgres_one() -> AnyCrosswalk:
            opened.append(PostgresCrosswalk(dsn))
            return opened[-1]

        yield postgres_one
        for crosswalk in opened:
            crosswalk.close()
        with psycopg.connect(base, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")
        return
    for crosswalk in opened:
        crosswalk.close()


@pytest.fixture
def crosswalk(make: Callable[[], AnyCrosswalk]) -> AnyCrosswalk:
    """One crosswalk on a fresh database."""
    return make()


def test_create_records_a_uuid4_once(crosswalk: AnyCrosswalk) -> None:
    """A miss under "create" records a new UUID4 mRID; every later lookup returns the same one."""
    mrid = crosswalk.mrid_for(ACCOUNT, on_miss="create")
    assert mrid is not None
    assert uuid.UUID(mrid).version == 4
    assert str(uuid.UUID(mrid)) == mrid
    for policy in ("create", "fail", "defer"):
        assert crosswalk.mrid_for(ACCOUNT, on_miss=policy) == mrid  # type: ignore[arg-type]
    assert crosswalk.mrid_for(METER, on_miss="create") != mrid


def test_fail_raises_an_invalid_id_error(crosswalk: AnyCrosswalk) -> None:
    """A miss under "fail" raises MessageError 2.15 naming the key, and records nothing."""
    with pytest.raises(MessageError, match=r"CIS\.AccountNumber:100-2345") as caught:
        crosswalk.mrid_for(ACCOUNT, on_miss="fail")
    assert caught.value.code == MISS_CODE == "2.15"
    assert crosswalk.mrid_for(ACCOUNT, on_miss="defer") is None


def test_defer_returns_none_and_records_nothing(crosswalk: AnyCrosswalk) -> None:
    """A miss under "defer" returns None and leaves the crosswalk empty."""
    assert crosswalk.mrid_for(ACCOUNT, on_miss="defer") is None
    assert crosswalk.names().names == ()


def test_unknown_policy_is_a_configuration_error(crosswalk: AnyCrosswalk) -> None:
    """A policy other than create, fail or defer is refused before anything is looked up."""
    from cim.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="on_miss"):
        crosswalk.mrid_for(ACCOUNT, on_miss="guess")  # type: ignore[arg-type]


def test_reverse_lookup_lists_every_key_of_an_mrid(crosswalk: AnyCrosswalk) -> None:
    """keys_for returns each system's key linked to one mRID, and nothing for an unknown mRID."""
    mrid = crosswalk.mrid_for(ACCOUNT, on_miss="create")
    assert mrid is not None
    crosswalk.link(NativeKey("ERP", "Customer", "C-77"), mrid.upper())
    assert crosswalk.keys_for(mrid) == [ACCOUNT, NativeKey("ERP", "Customer", "C-77")]
    assert crosswalk.keys_for(str(uuid.uuid4())) == []
    with pytest.raises(MessageError, match="not a UUID"):
        crosswalk.keys_for("x' OR 1=1 --")


def test_link_is_idempotent_and_refuses_a_relink(crosswalk: AnyCrosswalk) -> None:
    """Linking a key twice to its mRID is harmless; linking it to another mRID is refused."""
    mrid = str(uuid.uuid4())
    crosswalk.link(METER, mrid)
    crosswalk.link(METER, mrid)
    other = str(uuid.uuid4())
    with pytest.raises(MessageError, match="refusing to re-link") as caught:
        crosswalk.link(METER, other)
    assert caught.value.code == "2.15"
    assert crosswalk.mrid_for(METER, on_miss="fail") == mrid
    assert crosswalk.keys_for(other) == []
    with pytest.raises(MessageError, match="not a UUID"):
        crosswalk.link(ACCOUNT, "not-a-uuid")


def test_export_as_cim_names(crosswalk: AnyCrosswalk) -> None:
    """names() exports one Name per key, typed by a NameType whose authority is the system."""
    account = crosswalk.mrid_for(ACCOUNT, on_miss="create")
    second = crosswalk.mrid_for(NativeKey("CIS", "AccountNumber", "100-9999"), on_miss="create")
    meter = crosswalk.mrid_for(METER, on_miss="create")
    assert account and second and meter
    exported = crosswalk.names()
    assert [n.name for n in exported.names] == ["100-2345", "100-9999", "LGZ-0042"]
    assert all(isinstance(n, Name) for n in exported.names)
    first = exported.names[0]
    assert first.IdentifiedObject == Ref("IdentifiedObject", account)
    assert first.NameType is not None
    name_type = exported.name_types[first.NameType.mrid]
    assert isinstance(name_type, NameType)
    assert name_type.name == "CIS.AccountNumber"
    assert exported.names[1].NameType == first.NameType
    assert name_type.NameTypeAuthority is not None
    authority = exported.authorities[name_type.NameTypeAuthority.mrid]
    assert isinstance(authority, NameTypeAuthority)
    assert authority.name == "CIS"
    assert sorted(a.name or "" for a in exported.authorities.values()) == ["CIS", "MDM"]
    assert len(exported.name_types) == 2
    only_cis = crosswalk.names("CIS")
    assert [n.name for n in only_cis.names] == ["100-2345", "100-9999"]
    assert list(only_cis.name_types) == [first.NameType.mrid]
    assert crosswalk.names("'; DROP TABLE cimbus_crosswalk; --").names == ()


def test_export_ids_are_stable_across_databases(crosswalk: AnyCrosswalk, tmp_path: Path) -> None:
    """Two crosswalks export the same NameType and NameTypeAuthority ids for the same system."""
    crosswalk.mrid_for(ACCOUNT, on_miss="create")
    with SqliteCrosswalk(tmp_path / "elsewhere.db") as elsewhere:
        elsewhere.mrid_for(ACCOUNT, on_miss="create")
        assert set(elsewhere.names().name_types) == set(crosswalk.names().name_types)
        assert set(elsewhere.names().authorities) == set(crosswalk.names().authorities)


def test_concurrent_creates_agree_on_one_mrid(make: Callable[[], AnyCrosswalk]) -> None:
    """8 threads on 2 crosswalk instances racing to create the same 50 keys get one mRID each."""
    instances = [make(), make()]
    keys = [NativeKey("CIS", "AccountNumber", f"race-{n}") for n in range(50)]
    start = threading.Barrier(8)
    seen: list[dict[NativeKey, str | None]] = [{} for _ in range(8)]
    failures: list[BaseException] = []

    def worker(number: int) -> None:
        crosswalk = instances[number % 2]
        try:
            start.wait()
            for key in keys[number % 5 :] + keys[: number % 5]:
                seen[number][key] = crosswalk.mrid_for(key, on_miss="create")
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    for key in keys:
        assert len({mapping[key] for mapping in seen}) == 1
    assert len(instances[0].names().names) == len(keys)


def _race_in_a_process(path: str, count: int, queue: multiprocessing.Queue[list[str]]) -> None:
    with SqliteCrosswalk(path) as crosswalk:
        keys = [NativeKey("CIS", "AccountNumber", f"proc-{n}") for n in range(count)]
        queue.put([str(crosswalk.mrid_for(key, on_miss="create")) for key in keys])


def test_two_processes_agree_on_one_mrid(tmp_path: Path) -> None:
    """Two processes sharing a SQLite file and creating the same keys end with one mRID each."""
    path = str(tmp_path / "shared.db")
    SqliteCrosswalk(path).close()
    context = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue[list[str]] = context.Queue()
    processes = [
        context.Process(target=_race_in_a_process, args=(path, 200, queue)) for _ in range(2)
    ]
    for process in processes:
        process.start()
    results = [queue.get(timeout=60) for _ in processes]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    assert results[0] == results[1]
    assert len(set(results[0])) == 200
    with sqlite3.connect(path) as conn:
        assert conn.execute(f"SELECT count(*) FROM {TABLE}").fetchone()[0] == 200


@pytest.mark.parametrize(
    "native_id",
    [
        "x' OR '1'='1",
        "'); DROP TABLE cimbus_crosswalk; --",
        "%s %(x)s ? $1 \\",
        "Zählerplatz Ünterwerk 東京 ⚡ \U0001f50c",
        "a" * MAX_NATIVE_ID,
    ],
)
def test_hostile_native_ids_round_trip(crosswalk: AnyCrosswalk, native_id: str) -> None:
    """SQL metacharacters, unicode and the longest allowed ID are stored and found exactly."""
    key = NativeKey("CIS", "AccountNumber", native_id)
    mrid = crosswalk.mrid_for(key, on_miss="create")
    assert mrid is not None
    assert crosswalk.keys_for(mrid) == [key]
    assert crosswalk.mrid_for(key, on_miss="fail") == mrid
    assert [n.name for n in crosswalk.names().names] == [native_id]


@pytest.mark.parametrize(
    ("system", "object_type", "native_id", "reason"),
    [
        ("CIS", "AccountNumber", "", "empty"),
        ("", "AccountNumber", "1", "empty"),
        ("CIS", "   ", "1", "empty"),
        ("CIS", "AccountNumber", "a" * (MAX_NATIVE_ID + 1), "at most 256"),
        ("C" * 65, "AccountNumber", "1", "at most 64"),
        ("CIS", "AccountNumber", " 1", "whitespace"),
        ("CIS", "AccountNumber", "1\x00", "control character"),
        ("CIS", "AccountNumber", "1\n2", "control character"),
        ("CIS.Legacy", "AccountNumber", "1", "'.'"),
        ("CIS", "AccountNumber", 12345, "must be a string"),
    ],
)
def test_bad_keys_are_refused(
    system: object, object_type: object, native_id: object, reason: str
) -> None:
    """Empty, too long, padded, control-character or non-string keys are a MessageError 2.15."""
    with pytest.raises(MessageError, match=reason) as caught:
        NativeKey(system, object_type, native_id)  # type: ignore[arg-type]
    assert caught.value.code == "2.15"


def test_closed_crosswalk_raises_store_unavailable(crosswalk: AnyCrosswalk) -> None:
    """A closed crosswalk refuses every call with StoreUnavailable naming it."""
    crosswalk.close()
    with pytest.raises(StoreUnavailable, match=r"crosswalk .* is closed"):
        crosswalk.mrid_for(ACCOUNT, on_miss="defer")


def test_store_unavailable_is_the_idempotency_class() -> None:
    """Crosswalk and idempotency failures are one class: a TransportError with code 5.3."""
    assert StoreUnavailable is IdempotencyStoreUnavailable
    assert issubclass(StoreUnavailable, TransportError)


def test_unusable_sqlite_path_raises_store_unavailable(tmp_path: Path) -> None:
    """A SQLite file that cannot be created gives StoreUnavailable (5.3) naming the file."""
    with pytest.raises(StoreUnavailable, match="no-such-folder") as caught:
        SqliteCrosswalk(tmp_path / "no-such-folder" / "crosswalk.db")
    assert caught.value.code == "5.3"


def test_unreachable_postgres_raises_store_unavailable() -> None:
    """An unreachable server gives StoreUnavailable naming it, never psycopg's error or password."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    dsn = f"host=127.0.0.1 port={port} user=cimbus password=s3cret dbname=xwalk connect_timeout=2"
    with pytest.raises(StoreUnavailable) as caught:
        PostgresCrosswalk(dsn)
    assert not isinstance(caught.value, psycopg.Error)
    assert f"127.0.0.1:{port}/xwalk" in caught.value.reason
    assert "s3cret" not in str(caught.value)


@pytest.mark.postgres
def test_postgres_crosswalk_reconnects_after_a_dropped_connection(postgres_dsn: str) -> None:
    """When the server drops the connection one call fails cleanly and the next one reconnects."""
    schema = f"test_{uuid.uuid4().hex[:12]}"
    dsn = psycopg.conninfo.make_conninfo(postgres_dsn, options=f"-csearch_path={schema}")
    with psycopg.connect(postgres_dsn, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    try:
        with PostgresCrosswalk(dsn) as crosswalk:
            mrid = crosswalk.mrid_for(ACCOUNT, on_miss="create")
            with psycopg.connect(postgres_dsn, autocommit=True) as admin:
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            with pytest.raises(StoreUnavailable, match="PostgreSQL crosswalk"):
                crosswalk.mrid_for(ACCOUNT, on_miss="fail")
            assert crosswalk.mrid_for(ACCOUNT, on_miss="fail") == mrid
    finally:
        with psycopg.connect(postgres_dsn, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")
