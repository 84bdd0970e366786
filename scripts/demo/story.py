#!/usr/bin/env python3
"""The original design's story, on agentd: a supervisor and three workers.

The supervisor assigns tasks by capability; workers report progress and results; one worker
is killed mid-task (kill -9) and, once the heartbeat sweeper notices its silence, its task is
reassigned to another capable worker and completed there. The story ends with the stats.
usage: story.py PORT
"""
import os
import signal
import subprocess
import sys
import time

from agentd_client import connect

HERE = os.path.dirname(os.path.abspath(__file__))


def say(who, text):
    print(f"  {who:>9} | {text}", flush=True)


def main():
    port = int(sys.argv[1])
    print("agentd story: a supervisor, three workers, and one that dies mid-task\n")
    boss = connect("127.0.0.1", port, "boss")
    boss.request("register", role="supervisor", capabilities=[])
    boss.request("subscribe", prefetch=100)

    workers = {}
    for name, caps, secs in [("w-nlp", "nlp", 4.0), ("w-code", "code", 0.5), ("w-both", "nlp,code", 0.5)]:
        workers[name] = subprocess.Popen([sys.executable, os.path.join(HERE, "worker.py"), str(port), name, caps, str(secs)])
    for _ in range(50):
        agents = boss.request("agents", role="worker")["agents"]
        if len(agents) == 3:
            break
        time.sleep(0.1)
    for a in agents:
        say("boss", f"sees {a['agent_id']:<7} capabilities {a['capabilities']} load {a['current_tasks']}/{a['max_concurrent_tasks']}")

    print("\n1. the supervisor assigns four tasks")
    tasks = {}
    for kind, caps, arg in [("summarise", ["nlp"], "report.txt"), ("refactor", ["code"], "main.swift"),
                            ("translate", ["nlp"], "faq.md"), ("review", ["code"], "pr-42")]:
        reply = boss.request("assign_task", task_type=kind, required_capabilities=caps,
                             parameters={"input": arg}, timeout_ms=20000, max_retries=2)
        tasks[reply["task_id"]] = kind
        say("boss", f"assign {kind:<9} needs {caps} -> {reply['state']} to {reply['assigned_to']}")

    print("\n2. workers report; w-nlp is killed (kill -9) while it works")
    killed = False
    done = set()
    deadline = time.time() + 40
    while len(done) < len(tasks) and time.time() < deadline:
        message = boss.next_message(timeout=60)
        boss.request("ack", message_ids=[message["message_id"]])
        content = message["content"]
        if message["message_type"] == "task_response":
            status = content["status"]
            say("boss", f"{message['from_agent']:<7} says {tasks.get(content['task_id'], '?'):<9} {status}"
                        + (f": {content['result']['output']}" if status == "completed" else ""))
            if status == "completed":
                done.add(content["task_id"])
            if status == "in_progress" and message["from_agent"] == "w-nlp" and not killed:
                workers["w-nlp"].send_signal(signal.SIGKILL)
                killed = True
                say("demo", "kill -9 w-nlp — its task waits for the sweeper to notice the silence")
        elif message["message_type"] == "error_report":
            say("boss", f"error report: {content}")
            done.add(content.get("task_id"))

    print("\n3. what happened to each task")
    for task_id, kind in tasks.items():
        task = boss.request("task", task_id=task_id)["task"]
        trail = " → ".join(f"{h['event']}({h['agent_id']})" if h["agent_id"] else h["event"] for h in task["history"])
        say("boss", f"{kind:<9} {task['state']:<9} attempts {task['attempts']}: {trail}")

    print("\n4. stats")
    stats = boss.request("stats")
    q, r, c = stats["queues"], stats["registry"], stats["coordination"]
    say("agentd", f"messages: sent {q['sent_total']}, delivered {q['delivered_total']}, acked {q['acked_total']}")
    say("agentd", f"agents: {r['total_agents']} registered, {r['active_agents']} active, {r['offline_agents']} offline")
    say("agentd", f"tasks: {c['tasks_total']} total, {c['completed']} completed, {c['failed']} failed, "
                  f"completion rate {c['completion_rate']:.2f}")
    for proc in workers.values():
        if proc.poll() is None:
            proc.terminate()
    print("\nstory finished.")


if __name__ == "__main__":
    main()
