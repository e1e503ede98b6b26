"""The CustomerConfig message profile (cimbus design, IEC 61968-9 style, 2011 namespace), CIM100.

There is no IEC reference XSD for this noun here: cimbus designed it from the CIM100 Customers
package for a CIS to publish customer master data. The payload root holds three lists, each
object with its required mRID: ``Customer``, ``CustomerAccount`` and ``CustomerAgreement``.

- Links among them are references that **must resolve within the payload** (``resolve=True``):
  an account's ``Customer``, an agreement's ``Customer`` and ``CustomerAccount`` (all required,
  as CIM100's ``[1]``). A receiver never gets an account whose customer it cannot see; an
  unresolved ``CustomerAccount`` is IEC 61968-100 error 2.19.
- Master data the receiver already knows are references by mRID that **need not resolve**: the
  agreement's ``ServiceSupplier`` (required, CIM100 ``[1]``), ``ServiceCategory`` (at most one),
  ``ServiceLocations``, ``UsagePoints`` and ``PricingStructures`` (any number).
- Who the customer is travels **embedded** in it: its ``Organisation`` (at most one, CIM100
  ``OrganisationRole.Organisation``) and the ``Person`` objects representing it, with names,
  phones and addresses as the CIM100 compounds have them (every member, but for
  ``ElectronicAddress.password``: credentials do not travel in master data). ``Money`` carries
  its ``unit`` (a Currency) beside the value. ``priority`` replaces the deprecated ``vip``.
- An agreement's ``signDate`` (CIM100 ``Agreement.signDate``) is an ``xs:date``.
- Not carried: back references (``Customer.CustomerAccounts``…), notifications, trouble
  tickets, works.

Members come in XML order: mRID, the attributes alphabetically, then the associations. The
address, phone and naming classes are shared with the Assets profile. See ``docs/cim-model.md``,
"Profiles".
"""

from __future__ import annotations

from cim.profiles._dsl import (
    DATETIME_INTERVAL,
    NAMES,
    NAMING,
    STATUS,
    attr,
    cls,
    compound,
    enum,
    nested,
    ref,
    root,
)
from cim.profiles.model import Member, Profile, ProfileClass

NAMESPACE = "http://iec.ch/TC57/2011/CustomerConfig#"

MRID_REQUIRED = attr("mRID", min=1)
"""The mRID of an object that others reference or that a receiver files as master data."""


def _known(element: str, target: str, *, min: int = 0, max: int | None = 1) -> Member:
    """A reference by mRID to master data the receiver already holds (need not resolve)."""
    return ref(element, target, min=min, max=max, resolve=False)


_SHARED: tuple[ProfileClass, ...] = (
    cls(
        "ElectronicAddress",
        attr("email1"),
        attr("email2"),
        attr("lan"),
        attr("mac"),
        attr("radio"),
        attr("userID"),
        attr("web"),
    ),
    cls(
        "Organisation",
        attr("mRID"),
        compound("electronicAddress", "ElectronicAddress"),
        compound("phone1", "TelephoneNumber"),
        compound("phone2", "TelephoneNumber"),
        compound("postalAddress", "StreetAddress"),
        compound("streetAddress", "StreetAddress"),
        NAMES,
    ),
    STATUS,
    cls(
        "StreetAddress",
        attr("language"),
        attr("poBox"),
        attr("postalCode"),
        compound("status", "Status"),
        compound("streetDetail", "StreetDetail"),
        compound("townDetail", "TownDetail"),
    ),
    cls(
        "StreetDetail",
        attr("addressGeneral"),
        attr("addressGeneral2"),
        attr("addressGeneral3"),
        attr("buildingName"),
        attr("code"),
        attr("floorIdentification"),
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
        attr("dialOut"),
        attr("extension"),
        attr("internationalPrefix"),
        attr("ituPhone"),
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
    cls("Money", enum("unit", "Currency"), attr("value", "decimal", min=1)),
    *NAMING,
)
"""CIM100 addresses, phones, electronic addresses, Organisation, Status, Money and naming, with
every member CIM100 gives them (but ``ElectronicAddress.password``); shared with Assets."""

_CLASSES = (
    *_SHARED,
    cls(
        "Customer",
        MRID_REQUIRED,
        enum("kind", "CustomerKind"),
        attr("locale"),
        compound("priority", "Priority"),
        attr("pucNumber"),
        attr("specialNeed"),
        compound("status", "Status"),
        NAMES,
        nested("Organisation", "Organisation", max=1),
        nested("Person", "Person"),
    ),
    cls(
        "CustomerAccount",
        MRID_REQUIRED,
        attr("billingCycle"),
        attr("budgetBill"),
        compound("lastBillAmount", "Money"),
        compound("status", "Status"),
        ref("Customer", "Customer"),
        NAMES,
    ),
    cls(
        "CustomerAgreement",
        MRID_REQUIRED,
        attr("isPrePay", "boolean"),
        attr("loadMgmt"),
        attr("shutOffDateTime", "dateTime"),
        attr("signDate", "date"),
        compound("status", "Status"),
        compound("validityInterval", "DateTimeInterval"),
        ref("Customer", "Customer"),
        ref("CustomerAccount", "CustomerAccount"),
        NAMES,
        _known("PricingStructures", "PricingStructure", max=None),
        _known("ServiceCategory", "ServiceCategory"),
        _known("ServiceLocations", "ServiceLocation", max=None),
        _known("ServiceSupplier", "ServiceSupplier", min=1),
        _known("UsagePoints", "UsagePoint", max=None),
    ),
    DATETIME_INTERVAL,
    cls(
        "Person",
        attr("mRID"),
        compound("electronicAddress", "ElectronicAddress"),
        attr("firstName"),
        compound("landlinePhone", "TelephoneNumber"),
        attr("lastName"),
        attr("mName"),
        compound("mobilePhone", "TelephoneNumber"),
        attr("prefix"),
        attr("specialNeed"),
        attr("suffix"),
        NAMES,
    ),
    cls("Priority", attr("justification"), attr("rank", "integer"), attr("type")),
)

CUSTOMER_CONFIG = Profile(
    name="CustomerConfig",
    version="1.0",
    namespace=NAMESPACE,
    root_element="CustomerConfig",
    root_class="Customer",
    root=root(
        "CustomerConfig",
        nested("Customer", "Customer"),
        nested("CustomerAccount", "CustomerAccount"),
        nested("CustomerAgreement", "CustomerAgreement"),
    ),
    classes={c.name: c for c in _CLASSES},
)
"""CustomerConfig 1.0 in ``http://iec.ch/TC57/2011/CustomerConfig#`` (no reference XSD)."""

__all__ = ["CUSTOMER_CONFIG", "MRID_REQUIRED", "NAMESPACE"]
