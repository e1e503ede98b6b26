"""Who may send what, and replay detection: two pipeline policies.

An :class:`AuthorisationPolicy` is a list of allow rules (source, verb, noun; ``*`` is any,
a trailing ``*`` a prefix); anything not allowed is refused with 7.5, a message without a Source
with 7.2, and a Source that disagrees with the authenticated principal with 7.4.
:class:`ReplayGuard` refuses a message whose ReplayDetection Created is outside the time window
or whose Nonce was already seen within it (7.7).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bus.envelope import FaultMessage, Message
from cim.errors import (
    AuthenticationFailed,
    AuthenticationRequired,
    NotAuthorised,
    PolicyViolation,
)


def _matches(pattern: str, value: str) -> bool:
    if pattern == "*":
        return True
    if pattern.endswith("*"):
        return value.startswith(pattern[:-1])
    return pattern == value


@dataclass(frozen=True, slots=True)
class Rule:
    """Allow ``source`` to send ``verb`` ``noun`` (each a name, ``*``, or a ``prefix*``)."""

    source: str
    verb: str = "*"
    noun: str = "*"

    def allows(self, source: str, verb: str, noun: str) -> bool:
        """Whether this rule covers the message."""
        return (
            _matches(self.source, source)
            and _matches(self.verb, verb)
            and _matches(self.noun, noun)
        )


@dataclass(frozen=True, slots=True)
class AuthorisationPolicy:
    """Allow rules; a message no rule allows is refused."""

    rules: tuple[Rule, ...]

    @classmethod
    def from_config(cls, config: Iterable[dict[str, str]]) -> AuthorisationPolicy:
        """Rules from ``[{"source": "CIS", "verb": "get", "noun": "MeterReadings"}, …]``."""
        return cls(tuple(Rule(c["source"], c.get("verb", "*"), c.get("noun", "*")) for c in config))

    def check(self, message: Message, principal: str | None = None) -> None:
        """Raise a SecurityError (7.2, 7.4 or 7.5) unless ``message`` is allowed."""
        if isinstance(message, FaultMessage):
            return
        h = message.header
        if not h.source:
            raise AuthenticationRequired(
                "the Header has no Source; every sender must name itself",
                path="Header/Source",
                message_id=h.message_id,
                noun=h.noun,
            )
        if principal is not None and principal != h.source:
            raise AuthenticationFailed(
                f"Header Source {h.source!r} is not the authenticated sender {principal!r}",
                path="Header/Source",
                message_id=h.message_id,
                noun=h.noun,
            )
        if not any(r.allows(h.source, h.verb.value, h.noun) for r in self.rules):
            raise NotAuthorised(
                f"{h.source!r} may not send {h.verb.value} {h.noun}; ask the integration team "
                "to add a rule to the authorisation policy",
                message_id=h.message_id,
                noun=h.noun,
            )


class ReplayGuard:
    """Refuses stale or replayed messages by ReplayDetection Nonce and Created (7.7)."""

    def __init__(
        self,
        window: timedelta = timedelta(minutes=5),
        *,
        required: bool = False,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        max_nonces: int = 1_000_000,
    ) -> None:
        self._window = window
        self._required = required
        self._clock = clock
        self._max = max_nonces
        self._seen: OrderedDict[str, datetime] = OrderedDict()
        self._lock = threading.Lock()

    def check(self, message: Message) -> None:
        """Raise PolicyViolation (7.7) for a replay or a Created outside the window."""
        if isinstance(message, FaultMessage):
            return
        h = message.header
        rd = h.replay_detection
        if rd is None:
            if self._required:
                raise PolicyViolation(
                    "ReplayDetection (Nonce and Created) is required",
                    path="Header/ReplayDetection",
                    message_id=h.message_id,
                    noun=h.noun,
                )
            return
        now = self._clock()
        created = rd.created if rd.created.tzinfo else rd.created.replace(tzinfo=UTC)
        if abs(now - created) > self._window:
            raise PolicyViolation(
                f"ReplayDetection Created {created.isoformat()} is outside the accepted window "
                f"of {self._window} around {now.isoformat()}; check the sender's clock",
                path="Header/ReplayDetection/Created",
                message_id=h.message_id,
                noun=h.noun,
            )
        with self._lock:
            while self._seen and (
                now - next(iter(self._seen.values())) > self._window or len(self._seen) >= self._max
            ):
                self._seen.popitem(last=False)
            if rd.nonce in self._seen:
                raise PolicyViolation(
                    f"ReplayDetection Nonce {rd.nonce[:40]!r} was already used; this message is "
                    "a replay",
                    path="Header/ReplayDetection/Nonce",
                    message_id=h.message_id,
                    noun=h.noun,
                )
            self._seen[rd.nonce] = now
