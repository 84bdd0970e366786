"""Request builders shared by :class:`~agentd_client.Client` and
:class:`~agentd_client.AsyncClient` (and the in-process mock).

Each function takes an op's arguments and returns ``(op, fields, extract)``: the op name,
the request fields (optional ones left out when ``None``, so agentd's defaults apply), and
a function turning the successful reply into the value the client method returns. Both
clients' methods are one line each around these, so the sync and async surfaces cannot
drift apart.
"""

from enum import Enum
from typing import Any, Callable, Dict, Iterable, List, NamedTuple, Optional, Tuple, TypeVar, cast

#: A message as agentd sends it (``message_id``, ``from_agent``, ``to_agent``,
#: ``message_type``, ``content``, ``priority``, ``timestamp``, ``delivery`` ...).
Message = Dict[str, Any]
#: An AgentInfo object (``agent_id``, ``role``, ``capabilities``, ``status`` ...).
AgentInfoDict = Dict[str, Any]
#: A TaskInfo object (``task_id``, ``state``, ``assigned_to``, ``history`` ...).
TaskInfoDict = Dict[str, Any]

T = TypeVar("T")
#: What a reply is turned into (typed, so each client method's return type is checked).
Extract = Callable[[Dict[str, Any]], T]
#: ``(op, fields, extract)``; ``Request[int]`` is a request whose method returns an int.
Request = Tuple[str, Dict[str, Any], Callable[[Dict[str, Any]], T]]


class SendResult(NamedTuple):
    """The reply to ``send``: the stored message's id, and whether it was a duplicate."""

    message_id: str
    duplicate: bool


class RequestResult(NamedTuple):
    """The reply to ``request``: the sent message's id and the reply message, or None with
    ``timed_out`` True when none came within ``timeout_ms``."""

    message_id: str
    reply: Optional[Dict[str, Any]]
    timed_out: bool


class AssignResult(NamedTuple):
    """The reply to ``assign_task``."""

    task_id: str
    state: str
    assigned_to: Optional[str]


def _s(value: Any) -> str:
    """A wire string from a str or an Enum member (``MessagePriority.HIGH`` -> ``"high"``)."""
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


def _fields(**kw: Any) -> Dict[str, Any]:
    """The keyword arguments whose value is not None."""
    return {k: v for k, v in kw.items() if v is not None}


def _key(name: str, kind: Callable[[Any], T]) -> Callable[[Dict[str, Any]], T]:
    """Extract reply[name]; ``kind`` only names its type for the checker (the wire
    contract fixes it: agentd's replies are trusted here as before)."""
    return lambda reply: cast(T, reply.get(name))


def _list(value: Any) -> List[Dict[str, Any]]:
    return cast(List[Dict[str, Any]], value)


def _dict(value: Any) -> Dict[str, Any]:
    return cast(Dict[str, Any], value)


def _none(reply: Dict[str, Any]) -> None:
    return None


def _whole(reply: Dict[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in reply.items() if k not in ("id", "ok")}


def _ids(message_ids: Iterable[str]) -> List[str]:
    if isinstance(message_ids, str):
        return [message_ids]
    return list(message_ids)


def hello(agent_id: str, token: Optional[str] = None) -> "Request[Dict[str, Any]]":
    return "hello", _fields(agent_id=agent_id, token=token), _whole


def ping() -> "Request[bool]":
    return "ping", {}, lambda r: bool(r.get("pong"))


def bye() -> "Request[None]":
    return "bye", {}, _none


def build_message(to_agent: str, content: Dict[str, Any], message_type: str = "status_update",
                  priority: Optional[str] = None, message_id: Optional[str] = None,
                  correlation_id: Optional[str] = None, reply_to: Optional[str] = None,
                  ttl_ms: Optional[int] = None, delay_ms: Optional[int] = None,
                  from_agent: Optional[str] = None, traceparent: Optional[str] = None) -> Dict[str, Any]:
    """The ``message`` object of a ``send`` request (optional members left out when None)."""
    return _fields(message_id=message_id, from_agent=from_agent, to_agent=to_agent,
                   message_type=_s(message_type), content=content,
                   priority=None if priority is None else _s(priority),
                   correlation_id=correlation_id, reply_to=reply_to, ttl_ms=ttl_ms, delay_ms=delay_ms,
                   traceparent=traceparent)


def send(message: Dict[str, Any]) -> "Request[SendResult]":
    return "send", {"message": message}, lambda r: SendResult(r["message_id"], bool(r.get("duplicate", False)))


def fetch(limit: Optional[int] = None, wait_ms: Optional[int] = None) -> "Request[List[Message]]":
    return "fetch", _fields(limit=limit, wait_ms=wait_ms), _key("messages", _list)


def ack(message_ids: Iterable[str]) -> "Request[int]":
    return "ack", {"message_ids": _ids(message_ids)}, _key("acked", int)


def nack(message_ids: Iterable[str], delay_ms: Optional[int] = None,
         dead_letter: bool = False) -> "Request[int]":
    """``nack``; with ``dead_letter`` the messages go to the dead letters at once and the
    count is ``dead_lettered`` instead of ``requeued``."""
    if dead_letter:
        return ("nack", _fields(message_ids=_ids(message_ids), delay_ms=delay_ms, dead_letter=True),
                _key("dead_lettered", int))
    return "nack", _fields(message_ids=_ids(message_ids), delay_ms=delay_ms), _key("requeued", int)


def request(message: Dict[str, Any], timeout_ms: Optional[int] = None) -> "Request[RequestResult]":
    """``request``: send ``message`` and wait for the first message back carrying its
    ``correlation_id``."""
    return ("request", _fields(message=message, timeout_ms=timeout_ms),
            lambda r: RequestResult(r["message_id"], r.get("reply"), bool(r.get("timed_out", False))))


def request_reply(message: Optional[Dict[str, Any]], to_agent: Optional[str], content: Optional[Dict[str, Any]],
                  message_type: str, priority: Optional[str], message_id: Optional[str],
                  correlation_id: Optional[str], ttl_ms: Optional[int], traceparent: Optional[str],
                  timeout_ms: Optional[int], read_timeout: float) -> Tuple["Request[RequestResult]", float]:
    """What both clients' ``request_reply`` send (``message``, or one built from the other
    fields), and how long to wait for the answer: the request's own wait plus the read timeout."""
    if message is None:
        if to_agent is None:
            raise ValueError("request: give a message or to_agent")
        message = build_message(to_agent, content if content is not None else {}, message_type, priority,
                                message_id, correlation_id, None, ttl_ms, None, traceparent=traceparent)
    timeout = read_timeout + (timeout_ms if timeout_ms is not None else 30_000) / 1000.0
    return request(message, timeout_ms), timeout


def subscribe(prefetch: Optional[int] = None) -> "Request[bool]":
    return "subscribe", _fields(prefetch=prefetch), lambda r: bool(r.get("subscribed"))


def unsubscribe() -> "Request[bool]":
    return "unsubscribe", {}, lambda r: bool(r.get("subscribed"))


def dead_letters(limit: Optional[int] = None, agent_id: Optional[str] = None) -> "Request[List[Message]]":
    return "dead_letters", _fields(limit=limit, agent_id=agent_id), _key("messages", _list)


def requeue_dead(message_ids: Iterable[str], agent_id: Optional[str] = None) -> "Request[int]":
    return "requeue_dead", _fields(message_ids=_ids(message_ids), agent_id=agent_id), _key("requeued", int)


def register(role: str, capabilities: Iterable[str], max_concurrent_tasks: Optional[int] = None,
             metadata: Optional[Dict[str, Any]] = None) -> "Request[AgentInfoDict]":
    return "register", _fields(role=_s(role), capabilities=list(capabilities),
                               max_concurrent_tasks=max_concurrent_tasks, metadata=metadata), _key("agent", _dict)


def heartbeat(status: Optional[str] = None, current_tasks: Optional[int] = None) -> "Request[None]":
    return "heartbeat", _fields(status=None if status is None else _s(status), current_tasks=current_tasks), _none


def agents(capabilities: Optional[Iterable[str]] = None, role: Optional[str] = None,
           available: Optional[bool] = None, limit: Optional[int] = None) -> "Request[List[AgentInfoDict]]":
    return "agents", _fields(capabilities=None if capabilities is None else list(capabilities),
                             role=None if role is None else _s(role), available=available,
                             limit=limit), _key("agents", _list)


def deregister() -> "Request[None]":
    return "deregister", {}, _none


def assign_task(task_type: str, required_capabilities: Iterable[str], description: Optional[str] = None,
                parameters: Optional[Dict[str, Any]] = None, priority: Optional[str] = None,
                timeout_ms: Optional[int] = None, max_retries: Optional[int] = None,
                lease_ms: Optional[int] = None, idempotency_key: Optional[str] = None,
                budget: Optional[Dict[str, float]] = None, parent_task_id: Optional[str] = None,
                traceparent: Optional[str] = None) -> "Request[AssignResult]":
    return "assign_task", _fields(
        task_type=task_type, description=description, parameters=parameters,
        required_capabilities=list(required_capabilities),
        priority=None if priority is None else _s(priority), timeout_ms=timeout_ms,
        max_retries=max_retries, lease_ms=lease_ms, idempotency_key=idempotency_key,
        budget=budget, parent_task_id=parent_task_id, traceparent=traceparent,
    ), lambda r: AssignResult(r["task_id"], r["state"], r.get("assigned_to"))


def resume_task(task_id: str, input: Any) -> "Request[TaskInfoDict]":
    return "resume_task", {"task_id": task_id, "input": input}, _key("task", _dict)


def cancel_task(task_id: str) -> "Request[TaskInfoDict]":
    return "cancel_task", {"task_id": task_id}, _key("task", _dict)


def task(task_id: str) -> "Request[TaskInfoDict]":
    return "task", {"task_id": task_id}, _key("task", _dict)


def tasks(state: Optional[str] = None, assigned_to: Optional[str] = None,
          limit: Optional[int] = None) -> "Request[List[TaskInfoDict]]":
    return "tasks", _fields(state=state, assigned_to=assigned_to, limit=limit), _key("tasks", _list)


def broadcast(message_type: str, content: Dict[str, Any], priority: Optional[str] = None,
              role: Optional[str] = None, capabilities: Optional[Iterable[str]] = None) -> "Request[int]":
    return "broadcast", _fields(message_type=_s(message_type), content=content,
                                priority=None if priority is None else _s(priority),
                                role=None if role is None else _s(role),
                                capabilities=None if capabilities is None else list(capabilities)), _key("delivered_to", int)


def stats() -> "Request[Dict[str, Any]]":
    return "stats", {}, _whole


def health() -> "Request[Dict[str, Any]]":
    return "health", {}, _whole
