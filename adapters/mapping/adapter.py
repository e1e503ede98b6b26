"""A mapping adapter at run time: native messages become CIM messages on the bus, and back.

Inbound (native -> CIM): :meth:`MappingAdapter.from_native` reads the native bytes, translates
them with the named ``to_cim`` mapping, writes the payload (which validates it against the noun's
profile) and publishes one message with the mapping's verb and noun. If any step fails, nothing
is published: the native message is parked in :attr:`MappingAdapter.parked` with the reason, and
the IEC 61968-100 error reply (Result FAILED, the code, and the target field's path) is returned
to the connector to send back.

Outbound (CIM -> native): :meth:`MappingAdapter.handler` is a transport handler. It translates the
payload with the ``from_cim`` mapping for the message's noun and hands the native bytes to the
connector. A message it cannot translate raises a :class:`~cim.errors.CimbusError`: a request is
answered FAILED, and an event is dead-lettered with the reason by the transport.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree

from adapters.mapping.engine import CompiledMapping
from adapters.mapping.errors import MappingError
from adapters.mapping.reload import MappingSet
from bus.envelope import (
    EventMessage,
    FaultMessage,
    Message,
    Payload,
    RequestMessage,
    ResponseMessage,
    XmlFragment,
    failure_answer,
    make_header,
    new_message_id,
)
from bus.log import get_logger, message_context
from bus.transport.base import Delivery, PermanentFailure, Transport
from cim.errors import CimbusError, InvalidNoun
from cim.profiles import from_xml, to_xml

_log = get_logger("cimbus.adapter")

Deliver = Callable[[str, bytes], None]
"""The connector's way out to the native system: (mapping name, native bytes)."""


@dataclass(frozen=True, slots=True)
class Parked:
    """A native message that was not translated: its bytes, the mapping and the error."""

    mapping: str
    data: bytes
    message_id: str
    error: CimbusError


class MappingAdapter:
    """Runs the mappings of one native system between its connector and the bus."""

    def __init__(
        self,
        mappings: MappingSet,
        transport: Transport,
        *,
        source: str,
        deliver: Deliver | None = None,
    ) -> None:
        self.mappings = mappings
        self.transport = transport
        self.source = source
        self.deliver = deliver
        self.parked: list[Parked] = []
        """Native messages refused, oldest first (for inspection and re-driving)."""
        self._lock = threading.Lock()

    def from_native(self, mapping: str, data: bytes) -> Message:
        """Translate and publish one native message; the published message or the error reply."""
        message_id = new_message_id()
        with message_context(message_id, None):
            try:
                compiled = self._mapping(mapping, "to_cim")
                message = self._event(compiled, compiled.to_cim(data), message_id)
            except CimbusError as exc:
                return self._refuse(mapping, data, message_id, exc)
            self.transport.publish(message)
            _log.info("native message published", mapping=mapping, noun=compiled.spec.cim.noun)
            return message

    def _event(self, compiled: CompiledMapping, payload: object, message_id: str) -> Message:
        cim = compiled.spec.cim
        xml = to_xml(compiled.profile, payload)  # type: ignore[arg-type]
        root = etree.fromstring(xml)
        body = Payload(elements=(XmlFragment(etree.tostring(root), root.tag),))
        header = make_header(cim.verb, cim.noun, source=self.source, message_id=message_id)
        if header.verb.value.endswith("ed"):
            return EventMessage(header, body)
        return RequestMessage(header, payload=body)

    def _refuse(self, mapping: str, data: bytes, message_id: str, exc: CimbusError) -> Message:
        exc.message_id = exc.message_id or message_id
        noun = self._noun(mapping)
        exc.noun = exc.noun or noun
        _log.warning(
            "native message refused; nothing published",
            mapping=mapping,
            code=exc.code,
            reason=exc.reason,
            element=exc.path,
        )
        with self._lock:
            self.parked.append(Parked(mapping, bytes(data), message_id, exc))
        return failure_answer(exc, source=self.source, stage="mapping")

    def _noun(self, mapping: str) -> str | None:
        found = self.mappings.current.get(mapping)
        return found.spec.cim.noun if found is not None else None

    def _mapping(self, name: str, direction: str) -> CompiledMapping:
        try:
            compiled = self.mappings.get(name)
        except KeyError as exc:
            raise MappingError(str(exc.args[0]), code="5.2") from None
        if compiled.direction != direction:
            what = f"mapping {name} is {compiled.direction}, not {direction}"
            raise MappingError(what, code="5.2")
        return compiled

    def for_noun(self, noun: str) -> CompiledMapping:
        """The ``from_cim`` mapping of ``noun`` in the current snapshot (InvalidNoun if none)."""
        for compiled in self.mappings.current.values():
            if compiled.direction == "from_cim" and compiled.spec.cim.noun == noun:
                return compiled
        raise InvalidNoun(f"no from_cim mapping for {noun} in {self.mappings.root}", noun=noun)

    def handler(self, delivery: Delivery) -> Message | None:
        """Translate a CIM message for the native system; refuse what cannot be translated."""
        message = delivery.message
        if isinstance(message, ResponseMessage | FaultMessage):
            raise PermanentFailure("replies are not translated for the native system")
        header = message.header
        with message_context(header.message_id, header.correlation_id):
            try:
                compiled = self.for_noun(header.noun)
                native = self._translate(compiled, message)
            except CimbusError as exc:
                exc.message_id = exc.message_id or header.message_id
                exc.correlation_id = exc.correlation_id or header.correlation_id
                exc.noun = exc.noun or header.noun
                _log.warning(
                    "CIM message refused", code=exc.code, reason=exc.reason, element=exc.path
                )
                if isinstance(message, RequestMessage) and delivery.reply_to is not None:
                    return failure_answer(exc, source=self.source, stage="mapping")
                raise
            if self.deliver is not None:
                self.deliver(compiled.name, native)
            _log.info("CIM message delivered to the native system", mapping=compiled.name)
        return None

    def _translate(
        self, compiled: CompiledMapping, message: RequestMessage | EventMessage
    ) -> bytes:
        payload = message.payload
        fragments = payload.elements if payload is not None else ()
        ns = compiled.profile.namespace
        mine = [f for f in fragments if f.namespace == ns]
        if len(mine) != 1:
            raise MappingError(
                f"expected one {compiled.profile.root_element} payload, found {len(mine)}",
                code="1.7",
            )
        cim = from_xml(compiled.profile, mine[0].xml)
        return compiled.write(compiled.from_cim(cim))


__all__ = ["Deliver", "MappingAdapter", "Parked"]
