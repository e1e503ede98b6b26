"""Property tests: apply(old, diff(old, new)) == new for generated models and generated changes."""

from __future__ import annotations

from collections import Counter
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cim.network.diff import (
    apply,
    content,
    diff,
    diff_documents,
    difference_bytes,
    invert,
    read_difference,
)
from cim.network.store import CimObject, Document, Model, Part, Ref, Uri, Value

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CIM16 = "http://iec.ch/TC57/2013/CIM-schema-cim16#"
NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "cim": CIM16,
    "entsoe": "http://entsoe.eu/CIM/SchemaExtension/3/1#",
    "md": "http://iec.ch/TC57/61970-552/ModelDescription/1#",
}
IDS = [f"id{i}" for i in range(10)] + ["0a1b2c3d-0000-4000-8000-00000000000e"]
CLASSES = ["Breaker", "Terminal", "ACLineSegment", "entsoe:EnergySchedulingType", ""]
PROPS = [
    "IdentifiedObject.name",
    "Switch.open",
    "ACLineSegment.r",
    "Terminal.ConductingEquipment",
    "Terminal.phases",
    "entsoe:IdentifiedObject.shortName",
]
URIS = [CIM16 + "PhaseCode.ABC", CIM16 + "PhaseCode.N", NS["entsoe"] + "Kind.x", "urn:isbn:1"]

text = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x2FF) | st.sampled_from("\t\n\r€"),
    max_size=8,
)
value: st.SearchStrategy[Value] = st.one_of(
    text, st.sampled_from(IDS).map(Ref), st.sampled_from(URIS).map(Uri)
)
prop_values = st.one_of(value, st.lists(value, min_size=2, max_size=3))
Described = dict[str, tuple[str, dict[str, Any]]]


@st.composite
def part(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """A class (maybe none) and properties; never an empty untyped description."""
    cls = draw(st.sampled_from(CLASSES))
    props = draw(st.dictionaries(st.sampled_from(PROPS), prop_values, min_size=0 if cls else 1))
    return cls, props


documents = st.lists(
    st.dictionaries(st.sampled_from(IDS), part(), max_size=6), min_size=1, max_size=3
)


def model_of(docs: list[Described]) -> Model:
    """A model built in code: per document, object id -> (class, properties)."""
    model = Model()
    for i, described in enumerate(docs):
        model.documents.append(
            Document(
                name=f"doc{i}.xml",
                namespaces=dict(NS),
                header_id=f"urn:uuid:{i:08d}-0000-4000-8000-000000000000",
                ids=list(described),
            )
        )
        for oid, (cls, props) in described.items():
            obj = model.objects.setdefault(oid, CimObject(oid, cls))
            obj.cls = obj.cls or cls
            copied = {k: list(v) if isinstance(v, list) else v for k, v in props.items()}
            obj.parts.append(Part(i, cls, copied))
    return model


@st.composite
def changed(draw: st.DrawFn, docs: list[Described]) -> list[Described]:
    """The documents after a few edits: objects added or removed, properties changed."""
    out = [{oid: (cls, dict(props)) for oid, (cls, props) in d.items()} for d in docs]
    for _ in range(draw(st.integers(0, 6))):
        d = out[draw(st.integers(0, len(out) - 1))]
        oid = draw(st.sampled_from(IDS))
        op = draw(st.sampled_from(["add", "remove", "set", "drop", "retarget", "class", "repeat"]))
        if op == "add" or oid not in d:
            d[oid] = draw(part())
            continue
        cls, props = d[oid]
        prop = draw(st.sampled_from(PROPS))
        if op == "remove":
            del d[oid]
        elif op == "set":
            props[prop] = draw(value)
        elif op == "drop" and (len(props) > 1 or cls):
            props.pop(prop, None)
        elif op == "retarget":
            props["Terminal.ConductingEquipment"] = Ref(draw(st.sampled_from(IDS)))
        elif op == "class":
            new_cls = draw(st.sampled_from(CLASSES))
            d[oid] = (new_cls, props) if new_cls or props else (cls, props)
        elif op == "repeat":
            props[prop] = draw(st.lists(value, min_size=2, max_size=3))
    return out


@st.composite
def pairs(draw: st.DrawFn) -> tuple[Model, Model]:
    """An old model and a new one: edits of it, or (sometimes) unrelated documents."""
    old = draw(documents)
    new = draw(
        st.one_of(
            changed(old),
            st.lists(
                st.dictionaries(st.sampled_from(IDS), part(), max_size=6),
                min_size=len(old),
                max_size=len(old),
            ),
        )
    )
    return model_of(old), model_of(new)


def assert_same(a: Model, b: Model) -> None:
    """Same statements per document, same classes, same ids listed per document."""
    assert content(a) == content(b)
    assert {o.id: o.cls for o in a.objects.values()} == {o.id: o.cls for o in b.objects.values()}
    assert [Counter(d.ids) for d in a.documents] == [Counter(d.ids) for d in b.documents]


def apply_all(model: Model, differences: list[Any]) -> Model:
    """Apply differences one after another."""
    for d in differences:
        model = apply(model, d)
    return model


@SETTINGS
@given(pairs())
def test_apply_of_diff_gives_the_new_model(pair):
    """apply(old, d) for each d of diff_documents(old, new) has the content of new."""
    old, new = pair
    before = content(old)
    assert_same(apply_all(old, diff_documents(old, new)), new)
    assert content(old) == before


@SETTINGS
@given(pairs())
def test_written_differences_apply_the_same(pair):
    """The differences written as RDF/XML and read back do the same."""
    old, new = pair
    found = [read_difference(difference_bytes(d)) for d in diff_documents(old, new)]
    assert_same(apply_all(old, found), new)


@SETTINGS
@given(pairs())
def test_inverted_differences_give_the_old_model_back(pair):
    """Applying the inverted differences to new gives old."""
    old, new = pair
    found = diff_documents(old, new)
    assert_same(apply_all(new, [invert(d) for d in reversed(found)]), old)


@SETTINGS
@given(pairs())
def test_in_place_and_copy_agree(pair):
    """apply in place changes the model exactly as the copying apply does."""
    old, new = pair
    target = model_of_copy(old)
    for d in diff_documents(old, new):
        apply(target, d, in_place=True)
    assert_same(target, new)


@SETTINGS
@given(documents)
def test_a_model_has_no_difference_from_itself(docs):
    """diff of equal models is empty."""
    assert diff_documents(model_of(docs), model_of(docs)) == []
    if len(docs) == 1:
        assert diff(model_of(docs), model_of(docs)).is_empty()


def model_of_copy(model: Model) -> Model:
    """An independent copy of a model built by model_of."""
    docs: list[Described] = [{} for _ in model.documents]
    for obj in model.objects.values():
        for p in obj.parts:
            docs[p.doc][obj.id] = (p.cls, dict(p.props))
    ordered = [{i: d[i] for i in doc.ids} for d, doc in zip(docs, model.documents, strict=True)]
    return model_of(ordered)
