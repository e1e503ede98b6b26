"""The circuit breaker of partner calls: closed, open, half-open, per host, thread-safe."""

from __future__ import annotations

import threading

import pytest

from bus.soap.breaker import Breakers, CircuitBreaker, State, host_of
from cim.errors import ConfigurationError


class Clock:
    """A monotonic clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def breaker(threshold: int = 3, reset_timeout: float = 10.0) -> tuple[CircuitBreaker, Clock]:
    """A breaker on a clock of its own."""
    clock = Clock()
    return CircuitBreaker("h", threshold=threshold, reset_timeout=reset_timeout, clock=clock), clock


def test_opens_after_threshold_consecutive_failures():
    """Failures below the threshold leave it closed; the threshold-th opens it."""
    b, _ = breaker(threshold=3)
    assert [b.failure(), b.failure()] == [False, False]
    assert b.state is State.CLOSED and b.allow()
    assert b.failure() is True
    assert b.state is State.OPEN and b.failures == 3


def test_success_starts_the_count_again():
    """A success between failures resets the count: only failures in a row open it."""
    b, _ = breaker(threshold=2)
    b.failure()
    b.success()
    b.failure()
    assert b.state is State.CLOSED and b.failures == 1


def test_open_refuses_until_the_reset_timeout():
    """An open breaker refuses calls and says how long until a probe."""
    b, clock = breaker(threshold=1, reset_timeout=10.0)
    b.failure()
    clock.now += 4
    assert not b.allow()
    assert b.retry_in() == pytest.approx(6.0)


def test_half_open_lets_one_probe_through():
    """After the reset timeout exactly one caller is let through; others fail fast meanwhile."""
    b, clock = breaker(threshold=1, reset_timeout=10.0)
    b.failure()
    clock.now += 10
    assert b.state is State.HALF_OPEN
    assert b.allow() is True
    assert b.allow() is False
    assert b.state is State.HALF_OPEN and b.retry_in() == 0.0


def test_probe_success_closes():
    """A successful probe closes the breaker and clears the count."""
    b, clock = breaker(threshold=1)
    b.failure()
    clock.now += 10
    assert b.allow()
    b.success()
    assert b.state is State.CLOSED and b.failures == 0 and b.allow()


def test_probe_failure_opens_for_another_reset_timeout():
    """A failed probe opens the breaker again, counting the reset timeout from then."""
    b, clock = breaker(threshold=2, reset_timeout=10.0)
    b.failure()
    b.failure()
    clock.now += 10
    assert b.allow()
    assert b.failure() is True
    assert b.state is State.OPEN and not b.allow()
    clock.now += 9.9
    assert not b.allow()
    clock.now += 0.1
    assert b.allow()


def test_failures_from_many_threads_are_all_counted():
    """Concurrent failures are counted exactly and open the breaker exactly once."""
    b, _ = breaker(threshold=500)
    opened: list[bool] = []
    lock = threading.Lock()

    def fail() -> None:
        for _ in range(100):
            result = b.failure()
            with lock:
                opened.append(result)

    threads = [threading.Thread(target=fail) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert b.failures == 800 and opened.count(True) == 1


def test_one_probe_among_many_threads():
    """When the reset timeout is over, only one of many concurrent callers is let through."""
    b, clock = breaker(threshold=1)
    b.failure()
    clock.now += 10
    allowed: list[bool] = []
    barrier = threading.Barrier(16)

    def ask() -> None:
        barrier.wait()
        allowed.append(b.allow())

    threads = [threading.Thread(target=ask) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert allowed.count(True) == 1


def test_breakers_one_per_host():
    """URLs of one host share a breaker (default ports spelled out); other hosts do not."""
    clock = Clock()
    breakers = Breakers(threshold=1, reset_timeout=5.0, clock=clock)
    a = breakers.for_url("http://Partner.example/soap/a")
    assert breakers.for_url("http://partner.example:80/other") is a
    assert breakers.for_url("https://partner.example/soap") is not a
    a.failure()
    assert a.state is State.OPEN
    assert breakers.for_url("http://other.example/").state is State.CLOSED
    assert {b.name for b in breakers} == {
        "http://partner.example:80",
        "https://partner.example:443",
        "http://other.example:80",
    }
    clock.now += 5
    assert a.state is State.HALF_OPEN


def test_host_of():
    """The breaker key is scheme, lower-case host and port."""
    assert host_of("https://A.example:8443/x?y") == "https://a.example:8443"
    assert host_of("http://127.0.0.1:9/") == "http://127.0.0.1:9"


@pytest.mark.parametrize(("threshold", "reset_timeout"), [(0, 1.0), (1, 0.0), (1, -1.0)])
def test_wrong_settings_are_refused(threshold: int, reset_timeout: float):
    """A threshold below 1 or a reset timeout not above 0 is a ConfigurationError."""
    with pytest.raises(ConfigurationError):
        CircuitBreaker("h", threshold=threshold, reset_timeout=reset_timeout)
    with pytest.raises(ConfigurationError):
        Breakers(threshold=threshold, reset_timeout=reset_timeout)
