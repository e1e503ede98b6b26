"""The SOAP client against a real partner service on loopback (cheroot), no network.

The partner (``soap_partner.Partner``) has canned answers per soapAction: it records every
request, and can answer 503, hang past the client's timeout, a Fault, a DTD or an HTML page.
"""

from __future__ import annotations

import base64
import hashlib
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cheroot import wsgi
from conftest import SHARED_DATA, require_corpus
from lxml import etree
from structlog.testing import capture_logs

import bus.envelope as env
from bus.soap.breaker import Breakers, State
from bus.soap.client import ClientCredentials, HttpPolicy, SoapClient
from bus.transport.amqp_link import Backoff
from cim.errors import (
    AuthenticationFailed,
    ConfigurationError,
    InvalidNoun,
    MalformedMessage,
    OversizeMessage,
    RequestTimeout,
    SchemaViolation,
    TransportError,
)

from soap_partner import (
    CIM,
    DTD,
    FAULT,
    HTML_500,
    SOAP,
    TNS,
    UNAVAILABLE,
    UPC,
    UPC_MSG,
    WSDL,
    WSSE,
    WSU,
    Answer,
    Partner,
    Server,
    soap,
)

FAST = HttpPolicy(timeout=2.0, retries=2, backoff=Backoff(first=0.01, maximum=0.05))


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[Server, str]]:
    """One running server for the module (stopping one takes half a second)."""
    app = Server()
    httpd = wsgi.Server(("127.0.0.1", 0), app, numthreads=8, shutdown_timeout=1)
    httpd.prepare()
    thread = threading.Thread(target=httpd.serve, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{httpd.bind_addr[1]}/soap"
    httpd.stop()
    thread.join(5)


@pytest.fixture
def partner(server: tuple[Server, str]) -> Iterator[Partner]:
    """A fresh partner service (no calls, no script) behind the running server."""
    app, url = server
    app.partner = Partner()
    app.partner.url = url
    yield app.partner
    app.partner.release.set()


@pytest.fixture
def wsdl(tmp_path: Path) -> Path:
    """The partner's WSDL, kept locally."""
    path = tmp_path / "partner.wsdl"
    path.write_text(WSDL)
    return path


def header(message_id: str = "m-1") -> dict[str, str]:
    """An IEC-like Header as zeep takes it."""
    return {"Verb": "create", "Noun": "Gizmo", "MessageID": message_id}


def gizmo(n: int = 1) -> etree._Element:
    """A CIM-like payload element."""
    return etree.fromstring(f'<c:Gizmo xmlns:c="{CIM}"><c:mRID>g-{n}</c:mRID></c:Gizmo>')


def client(wsdl: Path, partner: Partner, **kw: Any) -> SoapClient:
    """A client of the partner's WSDL at the partner's loopback URL."""
    kw.setdefault("policy", FAST)
    return SoapClient(wsdl, endpoint=partner.url, **kw)


def test_call_sends_and_returns_payloads_as_lxml_elements(wsdl: Path, partner: Partner):
    """xs:any payload goes out as the element given and comes back as an lxml element."""
    with client(wsdl, partner) as c:
        result = c.call("Echo", Header=header(), Payload={"_value_1": [gizmo(7)]})
    assert c.operations == ("Echo", "Publish") and partner.calls(f"{TNS}/Echo") == 1
    sent = partner.received[0].root
    assert sent.findtext(f".//{{{CIM}}}mRID") == "g-7"
    assert result.Header.MessageID == "m-1"
    (element,) = result.Payload._value_1
    assert isinstance(element, etree._Element)
    assert element.tag == f"{{{CIM}}}Gizmo" and element.findtext(f"{{{CIM}}}mRID") == "g-7"


def test_an_element_given_for_a_slot_becomes_its_content(wsdl: Path, partner: Partner):
    """Payload=<element> is put into the Payload's xs:any, not rendered as an empty Payload."""
    with client(wsdl, partner) as c:
        result = c.call("Publish", header(), gizmo(3))
    assert partner.received[0].root.findtext(f".//{{{CIM}}}mRID") == "g-3"
    assert result.Payload._value_1[0].findtext(f"{{{CIM}}}mRID") == "g-3"


@pytest.mark.parametrize("digest", [False, True])
def test_username_token_is_in_the_sent_header(wsdl: Path, partner: Partner, digest: bool):
    """The WS-Security header carries the user and the password as text or a valid digest."""
    creds = ClientCredentials(username="alice", password="s3cret", digest=digest)
    with client(wsdl, partner, credentials=creds) as c:
        c.call("Echo", Header=header())
    token = partner.received[0].root.find(
        f"{{{SOAP}}}Header/{{{WSSE}}}Security/{{{WSSE}}}UsernameToken"
    )
    assert token is not None and token.findtext(f"{{{WSSE}}}Username") == "alice"
    password = token.find(f"{{{WSSE}}}Password")
    assert password is not None
    if not digest:
        assert password.get("Type", "").endswith("#PasswordText") and password.text == "s3cret"
        return
    assert password.get("Type", "").endswith("#PasswordDigest")
    nonce = base64.b64decode(token.findtext(f"{{{WSSE}}}Nonce") or "")
    created = token.findtext(f"{{{WSU}}}Created") or ""
    assert created.endswith("Z") and len(nonce) == 16
    expected = base64.b64encode(hashlib.sha1(nonce + created.encode() + b"s3cret").digest())
    assert password.text == expected.decode()
    assert "s3cret" not in repr(creds)


def test_transient_503_is_retried_then_succeeds(wsdl: Path, partner: Partner):
    """Two 503 answers, then the echo: three calls, one result, each retry logged."""
    partner.answer(f"{TNS}/Echo", UNAVAILABLE, UNAVAILABLE)
    with capture_logs() as logs, client(wsdl, partner) as c:
        result = c.call("Echo", Header=header("m-503"))
    assert result.Header.MessageID == "m-503" and partner.calls() == 3
    retries = [e for e in logs if e["event"] == "soap call retrying"]
    assert [e["attempt"] for e in retries] == [1, 2]
    assert all(e["message_id"] == "m-503" and e["code"] == "5.3" for e in retries)
    (done,) = [e for e in logs if e["event"] == "soap call"]
    assert done["attempt"] == 3 and done["operation"] == "Echo" and done["elapsed"] >= 0


def test_retry_after_is_honoured_up_to_the_backoff_maximum(wsdl: Path, partner: Partner):
    """A 429 with Retry-After waits that long (capped at the backoff's maximum)."""
    partner.answer(f"{TNS}/Echo", Answer("429 Too Many Requests", b"", (("Retry-After", "7"),)))
    with capture_logs() as logs, client(wsdl, partner) as c:
        c.call("Echo", Header=header())
    (retry,) = [e for e in logs if e["event"] == "soap call retrying"]
    assert retry["delay"] == 0.05 and partner.calls() == 2


def test_fault_is_not_retried_and_keeps_its_iec_code(wsdl: Path, partner: Partner):
    """A SOAP Fault is one call, translated to the class of its IEC code with its text."""
    partner.answer(f"{TNS}/Echo", Answer("500 Internal Server Error", FAULT))
    with capture_logs() as logs, client(wsdl, partner) as c, pytest.raises(InvalidNoun) as caught:
        c.call("Echo", Header=header("m-fault"))
    assert partner.calls() == 1
    assert caught.value.code == "2.5"
    assert "noun not served" in caught.value.reason and "no such noun: Gizmo" in caught.value.reason
    assert c.breakers.for_url(partner.url).failures == 0  # the partner answered
    (failed,) = [e for e in logs if e["event"] == "soap call failed"]
    assert failed["message_id"] == "m-fault" and failed["code"] == "2.5"


def test_timeout_is_retried_then_request_timeout(wsdl: Path, partner: Partner):
    """A partner that hangs: every attempt times out, then RequestTimeout (4.1)."""
    hang = Answer(hang=True)
    partner.answer(f"{TNS}/Echo", hang, hang)
    policy = HttpPolicy(timeout=0.3, retries=1, backoff=Backoff(first=0.01, maximum=0.01))
    with client(wsdl, partner, policy=policy) as c, pytest.raises(RequestTimeout) as caught:
        c.call("Echo", Header=header("m-slow"))
    assert partner.calls() == 2
    assert caught.value.code == "4.1" and caught.value.message_id == "m-slow"
    assert "within 0.3 s" in caught.value.reason


def test_connection_refused_is_a_transport_error(wsdl: Path):
    """Nothing listens at the endpoint: retried, then TransportError (5.3) with advice."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/soap"
    with (
        capture_logs() as logs,
        SoapClient(wsdl, endpoint=url, policy=FAST) as c,
        pytest.raises(TransportError) as caught,
    ):
        c.call("Echo", Header=header())
    assert type(caught.value) is TransportError and caught.value.code == "5.3"
    assert "cannot connect" in caught.value.reason and "check the endpoint" in caught.value.reason
    assert [e["attempt"] for e in logs if e["event"] == "soap call retrying"] == [1, 2]


def test_html_500_is_a_transport_error_not_retried(wsdl: Path, partner: Partner):
    """An HTML error page is one call, a TransportError quoting it, a failure for the breaker."""
    partner.answer(f"{TNS}/Echo", HTML_500)
    with client(wsdl, partner) as c, pytest.raises(TransportError) as caught:
        c.call("Echo", Header=header())
    assert partner.calls() == 1 and "HTTP 500" in caught.value.reason
    assert "Oops" in caught.value.reason
    assert c.breakers.for_url(partner.url).failures == 1


def test_http_401_is_an_authentication_failure(wsdl: Path, partner: Partner):
    """HTTP 401 without a SOAP answer is AuthenticationFailed (7.4), not retried."""
    partner.answer(f"{TNS}/Echo", Answer("401 Unauthorized", b"who are you"))
    with client(wsdl, partner) as c, pytest.raises(AuthenticationFailed):
        c.call("Echo", Header=header())
    assert partner.calls() == 1


@pytest.mark.parametrize("body", [DTD, DTD.replace(b"&boom;", b"create")], ids=["entity", "dtd"])
def test_dtd_or_entity_in_the_answer_is_refused(wsdl: Path, partner: Partner, body: bytes):
    """An answer with a DTD (with or without an entity) is MalformedMessage (1.8), one call."""
    partner.answer(f"{TNS}/Echo", Answer(body=body, headers=(("Content-Type", "text/xml"),)))
    with client(wsdl, partner) as c, pytest.raises(MalformedMessage) as caught:
        c.call("Echo", Header=header())
    assert partner.calls() == 1 and caught.value.code == "1.8"
    assert "DTD" in caught.value.reason


def test_not_xml_answer_is_malformed(wsdl: Path, partner: Partner):
    """A 200 answer that is not XML is MalformedMessage."""
    partner.answer(f"{TNS}/Echo", Answer(body=b"hello", headers=(("Content-Type", "text/xml"),)))
    with client(wsdl, partner) as c, pytest.raises(MalformedMessage):
        c.call("Echo", Header=header())


def test_answer_not_matching_the_wsdl_is_a_schema_violation(wsdl: Path, partner: Partner):
    """An answer with an element the WSDL does not allow is refused (strict)."""
    bad = soap(f'<t:EchoResponse xmlns:t="{TNS}"><t:Surprise/></t:EchoResponse>')
    partner.answer(f"{TNS}/Echo", Answer(body=bad, headers=(("Content-Type", "text/xml"),)))
    with client(wsdl, partner) as c, pytest.raises(SchemaViolation) as caught:
        c.call("Echo", Header=header())
    assert "does not match the WSDL" in caught.value.reason


def test_wrong_arguments_are_refused_before_sending(wsdl: Path, partner: Partner):
    """Arguments the WSDL does not allow are a SchemaViolation and nothing is sent."""
    with client(wsdl, partner) as c:
        with pytest.raises(SchemaViolation, match="nothing sent"):
            c.call("Echo", Header=header(), Bogus=1)
        with pytest.raises(SchemaViolation, match="nothing sent"):
            c.call("Echo", Payload={"_value_1": [gizmo()]})  # Header is required
    assert partner.calls() == 0


def test_message_id_given_overrides_the_header(wsdl: Path, partner: Partner):
    """``message_id=`` names the call in the logs when the Header has none (or another)."""
    with capture_logs() as logs, client(wsdl, partner) as c:
        c.call("Echo", Header={"Verb": "get", "Noun": "Gizmo"}, message_id="m-given")
    assert [e["message_id"] for e in logs if e["event"] == "soap call"] == ["m-given"]


def test_answer_over_max_bytes_is_refused(wsdl: Path, partner: Partner):
    """An answer larger than max_bytes is OversizeMessage (3.1), not read further."""
    big = Answer(body=b"<x>" + b"a" * 5000 + b"</x>", headers=(("Content-Type", "text/xml"),))
    partner.answer(f"{TNS}/Echo", big)
    policy = HttpPolicy(timeout=2.0, retries=2, max_bytes=1000)
    with client(wsdl, partner, policy=policy) as c, pytest.raises(OversizeMessage):
        c.call("Echo", Header=header())
    assert partner.calls() == 1


def test_calls_from_many_threads_share_one_client(wsdl: Path, partner: Partner):
    """Eight threads calling one client concurrently each get their own answer."""
    results: dict[str, str] = {}

    def work(n: int) -> None:
        for i in range(5):
            mid = f"m-{n}-{i}"
            results[mid] = c.call("Echo", Header=header(mid)).Header.MessageID

    with client(wsdl, partner) as c:
        threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert len(results) == 40 and all(k == v for k, v in results.items())
    assert partner.calls() == 40


def test_unknown_operation_suggests_the_near_one(wsdl: Path):
    """An operation the WSDL lacks is a ConfigurationError with a suggestion."""
    with SoapClient(wsdl) as c, pytest.raises(ConfigurationError, match="did you mean 'Echo'"):
        c.call("Echoo")


def test_wsdl_must_be_local_and_self_contained(tmp_path: Path):
    """A WSDL URL, a missing file, or a remote import is refused: nothing is fetched."""
    with pytest.raises(ConfigurationError, match="not a local file"):
        SoapClient("http://partner.invalid/service?wsdl")
    with pytest.raises(ConfigurationError, match="not a local file"):
        SoapClient(tmp_path / "missing.wsdl")
    remote = tmp_path / "remote.wsdl"
    remote.write_text(
        WSDL.replace(
            f'<xs:schema targetNamespace="{TNS}" elementFormDefault="qualified">',
            f'<xs:schema targetNamespace="{TNS}" elementFormDefault="qualified">'
            '<xs:import namespace="urn:x" schemaLocation="http://127.0.0.1:9/x.xsd"/>',
        )
    )
    with pytest.raises(ConfigurationError, match="cannot load the WSDL"):
        SoapClient(remote)


def test_breaker_opens_fails_fast_half_opens_and_closes(wsdl: Path, partner: Partner):
    """After the threshold the partner is not called; after reset_timeout one probe closes it."""
    now = [0.0]
    breakers = Breakers(threshold=2, reset_timeout=30.0, clock=lambda: now[0])
    partner.answer(f"{TNS}/Echo", UNAVAILABLE, UNAVAILABLE)
    policy = HttpPolicy(timeout=2.0, retries=0)
    with client(wsdl, partner, policy=policy, breakers=breakers) as c:
        for _ in range(2):
            with pytest.raises(TransportError, match="HTTP 503"):
                c.call("Echo", Header=header())
        breaker = breakers.for_url(partner.url)
        assert breaker.state is State.OPEN and partner.calls() == 2
        with capture_logs() as logs, pytest.raises(TransportError, match="circuit open") as caught:
            c.call("Echo", Header=header("m-fast"))
        assert partner.calls() == 2  # failed fast: the partner was not called
        assert "retry in 30 s" in caught.value.reason and caught.value.message_id == "m-fast"
        assert logs[0]["event"] == "soap circuit open" and logs[0]["message_id"] == "m-fast"
        now[0] += 30.0
        assert breaker.state is State.HALF_OPEN
        assert c.call("Echo", Header=header()).Header.Noun == "Gizmo"
        assert breaker.state is State.CLOSED and partner.calls() == 3


def test_failed_probe_opens_the_breaker_again(wsdl: Path, partner: Partner):
    """A probe that fails opens the breaker for another reset_timeout without retrying."""
    now = [0.0]
    breakers = Breakers(threshold=1, reset_timeout=10.0, clock=lambda: now[0])
    partner.answer(f"{TNS}/Echo", UNAVAILABLE, UNAVAILABLE)
    with client(wsdl, partner, breakers=breakers) as c:
        with pytest.raises(TransportError, match=r"HTTP 503.*circuit open, not retried"):
            c.call("Echo", Header=header())  # the first 503 opens it: the retry is refused
        now[0] += 10.0
        with pytest.raises(TransportError, match=r"HTTP 503.*circuit open, not retried"):
            c.call("Echo", Header=header())  # the probe gets 503, the retry is refused
        assert partner.calls() == 2 and breakers.for_url(partner.url).state is State.OPEN


def response_envelope(correlation: str = "req-1") -> bytes:
    """An asynchronous ResponseMessage in SOAP, as the gateway sends to a ReplyAddress."""
    reply = env.ResponseMessage(
        env.make_header("reply", "UsagePointConfig", correlation_id=correlation),
        env.Reply(env.Result.OK),
    )
    return env.encode_soap(reply)


def test_post_envelope_delivers_and_returns_the_body(partner: Partner):
    """A prebuilt envelope is POSTed with its soapAction; the answer's body comes back."""
    body = response_envelope()
    message_id = env.decode(body).header.message_id  # type: ignore[union-attr]
    with capture_logs() as logs, SoapClient(policy=FAST) as c:
        answer = c.post_envelope(partner.url + "/reply", "urn:x/ReplyUsagePointConfig", body)
    assert answer == b""
    (got,) = partner.received
    assert got.action == "urn:x/ReplyUsagePointConfig" and got.path == "/soap/reply"
    assert got.body == body and got.content_type.startswith("text/xml")
    (done,) = [e for e in logs if e["event"] == "soap call"]
    assert done["message_id"] == message_id and done["correlation_id"] == "req-1"


def test_post_envelope_soap12_and_credentials(partner: Partner):
    """A SOAP 1.2 envelope goes with its action in the Content-Type, signed with a token."""
    reply = env.decode(response_envelope())
    body = env.encode_soap(reply, version="1.2")
    creds = ClientCredentials(username="gw", password="pw", digest=True)
    with SoapClient(policy=FAST, credentials=creds) as c:
        c.post_envelope(partner.url, "urn:x/Reply", body)
    (got,) = partner.received
    assert got.content_type.startswith("application/soap+xml") and got.action == "urn:x/Reply"
    token = got.root.find(f".//{{{WSSE}}}UsernameToken")
    assert token is not None and token.findtext(f"{{{WSSE}}}Username") == "gw"
    assert env.decode(got.body).header.message_id == reply.header.message_id  # type: ignore[union-attr]


def test_post_envelope_fault_and_retry(partner: Partner):
    """503 is retried; a Fault is raised with its code and text after one more call."""
    partner.answer("urn:x/Reply", UNAVAILABLE, Answer("500 Internal Server Error", FAULT))
    with SoapClient(policy=FAST) as c, pytest.raises(InvalidNoun, match="noun not served"):
        c.post_envelope(partner.url, "urn:x/Reply", response_envelope())
    assert partner.calls() == 2


def test_post_envelope_http_error_is_not_retried(partner: Partner):
    """A 404 without a SOAP answer is one call and a TransportError naming the status."""
    partner.answer("urn:x/Reply", Answer("404 Not Found", b"no such page"))
    with SoapClient(policy=FAST) as c, pytest.raises(TransportError, match="HTTP 404") as caught:
        c.post_envelope(partner.url, "urn:x/Reply", response_envelope())
    assert partner.calls() == 1 and "check the endpoint URL" in caught.value.reason


def test_post_envelope_refuses_what_is_not_an_http_url_or_soap():
    """A ReplyAddress that is not http(s), or bytes that are not a SOAP envelope, are refused."""
    with SoapClient() as c:
        with pytest.raises(ConfigurationError, match="http"):
            c.post_envelope("file:///etc/passwd", "a", response_envelope())
        with pytest.raises(MalformedMessage, match="not a SOAP envelope"):
            c.post_envelope("http://127.0.0.1:9/", "a", b"<x/>")
        with pytest.raises(ConfigurationError, match="no WSDL"):
            c.call("Anything")


@pytest.mark.corpus
def test_real_iec_wsdl_typed_operation_with_an_lxml_payload(partner: Partner):
    """The IEC UsagePointConfig WSDL loads locally; a typed Payload given as lxml goes out whole."""
    require_corpus()
    path = (
        SHARED_DATA / "iec61968-100/wsdl/UsagePointConfig/wsdl/RequestUsagePointConfigMessage.wsdl"
    )
    payload = etree.fromstring(
        f'<m:UsagePointConfig xmlns:m="{UPC}"><m:UsagePoint><m:mRID>up-1</m:mRID>'
        "<m:isSdp>true</m:isSdp></m:UsagePoint></m:UsagePointConfig>"
    )
    head = {"Verb": "create", "Noun": "UsagePointConfig", "MessageID": "m-upc"}
    with capture_logs() as logs, SoapClient(path, endpoint=partner.url, policy=FAST) as c:
        result = c.call("CreateUsagePointConfig", Header=head, Payload=payload)
    (got,) = partner.received
    assert got.action == "http://iec.ch/TC57/2011/UsagePointConfig/CreateUsagePointConfig"
    sent = got.root.find(f".//{{{UPC_MSG}}}Payload/{{{UPC}}}UsagePointConfig/{{{UPC}}}UsagePoint")
    assert sent is not None
    assert sent.findtext(f"{{{UPC}}}mRID") == "up-1" and sent.findtext(f"{{{UPC}}}isSdp") == "true"
    assert result.Reply.Result == "OK"
    assert [e["message_id"] for e in logs if e["event"] == "soap call"] == ["m-upc"]


@pytest.mark.corpus
def test_real_iec_wsdl_refuses_a_payload_it_does_not_allow():
    """An lxml payload the typed slot cannot hold is refused before sending, not emptied."""
    require_corpus()
    path = (
        SHARED_DATA / "iec61968-100/wsdl/UsagePointConfig/wsdl/RequestUsagePointConfigMessage.wsdl"
    )
    head = {"Verb": "create", "Noun": "UsagePointConfig"}
    with SoapClient(path, endpoint="http://127.0.0.1:9/") as c:
        with pytest.raises(SchemaViolation, match="not allowed"):
            c.call("CreateUsagePointConfig", Header=head, Payload=gizmo())
        bad = etree.fromstring(
            f'<m:UsagePointConfig xmlns:m="{UPC}"><m:Nope/></m:UsagePointConfig>'
        )
        with pytest.raises(SchemaViolation):
            c.call("CreateUsagePointConfig", Header=head, Payload=bad)
