"""Mock mode and the agent-native extensions (docs/protocol.md: Leases and fencing, Failure
kinds, Budgets, Input required, Sub-tasks, Idempotent assign, ``request``, ``nack`` with
``dead_letter``, ``traceparent``).

Each scenario runs twice, against the real agentd and against a :class:`MockBroker`, and
returns what its caller observed (states, attempts_log outcomes, usage, error kinds,
messages received); the two transcripts must be equal. The worker scenarios of
tests/test_worker_agent_native.py and test_worker_lease.py then run in mock mode.
"""

import threading
import time
from typing import Any, Callable, Dict, List, Optional

import pytest

from agentd_client import BadRequest, Client, Forbidden, MockBroker, MockClient, NotFound, TaskCancelled, Worker
from conftest import wait_until

Make = Callable[[str], Client]

TRACE = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
TRACE2 = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00"


def both(agentd, scenario: Callable[[Make], Any]) -> Any:
    """Runs ``scenario`` against agentd and in mock mode; asserts the same transcript."""
    real = scenario(agentd.client)
    broker = MockBroker()
    mock = scenario(lambda name: broker.client(name, read_timeout=10.0))
    assert mock == real
    return real


def error_of(call: Callable[[], Any]) -> Optional[str]:
    """The wire code the call failed with (None if it succeeded)."""
    try:
        call()
    except (BadRequest, Forbidden, NotFound) as e:
        return e.code
    return None


def raised(call: Callable[[], Any]) -> Any:
    """(code, message) of the error the call raised."""
    try:
        call()
    except Exception as e:  # noqa: BLE001 - the class is part of what is compared
        return type(e).__name__, getattr(e, "code", None), getattr(e, "message", str(e))
    return None


def msgs(client: Client, wait_ms: int = 1000, want: int = 1) -> List[Dict[str, Any]]:
    """Fetch until ``want`` messages came (or the wait ran out), acked, oldest first."""
    got: List[Dict[str, Any]] = []
    deadline = time.monotonic() + wait_ms / 1000.0
    while len(got) < want and time.monotonic() < deadline:
        batch = client.fetch(limit=100, wait_ms=100)
        if batch:
            client.ack([m["message_id"] for m in batch])
        got += batch
    return got


def summary(m: Dict[str, Any]) -> Any:
    c = dict(m["content"])
    c.pop("deadline", None)
    c.pop("task_id", None)
    return m["from_agent"], m["message_type"], m["priority"], c, m.get("traceparent")


def outcomes(task: Dict[str, Any]) -> List[Any]:
    return [(a["attempt"], a["lease"], a["agent_id"], a["outcome"], a["ended_at"] is None) for a in task["attempts_log"]]


def events(task: Dict[str, Any]) -> List[Any]:
    return [(h["event"], h["agent_id"]) for h in task["history"]]


def setup(make: Make, boss: str, workers: Dict[str, List[str]]) -> Any:
    b = make(boss)
    b.register("supervisor", [])
    ws = []
    for name, caps in workers.items():
        w = make(name)
        w.register("worker", caps)
        ws.append(w)
    return b, ws


# -- leases and fencing -------------------------------------------------------------------


def lease_scenario(make: Make) -> List[Any]:
    out: List[Any] = []
    boss, (w1,) = setup(make, "ls-boss", {"ls-w1": ["ls"]})
    out.append(("range", error_of(lambda: boss.assign_task("t", ["ls"], lease_ms=999))))
    tid = boss.assign_task("t", ["ls"], lease_ms=1000, max_retries=1).task_id
    (req,) = msgs(w1)
    out.append(("request", summary(req), req["correlation_id"] == tid))
    t = boss.task(tid)
    out.append(("held", t["lease"], t["lease_expires_at"] is not None, outcomes(t)))
    out.append(("bad lease", error_of(lambda: w1.send("ls-boss", {"task_id": tid, "status": "in_progress",
                                                                   "lease": "1"}, "task_response"))))
    w1.send("ls-boss", {"task_id": tid, "status": "in_progress", "lease": 1}, "task_response")
    w2 = make("ls-w2")
    w2.register("worker", ["ls"])
    # No report within 1 s: the attempt ends lease_expired and w2 gets lease 2.
    wait_until(lambda: boss.task(tid)["lease"] == 2, 10, what="reassigned under lease 2")
    (req2,) = msgs(w2)
    out.append(("request 2", summary(req2)))
    stale = raised(lambda: w1.send("ls-boss", {"task_id": tid, "status": "completed", "lease": 1,
                                               "result": {"late": True}}, "task_response"))
    out.append(("stale", stale[0], stale[1], "stale lease" in stale[2]))
    # Without a lease, an earlier assignee's report is an ordinary message that changes nothing.
    w1.send("ls-boss", {"task_id": tid, "status": "failed"}, "task_response")
    out.append(("state after w1", boss.task(tid)["state"]))
    w2.send("ls-boss", {"task_id": tid, "status": "completed", "lease": 2, "result": {"by": 2}}, "task_response",
            message_id="ls-done")
    again = w2.send("ls-boss", {"task_id": tid, "status": "completed", "lease": 2, "result": {"by": 2}},
                    "task_response", message_id="ls-done")
    out.append(("resent completion", again.duplicate))
    out.append(("after end", error_of(lambda: w2.send("ls-boss", {"task_id": tid, "status": "in_progress",
                                                                   "lease": 2}, "task_response"))))
    t = boss.task(tid)
    out.append(("done", t["state"], t["result"], t["lease"], t["lease_expires_at"], t["attempts"], outcomes(t),
                events(t)))
    # The last attempt's lease runs out: timed_out, and the supervisor's error_report.
    msgs(boss, 300, want=99)
    tid2 = boss.assign_task("t", ["nobody-else"], lease_ms=1000, max_retries=0).task_id
    w3 = make("ls-w3")
    w3.register("worker", ["nobody-else"])
    wait_until(lambda: boss.task(tid2)["state"] == "timed_out", 10, what="timed_out")
    t2 = boss.task(tid2)
    out.append(("expired", t2["state"], t2["error"], outcomes(t2), events(t2)))
    out.append(("final", [summary(m) for m in msgs(boss, 2000) if m["from_agent"] == "agentd"]))
    return out


def test_mock_leases_and_fencing_match_agentd(agentd):
    real = dict((row[0], row[1:]) for row in both(agentd, lease_scenario))
    assert real["range"] == ("bad_request",)
    assert real["request"][0][3] == {"task_type": "t", "description": "", "parameters": {}, "lease": 1,
                                     "attempt": 1, "lease_ms": 1000}
    assert real["stale"] == ("Forbidden", "forbidden", True)
    assert real["bad lease"] == ("bad_request",)
    assert real["resent completion"] == (True,)
    assert real["after end"] == ("forbidden",)
    assert real["done"][5] == [(1, 1, "ls-w1", "lease_expired", False), (2, 2, "ls-w2", "completed", False)]
    assert real["expired"][0] == "timed_out" and real["expired"][2] == [(1, 1, "ls-w3", "lease_expired", False)]
    assert real["final"][0][0][3] == {"state": "timed_out", "error": {"message": "no report within the lease (1000 ms)"}}


def deadline_scenario(make: Make) -> List[Any]:
    boss, (w,) = setup(make, "dl-boss", {"dl-w": ["dl"]})
    tid = boss.assign_task("t", ["dl"], timeout_ms=500, max_retries=1).task_id
    wait_until(lambda: boss.task(tid)["state"] == "timed_out", 10, what="timed_out")
    t = boss.task(tid)
    return [t["state"], t["error"], outcomes(t), events(t)]


def test_mock_task_deadlines_match_agentd(agentd):
    real = both(agentd, deadline_scenario)
    assert real[0] == "timed_out" and [o[3] for o in real[2]] == ["timed_out", "timed_out"]


# -- failure kinds -----------------------------------------------------------------------------


def failure_kinds_scenario(make: Make) -> List[Any]:
    out: List[Any] = []
    boss, (w,) = setup(make, "fk-boss", {"fk-w": ["fk"]})
    tid = boss.assign_task("t", ["fk"], max_retries=3).task_id
    msgs(w)
    w.send("fk-boss", {"task_id": tid, "status": "failed", "lease": 1,
                       "error": {"kind": "permanent", "message": "unreadable input"}}, "task_response")
    t = boss.task(tid)
    out.append(("permanent", t["state"], t["attempts"], t["error"], outcomes(t), events(t)))
    tid2 = boss.assign_task("t", ["fk"], max_retries=1).task_id
    (r1,) = msgs(w)
    w.send("fk-boss", {"task_id": tid2, "status": "failed", "lease": 1, "error": {"message": "flaky"}},
           "task_response")
    (r2,) = msgs(w)
    out.append(("retried", r2["content"]["attempt"], r2["content"]["lease"]))
    w.send("fk-boss", {"task_id": tid2, "status": "failed", "lease": 2, "error": {"kind": "transient", "message": "x"}},
           "task_response")
    w.send("fk-boss", {"task_id": tid2, "status": "failed"}, "error_report")  # ended: changes nothing
    t2 = boss.task(tid2)
    out.append(("transient", t2["state"], t2["attempts"], t2["error"], outcomes(t2),
                [a.get("error") for a in t2["attempts_log"]]))
    out.append(("reports", sorted(summary(m)[1:4].__repr__() for m in msgs(boss, 2000, want=5))))
    return out


def test_mock_failure_kinds_match_agentd(agentd):
    real = dict((row[0], row[1:]) for row in both(agentd, failure_kinds_scenario))
    assert real["permanent"][:3] == ("failed", 1, {"kind": "permanent", "message": "unreadable input"})
    assert real["transient"][0] == "failed" and real["transient"][1] == 2


# -- budgets -------------------------------------------------------------------------------------


def budget_scenario(make: Make) -> List[Any]:
    out: List[Any] = []
    boss, (w,) = setup(make, "bg-boss", {"bg-w": ["bg"]})
    out.append(("bad key", error_of(lambda: boss.assign_task("t", ["bg"], budget={"token": 5}))))
    out.append(("negative", error_of(lambda: boss.assign_task("t", ["bg"], budget={"tokens": -1}))))
    tid = boss.assign_task("t", ["bg"], budget={"tokens": 1000, "cost_usd": 0.5}).task_id
    msgs(w)
    t = boss.task(tid)
    out.append(("fresh", t["budget"], t["usage"]))
    w.send("bg-boss", {"task_id": tid, "status": "in_progress", "lease": 1,
                       "usage": {"tokens": 600, "cost_usd": 0.1, "turns": 1}}, "task_response")
    t = boss.task(tid)
    out.append(("spent", t["state"], t["usage"]))
    w.send("bg-boss", {"task_id": tid, "status": "in_progress", "lease": 1,
                       "usage": {"tokens": 500, "cost_usd": 0.2, "turns": 2}}, "task_response")
    t = boss.task(tid)
    out.append(("over", t["state"], t["error"], t["usage"], t["assigned_to"], outcomes(t), events(t)))
    out.append(("worker got", [summary(m) for m in msgs(w)]))
    out.append(("boss got", [summary(m) for m in msgs(boss, 2000, want=3) if m["from_agent"] == "agentd"]))
    stale = raised(lambda: w.send("bg-boss", {"task_id": tid, "status": "completed", "lease": 1}, "task_response"))
    out.append(("late", stale[:2]))
    return out


def test_mock_budgets_match_agentd(agentd):
    real = dict((row[0], row[1:]) for row in both(agentd, budget_scenario))
    assert real["bad key"] == ("bad_request",) and real["negative"] == ("bad_request",)
    assert real["fresh"] == ({"tokens": 1000, "cost_usd": 0.5}, {"tokens": 0, "cost_usd": 0, "turns": 0})
    state, error, usage = real["over"][:3]
    assert state == "failed" and error["kind"] == "budget_exceeded" and usage["tokens"] == 1100
    assert real["worker got"] == ([("agentd", "coordination", "high",
                                    {"action": "cancel", "reason": "budget_exceeded"}, None)],)
    assert real["boss got"][0][0][3]["state"] == "failed"
    assert real["late"] == (("Forbidden", "forbidden"),)


# -- input required ---------------------------------------------------------------------------------


def input_required_scenario(make: Make) -> List[Any]:
    out: List[Any] = []
    boss, (w, other) = setup(make, "ir-boss", {"ir-w": ["ir"], "ir-other": ["zz"]})
    tid = boss.assign_task("t", ["ir"], timeout_ms=60000, lease_ms=5000).task_id
    msgs(w)
    out.append(("not waiting", error_of(lambda: boss.resume_task(tid, {"approved": True}))))
    w.send("ir-boss", {"task_id": tid, "status": "input_required", "lease": 1, "question": "refund?"}, "task_response")
    t = boss.task(tid)
    out.append(("waiting", t["state"], t["deadline"], t["lease_expires_at"], t["assigned_to"], outcomes(t)))
    out.append(("stats", boss.stats()["coordination"]["input_required"]))
    out.append(("boss got", [summary(m) for m in msgs(boss)]))
    out.append(("invisible", error_of(lambda: other.resume_task(tid, 1))))
    t = boss.resume_task(tid, {"approved": True})
    out.append(("resumed", t["state"], t["assigned_to"], t["lease"], t["deadline"] is not None,
                t["lease_expires_at"] is not None))
    out.append(("worker got", [summary(m) for m in msgs(w)]))
    out.append(("twice", error_of(lambda: boss.resume_task(tid, 2))))
    w.send("ir-boss", {"task_id": tid, "status": "completed", "lease": 1, "result": {"refunded": True}},
           "task_response")
    t = boss.task(tid)
    out.append(("done", t["state"], t["result"], outcomes(t), events(t)))
    # Cancelled while waiting: the assignee is told.
    tid2 = boss.assign_task("t", ["ir"]).task_id
    msgs(w)
    w.send("ir-boss", {"task_id": tid2, "status": "input_required", "lease": 1}, "task_response")
    t2 = boss.cancel_task(tid2)
    out.append(("cancelled", t2["state"], outcomes(t2), [summary(m) for m in msgs(w)],
                boss.stats()["coordination"]["input_required"]))
    return out


def test_mock_input_required_and_resume_match_agentd(agentd):
    real = dict((row[0], row[1:]) for row in both(agentd, input_required_scenario))
    assert real["not waiting"] == ("bad_request",) and real["twice"] == ("bad_request",)
    assert real["waiting"][:4] == ("input_required", None, None, "ir-w")
    assert real["stats"] == (1,)
    assert real["invisible"] == ("not_found",)
    assert real["resumed"] == ("assigned", "ir-w", 1, True, True)
    assert real["worker got"] == ([("ir-boss", "coordination", "high",
                                    {"action": "resume", "lease": 1, "input": {"approved": True}}, None)],)
    assert real["done"][0] == "completed"
    assert real["cancelled"][0] == "cancelled" and real["cancelled"][3] == 0


# -- idempotent assign -------------------------------------------------------------------------------


def idempotency_scenario(make: Make) -> List[Any]:
    out: List[Any] = []
    boss, (w,) = setup(make, "ik-boss", {"ik-w": ["ik"]})
    first = boss.request("assign_task", task_type="sum", required_capabilities=["ik"], parameters={"n": 1},
                         idempotency_key="report-1")
    again = boss.request("assign_task", task_type="sum", required_capabilities=["ik"], parameters={"n": 1},
                         idempotency_key="report-1")
    out.append(("first", {k: v for k, v in first.items() if k != "id"}))
    out.append(("again", {k: v for k, v in again.items() if k != "id"}))
    clash = raised(lambda: boss.assign_task("sum", ["ik"], parameters={"n": 2}, idempotency_key="report-1"))
    out.append(("clash", clash[1], "idempotency_key" in clash[2]))
    out.append(("empty", error_of(lambda: boss.assign_task("sum", ["ik"], idempotency_key=""))))
    boss2 = make("ik-boss2")
    boss2.register("supervisor", [])
    other = boss2.request("assign_task", task_type="sum", required_capabilities=["ik"], parameters={"n": 1},
                          idempotency_key="report-1")
    out.append(("other supervisor", other["task_id"] != first["task_id"], "duplicate" in other))
    out.append(("tasks", len(boss.tasks())))
    out.append(("requests", len(msgs(w, 1000, want=2))))
    return out


def test_mock_idempotent_assign_matches_agentd(agentd):
    real = dict((row[0], row[1:]) for row in both(agentd, idempotency_scenario))
    (first,), (again,) = real["first"], real["again"]
    assert first["task_id"].startswith("t-k") and "duplicate" not in first
    assert again == dict(first, duplicate=True)
    assert real["clash"] == ("bad_request", True)
    assert real["other supervisor"] == (True, False)
    assert real["tasks"] == (2,) and real["requests"] == (1,)  # one slot: boss2's task waits


# -- sub-tasks ----------------------------------------------------------------------------------------


def subtask_scenario(make: Make) -> List[Any]:
    out: List[Any] = []
    boss, (p, c, g) = setup(make, "st-boss", {"st-p": ["plan"], "st-c": ["fr"], "st-g": ["de"]})
    parent = boss.assign_task("plan", ["plan"], timeout_ms=60000, traceparent=TRACE).task_id
    msgs(p)
    out.append(("no parent", error_of(lambda: p.assign_task("x", ["fr"]))))
    out.append(("not visible", error_of(lambda: c.assign_task("x", ["fr"], parent_task_id=parent))))
    child = p.assign_task("translate", ["fr"], parameters={"text": "hello"}, parent_task_id=parent).task_id
    (creq,) = msgs(c)
    out.append(("child request", summary(creq)))
    ct = p.task(child)
    pt = boss.task(parent)
    out.append(("child", ct["supervisor"], ct["parent_task_id"] == parent, ct["traceparent"], ct["state"],
                ct["deadline"] <= pt["deadline"]))
    out.append(("parent children", pt["children"] == [child]))
    # the child's assignee makes a grandchild that nobody can take (pending)
    grand = c.assign_task("deep", ["nobody"], parent_task_id=child, traceparent=TRACE2).task_id
    out.append(("grand", c.task(grand)["state"], c.task(grand)["traceparent"]))
    out.append(("worker cancels", error_of(lambda: c.cancel_task(grand))))
    boss.cancel_task(parent)
    out.append(("parent", boss.task(parent)["state"]))
    # agentd cancels one level at a time, just after the parent ended (the mock at once)
    wait_until(lambda: boss.task(grand)["state"] == "cancelled", 10, what="grandchild cancelled")
    out.append(("cascade", boss.task(child)["state"], boss.task(grand)["state"], events(boss.task(child)),
                outcomes(boss.task(child))))
    out.append(("told", [summary(m) for m in msgs(p)], [summary(m) for m in msgs(c)]))
    out.append(("ended parent", error_of(lambda: boss.assign_task("x", ["fr"], parent_task_id=parent))))
    return out


def test_mock_sub_tasks_match_agentd(agentd):
    real = dict((row[0], row[1:]) for row in both(agentd, subtask_scenario))
    assert real["no parent"] == ("forbidden",) and real["not visible"] == ("not_found",)
    assert real["child"] == ("st-p", True, TRACE, "assigned", True)
    assert real["child request"][0][4] == TRACE
    assert real["grand"] == ("pending", TRACE2)
    assert real["cascade"][:2] == ("cancelled", "cancelled")
    assert real["told"][1] == [("agentd", "coordination", "high", {"action": "cancel", "reason": "parent_ended"}, None)]
    assert real["ended parent"] == ("bad_request",)


# -- traceparent, nack dead_letter, request --------------------------------------------------------------


def trace_scenario(make: Make) -> List[Any]:
    out: List[Any] = []
    a, b = make("tp-a"), make("tp-b")
    a.send("tp-b", {"n": 1}, "task_request", traceparent=TRACE)
    (m,) = msgs(b)
    out.append(("delivered", m["traceparent"], sorted(m)))
    for bad in (TRACE.upper(), "01" + TRACE[2:], "00-" + "0" * 32 + TRACE[35:], TRACE[:-1], "00-4BF92F35-01"):
        e = raised(lambda: a.send("tp-b", {}, traceparent=bad))
        out.append(("bad", e[1], e[2]))
    boss, (w,) = setup(make, "tp-boss", {"tp-w": ["tp"]})
    out.append(("bad assign", error_of(lambda: boss.assign_task("t", ["tp"], traceparent="x"))))
    tid = boss.assign_task("t", ["tp"], traceparent=TRACE2).task_id
    (req,) = msgs(w)
    out.append(("task", boss.task(tid)["traceparent"], req["traceparent"]))
    return out


def test_mock_traceparent_matches_agentd(agentd):
    real = dict((row[0], row[1:]) for row in both(agentd, trace_scenario))
    assert real["delivered"][0] == TRACE
    assert real["task"] == (TRACE2, TRACE2)


def dead_letter_scenario(make: Make) -> List[Any]:
    out: List[Any] = []
    a, b = make("dl-a"), make("dl-b")
    a.send("dl-b", {"n": 1}, message_id="dl-1")
    a.send("dl-b", {"n": 2}, message_id="dl-2")
    got = b.fetch(limit=10)
    raw = b.request("nack", message_ids=["dl-1", "nope"], dead_letter=True)
    out.append(("raw", {k: v for k, v in raw.items() if k != "id"}))
    out.append(("plain", b.nack(["dl-2"])))
    out.append(("dead", [(d["message_id"], d["dead"]["reason"], d["dead"]["attempts"]) for d in b.dead_letters()]))
    out.append(("stats", b.stats()["queues"]["dead_letters"]))
    out.append(("again", b.nack([got[0]["message_id"]], dead_letter=True)))
    out.append(("requeue", b.requeue_dead(["dl-1"])))
    out.append(("back", sorted((m["message_id"], m["delivery"]["attempt"]) for m in b.fetch(limit=10))))
    out.append(("bad", error_of(lambda: b.request("nack", message_ids=["dl-1"], dead_letter="yes"))))
    return out


def test_mock_nack_dead_letter_matches_agentd(agentd):
    real = dict((row[0], row[1:]) for row in both(agentd, dead_letter_scenario))
    assert real["raw"] == ({"ok": True, "requeued": 0, "dead_lettered": 1},)
    assert real["dead"] == ([("dl-1", "rejected", 1)],)
    assert real["back"] == ([("dl-1", 1), ("dl-2", 2)],)


def request_scenario(make: Make) -> List[Any]:
    out: List[Any] = []
    asker, pricer = make("rq-asker"), make("rq-pricer")
    asker.send("rq-asker", {"other": True})  # an ordinary message waiting meanwhile
    seen: Dict[str, Any] = {}

    def answer() -> None:
        (m,) = msgs(pricer, 5000)
        seen["request"] = m
        pricer.ack([m["message_id"]])
        pricer.send("rq-asker", {"price": 12.5}, "task_response", correlation_id=m["correlation_id"],
                    traceparent=TRACE)

    t = threading.Thread(target=answer)
    t.start()
    res = asker.request_reply(to_agent="rq-pricer", content={"sku": "A-7"}, timeout_ms=5000, traceparent=TRACE)
    t.join(5)
    req = seen["request"]
    out.append(("request", req["reply_to"], bool(req["correlation_id"]), req["traceparent"], res.message_id == req["message_id"]))
    reply = res.reply
    assert reply is not None
    out.append(("reply", res.timed_out, reply["from_agent"], reply["content"], reply["correlation_id"] == req["correlation_id"],
                reply["delivery"]["attempt"], reply["traceparent"]))
    out.append(("inbox", [m["content"] for m in msgs(asker, 300, want=9)]))
    timed = asker.request_reply(to_agent="nobody-home", content={}, correlation_id="mine-1", timeout_ms=300)
    out.append(("timeout", timed.reply, timed.timed_out))
    self_reply = asker.request_reply(to_agent="rq-asker", content={"me": 1}, timeout_ms=2000)
    assert self_reply.reply is not None
    out.append(("self", self_reply.reply["content"], self_reply.reply["message_id"] == self_reply.message_id))
    # A reply after the timeout is an ordinary message.
    pricer.send("rq-asker", {"late": True}, "task_response", correlation_id="mine-1")
    out.append(("late", [(m["content"], m["correlation_id"]) for m in msgs(asker)]))
    out.append(("bad", error_of(lambda: asker.request_reply(to_agent="x", content={}, timeout_ms=0))))
    q = asker.stats()["queues"]
    out.append(("stats", q["pending"], q["in_flight"]))
    return out


def test_mock_request_reply_matches_agentd(agentd):
    real = dict((row[0], row[1:]) for row in both(agentd, request_scenario))
    assert real["request"] == ("rq-asker", True, TRACE, True)
    assert real["reply"] == (False, "rq-pricer", {"price": 12.5}, True, 1, TRACE)
    assert real["inbox"] == ([{"other": True}],)
    assert real["timeout"] == (None, True)
    assert real["self"] == ({"me": 1}, True)
    assert real["late"] == ([({"late": True}, "mine-1")],)


def taskinfo_scenario(make: Make) -> List[Any]:
    boss, (w,) = setup(make, "ti-boss", {"ti-w": ["ti"]})
    tid = boss.assign_task("t", ["ti"], lease_ms=60000, budget={"turns": 3}, traceparent=TRACE).task_id
    (req,) = msgs(w)
    w.send("ti-boss", {"task_id": tid, "status": "completed", "lease": 1, "result": 7}, "task_response")
    t = boss.task(tid)
    pending = boss.assign_task("t", ["none"]).task_id
    p = boss.task(pending)
    return [list(t), list(p), list(req["content"]), list(req), t["budget"], p["lease"], p["attempts_log"],
            p["budget"], p["usage"], boss.tasks(state="completed")[0]["task_id"] == tid]


def test_mock_task_info_has_agentd_fields_and_order(agentd):
    real = both(agentd, taskinfo_scenario)
    assert real[0][-3:] == ["created_at", "updated_at", "history"] and "attempts_log" in real[0]


# -- the worker, in mock mode ------------------------------------------------------------------------


@pytest.fixture
def broker() -> MockBroker:
    return MockBroker()


def mock_worker(broker: MockBroker, name: str, handler: Callable[..., Any], caps: List[str], **kw: Any) -> Worker:
    return Worker(name, handler, capabilities=caps, client=MockClient(broker, agent_id=name), **kw).start()


def mock_boss(broker: MockBroker, name: str) -> Client:
    boss = broker.client(name)
    boss.register("supervisor", [])
    return boss


def test_mock_worker_lease_beats_keep_a_long_handler_its_task(broker):
    boss = mock_boss(broker, "an-boss1")

    def slow(task):
        time.sleep(2.5)                  # more than two leases long, no report of its own
        return {"done": True}

    w = mock_worker(broker, "an-w1", slow, ["beat"])
    try:
        tid = boss.assign_task("t", ["beat"], lease_ms=1000, max_retries=0).task_id
        assert wait_until(lambda: boss.task(tid)["state"] == "completed", 10, what="completed")
        t = boss.task(tid)
        assert t["attempts"] == 1 and t["lease"] == 1, t
        assert w.stats["completed"] == 1
    finally:
        w.stop(timeout=10)


def test_mock_worker_that_overruns_its_lease_is_refused(broker):
    boss = mock_boss(broker, "lease-boss")
    slow_started = threading.Event()

    def slow(task):
        slow_started.set()
        time.sleep(2.0)
        return {"by": "slow"}

    w1 = mock_worker(broker, "lease-w1", slow, ["lease"], renew_lease=False)
    try:
        tid = boss.assign_task("t", ["lease"], lease_ms=1000, max_retries=2).task_id
        assert slow_started.wait(5)
        w2 = mock_worker(broker, "lease-w2", lambda task: {"by": "fast"}, ["lease"])
        try:
            assert wait_until(lambda: boss.task(tid)["state"] == "completed", 10, what="completed by w2")
            t = boss.task(tid)
            assert t["result"] == {"by": "fast"} and t["lease"] == 2, t
            assert [a["outcome"] for a in t["attempts_log"]] == ["lease_expired", "completed"]
            assert wait_until(lambda: w1.stats["stale_lease"] == 1, 10, what="w1's stale report")
            assert w1.stats["completed"] == 0 and w2.stats["completed"] == 1
        finally:
            w2.stop(timeout=10)
    finally:
        w1.stop(timeout=10)


def test_mock_worker_budget_stops_a_running_handler(broker):
    boss = mock_boss(broker, "an-boss2")
    seen: Dict[str, Any] = {}

    def spender(task):
        for _ in range(50):
            if task.is_cancelled():
                seen["reason"] = task.cancel_reason
                return {"stopped": True}
            task.report_usage(tokens=300, cost_usd=0.01)
            time.sleep(0.05)
        return {"spent": "everything"}

    w = mock_worker(broker, "an-w2", spender, ["spend"])
    try:
        tid = boss.assign_task("t", ["spend"], budget={"tokens": 1000}).task_id
        assert wait_until(lambda: seen.get("reason") == "budget_exceeded", 10, what="handler stopped by the budget")
        t = boss.task(tid)
        assert t["state"] == "failed" and t["error"]["kind"] == "budget_exceeded", t
        assert t["usage"]["tokens"] == 1200, t["usage"]
    finally:
        w.stop(timeout=10)


def test_mock_worker_ask_waits_for_resume_task(broker):
    boss = mock_boss(broker, "an-boss3")

    def careful(task):
        answer = task.ask("refund 1200 EUR?")
        return {"refunded": answer["approved"]}

    w = mock_worker(broker, "an-w3", careful, ["ask"])
    try:
        tid = boss.assign_task("refund", ["ask"], timeout_ms=1000).task_id
        assert wait_until(lambda: boss.task(tid)["state"] == "input_required", 5, what="input_required")
        time.sleep(1.3)                  # past the timeout: the clock is stopped while it waits
        assert boss.task(tid)["state"] == "input_required"
        boss.resume_task(tid, {"approved": True})
        assert wait_until(lambda: boss.task(tid)["state"] == "completed", 5, what="completed")
        assert boss.task(tid)["result"] == {"refunded": True}
    finally:
        w.stop(timeout=10)


def test_mock_worker_ask_raises_when_the_task_is_cancelled(broker):
    boss = mock_boss(broker, "an-boss4")
    got = threading.Event()

    def careful(task):
        try:
            task.ask("go?")
        except TaskCancelled:
            got.set()
            raise

    w = mock_worker(broker, "an-w4", careful, ["ask4"])
    try:
        tid = boss.assign_task("t", ["ask4"]).task_id
        assert wait_until(lambda: boss.task(tid)["state"] == "input_required", 5, what="input_required")
        boss.cancel_task(tid)
        assert got.wait(5)
    finally:
        w.stop(timeout=10)


def test_mock_worker_delegate_makes_a_sub_task_the_worker_supervises(broker):
    boss = mock_boss(broker, "an-boss5")
    children: Dict[str, str] = {}

    def parent(task):
        sub = task.delegate("translate", ["fr"], parameters={"text": "hello"})
        children["id"] = sub.task_id
        for _ in range(100):
            info = task.worker.client.task(sub.task_id)
            if info["state"] == "completed":
                return {"child": info["result"]}
            time.sleep(0.05)
        raise RuntimeError("sub-task did not complete")

    p = mock_worker(broker, "an-p", parent, ["plan"])
    c = mock_worker(broker, "an-c", lambda task: {"fr": "bonjour"}, ["fr"])
    try:
        tid = boss.assign_task("plan", ["plan"]).task_id
        assert wait_until(lambda: boss.task(tid)["state"] == "completed", 10, what="parent completed")
        assert boss.task(tid)["result"] == {"child": {"fr": "bonjour"}}
        assert boss.task(tid)["children"] == [children["id"]]
        sub = p.client.task(children["id"])
        assert sub["parent_task_id"] == tid and sub["supervisor"] == "an-p", sub
    finally:
        c.stop(timeout=10)
        p.stop(timeout=10)
