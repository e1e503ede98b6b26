"""Message profiles: named, versioned selections of CIM classes per noun, with payload codecs.

``METER_READINGS`` is the IEC 61968-9 MeterReadings profile; ``to_xml``/``from_xml`` and
``to_json``/``from_json`` encode and decode :class:`Payload` trees; ``validate``/``check`` go
beyond the XSD (required members, cardinalities, enum literals, references within the payload).
"""

from __future__ import annotations

from cim.profiles.jsoncodec import from_json, to_json
from cim.profiles.meterreadings import METER_READINGS
from cim.profiles.model import Member, Node, Payload, Profile, ProfileClass
from cim.profiles.validate import Issue, check, validate
from cim.profiles.xmlcodec import from_xml, to_xml

__all__ = [
    "METER_READINGS",
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
