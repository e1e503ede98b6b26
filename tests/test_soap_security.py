"""SOAP gateway security: WS-Security UsernameToken (text and digest), freshness and replay,
authorisation by noun and verb, credentials files, and TLS with a certificate made in the test."""

from __future__ import annotations

import base64
import hashlib
import ssl
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree
from zeep.wsse.username import UsernameToken as ZeepToken

import bus.envelope as env
from bus.routing import request_bindings, request_queue
from bus.soap.app import SoapConfig
from bus.soap.http import Tls
from bus.soap.wssecurity import (
    Authenticator,
    Credentials,
    UsernameToken,
    find_token,
    password_digest,
    security_header,
)
from bus.transport.base import Delivery
from cim.errors import AuthenticationFailed, AuthenticationRequired, ConfigurationError

from soapserver import (  # noqa: F401 (fixtures)
    memory_bus_fixture,
    post,
    self_signed_cert,
    soap_envelope,
    soap_server_fixture,
)

NOW = datetime(2026, 3, 18, 7, 0, tzinfo=UTC)
CREDENTIALS = Credentials.from_mapping(
    {
        "users": {
            "cis": {"password": "s3cret", "source": "CIS"},
            "gis": {"password": "gis-pw", "nouns": ["UsagePoint*"], "verbs": ["get"]},
        }
    }
)


def stamp(when: datetime = NOW) -> str:
    """xs:dateTime text for ``when``."""
    return when.isoformat(timespec="seconds").replace("+00:00", "Z")


def authenticator(now: datetime = NOW) -> Authenticator:
    """An authenticator whose clock says ``now``."""
    return Authenticator(CREDENTIALS, clock=lambda: now)


def envelope_with(header: bytes) -> etree._Element:
    """A parsed SOAP envelope whose Header holds ``header``."""
    return env.parse_xml(soap_envelope(b"<x/>", header=header))


# --- the token, without HTTP -----------------------------------------------------------------


def test_digest_is_base64_sha1_of_nonce_created_password():
    """PasswordDigest = Base64(SHA-1(nonce + created + password))."""
    expected = base64.b64encode(
        hashlib.sha1(b"\x01\x02" + b"2026-03-18T07:00:00Z" + b"pw").digest()
    )
    assert password_digest("pw", b"\x01\x02", "2026-03-18T07:00:00Z") == expected.decode()


@pytest.mark.parametrize("digest", [True, False])
def test_text_and_digest_tokens_are_accepted(digest):
    """A fresh token with the right password proves its username."""
    header = security_header("cis", "s3cret", digest=digest, created=stamp())
    assert authenticator().authenticate(envelope_with(header)) == "cis"


@pytest.mark.parametrize("digest", [True, False])
def test_tokens_made_by_zeep_are_accepted(digest):
    """zeep's UsernameToken (a real client's) is understood, text and digest."""
    root = env.parse_xml(soap_envelope(b"<x/>"))
    token = ZeepToken("cis", "s3cret", use_digest=digest)
    token.apply(root, {})
    assert Authenticator(CREDENTIALS).authenticate(root) == "cis"


def test_missing_token_is_7_2():
    """No Security header at all: authentication required."""
    with pytest.raises(AuthenticationRequired) as err:
        authenticator().authenticate(envelope_with(b""))
    assert err.value.code == "7.2"


@pytest.mark.parametrize(
    ("user", "password", "digest"),
    [
        ("cis", "wrong", True),
        ("cis", "wrong", False),
        ("nobody", "s3cret", True),
        ("CIS", "s3cret", False),
    ],
)
def test_wrong_credentials_are_7_4(user, password, digest):
    """A wrong password or unknown user fails with 7.4 and does not say which."""
    header = security_header(user, password, digest=digest, created=stamp())
    with pytest.raises(AuthenticationFailed, match="wrong username or password") as err:
        authenticator().authenticate(envelope_with(header))
    assert err.value.code == "7.4"


def test_replayed_nonce_is_7_4():
    """The same nonce twice within the window is a replay."""
    auth = authenticator()
    header = security_header("cis", "s3cret", nonce=b"n" * 16, created=stamp())
    auth.authenticate(envelope_with(header))
    with pytest.raises(AuthenticationFailed, match="replay"):
        auth.authenticate(envelope_with(header))


def test_nonce_is_forgotten_after_the_window():
    """A nonce older than the window no longer blocks (its Created would be stale anyway)."""
    seen = {"now": NOW}
    auth = Authenticator(CREDENTIALS, clock=lambda: seen["now"])
    auth.authenticate(envelope_with(security_header("cis", "s3cret", nonce=b"a", created=stamp())))
    seen["now"] = NOW + timedelta(minutes=6)
    later = security_header("cis", "s3cret", nonce=b"a", created=stamp(seen["now"]))
    assert auth.authenticate(envelope_with(later)) == "cis"


@pytest.mark.parametrize("offset", [timedelta(minutes=-6), timedelta(minutes=6)])
def test_stale_or_future_created_is_7_4(offset):
    """A Created more than the window away from now is refused."""
    header = security_header("cis", "s3cret", created=stamp(NOW + offset))
    with pytest.raises(AuthenticationFailed, match="outside"):
        authenticator().authenticate(envelope_with(header))


def test_malformed_tokens_are_7_4():
    """Digest without nonce, bad base64, unknown Type, two tokens: 7.4 with a reason."""
    auth = authenticator()
    with pytest.raises(AuthenticationFailed, match="Nonce and a Created"):
        auth.check(UsernameToken("cis", "x", digest=True, created=stamp()))
    good = security_header("cis", "s3cret", created=stamp())
    cases = {
        "not valid base64": good.replace(b'Base64Binary">', b'Base64Binary">***', 1),
        "unsupported password Type": good.replace(b"#PasswordDigest", b"#PasswordSHA256"),
        "more than one": good.replace(b"</wsse:Security>", b"")
        + good.split(b">", 1)[1].replace(b"<wsse:Security", b""),
        "Username and a Password": good.replace(b"wsse:Password", b"wsse:Secret"),
        "not an xs:dateTime": good.replace(stamp().encode(), b"yesterday"),
    }
    for reason, header in cases.items():
        with pytest.raises(AuthenticationFailed, match=reason):
            find_token(envelope_with(header)) and auth.authenticate(envelope_with(header))


def test_credentials_from_toml_with_password_from_the_environment(tmp_path):
    """A TOML users file; password_env reads the password from the named variable."""
    path = tmp_path / "users.toml"
    path.write_text(
        'window_seconds = 60\n[users.cis]\npassword_env = "CIS_PW"\nsource = "CIS"\n'
        'verbs = ["get", "created"]\nnouns = ["MeterReadings"]\n'
    )
    creds = Credentials.from_toml(path, environ={"CIS_PW": "from-env"})
    assert creds.accounts["cis"].password == "from-env"
    assert creds.window == timedelta(seconds=60)
    assert creds.sender("cis") == "CIS"
    assert len(creds.policy.rules) == 2
    assert "from-env" not in repr(creds)
    with pytest.raises(ConfigurationError, match="CIS_PW"):
        Credentials.from_toml(path, environ={})


@pytest.mark.parametrize(
    ("config", "reason"),
    [
        ({"users": {}}, "users"),
        ({"users": {"a": {"password": "x", "role": "admin"}}}, "role"),
        ({"users": {"a": {}}}, "password"),
        ({"users": {"a": {"password": "x", "nouns": "Meter"}}}, "list"),
        ({"users": {"a": {"password": "x"}}, "ttl": 5}, "ttl"),
    ],
)
def test_bad_credentials_config_is_refused(config, reason):
    """Unknown keys and missing passwords are configuration errors naming the setting."""
    with pytest.raises(ConfigurationError, match=reason):
        Credentials.from_mapping(config)


# --- over HTTP -------------------------------------------------------------------------------


@pytest.fixture
def secured(memory_bus, soap_server):
    """A gateway requiring credentials, in front of UsagePointConfig and MeterReadings."""
    seen: list[env.Message] = []

    def handle(delivery: Delivery) -> env.Message:
        seen.append(delivery.message)
        return env.reply_to(delivery.message)  # type: ignore[arg-type]

    for noun in ("UsagePointConfig", "MeterReadings"):
        memory_bus.subscribe(request_queue(noun), request_bindings(noun), handle)
    running = soap_server(memory_bus, SoapConfig(credentials=CREDENTIALS, timeout=5))
    running.seen = seen  # type: ignore[attr-defined]
    return running


def call(url: str, message: env.Message, header: bytes = b"", **kw: object):
    """POST ``message`` (typed) with a SOAP Header."""
    return post(
        url,
        soap_envelope(env.encode_xml(message, form="typed", declaration=False), header=header),
        **kw,
    )  # type: ignore[arg-type]


def get_request(noun: str = "UsagePointConfig", verb: str = "get", source: str | None = "CIS"):
    """A request of ``verb`` ``noun`` from ``source``."""
    return env.RequestMessage(env.make_header(verb, noun, source=source))


def outcome(reply) -> tuple[str, str | None]:
    """(result, first error code) of a ResponseMessage reply."""
    assert reply.status == 200, reply.body
    message = reply.message()
    assert isinstance(message, env.ResponseMessage)
    return message.reply.result.value, (
        message.reply.errors[0].code if message.reply.errors else None
    )


@pytest.mark.parametrize("digest", [True, False])
def test_valid_token_is_served(secured, digest):
    """Text and digest tokens over HTTP: the request reaches the bus and is answered OK."""
    req = get_request()
    reply = call(secured.url, req, security_header("cis", "s3cret", digest=digest))
    assert outcome(reply) == ("OK", None)
    assert secured.seen[0].header.message_id == req.header.message_id


def test_zeep_token_over_http_is_served(secured):
    """A zeep-signed envelope is accepted end to end."""
    root = env.parse_xml(
        soap_envelope(env.encode_xml(get_request(), form="typed", declaration=False))
    )
    ZeepToken("cis", "s3cret", use_digest=True).apply(root, {})
    assert outcome(post(secured.url, etree.tostring(root))) == ("OK", None)


def test_missing_token_is_failed_7_2_and_nothing_reaches_the_bus(secured):
    """No token: FAILED 7.2 correlated to the request; the adapter never sees it."""
    req = get_request()
    reply = call(secured.url, req)
    assert outcome(reply) == ("FAILED", "7.2")
    assert reply.message().header.correlation_id == req.header.message_id  # type: ignore[union-attr]
    assert secured.seen == []


def test_missing_token_on_an_unreadable_message_is_a_fault_7_2(secured):
    """No token and a body that cannot be read: a SOAP Fault with 7.2 (security speaks first)."""
    reply = post(secured.url, soap_envelope(b"<x:What xmlns:x='urn:x'/>"))
    assert reply.status == 500
    fault = reply.message()
    assert isinstance(fault, env.FaultMessage) and fault.reply.errors[0].code == "7.2"


def test_wrong_password_is_failed_7_4(secured):
    """A wrong password: FAILED 7.4."""
    reply = call(secured.url, get_request(), security_header("cis", "guess"))
    assert outcome(reply) == ("FAILED", "7.4")
    assert secured.seen == []


def test_replayed_token_is_failed_7_4(secured):
    """The same signed envelope sent twice: the second is a replay (7.4)."""
    body = soap_envelope(
        env.encode_xml(get_request(), form="typed", declaration=False),
        header=security_header("cis", "s3cret"),
    )
    assert outcome(post(secured.url, body)) == ("OK", None)
    assert outcome(post(secured.url, body)) == ("FAILED", "7.4")


def test_stale_token_is_failed_7_4(secured):
    """A token created ten minutes ago is stale (7.4)."""
    old = stamp(datetime.now(UTC) - timedelta(minutes=10))
    reply = call(secured.url, get_request(), security_header("cis", "s3cret", created=old))
    assert outcome(reply) == ("FAILED", "7.4")


def test_forbidden_noun_and_verb_are_failed_7_5(secured):
    """gis may get UsagePoint* only: MeterReadings or a create is FAILED 7.5."""
    token = security_header
    noun = call(secured.url, get_request("MeterReadings", source=None), token("gis", "gis-pw"))
    assert outcome(noun) == ("FAILED", "7.5")
    verb = call(secured.url, get_request(verb="create", source=None), token("gis", "gis-pw"))
    assert outcome(verb) == ("FAILED", "7.5")
    allowed = call(secured.url, get_request(source=None), token("gis", "gis-pw"))
    assert outcome(allowed) == ("OK", None)


def test_missing_source_is_filled_with_the_callers(secured):
    """A request without Source goes on the bus as the authenticated caller's Source."""
    call(secured.url, get_request(source=None), security_header("cis", "s3cret"))
    assert secured.seen[0].header.source == "CIS"


def test_source_of_another_system_is_failed_7_4(secured):
    """An authenticated caller may not send as another system's Source."""
    reply = call(secured.url, get_request(source="OMS"), security_header("cis", "s3cret"))
    assert outcome(reply) == ("FAILED", "7.4")


# --- TLS -------------------------------------------------------------------------------------


def test_tls_serves_https_verified_against_its_certificate(tmp_path: Path, memory_bus, soap_server):
    """With a certificate configured the endpoint is https, verifiable with that certificate."""
    cert, key = self_signed_cert(tmp_path)
    memory_bus.subscribe(
        request_queue("MeterReadings"),
        request_bindings("MeterReadings"),
        lambda d: env.reply_to(d.message),  # type: ignore[arg-type]
    )
    running = soap_server(
        memory_bus, SoapConfig(credentials=CREDENTIALS), tls=Tls(cert=cert, key=key)
    )
    assert running.url.startswith("https://127.0.0.1:")
    context = ssl.create_default_context(cafile=str(cert))
    req = get_request("MeterReadings")
    reply = call(running.url, req, security_header("cis", "s3cret", digest=False), context=context)
    assert outcome(reply) == ("OK", None)
    # an unverified client (default trust store) refuses the self-signed certificate
    with pytest.raises(ssl.SSLError):
        call(
            running.url, req, security_header("cis", "s3cret"), context=ssl.create_default_context()
        )
    # and the server goes on serving after the failed handshake
    again = call(
        running.url, get_request("MeterReadings"), security_header("cis", "s3cret"), context=context
    )
    assert outcome(again) == ("OK", None)
