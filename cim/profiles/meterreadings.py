"""The IEC 61968-9 MeterReadings message profile (2011 namespace) over the CIM100 model.

Written for cimbus from the CIM model and the structure of the IEC 61968-9 MeterReadings message;
element names and order follow the 2011 profile so that payloads validate against its XSD. Where
CIM100 differs from the CIM15-era profile, the mapping is noted next to the member.
"""

from __future__ import annotations

from cim.profiles.model import Member, Profile, ProfileClass, XsdType

NAMESPACE = "http://iec.ch/TC57/2011/MeterReadings#"


def _a(element: str, xsd: XsdType = "string", *, min: int = 0, path: str | None = None) -> Member:
    return Member(element=element, path=path or element, kind="attribute", type=xsd, min=min)


def _e(element: str, enum: str) -> Member:
    return Member(element=element, path=element, kind="enum", type=enum)


def _c(element: str, cls: str, *, text_field: str | None = None) -> Member:
    return Member(element=element, path=element, kind="compound", type=cls, text_field=text_field)


def _n(element: str, cls: str, *, min: int = 0, max: int | None = None) -> Member:
    return Member(element=element, path=element, kind="association", type=cls, min=min, max=max)


def _r(element: str, target: str) -> Member:
    # every reference in this profile names an object the payload root carries
    return Member(element=element, path=element, kind="reference", type=target, min=1, resolve=True)


def _cls(name: str, *members: Member, cim: str | None = None) -> ProfileClass:
    return ProfileClass(name=name, cim_class=cim or name, members=members)


_MRID = _a("mRID")
_NAMES = _n("Names", "Name")
_NAMES_REQUIRED = _n("Names", "Name", min=1)
_DATETIME_INTERVAL = _cls("DateTimeInterval", _a("end", "dateTime"), _a("start", "dateTime"))

_CLASSES = (
    _cls("Asset", _MRID, _NAMES),
    _DATETIME_INTERVAL,
    _cls(
        "EndDeviceEvent",
        _MRID,
        _a("createdDateTime", "dateTime", min=1),
        _a("issuerID"),
        _a("issuerTrackingID"),
        _a("reason"),
        _a("severity"),
        _a("userID"),
        _n("Assets", "Asset", max=1),
        _n("EndDeviceEventDetails", "EndDeviceEventDetail"),
        _r("EndDeviceEventType", "EndDeviceEventType"),
        _NAMES,
        _c("status", "Status"),
        _n("UsagePoint", "UsagePoint", max=1),
    ),
    # CIM100 types EndDeviceEventDetail.value as the StringQuantity compound; the 2011 profile
    # carries only its text, which fills StringQuantity.value
    _cls(
        "EndDeviceEventDetail",
        _a("name", min=1),
        _c("value", "StringQuantity", text_field="value"),
    ),
    _cls(
        "EndDeviceEventType",
        _MRID,
        _a("domain"),
        _a("eventOrAction"),
        _a("subDomain"),
        _a("type"),
        _NAMES_REQUIRED,
    ),
    _cls(
        "IntervalBlock",
        _n("IntervalReadings", "IntervalReading"),
        _n("PendingCalculation", "PendingCalculation", max=1),
        _r("ReadingType", "ReadingType"),
    ),
    _cls(
        "IntervalReading",
        _a("reportedDateTime", "dateTime"),
        _a("source"),
        _a("timeStamp", "dateTime"),
        _a("value"),
        _n("ReadingQualities", "ReadingQuality"),
        _c("timePeriod", "DateTimeInterval"),
    ),
    _cls("Meter", _MRID, _NAMES, _c("status", "Status")),
    _cls(
        "MeterReading",
        _a("isCoincidentTrigger", "boolean"),
        _n("EndDeviceEvents", "EndDeviceEvent"),
        _n("IntervalBlocks", "IntervalBlock"),
        _n("Meter", "Meter", max=1),
        _n("Readings", "Reading"),
        _n("UsagePoint", "UsagePoint", max=1),
        _c("valuesInterval", "DateTimeInterval"),
    ),
    _cls("Name", _a("name", min=1), _n("NameType", "NameType", max=1)),
    _cls(
        "NameType",
        _a("description"),
        _a("name", min=1),
        _n("NameTypeAuthority", "NameTypeAuthority", max=1),
    ),
    _cls("NameTypeAuthority", _a("description"), _a("name", min=1)),
    _cls(
        "PendingCalculation",
        _a("multiplyBeforeAdd", "boolean"),
        _a("offset", "integer"),
        _a("scalarDenominator", "integer"),
        _a("scalarFloat", "float"),
        _a("scalarNumerator", "integer"),
        _r("ReadingType", "ReadingType"),
    ),
    _cls(
        "RationalNumber",
        _a("denominator", "integer", min=1),
        _a("numerator", "integer", min=1),
    ),
    _cls(
        "Reading",
        _e("reason", "ReadingReasonKind"),
        _a("reportedDateTime", "dateTime"),
        _a("source"),
        _a("timeStamp", "dateTime"),
        _a("value"),
        _n("ReadingQualities", "ReadingQuality"),
        _r("ReadingType", "ReadingType"),
        _c("timePeriod", "DateTimeInterval"),
    ),
    _cls(
        "ReadingInterharmonic",
        _a("denominator", "integer", min=1),
        _a("numerator", "integer", min=1),
    ),
    _cls(
        "ReadingQuality",
        _a("comment"),
        _a("source"),
        _a("timeStamp", "dateTime"),
        _r("ReadingQualityType", "ReadingQualityType"),
    ),
    _cls(
        "ReadingQualityType",
        _MRID,
        _a("category"),
        _a("subCategory"),
        _a("systemId"),
        _NAMES_REQUIRED,
    ),
    # the 2011 profile types these as xs:string; CIM100 has enumerations, so the literals are
    # checked here (validation beyond the XSD)
    _cls(
        "ReadingType",
        _MRID,
        _e("accumulation", "AccumulationKind"),
        _e("aggregate", "AggregateKind"),
        _e("commodity", "CommodityKind"),
        _a("consumptionTier", "integer"),
        _a("cpp", "integer"),
        _e("currency", "Currency"),
        _e("flowDirection", "FlowDirectionKind"),
        _e("macroPeriod", "MacroPeriodKind"),
        _e("measurementKind", "MeasurementKind"),
        _e("measuringPeriod", "MeasuringPeriodKind"),
        _e("multiplier", "UnitMultiplier"),
        _e("phases", "PhaseCode"),
        _a("tou", "integer"),
        _e("unit", "UnitSymbol"),
        _c("argument", "RationalNumber"),
        _c("interharmonic", "ReadingInterharmonic"),
        _NAMES_REQUIRED,
    ),
    _cls(
        "Status",
        _a("dateTime", "dateTime"),
        _a("reason"),
        _a("remark"),
        _a("value"),
    ),
    _cls("StringQuantity", _a("value")),
    _cls("UsagePoint", _MRID, _NAMES),
)

METER_READINGS = Profile(
    name="MeterReadings",
    version="1.0",
    namespace=NAMESPACE,
    root_element="MeterReadings",
    root_class="MeterReading",
    root=ProfileClass(
        name="MeterReadings",
        cim_class="",
        members=(
            _n("EndDeviceEventType", "EndDeviceEventType"),
            _n("MeterReading", "MeterReading"),
            _n("ReadingQualityType", "ReadingQualityType"),
            _n("ReadingType", "ReadingType"),
        ),
    ),
    classes={c.name: c for c in _CLASSES},
)
"""MeterReadings 1.0 in ``http://iec.ch/TC57/2011/MeterReadings#``."""

__all__ = ["METER_READINGS", "NAMESPACE"]
