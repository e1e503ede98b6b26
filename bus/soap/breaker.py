"""Circuit breakers for calls to partner services: stop calling a host that keeps failing.

A breaker counts consecutive failures of one host (connection refused, timeouts, HTTP 5xx
without a SOAP answer); after ``threshold`` of them it opens, and calls fail at once without
touching the network. After ``reset_timeout`` seconds one probe call is let through
(half-open): its success closes the breaker, its failure opens it for another
``reset_timeout``. Other callers keep failing fast while the probe is in flight::

    closed --threshold failures in a row--> open --reset_timeout--> half-open (one probe)
       ^                                      ^                         |
       |                                      +------probe fails--------+
       +-------------------------probe succeeds-------------------------+

No vendor library here: :mod:`bus.soap.attempts` asks :meth:`CircuitBreaker.allow`
before every HTTP attempt and reports its outcome; what counts as a failure is drawn there.
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

from cim.errors import ConfigurationError

Clock = Callable[[], float]
"""Monotonic seconds; ``time.monotonic`` unless a test injects its own."""


class State(enum.Enum):
    """Where a circuit breaker stands."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half-open"


class CircuitBreaker:
    """The breaker of one host: closed, open or half-open; safe to share between threads."""

    def __init__(
        self,
        name: str,
        *,
        threshold: int = 5,
        reset_timeout: float = 30.0,
        clock: Clock = time.monotonic,
    ) -> None:
        _check(threshold, reset_timeout)
        self.name = name
        self.threshold = threshold
        self.reset_timeout = reset_timeout
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._probing = False

    @property
    def state(self) -> State:
        """Closed, open, or half-open (the reset timeout is over, or a probe is in flight)."""
        with self._lock:
            return self._state()

    @property
    def failures(self) -> int:
        """Consecutive failures counted since the last success."""
        return self._failures

    def _state(self) -> State:
        if self._opened_at is None:
            return State.CLOSED
        if self._probing or self._clock() - self._opened_at >= self.reset_timeout:
            return State.HALF_OPEN
        return State.OPEN

    def allow(self) -> bool:
        """Whether a call may go out now; in half-open, True for the one probe only.

        Every True must be followed by :meth:`success` or :meth:`failure`.
        """
        with self._lock:
            state = self._state()
            if state is State.CLOSED:
                return True
            if state is State.OPEN or self._probing:
                return False
            self._probing = True
            return True

    def retry_in(self) -> float:
        """Seconds until a probe call will be let through (0 when calls go out now)."""
        with self._lock:
            if self._opened_at is None or self._probing:
                return 0.0
            return max(0.0, self._opened_at + self.reset_timeout - self._clock())

    def success(self) -> None:
        """Record a call the host answered: the breaker closes and the count starts again."""
        with self._lock:
            self._failures = 0
            self._opened_at = None
            self._probing = False

    def failure(self) -> bool:
        """Record a failed call; True when this failure opens the breaker (or re-opens it)."""
        with self._lock:
            self._failures += 1
            was_probe, self._probing = self._probing, False
            if was_probe or (self._opened_at is None and self._failures >= self.threshold):
                self._opened_at = self._clock()
                return True
            return False

    def __repr__(self) -> str:
        return f"<CircuitBreaker {self.name} {self.state.value} failures={self._failures}>"


class Breakers:
    """One :class:`CircuitBreaker` per host (``scheme://host:port``), made on first use."""

    def __init__(
        self, *, threshold: int = 5, reset_timeout: float = 30.0, clock: Clock = time.monotonic
    ) -> None:
        _check(threshold, reset_timeout)
        self.threshold = threshold
        self.reset_timeout = reset_timeout
        self._clock = clock
        self._lock = threading.Lock()
        self._by_host: dict[str, CircuitBreaker] = {}

    def for_url(self, url: str) -> CircuitBreaker:
        """The breaker of the host that ``url`` points at."""
        key = host_of(url)
        with self._lock:
            breaker = self._by_host.get(key)
            if breaker is None:
                breaker = CircuitBreaker(
                    key,
                    threshold=self.threshold,
                    reset_timeout=self.reset_timeout,
                    clock=self._clock,
                )
                self._by_host[key] = breaker
            return breaker

    def __iter__(self) -> Iterator[CircuitBreaker]:
        """The breakers made so far."""
        with self._lock:
            return iter(list(self._by_host.values()))


def _check(threshold: int, reset_timeout: float) -> None:
    if threshold < 1 or reset_timeout <= 0:
        raise ConfigurationError(
            f"a circuit breaker needs threshold >= 1 and reset_timeout > 0, not "
            f"{threshold} and {reset_timeout}"
        )


def host_of(url: str) -> str:
    """``scheme://host:port`` of ``url``, the default port spelled out (the breaker's key)."""
    parts = urlsplit(url)
    scheme = (parts.scheme or "http").lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    port = port if port is not None else (443 if scheme == "https" else 80)
    return f"{scheme}://{(parts.hostname or '').lower()}:{port}"


__all__ = ["Breakers", "CircuitBreaker", "Clock", "State", "host_of"]
