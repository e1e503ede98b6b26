"""What the SOAP gateway does with a decoded message: put it on the bus and make the answer.

* A **request** goes through ``transport.request``; the answer is the adapter's reply, or FAILED
  with 2.5 when nothing serves the noun (the publish was unroutable), 4.1 on a timeout, and the
  TransportError's own code otherwise.
* A request with **AsyncReplyFlag and a URL ReplyAddress** is answered at once (Result OK, code
  0.3); a worker sends it on the bus without the flag and POSTs the answer to the URL
  (:mod:`bus.soap.courier`, :func:`callback`); with ``reply_hosts`` set, only to those hosts
  (7.5 otherwise). With a queue name as ReplyAddress it goes to the
  bus as it is, and the bus acknowledges it and answers to that queue.
* An **event** goes through ``transport.publish`` and is answered Result OK, correlated to it;
  FAILED 2.5 when nobody subscribes to it.
* A **reply** (``Reply{Noun}``: a partner's asynchronous answer) has no route on the bus; it is
  handed to the ``on_reply`` callback and answered Result OK, or FAILED 5.2 when no callback is
  configured (the callback may refuse it by raising a CimbusError).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from urllib.parse import urlsplit

from bus.envelope import (
    Error,
    EventMessage,
    FaultMessage,
    Level,
    Message,
    RequestMessage,
    ResponseMessage,
    Result,
    Verb,
    encode_soap,
    error_from,
    make_header,
    reply_to,
)
from bus.envelope.model import PAST_TENSE, Reply
from bus.envelope.typed import WRAPPER_NS_PREFIX, wrapper_namespace
from bus.soap.courier import Courier, Outbound
from bus.soap.forms import Arrival
from bus.transport.base import Transport
from bus.transport.replies import ACCEPTED
from cim.errors import (
    CimbusError,
    ConfigurationError,
    HeaderError,
    InvalidNoun,
    NotAuthorised,
    SchemaViolation,
    TransportError,
)

ReplySink = Callable[[ResponseMessage], None]
"""Takes a partner's asynchronous reply (``Reply{Noun}``); raise a CimbusError to refuse it."""


def reply_action(noun: str, operation: str | None = None) -> str:
    """A callback's soapAction: ``http://iec.ch/TC57/2011/{Noun}/{operation or Reply{Noun}}``."""
    return f"{WRAPPER_NS_PREFIX}{noun}/{operation or f'Reply{noun}'}"


def callback(reply: ResponseMessage, request: RequestMessage, arrival: Arrival) -> Outbound:
    """The asynchronous answer to ``request``, for its ReplyAddress, in the form it came in.

    A typed create, change, cancel, close, delete or execute answered OK goes to the partner's
    ``Reply{Noun}`` service the way the published WSDLs define it: the past-tense operation
    (``Created{Noun}`` …, an EventMessage with the reply's header, CorrelationID and payload).
    Everything else (a get, a FAILED or PARTIAL answer, which an event cannot express, and the
    generic forms) is the ResponseMessage itself, ``{Noun}ResponseMessage`` when typed, with
    the soapAction ``…/{Noun}/Reply{Noun}``.
    """
    h = request.header
    if reply.header.correlation_id is None:  # the adapter did not correlate: the gateway does
        reply = dataclasses.replace(
            reply, header=dataclasses.replace(reply.header, correlation_id=h.message_id)
        )
    past = PAST_TENSE.get(h.verb)
    version, typed = arrival.version, arrival.form == "typed"
    url, ids = (h.reply_address or "").strip(), (reply.header.message_id, h.message_id)
    if typed and past is not None and reply.reply.result is Result.OK:
        event = EventMessage(dataclasses.replace(reply.header, verb=past), reply.payload)
        body = encode_soap(event, version=version, form="typed")
        action = reply_action(h.noun, f"{past.value.capitalize()}{h.noun}")
        return Outbound(url, action, body, *ids)
    if typed:
        ns = wrapper_namespace(h.noun)
        body = encode_soap(reply, version=version, form="typed", namespace=ns)
    else:
        body = encode_soap(reply, version=version)
    return Outbound(url, reply_action(h.noun), body, *ids)


def answer(
    message: RequestMessage | EventMessage | ResponseMessage,
    *,
    result: Result = Result.OK,
    errors: tuple[Error, ...] = (),
    source: str | None = None,
) -> ResponseMessage:
    """A ResponseMessage answering ``message`` (CorrelationID = its MessageID)."""
    if isinstance(message, RequestMessage):
        return reply_to(message, result=result, errors=errors, source=source)
    h = message.header
    header = make_header(
        Verb.REPLY, h.noun, source=source, correlation_id=h.message_id, context=h.context
    )
    return ResponseMessage(header, Reply(result, errors))


def refusal(
    message: RequestMessage | EventMessage | ResponseMessage,
    exc: CimbusError,
    *,
    source: str | None = None,
    stage: str = "bus",
) -> ResponseMessage:
    """A FAILED ResponseMessage answering ``message`` with ``exc``'s code and reason."""
    errors = (error_from(exc, stage=stage),)
    return answer(message, result=Result.FAILED, errors=errors, source=source)


class Gateway:
    """Puts decoded messages on a transport and returns what to answer."""

    def __init__(
        self,
        transport: Transport,
        courier: Courier,
        *,
        timeout: float = 30.0,
        on_reply: ReplySink | None = None,
        source: str | None = None,
        reply_hosts: frozenset[str] | None = None,
    ) -> None:
        self._reply_hosts = reply_hosts
        self._transport = transport
        self._courier = courier
        self._timeout = timeout
        self._on_reply = on_reply
        self._source = source

    def handle(self, message: Message, arrival: Arrival) -> ResponseMessage:
        """The answer to ``message``, which arrived as ``arrival``."""
        if isinstance(message, FaultMessage):
            raise SchemaViolation("a FaultMessage is an answer; send a request, event or reply")
        if isinstance(message, RequestMessage):
            address = (message.header.reply_address or "").strip()
            if message.header.async_reply_flag and "://" in address:
                return self._later(message, address, arrival)
            return self.request(message)
        if isinstance(message, EventMessage):
            return self._publish(message)
        return self._reply(message)

    def request(self, message: RequestMessage) -> ResponseMessage:
        """Send ``message`` on the bus and return its reply (a FAILED one when it failed)."""
        try:
            reply = self._transport.request(message, timeout=self._timeout)
        except CimbusError as exc:
            return refusal(message, _unroutable(exc, message), source=self._source)
        if isinstance(reply, ResponseMessage):
            return reply
        problem = TransportError(f"the bus answered with a {reply.kind}, not a ResponseMessage")
        return refusal(message, problem, source=self._source)

    def _publish(self, message: EventMessage) -> ResponseMessage:
        try:
            self._transport.publish(message)
        except CimbusError as exc:
            return refusal(message, _unroutable(exc, message), source=self._source)
        return answer(message, source=self._source)

    def _reply(self, message: ResponseMessage) -> ResponseMessage:
        if self._on_reply is None:
            problem = ConfigurationError(
                "this gateway takes no asynchronous replies (no reply handler is configured)"
            )
            return refusal(message, problem, source=self._source, stage="reply")
        try:
            self._on_reply(message)
        except CimbusError as exc:
            return refusal(message, exc, source=self._source, stage="reply")
        return answer(message, source=self._source)

    def _later(self, message: RequestMessage, url: str, arrival: Arrival) -> ResponseMessage:
        """Acknowledge now (0.3); a worker asks the bus and POSTs the reply to ``url``."""
        if not url.lower().startswith(("http://", "https://")):
            problem = HeaderError(
                f"ReplyAddress {url[:200]!r} is neither an http(s) URL nor a queue name",
                path="Header/ReplyAddress",
            )
            return refusal(message, problem, source=self._source, stage="accept")
        host = (urlsplit(url).hostname or "").lower()
        if self._reply_hosts is not None and host not in self._reply_hosts:
            refused = NotAuthorised(
                f"ReplyAddress host {host!r} is not among the hosts this gateway may call "
                "back; ask the operator to add it (--reply-host)",
                path="Header/ReplyAddress",
            )
            return refusal(message, refused, source=self._source, stage="accept")
        header = dataclasses.replace(message.header, async_reply_flag=None, reply_address=None)
        plain = dataclasses.replace(message, header=header)

        def produce() -> Outbound:
            return callback(self.request(plain), message, arrival)

        self._courier.submit(produce)
        reason = f"accepted; the reply will be sent to {url}"
        accepted = Error(ACCEPTED, Level.INFORM, reason=reason)
        return answer(message, errors=(accepted,), source=self._source)


def _unroutable(exc: CimbusError, message: RequestMessage | EventMessage) -> CimbusError:
    """An unroutable publish means nothing serves the noun: 2.5, not the carrier's 5.3."""
    if isinstance(exc, TransportError) and exc.reason.startswith("unroutable"):
        h = message.header
        return InvalidNoun(
            f"nothing on the bus serves {h.verb.value} {h.noun} ({exc.reason})",
            path="Header/Noun",
            message_id=h.message_id,
            noun=h.noun,
        )
    return exc
