"""Pipelining, events interleaved with replies, callbacks, and agentd's bye event."""

import threading
import time

import pytest

from agentd_client import BadRequest, Client, ConnectionLost
from conftest import agentd_knows, needs_bye_event, wait_until


def test_many_requests_in_flight_are_matched_to_their_replies(agentd):
    c = agentd.client("alice")
    futures = [c.submit("send", message={"to_agent": "bob", "message_type": "status_update",
                                         "content": {"i": i}, "message_id": "p-%d" % i}) for i in range(300)]
    ids = [f.result(10)["message_id"] for f in futures]
    assert ids == ["p-%d" % i for i in range(300)]
    got = []
    b = agentd.client("bob")
    while len(got) < 300:
        batch = b.fetch(limit=1000, wait_ms=1000)
        assert batch
        got.extend(batch)
    assert [m["content"]["i"] for m in got] == list(range(300))  # one sender's order is kept


def test_pipelined_errors_land_on_the_right_request(agentd):
    c = agentd.client("alice")
    futs = [c.submit("ping"), c.submit("fetch", limit=0), c.submit("ping"), c.submit("task", task_id="x")]
    assert futs[0].result(5)["pong"] is True
    with pytest.raises(BadRequest):
        futs[1].result(5)
    assert futs[2].result(5)["pong"] is True
    with pytest.raises(Exception) as e:
        futs[3].result(5)
    assert e.value.code == "not_found"


def test_requests_from_many_threads_share_one_connection(agentd):
    c = agentd.client("alice")
    errors = []

    def work(n):
        try:
            for i in range(50):
                r = c.send("bob", {"t": n, "i": i})
                assert r.message_id
                assert c.ping()
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert c.stats()["queues"]["sent_total"] == 400


def test_pushed_messages_between_replies_are_set_aside(agentd):
    b = agentd.client("bob")
    b.subscribe(prefetch=1000)
    a = agentd.client("alice")
    for i in range(50):
        a.submit("send", message={"to_agent": "bob", "message_type": "status_update", "content": {"i": i}})
    # while pushes stream in, bob's own requests still get their own replies
    for _ in range(50):
        assert b.ping() is True
    seen = []
    while len(seen) < 50:
        m = b.next_message(5)
        assert m is not None
        seen.append(m["content"]["i"])
    assert sorted(seen) == list(range(50))


def test_on_message_callback_can_call_back_into_the_client(agentd):
    got = []
    done = threading.Event()

    def on_message(m):
        got.append(m["content"]["i"])
        assert b.ack([m["message_id"]]) == 1  # requests from the callback thread work
        if len(got) == 5:
            done.set()

    b = agentd.client("bob", on_message=on_message)
    b.subscribe()
    a = agentd.client("alice")
    for i in range(5):
        a.send("bob", {"i": i})
    assert done.wait(5)
    assert got == [0, 1, 2, 3, 4]
    assert wait_until(lambda: b.stats()["queues"]["acked_total"] == 5, 5, what="acks")


def test_shutdown_closes_the_connection_and_says_bye(agentd_factory):
    agentd = agentd_factory()
    c = agentd.client("alice", reconnect=False)
    assert agentd.terminate() == 0
    assert wait_until(lambda: not c.is_connected(), 5, what="close")
    with pytest.raises(ConnectionLost):
        c.ping()
    if agentd_knows("hello_timeout"):  # agentd with the bye event (4c9cb87 and later)
        assert c.next_event(1) == {"event": "bye", "reason": "shutdown"}
        assert c.last_bye_reason == "shutdown"


@needs_bye_event
def test_bye_event_on_hello_timeout(agentd_factory):
    agentd = agentd_factory({"AGENTD_HELLO_TIMEOUT_MS": "300"})
    seen = []
    c = Client(agentd.host, agentd.port, reconnect=False, on_event=seen.append)
    agentd.clients.append(c)
    c.connect()
    assert wait_until(lambda: seen, 5, what="bye event")[0] == {"event": "bye", "reason": "hello_timeout"}
    assert wait_until(lambda: not c.is_connected(), 5, what="close")
