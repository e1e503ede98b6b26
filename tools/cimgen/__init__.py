"""Generate ``cim/model`` from the CIM100 LinkML schema and the CIMTool export (dev only)."""

from __future__ import annotations

import os
from pathlib import Path

from tools.cimgen.emit import render
from tools.cimgen.model import Model
from tools.cimgen.sources import load

REPO = Path(__file__).resolve().parents[2]
OUTPUT = REPO / "cim" / "model"


def schema_folder() -> Path:
    """The shared ``cim-schema`` folder (``CIMBUS_SHARED_DATA`` or ``../shared/data``)."""
    shared = Path(os.environ.get("CIMBUS_SHARED_DATA", REPO.parent / "shared" / "data"))
    return shared / "cim-schema"


def generate(folder: Path | None = None) -> dict[str, str]:
    """Every generated file's text, by name inside ``cim/model``, computed in memory."""
    return render(Model(load(folder or schema_folder())))


__all__ = ["OUTPUT", "generate", "schema_folder"]
