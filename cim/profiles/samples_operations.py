"""Example payloads of the operations nouns (TroubleTickets, IncidentInformation, SwitchingPlans).

One story: at 18:40 UTC the feeder F12 breaker trips on a tree down on the line. At 18:42 a
customer calls in "no power" (a trouble ticket from the CIS); the OMS groups the call into its
incident, confirms the unplanned outage with 412 customers out and an estimated restoration at
21:30 (incident information to the CIS), and restores the healthy sections with a switching plan
that opens a disconnector, closes a tie switch and then makes the faulted section safe.
"""

from __future__ import annotations

import datetime as _dt

from cim import model as m
from cim.profiles.incidentinformation import INCIDENT_INFORMATION
from cim.profiles.model import Node, Payload
from cim.profiles.samples import START
from cim.profiles.switchingplans import SWITCHING_PLANS
from cim.profiles.troubletickets import TROUBLE_TICKETS

TRIP = START + _dt.timedelta(hours=18, minutes=40)
"""When the feeder breaker trips in the sample story."""

TICKET = "4f1e2d3c-5b6a-4798-8a1b-2c3d4e5f6a70"
"""mRID of the customer's trouble ticket."""
INCIDENT = "6a7b8c9d-0e1f-4a2b-9c3d-4e5f6a7b8c9d"
"""mRID of the OMS incident."""
OUTAGE = "8c9d0e1f-2a3b-4c4d-8e5f-6a7b8c9d0e1f"
"""mRID of the unplanned outage."""
USAGE_POINT = "2a3b4c5d-6e7f-4081-9a2b-3c4d5e6f7081"
"""The caller's usage point (the one of ``cim.profiles.samples.usage_point``)."""
SERVICE_LOCATION = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b"
"""The caller's premises (the one of ``cim.profiles.samples.service_location``)."""
DISCONNECTOR = "b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e"
"""mRID of disconnector DS-F12-07, upstream of the faulted section."""
TIE_SWITCH = "c2d3e4f5-a6b7-4c8d-9e0f-1a2b3c4d5e6f"
"""mRID of the normally open tie switch NO-F12-F31 to feeder F31."""


def _names(*names: str) -> tuple[tuple[str, tuple[Node, ...]], ...]:
    return (("Names", tuple(Node(m.Name(name=n)) for n in names)),)


def trouble_call(*, trip: _dt.datetime = TRIP) -> Payload:
    """A customer's phone call "no power", neighbours out too, asking for an SMS on restoration."""
    callback = Node(
        m.CustomerNotification(
            contactType="sms",
            contactValue="+41 79 555 01 23",
            trigger=m.NotificationTriggerKind.powerRestored,
        )
    )
    premises = Node(
        m.ServiceLocation(
            mRID=SERVICE_LOCATION,
            accessMethod="key at the caretaker",
            siteAccessProblem="dog in the garden",
            UsagePoints=(m.Ref("UsagePoint", USAGE_POINT),),
        )
    )
    ticket = Node(
        m.TroubleTicket(
            mRID=TICKET,
            comment="heard a loud bang from the street, then the lights went out",
            dateTimeOfReport=trip + _dt.timedelta(minutes=2),
            multiplePremises=True,
            reportingKind=m.TroubleReportingKind.call,
            troubleCode="no power",
            Customer=m.Ref("Customer", "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b"),
            status=m.Status(dateTime=trip + _dt.timedelta(minutes=2), value="open"),
        ),
        (
            *_names("TT-2026-000123"),
            ("Notification", (callback,)),
            ("ServiceLocation", (premises,)),
        ),
    )
    return Payload.of(TROUBLE_TICKETS, TroubleTicket=[ticket])


def incident_information(*, trip: _dt.datetime = TRIP) -> Payload:
    """The OMS incident with its confirmed unplanned outage: 412 customers out, ETR 21:30."""
    incident = Node(
        m.Incident(
            mRID=INCIDENT,
            cause="feeder F12 breaker trip",
            createdDateTime=trip,
            lastModifiedDateTime=trip + _dt.timedelta(minutes=25),
            status=m.Status(dateTime=trip + _dt.timedelta(minutes=25), value="dispatched"),
            TroubleTickets=(m.Ref("TroubleTicket", TICKET),),
            UnplannedOutage=m.Ref("UnplannedOutage", OUTAGE),
        ),
        _names("INC-2026-0815"),
    )
    area = Node(
        m.OutageArea(
            earliestReportedTime=trip + _dt.timedelta(minutes=2),
            metersServed=1870,
            outageAreaKind=m.AreaKind.zipcode,
        )
    )
    outage = Node(
        m.UnplannedOutage(
            mRID=OUTAGE,
            cause="tree down on the line",
            causeKind=m.OutageCauseKind.treeDown,
            communityDescriptor="Plainpalais 1205",
            metersAffected=412,
            originalCustomersServed=1870,
            originalMetersAffected=412,
            outageKind=m.OutageStatusKind.confirmed,
            reportedStartTime=trip,
            statusKind=m.CrewStatusKind.enroute,
            actualPeriod=m.DateTimeInterval(start=trip),
            DeEnergizedUsagePoint=(m.Ref("UsagePoint", USAGE_POINT),),
            estimatedPeriod=m.DateTimeInterval(start=trip, end=trip.replace(hour=21, minute=30)),
            summary=m.ServicePointOutageSummary(criticalCount=2, totalCount=412),
        ),
        (*_names("OUT-F12-2026-001"), ("OutageArea", (area,))),
    )
    return Payload.of(INCIDENT_INFORMATION, Incident=[incident], UnplannedOutage=[outage])


def _step(number: int, element: str, action: object) -> Node:
    return Node(m.SwitchingStep(sequenceNumber=number), ((element, (Node(action),)),))


def restoration_plan(*, trip: _dt.datetime = TRIP) -> Payload:
    """An approved three-group plan: isolate (open DS-F12-07), restore (close the tie to F31),
    make safe (ground the faulted section and issue the crew's clearance)."""
    at = trip + _dt.timedelta(minutes=30)
    crew = (m.Ref("Crew", "d3e4f5a6-b7c8-4d9e-8f0a-1b2c3d4e5f60"),)
    isolate = m.SwitchAction(
        mRID="e4f5a6b7-c8d9-4e0f-9a1b-2c3d4e5f6a71",
        description="open DS-F12-07",
        kind=m.SwitchActionKind.open,
        plannedDateTime=at,
        Crew=crew,
        OperatedSwitch=m.Ref("Switch", DISCONNECTOR),
    )
    tie = m.SwitchAction(
        mRID="f5a6b7c8-d9e0-4f1a-8b2c-3d4e5f6a7b82",
        description="close tie NO-F12-F31",
        kind=m.SwitchActionKind.close,
        plannedDateTime=at + _dt.timedelta(minutes=5),
        OperatedSwitch=m.Ref("Switch", TIE_SWITCH),
    )
    ground = m.GroundAction(
        mRID="a6b7c8d9-e0f1-4a2b-9c3d-4e5f6a7b8c93",
        kind=m.TempEquipActionKind.place,
        plannedDateTime=at + _dt.timedelta(minutes=20),
        Crew=crew,
        GroundedEquipment=m.Ref("ConductingEquipment", "0f1a2b3c-4d5e-4f6a-8b7c-9d0e1f2a3b4c"),
    )
    clearance = m.ClearanceAction(
        mRID="b7c8d9e0-f1a2-4b3c-8d4e-5f6a7b8c9da4",
        kind=m.ClearanceActionKind.issue,
        plannedDateTime=at + _dt.timedelta(minutes=25),
        Crew=crew,
    )
    groups = (
        (1, "isolate the faulted section", (_step(1, "SwitchAction", isolate),)),
        (2, "restore the healthy section from F31", (_step(1, "SwitchAction", tie),)),
        (
            3,
            "make the faulted section safe for repair",
            (_step(1, "GroundAction", ground), _step(2, "ClearanceAction", clearance)),
        ),
    )
    plan = Node(
        m.SwitchingPlan(
            mRID="c8d9e0f1-a2b3-4c4d-9e5f-6a7b8c9d0eb5",
            approvedDateTime=trip + _dt.timedelta(minutes=28),
            purpose="restore supply after the feeder F12 breaker trip",
            rank=1,
            docStatus=m.Status(dateTime=trip + _dt.timedelta(minutes=28), value="approved"),
            Outage=m.Ref("Outage", OUTAGE),
            plannedPeriod=m.DateTimeInterval(start=at, end=at + _dt.timedelta(hours=1)),
        ),
        (
            *_names("SP-2026-0042"),
            (
                "SwitchingStepGroups",
                tuple(
                    Node(
                        m.SwitchingStepGroup(sequenceNumber=n, purpose=purpose),
                        (("SwitchingStep", steps),),
                    )
                    for n, purpose, steps in groups
                ),
            ),
        ),
    )
    return Payload.of(SWITCHING_PLANS, SwitchingPlan=[plan])


__all__ = [
    "DISCONNECTOR",
    "INCIDENT",
    "OUTAGE",
    "SERVICE_LOCATION",
    "TICKET",
    "TIE_SWITCH",
    "TRIP",
    "USAGE_POINT",
    "incident_information",
    "restoration_plan",
    "trouble_call",
]
