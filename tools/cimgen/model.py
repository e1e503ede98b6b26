"""Resolve the selected CIM classes, their closure and every member's exact Python type."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tools.cimgen.sources import LINKML_PRIMITIVE, PRIMITIVES, Sources

# The classes issue 3 asks for; superclasses, datatypes, compounds and enums follow from them.
SELECTED = [
    "IdentifiedObject",
    "Name",
    "NameType",
    "NameTypeAuthority",
    "Substation",
    "VoltageLevel",
    "Bay",
    "Feeder",
    "ConnectivityNode",
    "Terminal",
    "ACLineSegment",
    "PowerTransformer",
    "PowerTransformerEnd",
    "Switch",
    "Breaker",
    "Disconnector",
    "Fuse",
    "LoadBreakSwitch",
    "Recloser",
    "EnergyConsumer",
    "EnergySource",
    "BaseVoltage",
    "TopologicalNode",
    "Measurement",
    "Analog",
    "Discrete",
    "Accumulator",
    "AnalogValue",
    "DiscreteValue",
    "MeasurementValueSource",
    "MeasurementValueQuality",
    "Location",
    "PositionPoint",
    "CoordinateSystem",
    "Customer",
    "CustomerAccount",
    "CustomerAgreement",
    "ServiceLocation",
    "UsagePoint",
    "ServiceCategory",
    "Meter",
    "EndDevice",
    "EndDeviceEvent",
    "EndDeviceEventType",
    "EndDeviceControl",
    "EndDeviceControlType",
    "MeterReading",
    "Reading",
    "IntervalBlock",
    "IntervalReading",
    "ReadingType",
    "ReadingQuality",
    "ReadingQualityType",
    "PendingCalculation",
    "EndDeviceEventDetail",
    "EndDeviceAction",
    "PanDemandResponse",
    "PanDisplay",
    "PanPricing",
    "PanPricingDetail",
    "EndDeviceGroup",
    "UsagePointGroup",
    # for the UsagePointConfig profile
    "ConfigurationEvent",
    "MetrologyRequirement",
    "PricingStructure",
    "ServiceMultiplier",
    "ServiceSupplier",
    "TransformerTank",
    "UsagePointLocation",
    "Outage",
    "Incident",
    "TroubleTicket",
    "Crew",
    "SwitchingPlan",
    "SwitchingStep",
    "SwitchingAction",
    "WorkRequest",
    "Work",
    "WorkTask",
    "WorkOrder",
    "Asset",
    "AssetInfo",
    "Appointment",
    "Organisation",
    "Person",
    # for MeterConfig, WorkRequests and the designed profiles (operations, work, assets, crews)
    "Channel",
    "ComFunction",
    "ConnectDisconnectFunction",
    "EndDeviceInfo",
    "Manufacturer",
    "MeterMultiplier",
    "ProductAssetModel",
    "Register",
    "Seal",
    "SimpleEndDeviceFunction",
    "PersonRole",
    "TimeSchedule",
    "WorkTimeSchedule",
    "CrewMember",
    "CrewType",
    "MaterialItem",
    "WorkCostDetail",
    "WorkActivityRecord",
    "WorkAsset",
    "Vehicle",
    "Tool",
    "AssetOwner",
    "AssetOrganisationRole",
    "OutageArea",
    "PlannedOutage",
    "UnplannedOutage",
    "TroubleOrder",
    "CustomerNotification",
    "SwitchAction",
    "SwitchingEvent",
    "SwitchingStepGroup",
    "ClearanceAction",
    "GroundAction",
    "OperationalTag",
]
# Compounds asked for by name (StreetAddress is a compound in CIM100, not a class).
SELECTED_COMPOUNDS = ("StreetAddress",)

PY_PRIMITIVE = {
    "Boolean": "bool",
    "Integer": "int",
    "Float": "float",
    "String": "str",
    "Decimal": "_dec.Decimal",
    "DateTime": "_dt.datetime",
    "Date": "_dt.date",
    "Time": "_dt.time",
    "Duration": "_p.Duration",
    "MonthDay": "_p.MonthDay",
}
XSD_CIM = {"float": "Float", "decimal": "Decimal", "integer": "Integer"}


@dataclass(frozen=True)
class Slot:
    """One attribute or association end of a class, compound or datatype."""

    name: str
    cim_type: str
    kind: str  # primitive | datatype | compound | enum | reference
    multiplicity: str
    definition: str
    stereotypes: str

    @property
    def many(self) -> bool:
        """Whether the member holds more than one value."""
        upper = self.multiplicity.split("..")[-1]
        return upper == "*" or int(upper) > 1


@dataclass(frozen=True)
class Klass:
    """A CIM class, compound or datatype with its native members."""

    name: str
    package: str
    superclass: str | None
    definition: str
    slots: tuple[Slot, ...]


def clean(text: str | None) -> str:
    """Normalise a UML definition: unix newlines, no trailing blanks."""
    if not text:
        return ""
    lines = [ln.rstrip() for ln in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def package_of(raw: dict[str, Any]) -> str:
    """The CIM package path of a LinkML element, e.g. ``IEC61970.Base.Wires``."""
    return str(raw.get("from_schema", "")).split("#TC57CIM.", 1)[-1]


UNIT_ENUMS = frozenset({"UnitSymbol", "UnitMultiplier", "Currency"})
# Enumerations go to one module per group so that no generated module passes 600 lines.
ENUM_ALIASES = {"units": "_u", "gridenums": "_ge", "meteringenums": "_me", "enums": "_e"}
# Metering is the largest CIM package: its reading classes get a module of their own.
READINGS = frozenset(
    {"BaseReading", "IntervalBlock", "IntervalReading", "MeterReading", "PendingCalculation"}
    | {"Reading", "ReadingQuality", "ReadingQualityType", "ReadingType"}
)


def enum_module(name: str, package: str) -> str:
    """The generated module of an enumeration: units, grid, metering or other business enums."""
    if name in UNIT_ENUMS:
        return "units"
    if package.startswith("IEC61970"):
        return "gridenums"
    return "meteringenums" if package == "IEC61968.Metering" else "enums"


def class_module(name: str, package: str) -> str:
    """The generated module of a class: its CIM package's last segment, lower case."""
    if name in READINGS:
        return "readings"
    return package.rsplit(".", 1)[-1].lower()


class Model:
    """The selected closure, resolved against both sources."""

    def __init__(self, src: Sources) -> None:
        self.src = src
        self.classes_raw: dict[str, Any] = src.linkml["classes"]
        self.enums_raw: dict[str, Any] = src.linkml["enums"]
        self.classes: dict[str, Klass] = {}
        self.compounds: dict[str, Klass] = {}
        self.datatypes: dict[str, Klass] = {}
        self.enums: set[str] = set()
        self._close()

    def kind_of(self, cim_type: str) -> str:
        """Classify a CIM type name."""
        if cim_type in PRIMITIVES:
            return "primitive"
        if cim_type in self.enums_raw:
            return "enum"
        if cim_type in self.src.cimtool.compounds:
            return "compound"
        raw = self.classes_raw.get(cim_type, {})
        if raw.get("annotations", {}).get("represents_cim_data_type"):
            return "datatype"
        return "reference"

    def _slots(self, name: str) -> tuple[Slot, ...]:
        exact = self.src.cimtool.members.get(name, {})
        out = []
        for attr, raw in (self.classes_raw[name].get("attributes") or {}).items():
            member = exact.get(attr)
            if member is not None:
                cim_type, mult, stereo = member.type, member.multiplicity, member.stereotypes
            else:
                rng = str(raw.get("range", "string"))
                cim_type = LINKML_PRIMITIVE.get(rng, rng)
                low = "1" if raw.get("required") else "0"
                mult = f"{low}..*" if raw.get("multivalued") else ("1" if low == "1" else "0..1")
                stereo = ""
            if attr == "value" and name in self.src.cimtool.datatype_xsd:
                cim_type = XSD_CIM[self.src.cimtool.datatype_xsd[name]]
            kind = self.kind_of(cim_type)
            out.append(Slot(attr, cim_type, kind, mult, clean(raw.get("description")), stereo))
        return tuple(sorted(out, key=lambda s: (s.kind == "reference", s.name)))

    def _klass(self, name: str) -> Klass:
        raw = self.classes_raw[name]
        return Klass(
            name, package_of(raw), raw.get("is_a"), clean(raw.get("description")), self._slots(name)
        )

    def _close(self) -> None:
        todo = [*SELECTED, *SELECTED_COMPOUNDS]
        while todo:
            name = todo.pop()
            if name in self.classes or name in self.compounds or name in self.datatypes:
                continue
            if name not in self.classes_raw:
                raise KeyError(f"{name} is not a CIM100 class")
            klass = self._klass(name)
            kind = self.kind_of(name)
            groups = {"compound": self.compounds, "datatype": self.datatypes}
            target = groups.get(kind, self.classes)
            target[name] = klass
            if klass.superclass:
                todo.append(klass.superclass)
            for slot in klass.slots:
                if slot.kind in ("compound", "datatype"):
                    todo.append(slot.cim_type)
                elif slot.kind == "enum":
                    self.enums.add(slot.cim_type)

    def py_type(self, slot: Slot) -> str:
        """The Python annotation of one value of ``slot``."""
        if slot.kind == "primitive":
            return PY_PRIMITIVE[slot.cim_type]
        if slot.kind == "enum":
            module = enum_module(slot.cim_type, package_of(self.enums_raw[slot.cim_type]))
            return f"{ENUM_ALIASES[module]}.{slot.cim_type}"
        if slot.kind == "datatype":
            return f"_d.{slot.cim_type}"
        if slot.kind == "compound":
            return f"_c.{slot.cim_type}"
        return "_p.Ref"
