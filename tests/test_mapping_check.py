"""Checking mapping files before they run: every mistake is reported with file, line and column."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adapters.mapping import MappingRejected, json_schema, load_mapping

from mapping_files import FLOW, write

HEAD = """\
mapping: t
system: MDM
direction: {direction}
native: {{format: json{schema}}}
cim: {{noun: {noun}, verb: created}}
lookups: {{flow: flow.yaml}}
rules:
"""

SCHEMA = {
    "type": "object",
    "properties": {
        "meter": {"type": "string"},
        "register": {"type": "string", "enum": ["A+", "A-", "R+"]},
        "intervals": {
            "type": "array",
            "items": {"$ref": "#/$defs/interval"},
        },
    },
    "$defs": {
        "interval": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"t": {"type": "string"}, "kwh": {"type": "number"}},
        }
    },
}


def _problems(
    tmp_path: Path,
    rules: str,
    *,
    direction: str = "to_cim",
    noun: str = "MeterReadings",
    schema: bool = False,
    flow: str = FLOW,
) -> list[tuple[int, int, str, str | None]]:
    head = HEAD.format(
        direction=direction, noun=noun, schema=", schema: native.json" if schema else ""
    )
    folder = write(tmp_path, {"t.yaml": head + rules, "flow.yaml": flow})
    (folder / "native.json").write_text(json.dumps(SCHEMA), encoding="utf-8")
    with pytest.raises(MappingRejected) as caught:
        load_mapping(folder / "t.yaml")
    for p in caught.value.problems:
        assert p.file == str(folder / "t.yaml") or p.file.endswith(".yaml")
    return [(p.line, p.column, p.message, p.hint) for p in caught.value.problems]


def test_an_unknown_key_is_reported_at_the_key(tmp_path) -> None:
    """A misspelt key (``form``) is refused at its own line and column."""
    rules = "  MeterReading:\n    fields:\n      isCoincidentTrigger: {const: true, form: x}\n"
    ((line, col, message, hint),) = _problems(tmp_path, rules)
    assert (line, message) == (10, "unknown key 'form'")
    assert col == 42 and "docs/mappings.md" in (hint or "")


def test_a_target_member_the_profile_lacks_names_the_members_it_has(tmp_path) -> None:
    """``Metre`` is not a member of MeterReading: the hint lists the members."""
    rules = "  MeterReading:\n    fields:\n      Metre: {fields: {mRID: id}}\n"
    ((line, col, message, hint),) = _problems(tmp_path, rules)
    assert (line, col) == (10, 7)
    assert message == "MeterReading has no member 'Metre'"
    assert "Meter" in (hint or "") and "IntervalBlocks" in (hint or "")


def test_several_problems_are_reported_together_in_file_order(tmp_path) -> None:
    """Every problem of a file comes at once, sorted by position."""
    rules = """\
  MeterReading:
    fields:
      Meter: {fields: {mRID: {from: id, unit: {from: kW, to: Wh}}}}
      valuesInterval: {fields: {start: {from: t, time: {zone: Europe/Olso}}}}
"""
    found = _problems(tmp_path, rules)
    assert [line for line, *_ in found] == [10, 11]
    assert "kW is power and Wh is energy" in found[0][2]
    assert "did you mean 'Europe/Oslo'" in found[1][2]


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ("{from: kwh, unit: {from: kWh, to: Wh}}", "a unit converts numbers"),
        ("{from: kwh, lookup: nothing}", "no lookup table 'nothing'"),
        ("{from: t, lookup: flow}", "lookup flow gives 'forward'"),
    ],
    ids=["unit-onto-datetime", "undeclared-lookup", "lookup-gives-no-literal"],
)
def test_conversions_must_fit_the_target(tmp_path, rule, words) -> None:
    """A unit onto a dateTime, an undeclared table, a table of the wrong values are refused."""
    rules = f"  MeterReading:\n    fields:\n      valuesInterval: {{fields: {{start: {rule}}}}}\n"
    found = _problems(tmp_path, rules)
    assert any(words in message for *_, message, _hint in found), found


def test_a_lookup_must_give_literals_of_the_target_enumeration(tmp_path) -> None:
    """A table feeding ReadingType.unit must give UnitSymbol literals."""
    rules = """\
  ReadingType:
    fields:
      mRID: {const: rt}
      unit: {from: register, lookup: flow}
      Names: {fields: {name: {const: rt}}}
"""
    ((line, _col, message, hint),) = _problems(tmp_path, rules)
    assert line == 11 and "not a UnitSymbol literal" in message and "Wh" in (hint or "")


def test_a_lookup_must_cover_every_code_the_native_schema_allows(tmp_path) -> None:
    """The native schema allows R+; the flow table has no entry and no default for it."""
    rules = """\
  ReadingType:
    fields:
      mRID: {const: rt}
      flowDirection: {from: register, lookup: flow}
      Names: {fields: {name: {const: rt}}}
"""
    ((line, _col, message, hint),) = _problems(tmp_path, rules, schema=True)
    assert line == 11 and "R+" in message and "default" in (hint or "")


def test_from_cim_a_lookup_must_give_a_code_for_every_literal(tmp_path) -> None:
    """Reverse use: every FlowDirectionKind literal needs a code, or a native_default."""
    flow = FLOW.replace('native_default: "?"\n', "")
    rules = "  register: {from: ReadingType.flowDirection, lookup: flow}\n"
    found = _problems(tmp_path, rules, direction="from_cim", flow=flow)
    assert any("has no code for" in m and "net" in m for *_, m, _h in found), found


def test_a_source_path_must_exist_in_the_declared_native_schema(tmp_path) -> None:
    """``intervals[].kw`` is not in the schema (additionalProperties false): refused at the path."""
    rules = """\
  MeterReading:
    fields:
      IntervalBlocks:
        fields:
          ReadingType: {const: rt}
          IntervalReadings:
            each: intervals
            fields:
              value: {from: kw}
"""
    ((line, col, message, _hint),) = _problems(tmp_path, rules, schema=True)
    assert (line, col) == (16, 29)
    assert "no 'kw'" in message and "kwh" in message


def test_required_profile_members_must_be_mapped(tmp_path) -> None:
    """Name.name is required by the profile: an object rule for Names without it is refused."""
    rules = "  MeterReading:\n    fields:\n      Meter: {fields: {Names: {fields: {}}}}\n"
    found = _problems(tmp_path, rules)
    assert any("Name.name is required" in m for *_, m, _h in found), found


@pytest.mark.parametrize(
    ("rules", "words"),
    [
        (
            "  MeterReading:\n    fields:\n      Meter: {each: meters, fields: {mRID: id}}\n",
            "holds at most one object",
        ),
        ("  MeterReading:\n    fields:\n      Meter: id\n", "is an object: give it fields"),
        ("  MeterReading:\n    fields:\n      isCoincidentTrigger: {fields: {}}\n", "is a value"),
        (
            "  MeterReading:\n    fields:\n      isCoincidentTrigger: {from: x, const: true}\n",
            "exactly one of from, const or template",
        ),
        (
            "  MeterReading:\n    fields:\n      isCoincidentTrigger: {const: maybe}\n",
            "not true/false",
        ),
        (
            "  MeterReading:\n    fields:\n      isCoincidentTrigger: {template: plain}\n",
            "names at least one {path}",
        ),
        (
            "  MeterReading:\n    fields:\n      isCoincidentTrigger: {from: 'a..b'}\n",
            "is not a name",
        ),
    ],
    ids=[
        "each-onto-one",
        "value-for-object",
        "object-for-value",
        "two-sources",
        "bad-constant",
        "template-without-path",
        "bad-path",
    ],
)
def test_rules_must_fit_the_shape_of_their_target(tmp_path, rules, words) -> None:
    """Objects get fields, values get one source, constants fit the type, paths parse."""
    found = _problems(tmp_path, rules)
    assert any(words in m for *_, m, _h in found), found


def test_from_cim_source_paths_must_exist_in_the_profile(tmp_path) -> None:
    """A from_cim path is checked against the profile: ``MeterReading.Metre`` is refused."""
    found = _problems(tmp_path, "  meter: {from: MeterReading.Metre.mRID}\n", direction="from_cim")
    ((line, col, message, _hint),) = found
    assert (line, col) == (8, 17) and "has no member 'Metre'" in message


def test_an_unknown_noun_names_the_known_ones(tmp_path) -> None:
    """A noun without a profile is refused at cim.noun with the list of nouns."""
    ((line, col, message, hint),) = _problems(tmp_path, "  X: y\n", noun="MeterReadingz")
    assert (line, col) == (5, 13) and "MeterReadingz" in message and "MeterReadings" in (hint or "")


def test_yaml_that_is_not_well_formed_is_refused_with_its_position(tmp_path) -> None:
    """A duplicate key is a problem at its second occurrence."""
    rules = "  MeterReading:\n    fields: {}\n  MeterReading:\n    fields: {}\n"
    ((line, _col, message, _hint),) = _problems(tmp_path, rules)
    assert line == 10 and "appears twice" in message


@pytest.mark.parametrize("kind", ["mapping", "lookup"])
def test_the_shipped_json_schema_is_the_generated_one(kind) -> None:
    """mappings/<kind>.schema.json (what editors complete from) matches the models."""
    shipped = Path(__file__).parent.parent / "mappings" / f"{kind}.schema.json"
    assert json.loads(shipped.read_text(encoding="utf-8")) == json_schema(kind), (
        f"regenerate {shipped.name}: python -c 'from adapters.mapping.spec import json_schema'"
    )


def test_the_json_schema_describes_every_rule_key() -> None:
    """Editors see the value-rule keys and the object-rule keys with their descriptions."""
    defs = json_schema()["$defs"]
    assert set(defs["ValueRule"]["properties"]) >= {
        "from",
        "const",
        "template",
        "default",
        "required",
        "lookup",
        "unit",
        "time",
        "identity",
        "type",
        "each",
        "when",
    }
    assert set(defs["ObjectRule"]["properties"]) == {"each", "group_by", "when", "fields"}
    assert defs["ObjectRule"]["properties"]["each"]["description"]


def test_lookup_completeness_counts_only_the_codes_its_condition_admits(tmp_path) -> None:
    """A when on the same path narrows the codes that must be listed; "" is never looked up."""
    rules = """\
  ReadingType:
    fields:
      mRID: {const: rt}
      flowDirection: {from: register, lookup: flow, when: {path: register, in: ["A+", "A-"]}}
      Names: {fields: {name: {const: rt}}}
"""
    schema = dict(SCHEMA)
    schema["properties"] = {**SCHEMA["properties"], "register": {"enum": ["A+", "A-", "R+", ""]}}
    head = HEAD.format(direction="to_cim", noun="MeterReadings", schema=", schema: native.json")
    folder = write(tmp_path, {"t.yaml": head + rules, "flow.yaml": FLOW})
    (folder / "native.json").write_text(json.dumps(schema), encoding="utf-8")
    assert load_mapping(folder / "t.yaml").name == "t"
    unguarded = rules.replace(', when: {path: register, in: ["A+", "A-"]}', "")
    (folder / "t.yaml").write_text(head + unguarded, encoding="utf-8")
    with pytest.raises(MappingRejected, match=r"native code\(s\) R\+ that"):
        load_mapping(folder / "t.yaml")
