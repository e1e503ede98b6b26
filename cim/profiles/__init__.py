"""Message profiles: named, versioned selections of CIM classes per noun, with payload codecs.

``METER_READINGS``, ``END_DEVICE_EVENTS``, ``END_DEVICE_CONTROLS``, ``USAGE_POINT_CONFIG``,
``SERVICE_LOCATION_CONFIG`` and ``METER_CONFIG`` are IEC 61968-9 profiles;
``MEASUREMENT_VALUES`` is a cimbus design for SCADA values (no reference XSD);
``CUSTOMER_CONFIG`` (CIS customers, accounts, agreements) and ``ASSETS`` (ERP/GIS assets) are
cimbus designs in the IEC 61968-9 / 61968-4 style (no reference XSD);
``TROUBLE_TICKETS`` (CIS -> OMS), ``INCIDENT_INFORMATION`` (OMS -> CIS) and ``SWITCHING_PLANS``
(OMS/DMS) are cimbus designs for IEC 61968-8 / 61968-3 operations (no reference XSD);
``WORK_REQUESTS`` is the IEC 61968-6 profile; ``WORK_ORDERS`` (the ERP's work order) and
``CREWS`` (crews, members, vehicles, tools) are cimbus designs for work (no reference XSD);
``PROFILES`` maps each noun to its profile; ``to_xml``/``from_xml`` and ``to_json``/``from_json``
encode and decode :class:`Payload` trees; ``validate``/``check`` go beyond the XSD (required
members, cardinalities, enum literals, references within the payload, the profile's rules).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from cim.profiles.assets import ASSETS
from cim.profiles.crews import CREWS
from cim.profiles.customerconfig import CUSTOMER_CONFIG
from cim.profiles.enddevicecontrols import END_DEVICE_CONTROLS
from cim.profiles.enddeviceevents import END_DEVICE_EVENTS
from cim.profiles.incidentinformation import INCIDENT_INFORMATION
from cim.profiles.jsoncodec import from_json, to_json
from cim.profiles.measurementvalues import MEASUREMENT_VALUES
from cim.profiles.meterconfig import METER_CONFIG
from cim.profiles.meterreadings import METER_READINGS
from cim.profiles.model import Member, Node, Payload, Profile, ProfileClass
from cim.profiles.servicelocationconfig import SERVICE_LOCATION_CONFIG
from cim.profiles.switchingplans import SWITCHING_PLANS
from cim.profiles.troubletickets import TROUBLE_TICKETS
from cim.profiles.usagepointconfig import USAGE_POINT_CONFIG
from cim.profiles.validate import Issue, check, validate
from cim.profiles.workorders import WORK_ORDERS
from cim.profiles.workrequests import WORK_REQUESTS
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
            METER_CONFIG,
            MEASUREMENT_VALUES,
            CUSTOMER_CONFIG,
            ASSETS,
            TROUBLE_TICKETS,
            INCIDENT_INFORMATION,
            SWITCHING_PLANS,
            WORK_REQUESTS,
            WORK_ORDERS,
            CREWS,
        )
    }
)
"""Every profile by noun (read-only); look a noun up here, never import by a name from data."""

__all__ = [
    "ASSETS",
    "CREWS",
    "CUSTOMER_CONFIG",
    "END_DEVICE_CONTROLS",
    "END_DEVICE_EVENTS",
    "INCIDENT_INFORMATION",
    "MEASUREMENT_VALUES",
    "METER_CONFIG",
    "METER_READINGS",
    "PROFILES",
    "SERVICE_LOCATION_CONFIG",
    "SWITCHING_PLANS",
    "TROUBLE_TICKETS",
    "USAGE_POINT_CONFIG",
    "WORK_ORDERS",
    "WORK_REQUESTS",
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
