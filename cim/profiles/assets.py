"""The Assets message profile (cimbus design, IEC 61968-4 style, 2011 namespace) over CIM100.

There is no IEC reference XSD for this noun here: cimbus designed it from the CIM100 Assets
package for ERP and GIS to exchange physical assets. The payload root holds three lists, each
object with its required mRID: ``Asset``, ``AssetOwner`` and ``ProductAssetModel``.

- Catalogue and party data shared by many assets travel once per payload and are referenced
  by mRID; these references **must resolve within the payload** (``resolve=True``): an asset's
  ``ProductAssetModel`` (at most one) and ``OrganisationRoles`` (any number; CIM100's target is
  ``AssetOrganisationRole``, of which the payload carries the ``AssetOwner`` subclass).
- Network-model data the receiver already knows are references by mRID that **need not
  resolve**: the ``PowerSystemResources`` an asset realises (any number) and the ``AssetInfo``
  nameplate data of an asset or a model (at most one; CIM100 subclasses it per equipment).
- What belongs to one object is **embedded**: an asset's ``Location`` (at most one, with its
  addresses, embedded ``CoordinateSystem`` as in ServiceLocationConfig and ``PositionPoints``),
  a model's ``Manufacturer`` and an owner's or manufacturer's ``Organisation`` (at most one).
- Datatypes with a fixed CIM unit travel as their value (``initialLossOfLife`` in %,
  ``overallLength`` in m, ``weightTotal`` in kg); ``purchasePrice`` is ``Money`` with its currency.
- Dates are ``xs:date``: ``lifecycleDate`` (installed, manufactured, purchased, received,
  removed, retired; the MeterConfig ``LifecycleDate``) and ``inUseDate`` (in use, ready or not
  ready for use), both compounds named as in CIM100.
- Not carried: back references, work, procedures, analytics, ERP links.

Members come in XML order: mRID, the attributes alphabetically, then the associations. Addresses,
phones, Organisation, Status, Money and naming are those of CustomerConfig. See
``docs/cim-model.md``, "Profiles".
"""

from __future__ import annotations

from cim.profiles._dsl import NAMES, attr, cls, compound, enum, nested, ref, root, value_text
from cim.profiles.customerconfig import CUSTOMER_CONFIG, MRID_REQUIRED
from cim.profiles.meterconfig import METER_CONFIG
from cim.profiles.model import Member, Profile
from cim.profiles.servicelocationconfig import SERVICE_LOCATION_CONFIG

NAMESPACE = "http://iec.ch/TC57/2011/Assets#"

_FROM_CUSTOMERS = (
    "ElectronicAddress",
    "Money",
    "Name",
    "NameType",
    "NameTypeAuthority",
    "Organisation",
    "Status",
    "StreetAddress",
    "StreetDetail",
    "TelephoneNumber",
    "TownDetail",
)


def _dt(element: str, cls_name: str) -> Member:
    """A CIM datatype with a fixed unit, carried as its value."""
    return compound(element, cls_name, text_field="value")


def _organisation_role(mrid: Member) -> tuple[Member, ...]:
    """An OrganisationRole: its mRID, Names and embedded Organisation."""
    return (mrid, NAMES, nested("Organisation", "Organisation", max=1))


_CLASSES = (
    *(CUSTOMER_CONFIG.cls(name) for name in _FROM_CUSTOMERS),
    SERVICE_LOCATION_CONFIG.cls("CoordinateSystem"),
    cls("AcceptanceTest", attr("dateTime", "dateTime"), attr("success", "boolean"), attr("type")),
    cls(
        "Asset",
        MRID_REQUIRED,
        compound("acceptanceTest", "AcceptanceTest"),
        attr("critical", "boolean"),
        attr("initialCondition"),
        _dt("initialLossOfLife", "PerCent"),
        compound("inUseDate", "InUseDate"),
        enum("inUseState", "InUseStateKind"),
        enum("kind", "AssetKind"),
        compound("lifecycleDate", "LifecycleDate"),
        enum("lifecycleState", "AssetLifecycleStateKind"),
        attr("lotNumber"),
        attr("position"),
        compound("purchasePrice", "Money"),
        enum("retiredReason", "RetiredReasonKind"),
        attr("serialNumber"),
        compound("status", "Status"),
        attr("type"),
        attr("utcNumber"),
        ref("AssetInfo", "AssetInfo", min=0, resolve=False),
        nested("Location", "Location", max=1),
        NAMES,
        ref("OrganisationRoles", "AssetOrganisationRole", min=0, max=None),
        ref("PowerSystemResources", "PowerSystemResource", min=0, max=None, resolve=False),
        ref("ProductAssetModel", "ProductAssetModel", min=0),
    ),
    cls("AssetOwner", *_organisation_role(MRID_REQUIRED)),
    cls(
        "InUseDate",
        attr("inUseDate", "date"),
        attr("notReadyForUseDate", "date"),
        attr("readyForUseDate", "date"),
    ),
    value_text("Length", "float"),
    METER_CONFIG.cls("LifecycleDate"),
    cls(
        "Location",
        attr("mRID"),
        attr("direction"),
        compound("electronicAddress", "ElectronicAddress"),
        attr("geoInfoReference"),
        compound("mainAddress", "StreetAddress"),
        compound("phone1", "TelephoneNumber"),
        compound("phone2", "TelephoneNumber"),
        compound("secondaryAddress", "StreetAddress"),
        compound("status", "Status"),
        attr("type"),
        nested("CoordinateSystem", "CoordinateSystem", max=1),
        NAMES,
        nested("PositionPoints", "PositionPoint"),
    ),
    cls("Manufacturer", *_organisation_role(attr("mRID"))),
    value_text("Mass", "float"),
    value_text("PerCent", "float"),
    cls(
        "PositionPoint",
        attr("groupNumber", "integer"),
        attr("sequenceNumber", "integer"),
        attr("xPosition", min=1),
        attr("yPosition", min=1),
        attr("zPosition"),
    ),
    cls(
        "ProductAssetModel",
        MRID_REQUIRED,
        attr("catalogueNumber"),
        enum("corporateStandardKind", "CorporateStandardKind"),
        attr("drawingNumber"),
        attr("instructionManual"),
        attr("modelNumber"),
        attr("modelVersion"),
        _dt("overallLength", "Length"),
        attr("styleNumber"),
        enum("usageKind", "AssetModelUsageKind"),
        _dt("weightTotal", "Mass"),
        ref("AssetInfo", "AssetInfo", min=0, resolve=False),
        nested("Manufacturer", "Manufacturer", max=1),
        NAMES,
    ),
)

ASSETS = Profile(
    name="Assets",
    version="1.0",
    namespace=NAMESPACE,
    root_element="Assets",
    root_class="Asset",
    root=root(
        "Assets",
        nested("Asset", "Asset"),
        nested("AssetOwner", "AssetOwner"),
        nested("ProductAssetModel", "ProductAssetModel"),
    ),
    classes={c.name: c for c in _CLASSES},
)
"""Assets 1.0 in ``http://iec.ch/TC57/2011/Assets#`` (no reference XSD)."""

__all__ = ["ASSETS", "NAMESPACE"]
