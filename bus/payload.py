"""Payload validation against message profiles: the noun's profile decodes and checks the payload.

A message whose noun has a profile (``cim.profiles.PROFILES`` when the package defines it,
otherwise MeterReadings alone) has every payload element in the profile's namespace decoded with
:func:`cim.profiles.from_xml` and checked with :func:`cim.profiles.check` (required members,
cardinalities, enum literals, references that must resolve). A failure is the codec's
:class:`~cim.errors.SchemaViolation` / :class:`~cim.errors.PayloadError` (1.7, 1.8, 2.x), with
the message's MessageID and noun so that it is answered in kind, and ``path`` naming the element
inside the envelope, e.g. ``/EventMessage/Payload/MeterReadings/MeterReading[1]/Readings[2]``.
Other payload elements (a Get request's filter, another namespace) are left alone.
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
    """Decode and validate the payload elements of the noun's profile; raise the first failure."""
    if isinstance(message, FaultMessage) or message.payload is None:
        return
    header = message.header
    profile = profiles().get(header.noun)
    if profile is None:
        return
    base = f"/{message.kind}/Payload"
    for fragment in message.payload.elements:
        if fragment.namespace != profile.namespace:
            continue
        try:
            check(profile, from_xml(profile, fragment.xml))
        except CimbusError as exc:
            raise type(exc)(
                exc.reason,
                code=exc.code,
                path=base + (exc.path or ""),
                message_id=header.message_id,
                correlation_id=header.correlation_id,
                noun=header.noun,
            ) from None


__all__ = ["check_payload", "find_profile", "profiles"]
