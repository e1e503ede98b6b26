"""``cimbus mappings``: check mapping files and run their tests; the commands live in adapters.

``bus`` never imports ``adapters`` at module level: each command is named in :data:`COMMANDS`
by its import path and imported only when it is run (or its help shown), so ``cimbus --help``
and every other command start without the mapping engine.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

import click

COMMANDS: Mapping[str, str] = {
    "check": "adapters.mapping.cli:check_cmd",
    "test": "adapters.mapping.cli:run_tests_cmd",
}
"""Command name -> ``module:attribute`` of its click command."""


class LazyGroup(click.Group):
    """A click group whose commands come from a fixed registry, imported on first use."""

    def __init__(self, *args: Any, registry: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.registry = dict(registry)

    def list_commands(self, ctx: click.Context) -> list[str]:
        """The registry's command names, sorted."""
        return sorted(self.registry)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Import and return the command named ``cmd_name`` (None when it is not registered)."""
        target = self.registry.get(cmd_name)
        if target is None:
            return None
        module, _, attribute = target.partition(":")
        command = getattr(importlib.import_module(module), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{target} is not a click command")
        return command


@click.group("mappings", cls=LazyGroup, registry=COMMANDS)
def mappings_group() -> None:
    """Check mapping files (native <-> CIM) and run the test cases beside them."""


__all__ = ["COMMANDS", "LazyGroup", "mappings_group"]
