"""Load and bookkeeping shared by the fault-injection tests in this directory.

    Producer   one connection; sends {"n": n} messages pipelined (at most `window` unanswered),
               optionally paced; records for every n what the reply said and how long it took.
    Consumer   one connection; fetches (or subscribes) and acks, recording every delivery with
               its attempt, and which acks were confirmed.
    Ledger     merges them into the figures each test prints and checks the rules they share.

What a send's answer means for the count:
    ok           the message is stored: it must be delivered (lost = ok sends never delivered)
    unavailable  the store did not answer in time: the effect is unknown (stored or not), so
                 the message may or may not show up; retrying with the same message_id is safe
    no_reply     the connection died before the answer (agentd killed): unknown, like unavailable
Any other error code is counted as `other` and is a failure.

Every delivery after the first of the same message must carry attempt > 1: a repeat with
attempt 1 would mean the message was stored twice or the attempt count went backwards.
"""

import collections
import json
import os
import socket
import struct
import subprocess
import threading
import time

from wire import Closed, Conn, NoFrame, error_code

UNKNOWN = ("unavailable", "no_reply")


def now():
    return time.monotonic()


class Producer:
    """Sends {"n": n} for each n in `ns` to `to_agent` as `agent_id`.

    window             most sends written and not yet answered
    rate               sends per second (paced on a schedule), None for as fast as the window allows
    client_ids         give each message the id "<prefix>-<n>" (the dedup path) instead of
                       letting the server choose one
    retry_unavailable  resend (same message_id, so safe) after `unavailable`, until ok or
                       `give_up_at` (monotonic time)
    """

    def __init__(self, to_agent, ns, agent_id, port=None, window=16, rate=None, client_ids=False,
                 retry_unavailable=False, give_up_at=None, reply_timeout=30.0, id_prefix="m"):
        self.to_agent = to_agent
        self.ns = list(ns)
        self.agent_id = agent_id
        self.port = port
        self.window = window
        self.rate = rate
        self.client_ids = client_ids
        self.retry_unavailable = retry_unavailable
        self.give_up_at = give_up_at
        self.reply_timeout = reply_timeout
        self.id_prefix = id_prefix
        self.result = {}          # n -> final outcome: "ok", "unavailable", "no_reply", other code
        self.message_id = {}      # n -> message_id of the ok reply
        self.duplicate = set()    # n whose ok reply said duplicate: true (an earlier try was stored)
        self.written = {}         # n -> monotonic time of the first write
        self.replies = []         # (write time, reply time, n, outcome) for every reply
        self.unavailable_replies = 0
        self.errors = []
        self.dead = False
        self.died = None          # why the connection ended early, if it did
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._outstanding = {}    # request id -> (n, write time)
        self._todo = collections.deque((n, 0.0) for n in self.ns)
        self._final = 0
        self._next_id = 1
        self._threads = []

    def frame(self, n, rid):
        message = {"to_agent": self.to_agent, "message_type": "status_update", "content": {"n": n}}
        if self.client_ids:
            message["message_id"] = "%s-%d" % (self.id_prefix, n)
        return (json.dumps({"op": "send", "id": rid, "message": message}, separators=(",", ":")) + "\n").encode()

    def start(self):
        self.conn = Conn(self.port, timeout=self.reply_timeout)
        self.conn.hello(self.agent_id)
        self.t0 = now()
        for target in (self._writer, self._reader):
            t = threading.Thread(target=target, daemon=True)
            t.start()
            self._threads.append(t)
        return self

    @property
    def done(self):
        with self._lock:
            return self._final >= len(self.ns) or self.dead

    def join(self, timeout):
        end = now() + timeout
        for t in self._threads:
            t.join(max(0.0, end - now()))
        return not any(t.is_alive() for t in self._threads)

    def _finish(self, n, outcome):
        self.result[n] = outcome
        self._final += 1

    def _writer(self):
        sent = 0
        try:
            while True:
                with self._cond:
                    while True:
                        if self.dead or self._final >= len(self.ns):
                            return
                        if self._todo and len(self._outstanding) < self.window:
                            break
                        self._cond.wait(0.2)
                    n, not_before = self._todo.popleft()
                    rid = self._next_id
                    self._next_id += 1
                wait = not_before - now()
                if n not in self.written and self.rate:
                    wait = max(wait, self.t0 + sent / self.rate - now())
                if wait > 0:
                    time.sleep(wait)
                t = now()
                with self._lock:
                    self._outstanding[rid] = (n, t)
                    if n not in self.written:
                        self.written[n] = t
                        sent += 1
                self._send_all(self.frame(n, rid))
        except OSError as e:
            self._die("writer: %r" % (e,))
        except Exception as e:  # a bug in the test itself: make it visible
            self.errors.append("writer: %r" % (e,))
            self._die(None)

    def _send_all(self, data):
        # Not sendall: the reader thread sets short timeouts on the same socket, and a
        # sendall that times out half way cannot be resumed.
        view = memoryview(data)
        while view:
            try:
                k = self.conn.sock.send(view)
            except socket.timeout:
                if self.dead:
                    raise OSError("producer is dead")
                continue
            view = view[k:]

    def _reader(self):
        try:
            while not self.done:
                try:
                    r = self.conn.recv_reply(timeout=1.0)
                except NoFrame:
                    with self._lock:
                        oldest = min((t for _, t in self._outstanding.values()), default=None)
                    if oldest is not None and now() - oldest > self.reply_timeout:
                        self.errors.append("no reply for %.0f s" % (now() - oldest))
                        self._die(None)
                        return
                    continue
                t = now()
                code = "ok" if r.get("ok") is True else (error_code(r) or "?")
                with self._cond:
                    n, tw = self._outstanding.pop(r.get("id"), (None, None))
                    if n is None:
                        self.errors.append("reply to an unknown id: %r" % (r,))
                        continue
                    self.replies.append((tw, t, n, code))
                    if code == "ok":
                        self.message_id[n] = r["message_id"]
                        if r.get("duplicate"):
                            self.duplicate.add(n)
                        self._finish(n, "ok")
                    elif code == "unavailable":
                        self.unavailable_replies += 1
                        if self.retry_unavailable and (self.give_up_at is None or t < self.give_up_at):
                            self._todo.append((n, t + 0.1))
                        else:
                            self._finish(n, code)
                    else:
                        self.errors.append("send n=%d: %r" % (n, r))
                        self._finish(n, code)
                    self._cond.notify_all()
        except (Closed, OSError) as e:
            self._die("reader: %r" % (e,))

    def _die(self, why):
        with self._cond:
            if self.dead:
                return
            self.dead = True
            self.died = why
            for n, _ in self._outstanding.values():
                if n not in self.result:
                    self._finish(n, "no_reply")
            self._outstanding.clear()
            self._cond.notify_all()
        self.conn.close()


class Consumer:
    """Takes messages of `agent_id` and acks them.

    mode       "fetch" (fetch limit/wait_ms in a loop) or "push" (subscribe with prefetch)
    hold(m)    True: do not ack this delivery (it comes back after the ack timeout)
    ack_delay  seconds to sleep before each ack (a slow consumer)
    pause      seconds to sleep before each fetch (a consumer slower than its producers)
    """

    def __init__(self, agent_id, port=None, mode="fetch", limit=50, prefetch=50, wait_ms=200,
                 hold=None, ack_delay=0.0, pause=0.0, reply_timeout=30.0, name=None):
        self.agent_id = agent_id
        self.port = port
        self.mode = mode
        self.limit = limit
        self.prefetch = prefetch
        self.wait_ms = wait_ms
        self.hold = hold or (lambda m: False)
        self.ack_delay = ack_delay
        self.pause = pause
        self.reply_timeout = reply_timeout
        self.name = name or agent_id
        self.deliveries = []      # (time, n, message_id, attempt)
        self.acked_at = {}        # message_id -> time the ack was confirmed (acked == all listed)
        self.ack_partial = set()  # message_ids of acks answered ok with a smaller count
        self.ack_unknown = set()  # message_ids of acks answered unavailable or never answered
        self.held = set()         # message_ids deliberately not acked (on some delivery)
        self.unavailable = collections.Counter()  # error code -> failed fetch/ack answers
        self.errors = []
        self.closed = False
        self.stop = threading.Event()
        self._thread = None

    def start(self):
        self.conn = Conn(self.port, timeout=self.reply_timeout)
        self.conn.hello(self.agent_id)
        if self.mode == "push":
            self.conn.call("subscribe", prefetch=self.prefetch)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def join(self, timeout):
        self.stop.set()
        if self._thread:
            self._thread.join(timeout)
        return not (self._thread and self._thread.is_alive())

    def _take(self):
        """The next batch as (arrival time, message) pairs."""
        if self.mode == "push":
            batch = []
            try:
                while len(batch) < self.limit:
                    e = self.conn.expect_event(timeout=0.2 if not batch else 0.02)
                    batch.append((now(), e["message"]))
            except NoFrame:
                pass
            return batch
        r = self.conn.request("fetch", limit=self.limit, wait_ms=self.wait_ms,
                              timeout=self.reply_timeout + self.wait_ms / 1000.0)
        if r.get("ok") is True:
            t = now()
            return [(t, m) for m in r["messages"]]
        code = error_code(r)
        self.unavailable[code] += 1
        if code != "unavailable":
            self.errors.append("fetch: %r" % (r,))
        time.sleep(0.05)
        return []

    def _run(self):
        pending_ack = []
        try:
            while not self.stop.is_set():
                if self.pause:
                    time.sleep(self.pause)
                batch = self._take()
                ids = []
                for t, m in batch:
                    mid = m["message_id"]
                    self.deliveries.append((t, m["content"].get("n"), mid, m["delivery"]["attempt"]))
                    if self.hold(m):
                        self.held.add(mid)
                    else:
                        ids.append(mid)
                if not ids:
                    continue
                if self.ack_delay:
                    time.sleep(self.ack_delay)
                pending_ack = ids
                r = self.conn.request("ack", message_ids=ids, timeout=self.reply_timeout)
                pending_ack = []
                t = now()
                if r.get("ok") is True:
                    if r["acked"] == len(ids):
                        for mid in ids:
                            self.acked_at.setdefault(mid, t)
                    else:
                        self.ack_partial.update(ids)
                else:
                    code = error_code(r)
                    self.unavailable[code] += 1
                    self.ack_unknown.update(ids)
                    if code != "unavailable":
                        self.errors.append("ack: %r" % (r,))
        except (Closed, OSError):
            self.ack_unknown.update(pending_ack)
            self.closed = True
        except NoFrame as e:
            self.ack_unknown.update(pending_ack)
            self.errors.append("%s: no reply: %s" % (self.name, e))
        except Exception as e:
            self.errors.append("%s: %r" % (self.name, e))


class Ledger:
    """The figures of a run: what producers were told, what consumers saw."""

    def __init__(self, producers, consumers):
        self.producers = producers
        self.consumers = consumers

    def outcomes(self):
        out = {}
        for p in self.producers:
            out.update(p.result)
        return out

    def ok(self):
        return {n for n, o in self.outcomes().items() if o == "ok"}

    def by_n(self):
        got = collections.defaultdict(list)
        for c in self.consumers:
            for t, n, mid, attempt in c.deliveries:
                got[n].append((t, mid, attempt))
        for n in got:
            got[n].sort()
        return got

    def delivered(self):
        return set(self.by_n())

    def missing(self):
        return self.ok() - self.delivered()

    def acked_at(self):
        out = {}
        for c in self.consumers:
            for mid, t in c.acked_at.items():
                out[mid] = min(t, out.get(mid, t))
        return out

    def figures(self):
        outcomes = self.outcomes()
        counts = collections.Counter(outcomes.values())
        got = self.by_n()
        acked_at = self.acked_at()
        dup_gt1 = dup_1 = backwards = acked_again = 0
        for n, seen in got.items():
            for k in range(1, len(seen)):
                if seen[k][2] > 1:
                    dup_gt1 += 1
                else:
                    dup_1 += 1
                if seen[k][2] <= seen[k - 1][2]:
                    backwards += 1
            for t, mid, attempt in seen:
                if mid in acked_at and t > acked_at[mid]:
                    acked_again += 1
        other = sum(v for k, v in counts.items() if k not in ("ok",) + UNKNOWN)
        acked_n = set()
        for n, seen in got.items():
            if any(mid in acked_at for _, mid, _ in seen):
                acked_n.add(n)
        return collections.OrderedDict([
            ("sent", len(outcomes)),
            ("ok", counts["ok"]),
            ("unavailable", counts["unavailable"]),
            ("no_reply", counts["no_reply"]),
            ("other", other),
            ("acked", len(acked_n)),
            ("delivered_unique", len(got)),
            ("lost", len(self.ok() - set(got))),
            ("dup_attempt_gt1", dup_gt1),
            ("dup_attempt_1", dup_1),
            ("attempt_not_increasing", backwards),
            ("acked_then_redelivered", acked_again),
            ("unknown_delivered", len([n for n in got if outcomes.get(n) in UNKNOWN])),
        ])

    @staticmethod
    def line(figures, keys=None, extra=""):
        keys = keys or list(figures)
        return "# " + " ".join("%s=%s" % (k, figures[k]) for k in keys) + (" " + extra if extra else "")


def drain(ledger, want, deadline_s, quiet_s=5.0, settle_s=0.5):
    """Wait until every n in `want` was delivered (then `settle_s` more for acks to settle),
    at most `deadline_s`, and give up early once no delivery at all came for `quiet_s`.
    True when everything wanted arrived."""
    end = now() + deadline_s
    count, last_change = -1, now()
    while now() < end:
        if not (want - ledger.delivered()):
            time.sleep(settle_s)
            return True
        seen = sum(len(c.deliveries) for c in ledger.consumers)
        if seen != count:
            count, last_change = seen, now()
        elif now() - last_change > quiet_s:
            break
        time.sleep(0.1)
    return not (want - ledger.delivered())


def rst_close(conn):
    """Close abruptly: SO_LINGER 0 makes close() send a RST instead of a FIN."""
    try:
        conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    conn.close()


def redis_cli(port, *args):
    """One redis-cli command against the test's own Redis; its output lines."""
    out = subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(port)] + [str(a) for a in args],
                         capture_output=True, text=True, timeout=10)
    return out.stdout.strip().splitlines()


def inbox_streams(agent):
    prefix = os.environ["AGENTD_KEY_PREFIX"]
    return ["%s:q:%s:%s" % (prefix, agent, p) for p in ("critical", "high", "medium", "low")]


def redis_pending(port, agent):
    """How many entries of `agent`'s inbox sit in Redis's pending list (delivered, unacked)
    and how many are in the streams at all."""
    pel = length = 0
    for key in inbox_streams(agent):
        lines = redis_cli(port, "XPENDING", key, "agentd")
        if lines and lines[0].isdigit():
            pel += int(lines[0])
        lines = redis_cli(port, "XLEN", key)
        if lines and lines[0].isdigit():
            length += int(lines[0])
    return pel, length


def percentile(values, p):
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100.0 * (len(values) - 1))))]


def redis_inbox_ids(port, agent):
    """message_id of every entry still in `agent`'s inbox streams (stored and not acked)."""
    ids = []
    for key in inbox_streams(agent):
        lines = redis_cli(port, "XRANGE", key, "-", "+")
        for k in range(len(lines) - 1):
            if lines[k] == "i":
                ids.append(lines[k + 1])
    return ids


class Record:
    """What a Producer or Consumer of an earlier process saw, read back from `dump`."""

    def __init__(self, d):
        self.name = d.get("name")
        self.result = {int(n): o for n, o in d.get("result", {}).items()}
        self.message_id = {int(n): m for n, m in d.get("message_id", {}).items()}
        self.deliveries = [tuple(x) for x in d.get("deliveries", [])]
        self.acked_at = dict(d.get("acked_at", {}))
        self.ack_unknown = set(d.get("ack_unknown", []))
        self.held = set(d.get("held", []))
        self.errors = list(d.get("errors", []))


def dump(path, producers, consumers):
    """Write what producers and consumers saw to `path` (JSON) for a later process."""
    out = {"producers": [], "consumers": []}
    for p in producers:
        out["producers"].append({"name": p.agent_id, "result": p.result, "message_id": p.message_id,
                                 "errors": p.errors})
    for c in consumers:
        out["consumers"].append({"name": c.name, "deliveries": c.deliveries, "acked_at": c.acked_at,
                                 "ack_unknown": sorted(c.ack_unknown), "held": sorted(c.held),
                                 "errors": c.errors})
    with open(path + ".tmp", "w") as f:
        json.dump(out, f)
    os.rename(path + ".tmp", path)


def load(path):
    with open(path) as f:
        d = json.load(f)
    return [Record(x) for x in d["producers"]], [Record(x) for x in d["consumers"]]
