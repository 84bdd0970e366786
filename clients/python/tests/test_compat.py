"""The original library's API (MessageQueueManager & co.) against the real agentd."""

import json

import pytest

from agentd_client import (AgentInfo, AgentMessage, AgentRegistry, AgentRole, MessagePriority, MessageQueueManager,
                           MessageType, SupervisorCoordinator)
from agentd_client.message_protocol import TaskRequest, create_broadcast_message, create_task_request_message




def test_enums_carry_wire_values_and_old_names_alias_them():
    assert MessageType.TASK_REQUEST.value == "task_request"
    assert {t.value for t in MessageType} == {"task_request", "task_assignment", "task_response", "status_update",
                                              "heartbeat", "error_report", "coordination"}
    assert MessageType.COMPLETION is MessageType.TASK_RESPONSE
    assert MessageType.BROADCAST is MessageType.COORDINATION
    assert [p.value for p in MessagePriority] == ["critical", "high", "medium", "low"]
    assert MessagePriority.BACKGROUND is MessagePriority.LOW and MessagePriority.HIGH.rank == 2
    assert MessagePriority.coerce(1) is MessagePriority.CRITICAL and MessagePriority.coerce(5) is MessagePriority.LOW
    assert {r.value for r in AgentRole} == {"supervisor", "coordinator", "worker", "monitor"}
    assert AgentRole.TESTER is AgentRole.WORKER and AgentRole("monitor") is AgentRole.MONITOR
    assert json.dumps({"p": MessagePriority.HIGH}) == '{"p": "high"}'


def test_agent_message_aliases_and_json_round_trip():
    m = AgentMessage(sender="a", recipient="b", message_type="completion", content={"n": 2 ** 63 - 1},
                     priority=2, parent_message_id="parent-1")
    assert (m.from_agent, m.to_agent, m.sender, m.recipient) == ("a", "b", "a", "b")
    assert m.message_type is MessageType.TASK_RESPONSE and m.priority is MessagePriority.HIGH
    assert m.id == m.message_id and len(m.message_id) == 36  # a fresh uuid4
    assert m.correlation_id == "parent-1" == m.parent_message_id
    back = AgentMessage.from_json(m.to_json())
    assert back == m
    wire = m.to_wire()
    assert wire == {"message_id": m.message_id, "from_agent": "a", "to_agent": "b", "message_type": "task_response",
                    "content": {"n": 2 ** 63 - 1}, "priority": "high", "correlation_id": "parent-1"}
    old_style = AgentMessage.from_json(json.dumps({"id": "x", "sender": "s", "recipient": "r",
                                                   "message_type": "heartbeat", "content": {}, "priority": "low",
                                                   "created_at": "2026-01-01T00:00:00Z", "unknown": 1}))
    assert (old_style.message_id, old_style.from_agent, old_style.to_agent, old_style.timestamp) == \
        ("x", "s", "r", "2026-01-01T00:00:00Z")
    delivered = AgentMessage.from_wire({"message_id": "m-1", "from_agent": "a", "to_agent": "b",
                                        "message_type": "task_request", "content": {}, "priority": "medium",
                                        "timestamp": "2026-11-25T10:31:00.123Z",
                                        "delivery": {"attempt": 3, "delivered_at": "2026-11-25T10:31:02.004Z"}})
    assert delivered.attempt == 3 and delivered.retry_count == 2 and delivered.delivery_attempt == 3
    reply = delivered.create_response("b", {"ok": True})
    assert reply.to_agent == "a" and reply.correlation_id == "m-1" and reply.message_type is MessageType.TASK_RESPONSE


def test_send_get_mark_processed_and_stats(agentd):
    m = MessageQueueManager(agentd.host, agentd.port, "planner")
    try:
        assert m.is_connected()
        msg = AgentMessage(to_agent="worker-1", message_type=MessageType.TASK_REQUEST, content={"job": 1},
                           priority=MessagePriority.HIGH)
        mid = m.send_message(msg)
        assert mid == msg.message_id and msg.from_agent == "planner"
        assert m.send_message(msg) == mid  # resent: agentd stores it once (duplicate)
        low = AgentMessage(from_agent="planner", to_agent="worker-1", message_type=MessageType.STATUS_UPDATE,
                           content={"i": 2}, priority=MessagePriority.LOW)
        assert m.send_message(low)
        got = m.get_messages("worker-1", limit=10, timeout=2.0)
        assert [g.message_id for g in got] == [msg.message_id, low.message_id]
        assert got[0].from_agent == "planner" and got[0].attempt == 1 and got[0].content == {"job": 1}
        stats = m.get_queue_stats()
        assert stats["total_messages"] == 2 and stats["pending"] == 2 and stats["in_flight"] == 2
        assert m.mark_processed(got[0].message_id) is True
        assert m.mark_processed(got[0].message_id) is False  # already done
        assert m.mark_processed(got[1].message_id, status="retry") is True  # nack: comes back
        again = m.get_messages("worker-1", timeout=2.0)
        assert [(a.message_id, a.attempt) for a in again] == [(low.message_id, 2)]
        assert m.mark_processed(again[0].message_id, status="failed", error_message="bad input")
        stats = m.get_queue_stats()
        assert stats["processed"] == 2 and stats["pending"] == 0 and stats["mode"] == "agentd"
        assert stats["agentd"]["server"]["backend"] == "redis"
    finally:
        m.close()


def test_send_failures_return_false_or_raise(agentd):
    m = MessageQueueManager(agentd.host, agentd.port, "planner")
    try:
        bad = AgentMessage(to_agent="x", content={}, message_type=MessageType.STATUS_UPDATE)
        bad.to_agent = "not valid!"
        assert m.send_message(bad) is False
        strict = MessageQueueManager(agentd.host, agentd.port, "planner2", raise_errors=True)
        with pytest.raises(Exception) as e:
            strict.send_message(bad)
        assert e.value.code == "bad_request"
        strict.close()
        # a broadcast (no recipient) needs a registered supervisor or coordinator
        assert m.send_message(create_broadcast_message("planner", {"hello": 1})) is False
    finally:
        m.close()


def test_get_messages_filters_by_type_and_keeps_the_rest(agentd):
    m = MessageQueueManager(agentd.host, agentd.port, "planner")
    try:
        for t in (MessageType.STATUS_UPDATE, MessageType.TASK_REQUEST, MessageType.STATUS_UPDATE):
            m.send_message(AgentMessage(to_agent="w", message_type=t, content={"t": t.value}))
        tasks = m.get_messages("w", limit=10, timeout=1.0, message_types=[MessageType.TASK_REQUEST])
        assert [x.message_type for x in tasks] == [MessageType.TASK_REQUEST]
        rest = m.get_messages("w", limit=10)
        assert [x.message_type for x in rest] == [MessageType.STATUS_UPDATE] * 2
        for x in tasks + rest:
            assert m.mark_processed(x.message_id)
    finally:
        m.close()


def test_registry(agentd):
    reg = AgentRegistry(agentd.host, agentd.port)
    try:
        assert reg.register_agent("w-1", AgentRole.WORKER, ["python", "gpu"], max_concurrent_tasks=2,
                                  metadata={"zone": "a"})
        assert reg.register_agent("w-2", agent_role=AgentRole.RESEARCHER, capabilities=["python"])
        assert reg.register_agent("boss", "supervisor", ["plan"])
        assert reg.update_heartbeat("w-1", status="busy", current_tasks=1)
        assert reg.update_heartbeat("nobody") is False  # not registered
        found = reg.find_available_agents(["python"])
        assert [a.agent_id for a in found] == ["w-2", "w-1"]  # best first: lowest load
        assert all(isinstance(a, AgentInfo) for a in found)
        assert [a.agent_id for a in reg.find_available_agents(required_capabilities=["gpu"])] == ["w-1"]
        assert [a.agent_id for a in reg.find_available_agents(role=AgentRole.SUPERVISOR)] == ["boss"]
        best = reg.find_best_agent(["python"])
        assert best.agent_id == "w-2" and best.agent_role is AgentRole.WORKER and best.load_factor == 0
        assert reg.find_best_agent(["cobol"]) is None
        w1 = reg.get_agent("w-1")
        assert w1.status == "busy" and w1.current_tasks == 1 and w1.load_factor == 0.5 and w1.metadata == {"zone": "a"}
        assert reg.update_heartbeat("w-1", metadata={"rack": 7})
        assert reg.get_agent("w-1").metadata == {"zone": "a", "rack": 7}
        stats = reg.get_registry_stats()
        assert stats["total_agents"] == 3 and stats["active_agents"] == 3
        assert stats["agents_by_role"] == {"worker": 2, "supervisor": 1}
        assert stats["agents_by_status"]["busy"] == 1 and stats["available_agents"] == 3
        assert reg.deregister_agent("w-2") and reg.get_agent("w-2") is None
    finally:
        reg.close()


def test_supervisor_coordinator(agentd):
    qm = MessageQueueManager(agentd.host, agentd.port, "supervisor-main")
    sup = SupervisorCoordinator("supervisor-main", qm)
    try:
        reg = sup.agent_registry
        assert reg.register_agent("w-1", AgentRole.WORKER, ["ocr"])
        seen = []
        task_id = sup.assign_task("ocr", "read a scan", {"page": 1}, ["ocr"], priority=MessagePriority.HIGH,
                                  timeout=60, callback=lambda t: seen.append(t.status))
        assert task_id and sup.active_tasks[task_id].agent_id == "w-1"
        req = qm.get_messages("w-1", timeout=2.0)
        assert [r.content["task_id"] for r in req] == [task_id] and req[0].priority is MessagePriority.HIGH
        w = qm.pool.get("w-1")
        w.send("supervisor-main", {"task_id": task_id, "status": "in_progress", "completion_percentage": 50},
               "task_response")
        done = sup.process_incoming_messages(timeout=2.0)
        assert [d.content["status"] for d in done] == ["in_progress"]
        assert sup.active_tasks[task_id].status == "in_progress" and sup.active_tasks[task_id].progress == 0.5
        w.send("supervisor-main", {"task_id": task_id, "status": "completed", "result": {"text": "ok"}},
               "task_response")
        qm.mark_processed(req[0].message_id)
        done = sup.process_incoming_messages(timeout=2.0)
        assert [d.message_type for d in done] == [MessageType.TASK_RESPONSE]
        assert task_id not in sup.active_tasks and sup.finished_tasks[task_id].result == {"text": "ok"}
        assert seen == ["in_progress", "completed"]
        # a task that fails on its only attempt: agentd sends the final error_report
        failing = sup.assign_task("ocr", "bad scan", {}, ["ocr"], max_retries=0)
        (req2,) = qm.get_messages("w-1", timeout=2.0)
        w.send("supervisor-main", {"task_id": failing, "status": "failed", "error": {"message": "unreadable"}},
               "task_response")
        qm.mark_processed(req2.message_id)
        msgs = sup.process_incoming_messages(timeout=2.0)
        assert {(x.from_agent, x.message_type) for x in msgs} == {("agentd", MessageType.ERROR_REPORT),
                                                                  ("w-1", MessageType.TASK_RESPONSE)}
        assert sup.finished_tasks[failing].status == "failed"
        assert sup.finished_tasks[failing].error_message == "unreadable"
        # nobody can do this one: it waits pending (the old library gave up and returned None)
        pending = sup.assign_task("render", "", {}, ["cuda"])
        assert pending and sup.active_tasks[pending].status == "pending"
        assert sup.cancel_task(pending)
        assert reg.register_agent("w-2", AgentRole.WORKER, [])
        assert sup.broadcast_message({"action": "pause"}, role=AgentRole.WORKER) == 2
        stats = sup.get_coordination_stats()
        assert (stats["tasks_assigned"], stats["tasks_completed"], stats["tasks_failed"],
                stats["tasks_cancelled"]) == (3, 1, 1, 1)
        assert stats["coordination"]["completed"] == 1 and stats["coordination"]["failed"] == 1
        assert stats["coordination"]["completion_rate"] == 0.5
    finally:
        sup.close()


def test_direct_task_request_helper_sends_an_untracked_task(agentd):
    m = MessageQueueManager(agentd.host, agentd.port, "planner")
    try:
        msg = create_task_request_message("planner", "w-9", TaskRequest("t-1", "ocr", "d", {"a": 1}),
                                          MessagePriority.CRITICAL)
        assert m.send_message(msg)
        (got,) = m.get_messages("w-9", timeout=1.0)
        assert got.content["task_id"] == "t-1" and got.priority is MessagePriority.CRITICAL
        assert m.mark_processed(got.message_id)
    finally:
        m.close()


def test_registry_liveness_is_agentds_heartbeats_keep_an_agent(agentd_factory):
    agentd = agentd_factory({"AGENTD_HEARTBEAT_INTERVAL_MS": "300", "AGENTD_HEARTBEAT_TIMEOUT_MS": "900"})
    reg = AgentRegistry(agentd.host, agentd.port)
    sup = SupervisorCoordinator("boss", host=agentd.host, port=agentd.port)
    try:
        assert reg.register_agent("w", AgentRole.WORKER, ["x"])
        task_id = sup.assign_task("t", "", {}, ["x"])
        # registered but silent: agentd marks it offline and takes the task back
        from conftest import wait_until
        wait_until(lambda: reg.get_agent("w").status == "offline", 5, what="offline")
        # The task is taken back by the step after the offline mark (a moment later).
        wait_until(lambda: sup.get_task_status(task_id)["state"] == "pending", 5, what="task taken back")
        assert reg.find_best_agent(["x"]) is None
        assert reg.update_heartbeat("w")  # speaking again makes it active: the task comes back
        assert reg.get_agent("w").status == "active"
        wait_until(lambda: sup.get_task_status(task_id)["state"] == "assigned", 5, what="reassigned")
        events = [h["event"] for h in sup.get_task_status(task_id)["history"]]
        assert events == ["created", "assigned", "orphaned", "assigned"]
    finally:
        sup.close()
        reg.close()
