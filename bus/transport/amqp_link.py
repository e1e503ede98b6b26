"""Reconnection without pika: the backoff policy and the state of the AMQP connection.

:mod:`bus.transport.amqp` owns the connection and decides what happens to work in flight; this
module holds the clock: how long to wait before the next attempt, since when RabbitMQ has been
gone, and until when a caller may keep waiting for a confirm. States (moved by the I/O thread,
read from any thread)::

    open --lost--> reconnecting --(attempt fails: wait, try again)--> open
                        |
                        +--reconnect_timeout without a connection--> unavailable
                              (held publishes fail, new ones fail at once; still reconnecting)
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class Backoff:
    """Exponential backoff with jitter: ``first`` seconds, doubling up to ``maximum``."""

    first: float = 0.1
    maximum: float = 5.0
    jitter: float = 0.5
    """Each delay is shortened by up to this fraction, at random, so clients spread out."""

    def delay(self, attempt: int) -> float:
        """Seconds to wait before retry number ``attempt`` (1 for the first retry)."""
        base = min(self.first * 2 ** max(attempt - 1, 0), self.maximum)
        return float(base * (1.0 - self.jitter * random.random()))  # noqa: S311 (not crypto)


class Link:
    """Since when the connection is up or down, the attempt count and the callers' deadlines."""

    def __init__(self, backoff: Backoff, *, reconnect_timeout: float, confirm_timeout: float):
        if reconnect_timeout <= 0:
            raise ValueError("reconnect_timeout must be positive")
        self.backoff = backoff
        self.reconnect_timeout = reconnect_timeout
        self.confirm_timeout = confirm_timeout
        self._lock = threading.Lock()
        self._up_since = time.monotonic()
        self._down_since: float | None = None
        self._unavailable = False
        self._attempts = 0

    @property
    def down(self) -> bool:
        """Whether the connection is lost and not yet back."""
        return self._down_since is not None

    @property
    def unavailable(self) -> bool:
        """Whether the connection has been down for ``reconnect_timeout`` or more."""
        return self._unavailable

    @property
    def attempts(self) -> int:
        """Reconnection attempts made in the current outage (0 while the connection is up)."""
        return self._attempts

    def lost(self) -> bool:
        """Record a lost connection; True when this starts an outage (False if one goes on)."""
        with self._lock:
            if self._down_since is not None:
                return False
            self._down_since = time.monotonic()
            return True

    def next_attempt(self) -> tuple[int, float]:
        """The number of the next reconnection attempt and the seconds to wait before it."""
        with self._lock:
            self._attempts += 1
            return self._attempts, self.backoff.delay(self._attempts)

    def opened(self) -> tuple[int, float] | None:
        """Record an open connection; (attempts, outage seconds) if it ends an outage."""
        with self._lock:
            now, down, attempts = time.monotonic(), self._down_since, self._attempts
            self._up_since, self._down_since, self._unavailable, self._attempts = (
                now,
                None,
                False,
                0,
            )
        return None if down is None else (attempts, now - down)

    def give_up(self) -> bool:
        """Mark the link unavailable if it has been down ``reconnect_timeout``; True if so."""
        with self._lock:
            down = self._down_since
            if down is None or time.monotonic() - down < self.reconnect_timeout:
                return False
            self._unavailable = True
            return True

    def expiry(self, where: str) -> str:
        """Why the publishes held through the outage fail once ``reconnect_timeout`` is over."""
        return (
            f"RabbitMQ at {where} has been unreachable for {self.reconnect_timeout:g} s "
            "(reconnect_timeout); the message may or may not be queued; still reconnecting"
        )

    def refusal(self, where: str) -> str:
        """Why a publish fails at once while the link is unavailable."""
        return (
            f"RabbitMQ at {where} has been unreachable for over {self.reconnect_timeout:g} s; "
            "still reconnecting: the message was not sent, retry later"
        )

    def deadline(self, started: float) -> float:
        """Until when a publish handed over at ``started`` (monotonic) may wait for its confirm.

        ``confirm_timeout`` counts from the later of ``started`` and the last reconnection.
        During an outage the I/O thread settles every held publish by ``reconnect_timeout``
        (re-published after the reconnection, or failed), so the caller waits for that, plus a
        second so that the I/O thread's reason, not a generic timeout, reaches the caller.
        """
        with self._lock:
            end = max(started, self._up_since) + self.confirm_timeout
            if self._down_since is not None and not self._unavailable:
                end = max(end, self._down_since + self.reconnect_timeout + 1.0)
            return end
