"""What a model says about connectivity and customers, read once with CIM100 names.

:func:`read_wiring` walks every object once and keeps only what topology needs: each Terminal's
equipment, node and ``connected`` flag; switch, service and machine states; and the associations
from equipment to usage points to customers. Property names are compared as CIM100 names
(:func:`cim.cim16.to_cim100`), so ``Terminal.connected`` (CIM16) is ``ACDCTerminal.connected``
and a name qualified by a subclass or superclass is found all the same. Classes are placed in
the CIM100 hierarchy by :func:`class_chain`, from ``cim100_index.json``.

A Terminal's node is its ``ConnectivityNode`` (node-breaker) or, when it names none, its
``TopologicalNode`` (bus-branch). A usage point's customers are those of its CustomerAgreement
when it names one, else of its ServiceLocation's agreements; an agreement's customer is its
``Customer``, else its CustomerAccount's. Every association is read in whichever direction the
file wrote it (``UsagePoint.Equipments`` or ``Equipment.UsagePoints``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from cim import cim16
from cim.network.store import Model, Ref, Value

_FIELDS = {
    "Terminal.ConductingEquipment": "eq",
    "Terminal.ConnectivityNode": "cn",
    "Terminal.TopologicalNode": "tn",
    "ACDCTerminal.connected": "connected",
    "Switch.open": "open",
    "Switch.normalOpen": "normalOpen",
    "Equipment.inService": "inService",
    "SynchronousMachine.operatingMode": "mode",
}
_LINKS = {  # CIM100 name -> (relation, whether it is written from the relation's target)
    "Equipment.UsagePoints": ("eq-up", False),
    "UsagePoint.Equipments": ("eq-up", True),
    "UsagePoint.CustomerAgreement": ("up-agr", False),
    "CustomerAgreement.UsagePoints": ("up-agr", True),
    "UsagePoint.ServiceLocation": ("up-loc", False),
    "ServiceLocation.UsagePoints": ("up-loc", True),
    "ServiceLocation.CustomerAgreements": ("loc-agr", False),
    "CustomerAgreement.ServiceLocations": ("loc-agr", True),
    "CustomerAgreement.Customer": ("agr-cust", False),
    "Customer.CustomerAgreements": ("agr-cust", True),
    "CustomerAgreement.CustomerAccount": ("agr-acct", False),
    "CustomerAccount.CustomerAgreements": ("agr-acct", True),
    "CustomerAccount.Customer": ("acct-cust", False),
    "Customer.CustomerAccounts": ("acct-cust", True),
}


@cache
def class_chain(cls: str) -> tuple[str, ...]:
    """The CIM100 class for a class name as written (CIM16 or CIM100) and its superclasses."""
    classes = cim16._index()[0]  # the index cim16 loads once; it has no public accessor yet
    chain: list[str] = []
    name = cim16.to_cim100(cls)
    while name is not None and name in classes and name not in chain:
        chain.append(name)
        name = classes[name][0]
    return tuple(chain)


def is_a(cls: str, ancestor: str) -> bool:
    """Whether class ``cls`` is the CIM100 class ``ancestor`` or inherits from it."""
    return ancestor in class_chain(cls)


@cache
def _role(key: str) -> str | tuple[str, bool] | None:
    name = cim16.to_cim100(key) or key
    return _FIELDS.get(name) or _LINKS.get(name)


def flag(value: Value | None, default: bool) -> bool:
    """A boolean literal (``true``/``false``, ``1``/``0``); ``default`` when absent."""
    return default if value is None else value.strip().lower() in ("true", "1")


@dataclass(slots=True)
class Wiring:
    """Terminals, states and customer links of one model (identifiers are normalised ids)."""

    terminals: list[tuple[str, str | None, bool]] = field(default_factory=list)
    """(equipment, node or None, connected) per Terminal."""
    states: dict[str, dict[str, Value]] = field(default_factory=dict)
    """Object -> its ``open``, ``normalOpen``, ``inService`` and ``mode`` values, if any."""
    links: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    """Relation (``eq-up``, ``up-eq``, ``up-agr`` …) -> source id -> target ids."""

    def is_open(self, oid: str) -> bool:
        """Whether switch ``oid`` is open: ``Switch.open`` (SSH), else ``Switch.normalOpen``."""
        state = self.states.get(oid, {})
        return flag(state.get("open"), flag(state.get("normalOpen"), False))

    def in_service(self, oid: str) -> bool:
        """Whether ``oid`` is in service (``Equipment.inService`` not false)."""
        return flag(self.states.get(oid, {}).get("inService"), True)

    def motor(self, oid: str) -> bool:
        """Whether a synchronous machine runs as a motor (``SynchronousMachine.operatingMode``)."""
        return str(self.states.get(oid, {}).get("mode", "")).endswith("motor")

    def linked(self, relation: str, oid: str) -> list[str]:
        """The objects ``oid`` is linked to by ``relation`` (either direction as written)."""
        return self.links.get(relation, {}).get(oid, [])

    def customers(self, usage_point: str) -> list[str]:
        """The customers of a usage point, through its agreement or its service location."""
        agreements = self.linked("up-agr", usage_point) or [
            a for loc in self.linked("up-loc", usage_point) for a in self.linked("loc-agr", loc)
        ]
        out: list[str] = []
        for a in agreements:
            out += self.linked("agr-cust", a) or [
                c for acct in self.linked("agr-acct", a) for c in self.linked("acct-cust", acct)
            ]
        return list(dict.fromkeys(out))


def read_wiring(model: Model) -> Wiring:
    """The terminals, states and customer links of ``model``, in one pass over its objects."""
    links: dict[str, dict[str, list[str]]] = {relation: {} for relation, _ in _LINKS.values()}
    links["up-eq"] = {}
    wiring = Wiring(links=links)
    for obj in model.objects.values():
        fields: dict[str, Value] = {}
        for part in obj.parts:
            for key, value in part.props.items():
                role = _role(key)
                if role is None:
                    continue
                if isinstance(role, str):
                    fields[role] = value[-1] if isinstance(value, list) else value
                    continue
                relation, reverse = role
                for item in value if isinstance(value, list) else (value,):
                    if isinstance(item, Ref):
                        a, b = (str(item), obj.id) if reverse else (obj.id, str(item))
                        links[relation].setdefault(a, []).append(b)
        eq = fields.get("eq")
        if isinstance(eq, Ref):
            node = fields.get("cn") or fields.get("tn")
            node_id = str(node) if isinstance(node, Ref) else None
            wiring.terminals.append((str(eq), node_id, flag(fields.get("connected"), True)))
        elif fields:
            wiring.states[obj.id] = fields
    for a, bs in links["eq-up"].items():
        for b in bs:
            links["up-eq"].setdefault(b, []).append(a)
    for pairs in links.values():
        for a, bs in pairs.items():
            pairs[a] = list(dict.fromkeys(bs))
    return wiring


def authority(model: Model, doc: int) -> str:
    """Which model document ``doc`` belongs to: its ``Model.modelingAuthoritySet``, else itself."""
    found = model.documents[doc].header.get("Model.modelingAuthoritySet")
    return str(found[0]) if isinstance(found, list) and found else f"#{doc}"


__all__ = ["Wiring", "authority", "class_chain", "flag", "is_a", "read_wiring"]
