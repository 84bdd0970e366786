#!/usr/bin/env python3
"""A daemon dies; its agents move on.

Two workers and a supervisor, each given both daemons as its server list (the workers start
on daemon B, the supervisor on A). The supervisor assigns four tasks; while the workers are
busy, daemon B is killed with SIGKILL. The workers move to daemon A by themselves, say hello
again, subscribe again, and finish their tasks there: every task completes once.
usage: failover.py PORT_A PORT_B PID_B
"""
import os
import signal
import sys
import threading
import time

from agentd_client import Client, Worker


def say(who, text):
    print(f"  {who:>9} | {text}", flush=True)


def main():
    port_a, port_b, pid_b = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    a, b = f"127.0.0.1:{port_a}", f"127.0.0.1:{port_b}"
    print("agentd failover: daemon B is killed under two busy workers\n")
    started = threading.Event()

    def work(task):
        started.set()
        time.sleep(1.5)
        return {"output": f"{task.task_type} done"}

    workers = [Worker(name, work, capabilities=["batch"], servers=[b, a], heartbeat_interval=0.5).start()
               for name in ("w-1", "w-2")]
    for w in workers:
        say(w.agent_id, f"connected to daemon B ({w.client.server}); its list: B, A")
    boss = Client(servers=[a, b], agent_id="boss-2").connect()
    boss.register("supervisor")
    print("\n1. the supervisor (on daemon A) assigns four tasks")
    ids = [boss.assign_task("batch", ["batch"], parameters={"n": n}, timeout_ms=30000).task_id for n in range(4)]
    say("boss-2", f"assigned {', '.join(ids)}")
    started.wait(10)
    print("\n2. kill -9 daemon B while the workers are busy")
    os.kill(pid_b, signal.SIGKILL)
    t0 = time.monotonic()
    say("demo", f"daemon B (pid {pid_b}) killed")
    moved = set()
    while len(moved) < len(workers) and time.monotonic() - t0 < 15:
        for w in workers:
            if w.agent_id not in moved and w.client.server == a and w.client.is_connected():
                moved.add(w.agent_id)
                say(w.agent_id, f"now on daemon A ({a}), {time.monotonic() - t0:.2f} s after the kill")
        time.sleep(0.05)

    print("\n3. every task completes once, on the surviving daemon")
    end = time.monotonic() + 40
    while time.monotonic() < end:
        states = [boss.task(t)["state"] for t in ids]
        if all(s == "completed" for s in states):
            break
        time.sleep(0.2)
    for t in ids:
        task = boss.task(t)
        done = sum(1 for h in task["history"] if h["event"] == "completed")
        say("boss-2", f"{t}: {task['state']} (completed {done}x, attempts {task['attempts']})")
    server = boss.stats()["server"]
    say("agentd", f"daemon {server['daemon_id']} answers; live daemons now: {', '.join(server['live_daemons'])}")
    for w in workers:
        w.stop(timeout=10)
    boss.close()
    print("\nfailover finished.")


if __name__ == "__main__":
    main()
