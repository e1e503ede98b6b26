"""Asynchronous replies to a URL: produced in a worker thread, POSTed with retries and backoff.

A request with ``AsyncReplyFlag`` and a URL ``ReplyAddress`` is acknowledged at once (0.3); its
real answer is made later by a worker (the bus request) and delivered to the URL through a
:data:`Deliver` callable (the SOAP client's ``post_envelope``, or :func:`post_envelope` here).
A failed delivery is logged with the MessageID and tried again after ``first_delay``, doubling up
to ``max_delay``, ``attempts`` times in all. After the last attempt (or when the gateway stops
during a backoff) the reply is *undeliverable*: logged at error level with the MessageID,
CorrelationID, URL and last reason, and kept in :meth:`Courier.undelivered` (the most recent
``keep`` of them) for the operator. It is not retried after that: the requester, who got the
0.3 acknowledgement, must ask again.
"""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from bus.envelope.xmlsafe import SOAP12_NS
from bus.log import get_logger, message_context
from cim.errors import TransportError

_log = get_logger("cimbus.soap.courier")

Deliver = Callable[[str, str, bytes], object]
"""POST a SOAP envelope to a URL with a soapAction (the result is ignored); raise on failure."""


@dataclass(frozen=True, slots=True)
class Outbound:
    """One reply ready to go: where, with which soapAction, the envelope and its ids."""

    url: str
    soap_action: str
    envelope: bytes
    message_id: str | None = None
    correlation_id: str | None = None


@dataclass(frozen=True, slots=True)
class Undelivered:
    """A reply that could not be delivered, and why."""

    outbound: Outbound
    attempts: int
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    """How often and how patiently an asynchronous reply is delivered."""

    attempts: int = 4
    first_delay: float = 0.5
    max_delay: float = 30.0
    workers: int = 4
    keep: int = 1000
    """How many undeliverable replies :meth:`Courier.undelivered` keeps."""

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.workers < 1 or self.first_delay < 0:
            raise ValueError("attempts and workers must be at least 1, delays not negative")


def post_envelope(url: str, soap_action: str, envelope: bytes, *, timeout: float = 10.0) -> None:
    """POST ``envelope`` to ``url`` (urllib); TransportError unless the answer is 2xx."""
    if not url.lower().startswith(("http://", "https://")):
        raise TransportError(f"cannot deliver to {url!r}: only http and https URLs")
    if SOAP12_NS.encode() in envelope[:400]:
        headers = {"Content-Type": f'application/soap+xml; charset=utf-8; action="{soap_action}"'}
    else:
        headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{soap_action}"'}
    request = urllib.request.Request(  # noqa: S310 (http and https only, checked above)
        url, data=envelope, headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            response.read()
    except urllib.error.HTTPError as exc:
        raise TransportError(f"{url} answered HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise TransportError(f"cannot reach {url}: {exc}") from None


class Courier:
    """Makes and delivers asynchronous replies in worker threads."""

    def __init__(self, deliver: Deliver | None = None, policy: RetryPolicy | None = None) -> None:
        self._deliver: Deliver = deliver or post_envelope
        self._policy = policy or RetryPolicy()
        self._pool = ThreadPoolExecutor(self._policy.workers, thread_name_prefix="soap-reply")
        self._stop = threading.Event()
        self._undelivered: deque[Undelivered] = deque(maxlen=self._policy.keep)
        self._lock = threading.Lock()

    def submit(self, produce: Callable[[], Outbound]) -> None:
        """Run ``produce`` (which makes the reply) in a worker, then deliver what it made."""
        self._pool.submit(self._run, produce)

    def undelivered(self) -> list[Undelivered]:
        """The most recent replies that could not be delivered."""
        with self._lock:
            return list(self._undelivered)

    def close(self) -> None:
        """Finish the replies in progress (backoffs are cut short) and stop the workers."""
        self._stop.set()
        self._pool.shutdown(wait=True)

    def _run(self, produce: Callable[[], Outbound]) -> None:
        try:
            outbound = produce()
        except Exception:
            _log.exception("asynchronous reply could not be made")
            return
        with message_context(outbound.message_id, outbound.correlation_id, reply_url=outbound.url):
            self._send(outbound)

    def _send(self, outbound: Outbound) -> None:
        policy = self._policy
        reason = "not attempted"
        for attempt in range(1, policy.attempts + 1):
            try:
                self._deliver(outbound.url, outbound.soap_action, outbound.envelope)
            except Exception as exc:
                reason = str(exc) or type(exc).__name__
                if attempt == policy.attempts:
                    break
                delay = min(policy.first_delay * 2 ** (attempt - 1), policy.max_delay)
                _log.warning(
                    "asynchronous reply not delivered; will retry",
                    attempt=attempt,
                    retry_in=delay,
                    reason=reason,
                )
                if self._stop.wait(delay):
                    reason = f"the gateway stopped before retrying; last failure: {reason}"
                    break
            else:
                _log.info("asynchronous reply delivered", attempt=attempt)
                return
        _log.error("asynchronous reply undeliverable", attempts=attempt, reason=reason[:500])
        with self._lock:
            self._undelivered.append(Undelivered(outbound, attempt, reason))
