"""``MessageQueueManager``: the original library's queue API, on agentd.

Porting: ``from helpers.agent_communication.queue_manager import MessageQueueManager``
becomes ``from agentd_client.queue_manager import MessageQueueManager``, and the
constructor takes agentd's address and the agent this process speaks as::

    mq = MessageQueueManager("127.0.0.1", 7420, agent_id="planner")
    mq.send_message(AgentMessage(to_agent="worker-1", message_type=MessageType.TASK_REQUEST,
                                 content={"job": 1}))
    for m in mq.get_messages("worker-1", limit=10, timeout=2.0):
        ...
        mq.mark_processed(m.message_id)

agentd lets a connection act only as the agent that said ``hello`` on it, while the old
library let one manager send and read for any agent. The manager therefore keeps one
connection per agent id it is asked to act as (``from_agent`` of a message,
``agent_id`` of ``get_messages``), opened on first use.

``mock_mode=True`` runs everything against an in-process :class:`~agentd_client.mock.MockBroker`
instead (shared by every mock-mode object of the process unless ``broker`` is given).

Without an address, the manager goes where the environment says (``AGENTD_HOST``,
``AGENTD_PORT``; ``AGENT_COMMUNICATION_MODE=mock`` or ``AGENTD_MOCK_MODE=1`` for the mock),
so ``MessageQueueManager()`` as the original README writes it works; the old
``connection_string=`` and ``use_mock=`` arguments are accepted (see
:mod:`agentd_client._environment`). With :func:`~agentd_client.file_logger.enable_file_logging`
on, every send, receive and mark is appended to the day's ``message_audit`` file.
"""

import logging
import threading
import time
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple, Union

from ._environment import resolve
from .client import Client
from .errors import AgentdError, NotFound
from .file_logger import get_file_logger
from .message_protocol import AgentMessage, MessageType, _coerce_type
from .mock import MockBroker, MockClient

log = logging.getLogger("agentd_client")


class SessionPool:
    """One connected client per agent id, opened on first use (thread-safe).

    Args:
        factory: makes an unconnected client for an agent id.
    """

    def __init__(self, factory: Callable[[str], Client]) -> None:
        self._factory = factory
        self._clients: Dict[str, Client] = {}
        self._lock = threading.Lock()

    def get(self, agent_id: str) -> Client:
        """The client speaking as ``agent_id`` (connected and hello'd)."""
        with self._lock:
            client = self._clients.get(agent_id)
            if client is None:
                client = self._factory(agent_id).connect()
                self._clients[agent_id] = client
            return client

    def peek(self, agent_id: str) -> Optional[Client]:
        """The client for ``agent_id`` if one is open, without opening one."""
        with self._lock:
            return self._clients.get(agent_id)

    def close(self) -> None:
        """Say ``bye`` on every connection."""
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            try:
                client.bye()
            except AgentdError:
                client.close()


def make_pool(host: str, port: int, mock_mode: bool, broker: Optional[MockBroker],
              **client_options: Any) -> SessionPool:
    """A :class:`SessionPool` of real clients, or of mock clients on ``broker``."""
    if mock_mode:
        mock_broker = broker if broker is not None else MockBroker.default()
        return SessionPool(lambda agent_id: MockClient(mock_broker, agent_id=agent_id))
    return SessionPool(lambda agent_id: Client(host, port, agent_id=agent_id, **client_options))


class MessageQueueManager:
    """Send, receive and acknowledge messages through agentd (or the in-process mock).

    Args:
        host: agentd's host (default: ``AGENTD_HOST``, else 127.0.0.1). A ``host`` that
            looks like a connection string (``agentd://h:p``, ``h:p``) is taken as one.
        port: agentd's agent port (default: ``AGENTD_PORT``, else 7420). A boolean here is
            the old positional ``use_mock``.
        agent_id: the agent this manager acts as by default (sender of messages without
            ``from_agent``, reader for ``get_messages()`` without ``agent_id``).
        mock_mode: use an in-process mock broker instead of agentd (``use_mock`` is the
            old name, accepted too). Default: the environment (``AGENTD_MOCK_MODE``,
            ``AGENT_COMMUNICATION_MODE=mock``).
        connection_string: the old argument: agentd's address as ``[agentd://]host:port``
            (``agentds://`` for TLS); Redis URLs and ODBC strings raise ``ValueError``.
        broker: the mock broker (default: the process-wide one).
        token: ``hello`` token (``auth.mode = token``).
        send_retries: how often ``send_message`` retries after ``unavailable``,
            ``overloaded`` or a lost connection (safe: the message id dedups).
        raise_errors: raise instead of logging and returning False/[] (the old behaviour).
        connect: open the default agent's connection now (so a wrong address fails here).
        **client_options: passed to :class:`~agentd_client.Client` (``ssl_context``,
            ``connect_timeout``, ``read_timeout``, ``reconnect`` ...).
    """

    def __init__(self, host: Optional[str] = None, port: Optional[int] = None, agent_id: str = "agent", *,
                 mock_mode: Optional[bool] = None, broker: Optional[MockBroker] = None, token: Optional[str] = None,
                 send_retries: int = 3, raise_errors: bool = False, connect: bool = True,
                 use_mock: Optional[bool] = None, connection_string: Optional[str] = None,
                 **client_options: Any) -> None:
        where = resolve(host, port, connection_string, mock_mode, use_mock, client_options)
        self.host = where.host
        self.port = where.port
        self.agent_id = agent_id
        self.mock_mode = where.mock_mode
        self.send_retries = send_retries
        self.raise_errors = raise_errors
        options = dict(where.client_options)
        if token is not None:
            options["token"] = token
        self.pool = make_pool(self.host, self.port, self.mock_mode, broker, **options)
        # message id -> the agent it was delivered to, so mark_processed acks on the right session
        self._delivered: Dict[str, str] = {}
        # message id -> (from_agent, message_type) of a delivered message, for the audit file
        self._delivered_meta: Dict[str, Tuple[Optional[str], str]] = {}
        # messages fetched but held back by a message_types filter, per agent
        self._held: Dict[str, List[AgentMessage]] = {}
        self._lock = threading.Lock()
        if connect:
            self.pool.get(agent_id)

    # -- the old API -------------------------------------------------------------------

    def send_message(self, message: AgentMessage) -> Union[str, bool]:
        """Send one message.

        The sender is ``message.from_agent`` (default: this manager's ``agent_id``). A
        message without ``to_agent`` is a broadcast: agentd's ``broadcast`` op, which only
        a registered supervisor or coordinator may use and which reaches registered agents
        that are not offline.

        Returns:
            the stored ``message_id`` (a true value), ``True`` for a broadcast, or ``False``
            when agentd refused or could not be reached (logged; raised with ``raise_errors``).
        """
        sender = message.from_agent or self.agent_id
        if message.from_agent is None:
            message.from_agent = sender
        delay = 0.05
        for attempt in range(self.send_retries + 1):
            try:
                client = self.pool.get(sender)
                if message.to_agent is None:
                    reached = client.broadcast(message.message_type, message.content, priority=message.priority)
                    self._audit(message.message_id, sender, None, message.message_type, "broadcast",
                                {"priority": message.priority.value, "delivered_to": reached})
                    return True
                result = client.send_message(message.to_wire())
                self._audit(result.message_id, sender, message.to_agent, message.message_type, "sent",
                            {"priority": message.priority.value, "duplicate": result.duplicate})
                return result.message_id
            except AgentdError as e:
                if e.retryable and attempt < self.send_retries:
                    time.sleep(delay)
                    delay = min(delay * 2, 1.0)
                    continue
                log.error("failed to send message %s: %s", message.message_id, e)
                get_file_logger().log_error(sender, "send_failed", str(e),
                                            {"message_id": message.message_id, "to_agent": message.to_agent,
                                             "code": e.code})
                if self.raise_errors:
                    raise
                return False
        return False  # pragma: no cover - the loop always returns

    def get_messages(self, agent_id: Optional[str] = None, limit: int = 10, timeout: float = 0.0,
                     message_types: Optional[Iterable[Union[MessageType, str]]] = None) -> List[AgentMessage]:
        """Take up to ``limit`` messages from an inbox, highest priority first.

        Args:
            agent_id: whose inbox (default: this manager's agent).
            limit: at most this many (1-1000).
            timeout: seconds to wait for at least one message (0: do not wait).
            message_types: only these types; other messages fetched meanwhile are kept
                back (still unacked) and returned by a later call that asks for them.
        Returns:
            the messages; each must be :meth:`mark_processed` (acked) or it is delivered
            again after agentd's ack timeout or when this manager closes.
        """
        agent = agent_id or self.agent_id
        wanted = None if message_types is None else {_coerce_type(t) for t in message_types}
        out: List[AgentMessage] = []
        with self._lock:
            held = self._held.get(agent, [])
            keep = []
            for m in held:
                if len(out) < limit and (wanted is None or m.message_type in wanted):
                    out.append(m)
                else:
                    keep.append(m)
            self._held[agent] = keep
        if len(out) >= limit:
            return out
        try:
            fetched = self.pool.get(agent).fetch(limit=min(1000, limit - len(out)),
                                                 wait_ms=min(30000, int(timeout * 1000)) if not out else 0)
        except AgentdError as e:
            log.error("failed to get messages for %s: %s", agent, e)
            get_file_logger().log_error(agent, "receive_failed", str(e), {"code": e.code})
            if self.raise_errors:
                raise
            return out
        for raw in fetched:
            self._audit(raw.get("message_id", ""), raw.get("from_agent"), agent, raw.get("message_type", ""),
                        "received", {"attempt": (raw.get("delivery") or {}).get("attempt"),
                                     "priority": raw.get("priority")})
        with self._lock:
            for raw in fetched:
                m = AgentMessage.from_wire(raw)
                self._delivered[m.message_id] = agent
                self._delivered_meta[m.message_id] = (m.from_agent, m.message_type.value)
                if wanted is None or m.message_type in wanted:
                    out.append(m)
                else:
                    box = self._held.setdefault(agent, [])
                    box[:] = [h for h in box if h.message_id != m.message_id] + [m]
        return out

    def mark_processed(self, message_id: str, agent_id: Optional[str] = None, status: str = "processed",
                       error_message: Optional[str] = None) -> bool:
        """Acknowledge a message from :meth:`get_messages`: agentd never delivers it again.

        ``status`` ``"processed"`` or ``"failed"`` acks (``error_message`` is only logged:
        agentd does not store it); ``"retry"`` (or ``"pending"``) nacks instead, so the
        message is delivered again with ``attempt`` + 1.

        Returns:
            True if the message was in flight and is now acked (or requeued).
        """
        with self._lock:
            agent = agent_id or self._delivered.get(message_id) or self.agent_id
        try:
            client = self.pool.get(agent)
            if status in ("retry", "pending"):
                n = client.nack([message_id])
            else:
                n = client.ack([message_id])
                if error_message:
                    log.info("message %s marked %s: %s", message_id, status, error_message)
        except AgentdError as e:
            log.error("failed to mark message %s as %s: %s", message_id, status, e)
            get_file_logger().log_error(agent, "mark_processed_failed", str(e),
                                        {"message_id": message_id, "status": status, "code": e.code})
            if self.raise_errors:
                raise
            return False
        with self._lock:
            self._delivered.pop(message_id, None)
            sender, mtype = self._delivered_meta.pop(message_id, (None, None))
        if n > 0:
            event = "retry" if status in ("retry", "pending") else status
            self._audit(message_id, sender, agent, mtype, event,
                        {"error_message": error_message} if error_message else None)
        return n > 0

    @staticmethod
    def _audit(message_id: str, from_agent: Optional[str], to_agent: Optional[str], message_type: Any,
               event: str, data: Optional[Dict[str, Any]] = None) -> None:
        """One ``message_audit`` record, when file logging is on."""
        logger = get_file_logger()
        if logger.enabled:
            logger.log_message(message_id, from_agent, to_agent, message_type, event,
                               {k: v for k, v in (data or {}).items() if v is not None})

    def get_queue_stats(self) -> Dict[str, Any]:
        """Queue figures in the old names, plus agentd's whole ``stats`` under ``"agentd"``.

        ``total_messages`` = sent_total, ``pending`` = stored and not acked (in flight
        included), ``processed`` = acked_total, ``failed`` = dead letters,
        ``active_agents`` = registered agents not offline.
        """
        try:
            stats = self.pool.get(self.agent_id).stats()
        except AgentdError as e:
            log.error("failed to get stats: %s", e)
            if self.raise_errors:
                raise
            return {"error": str(e)}
        q = stats["queues"]
        return {
            "total_messages": q["sent_total"], "pending": q["pending"], "in_flight": q["in_flight"],
            "processed": q["acked_total"], "failed": q["dead_letters"], "dead_letters": q["dead_letters"],
            "expired": q["expired_total"], "delivered": q["delivered_total"],
            "messages_per_minute": q["messages_per_minute"],
            "active_agents": stats["registry"]["active_agents"],
            "mode": "mock" if self.mock_mode else "agentd", "agentd": stats,
        }

    @property
    def use_mock(self) -> bool:
        """Old name of ``mock_mode``."""
        return self.mock_mode

    def is_connected(self) -> bool:
        """True when the default agent's connection is up (always True in mock mode)."""
        client = self.pool.peek(self.agent_id)
        try:
            if client is None:
                client = self.pool.get(self.agent_id)
            return client.is_connected() and client.ping()
        except AgentdError:
            return False

    def get_agent_status(self, agent_id: str) -> Optional[Dict[str, Any]]:
        """The registry entry (AgentInfo) of ``agent_id``, or None if not registered."""
        for agent in self.pool.get(self.agent_id).agents(limit=1000):
            if agent["agent_id"] == agent_id:
                return agent
        return None

    def update_agent_heartbeat(self, agent_id: str, status_info: Dict[str, Any]) -> bool:
        """``heartbeat`` as ``agent_id`` with ``status`` / ``current_tasks`` from
        ``status_info``. False if the agent is not registered."""
        status = status_info.get("status")
        current = status_info.get("current_tasks")
        try:
            self.pool.get(agent_id).heartbeat(status=status, current_tasks=current)
            get_file_logger().log_status_change(agent_id, status)
            return True
        except NotFound:
            return False
        except AgentdError as e:
            log.error("heartbeat for %s failed: %s", agent_id, e)
            if self.raise_errors:
                raise
            return False

    def cleanup_expired_messages(self) -> int:
        """No-op kept for old callers: agentd drops expired messages itself (counted in
        ``get_queue_stats()["expired"]``). Returns 0."""
        return 0

    def close(self) -> None:
        """Close every connection (``bye``). Unacked messages are delivered again."""
        self.pool.close()

    def __enter__(self) -> "MessageQueueManager":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def create_simple_queue_manager(agent_id: str = "agent", **kwargs: Any) -> MessageQueueManager:
    """A manager for agentd at ``AGENTD_HOST``/``AGENTD_PORT`` (default 127.0.0.1:7420),
    or in mock mode when ``AGENTD_MOCK_MODE=1`` or ``AGENT_COMMUNICATION_MODE=mock``."""
    return MessageQueueManager(agent_id=agent_id, **kwargs)
