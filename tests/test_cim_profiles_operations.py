"""TroubleTickets, IncidentInformation and SwitchingPlans (designed, no reference XSD): samples,
emitted XSD, lossless codecs, and the design decisions a payload can break."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest
from lxml import etree

import cim.model as cm
from cim.errors import SchemaViolation
from cim.profiles import (
    INCIDENT_INFORMATION,
    PROFILES,
    SWITCHING_PLANS,
    TROUBLE_TICKETS,
    Issue,
    Node,
    Payload,
    Profile,
    check,
    from_json,
    from_xml,
    to_json,
    to_xml,
    validate,
)
from cim.profiles.samples_operations import (
    INCIDENT,
    OUTAGE,
    incident_information,
    restoration_plan,
    trouble_call,
)
from cim.profiles.switchingplans import sequence_issues
from cim.profiles.xsd import profile_xsd

SAMPLES: dict[str, tuple[Profile, Callable[[], Payload]]] = {
    "TroubleTickets": (TROUBLE_TICKETS, trouble_call),
    "IncidentInformation": (INCIDENT_INFORMATION, incident_information),
    "SwitchingPlans": (SWITCHING_PLANS, restoration_plan),
}
NOUNS = pytest.mark.parametrize("noun", list(SAMPLES))
PLAN = "/SwitchingPlans/SwitchingPlan[1]"


def test_profiles_are_registered_by_noun() -> None:
    """PROFILES holds each operations noun under its name, version 1.0, in its 2011 namespace."""
    roots = {
        "TroubleTickets": ["TroubleTicket"],
        "IncidentInformation": ["Incident", "UnplannedOutage"],
        "SwitchingPlans": ["SwitchingPlan"],
    }
    for noun, (profile, _sample) in SAMPLES.items():
        assert PROFILES[noun] is profile
        assert profile.namespace == f"http://iec.ch/TC57/2011/{noun}#"
        assert (profile.root_element, profile.version) == (noun, "1.0")
        assert [m.element for m in profile.root.members] == roots[noun]


@NOUNS
def test_sample_is_valid_fits_the_emitted_xsd_and_reads_back(noun: str) -> None:
    """Each sample is valid, accepted by the emitted XSD, and reads back equal from XML and JSON."""
    profile, sample = SAMPLES[noun]
    payload = sample()
    assert validate(profile, payload) == ()
    xml = to_xml(profile, payload)
    schema = etree.XMLSchema(etree.fromstring(profile_xsd(profile)))
    assert schema.validate(etree.fromstring(xml)), str(schema.error_log)
    assert from_xml(profile, xml) == payload
    doc = to_json(profile, payload)
    assert from_json(profile, doc) == payload
    assert to_xml(profile, from_json(profile, doc)) == xml


def _references() -> dict[tuple[str, str, str], tuple[str, bool, int, int | None]]:
    return {
        (p.name, c.name, m.element): (m.type, m.resolve, m.min, m.max)
        for p, _sample in SAMPLES.values()
        for c in p.classes.values()
        for m in c.members
        if m.kind == "reference"
    }


def test_only_an_incidents_outage_must_resolve_within_the_payload() -> None:
    """Every reference names an object the receiver knows, but an incident's UnplannedOutage."""
    many = None
    assert _references() == {
        ("TroubleTickets", "TroubleTicket", "Customer"): ("Customer", False, 0, 1),
        ("TroubleTickets", "TroubleTicket", "Incident"): ("Incident", False, 0, 1),
        ("TroubleTickets", "ServiceLocation", "UsagePoints"): ("UsagePoint", False, 0, many),
        ("IncidentInformation", "Incident", "TroubleTickets"): ("TroubleTicket", False, 0, many),
        ("IncidentInformation", "Incident", "UnplannedOutage"): ("UnplannedOutage", True, 0, 1),
        ("IncidentInformation", "UnplannedOutage", "DeEnergizedUsagePoint"): (
            "UsagePoint",
            False,
            0,
            many,
        ),
        ("SwitchingPlans", "SwitchingPlan", "Outage"): ("Outage", False, 0, 1),
        ("SwitchingPlans", "SwitchAction", "OperatedSwitch"): ("Switch", False, 1, 1),
        ("SwitchingPlans", "SwitchAction", "Crew"): ("Crew", False, 0, many),
        ("SwitchingPlans", "GroundAction", "Ground"): ("Ground", False, 0, 1),
        ("SwitchingPlans", "GroundAction", "GroundedEquipment"): (
            "ConductingEquipment",
            False,
            0,
            1,
        ),
        ("SwitchingPlans", "GroundAction", "Crew"): ("Crew", False, 0, many),
        ("SwitchingPlans", "ClearanceAction", "Clearance"): ("ClearanceDocument", False, 0, 1),
        ("SwitchingPlans", "ClearanceAction", "Crew"): ("Crew", False, 0, many),
    }


def test_required_members_are_the_designed_ones() -> None:
    """Identity, report time, premises, notification trigger, outage kind, order and kinds."""
    required = {
        (p.name, c.name, m.element)
        for p, _sample in SAMPLES.values()
        for c in p.classes.values()
        for m in c.members
        if m.min
    }
    naming = {(n, "Name", "name") for n in SAMPLES} | {(n, "NameType", "name") for n in SAMPLES}
    naming |= {(n, "NameTypeAuthority", "name") for n in SAMPLES}
    actions = ("SwitchAction", "GroundAction", "ClearanceAction")
    assert required - naming == {
        ("TroubleTickets", "TroubleTicket", "mRID"),
        ("TroubleTickets", "TroubleTicket", "dateTimeOfReport"),
        ("TroubleTickets", "TroubleTicket", "ServiceLocation"),
        ("TroubleTickets", "ServiceLocation", "mRID"),
        ("TroubleTickets", "CustomerNotification", "trigger"),
        ("IncidentInformation", "Incident", "mRID"),
        ("IncidentInformation", "UnplannedOutage", "mRID"),
        ("IncidentInformation", "UnplannedOutage", "outageKind"),
        ("SwitchingPlans", "SwitchingPlan", "mRID"),
        ("SwitchingPlans", "SwitchingPlan", "SwitchingStepGroups"),
        ("SwitchingPlans", "SwitchingStepGroup", "sequenceNumber"),
        ("SwitchingPlans", "SwitchingStepGroup", "SwitchingStep"),
        ("SwitchingPlans", "SwitchingStep", "sequenceNumber"),
        ("SwitchingPlans", "SwitchAction", "OperatedSwitch"),
        *(("SwitchingPlans", a, "mRID") for a in actions),
        *(("SwitchingPlans", a, "kind") for a in actions),
    }


def test_an_incidents_outage_must_travel_with_it() -> None:
    """Without its UnplannedOutage the incident is refused at its path; other refs may dangle."""
    incident = incident_information().child("Incident")
    payload = Payload.of(INCIDENT_INFORMATION, Incident=incident)
    issues = validate(INCIDENT_INFORMATION, payload)
    assert [(i.path, i.code) for i in issues] == [
        ("/IncidentInformation/Incident[1]/UnplannedOutage", "1.8")
    ]
    assert OUTAGE in issues[0].reason


def test_a_ticket_may_name_an_incident_the_payload_does_not_hold() -> None:
    """A follow-up call names the OMS incident by mRID; the payload need not carry it."""
    (ticket,) = trouble_call().child("TroubleTicket")
    assert isinstance(ticket.obj, cm.TroubleTicket)
    obj = replace(ticket.obj, Incident=cm.Ref("Incident", INCIDENT))
    payload = Payload.of(TROUBLE_TICKETS, TroubleTicket=[Node(obj, ticket.children)])
    assert validate(TROUBLE_TICKETS, payload) == ()
    assert f'<m:Incident ref="{INCIDENT}"/>'.encode() in to_xml(TROUBLE_TICKETS, payload)


def _plan(*groups: tuple[int, tuple[tuple[int, int | None], ...]]) -> Payload:
    """A plan whose groups and steps carry the given (sequenceNumber, subStepSequenceNumber)."""
    action = cm.SwitchAction(
        mRID="a1",
        kind=cm.SwitchActionKind.open,
        OperatedSwitch=cm.Ref("Switch", "sw-1"),
    )
    nodes = tuple(
        Node(
            cm.SwitchingStepGroup(sequenceNumber=g),
            (
                (
                    "SwitchingStep",
                    tuple(
                        Node(
                            cm.SwitchingStep(sequenceNumber=s, subStepSequenceNumber=sub),
                            (("SwitchAction", (Node(action),)),),
                        )
                        for s, sub in steps
                    ),
                ),
            ),
        )
        for g, steps in groups
    )
    plan = Node(cm.SwitchingPlan(mRID="sp-1"), (("SwitchingStepGroups", nodes),))
    return Payload.of(SWITCHING_PLANS, SwitchingPlan=[plan])


def test_switching_order_is_document_order() -> None:
    """Groups and steps are numbered ascending in document order; sub-steps order a step. The
    rule is the profile's own (``checks``): validate reports what it finds, as 1.8."""
    assert SWITCHING_PLANS.checks == (sequence_issues,)
    assert sequence_issues(restoration_plan()) == ()
    good = _plan((1, ((1, 1), (1, 2), (2, None))), (2, ((1, None),)))
    assert sequence_issues(good) == () and validate(SWITCHING_PLANS, good) == ()
    bad = _plan((2, ((1, None),)), (1, ((2, None), (2, None), (1, 5))))
    expected = [
        f"{PLAN}/SwitchingStepGroups[2]/sequenceNumber",
        f"{PLAN}/SwitchingStepGroups[2]/SwitchingStep[2]/sequenceNumber",
        f"{PLAN}/SwitchingStepGroups[2]/SwitchingStep[3]/sequenceNumber",
    ]
    assert [i.path for i in sequence_issues(bad)] == expected
    assert [(i.path, i.code) for i in validate(SWITCHING_PLANS, bad)] == [
        (path, "1.8") for path in expected
    ]


def test_an_out_of_order_plan_is_refused_when_read_and_checked() -> None:
    """A plan whose steps run backwards reads from XML and JSON, but check refuses it at the
    first step out of order, and to_xml will not write it."""
    bad = _plan((1, ((2, None), (1, None))))
    with pytest.raises(SchemaViolation) as info:
        to_xml(SWITCHING_PLANS, bad)
    step = f"{PLAN}/SwitchingStepGroups[1]/SwitchingStep[2]/sequenceNumber"
    assert (info.value.path, info.value.code) == (step, "1.8")
    for back in (
        from_xml(SWITCHING_PLANS, to_xml(SWITCHING_PLANS, bad, validate=False)),
        from_json(SWITCHING_PLANS, to_json(SWITCHING_PLANS, bad, validate=False)),
    ):
        assert back == bad
        with pytest.raises(SchemaViolation) as info:
            check(SWITCHING_PLANS, back)
        assert (info.value.path, info.value.code) == (step, "1.8")


def test_rules_run_only_on_a_structurally_valid_payload() -> None:
    """A profile's rules see only payloads that pass the structural checks, so they may rely on
    the profile; a structural issue is reported alone."""
    seen: list[Payload] = []

    def rule(payload: Payload) -> list[Issue]:
        seen.append(payload)
        return [Issue("/SwitchingPlans", "/SwitchingPlans: no plans on Sundays")]

    profile = replace(SWITCHING_PLANS, checks=(rule,))
    good = _plan((1, ((1, None),)))
    assert [i.reason for i in validate(profile, good)] == ["/SwitchingPlans: no plans on Sundays"]
    unnumbered = Payload.of(SWITCHING_PLANS, SwitchingPlan=[Node(cm.SwitchingPlan(mRID="sp"))])
    assert [i.path for i in validate(profile, unnumbered)] == [f"{PLAN}/SwitchingStepGroups"]
    assert seen == [good]


def test_a_plan_needs_numbered_groups_of_numbered_steps() -> None:
    """A plan without groups, a group without steps or numbers, a step without number or
    action, are issues at their paths."""
    empty = Payload.of(SWITCHING_PLANS, SwitchingPlan=[Node(cm.SwitchingPlan(mRID="sp-1"))])
    assert [i.path for i in validate(SWITCHING_PLANS, empty)] == [f"{PLAN}/SwitchingStepGroups"]
    group = Node(cm.SwitchingStepGroup(), (("SwitchingStep", (Node(cm.SwitchingStep()),)),))
    plan = Node(
        cm.SwitchingPlan(mRID="sp-1"),
        (("SwitchingStepGroups", (group, Node(cm.SwitchingStepGroup()))),),
    )
    issues = validate(SWITCHING_PLANS, Payload.of(SWITCHING_PLANS, SwitchingPlan=[plan]))
    assert [i.path for i in issues] == [
        f"{PLAN}/SwitchingStepGroups[1]/sequenceNumber",
        f"{PLAN}/SwitchingStepGroups[1]/SwitchingStep[1]/sequenceNumber",
        f"{PLAN}/SwitchingStepGroups[1]/SwitchingStep[1]",
        f"{PLAN}/SwitchingStepGroups[2]/sequenceNumber",
        f"{PLAN}/SwitchingStepGroups[2]/SwitchingStep",
    ]


def test_a_step_holds_exactly_one_action() -> None:
    """A step's action is one of SwitchAction, GroundAction, ClearanceAction (an xs:choice the
    class requires): two are an issue at the second, none an issue at the step."""
    step = SWITCHING_PLANS.cls("SwitchingStep")
    assert step.required_choices == ("SwitchingAction",)
    assert {m.element: (m.choice, m.max) for m in step.members if m.kind == "association"} == {
        "ClearanceAction": ("SwitchingAction", 1),
        "GroundAction": ("SwitchingAction", 1),
        "SwitchAction": ("SwitchingAction", 1),
    }
    switch = cm.SwitchAction(
        mRID="a1", kind=cm.SwitchActionKind.close, OperatedSwitch=cm.Ref("Switch", "s")
    )
    ground = cm.GroundAction(mRID="a2", kind=cm.TempEquipActionKind.place)
    both = Node(
        cm.SwitchingStep(sequenceNumber=1),
        (("GroundAction", (Node(ground),)), ("SwitchAction", (Node(switch),))),
    )
    group = Node(cm.SwitchingStepGroup(sequenceNumber=1), (("SwitchingStep", (both,)),))
    plan = Node(cm.SwitchingPlan(mRID="sp-1"), (("SwitchingStepGroups", (group,)),))
    issues = validate(SWITCHING_PLANS, Payload.of(SWITCHING_PLANS, SwitchingPlan=[plan]))
    assert [i.path for i in issues] == [
        f"{PLAN}/SwitchingStepGroups[1]/SwitchingStep[1]/SwitchAction"
    ]
    idle = Node(cm.SwitchingStep(sequenceNumber=2))
    group = Node(cm.SwitchingStepGroup(sequenceNumber=1), (("SwitchingStep", (idle,)),))
    plan = Node(cm.SwitchingPlan(mRID="sp-1"), (("SwitchingStepGroups", (group,)),))
    (issue,) = validate(SWITCHING_PLANS, Payload.of(SWITCHING_PLANS, SwitchingPlan=[plan]))
    assert (issue.path, issue.code) == (f"{PLAN}/SwitchingStepGroups[1]/SwitchingStep[1]", "1.8")
    assert "one of ClearanceAction, GroundAction or SwitchAction is required" in issue.reason


def test_emitted_xsd_holds_choice_groups_as_xs_choice() -> None:
    """A step's actions are one required xs:choice; EndDeviceControls' PAN actions an optional
    one, as in the 2011 XSD; each element keeps its own maxOccurs."""

    def choices(profile: Profile, ctype: str) -> list[tuple[str | None, list[str]]]:
        xs = "{http://www.w3.org/2001/XMLSchema}"
        schema = etree.fromstring(profile_xsd(profile))
        (found,) = [c for c in schema.iter(xs + "complexType") if c.get("name") == ctype]
        return [
            (c.get("minOccurs"), [e.get("name") + (e.get("maxOccurs") or "") for e in c])
            for c in found.iter(xs + "choice")
        ]

    actions = ["ClearanceAction", "GroundAction", "SwitchAction"]
    assert choices(SWITCHING_PLANS, "SwitchingStep") == [(None, actions)]
    pan = ["PanDemandResponse", "PanDisplay", "PanPricing"]
    assert choices(PROFILES["EndDeviceControls"], "EndDeviceControl") == [("0", pan)]
