"""The connection settings Client and AsyncClient share: one place that stores them."""

import ssl
from typing import Any, Dict, Optional


class _Settings:
    """Stores a client's constructor arguments and the public state both clients expose."""

    def _store_settings(self, host: str, port: int, agent_id: Optional[str], token: Optional[str],
                        connect_timeout: float, read_timeout: float, ssl_context: Optional[ssl.SSLContext],
                        server_hostname: Optional[str], tls: bool, reconnect: bool, backoff_initial: float,
                        backoff_max: float, max_reconnect_attempts: Optional[int],
                        on_message: Any, on_event: Any, on_reconnect: Any) -> None:
        self.host = host
        self.port = int(port)
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        if ssl_context is None and tls:
            ssl_context = ssl.create_default_context()
        self.ssl_context = ssl_context
        self.server_hostname = server_hostname
        self.reconnect = reconnect
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.max_reconnect_attempts = max_reconnect_attempts
        self.on_message = on_message
        self.on_event = on_event
        self.on_reconnect = on_reconnect
        #: The ``reason`` of the last ``{"event": "bye"}`` agentd sent, if any.
        self.last_bye_reason: Optional[str] = None
        #: How many times the client has reconnected.
        self.reconnects = 0
        #: The reply to the last successful ``hello`` (server, version, protocol, agent_id).
        self.server_info: Optional[Dict[str, Any]] = None
        self._agent_id: Optional[str] = agent_id
        self._token = token
        self._hello_done = False
