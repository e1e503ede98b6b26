"""CustomerConfig and Assets refuse hostile or invalid XML and JSON with the element's path: wrong
namespace, unknown or CIM100-only elements, bad literals and values, references written wrong,
more than allowed, missing required members and references that name nothing."""

from __future__ import annotations

import pytest

from cim.errors import PayloadError, SchemaViolation
from cim.profiles import ASSETS, CUSTOMER_CONFIG, Profile, check, from_json, from_xml, to_xml
from cim.profiles.samples_customers import pole_transformer, residential_customer

CUSTOMER = "/CustomerConfig/Customer[1]"
ACCOUNT = "/CustomerConfig/CustomerAccount[1]"
AGREEMENT = "/CustomerConfig/CustomerAgreement[1]"
ASSET = "/Assets/Asset[1]"
MODEL = "/Assets/ProductAssetModel[1]"
_CC = to_xml(CUSTOMER_CONFIG, residential_customer())
_AS = to_xml(ASSETS, pole_transformer())
_SUPPLIER = b'<m:ServiceSupplier ref="utility"/>'


def _mutate(data: bytes, old: bytes, new: bytes) -> bytes:
    assert old in data, old
    return data.replace(old, new, 1)


def _cc(old: bytes, new: bytes) -> tuple[Profile, bytes]:
    return CUSTOMER_CONFIG, _mutate(_CC, old, new)


def _as(old: bytes, new: bytes) -> tuple[Profile, bytes]:
    return ASSETS, _mutate(_AS, old, new)


@pytest.mark.parametrize(
    ("case", "error", "path"),
    [
        (_cc(b"2011/CustomerConfig#", b"2011/CustomerConfigs#"), PayloadError, "/CustomerConfig"),
        (_as(b"2011/Assets#", b"2011/CustomerConfig#"), PayloadError, "/Assets"),
        (_cc(b"<m:locale>", b"<m:colour/><m:locale>"), PayloadError, f"{CUSTOMER}/colour"),
        (_cc(b"<m:locale>", b"<m:vip>true</m:vip><m:locale>"), PayloadError, f"{CUSTOMER}/vip"),
        (
            _cc(b"<m:email1>", b"<m:password>x</m:password><m:email1>"),
            PayloadError,
            f"{CUSTOMER}/Person[1]/electronicAddress/password",
        ),
        (_cc(b">2025-12-22<", b">2026-02-30<"), SchemaViolation, f"{AGREEMENT}/signDate"),
        (_cc(b">residential<", b">household<"), SchemaViolation, f"{CUSTOMER}/kind"),
        (_cc(b">CHF<", b">CHX<"), SchemaViolation, f"{ACCOUNT}/lastBillAmount/unit"),
        (_cc(b">84.35<", b">84,35<"), SchemaViolation, f"{ACCOUNT}/lastBillAmount/value"),
        (_cc(b"<m:rank>1<", b"<m:rank>first<"), SchemaViolation, f"{CUSTOMER}/priority/rank"),
        (_cc(b"<m:Customer ref=", b"<m:Customer x="), PayloadError, f"{ACCOUNT}/Customer"),
        (
            _cc(
                b'<m:ServiceCategory ref="electricity"/>',
                b"<m:ServiceCategory><m:kind/></m:ServiceCategory>",
            ),
            PayloadError,
            f"{AGREEMENT}/ServiceCategory",
        ),
        (
            _cc(_SUPPLIER, _SUPPLIER + _SUPPLIER),
            PayloadError,
            f"{AGREEMENT}/ServiceSupplier",
        ),
        (
            _cc(b"<m:Person>", b"<m:Organisation/><m:Person>"),
            PayloadError,
            f"{CUSTOMER}/Organisation",
        ),
        (_as(b"<m:kind>transformer<", b"<m:kind>pole<"), SchemaViolation, f"{ASSET}/kind"),
        (_as(b">inUse<", b">installed<"), SchemaViolation, f"{ASSET}/inUseState"),
        (_as(b">610.0<", b">heavy<"), SchemaViolation, f"{MODEL}/weightTotal"),
        (
            _as(b"<m:installationDate>2025-12-18<", b"<m:installationDate>2025-12-18T00:00:00<"),
            SchemaViolation,
            f"{ASSET}/lifecycleDate/installationDate",
        ),
        (
            _as(b"<m:readyForUseDate>2025-10-23<", b"<m:readyForUseDate>2025-10-23Z<"),
            SchemaViolation,
            f"{ASSET}/inUseDate/readyForUseDate",
        ),
        (_as(b"<m:Location>", b'<m:Location ref="x">'), PayloadError, f"{ASSET}/Location"),
        (
            _as(b"<m:Manufacturer>", b"<m:Manufacturer><m:colour/>"),
            PayloadError,
            f"{MODEL}/Manufacturer/colour",
        ),
        (
            _as(b"<m:OrganisationRoles ref=", b"<m:OrganisationRoles x="),
            PayloadError,
            f"{ASSET}/OrganisationRoles[1]",
        ),
        (
            _as(b"<m:Names><m:name>T-1187", b"<m:Location/><m:Names><m:name>T-1187"),
            PayloadError,
            f"{ASSET}/Location",
        ),
    ],
)
def test_invalid_xml_names_the_element_path(
    case: tuple[Profile, bytes], error: type[Exception], path: str
) -> None:
    """Each hostile payload fails on reading with the exact error type and element path."""
    profile, data = case
    with pytest.raises(error) as info:
        from_xml(profile, data)
    assert type(info.value) is error
    assert info.value.path == path


@pytest.mark.parametrize(
    ("case", "path", "code"),
    [
        (
            _cc(b"<m:mRID>3f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b0c</m:mRID>", b""),
            f"{CUSTOMER}/mRID",
            "1.8",
        ),
        (_cc(_SUPPLIER, b""), f"{AGREEMENT}/ServiceSupplier", "1.8"),
        (_cc(b"<m:value>84.35</m:value>", b""), f"{ACCOUNT}/lastBillAmount/value", "1.8"),
        (
            _cc(b'<m:CustomerAccount ref="', b'<m:CustomerAccount ref="x'),
            f"{AGREEMENT}/CustomerAccount",
            "2.19",
        ),
        (
            _as(b"<m:yPosition>46.1958</m:yPosition>", b""),
            f"{ASSET}/Location/PositionPoints[1]/yPosition",
            "1.8",
        ),
        (
            _as(b'<m:ProductAssetModel ref="', b'<m:ProductAssetModel ref="x'),
            f"{ASSET}/ProductAssetModel",
            "1.8",
        ),
    ],
    ids=["mRID", "ServiceSupplier", "Money.value", "CustomerAccount", "yPosition", "model"],
)
def test_readable_but_invalid_xml_fails_the_check_with_path_and_code(
    case: tuple[Profile, bytes], path: str, code: str
) -> None:
    """A missing required member or an unresolved reference reads, then fails the profile check."""
    profile, data = case
    with pytest.raises(SchemaViolation) as info:
        check(profile, from_xml(profile, data))
    assert (info.value.path, info.value.code) == (path, code)


@pytest.mark.parametrize(
    ("profile", "data", "error", "path"),
    [
        (CUSTOMER_CONFIG, b'{"Customers":{}}', PayloadError, "/CustomerConfig"),
        (
            CUSTOMER_CONFIG,
            b'{"CustomerConfig":{"Customer":[{"mRID":"c","vip":true}]}}',
            PayloadError,
            f"{CUSTOMER}/vip",
        ),
        (
            CUSTOMER_CONFIG,
            b'{"CustomerConfig":{"Customer":[{"kind":"household"}]}}',
            SchemaViolation,
            f"{CUSTOMER}/kind",
        ),
        (
            CUSTOMER_CONFIG,
            b'{"CustomerConfig":{"CustomerAccount":[{"lastBillAmount":{"value":84.35}}]}}',
            SchemaViolation,
            f"{ACCOUNT}/lastBillAmount/value",
        ),
        (
            CUSTOMER_CONFIG,
            b'{"CustomerConfig":{"CustomerAgreement":[{"signDate":"2026-02-30"}]}}',
            SchemaViolation,
            f"{AGREEMENT}/signDate",
        ),
        (
            CUSTOMER_CONFIG,
            b'{"CustomerConfig":{"CustomerAgreement":[{"Customer":"c"}]}}',
            PayloadError,
            f"{AGREEMENT}/Customer",
        ),
        (
            CUSTOMER_CONFIG,
            b'{"CustomerConfig":{"CustomerAgreement":[{"UsagePoints":{"ref":"u"}}]}}',
            PayloadError,
            f"{AGREEMENT}/UsagePoints",
        ),
        (
            ASSETS,
            b'{"Assets":{"Asset":[{"lifecycleState":"installed"}]}}',
            SchemaViolation,
            f"{ASSET}/lifecycleState",
        ),
        (
            ASSETS,
            b'{"Assets":{"Asset":[{"lifecycleDate":{"installationDate":"2026-01-01T00:00:00"}}]}}',
            SchemaViolation,
            f"{ASSET}/lifecycleDate/installationDate",
        ),
        (
            ASSETS,
            b'{"Assets":{"Asset":[{"inUseDate":{"inUseDate":20251218}}]}}',
            SchemaViolation,
            f"{ASSET}/inUseDate/inUseDate",
        ),
        (
            ASSETS,
            b'{"Assets":{"Asset":[{"inUseDate":"2025-12-18"}]}}',
            PayloadError,
            f"{ASSET}/inUseDate",
        ),
        (
            ASSETS,
            b'{"Assets":{"Asset":[{"Location":{"PositionPoints":[{"groupNumber":"1"}]}}]}}',
            SchemaViolation,
            f"{ASSET}/Location/PositionPoints[1]/groupNumber",
        ),
        (
            ASSETS,
            b'{"Assets":{"ProductAssetModel":[{"Manufacturer":[{"mRID":"m"}]}]}}',
            PayloadError,
            f"{MODEL}/Manufacturer",
        ),
    ],
)
def test_invalid_json_names_the_element_path(
    profile: Profile, data: bytes, error: type[Exception], path: str
) -> None:
    """Wrong root, unknown keys, bad literals, JSON types and shapes fail with the element path."""
    with pytest.raises(error) as info:
        from_json(profile, data)
    assert type(info.value) is error
    assert info.value.path == path
