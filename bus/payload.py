"""Payload validation against message profiles: the noun's profile decodes and checks the payload.

A message whose noun has a profile (``cim.profiles.PROFILES`` when the package defines it,
otherwise MeterReadings alone) has every payload element in the profile's namespace decoded with
:func:`cim.profiles.from_xml` and checked with :func:`cim.profiles.check` (required members,
cardinalities, enum literals, references that must resolve). A failure is the codec's
:class:`~cim.errors.SchemaViolation` / :class:`~cim.errors.PayloadError` (1.7, 1.8, 2.x), with
the message's MessageID and noun so that it is answered in kind, and ``path`` naming the element
inside the envelope, e.g. ``/EventMessage/Payload/MeterReadings/MeterReading[1]/Readings[2]``.
The elements of an OperationSet are checked against their operation's noun. Other payload
elements (a Get request's filter, another namespace) are left alone.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping

import cim.profiles as _profiles
from bus.envelope import FaultMessage, Message
from cim.errors import CimbusError, ConfigurationError
from cim.profiles import METER_READINGS, Profile, check, from_xml


def profiles() -> Mapping[str, Profile]:
    """Every known profile by noun (``cim.profiles.PROFILES`` when it exists)."""
    found: Mapping[str, Profile] | None = getattr(_profiles, "PROFILES", None)
    return found if found is not None else {METER_READINGS.root_element: METER_READINGS}


def find_profile(name: str) -> Profile:
    """The profile for noun ``name``; ConfigurationError with "did you mean" when unknown."""
    known = profiles()
    profile = known.get(name)
    if profile is None:
        close = difflib.get_close_matches(name, list(known), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ConfigurationError(
            f"no profile named {name!r}{hint} (known: {', '.join(sorted(known))})"
        )
    return profile


def check_payload(message: Message) -> None:
    """Decode and validate the payload elements of the noun's profile; raise the first failure.

    The elements of an OperationSet are checked too, each against its operation's noun.
    """
    if isinstance(message, FaultMessage) or message.payload is None:
        return
    header = message.header
    base = f"/{message.kind}/Payload"
    parts = [(header.noun, base, fragment) for fragment in message.payload.elements]
    op_set = message.payload.operation_set
    for i, op in enumerate(op_set.operations if op_set is not None else (), start=1):
        if op.payload is not None:
            parts.append(
                (op.noun or header.noun, f"{base}/OperationSet/Operation[{i}]", op.payload)
            )
    known = profiles()
    for noun, where, fragment in parts:
        profile = known.get(noun)
        if profile is None or fragment.namespace != profile.namespace:
            continue
        try:
            check(profile, from_xml(profile, fragment.xml))
        except CimbusError as exc:
            raise type(exc)(
                exc.reason,
                code=exc.code,
                path=where + (exc.path or ""),
                message_id=header.message_id,
                correlation_id=header.correlation_id,
                noun=header.noun,
            ) from None


__all__ = ["check_payload", "find_profile", "profiles"]
