"""``Worker``: run a handler for each task agentd assigns to this agent.

::

    def transcode(task: TaskContext) -> dict:
        task.progress(10)
        ...
        return {"out": "v.webm"}          # reported as completed, with this result

    w = Worker("worker-1", transcode, capabilities=["gpu"], port=7420, concurrency=2).start()
    ...
    w.stop()

What it does:

- ``hello``, ``register`` as ``worker`` with the capabilities and
  ``max_concurrent_tasks = concurrency``, then ``subscribe``;
- for each pushed ``task_request``: a :class:`TaskContext` is handed to the handler on
  a thread pool of ``concurrency`` threads (1 = one task at a time). The worker reports
  ``in_progress`` when it starts, :meth:`TaskContext.progress` reports
  ``completion_percentage``, a return value is reported ``completed`` with that
  ``result``, an exception ``failed`` with ``error: {"message", "type"}``;
- it **acks the task_request only after the handler returned and the report was
  stored**. If the process dies mid-task, the connection closes, agentd delivers the
  ``task_request`` again (``attempt`` + 1) to another connection of this agent or after a
  restart, and the task runs again — handlers should be idempotent;
- a ``coordination`` ``{"action": "cancel", "task_id"}`` message sets
  :attr:`TaskContext.cancelled`; a cancelled task's outcome is not reported;
- a background thread sends ``heartbeat`` every ``heartbeat_interval`` seconds
  (status ``busy`` while a task runs, else ``active``);
- :meth:`stop` says ``draining`` (agentd assigns nothing more), stops the pushes, waits
  for running handlers to finish and report, then says ``bye``.
"""

import collections
import hashlib
import logging
import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from ._core import ServerSpec
from ._ops import AssignResult
from .client import Client
from .errors import AgentdError, ConnectionLost, Forbidden

log = logging.getLogger("agentd_client")

#: How many finished-but-unacked task ids a worker remembers (see Worker._done).
_MAX_DONE = 10000


class TaskFields:
    """What a ``task_request`` says, as attributes; shared by :class:`TaskContext` and
    :class:`~agentd_client.AsyncTaskContext`.

    Attributes:
        task_id, task_type, description, parameters, deadline: from the ``task_request``.
        supervisor: who assigned it (the reports go there).
        attempt: the delivery attempt of the ``task_request`` (> 1 after a redelivery).
        message: the whole ``task_request`` message.
    """

    def __init__(self, message: Dict[str, Any]) -> None:
        content: Dict[str, Any] = message.get("content") or {}
        self.message = message
        self.message_id: str = message["message_id"]
        self.task_id: Optional[str] = content.get("task_id")
        self.task_type: Optional[str] = content.get("task_type")
        self.description: str = content.get("description") or ""
        self.parameters: Dict[str, Any] = content.get("parameters") or {}
        self.deadline: Optional[str] = content.get("deadline")
        self.supervisor: str = message.get("from_agent") or ""
        self.attempt: int = (message.get("delivery") or {}).get("attempt", 1)
        #: The assignment's lease (agentd numbers each assignment); sent with every report,
        #: so that a report from an assignment that lost the task is refused.
        self.lease: Optional[int] = content.get("lease")
        #: ``lease_ms`` of the task, if it has one: the worker reports at least this often.
        self.lease_ms: Optional[int] = content.get("lease_ms")
        self._reports = 0

    def _next_report(self, status: str, content: Dict[str, Any]) -> Tuple[Dict[str, Any], str]:
        """The next report's body and ``message_id``."""
        self._reports += 1
        body: Dict[str, Any] = {"task_id": self.task_id, "status": status}
        if self.lease is not None:
            body["lease"] = self.lease
        body.update(content)
        return body, self._report_id()

    def _report_id(self) -> str:
        """The ``message_id`` of this attempt's next report: fixed per report, so a resend
        after a lost connection (to the same or another daemon) is deduplicated by agentd;
        different per delivery attempt, so a task run again after a crash is not mistaken
        for the first run's reports."""
        base = self.message_id
        if len(base) > 90:  # keep within agentd's 128-character message ids
            base = "r-" + hashlib.sha1(base.encode("utf-8")).hexdigest()[:24]
        return "%s:a%d:r%d" % (base, self.attempt, self._reports)


class _WorkerSettings:
    """The settings :class:`Worker` and ``AsyncWorker`` share, checked and stored once."""

    agent_id: str
    capabilities: List[str]
    concurrency: int
    max_concurrent_tasks: int
    heartbeat_interval: float
    metadata: Dict[str, Any]
    report_start: bool
    renew_lease: bool

    def _keep_settings(self, agent_id: str, capabilities: Iterable[str], concurrency: int,
                       max_concurrent_tasks: Optional[int], heartbeat_interval: float,
                       metadata: Optional[Dict[str, Any]], report_start: bool, renew_lease: bool) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.agent_id = agent_id
        self.capabilities = list(capabilities)
        self.concurrency = concurrency
        self.max_concurrent_tasks = max_concurrent_tasks or concurrency
        self.heartbeat_interval = heartbeat_interval
        self.metadata = metadata or {}
        self.report_start = report_start
        self.renew_lease = renew_lease


def _usage(tokens: Optional[float], cost_usd: Optional[float], turns: Optional[float]) -> Dict[str, float]:
    """A report's ``usage``: the amounts given."""
    return {k: v for k, v in (("tokens", tokens), ("cost_usd", cost_usd), ("turns", turns)) if v is not None}


def _beat_every(lease_ms: Optional[int]) -> float:
    """Seconds between lease beats: a third of the lease."""
    return max(0.05, (lease_ms or 0) / 3000.0)


class TaskContext(TaskFields):
    """One task as the handler sees it (see :class:`TaskFields` for its attributes).

    Attributes:
        cancelled: set when the supervisor cancels the task.
    """

    def __init__(self, worker: "Worker", message: Dict[str, Any]) -> None:
        super().__init__(message)
        self.worker = worker
        self.cancelled = threading.Event()
        #: Why the task was taken away, when agentd said: ``budget_exceeded``,
        #: ``parent_ended``, ``stale_lease`` (None for a plain cancel).
        self.cancel_reason: Optional[str] = None
        self._report_lock = threading.Lock()
        self._answers: "queue.Queue[Any]" = queue.Queue()
        self._asking = threading.Event()

    def progress(self, completion_percentage: float, **extra: Any) -> None:
        """Report ``in_progress`` with ``completion_percentage`` (0-100) and any extra content."""
        self.report("in_progress", completion_percentage=completion_percentage, **extra)

    def report(self, status: str, **content: Any) -> None:
        """Send a ``task_response`` with this status to the supervisor (retried safely:
        each report has its own ``message_id``)."""
        if self.task_id is None:
            return
        with self._report_lock:  # lease beats report from another thread
            body, report_id = self._next_report(status, content)
        self.worker._send_report(self, body, report_id)

    def report_usage(self, tokens: Optional[float] = None, cost_usd: Optional[float] = None,
                     turns: Optional[float] = None, **extra: Any) -> None:
        """Report what was spent since the previous report (an ``in_progress`` report with
        ``usage``). agentd adds it up over every attempt; past the task's budget the task
        fails and this context is cancelled (``cancel_reason`` ``budget_exceeded``)."""
        self.report("in_progress", usage=_usage(tokens, cost_usd, turns), **extra)

    def ask(self, question: Any, timeout: Optional[float] = None) -> Any:
        """Stop for an answer: the task goes ``input_required`` (its deadline and lease
        stop) with ``question`` in the report, until the supervisor's ``resume_task``.
        Returns the ``input`` it sent.

        Raises:
            TaskCancelled: the task was cancelled (or lost) while waiting.
            TimeoutError: no answer within ``timeout`` seconds.
        """
        self._asking.set()
        try:
            self.report("input_required", question=question)
            deadline = None if timeout is None else time.monotonic() + timeout
            while True:
                if self.cancelled.is_set():
                    raise TaskCancelled(self.task_id, self.cancel_reason)
                left = 0.1 if deadline is None else min(0.1, deadline - time.monotonic())
                if left <= 0:
                    raise TimeoutError("no answer to task %s within %s s" % (self.task_id, timeout))
                try:
                    return self._answers.get(timeout=left)
                except queue.Empty:
                    continue
        finally:
            self._asking.clear()

    def delegate(self, task_type: str, required_capabilities: Iterable[str] = (), **options: Any) -> AssignResult:
        """Assign a sub-task of this task (``parent_task_id``): this worker is its
        supervisor, its deadline is capped by this task's, and it is cancelled when this task
        ends. ``options`` are :meth:`Client.assign_task`'s."""
        return self.worker.client.assign_task(task_type, required_capabilities, parent_task_id=self.task_id, **options)

    def is_cancelled(self) -> bool:
        """True once the supervisor cancelled this task."""
        return self.cancelled.is_set()


Handler = Callable[[TaskContext], Any]


class TaskCancelled(Exception):
    """The task was cancelled (or went to another worker) while the handler waited on it."""

    def __init__(self, task_id: Optional[str], reason: Optional[str]) -> None:
        super().__init__("task %s cancelled%s" % (task_id, " (%s)" % reason if reason else ""))
        self.task_id = task_id
        self.reason = reason


class Worker(_WorkerSettings):
    """Runs ``handler`` for each task agentd assigns to ``agent_id``.

    Args:
        agent_id: this worker's agent id (several processes may share one: a pool).
        handler: called with a :class:`TaskContext`; its return value is the result.
        capabilities: registered capabilities (tasks are matched on them).
        host: agentd's host.
        port: agentd's port.
        servers: several daemons instead of host/port (see :class:`~agentd_client.Client`):
            when the one in use dies, the worker goes on through the next; a task whose
            handler was running then is still reported and acked (its ``task_request``,
            redelivered by the surviving daemon, is not run twice).
        client: a ready-made (unconnected) client to use instead, e.g. a
            :class:`~agentd_client.mock.MockClient`.
        concurrency: handler threads (1 = sequential). Also ``max_concurrent_tasks``
            unless that is given.
        max_concurrent_tasks: tasks agentd may assign at once.
        heartbeat_interval: seconds between heartbeats (agentd's default interval is 30 s,
            an agent silent for 90 s goes offline).
        metadata: registered metadata.
        on_message: called with every message that is not a ``task_request`` or a cancel
            (then acked).
        report_start: report ``in_progress`` before the handler starts.
        renew_lease: for a task with ``lease_ms``, report ``in_progress`` every third of it
            while the handler runs, so that a long handler keeps its task (off: the handler
            must report within the lease itself, or lose the task to another worker).
        **client_options: passed to :class:`~agentd_client.Client`.
    """

    def __init__(self, agent_id: str, handler: Handler, *, capabilities: Iterable[str] = (),
                 host: Optional[str] = None, port: Optional[int] = None,
                 servers: Optional[Sequence[ServerSpec]] = None, client: Optional[Client] = None,
                 concurrency: int = 1, max_concurrent_tasks: Optional[int] = None,
                 heartbeat_interval: float = 10.0, metadata: Optional[Dict[str, Any]] = None,
                 on_message: Optional[Callable[[Dict[str, Any]], None]] = None, report_start: bool = True,
                 renew_lease: bool = True, **client_options: Any) -> None:
        self._keep_settings(agent_id, capabilities, concurrency, max_concurrent_tasks, heartbeat_interval,
                       metadata, report_start, renew_lease)
        self.handler = handler
        self.on_other_message = on_message
        if client is None:
            client = Client(host, port, servers=servers, agent_id=agent_id, **client_options)
        client.on_message = self._on_message
        client.on_reconnect = self._on_reconnect
        if client.agent_id is None:
            client._core.session.agent_id = agent_id
        self.client = client
        #: Counters: tasks completed / failed / cancelled by this worker, results refused because the
        #: task had gone to another worker (stale_lease), and other messages seen.
        self.stats: Dict[str, int] = {"completed": 0, "failed": 0, "cancelled": 0, "stale_lease": 0, "other_messages": 0}
        self._pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="agentd-task")
        self._lock = threading.Lock()
        self._running: Dict[str, TaskContext] = {}  # message_id -> context, while its handler runs
        # message ids whose handler finished but whose ack did not (yet) count: the ack was
        # lost, or went to a daemon that had not yet taken the delivery over from a dead
        # one. A redelivery of one of these is acked, not run again. Bounded: oldest go.
        self._done: "collections.OrderedDict[str, None]" = collections.OrderedDict()
        self._stopping = threading.Event()
        self._stopped = threading.Event()
        self._heartbeat_thread: Optional[threading.Thread] = None

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> "Worker":
        """Connect, register, subscribe and start heartbeating. Returns self."""
        self.client.connect()
        self.client.register("worker", self.capabilities, self.max_concurrent_tasks, self.metadata)
        # Room beyond the task slots so a cancel notice still gets pushed while every slot is busy.
        self.client.subscribe(prefetch=self.max_concurrent_tasks + 16)
        self._heartbeat_thread = threading.Thread(target=self._heartbeat_loop, name="agentd-heartbeat", daemon=True)
        self._heartbeat_thread.start()
        return self

    def __enter__(self) -> "Worker":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def running_tasks(self) -> int:
        """Handlers running now."""
        with self._lock:
            return len(self._running)

    def stop(self, timeout: float = 30.0, deregister: bool = False) -> None:
        """Drain and close: say ``draining``, unsubscribe, let running handlers finish and
        report (up to ``timeout`` seconds), optionally ``deregister``, then ``bye``."""
        if self._stopping.is_set():
            self._stopped.wait(timeout)
            return
        self._stopping.set()
        try:
            try:
                self.client.heartbeat(status="draining")
                self.client.unsubscribe()
            except AgentdError as e:
                log.debug("worker %s: drain notice failed: %s", self.agent_id, e)
            self._pool.shutdown(wait=False, cancel_futures=True)  # queued, not started: left unacked
            waiter = threading.Thread(target=self._pool.shutdown, kwargs={"wait": True}, daemon=True)
            waiter.start()
            waiter.join(timeout)
            if deregister:
                try:
                    self.client.deregister()
                except AgentdError as e:
                    log.debug("worker %s: deregister failed: %s", self.agent_id, e)
            try:
                self.client.bye()
            except AgentdError:
                self.client.close()
        finally:
            self._stopped.set()

    def wait(self, timeout: Optional[float] = None) -> bool:
        """Block until :meth:`stop` has finished (True) or ``timeout`` passes (False)."""
        return self._stopped.wait(timeout)

    # -- messages ------------------------------------------------------------------------

    def _on_message(self, message: Dict[str, Any]) -> None:
        mid = message.get("message_id")
        if not isinstance(mid, str):
            return
        mtype = message.get("message_type")
        content = message.get("content") or {}
        if mtype == "task_request":
            with self._lock:
                if mid in self._running:
                    return  # redelivered while its handler still runs: the running one acks
                if mid in self._done:
                    done_already = True
                else:
                    done_already = False
                    if self._stopping.is_set():
                        return  # not started: released to others when we close
                    ctx = TaskContext(self, message)
                    self._running[mid] = ctx
            if done_already:
                self._ack(mid)  # the handler ran and reported; only the ack had been lost
                return
            try:
                self._pool.submit(self._run, ctx)
            except RuntimeError:  # pool shut down by stop(): leave it unacked
                with self._lock:
                    self._running.pop(mid, None)
            return
        if mtype == "coordination" and content.get("action") in ("cancel", "resume"):
            with self._lock:
                for ctx in self._running.values():
                    if ctx.task_id != content.get("task_id"):
                        continue
                    if content.get("action") == "resume":
                        ctx._answers.put(content.get("input"))
                    else:
                        ctx.cancel_reason = content.get("reason")
                        ctx.cancelled.set()
            self._ack(mid)
            return
        self.stats["other_messages"] += 1
        if self.on_other_message is not None:
            try:
                self.on_other_message(message)
            except Exception:
                log.exception("worker %s: on_message failed", self.agent_id)
        self._ack(mid)

    def _run(self, ctx: TaskContext) -> None:
        beating = threading.Event()
        try:
            if self.report_start:
                ctx.report("in_progress", completion_percentage=0)
            if ctx.lease_ms and self.renew_lease:
                threading.Thread(target=self._beat, args=(ctx, beating), daemon=True,
                                 name="agentd-lease").start()
            try:
                result = self.handler(ctx)
            except Exception as e:
                log.info("worker %s: task %s failed: %s", self.agent_id, ctx.task_id, e)
                if ctx.cancelled.is_set():
                    self.stats["cancelled"] += 1
                else:
                    ctx.report("failed", error={"message": str(e), "type": type(e).__name__})
                    self.stats["failed"] += 1
            else:
                if ctx.cancelled.is_set():
                    self.stats["cancelled"] += 1
                else:
                    try:
                        ctx.report("completed", result=result, completion_percentage=100)
                        # A stale lease (the task went to another worker meanwhile) cancels the context.
                        self.stats["stale_lease" if ctx.cancelled.is_set() else "completed"] += 1
                    except (TypeError, ValueError) as e:  # the result cannot be sent as JSON
                        ctx.report("failed", error={"message": "result is not JSON: %s" % e, "type": type(e).__name__})
                        self.stats["failed"] += 1
            with self._lock:
                self._done[ctx.message_id] = None
                while len(self._done) > _MAX_DONE:
                    self._done.popitem(last=False)
            # Only now is the task_request done: a crash before this line means redelivery.
            self._ack(ctx.message_id)
        except ConnectionLost as e:
            log.warning("worker %s: task %s: connection lost (%s); agentd will redeliver", self.agent_id,
                        ctx.task_id, e)
        except Exception:
            log.exception("worker %s: task %s: unexpected error", self.agent_id, ctx.task_id)
        finally:
            beating.set()
            with self._lock:
                self._running.pop(ctx.message_id, None)

    def _beat(self, ctx: TaskContext, done: threading.Event) -> None:
        """Keeps the task's lease while the handler runs: an ``in_progress`` report every
        third of ``lease_ms`` (none while it waits for input: the lease is stopped then)."""
        every = _beat_every(ctx.lease_ms)
        while not done.wait(every):
            if ctx.cancelled.is_set():
                return
            if ctx._asking.is_set():
                continue
            try:
                ctx.report("in_progress")
            except AgentdError as e:
                log.debug("worker %s: lease beat for %s failed: %s", self.agent_id, ctx.task_id, e)

    def _send_report(self, ctx: TaskContext, body: Dict[str, Any], report_id: str) -> None:
        """Send one task_response, retrying (same message_id: stored once) while the
        connection is being re-established."""
        for attempt in range(20):
            try:
                self.client.send(ctx.supervisor, body, "task_response", message_id=report_id)
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
                if not e.retryable or self._stopped.is_set() or attempt == 19:
                    raise
                self._stopping.wait(min(2.0, 0.05 * 2 ** attempt))

    def _ack(self, message_id: str) -> None:
        try:
            if self.client.ack([message_id]) > 0:
                with self._lock:
                    self._done.pop(message_id, None)
        except AgentdError as e:
            log.warning("worker %s: ack %s failed: %s", self.agent_id, message_id, e)

    def _on_reconnect(self, client: Client) -> None:
        log.info("worker %s reconnected", self.agent_id)

    def _heartbeat_loop(self) -> None:
        while not self._stopping.wait(self.heartbeat_interval):
            try:
                self.client.heartbeat(status="busy" if self.running_tasks else "active")
            except AgentdError as e:
                log.debug("worker %s: heartbeat failed: %s", self.agent_id, e)
