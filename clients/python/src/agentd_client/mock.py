"""Mock mode: an in-process fake of agentd, for tests and demos without a daemon.

The original library had an in-memory "mock mode"; this is its successor. A
:class:`MockBroker` keeps inboxes, deliveries, the registry and tasks in memory and
answers the same ops as agentd with the same reply shapes and error codes. A
:class:`MockClient` is a :class:`~agentd_client.Client` whose transport is a
:class:`MockConnection` instead of a socket: the client writes request lines into it, the
broker answers with reply and event lines as agentd would, so the client code that runs
is the very code that talks to agentd, and everything built on it (the compatibility
API, :class:`~agentd_client.Worker`) runs unchanged.

What it models: priority order, in-flight messages with ``ack``/``nack`` (and ``nack``
with ``dead_letter``) and attempt counts, redelivery when a session closes, dead letters
after ``max_deliveries``, dedup by ``message_id``, ``ttl_ms``/``delay_ms``, ``traceparent``,
``request`` (the reply taken by the waiting request), push with ``prefetch``, the registry
with ``available`` and best-first order, task assignment with retries and the final
``error_report``, task deadlines (``timeout_ms``) and leases (``lease_ms``, fencing of
reports by ``content.lease``), failure kinds, ``attempts_log``, budgets and ``usage``,
``input_required``/``resume_task``, idempotent ``assign_task``, sub-tasks with the cascade
cancel, ``cancel_task``, ``broadcast``, role checks, ``stats``.

Time: deadlines and leases are checked at the start of every op (so whoever looks sees them
acted on) and by one timer thread per broker that wakes at the earliest one (so they run
out even while nobody calls); ``delay_ms`` uses the same timer.

What it leaves out (see the package README): ack timeouts, the heartbeat sweeper (agents
never go offline by silence), durability and task retention (tasks are kept forever), auth
tokens and connection limits.
"""

import hashlib
import heapq
import itertools
import json
import math
import queue
import threading
import time
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Set, Tuple

from ._core import ServerAddress, encode_frame
from .client import Client, Transport
from .errors import AgentdError, BadJson, BadRequest, Forbidden, NotFound, Unauthenticated, UnknownOp

PRIORITIES = ("critical", "high", "medium", "low")
MESSAGE_TYPES = ("task_request", "task_assignment", "task_response", "status_update", "heartbeat",
                 "error_report", "coordination")
ROLES = ("supervisor", "coordinator", "worker", "monitor")
STATUSES = ("active", "busy", "idle", "draining", "offline")
TASK_STATES = ("pending", "assigned", "in_progress", "input_required", "completed", "failed", "timed_out", "cancelled")
_HELD = ("assigned", "in_progress")
_ASSIGNED = ("assigned", "in_progress", "input_required")
_FINAL = ("completed", "failed", "timed_out", "cancelled")
_MONITOR_OPS = {"hello", "register", "heartbeat", "ping", "bye", "stats", "health", "agents", "task",
                "tasks", "dead_letters"}


def now_rfc3339(t: Optional[float] = None) -> str:
    """A time as agentd writes it: RFC 3339 UTC, three fraction digits, ``Z``."""
    dt = datetime.fromtimestamp(time.time() if t is None else t, tz=timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (dt.microsecond // 1000)


def _check_agent_id(name: str, agent_id: str) -> str:
    """agentd's rule for agent ids: 1-128 characters of A-Z a-z 0-9 . _ : @ -."""
    if not (1 <= len(agent_id) <= 128) or not all(c.isascii() and (c.isalnum() or c in "._:@-") for c in agent_id):
        raise BadRequest("%s: must be 1-128 characters of A-Z a-z 0-9 . _ : @ -" % name)
    return agent_id


def _check_traceparent(name: str, value: Any) -> Optional[str]:
    """agentd's rule for ``traceparent``: ``00-<32 hex>-<16 hex>-<2 hex>``, lower-case hex,
    trace and parent ids not all zeros."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadRequest("%s: must be a string" % name)
    hexdigits = "0123456789abcdef"
    ok = (len(value) == 55 and value[:3] == "00-" and value[35] == "-" and value[52] == "-"
          and all(c in hexdigits for i, c in enumerate(value) if i not in (0, 1, 2, 35, 52))
          and value[3:35] != "0" * 32 and value[36:52] != "0" * 16)
    if not ok:
        raise BadRequest("%s: must be a W3C traceparent 00-<32 hex>-<16 hex>-<2 hex> (lower-case hex)" % name)
    return value


_AMOUNTS = ("tokens", "cost_usd", "turns")


def _amounts(obj: Dict[str, Any], field: str) -> Dict[str, float]:
    """``{tokens?, cost_usd?, turns?}``, each a number >= 0 (agentd's TaskAmounts)."""
    out: Dict[str, float] = {}
    for key, value in obj.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0 or not math.isfinite(value):
            raise BadRequest("%s.%s: must be a number \u2265 0" % (field, key))
        if key not in _AMOUNTS:
            raise BadRequest("%s.%s: unknown (tokens, cost_usd, turns)" % (field, key))
        out[key] = float(value)
    return out


def _number(value: float) -> Any:
    """A whole amount as an integer, as agentd writes it (``0``, not ``0.0``)."""
    return int(value) if value == int(value) and abs(value) < 9e15 else value


def _amounts_view(amounts: Dict[str, float]) -> Dict[str, Any]:
    return {k: _number(amounts[k]) for k in _AMOUNTS if k in amounts}


class _Waiter:
    """A ``request`` waiting for the first message to ``agent`` carrying ``correlation_id``."""

    def __init__(self, agent: str, correlation_id: str) -> None:
        self.agent = agent
        self.correlation_id = correlation_id


class _Stored:
    """One stored message and its delivery state."""

    def __init__(self, msg: Dict[str, Any], seq: int, ready_at: float, expires_at: Optional[float]) -> None:
        self.msg = msg
        self.seq = seq
        self.ready_at = ready_at
        self.expires_at = expires_at
        self.attempts = 0
        self.holder: Optional["MockConnection"] = None  # the session it is in flight on
        self.pushed = False

    def key(self) -> Tuple[int, int]:
        return PRIORITIES.index(self.msg["priority"]), self.seq


class MockBroker:
    """An in-memory agentd. Thread-safe: every op runs under one lock.

    Args:
        max_deliveries: attempts before a message moves to the dead letters (agentd: 5).
        task_max_retries: default ``max_retries`` of a task (agentd: 3).
        max_frame_bytes: requests whose JSON is longer get ``frame_too_large`` semantics
            are not modelled; kept for symmetry with agentd's configuration.
    """

    _default: Optional["MockBroker"] = None
    _default_lock = threading.Lock()

    def __init__(self, max_deliveries: int = 5, task_max_retries: int = 3) -> None:
        self.max_deliveries = max_deliveries
        self.task_max_retries = task_max_retries
        self.started = time.time()
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._seq = itertools.count(1)
        self._ids = itertools.count(1)
        self._inbox: Dict[str, List[_Stored]] = {}
        self._by_id: Dict[str, _Stored] = {}
        self._dedup: Dict[str, str] = {}
        self._dead: Dict[str, List[Dict[str, Any]]] = {}
        self._agents: Dict[str, Dict[str, Any]] = {}
        self._tasks: Dict[str, Dict[str, Any]] = {}
        self._task_order: List[str] = []
        self._sessions: Set["MockConnection"] = set()
        self._counters = {"sent_total": 0, "delivered_total": 0, "acked_total": 0, "expired_total": 0}
        self._send_times: List[float] = []
        self._waiters: List[_Waiter] = []  # requests waiting for their reply, oldest first
        self._next_due: Optional[float] = None  # earliest task deadline or lease end
        # One timer thread per broker (started when needed) wakes it at scheduled times.
        self._timer_lock = threading.Condition(threading.Lock())
        self._timer_heap: List[float] = []
        self._timer_thread: Optional[threading.Thread] = None

    @classmethod
    def default(cls) -> "MockBroker":
        """The process-wide broker that mock-mode objects share unless given their own
        (so a mock ``MessageQueueManager`` and a mock ``AgentRegistry`` see each other)."""
        with cls._default_lock:
            if cls._default is None:
                cls._default = MockBroker()
            return cls._default

    @classmethod
    def reset_default(cls) -> None:
        """Forget the process-wide broker (the next :meth:`default` makes a fresh one)."""
        with cls._default_lock:
            cls._default = None

    def client(self, agent_id: Optional[str] = None, **options: Any) -> "MockClient":
        """A connected :class:`MockClient` on this broker (hello'd when ``agent_id`` is given)."""
        return MockClient(self, agent_id=agent_id, **options).connect()

    # -- dispatch --------------------------------------------------------------------

    def handle(self, session: "MockConnection", op: str, fields: Dict[str, Any]) -> Dict[str, Any]:
        """Answer one request of ``session``; returns the reply fields (raises AgentdError)."""
        with self._lock:
            if op == "ping":
                return {"pong": True}
            if op == "hello":
                return self._hello(session, fields)
            if session.agent is None:
                raise Unauthenticated("say hello first")
            self._sweep()
            agent = self._agents.get(session.agent)
            if agent is not None:
                agent["last_heartbeat"] = now_rfc3339()
            handler = getattr(self, "_op_" + op, None)
            if handler is None:
                raise UnknownOp("op: unknown op %r" % op)
            role = agent["role"] if agent is not None else None
            if role == "monitor" and op not in _MONITOR_OPS:
                raise Forbidden("%s: a monitor may only read" % op)
            # assign_task: a sub-task's maker may also be the parent's assignee (checked there).
            if (op in ("cancel_task", "broadcast") or op == "assign_task" and fields.get("parent_task_id") is None) \
                    and role not in ("supervisor", "coordinator"):
                raise Forbidden("%s: only a registered supervisor or coordinator may do this" % op)
            result: Dict[str, Any] = handler(session, fields)
            self._pump()
            return result

    def disconnect(self, session: "MockConnection") -> None:
        """The session closed: its unacked deliveries become deliverable again."""
        with self._lock:
            self._sessions.discard(session)
            for stored in list(self._by_id.values()):
                if stored.holder is session:
                    self._release(stored)
            self._pump()
            self._cond.notify_all()

    # -- helpers ---------------------------------------------------------------------

    @staticmethod
    def _want(fields: Dict[str, Any], name: str, kind: Any, required: bool = True,
              lo: Optional[int] = None, hi: Optional[int] = None) -> Any:
        if name not in fields or fields[name] is None:
            if required:
                raise BadRequest("%s: missing" % name)
            return None
        value = fields[name]
        if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            raise BadRequest("%s: expected an integer" % name)
        if kind is not int and not isinstance(value, kind):
            raise BadRequest("%s: wrong type" % name)
        if lo is not None and value < lo or hi is not None and value > hi:
            raise BadRequest("%s: %r is out of range %s...%s" % (name, value, lo, hi))
        return value

    def _ids_list(self, fields: Dict[str, Any]) -> List[str]:
        ids: List[str] = self._want(fields, "message_ids", list)
        if not all(isinstance(i, str) for i in ids):
            raise BadRequest("message_ids: expected strings")
        return ids

    def _store(self, msg: Dict[str, Any], delay_ms: int = 0, ttl_ms: Optional[int] = None) -> None:
        now = time.time()
        stored = _Stored(msg, next(self._seq), now + delay_ms / 1000.0,
                         None if ttl_ms is None else now + ttl_ms / 1000.0)
        self._inbox.setdefault(msg["to_agent"], []).append(stored)
        self._by_id[msg["message_id"]] = stored
        self._counters["sent_total"] += 1
        self._send_times.append(now)
        if delay_ms:
            self._schedule(now + delay_ms / 1000.0)
        self._cond.notify_all()

    def _wake(self) -> None:
        with self._lock:
            self._sweep()
            self._pump()
            self._cond.notify_all()

    def _schedule(self, at: float) -> None:
        """Have the timer thread wake the broker at ``at`` (time.time())."""
        with self._timer_lock:
            heapq.heappush(self._timer_heap, at + 0.001)
            if self._timer_thread is None:
                self._timer_thread = threading.Thread(target=self._timer_loop, name="agentd-mock-timer", daemon=True)
                self._timer_thread.start()
            self._timer_lock.notify()

    def _timer_loop(self) -> None:
        while True:
            with self._timer_lock:
                while True:
                    if not self._timer_heap:
                        self._timer_thread = None  # idle: a later _schedule starts another
                        return
                    left = self._timer_heap[0] - time.time()
                    if left <= 0:
                        while self._timer_heap and self._timer_heap[0] <= time.time():
                            heapq.heappop(self._timer_heap)
                        break
                    self._timer_lock.wait(left)
            self._wake()

    def _new_message(self, sender: str, to_agent: str, message_type: str, content: Dict[str, Any],
                     priority: str = "medium", **extra: Any) -> Dict[str, Any]:
        msg = {"message_id": "m-mock-%d" % next(self._ids), "from_agent": sender, "to_agent": to_agent,
               "message_type": message_type, "content": content, "priority": priority,
               "timestamp": now_rfc3339()}
        msg.update({k: v for k, v in extra.items() if v is not None})
        return msg

    def _deliverable(self, agent_id: str, limit: int) -> List[_Stored]:
        now = time.time()
        ready = []
        for stored in sorted(self._inbox.get(agent_id, []), key=_Stored.key):
            if stored.holder is not None or stored.ready_at > now or self._awaited(stored):
                continue
            if stored.expires_at is not None and stored.expires_at <= now:
                self._remove(stored)
                self._counters["expired_total"] += 1
                continue
            ready.append(stored)
            if len(ready) >= limit:
                break
        return ready

    def _deliver(self, stored: _Stored, session: "MockConnection", pushed: bool) -> Dict[str, Any]:
        stored.attempts += 1
        stored.holder = session
        stored.pushed = pushed
        self._counters["delivered_total"] += 1
        out = dict(stored.msg)
        out["delivery"] = {"attempt": stored.attempts, "delivered_at": now_rfc3339()}
        return out

    def _remove(self, stored: _Stored) -> None:
        box = self._inbox.get(stored.msg["to_agent"], [])
        if stored in box:
            box.remove(stored)
        self._by_id.pop(stored.msg["message_id"], None)

    def _release(self, stored: _Stored, delay_ms: int = 0) -> None:
        """An attempt ended without an ack: back to the inbox, or to the dead letters."""
        stored.holder = None
        stored.pushed = False
        if stored.attempts >= self.max_deliveries:
            self._dead_letter(stored, "max_deliveries")
            return
        if delay_ms:
            stored.ready_at = time.time() + delay_ms / 1000.0
            self._schedule(stored.ready_at)
        self._cond.notify_all()

    def _dead_letter(self, stored: _Stored, reason: str) -> None:
        self._remove(stored)
        dead = dict(stored.msg)
        dead["dead"] = {"reason": reason, "attempts": stored.attempts, "at": now_rfc3339()}
        self._dead.setdefault(stored.msg["to_agent"], []).append(dead)

    def _pump(self) -> None:
        """Push deliverable messages to subscribed sessions, within their prefetch."""
        for session in list(self._sessions):
            if not session.subscribed or session.agent is None:
                continue
            held = sum(1 for s in self._by_id.values() if s.holder is session and s.pushed)
            room = session.prefetch - held
            if room <= 0:
                continue
            for stored in self._deliverable(session.agent, room):
                session.push({"event": "message", "message": self._deliver(stored, session, True)})

    # -- session and messaging ops -----------------------------------------------------

    def _hello(self, session: "MockConnection", fields: Dict[str, Any]) -> Dict[str, Any]:
        agent_id = self._want(fields, "agent_id", str)
        if session.agent is not None:
            raise BadRequest("hello: this connection already said hello")
        _check_agent_id("agent_id", agent_id)
        if agent_id == "agentd":
            raise Forbidden("agent_id: \"agentd\" is reserved for the server")
        session.agent = agent_id
        self._sessions.add(session)
        return {"server": "agentd", "version": "mock", "protocol": 1, "agent_id": agent_id}

    def _op_bye(self, session: "MockConnection", fields: Dict[str, Any]) -> Dict[str, Any]:
        return {}

    def _op_send(self, session: "MockConnection", fields: Dict[str, Any]) -> Dict[str, Any]:
        sender = session.agent
        assert sender is not None
        mid, duplicate = self._send(sender, self._want(fields, "message", dict))
        return {"message_id": mid, "duplicate": True} if duplicate else {"message_id": mid}

    def _send(self, sender: str, m: Dict[str, Any], reply_to: Optional[str] = None) -> Tuple[str, bool]:
        """``send`` (and the send of ``request``, which sets ``reply_to``): validate, fence a
        report that names its lease, store (or answer duplicate), apply a report."""
        if m.get("from_agent") not in (None, sender):
            raise Forbidden("message.from_agent: this session is %s, not %s" % (sender, m.get("from_agent")))
        mid = self._want(m, "message_id", str, required=False)
        if mid is not None and not 1 <= len(mid) <= 128:
            raise BadRequest("message.message_id: must be 1-128 characters")
        to_agent = _check_agent_id("message.to_agent", self._want(m, "to_agent", str))
        mtype = self._want(m, "message_type", str)
        if mtype not in MESSAGE_TYPES:
            raise BadRequest("message.message_type: %r is not one of %s" % (mtype, ", ".join(MESSAGE_TYPES)))
        content = self._want(m, "content", dict)
        priority = self._want(m, "priority", str, required=False) or "medium"
        if priority not in PRIORITIES:
            raise BadRequest("message.priority: %r is not one of %s" % (priority, ", ".join(PRIORITIES)))
        correlation_id = self._want(m, "correlation_id", str, required=False)
        if reply_to is None:
            reply_to = self._want(m, "reply_to", str, required=False)
        ttl_ms = self._want(m, "ttl_ms", int, False, 1, 31622400000)
        delay_ms = self._want(m, "delay_ms", int, False, 0, 31622400000)
        traceparent = _check_traceparent("message.traceparent", m.get("traceparent"))
        if mtype == "task_assignment":
            mtype = "task_request"
        report = mtype in ("task_response", "error_report")
        lease = content.get("lease") if report else None
        if report and "lease" in content and (isinstance(lease, bool) or not isinstance(lease, int) or lease < 1):
            raise BadRequest("message.content.lease: must be a whole number \u2265 1")
        if lease is not None and not (mid is not None and self._dedup.get(mid) == sender):
            # Fenced: the report acts on the task before it is stored; a stale one is refused.
            # A retry of one already stored is only answered duplicate (applied once).
            self._task_report(sender, mtype, content, lease)
        if mid is not None and mid in self._dedup:
            if self._dedup[mid] != sender:
                raise BadRequest("message.message_id: already used by another sender")
            return mid, True
        if mid is None:
            mid = "m-mock-%d" % next(self._ids)
        self._dedup[mid] = sender
        msg = {"message_id": mid, "from_agent": sender, "to_agent": to_agent, "message_type": mtype,
               "content": content, "priority": priority, "timestamp": now_rfc3339()}
        for key, value in (("correlation_id", correlation_id), ("reply_to", reply_to), ("ttl_ms", ttl_ms),
                           ("delay_ms", delay_ms), ("traceparent", traceparent)):
            if value is not None:
                msg[key] = value
        self._store(msg, delay_ms or 0, ttl_ms)
        if report and lease is None:
            self._task_report(sender, mtype, content, None)
        return mid, False

    def _awaited(self, stored: _Stored) -> bool:
        """A waiting ``request`` will take this message: fetch and push pass it by."""
        cid = stored.msg.get("correlation_id")
        return cid is not None and any(w.agent == stored.msg["to_agent"] and w.correlation_id == cid
                                       for w in self._waiters)

    def _op_request(self, session: "MockConnection", fields: Dict[str, Any]) -> Dict[str, Any]:
        me = session.agent
        assert me is not None
        m = dict(self._want(fields, "message", dict))
        timeout_ms = self._want(fields, "timeout_ms", int, False, 1, 300000) or 30000
        cid = self._want(m, "correlation_id", str, required=False)
        if cid is None:
            cid = m["correlation_id"] = "cm-mock-%d" % next(self._ids)
        waiter = _Waiter(me, cid)
        self._waiters.append(waiter)
        try:
            mid, _ = self._send(me, m, reply_to=me)
            deadline = time.time() + timeout_ms / 1000.0
            while True:
                mine = [w for w in self._waiters if w.agent == me and w.correlation_id == cid]
                if mine and mine[0] is waiter:  # an earlier request with this id answers first
                    now = time.time()
                    for stored in sorted(self._inbox.get(me, []), key=lambda s: s.seq):
                        if (stored.holder is None and stored.ready_at <= now and stored.msg.get("correlation_id") == cid
                                and (stored.expires_at is None or stored.expires_at > now)):
                            self._remove(stored)
                            self._counters["delivered_total"] += 1
                            self._counters["acked_total"] += 1
                            reply = dict(stored.msg)
                            reply["delivery"] = {"attempt": 1, "delivered_at": now_rfc3339()}
                            return {"message_id": mid, "reply": reply}
                if time.time() >= deadline or session.closed:
                    return {"message_id": mid, "reply": None, "timed_out": True}
                self._cond.wait(min(0.05, max(0.0, deadline - time.time())))
        finally:
            self._waiters.remove(waiter)
            self._pump()  # a late reply is an ordinary message now

    def _op_fetch(self, session: "MockConnection", fields: Dict[str, Any]) -> Dict[str, Any]:
        limit = self._want(fields, "limit", int, False, 1, 1000) or 10
        wait_ms = self._want(fields, "wait_ms", int, False, 0, 30000) or 0
        agent_id = session.agent
        assert agent_id is not None
        deadline = time.time() + wait_ms / 1000.0
        while True:
            ready = self._deliverable(agent_id, limit)
            if ready or time.time() >= deadline:
                return {"messages": [self._deliver(s, session, False) for s in ready]}
            self._cond.wait(min(0.05, max(0.0, deadline - time.time())))

    def _held_by_agent(self, session: "MockConnection", ids: List[str]) -> List[_Stored]:
        out = []
        for mid in ids:
            stored = self._by_id.get(mid)
            if stored is not None and stored.holder is not None and stored.holder.agent == session.agent:
                out.append(stored)
        return out

    def _op_ack(self, session: "MockConnection", fields: Dict[str, Any]) -> Dict[str, Any]:
        held = self._held_by_agent(session, self._ids_list(fields))
        for stored in held:
            self._remove(stored)
        self._counters["acked_total"] += len(held)
        return {"acked": len(held)}

    def _op_nack(self, session: "MockConnection", fields: Dict[str, Any]) -> Dict[str, Any]:
        delay = self._want(fields, "delay_ms", int, False, 0) or 0
        held = self._held_by_agent(session, self._ids_list(fields))
        if self._want(fields, "dead_letter", bool, required=False):
            for stored in held:
                self._dead_letter(stored, "rejected")
            return {"requeued": 0, "dead_lettered": len(held)}
        for stored in held:
            self._release(stored, delay)
        return {"requeued": len(held)}

    def _op_subscribe(self, session: "MockConnection", fields: Dict[str, Any]) -> Dict[str, Any]:
        session.prefetch = self._want(fields, "prefetch", int, False, 1, 10000) or 100
        session.subscribed = True
        return {"subscribed": True}

    def _op_unsubscribe(self, session: "MockConnection", fields: Dict[str, Any]) -> Dict[str, Any]:
        session.subscribed = False
        return {"subscribed": False}

    def _other_agent(self, session: "MockConnection", fields: Dict[str, Any], roles: Tuple[str, ...]) -> str:
        who = self._want(fields, "agent_id", str, required=False)
        me = session.agent
        assert me is not None
        if who is None or who == me:
            return me
        agent = self._agents.get(me)
        if agent is None or agent["role"] not in roles:
            raise Forbidden("agent_id: only %s may name another agent" % "/".join(roles))
        return str(who)

    def _op_dead_letters(self, session: "MockConnection", fields: Dict[str, Any]) -> Dict[str, Any]:
        limit = self._want(fields, "limit", int, False, 1, 1000) or 100
        who = self._other_agent(session, fields, ("supervisor", "coordinator", "monitor"))
        return {"messages": [dict(m) for m in self._dead.get(who, [])[:limit]]}

    def _op_requeue_dead(self, session: "MockConnection", fields: Dict[str, Any]) -> Dict[str, Any]:
        ids = set(self._ids_list(fields))
        who = self._other_agent(session, fields, ("supervisor", "coordinator"))
        keep: List[Dict[str, Any]] = []
        back: List[Dict[str, Any]] = []
        for m in self._dead.get(who, []):
            (back if m["message_id"] in ids else keep).append(m)
        self._dead[who] = keep
        for m in back:
            msg = {k: v for k, v in m.items() if k != "dead"}
            stored = _Stored(msg, next(self._seq), time.time(), None)
            self._inbox.setdefault(who, []).append(stored)
            self._by_id[msg["message_id"]] = stored
        self._cond.notify_all()
        return {"requeued": len(back)}

    # -- registry ----------------------------------------------------------------------

    def _op_register(self, session: "MockConnection", fields: Dict[str, Any]) -> Dict[str, Any]:
        role = self._want(fields, "role", str)
        if role not in ROLES:
            raise BadRequest("role: %r is not one of %s" % (role, ", ".join(ROLES)))
        caps = self._want(fields, "capabilities", list)
        mct = self._want(fields, "max_concurrent_tasks", int, False, 1) or 1
        metadata = self._want(fields, "metadata", dict, required=False) or {}
        me = session.agent
        assert me is not None
        now = now_rfc3339()
        agent = self._agents.get(me)
        if agent is None:
            agent = {"agent_id": me, "current_tasks": 0, "status": "active", "registered_at": now}
            self._agents[me] = agent
        elif agent["status"] == "offline":
            agent["status"] = "active"
        agent.update(role=role, capabilities=list(caps), max_concurrent_tasks=mct, metadata=metadata,
                     last_heartbeat=now)
        self._assign_pending()
        return {"agent": self._agent_view(agent)}

    @staticmethod
    def _agent_view(agent: Dict[str, Any]) -> Dict[str, Any]:
        keys = ("agent_id", "role", "capabilities", "max_concurrent_tasks", "current_tasks", "status",
                "last_heartbeat", "registered_at", "metadata")
        return {k: agent[k] for k in keys}

    def _registered(self, session: "MockConnection") -> Dict[str, Any]:
        agent = self._agents.get(session.agent or "")
        if agent is None:
            raise NotFound("agent %s is not registered; register first" % session.agent)
        return agent

    def _op_heartbeat(self, session: "MockConnection", fields: Dict[str, Any]) -> Dict[str, Any]:
        agent = self._registered(session)
        status = self._want(fields, "status", str, required=False)
        if status is not None:
            if status not in STATUSES:
                raise BadRequest("status: %r is not one of %s" % (status, ", ".join(STATUSES)))
            agent["status"] = status
        current = self._want(fields, "current_tasks", int, False, 0)
        if current is not None:
            agent["current_tasks"] = current
        self._assign_pending()
        return {}

    @staticmethod
    def _available(agent: Dict[str, Any]) -> bool:
        return agent["status"] not in ("offline", "draining") and agent["current_tasks"] < agent["max_concurrent_tasks"]

    @staticmethod
    def _rank(agent: Dict[str, Any]) -> Tuple[float, str, str]:
        # best first: lowest load, then most recent heartbeat, then agent id
        inverted = "".join(chr(0x10FFFF - ord(c)) for c in agent["last_heartbeat"])
        return agent["current_tasks"] / agent["max_concurrent_tasks"], inverted, agent["agent_id"]

    def _op_agents(self, session: "MockConnection", fields: Dict[str, Any]) -> Dict[str, Any]:
        caps = self._want(fields, "capabilities", list, required=False) or []
        role = self._want(fields, "role", str, required=False)
        available = self._want(fields, "available", bool, required=False)
        limit = self._want(fields, "limit", int, False, 1, 1000) or 100
        found = [a for a in self._agents.values()
                 if all(c in a["capabilities"] for c in caps) and (role is None or a["role"] == role)
                 and (not available or self._available(a))]
        found.sort(key=self._rank)
        return {"agents": [self._agent_view(a) for a in found[:limit]]}

    def _op_deregister(self, session: "MockConnection", fields: Dict[str, Any]) -> Dict[str, Any]:
        agent = self._registered(session)
        del self._agents[agent["agent_id"]]
        # A task waiting for input stays the agent's until resume_task finds it gone.
        for task in list(self._tasks.values()):
            if task["assigned_to"] == agent["agent_id"] and task["state"] in _HELD:
                self._attempt_ended(task, "orphaned", {"message": "assignee %s went deregistered" % agent["agent_id"]})
        self._assign_pending()
        return {}

    # -- coordination --------------------------------------------------------------------

    def _history(self, task: Dict[str, Any], event: str, agent_id: Optional[str]) -> None:
        now = now_rfc3339()
        task["history"].append({"at": now, "event": event, "agent_id": agent_id})
        task["updated_at"] = now

    @staticmethod
    def _idempotent_task_id(supervisor: str, key: str) -> str:
        """The task id agentd derives from the supervisor and the idempotency key."""
        return "t-k" + hashlib.sha256(("%s\n%s" % (supervisor, key)).encode("utf-8")).hexdigest()[:20]

    def _op_assign_task(self, session: "MockConnection", fields: Dict[str, Any]) -> Dict[str, Any]:
        me = session.agent
        assert me is not None
        task_type = self._want(fields, "task_type", str)
        if not 1 <= len(task_type.encode("utf-8")) <= 128:
            raise BadRequest("task_type: must be 1-128 bytes")
        description = self._want(fields, "description", str, required=False) or ""
        parameters = self._want(fields, "parameters", dict, required=False) or {}
        caps = self._want(fields, "required_capabilities", list)
        if not all(isinstance(c, str) for c in caps):
            raise BadRequest("required_capabilities: must be an array of strings")
        priority = self._want(fields, "priority", str, required=False) or "medium"
        if priority not in PRIORITIES:
            raise BadRequest("priority: %r is not one of %s" % (priority, ", ".join(PRIORITIES)))
        timeout_ms = self._want(fields, "timeout_ms", int, False, 1, 31622400000) or 300000
        max_retries = self._want(fields, "max_retries", int, False, 0, 100)
        lease_ms = self._want(fields, "lease_ms", int, False, 1000, 86400000)
        key = self._want(fields, "idempotency_key", str, required=False)
        if key is not None and not 1 <= len(key) <= 128:
            raise BadRequest("idempotency_key: must be 1-128 characters")
        budget_obj = self._want(fields, "budget", dict, required=False)
        budget = None if budget_obj is None else _amounts(budget_obj, "budget")
        parent_id = self._want(fields, "parent_task_id", str, required=False)
        traceparent = _check_traceparent("traceparent", fields.get("traceparent"))
        agent = self._agents.get(me)
        coordinating = agent is not None and agent["role"] in ("supervisor", "coordinator")
        parent: Optional[Dict[str, Any]] = None
        if parent_id is not None:
            try:
                parent = self._visible(session, parent_id)
            except NotFound:
                raise NotFound("parent_task_id: no task %s" % parent_id) from None
            if not coordinating and not (parent["state"] in _ASSIGNED and parent["assigned_to"] == me):
                raise Forbidden("assign_task: only a supervisor, a coordinator or the parent task's assignee "
                                "may make a sub-task")
            if parent["state"] in _FINAL:
                raise BadRequest("parent_task_id: task %s has ended (%s)" % (parent_id, parent["state"]))
        task_id = self._idempotent_task_id(me, key) if key is not None else "t-mock-%d" % next(self._ids)
        existing = self._tasks.get(task_id)
        if existing is not None:
            if (existing["task_type"], existing["parameters"], existing["required_capabilities"]) != \
                    (task_type, parameters, list(caps)):
                raise BadRequest("idempotency_key: already used by task %s with another task_type, parameters or "
                                 "required_capabilities" % task_id)
            return {"task_id": task_id, "state": existing["state"], "assigned_to": existing["assigned_to"],
                    "duplicate": True}
        now = now_rfc3339()
        task: Dict[str, Any] = {
            "task_id": task_id, "task_type": task_type, "description": description, "parameters": parameters,
            "required_capabilities": list(caps), "priority": priority, "state": "pending", "assigned_to": None,
            "supervisor": me, "attempts": 0,
            "max_retries": self.task_max_retries if max_retries is None else max_retries,
            "created_at": now, "updated_at": now, "history": [], "lease": 0, "budget": budget,
            "usage": {"tokens": 0.0, "cost_usd": 0.0, "turns": 0.0}, "parent_task_id": parent_id, "children": [],
            "traceparent": traceparent if traceparent is not None else (parent or {}).get("traceparent"),
            # not on the wire:
            "_timeout_ms": timeout_ms, "_lease_ms": lease_ms, "_tried": [], "_deadline": None,
            "_lease_expires": None, "_paused": None, "_log": [],
            "_deadline_cap": None if parent is None else (parent["_deadline"] if parent["_deadline"] is not None
                                                          else parent["_deadline_cap"]),
        }
        self._history(task, "created", me)
        self._tasks[task_id] = task
        self._task_order.append(task_id)
        if parent is not None:
            parent["children"].append(task_id)
        self._try_assign(task)
        return {"task_id": task_id, "state": task["state"], "assigned_to": task["assigned_to"]}

    def _try_assign(self, task: Dict[str, Any]) -> bool:
        workers = [a for a in self._agents.values()
                   if a["role"] == "worker" and self._available(a)
                   and all(c in a["capabilities"] for c in task["required_capabilities"])]
        if not workers:
            task["state"] = "pending"
            return False
        fresh = [a for a in workers if a["agent_id"] not in task["_tried"]]
        best = sorted(fresh or workers, key=self._rank)[0]
        now = time.time()
        task["attempts"] += 1
        task["lease"] += 1
        task["state"] = "assigned"
        task["assigned_to"] = best["agent_id"]
        task["_tried"].append(best["agent_id"])
        deadline = now + task["_timeout_ms"] / 1000.0
        task["_deadline"] = deadline if task["_deadline_cap"] is None else min(deadline, task["_deadline_cap"])
        task["_lease_expires"] = None if task["_lease_ms"] is None else now + task["_lease_ms"] / 1000.0
        task["_log"].append({"attempt": task["attempts"], "lease": task["lease"], "agent_id": best["agent_id"],
                             "started_at": now, "ended_at": None, "outcome": None})
        best["current_tasks"] += 1
        self._history(task, "assigned", best["agent_id"])
        self._due_changed(task)
        content = {"task_id": task["task_id"], "task_type": task["task_type"], "description": task["description"],
                   "parameters": task["parameters"], "deadline": now_rfc3339(task["_deadline"]),
                   "lease": task["lease"], "attempt": task["attempts"]}
        if task["_lease_ms"] is not None:
            content["lease_ms"] = task["_lease_ms"]
        self._store(self._new_message(task["supervisor"], best["agent_id"], "task_request", content,
                                      task["priority"], correlation_id=task["task_id"],
                                      traceparent=task["traceparent"]))
        return True

    def _assign_pending(self) -> None:
        pending = [self._tasks[t] for t in self._task_order if self._tasks[t]["state"] == "pending"]
        pending.sort(key=lambda t: PRIORITIES.index(t["priority"]))
        for task in pending:
            self._try_assign(task)

    def _free(self, task: Dict[str, Any]) -> None:
        agent = self._agents.get(task["assigned_to"] or "")
        if agent is not None and agent["current_tasks"] > 0:
            agent["current_tasks"] -= 1

    # -- time: deadlines and leases

    @staticmethod
    def _due(task: Dict[str, Any]) -> Optional[float]:
        """When the held attempt must end: its deadline or its lease, whichever comes first."""
        times = [t for t in (task["_deadline"], task["_lease_expires"]) if t is not None]
        return min(times) if times else None

    def _due_changed(self, task: Dict[str, Any]) -> None:
        due = self._due(task)
        if due is not None:
            if self._next_due is None or due < self._next_due:
                self._next_due = due
            self._schedule(due)

    def _sweep(self) -> None:
        """Ends the attempts whose deadline or lease has passed (run before every op and by
        the timer)."""
        now = time.time()
        if self._next_due is None or self._next_due > now:
            return
        next_due: Optional[float] = None
        for tid in list(self._task_order):
            task = self._tasks[tid]
            if task["state"] not in _HELD:
                continue
            due = self._due(task)
            if due is not None and due <= now:
                lease = task["_lease_expires"]
                if lease is not None and lease <= now and lease < (task["_deadline"] or math.inf):
                    self._attempt_ended(task, "lease_expired",
                                        {"message": "no report within the lease (%d ms)" % task["_lease_ms"]})
                else:
                    self._attempt_ended(task, "timed_out", {"message": "no result within %d ms" % task["_timeout_ms"]})
                self._assign_pending()
        for task in self._tasks.values():
            due = self._due(task) if task["state"] in _HELD else None
            if due is not None and (next_due is None or due < next_due):
                next_due = due
        self._next_due = next_due

    # -- reports

    def _task_report(self, sender: str, mtype: str, content: Dict[str, Any], lease: Optional[int]) -> None:
        """A task_response or error_report passed: only the current assignee's reports change
        the task. With ``lease`` the report is fenced (raises Forbidden when stale)."""
        task_id = content.get("task_id")
        if not isinstance(task_id, str):
            return
        status = "failed" if mtype == "error_report" else content.get("status")
        if status not in ("in_progress", "input_required", "completed", "failed"):
            return
        task = self._tasks.get(task_id)
        if lease is not None and (task is None or not self._accepts(task, lease, status, sender)):
            raise Forbidden("stale lease: task %s is no longer held under lease %d (it was reassigned or has ended)"
                            % (task_id, lease))
        if task is None or task["state"] not in _ASSIGNED or task["assigned_to"] != sender:
            return
        usage = content.get("usage")
        if isinstance(usage, dict):
            try:
                spent = _amounts(usage, "usage")
            except BadRequest:
                spent = {}
            if spent:
                for k, v in spent.items():
                    task["usage"][k] += v
                budget = task["budget"]
                if budget is not None and [k for k in _AMOUNTS if k in budget and task["usage"][k] > budget[k]]:
                    self._budget_exceeded(task, [k for k in _AMOUNTS if k in budget and task["usage"][k] > budget[k]])
                    return
        now = time.time()
        if task["state"] == "input_required":
            # Waiting for an answer: only an end (completed, failed) changes the task now.
            if status not in ("completed", "failed"):
                return
            task["state"] = "in_progress"
            task["_paused"] = None
        elif task["_lease_ms"] is not None:
            task["_lease_expires"] = now + task["_lease_ms"] / 1000.0  # a sign of life: the lease runs on
            self._due_changed(task)
        if status == "input_required":
            task["_paused"] = None if task["_deadline"] is None else max(0.0, task["_deadline"] - now)
            task["_deadline"] = None
            task["_lease_expires"] = None
            task["state"] = "input_required"
            self._history(task, "input_required", sender)
        elif status == "in_progress":
            if task["state"] != "in_progress":
                task["state"] = "in_progress"
                self._history(task, "in_progress", sender)
        elif status == "completed":
            task["state"] = "completed"
            task["result"] = content.get("result")
            task["_deadline"] = None
            task["_lease_expires"] = None
            self._end_attempt(task, "completed")
            self._history(task, "completed", sender)
            self._free(task)
            self._task_ended(task)
            self._assign_pending()
        else:
            error = content.get("error")
            if not isinstance(error, dict) or not error:
                error = {"message": error if error is not None else "reported failed by %s" % sender}
            self._attempt_ended(task, "failed", error, retry=error.get("kind") != "permanent")
            self._assign_pending()

    @staticmethod
    def _accepts(task: Dict[str, Any], lease: int, status: str, sender: str) -> bool:
        """A report naming ``lease`` may act on the task: the current assignment's, still
        held; or the very report that completed it, sent again by the same agent."""
        if lease != task["lease"]:
            return False
        if task["state"] in _ASSIGNED:
            return bool(task["assigned_to"] == sender)
        last = task["_log"][-1] if task["_log"] else None
        return (last is not None and task["state"] == "completed" and status == "completed"
                and last["lease"] == lease and last["agent_id"] == sender)

    def _end_attempt(self, task: Dict[str, Any], outcome: str, error: Optional[Dict[str, Any]] = None) -> None:
        if task["_log"] and task["_log"][-1]["outcome"] is None:
            entry = task["_log"][-1]
            entry.update(outcome=outcome, ended_at=time.time())
            if error is not None:
                entry["error"] = error

    def _attempt_ended(self, task: Dict[str, Any], outcome: str, error: Dict[str, Any], retry: bool = True) -> None:
        """The attempt ended without success: retried (preferring another agent) while
        ``attempts <= max_retries`` and ``retry``, else the task ends and its supervisor is told."""
        assignee = task["assigned_to"]
        self._free(task)
        task["_paused"] = None
        self._history(task, outcome, assignee)
        self._end_attempt(task, outcome, error if outcome == "failed" else None)
        task["assigned_to"] = None
        task["_deadline"] = None
        task["_lease_expires"] = None
        task["error"] = error
        if retry and task["attempts"] <= task["max_retries"]:
            task["state"] = "pending"
            self._try_assign(task)
        else:
            task["state"] = "timed_out" if outcome in ("timed_out", "lease_expired") else "failed"
            self._final_report(task, error)

    def _final_report(self, task: Dict[str, Any], error: Dict[str, Any]) -> None:
        """The task ended failed or timed_out for good: the final history event, the
        supervisor's error_report, and its open sub-tasks cancelled."""
        self._history(task, task["state"], None)
        self._store(self._new_message("agentd", task["supervisor"], "error_report",
                                      {"task_id": task["task_id"], "state": task["state"], "error": error}, "high"))
        self._task_ended(task)

    def _budget_exceeded(self, task: Dict[str, Any], over: List[str]) -> None:
        assignee = task["assigned_to"]
        self._free(task)
        error = {"kind": "budget_exceeded", "message": "usage over the budget: %s" % ", ".join(over),
                 "budget": _amounts_view(task["budget"]), "usage": _amounts_view(task["usage"])}
        self._history(task, "failed", assignee)
        self._end_attempt(task, "failed", error)
        task["assigned_to"] = None
        task["_deadline"] = None
        task["_lease_expires"] = None
        task["_paused"] = None
        task["error"] = error
        task["state"] = "failed"
        self._tell_to_stop(assignee or "", task["task_id"], "agentd", "budget_exceeded")
        self._final_report(task, error)
        self._assign_pending()

    def _tell_to_stop(self, assignee: str, task_id: str, by: str, reason: Optional[str]) -> None:
        content = {"action": "cancel", "task_id": task_id}
        if reason is not None:
            content["reason"] = reason
        self._store(self._new_message(by, assignee, "coordination", content, "high"))

    def _cancel(self, task: Dict[str, Any], by: str, reason: Optional[str] = None) -> None:
        """Cancels a task that has not ended; the assignee is told."""
        if task["state"] in _FINAL:
            return
        if task["state"] in _ASSIGNED and task["assigned_to"] is not None:
            self._free(task)
            self._tell_to_stop(task["assigned_to"], task["task_id"], by, reason)
        task["state"] = "cancelled"
        task["_deadline"] = None
        task["_lease_expires"] = None
        task["_paused"] = None
        self._end_attempt(task, "cancelled")
        self._history(task, "cancelled", by)
        self._task_ended(task)

    def _task_ended(self, task: Dict[str, Any]) -> None:
        """A task ended: its open descendants are cancelled (``parent_ended``). agentd does
        this one level at a time just after; the mock at once."""
        for child_id in task["children"]:
            child = self._tasks.get(child_id)
            if child is not None:
                self._cancel(child, "agentd", "parent_ended")

    def _op_resume_task(self, session: "MockConnection", fields: Dict[str, Any]) -> Dict[str, Any]:
        task_id = self._want(fields, "task_id", str)
        if "input" not in fields:
            raise BadRequest("input: missing")
        task = self._visible(session, task_id)
        agent = self._agents.get(session.agent or "")
        if task["supervisor"] != session.agent and (agent is None or agent["role"] not in ("supervisor", "coordinator")):
            raise Forbidden("resume_task: only the task's supervisor, a supervisor or a coordinator may resume it")
        if task["state"] != "input_required" or task["assigned_to"] is None:
            raise BadRequest("task_id: task %s is not input_required" % task_id)
        assignee = task["assigned_to"]
        holder = self._agents.get(assignee)
        if holder is None or holder["status"] == "offline":
            self._attempt_ended(task, "orphaned",
                                {"message": "assignee %s went offline while the task waited for input" % assignee})
            self._assign_pending()
            return {"task": self._task_view(task)}
        now = time.time()
        task["state"] = "assigned"
        task["_deadline"] = None if task["_paused"] is None else now + task["_paused"]
        task["_paused"] = None
        task["_lease_expires"] = None if task["_lease_ms"] is None else now + task["_lease_ms"] / 1000.0
        self._history(task, "resumed", assignee)
        self._due_changed(task)
        self._store(self._new_message(task["supervisor"], assignee, "coordination",
                                      {"action": "resume", "task_id": task_id, "lease": task["lease"],
                                       "input": fields["input"]}, "high", correlation_id=task_id))
        return {"task": self._task_view(task)}

    def _visible(self, session: "MockConnection", task_id: str) -> Dict[str, Any]:
        task = self._tasks.get(task_id)
        me = session.agent
        agent = self._agents.get(me or "")
        if task is not None and (agent is not None and agent["role"] in ("supervisor", "coordinator", "monitor")
                                 or task["supervisor"] == me or me in task["_tried"]):
            return task
        raise NotFound("task_id: no task %s" % task_id)

    @staticmethod
    def _task_view(task: Dict[str, Any]) -> Dict[str, Any]:
        """TaskInfo, keys in agentd's order."""
        def at(t: Optional[float]) -> Optional[str]:
            return None if t is None else now_rfc3339(t)
        out = {k: task[k] for k in ("task_id", "task_type", "description", "parameters", "required_capabilities",
                                    "priority", "state", "assigned_to", "supervisor", "attempts", "max_retries")}
        out["deadline"] = at(task["_deadline"])
        if task["state"] == "completed":
            out["result"] = task.get("result")
        if task.get("error") is not None:
            out["error"] = task["error"]
        out["lease"] = task["lease"]
        out["lease_expires_at"] = at(task["_lease_expires"])
        log = []
        for entry in task["_log"]:
            e = dict(entry, started_at=at(entry["started_at"]), ended_at=at(entry["ended_at"]))
            log.append(e)
        out["attempts_log"] = log
        out["budget"] = None if task["budget"] is None else _amounts_view(task["budget"])
        out["usage"] = _amounts_view(task["usage"])
        out["parent_task_id"] = task["parent_task_id"]
        out["children"] = list(task["children"])
        out["traceparent"] = task["traceparent"]
        for k in ("created_at", "updated_at", "history"):
            out[k] = task[k]
        return out

    def _op_task(self, session: "MockConnection", fields: Dict[str, Any]) -> Dict[str, Any]:
        return {"task": self._task_view(self._visible(session, self._want(fields, "task_id", str)))}

    def _op_tasks(self, session: "MockConnection", fields: Dict[str, Any]) -> Dict[str, Any]:
        state = self._want(fields, "state", str, required=False)
        if state is not None and state not in TASK_STATES:
            raise BadRequest("state: %r is not one of %s" % (state, ", ".join(TASK_STATES)))
        assigned = self._want(fields, "assigned_to", str, required=False)
        limit = self._want(fields, "limit", int, False, 1, 1000) or 100
        out = []
        for tid in reversed(self._task_order):
            try:
                task = self._visible(session, tid)
            except NotFound:
                continue
            if (state is None or task["state"] == state) and (assigned is None or task["assigned_to"] == assigned):
                out.append(self._task_view(task))
        return {"tasks": out[:limit]}

    def _op_cancel_task(self, session: "MockConnection", fields: Dict[str, Any]) -> Dict[str, Any]:
        task = self._visible(session, self._want(fields, "task_id", str))
        if task["state"] not in _FINAL:
            self._cancel(task, session.agent or "")
            self._assign_pending()
        return {"task": self._task_view(task)}

    def _op_broadcast(self, session: "MockConnection", fields: Dict[str, Any]) -> Dict[str, Any]:
        mtype = self._want(fields, "message_type", str)
        if mtype not in MESSAGE_TYPES:
            raise BadRequest("message_type: %r is not one of %s" % (mtype, ", ".join(MESSAGE_TYPES)))
        content = self._want(fields, "content", dict)
        priority = self._want(fields, "priority", str, required=False) or "medium"
        role = self._want(fields, "role", str, required=False)
        caps = self._want(fields, "capabilities", list, required=False) or []
        n = 0
        for agent in list(self._agents.values()):
            if agent["agent_id"] == session.agent or agent["status"] == "offline":
                continue
            if role is not None and agent["role"] != role or not all(c in agent["capabilities"] for c in caps):
                continue
            self._store(self._new_message(session.agent or "", agent["agent_id"], mtype, content, priority))
            n += 1
        return {"delivered_to": n}

    # -- observability ---------------------------------------------------------------------

    def _op_stats(self, session: "MockConnection", fields: Dict[str, Any]) -> Dict[str, Any]:
        now = time.time()
        self._send_times = [t for t in self._send_times if t > now - 60]
        stored = list(self._by_id.values())
        live = [a for a in self._agents.values() if a["status"] != "offline"]
        states = [t["state"] for t in self._tasks.values()]
        done = {s: states.count(s) for s in ("completed", "failed", "timed_out")}
        finished = sum(done.values())
        return {
            "queues": dict(self._counters, messages_per_minute=len(self._send_times), pending=len(stored),
                           in_flight=sum(1 for s in stored if s.holder is not None),
                           dead_letters=sum(len(v) for v in self._dead.values())),
            "registry": {"total_agents": len(self._agents), "active_agents": len(live),
                         "offline_agents": len(self._agents) - len(live),
                         "average_load": (sum(a["current_tasks"] / a["max_concurrent_tasks"] for a in live) / len(live))
                         if live else 0.0},
            "coordination": {"tasks_total": len(states), "pending": states.count("pending"),
                             "in_progress": states.count("assigned") + states.count("in_progress"),
                             "input_required": states.count("input_required"),
                             "completed": done["completed"], "failed": done["failed"],
                             "timed_out": done["timed_out"], "cancelled": states.count("cancelled"),
                             "completion_rate": done["completed"] / finished if finished else 0.0},
            "server": {"version": "mock", "uptime_s": int(now - self.started), "connections": len(self._sessions),
                       "backend": "memory", "auth_failures_total": 0, "daemon_id": "mock", "daemons": 1,
                       "live_daemons": ["mock"]},
        }

    def _op_health(self, session: "MockConnection", fields: Dict[str, Any]) -> Dict[str, Any]:
        return {"status": "ok", "store": "up", "backend": "memory"}




class MockConnection:
    """One connection to a :class:`MockBroker`, both ends of it.

    The client's end is a :class:`~agentd_client.client.Transport` (``send``, ``recv``,
    ``close``) carrying the same bytes a socket would. The broker's end is a session
    (``agent``, ``subscribed``, ``prefetch``, :meth:`push`). A thread of its own answers
    the request lines one at a time, in order, as agentd does on one connection.
    """

    def __init__(self, broker: "MockBroker") -> None:
        self.broker = broker
        self.agent: Optional[str] = None
        self.subscribed = False
        self.prefetch = 100
        self._to_server: "queue.Queue[Optional[bytes]]" = queue.Queue()
        self._to_client: "queue.Queue[bytes]" = queue.Queue()
        self._lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._serve, name="agentd-mock-session", daemon=True).start()

    @property
    def closed(self) -> bool:
        """True once either end closed the connection."""
        return self._closed

    # -- the client's end ------------------------------------------------------------

    def send(self, data: bytes) -> None:
        if self._closed:
            raise ConnectionResetError("mock connection closed")
        self._to_server.put(bytes(data))

    def recv(self) -> bytes:
        return self._to_client.get()

    def close(self) -> None:
        """Either end closes: the broker releases the session's unacked deliveries."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._to_server.put(None)
        self._to_client.put(b"")
        self.broker.disconnect(self)

    # -- the broker's end ------------------------------------------------------------

    def push(self, frame: Dict[str, Any]) -> None:
        """Send an event (or a reply) frame to the client."""
        if not self._closed:
            self._to_client.put(encode_frame(frame))

    def _serve(self) -> None:
        buf = b""
        while True:
            data = self._to_server.get()
            if data is None:
                return
            buf += data
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                if line.strip() and not self._answer(line):
                    self.close()  # after bye: agentd closes the connection
                    return

    def _answer(self, line: bytes) -> bool:
        """Answer one request line; False when the connection is to close."""
        rid: Any = None
        try:
            try:
                frame = json.loads(line.decode("utf-8"))
            except ValueError:
                raise BadJson("the line is not JSON") from None
            if not isinstance(frame, dict):
                raise BadJson("the line is not a JSON object")
            rid = frame.get("id")
            op = frame.get("op")
            if not isinstance(op, str):
                raise BadRequest("op: missing")
            fields = {k: v for k, v in frame.items() if k not in ("op", "id")}
            reply: Dict[str, Any] = {"id": rid, "ok": True}
            reply.update(self.broker.handle(self, op, fields))
        except AgentdError as e:
            reply = {"id": rid, "ok": False, "error": {"code": e.code, "message": e.message}}
        self.push(reply)
        return not (reply["ok"] and frame.get("op") == "bye")


class MockClient(Client):
    """A :class:`~agentd_client.Client` connected to a :class:`MockBroker` instead of a
    socket: same methods, same return values, same exceptions. It never reconnects (the
    broker lives in this process)."""

    def __init__(self, broker: Optional[MockBroker] = None, *, agent_id: Optional[str] = None,
                 token: Optional[str] = None, **options: Any) -> None:
        options.pop("reconnect", None)
        super().__init__("mock", 0, agent_id=agent_id, token=token, reconnect=False, **options)
        self.broker = broker if broker is not None else MockBroker.default()

    def _open_transport(self, server: ServerAddress) -> Transport:
        return MockConnection(self.broker)
