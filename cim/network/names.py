"""How the reader names what it meets, and how it reports what it does not know.

``name_of`` turns an lxml tag into the store's qualified name (CIM names bare, other names with
the document's prefix) plus the name :func:`cim.cim16.to_cim100` takes, and says why a name is
not a CIM100 name, if it is not; ``is_subclass`` and ``member_types`` read the CIM100 hierarchy
and literal types from ``cim/cim100_index.json``. ``Report`` collects problems of one document,
once per kind and name with a count, so that ten thousand ``60.000000`` integers are one line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any

from cim.cim16 import DIFFERENCES, ENTSOE_NAMESPACE, INDEX_FILE, OUT_OF_SCOPE, to_cim100
from cim.network.store import Model, Problem, normalise_id

EXTENSIONS: Mapping[str, str] = MappingProxyType(
    {
        ENTSOE_NAMESPACE: "ENTSO-E CGMES 2.4.15 extension (entsoe:)",
        "http://entsoe.eu/Secretariat/ProfileExtension/2#": "ENTSO-E profile extension (CIGRE MV)",
        "http://iec.ch/TC57/CIM100-European#": "CGMES 3 European extension (eu:)",
        "https://cim4.eu/ns/nc#": "ENTSO-E network-code extension (nc:)",
        "http://www.w3.org/2004/02/skos/core#": "SKOS metadata (skos:)",
        "http://www.w3.org/ns/dcat#": "DCAT metadata (dcat:)",
        "http://www.w3.org/ns/dcat": "DCAT metadata, written without '#'",
        **OUT_OF_SCOPE,
    }
)
"""Namespaces whose names are kept without a warning: known extensions and metadata."""

_CIM = re.compile(r"http://iec\.ch/TC57/(?:\d{4}/CIM-schema-cim(\d+)|CIM(\d+))#")


@cache
def cim_version(namespace: str) -> str:
    """``CIM16``, ``CIM100`` (or another ``CIMnn``) for a CIM namespace, else ``""``."""
    match = _CIM.fullmatch(namespace)
    return f"CIM{match.group(1) or match.group(2)}" if match else ""


@cache
def name_of(tag: str, prefix: str | None) -> tuple[str, str | None, str | None]:
    """(qualified name, name for ``to_cim100`` or None, why it is not CIM100 or None)."""
    namespace, _, local = tag[1:].partition("}") if tag.startswith("{") else ("", "", tag)
    if cim_version(namespace):
        return local, local, _reason(local)
    qualified = f"{prefix}:{local}" if prefix else tag
    if namespace == ENTSOE_NAMESPACE:
        lookup = f"entsoe:{local}"
        return qualified, lookup, _reason(lookup)
    if namespace in EXTENSIONS:
        return qualified, None, None
    return qualified, None, f"is in namespace {namespace or '(none)'}, neither CIM nor known"


@cache
def literal_reason(namespace: str, fragment: str) -> str | None:
    """Why an enumeration literal in a CIM or ENTSO-E namespace is not CIM100, or None.

    The reason starts with the literal's qualified name (``entsoe:LimitTypeKind.patl``).
    """
    name = f"entsoe:{fragment}" if namespace == ENTSOE_NAMESPACE else fragment
    if not cim_version(namespace) and namespace != ENTSOE_NAMESPACE:
        return None
    reason = _reason(name)
    return None if reason is None else f"{name} {reason}"


@cache
def misplaced(cls: str, prop: str) -> str | None:
    """Why property ``prop`` does not belong to class ``cls`` in CIM100, or None."""
    owner, target = to_cim100(cls), to_cim100(prop)
    if owner is None or target is None or "." not in target:
        return None
    if to_cim100(f"{owner}.{target.split('.', 1)[1]}") == target:
        return None
    return f"is not a member of {owner} or its superclasses in CIM100"


@cache
def is_subclass(cls: str, base: str) -> bool:
    """Whether class ``cls`` is ``base`` or below it in CIM100 (names as the store writes them)."""
    if cls == base:
        return True
    classes = _index()["classes"]
    current, target = to_cim100(cls), to_cim100(base)
    while current is not None and target is not None:
        if current == target:
            return True
        current = classes[current][0] if current in classes else None
    return False


def member_types(cls: str) -> Mapping[str, str]:
    """The primitive type (or ``enum``) of each literal member a CIM100 class declares."""
    types: dict[str, dict[str, str]] = _index()["types"]
    return types.get(cls, {})


@cache
def _index() -> dict[str, Any]:
    raw = resources.files("cim").joinpath(INDEX_FILE).read_text(encoding="utf-8")
    index: dict[str, Any] = json.loads(raw)
    return index


def _reason(lookup: str) -> str | None:
    if to_cim100(lookup) is not None:
        return None
    if (known := DIFFERENCES.get(lookup)) is not None:
        return f"has no CIM100 equivalent ({known.reason})"
    return "is not a CIM100 name"


def versions(model: Model) -> list[str]:
    """The CIM versions of the model's documents (``CIM16``, ``CIM100``), sorted, no blanks."""
    return sorted({d.cim_version for d in model.documents} - {""})


def check_model(model: Model, header_lines: list[int]) -> None:
    """Report what only the whole model shows: models depended on but absent, mixed versions."""
    loaded = {normalise_id(d.header_id) for d in model.documents if d.header_id}
    found = versions(model)
    main = max(found, key=lambda v: sum(d.cim_version == v for d in model.documents), default="")
    for doc, line in zip(model.documents, header_lines, strict=True):
        report = Report(doc.name)
        for dep in doc.header.get("Model.DependentOn", []):
            if normalise_id(dep) not in loaded:
                why = "not among the documents read (references into it stay unresolved)"
                report.add(line, f"depends on model {dep}, {why}")
        if doc.cim_version and doc.cim_version != main:
            report.add(line, f"a {doc.cim_version} document in a model that is mostly {main}")
        model.problems.extend(report.problems())


class Report:
    """The problems of one document, one per kind and name, with the first line and a count."""

    def __init__(self, file: str) -> None:
        self.file = file
        self._seen: dict[tuple[str, str], tuple[int, str]] = {}
        self._count: dict[tuple[str, str], int] = {}

    def add(self, line: int, message: str, severity: str = "warning", key: str = "") -> None:
        """Record a problem; a repeat of the same key only counts."""
        k = (severity, key or message)
        self._seen.setdefault(k, (line, message))
        self._count[k] = self._count.get(k, 0) + 1

    def problems(self) -> list[Problem]:
        """The problems recorded, in the order first met."""
        out = []
        for k, (line, message) in self._seen.items():
            more = f" ({self._count[k]} times, first here)" if self._count[k] > 1 else ""
            out.append(Problem(self.file, line, message + more, k[0]))
        return out


__all__ = [
    "EXTENSIONS",
    "Report",
    "check_model",
    "cim_version",
    "is_subclass",
    "literal_reason",
    "member_types",
    "misplaced",
    "name_of",
    "versions",
]
