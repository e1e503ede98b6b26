"""``cimbus model trace`` and ``cimbus model generate``: who loses supply, and synthetic feeders."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from bus.cli.model_common import fail, load_usable
from cim.errors import CimbusError
from cim.network.store import Model
from cim.network.topology import Topology, Trace


def _entry(model: Model, oid: str) -> dict[str, Any]:
    obj = model.objects.get(oid)
    name = obj.get("IdentifiedObject.name") if obj else None
    return {
        "id": oid,
        "class": obj.cls if obj else None,
        "name": name if isinstance(name, str) else None,
    }


def trace_json(model: Model, result: Trace, opened: list[str], closed: list[str]) -> dict[str, Any]:
    """The ``--json`` document of one trace: what was traced, counts, and each list with names."""
    lists = {
        "equipment": result.equipment,
        "energy_consumers": result.consumers,
        "usage_points": result.usage_points,
        "customers": result.customers,
    }
    return {
        "from": _entry(model, result.start),
        "action": result.action,
        "energised_before": result.energised_before,
        "already_open": result.already_open,
        "open": opened,
        "closed": closed,
        "counts": {key: len(ids) for key, ids in lists.items()},
        **{key: [_entry(model, i) for i in ids] for key, ids in lists.items()},
    }


@click.command("trace")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--from", "start", required=True, help="mRID (or unique name) of a switch or equipment."
)
@click.option("--open", "opened", multiple=True, help="Treat this switch as open (repeatable).")
@click.option("--close", "closed", multiple=True, help="Treat this switch as closed (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def trace_cmd(
    paths: tuple[Path, ...],
    start: str,
    opened: tuple[str, ...],
    closed: tuple[str, ...],
    as_json: bool,
) -> None:
    """What loses supply (equipment, usage points, customers) when --from opens or is taken out."""
    model = load_usable(paths)
    topology = Topology(model)
    try:
        result = topology.trace(start, open=opened, closed=closed)
        open_ids = [topology.resolve(s) for s in opened]
        closed_ids = [topology.resolve(s) for s in closed]
    except CimbusError as exc:
        fail(exc.reason)
    data = trace_json(model, result, open_ids, closed_ids)
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    start_ = data["from"]
    verb = "Opening" if result.action == "open" else "Taking out"
    click.echo(
        f"{verb} {start_['class']} {start_['name'] or ''} ({result.start})".replace("  ", " ")
    )
    if not result.energised_before:
        click.echo("  it has no supply in this state: nobody loses supply")
    elif result.already_open:
        click.echo("  it is open (or out of service) already: nobody loses supply")
    counts = data["counts"]
    click.echo(
        f"  loses supply: {counts['equipment']} equipment, {counts['energy_consumers']} "
        f"EnergyConsumers, {counts['usage_points']} usage points, {counts['customers']} customers"
    )
    key = "customers" if counts["customers"] else "usage_points"
    for item in sorted(data[key], key=lambda i: (i["name"] or "", i["id"])):
        click.echo(f"    {key[:-1].replace('_', ' ')}: {item['name'] or ''} ({item['id']})")


@click.command("generate")
@click.option("--feeders", type=click.IntRange(min=1), default=4, show_default=True)
@click.option(
    "--customers", type=click.IntRange(min=0), default=100, show_default=True, help="Per feeder."
)
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed, same model.")
@click.option(
    "--bus-branch", is_flag=True, help="TopologicalNodes (TP) instead of ConnectivityNodes."
)
@click.option(
    "-o",
    "--out",
    required=True,
    type=click.Path(path_type=Path),
    help="Folder for the RDF/XML files.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def generate_cmd(
    feeders: int, customers: int, seed: int, bus_branch: bool, out: Path, as_json: bool
) -> None:
    """Generate synthetic radial feeders with customers and write them as CIM100 RDF/XML."""
    from cim.network.export import write_rdfxml
    from cim.network.generate import generate_grid

    grid = generate_grid(feeders, customers, seed=seed, bus_branch=bus_branch)
    try:
        written = write_rdfxml(grid.model, out)
    except (CimbusError, OSError) as exc:
        fail(f"cannot write {out}: {exc}")
    summary = {
        "objects": len(grid.model.objects),
        "feeders": feeders,
        "customers": len(grid.customer),
        "breakers": list(grid.breakers),
        "ties": list(grid.ties),
        "files": [str(p) for p in written],
    }
    if as_json:
        click.echo(json.dumps(summary, indent=2))
        return
    click.echo(
        f"{summary['objects']} objects, {feeders} feeders, {summary['customers']} customers "
        f"-> {len(written)} file(s)"
    )
    for path in written:
        click.echo(f"  {path}")


__all__ = ["generate_cmd", "trace_cmd", "trace_json"]
