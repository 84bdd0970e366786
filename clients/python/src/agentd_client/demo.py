"""The original library's ``python demo.py``: ``python -m agentd_client.demo``.

A supervisor assigns three tasks, two workers written the old way (a loop over
``get_messages`` / ``send_message`` / ``mark_processed``) complete them, and the monitoring
figures are printed. It goes where the environment says: agentd at
``AGENTD_HOST``/``AGENTD_PORT`` (default 127.0.0.1:7420), or the in-process mock with
``AGENT_COMMUNICATION_MODE=mock`` (``AGENTD_MOCK_MODE=1``), as the original's did.
"""

import sys
import threading
import time
from typing import List, Optional, Sequence

from .agent_registry import AgentRegistry
from .message_protocol import AgentMessage, AgentRole, MessagePriority, MessageType
from .queue_manager import MessageQueueManager
from .supervisor_coordinator import SupervisorCoordinator


def _worker(agent_id: str, ready: threading.Event, stop: threading.Event) -> None:
    queue = MessageQueueManager(agent_id=agent_id)
    registry = AgentRegistry(queue_manager=queue)
    registry.register_agent(agent_id, AgentRole.WORKER, ["python", "text_analysis"], max_concurrent_tasks=2)
    ready.set()
    try:
        while not stop.is_set():
            for msg in queue.get_messages(agent_id, limit=5, timeout=0.2):
                if msg.message_type is MessageType.TASK_REQUEST:
                    text = str(msg.content.get("parameters", {}).get("text", ""))
                    queue.send_message(AgentMessage(
                        from_agent=agent_id, to_agent=msg.from_agent, message_type=MessageType.TASK_RESPONSE,
                        content={"task_id": msg.content["task_id"], "status": "completed",
                                 "result": {"words": len(text.split()), "by": agent_id},
                                 "completion_percentage": 100}))
                queue.mark_processed(msg.message_id, agent_id)
            registry.update_heartbeat(agent_id, status="active")
    finally:
        queue.close()


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the demo; 0 when every task completed."""
    supervisor = SupervisorCoordinator("demo-supervisor")
    mode = "mock" if supervisor.queue_manager.mock_mode else "agentd at %s:%d" % (
        supervisor.queue_manager.host, supervisor.queue_manager.port)
    print("Agent communication demo (%s)" % mode)
    stop = threading.Event()
    threads: List[threading.Thread] = []
    for name in ("demo-worker-1", "demo-worker-2"):
        ready = threading.Event()
        thread = threading.Thread(target=_worker, args=(name, ready, stop), daemon=True)
        thread.start()
        ready.wait(10)
        threads.append(thread)
    try:
        texts = ["agents talk through agentd", "one two three", "hello world"]
        task_ids: List[str] = []
        for text in texts:
            task_id = supervisor.assign_task("word_count", "count the words", {"text": text}, ["text_analysis"],
                                             priority=MessagePriority.HIGH)
            if task_id is None:
                print("Task refused by agentd")
                return 1
            print("Task assigned: %s" % task_id)
            task_ids.append(task_id)
        deadline = time.monotonic() + 30
        while supervisor.active_tasks and time.monotonic() < deadline:
            supervisor.process_incoming_messages(max_messages=20, timeout=0.2)
        for task_id in task_ids:
            record = supervisor.finished_tasks.get(task_id) or supervisor.active_tasks[task_id]
            print("%s: %s %s" % (task_id, record.status, record.result))
        stats = supervisor.get_coordination_stats()
        print("Messages per minute: %s" % supervisor.queue_manager.get_queue_stats()["messages_per_minute"])
        print("Agents registered: %s" % supervisor.agent_registry.get_registry_stats()["total_agents"])
        print("Completion rate: %.2f" % stats["completion_rate"])
        return 0 if stats["tasks_completed"] == len(task_ids) else 1
    finally:
        stop.set()
        for thread in threads:
            thread.join(5)
        supervisor.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
