"""The connection settings Client and AsyncClient share: one place that stores them."""

import ssl
from typing import Any, Dict, Optional, Sequence

from ._core import Failover, ServerAddress, ServerSpec, Session, resolve_servers


class _Settings:
    """Stores a client's constructor arguments, its :class:`~agentd_client._core.Failover`
    core, and the public state both clients expose."""

    _core: Failover

    def _store_settings(self, host: Optional[str], port: Optional[int], servers: Optional[Sequence[ServerSpec]],
                        agent_id: Optional[str], token: Optional[str],
                        connect_timeout: float, read_timeout: float, ssl_context: Optional[ssl.SSLContext],
                        server_hostname: Optional[str], tls: bool, reconnect: bool, backoff_initial: float,
                        backoff_max: float, max_reconnect_attempts: Optional[int],
                        on_message: Any, on_event: Any, on_reconnect: Any) -> None:
        self._core = Failover(resolve_servers(host, port, servers), reconnect=reconnect,
                              backoff_initial=backoff_initial, backoff_max=backoff_max,
                              max_attempts=max_reconnect_attempts, session=Session(agent_id, token))
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        if ssl_context is None and tls:
            ssl_context = ssl.create_default_context()
        self.ssl_context = ssl_context
        self.server_hostname = server_hostname
        self.on_message = on_message
        self.on_event = on_event
        self.on_reconnect = on_reconnect
        #: The ``reason`` of the last ``{"event": "bye"}`` agentd sent, if any.
        self.last_bye_reason: Optional[str] = None
        #: How many times the client has reconnected (to the same or another server).
        self.reconnects = 0
        #: The reply to the last successful ``hello`` (server, version, protocol, agent_id).
        self.server_info: Optional[Dict[str, Any]] = None

    # Settings that live in the core, exposed under their constructor names.

    @property
    def servers(self) -> "list[str]":
        """Every server of the list, as ``host:port``."""
        return [str(s) for s in self._core.servers]

    @property
    def server(self) -> str:
        """The server in use (or being tried), as ``host:port`` (``[::1]:7420`` for IPv6)."""
        return str(self._core.server)

    @property
    def server_address(self) -> ServerAddress:
        """The server in use as ``(host, port)``."""
        return self._core.server

    @property
    def host(self) -> str:
        """The host of the server in use."""
        return self._core.server.host

    @property
    def port(self) -> int:
        """The port of the server in use."""
        return self._core.server.port

    @property
    def agent_id(self) -> Optional[str]:
        """The agent this connection says ``hello`` as (on connect and every reconnect)."""
        return self._core.session.agent_id

    @property
    def reconnect(self) -> bool:
        """Reconnect by itself after the connection breaks."""
        return self._core.reconnect

    @reconnect.setter
    def reconnect(self, value: bool) -> None:
        self._core.reconnect = value

    @property
    def backoff_initial(self) -> float:
        return self._core.backoff_initial

    @property
    def backoff_max(self) -> float:
        return self._core.backoff_max

    @property
    def max_reconnect_attempts(self) -> Optional[int]:
        return self._core.max_attempts

    @property
    def _state(self) -> str:
        """new, connecting, ready, restoring, reconnecting, failed, closing or closed."""
        return self._core.state

    def _tls_name(self, server: ServerAddress) -> str:
        return self.server_hostname or server.host
