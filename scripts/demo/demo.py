#!/usr/bin/env python3
"""A short story told through agentd with the Python client (clients/python).

Two agents: `planner` hands out work, `worker-1` does it. They are connected to two
different daemons of one system (usage: demo.py PORT_A [PORT_B]): every message crosses from
one daemon to the other through Redis.
  1. worker-1 is busy, so the planner queues four jobs of different priorities.
  2. worker-1 fetches them: highest priority first, whatever the order they were sent in.
  3. worker-1 acks each and reports back with a task_response.
  4. The planner, subscribed, gets the reports pushed to it, and acks them.
  5. A job that worker-1 nacks comes back with attempt 2.
  6. The broker's stats close the story.
"""
import sys

from agentd_client import connect


def agent(port, agent_id, daemon):
    """A connection to daemon `daemon` (on `port`) that said hello as `agent_id`."""
    client = connect("127.0.0.1", port, agent_id)
    say(agent_id, f"hello -> daemon {daemon} ({client.server}), agent {client.agent_id}")
    return client


def say(who, text):
    print(f"  {who:>9} | {text}", flush=True)


def main():
    port_a = int(sys.argv[1])
    port_b = int(sys.argv[2]) if len(sys.argv) > 2 else port_a
    print("agentd demo: two agents on two daemons, prioritised messages, acks\n")
    planner = agent(port_a, "planner", "A")
    worker = agent(port_b, "worker-1", "B" if port_b != port_a else "A")

    print("\n1. planner queues four jobs (sent low → critical)")
    for prio, job in [("low", "tidy the logs"), ("medium", "summarise inbox"),
                      ("high", "answer customer"), ("critical", "stop the leak")]:
        reply = planner.request("send", message={
            "to_agent": "worker-1", "message_type": "task_request", "priority": prio,
            "content": {"job": job}})
        say("planner", f"send {prio:<8} {job!r:<20} -> stored as {reply['message_id']}")

    print("\n2. worker-1 fetches on daemon B what was sent through daemon A, by priority")
    jobs = worker.request("fetch", limit=10)["messages"]
    for m in jobs:
        say("worker-1", f"got {m['priority']:<8} {m['content']['job']!r:<20} attempt {m['delivery']['attempt']}")

    print("\n3. planner subscribes; worker-1 does the jobs, acks them and reports")
    planner.request("subscribe", prefetch=10)
    done = [m for m in jobs if m["priority"] != "low"]
    for m in done:
        worker.request("send", message={
            "to_agent": "planner", "message_type": "task_response", "priority": m["priority"],
            "correlation_id": m["message_id"],
            "content": {"job": m["content"]["job"], "status": "completed"}})
    acked = worker.request("ack", message_ids=[m["message_id"] for m in done])["acked"]
    say("worker-1", f"acked {acked} jobs")

    print("\n4. the reports are pushed to the planner, which acks them")
    for _ in done:
        event = planner.next_message(timeout=10)
        say("planner", f"pushed: {event['content']['job']!r} {event['content']['status']} "
                       f"(re {event['correlation_id']})")
        planner.request("ack", message_ids=[event["message_id"]])

    print("\n5. worker-1 cannot do the low-priority job now: nack, and it comes back")
    low = [m for m in jobs if m["priority"] == "low"][0]
    worker.request("nack", message_ids=[low["message_id"]])
    again = worker.request("fetch", limit=1, wait_ms=2000)["messages"][0]
    say("worker-1", f"got {again['content']['job']!r} again, attempt {again['delivery']['attempt']}; ack")
    worker.request("ack", message_ids=[again["message_id"]])

    print("\n6. stats")
    stats = planner.request("stats")
    q = stats["queues"]
    say("agentd", f"sent {q['sent_total']}, delivered {q['delivered_total']}, acked {q['acked_total']}, "
                  f"pending {q['pending']}, in flight {q['in_flight']}, dead {q['dead_letters']}")
    server = stats["server"]
    say("agentd", f"backend {server['backend']}, answered by daemon {server['daemon_id']}, "
                  f"live daemons {', '.join(server['live_daemons'])}")
    planner.request("bye")
    worker.request("bye")
    print("\ndemo finished.")


if __name__ == "__main__":
    main()
