"""The baseline of ``cimbus bench mapping``: the bench mappings written out by hand in Python.

Each function builds, from one parsed native record, the very payload the compiled mapping in
``benchdata/`` builds — the same ``cim.model`` objects in the same :class:`Node` tree, the same
crosswalk calls (one ``NativeKey`` and one ``mrid_for`` per identity the mapping resolves) —
with plain code, as a careful integration developer would write it: lookup tables as dicts,
exact Decimal kWh -> Wh, and local wall time -> UTC through ``zoneinfo`` with a memo of the
stamps already seen (the engine memoises them too). Unlike the engine it trusts its input: no
required-value, type or daylight-saving checks, and a bad record fails with a bare KeyError
instead of a target path."""

from __future__ import annotations

import datetime as _dt
import decimal
import functools
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from adapters.crosswalk import NativeKey
from cim.model import (
    AccumulationKind,
    AreaKind,
    CommodityKind,
    CrewStatusKind,
    DateTimeInterval,
    FlowDirectionKind,
    Incident,
    IntervalBlock,
    IntervalReading,
    MeasurementKind,
    Meter,
    MeterReading,
    Name,
    OutageArea,
    OutageCauseKind,
    OutageStatusKind,
    ReadingType,
    Ref,
    ServicePointOutageSummary,
    Status,
    UnitSymbol,
    UnplannedOutage,
)
from cim.profiles import Node, Payload

Translator = Callable[[Any], Payload]
"""One record's translation: a parsed native document in, a CIM payload out."""

_OSLO = ZoneInfo("Europe/Oslo")
_MINUTES, _SECONDS = "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"
_READING_TYPES = {
    "A+": "0.0.2.4.1.1.12.0.0.0.0.0.0.0.0.3.72.0",
    "A-": "0.0.2.4.19.1.12.0.0.0.0.0.0.0.0.3.72.0",
}
_FLOW = {"A+": FlowDirectionKind.forward, "A-": FlowDirectionKind.reverse}
_OUTAGE_KIND = {
    "PRED": OutageStatusKind.predicted,
    "CONF": OutageStatusKind.confirmed,
    "PART": OutageStatusKind.partiallyRestored,
    "REST": OutageStatusKind.restored,
    "CLSD": OutageStatusKind.closed,
}
_CAUSE_KIND = {
    "ANML": OutageCauseKind.animal,
    "LGHT": OutageCauseKind.lightingStrike,
    "LINE": OutageCauseKind.lineDown,
    "POLE": OutageCauseKind.poleDown,
    "TREE": OutageCauseKind.treeDown,
}
_CREW = {
    "WAIT": CrewStatusKind.awaitingCrewAssignment,
    "ASGN": CrewStatusKind.assigned,
    "ENRT": CrewStatusKind.enroute,
    "ONST": CrewStatusKind.arrived,
    "DONE": CrewStatusKind.fieldComplete,
}
_INCIDENT_STATUS = {
    "PRED": "outage predicted from calls",
    "CONF": "outage confirmed",
    "PART": "partly restored",
    "REST": "power restored",
    "CLSD": "incident closed",
}
_RESTORING = frozenset({"PART", "REST", "CLSD"})
_UNKNOWN_CAUSE = "under investigation"


@functools.lru_cache(maxsize=16384)
def _utc(text: str, fmt: str) -> _dt.datetime:
    return _dt.datetime.strptime(text, fmt).replace(tzinfo=_OSLO).astimezone(_dt.UTC)


def _wh(kwh: Any) -> str:
    """kWh (float, int or numeric text) -> Wh as plain minimal decimal text."""
    text = format(decimal.Decimal(repr(kwh) if type(kwh) is float else kwh).scaleb(3), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def meter_read(doc: Any, crosswalk: Any) -> Payload:
    """An MDM day of interval reads -> MeterReadings (as ``benchdata/meter_read.yaml``)."""
    meter, register = doc["meter"], doc["register"]
    rt_mrid = _READING_TYPES[register]
    readings = tuple(
        Node(IntervalReading(timeStamp=_utc(i["t"], _MINUTES), value=_wh(i["kwh"])))
        for i in doc["intervals"]
    )
    block = Node(
        IntervalBlock(ReadingType=Ref("ReadingType", rt_mrid)),
        (("IntervalReadings", readings),) if readings else (),
    )
    mrid = crosswalk.mrid_for(NativeKey("MDM", "meter", meter), on_miss="create")
    period = doc["period"]
    reading = Node(
        MeterReading(
            valuesInterval=DateTimeInterval(
                start=_utc(period["start"], _MINUTES), end=_utc(period["end"], _MINUTES)
            )
        ),
        (
            ("IntervalBlocks", (block,)),
            ("Meter", (Node(Meter(mRID=mrid), (("Names", (Node(Name(name=meter)),)),)),)),
        ),
    )
    reading_type = Node(
        ReadingType(
            mRID=rt_mrid,
            accumulation=AccumulationKind.deltaData,
            commodity=CommodityKind.electricitySecondaryMetered,
            flowDirection=_FLOW[register],
            measurementKind=MeasurementKind.energy,
            unit=UnitSymbol.Wh,
        ),
        (("Names", (Node(Name(name=f"{register} 15-min Wh")),)),),
    )
    return Payload((("MeterReading", (reading,)), ("ReadingType", (reading_type,))))


def outage(doc: Any, crosswalk: Any) -> Payload:
    """An OMS outage record -> IncidentInformation (as ``benchdata/outage.yaml``)."""
    mrid_for = crosswalk.mrid_for
    status, outage_id = doc["status"], doc["outage"]
    # the mapping looks the outage up twice (the incident's reference, the outage's mRID): so here
    outage_ref = mrid_for(NativeKey("OMS", "outage", outage_id), on_miss="create")
    cause = doc.get("cause_text") or _UNKNOWN_CAUSE
    reported = _utc(doc["reported"], _SECONDS)
    updated = _utc(doc["updated"], _SECONDS) if doc.get("updated") else None
    tickets = tuple(
        Ref("TroubleTicket", mrid_for(NativeKey("OMS", "trouble_ticket", t), on_miss="create"))
        for t in doc.get("tickets") or ()
    )
    incident = Incident(
        mRID=mrid_for(NativeKey("OMS", "incident", doc["incident"]), on_miss="create"),
        cause=cause,
        createdDateTime=reported,
        lastModifiedDateTime=updated,
        status=Status(dateTime=updated, value=_INCIDENT_STATUS[status]),
        TroubleTickets=tickets,
        UnplannedOutage=Ref("UnplannedOutage", outage_ref),
    )
    restored, etr, critical = doc.get("restored"), doc.get("etr"), doc.get("critical")
    points = tuple(
        Ref("UsagePoint", mrid_for(NativeKey("OMS", "usage_point", p), on_miss="create"))
        for p in doc.get("usage_points") or ()
    )
    unplanned = UnplannedOutage(
        mRID=mrid_for(NativeKey("OMS", "outage", outage_id), on_miss="create"),
        cause=cause,
        causeKind=_CAUSE_KIND.get(doc.get("cause")),
        communityDescriptor=doc.get("community"),
        customersRestored=doc.get("restored_customers") if status in _RESTORING else None,
        metersAffected=doc.get("meters"),
        originalCustomersServed=doc.get("served"),
        outageKind=_OUTAGE_KIND[status],
        reportedStartTime=reported,
        statusKind=_CREW.get(doc.get("crew")),
        actualPeriod=None
        if status == "PRED"
        else DateTimeInterval(start=reported, end=_utc(restored, _SECONDS) if restored else None),
        DeEnergizedUsagePoint=points,
        estimatedPeriod=DateTimeInterval(start=reported, end=_utc(etr, _SECONDS)) if etr else None,
        summary=ServicePointOutageSummary(
            criticalCount=0 if critical is None else critical, totalCount=doc["customers"]
        ),
    )
    areas = tuple(
        Node(
            OutageArea(
                earliestReportedTime=_utc(a["first_call"], _SECONDS),
                metersServed=a["meters"],
                outageAreaKind=AreaKind.zipcode,
            )
        )
        for a in doc.get("areas") or ()
    )
    children: tuple[tuple[str, tuple[Node, ...]], ...] = (("Names", (Node(Name(name=outage_id)),)),)
    if areas:
        children += (("OutageArea", areas),)
    return Payload(
        (
            (
                "Incident",
                (
                    Node(
                        incident,
                        (("Names", (Node(Name(name=f"{doc['region']}-{doc['incident']}")),)),),
                    ),
                ),
            ),
            ("UnplannedOutage", (Node(unplanned, children),)),
        )
    )


def handwritten_translators(crosswalk: Any) -> dict[str, Translator]:
    """The hand-written translation of each record kind, bound to ``crosswalk``."""
    return {
        "meter_read": functools.partial(meter_read, crosswalk=crosswalk),
        "outage": functools.partial(outage, crosswalk=crosswalk),
    }


__all__ = ["Translator", "handwritten_translators", "meter_read", "outage"]
