"""Where a handler's answer goes: straight back to the requester, or later to its ReplyAddress.

IEC 61968-100 asynchronous request/reply: a request with ``AsyncReplyFlag`` true and a
``ReplyAddress`` is acknowledged at once (Result OK with code 0.3) on the requester's carrier
reply address, if it has one, and the handler's real answer goes to the ReplyAddress when it is
ready. On the bus a ReplyAddress is the name of a queue; a URL there is a SOAP callback, which
only the SOAP gateway can make, so the bus refuses it (1.5) instead of losing the answer.

Both transports follow :func:`plan`; they differ only in how they send to a queue.
"""

from __future__ import annotations

from dataclasses import dataclass

from bus.envelope import (
    Error,
    Level,
    Message,
    RequestMessage,
    ResponseMessage,
    Result,
    error_from,
    reply_to,
)
from cim.errors import HeaderError

ACCEPTED = "0.3"
"""The IEC 61968-100 code of an asynchronous request's immediate acknowledgement."""


@dataclass(frozen=True, slots=True)
class Plan:
    """What to send for one delivery, and whether to run the handler at all."""

    at_once: ResponseMessage | None = None
    """Sent to the carrier reply address before the handler runs (acknowledgement or refusal)."""
    answer_to: str | None = None
    """Where the handler's answer goes: the carrier reply address, or a ReplyAddress queue."""
    later: bool = False
    """``answer_to`` is a ReplyAddress (a queue that must exist), not the carrier's address."""
    run: bool = True
    """False when the request was refused: the handler does not see it."""


def plan(message: Message, reply_address: str | None, *, first_delivery: bool) -> Plan:
    """The replies for ``message`` delivered with the carrier ``reply_address``.

    The acknowledgement is sent on the first delivery only: a retried request was acknowledged
    already. A URL ReplyAddress raises HeaderError when nobody waits for an answer in kind.
    """
    if not (isinstance(message, RequestMessage) and message.header.async_reply_flag):
        return Plan(answer_to=reply_address)
    h = message.header
    address = (h.reply_address or "").strip()
    problem = None
    if not address:
        problem = "AsyncReplyFlag is true but there is no ReplyAddress; say where to answer"
    elif "://" in address:
        problem = (
            f"ReplyAddress {address!r} is a URL: the bus answers to a queue name; "
            "send the request through the SOAP gateway for a URL callback"
        )
    if problem is not None:
        refusal = HeaderError(problem, message_id=h.message_id, noun=h.noun, path="ReplyAddress")
        if reply_address is None:
            raise refusal
        failed = reply_to(message, result=Result.FAILED, errors=(error_from(refusal),))
        return Plan(at_once=failed, run=False)
    ack = None
    if reply_address is not None and first_delivery:
        accepted = Error(
            ACCEPTED, Level.INFORM, reason=f"accepted; the reply will be sent to {address}"
        )
        ack = reply_to(message, errors=(accepted,))
    return Plan(at_once=ack, answer_to=address, later=True)
