"""Message profiles: named, versioned selections of CIM classes per noun, with payload codecs.

``METER_READINGS``, ``END_DEVICE_EVENTS``, ``END_DEVICE_CONTROLS``, ``USAGE_POINT_CONFIG`` and
``SERVICE_LOCATION_CONFIG`` are IEC 61968-9 profiles; ``MEASUREMENT_VALUES`` is a cimbus design
for SCADA values (no reference XSD); ``PROFILES`` maps each noun to its
profile; ``to_xml``/``from_xml`` and ``to_json``/``from_json`` encode and decode :class:`Payload`
trees; ``validate``/``check`` go beyond the XSD (required members, cardinalities, enum literals,
references within the payload).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from cim.profiles.enddevicecontrols import END_DEVICE_CONTROLS
from cim.profiles.enddeviceevents import END_DEVICE_EVENTS
from cim.profiles.jsoncodec import from_json, to_json
from cim.profiles.measurementvalues import MEASUREMENT_VALUES
from cim.profiles.meterreadings import METER_READINGS
from cim.profiles.model import Member, Node, Payload, Profile, ProfileClass
from cim.profiles.servicelocationconfig import SERVICE_LOCATION_CONFIG
from cim.profiles.usagepointconfig import USAGE_POINT_CONFIG
from cim.profiles.validate import Issue, check, validate
from cim.profiles.xmlcodec import from_xml, to_xml

PROFILES: Mapping[str, Profile] = MappingProxyType(
    {
        p.name: p
        for p in (
            METER_READINGS,
            END_DEVICE_EVENTS,
            END_DEVICE_CONTROLS,
            USAGE_POINT_CONFIG,
            SERVICE_LOCATION_CONFIG,
            MEASUREMENT_VALUES,
        )
    }
)
"""Every profile by noun (read-only); look a noun up here, never import by a name from data."""

__all__ = [
    "END_DEVICE_CONTROLS",
    "END_DEVICE_EVENTS",
    "MEASUREMENT_VALUES",
    "METER_READINGS",
    "PROFILES",
    "SERVICE_LOCATION_CONFIG",
    "USAGE_POINT_CONFIG",
    "Issue",
    "Member",
    "Node",
    "Payload",
    "Profile",
    "ProfileClass",
    "check",
    "from_json",
    "from_xml",
    "to_json",
    "to_xml",
    "validate",
]
