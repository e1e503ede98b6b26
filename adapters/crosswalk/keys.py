"""Native keys, the crosswalk protocol, and its export as CIM Name/NameType/Authority."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal, Protocol

from cim.errors import MessageError
from cim.model import Name, NameType, NameTypeAuthority
from cim.model.primitives import Ref

OnMiss = Literal["create", "fail", "defer"]
"""What ``mrid_for`` does for an unknown key: record a new mRID, raise, or return None."""

MISS_CODE = "2.15"
"""IEC 61968-100 code of a bad key, a miss under "fail" and a refused re-link (invalid IDs)."""

MAX_NAME = 64
"""Longest system or object type, in characters."""

MAX_NATIVE_ID = 256
"""Longest native ID, in characters."""

NAMESPACE = uuid.UUID("5f0c7e52-6c1e-4d0a-9a51-6b3f3c1e2a90")
"""UUID5 namespace of the NameType and NameTypeAuthority ids in an export (stable everywhere)."""


def _check(field: str, value: object, longest: int) -> None:
    if not isinstance(value, str):
        raise MessageError(f"NativeKey.{field} must be a string, not {value!r}", code=MISS_CODE)
    if not value or value.isspace():
        raise MessageError(f"NativeKey.{field} must not be empty", code=MISS_CODE)
    if len(value) > longest:
        raise MessageError(
            f"NativeKey.{field} is {len(value)} characters long; at most {longest} are allowed",
            code=MISS_CODE,
        )
    if value != value.strip():
        raise MessageError(
            f"NativeKey.{field} {value!r} has surrounding whitespace: normalise it in the mapping",
            code=MISS_CODE,
        )
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise MessageError(
            f"NativeKey.{field} {value!r} contains a control character", code=MISS_CODE
        )


@dataclass(frozen=True, slots=True)
class NativeKey:
    """One object's identifier in one native system: (system, object type, native ID)."""

    system: str
    object_type: str
    native_id: str

    def __post_init__(self) -> None:
        _check("system", self.system, MAX_NAME)
        _check("object_type", self.object_type, MAX_NAME)
        _check("native_id", self.native_id, MAX_NATIVE_ID)
        if "." in self.system:
            raise MessageError(
                f"NativeKey.system {self.system!r} contains '.', which separates the system "
                "from the object type in a NameType name",
                code=MISS_CODE,
            )

    @property
    def name_type(self) -> str:
        """The CIM NameType name of this key: ``<system>.<object_type>``."""
        return f"{self.system}.{self.object_type}"

    def __str__(self) -> str:
        return f"{self.name_type}:{self.native_id}"


def canonical_mrid(mrid: str) -> str:
    """Return ``mrid`` as a lower-case hyphenated UUID; raise MessageError if it is not one."""
    try:
        return str(uuid.UUID(mrid))
    except (ValueError, TypeError, AttributeError) as exc:
        raise MessageError(f"{mrid!r} is not a UUID mRID", code=MISS_CODE) from exc


@dataclass(frozen=True, slots=True)
class CimNames:
    """A crosswalk exported as CIM: authorities and name types by id, and one Name per key."""

    authorities: Mapping[str, NameTypeAuthority]
    name_types: Mapping[str, NameType]
    names: tuple[Name, ...]


class Crosswalk(Protocol):
    """Maps native keys to CIM mRIDs and back."""

    def mrid_for(self, key: NativeKey, *, on_miss: OnMiss) -> str | None:
        """Return the mRID of ``key``; on a miss create one, raise MessageError, or return None."""
        ...

    def keys_for(self, mrid: str) -> list[NativeKey]:
        """Return every native key linked to ``mrid`` (none for an unknown mRID)."""
        ...

    def link(self, key: NativeKey, mrid: str) -> None:
        """Link ``key`` to ``mrid``; repeating a link is harmless, re-linking to another refused."""
        ...

    def names(self, system: str | None = None) -> CimNames:
        """Export the crosswalk (or one system's part of it) as CIM Name/NameType/Authority."""
        ...

    def close(self) -> None:
        """Release the crosswalk's connections; it cannot be used afterwards."""
        ...


def export_names(rows: Iterable[tuple[str, str, str, str]]) -> CimNames:
    """Build the CIM objects of (system, object type, native ID, mRID) rows."""
    authorities: dict[str, NameTypeAuthority] = {}
    name_types: dict[str, NameType] = {}
    names: list[Name] = []
    for system, object_type, native_id, mrid in rows:
        authority_id = str(uuid.uuid5(NAMESPACE, f"NameTypeAuthority\x00{system}"))
        type_id = str(uuid.uuid5(NAMESPACE, f"NameType\x00{system}\x00{object_type}"))
        if authority_id not in authorities:
            authorities[authority_id] = NameTypeAuthority(name=system)
        if type_id not in name_types:
            name_types[type_id] = NameType(
                name=f"{system}.{object_type}",
                NameTypeAuthority=Ref("NameTypeAuthority", authority_id),
            )
        names.append(
            Name(
                name=native_id,
                IdentifiedObject=Ref("IdentifiedObject", mrid),
                NameType=Ref("NameType", type_id),
            )
        )
    return CimNames(authorities=authorities, name_types=name_types, names=tuple(names))


__all__ = [
    "MAX_NAME",
    "MAX_NATIVE_ID",
    "MISS_CODE",
    "NAMESPACE",
    "CimNames",
    "Crosswalk",
    "NativeKey",
    "OnMiss",
    "canonical_mrid",
    "export_names",
]
