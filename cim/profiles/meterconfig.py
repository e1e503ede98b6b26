"""The IEC 61968-9 MeterConfig message profile (2011 namespace) over the CIM100 model.

Written for cimbus from the CIM model and the structure of the IEC 61968-9 MeterConfig message;
element names and order follow the 2011 profile so that payloads validate against its XSD. CIM100
differences (datatypes carried as their value, CIM15 ``AssetModel`` as ``ProductAssetModel``,
2011 element names for CIM100 fields) are noted next to the members and listed in
``docs/cim-model.md``, "Profiles".

A Meter's ``<ComFunction ref>``, ``<ConnectDisconnectFunction ref>`` and
``<SimpleEndDeviceFunction ref>`` (an unbounded ``xs:choice``) are one CIM100 field,
``EndDevice.EndDeviceFunctions``: each ``Ref.target`` is the element it is written as, and in
JSON the list is ``"EndDeviceFunctions": [{"ComFunction": {"ref": "mRID"}}, ...]``.
"""

from __future__ import annotations

from cim.profiles._dsl import (
    MRID,
    NAMES,
    NAMING,
    STATUS,
    attr,
    cls,
    compound,
    enum,
    nested,
    ref,
    ref_choice,
    root,
    value_text,
)
from cim.profiles.meterreadings import METER_READINGS
from cim.profiles.model import Member, Profile
from cim.profiles.servicelocationconfig import SERVICE_LOCATION_CONFIG
from cim.profiles.usagepointconfig import USAGE_POINT_CONFIG

NAMESPACE = "http://iec.ch/TC57/2011/MeterConfig#"


def _dt(element: str, cls_name: str) -> Member:
    # a CIM100 datatype (value, multiplier, unit) that the 2011 XSD has as a simple type
    return compound(element, cls_name, text_field="value")


_FUNCTION = (  # the AssetFunction members, in the 2011 XML order
    attr("configID"),
    attr("enabled", "boolean"),
    attr("firmwareID"),
    attr("hardwareID"),
)

_FUNCTIONS = ("ComFunction", "ConnectDisconnectFunction", "SimpleEndDeviceFunction")
"""The EndDeviceFunction subclasses a 2011 Meter refers to, each by its own element."""

_CAPABILITIES = (
    "autonomousDst",
    "communication",
    "connectDisconnect",
    "demandResponse",
    "electricMetering",
    "gasMetering",
    "metrology",
    "onRequestRead",
    "outageHistory",
    "pressureCompensation",
    "pricingInfo",
    "pulseOutput",
    "relaysProgramming",
    "reverseFlow",
    "superCompressibilityCompensation",
    "temperatureCompensation",
    "textMessage",
    "waterMetering",
)

_CLASSES = (
    value_text("ActivePower", "float"),
    # CIM100 Asset.ActivityRecords is a Ref list; the 2011 message embeds the records (no mRID)
    cls(
        "ActivityRecord",
        attr("createdDateTime", "dateTime"),
        attr("reason"),
        attr("severity"),
        attr("type"),
        compound("status", "Status"),
    ),
    cls(
        "Channel",
        MRID,
        attr("isVirtual", "boolean"),
        NAMES,
        ref("ReadingType", "ReadingType", min=0),
    ),
    cls(
        "ComFunction",
        MRID,
        attr("amrAddress"),
        attr("amrRouter"),
        _FUNCTION[0],
        enum("direction", "ComDirectionKind"),
        *_FUNCTION[1:],
        attr("password"),
        attr("programID"),
        enum("technology", "ComTechnologyKind"),
        NAMES,
    ),
    USAGE_POINT_CONFIG.cls("ConfigurationEvent"),
    # the 2011 XSD inlines this Names type; it is the usual Name, NameType and NameTypeAuthority
    cls(
        "ConnectDisconnectFunction",
        MRID,
        attr("enabled", "boolean"),
        attr("eventCount", "integer"),
        *(
            attr(a, "boolean")
            for a in (
                "isConnected",
                "isDelayedDiscon",
                "isLocalAutoDisconOp",
                "isLocalAutoReconOp",
                "isRemoteAutoDisconOp",
                "isRemoteAutoReconOp",
            )
        ),
        attr("password"),
        NAMES,
        compound("rcdInfo", "RemoteConnectDisconnectInfo"),
    ),
    value_text("CurrentFlow", "float"),
    SERVICE_LOCATION_CONFIG.cls("ElectronicAddress"),
    cls("EndDeviceCapability", *(attr(a, "boolean") for a in _CAPABILITIES)),
    # no mRID in the 2011 message; CIM15 AssetInfo.AssetModel is CIM100 AssetInfo.ProductAssetModel
    # (a Ref in the model, embedded here under its 2011 element name)
    cls(
        "EndDeviceInfo",
        attr("isSolidState", "boolean"),
        attr("phaseCount", "integer"),
        _dt("ratedCurrent", "CurrentFlow"),
        _dt("ratedVoltage", "Voltage"),
        nested("AssetModel", "ProductAssetModel", max=1),
        compound("capability", "EndDeviceCapability"),
    ),
    cls(
        "LifecycleDate",
        *(
            attr(a, "date")
            for a in (
                "installationDate",
                "manufacturedDate",
                "purchaseDate",
                "receivedDate",
                "removalDate",
                "retiredDate",
            )
        ),
    ),
    cls("Manufacturer", MRID, NAMES),
    cls(
        "Meter",
        MRID,
        attr("amrSystem"),
        attr("formNumber"),
        attr("initialCondition"),
        _dt("initialLossOfLife", "PerCent"),
        attr("isVirtual", "boolean"),
        attr("lotNumber"),
        _dt("purchasePrice", "Money"),
        attr("serialNumber"),
        _dt("timeZoneOffset", "Minutes"),
        attr("type"),
        attr("utcNumber"),
        nested("ActivityRecords", "ActivityRecord"),
        # CIM100 makes this many; the 2011 message carries at most one
        nested("ConfigurationEvents", "ConfigurationEvent", max=1),
        compound("electronicAddress", "ElectronicAddress"),
        # the 2011 unbounded choice of function references (see the docstring); the functions
        # are in the same payload, as ReadingTypes are
        ref_choice("EndDeviceFunctions", "EndDeviceFunction", *_FUNCTIONS),
        # CIM100 EndDevice.EndDeviceInfo is a Ref; the 2011 message embeds the info
        nested("EndDeviceInfo", "EndDeviceInfo", max=1),
        compound("lifecycle", "LifecycleDate", path="lifecycleDate"),  # CIM100 Asset.lifecycleDate
        nested("MeterMultipliers", "MeterMultiplier"),
        NAMES,
        nested("Seals", "Seal"),  # CIM100 AssetContainer.Seals
        compound("status", "Status"),
    ),
    cls(
        "MeterMultiplier",
        MRID,
        enum("kind", "MeterMultiplierKind"),
        attr("value", "float"),
        NAMES,
    ),
    value_text("Minutes", "float"),
    value_text("Money", "decimal"),
    *NAMING,
    value_text("PerCent", "float"),
    # no mRID or Names in the 2011 message; CIM100 ProductAssetModel.Manufacturer is a Ref
    cls(
        "ProductAssetModel",
        enum("corporateStandardKind", "CorporateStandardKind"),
        attr("modelNumber"),
        attr("modelVersion"),
        enum("usageKind", "AssetModelUsageKind"),
        nested("Manufacturer", "Manufacturer", max=1),
    ),
    METER_READINGS.cls("RationalNumber"),
    METER_READINGS.cls("ReadingInterharmonic"),
    METER_READINGS.cls("ReadingType"),
    value_text("RealEnergy", "float"),
    cls(
        "Register",
        MRID,
        attr("isVirtual", "boolean"),
        attr("leftDigitCount", "integer"),
        attr("rightDigitCount", "integer"),
        attr("touTierName"),
        nested("Channels", "Channel"),  # a Ref list in CIM100, embedded here
        NAMES,
        compound("touTier", "TimeInterval"),
    ),
    cls(
        "RemoteConnectDisconnectInfo",
        _dt("armedTimeout", "Seconds"),
        _dt("customerVoltageLimit", "Voltage"),
        _dt("energyLimit", "RealEnergy"),
        attr("energyUsageStartDateTime", "dateTime"),
        _dt("energyUsageWarning", "RealEnergy"),
        attr("isArmConnect", "boolean"),
        attr("isArmDisconnect", "boolean"),
        attr("isEnergyLimiting", "boolean"),
        attr("needsPowerLimitCheck", "boolean"),
        attr("needsVoltageLimitCheck", "boolean"),
        _dt("powerLimit", "ActivePower"),
        attr("usePushbutton", "boolean"),
    ),
    cls(
        "Seal",
        MRID,
        attr("appliedDateTime", "dateTime"),
        enum("condition", "SealConditionKind"),
        enum("kind", "SealKind"),
        attr("sealNumber"),
        NAMES,
    ),
    value_text("Seconds", "float"),
    cls(
        "SimpleEndDeviceFunction",
        MRID,
        *_FUNCTION,
        enum("kind", "EndDeviceFunctionKind"),
        attr("password"),
        attr("programID"),
        NAMES,
        nested("Registers", "Register"),  # CIM100 EndDeviceFunction.Registers, a Ref list
    ),
    STATUS,
    cls("TimeInterval", attr("end", "time"), attr("start", "time")),
    value_text("Voltage", "float"),
)

METER_CONFIG = Profile(
    name="MeterConfig",
    version="1.0",
    namespace=NAMESPACE,
    root_element="MeterConfig",
    root_class="Meter",
    root=root(
        "MeterConfig",
        nested("ComFunction", "ComFunction"),
        nested("ConnectDisconnectFunction", "ConnectDisconnectFunction"),
        nested("Meter", "Meter"),
        nested("ReadingType", "ReadingType"),
        nested("SimpleEndDeviceFunction", "SimpleEndDeviceFunction"),
    ),
    classes={c.name: c for c in _CLASSES},
)
"""MeterConfig 1.0 in ``http://iec.ch/TC57/2011/MeterConfig#``."""

__all__ = ["METER_CONFIG", "NAMESPACE"]
