"""Worker and the agent-native task features: lease beats, budgets, ask/resume, delegate."""

import threading
import time

from agentd_client import TaskCancelled, Worker
from conftest import wait_until


def supervisor(agentd, name):
    boss = agentd.client(name)
    boss.register("supervisor", [])
    return boss


def test_lease_beats_keep_a_long_handler_its_task(agentd):
    boss = supervisor(agentd, "an-boss1")

    def slow(task):
        time.sleep(3.0)                  # three leases long, no report of its own
        return {"done": True}

    w = Worker("an-w1", slow, host=agentd.host, port=agentd.port, capabilities=["beat"]).start()
    try:
        tid = boss.assign_task("t", ["beat"], lease_ms=1000, max_retries=0).task_id
        assert wait_until(lambda: boss.task(tid)["state"] == "completed", 10, what="completed")
        t = boss.task(tid)
        assert t["attempts"] == 1 and t["lease"] == 1, t       # never lost to lease expiry
        assert w.stats["completed"] == 1
    finally:
        w.stop(timeout=10)


def test_a_budget_stops_a_running_handler(agentd):
    boss = supervisor(agentd, "an-boss2")
    seen = {}

    def spender(task):
        for _ in range(50):
            if task.is_cancelled():
                seen["reason"] = task.cancel_reason
                return {"stopped": True}
            task.report_usage(tokens=300, cost_usd=0.01)
            time.sleep(0.05)
        return {"spent": "everything"}

    w = Worker("an-w2", spender, host=agentd.host, port=agentd.port, capabilities=["spend"]).start()
    try:
        tid = boss.assign_task("t", ["spend"], budget={"tokens": 1000}).task_id
        assert wait_until(lambda: seen.get("reason") == "budget_exceeded", 10, what="handler stopped by the budget")
        t = boss.task(tid)
        assert t["state"] == "failed" and t["error"]["kind"] == "budget_exceeded", t
        assert 1000 < t["usage"]["tokens"] <= 1200, t["usage"]
    finally:
        w.stop(timeout=10)


def test_ask_waits_for_resume_task(agentd):
    boss = supervisor(agentd, "an-boss3")

    def careful(task):
        answer = task.ask("refund 1200 EUR?")
        return {"refunded": answer["approved"]}

    w = Worker("an-w3", careful, host=agentd.host, port=agentd.port, capabilities=["ask"]).start()
    try:
        tid = boss.assign_task("refund", ["ask"], timeout_ms=2000).task_id
        assert wait_until(lambda: boss.task(tid)["state"] == "input_required", 5, what="input_required")
        time.sleep(2.5)                  # past the timeout: the clock is stopped while it waits
        assert boss.task(tid)["state"] == "input_required"
        boss.resume_task(tid, {"approved": True})
        assert wait_until(lambda: boss.task(tid)["state"] == "completed", 5, what="completed")
        assert boss.task(tid)["result"] == {"refunded": True}
    finally:
        w.stop(timeout=10)


def test_ask_raises_when_the_task_is_cancelled(agentd):
    boss = supervisor(agentd, "an-boss4")
    raised = threading.Event()

    def careful(task):
        try:
            task.ask("go?")
        except TaskCancelled:
            raised.set()
            raise

    w = Worker("an-w4", careful, host=agentd.host, port=agentd.port, capabilities=["ask4"]).start()
    try:
        tid = boss.assign_task("t", ["ask4"]).task_id
        assert wait_until(lambda: boss.task(tid)["state"] == "input_required", 5, what="input_required")
        boss.cancel_task(tid)
        assert raised.wait(5)
    finally:
        w.stop(timeout=10)


def test_delegate_makes_a_sub_task_the_worker_supervises(agentd):
    boss = supervisor(agentd, "an-boss5")
    children = {}

    def parent(task):
        sub = task.delegate("translate", ["fr"], parameters={"text": "hello"})
        children["id"] = sub.task_id
        # Wait for the sub-agent's result, as a supervisor would.
        for _ in range(100):
            if task.worker.client.task(sub.task_id)["state"] == "completed":
                return {"child": task.worker.client.task(sub.task_id)["result"]}
            time.sleep(0.05)
        raise RuntimeError("sub-task did not complete")

    def translate(task):
        return {"fr": "bonjour"}

    p = Worker("an-p", parent, host=agentd.host, port=agentd.port, capabilities=["plan"]).start()
    c = Worker("an-c", translate, host=agentd.host, port=agentd.port, capabilities=["fr"]).start()
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


def test_async_worker_budget_cancels_the_handler_and_ask_resumes(agentd):
    import asyncio
    from agentd_client import AsyncWorker

    boss = supervisor(agentd, "an-boss6")
    outcome = {}

    async def spender(task):
        try:
            while True:
                await task.report_usage(tokens=500)
                await asyncio.sleep(0.05)
        except asyncio.CancelledError:
            outcome["cancelled"] = task.cancel_reason
            raise

    async def asker(task):
        answer = await task.ask("ok?")
        return {"answer": answer}

    async def main():
        async with AsyncWorker("an-aw1", spender, host=agentd.host, port=agentd.port, capabilities=["aspend"]), \
                AsyncWorker("an-aw2", asker, host=agentd.host, port=agentd.port, capabilities=["aask"]):
            spend = boss.assign_task("t", ["aspend"], budget={"tokens": 1200}).task_id
            ask = boss.assign_task("t", ["aask"]).task_id
            for _ in range(100):
                if boss.task(ask)["state"] == "input_required" and "cancelled" in outcome:
                    break
                await asyncio.sleep(0.05)
            boss.resume_task(ask, "yes")
            for _ in range(100):
                if boss.task(ask)["state"] == "completed":
                    break
                await asyncio.sleep(0.05)
            return spend, ask

    spend, ask = asyncio.run(main())
    assert outcome.get("cancelled") == "budget_exceeded", outcome
    assert boss.task(spend)["error"]["kind"] == "budget_exceeded"
    assert boss.task(ask)["result"] == {"answer": "yes"}
