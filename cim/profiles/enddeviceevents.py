"""The IEC 61968-9 EndDeviceEvents message profile (2011 namespace) over the CIM100 model.

Written for cimbus from the CIM model and the structure of the IEC 61968-9 EndDeviceEvents
message; element names and order follow the 2011 profile so that payloads validate against its
XSD. The classes are those of MeterReadings' events: see ``docs/cim-model.md``, "Profiles".
"""

from __future__ import annotations

from cim.profiles._dsl import (
    MRID,
    NAMES,
    NAMING,
    STATUS,
    attr,
    cls,
    compound,
    event_type,
    identified,
    nested,
    ref,
    root,
)
from cim.profiles.model import Profile

NAMESPACE = "http://iec.ch/TC57/2011/EndDeviceEvents#"

_CLASSES = (
    identified("Asset"),
    cls(
        "EndDeviceEvent",
        MRID,
        attr("createdDateTime", "dateTime", min=1),
        attr("issuerID"),
        attr("issuerTrackingID"),
        attr("reason"),
        attr("severity"),
        attr("userID"),
        nested("Assets", "Asset", max=1),
        nested("EndDeviceEventDetails", "EndDeviceEventDetail"),
        ref("EndDeviceEventType", "EndDeviceEventType"),
        NAMES,
        compound("status", "Status"),
        nested("UsagePoint", "UsagePoint", max=1),
    ),
    # CIM100 types EndDeviceEventDetail.value as StringQuantity; the profile carries its text
    cls(
        "EndDeviceEventDetail",
        attr("name", min=1),
        compound("value", "StringQuantity", text_field="value"),
    ),
    event_type("EndDeviceEventType"),
    *NAMING,
    STATUS,
    cls("StringQuantity", attr("value")),
    identified("UsagePoint"),
)

END_DEVICE_EVENTS = Profile(
    name="EndDeviceEvents",
    version="1.0",
    namespace=NAMESPACE,
    root_element="EndDeviceEvents",
    root_class="EndDeviceEvent",
    root=root(
        "EndDeviceEvents",
        nested("EndDeviceEvent", "EndDeviceEvent"),
        nested("EndDeviceEventType", "EndDeviceEventType"),
    ),
    classes={c.name: c for c in _CLASSES},
)
"""EndDeviceEvents 1.0 in ``http://iec.ch/TC57/2011/EndDeviceEvents#``."""

__all__ = ["END_DEVICE_EVENTS", "NAMESPACE"]
