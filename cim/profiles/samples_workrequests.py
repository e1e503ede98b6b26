"""The WorkRequests sample: the OMS asks for the failed pole-top transformer on pole P-4711 to be
replaced (the first of the work nouns' story, continued in ``samples_work``)."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable

from cim import model as m
from cim.profiles.model import Node, Payload
from cim.profiles.samples import START
from cim.profiles.samples_work import FAILED_TRANSFORMER, WORK_MRID
from cim.profiles.workrequests import WORK_REQUESTS

EXTENSIONS = (
    ("changedBy", "oms-dispatch-2"),
    ("failureKind", "winding failure"),
    ("glAccount", "6310-OH-REPAIR"),
    ("problemKind", "no supply"),
)
"""The ELWork's four 2011 extensions (no CIM100 field), in profile order."""

_HOUR = _dt.timedelta(hours=1)


def _named(cls: Callable[..., object], mrid: str, name: str, **fields: object) -> Node:
    return Node(cls(mRID=mrid, name=name, **fields))


def work_request(*, start: _dt.datetime = START) -> Payload:
    """The OMS asks for the failed pole-top transformer on pole P-4711 to be replaced."""
    pole = m.Location(mRID="5d6e7f80-91a2-4b3c-8d4e-5f60718293a4", name="P-4711", type="pole")
    task = Node(
        m.WorkTask(
            instruction="Open fuse F-12 and earth the LV side before touching the transformer",
            taskKind=m.WorkTaskKind.exchange,
        ),
        (
            (
                "Assets",
                (
                    Node(
                        m.Asset(mRID=FAILED_TRANSFORMER, name="T-4711", type="pole-top 100 kVA"),
                        (("Location", (Node(pole),)),),
                    ),
                ),
            ),
        ),
    )
    schedule = m.WorkTimeSchedule(
        kind=m.WorkTimeScheduleKind.latest,
        scheduleInterval=m.DateTimeInterval(start=start, end=start + 8 * _HOUR),
    )
    work = Node(
        m.Work(
            authorName="OMS",
            createdDateTime=start,
            subject="14 customers off supply since the transformer failed",
            title="Replace failed pole-top transformer T-4711",
            type="corrective",
            mRID=WORK_MRID,
            name="WR-2026-0142",
            kind=m.ServiceRequestKind.replace,
            requestDateTime=start,
            status=m.Status(dateTime=start, value="open", remark="fuse F-12 blown"),
        ),
        (
            (
                "WorkLocation",
                (
                    _named(
                        m.WorkLocation,
                        "6e7f8091-a2b3-4c4d-9e5f-60718293a4b5",
                        "P-4711",
                        type="pole",
                    ),
                ),
            ),
            ("TimeSchedules", (Node(schedule),)),
            ("siteId", (_named(m.Location, "SITE-0815", "Chemin des Vignes", type="site"),)),
            ("WorkTask", (task,)),
            (
                "Appointment",
                (
                    Node(
                        m.Appointment(
                            meetingInterval=m.DateTimeInterval(
                                start=start + 2 * _HOUR, end=start + 3 * _HOUR
                            )
                        )
                    ),
                ),
            ),
        ),
        EXTENSIONS,
    )
    contractor = Node(
        m.Organisation(
            mRID="0e1f2a3b-4c5d-4e6f-8071-8293a4b5c6d7",
            name="Lakeshore Line Services AG",
            phone1=m.TelephoneNumber(countryCode="41", areaCode="22", localNumber="555 02 40"),
            postalAddress=m.StreetAddress(
                postalCode="1217", townDetail=m.TownDetail(name="Meyrin", country="CH")
            ),
        )
    )
    return Payload.of(WORK_REQUESTS, Organisation=[contractor], ELWork=[work])


__all__ = ["EXTENSIONS", "work_request"]
