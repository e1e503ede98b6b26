"""Trace against a brute-force search, over random feeder shapes, switch states and starts."""

from __future__ import annotations

from collections import defaultdict

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cim.network.generate import generate_grid
from cim.network.store import Model
from cim.network.topology import Topology

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SWITCHES = {"Breaker", "LoadBreakSwitch", "Fuse"}


class BruteForce:
    """Who loses supply, by plain searches over the generated model's own conventions."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.nodes: dict[str, list[str]] = defaultdict(list)
        for obj in model.objects.values():
            if obj.cls == "Terminal" and obj.get("ACDCTerminal.connected") != "false":
                node = obj.ref("Terminal.ConnectivityNode") or obj.ref("Terminal.TopologicalNode")
                self.nodes[str(obj.ref("Terminal.ConductingEquipment"))].append(str(node))
        self.at: dict[str, list[str]] = defaultdict(list)
        for eq, nodes in self.nodes.items():
            for node in nodes:
                self.at[node].append(eq)
        self.open = {o.id for o in model.objects.values() if o.get("Switch.open") == "true"}

    def energised(self, opened: set[str], removed: str | None) -> set[str]:
        """The energised nodes when ``opened`` switches are open and ``removed`` is out."""
        sources = [o.id for o in self.model.objects.values() if o.cls == "EnergySource"]
        seen = {n for s in sources for n in self.nodes[s]}
        todo = list(seen)
        while todo:
            for eq in self.at[todo.pop()]:
                if eq in opened or eq == removed:
                    continue
                for n in self.nodes[eq]:
                    if n not in seen:
                        seen.add(n)
                        todo.append(n)
        return seen

    def lost(self, start: str, opened: set[str], closed: set[str]) -> dict[str, set[str]]:
        """Equipment energised before and not after, with its consumers, points, customers."""
        state = (self.open | opened) - closed
        is_switch = self.model.objects[start].cls in SWITCHES
        before = self.energised(state, None)
        after = self.energised(state | {start}, None) if is_switch else self.energised(state, start)
        lost = {
            eq
            for eq, nodes in self.nodes.items()
            if any(n in before for n in nodes)
            and ((eq == start and not is_switch) or not any(n in after for n in nodes))
        }
        points = {
            o.id
            for o in self.model.objects.values()
            if o.cls == "UsagePoint" and o.ref("UsagePoint.Equipments") in lost
        }
        return {
            "equipment": lost,
            "consumers": {e for e in lost if self.model.objects[e].cls == "EnergyConsumer"},
            "usage_points": points,
            "customers": {self.customer(p) for p in points},
        }

    def customer(self, point: str) -> str:
        """The customer of a generated usage point, through its agreement or location."""
        up = self.model.objects[point]
        agreement = up.ref("UsagePoint.CustomerAgreement")
        if agreement is None:
            location = up.ref("UsagePoint.ServiceLocation")
            agreement = next(
                o.id
                for o in self.model.objects.values()
                if o.cls == "CustomerAgreement"
                and o.ref("CustomerAgreement.ServiceLocations") == location
            )
        return str(self.model.objects[agreement].ref("CustomerAgreement.Customer"))


@SETTINGS
@given(
    feeders=st.integers(1, 3),
    customers=st.integers(0, 25),
    seed=st.integers(0, 2**32),
    bus_branch=st.booleans(),
    data=st.data(),
)
def test_trace_equals_brute_force(
    feeders: int, customers: int, seed: int, bus_branch: bool, data: st.DataObject
) -> None:
    """Any start, any opened and closed switches: the trace equals a brute-force search."""
    grid = generate_grid(feeders, customers, seed=seed, bus_branch=bus_branch)
    switches = sorted(grid.switches) + list(grid.ties)
    others = sorted(e for e in grid.upstream if e not in grid.switches)
    start = data.draw(st.sampled_from(switches + others), label="start")
    opened = data.draw(st.sets(st.sampled_from(switches), max_size=3), label="open")
    closed = data.draw(st.sets(st.sampled_from(switches), max_size=3), label="closed") - opened
    result = Topology(grid.model).trace(start, open=opened, closed=closed)
    expected = BruteForce(grid.model).lost(start, opened, closed)
    for key, ids in expected.items():
        assert set(getattr(result, key)) == ids, key
    if start in grid.switches and not opened and not closed:
        known = grid.lost(start)
        assert set(result.customers) == known.customers
        assert set(result.equipment) == known.equipment
