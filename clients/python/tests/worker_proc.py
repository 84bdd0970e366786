"""A worker process for the crash test: it reports progress, then hangs in the handler
until it is killed. Prints "started <task_id> <attempt>" when the handler runs.

    python worker_proc.py HOST PORT AGENT_ID
"""

import sys
import threading

from agentd_client import Worker


def handler(task):
    task.progress(30, note="halfway there, then the process dies")
    print("started %s %d" % (task.task_id, task.attempt), flush=True)
    threading.Event().wait()  # never returns: the test kills this process


def main():
    host, port, agent_id = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    Worker(agent_id, handler, capabilities=["crashy"], host=host, port=port, heartbeat_interval=0.5).start()
    threading.Event().wait()


if __name__ == "__main__":
    main()
