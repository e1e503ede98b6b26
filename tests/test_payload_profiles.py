"""Payloads checked against the noun's message profile: `cimbus message check` and the pipeline's
profile step answer a bad MeterReadings payload with its code and element path."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

import bus.envelope as env
from bus.cli import main
from bus.payload import check_payload, find_profile, profiles
from bus.pipeline import Pipeline, decode_step, dispatch_step, profile_step
from bus.routing import request_bindings, request_queue
from bus.transport.memory import MemoryTransport
from cim.errors import ConfigurationError, PayloadError, SchemaViolation
from cim.profiles import CUSTOMER_CONFIG, METER_READINGS, SWITCHING_PLANS, WORK_REQUESTS, to_xml
from cim.profiles.samples import READING_TYPE_MRID, interval_readings
from cim.profiles.samples_operations import restoration_plan
from cim.profiles.samples_workrequests import work_request

GOOD = to_xml(METER_READINGS, interval_readings(2))
DANGLING = GOOD.replace(f'ref="{READING_TYPE_MRID}"'.encode(), b'ref="rt-missing"')
BAD_ENUM = GOOD.replace(b"<m:unit>Wh</m:unit>", b"<m:unit>kWh</m:unit>")
DANGLING_PATH = "/MeterReadings/MeterReading[1]/IntervalBlocks[1]/ReadingType"
BAD_ENUM_PATH = "/MeterReadings/ReadingType[1]/unit"


def _payload(data: bytes) -> env.Payload:
    root = etree.fromstring(data)
    return env.Payload(elements=(env.XmlFragment(etree.tostring(root), root.tag),))


def event(data: bytes, noun: str = "MeterReadings") -> env.EventMessage:
    """A created event carrying ``data`` as its payload."""
    return env.EventMessage(env.make_header("created", noun, source="HES"), _payload(data))


def create(data: bytes) -> env.RequestMessage:
    """A create request carrying ``data`` as its payload."""
    header = env.make_header("create", "MeterReadings", source="HES")
    return env.RequestMessage(header, payload=_payload(data))


def test_profiles_holds_meter_readings_and_suggests_names() -> None:
    """MeterReadings has a profile; an unknown name is a ConfigurationError with a suggestion."""
    assert profiles()["MeterReadings"] is METER_READINGS
    with pytest.raises(ConfigurationError, match="did you mean 'MeterReadings'"):
        find_profile("MeterReading")


@pytest.mark.parametrize(
    ("data", "path"), [(DANGLING, DANGLING_PATH), (BAD_ENUM, BAD_ENUM_PATH)], ids=["ref", "enum"]
)
def test_check_payload_names_the_element_inside_the_envelope(data: bytes, path: str) -> None:
    """A bad payload raises 1.8 with the path under /<Kind>/Payload and the message's identity."""
    msg = event(data)
    with pytest.raises(SchemaViolation) as caught:
        check_payload(msg)
    exc = caught.value
    assert (exc.code, exc.path) == ("1.8", "/EventMessage/Payload" + path)
    assert (exc.noun, exc.message_id) == ("MeterReadings", msg.header.message_id)


def test_payloads_of_other_nouns_or_namespaces_are_left_alone() -> None:
    """A noun without a profile, or a payload in another namespace, is not checked."""
    check_payload(event(DANGLING, noun="EndDeviceEvents"))
    check_payload(event(b'<x:Other xmlns:x="urn:other"><x:y/></x:Other>'))
    check_payload(event(GOOD))


def _check(tmp_path: Path, name: str, data: bytes, *extra: str):  # type: ignore[no-untyped-def]
    path = tmp_path / name
    path.write_bytes(env.encode_xml(event(data)))
    return CliRunner().invoke(main, ["message", "check", *extra, str(path)])


def test_message_check_accepts_a_valid_payload(tmp_path: Path) -> None:
    """A MeterReadings event with a valid payload is OK."""
    out = _check(tmp_path, "good.xml", GOOD)
    assert out.exit_code == 0 and out.stdout.startswith("OK created MeterReadings")


@pytest.mark.parametrize(
    ("data", "path"), [(DANGLING, DANGLING_PATH), (BAD_ENUM, BAD_ENUM_PATH)], ids=["ref", "enum"]
)
def test_message_check_fails_a_bad_payload_with_code_and_path(
    tmp_path: Path, data: bytes, path: str
) -> None:
    """A dangling reference or a bad enum literal is FAIL 1.8 with the element path."""
    out = _check(tmp_path, "bad.xml", data)
    assert out.exit_code == 1
    assert out.stdout.startswith(f"FAIL 1.8 {path}: ")
    out = _check(tmp_path, "bad.xml", data, "--json")
    (result,) = json.loads(out.stdout)["results"]
    assert result["element"] == "/EventMessage/Payload" + path and result["code"] == "1.8"


def _pipeline(effects: list[str]) -> Pipeline:
    def handle(message: env.Message) -> env.Message | None:
        effects.append(message.header.message_id or "")  # type: ignore[union-attr]
        if isinstance(message, env.RequestMessage):
            return env.reply_to(message, source="MDM")
        return None

    return Pipeline(
        [
            ("decode", decode_step()),
            ("profile", profile_step()),
            ("dispatch", dispatch_step({"MeterReadings": handle})),
        ],
        source="MDM",
    )


def test_profile_step_refuses_a_bad_payload_before_dispatch() -> None:
    """The profile stage answers a bad payload with a FAILED reply naming code, stage and path."""
    effects: list[str] = []
    msg = create(DANGLING)
    outcome = _pipeline(effects).run(env.encode_xml(msg), origin="test")
    assert effects == [] and isinstance(outcome.answer, env.ResponseMessage)
    (error,) = outcome.answer.reply.errors
    assert error.code == "1.8" and error.location is not None
    assert error.location.stage == "profile"
    assert error.details == f"element /RequestMessage/Payload{DANGLING_PATH}"
    assert outcome.answer.header.correlation_id == msg.header.message_id
    assert _pipeline(effects).run(env.encode_xml(create(GOOD)), origin="test").error is None
    assert len(effects) == 1


def test_profile_step_on_the_memory_transport() -> None:
    """A bad request payload gets an error reply with its code; a bad event is dead-lettered
    with the reason; a good request is served."""
    effects: list[str] = []
    p = _pipeline(effects)
    t = MemoryTransport(delivery_limit=3, retry_delay=0.01)
    try:
        t.subscribe(request_queue("MeterReadings"), request_bindings("MeterReadings"), p.handler)
        t.subscribe("mdm.events", ["MeterReadings.created"], p.handler)
        reply = t.request(create(GOOD), timeout=5)
        assert isinstance(reply, env.ResponseMessage) and reply.reply.result is env.Result.OK
        refused = t.request(create(BAD_ENUM), timeout=5)
        assert isinstance(refused, env.ResponseMessage)
        assert refused.reply.result is env.Result.FAILED
        assert refused.reply.errors[0].code == "1.8"
        assert BAD_ENUM_PATH in (refused.reply.errors[0].details or "")
        t.publish(event(DANGLING))
        deadline = time.monotonic() + 5
        while not t.dead_letters("mdm.events") and time.monotonic() < deadline:
            time.sleep(0.01)
        (dead,) = t.dead_letters("mdm.events")
        assert dead.deliveries == 1 and "1.8" in dead.reason and "rt-missing" in dead.reason
        assert len(effects) == 1
    finally:
        t.close()


def test_payloads_inside_an_operation_set_are_checked_against_their_noun(tmp_path: Path) -> None:
    """The docs' OperationSet example passes; with a bad boolean in its first operation it
    fails 1.8 at that operation's path."""
    example = Path(__file__).parent.parent / "docs/examples/usagepointconfig-operationset.xml"
    good = CliRunner().invoke(main, ["message", "check", str(example)])
    assert good.exit_code == 0, good.stdout
    bad = example.read_bytes().replace(b"<u:isSdp>true<", b"<u:isSdp>maybe<", 1)
    path = tmp_path / "bad.xml"
    path.write_bytes(bad)
    out = CliRunner().invoke(main, ["message", "check", "--json", str(path)])
    (result,) = json.loads(out.stdout)["results"]
    assert out.exit_code == 1 and result["code"] == "1.8", result
    assert result["element"].startswith("/RequestMessage/Payload/OperationSet/Operation[1]/")


def _through_bytes(message: env.EventMessage) -> env.Message:
    """The message as a receiver sees it: encoded in its envelope and decoded again."""
    return env.decode(env.encode_xml(message))


def test_an_unqualified_payload_passes_and_a_namespaced_child_is_refused() -> None:
    """WorkRequests' elements below the root are in no namespace: such a payload is matched to
    its profile by the root's namespace and passes, in memory and through the envelope's bytes;
    a child in the namespace is refused (1.7) at its path."""
    data = to_xml(WORK_REQUESTS, work_request())
    assert b"<glAccount>" in data
    check_payload(event(data, noun="WorkRequests"))
    check_payload(_through_bytes(event(data, noun="WorkRequests")))
    qualified = data.replace(b"<glAccount>", b"<m:glAccount>", 1)
    qualified = qualified.replace(b"</glAccount>", b"</m:glAccount>", 1)
    for msg in (event(qualified, "WorkRequests"), _through_bytes(event(qualified, "WorkRequests"))):
        with pytest.raises(PayloadError) as caught:
            check_payload(msg)
        exc = caught.value
        assert (exc.code, exc.noun) == ("1.7", "WorkRequests")
        assert exc.path == "/EventMessage/Payload/WorkRequests/ELWork[1]/glAccount"


def test_a_plan_out_of_order_is_refused_by_the_profile_rule(tmp_path: Path) -> None:
    """A switching plan whose last group runs its steps 1, 1 breaks the profile's ordering rule:
    check_payload and ``cimbus message check`` fail it 1.8 at the second step's number."""
    data = to_xml(SWITCHING_PLANS, restoration_plan())
    cut = data.rindex(b"<m:sequenceNumber>2</m:sequenceNumber>")
    bad = data[:cut] + data[cut:].replace(b">2<", b">1<", 1)
    where = "/SwitchingPlans/SwitchingPlan[1]/SwitchingStepGroups[3]/SwitchingStep[2]"
    check_payload(event(data, noun="SwitchingPlans"))
    with pytest.raises(SchemaViolation) as caught:
        check_payload(_through_bytes(event(bad, noun="SwitchingPlans")))
    exc = caught.value
    assert (exc.code, exc.path) == ("1.8", f"/EventMessage/Payload{where}/sequenceNumber")
    assert "does not follow" in exc.reason
    path = tmp_path / "plan.xml"
    path.write_bytes(env.encode_xml(event(bad, noun="SwitchingPlans")))
    out = CliRunner().invoke(main, ["message", "check", "--json", str(path)])
    (result,) = json.loads(out.stdout)["results"]
    assert out.exit_code == 1 and result["code"] == "1.8"
    assert result["element"] == f"/EventMessage/Payload{where}/sequenceNumber"


def test_an_unresolved_customer_account_is_answered_2_19_on_the_bus() -> None:
    """The object-specific code travels: a CustomerConfig request whose agreement names an
    account the payload lacks is answered FAILED 2.19 with the path, and is not dispatched."""
    ns = CUSTOMER_CONFIG.namespace
    payload = (
        f'<c:CustomerConfig xmlns:c="{ns}"><c:Customer><c:mRID>cu-1</c:mRID></c:Customer>'
        '<c:CustomerAgreement><c:mRID>ag-1</c:mRID><c:Customer ref="cu-1"/>'
        '<c:CustomerAccount ref="ac-missing"/><c:ServiceSupplier ref="dso"/>'
        "</c:CustomerAgreement></c:CustomerConfig>"
    ).encode()
    served: list[env.Message] = []
    pipeline = Pipeline(
        [
            ("decode", decode_step()),
            ("profile", profile_step()),
            ("dispatch", dispatch_step({"CustomerConfig": lambda m: served.append(m) or None})),
        ]
    )
    t = MemoryTransport(retry_delay=0.01)
    try:
        t.subscribe(
            request_queue("CustomerConfig"), request_bindings("CustomerConfig"), pipeline.handler
        )
        request = env.RequestMessage(
            env.make_header("create", "CustomerConfig", source="CIS"), payload=_payload(payload)
        )
        reply = t.request(request, timeout=5)
        assert isinstance(reply, env.ResponseMessage) and reply.reply.result is env.Result.FAILED
        (error,) = reply.reply.errors
        assert error.code == "2.19"
        assert "/CustomerConfig/CustomerAgreement[1]/CustomerAccount" in (error.details or "")
        assert served == []
    finally:
        t.close()
