"""Names of the strongly typed per-noun wrappers of the IEC 61968-100 WSDLs.

``CreateMeterReadings`` in ``http://iec.ch/TC57/2011/MeterReadingsMessage``,
``GetMeterReadings`` in ``http://iec.ch/TC57/2011/GetMeterReadingsMessage`` (the published WSDLs
put Get and its response there; the plain ``…/MeterReadingsMessage`` is accepted too),
``MeterReadingsResponseMessage``, ``MeterReadingsFaultMessage`` and the past-tense events.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bus.envelope.model import EVENT_VERBS, REQUEST_VERBS, Verb

WRAPPER_NS_PREFIX = "http://iec.ch/TC57/2011/"
_WRAPPER_NS = re.compile(r"http://iec\.ch/TC57/2011/(Get)?([A-Za-z_][A-Za-z0-9_]*)Message\Z")
#: wrapper operation prefix -> verb, longest first so "Created" wins over "Create"
_OPERATIONS = sorted(
    ((v.value.capitalize(), v) for v in (*REQUEST_VERBS, *EVENT_VERBS)),
    key=lambda kv: -len(kv[0]),
)


@dataclass(frozen=True, slots=True)
class TypedRoot:
    """What a typed wrapper's root element says: kind, verb (if any) and noun."""

    namespace: str
    localname: str
    kind: str
    noun: str
    verb: Verb | None


def wrapper_namespace(noun: str, *, get: bool = False) -> str:
    """The wrapper namespace for ``noun`` (``Get{Noun}Message`` for get requests and replies)."""
    return f"{WRAPPER_NS_PREFIX}{'Get' if get else ''}{noun}Message"


def parse_typed_root(namespace: str | None, localname: str) -> TypedRoot | None:
    """Decode a wrapper root element name, or None if it is not one."""
    if namespace is None:
        return None
    m = _WRAPPER_NS.match(namespace)
    if m is None:
        return None
    # ".../GetXMessage" is either get-X or the noun "GetX": accept both readings
    ns_nouns = (m.group(2),) if m.group(1) is None else (m.group(1) + m.group(2), m.group(2))
    for suffix, kind in (
        ("ResponseMessage", "ResponseMessage"),
        ("FaultMessage", "FaultMessage"),
        ("EventMessage", "EventMessage"),
        ("RequestMessage", "RequestMessage"),
    ):
        if localname.endswith(suffix) and localname != suffix:
            noun = localname[: -len(suffix)]
            return TypedRoot(namespace, localname, kind, noun, None) if noun in ns_nouns else None
    for prefix, verb in _OPERATIONS:
        noun = localname[len(prefix) :]
        if localname.startswith(prefix) and noun in ns_nouns:
            kind = "RequestMessage" if verb in REQUEST_VERBS else "EventMessage"
            return TypedRoot(namespace, localname, kind, noun, verb)
    return None


def typed_root_name(kind: str, verb: Verb | None, noun: str) -> str:
    """The wrapper element name for a message of ``kind`` with ``verb`` and ``noun``."""
    if kind == "ResponseMessage":
        return f"{noun}ResponseMessage"
    if kind == "FaultMessage":
        return f"{noun}FaultMessage"
    assert verb is not None
    return f"{verb.value.capitalize()}{noun}"
