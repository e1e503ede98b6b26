"""The AMQP transport's bookkeeping without a broker: confirms, the outbox, replies, the
reconnection clock, topology steps and URL redaction."""

from __future__ import annotations

import time
from concurrent.futures import Future
from typing import Any

import pytest

from bus.transport import amqp_topology as topo
from bus.transport.amqp_flow import Confirms, Outbox, Outgoing, Replies
from bus.transport.amqp_link import Backoff, Link
from cim.errors import TransportError


def test_confirms_resolve_single_multiple_nacked_and_returned_publishes():
    """Acks (single and multiple) confirm, a nack refuses, a return before the ack fails one."""
    c = Confirms()
    futures: list[Future[Any]] = [Future() for _ in range(5)]
    for i, f in enumerate(futures):
        c.sent(f, f"m{i}", "x", "A.created" if i != 2 else "B.created")
    c.returned("m2", "x", "B.created", "312 NO_ROUTE")
    c.confirmed(3, multiple=True, acked=True)
    assert futures[0].result(0) is None and futures[1].result(0) is None
    with pytest.raises(TransportError, match=r"unroutable: no queue is bound to .B\.created."):
        futures[2].result(0)
    assert not futures[3].done() and len(c) == 2
    c.confirmed(5, multiple=False, acked=False)
    with pytest.raises(TransportError, match="nack"):
        futures[4].result(0)
    c.confirmed(4, multiple=False, acked=True)
    assert futures[3].result(0) is None and len(c) == 0


def test_a_routed_message_waits_for_its_journal_copy_and_an_unroutable_one_has_none():
    """The ack of a routed message hands its journal copy back, keeping the future open."""
    c, f1, f2 = Confirms(), Future[None](), Future[None]()
    copy1 = Outgoing(f1, "j", "A.created", b"1", {"message_id": "m1"}, True)
    copy2 = Outgoing(f2, "j", "B.created", b"2", {"message_id": "m2"}, True)
    c.sent(f1, "m1", "x", "A.created", Outgoing(f1, "x", "A.created", b"1", {}, True, copy1))
    c.sent(f2, "m2", "x", "B.created", Outgoing(f2, "x", "B.created", b"2", {}, True, copy2))
    c.returned("m2", "x", "B.created", "312 NO_ROUTE")
    assert c.confirmed(2, multiple=True, acked=True) == ([copy1], [])
    assert not f1.done() and isinstance(f2.exception(0), TransportError)
    c.sent(f1, "m1", "j", "A.created", copy1)
    assert c.confirmed(3, multiple=False, acked=True) == ([], []) and f1.result(0) is None


def test_a_refused_journal_copy_is_sent_again_not_failed():
    """A stream still starting after a restart refuses a copy: it comes back to be sent again
    (attempt counted) and its publish stays open; an ordinary refusal fails at once."""
    c, f = Confirms(), Future[None]()
    copy = Outgoing(f, "j", "A.created", b"1", {"message_id": "m1"}, True, copy=True)
    c.sent(f, "m1", "j", "A.created", copy)
    c.returned("m1", "j", "A.created", "312 NO_ROUTE")
    follow, again = c.confirmed(1, multiple=False, acked=True)
    assert follow == [] and [o.attempt for o in again] == [1] and not f.done()
    c.sent(f, "m1", "j", "A.created", again[0])
    assert c.confirmed(2, multiple=False, acked=False).again[0].attempt == 2 and not f.done()


def test_password_is_redacted_from_urls():
    """redact() hides the password and keeps the rest of the URL."""
    assert topo.redact("amqp://u:pw@host:5672/%2F") == "amqp://u:***@host:5672/%2F"
    assert topo.redact("amqp://host/%2F") == "amqp://host/%2F"


def outgoing(n: int, key: str = "A.created") -> Outgoing:
    """A message for the outbox with MessageID ``m<n>``."""
    return Outgoing(Future(), "x", key, b"body", {"message_id": f"m{n}"}, True)


def test_outbox_publishes_unconfirmed_messages_again_in_order_under_new_tags():
    """After a lost channel the unconfirmed messages go out first, in order, tags from 1."""
    box = Outbox()
    first = [outgoing(n) for n in range(4)]
    for m in first:
        box.hold(m)
    for m in box.release():
        box.sent(m)  # tags 1..4
    box.confirms.confirmed(1, multiple=False, acked=True)
    box.confirms.returned("m3", "x", "A.created", "312 NO_ROUTE")
    box.hold(later := outgoing(9))
    assert box.channel_lost("lost") == 2 and len(box) == 3  # m1, m2 again; m3 was returned
    assert box.message_ids() == {"m1", "m2", "m9"}
    assert first[0].future.result(0) is None
    with pytest.raises(TransportError, match="unroutable"):
        first[3].future.result(0)
    again = list(box.release())
    assert again == [first[1], first[2], later] and not any(m.future.done() for m in again)
    for m in again:
        box.sent(m)
    box.confirms.confirmed(2, multiple=True, acked=True)  # the new channel's tags 1 and 2
    assert first[1].future.result(0) is None and first[2].future.result(0) is None
    assert not later.future.done()
    box.fail_all("closed")
    with pytest.raises(TransportError, match="closed"):
        later.future.result(0)


def test_replies_of_requests_already_sent_fail_when_the_connection_is_lost():
    """A request confirmed before the loss cannot get its reply; one to be re-sent still can."""
    replies = Replies()
    sent, held = replies.expect("r1"), replies.expect("r2")
    replies.fail_all("connection lost", keep={"r2"})
    with pytest.raises(TransportError, match="connection lost") as caught:
        sent.result(0)
    assert caught.value.message_id == "r1" and not held.done()
    assert replies.arrived("r2", b"reply") and held.result(0) == b"reply"


def test_backoff_doubles_with_jitter_up_to_its_cap():
    """Delays double from the first one, shortened at random by up to the jitter, capped."""
    backoff = Backoff(first=0.1, maximum=5.0, jitter=0.5)
    for attempt, base in [(1, 0.1), (2, 0.2), (3, 0.4), (6, 3.2), (7, 5.0), (30, 5.0)]:
        delays = [backoff.delay(attempt) for _ in range(50)]
        assert all(base * 0.5 <= d <= base for d in delays), (attempt, delays)
        assert len(set(delays)) > 1  # jitter


def test_link_counts_attempts_and_moves_the_callers_deadline_through_an_outage():
    """A caller's deadline stretches over an outage; reconnect_timeout makes it unavailable."""
    link = Link(Backoff(first=0.01, maximum=0.02), reconnect_timeout=0.05, confirm_timeout=10)
    started = time.monotonic()
    assert link.deadline(started) == pytest.approx(started + 10)
    assert link.lost() and not link.lost()  # one outage
    assert [link.next_attempt()[0] for _ in range(3)] == [1, 2, 3]
    assert not link.give_up() and not link.unavailable
    time.sleep(0.06)
    assert link.give_up() and link.unavailable and link.down
    attempts, outage = link.opened() or (0, 0.0)
    assert attempts == 3 and outage >= 0.05 and not link.unavailable and not link.down
    assert link.deadline(started) >= time.monotonic() + 9.9  # counts from the reconnection
    assert link.opened() is None  # not an outage


def test_a_subscription_declares_its_whole_topology_in_order():
    """Exchanges, dead-letter queue and binding, the quorum queue, then its bindings."""
    steps = topo.queue_declarations(topo.Names("ns."), "q", ["A.*", "B.#"], delivery_limit=3)
    assert [(s.kind, s.name, s.exchange, s.key) for s in steps] == [
        ("exchange", "ns.cimbus", "", ""),
        ("exchange", "ns.cimbus.dlx", "", ""),
        ("queue", "ns.q.dead", "", ""),
        ("bind", "ns.q.dead", "ns.cimbus.dlx", "ns.q"),
        ("queue", "ns.q", "", ""),
        ("bind", "ns.q", "ns.cimbus", "A.*"),
        ("bind", "ns.q", "ns.cimbus", "B.#"),
    ]
    assert steps[4].arguments["x-delivery-limit"] == 2
