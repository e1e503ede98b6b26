"""Declarative mappings: native messages <-> CIM payloads, compiled once into plain callables.

Integration architects write YAML mapping files (``docs/mappings.md``); this package reads and
checks them (:func:`load_mapping`, :func:`load_catalog`), compiles each into a
:class:`CompiledMapping` whose ``to_cim``/``from_cim`` translate whole messages or raise
:class:`MappingError` with the target field's path, runs the test cases beside them
(:mod:`adapters.mapping.testing`) and swaps changed files into a running adapter
(:mod:`adapters.mapping.reload`). ``spec.json_schema()`` is the file format for editors.
"""

from __future__ import annotations

from adapters.mapping.catalog import Catalog, load_catalog
from adapters.mapping.engine import CompiledMapping, read_native, write_native
from adapters.mapping.errors import MappingError, MappingRejected, Problem
from adapters.mapping.loader import load_lookup, load_mapping
from adapters.mapping.spec import MappingFile, json_schema

__all__ = [
    "Catalog",
    "CompiledMapping",
    "MappingError",
    "MappingFile",
    "MappingRejected",
    "Problem",
    "json_schema",
    "load_catalog",
    "load_lookup",
    "load_mapping",
    "read_native",
    "write_native",
]
