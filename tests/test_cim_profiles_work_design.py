"""The designed WorkOrders and Crews profiles hold their design decisions, and hostile or invalid
input to any of the three work nouns fails with the element's path."""

from __future__ import annotations

from decimal import Decimal

import pytest

import cim.model as cm
from cim.errors import PayloadError, SchemaViolation
from cim.profiles import (
    CREWS,
    WORK_ORDERS,
    WORK_REQUESTS,
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
from cim.profiles.samples_work import CREW_MRID, WORK_MRID, line_crew, work_order
from cim.profiles.samples_workrequests import work_request

WO = "/WorkOrders/WorkOrder[1]"
TASK = f"{WO}/Work/WorkTasks[1]"
CREW = "/Crews/Crew[1]"
ELWORK = "/WorkRequests/ELWork[1]"
_WR = to_xml(WORK_REQUESTS, work_request())
_WO = to_xml(WORK_ORDERS, work_order())
_CR = to_xml(CREWS, line_crew())


def _mutate(data: bytes, old: bytes, new: bytes) -> bytes:
    assert old in data
    return data.replace(old, new, 1)


def test_designed_profiles_embed_and_never_reference() -> None:
    """WorkOrders and Crews have no ``ref`` member; a task's Crew and Asset are embedded by
    identity, with the mRID the receiver resolves required and nothing of the Crews noun."""
    for profile in (WORK_ORDERS, CREWS):
        kinds = {m.kind for c in profile.classes.values() for m in c.members}
        assert "reference" not in kinds, profile.name
    crew, asset = WORK_ORDERS.cls("Crew"), WORK_ORDERS.cls("Asset")
    assert [(m.element, m.min) for m in crew.members] == [("mRID", 1), ("name", 0)]
    assert [m.element for m in asset.members] == ["mRID", "name", "serialNumber", "type"]
    assert asset.members[0].min == 1


def test_the_three_samples_name_the_same_work_and_crew() -> None:
    """The work order's Work has the requested ELWork's mRID, and every task names the crew
    that the Crews sample describes."""
    (requested,) = work_request().child("ELWork")
    (work,) = work_order().child("WorkOrder")[0].child("Work")
    assert isinstance(requested.obj, cm.Work) and isinstance(work.obj, cm.Work)
    assert requested.obj.mRID == work.obj.mRID == WORK_MRID
    named = [c.obj for task in work.child("WorkTasks") for c in task.child("Crews")]
    described = [c.obj for c in line_crew().child("Crew")]
    assert all(isinstance(c, cm.Crew) for c in (*named, *described))
    assert {getattr(c, "mRID", None) for c in named} == {CREW_MRID}
    assert {getattr(c, "mRID", None) for c in described} == {CREW_MRID}


def test_work_order_requirements_are_issues() -> None:
    """An order without its Work, and a Work without number, key or task, a task crew without
    mRID, material without quantity and a cost without amount are issues with paths."""
    task = Node(
        cm.WorkTask(mRID="wt-1"),
        (("Crews", (Node(cm.Crew(name="x")),)), ("MaterialItems", (Node(cm.MaterialItem()),))),
    )
    costs = ("WorkCostDetails", (Node(cm.WorkCostDetail()),))
    unkeyed = Node(cm.Work(), (costs, ("WorkTasks", (task,))))
    taskless = Node(cm.Work(mRID="w-3", workOrderNumber="1"))
    payload = Payload.of(
        WORK_ORDERS,
        WorkOrder=[
            Node(cm.WorkOrder(mRID="wo-1")),
            Node(cm.WorkOrder(mRID="wo-2"), (("Work", (unkeyed,)),)),
            Node(cm.WorkOrder(mRID="wo-3"), (("Work", (taskless,)),)),
        ],
    )
    w2 = "/WorkOrders/WorkOrder[2]/Work"
    assert {i.path for i in validate(WORK_ORDERS, payload)} == {
        f"{WO}/Work",
        f"{w2}/mRID",
        f"{w2}/workOrderNumber",
        f"{w2}/WorkCostDetails[1]/amount",
        f"{w2}/WorkTasks[1]/Crews[1]/mRID",
        f"{w2}/WorkTasks[1]/MaterialItems[1]/quantity",
        "/WorkOrders/WorkOrder[3]/Work/WorkTasks",
    }


def test_money_keeps_its_currency_and_digits() -> None:
    """A task's cost reads back as CHF with its decimal digits, in XML and JSON alike."""
    (order,) = from_xml(WORK_ORDERS, _WO).child("WorkOrder")
    removal = order.child("Work")[0].child("WorkTasks")[0].obj
    assert isinstance(removal, cm.WorkTask)
    assert removal.laborCost == cm.Money(value=Decimal("412.50"), unit=cm.Currency.CHF)
    assert b'"laborCost":{"unit":"CHF","value":"412.50"}' in to_json(WORK_ORDERS, work_order())


def test_crew_members_need_a_person_with_a_last_name() -> None:
    """A CrewMember without its Person, or a Person without lastName, is an issue; so is a
    Crew without the mRID that work orders name it by."""
    nobody = Node(cm.CrewMember(description="foreman"))
    anon = Node(cm.CrewMember(), (("Person", (Node(cm.Person(firstName="Anna")),)),))
    payload = Payload.of(CREWS, Crew=[Node(cm.Crew(), (("CrewMembers", (nobody, anon)),))])
    assert {i.path for i in validate(CREWS, payload)} == {
        f"{CREW}/mRID",
        f"{CREW}/CrewMembers[1]/Person",
        f"{CREW}/CrewMembers[2]/Person/lastName",
    }


def test_crew_status_is_free_text_and_work_assets_split_by_kind() -> None:
    """A status value outside CrewStatusKind is valid; a Vehicle in Tools is not a Tool."""
    status = cm.Status(value="lunch break")
    truck = Node(cm.Vehicle(mRID="v-1", usageKind=cm.VehicleUsageKind.crew))
    ok = Payload.of(CREWS, Crew=[Node(cm.Crew(mRID=CREW_MRID, status=status))])
    assert from_json(CREWS, to_json(CREWS, ok)) == ok
    wrong = Payload.of(CREWS, Crew=[Node(cm.Crew(mRID=CREW_MRID), (("Tools", (truck,)),))])
    with pytest.raises(SchemaViolation) as info:
        check(CREWS, wrong)
    assert info.value.path == f"{CREW}/Tools[1]"


_REFUSALS: list[tuple[Profile, bytes, type[Exception], str]] = [
    (
        WORK_REQUESTS,
        _mutate(_WR, b"2011/WorkRequests", b"2011/WorkRequests#"),
        PayloadError,
        "/WorkRequests",
    ),
    (WORK_ORDERS, _mutate(_WO, b"WorkOrders#", b"WorkOrder#"), PayloadError, "/WorkOrders"),
    (
        WORK_REQUESTS,
        _mutate(_WR, b">exchange<", b">replace<"),
        SchemaViolation,
        f"{ELWORK}/WorkTask[1]/taskKind",
    ),
    (
        WORK_REQUESTS,
        _mutate(_WR, b"<glAccount>", b"<costCentre/><glAccount>"),
        PayloadError,
        f"{ELWORK}/costCentre",
    ),
    (
        WORK_REQUESTS,
        _mutate(_WR, b"<siteId>", b'<siteId ref="SITE-0815">'),
        PayloadError,
        f"{ELWORK}/siteId",
    ),
    (
        WORK_ORDERS,
        _mutate(_WO, b">dispatched<", b">onHold<"),
        SchemaViolation,
        f"{TASK}/statusKind",
    ),
    (
        WORK_ORDERS,
        _mutate(_WO, b">412.50<", b">4.125e2<"),
        SchemaViolation,
        f"{TASK}/laborCost/value",
    ),
    (
        WORK_ORDERS,
        _mutate(_WO, b"<m:unit>CHF", b"<m:unit>Fr."),
        SchemaViolation,
        f"{WO}/Work/WorkCostDetails[1]/amount/unit",
    ),
    (
        WORK_ORDERS,
        _mutate(
            _WO, b"<m:name>Line crew 7</m:name>", b"<m:name>Line crew 7</m:name><m:CrewMembers/>"
        ),
        PayloadError,
        f"{TASK}/Crews[1]/CrewMembers",
    ),
    (
        WORK_ORDERS,
        _mutate(_WO, b"<m:Crews>", b'<m:Crews ref="c7e1a2b3">'),
        PayloadError,
        f"{TASK}/Crews[1]",
    ),
    (
        WORK_ORDERS,
        _mutate(_WO, b"</m:WorkLocation>", b"</m:WorkLocation><m:WorkLocation/>"),
        PayloadError,
        f"{WO}/Work/WorkLocation",
    ),
    (CREWS, _mutate(_CR, b">crew<", b">fleet<"), SchemaViolation, f"{CREW}/Vehicles[1]/usageKind"),
    (
        CREWS,
        _mutate(
            _CR,
            b"<m:name>Hot stick 3</m:name>",
            b"<m:name>Hot stick 3</m:name><m:usageKind>crew</m:usageKind>",
        ),
        PayloadError,
        f"{CREW}/Tools[1]/usageKind",
    ),
    (
        CREWS,
        _mutate(_CR, b">2026-01-01T00:00:00Z<", b">yesterday<"),
        SchemaViolation,
        f"{CREW}/Vehicles[1]/odometerReadDateTime",
    ),
]


@pytest.mark.parametrize(("profile", "data", "error", "path"), _REFUSALS)
def test_invalid_xml_names_the_element_path(
    profile: Profile, data: bytes, error: type[Exception], path: str
) -> None:
    """Wrong namespaces, unknown or CIM100-less elements, bad literals and values, a ``ref``
    where the profile embeds and a repeated single member fail with the element's path."""
    with pytest.raises(error) as info:
        from_xml(profile, data)
    assert getattr(info.value, "path", None) == path


@pytest.mark.parametrize(
    ("profile", "data", "path"),
    [
        (
            WORK_ORDERS,
            b'{"WorkOrders":{"WorkOrder":[{"Work":{"WorkCostDetails":[{"isDebit":"yes"}]}}]}}',
            f"{WO}/Work/WorkCostDetails[1]/isDebit",
        ),
        (
            WORK_ORDERS,
            b'{"WorkOrders":{"WorkOrder":[{"Work":{"priority":{"rank":"1"}}}]}}',
            f"{WO}/Work/priority/rank",
        ),
        (
            CREWS,
            b'{"Crews":{"Crew":[{"Vehicles":[{"odometerReading":"48210"}]}]}}',
            f"{CREW}/Vehicles[1]/odometerReading",
        ),
        (WORK_REQUESTS, b'{"WorkRequests":{"ELWork":[{"kind":"maintenance"}]}}', f"{ELWORK}/kind"),
    ],
)
def test_invalid_json_names_the_element_path(profile: Profile, data: bytes, path: str) -> None:
    """JSON of the wrong type, and the 2011 WorkKind ``maintenance`` that CIM100 dropped, fail
    with the element's path."""
    with pytest.raises(SchemaViolation) as info:
        from_json(profile, data)
    assert info.value.path == path


def test_missing_required_members_read_from_xml_are_named_by_check() -> None:
    """Reading does not invent required members; check names the first missing one."""
    data = _mutate(_WO, b"<m:workOrderNumber>4500012345</m:workOrderNumber>", b"")
    with pytest.raises(SchemaViolation) as info:
        check(WORK_ORDERS, from_xml(WORK_ORDERS, data))
    assert info.value.path == f"{WO}/Work/workOrderNumber"
