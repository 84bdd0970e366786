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

Reconnecting works as in the sync client: backoff, ``hello`` again, ``subscribe`` again.
"""

import asyncio
import collections
import inspect
import itertools
import json
import logging
import random
import ssl
from typing import Any, AsyncIterator, Awaitable, Callable, Dict, Iterable, List, Optional, Union

from . import _ops
from ._settings import _Settings
from ._ops import AgentInfoDict, Message, SendResult, AssignResult, TaskInfoDict
from .client import DEFAULT_PORT, _is_raw, encode_frame, is_event
from .errors import AgentdError, ConnectionLost, RequestTimeout, error_from_reply

log = logging.getLogger("agentd_client")

AsyncCallback = Callable[[Dict[str, Any]], Union[None, Awaitable[None]]]

#: The longest line the reader accepts (asyncio's StreamReader default of 64 KiB is far
#: below what one fetch of large messages can return).
MAX_LINE_BYTES = 1 << 28

_CLOSED = object()


class AsyncClient(_Settings):
    """An asyncio connection to agentd. Arguments as for :class:`~agentd_client.Client`;
    ``on_message`` / ``on_event`` / ``on_reconnect`` may be plain functions or coroutine
    functions."""

    def __init__(self, host: str = "127.0.0.1", port: int = DEFAULT_PORT, *,
                 agent_id: Optional[str] = None, token: Optional[str] = None,
                 connect_timeout: float = 5.0, read_timeout: float = 30.0,
                 ssl_context: Optional[ssl.SSLContext] = None, server_hostname: Optional[str] = None,
                 tls: bool = False, reconnect: bool = True, backoff_initial: float = 0.05,
                 backoff_max: float = 2.0, max_reconnect_attempts: Optional[int] = None,
                 on_message: Optional[AsyncCallback] = None, on_event: Optional[AsyncCallback] = None,
                 on_reconnect: Optional[Callable[["AsyncClient"], Any]] = None) -> None:
        self._store_settings(
            host=host, port=port, agent_id=agent_id, token=token, connect_timeout=connect_timeout,
            read_timeout=read_timeout, ssl_context=ssl_context, server_hostname=server_hostname, tls=tls,
            reconnect=reconnect, backoff_initial=backoff_initial, backoff_max=backoff_max,
            max_reconnect_attempts=max_reconnect_attempts, on_message=on_message, on_event=on_event,
            on_reconnect=on_reconnect)
        self._subscribed = False
        self._prefetch: Optional[int] = None

        # asyncio objects are made in connect(), inside the running loop (Python 3.9 binds
        # them to the loop current at creation).
        self._state = "new"  # new, ready, restoring, reconnecting, failed, closing, closed
        self._writer: Optional[asyncio.StreamWriter] = None
        self._gen = 0
        self._bye_gen = -1
        self._pending: "collections.OrderedDict[Any, asyncio.Future]" = collections.OrderedDict()
        self._failure: Optional[BaseException] = None
        self._ids = itertools.count(1)
        self._events: Optional["asyncio.Queue[Any]"] = None
        self._state_changed: Optional[asyncio.Condition] = None
        self._tasks: "set[asyncio.Task]" = set()
        self._reconnector: Optional["asyncio.Task[None]"] = None

    # -- connection ------------------------------------------------------------------

    @property
    def agent_id(self) -> Optional[str]:
        """The agent this connection said ``hello`` as."""
        return self._agent_id

    def is_connected(self) -> bool:
        """True while the connection is open and usable."""
        return self._state == "ready"

    @property
    def connected(self) -> bool:
        """Same as :meth:`is_connected`."""
        return self.is_connected()

    async def connect(self) -> "AsyncClient":
        """Open the connection (and say ``hello`` if ``agent_id`` was given). Returns self."""
        if self._state not in ("new", "failed"):
            raise AgentdError("connect: client is %s" % self._state)
        if self._events is None:
            self._events = asyncio.Queue()
            self._state_changed = asyncio.Condition()
        try:
            reader, writer = await self._open()
        except (OSError, asyncio.TimeoutError) as e:
            raise ConnectionLost("cannot connect to %s:%d: %s" % (self.host, self.port, e)) from e
        await self._install(reader, writer, "ready")
        if self.on_message is not None or self.on_event is not None:
            self._spawn(self._dispatch_loop())
        if self._agent_id is not None:
            try:
                await self.hello(self._agent_id, self._token)
            except BaseException:
                await self.close()
                raise
        return self

    async def __aenter__(self) -> "AsyncClient":
        if self._state == "new":
            await self.connect()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    async def close(self) -> None:
        """Close without ``bye``; no reconnect; waiting requests fail with ConnectionLost."""
        if self._state == "closed":
            return
        self._state = "closed"
        self._gen += 1
        writer, self._writer = self._writer, None
        pending = list(self._pending.values())
        self._pending.clear()
        await self._notify()
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

    async def _open(self) -> "tuple[asyncio.StreamReader, asyncio.StreamWriter]":
        kwargs: Dict[str, Any] = {"limit": MAX_LINE_BYTES}
        if self.ssl_context is not None:
            kwargs["ssl"] = self.ssl_context
            kwargs["server_hostname"] = self.server_hostname or self.host
        return await asyncio.wait_for(asyncio.open_connection(self.host, self.port, **kwargs),
                                      self.connect_timeout)

    async def _install(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, state: str) -> int:
        self._gen += 1
        gen = self._gen
        self._writer = writer
        self._state = state
        self._failure = None
        self._spawn(self._read_loop(reader, gen))
        await self._notify()
        return gen

    def _spawn(self, coro: Awaitable[Any]) -> "asyncio.Task[Any]":
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _notify(self) -> None:
        if self._state_changed is not None:
            async with self._state_changed:
                self._state_changed.notify_all()

    async def _read_loop(self, reader: asyncio.StreamReader, gen: int) -> None:
        error: Optional[BaseException] = None
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                line = line.strip()
                if not line:
                    continue
                try:
                    frame = json.loads(line.decode("utf-8"))
                except ValueError:
                    log.warning("agentd sent a line that is not JSON: %r", line[:200])
                    continue
                if not isinstance(frame, dict):
                    continue
                if is_event(frame):
                    if frame.get("event") == "bye":
                        reason = frame.get("reason")
                        self.last_bye_reason = reason if isinstance(reason, str) else None
                        self._bye_gen = gen
                    assert self._events is not None
                    self._events.put_nowait(frame)
                else:
                    self._on_reply(frame, gen)
        except asyncio.CancelledError:
            return
        except (OSError, ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as e:
            error = e
        await self._lost(gen, error)

    def _on_reply(self, frame: Dict[str, Any], gen: int) -> None:
        if gen != self._gen:
            return
        rid = frame.get("id")
        fut = None
        if rid is not None and not isinstance(rid, bool):
            try:
                fut = self._pending.pop(rid, None)
            except TypeError:
                fut = None
        if fut is None and self._pending and (rid is None or _is_raw(next(iter(self._pending)))):
            # In-order replies: an id-less reply (or any reply while the oldest request is
            # a raw line) answers the oldest request in flight.
            _, fut = self._pending.popitem(last=False)
        if fut is None or fut.done():
            return
        if frame.get("ok") is True:
            fut.set_result(frame)
        else:
            fut.set_exception(error_from_reply(frame))

    async def _lost(self, gen: int, error: Optional[BaseException]) -> None:
        if gen != self._gen:
            return
        self._gen += 1
        writer, self._writer = self._writer, None
        pending = list(self._pending.values())
        self._pending.clear()
        retry = self.reconnect and self._state in ("ready", "restoring")
        if self._state != "closed":
            self._state = "reconnecting" if retry else "failed"
            self._failure = error
        _close_writer(writer)
        bye = self.last_bye_reason if self._bye_gen == gen else None
        for fut in pending:
            if not fut.done():
                fut.set_exception(ConnectionLost("connection to agentd lost", bye))
        await self._notify()
        if retry:
            if self._reconnector is None or self._reconnector.done():
                self._reconnector = asyncio.ensure_future(self._reconnect_loop())
        elif self._state == "failed" and self._events is not None:
            self._events.put_nowait(_CLOSED)

    async def _reconnect_loop(self) -> None:
        delay = self.backoff_initial
        attempts = 0
        while self._state == "reconnecting":
            try:
                await self._restore()
                self.reconnects += 1
                if self.on_reconnect is not None:
                    try:
                        result = self.on_reconnect(self)
                        if inspect.isawaitable(result):
                            await result
                    except Exception:
                        log.exception("on_reconnect callback failed")
                return
            except asyncio.CancelledError:
                return
            except (OSError, asyncio.TimeoutError, ConnectionLost, RequestTimeout) as e:
                attempts += 1
                if self.max_reconnect_attempts is not None and attempts >= self.max_reconnect_attempts:
                    await self._give_up(e)
                    return
            except AgentdError as e:
                if not e.retryable:
                    await self._give_up(e)
                    return
                attempts += 1
            await asyncio.sleep(delay * random.uniform(0.8, 1.2))
            delay = min(delay * 2, self.backoff_max)

    async def _restore(self) -> None:
        reader, writer = await self._open()
        if self._state != "reconnecting":
            _close_writer(writer)
            return
        gen = await self._install(reader, writer, "restoring")
        try:
            if self._hello_done and self._agent_id is not None:
                op, fields, _ = _ops.hello(self._agent_id, self._token)
                self.server_info = await self._wait(self._write(gen, op, fields),
                                                    self.connect_timeout + self.read_timeout)
            if self._subscribed:
                op, fields, _ = _ops.subscribe(self._prefetch)
                await self._wait(self._write(gen, op, fields), self.read_timeout)
        except Exception as e:
            # Drop this half-restored connection; the state goes back to "reconnecting".
            await self._lost(gen, e)
            raise
        if self._gen != gen:
            raise ConnectionLost("connection lost while restoring the session")
        self._state = "ready"
        await self._notify()

    async def _give_up(self, error: BaseException) -> None:
        log.warning("giving up reconnecting to agentd: %s", error)
        if self._state == "reconnecting":
            self._state = "failed"
            self._failure = error
            await self._notify()
            if self._events is not None:
                self._events.put_nowait(_CLOSED)

    # -- requests ----------------------------------------------------------------------

    async def _ready_gen(self, timeout: float) -> int:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        assert self._state_changed is not None or self._state == "new"
        while self._state != "ready":
            if self._state in ("new", "failed", "closed", "closing"):
                why = "not connected" if self._state == "new" else "connection %s" % self._state
                raise ConnectionLost(why, self.last_bye_reason)
            left = deadline - loop.time()
            if left <= 0:
                raise ConnectionLost("not connected: still reconnecting", self.last_bye_reason)
            assert self._state_changed is not None
            async with self._state_changed:
                try:
                    await asyncio.wait_for(self._state_changed.wait(), left)
                except asyncio.TimeoutError:
                    pass
        return self._gen

    def _write(self, gen: int, op: Optional[str], fields: Dict[str, Any],
               raw: Optional[bytes] = None) -> "asyncio.Future[Dict[str, Any]]":
        """Register the reply and write the request, with no await in between, so the
        order of _pending is the order on the wire."""
        if gen != self._gen or self._writer is None:
            raise ConnectionLost("connection lost", self.last_bye_reason)
        rid: Any = next(self._ids)
        if raw is None:
            frame: Dict[str, Any] = {"op": op, "id": rid}
            frame.update(fields)
            data = encode_frame(frame)
        else:
            rid = ("raw", rid)
            data = raw if raw.endswith(b"\n") else raw + b"\n"
        fut: "asyncio.Future[Dict[str, Any]]" = asyncio.get_running_loop().create_future()
        fut.rid = rid  # type: ignore[attr-defined]
        self._pending[rid] = fut
        self._writer.write(data)
        return fut

    async def _wait(self, fut: "asyncio.Future[Dict[str, Any]]", timeout: float) -> Dict[str, Any]:
        writer = self._writer
        try:
            if writer is not None:
                await writer.drain()
        except (OSError, RuntimeError) as e:
            self._pending.pop(getattr(fut, "rid", None), None)
            raise ConnectionLost("write failed: %s" % e, self.last_bye_reason) from e
        try:
            return await asyncio.wait_for(asyncio.shield(fut), timeout)
        except asyncio.TimeoutError:
            self._pending.pop(getattr(fut, "rid", None), None)
            raise RequestTimeout("no reply within %.1f s" % timeout) from None

    async def submit(self, op: str, *, timeout: Optional[float] = None,
                     **fields: Any) -> "asyncio.Future[Dict[str, Any]]":
        """Write one request and return a future for its reply without waiting (pipelining).
        Awaiting the future gives the reply frame or raises the typed error."""
        gen = await self._ready_gen(self.read_timeout if timeout is None else timeout)
        fut = self._write(gen, op, fields)
        writer = self._writer
        if writer is not None:
            await writer.drain()
        return fut

    async def request(self, op: str, *, timeout: Optional[float] = None, **fields: Any) -> Dict[str, Any]:
        """Send one request and wait for its reply (see :meth:`Client.request`)."""
        t = self.read_timeout if timeout is None else timeout
        loop = asyncio.get_running_loop()
        deadline = loop.time() + t
        gen = await self._ready_gen(t)
        return await self._wait(self._write(gen, op, fields), max(0.001, deadline - loop.time()))

    async def request_raw(self, line: Union[str, bytes], *, timeout: Optional[float] = None) -> Dict[str, Any]:
        """Write one raw line and wait for the reply to it (matched by order)."""
        t = self.read_timeout if timeout is None else timeout
        gen = await self._ready_gen(t)
        data = line.encode("utf-8") if isinstance(line, str) else line
        return await self._wait(self._write(gen, None, {}, raw=data), t)

    async def _call(self, req: _ops.Request, timeout: Optional[float] = None) -> Any:
        op, fields, extract = req
        return extract(await self.request(op, timeout=timeout, **fields))

    # -- events ------------------------------------------------------------------------

    async def _dispatch_loop(self) -> None:
        assert self._events is not None
        while True:
            frame = await self._events.get()
            if frame is _CLOSED:
                if self._state in ("closed", "failed"):
                    return
                continue
            try:
                if frame.get("event") == "message" and self.on_message is not None:
                    result = self.on_message(frame.get("message") or {})
                elif self.on_event is not None:
                    result = self.on_event(frame)
                else:
                    result = None
                if inspect.isawaitable(result):
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
            if frame.get("event") == "message" and isinstance(frame.get("message"), dict):
                return frame["message"]
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
        token = token if token is not None else self._token
        info = await self._call(_ops.hello(agent_id, token), timeout=self.connect_timeout + self.read_timeout)
        self._agent_id, self._token, self._hello_done = agent_id, token, True
        self.server_info = info
        return info

    async def ping(self) -> bool:
        """``ping``."""
        return await self._call(_ops.ping())

    async def bye(self) -> None:
        """``bye``, then close (no reconnect)."""
        if self._state == "ready":
            self._state = "closing"
        try:
            op, fields, _ = _ops.bye()
            if self._writer is not None:
                await self._wait(self._write(self._gen, op, fields), self.read_timeout)
        finally:
            await self.close()

    async def send(self, to_agent: str, content: Dict[str, Any], message_type: str = "status_update", *,
                   priority: Optional[str] = None, message_id: Optional[str] = None,
                   correlation_id: Optional[str] = None, reply_to: Optional[str] = None,
                   ttl_ms: Optional[int] = None, delay_ms: Optional[int] = None) -> SendResult:
        """``send`` (see :meth:`Client.send`)."""
        return await self._call(_ops.send(_ops.build_message(
            to_agent, content, message_type, priority, message_id, correlation_id, reply_to, ttl_ms, delay_ms)))

    async def send_message(self, message: Dict[str, Any]) -> SendResult:
        """``send`` with a ready-made message object."""
        return await self._call(_ops.send(message))

    async def fetch(self, limit: Optional[int] = None, wait_ms: Optional[int] = None) -> List[Message]:
        """``fetch`` (see :meth:`Client.fetch`)."""
        return await self._call(_ops.fetch(limit, wait_ms), timeout=self.read_timeout + (wait_ms or 0) / 1000.0)

    async def ack(self, message_ids: Iterable[str]) -> int:
        """``ack``."""
        return await self._call(_ops.ack(message_ids))

    async def nack(self, message_ids: Iterable[str], delay_ms: Optional[int] = None) -> int:
        """``nack``."""
        return await self._call(_ops.nack(message_ids, delay_ms))

    async def subscribe(self, prefetch: Optional[int] = None) -> bool:
        """``subscribe``; remembered for reconnects."""
        result = await self._call(_ops.subscribe(prefetch))
        self._subscribed, self._prefetch = True, prefetch
        return result

    async def unsubscribe(self) -> bool:
        """``unsubscribe``."""
        result = await self._call(_ops.unsubscribe())
        self._subscribed = False
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
                          max_retries: Optional[int] = None) -> AssignResult:
        """``assign_task``."""
        return await self._call(_ops.assign_task(task_type, required_capabilities, description, parameters,
                                                 priority, timeout_ms, max_retries))

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


async def connect_async(host: str = "127.0.0.1", port: int = DEFAULT_PORT, agent_id: Optional[str] = None,
                        **options: Any) -> AsyncClient:
    """Create an :class:`AsyncClient`, connect it and (with ``agent_id``) say hello."""
    return await AsyncClient(host, port, agent_id=agent_id, **options).connect()


def _close_writer(writer: Optional[asyncio.StreamWriter]) -> None:
    if writer is None:
        return
    try:
        writer.close()
    except (OSError, RuntimeError):
        pass
