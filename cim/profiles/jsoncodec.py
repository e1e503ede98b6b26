"""Profile-driven JSON codec: the same payload trees as the XML codec, as deterministic JSON.

The mapping, for a profile whose root element is ``MeterReadings``::

    {"MeterReadings": {"MeterReading": [{...}], "ReadingType": [{...}]}}

- keys are the profile's element names, written in profile order; absent members are omitted;
- a member that may occur more than once is a list (even with one item), else a single value;
- xs:string and enum literals are strings, xs:dateTime, xs:date and xs:time are ISO 8601
  strings as in XML (UTC as ``Z``), xs:boolean is true/false, xs:integer and xs:float are
  numbers (no NaN or infinities), xs:decimal is a string in its lexical form (``"12.50"``), so
  no digit is lost;
- a compound or embedded object is an object; a datatype carried as text is its value alone;
  an extension value (``Node.extensions``) is keyed and typed like an attribute;
- a reference is ``{"ref": "mRID"}``; a reference of a choice (XML ``<ComFunction ref=…/>``)
  names its element: ``{"ComFunction": {"ref": "mRID"}}``, under the member's key.

Output is compact UTF-8 (``ensure_ascii=False``). Reading refuses duplicate keys, unknown keys,
wrong JSON types and NaN, with the element path in the error.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import json
from typing import Any

from cim.errors import MalformedMessage, OversizeMessage, PayloadError, SchemaViolation
from cim.model import Ref
from cim.profiles import _values
from cim.profiles.model import Member, Node, Payload, Profile, ProfileClass
from cim.profiles.validate import check
from cim.profiles.xmlsafe import MAX_BYTES

_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "dateTime": (str,),
    "date": (str,),
    "time": (str,),
    "boolean": (bool,),
    "integer": (int,),
    "float": (float, int),
    "decimal": (str,),
}
_ON_NODE = frozenset({"association", "extension"})
"""Member kinds held on the Node rather than on the model object."""


def to_json(profile: Profile, payload: Payload, *, validate: bool = True) -> bytes:
    """The payload as compact, deterministic UTF-8 JSON bytes."""
    if validate:
        check(profile, payload)
    body = {
        m.element: [_object(profile, profile.cls(m.type), n.obj, n) for n in nodes]
        for m in profile.root.members
        if (nodes := payload.child(m.element))
    }
    try:
        text = json.dumps(
            {profile.root_element: body}, ensure_ascii=False, separators=(",", ":"), allow_nan=False
        )
    except ValueError as exc:
        raise PayloadError(f"cannot write JSON: {exc}") from None
    return text.encode("utf-8")


def _object(profile: Profile, pclass: ProfileClass, obj: object, node: Node | None) -> Any:
    out: dict[str, Any] = {}
    for m in pclass.members:
        if m.kind not in _ON_NODE:
            value = getattr(obj, m.path)
        elif m.kind == "extension":
            value = node.extension(m.element) if node is not None else None
        else:
            nodes = node.child(m.element) if node is not None else ()
            items = [_object(profile, profile.cls(m.type), n.obj, n) for n in nodes]
            if items:
                out[m.element] = items if m.many else items[0]
            continue
        if value is None or value == ():
            continue
        values = [_scalar(profile, m, v) for v in (value if isinstance(value, tuple) else (value,))]
        out[m.element] = values if m.many else values[0]
    return out


def _scalar(profile: Profile, m: Member, v: Any) -> Any:
    if m.kind == "reference":
        return {v.target: {"ref": v.mrid}} if m.targets else {"ref": v.mrid}
    if m.kind == "compound":
        if m.text_field is not None:
            text = getattr(v, m.text_field)
            return None if text is None else _scalar(profile, _values.text_member(profile, m), text)
        return _object(profile, profile.cls(m.type), v, None)
    if m.kind == "enum":
        return v.value
    if isinstance(v, _dt.date | _dt.time | decimal.Decimal):  # a datetime is a date
        return _values.to_text(m, v)
    return v


def from_json(profile: Profile, data: bytes, *, max_bytes: int = MAX_BYTES) -> Payload:
    """The payload in JSON ``data``; raises MalformedMessage, PayloadError or SchemaViolation."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise MalformedMessage("JSON input must be bytes as received, not decoded text")
    if len(data) > max_bytes:
        raise OversizeMessage(f"payload is {len(data)} bytes, over the limit of {max_bytes}")
    try:
        doc = json.loads(bytes(data), object_pairs_hook=_no_duplicates, parse_constant=_no_nan)
    except (ValueError, RecursionError) as exc:
        raise MalformedMessage(f"not valid JSON: {exc}") from None
    root = "/" + profile.root_element
    if not isinstance(doc, dict) or list(doc) != [profile.root_element]:
        raise PayloadError(f"{root}: the payload must be one object under {root[1:]!r}", path=root)
    _fields, nested = _members(profile, profile.root, doc[profile.root_element], root)
    return Payload(_values.children(profile.root, nested))


def _members(
    profile: Profile, pclass: ProfileClass, obj: Any, path: str
) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    if not isinstance(obj, dict):
        raise PayloadError(f"{path}: expected an object for {pclass.name}", path=path)
    fields: dict[str, Any] = {}
    nested: dict[str, list[Any]] = {}  # embedded objects and extension values, by element
    chosen: dict[str, str] = {}
    for key, raw in obj.items():
        m = pclass.member(key)
        if m is None:
            bad = f"{path}/{key}"
            raise PayloadError(f"{bad}: {key} is not part of {pclass.name}", path=bad)
        if m.choice is not None and chosen.setdefault(m.choice, key) != key:
            bad = f"{path}/{key}"
            raise PayloadError(
                f"{bad}: {key} excludes {chosen[m.choice]} (one of a choice)", path=bad
            )
        if m.many and not isinstance(raw, list):
            bad = f"{path}/{key}"
            raise PayloadError(f"{bad}: {key} must be a list", path=bad)
        items = raw if m.many else [raw]
        if m.max is not None and len(items) > m.max:
            bad = f"{path}/{key}"
            raise PayloadError(f"{bad}: {key} occurs more than {m.max} time(s)", path=bad)
        values = [
            _member(profile, m, item, f"{path}/{key}[{i}]" if m.many else f"{path}/{key}")
            for i, item in enumerate(items, 1)
        ]
        if m.kind in _ON_NODE:
            nested[key] = values
        else:
            fields[m.path] = values if m.many else values[0]
    return fields, nested


def _member(profile: Profile, m: Member, raw: Any, path: str) -> Any:
    if m.kind == "reference":
        return _reference(m, raw, path)
    if m.kind in ("compound", "association") and m.text_field is None:
        pclass = profile.cls(m.type)
        fields, nested = _members(profile, pclass, raw, path)
        obj = _values.build(pclass, fields, path)
        return obj if m.kind == "compound" else _values.node(pclass, obj, nested)
    if m.text_field is not None:
        value = _member(profile, _values.text_member(profile, m), raw, path)
        return _values.build(profile.cls(m.type), {m.text_field: value}, path)
    wanted = (str,) if m.kind == "enum" else _JSON_TYPES[m.type]
    if not isinstance(raw, wanted) or (m.type in ("integer", "float") and isinstance(raw, bool)):
        raise SchemaViolation(f"{path}: {raw!r} has the wrong JSON type for {m.type}", path=path)
    if m.kind == "enum" or m.type in ("dateTime", "date", "time", "decimal"):
        return _values.from_text(m, str(raw), path)
    return float(str(raw)) if m.type == "float" else raw


def _reference(m: Member, raw: Any, path: str) -> Ref:
    target = m.type
    if m.targets:  # one of a choice: {"ComFunction": {"ref": "mRID"}}, the key naming the target
        if not (isinstance(raw, dict) and len(raw) == 1):
            names = ", ".join(m.targets)
            what = f'{{"<element>": {{"ref": "mRID"}}}}, <element> one of {names}'
            raise PayloadError(f"{path}: a reference of {m.element} is {what}", path=path)
        ((target, raw),) = raw.items()
        if target not in m.targets:
            bad = f"{path}/{target}"
            raise PayloadError(f"{bad}: {target} is not one of {m.element}", path=bad)
        path = f"{path}/{target}"
    if not (isinstance(raw, dict) and list(raw) == ["ref"] and isinstance(raw["ref"], str)):
        raise PayloadError(f'{path}: a reference is {{"ref": "mRID"}}', path=path)
    if not raw["ref"]:
        raise PayloadError(f"{path}: empty reference", path=path)
    return Ref(target, raw["ref"])


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def _no_nan(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


__all__ = ["from_json", "to_json"]
