"""``AsyncWorker``: the asyncio twin of :class:`~agentd_client.Worker`.

::

    async def transcode(task: AsyncTaskContext) -> dict:
        await task.progress(10)
        ...
        return {"out": "v.webm"}          # reported as completed, with this result

    async with AsyncWorker("worker-1", transcode, capabilities=["gpu"],
                           servers=["10.0.0.1:7420", "10.0.0.2:7420"], concurrency=4):
        await asyncio.Event().wait()      # until cancelled

Same behaviour as the threaded worker: ``hello``, ``register``, ``subscribe``; a handler
run per pushed ``task_request`` (at most ``concurrency`` at once, as asyncio tasks),
``in_progress`` / ``completed`` / ``failed`` reports with fixed ``message_id`` s (a resend
is stored once), heartbeats, the ``task_request`` acked only after the handler returned
and its report was stored, cancel notices, and :meth:`AsyncWorker.stop` draining.
"""

import asyncio
import collections
import inspect
import logging
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional, Sequence, Set, Union

from ._core import ServerSpec
from ._ops import AssignResult
from .aio import AsyncClient
from .errors import AgentdError, ConnectionLost, Forbidden
from .worker import _MAX_DONE, TaskFields, _beat_every, _usage, _WorkerSettings

log = logging.getLogger("agentd_client")


class AsyncTaskContext(TaskFields):
    """One task as an ``async`` handler sees it (attributes: see
    :class:`~agentd_client.worker.TaskFields`).

    Attributes:
        cancelled: an ``asyncio.Event`` set when the supervisor cancels the task.
    """

    def __init__(self, worker: "AsyncWorker", message: Dict[str, Any]) -> None:
        super().__init__(message)
        self.worker = worker
        self.cancelled = asyncio.Event()
        #: Why the task was taken away, when agentd said (``budget_exceeded``,
        #: ``parent_ended``, ``stale_lease``).
        self.cancel_reason: Optional[str] = None
        self._answers: "asyncio.Queue[Any]" = asyncio.Queue()
        self._asking = False
        self._handler: "Optional[asyncio.Future[Any]]" = None

    def _cancel(self, reason: Optional[str]) -> None:
        """Told to stop: the handler's coroutine is cancelled where it awaits."""
        self.cancel_reason = self.cancel_reason or reason
        self.cancelled.set()
        if self._handler is not None and not self._handler.done():
            self._handler.cancel()

    async def report_usage(self, tokens: Optional[float] = None, cost_usd: Optional[float] = None,
                           turns: Optional[float] = None, **extra: Any) -> None:
        """Report what was spent since the previous report (see ``TaskContext.report_usage``)."""
        await self.report("in_progress", usage=_usage(tokens, cost_usd, turns), **extra)

    async def ask(self, question: Any, timeout: Optional[float] = None) -> Any:
        """Stop for an answer (``input_required``) and return the ``input`` of the
        supervisor's ``resume_task``. A cancel meanwhile cancels the handler."""
        self._asking = True
        try:
            await self.report("input_required", question=question)
            return await asyncio.wait_for(self._answers.get(), timeout)
        finally:
            self._asking = False

    async def delegate(self, task_type: str, required_capabilities: Iterable[str] = (), **options: Any) -> AssignResult:
        """Assign a sub-task of this task (see ``TaskContext.delegate``)."""
        return await self.worker.client.assign_task(task_type, required_capabilities, parent_task_id=self.task_id, **options)

    async def progress(self, completion_percentage: float, **extra: Any) -> None:
        """Report ``in_progress`` with ``completion_percentage`` (0-100) and any extra content."""
        await self.report("in_progress", completion_percentage=completion_percentage, **extra)

    async def report(self, status: str, **content: Any) -> None:
        """Send a ``task_response`` with this status to the supervisor (retried safely)."""
        if self.task_id is None:
            return
        body, report_id = self._next_report(status, content)
        await self.worker._send_report(self, body, report_id)

    def is_cancelled(self) -> bool:
        """True once the supervisor cancelled this task."""
        return self.cancelled.is_set()


AsyncHandler = Callable[[AsyncTaskContext], Union[Awaitable[Any], Any]]


class AsyncWorker(_WorkerSettings):
    """Runs ``await handler(task)`` for each task agentd assigns to ``agent_id``.

    Arguments as for :class:`~agentd_client.Worker` (``servers=[...]`` included), with an
    ``async def`` handler (a plain function works too) and an optional
    :class:`~agentd_client.AsyncClient` as ``client``. ``on_message`` may be a coroutine
    function.
    """

    def __init__(self, agent_id: str, handler: AsyncHandler, *, capabilities: Iterable[str] = (),
                 host: Optional[str] = None, port: Optional[int] = None,
                 servers: Optional[Sequence[ServerSpec]] = None, client: Optional[AsyncClient] = None,
                 concurrency: int = 1, max_concurrent_tasks: Optional[int] = None,
                 heartbeat_interval: float = 10.0, metadata: Optional[Dict[str, Any]] = None,
                 on_message: Optional[Callable[[Dict[str, Any]], Any]] = None, report_start: bool = True,
                 renew_lease: bool = True, **client_options: Any) -> None:
        self._keep_settings(agent_id, capabilities, concurrency, max_concurrent_tasks, heartbeat_interval,
                       metadata, report_start, renew_lease)
        self.handler = handler
        self.on_other_message = on_message
        if client is None:
            client = AsyncClient(host, port, servers=servers, agent_id=agent_id, **client_options)
        client.on_message = self._on_message
        if client.agent_id is None:
            client._core.session.agent_id = agent_id
        self.client = client
        #: Counters: tasks completed / failed / cancelled by this worker, and other messages seen.
        self.stats: Dict[str, int] = {"completed": 0, "failed": 0, "cancelled": 0, "stale_lease": 0, "other_messages": 0}
        self._running: Dict[str, AsyncTaskContext] = {}  # message_id -> context, while its handler runs
        self._done: "collections.OrderedDict[str, None]" = collections.OrderedDict()  # see Worker._done
        self._tasks: "Set[asyncio.Task[Any]]" = set()
        # Made in start(), inside the running loop (Python 3.9 binds them at creation).
        self._slots: Optional[asyncio.Semaphore] = None
        self._stopping: Optional[asyncio.Event] = None
        self._stopped: Optional[asyncio.Event] = None
        self._heartbeat: "Optional[asyncio.Task[None]]" = None

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self) -> "AsyncWorker":
        """Connect, register, subscribe and start heartbeating. Returns self."""
        self._slots = asyncio.Semaphore(self.concurrency)
        self._stopping = asyncio.Event()
        self._stopped = asyncio.Event()
        await self.client.connect()
        await self.client.register("worker", self.capabilities, self.max_concurrent_tasks, self.metadata)
        # Room beyond the task slots so a cancel notice still gets pushed while every slot is busy.
        await self.client.subscribe(prefetch=self.max_concurrent_tasks + 16)
        self._heartbeat = asyncio.ensure_future(self._heartbeat_loop())
        return self

    async def __aenter__(self) -> "AsyncWorker":
        return await self.start()

    async def __aexit__(self, *exc: Any) -> None:
        await self.stop()

    @property
    def running_tasks(self) -> int:
        """Handlers running now."""
        return len(self._running)

    async def stop(self, timeout: float = 30.0, deregister: bool = False) -> None:
        """Drain and close: say ``draining``, unsubscribe, let running handlers finish and
        report (up to ``timeout`` seconds), optionally ``deregister``, then ``bye``."""
        assert self._stopping is not None and self._stopped is not None, "stop() before start()"
        if self._stopping.is_set():
            await self._stopped.wait()
            return
        self._stopping.set()
        try:
            try:
                await self.client.heartbeat(status="draining")
                await self.client.unsubscribe()
            except AgentdError as e:
                log.debug("worker %s: drain notice failed: %s", self.agent_id, e)
            if self._tasks:
                _, late = await asyncio.wait(set(self._tasks), timeout=timeout)
                for task in late:
                    task.cancel()  # left unacked: agentd delivers it again
            if self._heartbeat is not None:
                self._heartbeat.cancel()
            if deregister:
                try:
                    await self.client.deregister()
                except AgentdError as e:
                    log.debug("worker %s: deregister failed: %s", self.agent_id, e)
            try:
                await self.client.bye()
            except AgentdError:
                await self.client.close()
        finally:
            self._stopped.set()

    async def wait(self, timeout: Optional[float] = None) -> bool:
        """Wait until :meth:`stop` has finished (True) or ``timeout`` passes (False)."""
        assert self._stopped is not None, "wait() before start()"
        try:
            await asyncio.wait_for(self._stopped.wait(), timeout)
            return True
        except asyncio.TimeoutError:
            return False

    # -- messages ------------------------------------------------------------------------

    async def _on_message(self, message: Dict[str, Any]) -> None:
        mid = message.get("message_id")
        if not isinstance(mid, str):
            return
        mtype = message.get("message_type")
        content = message.get("content") or {}
        if mtype == "task_request":
            if mid in self._running:
                return  # redelivered while its handler still runs: the running one acks
            if mid in self._done:
                await self._ack(mid)  # the handler ran and reported; only the ack had been lost
                return
            if self._stopping is not None and self._stopping.is_set():
                return  # not started: released to others when we close
            ctx = AsyncTaskContext(self, message)
            self._running[mid] = ctx
            # A task of its own, so the dispatcher goes on reading (cancel notices, more tasks).
            task = asyncio.ensure_future(self._run(ctx))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            return
        if mtype == "coordination" and content.get("action") in ("cancel", "resume"):
            for ctx in self._running.values():
                if ctx.task_id != content.get("task_id"):
                    continue
                if content.get("action") == "resume":
                    ctx._answers.put_nowait(content.get("input"))
                else:
                    ctx._cancel(content.get("reason"))
            await self._ack(mid)
            return
        self.stats["other_messages"] += 1
        if self.on_other_message is not None:
            try:
                result = self.on_other_message(message)
                if inspect.isawaitable(result):
                    await result
            except Exception:
                log.exception("worker %s: on_message failed", self.agent_id)
        await self._ack(mid)

    async def _run(self, ctx: AsyncTaskContext) -> None:
        assert self._slots is not None
        try:
            async with self._slots:
                await self._run_handler(ctx)
            self._done[ctx.message_id] = None
            while len(self._done) > _MAX_DONE:
                self._done.popitem(last=False)
            # Only now is the task_request done: a crash before this line means redelivery.
            await self._ack(ctx.message_id)
        except ConnectionLost as e:
            log.warning("worker %s: task %s: connection lost (%s); agentd will redeliver", self.agent_id,
                        ctx.task_id, e)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("worker %s: task %s: unexpected error", self.agent_id, ctx.task_id)
        finally:
            self._running.pop(ctx.message_id, None)

    async def _beat(self, ctx: AsyncTaskContext) -> None:
        """Keeps the lease while the handler runs (see ``Worker``'s ``renew_lease``)."""
        every = _beat_every(ctx.lease_ms)
        while not ctx.cancelled.is_set():
            await asyncio.sleep(every)
            if not ctx._asking:
                try:
                    await ctx.report("in_progress")
                except AgentdError as e:
                    log.debug("worker %s: lease beat for %s failed: %s", self.agent_id, ctx.task_id, e)

    async def _run_handler(self, ctx: AsyncTaskContext) -> None:
        if self.report_start:
            await ctx.report("in_progress", completion_percentage=0)
        beat = asyncio.ensure_future(self._beat(ctx)) if ctx.lease_ms and self.renew_lease else None
        try:
            result = self.handler(ctx)
            if inspect.isawaitable(result):
                ctx._handler = asyncio.ensure_future(result)
                result = await ctx._handler
        except asyncio.CancelledError:
            if not ctx.cancelled.is_set():
                raise  # the worker itself is being cancelled
            self.stats["cancelled"] += 1
            return
        except Exception as e:
            log.info("worker %s: task %s failed: %s", self.agent_id, ctx.task_id, e)
            if ctx.cancelled.is_set():
                self.stats["cancelled"] += 1
            else:
                await ctx.report("failed", error={"message": str(e), "type": type(e).__name__})
                self.stats["failed"] += 1
            return
        finally:
            if beat is not None:
                beat.cancel()
        if ctx.cancelled.is_set():
            self.stats["cancelled"] += 1
            return
        try:
            await ctx.report("completed", result=result, completion_percentage=100)
            # A stale lease (the task went to another worker meanwhile) cancels the context.
            self.stats["stale_lease" if ctx.cancelled.is_set() else "completed"] += 1
        except (TypeError, ValueError) as e:  # the result cannot be sent as JSON
            await ctx.report("failed", error={"message": "result is not JSON: %s" % e, "type": type(e).__name__})
            self.stats["failed"] += 1

    async def _send_report(self, ctx: AsyncTaskContext, body: Dict[str, Any], report_id: str) -> None:
        """Send one task_response, retrying (same message_id: stored once) while the
        connection is being re-established."""
        for attempt in range(20):
            try:
                await self.client.send(ctx.supervisor, body, "task_response", message_id=report_id)
                return
            except Forbidden as e:
                if "stale lease" not in str(e):
                    raise
                # The task was reassigned (our lease ran out) or has ended: stop working on it.
                log.warning("worker %s: task %s: %s", self.agent_id, ctx.task_id, e)
                ctx.cancel_reason = ctx.cancel_reason or "stale_lease"
                ctx.cancelled.set()
                return
            except AgentdError as e:
                stopped = self._stopped is not None and self._stopped.is_set()
                if not e.retryable or stopped or attempt == 19:
                    raise
                await asyncio.sleep(min(2.0, 0.05 * 2 ** attempt))

    async def _ack(self, message_id: str) -> None:
        try:
            if await self.client.ack([message_id]) > 0:
                self._done.pop(message_id, None)
        except AgentdError as e:
            log.warning("worker %s: ack %s failed: %s", self.agent_id, message_id, e)

    async def _heartbeat_loop(self) -> None:
        assert self._stopping is not None
        while not self._stopping.is_set():
            try:
                await asyncio.wait_for(self._stopping.wait(), self.heartbeat_interval)
                return
            except asyncio.TimeoutError:
                pass
            try:
                await self.client.heartbeat(status="busy" if self._running else "active")
            except AgentdError as e:
                log.debug("worker %s: heartbeat failed: %s", self.agent_id, e)
