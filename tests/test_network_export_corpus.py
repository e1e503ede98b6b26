"""Export of the shared real grids: lossless RDF/XML round trips, SPARQL, other RDF formats, CLI."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from lxml import etree
from rdflib import Graph
from rdflib.query import ResultRow

from bus.cli import main
from cim.network.export import file_names, write_rdfxml
from cim.network.rdfview import serialize, to_graph, to_oxigraph
from cim.network.store import Model

pytestmark = pytest.mark.corpus

MALFORMED = "Telemark-120-LV1_SSH.xml"
"""Telemark-120's LV1 SSH file is not well-formed XML (Breaker closed by Fuse); left out."""
DATASETS = [
    "cigre_mv",
    "microgrid_bc",
    "cgmes3_microgrid",
    "smallgrid_nodebreaker.zip",
    "telemark120",
]


def rdflib_count(graph: Graph, query: str) -> int:
    """The single number a SPARQL ``SELECT (COUNT(...) AS ?n)`` gives over an rdflib graph."""
    row = next(iter(graph.query(query)))
    assert isinstance(row, ResultRow)
    return int(str(row[0]))


def dataset_paths(shared: Path, name: str) -> list[Path]:
    """The files (or archive) of one shared dataset, in name order."""
    where = shared / "cim" / name
    if where.is_file():
        return [where]
    return sorted(p for p in where.glob("*.xml") if p.name != MALFORMED)


def load(paths: list[Path]) -> Model:
    """The reader under test (imported late: it is a sibling module)."""
    from cim.network.rdfxml import load as read

    return read(paths)


@pytest.fixture(scope="module")
def dataset(shared_data: Path) -> Callable[[str], Model]:
    """Loads a shared dataset once per module."""
    cache: dict[str, Model] = {}

    def get(name: str) -> Model:
        if name not in cache:
            cache[name] = load(dataset_paths(shared_data, name))
        return cache[name]

    return get


def snapshot(model: Model, names: list[str]) -> dict[str, Any]:
    """Everything the store knows, documents keyed by file name; source lines left out."""
    docs = {
        names[i]: (d.namespaces, d.header, d.header_id, d.profiles, d.cim_version, d.ids, d.about)
        for i, d in enumerate(model.documents)
    }
    typed = {
        "documents": {k: _typed(v) for k, v in docs.items()},
        "objects": {
            o.id: (
                o.cls,
                [(names[p.doc], p.cls, _typed(p.props)) for p in o.parts],
            )
            for o in model.objects.values()
        },
    }
    return typed


def _typed(value: Any) -> Any:
    """Values with their kind (literal, Ref, Uri) made visible to ``==``."""
    if isinstance(value, dict):
        return {k: _typed(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_typed(v) for v in value]
    if isinstance(value, str):
        return (type(value).__name__, str(value))
    return value


def problems(model: Model) -> Counter[tuple[str, str]]:
    """How many problems of each severity each file has (the same data, the same problems)."""
    return Counter((Path(p.file.rsplit("!", 1)[-1]).name, p.severity) for p in model.problems)


def literal_count(model: Model, text: str) -> int:
    """How many property values are the literal ``text``."""
    return sum(
        1
        for o in model.objects.values()
        for p in o.parts
        for value in p.props.values()
        for v in (value if isinstance(value, list) else [value])
        if type(v) is str and v == text
    )


@pytest.mark.parametrize("name", DATASETS)
def test_export_then_import_gives_the_same_store(
    name: str, dataset: Callable[[str], Model], tmp_path: Path
) -> None:
    """Every object, part, property and literal text survives export and re-import."""
    model = dataset(name)
    written = write_rdfxml(model, tmp_path)
    assert len(written) == len(model.documents)
    again = load(written)
    assert problems(again) == problems(model)
    before = snapshot(model, file_names(model))
    after = snapshot(again, [p.name for p in (Path(d.name) for d in again.documents)])
    assert after["documents"] == before["documents"]
    assert after["objects"] == before["objects"]
    assert again.counts() == model.counts()
    assert literal_count(again, "false") == literal_count(model, "false")


def test_false_values_are_written_as_read(dataset: Callable[[str], Model], tmp_path: Path) -> None:
    """CIGRE MV's `false` literals (Equipment.aggregate …) are all in the exported text."""
    model = dataset("cigre_mv")
    falses = literal_count(model, "false")
    assert falses > 0
    text = "".join(p.read_text(encoding="utf-8") for p in write_rdfxml(model, tmp_path))
    assert text.count(">false</") == falses


def count_query(ns: str, cls: str) -> str:
    """SPARQL: how many distinct subjects have class ``cls``."""
    return f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a <{ns}{cls}> }}"


@pytest.mark.parametrize("name", ["cigre_mv", "microgrid_bc", "cgmes3_microgrid"])
def test_sparql_counts_match_the_model(name: str, dataset: Callable[[str], Model]) -> None:
    """SPARQL over rdflib and pyoxigraph counts line segments and terminals as the model does."""
    model = dataset(name)
    ns = model.documents[0].namespaces["cim"]
    graph, store = to_graph(model), to_oxigraph(model)
    assert len(store) == len(graph)
    for cls in ("ACLineSegment", "Terminal"):
        expected = model.counts()[cls]
        assert expected > 0
        assert rdflib_count(graph, count_query(ns, cls)) == expected
        assert int(next(iter(store.query(count_query(ns, cls))))["n"].value) == expected


def test_oxigraph_counts_terminals_of_the_largest_grid(dataset: Callable[[str], Model]) -> None:
    """The node-breaker SmallGrid loads into pyoxigraph; its terminal count matches the model."""
    model = dataset("smallgrid_nodebreaker.zip")
    store = to_oxigraph(model)
    rows = list(store.query(count_query(model.documents[0].namespaces["cim"], "Terminal")))
    assert int(rows[0]["n"].value) == model.counts()["Terminal"] > 1000


@pytest.mark.parametrize(("fmt", "parser"), [("turtle", "turtle"), ("jsonld", "json-ld")])
@pytest.mark.filterwarnings("ignore::DeprecationWarning:rdflib")
def test_turtle_and_jsonld_parse_back_to_the_same_triples(
    fmt: str, parser: str, dataset: Callable[[str], Model]
) -> None:
    """Turtle and JSON-LD of MicroGrid parse back with rdflib to the same number of triples."""
    model = dataset("microgrid_bc")
    expected = len(to_graph(model))
    assert len(Graph().parse(data=serialize(model, fmt), format=parser)) == expected > 5_000


def test_cli_exports_rdfxml_and_turtle(shared_data: Path, tmp_path: Path) -> None:
    """`cimbus model export` writes one file per document, or one Turtle file."""
    paths = [str(p) for p in dataset_paths(shared_data, "cigre_mv")]
    out = CliRunner().invoke(main, ["model", "export", *paths, "--out", str(tmp_path), "--json"])
    assert out.exit_code == 0, out.output
    summary = json.loads(out.output)
    assert summary["documents"] == len(summary["files"]) == 4
    ttl = tmp_path / "cigre.ttl"
    out = CliRunner().invoke(
        main, ["model", "export", *paths, "--out", str(ttl), "--format", "turtle"]
    )
    assert out.exit_code == 0, out.output
    assert len(Graph().parse(ttl, format="turtle")) > 1000


def _identifiers(files: list[Path]) -> Counter[tuple[str, str]]:
    """Every rdf:ID, rdf:about and '#' rdf:resource outside the FullModel header, as written."""
    rdf = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
    found: Counter[tuple[str, str]] = Counter()
    for f in files:
        for el in etree.parse(str(f)).iter():
            parent = el.getparent() if isinstance(el.tag, str) else None
            if not isinstance(el.tag, str) or "FullModel" in el.tag:
                continue
            if parent is not None and "FullModel" in str(parent.tag):
                continue
            for attr in ("ID", "about", "resource"):
                value = el.get(rdf + attr)
                if value is not None and (attr != "resource" or value.startswith("#")):
                    found[(attr, value)] += 1
    return found


@pytest.mark.parametrize("name", ["cigre_mv", "microgrid_bc", "cgmes3_microgrid"])
def test_identifiers_are_written_as_the_files_wrote_them(
    name: str, shared_data: Path, tmp_path: Path
) -> None:
    """rdf:ID, rdf:about and references keep their form: CIGRE's bare `N12`, CGMES's `_x`."""
    files = sorted((shared_data / "cim" / name).glob("*.xml"))
    written = write_rdfxml(load(files), tmp_path)
    assert _identifiers(written) == _identifiers(files)
