"""Shared test fixtures: the real-world corpus in ../shared/data and the private RabbitMQ node."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog

pytest_plugins = ("rabbitnode", "pgnode")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("CIMBUS_SHARED_DATA", REPO.parent / "shared" / "data"))
EXAMPLES = REPO / "docs" / "examples"


def corpus_missing_reason() -> str:
    """Why corpus tests cannot run here."""
    return (
        f"the shared real-world corpus is not at {SHARED_DATA} (a user's clone); "
        "set CIMBUS_SHARED_DATA to its folder to run these tests"
    )


def require_corpus() -> None:
    """Skip on a user's clone without ../shared/data; fail in CI, where it must be present."""
    if not SHARED_DATA.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"CI must run corpus tests: {corpus_missing_reason()}")
        pytest.skip(corpus_missing_reason())


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Tests marked ``corpus`` need ../shared/data."""
    if item.get_closest_marker("corpus"):
        require_corpus()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real CIM grids and IEC 61968-100 schemas (read-only)."""
    require_corpus()
    return SHARED_DATA


@pytest.fixture(scope="session")
def message_xsd(shared_data: Path):  # type: ignore[no-untyped-def]
    """The IEC 61968-100 Message.xsd (2011 draft) as an lxml schema."""
    from lxml import etree

    return etree.XMLSchema(etree.parse(str(shared_data / "iec61968-100" / "Message.xsd")))


@pytest.fixture(scope="session")
def example_files() -> list[Path]:
    """The example messages shipped in docs/examples."""
    return sorted(EXAMPLES.glob("*.xml")) + sorted(EXAMPLES.glob("*.json"))


_STRUCTLOG_BASELINE = structlog.get_config()
"""structlog as the session started, before any CLI run configured it."""


@pytest.fixture(autouse=True)
def _structlog_config_restored() -> Iterator[None]:
    """Each test runs with the session's original structlog configuration: a CLI run (in a
    test or a module fixture) that configures logging, to its captured stream at its level,
    must not change what later tests capture."""
    structlog.configure(**_STRUCTLOG_BASELINE)
    yield
    structlog.configure(**_STRUCTLOG_BASELINE)
