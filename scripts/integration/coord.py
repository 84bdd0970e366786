"""Helpers for the registry and coordination tests (tests_07_*, tests_08_*).

    from coord import *
    boss = agent("boss", "supervisor")
    w = agent("w1", "worker", ["gpu"], max_tasks=2)
    tid = boss.call("assign_task", task_type="t", required_capabilities=["gpu"])["task_id"]
    req = task_requests(w, 1)[0]
    report(w, "boss", tid, "completed", result={"ok": 1})
    wait_state(boss, tid, "completed")

Every wait is bounded; `keep` lists connections to ping while waiting, so agents that
must stay alive under a short heartbeat timeout keep sending frames.
"""

import time

from wire import Conn, fetch_until


def agent(name, role="worker", caps=(), max_tasks=1, **fields):
    """A connection that said hello as `name` and registered with `role`."""
    c = Conn()
    c.hello(name)
    c.info = c.call("register", role=role, capabilities=list(caps),
                    max_concurrent_tasks=max_tasks, **fields)["agent"]
    return c


def ping_all(conns):
    for c in conns:
        c.call("ping")


def wait_for(what, probe, timeout=5.0, every=0.05, keep=()):
    """Call `probe` until it returns something truthy (returned) or `timeout` s pass."""
    end = time.monotonic() + timeout
    last = None
    while True:
        ping_all(keep)
        last = probe()
        if last:
            return last
        if time.monotonic() >= end:
            raise AssertionError("waited %.1f s for %s; last probe: %r" % (timeout, what, last))
        time.sleep(every)


def task(conn, task_id):
    return conn.call("task", task_id=task_id)["task"]


def events(t):
    """The history of a TaskInfo as (event, agent_id) pairs."""
    return [(h["event"], h["agent_id"]) for h in t["history"]]


def event_names(t):
    return [h["event"] for h in t["history"]]


def wait_state(conn, task_id, state, timeout=5.0, keep=()):
    """Poll `task` until the task is in `state`; returns the TaskInfo."""
    seen = {}

    def probe():
        t = task(conn, task_id)
        seen["t"] = t
        return t if t["state"] == state else None

    try:
        return wait_for("task %s to be %s" % (task_id, state), probe, timeout, keep=keep)
    except AssertionError:
        raise AssertionError("task %s not %s within %.1f s; last seen: %r"
                             % (task_id, state, timeout, seen.get("t")))


def wait_assigned_to(conn, task_id, agent_id, timeout=5.0, keep=()):
    seen = {}

    def probe():
        t = task(conn, task_id)
        seen["t"] = t
        return t if t["state"] == "assigned" and t["assigned_to"] == agent_id else None

    try:
        return wait_for("task %s assigned to %s" % (task_id, agent_id), probe, timeout, keep=keep)
    except AssertionError:
        raise AssertionError("task %s not assigned to %s within %.1f s; last seen: %r"
                             % (task_id, agent_id, timeout, seen.get("t")))


def task_requests(conn, want=1, timeout=5.0, ack=True):
    """Fetch until `want` task_request messages arrived (others are acked and dropped)."""
    got = []
    end = time.monotonic() + timeout
    while len(got) < want and time.monotonic() < end:
        left = max(0.05, end - time.monotonic())
        batch = fetch_until(conn, 1, deadline_s=min(left, 1.0))
        if ack and batch:
            conn.call("ack", message_ids=[m["message_id"] for m in batch])
        got.extend(m for m in batch if m["message_type"] == "task_request")
    assert len(got) >= want, "expected %d task_request message(s) within %.1f s, got %r" % (want, timeout, got)
    return got


def messages(conn, want, timeout=5.0, ack=True):
    """Fetch until `want` messages of any type arrived."""
    got = fetch_until(conn, want, deadline_s=timeout)
    if ack and got:
        conn.call("ack", message_ids=[m["message_id"] for m in got])
    return got


def report(conn, supervisor, task_id, status, message_type="task_response", **extra):
    content = {"task_id": task_id, "status": status}
    content.update(extra)
    return conn.send(supervisor, content, message_type=message_type)["message_id"]


def agent_info(conn, agent_id):
    """The AgentInfo of `agent_id` from `agents` (None when not listed)."""
    for a in conn.call("agents", limit=1000)["agents"]:
        if a["agent_id"] == agent_id:
            return a
    return None


def assign(conn, task_type="job", caps=(), **fields):
    return conn.call("assign_task", task_type=task_type, required_capabilities=list(caps), **fields)
