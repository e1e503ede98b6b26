"""``cimbus cim classes`` and ``cimbus cim show``."""

from __future__ import annotations

import json

from click.testing import CliRunner

from bus.cli import main


def test_classes_lists_breaker() -> None:
    """The text listing names classes with superclass and package."""
    out = CliRunner().invoke(main, ["cim", "classes"])
    assert out.exit_code == 0
    assert "Breaker : ProtectedSwitch  (IEC61970.Base.Wires)" in out.output


def test_classes_json() -> None:
    """--json gives a list of name/package/superclass objects."""
    out = CliRunner().invoke(main, ["cim", "classes", "--json"])
    rows = json.loads(out.output)
    assert {"name": "Meter", "package": "IEC61968.Metering", "superclass": "EndDevice"} in rows


def test_show_prints_chain_attributes_associations_definition() -> None:
    """show prints the chain, typed attributes, associations and the definition."""
    out = CliRunner().invoke(main, ["cim", "show", "ACLineSegment"])
    assert out.exit_code == 0
    assert "chain: ACLineSegment -> Conductor" in out.output
    assert "r: Resistance [0..1]" in out.output
    assert "-> PerLengthImpedance [0..1]" in out.output
    assert "alternating current" in out.output


def test_show_json() -> None:
    """show --json is the registry entry plus the chain."""
    out = CliRunner().invoke(main, ["cim", "show", "Terminal", "--json"])
    data = json.loads(out.output)
    assert data["chain"][-1] == "IdentifiedObject"
    assert any(a["name"] == "ConductingEquipment" for a in data["associations"])


def test_show_unknown_class_exits_1_with_suggestion() -> None:
    """An unknown class exits 1 and suggests a near name."""
    out = CliRunner().invoke(main, ["cim", "show", "Breker"])
    assert out.exit_code == 1
    assert "did you mean Breaker" in out.output
