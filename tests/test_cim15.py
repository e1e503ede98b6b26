"""The CIM15 names of the 2011 profile XSDs resolve to CIM100 names: directly, through the
CIM100 hierarchy, or through the documented table of differences in ``cim.cim15``."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from cim.cim15 import DIFFERENCES, cim15_to_cim100
from cim.cim16 import to_cim100

SAWSDL = "{http://www.w3.org/ns/sawsdl}modelReference"


def _model_references(folder: Path) -> dict[str, set[str]]:
    """Every CIM name the XSDs in ``folder`` refer to, with the files that do."""
    found: dict[str, set[str]] = {}
    for xsd in sorted(folder.glob("*.xsd")):
        for elem in etree.parse(str(xsd)).iter():
            ref = elem.get(SAWSDL) if isinstance(elem.tag, str) else None
            name = ref.split("#", 1)[1].strip() if ref and "#" in ref else ""
            if name:
                found.setdefault(name, set()).add(xsd.name)
    return found


def test_the_table_maps_to_cim100_names() -> None:
    """Each difference names a CIM15 name CIM100 lacks and a target CIM100 has."""
    assert DIFFERENCES
    for name, difference in DIFFERENCES.items():
        assert to_cim100(name) is None, name
        assert difference.target is not None and to_cim100(difference.target) is not None
        assert cim15_to_cim100(name) == difference.target


def test_cim100_names_and_inherited_members_pass_through() -> None:
    """A name CIM100 has resolves to itself or to the class that declares the member."""
    assert cim15_to_cim100("Meter.serialNumber") == "Asset.serialNumber"
    assert cim15_to_cim100("UsagePoint") == "UsagePoint"
    assert cim15_to_cim100("Meter.colour") is None


@pytest.mark.corpus
def test_every_model_reference_in_the_2011_profiles_resolves(shared_data: Path) -> None:
    """All names the real profile XSDs refer to resolve, and every table entry occurs there."""
    found = _model_references(shared_data / "iec61968-100" / "profiles")
    assert len(found) > 400
    unresolved = {n: sorted(files) for n, files in found.items() if cim15_to_cim100(n) is None}
    assert unresolved == {}
    assert set(DIFFERENCES) <= set(found)
