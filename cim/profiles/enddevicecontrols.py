"""The IEC 61968-9 EndDeviceControls message profile (2011 namespace) over the CIM100 model.

Written for cimbus from the CIM model and the structure of the IEC 61968-9 EndDeviceControls
message; element names and order follow the 2011 profile so that payloads validate against its
XSD. CIM100 differences (datatypes carried as their value, the PAN action choice) are listed in
``docs/cim-model.md``, "Profiles".
"""

from __future__ import annotations

from cim.profiles._dsl import (
    DATETIME_INTERVAL,
    MRID,
    NAMES,
    NAMING,
    attr,
    cls,
    compound,
    enum,
    event_type,
    identified,
    nested,
    ref,
    root,
    value_text,
)
from cim.profiles.model import Member, Profile

NAMESPACE = "http://iec.ch/TC57/2011/EndDeviceControls#"


def _dt(element: str, cls_name: str) -> Member:
    return compound(element, cls_name, text_field="value")


_ACTION = (  # the EndDeviceAction members every PAN action starts with, in XML order
    attr("command"),
    _dt("duration", "Minutes"),
    attr("durationIndefinite", "boolean"),
    attr("startDateTime", "dateTime"),
)

_APPLIANCES = (
    "isElectricVehicle",
    "isExteriorLighting",
    "isGenerationSystem",
    "isHvacCompressorOrFurnace",
    "isInteriorLighting",
    "isIrrigationPump",
    "isManagedCommercialIndustrialLoad",
    "isPoolPumpSpaJacuzzi",
    "isSimpleMiscLoad",
    "isSmartAppliance",
    "isStripAndBaseboardHeater",
    "isWaterHeater",
)

_CLASSES = (
    cls("ControlledAppliance", *(attr(a, "boolean") for a in _APPLIANCES)),
    DATETIME_INTERVAL,
    cls(
        "ElectronicAddress",
        *(attr(a) for a in ("email1", "email2", "lan", "mac", "password", "radio", "userID")),
        attr("web"),
    ),
    cls(
        "EndDevice",
        MRID,
        attr("installCode"),
        attr("isPan", "boolean"),
        compound("electronicAddress", "ElectronicAddress"),
        NAMES,
    ),
    # CIM100 has one EndDeviceControl.EndDeviceAction; the 2011 profile names its subclass
    cls(
        "EndDeviceControl",
        MRID,
        attr("drProgramLevel", "integer"),
        attr("drProgramMandatory", "boolean"),
        attr("issuerID"),
        attr("issuerTrackingID"),
        attr("priceSignal", "float"),  # FloatQuantity in 2011, Float in CIM100
        attr("reason"),
        nested("PanDemandResponse", "PanDemandResponse", max=1, choice="EndDeviceAction"),
        nested("PanDisplay", "PanDisplay", max=1, choice="EndDeviceAction"),
        nested("PanPricing", "PanPricing", max=1, choice="EndDeviceAction"),
        ref("EndDeviceControlType", "EndDeviceControlType"),
        nested("EndDeviceGroups", "EndDeviceGroup"),
        nested("EndDevices", "EndDevice"),
        compound("primaryDeviceTiming", "EndDeviceTiming"),
        compound("secondaryDeviceTiming", "EndDeviceTiming"),
        nested("UsagePointGroups", "UsagePointGroup"),
        nested("UsagePoints", "UsagePoint"),
    ),
    event_type("EndDeviceControlType"),
    identified("EndDeviceGroup"),
    cls(
        "EndDeviceTiming",
        _dt("duration", "Minutes"),
        attr("durationIndefinite", "boolean"),
        enum("randomisation", "RandomisationKind"),
        compound("interval", "DateTimeInterval"),
    ),
    value_text("Minutes", "float"),
    value_text("Money", "decimal"),
    *NAMING,
    cls(
        "PanDemandResponse",
        _dt("avgLoadAdjustment", "PerCent"),
        attr("cancelControlMode"),
        attr("cancelDateTime", "dateTime"),
        attr("cancelNow", "boolean"),
        attr("command"),
        _dt("coolingOffset", "Temperature"),
        _dt("coolingSetpoint", "Temperature"),
        attr("criticalityLevel"),
        _dt("duration", "Minutes"),
        attr("durationIndefinite", "boolean"),
        _dt("dutyCycle", "PerCent"),
        attr("enrollmentGroup"),
        _dt("heatingOffset", "Temperature"),
        _dt("heatingSetpoint", "Temperature"),
        attr("startDateTime", "dateTime"),
        compound("appliance", "ControlledAppliance"),
    ),
    cls(
        "PanDisplay",
        attr("command"),
        attr("confirmationRequired", "boolean"),
        _dt("duration", "Minutes"),
        attr("durationIndefinite", "boolean"),
        attr("priority"),
        attr("startDateTime", "dateTime"),
        attr("textMessage"),
        enum("transmissionMode", "TransmissionModeKind"),
    ),
    cls(
        "PanPricing",
        *_ACTION[:3],
        attr("providerID", "integer"),
        _ACTION[3],
        nested("PanPricingDetails", "PanPricingDetail"),
    ),
    cls(
        "PanPricingDetail",
        attr("alternateCostDelivered", "float"),
        attr("alternateCostUnit"),
        attr("currentTimeDate", "dateTime"),
        _dt("generationPrice", "Money"),
        attr("generationPriceRatio", "float"),
        _dt("price", "Money"),
        attr("priceRatio", "float"),
        attr("priceTier", "integer"),
        attr("priceTierCount", "integer"),
        attr("priceTierLabel"),
        attr("rateLabel"),
        attr("registerTier"),
        attr("unitOfMeasure"),
    ),
    value_text("PerCent", "float"),
    value_text("Temperature", "float"),
    identified("UsagePoint"),
    identified("UsagePointGroup"),
)

END_DEVICE_CONTROLS = Profile(
    name="EndDeviceControls",
    version="1.0",
    namespace=NAMESPACE,
    root_element="EndDeviceControls",
    root_class="EndDeviceControl",
    root=root(
        "EndDeviceControls",
        nested("EndDeviceControl", "EndDeviceControl"),
        nested("EndDeviceControlType", "EndDeviceControlType"),
    ),
    classes={c.name: c for c in _CLASSES},
)
"""EndDeviceControls 1.0 in ``http://iec.ch/TC57/2011/EndDeviceControls#``."""

__all__ = ["END_DEVICE_CONTROLS", "NAMESPACE"]
