"""The protocol core: everything a client does that is not I/O.

:class:`~agentd_client.Client` (threads), :class:`~agentd_client.AsyncClient` (asyncio)
and the in-memory mock all drive the same pieces, so they cannot drift apart:

- framing: :func:`encode_frame` (frame -> line) and :class:`FrameDecoder` (bytes ->
  frames), one JSON object per ``\\n``-terminated line;
- :class:`RequestTable`: request ids, and which waiter a reply belongs to;
- :class:`Failover`: the connection's life as a value. Told what happened (``start``,
  ``opened``, ``step_ok``, ``failed``, ``lost``, ``backoff_done``, ``event``), it answers
  with the action to take: :class:`Connect` to a server, :class:`Send` a restore request
  (``hello``, ``subscribe``), :class:`Backoff`, :class:`Ready`, :class:`GiveUp`,
  :class:`FailPending`, :class:`Drop`. It never touches a socket, a thread or a clock,
  so it is tested without any (tests/test_core.py).

Nothing here is thread-safe: each driver calls it under its own lock (threads) or from
its event loop (asyncio).
"""

import collections
import json
import logging
import random
from typing import (Any, Callable, Dict, Generic, List, NamedTuple, Optional, Sequence, Tuple, TypeVar, Union)

from .errors import AgentdError, ConnectionLost, ProtocolError, error_from_reply

log = logging.getLogger("agentd_client")

#: agentd's default agent port (``listen = "127.0.0.1:7420"`` in Config/agentd.toml).
DEFAULT_PORT = 7420

#: The longest line a client accepts. agentd bounds requests (``max_frame_bytes``), not
#: replies: one ``fetch`` of 1000 large messages is one line, so the bound is generous; it
#: only stops a broken peer from growing the buffer without end.
MAX_LINE_BYTES = 1 << 28

Frame = Dict[str, Any]
W = TypeVar("W")


# -- servers ---------------------------------------------------------------------------

class ServerAddress(NamedTuple):
    """One daemon's address. ``str()`` gives ``host:port`` (``[::1]:7420`` for IPv6)."""

    host: str
    port: int

    def __str__(self) -> str:
        return "[%s]:%d" % (self.host, self.port) if ":" in self.host else "%s:%d" % (self.host, self.port)


ServerSpec = Union[str, Tuple[str, int]]


def parse_server(spec: ServerSpec) -> ServerAddress:
    """``"host:port"``, ``"[v6]:port"``, ``"host"`` (default port) or ``(host, port)``."""
    if isinstance(spec, tuple):
        host, port = spec
        return ServerAddress(str(host), int(port))
    if not isinstance(spec, str) or not spec:
        raise ValueError("server %r: expected \"host:port\"" % (spec,))
    if spec.startswith("["):
        end = spec.find("]")
        if end < 0:
            raise ValueError("server %r: unclosed [ in an IPv6 address" % spec)
        host, rest = spec[1:end], spec[end + 1:]
        if rest and not rest.startswith(":"):
            raise ValueError("server %r: expected [v6]:port" % spec)
        port_text = rest[1:]
    elif spec.count(":") == 1:
        host, port_text = spec.split(":")
    elif ":" in spec:
        raise ValueError("server %r: write an IPv6 address as [addr]:port" % spec)
    else:
        host, port_text = spec, ""
    try:
        port = int(port_text) if port_text else DEFAULT_PORT
    except ValueError:
        raise ValueError("server %r: the port is not a number" % spec) from None
    if not host or not 0 < port < 65536:
        raise ValueError("server %r: expected \"host:port\" with a port of 1-65535" % spec)
    return ServerAddress(host, port)


def resolve_servers(host: Optional[str], port: Optional[int],
                    servers: Optional[Sequence[ServerSpec]]) -> List[ServerAddress]:
    """The server list from a client's ``host``/``port`` or ``servers`` arguments."""
    if servers is not None:
        if host is not None or port is not None:
            raise TypeError("pass either servers=[\"host:port\", ...] or host/port, not both")
        if isinstance(servers, (str, bytes)):
            raise TypeError("servers must be a list of \"host:port\" strings, not one string")
        out = [parse_server(s) for s in servers]
        if not out:
            raise ValueError("servers: the list is empty")
        return out
    return [ServerAddress("127.0.0.1" if host is None else host, DEFAULT_PORT if port is None else int(port))]


# -- framing ---------------------------------------------------------------------------

def encode_frame(frame: Frame) -> bytes:
    """One request frame as a line of UTF-8 JSON ending in ``\\n``."""
    return json.dumps(frame, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8") + b"\n"


def is_event(frame: Frame) -> bool:
    """True for an event frame: it has ``event`` and no ``ok``."""
    return "event" in frame and "ok" not in frame


class FrameDecoder:
    """Bytes in, frames out. Lines that are not a JSON object are logged and skipped (a
    newer or broken server must not take the connection down with it)."""

    def __init__(self, max_line_bytes: int = MAX_LINE_BYTES) -> None:
        self.max_line_bytes = max_line_bytes
        self._buf = bytearray()

    def feed(self, data: bytes) -> List[Frame]:
        """The complete frames in ``data`` (plus what was buffered before).

        Raises:
            ProtocolError: a line grew beyond ``max_line_bytes``.
        """
        self._buf += data
        frames: List[Frame] = []
        start = 0
        while True:
            end = self._buf.find(b"\n", start)
            if end < 0:
                break
            frame = self._decode(bytes(self._buf[start:end]))
            if frame is not None:
                frames.append(frame)
            start = end + 1
        del self._buf[:start]
        if len(self._buf) > self.max_line_bytes:
            raise ProtocolError("a line longer than %d bytes" % self.max_line_bytes)
        return frames

    @staticmethod
    def _decode(line: bytes) -> Optional[Frame]:
        line = line.strip()
        if not line:
            return None
        try:
            frame = json.loads(line.decode("utf-8"))
        except ValueError:
            log.warning("agentd sent a line that is not JSON: %r", line[:200])
            return None
        if not isinstance(frame, dict):
            log.warning("agentd sent a frame that is not an object: %r", line[:200])
            return None
        return frame


# -- requests --------------------------------------------------------------------------

RequestKey = Union[int, Tuple[str, int]]


class RequestTable(Generic[W]):
    """Requests waiting for their reply, oldest first, each with its waiter (a future of
    the driver's kind). Request ids are 1, 2, 3, ... for the client's whole life, so a
    late reply from an old connection never matches a new request."""

    def __init__(self) -> None:
        self._next = 1
        self._pending: "collections.OrderedDict[RequestKey, W]" = collections.OrderedDict()

    def __len__(self) -> int:
        return len(self._pending)

    def _id(self) -> int:
        rid = self._next
        self._next += 1
        return rid

    def add(self, op: str, fields: Dict[str, Any], waiter: W) -> Tuple[RequestKey, bytes]:
        """Register ``waiter`` and return its key and the request line to write."""
        rid = self._id()
        frame: Frame = {"op": op, "id": rid}
        frame.update(fields)
        data = encode_frame(frame)  # before registering: a value JSON cannot carry raises here
        self._pending[rid] = waiter
        return rid, data

    def add_raw(self, line: bytes, waiter: W) -> Tuple[RequestKey, bytes]:
        """Register ``waiter`` for a raw line (whose id we did not choose: matched by order)."""
        key = ("raw", self._id())
        self._pending[key] = waiter
        return key, line if line.endswith(b"\n") else line + b"\n"

    def discard(self, key: RequestKey) -> None:
        """Forget a request (timed out, or its write failed)."""
        self._pending.pop(key, None)

    def match(self, reply: Frame) -> Optional[W]:
        """The waiter ``reply`` answers (removed from the table), or None."""
        rid = reply.get("id")
        if rid is not None and not isinstance(rid, bool) and isinstance(rid, int):
            waiter = self._pending.pop(rid, None)
            if waiter is not None:
                return waiter
        if self._pending and (rid is None or isinstance(next(iter(self._pending)), tuple)):
            # Replies come in request order: a reply without id (bad_json, frame_too_large,
            # overloaded), or any reply while the oldest request is a raw line, answers the
            # oldest request in flight.
            return self._pending.popitem(last=False)[1]
        return None

    def drain(self) -> List[W]:
        """Every waiter, oldest first; the table is empty afterwards (connection lost)."""
        waiters = list(self._pending.values())
        self._pending.clear()
        return waiters


def reply_error(reply: Frame) -> Optional[AgentdError]:
    """None for a successful reply, else its typed error."""
    return None if reply.get("ok") is True else error_from_reply(reply)


# -- the connection's life -------------------------------------------------------------

class Connect(NamedTuple):
    """Open a connection to ``server``, then tell :meth:`Failover.opened` (or ``failed``)."""

    server: ServerAddress


class Send(NamedTuple):
    """Send this restore request on the new connection and wait for its reply, then tell
    :meth:`Failover.step_ok` (or ``failed`` with the error, after dropping the connection)."""

    op: str
    fields: Dict[str, Any]


class Backoff(NamedTuple):
    """Wait this long (unless closed meanwhile), then tell :meth:`Failover.backoff_done`."""

    seconds: float


class Ready(NamedTuple):
    """The session is usable; ``reconnected`` is False after the first :meth:`Failover.start`."""

    reconnected: bool


class GiveUp(NamedTuple):
    """Stop trying: the client is ``failed``. ``connect()`` raises ``error``."""

    error: BaseException


class FailPending(NamedTuple):
    """Fail every request in flight with :meth:`error` (a fresh exception each time)."""

    message: str
    bye_reason: Optional[str]

    def error(self) -> ConnectionLost:
        return ConnectionLost(self.message, self.bye_reason)


class Drop(NamedTuple):
    """Close the current connection now (agentd said ``bye``: nothing more will come)."""

    reason: Optional[str]


class Idle(NamedTuple):
    """Nothing to do (the client was closed meanwhile)."""


Action = Union[Connect, Send, Backoff, Ready, GiveUp, FailPending, Drop, Idle]

#: The states a client goes through; ``closing`` is between its own ``bye`` and the close.
STATES = ("new", "connecting", "ready", "restoring", "reconnecting", "failed", "closing", "closed")


class Session:
    """What a new connection must be told to continue the session: the ``hello`` (agent
    and token) and the subscription (with its prefetch)."""

    def __init__(self, agent_id: Optional[str] = None, token: Optional[str] = None) -> None:
        self.agent_id = agent_id
        self.token = token
        self.hello_done = False
        self.subscribed = False
        self.prefetch: Optional[int] = None

    def plan(self, first: bool) -> List[Send]:
        """The requests that bring a fresh connection to where the session was."""
        steps: List[Send] = []
        if self.agent_id is not None and (first or self.hello_done):
            fields: Dict[str, Any] = {"agent_id": self.agent_id}
            if self.token is not None:
                fields["token"] = self.token
            steps.append(Send("hello", fields))
        if self.subscribed and not first:
            steps.append(Send("subscribe", {} if self.prefetch is None else {"prefetch": self.prefetch}))
        return steps


def _retryable(error: BaseException) -> bool:
    # Transport trouble and "retry later" codes move on; a refused hello (forbidden,
    # unauthenticated, bad_request) would be refused by every daemon of the system.
    if isinstance(error, AgentdError):
        return error.retryable
    return isinstance(error, (OSError, TimeoutError))


class Failover:
    """The connection state machine of one client, over a list of servers.

    - :meth:`start` (``connect()``): one round over the servers from the current one;
      every server refusing or unreachable -> :class:`GiveUp` (raised by ``connect``).
    - :meth:`lost` (the ready connection broke, or agentd said ``bye``): requests in
      flight fail (:class:`FailPending`), then, with ``reconnect``, the *next* server is
      tried, round robin; after each full round without success, :class:`Backoff`
      (``backoff_initial`` doubling up to ``backoff_max``, jittered so a crowd of clients
      does not reconnect in step). ``max_attempts`` failed connections -> :class:`GiveUp`;
      so does a non-retryable refusal (``forbidden``...).
    - each new connection is restored with :meth:`Session.plan`: ``hello`` as the same
      agent, ``subscribe`` with the same prefetch.
    """

    def __init__(self, servers: Sequence[ServerAddress], *, reconnect: bool = True,
                 backoff_initial: float = 0.05, backoff_max: float = 2.0,
                 max_attempts: Optional[int] = None, session: Optional[Session] = None,
                 jitter: Optional[Callable[[], float]] = None) -> None:
        if not servers:
            raise ValueError("at least one server is needed")
        self.servers = list(servers)
        self.reconnect = reconnect
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.max_attempts = max_attempts
        self.session = session if session is not None else Session()
        self.jitter = jitter if jitter is not None else (lambda: random.uniform(0.8, 1.2))
        self.state = "new"
        self.index = 0
        #: The error that made the client give up (or the last failed attempt's).
        self.failure: Optional[BaseException] = None
        #: The ``reason`` of the ``bye`` event on the current connection, if agentd sent one.
        self.bye_reason: Optional[str] = None
        self._first = True  # connecting for connect(), not reconnecting
        self._plan: List[Send] = []
        self._step: Optional[Send] = None  # the restore request in flight
        self._attempts = 0  # failed attempts since the last success
        self._tried = 0  # servers tried in this round
        self._delay = backoff_initial

    @property
    def server(self) -> ServerAddress:
        """The server in use (or being tried)."""
        return self.servers[self.index]

    def waiting(self) -> bool:
        """True while requests should wait for the session rather than fail."""
        return self.state in ("connecting", "restoring", "reconnecting")

    # -- inputs ----------------------------------------------------------------------

    def start(self) -> Action:
        """``connect()`` was called."""
        if self.state not in ("new", "failed"):
            raise AgentdError("connect: client is %s" % self.state)
        self.state, self._first = "connecting", True
        self._attempts = self._tried = 0
        self._delay = self.backoff_initial
        self.failure = None
        return Connect(self.server)

    def opened(self) -> Action:
        """The connection to :attr:`server` is open."""
        if self.state not in ("connecting", "reconnecting"):
            return Idle()
        self.state = "connecting" if self._first else "restoring"
        self.bye_reason = None
        self._plan = self.session.plan(self._first)
        return self._next_step()

    def step_ok(self, reply: Frame) -> Action:
        """The last :class:`Send` was answered ``ok``."""
        if self.state not in ("connecting", "restoring"):
            return Idle()
        if self._step is not None and self._step.op == "hello":
            self.session.hello_done = True
        return self._next_step()

    def failed(self, error: BaseException) -> Action:
        """Opening the connection, or a restore step on it, failed with ``error`` (the
        driver has dropped that connection)."""
        if self.state not in ("connecting", "restoring", "reconnecting"):
            return Idle()
        self.failure = error
        if not _retryable(error):
            return self._give_up(error)
        self._attempts += 1
        self._tried += 1
        if self.max_attempts is not None and self._attempts >= self.max_attempts and not self._first:
            return self._give_up(error)
        self.index = (self.index + 1) % len(self.servers)
        if self._tried < len(self.servers):
            self.state = "connecting" if self._first else "reconnecting"
            return Connect(self.server)
        if self._first:
            return self._give_up(error)  # connect() tries each server once, then raises
        self._tried = 0
        self.state = "reconnecting"
        seconds = self._delay * self.jitter()
        self._delay = min(self._delay * 2, self.backoff_max)
        return Backoff(seconds)

    def backoff_done(self) -> Action:
        """The :class:`Backoff` wait ended."""
        if self.state != "reconnecting":
            return Idle()
        return Connect(self.server)

    def lost(self, error: Optional[BaseException]) -> List[Action]:
        """The current connection is gone (closed, broken, or dropped after ``bye``)."""
        bye = self.bye_reason
        where = " at %s" % (self.server,)
        message = "connection to agentd%s lost%s" % (where, " (bye: %s)" % bye if bye else "")
        if self.state == "closed":
            message = "client closed"
        actions: List[Action] = [FailPending(message, bye)]
        if self.state != "ready":
            # closing/closed: expected. connecting/restoring: the restore step in flight
            # fails and its driver reports that through failed().
            return actions
        self.failure = error
        if not self.reconnect:
            self.state = "failed"
            actions.append(GiveUp(ConnectionLost(message, bye)))
            return actions
        self.state, self._first = "reconnecting", False
        self._tried = 0
        self.index = (self.index + 1) % len(self.servers)
        actions.append(Connect(self.server))
        return actions

    def event(self, frame: Frame) -> Optional[Action]:
        """An event arrived on the current connection."""
        if frame.get("event") == "bye":
            reason = frame.get("reason")
            self.bye_reason = reason if isinstance(reason, str) else None
            # agentd sends bye as its last frame (every request it read was answered
            # before): drop the connection now, so later requests wait for the next one
            # instead of being written into a closing socket.
            return Drop(self.bye_reason)
        return None

    def closing(self) -> None:
        """The client's own ``bye`` is on its way: the close that follows is expected."""
        if self.state == "ready":
            self.state = "closing"

    def close(self) -> bool:
        """``close()``; False when it was closed already."""
        if self.state == "closed":
            return False
        self.state = "closed"
        return True

    # -- session facts the user's own requests change ----------------------------------

    def hello_ok(self, agent_id: str, token: Optional[str]) -> None:
        """A ``hello`` the user sent succeeded: a reconnect says it again."""
        self.session.agent_id, self.session.token, self.session.hello_done = agent_id, token, True

    def subscribed(self, prefetch: Optional[int]) -> None:
        self.session.subscribed, self.session.prefetch = True, prefetch

    def unsubscribed(self) -> None:
        self.session.subscribed = False

    # -- internals -------------------------------------------------------------------

    def _next_step(self) -> Action:
        if self._plan:
            self._step = self._plan.pop(0)
            return self._step
        self._step = None
        reconnected = not self._first
        self.state, self._first = "ready", False
        self._attempts = self._tried = 0
        self._delay = self.backoff_initial
        self.failure = None
        return Ready(reconnected)

    def _give_up(self, error: BaseException) -> Action:
        if not self._first:  # connect() raises instead: the caller hears of it there
            log.warning("agentd client: giving up reconnecting (%s)", error)
        self.state = "failed"
        self.failure = error
        return GiveUp(error)
