"""The synchronous, thread-based client.

One :class:`Client` is one TCP (or TLS) connection to agentd, to one server of a list.
A reader thread takes every line off the socket and sorts it: replies go to the request
that is waiting for them (matched by ``id``), events (``{"event": ...}`` frames without
``ok``) go to an event queue or to your callback. So requests may be pipelined from any
number of threads, and a pushed message arriving between two replies never confuses
either.

::

    from agentd_client import Client

    with Client("127.0.0.1", 7420, agent_id="planner") as c:       # connects and says hello
        c.send("worker-1", {"job": 42}, message_type="task_request")
        for m in c.fetch(limit=10, wait_ms=2000):
            print(m["content"])
            c.ack([m["message_id"]])

When the connection breaks (agentd died, network trouble, ``{"event": "bye"}``),
requests waiting for a reply fail with :class:`~agentd_client.errors.ConnectionLost`, and
with ``reconnect=True`` (the default) a background thread connects to the next server of
``servers`` (round robin, backoff between full rounds), says ``hello`` again as the same
agent and subscribes again if the connection was subscribed. Requests made meanwhile
wait for it (up to their timeout).

What to do when is decided by the I/O-free core (:mod:`agentd_client._core`); this
module only does the socket and thread work it asks for.
"""

import logging
import queue
import select
import socket
import ssl
import threading
import time
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, TypeVar, Union
from typing import Protocol

from . import _ops
from ._core import (DEFAULT_PORT, Backoff, Connect, Drop, FailPending, FrameDecoder, GiveUp, Idle, Ready,
                    RequestKey, RequestTable, Send, ServerAddress, ServerSpec, encode_frame, is_event, reply_error)
from ._ops import AgentInfoDict, AssignResult, Message, RequestResult, SendResult, TaskInfoDict
from ._settings import _Settings
from .errors import AgentdError, ConnectionLost, ProtocolError, RequestTimeout

log = logging.getLogger("agentd_client")

T = TypeVar("T")
C = TypeVar("C", bound="Client")
Reply = Dict[str, Any]
EventCallback = Callable[[Dict[str, Any]], None]
MessageCallback = Callable[[Message], None]

_CLOSED: Dict[str, Any] = {}  # put on the event queue when the client closes, to wake readers


class Transport(Protocol):
    """A byte stream to one server, as the threaded client drives it. A socket is one; the
    in-memory mock (:mod:`agentd_client.mock`) is another."""

    def send(self, data: bytes) -> None:
        """Write all of ``data`` (raises OSError when the connection is gone)."""

    def recv(self) -> bytes:
        """Block until bytes arrive; ``b""`` at end of stream."""

    def close(self) -> None:
        """Close; a blocked :meth:`recv` returns (or raises OSError)."""


class SocketTransport:
    """A plain TCP socket. The reader thread blocks in recv until data or EOF (no socket
    timeout); reply waits are bounded by each request's own timeout instead."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def recv(self) -> bytes:
        return self.sock.recv(65536)

    def close(self) -> None:
        _close_socket(self.sock)


class TLSTransport(SocketTransport):
    """A TLS socket. OpenSSL must not read and write one SSL object from two threads at
    once, so the socket is non-blocking and every recv/send holds one lock."""

    def __init__(self, sock: ssl.SSLSocket) -> None:
        super().__init__(sock)
        sock.setblocking(False)
        self._io_lock = threading.Lock()
        self._closed = False

    def send(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            with self._io_lock:
                try:
                    n = self.sock.send(view)
                except (ssl.SSLWantWriteError, ssl.SSLWantReadError):
                    n = 0
            if n:
                view = view[n:]
            else:
                select.select([], [self.sock], [], 1.0)

    def recv(self) -> bytes:
        while not self._closed:
            with self._io_lock:
                try:
                    return self.sock.recv(65536)
                except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                    pass
            select.select([self.sock], [], [], 0.5)
        return b""

    def close(self) -> None:
        self._closed = True
        super().close()


class Client(_Settings):
    """A connection to agentd (thread-safe; requests from many threads are pipelined).

    Args:
        host: agentd's host (default ``127.0.0.1``).
        port: agentd's agent port (default 7420).
        servers: instead of host/port, several daemons of one system
            (``["10.0.0.1:7420", "[::1]:7420"]``): connect uses the first that accepts,
            and when it dies, refuses (``overloaded``) or says ``bye``, the client moves on
            to the next, round robin. Passing both ``servers`` and host/port is a TypeError.
        agent_id: if given, :meth:`connect` says ``hello`` as this agent.
        token: the token for ``hello`` (``auth.mode = token``).
        connect_timeout: seconds to open the TCP (and TLS) connection.
        read_timeout: default seconds to wait for a reply (a ``fetch`` with ``wait_ms``
            waits that much longer).
        ssl_context: speak TLS with this context; ``tls=True`` uses
            ``ssl.create_default_context()``.
        server_hostname: the name to check the server certificate against (default: the
            server's host).
        tls: shorthand for a default TLS context.
        reconnect: reconnect by itself after the connection breaks (not after :meth:`close`).
        backoff_initial: wait after a full round of failed servers, in seconds; doubles
            each round.
        backoff_max: longest wait between rounds.
        max_reconnect_attempts: give up after this many failed attempts (None: never).
        on_message: called with each pushed message (on a dispatcher thread, which may call
            back into the client). With a callback, :meth:`next_message` is not used.
        on_event: called with every other event (``{"event": "bye", "reason": ...}``).
        on_reconnect: called (on the reconnect thread) after a successful reconnect.
    """

    def __init__(self, host: Optional[str] = None, port: Optional[int] = None, *,
                 servers: Optional[Sequence[ServerSpec]] = None,
                 agent_id: Optional[str] = None, token: Optional[str] = None,
                 connect_timeout: float = 5.0, read_timeout: float = 30.0,
                 ssl_context: Optional[ssl.SSLContext] = None, server_hostname: Optional[str] = None,
                 tls: bool = False, reconnect: bool = True, backoff_initial: float = 0.05,
                 backoff_max: float = 2.0, max_reconnect_attempts: Optional[int] = None,
                 on_message: Optional[MessageCallback] = None, on_event: Optional[EventCallback] = None,
                 on_reconnect: Optional[Callable[["Client"], None]] = None) -> None:
        self._store_settings(
            host=host, port=port, servers=servers, agent_id=agent_id, token=token,
            connect_timeout=connect_timeout, read_timeout=read_timeout, ssl_context=ssl_context,
            server_hostname=server_hostname, tls=tls, reconnect=reconnect, backoff_initial=backoff_initial,
            backoff_max=backoff_max, max_reconnect_attempts=max_reconnect_attempts, on_message=on_message,
            on_event=on_event, on_reconnect=on_reconnect)
        self.on_message: Optional[MessageCallback] = on_message
        self.on_event: Optional[EventCallback] = on_event
        self.on_reconnect: Optional[Callable[["Client"], None]] = on_reconnect
        # _core, _requests, _transport and _gen are guarded by _lock; _cond wakes requests
        # waiting for the session to be ready (and a backoff wait when the client closes).
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._requests: "RequestTable[Future[Reply]]" = RequestTable()
        self._transport: Optional[Transport] = None
        self._gen = 0  # bumped when a transport is installed or lost: stale threads see a mismatch
        # Held while registering a request and writing it, so the order of the table is the
        # order of the requests on the wire (id-less replies are matched by that order).
        self._write_lock = threading.Lock()
        self._events: "queue.Queue[Dict[str, Any]]" = queue.Queue()
        self._dispatcher: Optional[threading.Thread] = None

    # -- connection ------------------------------------------------------------------

    def is_connected(self) -> bool:
        """True while the connection is open and usable (not reconnecting, not closed)."""
        with self._lock:
            return self._core.state == "ready"

    @property
    def connected(self) -> bool:
        """Same as :meth:`is_connected`."""
        return self.is_connected()

    def connect(self: C) -> C:
        """Open the connection (and say ``hello`` if ``agent_id`` was given), trying each
        server of the list once.

        Returns:
            self, so ``c = Client(...).connect()`` works.
        Raises:
            ConnectionLost: no server could be reached within ``connect_timeout``, or each
                closed the connection at once (``overloaded``: ``max_connections`` reached).
            AgentdError: the ``hello`` was refused (e.g. :class:`Forbidden`, :class:`Unauthenticated`).
        """
        with self._lock:
            action = self._core.start()
        self._start_dispatcher()
        error = self._establish(action)
        if error is not None:
            raise error
        return self

    def __enter__(self: C) -> C:
        with self._lock:
            new = self._core.state == "new"
        if new:
            self.connect()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection without ``bye``; no reconnect. Waiting requests fail with
        :class:`ConnectionLost`; iterators over :meth:`messages` end."""
        with self._lock:
            if not self._core.close():
                return
            self._gen += 1
            transport, self._transport = self._transport, None
            pending = self._requests.drain()
            self._cond.notify_all()
        if transport is not None:
            transport.close()
        for fut in pending:
            _fail(fut, ConnectionLost("client closed"))
        self._events.put(_CLOSED)

    def _open_transport(self, server: ServerAddress) -> Transport:
        """Open a connection to ``server`` (the mock overrides this)."""
        raw = socket.create_connection((server.host, server.port), timeout=self.connect_timeout)
        try:
            raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.ssl_context is not None:
                return TLSTransport(self.ssl_context.wrap_socket(raw, server_hostname=self._tls_name(server)))
            raw.settimeout(None)
            return SocketTransport(raw)
        except BaseException:
            raw.close()
            raise

    def _establish(self, action: Any) -> Optional[BaseException]:
        """Carry out the core's actions from ``action`` on until the session is ready
        (None) or the core gives up (its error). Runs on the caller of :meth:`connect`, or
        on the reconnect thread."""
        gen = -1
        while True:
            if isinstance(action, Connect):
                try:
                    transport = self._open_transport(action.server)
                except OSError as e:
                    with self._lock:
                        action = self._core.failed(ConnectionLost("cannot connect to %s: %s" % (action.server, e)))
                    continue
                with self._lock:
                    gen = self._install(transport)
                    action = self._core.opened() if gen >= 0 else Idle()
            elif isinstance(action, Send):
                try:
                    key, fut = self._write(gen, action.op, action.fields)
                    reply = self._wait(key, fut, self.connect_timeout + self.read_timeout)
                except AgentdError as e:
                    self._lost(gen, e)  # drop this half-restored connection
                    with self._lock:
                        action = self._core.failed(e)
                    continue
                if action.op == "hello":
                    self.server_info = {k: v for k, v in reply.items() if k not in ("id", "ok")}
                with self._lock:
                    action = self._core.step_ok(reply)
            elif isinstance(action, Backoff):
                with self._lock:
                    self._cond.wait_for(lambda: self._core.state != "reconnecting", action.seconds)
                    action = self._core.backoff_done()
            elif isinstance(action, Ready):
                with self._lock:
                    self._cond.notify_all()
                log.info("agentd client: session ready on %s", self.server)
                if action.reconnected:
                    self.reconnects += 1
                    if self.on_reconnect is not None:
                        try:
                            self.on_reconnect(self)
                        except Exception:
                            log.exception("on_reconnect callback failed")
                return None
            elif isinstance(action, GiveUp):
                with self._lock:
                    self._cond.notify_all()
                self._events.put(_CLOSED)
                return action.error
            else:  # Idle: closed meanwhile
                return ConnectionLost("client closed")

    def _install(self, transport: Transport) -> int:
        """Make ``transport`` current and start its reader (caller holds _lock); -1 when
        the client was closed meanwhile."""
        if self._core.state in ("closed", "closing"):
            transport.close()
            return -1
        self._gen += 1
        gen = self._gen
        self._transport = transport
        threading.Thread(target=self._read_loop, args=(transport, gen), name="agentd-reader", daemon=True).start()
        return gen

    def _read_loop(self, transport: Transport, gen: int) -> None:
        error: Optional[BaseException] = None
        decoder = FrameDecoder()
        try:
            while True:
                data = transport.recv()
                if not data:
                    break
                for frame in decoder.feed(data):
                    if is_event(frame):
                        self._on_event(frame, gen)
                    else:
                        self._on_reply(frame, gen)
        except (OSError, ValueError, ProtocolError) as e:  # ValueError: closed under us
            error = e
        finally:
            self._lost(gen, error)

    def _on_reply(self, frame: Reply, gen: int) -> None:
        with self._lock:
            if gen != self._gen:
                return
            fut = self._requests.match(frame)
        if fut is None:
            log.debug("reply for no waiting request (timed out?): %r", frame)
            return
        error = reply_error(frame)
        try:
            if error is None:
                fut.set_result(frame)
            else:
                fut.set_exception(error)
        except Exception:  # resolved by a racing close
            pass

    def _on_event(self, frame: Dict[str, Any], gen: int) -> None:
        with self._lock:
            if gen != self._gen:
                return
            action = self._core.event(frame)
        if isinstance(action, Drop):
            self.last_bye_reason = action.reason
            log.info("agentd at %s said bye: %s", self.server, action.reason)
        self._events.put(frame)
        if isinstance(action, Drop):
            self._lost(gen, None)

    def _lost(self, gen: int, error: Optional[BaseException]) -> None:
        """The connection of generation ``gen`` is gone: do what the core says."""
        with self._lock:
            if gen != self._gen:
                return
            self._gen += 1
            transport, self._transport = self._transport, None
            pending = self._requests.drain()
            actions = self._core.lost(error)
            self._cond.notify_all()
        if transport is not None:
            transport.close()
        for action in actions:
            if isinstance(action, FailPending):
                for fut in pending:
                    _fail(fut, action.error())
            elif isinstance(action, Connect):
                threading.Thread(target=self._establish, args=(action,), name="agentd-reconnect",
                                 daemon=True).start()
            elif isinstance(action, GiveUp):
                self._events.put(_CLOSED)

    # -- requests ----------------------------------------------------------------------

    def _ready(self, deadline: float) -> int:
        """Wait for the session to be usable; its connection generation."""
        with self._lock:
            while self._core.state != "ready":
                state = self._core.state
                if not self._core.waiting():
                    why = "not connected" if state == "new" else "connection %s" % state
                    if self._core.failure is not None:
                        why += " (%s)" % self._core.failure
                    raise ConnectionLost(why, self.last_bye_reason)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ConnectionLost("not connected: still reconnecting", self.last_bye_reason)
                self._cond.wait(left)
            return self._gen

    def _write(self, gen: int, op: Optional[str], fields: Dict[str, Any],
               raw: Optional[bytes] = None) -> "tuple[RequestKey, Future[Reply]]":
        fut: "Future[Reply]" = Future()
        with self._write_lock:
            with self._lock:
                transport = self._transport
                if gen != self._gen or transport is None:
                    raise ConnectionLost("connection lost", self.last_bye_reason)
                if raw is None:
                    assert op is not None
                    key, data = self._requests.add(op, fields, fut)
                else:
                    key, data = self._requests.add_raw(raw, fut)
            try:
                transport.send(data)
            except OSError as e:
                with self._lock:
                    self._requests.discard(key)
                self._lost(gen, e)
                raise ConnectionLost("write failed: %s" % e, self.last_bye_reason) from e
        return key, fut

    def _wait(self, key: RequestKey, fut: "Future[Reply]", timeout: float) -> Reply:
        try:
            return fut.result(timeout)
        except FutureTimeout:
            with self._lock:
                self._requests.discard(key)
            raise RequestTimeout("no reply within %.1f s" % timeout) from None

    def submit(self, op: str, *, timeout: Optional[float] = None, **fields: Any) -> "Future[Dict[str, Any]]":
        """Write one request and return at once: pipelining.

        Args:
            op: the op name.
            timeout: how long to wait for the connection if it is reconnecting.
            **fields: the request's fields.
        Returns:
            a ``concurrent.futures.Future`` whose result is the reply frame; a failed reply
            raises its typed :class:`AgentdError` from ``result()``.
        """
        deadline = time.monotonic() + (self.read_timeout if timeout is None else timeout)
        return self._write(self._ready(deadline), op, fields)[1]

    def request(self, op: str, *, timeout: Optional[float] = None, **fields: Any) -> Dict[str, Any]:
        """Send one request and wait for its reply.

        Args:
            op: the op name (any string; an unknown one raises :class:`UnknownOp`).
            timeout: seconds to wait (default ``read_timeout``).
            **fields: the request's fields.
        Returns:
            the reply frame (``{"id": ..., "ok": true, ...}``).
        Raises:
            AgentdError: the typed error of a failed reply; :class:`RequestTimeout`;
            :class:`ConnectionLost` (retryable: the request may or may not have taken effect).
        """
        t = self.read_timeout if timeout is None else timeout
        deadline = time.monotonic() + t
        key, fut = self._write(self._ready(deadline), op, fields)
        return self._wait(key, fut, max(0.001, deadline - time.monotonic()))

    def request_raw(self, line: Union[str, bytes], *, timeout: Optional[float] = None) -> Dict[str, Any]:
        """Write one raw line (for testing the server) and wait for the next reply to it.

        The reply is matched by order (agentd answers in request order), so do not pipeline
        other requests at the same time.
        """
        t = self.read_timeout if timeout is None else timeout
        deadline = time.monotonic() + t
        data = line.encode("utf-8") if isinstance(line, str) else line
        key, fut = self._write(self._ready(deadline), None, {}, raw=data)
        return self._wait(key, fut, max(0.001, deadline - time.monotonic()))

    def _call(self, req: "_ops.Request[T]", timeout: Optional[float] = None) -> T:
        op, fields, extract = req
        return extract(self.request(op, timeout=timeout, **fields))

    # -- events ------------------------------------------------------------------------

    def _start_dispatcher(self) -> None:
        if self.on_message is None and self.on_event is None:
            return
        if self._dispatcher is not None:
            return
        self._dispatcher = threading.Thread(target=self._dispatch_loop, name="agentd-dispatch", daemon=True)
        self._dispatcher.start()

    def _dispatch_loop(self) -> None:
        while True:
            frame = self._events.get()
            if frame is _CLOSED:
                with self._lock:
                    if self._core.state in ("closed", "failed"):
                        return
                continue
            try:
                message = frame.get("message")
                if frame.get("event") == "message" and self.on_message is not None:
                    self.on_message(message if isinstance(message, dict) else {})
                elif self.on_event is not None:
                    self.on_event(frame)
            except Exception:
                log.exception("event callback failed")

    def next_event(self, timeout: Optional[float] = None) -> Optional[Dict[str, Any]]:
        """The next event frame (``{"event": "message", ...}``, ``{"event": "bye", ...}``).

        Args:
            timeout: seconds to wait; None waits until one arrives or the client closes.
        Returns:
            the event, or None on timeout or when the client is closed.
        """
        try:
            frame = self._events.get(timeout=timeout)
        except queue.Empty:
            return None
        if frame is _CLOSED:
            self._events.put(_CLOSED)  # keep waking other readers
            return None
        return frame

    def next_message(self, timeout: Optional[float] = None) -> Optional[Message]:
        """The next pushed message (skipping other events), or None on timeout/close."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            frame = self.next_event(left)
            if frame is None:
                return None
            message = frame.get("message")
            if frame.get("event") == "message" and isinstance(message, dict):
                return message
            if deadline is not None and time.monotonic() >= deadline:
                return None

    def messages(self, idle_timeout: Optional[float] = None) -> Iterator[Message]:
        """Iterate over pushed messages (after :meth:`subscribe`) until the client closes,
        or until none arrives for ``idle_timeout`` seconds."""
        while True:
            m = self.next_message(idle_timeout)
            if m is None:
                return
            yield m

    # -- session ops -------------------------------------------------------------------

    def hello(self, agent_id: str, token: Optional[str] = None) -> Dict[str, Any]:
        """Open the session as ``agent_id``; remembered, so a reconnect says it again.

        Returns:
            ``{"server": "agentd", "version": ..., "protocol": 1, "agent_id": ...}``.
        """
        token = token if token is not None else self._core.session.token
        info = self._call(_ops.hello(agent_id, token), timeout=self.connect_timeout + self.read_timeout)
        with self._lock:
            self._core.hello_ok(agent_id, token)
        self.server_info = info
        return info

    def ping(self) -> bool:
        """``ping``: True when agentd answers ``pong`` (allowed before hello)."""
        return self._call(_ops.ping())

    def bye(self) -> None:
        """``bye``: agentd answers and closes; the client closes too (no reconnect)."""
        with self._lock:
            self._core.closing()  # the close that follows is expected: no reconnect
            gen = self._gen
        try:
            op, fields, _ = _ops.bye()
            key, fut = self._write(gen, op, fields)
            self._wait(key, fut, self.read_timeout)
        except ConnectionLost:
            pass  # not connected, or agentd closed first: closed either way
        finally:
            self.close()

    # -- messaging ops -----------------------------------------------------------------

    def send(self, to_agent: str, content: Dict[str, Any], message_type: str = "status_update", *,
             priority: Optional[str] = None, message_id: Optional[str] = None,
             correlation_id: Optional[str] = None, reply_to: Optional[str] = None,
             ttl_ms: Optional[int] = None, delay_ms: Optional[int] = None,
             traceparent: Optional[str] = None) -> SendResult:
        """``send``: store one message in ``to_agent``'s inbox.

        Answered only once the message is durably stored. Give a ``message_id`` to make a
        retry after :class:`Unavailable` / :class:`ConnectionLost` safe (dedup: stored
        once, the retry answers ``duplicate``), also when the retry goes through another
        daemon of the system. The client never resends by itself. ``traceparent`` (a W3C
        trace-context string) is delivered with the message untouched.

        Returns:
            ``SendResult(message_id, duplicate)``.
        """
        return self._call(_ops.send(_ops.build_message(
            to_agent, content, message_type, priority, message_id, correlation_id, reply_to, ttl_ms, delay_ms,
            traceparent=traceparent)))

    def request_reply(self, message: Optional[Dict[str, Any]] = None, *, to_agent: Optional[str] = None,
                content: Optional[Dict[str, Any]] = None, message_type: str = "task_request",
                priority: Optional[str] = None, message_id: Optional[str] = None,
                correlation_id: Optional[str] = None, ttl_ms: Optional[int] = None,
                traceparent: Optional[str] = None, timeout_ms: Optional[int] = None) -> RequestResult:
        """The ``request`` op (named so because :meth:`request` sends any op): send a
        message (a ready-made ``message`` object, or built from
        ``to_agent``/``content``/...) and wait up to ``timeout_ms`` (1-300 000, default
        30 000) for the first message back carrying its ``correlation_id`` (agentd makes
        one up when none is given, and sets ``reply_to`` to this agent).

        The wait holds back this connection's later replies; use another client to go on
        meanwhile. Returns ``RequestResult(message_id, reply, timed_out)``: ``reply`` is the
        reply message (taken by the request: never fetched or pushed, no ack needed), or
        None with ``timed_out`` True.
        """
        request, timeout = _ops.request_reply(message, to_agent, content, message_type, priority, message_id,
                                              correlation_id, ttl_ms, traceparent, timeout_ms, self.read_timeout)
        return self._call(request, timeout=timeout)

    def send_message(self, message: Dict[str, Any]) -> SendResult:
        """``send`` with a ready-made message object (wire field names)."""
        return self._call(_ops.send(message))

    def fetch(self, limit: Optional[int] = None, wait_ms: Optional[int] = None) -> List[Message]:
        """``fetch``: take up to ``limit`` (1-1000, default 10) messages from this agent's
        inbox, highest priority first; with ``wait_ms`` wait up to that long for one."""
        timeout = self.read_timeout + (wait_ms or 0) / 1000.0
        return self._call(_ops.fetch(limit, wait_ms), timeout=timeout)

    def ack(self, message_ids: Iterable[str]) -> int:
        """``ack``: the messages are done. Returns how many were in flight for this agent."""
        return self._call(_ops.ack(message_ids))

    def nack(self, message_ids: Iterable[str], delay_ms: Optional[int] = None, *, dead_letter: bool = False) -> int:
        """``nack``: deliver again (attempt + 1), after ``delay_ms``. Returns how many.

        With ``dead_letter=True`` the messages go to the dead letters at once (reason
        ``rejected``) whatever their attempt; returns how many (``dead_lettered``)."""
        return self._call(_ops.nack(message_ids, delay_ms, dead_letter))

    def subscribe(self, prefetch: Optional[int] = None) -> bool:
        """``subscribe``: agentd pushes messages (at most ``prefetch`` unacked) as events;
        read them with :meth:`next_message` / :meth:`messages` or ``on_message``.
        Remembered: a reconnect subscribes again, with the same prefetch."""
        result = self._call(_ops.subscribe(prefetch))
        with self._lock:
            self._core.subscribed(prefetch)
        return result

    def unsubscribe(self) -> bool:
        """``unsubscribe``: no more pushes. Returns ``subscribed`` (False)."""
        result = self._call(_ops.unsubscribe())
        with self._lock:
            self._core.unsubscribed()
        return result

    def dead_letters(self, limit: Optional[int] = None, agent_id: Optional[str] = None) -> List[Message]:
        """``dead_letters``: messages that used up their deliveries (each with ``dead``)."""
        return self._call(_ops.dead_letters(limit, agent_id))

    def requeue_dead(self, message_ids: Iterable[str], agent_id: Optional[str] = None) -> int:
        """``requeue_dead``: back to the inbox with a fresh attempt count. Returns how many."""
        return self._call(_ops.requeue_dead(message_ids, agent_id))

    # -- registry ops ------------------------------------------------------------------

    def register(self, role: str, capabilities: Iterable[str] = (), max_concurrent_tasks: Optional[int] = None,
                 metadata: Optional[Dict[str, Any]] = None) -> AgentInfoDict:
        """``register``: join (or update) the registry as ``role``. Returns the AgentInfo."""
        return self._call(_ops.register(role, capabilities, max_concurrent_tasks, metadata))

    def heartbeat(self, status: Optional[str] = None, current_tasks: Optional[int] = None) -> None:
        """``heartbeat``: report status and load (omitted fields keep their value)."""
        self._call(_ops.heartbeat(status, current_tasks))

    def agents(self, capabilities: Optional[Iterable[str]] = None, role: Optional[str] = None,
               available: Optional[bool] = None, limit: Optional[int] = None) -> List[AgentInfoDict]:
        """``agents``: registered agents holding every capability, best first."""
        return self._call(_ops.agents(capabilities, role, available, limit))

    def deregister(self) -> None:
        """``deregister``: leave the registry (held tasks go back to the coordinator)."""
        self._call(_ops.deregister())

    # -- coordination ops --------------------------------------------------------------

    def assign_task(self, task_type: str, required_capabilities: Iterable[str] = (), *,
                    description: Optional[str] = None, parameters: Optional[Dict[str, Any]] = None,
                    priority: Optional[str] = None, timeout_ms: Optional[int] = None,
                    max_retries: Optional[int] = None, lease_ms: Optional[int] = None,
                    idempotency_key: Optional[str] = None, budget: Optional[Dict[str, float]] = None,
                    parent_task_id: Optional[str] = None, traceparent: Optional[str] = None) -> AssignResult:
        """``assign_task`` (supervisor/coordinator): give a task to the best available worker,
        or keep it pending. Returns ``AssignResult(task_id, state, assigned_to)``."""
        return self._call(_ops.assign_task(task_type, required_capabilities, description, parameters,
                                           priority, timeout_ms, max_retries, lease_ms, idempotency_key,
                                           budget, parent_task_id, traceparent))

    def resume_task(self, task_id: str, input: Any) -> TaskInfoDict:
        """``resume_task`` (the task's supervisor, or a supervisor or coordinator): answer a
        task waiting in ``input_required``; the assignee receives ``input``. Returns the
        TaskInfo."""
        return self._call(_ops.resume_task(task_id, input))

    def cancel_task(self, task_id: str) -> TaskInfoDict:
        """``cancel_task`` (supervisor/coordinator). Returns the TaskInfo."""
        return self._call(_ops.cancel_task(task_id))

    def task(self, task_id: str) -> TaskInfoDict:
        """``task``: one task's TaskInfo (raises :class:`NotFound` if unknown or not visible)."""
        return self._call(_ops.task(task_id))

    def tasks(self, state: Optional[str] = None, assigned_to: Optional[str] = None,
              limit: Optional[int] = None) -> List[TaskInfoDict]:
        """``tasks``: TaskInfos, newest first, optionally filtered."""
        return self._call(_ops.tasks(state, assigned_to, limit))

    def broadcast(self, message_type: str, content: Dict[str, Any], *, priority: Optional[str] = None,
                  role: Optional[str] = None, capabilities: Optional[Iterable[str]] = None) -> int:
        """``broadcast`` (supervisor/coordinator): one copy to every matching registered agent
        that is not offline, the sender excepted. Returns ``delivered_to``."""
        return self._call(_ops.broadcast(message_type, content, priority, role, capabilities))

    # -- observability ops -------------------------------------------------------------

    def stats(self) -> Dict[str, Any]:
        """``stats``: ``{"queues": ..., "registry": ..., "coordination": ..., "server": ...}``."""
        return self._call(_ops.stats())

    def health(self) -> Dict[str, Any]:
        """``health``: ``{"status": "ok"|"degraded", "store": "up"|"down", "backend": ...}``."""
        return self._call(_ops.health())


def connect(host: Optional[str] = None, port: Optional[int] = None, agent_id: Optional[str] = None, *,
            servers: Optional[Sequence[ServerSpec]] = None, **options: Any) -> Client:
    """Create a :class:`Client`, connect it and (with ``agent_id``) say hello.

    Args:
        host: agentd's host.
        port: agentd's agent port.
        agent_id: the agent to say hello as.
        servers: several daemons instead of host/port (see :class:`Client`).
        **options: any other :class:`Client` argument.
    """
    return Client(host, port, servers=servers, agent_id=agent_id, **options).connect()


def _close_socket(sock: Optional[socket.socket]) -> None:
    if sock is None:
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass


def _fail(fut: "Future[Reply]", error: BaseException) -> None:
    if not fut.done():
        try:
            fut.set_exception(error)
        except Exception:  # already resolved by a racing thread
            pass


__all__ = ["Client", "connect", "DEFAULT_PORT", "encode_frame", "is_event", "ProtocolError", "Transport",
           "SocketTransport", "TLSTransport"]
