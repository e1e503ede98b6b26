"""Topology and trace on generated feeders, whose answer is known by construction, and on
small hand-built models for the rules (class hierarchy, CIM16 names, boundaries, customers)."""

from __future__ import annotations

import pytest

from cim.errors import ConfigurationError
from cim.network.generate import Generated, generate, generate_grid
from cim.network.store import CimObject, Document, Model, Part, Ref, Value
from cim.network.topology import Topology, is_a, trace
from cim.network.wiring import class_chain


@pytest.fixture(scope="module", params=[False, True], ids=["node-breaker", "bus-branch"])
def grid(request: pytest.FixtureRequest) -> Generated:
    """Three feeders of 40 customers, as ConnectivityNodes or as TopologicalNodes."""
    return generate_grid(3, 40, seed=7, bus_branch=request.param)


@pytest.fixture(scope="module")
def topo(grid: Generated) -> Topology:
    """The topology of the grid fixture, built once."""
    return Topology(grid.model)


def _name(model: Model, oid: str) -> str:
    return str(model.objects[oid].get("IdentifiedObject.name"))


def _mid_feeder_switch(grid: Generated, feeder: int = 0) -> str:
    """A LoadBreakSwitch of ``feeder`` with some, not all, of its customers below it."""
    for sw in sorted(grid.lost(grid.breakers[feeder]).equipment):
        below = grid.lost(sw)
        if grid.model.objects[sw].cls == "LoadBreakSwitch" and 0 < len(below.customers) < 40:
            return sw
    raise AssertionError("the seed gave no mid-feeder load-break switch")


def _same(result: object, expected: object) -> None:
    for key in ("equipment", "consumers", "usage_points", "customers"):
        assert set(getattr(result, key)) == getattr(expected, key), key


def test_switches_and_sources_are_decided_by_the_cim_class_hierarchy() -> None:
    """Recloser, Sectionaliser, Jumper are switches through CIM100 inheritance, not a list."""
    for cls in ("Breaker", "Recloser", "Sectionaliser", "Jumper", "Fuse", "Disconnector"):
        assert is_a(cls, "Switch")
    assert is_a("Breaker", "ProtectedSwitch") and not is_a("ACLineSegment", "Switch")
    assert is_a("ConformLoad", "EnergyConsumer") and is_a("StationSupply", "EnergyConsumer")
    assert class_chain("entsoe:EnergySchedulingType")[0] == "EnergySchedulingType"
    assert class_chain("NoSuchClass") == ()


def test_mid_feeder_switch_drops_exactly_what_is_below_it(grid: Generated, topo: Topology) -> None:
    """Opening a mid-feeder LoadBreakSwitch de-energises exactly the downstream part."""
    sw = _mid_feeder_switch(grid)
    result = topo.trace(sw)
    assert result.action == "open" and result.energised_before and not result.already_open
    _same(result, grid.lost(sw))
    assert sw not in result.equipment  # its upstream side keeps supply


def test_feeder_breaker_drops_the_whole_feeder(grid: Generated, topo: Topology) -> None:
    """Opening a feeder breaker takes supply from every customer of that feeder, none else."""
    result = topo.trace(grid.breakers[1])
    names = {_name(grid.model, c) for c in result.customers}
    assert len(names) == 40 and all(n.startswith("F2-") for n in names)
    _same(result, grid.lost(grid.breakers[1]))


def test_every_switch_matches_the_construction(grid: Generated, topo: Topology) -> None:
    """Every breaker, load-break switch and fuse: the trace equals the construction's answer."""
    for sw in grid.switches:
        _same(topo.trace(sw), grid.lost(sw))


def test_an_open_tie_changes_nothing(grid: Generated, topo: Topology) -> None:
    """Opening a normally open tie that is open already loses nobody's supply."""
    result = topo.trace(grid.ties[0])
    assert result.already_open and result.energised_before
    assert result.equipment == result.usage_points == result.customers == ()


def test_open_overrides_the_state_read(grid: Generated, topo: Topology) -> None:
    """--open: below an opened switch nothing is energised; above it, only the rest is lost."""
    sw = _mid_feeder_switch(grid)
    breaker = next(b for b in grid.breakers if sw in grid.lost(b).equipment)
    below = next(f for f in grid.switches if f in grid.lost(sw).equipment)
    assert not topo.trace(below, open=[sw]).energised_before
    assert topo.trace(below, open=[sw]).customers == ()
    result = topo.trace(breaker, open=[sw])
    expected = grid.lost(breaker).equipment - grid.lost(sw).equipment
    assert set(result.equipment) == expected
    assert set(result.customers) == grid.lost(breaker).customers - grid.lost(sw).customers


def test_a_closed_tie_keeps_supply(grid: Generated, topo: Topology) -> None:
    """Meshed: with the F1-F2 tie closed, F1's breaker or switches opening loses nobody."""
    tie, (f1, f2, _) = grid.ties[0], grid.breakers
    assert topo.trace(f1, closed=[tie]).customers == ()
    assert topo.trace(_mid_feeder_switch(grid), closed=[tie]).equipment == ()
    both = topo.trace(f1, closed=[tie], open=[f2])
    assert set(both.customers) == grid.lost(f1).customers | grid.lost(f2).customers


def test_taking_out_equipment(grid: Generated, topo: Topology) -> None:
    """A removed transformer takes its customers with it; a removed consumer its own."""
    tx = next(
        o.id
        for o in grid.model.objects.values()
        if o.cls == "PowerTransformer" and o.id in grid.upstream
    )
    result = topo.trace(tx)
    assert result.action == "remove" and tx in result.equipment and result.customers
    consumer = next(iter(grid.usage_point))
    alone = topo.trace(consumer)
    assert alone.equipment == alone.consumers == (consumer,)
    assert alone.usage_points == (grid.usage_point[consumer],)
    assert alone.customers == (grid.customer[grid.usage_point[consumer]],)


def test_islands_and_energisation(grid: Generated, topo: Topology) -> None:
    """One energised island normally; an opened breaker leaves its feeder a dead island."""
    islands = topo.islands()
    assert [i.energised for i in islands if i.sources] == [True]
    assert all(not i.energised for i in islands if not i.sources)
    dead = [i for i in topo.islands(open=[grid.breakers[0]]) if not i.energised]
    assert grid.lost(grid.breakers[0]).equipment <= {e for i in dead for e in i.equipment}
    consumer = next(iter(grid.lost(grid.breakers[0]).consumers))
    assert topo.energised(consumer) and not topo.energised(consumer, open=[grid.breakers[0]])


def test_the_generator_is_deterministic_and_complete() -> None:
    """Same seed, same model; every object has its mRID; documents EQ, CU, SSH (+TP)."""
    a, b = generate(2, 10, seed=3), generate(2, 10, seed=3)
    assert list(a.objects) == list(b.objects) and list(generate(2, 10, seed=4).objects) != list(
        a.objects
    )
    assert all(o.get("IdentifiedObject.mRID") == o.id for o in a.objects.values())
    assert [d.name for d in a.documents] == ["feeders_EQ.xml", "feeders_CU.xml", "feeders_SSH.xml"]
    counts = a.counts()
    for cls in ("EnergyConsumer", "UsagePoint", "ServiceLocation", "Customer", "CustomerAgreement"):
        assert counts[cls] == 20
    assert counts["Breaker"] == 2 and counts["EnergySource"] == 1
    bus = generate(2, 10, seed=3, bus_branch=True)
    assert "ConnectivityNode" not in bus.counts() and bus.documents[-1].name == "feeders_TP.xml"
    assert generate(1, 0).counts()["ACLineSegment"] == 1


# ---------------------------------------------------------------- hand-built models for the rules


class _Grid:
    """A tiny model built in code: equipment with terminals on named nodes."""

    def __init__(self, *authorities: str) -> None:
        docs = [
            Document(name=f"{a}.xml", header={"Model.modelingAuthoritySet": [a]})
            for a in authorities or ("a",)
        ]
        self.model = Model(documents=docs)

    def add(
        self, cls: str, oid: str, nodes: tuple[str, ...] = (), doc: int = 0, **props: Value
    ) -> str:
        keys = {k.replace("__", "."): v for k, v in props.items()}
        self.model.objects[oid] = CimObject(id=oid, cls=cls, parts=[Part(doc, cls, keys)])
        for i, node in enumerate(nodes, 1):
            t = f"{oid}-t{i}"
            wiring: dict[str, Value | list[Value]] = {
                "Terminal.ConductingEquipment": Ref(oid),
                "Terminal.ConnectivityNode": Ref(node),
            }
            self.model.objects[t] = CimObject(
                id=t, cls="Terminal", parts=[Part(doc, "Terminal", wiring)]
            )
        return oid


def test_cim16_and_subclass_qualified_names_are_read() -> None:
    """``Terminal.connected`` (CIM16) false isolates; ``Recloser.open`` (subclass name) opens."""
    g = _Grid()
    g.add("ExternalNetworkInjection", "src", ("n0",))
    g.add("Recloser", "rc", ("n0", "n1"), Recloser__normalOpen="false")
    g.add("EnergyConsumer", "load", ("n1",))
    assert trace(g.model, "rc").consumers == ("load",)
    g.model.objects["rc"].parts.append(Part(0, "Recloser", {"Recloser.open": "true"}))
    assert Topology(g.model).trace("rc").already_open
    g.model.objects["rc"].parts.pop()
    g.model.objects["load-t1"].parts.append(Part(0, "Terminal", {"Terminal.connected": "false"}))
    assert not Topology(g.model).energised("load")


def test_a_boundary_equivalent_of_a_loaded_neighbour_is_no_source() -> None:
    """An EquivalentInjection at a node shared with another model stands in for it."""
    g = _Grid("mv", "lv")
    g.add("EnergySource", "grid", ("a",), doc=0)
    g.add("ACLineSegment", "cable", ("a", "x"), doc=0)
    g.add("EquivalentInjection", "lv-eq", ("x",), doc=0)  # MV's picture of the LV grid
    g.add("EquivalentInjection", "mv-eq", ("x",), doc=1)  # LV's picture of the MV grid
    g.add("Fuse", "fu", ("x", "y"), doc=1)
    g.add("EnergyConsumer", "house", ("y",), doc=1)
    assert trace(g.model, "cable").consumers == ("house",)
    alone = _Grid("lv")
    alone.add("EquivalentInjection", "mv-eq", ("x",))
    alone.add("Fuse", "fu", ("x", "y"))
    alone.add("EnergyConsumer", "house", ("y",))
    assert Topology(alone.model).energised("house")  # the LV model alone: it is the source


def test_customers_through_agreement_location_account_and_both_link_directions() -> None:
    """UsagePoint -> agreement, -> location -> agreement, agreement -> account -> customer."""
    g = _Grid()
    g.add("EnergySource", "src", ("n0",))
    g.add("LoadBreakSwitch", "sw", ("n0", "n1"))
    for i in range(1, 5):
        g.add("EnergyConsumer", f"ec{i}", ("n1",))
    g.add("CustomerAgreement", "ca1", CustomerAgreement__Customer=Ref("c1"))
    g.add(
        "UsagePoint",
        "up1",
        UsagePoint__Equipments=Ref("ec1"),
        UsagePoint__CustomerAgreement=Ref("ca1"),
    )
    g.add("ServiceLocation", "sl2", ServiceLocation__CustomerAgreements=Ref("ca2"))
    g.add("CustomerAgreement", "ca2", CustomerAgreement__Customer=Ref("c2"))
    g.add(
        "UsagePoint",
        "up2",
        UsagePoint__Equipments=Ref("ec2"),
        UsagePoint__ServiceLocation=Ref("sl2"),
    )
    g.add("CustomerAgreement", "ca3", CustomerAgreement__CustomerAccount=Ref("acct3"))
    g.add("CustomerAccount", "acct3", CustomerAccount__Customer=Ref("c3"))
    g.add(
        "UsagePoint",
        "up3",
        UsagePoint__Equipments=Ref("ec3"),
        UsagePoint__CustomerAgreement=Ref("ca3"),
    )
    g.model.objects["ec4"].parts[0].props["Equipment.UsagePoints"] = Ref("up4")
    g.add("UsagePoint", "up4", UsagePoint__ServiceLocation=Ref("sl4"))
    g.add("CustomerAgreement", "ca4", CustomerAgreement__ServiceLocations=Ref("sl4"))
    g.add("Customer", "c4", Customer__CustomerAgreements=Ref("ca4"))
    result = trace(g.model, "sw")
    assert sorted(result.usage_points) == ["up1", "up2", "up3", "up4"]
    assert sorted(result.customers) == ["c1", "c2", "c3", "c4"]


def test_a_usage_point_fed_twice_keeps_supply() -> None:
    """A usage point whose other equipment keeps supply is not lost."""
    g = _Grid()
    g.add("EnergySource", "src", ("n0",))
    g.add("Breaker", "b1", ("n0", "n1"))
    g.add("Breaker", "b2", ("n0", "n2"))
    g.add("EnergyConsumer", "ec1", ("n1",))
    g.add("EnergyConsumer", "ec2", ("n2",))
    g.add("UsagePoint", "up", UsagePoint__Equipments=[Ref("ec1"), Ref("ec2")])
    result = trace(g.model, "b1")
    assert result.consumers == ("ec1",) and result.usage_points == ()
    assert trace(g.model, "b1", open=["b2"]).usage_points == ("up",)


def test_out_of_service_source_and_bad_names() -> None:
    """An out-of-service source energises nothing; unknown ids and non-switches are refused."""
    g = _Grid()
    g.add("SynchronousMachine", "gen", ("n0",), Equipment__inService="false")
    g.add("Disconnector", "ds", ("n0", "n1"))
    g.add("EnergyConsumer", "load", ("n1",), IdentifiedObject__name="Load 1")
    g.add("UsagePoint", "up", UsagePoint__Equipments=Ref("load"))
    topo = Topology(g.model)
    assert [i.energised for i in topo.islands()] == [False]
    assert not topo.trace("ds").energised_before
    assert topo.resolve("Load 1") == "load" and topo.resolve("#_load") == "load"
    with pytest.raises(ConfigurationError, match="not an object of the model"):
        topo.trace("nothing")
    with pytest.raises(ConfigurationError, match="did you mean load"):
        topo.trace("loa")
    with pytest.raises(ConfigurationError, match="is a UsagePoint"):
        topo.trace("up")
    with pytest.raises(ConfigurationError, match="not a switch"):
        topo.trace("ds", open=["load"])
