"""``cimbus bench model``: the structure of its result, never its figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bus.cli.bench import bench

from benchchecks import check_rows


def _run(*args: str) -> dict[str, object]:
    result = CliRunner().invoke(bench, ["model", "--json", "--repeat", "1", *args])
    assert result.exit_code == 0, result.output
    doc: dict[str, object] = json.loads(result.stdout)
    return doc


def test_generated_case_has_import_memory_and_trace_rows() -> None:
    """A small generated model gives the lxml, rdflib, memory and two trace rows, all checked."""
    doc = _run("--quick", "--generated", "300")
    check_rows(doc)
    rows = doc["rows"]
    assert isinstance(rows, list)
    names = [row["name"] for row in rows]
    assert names[:3] == [
        "import vs plain lxml parse",
        "import vs rdflib Graph.parse",
        "peak memory vs lxml trees",
    ]
    assert [n.split(" vs ")[0] for n in names[3:]] == [
        "trace: feeder breaker opens",
        "trace: mid-feeder switch opens",
    ]
    targets = {row["name"]: row["target"] for row in rows}
    assert targets["import vs plain lxml parse"] == 2.5
    assert targets["import vs rdflib Graph.parse"] == 0.1
    assert targets["peak memory vs lxml trees"] == 2.0
    memory = next(row for row in rows if row["measure"] == "memory")
    assert memory["unit"] == "MiB" and memory["candidate"] > 0
    details = doc["details"]
    assert isinstance(details, dict) and details["generated_objects"] >= 300


@pytest.mark.corpus
def test_cgmes_2_4_15_files_are_also_timed_against_cimpy(shared_data: Path) -> None:
    """Given CGMES 2.4.15 files (CIGRE MV), a full run adds their rows, cimpy among them."""
    doc = _run("--generated", "300", str(shared_data / "cim" / "cigre_mv"))
    check_rows(doc)
    rows = doc["rows"]
    assert isinstance(rows, list)
    cigre = [row["name"] for row in rows if row["group"] == "cigre_mv"]
    assert "import vs cimpy cim_import" in cigre and "import vs plain lxml parse" in cigre


def test_bad_repeat_is_a_usage_error() -> None:
    """--repeat 0 is refused before anything runs."""
    result = CliRunner().invoke(bench, ["model", "--repeat", "0"])
    assert result.exit_code != 0
