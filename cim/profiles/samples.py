"""Example payloads (MeterReadings, EndDeviceEvents, EndDeviceControls, UsagePointConfig,
ServiceLocationConfig, MeasurementValues)."""

from __future__ import annotations

import datetime as _dt

from cim import model as m
from cim.profiles.enddevicecontrols import END_DEVICE_CONTROLS
from cim.profiles.enddeviceevents import END_DEVICE_EVENTS
from cim.profiles.measurementvalues import MEASUREMENT_VALUES
from cim.profiles.meterreadings import METER_READINGS
from cim.profiles.model import Node, Payload
from cim.profiles.servicelocationconfig import SERVICE_LOCATION_CONFIG
from cim.profiles.usagepointconfig import USAGE_POINT_CONFIG

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


POWER_OFF = "3.26.0.85"
"""EndDeviceEventType of a power outage (IEC 61968-9 domain 26 power, event 85 off)."""

LOAD_CONTROL = "3.8.0.54"
"""EndDeviceControlType of a load-control start (IEC 61968-9 domain 8 load control)."""


def outage_events(count: int, *, start: _dt.datetime = START) -> Payload:
    """``count`` power-off events of one meter, a minute apart, with their EndDeviceEventType."""
    events = tuple(
        Node(
            m.EndDeviceEvent(
                mRID=f"evt-{i + 1}",
                createdDateTime=start + _dt.timedelta(minutes=i),
                EndDeviceEventType=m.Ref("EndDeviceEventType", POWER_OFF),
                severity="major",
            ),
            (
                ("Assets", (Node(m.Asset(mRID="a5e2c4b8-3f1d-4c9e-9d2b-0c6f1e7a2b01")),)),
                (
                    "EndDeviceEventDetails",
                    (
                        Node(
                            m.EndDeviceEventDetail(name="phase", value=m.StringQuantity(value="A"))
                        ),
                    ),
                ),
            ),
        )
        for i in range(count)
    )
    kind = Node(
        m.EndDeviceEventType(mRID=POWER_OFF, domain="26", eventOrAction="85", type="3"),
        (("Names", (Node(m.Name(name="power off")),)),),
    )
    return Payload.of(END_DEVICE_EVENTS, EndDeviceEvent=events, EndDeviceEventType=[kind])


def demand_response(*, start: _dt.datetime = START) -> Payload:
    """A one-hour PAN demand-response control (50 % duty cycle) for one meter and its type."""
    action = Node(
        m.PanDemandResponse(
            startDateTime=start,
            duration=m.Minutes(value=60.0),
            dutyCycle=m.PerCent(value=50.0),
            appliance=m.ControlledAppliance(isWaterHeater=True),
        )
    )
    meter = Node(m.EndDevice(mRID="a5e2c4b8-3f1d-4c9e-9d2b-0c6f1e7a2b01", isPan=False))
    control = Node(
        m.EndDeviceControl(
            mRID="edc-1",
            drProgramLevel=2,
            EndDeviceControlType=m.Ref("EndDeviceControlType", LOAD_CONTROL),
            primaryDeviceTiming=m.EndDeviceTiming(
                randomisation=m.RandomisationKind.start,
                interval=m.DateTimeInterval(start=start, end=start + _dt.timedelta(hours=1)),
            ),
        ),
        (("PanDemandResponse", (action,)), ("EndDevices", (meter,))),
    )
    kind = Node(
        m.EndDeviceControlType(mRID=LOAD_CONTROL, domain="8", eventOrAction="54", type="3"),
        (("Names", (Node(m.Name(name="load control start")),)),),
    )
    return Payload.of(END_DEVICE_CONTROLS, EndDeviceControl=[control], EndDeviceControlType=[kind])


def usage_point(*, start: _dt.datetime = START) -> Payload:
    """A connected single-phase residential usage point, billed on the 15-minute reading type."""
    requirement = Node(
        m.MetrologyRequirement(
            reason=m.ReadingReasonKind.billing,
            ReadingTypes=(m.Ref("ReadingType", READING_TYPE_MRID),),
        )
    )
    name_type = Node(m.NameType(name="ratio"))
    multiplier = Node(
        m.ServiceMultiplier(kind=m.ServiceMultiplierKind.ctRatio, value=1.0),
        (("Names", (Node(m.Name(name="CT 1:1"), (("NameType", (name_type,)),)),)),),
    )
    point = Node(
        m.UsagePoint(
            mRID="2a3b4c5d-6e7f-4081-9a2b-3c4d5e6f7081",
            amiBillingReady=m.AmiBillingReadyKind.enabled,
            connectionState=m.UsagePointConnectedKind.connected,
            isSdp=True,
            nominalServiceVoltage=m.Voltage(value=230.0),
            phaseCode=m.PhaseCode.s1N,
            ratedCurrent=m.CurrentFlow(value=63.0),
            readCycle="monthly",
        ),
        (
            (
                "ConfigurationEvents",
                (Node(m.ConfigurationEvent(createdDateTime=start, effectiveDateTime=start)),),
            ),
            ("MetrologyRequirements", (requirement,)),
            ("Names", (Node(m.Name(name="UP-000123")),)),
            ("ServiceCategory", (Node(m.ServiceCategory(kind=m.ServiceKind.electricity)),)),
            ("ServiceMultipliers", (multiplier,)),
        ),
    )
    reading_type = Node(
        m.ReadingType(mRID=READING_TYPE_MRID, unit=m.UnitSymbol.Wh),
        (("Names", (Node(m.Name(name="15-min forward kWh")),)),),
    )
    return Payload.of(USAGE_POINT_CONFIG, ReadingType=[reading_type], UsagePoint=[point])


def service_location(*, start: _dt.datetime = START) -> Payload:
    """A residential premises with its street address, phone, GPS position and access notes."""
    address = m.StreetAddress(
        streetDetail=m.StreetDetail(name="Rue du Marché", number="12", type="street"),
        townDetail=m.TownDetail(code="1204", country="CH", name="Genève"),
    )
    coordinates = Node(
        m.CoordinateSystem(
            mRID="7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f", crsUrn="urn:ogc:def:crs:EPSG::4326"
        ),
        (("Names", (Node(m.Name(name="WGS 84")),)),),
    )
    location = Node(
        m.ServiceLocation(
            mRID="5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b",
            accessMethod="key at the caretaker",
            needsInspection=False,
            type="residential",
            mainAddress=address,
            phone1=m.TelephoneNumber(countryCode="41", areaCode="22", localNumber="555 01 23"),
            status=m.Status(dateTime=start, value="active"),
        ),
        (
            (
                "ConfigurationEvents",
                (Node(m.ConfigurationEvent(createdDateTime=start, effectiveDateTime=start)),),
            ),
            ("CoordinateSystem", (coordinates,)),
            ("Names", (Node(m.Name(name="SL-000123")),)),
            (
                "PositionPoints",
                (Node(m.PositionPoint(sequenceNumber=1, xPosition="6.1432", yPosition="46.2044")),),
            ),
        ),
    )
    return Payload.of(SERVICE_LOCATION_CONFIG, ServiceLocation=[location])


def scada_values(*, start: _dt.datetime = START) -> Payload:
    """A feeder-head current (good, from the process) and a breaker position (questionable,
    substituted by an operator), each naming its Measurement and MeasurementValueSource by mRID."""
    current = Node(
        m.AnalogValue(
            mRID="2b3c4d5e-6f70-4812-9a3b-4c5d6e7f8091",
            sensorAccuracy=m.PerCent(value=0.5),
            timeStamp=start,
            value=412.5,
            Analog=m.Ref("Analog", "f1a2b3c4-d5e6-4f70-8192-a3b4c5d6e7f8"),
            MeasurementValueSource=m.Ref("MeasurementValueSource", "SCADA"),
        ),
        (
            (
                "MeasurementValueQuality",
                (
                    Node(
                        m.MeasurementValueQuality(source=m.Source.PROCESS, validity=m.Validity.GOOD)
                    ),
                ),
            ),
        ),
    )
    position = Node(
        m.DiscreteValue(
            timeStamp=start + _dt.timedelta(seconds=2),
            value=1,
            Discrete=m.Ref("Discrete", "0a1b2c3d-4e5f-4607-8899-aabbccddeeff"),
            MeasurementValueSource=m.Ref("MeasurementValueSource", "operator"),
        ),
        (
            (
                "MeasurementValueQuality",
                (
                    Node(
                        m.MeasurementValueQuality(
                            operatorBlocked=True,
                            source=m.Source.SUBSTITUTED,
                            validity=m.Validity.QUESTIONABLE,
                        )
                    ),
                ),
            ),
        ),
    )
    return Payload.of(MEASUREMENT_VALUES, AnalogValue=[current], DiscreteValue=[position])


__all__ = [
    "LOAD_CONTROL",
    "POWER_OFF",
    "READING_TYPE_MRID",
    "START",
    "demand_response",
    "interval_readings",
    "outage_events",
    "scada_values",
    "service_location",
    "usage_point",
]
