"""The load of scripts/chaos.sh, and its verdict.

Runs for --duration seconds against the daemons in --servers (a comma list), every client
with the whole list so that it moves on when its daemon dies:
  - two Python senders and one Swift sender (`agentctl send`, one process per message), each
    message with its own message_id, retried with the same id until answered ok;
  - three receivers of the same agent: a Python subscriber (push), a Python fetcher and a
    Swift `agentctl tail --json` (push), all acking what they got;
  - a Python supervisor assigning a task every 0.3 s, and two Python `Worker`s running them.
Then it waits (bounded) for everything answered ok to arrive, and counts from the clients'
own records: sent ok, delivered, lost, duplicates (each must have attempt > 1), and tasks
completed exactly once per task_id. Prints the figures as one JSON line and exits 1 if
anything acknowledged was lost, a duplicate came with attempt 1, or a task did not complete
exactly once.
"""

import argparse
import collections
import json
import os
import subprocess
import sys
import threading
import time

from agentd_client import AgentdError, Client, Worker

SINK = "chaos-rx"


def now():
    return time.monotonic()


class Record:
    """What the clients saw, shared by their threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.sent_ok = set()          # message ids answered ok
        self.deliveries = []          # (message_id, attempt, receiver)
        self.send_retries = 0
        self.errors = collections.Counter()

    def delivered(self, mid, attempt, who):
        with self.lock:
            self.deliveries.append((mid, attempt, who))

    def error(self, what):
        with self.lock:
            self.errors[what] += 1


def py_sender(rec, servers, name, stop):
    c = Client(servers=servers, agent_id=name, read_timeout=10).connect()
    k = 0
    while not stop.is_set():
        mid = "%s-%d" % (name, k)
        end = now() + 60
        while now() < end:
            try:
                c.send(SINK, {"k": k}, message_id=mid)
                with rec.lock:
                    rec.sent_ok.add(mid)
                break
            except AgentdError as e:
                rec.error("%s: %s" % (name, type(e).__name__))
                with rec.lock:
                    rec.send_retries += 1
                time.sleep(0.05)
        k += 1
        time.sleep(0.01)
    c.close()


def swift_sender(rec, servers, agentctl, stop):
    k = 0
    while not stop.is_set():
        mid = "swift-tx-%d" % k
        end = now() + 60
        while now() < end:
            p = subprocess.run([agentctl, "send", SINK, "--server", ",".join(servers), "--agent", "swift-tx",
                                "--message-id", mid, "--content", json.dumps({"k": k}), "--json"],
                               capture_output=True, text=True, timeout=60)
            if p.returncode == 0:
                with rec.lock:
                    rec.sent_ok.add(mid)
                break
            rec.error("swift-tx: exit %d" % p.returncode)
            with rec.lock:
                rec.send_retries += 1
            time.sleep(0.1)
        k += 1
        time.sleep(0.1)


def py_pusher(rec, servers, stop):
    c = Client(servers=servers, agent_id=SINK, read_timeout=10).connect()
    c.subscribe(prefetch=50)
    while not stop.is_set():
        m = c.next_message(timeout=0.2)
        if m is None:
            continue
        rec.delivered(m["message_id"], m["delivery"]["attempt"], "py-push")
        try:
            c.ack([m["message_id"]])
        except AgentdError as e:
            rec.error("py-push ack: %s" % type(e).__name__)
    c.close()


def py_fetcher(rec, servers, stop):
    c = Client(servers=servers, agent_id=SINK, read_timeout=10).connect()
    while not stop.is_set():
        try:
            ms = c.fetch(limit=50, wait_ms=200)
        except AgentdError as e:
            rec.error("py-fetch: %s" % type(e).__name__)
            time.sleep(0.05)
            continue
        for m in ms:
            rec.delivered(m["message_id"], m["delivery"]["attempt"], "py-fetch")
        if ms:
            try:
                c.ack([m["message_id"] for m in ms])
            except AgentdError as e:
                rec.error("py-fetch ack: %s" % type(e).__name__)
    c.close()


def swift_tail(rec, servers, agentctl, stop):
    p = subprocess.Popen([agentctl, "tail", "--agent", SINK, "--server", ",".join(servers), "--json"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)

    def read():
        assert p.stdout is not None
        for line in p.stdout:
            try:
                m = json.loads(line)
            except ValueError:
                continue
            m = m.get("message", m)
            if "message_id" in m:
                rec.delivered(m["message_id"], (m.get("delivery") or {}).get("attempt", 1), "swift-tail")
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    stop.wait()
    p.terminate()
    try:
        p.wait(10)
    except subprocess.TimeoutExpired:
        p.kill()
    reader.join(5)
    if p.returncode not in (0, -15):
        rec.error("swift-tail: exit %s" % p.returncode)


class Tasks:
    def __init__(self):
        self.lock = threading.Lock()
        self.assigned = []                       # task ids
        self.runs = collections.Counter()        # task id -> handler runs

    def handler(self, task):
        with self.lock:
            self.runs[task.task_id] += 1
        time.sleep(0.1)
        return {"done": task.parameters.get("k")}


def supervisor(tasks, rec, servers, stop):
    c = Client(servers=servers, agent_id="chaos-boss", read_timeout=10).connect()
    c.register("supervisor")
    k = 0
    while not stop.is_set():
        try:
            r = c.assign_task("chaos", ["chaos"], parameters={"k": k}, timeout_ms=60000, max_retries=5)
            with tasks.lock:
                tasks.assigned.append(r.task_id)
            k += 1
        except AgentdError as e:
            rec.error("assign: %s" % type(e).__name__)
        time.sleep(0.3)
    return c


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--servers", required=True)
    ap.add_argument("--duration", type=float, default=60)
    ap.add_argument("--agentctl", required=True)
    ap.add_argument("--settle", type=float, default=40, help="longest wait for stragglers")
    args = ap.parse_args()
    servers = args.servers.split(",")
    rec, tasks = Record(), Tasks()
    stop_send, stop_recv = threading.Event(), threading.Event()
    workers = [Worker("chaos-worker-%d" % i, tasks.handler, capabilities=["chaos"], servers=servers,
                      concurrency=2, heartbeat_interval=1.0, read_timeout=10).start() for i in range(2)]
    receivers = [threading.Thread(target=f, args=a, daemon=True) for f, a in (
        (py_pusher, (rec, servers, stop_recv)),
        (py_fetcher, (rec, servers, stop_recv)),
        (swift_tail, (rec, servers, args.agentctl, stop_recv)))]
    senders = [threading.Thread(target=py_sender, args=(rec, servers, "py-tx-%d" % i, stop_send), daemon=True) for i in range(2)]
    senders.append(threading.Thread(target=swift_sender, args=(rec, servers, args.agentctl, stop_send), daemon=True))
    boss = threading.Thread(target=supervisor, args=(tasks, rec, servers, stop_send), daemon=True)
    for t in receivers + senders + [boss]:
        t.start()
    time.sleep(args.duration)
    stop_send.set()
    for t in senders + [boss]:
        t.join(90)
    # Stragglers: what was answered ok must arrive; tasks must end.
    end = now() + args.settle
    # As the supervisor: a task is visible to its supervisor (and its assignee).
    checker = Client(servers=servers, agent_id="chaos-boss", read_timeout=10).connect()

    def open_tasks():
        left = []
        for tid in list(tasks.assigned):
            try:
                if checker.task(tid)["state"] not in ("completed", "failed", "timed_out", "cancelled"):
                    left.append(tid)
            except AgentdError:
                left.append(tid)
        return left
    while now() < end:
        with rec.lock:
            got = {mid for mid, _, _ in rec.deliveries}
            missing = rec.sent_ok - got
        if not missing and not open_tasks():
            break
        time.sleep(0.5)
    time.sleep(1.0)  # late duplicates would show now
    stop_recv.set()
    for t in receivers:
        t.join(20)
    for w in workers:
        w.stop(timeout=10)

    by_id = collections.defaultdict(list)
    for mid, attempt, who in rec.deliveries:
        by_id[mid].append(attempt)
    dups = sum(len(a) - 1 for a in by_id.values())
    dup_attempt1 = sum(1 for a in by_id.values() for x in sorted(a)[1:] if x <= 1)
    states = collections.Counter()
    completed_once = not_once = 0
    for tid in tasks.assigned:
        try:
            t = checker.task(tid)
        except AgentdError:
            states["unknown"] += 1
            not_once += 1
            continue
        states[t["state"]] += 1
        completions = sum(1 for h in t.get("history", []) if h.get("event") == "completed")
        if t["state"] == "completed" and completions == 1:
            completed_once += 1
        else:
            not_once += 1
    checker.close()
    ran_twice = sum(1 for n in tasks.runs.values() if n > 1)
    figures = collections.OrderedDict([
        ("sent_ok", len(rec.sent_ok)),
        ("send_retries", rec.send_retries),
        ("delivered", len(set(by_id) & rec.sent_ok)),
        ("deliveries", len(rec.deliveries)),
        ("lost", len(rec.sent_ok - set(by_id))),
        ("duplicates", dups),
        ("duplicates_with_attempt_1", dup_attempt1),
        ("tasks_assigned", len(tasks.assigned)),
        ("tasks_completed_once", completed_once),
        ("tasks_not_completed_once", not_once),
        ("task_states", dict(states)),
        ("handler_ran_twice", ran_twice),
        ("client_errors", dict(rec.errors.most_common(8))),
    ])
    print(json.dumps(figures))
    ok = figures["lost"] == 0 and dup_attempt1 == 0 and not_once == 0 and len(rec.sent_ok) > 0
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
