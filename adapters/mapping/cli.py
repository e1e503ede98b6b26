"""``cimbus mappings check|test``: check a folder of mapping files, then run their test cases.

``check`` loads every mapping, lookup table and tests file and prints each problem as
``file:line:col: message — hint``; ``test`` checks first, then runs every case of every tests
file (:mod:`adapters.mapping.testing`) and prints the diff of each failing check. Both exit 1
on any problem or failure, and print one JSON object with ``--json``. ``bus.cli.mappings``
loads these commands by name when they are used.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NoReturn

import click

from adapters.mapping.catalog import load_catalog
from adapters.mapping.errors import Problem
from adapters.mapping.testing import check_test_file, run_tests

DEFAULT_DIR = "mappings"
"""The folder checked when none is given."""

_DIR = click.argument("directory", default=DEFAULT_DIR, metavar="[DIR]")
_JSON = click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")


def _fail(reason: str) -> NoReturn:
    click.echo(f"error: {reason}", err=True)
    raise SystemExit(1)


def _folder(directory: str) -> Path:
    root = Path(directory)
    if not root.exists():
        _fail(f"no such mappings folder or file: {directory}")
    return root


def check_folder(root: Path) -> tuple[dict[str, Any], list[Problem]]:
    """The counts of what ``root`` holds (files, mappings, lookups, tests) and every problem."""
    catalog = load_catalog(root)
    problems = list(catalog.problems)
    for path in catalog.tests:
        problems += check_test_file(path)
    problems.sort(key=lambda p: p.file)  # stable: each file's problems stay in line order
    counts: dict[str, Any] = {
        "files": catalog.files,
        "mappings": len(catalog.mappings),
        "lookups": len(catalog.lookups),
        "tests": len(catalog.tests),
    }
    return counts, problems


def _summary(counts: dict[str, Any], problems: list[Problem]) -> str:
    return (
        f"checked {counts['files']} files: {counts['mappings']} mappings, "
        f"{counts['lookups']} lookup tables, {counts['tests']} test files; "
        f"{len(problems)} problems"
    )


def _dump(data: dict[str, Any]) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


@click.command("check")
@_DIR
@_JSON
def check_cmd(directory: str, as_json: bool) -> None:
    """Check every mapping, lookup table and tests file under DIR (default: mappings)."""
    counts, problems = check_folder(_folder(directory))
    if as_json:
        _dump({**counts, "problems": [p.as_dict() for p in problems], "ok": not problems})
    else:
        for problem in problems:
            click.echo(str(problem))
        click.echo(_summary(counts, problems))
    if problems:
        raise SystemExit(1)


@click.command("test")
@_DIR
@_JSON
def run_tests_cmd(directory: str, as_json: bool) -> None:
    """Check DIR (default: mappings), then run the cases of every tests file in it."""
    root = _folder(directory)
    counts, problems = check_folder(root)
    if problems:
        if as_json:
            _dump(
                {
                    "problems": [p.as_dict() for p in problems],
                    "cases": 0,
                    "passed": 0,
                    "failed": 0,
                    "checks": 0,
                    "ok": False,
                    "results": [],
                }
            )
        else:
            for problem in problems:
                click.echo(str(problem))
            click.echo(_summary(counts, problems))
        _fail(f"{len(problems)} problems found by the check; no case was run")
    report = run_tests(root)
    if as_json:
        _dump({"problems": [], **report.as_dict()})
    else:
        for result in report.failures:
            where = f"{result.file}: {result.case}" if result.case else result.file
            click.echo(f"{where}: {result.check}")
            click.echo(result.detail)
        click.echo(report.summary())
    if report.failed:
        raise SystemExit(1)


@click.group("mappings")
def mappings_group() -> None:
    """Check mapping files and run the test cases beside them."""


mappings_group.add_command(check_cmd)
mappings_group.add_command(run_tests_cmd)

__all__ = ["DEFAULT_DIR", "check_cmd", "check_folder", "mappings_group", "run_tests_cmd"]
