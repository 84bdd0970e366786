"""Mock mode: an in-process fake of agentd, for tests and demos without a daemon.

The original library had an in-memory "mock mode"; this is its successor. A
:class:`MockBroker` keeps inboxes, deliveries, the registry and tasks in memory and
answers the same ops as agentd with the same reply shapes and error codes. A
:class:`MockClient` is a :class:`~agentd_client.Client` whose transport is a
:class:`MockConnection` instead of a socket: the client writes request lines into it, the
broker answers with reply and event lines as agentd would, so the client code that runs
is the very code that talks to agentd, and everything built on it (the compatibility
API, :class:`~agentd_client.Worker`) runs unchanged.

What it models: priority order, in-flight messages with ``ack``/``nack`` and attempt
counts, redelivery when a session closes, dead letters after ``max_deliveries``, dedup by
``message_id``, ``ttl_ms``/``delay_ms``, push with ``prefetch``, the registry with
``available`` and best-first order, task assignment with retries and the final
``error_report``, ``cancel_task``, ``broadcast``, role checks, ``stats``.

What it leaves out (see the package README): ack timeouts, the heartbeat sweeper (agents
never go offline by silence), task deadlines (tasks never time out), durability, auth
tokens and connection limits.
"""

import itertools
import json
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
            agent = self._agents.get(session.agent)
            if agent is not None:
                agent["last_heartbeat"] = now_rfc3339()
            handler = getattr(self, "_op_" + op, None)
            if handler is None:
                raise UnknownOp("op: unknown op %r" % op)
            role = agent["role"] if agent is not None else None
            if role == "monitor" and op not in _MONITOR_OPS:
                raise Forbidden("%s: a monitor may only read" % op)
            if op in ("assign_task", "cancel_task", "broadcast") and role not in ("supervisor", "coordinator"):
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
            timer = threading.Timer(delay_ms / 1000.0 + 0.001, self._wake)
            timer.daemon = True
            timer.start()
        self._cond.notify_all()

    def _wake(self) -> None:
        with self._lock:
            self._pump()
            self._cond.notify_all()

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
            if stored.holder is not None or stored.ready_at > now:
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
            self._remove(stored)
            dead = dict(stored.msg)
            dead["dead"] = {"reason": "max_deliveries", "attempts": stored.attempts, "at": now_rfc3339()}
            self._dead.setdefault(stored.msg["to_agent"], []).append(dead)
            return
        if delay_ms:
            stored.ready_at = time.time() + delay_ms / 1000.0
            timer = threading.Timer(delay_ms / 1000.0 + 0.001, self._wake)
            timer.daemon = True
            timer.start()
        self._cond.notify_all()

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
        m = self._want(fields, "message", dict)
        sender = session.agent
        assert sender is not None
        if m.get("from_agent") not in (None, sender):
            raise Forbidden("message.from_agent: a session may only send as itself")
        to_agent = _check_agent_id("message.to_agent", self._want(m, "to_agent", str))
        mtype = self._want(m, "message_type", str)
        if mtype not in MESSAGE_TYPES:
            raise BadRequest("message.message_type: %r is not one of %s" % (mtype, ", ".join(MESSAGE_TYPES)))
        content = self._want(m, "content", dict)
        priority = self._want(m, "priority", str, required=False) or "medium"
        if priority not in PRIORITIES:
            raise BadRequest("message.priority: %r is not one of %s" % (priority, ", ".join(PRIORITIES)))
        mid = self._want(m, "message_id", str, required=False)
        if mid is not None:
            if mid in self._dedup:
                if self._dedup[mid] != sender:
                    raise BadRequest("message.message_id: %r is used by another sender" % mid)
                return {"message_id": mid, "duplicate": True}
        else:
            mid = "m-mock-%d" % next(self._ids)
        self._dedup[mid] = sender
        if mtype == "task_assignment":
            mtype = "task_request"
        msg = {"message_id": mid, "from_agent": sender, "to_agent": to_agent, "message_type": mtype,
               "content": content, "priority": priority, "timestamp": now_rfc3339()}
        for extra in ("correlation_id", "reply_to"):
            if self._want(m, extra, str, required=False) is not None:
                msg[extra] = m[extra]
        self._store(msg, self._want(m, "delay_ms", int, False, 0) or 0, self._want(m, "ttl_ms", int, False, 1))
        if mtype in ("task_response", "error_report"):
            self._task_report(sender, mtype, content)
        return {"message_id": mid}

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
        for task in self._tasks.values():
            if task["assigned_to"] == agent["agent_id"] and task["state"] in ("assigned", "in_progress"):
                self._history(task, "orphaned", agent["agent_id"])
                self._attempt_failed(task, {"message": "assignee deregistered"})
        return {}

    # -- coordination --------------------------------------------------------------------

    def _history(self, task: Dict[str, Any], event: str, agent_id: Optional[str]) -> None:
        now = now_rfc3339()
        task["history"].append({"at": now, "event": event, "agent_id": agent_id})
        task["updated_at"] = now

    def _op_assign_task(self, session: "MockConnection", fields: Dict[str, Any]) -> Dict[str, Any]:
        task_type = self._want(fields, "task_type", str)
        caps = self._want(fields, "required_capabilities", list)
        priority = self._want(fields, "priority", str, required=False) or "medium"
        if priority not in PRIORITIES:
            raise BadRequest("priority: %r is not one of %s" % (priority, ", ".join(PRIORITIES)))
        now = now_rfc3339()
        task = {"task_id": "t-mock-%d" % next(self._ids), "task_type": task_type,
                "description": self._want(fields, "description", str, required=False) or "",
                "parameters": self._want(fields, "parameters", dict, required=False) or {},
                "required_capabilities": list(caps), "priority": priority, "state": "pending",
                "assigned_to": None, "supervisor": session.agent, "attempts": 0,
                "max_retries": self._want(fields, "max_retries", int, False, 0) if fields.get("max_retries") is not None
                else self.task_max_retries,
                "deadline": None, "created_at": now, "updated_at": now, "history": [],
                "timeout_ms": self._want(fields, "timeout_ms", int, False, 1) or 300000, "tried": []}
        self._history(task, "created", session.agent)
        self._tasks[task["task_id"]] = task
        self._task_order.append(task["task_id"])
        self._try_assign(task)
        return {"task_id": task["task_id"], "state": task["state"], "assigned_to": task["assigned_to"]}

    def _try_assign(self, task: Dict[str, Any]) -> bool:
        workers = [a for a in self._agents.values()
                   if a["role"] == "worker" and self._available(a)
                   and all(c in a["capabilities"] for c in task["required_capabilities"])]
        if not workers:
            return False
        fresh = [a for a in workers if a["agent_id"] not in task["tried"]]
        best = sorted(fresh or workers, key=self._rank)[0]
        task["attempts"] += 1
        task["state"] = "assigned"
        task["assigned_to"] = best["agent_id"]
        task["tried"].append(best["agent_id"])
        task["deadline"] = now_rfc3339(time.time() + task["timeout_ms"] / 1000.0)
        best["current_tasks"] += 1
        self._history(task, "assigned", best["agent_id"])
        content = {k: task[k] for k in ("task_id", "task_type", "description", "parameters", "deadline")}
        self._store(self._new_message(task["supervisor"], best["agent_id"], "task_request", content,
                                      task["priority"], correlation_id=task["task_id"]))
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

    def _task_report(self, sender: str, mtype: str, content: Dict[str, Any]) -> None:
        task_id = content.get("task_id")
        task = self._tasks.get(task_id if isinstance(task_id, str) else "")
        if task is None or task["assigned_to"] != sender or task["state"] not in ("assigned", "in_progress"):
            return
        status = "failed" if mtype == "error_report" else content.get("status")
        if status == "in_progress":
            if task["state"] != "in_progress":
                task["state"] = "in_progress"
                self._history(task, "in_progress", sender)
        elif status == "completed":
            task["state"] = "completed"
            task["result"] = content.get("result")
            task["deadline"] = None
            self._history(task, "completed", sender)
            self._free(task)
            self._assign_pending()
        elif status == "failed":
            error = content.get("error")
            self._history(task, "failed", sender)
            self._attempt_failed(task, error if isinstance(error, dict) else {"message": error})

    def _attempt_failed(self, task: Dict[str, Any], error: Dict[str, Any]) -> None:
        self._free(task)
        task["error"] = error
        task["deadline"] = None
        if task["attempts"] <= task["max_retries"]:
            task["state"] = "pending"
            task["assigned_to"] = None
            self._try_assign(task)
        else:
            task["state"] = "failed"
            task["assigned_to"] = None
            self._history(task, "failed", None)
            self._store(self._new_message("agentd", task["supervisor"], "error_report",
                                          {"task_id": task["task_id"], "state": "failed", "error": error}, "high"))
        self._assign_pending()

    def _visible(self, session: "MockConnection", task_id: str) -> Dict[str, Any]:
        task = self._tasks.get(task_id)
        me = session.agent
        agent = self._agents.get(me or "")
        if task is not None and (agent is not None and agent["role"] in ("supervisor", "coordinator", "monitor")
                                 or task["supervisor"] == me or me in task["tried"]):
            return task
        raise NotFound("task_id: no task %s" % task_id)

    @staticmethod
    def _task_view(task: Dict[str, Any]) -> Dict[str, Any]:
        return {k: v for k, v in task.items() if k not in ("timeout_ms", "tried")}

    def _op_task(self, session: "MockConnection", fields: Dict[str, Any]) -> Dict[str, Any]:
        return {"task": self._task_view(self._visible(session, self._want(fields, "task_id", str)))}

    def _op_tasks(self, session: "MockConnection", fields: Dict[str, Any]) -> Dict[str, Any]:
        state = self._want(fields, "state", str, required=False)
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
        if task["state"] in ("pending", "assigned", "in_progress"):
            holder = task["assigned_to"] if task["state"] != "pending" else None
            if holder is not None:
                self._free(task)
                self._store(self._new_message(session.agent or "", holder, "coordination",
                                              {"action": "cancel", "task_id": task["task_id"]}, "high"))
            task["state"] = "cancelled"
            task["deadline"] = None
            self._history(task, "cancelled", session.agent)
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
                       "backend": "memory"},
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
