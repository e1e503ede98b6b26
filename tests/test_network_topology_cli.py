"""``cimbus model generate`` and ``cimbus model trace``: files written, JSON shape, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bus.cli import main
from cim.network.generate import Generated, generate_grid
from cim.network.rdfxml import load
from cim.network.topology import Topology

KEYS = {
    "from",
    "action",
    "energised_before",
    "already_open",
    "open",
    "closed",
    "counts",
    "equipment",
    "energy_consumers",
    "usage_points",
    "customers",
}


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Generated]:
    """Two feeders of 12 customers written by ``cimbus model generate``, and the same grid."""
    out = tmp_path_factory.mktemp("feeders")
    args = ["model", "generate", "--feeders", "2", "--customers", "12", "--seed", "5"]
    result = CliRunner().invoke(main, [*args, "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["objects"] > 0 and len(summary["files"]) == 3
    return out, generate_grid(2, 12, seed=5)


def _trace(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["model", "trace", *args])
    return result.exit_code, result.output


def test_generated_files_read_back_to_the_same_answers(written: tuple[Path, Generated]) -> None:
    """The RDF/XML written reads back (no problems) and traces exactly like the model in memory."""
    out, grid = written
    model = load([out])
    assert not model.problems and set(model.objects) == set(grid.model.objects)
    topo = Topology(model)
    for sw in grid.switches:
        assert set(topo.trace(sw).customers) == grid.lost(sw).customers


def test_trace_json_shape(written: tuple[Path, Generated]) -> None:
    """--json: what was traced, the state overrides, counts, and id/class/name entries."""
    out, grid = written
    code, text = _trace(str(out), "--from", grid.breakers[0], "--json")
    assert code == 0, text
    data = json.loads(text)
    assert set(data) == KEYS
    assert data["from"] == {"id": grid.breakers[0], "class": "Breaker", "name": "F1 CB"}
    assert data["action"] == "open" and data["energised_before"] and not data["already_open"]
    lost = grid.lost(grid.breakers[0])
    assert data["counts"] == {
        "equipment": len(lost.equipment),
        "energy_consumers": len(lost.consumers),
        "usage_points": len(lost.usage_points),
        "customers": 12,
    }
    assert {c["id"] for c in data["customers"]} == lost.customers
    assert all(set(c) == {"id", "class", "name"} for c in data["equipment"])
    assert {c["class"] for c in data["customers"]} == {"Customer"}


def test_trace_overrides_and_text(written: tuple[Path, Generated]) -> None:
    """--close on the tie keeps supply; the text names each customer who loses supply."""
    out, grid = written
    code, text = _trace(str(out), "--from", "F1 CB", "--close", grid.ties[0], "--json")
    data = json.loads(text)
    assert code == 0 and data["counts"]["customers"] == 0 and data["closed"] == [grid.ties[0]]
    code, text = _trace(str(out), "--from", "F2 CB", "--open", grid.breakers[0])
    assert code == 0 and "Opening Breaker F2 CB" in text
    assert "12 customers" in text and text.count("customer: F2-") == 12
    code, text = _trace(str(out), "--from", grid.ties[0])
    assert code == 0 and "open (or out of service) already" in text


def test_trace_errors_exit_1(written: tuple[Path, Generated], tmp_path: Path) -> None:
    """An unknown --from, a non-switch --open, or an unreadable file exit 1 with a reason."""
    out, grid = written
    code, text = _trace(str(out), "--from", "no-such-thing")
    assert code == 1 and "not an object of the model" in text
    code, text = _trace(str(out), "--from", grid.breakers[0], "--open", "F1-1 C1")
    assert code == 1 and "not a switch" in text
    broken = tmp_path / "broken.xml"
    broken.write_text("<rdf:RDF", encoding="utf-8")
    code, text = _trace(str(broken), "--from", "x")
    assert code == 1 and "cannot read the model" in text
