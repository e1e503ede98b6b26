"""Difference models on models built in code: apply, diff, routing, strictness, hostile input."""

from __future__ import annotations

from collections import Counter

import pytest

from cim.errors import CimbusError, ConfigurationError
from cim.network.diff import (
    Difference,
    DifferenceConflict,
    DifferenceError,
    Statement,
    apply,
    content,
    diff,
    diff_documents,
    difference_bytes,
    invert,
    read_difference,
    summary,
    target_document,
    write_difference,
)
from cim.network.diffxml import TYPE
from cim.network.store import CimObject, Document, Model, Part, Ref, Uri, Value

CIM16 = "http://iec.ch/TC57/2013/CIM-schema-cim16#"
NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "cim": CIM16,
    "entsoe": "http://entsoe.eu/CIM/SchemaExtension/3/1#",
    "md": "http://iec.ch/TC57/61970-552/ModelDescription/1#",
}
EQ = "http://entsoe.eu/CIM/EquipmentCore/3/1"
SSH = "http://entsoe.eu/CIM/SteadyStateHypothesis/1/1"
OPEN = Uri(CIM16 + "PhaseCode.ABC")
Described = dict[str, tuple[str, dict[str, Value | list[Value]]]]


def model_of(*docs: Described, profiles: tuple[str, ...] = ()) -> Model:
    """A model built in code: per document, object id -> (class, properties)."""
    model = Model()
    for i, described in enumerate(docs):
        prof = (profiles[i],) if i < len(profiles) else ()
        model.documents.append(
            Document(
                name=f"doc{i}.xml",
                namespaces=dict(NS),
                header={"Model.profile": list(prof)},
                header_id=f"urn:uuid:{i:08d}-0000-4000-8000-000000000000",
                profiles=prof,
                ids=list(described),
            )
        )
        for oid, (cls, props) in described.items():
            obj = model.objects.setdefault(oid, CimObject(oid, cls))
            obj.cls = obj.cls or cls
            obj.parts.append(
                Part(i, cls, {k: list(v) if isinstance(v, list) else v for k, v in props.items()})
            )
    return model


def assert_same(a: Model, b: Model) -> None:
    """Same statements per document, same classes, same ids listed per document."""
    assert content(a) == content(b)
    assert {o.id: o.cls for o in a.objects.values()} == {o.id: o.cls for o in b.objects.values()}
    assert [Counter(d.ids) for d in a.documents] == [Counter(d.ids) for d in b.documents]


def base() -> Model:
    """One EQ document: a breaker, its terminal and a line."""
    return model_of(
        {
            "b1": ("Breaker", {"IdentifiedObject.name": "B1", "Switch.normalOpen": "false"}),
            "t1": (
                "Terminal",
                {"Terminal.ConductingEquipment": Ref("b1"), "Terminal.phases": OPEN},
            ),
            "l1": ("ACLineSegment", {"IdentifiedObject.name": "L1", "ACLineSegment.r": "2.200000"}),
        },
        profiles=(EQ,),
    )


def dm(
    reverse: str = "", forward: str = "", header: str = "", parse: str = "rdf:parseType"
) -> bytes:
    """A difference model document around the given statements."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        f' xmlns:cim="{CIM16}" xmlns:md="{NS["md"]}"'
        ' xmlns:dm="http://iec.ch/TC57/61970-552/DifferenceModel/1#">\n'
        '<dm:DifferenceModel rdf:about="urn:uuid:5ca1ab1e-0000-4000-8000-000000000001">\n'
        f"{header}"
        f'<dm:reverseDifferences {parse}="Statements">\n{reverse}</dm:reverseDifferences>\n'
        f'<dm:forwardDifferences {parse}="Statements">\n{forward}</dm:forwardDifferences>\n'
        "</dm:DifferenceModel>\n</rdf:RDF>\n"
    ).encode()


RENAME = dm(
    '<rdf:Description rdf:about="#_l1"><cim:IdentifiedObject.name>L1</cim:IdentifiedObject.name>'
    "</rdf:Description>\n",
    '<rdf:Description rdf:about="#_l1"><cim:IdentifiedObject.name>L1a</cim:IdentifiedObject.name>'
    "</rdf:Description>\n",
)


def test_identical_models_have_an_empty_difference():
    """diff of a model with itself changes nothing and applies to the same model."""
    d = diff(base(), base())
    assert d.is_empty() and diff_documents(base(), base()) == []
    assert_same(apply(base(), d), base())


def test_changed_value_is_one_reverse_and_one_forward_statement():
    """A changed literal is the old value reversed and the new one forwarded."""
    new = base()
    new.objects["l1"].parts[0].props["ACLineSegment.r"] = "2.3"
    d = diff(base(), new)
    assert d.reverse == (Statement("l1", "", "ACLineSegment.r", "2.200000"),)
    assert d.forward == (Statement("l1", "", "ACLineSegment.r", "2.3"),)
    assert d.header["Model.Supersedes"] == [base().documents[0].header_id]
    assert summary(d) == {"reverse": 1, "forward": 1, "added": 0, "removed": 0, "changed": 1}


def test_apply_replaces_a_value_in_its_place_and_leaves_the_base_alone():
    """The new value keeps the property's position; the base model is not changed."""
    start = base()
    out = apply(start, read_difference(RENAME, name="rename.xml"))
    assert list(out.objects["l1"].parts[0].props) == ["IdentifiedObject.name", "ACLineSegment.r"]
    assert out.objects["l1"].get("IdentifiedObject.name") == "L1a"
    assert start.objects["l1"].get("IdentifiedObject.name") == "L1"
    assert out.objects["b1"] is start.objects["b1"]


def test_new_object_goes_to_the_superseded_document():
    """A typed forward description becomes an object of the document the difference supersedes."""
    two = model_of(
        {"b1": ("Breaker", {"IdentifiedObject.name": "B1"})},
        {"b1": ("Breaker", {"Switch.open": "false"})},
        profiles=(EQ, SSH),
    )
    header = f'<md:Model.Supersedes rdf:resource="{two.documents[1].header_id}"/>\n'
    d = read_difference(
        dm(
            "",
            '<cim:Breaker rdf:ID="_b2"><cim:Switch.open>true</cim:Switch.open></cim:Breaker>\n',
            header,
        )
    )
    out = apply(two, d)
    assert out.objects["b2"].parts == [Part(1, "Breaker", {"Switch.open": "true"})]
    assert out.documents[1].ids == ["b1", "b2"] and out.documents[0].ids == ["b1"]


def test_target_document_by_profile_then_only_document_then_unclear():
    """Without Supersedes the profile decides; with one document it is that one; else None."""
    two = model_of({"a": ("Breaker", {})}, {"a": ("Breaker", {})}, profiles=(EQ, SSH))
    by_profile = Difference("urn:uuid:1", header={"Model.profile": [f"{EQ}"]})
    assert target_document(two, by_profile) == 0
    assert target_document(two, Difference("urn:uuid:1")) is None
    assert target_document(base(), Difference("urn:uuid:1")) == 0
    assert target_document(two, Difference("urn:uuid:1"), "doc1.xml") == 1
    with pytest.raises(ConfigurationError):
        target_document(two, Difference("urn:uuid:1"), "nope.xml")


def test_new_object_without_a_target_document_is_refused():
    """Two documents and nothing naming one: a new object cannot be placed."""
    two = model_of({"a": ("Breaker", {})}, {"a": ("Breaker", {})})
    d = read_difference(dm("", '<cim:Breaker rdf:about="#_new"/>\n'), name="x.xml")
    with pytest.raises(DifferenceError, match=r"x\.xml:7: cannot tell which document"):
        apply(two, d)


def test_object_with_every_statement_reversed_is_deleted():
    """Reversing a typed description with all its properties removes the object and its id."""
    d = read_difference(
        dm(
            '<cim:Terminal rdf:ID="_t1">'
            '<cim:Terminal.ConductingEquipment rdf:resource="#_b1"/>'
            f'<cim:Terminal.phases rdf:resource="{OPEN}"/></cim:Terminal>\n'
        )
    )
    out = apply(base(), d)
    assert "t1" not in out.objects and out.documents[0].ids == ["b1", "l1"]


def test_reverse_mismatch_is_refused_with_file_and_line_and_changes_nothing():
    """A reverse value the base does not hold is a conflict naming file and line; atomic."""
    bad = dm(
        '<rdf:Description rdf:about="#_l1">'
        "<cim:IdentifiedObject.name>L1</cim:IdentifiedObject.name></rdf:Description>\n"
        '<rdf:Description rdf:about="#_b1">\n<cim:Switch.normalOpen>true</cim:Switch.normalOpen>'
        "</rdf:Description>\n"
    )
    start = base()
    with pytest.raises(DifferenceConflict) as caught:
        apply(start, read_difference(bad, name="gis-42.xml"), in_place=True)
    err = caught.value
    assert (err.file, err.line, err.code) == ("gis-42.xml", 7, "5.9")
    assert "Switch.normalOpen 'true' is not in the base, which has 'false'" in str(err)
    assert_same(start, base())


def test_lenient_skips_a_mismatch_with_a_warning():
    """lenient=True applies what matches and reports the rest as warnings."""
    bad = dm(
        '<rdf:Description rdf:about="#_l1"><cim:ACLineSegment.r>9</cim:ACLineSegment.r>'
        "</rdf:Description>\n",
        '<rdf:Description rdf:about="#_l1"><cim:ACLineSegment.r>3</cim:ACLineSegment.r>'
        "</rdf:Description>\n",
    )
    out = apply(base(), read_difference(bad, name="g.xml"), lenient=True)
    assert out.objects["l1"].get("ACLineSegment.r") == "3"
    assert [(p.file, p.line, p.severity) for p in out.problems] == [
        ("g.xml", 5, "warning"),
        ("g.xml", 8, "warning"),
    ]


def test_forward_value_beside_an_unremoved_one_is_a_conflict():
    """Adding a second value to a single-valued property without reversing the first fails."""
    d = dm(
        "",
        '<rdf:Description rdf:about="#_l1"><cim:ACLineSegment.r>3</cim:ACLineSegment.r>'
        "</rdf:Description>\n",
    )
    with pytest.raises(DifferenceConflict, match=r"already has '2\.200000'"):
        apply(base(), read_difference(d))
    same = dm(
        "",
        '<rdf:Description rdf:about="#_l1"><cim:ACLineSegment.r>2.200000'
        "</cim:ACLineSegment.r></rdf:Description>\n",
    )
    assert_same(apply(base(), read_difference(same)), base())


def test_preconditions_are_checked_not_applied():
    """A precondition that holds changes nothing; one that does not is a conflict."""
    ok = dm().replace(
        b"<dm:reverse",
        b'<dm:preconditions rdf:parseType="Statements"><rdf:Description rdf:about="#_b1">'
        b"<cim:IdentifiedObject.name>B1</cim:IdentifiedObject.name></rdf:Description>"
        b"</dm:preconditions>\n<dm:reverse",
    )
    assert_same(apply(base(), read_difference(ok)), base())
    with pytest.raises(DifferenceConflict, match="precondition b1"):
        apply(base(), read_difference(ok.replace(b">B1<", b">B9<")))


def test_parse_type_with_or_without_prefix_and_nothing_else():
    """parseType="Statements" is read with or without rdf:, other values are refused."""
    assert read_difference(dm(parse="parseType")).forward == ()
    assert read_difference(RENAME.replace(b"rdf:parseType", b"parseType")) == read_difference(
        RENAME
    )
    with pytest.raises(DifferenceError, match='parseType must be "Statements"'):
        read_difference(dm(parse="rdf:parseType").replace(b'"Statements"', b'"Literal"', 1))


def test_class_change_and_removed_property_round_trip():
    """A class change, a removed property and a new reference are diffed and applied back."""
    new = base()
    new.objects["b1"] = CimObject(
        "b1", "Disconnector", [Part(0, "Disconnector", {"IdentifiedObject.name": "B1"})]
    )
    new.objects["t1"].parts[0].props["Terminal.ConductingEquipment"] = Ref("l1")
    d = diff(base(), new)
    assert Statement("b1", "Breaker", TYPE, "Breaker") in d.reverse
    assert_same(apply(base(), d), new)
    assert_same(apply(new, invert(d)), base())


def test_written_difference_reads_back_the_same():
    """Golden round trip: header, statements and their kinds survive bytes."""
    new = base()
    new.objects["l1"].parts[0].props["entsoe:IdentifiedObject.shortName"] = "L\r\n<&>"
    new.objects["x9"] = CimObject(
        "x9",
        "entsoe:EnergySchedulingType",
        [Part(0, "entsoe:EnergySchedulingType", {"IdentifiedObject.name": ["a", "b"]})],
    )
    new.documents[0].ids.append("x9")
    d = diff(base(), new)
    back = read_difference(difference_bytes(d))
    assert (back.about, back.header, back.reverse, back.forward) == (
        d.about,
        d.header,
        d.reverse,
        d.forward,
    )
    assert_same(apply(base(), back), new)


def test_write_difference_to_a_file(tmp_path):
    """write_difference writes a file read_difference reads."""
    d = read_difference(RENAME)
    path = write_difference(d, tmp_path / "sub" / "d.xml")
    assert read_difference(path).forward == d.forward


def test_changes_in_two_documents_need_diff_documents():
    """diff refuses a change spread over documents; diff_documents gives one per document."""
    old = model_of({"a": ("Breaker", {"n": "1"})}, {"a": ("Breaker", {"m": "1"})})
    new = model_of({"a": ("Breaker", {"n": "2"})}, {"a": ("Breaker", {"m": "2"})})
    with pytest.raises(ConfigurationError, match="differ in 2 documents"):
        diff(old, new)
    found = diff_documents(old, new)
    assert [d.document for d in found] == ["doc0.xml", "doc1.xml"]
    out = old
    for d in found:
        out = apply(out, read_difference(difference_bytes(d)))
    assert_same(out, new)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b'<!DOCTYPE x [<!ENTITY e "boom">]><rdf:RDF/>', "DTDs"),
        (b"<x>&e;</x>", "ENTITY|not well-formed|Entity"),
        (b"", "not well-formed|empty|Document is empty"),
        (b"<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>\n<a>", r":2: not"),
        (b"<DifferenceModel/>", "not rdf:RDF"),
        (dm().replace(b"</rdf:RDF>", b"<dm:DifferenceModel/></rdf:RDF>"), "exactly one"),
        (dm(forward="<rdf:Description><cim:X.y>1</cim:X.y></rdf:Description>"), "rdf:about"),
        (
            dm(
                forward='<rdf:Description rdf:about="#_a"><cim:X.y><cim:Z/></cim:X.y>'
                "</rdf:Description>"
            ),
            "nested",
        ),
        (dm(forward="stray text"), "unexpected text"),
        (dm(header="<cim:Foo>1</cim:Foo>"), "unexpected Foo"),
    ],
)
def test_hostile_or_wrong_input_is_refused_clearly(data, reason):
    """DTDs, entities, broken XML and wrong shapes are DifferenceErrors with a reason."""
    with pytest.raises(DifferenceError, match=reason) as caught:
        read_difference(data, name="in.xml")
    assert str(caught.value).startswith("1.8 in.xml")
    assert isinstance(caught.value, CimbusError)


def test_oversize_and_unreadable_input_is_refused(tmp_path):
    """A size limit applies, and a missing file is an error naming it."""
    with pytest.raises(DifferenceError, match="over the limit"):
        read_difference(RENAME, max_bytes=100)
    with pytest.raises(DifferenceError, match="cannot read"):
        read_difference(tmp_path / "missing.xml")
