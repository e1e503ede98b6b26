"""Example payloads of the designed CustomerConfig and Assets profiles."""

from __future__ import annotations

import datetime as _dt
import decimal

from cim import model as m
from cim.profiles.assets import ASSETS
from cim.profiles.customerconfig import CUSTOMER_CONFIG
from cim.profiles.model import Node, Payload
from cim.profiles.samples import START

CUSTOMER_MRID = "3f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b0c"
ACCOUNT_MRID = "4a3b2c1d-0e9f-4a8b-9c7d-6e5f4a3b2c1d"
AGREEMENT_MRID = "5b4c3d2e-1f0a-4b9c-8d8e-7f6a5b4c3d2e"
SERVICE_LOCATION_MRID = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b"
"""The premises of :func:`cim.profiles.samples.service_location`."""
USAGE_POINT_MRID = "2a3b4c5d-6e7f-4081-9a2b-3c4d5e6f7081"
"""The usage point of :func:`cim.profiles.samples.usage_point`."""

TRANSFORMER_MRID = "8c7d6e5f-4a3b-4c2d-9e1f-0a9b8c7d6e5f"
MODEL_MRID = "9d8e7f6a-5b4c-4d3e-8f2a-1b0c9d8e7f6a"
OWNER_MRID = "0e9f8a7b-6c5d-4e4f-9a3b-2c1d0e9f8a7b"
NAMEPLATE_MRID = "2a1b0c9d-8e7f-4a6b-9c5d-4e3f2a1b0c9d"
"""The nameplate data (a TransformerTankInfo of the network model) of the transformer model."""
POWER_TRANSFORMER_MRID = "1f0a9b8c-7d6e-4f5a-8b4c-3d2e1f0a9b8c"
"""The PowerTransformer of the network model that the transformer asset realises."""


def _names(*names: str) -> tuple[str, tuple[Node, ...]]:
    return ("Names", tuple(Node(m.Name(name=n)) for n in names))


def _organisation(name: str, address: m.StreetAddress) -> tuple[str, tuple[Node, ...]]:
    return ("Organisation", (Node(m.Organisation(streetAddress=address), (_names(name),)),))


def residential_customer(*, start: _dt.datetime = START) -> Payload:
    """A residential customer whose occupant is on life support, with one account and one
    electricity agreement at one service location and usage point."""
    address = m.StreetAddress(
        postalCode="1204",
        streetDetail=m.StreetDetail(name="Rue du Marché", number="12", type="street"),
        townDetail=m.TownDetail(country="CH", name="Genève", stateOrProvince="GE"),
    )
    occupant = Node(
        m.Person(
            firstName="Anne",
            lastName="Muller",
            prefix="Mme",
            mobilePhone=m.TelephoneNumber(countryCode="41", areaCode="79", localNumber="555 01 23"),
            electronicAddress=m.ElectronicAddress(email1="anne.muller@example.ch"),
            specialNeed="home oxygen concentrator",
        )
    )
    customer = Node(
        m.Customer(
            mRID=CUSTOMER_MRID,
            kind=m.CustomerKind.residential,
            locale="fr_CH",
            priority=m.Priority(rank=1, type="lifeSupport", justification="medical certificate"),
            specialNeed="life support",
            status=m.Status(dateTime=start, value="active"),
        ),
        (_names("C-004711"), _organisation("Ménage Muller", address), ("Person", (occupant,))),
    )
    account = Node(
        m.CustomerAccount(
            mRID=ACCOUNT_MRID,
            billingCycle="monthly",
            lastBillAmount=m.Money(unit=m.Currency.CHF, value=decimal.Decimal("84.35")),
            status=m.Status(dateTime=start, value="open"),
            Customer=m.Ref("Customer", CUSTOMER_MRID),
        ),
        (_names("A-000815"),),
    )
    agreement = Node(
        m.CustomerAgreement(
            mRID=AGREEMENT_MRID,
            isPrePay=False,
            signDate=start.date() - _dt.timedelta(days=10),
            validityInterval=m.DateTimeInterval(start=start),
            Customer=m.Ref("Customer", CUSTOMER_MRID),
            CustomerAccount=m.Ref("CustomerAccount", ACCOUNT_MRID),
            PricingStructures=(m.Ref("PricingStructure", "tariff-residential-2026"),),
            ServiceCategory=m.Ref("ServiceCategory", "electricity"),
            ServiceLocations=(m.Ref("ServiceLocation", SERVICE_LOCATION_MRID),),
            ServiceSupplier=m.Ref("ServiceSupplier", "utility"),
            UsagePoints=(m.Ref("UsagePoint", USAGE_POINT_MRID),),
        ),
        (_names("K-2026-0042"),),
    )
    return Payload.of(
        CUSTOMER_CONFIG,
        Customer=[customer],
        CustomerAccount=[account],
        CustomerAgreement=[agreement],
    )


def pole_transformer(*, start: _dt.datetime = START) -> Payload:
    """A pole-mounted 100 kVA distribution transformer in service, with its model and
    manufacturer, its owner and its GPS location, realising one PowerTransformer."""

    def ago(days: int) -> _dt.date:  # ordered, made, received, installed: 120, 95, 70, 14 days
        return start.date() - _dt.timedelta(days=days)

    location = Node(
        m.Location(
            direction="pole P-1187, road side",
            mainAddress=m.StreetAddress(
                streetDetail=m.StreetDetail(name="Route de Chêne"),
                townDetail=m.TownDetail(country="CH", name="Thônex"),
            ),
            type="pole",
        ),
        (
            (
                "CoordinateSystem",
                (
                    Node(
                        m.CoordinateSystem(
                            mRID="7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f",
                            crsUrn="urn:ogc:def:crs:EPSG::4326",
                        )
                    ),
                ),
            ),
            ("PositionPoints", (Node(m.PositionPoint(xPosition="6.2031", yPosition="46.1958")),)),
        ),
    )
    transformer = Node(
        m.Asset(
            mRID=TRANSFORMER_MRID,
            acceptanceTest=m.AcceptanceTest(
                dateTime=start - _dt.timedelta(days=94) + _dt.timedelta(hours=10),
                success=True,
                type="factory",
            ),
            critical=False,
            inUseDate=m.InUseDate(inUseDate=ago(14), readyForUseDate=ago(70)),
            inUseState=m.InUseStateKind.inUse,
            kind=m.AssetKind.transformer,
            lifecycleDate=m.LifecycleDate(
                installationDate=ago(14),
                manufacturedDate=ago(95),
                purchaseDate=ago(120),
                receivedDate=ago(70),
            ),
            lifecycleState=m.AssetLifecycleStateKind.received,
            lotNumber="L2025-17",
            position="pole top",
            purchasePrice=m.Money(unit=m.Currency.CHF, value=decimal.Decimal("8450.00")),
            serialNumber="TX-25-004711",
            status=m.Status(dateTime=start, value="in service"),
            OrganisationRoles=(m.Ref("AssetOrganisationRole", OWNER_MRID),),
            PowerSystemResources=(m.Ref("PowerSystemResource", POWER_TRANSFORMER_MRID),),
            ProductAssetModel=m.Ref("ProductAssetModel", MODEL_MRID),
        ),
        (("Location", (location,)), _names("T-1187")),
    )
    model = Node(
        m.ProductAssetModel(
            mRID=MODEL_MRID,
            catalogueNumber="DT-100-20",
            corporateStandardKind=m.CorporateStandardKind.standard,
            modelNumber="DTMP 100/20",
            usageKind=m.AssetModelUsageKind.distributionOverhead,
            weightTotal=m.Mass(value=610.0),
            AssetInfo=m.Ref("AssetInfo", NAMEPLATE_MRID),
        ),
        (("Manufacturer", (Node(m.Manufacturer(), (_names("Transfo SA"),)),)),),
    )
    owner_address = m.StreetAddress(
        streetDetail=m.StreetDetail(name="Avenue de l'Énergie", number="5"),
        townDetail=m.TownDetail(country="CH", name="Genève"),
    )
    owner = Node(
        m.AssetOwner(mRID=OWNER_MRID),
        (_names("Réseau Léman SA"), _organisation("Réseau Léman SA", owner_address)),
    )
    return Payload.of(ASSETS, Asset=[transformer], AssetOwner=[owner], ProductAssetModel=[model])


__all__ = [
    "ACCOUNT_MRID",
    "AGREEMENT_MRID",
    "CUSTOMER_MRID",
    "MODEL_MRID",
    "NAMEPLATE_MRID",
    "OWNER_MRID",
    "POWER_TRANSFORMER_MRID",
    "SERVICE_LOCATION_MRID",
    "TRANSFORMER_MRID",
    "USAGE_POINT_MRID",
    "pole_transformer",
    "residential_customer",
]
