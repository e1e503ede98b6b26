"""Example MeterConfig payload: a residential smart meter as an AMI head-end registers it."""

from __future__ import annotations

import datetime as _dt
import decimal

from cim import model as m
from cim.profiles.meterconfig import METER_CONFIG
from cim.profiles.model import Node, Payload
from cim.profiles.samples import READING_TYPE_MRID, START

BULK_READING_TYPE_MRID = "0.0.0.1.1.1.12.0.0.0.0.0.0.0.0.3.72.0"
"""A forward active energy (kWh) register reading, bulk quantity, as IEC 61968-9 codes it."""

METER_MRID = "a5e2c4b8-3f1d-4c9e-9d2b-0c6f1e7a2b01"
"""The sample meter (the one the MeterReadings and EndDeviceEvents samples name)."""

_COM, _SWITCH, _METROLOGY = (
    "8b9c0d1e-2f3a-4b5c-9d6e-7f8a9b0c1d2e",
    "9c0d1e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f",
    "6f7a8b9c-0d1e-4f2a-8b3c-4d5e6f7a8b9c",
)


def _names(*names: str) -> tuple[str, tuple[Node, ...]]:
    return ("Names", tuple(Node(m.Name(name=n)) for n in names))


def _reading_type(mrid: str, name: str, accumulation: m.AccumulationKind) -> Node:
    period = (
        m.MeasuringPeriodKind.fifteenMinute
        if accumulation is m.AccumulationKind.deltaData
        else m.MeasuringPeriodKind.none
    )
    return Node(
        m.ReadingType(
            mRID=mrid,
            accumulation=accumulation,
            commodity=m.CommodityKind.electricitySecondaryMetered,
            flowDirection=m.FlowDirectionKind.forward,
            measurementKind=m.MeasurementKind.energy,
            measuringPeriod=period,
            multiplier=m.UnitMultiplier.k,
            unit=m.UnitSymbol.Wh,
        ),
        (_names(name),),
    )


def _meter(start: _dt.datetime) -> Node:
    manufacturer = Node(
        m.Manufacturer(mRID="3d4e5f60-7182-4394-a5b6-c7d8e9f0a1b2"), (_names("Landis+Gyr"),)
    )
    info = Node(
        m.EndDeviceInfo(
            isSolidState=True,
            phaseCount=1,
            ratedCurrent=m.CurrentFlow(value=80.0),
            ratedVoltage=m.Voltage(value=230.0),
            capability=m.EndDeviceCapability(
                communication=True, connectDisconnect=True, electricMetering=True
            ),
        ),
        (
            (
                "AssetModel",
                (
                    Node(
                        m.ProductAssetModel(
                            corporateStandardKind=m.CorporateStandardKind.standard,
                            modelNumber="E450",
                            modelVersion="3.2",
                            usageKind=m.AssetModelUsageKind.distributionUnderground,
                        ),
                        (("Manufacturer", (manufacturer,)),),
                    ),
                ),
            ),
        ),
    )
    multiplier = Node(
        m.MeterMultiplier(kind=m.MeterMultiplierKind.kE, value=1.0), (_names("kE 1"),)
    )
    seals = tuple(
        Node(
            m.Seal(
                appliedDateTime=start,
                condition=m.SealConditionKind.locked,
                kind=kind,
                sealNumber=number,
            )
        )
        for kind, number in ((m.SealKind.lead, "PB-20931"), (m.SealKind.steel, "ST-55102"))
    )
    return Node(
        m.Meter(
            mRID=METER_MRID,
            amrSystem="AMI head-end",
            formNumber="2S",
            isVirtual=False,
            purchasePrice=m.Money(value=decimal.Decimal("84.50")),
            serialNumber="71234567",
            timeZoneOffset=m.Minutes(value=60.0),
            type="residential",
            electronicAddress=m.ElectronicAddress(mac="00:1a:2b:3c:4d:5e"),
            EndDeviceFunctions=(
                m.Ref("ComFunction", _COM),
                m.Ref("SimpleEndDeviceFunction", _METROLOGY),
                m.Ref("ConnectDisconnectFunction", _SWITCH),
            ),
            lifecycleDate=m.LifecycleDate(
                installationDate=start.date(), manufacturedDate=_dt.date(2025, 11, 3)
            ),
            status=m.Status(dateTime=start, value="installed"),
        ),
        (
            (
                "ConfigurationEvents",
                (Node(m.ConfigurationEvent(createdDateTime=start, effectiveDateTime=start)),),
            ),
            ("EndDeviceInfo", (info,)),
            ("MeterMultipliers", (multiplier,)),
            _names("M-000123"),
            ("Seals", seals),
        ),
    )


def _metrology() -> Node:
    channels = (
        Node(
            m.Channel(isVirtual=False, ReadingType=m.Ref("ReadingType", BULK_READING_TYPE_MRID)),
            (_names("register read"),),
        ),
        Node(
            m.Channel(isVirtual=False, ReadingType=m.Ref("ReadingType", READING_TYPE_MRID)),
            (_names("15-min profile"),),
        ),
    )
    register = Node(
        m.Register(
            isVirtual=False,
            leftDigitCount=6,
            rightDigitCount=1,
            touTierName="total",
            touTier=m.TimeInterval(start=_dt.time(0, 0), end=_dt.time(23, 59, 59)),
        ),
        (("Channels", channels), _names("1.8.0")),
    )
    return Node(
        m.SimpleEndDeviceFunction(
            mRID=_METROLOGY,
            enabled=True,
            firmwareID="4.1.7",
            kind=m.EndDeviceFunctionKind.electricMetering,
        ),
        (_names("metrology"), ("Registers", (register,))),
    )


def meter_config(*, start: _dt.datetime = START) -> Payload:
    """A single-phase meter: model and maker, lifecycle dates, seals, a multiplier, references to
    its RF-mesh module, connect/disconnect switch and metrology function, and one all-day
    register with a bulk and a 15-minute channel."""
    com = Node(
        m.ComFunction(
            mRID=_COM,
            amrAddress="00:1a:2b:3c:4d:5e",
            direction=m.ComDirectionKind.biDirectional,
            enabled=True,
            technology=m.ComTechnologyKind.rfMesh,
        ),
        (_names("RF module"),),
    )
    switch = Node(
        m.ConnectDisconnectFunction(
            mRID=_SWITCH,
            enabled=True,
            isConnected=True,
            isRemoteAutoReconOp=False,
            rcdInfo=m.RemoteConnectDisconnectInfo(
                armedTimeout=m.Seconds(value=300.0),
                isArmConnect=True,
                powerLimit=m.ActivePower(value=13800.0),
            ),
        ),
        (_names("breaker"),),
    )
    return Payload.of(
        METER_CONFIG,
        ComFunction=[com],
        ConnectDisconnectFunction=[switch],
        Meter=[_meter(start)],
        ReadingType=[
            _reading_type(BULK_READING_TYPE_MRID, "forward kWh", m.AccumulationKind.bulkQuantity),
            _reading_type(READING_TYPE_MRID, "15-min forward kWh", m.AccumulationKind.deltaData),
        ],
        SimpleEndDeviceFunction=[_metrology()],
    )


__all__ = ["BULK_READING_TYPE_MRID", "METER_MRID", "meter_config"]
