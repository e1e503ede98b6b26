"""Topology of a network model: what is connected, what is energised, who loses supply.

The graph is built once per model (:class:`Topology`); its vertices are ints, one per piece of
conducting equipment a Terminal names and one per node (the Terminal's ConnectivityNode, else its
TopologicalNode, as :mod:`cim.network.wiring` reads them); a Terminal that is not ``connected``
joins nothing.

Current passes through nodes and through equipment that *conducts*: equipment in service
(``Equipment.inService`` not false) that is not an open switch. A switch is any class that is
``Switch`` or inherits from it in CIM100 (Breaker, Disconnector, LoadBreakSwitch, Fuse, Jumper,
Recloser, Sectionaliser …, read from ``cim100_index.json``); it is open when SSH says
``Switch.open``, else when EQ says ``Switch.normalOpen``; ``open=`` and ``closed=`` override both.

Sources of supply are in-service EnergySource, ExternalNetworkInjection, SynchronousMachine (not
run as a motor) and EquivalentInjection, with one exception: an EquivalentInjection on a node
that also connects equipment of another model (another ``Model.modelingAuthoritySet``, else
another document) stands in for that neighbouring model, which is loaded too, and is no source
(Telemark-120 has one on each side of its MV1/LV1 boundary). An island is energised when it holds
a source; equipment is energised when one of its nodes is.

Usage points and customers of the equipment that loses supply are found as
:mod:`cim.network.wiring` links them (UsagePoint -> CustomerAgreement or ServiceLocation ->
Customer). A usage point loses supply when none of its equipment keeps it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from cim.errors import ConfigurationError
from cim.network.store import Model, normalise_id
from cim.network.wiring import authority, class_chain, is_a, read_wiring

SOURCE_CLASSES = ("EnergySource", "ExternalNetworkInjection", "SynchronousMachine")
"""CIM100 classes (and their subclasses) whose in-service objects supply an island."""
BOUNDARY_SOURCE = "EquivalentInjection"
"""A source unless it stands in, at a boundary node, for a neighbouring model that is loaded."""

_BATCH = 64
_State = tuple[bytearray, bytearray, list[int]]
"""Per switch state: which vertices pass current, which are energised, which switches stop it."""


@dataclass(frozen=True, slots=True)
class Island:
    """Nodes and conducting equipment joined through closed switches, and whether energised."""

    equipment: tuple[str, ...]
    nodes: tuple[str, ...]
    sources: tuple[str, ...]
    energised: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Trace:
    """What loses supply when ``start`` opens (a switch) or is taken out (other equipment)."""

    start: str
    start_class: str
    action: Literal["open", "remove"]
    energised_before: bool
    """Whether ``start`` had supply in the state traced (before it opens or goes)."""
    already_open: bool
    """A switch that is open already (or equipment out of service): nothing changes."""
    equipment: tuple[str, ...]
    consumers: tuple[str, ...]
    usage_points: tuple[str, ...]
    customers: tuple[str, ...]


class Topology:
    """The connectivity graph of a model, built once; answers islands, energised and trace."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.wiring = wiring = read_wiring(model)
        self._index: dict[str, int] = {}
        self._ids: list[str] = []
        adj: list[list[int]] = []
        node_flags = bytearray()
        for eq, node, connected in wiring.terminals:
            e = self._vertex(eq, adj, node_flags, False)
            if node is not None and connected:
                n = self._vertex(node, adj, node_flags, True)
                adj[e].append(n)
                adj[n].append(e)
        self._adj: list[tuple[int, ...]] = [tuple(a) for a in adj]
        self._is_node = node_flags
        size = len(self._ids)
        self._switch, self._in_service = bytearray(size), bytearray(size)
        self._consumer, self._source = bytearray(size), bytearray(size)
        self._base = bytearray(size)
        self._cls = [""] * size
        origin = [""] * size
        origins = [authority(model, i) for i in range(len(model.documents))]
        for v, oid in enumerate(self._ids):
            if node_flags[v]:
                self._base[v] = 1  # a node always passes current on
                continue
            found = model.objects.get(oid)
            self._cls[v] = cls = found.cls if found else ""
            if found and found.parts and 0 <= found.parts[0].doc < len(origins):
                origin[v] = origins[found.parts[0].doc]
            chain = class_chain(cls)
            self._in_service[v] = in_service = wiring.in_service(oid)
            self._switch[v] = switch = "Switch" in chain
            self._base[v] = in_service and not (switch and wiring.is_open(oid))
            self._consumer[v] = "EnergyConsumer" in chain
            supplies = any(c in chain for c in SOURCE_CLASSES) and not wiring.motor(oid)
            supplies = supplies or BOUNDARY_SOURCE in chain
            self._source[v] = in_service and bool(self._adj[v]) and supplies
        for v in range(size):  # boundary equivalents of a neighbouring model that is loaded
            if self._source[v] and BOUNDARY_SOURCE in class_chain(self._cls[v]):
                near = {w for n in self._adj[v] for w in self._adj[n] if w != v}
                self._source[v] = all(origin[w] in ("", origin[v]) for w in near)
        self._sources = [v for v in range(size) if self._source[v]]
        index, up_eq = self._index, wiring.links["up-eq"]
        self._points = {
            index[eq]: tuple(ups) for eq, ups in wiring.links["eq-up"].items() if eq in index
        }
        self._point_vertices = {
            up: [index[e] for e in eqs if e in index] for up, eqs in up_eq.items()
        }
        self._customers: dict[str, tuple[str, ...]] = {}
        self._switches = [v for v in range(size) if self._switch[v]]
        self._states: dict[tuple[frozenset[int], frozenset[int]], _State] = {}

    def _vertex(self, oid: str, adj: list[list[int]], flags: bytearray, node: bool) -> int:
        v = self._index.get(oid)
        if v is None:
            v = self._index[oid] = len(self._ids)
            self._ids.append(oid)
            adj.append([])
            flags.append(node)
        return v

    def resolve(self, text: str) -> str:
        """The identifier of the conducting equipment ``text`` names (id, mRID or unique name)."""
        oid = normalise_id(text)
        if oid in self._index and not self._is_node[self._index[oid]]:
            return oid
        found = oid if oid in self.model.objects else None
        if found is None:
            named = [
                o.id
                for o in self.model.objects.values()
                if text in (o.get("IdentifiedObject.mRID"), o.get("IdentifiedObject.name"))
            ]
            if len(named) > 1:
                raise ConfigurationError(f"{text!r} names {len(named)} objects: give the mRID")
            found = named[0] if named else None
        if found is not None and found in self._index and not self._is_node[self._index[found]]:
            return found
        if found is not None:
            what = self.model.objects[found].cls or "an untyped object"
            raise ConfigurationError(
                f"{text!r} is a {what}, not conducting equipment with terminals"
            )
        near = sorted(i for i in self._index if i.startswith(oid[:8]))[:3]
        hint = f"; did you mean {', '.join(near)}" if near and oid[:8] else ""
        raise ConfigurationError(f"{text!r} is not an object of the model{hint}")

    def _state(self, open: Iterable[str], closed: Iterable[str]) -> _State:
        opened = frozenset(self._switch_vertex(s) for s in open)
        shut = frozenset(self._switch_vertex(s) for s in closed)
        key = (opened, shut)
        found = self._states.get(key)
        if found is None:
            passes = bytearray(self._base)
            for v in shut:
                passes[v] = self._in_service[v]
            for v in opened:
                passes[v] = 0
            if len(self._states) >= 8:
                self._states.pop(next(iter(self._states)))
            stopped = [e for e in self._switches if not passes[e] and self._in_service[e]]
            found = self._states[key] = (passes, self._energise(passes), stopped)
        return found

    def _switch_vertex(self, text: str) -> int:
        v = self._index[self.resolve(text)]
        if not self._switch[v]:
            raise ConfigurationError(f"{text!r} is a {self._cls[v]}, not a switch")
        return v

    def _energise(self, passes: bytearray) -> bytearray:
        adj = self._adj
        seen = bytearray(len(adj))
        stack = [v for v in self._sources if passes[v]]
        for v in stack:
            seen[v] = 1
        while stack:
            for w in adj[stack.pop()]:
                if not seen[w] and passes[w]:
                    seen[w] = 1
                    stack.append(w)
        return seen

    def energised(self, mrid: str, *, open: Iterable[str] = (), closed: Iterable[str] = ()) -> bool:
        """Whether the equipment ``mrid`` has supply (one of its nodes is energised)."""
        passes, energised, _ = self._state(open, closed)
        v = self._index[self.resolve(mrid)]
        return any(energised[n] for n in self._adj[v]) and bool(
            passes[v] or (self._switch[v] and self._in_service[v])
        )

    def islands(self, *, open: Iterable[str] = (), closed: Iterable[str] = ()) -> list[Island]:
        """Every island (nodes joined by conducting equipment), energised or not."""
        passes, energised, _ = self._state(open, closed)
        adj, is_node, ids = self._adj, self._is_node, self._ids
        seen, out = bytearray(len(adj)), []
        for v in range(len(adj)):
            if seen[v] or not passes[v]:
                continue
            seen[v], stack, members = 1, [v], [v]
            while stack:
                for w in adj[stack.pop()]:
                    if not seen[w] and passes[w]:
                        seen[w] = 1
                        stack.append(w)
                        members.append(w)
            out.append(
                Island(
                    equipment=tuple(sorted(ids[m] for m in members if not is_node[m])),
                    nodes=tuple(sorted(ids[m] for m in members if is_node[m])),
                    sources=tuple(sorted(ids[m] for m in members if self._source[m])),
                    energised=bool(energised[v]),
                )
            )
        return out

    def trace(self, start: str, *, open: Iterable[str] = (), closed: Iterable[str] = ()) -> Trace:
        """What loses supply when ``start`` opens (a switch) or is taken out (other equipment)."""
        passes, energised, stopped = self._state(open, closed)
        v = self._index[self.resolve(start)]
        opening = bool(self._switch[v])
        before = any(energised[n] for n in self._adj[v]) and (
            bool(passes[v]) or (opening and bool(self._in_service[v]))
        )
        lost: set[int] = set()
        if before and passes[v]:
            dead, adj, is_node = self._dead(v, passes), self._adj, self._is_node
            lost = {w for w in dead if not is_node[w]}
            for e in stopped:  # an open switch beside the dead part loses supply with it
                if any(m in dead for m in adj[e]) and all(
                    m in dead or not energised[m] for m in adj[e]
                ):
                    lost.add(e)
            if not opening:
                lost.add(v)
        ids, order = self._ids, sorted(lost)  # model order: cheaper than sorting names
        points = self._lost_points(order, lost, energised)
        customers = dict.fromkeys(c for up in points for c in self._customers_of(up))
        return Trace(
            start=ids[v],
            start_class=self._cls[v],
            action="open" if opening else "remove",
            energised_before=before,
            already_open=not passes[v],
            equipment=tuple([ids[w] for w in order]),
            consumers=tuple([ids[w] for w in order if self._consumer[w]]),
            usage_points=tuple(points),
            customers=tuple(customers),
        )

    def _lost_points(self, order: list[int], lost: set[int], energised: bytearray) -> list[str]:
        """The usage points on ``lost`` equipment that none of their other equipment supplies."""
        out, seen = [], set()
        for w in order:
            for up in self._points.get(w, ()):
                if up in seen:
                    continue
                seen.add(up)
                if not any(energised[x] for x in self._point_vertices[up] if x not in lost):
                    out.append(up)
        return out

    def _customers_of(self, usage_point: str) -> tuple[str, ...]:
        found = self._customers.get(usage_point)
        if found is None:
            found = self._customers[usage_point] = tuple(self.wiring.customers(usage_point))
        return found

    def _dead(self, start: int, passes: bytearray) -> set[int]:
        """Vertices cut off from every source once ``start`` stops conducting.

        One breadth-first search per side of ``start``, interleaved: a side that meets a source
        stops, sides that meet merge, a side that runs out is dead. When ``start`` is no source,
        the last undecided side of an energised island holds its sources once the others are
        dead, so a radial trace costs about twice the part that loses supply.
        """
        adj, source = self._adj, self._source
        sides = list(dict.fromkeys(adj[start]))
        owner = {s: i for i, s in enumerate(sides)}
        root, queue = list(range(len(sides))), [[s] for s in sides]
        head, live = [0] * len(sides), [False] * len(sides)
        undecided, dead_roots, any_live = set(range(len(sides))), set(), False
        sure = not source[start]

        def find(i: int) -> int:
            while root[i] != i:
                root[i] = i = root[root[i]]
            return i

        passes[start] = 0  # cut for the search; it conducted, so 1 is restored below
        try:
            while undecided and not (sure and not any_live and len(undecided) == 1):
                for r in list(undecided):
                    if r not in undecided:
                        continue  # merged into another side this round
                    q, h = queue[r], head[r]
                    stop = h + _BATCH
                    while h < len(q) and h < stop and not live[r]:
                        for w in adj[q[h]]:
                            if not passes[w]:
                                continue
                            o = owner.get(w)
                            if o is None:
                                owner[w] = r
                                q.append(w)
                                if source[w]:
                                    live[r] = True
                            elif o != r and (o := find(o)) != r:
                                root[o] = r
                                q.extend(queue[o][head[o] :])
                                live[r] = live[r] or live[o]
                                undecided.discard(o)
                        h += 1
                    head[r] = h
                    if live[r]:
                        undecided.discard(r)
                        any_live = True
                    elif h >= len(q):
                        undecided.discard(r)
                        dead_roots.add(r)
        finally:
            passes[start] = 1
        dead = {i for i in range(len(sides)) if find(i) in dead_roots}
        return {w for w, o in owner.items() if o in dead}


def trace(
    model: Model, start: str, *, open: Iterable[str] = (), closed: Iterable[str] = ()
) -> Trace:
    """What loses supply when ``start`` opens or is taken out (builds the graph each call)."""
    return Topology(model).trace(start, open=open, closed=closed)


__all__ = [
    "BOUNDARY_SOURCE",
    "SOURCE_CLASSES",
    "Island",
    "Topology",
    "Trace",
    "class_chain",
    "is_a",
    "trace",
]
