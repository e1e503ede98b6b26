"""Build headers, replies to requests, and the answers to messages that failed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from bus.envelope.model import (
    Error,
    FaultMessage,
    Header,
    Level,
    Location,
    ObjectID,
    Payload,
    Reply,
    RequestMessage,
    ResponseMessage,
    Result,
    Verb,
)
from cim.errors import CimbusError


def new_message_id() -> str:
    """A fresh MessageID (a UUID)."""
    return str(uuid.uuid4())


def utc_now() -> datetime:
    """The current time in UTC, to the millisecond."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def make_header(verb: Verb | str, noun: str, **fields: object) -> Header:
    """A header with a fresh MessageID and Timestamp unless given in ``fields``."""
    fields.setdefault("message_id", new_message_id())
    fields.setdefault("timestamp", utc_now())
    return Header(Verb(verb), noun, **fields)  # type: ignore[arg-type]


def reply_to(
    request: RequestMessage,
    *,
    result: Result = Result.OK,
    errors: tuple[Error, ...] = (),
    ids: tuple[ObjectID, ...] = (),
    payload: Payload | None = None,
    source: str | None = None,
) -> ResponseMessage:
    """The ResponseMessage answering ``request`` (CorrelationID = the request's MessageID)."""
    h = request.header
    header = make_header(
        Verb.REPLY,
        h.noun,
        source=source,
        correlation_id=h.message_id,
        context=h.context,
        revision=h.revision,
    )
    return ResponseMessage(header, Reply(result, errors, ids), payload)


def error_from(exc: CimbusError, *, stage: str | None = None, node: str | None = None) -> Error:
    """The IEC 61968-100 Error describing ``exc``."""
    location = Location(node=node, stage=stage) if (node or stage) else None
    details = f"element {exc.path}" if exc.path else None
    return Error(
        code=exc.code, level=Level.FATAL, reason=exc.reason, details=details, location=location
    )


def failure_answer(
    exc: CimbusError, *, source: str | None = None, stage: str | None = None
) -> ResponseMessage | FaultMessage:
    """What to send back for a message that failed with ``exc``.

    A ResponseMessage (Result FAILED, correlated to the message) when its noun was read,
    otherwise a FaultMessage: the input could not be parsed far enough to answer in kind.
    """
    error = error_from(exc, stage=stage)
    reply = Reply(Result.FAILED, (error,))
    if exc.noun:
        header = make_header(Verb.REPLY, exc.noun, source=source, correlation_id=exc.message_id)
        return ResponseMessage(header, reply)
    return FaultMessage(reply)
