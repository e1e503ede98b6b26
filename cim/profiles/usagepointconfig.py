"""The IEC 61968-9 UsagePointConfig message profile (2011 namespace) over the CIM100 model.

Written for cimbus from the CIM model and the structure of the IEC 61968-9 UsagePointConfig
message; element names and order follow the 2011 profile so that payloads validate against its
XSD. CIM100 differences (datatypes carried as their value, enumerations with more literals, the
one Name that requires its NameType) are listed in ``docs/cim-model.md``, "Profiles".
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
    identified,
    nested,
    ref,
    root,
    value_text,
)
from cim.profiles.meterreadings import METER_READINGS
from cim.profiles.model import Member, Profile

NAMESPACE = "http://iec.ch/TC57/2011/UsagePointConfig#"


def _dt(element: str, cls_name: str) -> Member:
    return compound(element, cls_name, text_field="value")


_CLASSES = (
    value_text("ActivePower", "float"),
    cls(
        "ConfigurationEvent",
        MRID,
        attr("createdDateTime", "dateTime"),
        attr("effectiveDateTime", "dateTime"),
        attr("modifiedBy"),
        attr("reason"),
        attr("remark"),
        attr("severity"),
        attr("type"),
        NAMES,
        compound("status", "Status"),
    ),
    value_text("CurrentFlow", "float"),
    cls(
        "MetrologyRequirement",
        MRID,
        enum("reason", "ReadingReasonKind"),
        NAMES,
        ref("ReadingTypes", "ReadingType", max=None),
    ),
    *NAMING,
    cls("PricingStructure", MRID, attr("code"), NAMES),
    METER_READINGS.cls("RationalNumber"),
    METER_READINGS.cls("ReadingInterharmonic"),
    METER_READINGS.cls("ReadingType"),
    cls("ServiceCategory", MRID, enum("kind", "ServiceKind"), NAMES),
    identified("ServiceLocation"),
    cls(
        "ServiceMultiplier",
        MRID,
        enum("kind", "ServiceMultiplierKind"),
        attr("value", "float"),
        nested("Names", "ServiceMultiplierName"),
    ),
    # the 2011 XSD inlines this Name with a required NameType (everywhere else it is optional)
    cls(
        "ServiceMultiplierName",
        attr("name", min=1),
        nested("NameType", "NameType", min=1, max=1),
        cim="Name",
    ),
    cls("ServiceSupplier", MRID, enum("kind", "SupplierKind"), NAMES),
    STATUS,
    identified("TransformerTank"),
    cls(
        "UsagePoint",
        MRID,
        enum("amiBillingReady", "AmiBillingReadyKind"),
        attr("checkBilling", "boolean"),
        enum("connectionState", "UsagePointConnectedKind"),
        _dt("estimatedLoad", "CurrentFlow"),
        attr("grounded", "boolean"),
        attr("isSdp", "boolean"),
        attr("isVirtual", "boolean"),
        attr("minimalUsageExpected", "boolean"),
        _dt("nominalServiceVoltage", "Voltage"),
        attr("outageRegion"),
        enum("phaseCode", "PhaseCode"),
        _dt("ratedCurrent", "CurrentFlow"),
        _dt("ratedPower", "ActivePower"),
        attr("readCycle"),
        attr("readRoute"),
        attr("serviceDeliveryRemark"),
        attr("servicePriority"),
        # CIM100 makes these many; the 2011 message carries at most one of each
        nested("ConfigurationEvents", "ConfigurationEvent", max=1),
        nested("Equipments", "TransformerTank", max=1),
        nested("MetrologyRequirements", "MetrologyRequirement"),
        NAMES,
        nested("PricingStructures", "PricingStructure", max=1),
        nested("ServiceCategory", "ServiceCategory", max=1),
        nested("ServiceLocation", "ServiceLocation", max=1),
        nested("ServiceMultipliers", "ServiceMultiplier"),
        nested("ServiceSupplier", "ServiceSupplier", max=1),
        nested("UsagePointLocation", "UsagePointLocation", max=1),
    ),
    identified("UsagePointLocation"),
    value_text("Voltage", "float"),
)

USAGE_POINT_CONFIG = Profile(
    name="UsagePointConfig",
    version="1.0",
    namespace=NAMESPACE,
    root_element="UsagePointConfig",
    root_class="UsagePoint",
    root=root(
        "UsagePointConfig",
        nested("ReadingType", "ReadingType"),
        nested("UsagePoint", "UsagePoint"),
    ),
    classes={c.name: c for c in _CLASSES},
)
"""UsagePointConfig 1.0 in ``http://iec.ch/TC57/2011/UsagePointConfig#``."""

__all__ = ["NAMESPACE", "USAGE_POINT_CONFIG"]
