"""Where the original-API classes connect when the code does not say: environment
variables and the old ``connection_string`` / ``use_mock`` arguments.

Code written for the original library constructs ``MessageQueueManager()``,
``AgentRegistry()`` or ``SupervisorCoordinator("id")`` without an address; it was told
where to go (or to use its mock) by the environment. The same holds here:

- ``AGENTD_HOST`` / ``AGENTD_PORT``: agentd's address (default ``127.0.0.1:7420``);
- ``AGENTD_MOCK_MODE=1`` (also ``true``/``yes``; ``0``/``false``/``no`` forces the real
  broker) or the original ``AGENT_COMMUNICATION_MODE=mock``: the in-process mock broker.
  ``AGENTD_MOCK_MODE``, when set, wins over ``AGENT_COMMUNICATION_MODE``; any other value of
  the latter (the old ``sql``, or ``agentd``) means the real broker;
- ``AGENT_DEFAULT_TIMEOUT`` (seconds) and ``AGENT_MAX_RETRIES``: defaults of
  ``SupervisorCoordinator.assign_task``'s ``timeout`` and ``max_retries``.

A ``connection_string`` is agentd's address: ``host:port``, ``host``,
``agentd://host:port`` (or ``tcp://``), ``agentds://host:port`` (or ``tls://``: TLS with
the system trust store). The old Redis URLs and ODBC strings name another server, so they
are refused with a ``ValueError`` rather than silently reinterpreted.
"""

import os
from dataclasses import dataclass
from typing import Any, Dict, Optional

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7420

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def env_mock_mode() -> bool:
    """True when the environment asks for mock mode (see the module doc)."""
    ours = os.environ.get("AGENTD_MOCK_MODE", "").strip().lower()
    if ours in _TRUE:
        return True
    if ours in _FALSE:
        return False
    return os.environ.get("AGENT_COMMUNICATION_MODE", "").strip().lower() == "mock"


def env_float(name: str) -> Optional[float]:
    """A positive number from the environment, or None when unset or not a positive number."""
    raw = os.environ.get(name, "").strip()
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if value > 0 else None


def env_int(name: str) -> Optional[int]:
    """A non-negative integer from the environment, or None when unset or invalid."""
    raw = os.environ.get(name, "").strip()
    try:
        value = int(raw)
    except ValueError:
        return None
    return value if value >= 0 else None


@dataclass(frozen=True)
class Endpoint:
    """Where to connect, and how."""

    host: str
    port: int
    tls: bool = False


_SCHEMES = {"agentd": False, "tcp": False, "agentds": True, "tls": True}


def parse_connection_string(text: str) -> Endpoint:
    """An :class:`Endpoint` from ``[scheme://]host[:port]`` (see the module doc).

    Raises:
        ValueError: for another scheme (``redis://``, ``rediss://``...) or an ODBC string.
    """
    s = text.strip()
    tls = False
    if "://" in s:
        scheme, s = s.split("://", 1)
        if scheme.lower() not in _SCHEMES:
            raise ValueError("connection string %r: agentd_client connects to agentd "
                             "(agentd://host:port, agentds://host:port or host:port), not to %s" % (text, scheme))
        tls = _SCHEMES[scheme.lower()]
        s = s.split("/", 1)[0]
        if "@" in s:  # user:password@ of a URL: agentd authenticates with token=
            s = s.rsplit("@", 1)[1]
    if ";" in s or "=" in s or not s:
        raise ValueError("connection string %r is not an agentd address (host:port); the ODBC/SQL settings "
                         "of the original library have no meaning for agentd" % text)
    host, port = s, DEFAULT_PORT
    if s.startswith("["):  # [ipv6]:port
        inner, _, rest = s[1:].partition("]")
        host = inner
        if rest.startswith(":") and rest[1:]:
            port = int(rest[1:])
    elif s.count(":") == 1:
        host, port_text = s.split(":")
        port = int(port_text)
    return Endpoint(host or DEFAULT_HOST, port, tls)


def looks_like_connection_string(host: Optional[str]) -> bool:
    """True for a ``host`` argument that is really a connection string (a scheme, or
    ``name:port``), as old code passing ``connection_string`` positionally produces."""
    if host is None:
        return False
    if "://" in host or ";" in host:
        return True
    name, sep, port = host.rpartition(":")
    return bool(sep) and ":" not in name and port.isdigit()


@dataclass(frozen=True)
class Resolved:
    """The outcome of :func:`resolve`: address, mode and extra client options."""

    host: str
    port: int
    mock_mode: bool
    client_options: Dict[str, Any]


def resolve(host: Optional[str], port: Optional[int], connection_string: Optional[str],
            mock_mode: Optional[bool], use_mock: Optional[bool], client_options: Dict[str, Any]) -> Resolved:
    """Combine explicit arguments, old-style arguments and the environment.

    Precedence: explicit ``host``/``port`` > ``connection_string`` > ``AGENTD_HOST``/
    ``AGENTD_PORT`` > 127.0.0.1:7420; ``use_mock`` / ``mock_mode`` (either; ``use_mock``
    wins when both are given) > the environment > the real broker. A boolean ``port`` is
    the old positional ``use_mock`` (``MessageQueueManager(None, True)``).
    """
    if isinstance(port, bool):
        if use_mock is None:
            use_mock = port
        port = None
    if connection_string is None and looks_like_connection_string(host):
        connection_string, host = host, None
    options = dict(client_options)
    endpoint: Optional[Endpoint] = None
    if connection_string:
        endpoint = parse_connection_string(connection_string)
        if endpoint.tls and options.get("ssl_context") is None:
            options.setdefault("tls", True)
    env_host = os.environ.get("AGENTD_HOST") or DEFAULT_HOST
    env_port_text = os.environ.get("AGENTD_PORT", "").strip()
    env_port = int(env_port_text) if env_port_text.isdigit() else DEFAULT_PORT
    final_host = host if host is not None else (endpoint.host if endpoint else env_host)
    final_port = port if port is not None else (endpoint.port if endpoint else env_port)
    if use_mock is not None:
        mock = use_mock
    elif mock_mode is not None:
        mock = mock_mode
    else:
        mock = env_mock_mode()
    return Resolved(final_host, int(final_port), bool(mock), options)
