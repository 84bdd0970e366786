"""Worker: handler per task_request, progress and results, heartbeats, ack after the
handler, redelivery when the worker process dies mid-task, clean stop."""

import os
import subprocess
import sys
import threading
import time

from agentd_client import Worker
from conftest import wait_until

HERE = os.path.dirname(os.path.abspath(__file__))


def boss_of(agentd, name="boss"):
    boss = agentd.client(name)
    boss.register("supervisor", [])
    return boss


def reports(boss, task_id, until_status, timeout=10):
    """task_response contents for task_id in boss's inbox, until one has until_status."""
    got = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for m in boss.fetch(limit=100, wait_ms=200):
            boss.ack([m["message_id"]])
            if m["content"].get("task_id") == task_id:
                got.append(m["content"])
        if any(c.get("status") == until_status for c in got):
            return got
    raise AssertionError("no %s report for %s; got %r" % (until_status, task_id, got))


def test_ack_only_after_the_handler_finished(agentd):
    boss = boss_of(agentd)
    release = threading.Event()
    entered = threading.Event()

    def handler(task):
        entered.set()
        assert release.wait(10)
        return {"sum": sum(task.parameters["xs"])}

    w = Worker("w-1", handler, host=agentd.host, port=agentd.port, capabilities=["add"]).start()
    try:
        res = boss.assign_task("add", ["add"], parameters={"xs": [1, 2, 3]})
        assert entered.wait(5)
        time.sleep(0.3)
        q = boss.stats()["queues"]
        assert q["in_flight"] == 1 and q["acked_total"] == 0  # the task_request is held, not acked
        assert boss.task(res.task_id)["state"] == "in_progress"  # the start report went through
        release.set()
        got = reports(boss, res.task_id, "completed")
        assert got[-1] == {"task_id": res.task_id, "status": "completed", "lease": 1, "result": {"sum": 6},
                           "completion_percentage": 100}
        assert wait_until(lambda: boss.task(res.task_id)["state"] == "completed", 5, what="completed")
        assert wait_until(lambda: w.client.stats()["queues"]["in_flight"] == 0, 5, what="task_request acked")
        assert w.stats["completed"] == 1
    finally:
        w.stop()


def test_progress_and_failure_reports(agentd):
    boss = boss_of(agentd)

    def handler(task):
        task.progress(25)
        task.progress(75, stage="almost")
        if task.parameters.get("fail"):
            raise ValueError("cannot do %s" % task.parameters["fail"])
        return "fine"

    w = Worker("w-1", handler, host=agentd.host, port=agentd.port).start()
    try:
        ok = boss.assign_task("job", [])
        got = reports(boss, ok.task_id, "completed")
        assert [(c["status"], c.get("completion_percentage")) for c in got] == \
            [("in_progress", 0), ("in_progress", 25), ("in_progress", 75), ("completed", 100)]
        assert got[2]["stage"] == "almost"
        bad = boss.assign_task("job", [], parameters={"fail": "this"}, max_retries=0)
        got = reports(boss, bad.task_id, "failed")
        assert got[-1]["error"] == {"message": "cannot do this", "type": "ValueError"}
        task = wait_until(lambda: (lambda t: t if t["state"] == "failed" else None)(boss.task(bad.task_id)), 5,
                          what="failed task")
        assert task["error"] == {"message": "cannot do this", "type": "ValueError"}
        # The worker counts a report once agentd has answered its send, and agentd answers a
        # report's send once the task is updated: the task may show "failed" a moment first.
        want = {"completed": 1, "failed": 1, "cancelled": 0, "stale_lease": 0, "other_messages": 0}
        assert wait_until(lambda: w.stats == want, 5, what="worker stats %r" % want)
    finally:
        w.stop()


def test_concurrency_runs_tasks_in_parallel_and_sequential_mode_does_not(agentd):
    boss = boss_of(agentd)
    running, peak = [0], [0]
    lock = threading.Lock()

    def handler(task):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.4)
        with lock:
            running[0] -= 1
        return task.parameters["i"]

    par = Worker("w-par", handler, host=agentd.host, port=agentd.port, capabilities=["par"], concurrency=3).start()
    seq = Worker("w-seq", handler, host=agentd.host, port=agentd.port, capabilities=["seq"], concurrency=1,
                 max_concurrent_tasks=3).start()
    try:
        ids = [boss.assign_task("t", ["par"], parameters={"i": i}).task_id for i in range(3)]
        for tid in ids:
            wait_until(lambda: boss.task(tid)["state"] == "completed", 10, what="parallel task")
        assert peak[0] == 3
        peak[0] = 0
        ids = [boss.assign_task("t", ["seq"], parameters={"i": i}).task_id for i in range(3)]
        t0 = time.monotonic()
        for tid in ids:
            wait_until(lambda: boss.task(tid)["state"] == "completed", 10, what="sequential task")
        assert peak[0] == 1 and time.monotonic() - t0 >= 1.1
        assert sorted(boss.task(t)["result"] for t in ids) == [0, 1, 2]
    finally:
        par.stop()
        seq.stop()


def test_cancel_sets_the_flag_and_nothing_is_reported(agentd):
    boss = boss_of(agentd)
    entered = threading.Event()

    def handler(task):
        entered.set()
        assert task.cancelled.wait(10)
        return "too late"

    w = Worker("w-1", handler, host=agentd.host, port=agentd.port).start()
    try:
        res = boss.assign_task("slow", [])
        assert entered.wait(5)
        assert boss.cancel_task(res.task_id)["state"] == "cancelled"
        wait_until(lambda: w.stats["cancelled"] == 1, 5, what="handler saw the cancel")
        wait_until(lambda: w.client.stats()["queues"]["in_flight"] == 0, 5, what="acks")
        got = [m["content"] for m in boss.fetch(limit=100, wait_ms=300)]
        assert [c["status"] for c in got if c.get("task_id") == res.task_id] == ["in_progress"]
        assert boss.task(res.task_id)["state"] == "cancelled"
    finally:
        w.stop()


def test_heartbeats_report_busy_while_a_task_runs(agentd):
    boss = boss_of(agentd)
    release = threading.Event()
    w = Worker("w-1", lambda t: release.wait(10), host=agentd.host, port=agentd.port, heartbeat_interval=0.2).start()
    try:
        def status():
            return [a for a in boss.agents() if a["agent_id"] == "w-1"][0]["status"]

        first_beat = [a for a in boss.agents() if a["agent_id"] == "w-1"][0]["last_heartbeat"]
        res = boss.assign_task("x", [])
        assert wait_until(lambda: status() == "busy", 5, what="busy heartbeat")
        release.set()
        wait_until(lambda: boss.task(res.task_id)["state"] == "completed", 5, what="completed")
        assert wait_until(lambda: status() == "active", 5, what="active heartbeat")
        last = [a for a in boss.agents() if a["agent_id"] == "w-1"][0]["last_heartbeat"]
        assert last > first_beat
    finally:
        w.stop()


def test_stop_drains_running_tasks_before_closing(agentd):
    boss = boss_of(agentd)
    entered = threading.Event()

    def handler(task):
        entered.set()
        time.sleep(0.5)
        return "finished during stop"

    w = Worker("w-1", handler, host=agentd.host, port=agentd.port).start()
    res = boss.assign_task("x", [])
    assert entered.wait(5)
    w.stop(timeout=10)
    assert not w.client.is_connected()
    assert boss.task(res.task_id)["state"] == "completed"
    info = [a for a in boss.agents() if a["agent_id"] == "w-1"][0]
    assert info["status"] == "draining"  # agentd assigns it nothing more
    pending = boss.assign_task("y", [])
    assert pending.state == "pending"
    assert boss.stats()["queues"]["in_flight"] == 0


def test_a_worker_process_killed_mid_task_gets_the_task_again(agentd):
    boss = boss_of(agentd)
    env = dict(os.environ)
    env["PYTHONPATH"] = HERE + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.Popen([sys.executable, os.path.join(HERE, "worker_proc.py"), agentd.host, str(agentd.port),
                             "w-crash"], stdout=subprocess.PIPE, env=env, text=True)
    try:
        wait_until(lambda: any(a["agent_id"] == "w-crash" for a in boss.agents()), 15, what="worker registered")
        res = boss.assign_task("fragile", ["crashy"])
        assert res.assigned_to == "w-crash"
        line = proc.stdout.readline().split()
        assert line == ["started", res.task_id, "1"]
        assert wait_until(lambda: boss.task(res.task_id)["state"] == "in_progress", 5, what="in_progress")
        proc.kill()  # dies mid-task: the task_request was never acked
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)

    attempts = []

    def handler(task):
        attempts.append(task.attempt)
        return {"survived": True}

    w = Worker("w-crash", handler, host=agentd.host, port=agentd.port, capabilities=["crashy"]).start()
    try:
        assert wait_until(lambda: boss.task(res.task_id)["state"] == "completed", 10, what="completed after crash")
        assert attempts == [2]  # the same task_request, delivered again
        task = boss.task(res.task_id)
        assert task["result"] == {"survived": True} and task["attempts"] == 1 and task["assigned_to"] == "w-crash"
        assert wait_until(lambda: boss.stats()["queues"]["in_flight"] == 0, 5, what="acked")
    finally:
        w.stop()


def test_heartbeats_keep_an_idle_worker_online(agentd_factory):
    agentd = agentd_factory({"AGENTD_HEARTBEAT_INTERVAL_MS": "300", "AGENTD_HEARTBEAT_TIMEOUT_MS": "900"})
    boss = boss_of(agentd)
    quiet = agentd.client("quiet")
    quiet.register("worker", [])
    w = Worker("w-1", lambda t: "ok", host=agentd.host, port=agentd.port, heartbeat_interval=0.2).start()
    try:
        time.sleep(2.0)
        status = {a["agent_id"]: a["status"] for a in boss.agents()}
        assert status["w-1"] == "active" and status["quiet"] == "offline"
        res = boss.assign_task("x", [])
        assert res.assigned_to == "w-1"
        wait_until(lambda: boss.task(res.task_id)["state"] == "completed", 5, what="completed")
    finally:
        w.stop()


def test_a_result_that_is_not_json_is_reported_as_a_failure(agentd):
    boss = boss_of(agentd)
    w = Worker("w-1", lambda t: {"when": object()}, host=agentd.host, port=agentd.port).start()
    try:
        res = boss.assign_task("x", [], max_retries=0)
        got = reports(boss, res.task_id, "failed")
        assert got[-1]["error"]["type"] == "TypeError" and "not JSON" in got[-1]["error"]["message"]
        wait_until(lambda: boss.task(res.task_id)["state"] == "failed", 5, what="failed")
        wait_until(lambda: boss.stats()["queues"]["in_flight"] == 0, 5, what="task_request acked")
    finally:
        w.stop()
