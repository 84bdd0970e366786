#!/usr/bin/env python3
"""A demo worker on the Python client's Worker: registers with capabilities, takes
task_requests, reports progress and results, heartbeats, acks after each task.

usage: worker.py PORT AGENT_ID CAPABILITY[,CAPABILITY...] SECONDS_PER_TASK
"""
import sys
import threading
import time

from agentd_client import Worker


def main():
    port, agent_id, caps, seconds = int(sys.argv[1]), sys.argv[2], sys.argv[3].split(","), float(sys.argv[4])

    def work(task):
        task.progress(10)
        print(f"  {agent_id:>9} | working on {task.task_type} ({task.task_id})", flush=True)
        time.sleep(seconds)
        return {"by": agent_id, "output": f"{task.task_type} of {task.parameters.get('input', '?')} done"}

    Worker(agent_id, work, capabilities=caps, port=port, heartbeat_interval=0.5).start()
    threading.Event().wait()   # until the story kills this process


if __name__ == "__main__":
    main()
