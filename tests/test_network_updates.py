"""Difference models published on the bus update the canonical network model: applied whole,
in order; one that does not fit is dead-lettered with its reason and changes nothing."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from lxml import etree

import bus.envelope as env
from bus.network_updates import NOUN, NetworkModelUpdates
from bus.transport.memory import MemoryTransport
from cim.network.diff import content, diff, difference_bytes
from cim.network.generate import generate
from cim.network.rdfxml import load
from cim.network.store import CimObject, Model, Part

VOLTAGE_LEVEL = "d0486169-2205-40b2-895e-b672ecb9e5fc"
"""A BE voltage level of the MicroGrid whose name EQ_DIFF_1 changes from 220.0 to 225.0."""


def _event(document: bytes) -> env.EventMessage:
    root = etree.fromstring(document)
    fragment = env.XmlFragment(etree.tostring(root), root.tag)
    header = env.make_header("created", NOUN, source="GIS")
    return env.EventMessage(header, payload=env.Payload(elements=(fragment,)))


def _wait(predicate, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.01)


def _changed(model: Model) -> Model:
    """``model`` with one consumer renamed and one object added, in its first document."""
    new = Model(documents=[d for d in model.documents], objects=dict(model.objects), problems=[])
    consumer = next(o for o in new.objects.values() if o.cls == "EnergyConsumer")
    parts = [Part(p.doc, p.cls, dict(p.props), p.line) for p in consumer.parts]
    parts[0].props["IdentifiedObject.name"] = "renamed by GIS"
    new.objects[consumer.id] = CimObject(consumer.id, consumer.cls, parts)
    return new


def test_a_published_difference_updates_the_model() -> None:
    """diff(old, new) published as an event turns the held model into ``new``."""
    old = generate(1, 5, seed=3)
    new = _changed(old)
    updates = NetworkModelUpdates(old)
    bus = MemoryTransport(retry_delay=0.01)
    try:
        updates.subscribe(bus)
        message = _event(difference_bytes(diff(old, new)))
        bus.publish(message)
        _wait(lambda: updates.applied)
        assert updates.applied == [message.header.message_id]
        assert content(updates.model) == content(new)
        assert content(old) != content(new)  # the old snapshot was not touched
    finally:
        bus.close()


def test_a_difference_that_does_not_fit_is_dead_lettered_and_changes_nothing() -> None:
    """The same difference twice: the second finds no old value to reverse and is refused."""
    old = generate(1, 5, seed=4)
    document = difference_bytes(diff(old, _changed(old)))
    updates = NetworkModelUpdates(old)
    bus = MemoryTransport(retry_delay=0.01)
    try:
        updates.subscribe(bus, queue="gis.diffs")
        bus.publish(_event(document))
        _wait(lambda: updates.applied)
        after_first = updates.model
        bus.publish(_event(document))
        _wait(lambda: bus.dead_letters("gis.diffs"))
        (dead,) = bus.dead_letters("gis.diffs")
        assert dead.deliveries == 1 and "5.9" in dead.reason, dead.reason
        assert updates.model is after_first and len(updates.applied) == 1
    finally:
        bus.close()


def test_an_event_without_a_difference_model_is_refused() -> None:
    """A DifferenceModel event carrying something else is dead-lettered, not applied."""
    updates = NetworkModelUpdates(generate(1, 2))
    bus = MemoryTransport(retry_delay=0.01)
    try:
        updates.subscribe(bus, queue="gis.diffs")
        bus.publish(_event(b'<x:Other xmlns:x="urn:x"/>'))
        _wait(lambda: bus.dead_letters("gis.diffs"))
        (dead,) = bus.dead_letters("gis.diffs")
        assert "no rdf:RDF difference model" in dead.reason
        assert updates.applied == []
    finally:
        bus.close()


@pytest.mark.corpus
def test_the_microgrid_t1_differences_arrive_as_events(shared_data: Path) -> None:
    """The real EQ_DIFF_1 published as an event changes the base case as the file says."""
    bc = shared_data / "cim" / "microgrid_bc"
    base = load([bc / "20171002T0930Z_BE_EQ_2.xml", bc / "20171002T0930Z_1D_BE_TP_2.xml"])
    assert base.objects[VOLTAGE_LEVEL].get("IdentifiedObject.name") == "220.0"
    t1 = shared_data / "cim" / "microgrid_t1_diff" / "20171002T0930Z_BE_EQ_DIFF_1.xml"
    updates = NetworkModelUpdates(base)
    bus = MemoryTransport(retry_delay=0.01)
    try:
        updates.subscribe(bus)
        bus.publish(_event(t1.read_bytes()))
        _wait(lambda: updates.applied)
        assert updates.model.objects[VOLTAGE_LEVEL].get("IdentifiedObject.name") == "225.0"
        assert base.objects[VOLTAGE_LEVEL].get("IdentifiedObject.name") == "220.0"
    finally:
        bus.close()
