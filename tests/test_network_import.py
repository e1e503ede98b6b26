"""Reading CIM RDF/XML into the store: identifiers, names, versions, values, problems, refusals."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from cim.errors import CimbusError, ConfigurationError, MalformedMessage, MessageError
from cim.network.rdfxml import load, loads, read_document, versions
from cim.network.sources import Source, sources
from cim.network.store import Model, Ref, Uri
from cim.network.values import convert, member_type, typed

CIM16_2013 = "http://iec.ch/TC57/2013/CIM-schema-cim16#"
CIM16_2012 = "http://iec.ch/TC57/2012/CIM-schema-cim16#"
CIM100 = "http://iec.ch/TC57/CIM100#"
ENTSOE = "http://entsoe.eu/CIM/SchemaExtension/3/1#"
EU = "http://iec.ch/TC57/CIM100-European#"
MD = "http://iec.ch/TC57/61970-552/ModelDescription/1#"


def rdf(body: str, cim: str = CIM100, header: str = "", extra: str = "") -> bytes:
    """An RDF/XML document: the declaration on line 1, rdf:RDF on line 2, ``body`` from line 3."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:cim="{cim}"'
        f' xmlns:md="{MD}" xmlns:entsoe="{ENTSOE}" xmlns:eu="{EU}" {extra}>\n'
        f"{header}{body}\n</rdf:RDF>\n"
    ).encode()


def write(tmp: Path, name: str, data: bytes) -> Path:
    """A file in the test's folder."""
    path = tmp / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# ---------------------------------------------------------------- identifiers and references


def test_every_way_of_writing_an_identifier_meets_one_object(tmp_path: Path) -> None:
    """rdf:ID _x, rdf:about #_x, urn:uuid:x and a full URI are one object, in any file."""
    eq = rdf(
        '<cim:Breaker rdf:ID="_x"><cim:IdentifiedObject.name>B1</cim:IdentifiedObject.name>'
        "</cim:Breaker>"
    )
    ssh = rdf('<cim:Breaker rdf:about="#_x"><cim:Switch.open>false</cim:Switch.open></cim:Breaker>')
    other = rdf(
        '<cim:Breaker rdf:about="urn:uuid:x"><cim:Switch.locked>true</cim:Switch.locked>'
        '</cim:Breaker><cim:Terminal rdf:about="http://example.org/grid#_t">'
        '<cim:Terminal.ConductingEquipment rdf:resource="http://example.org/grid#_x"/>'
        "</cim:Terminal>"
        '<cim:Terminal rdf:ID="t2"><cim:Terminal.ConductingEquipment rdf:resource="_x"/>'
        "</cim:Terminal>"
    )
    model = load(
        [write(tmp_path, n, d) for n, d in (("a.xml", eq), ("b.xml", ssh), ("c.xml", other))]
    )
    breaker = model.objects["x"]
    assert breaker.cls == "Breaker" and len(breaker.parts) == 3
    assert breaker.props() == {
        "IdentifiedObject.name": "B1",
        "Switch.open": "false",
        "Switch.locked": "true",
    }
    assert model.objects["t"].ref("Terminal.ConductingEquipment") == "x"
    assert model.objects["t2"].ref("Terminal.ConductingEquipment") == "x"
    assert model.unresolved() == []
    assert [d.about for d in model.documents] == [False, True, True]


def test_resources_are_references_unless_they_name_a_vocabulary_term() -> None:
    """Enumeration literals and external URIs are Uri; #_id, _id and urn:uuid are Ref."""
    model = loads(
        rdf(
            '<cim:PowerTransformerEnd rdf:ID="_e">'
            f'<cim:PowerTransformerEnd.connectionKind rdf:resource="{CIM100}WindingConnection.Yn"/>'
            '<cim:TransformerEnd.Terminal rdf:resource="#_t"/>'
            '<skos:exactMatch rdf:resource="http://energy.referencedata.eu/Thing/1.0"/>'
            "</cim:PowerTransformerEnd>",
            extra='xmlns:skos="http://www.w3.org/2004/02/skos/core#"',
        )
    )
    end = model.objects["e"]
    kind = end.get("PowerTransformerEnd.connectionKind")
    assert isinstance(kind, Uri) and kind == f"{CIM100}WindingConnection.Yn"
    assert isinstance(end.get("TransformerEnd.Terminal"), Ref)
    assert isinstance(end.get("skos:exactMatch"), Uri)
    assert model.unresolved() == [("e", "TransformerEnd.Terminal", "t")]
    assert model.problems == []


def test_untyped_description_repeats_and_attribute_properties_are_kept() -> None:
    """rdf:Description has no class; repeated properties become lists; attributes are properties."""
    model = loads(
        rdf(
            '<rdf:Description rdf:about="#_l">'
            "<cim:IdentifiedObject.name>L</cim:IdentifiedObject.name></rdf:Description>"
            '<cim:Location rdf:ID="_l2" cim:IdentifiedObject.name="attr">'
            '<cim:Location.PowerSystemResources rdf:resource="#_a"/>'
            '<cim:Location.PowerSystemResources rdf:resource="#_b"/></cim:Location>'
        )
    )
    assert model.objects["l"].cls == "" and model.objects["l"].parts[0].cls == ""
    assert model.objects["l2"].get("Location.PowerSystemResources") == ["a", "b"]
    assert model.objects["l2"].get("IdentifiedObject.name") == "attr"
    assert model.counts() == {"": 1, "Location": 1}


def test_a_later_subclass_refines_the_class_and_a_contradiction_is_reported(tmp_path: Path) -> None:
    """CGMES 3 SSH writes Equipment for an EQ Breaker: one Breaker; Breaker vs Fuse is reported."""
    first = rdf(
        '<cim:Equipment rdf:about="#_b"><cim:Equipment.inService>true'
        '</cim:Equipment.inService></cim:Equipment><cim:Fuse rdf:ID="_f"/>'
    )
    second = rdf('<cim:Breaker rdf:ID="_b"/><cim:Breaker rdf:about="#_f"/>')
    model = load([write(tmp_path, "1.xml", first), write(tmp_path, "2.xml", second)])
    assert model.objects["b"].cls == "Breaker"
    assert model.objects["f"].cls == "Fuse"
    [problem] = model.problems
    assert problem.file.endswith("2.xml") and problem.line == 3
    assert "f is a Breaker here but a Fuse earlier; the first is kept" in problem.message


# ---------------------------------------------------------------- header, names and versions


def test_header_profiles_dependencies_and_cim_version_are_recorded() -> None:
    """md:FullModel is the document's header, not an object; the CIM version comes from cim:."""
    header = (
        '<md:FullModel rdf:about="urn:uuid:m1"><md:Model.profile>http://entsoe.eu/CIM/'
        "SteadyStateHypothesis/1/1</md:Model.profile>"
        '<md:Model.DependentOn rdf:resource="urn:uuid:m0"/>'
        '<neplan:Model.createdBy xmlns:neplan="http://www.neplan.ch#">N</neplan:Model.createdBy>'
        "</md:FullModel>\n"
    )
    model = loads(rdf('<cim:Terminal rdf:about="#_t"/>', cim=CIM16_2013, header=header), "ssh.xml")
    doc = model.documents[0]
    assert doc.header_id == "urn:uuid:m1" and doc.cim_version == "CIM16"
    assert doc.profiles == ("http://entsoe.eu/CIM/SteadyStateHypothesis/1/1",)
    assert doc.header["Model.DependentOn"] == [Uri("urn:uuid:m0")]
    assert doc.header["neplan:Model.createdBy"] == ["N"]
    assert doc.namespaces["cim"] == CIM16_2013 and list(model.objects) == ["t"]
    [problem] = model.problems
    assert (problem.file, problem.line) == ("ssh.xml", 3)
    assert "depends on model urn:uuid:m0" in problem.message


@pytest.mark.parametrize(
    ("namespace", "version"),
    [(CIM16_2012, "CIM16"), (CIM16_2013, "CIM16"), (CIM100, "CIM100")],
)
def test_the_cim_version_is_detected_from_the_namespace(namespace: str, version: str) -> None:
    """CIGRE's 2012 and ENTSO-E's 2013 CIM16 namespaces and CIM100 are recognised."""
    model = loads(rdf('<cim:Terminal rdf:ID="_t"/>', cim=namespace))
    assert versions(model) == [version] and model.problems == []


def test_unsupported_or_missing_cim_namespaces_are_reported() -> None:
    """A CIM15 namespace or none at all is a warning on the rdf:RDF line, not a guess."""
    cim15 = loads(
        rdf('<cim:Terminal rdf:ID="_t"/>', cim="http://iec.ch/TC57/2011/CIM-schema-cim15#")
    )
    assert cim15.documents[0].cim_version == "CIM15"
    assert "CIM15 is not supported" in cim15.problems[0].message
    none = loads(rdf('<x:Thing rdf:ID="_t"/>', cim="urn:x").replace(b"xmlns:cim", b"xmlns:x"))
    assert none.documents[0].cim_version == "" and versions(none) == []
    assert any("declares no CIM namespace" in p.message for p in none.problems)


def test_names_are_qualified_and_unknown_ones_kept_and_reported_once() -> None:
    """CIM names bare, extensions by prefix; unknown classes and properties kept, counted."""
    body = "".join(
        f'<cim:Gizmo rdf:ID="_g{i}"><cim:Gizmo.size>1</cim:Gizmo.size>'
        "<entsoe:IdentifiedObject.shortName>s</entsoe:IdentifiedObject.shortName>"
        "<eu:IdentifiedObject.shortName>e</eu:IdentifiedObject.shortName>"
        '<x:Thing.colour xmlns:x="urn:example:x">red</x:Thing.colour></cim:Gizmo>\n'
        for i in range(3)
    )
    model = loads(rdf(body, cim=CIM16_2013), "g.xml")
    assert model.counts() == {"Gizmo": 3}
    assert model.objects["g0"].props() == {
        "Gizmo.size": "1",
        "entsoe:IdentifiedObject.shortName": "s",
        "eu:IdentifiedObject.shortName": "e",
        "x:Thing.colour": "red",
    }
    messages = [(p.line, p.message) for p in model.problems]
    assert messages == [
        (3, "class Gizmo is not a CIM100 name; kept (3 times, first here)"),
        (3, "property Gizmo.size is not a CIM100 name; kept (3 times, first here)"),
        (
            3,
            "property entsoe:IdentifiedObject.shortName has no CIM100 equivalent (ENTSO-E "
            "extension; CGMES 3 has eu:IdentifiedObject.shortName, outside CIM100); kept "
            "(3 times, first here)",
        ),
        (
            3,
            "property x:Thing.colour is in namespace urn:example:x, neither CIM nor known; "
            "kept (3 times, first here)",
        ),
    ]


def test_unknown_enumeration_literals_and_misplaced_properties_are_reported() -> None:
    """A literal CIM100 lacks, or a property of another class, is kept with a warning."""
    model = loads(
        rdf(
            f'<cim:PowerTransformerEnd rdf:ID="_e"><cim:PowerTransformerEnd.connectionKind '
            f'rdf:resource="{CIM100}WindingConnection.Q"/></cim:PowerTransformerEnd>\n'
            '<cim:PositionPoint rdf:ID="_p">'
            "<cim:IdentifiedObject.mRID>p</cim:IdentifiedObject.mRID></cim:PositionPoint>"
        )
    )
    assert [p.message for p in model.problems] == [
        "literal WindingConnection.Q is not a CIM100 name; kept",
        "property IdentifiedObject.mRID is not a member of PositionPoint or its superclasses "
        "in CIM100; kept",
    ]
    assert model.objects["p"].get("IdentifiedObject.mRID") == "p"


# ---------------------------------------------------------------- values


def test_an_integer_written_as_a_decimal_is_kept_and_reported_with_file_and_line() -> None:
    """60.000000 for an Integer: the text stays, typed() gives 60, a warning names the line."""
    model = loads(
        rdf(
            '<cim:Breaker rdf:ID="_b">\n'
            "<cim:Switch.switchOnCount>60.000000</cim:Switch.switchOnCount></cim:Breaker>"
        ),
        "grid.xml",
    )
    breaker = model.objects["b"]
    assert breaker.get("Switch.switchOnCount") == "60.000000"
    assert typed(breaker, "Switch.switchOnCount") == 60
    [problem] = model.problems
    assert (problem.file, problem.line, problem.severity) == ("grid.xml", 4, "warning")
    assert "integer written as '60.000000'; read as 60" in problem.message


def test_a_value_that_is_no_value_of_its_type_is_an_error_and_empty_is_absent() -> None:
    """'maybe' for a Boolean is an error (text kept); an empty Float is absent, with a warning."""
    model = loads(
        rdf(
            '<cim:Breaker rdf:ID="_b"><cim:Switch.open>maybe</cim:Switch.open>'
            "<cim:Switch.ratedCurrent/></cim:Breaker>"
        )
    )
    breaker = model.objects["b"]
    assert breaker.get("Switch.open") == "maybe"
    assert [(p.severity, p.message) for p in model.problems] == [
        ("error", "Switch.open: 'maybe' is not a boolean (true or false); kept as text"),
        ("warning", "Switch.ratedCurrent: empty float value; kept, read as absent"),
    ]
    assert typed(breaker, "Switch.ratedCurrent") is None
    with pytest.raises(ValueError, match="not a boolean"):
        typed(breaker, "Switch.open")


def test_typed_converts_by_the_cim100_type_of_the_property() -> None:
    """Float, Integer, Boolean, DateTime, Date, references and unknown properties."""
    model = loads(
        rdf(
            '<cim:Breaker rdf:ID="_b"><cim:Switch.ratedCurrent>1.5E3</cim:Switch.ratedCurrent>'
            "<cim:Breaker.normalOpen>true</cim:Breaker.normalOpen>"
            "<cim:Switch.switchOnDate>2021-02-09T19:28:14Z</cim:Switch.switchOnDate>"
            '<cim:Equipment.EquipmentContainer rdf:resource="#_vl"/>'
            "<eu:IdentifiedObject.shortName>007</eu:IdentifiedObject.shortName></cim:Breaker>"
        )
    )
    breaker = model.objects["b"]
    assert typed(breaker, "Switch.ratedCurrent") == 1500.0
    assert typed(breaker, "Breaker.normalOpen") is True
    assert str(typed(breaker, "Switch.switchOnDate")) == "2021-02-09 19:28:14+00:00"
    assert typed(breaker, "Equipment.EquipmentContainer") == Ref("vl")
    assert typed(breaker, "eu:IdentifiedObject.shortName") == "007"
    assert typed(breaker, "IdentifiedObject.name") is None
    assert member_type("Breaker.normalOpen") == "boolean"
    assert member_type("Terminal.ConductingEquipment") == "ref"
    assert member_type("PowerTransformerEnd.connectionKind") == "enum"
    assert member_type("Gizmo.size") is None
    assert convert("date", "2017-10-02") == (convert("date", "2017-10-02")[0], None)
    assert convert("boolean", "True") == (
        True,
        "boolean written as 'True' (XML Schema: true/false)",
    )
    assert convert("float", "INF")[0] == float("inf")
    with pytest.raises(ValueError):
        convert("float", "1,5")


def test_nested_values_are_errors_and_xml_literals_are_kept() -> None:
    """rdf:parseType Resource and nested descriptions are refused per property; Literal is text."""
    model = loads(
        rdf(
            '<cim:Breaker rdf:ID="_b"><cim:IdentifiedObject.description rdf:parseType="Literal">'
            "<b>bold</b> text</cim:IdentifiedObject.description>"
            '<cim:Equipment.EquipmentContainer><cim:Bay rdf:ID="_bay"/>'
            "</cim:Equipment.EquipmentContainer>"
            '<cim:Switch.SwitchPhase rdf:parseType="Resource"/></cim:Breaker>\n'
            "<cim:Breaker/>"
        )
    )
    breaker = model.objects["b"]
    assert breaker.get("IdentifiedObject.description") == "<b>bold</b> text"
    assert breaker.get("Equipment.EquipmentContainer") is None and list(model.objects) == ["b"]
    assert [(p.line, p.severity) for p in model.problems] == [
        (3, "error"),
        (3, "error"),
        (4, "error"),
    ]
    assert "a description with no rdf:ID or rdf:about: not read" in model.problems[2].message


def test_a_description_repeated_in_one_document_is_kept_and_reported() -> None:
    """Two descriptions of one identifier in one file: both parts kept, the second reported."""
    model = loads(rdf('<cim:Terminal rdf:ID="_t"/>\n<cim:Terminal rdf:about="#_t"/>'))
    assert len(model.objects["t"].parts) == 2 and model.documents[0].ids == ["t", "t"]
    assert model.problems[0].message == "#_t is described twice (first on line 3); both kept"


# ---------------------------------------------------------------- refusals


HOSTILE = {
    "empty": (b"", "empty.xml: empty document"),
    "blank": (b"  \n\n", "blank.xml: empty document"),
    "dtd": (
        b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">]>\n<r>&a;</r>',
        "dtd.xml: document type declarations (DTDs) and entities are refused",
    ),
    "dtd16": (
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE r [<!ENTITY a "a">]><r/>'.encode(
            "utf-16"
        ),
        "dtd16.xml: document type declarations",
    ),
    "entity": (
        rdf(
            '<cim:Terminal rdf:ID="_t"><cim:IdentifiedObject.name>&x;'
            "</cim:IdentifiedObject.name></cim:Terminal>"
        ),
        "entity.xml:3:57: not well-formed XML (Entity 'x' not defined)",
    ),
    "truncated": (
        rdf('<cim:Terminal rdf:ID="_t"/>\n<cim:Terminal rdf:ID="_u">')[:-30],
        "truncated.xml:4:",
    ),
    "wrong-root": (
        b"<?xml version='1.0'?>\n<Model/>",
        "wrong-root.xml:2: the root element is Model",
    ),
    "binary": (b"\x00\x01\x02garbage", "binary.xml:1:"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_input_is_refused_naming_the_spot_and_leaves_no_partial_model(
    case: str, tmp_path: Path
) -> None:
    """DTDs, entities, truncation, a wrong root, empty or binary files: one clear error."""
    data, expected = HOSTILE[case]
    model = loads(rdf('<cim:Terminal rdf:ID="_keep"/>'))
    before = (list(model.objects), len(model.documents), list(model.problems))
    with pytest.raises(CimbusError) as caught:
        read_document(model, Source.from_bytes(f"{case}.xml", data))
    assert caught.value.reason.startswith(expected), caught.value.reason
    assert (list(model.objects), len(model.documents), list(model.problems)) == before
    with pytest.raises(CimbusError):
        load([write(tmp_path, f"{case}.xml", data)])


def test_a_not_well_formed_file_names_file_line_and_column(tmp_path: Path) -> None:
    """A closing tag that does not match is a MalformedMessage with path file:line:column."""
    bad = write(tmp_path, "bad.xml", rdf('<cim:Breaker rdf:ID="_b">\n</cim:Fuse>'))
    with pytest.raises(MalformedMessage) as caught:
        load([write(tmp_path, "good.xml", rdf('<cim:Fuse rdf:ID="_f"/>')), bad])
    assert caught.value.path == f"{bad}:4:12"
    assert "Opening and ending tag mismatch: Breaker line 3 and Fuse" in caught.value.reason
    assert "nothing of this document was loaded" in caught.value.reason


def test_a_difference_model_is_refused_with_a_pointer_to_model_apply() -> None:
    """dm:DifferenceModel documents are applied, not imported."""
    data = rdf(
        '<dm:DifferenceModel rdf:about="urn:uuid:d"/>',
        extra='xmlns:dm="http://iec.ch/TC57/61970-552/DifferenceModel/1#"',
    )
    with pytest.raises(MessageError, match="cimbus model apply"):
        loads(data, "diff.xml")


# ---------------------------------------------------------------- sources


def test_folders_are_searched_recursively_and_archives_read_without_extracting(
    tmp_path: Path,
) -> None:
    """*.xml and *.rdf in folders (hidden skipped); zip members named archive.zip!member."""
    doc = rdf('<cim:Terminal rdf:ID="_t"/>')
    write(tmp_path, "grid/b/EQ.rdf", doc)
    write(tmp_path, "grid/a.XML", doc)
    write(tmp_path, "grid/notes.txt", b"x")
    write(tmp_path, "grid/.hidden/x.xml", b"x")
    archive = tmp_path / "grid.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("model/SSH.xml", doc)
        z.writestr("__MACOSX/model/._SSH.xml", b"junk")
        z.writestr("readme.txt", b"x")
    found = sources([tmp_path / "grid", archive, tmp_path / "grid" / "a.XML"])
    assert [s.name for s in found] == [
        str(tmp_path / "grid" / "a.XML"),
        str(tmp_path / "grid" / "b" / "EQ.rdf"),
        f"{archive}!model/SSH.xml",
    ]
    assert found[2].size == len(doc)
    model = load([tmp_path / "grid", archive])
    assert len(model.objects["t"].parts) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grid", "grid.zip"]


def test_missing_paths_empty_folders_and_broken_archives_are_refused(tmp_path: Path) -> None:
    """Nothing to read is a ConfigurationError; a broken archive is a MalformedMessage."""
    (tmp_path / "empty").mkdir()
    write(tmp_path, "broken.zip", b"PK not really")
    with pytest.raises(ConfigurationError, match="no such file or folder"):
        load([tmp_path / "missing.xml"])
    with pytest.raises(ConfigurationError, match=r"no \*\.xml or \*\.rdf"):
        load([tmp_path / "empty"])
    with pytest.raises(ConfigurationError, match="no documents"):
        load([])
    with pytest.raises(MalformedMessage, match=r"not a readable \.zip archive"):
        load([tmp_path / "broken.zip"])


def test_progress_reports_bytes_read_of_all_documents(tmp_path: Path) -> None:
    """The progress callback sees a growing byte count up to the total of every document."""
    paths = [write(tmp_path, f"{i}.xml", rdf(f'<cim:Terminal rdf:ID="_t{i}"/>')) for i in range(3)]
    seen: list[tuple[int, int, str]] = []
    load(paths, progress=lambda done, total, name: seen.append((done, total, name)))
    total = sum(p.stat().st_size for p in paths)
    assert seen[-1][:2] == (total, total) and seen[-1][2] == str(paths[-1])
    assert [s[0] for s in seen] == sorted(s[0] for s in seen)


def test_reading_into_an_existing_model_appends_a_document() -> None:
    """read_document merges one more document into a model and returns its record."""
    model = Model()
    doc = read_document(model, Source.from_bytes("a.xml", rdf('<cim:Terminal rdf:ID="_t"/>')))
    assert doc is model.documents[0] and doc.ids == ["t"] and model.objects["t"].parts[0].doc == 0


def test_a_corrupt_archive_member_is_refused_naming_the_member(tmp_path: Path) -> None:
    """Damaged compressed bytes inside a zip are a MalformedMessage for archive.zip!member."""
    archive = tmp_path / "grid.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("EQ.xml", rdf('<cim:Terminal rdf:ID="_t"/>' * 500))
    raw = bytearray(archive.read_bytes())
    raw[60] ^= 0xFF
    archive.write_bytes(bytes(raw))
    with pytest.raises(MalformedMessage, match=r"grid\.zip!EQ\.xml: cannot be read"):
        load([archive])
