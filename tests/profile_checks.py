"""Checks the per-noun profile tests share: a document against a schema, the emitted XSDs."""

from __future__ import annotations

from functools import cache

import pytest
from lxml import etree

from cim.profiles import PROFILES
from cim.profiles.xsd import profile_xsd


def assert_valid(schema: etree.XMLSchema, data: bytes) -> None:
    """Fail with the schema's error log unless ``data`` validates."""
    if not schema.validate(etree.fromstring(data)):
        pytest.fail(str(schema.error_log))


@cache
def emitted_schema(noun: str) -> etree.XMLSchema:
    """The XSD cim.profiles.xsd emits for the profile of ``noun``, compiled once."""
    return etree.XMLSchema(etree.fromstring(profile_xsd(PROFILES[noun])))
