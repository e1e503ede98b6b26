"""Example MeterReadings payloads for tests, documentation and ``cimbus bench payload``."""

from __future__ import annotations

import datetime as _dt

from cim import model as m
from cim.profiles.meterreadings import METER_READINGS
from cim.profiles.model import Node, Payload

READING_TYPE_MRID = "0.0.2.4.1.1.12.0.0.0.0.0.0.0.0.3.72.0"
"""A 15-minute forward active energy (kWh) reading type, as IEC 61968-9 codes it."""

START = _dt.datetime(2026, 1, 1, tzinfo=_dt.UTC)


def interval_readings(count: int, *, start: _dt.datetime = START) -> Payload:
    """One meter's MeterReading with ``count`` 15-minute interval readings and its ReadingType."""
    step = _dt.timedelta(minutes=15)
    readings = tuple(
        Node(m.IntervalReading(timeStamp=start + step * (i + 1), value=f"{0.25 + i % 7 * 0.125}"))
        for i in range(count)
    )
    block = Node(
        m.IntervalBlock(ReadingType=m.Ref("ReadingType", READING_TYPE_MRID)),
        (("IntervalReadings", readings),),
    )
    meter = Node(
        m.Meter(mRID="a5e2c4b8-3f1d-4c9e-9d2b-0c6f1e7a2b01"),
        (("Names", (Node(m.Name(name="M-000123")),)),),
    )
    reading = Node(
        m.MeterReading(valuesInterval=m.DateTimeInterval(start=start, end=start + step * count)),
        (("IntervalBlocks", (block,)), ("Meter", (meter,))),
    )
    reading_type = Node(
        m.ReadingType(
            mRID=READING_TYPE_MRID,
            accumulation=m.AccumulationKind.deltaData,
            commodity=m.CommodityKind.electricitySecondaryMetered,
            flowDirection=m.FlowDirectionKind.forward,
            measurementKind=m.MeasurementKind.energy,
            multiplier=m.UnitMultiplier.k,
            unit=m.UnitSymbol.Wh,
        ),
        (("Names", (Node(m.Name(name="15-min forward kWh")),)),),
    )
    return Payload.of(METER_READINGS, MeterReading=[reading], ReadingType=[reading_type])


__all__ = ["READING_TYPE_MRID", "START", "interval_readings"]
