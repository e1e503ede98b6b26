"""CustomerConfig and Assets (designed, no reference XSD): samples fit the emitted XSD and read
back without loss, dates included; which references must resolve; required members and
cardinalities; hostile XML and JSON fail with the element path."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest
from lxml import etree

import cim.model as cm
from cim.profiles import (
    ASSETS,
    CUSTOMER_CONFIG,
    PROFILES,
    Node,
    Payload,
    Profile,
    from_json,
    from_xml,
    to_json,
    to_xml,
    validate,
)
from cim.profiles.samples_customers import (
    MODEL_MRID,
    pole_transformer,
    residential_customer,
)
from cim.profiles.xsd import XS, profile_xsd

CUSTOMER = "/CustomerConfig/Customer[1]"
ACCOUNT = "/CustomerConfig/CustomerAccount[1]"
AGREEMENT = "/CustomerConfig/CustomerAgreement[1]"
ASSET = "/Assets/Asset[1]"
MODEL = "/Assets/ProductAssetModel[1]"
SAMPLES = pytest.mark.parametrize(
    ("profile", "payload"),
    [(CUSTOMER_CONFIG, residential_customer()), (ASSETS, pole_transformer())],
    ids=["CustomerConfig", "Assets"],
)
_CC = to_xml(CUSTOMER_CONFIG, residential_customer())
_AS = to_xml(ASSETS, pole_transformer())


def _mutate(data: bytes, old: bytes, new: bytes) -> bytes:
    assert old in data, old
    return data.replace(old, new, 1)


def _schema(profile: Profile) -> etree.XMLSchema:
    return etree.XMLSchema(etree.fromstring(profile_xsd(profile)))


def test_profiles_are_registered_by_noun() -> None:
    """PROFILES holds both nouns under their names, in their 2011-style namespaces."""
    assert PROFILES["CustomerConfig"] is CUSTOMER_CONFIG
    assert PROFILES["Assets"] is ASSETS
    assert CUSTOMER_CONFIG.namespace == "http://iec.ch/TC57/2011/CustomerConfig#"
    assert ASSETS.namespace == "http://iec.ch/TC57/2011/Assets#"
    assert (CUSTOMER_CONFIG.root_class, ASSETS.root_class) == ("Customer", "Asset")
    assert [m.element for m in CUSTOMER_CONFIG.root.members] == [
        "Customer",
        "CustomerAccount",
        "CustomerAgreement",
    ]
    assert [m.element for m in ASSETS.root.members] == ["Asset", "AssetOwner", "ProductAssetModel"]


@SAMPLES
def test_sample_fits_the_emitted_xsd_and_reads_back_without_loss(
    profile: Profile, payload: Payload
) -> None:
    """The sample is valid, its XML fits the emitted XSD, and XML and JSON read back equal."""
    assert validate(profile, payload) == ()
    xml = to_xml(profile, payload)
    schema = _schema(profile)
    assert schema.validate(etree.fromstring(xml)), str(schema.error_log)
    assert from_xml(profile, xml) == payload
    doc = to_json(profile, payload)
    assert from_json(profile, doc) == payload
    assert to_xml(profile, from_json(profile, doc)) == xml


@pytest.mark.parametrize(
    ("profile", "data", "old", "new"),
    [
        (CUSTOMER_CONFIG, _CC, b"<m:locale>", b"<m:colour/><m:locale>"),
        (CUSTOMER_CONFIG, _CC, b">residential<", b">household<"),
        (CUSTOMER_CONFIG, _CC, b"<m:mRID>3f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b0c</m:mRID>", b""),
        (CUSTOMER_CONFIG, _CC, b'<m:ServiceSupplier ref="utility"/>', b""),
        (ASSETS, _AS, b">inUse<", b">installed<"),
        (ASSETS, _AS, b"<m:yPosition>46.1958</m:yPosition>", b""),
        (CUSTOMER_CONFIG, _CC, b">2025-12-22<", b">2026-02-30<"),
        (
            ASSETS,
            _AS,
            b"<m:installationDate>2025-12-18<",
            b"<m:installationDate>2026-01-01T00:00:00<",
        ),
    ],
    ids=[
        "unknown",
        "literal",
        "mRID",
        "ServiceSupplier",
        "inUseState",
        "yPosition",
        "signDate",
        "installationDate",
    ],
)
def test_emitted_xsd_refuses_what_the_profile_refuses(
    profile: Profile, data: bytes, old: bytes, new: bytes
) -> None:
    """The emitted XSD refuses an unknown element, a bad literal and a missing required member."""
    assert not _schema(profile).validate(etree.fromstring(_mutate(data, old, new)))


_DATES = [
    (CUSTOMER_CONFIG, "CustomerAgreement", "signDate", "date"),
    (ASSETS, "Asset", "inUseDate", "InUseDate"),
    (ASSETS, "Asset", "lifecycleDate", "LifecycleDate"),
]


@pytest.mark.parametrize(("profile", "cls", "element", "type_"), _DATES)
def test_dates_are_cim100_fields_among_the_attributes_in_name_order(
    profile: Profile, cls: str, element: str, type_: str
) -> None:
    """Each date member is the CIM100 field of its name, among the attributes in name order."""
    pc = profile.cls(cls)
    member = pc.member(element)
    assert member is not None and (member.path, member.type, member.max) == (element, type_, 1)
    assert element in {f.name for f in dataclasses.fields(getattr(cm, pc.cim_class))}
    attributes = [m.element for m in pc.members[1:] if m.kind in ("attribute", "compound", "enum")]
    assert attributes == sorted(attributes, key=str.lower)


@pytest.mark.parametrize("compound", ["InUseDate", "LifecycleDate"])
def test_asset_date_compounds_carry_every_cim100_date(compound: str) -> None:
    """InUseDate and LifecycleDate carry every CIM100 field, each an optional xs:date."""
    pc = ASSETS.cls(compound)
    fields = [f.name for f in dataclasses.fields(getattr(cm, compound))]
    assert [(m.element, m.type, m.min) for m in pc.members] == [(f, "date", 0) for f in fields]


def test_dates_read_back_as_dates_from_xml_and_json() -> None:
    """The sample dates are written yyyy-mm-dd and read back as the same dates."""
    for profile, payload, texts in (
        (CUSTOMER_CONFIG, residential_customer(), [b"<m:signDate>2025-12-22</m:signDate>"]),
        (
            ASSETS,
            pole_transformer(),
            [
                b"<m:inUseDate><m:inUseDate>2025-12-18</m:inUseDate>"
                b"<m:readyForUseDate>2025-10-23</m:readyForUseDate></m:inUseDate>",
                b"<m:installationDate>2025-12-18</m:installationDate>"
                b"<m:manufacturedDate>2025-09-28</m:manufacturedDate>",
            ],
        ),
    ):
        xml = to_xml(profile, payload)
        assert all(t in xml for t in texts)
        assert from_xml(profile, xml) == payload
        assert from_json(profile, to_json(profile, payload)) == payload
    (agreement,) = from_xml(CUSTOMER_CONFIG, _CC).child("CustomerAgreement")
    assert isinstance(agreement.obj, cm.CustomerAgreement)
    assert type(agreement.obj.signDate) is date and agreement.obj.signDate == date(2025, 12, 22)
    (asset,) = from_json(ASSETS, to_json(ASSETS, pole_transformer())).child("Asset")
    assert isinstance(asset.obj, cm.Asset) and asset.obj.lifecycleDate is not None
    assert type(asset.obj.lifecycleDate.installationDate) is date
    assert b'"signDate":"2025-12-22"' in to_json(CUSTOMER_CONFIG, residential_customer())


@pytest.mark.parametrize(
    ("profile", "type_", "dates"),
    [
        (CUSTOMER_CONFIG, "CustomerAgreement", 1),
        (ASSETS, "InUseDate", 3),
        (ASSETS, "LifecycleDate", 6),
    ],
)
def test_the_emitted_xsd_types_the_dates_xs_date(profile: Profile, type_: str, dates: int) -> None:
    """Every date member of the class is an xs:date element in the emitted schema."""
    doc = etree.fromstring(profile_xsd(profile))
    (complex_type,) = doc.findall(f".//xs:complexType[@name='{type_}']", {"xs": XS})
    members = {m.element for m in profile.cls(type_).members if m.type == "date"}
    types = {e.get("name"): e.get("type") for e in complex_type.iter(f"{{{XS}}}element")}
    assert len(members) == dates
    assert {n: types[n] for n in members} == dict.fromkeys(members, "xs:date")


def test_every_asset_date_round_trips_at_the_ends_of_the_calendar() -> None:
    """An asset with all nine dates, years 1 to 9999, fits the XSD and reads back unchanged."""
    lifecycle = cm.LifecycleDate(
        **{
            f.name: date(1, 1, 1) + timedelta(days=400 * i)
            for i, f in enumerate(dataclasses.fields(cm.LifecycleDate))
        }
    )
    in_use = cm.InUseDate(
        inUseDate=date(9999, 12, 31),
        notReadyForUseDate=date(2024, 2, 29),
        readyForUseDate=date(1970, 1, 1),
    )
    asset = cm.Asset(mRID="t", inUseDate=in_use, lifecycleDate=lifecycle)
    payload = Payload.of(ASSETS, Asset=[Node(asset)])
    assert validate(ASSETS, payload) == ()
    xml = to_xml(ASSETS, payload)
    schema = _schema(ASSETS)
    assert schema.validate(etree.fromstring(xml)), str(schema.error_log)
    assert b"<m:inUseDate>9999-12-31</m:inUseDate>" in xml
    assert b"<m:installationDate>0001-01-01</m:installationDate>" in xml
    assert from_xml(ASSETS, xml) == payload
    assert from_json(ASSETS, to_json(ASSETS, payload)) == payload


def test_a_datetime_where_a_date_belongs_is_an_issue() -> None:
    """A datetime in signDate or a lifecycle date is an issue with its path, not a date."""
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    agreement = Node(cm.CustomerAgreement(mRID="g", signDate=moment))
    issues = validate(CUSTOMER_CONFIG, Payload.of(CUSTOMER_CONFIG, CustomerAgreement=[agreement]))
    assert f"{AGREEMENT}/signDate" in {i.path for i in issues}
    asset = cm.Asset(mRID="t", lifecycleDate=cm.LifecycleDate(removalDate=moment))
    issues = validate(ASSETS, Payload.of(ASSETS, Asset=[Node(asset)]))
    assert [i.path for i in issues] == [f"{ASSET}/lifecycleDate/removalDate"]


_BOUNDS = {"1": (1, 1), "0..1": (0, 1), "0..*": (0, None)}


@pytest.mark.parametrize(
    ("profile", "where", "target", "bounds", "resolve"),
    [
        (CUSTOMER_CONFIG, "CustomerAccount.Customer", "Customer", "1", True),
        (CUSTOMER_CONFIG, "CustomerAgreement.Customer", "Customer", "1", True),
        (CUSTOMER_CONFIG, "CustomerAgreement.CustomerAccount", "CustomerAccount", "1", True),
        (CUSTOMER_CONFIG, "CustomerAgreement.ServiceSupplier", "ServiceSupplier", "1", False),
        (CUSTOMER_CONFIG, "CustomerAgreement.ServiceCategory", "ServiceCategory", "0..1", False),
        (CUSTOMER_CONFIG, "CustomerAgreement.ServiceLocations", "ServiceLocation", "0..*", False),
        (CUSTOMER_CONFIG, "CustomerAgreement.UsagePoints", "UsagePoint", "0..*", False),
        (CUSTOMER_CONFIG, "CustomerAgreement.PricingStructures", "PricingStructure", "0..*", False),
        (ASSETS, "Asset.ProductAssetModel", "ProductAssetModel", "0..1", True),
        (ASSETS, "Asset.OrganisationRoles", "AssetOrganisationRole", "0..*", True),
        (ASSETS, "Asset.PowerSystemResources", "PowerSystemResource", "0..*", False),
        (ASSETS, "Asset.AssetInfo", "AssetInfo", "0..1", False),
        (ASSETS, "ProductAssetModel.AssetInfo", "AssetInfo", "0..1", False),
    ],
)
def test_references_are_by_mrid_and_resolve_as_designed(
    profile: Profile, where: str, target: str, bounds: str, resolve: bool
) -> None:
    """Links within the payload must resolve; master and network-model data need not."""
    cls, element = where.split(".")
    m = profile.cls(cls).member(element)
    assert m is not None and m.kind == "reference"
    assert (m.type, (m.min, m.max), m.resolve) == (target, _BOUNDS[bounds], resolve)


@pytest.mark.parametrize(
    ("profile", "cls", "element"),
    [
        (CUSTOMER_CONFIG, "Customer", "Organisation"),
        (CUSTOMER_CONFIG, "Customer", "Person"),
        (ASSETS, "Asset", "Location"),
        (ASSETS, "Location", "CoordinateSystem"),
        (ASSETS, "ProductAssetModel", "Manufacturer"),
        (ASSETS, "AssetOwner", "Organisation"),
    ],
)
def test_what_belongs_to_one_object_is_embedded(profile: Profile, cls: str, element: str) -> None:
    """Who a customer is, an asset's location and a model's manufacturer travel embedded."""
    m = profile.cls(cls).member(element)
    assert m is not None and m.kind == "association"
    fields = {f.name for f in dataclasses.fields(getattr(cm, profile.cls(cls).cim_class))}
    assert element in fields  # named exactly as the CIM100 role


def test_master_data_references_need_not_be_in_the_payload() -> None:
    """The sample agreement names a supplier, category, location, usage point and tariff that the
    payload does not carry, and is valid; the asset names a PowerTransformer and nameplate."""
    agreement = residential_customer().child("CustomerAgreement")[0].obj
    assert agreement.ServiceSupplier is not None and agreement.UsagePoints
    assert validate(CUSTOMER_CONFIG, residential_customer()) == ()
    asset = pole_transformer().child("Asset")[0].obj
    assert asset.PowerSystemResources and validate(ASSETS, pole_transformer()) == ()


def _without(payload: Payload, element: str) -> Payload:
    return Payload(tuple((e, nodes) for e, nodes in payload.children if e != element))


@pytest.mark.parametrize(
    ("profile", "payload", "dropped", "expected"),
    [
        (
            CUSTOMER_CONFIG,
            residential_customer(),
            "Customer",
            {(f"{ACCOUNT}/Customer", "1.8"), (f"{AGREEMENT}/Customer", "1.8")},
        ),
        (
            CUSTOMER_CONFIG,
            residential_customer(),
            "CustomerAccount",
            {(f"{AGREEMENT}/CustomerAccount", "2.19")},
        ),
        (ASSETS, pole_transformer(), "ProductAssetModel", {(f"{ASSET}/ProductAssetModel", "1.8")}),
        (ASSETS, pole_transformer(), "AssetOwner", {(f"{ASSET}/OrganisationRoles[1]", "1.8")}),
    ],
    ids=["Customer", "CustomerAccount", "ProductAssetModel", "AssetOwner"],
)
def test_unresolved_references_are_issues_with_path_and_code(
    profile: Profile, payload: Payload, dropped: str, expected: set[tuple[str, str]]
) -> None:
    """Dropping a referenced list leaves references that name nothing in the payload."""
    issues = validate(profile, _without(payload, dropped))
    assert {(i.path, i.code) for i in issues} == expected


def test_an_owner_reference_must_name_an_organisation_role() -> None:
    """OrganisationRoles naming the model's mRID does not resolve: a model is not a role."""
    asset = pole_transformer().child("Asset")[0]
    wrong = dataclasses.replace(
        asset.obj, OrganisationRoles=(cm.Ref("AssetOrganisationRole", MODEL_MRID),)
    )
    payload = Payload(
        tuple(
            (e, (Node(wrong, asset.children),) if e == "Asset" else nodes)
            for e, nodes in pole_transformer().children
        )
    )
    assert [i.path for i in validate(ASSETS, payload)] == [f"{ASSET}/OrganisationRoles[1]"]


def test_missing_required_members_are_issues() -> None:
    """Objects without mRID, required references, Money without value or a position without y
    are reported with their paths."""
    customer = Node(cm.Customer(), (("Names", (Node(cm.Name()),)),))
    account = Node(cm.CustomerAccount(mRID="a", lastBillAmount=cm.Money(unit=cm.Currency.EUR)))
    agreement = Node(cm.CustomerAgreement(mRID="g"))
    payload = Payload.of(
        CUSTOMER_CONFIG,
        Customer=[customer],
        CustomerAccount=[account],
        CustomerAgreement=[agreement],
    )
    assert {i.path for i in validate(CUSTOMER_CONFIG, payload)} == {
        f"{CUSTOMER}/mRID",
        f"{CUSTOMER}/Names[1]/name",
        f"{ACCOUNT}/lastBillAmount/value",
        f"{ACCOUNT}/Customer",
        f"{AGREEMENT}/Customer",
        f"{AGREEMENT}/CustomerAccount",
        f"{AGREEMENT}/ServiceSupplier",
    }
    location = Node(cm.Location(), (("PositionPoints", (Node(cm.PositionPoint(xPosition="6")),)),))
    assets = Payload.of(
        ASSETS,
        Asset=[Node(cm.Asset(), (("Location", (location,)),))],
        AssetOwner=[Node(cm.AssetOwner())],
        ProductAssetModel=[Node(cm.ProductAssetModel())],
    )
    assert {i.path for i in validate(ASSETS, assets)} == {
        f"{ASSET}/mRID",
        f"{ASSET}/Location/PositionPoints[1]/yPosition",
        "/Assets/AssetOwner[1]/mRID",
        f"{MODEL}/mRID",
    }


def test_at_most_one_organisation_and_location_are_issues_beyond() -> None:
    """A customer with two Organisations and an asset with two Locations break cardinality."""
    org = Node(cm.Organisation())
    customer = Node(cm.Customer(mRID="c"), (("Organisation", (org, org)),))
    issues = validate(CUSTOMER_CONFIG, Payload.of(CUSTOMER_CONFIG, Customer=[customer]))
    assert [i.path for i in issues] == [f"{CUSTOMER}/Organisation"]
    place = Node(cm.Location())
    asset = Node(cm.Asset(mRID="t"), (("Location", (place, place)),))
    issues = validate(ASSETS, Payload.of(ASSETS, Asset=[asset]))
    assert [i.path for i in issues] == [f"{ASSET}/Location"]
