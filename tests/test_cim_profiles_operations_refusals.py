"""TroubleTickets, IncidentInformation and SwitchingPlans refuse hostile or invalid payloads (XML,
JSON, the emitted XSD) with the path of the offending element."""

from __future__ import annotations

from typing import Any

import pytest
from lxml import etree

from cim.errors import PayloadError, SchemaViolation
from cim.profiles import (
    INCIDENT_INFORMATION,
    SWITCHING_PLANS,
    TROUBLE_TICKETS,
    Profile,
    check,
    from_json,
    from_xml,
    to_xml,
)
from cim.profiles.samples_operations import (
    DISCONNECTOR,
    OUTAGE,
    incident_information,
    restoration_plan,
    trouble_call,
)
from cim.profiles.xsd import profile_xsd

TT = to_xml(TROUBLE_TICKETS, trouble_call())
II = to_xml(INCIDENT_INFORMATION, incident_information())
SP = to_xml(SWITCHING_PLANS, restoration_plan())
TICKET = "/TroubleTickets/TroubleTicket[1]"
OUT = "/IncidentInformation/UnplannedOutage[1]"
STEP = "/SwitchingPlans/SwitchingPlan[1]/SwitchingStepGroups[1]/SwitchingStep[1]"
SWITCH = f'<m:OperatedSwitch ref="{DISCONNECTOR}"/>'.encode()
FIRST_AT_5 = b"<m:sequenceNumber>5</m:sequenceNumber><m:SwitchingStep>"
"""The first group renumbered 5, so the second (2) no longer follows it."""
GROUND = b"<m:GroundAction><m:mRID>g-1</m:mRID><m:kind>place</m:kind></m:GroundAction>"


def _mutate(data: bytes, old: bytes, new: bytes) -> bytes:
    assert old in data
    return data.replace(old, new, 1)


def _drop(data: bytes, start: bytes, end: bytes) -> bytes:
    """``data`` without the first element that runs from ``start`` to ``end``."""
    i = data.index(start)
    return data[:i] + data[data.index(end, i) + len(end) :]


@pytest.mark.parametrize(
    ("profile", "data", "error", "path"),
    [
        (
            TROUBLE_TICKETS,
            _mutate(TT, b"2011/TroubleTickets#", b"2011/TroubleTicket#"),
            PayloadError,
            "/TroubleTickets",
        ),
        (
            TROUBLE_TICKETS,
            _mutate(TT, b"<m:accessMethod>", b"<m:colour/><m:accessMethod>"),
            PayloadError,
            f"{TICKET}/ServiceLocation/colour",
        ),
        (
            TROUBLE_TICKETS,
            _mutate(TT, b">call<", b">telepathy<"),
            SchemaViolation,
            f"{TICKET}/reportingKind",
        ),
        (
            TROUBLE_TICKETS,
            _mutate(TT, b"<m:multiplePremises>true<", b"<m:multiplePremises>yes<"),
            SchemaViolation,
            f"{TICKET}/multiplePremises",
        ),
        (
            TROUBLE_TICKETS,
            _mutate(TT, b"<m:Customer ref=", b"<m:Customer mRID="),
            PayloadError,
            f"{TICKET}/Customer",
        ),
        (
            INCIDENT_INFORMATION,
            _mutate(II, b">412</m:totalCount>", b">many</m:totalCount>"),
            SchemaViolation,
            f"{OUT}/summary/totalCount",
        ),
        (
            INCIDENT_INFORMATION,
            _mutate(II, b">treeDown<", b">gremlins<"),
            SchemaViolation,
            f"{OUT}/causeKind",
        ),
        (
            INCIDENT_INFORMATION,
            _mutate(II, b"<m:mRID>8c9d", b"<m:cause>first</m:cause><m:mRID>8c9d"),
            PayloadError,
            f"{OUT}/mRID",
        ),
        (
            SWITCHING_PLANS,
            _mutate(SP, b"<m:kind>open<", b"<m:kind>ajar<"),
            SchemaViolation,
            f"{STEP}/SwitchAction/kind",
        ),
        (
            SWITCHING_PLANS,
            _mutate(SP, SWITCH, b"<m:OperatedSwitch/>"),
            PayloadError,
            f"{STEP}/SwitchAction/OperatedSwitch",
        ),
        (
            SWITCHING_PLANS,
            _mutate(SP, b"<m:SwitchAction>", GROUND + b"<m:SwitchAction>"),
            PayloadError,
            f"{STEP}/SwitchAction",
        ),
    ],
)
def test_invalid_xml_is_refused_at_its_path(
    profile: Profile, data: bytes, error: Any, path: str
) -> None:
    """Wrong namespace, unknown or out-of-order elements, bad literals, bad references, and a
    second action in one step are refused, naming the element."""
    with pytest.raises(error) as info:
        from_xml(profile, data)
    assert info.value.path == path


@pytest.mark.parametrize(
    ("profile", "data", "path"),
    [
        (
            TROUBLE_TICKETS,
            _drop(TT, b"<m:dateTimeOfReport>", b"</m:dateTimeOfReport>"),
            f"{TICKET}/dateTimeOfReport",
        ),
        (
            TROUBLE_TICKETS,
            _drop(TT, b"<m:ServiceLocation>", b"</m:ServiceLocation>"),
            f"{TICKET}/ServiceLocation",
        ),
        (
            TROUBLE_TICKETS,
            _drop(TT, b"<m:trigger>", b"</m:trigger>"),
            f"{TICKET}/Notification[1]/trigger",
        ),
        (
            INCIDENT_INFORMATION,
            _drop(II, b"<m:outageKind>", b"</m:outageKind>"),
            f"{OUT}/outageKind",
        ),
        (
            INCIDENT_INFORMATION,
            _mutate(
                II,
                f'<m:UnplannedOutage ref="{OUTAGE}"/>'.encode(),
                b'<m:UnplannedOutage ref="gone"/>',
            ),
            "/IncidentInformation/Incident[1]/UnplannedOutage",
        ),
        (SWITCHING_PLANS, _mutate(SP, SWITCH, b""), f"{STEP}/SwitchAction/OperatedSwitch"),
        (SWITCHING_PLANS, _mutate(SP, b"<m:kind>open</m:kind>", b""), f"{STEP}/SwitchAction/kind"),
        (SWITCHING_PLANS, _drop(SP, b"<m:SwitchAction>", b"</m:SwitchAction>"), STEP),
        (
            SWITCHING_PLANS,
            _mutate(SP, b"<m:sequenceNumber>1</m:sequenceNumber><m:SwitchingStep>", FIRST_AT_5),
            "/SwitchingPlans/SwitchingPlan[1]/SwitchingStepGroups[2]/sequenceNumber",
        ),
        (
            SWITCHING_PLANS,
            _mutate(
                SP, b"<m:SwitchingStep><m:sequenceNumber>1</m:sequenceNumber>", b"<m:SwitchingStep>"
            ),
            f"{STEP}/sequenceNumber",
        ),
    ],
)
def test_missing_required_member_or_unresolved_reference_names_its_path(
    profile: Profile, data: bytes, path: str
) -> None:
    """What reads but breaks the profile (required member or action, reference that must
    resolve, steps out of order) is a SchemaViolation from check() at the element's path."""
    with pytest.raises(SchemaViolation) as info:
        check(profile, from_xml(profile, data))
    assert info.value.path == path


@pytest.mark.parametrize(
    ("profile", "data", "error", "path"),
    [
        (
            TROUBLE_TICKETS,
            b'{"TroubleTickets":{"TroubleTicket":[{"multiplePremises":"yes"}]}}',
            SchemaViolation,
            f"{TICKET}/multiplePremises",
        ),
        (
            TROUBLE_TICKETS,
            b'{"TroubleTickets":{"TroubleTicket":[{"ServiceLocation":[{"mRID":"x"}]}]}}',
            PayloadError,
            f"{TICKET}/ServiceLocation",
        ),
        (
            TROUBLE_TICKETS,
            b'{"TroubleTickets":{"TroubleTicket":[{"UsagePoint":{"ref":"up"}}]}}',
            PayloadError,
            f"{TICKET}/UsagePoint",
        ),
        (
            INCIDENT_INFORMATION,
            b'{"IncidentInformation":{"UnplannedOutage":[{"outageKind":"maybe"}]}}',
            SchemaViolation,
            f"{OUT}/outageKind",
        ),
        (
            INCIDENT_INFORMATION,
            b'{"IncidentInformation":{"Incident":[{"UnplannedOutage":"uo-1"}]}}',
            PayloadError,
            "/IncidentInformation/Incident[1]/UnplannedOutage",
        ),
        (
            SWITCHING_PLANS,
            b'{"SwitchingPlans":{"SwitchingPlan":[{"SwitchingStepGroups":{"sequenceNumber":1}}]}}',
            PayloadError,
            "/SwitchingPlans/SwitchingPlan[1]/SwitchingStepGroups",
        ),
        (
            SWITCHING_PLANS,
            b'{"SwitchingPlans":{"SwitchingPlan":[{"SwitchingStepGroups":[{"sequenceNumber":"1"}]}]}}',
            SchemaViolation,
            "/SwitchingPlans/SwitchingPlan[1]/SwitchingStepGroups[1]/sequenceNumber",
        ),
    ],
)
def test_invalid_json_is_refused_at_its_path(
    profile: Profile, data: bytes, error: Any, path: str
) -> None:
    """Wrong JSON types, unknown keys, a list for one object, a bare mRID for a reference."""
    with pytest.raises(error) as info:
        from_json(profile, data)
    assert info.value.path == path


@pytest.mark.parametrize(
    ("profile", "data"),
    [
        (TROUBLE_TICKETS, _mutate(TT, b"<m:accessMethod>", b"<m:colour/><m:accessMethod>")),
        (TROUBLE_TICKETS, _drop(TT, b"<m:ServiceLocation>", b"</m:ServiceLocation>")),
        (INCIDENT_INFORMATION, _mutate(II, b">confirmed<", b">rumoured<")),
        (
            INCIDENT_INFORMATION,
            _mutate(II, b"<m:UnplannedOutage ref=", b"<m:UnplannedOutage mRID="),
        ),
        (SWITCHING_PLANS, _mutate(SP, b"<m:sequenceNumber>1</m:sequenceNumber>", b"")),
        (SWITCHING_PLANS, _mutate(SP, b"<m:kind>open<", b"<m:kind>ajar<")),
        (SWITCHING_PLANS, _drop(SP, b"<m:SwitchAction>", b"</m:SwitchAction>")),
    ],
)
def test_emitted_xsd_refuses_what_the_readers_refuse(profile: Profile, data: bytes) -> None:
    """The emitted XSD refuses an unknown element, a missing required member or action, a bad
    literal and a reference without ref."""
    schema = etree.XMLSchema(etree.fromstring(profile_xsd(profile)))
    assert not schema.validate(etree.fromstring(data))


def test_emitted_xsd_refuses_a_second_action_in_one_step() -> None:
    """The emitted XSD holds a step's actions in an xs:choice, as the readers do."""
    schema = etree.XMLSchema(etree.fromstring(profile_xsd(SWITCHING_PLANS)))
    data = _mutate(SP, b"<m:SwitchAction>", GROUND + b"<m:SwitchAction>")
    assert not schema.validate(etree.fromstring(data))
