"""The Crews message profile (cimbus design, 2011-style namespace) over CIM100.

There is no IEC reference XSD for this noun: cimbus designed it from CIM100 ``Crew`` for the
crew master data and availability that a workforce system sends to OMS/WMS. A Crew is keyed by
its mRID (required: work orders name crews by it) and embeds its ``CrewType``, its
``CrewMembers`` (each with exactly one ``Person``: a role without a person cannot be
dispatched), the ``Location`` it is assigned to (with its GPS position points), and its work
assets. CIM100 has one association ``Crew.WorkAssets`` to ``WorkAsset``; the profile splits it
into ``Tools`` and ``Vehicles`` by subclass, so each carries its own members (the model's
``WorkAssets`` Ref stays unused). A vehicle's licence plate or fleet number is one of its Names.

The crew's ``status`` is the free-text CIM ``Status``; CIM100's ``CrewStatusKind`` (arrived,
assigned, awaitingCrewAssignment, enroute, fieldComplete) is the suggested vocabulary for its
``value`` but is not enforced, as CIM100 types only ``Outage.statusKind`` with it. A member's
role in the crew (foreman, lineworker) is its ``description``; a tool's ``lastCalibrationDate``
is an ``xs:date``. Not carried: the links to outages, switching actions and dispatch history.
Like WorkOrders it has no ``ref`` member.
See ``docs/cim-model.md``, "Profiles".
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
    enum,
    nested,
    root,
    value_text,
)
from cim.profiles.model import Profile
from cim.profiles.workorders import WORK_ORDERS
from cim.profiles.workrequests import required

NAMESPACE = "http://iec.ch/TC57/2011/Crews#"

_KEY = attr("mRID", min=1)
"""An mRID that work orders and the receiver's records name the object by: required."""


_CLASSES = (
    cls(
        "Crew",
        _KEY,
        attr("description"),
        attr("name"),
        nested("CrewMembers", "CrewMember"),
        nested("CrewType", "CrewType", max=1),
        nested("Location", "Location", max=1),
        NAMES,
        compound("status", "Status"),
        nested("Tools", "Tool"),
        nested("Vehicles", "Vehicle"),
    ),
    cls(
        "CrewMember",
        MRID,
        attr("description"),
        attr("name"),
        nested("Person", "Person", min=1, max=1),
    ),
    cls("CrewType", MRID, attr("description"), attr("name")),
    cls("ElectronicAddress", attr("email1"), attr("radio")),
    value_text("Length", "float"),
    cls(
        "Location",
        MRID,
        attr("name"),
        attr("type"),
        nested("PositionPoints", "PositionPoint"),
    ),
    *NAMING,
    cls(
        "Person",
        MRID,
        attr("firstName"),
        required(attr("lastName")),
        attr("mName"),
        attr("prefix"),
        attr("suffix"),
        compound("electronicAddress", "ElectronicAddress"),
        compound("landlinePhone", "TelephoneNumber"),
        compound("mobilePhone", "TelephoneNumber"),
    ),
    WORK_ORDERS.cls("PositionPoint"),
    STATUS,
    cls(
        "TelephoneNumber",
        attr("areaCode"),
        attr("cityCode"),
        attr("countryCode"),
        attr("extension"),
        attr("localNumber"),
    ),
    cls(
        "Tool",
        _KEY,
        attr("lastCalibrationDate", "date"),
        attr("name"),
        attr("serialNumber"),
        attr("type"),
        NAMES,
        compound("status", "Status"),
    ),
    cls(
        "Vehicle",
        _KEY,
        attr("name"),
        attr("odometerReadDateTime", "dateTime"),
        attr("serialNumber"),
        attr("type"),
        enum("usageKind", "VehicleUsageKind"),
        NAMES,
        compound("odometerReading", "Length", text_field="value"),
        compound("status", "Status"),
    ),
)

CREWS = Profile(
    name="Crews",
    version="1.0",
    namespace=NAMESPACE,
    root_element="Crews",
    root_class="Crew",
    root=root("Crews", nested("Crew", "Crew")),
    classes={c.name: c for c in _CLASSES},
)
"""Crews 1.0 in ``http://iec.ch/TC57/2011/Crews#`` (no reference XSD)."""

__all__ = ["CREWS", "NAMESPACE"]
