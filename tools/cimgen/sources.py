"""Read the two machine-readable CIM100 sources into one in-memory description.

* ``im_tc57cim.schema.linkml.yml`` (LinkML, Netbeheer-Nederland/tc57cim): classes, ``is_a``,
  packages, attributes and association ends with definitions, enumerations with literals.
* ``CIM17v40.rdfs-t2b.md`` (CIMTool export, PNNL CIM-Graph): exact primitive types (DateTime,
  Duration, Decimal, ...), exact multiplicities, the compound types and each datatype's XSD type.
  Only the member tables, the section headings and the ``XSD type`` lines are parsed.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

LINKML_FILE = "im_tc57cim.schema.linkml.yml"
CIMTOOL_FILE = "CIM17v40.rdfs-t2b.md"

PRIMITIVES = frozenset(
    {"Boolean", "Date", "DateTime", "Decimal", "Duration", "Float", "Integer", "MonthDay"}
    | {"String", "Time"}
)
# LinkML flattens CIM primitives; used only when CIMTool does not list the member.
LINKML_PRIMITIVE = {
    "string": "String",
    "double": "Float",
    "float": "Float",
    "integer": "Integer",
    "boolean": "Boolean",
    "date": "Date",
    "time": "Time",
}

_ROW = re.compile(r"^\| `?(\w+) \[([0-9.*]+)\]`?(?: \(([^)]*)\))? \| \[(\w+)\]\(")
_CLASS_HEAD = re.compile(r"^\{#CIM17v40-(\w+)\}$")
_SECTION = re.compile(r"^## CIM17v40-(\w+)$")
_XSD = re.compile(r"^XSD type: `(\w+)`")


@dataclass(frozen=True)
class Member:
    """One CIMTool member row: exact type name, multiplicity and stereotypes."""

    type: str
    multiplicity: str
    stereotypes: str


@dataclass
class CimTool:
    """What the CIMTool export adds to LinkML."""

    members: dict[str, dict[str, Member]] = field(default_factory=dict)
    compounds: set[str] = field(default_factory=set)
    datatype_xsd: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Sources:
    """Both inputs, parsed, with their file names and SHA-256 digests."""

    linkml: dict[str, Any]
    cimtool: CimTool
    digests: tuple[tuple[str, str], ...]


def parse_cimtool(text: str) -> CimTool:
    """Parse the member tables, compound types and datatype XSD types of the CIMTool export."""
    out = CimTool()
    part = ""
    owner: str | None = None
    native = False
    for line in text.splitlines():
        if line.startswith("## ") and not line.startswith("## CIM17v40-"):
            part = line[3:].strip()
            owner = None
            continue
        head = _CLASS_HEAD.match(line) or _SECTION.match(line)
        if head:
            owner = head.group(1)
            native = True
            if part == "Compound Types":
                out.compounds.add(owner)
            continue
        if owner is None:
            continue
        if line.startswith("#### "):
            native = line.strip() in ("#### Native Members", "#### Members")
            continue
        xsd = _XSD.match(line)
        if xsd and part == "Datatypes":
            out.datatype_xsd[owner] = xsd.group(1)
            continue
        row = _ROW.match(line)
        if row and native:
            name, mult, stereo, typ = row.groups()
            out.members.setdefault(owner, {})[name] = Member(typ, mult, stereo or "")
    return out


def load(folder: Path) -> Sources:
    """Read both files from ``folder`` (the shared ``cim-schema`` folder; never copied)."""
    raw_linkml = (folder / LINKML_FILE).read_bytes()
    raw_cimtool = (folder / CIMTOOL_FILE).read_bytes()
    linkml = yaml.load(raw_linkml, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506
    digests = (
        (LINKML_FILE, hashlib.sha256(raw_linkml).hexdigest()),
        (CIMTOOL_FILE, hashlib.sha256(raw_cimtool).hexdigest()),
    )
    return Sources(linkml, parse_cimtool(raw_cimtool.decode("utf-8")), digests)
