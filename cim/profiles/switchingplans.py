"""The SwitchingPlans message profile (cimbus design, 2011-style namespace) over CIM100.

There is no IEC reference XSD for this noun: cimbus designed it from the CIM100 Operations
package (IEC 61968-3) for OMS and DMS to exchange switching plans. Element names are the CIM100
class, attribute and role names; members follow the 2011 CIMTool order (``mRID``, then
attributes, then compounds and associations, each alphabetically).

A ``SwitchingPlan`` (``mRID``, ``Names``, ``purpose``, ``plannedPeriod``, ``rank``, its approval
as ``docStatus`` with ``approvedDateTime`` / ``cancelledDateTime``) embeds one or more
``SwitchingStepGroups``, each one or more ``SwitchingStep``. Groups and steps carry a required
``sequenceNumber``; document order is execution order, and :func:`sequence_issues`, a rule of
the profile (``Profile.checks``, run by ``validate``), checks that the numbers agree with it
(strictly ascending; steps by ``sequenceNumber`` then ``subStepSequenceNumber``). A step embeds
its one action (CIM100 ``SwitchingStep.SwitchingAction [1]``) as the element of its concrete
class, ``ClearanceAction``, ``GroundAction`` or ``SwitchAction``, in one required choice group
(exactly one of them), as EndDeviceControls does for its optional PAN action. Each action
has a required ``mRID`` (execution feedback names it) and a required ``kind``; ``SwitchAction``
requires its ``OperatedSwitch``. Every reference (``OperatedSwitch``, ``Ground``,
``GroundedEquipment``, ``Clearance``, ``Crew``, the plan's ``Outage``) is by mRID and need not
resolve within the payload: they are network-model or OMS objects the receiver already knows.
See ``docs/cim-model.md``, "Profiles".
"""

from __future__ import annotations

from cim.profiles._dsl import (
    DATETIME_INTERVAL,
    NAMES,
    NAMING,
    STATUS,
    attr,
    cls,
    compound,
    nested,
    ref,
    root,
)
from cim.profiles.model import Member, Node, Payload, Profile, ProfileClass
from cim.profiles.validate import Issue

NAMESPACE = "http://iec.ch/TC57/2011/SwitchingPlans#"


def _action(name: str, kind: str, *refs: Member) -> ProfileClass:
    """A SwitchingAction subclass: the inherited members, its required kind, its references."""
    return cls(
        name,
        attr("mRID", min=1),
        attr("description"),
        attr("executedDateTime", "dateTime"),
        attr("issuedDateTime", "dateTime"),
        Member(element="kind", path="kind", kind="enum", type=kind, min=1),
        Member(element="phases", path="phases", kind="enum", type="PhaseCode"),
        attr("plannedDateTime", "dateTime"),
        *sorted(
            (*refs, ref("Crew", "Crew", min=0, max=None, resolve=False)),
            key=lambda m: m.element.lower(),
        ),
    )


def _step_action(name: str) -> Member:
    return nested(name, name, max=1, choice="SwitchingAction")


_CLASSES = (
    _action(
        "ClearanceAction",
        "ClearanceActionKind",
        ref("Clearance", "ClearanceDocument", min=0, resolve=False),
    ),
    DATETIME_INTERVAL,
    _action(
        "GroundAction",
        "TempEquipActionKind",
        ref("Ground", "Ground", min=0, resolve=False),
        ref("GroundedEquipment", "ConductingEquipment", min=0, resolve=False),
    ),
    *NAMING,
    STATUS,
    _action("SwitchAction", "SwitchActionKind", ref("OperatedSwitch", "Switch", resolve=False)),
    cls(
        "SwitchingPlan",
        attr("mRID", min=1),
        attr("approvedDateTime", "dateTime"),
        attr("cancelledDateTime", "dateTime"),
        attr("purpose"),
        attr("rank", "integer"),
        attr("revisionNumber"),
        compound("docStatus", "Status"),
        NAMES,
        ref("Outage", "Outage", min=0, resolve=False),
        compound("plannedPeriod", "DateTimeInterval"),
        nested("SwitchingStepGroups", "SwitchingStepGroup", min=1),
    ),
    cls(
        "SwitchingStep",
        attr("isFreeSequence", "boolean"),
        attr("sequenceNumber", "integer", min=1),
        attr("subStepSequenceNumber", "integer"),
        _step_action("ClearanceAction"),
        _step_action("GroundAction"),
        _step_action("SwitchAction"),
        required_choices=("SwitchingAction",),
    ),
    cls(
        "SwitchingStepGroup",
        attr("description"),
        attr("isFreeSequence", "boolean"),
        attr("purpose"),
        attr("sequenceNumber", "integer", min=1),
        nested("SwitchingStep", "SwitchingStep", min=1),
    ),
)


def sequence_issues(payload: Payload) -> tuple[Issue, ...]:
    """Where a plan's groups or a group's steps are not numbered in their document order."""
    issues: list[Issue] = []
    for p, plan in enumerate(payload.child("SwitchingPlan"), 1):
        ppath = f"/SwitchingPlans/SwitchingPlan[{p}]"
        groups = plan.child("SwitchingStepGroups")
        _ascending(groups, f"{ppath}/SwitchingStepGroups", issues)
        for g, group in enumerate(groups, 1):
            gpath = f"{ppath}/SwitchingStepGroups[{g}]/SwitchingStep"
            _ascending(group.child("SwitchingStep"), gpath, issues)
    return tuple(issues)


def _ascending(nodes: tuple[Node, ...], path: str, issues: list[Issue]) -> None:
    previous: tuple[int, int] | None = None
    for i, node in enumerate(nodes, 1):
        number = getattr(node.obj, "sequenceNumber", None)
        if not isinstance(number, int):
            continue  # a missing or mistyped number is validate()'s finding
        sub = getattr(node.obj, "subStepSequenceNumber", None)
        key = (number, sub if isinstance(sub, int) else 0)
        if previous is not None and key <= previous:
            where = f"{path}[{i}]/sequenceNumber"
            why = f"{where}: {_label(key)} does not follow {_label(previous)} (document order)"
            issues.append(Issue(where, why))
        previous = key


def _label(key: tuple[int, int]) -> str:
    return f"{key[0]}.{key[1]}" if key[1] else str(key[0])


SWITCHING_PLANS = Profile(
    name="SwitchingPlans",
    version="1.0",
    namespace=NAMESPACE,
    root_element="SwitchingPlans",
    root_class="SwitchingPlan",
    root=root("SwitchingPlans", nested("SwitchingPlan", "SwitchingPlan")),
    classes={c.name: c for c in _CLASSES},
    checks=(sequence_issues,),
)
"""SwitchingPlans 1.0 in ``http://iec.ch/TC57/2011/SwitchingPlans#`` (no reference XSD)."""


__all__ = ["NAMESPACE", "SWITCHING_PLANS", "sequence_issues"]
