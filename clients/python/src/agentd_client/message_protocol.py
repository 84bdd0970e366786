"""The original library's message types, on agentd's wire names.

Porting: ``from helpers.agent_communication.message_protocol import ...`` becomes
``from agentd_client.message_protocol import ...`` (or ``from agentd_client import ...``).

The enums' values are the wire strings. Old members that have no wire equivalent are
kept as *aliases* of the nearest wire value (an ``Enum`` alias is the same member), so old
code keeps working: ``MessagePriority.BACKGROUND is MessagePriority.LOW``,
``MessageType.COMPLETION is MessageType.TASK_RESPONSE``,
``MessageType.BROADCAST is MessageType.COORDINATION``, ``AgentRole.TESTER is AgentRole.WORKER``.
"""

import json
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from enum import Enum
from typing import Any, Dict, List, Optional, Union


class MessageType(str, Enum):
    """``message_type`` on the wire."""

    TASK_REQUEST = "task_request"
    #: accepted by agentd and stored/delivered as ``task_request``
    TASK_ASSIGNMENT = "task_assignment"
    TASK_RESPONSE = "task_response"
    STATUS_UPDATE = "status_update"
    HEARTBEAT = "heartbeat"
    ERROR_REPORT = "error_report"
    COORDINATION = "coordination"
    #: old name; a completion is a ``task_response`` with status ``completed``
    COMPLETION = "task_response"
    #: old name; agentd broadcasts with the ``broadcast`` op, as a ``coordination`` message
    BROADCAST = "coordination"

    def __str__(self) -> str:
        return self.value


class MessagePriority(str, Enum):
    """``priority`` on the wire (highest first: critical, high, medium, low)."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    #: old name: agentd's lowest priority is ``low``
    BACKGROUND = "low"

    @property
    def rank(self) -> int:
        """The old numeric level: 1 (critical) to 4 (low); lower is more urgent."""
        return ("critical", "high", "medium", "low").index(self.value) + 1

    @classmethod
    def coerce(cls, value: Union["MessagePriority", str, int, None]) -> "MessagePriority":
        """A priority from a member, a wire string, or the old numbers 1-5."""
        if value is None:
            return cls.MEDIUM
        if isinstance(value, cls):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return (cls.CRITICAL, cls.HIGH, cls.MEDIUM, cls.LOW, cls.LOW)[min(max(value, 1), 5) - 1]
        return cls(str(value).lower())

    def __str__(self) -> str:
        return self.value


class AgentRole(str, Enum):
    """``role`` on the wire. Old specialist roles are aliases of ``worker`` (put the
    specialty in ``capabilities`` to select on it)."""

    SUPERVISOR = "supervisor"
    COORDINATOR = "coordinator"
    WORKER = "worker"
    MONITOR = "monitor"
    RESEARCHER = "worker"
    TESTER = "worker"
    DEVOPS = "worker"
    DOCUMENTATION = "worker"

    def __str__(self) -> str:
        return self.value


_PRIORITY_NAMES = frozenset(p.value for p in MessagePriority)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


def _coerce_type(value: Union[MessageType, str]) -> MessageType:
    if isinstance(value, MessageType):
        return value
    text = str(value)
    aliases = {"completion": MessageType.TASK_RESPONSE, "broadcast": MessageType.COORDINATION}
    return aliases.get(text) or MessageType(text)


_ALIASES = {"id": "message_id", "sender": "from_agent", "recipient": "to_agent", "created_at": "timestamp"}


@dataclass(init=False)
class AgentMessage:
    """One message, with the wire's field names and the old names as aliases.

    ``AgentMessage(sender="a", recipient="b", message_type=MessageType.TASK_REQUEST, content={...})``
    and ``AgentMessage(message_id="...", from_agent="a", to_agent="b", ...)`` are the same.
    A ``MessagePriority`` (or old number) as the sixth positional argument is the priority
    (the README's field order); ``timestamp`` may be given as a ``datetime`` and is kept as
    an ISO 8601 string.
    A missing ``message_id`` is a fresh UUID (so a retried send is deduplicated by agentd).
    On a received message, ``attempt`` is the delivery attempt (1 = first delivery) and
    ``timestamp`` the time agentd accepted it.
    """

    message_id: str
    from_agent: Optional[str]
    to_agent: Optional[str]
    message_type: MessageType
    content: Dict[str, Any]
    priority: MessagePriority
    timestamp: Optional[str]
    correlation_id: Optional[str]
    reply_to: Optional[str]
    ttl_ms: Optional[int]
    delay_ms: Optional[int]
    expires_at: Optional[str]
    status: str
    processed_at: Optional[str]
    attempt: Optional[int]
    delivered_at: Optional[str]
    max_retries: int

    def __init__(self, message_id: Optional[str] = None, from_agent: Optional[str] = None,
                 to_agent: Optional[str] = None, message_type: Union[MessageType, str] = MessageType.STATUS_UPDATE,
                 content: Optional[Dict[str, Any]] = None,
                 parent_message_id: Union[str, MessagePriority, int, None] = None,
                 priority: Union[MessagePriority, str, int, datetime, None] = MessagePriority.MEDIUM,
                 timestamp: Union[str, datetime, None] = None, *, correlation_id: Optional[str] = None,
                 reply_to: Optional[str] = None, ttl_ms: Optional[int] = None, delay_ms: Optional[int] = None,
                 expires_at: Optional[str] = None, status: str = "pending", processed_at: Optional[str] = None,
                 attempt: Optional[int] = None, delivered_at: Optional[str] = None, retry_count: Optional[int] = None,
                 max_retries: int = 3, id: Optional[str] = None, sender: Optional[str] = None,
                 recipient: Optional[str] = None, created_at: Optional[str] = None) -> None:
        # the README's API reference orders (..., content, priority, timestamp): a priority
        # in the sixth place is the priority, and then the seventh is the timestamp
        if isinstance(parent_message_id, (MessagePriority, int)):
            if timestamp is None and (isinstance(priority, datetime) or (
                    isinstance(priority, str) and priority.lower() not in _PRIORITY_NAMES)):
                timestamp = priority
            parent_message_id, priority = None, parent_message_id
        if isinstance(priority, datetime):
            raise TypeError("priority must be a MessagePriority, its name or an old number, not a datetime")
        if isinstance(timestamp, datetime):  # the old dataclass held a datetime
            timestamp = (timestamp if timestamp.tzinfo else timestamp.astimezone()).isoformat()
        self.message_id = message_id or id or str(uuid.uuid4())
        self.from_agent = from_agent if from_agent is not None else sender
        self.to_agent = to_agent if to_agent is not None else recipient
        self.message_type = _coerce_type(message_type)
        self.content = {} if content is None else content
        self.priority = MessagePriority.coerce(priority)
        self.timestamp = timestamp or created_at or _now()
        self.correlation_id = correlation_id if correlation_id is not None else parent_message_id
        self.reply_to = reply_to
        self.ttl_ms = ttl_ms
        self.delay_ms = delay_ms
        self.expires_at = expires_at
        self.status = status
        self.processed_at = processed_at
        if attempt is None and retry_count is not None:
            attempt = retry_count + 1
        self.attempt = attempt
        self.delivered_at = delivered_at
        self.max_retries = max_retries

    # -- old names -------------------------------------------------------------------

    @property
    def id(self) -> str:
        """Old name of ``message_id``."""
        return self.message_id

    @property
    def sender(self) -> Optional[str]:
        """Old name of ``from_agent``."""
        return self.from_agent

    @property
    def recipient(self) -> Optional[str]:
        """Old name of ``to_agent``."""
        return self.to_agent

    @property
    def created_at(self) -> Optional[str]:
        """Old name of ``timestamp``."""
        return self.timestamp

    @property
    def parent_message_id(self) -> Optional[str]:
        """Old name; carried on the wire as ``correlation_id``."""
        return self.correlation_id

    @property
    def retry_count(self) -> int:
        """Old name: deliveries before this one (``attempt - 1``; 0 before delivery)."""
        return max(0, (self.attempt or 1) - 1)

    @property
    def delivery_attempt(self) -> Optional[int]:
        """The delivery attempt of a received message (1 = first delivery)."""
        return self.attempt

    # -- conversions -----------------------------------------------------------------

    def to_dict(self) -> Dict[str, Any]:
        """All fields as plain JSON values (enums as their wire strings)."""
        data = asdict(self)
        data["message_type"] = self.message_type.value
        data["priority"] = self.priority.value
        return data

    def to_json(self) -> str:
        """This message as a JSON string (wire field names)."""
        return json.dumps(self.to_dict(), default=str)

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "AgentMessage":
        """A message from a dict with wire names or old names; a ``delivery`` object (as
        agentd sends it) fills ``attempt`` and ``delivered_at``; unknown keys are ignored."""
        kw: Dict[str, Any] = {}
        known = set(cls.__dataclass_fields__) | {"parent_message_id", "retry_count"}
        for key, value in data.items():
            key = _ALIASES.get(key, key)
            if key in known and key not in kw:
                kw[key] = value
        delivery = data.get("delivery")
        if isinstance(delivery, dict):
            kw.setdefault("attempt", delivery.get("attempt"))
            kw.setdefault("delivered_at", delivery.get("delivered_at"))
        return cls(**kw)

    @classmethod
    def from_json(cls, json_str: str) -> "AgentMessage":
        """Inverse of :meth:`to_json` (also accepts a wire message or old-style JSON)."""
        return cls.from_dict(json.loads(json_str))

    def to_wire(self) -> Dict[str, Any]:
        """The ``message`` object of a ``send`` request."""
        msg: Dict[str, Any] = {"message_id": self.message_id, "to_agent": self.to_agent,
                               "message_type": self.message_type.value, "content": self.content,
                               "priority": self.priority.value}
        if self.from_agent is not None:
            msg["from_agent"] = self.from_agent
        for name in ("correlation_id", "reply_to", "delay_ms"):
            if getattr(self, name) is not None:
                msg[name] = getattr(self, name)
        ttl = self.ttl_ms
        if ttl is None and self.expires_at:
            left = datetime.fromisoformat(self.expires_at.replace("Z", "+00:00")) - datetime.now(timezone.utc)
            ttl = max(1, int(left.total_seconds() * 1000))
        if ttl is not None:
            msg["ttl_ms"] = ttl
        return msg

    @classmethod
    def from_wire(cls, message: Dict[str, Any]) -> "AgentMessage":
        """A delivered message as agentd sends it."""
        return cls.from_dict(message)

    def is_expired(self) -> bool:
        """True once ``expires_at`` has passed (agentd itself drops expired messages)."""
        if not self.expires_at:
            return False
        return datetime.now(timezone.utc) > datetime.fromisoformat(self.expires_at.replace("Z", "+00:00"))

    def create_response(self, responding_agent: str, response_content: Dict[str, Any]) -> "AgentMessage":
        """A ``task_response`` to this message's sender, correlated with this message."""
        return AgentMessage(from_agent=responding_agent, to_agent=self.from_agent,
                            message_type=MessageType.TASK_RESPONSE, content=response_content,
                            correlation_id=self.correlation_id or self.message_id, priority=self.priority)


@dataclass
class TaskRequest:
    """Content of a ``task_request`` (agentd's: task_id, task_type, description, parameters, deadline)."""

    task_id: str
    task_type: str
    description: str = ""
    parameters: Dict[str, Any] = field(default_factory=dict)
    deadline: Optional[str] = None
    required_capabilities: List[str] = field(default_factory=list)


@dataclass
class TaskResponse:
    """Content of a ``task_response`` as agentd reads it (status: in_progress, completed, failed)."""

    task_id: str
    status: str
    result: Optional[Any] = None
    error: Optional[Dict[str, Any]] = None
    completion_percentage: Optional[float] = None

    def to_content(self) -> Dict[str, Any]:
        """The message content (None fields left out)."""
        return {k: v for k, v in asdict(self).items() if v is not None}


def create_task_request_message(from_agent: str, to_agent: str, task_request: TaskRequest,
                                priority: Union[MessagePriority, str] = MessagePriority.MEDIUM) -> AgentMessage:
    """A ``task_request`` message sent directly (bypassing agentd's task tracking: use
    :meth:`SupervisorCoordinator.assign_task` for tracked tasks)."""
    return AgentMessage(from_agent=from_agent, to_agent=to_agent, message_type=MessageType.TASK_REQUEST,
                        content=asdict(task_request), priority=priority)


def create_broadcast_message(from_agent: str, content: Dict[str, Any],
                             message_type: Union[MessageType, str] = MessageType.COORDINATION) -> AgentMessage:
    """A message without recipient: :meth:`MessageQueueManager.send_message` broadcasts it."""
    return AgentMessage(from_agent=from_agent, to_agent=None, message_type=message_type, content=content)


def create_heartbeat_message(agent_id: str, status_info: Dict[str, Any],
                             to_agent: str = "supervisor") -> AgentMessage:
    """A ``heartbeat`` message (agentd's own liveness needs none: any frame counts)."""
    return AgentMessage(from_agent=agent_id, to_agent=to_agent, message_type=MessageType.HEARTBEAT,
                        content=status_info, priority=MessagePriority.LOW)
