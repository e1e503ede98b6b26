"""Example payloads of the work nouns: one failed pole-top transformer, from the ERP's work order
to the line crew that replaces it (the OMS's work request is in ``samples_workrequests``)."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from decimal import Decimal

from cim import model as m
from cim.profiles.crews import CREWS
from cim.profiles.model import Node, Payload
from cim.profiles.samples import START
from cim.profiles.workorders import WORK_ORDERS

WORK_MRID = "9b0c1d2e-3f40-4a51-8b62-7c83d94ea5f6"
"""The Work requested by the OMS and ordered by the ERP: one mRID in both messages."""

CREW_MRID = "c7e1a2b3-4d5e-4f60-8a71-92b3c4d5e6f7"
"""Line crew 7, named by the work order's tasks and described by the Crews message."""

FAILED_TRANSFORMER = "3f2e1d0c-b9a8-4776-8655-4433221100ff"
"""The failed 100 kVA pole-top transformer on pole P-4711."""

NEW_TRANSFORMER = "4a5b6c7d-8e9f-4a0b-9c1d-2e3f4a5b6c7d"
"""The replacement transformer from stores."""

_HOUR = _dt.timedelta(hours=1)


def _named(cls: Callable[..., object], mrid: str, name: str, **fields: object) -> Node:
    return Node(cls(mRID=mrid, name=name, **fields))


def _chf(amount: str) -> m.Money:
    return m.Money(value=Decimal(amount), unit=m.Currency.CHF)


def work_order(*, start: _dt.datetime = START) -> Payload:
    """The ERP's order for that work: remove the failed transformer, then install a new one."""
    crew = (("Crews", (_named(m.Crew, CREW_MRID, "Line crew 7"),)),)
    removal = Node(
        m.WorkTask(
            mRID="wt-4500012345-0010",
            name="0010 Remove failed transformer",
            crewETA=start + _HOUR,
            instruction="Open fuse F-12 and earth the LV side before removal",
            statusKind=m.WorkStatusKind.dispatched,
            taskKind=m.WorkTaskKind.remove,
            laborHours=m.Hours(value=2.5),
            laborCost=_chf("412.50"),
        ),
        (*crew, ("OldAsset", (_named(m.Asset, FAILED_TRANSFORMER, "T-4711"),))),
    )
    fuses = m.MaterialItem(
        name="MAT-100233", description="HV fuse link 25 A", quantity=m.IntegerQuantity(value=3)
    )
    install = Node(
        m.WorkTask(
            mRID="wt-4500012345-0020",
            name="0020 Install replacement transformer",
            statusKind=m.WorkStatusKind.scheduled,
            taskKind=m.WorkTaskKind.install,
            laborHours=m.Hours(value=3.0),
            materiallCost=_chf("3890.00"),
        ),
        (
            (
                "Assets",
                (_named(m.Asset, NEW_TRANSFORMER, "T-4711", serialNumber="TRF-22-08841"),),
            ),
            *crew,
            ("MaterialItems", (Node(fuses),)),
        ),
    )
    location = m.WorkLocation(
        name="P-4711",
        direction="field track behind the farm, gate code 4711",
        mainAddress=m.StreetAddress(
            postalCode="1217",
            streetDetail=m.StreetDetail(name="Chemin des Vignes", number="14"),
            townDetail=m.TownDetail(name="Meyrin", country="CH"),
        ),
    )
    point = m.PositionPoint(sequenceNumber=1, xPosition="6.0652", yPosition="46.2341")
    planned = m.WorkCostDetail(type="planned", isDebit=True, amount=_chf("4850.00"))
    work = Node(
        m.Work(
            mRID=WORK_MRID,
            kind=m.ServiceRequestKind.replace,
            requestDateTime=start,
            statusKind=m.WorkStatusKind.scheduled,
            workOrderNumber="4500012345",
            priority=m.Priority(rank=1, type="emergency"),
        ),
        (
            (
                "TimeSchedules",
                (
                    Node(
                        m.WorkTimeSchedule(
                            kind=m.WorkTimeScheduleKind.estimate,
                            scheduleInterval=m.DateTimeInterval(
                                start=start + _HOUR, end=start + 6 * _HOUR
                            ),
                        )
                    ),
                ),
            ),
            ("WorkCostDetails", (Node(planned),)),
            ("WorkLocation", (Node(location, (("PositionPoints", (Node(point),)),)),)),
            ("WorkTasks", (removal, install)),
        ),
    )
    order = Node(
        m.WorkOrder(
            mRID="a1b2c3d4-e5f6-4789-8abc-def012345678",
            authorName="ERP PM",
            createdDateTime=start + _dt.timedelta(minutes=20),
            name="WO 4500012345",
            revisionNumber="1",
            status=m.Status(dateTime=start + _dt.timedelta(minutes=20), value="released"),
        ),
        (("Work", (work,)),),
    )
    return Payload.of(WORK_ORDERS, WorkOrder=[order])


def _member(role: str, first: str, last: str, mobile: str) -> Node:
    person = m.Person(
        firstName=first,
        lastName=last,
        mobilePhone=m.TelephoneNumber(countryCode="41", areaCode="79", localNumber=mobile),
    )
    return Node(m.CrewMember(description=role), (("Person", (Node(person),)),))


def line_crew(*, start: _dt.datetime = START) -> Payload:
    """Line crew 7: foreman, lineworker, bucket truck and a calibrated hot stick, near P-4711."""
    plate = Node(
        m.Name(name="GE 471 100"), (("NameType", (Node(m.NameType(name="licence plate")),)),)
    )
    truck = Node(
        m.Vehicle(
            mRID="7b8c9d0e-1f2a-4b3c-9d4e-5f6a7b8c9d0e",
            name="Bucket truck 12",
            odometerReadDateTime=start,
            type="insulated aerial device 14 m",
            usageKind=m.VehicleUsageKind.crew,
            odometerReading=m.Length(value=48210.0),
        ),
        (("Names", (plate,)),),
    )
    stick = Node(
        m.Tool(
            mRID="8c9d0e1f-2a3b-4c4d-8e5f-6a7b8c9d0e1f",
            lastCalibrationDate=start.date() - _dt.timedelta(days=40),
            name="Hot stick 3",
        )
    )
    here = Node(
        m.Location(type="gps"),
        (("PositionPoints", (Node(m.PositionPoint(xPosition="6.0690", yPosition="46.2302")),)),),
    )
    crew = Node(
        m.Crew(
            mRID=CREW_MRID,
            name="Line crew 7",
            status=m.Status(dateTime=start + _HOUR, value="assigned", remark="WO 4500012345"),
        ),
        (
            (
                "CrewMembers",
                (
                    _member("foreman", "Anna", "Keller", "555 10 71"),
                    _member("lineworker", "Luca", "Rossi", "555 10 72"),
                ),
            ),
            ("CrewType", (Node(m.CrewType(name="overhead line")),)),
            ("Location", (here,)),
            ("Tools", (stick,)),
            ("Vehicles", (truck,)),
        ),
    )
    return Payload.of(CREWS, Crew=[crew])


__all__ = [
    "CREW_MRID",
    "FAILED_TRANSFORMER",
    "NEW_TRANSFORMER",
    "WORK_MRID",
    "line_crew",
    "work_order",
]
