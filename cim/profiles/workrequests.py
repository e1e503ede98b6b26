"""The IEC 61968-6 WorkRequests message profile (2011 namespace) over the CIM100 model.

Written for cimbus from the CIM model and the structure of the 2011 WorkRequests message; element
names, order and cardinalities follow its XSD. Its namespace has no ``#``, as the XSD's
``targetNamespace`` has none. The XSD also has no ``elementFormDefault``: only the root element
is in the namespace, the elements below it are in none (``qualified=False``), so the codec's
bytes fit the 2011 XSD as they are. Where the CIM15-era message and CIM100 differ:

- ``ELWork`` is CIM100 ``Work`` (requestDateTime, kind, status and BaseWork's WorkLocation and
  TimeSchedules); CIM100's member-less ``WorkRequest`` document is not used.
- ELWork's four required extensions (``changedBy``, ``failureKind``, ``problemKind``,
  ``glAccount``, all ``xs:string``) have no CIM100 member (the CIM has ``glAccount`` only on ERP
  invoice line items). They are profile extensions: their values are in the ELWork Node's
  ``extensions``, not in Work fields that mean something else.
- ``siteId`` (a Location) has no CIM100 association; it is embedded and kept in the Node tree.
- ``kind`` is ``xs:string`` in 2011 and ``ServiceRequestKind`` in CIM100 (no ``maintenance``
  or ``service``); the 2011 ``WorkTimeScheduleKind`` lacks CIM100's ``immediate``.
- ``PostalAddress`` is CIM100's ``StreetAddress`` compound (postalCode and townDetail).
- ``Appointment.callAhead`` is an empty complex type in the XSD (it cannot say true or false), so
  it is not carried. ``Person``/``PersonRole`` and ``Document`` are declared but unreachable from
  the root; the Document's optional ``status`` is dropped for ELWork's required one.
- Objects are embedded, never referenced; CIM100's ``Ref`` fields stay unused.
"""

from __future__ import annotations

from dataclasses import replace

from cim.profiles._dsl import (
    DATETIME_INTERVAL,
    MRID,
    attr,
    cls,
    compound,
    enum,
    extension,
    nested,
    root,
)
from cim.profiles.model import Member, Profile

NAMESPACE = "http://iec.ch/TC57/2011/WorkRequests"
"""As the 2011 XSD's targetNamespace: without the ``#`` of the IEC 61968-9 profiles."""

_IDENTITY = (attr("description"), MRID, attr("name"))  # the 2011 IdentifiedObject: no Names


def required(member: Member) -> Member:
    """The same member with at least one occurrence required."""
    return replace(member, min=1)


def _base_work() -> tuple[Member, ...]:
    return (
        # a Ref in CIM100, embedded in the 2011 message
        nested("WorkLocation", "WorkLocation", max=1),
        nested("TimeSchedules", "WorkTimeSchedule"),
    )


_CLASSES = (
    cls("Appointment", compound("meetingInterval", "DateTimeInterval")),
    cls(
        "Asset",
        *_IDENTITY,
        attr("type"),
        attr("utcNumber"),
        nested("Location", "Location", max=1),
    ),
    cls("Crew", *_IDENTITY, compound("status", "Status")),
    DATETIME_INTERVAL,
    cls("ElectronicAddress", attr("email1")),
    cls(
        "ELWork",
        attr("authorName"),
        attr("comment"),
        attr("createdDateTime", "dateTime"),
        attr("lastModifiedDateTime", "dateTime"),
        attr("revisionNumber"),
        attr("subject"),
        attr("title"),
        attr("type"),
        *_IDENTITY,
        *_base_work(),
        extension("changedBy", min=1),
        extension("failureKind", min=1),
        extension("glAccount", min=1),
        required(enum("kind", "ServiceRequestKind")),
        extension("problemKind", min=1),
        attr("requestDateTime", "dateTime", min=1),
        nested("siteId", "Location", min=1, max=1),
        required(compound("status", "Status")),
        nested("WorkTask", "WorkTask"),
        nested("Appointment", "Appointment"),
        cim="Work",
    ),
    cls("Location", *_IDENTITY, attr("type")),
    cls(
        "Organisation",
        *_IDENTITY,
        compound("electronicAddress", "ElectronicAddress"),
        compound("phone1", "TelephoneNumber"),
        compound("phone2", "TelephoneNumber"),
        compound("postalAddress", "PostalAddress"),
        compound("streetAddress", "StreetAddress"),
    ),
    # the 2011 PostalAddress is CIM100's StreetAddress compound
    cls(
        "PostalAddress",
        attr("postalCode"),
        compound("townDetail", "TownDetail"),
        cim="StreetAddress",
    ),
    cls("Status", attr("dateTime", "dateTime"), attr("remark"), attr("value")),
    cls(
        "StreetAddress",
        compound("streetDetail", "StreetDetail"),
        compound("townDetail", "TownDetail"),
    ),
    cls("StreetDetail", attr("code"), attr("name"), attr("number")),
    cls(
        "TelephoneNumber",
        attr("areaCode"),
        attr("cityCode"),
        attr("countryCode"),
        attr("extension"),
        attr("localNumber"),
    ),
    cls("TownDetail", attr("country"), attr("name"), attr("section")),
    cls("WorkLocation", *_IDENTITY, attr("type")),
    # 2011's WorkTask is a BaseWork without IdentifiedObject: no mRID
    cls(
        "WorkTask",
        *_base_work(),
        attr("instruction"),
        attr("schedOverride"),
        enum("taskKind", "WorkTaskKind"),
        nested("Assets", "Asset"),
        nested("Crews", "Crew"),
    ),
    cls(
        "WorkTimeSchedule",
        compound("scheduleInterval", "DateTimeInterval"),
        enum("kind", "WorkTimeScheduleKind"),
    ),
)

WORK_REQUESTS = Profile(
    name="WorkRequests",
    version="1.0",
    namespace=NAMESPACE,
    root_element="WorkRequests",
    root_class="Work",
    root=root(
        "WorkRequests",
        nested("Organisation", "Organisation"),
        nested("ELWork", "ELWork"),
    ),
    classes={c.name: c for c in _CLASSES},
    qualified=False,
)
"""WorkRequests 1.0 in ``http://iec.ch/TC57/2011/WorkRequests`` (IEC 61968-6)."""

WORK_TIME_SCHEDULE_KINDS_2011 = ("estimate", "request", "actual", "earliest", "latest")
"""The WorkTimeScheduleKind literals the 2011 XSD knows (CIM100 adds ``immediate``)."""

__all__ = ["NAMESPACE", "WORK_REQUESTS", "WORK_TIME_SCHEDULE_KINDS_2011", "required"]
