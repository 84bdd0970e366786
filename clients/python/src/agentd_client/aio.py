"""The asyncio client: :class:`AsyncClient`, the twin of :class:`~agentd_client.Client`.

Same ops, same arguments, same typed errors, as ``async def`` methods over asyncio
streams. A reader task sorts incoming frames into replies (matched by ``id``) and events;
concurrent requests from many tasks are pipelined on the one connection. Pushed messages
are read with ``async for message in client.messages()``::

    async with AsyncClient("127.0.0.1", 7420, agent_id="worker-1") as c:
        await c.subscribe(prefetch=10)
        async for m in c.messages():
            ...
            await c.ack([m["message_id"]])

Reconnecting and failover work as in the sync client, decided by the same I/O-free core
(:mod:`agentd_client._core`): next server, backoff, ``hello`` again, ``subscribe`` again.
"""

import asyncio
import inspect
import logging
import ssl
from typing import (Any, AsyncIterator, Awaitable, Callable, Dict, Iterable, List, Optional, Sequence, Set, Tuple,
                    TypeVar, Union)

from . import _ops
from ._core import (DEFAULT_PORT, MAX_LINE_BYTES, Backoff, Connect, Drop, FailPending, FrameDecoder, GiveUp,
                    Ready, RequestKey, RequestTable, Send, ServerAddress, ServerSpec, is_event, reply_error)
from ._ops import AgentInfoDict, AssignResult, Message, RequestResult, SendResult, TaskInfoDict
from ._settings import _Settings
from .errors import AgentdError, ConnectionLost, ProtocolError, RequestTimeout

log = logging.getLogger("agentd_client")

T = TypeVar("T")
Reply = Dict[str, Any]
AsyncCallback = Callable[[Dict[str, Any]], Union[None, Awaitable[None]]]

__all__ = ["AsyncClient", "connect_async", "MAX_LINE_BYTES", "DEFAULT_PORT"]

_CLOSED: Dict[str, Any] = {}


class AsyncClient(_Settings):
    """An asyncio connection to agentd. Arguments as for :class:`~agentd_client.Client`
    (``servers=[...]`` included); ``on_message`` / ``on_event`` / ``on_reconnect`` may be
    plain functions or coroutine functions."""

    def __init__(self, host: Optional[str] = None, port: Optional[int] = None, *,
                 servers: Optional[Sequence[ServerSpec]] = None,
                 agent_id: Optional[str] = None, token: Optional[str] = None,
                 connect_timeout: float = 5.0, read_timeout: float = 30.0,
                 ssl_context: Optional[ssl.SSLContext] = None, server_hostname: Optional[str] = None,
                 tls: bool = False, reconnect: bool = True, backoff_initial: float = 0.05,
                 backoff_max: float = 2.0, max_reconnect_attempts: Optional[int] = None,
                 on_message: Optional[AsyncCallback] = None, on_event: Optional[AsyncCallback] = None,
                 on_reconnect: Optional[Callable[["AsyncClient"], Any]] = None) -> None:
        self._store_settings(
            host=host, port=port, servers=servers, agent_id=agent_id, token=token,
            connect_timeout=connect_timeout, read_timeout=read_timeout, ssl_context=ssl_context,
            server_hostname=server_hostname, tls=tls, reconnect=reconnect, backoff_initial=backoff_initial,
            backoff_max=backoff_max, max_reconnect_attempts=max_reconnect_attempts, on_message=on_message,
            on_event=on_event, on_reconnect=on_reconnect)
        self.on_message: Optional[AsyncCallback] = on_message
        self.on_event: Optional[AsyncCallback] = on_event
        self.on_reconnect: Optional[Callable[["AsyncClient"], Any]] = on_reconnect
        # Everything runs on one event loop: no locks. asyncio objects are made in
        # connect(), inside the running loop (Python 3.9 binds them to the loop current
        # at creation).
        self._requests: "RequestTable[asyncio.Future[Reply]]" = RequestTable()
        self._writer: Optional[asyncio.StreamWriter] = None
        self._gen = 0
        self._events: "Optional[asyncio.Queue[Dict[str, Any]]]" = None
        self._state_changed: Optional[asyncio.Event] = None
        self._tasks: "Set[asyncio.Task[Any]]" = set()
        self._reconnector: "Optional[asyncio.Task[Any]]" = None

    # -- connection ------------------------------------------------------------------

    def is_connected(self) -> bool:
        """True while the connection is open and usable."""
        return self._core.state == "ready"

    @property
    def connected(self) -> bool:
        """Same as :meth:`is_connected`."""
        return self.is_connected()

    async def connect(self) -> "AsyncClient":
        """Open the connection (and say ``hello`` if ``agent_id`` was given), trying each
        server of the list once. Returns self."""
        action = self._core.start()
        if self._events is None:
            self._events = asyncio.Queue()
            self._state_changed = asyncio.Event()
        if self.on_message is not None or self.on_event is not None:
            self._spawn(self._dispatch_loop())
        error = await self._establish(action)
        if error is not None:
            raise error
        return self

    async def __aenter__(self) -> "AsyncClient":
        if self._core.state == "new":
            await self.connect()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    async def close(self) -> None:
        """Close without ``bye``; no reconnect; waiting requests fail with ConnectionLost."""
        if not self._core.close():
            return
        self._gen += 1
        writer, self._writer = self._writer, None
        pending = self._requests.drain()
        self._notify()
        _close_writer(writer)
        for fut in pending:
            if not fut.done():
                fut.set_exception(ConnectionLost("client closed"))
        if self._events is not None:
            self._events.put_nowait(_CLOSED)
        current = asyncio.current_task()
        for task in list(self._tasks):
            if task is not current:
                task.cancel()
        if self._reconnector is not None and self._reconnector is not current:
            self._reconnector.cancel()

    async def _open(self, server: ServerAddress) -> "Tuple[asyncio.StreamReader, asyncio.StreamWriter]":
        kwargs: Dict[str, Any] = {"limit": MAX_LINE_BYTES}
        if self.ssl_context is not None:
            kwargs["ssl"] = self.ssl_context
            kwargs["server_hostname"] = self._tls_name(server)
        return await asyncio.wait_for(asyncio.open_connection(server.host, server.port, **kwargs),
                                      self.connect_timeout)

    async def _establish(self, action: Any) -> Optional[BaseException]:
        """Carry out the core's actions until the session is ready (None) or the core
        gives up (its error); see :meth:`Client._establish`."""
        gen = -1
        while True:
            if isinstance(action, Connect):
                try:
                    reader, writer = await self._open(action.server)
                except (OSError, asyncio.TimeoutError) as e:
                    action = self._core.failed(ConnectionLost("cannot connect to %s: %s" % (action.server, e)))
                    continue
                if self._core.state in ("closed", "closing"):
                    _close_writer(writer)
                    return ConnectionLost("client closed")
                gen = self._install(reader, writer)
                action = self._core.opened()
            elif isinstance(action, Send):
                try:
                    key, fut = self._write(gen, action.op, action.fields)
                    reply = await self._wait(key, fut, self.connect_timeout + self.read_timeout)
                except AgentdError as e:
                    self._lost(gen, e)  # drop this half-restored connection
                    action = self._core.failed(e)
                    continue
                if action.op == "hello":
                    self.server_info = {k: v for k, v in reply.items() if k not in ("id", "ok")}
                action = self._core.step_ok(reply)
            elif isinstance(action, Backoff):
                await asyncio.sleep(action.seconds)  # close() cancels this task
                action = self._core.backoff_done()
            elif isinstance(action, Ready):
                self._notify()
                if action.reconnected:
                    self.reconnects += 1
                    if self.on_reconnect is not None:
                        try:
                            result = self.on_reconnect(self)
                            if inspect.isawaitable(result):
                                await result
                        except Exception:
                            log.exception("on_reconnect callback failed")
                return None
            elif isinstance(action, GiveUp):
                self._notify()
                if self._events is not None:
                    self._events.put_nowait(_CLOSED)
                return action.error
            else:  # Idle: closed meanwhile
                return ConnectionLost("client closed")

    def _install(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> int:
        self._gen += 1
        self._writer = writer
        self._spawn(self._read_loop(reader, self._gen))
        return self._gen

    def _spawn(self, coro: Awaitable[Any]) -> "asyncio.Task[Any]":
        task: "asyncio.Task[Any]" = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _notify(self) -> None:
        """Wake every request waiting for the state to change."""
        if self._state_changed is not None:
            self._state_changed.set()
            self._state_changed = asyncio.Event()

    async def _read_loop(self, reader: asyncio.StreamReader, gen: int) -> None:
        error: Optional[BaseException] = None
        decoder = FrameDecoder()
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                for frame in decoder.feed(data):
                    if gen != self._gen:
                        return
                    if is_event(frame):
                        self._on_event(frame, gen)
                    else:
                        self._on_reply(frame)
        except asyncio.CancelledError:
            return
        except (OSError, ValueError, ProtocolError) as e:
            error = e
        self._lost(gen, error)

    def _on_reply(self, frame: Reply) -> None:
        fut = self._requests.match(frame)
        if fut is None or fut.done():
            return
        error = reply_error(frame)
        if error is None:
            fut.set_result(frame)
        else:
            fut.set_exception(error)

    def _on_event(self, frame: Dict[str, Any], gen: int) -> None:
        action = self._core.event(frame)
        if isinstance(action, Drop):
            self.last_bye_reason = action.reason
        assert self._events is not None
        self._events.put_nowait(frame)
        if isinstance(action, Drop):
            self._lost(gen, None)

    def _lost(self, gen: int, error: Optional[BaseException]) -> None:
        if gen != self._gen:
            return
        self._gen += 1
        writer, self._writer = self._writer, None
        pending = self._requests.drain()
        actions = self._core.lost(error)
        _close_writer(writer)
        for action in actions:
            if isinstance(action, FailPending):
                for fut in pending:
                    if not fut.done():
                        fut.set_exception(action.error())
            elif isinstance(action, Connect):
                if self._reconnector is None or self._reconnector.done():
                    self._reconnector = asyncio.ensure_future(self._establish(action))
            elif isinstance(action, GiveUp) and self._events is not None:
                self._events.put_nowait(_CLOSED)
        self._notify()

    # -- requests ----------------------------------------------------------------------

    async def _ready(self, timeout: float) -> int:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._core.state != "ready":
            if not self._core.waiting() or self._state_changed is None:
                state = self._core.state
                why = "not connected" if state == "new" else "connection %s" % state
                if self._core.failure is not None:
                    why += " (%s)" % self._core.failure
                raise ConnectionLost(why, self.last_bye_reason)
            left = deadline - loop.time()
            if left <= 0:
                raise ConnectionLost("not connected: still reconnecting", self.last_bye_reason)
            try:
                await asyncio.wait_for(self._state_changed.wait(), left)
            except asyncio.TimeoutError:
                pass
        return self._gen

    def _write(self, gen: int, op: Optional[str], fields: Dict[str, Any],
               raw: Optional[bytes] = None) -> "Tuple[RequestKey, asyncio.Future[Reply]]":
        """Register the reply and write the request, with no await in between, so the
        order of the table is the order on the wire."""
        if gen != self._gen or self._writer is None:
            raise ConnectionLost("connection lost", self.last_bye_reason)
        fut: "asyncio.Future[Reply]" = asyncio.get_running_loop().create_future()
        if raw is None:
            assert op is not None
            key, data = self._requests.add(op, fields, fut)
        else:
            key, data = self._requests.add_raw(raw, fut)
        self._writer.write(data)
        return key, fut

    async def _wait(self, key: RequestKey, fut: "asyncio.Future[Reply]", timeout: float) -> Reply:
        writer = self._writer
        try:
            if writer is not None:
                await writer.drain()
        except (OSError, RuntimeError) as e:
            self._requests.discard(key)
            raise ConnectionLost("write failed: %s" % e, self.last_bye_reason) from e
        try:
            return await asyncio.wait_for(asyncio.shield(fut), timeout)
        except asyncio.TimeoutError:
            self._requests.discard(key)
            raise RequestTimeout("no reply within %.1f s" % timeout) from None

    async def submit(self, op: str, *, timeout: Optional[float] = None,
                     **fields: Any) -> "asyncio.Future[Dict[str, Any]]":
        """Write one request and return a future for its reply without waiting (pipelining).
        Awaiting the future gives the reply frame or raises the typed error."""
        gen = await self._ready(self.read_timeout if timeout is None else timeout)
        _, fut = self._write(gen, op, fields)
        writer = self._writer
        if writer is not None:
            await writer.drain()
        return fut

    async def request(self, op: str, *, timeout: Optional[float] = None, **fields: Any) -> Dict[str, Any]:
        """Send one request and wait for its reply (see :meth:`Client.request`)."""
        t = self.read_timeout if timeout is None else timeout
        loop = asyncio.get_running_loop()
        deadline = loop.time() + t
        key, fut = self._write(await self._ready(t), op, fields)
        return await self._wait(key, fut, max(0.001, deadline - loop.time()))

    async def request_raw(self, line: Union[str, bytes], *, timeout: Optional[float] = None) -> Dict[str, Any]:
        """Write one raw line and wait for the reply to it (matched by order)."""
        t = self.read_timeout if timeout is None else timeout
        data = line.encode("utf-8") if isinstance(line, str) else line
        key, fut = self._write(await self._ready(t), None, {}, raw=data)
        return await self._wait(key, fut, t)

    async def _call(self, req: "_ops.Request[T]", timeout: Optional[float] = None) -> T:
        op, fields, extract = req
        return extract(await self.request(op, timeout=timeout, **fields))

    # -- events ------------------------------------------------------------------------

    async def _dispatch_loop(self) -> None:
        assert self._events is not None
        while True:
            frame = await self._events.get()
            if frame is _CLOSED:
                if self._core.state in ("closed", "failed"):
                    return
                continue
            try:
                message = frame.get("message")
                result: Union[None, Awaitable[None]] = None
                if frame.get("event") == "message" and self.on_message is not None:
                    result = self.on_message(message if isinstance(message, dict) else {})
                elif self.on_event is not None:
                    result = self.on_event(frame)
                if result is not None and inspect.isawaitable(result):
                    await result
            except asyncio.CancelledError:
                return
            except Exception:
                log.exception("event callback failed")

    async def next_event(self, timeout: Optional[float] = None) -> Optional[Dict[str, Any]]:
        """The next event frame, or None on timeout or when the client is closed."""
        if self._events is None:
            return None
        try:
            frame = await asyncio.wait_for(self._events.get(), timeout)
        except asyncio.TimeoutError:
            return None
        if frame is _CLOSED:
            self._events.put_nowait(_CLOSED)
            return None
        return frame

    async def next_message(self, timeout: Optional[float] = None) -> Optional[Message]:
        """The next pushed message (skipping other events), or None on timeout/close."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while True:
            left = None if deadline is None else max(0.0, deadline - loop.time())
            frame = await self.next_event(left)
            if frame is None:
                return None
            message = frame.get("message")
            if frame.get("event") == "message" and isinstance(message, dict):
                return message
            if deadline is not None and loop.time() >= deadline:
                return None

    async def messages(self, idle_timeout: Optional[float] = None) -> AsyncIterator[Message]:
        """``async for m in client.messages()``: pushed messages until the client closes
        (or none arrives for ``idle_timeout`` seconds)."""
        while True:
            m = await self.next_message(idle_timeout)
            if m is None:
                return
            yield m

    # -- ops ---------------------------------------------------------------------------

    async def hello(self, agent_id: str, token: Optional[str] = None) -> Dict[str, Any]:
        """``hello``; remembered for reconnects."""
        token = token if token is not None else self._core.session.token
        info = await self._call(_ops.hello(agent_id, token), timeout=self.connect_timeout + self.read_timeout)
        self._core.hello_ok(agent_id, token)
        self.server_info = info
        return info

    async def ping(self) -> bool:
        """``ping``."""
        return await self._call(_ops.ping())

    async def bye(self) -> None:
        """``bye``, then close (no reconnect)."""
        self._core.closing()
        try:
            op, fields, _ = _ops.bye()
            key, fut = self._write(self._gen, op, fields)
            await self._wait(key, fut, self.read_timeout)
        except ConnectionLost:
            pass  # not connected, or agentd closed first: closed either way
        finally:
            await self.close()

    async def send(self, to_agent: str, content: Dict[str, Any], message_type: str = "status_update", *,
                   priority: Optional[str] = None, message_id: Optional[str] = None,
                   correlation_id: Optional[str] = None, reply_to: Optional[str] = None,
                   ttl_ms: Optional[int] = None, delay_ms: Optional[int] = None,
                   traceparent: Optional[str] = None) -> SendResult:
        """``send`` (see :meth:`Client.send`)."""
        return await self._call(_ops.send(_ops.build_message(
            to_agent, content, message_type, priority, message_id, correlation_id, reply_to, ttl_ms, delay_ms,
            traceparent=traceparent)))

    async def request_reply(self, message: Optional[Dict[str, Any]] = None, *, to_agent: Optional[str] = None,
                      content: Optional[Dict[str, Any]] = None, message_type: str = "task_request",
                      priority: Optional[str] = None, message_id: Optional[str] = None,
                      correlation_id: Optional[str] = None, ttl_ms: Optional[int] = None,
                      traceparent: Optional[str] = None, timeout_ms: Optional[int] = None) -> RequestResult:
        """The ``request`` op (see :meth:`Client.request_reply`)."""
        request, timeout = _ops.request_reply(message, to_agent, content, message_type, priority, message_id,
                                              correlation_id, ttl_ms, traceparent, timeout_ms, self.read_timeout)
        return await self._call(request, timeout=timeout)

    async def send_message(self, message: Dict[str, Any]) -> SendResult:
        """``send`` with a ready-made message object."""
        return await self._call(_ops.send(message))

    async def fetch(self, limit: Optional[int] = None, wait_ms: Optional[int] = None) -> List[Message]:
        """``fetch`` (see :meth:`Client.fetch`)."""
        return await self._call(_ops.fetch(limit, wait_ms), timeout=self.read_timeout + (wait_ms or 0) / 1000.0)

    async def ack(self, message_ids: Iterable[str]) -> int:
        """``ack``."""
        return await self._call(_ops.ack(message_ids))

    async def nack(self, message_ids: Iterable[str], delay_ms: Optional[int] = None, *,
                   dead_letter: bool = False) -> int:
        """``nack`` (see :meth:`Client.nack`)."""
        return await self._call(_ops.nack(message_ids, delay_ms, dead_letter))

    async def subscribe(self, prefetch: Optional[int] = None) -> bool:
        """``subscribe``; remembered for reconnects."""
        result = await self._call(_ops.subscribe(prefetch))
        self._core.subscribed(prefetch)
        return result

    async def unsubscribe(self) -> bool:
        """``unsubscribe``."""
        result = await self._call(_ops.unsubscribe())
        self._core.unsubscribed()
        return result

    async def dead_letters(self, limit: Optional[int] = None, agent_id: Optional[str] = None) -> List[Message]:
        """``dead_letters``."""
        return await self._call(_ops.dead_letters(limit, agent_id))

    async def requeue_dead(self, message_ids: Iterable[str], agent_id: Optional[str] = None) -> int:
        """``requeue_dead``."""
        return await self._call(_ops.requeue_dead(message_ids, agent_id))

    async def register(self, role: str, capabilities: Iterable[str] = (),
                       max_concurrent_tasks: Optional[int] = None,
                       metadata: Optional[Dict[str, Any]] = None) -> AgentInfoDict:
        """``register``."""
        return await self._call(_ops.register(role, capabilities, max_concurrent_tasks, metadata))

    async def heartbeat(self, status: Optional[str] = None, current_tasks: Optional[int] = None) -> None:
        """``heartbeat``."""
        await self._call(_ops.heartbeat(status, current_tasks))

    async def agents(self, capabilities: Optional[Iterable[str]] = None, role: Optional[str] = None,
                     available: Optional[bool] = None, limit: Optional[int] = None) -> List[AgentInfoDict]:
        """``agents``."""
        return await self._call(_ops.agents(capabilities, role, available, limit))

    async def deregister(self) -> None:
        """``deregister``."""
        await self._call(_ops.deregister())

    async def assign_task(self, task_type: str, required_capabilities: Iterable[str] = (), *,
                          description: Optional[str] = None, parameters: Optional[Dict[str, Any]] = None,
                          priority: Optional[str] = None, timeout_ms: Optional[int] = None,
                          max_retries: Optional[int] = None, lease_ms: Optional[int] = None,
                          idempotency_key: Optional[str] = None, budget: Optional[Dict[str, float]] = None,
                          parent_task_id: Optional[str] = None, traceparent: Optional[str] = None) -> AssignResult:
        """``assign_task``."""
        return await self._call(_ops.assign_task(task_type, required_capabilities, description, parameters,
                                                 priority, timeout_ms, max_retries, lease_ms, idempotency_key,
                                                 budget, parent_task_id, traceparent))

    async def resume_task(self, task_id: str, input: Any) -> TaskInfoDict:
        """``resume_task`` (the task's supervisor, or a supervisor or coordinator): answer a
        task waiting in ``input_required``; the assignee receives ``input``. Returns the
        TaskInfo."""
        return await self._call(_ops.resume_task(task_id, input))

    async def cancel_task(self, task_id: str) -> TaskInfoDict:
        """``cancel_task``."""
        return await self._call(_ops.cancel_task(task_id))

    async def task(self, task_id: str) -> TaskInfoDict:
        """``task``."""
        return await self._call(_ops.task(task_id))

    async def tasks(self, state: Optional[str] = None, assigned_to: Optional[str] = None,
                    limit: Optional[int] = None) -> List[TaskInfoDict]:
        """``tasks``."""
        return await self._call(_ops.tasks(state, assigned_to, limit))

    async def broadcast(self, message_type: str, content: Dict[str, Any], *, priority: Optional[str] = None,
                        role: Optional[str] = None, capabilities: Optional[Iterable[str]] = None) -> int:
        """``broadcast``."""
        return await self._call(_ops.broadcast(message_type, content, priority, role, capabilities))

    async def stats(self) -> Dict[str, Any]:
        """``stats``."""
        return await self._call(_ops.stats())

    async def health(self) -> Dict[str, Any]:
        """``health``."""
        return await self._call(_ops.health())


async def connect_async(host: Optional[str] = None, port: Optional[int] = None, agent_id: Optional[str] = None, *,
                        servers: Optional[Sequence[ServerSpec]] = None, **options: Any) -> AsyncClient:
    """Create an :class:`AsyncClient`, connect it and (with ``agent_id``) say hello."""
    return await AsyncClient(host, port, servers=servers, agent_id=agent_id, **options).connect()


def _close_writer(writer: Optional[asyncio.StreamWriter]) -> None:
    if writer is None:
        return
    try:
        writer.close()
    except (OSError, RuntimeError):
        pass
