"""``AgentRegistry``: the original library's registry API, on agentd's registry ops.

agentd registers the agent of a session, so ``register_agent(agent_id, ...)`` opens (or
reuses) a connection as ``agent_id`` and sends ``register`` on it; ``update_heartbeat``
does the same with ``heartbeat``. Look-ups (``find_available_agents``,
``find_best_agent``, ``get_agent``) use agentd's ``agents`` op, whose order is agentd's
"best first": lowest ``current_tasks / max_concurrent_tasks``, then the freshest
heartbeat.

Without an address it goes where the environment says (``AGENTD_HOST``, ``AGENTD_PORT``,
``AGENT_COMMUNICATION_MODE=mock`` / ``AGENTD_MOCK_MODE=1``); ``connection_string=`` and
``use_mock=`` are the old arguments. With file logging on, registrations, status changes
and deregistrations go to the day's ``agent_activity`` file.

Liveness is agentd's: an agent is marked ``offline`` when none of its connections has
sent anything for ``heartbeat_timeout_ms`` (default 90 s), so keep calling
``update_heartbeat`` (or use :class:`~agentd_client.Worker`, which does).
"""

import logging
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Union

from ._environment import resolve
from .errors import AgentdError, NotFound
from .file_logger import get_file_logger
from .message_protocol import AgentRole
from .mock import MockBroker
from .queue_manager import MessageQueueManager, SessionPool, make_pool

log = logging.getLogger("agentd_client")

RoleLike = Union[AgentRole, str]


@dataclass
class AgentInfo:
    """A registered agent (agentd's AgentInfo), with the old names as properties."""

    agent_id: str
    role: AgentRole
    status: str
    capabilities: List[str]
    max_concurrent_tasks: int = 1
    current_tasks: int = 0
    last_heartbeat: Optional[str] = None
    registered_at: Optional[str] = None
    metadata: Dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_wire(cls, agent: Dict[str, Any]) -> "AgentInfo":
        """From agentd's AgentInfo object."""
        return cls(agent_id=agent["agent_id"], role=AgentRole(agent["role"]), status=agent["status"],
                   capabilities=list(agent.get("capabilities") or []),
                   max_concurrent_tasks=agent.get("max_concurrent_tasks", 1),
                   current_tasks=agent.get("current_tasks", 0), last_heartbeat=agent.get("last_heartbeat"),
                   registered_at=agent.get("registered_at"), metadata=dict(agent.get("metadata") or {}))

    @property
    def agent_role(self) -> AgentRole:
        """Old name of ``role``."""
        return self.role

    @property
    def load_factor(self) -> float:
        """``current_tasks / max_concurrent_tasks``, at most 1.0."""
        return self.calculate_load()

    def calculate_load(self) -> float:
        """``current_tasks / max_concurrent_tasks``, at most 1.0."""
        if self.max_concurrent_tasks <= 0:
            return 1.0
        return min(1.0, self.current_tasks / self.max_concurrent_tasks)

    def is_available(self) -> bool:
        """agentd's rule: not offline or draining, and a free task slot."""
        return self.status not in ("offline", "draining") and self.current_tasks < self.max_concurrent_tasks


def _role(role: Optional[RoleLike]) -> Optional[str]:
    if role is None:
        return None
    return role.value if isinstance(role, AgentRole) else AgentRole(str(role)).value


class AgentRegistry:
    """Register agents and find the best one for a job.

    Args:
        host: agentd's host (default: ``AGENTD_HOST``, else 127.0.0.1; a connection string
            here is taken as one).
        port: agentd's agent port (default: ``AGENTD_PORT``, else 7420; a boolean here is
            the old positional ``use_mock``).
        agent_id: the agent id of the connection used for look-ups (it is not registered).
        mock_mode: use the in-process mock broker (default: the environment; ``use_mock``
            is the old name).
        connection_string: the old argument, agentd's address (``[agentd://]host:port``).
        broker: the mock broker (default: the process-wide one).
        queue_manager: share this manager's connections (and its mode) instead of opening
            new ones.
        **client_options: passed to :class:`~agentd_client.Client`.
    """

    def __init__(self, host: Optional[str] = None, port: Optional[int] = None, agent_id: str = "agent-registry", *,
                 mock_mode: Optional[bool] = None, broker: Optional[MockBroker] = None,
                 queue_manager: Optional[MessageQueueManager] = None, use_mock: Optional[bool] = None,
                 connection_string: Optional[str] = None, **client_options: Any) -> None:
        if queue_manager is not None:
            self.agent_id = queue_manager.agent_id
            self.mock_mode = queue_manager.mock_mode
            self.pool: SessionPool = queue_manager.pool
        else:
            where = resolve(host, port, connection_string, mock_mode, use_mock, client_options)
            self.agent_id = agent_id
            self.mock_mode = where.mock_mode
            self.pool = make_pool(where.host, where.port, where.mock_mode, broker, **where.client_options)

    def register_agent(self, agent_id: str, role: Optional[RoleLike] = None, capabilities: Iterable[str] = (),
                       max_concurrent_tasks: int = 1, metadata: Optional[Dict[str, Any]] = None, *,
                       agent_role: Optional[RoleLike] = None) -> bool:
        """Register ``agent_id`` (or update it). ``agent_role`` is the old keyword.

        Returns:
            True on success; False (logged) when agentd refused.
        """
        wire_role = _role(role if role is not None else agent_role) or AgentRole.WORKER.value
        caps = list(capabilities)
        try:
            self.pool.get(agent_id).register(wire_role, caps, max_concurrent_tasks, metadata or {})
        except AgentdError as e:
            log.error("failed to register agent %s: %s", agent_id, e)
            get_file_logger().log_error(agent_id, "registration_failed", str(e), {"code": e.code})
            return False
        get_file_logger().log_agent_activity(agent_id, "registered", {
            "agent_role": wire_role, "capabilities": caps, "max_concurrent_tasks": max_concurrent_tasks})
        return True

    def update_heartbeat(self, agent_id: str, status: Optional[str] = None, current_tasks: Optional[int] = None,
                         metadata: Optional[Dict[str, Any]] = None) -> bool:
        """``heartbeat`` as ``agent_id``. ``metadata`` (not part of agentd's heartbeat) is
        merged in by registering again with the agent's current role and capabilities.

        Returns:
            True on success, False if the agent is not registered (or agentd refused).
        """
        try:
            client = self.pool.get(agent_id)
            client.heartbeat(status=status, current_tasks=current_tasks)
            get_file_logger().log_status_change(agent_id, status)
            if metadata:
                info = self.get_agent(agent_id)
                if info is not None:
                    merged = dict(info.metadata)
                    merged.update(metadata)
                    client.register(info.role.value, info.capabilities, info.max_concurrent_tasks, merged)
            return True
        except NotFound:
            log.warning("agent %s not registered: heartbeat ignored", agent_id)
            return False
        except AgentdError as e:
            log.error("heartbeat for %s failed: %s", agent_id, e)
            return False

    def _agents(self, capabilities: Optional[Iterable[str]] = None, role: Optional[RoleLike] = None,
                available: Optional[bool] = None, limit: int = 1000) -> List[AgentInfo]:
        raw = self.pool.get(self.agent_id).agents(capabilities=capabilities, role=_role(role),
                                                  available=available, limit=limit)
        return [AgentInfo.from_wire(a) for a in raw]

    def find_available_agents(self, capabilities: Optional[Iterable[str]] = None,
                              role: Optional[Union[RoleLike, int]] = None, max_results: int = 10, *,
                              required_capabilities: Optional[Iterable[str]] = None,
                              agent_role: Optional[RoleLike] = None) -> List[AgentInfo]:
        """Available agents (not offline/draining, a free slot) holding every capability,
        best first. ``required_capabilities`` / ``agent_role`` are the old keywords; a number
        as the second argument is the old positional ``max_results``
        (``find_available_agents(caps, 5)``)."""
        wanted: Optional[RoleLike]
        if isinstance(role, int):
            wanted, max_results = agent_role, role
        else:
            wanted = role if role is not None else agent_role
        caps = capabilities if capabilities is not None else required_capabilities
        try:
            return self._agents(caps, wanted, True, max(1, min(1000, max_results)))
        except AgentdError as e:
            log.error("failed to find available agents: %s", e)
            return []

    def find_best_agent(self, capabilities: Optional[Iterable[str]] = None,
                        role: Optional[RoleLike] = AgentRole.WORKER) -> Optional[AgentInfo]:
        """The agent agentd would pick for a task needing ``capabilities``: the first
        available worker in agentd's best-first order. None if there is none."""
        found = self.find_available_agents(capabilities, role, 1)
        return found[0] if found else None

    def get_agent(self, agent_id: str) -> Optional[AgentInfo]:
        """One agent's registry entry, or None."""
        for info in self._agents():
            if info.agent_id == agent_id:
                return info
        return None

    def get_all_agents(self, include_offline: bool = False) -> List[AgentInfo]:
        """Every registered agent (offline ones only with ``include_offline``)."""
        return [a for a in self._agents() if include_offline or a.status != "offline"]

    def deregister_agent(self, agent_id: str) -> bool:
        """``deregister`` as ``agent_id`` (its held tasks go back to the coordinator)."""
        try:
            self.pool.get(agent_id).deregister()
            get_file_logger().log_agent_activity(agent_id, "deregistered")
            return True
        except AgentdError as e:
            log.warning("deregister %s: %s", agent_id, e)
            return False

    def get_registry_stats(self) -> Dict[str, Any]:
        """agentd's ``stats.registry`` (total_agents, active_agents, offline_agents,
        average_load) plus counts by role and by status and the free task slots."""
        stats = dict(self.pool.get(self.agent_id).stats()["registry"])
        agents = self._agents()
        by_role: Dict[str, int] = {}
        by_status: Dict[str, int] = {}
        for a in agents:
            by_role[a.role.value] = by_role.get(a.role.value, 0) + 1
            by_status[a.status] = by_status.get(a.status, 0) + 1
        stats.update(agents_by_role=by_role, agents_by_status=by_status,
                     available_agents=sum(1 for a in agents if a.is_available()),
                     free_task_slots=sum(max(0, a.max_concurrent_tasks - a.current_tasks)
                                         for a in agents if a.status not in ("offline", "draining")))
        return stats

    def close(self) -> None:
        """Close this registry's connections."""
        self.pool.close()
