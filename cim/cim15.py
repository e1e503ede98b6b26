"""CIM15 names of the 2011 IEC 61968-9 profile XSDs that differ in CIM100, and their resolution.

The 2011 profile XSDs in ../shared/data/iec61968-100/profiles name the CIM class or property each
element stands for (``sawsdl:modelReference="…cim15#Asset.lifecycle"``). ``tests/test_cim15.py``
reads every such name in every XSD there and requires it to be a CIM100 name (directly or through
the CIM100 hierarchy, see :func:`cim.cim16.to_cim100`) or an entry of ``DIFFERENCES`` below. Of
the 476 distinct names, these are the only ones CIM100 spells differently. WorkRequests.xsd has
no model references; its differences are listed in ``docs/profiles.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from cim.cim16 import Difference, Kind, to_cim100

_ADDRESS = "CIM100 has no PostalAddress: the StreetAddress compound holds poBox and postalCode"

DIFFERENCES: Mapping[str, Difference] = MappingProxyType(
    {
        d.name: d
        for d in (
            Difference(
                name="Asset.lifecycle",
                kind=Kind.RENAMED,
                target="Asset.lifecycleDate",
                reason="CIM100 names the LifecycleDate compound lifecycleDate",
            ),
            Difference(
                name="AssetInfo.AssetModel",
                kind=Kind.RENAMED,
                target="AssetInfo.ProductAssetModel",
                reason="CIM100 has ProductAssetModel where CIM15 had the abstract AssetModel",
            ),
            *(
                Difference(
                    name=f"PostalAddress{m}",
                    kind=Kind.RENAMED,
                    target=f"StreetAddress{m}",
                    reason=_ADDRESS,
                )
                for m in ("", ".poBox", ".postalCode", ".streetDetail", ".townDetail")
            ),
        )
    }
)
"""Every CIM15 name in the 2011 profile XSDs that is not a CIM100 name as it is."""


def cim15_to_cim100(name: str) -> str | None:
    """The CIM100 name for a CIM15 class or property name of a 2011 profile; None if none."""
    known = DIFFERENCES.get(name)
    return known.target if known is not None else to_cim100(name)


__all__ = ["DIFFERENCES", "cim15_to_cim100"]
