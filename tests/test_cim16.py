"""CIM16 (CGMES) names → CIM100: the table, ``to_cim100`` and a scan of every real CIM file."""

from __future__ import annotations

import ast
import io
import sys
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REPO, SHARED_DATA
from lxml import etree

import cim.cim16 as c16
from cim.cim16 import DIFFERENCES, Kind, qualified_name, to_cim100

RDF_RESOURCE = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}resource"
DM = "http://iec.ch/TC57/61970-552/DifferenceModel/1#"
CONTAINERS = {
    f"{{{DM}}}forwardDifferences",
    f"{{{DM}}}reverseDifferences",
    f"{{{DM}}}preconditions",
}
EU = "http://iec.ch/TC57/CIM100-European#"

# Namespaces of the CIM100 files (cgmes3_microgrid, telemark120): not CIM16, to_cim100 never
# sees them; listed so that every name of every file is accounted for.
CIM100_FILE_EXTENSIONS = {
    EU: "CGMES 3 European extension (eu:BoundaryPoint, eu:IdentifiedObject.shortName ...)",
    "https://cim4.eu/ns/nc#": "ENTSO-E network-code profile extension (nc:Name.mRID ...)",
    "http://www.w3.org/2004/02/skos/core#": "SKOS metadata (skos:exactMatch)",
    "http://www.w3.org/ns/dcat#": "DCAT metadata (dcat:keyword)",
    "http://www.w3.org/ns/dcat": "DCAT metadata, namespace written without '#' (Telemark CD)",
}

# Names in the CIM100 namespace of the Telemark-120 files that CIM100 (CIM17v40) does not define:
# defects of those sources, kept as found; the importer must refuse or repair them.
_RT = "unqualified ReadingType member and a placeholder literal (Telemark ReadingType_RD)"
CIM100_SOURCE_DEFECTS = {
    "Asset.baselineCondition": "not in CIM17v40 Asset",
    "Asset.baselineLossOfLife": "not in CIM17v40 Asset (it has initialLossOfLife)",
    "AssetLifeCycleStateKind.received": "misspelt enumeration: CIM100 has AssetLifecycleStateKind",
    "IdentifiedObject.Description": "wrong case: CIM100 has IdentifiedObject.description",
    "Manufacturer.ProductAssetModel": "CIM100 names this end Manufacturer.ProductAssetModels",
    "Measurement.ACDCTerminal": "CIM100 names this end Measurement.Terminal (range ACDCTerminal)",
    "ProductAssetModel.AssetModelCatalogueItem": "CIM100 has ...AssetModelCatalogueItems",
    "ProductAssetModel.instructionMnaual": "misspelt: CIM100 has instructionManual",
    "UsagePoint.isSdq": "misspelt: CIM100 has UsagePoint.isSdp",
    "usagepoint.checkBilling": "wrong case: CIM100 has UsagePoint.checkBilling",
    "AmiBillingReady.enabled": "wrong enumeration: CIM100 has AmiBillingReadyKind",
    "AmiBillingReady.operable": "wrong enumeration: CIM100 has AmiBillingReadyKind",
    "ConnectionState.connected": "wrong enumeration: CIM100 has UsagePointConnectedKind",
    "MacroPeriodKind.sixtyMinute": "no such literal (ReadingType.measuringPeriod is not a macro)",
    "MeasurementKind.tenMinute": "wrong enumeration for ReadingType.measuringPeriod",
    **dict.fromkeys(["accumulation", "aggregate", "commodity", "flowDirection"], _RT),
    **dict.fromkeys(["measurement", "measuringPeriod", "multiplier", "phases", "unit"], _RT),
    **dict.fromkeys(["AccumulationKind.accumulation", "AggregateKind.aggregate"], _RT),
    **dict.fromkeys(["CommodityKind.commodity", "FlowDirectionKind.flowDirection"], _RT),
    **dict.fromkeys(["MeasurementKind.measurement", "MeasuringPeriodKind.measuringPeriod"], _RT),
    **dict.fromkeys(["PhaseCode.phases", "UnitMultiplier.multiplier", "UnitSymbol.unit"], _RT),
}

NAME_NAMESPACES = {*c16.CIM16_NAMESPACES, c16.CIM100_NAMESPACE, c16.ENTSOE_NAMESPACE, EU}
"""Namespaces whose rdf:resource fragments are names (literals); other resources are data."""


# ---------------------------------------------------------------- to_cim100, from the index


def test_property_moved_to_a_superclass_resolves_to_the_declaring_class() -> None:
    """CIGRE's Terminal.sequenceNumber is ACDCTerminal.sequenceNumber in CIM100."""
    assert to_cim100("Terminal.sequenceNumber") == "ACDCTerminal.sequenceNumber"
    assert to_cim100("Terminal.connected") == "ACDCTerminal.connected"
    assert DIFFERENCES["Terminal.connected"].kind is Kind.MOVED_TO_SUPERCLASS


def test_any_property_named_by_a_subclass_resolves_through_the_cim100_hierarchy() -> None:
    """The general case needs no table entry: the index walks CIM100's superclasses."""
    assert "Breaker.normalOpen" not in DIFFERENCES
    assert to_cim100("Breaker.normalOpen") == "Switch.normalOpen"
    assert to_cim100("ACLineSegment.name") == "IdentifiedObject.name"
    assert to_cim100("Terminal.phases") == "Terminal.phases"


def test_renamed_extension_class_and_association_get_their_cim100_names() -> None:
    """ENTSO-E's EnergySchedulingType became a CIM100 class; its members follow the rename."""
    assert to_cim100("entsoe:EnergySchedulingType") == "EnergySchedulingType"
    assert to_cim100("entsoe:EnergySource.EnergySchedulingType") == (
        "EnergySource.EnergySchedulingType"
    )
    assert to_cim100("entsoe:EnergySchedulingType.EnergySource") == (
        "EnergySchedulingType.EnergySource"
    )
    assert DIFFERENCES["entsoe:EnergySchedulingType"].kind is Kind.RENAMED


def test_removed_names_have_no_cim100_equivalent_and_say_why() -> None:
    """Removed properties and extension names resolve to None, with a reason on record."""
    for name in ("Pss2B.inputSignal1Type", "entsoe:IdentifiedObject.shortName"):
        assert to_cim100(name) is None
        assert DIFFERENCES[name].kind is Kind.REMOVED
    assert (
        "eu:IdentifiedObject.shortName" in DIFFERENCES["entsoe:IdentifiedObject.shortName"].reason
    )
    assert to_cim100("Pss2B.t1") == "Pss2B.t1"


def test_enumeration_literals_resolve_only_when_cim100_has_them() -> None:
    """rdf:resource literals: kept when CIM100 has them, None for removed or unknown ones."""
    assert to_cim100("WindingConnection.Yn") == "WindingConnection.Yn"
    assert to_cim100("WindingConnection") == "WindingConnection"
    assert to_cim100("WindingConnection.Q") is None
    assert to_cim100("entsoe:LimitTypeKind.patl") is None
    assert DIFFERENCES["entsoe:LimitTypeKind.patl"].kind is Kind.REMOVED


def test_unknown_names_have_no_cim100_equivalent() -> None:
    """Nothing is guessed: unknown classes, members, extensions and namespaces give None."""
    for name in ("NoSuchClass", "Terminal.noSuchMember", "entsoe:Unknown.x", "{urn:x}Terminal"):
        assert to_cim100(name) is None, name


def test_resolution_is_idempotent_and_cim100_names_pass_unchanged() -> None:
    """A CIM100 name maps to itself, so mapping twice changes nothing."""
    assert to_cim100("ACDCTerminal.sequenceNumber") == "ACDCTerminal.sequenceNumber"
    for diff in DIFFERENCES.values():
        if diff.target is not None:
            assert to_cim100(diff.target) == diff.target, diff.name


def test_qualified_name_reads_lxml_tags_by_namespace() -> None:
    """CIM16 and CIM100 tags lose their namespace, ENTSO-E gets entsoe:, headers are skipped."""
    assert qualified_name("{http://iec.ch/TC57/2013/CIM-schema-cim16#}Terminal") == "Terminal"
    assert qualified_name("{http://iec.ch/TC57/2012/CIM-schema-cim16#}Terminal.connected") == (
        "Terminal.connected"
    )
    assert qualified_name(f"{{{c16.ENTSOE_NAMESPACE}}}IdentifiedObject.shortName") == (
        "entsoe:IdentifiedObject.shortName"
    )
    assert qualified_name("{http://iec.ch/TC57/61970-552/ModelDescription/1#}FullModel") is None
    assert qualified_name("{urn:other}Thing") == "{urn:other}Thing"


def test_each_entry_is_consistent_with_its_kind() -> None:
    """Removed ⇔ no target; a move keeps the member name and changes the class; one-line reasons."""
    assert DIFFERENCES, "the table is empty"
    for name, diff in DIFFERENCES.items():
        assert diff.name == name
        assert (diff.kind is Kind.REMOVED) == (diff.target is None), name
        assert diff.reason and "\n" not in diff.reason and len(diff.reason) <= 100, name
        if diff.kind is Kind.MOVED_TO_SUPERCLASS:
            assert diff.target is not None
            assert diff.target.split(".")[1] == name.split(".")[1], name
            assert diff.target.split(".")[0] != name.split(".")[0], name


def test_module_is_small_stdlib_only_and_exports_a_deliberate_surface() -> None:
    """cim/cim16.py stays under 300 lines, imports only the stdlib and names its exports."""
    source = Path(c16.__file__).read_text(encoding="utf-8")
    assert source.count("\n") < 300
    tops = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            tops |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            tops.add(node.module.split(".")[0])
    assert tops - {"__future__"} <= sys.stdlib_module_names, tops
    assert set(c16.__all__) == {
        "CIM16_NAMESPACES",
        "CIM100_NAMESPACE",
        "DIFFERENCES",
        "ENTSOE_NAMESPACE",
        "INDEX_FILE",
        "OUT_OF_SCOPE",
        "Difference",
        "Kind",
        "cim100_index",
        "dump_index",
        "qualified_name",
        "to_cim100",
        "write_index",
    }


# ---------------------------------------------------------------- the corpus: LinkML and CGMES


@dataclass
class Schema:
    """The CIM100 LinkML schema, as raw bytes and parsed, with lookups the tests need."""

    raw: bytes
    tree: Mapping[str, Any]

    def chain(self, cls: str) -> list[str]:
        """The class and its CIM100 superclasses, most specific first."""
        out = []
        while cls:
            out.append(cls)
            cls = self.tree["classes"][cls].get("is_a")
        return out

    def has(self, name: str) -> bool:
        """The name exists in CIM100 as-is: a class or enumeration, a member declared on exactly
        that class, or a literal of exactly that enumeration."""
        head, dot, member = name.partition(".")
        classes, enums = self.tree["classes"], self.tree["enums"]
        if not dot:
            return head in classes or head in enums
        if head in enums:
            return member in (enums[head].get("permissible_values") or {})
        return head in classes and member in (classes[head].get("attributes") or {})


@pytest.fixture(scope="module")
def schema(shared_data: Path) -> Schema:
    """The CIM100 LinkML, read from the shared corpus (never copied into the repository)."""
    raw = (shared_data / "cim-schema" / "im_tc57cim.schema.linkml.yml").read_bytes()
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return Schema(raw, yaml.load(raw, Loader=loader))


@dataclass
class Seen:
    """Every name the CIM files use: tag or literal URI → first file, and subject/property pairs."""

    files: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)
    pairs: dict[tuple[str, str], str] = field(default_factory=dict)


def documents(root: Path) -> Iterator[tuple[str, bytes]]:
    """Every RDF/XML document under root, including the members of zip archives."""
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        if path.suffix == ".xml":
            yield rel, path.read_bytes()
        elif path.suffix == ".zip":
            with zipfile.ZipFile(path) as archive:
                for member in sorted(archive.namelist()):
                    if member.endswith(".xml"):
                        yield f"{rel}!{member}", archive.read(member)


def scan(name: str, data: bytes, seen: Seen) -> None:
    """Record objects (children of rdf:RDF or of dm: containers), properties and literals."""
    stack: list[str] = []
    # recover=True: Telemark-120-LV1_SSH.xml closes a cim:Breaker as cim:Fuse; its names count.
    events = etree.iterparse(io.BytesIO(data), events=("start", "end"), recover=True)
    for event, el in events:
        if event == "end":
            stack.pop()
            if len(stack) <= 1:
                el.clear()
            continue
        tag = el.tag if isinstance(el.tag, str) else ""
        parent = stack[-1] if stack else None
        stack.append(tag)
        if len(stack) == 2 or parent in CONTAINERS:
            seen.names.setdefault(tag, name)
        elif len(stack) > 2 and tag:
            seen.names.setdefault(tag, name)
            seen.pairs.setdefault((parent or "", tag), name)
            ns, hash_, literal = (el.get(RDF_RESOURCE) or "").partition("#")
            if hash_ and f"{ns}#" in NAME_NAMESPACES:
                seen.names.setdefault(f"{{{ns}#}}{literal}", name)
    seen.files.append(name)


@pytest.fixture(scope="module")
def seen(shared_data: Path) -> Seen:
    """The names of every CIM file in the shared corpus (zipped ones included)."""
    out = Seen()
    for name, data in documents(shared_data / "cim"):
        scan(name, data, out)
    return out


def problem(tag: str, schema: Schema) -> str | None:
    """Why a tag (or literal) is unaccounted for, or None when it is accounted for."""
    ns = tag[1:].partition("}")[0]
    if ns in c16.OUT_OF_SCOPE or ns in CIM100_FILE_EXTENSIONS:
        return None
    name = qualified_name(tag)
    if ns == c16.CIM100_NAMESPACE:
        ok = schema.has(name or "") or name in CIM100_SOURCE_DEFECTS
        return None if ok else "CIM100 name not in CIM100 and not a listed defect"
    if ns in c16.CIM16_NAMESPACES or ns == c16.ENTSOE_NAMESPACE:
        assert name is not None
        if name in DIFFERENCES or (ns != c16.ENTSOE_NAMESPACE and schema.has(name)):
            return None
        target = to_cim100(name)
        if target is None:
            return "CIM16 name neither in CIM100 as-is nor in DIFFERENCES"
        return None if schema.has(target) else f"resolves to {target}, not in CIM100"
    return "namespace neither CIM nor listed as out of scope"


@pytest.mark.corpus
def test_every_name_in_every_cim_file_is_cim100_mapped_or_out_of_scope(
    seen: Seen, schema: Schema
) -> None:
    """Each class, property and literal of the real files exists in CIM100, is resolved by
    to_cim100 (or listed as removed), or is in a documented out-of-scope set."""
    assert len(seen.files) >= 72, seen.files
    assert len(seen.names) > 900
    problems = {tag: (why, seen.names[tag]) for tag in seen.names if (why := problem(tag, schema))}
    assert problems == {}


@pytest.mark.corpus
def test_every_table_entry_and_listed_defect_occurs_in_the_corpus(seen: Seen) -> None:
    """The table comes from the data: each entry, defect and out-of-scope namespace is used."""
    names = {qualified_name(tag) for tag in seen.names}
    assert set(DIFFERENCES) <= names, set(DIFFERENCES) - names
    assert set(CIM100_SOURCE_DEFECTS) <= names, set(CIM100_SOURCE_DEFECTS) - names
    namespaces = {tag[1:].partition("}")[0] for tag in seen.names}
    assert {*c16.OUT_OF_SCOPE, *CIM100_FILE_EXTENSIONS} <= namespaces


@pytest.mark.corpus
def test_mapped_cim16_properties_belong_to_their_objects_cim100_class(
    seen: Seen, schema: Schema
) -> None:
    """In CIM16 files, each property's resolved CIM100 class is the object's class or above it."""
    cim16 = {*c16.CIM16_NAMESPACES, c16.ENTSOE_NAMESPACE}
    checked, wrong = 0, {}
    for (subject, prop), where in seen.pairs.items():
        if subject[1:].partition("}")[0] not in cim16 or prop[1:].partition("}")[0] not in cim16:
            continue
        cls, member = (
            to_cim100(qualified_name(subject) or ""),
            to_cim100(qualified_name(prop) or ""),
        )
        if cls is None or member is None:
            continue
        checked += 1
        if member.split(".")[0] not in schema.chain(cls):
            wrong[(subject, prop)] = where
    assert checked > 300
    assert wrong == {}


@pytest.mark.corpus
def test_every_mapping_target_exists_in_cim100_and_every_removal_is_real(schema: Schema) -> None:
    """Targets are CIM100 names as-is; moves go to a superclass; removed names are truly absent."""
    for name, diff in DIFFERENCES.items():
        bare = name.removeprefix("entsoe:")
        if diff.target is None:
            head, _, member = bare.partition(".")
            declared = [
                c
                for c in (schema.chain(head) if head in schema.tree["classes"] else [])
                if member in (schema.tree["classes"][c].get("attributes") or {})
            ]
            assert not declared and not schema.has(bare), name
            continue
        assert schema.has(diff.target), name
        if diff.kind is Kind.MOVED_TO_SUPERCLASS:
            source, target = name.split(".")[0], diff.target.split(".")[0]
            assert target in schema.chain(source)[1:], name


@pytest.mark.corpus
def test_the_shipped_cim100_index_matches_the_linkml_schema(schema: Schema) -> None:
    """cim/cim100_index.json is exactly what cim100_index makes of the shared LinkML file."""
    expected = c16.dump_index(c16.cim100_index(schema.raw, lambda _: schema.tree))
    shipped = (REPO / "cim" / c16.INDEX_FILE).read_text(encoding="utf-8")
    assert shipped == expected, (
        "cim/cim100_index.json drifted; regenerate it with "
        f'.venv/bin/python -c "import yaml, cim.cim16 as c; c.write_index('
        f"'{SHARED_DATA}/cim-schema/im_tc57cim.schema.linkml.yml', yaml.safe_load)\""
    )
