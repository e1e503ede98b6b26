"""Hypothesis strategies that build any valid payload of a message profile (any noun).

Every member of every profile class may appear, with its cardinality (lists of up to two); of
an ``xs:choice`` group at most one member appears (exactly one of a required group); extension
values are drawn onto the Node. References pick from small mRID pools (a
choice of references first picks a target class), and the payload root always carries one
object for every pooled mRID, so references resolve; a profile with rules over the whole payload
(``Profile.checks``) has its drawn payload brought in line by its entry in ``IN_LINE``. Text
is XML-representable: no surrogates, no control characters but tab and newline, no carriage
return (XML turns it into a newline), no U+FFFE or U+FFFF.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from typing import Any

from hypothesis import strategies as st

import cim.model as cim_model
from cim.profiles import Member, Node, Payload, Profile, ProfileClass

POOLS = {
    "ReadingType": ("rt-1", "rt-2"),
    "ReadingQualityType": ("rq-1",),
    "EndDeviceEventType": ("et-1",),
    "EndDeviceControlType": ("ct-1",),
    "Analog": ("an-1", "an-2"),
    "Discrete": ("di-1",),
    "MeasurementValueSource": ("SCADA", "estimator"),
    "Customer": ("cu-1",),
    "CustomerAccount": ("ac-1", "ac-2"),
    "ProductAssetModel": ("pam-1",),
    # an owner is an organisation role: references to either name the same objects
    "AssetOwner": ("ow-1",),
    "AssetOrganisationRole": ("ow-1",),
}
"""mRIDs that references name, per target class (others get one: ``pool``)."""


def pool(target: str) -> tuple[str, ...]:
    """The mRIDs that references to ``target`` name, and that the payload root provides."""
    return POOLS.get(target, (f"{target.lower()}-1",))


Literals = dict[str, tuple[str, ...]]
"""Enumeration name -> the literals to draw (default: every CIM100 literal)."""

text = st.text(
    st.characters(
        blacklist_categories=("Cs", "Cc"),
        blacklist_characters="\r\ufffe\uffff",  # U+FFFE and U+FFFF are not XML characters
        whitelist_characters="\t\n",
    ),
    max_size=12,
)
datetimes = st.datetimes(
    min_value=datetime(1900, 1, 1),
    max_value=datetime(2999, 12, 31),
    timezones=st.one_of(
        st.none(),
        st.just(UTC),
        st.sampled_from([timezone(timedelta(hours=2)), timezone(timedelta(hours=-5, minutes=-30))]),
    ),
)
ZONES: tuple[tzinfo | None, ...] = (
    None,
    UTC,
    timezone(timedelta(hours=2)),
    timezone(timedelta(hours=-5, minutes=-30)),
)
"""The zones of drawn times: none, UTC (written Z) and two offsets."""
PRIMITIVES: dict[str, st.SearchStrategy[Any]] = {
    "string": text,
    "dateTime": datetimes,
    "date": st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31)),
    "time": st.times(timezones=st.sampled_from(ZONES)),
    "boolean": st.booleans(),
    "integer": st.integers(min_value=-(10**20), max_value=10**20),
    "float": st.floats(allow_nan=False, allow_infinity=False, width=32),
    "decimal": st.decimals(min_value=-(10**12), max_value=10**12),
}


def _value(profile: Profile, m: Member, literals: Literals) -> st.SearchStrategy[Any]:
    if m.kind == "attribute":
        return PRIMITIVES[m.type]
    if m.kind == "enum":
        kind = getattr(cim_model, m.type)
        if m.type in literals:
            return st.sampled_from([kind(v) for v in literals[m.type]])
        return st.sampled_from(list(kind))
    if m.kind == "reference":  # of a choice (targets): a target, then one of its mRIDs
        return st.sampled_from(m.targets or (m.type,)).flatmap(
            lambda t: st.sampled_from(pool(t)).map(lambda mrid: cim_model.Ref(t, mrid))
        )
    pclass = profile.cls(m.type)
    if m.text_field is not None:
        inner = pclass.member(m.text_field)
        assert inner is not None and inner.kind == "attribute"
        return PRIMITIVES[inner.type].map(
            lambda t: getattr(cim_model, pclass.cim_class)(**{m.text_field: t})
        )
    return _object(profile, pclass, literals)


def _count(m: Member, least: int = 0) -> st.SearchStrategy[int]:
    low = max(m.min, least)
    return st.integers(min_value=low, max_value=max(low, min(m.max if m.max is not None else 2, 2)))


@st.composite
def _fields(
    draw: st.DrawFn, profile: Profile, pclass: ProfileClass, literals: Literals
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for m in pclass.members:
        if m.kind in ("association", "extension"):
            continue
        n = draw(_count(m))
        values = [draw(_value(profile, m, literals)) for _ in range(n)]
        if values:
            out[m.path] = tuple(values) if m.many else values[0]
    return out


def _object(profile: Profile, pclass: ProfileClass, literals: Literals) -> st.SearchStrategy[Any]:
    cls = getattr(cim_model, pclass.cim_class)
    return _fields(profile, pclass, literals).map(lambda f: cls(**f))


@st.composite
def nodes(
    draw: st.DrawFn,
    profile: Profile,
    pclass: ProfileClass,
    mrid: str | None = None,
    literals: Literals | None = None,
) -> Node:
    """One embedded object of ``pclass`` with its own embedded objects."""
    literals = literals or {}
    fields = draw(_fields(profile, pclass, literals))
    if mrid is not None:
        fields["mRID"] = mrid
    children = []
    extensions: list[tuple[str, object]] = []
    chosen: dict[str, str] = {}  # xs:choice group -> the one member drawn to appear
    for m in pclass.members:
        if m.choice is not None and m.choice not in chosen:
            group = [c.element for c in pclass.members if c.choice == m.choice]
            optional = [] if m.choice in pclass.required_choices else [""]
            chosen[m.choice] = draw(st.sampled_from([*group, *optional]))
        if m.choice is not None and chosen[m.choice] != m.element:
            continue
        if m.kind == "association":
            least = 1 if m.choice in pclass.required_choices else 0
            items = [
                draw(nodes(profile, profile.cls(m.type), literals=literals))
                for _ in range(draw(_count(m, least)))
            ]
            if items:
                children.append((m.element, tuple(items)))
        elif m.kind == "extension":
            values = [draw(PRIMITIVES[m.type]) for _ in range(draw(_count(m)))]
            if values:
                extensions.append((m.element, tuple(values) if m.many else values[0]))
    obj = getattr(cim_model, pclass.cim_class)(**fields)
    return Node(obj, tuple(children), tuple(extensions))


@st.composite
def payloads(draw: st.DrawFn, profile: Profile, literals: Literals | None = None) -> Payload:
    """A valid payload: random root lists plus one object for every pooled mRID.

    ``literals`` narrows enumerations, e.g. to those an older XSD knows.
    """
    lists: dict[str, list[Node]] = {}
    for m in profile.root.members:
        pclass = profile.cls(m.type)
        items = [draw(nodes(profile, pclass, literals=literals)) for _ in range(draw(_count(m)))]
        pooled = pool(m.type) if pclass.member("mRID") is not None else ()
        items += [draw(nodes(profile, pclass, mrid, literals)) for mrid in pooled]
        lists[m.element] = items
    payload = Payload.of(profile, **lists)
    if not profile.checks:
        return payload
    if profile.name not in IN_LINE:
        raise AssertionError(f"{profile.name} has rules (checks) but no IN_LINE entry")
    return IN_LINE[profile.name](payload)


def _numbered(nodes: tuple[Node, ...]) -> tuple[Node, ...]:
    """The nodes with ``sequenceNumber`` 1, 2, … in document order."""
    return tuple(replace(n, obj=replace(n.obj, sequenceNumber=i)) for i, n in enumerate(nodes, 1))


def _with(node: Node, element: str, nodes: tuple[Node, ...]) -> Node:
    """The node with the embedded objects of ``element`` replaced."""
    kids = tuple((name, nodes if name == element else items) for name, items in node.children)
    return replace(node, children=kids)


def _switching_in_order(payload: Payload) -> Payload:
    """Each plan's groups and each group's steps numbered in document order."""
    plans = []
    for plan in payload.child("SwitchingPlan"):
        groups = tuple(
            _with(g, "SwitchingStep", _numbered(g.child("SwitchingStep")))
            for g in _numbered(plan.child("SwitchingStepGroups"))
        )
        plans.append(_with(plan, "SwitchingStepGroups", groups))
    return Payload((("SwitchingPlan", tuple(plans)),) if plans else ())


IN_LINE: dict[str, Callable[[Payload], Payload]] = {"SwitchingPlans": _switching_in_order}
"""Per profile with rules: what brings a drawn payload in line with them."""
