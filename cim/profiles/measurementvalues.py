"""The MeasurementValues message profile (cimbus design, 2011-style namespace) over CIM100.

There is no IEC reference XSD for this noun: cimbus designed it from the CIM100 Meas package
for SCADA/DMS exchange of analog and discrete values with their quality and time. Each value
names its Measurement (``Analog`` / ``Discrete``) and optionally its MeasurementValueSource by
mRID only: both are network-model objects that the receiver already knows, so these references
are not required to resolve within the payload. The quality (IEC 61850 flags, ``validity`` and
``source``) belongs to one value and has no mRID, so it is embedded. See ``docs/cim-model.md``,
"Profiles".
"""

from __future__ import annotations

from cim.profiles._dsl import MRID, attr, cls, compound, enum, nested, ref, root, value_text
from cim.profiles.model import Member, Profile

NAMESPACE = "http://iec.ch/TC57/2011/MeasurementValues#"


def _common_head() -> tuple[Member, ...]:
    return (MRID, compound("sensorAccuracy", "PerCent", text_field="value"))


def _common_tail() -> tuple[Member, ...]:
    return (
        nested("MeasurementValueQuality", "MeasurementValueQuality", max=1),
        ref("MeasurementValueSource", "MeasurementValueSource", min=0, resolve=False),
    )


_CLASSES = (
    cls(
        "AnalogValue",
        *_common_head(),
        attr("timeStamp", "dateTime", min=1),
        attr("value", "float", min=1),
        ref("Analog", "Analog", resolve=False),
        *_common_tail(),
    ),
    cls(
        "DiscreteValue",
        *_common_head(),
        attr("timeStamp", "dateTime", min=1),
        attr("value", "integer", min=1),
        ref("Discrete", "Discrete", resolve=False),
        *_common_tail(),
    ),
    cls(
        "MeasurementValueQuality",
        attr("badReference", "boolean"),
        attr("estimatorReplaced", "boolean"),
        attr("failure", "boolean"),
        attr("oldData", "boolean"),
        attr("operatorBlocked", "boolean"),
        attr("oscillatory", "boolean"),
        attr("outOfRange", "boolean"),
        attr("overFlow", "boolean"),
        enum("source", "Source"),
        attr("suspect", "boolean"),
        attr("test", "boolean"),
        enum("validity", "Validity"),
    ),
    value_text("PerCent", "float"),
)

MEASUREMENT_VALUES = Profile(
    name="MeasurementValues",
    version="1.0",
    namespace=NAMESPACE,
    root_element="MeasurementValues",
    root_class="AnalogValue",
    root=root(
        "MeasurementValues",
        nested("AnalogValue", "AnalogValue"),
        nested("DiscreteValue", "DiscreteValue"),
    ),
    classes={c.name: c for c in _CLASSES},
)
"""MeasurementValues 1.0 in ``http://iec.ch/TC57/2011/MeasurementValues#`` (no reference XSD)."""

__all__ = ["MEASUREMENT_VALUES", "NAMESPACE"]
