"""The canonical network model kept current from difference models published on the bus.

GIS (or any system that edits the grid) publishes each change as an event whose payload is an
IEC 61970-552 ``dm:DifferenceModel`` document (``rdf:RDF``); noun ``DifferenceModel``, verb
``created``. :class:`NetworkModelUpdates` subscribes, applies each difference all or nothing
(:func:`cim.network.diff.apply`) and swaps in the new model, so a reader holding
:attr:`NetworkModelUpdates.model` always sees a whole model, before or after a change, never
half of one. A difference that does not fit the model (a reverse statement that does not match,
a malformed document) is refused: the message is dead-lettered with the reason (code, file and
line), logged with its MessageID, and the model is left as it was.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from bus.envelope import EventMessage
from bus.log import get_logger, message_context
from bus.transport.base import Delivery, PermanentFailure, Transport
from cim.errors import CimbusError
from cim.network.diff import apply, read_difference
from cim.network.store import Model

NOUN = "DifferenceModel"
"""The noun of difference-model events."""
RDF_RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}RDF"

_log = get_logger("cimbus.network")


class NetworkModelUpdates:
    """Holds one network model and applies the difference models that arrive as events."""

    def __init__(self, model: Model, *, on_change: Callable[[Model], None] | None = None) -> None:
        self._model = model
        self._lock = threading.Lock()
        self._on_change = on_change
        self.applied: list[str] = []
        """The MessageIDs of the differences applied, in order."""

    @property
    def model(self) -> Model:
        """The current model (a whole snapshot; later changes produce a new one)."""
        return self._model

    def subscribe(self, transport: Transport, queue: str = "network-model.differences") -> None:
        """Consume difference-model events from ``transport`` on ``queue``."""
        transport.subscribe(queue, [f"{NOUN}.created", f"{NOUN}.changed"], self.handle)

    def handle(self, delivery: Delivery) -> None:
        """Apply the differences of one event; refuse (dead-letter) what does not fit."""
        message = delivery.message
        if not isinstance(message, EventMessage) or message.payload is None:
            raise PermanentFailure("a DifferenceModel event with an rdf:RDF payload is expected")
        mid = message.header.message_id or ""
        with message_context(mid, message.header.correlation_id):
            documents = [f for f in message.payload.elements if f.tag == RDF_RDF]
            if not documents:
                raise PermanentFailure(f"message {mid}: no rdf:RDF difference model in the payload")
            with self._lock:
                model = self._model
                try:
                    for i, fragment in enumerate(documents, 1):
                        difference = read_difference(fragment.xml, name=f"message {mid} #{i}")
                        model = apply(model, difference)
                except CimbusError as exc:
                    _log.warning("difference model refused", code=exc.code, reason=exc.reason)
                    raise PermanentFailure(f"{exc.code} {exc.reason}") from None
                self._model = model
                self.applied.append(mid)
            _log.info("difference model applied", objects=len(model.objects))
        if self._on_change is not None:
            self._on_change(model)


__all__ = ["NOUN", "NetworkModelUpdates"]
