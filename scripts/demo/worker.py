#!/usr/bin/env python3
"""A demo worker: registers with capabilities, takes task_requests, reports progress and results.

usage: worker.py PORT AGENT_ID CAPABILITY[,CAPABILITY...] SECONDS_PER_TASK
"""
import sys
import threading
import time

from agent import Agent


def main():
    port, agent_id, caps, seconds = int(sys.argv[1]), sys.argv[2], sys.argv[3].split(","), float(sys.argv[4])
    agent = Agent(port, agent_id)
    agent.request("register", role="worker", capabilities=caps, max_concurrent_tasks=1)
    agent.request("subscribe", prefetch=10)

    def heartbeat():
        while True:
            time.sleep(0.5)
            agent.request("heartbeat")

    threading.Thread(target=heartbeat, daemon=True).start()
    while True:
        message = agent.next_event()
        if message["message_type"] != "task_request":
            agent.request("ack", message_ids=[message["message_id"]])
            continue
        task = message["content"]
        supervisor = message["from_agent"]
        agent.send(supervisor, "task_response", {"task_id": task["task_id"], "status": "in_progress",
                                                 "completion_percentage": 10})
        print(f"  {agent_id:>9} | working on {task['task_type']} ({task['task_id']})", flush=True)
        time.sleep(seconds)
        result = {"by": agent_id, "output": f"{task['task_type']} of {task['parameters'].get('input', '?')} done"}
        agent.send(supervisor, "task_response", {"task_id": task["task_id"], "status": "completed", "result": result})
        agent.request("ack", message_ids=[message["message_id"]])


if __name__ == "__main__":
    main()
