"""WS-Security UsernameToken: who is calling the SOAP gateway, checked against configured users.

The token is read from ``soap:Header/wsse:Security/wsse:UsernameToken`` (OASIS UsernameToken
Profile 1.0/1.1) with either password form:

* ``PasswordText`` (the default ``Type``): the password itself; use it over TLS only;
* ``PasswordDigest``: Base64(SHA-1(nonce + created + password)), where nonce is the decoded
  ``wsse:Nonce`` and created the ``wsu:Created`` text, both required.

``wsu:Created`` (when present; always for a digest) must lie within ``Credentials.window`` of
the gateway's clock, and a Nonce is accepted once per user within that window. Outcomes, as
IEC 61968-100 codes: no token -> :class:`AuthenticationRequired` (7.2); an unknown user, a wrong
password, a malformed, stale or replayed token -> :class:`AuthenticationFailed` (7.4). What an
authenticated user may send is :attr:`Credentials.policy` (7.5 otherwise).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
import threading
import tomllib
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any

from lxml import etree

from bus.security import AuthorisationPolicy, Rule
from cim.errors import AuthenticationFailed, AuthenticationRequired, ConfigurationError

WSSE_NS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU_NS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
_PROFILE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
PASSWORD_TEXT = f"{_PROFILE}#PasswordText"
PASSWORD_DIGEST = f"{_PROFILE}#PasswordDigest"
BASE64_BINARY = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"
)
_MAX_NONCE = 256
_Element = etree._Element


@dataclass(frozen=True, slots=True, kw_only=True)
class Account:
    """One caller: its password, the Source it writes, and the verbs and nouns it may send."""

    password: str = field(repr=False)
    source: str | None = None
    """The Header Source this caller sends as; the username when None."""
    verbs: tuple[str, ...] = ("*",)
    nouns: tuple[str, ...] = ("*",)


_ACCOUNT_KEYS = frozenset({"password", "password_env", "source", "verbs", "nouns"})


@dataclass(frozen=True, slots=True, kw_only=True)
class Credentials:
    """The users allowed to call the gateway (username -> :class:`Account`) and the time window."""

    accounts: Mapping[str, Account]
    window: timedelta = timedelta(minutes=5)
    """How far ``wsu:Created`` may be from now, and how long a Nonce is remembered."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "accounts", MappingProxyType(dict(self.accounts)))

    @classmethod
    def from_mapping(
        cls, config: Mapping[str, Any], *, environ: Mapping[str, str] | None = None
    ) -> Credentials:
        """Credentials from ``{"window_seconds": 300, "users": {"cis": {"password": …}}}``.

        Each user has ``password`` or ``password_env`` (the variable holding it), and optionally
        ``source``, ``verbs`` and ``nouns`` (names, ``*`` or ``prefix*``; default everything).
        """
        env = os.environ if environ is None else environ
        unknown = set(config) - {"users", "window_seconds"}
        if unknown:
            raise ConfigurationError(f"unknown credentials settings: {', '.join(sorted(unknown))}")
        users = config.get("users")
        if not isinstance(users, Mapping) or not users:
            raise ConfigurationError("credentials need a [users.NAME] table for each caller")
        accounts = {name: _account(name, entry, env) for name, entry in users.items()}
        window = config.get("window_seconds", 300)
        if not isinstance(window, int | float) or window <= 0:
            raise ConfigurationError("window_seconds must be a positive number of seconds")
        return cls(accounts=accounts, window=timedelta(seconds=window))

    @classmethod
    def from_toml(cls, path: Path, *, environ: Mapping[str, str] | None = None) -> Credentials:
        """Credentials from a TOML file in the form :meth:`from_mapping` reads."""
        try:
            config = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigurationError(f"cannot read credentials from {path}: {exc}") from None
        return cls.from_mapping(config, environ=environ)

    def sender(self, username: str) -> str:
        """The Header Source ``username`` sends as."""
        return self.accounts[username].source or username

    @property
    def policy(self) -> AuthorisationPolicy:
        """Allow rules: each user's Source may send its verbs and nouns."""
        return AuthorisationPolicy(
            tuple(
                Rule(self.sender(user), verb, noun)
                for user, account in self.accounts.items()
                for verb in account.verbs
                for noun in account.nouns
            )
        )


def _account(name: str, entry: object, env: Mapping[str, str]) -> Account:
    if not isinstance(entry, Mapping):
        raise ConfigurationError(f"users.{name} must be a table")
    unknown = set(entry) - _ACCOUNT_KEYS
    if unknown:
        raise ConfigurationError(f"users.{name}: unknown settings {', '.join(sorted(unknown))}")
    password = entry.get("password")
    if password is None and "password_env" in entry:
        password = env.get(str(entry["password_env"]))
        if password is None:
            raise ConfigurationError(
                f"users.{name}: the variable {entry['password_env']} holding the password is "
                "not set"
            )
    if not isinstance(password, str) or not password:
        raise ConfigurationError(f"users.{name} needs a password or password_env")

    def names(key: str) -> tuple[str, ...]:
        value = entry.get(key, ["*"])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise ConfigurationError(f"users.{name}.{key} must be a list of names")
        return tuple(value)

    source = entry.get("source")
    if source is not None and not isinstance(source, str):
        raise ConfigurationError(f"users.{name}.source must be a string")
    return Account(password=password, source=source, verbs=names("verbs"), nouns=names("nouns"))


@dataclass(frozen=True, slots=True)
class UsernameToken:
    """A UsernameToken as presented: username, password (text or digest), nonce, created."""

    username: str
    password: str = field(repr=False)
    digest: bool = False
    nonce: bytes | None = None
    created: str | None = None


def password_digest(password: str, nonce: bytes, created: str) -> str:
    """Base64(SHA-1(nonce + created + password)), the UsernameToken PasswordDigest."""
    raw = hashlib.sha1(nonce + created.encode() + password.encode(), usedforsecurity=False)
    return base64.b64encode(raw.digest()).decode("ascii")


def find_token(envelope: _Element) -> UsernameToken | None:
    """The UsernameToken in a SOAP Envelope's Header, or None; 7.4 when it is malformed."""
    tokens = [
        token
        for header in envelope
        if isinstance(header.tag, str) and header.tag.endswith("}Header")
        for security in header.iterchildren(f"{{{WSSE_NS}}}Security")
        for token in security.iterchildren(f"{{{WSSE_NS}}}UsernameToken")
    ]
    if not tokens:
        return None
    if len(tokens) > 1:
        raise _failed("more than one UsernameToken; send exactly one")
    token = tokens[0]
    username = (token.findtext(f"{{{WSSE_NS}}}Username") or "").strip()
    password_el = token.find(f"{{{WSSE_NS}}}Password")
    if not username or password_el is None:
        raise _failed("the UsernameToken needs a Username and a Password")
    kind = password_el.get("Type", PASSWORD_TEXT)
    if kind not in (PASSWORD_TEXT, PASSWORD_DIGEST):
        raise _failed(f"unsupported password Type {kind[:120]!r}; use PasswordText or Digest")
    nonce = None
    nonce_el = token.find(f"{{{WSSE_NS}}}Nonce")
    if nonce_el is not None:
        if nonce_el.get("EncodingType", BASE64_BINARY) != BASE64_BINARY:
            raise _failed("the Nonce must be Base64Binary")
        try:
            nonce = base64.b64decode((nonce_el.text or "").strip(), validate=True)
        except (binascii.Error, ValueError):
            raise _failed("the Nonce is not valid base64") from None
        if not nonce or len(nonce) > _MAX_NONCE:
            raise _failed(f"the Nonce must be 1 to {_MAX_NONCE} bytes")
    created = token.findtext(f"{{{WSU_NS}}}Created")
    return UsernameToken(
        username,
        password_el.text or "",
        digest=kind == PASSWORD_DIGEST,
        nonce=nonce,
        created=None if created is None else created.strip(),
    )


class Authenticator:
    """Checks UsernameTokens against :class:`Credentials`; remembers nonces for the window."""

    def __init__(
        self,
        credentials: Credentials,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        max_nonces: int = 100_000,
    ) -> None:
        self.credentials = credentials
        self._clock = clock
        self._max = max_nonces
        self._seen: OrderedDict[tuple[str, bytes], datetime] = OrderedDict()
        self._lock = threading.Lock()

    def authenticate(self, envelope: _Element) -> str:
        """The username a SOAP Envelope's token proves; raise 7.2 or 7.4 otherwise."""
        token = find_token(envelope)
        if token is None:
            raise AuthenticationRequired(
                "this endpoint requires a WS-Security UsernameToken in the SOAP Header",
                path="/Envelope/Header/Security",
            )
        return self.check(token)

    def check(self, token: UsernameToken) -> str:
        """The username ``token`` proves; raise AuthenticationFailed (7.4) otherwise."""
        now = self._clock()
        if token.digest and (token.nonce is None or token.created is None):
            raise _failed("a PasswordDigest needs a Nonce and a Created")
        if token.created is not None:
            self._check_fresh(token.created, now)
        account = self.credentials.accounts.get(token.username)
        expected = account.password if account is not None else secrets.token_hex(16)
        if token.digest:
            assert token.nonce is not None and token.created is not None
            proof = password_digest(expected, token.nonce, token.created)
            good = hmac.compare_digest(token.password.strip().encode(), proof.encode())
        else:
            good = hmac.compare_digest(token.password.encode(), expected.encode())
        if account is None or not good:
            raise _failed("wrong username or password")
        if token.nonce is not None:
            self._remember(token.username, token.nonce, now)
        return token.username

    def _check_fresh(self, created: str, now: datetime) -> None:
        try:
            when = datetime.fromisoformat(created)
        except ValueError:
            raise _failed(f"Created {created[:40]!r} is not an xs:dateTime") from None
        when = when if when.tzinfo else when.replace(tzinfo=UTC)
        if abs(now - when) > self.credentials.window:
            raise _failed(
                f"the token's Created {created[:40]} is outside {self.credentials.window} of "
                f"{now.isoformat(timespec='seconds')}; make a fresh token (check the clock)"
            )

    def _remember(self, username: str, nonce: bytes, now: datetime) -> None:
        key = (username, nonce)
        with self._lock:
            window = self.credentials.window
            while self._seen and (
                now - next(iter(self._seen.values())) > window or len(self._seen) >= self._max
            ):
                self._seen.popitem(last=False)
            if key in self._seen:
                raise _failed("this Nonce was already used; the token is a replay")
            self._seen[key] = now


def security_header(
    username: str,
    password: str,
    *,
    digest: bool = True,
    nonce: bytes | None = None,
    created: str | None = None,
) -> bytes:
    """A ``wsse:Security`` header element carrying a UsernameToken, for a client to send."""
    nonce = secrets.token_bytes(16) if nonce is None else nonce
    if created is None:
        created = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    wsse, wsu = f"{{{WSSE_NS}}}", f"{{{WSU_NS}}}"
    security = etree.Element(f"{wsse}Security", nsmap={"wsse": WSSE_NS, "wsu": WSU_NS})
    token = etree.SubElement(security, f"{wsse}UsernameToken")
    etree.SubElement(token, f"{wsse}Username").text = username
    secret = password_digest(password, nonce, created) if digest else password
    kind = PASSWORD_DIGEST if digest else PASSWORD_TEXT
    etree.SubElement(token, f"{wsse}Password", Type=kind).text = secret
    nonce_el = etree.SubElement(token, f"{wsse}Nonce", EncodingType=BASE64_BINARY)
    nonce_el.text = base64.b64encode(nonce).decode("ascii")
    etree.SubElement(token, f"{wsu}Created").text = created
    return etree.tostring(security)


def _failed(reason: str) -> AuthenticationFailed:
    return AuthenticationFailed(reason, path="/Envelope/Header/Security/UsernameToken")
