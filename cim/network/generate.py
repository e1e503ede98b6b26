"""Synthetic radial feeders with customers, whose answer to "who loses supply?" is known.

The grid: one substation, an EnergySource behind a 66/11 kV PowerTransformer onto an 11 kV
BusbarSection; per feeder a Breaker and a backbone of ACLineSegments, sometimes broken by a
LoadBreakSwitch before a lateral. A lateral is a Fuse, one or two ACLineSegments and an 11/0.4 kV
PowerTransformer (sometimes forking through a second Fuse to a second transformer); per customer
a service ACLineSegment to an EnergyConsumer with its UsagePoint, ServiceLocation, Customer and
CustomerAgreement (one usage point in three also names its agreement directly). The backbone ends
of neighbouring feeders meet at a normally open LoadBreakSwitch (a tie). Names are CIM100
(``http://iec.ch/TC57/CIM100#``); every object has an ``IdentifiedObject.mRID``, UUIDs drawn from
the seed, so the same arguments give the same model.

Documents, as CGMES 3 writes them: EQ (equipment, terminals, connectivity nodes), CU (usage
points, locations, customers, agreements), SSH (``Switch.open``, ``ACDCTerminal.connected``); with
``bus_branch=True`` the nodes are TopologicalNodes in a TP document instead of ConnectivityNodes.

The known answer (:meth:`Generated.lost`): while the ties are open, opening a switch takes supply
from exactly the equipment below it -- :attr:`Generated.upstream` names, for each piece of feeder
equipment, the nearest switch above it -- with those consumers' usage points and customers.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from cim.cim16 import CIM100_NAMESPACE
from cim.network.store import CimObject, Document, Model, Part, Ref, Uri, Value

NAMESPACES = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "cim": CIM100_NAMESPACE,
    "md": "http://iec.ch/TC57/61970-552/ModelDescription/1#",
    "eu": "http://iec.ch/TC57/CIM100-European#",
}
"""The namespaces every generated document declares."""
PROFILES = {
    "EQ": "http://iec.ch/TC57/ns/CIM/CoreEquipment-EU/3.0",
    "CU": "http://iec.ch/TC57/CIM/Customers/2/0",
    "SSH": "http://iec.ch/TC57/ns/CIM/SteadyStateHypothesis-EU/3.0",
    "TP": "http://iec.ch/TC57/ns/CIM/Topology-EU/3.0",
}
"""The ``Model.profile`` of each generated document."""

_Props = dict[str, Value | list[Value]]


@dataclass(frozen=True, slots=True)
class Supply:
    """Equipment, EnergyConsumers, UsagePoints and Customers (identifiers)."""

    equipment: frozenset[str]
    consumers: frozenset[str]
    usage_points: frozenset[str]
    customers: frozenset[str]


@dataclass(frozen=True, slots=True)
class Generated:
    """A generated model and what its construction says about supply."""

    model: Model
    breakers: tuple[str, ...]
    """The feeder breakers, one per feeder."""
    switches: tuple[str, ...]
    """Every switch of a radial chain: breakers, load-break switches and fuses."""
    ties: tuple[str, ...]
    """The normally open load-break switches between neighbouring feeders."""
    upstream: Mapping[str, str]
    """Feeder equipment below its breaker -> the nearest switch above it."""
    usage_point: Mapping[str, str]
    """EnergyConsumer -> its UsagePoint."""
    customer: Mapping[str, str]
    """UsagePoint -> its Customer."""

    def lost(self, switch: str) -> Supply:
        """What loses supply when ``switch`` opens and the ties stay open (by construction)."""
        below: dict[str, list[str]] = {}
        for eq, up in self.upstream.items():
            below.setdefault(up, []).append(eq)
        found, stack = set(), [switch]
        while stack:
            for eq in below.get(stack.pop(), ()):
                found.add(eq)
                stack.append(eq)
        consumers = frozenset(eq for eq in found if eq in self.usage_point)
        points = frozenset(self.usage_point[c] for c in consumers)
        return Supply(
            equipment=frozenset(found),
            consumers=consumers,
            usage_points=points,
            customers=frozenset(self.customer[p] for p in points),
        )


class _Builder:
    """Adds objects to the documents of one model, drawing identifiers and shapes from a seed."""

    def __init__(self, seed: int, bus_branch: bool) -> None:
        self.rng = random.Random(seed)  # noqa: S311 -- reproducible shapes, not secrets
        self.bus_branch = bus_branch
        names = ("EQ", "CU", "SSH", "TP") if bus_branch else ("EQ", "CU", "SSH")
        self.doc = {name: i for i, name in enumerate(names)}
        self.model = Model()
        for name in names:
            self.model.documents.append(self._document(name))
        self.upstream: dict[str, str] = {}
        self.usage_point: dict[str, str] = {}
        self.customer: dict[str, str] = {}

    def uid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def _document(self, name: str) -> Document:
        header: dict[str, list[Value]] = {
            "Model.created": ["2024-01-01T00:00:00Z"],
            "Model.scenarioTime": ["2024-01-01T00:00:00Z"],
            "Model.description": [f"cimbus synthetic radial feeders ({name})"],
            "Model.modelingAuthoritySet": ["urn:cimbus:generate"],
            "Model.profile": [Uri(PROFILES[name])],
            "Model.version": ["1"],
        }
        if name != "EQ":
            header["Model.DependentOn"] = [Ref(str(self.model.documents[0].header_id)[9:])]
        return Document(
            name=f"feeders_{name}.xml",
            namespaces=dict(NAMESPACES),
            header=header,
            header_id=f"urn:uuid:{self.uid()}",
            profiles=(PROFILES[name],),
            cim_version="CIM100",
            about=name != "EQ",
        )

    def add(self, doc: str, cls: str, oid: str, props: _Props) -> None:
        obj = self.model.objects.get(oid)
        if obj is None:
            obj = self.model.objects[oid] = CimObject(id=oid, cls=cls)
        index = self.doc[doc]
        obj.parts.append(Part(doc=index, cls=cls, props=props))
        self.model.documents[index].ids.append(oid)

    def new(self, doc: str, cls: str, name: str, props: _Props | None = None) -> str:
        oid = self.uid()
        self.add(doc, cls, oid, {"IdentifiedObject.mRID": oid, "IdentifiedObject.name": name})
        self.model.objects[oid].parts[-1].props.update(props or {})
        return oid

    def node(self, name: str, container: str) -> str:
        doc, cls = ("TP", "TopologicalNode") if self.bus_branch else ("EQ", "ConnectivityNode")
        return self.new(doc, cls, name, {f"{cls}.ConnectivityNodeContainer": Ref(container)})

    def equipment(
        self, cls: str, name: str, nodes: list[str], box: str, up: str | None, more: _Props
    ) -> tuple[str, list[str]]:
        props: _Props = {"Equipment.EquipmentContainer": Ref(box), **more}
        eq = self.new("EQ", cls, name, props)
        terminals = []
        for seq, node in enumerate(nodes, 1):
            t = self.new(
                "EQ", "Terminal", f"{name} T{seq}", {"ACDCTerminal.sequenceNumber": str(seq)}
            )
            terminal = self.model.objects[t].parts[-1].props
            terminal["Terminal.ConductingEquipment"] = Ref(eq)
            if self.bus_branch:
                self.add("TP", "Terminal", t, {"Terminal.TopologicalNode": Ref(node)})
            else:
                terminal["Terminal.ConnectivityNode"] = Ref(node)
            self.add("SSH", "Terminal", t, {"ACDCTerminal.connected": "true"})
            terminals.append(t)
        if up is not None:
            self.upstream[eq] = up
        return eq, terminals

    def switch(
        self, cls: str, name: str, ends: tuple[str, str], box: str, up: str | None, opened: bool
    ) -> str:
        flag = "true" if opened else "false"
        more: _Props = {"Switch.normalOpen": flag, "Switch.retained": "false"}
        sw, _ = self.equipment(cls, name, list(ends), box, up, more)
        self.add("SSH", cls, sw, {"Switch.open": flag})
        return sw

    def line(self, name: str, ends: tuple[str, str], box: str, up: str) -> None:
        metres = str(self.rng.randint(20, 400))
        more: _Props = {
            "Conductor.length": metres,
            "ACLineSegment.r": "0.1",
            "ACLineSegment.x": "0.08",
        }
        self.equipment("ACLineSegment", name, list(ends), box, up, more)

    def transformer(self, name: str, ends: tuple[str, str], box: str, up: str | None) -> None:
        pt, terminals = self.equipment("PowerTransformer", name, list(ends), box, up, {})
        for number, t in enumerate(terminals, 1):
            props: _Props = {
                "TransformerEnd.endNumber": str(number),
                "TransformerEnd.Terminal": Ref(t),
                "PowerTransformerEnd.PowerTransformer": Ref(pt),
            }
            self.new("EQ", "PowerTransformerEnd", f"{name} E{number}", props)

    def customers(self, name: str, lv: str, box: str, up: str, count: int) -> None:
        """``count`` customers on the LV bus ``lv``, each with its own service cable."""
        for j in range(1, count + 1):
            label = f"{name} C{j}"
            at = self.node(f"{label} N", box)
            self.line(f"{label} SC", (lv, at), box, up)
            ec, _ = self.equipment("EnergyConsumer", label, [at], box, up, {})
            location = self.new("CU", "ServiceLocation", f"{label} SL")
            person = self.new("CU", "Customer", f"{label} CU", {"Customer.kind": _RESIDENTIAL})
            agreement = self.new(
                "CU",
                "CustomerAgreement",
                f"{label} CA",
                {
                    "CustomerAgreement.Customer": Ref(person),
                    "CustomerAgreement.ServiceLocations": Ref(location),
                },
            )
            props: _Props = {
                "UsagePoint.Equipments": Ref(ec),
                "UsagePoint.ServiceLocation": Ref(location),
            }
            if self.rng.random() < 1 / 3:
                props["UsagePoint.CustomerAgreement"] = Ref(agreement)
            point = self.new("CU", "UsagePoint", f"{label} UP", props)
            self.usage_point[ec], self.customer[point] = point, person

    def lateral(self, name: str, at: str, box: str, up: str, count: int) -> None:
        """A fused lateral from backbone node ``at`` to one or two transformers."""
        fuse_node = self.node(f"{name} FN", box)
        fuse = self.switch("Fuse", f"{name} FU", (at, fuse_node), box, up, False)
        end = fuse_node
        for k in range(self.rng.randint(1, 2)):
            nxt = self.node(f"{name} N{k}", box)
            self.line(f"{name} L{k}", (end, nxt), box, fuse)
            end = nxt
        split = count // 2 if count >= 6 and self.rng.random() < 0.3 else 0
        if split:
            a, b = self.node(f"{name}B FN", box), self.node(f"{name}B N", box)
            fork = self.switch("Fuse", f"{name}B FU", (end, a), box, fuse, False)
            self.line(f"{name}B L", (a, b), box, fork)
            self.substation(f"{name}B", b, box, fork, split)
        self.substation(name, end, box, fuse, count - split)

    def substation(self, name: str, mv: str, box: str, up: str, count: int) -> None:
        """A secondary substation: 11/0.4 kV transformer at ``mv`` and its customers."""
        lv = self.node(f"{name} LV", box)
        self.transformer(f"{name} TX", (mv, lv), box, up)
        self.customers(name, lv, box, up, count)

    def feeder(self, number: int, bus: str, customers: int) -> tuple[str, str]:
        """Feeder ``number`` from ``bus``: its breaker and the node at the end of its backbone."""
        name = f"F{number}"
        box = self.new("EQ", "Feeder", name)
        node = self.node(f"{name} N0", box)
        breaker = up = self.switch("Breaker", f"{name} CB", (bus, node), box, None, False)
        left, laterals = customers, 0
        while left > 0 or laterals == 0:
            laterals += 1
            label = f"{name}-{laterals}"
            if laterals > 1 and self.rng.random() < 0.35:
                after = self.node(f"{label} SN", box)
                up = self.switch("LoadBreakSwitch", f"{label} LBS", (node, after), box, up, False)
                node = after
            nxt = self.node(f"{label} BN", box)
            self.line(f"{label} BL", (node, nxt), box, up)
            node = nxt
            count = min(left, self.rng.randint(3, 12))
            left -= count
            if count:
                self.lateral(label, node, box, up, count)
        return breaker, node


_RESIDENTIAL = Uri(f"{CIM100_NAMESPACE}CustomerKind.residential")


def generate_grid(
    feeders: int, customers_per_feeder: int, *, seed: int = 0, bus_branch: bool = False
) -> Generated:
    """A generated grid of radial feeders with customers, and its known answers."""
    if feeders < 1 or customers_per_feeder < 0:
        raise ValueError("feeders must be at least 1 and customers_per_feeder at least 0")
    b = _Builder(seed, bus_branch)
    station = b.new("EQ", "Substation", "SUB")
    level = b.new("EQ", "VoltageLevel", "SUB 11", {"VoltageLevel.Substation": Ref(station)})
    hv, bus = b.node("SUB HV", level), b.node("SUB MV", level)
    b.equipment("EnergySource", "GRID", [hv], level, None, {"EnergySource.nominalVoltage": "66"})
    b.transformer("SUB T1", (hv, bus), level, None)
    b.equipment("BusbarSection", "SUB MV BB", [bus], level, None, {})
    ends = [b.feeder(f, bus, customers_per_feeder) for f in range(1, feeders + 1)]
    ties = [
        b.switch(
            "LoadBreakSwitch", f"TIE F{f}-F{f + 1}", (ends[f - 1][1], ends[f][1]), level, None, True
        )
        for f in range(1, feeders)
    ]
    return Generated(
        model=b.model,
        breakers=tuple(breaker for breaker, _ in ends),
        switches=tuple(sorted(_switches(b.model) - set(ties))),
        ties=tuple(ties),
        upstream=b.upstream,
        usage_point=b.usage_point,
        customer=b.customer,
    )


def _switches(model: Model) -> set[str]:
    return {o.id for o in model.objects.values() if o.cls in ("Breaker", "LoadBreakSwitch", "Fuse")}


def generate(
    feeders: int, customers_per_feeder: int, *, seed: int = 0, bus_branch: bool = False
) -> Model:
    """A CIM100 model of ``feeders`` radial feeders with ``customers_per_feeder`` customers each."""
    return generate_grid(feeders, customers_per_feeder, seed=seed, bus_branch=bus_branch).model


__all__ = ["NAMESPACES", "PROFILES", "Generated", "Supply", "generate", "generate_grid"]
