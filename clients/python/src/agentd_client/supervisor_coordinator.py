"""``SupervisorCoordinator``: the original library's supervisor, on agentd's task ops.

The old supervisor picked a worker itself and sent it a ``task_request``. agentd's
coordinator does this: :meth:`SupervisorCoordinator.assign_task` is agentd's
``assign_task``, which picks the best available worker (or keeps the task ``pending`` until
one is free), retries failed and timed-out attempts on other workers, and tells the
supervisor about a final failure with an ``error_report`` from ``agentd``.
:meth:`process_incoming_messages` reads the reports from the supervisor's inbox, updates
the local :class:`TaskAssignment` records from agentd's view of each task, runs the
callbacks and acks.

Like the original, ``SupervisorCoordinator("id")`` needs no address: it goes where the
environment says (``AGENTD_HOST``/``AGENTD_PORT``, ``AGENT_COMMUNICATION_MODE=mock``), and
takes the old ``(supervisor_id, connection_string, use_mock)`` arguments as well as
``(supervisor_id, queue_manager, agent_registry)``. With file logging on, tasks assigned
and finished go to the day's ``task_history`` file, their durations to ``performance``.
"""

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Dict, Iterable, List, Optional, Union

from ._environment import env_float, env_int
from .client import Client
from .errors import AgentdError
from .file_logger import get_file_logger
from .message_protocol import AgentMessage, AgentRole, MessagePriority, MessageType
from .agent_registry import AgentRegistry
from .mock import MockBroker
from .queue_manager import MessageQueueManager

log = logging.getLogger("agentd_client")

_FINAL = ("completed", "failed", "timed_out", "cancelled")
#: seconds to wait for agentd's task record to reflect a report already delivered
_APPLY_WAIT = 1.0


def _claims_outcome(message: AgentMessage) -> bool:
    """True for a report that ends an attempt (agentd then changes the task)."""
    return message.message_type is MessageType.ERROR_REPORT or message.content.get("status") in ("completed", "failed")


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
        queue_manager: the manager whose connections to use (default: a new one). A string
            here is the old positional ``connection_string``.
        agent_registry: the registry to use (default: one sharing the manager's connections).
            A boolean here is the old positional ``use_mock``.
        host: agentd's host (when no queue_manager is given; default from the environment).
        port: agentd's port (when no queue_manager is given; default from the environment).
        mock_mode: use the in-process mock broker (when no queue_manager is given; default:
            the environment). ``use_mock`` is the old name.
        connection_string: the old argument, agentd's address (``[agentd://]host:port``).
        broker: the mock broker.
        role: ``supervisor`` (default) or ``coordinator``.
        capabilities: registered with the supervisor.
        **client_options: passed to :class:`~agentd_client.Client`.
    """

    def __init__(self, supervisor_id: str = "supervisor-main",
                 queue_manager: Union[MessageQueueManager, str, None] = None,
                 agent_registry: Union[AgentRegistry, bool, None] = None, *, host: Optional[str] = None,
                 port: Optional[int] = None, mock_mode: Optional[bool] = None, broker: Optional[MockBroker] = None,
                 role: Union[AgentRole, str] = AgentRole.SUPERVISOR,
                 capabilities: Iterable[str] = ("task_coordination",), use_mock: Optional[bool] = None,
                 connection_string: Optional[str] = None, **client_options: Any) -> None:
        # the old signature was (supervisor_id, connection_string, use_mock)
        if isinstance(queue_manager, str):
            connection_string, queue_manager = queue_manager, None
        if isinstance(agent_registry, bool):
            use_mock, agent_registry = agent_registry, None
        self.supervisor_id = supervisor_id
        self.queue_manager = queue_manager or MessageQueueManager(
            host, port, supervisor_id, mock_mode=mock_mode, use_mock=use_mock, connection_string=connection_string,
            broker=broker, **client_options)
        self.agent_registry = agent_registry or AgentRegistry(queue_manager=self.queue_manager)
        self.active_tasks: Dict[str, TaskAssignment] = {}
        self.finished_tasks: Dict[str, TaskAssignment] = {}
        self.task_callbacks: Dict[str, Callable[[TaskAssignment], None]] = {}
        # tasks whose final report arrived before agentd's record showed it
        self._recheck: Dict[str, str] = {}
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
            timeout: seconds each attempt may take (agentd's ``timeout_ms``; default:
                ``AGENT_DEFAULT_TIMEOUT`` if set, else agentd's).
            max_retries: attempts after the first (default: ``AGENT_MAX_RETRIES`` if set,
                else agentd's).
            deadline: old-style ISO time; turned into ``timeout`` if that is not given.
            callback: called with the :class:`TaskAssignment` on each report.
        Returns:
            the task id, or None (logged) if agentd refused.
        """
        if timeout is None and deadline:
            left = datetime.fromisoformat(deadline.replace("Z", "+00:00")) - datetime.now(timezone.utc)
            timeout = max(0.001, left.total_seconds())
        if timeout is None:
            timeout = env_float("AGENT_DEFAULT_TIMEOUT")
        if max_retries is None:
            max_retries = env_int("AGENT_MAX_RETRIES")
        prio = MessagePriority.coerce(priority)
        caps = list(required_capabilities or [])
        try:
            assigned = self.client.assign_task(
                task_type, caps, description=description, parameters=parameters or {},
                priority=prio.value, timeout_ms=None if timeout is None else max(1, int(timeout * 1000)),
                max_retries=max_retries)
        except AgentdError as e:
            log.error("failed to assign task %s: %s", task_type, e)
            get_file_logger().log_error(self.supervisor_id, "task_assignment_failed", str(e),
                                        {"task_type": task_type, "code": e.code})
            return None
        record = TaskAssignment(task_id=assigned.task_id, agent_id=assigned.assigned_to, task_type=task_type,
                                description=description, parameters=parameters or {}, priority=prio,
                                created_at=datetime.now(timezone.utc).isoformat(), status=assigned.state,
                                attempts=1 if assigned.assigned_to else 0, started_at=time.monotonic())
        self.active_tasks[assigned.task_id] = record
        if callback is not None:
            self.task_callbacks[assigned.task_id] = callback
        self.metrics["tasks_assigned"] += 1
        get_file_logger().log_task_event(assigned.task_id, assigned.assigned_to, "assigned", {
            "task_type": task_type, "state": assigned.state, "priority": prio.value,
            "required_capabilities": caps, "supervisor_id": self.supervisor_id})
        return assigned.task_id

    def process_incoming_messages(self, max_messages: int = 10, timeout: float = 0.0) -> List[AgentMessage]:
        """Read the supervisor's inbox: apply task reports to the local records, ack.

        ``task_response`` and ``error_report`` messages about a known task refresh its
        :class:`TaskAssignment` from agentd (``task`` op) and run its callback; other
        messages are acked as they are. Returns every message processed.
        """
        for task_id in list(self._recheck):
            record = self.active_tasks.get(task_id)
            try:
                if record is not None:
                    self._apply(record, self.client.task(task_id))
            except AgentdError as e:
                log.error("refreshing task %s failed: %s", task_id, e)
                continue
            self._recheck.pop(task_id, None)
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
        self._apply(record, self._read_after(record, message))

    def _read_after(self, record: TaskAssignment, message: AgentMessage) -> Dict[str, Any]:
        """agentd's TaskInfo, once it reflects ``message``: agentd may deliver a report a
        moment before the task record shows it, so a report ending the attempt is
        followed by a short wait (``updated_at`` not older than the report); if the
        record still lags, the task is looked at again on the next call."""
        task = self.client.task(record.task_id)
        if not _claims_outcome(message):
            return task
        stamp = message.timestamp or ""
        deadline = time.monotonic() + _APPLY_WAIT
        while task.get("state") not in _FINAL and str(task.get("updated_at") or "") < stamp:
            if time.monotonic() >= deadline:
                self._recheck[record.task_id] = stamp
                break
            time.sleep(0.01)
            task = self.client.task(record.task_id)
        return task

    def _apply(self, record: TaskAssignment, task: Dict[str, Any]) -> None:
        record.update_from_task(task)
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
        logger = get_file_logger()
        if logger.enabled:
            took_ms = round((record.finished_at - record.started_at) * 1000, 3)
            data: Dict[str, Any] = {"duration_ms": took_ms, "success": record.status == "completed",
                                    "attempts": record.attempts, "task_type": record.task_type}
            if record.error_message:
                data["error_message"] = record.error_message
            logger.log_task_event(record.task_id, record.agent_id, record.status, data)
            logger.log_performance_metric(record.agent_id or self.supervisor_id, "task_duration", took_ms, "ms",
                                          {"task_id": record.task_id, "task_type": record.task_type,
                                           "status": record.status})

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

    def broadcast_message(self, content: Union[Dict[str, Any], MessageType, str],
                          message_type: Union[MessageType, str, Dict[str, Any]] = MessageType.COORDINATION,
                          priority: Union[MessagePriority, str, int] = MessagePriority.MEDIUM,
                          role: Optional[Union[AgentRole, str]] = None,
                          capabilities: Optional[Iterable[str]] = None) -> int:
        """One copy to every registered agent that is not offline (optionally only a role
        or those with capabilities), the supervisor excepted.

        The old ``broadcast_message(message_type, content)`` order is accepted too (told
        apart by which argument is the dict).

        Returns:
            how many agents got a copy (agentd's ``delivered_to``); -1 if agentd refused.
        """
        body, kind = (content, message_type) if isinstance(content, dict) else (message_type, content)
        if not isinstance(body, dict) or isinstance(kind, dict):
            raise TypeError("broadcast_message needs one dict (the content) and one message type")
        try:
            return self.client.broadcast(kind, body, priority=MessagePriority.coerce(priority).value,
                                         role=role, capabilities=capabilities)
        except AgentdError as e:
            log.error("broadcast failed: %s", e)
            return -1

    def get_coordination_stats(self) -> Dict[str, Any]:
        """This supervisor's counters plus agentd's ``coordination``, ``registry`` and
        ``queues`` stats (agentd's figures cover every supervisor).

        ``completion_rate`` (top level, as the original README reads it) is agentd's:
        ``completed / (completed + failed + timed_out)`` over every task agentd knows, 0 to
        1, 0 while none has finished. ``tasks_assigned``, ``tasks_completed``,
        ``tasks_failed``, ``tasks_cancelled``, ``average_completion_time`` (seconds) and
        ``active_tasks`` are this supervisor's own.
        """
        stats = self.client.stats()
        out: Dict[str, Any] = dict(self.metrics)
        coordination = stats["coordination"]
        out.update(supervisor_id=self.supervisor_id, active_tasks=len(self.active_tasks),
                   completion_rate=coordination["completion_rate"], total_tasks=coordination["tasks_total"],
                   coordination=coordination, registry=stats["registry"], queues=stats["queues"])
        return out

    def close(self) -> None:
        """Close the connections."""
        self.queue_manager.close()
