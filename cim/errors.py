"""The cimbus error tree: every error the project raises, each with an IEC 61968-100 error code.

It lives in ``cim`` because every other package (``bus``, ``adapters``) may import ``cim`` and
none of them may be imported by it. Vendor exceptions (lxml, pika, zeep) are translated into
these at the edge where the vendor library is used; nothing else escapes a public API.

::

    CimbusError                       5.3  application error (base; never raised bare)
    ├── MessageError                  1.8  an inbound message is unusable (carries the element path)
    │   ├── MalformedMessage          1.8  not well-formed, refused DTD/entity, wrong encoding
    │   ├── SchemaViolation           1.8  well-formed but does not validate against the envelope
    │   │   ├── HeaderError           1.5  bad or missing Header element
    │   │   ├── RequestError          1.6  bad Request element
    │   │   └── PayloadError          1.7  bad Payload element
    │   ├── InvalidVerb               2.9  unknown verb, or a verb in the wrong kind of message
    │   ├── InvalidNoun               2.5  missing, malformed or unknown noun
    │   └── OversizeMessage           3.1  larger than the configured limit
    ├── SecurityError                 7.x  authentication and authorisation
    │   ├── AuthenticationRequired    7.2
    │   ├── AuthenticationFailed      7.4
    │   ├── NotAuthorised             7.5
    │   └── PolicyViolation           7.7  (replayed nonce, stale Created)
    ├── TransportError                5.3  the carrier failed (broker down, unroutable)
    │   └── RequestTimeout            4.1
    └── ConfigurationError            5.2  wrong settings; nothing was attempted

``code`` is a class default that an instance may override (``MessageError("...", code="1.9")``).
"""

from __future__ import annotations


class CimbusError(Exception):
    """Base of every cimbus error; carries an IEC 61968-100 error code and a reason."""

    code: str = "5.3"

    def __init__(
        self,
        reason: str,
        *,
        code: str | None = None,
        path: str | None = None,
        message_id: str | None = None,
        correlation_id: str | None = None,
        noun: str | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        if code is not None:
            self.code = code
        self.path = path
        self.message_id = message_id
        self.correlation_id = correlation_id
        self.noun = noun

    def __str__(self) -> str:
        return f"{self.code} {self.reason}"


class MessageError(CimbusError):
    """An inbound message cannot be used; ``path`` names the offending element."""

    code = "1.8"


class MalformedMessage(MessageError):
    """The bytes are not acceptable XML or JSON (not well-formed, DTD, entity, encoding)."""

    code = "1.8"


class SchemaViolation(MessageError):
    """The message is well-formed but breaks the IEC 61968-100 envelope schema."""

    code = "1.8"


class HeaderError(SchemaViolation):
    """The Header is missing or wrong."""

    code = "1.5"


class RequestError(SchemaViolation):
    """The Request element is wrong."""

    code = "1.6"


class PayloadError(SchemaViolation):
    """The Payload element is wrong."""

    code = "1.7"


class InvalidVerb(MessageError):
    """The verb is unknown or not allowed in this kind of message."""

    code = "2.9"


class InvalidNoun(MessageError):
    """The noun is missing, malformed or not served."""

    code = "2.5"


class OversizeMessage(MessageError):
    """The message exceeds a configured size limit."""

    code = "3.1"


class SecurityError(CimbusError):
    """Authentication or authorisation failed."""

    code = "7.4"


class AuthenticationRequired(SecurityError):
    """No credentials were presented where they are required."""

    code = "7.2"


class AuthenticationFailed(SecurityError):
    """The credentials presented are wrong."""

    code = "7.4"


class NotAuthorised(SecurityError):
    """The authenticated source may not send this verb and noun."""

    code = "7.5"


class PolicyViolation(SecurityError):
    """A security policy refused the message (replayed nonce, stale timestamp)."""

    code = "7.7"


class TransportError(CimbusError):
    """The carrier (broker, HTTP) failed to move a message."""

    code = "5.3"


class RequestTimeout(TransportError):
    """No reply arrived within the allowed time."""

    code = "4.1"


class ConfigurationError(CimbusError):
    """Settings are wrong; nothing was attempted."""

    code = "5.2"


__all__ = [
    "AuthenticationFailed",
    "AuthenticationRequired",
    "CimbusError",
    "ConfigurationError",
    "HeaderError",
    "InvalidNoun",
    "InvalidVerb",
    "MalformedMessage",
    "MessageError",
    "NotAuthorised",
    "OversizeMessage",
    "PayloadError",
    "PolicyViolation",
    "RequestError",
    "RequestTimeout",
    "SchemaViolation",
    "SecurityError",
    "TransportError",
]
