"""Helpers for the several-daemons tests (tests_14_daemons/, pending/pending_daemons_*).

The shell starts the daemons with `start_daemon NAME ID` (daemons.sh), which exports
NAME_PORT, NAME_PID and NAME_ID; here a daemon is named by NAME ("A", "B", ...).

    from daemons import *
    a = connect("A", "worker-1")            # Conn to daemon A, hello as worker-1
    s = server(a)                           # stats.server of daemon A
    poll = LongPoll(connect("B", "rx"), wait_ms=5000)   # a fetch waiting on B, in a thread
    ...
    poll.join(); poll.messages, poll.took   # what it returned, seconds from start to reply

    w = agent_on("B", "w1", "worker", ["gpu"], max_tasks=2)   # hello + register on daemon B
    alive = KeepAlive([("B", "boss")])      # pings as boss from a connection of its own

    Sender / Receiver: load that survives the death of its daemon by reconnecting to the next
    daemon in its list (test_04). Every wait is bounded.
"""

import collections
import json
import os
import socket
import struct
import threading
import time

from wire import Closed, Conn, NoFrame, error_code, fetch_until


def now():
    return time.monotonic()


def port(name):
    return int(os.environ["%s_PORT" % name])


def pid(name):
    return int(os.environ["%s_PID" % name])


def daemon_id(name):
    return os.environ["%s_ID" % name]


def connect(name, agent_id=None, timeout=5.0):
    """A connection to daemon `name` (hello as `agent_id` when given)."""
    c = Conn(port(name), timeout=timeout)
    c.daemon = name
    if agent_id is not None:
        c.hello(agent_id)
    return c


def agent_on(name, agent_id, role="worker", caps=(), max_tasks=1, **fields):
    """A connection to daemon `name` that said hello as `agent_id` and registered with `role`
    (like coord.agent, on a chosen daemon); `.info` is the AgentInfo register returned."""
    c = connect(name, agent_id)
    c.info = c.call("register", role=role, capabilities=list(caps),
                    max_concurrent_tasks=max_tasks, **fields)["agent"]
    return c


def stats(conn):
    return conn.call("stats")


def server(conn):
    return conn.call("stats")["server"]


def wait_for(what, probe, timeout=5.0, every=0.05):
    """Call `probe` until it returns something truthy (returned) or `timeout` s pass."""
    end = now() + timeout
    last = None
    while True:
        last = probe()
        if last:
            return last
        if now() >= end:
            raise AssertionError("waited %.1f s for %s; last probe: %r" % (timeout, what, last))
        time.sleep(every)


def fetch_wait(conn, wait_ms, limit=10):
    """One fetch with `wait_ms`; (messages, seconds it took)."""
    t0 = now()
    r = conn.request("fetch", limit=limit, wait_ms=wait_ms, timeout=wait_ms / 1000.0 + 10)
    assert r.get("ok") is True, "fetch failed: %r" % (r,)
    return r["messages"], now() - t0


def percentile(values, p):
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100.0 * (len(values) - 1))))]


def rst_close(conn):
    """Close abruptly: SO_LINGER 0 makes close() send a RST instead of a FIN."""
    try:
        conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    conn.close()


class KeepAlive(threading.Thread):
    """Pings every `every` s, from connections of its own, as each (daemon name, agent id) in
    `who`, so those agents stay active under a short heartbeat timeout while the test uses
    their main connections. stop() ends it."""

    def __init__(self, who, every=0.2):
        super().__init__(daemon=True)
        self.conns = [connect(name, agent_id) for name, agent_id in who]
        self.every = every
        self.stopping = threading.Event()
        self.errors = []
        self.start()

    def run(self):
        while not self.stopping.wait(self.every):
            for c in self.conns:
                try:
                    c.call("ping")
                except Exception as e:
                    self.errors.append(repr(e))

    def stop(self):
        self.stopping.set()
        self.join(5)
        for c in self.conns:
            c.close()


class LongPoll(threading.Thread):
    """A fetch with wait_ms on `conn`, run in its own thread so the arrival time is exact.

    After join(): `messages` (the reply's), `started` and `answered` (monotonic times),
    `took` (seconds), `error` (an exception text, or None)."""

    def __init__(self, conn, wait_ms, limit=10):
        super().__init__(daemon=True)
        self.conn, self.wait_ms, self.limit = conn, wait_ms, limit
        self.messages, self.answered, self.error = None, None, None
        self.started = now()
        self.start()

    def run(self):
        try:
            r = self.conn.request("fetch", limit=self.limit, wait_ms=self.wait_ms,
                                  timeout=self.wait_ms / 1000.0 + 10)
            self.answered = now()
            assert r.get("ok") is True, "fetch failed: %r" % (r,)
            self.messages = r["messages"]
        except Exception as e:  # reported by the test through .error
            self.error = repr(e)

    @property
    def took(self):
        return None if self.answered is None else self.answered - self.started

    def result(self, timeout):
        """Wait for the answer (at most `timeout` s); the messages. Fails the test on error."""
        self.join(timeout)
        assert not self.is_alive(), "fetch not answered within %.1f s" % timeout
        assert self.error is None, self.error
        return self.messages


# -- load that survives a daemon's death (test_04) ---------------------------------------------


class Sender(threading.Thread):
    """Sends {"n": n, "t": send time} for each n in `ns` to `to_agent` as `agent_id`, one at a
    time, paced at `rate` per second, through daemon names[0]. Every message carries its own
    message_id "<agent_id>-<n>": when the daemon dies under a send, the sender connects to the
    next daemon in `names` and sends the same message again (same message_id, so it is stored
    once; the reply then says duplicate: true if the first try was stored).

    After join(): result {n: "ok" | error code}, message_id {n: id}, duplicate (set of n),
    retried (set of n resent after a lost connection), switches [(time, from, to)], errors.
    """

    def __init__(self, agent_id, to_agent, ns, names, rate, give_up_s=30.0):
        super().__init__(daemon=True)
        self.agent_id, self.to_agent, self.ns, self.names, self.rate = agent_id, to_agent, list(ns), list(names), rate
        self.give_up_s = give_up_s
        self.result, self.message_id, self.duplicate, self.retried = {}, {}, set(), set()
        self.switches, self.errors = [], []
        self.idx = 0
        self.conn = connect(self.names[0], agent_id, timeout=10)

    def _switch(self, why):
        old = self.names[self.idx]
        self.idx = min(self.idx + 1, len(self.names) - 1)
        self.conn.close()
        self.conn = connect(self.names[self.idx], self.agent_id, timeout=10)
        self.switches.append((now(), old, self.names[self.idx], why))

    def run(self):
        try:
            t0 = now()
            for k, n in enumerate(self.ns):
                wait = t0 + k / float(self.rate) - now()
                if wait > 0:
                    time.sleep(wait)
                end = now() + self.give_up_s
                while True:
                    message = {"to_agent": self.to_agent, "message_type": "status_update",
                               "message_id": "%s-%d" % (self.agent_id, n),
                               "content": {"n": n, "t": now()}}
                    try:
                        r = self.conn.request("send", message=message, timeout=10)
                    except (Closed, OSError) as e:
                        self.retried.add(n)
                        self._switch(repr(e))
                        continue
                    code = "ok" if r.get("ok") is True else (error_code(r) or "?")
                    if code == "unavailable" and now() < end:
                        time.sleep(0.1)
                        continue
                    self.result[n] = code
                    if code == "ok":
                        self.message_id[n] = r["message_id"]
                        if r.get("duplicate"):
                            self.duplicate.add(n)
                    else:
                        self.errors.append("send n=%d: %r" % (n, r))
                    break
        except Exception as e:
            self.errors.append("sender %s: %r" % (self.agent_id, e))
        finally:
            self.conn.close()


class Receiver(threading.Thread):
    """Takes `agent_id`'s messages on daemon names[0] ("fetch" or "push" mode) and acks them,
    except those `hold(message, daemon_name)` says to keep (delivered, never acked). When its
    daemon dies it connects to the next daemon in `names` (hello, subscribe again).

    After stop(): deliveries [(time, n, message_id, attempt, daemon name)], acked_at
    {message_id: time the ack was confirmed}, acked_on {message_id: daemon that confirmed the
    ack}, ack_unknown (ids of acks never answered), held
    {message_id: daemon name}, switches [(time, from, to)], errors."""

    def __init__(self, agent_id, names, mode="fetch", limit=50, prefetch=50, wait_ms=200,
                 hold=None, name=None):
        super().__init__(daemon=True)
        self.agent_id, self.names, self.mode = agent_id, list(names), mode
        self.limit, self.prefetch, self.wait_ms = limit, prefetch, wait_ms
        self.hold = hold or (lambda m, d: False)
        self.label = name or "%s-%s-%s" % (agent_id, mode, names[0])
        self.deliveries, self.acked_at, self.acked_on, self.ack_unknown, self.held = [], {}, {}, set(), {}
        self.switches, self.errors = [], []
        self.stopping = threading.Event()
        self.broken = None
        self.idx = 0
        self.conn = self._open()

    def _open(self):
        c = connect(self.names[self.idx], self.agent_id, timeout=10)
        if self.mode == "push":
            c.call("subscribe", prefetch=self.prefetch)
        return c

    def _switch(self, why):
        old = self.names[self.idx]
        if self.idx + 1 >= len(self.names):
            raise RuntimeError("%s: connection to %s lost and no daemon left: %s" % (self.label, old, why))
        self.idx += 1
        self.conn.close()
        self.conn = self._open()
        self.switches.append((now(), old, self.names[self.idx], why))

    def _take(self):
        if self.mode == "push":
            batch = []
            try:
                while len(batch) < self.limit:
                    e = self.conn.expect_event(timeout=0.2 if not batch else 0.02)
                    assert e.get("event") == "message", "unexpected event %r" % (e,)
                    batch.append((now(), e["message"]))
            except NoFrame:
                pass
            except (Closed, OSError) as e:
                if not batch:
                    raise
                self.broken = e             # record what did arrive, then reconnect
            return batch
        r = self.conn.request("fetch", limit=self.limit, wait_ms=self.wait_ms,
                              timeout=10 + self.wait_ms / 1000.0)
        t = now()
        if r.get("ok") is not True:
            self.errors.append("%s fetch: %r" % (self.label, r))
            time.sleep(0.1)
            return []
        return [(t, m) for m in r["messages"]]

    def run(self):
        while not self.stopping.is_set():
            ids = []
            try:
                daemon = self.names[self.idx]
                batch = self._take()
                for t, m in batch:
                    mid = m["message_id"]
                    self.deliveries.append((t, m["content"].get("n"), mid, m["delivery"]["attempt"], daemon))
                    if self.hold(m, daemon):
                        self.held[mid] = daemon
                    else:
                        ids.append(mid)
                if self.broken is not None:
                    e, self.broken = self.broken, None
                    ids = []                    # no ack was sent for these: they are unacked
                    raise e
                if not ids:
                    continue
                r = self.conn.request("ack", message_ids=ids, timeout=10)
                t = now()
                if r.get("ok") is True and r["acked"] == len(ids):
                    for mid in ids:
                        self.acked_at.setdefault(mid, t)
                        self.acked_on.setdefault(mid, daemon)
                elif r.get("ok") is True:
                    # Fewer acked than listed: some were no longer in flight here (taken over
                    # or timed out meanwhile); the ones that were are unknown to us.
                    self.ack_unknown.update(ids)
                else:
                    self.ack_unknown.update(ids)
                    self.errors.append("%s ack: %r" % (self.label, r))
            except (Closed, OSError) as e:
                self.ack_unknown.update(ids)
                try:
                    self._switch(repr(e))
                except Exception as e2:
                    self.errors.append(repr(e2))
                    return
            except Exception as e:
                self.ack_unknown.update(ids)
                self.errors.append("%s: %r" % (self.label, e))
                return
        self.conn.close()

    def stop(self, timeout=10):
        self.stopping.set()
        self.join(timeout)
        return not self.is_alive()


def by_n(receivers):
    """n -> [(time, message_id, attempt, daemon)] over all receivers, in time order."""
    got = collections.defaultdict(list)
    for r in receivers:
        for t, n, mid, attempt, daemon in list(r.deliveries):   # a copy: receivers may still run
            got[n].append((t, mid, attempt, daemon))
    for n in got:
        got[n].sort()
    return got


def load_figures(senders, receivers):
    """The figures of a Sender/Receiver run (see test_04); may be called while they run."""
    outcomes = {}
    for s in senders:
        outcomes.update(dict(s.result))
    ok = {n for n, o in outcomes.items() if o == "ok"}
    got = by_n(receivers)
    acked_at = {}
    for r in receivers:
        for mid, t in list(r.acked_at.items()):
            acked_at[mid] = min(t, acked_at.get(mid, t))
    repeats = repeat_attempt_not_up = acked_again = 0
    for n, seen in got.items():
        for k in range(1, len(seen)):
            repeats += 1
            if seen[k][2] <= seen[k - 1][2]:
                repeat_attempt_not_up += 1
        for t, mid, attempt, daemon in seen:
            if mid in acked_at and t > acked_at[mid]:
                acked_again += 1
    deliveries = sum(len(v) for v in got.values())
    return collections.OrderedDict([
        ("sent", len(outcomes)),
        ("ok", len(ok)),
        ("not_ok", len(outcomes) - len(ok)),
        ("resent", sum(len(s.retried) for s in senders)),
        ("dup_replies", sum(len(s.duplicate) for s in senders)),
        ("received", len(got)),
        ("deliveries", deliveries),
        ("redelivered", sum(1 for v in got.values() for x in v if x[2] > 1)),
        ("repeats", repeats),
        ("repeat_attempt_not_up", repeat_attempt_not_up),
        ("acked_then_redelivered", acked_again),
        ("lost", len(ok - set(got))),
    ])


def line(figures, extra=""):
    return "# " + " ".join("%s=%s" % kv for kv in figures.items()) + (" " + extra if extra else "")
