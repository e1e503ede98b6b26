"""CIM16 (CGMES 2.4.15) names that differ in CIM100, and ``to_cim100`` to resolve them.

An importer of CGMES files meets names the way RDF/XML writes them: a class (``Terminal``), a
property qualified by the class that declares it (``ACDCTerminal.sequenceNumber``) or an
enumeration literal in an ``rdf:resource`` (``WindingConnection.Yn``); ENTSO-E extension names
carry the prefix ``entsoe:``. ``qualified_name`` turns an lxml ``{namespace}local`` tag into that
form and ``to_cim100`` gives the CIM100 name, or ``None`` when CIM100 has no equivalent.

Two sources, both checked against the real corpus by ``tests/test_cim16.py``:

* ``DIFFERENCES`` (below, hand-written): every name in ../shared/data/cim that is not a CIM100
  name as-is, with its kind and reason. Found by scanning the files, not recalled.
* ``cim100_index.json`` beside this module (generated): every CIM100 class with its superclass
  and the members it declares, every enumeration with its literals, and each literal member's
  primitive type (``types``, read by ``cim.network.names``). It resolves the general
  case -- a property named by a class whose CIM100 superclass declares it -- without loading the
  3 MB LinkML schema at run time: that file lives outside the package in ../shared/data, needs
  PyYAML (a dev-only dependency) and takes a second to parse; the 400 kB JSON index loads in
  under 0.1 s, with the stdlib, on first use.
  Regenerate it with ``.venv/bin/python -c "import yaml, cim.cim16 as c; c.write_index(PATH,
  yaml.safe_load)"`` (PATH: the LinkML file); a corpus test fails when the two drift.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

INDEX_FILE = "cim100_index.json"
"""The generated CIM100 index, package data of ``cim``."""

CIM16_NAMESPACES = frozenset(
    {
        "http://iec.ch/TC57/2013/CIM-schema-cim16#",  # ENTSO-E CGMES 2.4.15
        "http://iec.ch/TC57/2012/CIM-schema-cim16#",  # CIGRE MV (NEPLAN export)
        "http://iec.ch/TC57/2010/CIM-schema-cim16#",  # CIGRE MV, rdf:resource of one literal
    }
)
"""The CIM16 namespaces met in CGMES files; their names are written without a prefix."""

CIM100_NAMESPACE = "http://iec.ch/TC57/CIM100#"
"""CIM100's own namespace; its names pass through ``to_cim100`` unchanged when they exist."""

ENTSOE_NAMESPACE = "http://entsoe.eu/CIM/SchemaExtension/3/1#"
"""The CGMES 2.4.15 ENTSO-E extension namespace, written ``entsoe:`` in qualified names."""

OUT_OF_SCOPE: Mapping[str, str] = MappingProxyType(
    {
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#": "RDF syntax (rdf:RDF, rdf:Description)",
        "http://iec.ch/TC57/61970-552/ModelDescription/1#": (
            "IEC 61970-552 model header (md:FullModel), metadata about the file, not CIM"
        ),
        "http://iec.ch/TC57/61970-552/DifferenceModel/1#": (
            "IEC 61970-552 difference-model wrapper (dm:forwardDifferences ...), not CIM"
        ),
        "http://www.neplan.ch#": "NEPLAN vendor header field (neplan:Model.createdBy)",
    }
)
"""Namespaces in CIM16 files that carry no CIM names, each with why it is skipped."""


class Kind(enum.StrEnum):
    """How a CIM16 name differs from CIM100."""

    RENAMED = "renamed"
    MOVED_TO_SUPERCLASS = "moved-to-superclass"
    REMOVED = "removed-in-CIM100"
    ENUM_LITERAL_RENAMED = "enum-literal-renamed"  # none in the corpus today


@dataclass(frozen=True, slots=True, kw_only=True)
class Difference:
    """One CIM16 name, its CIM100 equivalent (``None``: there is none) and why."""

    name: str
    kind: Kind
    target: str | None
    reason: str


_BOUNDARY = "ENTSO-E boundary extension; CGMES 3 has eu:BoundaryPoint for it, outside CIM100"
_LIMIT = "ENTSO-E extension literal; CGMES 3 has eu:LimitKind, outside CIM100"
_LIMIT_LITERALS = ("patl", "patlt", "tatl", "tc", "tct")
_PSS2B = "CIM100 Pss2B has no input-signal selector (PssIEEE2B, Pss2ST, PssWECC keep one)"
_FROM_TO = tuple(f"{e}End{x}" for e in ("from", "to") for x in ("IsoCode", "Name", "NameTso"))
_TERMINAL = "CIM100 declares it on ACDCTerminal, Terminal's superclass (CIGRE MV, 2012 namespace)"


def _table(*rows: tuple[str, Kind, str | None, str]) -> Mapping[str, Difference]:
    out = {n: Difference(name=n, kind=k, target=t, reason=r) for n, k, t, r in rows}
    return MappingProxyType(out)


DIFFERENCES: Mapping[str, Difference] = _table(
    ("Terminal.connected", Kind.MOVED_TO_SUPERCLASS, "ACDCTerminal.connected", _TERMINAL),
    ("Terminal.sequenceNumber", Kind.MOVED_TO_SUPERCLASS, "ACDCTerminal.sequenceNumber", _TERMINAL),
    ("Pss2B.inputSignal1Type", Kind.REMOVED, None, _PSS2B),
    ("Pss2B.inputSignal2Type", Kind.REMOVED, None, _PSS2B),
    (
        "entsoe:EnergySchedulingType",
        Kind.RENAMED,
        "EnergySchedulingType",
        "ENTSO-E extension class adopted by CIM100 (package Wires)",
    ),
    (
        "entsoe:EnergySource.EnergySchedulingType",
        Kind.RENAMED,
        "EnergySource.EnergySchedulingType",
        "ENTSO-E extension association adopted by CIM100 (package Wires)",
    ),
    (
        "entsoe:IdentifiedObject.shortName",
        Kind.REMOVED,
        None,
        "ENTSO-E extension; CGMES 3 has eu:IdentifiedObject.shortName, outside CIM100",
    ),
    (
        "entsoe:IdentifiedObject.energyIdentCodeEic",
        Kind.REMOVED,
        None,
        "ENTSO-E extension; CGMES 3 has eu:IdentifiedObject.energyIdentCodeEic, outside CIM100",
    ),
    (
        "entsoe:OperationalLimitType.limitType",
        Kind.REMOVED,
        None,
        "ENTSO-E extension; CGMES 3 has eu:OperationalLimitType.kind, outside CIM100",
    ),
    *((f"entsoe:LimitTypeKind.{x}", Kind.REMOVED, None, _LIMIT) for x in _LIMIT_LITERALS),
    *(
        (f"entsoe:{node}.{member}", Kind.REMOVED, None, _BOUNDARY)
        for node in ("ConnectivityNode", "TopologicalNode")
        for member in (*_FROM_TO, "boundaryPoint")
    ),
)
"""Every CIM16 name of the corpus that CIM100 does not have as-is, by qualified name."""


def qualified_name(tag: str) -> str | None:
    """The name ``to_cim100`` takes for an lxml ``{namespace}local`` tag; None if out of scope."""
    if not tag.startswith("{"):
        return tag
    namespace, _, local = tag[1:].partition("}")
    if namespace in CIM16_NAMESPACES or namespace == CIM100_NAMESPACE:
        return local
    if namespace == ENTSOE_NAMESPACE:
        return f"entsoe:{local}"
    if namespace in OUT_OF_SCOPE:
        return None
    return tag  # an unknown namespace: to_cim100 gives None for it


def to_cim100(qualified: str) -> str | None:
    """The CIM100 name for a CIM16 class, property or literal name; None if CIM100 has none."""
    if (known := DIFFERENCES.get(qualified)) is not None:
        return known.target
    head, dot, member = qualified.partition(".")
    if (renamed := DIFFERENCES.get(head)) is not None:
        if renamed.target is None:
            return None
        head = renamed.target
    classes, enums = _index()
    if not dot:
        return head if head in classes or head in enums else None
    if head in enums:
        return f"{head}.{member}" if member in enums[head] else None
    while head in classes:  # the general case: declared on the class or a superclass
        superclass, members = classes[head]
        if member in members:
            return f"{head}.{member}"
        if superclass is None:
            break
        head = superclass
    return None


def cim100_index(raw: bytes, load: Callable[[bytes], Mapping[str, Any]]) -> dict[str, Any]:
    """The index ``to_cim100`` reads, from the CIM100 LinkML file's bytes and a YAML loader."""
    schema = load(raw)
    classes = {
        name: [spec.get("is_a"), sorted(spec.get("attributes") or {})]
        for name, spec in sorted(schema["classes"].items())
    }
    enums = {
        name: sorted(spec.get("permissible_values") or {})
        for name, spec in sorted(schema["enums"].items())
    }
    types = {
        name: t for name, spec in sorted(schema["classes"].items()) if (t := _types(spec, schema))
    }
    generated = (
        "GENERATED by cim.cim16.write_index from ../shared/data/cim-schema/"
        f"im_tc57cim.schema.linkml.yml (sha256:{hashlib.sha256(raw).hexdigest()}). Do not edit."
    )
    return {"generated": generated, "classes": classes, "enums": enums, "types": types}


def _types(spec: Mapping[str, Any], schema: Mapping[str, Any]) -> dict[str, str]:
    """Member -> primitive range (``float``, ``integer`` …, a datatype's ``value``) or ``enum``."""
    out = {}
    for member, slot in sorted((spec.get("attributes") or {}).items()):
        rng = slot.get("range") or "string"
        target = schema["classes"].get(rng)
        if rng in schema["enums"]:
            out[member] = "enum"
        elif target is None:
            out[member] = rng
        elif (target.get("annotations") or {}).get("represents_cim_data_type"):
            out[member] = target["attributes"]["value"]["range"]
    return out


def dump_index(index: Mapping[str, Any]) -> str:
    """The index as the committed JSON text: one class or enumeration a line."""
    lines = ["{", f' "generated": {json.dumps(index["generated"])},']
    for key, last in (("classes", False), ("enums", False), ("types", True)):
        body = ",\n".join(f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in index[key].items())
        lines.append(f' "{key}": {{\n{body}\n }}' + ("" if last else ","))
    return "\n".join([*lines, "}", ""])


def write_index(linkml: str | Path, load: Callable[[bytes], Mapping[str, Any]]) -> Path:
    """Regenerate ``cim100_index.json`` beside this module (dev only; ``load`` parses YAML)."""
    index = cim100_index(Path(linkml).read_bytes(), load)
    target = Path(__file__).with_name(INDEX_FILE)
    target.write_text(dump_index(index), encoding="utf-8")
    return target


@cache
def _index() -> tuple[dict[str, tuple[str | None, frozenset[str]]], dict[str, frozenset[str]]]:
    raw = json.loads(resources.files("cim").joinpath(INDEX_FILE).read_text(encoding="utf-8"))
    classes = {k: (sup, frozenset(members)) for k, (sup, members) in raw["classes"].items()}
    return classes, {k: frozenset(v) for k, v in raw["enums"].items()}


__all__ = [
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
]
