"""The original design's example, ported: a supervisor assigns tasks, two workers complete
them, stats are printed.

The workers are written the old way (a loop over ``get_messages`` / ``send_message`` /
``mark_processed``), as ported agent code would be after changing its imports; only the
construction of the manager changed (agentd's address instead of Redis').
"""

import threading
import time

from agentd_client import (AgentMessage, AgentRegistry, AgentRole, MessagePriority, MessageQueueManager, MessageType,
                           SupervisorCoordinator)
from agentd_client.message_protocol import TaskResponse


def old_style_worker(host, port, agent_id, skills, stop, done_by):
    """A worker as the old library's users wrote them."""
    queue = MessageQueueManager(host, port, agent_id)
    registry = AgentRegistry(queue_manager=queue)
    registry.register_agent(agent_id, AgentRole.WORKER, skills, max_concurrent_tasks=1)
    try:
        while not stop.is_set():
            for msg in queue.get_messages(agent_id, limit=5, timeout=0.2):
                if msg.message_type is MessageType.TASK_REQUEST:
                    task = msg.content
                    progress = TaskResponse(task["task_id"], "in_progress", completion_percentage=50)
                    queue.send_message(AgentMessage(from_agent=agent_id, to_agent=msg.from_agent,
                                                    message_type=MessageType.TASK_RESPONSE,
                                                    content=progress.to_content()))
                    words = task["parameters"]["text"].split()
                    done = TaskResponse(task["task_id"], "completed", result={"words": len(words), "by": agent_id})
                    queue.send_message(AgentMessage(from_agent=agent_id, to_agent=msg.from_agent,
                                                    message_type=MessageType.TASK_RESPONSE,
                                                    content=done.to_content(), priority=MessagePriority.HIGH))
                    done_by.append(agent_id)
                queue.mark_processed(msg.message_id, agent_id)
            registry.update_heartbeat(agent_id, status="active")
    finally:
        queue.close()


def test_supervisor_assigns_two_workers_complete_stats_printed(agentd, capsys):
    stop = threading.Event()
    done_by = []
    workers = [threading.Thread(target=old_style_worker,
                                args=(agentd.host, agentd.port, name, ["text_analysis"], stop, done_by))
               for name in ("worker-alpha", "worker-beta")]
    for w in workers:
        w.start()
    supervisor = SupervisorCoordinator("supervisor-main", host=agentd.host, port=agentd.port)
    try:
        deadline = time.monotonic() + 10
        while len(supervisor.agent_registry.find_available_agents(["text_analysis"])) < 2:
            assert time.monotonic() < deadline, "workers did not register"
            time.sleep(0.05)

        texts = ["agents talk over agentd", "one two three", "a b", "hello world again and again",
                 "x", "the quick brown fox"]
        task_ids = [supervisor.assign_task("word_count", "count the words", {"text": t}, ["text_analysis"],
                                           priority=MessagePriority.MEDIUM, timeout=30)
                    for t in texts]
        assert all(task_ids)

        deadline = time.monotonic() + 20
        while supervisor.active_tasks:
            assert time.monotonic() < deadline, "tasks still active: %r" % supervisor.active_tasks
            supervisor.process_incoming_messages(max_messages=20, timeout=0.3)

        stats = supervisor.get_coordination_stats()
        registry_stats = supervisor.agent_registry.get_registry_stats()
        print("=== Coordination stats ===")
        print("tasks assigned:  %d" % stats["tasks_assigned"])
        print("tasks completed: %d" % stats["tasks_completed"])
        print("tasks failed:    %d" % stats["tasks_failed"])
        print("completion rate: %.2f" % stats["coordination"]["completion_rate"])
        print("agents:          %d (%s)" % (registry_stats["total_agents"], registry_stats["agents_by_role"]))
        for tid, text in zip(task_ids, texts):
            record = supervisor.finished_tasks[tid]
            print("%s: %d words by %s" % (tid, record.result["words"], record.result["by"]))
    finally:
        stop.set()
        for w in workers:
            w.join(10)
        supervisor.close()

    out = capsys.readouterr().out
    assert "tasks assigned:  6" in out and "tasks completed: 6" in out and "tasks failed:    0" in out
    assert "completion rate: 1.00" in out
    assert "agents:          3 ({'worker': 2, 'supervisor': 1})" in out or \
        "agents:          3 ({'supervisor': 1, 'worker': 2})" in out
    for tid, text in zip(task_ids, texts):
        assert supervisor.finished_tasks[tid].result["words"] == len(text.split())
        assert supervisor.finished_tasks[tid].status == "completed"
    # both workers did work: agentd gives each task to the least loaded capable worker
    assert set(done_by) == {"worker-alpha", "worker-beta"}
    assert len(done_by) == 6
