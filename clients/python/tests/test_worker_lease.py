"""Worker and task leases: reports carry the assignment's lease; a handler that overruns its
lease loses the task to another worker, and its late result is refused (stale lease), not
counted."""

import threading
import time

from agentd_client import Forbidden, Worker
from conftest import wait_until


def test_a_handler_that_overruns_its_lease_is_refused(agentd):
    boss = agentd.client("lease-boss")
    boss.register("supervisor", [])
    slow_started, fast_ran = threading.Event(), threading.Event()

    def slow(task):
        slow_started.set()
        time.sleep(2.5)                       # longer than lease_ms, with no report meanwhile
        return {"by": "slow"}

    def fast(task):
        fast_ran.set()
        return {"by": "fast"}

    # renew_lease off: a worker that cannot report in time (a stuck process, a cut network).
    w1 = Worker("lease-w1", slow, host=agentd.host, port=agentd.port, capabilities=["lease"],
                renew_lease=False).start()
    try:
        res = boss.assign_task("t", ["lease"], lease_ms=1000, max_retries=2)
        assert slow_started.wait(5)
        assert boss.task(res.task_id)["lease"] == 1
        w2 = Worker("lease-w2", fast, host=agentd.host, port=agentd.port, capabilities=["lease"]).start()
        try:
            assert wait_until(lambda: boss.task(res.task_id)["state"] == "completed", 10, what="completed by w2")
            t = boss.task(res.task_id)
            assert t["result"] == {"by": "fast"} and t["lease"] == 2, t
            assert [a["outcome"] for a in t["attempts_log"]] == ["lease_expired", "completed"], t["attempts_log"]
            # w1's handler finishes late: its report under lease 1 is refused, not counted.
            assert wait_until(lambda: w1.stats["stale_lease"] == 1, 10, what="w1's stale report")
            assert w1.stats["completed"] == 0 and w2.stats["completed"] == 1
            assert boss.task(res.task_id)["result"] == {"by": "fast"}
        finally:
            w2.stop(timeout=10)
    finally:
        w1.stop(timeout=10)


def test_reports_carry_the_lease_and_a_stale_one_raises_forbidden(agentd):
    boss = agentd.client("lease-boss2")
    boss.register("supervisor", [])
    w = agentd.client("lease-w3")
    w.register("worker", ["l3"])
    tid = boss.assign_task("t", ["l3"]).task_id
    req = w.fetch(limit=1, wait_ms=2000)[0]
    assert req["content"]["lease"] == 1 and req["content"]["attempt"] == 1
    w.send("lease-boss2", {"task_id": tid, "status": "completed", "lease": 1}, "task_response")
    try:
        w.send("lease-boss2", {"task_id": tid, "status": "in_progress", "lease": 1}, "task_response")
    except Forbidden as e:
        assert "stale lease" in str(e)
    else:
        raise AssertionError("a report under the lease of an ended task was accepted")
