"""The mappings shipped in mappings/: they load, their cases pass, their CIM output is valid."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from adapters.crosswalk import NativeKey, SqliteCrosswalk
from adapters.mapping import load_catalog, load_mapping
from adapters.mapping.catalog import kind_of, yaml_files
from adapters.mapping.loader import read_yaml
from adapters.mapping.spec import Condition, ObjectRule, ValueRule
from adapters.mapping.testing import run_tests
from cim.profiles import PROFILES, Payload, Profile, from_json, to_xml

from profile_checks import assert_valid, emitted_schema

MAPPINGS = Path(__file__).resolve().parent.parent / "mappings"

SHIPPED = {
    "mdm.interval-read.to-cim",
    "mdm.interval-read.from-cim",
    "mdm.interval-rows.to-cim",
    "oms.outage.to-cim",
    "oms.outage.from-cim",
}
"""The mappings the distribution ships (more may be added; none may disappear)."""


def _files(kind: str) -> list[Path]:
    return [p for p in yaml_files(MAPPINGS) if kind_of(p)[0] == kind]


TESTS_FILES = _files("tests")


@dataclass(frozen=True)
class Case:
    """One to_cim case of a tests file that expects a payload (not an error)."""

    tests_file: Path
    name: str
    mapping: Path
    noun: str
    native: Any
    native_file: Path | None
    seed: tuple[tuple[str, str, str], ...]

    @property
    def id(self) -> str:
        """The pytest id: the tests file and the case name."""
        return f"{self.tests_file.relative_to(MAPPINGS)}: {self.name}"


def _to_cim_cases() -> Iterator[Case]:
    for path in TESTS_FILES:
        spec, _marks = read_yaml(path)
        if "to_cim" not in spec:
            continue
        rows = spec.get("crosswalk", [])
        seed = tuple((r["object_type"], r["native_id"], r["mrid"]) for r in rows)
        mapping = path.parent / spec["to_cim"]
        noun = read_yaml(mapping)[0]["cim"]["noun"]
        for case in spec["cases"]:
            if "error" in case or not ("native" in case or "native_file" in case):
                continue
            native_file = path.parent / case["native_file"] if "native_file" in case else None
            yield Case(path, case["name"], mapping, noun, case.get("native"), native_file, seed)


TO_CIM_CASES = list(_to_cim_cases())


def _translate(case: Case, folder: Path) -> tuple[Profile, Payload]:
    """The case's native message translated by its to_cim mapping, with the case's crosswalk."""
    cw = SqliteCrosswalk(folder / "crosswalk.db")
    try:
        mapping = load_mapping(case.mapping, crosswalk=cw)
        for object_type, native_id, mrid in case.seed:
            cw.link(NativeKey(mapping.spec.system, object_type, native_id), mrid)
        data = case.native_file.read_bytes() if case.native_file else mapping.write(case.native)
        return mapping.profile, mapping.to_cim(mapping.read(data))
    finally:
        cw.close()


@pytest.fixture(scope="module")
def meter_readings_xsd(shared_data: Path) -> etree.XMLSchema:
    """The real IEC 61968-9 MeterReadings.xsd (2011) as an lxml schema."""
    path = shared_data / "iec61968-100" / "profiles" / "MeterReadings.xsd"
    return etree.XMLSchema(etree.parse(str(path)))


def test_catalog_has_no_problems_and_compiles_every_mapping_file() -> None:
    """load_catalog(mappings/) reports no problem and compiles each mapping file found."""
    catalog = load_catalog(MAPPINGS)
    assert [str(p) for p in catalog.problems] == []
    assert set(catalog.by_file) == {p.resolve() for p in _files("mapping")}
    assert set(catalog.mappings) >= SHIPPED
    assert catalog.files == len(yaml_files(MAPPINGS))
    assert catalog.lookups and catalog.tests


def test_every_mapping_is_tested() -> None:
    """Each shipped mapping file is named by at least one tests file beside it."""
    named = set()
    for path in TESTS_FILES:
        spec, _marks = read_yaml(path)
        named |= {(path.parent / spec[k]).resolve() for k in ("to_cim", "from_cim") if k in spec}
    assert {p.resolve() for p in _files("mapping")} <= named


@pytest.mark.parametrize("tests_file", TESTS_FILES, ids=lambda p: str(p.relative_to(MAPPINGS)))
def test_every_case_of_the_tests_file_passes(tests_file: Path) -> None:
    """Every case of the tests file passes all its checks (to_cim, from_cim, round trip, error)."""
    report = run_tests(tests_file)
    failing = [r for r in report.results if not r.ok]
    assert report.results, f"{tests_file} ran no case"
    assert report.failed == 0, "\n\n".join(f"{r.case} [{r.check}]\n{r.detail}" for r in failing)


def test_the_dst_days_have_92_and_100_quarter_hours() -> None:
    """The MDM cases of the Oslo DST days hold 92 (2026-03-29) and 100 (2026-10-25) readings."""
    for name, count in (("read-2026-03-29-dst", 92), ("read-2026-10-25-dst", 100)):
        data = (MAPPINGS / "mdm" / "cases" / f"{name}.cim.json").read_bytes()
        payload = from_json(PROFILES["MeterReadings"], data)
        (reading,) = payload.child("MeterReading")
        (block,) = reading.child("IntervalBlocks")
        stamps = [n.obj.timeStamp for n in block.child("IntervalReadings")]
        assert len(stamps) == count
        assert all((b - a).total_seconds() == 900 for a, b in pairwise(stamps))


@pytest.mark.parametrize("case", TO_CIM_CASES, ids=lambda c: c.id)
def test_to_cim_output_is_valid_for_its_profile(case: Case, tmp_path: Path) -> None:
    """The case's to_cim payload writes as profile-checked XML that the emitted XSD accepts."""
    profile, payload = _translate(case, tmp_path)
    assert_valid(emitted_schema(profile.name), to_xml(profile, payload))


@pytest.mark.corpus
@pytest.mark.parametrize(
    "case",
    [c for c in TO_CIM_CASES if c.noun == "MeterReadings"],
    ids=lambda c: c.id,
)
def test_meter_readings_output_validates_against_the_2011_xsd(
    case: Case, tmp_path: Path, meter_readings_xsd: etree.XMLSchema
) -> None:
    """The case's MeterReadings payload validates against the real IEC 61968-9 2011 XSD."""
    profile, payload = _translate(case, tmp_path)
    assert profile.name == "MeterReadings"
    assert_valid(meter_readings_xsd, to_xml(profile, payload))


RULES = {
    "each": "one object or value per item of a list",
    "group_by": "one object per group of items",
    "@group": "the items of the group",
    "@index": "the position of the item",
    "const": "a constant",
    "default": "a value for an absent one",
    "required": "refuse an absent value",
    "unit": "unit conversion",
    "time": "local time <-> UTC",
    "lookup": "a lookup table",
    "when": "a condition",
    "template": "a text template",
    "identity": "an ID through the crosswalk",
    "$.": "a path from the message root",
    "^.": "a path from the enclosing item",
    "[1]": "the n-th item of a list",
    "type": "the JSON type of a native value",
}
"""Each rule of the mapping language (and path form) the shipped mappings demonstrate."""

_PATH_MARKS = ("@group", "@index", "$.", "^.", "[1]")


def _condition_paths(c: Condition | None) -> Iterator[str]:
    if c is None:
        return
    if c.path is not None:
        yield c.path
    for inner in (*(c.all or ()), *(c.any or ()), c.not_):
        yield from _condition_paths(inner)


def _rules_used(rule: Any, used: set[str]) -> None:
    """Add to ``used`` the rules and path forms one field rule (and all inside it) uses."""
    if isinstance(rule, list):
        for r in rule:
            _rules_used(r, used)
        return
    if isinstance(rule, str):
        rule = ValueRule.model_validate({"from": rule})
    keys = (
        "each",
        "when",
        "const",
        "default",
        "lookup",
        "unit",
        "time",
        "identity",
        "template",
        "type",
    )
    used.update(k for k in (*keys, "group_by") if getattr(rule, k, None) is not None)
    if getattr(rule, "required", False):
        used.add("required")
    texts = [getattr(rule, k, None) for k in ("from_", "each", "group_by", "template")]
    texts += list(_condition_paths(rule.when))
    used.update(m for m in _PATH_MARKS for t in texts if t and m in t)
    if isinstance(rule, ObjectRule):
        for inner in rule.fields.values():
            _rules_used(inner, used)


def test_the_mappings_use_every_rule_of_the_language() -> None:
    """Together the shipped mappings use each rule once at least, and a lookup into an enum."""
    used: set[str] = set()
    for path in _files("mapping"):
        for rule in load_mapping(path).spec.rules.values():
            _rules_used(rule, used)
    missing = {k: v for k, v in RULES.items() if k not in used}
    assert missing == {}
    enumerations = [read_yaml(p)[0].get("enumeration") for p in _files("lookup")]
    assert any(enumerations)
