"""``cimbus message check|convert``: validate IEC 61968-100 messages and change their codec."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, cast

import click

from bus.envelope import (
    DEFAULT_LIMITS,
    FaultMessage,
    Form,
    Limits,
    SoapVersion,
    encode_json,
    encode_soap,
    encode_xml,
)
from bus.intake import receive
from bus.payload import check_payload
from cim.errors import CimbusError


@click.group()
def message() -> None:
    """Check and convert IEC 61968-100 messages (XML, SOAP or JSON)."""


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise click.ClickException(f"cannot read {path}: {exc.strerror}") from None


@message.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object with every result.")
@click.option(
    "--max-bytes",
    type=click.IntRange(min=1),
    default=DEFAULT_LIMITS.max_bytes,
    show_default=True,
    help="Refuse messages larger than this.",
)
def check(files: tuple[Path, ...], as_json: bool, max_bytes: int) -> None:
    """Parse and validate each FILE; exit 0 only if every one is a valid message.

    A payload in the namespace of the noun's message profile (MeterReadings) is decoded and
    validated against the profile too. Prints "OK <verb> <noun> <MessageID> (<file>)" or
    "FAIL <code> <reason> (<file>)" per file.
    """
    limits = Limits(max_bytes=max_bytes)
    results: list[dict[str, Any]] = []
    for path in files:
        outcome = receive(_read(path), limits=limits, origin=str(path))
        err: CimbusError | None = outcome.error
        if outcome.message is not None:
            try:
                check_payload(outcome.message)
            except CimbusError as exc:
                err = exc
        if err is None:
            assert outcome.message is not None
            m = outcome.message
            header = None if isinstance(m, FaultMessage) else m.header
            results.append(
                {
                    "file": str(path),
                    "ok": True,
                    "kind": m.kind,
                    "verb": header.verb.value if header else None,
                    "noun": header.noun if header else None,
                    "message_id": header.message_id if header else None,
                }
            )
        else:
            results.append(
                {
                    "file": str(path),
                    "ok": False,
                    "code": err.code,
                    "reason": err.reason,
                    "element": err.path,
                    "message_id": err.message_id,
                }
            )
    if as_json:
        ok = sum(r["ok"] for r in results)
        click.echo(json.dumps({"results": results, "ok": ok, "failed": len(results) - ok}))
    else:
        for r in results:
            if r["ok"]:
                click.echo(
                    f"OK {r['verb'] or '-'} {r['noun'] or r['kind']} "
                    f"{r['message_id'] or '-'} ({r['file']})"
                )
            else:
                click.echo(f"FAIL {r['code']} {r['reason']} ({r['file']})")
    if not all(r["ok"] for r in results):
        sys.exit(1)


@message.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--to", "target", type=click.Choice(["xml", "json"]), required=True, help="Codec to write."
)
@click.option(
    "--form",
    type=click.Choice(["generic", "typed"]),
    default="generic",
    show_default=True,
    help="XML form: generic envelope or per-noun typed wrapper.",
)
@click.option(
    "--soap",
    type=click.Choice(["1.1", "1.2"]),
    default=None,
    help="Wrap the XML in a SOAP envelope of this version.",
)
@click.option("--noun", default=None, help="Noun for a typed FaultMessage (it has no header).")
def convert(file: Path, target: str, form: str, soap: str | None, noun: str | None) -> None:
    """Write FILE's message in another codec to stdout (XML <-> JSON, generic <-> typed, SOAP)."""
    outcome = receive(_read(file), origin=str(file))
    if outcome.message is None:
        assert outcome.error is not None
        raise click.ClickException(f"{file}: {outcome.error.code} {outcome.error.reason}")
    try:
        if target == "json":
            out = encode_json(outcome.message, indent=2) + b"\n"
        elif soap is not None:
            version = cast(SoapVersion, soap)
            out = encode_soap(outcome.message, version=version, form=cast(Form, form), noun=noun)
        else:
            out = encode_xml(outcome.message, form=cast(Form, form), noun=noun) + b"\n"
    except CimbusError as exc:
        raise click.ClickException(f"{file}: cannot write as {target}: {exc}") from None
    sys.stdout.buffer.write(out)
