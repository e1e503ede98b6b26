"""The unit each CIM datatype is expressed in (CIM fixes it in the UML: ActivePower is W).

A mapping that converts units onto a field of one of these datatypes must end in this unit; the
check refuses ``unit: {from: kW, to: kW}`` onto an ``ActivePower`` carried in W.
"""

from __future__ import annotations

from types import MappingProxyType

CIM_UNITS = MappingProxyType(
    {
        "ActivePower": "W",
        "ApparentPower": "VA",
        "ReactivePower": "var",
        "RealEnergy": "Wh",
        "Voltage": "V",
        "CurrentFlow": "A",
        "Length": "m",
        "Hours": "h",
        "Minutes": "min",
        "Seconds": "s",
    }
)
"""CIM datatype -> the unit symbol of its value (datatypes with a dimension cimbus converts)."""


def cim_unit(datatype: str) -> str | None:
    """The unit of a CIM datatype's value, or None when cimbus does not convert it."""
    return CIM_UNITS.get(datatype)


__all__ = ["CIM_UNITS", "cim_unit"]
