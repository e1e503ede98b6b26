"""``cimbus demo``: the end-to-end scenario on the embedded default, as far as it is built.

Today that is the IEC 61968-100 envelope: every example message the project ships in
``docs/examples/`` is parsed, validated, written in every form (XML, per-noun typed, SOAP 1.1 and
1.2, JSON) and read back unchanged; a reply is built for a request; hostile input is answered
with an IEC 61968-100 error. The SCADA -> OMS -> CIS scenario joins as its parts land.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bus.envelope import (
    FaultMessage,
    Message,
    RequestMessage,
    Result,
    decode,
    encode_json,
    encode_soap,
    encode_xml,
    reply_to,
)
from bus.intake import receive
from cim.errors import CimbusError

_REPO_EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
_HOSTILE = {
    "billion laughs (entity expansion)": (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b'<RequestMessage xmlns="http://iec.ch/TC57/2011/schema/message"><Header><Verb>get</Verb>'
        b"<Noun>&lol2;</Noun></Header></RequestMessage>"
    ),
    "unknown verb": (
        b'<EventMessage xmlns="http://iec.ch/TC57/2011/schema/message"><Header><Verb>publish'
        b"</Verb><Noun>MeterReadings</Noun><MessageID>demo-1</MessageID></Header></EventMessage>"
    ),
    "truncated message": b'<EventMessage xmlns="http://iec.ch/TC57/2011/schema/message"><Hea',
}


def _forms(m: Message) -> dict[str, bytes]:
    noun = "MeterReadings" if isinstance(m, FaultMessage) else None
    return {
        "xml": encode_xml(m),
        "typed": encode_xml(m, form="typed", noun=noun),
        "soap1.1": encode_soap(m, version="1.1"),
        "soap1.2": encode_soap(m, version="1.2", form="typed", noun=noun),
        "json": encode_json(m),
    }


@click.command()
@click.option(
    "--examples",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Folder of example messages (default: the repository's docs/examples).",
)
def demo(examples: Path | None) -> None:
    """Run the end-to-end demo on the embedded default (today: the envelope round trip)."""
    folder = examples or (_REPO_EXAMPLES if _REPO_EXAMPLES.is_dir() else Path("docs/examples"))
    files = sorted(folder.glob("*.xml")) + sorted(folder.glob("*.json"))
    if not files:
        raise click.ClickException(
            f"no example messages in {folder}; run from the repository root or pass --examples"
        )
    click.echo("cimbus demo - what runs today: the IEC 61968-100 envelope round trip.")
    click.echo("(The transports, adapters and the SCADA -> OMS -> CIS outage scenario are not")
    click.echo(" built yet; this demo grows as they land.)\n")
    failures = 0
    for path in files:
        try:
            m = decode(path.read_bytes())
            for form, data in _forms(m).items():
                if decode(data) != m:
                    raise CimbusError(f"{form} round trip changed the message")
        except CimbusError as exc:
            failures += 1
            click.echo(f"  FAIL {path.name}: {exc}")
            continue
        what = (
            "FaultMessage"
            if isinstance(m, FaultMessage)
            else (f"{m.kind} {m.header.verb.value} {m.header.noun}")
        )
        click.echo(f"  ok  {path.name}: {what} -> xml, typed, soap 1.1/1.2, json -> same message")
        if isinstance(m, RequestMessage):
            reply = reply_to(m, result=Result.OK, source="cimbus-demo")
            click.echo(f"      reply built: CorrelationID {reply.header.correlation_id}")
    click.echo("\nHostile input is answered with an IEC 61968-100 error, never a crash:")
    for name, data in _HOSTILE.items():
        outcome = receive(data, origin="demo")
        if outcome.ok or outcome.error is None or outcome.answer is None:
            failures += 1
            click.echo(f"  FAIL {name}: was accepted")
            continue
        click.echo(
            f"  ok  {name}: {outcome.answer.kind} code {outcome.error.code} - "
            f"{outcome.error.reason[:70]}"
        )
    click.echo(f"\n{len(files)} examples, {len(_HOSTILE)} hostile inputs, {failures} failures")
    if failures:
        sys.exit(1)
