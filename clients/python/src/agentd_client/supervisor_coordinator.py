"""``SupervisorCoordinator``: the original library's supervisor, on agentd's task ops.

The old supervisor picked a worker itself and sent it a ``task_request``. agentd's
coordinator does this: :meth:`SupervisorCoordinator.assign_task` is agentd's
``assign_task``, which picks the best available worker (or keeps the task ``pending`` until
one is free), retries failed and timed-out attempts on other workers, and tells the
supervisor about a final failure with an ``error_report`` from ``agentd``.
:meth:`process_incoming_messages` reads the reports from the supervisor's inbox, updates
the local :class:`TaskAssignment` records from agentd's view of each task, runs the
callbacks and acks.
"""

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Dict, Iterable, List, Optional, Union

from .client import DEFAULT_PORT, Client
from .errors import AgentdError
from .message_protocol import AgentMessage, AgentRole, MessagePriority, MessageType
from .agent_registry import AgentRegistry
from .mock import MockBroker
from .queue_manager import MessageQueueManager

log = logging.getLogger("agentd_client")

_FINAL = ("completed", "failed", "timed_out", "cancelled")


@dataclass
class TaskAssignment:
    """The supervisor's record of one task (kept up to date from agentd)."""

    task_id: str
    agent_id: Optional[str]
    task_type: str
    description: str
    parameters: Dict[str, Any]
    priority: MessagePriority
    created_at: str
    deadline: Optional[str] = None
    status: str = "pending"
    progress: float = 0.0
    result: Optional[Any] = None
    error_message: Optional[str] = None
    attempts: int = 0
    finished_at: Optional[float] = None
    started_at: float = 0.0

    def update_from_task(self, task: Dict[str, Any]) -> None:
        """Take agentd's TaskInfo as the truth."""
        self.status = task.get("state", self.status)
        self.agent_id = task.get("assigned_to") or self.agent_id
        self.attempts = task.get("attempts", self.attempts)
        self.deadline = task.get("deadline")
        if "result" in task:
            self.result = task["result"]
        error = task.get("error")
        if isinstance(error, dict):
            self.error_message = str(error.get("message", error))
        if self.status == "completed":
            self.progress = 1.0


class SupervisorCoordinator:
    """Assign tasks through agentd and follow them to the end.

    Args:
        supervisor_id: this supervisor's agent id.
        queue_manager: the manager whose connections to use (default: a new one).
        agent_registry: the registry to use (default: one sharing the manager's connections).
        host: agentd's host (when no queue_manager is given).
        port: agentd's port (when no queue_manager is given).
        mock_mode: use the in-process mock broker (when no queue_manager is given).
        broker: the mock broker.
        role: ``supervisor`` (default) or ``coordinator``.
        capabilities: registered with the supervisor.
        **client_options: passed to :class:`~agentd_client.Client`.
    """

    def __init__(self, supervisor_id: str = "supervisor-main", queue_manager: Optional[MessageQueueManager] = None,
                 agent_registry: Optional[AgentRegistry] = None, *, host: str = "127.0.0.1",
                 port: int = DEFAULT_PORT, mock_mode: bool = False, broker: Optional[MockBroker] = None,
                 role: Union[AgentRole, str] = AgentRole.SUPERVISOR,
                 capabilities: Iterable[str] = ("task_coordination",), **client_options: Any) -> None:
        self.supervisor_id = supervisor_id
        self.queue_manager = queue_manager or MessageQueueManager(
            host, port, supervisor_id, mock_mode=mock_mode, broker=broker, **client_options)
        self.agent_registry = agent_registry or AgentRegistry(queue_manager=self.queue_manager)
        self.active_tasks: Dict[str, TaskAssignment] = {}
        self.finished_tasks: Dict[str, TaskAssignment] = {}
        self.task_callbacks: Dict[str, Callable[[TaskAssignment], None]] = {}
        self.metrics: Dict[str, Any] = {"tasks_assigned": 0, "tasks_completed": 0, "tasks_failed": 0,
                                        "tasks_cancelled": 0, "average_completion_time": 0.0}
        if not self.agent_registry.register_agent(supervisor_id, role, list(capabilities), 1000,
                                                  {"coordinator": "agentd_client"}):
            raise AgentdError("could not register %s as %s" % (supervisor_id, role))

    @property
    def client(self) -> Client:
        """The supervisor's own connection."""
        return self.queue_manager.pool.get(self.supervisor_id)

    def assign_task(self, task_type: str, description: str = "", parameters: Optional[Dict[str, Any]] = None,
                    required_capabilities: Optional[Iterable[str]] = None,
                    priority: Union[MessagePriority, str, int] = MessagePriority.MEDIUM,
                    timeout: Optional[float] = None, max_retries: Optional[int] = None,
                    deadline: Optional[str] = None,
                    callback: Optional[Callable[[TaskAssignment], None]] = None) -> Optional[str]:
        """Create a task; agentd assigns it to the best available worker (or keeps it
        pending until one is free — unlike the old library, which gave up).

        Args:
            task_type: the kind of task.
            description: for people.
            parameters: the task's input (delivered in the worker's ``task_request``).
            required_capabilities: a worker must hold all of these.
            priority: the task's (and its messages') priority.
            timeout: seconds each attempt may take (agentd's ``timeout_ms``).
            max_retries: attempts after the first.
            deadline: old-style ISO time; turned into ``timeout`` if that is not given.
            callback: called with the :class:`TaskAssignment` on each report.
        Returns:
            the task id, or None (logged) if agentd refused.
        """
        if timeout is None and deadline:
            left = datetime.fromisoformat(deadline.replace("Z", "+00:00")) - datetime.now(timezone.utc)
            timeout = max(0.001, left.total_seconds())
        prio = MessagePriority.coerce(priority)
        try:
            assigned = self.client.assign_task(
                task_type, list(required_capabilities or []), description=description, parameters=parameters or {},
                priority=prio.value, timeout_ms=None if timeout is None else max(1, int(timeout * 1000)),
                max_retries=max_retries)
        except AgentdError as e:
            log.error("failed to assign task %s: %s", task_type, e)
            return None
        record = TaskAssignment(task_id=assigned.task_id, agent_id=assigned.assigned_to, task_type=task_type,
                                description=description, parameters=parameters or {}, priority=prio,
                                created_at=datetime.now(timezone.utc).isoformat(), status=assigned.state,
                                attempts=1 if assigned.assigned_to else 0, started_at=time.monotonic())
        self.active_tasks[assigned.task_id] = record
        if callback is not None:
            self.task_callbacks[assigned.task_id] = callback
        self.metrics["tasks_assigned"] += 1
        return assigned.task_id

    def process_incoming_messages(self, max_messages: int = 10, timeout: float = 0.0) -> List[AgentMessage]:
        """Read the supervisor's inbox: apply task reports to the local records, ack.

        ``task_response`` and ``error_report`` messages about a known task refresh its
        :class:`TaskAssignment` from agentd (``task`` op) and run its callback; other
        messages are acked as they are. Returns every message processed.
        """
        messages = self.queue_manager.get_messages(self.supervisor_id, max_messages, timeout)
        for message in messages:
            try:
                self._process(message)
            except AgentdError as e:
                log.error("processing %s failed: %s", message.message_id, e)
            self.queue_manager.mark_processed(message.message_id, self.supervisor_id)
            message.status = "processed"
        return messages

    def _process(self, message: AgentMessage) -> None:
        if message.message_type not in (MessageType.TASK_RESPONSE, MessageType.ERROR_REPORT):
            return
        content = message.content
        task_id = content.get("task_id")
        record = self.active_tasks.get(task_id) if isinstance(task_id, str) else None
        if record is None:
            return
        pct = content.get("completion_percentage")
        if isinstance(pct, (int, float)):
            record.progress = max(record.progress, min(1.0, pct / 100.0))
        record.update_from_task(self.client.task(record.task_id))
        if record.status in _FINAL:
            self._finish(record)
        callback = self.task_callbacks.get(record.task_id)
        if callback is not None:
            try:
                callback(record)
            except Exception:
                log.exception("task callback failed for %s", record.task_id)
        if record.status in _FINAL:
            self.task_callbacks.pop(record.task_id, None)

    def _finish(self, record: TaskAssignment) -> None:
        self.active_tasks.pop(record.task_id, None)
        self.finished_tasks[record.task_id] = record
        record.finished_at = time.monotonic()
        if record.status == "completed":
            self.metrics["tasks_completed"] += 1
            n = self.metrics["tasks_completed"]
            took = record.finished_at - record.started_at
            avg = self.metrics["average_completion_time"]
            self.metrics["average_completion_time"] = avg + (took - avg) / n
        elif record.status == "cancelled":
            self.metrics["tasks_cancelled"] += 1
        else:
            self.metrics["tasks_failed"] += 1

    def get_task_status(self, task_id: str) -> Optional[Dict[str, Any]]:
        """agentd's TaskInfo of a task (None if unknown)."""
        try:
            return self.client.task(task_id)
        except AgentdError:
            return None

    def cancel_task(self, task_id: str) -> bool:
        """``cancel_task``; the assignee gets a ``coordination`` cancel message."""
        try:
            task = self.client.cancel_task(task_id)
        except AgentdError as e:
            log.error("cancel %s failed: %s", task_id, e)
            return False
        record = self.active_tasks.get(task_id)
        if record is not None:
            record.update_from_task(task)
            self._finish(record)
        return task.get("state") == "cancelled"

    def broadcast_message(self, content: Dict[str, Any],
                          message_type: Union[MessageType, str] = MessageType.COORDINATION,
                          priority: Union[MessagePriority, str, int] = MessagePriority.MEDIUM,
                          role: Optional[Union[AgentRole, str]] = None,
                          capabilities: Optional[Iterable[str]] = None) -> int:
        """One copy to every registered agent that is not offline (optionally only a role
        or those with capabilities), the supervisor excepted.

        Returns:
            how many agents got a copy (agentd's ``delivered_to``); -1 if agentd refused.
        """
        try:
            return self.client.broadcast(message_type, content, priority=MessagePriority.coerce(priority).value,
                                         role=role, capabilities=capabilities)
        except AgentdError as e:
            log.error("broadcast failed: %s", e)
            return -1

    def get_coordination_stats(self) -> Dict[str, Any]:
        """This supervisor's counters plus agentd's ``coordination``, ``registry`` and
        ``queues`` stats (agentd's figures cover every supervisor)."""
        stats = self.client.stats()
        out: Dict[str, Any] = dict(self.metrics)
        out.update(supervisor_id=self.supervisor_id, active_tasks=len(self.active_tasks),
                   coordination=stats["coordination"], registry=stats["registry"], queues=stats["queues"])
        return out

    def close(self) -> None:
        """Close the connections."""
        self.queue_manager.close()
