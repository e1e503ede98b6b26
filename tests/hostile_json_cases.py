"""The JSON half of the hostile corpus (see :mod:`hostile_cases`)."""

from __future__ import annotations

from hostile_builders import (
    MSG_NS,
    Case,
    _deep_json,
    jmsg,
    json_bytes,
)


def json_cases() -> list[Case]:
    """Hostile and broken JSON messages."""
    return [
        Case("json-deeply-nested", _deep_json(), "1.8", "json"),
        Case(
            "json-unknown-key",
            jmsg(Header={"Verb": "get", "Noun": "MeterReadings", "Priority": "high"}),
            "1.5",
            "unknown key 'priority'",
        ),
        Case(
            "json-verb-as-number",
            jmsg(Header={"Verb": 7, "Noun": "MeterReadings"}),
            "2.9",
            "verb",
        ),
        Case(
            "json-operation-unknown-verb",
            jmsg(
                Header={"Verb": "execute", "Noun": "MeterReadings"},
                Payload={"OperationSet": {"Operation": [{"operationId": 1, "verb": "publish"}]}},
            ),
            "2.9",
            "'publish'",
        ),
        Case(
            "json-noun-as-list",
            jmsg(Header={"Verb": "get", "Noun": ["MeterReadings"]}),
            "1.5",
            "noun must be a json string",
        ),
        Case(
            "json-flag-as-string",
            jmsg(Header={"Verb": "get", "Noun": "MeterReadings", "AsyncReplyFlag": "true"}),
            "1.5",
            "json boolean",
        ),
        Case(
            "json-unknown-verb-string",
            jmsg(Header={"Verb": "publish", "Noun": "MeterReadings", "MessageID": "j-pub"}),
            "2.9",
            "'publish'",
        ),
        Case(
            "json-request-verb-in-event",
            jmsg(
                "EventMessage",
                Header={"Verb": "get", "Noun": "MeterReadings", "MessageID": "j-evt"},
            ),
            "2.9",
            "not an event verb",
            message_id="j-evt",
        ),
        Case("json-not-an-object", b"[1, 2, 3]", "1.8", "object with one key", entry="json"),
        Case("json-bare-string", b'"RequestMessage"', "1.8", "object with one key", entry="json"),
        Case(
            "json-two-kinds",
            json_bytes({"RequestMessage": {}, "EventMessage": {}}),
            "1.8",
            "object with one key",
        ),
        Case("json-unknown-kind", json_bytes({"PublishMessage": {}}), "1.8", "not a message kind"),
        Case("json-invalid", b'{"RequestMessage": {"Header": ', "1.8", "json"),
        Case("json-not-utf8", b'{"RequestMessage": "Montr\xe9al"}', "1.8", "utf-8"),
        Case(
            "json-huge-integer",
            b'{"FaultMessage": {"Reply": {"Result": "FAILED", "operationId": '
            + b"9" * 5000
            + b"}}}",
            "1.8",
            "json",
        ),
        Case(
            "json-duplicate-key",
            b'{"RequestMessage": {"Header": {"Verb": "get", "Verb": "delete", '
            b'"Noun": "MeterReadings"}}}',
            "1.8",
            "duplicate",
        ),
        Case(
            "json-fragment-with-doctype",
            jmsg(Payload={"any": ['<!DOCTYPE m [<!ENTITY x "y">]><m:M xmlns:m="urn:m">&x;</m:M>']}),
            "1.8",
            "dtd",
        ),
        Case(
            "json-fragment-not-xml",
            jmsg(Payload={"any": ["<m:M xmlns:m='urn:m'>"]}),
            "1.8",
            "not well-formed",
        ),
        Case(
            "json-fragment-lone-surrogate",
            b'{"RequestMessage": {"Header": {"Verb": "get", "Noun": "MeterReadings"}, '
            b'"Payload": {"any": ["<m:M xmlns:m=\\"urn:m\\">\\ud800</m:M>"]}}}',
            "1.8",
            "character",
        ),
        Case(
            "json-fragment-in-envelope-namespace",
            jmsg(Payload={"any": [f'<m:OperationSet xmlns:m="{MSG_NS}"/>']}),
            "1.7",
            "namespace",
        ),
        Case(
            "json-control-character-in-message-id",
            jmsg(
                "EventMessage",
                Header={"Verb": "created", "Noun": "MeterReadings", "MessageID": "evt\u0001"},
            ),
            "1.5",
            "messageid",
        ),
    ]
