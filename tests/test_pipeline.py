"""The inbound pipeline and its policies: outcomes, error answers, dedupe, authorisation,
replay detection, and the pipeline running as a transport handler end to end."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

import bus.envelope as env
from bus.pipeline import (
    Pipeline,
    authorise_step,
    decode_step,
    dedupe_step,
    dispatch_step,
    replay_step,
    validate_step,
)
from bus.routing import request_bindings, request_queue
from bus.security import AuthorisationPolicy, ReplayGuard, Rule
from bus.transport.memory import MemoryTransport
from cim.errors import InvalidNoun


class FakeStore:
    """An in-memory idempotency store with the real interface."""

    def __init__(self) -> None:
        self.claims: set[tuple[str, str]] = set()
        self.lock = threading.Lock()

    def claim(self, consumer: str, message_id: str) -> bool:
        """Record the claim; False when already there."""
        with self.lock:
            if (consumer, message_id) in self.claims:
                return False
            self.claims.add((consumer, message_id))
            return True

    def forget(self, consumer: str, message_id: str) -> None:
        """Undo a claim."""
        with self.lock:
            self.claims.discard((consumer, message_id))

    def close(self) -> None:
        """Nothing to release."""


POLICY = AuthorisationPolicy((Rule("CIS", "get", "MeterReadings"), Rule("MDM", "*", "Meter*")))


def request(
    source: str = "CIS", verb: str = "get", noun: str = "MeterReadings", **fields: object
) -> env.RequestMessage:
    """A request from ``source``."""
    return env.RequestMessage(env.make_header(verb, noun, source=source, **fields))


def pipeline(
    store: FakeStore, effects: list[str], *, guard: ReplayGuard | None = None, fail_times: int = 0
) -> Pipeline:
    """The standard steps around a handler that records its effect (and can fail first)."""
    failures = {"left": fail_times}

    def handle(message: env.Message) -> env.Message | None:
        if failures["left"]:
            failures["left"] -= 1
            raise ConnectionError("ERP briefly unavailable")
        effects.append(message.header.message_id or "")  # type: ignore[union-attr]
        if isinstance(message, env.RequestMessage):
            return env.reply_to(message, source="MDM")
        return None

    def known_noun(message: env.Message) -> None:
        noun = message.header.noun  # type: ignore[union-attr]
        if noun not in ("MeterReadings", "MeterConfig", "EndDeviceEvents"):
            raise InvalidNoun(
                f"noun {noun} is not served here", noun=noun, message_id=message.header.message_id
            )  # type: ignore[union-attr]

    return Pipeline(
        [
            ("decode", decode_step()),
            ("authorise", authorise_step(POLICY)),
            ("replay", replay_step(guard or ReplayGuard())),
            ("dedupe", dedupe_step(store, "mdm")),
            ("validate", validate_step(known_noun)),
            (
                "dispatch",
                dispatch_step(
                    {
                        "MeterReadings": handle,
                        "MeterConfig": handle,
                        "EndDeviceEvents.created": handle,
                    }
                ),
            ),
        ],
        source="MDM",
    )


def test_good_request_is_dispatched_and_replied_once():
    """A valid, allowed request reaches its handler once and its reply comes back."""
    store, effects = FakeStore(), []
    p = pipeline(store, effects)
    msg = request()
    outcome = p.run(env.encode_xml(msg), origin="test")
    assert outcome.error is None and effects == [msg.header.message_id]
    assert isinstance(outcome.reply, env.ResponseMessage)
    assert outcome.reply.header.correlation_id == msg.header.message_id


def test_duplicate_message_id_is_dropped_not_reapplied():
    """The same MessageID a second time is dropped: the effect happened once."""
    store, effects = FakeStore(), []
    p = pipeline(store, effects)
    data = env.encode_xml(request())
    p.run(data, origin="test")
    second = p.run(data, origin="test")
    assert second.dropped and "duplicate" in second.dropped and len(effects) == 1


@pytest.mark.parametrize(
    ("msg", "code"),
    [
        (request(source="GIS"), "7.5"),
        (request(verb="create"), "7.5"),
        (env.RequestMessage(env.make_header("get", "MeterReadings")), "7.2"),
        (request(source="MDM", noun="Outages"), "7.5"),
    ],
    ids=["unknown-source", "verb-not-allowed", "no-source", "noun-not-allowed"],
)
def test_authorisation_refusals_answer_with_7x(msg, code):
    """A sender the policy does not allow gets a FAILED reply with the 7.x code, no effect."""
    store, effects = FakeStore(), []
    outcome = pipeline(store, effects).run(env.encode_xml(msg), origin="test")
    assert outcome.error is not None and outcome.error.code == code and effects == []
    assert isinstance(outcome.answer, env.ResponseMessage)
    assert outcome.answer.reply.errors[0].code == code
    assert outcome.answer.header.correlation_id == msg.header.message_id
    assert outcome.answer.reply.errors[0].location.stage == "authorise"  # type: ignore[union-attr]


def test_principal_must_match_source():
    """A Source that is not the authenticated sender is refused with 7.4."""
    policy = AuthorisationPolicy((Rule("*"),))
    with pytest.raises(Exception) as caught:
        policy.check(request(source="CIS"), principal="GIS")
    assert getattr(caught.value, "code", None) == "7.4"


def test_replay_detection_refuses_replayed_nonce_and_stale_created():
    """A repeated Nonce or a Created outside the window is refused with 7.7."""
    now = datetime(2024, 3, 18, 12, tzinfo=UTC)
    guard = ReplayGuard(timedelta(minutes=5), clock=lambda: now)
    fresh = env.ReplayDetection("n-1", now - timedelta(seconds=30))
    guard.check(request(replay_detection=fresh))
    with pytest.raises(Exception, match="already used") as replayed:
        guard.check(request(replay_detection=fresh))
    assert getattr(replayed.value, "code", None) == "7.7"
    stale = env.ReplayDetection("n-2", now - timedelta(minutes=6))
    with pytest.raises(Exception, match="outside the accepted window"):
        guard.check(request(replay_detection=stale))
    with pytest.raises(Exception, match="required"):
        ReplayGuard(required=True, clock=lambda: now).check(request())


def test_malformed_input_is_answered_with_a_fault():
    """Bytes that are not a message get a FaultMessage with code 1.8 from the decode stage."""
    outcome = pipeline(FakeStore(), []).run(b"<RequestMessage", origin="test")
    assert isinstance(outcome.answer, env.FaultMessage)
    assert outcome.answer.reply.errors[0].code == "1.8"


def test_unknown_noun_is_refused_by_validation_with_2_5():
    """A noun nobody serves is refused with 2.5 and its claim is released."""
    store = FakeStore()
    msg = request(source="MDM", verb="get", noun="MeterX")
    outcome = pipeline(store, []).run(env.encode_xml(msg), origin="test")
    assert outcome.error is not None and outcome.error.code == "2.5"
    assert store.claims == set()


def test_transient_failure_releases_the_claim_and_propagates():
    """A handler that fails transiently raises to the caller and the message can apply later."""
    store, effects = FakeStore(), []
    p = pipeline(store, effects, fail_times=1)
    data = env.encode_xml(request())
    with pytest.raises(ConnectionError):
        p.run(data, origin="test")
    assert store.claims == set()
    assert p.run(data, origin="test").error is None and len(effects) == 1


def test_pipeline_as_transport_handler_end_to_end():
    """Over the memory transport: replies and refusals reach the requester, a redelivered
    request is applied once, and a refused event is dead-lettered with its reason."""
    store, effects = FakeStore(), []
    p = pipeline(store, effects, fail_times=1)
    t = MemoryTransport(delivery_limit=3, retry_delay=0.01)
    try:
        t.subscribe(request_queue("MeterReadings"), request_bindings("MeterReadings"), p.handler)
        t.subscribe("mdm.events", ["EndDeviceEvents.created", "Outages.created"], p.handler)
        reply = t.request(request(), timeout=5)  # first delivery fails, the retry succeeds
        assert isinstance(reply, env.ResponseMessage) and reply.reply.result is env.Result.OK
        assert len(effects) == 1
        refused = t.request(request(source="GIS"), timeout=5)
        assert isinstance(refused, env.ResponseMessage)
        assert refused.reply.errors[0].code == "7.5"
        t.publish(env.EventMessage(env.make_header("created", "Outages", source="MDM")))
        deadline = time.monotonic() + 5
        while not t.dead_letters("mdm.events") and time.monotonic() < deadline:
            time.sleep(0.01)
        (dead,) = t.dead_letters("mdm.events")
        assert dead.deliveries == 1 and "7.5" in dead.reason
    finally:
        t.close()
