"""Every op of the contract through the sync Client, against the real agentd."""

import re
import time

import pytest

from agentd_client import AssignResult, Client, NotFound, SendResult
from conftest import wait_until

RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def test_hello_ping_and_server_info(agentd):
    c = Client(agentd.host, agentd.port)
    agentd.clients.append(c)
    c.connect()
    assert c.ping() is True  # allowed before hello
    info = c.hello("alice")
    assert info["server"] == "agentd" and info["protocol"] == 1 and info["agent_id"] == "alice"
    assert c.agent_id == "alice" and c.server_info == info


def test_send_fetch_ack_round_trip_keeps_content_exactly(agentd):
    a = agentd.client("alice")
    b = agentd.client("bob")
    content = {"big": 2 ** 63 - 1, "neg": -(2 ** 62), "nested": {"list": [1, "two", None, True]}, "text": "é✓"}
    sent = a.send("bob", content, "task_request", priority="high", correlation_id="c-1", reply_to="alice")
    assert isinstance(sent, SendResult) and sent.duplicate is False and sent.message_id
    msgs = b.fetch(limit=5, wait_ms=2000)
    assert len(msgs) == 1
    m = msgs[0]
    assert m["message_id"] == sent.message_id
    assert m["content"] == content
    assert (m["from_agent"], m["to_agent"], m["message_type"], m["priority"]) == ("alice", "bob", "task_request", "high")
    assert m["correlation_id"] == "c-1" and m["reply_to"] == "alice"
    assert RFC3339.match(m["timestamp"]) and m["delivery"]["attempt"] == 1
    assert b.ack([m["message_id"], "no-such-id"]) == 1
    assert b.ack([m["message_id"]]) == 0  # already acked: not counted, not an error
    assert b.fetch(wait_ms=0) == []


def test_send_with_message_id_is_deduplicated(agentd):
    a = agentd.client("alice")
    first = a.send("bob", {"n": 1}, message_id="job-991")
    again = a.send("bob", {"n": 1}, message_id="job-991")
    assert first == SendResult("job-991", False)
    assert again == SendResult("job-991", True)
    assert len(agentd.client("bob").fetch(limit=10)) == 1


def test_fetch_orders_by_priority_then_age(agentd):
    a = agentd.client("alice")
    for i, prio in enumerate(["low", "medium", "critical", "high", "medium"]):
        a.send("bob", {"i": i}, priority=prio)
    got = [m["content"]["i"] for m in agentd.client("bob").fetch(limit=10)]
    assert got == [2, 3, 1, 4, 0]


def test_fetch_wait_ms_returns_when_a_message_arrives(agentd):
    b = agentd.client("bob")
    fut = b.submit("fetch", wait_ms=5000)
    time.sleep(0.2)
    agentd.client("alice").send("bob", {"late": True})
    t0 = time.monotonic()
    reply = fut.result(5)
    assert time.monotonic() - t0 < 2.0
    assert [m["content"] for m in reply["messages"]] == [{"late": True}]


def test_nack_redelivers_with_next_attempt(agentd):
    agentd.client("alice").send("bob", {"x": 1})
    b = agentd.client("bob")
    (m,) = b.fetch()
    assert b.nack([m["message_id"]]) == 1
    (again,) = b.fetch(wait_ms=2000)
    assert again["message_id"] == m["message_id"] and again["delivery"]["attempt"] == 2
    assert b.nack([again["message_id"]], delay_ms=300) == 1
    assert b.fetch(wait_ms=0) == []  # held back by the delay
    (third,) = b.fetch(wait_ms=3000)
    assert third["delivery"]["attempt"] == 3


def test_subscribe_pushes_and_unsubscribe_stops(agentd):
    b = agentd.client("bob")
    assert b.subscribe(prefetch=2) is True
    a = agentd.client("alice")
    for i in range(3):
        a.send("bob", {"i": i})
    first = b.next_message(5)
    second = b.next_message(5)
    assert [first["content"]["i"], second["content"]["i"]] == [0, 1]
    assert b.next_message(0.5) is None  # prefetch 2: nothing more until an ack
    b.ack([first["message_id"]])
    third = b.next_message(5)
    assert third["content"]["i"] == 2
    assert b.unsubscribe() is False
    b.ack([second["message_id"], third["message_id"]])
    a.send("bob", {"i": 3})
    assert b.next_message(0.7) is None
    assert [m["content"]["i"] for m in b.fetch(wait_ms=1000)] == [3]


def test_dead_letters_and_requeue_dead(agentd_factory):
    agentd = agentd_factory({"AGENTD_MAX_DELIVERIES": "1"})
    agentd.client("alice").send("bob", {"doomed": True})
    b = agentd.client("bob")
    (m,) = b.fetch()
    assert b.nack([m["message_id"]]) == 1
    dead = wait_until(lambda: b.dead_letters(), 5, what="a dead letter")
    assert dead[0]["message_id"] == m["message_id"]
    assert dead[0]["dead"]["attempts"] == 1 and dead[0]["dead"]["reason"]
    assert b.requeue_dead([m["message_id"]]) == 1
    assert b.dead_letters() == []
    (back,) = b.fetch(wait_ms=2000)
    assert back["message_id"] == m["message_id"] and back["delivery"]["attempt"] == 1


def test_register_heartbeat_agents_deregister(agentd):
    w = agentd.client("w-1")
    with pytest.raises(NotFound):
        w.heartbeat()  # not registered yet
    info = w.register("worker", ["python", "gpu"], max_concurrent_tasks=2, metadata={"host": "box"})
    assert info["agent_id"] == "w-1" and info["role"] == "worker" and info["status"] == "active"
    assert info["capabilities"] == ["python", "gpu"] and info["max_concurrent_tasks"] == 2
    assert info["metadata"] == {"host": "box"} and RFC3339.match(info["registered_at"])
    agentd.client("w-2").register("worker", ["python"])
    w.heartbeat(status="busy", current_tasks=1)
    listed = {a["agent_id"]: a for a in w.agents()}
    assert set(listed) == {"w-1", "w-2"}
    assert listed["w-1"]["status"] == "busy" and listed["w-1"]["current_tasks"] == 1
    assert [a["agent_id"] for a in w.agents(capabilities=["gpu"])] == ["w-1"]
    # best first: w-2 has load 0, w-1 has 1/2
    assert [a["agent_id"] for a in w.agents(role="worker", available=True)] == ["w-2", "w-1"]
    w.deregister()
    assert [a["agent_id"] for a in w.agents()] == ["w-2"]
    with pytest.raises(NotFound):
        w.deregister()


def test_tasks_assign_report_task_tasks_cancel(agentd):
    boss = agentd.client("boss")
    boss.register("supervisor", [])
    w = agentd.client("w-1")
    w.register("worker", ["ocr"])
    res = boss.assign_task("ocr", ["ocr"], description="scan", parameters={"page": 3}, priority="high",
                           timeout_ms=60000, max_retries=1)
    assert isinstance(res, AssignResult) and res.state == "assigned" and res.assigned_to == "w-1"
    (req,) = w.fetch(wait_ms=2000)
    assert req["message_type"] == "task_request" and req["from_agent"] == "boss"
    assert req["correlation_id"] == res.task_id
    assert req["content"]["task_id"] == res.task_id and req["content"]["parameters"] == {"page": 3}
    w.send("boss", {"task_id": res.task_id, "status": "in_progress", "completion_percentage": 40}, "task_response")
    assert boss.task(res.task_id)["state"] == "in_progress"
    w.send("boss", {"task_id": res.task_id, "status": "completed", "result": {"text": "hi"}}, "task_response")
    w.ack([req["message_id"]])
    task = boss.task(res.task_id)
    assert task["state"] == "completed" and task["result"] == {"text": "hi"} and task["attempts"] == 1
    assert [h["event"] for h in task["history"]] == ["created", "assigned", "in_progress", "completed"]
    # a second task nobody can do stays pending, then is cancelled
    pending = boss.assign_task("render", ["cuda"])
    assert pending.state == "pending" and pending.assigned_to is None
    assert [t["task_id"] for t in boss.tasks(state="pending")] == [pending.task_id]
    assert [t["task_id"] for t in boss.tasks()] == [pending.task_id, res.task_id]  # newest first
    cancelled = boss.cancel_task(pending.task_id)
    assert cancelled["state"] == "cancelled"
    with pytest.raises(NotFound):
        boss.task("t-nope")


def test_cancel_of_a_held_task_notifies_the_assignee(agentd):
    boss = agentd.client("boss")
    boss.register("coordinator", [])
    w = agentd.client("w-1")
    w.register("worker", [])
    res = boss.assign_task("x", [])
    w.ack([m["message_id"] for m in w.fetch(wait_ms=2000)])
    boss.cancel_task(res.task_id)
    (note,) = w.fetch(wait_ms=2000)
    assert note["message_type"] == "coordination" and note["content"] == {"action": "cancel", "task_id": res.task_id}
    assert note["priority"] == "high"


def test_broadcast_reaches_registered_agents_but_not_the_sender(agentd):
    boss = agentd.client("boss")
    boss.register("supervisor", [])
    for name, role in (("w-1", "worker"), ("w-2", "worker"), ("mon", "monitor")):
        agentd.client(name).register(role, [])
    agentd.client("unregistered")
    assert boss.broadcast("coordination", {"action": "pause"}, role="worker", priority="high") == 2
    assert boss.broadcast("status_update", {"hello": 1}) == 3
    got = agentd.client("w-1").fetch(limit=10)
    assert [(m["message_type"], m["content"]) for m in got] == [("coordination", {"action": "pause"}),
                                                                ("status_update", {"hello": 1})]
    assert boss.fetch() == []


def test_stats_and_health(agentd):
    a = agentd.client("alice")
    a.send("bob", {})
    a.send("bob", {})
    b = agentd.client("bob")
    (m, _) = b.fetch(limit=10)
    b.ack([m["message_id"]])
    s = a.stats()
    assert s["queues"]["sent_total"] == 2 and s["queues"]["acked_total"] == 1
    assert s["queues"]["delivered_total"] == 2 and s["queues"]["in_flight"] == 1 and s["queues"]["pending"] == 1
    assert s["server"]["backend"] == "redis" and s["server"]["connections"] >= 2
    assert set(s) == {"queues", "registry", "coordination", "server"}
    assert a.health() == {"status": "ok", "store": "up", "backend": "redis"}


def test_bye_closes_and_releases_unacked_messages(agentd):
    agentd.client("alice").send("bob", {"x": 1})
    b = agentd.client("bob")
    (m,) = b.fetch()
    b.bye()
    assert not b.is_connected()
    again = agentd.client("bob").fetch(wait_ms=2000)
    assert [x["delivery"]["attempt"] for x in again] == [2]
    assert again[0]["message_id"] == m["message_id"]


def test_context_manager_connects_and_closes(agentd):
    with Client(agentd.host, agentd.port, agent_id="ctx") as c:
        assert c.is_connected() and c.ping()
    assert not c.is_connected()


def test_request_ids_come_back_as_the_same_json_value(agentd):
    c = agentd.client("alice")
    for raw, want in (('{"op":"ping","id":"7"}', "7"), ('{"op":"ping","id":7}', 7), ('{"op":"ping","id":1.5}', 1.5),
                      ('{"op":"ping","id":12345678901234567890}', 12345678901234567890)):
        reply = c.request_raw(raw)
        assert reply["id"] == want and type(reply["id"]) is type(want) and reply["pong"] is True
    assert c.request_raw('{"op":"ping"}')["id"] is None


def test_a_message_id_belongs_to_its_first_sender(agentd):
    agentd.client("alice").send("bob", {}, message_id="mine")
    from agentd_client import BadRequest
    with pytest.raises(BadRequest):
        agentd.client("mallory").send("bob", {}, message_id="mine")
