"""The IEC 61968-9 ServiceLocationConfig message profile (2011 namespace) over the CIM100 model.

Written for cimbus from the CIM model and the structure of the IEC 61968-9 ServiceLocationConfig
message; element names and order follow the 2011 profile so that payloads validate against its
XSD. CIM100 differences (the embedded CoordinateSystem, one ConfigurationEvent, address members
the 2011 message lacks) are listed in ``docs/cim-model.md``, "Profiles".
"""

from __future__ import annotations

from cim.profiles._dsl import MRID, NAMES, NAMING, STATUS, attr, cls, compound, nested, root
from cim.profiles.model import Profile
from cim.profiles.usagepointconfig import USAGE_POINT_CONFIG

NAMESPACE = "http://iec.ch/TC57/2011/ServiceLocationConfig#"

_CLASSES = (
    USAGE_POINT_CONFIG.cls("ConfigurationEvent"),
    cls("CoordinateSystem", MRID, attr("crsUrn"), NAMES),
    cls(
        "ElectronicAddress",
        attr("email1"),
        attr("email2"),
        attr("lan"),
        attr("mac"),
        attr("password"),
        attr("radio"),
        attr("userID"),
        attr("web"),
    ),
    *NAMING,
    cls(
        "PositionPoint",
        attr("sequenceNumber", "integer"),
        attr("xPosition", min=1),
        attr("yPosition", min=1),
        attr("zPosition"),
    ),
    cls(
        "ServiceLocation",
        MRID,
        attr("accessMethod"),
        attr("direction"),
        attr("geoInfoReference"),
        attr("needsInspection", "boolean"),
        attr("siteAccessProblem"),
        attr("type"),
        # CIM100 makes this many; the 2011 message carries at most one
        nested("ConfigurationEvents", "ConfigurationEvent", max=1),
        # a reference in CIM100, embedded in the 2011 message
        nested("CoordinateSystem", "CoordinateSystem", max=1),
        compound("electronicAddress", "ElectronicAddress"),
        compound("mainAddress", "StreetAddress"),
        NAMES,
        compound("phone1", "TelephoneNumber"),
        compound("phone2", "TelephoneNumber"),
        nested("PositionPoints", "PositionPoint"),
        compound("secondaryAddress", "StreetAddress"),
        compound("status", "Status"),
    ),
    STATUS,
    cls(
        "StreetAddress",
        compound("status", "Status"),
        compound("streetDetail", "StreetDetail"),
        compound("townDetail", "TownDetail"),
    ),
    cls(
        "StreetDetail",
        attr("addressGeneral"),
        attr("buildingName"),
        attr("code"),
        attr("name"),
        attr("number"),
        attr("prefix"),
        attr("suffix"),
        attr("suiteNumber"),
        attr("type"),
        attr("withinTownLimits", "boolean"),
    ),
    cls(
        "TelephoneNumber",
        attr("areaCode"),
        attr("cityCode"),
        attr("countryCode"),
        attr("extension"),
        attr("localNumber"),
    ),
    cls(
        "TownDetail",
        attr("code"),
        attr("country"),
        attr("name"),
        attr("section"),
        attr("stateOrProvince"),
    ),
)

SERVICE_LOCATION_CONFIG = Profile(
    name="ServiceLocationConfig",
    version="1.0",
    namespace=NAMESPACE,
    root_element="ServiceLocationConfig",
    root_class="ServiceLocation",
    root=root("ServiceLocationConfig", nested("ServiceLocation", "ServiceLocation")),
    classes={c.name: c for c in _CLASSES},
)
"""ServiceLocationConfig 1.0 in ``http://iec.ch/TC57/2011/ServiceLocationConfig#``."""

__all__ = ["NAMESPACE", "SERVICE_LOCATION_CONFIG"]
