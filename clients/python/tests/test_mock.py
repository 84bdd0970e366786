"""Mock mode: the in-process fake must behave like agentd for the same calls.

The main check runs one scenario twice, once against the real agentd and once in mock
mode, and compares what the caller sees.
"""

import threading

import pytest

from agentd_client import (AgentMessage, Client, AgentRegistry, AgentRole, BadRequest, Forbidden, MessagePriority,
                           MessageQueueManager, MessageType, MockBroker, MockClient, NotFound, SupervisorCoordinator,
                           Unauthenticated, UnknownOp, Worker)


def scenario(make_manager):
    """What a caller of the old API observes; returns a transcript to compare."""
    out = []
    m = make_manager("planner")
    try:
        ids = []
        for i, prio in enumerate([MessagePriority.LOW, MessagePriority.CRITICAL, MessagePriority.MEDIUM,
                                  MessagePriority.HIGH]):
            msg = AgentMessage(message_id="s-%d" % i, to_agent="w", message_type=MessageType.STATUS_UPDATE,
                               content={"i": i, "big": 2 ** 63 - 1}, priority=prio)
            ids.append(m.send_message(msg))
        out.append(("sent", ids))
        out.append(("resend", m.send_message(AgentMessage(message_id="s-0", to_agent="w", content={"i": 0}))))
        got = m.get_messages("w", limit=3, timeout=1.0)
        out.append(("got", [(g.message_id, g.priority.value, g.attempt, g.content, g.from_agent) for g in got]))
        stats = m.get_queue_stats()
        out.append(("stats1", {k: stats[k] for k in ("total_messages", "pending", "in_flight", "processed",
                                                     "failed", "delivered")}))
        out.append(("ack", [m.mark_processed(g.message_id) for g in got[:2]]))
        out.append(("ack-again", m.mark_processed(got[0].message_id)))
        out.append(("retry", m.mark_processed(got[2].message_id, status="retry")))
        rest = m.get_messages("w", limit=10, timeout=1.0)
        out.append(("rest", [(g.message_id, g.attempt) for g in rest]))
        for g in rest:
            m.mark_processed(g.message_id)
        stats = m.get_queue_stats()
        out.append(("stats2", {k: stats[k] for k in ("total_messages", "pending", "in_flight", "processed",
                                                     "failed", "delivered")}))
        out.append(("empty", m.get_messages("w", timeout=0.0)))
        bad = AgentMessage(to_agent="w", content={})
        bad.to_agent = "no spaces allowed"
        out.append(("bad", m.send_message(bad)))
    finally:
        m.close()
    return out


def test_mock_mode_behaves_like_agentd_for_the_queue_api(agentd):
    real = scenario(lambda agent: MessageQueueManager(agentd.host, agentd.port, agent))
    mock = scenario(lambda agent: MessageQueueManager(agent_id=agent, mock_mode=True, broker=MockBroker()))
    assert mock == real
    # and the transcript is what the protocol says, not just "the same"
    assert dict(real)["got"][0][:3] == ("s-1", "critical", 1)
    assert dict(real)["rest"] == [("s-2", 2), ("s-0", 1)]  # medium before low; the retried one is attempt 2


def coordination_scenario(make_sup, make_worker_client):
    sup = make_sup()
    results = {}
    workers = []
    try:
        for name in ("w-1", "w-2"):
            workers.append(Worker(name, lambda t: {"double": t.parameters["n"] * 2}, capabilities=["math"],
                                  client=make_worker_client(name), heartbeat_interval=0.5).start())
        ids = [sup.assign_task("double", "x2", {"n": n}, ["math"]) for n in range(4)]
        for _ in range(40):
            sup.process_incoming_messages(max_messages=50, timeout=0.25)
            if not sup.active_tasks:
                break
        for tid in ids:
            results[tid] = (sup.finished_tasks[tid].status, sup.finished_tasks[tid].result)
        stats = sup.get_coordination_stats()
    finally:
        for w in workers:
            w.stop()
        sup.close()
    return sorted(results.values(), key=lambda r: r[1]["double"]), stats["coordination"]


def test_mock_mode_runs_the_same_supervisor_and_workers(agentd):
    real = coordination_scenario(lambda: SupervisorCoordinator("boss", host=agentd.host, port=agentd.port),
                                 lambda name: Client(agentd.host, agentd.port, agent_id=name))
    broker = MockBroker()
    mock = coordination_scenario(lambda: SupervisorCoordinator("boss", mock_mode=True, broker=broker),
                                 lambda name: MockClient(broker, agent_id=name))
    assert mock == real
    assert real[0] == [("completed", {"double": n * 2}) for n in range(4)]
    assert real[1]["completed"] == 4 and real[1]["completion_rate"] == 1.0


def test_mock_objects_share_the_default_broker():
    MockBroker.reset_default()
    try:
        a = MessageQueueManager(agent_id="a", mock_mode=True)
        b = MessageQueueManager(agent_id="b", mock_mode=True)
        assert a.send_message(AgentMessage(to_agent="b", content={"hi": 1}))
        (m,) = b.get_messages()
        assert m.from_agent == "a" and m.content == {"hi": 1}
        reg = AgentRegistry(mock_mode=True)
        assert reg.register_agent("w", AgentRole.WORKER, ["x"])
        assert a.get_agent_status("w")["role"] == "worker"
        assert a.is_connected()
    finally:
        MockBroker.reset_default()


def test_mock_client_errors_and_delivery_rules():
    broker = MockBroker(max_deliveries=2)
    c = MockClient(broker).connect()
    with pytest.raises(Unauthenticated):
        c.fetch()
    with pytest.raises(Forbidden):
        c.hello("agentd")
    c.hello("bob")
    with pytest.raises(BadRequest):
        c.fetch(limit=0)
    with pytest.raises(UnknownOp):
        c.request("warp")
    with pytest.raises(NotFound):
        c.task("t-0")
    with pytest.raises(Forbidden):
        c.assign_task("x", [])
    c.send("bob", {"n": 1})
    (m,) = c.fetch()
    c.close()  # closing releases the delivery: attempt 2 next time
    c2 = broker.client("bob")
    (m2,) = c2.fetch()
    assert m2["message_id"] == m["message_id"] and m2["delivery"]["attempt"] == 2
    assert c2.nack([m2["message_id"]]) == 1  # second attempt ended: max_deliveries 2 -> dead
    (dead,) = c2.dead_letters()
    assert dead["dead"]["attempts"] == 2 and c2.fetch() == []
    assert c2.requeue_dead([dead["message_id"]]) == 1
    assert c2.fetch()[0]["delivery"]["attempt"] == 1


def test_mock_push_respects_prefetch():
    broker = MockBroker()
    b = broker.client("bob")
    b.subscribe(prefetch=1)
    a = broker.client("alice")
    a.send("bob", {"i": 0})
    a.send("bob", {"i": 1})
    first = b.next_message(1)
    assert first["content"] == {"i": 0}
    assert b.next_message(0.2) is None
    b.ack([first["message_id"]])
    assert b.next_message(1)["content"] == {"i": 1}
