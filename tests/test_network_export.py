"""RDF/XML export and the RDF views of hand-built network models (no corpus needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.query import ResultRow

from cim.errors import ConfigurationError
from cim.network.export import CIM100, MD, RDF, document_bytes, file_names, write_rdfxml
from cim.network.rdfview import ntriples, object_iri, serialize, to_graph, to_oxigraph
from cim.network.store import CimObject, Document, Model, Part, Ref, Uri

CIM16 = "http://iec.ch/TC57/2012/CIM-schema-cim16#"
ENTSOE = "http://entsoe.eu/CIM/SchemaExtension/3/1#"
BASE = "http://example.org/grid"


def rdflib_count(graph: Graph, query: str) -> int:
    """The single number a SPARQL ``SELECT (COUNT(...) AS ?n)`` gives over an rdflib graph."""
    row = next(iter(graph.query(query)))
    assert isinstance(row, ResultRow)
    return int(str(row[0]))


def two_document_model() -> Model:
    """A CIM16 EQ (rdf:ID) and SSH (rdf:about) pair describing a breaker and its container."""
    ns = {"rdf": RDF, "cim": CIM16, "md": MD, "entsoe": ENTSOE}
    eq = Document(
        name="/in/grid_EQ.xml",
        namespaces=dict(ns),
        header={
            "Model.profile": ["http://entsoe.eu/CIM/EquipmentCore/3/1"],
            "Model.DependentOn": [Ref("boundary-1")],
        },
        header_id="urn:uuid:eq-1",
        cim_version="CIM16",
        ids=["vl", "b1"],
    )
    ssh = Document(
        name="archive.zip!grid_SSH.xml",
        namespaces=dict(ns),
        header={"Model.profile": ["http://entsoe.eu/CIM/SteadyStateHypothesis/1/1"]},
        header_id="urn:uuid:ssh-1",
        cim_version="CIM16",
        ids=["b1"],
        about=True,
    )
    breaker = CimObject(
        "b1",
        "Breaker",
        [
            Part(
                0,
                "Breaker",
                {
                    "IdentifiedObject.name": "B <1> & \"2\" 'x'",
                    "IdentifiedObject.description": "Ærøskøbing → 変電所",
                    "Switch.normalOpen": "false",
                    "Equipment.EquipmentContainer": Ref("vl"),
                    "entsoe:IdentifiedObject.shortName": "B1",
                    "IdentifiedObject.aliasName": ["first", "second"],
                },
            ),
            Part(1, "Breaker", {"Switch.open": "false", "Switch.locked": "false"}),
        ],
    )
    vl = CimObject(
        "vl",
        "VoltageLevel",
        [Part(0, "VoltageLevel", {"VoltageLevel.highVoltageLimit": "60.000000"})],
    )
    return Model(documents=[eq, ssh], objects={"vl": vl, "b1": breaker})


def generated_model() -> Model:
    """A model built in code, as a generator makes it: no documents."""
    kind = Uri(CIM100 + "PhaseCode.ABC")
    return Model(
        objects={
            "t1": CimObject("t1", "Terminal", [Part(0, "Terminal", {"Terminal.phases": kind})]),
            "n1": CimObject("n1", "ConnectivityNode", [Part(0, "ConnectivityNode", {})]),
        }
    )


def parse(data: bytes) -> etree._Element:
    """The root of an RDF/XML document."""
    return etree.fromstring(data)


def test_literals_with_markup_characters_are_escaped_and_read_back_exactly() -> None:
    """`<`, `&`, `>` and quotes in a literal come back as the same text after parsing."""
    root = parse(document_bytes(two_document_model(), 0))
    names = root.findall(f".//{{{CIM16}}}IdentifiedObject.name")
    assert [n.text for n in names] == ["B <1> & \"2\" 'x'"]


def test_unicode_is_written_as_utf8_text() -> None:
    """Non-ASCII text is written raw in UTF-8 and parses back unchanged."""
    data = document_bytes(two_document_model(), 0)
    assert "Ærøskøbing → 変電所".encode() in data
    assert data.startswith(b'<?xml version="1.0" encoding="utf-8"?>')


def test_rdf_id_and_rdf_about_follow_the_document_style() -> None:
    """EQ descriptions are rdf:ID="_x"; the about-style SSH writes rdf:about="#_x"."""
    model = two_document_model()
    eq, ssh = parse(document_bytes(model, 0)), parse(document_bytes(model, 1))
    assert [e.get(f"{{{RDF}}}ID") for e in eq if e.tag != f"{{{MD}}}FullModel"] == ["_vl", "_b1"]
    assert [e.get(f"{{{RDF}}}about") for e in ssh][1:] == ["#_b1"]


def test_references_uris_and_header_are_written_as_documented() -> None:
    """A Ref is #_id, a Uri verbatim, a header Ref urn:uuid:id, the header first."""
    root = parse(document_bytes(two_document_model(), 0))
    header = root[0]
    assert header.tag == f"{{{MD}}}FullModel" and header.get(f"{{{RDF}}}about") == "urn:uuid:eq-1"
    dep = header.find(f"{{{MD}}}Model.DependentOn")
    assert dep is not None and dep.get(f"{{{RDF}}}resource") == "urn:uuid:boundary-1"
    ref = root.find(f".//{{{CIM16}}}Equipment.EquipmentContainer")
    assert ref is not None and ref.get(f"{{{RDF}}}resource") == "#_vl"
    generated = parse(document_bytes(generated_model()))
    phases = generated.find(f".//{{{CIM100}}}Terminal.phases")
    assert phases is not None and phases.get(f"{{{RDF}}}resource") == CIM100 + "PhaseCode.ABC"


def test_false_values_repeats_and_extensions_are_kept_and_nothing_is_invented() -> None:
    """Every property of a part is written once per value, in order; no other is added."""
    root = parse(document_bytes(two_document_model(), 0))
    breaker = root[2]
    written = [(etree.QName(c).localname, c.text) for c in breaker]
    assert written == [
        ("IdentifiedObject.name", "B <1> & \"2\" 'x'"),
        ("IdentifiedObject.description", "Ærøskøbing → 変電所"),
        ("Switch.normalOpen", "false"),
        ("Equipment.EquipmentContainer", None),
        ("IdentifiedObject.shortName", "B1"),
        ("IdentifiedObject.aliasName", "first"),
        ("IdentifiedObject.aliasName", "second"),
    ]
    assert breaker[4].tag == f"{{{ENTSOE}}}IdentifiedObject.shortName"
    ssh = parse(document_bytes(two_document_model(), 1))
    assert [(etree.QName(c).localname, c.text) for c in ssh[1]] == [
        ("Switch.open", "false"),
        ("Switch.locked", "false"),
    ]


def test_a_second_description_in_one_document_uses_rdf_about() -> None:
    """An rdf:ID may appear once per document; a repeated object is rdf:about="#_x"."""
    model = two_document_model()
    model.documents[0].ids.append("vl")
    model.objects["vl"].parts.append(Part(0, "VoltageLevel", {"IdentifiedObject.name": "VL"}))
    root = parse(document_bytes(model, 0))
    assert [(e.get(f"{{{RDF}}}ID"), e.get(f"{{{RDF}}}about")) for e in root][1:] == [
        ("_vl", None),
        ("_b1", None),
        (None, "#_vl"),
    ]


def profile_model() -> Model:
    """EQ defines a machine and terminals; DY (rdf:ID style) adds to the machine and defines a
    model of it; TP (rdf:about style) adds to the terminals and defines a topological node."""
    ns = {"rdf": RDF, "cim": CIM16, "md": MD}
    eq = Document("EQ.xml", dict(ns), profiles=("http://entsoe.eu/CIM/EquipmentCore/3/1",))
    dy = Document("DY.xml", dict(ns), profiles=("http://entsoe.eu/CIM/Dynamics/3/4",))
    tp = Document("TP.xml", dict(ns), profiles=("http://entsoe.eu/CIM/Topology/4/1",), about=True)
    eq.ids, dy.ids, tp.ids = ["sm", "t1", "t2"], ["sm", "dyn"], ["t1", "t2", "tn"]
    objects = [
        CimObject(
            "sm",
            "SynchronousMachine",
            [Part(1, "SynchronousMachine"), Part(0, "SynchronousMachine")],
        ),
        CimObject("dyn", "SynchronousMachineSimplified", [Part(0, "SynchronousMachineSimplified")]),
        CimObject("t1", "Terminal", [Part(1, "Terminal"), Part(2, "Terminal")]),
        CimObject("t2", "Terminal", [Part(1, "Terminal"), Part(2, "Terminal")]),
        CimObject("tn", "TopologicalNode", [Part(2, "TopologicalNode")]),
    ]
    return Model(documents=[dy, eq, tp], objects={o.id: o for o in objects})


def styles(data: bytes) -> list[str]:
    """``ID _x`` or ``about #_x`` per description (header left out)."""
    return [
        f"ID {e.get(f'{{{RDF}}}ID')}"
        if e.get(f"{{{RDF}}}ID")
        else f"about {e.get(f'{{{RDF}}}about')}"
        for e in parse(data)
        if e.tag != f"{{{MD}}}FullModel"
    ]


def test_each_object_is_defined_by_rdf_id_in_its_home_document() -> None:
    """An equipment document defines; DY and TP add with rdf:about but define their own objects."""
    model = profile_model()
    assert styles(document_bytes(model, 0)) == ["about #_sm", "ID _dyn"]
    assert styles(document_bytes(model, 1)) == ["ID _sm", "ID _t1", "ID _t2"]
    assert styles(document_bytes(model, 2)) == ["about #_t1", "about #_t2", "ID _tn"]


def test_a_document_keeps_its_majority_style() -> None:
    """Were most of an rdf:ID document's objects defined elsewhere, it stays all rdf:ID."""
    model = profile_model()
    model.documents[0].ids.remove("dyn")
    model.objects["dyn"].parts.clear()
    assert styles(document_bytes(model, 0)) == ["ID _sm"]


def test_parts_missing_from_document_ids_are_still_written() -> None:
    """A part whose id the document does not list (edited in code) follows, not dropped."""
    model = two_document_model()
    model.documents[1].ids.clear()
    assert b'rdf:about="#_b1"' in document_bytes(model, 1)


def test_model_without_documents_is_one_deterministic_cim100_document() -> None:
    """A generated model becomes one CIM100 document with a FullModel, identical on re-export."""
    model = generated_model()
    first, again = document_bytes(model), document_bytes(generated_model())
    assert first == again
    root = parse(first)
    assert root.nsmap["cim"] == CIM100
    assert root[0].tag == f"{{{MD}}}FullModel" and root[0].get(f"{{{RDF}}}about", "").startswith(
        "urn:uuid:"
    )
    assert [e.get(f"{{{RDF}}}ID") for e in root][1:] == ["_t1", "_n1"]


def test_write_rdfxml_writes_one_file_per_document(tmp_path: Path) -> None:
    """A folder gets one file per document named as read; a single .xml takes one document."""
    model = two_document_model()
    written = write_rdfxml(model, tmp_path / "out")
    assert [p.name for p in written] == ["grid_EQ.xml", "grid_SSH.xml"]
    assert written[1].read_bytes() == document_bytes(model, 1)
    single = write_rdfxml(generated_model(), tmp_path / "gen.xml")
    assert single == [tmp_path / "gen.xml"] and single[0].read_bytes() == document_bytes(
        generated_model()
    )
    with pytest.raises(ConfigurationError, match="2 documents"):
        write_rdfxml(model, tmp_path / "one.xml")


def test_clashing_document_names_are_made_unique() -> None:
    """Two documents with the same base name get numbered file names."""
    model = two_document_model()
    model.documents[1].name = "/elsewhere/grid_EQ.xml"
    assert file_names(model) == ["00_grid_EQ.xml", "01_grid_EQ.xml"]


def test_undeclared_prefix_and_unwritable_characters_are_errors() -> None:
    """A property in an undeclared namespace, or a control character, is refused, not dropped."""
    model = two_document_model()
    model.objects["vl"].parts[0].props["nope:X.y"] = "1"
    with pytest.raises(ConfigurationError, match="'nope' is not declared"):
        document_bytes(model, 0)
    model = two_document_model()
    model.objects["vl"].parts[0].props["IdentifiedObject.name"] = "bell\x07"
    with pytest.raises(ConfigurationError, match="cannot be written"):
        document_bytes(model, 0)
    with pytest.raises(ConfigurationError, match="name the one"):
        document_bytes(model)


def test_graph_equals_what_rdflib_reads_from_the_export() -> None:
    """to_graph gives exactly the triples rdflib parses from the RDF/XML files with that base."""
    model = two_document_model()
    parsed = Graph()
    for index in range(len(model.documents)):
        parsed.parse(data=document_bytes(model, index), format="xml", publicID=BASE)
    assert isomorphic(parsed, to_graph(model, base=BASE))
    generated = Graph().parse(data=document_bytes(generated_model()), format="xml", publicID=BASE)
    assert isomorphic(generated, to_graph(generated_model(), base=BASE))
    model.documents[1].header_id = ""  # a FullModel without rdf:about: the base itself
    parsed = Graph().parse(data=document_bytes(model, 1), format="xml", publicID=BASE)
    assert (URIRef(BASE), URIRef(RDF + "type"), URIRef(MD + "FullModel")) in parsed
    assert (URIRef(BASE), URIRef(RDF + "type"), URIRef(MD + "FullModel")) in to_graph(
        model, base=BASE
    )


def test_graph_terms_use_object_iris_plain_literals_and_uris() -> None:
    """References are object IRIs, literals are plain text, enum URIs stay URIs."""
    graph = to_graph(two_document_model(), base="urn:uuid:")
    b1, vl = URIRef("urn:uuid:b1"), URIRef(object_iri("vl", "urn:uuid:"))
    assert (b1, URIRef(CIM16 + "Equipment.EquipmentContainer"), vl) in graph
    assert (b1, URIRef(CIM16 + "Switch.open"), Literal("false")) in graph
    assert (b1, URIRef(ENTSOE + "IdentifiedObject.shortName"), Literal("B1")) in graph
    terminal = URIRef(object_iri("t1", BASE))
    phases = URIRef(CIM100 + "PhaseCode.ABC")
    assert (terminal, URIRef(CIM100 + "Terminal.phases"), phases) in to_graph(
        generated_model(), base=BASE
    )


def test_sparql_counts_agree_between_rdflib_oxigraph_and_the_model() -> None:
    """A SPARQL count of breakers is the same in rdflib, pyoxigraph and model.counts()."""
    model = two_document_model()
    query = (
        f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a <{CIM16}Breaker> ; "
        f'<{CIM16}Switch.open> "false" }}'
    )
    oxi = list(to_oxigraph(model).query(query))
    assert rdflib_count(to_graph(model), query) == int(oxi[0]["n"].value)
    assert int(oxi[0]["n"].value) == model.counts()["Breaker"] == 1
    assert len(to_oxigraph(model)) == len(to_graph(model))


@pytest.mark.parametrize("fmt", ["turtle", "jsonld", "nt", "xml"])
@pytest.mark.filterwarnings("ignore::DeprecationWarning:rdflib")
def test_serializations_parse_back_to_the_same_graph(fmt: str) -> None:
    """Turtle, JSON-LD, N-Triples and RDF/XML text parse back to an isomorphic graph."""
    model = two_document_model()
    text = serialize(model, fmt)
    rdflib_fmt = {"turtle": "turtle", "jsonld": "json-ld", "nt": "nt", "xml": "xml"}[fmt]
    back = Graph().parse(data=text, format=rdflib_fmt)
    assert isomorphic(back, to_graph(model))
    if fmt == "jsonld":
        assert isinstance(json.loads(text), list | dict)


def test_ntriples_escape_quotes_backslashes_and_newlines() -> None:
    """Literal text with quotes, backslashes and line breaks survives N-Triples."""
    model = generated_model()
    model.objects["n1"].parts[0].props["IdentifiedObject.name"] = 'a "q" \\ b\r\nc'
    back = Graph().parse(data=ntriples(model), format="nt")
    assert Literal('a "q" \\ b\r\nc') in set(back.objects())


def test_export_reads_back_into_the_same_store(tmp_path: Path) -> None:
    """The reader gets every document, object, part and value of a hand-built model back."""
    from cim.network.rdfxml import load

    model = two_document_model()
    again = load(write_rdfxml(model, tmp_path))
    for before, after in zip(model.documents, again.documents, strict=True):
        assert (after.namespaces, after.header_id, after.ids, after.about) == (
            before.namespaces,
            before.header_id,
            before.ids,
            before.about,
        )
    assert after_parts(again) == after_parts(model)
    assert again.documents[0].header["Model.DependentOn"] == ["urn:uuid:boundary-1"]


def after_parts(model: Model) -> dict[str, list[tuple[int, str, object]]]:
    """Per object, its parts as (document, class, properties with value kinds)."""
    return {
        o.id: [
            (
                p.doc,
                p.cls,
                {
                    k: [(type(v).__name__, v) for v in (x if isinstance(x, list) else [x])]
                    for k, x in p.props.items()
                },
            )
            for p in o.parts
        ]
        for o in model.objects.values()
    }


def test_cli_help_and_an_unreadable_model(tmp_path: Path) -> None:
    """`model export --help` documents the formats; a broken file fails in one line, exit 1."""
    from click.testing import CliRunner

    from bus.cli import main

    out = CliRunner().invoke(main, ["model", "export", "--help"])
    assert out.exit_code == 0 and "cimxml|turtle|jsonld" in out.output
    bad = tmp_path / "bad.xml"
    bad.write_text("<rdf:RDF", encoding="utf-8")
    out = CliRunner().invoke(main, ["model", "export", str(bad), "--out", str(tmp_path / "o")])
    assert out.exit_code == 1
    assert out.output.startswith("error: ") and out.output.count("\n") == 1


def test_unknown_serialization_is_refused() -> None:
    """An unknown format name is a ConfigurationError listing the choices."""
    with pytest.raises(ConfigurationError, match="turtle"):
        serialize(generated_model(), "yaml")
