"""The TroubleTickets message profile (cimbus design, 2011-style namespace) over CIM100.

There is no IEC reference XSD for this noun: cimbus designed it from the CIM100 classes of
IEC 61968-8 for the customer information system (CIS) to report a customer's trouble call to the
outage management system (OMS). Element names are the CIM100 class, attribute and role names;
members follow the 2011 CIMTool order (``mRID``, then attributes, then compounds and
associations, each alphabetically).

A ``TroubleTicket`` has an ``mRID`` and a ``dateTimeOfReport``; ``reportingKind`` says how the
customer reported (call, IVR, web…), ``troubleCode`` what (``"no power"``), ``multiplePremises``
whether the neighbours are out too. The ``ServiceLocation`` it concerns is required (CIM100
multiplicity ``[1]``) and embedded: its ``mRID``, the access notes a crew needs, and its
``UsagePoints`` by mRID, so the OMS can place the call on its network without a customer lookup.
Callback wishes are ``Notification`` (CIM100 ``CustomerNotification``, which has no mRID, so it
is embedded; its ``trigger`` is required). ``Customer``, ``UsagePoints`` and ``Incident`` are
references by mRID that need not resolve within the payload: the OMS knows customers and usage
points from the CIS master data, and incidents are its own (a ticket names one only when the
CIS already learnt it from IncidentInformation). See ``docs/cim-model.md``, "Profiles".
"""

from __future__ import annotations

from cim.profiles._dsl import NAMES, NAMING, STATUS, attr, cls, compound, enum, nested, ref, root
from cim.profiles.model import Member, Profile

NAMESPACE = "http://iec.ch/TC57/2011/TroubleTickets#"


def _required_enum(element: str, enum_name: str) -> Member:
    return Member(element=element, path=element, kind="enum", type=enum_name, min=1)


_CLASSES = (
    cls(
        "CustomerNotification",
        attr("contactType"),
        attr("contactValue"),
        attr("earliestDateTimeToCall", "dateTime"),
        attr("latestDateTimeToCall", "dateTime"),
        _required_enum("trigger", "NotificationTriggerKind"),
    ),
    *NAMING,
    cls(
        "ServiceLocation",
        attr("mRID", min=1),
        attr("accessMethod"),
        attr("siteAccessProblem"),
        ref("UsagePoints", "UsagePoint", min=0, max=None, resolve=False),
    ),
    STATUS,
    cls(
        "TroubleTicket",
        attr("mRID", min=1),
        attr("comment"),
        attr("dateTimeOfReport", "dateTime", min=1),
        attr("firstResponderStatus"),
        attr("multiplePremises", "boolean"),
        enum("reportingKind", "TroubleReportingKind"),
        attr("resolvedDateTime", "dateTime"),
        attr("troubleCode"),
        ref("Customer", "Customer", min=0, resolve=False),
        ref("Incident", "Incident", min=0, resolve=False),
        NAMES,
        nested("Notification", "CustomerNotification"),
        nested("ServiceLocation", "ServiceLocation", min=1, max=1),
        compound("status", "Status"),
    ),
)

TROUBLE_TICKETS = Profile(
    name="TroubleTickets",
    version="1.0",
    namespace=NAMESPACE,
    root_element="TroubleTickets",
    root_class="TroubleTicket",
    root=root("TroubleTickets", nested("TroubleTicket", "TroubleTicket")),
    classes={c.name: c for c in _CLASSES},
)
"""TroubleTickets 1.0 in ``http://iec.ch/TC57/2011/TroubleTickets#`` (no reference XSD)."""

__all__ = ["NAMESPACE", "TROUBLE_TICKETS"]
