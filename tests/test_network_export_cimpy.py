"""cimpy interop: cimpy 1.1 reads our CGMES 2.4.15 export with the same objects per class."""

from __future__ import annotations

import importlib
import importlib.util
import logging
import pkgutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cim.network.export import write_rdfxml

pytestmark = pytest.mark.corpus

CGMES = "cgmes_v2_4_15"


@pytest.fixture
def cimpy(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """cimpy, quiet, and able to read decimals where its classes default to an int.

    cimpy 1.1 converts a literal with the type of the attribute's default, and defaults
    ``Seconds``/``ActivePower``-like attributes to ``0``: ``int("10.000000")`` then raises
    (it does so on the original MicroGrid files too). The defaults are made floats for the test.
    """
    lib = pytest.importorskip("cimpy")
    package = importlib.import_module(f"cimpy.{CGMES}")
    for info in pkgutil.iter_modules(package.__path__):
        cls = getattr(importlib.import_module(f"{package.__name__}.{info.name}"), info.name, None)
        init = cls.__dict__.get("__init__") if isinstance(cls, type) else None
        defaults = getattr(init, "__defaults__", None)
        if defaults and any(type(v) is int for v in defaults):
            fixed = tuple(float(v) if type(v) is int else v for v in defaults)
            monkeypatch.setattr(init, "__defaults__", fixed)
    logging.disable(logging.CRITICAL)
    try:
        yield lib
    finally:
        logging.disable(logging.NOTSET)


def cimpy_knows(cls: str) -> bool:
    """Whether cimpy has a class of that name for CGMES 2.4.15."""
    return importlib.util.find_spec(f"cimpy.{CGMES}.{cls}") is not None


@pytest.mark.parametrize("name", ["cigre_mv", "microgrid_bc"], ids=["cigre_mv", "microgrid_bc"])
def test_cimpy_reads_our_export_with_the_same_objects_per_class(
    name: str, cimpy: Any, shared_data: Path, tmp_path: Path
) -> None:
    """Per class cimpy knows, cimpy counts as many objects in our export as our model holds."""
    from cim.network.rdfxml import load

    model = load(sorted((shared_data / "cim" / name).glob("*.xml")))
    written = write_rdfxml(model, tmp_path)
    result = cimpy.cim_import([str(p) for p in written], CGMES)
    theirs = Counter(type(o).__name__ for o in result["topology"].values())
    ours = {cls: n for cls, n in model.counts().items() if ":" not in cls and cimpy_knows(cls)}
    assert len(ours) > 15
    assert dict(sorted(theirs.items())) == ours
