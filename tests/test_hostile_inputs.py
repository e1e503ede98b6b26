"""Hostile and broken input is refused with the right IEC 61968-100 code, and answered in kind.

The corpus is ``tests/hostile_cases.py``. Each case must raise a ``CimbusError`` (nothing else
may escape) with the expected code and a reason naming the problem; ``failure_answer`` turns the
error into a FaultMessage or FAILED ResponseMessage that encodes, decodes back and validates
against the real Message.xsd.
"""

from __future__ import annotations

import base64
import gzip
import re
import sys
from pathlib import Path

import pytest
from lxml import etree

import bus.envelope as env
from cim.errors import CimbusError, MalformedMessage, OversizeMessage, PayloadError

from hostile_builders import MSG_NS, PASSWD_MARKER, XI_NS, XINCLUDE, Case
from hostile_cases import CASES, CORRELATED

IDS = [c.name for c in CASES]


def _refusal(case: Case) -> CimbusError:
    """The CimbusError ``case`` raises; fails the test if it is accepted or raises anything else."""
    try:
        message = case.decode()
    except CimbusError as exc:
        return exc
    except Exception as exc:
        pytest.fail(
            f"{case.name}: raised {type(exc).__name__}: {str(exc)[:300]} instead of a CimbusError"
        )
    pytest.fail(f"{case.name}: accepted; decoded to {message!r:.300}")


@pytest.fixture(scope="module")
def draft_xsd(message_xsd: etree.XMLSchema) -> etree.XMLSchema:
    """The real 2011 draft Message.xsd (conftest: skipped on a user's clone, required in CI)."""
    return message_xsd


# --- the corpus itself ---------------------------------------------------------------------


def test_corpus_is_large_and_names_are_unique():
    """The corpus holds at least 50 cases with unique, slug-like names."""
    assert len(CASES) >= 50
    assert len(set(IDS)) == len(IDS)
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", n) for n in IDS)
    assert all(c.fragment == c.fragment.lower() and c.fragment for c in CASES)
    assert len(CORRELATED) >= 5


# --- refusal ---------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_hostile_input_is_refused_with_code_and_reason(case: Case):
    """Each hostile input raises a CimbusError with the expected code and a reason naming it."""
    exc = _refusal(case)
    assert exc.code == case.code, f"code {exc.code} ({type(exc).__name__}): {exc.reason[:300]}"
    assert case.fragment in exc.reason.lower(), f"reason lacks {case.fragment!r}: {exc.reason}"
    assert PASSWD_MARKER not in exc.reason


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_failure_answer_encodes_and_decodes_back(case: Case):
    """The answer to each refusal is a FAILED Fault/ResponseMessage that survives XML and back."""
    exc = _refusal(case)
    answer = env.failure_answer(exc, source="cimbus-test")
    assert isinstance(answer, env.FaultMessage | env.ResponseMessage)
    reply = answer.reply
    assert reply.result is env.Result.FAILED
    assert [e.code for e in reply.errors] == [exc.code]
    xml = env.encode_xml(answer)
    assert PASSWD_MARKER.encode() not in xml
    assert env.decode(xml) == answer


@pytest.mark.parametrize("case", CORRELATED, ids=[c.name for c in CORRELATED])
def test_readable_message_id_gets_a_correlated_response(case: Case):
    """When MessageID and Noun are readable the error carries the ID and the answer correlates."""
    exc = _refusal(case)
    assert exc.message_id == case.message_id
    answer = env.failure_answer(exc)
    assert isinstance(answer, env.ResponseMessage), f"answered with {type(answer).__name__}"
    assert answer.header.correlation_id == case.message_id
    assert answer.header.verb is env.Verb.REPLY
    assert answer.header.noun == "MeterReadings"
    assert env.decode(env.encode_xml(answer)) == answer


@pytest.mark.corpus
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_failure_answer_validates_against_draft_xsd(case: Case, draft_xsd: etree.XMLSchema):
    """The answer to each refusal validates against the real 2011 draft Message.xsd."""
    answer = env.failure_answer(_refusal(case), source="cimbus-test", stage="decode")
    doc = etree.fromstring(env.encode_xml(answer))
    assert draft_xsd.validate(doc), str(draft_xsd.error_log.last_error)


# --- things a static corpus cannot express ----------------------------------------------------


def _request_with(header_tail: str = "", body: str = "") -> bytes:
    return (
        f'<RequestMessage xmlns="{MSG_NS}"><Header><Verb>get</Verb><Noun>MeterReadings</Noun>'
        f"<MessageID>xi-1</MessageID>{header_tail}</Header>{body}</RequestMessage>"
    ).encode()


@pytest.mark.parametrize(
    "data",
    [
        _request_with(header_tail=XINCLUDE),
        _request_with(body=f"<Request>{XINCLUDE}</Request>"),
        _request_with(body=f"<Payload>{XINCLUDE}</Payload>"),
    ],
    ids=["header-extension", "get-profile", "payload"],
)
def test_xinclude_is_kept_inert_and_never_expanded(data: bytes):
    """An XInclude where foreign XML is allowed stays an opaque fragment; nothing is included."""
    message = env.decode(data)
    assert isinstance(message, env.RequestMessage)
    fragments = [
        *message.header.extensions,
        *(message.request.profile if message.request else ()),
        *(message.payload.elements if message.payload else ()),
    ]
    assert [f.tag for f in fragments] == [f"{{{XI_NS}}}include"]
    assert b"file:///etc/passwd" in fragments[0].xml
    for out in (env.encode_xml(message), env.encode_json(message), repr(message).encode()):
        assert PASSWD_MARKER.encode() not in out
    assert env.decode(env.encode_xml(message)) == message


@pytest.mark.parametrize("form", ["doctype-system", "external-parameter-entity"])
def test_external_dtd_files_are_never_read(tmp_path: Path, form: str):
    """A DOCTYPE or parameter entity naming a local file is refused without reading the file."""
    proof = "cimbus-proof-that-the-file-was-read"
    dtd = tmp_path / "evil.dtd"
    dtd.write_text(f"<!ENTITY % z SYSTEM 'http://127.0.0.1:9/{proof}'>%z;")
    url = dtd.as_uri()
    doctype = {
        "doctype-system": f'<!DOCTYPE RequestMessage SYSTEM "{url}">',
        "external-parameter-entity": f'<!DOCTYPE RequestMessage [<!ENTITY % x SYSTEM "{url}">%x;]>',
    }[form]
    with pytest.raises(MalformedMessage) as info:
        env.decode(doctype.encode() + _request_with())
    assert proof not in info.value.reason, "libxml2 opened and parsed the local DTD file"
    assert "dtd" in info.value.reason.lower()


@pytest.mark.parametrize(
    "template",
    [
        b'{"RequestMessage": {"Header": {"Verb": %s, "Noun": "MeterReadings"}}}',
        b'{"RequestMessage": {"Header": {"Verb": "get", "Noun": "MeterReadings"}, '
        b'"Payload": {"ID": [{"value": "x", "kind": %s}]}}}',
        b'{"FaultMessage": {"Reply": {"Result": %s}}}',
    ],
    ids=["verb", "id-kind", "result"],
)
def test_json_nesting_near_the_recursion_limit_never_escapes(template: bytes):
    """JSON nested right up to Python's recursion limit is refused with a CimbusError only."""
    limit = sys.getrecursionlimit()
    escaped = []
    for depth in range(max(1, limit - 400), limit + 20):
        try:
            env.decode(template % (b"[" * depth + b"]" * depth))
        except CimbusError:
            continue
        except Exception as exc:
            escaped.append(f"depth {depth}: {type(exc).__name__}: {str(exc)[:80]}")
    assert not escaped, escaped[:3]


@pytest.mark.parametrize("kind", [bytearray, memoryview])
def test_decode_accepts_bytes_like_input(kind: type):
    """decode takes bytearray and memoryview as well as bytes."""
    data = _request_with()
    assert env.decode(kind(data)) == env.decode(data)


def test_decode_refuses_text_with_a_cimbus_error():
    """Text instead of the bytes received is refused with MalformedMessage, not a TypeError."""
    with pytest.raises(MalformedMessage):
        env.decode(_request_with().decode())  # type: ignore[arg-type]


def test_decompress_bounds_bombs_and_refuses_garbage():
    """decompress refuses a gzip bomb (3.1), non-gzip and truncated data (1.7), and round trips."""
    bomb = env.compress(b"\0" * (8 * 1024 * 1024))
    with pytest.raises(OversizeMessage) as info:
        env.decompress(bomb, max_bytes=1024 * 1024)
    assert info.value.code == "3.1"
    truncated = base64.b64encode(gzip.compress(b"x" * 1000)[:-8]).decode()
    for garbage in ("not base64 at all!", "aGVsbG8gd29ybGQ=", truncated):
        with pytest.raises(PayloadError) as info2:
            env.decompress(garbage)
        assert info2.value.code == "1.7"
    assert env.decompress(env.compress(b"payload \xff")) == b"payload \xff"
