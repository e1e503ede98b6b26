"""Inbound processing as a list of plain steps with one signature.

A step is ``step(inbound) -> None``: it reads or fills the :class:`Inbound` and raises to stop.
The standard steps are decode, authorise, replay-detect, dedupe, validate, profile (the payload
against the noun's message profile, :mod:`bus.payload`) and dispatch; a
journal tap or a test recorder is a step like any other. Outcomes:

* a :class:`~cim.errors.CimbusError` from a step is *permanent*: the answer is an IEC 61968-100
  error (a FAILED ResponseMessage correlated to a request, a FaultMessage when nothing could be
  read); for a request the transport sends it back, for an event the handler raises
  :class:`Refused` so the transport dead-letters the message with the reason;
* :class:`Drop` drops the message on purpose (a duplicate), logged and acknowledged;
* any other exception is *transient*: undo callbacks run (a dedupe claim is released) and it
  propagates, so the transport retries with backoff.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from bus.envelope import (
    DEFAULT_LIMITS,
    FaultMessage,
    Limits,
    Message,
    RequestMessage,
    decode,
    failure_answer,
)
from bus.idempotency import IdempotencyStore
from bus.log import get_logger, message_context
from bus.payload import check_payload
from bus.security import AuthorisationPolicy, ReplayGuard
from bus.transport.base import Delivery, PermanentFailure
from cim.errors import CimbusError, HeaderError, InvalidNoun

_log = get_logger("cimbus.pipeline")


@dataclass(slots=True)
class Inbound:
    """One message on its way through the pipeline."""

    data: bytes
    origin: str
    principal: str | None = None
    """The authenticated sender, when the carrier knows it."""
    message: Message | None = None
    reply: Message | None = None
    undo: list[Callable[[], None]] = field(default_factory=list)


Step = Callable[[Inbound], None]
"""Read or fill the inbound message; raise to stop."""


class Drop(Exception):
    """Raised by a step to drop the message on purpose (it is acknowledged, not answered)."""


class Refused(PermanentFailure):
    """An event was refused: the transport dead-letters it at once; ``answer`` says why."""

    def __init__(self, answer: Message, error: CimbusError) -> None:
        super().__init__(str(error))
        self.answer = answer
        self.error = error


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the pipeline made of one inbound message."""

    message: Message | None
    reply: Message | None = None
    answer: Message | None = None
    error: CimbusError | None = None
    dropped: str | None = None


class Pipeline:
    """Runs named steps in order and turns the result into an :class:`Outcome`."""

    def __init__(self, steps: Sequence[tuple[str, Step]], *, source: str | None = None) -> None:
        self._steps = tuple(steps)
        self._source = source

    def run(self, data: bytes, *, origin: str, principal: str | None = None) -> Outcome:
        """Process one message; transient failures propagate after the undo callbacks."""
        inbound = Inbound(data, origin, principal)
        stage = "start"
        try:
            for name, step in self._steps:
                stage = name
                step(inbound)
        except Drop as signal:
            _log.info("message dropped", reason=str(signal), stage=stage, origin=origin)
            return Outcome(inbound.message, dropped=str(signal))
        except CimbusError as exc:
            for undo in reversed(inbound.undo):
                undo()
            with message_context(exc.message_id, exc.correlation_id):
                _log.warning(
                    "message refused",
                    code=exc.code,
                    reason=exc.reason,
                    element=exc.path,
                    stage=stage,
                    origin=origin,
                )
            answer = failure_answer(exc, source=self._source, stage=stage)
            return Outcome(inbound.message, answer=answer, error=exc)
        except Exception:
            for undo in reversed(inbound.undo):
                undo()
            raise
        return Outcome(inbound.message, reply=inbound.reply)

    def handler(self, delivery: Delivery) -> Message | None:
        """Use the pipeline as a transport handler (requests get their answer back)."""
        outcome = self.run(delivery.body, origin=delivery.queue)
        if outcome.error is not None and outcome.answer is not None:
            if isinstance(outcome.message, RequestMessage) or (
                outcome.message is None and delivery.reply_to is not None
            ):
                return outcome.answer
            raise Refused(outcome.answer, outcome.error)
        return outcome.reply


# --- standard steps ---------------------------------------------------------------------------


def decode_step(limits: Limits = DEFAULT_LIMITS) -> Step:
    """Parse and validate the envelope (XML, SOAP or JSON)."""

    def step(inbound: Inbound) -> None:
        inbound.message = decode(inbound.data, limits)

    return step


def authorise_step(policy: AuthorisationPolicy) -> Step:
    """Refuse senders the policy does not allow (7.2, 7.4, 7.5)."""

    def step(inbound: Inbound) -> None:
        assert inbound.message is not None
        policy.check(inbound.message, inbound.principal)

    return step


def replay_step(guard: ReplayGuard) -> Step:
    """Refuse stale or replayed messages (7.7)."""

    def step(inbound: Inbound) -> None:
        assert inbound.message is not None
        guard.check(inbound.message)

    return step


def dedupe_step(store: IdempotencyStore, consumer: str) -> Step:
    """Let each MessageID have its effect once for ``consumer``; a repeat is dropped."""

    def step(inbound: Inbound) -> None:
        message = inbound.message
        assert message is not None
        if isinstance(message, FaultMessage):
            return
        mid = message.header.message_id
        if not mid:
            raise HeaderError(
                "a MessageID is required so that redelivery has its effect once",
                path="Header/MessageID",
                noun=message.header.noun,
            )
        if not store.claim(consumer, mid):
            raise Drop(f"duplicate MessageID {mid}")
        inbound.undo.append(lambda: store.forget(consumer, mid))

    return step


def validate_step(*checks: Callable[[Message], None]) -> Step:
    """Run content checks (each raises a CimbusError for a bad message)."""

    def step(inbound: Inbound) -> None:
        assert inbound.message is not None
        for check in checks:
            check(inbound.message)

    return step


def profile_step() -> Step:
    """Decode and validate the payload against the noun's profile (1.7, 1.8, 2.x with the path)."""

    def step(inbound: Inbound) -> None:
        assert inbound.message is not None
        check_payload(inbound.message)

    return step


Dispatch = Callable[[Message], Message | None]
"""A business handler: the message in, an optional reply out."""


def dispatch_step(handlers: Mapping[str, Dispatch]) -> Step:
    """Call the handler registered for ``"<Noun>.<verb>"`` or ``"<Noun>"``; 2.5 if none."""

    def step(inbound: Inbound) -> None:
        message = inbound.message
        assert message is not None and not isinstance(message, FaultMessage)
        h = message.header
        handler = handlers.get(f"{h.noun}.{h.verb.value}") or handlers.get(h.noun)
        if handler is None:
            raise InvalidNoun(
                f"no handler here for {h.verb.value} {h.noun}",
                path="Header/Noun",
                message_id=h.message_id,
                noun=h.noun,
            )
        inbound.reply = handler(message)

    return step
