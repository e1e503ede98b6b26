"""Profile features any noun may use, on a small profile of their own: children in no namespace
(``qualified=False``), extensions held on the Node, a required choice group and a rule over the
whole payload; and the profile model refusing to be built inconsistently."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from lxml import etree

import cim.model as cm
from cim.errors import SchemaViolation
from cim.profiles import (
    Issue,
    Member,
    Node,
    Payload,
    Profile,
    ProfileClass,
    from_json,
    from_xml,
    to_json,
    to_xml,
    validate,
)
from cim.profiles._dsl import MRID, NAMING, attr, cls, compound, extension, nested, root
from cim.profiles.xsd import profile_xsd

from profile_strategies import payloads


def _no_x(payload: Payload) -> list[Issue]:
    """The rule of the small profile: no meter's mRID starts with ``x``."""
    return [
        Issue(f"/Kit/Meter[{i}]/mRID", f"/Kit/Meter[{i}]/mRID: starts with x")
        for i, node in enumerate(payload.child("Meter"), 1)
        if str(getattr(node.obj, "mRID", "")).startswith("x")
    ]


KIT = Profile(
    name="Kit",
    version="1",
    namespace="urn:example:kit",
    root_element="Kit",
    root_class="Meter",
    root=root("Kit", nested("Meter", "Meter")),
    classes={
        c.name: c
        for c in (
            cls(
                "Meter",
                MRID,
                extension("colour", min=1),
                extension("weights", "integer", max=None),
                nested("Primary", "Name", max=1, choice="label"),
                nested("Secondary", "Name", max=2, choice="label"),
                required_choices=("label",),
            ),
            *NAMING,
        )
    },
    qualified=False,
    checks=(_no_x,),
)
METER = "/Kit/Meter[1]"
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _meter(*extensions: tuple[str, object], mrid: str = "m-1", label: str = "Primary") -> Node:
    return Node(cm.Meter(mRID=mrid), ((label, (Node(cm.Name(name="M1")),)),), extensions)


def test_extensions_are_on_the_node_and_children_in_no_namespace() -> None:
    """The extension values are typed, written after the mRID in no namespace, kept out of the
    Meter's fields, and read back from XML and JSON equal."""
    payload = Payload.of(KIT, Meter=[_meter(("colour", "blue"), ("weights", (3, 1)))])
    assert validate(KIT, payload) == ()
    data = to_xml(KIT, payload)
    assert data.endswith(
        b'<m:Kit xmlns:m="urn:example:kit"><Meter><mRID>m-1</mRID><colour>blue</colour>'
        b"<weights>3</weights><weights>1</weights><Primary><name>M1</name></Primary>"
        b"</Meter></m:Kit>"
    )
    assert from_xml(KIT, data) == payload
    doc = to_json(KIT, payload)
    assert b'"colour":"blue","weights":[3,1]' in doc and from_json(KIT, doc) == payload
    assert from_xml(KIT, data).child("Meter")[0].obj == cm.Meter(mRID="m-1")


@pytest.mark.parametrize(
    ("extensions", "label", "path"),
    [
        ((), "Primary", f"{METER}/colour"),
        ((("colour", "red"), ("weights", ("1",))), "Primary", f"{METER}/weights[1]"),
        ((("colour", "red"), ("weights", 1)), "Primary", f"{METER}/weights"),
        ((("colour", "red"), ("size", 1)), "Primary", METER),
        ((("colour", "red"),), "", METER),
    ],
    ids=["missing", "mistyped", "not-a-list", "unknown", "no-label"],
)
def test_extension_and_choice_issues_name_their_path(
    extensions: tuple[tuple[str, object], ...], label: str, path: str
) -> None:
    """A missing or mistyped extension, one the class lacks, and no member of the required
    choice are 1.8 issues at their paths."""
    node = _meter(*extensions, label=label) if label else Node(cm.Meter(mRID="m"), (), extensions)
    issues = validate(KIT, Payload.of(KIT, Meter=[node]))
    assert [(i.path, i.code) for i in issues] == [(path, "1.8")]


def test_rules_run_after_the_structural_checks() -> None:
    """The profile's rule reports what it finds on a valid payload; to_xml refuses it."""
    payload = Payload.of(KIT, Meter=[_meter(("colour", "red"), mrid="x-1")])
    assert [i.path for i in validate(KIT, payload)] == [f"{METER}/mRID"]
    with pytest.raises(SchemaViolation) as info:
        to_xml(KIT, payload)
    assert info.value.path == f"{METER}/mRID"


def test_emitted_xsd_has_unqualified_children_and_a_required_choice() -> None:
    """The emitted XSD says elementFormDefault="unqualified", types the extensions, holds the
    required group as an xs:choice without minOccurs and refuses a Meter without a label."""
    xsd = etree.fromstring(profile_xsd(KIT))
    assert xsd.get("elementFormDefault") == "unqualified"
    xs = "{http://www.w3.org/2001/XMLSchema}"
    (choice,) = xsd.iter(xs + "choice")
    assert choice.get("minOccurs") is None
    assert [(e.get("name"), e.get("maxOccurs")) for e in choice] == [
        ("Primary", None),
        ("Secondary", "2"),
    ]
    schema = etree.XMLSchema(xsd)
    data = to_xml(KIT, Payload.of(KIT, Meter=[_meter(("colour", "red"))]))
    assert schema.validate(etree.fromstring(data))
    bare = data.replace(b"<Primary><name>M1</name></Primary>", b"")
    assert not schema.validate(etree.fromstring(bare))
    both = data.replace(b"</Primary>", b"</Primary><Secondary><name>2</name></Secondary>")
    assert not schema.validate(etree.fromstring(both))


@SETTINGS
@given(payloads(replace(KIT, checks=())).filter(lambda p: validate(KIT, p) == ()))
def test_generated_payloads_fit_the_emitted_xsd_and_round_trip(payload: Payload) -> None:
    """Drawn payloads (extensions, one label; those the rule refuses left out) fit the emitted
    XSD and read back equal."""
    data = to_xml(KIT, payload)
    assert etree.XMLSchema(etree.fromstring(profile_xsd(KIT))).validate(etree.fromstring(data))
    assert from_xml(KIT, data) == payload and from_json(KIT, to_json(KIT, payload)) == payload


def _profile(*classes: ProfileClass) -> Profile:
    return Profile(
        name="Bad",
        version="1",
        namespace="urn:bad",
        root_element="Bad",
        root_class="Meter",
        root=root("Bad", nested("Meter", "Meter")),
        classes={c.name: c for c in classes},
    )


@pytest.mark.parametrize(
    ("build", "match"),
    [
        (lambda: extension("size", "Length"), "an XSD primitive"),
        (
            lambda: Member(element="x", path="x", kind="attribute", type="string", choice="c"),
            "one of a choice",
        ),
        (
            lambda: cls(
                "Meter",
                nested("A", "Name", choice="c"),
                MRID,
                nested("B", "Name", choice="c"),
            ),
            "apart",
        ),
        (lambda: cls("Meter", MRID, required_choices=("c",)), "no choice c"),
        (
            lambda: _profile(
                cls("Meter", compound("status", "Status")),
                cls("Status", attr("value"), extension("mood")),
            ),
            "needs a Node",
        ),
    ],
    ids=["extension-type", "choice-kind", "choice-apart", "choice-unknown", "extension-compound"],
)
def test_the_profile_model_refuses_inconsistent_profiles(
    build: Callable[[], object], match: str
) -> None:
    """An extension that is no XSD primitive or sits in a compound, a choice of a non-embedded
    member, a group whose members are apart, and an unknown required group are refused."""
    with pytest.raises(ValueError, match=match):
        build()
