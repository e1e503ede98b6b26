"""Intake of one inbound message: decode it, or log the refusal and build the answer.

This is the decode step every entry point (CLI, transports, SOAP) shares, so that every bad
input is answered in kind (an IEC 61968-100 FaultMessage or FAILED ResponseMessage), logged with
its MessageID, and never raises out of the caller.
"""

from __future__ import annotations

from dataclasses import dataclass

from bus.envelope import DEFAULT_LIMITS, Limits, Message, decode, failure_answer
from bus.log import get_logger, message_context
from cim.errors import CimbusError

_log = get_logger("cimbus.intake")


@dataclass(frozen=True, slots=True)
class Intake:
    """The outcome: the message, or the error and the answer to send back."""

    message: Message | None
    error: CimbusError | None = None
    answer: Message | None = None

    @property
    def ok(self) -> bool:
        """True when the message was accepted."""
        return self.message is not None


def receive(
    data: bytes,
    *,
    limits: Limits = DEFAULT_LIMITS,
    origin: str | None = None,
    source: str | None = None,
) -> Intake:
    """Decode ``data``; on failure, log it with its MessageID and build the answer."""
    try:
        return Intake(decode(data, limits))
    except CimbusError as exc:
        with message_context(exc.message_id, exc.correlation_id):
            _log.warning(
                "message refused",
                code=exc.code,
                reason=exc.reason,
                element=exc.path,
                origin=origin,
                size=len(data),
            )
        return Intake(None, exc, failure_answer(exc, source=source, stage="decode"))
