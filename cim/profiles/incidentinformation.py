"""The IncidentInformation message profile (cimbus design, 2011-style namespace) over CIM100.

There is no IEC reference XSD for this noun: cimbus designed it from the CIM100 Operations
package for the outage management system (OMS) to tell the customer information system (CIS)
what it knows about an incident, so that call-takers, the IVR and the web can answer customers.
Element names are the CIM100 class, attribute and role names; members follow the 2011 CIMTool
order (``mRID``, then attributes, then compounds and associations, each alphabetically).

The payload holds ``Incident`` and ``UnplannedOutage`` lists side by side, because several
incidents often end up in one outage. An incident names its outage by mRID
(``Incident.UnplannedOutage``) and that reference must resolve within the payload: the CIS gets
an incident's outage in the same message, never by a second lookup. ``Incident.TroubleTickets``
and ``UnplannedOutage.DeEnergizedUsagePoint`` are references by mRID that need not resolve: the
CIS created the tickets and owns the usage points. An outage carries its cause (``cause`` text
and ``causeKind``), whether it is predicted or confirmed (``outageKind``, required), the crew
status (``statusKind``), ``reportedStartTime``, ``actualPeriod`` (its end is the actual
restoration), ``estimatedPeriod`` (its end is the estimated restoration time, ETR; CIM100's
``EstimatedRestorationTime`` class is not selected), customer counts (``summary.totalCount`` and
``criticalCount``, ``originalCustomersServed``, ``customersRestored``), meter counts and its
``OutageArea`` list (CIM100 gives an area no name: ``communityDescriptor`` names the community).
See ``docs/cim-model.md``, "Profiles".
"""

from __future__ import annotations

from cim.profiles._dsl import (
    DATETIME_INTERVAL,
    NAMES,
    NAMING,
    STATUS,
    attr,
    cls,
    compound,
    enum,
    nested,
    ref,
    root,
)
from cim.profiles.model import Member, Profile

NAMESPACE = "http://iec.ch/TC57/2011/IncidentInformation#"

_CLASSES = (
    DATETIME_INTERVAL,
    cls(
        "Incident",
        attr("mRID", min=1),
        attr("cause"),
        attr("comment"),
        attr("createdDateTime", "dateTime"),
        attr("lastModifiedDateTime", "dateTime"),
        NAMES,
        compound("status", "Status"),
        ref("TroubleTickets", "TroubleTicket", min=0, max=None, resolve=False),
        ref("UnplannedOutage", "UnplannedOutage", min=0),
    ),
    *NAMING,
    cls(
        "OutageArea",
        attr("earliestReportedTime", "dateTime"),
        attr("metersServed", "integer"),
        enum("outageAreaKind", "AreaKind"),
    ),
    cls(
        "ServicePointOutageSummary",
        attr("criticalCount", "integer"),
        attr("totalCount", "integer"),
    ),
    STATUS,
    cls(
        "UnplannedOutage",
        attr("mRID", min=1),
        attr("cause"),
        enum("causeKind", "OutageCauseKind"),
        attr("communityDescriptor"),
        attr("customersRestored", "integer"),
        attr("metersAffected", "integer"),
        attr("originalCustomersServed", "integer"),
        attr("originalMetersAffected", "integer"),
        Member(
            element="outageKind", path="outageKind", kind="enum", type="OutageStatusKind", min=1
        ),
        attr("reportedStartTime", "dateTime"),
        enum("statusKind", "CrewStatusKind"),
        attr("utilityDisclaimer"),
        compound("actualPeriod", "DateTimeInterval"),
        ref("DeEnergizedUsagePoint", "UsagePoint", min=0, max=None, resolve=False),
        compound("estimatedPeriod", "DateTimeInterval"),
        NAMES,
        nested("OutageArea", "OutageArea"),
        compound("summary", "ServicePointOutageSummary"),
    ),
)

INCIDENT_INFORMATION = Profile(
    name="IncidentInformation",
    version="1.0",
    namespace=NAMESPACE,
    root_element="IncidentInformation",
    root_class="Incident",
    root=root(
        "IncidentInformation",
        nested("Incident", "Incident"),
        nested("UnplannedOutage", "UnplannedOutage"),
    ),
    classes={c.name: c for c in _CLASSES},
)
"""IncidentInformation 1.0 in ``http://iec.ch/TC57/2011/IncidentInformation#`` (no reference
XSD)."""

__all__ = ["INCIDENT_INFORMATION", "NAMESPACE"]
