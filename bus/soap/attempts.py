"""Attempts at a partner's host: the HTTP policy, retries with backoff, the breaker, the logs.

No vendor library here. :mod:`bus.soap.client` makes one HTTP attempt at a time and classifies
its outcome by what it raises; :func:`retrying` decides what follows::

    attempt outcome                      breaker   then
    returns                              success   logged "soap call"
    Transient (timeout, refused, 503)    failure   wait (backoff, Retry-After), try again;
                                                   after the last attempt raise its error
    HostFailed (HTTP 5xx, not SOAP)      failure   raise its error
    CimbusError (Fault, bad XML, 4xx)    success   raise it: the host answered
    anything else                        failure   raise it
    (breaker open before an attempt)     -         TransportError, nothing sent; on a retry,
                                                   the last failure's error, "not retried"
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

from lxml import etree

from bus.log import get_logger
from bus.soap.breaker import Breakers, CircuitBreaker
from bus.transport.amqp_link import Backoff
from cim.errors import CimbusError, ConfigurationError, TransportError

_log = get_logger("cimbus.soap.client")
_T = TypeVar("_T")

RETRY_BACKOFF = Backoff(first=0.2, maximum=5.0)
"""Waits between attempts: 0.2 s doubling up to 5 s, shortened by up to half at random."""


@dataclass(frozen=True, slots=True, kw_only=True)
class HttpPolicy:
    """How a client uses HTTP: timeout per attempt, retries of transient failures, TLS, size."""

    timeout: float = 30.0
    """Seconds to connect, and seconds of silence while waiting for the answer, per attempt."""
    retries: int = 2
    """Further attempts after a transient failure (0: one attempt only)."""
    backoff: Backoff = RETRY_BACKOFF
    verify: bool | str = True
    """Check the partner's TLS certificate (True), against a CA bundle file (its path), or not."""
    max_bytes: int = 16 * 1024 * 1024
    """Largest answer read, in bytes."""

    def __post_init__(self) -> None:
        if self.timeout <= 0 or self.retries < 0 or self.max_bytes < 1:
            raise ConfigurationError(
                f"HttpPolicy needs timeout > 0, retries >= 0 and max_bytes >= 1, not "
                f"{self.timeout}, {self.retries}, {self.max_bytes}"
            )


class Transient(Exception):
    """An attempt failed in a way worth retrying; ``error`` is raised after the last one."""

    def __init__(self, error: TransportError, retry_after: float | None = None) -> None:
        super().__init__(error.reason)
        self.error = error
        self.retry_after = retry_after
        """Seconds the host asked us to wait (HTTP Retry-After), if it said."""


class HostFailed(Exception):
    """The host answered, but not with SOAP (HTTP 5xx): counts against its breaker."""

    def __init__(self, error: CimbusError) -> None:
        super().__init__(error.reason)
        self.error = error


def retrying(
    breakers: Breakers,
    policy: HttpPolicy,
    where: tuple[str, str, Mapping[str, str]],
    attempt: Callable[[], _T],
) -> _T:
    """``attempt()`` under the breaker of the host, retried on Transient, every outcome logged.

    ``where`` is (url, operation, ids): ids are ``message_id``/``correlation_id`` for the logs.
    """
    url, operation, ids = where
    breaker = breakers.for_url(url)
    log = _log.bind(operation=operation, url=url, **ids)
    attempts, last = policy.retries + 1, None
    for number in range(1, attempts + 1):
        if not breaker.allow():
            raise _refused(log, breaker, operation, number, last, ids)
        started = time.monotonic()
        answered = False  # an unexpected error must not leave a half-open probe in flight
        delay: float | None = None
        try:
            result = attempt()
            answered = True
        except Transient as exc:
            last = exc.error
            if number == attempts:
                _failed(log, exc.error, number, started, ids)
                raise exc.error from None
            delay = policy.backoff.delay(number)
            if exc.retry_after is not None:
                delay = max(delay, min(exc.retry_after, policy.backoff.maximum))
            log.warning(
                "soap call retrying",
                attempt=number,
                elapsed=_since(started),
                delay=round(delay, 3),
                code=exc.error.code,
                reason=exc.error.reason,
            )
        except HostFailed as exc:
            _failed(log, exc.error, number, started, ids)
            raise exc.error from None
        except CimbusError as exc:
            answered = True  # the host answered: a Fault, a refused document, a 4xx
            _failed(log, exc, number, started, ids)
            raise
        finally:
            if answered:
                breaker.success()
            else:
                breaker.failure()
        if delay is not None:
            time.sleep(delay)
            continue
        log.info("soap call", attempt=number, elapsed=_since(started))
        return result
    raise AssertionError("unreachable")  # pragma: no cover


def _refused(
    log: Any,
    breaker: CircuitBreaker,
    operation: str,
    attempt: int,
    last: TransportError | None,
    ids: Mapping[str, str],
) -> TransportError:
    """The error for an attempt the open breaker refuses (after ``last``, if this call failed)."""
    wait = breaker.retry_in()
    log.warning("soap circuit open", attempt=attempt, retry_in=round(wait, 1))
    circuit = f"{breaker.name} failed {breaker.failures} times in a row: circuit open"
    mid = ids.get("message_id")
    if last is not None:  # this call's own failures opened it: say what they were
        reason = f"{last.reason}; {circuit}, not retried"
        return type(last)(reason, code=last.code, message_id=mid)
    return TransportError(f"{circuit}, {operation} not sent; retry in {wait:.0f} s", message_id=mid)


def _since(started: float) -> float:
    return round(time.monotonic() - started, 3)


def _failed(
    log: Any, error: CimbusError, attempt: int, started: float, ids: Mapping[str, str]
) -> None:
    if error.message_id is None:
        error.message_id = ids.get("message_id")
    log.warning(
        "soap call failed",
        attempt=attempt,
        elapsed=_since(started),
        code=error.code,
        reason=error.reason,
    )


def message_ids(envelope: etree._Element, message_id: str | None) -> dict[str, str]:
    """``message_id`` and ``correlation_id`` for the logs, from the IEC Header in the Body."""
    found: dict[str, str] = {}
    body = next((c for c in envelope if etree.QName(c).localname == "Body"), envelope)
    header = next(body.iter("{*}Header"), None)
    if header is not None:
        for key, tag in (("message_id", "MessageID"), ("correlation_id", "CorrelationID")):
            text = header.findtext(f"{{*}}{tag}")
            if text and text.strip():
                found[key] = text.strip()
    if message_id is not None:
        found["message_id"] = message_id
    return found


def check_url(url: str, what: str) -> None:
    """Raise ConfigurationError unless ``url`` is an http or https URL with a host."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(f"{what} must be an http(s) URL, not {url!r}")


def text_start(content: bytes, limit: int = 200) -> str:
    """The start of an HTTP body as one line of text, for a reason."""
    text = " ".join(content[: limit * 2].decode("utf-8", errors="replace").split())
    return text[:limit] + ("…" if len(text) > limit else "")


__all__ = [
    "RETRY_BACKOFF",
    "HostFailed",
    "HttpPolicy",
    "Transient",
    "check_url",
    "message_ids",
    "retrying",
    "text_start",
]
