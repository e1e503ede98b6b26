"""The reader on the real grids of ../shared/data/cim, checked against plain lxml; the CLI."""

from __future__ import annotations

import json
import re
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree
from test_cim16 import CIM100_SOURCE_DEFECTS

from bus.cli import main
from cim.cim16 import DIFFERENCES
from cim.errors import MalformedMessage, MessageError
from cim.network.names import is_subclass
from cim.network.rdfxml import load, versions
from cim.network.store import Model

MALFORMED = "Telemark-120-LV1_SSH.xml"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XPATH_NS = {"rdf": RDF, "md": "http://iec.ch/TC57/61970-552/ModelDescription/1#"}
CIM_NS = re.compile(r"http://iec\.ch/TC57/(\d{4}/CIM-schema-cim16|CIM100)#")

# dataset: (documents, objects, classes, unresolved references, CIM version)
EXPECTED = {
    "cigre_mv": (4, 497, 22, 16, "CIM16"),
    "microgrid_bc": (14, 1192, 54, 0, "CIM16"),
    "cgmes3_microgrid": (10, 1920, 60, 0, "CIM100"),
    "smallgrid_nodebreaker.zip": (6, 24682, 43, 33, "CIM16"),
    "telemark120": (26, 1595, 76, 2, "CIM100"),
}


def dataset_paths(shared: Path, name: str) -> list[Path]:
    """A dataset as a user names it: the archive, or the folder's files without the bad one."""
    where = shared / "cim" / name
    return (
        [where]
        if where.is_file()
        else sorted(p for p in where.glob("*.xml") if p.name != MALFORMED)
    )


@pytest.fixture(scope="module")
def dataset(shared_data: Path) -> Callable[[str], Model]:
    """Each dataset loaded once for the module."""
    cache: dict[str, Model] = {}

    def get(name: str) -> Model:
        if name not in cache:
            cache[name] = load(dataset_paths(shared_data, name))
        return cache[name]

    return get


def raw_documents(paths: list[Path]) -> Iterator[bytes]:
    """The bytes of each file or archive member, independent of cim.network.sources."""
    for path in paths:
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as archive:
                yield from (archive.read(n) for n in sorted(archive.namelist()))
        else:
            yield path.read_bytes()


def plain_id(text: str) -> str:
    """An identifier without '#', 'urn:uuid:', a base URI or a leading underscore."""
    return re.sub(r"^(.*#|urn:uuid:)?_?", "", text.strip())


def independent(paths: list[Path]) -> tuple[dict[str, set[str]], int, set[tuple[str, str]]]:
    """Per identifier its classes, the number of descriptions, and (subject, target) references,
    counted with a plain lxml parse and xpath."""
    classes: dict[str, set[str]] = defaultdict(set)
    descriptions, refs = 0, set()
    for data in raw_documents(paths):
        root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
        path = "/rdf:RDF/*[@rdf:ID or @rdf:about][not(self::md:FullModel)]"
        for el in root.xpath(path, namespaces=XPATH_NS):
            q = etree.QName(el)
            cls = (
                q.localname if CIM_NS.fullmatch(q.namespace or "") else f"{el.prefix}:{q.localname}"
            )
            subject = plain_id(el.get(f"{{{RDF}}}ID") or el.get(f"{{{RDF}}}about"))
            classes[subject].add(cls)
            descriptions += 1
            for target in el.xpath("*/@rdf:resource", namespaces=XPATH_NS):
                if target.startswith(("#", "_")):
                    refs.add((subject, plain_id(target)))
    return classes, descriptions, refs


@pytest.mark.corpus
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_dataset_loads_with_the_objects_an_independent_count_finds(
    name: str, dataset: Callable[[str], Model], shared_data: Path
) -> None:
    """Objects per class, descriptions, unresolved references and version match plain lxml."""
    model = dataset(name)
    classes, descriptions, refs = independent(dataset_paths(shared_data, name))
    most_specific = Counter(
        next(c for c in found if all(is_subclass(c, o) for o in found))
        for found in classes.values()
    )
    assert model.counts() == dict(sorted(most_specific.items()))
    assert sum(len(o.parts) for o in model.objects.values()) == descriptions
    missing = {(s, t) for s, t in refs if t not in classes}
    assert {(s, t) for s, _, t in model.unresolved()} == missing
    docs, objects, n_classes, unresolved, version = EXPECTED[name]
    counts = (len(model.documents), len(model.objects), len(model.counts()))
    assert (*counts, len(model.unresolved()), versions(model)) == (
        docs,
        objects,
        n_classes,
        unresolved,
        [version],
    )
    assert not [p for p in model.problems if p.severity == "error"]


@pytest.mark.corpus
@pytest.mark.parametrize("name", ["microgrid_bc", "cgmes3_microgrid"])
def test_microgrid_ssh_tp_and_sv_parts_attach_to_eq_objects(
    name: str, dataset: Callable[[str], Model]
) -> None:
    """SSH describes EQ objects; TP adds only topology; SV refers to TP nodes and EQ terminals."""
    model = dataset(name)

    def from_eq(ident: str) -> bool:
        parts = model.objects[ident].parts
        return any("Equipment" in " ".join(model.documents[p.doc].profiles) for p in parts)

    kinds = {"SteadyStateHypothesis": 0, "Topology": 0, "StateVariables": 0}
    for doc in model.documents:
        profile = " ".join(doc.profiles)
        if "SteadyStateHypothesis" in profile:
            assert all(from_eq(i) for i in doc.ids), doc.name
            kinds["SteadyStateHypothesis"] += 1
        elif "/Topology" in profile:
            new = {i for i in doc.ids if not from_eq(i)}
            assert {model.objects[i].cls for i in new} <= {"TopologicalNode", "TopologicalIsland"}
            assert any(from_eq(i) for i in doc.ids)
            kinds["Topology"] += 1
        elif "StateVariables" in profile:
            flows = [model.objects[i] for i in doc.ids if model.objects[i].cls == "SvPowerFlow"]
            assert flows and all(from_eq(f.ref("SvPowerFlow.Terminal") or "") for f in flows)
            kinds["StateVariables"] += 1
    assert all(kinds.values()), kinds
    assert model.unresolved() == []


@pytest.mark.corpus
def test_rdf_id_and_rdf_about_of_one_object_meet_across_files(
    dataset: Callable[[str], Model],
) -> None:
    """CIGRE's EQ rdf:ID="E-301" and TP rdf:about="#E-301" (no underscore) are one Terminal."""
    model = dataset("cigre_mv")
    terminal = model.objects["E-301"]
    assert terminal.cls == "Terminal"
    names = [Path(model.documents[p.doc].name).name for p in terminal.parts]
    assert names == ["Rootnet_FULL_NE_24J13h_EQ.xml", "Rootnet_FULL_NE_24J13h_TP.xml"]
    assert [model.documents[p.doc].about for p in terminal.parts] == [False, True]


@pytest.mark.corpus
def test_the_malformed_telemark_file_is_a_clear_error_and_the_rest_loads(
    shared_data: Path, dataset: Callable[[str], Model]
) -> None:
    """Telemark-120-LV1_SSH.xml closes a Breaker as a Fuse: refused at 129:16, no model."""
    folder = shared_data / "cim" / "telemark120"
    with pytest.raises(MalformedMessage) as caught:
        load([folder])
    assert caught.value.path == f"{folder / MALFORMED}:129:16"
    assert "Opening and ending tag mismatch: Breaker line 125 and Fuse" in caught.value.reason
    assert len(dataset("telemark120").documents) == 26


@pytest.mark.corpus
def test_the_corpus_difference_models_are_refused_with_a_pointer_to_apply(
    shared_data: Path,
) -> None:
    """microgrid_t1_diff holds dm:DifferenceModel documents: `cimbus model apply`, not import."""
    with pytest.raises(MessageError, match="cimbus model apply"):
        load([shared_data / "cim" / "microgrid_t1_diff"])


@pytest.mark.corpus
def test_unknown_names_of_the_corpus_are_kept_and_reported(
    dataset: Callable[[str], Model],
) -> None:
    """Telemark's misspelt names are the listed defects; CIM16's are the table's removals."""
    telemark = dataset("telemark120")
    pattern = re.compile(r"(?:property|class|literal) (\S+) is not a CIM100 name")
    unknown = {m.group(1) for p in telemark.problems if (m := pattern.match(p.message))}
    assert len(unknown) >= 25 and unknown <= set(CIM100_SOURCE_DEFECTS), unknown - set(
        CIM100_SOURCE_DEFECTS
    )
    models = [o for o in telemark.objects.values() if o.get("ProductAssetModel.instructionMnaual")]
    assert models
    removed = re.compile(r"(?:property|literal) (\S+) has no CIM100 equivalent")
    for name in ("microgrid_bc", "smallgrid_nodebreaker.zip"):
        found = {m.group(1) for p in dataset(name).problems if (m := removed.match(p.message))}
        assert "entsoe:LimitTypeKind.patl" in found and found <= set(DIFFERENCES), found


@pytest.mark.corpus
def test_archive_members_are_named_after_the_archive(dataset: Callable[[str], Model]) -> None:
    """SmallGrid's documents are read from the zip and named smallgrid_nodebreaker.zip!member."""
    names = [Path(d.name).name for d in dataset("smallgrid_nodebreaker.zip").documents]
    assert names[0] == "smallgrid_nodebreaker.zip!SmallGridTestConfiguration_BC_DL_v3.0.0.xml"
    assert len(names) == 6


# ---------------------------------------------------------------- cimbus model import


@pytest.mark.corpus
def test_cli_json_gives_counts_unresolved_version_problems_and_time(shared_data: Path) -> None:
    """--json: version, documents, objects, classes, unresolved, problems, elapsed seconds."""
    out = CliRunner().invoke(
        main, ["model", "import", str(shared_data / "cim" / "cigre_mv"), "--json"]
    )
    assert out.exit_code == 0, out.output
    report = json.loads(out.output)
    assert set(report) == {
        "version",
        "documents",
        "objects",
        "classes",
        "unresolved",
        "problems",
        "elapsed_s",
    }
    assert (report["version"], report["objects"], report["classes"]["Terminal"]) == (
        "CIM16",
        497,
        47,
    )
    assert report["unresolved"] == {
        "count": 16,
        "by_property": {"OperationalLimit.OperationalLimitType": 16},
    }
    assert report["documents"][0] == {
        "name": str(shared_data / "cim" / "cigre_mv" / "Rootnet_FULL_NE_24J13h_DI.xml"),
        "version": "CIM16",
        "profiles": ["http://iec.ch/TC57/61970-453/DiagramLayout/2"],
        "objects": 198,
    }
    assert report["problems"] == [] and 0 < report["elapsed_s"] < 30


@pytest.mark.corpus
def test_cli_text_lists_classes_and_a_refusal_exits_1(shared_data: Path) -> None:
    """The text report has a summary line and a class table; a malformed file exits 1."""
    out = CliRunner().invoke(main, ["model", "import", str(shared_data / "cim" / "microgrid_bc")])
    assert out.exit_code == 0
    assert out.output.startswith("14 documents (CIM16) read in ")
    assert (
        "1192 objects of 54 classes, 0 unresolved references, 40 problems (0 errors)" in out.output
    )
    assert re.search(r"^ACLineSegment +\d+$", out.output, re.M)
    bad = CliRunner().invoke(main, ["model", "import", str(shared_data / "cim" / "telemark120")])
    assert bad.exit_code == 1 and f"{MALFORMED}:129:16" in bad.output


def test_cli_exits_2_when_the_model_was_read_with_errors(tmp_path: Path) -> None:
    """A value that is no value of its type is an error problem: the model prints, exit 2."""
    path = tmp_path / "bad.xml"
    path.write_text(
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        ' xmlns:cim="http://iec.ch/TC57/CIM100#"><cim:Breaker rdf:ID="_b">'
        "<cim:Switch.open>maybe</cim:Switch.open></cim:Breaker></rdf:RDF>",
        encoding="utf-8",
    )
    out = CliRunner().invoke(main, ["model", "import", "--json", str(path)])
    assert out.exit_code == 2
    [problem] = json.loads(out.output)["problems"]
    assert problem == {
        "file": str(path),
        "line": 1,
        "severity": "error",
        "message": "Switch.open: 'maybe' is not a boolean (true or false); kept as text",
    }
    missing = CliRunner().invoke(main, ["model", "import", "--json", str(tmp_path / "nope")])
    assert missing.exit_code == 1
    assert json.loads(missing.output)["error"]["code"] == "5.2"
