"""For every noun with a reference IEC XSD, the XSD that cim.profiles.xsd emits judges documents
as the reference does: mutations of each sample, made at every element (removed, repeated, an
unknown sibling, a value that is no literal, two siblings swapped), are accepted or refused by
both alike. The emitted XSD is never looser; it may be stricter only where the profile checks
more than the 2011 XSD, which here is an enumeration that 2011 types as a plain string."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from cim.profiles import PROFILES, Payload, Profile, ProfileClass, to_xml
from cim.profiles.samples import (
    demand_response,
    interval_readings,
    outage_events,
    service_location,
    usage_point,
)
from cim.profiles.samples_meterconfig import meter_config
from cim.profiles.samples_workrequests import work_request
from cim.profiles.xsd import profile_xsd

SAMPLES: dict[str, Callable[[], Payload]] = {
    "MeterReadings": lambda: interval_readings(2),
    "EndDeviceEvents": lambda: outage_events(2),
    "EndDeviceControls": demand_response,
    "UsagePointConfig": usage_point,
    "ServiceLocationConfig": service_location,
    "MeterConfig": meter_config,
    "WorkRequests": work_request,
}
"""One sample payload per noun that has a reference XSD in ../shared/data."""

NOT_A_LITERAL = "§ not a literal §"

Mutation = tuple[str, str, str]
"""(kind, path of the mutated element, member kind) — enough to say why verdicts differ."""


def _members(profile: Profile, root: Any) -> Iterator[tuple[Any, str, str]]:
    """Every element below the root with its path and its profile member's kind."""

    def walk(elem: Any, pclass: ProfileClass, path: str) -> Iterator[tuple[Any, str, str]]:
        for child in elem:
            if not isinstance(child.tag, str):
                continue
            name = etree.QName(child).localname
            m = pclass.member(name)
            if m is None:  # a target of a reference choice
                m = next(x for x in pclass.members if name in x.targets)
            cpath = f"{path}/{name}"
            yield child, cpath, m.kind
            if m.kind in ("association", "compound") and m.text_field is None:
                yield from walk(child, profile.cls(m.type), cpath)

    yield from walk(root, profile.root, "/" + profile.root_element)


def _mutations(profile: Profile, data: bytes) -> Iterator[tuple[Mutation, bytes]]:
    """Each mutation of ``data`` with what it did."""
    count = sum(1 for _ in _members(profile, etree.fromstring(data)))
    for i in range(count):
        for kind in ("removed", "repeated", "unknown-sibling", "not-a-literal", "swapped"):
            doc = etree.fromstring(data)
            elem, path, member_kind = list(_members(profile, doc))[i]
            if _mutate(kind, elem):
                yield (kind, path, member_kind), bytes(etree.tostring(doc))


def _mutate(kind: str, elem: Any) -> bool:
    """Apply one mutation in place; False when it does not apply to ``elem``."""
    if kind == "removed":
        elem.getparent().remove(elem)
    elif kind == "repeated":
        elem.addnext(copy.deepcopy(elem))
    elif kind == "unknown-sibling":
        elem.addnext(etree.Element(etree.QName(etree.QName(elem).namespace, "zzUnknown")))
    elif kind == "not-a-literal":
        if len(elem) or elem.get("ref") is not None:
            return False
        elem.text = NOT_A_LITERAL
    else:
        following = elem.getnext()
        if following is None or following.tag == elem.tag:
            return False
        following.addnext(elem)
    return True


@pytest.fixture(scope="module")
def reference_xsds(shared_data: Path) -> dict[str, etree.XMLSchema]:
    """The real 2011 XSDs of the nouns that have one."""
    folder = shared_data / "iec61968-100" / "profiles"
    return {noun: etree.XMLSchema(etree.parse(str(folder / f"{noun}.xsd"))) for noun in SAMPLES}


@pytest.mark.corpus
@pytest.mark.parametrize("noun", sorted(SAMPLES))
def test_emitted_xsd_judges_mutated_samples_as_the_reference_does(
    reference_xsds: dict[str, etree.XMLSchema], noun: str
) -> None:
    """Every mutation gets the same verdict from both schemas, or the emitted XSD refuses what
    2011 types as a plain string but CIM100 as an enumeration; it never accepts more."""
    profile = PROFILES[noun]
    ours = etree.XMLSchema(etree.fromstring(profile_xsd(profile)))
    ref = reference_xsds[noun]
    data = to_xml(profile, SAMPLES[noun]())
    assert ref.validate(etree.fromstring(data)), ref.error_log
    assert ours.validate(etree.fromstring(data)), ours.error_log
    looser, stricter, judged = [], [], 0
    for mutation, mutated in _mutations(profile, data):
        judged += 1
        a = bool(ours.validate(etree.fromstring(mutated)))
        b = bool(ref.validate(etree.fromstring(mutated)))
        if a and not b:
            looser.append(mutation)
        elif b and not a:
            stricter.append(mutation)
    assert judged > 20, judged
    assert looser == []
    unexplained = [m for m in stricter if (m[0], m[2]) != ("not-a-literal", "enum")]
    assert unexplained == []
