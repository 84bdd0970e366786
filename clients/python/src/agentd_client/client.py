"""The synchronous, thread-based client.

One :class:`Client` is one TCP (or TLS) connection to agentd. A reader thread takes every
line off the socket and sorts it: replies go to the request that is waiting for them
(matched by ``id``), events (``{"event": ...}`` frames without ``ok``) go to an event
queue or to your callback. So requests may be pipelined from any number of threads, and a
pushed message arriving between two replies never confuses either.

::

    from agentd_client import Client

    with Client("127.0.0.1", 7420, agent_id="planner") as c:       # connects and says hello
        c.send("worker-1", {"job": 42}, message_type="task_request")
        for m in c.fetch(limit=10, wait_ms=2000):
            print(m["content"])
            c.ack([m["message_id"]])

When the connection breaks (agentd restarted, network trouble, ``{"event": "bye"}``),
requests waiting for a reply fail with :class:`~agentd_client.errors.ConnectionLost`, and
with ``reconnect=True`` (the default) a background thread reconnects with exponential
backoff, says ``hello`` again as the same agent and subscribes again if the connection
was subscribed. Requests made while it reconnects wait for it (up to their timeout).
"""

import collections
import itertools
import json
import logging
import queue
import random
import select
import socket
import ssl
import threading
import time
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Tuple, Union

from . import _ops
from ._settings import _Settings
from ._ops import AgentInfoDict, Message, SendResult, AssignResult, TaskInfoDict
from .errors import AgentdError, ConnectionLost, ProtocolError, RequestTimeout, error_from_reply

log = logging.getLogger("agentd_client")

#: agentd's default agent port (``listen = "127.0.0.1:7420"`` in Config/agentd.toml).
DEFAULT_PORT = 7420

EventCallback = Callable[[Dict[str, Any]], None]
MessageCallback = Callable[[Message], None]

_CLOSED = object()  # put on the event queue when the client closes, to wake readers


def encode_frame(frame: Dict[str, Any]) -> bytes:
    """One request frame as a line of UTF-8 JSON ending in ``\\n``."""
    return json.dumps(frame, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8") + b"\n"


def is_event(frame: Dict[str, Any]) -> bool:
    """True for an event frame: it has ``event`` and no ``ok``."""
    return "event" in frame and "ok" not in frame


class Client(_Settings):
    """A connection to agentd (thread-safe; requests from many threads are pipelined).

    Args:
        host: agentd's host.
        port: agentd's agent port.
        agent_id: if given, :meth:`connect` says ``hello`` as this agent.
        token: the token for ``hello`` (``auth.mode = token``).
        connect_timeout: seconds to open the TCP (and TLS) connection.
        read_timeout: default seconds to wait for a reply (a ``fetch`` with ``wait_ms``
            waits that much longer).
        ssl_context: speak TLS with this context; ``tls=True`` uses
            ``ssl.create_default_context()``.
        server_hostname: the name to check the server certificate against (default: host).
        tls: shorthand for a default TLS context.
        reconnect: reconnect by itself after the connection breaks (not after :meth:`close`).
        backoff_initial: first wait before reconnecting, in seconds; doubles each attempt.
        backoff_max: longest wait between reconnect attempts.
        max_reconnect_attempts: give up after this many failed attempts (None: never).
        on_message: called with each pushed message (on a dispatcher thread, which may call
            back into the client). With a callback, :meth:`next_message` is not used.
        on_event: called with every other event (``{"event": "bye", "reason": ...}``).
        on_reconnect: called (on the reconnect thread) after a successful reconnect.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = DEFAULT_PORT, *,
                 agent_id: Optional[str] = None, token: Optional[str] = None,
                 connect_timeout: float = 5.0, read_timeout: float = 30.0,
                 ssl_context: Optional[ssl.SSLContext] = None, server_hostname: Optional[str] = None,
                 tls: bool = False, reconnect: bool = True, backoff_initial: float = 0.05,
                 backoff_max: float = 2.0, max_reconnect_attempts: Optional[int] = None,
                 on_message: Optional[MessageCallback] = None, on_event: Optional[EventCallback] = None,
                 on_reconnect: Optional[Callable[["Client"], None]] = None) -> None:
        self._store_settings(
            host=host, port=port, agent_id=agent_id, token=token, connect_timeout=connect_timeout,
            read_timeout=read_timeout, ssl_context=ssl_context, server_hostname=server_hostname, tls=tls,
            reconnect=reconnect, backoff_initial=backoff_initial, backoff_max=backoff_max,
            max_reconnect_attempts=max_reconnect_attempts, on_message=on_message, on_event=on_event,
            on_reconnect=on_reconnect)
        self._bye_gen = -1  # the connection generation the last bye came on
        self._subscribed = False
        self._prefetch: Optional[int] = None

        # All state below is guarded by _lock; _cond wakes requests waiting for "ready".
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._state = "new"  # new, ready, restoring, reconnecting, failed, closed
        self._sock: Optional[socket.socket] = None
        self._gen = 0  # bumped when a socket is installed or lost: stale threads see a mismatch
        self._pending: "collections.OrderedDict[Any, Future]" = collections.OrderedDict()
        self._failure: Optional[BaseException] = None
        # Held while registering a pending reply and writing its request, so the order of
        # _pending is the order of the requests on the wire (replies come in that order).
        self._write_lock = threading.Lock()
        # TLS only: one SSL object is never read and written by two threads at once.
        self._io_lock = threading.Lock()
        self._ids = itertools.count(1)
        self._events: "queue.Queue[Any]" = queue.Queue()
        self._dispatcher: Optional[threading.Thread] = None
        self._reconnector: Optional[threading.Thread] = None

    # -- connection ------------------------------------------------------------------

    @property
    def agent_id(self) -> Optional[str]:
        """The agent this connection said ``hello`` as (or will, on :meth:`connect`)."""
        return self._agent_id

    def is_connected(self) -> bool:
        """True while the connection is open and usable (not reconnecting, not closed)."""
        with self._lock:
            return self._state == "ready"

    @property
    def connected(self) -> bool:
        """Same as :meth:`is_connected`."""
        return self.is_connected()

    def connect(self) -> "Client":
        """Open the connection (and say ``hello`` if ``agent_id`` was given).

        Returns:
            self, so ``c = Client(...).connect()`` works.
        Raises:
            ConnectionLost: agentd could not be reached within ``connect_timeout``.
            AgentdError: the ``hello`` was refused (e.g. :class:`Forbidden`, :class:`Unauthenticated`).
        """
        with self._lock:
            if self._state not in ("new", "failed"):
                raise AgentdError("connect: client is %s" % self._state)
        try:
            sock = self._open_socket()
        except OSError as e:
            raise ConnectionLost("cannot connect to %s:%d: %s" % (self.host, self.port, e)) from e
        self._install(sock, "ready")
        self._start_dispatcher()
        if self._agent_id is not None:
            try:
                self.hello(self._agent_id, self._token)
            except BaseException:
                self.close()
                raise
        return self

    def __enter__(self) -> "Client":
        with self._lock:
            new = self._state == "new"
        if new:
            self.connect()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection without ``bye``; no reconnect. Waiting requests fail with
        :class:`ConnectionLost`; iterators over :meth:`messages` end."""
        with self._lock:
            if self._state == "closed":
                return
            self._state = "closed"
            sock, self._sock = self._sock, None
            self._gen += 1
            pending = list(self._pending.values())
            self._pending.clear()
            self._cond.notify_all()
        _close_socket(sock)
        for fut in pending:
            _fail(fut, ConnectionLost("client closed"))
        self._events.put(_CLOSED)

    def _open_socket(self) -> socket.socket:
        raw = socket.create_connection((self.host, self.port), timeout=self.connect_timeout)
        try:
            raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock: socket.socket = raw
            if self.ssl_context is not None:
                sock = self.ssl_context.wrap_socket(raw, server_hostname=self.server_hostname or self.host)
            if isinstance(sock, ssl.SSLSocket):
                # OpenSSL must not read and write one SSL object from two threads at once,
                # so TLS sockets are non-blocking and every recv/send holds _io_lock.
                sock.setblocking(False)
            else:
                # The reader thread blocks in recv until a frame or EOF: no socket timeout.
                # Reply waits are bounded by the request's own timeout instead.
                sock.settimeout(None)
            return sock
        except BaseException:
            raw.close()
            raise

    def _install(self, sock: socket.socket, state: str) -> int:
        with self._lock:
            self._gen += 1
            gen = self._gen
            self._sock = sock
            self._state = state
            self._failure = None
            self._cond.notify_all()
        threading.Thread(target=self._read_loop, args=(sock, gen), name="agentd-reader", daemon=True).start()
        return gen

    def _read_loop(self, sock: socket.socket, gen: int) -> None:
        error: Optional[BaseException] = None
        try:
            if isinstance(sock, ssl.SSLSocket):
                self._read_tls(sock, gen)
            else:
                reader = sock.makefile("rb")
                try:
                    while True:
                        line = reader.readline()
                        if not line:
                            break
                        self._handle_line(line, gen)
                finally:
                    reader.close()
        except (OSError, ValueError) as e:  # ValueError: the file was closed under us
            error = e
        finally:
            self._lost(gen, error)

    def _read_tls(self, sock: ssl.SSLSocket, gen: int) -> None:
        buf = bytearray()
        while True:
            with self._io_lock:
                try:
                    chunk: Optional[bytes] = sock.recv(65536)
                except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                    chunk = None
            if chunk is None:
                with self._lock:
                    if gen != self._gen:
                        return
                select.select([sock], [], [], 0.5)
                continue
            if not chunk:
                return
            buf += chunk
            start = 0
            while True:
                end = buf.find(b"\n", start)
                if end < 0:
                    break
                self._handle_line(bytes(buf[start:end]), gen)
                start = end + 1
            del buf[:start]

    def _handle_line(self, line: bytes, gen: int) -> None:
        line = line.strip()
        if not line:
            return
        try:
            frame = json.loads(line.decode("utf-8"))
        except ValueError:
            log.warning("agentd sent a line that is not JSON: %r", line[:200])
            return
        if not isinstance(frame, dict):
            log.warning("agentd sent a frame that is not an object: %r", line[:200])
            return
        if is_event(frame):
            self._on_event(frame, gen)
        else:
            self._on_reply(frame, gen)

    def _sendall(self, sock: socket.socket, data: bytes) -> None:
        if not isinstance(sock, ssl.SSLSocket):
            sock.sendall(data)
            return
        view = memoryview(data)
        while view:
            with self._io_lock:
                try:
                    n = sock.send(view)
                except (ssl.SSLWantWriteError, ssl.SSLWantReadError):
                    n = 0
            if n:
                view = view[n:]
            else:
                select.select([], [sock], [], 1.0)

    def _on_reply(self, frame: Dict[str, Any], gen: int) -> None:
        rid = frame.get("id")
        with self._lock:
            if gen != self._gen:
                return
            fut = None
            if rid is not None and not isinstance(rid, bool):
                try:
                    fut = self._pending.pop(rid, None)
                except TypeError:  # an unhashable id: not one of ours
                    fut = None
            if fut is None and self._pending and (rid is None or _is_raw(next(iter(self._pending)))):
                # Replies come in request order: a reply without id (bad_json,
                # frame_too_large, overloaded), or any reply while the oldest request in
                # flight is a raw line (whose id we did not choose), answers that oldest one.
                _, fut = self._pending.popitem(last=False)
        if fut is None:
            log.debug("reply for no waiting request (timed out?): %r", frame)
            return
        if frame.get("ok") is True:
            fut.set_result(frame)
        else:
            fut.set_exception(error_from_reply(frame))

    def _on_event(self, frame: Dict[str, Any], gen: int) -> None:
        if frame.get("event") == "bye":
            reason = frame.get("reason")
            self.last_bye_reason = reason if isinstance(reason, str) else None
            self._bye_gen = gen
            log.info("agentd said bye: %s", self.last_bye_reason)
        self._events.put(frame)

    def _lost(self, gen: int, error: Optional[BaseException]) -> None:
        """The connection of generation ``gen`` is gone: fail its requests, maybe reconnect."""
        with self._lock:
            if gen != self._gen:
                return
            self._gen += 1
            sock, self._sock = self._sock, None
            pending = list(self._pending.values())
            self._pending.clear()
            retry = self.reconnect and self._state in ("ready", "restoring")
            if self._state != "closed":
                self._state = "reconnecting" if retry else "failed"
                self._failure = error
            self._cond.notify_all()
        _close_socket(sock)
        bye = self.last_bye_reason if self._bye_gen == gen else None
        for fut in pending:
            _fail(fut, ConnectionLost("connection to agentd lost%s" % (" (bye: %s)" % bye if bye else ""), bye))
        if retry:
            self._start_reconnect()
        else:
            with self._lock:
                if self._state == "failed":
                    self._events.put(_CLOSED)

    # -- reconnecting ----------------------------------------------------------------

    def _start_reconnect(self) -> None:
        with self._lock:
            if self._reconnector is not None and self._reconnector.is_alive():
                return
            self._reconnector = threading.Thread(target=self._reconnect_loop, name="agentd-reconnect", daemon=True)
            self._reconnector.start()

    def _reconnect_loop(self) -> None:
        delay = self.backoff_initial
        attempts = 0
        while True:
            with self._lock:
                if self._state != "reconnecting":
                    return
            try:
                self._restore()
                self.reconnects += 1
                log.info("reconnected to agentd at %s:%d", self.host, self.port)
                if self.on_reconnect is not None:
                    try:
                        self.on_reconnect(self)
                    except Exception:
                        log.exception("on_reconnect callback failed")
                return
            except (OSError, ConnectionLost, RequestTimeout) as e:
                attempts += 1
                log.debug("reconnect attempt %d failed: %s", attempts, e)
                if self.max_reconnect_attempts is not None and attempts >= self.max_reconnect_attempts:
                    self._give_up(e)
                    return
            except AgentdError as e:
                if e.retryable:
                    attempts += 1
                else:  # hello refused: retrying will not help
                    self._give_up(e)
                    return
            with self._lock:
                if self._state != "reconnecting":
                    return
                # Jitter keeps a crowd of clients from reconnecting in lock-step.
                self._cond.wait(delay * random.uniform(0.8, 1.2))
            delay = min(delay * 2, self.backoff_max)

    def _restore(self) -> None:
        """Open a new connection and bring the session back: hello, then subscribe."""
        sock = self._open_socket()
        with self._lock:
            if self._state != "reconnecting":
                _close_socket(sock)
                return
        gen = self._install(sock, "restoring")
        try:
            if self._hello_done and self._agent_id is not None:
                op, fields, _ = _ops.hello(self._agent_id, self._token)
                self.server_info = self._wait(self._write(sock, gen, op, fields),
                                              self.connect_timeout + self.read_timeout)
            if self._subscribed:
                op, fields, _ = _ops.subscribe(self._prefetch)
                self._wait(self._write(sock, gen, op, fields), self.read_timeout)
        except BaseException as e:
            # Drop this half-restored connection; the state goes back to "reconnecting".
            self._lost(gen, e)
            raise
        with self._lock:
            if self._gen != gen:
                raise ConnectionLost("connection lost while restoring the session")
            self._state = "ready"
            self._cond.notify_all()

    def _give_up(self, error: BaseException) -> None:
        log.warning("giving up reconnecting to agentd: %s", error)
        with self._lock:
            if self._state == "reconnecting":
                self._state = "failed"
                self._failure = error
                self._cond.notify_all()
                self._events.put(_CLOSED)

    # -- requests ----------------------------------------------------------------------

    def _ready_socket(self, deadline: float) -> Tuple[socket.socket, int]:
        with self._lock:
            while self._state != "ready":
                if self._state in ("new", "failed", "closed", "closing"):
                    why = "not connected" if self._state == "new" else "connection %s" % self._state
                    if self._failure is not None:
                        why += " (%s)" % self._failure
                    raise ConnectionLost(why, self.last_bye_reason)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ConnectionLost("not connected: still reconnecting", self.last_bye_reason)
                self._cond.wait(left)
            assert self._sock is not None
            return self._sock, self._gen

    def _write(self, sock: socket.socket, gen: int, op: Optional[str], fields: Dict[str, Any],
               raw: Optional[bytes] = None) -> "Future[Dict[str, Any]]":
        rid: Any = next(self._ids)
        if raw is None:
            frame: Dict[str, Any] = {"op": op, "id": rid}
            frame.update(fields)
            data = encode_frame(frame)
        else:
            rid = ("raw", rid)  # never equal to an id agentd echoes: matched by order only
            data = raw if raw.endswith(b"\n") else raw + b"\n"
        fut: "Future[Dict[str, Any]]" = Future()
        fut.rid = rid  # type: ignore[attr-defined]  # lets _wait drop it on timeout
        with self._write_lock:
            with self._lock:
                if gen != self._gen:
                    raise ConnectionLost("connection lost", self.last_bye_reason)
                self._pending[rid] = fut
            try:
                self._sendall(sock, data)
            except OSError as e:
                with self._lock:
                    self._pending.pop(rid, None)
                self._lost(gen, e)
                raise ConnectionLost("write failed: %s" % e, self.last_bye_reason) from e
        return fut

    def _wait(self, fut: "Future[Dict[str, Any]]", timeout: float) -> Dict[str, Any]:
        try:
            return fut.result(timeout)
        except FutureTimeout:
            with self._lock:
                self._pending.pop(getattr(fut, "rid", None), None)
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
        sock, gen = self._ready_socket(deadline)
        return self._write(sock, gen, op, fields)

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
            :class:`ConnectionLost`.
        """
        t = self.read_timeout if timeout is None else timeout
        deadline = time.monotonic() + t
        sock, gen = self._ready_socket(deadline)
        return self._wait(self._write(sock, gen, op, fields), max(0.001, deadline - time.monotonic()))

    def request_raw(self, line: Union[str, bytes], *, timeout: Optional[float] = None) -> Dict[str, Any]:
        """Write one raw line (for testing the server) and wait for the next reply to it.

        The reply is matched by order (agentd answers in request order), so do not pipeline
        other requests at the same time.
        """
        t = self.read_timeout if timeout is None else timeout
        deadline = time.monotonic() + t
        sock, gen = self._ready_socket(deadline)
        data = line.encode("utf-8") if isinstance(line, str) else line
        return self._wait(self._write(sock, gen, None, {}, raw=data), max(0.001, deadline - time.monotonic()))

    def _call(self, req: _ops.Request, timeout: Optional[float] = None) -> Any:
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
                    if self._state in ("closed", "failed"):
                        return
                continue
            try:
                if frame.get("event") == "message" and self.on_message is not None:
                    self.on_message(frame.get("message") or {})
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
            if frame.get("event") == "message" and isinstance(frame.get("message"), dict):
                return frame["message"]
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
        token = token if token is not None else self._token
        info = self._call(_ops.hello(agent_id, token), timeout=self.connect_timeout + self.read_timeout)
        self._agent_id, self._token, self._hello_done = agent_id, token, True
        self.server_info = info
        return info

    def ping(self) -> bool:
        """``ping``: True when agentd answers ``pong`` (allowed before hello)."""
        return self._call(_ops.ping())

    def bye(self) -> None:
        """``bye``: agentd answers and closes; the client closes too (no reconnect)."""
        with self._lock:
            if self._state == "ready":
                self._state = "closing"  # the close that follows is expected: no reconnect
        try:
            op, fields, _ = _ops.bye()
            with self._lock:
                sock, gen = self._sock, self._gen
            if sock is not None:
                self._wait(self._write(sock, gen, op, fields), self.read_timeout)
        finally:
            self.close()

    # -- messaging ops -----------------------------------------------------------------

    def send(self, to_agent: str, content: Dict[str, Any], message_type: str = "status_update", *,
             priority: Optional[str] = None, message_id: Optional[str] = None,
             correlation_id: Optional[str] = None, reply_to: Optional[str] = None,
             ttl_ms: Optional[int] = None, delay_ms: Optional[int] = None) -> SendResult:
        """``send``: store one message in ``to_agent``'s inbox.

        Answered only once the message is durably stored. Give a ``message_id`` to make a
        retry after :class:`Unavailable` / :class:`ConnectionLost` safe (dedup).

        Returns:
            ``SendResult(message_id, duplicate)``.
        """
        return self._call(_ops.send(_ops.build_message(
            to_agent, content, message_type, priority, message_id, correlation_id, reply_to, ttl_ms, delay_ms)))

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

    def nack(self, message_ids: Iterable[str], delay_ms: Optional[int] = None) -> int:
        """``nack``: deliver again (attempt + 1), after ``delay_ms``. Returns how many."""
        return self._call(_ops.nack(message_ids, delay_ms))

    def subscribe(self, prefetch: Optional[int] = None) -> bool:
        """``subscribe``: agentd pushes messages (at most ``prefetch`` unacked) as events;
        read them with :meth:`next_message` / :meth:`messages` or ``on_message``.
        Remembered: a reconnect subscribes again."""
        result = self._call(_ops.subscribe(prefetch))
        self._subscribed, self._prefetch = True, prefetch
        return result

    def unsubscribe(self) -> bool:
        """``unsubscribe``: no more pushes. Returns ``subscribed`` (False)."""
        result = self._call(_ops.unsubscribe())
        self._subscribed = False
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
                    max_retries: Optional[int] = None) -> AssignResult:
        """``assign_task`` (supervisor/coordinator): give a task to the best available worker,
        or keep it pending. Returns ``AssignResult(task_id, state, assigned_to)``."""
        return self._call(_ops.assign_task(task_type, required_capabilities, description, parameters,
                                           priority, timeout_ms, max_retries))

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


def connect(host: str = "127.0.0.1", port: int = DEFAULT_PORT, agent_id: Optional[str] = None,
            **options: Any) -> Client:
    """Create a :class:`Client`, connect it and (with ``agent_id``) say hello.

    Args:
        host: agentd's host.
        port: agentd's agent port.
        agent_id: the agent to say hello as.
        **options: any other :class:`Client` argument.
    """
    return Client(host, port, agent_id=agent_id, **options).connect()


def _is_raw(rid: Any) -> bool:
    """True for the key of a request written by request_raw."""
    return isinstance(rid, tuple) and len(rid) == 2 and rid[0] == "raw"


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


def _fail(fut: Future, error: BaseException) -> None:
    if not fut.done():
        try:
            fut.set_exception(error)
        except Exception:  # already resolved by a racing thread
            pass


__all__ = ["Client", "connect", "DEFAULT_PORT", "encode_frame", "is_event", "ProtocolError"]
